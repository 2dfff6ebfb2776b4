"""Running a source tree's build backend: the environment it runs in, and its hooks.

``Backends`` is the builder's part that runs hooks. For a tree it reads
``[build-system]``, gets a build environment (``environments``: cached, filled by uv or
pip, under the builder's build constraints, with the project's extra build
dependencies) -- or the running interpreter without build isolation --, asks the
backend for its further requirements, and calls the hook through ``pep517`` (warm
hook servers, at most ``jobs`` hooks at once). A wheel enters the cache only once it
is known to be the one asked for: the name and version of the request, of its filename
and of its ``METADATA`` agree; its seal is written before it is renamed in.
"""

from __future__ import annotations

import os
import shutil
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from packaging.metadata import Metadata

from sdistill import _core
from sdistill.build.build_system import read_build_system
from sdistill.build.environments import EnvironmentManager
from sdistill.build.hook_server import HookServerPool
from sdistill.build.installers import IndexConfig, find_installer
from sdistill.build.pep517 import Backend, HookMissing, settings
from sdistill.build.wheels import check_identity, parse_record, read_wheel_metadata
from sdistill.cache import Cache
from sdistill.errors import InvalidSourceError
from sdistill.reporter import Reporter
from sdistill.sources.base import Source

__all__ = ["Backends"]


class Backends:
    """The hooks of every source one builder builds."""

    def __init__(
        self,
        cache: Cache,
        index_config: IndexConfig,
        *,
        build_isolation: bool,
        config_settings: Mapping[str, Any],
        build_constraints: tuple[str, ...],
        extra_build_dependencies: Mapping[str, tuple[str, ...]],
        installer: str | None,
        reporter: Reporter,
        jobs: int,
    ) -> None:
        self._cache = cache
        self._index_config = index_config
        self._isolation = build_isolation
        self._settings = settings(dict(config_settings))
        self._constraints = build_constraints
        self._extra = extra_build_dependencies
        self._installer = installer
        self._reporter = reporter
        # At most `jobs` hooks run at once, whatever the number of worker threads.
        self._slots = threading.BoundedSemaphore(jobs)
        self._environments: EnvironmentManager | None = None
        self._environments_lock = threading.Lock()
        # Warm processes that fork each hook (see hook_server); stopped by close().
        self.servers = HookServerPool()

    def close(self) -> None:
        self.servers.close()

    def metadata(
        self, src: Source, tree: Path, pyproject: dict[str, Any] | None, answers: _core.Answers
    ) -> tuple[Metadata, str]:
        """``prepare_metadata_for_build_{wheel,editable}``; a backend without the hook
        builds a wheel, which is kept in ``answers``."""
        backend = self._backend(src, tree, pyproject)
        staging = self._cache.staging_dir()
        try:
            if src.editable:
                hook = "prepare_metadata_for_build_editable"
                method = backend.caller.prepare_metadata_for_build_editable
            else:
                hook = "prepare_metadata_for_build_wheel"
                method = backend.caller.prepare_metadata_for_build_wheel
            cfg = self._settings
            try:
                name = backend.call(
                    hook, lambda: method(str(staging), cfg, _allow_fallback=False), optional=True
                )
            except HookMissing:
                # No such hook: the metadata comes from a wheel, which is kept.
                _, built, built_text = self._run_build(backend, src, answers)
                return built, built_text
            text = (staging / name / "METADATA").read_text(encoding="utf-8")
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        metadata = parse_record(text)
        if metadata is None:
            raise InvalidSourceError(f"{src.url}: the backend wrote unusable metadata")
        return metadata, text

    def wheel(
        self, src: Source, tree: Path, pyproject: dict[str, Any] | None, answers: _core.Answers
    ) -> tuple[Path, Metadata, str]:
        """``build_wheel`` (or ``build_editable``), the wheel moved into ``answers``."""
        return self._run_build(self._backend(src, tree, pyproject), src, answers)

    def _backend(self, src: Source, tree: Path, pyproject: dict[str, Any] | None) -> Backend:
        system = read_build_system(tree, pyproject)

        def backend_in(python: str, environ: dict[str, str] | None) -> Backend:
            return Backend(
                tree,
                system,
                python,
                environ,
                src,
                self._reporter,
                self.servers,
                self._slots,
                temp_root=self._cache.temp_root,
            )

        if not self._isolation:
            return backend_in(sys.executable, None)
        envs = self._environment_manager()
        added = self._extra.get(src.name, ()) if src.name else ()
        requires = [*system.requires, *added]
        env = envs.get(requires, self._reporter, src)
        backend = backend_in(str(env.python), env.environ())
        cfg = self._settings
        if src.editable:
            hook = "get_requires_for_build_editable"
            extra = backend.call(hook, lambda: backend.caller.get_requires_for_build_editable(cfg))
        else:
            hook = "get_requires_for_build_wheel"
            extra = backend.call(hook, lambda: backend.caller.get_requires_for_build_wheel(cfg))
        if not extra:
            return backend
        env = envs.get([*requires, *extra], self._reporter, src)
        return backend_in(str(env.python), env.environ())

    def _run_build(
        self, backend: Backend, src: Source, answers: _core.Answers
    ) -> tuple[Path, Metadata, str]:
        cfg = self._settings
        staging = self._cache.staging_dir()
        try:
            if src.editable:
                name = backend.call(
                    "build_editable", lambda: backend.caller.build_editable(str(staging), cfg)
                )
            else:
                name = backend.call(
                    "build_wheel", lambda: backend.caller.build_wheel(str(staging), cfg)
                )
            metadata, text = read_wheel_metadata(staging / name)
            check_identity(metadata, src.name, src.version, name, origin=src.url)
            wheels = Path(answers.wheels)
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
                installer = find_installer(self._installer)
                self._environments = EnvironmentManager(
                    self._cache, installer, self._index_config, list(self._constraints)
                )
            return self._environments
