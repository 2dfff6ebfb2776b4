"""The warm ``sdistill metadata``: answered from the cache before the build side loads.

Every command here is a real process with the interpreter of this environment, offline
(``--no-index --find-links <wheelhouse>``), against a real cache filled by real builds.
Whether a run was answered warm is read from the process itself: the probe runs
``sdistill.cli.main([...])`` under ``python -c`` and then reports which modules of the
build side (``packaging``, ``pyproject_hooks``, ``sdistill.builder``) it imported; the
real entry points (``python -m sdistill`` and the console script) are checked the same
way through ``PYTHONPROFILEIMPORTTIME``. A warm run imports none of them; every run that
goes through the builder imports all three.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import pytest
from conftest import PROJECTS, HookLog
from sdistill import records
from test_builder import bump_mtime, live_revision, make_sdist, shard_of

slow = pytest.mark.slow

#: What a warm run must not import (a module or any of its submodules).
BUILD_SIDE = ("packaging", "pyproject_hooks", "sdistill.builder")

# Runs the command line in-process, then writes the build-side modules it imported (and
# the status) to the file named by argv[1]; the command's own output is left untouched.
PROBE = """\
import json, sys
watched = json.loads(sys.argv[1])
report = sys.argv[2]
code = None
try:
    from sdistill import cli
    code = cli.main(sys.argv[3:])
finally:
    sys.stdout.flush()
    loaded = sorted(
        m for m in sys.modules if any(m == w or m.startswith(w + ".") for w in watched)
    )
    with open(report, "w", encoding="utf-8") as file:
        json.dump({"code": code, "loaded": loaded}, file)
