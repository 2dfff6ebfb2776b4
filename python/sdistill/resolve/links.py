"""Find-links for the resolver: candidates from directories and flat pages of files.

``--find-links PLACE`` (``SourceDistBuilder(find_links=...)``) names, as pip and uv read
it, a directory holding wheels and sdists at its top level, or the URL of an HTML page
that links to such files. The builder's installers search them for build requirements;
the resolver searches them for candidates too, beside the indexes: a project's versions
are the union of its index pages' and of what the find-links hold for it (an index's
``first-match`` rule is about indexes; find-links always add to them, as in pip and
uv).

- A **page** (``http(s)://``) is fetched through the cached client like an index page
  and parsed natively against the project's name, which leaves out every other
  project's files (``rust/sdistill-core/src/index``); it is kept per project in the
  HTTP cache.
- A **directory** is listed: each ``.whl`` and sdist whose file name names the project
  (PEP 427, PEP 625 and the legacy ``name-version.tar.gz`` / ``.zip`` forms) is a file
  of its version, with a ``file://`` URL and no hashes (the file is what the user put
  there). :class:`LocalPage` answers what an index page answers, and its digest is of
  the names, sizes and modification times listed, so a recorded resolution sees a
  directory that changed.

The metadata of a file found here is read as a direct reference's
(``sdistill.resolve.direct``): a wheel's own, read in place or by range requests, an
sdist's through the builder from that file -- never the index's file of the same
version.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from sdistill.errors import NetworkError

if TYPE_CHECKING:
    from sdistill.builder import SourceDistBuilder
    from sdistill.index import Page

__all__ = ["LocalFile", "LocalPage", "pages"]

#: Archive suffixes of sdists a directory may hold (as pip and uv list them).
_SDISTS = (".tar.gz", ".zip", ".tar.bz2", ".tar.xz", ".tgz", ".tar")


@dataclass(frozen=True)
class LocalFile:
    """A file of a find-links directory, with an index file's attributes."""

    filename: str
    url: str
    version: str
    size: int
    is_sdist: bool
    hashes: dict[str, str] = field(default_factory=dict)
    requires_python: str | None = None
    yanked: bool = False
    yanked_reason: str | None = None
    core_metadata: dict[str, str] | None = None
    upload_time: str | None = None


@dataclass(frozen=True)
class LocalPage:
    """What a find-links directory holds of one project, answering as an index page."""

    name: str
    page_url: str
    by_version: dict[str, list[LocalFile]]
    digest: str
    origin: str = "local"
    api_version: str | None = None
    skipped: list[str] = field(default_factory=list)

    @classmethod
    def scan(cls, directory: Path, name: str) -> LocalPage | None:
        """The files of ``name`` in ``directory`` (``None``: none there)."""
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError:
            return None
        by_version: dict[str, list[LocalFile]] = {}
        listed = hashlib.sha256()
        for entry in entries:
            found = _identify(entry.name, name)
            if found is None or not entry.is_file():
                continue
            version, is_sdist = found
            stat = entry.stat()
            listed.update(f"{entry.name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
            url = Path(entry.path).resolve().as_uri()
            by_version.setdefault(version, []).append(
                LocalFile(entry.name, url, version, stat.st_size, is_sdist)
            )
        if not by_version:
            return None
        for files in by_version.values():  # a .tar.gz before other sdists, wheels first
            files.sort(key=lambda f: (f.is_sdist, not f.filename.endswith(".tar.gz")))
        return cls(name, directory.resolve().as_uri(), by_version, listed.hexdigest())

    @property
    def file_count(self) -> int:
        return sum(len(files) for files in self.by_version.values())

    def versions(self, *, yanked: bool = True, prereleases: bool = True) -> list[str]:
        found = sorted(self.by_version, key=Version, reverse=True)
        return [v for v in found if prereleases or not Version(v).is_prerelease]

    def is_prerelease(self, version: str) -> bool | None:
        return Version(version).is_prerelease if version in self.by_version else None

    def files(self, version: str) -> list[LocalFile]:
        return list(self.by_version.get(_same(version, self.by_version), []))

    def wheels(self, version: str) -> list[LocalFile]:
        return [f for f in self.files(version) if not f.is_sdist]

    def sdists(self, version: str) -> list[LocalFile]:
        return [f for f in self.files(version) if f.is_sdist]


def pages(builder: SourceDistBuilder, name: str) -> list[tuple[str, Page]]:
    """``(place, page)`` for each find-links place of ``builder`` that has files of
    ``name`` (normalised), in the order the places were given."""
    found: list[tuple[str, Page]] = []
    for place in builder.config.find_links:
        if "://" in place and not place.startswith("file:"):
            page = _remote(builder, place, name)
        else:
            path = Path(place.removeprefix("file://")).expanduser()
            page = LocalPage.scan(path, name)
        if page is not None:
            found.append((place, page))
    return found


def _remote(builder: SourceDistBuilder, url: str, name: str) -> Page | None:
    entry = builder.cache.index_page_entry(url, name)
    try:
        page = builder.http.project(url, name, entry, package=name)
    except NetworkError as err:
        if err.status in (404, 410):
            return None
        raise
    return page if page.file_count else None


def _identify(filename: str, name: str) -> tuple[str, bool] | None:
    """``(version, is_sdist)`` when ``filename`` is a wheel or sdist of ``name``."""
    try:
        if filename.endswith(".whl"):
            project, version, _, _ = parse_wheel_filename(filename)
            return (str(version), False) if project == name else None
        if filename.endswith(".tar.gz"):
            project, version = parse_sdist_filename(filename)
            return (str(version), True) if project == name else None
    except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion):
        return None
    for suffix in _SDISTS:
        if filename.endswith(suffix):  # name-version.zip and the like (pip reads these)
            written, _, listed = filename[: -len(suffix)].rpartition("-")
            try:
                return (str(Version(listed)), True) if canonicalize_name(written) == name else None
            except InvalidVersion:
                return None
    return None


def _same(version: str, by_version: dict[str, list[LocalFile]]) -> str:
    """The key of ``by_version`` equal to ``version`` as PEP 440 compares them."""
    if version in by_version:
        return version
    try:
        wanted = Version(version)
    except InvalidVersion:
        return version
    return next((v for v in by_version if Version(v) == wanted), version)
