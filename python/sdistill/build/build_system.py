"""Which PEP 517 backend builds a tree, and with what (``[build-system]``)."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sdistill.errors import InvalidSourceError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.9/3.10 only
    import tomli as tomllib  # type: ignore[import-not-found,no-redef,unused-ignore]

__all__ = ["LEGACY_BACKEND", "BuildSystem", "read_build_system", "read_pyproject"]

#: What builds a tree that does not say (PEP 517's fallback, as pip and uv do).
LEGACY_BACKEND = "setuptools.build_meta:__legacy__"
LEGACY_REQUIRES = ("setuptools>=40.8.0",)


@dataclass(frozen=True)
class BuildSystem:
    """The backend of a source tree and what it needs installed."""

    backend: str
    requires: tuple[str, ...]
    #: Directories (inside the tree) prepended to ``sys.path`` to find an in-tree backend.
    backend_path: tuple[str, ...] = ()


def read_pyproject(tree: Path) -> dict[str, Any] | None:
    """The parsed ``pyproject.toml`` of ``tree``, or ``None`` without one."""
    path = tree / "pyproject.toml"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as err:
        raise InvalidSourceError(f"{path}: cannot be read: {err}") from err
    try:
        parsed: dict[str, Any] = tomllib.loads(text)
        return parsed
    except tomllib.TOMLDecodeError as err:
        raise InvalidSourceError(f"{path}: not valid TOML: {err}") from err


def read_build_system(tree: Path, pyproject: dict[str, Any] | None) -> BuildSystem:
    """The build system of ``tree``; invalid declarations raise ``InvalidSourceError``."""
    path = tree / "pyproject.toml"
    table = (pyproject or {}).get("build-system")
    if table is None:
        if pyproject is None and not (tree / "setup.py").is_file():
            raise InvalidSourceError(
                f"{tree}: neither pyproject.toml nor setup.py found; this is not a Python project"
            )
        return BuildSystem(LEGACY_BACKEND, LEGACY_REQUIRES)
    if not isinstance(table, dict):
        raise InvalidSourceError(f"{path}: [build-system] must be a table")
    requires = table.get("requires")
    if not isinstance(requires, list) or not all(isinstance(r, str) for r in requires):
        raise InvalidSourceError(f"{path}: build-system.requires must be a list of strings")
    backend = table.get("build-backend", LEGACY_BACKEND)
    if not isinstance(backend, str) or not backend.strip():
        raise InvalidSourceError(f"{path}: build-system.build-backend must be a string")
    backend_path = table.get("backend-path", [])
    if not isinstance(backend_path, list) or not all(isinstance(p, str) for p in backend_path):
        raise InvalidSourceError(f"{path}: build-system.backend-path must be a list of strings")
    root = tree.resolve()
    for entry in backend_path:
        resolved = (root / entry).resolve()
        if resolved != root and root not in resolved.parents:
            raise InvalidSourceError(
                f"{path}: build-system.backend-path entry {entry!r} lies outside the source tree"
            )
    return BuildSystem(backend.strip(), tuple(requires), tuple(backend_path))
