"""Build environments: virtual environments holding exactly a set of build requirements,
kept in the cache and reused by every later build that needs the same set.

An environment's shard (``Cache.environment_shard``; its paths come from the core's
``cache/names.rs``) is named by a digest that covers the interpreter (its real path and
version), the sorted requirements and where they are installed from (the index URLs
redacted: a password is never written down, and changing it keeps the environments).
An environment is created under its shard lock and marked complete (its mark,
``Cache.environment_mark``: a JSON record of what was asked for and what got installed,
sealed over its exact bytes and the environment's name) only once fully installed; one
without a mark its seal vouches for is a leftover of a failed or killed creation, or
damaged, and is rebuilt (with a warning), never used. Two processes needing the same
environment create it once: the second waits on the lock and then finds it complete.

Requirement sets that differ only in spelling or in bounds the installed versions
already meet -- ``setuptools`` and ``setuptools>=40.8.0``, or a backend's
``get_requires_for_build_wheel`` asking again for ``wheel`` -- would build the same
environment twice. So before creating one, the complete environments of the same
interpreter and indexes are consulted: one built for the same projects whose installed
versions satisfy every requirement is used instead.

Build constraints (``sdistill.build.constraints``) bound what the installer may pick for
every environment -- ``setuptools<81`` for a project that still imports
``pkg_resources``. sdistill writes
them to a file in the environment (``Cache.environment_constraints``) and hands that file to uv or
pip as ``--constraint``; they are part of the environment's key and of the context an
environment is reused in, so a constrained set never uses an environment made without
its constraints (or with others), and an unconstrained set never uses a constrained one.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from sdistill import records
from sdistill.build.installers import IndexConfig, Installer
from sdistill.cache import Cache
from sdistill.errors import BuildError
from sdistill.reporter import Reporter, logger
from sdistill.sources import Source

__all__ = ["BuildEnvironment", "EnvironmentManager"]


@dataclass(frozen=True)
class BuildEnvironment:
    """Where hooks run: the environment's interpreter and scripts directory."""

    python: Path
    scripts: Path

    def environ(self) -> dict[str, str]:
        """Environment variables for a process running in this environment."""
        env = dict(os.environ)
        env.pop("PYTHONPATH", None)
        env.pop("PYTHONHOME", None)
        env["VIRTUAL_ENV"] = str(self.scripts.parent)
        env["PATH"] = os.pathsep.join([str(self.scripts), env.get("PATH", "")])
        return env


def normalize_requirements(requirements: list[str] | tuple[str, ...]) -> list[str]:
    """Sorted, de-duplicated, in ``packaging``'s spelling; invalid ones are build errors."""
    out = set()
    for text in requirements:
        try:
            out.add(str(Requirement(text)))
        except InvalidRequirement as err:
            raise BuildError(f"invalid build requirement {text!r}: {err}") from err
    return sorted(out)


