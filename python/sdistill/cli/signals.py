"""SIGTERM and SIGINT, and the command's private temporary directory.

On either signal every hook server and hook process group is ended at once, the
reporter's live lines go, and the main thread unwinds with :class:`Stopped`; the
command exits with 128 + the signal's number (143, 130). A second signal, or winding
down for longer than ``GRACE_SECONDS``, exits at once.

A building command keeps its temporary files (the hooks' input and output, their logs,
``TMPDIR``) in a directory of its own under the cache's ``tmp/``, removed on exit, and
emptied by ``cache prune`` if the process was killed.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sys
import tempfile
import threading
from typing import TYPE_CHECKING

from sdistill.cli import config

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["Stopped", "handle", "private_tmp", "remove_private_tmp", "stopping"]


class Stopped(BaseException):
    """Raised in the main thread by the SIGTERM and SIGINT handler."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def what(self) -> str:
        return "interrupted" if self.signum == signal.SIGINT else "terminated"


#: What the signal handler calls besides stopping the hooks (the reporter's interrupt).
stopping: list[Callable[[], None]] = []

#: How long the command may take to wind down after SIGTERM or SIGINT (hooks are
#: already killed; what is left is threads noticing it) before it exits regardless.
GRACE_SECONDS = 5.0

#: The command's own directory under the cache's ``tmp/`` (see ``private_tmp``).
_private: list[str] = []


def handle() -> None:
    """Installs the handler of SIGTERM and SIGINT."""
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _on_signal)


def _on_signal(signum: int, frame: object) -> None:
    from sdistill.build import hook_server  # noqa: PLC0415

    status = 128 + signum
    if hook_server.stopping():
        os._exit(status)
    hook_server.stop_all()
    for interrupt in stopping:
        interrupt()
    timer = threading.Timer(GRACE_SECONDS, _exit_now, (status,))
    timer.daemon = True
    timer.start()
    raise Stopped(signum)


def _exit_now(status: int) -> None:
    from sdistill.build import hook_server  # noqa: PLC0415

    hook_server.stop_all()
    remove_private_tmp()
    with contextlib.suppress(OSError):
        print("error: stopped while winding down", file=sys.stderr, flush=True)
    os._exit(status)


def private_tmp(cache_dir: str | None) -> None:
    """Makes this process's temporary directory under the cache's ``tmp/``; a cache
    where that cannot be made (read-only) leaves the system's temporary directory."""
    from sdistill import _core  # noqa: PLC0415
    from sdistill.errors import SdistillError  # noqa: PLC0415

    try:
        bucket = _core.CacheLayout(config.cache_root(cache_dir)).temp_root()
        os.makedirs(bucket, exist_ok=True)
        private = tempfile.mkdtemp(prefix="cli-", dir=bucket)
    except (OSError, SdistillError):
        return
    _private.append(private)
    tempfile.tempdir = private


def remove_private_tmp() -> None:
    while _private:
        shutil.rmtree(_private.pop(), ignore_errors=True)
