"""``SourceDistBuilder``: metadata and wheels for sources, cached.

For one source and one set of config settings the flow is:

1. Find the shard (``sdists-v1/<kind>/<digest(url)>/``) and its live revision -- for a
   local source the one made for its current stamp, for a direct URL the one the
   archive's HTTP cache entry names (fetched again only when its policy says so); if it
   holds the answer, return it -- a few small file reads, no lock, no subprocess.
2. Otherwise take the shard lock (another process may be doing the same work: after the
   wait the answer is usually there), make a new revision if the stamp changed, and
   produce the answer: static metadata when the source states it reliably, else the
   backend's hooks in a reused build environment.
3. Check name and version against the request, record the answer under the revision
   (``<revision>/<digest(config settings)>/METADATA`` and ``wheels/``), atomically.

Every record is checked before use: ``METADATA`` against the seal of its ``answer``
(``records.read_record``), the stamp against its own seal (``revisions``), a wheel
against the sha256 recorded when it entered the cache (``<wheel>.seal``). A record that
fails is a miss. The lock-free read in step 1 never writes, not even to heal; the read
repeated under the shard lock in step 2 warns (``sdistill`` logger, naming the record)
and the answer is produced and recorded again -- a damaged wheel is removed and rebuilt,
a damaged ``METADATA`` beside a sound wheel is recorded again from the wheel.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
import threading
import weakref
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, TypeVar

from packaging.metadata import Metadata
from packaging.utils import InvalidSdistFilename, canonicalize_name, parse_sdist_filename
from packaging.version import Version

from sdistill import _core, records
from sdistill.build import revisions, static_metadata
from sdistill.build.build_system import read_build_system, read_pyproject
from sdistill.build.constraints import constraints_of, extra_dependencies_of
from sdistill.build.environments import EnvironmentManager
from sdistill.build.hook_server import HookServerPool
from sdistill.build.installers import DEFAULT_INDEX_URL, IndexConfig, find_installer
from sdistill.build.pep517 import Backend, HookMissing, settings
from sdistill.build.wheels import (
    BuiltWheel,
    check_identity,
    compatible_wheel,
    parse_record,
    read_wheel_metadata,
)
from sdistill.cache import Cache
from sdistill.errors import InvalidSourceError, NoBuildError
from sdistill.extraction import extract
from sdistill.http import HttpClient
from sdistill.index import Index, Strategy, cache_control_overrides, index_urls
from sdistill.reporter import LoggingReporter, Reporter
from sdistill.sources import (
    IndexSdistSource,
    LocalArchiveSource,
    LocalDirectorySource,
    LocalSource,
    RegistrySource,
    Source,
    UrlSource,
)

__all__ = ["DEFAULT_INDEX_URL", "SourceDistBuilder"]

T = TypeVar("T")
_WORKERS_PER_JOB = 4
_log = logging.getLogger("sdistill")


class SourceDistBuilder:
    """Turns sources into core metadata and wheels, caching every result."""

    def __init__(
        self,
        cache_dir: str | os.PathLike[str] | None = None,
        index_url: str | None = DEFAULT_INDEX_URL,
        extra_index_urls: Iterable[str] = (),
        offline: bool = False,
        refresh: bool | Iterable[str] = False,
        build_isolation: bool = True,
        config_settings: Mapping[str, Any] | None = None,
        no_build: bool = False,
        reporter: Reporter | None = None,
        jobs: int | None = None,
        *,
        find_links: Iterable[str | os.PathLike[str]] = (),
        installer: str | None = None,
        index_strategy: Strategy = "first-match",
        index_cache_control: Mapping[str, str] | None = None,
        build_constraints: str | os.PathLike[str] | Iterable[str] | None = None,
        extra_build_dependencies: Mapping[str, Iterable[str]] | None = None,
    ) -> None:
        """``build_constraints`` bound what every build environment installs: a path to a
        constraints file, or requirement strings; when ``None``, the file
        ``$SDISTILL_BUILD_CONSTRAINT`` names, if set (``[]`` means none, whatever the
        environment says). ``extra_build_dependencies`` maps a project name to
        requirements added to the build environment of a source of that name (the
        name the source states: registry, file name or ``name @ URL``; a directory
        is matched only when named so). Neither applies without build isolation."""
        self.cache = Cache(cache_dir)
        self.index_config = IndexConfig(
            index_url=index_url,
            extra_index_urls=tuple(extra_index_urls),
            find_links=tuple(os.fspath(link) for link in find_links),
            offline=offline,
        )
        self.refresh = refresh
        self.http = HttpClient(
            self.cache,
            offline=offline,
            refresh=refresh,
            cache_control_overrides=cache_control_overrides(index_cache_control),
        )
        #: The package indexes registry sources come from (``.project(name)``).
        self.index = Index(
            self.http, index_urls(index_url, extra_index_urls), strategy=index_strategy
        )
        self.build_isolation = build_isolation
        self.config_settings = dict(config_settings or {})
        self.no_build = no_build
        self.reporter: Reporter = reporter or LoggingReporter()
        self.jobs = jobs or os.cpu_count() or 1
        # At most `jobs` hooks run at once, whatever the number of worker threads.
        self._hook_slots = threading.BoundedSemaphore(self.jobs)
        self._installer_choice = installer
        self._environments: EnvironmentManager | None = None
        self._environments_lock = threading.Lock()
        # With refresh, each shard is revalidated once per builder, not on every call.
        self._refreshed: set[Path] = set()
        self._settings_key = records.settings_key(self.config_settings)
        #: Bounds on every build environment's install (requirement strings, sorted).
        self.build_constraints = constraints_of(build_constraints)
        #: Normalised project name -> requirements added to its build environment.
        self.extra_build_dependencies = extra_dependencies_of(extra_build_dependencies)
        # Warm processes that fork each hook (see hook_server); stopped by close().
        self._servers = HookServerPool()
        weakref.finalize(self, self._servers.close)

    def close(self) -> None:
        """Stops the builder's hook servers (they also stop when the process exits)."""
        self._servers.close()

    def __enter__(self) -> SourceDistBuilder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ public API

    def metadata(self, source: Any) -> Metadata:
        """The core metadata of ``source`` (a ``Source`` or anything ``Source.parse`` reads)."""
        return self._metadata(self._supported(source))

    def build(self, source: Any) -> BuiltWheel:
        """A wheel of ``source`` for the running interpreter."""
        return self._build(self._supported(source), editable=False)

    def build_editable(self, directory: Any) -> BuiltWheel:
        """An editable wheel (PEP 660) of a project directory."""
        src = (
            Source.parse(directory, editable=True)
            if not isinstance(directory, Source)
            else directory
        )
        if not isinstance(src, LocalDirectorySource):
            raise InvalidSourceError(f"{src.url}: only a directory can be built editable")
        if not src.editable:
            src = LocalDirectorySource(path=src.path, name=src.name, editable=True)
        return self._build(src, editable=True)

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

    # ------------------------------------------------------------------ the flows

    def _metadata(self, src: LocalSource | UrlSource) -> Metadata:
        def produce(revision: revisions.Revision) -> tuple[Metadata, str]:
            tree = self._tree(src, revision)
            pyproject = read_pyproject(tree)
            read_build_system(tree, pyproject)  # an invalid project fails even when static
            static = self._static(src, tree, pyproject)
            if static is not None:
                return static
            if self.no_build:
                raise NoBuildError(f"{src.url}: metadata needs a build, and builds are off")
            return self._backend_metadata(src, tree, pyproject, revision)

        editable = isinstance(src, LocalDirectorySource) and src.editable

        def read(revision: revisions.Revision, locked: bool) -> Metadata | None:
            return self._read_record(src, revision, locked)

        return self._cached(src, editable, read, produce, lambda m: m)

    def _build(self, src: LocalSource | UrlSource, editable: bool) -> BuiltWheel:
        def produce(revision: revisions.Revision) -> tuple[BuiltWheel, str]:
            if self.no_build:
                raise NoBuildError(f"{src.url}: a wheel needs a build, and builds are off")
            tree = self._tree(src, revision)
            wheel, metadata, text = self._backend_wheel(
                src, tree, read_pyproject(tree), revision, editable
            )
            return BuiltWheel(wheel, wheel.name, metadata), text

        def read(revision: revisions.Revision, locked: bool) -> BuiltWheel | None:
            return self._cached_wheel(src, revision, locked)

        return self._cached(src, editable, read, produce, lambda w: w.metadata)

    def _cached(
        self,
        src: LocalSource | UrlSource,
        editable: bool,
        lookup: Callable[[revisions.Revision, bool], T | None],
        produce: Callable[[revisions.Revision], tuple[T, str]],
        metadata_of: Callable[[T], Metadata],
    ) -> T:
        """The answer cached under the source's live revision, else produced under the
        shard lock (after the wait another process may have produced it) and recorded.
        ``lookup(revision, locked)`` reads only when not ``locked``; under the lock it
        reports damaged records and may heal them."""
        revision: revisions.Revision | None
        if isinstance(src, UrlSource):
            # The HTTP entry decides (natively, with its own lock) which revision is live.
            fetched = revision = self._fetch(src)
            shard = fetched.shard

            def make() -> revisions.Revision:
                # Under the shard lock: the revisions that a newer download superseded
                # go (no build reads them now). If a concurrent call made another
                # revision live while this one waited, that one is used.
                live = self.cache.layout.read_revision(str(shard))
                current = fetched if live == fetched.id else self._fetch(src)
                self.http.remove_superseded(shard)
                return current
        else:
            shard, current, make = self._local_revisions(src, editable)
            revision = current()
        found = lookup(revision, False) if revision is not None else None
        if found is None:
            with self.cache.lock(shard):
                revision = make()
                found = lookup(revision, True)
                if found is None:
                    found, text = produce(revision)
                    check_identity(metadata_of(found), src.name, src.version, origin=src.url)
                    self._write_record(src, revision, text, metadata_of(found))
                    self.cache.set_package(shard, metadata_of(found).name)
                    return found
        check_identity(metadata_of(found), src.name, src.version, origin=src.url)
        return found

    def _local_revisions(
        self, src: LocalSource, editable: bool
    ) -> tuple[Path, Callable[[], revisions.Revision | None], Callable[[], revisions.Revision]]:
        """The shard of a local source, its live revision if made for the source's
        stamp, and (under the shard lock) that or a new one."""
        shard, stamp = self._shard(src, editable)
        wanted = self.refresh is True or (
            not isinstance(self.refresh, bool) and src.name in set(self.refresh)
        )

        def current(locked: bool = False) -> revisions.Revision | None:
            if wanted and shard not in self._refreshed:
                return None
            return revisions.current(self.cache, shard, stamp, locked)

        def make() -> revisions.Revision:
            # Another thread may have refreshed this shard while we waited.
            revision = current(locked=True)
            if revision is None:
                revision = revisions.create(self.cache, shard, stamp)
                self._refreshed.add(shard)
            return revision

        return shard, current, make

    def _supported(self, source: Any) -> LocalSource | UrlSource:
        """The source, a registry source resolved to its sdist on the index."""
        src = Source.parse(source)
        if isinstance(src, RegistrySource):
            return src.resolve(self.index)
        if not isinstance(src, (LocalSource, UrlSource)):
            raise InvalidSourceError(f"{src.url}: this kind of source is not supported yet")
        return src

    def _fetch(self, src: UrlSource) -> revisions.Revision:
        """The revision holding the URL's archive, downloaded if its policy says so."""
        if isinstance(src, IndexSdistSource):
            shard = self.cache.shard("sdists", *src.shard_parts())
        else:
            shard = self.cache.shard("sdists", src.kind, _core.cache_digest(src.url))
        fetched = self.http.fetch_archive(
            src.location, shard, expected_hashes=dict(src.hashes) or None, package=src.name
        )
        return revisions.Revision(shard, fetched.revision)

    # ------------------------------------------------------------------ cache parts

    def _shard(self, src: LocalSource, editable: bool) -> tuple[Path, str]:
        kind = "editable" if editable else src.kind
        shard = self.cache.shard("sdists", kind, _core.cache_digest(src.url))
        pyproject = None
        if isinstance(src, LocalDirectorySource):
            try:
                pyproject = read_pyproject(src.path)
            except InvalidSourceError:
                pyproject = None
        try:
            stamp = revisions.stamp_of(src, pyproject)
        except OSError as err:
            raise InvalidSourceError(f"{src.path}: cannot be read: {err}") from err
        return shard, stamp

    def _settings_dir(self, src: Source, revision: revisions.Revision) -> Path:
        """Where the answers for ``src`` made with this builder's settings live: the config
        settings and, when they apply (isolated builds), the build constraints and the
        source's extra build dependencies are part of the key."""
        inputs = self._build_inputs(src)
        if not inputs:
            return revision.path / self._settings_key
        return revision.path / records.settings_key(self.config_settings, inputs)

    def _build_inputs(self, src: Source) -> list[str]:
        if not self.build_isolation:
            return []
        extra = self.extra_build_dependencies.get(src.name, ()) if src.name else ()
        return [f"constraint {c}" for c in self.build_constraints] + [
            f"requires {r}" for r in extra
        ]

    def _read_record(
        self, src: LocalSource | UrlSource, revision: revisions.Revision, locked: bool
    ) -> Metadata | None:
        """The recorded metadata, if its answer's seal vouches for it. Never writes; a
        damaged record is a miss, reported when ``locked`` (the caller then records the
        answer again)."""
        directory = self._settings_dir(src, revision)
        status, text = records.read_record(directory)
        metadata = parse_record(text) if status == "ok" else None
        if status == "ok" and metadata is None:
            status, text = "damaged", "the sealed record does not parse"
        if status == "damaged" and locked:
            _damaged(directory / "METADATA", f"{text}, checked with its {records.ANSWER}")
        return metadata

    def _write_record(
        self,
        src: LocalSource | UrlSource,
        revision: revisions.Revision,
        text: str,
        metadata: Metadata,
    ) -> None:
        directory = self._settings_dir(src, revision)
        self.cache.write_atomic(directory / "METADATA", text.encode("utf-8"))
        self._write_answer(src, directory, text, metadata)

    def _write_answer(
        self, src: LocalSource | UrlSource, directory: Path, text: str, metadata: Metadata
    ) -> None:
        """The printed forms of the answer, for the warm command line (``lookup``)."""
        data = records.metadata_json(metadata)
        answer = records.render_answer(
            text,
            _file_name_identity(src, metadata),
            json.dumps(data, indent=2),
            records.metadata_text(data),
        )
        self.cache.write_atomic(directory / records.ANSWER, answer.encode("utf-8"))

    def _cached_wheel(
        self, src: LocalSource | UrlSource, revision: revisions.Revision, locked: bool
    ) -> BuiltWheel | None:
        """The cached wheel, if it is the one recorded when it entered the cache (size
        and sha256) and its metadata record is sound. Without ``locked`` this only
        reads; under the lock a damaged wheel is removed (it is rebuilt) and a damaged
        metadata record beside a sound wheel is recorded again from the wheel."""
        wheel = compatible_wheel(self._settings_dir(src, revision) / "wheels")
        if wheel is None:
            return None
        status, why = _core.check_wheel(wheel)
        if status != "ok":
            if locked:
                if status == "damaged":
                    _damaged(wheel, why)
                _remove_wheel(wheel)
            return None
        metadata = self._read_record(src, revision, locked)
        if metadata is None:
            if not locked:
                return None
            try:
                metadata, text = read_wheel_metadata(wheel)
            except Exception:  # an unreadable cached wheel is a miss: it is rebuilt
                _remove_wheel(wheel)
                return None
            self._write_record(src, revision, text, metadata)
        return BuiltWheel(wheel, wheel.name, metadata)

    def _tree(self, src: LocalSource | UrlSource, revision: revisions.Revision) -> Path:
        """The source tree: the directory itself, or the archive extracted into the
        revision (a direct URL's archive is extracted as it downloads)."""
        if isinstance(src, LocalDirectorySource):
            return src.path
        tree = revision.path / "src"
        if isinstance(src, UrlSource):
            return _subdirectory(src, tree)
        if not tree.is_dir():
            extract(src.path, tree, strip_top_level=True)
        return tree

    # ------------------------------------------------------------------ backends

    def _static(
        self, src: LocalSource | UrlSource, tree: Path, pyproject: dict[str, Any] | None
    ) -> tuple[Metadata, str] | None:
        candidates = []
        # An sdist's PKG-INFO describes the project at its top, not a subdirectory's.
        whole_sdist = isinstance(src, UrlSource) and src.subdirectory is None
        if isinstance(src, LocalArchiveSource) or whole_sdist:
            candidates.append(static_metadata.from_pkg_info(tree))
        candidates.append(static_metadata.from_pyproject(pyproject, src.version))
        for found in candidates:
            if found is not None and _matches(found[0], src):
                return found
        return None

    def _backend(
        self,
        src: LocalSource | UrlSource,
        tree: Path,
        pyproject: dict[str, Any] | None,
        editable: bool,
    ) -> Backend:
        system = read_build_system(tree, pyproject)

        def backend_in(python: str, environ: dict[str, str] | None) -> Backend:
            return Backend(
                tree,
                system,
                python,
                environ,
                src,
                self.reporter,
                self._servers,
                self._hook_slots,
                temp_root=self.cache.bucket("tmp"),
            )

        if not self.build_isolation:
            return backend_in(sys.executable, None)
        envs = self._environment_manager()
        added = self.extra_build_dependencies.get(src.name, ()) if src.name else ()
        requires = [*system.requires, *added]
        env = envs.get(requires, self.reporter, src)
        backend = backend_in(str(env.python), env.environ())
        cfg = settings(self.config_settings)
        if editable:
            hook = "get_requires_for_build_editable"
            extra = backend.call(hook, lambda: backend.caller.get_requires_for_build_editable(cfg))
        else:
            hook = "get_requires_for_build_wheel"
            extra = backend.call(hook, lambda: backend.caller.get_requires_for_build_wheel(cfg))
        if not extra:
            return backend
        env = envs.get([*requires, *extra], self.reporter, src)
        return backend_in(str(env.python), env.environ())

    def _backend_metadata(
        self,
        src: LocalSource | UrlSource,
        tree: Path,
        pyproject: dict[str, Any] | None,
        revision: revisions.Revision,
    ) -> tuple[Metadata, str]:
        editable = isinstance(src, LocalDirectorySource) and src.editable
        backend = self._backend(src, tree, pyproject, editable)
        cfg = settings(self.config_settings)
        staging = Path(self.cache.layout.temp_dir())
        try:
            if editable:
                hook = "prepare_metadata_for_build_editable"
                method = backend.caller.prepare_metadata_for_build_editable
            else:
                hook = "prepare_metadata_for_build_wheel"
                method = backend.caller.prepare_metadata_for_build_wheel
            try:
                name = backend.call(
                    hook, lambda: method(str(staging), cfg, _allow_fallback=False), optional=True
                )
            except HookMissing:
                # No such hook: the metadata comes from a wheel, which is kept.
                _, built, built_text = self._run_build(backend, src, revision, editable)
                return built, built_text
            text = (staging / name / "METADATA").read_text(encoding="utf-8")
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        metadata = parse_record(text)
        if metadata is None:
            raise InvalidSourceError(f"{src.url}: the backend wrote unusable metadata")
        return metadata, text

    def _backend_wheel(
        self,
        src: LocalSource | UrlSource,
        tree: Path,
        pyproject: dict[str, Any] | None,
        revision: revisions.Revision,
        editable: bool,
    ) -> tuple[Path, Metadata, str]:
        backend = self._backend(src, tree, pyproject, editable)
        return self._run_build(backend, src, revision, editable)

    def _run_build(
        self,
        backend: Backend,
        src: LocalSource | UrlSource,
        revision: revisions.Revision,
        editable: bool,
    ) -> tuple[Path, Metadata, str]:
        """Builds a wheel and, once it is known to be the wheel asked for (name and
        version of request, filename and METADATA agree), moves it into the cache."""
        cfg = settings(self.config_settings)
        staging = Path(self.cache.layout.temp_dir())
        try:
            if editable:
                name = backend.call(
                    "build_editable", lambda: backend.caller.build_editable(str(staging), cfg)
                )
            else:
                name = backend.call(
                    "build_wheel", lambda: backend.caller.build_wheel(str(staging), cfg)
                )
            metadata, text = read_wheel_metadata(staging / name)
            check_identity(metadata, src.name, src.version, name, origin=src.url)
            wheels = self._settings_dir(src, revision) / "wheels"
            wheels.mkdir(parents=True, exist_ok=True)
            target = wheels / name
            # The wheel's sha256 is recorded first: a reader never sees it unrecorded.
            _core.seal_wheel(staging / name, target)
            os.replace(staging / name, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return target, metadata, text

    def _environment_manager(self) -> EnvironmentManager:
        # Worker threads of *_many get here together; the installer is looked up once
        # (the lookup itself is not thread-safe on every Python: sysconfig on 3.11).
        with self._environments_lock:
            if self._environments is None:
                installer = find_installer(self._installer_choice)
                self._environments = EnvironmentManager(
                    self.cache, installer, self.index_config, self.build_constraints
                )
            return self._environments


def _damaged(path: Path, why: str) -> None:
    _log.warning("damaged cache record %s (%s): it is made again", path, why)


def _remove_wheel(wheel: Path) -> None:
    """A cached wheel and its record (with the shard locked)."""
    wheel.unlink(missing_ok=True)
    wheel.with_name(wheel.name + _core.WHEEL_RECORD_SUFFIX).unlink(missing_ok=True)


def _subdirectory(src: UrlSource, tree: Path) -> Path:
    if src.subdirectory is None:
        return tree
    inner = (tree / src.subdirectory).resolve()
    if tree.resolve() not in inner.parents or not inner.is_dir():
        raise InvalidSourceError(
            f"{src.url}: {src.subdirectory!r} is not a directory in the archive"
        )
    return inner


def _file_name_identity(src: LocalSource | UrlSource, metadata: Metadata) -> str:
    """Whether the metadata has the name and version the archive's file name states
    ("match", "mismatch"; "none" when it states none, as a directory): what a request
    naming the plain path is checked against. For an sdist from the index: whether it
    has the name and version it was listed for (what a warm registry spec checks)."""
    if isinstance(src, IndexSdistSource):
        return "match" if _matches(metadata, src) else "mismatch"
    if not isinstance(src, LocalArchiveSource):
        return "none"
    try:
        name, version = parse_sdist_filename(src.path.name)
    except InvalidSdistFilename:
        return "none"
    stated = LocalArchiveSource(path=src.path, name=name, version=str(version))
    return "match" if _matches(metadata, stated) else "mismatch"


def _matches(metadata: Metadata, src: Source) -> bool:
    """Static metadata is used only when it agrees with what was asked for."""
    if src.name is not None and canonicalize_name(metadata.name) != src.name:
        return False
    return not (src.version is not None and Version(str(metadata.version)) != Version(src.version))
