"""Old sdists on current setuptools: build constraints, extra build dependencies, the
hints that name a missing module's fix, and hooks run with a fixed hash seed.

The constrained builds install ``setuptools<81`` from the corpus wheelhouse
(``tests/fixtures/corpus_wheelhouse.txt`` pins setuptools 67.1.0; ``wheelhouse.txt``
pins 82.0.1, which no longer ships ``pkg_resources``): one requirements file cannot
pin two versions of a project, since ``pip download`` resolves it as one set.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

import pytest
import sdistill
from packaging.utils import canonicalize_name
from sdistill import cli
from sdistill.build import pep517
from sdistill.build.hook_server import HookServer, supported
from sdistill.build.installers import IndexConfig, Installer
from sdistill.cli import config, parser, warm_path
from sdistill.cli.grammar import UsageError
from sdistill.errors import BuildError, SdistillError
from sdistill.sources import LocalDirectorySource
from test_environments import mark_of

slow = pytest.mark.slow
_INSTALLERS = ["uv", "pip"]


@pytest.fixture(scope="session")
def old_setuptools(corpus_find_links: list[Path]) -> list[Path]:
    """find-links holding setuptools 82.0.1 (``wheelhouse``) and 67.1.0 (``corpus``)."""
    return corpus_find_links


def _records(cache: Path) -> list[dict[str, Any]]:
    marks = sorted((cache / "environments-v1").glob("*/.sdistill-complete"))
    return [mark_of(mark.parent) for mark in marks]


def _setuptools_versions(cache: Path) -> list[str]:
    return sorted(r["installed"].get("setuptools", "-") for r in _records(cache))


def _named(name: str, path: Path) -> LocalDirectorySource:
    """The directory as ``name @ file://...`` names it."""
    return LocalDirectorySource(path=path, name=canonicalize_name(name))


# ------------------------------------------------------------------ constraints, read


def test_a_constraints_file_allows_comments_and_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "constraints.txt"
    path.write_text("# old setup.py files\n\nsetuptools < 81  # pkg_resources\nwheel\n")
    builder = sdistill.SourceDistBuilder(cache_dir=tmp_path / "c", build_constraints=path)
    assert builder.build_constraints == ["setuptools<81", "wheel"]


@pytest.mark.parametrize(
    ("line", "why"),
    [("setuptools <<< 81", "invalid build constraint"), ("foo[bar]<2", "extras"), ("-c x", "")],
)
def test_an_invalid_constraint_line_names_the_file_and_line(
    tmp_path: Path, line: str, why: str
) -> None:
    path = tmp_path / "constraints.txt"
    path.write_text(f"# header\nsetuptools<81\n{line}\n")
    with pytest.raises(SdistillError) as info:
        sdistill.SourceDistBuilder(cache_dir=tmp_path / "c", build_constraints=path)
    assert f"{path}, line 3" in str(info.value)
    assert why in str(info.value)


def test_constraints_precedence_argument_then_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from_env = tmp_path / "env.txt"
    from_env.write_text("setuptools<81\n")
    monkeypatch.setenv("SDISTILL_BUILD_CONSTRAINT", str(from_env))

    def constraints(**options: Any) -> list[str]:
        return sdistill.SourceDistBuilder(cache_dir=tmp_path / "c", **options).build_constraints

    assert constraints() == ["setuptools<81"]
    assert constraints(build_constraints=["wheel<1"]) == ["wheel<1"]
    assert constraints(build_constraints=[]) == []
    monkeypatch.delenv("SDISTILL_BUILD_CONSTRAINT")
    assert constraints() == []


def test_extra_build_dependencies_are_checked_and_normalised(tmp_path: Path) -> None:
    builder = sdistill.SourceDistBuilder(
        cache_dir=tmp_path / "c", extra_build_dependencies={"My_Project": ["setuptools>=40"]}
    )
    assert builder.extra_build_dependencies == {"my-project": ("setuptools>=40",)}
    with pytest.raises(SdistillError, match="invalid requirement"):
        sdistill.SourceDistBuilder(
            cache_dir=tmp_path / "c", extra_build_dependencies={"p": ["setuptools >>> 1"]}
        )


