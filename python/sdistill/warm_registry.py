"""Warm answers for registry specs (``six==1.16.0``, ``six``) without the builder.

A warm ``sdistill metadata six==1.16.0`` needs three cache reads, none of them a
request: the project page (fresh, from the first index), the sdist's HTTP entry (fresh,
naming its live revision) and the sealed answer record of that revision
(``sdistill.lookup``). Both HTTP reads are made with ``Cache-Control: only-if-cached``,
so a stale or missing entry is a miss here, never a request. Anything this path does
not handle exactly as the builder would -- a yanked sdist (the builder warns), a bare
name whose newest usable version is a pre-release, no index -- is a miss too, and the
builder takes over.

Importable without ``packaging``: names are normalized as PEP 503 says, versions by the
native PEP 440 code.
"""

from __future__ import annotations

import os
import re

from sdistill import _core, lookup
from sdistill.errors import SdistillError

__all__ = ["is_registry_spec", "warm_registry_answer"]

_SPEC = re.compile(r"^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:==\s*([^\s,;*]+))?\s*$")
_ONLY_IF_CACHED = "only-if-cached"


def is_registry_spec(spec: str) -> bool:
    """Whether ``Source.parse`` reads ``spec`` as a registry source (no path, no URL)."""
    text = spec.strip()
    if not text or "://" in text or "@" in text or text.startswith(("file:", "git+", ".")):
        return False
    if os.sep in text or os.path.exists(os.path.expanduser(text)):
        return False
    return _SPEC.match(text) is not None


def warm_registry_answer(
    client: _core.HttpClient, root: str, spec: str, index_url: str, settings: str
) -> tuple[str, str] | None:
    """``(json, text)`` of the cached answer for ``spec`` on ``index_url``, or ``None``."""
    match = _SPEC.match(spec)
    if match is None:
        return None
    name = re.sub(r"[-_.]+", "-", match.group(1)).lower()
    version = _core.normalize_version(match.group(2)) if match.group(2) else None
    if match.group(2) and version is None:
        return None
    index = lookup.index_url_key(index_url)
    layout = _core.CacheLayout(root)
    try:
        page, _ = client.project(
            f"{index}{name}/",
            name,
            layout.shard("simple", lookup.index_page_parts(index, name)),
            package=name,
            cache_control=_ONLY_IF_CACHED,
        )
        version = version or _newest_final(page)
        if version is None:
            return None
        sdists = page.sdists(version)
        if not sdists or sdists[0].yanked:
            return None
        shard = layout.shard("sdists", lookup.index_sdist_parts(index, name, version))
        sha256 = sdists[0].hashes.get("sha256")
        revision, *_ = client.fetch_archive(
            sdists[0].url,
            shard,
            expected_hashes={"sha256": sha256} if sha256 else None,
            package=name,
            cache_control=_ONLY_IF_CACHED,
        )
    except (SdistillError, ValueError, OSError):
        return None
    answer = _core.read_answer(os.path.join(shard, revision, settings))
    if answer is None:
        return None
    identity, json_text, text = answer
    return (json_text, text) if identity == "match" else None


def _newest_final(page: _core.Project) -> str | None:
    """The newest final version whose sdist is not yanked (what the builder picks when
    there is one; without one it may pick a pre-release, which is left to it)."""
    for version in page.versions(yanked=False, prereleases=False):
        sdists = page.sdists(version)
        if sdists and not sdists[0].yanked:
            return version
    return None
