"""Direct-URL sources: parsing, and metadata of an sdist served by a loopback server."""

from __future__ import annotations

import hashlib
import io
import tarfile
import zipfile
from pathlib import Path
from typing import Any, Callable

import pytest
from http_server import HttpServer, Reply
from http_server import http_server as http_server_fixture  # noqa: F401
from sdistill import Source
from sdistill.errors import (
    HashMismatchError,
    InvalidSourceError,
    NetworkError,
    UnsupportedArchiveError,
)
from sdistill.sources import UrlSource

PKG_INFO = """\
Metadata-Version: 2.2
Name: demo-pkg
Version: 1.0
Requires-Dist: six>=1
"""


def sdist(name: str = "demo_pkg-1.0", pkg_info: str = PKG_INFO) -> bytes:
    """A small sdist whose PKG-INFO states its metadata statically."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        for member, text in {
            "PKG-INFO": pkg_info,
            "pyproject.toml": '[build-system]\nrequires = ["setuptools"]\n'
            'build-backend = "setuptools.build_meta"\n',
        }.items():
            data = text.encode()
            info = tarfile.TarInfo(f"{name}/{member}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def test_parse_a_url_with_hash_and_subdirectory() -> None:
    digest = "ab" * 32
    src = Source.parse(
        f"https://u:pw@example.org/p/demo_pkg-1.0.tar.gz#sha256={digest}&subdirectory=sub"
    )
    assert isinstance(src, UrlSource)
    assert (src.name, src.version, src.subdirectory) == ("demo-pkg", "1.0", "sub")
    assert src.hashes == (("sha256", digest),)
    assert "pw" not in src.url
    assert "pw" not in repr(src)
    assert src.url == "https://u:****@example.org/p/demo_pkg-1.0.tar.gz#subdirectory=sub"


def test_parse_name_at_url_and_its_checks() -> None:
    src = Source.parse("demo-pkg @ https://example.org/download?id=3")
    assert isinstance(src, UrlSource)
    assert (src.name, src.version) == ("demo-pkg", None)
    with pytest.raises(InvalidSourceError, match="not other"):
        Source.parse("other @ https://example.org/demo_pkg-1.0.tar.gz")
    with pytest.raises(InvalidSourceError, match="sha1"):
        Source.parse("https://example.org/demo_pkg-1.0.tar.gz#sha1=abcd")
    with pytest.raises(InvalidSourceError, match="subdirectory"):
        Source.parse("https://example.org/demo_pkg-1.0.tar.gz#subdirectory=../x")


@pytest.fixture
def served(http_server: HttpServer) -> Callable[..., str]:
    def serve(body: bytes, name: str = "demo_pkg-1.0.tar.gz", **headers: str) -> str:
        headers.setdefault("Cache-Control", "max-age=600")
        http_server.route(f"/{name}", Reply(headers=headers, body=body))
        return f"{http_server.url}/{name}"

    return serve


def test_metadata_of_a_url_is_downloaded_once(
    make_builder: Callable[..., Any],
    tmp_path: Path,
    served: Callable[..., str],
    http_server: HttpServer,
) -> None:
    body = sdist()
    url = served(body) + "#sha256=" + hashlib.sha256(body).hexdigest()
    builder = make_builder(tmp_path / "cache")
    meta = builder.metadata(url)
    assert (meta.name, str(meta.version), [str(r) for r in meta.requires_dist or []]) == (
        "demo-pkg",
        "1.0",
        ["six>=1"],
    )
    assert builder.metadata(url).name == "demo-pkg"
    assert make_builder(tmp_path / "cache").metadata(url).name == "demo-pkg"
    assert http_server.count() == 1
    request = http_server.requests()[0]
    assert request.headers.get("accept-encoding") == "identity"


def test_a_stale_archive_is_revalidated_and_a_changed_one_is_a_new_revision(
    make_builder: Callable[..., Any], tmp_path: Path, http_server: HttpServer
) -> None:
    first, second = sdist(), sdist(pkg_info=PKG_INFO.replace("six>=1", "six>=2"))
    http_server.route(
        "/demo_pkg-1.0.tar.gz",
        Reply(headers={"Cache-Control": "max-age=0", "ETag": '"1"'}, body=first),
        Reply(headers={"Cache-Control": "max-age=0", "ETag": '"2"'}, body=second),
    )
    url = f"{http_server.url}/demo_pkg-1.0.tar.gz"
    builder = make_builder(tmp_path / "cache")
    assert [str(r) for r in builder.metadata(url).requires_dist or []] == ["six>=1"]
    assert [str(r) for r in builder.metadata(url).requires_dist or []] == ["six>=2"]
    assert http_server.requests()[1].headers.get("if-none-match") == '"1"'


def test_bad_downloads_leave_the_cache_untouched(
    make_builder: Callable[..., Any],
    tmp_path: Path,
    served: Callable[..., str],
    http_server: HttpServer,
) -> None:
    builder = make_builder(tmp_path / "cache")
    url = served(sdist())
    with pytest.raises(HashMismatchError):
        builder.metadata(url + "#sha256=" + "0" * 64)
    with pytest.raises(UnsupportedArchiveError):
        builder.metadata(served(b"<html>not an archive</html>", name="demo_pkg-1.0.zip"))
    with pytest.raises(NetworkError) as caught:
        builder.metadata(f"{http_server.url}/missing-1.0.tar.gz")
    assert caught.value.status == 404
    url_bucket = tmp_path / "cache" / "sdists-v1" / "url"
    leftovers = [p for p in url_bucket.rglob("*") if p.is_file() and not p.name.endswith(".lock")]
    assert leftovers == []


def test_offline_url_source_without_cache_fails_clearly(
    make_builder: Callable[..., Any],
    tmp_path: Path,
    served: Callable[..., str],
    http_server: HttpServer,
) -> None:
    from sdistill.errors import OfflineError

    url = served(sdist())
    with pytest.raises(OfflineError):
        make_builder(tmp_path / "cache", offline=True).metadata(url)
    assert http_server.count() == 0
    make_builder(tmp_path / "cache").metadata(url)
    assert make_builder(tmp_path / "cache", offline=True).metadata(url).name == "demo-pkg"
    assert http_server.count() == 1


def test_refresh_of_one_package_revalidates_only_its_urls(
    make_builder: Callable[..., Any], tmp_path: Path, http_server: HttpServer
) -> None:
    reply = Reply(headers={"Cache-Control": "max-age=600", "ETag": '"1"'}, body=sdist())
    http_server.route("/demo_pkg-1.0.tar.gz", reply)
    url = f"{http_server.url}/demo_pkg-1.0.tar.gz"
    make_builder(tmp_path / "cache").metadata(url)
    make_builder(tmp_path / "cache", refresh=["other"]).metadata(url)
    assert http_server.count() == 1
    refreshing = make_builder(tmp_path / "cache", refresh=["demo-pkg"])
    refreshing.metadata(url)
    refreshing.metadata(url)  # once per builder
    assert http_server.count() == 2
    assert http_server.requests()[1].headers.get("if-none-match") == '"1"'


def test_build_of_a_url_source_runs_the_backend_once(
    make_builder: Callable[..., Any],
    copy_project: Callable[..., Path],
    tmp_path: Path,
    http_server: HttpServer,
) -> None:
    project = copy_project("flit-core")
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        for path in sorted(p for p in project.rglob("*") if p.is_file()):
            tar.add(path, f"sdt_flit-0.9.0/{path.relative_to(project).as_posix()}")
    http_server.route(
        "/sdt_flit-0.9.0.tar.gz",
        Reply(headers={"Cache-Control": "max-age=600"}, body=out.getvalue()),
    )
    url = f"{http_server.url}/sdt_flit-0.9.0.tar.gz"
    builder = make_builder(tmp_path / "cache")
    wheel = builder.build(url)
    assert wheel.filename == "sdt_flit-0.9.0-py3-none-any.whl"
    assert (wheel.metadata.name, str(wheel.metadata.version)) == ("sdt-flit", "0.9.0")
    with zipfile.ZipFile(wheel.path) as built:
        assert "sdt_flit/__init__.py" in built.namelist()
    again = make_builder(tmp_path / "cache").build(url)
    assert again.path == wheel.path
    assert http_server.count() == 1


class DownloadLog:
    """A reporter that keeps every download report."""

    def __init__(self) -> None:
        self.reports: list[tuple[str, int, int | None]] = []

    def on_build_start(self, source: Any, hook: str) -> None:
        pass

    def on_build_finish(self, source: Any, hook: str, seconds: float) -> None:
        pass

    def on_download_progress(self, url: str, done: int, total: int | None) -> None:
        self.reports.append((url, done, total))


def _padded_sdist(size: int) -> bytes:
    """An sdist of about ``size`` bytes that do not compress (a padding file of noise)."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        for member, data in {
            "PKG-INFO": PKG_INFO.encode(),
            "pyproject.toml": b'[build-system]\nrequires = ["setuptools"]\n'
            b'build-backend = "setuptools.build_meta"\n',
            "padding.bin": hashlib.shake_256(b"noise").digest(size),
        }.items():
            info = tarfile.TarInfo(f"demo_pkg-1.0/{member}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def test_the_reporter_sees_an_sdist_download_and_no_cache_hit(
    make_builder: Callable[..., Any], tmp_path: Path, served: Callable[..., str]
) -> None:
    body = _padded_sdist(3 * 1024 * 1024)
    url = served(body)
    log = DownloadLog()
    assert make_builder(tmp_path / "cache", reporter=log).metadata(url).name == "demo-pkg"
    shown = {u for u, _, _ in log.reports}
    assert shown == {url}, "reported under the source's URL"
    done = [d for _, d, _ in log.reports]
    assert done[0] == 0, "from the first byte"
    assert done[-1] == len(body), "to the last"
    assert done == sorted(done)
    assert {t for _, _, t in log.reports} == {len(body)}
    again = DownloadLog()
    assert make_builder(tmp_path / "cache", reporter=again).metadata(url).name == "demo-pkg"
    assert again.reports == [], "a cache hit downloads nothing"
