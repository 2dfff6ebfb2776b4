"""Requirements as the resolver sees them, and the dependencies a metadata file states.

A :class:`Requirement` is one PEP 508 requirement whose marker has already been judged
for the target (a requirement whose marker is false never reaches the resolver): a
project name, its extras, a version specifier, or a direct reference (``name @ URL``).

**Extras.** resolvelib knows nothing of extras, so they are spelled into identifiers,
the usual resolvelib pattern: ``requests[socks]`` is the project ``requests[socks]``,
apart from ``requests``. A candidate of ``requests[socks]`` at 2.32.3 depends on
``requests==2.32.3`` (the same direct URL, for a direct reference) and on the
requirements that ``extra == "socks"`` switches on; so the base project is pinned once,
at the version every set of its extras agrees on, and the pins printed are the base
projects'. A requirement's marker is judged with ``extra`` unset (``""``) for the base
candidate, and with each extra of an extras candidate; what is already true without
an extra is the base candidate's to state, and is not repeated.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property

from packaging.markers import InvalidMarker, UndefinedComparison, UndefinedEnvironmentName
from packaging.requirements import InvalidRequirement
from packaging.requirements import Requirement as Pep508
from packaging.specifiers import Specifier, SpecifierSet
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from sdistill.resolve.target import TargetEnvironment

__all__ = ["PYTHON", "Requirement", "dependencies", "exact", "identifier"]

#: The identifier of the target's Python. A candidate whose metadata states a
#: ``Requires-Python`` the target is not in (a page may not say so, and a find-links
#: directory never does) requires it: nothing offers it, so resolvelib drops that
#: candidate and tries the next, as pip models ``Requires-Python``.
PYTHON = NormalizedName("<python>")

_log = logging.getLogger("sdistill")


def identifier(name: str, extras: Iterable[str] = ()) -> str:
    """How resolvelib names a project: ``name``, or ``name[a,b]`` with its extras."""
    written = sorted(set(extras))
    return f"{name}[{','.join(written)}]" if written else name


def exact(specifier: Specifier) -> bool:
    """``==1.2.3`` (no wildcard) or ``===1.2.3``."""
    return specifier.operator == "===" or (
        specifier.operator == "==" and not specifier.version.endswith(".*")
    )


@dataclass(frozen=True)
class Requirement:
    """One requirement for the resolver (its marker already judged true)."""

    name: NormalizedName
    extras: frozenset[NormalizedName]
    specifier: SpecifierSet
    #: A direct reference (``name @ URL``): the only candidate is what the URL names.
    url: str | None = None
    #: Versions already judged (text -> contained): the resolver asks the same
    #: requirement about the same pins tens of thousands of times.
    _judged: dict[str, bool] = field(default_factory=dict, compare=False, repr=False)

    @cached_property
    def pins_exactly(self) -> bool:
        """Whether a specifier pins one version exactly: ``==1.2.3`` (no wildcard) or
        ``===1.2.3`` (PEP 592's condition for offering a yanked version)."""
        return any(exact(each) for each in self.specifier)

    def admits(self, version: Version, text: str) -> bool:
        """Whether the specifier contains ``version`` (written ``text``), pre-releases
        included (which pre-releases to offer is the provider's choice, not this)."""
        found = self._judged.get(text)
        if found is None:
            found = self._judged[text] = self.specifier.contains(version, prereleases=True)
        return found

    @classmethod
    def parse(cls, text: str) -> Requirement:
        """``text`` read with ``packaging`` (``InvalidRequirement`` if it is not PEP 508);
        its marker is not looked at."""
        return cls.of(Pep508(text))

    @classmethod
    def of(cls, requirement: Pep508) -> Requirement:
        return cls(
            canonicalize_name(requirement.name),
            frozenset(canonicalize_name(e) for e in requirement.extras),
            requirement.specifier,
            requirement.url,
        )

    @classmethod
    def pin(cls, name: NormalizedName, version: str, url: str | None = None) -> Requirement:
        """The base project at exactly ``version`` (what an extras candidate needs)."""
        return cls(name, frozenset(), SpecifierSet(f"=={version}"), url)

    @property
    def identifier(self) -> str:
        return identifier(self.name, self.extras)

    def __str__(self) -> str:
        if self.name == PYTHON:
            return f"Python{self.specifier}"
        written = identifier(self.name, self.extras)
        if self.url is not None:
            return f"{written} @ {self.url}"
        return f"{written}{self.specifier}" if self.specifier else written


def applies(requirement: Pep508, target: TargetEnvironment, extra: str = "") -> bool:
    """Whether ``requirement``'s marker is true for ``target`` with ``extra``; an
    unreadable marker is false (with a note in the log), as pip leaves it out."""
    if requirement.marker is None:
        return True
    try:
        return requirement.marker.evaluate(target.marker_environment(extra))
    except (InvalidMarker, UndefinedComparison, UndefinedEnvironmentName) as err:
        _log.debug("%s: marker not evaluated (%s); left out", requirement, err)
        return False


def dependencies(
    requires_dist: Iterable[str | Pep508] | None,
    target: TargetEnvironment,
    extras: frozenset[NormalizedName] = frozenset(),
    *,
    owner: str = "",
) -> Iterator[Requirement]:
    """The requirements of a metadata's ``Requires-Dist`` that apply to ``target``:
    those true without an extra when ``extras`` is empty, else those true only with
    one of ``extras`` (see the module docs). An unreadable line is skipped with a
    warning naming ``owner``."""
    for item in requires_dist or ():
        try:
            requirement = item if isinstance(item, Pep508) else Pep508(item)
        except InvalidRequirement as err:
            _log.warning("%s: Requires-Dist %r left out: %s", owner, item, err)
            continue
        base = applies(requirement, target)
        if not extras:
            if base:
                yield Requirement.of(requirement)
        elif not base and any(applies(requirement, target, extra) for extra in sorted(extras)):
            yield Requirement.of(requirement)
