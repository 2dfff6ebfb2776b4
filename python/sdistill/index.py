"""The package index: project pages as views over archived data, several indexes, and
wheel metadata (PEP 658 files, else HTTP range requests into the wheel).

A project page is fetched through the cached HTTP client (``Accept``: PEP 691 JSON,
else PEP 503 HTML), parsed natively, grouped by version in PEP 440 order and archived
as the payload of the page's cache entry (``Cache.index_page_entry``).
:meth:`Index.project` returns a :class:`ProjectView` over that archive: listing versions
reads version strings only, and the files of one version become Python objects only
when asked for (``rust/sdistill-core/src/index``).

Several indexes (``index_url`` then ``extra_index_urls``) are searched in order:

- ``"first-match"`` (the default): the first index that has the project is the only
  one used for it. A project name registered on a second index cannot then shadow or
  add to the files of the first (dependency confusion).
- ``"merge"``: every index that has the project contributes its files; versions are
  the union, files of one version are listed in the order of the indexes.

Credentials in an index URL (``https://user:secret@host/simple``) are used for its pages
and, by the native client, for every URL of the same origin they lead to (the files);
everything the index reports -- :attr:`ProjectView.index_urls`, errors, log lines --
names the index by its redacted URL (``https://user:****@host/simple/``).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Literal, Protocol

from packaging.metadata import Metadata
from packaging.utils import canonicalize_name, parse_wheel_filename
from packaging.version import InvalidVersion, Version

from sdistill import _core
from sdistill.build.wheels import parse_record
from sdistill.cache import Cache
from sdistill.errors import (
    InvalidSourceError,
    MetadataMismatchError,
    NetworkError,
    SdistillError,
)
from sdistill.http import HttpClient

__all__ = ["DistFile", "Index", "IndexFile", "Page", "ProjectView", "Strategy"]

logger = logging.getLogger("sdistill")

#: One file of a project page (``filename``, ``url``, ``version``, ``hashes``,
#: ``requires_python``, ``yanked``, ``yanked_reason``, ``core_metadata``, ``size``,
#: ``upload_time``, ``is_sdist``), each read from the archive when asked for.
IndexFile = _core.IndexFile

Strategy = Literal["first-match", "merge"]


class DistFile(Protocol):
    """What a file of a page answers: an index's (:data:`IndexFile`) or one of a
    find-links directory (``sdistill.resolve.links.LocalFile``)."""

    @property
    def filename(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def version(self) -> str: ...
    @property
    def hashes(self) -> dict[str, str]: ...
    @property
    def requires_python(self) -> str | None: ...
    @property
    def yanked(self) -> bool: ...
    @property
    def yanked_reason(self) -> str | None: ...
    @property
    def core_metadata(self) -> dict[str, str] | None: ...
    @property
    def size(self) -> int | None: ...
    @property
    def upload_time(self) -> str | None: ...
    @property
    def is_sdist(self) -> bool: ...


class Page(Protocol):
    """What a project's page answers: an index page (``_core.Project``, archived) or
    what a find-links place holds of the project (``sdistill.resolve.links``)."""

    @property
    def digest(self) -> str: ...
    @property
    def file_count(self) -> int: ...
    def versions(self, *, yanked: bool = True, prereleases: bool = True) -> list[str]: ...
    def files(self, version: str) -> Sequence[DistFile]: ...
    def wheels(self, version: str) -> Sequence[DistFile]: ...
    def sdists(self, version: str) -> Sequence[DistFile]: ...


@dataclass(frozen=True)
class ProjectView:
    """A project on the indexes searched: versions newest first, files per version."""

    name: str
    #: (index URL, redacted, its page) for every index that contributes, in search order
    #: (and, for the resolver, each find-links place that has files of the project).
    pages: tuple[tuple[str, Page], ...]

    @property
    def index_urls(self) -> list[str]:
        return [url for url, _ in self.pages]

    def versions(self, *, yanked: bool = True, prereleases: bool = True) -> list[str]:
        """Versions, newest first; ``yanked=False`` leaves out versions whose every file
        is yanked, ``prereleases=False`` pre- and dev-releases."""
        if len(self.pages) == 1:
            return self.pages[0][1].versions(yanked=yanked, prereleases=prereleases)
        seen: dict[Version, str] = {}
        for _, page in self.pages:
            for text in page.versions(yanked=yanked, prereleases=prereleases):
                try:
                    seen.setdefault(Version(text), text)
                except InvalidVersion:  # pragma: no cover - the page holds valid ones
                    continue
        return [seen[v] for v in sorted(seen, reverse=True)]

    def files(self, version: str) -> list[DistFile]:
        """Every file of ``version`` (empty if there is none)."""
        return [f for _, page in self.pages for f in page.files(version)]

    def wheels(self, version: str) -> list[DistFile]:
        return [f for _, page in self.pages for f in page.wheels(version)]

    def sdist(self, version: str) -> DistFile | None:
        """The sdist of ``version`` to use: a ``.tar.gz`` if there is one, else the
        first other format, from the first index that has one."""
        found = self.sdist_on_index(version)
        return found[1] if found is not None else None

    def sdist_on_index(self, version: str) -> tuple[str, DistFile] | None:
        """As :meth:`sdist`, with the URL of the index it comes from."""
        for url, page in self.pages:
            found = page.sdists(version)
            if found:
                return url, found[0]
        return None

    def __len__(self) -> int:
        return sum(page.file_count for _, page in self.pages)


class Index:
    """The indexes a builder searches, through its cache."""

    def __init__(
        self,
        http: HttpClient,
        index_urls: Sequence[str],
        *,
        strategy: Strategy = "first-match",
    ) -> None:
        if strategy not in ("first-match", "merge"):
            raise ValueError(f"unknown index strategy {strategy!r}")
        self.http = http
        self.cache: Cache = http.cache
        self.urls = [_core.index_url_key(url) for url in index_urls]
        self.strategy = strategy
        #: How the metadata of each wheel URL asked for was read: ``"pep658"``,
        #: ``"range"`` (HTTP range requests) or ``"download"`` (the whole wheel).
        self.metadata_via: dict[str, str] = {}

    def project(self, name: str, *, cache_control: str | None = None) -> ProjectView:
        """The project ``name``; ``NetworkError`` (status 404) if no index has it.
        ``cache_control``: the request's own (``"only-if-cached"``: a page that is not
        fresh in the cache is an ``OfflineError``, not a request)."""
        normalized = canonicalize_name(name)
        pages: list[tuple[str, Page]] = []
        for url in self.urls:
            page = self._page(url, normalized, cache_control)
            if page is not None:
                pages.append((_core.redact(url), page))
                if self.strategy == "first-match":
                    break
        if not pages:
            where = _core.redact(", ".join(self.urls)) or "no index (index_url=None)"
            raise NetworkError(f"{normalized}: no such project on {where}", status=404)
        return ProjectView(normalized, tuple(pages))

    def _page(
        self, index_url: str, name: str, cache_control: str | None = None
    ) -> _core.Project | None:
        entry = self.cache.index_page_entry(index_url, name)
        page_url = self.cache.index_page_url(index_url, name)
        try:
            page = self.http.project(
                page_url, name, entry, package=name, cache_control=cache_control
            )
        except NetworkError as err:
            if err.status in (404, 410):
                return None
            raise
        if page.skipped:
            logger.debug(
                "%s%s/: left out %d files whose name or version is not %s's: %s",
                _core.redact(index_url),
                name,
                len(page.skipped),
                name,
                ", ".join(page.skipped[:10]),
            )
        return page

    def wheel_metadata(self, file: DistFile) -> Metadata:
        """The core metadata of a wheel: its PEP 658 ``.metadata`` file when the page
        advertises one, else read out of the wheel by HTTP range requests (else the
        whole wheel, when the server answers no ranges), cached per wheel URL. Its name
        and version must be the file name's (else :class:`MetadataMismatchError`)."""
        if file.core_metadata is not None:
            return self._pep658(file)
        found = self.http.wheel_metadata(
            file.url, file.filename, self.cache.wheel_metadata_record(file.url), _sha256(file)
        )
        return self._checked(file, found.metadata, found.via)

    def wheel_metadata_many(
        self, files: Sequence[DistFile], *, jobs: int = 8
    ) -> list[Metadata | SdistillError]:
        """:meth:`wheel_metadata` of many wheels at once, ``jobs`` at a time (native
        threads, the GIL released): one ``Metadata`` or the exception per file, in
        order -- what a resolver's prefetch needs."""
        results: list[Metadata | SdistillError | None] = [None] * len(files)
        remote = [i for i, file in enumerate(files) if file.core_metadata is None]
        advertised = [i for i, file in enumerate(files) if file.core_metadata is not None]
        wheels = [
            (
                files[i].url,
                files[i].filename,
                os.fspath(self.cache.wheel_metadata_record(files[i].url)),
                _sha256(files[i]),
            )
            for i in remote
        ]
        for i, found in zip(remote, self.http.wheel_metadata_many(wheels, jobs=jobs)):
            results[i] = _outcome(partial(self._checked_found, files[i], found))
        if advertised:
            with ThreadPoolExecutor(max_workers=max(1, min(jobs, len(advertised)))) as pool:
                done = pool.map(lambda i: _outcome(partial(self._pep658, files[i])), advertised)
                for i, outcome in zip(advertised, done):
                    results[i] = outcome
        return [r for r in results if r is not None]

    def _checked_found(
        self, file: DistFile, found: _core.WheelMetadata | BaseException
    ) -> Metadata:
        if isinstance(found, BaseException):
            raise found
        return self._checked(file, found.metadata, found.via)

    def _pep658(self, file: DistFile) -> Metadata:
        hashes = file.core_metadata or {}
        url = file.url + ".metadata"
        # Keyed by the file's URL alone: it names one immutable file whatever the index.
        entry = self.cache.wheel_metadata_entry(url)
        expected = {name: digest for name, digest in hashes.items() if name == "sha256"}
        downloaded = self.http.get_file(url, expected_hashes=expected or None, entry=entry)
        return self._checked(file, Path(downloaded.path).read_bytes(), "pep658")

    def _checked(self, file: DistFile, record: bytes, via: str) -> Metadata:
        metadata = parse_record(record.decode("utf-8", errors="replace"))
        if metadata is None:
            raise InvalidSourceError(f"{_core.redact(file.url)}: not readable core metadata")
        name, version, _, _ = parse_wheel_filename(file.filename)
        if canonicalize_name(metadata.name) != name or metadata.version != version:
            raise MetadataMismatchError(
                f"{_core.redact(file.url)}: its metadata is {metadata.name} {metadata.version},"
                f" its file name says {name} {version}"
            )
        self.metadata_via[file.url] = via
        return metadata


def _outcome(get: Callable[[], Metadata]) -> Metadata | SdistillError:
    try:
        return get()
    except SdistillError as err:
        return err


def _sha256(file: DistFile) -> str | None:
    return file.hashes.get("sha256")


def index_urls(index_url: str | None, extra_index_urls: Iterable[str]) -> list[str]:
    """The indexes searched, in order."""
    return [*([index_url] if index_url else []), *extra_index_urls]


def cache_control_overrides(overrides: Mapping[str, str] | None) -> dict[str, str]:
    """Per-index ``Cache-Control`` overrides, keyed by index URL (with a trailing ``/``)."""
    return {_core.index_url_key(url): value for url, value in (overrides or {}).items()}
