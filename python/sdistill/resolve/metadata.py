"""Project pages and candidates' metadata, each fetched once, most of them ahead of need.

A resolver asks for one thing at a time: the versions of a project, then the
dependencies of the newest, then the versions of each dependency... Each answer is a
request, and asked one after the other they would cost one round trip each. This store
remembers every answer (a project page per name, metadata per name and version, or
per URL for a direct reference) as a future, and starts some before they are asked for:

- **Pages.** When a candidate's dependencies are known, the pages of the projects they
  name are fetched in the background; by the time the resolver lists their
  candidates, the pages are (usually) there.
- **Metadata.** When a project's candidates are listed, the metadata of the newest
  ``prefetch`` (default 1: with the crawl below, more costs more than it saves) is
  fetched in the background: the wheels' together through
  ``Index.wheel_metadata_many`` (PEP 658 files, else HTTP range requests, on the native
  runtime), the sdists' through ``SourceDistBuilder.metadata_many``. The resolver
  usually takes the newest, and after a conflict the next ones, already there.

- **Crawling ahead.** With ``after_page`` and ``after_metadata`` set (the provider sets
  them), a page that arrives starts the metadata of its newest usable candidate, and
  metadata that arrives starts the pages of its dependencies -- on the store's threads,
  without waiting for the resolver to ask. The resolver mostly takes the newest
  versions, so the pages and metadata it will ask for are fetched a level or more
  ahead, many at once, instead of one round trip per level of the graph.

**Find-links.** A builder with ``find_links`` adds what they hold of a project to its
page (``sdistill.resolve.links``); the metadata of a file found there is read as a
direct reference's (``sdistill.resolve.direct``), from that file.

Errors are kept in the futures: a prefetch that fails costs nothing unless the
resolver later needs that candidate, and then raises there.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from typing import TYPE_CHECKING, Any

from packaging.metadata import Metadata

from sdistill.errors import NetworkError, SdistillError
from sdistill.index import DistFile, ProjectView
from sdistill.resolve import direct, links
from sdistill.resolve.candidates import Candidate

if TYPE_CHECKING:
    from sdistill.builder import SourceDistBuilder

__all__ = ["MetadataStore"]

_log = logging.getLogger("sdistill")

#: Threads fetching at once (the requests release the GIL: these mostly wait).
_WORKERS = 24


class MetadataStore:
    """The pages and metadata of one resolution (see the module docs)."""

    def __init__(self, builder: SourceDistBuilder, *, workers: int = _WORKERS) -> None:
        self.builder = builder
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sdistill-resolve")
        self._lock = threading.Lock()
        self._pages: dict[str, Future[ProjectView | None]] = {}
        self._metadata: dict[tuple[str, str], Future[Metadata]] = {}
        #: How each candidate's metadata was obtained, by :attr:`Candidate.key`.
        self.via: dict[tuple[str, str], str] = {}
        #: Called (on a store thread) with each page that arrives, and with each
        #: candidate's metadata: what to fetch next, ahead of the resolver.
        self.after_page: Callable[[ProjectView], None] | None = None
        self.after_metadata: Callable[[Candidate, Metadata], None] | None = None
        self._closed = False
        #: The URLs of the files the find-links hold (their metadata is read from them).
        self._linked: set[str] = set()
        self._listings: dict[str, links.Listing] = {}

    def close(self) -> None:
        """Stops the threads; what is running finishes, what is queued is dropped."""
        self._closed = True
        self._pool.shutdown(wait=True, cancel_futures=True)

    # ---------------------------------------------------------------------- pages

    def project(self, name: str) -> ProjectView | None:
        """The project's page; ``None`` when no index has it."""
        return self._page(name).result()

    def prefetch_projects(self, names: Sequence[str]) -> None:
        for name in names:
            self._page(name)

    def _page(self, name: str) -> Future[ProjectView | None]:
        with self._lock:
            future = self._pages.get(name)
            if future is not None:
                return future
            future = self._pages[name] = self._pool.submit(self._fetch_page, name)
        # Outside the lock: a page already there runs the callback here and now.
        future.add_done_callback(self._page_done)
        return future

    def _page_done(self, future: Future[ProjectView | None]) -> None:
        if self.after_page is None or future.cancelled() or future.exception() is not None:
            return
        project = future.result()
        if project is not None:
            self._ahead(self.after_page, project)

    def _metadata_done(self, candidate: Candidate, future: Future[Metadata]) -> None:
        if self.after_metadata is None or future.cancelled() or future.exception() is not None:
            return
        self._ahead(self.after_metadata, candidate, future.result())

    def _ahead(self, step: Callable[..., None], *args: Any) -> None:
        """A step of the crawl: never an error of the resolution (what it could not
        start, the resolver asks for itself)."""
        if self._closed:
            return
        try:
            step(*args)
        except RuntimeError:  # the pool shut down meanwhile
            return
        except (SdistillError, OSError, ValueError) as err:
            _log.debug("fetching ahead stopped: %s", err)

    def _fetch_page(self, name: str) -> ProjectView | None:
        try:
            view: ProjectView | None = self.builder.index.project(name)
        except NetworkError as err:
            if err.status not in (404, 410):
                raise
            view = None
        places = self.builder.config.find_links
        linked = links.pages(self.builder, name, self._listings) if places else []
        if not linked:
            return view
        # A page on the network may link anywhere: only its http(s) files are read as
        # find-links files (a file:// link there must not make the resolver open a
        # local file); a directory's own files are.
        found = {
            f.url
            for _, page in linked
            for v in page.versions()
            for f in page.files(v)
            if isinstance(page, links.LocalPage) or f.url.startswith(("https://", "http://"))
        }
        with self._lock:
            self._linked.update(found)
        return ProjectView(name, (*(view.pages if view is not None else ()), *linked))

    # ------------------------------------------------------------------- metadata

    def metadata(self, candidate: Candidate) -> Metadata:
        """The core metadata of ``candidate`` (its base project's)."""
        self.prefetch([candidate])
        with self._lock:
            future = self._metadata[candidate.key]
        return future.result()

    def direct(self, key: tuple[str, str], spec: str) -> Metadata:
        """The metadata of a direct reference (``spec``: ``name @ URL``, read by
        :func:`sdistill.resolve.direct.metadata`)."""
        with self._lock:
            future = self._metadata.get(key)
            if future is None:
                future = self._metadata[key] = Future()
                self.via[key] = "direct"
                self._pool.submit(_settle, [future], partial(self._direct_one, spec))
        return future.result()

    def prefetch(self, candidates: Sequence[Candidate]) -> None:
        """Starts fetching the metadata of ``candidates`` not asked for yet: the wheels
        in one batch, the sdists in another."""
        wheels: list[tuple[Future[Metadata], DistFile]] = []
        sdists: list[tuple[Future[Metadata], str]] = []
        linked: list[tuple[Future[Metadata], str]] = []
        with self._lock:
            for candidate in candidates:
                if candidate.key in self._metadata or candidate.url is not None:
                    continue
                future: Future[Metadata] = Future()
                future.add_done_callback(partial(self._metadata_done, candidate))
                self._metadata[candidate.key] = future
                file = candidate.file
                if file is not None and file.url in self._linked:
                    self.via[candidate.key] = "sdist" if file.is_sdist else "find-links"
                    linked.append((future, _spec(file)))
                elif candidate.wheel is not None:
                    wheels.append((future, candidate.wheel))
                else:
                    self.via[candidate.key] = "sdist"
                    sdists.append((future, f"{candidate.name}=={candidate.version_text}"))
        for future, spec in linked:
            self._pool.submit(_settle, [future], partial(self._direct_one, spec))
        if wheels:
            self._wheels(wheels)
        if sdists:
            specs = [spec for _, spec in sdists]
            self._pool.submit(
                _settle, [f for f, _ in sdists], lambda: self.builder.metadata_many(specs)
            )

    def _direct_one(self, spec: str) -> list[Metadata]:
        """The metadata of a direct reference (or a find-links file), for ``_settle``."""
        return [direct.metadata(self.builder, spec)]

    def how(self, candidate: Candidate) -> str:
        """How the metadata of ``candidate`` was obtained: ``"pep658"``, ``"range"``,
        ``"download"`` (a wheel's, as the index reports it), ``"find-links"`` (a
        find-links wheel's), ``"sdist"`` or ``"direct"``."""
        with self._lock:
            known = self.via.get(candidate.key)
        if known is not None:
            return known
        wheel = candidate.wheel
        found = self.builder.index.metadata_via.get(wheel.url) if wheel is not None else None
        return found or "pep658"

    def _wheels(self, wanted: list[tuple[Future[Metadata], DistFile]]) -> None:
        many, files = self.builder.index.wheel_metadata_many, [file for _, file in wanted]
        self._pool.submit(_settle, [f for f, _ in wanted], lambda: many(files))


def _spec(file: DistFile) -> str:
    """A find-links file as a direct reference: its URL, with its sha256 if listed."""
    sha256 = file.hashes.get("sha256")
    return f"{file.url}#sha256={sha256}" if sha256 else file.url


def _settle(futures: list[Future[Metadata]], run: Callable[[], Sequence[Any]]) -> None:
    """Runs ``run`` (one result or exception per future) and settles each future."""
    try:
        results = list(run())
    except (SdistillError, OSError) as err:
        results = [err] * len(futures)
    except BaseException as err:
        for future in futures:
            future.set_exception(err)
        raise
    for future, result in zip(futures, results):
        if isinstance(result, BaseException):
            future.set_exception(result)
        else:
            future.set_result(result)
