"""Progress reporting: a protocol the caller may implement, and the ``sdistill`` logger."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from sdistill.sources import Source

__all__ = ["LoggingReporter", "NullReporter", "Reporter", "logger"]

#: Every message sdistill logs goes through this logger.
logger = logging.getLogger("sdistill")


class Reporter(Protocol):
    """What sdistill tells its caller while it works. Every method may be called from
    worker threads; implementations must be thread-safe."""

    def on_build_start(self, source: Source, hook: str) -> None:
        """A PEP 517 hook (or an environment setup, ``hook="environment"``) starts."""

    def on_build_finish(self, source: Source, hook: str, seconds: float) -> None:
        """It finished (successfully or not)."""

    def on_download_progress(self, url: str, done: int, total: int | None) -> None:
        """Bytes of a download so far (``total`` is ``None`` when unknown)."""


class NullReporter:
    """Reports nothing."""

    def on_build_start(self, source: Source, hook: str) -> None:
        pass

    def on_build_finish(self, source: Source, hook: str, seconds: float) -> None:
        pass

    def on_download_progress(self, url: str, done: int, total: int | None) -> None:
        pass


class LoggingReporter(NullReporter):
    """Reports builds to the ``sdistill`` logger (the default)."""

    def on_build_start(self, source: Source, hook: str) -> None:
        logger.info("%s: running %s", _label(source), hook)

    def on_build_finish(self, source: Source, hook: str, seconds: float) -> None:
        logger.info("%s: %s done in %.1fs", _label(source), hook, seconds)


def _label(source: Source) -> str:
    return source.name or source.url
