"""Replaying a resolution: the same requirements over the same pages give the same pins.

What a resolution finds depends on its inputs -- the requirements and constraints, the
target, the builder's index settings -- and on what the resolver read: the project pages
it asked for. Everything else it read is named by those pages and cannot change: a wheel
or sdist under its URL and hash has the same metadata whenever it is read. And the
resolver is deterministic. So when every page the last resolution of the same inputs
asked for is the same again, its pins are the answer, and resolvelib need not run.

A record (``Cache.resolution_record(key)``, ``simple-v1/resolutions/``; ``key``: the
inputs as JSON) holds the pins and, per page the resolver asked for, the page's digest
(``Project.digest``: of the page as archived, so equal digests mean equal versions and
files, yanks included) -- or none for a project no index has. Checking it reads every
one of those pages at once through the cached client: without a request where a page is
fresh in the cache (offline, or an index whose pages say how long they stay fresh), with
one where it is not -- all in parallel, instead of level by level of the dependency
graph. One page that differs, a project that appeared or vanished, an unreadable record:
the resolution runs as usual and writes a new record.

Requirements with a direct reference (``name @ URL``, a path, git) are never replayed:
what they name can change under the same text.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sdistill.errors import NetworkError, OfflineError, SdistillError
from sdistill.index import ProjectView
from sdistill.resolve.metadata import MetadataStore
from sdistill.resolve.report import Pin, Resolution
from sdistill.resolve.target import TargetEnvironment

if TYPE_CHECKING:
    from sdistill.builder import SourceDistBuilder

__all__ = ["inputs_key", "replay", "save"]

#: Raised when what a record holds changes meaning.
FORMAT = 1


def inputs_key(
    requirements: Iterable[str],
    constraints: Iterable[str],
    target: TargetEnvironment,
    builder: SourceDistBuilder,
) -> str:
    """The inputs of a resolution as a canonical JSON text (the record's key): the
    requirements, the target, the indexes, and the build settings an sdist's metadata
    may depend on."""
    config = builder.config
    return json.dumps(
        {
            "format": FORMAT,
            "requirements": sorted(requirements),
            "constraints": sorted(constraints),
            "python": target.python_version,
            "platforms": list(target.platforms),
            "markers": dict(sorted(target.markers.items())),
            "indexes": list(config.index_urls),
            "strategy": config.index_strategy,
            "find_links": list(config.find_links),
            "no_build": config.no_build,
            # What an sdist's metadata may depend on when it is built.
            "build_constraints": list(config.build_constraints),
            "config_settings": config.config_settings_dict(),
            "extra_build_dependencies": {
                name: list(reqs) for name, reqs in config.extra_build_dependencies.items()
            },
            "build_isolation": config.build_isolation,
        },
        sort_keys=True,
        default=str,
    )


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
    for name, digest in pages.items():
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
    text = json.dumps({"format": FORMAT, "pages": pages, "report": resolution.as_json()})
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
        pin["name"]: Pin(pin["name"], pin["version"], pin["metadata"], file_url=pin.get("url"))
        for pin in report["pins"]
    }
    return Resolution(
        details,
        report["python_version"],
        tuple(report["platforms"]),
        tuple(report["requirements"]),
    )