sys.exit(code)
"""

_reports = itertools.count()


def _watched(name: str) -> bool:
    return any(name == w or name.startswith(w + ".") for w in BUILD_SIDE)


@dataclass(frozen=True)
class Run:
    code: int
    stdout: bytes
    stderr: bytes
    #: The build-side modules the process imported.
    loaded: tuple[str, ...]

    @property
    def warm(self) -> bool:
        return not self.loaded

    @property
    def builder(self) -> bool:
        """The run went through the builder: all of the build side was loaded."""
        roots = {m.split(".")[0] for m in self.loaded}
        return {"packaging", "pyproject_hooks"} <= roots and "sdistill.builder" in self.loaded

    def describe(self) -> str:
        return (
            f"code={self.code}\nloaded={list(self.loaded)}\n"
            f"stdout={self.stdout.decode(errors='replace')}\n"
            f"stderr={self.stderr.decode(errors='replace')}"
        )


class Cli:
    """``sdistill metadata`` against one cache, offline."""

    def __init__(self, cache: Path, wheelhouse: Path, work: Path) -> None:
        self.cache = cache
        self.wheelhouse = wheelhouse
        self.work = work

    def _env(self, **extra: str) -> dict[str, str]:
        env = dict(os.environ)  # at call time: the hook_log fixture sets a variable
        env["SDISTILL_CACHE_DIR"] = str(self.work / "env-cache")  # never the user's
        for name in ("SDISTILL_LOCK_TIMEOUT", "PYTHONPROFILEIMPORTTIME", "PYTHONVERBOSE"):
            env.pop(name, None)
        env.update(extra)
        return env

    def _argv(self, args: tuple[str | os.PathLike[str], ...]) -> list[str]:
        return [
            "metadata",
            "--cache-dir",
            str(self.cache),
            "--no-index",
            "--find-links",
            str(self.wheelhouse),
            *map(os.fspath, args),
        ]

    def _run(self, argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            argv, env=env, cwd=self.work, capture_output=True, timeout=240, check=False
        )

    def probe(self, *args: str | os.PathLike[str]) -> Run:
        """``sdistill.cli.main(["metadata", ...])`` in a fresh interpreter."""
        report = self.work / f"probe-{next(_reports)}.json"
        proc = self._run(
            [sys.executable, "-c", PROBE, json.dumps(BUILD_SIDE), str(report), *self._argv(args)],
            self._env(),
        )
        assert report.is_file(), (proc.returncode, proc.stdout, proc.stderr)
        loaded = tuple(json.loads(report.read_text(encoding="utf-8"))["loaded"])
        return Run(proc.returncode, proc.stdout, proc.stderr, loaded)

    def ok(self, *args: str | os.PathLike[str]) -> Run:
        run = self.probe(*args)
        assert run.code == 0, run.describe()
        return run

    def warm(self, *args: str | os.PathLike[str]) -> Run:
        """A run that must be answered from the cache, before the build side loads."""
        run = self.ok(*args)
        assert run.warm, run.describe()
        assert run.stderr == b"", run.describe()
        return run

    def cold(self, *args: str | os.PathLike[str]) -> Run:
        """A run that must go through the builder (and succeed)."""
        run = self.ok(*args)
        assert run.builder, run.describe()
        return run

    def entry(self, how: str, *args: str | os.PathLike[str]) -> Run:
        """The real entry point (``python -m sdistill`` or the console script), with the
        build-side modules it imported read from ``PYTHONPROFILEIMPORTTIME``."""
        if how == "module":
            command = [sys.executable, "-m", "sdistill"]
        else:
            script = Path(sys.executable).parent / (
                "sdistill.exe" if sys.platform == "win32" else "sdistill"
            )
            assert script.is_file(), script
            command = [str(script)]
        proc = self._run([*command, *self._argv(args)], self._env(PYTHONPROFILEIMPORTTIME="1"))
        imported, rest = [], []
        for line in proc.stderr.splitlines(keepends=True):
            if line.startswith(b"import time:"):
                imported.append(line.rsplit(b"|", 1)[-1].strip().decode())
            else:
                rest.append(line)
        assert imported, proc.stderr  # the import report is there at all
        loaded = tuple(sorted(m for m in imported if _watched(m)))
        return Run(proc.returncode, proc.stdout, b"".join(rest), loaded)


@pytest.fixture
def cli(wheelhouse: Path, shared_cache_dir: Path, tmp_path: Path) -> Cli:
    """The command line on the shared cache (build environments are reused; every test
    works on its own copies of the projects, so on shards of its own)."""
    work = tmp_path / "work"
    work.mkdir()
    return Cli(shared_cache_dir, wheelhouse, work)


# ---------------------------------------------------------------------------- sources

STATIC_PKG_INFO = """\
Metadata-Version: 2.2
Name: sdt-in-tree
Version: 5.0.0
Summary: sdistill test project: an in-tree backend that logs its hooks
Requires-Python: >=3.9
Requires-Dist: {six}
Requires-Dist: backports.zoneinfo>=0.2; python_version < "3.9"
Requires-Dist: pywin32>=300; sys_platform == "win32"
Provides-Extra: toml
Requires-Dist: tomli-w>=1.0; extra == "toml"
"""


def copy_tree(name: str, dest: Path) -> Path:
    """A fresh copy of ``tests/projects/<name>`` at ``dest``."""
    shutil.copytree(
        PROJECTS / name,
        dest,
        ignore=shutil.ignore_patterns("__pycache__", "build", "dist", "*.egg-info"),
    )
    return dest


def static_sdist(
    where: Path, *, six: str = "six>=1.16", fmt: str = "tar.gz", filename: str | None = None
) -> Path:
    """``where/sdt_in_tree-5.0.0.<fmt>`` with a static PKG-INFO (2.2, nothing dynamic):
    its metadata needs no hook and no build environment."""
    project = where / ".project"
    if project.exists():
        shutil.rmtree(project)
    copy_tree("in-tree-backend", project)
    archive = make_sdist(
        project,
        where,
        "sdt_in_tree-5.0.0",
        fmt=fmt,
        pkg_info=STATIC_PKG_INFO.format(six=six),
        filename=filename,
    )
    shutil.rmtree(project)
    return archive


def built_sdist(name: str, top: str, where: Path) -> Path:
    """An sdist of ``tests/projects/<name>`` without PKG-INFO: its backend must run."""
    project = copy_tree(name, where / ".project")
    archive = make_sdist(project, where, top)
    shutil.rmtree(project)
    return archive


#: kind -> (make the source under a directory, the first line of its answer)
SOURCES: dict[str, tuple[Callable[[Path], Path], str]] = {
    "static-sdist": (static_sdist, "sdt-in-tree 5.0.0"),
    "static-zip": (lambda where: static_sdist(where, fmt="zip"), "sdt-in-tree 5.0.0"),
    "setuptools-sdist": (
        lambda where: built_sdist("setuptools-setup-py", "sdt_setup_py-1.0.0", where),
        "sdt-setup-py 1.0.0",
    ),
    "static-directory": (
        lambda where: copy_tree("setuptools-pyproject", where / "project"),
        "sdt-setuptools-pyproject 2.1.0",
    ),
    "setuptools-directory": (
        lambda where: copy_tree("setuptools-setup-cfg", where / "project"),
        "sdt-setup-cfg 0.4.2",
    ),
}
BUILT = {"setuptools-sdist", "setuptools-directory"}


def settings_dir(cache: Path, source: Path, settings: dict[str, object] | None = None) -> Path:
    """Where the live revision keeps the answer for ``settings``."""
    shard = shard_of(cache, source)
    return shard / live_revision(shard) / records.settings_key(settings or {})


def revisions_of(cache: Path, source: Path) -> set[str]:
    shard = shard_of(cache, source)
    return {p.name for p in shard.iterdir() if p.is_dir()}


def prepare_calls(hook_log: HookLog) -> list[object]:
    """The config settings of each ``prepare_metadata_for_build_wheel`` logged."""
    return [
        e["config_settings"]
        for e in hook_log.entries()
        if e["hook"] == "prepare_metadata_for_build_wheel"
    ]


# ---------------------------------------------------------------------------- 1. file_url

_AWKWARD_NAMES = [
    "with space",
    "100%",
    "%20already-quoted",
    "hash#tag",
    "question?mark",
    "semi;colon=equals&amp+plus",
    "tilde~dollar$bang!quote'paren()",
    "colon:at-free",
    "ünïcödé-日本語",
    "tab\tand\nnewline",
    'back\\slash"quote',
    "emoji-\U0001f600",
]
_NON_UTF8 = os.fsdecode(b"latin1-\xff\xe9-bytes")


@pytest.mark.parametrize("name", [*_AWKWARD_NAMES, _NON_UTF8])
def test_file_url_is_as_uri(name: str, tmp_path: Path) -> None:
    """The shard digest of the warm path is the builder's: ``file_url`` spells a path
    exactly as ``Path.as_uri`` (which ``Source.url`` uses) does."""
    for path in (f"/{name}", f"/tmp/{name}/pkg-1.0.tar.gz", str(tmp_path / name / name)):
        assert records.file_url(path) == Path(path).as_uri(), path
    assert records.file_url("/") == Path("/").as_uri()


@pytest.mark.parametrize(
    "name", ["with space", "100%25%", "hash#tag", "question?mark", "ünï-日本", _NON_UTF8]
)
def test_awkward_directory_is_warm(name: str, cli: Cli, tmp_path: Path) -> None:
    """End to end: an sdist under an awkwardly named directory is found warm, so the
    warm path and the builder named the same shard."""
    where = tmp_path / name
    try:
        where.mkdir()
    except (OSError, UnicodeEncodeError) as err:
        pytest.skip(f"the file system refuses {name!r}: {err}")
    archive = static_sdist(where)
    cold = cli.cold(archive)
    assert cold.stdout.decode().startswith("sdt-in-tree 5.0.0\n")
    assert shard_of(cli.cache, archive).is_dir()
    assert cli.warm(archive).stdout == cold.stdout
    # a relative spelling of the same path, from its directory
    relative = subprocess.run(
        [
            sys.executable,
            "-c",
            PROBE,
            json.dumps(BUILD_SIDE),
            str(cli.work / "relative.json"),
            *cli._argv((archive.name,)),
        ],
        env=cli._env(),
        cwd=where,
        capture_output=True,
        timeout=240,
        check=False,
    )
    assert relative.returncode == 0, relative.stderr
    assert relative.stdout == cold.stdout
    report = json.loads((cli.work / "relative.json").read_text(encoding="utf-8"))
    assert report["loaded"] == [], report


# ---------------------------------------------------------------------------- 2. identity


@pytest.mark.parametrize(
    "kind", [pytest.param(k, marks=[slow] if k in BUILT else []) for k in SOURCES]
)
def test_warm_output_is_byte_identical(kind: str, cli: Cli, tmp_path: Path) -> None:
    """Cold text and cold --json (each on a never-seen copy) equal, byte for byte, what
    the warm path prints -- through the probe, ``python -m sdistill`` and the console
    script; the warm runs import nothing of the build side, the cold ones all of it."""
    make, first_line = SOURCES[kind]
    text_source = make(tmp_path / "a")
    json_source = make(tmp_path / "b")

    cold_text = cli.cold(text_source)
    cold_json = cli.cold("--json", json_source)
    assert cold_text.stdout.decode().startswith(first_line + "\n"), cold_text.describe()
    answers = json.loads(cold_json.stdout)
    assert [f"{a['name']} {a['version']}" for a in answers] == [first_line]

    expected = {(): cold_text.stdout, ("--json",): cold_json.stdout}
    for source in (text_source, json_source):
        for args, want in expected.items():
            warm = cli.warm(*args, source)
            assert warm.stdout == want, (kind, args, warm.describe())
            for how in ("module", "script"):
                real = cli.entry(how, *args, source)
                assert real.code == 0, real.describe()
                assert real.stdout == want, (how, args, real.describe())
                assert real.loaded == (), (how, args, real.describe())
                assert real.stderr == b"", (how, args, real.describe())
    # both formats in one answer record: each copy has exactly one revision and answer
    for source in (text_source, json_source):
        assert len(revisions_of(cli.cache, source)) == 1
        assert answer_metadata(settings_dir(cli.cache, source)) == answers[0]


def test_import_report_sees_the_build_side(cli: Cli, tmp_path: Path) -> None:
    """The PYTHONPROFILEIMPORTTIME check of the entry points is not blind: a run that
    goes through the builder (--refresh) is seen loading the build side."""
    archive = static_sdist(tmp_path)
    cold = cli.cold(archive)
    for how in ("module", "script"):
        run = cli.entry(how, "--refresh", archive)
        assert run.code == 0, run.describe()
        assert run.stdout == cold.stdout
        assert run.builder, run.describe()


# ---------------------------------------------------------------------------- 3. corruption

_METADATA_DAMAGE = {
    "binary": b"\x00\xff\xfe not metadata at all \x00",
    "empty": b"",
    "truncated": b"Metadata-Version: 2.1\nName: sdt-in-tree\n",
}
_ANSWER_DAMAGE: dict[str, bytes | None] = {
    "deleted": None,
    "empty": b"",
    "garbage": b"\x00\xff{ not json",
    "truncated": b"sdistill-answer-v1\n",
    "a-list": b"[]",
    "no-metadata": None,  # filled in by the test: the right seal, metadata missing
    "stale-seal": None,  # filled in by the test: another answer, the old record's seal
}


def answer_metadata(directory: Path) -> dict[str, Any] | None:
    """The JSON form kept in a sealed answer record, or ``None`` if the seal fails."""
    found = records.read_answer(directory)
    return None if found is None else json.loads(found.json)


def _damage_answer(answer: Path, how: str) -> None:
    if how == "deleted":
        answer.unlink()
        return
    # magic, seal, identity, length of the JSON form, then the JSON and text forms
    magic, seal, identity, length, body = answer.read_text(encoding="utf-8").split("\n", 4)
    if how == "no-metadata":
        answer.write_text("\n".join([magic, seal, identity, length, ""]), encoding="utf-8")
        return
    if how == "stale-seal":
        # what an answer made from some other record looks like: must not be served
        wrong = body.replace('"requires_dist": [', '"requires_dist": [\n    "sdt-wrong>=9",', 1)
        parts = [magic, "0" * len(seal), identity, str(int(length) + len(wrong) - len(body)), wrong]
        answer.write_text("\n".join(parts), encoding="utf-8")
        return
    damage = _ANSWER_DAMAGE[how]
    assert damage is not None
    answer.write_bytes(damage)


@slow
@pytest.mark.parametrize(
    ("record", "how"),
    [("METADATA", k) for k in _METADATA_DAMAGE] + [("answer", k) for k in _ANSWER_DAMAGE],
)
def test_corruption_declines_and_heals(
    record: str, how: str, cli: Cli, hook_log: HookLog, tmp_path: Path
) -> None:
    """A damaged METADATA record (seal mismatch) or answer record is never served: the
    warm path declines, the builder prints the right answer and heals both records, and
    the next run is warm again. The answer's seal is what vouches for METADATA, so a
    damaged answer is never healed from the unchecked record: the answer is remade."""
    archive = built_sdist("in-tree-backend", "sdt_in_tree-5.0.0", tmp_path)
    cold = cli.cold(archive)
    cold_json = cli.warm("--json", archive)
    expected = json.loads(cold_json.stdout)[0]
    assert cli.warm(archive).stdout == cold.stdout
    directory = settings_dir(cli.cache, archive)
    revision = live_revision(shard_of(cli.cache, archive))
    good_record = (directory / "METADATA").read_bytes()
    prepared = len(prepare_calls(hook_log))
    assert prepared == 1

    if record == "METADATA":
        (directory / "METADATA").write_bytes(_METADATA_DAMAGE[how])
    else:
        _damage_answer(directory / "answer", how)
    assert records.read_answer(directory) is None  # what the warm path would see

    declined = cli.cold(archive)
    assert declined.stdout == cold.stdout, declined.describe()
    # healed in place, in the same revision
    assert live_revision(shard_of(cli.cache, archive)) == revision
    assert (directory / "METADATA").read_bytes().startswith(b"Metadata-Version:")
    assert b"Name: sdt-in-tree" in (directory / "METADATA").read_bytes()
    assert answer_metadata(directory) == expected
    assert (directory / "METADATA").read_bytes() == good_record
    assert len(prepare_calls(hook_log)) == prepared + 1  # the record was remade
    # ... and warm again, in both forms
    assert cli.warm(archive).stdout == cold.stdout
    assert cli.warm("--json", archive).stdout == cold_json.stdout


@pytest.mark.parametrize("record", ["METADATA", "answer"])
def test_corruption_of_a_directory_answer(record: str, cli: Cli, tmp_path: Path) -> None:
    """The same for a project directory (static: no build), both records at once too."""
    project = copy_tree("setuptools-pyproject", tmp_path / "project")
    cold = cli.cold(project)
    directory = settings_dir(cli.cache, project)
    (directory / record).write_bytes(b"\x00garbage")
    assert cli.cold(project).stdout == cold.stdout
    assert cli.warm(project).stdout == cold.stdout
    for name in ("METADATA", "answer"):
        (directory / name).write_bytes(b"")
    assert cli.cold(project).stdout == cold.stdout
    assert cli.warm(project).stdout == cold.stdout


@pytest.mark.parametrize("output", ["text", "json"])
def test_damaged_metadata_inside_a_sealed_answer(output: str, cli: Cli, tmp_path: Path) -> None:
    project = copy_tree("setuptools-pyproject", tmp_path / "project")
    args = ("--json",) if output == "json" else ()
    cold = cli.cold(*args, project)
    answer = settings_dir(cli.cache, project) / "answer"
    # one flipped byte in a key, as a damaged disk block would leave it: still valid JSON
    answer.write_bytes(answer.read_bytes().replace(b'"name"', b'"nbme"'))
    run = cli.probe(*args, project)
    assert run.code == 0, run.describe()
    assert run.stdout == cold.stdout, run.describe()


# ---------------------------------------------------------------------------- 4. staleness


def test_touched_archive_is_not_served_from_the_old_answer(cli: Cli, tmp_path: Path) -> None:
    archive = static_sdist(tmp_path)
    cold = cli.cold(archive)
    assert cli.warm(archive).stdout == cold.stdout
    first = live_revision(shard_of(cli.cache, archive))

    bump_mtime(archive)  # same bytes, new modification time
    touched = cli.cold(archive)
    assert touched.stdout == cold.stdout
    second = live_revision(shard_of(cli.cache, archive))
    assert second != first
    assert cli.warm(archive).stdout == cold.stdout

    # new content under the same name (same name-version, a different dependency)
    static_sdist(tmp_path, six="six>=1.17")
    bump_mtime(archive)
    changed = cli.cold(archive)
    assert "requires-dist: six>=1.17\n" in changed.stdout.decode(), changed.describe()
    assert "six>=1.16" not in changed.stdout.decode()
    assert live_revision(shard_of(cli.cache, archive)) not in (first, second)
    assert cli.warm(archive).stdout == changed.stdout
    # Each new revision superseded the one before, which is gone: the cache did not grow.
    assert revisions_of(cli.cache, archive) == {live_revision(shard_of(cli.cache, archive))}


@pytest.mark.parametrize(
    ("project", "key", "edit", "before", "after"),
    [
        pytest.param(
            "setuptools-pyproject",
            "pyproject.toml",
            ('version = "2.1.0"', 'version = "2.1.1"'),
            "sdt-setuptools-pyproject 2.1.0",
            "sdt-setuptools-pyproject 2.1.1",
            id="pyproject.toml",
        ),
        pytest.param(
            "setuptools-pyproject",
            "pyproject.toml",
            None,
            "sdt-setuptools-pyproject 2.1.0",
            "sdt-setuptools-pyproject 2.1.0",
            id="pyproject.toml-touched",
        ),
        pytest.param(
            "setuptools-setup-py",
            "setup.py",
            ('version="1.0.0"', 'version="1.0.1"'),
            "sdt-setup-py 1.0.0",
            "sdt-setup-py 1.0.1",
            id="setup.py",
            marks=slow,
        ),
        pytest.param(
            "setuptools-setup-py",
            "setup.py",
            None,
            "sdt-setup-py 1.0.0",
            "sdt-setup-py 1.0.0",
            id="setup.py-touched",
            marks=slow,
        ),
        pytest.param(
            "in-tree-backend",
            "setup.cfg",
            ("version = 5.0.0", "version = 5.0.1"),
            "sdt-in-tree 5.0.0",
            "sdt-in-tree 5.0.1",
            id="setup.cfg",
            marks=slow,
        ),
    ],
)
def test_changed_directory_is_not_served_from_the_old_answer(
    project: str,
    key: str,
    edit: tuple[str, str] | None,
    before: str,
    after: str,
    cli: Cli,
    tmp_path: Path,
) -> None:
    path = copy_tree(project, tmp_path / "project")
    cold = cli.cold(path)
    assert cold.stdout.decode().startswith(before + "\n")
    # a file that is no key of the stamp changes nothing: still warm
    package = next(p for p in path.iterdir() if (p / "__init__.py").is_file())
    bump_mtime(package / "__init__.py")
    assert cli.warm(path).stdout == cold.stdout
    first = live_revision(shard_of(cli.cache, path))

    if edit is not None:
        text = (path / key).read_text(encoding="utf-8")
        assert edit[0] in text
        (path / key).write_text(text.replace(edit[0], edit[1]), encoding="utf-8")
    bump_mtime(path / key)
    changed = cli.cold(path)
    assert changed.stdout.decode().startswith(after + "\n"), changed.describe()
    if edit is None:
        assert changed.stdout == cold.stdout
    assert live_revision(shard_of(cli.cache, path)) != first
    assert cli.warm(path).stdout == changed.stdout


# ---------------------------------------------------------------------------- 5. settings


@slow
def test_config_settings_and_refresh(cli: Cli, hook_log: HookLog, tmp_path: Path) -> None:
    """A warm hit only for the same config settings (in any order of distinct keys);
    other settings reach the backend; --refresh never answers warm."""
    path = copy_tree("in-tree-backend", tmp_path / "project")
    a1 = ("-C", "sdt-a=1")
    cold = cli.cold(*a1, path)
    assert prepare_calls(hook_log) == [{"sdt-a": "1"}]
    assert cli.warm(*a1, path).stdout == cold.stdout
    assert cli.warm("--config-settings", "sdt-a=1", path).stdout == cold.stdout

    # no settings, other values, a repeated key (a list): each one goes to the builder
    for args, logged in [
        ((), None),
        (("-C", "sdt-a=2"), {"sdt-a": "2"}),
        (("-C", "sdt-a="), {"sdt-a": ""}),
        (("-C", "sdt-b=1"), {"sdt-b": "1"}),
        (("-C", "sdt-a=1", "-C", "sdt-a=2"), {"sdt-a": ["1", "2"]}),
        (("-C", "sdt-a=2", "-C", "sdt-a=1"), {"sdt-a": ["2", "1"]}),
    ]:
        mark = len(prepare_calls(hook_log))
        run = cli.cold(*args, path)
        assert run.stdout == cold.stdout
        # no settings may reach the backend as None or as {}
        allowed = [[logged], [{}]] if logged is None else [[logged]]
        assert prepare_calls(hook_log)[mark:] in allowed, (args, prepare_calls(hook_log))
        assert cli.warm(*args, path).stdout == cold.stdout, args
    # distinct keys in another order are the same settings: warm
    mark = len(prepare_calls(hook_log))
    cli.cold("-C", "sdt-a=1", "-C", "sdt-b=2", path)
    assert cli.warm("-C", "sdt-b=2", "-C", "sdt-a=1", path).stdout == cold.stdout
    assert len(prepare_calls(hook_log)) == mark + 1
    revision = live_revision(shard_of(cli.cache, path))
    answers = {p.parent.name for p in (shard_of(cli.cache, path) / revision).glob("*/answer")}
    assert len(answers) == 8, answers
    assert records.settings_key({"sdt-a": "1"}) in answers

    # --refresh: never warm, even with everything cached; a new revision, hooks rerun
    for args in [(*a1, "--refresh"), ("--refresh",), ("--refresh", "--json", *a1)]:
        mark = len(prepare_calls(hook_log))
        before = live_revision(shard_of(cli.cache, path))
        run = cli.cold(*args, path)
        if "--json" in args:
            assert json.loads(run.stdout)[0]["name"] == "sdt-in-tree"
        else:
            assert run.stdout == cold.stdout
        assert len(prepare_calls(hook_log)) == mark + 1, args
        assert live_revision(shard_of(cli.cache, path)) != before
    # the refreshed revision holds only what was asked since: other settings go cold
    assert cli.warm(*a1, path).stdout == cold.stdout
    mark = len(prepare_calls(hook_log))
    cli.cold("-C", "sdt-a=2", path)
    assert prepare_calls(hook_log)[mark:] == [{"sdt-a": "2"}]


def test_refresh_of_a_static_source(cli: Cli, tmp_path: Path) -> None:
    archive = static_sdist(tmp_path)
    cold = cli.cold(archive)
    cli.warm(archive)
    first = live_revision(shard_of(cli.cache, archive))
    assert cli.cold("--refresh", archive).stdout == cold.stdout
    assert live_revision(shard_of(cli.cache, archive)) != first
    assert cli.warm(archive).stdout == cold.stdout
    # warm for these settings only
    assert cli.cold("-C", "x=1", archive).stdout == cold.stdout
    assert cli.warm("-C", "x=1", archive).stdout == cold.stdout
    assert cli.cold("-C", "x=2", archive).stdout == cold.stdout


# ---------------------------------------------------------------------------- 6. identity


def _mismatch(cli: Cli, spec: str) -> None:
    run = cli.probe("--json", spec)
    assert run.code == 1, run.describe()
    assert run.stderr.startswith(b"error: "), run.describe()
    assert run.builder, run.describe()
    out = json.loads(run.stdout)
    assert len(out) == 1
    assert out[0]["type"] == "MetadataMismatchError", out
    assert out[0]["spec"] == spec


def test_wrong_name_still_fails_after_a_warm_hit(cli: Cli, tmp_path: Path) -> None:
    """``name @ file://...`` naming another project fails, even with the plain path of
    the same archive or directory answered warm (static metadata: no build)."""
    directory = copy_tree("name-mismatch", tmp_path / "project")
    archive = make_sdist(directory, tmp_path / "sdists", "sdt_actual_name-1.0.0")
    for source in (archive, directory):
        cold = cli.cold(source)
        assert cold.stdout.decode().startswith("sdt-actual-name 1.0.0\n")
        assert cli.warm(source).stdout == cold.stdout
        _mismatch(cli, f"sdt-requested-name @ {source.as_uri()}")
        # text form too
        run = cli.probe(f"sdt-requested-name @ {source.as_uri()}")
        assert (run.code, run.stdout) == (1, b""), run.describe()
        assert run.stderr.startswith(b"error: "), run.describe()
        # the right name, in any spelling, is fine (through the builder), and the plain
        # path is still warm
        assert cli.cold(f"SDT_Actual.Name @ {source.as_uri()}").stdout == cold.stdout
        assert cli.warm(source).stdout == cold.stdout
        # a file:// URL is not a plain path: the builder answers it
        assert cli.cold(source.as_uri()).stdout == cold.stdout


def test_archive_named_for_another_project_is_never_served(cli: Cli, tmp_path: Path) -> None:
    """An archive whose file name says another project: asking with the right name
    caches an answer in its shard, yet the plain path must still fail, warm or not."""
    directory = copy_tree("name-mismatch", tmp_path / "project")
    archive = make_sdist(
        directory,
        tmp_path / "sdists",
        "sdt_actual_name-1.0.0",
        filename="sdt_requested_name-1.0.0.tar.gz",
    )
    right = f"sdt-actual-name @ {archive.as_uri()}"
    cold = cli.cold(right)
    assert cold.stdout.decode().startswith("sdt-actual-name 1.0.0\n")
    assert records.read_answer(str(settings_dir(cli.cache, archive))) is not None
    for _ in range(2):
        _mismatch(cli, str(archive))
    assert cli.cold(right).stdout == cold.stdout


KEYED_PYPROJECT = """\
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "sdt-keyed"
dynamic = ["version"]
requires-python = ">=3.9"

