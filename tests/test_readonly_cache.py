"""A pre-filled cache on a read-only file system (a CI image, a shared volume).

The cache is mounted read-only for real: each command runs in a private mount namespace
(``unshare -m``) where the cache directory is bind-mounted onto itself read-only, so the
kernel refuses every write with ``EROFS`` -- whoever runs the test, root included (root
ignores permission bits, so ``chmod`` would prove nothing). Where mount namespaces are
not available the tests are skipped, saying so.

Warm lookups (a local archive, a registry spec whose page is fresh) print their answer;
anything that would write fails with one line naming the read-only path, no traceback.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

import pytest
from simple_index import SimpleIndex
from test_index import registry  # noqa: F401 (the fixture)
from test_warm_cli import built_sdist, static_sdist

# Bind-mounts $0 onto itself read-only, then runs the rest of the command line.
_READ_ONLY = 'mount --bind "$0" "$0" && mount -o remount,ro,bind "$0" && exec "$@"'


@functools.lru_cache(maxsize=1)
def _why_no_mount() -> str | None:
    unshare = shutil.which("unshare")
    if unshare is None:
        return "no unshare(1) to make a private mount namespace"
    probe = subprocess.run(
        [unshare, "-m", "--propagation", "private", "sh", "-c", _READ_ONLY, "/tmp", "true"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    if probe.returncode != 0:
        return f"cannot bind-mount read-only in a private namespace: {probe.stderr.strip()}"
    return None


def read_only(cache: Path, *argv: str | os.PathLike[str]) -> subprocess.CompletedProcess[str]:
    """``argv`` run with ``cache`` mounted read-only."""
    why = _why_no_mount()
    if why is not None:
        pytest.skip(why)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SDISTILL_")}
    return subprocess.run(
        ["unshare", "-m", "--propagation", "private", "sh", "-c", _READ_ONLY, str(cache)]
        + [os.fspath(a) for a in argv],
        capture_output=True,
        text=True,
        check=False,
        timeout=240,
        env=env,
    )


def sdistill(cache: Path, *args: str | os.PathLike[str]) -> list[str | os.PathLike[str]]:
    return [sys.executable, "-m", "sdistill", "--cache-dir", cache, *args]


def snapshot(directory: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(p.relative_to(directory)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def assert_one_line_error(run: subprocess.CompletedProcess[str], path: Path) -> None:
    assert run.returncode == 1, (run.stdout, run.stderr)
    lines = [line for line in run.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, run.stderr
    assert "read-only" in lines[0].lower(), run.stderr
    assert str(path) in lines[0], run.stderr
    assert "Traceback" not in run.stderr, run.stderr


@pytest.fixture
def offline_options(wheelhouse: Path) -> list[str]:
    return ["--no-index", "--find-links", str(wheelhouse)]


def test_a_warm_local_archive_is_answered_from_a_read_only_cache(
    make_builder: Callable[..., Any], offline_options: list[str], tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    warm = static_sdist(tmp_path / "warm")
    make_builder(cache).metadata(warm)
    filled = sdistill(cache, "metadata", *offline_options, warm)
    expected = subprocess.run(filled, capture_output=True, text=True, check=True).stdout
    before = snapshot(cache)

    run = read_only(cache, *filled)
    assert (run.returncode, run.stdout, run.stderr) == (0, expected, "")
    # The library too: the builder opens the cache and answers without a lock.
    code = (
        "import sys\nfrom sdistill import SourceDistBuilder\n"
        "b = SourceDistBuilder(cache_dir=sys.argv[1], index_url=None, find_links=[sys.argv[3]])\n"
        "print(b.metadata(sys.argv[2]).requires_dist)\n"
    )
    run = read_only(cache, sys.executable, "-c", code, cache, warm, offline_options[-1])
    assert run.returncode == 0, run.stderr
    assert "six>=1.16" in run.stdout
    assert snapshot(cache) == before


def test_what_would_write_fails_with_one_line_naming_the_read_only_path(
    make_builder: Callable[..., Any], offline_options: list[str], tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    make_builder(cache).metadata(static_sdist(tmp_path / "warm"))
    cold = built_sdist("in-tree-backend", "sdt_in_tree-5.0.0", tmp_path / "cold")
    before = snapshot(cache)

    run = read_only(cache, *sdistill(cache, "metadata", *offline_options, cold))
    assert_one_line_error(run, cache)
    for action in (["clean"], ["prune"]):
        run = read_only(cache, *sdistill(cache, "cache", *action))
        assert_one_line_error(run, cache)
    assert snapshot(cache) == before


def test_cache_dir_and_size_on_a_read_only_cache(
    make_builder: Callable[..., Any], tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    make_builder(cache).metadata(static_sdist(tmp_path / "warm"))
    run = read_only(cache, *sdistill(cache, "cache", "dir"))
    assert (run.returncode, run.stdout.strip(), run.stderr) == (0, str(cache.resolve()), "")
    run = read_only(cache, *sdistill(cache, "--json", "cache", "size"))
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["files"] > 0


def test_a_root_that_cannot_be_made_is_one_line(tmp_path: Path) -> None:
    volume = tmp_path / "volume"
    volume.mkdir()
    spec = static_sdist(tmp_path / "source")
    run = read_only(volume, *sdistill(volume / "cache", "metadata", "--no-index", spec))
    assert_one_line_error(run, volume / "cache")


def test_cache_dir_creates_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "not" / "yet"
    run = subprocess.run(
        sdistill(missing, "cache", "dir"), capture_output=True, text=True, check=False
    )
    assert (run.returncode, run.stdout.strip()) == (0, str(missing)), run.stderr
    assert not (tmp_path / "not").exists()


def test_a_warm_registry_spec_is_answered_from_a_read_only_cache(
    registry: SimpleIndex,  # noqa: F811 (the fixture imported above)
    tmp_path: Path,
) -> None:
    cache = tmp_path / "cache"
    argv = sdistill(cache, "metadata", "--index-url", registry.url, "six==1.17.0")
    filled = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=240)
    assert filled.returncode == 0, filled.stderr
    assert filled.stdout.startswith("six 1.17.0")
    requests = registry.server.count()
    before = snapshot(cache)

    run = read_only(cache, *argv)
    assert (run.returncode, run.stdout, run.stderr) == (0, filled.stdout, "")
    assert registry.server.count() == requests, "a fresh page: no request"
    assert snapshot(cache) == before
    # Other config settings need a build: one line naming the read-only path.
    run = read_only(cache, *argv, "-C", "any=thing")
    assert_one_line_error(run, cache)


def test_a_stale_page_on_a_read_only_cache_answers_as_filled(
    registry: SimpleIndex,  # noqa: F811 (the fixture imported above)
    tmp_path: Path,
) -> None:
    """Indexes that send no caching headers make every page stale at once: a pre-filled
    read-only cache, which cannot keep a page fetched again, answers with the one it
    holds (as offline) instead of failing on the lock it cannot take."""
    registry.send_caching_headers(False)
    cache = tmp_path / "cache"
    argv = sdistill(cache, "metadata", "--index-url", registry.url, "six==1.17.0")
    filled = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=240)
    assert filled.returncode == 0, filled.stderr
    before = snapshot(cache)
    pages = registry.server.count("/simple/six/")

    run = read_only(cache, *argv)
    assert (run.returncode, run.stdout, run.stderr) == (0, filled.stdout, "")
    assert snapshot(cache) == before
    assert registry.server.count("/simple/six/") <= pages + 1
