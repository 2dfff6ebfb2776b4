"""Build environments: virtual environments holding exactly a set of build requirements,
kept in the cache and reused by every later build that needs the same set.

``environments-v1/<digest>/`` where the digest covers the interpreter (its real path and
version), the sorted requirements and where they are installed from. An environment is
created under its shard lock and marked complete (``.sdistill-complete``, a JSON record
of what was asked for and what got installed) only once fully installed; one without
the mark is a leftover of a failed or killed creation and is rebuilt, never used. Two
processes needing the same environment create it once: the second waits on the lock
and then finds it complete.

Requirement sets that differ only in spelling or in bounds the installed versions
already meet -- ``setuptools`` and ``setuptools>=40.8.0``, or a backend's
``get_requires_for_build_wheel`` asking again for ``wheel`` -- would build the same
environment twice. So before creating one, the complete environments of the same
interpreter and indexes are consulted: one built for the same projects whose installed
versions satisfy every requirement is used instead.

Build constraints (``SourceDistBuilder(build_constraints=...)``, ``--build-constraint``,
``SDISTILL_BUILD_CONSTRAINT``) bound what the installer may pick for every environment
-- ``setuptools<81`` for a project that still imports ``pkg_resources``. sdistill writes
them to ``.sdistill-constraints.txt`` in the environment and hands that file to uv or
pip as ``--constraint``; they are part of the environment's key and of the context an
environment is reused in, so a constrained set never uses an environment made without
its constraints (or with others), and an unconstrained set never uses a constrained one.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import InvalidName, NormalizedName, canonicalize_name
from packaging.version import Version

from sdistill import _core
from sdistill.cache import Cache
from sdistill.errors import BuildError, SdistillError
from sdistill.installers import IndexConfig, Installer
from sdistill.reporter import Reporter, logger
from sdistill.sources import Source

__all__ = [
    "CONSTRAINT_ENV_VAR",
    "BuildEnvironment",
    "EnvironmentManager",
    "constraints_of",
    "extra_dependencies_of",
    "read_constraints",
]

_COMPLETE = ".sdistill-complete"
_CONSTRAINTS = ".sdistill-constraints.txt"
#: The constraints file used when the builder is given none (a path).
CONSTRAINT_ENV_VAR = "SDISTILL_BUILD_CONSTRAINT"
# A comment: "#" at the start of a line or after white space (a URL's "#" is kept).
_COMMENT = re.compile(r"(^|\s)#.*$")


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


def read_constraints(path: str | os.PathLike[str]) -> list[str]:
    """The constraints of a constraints file: one requirement a line (``packaging``'s
    spelling), blank lines and ``#`` comments allowed. An invalid line is an
    ``SdistillError`` naming the file and the line; an unreadable file an ``OSError``."""
    text = Path(path).read_text(encoding="utf-8")
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        content = _COMMENT.sub("", line).strip()
        if content:
            found.append(_constraint(content, f"{os.fspath(path)}, line {number}"))
    return found


def constraints_of(given: str | os.PathLike[str] | Iterable[str] | None) -> list[str]:
    """The build constraints of a builder, sorted and de-duplicated: ``given`` as a path
    to a constraints file or as requirement strings; when ``None``, the file
    ``$SDISTILL_BUILD_CONSTRAINT`` names (if set), else none."""
    if given is None:
        path = os.environ.get(CONSTRAINT_ENV_VAR)
        return sorted(set(read_constraints(path))) if path else []
    if isinstance(given, (str, os.PathLike)):
        return sorted(set(read_constraints(given)))
    return sorted({_constraint(text, "build constraint") for text in given})


def extra_dependencies_of(
    given: Mapping[str, Iterable[str]] | None,
) -> dict[NormalizedName, tuple[str, ...]]:
    """Extra build dependencies by normalised project name, each checked."""
    found: dict[NormalizedName, tuple[str, ...]] = {}
    for name, requirements in (given or {}).items():
        checked = []
        for text in [requirements] if isinstance(requirements, str) else requirements:
            try:
                checked.append(str(Requirement(text)))
            except InvalidRequirement as err:
                raise SdistillError(
                    f"extra build dependency of {name}: invalid requirement {text!r}: {err}"
                ) from err
        try:
            key = canonicalize_name(name, validate=True)
        except InvalidName as err:
            raise SdistillError(f"extra build dependencies: invalid project name {name!r}") from err
        found[key] = (*found.get(key, ()), *checked)
    return found


def _constraint(text: str, where: str) -> str:
    if text.startswith("-"):
        raise SdistillError(
            f"{where}: {text!r}: a build constraint is a requirement; options are not read"
        )
    try:
        requirement = Requirement(text)
    except InvalidRequirement as err:
        raise SdistillError(f"{where}: invalid build constraint {text!r}: {err}") from err
    if requirement.extras:
        raise SdistillError(f"{where}: a build constraint cannot name extras: {text!r}")
    return str(requirement)


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
        shard = self._cache.shard("environments", _core.key_digest("\n".join([context, *reqs])))
        env = _environment_at(shard)
        if _usable(shard, env):
            return env
        reused = self._satisfying(context, reqs)
        if reused is not None:
            return reused
        with self._cache.lock(shard):
            if _usable(shard, env):
                return env
            if shard.exists():
                logger.warning("rebuilding the incomplete or broken build environment %s", shard)
                shutil.rmtree(shard)
            started = time.monotonic()
            if reporter is not None and source is not None:
                reporter.on_build_start(source, "environment")
            try:
                self._installer.create(shard, self._python)
                constraints = None
                if self._constraints:
                    constraints = shard / _CONSTRAINTS
                    text = "".join(f"{c}\n" for c in self._constraints)
                    self._cache.write_atomic(constraints, text.encode())
                self._installer.install(env.python, reqs, self._index, constraints)
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
            self._cache.write_atomic(shard / _COMPLETE, json.dumps(record, indent=1).encode())
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
        for mark in self._cache.bucket("environments").glob(f"*/{_COMPLETE}"):
            try:
                record = json.loads(mark.read_text(encoding="utf-8"))
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
                if _usable(mark.parent, env):
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


def _usable(root: Path, env: BuildEnvironment) -> bool:
    """Complete (the mark is written last) and still holding its interpreter."""
    return (root / _COMPLETE).is_file() and os.path.exists(env.python)


def _environment_at(root: Path) -> BuildEnvironment:
    scripts = root / ("Scripts" if os.name == "nt" else "bin")
    return BuildEnvironment(python=scripts / "python", scripts=scripts)
