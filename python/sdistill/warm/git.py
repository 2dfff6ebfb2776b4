"""Warm answers for git sources pinned to a full commit, without git and without the
builder.

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

from sdistill import _core, environment, records
from sdistill.errors import SdistillError
from sdistill.sources import classify, git_key, git_parts

__all__ = ["warm_git_answer"]

_HEX = frozenset("0123456789abcdef")
_SCHEMES = ("https", "http", "ssh", "file")


def warm_git_answer(root: str, spec: str, settings: str) -> tuple[str, str] | None:
    """``(json, text)`` of the cached answer for a git spec pinned to a full commit."""
    _, _, text = classify(spec)
    parts = git_parts(text)
    if parts is None:
        return None
    scheme, repository, rev, pairs = parts
    if scheme not in _SCHEMES or rev is None or len(rev) != 40 or not set(rev) <= _HEX:
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
    revision = _core.Revision(shard, rev[:16])
    stamp = records.read_stamp(revision.stamp)
    if stamp.status != "ok" or stamp.value != rev:
        return None
    answer = records.read_answer(revision.answers(settings).path)
    if answer is None or answer.identity == "mismatch":
        return None
    return answer.json, answer.text
