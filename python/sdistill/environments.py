"""Build environments: virtual environments holding exactly a set of build requirements,
kept in the cache and reused by every later build that needs the same set.

``environments-v1/<digest>/`` where the digest covers the interpreter (its real path and
version), the sorted requirements and where they are installed from. An environment is
created under its shard lock and marked complete (``.sdistill-complete``) only once fully
installed; one without the mark is a leftover of a failed or killed creation and is
rebuilt, never used. Two processes needing the same environment create it once: the
second waits on the lock and then finds it complete.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement

from sdistill import _core
from sdistill.cache import Cache
from sdistill.errors import BuildError
from sdistill.installers import IndexConfig, Installer
from sdistill.reporter import logger

__all__ = ["BuildEnvironment", "EnvironmentManager"]

_COMPLETE = ".sdistill-complete"


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
    """Creates and reuses build environments in one cache."""

    def __init__(self, cache: Cache, installer: Installer, index: IndexConfig) -> None:
        self._cache = cache
        self._installer = installer
        self._index = index
        self._python = os.path.realpath(sys.executable)

    def get(self, requirements: list[str]) -> BuildEnvironment:
        """The environment holding exactly ``requirements`` (created if needed)."""
        reqs = normalize_requirements(requirements)
        key = "\n".join(
            [
                f"python={self._python}",
                f"version={sys.version}",
                f"index={self._index.key()}",
                *reqs,
            ]
        )
        shard = self._cache.shard("environments", _core.key_digest(key))
        env = _environment_at(shard)
        if _usable(shard, env):
            return env
        with self._cache.lock(shard):
            if _usable(shard, env):
                return env
            if shard.exists():
                logger.warning("rebuilding the incomplete or broken build environment %s", shard)
                shutil.rmtree(shard)
            started = time.monotonic()
            try:
                self._installer.create(shard, self._python)
                self._installer.install(env.python, reqs, self._index)
            except BaseException:
                shutil.rmtree(shard, ignore_errors=True)
                raise
            self._cache.write_atomic(shard / _COMPLETE, "\n".join(reqs).encode() + b"\n")
            logger.info(
                "created build environment with %s in %.1fs",
                ", ".join(reqs) or "nothing",
                time.monotonic() - started,
            )
        return env


def _usable(root: Path, env: BuildEnvironment) -> bool:
    """Complete (the mark is written last) and still holding its interpreter."""
    return (root / _COMPLETE).is_file() and os.path.exists(env.python)


def _environment_at(root: Path) -> BuildEnvironment:
    scripts = root / ("Scripts" if os.name == "nt" else "bin")
    return BuildEnvironment(python=scripts / "python", scripts=scripts)
