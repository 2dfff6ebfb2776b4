"""Hosts that send no caching headers: files named by their hash are immutable, equal
bytes keep their revision, and repeating a command never grows the cache.

Package indexes, their mirrors and private indexes often serve pages and files with no
``Cache-Control``, ``ETag`` or ``Last-Modified``. Every test here runs against such a
host on loopback and counts what a user would pay for: requests, hook runs, bytes kept.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, Callable

import pytest
from http_server import HttpServer, Reply
from http_server import http_server as http_server_fixture  # noqa: F401
from sdistill import Source, SourceDistBuilder
from sdistill.errors import HashMismatchError
from sdistill.http import HttpClient
from simple_index import SimpleIndex
from test_url_source import sdist

DATA = Path(os.environ.get("SDISTILL_TEST_DATA", Path.home() / ".cache" / "sdistill-test-data"))
SIX = DATA / "six-1.17.0.tar.gz"


class Hooks:
    """A reporter counting the hooks (and environment set-ups) that ran."""

    def __init__(self) -> None:
        self.started: list[str] = []
        self._lock = threading.Lock()

    def on_build_start(self, source: Source, hook: str) -> None:
        with self._lock:
            self.started.append(hook)

    def on_build_finish(self, source: Source, hook: str, seconds: float) -> None:
        pass

    def on_download_progress(self, url: str, done: int, total: int | None) -> None:
        pass


def footprint(root: Path) -> tuple[int, int]:
    """(files, bytes) under ``root``: what the cache holds on disk."""
    files = size = 0
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            files += 1
            size += path.stat().st_size
    return files, size


def live_revision(shard: Path) -> str:
    text = (shard / "revision").read_text()
    return text.split()[-1]


def revisions(shard: Path) -> set[str]:
    return {p.name for p in shard.iterdir() if p.is_dir() and len(p.name) == 16}


def six_copy(directory: Path) -> Path:
    """six 1.17.0 with the same files but other bytes (gzip with another timestamp)."""
    target = directory / SIX.name
    directory.mkdir(parents=True, exist_ok=True)
    with gzip.open(SIX) as raw, gzip.GzipFile(target, "wb", mtime=1) as out:
        out.write(raw.read())
    assert target.read_bytes() != SIX.read_bytes()
    return target


@pytest.fixture
def bare_index(wheelhouse: Path) -> Any:
    if not SIX.is_file():
        pytest.skip("six-1.17.0.tar.gz is not in the test data (tests/fixtures/fetch.py)")
    with SimpleIndex([SIX, *sorted(wheelhouse.glob("*.whl"))]) as index:
        index.send_caching_headers(False)
        yield index


def test_index_without_caching_headers_answers_from_the_cache(
    bare_index: SimpleIndex, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    page, file = "/simple/six/", "/files/six-1.17.0.tar.gz"

    def call() -> tuple[int, int, list[str]]:
        hooks = Hooks()
        pages, files = bare_index.server.count(page), bare_index.server.count(file)
        builder = SourceDistBuilder(cache_dir=cache, index_url=bare_index.url, reporter=hooks)
        with builder:
            metadata = builder.metadata("six==1.17.0")
        assert (metadata.name, str(metadata.version)) == ("six", "1.17.0")
        return (
            bare_index.server.count(page) - pages,
            bare_index.server.count(file) - files,
            hooks.started,
        )

    pages, files, hooks = call()
    assert (pages, files) == (1, 1)
    assert "prepare_metadata_for_build_wheel" in hooks, "the cold call builds"
    shard = next((cache / "sdists-v1" / "index").glob("*/six/1.17.0"))
    first = live_revision(shard)
    size = footprint(cache)
    for _ in range(2):
        assert call() == (1, 0, []), "one page request, no file request, no hook"
        assert live_revision(shard) == first
        assert footprint(cache) == size, "the cache does not grow"


def test_warm_command_line_makes_one_page_request(bare_index: SimpleIndex, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    argv = ["metadata", "--cache-dir", str(cache), "--index-url", bare_index.url, "--json"]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-m", "sdistill", *args],
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        return done

    cold = run(*argv, "six==1.17.0")
    size = json.loads(run("cache", "size", "--json", "--cache-dir", str(cache)).stdout)
    for _ in range(2):
        before = bare_index.server.count()
        pages = bare_index.server.count("/simple/six/")
        assert run(*argv, "six==1.17.0").stdout == cold.stdout
        assert bare_index.server.count("/simple/six/") == pages + 1
        assert bare_index.server.count() == before + 1, "no other request"
        after = json.loads(run("cache", "size", "--json", "--cache-dir", str(cache)).stdout)
        assert after == size
    offline = run(*argv, "--offline", "six==1.17.0")
    assert offline.stdout == cold.stdout


def test_a_page_that_changes_a_files_hash_makes_a_new_revision(
    bare_index: SimpleIndex, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    file = "/files/six-1.17.0.tar.gz"
    with SourceDistBuilder(cache_dir=cache, index_url=bare_index.url) as builder:
        builder.metadata("six==1.17.0")
    shard = next((cache / "sdists-v1" / "index").glob("*/six/1.17.0"))
    first = live_revision(shard)

    bare_index.add(six_copy(tmp_path / "republished"))
    hooks = Hooks()
    downloads = bare_index.server.count(file)
    with SourceDistBuilder(cache_dir=cache, index_url=bare_index.url, reporter=hooks) as builder:
        assert str(builder.metadata("six==1.17.0").version) == "1.17.0"
    assert bare_index.server.count(file) == downloads + 1, "the new hash is downloaded"
    assert "prepare_metadata_for_build_wheel" in hooks.started, "and built"
    second = live_revision(shard)
    assert second != first
    assert revisions(shard) == {second}, "the superseded revision is removed"


def test_a_direct_url_with_a_hash_and_no_headers_is_downloaded_once(
    make_builder: Callable[..., Any], tmp_path: Path, http_server: HttpServer
) -> None:
    body = sdist()
    http_server.route("/demo_pkg-1.0.tar.gz", Reply(headers={}, body=body))
    url = f"{http_server.url}/demo_pkg-1.0.tar.gz#sha256={hashlib.sha256(body).hexdigest()}"
    for _ in range(3):
        metadata = make_builder(tmp_path / "cache").metadata(url)
        assert [str(r) for r in metadata.requires_dist or []] == ["six>=1"]
    assert http_server.count() == 1


def test_equal_bytes_keep_the_revision(
    bare_index: SimpleIndex, make_builder: Callable[..., Any], tmp_path: Path
) -> None:
    """A URL without a hash, from a host without caching headers, is downloaded on every
    call; while its bytes stay the same, its revision and what was built from it stay."""
    server = bare_index.server
    url = server.url_for("/files/six-1.17.0.tar.gz")
    cache = tmp_path / "cache"
    make_builder(cache).metadata(url)
    shard = next(p for p in (cache / "sdists-v1" / "url").iterdir() if p.is_dir())
    first = live_revision(shard)
    size = footprint(cache)
    for _ in range(2):
        hooks = Hooks()
        downloads = server.count("/files/six-1.17.0.tar.gz")
        make_builder(cache, reporter=hooks).metadata(url)
        assert server.count("/files/six-1.17.0.tar.gz") == downloads + 1
        assert hooks.started == [], "nothing is built again"
        assert live_revision(shard) == first
        assert footprint(cache) == size

    bare_index.add(six_copy(tmp_path / "changed"))
    make_builder(cache).metadata(url)
    assert live_revision(shard) != first
    assert revisions(shard) == {live_revision(shard)}


@pytest.mark.parametrize("algorithm", ["sha256", "sha384", "sha512"])
@pytest.mark.parametrize("headers", [{}, {"Cache-Control": "no-store"}])
def test_an_archive_named_by_any_strong_hash_is_fetched_once(
    http_server: HttpServer, tmp_path: Path, algorithm: str, headers: dict[str, str]
) -> None:
    body = sdist()
    http_server.route("/demo_pkg-1.0.tar.gz", Reply(headers=headers, body=body))
    url = f"{http_server.url}/demo_pkg-1.0.tar.gz"
    digest = hashlib.new(algorithm, body).hexdigest()
    shard = tmp_path / "cache" / "sdists-v1" / "url" / "x"
    client = HttpClient(tmp_path / "cache")
    first = client.fetch_archive(url, shard, expected_hashes={algorithm: digest})
    again = client.fetch_archive(url, shard, expected_hashes={algorithm: digest})
    assert (first.origin, again.origin) == ("network", "cache")
    assert again.revision == first.revision
    assert http_server.count() == 1

    # Another expected digest is another file: fetched, and refused if it differs.
    other = hashlib.new(algorithm, body + b"x").hexdigest()
    with pytest.raises(HashMismatchError):
        client.fetch_archive(url, shard, expected_hashes={algorithm: other})
    assert http_server.count() == 2


def test_the_warm_command_line_keeps_to_the_page_size_limit(
    bare_index: SimpleIndex, tmp_path: Path
) -> None:
    """A stale page is fetched again by the warm command line too: under a page size
    limit it is refused there as anywhere else."""
    cache = tmp_path / "cache"
    argv = [sys.executable, "-m", "sdistill", "metadata", "--cache-dir", str(cache)]
    argv += ["--index-url", bare_index.url, "six==1.17.0"]
    cold = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=300)
    assert cold.returncode == 0, cold.stderr
    env = {**os.environ, "SDISTILL_MAX_PAGE_SIZE": "100"}
    limited = subprocess.run(
        argv, capture_output=True, text=True, check=False, timeout=300, env=env
    )
    assert limited.returncode == 1, limited.stdout
    assert "SDISTILL_MAX_PAGE_SIZE" in limited.stderr, limited.stderr
