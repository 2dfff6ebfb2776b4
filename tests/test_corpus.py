"""sdistill's metadata of 25 real sdists equals what ``pip wheel`` builds from them.

The sdists are the "corpus" pins of ``tests/fixtures/fetch.py`` (seven backends,
PKG-INFO Metadata-Version 1.1 to 2.5, with and without static dependency metadata);
``tests/fixtures/expected_metadata.json`` holds the name, version, requires-python,
requires-dist and provides-extra of the wheel ``pip wheel --no-deps`` built from each.

All 25 go through one ``metadata_many`` (two at a time) of a builder with no index: the
build environments are installed from the two local wheelhouses only
(``tests/fixtures/wheelhouse.py``, both sets). Then:

* every result equals the expected entry. Requires-Dist is compared by meaning, not
  spelling (backends write markers differently: quotes, parentheses, spaces, the order
  of specifiers): for each of a grid of environments (Python versions, platforms,
  implementations, each extra and none) the set of requirements that apply -- name,
  extras, specifier, URL -- must be the same on both sides;
* the sdists whose PKG-INFO states the dependency metadata statically (Metadata-Version
  >= 2.2, none of Requires-Dist/Requires-Python/Provides-Extra dynamic: the pins'
  ``static_deps``) ran no hook at all;
* a second ``metadata_many`` over the corpus -- on the same builder, and on a new builder
  over the same cache -- runs no hook at all and returns the same metadata.

The data is downloaded by ``make fixtures``; without it the tests are skipped.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fixtures import fetch, wheelhouse  # tests/ is on sys.path
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

EXPECTED_FILE = Path(__file__).resolve().parent / "fixtures" / "expected_metadata.json"
EXPECTED: dict[str, dict[str, Any]] = json.loads(EXPECTED_FILE.read_text(encoding="utf-8"))[
    "sdists"
]
PINS = {p.filename: p for p in fetch.pins("corpus")}
SDISTS = sorted(EXPECTED)
STATIC_SDISTS = [f for f in SDISTS if PINS[f].static_deps]
JOBS = 2

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]


# ---------------------------------------------------------------- semantic comparison

#: Marker variables and the values the grid gives them. Each is varied independently
#: (even combinations no real interpreter has, such as sys_platform "win32" with
#: os_name "posix"), so that two markers only compare equal when they test the same
#: thing: ``sys_platform == "win32"`` and ``platform_system == "Windows"`` differ.
PYTHON_VERSIONS = (
    "2.7",
    "3.6",
    "3.7",
    "3.8",
    "3.9",
    "3.10",
    "3.11",
    "3.12",
    "3.13",
    "3.14",
    "3.15",
)
SYS_PLATFORMS = ("linux", "win32", "darwin")
PLATFORM_SYSTEMS = ("Linux", "Windows", "Darwin")
IMPLEMENTATIONS = (("cpython", "CPython"), ("pypy", "PyPy"))
OS_NAMES = ("posix", "nt")


def environments(extras: Iterable[str]) -> Iterator[dict[str, str]]:
    """The grid of marker environments, with ``extra`` each of ``extras`` and ``""``."""
    extra_values = ["", *sorted(set(extras))]
    grid = itertools.product(
        PYTHON_VERSIONS, SYS_PLATFORMS, PLATFORM_SYSTEMS, IMPLEMENTATIONS, OS_NAMES, extra_values
    )
    for python, sys_platform, system, (impl, py_impl), os_name, extra in grid:
        yield {
            "python_version": python,
            "python_full_version": f"{python}.1",
            "implementation_version": f"{python}.1",
            "sys_platform": sys_platform,
            "platform_system": system,
            "implementation_name": impl,
            "platform_python_implementation": py_impl,
            "os_name": os_name,
            "platform_machine": "x86_64",
            "platform_release": "",
            "platform_version": "",
            "extra": extra,
        }


@dataclass(frozen=True)
class Active:
    """What a requirement asks for once its marker holds: compared by meaning."""

    name: str
    extras: frozenset[str]
    specifier: SpecifierSet
    url: str | None

    def __str__(self) -> str:
        extras = f"[{','.join(sorted(self.extras))}]" if self.extras else ""
        target = f" @ {self.url}" if self.url else str(self.specifier)
        return f"{self.name}{extras}{target}"


def _active(req: Requirement) -> Active:
    return Active(
        canonicalize_name(req.name),
        frozenset(canonicalize_name(e) for e in req.extras),
        req.specifier,
        req.url,
    )


def _applies(marker: Marker | None, env: Mapping[str, str]) -> bool:
    return marker is None or marker.evaluate(dict(env))


def requirement_differences(
    expected: Sequence[str], got: Sequence[str], extras: Iterable[str]
) -> list[str]:
    """Where two Requires-Dist lists differ in meaning (empty if they mean the same).

    For every environment of the grid, the requirements that apply on each side (as
    name, extras, specifier and URL, so ``a>=1,<2`` equals ``a<2,>=1``) must be the
    same set. One line per differing environment pattern, for the failure message.
    """
    parsed_expected = [Requirement(r) for r in expected]
    parsed_got = [Requirement(r) for r in got]
    problems: dict[tuple[frozenset[str], frozenset[str]], dict[str, str]] = {}
    for env in environments(extras):
        want = {_active(r) for r in parsed_expected if _applies(r.marker, env)}
        have = {_active(r) for r in parsed_got if _applies(r.marker, env)}
        if want != have:
            key = (
                frozenset(str(a) for a in want - have),
                frozenset(str(a) for a in have - want),
            )
            problems.setdefault(key, env)
    return [
        f"missing {sorted(missing)}, unexpected {sorted(unexpected)} (e.g. with {_short(env)})"
        for (missing, unexpected), env in problems.items()
    ]


def _short(env: Mapping[str, str]) -> str:
    keys = (
        "python_version",
        "sys_platform",
        "platform_system",
        "implementation_name",
        "os_name",
        "extra",
    )
    return ", ".join(f"{k}={env[k]!r}" for k in keys)


def _python(specifier: SpecifierSet | str | None) -> SpecifierSet | None:
    """A Requires-Python as a specifier set; absent and empty are the same."""
    if specifier is None or not str(specifier).strip():
        return None
    return SpecifierSet(str(specifier))


def metadata_differences(expected: Mapping[str, Any], got: Any) -> list[str]:
    """Where ``got`` (a ``packaging.metadata.Metadata``) differs from an expected entry."""
    problems = []
    name = canonicalize_name(got.name)
    if name != expected["name"]:
        problems.append(f"name: expected {expected['name']!r}, got {name!r} ({got.name!r})")
    if str(got.version) != expected["version"]:
        problems.append(f"version: expected {expected['version']!r}, got {str(got.version)!r}")
    if _python(expected["requires_python"]) != _python(got.requires_python):
        problems.append(
            f"requires_python: expected {expected['requires_python']!r}, "
            f"got {None if got.requires_python is None else str(got.requires_python)!r}"
        )
    want_extras = {canonicalize_name(e) for e in expected["provides_extra"]}
    have_extras = {canonicalize_name(e) for e in got.provides_extra or []}
    if want_extras != have_extras:
        problems.append(
            f"provides_extra: expected {sorted(want_extras)}, got {sorted(have_extras)}"
        )
    got_requires = [str(r) for r in got.requires_dist or []]
    requires = requirement_differences(
        expected["requires_dist"], got_requires, want_extras | have_extras
    )
    if requires:
        problems.append(
            "requires_dist differs:\n    "
            + "\n    ".join(requires)
            + f"\n  expected {expected['requires_dist']}\n  got      {got_requires}"
        )
    return problems


def describe_error(err: BaseException) -> str:
    """An exception from ``metadata_many``, with a BuildError's backend, hook and output."""
    text = f"{type(err).__name__}: {err}"
    for attribute in ("backend", "hook", "exit_code"):
        if getattr(err, attribute, None) is not None:
            text += f"\n  {attribute}: {getattr(err, attribute)}"
    tail = getattr(err, "output_tail", None)
    if tail:
        lines = tail if isinstance(tail, str) else "\n".join(tail)
        text += "\n  output tail:\n" + lines
    return text


