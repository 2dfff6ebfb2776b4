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
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from concurrent.futures import Future
from pathlib import Path

from sdistill.reporter import logger

__all__ = ["HASH_SEED", "HookServer", "HookServerPool", "supported"]

#: ``PYTHONHASHSEED`` of every hook process (``pep517`` runs every hook with it).
HASH_SEED = "0"

_MAIN = Path(__file__).with_name("_hook_server_main.py")


def supported() -> bool:
    """Whether hook servers can run here (they need ``fork``)."""
    return hasattr(os, "fork") and os.name == "posix"


class HookServerGone(Exception):
    """The server stopped before answering; the call should run without it."""


class HookServer:
    """One server process: an interpreter and environment with the backend imported."""

    def __init__(self, python: str, environ: Mapping[str, str], backend: str) -> None:
        self._process = subprocess.Popen(
            [python, str(_MAIN), backend],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=dict(environ),
            cwd=tempfile.gettempdir(),
        )
        self._lock = threading.Lock()
        self._waiting: dict[int, Future[int]] = {}
        self._next_id = 0
        self._gone = False
        threading.Thread(target=self._read_replies, daemon=True, name="sdistill-hooks").start()

    def run(self, argv: Sequence[str], cwd: str, env: Mapping[str, str]) -> tuple[int, list[str]]:
        """Runs ``argv`` (a Python script and its arguments) in a fresh child; returns
        its exit code and output lines.

        Raises ``HookServerGone`` when the server had stopped before the call was sent
        (it can then run elsewhere); a server that stops during the call fails it.
        """
        fd, log = tempfile.mkstemp(prefix="sdistill-hook-", suffix=".log")
        os.close(fd)
        try:
            future: Future[int] = Future()
            with self._lock:
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
            os.unlink(log)

    def _read_replies(self) -> None:
        stdout = self._process.stdout
        assert stdout is not None
        for line in stdout:
            try:
                reply = json.loads(line)
                with self._lock:
                    future = self._waiting.pop(int(reply["id"]))
                future.set_result(int(reply["code"]))
            except (ValueError, KeyError, TypeError):
                break
        with self._lock:
            self._gone = True
            waiting, self._waiting = self._waiting, {}
        for future in waiting.values():
            future.set_exception(HookServerGone())
        stdout.close()
        self.close()
        self._process.wait()

    @property
    def alive(self) -> bool:
        return not self._gone

    def close(self) -> None:
        """Stops the server once its running hooks finish."""
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
            except OSError as err:
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
