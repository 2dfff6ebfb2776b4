"""A scriptable HTTP/1.1 server on 127.0.0.1 for the tests of the native HTTP client.

Every response is scripted by the test, and every request is recorded::

    def test_revalidates(http_server: HttpServer) -> None:
        http_server.route("/f", not_modified_if_etag("v1", b"data", {"Cache-Control": "no-cache"}))
        ...
        assert http_server.count("/f") == 2
        assert http_server.requests("/f")[1].headers["if-none-match"] == '"v1"'
        assert http_server.bytes_sent("/f") == 4  # body bytes, 304s send none

``route(path, *replies)`` answers the requests for ``path`` with the replies in order, one
per request; the last one repeats forever. A reply is a :class:`Reply` or a callable that
gets the :class:`Request` and returns one. A :class:`Reply` can also script faults: a delay
before the status line, a stall, a TCP reset or a clean truncation part-way through the body,
a missing or wrong ``Content-Length``, and a slow, chunked body.

The server is threaded (one daemon thread per connection), speaks HTTP/1.1 with keep-alive,
writes nothing to stderr, and never waits forever: every wait is bounded and :meth:`close`
ends stalled and idle connections at once. Importing this module starts nothing; the
``http_server`` and ``http_servers`` fixtures (or :class:`HttpServer` itself) do. The
fixtures are registered under those names whatever name they are imported as, so a test
module can import them without its parameters shadowing the import (ruff F811)::

    from http_server import http_server as http_server_fixture  # noqa: F401
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import http
import http.server
import socket
import socketserver
import ssl
import struct
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import pytest

__all__ = [
    "MAX_WAIT",
    "HttpServer",
    "Reply",
    "Request",
    "file_reply",
    "http_server",
    "http_servers",
    "not_modified_if_etag",
    "redirect",
    "require_basic_auth",
]

MAX_WAIT = 60.0
"""The longest any scripted wait (``delay``, ``stall_for``, ``chunk_delay``) lasts."""

IDLE_TIMEOUT = 30.0
"""Socket timeout of a connection: an idle keep-alive connection or a client that stops
reading is dropped after this long."""

_CLOSE_GRACE = 2.0  # how long close() waits for the connection threads to finish


@dataclass
class Reply:
    """One scripted response.

    ``headers`` are sent as given, in order (a list allows repeated names). The server adds
    ``Date`` (unless given, or ``date=False``), ``Content-Length`` (unless given, or the
    response has no body by definition: 1xx, 204, 304) and ``Connection: close`` when it is
    going to close the connection. With a ``Transfer-Encoding: chunked`` header the body is
    sent chunked, one HTTP chunk per ``chunk_size`` bytes.

    Faults, all counted in body bytes (before any chunked framing):

    - ``delay``: seconds to wait before the status line.
    - ``stall_after``: send that many body bytes, then send nothing (the socket stays open)
      for ``stall_for`` seconds, then close.
    - ``reset_after``: send that many body bytes, then abort the connection with a TCP RST.
    - ``truncate_after``: announce the full body but send only that many bytes, then close
      cleanly (FIN).
    - ``content_length``: the ``Content-Length`` value to send instead of ``len(body)``
      (replacing any given one); ``-1`` sends none and closes the connection after the body.

    If several are set, the body stops at the smallest count, then the stall (if any) happens,
    then the connection is reset (if ``reset_after`` is set) or closed. Any fault makes the
    server send ``Connection: close``. Waits are capped at :data:`MAX_WAIT` seconds and end
    early when the server closes.
    """

    status: int = 200
    headers: dict[str, str] | list[tuple[str, str]] = field(default_factory=dict)
    body: bytes = b""
    delay: float = 0.0
    stall_after: int | None = None
    stall_for: float = 30.0
    reset_after: int | None = None
    truncate_after: int | None = None
    content_length: int | None = None
    chunk_size: int = 65536
    chunk_delay: float = 0.0
    date: bool = True

    def header_items(self) -> list[tuple[str, str]]:
        """The scripted headers as a list of ``(name, value)`` pairs."""
        if isinstance(self.headers, dict):
            return list(self.headers.items())
        return list(self.headers)

    def header(self, name: str) -> str | None:
        """The last scripted value of header ``name`` (case-insensitive), or None."""
        found = None
        for n, v in self.header_items():
            if n.lower() == name.lower():
                found = v
        return found


@dataclass
class Request:
    """One request the server received."""

    method: str
    path: str
    """The request target as sent, query included."""
    headers: dict[str, str]
    """Lower-cased names; for a repeated name the last value wins."""
    raw_headers: list[tuple[str, str]]
    """The header lines as received: names as sent, in order, repeats kept."""
    time: float
    """``time.monotonic()`` when the request head had been read."""
    body: bytes = b""
    peer: tuple[str, int] = ("", 0)
    """The client's address and port: the same port means the same connection."""
    status: int = 0
    """The status of the response sent (0 until its status line is written)."""
    body_bytes_sent: int = 0
    """Bytes of response body handed to the socket so far, chunked framing left out
    (counted just before each write: a client that has read them finds them counted)."""

    @property
    def route_path(self) -> str:
        """``path`` without its query."""
        return self.path.split("?", 1)[0]


