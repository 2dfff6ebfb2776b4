"""Native PEP 440 versions and distribution filenames, held against ``packaging``.

``normalize_version(s)`` is ``str(packaging.version.Version(s))`` or None where packaging
raises ``InvalidVersion``; ``sort_versions`` and ``compare_versions`` order as
``Version`` does; ``parse_filename`` reads wheels as ``parse_wheel_filename`` and
standard sdists as ``parse_sdist_filename`` (plus the legacy sdist spellings and
archive formats pip accepts, matched against the project's normalized name).
"""

from __future__ import annotations

import string
from typing import Union

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from packaging.tags import Tag
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version
from sdistill._core import (
    DistFilename,
    compare_versions,
    normalize_version,
    parse_filename,
    sort_versions,
)

# What parse_filename says, as a tuple: ("wheel", name, version, build tag, python tags,
# abi tags, platform tags) or ("sdist", name, version, format); None where it refuses.
Parsed = Union[tuple[object, ...], None]


def shape(parsed: DistFilename | None) -> Parsed:
    """A ``DistFilename`` as the tuple of what it says (the fields its kind has; the
    others must be empty)."""
    if parsed is None:
        return None
    assert type(parsed) is DistFilename
    if parsed.kind == "wheel":
        assert parsed.format is None
        return (
            parsed.kind,
            parsed.name,
            parsed.version,
            parsed.build_tag,
            parsed.python_tags,
            parsed.abi_tags,
            parsed.platform_tags,
        )
    assert parsed.kind == "sdist", parsed.kind
    assert parsed.build_tag is None
    assert (parsed.python_tags, parsed.abi_tags, parsed.platform_tags) == ((), (), ())
    return (parsed.kind, parsed.name, parsed.version, parsed.format)


def read(filename: str, project: str) -> Parsed:
    """What parse_filename says of ``filename`` for ``project``, as a tuple."""
    return shape(parse_filename(filename, project))


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- version strings built from PEP 440 components -------------------------------------

SEPARATORS = st.sampled_from(["", ".", "-", "_"])
WHITESPACE = st.text(alphabet=" \t\n\r\x0b\x0c\x1c\x1f\x85\xa0\u2003\u3000", max_size=2)


def mixed_case(word: str) -> st.SearchStrategy[str]:
    """``word`` with each letter in either case."""
    return st.tuples(*(st.sampled_from([c.lower(), c.upper()]) for c in word)).map("".join)


def spelled(words: list[str]) -> st.SearchStrategy[str]:
    return st.sampled_from(words).flatmap(mixed_case)


@st.composite
def numbers(draw: st.DrawFn, small: bool = False) -> str:
    """A number as written: small, any size up to 40 digits, with leading zeros."""
    value = draw(
        st.integers(0, 3)
        if small
        else st.one_of(st.integers(0, 20), st.integers(0, 2**64 + 5), st.integers(0, 10**40))
    )
    zeros = draw(st.sampled_from(["", "", "", "0", "00"]))
    return f"{zeros}{value}"


@st.composite
def version_texts(draw: st.DrawFn, small: bool = False, dashes: bool = True) -> str:
    """A version PEP 440 accepts, in any of its spellings."""
    num = numbers(small=small)
    seps = SEPARATORS if dashes else st.sampled_from(["", ".", "_"])
    text = draw(WHITESPACE) if dashes else ""
    text += draw(st.sampled_from(["", "", "v", "V"]))
    if draw(st.booleans()) and not small:
        text += draw(num) + "!"
    text += ".".join(draw(st.lists(num, min_size=1, max_size=3 if small else 7)))
    if draw(st.booleans()):
        letter = draw(spelled(["a", "alpha", "b", "beta", "c", "rc", "pre", "preview"]))
        text += draw(seps) + letter + draw(seps) + draw(st.one_of(st.just(""), num))
    if draw(st.booleans()):
        if dashes and draw(st.booleans()):
            text += "-" + draw(num)
        else:
            letter = draw(spelled(["post", "rev", "r"]))
            text += draw(seps) + letter + draw(seps) + draw(st.one_of(st.just(""), num))
    if draw(st.booleans()):
        text += draw(seps) + draw(mixed_case("dev")) + draw(seps)
        text += draw(st.one_of(st.just(""), num))
    if draw(st.booleans()):
        segments = st.one_of(
            num, st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=4)
        )
        parts = draw(st.lists(segments, min_size=1, max_size=4))
        text += "+" + parts[0]
        for part in parts[1:]:
            text += draw(st.sampled_from([".", "-", "_"] if dashes else [".", "_"])) + part
    if dashes:
        text += draw(WHITESPACE)
    return text


