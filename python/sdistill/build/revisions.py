"""Revisions of local sources: is what the cache holds for a path still what it describes?

A local archive's stamp is its modification time and size; a directory's is the newest
modification time of ``pyproject.toml``, ``setup.py``, ``setup.cfg`` and the files named
by ``[tool.sdistill] cache-keys``. The shard's pointer names the live revision, whose
``stamp`` file records the stamp it was made for, sealed (``sdistill.records``:
``render_stamp``/``read_stamp``). A different stamp makes a new revision (a new random
id): nothing under the old one is rewritten, and the old one is removed once the new one
is live (see "Superseded revisions" in the cache's module docs). A stamp whose seal
fails is a miss too: the lock-free read says nothing, the locked one warns (through the
``sdistill`` logger) and makes a new revision -- the heal.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sdistill.cache import Cache
from sdistill.records import KEY_FILES, archive_stamp, directory_stamp, read_stamp, render_stamp
from sdistill.sources import LocalArchiveSource, LocalSource

__all__ = ["Revision", "create", "current", "stamp_of"]

_STAMP = "stamp"
_log = logging.getLogger("sdistill")


@dataclass(frozen=True)
class Revision:
    shard: Path
    id: str

    @property
    def path(self) -> Path:
        return self.shard / self.id


def stamp_of(source: LocalSource, pyproject: dict[str, Any] | None = None) -> str:
    """What decides whether a cached revision still describes ``source``."""
    if isinstance(source, LocalArchiveSource):
        return archive_stamp(source.path)
    names = list(KEY_FILES) + _cache_keys(pyproject)
    newest = 0
    for name in names:
        for path in source.path.glob(name):  # a plain name matches itself, if present
            try:
                newest = max(newest, os.stat(path).st_mtime_ns)
            except OSError:
                continue
    return directory_stamp(newest)


def _cache_keys(pyproject: dict[str, Any] | None) -> list[str]:
    table = (pyproject or {}).get("tool", {}).get("sdistill", {})
    keys = table.get("cache-keys", []) if isinstance(table, dict) else []
    if not isinstance(keys, list):
        return []
    # Only paths inside the project: an absolute or '..' key is ignored.
    return [
        k
        for k in keys
        if isinstance(k, str) and k and not os.path.isabs(k) and ".." not in Path(k).parts
    ]


def current(cache: Cache, shard: Path, stamp: str, locked: bool = False) -> Revision | None:
    """The live revision of ``shard`` if it was made for ``stamp``. Reads only; with
    ``locked`` (the caller holds the shard lock and will make a new revision on a miss)
    a damaged stamp is reported."""
    revision = cache.layout.read_revision(str(shard))
    if revision is None:
        return None
    path = shard / revision / _STAMP
    status, recorded = read_stamp(path)
    if status == "damaged" and locked:
        _log.warning("damaged cache record %s (%s): the revision is made again", path, recorded)
    return Revision(shard, revision) if status == "ok" and recorded == stamp else None


def create(cache: Cache, shard: Path, stamp: str) -> Revision:
    """A new revision for ``stamp``, made live (call with the shard locked); the one it
    supersedes is removed (builds read a revision only under the shard lock)."""
    revision = Revision(shard, cache.layout.new_revision_id())
    revision.path.mkdir(parents=True)
    cache.write_atomic(revision.path / _STAMP, render_stamp(stamp).encode())
    cache.layout.commit_revision(str(shard), revision.id)
    cache.layout.remove_superseded(str(shard))
    return revision