# The comparison must tell different requirement sets apart, and only those.
_SAME_REQUIREMENTS = [
    (
        ['typing_extensions>=4.16.0; python_version < "3.15"'],
        ["typing-extensions >= 4.16.0 ; python_version<'3.15'"],
    ),
    (
        ['colorama>=0.4.3; python_version < "3.10" and platform_system == "Windows"'],
        ["colorama>=0.4.3; (python_version < '3.10') and (platform_system == 'Windows')"],
    ),
    (["crashtest<0.5.0,>=0.4.1"], ["crashtest (>=0.4.1,<0.5.0)"]),
    (['pytest>=6.0.0; extra == "all"'], ["pytest>=6.0.0 ; extra == 'ALL'"]),
    (
        ['a; extra == "x"', 'a; extra == "y"'],
        ['a; extra == "x" or extra == "y"'],
    ),
    (["Foo[Bar,baz]>=1"], ["foo[baz,bar]>=1"]),
]
_DIFFERENT_REQUIREMENTS = [
    (['a; python_version < "3.11"'], ['a; python_version < "3.10"']),
    (['a; python_version < "3.15"'], ['a; python_version < "3.14"']),
    (['a; sys_platform == "win32"'], ['a; platform_system == "Windows"']),
    (['a; sys_platform == "win32"'], ['a; os_name == "nt"']),
    (['a; implementation_name == "cpython"'], ["a"]),
    (['a; extra == "x"'], ['a; extra == "y"']),
    (['a; extra == "x"'], ["a"]),
    (["a>=1"], ["a>1"]),
    (["a[x]"], ["a"]),
    (["a", "b"], ["a"]),
    (["a"], ["b"]),
    (["a @ https://example.invalid/a-1.tar.gz"], ["a"]),
]


