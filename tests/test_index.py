"""The package index: native page parsing against pip's, the archived views, several
indexes, PEP 658 metadata and registry sources end to end, all on loopback."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from http_server import HttpServer, Reply
from http_server import http_server as http_server_fixture  # noqa: F401
from index_reference import load_page, reference_links
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import Version
from sdistill import SourceDistBuilder
from sdistill.errors import CacheError, HashMismatchError, InvalidSourceError, NetworkError
from sdistill.http import HttpClient
from sdistill.index import Index
from sdistill.sources import RegistrySource, Source
from simple_index import SimpleIndex
from simple_index import simple_index as simple_index_fixture  # noqa: F401

JSON = "application/vnd.pypi.simple.v1+json"
FRESH = {"Cache-Control": "max-age=600"}
DATA = Path(os.environ.get("SDISTILL_TEST_DATA", Path.home() / ".cache" / "sdistill-test-data"))


def serve_page(server: HttpServer, path: str, body: bytes, content_type: str) -> str:
    server.route(path, Reply(200, {**FRESH, "Content-Type": content_type}, body))
    return server.url_for(path)


def our_links(page: Any) -> set[tuple[Any, ...]]:
    """The same tuples as ``index_reference.reference_links``, from the native view."""
    links = set()
    for version in page.versions():
        for f in page.files(version):
            metadata = f.core_metadata
            links.add(
                (
                    f.filename,
                    f.url,
                    f.hashes.get("sha256"),
                    f.requires_python,
                    (f.yanked_reason or "") if f.yanked else None,
                    None if metadata is None else metadata.get("sha256", ""),
                )
            )
    return links


def is_distribution(filename: str) -> bool:
    try:
        if filename.endswith(".whl"):
            parse_wheel_filename(filename)
        else:
            parse_sdist_filename(filename)
    except (InvalidSdistFilename, InvalidWheelFilename):
        return False
    return True


# -- parsing real pages ----------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "html"])
@pytest.mark.parametrize("project", ["numpy", "boto3", "requests", "six"])
def test_real_pages_parse_as_pip_parses_them(
    http_server: HttpServer, tmp_path: Path, project: str, fmt: str
) -> None:
    body, content_type = load_page(project, fmt)
    url = serve_page(http_server, f"/simple/{project}/", body, content_type)
    page = HttpClient(tmp_path).project(url, project, tmp_path / "entry")
    reference = reference_links(body, content_type, url)
    skipped = set(page.skipped)
    assert all(not is_distribution(name) for name in skipped), skipped
    assert our_links(page) == {link for link in reference if link[0] not in skipped}
    assert skipped | {link[0] for link in our_links(page)} == {link[0] for link in reference}
    versions = page.versions()
    assert versions == sorted(versions, key=Version, reverse=True)
    assert len(set(map(Version, versions))) == len(versions), "one group per version"


def test_a_fresh_page_is_read_from_the_cache_and_a_corrupt_one_heals(
    http_server: HttpServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    body, content_type = load_page("six", "json")
    url = serve_page(http_server, "/simple/six/", body, content_type)
    entry = tmp_path / "six"
    assert HttpClient(tmp_path).project(url, "six", entry).versions()[0] == "1.17.0"
    again = HttpClient(tmp_path).project(url, "six", entry)
    assert again.versions()[0] == "1.17.0"
    assert http_server.count() == 1
    assert http_server.requests()[0].headers.get("accept", "").startswith(JSON)
    data = bytearray(entry.read_bytes())
    head = data.index(b"sdproj")
    damaged = bytearray(data)
    damaged[head + 40] ^= 0xFF  # inside the archived head: found on opening
    entry.write_bytes(bytes(damaged))
    with caplog.at_level(logging.WARNING, logger="sdistill"):
        healed = HttpClient(tmp_path).project(url, "six", entry)
    assert healed.versions()[0] == "1.17.0"
    assert http_server.count() == 2
    assert "unusable cache entry" in caplog.text

    # One version's files: found when that version is read; the entry is removed then.
    damaged = bytearray(entry.read_bytes())
    damaged[-20] ^= 0xFF  # the files of the newest version are stored last
    entry.write_bytes(bytes(damaged))
    opened = HttpClient(tmp_path).project(url, "six", entry)
    assert opened.files("1.16.0"), "an intact version reads"
    with pytest.raises(CacheError, match=r"corrupt \(the files of version 1\.17\.0\)"):
        opened.files("1.17.0")
    assert not entry.exists()
    assert [f.filename for f in HttpClient(tmp_path).project(url, "six", entry).files("1.17.0")]
    assert http_server.count() == 3


def test_hand_written_pages_cover_what_pypi_does_not_send(
    http_server: HttpServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    html = b"""<html><body>
      <a href="/f/pkg-1.0-py3-none-any.whl#sha256=aa" data-core-metadata="sha256=bb"
         data-yanked>w</a>
      <a href="/f/pkg-1.0.tar.gz#sha256=cc" data-dist-info-metadata="true">s</a>
      <a href="/f/pkg-1.0.zip#sha256=dd">z</a>
      <a href="/f/pkg-2.0b1.tar.gz#sha256=ee" data-requires-python="&gt;=3.8">p</a>
    </body></html>"""
    url = serve_page(http_server, "/simple/pkg/", html, "text/html")
    page = HttpClient(tmp_path).project(url, "pkg", tmp_path / "pkg")
    assert page.versions() == ["2.0b1", "1.0"]
    assert page.versions(prereleases=False) == ["1.0"]
    wheel = page.wheels("1.0")[0]
    assert (wheel.yanked, wheel.yanked_reason, wheel.core_metadata) == (
        True,
        None,
        {"sha256": "bb"},
    )
    sdists = page.sdists("1.0")
    assert [s.filename for s in sdists] == ["pkg-1.0.tar.gz", "pkg-1.0.zip"]
    assert sdists[0].core_metadata == {}
    assert page.files("2.0b1")[0].requires_python == ">=3.8"
    assert [f.filename for f in page.files("1.0.0")] == [f.filename for f in page.files("1.0")]
    assert page.files("9.9") == []

    future = {"meta": {"api-version": "2.0"}, "files": []}
    url = serve_page(http_server, "/simple/new/", json.dumps(future).encode(), JSON)
    with pytest.raises(NetworkError, match=r"simple API version 2\.0"):
        HttpClient(tmp_path).project(url, "new", tmp_path / "new")
    newer = {"meta": {"api-version": "1.99"}, "files": []}
    url = serve_page(http_server, "/simple/newer/", json.dumps(newer).encode(), JSON)
    with caplog.at_level(logging.WARNING, logger="sdistill"):
        assert HttpClient(tmp_path).project(url, "newer", tmp_path / "newer").versions() == []
    assert "1.99" in caplog.text


# -- several indexes -------------------------------------------------------------------


def wheel_of(wheelhouse: Path, prefix: str) -> Path:
    return next(p for p in sorted(wheelhouse.glob(f"{prefix}-*.whl")))


def test_first_match_resists_dependency_confusion_and_merge_unites(
    wheelhouse: Path, tmp_path: Path
) -> None:
    flit = wheel_of(wheelhouse, "flit_core")
    hatch = wheel_of(wheelhouse, "hatchling")
    with SimpleIndex([flit]) as private, SimpleIndex([flit, hatch]) as public:
        http = HttpClient(tmp_path / "cache")
        first = Index(http, [private.url, public.url]).project("flit-core")
        assert first.index_urls == [private.url]
        assert public.server.count() == 0
        merged = Index(http, [private.url, public.url], strategy="merge").project("flit_core")
        assert merged.index_urls == [private.url, public.url]
        version = merged.versions()[0]
        assert len(merged.files(version)) == 2
        only_public = Index(http, [private.url, public.url]).project("hatchling")
        assert only_public.index_urls == [public.url]
        with pytest.raises(NetworkError) as missing:
            Index(http, [private.url]).project("no-such-project")
        assert missing.value.status == 404


def test_wheel_metadata_comes_from_the_metadata_file(wheelhouse: Path, tmp_path: Path) -> None:
    flit = wheel_of(wheelhouse, "flit_core")
    with SimpleIndex([flit]) as index:
        http = HttpClient(tmp_path / "cache")
        project = Index(http, [index.url]).project("flit-core")
        wheel = project.wheels(project.versions()[0])[0]
        assert wheel.core_metadata
        metadata = Index(http, [index.url]).wheel_metadata(wheel)
        assert (metadata.name, str(metadata.version)) == ("flit_core", project.versions()[0])
        fetched = index.server.count()
        Index(http, [index.url]).wheel_metadata(wheel)
        assert index.server.count() == fetched, "the metadata file is cached"


def test_wheel_metadata_with_a_wrong_hash_is_refused(
    http_server: HttpServer, tmp_path: Path
) -> None:
    metadata = b"Metadata-Version: 2.1\nName: pkg\nVersion: 1.0\n"
    wrong = hashlib.sha256(b"something else").hexdigest()
    page = f'<a href="/f/pkg-1.0-py3-none-any.whl" data-core-metadata="sha256={wrong}">w</a>'
    serve_page(http_server, "/simple/pkg/", page.encode(), "text/html")
    http_server.route("/f/pkg-1.0-py3-none-any.whl.metadata", Reply(200, FRESH, metadata))
    http = HttpClient(tmp_path)
    index = Index(http, [http_server.url_for("/simple/")])
    wheel = index.project("pkg").wheels("1.0")[0]
    with pytest.raises(HashMismatchError):
        index.wheel_metadata(wheel)
    cached = list((tmp_path / "simple-v1" / "metadata").rglob("*"))
    assert not [p for p in cached if p.is_file() and p.read_bytes() == metadata]


# -- registry sources ------------------------------------------------------------------


def test_registry_specs_parse() -> None:
    assert Source.parse("six==1.16.0") == RegistrySource(name="six", version="1.16.0")
    assert Source.parse("Zope.Interface") == RegistrySource(name="zope-interface")
    for bad in ("six>=1", "six==1.*", "six; python_version>'3'", "six==1,==2", "!!"):
        with pytest.raises(InvalidSourceError):
            Source.parse(bad)


@pytest.fixture
def registry(wheelhouse: Path, tmp_path: Path) -> Any:
    six = DATA / "six-1.17.0.tar.gz"
    if not six.is_file():
        pytest.skip("six-1.17.0.tar.gz is not in the test data (tests/fixtures/fetch.py)")
    with SimpleIndex([six, *sorted(wheelhouse.glob("*.whl"))]) as index:
        yield index


def test_metadata_of_a_pin_builds_against_the_index_alone(
    registry: SimpleIndex, tmp_path: Path
) -> None:
    builder = SourceDistBuilder(cache_dir=tmp_path / "cache", index_url=registry.url)
    metadata = builder.metadata("six==1.17.0")
    assert (metadata.name, str(metadata.version)) == ("six", "1.17.0")
    assert registry.server.count("/files/six-1.17.0.tar.gz") == 1
    before = registry.server.count()
    again = SourceDistBuilder(cache_dir=tmp_path / "cache", index_url=registry.url)
    assert again.metadata("six").version == metadata.version
    assert registry.server.count() == before, "a fresh page and archive make no request"
    shard = tmp_path / "cache" / "sdists-v1" / "index"
    assert list(shard.glob("*/six/1.17.0")), "the sdist lives under its index, name, version"


def test_registry_errors(registry: SimpleIndex, tmp_path: Path, caplog: Any) -> None:
    builder = SourceDistBuilder(cache_dir=tmp_path / "a", index_url=registry.url)
    with pytest.raises(InvalidSourceError, match="no such version"):
        builder.metadata("six==0.1")
    with pytest.raises(InvalidSourceError, match="no sdist"):
        builder.metadata(
            f"flit-core=={Index(builder.http, [registry.url]).project('flit-core').versions()[0]}"
        )
    registry.yank("six-1.17.0.tar.gz", "do not use")
    registry.set_cache_control("no-cache")
    with caplog.at_level(logging.WARNING, logger="sdistill"):
        SourceDistBuilder(cache_dir=tmp_path / "b", index_url=registry.url).metadata("six==1.17.0")
    assert "yanked (do not use)" in caplog.text
    with pytest.raises(InvalidSourceError, match="not yanked"):
        SourceDistBuilder(cache_dir=tmp_path / "b", index_url=registry.url).metadata("six")


def test_a_hash_the_index_states_is_checked(registry: SimpleIndex, tmp_path: Path) -> None:
    registry.corrupt_hash("six-1.17.0.tar.gz")
    cache = tmp_path / "cache"
    with pytest.raises(HashMismatchError):
        SourceDistBuilder(cache_dir=cache, index_url=registry.url).metadata("six==1.17.0")
    assert not list((cache / "sdists-v1").rglob("PKG-INFO")), "nothing extracted was kept"


# -- the command line and per-index settings -------------------------------------------


def test_cli_index_lists_versions_and_files(http_server: HttpServer, tmp_path: Path) -> None:
    body, content_type = load_page("six", "html")
    serve_page(http_server, "/simple/six/", body, content_type)
    index_url = http_server.url_for("/simple/")
    command = [sys.executable, "-m", "sdistill", "--cache-dir", str(tmp_path), "index", "Six"]
    command += ["--index-url", index_url]
    text = subprocess.run(command, capture_output=True, text=True, check=True, timeout=60)
    assert text.stdout.splitlines()[0] == "six (29 versions, 48 files)"
    assert "1.17.0: 1 sdist, 1 wheel\n" in text.stdout
    data = json.loads(
        subprocess.run(
            [*command, "--json"], capture_output=True, text=True, check=True, timeout=60
        ).stdout
    )
    assert data["indexes"] == [index_url]
    newest = data["versions"][0]
    assert newest["version"] == "1.17.0"
    assert {f["filename"] for f in newest["files"]} == {
        "six-1.17.0.tar.gz",
        "six-1.17.0-py2.py3-none-any.whl",
    }
    assert http_server.count() == 1, "the second command read the cached page"
    missing = subprocess.run(
        [*command[:-3], "no-such-project", "--index-url", index_url],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert missing.returncode == 1
    assert "no such project" in missing.stderr


def test_a_per_index_cache_control_override(http_server: HttpServer, tmp_path: Path) -> None:
    body, content_type = load_page("six", "json")
    headers = {"Cache-Control": "no-store", "Content-Type": content_type}
    http_server.route("/simple/six/", Reply(200, headers, body))
    index_url = http_server.url_for("/simple/")
    plain = SourceDistBuilder(cache_dir=tmp_path / "a", index_url=index_url)
    plain.index.project("six")
    plain.index.project("six")
    assert http_server.count() == 2, "no-store: every call asks"
    overridden = SourceDistBuilder(
        cache_dir=tmp_path / "b",
        index_url=index_url,
        index_cache_control={index_url: "max-age=600"},
    )
    overridden.index.project("six")
    overridden.index.project("six")
    assert http_server.count() == 3, "the override made the page cacheable"


# -- the warm command line for registry specs ------------------------------------------

# Runs the command line in-process and reports whether the build side was imported.
PROBE = """\
import json, sys
from sdistill import cli
code = cli.main(sys.argv[2:])
sys.stdout.flush()
watched = ("packaging", "pyproject_hooks", "sdistill.builder")
loaded = [m for m in sys.modules if any(m == w or m.startswith(w + ".") for w in watched)]
open(sys.argv[1], "w").write(json.dumps({"code": code, "loaded": loaded}))
"""


def probe(tmp_path: Path, argv: list[str]) -> tuple[str, list[str]]:
    report = tmp_path / "probe.json"
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(report), *argv],
        capture_output=True,
        text=True,
        check=False,
        timeout=240,
    )
    result = json.loads(report.read_text())
    assert result["code"] == 0, done.stderr
    return done.stdout, result["loaded"]


def test_a_warm_registry_spec_is_answered_without_the_builder(
    registry: SimpleIndex, tmp_path: Path
) -> None:
    argv = ["metadata", "--cache-dir", str(tmp_path / "cache"), "--index-url", registry.url]
    cold, loaded = probe(tmp_path, [*argv, "six==1.17.0", "--json"])
    assert json.loads(cold)[0]["version"] == "1.17.0"
    assert "sdistill.builder" in loaded
    requests = registry.server.count()
    warm, loaded = probe(tmp_path, [*argv, "six==1.17.0", "--json"])
    assert (warm, loaded) == (cold, [])
    bare, loaded = probe(tmp_path, [*argv, "Six", "--json"])
    assert (bare, loaded) == (cold, [])
    assert registry.server.count() == requests, "warm answers make no request"


def test_a_stale_page_is_fetched_once_by_the_warm_path(
    registry: SimpleIndex, tmp_path: Path
) -> None:
    registry.set_cache_control("max-age=0")
    argv = ["metadata", "--cache-dir", str(tmp_path / "cache"), "--index-url", registry.url]
    probe(tmp_path, [*argv, "six==1.17.0"])
    pages = registry.server.count("/simple/six/")
    requests = registry.server.count()
    text, loaded = probe(tmp_path, [*argv, "six==1.17.0"])
    assert text.startswith("six 1.17.0")
    assert loaded == [], "the warm path answers once the page is fetched again"
    assert registry.server.count("/simple/six/") == pages + 1, "the stale page is fetched once"
    assert registry.server.count() == requests + 1, "and the sdist, named by its hash, not at all"
    offline, loaded = probe(tmp_path, [*argv, "--offline", "six==1.17.0"])
    assert (offline, loaded) == (text, [])
    assert registry.server.count() == requests + 1, "offline: no request"
