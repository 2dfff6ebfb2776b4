"""The installers that fill build environments: ``uv`` when it can be found, else ``pip``.

Both get the same view of the world as sdistill itself: its index URL (or none), extra
index URLs, find-links and offline mode -- and sdistill's build constraints, as a file
it wrote, given with ``--constraint`` (never the user's ``UV_CONSTRAINT``,
``UV_BUILD_CONSTRAINT`` or ``PIP_CONSTRAINT``: those are dropped from their environment).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sdistill import lookup
from sdistill.errors import BuildError

__all__ = ["DEFAULT_INDEX_URL", "IndexConfig", "Installer", "find_installer"]

#: The index used when none is given.
DEFAULT_INDEX_URL = lookup.DEFAULT_INDEX_URL


@dataclass(frozen=True)
class IndexConfig:
    """Where packages come from. ``index_url=None`` means no index (find-links only)."""

    index_url: str | None = DEFAULT_INDEX_URL
    extra_index_urls: tuple[str, ...] = ()
    find_links: tuple[str, ...] = ()
    offline: bool = False

    def key(self) -> str:
        """What of this goes into an environment's cache key (it decides what gets in)."""
        return "|".join([self.index_url or "-", *self.extra_index_urls, "#", *self.find_links])


@dataclass(frozen=True)
class Installer:
    """One installer program and how to call it."""

    name: str
    executable: str

    def create(self, target: Path, python: str) -> None:
        """Create an empty virtual environment at ``target`` for interpreter ``python``."""
        if self.name == "uv":
            command = [
                self.executable,
                "venv",
                "--quiet",
                "--no-config",
                "--python",
                python,
                str(target),
            ]
        else:
            command = [python, "-m", "venv", "--without-pip", str(target)]
        self._run(command, "creating the build environment")

    def install(
        self,
        python: Path,
        requirements: Sequence[str],
        index: IndexConfig,
        constraints: Path | None = None,
    ) -> None:
        """Install ``requirements`` into the environment of ``python``, within the
        constraints file ``constraints`` if given."""
        if not requirements:
            return
        if self.name == "uv":
            command = [
                self.executable,
                "pip",
                "install",
                "--quiet",
                "--no-config",
                "--python",
                str(python),
            ]
        else:
            command = [
                self.executable,
                "-m",
                "pip",
                "--python",
                str(python),
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--no-input",
            ]
        if index.index_url is None:
            command.append("--no-index")
        else:
            command += ["--index-url", index.index_url]
        for url in index.extra_index_urls:
            command += ["--extra-index-url", url]
        for link in index.find_links:
            command += ["--find-links", link]
        if index.offline:
            command.append("--offline" if self.name == "uv" else "--no-index")
        if constraints is not None:
            command += ["--constraint", str(constraints)]
        command += ["--", *requirements]
        self._run(command, "installing the build requirements " + ", ".join(requirements))

    def _run(self, command: list[str], what: str) -> None:
        env = _isolated_environ()
        result = subprocess.run(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=env,
            check=False,
        )
        if result.returncode != 0:
            output = result.stdout.decode("utf-8", "replace").splitlines()
            tail = output[-40:]
            raise BuildError(
                f"{self.name} failed {what} (exit code {result.returncode}):\n" + "\n".join(tail),
                hook="environment",
                exit_code=result.returncode,
                output_tail=tail,
            )


# Installer settings that only say where caches live or how to reach the network; every
# other UV_* / PIP_* variable (indexes, constraints, find-links, ...) is dropped so that
# a build environment holds what sdistill asked for and nothing a user's setup adds.
_KEPT_SETTINGS = {
    "UV_CACHE_DIR",
    "UV_NATIVE_TLS",
    "UV_HTTP_TIMEOUT",
    "PIP_CACHE_DIR",
    "PIP_CERT",
    "PIP_CLIENT_CERT",
    "PIP_DEFAULT_TIMEOUT",
}


def _isolated_environ() -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("UV_", "PIP_")) or key in _KEPT_SETTINGS
    }
    env.pop("VIRTUAL_ENV", None)
    env.pop("PYTHONPATH", None)
    env["PIP_CONFIG_FILE"] = os.devnull  # no pip.conf either (uv: --no-config)
    return env


def find_installer(preference: str | None = None) -> Installer:
    """``uv`` (on ``PATH`` or from the ``uv`` Python package) unless ``pip`` is asked for."""
    if preference not in (None, "uv", "pip"):
        raise ValueError(f"unknown installer {preference!r} (expected 'uv' or 'pip')")
    if preference != "pip":
        uv = _find_uv()
        if uv is not None:
            return Installer("uv", uv)
        if preference == "uv":
            raise BuildError(
                "the uv installer was asked for but cannot be found", hook="environment"
            )
    return Installer("pip", sys.executable)


def _find_uv() -> str | None:
    try:
        from uv import find_uv_bin  # type: ignore[import-not-found,unused-ignore]  # noqa: PLC0415

        found = str(find_uv_bin())
        if os.path.isfile(found):
            return found
    except (ImportError, FileNotFoundError):
        pass
    return shutil.which("uv")
