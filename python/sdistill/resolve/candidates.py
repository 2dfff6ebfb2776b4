"""Candidates: one version of a project the resolver may pin, and where its metadata is.

A version on the index offers a candidate when one of its files may be installed on the
target (:class:`~sdistill.resolve.target.TargetEnvironment`):

- **Requires-Python.** A file whose ``Requires-Python`` leaves out the target's Python
  version is ignored (the index states it per file; PEP 503 ``data-requires-python``).
- **Wheels and sdists.** Of a version's wheels, the one whose best tag the target
  prefers most is taken; with no compatible wheel, its sdist (whose metadata the
  builder then reads or builds). A version with neither offers nothing. Versions are
  not skipped because they have only an sdist: the newest version wins, as with pip and
  uv; the wheel is preferred only among the files of one version.
- **Yanked files (PEP 592).** A file that is yanked is used only when nothing else of
  its version is usable; the candidate is then marked ``yanked`` and the provider
  offers it only to a requirement that pins that version exactly (``==1.2.3`` without a
  wildcard, or ``===``).

- **Formats.** ``--only-binary`` and ``--no-binary`` (:class:`Formats`, pip's rules)
  take a project's sdists or wheels out of what it offers.

Pre-releases are the provider's to judge (they depend on the requirements); see
:mod:`sdistill.resolve.provider`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache

from packaging.tags import Tag
from packaging.utils import (
    InvalidWheelFilename,
    NormalizedName,
    canonicalize_name,
    parse_wheel_filename,
)
from packaging.version import Version

from sdistill.index import DistFile, ProjectView
from sdistill.resolve.requirements import identifier
from sdistill.resolve.target import TargetEnvironment

__all__ = ["ALL", "Candidate", "Formats", "offer"]


@dataclass(frozen=True)
class Candidate:
    """A project at one version: an index file (a wheel, else an sdist), or what a
    direct reference names (``url``). With ``extras``, the candidate of
    ``name[extras]`` (see :mod:`sdistill.resolve.requirements`)."""

    name: NormalizedName
    version: Version
    extras: frozenset[NormalizedName] = frozenset()
    #: A direct reference, as written (``https://…``, ``file://…``, ``git+…``).
    url: str | None = None
    #: The version as the index writes it (what ``name==version`` asks the builder).
    version_text: str = field(default="", compare=False)
    #: The wheel whose metadata is read; ``None`` for an sdist or a direct reference.
    wheel: DistFile | None = field(default=None, compare=False, repr=False)
    #: The sdist, when there is no compatible wheel.
    sdist: DistFile | None = field(default=None, compare=False, repr=False)
    #: Every usable file of the version is yanked.
    yanked: bool = field(default=False, compare=False)

    @property
    def identifier(self) -> str:
        return identifier(self.name, self.extras)

    @property
    def base(self) -> Candidate:
        """The candidate without extras."""
        return replace(self, extras=frozenset()) if self.extras else self

    def with_extras(self, extras: frozenset[NormalizedName]) -> Candidate:
        return replace(self, extras=extras)

    @property
    def file(self) -> DistFile | None:
        """The index file the candidate stands for (``None`` for a direct reference)."""
        return self.wheel if self.wheel is not None else self.sdist

    @property
    def key(self) -> tuple[str, str]:
        """What metadata is remembered by: the name and version, or the URL."""
        return (self.name, self.url if self.url is not None else str(self.version))

    def __str__(self) -> str:
        written = identifier(self.name, self.extras)
        return f"{written} @ {self.url}" if self.url else f"{written}=={self.version}"


@dataclass(frozen=True)
class Formats:
    """Which kinds of file a project may offer: ``--only-binary`` and ``--no-binary``
    (normalised names, or ``:all:``), judged as pip judges them -- a name given to one
    of them wins over ``:all:`` given to either, ``--only-binary`` over ``--no-binary``
    for the same name."""

    only_binary: frozenset[str] = frozenset()
    no_binary: frozenset[str] = frozenset()

    def allowed(self, name: str) -> tuple[bool, bool]:
        """``(wheels, sdists)``: whether ``name`` may offer each."""
        if name in self.only_binary:
            return True, False
        if name in self.no_binary:
            return False, True
        if ALL in self.only_binary:
            return True, False
        if ALL in self.no_binary:
            return False, True
        return True, True


#: Every project, in ``--only-binary`` and ``--no-binary``.
ALL = ":all:"


def offer(
    project: ProjectView,
    version: str,
    target: TargetEnvironment,
    formats: Formats = Formats(),
) -> Candidate | None:
    """The candidate ``version`` of ``project`` offers on ``target`` (module docs), or
    ``None``."""
    wheels, sdists = formats.allowed(canonicalize_name(project.name))
    files = [
        f
        for f in project.files(version)
        if target.allows_python(f.requires_python) and (sdists if f.is_sdist else wheels)
    ]
    for usable in ([f for f in files if not f.yanked], [f for f in files if f.yanked]):
        wheel = _best_wheel(usable, target)
        sdist = None if wheel is not None else next((f for f in usable if f.is_sdist), None)
        chosen = wheel if wheel is not None else sdist
        if chosen is not None:
            return Candidate(
                canonicalize_name(project.name),
                Version(version),
                version_text=version,
                wheel=wheel,
                sdist=sdist,
                yanked=chosen.yanked,
            )
    return None


def _best_wheel(files: list[DistFile], target: TargetEnvironment) -> DistFile | None:
    best: tuple[int, DistFile] | None = None
    for file in files:
        if file.is_sdist:
            continue
        tag_set = _tags(file.filename)
        if tag_set is None:
            continue
        rank = target.supports(tag_set)
        if rank is not None and (best is None or rank < best[0]):
            best = (rank, file)
    return best[1] if best is not None else None


@lru_cache(maxsize=16384)
def _tags(filename: str) -> frozenset[Tag] | None:
    """A wheel file name's tags (``None``: not a wheel name), parsed once per name."""
    try:
        return parse_wheel_filename(filename)[3]
    except InvalidWheelFilename:
        return None
