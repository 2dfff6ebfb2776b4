"""The hook server: one process per build environment and backend that has imported
the backend once, and forks a fresh child for every hook call.

Run by ``sdistill.build.hook_server`` as ``python _hook_server_main.py BACKEND`` with the
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
stdout ``{"id": N, "pid": PID}`` once the child runs and ``{"id": N, "code": EXIT_CODE}``
when it ended (negative: killed by that signal). The child's stdout and stderr go to
``log``. The server is single-threaded, so forking is safe.

Every child leads a process group of its own: a hook is finished when
its process exits, whatever it left running, and what it left -- a detached
``sleep 300 &`` holding the log open, a compiler server -- is ended with the group
(SIGKILL) before the reply is sent. A ``{"stop": true}`` request stops the server once
its last child has ended; stdin closing without it (the client is gone: killed, or
exited without stopping its servers) and SIGTERM end every running child's group
at once, then the server.
"""

from __future__ import annotations

import contextlib
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
    running: dict[int, int] = {}  # pid (and process group) -> request id

    def end_all(signum: int | None = None, frame: object = None) -> None:
        for pid in list(running):
            _end_group(pid)
        if signum is not None:
            os._exit(128 + signum)

    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_read, False)
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write)
    signal.signal(signal.SIGCHLD, lambda signum, frame: None)
    signal.signal(signal.SIGTERM, end_all)
    selector = selectors.DefaultSelector()
    selector.register(requests, selectors.EVENT_READ)
    selector.register(wake_read, selectors.EVENT_READ)
    buffer = b""
    closed = stopped = False
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
                if not stopped:
                    end_all()  # the client is gone: nobody wants these hooks any more
                continue
            buffer += data
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                request = json.loads(line)
                if request.get("stop"):
                    closed = stopped = True
                    selector.unregister(requests)
                    buffer = b""
                    break
                # Forked, a child keeps this interpreter's hash seed: only if asked for.
                same_seed = request["env"].get("PYTHONHASHSEED") == seed
                inherited = (requests, replies, wake_read, wake_write)
                pid = _fork(request, inherited, warm and same_seed, running)
                _reply(replies, {"id": request["id"], "pid": pid})
        while running:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                break
            request_id = running.pop(pid, None)
            if request_id is not None:
                # Finished when its process exits: what it left behind is ended.
                _end_group(pid)
                _reply(replies, {"id": request_id, "code": os.waitstatus_to_exitcode(status)})
    return 0


def _fork(
    request: dict[str, Any], inherited: tuple[int, ...], warm: bool, running: dict[int, int]
) -> int:
    """Starts the child of ``request`` in a process group of its own; its pid."""
    sys.stdout.flush()
    sys.stderr.flush()
    # No SIGTERM between the fork and the child's being in `running` (for end_all).
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    try:
        pid = os.fork()
        if pid == 0:
            _child(request, inherited, warm)
        with contextlib.suppress(OSError):  # the child does it too: no window
            os.setpgid(pid, pid)
        running[pid] = request["id"]
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
    return pid


def _reply(replies: int, reply: dict[str, int]) -> None:
    with contextlib.suppress(OSError):  # the client is gone: stdin closes next
        os.write(replies, (json.dumps(reply) + "\n").encode())


def _end_group(pgid: int) -> None:
    with contextlib.suppress(OSError):  # nothing left in it (ESRCH), or not ours any more
        os.killpg(pgid, signal.SIGKILL)


def _drain(fd: int) -> bool:
    try:
        return bool(os.read(fd, 512))
    except BlockingIOError:
        return False


def _child(request: dict[str, Any], inherited: tuple[int, ...], warm: bool) -> NoReturn:
    code = 1
    try:
        # Its own process group, so that it and everything it starts can be ended
        # together (and a terminal's Ctrl-C reaches the client, which ends it).
        os.setpgid(0, 0)
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
        for fd in inherited:
            os.close(fd)
        log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.close(log)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        tempfile.tempdir = None  # found again from the call's TMPDIR, not the server's
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
