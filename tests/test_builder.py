"""Local sources end to end: ``SourceDistBuilder`` with real PEP 517 backends.

The projects live in ``tests/projects`` (one per backend and per failure mode) and are
always copied before use. Every builder is offline: ``index_url=None`` and the local
wheelhouse of ``tests/fixtures/wheelhouse.py`` as its only find-links, so build
environments are created from pinned wheels without the network.

The in-tree backend of ``tests/projects/in-tree-backend`` wraps setuptools and appends
one JSON line per hook it runs (with its config settings and interpreter) to
``$SDISTILL_TEST_HOOK_LOG``: that is how the cache tests count builds.

What sdistill returns is checked against what the backend itself writes into the wheel
it builds, field by field: name, version, requires-python, provides-extra and
requires-dist -- the last compared semantically (names normalised, specifier sets,
markers evaluated over a grid of environments), because backends spell the same
requirement differently.
"""

from __future__ import annotations

import collections
import contextlib
import io
import itertools
import json
import logging
import os
import signal
import subprocess
import sys
import tarfile
import time
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import pytest
import sdistill
from conftest import PROJECTS, HookLog
from packaging.markers import Marker, default_environment
from packaging.metadata import Metadata
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name, parse_wheel_filename
from packaging.version import Version
from sdistill import (
    BuildError,
    InvalidSourceError,
    MetadataMismatchError,
    NoBuildError,
    Source,
)

slow = pytest.mark.slow

# ---------------------------------------------------------------------------- projects


@dataclass(frozen=True)
class Project:
    """A test project and the metadata its backend produces (checked by hand)."""

    directory: str
    name: str
    version: str
    requires_dist: tuple[str, ...]
    extras: tuple[str, ...]
    requires_python: str = ">=3.9"
    #: sdistill can answer metadata() without any hook ([project] fully static).
    static: bool = False
    backend: str = ""

    @property
    def wheel_name(self) -> str:
        return self.name.replace("-", "_")

    def metadata(self) -> Metadata:
        return Metadata.from_raw(
            {
                "metadata_version": "2.1",
                "name": self.name,
                "version": self.version,
                "requires_python": self.requires_python,
                "requires_dist": list(self.requires_dist),
                "provides_extra": list(self.extras),
            }
        )


PROJECT_LIST = [
    Project(
        "setuptools-setup-py",
        "sdt-setup-py",
        "1.0.0",
        (
            "packaging>=20",
            'tomli>=1.1; python_version < "3.11"',
            'click>=8; extra == "cli"',
            'colorama>=0.4; sys_platform == "win32" and extra == "win"',
        ),
        ("cli", "win"),
        backend="setuptools.build_meta:__legacy__",
    ),
    Project(
        "setuptools-setup-cfg",
        "sdt-setup-cfg",
        "0.4.2",
        (
            "attrs>=22.1",
            'typing-extensions>=4.0; python_version < "3.10"',
            'pyyaml>=6; extra == "yaml"',
        ),
        ("yaml",),
        backend="setuptools.build_meta",
    ),
    Project(
        "setuptools-pyproject",
        "sdt-setuptools-pyproject",
        "2.1.0",
        (
            "packaging>=21",
            'importlib-metadata>=4.6; python_version < "3.10"',
            'click>=8.0; extra == "cli"',
            'rich>=12; sys_platform != "win32" and extra == "cli"',
            'pytest>=7; extra == "test"',
        ),
        ("cli", "test"),
        static=True,
        backend="setuptools.build_meta",
    ),
    Project(
        "hatchling",
        "sdt-hatchling",
        "3.0.1",
        (
            "attrs>=21",
            'tomli>=1.1; python_version < "3.11"',
            'orjson>=3; platform_python_implementation == "CPython" and extra == "fast"',
        ),
        ("fast",),
        backend="hatchling.build",
    ),
    Project(
        "flit-core",
        "sdt-flit",
        "0.9.0",
        (
            "idna>=3",
            'exceptiongroup>=1.0; python_version < "3.11"',
            'pysocks>=1.7; extra == "socks"',
        ),
        ("socks",),
        backend="flit_core.buildapi",
    ),
    Project(
        "poetry-core",
        "sdt-poetry",
        "1.2.3",
        (
            "certifi>=2023.7.22",
            'tomli>=1.1; python_version < "3.11"',
            'requests>=2.31,<3.0; extra == "http"',
        ),
        ("http",),
        backend="poetry.core.masonry.api",
    ),
    Project(
        "pdm-backend",
        "sdt-pdm",
        "0.7.0",
        (
            "sniffio>=1.3",
            'typing-extensions>=4.5; python_version < "3.11"',
            'trio>=0.22; extra == "trio"',
        ),
        ("trio",),
        static=True,
        backend="pdm.backend",
    ),
    Project(
        "in-tree-backend",
        "sdt-in-tree",
        "5.0.0",
        (
            "six>=1.16",
            'backports.zoneinfo>=0.2; python_version < "3.9"',
            'pywin32>=300; sys_platform == "win32"',
            'tomli-w>=1.0; extra == "toml"',
        ),
        ("toml",),
        backend="logging_backend",
    ),
]
PROJECTS_BY_DIR = {p.directory: p for p in PROJECT_LIST}
IN_TREE = PROJECTS_BY_DIR["in-tree-backend"]

# ---------------------------------------------------------------------------- comparing

