"""The hook server: one process per build environment and backend that has imported
the backend once, and forks a fresh child for every hook call.

Run by ``sdistill.hook_server`` as ``python _hook_server_main.py BACKEND`` with the
build environment's interpreter; it uses the standard library only (the environment
does not have sdistill). Each child is a new process, as PEP 517 asks: it changes its
directory, environment and ``sys.argv`` to what the call asks for and runs the
``pyproject_hooks`` in-process script there, so no state passes from one hook to the
next. What it saves is the interpreter start and the backend import (for setuptools,
most of a hook's time). A backend whose import fails, prints, warns or starts a thread
is not kept imported: each child then starts a fresh interpreter (``exec``), so hooks
show exactly what they would without the server. So does a child whose call asks for
another ``PYTHONHASHSEED`` than the server started with: the hash seed is fixed when an
interpreter starts, and a forked child keeps its server's.

Protocol, one JSON object per line: requests on stdin
``{"id": N, "argv": [SCRIPT, ...], "cwd": DIR, "env": {...}, "log": FILE}``, replies on
stdout ``{"id": N, "code": EXIT_CODE}`` (negative: killed by that signal). The child's
stdout and stderr go to ``log``. The server is single-threaded, so forking is safe;
it stops once stdin closes and its last child has ended.
"""

from __future__ import annotations

import importlib
import json
import os
import runpy
import selectors
import signal
import sys
import tempfile
import threading
import traceback
import warnings
from typing import Any, NoReturn


def main() -> int:
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]
    # The protocol gets its own descriptors, so nothing the backend prints reaches it.
    requests, replies = os.dup(0), os.dup(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    warm = _preload(sys.argv[1].partition(":")[0])
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.close(devnull)
    return _serve(requests, replies, warm, os.environ.get("PYTHONHASHSEED"))


def _preload(module: str) -> bool:
    """Imports the backend; whether children forked from here are exactly like fresh
    processes. Not when the import failed, printed, warned or started a thread: what a
    hook would have shown (or a thread that does not survive a fork) would be lost, so
    children then start a fresh interpreter instead."""
    with tempfile.TemporaryFile() as output:
        os.dup2(output.fileno(), 1)
        os.dup2(output.fileno(), 2)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                importlib.import_module(module)
            except BaseException:  # SystemExit too: each hook reports it, as without us
                return False
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
        quiet = os.fstat(output.fileno()).st_size == 0 and not caught
    return quiet and threading.active_count() == 1


def _serve(requests: int, replies: int, warm: bool, seed: str | None) -> int:
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_read, False)
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write)
    signal.signal(signal.SIGCHLD, lambda signum, frame: None)
    selector = selectors.DefaultSelector()
    selector.register(requests, selectors.EVENT_READ)
    selector.register(wake_read, selectors.EVENT_READ)
    running: dict[int, int] = {}  # pid -> request id
    buffer = b""
    closed = False
    while not (closed and not running):
        for key, _ in selector.select():
            if key.fd == wake_read:
                while _drain(wake_read):
                    pass
                continue
            data = os.read(requests, 65536)
            if not data:
                closed = True
                selector.unregister(requests)
                continue
            buffer += data
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                request = json.loads(line)
                sys.stdout.flush()
                sys.stderr.flush()
                pid = os.fork()
                if pid == 0:
                    # Forked, a child keeps this interpreter's hash seed: only if asked for.
                    same_seed = request["env"].get("PYTHONHASHSEED") == seed
                    inherited = (requests, replies, wake_read, wake_write)
                    _child(request, inherited, warm and same_seed)
                running[pid] = request["id"]
        while running:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                break
            request_id = running.pop(pid, None)
            if request_id is not None:
                code = os.waitstatus_to_exitcode(status)
                reply = json.dumps({"id": request_id, "code": code}) + "\n"
                os.write(replies, reply.encode())
    return 0


def _drain(fd: int) -> bool:
    try:
        return bool(os.read(fd, 512))
    except BlockingIOError:
        return False


def _child(request: dict[str, Any], inherited: tuple[int, ...], warm: bool) -> NoReturn:
    code = 1
    try:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        for fd in inherited:
            os.close(fd)
        log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.close(log)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        sys.argv = list(request["argv"])
        if not warm:
            os.execve(sys.executable, [sys.executable, *sys.argv], dict(request["env"]))  # noqa: S606
        try:
            runpy.run_path(sys.argv[0], run_name="__main__")
            code = 0
        except SystemExit as exit_:
            if exit_.code is None or isinstance(exit_.code, int):
                code = exit_.code or 0
            else:
                print(exit_.code, file=sys.stderr)
                code = 1
    except BaseException:  # reported through the log and the exit code
        traceback.print_exc()
        code = 1
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


if __name__ == "__main__":
    sys.exit(main())
