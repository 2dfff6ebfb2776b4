"""What the command line shows while builds run and sdists download.

On a terminal: one line per running hook -- a spinner, the source, the hook and its
elapsed time -- and one per large download (``Downloading <file> 3.2/18.5 MiB``),
redrawn in place below the plain lines of finished hooks. A download is shown once its
total is known to be over ``BIG_DOWNLOAD`` bytes (or, total unknown, once that many
arrived), and goes when its last byte arrived (``done >= total``; a download of unknown
size ends with a last report whose total is its size) or the reporter is closed. Each live line
is cut to the terminal's width, so that none wraps (a wrapped line would not be erased
by the redraw). Elsewhere (a pipe, a log file): only one plain line per finished hook.
Once :meth:`ConsoleReporter.interrupt` was called (the command line's SIGINT and SIGTERM
handling), nothing is redrawn and a hook that ends is shown as interrupted.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import TextIO
from urllib.parse import unquote, urlsplit

from sdistill import _core
from sdistill.reporter import NullReporter
from sdistill.sources import Source

__all__ = ["ConsoleReporter"]

_SPINNER = "|/-\\"
_UP_AND_CLEAR = "\x1b[1A\x1b[2K"
_MIB = 1 << 20

#: Downloads smaller than this are not shown.
BIG_DOWNLOAD = _MIB

#: The least time between two redraws for download progress alone (a download reports
#: every chunk; a line appearing or going is drawn at once).
_PROGRESS_INTERVAL = 0.1


class ConsoleReporter(NullReporter):
    """Reports builds to a stream (stderr by default); thread-safe."""

    def __init__(self, stream: TextIO | None = None, quiet: bool = False) -> None:
        self._stream = stream or sys.stderr
        self._quiet = quiet
        self._tty = self._stream.isatty()
        self._lock = threading.Lock()
        self._running: dict[tuple[int, str], tuple[str, float]] = {}
        #: URL -> (file name, bytes so far, total or None) of the downloads shown.
        self._downloads: dict[str, tuple[str, int, int | None]] = {}
        self._drawn_at = 0.0
        self._drawn = 0
        self._ticks = 0
        self._closed = threading.Event()
        self._interrupted = False
        self._ticker: threading.Thread | None = None

    def on_build_start(self, source: Source, hook: str) -> None:
        with self._lock:
            self._running[(id(source), hook)] = (_label(source), time.monotonic())
            self._redraw()
            self._start_ticker()

    def on_build_finish(self, source: Source, hook: str, seconds: float) -> None:
        with self._lock:
            self._running.pop((id(source), hook), None)
            self._erase()
            if not self._quiet:
                how = "interrupted after " if self._interrupted else ""
                self._stream.write(f"{_label(source)}: {hook} ({how}{seconds:.1f}s)\n")
                self._stream.flush()
            self._redraw()

    def on_download_progress(self, url: str, done: int, total: int | None) -> None:
        if not self._tty or self._quiet:
            return
        with self._lock:
            shown = self._downloads.get(url)
            if total is not None and done >= total:  # the last byte arrived
                if self._downloads.pop(url, None) is not None:
                    self._redraw()
                return
            if shown is None and (done if total is None else total) <= BIG_DOWNLOAD:
                return
            name = shown[0] if shown is not None else _file_name(url)
            self._downloads[url] = (name, done, total)
            if shown is None or time.monotonic() - self._drawn_at >= _PROGRESS_INTERVAL:
                self._redraw()
            self._start_ticker()

    def interrupt(self) -> None:
        """The run is being stopped: the live lines go, and hooks that end from now on
        are shown as interrupted, not finished. Safe to call from a signal handler
        (it does not wait for the lock that a drawing thread may hold)."""
        self._interrupted = True
        self._closed.set()
        if self._lock.acquire(timeout=1):
            try:
                self._erase()
            finally:
                self._lock.release()

    def close(self) -> None:
        self._closed.set()
        if self._ticker is not None:
            self._ticker.join()
        with self._lock:
            self._downloads.clear()
            self._erase()

    def _start_ticker(self) -> None:
        """Starts the thread that keeps the live lines current (called under the lock)."""
        if self._tty and not self._quiet and self._ticker is None and not self._closed.is_set():
            self._ticker = threading.Thread(target=self._tick, daemon=True)
            self._ticker.start()

    def _tick(self) -> None:
        """Keeps spinners turning and elapsed times current while hooks run."""
        while not self._closed.wait(0.25):
            with self._lock:
                if self._running or self._downloads:
                    self._redraw()

    def _erase(self) -> None:
        if self._drawn:
            self._stream.write(_UP_AND_CLEAR * self._drawn)
            self._drawn = 0
            self._stream.flush()

    def _redraw(self) -> None:
        if not self._tty or self._quiet or self._interrupted:
            return
        self._erase()
        self._ticks += 1
        now = time.monotonic()
        # One column short of the width: a line that fills it wraps on some terminals.
        width = max(self._width() - 1, 1)
        for i, ((_, hook), (label, start)) in enumerate(self._running.items()):
            spinner = _SPINNER[(self._ticks + i) % len(_SPINNER)]
            line = f"{spinner} {label}: {hook} {now - start:.0f}s"
            self._stream.write(_fit(line, width) + "\n")
        for name, done, total in self._downloads.values():
            line = (
                f"Downloading {name} {_mib(done)}{'' if total is None else '/' + _mib(total)} MiB"
            )
            self._stream.write(_fit(line, width) + "\n")
        self._drawn = len(self._running) + len(self._downloads)
        self._drawn_at = time.monotonic()
        self._stream.flush()

    def _width(self) -> int:
        try:
            return os.get_terminal_size(self._stream.fileno()).columns or 80
        except (OSError, ValueError, AttributeError):
            return 80


def _fit(line: str, width: int) -> str:
    """``line`` cut to ``width`` columns (its end shown as ``...`` when cut)."""
    if len(line) <= width:
        return line
    return line[: width - 3] + "..." if width > 3 else line[:width]


def _label(source: Source) -> str:
    path = getattr(source, "path", None)
    return source.name or (str(path) if path is not None else source.url)


def _mib(size: int) -> str:
    return f"{size / _MIB:.1f}"


def _file_name(url: str) -> str:
    """The last segment of the URL's path (the redacted URL if there is none)."""
    redacted = _core.redact(url)
    name = unquote(urlsplit(redacted).path.rsplit("/", 1)[-1])
    return name or redacted
