"""Warm answers for registry specs (``six==1.16.0``, ``six``) without the builder.

A warm ``sdistill metadata six==1.16.0`` needs three cache reads: the project page
(from the first index), the sdist's HTTP entry (naming its live revision) and the sealed
answer record of that revision (``sdistill.records``). A fresh page is read without a
request; a stale one is fetched again, one request (revalidated when it has validators)
-- indexes and mirrors that send no caching headers make every page stale at once, and
the page is what tells that a project changed. A page never cached is a miss here. The
sdist is read with ``Cache-Control: only-if-cached``: when the page gives its hash it is
named by its content and used as long as the page lists the same hash; otherwise a stale
entry is a miss, never a request here. With ``--offline`` nothing is requested and
stale entries are used; so it is on a cache that cannot be written (a pre-filled
read-only cache answers with the pages it was filled with). Anything this path does
not handle exactly as the builder would -- a yanked sdist (the builder warns), a bare
name whose newest usable version is a pre-release, no index -- is a miss too, and the
builder takes over.

Importable without ``packaging``: names are normalized as PEP 503 says, versions by the
native PEP 440 code.
"""

from __future__ import annotations

import os
import re

from sdistill import _core, records
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
    """``(json, text)`` of the cached answer for ``spec`` on ``index_url``, or ``None``
    (``client`` is offline when the command line says so)."""
    match = _SPEC.match(spec)
    if match is None:
        return None
    name = re.sub(r"[-_.]+", "-", match.group(1)).lower()
    version = _core.normalize_version(match.group(2)) if match.group(2) else None
    if match.group(2) and version is None:
        return None
    index = records.index_url_key(index_url)
    layout = _core.CacheLayout(root)
    page_entry = layout.shard("simple", records.index_page_parts(index, name))
    try:
        try:
            page, _ = client.project(
                f"{index}{name}/", name, page_entry, package=name, cache_control=_ONLY_IF_CACHED
            )
        except SdistillError:
            if not os.path.isfile(page_entry):
                return None  # never fetched: the builder does it, once
            if not os.access(root, os.W_OK):
                # A pre-filled read-only cache (a CI image, a shared volume) cannot keep
                # a fetched page: it answers with the pages it holds, as offline.
                client = _core.HttpClient(root, offline=True)
            page, _ = client.project(f"{index}{name}/", name, page_entry, package=name)
        version = version or _newest_final(page)
        if version is None:
            return None
        sdists = page.sdists(version)
        if not sdists or sdists[0].yanked:
            return None
        shard = layout.shard("sdists", records.index_sdist_parts(index, name, version))
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
