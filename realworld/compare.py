"""Two metadata answers compared by meaning, not by spelling.

``compare(wheel, sdistill)`` takes two dicts of the compared fields (the wheel's from
``published.parse_metadata``, sdistill's from ``metadata --json``; ``check.py`` also
compares a warm answer with the cold one) and returns a ``Mismatch`` for each field on
which they differ in meaning:

- name: equal once normalised (PEP 503); version: equal as PEP 440 versions.
- requires-python: equal when they admit the same versions. Each specifier set is probed
  with 2.6, 2.7 and 3.0 to 3.15, each at micro 0, 1, 2, 5 and 12 (pre-releases allowed);
  one that admits every probe is the same as an empty or missing requires-python.
- provides-extra: the same set of normalised names.
- requires-dist: the same set of requirements, each keyed by its normalised name, its
  normalised extras, its set of specifiers, its URL and the truth table of its marker.

A marker is compared by its truth table: the tuple of its values over a grid of
environments, Python 3.8 to 3.14 (each at micro 0 and 12) by five machines (Linux x86_64
and aarch64, Windows AMD64, macOS arm64 and x86_64) by CPython and PyPy, and, for a
marker that mentions ``extra``, by no extra and each extra either side provides. So
``python_version < "3.11"`` and ``python_full_version < "3.11.0"`` are the same, and a
marker true all over the grid is the same as no marker. A marker that cannot be
evaluated is keyed by its error; text that is not a requirement, specifier or version is
compared as text.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from packaging.markers import Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

_PLATFORMS = (
    # sys_platform, platform_system, os_name, platform_machine
    ("linux", "Linux", "posix", "x86_64"),
    ("linux", "Linux", "posix", "aarch64"),
    ("win32", "Windows", "nt", "AMD64"),
    ("darwin", "Darwin", "posix", "arm64"),
    ("darwin", "Darwin", "posix", "x86_64"),
)
_IMPLEMENTATIONS = (("cpython", "CPython"), ("pypy", "PyPy"))
_PYTHONS = tuple(f"3.{minor}.{micro}" for minor in range(8, 15) for micro in (0, 12))


def _environments(extras: Iterable[str]) -> list[dict[str, str]]:
    envs: list[dict[str, str]] = []
    for full, platform, impl, extra in itertools.product(
        _PYTHONS, _PLATFORMS, _IMPLEMENTATIONS, ["", *sorted(extras)]
    ):
        sys_platform, system, os_name, machine = platform
        envs.append(
            {
                "python_version": ".".join(full.split(".")[:2]),
                "python_full_version": full,
                "implementation_version": full,
                "sys_platform": sys_platform,
                "platform_system": system,
                "os_name": os_name,
                "platform_machine": machine,
                "platform_release": "",
                "platform_version": "",
                "implementation_name": impl[0],
                "platform_python_implementation": impl[1],
                "extra": extra,
            }
        )
    return envs


class MarkerTable:
    """Truth tables of markers over the environment grid (cached per marker text)."""

    def __init__(self, extras: Iterable[str]) -> None:
        self._with_extras = _environments(extras)
        self._without_extras = _environments([])
        self._cache: dict[str, tuple[bool, ...] | str] = {}

    def table(self, marker: Marker | None) -> tuple[bool, ...] | str:
        if marker is None:
            return ()
        text = str(marker)
        if text not in self._cache:
            # Markers without "extra" do not depend on it: one row per extra is wasted.
            envs = self._with_extras if "extra" in text else self._without_extras
            try:
                rows = tuple(marker.evaluate(env) for env in envs)
            except Exception as err:  # an undefined comparison is part of the answer
                self._cache[text] = f"error: {err}"
            else:
                # Always true is the same as no marker.
                self._cache[text] = () if all(rows) else ("extra" in text, *rows)
        return self._cache[text]


def _requirement_key(text: str, markers: MarkerTable) -> tuple[Any, ...]:
    try:
        req = Requirement(text)
    except InvalidRequirement:
        return ("unparsable", text.strip())
    return (
        canonicalize_name(req.name),
        frozenset(canonicalize_name(e) for e in req.extras),
        frozenset(str(s) for s in req.specifier),
        req.url or "",
        markers.table(req.marker),
    )


def _python_key(text: str | None) -> tuple[Any, ...]:
    """Which versions a requires-python admits (empty or missing admits every one)."""
    if text is None or not text.strip():
        return ()
    try:
        spec = SpecifierSet(text)
    except InvalidSpecifier:
        return ("unparsable", text.strip())
    probes = [
        f"{major}.{minor}.{micro}"
        for major, minor in [(2, 6), (2, 7)] + [(3, m) for m in range(16)]
        for micro in (0, 1, 2, 5, 12)
    ]
    admitted = tuple(spec.contains(v, prereleases=True) for v in probes)
    return () if all(admitted) else admitted


def _version_key(text: str | None) -> Any:
    try:
        return Version(text or "")
    except InvalidVersion:
        return ("unparsable", text)


@dataclass
class Mismatch:
    """A field that differs: what only the wheel says, what only sdistill says."""

    field: str
    wheel: list[str]
    sdistill: list[str]

    def short(self, width: int = 100) -> str:
        text = f"{self.field}: wheel {self.wheel} vs sdistill {self.sdistill}"
        return text if len(text) <= width else text[: width - 1] + "…"


def compare(expected: dict[str, Any], actual: dict[str, Any]) -> list[Mismatch]:
    """The fields on which two metadata answers differ in meaning."""
    mismatches: list[Mismatch] = []
    if canonicalize_name(str(expected["name"])) != canonicalize_name(str(actual.get("name"))):
        mismatches.append(Mismatch("name", [str(expected["name"])], [str(actual.get("name"))]))
    if _version_key(expected["version"]) != _version_key(actual.get("version")):
        mismatches.append(
            Mismatch("version", [str(expected["version"])], [str(actual.get("version"))])
        )
    want_python, got_python = expected["requires_python"], actual.get("requires_python")
    if _python_key(want_python) != _python_key(got_python):
        mismatches.append(Mismatch("requires_python", [str(want_python)], [str(got_python)]))
    want_extras = {canonicalize_name(e) for e in expected["provides_extra"]}
    got_extras = {canonicalize_name(e) for e in actual.get("provides_extra") or []}
    if want_extras != got_extras:
        mismatches.append(
            Mismatch(
                "provides_extra",
                sorted(want_extras - got_extras),
                sorted(got_extras - want_extras),
            )
        )
    markers = MarkerTable(want_extras | got_extras)
    want = {_requirement_key(r, markers): r for r in expected["requires_dist"]}
    got = {_requirement_key(r, markers): r for r in actual.get("requires_dist") or []}
    if set(want) != set(got):
        mismatches.append(
            Mismatch(
                "requires_dist",
                sorted(want[k] for k in set(want) - set(got)),
                sorted(got[k] for k in set(got) - set(want)),
            )
        )
    return mismatches