_PYTHONS = ("2.7", "3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "3.14")
_PLATFORMS = (
    {"sys_platform": "linux", "platform_system": "Linux", "os_name": "posix"},
    {"sys_platform": "win32", "platform_system": "Windows", "os_name": "nt"},
    {"sys_platform": "darwin", "platform_system": "Darwin", "os_name": "posix"},
)
_IMPLEMENTATIONS = (("cpython", "CPython"), ("pypy", "PyPy"))


def _marker_truth(marker: Marker | None, extras: Sequence[str]) -> tuple[bool, ...]:
    """The marker's value over a grid of environments: equal tuples = same meaning."""
    base = default_environment()
    out = []
    for py, platform, (impl, pyimpl), extra in itertools.product(
        _PYTHONS, _PLATFORMS, _IMPLEMENTATIONS, ("", *extras)
    ):
        if marker is None:
            out.append(True)
            continue
        env: dict[str, str] = {
            **base,
            **platform,
            "python_version": py,
            "python_full_version": f"{py}.0",
            "implementation_name": impl,
            "platform_python_implementation": pyimpl,
            "extra": extra,
        }
        out.append(marker.evaluate(env))
    return tuple(out)


def _requirement_key(req: Requirement, extras: Sequence[str]) -> tuple[Any, ...]:
    return (
        canonicalize_name(req.name),
        frozenset(canonicalize_name(e) for e in req.extras),
        frozenset(str(s) for s in req.specifier),
        req.url,
        _marker_truth(req.marker, extras),
    )


def _extras(md: Metadata) -> frozenset[str]:
    return frozenset(canonicalize_name(e) for e in md.provides_extra or ())


def _describe(md: Metadata) -> dict[str, Any]:
    return {
        "name": md.name,
        "version": str(md.version),
        "requires_python": str(md.requires_python or ""),
        "provides_extra": sorted(str(e) for e in md.provides_extra or ()),
        "requires_dist": sorted(str(r) for r in md.requires_dist or ()),
    }


def assert_same_metadata(actual: Metadata, expected: Metadata, what: str = "") -> None:
    """Same name, version, requires-python, extras and (semantically) requires-dist."""
    universe = sorted(_extras(actual) | _extras(expected))
    context = f"{what}\nactual:   {_describe(actual)}\nexpected: {_describe(expected)}"
    assert canonicalize_name(actual.name) == canonicalize_name(expected.name), context
    assert Version(str(actual.version)) == Version(str(expected.version)), context
    assert SpecifierSet(str(actual.requires_python or "")) == SpecifierSet(
        str(expected.requires_python or "")
    ), context
    assert _extras(actual) == _extras(expected), context
    got = collections.Counter(_requirement_key(r, universe) for r in actual.requires_dist or ())
    want = collections.Counter(_requirement_key(r, universe) for r in expected.requires_dist or ())
    assert got == want, context


def wheel_metadata(path: Path) -> Metadata:
    """The METADATA inside a wheel, parsed by packaging."""
    with zipfile.ZipFile(path) as zf:
        names = [
            n for n in zf.namelist() if n.count("/") == 1 and n.endswith(".dist-info/METADATA")
        ]
        assert len(names) == 1, zf.namelist()
        return Metadata.from_email(zf.read(names[0]), validate=False)


def wheel_names(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as zf:
        return zf.namelist()


def check_built_wheel(wheel: Any, project: Project, returned: Metadata | None = None) -> None:
    """A BuiltWheel of ``project``: a real file, named right, metadata as the backend says."""
    assert isinstance(wheel, sdistill.BuiltWheel)
    assert wheel.path.is_file(), wheel.path
    assert wheel.filename == wheel.path.name
    name, version, _build, _tags = parse_wheel_filename(wheel.filename)
    assert name == canonicalize_name(project.name)
    assert version == Version(project.version)
    inside = wheel_metadata(wheel.path)
    assert_same_metadata(wheel.metadata, inside, "BuiltWheel.metadata vs the wheel's METADATA")
    assert_same_metadata(inside, project.metadata(), "the wheel's METADATA vs the project")
    if returned is not None:
        assert_same_metadata(returned, inside, "metadata() vs the wheel's METADATA")


# ---------------------------------------------------------------------------- helpers


def _tree_files(directory: Path) -> list[Path]:
    skip = {"__pycache__", "build", "dist"}
    out = []
    for path in sorted(directory.rglob("*")):
        rel = path.relative_to(directory)
        if any(part in skip or part.endswith(".egg-info") for part in rel.parts):
            continue
        if path.is_file():
            out.append(path)
    return out


def make_sdist(
    directory: Path,
    dest: Path,
    top: str,
    *,
    fmt: str = "tar.gz",
    pkg_info: str | None = None,
    filename: str | None = None,
) -> Path:
    """An sdist-like archive of a project tree: every file under ``top/``.

    ``pkg_info`` adds a ``top/PKG-INFO``; ``fmt`` is "tar.gz" or "zip"; ``filename``
    overrides the archive's name (the format is found from the bytes, not the name).
    """
    dest.mkdir(parents=True, exist_ok=True)
    path = dest / (filename or f"{top}.{fmt}")
    files = {
        f"{top}/{p.relative_to(directory).as_posix()}": p.read_bytes()
        for p in _tree_files(directory)
    }
    if pkg_info is not None:
        files[f"{top}/PKG-INFO"] = pkg_info.encode()
    if fmt == "zip":
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in sorted(files.items()):
                zf.writestr(name, data)
    else:
        with tarfile.open(path, "w:gz") as tf:
            for name, data in sorted(files.items()):
                info = tarfile.TarInfo(name)
                info.size = len(data)
                info.mode = 0o644
                info.mtime = int(time.time())
                tf.addfile(info, io.BytesIO(data))
    return path


def env_dirs(cache: Path) -> list[str]:
    """The build environments in a cache (``environments-v1/<digest>/``)."""
    root = cache / "environments-v1"
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))


def shard_of(cache: Path, source: Path | str, kind: str = "path") -> Path:
    return cache / "sdists-v1" / kind / sdistill.cache_digest(Source.parse(source).url)


def live_revision(shard: Path) -> str:
    """The id the shard's ``revision`` pointer names (read through the cache layout)."""
    assert (shard / "revision").is_file(), shard
    cache = shard.parents[2]
    revision = sdistill.Cache(cache).live_revision(shard)
    assert revision is not None, (shard / "revision").read_bytes()
    return revision.id


_bumps = itertools.count(1)


def bump_mtime(path: Path) -> None:
    """Move a file's mtime forward, past every earlier bump (no sleeping for granularity)."""
    when = time.time() + 10 * next(_bumps)
    os.utime(path, (when, when))


def _inside(path: str, directory: Path) -> bool:
    """``path`` (not resolved: a venv's python is a symlink out of it) is under ``directory``."""
    path = os.path.abspath(path)
    return any(
        path.startswith(str(d) + os.sep) for d in (directory.absolute(), directory.resolve())
    )


def uv_available() -> bool:
    try:
        from uv import find_uv_bin

        if os.path.isfile(find_uv_bin()):
            return True
    except (ImportError, FileNotFoundError):
        pass
    import shutil

    return shutil.which("uv") is not None


# ---------------------------------------------------------------------------- sources


def test_source_parse_kinds(tmp_path: Path) -> None:
    project = PROJECTS / "setuptools-pyproject"
    archive = make_sdist(project, tmp_path, "sdt_setuptools_pyproject-2.1.0")

    d = Source.parse(project)
    assert type(d).__name__ == "LocalDirectorySource"
    assert d.path == project.resolve()
    assert d.url == project.resolve().as_uri()
    assert d.name is None
    assert d.version is None
    assert Source.parse(str(project)).path == d.path
    assert Source.parse(project.resolve().as_uri()).path == d.path

    a = Source.parse(archive)
    assert type(a).__name__ == "LocalArchiveSource"
    assert a.path == archive.resolve()
    assert a.url.startswith("file://")
    assert Source.parse(archive.resolve().as_uri()).path == a.path

    named = Source.parse(f"Sdt_Setuptools.Pyproject @ {archive.resolve().as_uri()}")
    assert type(named).__name__ == "LocalArchiveSource"
    assert named.name == "sdt-setuptools-pyproject"
    assert named.path == a.path

    editable = Source.parse(project, editable=True)
    assert type(editable).__name__ == "LocalDirectorySource"
    assert editable.editable is True


@pytest.mark.parametrize(
    "spec",
    [
        "six>=1.0",
        "https:///pkg-1.0.tar.gz",
        "git+git://github.com/pypa/sampleproject",
        "git+https://github.com/pypa/sampleproject@--upload-pack=touch",
        "svn+https://example.org/repo",
        "/nonexistent/sdistill/test/path",
        "file:///nonexistent/sdistill/test/pkg-1.0.tar.gz",
    ],
)
def test_source_parse_refuses(spec: str) -> None:
    with pytest.raises(InvalidSourceError):
        Source.parse(spec)


