"""The resolvelib provider: candidates from the index, dependencies from metadata.

resolvelib asks the provider four things: which project a requirement or candidate
is about (:meth:`~SdistillProvider.identify`), the candidates a set of requirements
allows, best first (:meth:`~SdistillProvider.find_matches`), whether a candidate meets
a requirement, and a candidate's dependencies. The rules of a candidate's files are in
:mod:`sdistill.resolve.candidates`, those of extras in
:mod:`sdistill.resolve.requirements`, prefetching in :mod:`sdistill.resolve.metadata`.

**Which versions a set of requirements allows** (``find_matches``), newest first:

1. The specifiers of every requirement on the project, and of its constraint, taken
   together (``SpecifierSet`` intersection).
2. **Yanked** versions (PEP 592) only where a requirement pins that version exactly
   (``==1.2.3`` without a wildcard, or ``===1.2.3``): ``foo`` or ``foo>=1`` never gets
   a yanked release, ``foo==1.2.3`` does.
3. **Pre-releases** by PEP 440's rule, as ``SpecifierSet.filter`` applies it and as
   pip and uv do: allowed when a specifier names one (``>=2.0b1``), else only when no
   final release that is left after (2) satisfies the specifiers. A project with
   only pre-releases on the index thus gets its newest pre-release. With
   ``prereleases=True`` (``--pre``) every project's pre-releases are allowed, and the
   newest version wins whatever it is.
4. Only versions that offer a candidate on the target (compatible wheel or sdist,
   ``Requires-Python``), and none resolvelib has found incompatible.
5. A **preferred** version (``preferences``: the pins of an existing output file, as
   ``uv pip compile -o`` and ``pip-compile`` keep them) comes first when (1)-(4) allow
   it -- a kept pre-release too, as uv keeps one, even where (3) would not offer it.

Versions are tried lazily: the files of a version are read only when the resolver
gets to it (a project page may list hundreds).

**Direct references** (``name @ https://…``, ``name @ file://…``, ``name @ git+…``) have
their metadata read by :mod:`sdistill.resolve.direct` (a wheel's own, else the
builder's): the one candidate of that project is the version the metadata states,
whatever the index has, and every other requirement on the project must accept that
version. A wheel the target's tags do not allow, or a ``Requires-Python`` the target
is not in, offers no candidate. Two different URLs for one project conflict.

**Order of work** (``get_preference``): projects that caused the last backtrack first,
then direct references, then exact pins, then the projects the user asked for, then the
rest by name -- so the resolution does not depend on the order of the requirements'
arrival.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple

from packaging.metadata import Metadata
from packaging.specifiers import SpecifierSet
from packaging.tags import Tag
from packaging.utils import NormalizedName, canonicalize_name, parse_wheel_filename
from packaging.version import InvalidVersion, Version
from resolvelib import AbstractProvider
from resolvelib.structs import RequirementInformation

from sdistill import _core
from sdistill.errors import MetadataMismatchError
from sdistill.index import ProjectView
from sdistill.resolve import direct
from sdistill.resolve.candidates import Candidate, Formats, offer
from sdistill.resolve.metadata import MetadataStore
from sdistill.resolve.requirements import PYTHON, Requirement, dependencies, exact
from sdistill.resolve.target import TargetEnvironment

if TYPE_CHECKING:
    from sdistill.builder import SourceDistBuilder

__all__ = ["SdistillProvider"]

_log = logging.getLogger("sdistill")

#: How many of a project's newest candidates have their metadata fetched ahead.
DEFAULT_PREFETCH = 1

Information = RequirementInformation[Requirement, Candidate]


class SdistillProvider(AbstractProvider[Requirement, Candidate, str]):
    """A resolvelib provider over a builder's indexes (see the module docs).

    ``environment`` is the target (default: the running interpreter); ``prefetch`` how
    many of a project's newest candidates get their metadata fetched in the background
    (0: none); ``constraints`` bounds on projects that are not requirements themselves
    (name -> specifiers); ``prereleases`` allows every project's pre-releases (pip's
    and uv's ``--pre``); ``preferences`` the version to try first per project (name ->
    version); ``formats`` which projects may offer only wheels or only sdists
    (``--only-binary``, ``--no-binary``). Call :meth:`close` (or use ``with``) to stop
    its threads.
    """

    def __init__(
        self,
        builder: SourceDistBuilder,
        *,
        environment: TargetEnvironment | None = None,
        prefetch: int = DEFAULT_PREFETCH,
        constraints: Mapping[str, SpecifierSet] | None = None,
        prereleases: bool = False,
        preferences: Mapping[str, str] | None = None,
        formats: Formats | None = None,
    ) -> None:
        self.builder = builder
        self.environment = environment or TargetEnvironment.current()
        self.prefetch = max(0, prefetch)
        self.constraints = {canonicalize_name(k): v for k, v in (constraints or {}).items()}
        self.prereleases = prereleases
        self.formats = formats or Formats()
        self.preferences: dict[str, str] = {
            canonicalize_name(k): v for k, v in (preferences or {}).items()
        }
        self._listed: dict[str, str | None] = {}
        self.store = MetadataStore(builder)
        if self.prefetch:
            self.store.after_page = self._page_arrived
            self.store.after_metadata = self._metadata_arrived
        #: Why a project offered no candidate at all (for the conflict message).
        self.notes: dict[str, str] = {}
        self._offers: dict[tuple[str, str], Candidate | None] = {}
        self._allowed: dict[tuple[str, str], _Allowed] = {}
        #: The projects whose pages the resolver asked for (what a replay checks).
        self.asked: list[str] = []
        self._direct: dict[str, Candidate] = {}

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> SdistillProvider:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----------------------------------------------------------------- resolvelib

    def identify(self, requirement_or_candidate: Requirement | Candidate) -> str:
        return requirement_or_candidate.identifier

    def get_preference(
        self,
        identifier: str,
        resolutions: Mapping[str, Candidate],
        candidates: Mapping[str, Iterator[Candidate]],
        information: Mapping[str, Iterator[Information]],
        backtrack_causes: Sequence[Information],
    ) -> Any:
        causes = {cause.requirement.name for cause in backtrack_causes}
        infos = list(information[identifier])
        requirements = [info.requirement for info in infos]
        direct = any(r.url is not None for r in requirements)
        pinned = any(r.pins_exactly for r in requirements)
        # A project the user asked for is decided before the projects that only
        # dependencies ask for, as uv decides them: its newest version wins, and a
        # dependency that bounds it gives way (an older dependency, not an older
        # top-level project).
        requested = any(info.parent is None for info in infos)
        name = identifier.partition("[")[0]
        return (name not in causes, not direct, not pinned, not requested, identifier)

    def find_matches(
        self,
        identifier: str,
        requirements: Mapping[str, Iterator[Requirement]],
        incompatibilities: Mapping[str, Iterator[Candidate]],
    ) -> Any:
        wanted = list(requirements[identifier])
        refused = set(incompatibilities[identifier])
        if not wanted:
            return []
        name, extras = wanted[0].name, wanted[0].extras
        if name == PYTHON:  # only ever required where the target is not in it
            return []
        urls = {r.url for r in wanted if r.url is not None}
        if urls:
            return self._direct_matches(name, extras, urls, wanted, refused)
        specifier = self._specifier(name, wanted)
        self.asked.append(name)
        project = self.store.project(name)
        if project is None:
            self.notes[name] = "not found on the index"
            return []
        exact = _pinned(specifier)
        key = (name, str(specifier))
        versions = self._allowed.get(key)
        if versions is None:  # asked again for each requirement added to the project
            versions = self._allowed[key] = _Allowed(project.versions(), specifier)

        def usable(text: str) -> Candidate | None:
            candidate = self._offer(project, text)
            if candidate is None or (candidate.yanked and candidate.version not in exact):
                return None
            return candidate.with_extras(extras) if extras else candidate

        pre = self.prereleases or bool(specifier.prereleases)
        preferred = self._preferred(project, specifier)
        kept = usable(preferred) if preferred is not None else None
        if kept is not None and kept in refused:
            kept = None

        def matches() -> Iterator[Candidate]:
            if kept is not None:  # a kept pre-release too, as uv keeps one
                yield kept
            any_final = False
            for each in versions:
                if each.pre and not pre:
                    continue
                found = usable(each.text)
                if found is not None:
                    any_final = True
                    if found not in refused and found != kept:
                        yield found
            if not any_final and not pre:
                for each in versions:
                    found = usable(each.text) if each.pre else None
                    if found is not None and found not in refused and found != kept:
                        yield found

        self._look_ahead(project, versions, refused, matches())
        return matches

    def _look_ahead(
        self,
        project: ProjectView,
        versions: _Allowed,
        refused: set[Candidate],
        matches: Iterator[Candidate],
    ) -> None:
        """Prefetches the metadata of the first candidates ``matches`` offers; when it
        offers none, notes why (for the conflict message)."""
        first = []
        for candidate in matches:
            first.append(candidate.base)
            if len(first) >= max(1, self.prefetch):
                break
        if self.prefetch:
            self.store.prefetch(first)
        if not first and not refused:
            self.notes[project.name] = self._why_none(project, [v.text for v in versions])

    def is_satisfied_by(self, requirement: Requirement, candidate: Candidate) -> bool:
        if requirement.url is not None:
            return candidate.url is not None and _same_url(requirement.url, candidate.url)
        return requirement.admits(
            candidate.version, candidate.version_text or str(candidate.version)
        )

    def get_dependencies(self, candidate: Candidate) -> Iterable[Requirement]:
        base = candidate.base
        if base.url is None:
            metadata = self.store.metadata(base)
        else:
            metadata = self.store.direct(base.key, f"{base.name} @ {base.url}")
        found = list(
            dependencies(
                metadata.requires_dist,
                self.environment,
                candidate.extras,
                owner=str(base),
            )
        )
        if candidate.extras:
            provided = {canonicalize_name(e) for e in metadata.provides_extra or ()}
            for extra in sorted(candidate.extras - provided):
                _log.warning("%s does not provide the extra %r", base, extra)
            found.insert(0, Requirement.pin(base.name, base.version_text, base.url))
        self.store.prefetch_projects([r.name for r in found])
        requires = metadata.requires_python
        if requires is not None and not self.environment.allows_python(str(requires)):
            found.append(Requirement(PYTHON, frozenset(), SpecifierSet(str(requires))))
        return found

    # ------------------------------------------------------------------- helpers

    def direct_candidate(self, name: NormalizedName, url: str) -> Candidate:
        """The candidate a direct reference names: its metadata read by the builder."""
        key = f"{name} @ {url}"
        found = self._direct.get(key)
        if found is not None:
            return found
        metadata = self.store.direct((name, url), key)
        if canonicalize_name(metadata.name) != name:
            raise MetadataMismatchError(
                f"{_core.redact(url)}: the metadata names {metadata.name!r}, not {name!r}"
            )
        candidate = Candidate(name, metadata.version, url=url, version_text=str(metadata.version))
        self._direct[key] = candidate
        return candidate

    def _direct_matches(
        self,
        name: NormalizedName,
        extras: frozenset[NormalizedName],
        urls: set[str],
        wanted: list[Requirement],
        refused: set[Candidate],
    ) -> list[Candidate]:
        if len({_core.canonical_url(u) for u in urls}) > 1:
            return []
        url = next(iter(urls))
        candidate = self.direct_candidate(name, url)
        misfit = self._misfit(url, candidate)
        if misfit is not None:
            self.notes[name] = misfit
            return []
        candidate = candidate.with_extras(extras) if extras else candidate
        if candidate in refused or not all(self.is_satisfied_by(r, candidate) for r in wanted):
            return []
        return [candidate]

    def _specifier(self, name: NormalizedName, wanted: list[Requirement]) -> SpecifierSet:
        """The specifiers of every requirement on the project and of its constraint."""
        specifier = SpecifierSet()
        for requirement in wanted:
            specifier &= requirement.specifier
        constraint = self.constraints.get(name)
        return specifier if constraint is None else specifier & constraint

    def _preferred(self, project: ProjectView, specifier: SpecifierSet) -> str | None:
        """The listed text of the project's preferred version, when the specifiers allow
        it (``None``: no preference to try first)."""
        wanted = _version(self.preferences.get(project.name, ""))
        if wanted is None:
            return None
        if not specifier.contains(wanted, prereleases=True):
            return None
        if project.name not in self._listed:  # how the page writes it, looked up once
            listed = (t for t in project.versions() if _version(t) == wanted)
            self._listed[project.name] = next(listed, None)
        return self._listed[project.name]

    def _misfit(self, url: str, candidate: Candidate) -> str | None:
        """Why a direct reference cannot be installed on the target (``None``: it
        can): a wheel whose tags the target does not support, or a ``Requires-Python``
        the target's Python is not in."""
        filename = direct.wheel_filename(url)
        if filename is not None and self.environment.supports(_wheel_tags(filename)) is None:
            return f"the wheel {filename} does not fit the target"
        metadata = self.store.direct((candidate.name, url), f"{candidate.name} @ {url}")
        requires = metadata.requires_python
        if requires is not None and not self.environment.allows_python(str(requires)):
            return f"it needs Python {requires}, not {self.environment.python_version}"
        return None

    def _page_arrived(self, project: ProjectView) -> None:
        """Fetching ahead: the metadata of the newest final release (any release with
        ``prereleases``) a file of which fits the target (what the resolver usually
        takes)."""
        for text in project.versions(yanked=False, prereleases=self.prereleases)[:5]:
            candidate = self._offer(project, text)
            if candidate is not None and not candidate.yanked:
                self.store.prefetch([candidate])
                return

    def _metadata_arrived(self, candidate: Candidate, metadata: Metadata) -> None:
        """Fetching ahead: the pages of the projects ``candidate`` needs."""
        found = dependencies(metadata.requires_dist, self.environment, owner=str(candidate))
        self.store.prefetch_projects([r.name for r in found if r.url is None])

    def _offer(self, project: ProjectView, version: str) -> Candidate | None:
        key = (project.name, version)
        if key not in self._offers:
            self._offers[key] = offer(project, version, self.environment, self.formats)
        return self._offers[key]

    def _why_none(self, project: ProjectView, versions: list[str]) -> str:
        """Why none of ``versions`` (the ones the specifiers allow) offers a candidate."""
        if not versions:
            listed = ", ".join(project.versions()[:5]) or "none"
            return f"no version on the index matches (newest: {listed})"
        files = [f for v in versions[:20] for f in project.files(v)]
        if files and all(not self.environment.allows_python(f.requires_python) for f in files):
            return f"every file needs another Python than {self.environment.python_version}"
        if files and all(f.yanked for f in files):
            return "every matching version is yanked"
        wheels, sdists = self.formats.allowed(project.name)
        if files and not sdists and all(f.is_sdist for f in files):
            return "only sdists, and --only-binary allows wheels only"
        if files and not wheels and all(not f.is_sdist for f in files):
            return "only wheels, and --no-binary allows sdists only"
        if files and all(not f.is_sdist for f in files):
            return "no wheel for the target and no sdist"
        if not sdists:
            return "no wheel for the target, and --only-binary allows wheels only"
        return "no usable file"


