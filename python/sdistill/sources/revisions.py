"""Revisions of a shard: which one is live, and how a new one is made.

A shard's ``revision`` pointer names its live revision. A revision is made whole
before the pointer names it: in a directory under the cache's ``tmp/``, its record of
what it was made for (the *stamp*, sealed) is written and its source laid in (an
archive extracted, for git a checkout), then it is renamed into the shard and the
pointer is replaced. So a reader never sees a half-made revision, and a killed process
leaves only ``tmp/`` debris for ``cache prune``. After that only answers are added to
it (``<revision>/<settings>/``: ``METADATA``, ``answer``, ``wheels/``), each written
atomically under the shard lock; a record that fails its seal is made again there, and
a wheel that fails its seal is removed and built again. The source part is never
rewritten.

A stamp is what decides whether a revision still describes its source: for a local
archive its modification time and size, for a directory the newest modification time
of its key files (both computed by the core, ``_core.local_stamp``, which the warm
lookup uses too). A different stamp makes a new revision; the superseded one is removed
once the new one is live (see "Superseded revisions" in the core's ``cache/mod.rs``). A
stamp whose seal fails is a miss: the lock-free read says nothing, the locked one warns
(``sdistill`` logger) and makes a new revision -- the heal.

Downloaded sources (direct URLs, index sdists) have no stamp: the native HTTP client
makes their revisions the same way, from the archive's HTTP entry (``<shard>/http``).
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable
from pathlib import Path

from sdistill import _core, records
from sdistill.cache import Cache

__all__ = ["create", "current", "make", "stamped"]

_log = logging.getLogger("sdistill")


def current(cache: Cache, shard: Path, stamp: str, locked: bool = False) -> _core.Revision | None:
    """The live revision of ``shard`` if it was made for ``stamp``. Reads only; with
    ``locked`` (the caller holds the shard lock and will make a new revision on a miss)
    a damaged stamp is reported."""
    revision = cache.live_revision(shard)
    if revision is None:
        return None
    return revision if stamped(revision, stamp, locked) else None


def create(
    cache: Cache, shard: Path, stamp: str, lay: Callable[[Path], None] | None = None
) -> _core.Revision:
    """A new revision for ``stamp``, made whole in ``tmp/`` (``lay(tree)`` puts the
    source in), renamed into ``shard`` and made live; call it holding the shard lock.
    The revision it supersedes is removed (builds read a revision only under the lock)."""
    revision = make(cache, shard, cache.new_revision_id(), stamp, lay)
    cache.commit_revision(revision)
    cache.remove_superseded(shard)
    return revision


def make(
    cache: Cache,
    shard: Path,
    revision_id: str,
    stamp: str,
    lay: Callable[[Path], None] | None = None,
) -> _core.Revision:
    """The revision ``revision_id`` of ``shard`` made whole in ``tmp/`` and renamed in,
    not (yet) live; call it holding the shard lock."""
    staging = cache.staging_dir()
    try:
        staged = _core.Revision(staging, revision_id)
        os.mkdir(staged.path)
        cache.write_atomic(staged.stamp, records.render_stamp(stamp).encode())
        if lay is not None:
            lay(Path(staged.tree))
        revision = _core.Revision(shard, staged.id)
        os.makedirs(shard, exist_ok=True)
        os.rename(staged.path, revision.path)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return revision


def stamped(revision: _core.Revision, stamp: str, locked: bool = False) -> bool:
    """Whether ``revision`` exists and was made for ``stamp`` (its seal checked; a
    damaged stamp is reported when ``locked``)."""
    read = records.read_stamp(revision.stamp)
    if read.status == "damaged" and locked:
        _log.warning(
            "damaged cache record %s (%s): the revision is made again", revision.stamp, read.value
        )
    return read.status == "ok" and read.value == stamp