# ---------------------------------------------------------------------------- backends


@slow
@pytest.mark.parametrize("project", PROJECT_LIST, ids=lambda p: p.directory)
def test_project_directory(
    project: Project, copy_project: Callable[..., Path], make_builder: Callable[..., Any]
) -> None:
    """metadata() and build() of a project directory agree with the backend's wheel."""
    directory = copy_project(project.directory)
    builder = make_builder()
    md = builder.metadata(directory)
    assert isinstance(md, Metadata)
    assert_same_metadata(md, project.metadata(), "metadata() vs the project")
    wheel = builder.build(directory)
    check_built_wheel(wheel, project, md)


@slow
@pytest.mark.parametrize("project", PROJECT_LIST, ids=lambda p: p.directory)
def test_project_sdist(
    project: Project,
    copy_project: Callable[..., Path],
    make_builder: Callable[..., Any],
    tmp_path: Path,
) -> None:
    """The same from an sdist-like .tar.gz of the project (name-version/ at the top)."""
    directory = copy_project(project.directory)
    archive = make_sdist(directory, tmp_path / "sdists", f"{project.wheel_name}-{project.version}")
    builder = make_builder()
    md = builder.metadata(archive)
    assert_same_metadata(md, project.metadata(), "metadata() of the sdist vs the project")
    wheel = builder.build(archive)
    check_built_wheel(wheel, project, md)
    # the archive is only read: building from it wrote nothing beside it
    assert sorted(p.name for p in archive.parent.iterdir()) == [archive.name]


@slow
def test_zip_sdist_with_a_misleading_name(
    copy_project: Callable[..., Path], make_builder: Callable[..., Any], tmp_path: Path
) -> None:
    """A zip sdist called .tar.gz: the format comes from the bytes."""
    project = PROJECTS_BY_DIR["setuptools-setup-cfg"]
    directory = copy_project(project.directory)
    top = f"{project.wheel_name}-{project.version}"
    archive = make_sdist(directory, tmp_path / "z", top, fmt="zip", filename=f"{top}.tar.gz")
    builder = make_builder()
    md = builder.metadata(archive)
    check_built_wheel(builder.build(archive), project, md)


@slow
@pytest.mark.parametrize("directory", ["setuptools-pyproject", "hatchling"])
def test_build_editable(
    directory: str,
    copy_project: Callable[..., Path],
    make_builder: Callable[..., Any],
    shared_cache_dir: Path,
) -> None:
    project = PROJECTS_BY_DIR[directory]
    path = copy_project(directory)
    builder = make_builder()
    editable = builder.build_editable(path)
    assert isinstance(editable, sdistill.BuiltWheel)
    name, version, _, _ = parse_wheel_filename(editable.filename)
    assert (name, version) == (canonicalize_name(project.name), Version(project.version))
    names = wheel_names(editable.path)
    assert any(n.endswith(".pth") for n in names), names
    assert_same_metadata(wheel_metadata(editable.path), project.metadata(), "editable METADATA")
    assert_same_metadata(editable.metadata, project.metadata(), "editable BuiltWheel.metadata")
    # cached apart from regular builds (sdists-v1/editable/...)
    assert shard_of(shared_cache_dir, path, "editable").is_dir()
    again = builder.build_editable(path)
    assert again.path == editable.path
    # a regular build of the same directory is a regular wheel, not the editable one
    regular = builder.build(path)
    assert regular.path != editable.path
    assert not any(n.endswith(".pth") for n in wheel_names(regular.path))
    check_built_wheel(regular, project)


@slow
def test_build_editable_hooks_and_cache(
    copy_project: Callable[..., Path], make_builder: Callable[..., Any], hook_log: HookLog
) -> None:
    path = copy_project("in-tree-backend")
    builder = make_builder()
    editable = builder.build_editable(path)
    hooks = hook_log.hooks()
    assert "build_editable" in hooks, hooks
    assert "build_wheel" not in hooks, hooks
    assert any(n.endswith(".pth") for n in wheel_names(editable.path))
    mark = len(hook_log)
    assert builder.build_editable(path).path == editable.path
    assert make_builder().build_editable(path).path == editable.path
    assert hook_log.since(mark) == []


# ---------------------------------------------------------------------------- static metadata

_STATIC_PKG_INFO = """\
Metadata-Version: {mv}
Name: sdt-in-tree
Version: 5.0.0
Summary: sdistill test project: an in-tree backend that logs its hooks
Requires-Python: >=3.9
Requires-Dist: six>=1.16
Requires-Dist: backports.zoneinfo>=0.2; python_version < "3.9"
Requires-Dist: pywin32>=300; sys_platform == "win32"
Provides-Extra: toml
Requires-Dist: tomli-w>=1.0; extra == "toml"
{extra}"""

# Deliberately wrong dependencies: if sdistill used this PKG-INFO, the test would see them.
_UNTRUSTED_PKG_INFO = """\
Metadata-Version: {mv}
Name: sdt-in-tree
Version: 5.0.0
Requires-Python: >=3.0
Requires-Dist: sdt-wrong-dependency>=9
Provides-Extra: wrong
{extra}"""


@slow
@pytest.mark.parametrize(
    ("mv", "extra"),
    [("2.2", ""), ("2.4", "Dynamic: Summary\n"), ("2.3", "Dynamic: Description\n")],
)
def test_static_pkg_info_needs_no_hook(
    mv: str,
    extra: str,
    copy_project: Callable[..., Path],
    make_builder: Callable[..., Any],
    hook_log: HookLog,
    tmp_path: Path,
) -> None:
    """PKG-INFO >= 2.2 without dynamic dependency fields is the answer: no hook, no env."""
    directory = copy_project("in-tree-backend")
    archive = make_sdist(
        directory,
        tmp_path / "sdists",
        "sdt_in_tree-5.0.0",
        pkg_info=_STATIC_PKG_INFO.format(mv=mv, extra=extra),
    )
    cache = tmp_path / "cache"
    md = make_builder(cache, no_build=True).metadata(archive)
    assert_same_metadata(md, IN_TREE.metadata(), "static PKG-INFO metadata")
    assert hook_log.hooks() == []
    assert env_dirs(cache) == []
    md = make_builder(cache).metadata(archive)
    assert hook_log.hooks() == []
    # ... and it is what the backend writes into the wheel
    wheel = make_builder(cache).build(archive)
    check_built_wheel(wheel, IN_TREE, md)


