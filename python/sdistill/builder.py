"""``SourceDistBuilder``: metadata and wheels for sources, cached.

The builder holds what one configuration (:class:`sdistill.config.BuilderConfig`) needs
-- the cache, the HTTP client, the indexes, the build backends -- and hands each source
to the one cached flow (:mod:`sdistill.build.flow`), which asks the source (its kind's
module in :mod:`sdistill.sources`) for its shard, live revision and tree, and the
product (:mod:`sdistill.build.products`) for the answer. The builder itself decides
only where the answers of its settings live: ``<revision>/<settings key>/``, the key a
digest of the config settings and -- with build isolation, where they apply -- the
build constraints and the source's extra build dependencies, which may change what a
backend answers.
"""

from __future__ import annotations

import logging
import os
import threading
import weakref
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, TypeVar

from packaging.metadata import Metadata

from sdistill import _core, records
from sdistill.build import answers, flow
from sdistill.build.backend import Backends
from sdistill.build.installers import DEFAULT_INDEX_URL, IndexConfig
from sdistill.build.products import MetadataProduct, WheelProduct
from sdistill.build.wheels import BuiltWheel
from sdistill.cache import Cache
from sdistill.config import BuilderConfig
from sdistill.http import HttpClient
from sdistill.index import Index
from sdistill.reporter import LoggingReporter, Reporter
from sdistill.sources.base import Source

__all__ = ["DEFAULT_INDEX_URL", "SourceDistBuilder"]

T = TypeVar("T")
_WORKERS_PER_JOB = 4
_log = logging.getLogger("sdistill")


