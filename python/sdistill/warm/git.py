"""Warm answers for git sources, without the builder: a full commit without git, any
other rev with the one round trip a builder makes for it.

``git+URL@<40-hex commit>[#subdirectory=...]`` names its revision by itself: the shard
``sdists-v1/git/<digest(canonical repo URL + subdirectory [+ LFS])>`` (the key from
``sources.git_key``, with ``SDISTILL_GIT_LFS`` as the builder reads it) and in it
``<commit[:16]>``, whose sealed stamp is the full commit. If that stamp holds and the
answer for the settings is sealed, it is the answer: no git process, no network. A
branch, a tag, a short commit or anything unusual is a miss, and the builder (which
resolves revs once per run) takes over. The spec is split by the grammar's
``git_parts``, as ``sources.git`` splits it.
"""

from __future__ import annotations

import os

from sdistill import _core, environment, records
from sdistill.errors import SdistillError
from sdistill.sources import GIT_SCHEMES, classify, full_commit, git_key, git_parts

__all__ = ["warm_git_answer"]


def warm_git_answer(
    root: str, spec: str, settings: str, offline: bool = False
) -> tuple[str, str] | None:
    """``(json, text)`` of the cached answer for a git spec whose commit has one."""
    _, _, text = classify(spec)
    parts = git_parts(text)
    if parts is None:
        return None
    scheme, repository, rev, pairs = parts
    if scheme not in GIT_SCHEMES or not _plain(rev):
        return None
    subdirectory = None
    for key, value in pairs:
        if key == "subdirectory":
            subdirectory = value.strip("/")
        elif key != "egg":
            return None
    try:
        key = git_key(_core.canonical_url("git+" + repository), subdirectory)
        shard = _core.CacheLayout(root).git_shard(key, environment.git_lfs())
    except (ValueError, OSError, SdistillError):
        return None
    pinned = full_commit(rev)
    if pinned is not None:
        commit = pinned
    elif offline or not os.path.isdir(shard):
        return None  # the builder warns of an offline commit; nothing cached: no git
    else:
        try:  # the one round trip a builder makes for this rev
            commit = _core.git_resolve(root, repository, rev).commit
        except (ValueError, OSError, SdistillError):
            return None  # the builder reports it
    revision = _core.Revision(shard, commit[:16])
    stamp = records.read_stamp(revision.stamp)
    if stamp.status != "ok" or stamp.value != commit:
        return None
    answer = records.read_answer(revision.answers(settings).path)
    if answer is None or answer.identity == "mismatch":
        return None
    return answer.json, answer.text


def _plain(rev: str | None) -> bool:
    """A rev git may be given here: printable, no spaces, not an option (anything else
    is left to the builder, which refuses it with a clear error)."""
    return rev is None or (
        rev != "" and not rev.startswith("-") and all(32 < ord(c) < 127 for c in rev)
    )
