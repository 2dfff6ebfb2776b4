"""A real smart-HTTP git server on 127.0.0.1: ``git http-backend`` behind ``http.server``.

Every repository under ``root`` is served read-only (``GIT_HTTP_EXPORT_ALL``), as
``<url>/<path under root>``, and every request is recorded, so a test counts what a
client asked for::

    with GitHttpServer(tmp_path / "srv", auth=("user", "secret")) as server:
        ...  # fetch f"{server.url}/repo.git" with user:secret
        assert server.count("info/refs") == 1
        assert server.fetches() == 1

Each request runs ``git http-backend`` as a CGI program: the request line and headers
become its environment (``PATH_INFO``, ``QUERY_STRING``, ``CONTENT_TYPE``,
``CONTENT_ENCODING`` as ``HTTP_CONTENT_ENCODING`` -- the backend inflates gzip bodies
itself --, ``Git-Protocol`` as ``HTTP_GIT_PROTOCOL``, ``REMOTE_USER`` once logged in), the
body goes to its stdin, and its response (CGI headers with a ``Status:`` line, then the
body) is streamed back chunked, so keep-alive works.

Options: ``auth=(user, password)`` answers 401 with ``WWW-Authenticate: Basic`` to any
request without that login; ``protocol_v2=False`` hides the client's ``Git-Protocol``
header, so the exchange is protocol v0 (``ls-remote`` is then exactly one GET);
``fetch_delay`` holds every fetch (an upload-pack POST that asks for objects) that many
seconds before the backend runs, :attr:`fetch_waiting` is set while one is held, and
:meth:`release` lets the held ones go at once. Waits end when the server closes.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import gzip
import http.server
import io
import os
import socketserver
import subprocess
import threading
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Callable, cast

__all__ = ["GitHttpServer", "GitRequest"]

_CHUNK = 65536


@dataclass(frozen=True)
class GitRequest:
    """One request the server answered."""

    method: str
    path: str
    """``PATH_INFO``: the path without the query, e.g. ``/repo.git/info/refs``."""
    query: str
    status: int
    user: str | None
    """The Basic-auth user the request logged in as (None: no valid login)."""
    command: str | None
    """For an upload-pack POST: ``"fetch"`` (it wants objects) or ``"ls-refs"``."""

    def endpoint(self, name: str) -> bool:
        """Whether the request is for ``name`` (``info/refs``, ``git-upload-pack``)."""
        return self.path.endswith("/" + name)


class GitHttpServer:
    """The server, started on a free port of 127.0.0.1; :meth:`close` (or ``with``) stops it."""

    def __init__(
        self,
        root: Path,
        *,
        auth: tuple[str, str] | None = None,
        protocol_v2: bool = True,
        fetch_delay: float = 0.0,
    ) -> None:
        self.root = Path(root)
        self.auth = auth
        self.protocol_v2 = protocol_v2
        self.fetch_delay = fetch_delay
        self.fetch_waiting = threading.Event()
        """Set when a fetch is being held by ``fetch_delay``."""
        self.backend_errors: list[str] = []
        """What ``git http-backend`` wrote to stderr, one entry per run that wrote any."""
        self._requests: list[GitRequest] = []
        self._lock = threading.Lock()
        self._released = threading.Event()
        self._closed = False
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="git-http-server",
            daemon=True,
        )
        self._thread.start()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``: a repository at ``root/a.git`` is ``url + "/a.git"``."""
        return f"http://127.0.0.1:{self._server.server_port}"

    def __enter__(self) -> GitHttpServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stops serving; held fetches end without an answer."""
        if self._closed:
            return
        self._closed = True
        self._released.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def release(self) -> None:
        """No more holding: the held fetches go on now, later ones are not held."""
        self.fetch_delay = 0.0
        self._released.set()

    # -- what was asked --------------------------------------------------------------------

    @property
    def requests(self) -> list[GitRequest]:
        with self._lock:
            return list(self._requests)

    def count(self, endpoint: str) -> int:
        """How many requests were for ``endpoint`` (``info/refs``, ``git-upload-pack``)."""
        return sum(r.endpoint(endpoint) for r in self.requests)

    def fetches(self) -> int:
        """How many upload-pack POSTs asked for objects and were answered 200."""
        return sum(r.command == "fetch" and r.status == 200 for r in self.requests)

    def _record(self, request: GitRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def _hold(self) -> None:
        if self.fetch_delay <= 0:
            return
        self.fetch_waiting.set()
        try:
            self._released.wait(self.fetch_delay)
        finally:
            self.fetch_waiting.clear()


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, owner: GitHttpServer) -> None:
        self.owner = owner
        super().__init__(("127.0.0.1", 0), _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind also calls socket.getfqdn(), a reverse DNS lookup.
        socketserver.TCPServer.server_bind(self)
        self.server_name = "127.0.0.1"
        self.server_port = int(self.server_address[1])

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that went away (a killed fetch) is not the server's error


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 60

    @property
    def owner(self) -> GitHttpServer:
        return cast(_Server, self.server).owner

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._serve(b"")

    def do_POST(self) -> None:
        self._serve(self._read_body())

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            parts = []
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                parts.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass  # trailer fields
            return b"".join(parts)
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _serve(self, body: bytes) -> None:
        owner = self.owner
        path, _, query = self.path.partition("?")
        user = self._login()
        command = self._command(path, body)
        if owner.auth is not None and user is None:
            owner._record(GitRequest(self.command, path, query, 401, None, command))
            self._send_head(401, [("WWW-Authenticate", 'Basic realm="git"')], b"unauthorized\n")
            return
        if command == "fetch":
            owner._hold()
        # Recorded once its status is known, before the answer goes out: a client that
        # has its answer finds its request counted.
        self._run_backend(
            path,
            query,
            user,
            body,
            lambda status: owner._record(
                GitRequest(self.command, path, query, status, user, command)
            ),
        )

    def _login(self) -> str | None:
        """The user of a valid ``Authorization: Basic`` header (any user, no auth set)."""
        scheme, _, token = (self.headers.get("Authorization") or "").partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            given = base64.b64decode(token.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
        user, _, password = given.partition(":")
        wanted = self.owner.auth
        return user if wanted is None or (user, password) == wanted else None

    def _command(self, path: str, body: bytes) -> str | None:
        if self.command != "POST" or not path.endswith("/git-upload-pack"):
            return None
        if (self.headers.get("Content-Encoding") or "").lower() in ("gzip", "x-gzip"):
            with contextlib.suppress(OSError, EOFError, zlib.error):
                body = gzip.decompress(body)
        if b"command=ls-refs" in body:
            return "ls-refs"
        return "fetch" if b"command=fetch" in body or b"want " in body else None

    def _run_backend(
        self,
        path: str,
        query: str,
        user: str | None,
        body: bytes,
        record: Callable[[int], None],
    ) -> int:
        owner = self.owner
        env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        env.update(
            GIT_PROJECT_ROOT=str(owner.root),
            GIT_HTTP_EXPORT_ALL="1",
            GIT_CONFIG_NOSYSTEM="1",
            GIT_CONFIG_GLOBAL=os.devnull,
            GATEWAY_INTERFACE="CGI/1.1",
            REQUEST_METHOD=self.command,
            PATH_INFO=path,
            QUERY_STRING=query,
            CONTENT_TYPE=self.headers.get("Content-Type") or "",
            CONTENT_LENGTH=str(len(body)),
            REMOTE_ADDR=self.client_address[0],
        )
        if user is not None:
            env["REMOTE_USER"] = user
        if encoding := self.headers.get("Content-Encoding"):
            env["HTTP_CONTENT_ENCODING"] = encoding
        if owner.protocol_v2 and (protocol := self.headers.get("Git-Protocol")):
            env["HTTP_GIT_PROTOCOL"] = protocol
        backend = subprocess.Popen(
            ["git", "http-backend"],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        stdin = cast(IO[bytes], backend.stdin)
        stdout = cast(io.BufferedReader, backend.stdout)
        stderr = cast(IO[bytes], backend.stderr)
        errors: list[bytes] = []
        feeder = threading.Thread(target=_feed, args=(stdin, body), daemon=True)
        reader = threading.Thread(target=lambda: errors.append(stderr.read()), daemon=True)
        feeder.start()
        reader.start()
        try:
            status, headers = _cgi_head(stdout)
            record(status)
            self._send_head(status, headers, None)
            while data := stdout.read1(_CHUNK):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        finally:
            stdout.close()
            backend.wait(30)
            feeder.join(5)
            reader.join(5)
            stderr.close()
            if errors and errors[0].strip():
                owner.backend_errors.append(errors[0].decode(errors="replace"))
        return status

    def _send_head(self, status: int, headers: list[tuple[str, str]], body: bytes | None) -> None:
        """The status line and headers; then ``body`` whole, or (None) chunks to follow."""
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        if body is None:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body is not None:
            self.wfile.write(body)
            self.wfile.flush()


def _feed(stdin: IO[bytes], body: bytes) -> None:
    with contextlib.suppress(OSError):
        stdin.write(body)
    with contextlib.suppress(OSError):
        stdin.close()


def _cgi_head(stdout: IO[bytes]) -> tuple[int, list[tuple[str, str]]]:
    """A CGI response's headers: its ``Status:`` (200 when absent) and the others."""
    status = 200
    headers: list[tuple[str, str]] = []
    while True:
        line = stdout.readline()
        if not line:  # no blank line: the backend failed before answering
            return 500, []
        if not line.rstrip(b"\r\n"):
            return status, headers
        name, _, value = line.decode("latin-1").partition(":")
        if name.strip().lower() == "status":
            status = int(value.split()[0])
        else:
            headers.append((name.strip(), value.strip()))
