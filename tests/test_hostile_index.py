"""Hostile or broken indexes and downloads, on loopback: pages that are not pages,
pages too large, and compression bombs served as sdists. Each must fail with an error
naming what was wrong, and leave nothing in the cache."""

from __future__ import annotations

import gzip
import io
import json
import random
import tarfile
from pathlib import Path

import pytest
from http_server import HttpServer, Reply
from http_server import http_server as http_server_fixture  # noqa: F401
from sdistill import SourceDistBuilder
from sdistill.errors import NetworkError, SdistillError, UnsafeArchiveError
from sdistill.http import HttpClient

JSON = "application/vnd.pypi.simple.v1+json"
FRESH = {"Cache-Control": "max-age=600"}
MIB = 1 << 20


def serve(server: HttpServer, path: str, body: bytes, content_type: str | None) -> str:
    headers = {**FRESH, **({"Content-Type": content_type} if content_type else {})}
    server.route(path, Reply(200, headers, body))
    return server.url_for(path)


def files_under(root: Path) -> list[Path]:
    """Every file under ``root`` but the cache's own markers and lock files."""
    markers = {"CACHEDIR.TAG", ".gitignore"}
    return sorted(
        p
        for p in root.rglob("*")
        if not p.is_dir() and p.name not in markers and not p.name.endswith(".lock")
    )


def random_bytes(size: int) -> bytes:
    return random.Random(11).randbytes(size)


# -- pages that are not pages ----------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (random_bytes(1 * MIB), "text/html"),
        (random_bytes(1 * MIB), None),
        (random_bytes(1 * MIB), JSON),
        (b"Service Unavailable, try again later", "text/html; charset=utf-8"),
        (b"", "text/html"),
        (b"{}", JSON),
        (b'{"meta": {"api-version": "1.1"}, "name": "junkpage"}', JSON),
        (b"[1, 2, 3]", JSON),
        (b'{"files": null}', JSON),
        (gzip.compress(b"\0" * 8 * MIB), "text/html"),
    ],
    ids=[
        "random-html",
        "random-no-type",
        "random-json",
        "text",
        "empty-html",
        "empty-object",
        "no-files",
        "array",
        "null-files",
        "gzip-as-html",
    ],
)
def test_a_body_that_is_not_a_project_page_is_an_error(
    http_server: HttpServer, tmp_path: Path, body: bytes, content_type: str | None
) -> None:
    url = serve(http_server, "/simple/junkpage/", body, content_type)
    with pytest.raises(NetworkError, match="not a project page") as raised:
        HttpClient(tmp_path).project(url, "junkpage", tmp_path / "simple-v1" / "junkpage")
    message = str(raised.value)
    assert url in message
    assert f"Content-Type: {content_type or 'none'}" in message
    assert files_under(tmp_path) == [], "nothing of a refused page is kept"


def test_the_cli_refuses_a_junk_page(
    http_server: HttpServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from sdistill.cli import main

    url = serve(http_server, "/simple/junkpage/", random_bytes(MIB), "text/html")
    index_url = http_server.url_for("/simple/")
    status = main(["index", "junkpage", "--cache-dir", str(tmp_path), "--index-url", index_url])
    assert status == 1
    err = capsys.readouterr().err
    assert f"{url}: not a project page (Content-Type: text/html)" in err
    assert "versions" not in err


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"meta": {"api-version": "1.1"}, "name": "empty", "files": []}', JSON),
        (b"<!DOCTYPE html><html><body><h1>Links for empty</h1></body></html>", "text/html"),
        (b"<html>\n</html>\n", None),
    ],
    ids=["json", "html", "html-no-type"],
)
def test_a_real_empty_page_is_an_empty_project(
    http_server: HttpServer, tmp_path: Path, body: bytes, content_type: str | None
) -> None:
    url = serve(http_server, "/simple/empty/", body, content_type)
    page = HttpClient(tmp_path).project(url, "empty", tmp_path / "simple-v1" / "empty")
    assert (page.versions(), page.file_count) == ([], 0)


# -- pages too large -------------------------------------------------------------------


def big_page(links: int) -> bytes:
    rows = "".join(f'<a href="/f/big-1.{i}.tar.gz">big-1.{i}.tar.gz</a>\n' for i in range(links))
    return f"<html><body>\n{rows}</body></html>".encode()


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_page_above_the_limit_is_refused_while_it_streams(
    http_server: HttpServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunked: bool
) -> None:
    monkeypatch.setenv("SDISTILL_MAX_PAGE_SIZE", str(MIB))
    body = big_page(40_000)
    assert len(body) > 2 * MIB
    headers = {**FRESH, "Content-Type": "text/html"}
    if chunked:
        headers["Transfer-Encoding"] = "chunked"
    http_server.route("/simple/big/", Reply(200, headers, body))
    url = http_server.url_for("/simple/big/")
    with pytest.raises(
        NetworkError, match=rf"limit of {MIB} bytes \(SDISTILL_MAX_PAGE_SIZE\)"
    ) as e:
        HttpClient(tmp_path).project(url, "big", tmp_path / "simple-v1" / "big")
    assert url in str(e.value)
    assert ("Content-Length" in str(e.value)) is not chunked
    assert files_under(tmp_path) == []
    # Under a limit that allows it, the same page reads.
    monkeypatch.setenv("SDISTILL_MAX_PAGE_SIZE", str(4 * MIB))
    page = HttpClient(tmp_path).project(url, "big", tmp_path / "simple-v1" / "big")
    assert page.file_count == 40_000