[tool.setuptools]
packages = ["sdt_keyed"]

[tool.setuptools.dynamic]
version = {{attr = "sdt_keyed.__version__"}}

[tool.sdistill]
{key} = ["sdt_keyed/__init__.py"]
"""


def keyed_project(path: Path, key: str = "cache-keys") -> Path:
    """A project whose version is read from ``sdt_keyed/__init__.py``, a cache key."""
    (path / "sdt_keyed").mkdir(parents=True)
    (path / "pyproject.toml").write_text(KEYED_PYPROJECT.format(key=key), encoding="utf-8")
    init = path / "sdt_keyed" / "__init__.py"
    init.write_text('__version__ = "1.0"\n', encoding="utf-8")
    # older than pyproject.toml, as a file unchanged since the last edit of the project
    # would be: only the cache key then tells a later change of it
    older = (path / "pyproject.toml").stat().st_mtime - 3600
    os.utime(init, (older, older))
    return path


def _set_version(path: Path, version: str) -> None:
    init = path / "sdt_keyed" / "__init__.py"
    init.write_text(f'__version__ = "{version}"\n', encoding="utf-8")
    bump_mtime(init)


@slow
def test_cache_keys_directory(cli: Cli, tmp_path: Path) -> None:
    """A directory with ``[tool.sdistill] cache-keys`` is left to the builder, which
    answers from its cache and notices a change to a listed file."""
    path = keyed_project(tmp_path / "keyed")
    cold = cli.cold(path)
    assert cold.stdout.decode().startswith("sdt-keyed 1.0\n"), cold.describe()
    first = live_revision(shard_of(cli.cache, path))
    again = cli.cold(path)  # not warm, but from the cache
    assert again.stdout == cold.stdout
    assert live_revision(shard_of(cli.cache, path)) == first

    _set_version(path, "1.1")
    changed = cli.cold(path)
    assert changed.stdout.decode().startswith("sdt-keyed 1.1\n"), changed.describe()
    assert live_revision(shard_of(cli.cache, path)) != first
    assert cli.cold("--json", path).stdout.count(b'"version": "1.1"') == 1


@slow
def test_cache_keys_spelled_with_an_escape(cli: Cli, tmp_path: Path) -> None:
    path = keyed_project(tmp_path / "keyed", key='"cache\\u002dkeys"')
    cold = cli.cold(path)
    assert cold.stdout.decode().startswith("sdt-keyed 1.0\n"), cold.describe()
    _set_version(path, "1.1")
    run = cli.ok(path)
    assert run.stdout.decode().startswith("sdt-keyed 1.1\n"), run.describe()


# ---------------------------------------------------------------------------- 7. mixed


def test_mixed_warm_and_cold_specs(cli: Cli, tmp_path: Path) -> None:
    """One warm and one never-seen spec in one command: both answered, in order, as
    each is answered alone; afterwards the pair is warm with the same output."""
    archive = static_sdist(tmp_path / "a")
    a_text = cli.cold(archive).stdout
    a_json = cli.warm("--json", archive).stdout
    project = copy_tree("setuptools-pyproject", tmp_path / "b" / "project")
    other = static_sdist(tmp_path / "c", six="six>=1.17")

    mixed = cli.cold(archive, project)
    b_text = cli.warm(project).stdout
    assert mixed.stdout == a_text + b_text
    b_json = cli.warm("--json", project).stdout
    assert cli.warm(archive, project).stdout == mixed.stdout

    mixed_json = cli.cold("--json", other, archive, project)
    c_json = cli.warm("--json", other).stdout
    assert json.loads(mixed_json.stdout) == [
        *json.loads(c_json),
        *json.loads(a_json),
        *json.loads(b_json),
    ]
    assert cli.warm("--json", other, archive, project).stdout == mixed_json.stdout
    reverse = cli.warm(project, other, archive)
    assert reverse.stdout == b_text + cli.warm(other).stdout + a_text
    # a spec that fails among warm ones: the others are still answered, in place
    missing = tmp_path / "missing" / "pkg-1.0.tar.gz"
    run = cli.probe("--json", archive, missing, project)
    assert run.code == 1, run.describe()
    out = json.loads(run.stdout)
    assert out[0] == json.loads(a_json)[0]
    assert out[1]["spec"] == str(missing)
    assert out[2] == json.loads(b_json)[0]
