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
  there). A directory is listed once per resolution (:class:`Listing`);
  :class:`LocalPage` answers what an index page answers, and its digest is of the names,
  sizes and modification times listed, so a recorded resolution sees a directory that
  changed.

The metadata of a file found here is read as a direct reference's
(``sdistill.resolve.direct``): a wheel's own, read in place or by range requests, an
sdist's through the builder from that file -- never the index's file of the same
version.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

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

__all__ = [
    "ARCHIVES",
    "Listing",
    "LocalFile",
    "LocalPage",
    "directory",
    "local_path",
    "pages",
    "remote",
]

_log = logging.getLogger("sdistill")
#: Held while a directory is listed: each is listed once, whichever thread asks first.
_LISTING = threading.Lock()

#: Archive suffixes of sdists a directory may hold (as pip and uv list them).
SDISTS = (".tar.gz", ".zip", ".tar.bz2", ".tar.xz", ".tgz", ".tar")
#: A wheel's or an sdist's suffix.
ARCHIVES = (".whl", *SDISTS)


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
    def of(cls, listing: Listing, name: str) -> LocalPage | None:
        """What ``listing`` holds of ``name`` (``None``: nothing)."""
        files = listing.projects.get(name)
        if not files:
            return None
        by_version: dict[str, list[LocalFile]] = {}
        listed = hashlib.sha256()
        for file, mtime in files:
            listed.update(f"{file.filename}\0{file.size}\0{mtime}\n".encode())
            by_version.setdefault(file.version, []).append(file)
        for found in by_version.values():  # wheels first, then a .tar.gz, then the rest
            found.sort(key=lambda f: (f.is_sdist, not f.filename.endswith(".tar.gz")))
        return cls(name, listing.url, by_version, listed.hexdigest())

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


@dataclass(frozen=True)
class Listing:
    """The wheels and sdists at the top of a directory, by normalised project name
    (each with its modification time), listed once per resolution."""

    url: str
    projects: dict[str, list[tuple[LocalFile, int]]]

    @classmethod
    def of(cls, directory: Path) -> Listing:
        projects: dict[str, list[tuple[LocalFile, int]]] = {}
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as err:  # not a directory (or gone): nothing there, said once
            _log.warning("find-links %s: nothing read (%s)", directory, err.strerror or err)
            entries = []
        for entry in entries:
            found = _identify(entry.name)
            if found is None or not entry.is_file():
                continue
            name, version, is_sdist = found
            stat = entry.stat()
            url = Path(entry.path).resolve().as_uri()
            file = LocalFile(entry.name, url, version, stat.st_size, is_sdist)
            projects.setdefault(name, []).append((file, stat.st_mtime_ns))
        return cls(directory.resolve().as_uri(), projects)


def pages(
    builder: SourceDistBuilder, name: str, listings: dict[str, Listing]
) -> list[tuple[str, Page]]:
    """``(place, page)`` for each find-links place of ``builder`` that has files of
    ``name`` (normalised), in the order the places were given; ``listings`` keeps the
    directories listed (by place) for the next project."""
    found: list[tuple[str, Page]] = []
    for place in builder.config.find_links:
        page: Page | None
        if remote(place):
            page = _remote(builder, place, name)
        else:
            with _LISTING:
                listing = listings.get(place)
                if listing is None:
                    listing = listings[place] = Listing.of(directory(place))
            page = LocalPage.of(listing, name)
        if page is not None:
            found.append((place, page))
    return found


def remote(place: str) -> bool:
    """Whether a find-links place (or a direct reference's location) is on the network
    rather than a local path or ``file:`` URL."""
    return "://" in place and not place.startswith("file:")


def local_path(location: str) -> Path:
    """The path a local path or ``file:`` URL names (``~`` expanded)."""
    if location.startswith("file:"):
        return Path(unquote(urlsplit(location).path))
    return Path(location).expanduser()


def directory(place: str) -> Path:
    """The absolute directory a find-links path or ``file:`` URL names."""
    return local_path(place).resolve()


def _remote(builder: SourceDistBuilder, url: str, name: str) -> Page | None:
    entry = builder.cache.index_page_entry(url, name)
    try:
        page = builder.http.project(url, name, entry, package=name)
    except NetworkError as err:
        if err.status in (404, 410):
            return None
        raise
    return page if page.file_count else None


def _identify(filename: str) -> tuple[str, str, bool] | None:
    """``(normalised name, version, is_sdist)`` of a wheel's or an sdist's file name."""
    try:
        if filename.endswith(".whl"):
            name, version, _, _ = parse_wheel_filename(filename)
            return name, str(version), False
        if filename.endswith(".tar.gz"):
            name, version = parse_sdist_filename(filename)
            return name, str(version), True
    except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion):
        return None
    for suffix in SDISTS:
        if filename.endswith(suffix):  # name-version.zip and the like (pip reads these)
            written, _, listed = filename[: -len(suffix)].rpartition("-")
            try:
                return canonicalize_name(written), str(Version(listed)), True
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