class _Listed(NamedTuple):
    text: str
    version: Version

    @property
    def pre(self) -> bool:
        return self.version.is_prerelease


class _Allowed:
    """The versions (newest first) the specifiers contain, pre-releases included --
    judged as they are asked for: the resolver usually takes one of the newest, and a
    page may list hundreds."""

    def __init__(self, texts: list[str], specifier: SpecifierSet) -> None:
        self._texts = texts
        self._specifier = specifier
        self._found: list[_Listed] = []
        self._judged = 0

    def __iter__(self) -> Iterator[_Listed]:
        at = 0
        while True:
            if at < len(self._found):
                yield self._found[at]
                at += 1
            elif not self._judge_next():
                return

    def _judge_next(self) -> bool:
        """Judges listed versions until one more is allowed; ``False`` at the end."""
        while self._judged < len(self._texts):
            text = self._texts[self._judged]
            self._judged += 1
            version = _version(text)
            if version is not None and self._specifier.contains(version, prereleases=True):
                self._found.append(_Listed(text, version))
                return True
        return False


@lru_cache(maxsize=65536)
def _version(text: str) -> Version | None:
    """A listed version, parsed once per resolution's process (``None``: not PEP 440)."""
    try:
        return Version(text)
    except InvalidVersion:
        return None


def _pinned(specifier: SpecifierSet) -> set[Version]:
    """The versions ``specifier`` pins exactly (PEP 592's condition for a yanked one)."""
    found = set()
    for each in specifier:
        if exact(each):
            try:
                found.add(Version(each.version))
            except InvalidVersion:
                continue
    return found


def _wheel_tags(filename: str) -> frozenset[Tag]:
    return parse_wheel_filename(filename)[3]


def _same_url(left: str, right: str) -> bool:
    return left == right or _core.canonical_url(left) == _core.canonical_url(right)
