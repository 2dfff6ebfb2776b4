"""Core metadata without running the backend, where the source states it reliably.

- An sdist's ``PKG-INFO`` of Metadata-Version 2.2 or later is trusted unless it marks
  ``Requires-Dist``, ``Requires-Python`` or ``Provides-Extra`` as ``Dynamic`` (PEP 643:
  what is not dynamic must equal what a wheel built from the sdist says).
- A ``pyproject.toml`` ``[project]`` table is trusted when ``dependencies``,
  ``optional-dependencies`` and ``requires-python`` are not dynamic (PEP 621 forbids a
  backend to change static fields) and its version is static or already known.

The metadata returned carries the fields a resolver needs: name, version,
requires-python, requires-dist and provides-extra. The builder then checks name and
version against the request and falls back to the backend on any disagreement.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from packaging.metadata import Metadata, RawMetadata, parse_email
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from sdistill.build.wheels import parse_record

__all__ = ["from_pkg_info", "from_pyproject", "metadata_text"]

_DEPENDENCY_FIELDS = {"requires-dist", "requires-python", "provides-extra"}


def from_pkg_info(tree: Path) -> tuple[Metadata, str] | None:
    """Trustworthy metadata of an sdist's ``PKG-INFO`` (and its text), else ``None``."""
    try:
        text = (tree / "PKG-INFO").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    raw, _ = parse_email(text)
    try:
        if Version(raw.get("metadata_version", "0")) < Version("2.2"):
            return None
    except InvalidVersion:
        return None
    dynamic = {field.lower() for field in raw.get("dynamic", [])}
    if dynamic & _DEPENDENCY_FIELDS or "name" not in raw or "version" not in raw:
        return None
    metadata = parse_record(text)
    return (metadata, text) if metadata is not None else None


def from_pyproject(
    pyproject: dict[str, Any] | None, version: str | None
) -> tuple[Metadata, str] | None:
    """Metadata stated by a static ``[project]`` table (and its METADATA text), else ``None``."""
    project = (pyproject or {}).get("project")
    if not isinstance(project, dict):
        return None
    dynamic = project.get("dynamic", [])
    if not isinstance(dynamic, list):
        return None
    if {"dependencies", "optional-dependencies", "requires-python"} & set(dynamic):
        return None
    name = project.get("name")
    stated = project.get("version")
    if not isinstance(name, str) or ("version" in dynamic and version is None):
        return None
    chosen = version if "version" in dynamic else stated
    if not isinstance(chosen, str):
        return None
    try:
        raw = _raw_from_project(project, name, chosen)
        return Metadata.from_raw(raw, validate=False), metadata_text(raw)
    except (InvalidRequirement, InvalidVersion, TypeError, ValueError, AttributeError):
        return None


def _raw_from_project(project: dict[str, Any], name: str, version: str) -> RawMetadata:
    raw: RawMetadata = {
        "metadata_version": "2.2",
        "name": name,
        "version": str(Version(version)),
    }
    requires_python = project.get("requires-python")
    if requires_python is not None:
        raw["requires_python"] = str(requires_python)
    requires = [str(Requirement(dep)) for dep in project.get("dependencies", [])]
    extras: list[str] = []
    for extra, deps in (project.get("optional-dependencies") or {}).items():
        normalized = canonicalize_name(extra)
        extras.append(normalized)
        for dep in deps:
            requires.append(_with_extra(Requirement(dep), normalized))
    if requires:
        raw["requires_dist"] = requires
    if extras:
        raw["provides_extra"] = extras
    if isinstance(project.get("description"), str):
        raw["summary"] = " ".join(project["description"].split())
    return raw


def _with_extra(requirement: Requirement, extra: str) -> str:
    marker = requirement.marker
    requirement.marker = None
    if marker is None:
        return f'{requirement}; extra == "{extra}"'
    return f'{requirement}; ({marker}) and extra == "{extra}"'


_FIELDS = (
    ("metadata_version", "Metadata-Version"),
    ("name", "Name"),
    ("version", "Version"),
    ("summary", "Summary"),
    ("requires_python", "Requires-Python"),
)
_MULTI = (("requires_dist", "Requires-Dist"), ("provides_extra", "Provides-Extra"))


def metadata_text(raw: RawMetadata) -> str:
    """The METADATA (email header) form of the fields set in ``raw``."""
    lines = []
    for key, header in _FIELDS:
        value = raw.get(key)
        if isinstance(value, str):
            lines.append(f"{header}: {' '.join(value.split())}")
    for key, header in _MULTI:
        values = raw.get(key)
        if isinstance(values, list):
            lines.extend(f"{header}: {v}" for v in values)
    return "\n".join(lines) + "\n"
