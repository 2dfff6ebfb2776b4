"""The sdistill exception hierarchy.

Every failure sdistill reports on purpose is a :class:`SdistillError`. The native
core raises these same classes (``rust/sdistill-py/src/errors.rs`` is the one place
that maps its error enums to them), so an ``except`` clause written against this
module catches native and Python failures alike.

A failure of the operating system itself -- a missing file, a permission problem, a
full disk -- is raised as the matching built-in :class:`OSError` subclass
(``FileNotFoundError``, ``PermissionError``, ...) with ``filename`` set, because that
is what callers already handle.

Every error survives ``pickle`` (a worker of a distributed run sends them back) with
its message and its attributes: :meth:`SdistillError.__reduce__` rebuilds it without
calling ``__init__``, whose keyword-only attributes the default reduction would lose.
"""

from __future__ import annotations

# Not `from typing import TYPE_CHECKING`: the warm command line imports this module.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = [
    "ArchiveError",
    "BuildError",
    "CacheError",
    "GitError",
    "HashMismatchError",
    "InvalidSourceError",
    "MetadataMismatchError",
    "NetworkError",
    "NoBuildError",
    "OfflineError",
    "SdistillError",
    "UnsafeArchiveError",
    "UnsupportedArchiveError",
]


def _rebuild(cls: type[SdistillError], args: tuple[object, ...]) -> SdistillError:
    """An error of ``cls`` with these ``args``, its ``__init__`` not called (pickle then
    restores its attributes)."""
    return cls.__new__(cls, *args)


class SdistillError(Exception):
    """Base class of every error sdistill raises on purpose."""

    def __reduce__(self) -> tuple[object, ...]:
        # The default, ``(cls, self.args, state)``, calls ``cls(*args)``: that fails for
        # keyword-only arguments (``HashMismatchError``). Rebuilding with ``__new__``
        # sets ``args`` alone; pickle restores ``__dict__`` (attributes, ``__notes__``).
        return (_rebuild, (type(self), self.args), self.__dict__)


class NetworkError(SdistillError):
    """A request failed after its retries. ``url`` has credentials redacted."""

    def __init__(
        self,
        message: str,
        *,
        url: str | None = None,
        status: int | None = None,
        retries: int = 0,
    ) -> None:
        super().__init__(message)
        self.url = url
        self.status = status
        self.retries = retries


class OfflineError(SdistillError):
    """Offline mode was asked for something that is not in the cache."""


class HashMismatchError(SdistillError):
    """The bytes of an archive do not have the hash they were expected to have."""

    def __init__(
        self,
        message: str,
        *,
        algorithm: str,
        expected: str,
        actual: str,
        source: str | None = None,
    ) -> None:
        super().__init__(message)
        self.algorithm = algorithm
        self.expected = expected
        self.actual = actual
        self.source = source


class ArchiveError(SdistillError):
    """An archive could not be read: corrupt, truncated or inconsistent."""

    def __init__(
        self, message: str, *, archive: str | None = None, member: str | None = None
    ) -> None:
        super().__init__(message)
        self.archive = archive
        self.member = member


class UnsafeArchiveError(ArchiveError):
    """An archive member was refused because extracting it would be unsafe.

    ``member`` names the offending entry as it is written in the archive.
    """


class UnsupportedArchiveError(ArchiveError):
    """The file is not an archive format sdistill reads (or uses a feature it refuses)."""


class BuildError(SdistillError):
    """A PEP 517 hook or the build environment failed."""

    def __init__(
        self,
        message: str,
        *,
        backend: str | None = None,
        hook: str | None = None,
        exit_code: int | None = None,
        output_tail: Sequence[str] = (),
    ) -> None:
        super().__init__(message)
        self.backend = backend
        self.hook = hook
        self.exit_code = exit_code
        self.output_tail = tuple(output_tail)


class NoBuildError(SdistillError):
    """A build was needed but the builder was told not to build (``no_build=True``)."""


class MetadataMismatchError(SdistillError):
    """What a build produced does not match the name or version that was asked for."""


class InvalidSourceError(SdistillError, ValueError):
    """A source specification or a source tree is not something sdistill can use."""


class GitError(SdistillError):
    """A git operation failed, or a rev names nothing in the repository.

    When a git command failed: ``command`` is that command line (credentials
    redacted), ``returncode`` its exit code (``None`` if a signal ended it) and
    ``stderr`` the last lines of what it wrote there (redacted). They are ``None`` when
    no command failed (git missing, a rev not found: the message then says which rev
    forms were tried).
    """

    def __init__(
        self,
        message: str,
        *,
        command: str | None = None,
        returncode: int | None = None,
        stderr: str | None = None,
    ) -> None:
        super().__init__(message)
        self.command = command
        self.returncode = returncode
        self.stderr = stderr


class CacheError(SdistillError):
    """The cache could not be used: a lock timed out, or its layout is unusable.

    ``path`` names the file or directory concerned (for a lock timeout, the lock file).
    """

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path
