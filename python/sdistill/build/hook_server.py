"""Warm hook processes: a server per build environment and backend that forks each hook.

A PEP 517 hook runs in a fresh process, and most of that process's life is the
interpreter start and the backend import -- about 0.2 s of a 0.26 s setuptools hook.
A :class:`HookServer` (``_hook_server_main.py``, run by the environment's interpreter)
imports the backend once and forks a child per call; the child takes the call's
directory, environment and arguments and runs the ``pyproject_hooks`` in-process script,
so every hook still starts from a clean, just-imported backend and leaves nothing
behind for the next one.

Used where it is safe and pays: on POSIX, for backends that do not load from the source
tree (``backend-path``: those differ per tree). A backend whose import fails, prints,
warns or starts a thread is not kept imported (each hook would have shown that output,
and threads do not survive a fork): its children start a fresh interpreter instead.
A forked child keeps its server's hash seed, so the pool starts its servers with
``PYTHONHASHSEED=HASH_SEED``, the seed every hook runs with (``pep517``); a call asking
for another seed gets a fresh interpreter. A server that cannot start or
dies is not an error: the call runs as a plain subprocess instead. Servers stop when their
pool is closed (or the process exits: their stdin closes).

Every hook process leads a process group of its own, served or not, and is finished
when it exits: whatever it left running is ended with its group. The groups of running
hooks and the servers are known here, so :func:`stop_all` (what the command line does
on SIGTERM and SIGINT) ends all of them at once, and no hook starts after it. A server
whose client is gone without stopping it (killed) ends its running hooks itself.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import signal
import subprocess
import tempfile
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from pathlib import Path

from sdistill.reporter import logger

__all__ = [
    "HASH_SEED",
    "HookServer",
    "HookServerPool",
    "HooksStopped",
    "running_group",
    "stop_all",
    "stopping",
    "supported",
]

#: ``PYTHONHASHSEED`` of every hook process (``pep517`` runs every hook with it).
HASH_SEED = "0"

_MAIN = Path(__file__).with_name("_hook_server_main.py")


def supported() -> bool:
    """Whether hook servers can run here (they need ``fork``)."""
    return hasattr(os, "fork") and os.name == "posix"


class HookServerGone(Exception):
    """The server stopped before answering; the call should run without it."""


class HooksStopped(Exception):
    """``stop_all`` was called: no hook starts any more in this process."""


# The process groups of running hooks (each hook leads one) and the live servers.
_registry_lock = threading.RLock()
_groups: set[int] = set()
_live: weakref.WeakSet[HookServer] = weakref.WeakSet()
_stopped = threading.Event()


def stopping() -> bool:
    """Whether :func:`stop_all` was called."""
    return _stopped.is_set()


def stop_all() -> None:
    """Ends every running hook's process group and every hook server, at once (SIGKILL
    for the hooks: their work is abandoned), and refuses every later hook
    (``HooksStopped``). Safe to call from a signal handler."""
    _stopped.set()
    with _registry_lock:
        groups, servers = list(_groups), list(_live)
    for pgid in groups:
        end_group(pgid)
    for server in servers:
        server.kill()


def end_group(pgid: int) -> None:
    """Kills the process group ``pgid`` (nothing if it is gone)."""
    with contextlib.suppress(OSError):
        os.killpg(pgid, signal.SIGKILL)


@contextlib.contextmanager
def running_group(
    start: Callable[[], subprocess.Popen[bytes]],
) -> Iterator[subprocess.Popen[bytes]]:
    """Starts a hook or installer process (``start`` makes it the leader of a new process
    group), known to :func:`stop_all` while it runs; its group is ended when it is done."""
    with _registry_lock:
        if _stopped.is_set():
            raise HooksStopped
        process = start()
        _groups.add(process.pid)
    try:
        yield process
    finally:
        # The hook is finished; what it left running in its group is not waited for.
        end_group(process.pid)
        with _registry_lock:
            _groups.discard(process.pid)


def _end_running_groups() -> None:
    """At exit: nothing a hook started outlives the process that wanted it."""
    with _registry_lock:
        groups = list(_groups)
    for pgid in groups:
        end_group(pgid)


atexit.register(_end_running_groups)


class HookServer:
    """One server process: an interpreter and environment with the backend imported."""

    def __init__(self, python: str, environ: Mapping[str, str], backend: str) -> None:
        with _registry_lock:
            if _stopped.is_set():
                raise HooksStopped
            self._process = subprocess.Popen(
                [python, str(_MAIN), backend],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=dict(environ),
                cwd=tempfile.gettempdir(),
                # A terminal's Ctrl-C goes to the client, which stops the server.
                start_new_session=True,
            )
            _live.add(self)
        self._lock = threading.Lock()
        self._waiting: dict[int, Future[int]] = {}
        self._children: dict[int, int] = {}  # request id -> pid of its running child
        self._next_id = 0
        self._gone = False
        threading.Thread(target=self._read_replies, daemon=True, name="sdistill-hooks").start()

    def run(
        self, argv: Sequence[str], cwd: str, env: Mapping[str, str], log: str | None = None
    ) -> tuple[int, list[str]]:
        """Runs ``argv`` (a Python script and its arguments) in a fresh child; returns
        its exit code and output lines. The output goes to the file ``log`` (by
        default a temporary file), which is removed after.

        Raises ``HookServerGone`` when the server had stopped before the call was sent
        (it can then run elsewhere); a server that stops during the call fails it.
        """
        if log is None:
            fd, log = tempfile.mkstemp(prefix="sdistill-hook-", suffix=".log")
            os.close(fd)
        try:
            future: Future[int] = Future()
            with self._lock:
                if _stopped.is_set():
                    raise HooksStopped
                if self._gone or self._process.stdin is None:
                    raise HookServerGone
                self._next_id += 1
                request_id = self._next_id
                self._waiting[request_id] = future
                request = {"id": request_id, "argv": list(argv), "cwd": cwd, "env": dict(env)}
                request["log"] = log
                try:
                    self._process.stdin.write(json.dumps(request).encode() + b"\n")
                    self._process.stdin.flush()
                except OSError as err:
                    self._waiting.pop(request_id, None)
                    raise HookServerGone from err
            try:
                code = future.result()
            except HookServerGone:
                return -1, ["the hook server stopped while the hook was running"]
            with open(log, "rb") as output:
                lines = output.read().decode("utf-8", "replace").splitlines()
            return code, lines
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(log)

    def _read_replies(self) -> None:
        stdout = self._process.stdout
        assert stdout is not None
        for line in stdout:
            try:
                reply = json.loads(line)
                request_id = int(reply["id"])
                if "pid" in reply:  # the child runs: its group is known to stop_all
                    pid = int(reply["pid"])
                    with _registry_lock:
                        _groups.add(pid)
                    if _stopped.is_set():
                        end_group(pid)
                    with self._lock:
                        self._children[request_id] = pid
                    continue
                with self._lock:
                    future = self._waiting.pop(request_id)
                    pid = self._children.pop(request_id, 0)
                with _registry_lock:
                    _groups.discard(pid)
                future.set_result(int(reply["code"]))
            except (ValueError, KeyError, TypeError):
                break
        with self._lock:
            self._gone = True
            waiting, self._waiting = self._waiting, {}
            children, self._children = list(self._children.values()), {}
        for pid in children:  # the server ended them too (or died: then they end here)
            end_group(pid)
            with _registry_lock:
                _groups.discard(pid)
        for future in waiting.values():
            future.set_exception(HookServerGone())
        stdout.close()
        self._close_stdin()
        self._process.wait()

    @property
    def alive(self) -> bool:
        return not self._gone

    def close(self) -> None:
        """Stops the server once its running hooks finish."""
        with self._lock:
            self._gone = True
            if self._process.stdin is not None:
                with contextlib.suppress(OSError, ValueError):  # gone, or closed here
                    self._process.stdin.write(b'{"stop": true}\n')
                    self._process.stdin.flush()
        self._close_stdin()

    def kill(self) -> None:
        """Ends the server and its running hooks now (it kills their groups on SIGTERM)."""
        self._gone = True
        with contextlib.suppress(OSError):
            self._process.send_signal(signal.SIGTERM)

    def _close_stdin(self) -> None:
        with self._lock:
            self._gone = True
            if self._process.stdin is not None:
                with contextlib.suppress(OSError):
                    self._process.stdin.close()


class HookServerPool:
    """The servers of one builder, by interpreter, environment and backend; the least
    recently used is stopped when more than ``size`` are running. Each is started with
    ``PYTHONHASHSEED=HASH_SEED``, whatever ``environ`` says."""

    def __init__(self, size: int = 8) -> None:
        self._size = size
        self._lock = threading.Lock()
        self._servers: OrderedDict[tuple[str, str, str], HookServer] = OrderedDict()

    def get(self, python: str, environ: Mapping[str, str], backend: str) -> HookServer | None:
        """The server for these, started if needed; ``None`` if one cannot start."""
        environ = {**environ, "PYTHONHASHSEED": HASH_SEED}
        key = (python, json.dumps(sorted(environ.items())), backend)
        with self._lock:
            server = self._servers.get(key)
            if server is not None and server.alive:
                self._servers.move_to_end(key)
                return server
            try:
                server = HookServer(python, environ, backend)
            except (OSError, HooksStopped) as err:
                logger.debug("no hook server for %s (%s): %s", backend, python, err)
                return None
            self._servers[key] = server
            while len(self._servers) > self._size:
                _, oldest = self._servers.popitem(last=False)
                oldest.close()
            return server

    def close(self) -> None:
        """Stops every server."""
        with self._lock:
            servers, self._servers = list(self._servers.values()), OrderedDict()
        for server in servers:
            server.close()