@pytest.mark.parametrize(("expected", "got"), _SAME_REQUIREMENTS)
def test_requirement_comparison_accepts_equal_sets(expected: list[str], got: list[str]) -> None:
    assert requirement_differences(expected, got, ["all", "x", "y"]) == []
    assert requirement_differences(got, expected, ["all", "x", "y"]) == []


@pytest.mark.parametrize(("expected", "got"), _DIFFERENT_REQUIREMENTS)
def test_requirement_comparison_rejects_different_sets(expected: list[str], got: list[str]) -> None:
    assert requirement_differences(expected, got, ["x", "y"]) != []
    assert requirement_differences(got, expected, ["x", "y"]) != []


def test_expected_metadata_covers_the_corpus() -> None:
    assert set(EXPECTED) == set(PINS)
    assert len(SDISTS) == 25
    assert STATIC_SDISTS  # the no-hook assertions are not vacuous


# ---------------------------------------------------------------- the corpus run


class HookCounter:
    """A ``Reporter`` recording every ``on_build_start`` per sdist file name."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.started: dict[str, list[str]] = defaultdict(list)

    def on_build_start(self, source: Any, hook: str) -> None:
        key = Path(source.path).name if getattr(source, "path", None) else str(source.url)
        with self._lock:
            self.started[key].append(hook)

    def on_build_finish(self, source: Any, hook: str, seconds: float) -> None:
        pass

    def on_download_progress(self, url: str, done: int, total: int | None) -> None:
        pass

    def hooks(self) -> dict[str, list[str]]:
        with self._lock:
            return {k: list(v) for k, v in self.started.items() if v}


@dataclass
class CorpusRun:
    cache_dir: Path
    find_links: list[Path]
    paths: list[Path]
    results: dict[str, Any]
    counter: HookCounter
    builder: Any


def _require_data() -> tuple[list[Path], list[Path]]:
    missing = [f for f in SDISTS if not fetch.is_present(PINS[f])]
    if missing:
        pytest.skip(
            f"{len(missing)} corpus sdists not downloaded (e.g. {missing[0]}); "
            "run: python tests/fixtures/fetch.py --group corpus"
        )
    if not wheelhouse.is_complete():
        pytest.skip(
            f"local wheelhouse {wheelhouse.wheelhouse_dir()} not filled; "
            "run: python tests/fixtures/wheelhouse.py"
        )
    if not wheelhouse.is_complete("corpus"):
        pytest.skip(
            f"corpus wheelhouse {wheelhouse.wheelhouse_dir('corpus')} not filled; "
            "run: python tests/fixtures/wheelhouse.py --set corpus"
        )
    paths = [fetch.data_path(f) for f in SDISTS]
    return paths, [wheelhouse.wheelhouse_dir(), wheelhouse.wheelhouse_dir("corpus")]


def _builder(cache_dir: Path, find_links: list[Path], counter: HookCounter) -> Any:
    from sdistill import SourceDistBuilder

    return SourceDistBuilder(
        cache_dir=cache_dir,
        index_url=None,
        find_links=find_links,
        jobs=JOBS,
        reporter=counter,
    )


@pytest.fixture(scope="module")
def cold(tmp_path_factory: pytest.TempPathFactory) -> CorpusRun:
    """One cold ``metadata_many`` over the whole corpus, in a cache shared by this module."""
    paths, find_links = _require_data()
    cache_dir = tmp_path_factory.mktemp("corpus-cache")
    counter = HookCounter()
    builder = _builder(cache_dir, find_links, counter)
    results = builder.metadata_many([str(p) for p in paths])
    assert len(results) == len(paths)
    return CorpusRun(cache_dir, find_links, paths, dict(zip(SDISTS, results)), counter, builder)


def _check(filename: str, result: Any) -> None:
    if isinstance(result, BaseException):
        pytest.fail(
            f"{filename}: sdistill failed where pip wheel succeeded:\n{describe_error(result)}",
            pytrace=False,
        )
    problems = metadata_differences(EXPECTED[filename], result)
    if problems:
        pytest.fail(
            f"{filename}: metadata differs from pip wheel's:\n  " + "\n  ".join(problems),
            pytrace=False,
        )


@pytest.mark.parametrize("filename", SDISTS)
def test_metadata_equals_pip_wheel(cold: CorpusRun, filename: str) -> None:
    _check(filename, cold.results[filename])


@pytest.mark.parametrize("filename", STATIC_SDISTS)
def test_static_metadata_runs_no_hook(cold: CorpusRun, filename: str) -> None:
    assert PINS[filename].static_deps
    hooks = cold.counter.hooks().get(filename, [])
    assert hooks == [], f"{filename} has static PKG-INFO metadata but ran hooks {hooks}"


def test_reporter_sees_the_builds(cold: CorpusRun) -> None:
    """The counting reporter works: the setup.py-only sdist did need its backend."""
    hooks = cold.counter.hooks()
    assert "docopt-0.6.2.tar.gz" in hooks, hooks
    assert set(hooks) <= set(SDISTS), hooks


def _check_warm(run: CorpusRun, results: Sequence[Any]) -> None:
    for filename, result in zip(SDISTS, results):
        if isinstance(run.results[filename], BaseException):
            continue  # reported by test_metadata_equals_pip_wheel
        _check(filename, result)


def test_second_run_on_the_same_builder_runs_no_hook(cold: CorpusRun) -> None:
    before = cold.counter.hooks()
    results = cold.builder.metadata_many([str(p) for p in cold.paths])
    after = cold.counter.hooks()
    new = {k: v[len(before.get(k, [])) :] for k, v in after.items() if v != before.get(k)}
    assert new == {}, f"hooks ran on a warm cache: {new}"
    _check_warm(cold, results)


def test_second_run_on_a_new_builder_runs_no_hook(cold: CorpusRun) -> None:
    counter = HookCounter()
    builder = _builder(cold.cache_dir, cold.find_links, counter)
    results = builder.metadata_many([str(p) for p in cold.paths])
    assert counter.hooks() == {}, f"hooks ran on a warm cache: {counter.hooks()}"
    _check_warm(cold, results)
