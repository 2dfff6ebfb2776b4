"""The on-disk cache: where it lives, what it holds, and how to clean it.

The layout itself -- buckets, shards, revisions, locks and atomic writes -- is
native (``rust/sdistill-core/src/cache/names.rs`` draws the tree and is the only place
a cache name is spelled); this module picks the root and gives it a Pythonic face: every
path it hands out comes from the core.

Root: the ``root`` argument, else ``SDISTILL_CACHE_DIR``, else the platform's user
cache directory (``platformdirs``). Locks are waited for ``lock_timeout`` seconds, else
``SDISTILL_LOCK_TIMEOUT``, else 300.

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

from sdistill import _core, environment
from sdistill.errors import CacheError

__all__ = ["BucketSize", "Cache", "CacheSize", "Removal", "cache_root", "default_cache_dir"]

_READ_ONLY = frozenset({errno.EROFS, errno.EACCES, errno.EPERM})


def default_cache_dir() -> Path:
    """The cache root used when none is given: ``SDISTILL_CACHE_DIR`` or the user cache dir."""
    return Path(environment.cache_dir())


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


def _normalized(name: str) -> str:
    # Imported here: the warm command line opens a cache without loading `packaging`.
    from packaging.utils import canonicalize_name  # noqa: PLC0415

    return canonicalize_name(name)


class Cache:
    """A handle on one cache root; creating it lays out the root if needed."""

    def __init__(
        self, root: str | os.PathLike[str] | None = None, lock_timeout: float | None = None
    ) -> None:
        chosen = Path(root).expanduser() if root is not None else default_cache_dir()
        timeout = lock_timeout if lock_timeout is not None else environment.lock_timeout()
        try:
            self._layout = _core.CacheLayout(os.fspath(chosen.absolute()), timeout)
        except OSError as err:  # a root that is not there cannot be made on a read-only mount
            raise _writing(err) from err

    @property
    def root(self) -> Path:
        return Path(self._layout.root)

    @property
    def lock_timeout(self) -> float:
        """Seconds a lock is waited for when a call gives no timeout."""
        return self._layout.lock_timeout

    @property
    def temp_root(self) -> Path:
        """``tmp/``: staging areas and scratch space, emptied by ``prune``."""
        return Path(self._layout.temp_root())

    def staging_dir(self) -> Path:
        """A new, empty directory under ``tmp/``; the caller renames or removes it."""
        try:
            return Path(self._layout.staging_dir())
        except OSError as err:
            raise _writing(err) from err

    # -- where things are (every name is the core's) ------------------------------------

    def path_shard(self, file_url: str, editable: bool = False) -> Path:
        """The shard of a local archive or directory (``editable``: built editable)."""
        return Path(self._layout.path_shard(file_url, editable))

    def git_shard(self, key: str, lfs: bool = False) -> Path:
        """``sdists-v1/git/<digest(key)>``: the shard of a project in a git repository
        (``key``: the canonical repository URL and its subdirectory; ``lfs``: its trees
        hold Git LFS content, which makes another shard)."""
        return Path(self._layout.git_shard(key, lfs))

    def url_shard(self, url: str) -> Path:
        """The shard of a direct-URL source."""
        return Path(self._layout.url_shard(url))

    def index_sdist_shard(self, index_url: str, name: str, version: str) -> Path:
        """The shard of an index's sdist of ``name`` ``version``."""
        return Path(self._layout.index_sdist_shard(index_url, name, version))

    def index_page_entry(self, index_url: str, name: str) -> Path:
        """The HTTP cache entry of a project page of an index."""
        return Path(self._layout.index_page_entry(index_url, name))

    @staticmethod
    def index_page_url(index_url: str, name: str) -> str:
        """The URL of a project page: the index URL keyed (one trailing ``/``), the name
        and a ``/``."""
        return f"{_core.index_url_key(index_url)}{name}/"

    def wheel_metadata_entry(self, url: str) -> Path:
        """The HTTP cache entry of a wheel's PEP 658 metadata file (``url``)."""
        return Path(self._layout.wheel_metadata_entry(url))

    def resolution_record(self, key: str) -> Path:
        """The record of a resolution whose inputs ``key`` states (``resolve.replay``)."""
        return Path(self._layout.resolution_record(key))

    def wheel_metadata_record(self, wheel_url: str) -> Path:
        """The record of a wheel's ``METADATA`` read out of the wheel at ``wheel_url``."""
        return Path(self._layout.wheel_metadata_record(wheel_url))

    def environment_shard(self, key: str) -> Path:
        """The directory of the build environment keyed by ``key``."""
        return Path(self._layout.environment_shard(key))

    def environment_mark(self, shard: str | os.PathLike[str]) -> Path:
        """The completion mark of a build environment, written last."""
        return Path(self._layout.environment_mark(shard))

    def environment_constraints(self, shard: str | os.PathLike[str]) -> Path:
        """The constraints file a build environment is installed with."""
        return Path(self._layout.environment_constraints(shard))

    def environment_marks(self) -> list[Path]:
        """Every completion mark of a build environment in the cache."""
        return [Path(mark) for mark in self._layout.environment_marks()]

    # -- revisions -----------------------------------------------------------------------

    def new_revision_id(self) -> str:
        return self._layout.new_revision_id()

    def live_revision(self, shard: str | os.PathLike[str]) -> _core.Revision | None:
        """The revision the shard's pointer names (``None``: no pointer, or unreadable)."""
        revision = self._layout.read_revision(shard)
        return _core.Revision(shard, revision) if revision is not None else None

    def commit_revision(self, revision: _core.Revision) -> None:
        """Point its shard at ``revision`` (atomically)."""
        try:
            self._layout.commit_revision(revision.shard, revision.id)
        except OSError as err:
            raise _writing(err) from err

    def remove_superseded(self, shard: str | os.PathLike[str]) -> Removal:
        """Remove the revisions of ``shard`` its pointer no longer names (call holding
        the shard's locks)."""
        try:
            removed = self._layout.remove_superseded(shard)
        except OSError as err:
            raise _writing(err) from err
        return Removal(files=removed.files, bytes=removed.bytes)

    # -- locks and writes ----------------------------------------------------------------

    def lock(self, shard: str | os.PathLike[str], timeout: float | None = None) -> _core.ShardLock:
        """Lock a shard against other fillers (a context manager).

        Waits with the GIL released, up to ``timeout`` seconds (default: the cache's
        ``lock_timeout``); then raises ``CacheError`` naming the lock.
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
            self._layout.set_package(os.fspath(shard), _normalized(name))
        except OSError as err:
            raise _writing(err) from err

    # -- size and cleaning ---------------------------------------------------------------

    def size(self) -> CacheSize:
        """Bytes and files held, per bucket."""
        usage = self._layout.size()
        return CacheSize({u.name: BucketSize(bytes=u.bytes, files=u.files) for u in usage})

    def clean(self, name: str | None = None, timeout: float | None = None) -> Removal:
        """Remove everything, or every entry of package ``name``.

        Shards being filled by another process are waited for (up to ``timeout``),
        never deleted under its feet; a timeout is a ``CacheError``.
        """
        package = _normalized(name) if name is not None else None
        try:
            removed = self._layout.clean(package, timeout)
        except OSError as err:
            raise _writing(err) from err
        return Removal(files=removed.files, bytes=removed.bytes)

    def prune(self, timeout: float | None = None) -> Removal:
        """Remove revisions no pointer refers to any more, and temporary leftovers."""
        try:
            removed = self._layout.prune(timeout)
        except OSError as err:
            raise _writing(err) from err
        return Removal(files=removed.files, bytes=removed.bytes)
