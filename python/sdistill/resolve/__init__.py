"""Resolving requirements to pins over sdistill's index and builder, with resolvelib.

Needs the optional extra ``sdistill[resolve]`` (``resolvelib``). Two ways in:

- :func:`resolve`, which takes requirement strings and returns a :class:`Resolution`
  (pins by normalised name, how each pin's metadata was obtained, text and JSON);
- :class:`SdistillProvider`, a resolvelib provider any resolvelib-based tool can drive
  with its own ``Resolver`` and reporter.

======================  ==============================================================
``target``              :class:`TargetEnvironment`: tags, markers, Python version
``requirements``        requirements for resolvelib; extras as identifiers; markers
``candidates``          a version's candidate: Requires-Python, wheel tags, yanked files
``metadata``            pages and metadata, each fetched once, prefetched in threads
``provider``            :class:`SdistillProvider`: which versions, pre-releases, order
``conflicts``           :class:`ResolutionError` and its readable causes
``report``              :class:`Resolution` and :class:`Pin`: text and JSON
``files``               requirements and constraints files (``-r``, ``-c``)
``unnamed``             requirements written as a path or URL, and editables
``projects``            a project's own dependencies as the input (``pyproject.toml``)
``hashes``              ``--generate-hashes``: the hashes of each pin's files
``replay``              a recorded resolution, answered again when its pages are the same
======================  ==============================================================
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

try:
    from resolvelib import BaseReporter, ResolutionImpossible, ResolutionTooDeep, Resolver
except ImportError as err:  # pragma: no cover - the optional extra
    raise ImportError("sdistill.resolve needs resolvelib: pip install 'sdistill[resolve]'") from err
from packaging.requirements import Requirement as Pep508
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from sdistill.resolve import hashes, replay, unnamed
from sdistill.resolve.candidates import ALL, Candidate, Formats
from sdistill.resolve.conflicts import ResolutionError, conflict
from sdistill.resolve.projects import ProjectInput, requirements_of
from sdistill.resolve.provider import DEFAULT_PREFETCH, SdistillProvider
from sdistill.resolve.report import Pin, Resolution
from sdistill.resolve.requirements import Requirement, applies
from sdistill.resolve.target import TargetEnvironment
from sdistill.warm import resolution as warm

if TYPE_CHECKING:
    from sdistill.builder import SourceDistBuilder

__all__ = [
    "DEFAULT_PREFETCH",
    "Candidate",
    "Pin",
    "ProjectInput",
    "Requirement",
    "Resolution",
    "ResolutionError",
    "SdistillProvider",
    "TargetEnvironment",
    "resolve",
]

#: resolvelib's bound on rounds (one pin or backtrack each), as pip sets it.
MAX_ROUNDS = 200_000


def resolve(
    requirements: Iterable[str | Pep508],
    builder: SourceDistBuilder | None = None,
    *,
    python_version: str | None = None,
    platforms: Sequence[str] | None = None,
    constraints: Iterable[str | Pep508] = (),
    prefetch: int = DEFAULT_PREFETCH,
    editables: Iterable[str] = (),
    prereleases: bool = False,
    preferences: Iterable[str] = (),
    projects: Iterable[ProjectInput] = (),
    generate_hashes: bool = False,
    only_binary: Iterable[str] = (),
    no_binary: Iterable[str] = (),
) -> Resolution:
    """Pins for ``requirements`` (PEP 508 strings or ``packaging`` requirements, or
    paths and URLs as pip reads them) on the target ``python_version`` (``"3.9"``) and
    ``platforms`` (wheel platform tags), default the running interpreter. ``builder``
    (default: a ``SourceDistBuilder()``) gives the indexes and builds sdists;
    ``constraints`` bound versions without requiring them; ``editables`` are project
    directories to pin as editable installs (``-e``); ``prereleases`` allows every
    project's pre-releases (``--pre``); ``preferences`` (``name==version`` texts: the
    pins of an earlier output) are kept where the requirements allow them;
    ``projects`` add the dependencies of local projects (``-r pyproject.toml``, with
    extras), the projects themselves not pinned; ``generate_hashes`` gives each pin the
    hashes of its files (``sdistill.resolve.hashes``); ``only_binary`` and
    ``no_binary`` (project names, or ``":all:"``) keep projects to wheels or to sdists,
    as pip's options of those names do. A conflict raises :class:`ResolutionError`
    naming its causes.

    A resolution is recorded under its inputs as given (``sdistill.resolve.replay``):
    the same texts over the same pages give the recorded pins without resolving."""
    if builder is None:
        from sdistill.builder import SourceDistBuilder  # noqa: PLC0415

        builder = SourceDistBuilder()
    target = TargetEnvironment.create(python_version, platforms)
    given, bound = list(requirements), list(constraints)
    texts = [r if isinstance(r, str) else str(r) for r in given]
    bound_texts = [c if isinstance(c, str) else str(c) for c in bound]
    paths = [r for r in given if isinstance(r, str) and unnamed.is_unnamed(r)]
    named = [
        found
        for found in (
            *(unnamed.name(text, builder, target) for text in paths),
            *(unnamed.name(text, builder, target, editable=True) for text in editables),
        )
        if found is not None
    ]
    sources = list(projects)
    formats = Formats(_names(only_binary), _names(no_binary))
    stated = [r for project in sources for r in requirements_of(project, builder, target)]
    wanted = [
        *(r if isinstance(r, Pep508) else Pep508(r) for r in given if r not in paths),
        *(n.requirement for n in named),
        *stated,
    ]
    bounding = [c if isinstance(c, Pep508) else Pep508(c) for c in bound]
    kept = [text for text in preferences if "==" in text]
    roots = [Requirement.of(r) for r in wanted if applies(r, target)]
    bounds = _constraints(bounding, target)
    record, key, plain = None, "", ""
    # A direct reference, a path or a project may change under the same text: never
    # replayed.
    if all(r.url is None for r in wanted) and not sources:
        inputs = (texts, bound_texts, python_version, platforms, builder)
        options = replay.Options(prereleases, generate_hashes, formats)
        key = replay.inputs_key(*inputs, options=options, preferences=kept)
        plain = replay.inputs_key(*inputs, options=options) if kept else ""
        record = builder.cache.resolution_record(key)
    with SdistillProvider(
        builder,
        environment=target,
        prefetch=prefetch,
        constraints=bounds,
        prereleases=prereleases,
        preferences=dict(text.split("==", 1) for text in kept),
        formats=formats,
    ) as provider:
        if record is not None and not warm.checked(key):
            replayed = replay.replay(provider.store, record)
            if replayed is None and plain and not record.exists() and not warm.checked(plain):
                # No record kept these pins; one that found them is the same answer.
                found = replay.replay(provider.store, builder.cache.resolution_record(plain))
                if found is not None and warm.found_kept(found.text(), kept):
                    replayed = found
            if replayed is not None:
                return replayed
        # Every top-level page at once, before the resolver asks for the first.
        provider.store.prefetch_projects([r.name for r in roots if r.url is None])
        resolver: Resolver[Requirement, Candidate, str] = Resolver(provider, BaseReporter())
        try:
            result = resolver.resolve(roots, max_rounds=MAX_ROUNDS)
        except ResolutionImpossible as err:
            raise conflict(err.causes, provider.notes, target.python_version) from None
        except ResolutionTooDeep as err:
            raise ResolutionError(
                f"gave up after {err.round_count} rounds of resolution: the requirements "
                "leave too many combinations; narrow some of them"
            ) from None
        written = {n.requirement.url: n for n in named}
        details: dict[str, Pin] = {
            candidate.name: _pin(provider, candidate, written, generate_hashes)
            for candidate in result.mapping.values()
            if not candidate.extras
        }
        resolution = Resolution(
            details, target.python_version, target.platforms, tuple(str(r) for r in wanted)
        )
        if record is not None:
            replay.save(record, resolution, provider.store, provider.asked)
    return resolution


def _pin(
    provider: SdistillProvider,
    candidate: Candidate,
    written: Mapping[str | None, unnamed.Named],
    generate_hashes: bool,
) -> Pin:
    file = candidate.file
    named = written.get(candidate.url) if candidate.url is not None else None
    found: tuple[str, ...] = ()
    if not generate_hashes or (named is not None and named.editable):
        pass  # no hashes asked for; an editable has none
    elif candidate.url is not None:
        found = hashes.of_direct(candidate.url, provider.builder)
    else:
        view = provider.store.project(candidate.name)
        version = candidate.version_text or str(candidate.version)
        found = hashes.of_version(view, version, provider.builder) if view is not None else ()
    return Pin(
        candidate.name,
        candidate.version_text or str(candidate.version),
        provider.store.how(candidate),
        url=candidate.url,
        file_url=file.url if file is not None else None,
        written=named.written if named is not None else None,
        editable=named is not None and named.editable,
        hashes=found,
    )


def _names(names: Iterable[str]) -> frozenset[str]:
    """Project names normalised (``:all:`` as it is)."""
    return frozenset(n if n == ALL else canonicalize_name(n) for n in names)


def _constraints(
    constraints: Iterable[Pep508], target: TargetEnvironment
) -> Mapping[str, SpecifierSet]:
    bounds: dict[str, SpecifierSet] = {}
    for constraint in constraints:
        if not applies(constraint, target):
            continue
        if constraint.url:
            raise ResolutionError(f"{constraint}: a constraint cannot be a direct reference")
        name = canonicalize_name(constraint.name)
        bounds[name] = bounds.get(name, SpecifierSet()) & constraint.specifier
    return bounds