@pytest.mark.parametrize("name", _INSTALLERS)
def test_the_installer_command_line_gets_the_constraints_file(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    commands: list[list[str]] = []
    monkeypatch.setattr(Installer, "_run", lambda self, command, what: commands.append(command))
    installer = Installer(name, "installer")
    constraints = tmp_path / "c.txt"
    installer.install(Path("python"), ["setuptools"], IndexConfig(), constraints)
    installer.install(Path("python"), ["setuptools"], IndexConfig())
    with_file, without = commands
    assert with_file[with_file.index("--constraint") + 1] == str(constraints)
    assert with_file.index("--constraint") < with_file.index("--")
    assert "--constraint" not in without


# ------------------------------------------------------------------ the CLI


def test_cli_build_options(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SDISTILL_BUILD_CONSTRAINT", raising=False)
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_text("setuptools<81\n")
    second.write_text("wheel<1  # a comment\n")
    words = ["metadata", "x", "--cache-dir", str(tmp_path / "c")]
    words += ["--build-constraint", str(first), "--build-constraint", str(second)]
    words += ["--extra-build-dependency", "Some_Project=setuptools"]
    words += ["--extra-build-dependency", "some-project=wheel==0.48.0"]
    builder = config.builder(parser.parse(words), None)  # type: ignore[arg-type]
    assert builder.build_constraints == ["setuptools<81", "wheel<1"]
    assert builder.extra_build_dependencies == {"some-project": ("setuptools", "wheel==0.48.0")}
    # no --build-constraint: the environment's file
    monkeypatch.setenv("SDISTILL_BUILD_CONSTRAINT", str(second))
    plain = config.builder(parser.parse(words[:4]), None)  # type: ignore[arg-type]
    assert plain.build_constraints == ["wheel<1"]
    # they are part of an answer's key: the warm reader leaves them to the builder
    assert warm_path.cold_option(parser.parse(words)) == "--build-constraint"
    only_extra = parser.parse(["metadata", "x", "--extra-build-dependency", "a=b"])
    assert warm_path.cold_option(only_extra) == "--extra-build-dependency"
    plain_words = ["metadata", "x", "--cache-dir", str(tmp_path / "c")]
    assert warm_path.answer(parser.parse(plain_words)) is False
    with pytest.raises(UsageError, match="NAME=REQUIREMENT"):
        parser.parse(["metadata", "x", "--extra-build-dependency", "=setuptools"])
    with pytest.raises(SystemExit):
        cli.main(["metadata", "x", "--extra-build-dependency", "=setuptools"])


def test_cli_reports_an_invalid_constraints_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "constraints.txt"
    path.write_text("setuptools<81\nnot a requirement!\n")
    project = tmp_path / "p"
    project.mkdir()
    (project / "setup.py").write_text("raise SystemExit(1)\n")
    words = ["metadata", str(project), "--cache-dir", str(tmp_path / "c")]
    assert cli.main([*words, "--build-constraint", str(path)]) == 1
    assert f"{path}, line 2" in capsys.readouterr().err


# ------------------------------------------------------------------ real builds


@slow
def test_pkg_resources_gets_a_hint_naming_the_constraint(
    copy_project: Callable[..., Path], make_builder: Callable[..., Any]
) -> None:
    path = copy_project("imports-pkg-resources")
    with pytest.raises(BuildError) as info:
        make_builder(build_constraints=[]).metadata(path)
    text = str(info.value)
    assert "No module named 'pkg_resources'" in text
    hint = text.rpartition("\nhint: ")[2]
    assert "`pkg_resources`" in hint
    assert "`setuptools<81`" in hint
    assert "--build-constraint FILE" in hint
    assert 'build_constraints=["setuptools<81"]' in hint
    assert "should be listed in build-system.requires" not in text


@slow
@pytest.mark.parametrize("installer", _INSTALLERS)
def test_pkg_resources_builds_with_a_constraint(
    installer: str,
    copy_project: Callable[..., Path],
    old_setuptools: list[Path],
    tmp_path: Path,
) -> None:
    path = copy_project("imports-pkg-resources")
    cache = tmp_path / "cache"

    def builder(constraints: list[str]) -> sdistill.SourceDistBuilder:
        return sdistill.SourceDistBuilder(
            cache_dir=cache,
            index_url=None,
            find_links=old_setuptools,
            installer=installer,
            build_constraints=constraints,
        )

    with pytest.raises(BuildError, match="pkg_resources"):
        builder([]).metadata(path)
    assert _setuptools_versions(cache) == ["82.0.1"]
    constrained = builder(["setuptools<81"])
    assert constrained.metadata(path).name == "sdt-pkg-resources"
    assert constrained.build(path).filename == "sdt_pkg_resources-1.0-py3-none-any.whl"
    # Its own environments (setuptools 67.1.0 asks for wheel too): the installer got the
    # constraint, or it would have taken the newest setuptools of the find-links.
    records = _records(cache)
    assert [r["constraints"] for r in records].count(["setuptools<81"]) == len(records) - 1
    assert _setuptools_versions(cache) == ["67.1.0", "67.1.0", "82.0.1"]
    for env in (cache / "environments-v1").iterdir():
        written = env / ".sdistill-constraints.txt"
        if env.is_dir() and written.exists():
            assert written.read_text() == "setuptools<81\n"


def test_constraints_are_part_of_the_answers_key(
    copy_project: Callable[..., Path], old_setuptools: list[Path], tmp_path: Path
) -> None:
    """An answer made under other constraints is never served: the same project gives
    another metadata with an older setuptools, and both stay cached."""
    path = copy_project("pkg-resources-optional")
    cache = tmp_path / "cache"

    hooks: list[str] = []

    class Hooks(sdistill.NullReporter):
        def on_build_start(self, source: object, hook: str) -> None:
            hooks.append(hook)

    def requires(constraints: list[str]) -> list[str]:
        builder = sdistill.SourceDistBuilder(
            cache_dir=cache,
            index_url=None,
            find_links=old_setuptools,
            build_constraints=constraints,
            reporter=Hooks(),
        )
        return [str(r) for r in builder.metadata(path).requires_dist or []]

    assert requires([]) == []
    assert requires(["setuptools<81"]) == ['sdt-marker-dependency; python_version >= "3"']
    assert requires([]) == []
    assert requires(["setuptools<81"]) == ['sdt-marker-dependency; python_version >= "3"']
    assert hooks.count("prepare_metadata_for_build_wheel") == 2, "each was made once"

    # The command line too: the warm reader leaves a constrained request to the builder.
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("setuptools<81\n")
    argv = ["metadata", str(path), "--cache-dir", str(cache), "--no-index", "--json"]
    argv += [f"--find-links={link}" for link in old_setuptools]
    plain = _cli(argv)
    pinned = _cli([*argv, "--build-constraint", str(constraints)])
    assert json.loads(plain)[0]["requires_dist"] == []
    assert json.loads(pinned)[0]["requires_dist"] == [
        'sdt-marker-dependency; python_version >= "3"'
    ]


def _cli(argv: list[str], env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "sdistill", *argv],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@slow
def test_constraints_never_share_environments_with_other_constraints(
    tmp_path: Path, wheelhouse: Path
) -> None:
    """``setuptools<83`` is met by the unconstrained environment's 82.0.1, yet a
    constrained set gets its own environment, and the other way round."""
    made = []

    def build(cache: Path, constraints: list[str]) -> None:
        project = tmp_path / f"p{len(made)}"  # a new project each time: no cached answer
        project.mkdir()
        name = f"sdt-c{len(made)}"
        (project / "setup.py").write_text(f'from setuptools import setup\nsetup(name="{name}")\n')
        made.append(
            sdistill.SourceDistBuilder(
                cache_dir=cache,
                index_url=None,
                find_links=[wheelhouse],
                build_constraints=constraints,
            ).build(project)
        )

    build(tmp_path / "one", [])
    build(tmp_path / "one", ["setuptools<83"])
    assert sorted(r["constraints"] for r in _records(tmp_path / "one")) == [[], ["setuptools<83"]]
    build(tmp_path / "two", ["setuptools<83"])
    build(tmp_path / "two", [])
    assert len(_records(tmp_path / "two")) == 2
    build(tmp_path / "two", ["setuptools<83", "setuptools < 83"])  # the same set: reused
    assert len(_records(tmp_path / "two")) == 2
    assert len(made) == 5


@slow
def test_a_distutils_module_setuptools_dropped(
    copy_project: Callable[..., Path],
    old_setuptools: list[Path],
    tmp_path: Path,
) -> None:
    """``distutils.config`` is in Python 3.11's distutils and in setuptools 67.1.0's
    copy, which a build environment's setuptools puts in its place, not in 82.0.1's."""
    path = copy_project("imports-distutils-config")
    cache = tmp_path / "cache"
    options: dict[str, Any] = {"cache_dir": cache, "index_url": None, "find_links": old_setuptools}
    with pytest.raises(BuildError) as info:
        sdistill.SourceDistBuilder(build_constraints=[], **options).metadata(path)
    hint = str(info.value).rpartition("\nhint: ")[2]
    assert "`distutils.config`" in hint
    assert "--build-constraint FILE" in hint
    assert "setuptools<" in hint
    built = sdistill.SourceDistBuilder(build_constraints=["setuptools<81"], **options).build(path)
    assert built.filename == "sdt_distutils_config-1.0-py3-none-any.whl"


@slow
def test_no_distutils_gets_a_hint_naming_the_extra_dependency(
    copy_project: Callable[..., Path], make_builder: Callable[..., Any]
) -> None:
    """Python 3.11 still has distutils: the project raises what 3.12 and later raise."""
    path = copy_project("imports-distutils")
    with pytest.raises(BuildError) as info:
        make_builder().metadata(_named("sdt-imports-distutils", path))
    hint = str(info.value).rpartition("\nhint: ")[2]
    assert "`distutils`" in hint
    assert "--extra-build-dependency sdt-imports-distutils=setuptools" in hint
    assert 'extra_build_dependencies={"sdt-imports-distutils": ["setuptools"]}' in hint


@slow
def test_setuptools_missing_from_requires_is_fixed_by_an_extra_dependency(
    copy_project: Callable[..., Path], make_builder: Callable[..., Any], tmp_path: Path
) -> None:
    path = copy_project("no-setuptools-listed")
    source = _named("sdt-no-setuptools-listed", path)
    cache = tmp_path / "cache"
    with pytest.raises(BuildError) as info:
        make_builder(cache).metadata(source)
    text = str(info.value)
    assert "No module named 'setuptools'" in text
    hint = text.rpartition("\nhint: ")[2]
    assert "--extra-build-dependency sdt-no-setuptools-listed=setuptools" in hint
    fixed = make_builder(
        cache, extra_build_dependencies={"SDT_No_Setuptools_Listed": ["setuptools"]}
    )
    assert fixed.metadata(source).name == "sdt-no-setuptools-listed"
    requirement_sets = sorted(r["requirements"] for r in _records(cache))
    assert ["setuptools", "wheel"] in requirement_sets
    # Only that project gets it: unnamed, a copy of the directory fails as before.
    unnamed = copy_project("no-setuptools-listed", tmp_path / "unnamed")
    with pytest.raises(BuildError, match="No module named 'setuptools'"):
        fixed.metadata(unnamed)


# ------------------------------------------------------------------ hash seed


@slow
@pytest.mark.parametrize("server", [True, False], ids=["hook-server", "subprocess"])
def test_hooks_run_with_a_fixed_hash_seed(
    server: bool,
    copy_project: Callable[..., Path],
    make_builder: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A setup.py writing a set's iteration order into its metadata writes the same
    order in every process, warm server or not."""
    if not server:
        monkeypatch.setattr(pep517, "supported", lambda: False)
    monkeypatch.delenv("PYTHONHASHSEED", raising=False)
    path = copy_project("set-order")
    seen = []
    for refresh in (False, True):  # two builders: two hook servers, two processes
        with make_builder(refresh=refresh) as builder:
            metadata = builder.metadata(path)
        seen.append((metadata.summary, metadata.provides_extra))
    assert seen[0][0].startswith(f"seed {pep517.HASH_SEED}: "), seen
    assert seen[0] == seen[1]
    assert os.environ.get("PYTHONHASHSEED") is None


def test_a_hook_server_started_with_another_seed_gives_a_call_its_own(tmp_path: Path) -> None:
    """The hash seed is fixed at interpreter start and kept by forked children: a call
    asking for another seed than its server's runs in a fresh interpreter."""
    if not supported():
        pytest.skip("hook servers need fork (POSIX)")
    script = tmp_path / "script.py"
    script.write_text("import os\nprint(os.environ.get('PYTHONHASHSEED'), hash('sdistill'))\n")
    seeded = {**os.environ, "PYTHONHASHSEED": "0"}
    expected = subprocess.run(
        [sys.executable, str(script)], env=seeded, capture_output=True, text=True, check=True
    ).stdout.split()
    unseeded = {k: v for k, v in os.environ.items() if k != "PYTHONHASHSEED"}
    server = HookServer(sys.executable, unseeded, "json")  # json: quiet, so warm
    try:
        assert server.run([str(script)], str(tmp_path), seeded) == (0, [" ".join(expected)])
    finally:
        server.close()


@pytest.mark.parametrize(
    ("module", "expected"),
    [
        ("pkg_resources", "`setuptools<81`"),
        ("pkg_resources.extern", "`setuptools<81`"),
        ("distutils", "--extra-build-dependency sdt-x=setuptools"),
        ("distutils.msvc9compiler", "`setuptools<VERSION`"),
        ("setuptools", "--extra-build-dependency sdt-x=setuptools"),
        ("setuptools.command.test", "`setuptools<VERSION`"),
        ("cython", "--extra-build-dependency sdt-x=REQUIREMENT"),
    ],
)
def test_each_missing_module_gets_its_hint(module: str, expected: str) -> None:
    """The last missing module of the output decides (the real projects above check
    that a failing hook's error carries it)."""
    output = f"ModuleNotFoundError: No module named 'other'\nNo module named '{module}'\n"
    hint = pep517._missing_module_hint(output, _named("sdt-x", Path("x")))
    assert hint is not None
    named = "pkg_resources" if module.startswith("pkg_resources") else module
    assert f"`{named}`" in hint
    assert expected in hint
    no_module = "ImportError: cannot import name 'x'"
    assert pep517._missing_module_hint(no_module, _named("sdt-x", Path("x"))) is None