@slow
@pytest.mark.parametrize(
    ("mv", "extra"),
    [
        ("2.1", ""),
        ("1.2", ""),
        ("2.2", "Dynamic: Requires-Dist\n"),
        ("2.2", "Dynamic: Requires-Python\n"),
        ("2.4", "Dynamic: Provides-Extra\n"),
    ],
)
def test_untrusted_pkg_info_goes_to_the_backend(
    mv: str,
    extra: str,
    copy_project: Callable[..., Path],
    make_builder: Callable[..., Any],
    hook_log: HookLog,
    tmp_path: Path,
) -> None:
    directory = copy_project("in-tree-backend")
    archive = make_sdist(
        directory,
        tmp_path / "sdists",
        "sdt_in_tree-5.0.0",
        pkg_info=_UNTRUSTED_PKG_INFO.format(mv=mv, extra=extra),
    )
    cache = tmp_path / "cache"
    with pytest.raises(NoBuildError):
        make_builder(cache, no_build=True).metadata(archive)
    assert hook_log.hooks() == []
    md = make_builder().metadata(archive)
    assert "prepare_metadata_for_build_wheel" in hook_log.hooks()
    assert_same_metadata(md, IN_TREE.metadata(), "metadata from the backend, not PKG-INFO")


@pytest.mark.parametrize("directory", [p.directory for p in PROJECT_LIST if p.static])
def test_no_build_static_project(
    directory: str,
    copy_project: Callable[..., Path],
    make_builder: Callable[..., Any],
    tmp_path: Path,
) -> None:
    """no_build=True: a static [project] table still answers metadata(); build() refuses."""
    project = PROJECTS_BY_DIR[directory]
    path = copy_project(directory)
    cache = tmp_path / "cache"
    builder = make_builder(cache, no_build=True)
    md = builder.metadata(path)
    assert_same_metadata(md, project.metadata(), "static [project] metadata")
    with pytest.raises(NoBuildError):
        builder.build(path)
    assert env_dirs(cache) == []


@pytest.mark.parametrize("directory", [p.directory for p in PROJECT_LIST if not p.static])
def test_no_build_dynamic_project(
    directory: str,
    copy_project: Callable[..., Path],
    make_builder: Callable[..., Any],
    hook_log: HookLog,
    tmp_path: Path,
) -> None:
    path = copy_project(directory)
    cache = tmp_path / "cache"
    builder = make_builder(cache, no_build=True)
    with pytest.raises(NoBuildError):
        builder.metadata(path)
    with pytest.raises(NoBuildError):
        builder.build(path)
    assert env_dirs(cache) == []
    assert hook_log.hooks() == []


# ---------------------------------------------------------------------------- config, isolation


@slow
def test_config_settings_reach_the_backend_and_key_the_cache(
    copy_project: Callable[..., Path],
    make_builder: Callable[..., Any],
    hook_log: HookLog,
    tmp_path: Path,
) -> None:
    path = copy_project("in-tree-backend")
    cache = tmp_path / "cache"
    one = make_builder(cache, config_settings={"sdt-key": "one"})
    md = one.metadata(path)
    assert_same_metadata(md, IN_TREE.metadata())
    entries = hook_log.entries()
    assert "prepare_metadata_for_build_wheel" in [e["hook"] for e in entries]
    assert all(e["config_settings"] == {"sdt-key": "one"} for e in entries), entries
    # isolated: the hooks ran in a build environment of this cache
    for e in entries:
        assert _inside(e["executable"], cache / "environments-v1"), e

    mark = len(hook_log)
    one.metadata(path)
    make_builder(cache, config_settings={"sdt-key": "one"}).metadata(path)
    assert hook_log.since(mark) == []

    two = make_builder(cache, config_settings={"sdt-key": "two"})
    two.metadata(path)
    new = hook_log.entries()[mark:]
    assert "prepare_metadata_for_build_wheel" in [e["hook"] for e in new], new
    assert all(e["config_settings"] == {"sdt-key": "two"} for e in new), new

    mark = len(hook_log)
    wheel = two.build(path)
    new = hook_log.entries()[mark:]
    assert "build_wheel" in [e["hook"] for e in new], new
    assert all(e["config_settings"] == {"sdt-key": "two"} for e in new), new
    check_built_wheel(wheel, IN_TREE)

    # "one" still has its metadata cached, but no wheel yet
    mark = len(hook_log)
    make_builder(cache, config_settings={"sdt-key": "one"}).metadata(path)
    assert hook_log.since(mark) == []
    make_builder(cache, config_settings={"sdt-key": "one"}).build(path)
    assert "build_wheel" in hook_log.since(mark)
    # and no settings at all is yet another key
    mark = len(hook_log)
    make_builder(cache).metadata(path)
    assert "prepare_metadata_for_build_wheel" in hook_log.since(mark)


# A dependency-free in-tree backend: writes METADATA and a wheel by hand and logs the
# interpreter it runs in. Its build requirement exists nowhere, so only a build without
# isolation (nothing installed) can succeed.
_MINIMAL_BACKEND = """\
import base64, hashlib, json, os, sys, zipfile

NAME, VERSION = "sdt_no_isolation", "0.1.0"
METADATA = (
    "Metadata-Version: 2.1\\nName: sdt-no-isolation\\nVersion: 0.1.0\\n"
    "Requires-Python: >=3.9\\nRequires-Dist: six; python_version >= '3'\\n"
    "Provides-Extra: x\\nRequires-Dist: attrs; extra == 'x'\\n"
)
WHEEL = "Wheel-Version: 1.0\\nGenerator: sdt\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"


def _log(hook):
    path = os.environ.get("SDISTILL_TEST_HOOK_LOG")
    if path:
        with open(path, "a") as f:
            f.write(json.dumps({"hook": hook, "config_settings": None,
                                "pid": os.getpid(), "executable": sys.executable}) + "\\n")


def get_requires_for_build_wheel(config_settings=None):
    _log("get_requires_for_build_wheel")
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    _log("prepare_metadata_for_build_wheel")
    dist_info = os.path.join(metadata_directory, f"{NAME}-{VERSION}.dist-info")
    os.makedirs(dist_info)
    with open(os.path.join(dist_info, "METADATA"), "w") as f:
        f.write(METADATA)
    return os.path.basename(dist_info)


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    _log("build_wheel")
    name = f"{NAME}-{VERSION}-py3-none-any.whl"
    files = {
        f"{NAME}/__init__.py": b"",
        f"{NAME}-{VERSION}.dist-info/METADATA": METADATA.encode(),
        f"{NAME}-{VERSION}.dist-info/WHEEL": WHEEL.encode(),
    }
    record = []
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w") as zf:
        for path, data in files.items():
            zf.writestr(path, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            record.append(f"{path},sha256={digest.decode()},{len(data)}")
        record.append(f"{NAME}-{VERSION}.dist-info/RECORD,,")
        zf.writestr(f"{NAME}-{VERSION}.dist-info/RECORD", "\\n".join(record) + "\\n")
    return name
"""

_NO_ISOLATION = Project(
    "(tmp) no-isolation",
    "sdt-no-isolation",
    "0.1.0",
    ("six; python_version >= '3'", "attrs; extra == 'x'"),
    ("x",),
    backend="minimal_backend",
)