MUTATIONS = list("0.!+-_ abcdeilnoprstvw\xe9\u2160\uff11\x00")


# Python tags are ASCII identifiers here, any Unicode identifier in packaging (no
# interpreter has another): filenames are mutated with ASCII only.
ASCII_MUTATIONS = list("0.!+-_ abcdeilnoprstvwA1\x00")


def mutate(text: str, chars: list[str] = MUTATIONS) -> st.SearchStrategy[str]:
    """``text`` with one character inserted, removed or replaced: mostly invalid."""

    def apply(at: int, char: str, action: str) -> str:
        if action == "insert":
            return text[:at] + char + text[at:]
        if action == "remove":
            return text[:at] + text[at + 1 :]
        return text[:at] + char + text[at + 1 :]

    return st.builds(
        apply,
        st.integers(0, len(text)),
        st.sampled_from(chars),
        st.sampled_from(["insert", "remove", "replace"]),
    )


VERSIONISH = st.text(alphabet="0123456789.!+-_ abcdeilnoprstvwABCRV", max_size=16)


def packaging_normal(text: str) -> str | None:
    try:
        return str(Version(text))
    except InvalidVersion:
        return None


@SETTINGS
@given(version_texts())
def test_spelled_versions_normalize_as_packaging(text: str) -> None:
    assert normalize_version(text) == str(Version(text))


@SETTINGS
@given(st.one_of(version_texts().flatmap(mutate), VERSIONISH, st.text(max_size=12)))
def test_any_text_is_a_version_exactly_when_packaging_says_so(text: str) -> None:
    assert normalize_version(text) == packaging_normal(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.0a-", "1.0a0"),
        ("1.0a..post1", "1.0a0.post1"),
        ("1.0post.", "1.0.post0"),
        ("1.0-1", "1.0.post1"),
        ("1.0-", None),
        ("1.0+abc.", None),
        ("v1!2.0RC1", "1!2.0rc1"),
        ("\x1c 1.0\u3000", "1.0"),
        ("2004d", None),
        ("2005a", "2005a0"),
        ("18446744073709551616.0", "18446744073709551616.0"),
        ("1.0+0001", "1.0+1"),
    ],
)
def test_handwritten_versions(text: str, expected: str | None) -> None:
    assert packaging_normal(text) == expected
    assert normalize_version(text) == expected


def test_numbers_longer_than_cpythons_int_limit_are_refused() -> None:
    # CPython refuses int() of more than 4300 digits, so packaging raises ValueError.
    for text in ["1" * 4301, "1.0.post" + "0" * 4301, "1.0+" + "2" * 4301]:
        with pytest.raises(ValueError):  # noqa: PT011 - not InvalidVersion: int()'s limit
            Version(text)
        assert normalize_version(text) is None
    assert normalize_version("1" * 4300) == "1" * 4300


# --- order -------------------------------------------------------------------------------


@SETTINGS
@given(st.lists(st.one_of(version_texts(small=True), VERSIONISH), max_size=30))
def test_sorting_agrees_with_packaging(texts: list[str]) -> None:
    valid = [text for text in texts if packaging_normal(text) is not None]
    result = sort_versions(texts)
    # The same strings, in an order whose versions are packaging's sorted order (equal
    # versions may come in any order, so the versions are compared, not the strings).
    assert sorted(result) == sorted(valid)
    assert [Version(text) for text in result] == sorted(Version(text) for text in valid)


