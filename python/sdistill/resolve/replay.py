"""Replaying a resolution: the same requirements over the same pages give the same pins.

What a resolution finds depends on its inputs -- the requirements and constraints, the
target, the builder's index settings -- and on what the resolver read: the project pages
it asked for. Everything else it read is named by those pages and cannot change: a wheel
or sdist under its URL and hash has the same metadata whenever it is read. And the
resolver is deterministic. So when every page the last resolution of the same inputs
asked for is the same again, its pins are the answer, and resolvelib need not run.

A record (``Cache.resolution_record(key)``, ``simple-v1/resolutions/``; ``key``: the
inputs as JSON, made by ``sdistill.resolution_inputs`` from the texts as given) holds the
pins (as the JSON report and as the printed text) and, per page the resolver asked
for, the page's digest
(``Project.digest``: of the page as archived, so equal digests mean equal versions and
files, yanks included) -- or none for a project no index has. Checking it reads every
one of those pages at once through the cached client: without a request where a page is
fresh in the cache (offline, or an index whose pages say how long they stay fresh), with
one where it is not -- all in parallel, instead of level by level of the dependency
graph. One page that differs, a project that appeared or vanished, an unreadable record:
the resolution runs as usual and writes a new record.

With find-links, a project's view holds what they list too, so every project is checked
through the store, which lists the find-links places again (a new file there is a page
that differs).

The warm command line (``sdistill.warm.resolution``) checks the same record the same way
before ``packaging`` or ``resolvelib`` is imported; this module is the one that writes it.

Requirements with a direct reference (``name @ URL``, a path, git) are never replayed:
what they name can change under the same text.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sdistill.errors import NetworkError, OfflineError, SdistillError
from sdistill.index import ProjectView
from sdistill.resolution_inputs import FORMAT, builder_settings, record_key
from sdistill.resolve import links
from sdistill.resolve.candidates import Formats
from sdistill.resolve.metadata import MetadataStore
from sdistill.resolve.report import Pin, Resolution

if TYPE_CHECKING:
    from sdistill.builder import SourceDistBuilder

__all__ = ["Options", "inputs_key", "replay", "save"]


@dataclass(frozen=True)
class Options:
    """The resolver's options a record's key holds besides the builder's settings."""

    prereleases: bool = False
    generate_hashes: bool = False
    formats: Formats = field(default_factory=Formats)


def inputs_key(
    requirements: Iterable[str],
    constraints: Iterable[str],
    python_version: str | None,
    platforms: Sequence[str] | None,
    builder: SourceDistBuilder,
    *,
    options: Options | None = None,
    preferences: Sequence[str] = (),
) -> str:
    """The record's key (``resolution_inputs.record_key``): the requirement and
    constraint texts as given, the target as asked for, whether every pre-release is
    allowed, whether hashes are written, the preferred pins, and the builder's settings
    a resolution depends on -- the indexes, and what an sdist's metadata may depend on
    when it is built."""
    config = builder.config
    chosen = options or Options()
    settings = builder_settings(
        config.index_urls,
        strategy=config.index_strategy,
        find_links=[_place(link) for link in config.find_links],
        no_build=config.no_build,
        build_isolation=config.build_isolation,
        config_settings=config.config_settings_dict(),
        build_constraints=config.build_constraints,
        extra_build_dependencies=config.extra_build_dependencies,
    )
    return record_key(
        requirements,
        constraints,
        python_version,
        platforms,
        settings,
        prereleases=chosen.prereleases,
        generate_hashes=chosen.generate_hashes,
        preferences=preferences,
        only_binary=sorted(chosen.formats.only_binary),
        no_binary=sorted(chosen.formats.no_binary),
    )


def _place(link: str) -> str:
    """A find-links place as the key holds it: a URL as given, a path made absolute
    (``./wheels`` in two directories is two places)."""
    return link if links.remote(link) else str(links.directory(link))


def page_digest(store: MetadataStore, name: str) -> str | None:
    """What a record keeps of a project's pages: their digests (``None``: no index has
    the project)."""
    project = store.project(name)
    return None if project is None else _digest(project)


def _digest(project: ProjectView) -> str:
    return " ".join(page.digest for _, page in project.pages)


def replay(store: MetadataStore, path: Path) -> Resolution | None:
    """The recorded resolution at ``path`` if every page it asked for is the same now."""
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        pages: Mapping[str, str | None] = record["pages"]
        report: Mapping[str, Any] = record["report"]
        if record.get("format") != FORMAT:
            return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    stale = []
    # With find-links, a project's view is more than its index pages: the store builds
    # it (every name through the store, its pages still read from the cache if fresh).
    linked = bool(store.builder.config.find_links)
    for name, digest in pages.items():
        if linked:
            stale.append(name)
            continue
        try:  # a page fresh in the cache is read here: no thread, no request
            project = store.builder.index.project(name, cache_control="only-if-cached")
        except (OfflineError, NetworkError):
            stale.append(name)
            continue
        except (SdistillError, OSError):
            return None
        if _digest(project) != digest:
            return None
    store.prefetch_projects(stale)  # the others all at once
    for name in stale:
        try:
            if page_digest(store, name) != pages[name]:
                return None
        except (SdistillError, OSError):  # resolving as usual reports it
            return None
    return _resolution(report)


def save(path: Path, resolution: Resolution, store: MetadataStore, asked: Sequence[str]) -> None:
    """Records ``resolution`` with the digests of the pages in ``asked`` (atomically:
    a reader sees the old record or the new one)."""
    pages = {name: page_digest(store, name) for name in sorted(set(asked))}
    record = {
        "format": FORMAT,
        "pages": pages,
        "report": resolution.as_json(),
        "text": resolution.text(),  # what the warm command line prints
    }
    text = json.dumps(record)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _resolution(report: Mapping[str, Any]) -> Resolution:
    details = {
        pin["name"]: Pin(
            pin["name"],
            pin["version"],
            pin["metadata"],
            file_url=pin.get("url"),
            hashes=tuple(pin.get("hashes", ())),
        )
        for pin in report["pins"]
    }
    return Resolution(
        details,
        report["python_version"],
        tuple(report["platforms"]),
        tuple(report["requirements"]),
    )
