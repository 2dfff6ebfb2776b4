"""The on-disk cache: where it lives, what it holds, and how to clean it.

The layout itself -- buckets, shards, revisions, locks and atomic writes -- is
native (``rust/sdistill-core/src/cache/mod.rs`` draws the tree of every bucket);
this module picks the root and gives it a Pythonic face.

Root: the ``root`` argument, else ``SDISTILL_CACHE_DIR``, else the platform's user
cache directory (``platformdirs``).

Read-only caches: a pre-filled root that cannot be written (a read-only mount, a CI
image, a shared volume) opens as it is, and warm lookups read it without taking a lock
(readers never take one). What would write -- a shard lock, a record, ``clean`` -- fails
with a ``CacheError`` naming the read-only path (from ``EROFS``, ``EACCES`` or ``EPERM``).
"""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass, field
from pathlib import Path

from packaging.utils import canonicalize_name

from sdistill import _core, records
from sdistill.errors import CacheError

__all__ = ["BucketSize", "Cache", "CacheSize", "Removal", "cache_root", "default_cache_dir"]

_READ_ONLY = frozenset({errno.EROFS, errno.EACCES, errno.EPERM})


def default_cache_dir() -> Path:
    """The cache root used when none is given: ``SDISTILL_CACHE_DIR`` or the user cache dir."""
    return Path(records.default_cache_dir())


def cache_root(root: str | os.PathLike[str] | None = None) -> Path:
    """The root a ``Cache(root)`` would use, resolved as it resolves it, without creating
    anything."""
    chosen = Path(root).expanduser() if root is not None else default_cache_dir()
    return Path(os.path.realpath(chosen.absolute()))


def _writing(err: OSError) -> OSError | CacheError:
    """A write refused because the cache is read-only, as one clear error."""
    if err.errno not in _READ_ONLY:
        return err
    path = err.filename if err.filename is not None else "the cache"
    return CacheError(
        f"the cache is read-only: cannot write {path} ({err.strerror}); "
        "give a writable --cache-dir or SDISTILL_CACHE_DIR",
        path=None if err.filename is None else str(err.filename),
    )


@dataclass(frozen=True)
class BucketSize:
    """Bytes and regular files held by one bucket."""

    bytes: int
    files: int


@dataclass(frozen=True)
class CacheSize:
    """The size of the cache, per bucket (keyed by directory name, e.g. ``sdists-v1``)."""

    buckets: dict[str, BucketSize] = field(default_factory=dict)

    @property
    def bytes(self) -> int:
        return sum(b.bytes for b in self.buckets.values())

    @property
    def files(self) -> int:
        return sum(b.files for b in self.buckets.values())


@dataclass(frozen=True)
class Removal:
    """What a clean or prune removed."""

    files: int
    bytes: int


class Cache:
    """A handle on one cache root; creating it lays out the root if needed."""

    def __init__(self, root: str | os.PathLike[str] | None = None) -> None:
        chosen = Path(root).expanduser() if root is not None else default_cache_dir()
        try:
            self._layout = _core.CacheLayout(os.fspath(chosen.absolute()))
        except OSError as err:  # a root that is not there cannot be made on a read-only mount
            raise _writing(err) from err

    @property
    def root(self) -> Path:
        return Path(self._layout.root)

    @property
    def layout(self) -> _core.CacheLayout:
        """The native layout, for the parts of sdistill that fill the cache."""
        return self._layout

    def bucket(self, name: str) -> Path:
        """The directory of a bucket.

        ``name`` is one of ``simple``, ``sdists``, ``git``, ``environments`` or ``tmp``.
        """
        return Path(self._layout.bucket(name))

    def shard(self, bucket: str, *parts: str) -> Path:
        """The directory of a shard inside ``bucket`` (each part one path component)."""
        return Path(self._layout.shard(bucket, list(parts)))

    def lock(self, shard: str | os.PathLike[str], timeout: float | None = None) -> _core.ShardLock:
        """Lock a shard against other fillers (a context manager).

        Waits with the GIL released, up to ``timeout`` seconds (default
        ``SDISTILL_LOCK_TIMEOUT``, else 300); then raises ``CacheError`` naming the lock.
        """
        try:
            return self._layout.lock_shard(os.fspath(shard), timeout)
        except OSError as err:
            raise _writing(err) from err

    def write_atomic(self, path: str | os.PathLike[str], data: bytes) -> None:
        """Write ``data`` to ``path`` so that readers see the old file or the whole new one."""
        try:
            self._layout.write_atomic(os.fspath(path), data)
        except OSError as err:
            raise _writing(err) from err

    def set_package(self, shard: str | os.PathLike[str], name: str) -> None:
        """Record which package a shard belongs to, so ``clean(name)`` finds it.

        The name is normalised (PEP 503) here; the native layout stores it as given.
        """
        try:
            self._layout.set_package(os.fspath(shard), canonicalize_name(name))
        except OSError as err:
            raise _writing(err) from err

    def size(self) -> CacheSize:
        """Bytes and files held, per bucket."""
        return CacheSize({name: BucketSize(bytes=b, files=f) for name, b, f in self._layout.size()})

    def clean(self, name: str | None = None, timeout: float | None = None) -> Removal:
        """Remove everything, or every entry of package ``name``.

        Shards being filled by another process are waited for (up to ``timeout``),
        never deleted under its feet; a timeout is a ``CacheError``.
        """
        package = canonicalize_name(name) if name is not None else None
        try:
            files, size = self._layout.clean(package, timeout)
        except OSError as err:
            raise _writing(err) from err
        return Removal(files=files, bytes=size)

    def prune(self, timeout: float | None = None) -> Removal:
        """Remove revisions no pointer refers to any more, and temporary leftovers."""
        try:
            files, size = self._layout.prune(timeout)
        except OSError as err:
            raise _writing(err) from err
        return Removal(files=files, bytes=size)