@slow
def test_no_build_isolation_uses_the_calling_interpreter(
    make_builder: Callable[..., Any], hook_log: HookLog, tmp_path: Path
) -> None:
    path = tmp_path / "no-isolation"
    (path / "_backend").mkdir(parents=True)
    (path / "_backend" / "minimal_backend.py").write_text(_MINIMAL_BACKEND, encoding="utf-8")
    (path / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["sdt-build-requirement-that-does-not-exist>=1"]\n'
        'build-backend = "minimal_backend"\nbackend-path = ["_backend"]\n',
        encoding="utf-8",
    )
    cache = tmp_path / "cache"
    builder = make_builder(cache, build_isolation=False)
    md = builder.metadata(path)
    assert_same_metadata(md, _NO_ISOLATION.metadata())
    check_built_wheel(builder.build(path), _NO_ISOLATION, md)
    entries = hook_log.entries()
    assert [e["hook"] for e in entries].count("prepare_metadata_for_build_wheel") == 1, entries
    for e in entries:
        assert os.path.realpath(e["executable"]) == os.path.realpath(sys.executable), e
    assert env_dirs(cache) == []
    # with isolation, the (uninstallable) requirement is needed: a BuildError
    with pytest.raises(BuildError):
        make_builder(tmp_path / "cache2").metadata(path)


@slow
@pytest.mark.parametrize("installer", ["uv", "pip"])
def test_installers(
    installer: str,
    copy_project: Callable[..., Path],
    make_builder: Callable[..., Any],
    tmp_path: Path,
) -> None:
    """Build environments made by uv and by pip, from the wheelhouse only."""
    if installer == "uv" and not uv_available():
        pytest.skip("uv is not installed (neither on PATH nor as the uv Python package)")
    project = PROJECTS_BY_DIR["setuptools-setup-cfg"]
    path = copy_project(project.directory)
    cache = tmp_path / "cache"
    builder = make_builder(cache, installer=installer)
    md = builder.metadata(path)
    check_built_wheel(builder.build(path), project, md)
    envs = env_dirs(cache)
    assert len(envs) == 1, envs
    marks = list((cache / "environments-v1" / envs[0]).rglob("setuptools-*.dist-info/INSTALLER"))
    assert len(marks) == 1, marks
    assert marks[0].read_text(encoding="utf-8").strip() == installer


# ---------------------------------------------------------------------------- failures


@slow
def test_failing_build(copy_project: Callable[..., Path], make_builder: Callable[..., Any]) -> None:
    """setup.py raises in bdist_wheel: metadata works, build() is a BuildError."""
    path = copy_project("failing")
    builder = make_builder()
    md = builder.metadata(path)
    assert md.name == "sdt-failing"
    with pytest.raises(BuildError) as info:
        builder.build(path)
    err = info.value
    assert err.backend == "setuptools.build_meta:__legacy__"
    assert err.hook == "build_wheel"
    assert isinstance(err.exit_code, int)
    assert err.exit_code != 0
    assert err.output_tail
    assert any("SDT_BUILD_FAILS_ON_PURPOSE" in line for line in err.output_tail), err.output_tail
    assert "build_wheel" in str(err)
    assert "SDT_BUILD_FAILS_ON_PURPOSE" in str(err)
    # a failure is not cached as a success
    with pytest.raises(BuildError):
        builder.build(path)


@slow
def test_missing_build_dependency(make_builder: Callable[..., Any], tmp_path: Path) -> None:
    """A build requirement the wheelhouse does not have: a BuildError with the installer's words."""
    path = tmp_path / "missing-dep"
    path.mkdir()
    (path / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["sdt-no-such-build-dep>=1"]\n'
        'build-backend = "setuptools.build_meta"\n',
        encoding="utf-8",
    )
    (path / "setup.py").write_text("from setuptools import setup\nsetup()\n", encoding="utf-8")
    cache = tmp_path / "cache"
    with pytest.raises(BuildError) as info:
        make_builder(cache).metadata(path)
    text = str(info.value) + "\n" + "\n".join(info.value.output_tail)
    assert "sdt-no-such-build-dep" in text.lower().replace("_", "-"), text
    # the broken environment is not left behind as if complete: a retry fails the same way
    with pytest.raises(BuildError):
        make_builder(cache).metadata(path)


@slow
def test_name_mismatch(
    copy_project: Callable[..., Path], make_builder: Callable[..., Any], tmp_path: Path
) -> None:
    path = copy_project("name-mismatch")
    builder = make_builder()
    wrong = f"sdt-requested-name @ {path.as_uri()}"
    with pytest.raises(MetadataMismatchError):
        builder.metadata(wrong)
    with pytest.raises(MetadataMismatchError):
        builder.build(wrong)
    # the right name is fine, in any spelling
    md = builder.metadata(f"SDT_Actual.Name @ {path.as_uri()}")
    assert canonicalize_name(md.name) == "sdt-actual-name"
    assert builder.build(f"sdt-actual-name @ {path.as_uri()}").filename.startswith(
        "sdt_actual_name-1.0.0-"
    )
    # and the same from an sdist
    archive = make_sdist(path, tmp_path / "sdists", "sdt_actual_name-1.0.0")
    with pytest.raises(MetadataMismatchError):
        builder.metadata(f"sdt-requested-name @ {archive.as_uri()}")
    with pytest.raises(MetadataMismatchError):
        builder.build(f"sdt-requested-name @ {archive.as_uri()}")


@slow
def test_static_pkg_info_with_another_name_is_a_mismatch(
    copy_project: Callable[..., Path],
    make_builder: Callable[..., Any],
    hook_log: HookLog,
    tmp_path: Path,
) -> None:
    directory = copy_project("in-tree-backend")
    archive = make_sdist(
        directory,
        tmp_path / "sdists",
        "sdt_in_tree-5.0.0",
        pkg_info=_STATIC_PKG_INFO.format(mv="2.2", extra=""),
    )
    with pytest.raises(MetadataMismatchError):
        make_builder().metadata(f"sdt-someone-else @ {archive.as_uri()}")


def _requires_not_a_list(path: Path) -> None:
    path.mkdir(parents=True)
    (path / "pyproject.toml").write_text(
        '[build-system]\nrequires = "setuptools>=61"\nbuild-backend = "setuptools.build_meta"\n',
        encoding="utf-8",
    )
    (path / "setup.cfg").write_text(
        "[metadata]\nname = sdt-requires-not-a-list\nversion = 1.0\n", encoding="utf-8"
    )


def _requires_not_strings(path: Path) -> None:
    path.mkdir(parents=True)
    (path / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=61", 3]\n'
        'build-backend = "setuptools.build_meta"\n',
        encoding="utf-8",
    )
    (path / "setup.py").write_text("from setuptools import setup\nsetup()\n", encoding="utf-8")


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("no-entry-point", ("pyproject.toml", "setup.py")),
        ("backend-path-outside", ("backend-path",)),
        ("malformed-toml", ("toml",)),
        ("requires-not-a-list", ("requires",)),
        ("requires-not-strings", ("requires",)),
    ],
)
@pytest.mark.parametrize("call", ["metadata", "build"])
def test_invalid_source_tree(
    case: str,
    reason: tuple[str, ...],
    call: str,
    copy_project: Callable[..., Path],
    make_builder: Callable[..., Any],
    tmp_path: Path,
) -> None:
    """Not buildable trees: InvalidSourceError naming the path and the reason, no env made."""
    if case == "requires-not-a-list":
        path = tmp_path / case
        _requires_not_a_list(path)
    elif case == "requires-not-strings":
        path = tmp_path / case
        _requires_not_strings(path)
    else:
        path = copy_project(case)
    cache = tmp_path / "cache"
    builder = make_builder(cache)
    with pytest.raises(InvalidSourceError) as info:
        getattr(builder, call)(path)
    message = str(info.value)
    assert str(path) in message or str(path.resolve()) in message, message
    for word in reason:
        assert word in message.lower(), message
    assert env_dirs(cache) == []


