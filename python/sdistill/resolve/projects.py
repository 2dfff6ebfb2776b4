"""A project's own requirements as the input: ``-r pyproject.toml`` (or ``setup.py``,
``setup.cfg``), with ``--extra NAME`` / ``--all-extras``.

As ``uv pip compile pyproject.toml`` and ``pip-compile pyproject.toml`` do, the
requirements resolved are the project's dependencies -- not the project itself, which
is not pinned. They are read from the project's metadata through the builder
(``SourceDistBuilder.metadata``: a static ``[project]`` table without a build, else the
backend's ``prepare_metadata_for_build_wheel``), so dynamic dependencies are what the
backend says.

A ``Requires-Dist`` applies when its marker is true for the target with no extra, or
with one of the extras asked for. An extra that names the project itself
(``all = ["pkg[web,cli]"]``, a common way to group extras) adds those extras to the
ones asked for, as many times as it takes; the project itself is never a requirement.
An extra the project does not provide is an error, as in uv.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.requirements import InvalidRequirement
from packaging.requirements import Requirement as Pep508
from packaging.utils import NormalizedName, canonicalize_name

from sdistill.resolution_inputs import is_project_file
from sdistill.resolve.conflicts import ResolutionError
from sdistill.resolve.requirements import applies

if TYPE_CHECKING:
    from sdistill.builder import SourceDistBuilder
    from sdistill.resolve.target import TargetEnvironment

__all__ = ["ProjectInput", "is_project_file", "requirements_of"]


@dataclass(frozen=True)
class ProjectInput:
    """A project whose dependencies are resolved: its directory, and the extras asked
    for (``all_extras``: every one it provides)."""

    directory: Path
    extras: frozenset[NormalizedName] = frozenset()
    all_extras: bool = False


def requirements_of(
    project: ProjectInput, builder: SourceDistBuilder, target: TargetEnvironment
) -> list[Pep508]:
    """The requirements ``project`` states for ``target`` with its extras (module
    docs), their markers judged, in the order of its metadata."""
    metadata = builder.metadata(project.directory)
    name = canonicalize_name(metadata.name)
    provided = {canonicalize_name(e) for e in metadata.provides_extra or ()}
    missing = sorted(project.extras - provided)
    if missing:
        raise ResolutionError(
            f"{project.directory}: {name} provides no extra {', '.join(missing)} "
            f"(it provides: {', '.join(sorted(provided)) or 'none'})"
        )
    wanted = set(provided if project.all_extras else project.extras)
    stated = list(_parsed(metadata.requires_dist or ()))
    while True:  # extras naming the project itself add extras
        more = {
            canonicalize_name(extra)
            for requirement in stated
            if canonicalize_name(requirement.name) == name and _applies(requirement, target, wanted)
            for extra in requirement.extras
        }
        more = (more & provided) - wanted
        if not more:
            break
        wanted |= more
    found = []
    for requirement in stated:
        if canonicalize_name(requirement.name) == name or not _applies(requirement, target, wanted):
            continue
        judged = Pep508(str(requirement))
        judged.marker = None  # judged here for the target, with the extras
        found.append(judged)
    return found


def _applies(requirement: Pep508, target: TargetEnvironment, extras: Iterable[str]) -> bool:
    return any(applies(requirement, target, extra) for extra in ("", *sorted(extras)))


def _parsed(texts: Iterable[str | Pep508]) -> Iterator[Pep508]:
    for text in texts:
        if isinstance(text, Pep508):
            yield text
            continue
        try:
            yield Pep508(text)
        except InvalidRequirement:  # the metadata reader already warned of it
            continue