@dataclass
class _Route:
    replies: list[Reply | Callable[[Request], Reply]]
    used: int = 0

    def next(self) -> Reply | Callable[[Request], Reply]:
        source = self.replies[min(self.used, len(self.replies) - 1)]
        self.used += 1
        return source


def _bodyless(status: int) -> bool:
    return status < 200 or status in (204, 304)


def _is_chunked(reply: Reply) -> bool:
    return "chunked" in (reply.header("Transfer-Encoding") or "").lower()


def _matches(request_path: str, path: str) -> bool:
    return request_path == path or request_path.split("?", 1)[0] == path


def _capped(seconds: float) -> float:
    return max(0.0, min(float(seconds), MAX_WAIT))


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], owner: HttpServer) -> None:
        self.owner = owner
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind also calls socket.getfqdn(), a reverse DNS lookup.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def handle_error(self, request: Any, client_address: Any) -> None:
        self.owner._record_error(traceback.format_exc())

    def finish_request(self, request: Any, client_address: Any) -> None:
        # TLS is set up in the connection's own thread, so a client that refuses the
        # certificate costs only that thread.
        tls = self.owner.tls
        if tls is None:
            super().finish_request(request, client_address)
            return
        try:
            request = tls.wrap_socket(request, server_side=True)
        except OSError:  # ssl.SSLError included: the handshake failed
            request.close()
            return
        try:
            super().finish_request(request, client_address)
        finally:
            request.close()