def test_invalid_source_archive_without_entry_point(
    make_builder: Callable[..., Any], tmp_path: Path
) -> None:
    archive = make_sdist(PROJECTS / "no-entry-point", tmp_path / "sdists", "sdt_nothing-1.0")
    with pytest.raises(InvalidSourceError):
        make_builder(tmp_path / "cache").metadata(archive)


def test_missing_path_is_invalid(make_builder: Callable[..., Any], tmp_path: Path) -> None:
    builder = make_builder(tmp_path / "cache")
    with pytest.raises(InvalidSourceError):
        builder.metadata(tmp_path / "does-not-exist")
    with pytest.raises(InvalidSourceError):
        builder.build(str(tmp_path / "does-not-exist.tar.gz"))


# ---------------------------------------------------------------------------- cache


@slow
def test_second_calls_run_no_hook(
    copy_project: Callable[..., Path],
    make_builder: Callable[..., Any],
    hook_log: HookLog,
    tmp_path: Path,
) -> None:
    path = copy_project("in-tree-backend")
    cache = tmp_path / "cache"
    builder = make_builder(cache)
    md = builder.metadata(path)
    hooks = hook_log.hooks()
    assert hooks.count("prepare_metadata_for_build_wheel") == 1, hooks
    # metadata() never builds a wheel when the backend has prepare_metadata_for_build_wheel
    assert "build_wheel" not in hooks, hooks

    mark = len(hook_log)
    assert_same_metadata(builder.metadata(path), md)
    assert_same_metadata(make_builder(cache).metadata(path), md)
    assert_same_metadata(make_builder(cache).metadata(str(path)), md)
    assert_same_metadata(make_builder(cache).metadata(path.as_uri()), md)
    assert hook_log.since(mark) == []

    wheel = builder.build(path)
    assert "build_wheel" in hook_log.since(mark)
    check_built_wheel(wheel, IN_TREE, md)

    mark = len(hook_log)
    assert builder.build(path).path == wheel.path
    assert make_builder(cache).build(path).path == wheel.path
    assert_same_metadata(make_builder(cache).metadata(path), md)
    assert hook_log.since(mark) == []

    # an sdist of it: cached the same way
    archive = make_sdist(path, tmp_path / "sdists", "sdt_in_tree-5.0.0")
    builder.metadata(archive)
    builder.build(archive)
    mark = len(hook_log)
    assert_same_metadata(make_builder(cache).metadata(archive), md)
    make_builder(cache).build(archive)
    assert hook_log.since(mark) == []


@slow
def test_new_revision_when_a_key_file_changes(
    copy_project: Callable[..., Path],
    make_builder: Callable[..., Any],
    hook_log: HookLog,
    tmp_path: Path,
) -> None:
    path = copy_project("in-tree-backend")
    cache = tmp_path / "cache"
    builder = make_builder(cache)
    builder.metadata(path)
    shard = shard_of(cache, path)
    first = live_revision(shard)
    assert (shard / first).is_dir()

    # a file that is not a cache key: nothing happens
    mark = len(hook_log)
    bump_mtime(path / "sdt_in_tree" / "__init__.py")
    builder.metadata(path)
    assert hook_log.since(mark) == []
    assert live_revision(shard) == first

    seen = {first}
    for key in ("pyproject.toml", "setup.cfg"):
        mark = len(hook_log)
        bump_mtime(path / key)
        md = builder.metadata(path)
        assert "prepare_metadata_for_build_wheel" in hook_log.since(mark), key
        assert_same_metadata(md, IN_TREE.metadata())
        revision = live_revision(shard)
        assert revision not in seen, key
        assert (shard / revision).is_dir()
        seen.add(revision)
        mark = len(hook_log)
        builder.metadata(path)
        assert hook_log.since(mark) == []

    # a changed setup.cfg is really rebuilt, not just re-stamped
    cfg = path / "setup.cfg"
    cfg.write_text(cfg.read_text().replace("version = 5.0.0", "version = 5.0.1"))
    bump_mtime(cfg)
    assert make_builder(cache).metadata(path).version == Version("5.0.1")


@slow
def test_new_revision_when_an_archive_changes(
    copy_project: Callable[..., Path],
    make_builder: Callable[..., Any],
    hook_log: HookLog,
    tmp_path: Path,
) -> None:
    path = copy_project("in-tree-backend")
    archive = make_sdist(path, tmp_path / "sdists", "sdt_in_tree-5.0.0")
    cache = tmp_path / "cache"
    builder = make_builder(cache)
    assert builder.metadata(archive).version == Version("5.0.0")
    shard = shard_of(cache, archive)
    first = live_revision(shard)
    cfg = path / "setup.cfg"
    # Same file name and version (a name-version.tar.gz must hold that version), new content.
    cfg.write_text(cfg.read_text().replace("six>=1.16", "six>=1.17"))
    make_sdist(path, tmp_path / "sdists", "sdt_in_tree-5.0.0")
    bump_mtime(archive)
    mark = len(hook_log)
    assert "six>=1.17" in [str(r) for r in builder.metadata(archive).requires_dist or []]
    assert "prepare_metadata_for_build_wheel" in hook_log.since(mark)
    assert live_revision(shard) != first


def test_an_sdist_must_hold_the_version_its_name_says(
    copy_project: Callable[..., Path], make_builder: Callable[..., Any], tmp_path: Path
) -> None:
    """Like pip and uv: name-1.0.tar.gz that builds 1.1 is refused, not silently served."""
    path = copy_project("in-tree-backend")
    archive = make_sdist(path, tmp_path / "sdists", "sdt_in_tree-5.0.0")
    renamed = archive.with_name("sdt_in_tree-4.0.0.tar.gz")
    archive.rename(renamed)
    with pytest.raises(MetadataMismatchError, match=r"4\.0\.0"):
        make_builder(tmp_path / "cache").metadata(renamed)


@slow
def test_tool_sdistill_cache_keys(
    copy_project: Callable[..., Path],
    make_builder: Callable[..., Any],
    hook_log: HookLog,
    tmp_path: Path,
) -> None:
    path = copy_project("in-tree-backend")
    pyproject = path / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text() + '\n[tool.sdistill]\ncache-keys = ["sdt_in_tree/__init__.py"]\n'
    )
    cache = tmp_path / "cache"
    make_builder(cache).metadata(path)
    first = live_revision(shard_of(cache, path))
    mark = len(hook_log)
    bump_mtime(path / "sdt_in_tree" / "__init__.py")
    make_builder(cache).metadata(path)
    assert "prepare_metadata_for_build_wheel" in hook_log.since(mark)
    assert live_revision(shard_of(cache, path)) != first


