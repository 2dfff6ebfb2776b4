"""What the command line shows while builds run: on a terminal, one status line naming
every running hook, redrawn in place; otherwise, one plain line per finished hook."""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO

from sdistill.reporter import NullReporter
from sdistill.sources import Source

__all__ = ["ConsoleReporter"]

_SPINNER = "|/-\\"


class ConsoleReporter(NullReporter):
    """Reports builds to a stream (stderr by default); thread-safe."""

    def __init__(self, stream: TextIO | None = None, quiet: bool = False) -> None:
        self._stream = stream or sys.stderr
        self._quiet = quiet
        self._tty = self._stream.isatty()
        self._lock = threading.Lock()
        self._running: dict[tuple[int, str], tuple[str, float]] = {}
        self._ticks = 0

    def on_build_start(self, source: Source, hook: str) -> None:
        with self._lock:
            self._running[(id(source), hook)] = (_label(source), time.monotonic())
            self._redraw()

    def on_build_finish(self, source: Source, hook: str, seconds: float) -> None:
        with self._lock:
            self._running.pop((id(source), hook), None)
            if not self._quiet:
                self._clear()
                self._stream.write(f"{_label(source)}: {hook} ({seconds:.1f}s)\n")
            self._redraw()

    def close(self) -> None:
        with self._lock:
            self._clear()

    def _clear(self) -> None:
        if self._tty:
            self._stream.write("\r\x1b[K")
            self._stream.flush()

    def _redraw(self) -> None:
        if not self._tty or self._quiet:
            return
        self._ticks += 1
        now = time.monotonic()
        parts = [
            f"{label} {hook} {now - start:.0f}s"
            for (_, hook), (label, start) in self._running.items()
        ]
        spinner = _SPINNER[self._ticks % len(_SPINNER)]
        line = f"{spinner} building: " + ", ".join(parts) if parts else ""
        self._stream.write("\r\x1b[K" + line[:200])
        self._stream.flush()


def _label(source: Source) -> str:
    path = getattr(source, "path", None)
    return source.name or (str(path) if path is not None else source.url)