class SourceDistBuilder:
    """Turns sources into core metadata and wheels, caching every result.

    Made from a :class:`~sdistill.config.BuilderConfig`, or from the same settings as
    keywords (``SourceDistBuilder(cache_dir=..., index_url=...)``, see
    :meth:`BuilderConfig.create`); ``reporter`` is told about builds and downloads.
    """

    def __init__(
        self,
        config: BuilderConfig | str | os.PathLike[str] | None = None,
        *args: Any,
        reporter: Reporter | None = None,
        **keywords: Any,
    ) -> None:
        if not isinstance(config, BuilderConfig):
            # The keyword form (the first positional is the cache directory).
            if config is not None or args:
                config = BuilderConfig.create(config, *args, **keywords)
            else:
                config = BuilderConfig.create(**keywords)
        elif args or keywords:
            raise TypeError("SourceDistBuilder(config) takes no other settings")
        self.config = config
        self.cache = Cache(config.cache_dir, lock_timeout=config.lock_timeout)
        self.reporter: Reporter = reporter or LoggingReporter()
        self.http = HttpClient.from_config(self.cache, config)
        #: The package indexes registry sources come from (``.project(name)``).
        self.index = Index(self.http, config.index_urls, strategy=config.index_strategy)
        self.jobs = config.job_count()
        self._backends = Backends(
            self.cache,
            IndexConfig(
                index_url=config.index_url,
                extra_index_urls=config.extra_index_urls,
                find_links=config.find_links,
                offline=config.offline,
            ),
            build_isolation=config.build_isolation,
            config_settings=config.config_settings,
            build_constraints=config.build_constraints,
            extra_build_dependencies=config.extra_build_dependencies,
            installer=config.installer,
            reporter=self.reporter,
            jobs=self.jobs,
        )
        self._metadata = MetadataProduct(self._backends, config.no_build)
        self._wheel = WheelProduct(self._backends, config.no_build)
        # With refresh, each local shard gets a new revision once per builder.
        self._refreshed: set[Path] = set()
        self._refreshed_lock = threading.Lock()
        # Git revs resolved by this builder: (canonical repository, rev) -> commit.
        self._commits: dict[tuple[str, str | None], str] = {}
        self._settings_key = records.settings_key(config.config_settings)
        weakref.finalize(self, self._backends.close)

    @property
    def build_constraints(self) -> list[str]:
        """Bounds on every build environment's install (requirement strings, sorted)."""
        return list(self.config.build_constraints)

    @property
    def extra_build_dependencies(self) -> dict[str, tuple[str, ...]]:
        """Normalised project name -> requirements added to its build environment."""
        return dict(self.config.extra_build_dependencies)

    def close(self) -> None:
        """Stops the builder's hook servers (they also stop when the process exits)."""
        self._backends.close()

    def __enter__(self) -> SourceDistBuilder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ public API

    def metadata(self, source: Any) -> Metadata:
        """The core metadata of ``source`` (a ``Source`` or anything ``Source.parse`` reads)."""
        src = Source.parse(source).resolve(self)
        return flow.cached(self, self, src, self._metadata)

    def build(self, source: Any) -> BuiltWheel:
        """A wheel of ``source`` for the running interpreter."""
        src = Source.parse(source).resolve(self).built_editable(False)
        return flow.cached(self, self, src, self._wheel)

    def build_editable(self, directory: Any) -> BuiltWheel:
        """An editable wheel (PEP 660) of a project directory."""
        src = Source.parse(directory, editable=True).built_editable(True)
        return flow.cached(self, self, src, self._wheel)

    def metadata_many(self, sources: Iterable[Any]) -> list[Metadata | BaseException]:
        """``metadata`` of each source, in parallel; a result or an exception for each."""
        return self._many(self.metadata, sources)

    def build_many(self, sources: Iterable[Any]) -> list[BuiltWheel | BaseException]:
        """``build`` of each source, in parallel; a result or an exception for each."""
        return self._many(self.build, sources)

    def _many(
        self, function: Callable[[Any], T], sources: Iterable[Any]
    ) -> list[T | BaseException]:
        def one(source: Any) -> T | BaseException:
            try:
                return function(source)
            except Exception as err:  # one result or one exception per source
                return err

        items = list(sources)
        # More workers than hook slots: while `jobs` hooks use the CPUs, the other
        # sources extract, read static metadata or wait on the network for their build
        # environment instead of queueing behind the builds.
        workers = max(1, min(self.jobs * _WORKERS_PER_JOB, len(items) or 1))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(one, items))

    # ------------------------------------------------- what sources ask (Context)

    def refreshing(self, name: str | None, shard: Path) -> bool:
        refresh = self.config.refresh
        wanted = refresh is True or (not isinstance(refresh, bool) and name in refresh)
        with self._refreshed_lock:
            return wanted and shard not in self._refreshed

    def refreshed(self, shard: Path) -> None:
        with self._refreshed_lock:
            self._refreshed.add(shard)

    def git_commit(self, repository: str, rev: str | None) -> str:
        """Resolved once per builder: the same branch names the same commit for the
        whole of a resolution (one round trip; a full commit needs none)."""
        key = (_core.canonical_url(repository), rev)
        with self._refreshed_lock:
            found = self._commits.get(key)
        if found is not None:
            return found
        resolved = _core.git_resolve(
            self.cache.root,
            repository,
            rev,
            offline=self.config.offline,
            lock_timeout=self.cache.lock_timeout,
        )
        if self.config.offline:
            _log.warning(
                "git+%s@%s: offline, so the commit the cache last saw for it: %s",
                _core.redact(repository),
                rev if rev is not None else "(default branch)",
                resolved.commit[:12],
            )
        with self._refreshed_lock:
            return self._commits.setdefault(key, resolved.commit)

    # ------------------------------------------------- where answers live (Settings)

    def answers(self, src: Source, revision: _core.Revision) -> _core.Answers:
        """The config settings and, when they apply (isolated builds), the build
        constraints and the source's extra build dependencies key the answers."""
        inputs = self._build_inputs(src)
        if not inputs:
            return revision.answers(self._settings_key)
        return revision.answers(records.settings_key(self.config.config_settings, inputs))

    def record(self, src: Source, at: _core.Answers, text: str, metadata: Metadata) -> None:
        answers.write_metadata(self.cache, at, text, metadata, src.file_name_identity(metadata))

    def _build_inputs(self, src: Source) -> list[str]:
        if not self.config.build_isolation:
            return []
        extra = self.config.extra_build_dependencies.get(src.name, ()) if src.name else ()
        return [f"constraint {c}" for c in self.config.build_constraints] + [
            f"requires {r}" for r in extra
        ]