@slow
@pytest.mark.parametrize(
    "garbage",
    [b"\x00\xff\xfe not metadata at all \x00", b"", b"Metadata-Version: 2.1\nName: sdt-in-tree\n"],
    ids=["binary", "empty", "truncated"],
)
def test_corrupt_metadata_record_is_healed(
    garbage: bytes,
    copy_project: Callable[..., Path],
    make_builder: Callable[..., Any],
    shared_cache_dir: Path,
) -> None:
    path = copy_project("in-tree-backend")
    builder = make_builder()
    md = builder.metadata(path)
    wheel = builder.build(path)
    shard = shard_of(shared_cache_dir, path)
    records = [p for p in shard.rglob("METADATA") if p.is_file()]
    assert records, sorted(str(p.relative_to(shard)) for p in shard.rglob("*"))
    for record in records:
        record.write_bytes(garbage)
    healed = make_builder().metadata(path)
    assert_same_metadata(healed, md, "metadata after the record was corrupted")
    assert_same_metadata(make_builder().metadata(path), md, "and again")
    rebuilt = make_builder().build(path)
    check_built_wheel(rebuilt, IN_TREE, md)
    assert rebuilt.filename == wheel.filename


@slow
def test_deleted_wheel_is_rebuilt(
    copy_project: Callable[..., Path], make_builder: Callable[..., Any], hook_log: HookLog
) -> None:
    path = copy_project("in-tree-backend")
    builder = make_builder()
    wheel = builder.build(path)
    wheel.path.unlink()
    mark = len(hook_log)
    again = make_builder().build(path)
    assert "build_wheel" in hook_log.since(mark)
    assert again.path.is_file()
    assert again.filename == wheel.filename
    check_built_wheel(again, IN_TREE)


_CHILD = """\
import json, sys
from sdistill import SourceDistBuilder
builder = SourceDistBuilder(cache_dir=sys.argv[1], index_url=None, find_links=[sys.argv[2]])
md = builder.metadata(sys.argv[3])
print(json.dumps([md.name, str(md.version)]))
"""


