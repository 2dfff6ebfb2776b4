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

The spec is read by the grammar of ``sdistill.sources`` (``classify``,
``registry_pin``), the cache paths come from the core, versions are normalised by the
native PEP 440 code: nothing here imports ``packaging`` or ``re``.
"""

from __future__ import annotations

import os

from sdistill import _core
from sdistill.errors import SdistillError
from sdistill.http import HttpClient
from sdistill.sources import classify, registry_pin

__all__ = ["is_registry_spec", "warm_registry_answer"]

_ONLY_IF_CACHED = "only-if-cached"


def is_registry_spec(spec: str) -> bool:
    """Whether ``Source.parse`` reads ``spec`` as a registry source."""
    return classify(spec)[0] == "registry"


def warm_registry_answer(
    client: HttpClient, spec: str, index_url: str, settings: str
) -> tuple[str, str] | None:
    """``(json, text)`` of the cached answer for ``spec`` on ``index_url``, or ``None``
    (``client`` is offline when the command line says so)."""
    pin = registry_pin(spec)
    if pin is None:
        return None
    name, written = pin
    version = _core.normalize_version(written) if written is not None else None
    if written is not None and version is None:
        return None
    cache = client.cache
    page_entry = cache.index_page_entry(index_url, name)
    page_url = cache.index_page_url(index_url, name)
    try:
        try:
            page = client.project(
                page_url, name, page_entry, package=name, cache_control=_ONLY_IF_CACHED
            )
        except SdistillError:
            if not os.path.isfile(page_entry):
                return None  # never fetched: the builder does it, once
            if not os.access(cache.root, os.W_OK):
                # A pre-filled read-only cache (a CI image, a shared volume) cannot keep
                # a fetched page: it answers with the pages it holds, as offline.
                client = client.offline()
            page = client.project(page_url, name, page_entry, package=name)
        version = version or _newest_final(page)
        if version is None:
            return None
        sdists = page.sdists(version)
        if not sdists or sdists[0].yanked:
            return None
        shard = cache.index_sdist_shard(index_url, name, version)
        sha256 = sdists[0].hashes.get("sha256")
        fetched = client.fetch_archive(
            sdists[0].url,
            shard,
            expected_hashes={"sha256": sha256} if sha256 else None,
            package=name,
            cache_control=_ONLY_IF_CACHED,
        )
    except (SdistillError, ValueError, OSError):
        return None
    answer = _core.read_answer(_core.Revision(shard, fetched.revision).answers(settings).path)
    if answer is None or answer.identity != "match":
        return None
    return answer.json, answer.text


def _newest_final(page: _core.Project) -> str | None:
    """The newest final version whose sdist is not yanked (what the builder picks when
    there is one; without one it may pick a pre-release, which is left to it)."""
    for version in page.versions(yanked=False, prereleases=False):
        sdists = page.sdists(version)
        if sdists and not sdists[0].yanked:
            return version
    return None


def client(root: str, offline: bool) -> HttpClient:
    """The client of a warm run: the cache at ``root``, settings from the environment."""
    return HttpClient(root, offline=offline)