@SETTINGS
@given(version_texts(small=True), version_texts(small=True))
def test_comparison_agrees_with_packaging(a: str, b: str) -> None:
    va, vb = Version(a), Version(b)
    assert compare_versions(a, b) == (va > vb) - (va < vb)
    assert compare_versions(b, a) == -compare_versions(a, b)


def test_comparing_an_invalid_version_raises_value_error() -> None:
    with pytest.raises(ValueError, match="invalid version"):
        compare_versions("1.0", "one")
    with pytest.raises(ValueError, match="invalid version"):
        compare_versions("1.0+", "1.0")


def test_sort_versions_takes_no_str() -> None:
    with pytest.raises(TypeError):
        sort_versions("1.0")  # a str is a sequence of str, but not a list of versions


def test_orders_stated_by_pep_440() -> None:
    ascending = ["1.0.dev0", "1.0a1.dev1", "1.0a1", "1.0b1", "1.0rc1", "1.0", "1.0+abc", "1.0+5"]
    ascending += ["1.0.post0.dev1", "1.0.post0", "1.0.1", "1!0.1"]
    assert sort_versions(list(reversed(ascending))) == ascending
    assert compare_versions("1.0", "1.0.0") == 0
    assert sort_versions(["1.0.0", "1", "1.0"]) == ["1.0.0", "1", "1.0"]  # stable


# --- filenames ---------------------------------------------------------------------------

NAMES = st.from_regex(r"[A-Za-z0-9]([A-Za-z0-9._]{0,8}[A-Za-z0-9])?", fullmatch=True).filter(
    lambda name: "__" not in name
)
CANONICAL_NAMES = st.from_regex(r"[a-z0-9]{1,6}(-[a-z0-9]{1,6}){0,2}", fullmatch=True)
IDENTIFIERS = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,6}", fullmatch=True)
TAG_WORDS = st.from_regex(r"[A-Za-z0-9_]{1,8}", fullmatch=True)