@slow
def test_two_processes_one_build(
    copy_project: Callable[..., Path],
    wheelhouse: Path,
    hook_log: HookLog,
    tmp_path: Path,
) -> None:
    """Two processes asking for the same cold source: one environment, one set of hooks."""
    path = copy_project("in-tree-backend")
    cache = tmp_path / "cache"
    env = dict(os.environ, SDISTILL_TEST_HOOK_SLEEP="1.5")
    argv = [sys.executable, "-c", _CHILD, str(cache), str(wheelhouse), str(path)]
    children = [
        subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    results = []
    for child in children:
        out, err = child.communicate(timeout=240)
        assert child.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    assert results == [["sdt-in-tree", "5.0.0"]] * 2
    hooks = hook_log.hooks()
    assert hooks.count("prepare_metadata_for_build_wheel") == 1, hooks
    assert hooks.count("get_requires_for_build_wheel") <= 1, hooks
    assert len(env_dirs(cache)) == 1


@slow
def test_environments_are_reused(
    copy_project: Callable[..., Path], make_builder: Callable[..., Any], tmp_path: Path
) -> None:
    """One environment per requirement set, shared by projects and builder instances."""
    cache = tmp_path / "cache"
    first = copy_project("setuptools-setup-cfg", tmp_path / "first")
    second = copy_project("setuptools-setup-cfg", tmp_path / "second")
    cfg = second / "setup.cfg"
    cfg.write_text(cfg.read_text().replace("name = sdt-setup-cfg", "name = sdt-setup-cfg-two"))

    assert make_builder(cache).build(first).filename.startswith("sdt_setup_cfg-0.4.2-")
    envs = env_dirs(cache)
    assert len(envs) == 1, envs
    assert make_builder(cache).build(second).filename.startswith("sdt_setup_cfg_two-0.4.2-")
    assert make_builder(cache).metadata(second).name == "sdt-setup-cfg-two"
    assert env_dirs(cache) == envs
    # another backend is another environment; the first one is still there
    make_builder(cache).metadata(copy_project("flit-core"))
    after = env_dirs(cache)
    assert len(after) == 2, after
    assert set(envs) <= set(after)


_KILLED_CHILD = """\
import sys
from sdistill import SourceDistBuilder
builder = SourceDistBuilder(
    cache_dir=sys.argv[1], index_url=None, find_links=[sys.argv[2]], installer="pip"
)
builder.metadata(sys.argv[3])
"""


@slow
def test_environment_killed_mid_creation_is_not_used(
    copy_project: Callable[..., Path],
    wheelhouse: Path,
    make_builder: Callable[..., Any],
    tmp_path: Path,
) -> None:
    """A process killed while it fills an environment leaves nothing that a later build uses."""
    project = PROJECTS_BY_DIR["setuptools-setup-cfg"]
    path = copy_project(project.directory)
    cache = tmp_path / "cache"
    child = subprocess.Popen(
        [sys.executable, "-c", _KILLED_CHILD, str(cache), str(wheelhouse), str(path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its pip is killed with it (killpg below)
    )
    try:
        deadline = time.monotonic() + 60
        while not env_dirs(cache) and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    md = make_builder(cache).metadata(path)
    check_built_wheel(make_builder(cache).build(path), project, md)
    assert len(env_dirs(cache)) == 1


@slow
def test_environment_without_interpreter_is_rebuilt(
    copy_project: Callable[..., Path], make_builder: Callable[..., Any], tmp_path: Path
) -> None:
    """A broken environment (its interpreter gone) is rebuilt, not used."""
    cache = tmp_path / "cache"
    first = copy_project("setuptools-setup-cfg", tmp_path / "first")
    second = copy_project("setuptools-pyproject", tmp_path / "second")
    make_builder(cache).build(first)
    (env,) = env_dirs(cache)
    scripts = cache / "environments-v1" / env / "bin"
    pythons = list(scripts.glob("python*"))
    assert pythons, sorted(p.name for p in scripts.iterdir())
    for python in pythons:
        python.unlink()
    wheel = make_builder(cache).build(second)
    check_built_wheel(wheel, PROJECTS_BY_DIR["setuptools-pyproject"])


# ---------------------------------------------------------------------------- many, reporter


@slow
def test_metadata_many_and_build_many(
    copy_project: Callable[..., Path], make_builder: Callable[..., Any], tmp_path: Path
) -> None:
    static = copy_project("setuptools-pyproject")
    nothing = copy_project("no-entry-point")
    in_tree = copy_project("in-tree-backend")
    failing = copy_project("failing")
    missing = tmp_path / "does-not-exist"
    sources: list[Any] = [static, nothing, str(in_tree), Source.parse(failing), str(missing)]
    builder = make_builder(jobs=2)

    results = builder.metadata_many(sources)
    assert len(results) == len(sources)
    assert isinstance(results[0], Metadata)
    assert results[0].name == "sdt-setuptools-pyproject"
    assert isinstance(results[1], InvalidSourceError)
    assert isinstance(results[2], Metadata)
    assert results[2].name == "sdt-in-tree"
    assert isinstance(results[3], Metadata)
    assert results[3].name == "sdt-failing"
    assert isinstance(results[4], InvalidSourceError)

    built = builder.build_many(sources)
    assert len(built) == len(sources)
    assert isinstance(built[0], sdistill.BuiltWheel)
    check_built_wheel(built[0], PROJECTS_BY_DIR["setuptools-pyproject"])
    assert isinstance(built[1], InvalidSourceError)
    assert isinstance(built[2], sdistill.BuiltWheel)
    check_built_wheel(built[2], IN_TREE)
    assert isinstance(built[3], BuildError)
    assert built[3].hook == "build_wheel"
    assert isinstance(built[4], InvalidSourceError)
    assert builder.metadata_many([]) == []


@slow
def test_reporter_sees_every_hook(
    copy_project: Callable[..., Path], make_builder: Callable[..., Any], hook_log: HookLog
) -> None:
    events: list[tuple[str, str, float | None]] = []

    class Recorder(sdistill.NullReporter):
        def on_build_start(self, source: Any, hook: str) -> None:
            events.append(("start", hook, None))

        def on_build_finish(self, source: Any, hook: str, seconds: float) -> None:
            events.append(("finish", hook, seconds))

    path = copy_project("in-tree-backend")
    make_builder(reporter=Recorder()).metadata(path)
    started = [h for kind, h, _ in events if kind == "start"]
    finished = [h for kind, h, _ in events if kind == "finish"]
    for hook in hook_log.hooks():
        assert hook in started, (hook, events)
    assert sorted(started) == sorted(finished), events
    assert all(s is not None and s >= 0 for kind, _, s in events if kind == "finish")


@slow
def test_logger_named_sdistill(
    copy_project: Callable[..., Path],
    make_builder: Callable[..., Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    path = copy_project("setuptools-setup-cfg")
    with caplog.at_level(logging.DEBUG, logger="sdistill"):
        make_builder().metadata(path)
    assert any(r.name.split(".")[0] == "sdistill" for r in caplog.records)


@slow
def test_warm_metadata_is_fast(
    copy_project: Callable[..., Path], make_builder: Callable[..., Any]
) -> None:
    """The issue's target is well under 1 ms; this only catches gross regressions."""
    path = copy_project("in-tree-backend")
    builder = make_builder()
    builder.metadata(path)
    builder.build(path)
    times = []
    for _ in range(50):
        started = time.perf_counter()
        builder.metadata(path)
        builder.build(path)
        times.append(time.perf_counter() - started)
    times.sort()
    assert times[len(times) // 2] < 0.010, times


# ---------------------------------------------------------------------------- CLI


def _cli(
    *args: str | os.PathLike[str], env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sdistill", *map(os.fspath, args)],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
        env=env if env is not None else dict(os.environ),
    )


def _offline(cache: Path, wheelhouse: Path) -> list[str]:
    return ["--cache-dir", str(cache), "--no-index", "--find-links", str(wheelhouse)]


@slow
def test_cli_metadata_json(
    copy_project: Callable[..., Path], wheelhouse: Path, tmp_path: Path
) -> None:
    static = copy_project("setuptools-pyproject")
    dynamic = copy_project("setuptools-setup-cfg")
    result = _cli("metadata", static, dynamic, "--json", *_offline(tmp_path / "c", wheelhouse))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert isinstance(data, list)
    assert len(data) == 2
    for entry, directory in zip(data, ["setuptools-pyproject", "setuptools-setup-cfg"]):
        project = PROJECTS_BY_DIR[directory]
        assert entry["name"] == project.name
        assert entry["version"] == project.version
        assert "metadata_version" in entry
        md = Metadata.from_raw(
            {
                "metadata_version": "2.1",
                "name": entry["name"],
                "version": entry["version"],
                "requires_python": entry["requires_python"],
                "requires_dist": list(entry["requires_dist"]),
                "provides_extra": list(entry["provides_extra"]),
            }
        )
        assert_same_metadata(md, project.metadata(), f"CLI --json for {directory}")


@slow
def test_cli_metadata_text(
    copy_project: Callable[..., Path], wheelhouse: Path, tmp_path: Path
) -> None:
    path = copy_project("setuptools-pyproject")
    result = _cli("metadata", path, *_offline(tmp_path / "c", wheelhouse))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "sdt-setuptools-pyproject 2.1.0" in out
    assert ">=3.9" in out
    assert "packaging>=21" in out
    assert "cli" in out
    assert "test" in out


@slow
def test_cli_build(copy_project: Callable[..., Path], wheelhouse: Path, tmp_path: Path) -> None:
    path = copy_project("setuptools-setup-cfg")
    out_dir = tmp_path / "out"
    cache = tmp_path / "c"
    result = _cli("build", path, "-o", out_dir, *_offline(cache, wheelhouse))
    assert result.returncode == 0, result.stderr
    wheels = sorted(out_dir.glob("*.whl"))
    assert [w.name for w in wheels] == ["sdt_setup_cfg-0.4.2-py3-none-any.whl"]
    assert str(wheels[0]) in result.stdout, result.stdout
    # the other options, and several specs at once: the cached wheel plus a new one
    other = copy_project("setuptools-pyproject")
    result = _cli(
        "build", path, other, "-o", out_dir, "--jobs", "2", "--installer", "pip", "-q",
        *_offline(cache, wheelhouse),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert sorted(w.name for w in out_dir.glob("*.whl")) == [
        "sdt_setup_cfg-0.4.2-py3-none-any.whl",
        "sdt_setuptools_pyproject-2.1.0-py3-none-any.whl",
    ]
    assert_same_metadata(
        wheel_metadata(wheels[0]), PROJECTS_BY_DIR["setuptools-setup-cfg"].metadata()
    )


@slow
def test_cli_config_settings(
    copy_project: Callable[..., Path], wheelhouse: Path, hook_log: HookLog, tmp_path: Path
) -> None:
    path = copy_project("in-tree-backend")
    result = _cli(
        "metadata", path, "-C", "sdt-key=from-cli", "--json", *_offline(tmp_path / "c", wheelhouse)
    )
    assert result.returncode == 0, result.stderr
    entries = hook_log.entries()
    assert "prepare_metadata_for_build_wheel" in [e["hook"] for e in entries]
    assert all(e["config_settings"] == {"sdt-key": "from-cli"} for e in entries), entries


def test_cli_errors(copy_project: Callable[..., Path], wheelhouse: Path, tmp_path: Path) -> None:
    nothing = copy_project("no-entry-point")
    result = _cli("metadata", nothing, *_offline(tmp_path / "c", wheelhouse))
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert result.stderr.startswith("error: "), result.stderr
    assert "no-entry-point" in result.stderr

    dynamic = copy_project("setuptools-setup-py")
    result = _cli("metadata", dynamic, "--no-build", *_offline(tmp_path / "c", wheelhouse))
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert result.stderr.startswith("error: "), result.stderr