class _Abort(Exception):
    """The server is closing: drop the connection."""


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = IDLE_TIMEOUT
    disable_nagle_algorithm = True
    wbufsize = 0

    @property
    def owner(self) -> HttpServer:
        return cast(_Server, self.server).owner

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def setup(self) -> None:
        super().setup()
        self.owner._track(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:
            pass
        finally:
            self.owner._untrack(self.connection)

    def handle_one_request(self) -> None:
        self.close_connection = True
        if self.owner._stop.is_set():
            return
        try:
            self.raw_requestline = self.rfile.readline(65537)
            if not self.raw_requestline:
                return
            if len(self.raw_requestline) > 65536:
                self.send_error(http.HTTPStatus.REQUEST_URI_TOO_LONG)
                return
            if not self.parse_request():
                return
            self._serve()
        except (OSError, _Abort):
            self.close_connection = True

    # -- reading -------------------------------------------------------------------------

    def _read_body(self) -> bytes:
        encoding = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in encoding:
            parts: list[bytes] = []
            while True:
                size_line = self.rfile.readline(65537)
                if not size_line:
                    raise ConnectionError("request body ended early")
                size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass  # trailer fields
                    return b"".join(parts)
                parts.append(self._read_exactly(size))
                self.rfile.readline(65537)  # the CRLF after the chunk
        length = self.headers.get("Content-Length")
        if length is None:
            return b""
        return self._read_exactly(int(length))

    def _read_exactly(self, size: int) -> bytes:
        data = self.rfile.read(size)
        if len(data) != size:
            raise ConnectionError("request body ended early")
        return data

    # -- dispatching ---------------------------------------------------------------------

    def _serve(self) -> None:
        raw = [(str(n), str(v)) for n, v in self.headers.items()]
        received = time.monotonic()
        try:
            body = self._read_body()
        except ValueError:
            self.send_error(http.HTTPStatus.BAD_REQUEST)
            self.close_connection = True
            return
        peer = self.client_address
        request = Request(
            method=self.command,
            path=self.path,
            headers={n.lower(): v for n, v in raw},
            raw_headers=raw,
            time=received,
            body=body,
            peer=(str(peer[0]), int(peer[1])),
        )
        source = self.owner._record(request)
        required = self.owner.basic_auth
        if required is not None and not _authorized(request, *required):
            source = _unauthorized()
        if source is None:
            reply = Reply(
                404,
                {"Content-Type": "text/plain"},
                f"not found: {request.route_path}\n".encode(),
            )
        elif isinstance(source, Reply):
            reply = source
        else:
            try:
                reply = source(request)
            except Exception:
                error = traceback.format_exc()
                self.owner._record_error(error)
                reply = Reply(
                    500, [("Content-Type", "text/plain"), ("Connection", "close")], error.encode()
                )
        self._send(reply, head_only=self.command == "HEAD", request=request)

    # -- writing -------------------------------------------------------------------------

    def _wait(self, seconds: float) -> None:
        if seconds > 0 and self.owner._stop.wait(_capped(seconds)):
            raise _Abort

    def _send(self, reply: Reply, *, head_only: bool, request: Request | None = None) -> None:
        self._wait(reply.delay)
        cuts = [
            n for n in (reply.stall_after, reply.reset_after, reply.truncate_after) if n is not None
        ]
        if cuts or reply.content_length == -1:
            self.close_connection = True
        if (reply.header("Connection") or "").lower() == "close":
            self.close_connection = True
        try:
            phrase = http.HTTPStatus(reply.status).phrase
        except ValueError:
            phrase = "Unknown"
        head = f"HTTP/1.1 {reply.status} {phrase}\r\n"
        head += "".join(f"{n}: {v}\r\n" for n, v in self._headers_for(reply)) + "\r\n"
        if request is not None:
            request.status = reply.status
        self.wfile.write(head.encode("latin-1"))
        if head_only or _bodyless(reply.status):
            return

        body = reply.body
        chunked = _is_chunked(reply)
        end = min([len(body), *cuts])
        size = max(1, reply.chunk_size)
        for start in range(0, end, size):
            if start:
                self._wait(reply.chunk_delay)
            piece = body[start : min(start + size, end)]
            if request is not None:
                request.body_bytes_sent += len(piece)
            if chunked:
                piece = b"%x\r\n%s\r\n" % (len(piece), piece)
            self.wfile.write(piece)
            self.wfile.flush()
        if chunked and not cuts:
            self.wfile.write(b"0\r\n\r\n")

        if reply.stall_after is not None:
            self._wait(reply.stall_for)
        if reply.reset_after is not None:
            self._reset()

    def _headers_for(self, reply: Reply) -> list[tuple[str, str]]:
        """The scripted headers plus the ones the server adds (see :class:`Reply`)."""
        headers = reply.header_items()
        if reply.content_length is not None:
            headers = [(n, v) for n, v in headers if n.lower() != "content-length"]
        names = {n.lower() for n, _ in headers}
        if reply.date and "date" not in names:
            headers.append(("Date", self.date_time_string()))
        framed = _bodyless(reply.status) or _is_chunked(reply) or "content-length" in names
        if not framed and reply.content_length != -1:
            length = len(reply.body) if reply.content_length is None else reply.content_length
            headers.append(("Content-Length", str(length)))
        if self.close_connection and "connection" not in names:
            headers.append(("Connection", "close"))
        return headers

    def _reset(self) -> None:
        sock: socket.socket = self.connection
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()  # with a zero linger time, close() sends RST instead of FIN
        self.close_connection = True


class HttpServer:
    """A started, scriptable HTTP/1.1 server; :meth:`close` it (or use it as a context).

    ``host`` is the address to listen on; ``url_host`` the host name put in :attr:`url`
    (default ``host``): ``HttpServer(url_host="localhost")`` is another origin than a
    server whose URL says ``127.0.0.1``, even on the same port.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        url_host: str | None = None,
        tls: ssl.SSLContext | None = None,
    ):
        #: Serve HTTPS with this server context (its certificate chain loaded).
        self.tls = tls
        self._lock = threading.Lock()
        self._conns_changed = threading.Condition(self._lock)
        self._routes: dict[str, _Route] = {}
        self._requests: list[Request] = []
        self._conns: set[socket.socket] = set()
        self._stop = threading.Event()
        self._closed = False
        self.errors: list[str] = []
        """Tracebacks of exceptions in reply callables and in the server itself."""
        self.basic_auth: tuple[str, str] | None = None
        """(user, password) every request must carry as ``Authorization: Basic``, else it
        gets 401 whatever its route (see :meth:`require_auth`); None: no such check."""
        self._server = _Server((host, port), self)
        self.host = host
        self.port: int = self._server.server_port
        scheme = "http" if tls is None else "https"
        self.url = f"{scheme}://{url_host or host}:{self.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"http-server-{self.port}",
            daemon=True,
        )
        self._thread.start()

    def __enter__(self) -> HttpServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<HttpServer {self.url}>"

    # -- scripting -----------------------------------------------------------------------

    def require_auth(self, user: str, password: str) -> None:
        """From now on every request, to any path, needs ``Authorization: Basic`` with
        ``user:password``; any other gets 401 with ``WWW-Authenticate`` (recorded all
        the same)."""
        self.basic_auth = (user, password)

    def route(self, path: str, *replies: Reply | Callable[[Request], Reply]) -> None:
        """Answer requests for ``path`` with ``replies`` in order; the last repeats forever.

        ``path`` matches a request's full target or its target without the query; a route
        with the full target wins. Routing a path again replaces its replies and restarts
        them from the first.
        """
        if not replies:
            raise ValueError("route() needs at least one reply")
        with self._lock:
            self._routes[path] = _Route(list(replies))

    def requests(self, path: str | None = None) -> list[Request]:
        """The requests received (for ``path`` only, if given, matched as in :meth:`route`)."""
        with self._lock:
            return [r for r in self._requests if path is None or _matches(r.path, path)]

    def count(self, path: str | None = None) -> int:
        """How many requests were received (for ``path`` only, if given)."""
        return len(self.requests(path))

    def bytes_sent(self, path: str | None = None) -> int:
        """Bytes of response body sent (for ``path`` only, if given), as
        :attr:`Request.body_bytes_sent` counts them."""
        return sum(r.body_bytes_sent for r in self.requests(path))

    def reset(self) -> None:
        """Forget all routes, recorded requests and errors."""
        with self._lock:
            self._routes.clear()
            self._requests.clear()
            self.errors.clear()

    def url_for(self, path: str) -> str:
        """The absolute URL of ``path`` on this server."""
        return self.url + path

    # -- shutting down -------------------------------------------------------------------

    def close(self) -> None:
        """Stop the server now: end every wait, drop every connection, free the port."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._stop.set()
        self._server.shutdown()
        self._thread.join(_CLOSE_GRACE)
        with self._conns_changed:
            for sock in list(self._conns):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
            self._conns_changed.wait_for(lambda: not self._conns, timeout=_CLOSE_GRACE)
        self._server.server_close()

    @property
    def closed(self) -> bool:
        return self._closed

    # -- used by the handler threads -----------------------------------------------------

    def _record(self, request: Request) -> Reply | Callable[[Request], Reply] | None:
        with self._lock:
            self._requests.append(request)
            route = self._routes.get(request.path) or self._routes.get(request.route_path)
            return route.next() if route is not None else None

    def _record_error(self, error: str) -> None:
        with self._lock:
            self.errors.append(error)

    def _track(self, sock: socket.socket) -> None:
        with self._lock:
            self._conns.add(sock)
            if self._stop.is_set():
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def _untrack(self, sock: socket.socket) -> None:
        with self._conns_changed:
            self._conns.discard(sock)
            self._conns_changed.notify_all()


# -- common replies ----------------------------------------------------------------------


def _header_name(keyword: str) -> str:
    return "-".join(part.capitalize() for part in keyword.split("_"))


def file_reply(body: bytes, **headers: str) -> Reply:
    """200 with ``body`` as ``application/octet-stream``; ``headers`` are keyword-spelled:
    ``file_reply(b"x", cache_control="max-age=60", etag='"v1"')`` sends ``Cache-Control``
    and ``Etag``."""
    items = [(_header_name(k), v) for k, v in headers.items()]
    if not any(n.lower() == "content-type" for n, _ in items):
        items.insert(0, ("Content-Type", "application/octet-stream"))
    return Reply(200, items, body)


def _quoted_etag(etag: str) -> str:
    return etag if etag.startswith(('"', "W/")) else f'"{etag}"'


def _etag_matches(if_none_match: str, etag: str) -> bool:
    """RFC 9110 §13.1.2: ``*`` or any listed tag equal under the weak comparison."""
    if if_none_match.strip() == "*":
        return True

    def opaque(tag: str) -> str:
        tag = tag.strip()
        return tag[2:] if tag.startswith("W/") else tag

    return any(opaque(tag) == opaque(etag) for tag in if_none_match.split(","))


def not_modified_if_etag(
    etag: str, body: bytes, headers: Mapping[str, str] | None = None
) -> Callable[[Request], Reply]:
    """304 (no body, ``headers`` and ``ETag``) when ``If-None-Match`` matches ``etag``,
    else 200 with ``body``, ``headers`` and ``ETag``. An unquoted ``etag`` gets quoted."""
    tag = _quoted_etag(etag)
    items = [*(headers or {}).items(), ("ETag", tag)]

    def reply(request: Request) -> Reply:
        inm = request.headers.get("if-none-match")
        if inm is not None and _etag_matches(inm, tag):
            return Reply(304, list(items))
        return Reply(200, list(items), body)

    return reply


def _authorized(request: Request, user: str, password: str) -> bool:
    """Whether ``request`` carries ``Authorization: Basic`` with ``user:password``."""
    scheme, _, token = request.headers.get("authorization", "").strip().partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        given = base64.b64decode(token.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return False
    return given == f"{user}:{password}"


def _unauthorized() -> Reply:
    return Reply(
        401,
        [("WWW-Authenticate", 'Basic realm="test"'), ("Content-Type", "text/plain")],
        b"unauthorized\n",
    )


def require_basic_auth(
    user: str, password: str, reply: Reply | Callable[[Request], Reply]
) -> Callable[[Request], Reply]:
    """``reply`` when ``Authorization: Basic`` carries ``user:password``, else 401 with
    ``WWW-Authenticate: Basic realm="test"``."""

    def check(request: Request) -> Reply:
        scheme, _, token = request.headers.get("authorization", "").strip().partition(" ")
        if scheme.lower() == "basic":
            try:
                given = base64.b64decode(token.strip(), validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                given = None
            if given == f"{user}:{password}":
                return reply if isinstance(reply, Reply) else reply(request)
        return Reply(
            401,
            [("WWW-Authenticate", 'Basic realm="test"'), ("Content-Type", "text/plain")],
            b"unauthorized\n",
        )

    return check


def redirect(location: str, status: int = 302) -> Reply:
    """A redirect to ``location`` (absolute URL or path) with an empty body."""
    return Reply(status, [("Location", location)])


# -- fixtures ----------------------------------------------------------------------------


@pytest.fixture(name="http_server")
def http_server() -> Iterator[HttpServer]:
    """A started :class:`HttpServer` on 127.0.0.1, closed after the test."""
    server = HttpServer()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(name="http_servers")
def http_servers() -> Iterator[Callable[..., HttpServer]]:
    """A factory starting more servers (other origins), all closed after the test:
    ``other = http_servers(url_host="localhost")``; arguments as :class:`HttpServer`."""
    started: list[HttpServer] = []

    def start(
        host: str = "127.0.0.1",
        port: int = 0,
        url_host: str | None = None,
        tls: ssl.SSLContext | None = None,
    ) -> HttpServer:
        server = HttpServer(host, port, url_host, tls)
        started.append(server)
        return server

    try:
        yield start
    finally:
        for server in started:
            server.close()