def tag_set(words: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.lists(words, min_size=1, max_size=3).map(".".join)


@st.composite
def wheel_names(draw: st.DrawFn) -> str:
    name = draw(NAMES)
    version = draw(version_texts(dashes=False))
    build = draw(
        st.one_of(st.just(""), st.from_regex(r"-[0-9]{1,25}[A-Za-z0-9_.]{0,4}", fullmatch=True))
    )
    python = draw(
        tag_set(st.one_of(st.sampled_from(["py3", "cp312", "Py2", "pp310"]), IDENTIFIERS))
    )
    abi = draw(tag_set(st.one_of(st.sampled_from(["none", "abi3", "cp312t"]), TAG_WORDS)))
    platform = draw(
        tag_set(st.one_of(st.sampled_from(["any", "manylinux_2_17_x86_64"]), TAG_WORDS))
    )
    return f"{name}-{version}{build}-{python}-{abi}-{platform}.whl"


def packaging_wheel(filename: str) -> Parsed:
    """parse_filename's answer, computed by packaging (None where it refuses)."""
    try:
        name, version, build, tags = parse_wheel_filename(filename)
    except InvalidWheelFilename:
        return None
    return ("wheel", name, str(version), build or None, tags)


def native_wheel(filename: str, project: str) -> Parsed:
    parsed = read(filename, project)
    if parsed is None or parsed[0] != "wheel":
        return parsed
    kind, name, version, build, pythons, abis, platforms = parsed
    tags = frozenset(Tag(p, a, pl) for p in pythons for a in abis for pl in platforms)
    return (kind, name, version, build, tags)


@SETTINGS
@given(wheel_names())
def test_wheels_agree_with_packaging(filename: str) -> None:
    expected = packaging_wheel(filename)
    assert expected is not None
    project = str(expected[1])
    assert native_wheel(filename, project) == expected
    assert native_wheel(filename, project.upper().replace("-", "_")) == expected
    assert read(filename, project + "x") is None


WHEELISH = st.text(alphabet="ab1._- ", max_size=24).map(lambda stem: stem + ".whl")


@SETTINGS
@given(st.one_of(WHEELISH, wheel_names().flatmap(lambda name: mutate(name, ASCII_MUTATIONS))))
def test_any_wheel_name_is_read_exactly_when_packaging_reads_it(filename: str) -> None:
    expected = packaging_wheel(filename)
    # The name packaging read, else the one the filename would have.
    project = str(expected[1]) if expected else filename.split("-", 1)[0] or "a"
    assert native_wheel(filename, project) == expected


@st.composite
def canonical_sdists(draw: st.DrawFn) -> tuple[str, str, str, str]:
    name = draw(CANONICAL_NAMES)
    version = str(Version(draw(version_texts())))
    extension = draw(st.sampled_from(["tar.gz", "zip"]))
    return f"{name}-{version}.{extension}", name, version, extension


@SETTINGS
@given(canonical_sdists())
def test_standard_sdists_agree_with_packaging(sdist: tuple[str, str, str, str]) -> None:
    filename, name, version, extension = sdist
    assert parse_sdist_filename(filename) == (name, Version(version))
    for project in [name, name.replace("-", "."), name.upper().replace("-", "_")]:
        assert read(filename, project) == ("sdist", name, version, extension)
    assert read(filename, name + "-x") is None


SDISTISH = st.tuples(
    st.text(alphabet="ab1.-_", max_size=20), st.sampled_from([".tar.gz", ".zip"])
).map("".join)


@SETTINGS
@given(
    st.one_of(
        SDISTISH,
        canonical_sdists()
        .map(lambda sdist: sdist[0])
        .flatmap(lambda name: mutate(name, ASCII_MUTATIONS)),
    )
)
def test_what_packaging_reads_as_an_sdist_is_read_alike(filename: str) -> None:
    try:
        name, version = parse_sdist_filename(filename)
    except InvalidSdistFilename:
        return  # a version may contain "-": the project's name decides (see below)
    extension = "zip" if filename.endswith(".zip") else "tar.gz"
    expected = ("sdist", name, str(version), extension)
    assert read(filename, name) == (expected if name else None)


@pytest.mark.parametrize(
    ("filename", "project", "expected"),
    [
        (
            "numpy-1.26.4-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
            "numpy",
            (
                "wheel",
                "numpy",
                "1.26.4",
                None,
                ("cp312",),
                ("cp312",),
                ("manylinux_2_17_x86_64", "manylinux2014_x86_64"),
            ),
        ),
        ("numpy-1.26.4.tar.gz", "NumPy", ("sdist", "numpy", "1.26.4", "tar.gz")),
        (
            "boto3-1.34.0-py3-none-any.whl",
            "boto3",
            ("wheel", "boto3", "1.34.0", None, ("py3",), ("none",), ("any",)),
        ),
        (
            "zope.interface-5.0.tar.gz",
            "zope-interface",
            ("sdist", "zope-interface", "5.0", "tar.gz"),
        ),
        (
            "zope-interface-5.0.tar.gz",
            "zope.interface",
            ("sdist", "zope-interface", "5.0", "tar.gz"),
        ),
        ("Zope_Interface-5.0.zip", "zope.interface", ("sdist", "zope-interface", "5.0", "zip")),
        (
            "zope.interface-6.1-cp311-cp311-macosx_11_0_arm64.whl",
            "zope.interface",
            (
                "wheel",
                "zope-interface",
                "6.1",
                None,
                ("cp311",),
                ("cp311",),
                ("macosx_11_0_arm64",),
            ),
        ),
        (
            "backports.zoneinfo-0.2.1.tar.gz",
            "backports-zoneinfo",
            ("sdist", "backports-zoneinfo", "0.2.1", "tar.gz"),
        ),
        (
            "backports.zoneinfo-0.2.1-cp38-cp38-win_amd64.whl",
            "backports.zoneinfo",
            ("wheel", "backports-zoneinfo", "0.2.1", None, ("cp38",), ("cp38",), ("win_amd64",)),
        ),
        (
            "six-1.16.0-py2.py3-none-any.whl",
            "six",
            ("wheel", "six", "1.16.0", None, ("py2", "py3"), ("none",), ("any",)),
        ),
        (
            "tensorflow_io_gcs_filesystem-0.23.1-1-cp310-cp310-win_amd64.whl",
            "tensorflow-io-gcs-filesystem",
            (
                "wheel",
                "tensorflow-io-gcs-filesystem",
                "0.23.1",
                (1, ""),
                ("cp310",),
                ("cp310",),
                ("win_amd64",),
            ),
        ),
        (
            "pkg-1.0-20b_x-py3-none-any.whl",
            "pkg",
            ("wheel", "pkg", "1.0", (20, "b_x"), ("py3",), ("none",), ("any",)),
        ),
        (
            "pkg-1.0-123456789012345678901234567890-py3-none-any.whl",
            "pkg",
            (
                "wheel",
                "pkg",
                "1.0",
                (123456789012345678901234567890, ""),
                ("py3",),
                ("none",),
                ("any",),
            ),
        ),
        ("pytz-2016.10.tar.bz2", "pytz", ("sdist", "pytz", "2016.10", "tar.bz2")),
        ("pytz-2005a.tar.bz2", "pytz", ("sdist", "pytz", "2005a0", "tar.bz2")),
        ("pytz-2004d.tar.bz2", "pytz", None),
        ("foo-bar-1.0-1.tgz", "foo-bar", ("sdist", "foo-bar", "1.0.post1", "tgz")),
        ("\u212aeras-1.0.tar.gz", "keras", ("sdist", "keras", "1.0", "tar.gz")),  # Kelvin sign
        ("foo-1.0.tar.zst", "foo", ("sdist", "foo", "1.0", "tar.zst")),
        ("foo-1.0.tar.lzma", "foo", ("sdist", "foo", "1.0", "tar.lzma")),
        ("foo-bar-1.0.tar.gz", "foo", None),
        ("foo-1.0.tar.gz", "foo-bar", None),
        ("foo-1.0-py2.7.egg", "foo", None),
        ("foo-1.0.win32.exe", "foo", None),
        ("foo-1.0.amd64.msi", "foo", None),
        ("foo-1.0-1.noarch.rpm", "foo", None),
        ("foo-1.0.win32.zip", "foo", None),
        ("foo-1.0-py3-none-any.WHL", "foo", None),
        (
            "Caf\xe9-1.0-py3-none-any.whl",
            "caf\xe9",
            ("wheel", "caf\xe9", "1.0", None, ("py3",), ("none",), ("any",)),
        ),
    ],
)
def test_real_world_filenames(filename: str, project: str, expected: Parsed) -> None:
    assert read(filename, project) == expected


def test_wheel_results_have_python_types() -> None:
    parsed = parse_filename("Six-1.16.0-2-PY2.py3-none-any.whl", "six")
    assert shape(parsed) == (
        "wheel",
        "six",
        "1.16.0",
        (2, ""),
        ("py2", "py3"),
        ("none",),
        ("any",),
    )
    assert parsed is not None
    assert parsed.kind == "wheel"
    tags = (parsed.python_tags, parsed.abi_tags, parsed.platform_tags)
    assert all(type(part) is tuple for part in tags)
    assert all(type(tag) is str for part in tags for tag in part)
    build = parsed.build_tag
    assert build is not None
    assert type(build) is tuple
    assert type(build[0]) is int
    assert type(build[1]) is str