class EnvironmentManager:
    """Creates and reuses build environments in one cache, their installs bounded by
    ``constraints`` (requirement strings, as ``constraints_of`` returns them)."""

    def __init__(
        self,
        cache: Cache,
        installer: Installer,
        index: IndexConfig,
        constraints: Sequence[str] = (),
    ) -> None:
        self._cache = cache
        self._installer = installer
        self._index = index
        self._constraints = sorted(set(constraints))
        self._python = os.path.realpath(sys.executable)

    def get(
        self,
        requirements: list[str],
        reporter: Reporter | None = None,
        source: Source | None = None,
    ) -> BuildEnvironment:
        """The environment holding exactly ``requirements`` (created if needed; the
        creation is reported as the hook ``"environment"`` of ``source``)."""
        reqs = normalize_requirements(requirements)
        context = "\n".join(
            [
                f"python={self._python}",
                f"version={sys.version}",
                f"index={self._index.key()}",
                # Only when there are any: the keys of unconstrained environments stay.
                *(f"constraint={c}" for c in self._constraints),
            ]
        )
        shard = self._cache.environment_shard("\n".join([context, *reqs]))
        env = _environment_at(shard)
        if _usable(self._cache, shard, env):
            return env
        reused = self._satisfying(context, reqs)
        if reused is not None:
            return reused
        with self._cache.lock(shard):
            if _usable(self._cache, shard, env):
                return env
            if shard.exists():
                status, why = _read_mark(self._cache, shard)
                if status == "damaged":
                    logger.warning("damaged build environment mark %s (%s): rebuilding", shard, why)
                else:
                    logger.warning("rebuilding the incomplete build environment %s", shard)
                shutil.rmtree(shard)
            started = time.monotonic()
            if reporter is not None and source is not None:
                reporter.on_build_start(source, "environment")
            try:
                self._installer.create(shard, self._python)
                constraints = None
                if self._constraints:
                    constraints = self._cache.environment_constraints(shard)
                    text = "".join(f"{c}\n" for c in self._constraints)
                    self._cache.write_atomic(constraints, text.encode())
                self._installer.install(
                    env.python, reqs, self._index, constraints, scratch=self._cache.temp_root
                )
            except BaseException:
                shutil.rmtree(shard, ignore_errors=True)
                raise
            finally:
                if reporter is not None and source is not None:
                    reporter.on_build_finish(source, "environment", time.monotonic() - started)
            record = {
                "context": context,
                "requirements": reqs,
                "constraints": self._constraints,
                "installed": _installed(shard),
            }
            text = records.render_sealed(_mark_kind(shard), json.dumps(record, indent=1))
            self._cache.write_atomic(self._cache.environment_mark(shard), text.encode())
            logger.info(
                "created build environment with %s in %.1fs",
                ", ".join(reqs) or "nothing",
                time.monotonic() - started,
            )
        return env

    def _satisfying(self, context: str, reqs: list[str]) -> BuildEnvironment | None:
        """A complete environment, made for the same projects in the same context (the
        same constraints too), whose installed versions meet every requirement of
        ``reqs``."""
        wanted = [Requirement(r) for r in reqs]
        wanted = [r for r in wanted if r.marker is None or r.marker.evaluate({"extra": ""})]
        if any(r.extras or r.url for r in wanted):
            return None
        names = {canonicalize_name(r.name) for r in wanted}
        for mark in self._cache.environment_marks():
            status, body = _read_mark(self._cache, mark.parent)
            if status != "ok":
                continue  # not vouched for by its seal: never reused
            try:
                record = json.loads(body)
                if record.get("context") != context:
                    continue
                made_for = {canonicalize_name(Requirement(r).name) for r in record["requirements"]}
                pairs = record["installed"].items()
                installed = {canonicalize_name(k): Version(v) for k, v in pairs}
            except (OSError, ValueError, KeyError, TypeError, AttributeError):
                continue  # an older or damaged record (bad JSON, requirement or version)
            if made_for != names:
                continue
            if all(
                canonicalize_name(r.name) in installed
                and r.specifier.contains(installed[canonicalize_name(r.name)], prereleases=True)
                for r in wanted
            ):
                env = _environment_at(mark.parent)
                if _usable(self._cache, mark.parent, env):
                    logger.debug("reusing build environment %s for %s", mark.parent, reqs)
                    return env
        return None


def _installed(root: Path) -> dict[str, str]:
    """Distribution name -> version of what an environment holds (from .dist-info names)."""
    found = {}
    for info in root.glob("lib*/python*/site-packages/*.dist-info"):
        name, _, version = info.name[: -len(".dist-info")].rpartition("-")
        if name and version:
            found[str(canonicalize_name(name))] = version
    return found


def _usable(cache: Cache, root: Path, env: BuildEnvironment) -> bool:
    """Complete (the mark is written last, and its seal holds) and still holding its
    interpreter."""
    return _read_mark(cache, root)[0] == "ok" and os.path.exists(env.python)


def _mark_kind(root: Path) -> str:
    """The kind a mark is sealed as: it names the environment, so a mark copied into
    another environment does not vouch for it."""
    return f"environment {root.name}"


def _read_mark(cache: Cache, root: Path) -> tuple[str, str]:
    """``(status, body)`` of an environment's mark, as ``records.read_sealed`` reads it
    (``ok``, ``missing``, ``old``, ``damaged``); a mark of the unsealed format that came
    before is ``old``."""
    try:
        data = cache.environment_mark(root).read_bytes()
    except FileNotFoundError:
        return "missing", ""
    except OSError as err:
        return "damaged", str(err)
    if data.startswith(b"{"):
        return "old", ""
    read = records.read_sealed(_mark_kind(root), data)
    return read.status, read.value


def _environment_at(root: Path) -> BuildEnvironment:
    scripts = root / ("Scripts" if os.name == "nt" else "bin")
    return BuildEnvironment(python=scripts / "python", scripts=scripts)