def test_the_page_limit_setting_is_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SDISTILL_MAX_PAGE_SIZE", "lots")
    with pytest.raises(SdistillError, match="SDISTILL_MAX_PAGE_SIZE"):
        HttpClient(tmp_path)


# -- compression bombs served as sdists ------------------------------------------------


def zeros_sdist(name: str, size: int) -> bytes:
    """A gzip'd sdist with a PKG-INFO and one member of ``size`` zero bytes."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz", compresslevel=9) as tar:
        pkg_info = f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n".encode()
        for member, data in (("PKG-INFO", pkg_info), ("zeros.bin", None)):
            info = tarfile.TarInfo(f"{name}-1.0/{member}")
            info.size = len(data) if data is not None else size
            stream = io.BytesIO(data) if data is not None else _Zeros(size)
            tar.addfile(info, stream)
    return out.getvalue()


class _Zeros(io.RawIOBase):
    """``size`` zero bytes, without holding them."""

    def __init__(self, size: int) -> None:
        self.left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        n = min(len(buffer), self.left)
        buffer[:n] = b"\0" * n
        self.left -= n
        return n


@pytest.fixture(scope="module")
def bomb() -> bytes:
    body = zeros_sdist("bomb", 160 * MIB)
    assert len(body) < 200 * 1024, "a bomb: 160 MiB from less than 200 KiB"
    return body


def test_a_gzip_bomb_download_fails_and_leaves_nothing(
    http_server: HttpServer, tmp_path: Path, bomb: bytes
) -> None:
    http_server.route("/files/bomb-1.0.tar.gz", Reply(200, FRESH, bomb))
    url = http_server.url_for("/files/bomb-1.0.tar.gz")
    shard = tmp_path / "sdists-v1" / "url" / "bomb"
    with pytest.raises(UnsafeArchiveError, match="max_ratio"):
        HttpClient(tmp_path).fetch_archive(url, shard)
    assert files_under(tmp_path) == []
    assert not [p for p in shard.rglob("*") if p.is_dir()], "no revision directory"


def test_a_bomb_replacing_a_live_revision_leaves_only_the_live_one(
    http_server: HttpServer, tmp_path: Path, bomb: bytes
) -> None:
    good = zeros_sdist("bomb", 1000)
    # Always stale: the second fetch downloads again, spools, then extracts.
    http_server.route(
        "/files/bomb-1.0.tar.gz",
        Reply(200, {"Cache-Control": "no-cache"}, good),
        Reply(200, {"Cache-Control": "no-cache"}, bomb),
    )
    url = http_server.url_for("/files/bomb-1.0.tar.gz")
    shard = tmp_path / "sdists-v1" / "url" / "bomb"
    first = HttpClient(tmp_path).fetch_archive(url, shard)
    before = files_under(tmp_path)
    with pytest.raises(UnsafeArchiveError, match="max_ratio"):
        HttpClient(tmp_path).fetch_archive(url, shard)
    assert files_under(tmp_path) == before, "no temporary file, no second revision"
    revisions = [p.name for p in shard.iterdir() if p.is_dir()]
    assert revisions == [first.revision]


def test_a_bomb_on_the_index_is_refused_and_nothing_stays(
    http_server: HttpServer, tmp_path: Path, bomb: bytes
) -> None:
    page = {
        "meta": {"api-version": "1.1"},
        "name": "bomb",
        "files": [{"filename": "bomb-1.0.tar.gz", "url": "/files/bomb-1.0.tar.gz", "hashes": {}}],
    }
    serve(http_server, "/simple/bomb/", json.dumps(page).encode(), JSON)
    http_server.route("/files/bomb-1.0.tar.gz", Reply(200, FRESH, bomb))
    cache = tmp_path / "cache"
    builder = SourceDistBuilder(cache_dir=cache, index_url=http_server.url_for("/simple/"))
    with pytest.raises(UnsafeArchiveError, match="max_ratio"):
        builder.metadata("bomb==1.0")
    big = [p for p in files_under(cache) if p.stat().st_size > MIB]
    assert big == [], "nothing of the bomb stays in the cache"
    assert files_under(cache / "sdists-v1") == [], "no revision, no temporary file"
    assert files_under(cache / "tmp") == []
