"""The command line: the ``sdistill`` console script and ``python -m sdistill``.

Both are run as real processes with the interpreter of this environment.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

import pytest
from sdistill import Cache

BUCKET_DIRS = ["simple-v1", "sdists-v1", "git-v1", "environments-v1", "tmp"]
D1 = "0123456789abcdef0123456789abcdef"
D2 = "fedcba9876543210fedcba9876543210"

SDIST_FILES: dict[str, tuple[bytes, int]] = {
    "pkg-1.0/setup.py": (b"from setuptools import setup\nsetup()\n", 0o644),
    "pkg-1.0/PKG-INFO": (b"Metadata-Version: 2.1\nName: pkg\nVersion: 1.0\n", 0o644),
    "pkg-1.0/src/pkg/__init__.py": (b"__version__ = '1.0'\n" * 50, 0o644),
    "pkg-1.0/bin/run": (b"#!/bin/sh\necho run\n", 0o755),
}
SDIST_DIRS = ["pkg-1.0", "pkg-1.0/src", "pkg-1.0/src/pkg", "pkg-1.0/bin"]


class Runner:
    def __init__(self, argv: Sequence[str], env: dict[str, str]) -> None:
        self.argv = list(argv)
        self.env = env

    def __call__(self, *args: str | os.PathLike[str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*self.argv, *map(os.fspath, args)],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def ok(self, *args: str | os.PathLike[str]) -> subprocess.CompletedProcess[str]:
        result = self(*args)
        assert result.returncode == 0, (result.stdout, result.stderr)
        return result

    def json(self, *args: str | os.PathLike[str]) -> object:
        result = self.ok(*args)
        return json.loads(result.stdout)


def console_script() -> Path:
    name = "sdistill.exe" if sys.platform == "win32" else "sdistill"
    return Path(sys.executable).parent / name


@pytest.fixture(params=["module", "script"])
def run(request: pytest.FixtureRequest, tmp_path: Path) -> Runner:
    env = dict(os.environ)
    # Never touch the user's cache, whatever a command defaults to.
    env["SDISTILL_CACHE_DIR"] = str(tmp_path / "env-cache")
    env.pop("SDISTILL_LOCK_TIMEOUT", None)
    if request.param == "module":
        return Runner([sys.executable, "-m", "sdistill"], env)
    script = console_script()
    assert script.is_file(), f"console script missing: {script}"
    return Runner([str(script)], env)


@pytest.fixture
def cache_root(tmp_path: Path) -> Path:
    return tmp_path / "cache"


def files_under(root: Path) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    for dirpath, _dirs, names in os.walk(root):
        for name in names:
            p = Path(dirpath, name)
            out[p.relative_to(root).as_posix()] = p.read_bytes()
    return out


def sizes_under(root: Path) -> dict[str, int]:
    return {k: len(v) for k, v in files_under(root).items()}


# ------------------------------------------------------------------------ archives


def make_tar_gz(path: Path, members: dict[str, tuple[bytes, int]], dirs: Sequence[str]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for d in dirs:
            info = tarfile.TarInfo(d)
            info.type = tarfile.DIRTYPE
            info.mode = 0o755
            tar.addfile(info)
        for name, (data, mode) in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = mode
            tar.addfile(info, io.BytesIO(data))
    return path


def make_zip(path: Path, members: dict[str, tuple[bytes, int]], dirs: Sequence[str]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for d in dirs:
            info = zipfile.ZipInfo(d + "/")
            info.create_system = 3
            info.external_attr = (stat.S_IFDIR | 0o755) << 16
            zf.writestr(info, b"")
        for name, (data, mode) in members.items():
            info = zipfile.ZipInfo(name)
            info.create_system = 3
            info.external_attr = (stat.S_IFREG | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return path


@pytest.fixture(params=["tar.gz", "zip"])
def sdist(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    if request.param == "zip":
        return make_zip(tmp_path / "pkg-1.0.zip", SDIST_FILES, SDIST_DIRS)
    return make_tar_gz(tmp_path / "pkg-1.0.tar.gz", SDIST_FILES, SDIST_DIRS)


def sha(path: Path, algo: str = "sha256") -> str:
    return hashlib.new(algo, path.read_bytes()).hexdigest()


def check_tree(dest: Path, strip: bool) -> None:
    expected = {}
    for name, (data, _mode) in SDIST_FILES.items():
        rel = name.split("/", 1)[1] if strip else name
        expected[rel] = data
    assert files_under(dest) == expected
    run_rel = "bin/run" if strip else "pkg-1.0/bin/run"
    assert (dest / run_rel).stat().st_mode & stat.S_IXUSR
    setup_rel = "setup.py" if strip else "pkg-1.0/setup.py"
    assert not (dest / setup_rel).stat().st_mode & stat.S_IXUSR


def no_leftovers_beside(dest: Path, expected: set[str]) -> None:
    names = {p.name for p in dest.parent.iterdir()}
    assert not [n for n in names if n.startswith(".sdistill-tmp-")], names
    assert names == expected


# ------------------------------------------------------------------------ extract


def test_extract_json(run: Runner, sdist: Path, tmp_path: Path) -> None:
    dest = tmp_path / "out"
    out = run.json("extract", sdist, dest, "--json")
    assert isinstance(out, dict)
    assert set(out) == {"path", "files", "unpacked_bytes", "hashes"}
    assert Path(out["path"]).resolve() == dest.resolve()
    assert out["files"] == len(SDIST_FILES)
    assert out["unpacked_bytes"] == sum(len(d) for d, _ in SDIST_FILES.values())
    assert out["hashes"]["sha256"] == sha(sdist)
    check_tree(dest, strip=False)


def test_extract_strip_top_level(run: Runner, sdist: Path, tmp_path: Path) -> None:
    dest = tmp_path / "out"
    out = run.json("extract", sdist, dest, "--strip-top-level", "--json")
    assert isinstance(out, dict)
    assert out["files"] == len(SDIST_FILES)
    check_tree(dest, strip=True)


def test_extract_summary_line(run: Runner, sdist: Path, tmp_path: Path) -> None:
    dest = tmp_path / "out"
    result = run.ok("extract", sdist, dest)
    assert result.stdout.strip()
    check_tree(dest, strip=False)


def test_extract_quiet_and_verbose(run: Runner, sdist: Path, tmp_path: Path) -> None:
    run.ok("extract", sdist, tmp_path / "q", "-q")
    check_tree(tmp_path / "q", strip=False)
    run.ok("extract", sdist, tmp_path / "v", "-v")
    check_tree(tmp_path / "v", strip=False)


def test_extract_right_hash(run: Runner, sdist: Path, tmp_path: Path) -> None:
    dest = tmp_path / "out"
    out = run.json(
        "extract",
        sdist,
        dest,
        "--hash",
        f"sha256:{sha(sdist)}",
        "--hash",
        f"sha512:{sha(sdist, 'sha512')}",
        "--json",
    )
    assert isinstance(out, dict)
    assert out["hashes"]["sha256"] == sha(sdist)
    assert out["hashes"]["sha512"] == sha(sdist, "sha512")
    check_tree(dest, strip=False)


def test_extract_wrong_hash(run: Runner, sdist: Path, tmp_path: Path) -> None:
    dest = tmp_path / "out"
    wrong = "0" * 64
    result = run("extract", sdist, dest, "--hash", f"sha256:{wrong}")
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert result.stderr.startswith("error: ")
    assert not dest.exists()
    no_leftovers_beside(dest, {sdist.name})


def test_extract_hostile_tar(run: Runner, tmp_path: Path) -> None:
    archive = make_tar_gz(
        tmp_path / "evil.tar.gz",
        {"pkg-1.0/ok.txt": (b"fine", 0o644), "../evil": (b"pwned", 0o644)},
        ["pkg-1.0"],
    )
    work = tmp_path / "work"
    work.mkdir()
    dest = work / "out"
    result = run("extract", archive, dest)
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert result.stderr.startswith("error: ")
    assert "../evil" in result.stderr
    assert not dest.exists()
    assert not (tmp_path / "evil").exists()
    assert list(work.iterdir()) == []


def test_extract_hostile_zip(run: Runner, tmp_path: Path) -> None:
    archive = make_zip(
        tmp_path / "evil.zip",
        {"pkg-1.0/ok.txt": (b"fine", 0o644), "pkg-1.0/../../evil.txt": (b"pwned", 0o644)},
        [],
    )
    work = tmp_path / "work"
    work.mkdir()
    dest = work / "out"
    result = run("extract", archive, dest, "--json")
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert result.stderr.startswith("error: ")
    assert "pkg-1.0/../../evil.txt" in result.stderr
    assert not dest.exists()
    assert not (tmp_path / "evil.txt").exists()
    assert list(work.iterdir()) == []


def test_extract_missing_archive(run: Runner, tmp_path: Path) -> None:
    result = run("extract", tmp_path / "nope.tar.gz", tmp_path / "out")
    assert result.returncode == 1
    assert result.stderr.startswith("error: ")
    assert not (tmp_path / "out").exists()


def test_extract_not_an_archive(run: Runner, tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.tar.gz"
    bogus.write_bytes(b"this is not an archive at all" * 20)
    result = run("extract", bogus, tmp_path / "out")
    assert result.returncode == 1
    assert result.stderr.startswith("error: ")
    assert not (tmp_path / "out").exists()


def test_extract_limits(run: Runner, sdist: Path, tmp_path: Path) -> None:
    result = run("extract", sdist, tmp_path / "a", "--max-entries", "2")
    assert result.returncode == 1
    assert result.stderr.startswith("error: ")
    assert not (tmp_path / "a").exists()
    result = run("extract", sdist, tmp_path / "b", "--max-unpacked-size", "10")
    assert result.returncode == 1
    assert result.stderr.startswith("error: ")
    assert not (tmp_path / "b").exists()
    run.ok("extract", sdist, tmp_path / "c", "--max-entries", "100", "--max-unpacked-size", "10000")
    check_tree(tmp_path / "c", strip=False)


# ------------------------------------------------------------------------ usage errors


@pytest.mark.parametrize(
    "args",
    [
        ["frobnicate"],
        ["extract"],
        ["extract", "only-archive.tar.gz"],
        ["extract", "a.tar.gz", "dest", "--max-entries", "many"],
        ["extract", "a.tar.gz", "dest", "--no-such-option"],
        ["cache"],
        ["cache", "frobnicate"],
        ["cache", "size", "--no-such-option"],
        ["cache", "prune", "extra-argument"],
        ["--no-such-option", "cache", "dir"],
    ],
)
def test_usage_error(run: Runner, args: list[str]) -> None:
    result = run(*args)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stderr.strip()


# ------------------------------------------------------------------------ cache


def populate(root: Path) -> dict[str, Path]:
    from sdistill._core import Revision

    cache = Cache(root)
    paths: dict[str, Path] = {}
    for key, kind, digest, package in [
        ("demo", "url", D1, "demo"),
        ("other", "path", D2, "other"),
    ]:
        shard = cache.root / "sdists-v1" / kind / digest
        shard.mkdir(parents=True)
        cache.set_package(shard, package)
        rev = cache.new_revision_id()
        (shard / rev).mkdir()
        (shard / rev / "PKG-INFO").write_bytes(f"Name: {package}\n".encode())
        cache.commit_revision(Revision(shard, rev))
        paths[key] = shard
        paths[key + "_rev"] = shard / rev
    old = paths["demo"] / cache.new_revision_id()
    old.mkdir()
    (old / "PKG-INFO").write_bytes(b"old" * 100)
    paths["demo_old"] = old
    page = cache.root / "simple-v1" / D1 / "demo"
    page.parent.mkdir(parents=True)
    page.write_bytes(b"<html>demo</html>")
    paths["demo_page"] = page
    paths["git"] = cache.root / "git-v1" / D1 / "HEAD"
    paths["git"].parent.mkdir(parents=True)
    paths["git"].write_bytes(b"ref: refs/heads/main\n")
    paths["stray"] = cache.temp_root / "stray"
    paths["stray"].write_bytes(b"s" * 9)
    return paths


def test_cache_dir(run: Runner, cache_root: Path, tmp_path: Path) -> None:
    assert run.ok("cache", "dir", "--cache-dir", cache_root).stdout.strip() == str(cache_root)
    assert run.ok("--cache-dir", cache_root, "cache", "dir").stdout.strip() == str(cache_root)
    # Without --cache-dir: SDISTILL_CACHE_DIR.
    assert run.ok("cache", "dir").stdout.strip() == str(tmp_path / "env-cache")


def test_cache_size_json(run: Runner, cache_root: Path) -> None:
    empty = run.json("cache", "size", "--cache-dir", cache_root, "--json")
    assert isinstance(empty, dict)
    assert set(empty) == {"buckets", "bytes", "files"}
    assert set(empty["buckets"]) == set(BUCKET_DIRS)
    for b in empty["buckets"].values():
        assert set(b) == {"bytes", "files"}
    assert empty["files"] == 0
    assert empty["bytes"] == 0

    populate(cache_root)
    out = run.json("cache", "size", "--json", "--cache-dir", cache_root)
    assert isinstance(out, dict)
    for dirname in BUCKET_DIRS:
        sizes = sizes_under(cache_root / dirname)
        assert out["buckets"][dirname] == {"bytes": sum(sizes.values()), "files": len(sizes)}
    assert out["files"] == sum(b["files"] for b in out["buckets"].values())
    assert out["bytes"] == sum(b["bytes"] for b in out["buckets"].values())
    assert out["buckets"]["tmp"] == {"bytes": 9, "files": 1}

    size = Cache(cache_root).size()
    assert out["files"] == size.files
    assert out["bytes"] == size.bytes


def test_cache_size_text(run: Runner, cache_root: Path) -> None:
    populate(cache_root)
    result = run.ok("cache", "size", "--cache-dir", cache_root)
    for dirname in BUCKET_DIRS:
        assert dirname in result.stdout
    assert len(result.stdout.strip().splitlines()) >= len(BUCKET_DIRS) + 1
    run.ok("--json", "cache", "size", "--cache-dir", cache_root)
    run.ok("cache", "size", "-v", "--cache-dir", cache_root)


def test_cache_clean_all(run: Runner, cache_root: Path) -> None:
    populate(cache_root)
    sizes = {}
    for dirname in BUCKET_DIRS:
        for rel, n in sizes_under(cache_root / dirname).items():
            sizes[f"{dirname}/{rel}"] = n
    out = run.json("cache", "clean", "--json", "--cache-dir", cache_root)
    assert out == {"files": len(sizes), "bytes": sum(sizes.values())}
    for dirname in BUCKET_DIRS:
        assert (cache_root / dirname).is_dir()
        assert files_under(cache_root / dirname) == {}
    assert (cache_root / "CACHEDIR.TAG").is_file()
    assert run.json("cache", "clean", "--json", "--cache-dir", cache_root) == {
        "files": 0,
        "bytes": 0,
    }


def test_cache_clean_package(run: Runner, cache_root: Path) -> None:
    paths = populate(cache_root)
    gone = [paths["demo"], paths["demo_page"]]
    gone_sizes = [sizes_under(paths["demo"]), {"page": paths["demo_page"].stat().st_size}]
    kept = {k: files_under(paths[k]) for k in ("other",)}
    out = run.json("cache", "clean", "Demo", "--json", "--cache-dir", cache_root)
    assert isinstance(out, dict)
    assert set(out) == {"files", "bytes"}
    assert out["files"] >= sum(len(s) for s in gone_sizes)
    assert out["bytes"] >= sum(sum(s.values()) for s in gone_sizes)
    for p in gone:
        assert not p.exists(), p
    for k, tree in kept.items():
        assert files_under(paths[k]) == tree
    assert paths["git"].exists()
    assert paths["stray"].exists()
    run.ok("cache", "clean", "demo", "--cache-dir", cache_root)


def test_cache_prune(run: Runner, cache_root: Path) -> None:
    paths = populate(cache_root)
    leftover = paths["other_rev"] / ".sdistill-tmp-abcdef"
    leftover.write_bytes(b"partial" * 3)
    removed = {
        **{str(p): n for p, n in ((paths["stray"], 9), (leftover, 21))},
        **{f"old/{k}": n for k, n in sizes_under(paths["demo_old"]).items()},
    }
    out = run.json("cache", "prune", "--json", "--cache-dir", cache_root)
    assert out == {"files": len(removed), "bytes": sum(removed.values())}
    assert not paths["demo_old"].exists()
    assert not paths["stray"].exists()
    assert not leftover.exists()
    for key in ("demo_rev", "other_rev", "demo_page", "git"):
        assert paths[key].exists(), key
    assert (cache_root / "tmp").is_dir()
    assert run.json("cache", "prune", "--json", "--cache-dir", cache_root) == {
        "files": 0,
        "bytes": 0,
    }
    run.ok("cache", "prune", "-q", "--cache-dir", cache_root)


def test_cache_clean_while_locked_fails(run: Runner, cache_root: Path) -> None:
    paths = populate(cache_root)
    cache = Cache(cache_root)
    before = files_under(cache_root / "sdists-v1")
    run.env["SDISTILL_LOCK_TIMEOUT"] = "0.3"
    with cache.lock(paths["demo"], timeout=5):
        for args in (["cache", "clean"], ["cache", "clean", "demo"], ["cache", "prune"]):
            result = run(*args, "--cache-dir", cache_root)
            assert result.returncode == 1, (args, result.stdout, result.stderr)
            assert result.stderr.startswith("error: "), args
            assert "SDISTILL_LOCK_TIMEOUT" in result.stderr, args
        assert paths["demo_rev"].exists()
    after = files_under(cache_root / "sdists-v1")
    # Nothing was removed (the lock file itself may have appeared).
    assert {k: v for k, v in after.items() if not k.endswith(".lock")} == {
        k: v for k, v in before.items() if not k.endswith(".lock")
    }


# ------------------------------------------------------------------------ options and output

PROJECTS = Path(__file__).resolve().parent / "projects"


@pytest.mark.parametrize(
    "args",
    [
        ["metadata", "--jobs", "-1", "x"],
        ["metadata", "--jobs", "0", "x"],
        ["metadata", "--jobs=0", "x"],
        ["build", "--jobs", "many", "x", "-o", "out"],
        ["index", "--jobs", "2", "six"],  # the index builds nothing: no such option
        ["extract", "--max-entries", "0", "a.tar.gz", "dest"],
        ["extract", "--max-unpacked-size", "-5", "a.tar.gz", "dest"],
        ["extract", "--cache-dir", "c", "a.tar.gz", "dest"],
    ],
)
def test_bad_option_values_are_usage_errors(run: Runner, args: list[str]) -> None:
    result = run(*args)
    assert result.returncode == 2, result
    assert "Traceback" not in result.stderr
    assert "error: " in result.stderr.splitlines()[-1]


def test_numeric_options_say_what_they_want(run: Runner) -> None:
    assert "--jobs: must be at least 1, got 0" in run("metadata", "--jobs", "0", "x").stderr
    result = run("metadata", "--jobs", "two", "x")
    assert "--jobs: expected a whole number, got 'two'" in result.stderr


def test_help_lists_only_the_options_of_the_command_each_with_help(run: Runner) -> None:
    index = run.ok("index", "--help").stdout
    for option in ("--jobs", "--no-build-isolation", "--config-settings", "--installer"):
        assert option not in index, option
    for option in ("--index-url", "--find-links", "--offline", "--cache-dir"):
        assert option in index, option
    extract = run.ok("extract", "--help").stdout
    assert "--cache-dir" not in extract
    assert "--max-entries" in extract
    for command in ("metadata", "index", "extract"):
        text = run.ok(command, "--help").stdout
        lines = text.split("options:", 1)[1].splitlines()
        # Every option line is followed by its help, on the same line or the next.
        for i, line in enumerate(lines):
            if line.strip().startswith("-") and len(line.split("  ")) < 3:
                following = lines[i + 1] if i + 1 < len(lines) else ""
                assert following.startswith(" " * 10), (command, line)
                assert following.strip(), (command, line)


def test_an_error_names_the_spec_once(run: Runner, tmp_path: Path) -> None:
    missing = str(tmp_path / "pkg-1.0.tar.gz")
    result = run("metadata", "--cache-dir", tmp_path / "c", missing)
    assert result.returncode == 1
    assert result.stderr.count(missing) == 1, result.stderr
    spec = "git+git://example.invalid/repo"
    result = run("metadata", "--cache-dir", tmp_path / "c", spec)
    assert result.returncode == 1
    assert result.stderr.count(spec) == 1, result.stderr
    assert "git+git:// is not supported" in result.stderr


def test_a_closed_output_pipe_ends_the_command_quietly(run: Runner, sdist: Path) -> None:
    read, write = os.pipe()
    os.close(read)  # the reader is gone before anything is written, as with `| head`
    try:
        result = subprocess.run(
            [*run.argv, "extract", "--json", str(sdist), str(sdist.parent / "out")],
            env=run.env,
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        os.close(write)
    assert result.stderr == ""
    assert result.returncode == 141  # 128 + SIGPIPE, as a shell shows for `yes | head`


@pytest.mark.parametrize(
    ("what", "module"),
    [
        ("mapping", ""),
        ("attribute", ""),
        ("removed", "imp" if sys.version_info >= (3, 12) else "binhex"),
    ],
)
def test_a_standard_library_name_gone_from_this_python_gets_its_own_hint(
    run: Runner, tmp_path: Path, what: str, module: str
) -> None:
    project = tmp_path / "project"
    import shutil

    shutil.copytree(PROJECTS / "old-stdlib", project)
    run.env.update(SDT_OLD_STDLIB=what, SDT_OLD_MODULE=module)
    result = run("metadata", "--no-build-isolation", "--cache-dir", tmp_path / "c", project)
    assert result.returncode == 1
    python = "Python {}.{}".format(*sys.version_info[:2])
    hint = result.stderr.split("hint: ", 1)[1]
    assert hint.startswith(f"this sdist does not support {python}"), hint
    assert "build-system.requires" not in hint
    assert (f"`{module}`" if module else "`collections.Mapping`") in hint


# ------------------------------------------------------------------------ live progress


def _terminal(columns: int) -> tuple[int, io.TextIOWrapper]:
    """A pseudo-terminal ``columns`` wide: its master fd and its slave as a stream."""
    import fcntl
    import struct
    import termios

    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    return master, io.TextIOWrapper(os.fdopen(slave, "wb", buffering=0), encoding="utf-8")


def _drain(master: int) -> str:
    import select

    out = b""
    while select.select([master], [], [], 0.2)[0]:
        out += os.read(master, 65536)
    return out.decode("utf-8", "replace")


@pytest.mark.skipif(os.name != "posix", reason="a pseudo-terminal")
def test_live_lines_fit_a_narrow_terminal_and_an_interrupted_hook_says_so() -> None:
    from sdistill import Source
    from sdistill.cli.progress import ConsoleReporter

    master, stream = _terminal(30)
    try:
        reporter = ConsoleReporter(stream)
        source = Source.parse("a-project-with-a-rather-long-name==1.0")
        reporter.on_build_start(source, "prepare_metadata_for_build_wheel")
        reporter.on_build_start(source, "get_requires_for_build_wheel")
        drawn = _drain(master)
        live = [line for line in drawn.replace("\x1b[1A\x1b[2K", "").split("\r\n") if line]
        assert live, drawn
        # None wraps, so moving up one line per line drawn erases them all: none piles up.
        assert all(len(line) < 30 for line in live), live
        reporter.on_build_finish(source, "get_requires_for_build_wheel", 1.25)
        reporter.interrupt()
        reporter.on_build_finish(source, "prepare_metadata_for_build_wheel", 7.61)
        reporter.close()
        text = _drain(master)
    finally:
        stream.close()
        os.close(master)
    assert "get_requires_for_build_wheel (1.2s)" in text  # it finished before
    assert "prepare_metadata_for_build_wheel (interrupted after 7.6s)" in text


@pytest.mark.skipif(os.name != "posix", reason="a pseudo-terminal")
def test_a_large_download_shows_its_progress_in_place_until_done() -> None:
    from sdistill import Source
    from sdistill.cli.progress import ConsoleReporter

    mib = 1 << 20
    big = "https://user:secret@files.example/packages/big%2Done-1.0.tar.gz?x=1#sha256=00"
    unknown = "https://files.example/packages/unknown-2.0.zip"
    small = "https://files.example/packages/small-1.0.tar.gz"
    master, stream = _terminal(80)
    try:
        reporter = ConsoleReporter(stream)
        source = Source.parse("six==1.16.0")
        reporter.on_build_start(source, "environment")
        reporter.on_download_progress(small, 100_000, 900_000)  # under 1 MiB: not shown
        reporter.on_download_progress(unknown, 512 * 1024, None)  # not yet 1 MiB
        reporter.on_download_progress(big, 2 * mib, 5 * mib)
        first = _drain(master)
        assert "Downloading big-one-1.0.tar.gz 2.0/5.0 MiB" in first, first
        assert "environment" in first  # the build's line stays, beside the download's
        reporter.on_download_progress(unknown, 3 * mib, None)
        second = _drain(master)
        assert "Downloading unknown-2.0.zip 3.0 MiB" in second, second
        reporter.on_download_progress(big, 5 * mib, 5 * mib)  # done: its line goes
        reporter.on_download_progress(unknown, 3 * mib + 7, 3 * mib + 7)
        reporter.on_build_finish(source, "environment", 0.5)
        reporter.close()
        text = first + second + _drain(master)
    finally:
        stream.close()
        os.close(master)
    assert "secret" not in text
    assert "small-1.0" not in text
    # Every live line drawn was erased again: none is left on the screen.
    live = [line for line in text.replace("\x1b[1A\x1b[2K", "\n").split("\r\n") if line]
    drawn = sum("Downloading" in line or "environment" in line for line in live)
    assert text.count("\x1b[1A\x1b[2K") == drawn - 1  # the finished hook's line is plain
    assert live[-1].strip() == "six: environment (0.5s)", live


def test_download_progress_is_not_shown_off_a_terminal_or_when_quiet() -> None:
    from sdistill.cli.progress import ConsoleReporter

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    url = "https://files.example/packages/big-1.0.tar.gz"
    for stream, quiet in ((io.StringIO(), False), (Terminal(), True)):
        reporter = ConsoleReporter(stream, quiet=quiet)
        reporter.on_download_progress(url, 2 << 20, 5 << 20)
        reporter.on_download_progress(url, 5 << 20, 5 << 20)
        reporter.close()
        assert stream.getvalue() == "", quiet
    stream = Terminal()
    reporter = ConsoleReporter(stream)
    reporter.on_download_progress(url, 2 << 20, None)
    reporter.close()
    assert "Downloading big-1.0.tar.gz 2.0 MiB\n" in stream.getvalue()
