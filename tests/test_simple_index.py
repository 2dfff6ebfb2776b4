"""Self-tests of the loopback package index in ``tests/simple_index.py``."""

from __future__ import annotations

import hashlib
import html
import http.client
import io
import json
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path
from urllib.parse import quote, urljoin, urlsplit

import index_reference
import pytest
from http_server import HttpServer, Reply
from http_server import http_server as http_server_fixture  # noqa: F401
from simple_index import HTML, JSON, PYPI_HTML, SimpleIndex, negotiate, parse_dist_filename
from simple_index import simple_index as simple_index_fixture  # noqa: F401

VENV_BIN = Path(sys.executable).parent
UV = VENV_BIN / "uv"
FLIT = "flit_core-4.2.0-py3-none-any.whl"
DEAD_PROXY = "http://127.0.0.1:9"
PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")
PIP_ACCEPT = (
    "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1,"
    " text/html; q=0.01"
)


@pytest.fixture
def wheel_index(simple_index: SimpleIndex, wheelhouse: Path) -> SimpleIndex:
    """The test index serving the whole wheelhouse."""
    for path in sorted(wheelhouse.glob("*.whl")):
        simple_index.add(path)
    return simple_index


def get(
    index: SimpleIndex, path: str, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    """One request, redirects not followed; header names lower-cased."""
    if path.startswith("http"):
        path = urlsplit(path).path
    conn = http.client.HTTPConnection("127.0.0.1", index.server.port, timeout=10)
    try:
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def page(index: SimpleIndex, project: str, accept: str | None) -> tuple[bytes, str]:
    status, headers, body = get(index, f"/simple/{project}/", {"Accept": accept} if accept else {})
    assert status == 200
    return body, headers["content-type"]


def offline_env() -> dict[str, str]:
    """The environment for uv and pip: no user configuration, and no internet: every
    non-loopback request goes to a dead proxy (the discard port on 127.0.0.1)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("UV_", "PIP_")) and k not in ("VIRTUAL_ENV", "no_proxy", "NO_PROXY")
    }
    env.update(
        UV_NO_CONFIG="1",
        UV_PYTHON_DOWNLOADS="never",
        NO_PROXY="127.0.0.1",
        no_proxy="127.0.0.1",
        **{name: DEAD_PROXY for name in PROXY_VARS},
    )
    return env


def uv_install(index: SimpleIndex, tmp_path: Path, *reqs: str) -> subprocess.CompletedProcess[str]:
    if not UV.is_file():
        pytest.skip(f"no uv beside {sys.executable}")
    cmd = [str(UV), "pip", "install", "--index-url", index.url, "--target", str(tmp_path / "t")]
    cmd += ["--cache-dir", str(tmp_path / "uv-cache"), "--python", sys.executable, *reqs]
    return run_offline(cmd, tmp_path)


def pip_download(index: SimpleIndex, tmp_path: Path, req: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "pip", "download", "--isolated", "--no-deps", "--no-input"]
    cmd += ["--disable-pip-version-check", "--no-cache-dir", "--index-url", index.url]
    cmd += ["-d", str(tmp_path / "d"), req]
    return run_offline(cmd, tmp_path)


def run_offline(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """``cmd`` with the internet out of reach (only loopback answers)."""
    return subprocess.run(
        cmd,
        check=False,
        capture_output=True,
        text=True,
        env=offline_env(),
        cwd=cwd,
        timeout=120,
    )


def make_sdist(directory: Path, filename: str, stem: str, pkg_info: str) -> Path:
    """An sdist named ``filename`` holding ``<stem>/PKG-INFO`` (and a setup.py)."""
    path = directory / filename
    files = {f"{stem}/PKG-INFO": pkg_info.encode(), f"{stem}/setup.py": b"raise SystemExit(1)\n"}
    if filename.endswith(".zip"):
        with zipfile.ZipFile(path, "w") as zf:
            for name, data in files.items():
                zf.writestr(name, data)
        return path
    with tarfile.open(path, "w:bz2" if filename.endswith(".bz2") else "w:gz") as tf:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return path


@pytest.fixture
def sdists(tmp_path: Path) -> list[Path]:
    d = tmp_path / "sdists"
    d.mkdir()
    return [
        make_sdist(
            d,
            "pytz-2016.7.tar.bz2",
            "pytz-2016.7",
            "Metadata-Version: 1.0\nName: pytz\nVersion: 2016.7\n",
        ),
        make_sdist(
            d,
            "Markdown-2.6.zip",
            "Markdown-2.6",
            "Metadata-Version: 1.1\nName: Markdown\nVersion: 2.6\n",
        ),
        make_sdist(
            d,
            "Foo_Bar-1.0.tar.gz",
            "Foo_Bar-1.0",
            "Metadata-Version: 2.1\nName: Foo-Bar\nVersion: 1.0\nRequires-Python: >=3.8, <4\n",
        ),
        make_sdist(d, "legacy-1.0-beta.tar.gz", "legacy-1.0-beta", "Name: legacy\n"),
    ]


# -- real installers -------------------------------------------------------------------


def test_uv_installs_from_the_index(wheel_index: SimpleIndex, tmp_path: Path) -> None:
    result = uv_install(wheel_index, tmp_path, "flit_core", "hatchling")
    assert result.returncode == 0, result.stderr
    target = tmp_path / "t"
    assert (target / "flit_core" / "__init__.py").is_file()
    assert (target / "hatchling-1.27.0.dist-info").is_dir()
    assert (target / "pluggy").is_dir()  # a dependency, resolved through the index too
    assert wheel_index.server.count("/simple/flit-core/") == 1
    assert wheel_index.server.count(f"/files/{FLIT}") == 1
    assert wheel_index.server.errors == []


def test_pip_downloads_from_the_index(wheel_index: SimpleIndex, tmp_path: Path) -> None:
    result = pip_download(wheel_index, tmp_path, "Flit.Core")
    assert result.returncode == 0, result.stderr
    saved = tmp_path / "d" / FLIT
    assert hashlib.sha256(saved.read_bytes()).hexdigest() == wheel_index.sha256(FLIT)
    # pip asks for JSON first, and uses the PEP 658 metadata file.
    [request] = wheel_index.server.requests("/simple/flit-core/")
    assert negotiate(request.headers["accept"]) == JSON
    assert wheel_index.server.count(f"/files/{FLIT}.metadata") == 1
    assert wheel_index.server.errors == []


def test_installers_refuse_a_corrupt_hash(wheel_index: SimpleIndex, tmp_path: Path) -> None:
    wheel_index.corrupt_hash(FLIT)
    uv = uv_install(wheel_index, tmp_path, "flit_core")
    assert uv.returncode != 0
    assert "Hash mismatch" in uv.stderr
    assert wheel_index.sha256(FLIT) in uv.stderr  # the computed digest is the real one
    pip = pip_download(wheel_index, tmp_path, "flit_core")
    assert pip.returncode != 0
    assert "DO NOT MATCH THE HASHES" in pip.stderr
    assert not (tmp_path / "d" / FLIT).exists()


# -- pages -----------------------------------------------------------------------------


def test_json_and_html_pages_list_the_same_files(wheel_index: SimpleIndex) -> None:
    wheel_index.yank(FLIT, "broken <build>")
    for project in wheel_index.projects():
        url = wheel_index.project_url(project)
        json_body, json_type = page(wheel_index, project, JSON)
        html_body, html_type = page(wheel_index, project, None)
        assert json_type == JSON
        assert html_type == "text/html; charset=utf-8"
        # pip's own parser: relative HTML links and absolute JSON links are the same files
        from_json = index_reference.reference_links(json_body, json_type, url)
        from_html = index_reference.reference_links(html_body, html_type, url)
        assert from_json == from_html
        assert {link[0] for link in from_json} == set(wheel_index.filenames(project))
        for filename, file_url, sha256, _rp, _yanked, core_metadata in from_json:
            assert file_url == wheel_index.file_url(filename)
            assert sha256 == wheel_index.sha256(filename)
            assert core_metadata  # every wheel of the wheelhouse has its METADATA
    flit = index_reference.reference_links(*page(wheel_index, "flit-core", JSON), "http://x/")
    assert [link[3:5] for link in flit] == [(">=3.8", "broken <build>")]


def test_html_page_details(wheel_index: SimpleIndex) -> None:
    body, _ = page(wheel_index, "flit-core", PYPI_HTML)
    text = body.decode()
    assert "<base" not in text
    assert f'href="../../files/{FLIT}#sha256={wheel_index.sha256(FLIT)}"' in text
    assert 'data-requires-python="&gt;=3.8"' in text
    assert "data-yanked" not in text
    assert 'data-core-metadata="sha256=' in text
    assert 'data-dist-info-metadata="sha256=' in text
    wheel_index.yank(FLIT)
    assert 'data-yanked=""' in page(wheel_index, "flit-core", HTML)[0].decode()
    wheel_index.yank(FLIT, 'no "good"')
    assert 'data-yanked="no &quot;good&quot;"' in page(wheel_index, "flit-core", HTML)[0].decode()


def test_json_page_details(wheel_index: SimpleIndex, wheelhouse: Path) -> None:
    doc = json.loads(page(wheel_index, "flit-core", JSON)[0])
    assert doc["meta"]["api-version"] == "1.1"
    assert doc["name"] == "flit-core"
    assert doc["versions"] == ["4.2.0"]
    [entry] = doc["files"]
    assert entry["filename"] == FLIT
    assert entry["url"] == wheel_index.file_url(FLIT)
    assert entry["url"].startswith("http://127.0.0.1:")
    assert entry["hashes"] == {"sha256": wheel_index.sha256(FLIT)}
    assert entry["requires-python"] == ">=3.8"
    assert entry["yanked"] is False
    assert entry["size"] == (wheelhouse / FLIT).stat().st_size
    assert entry["upload-time"].endswith("Z")
    assert set(entry["core-metadata"]) == {"sha256"}
    wheel_index.yank(FLIT)
    assert json.loads(page(wheel_index, "flit-core", JSON)[0])["files"][0]["yanked"] is True
    wheel_index.yank(FLIT, "reason")
    assert json.loads(page(wheel_index, "flit-core", JSON)[0])["files"][0]["yanked"] == "reason"


def test_corrupt_hash_changes_only_the_advertised_hash(wheel_index: SimpleIndex) -> None:
    real = wheel_index.sha256(FLIT)
    wheel_index.corrupt_hash(FLIT)
    advertised = json.loads(page(wheel_index, "flit-core", JSON)[0])["files"][0]["hashes"]
    assert advertised["sha256"] != real
    html_body = page(wheel_index, "flit-core", HTML)[0].decode()
    assert f"#sha256={advertised['sha256']}" in html_body
    assert real not in html_body
    status, _, body = get(wheel_index, f"/files/{FLIT}")
    assert status == 200
    assert hashlib.sha256(body).hexdigest() == real


def test_root_lists_projects(wheel_index: SimpleIndex) -> None:
    status, headers, body = get(wheel_index, "/simple/")
    assert status == 200
    assert headers["content-type"].startswith("text/html")
    links = {a.split('"')[0] for a in body.decode().split('<a href="')[1:]}
    assert links == {f"{p}/" for p in wheel_index.projects()}
    assert "flit-core" in wheel_index.projects()
    status, headers, body = get(wheel_index, "/simple/", {"Accept": JSON})
    assert headers["content-type"] == JSON
    doc = json.loads(body)
    assert doc["meta"]["api-version"] == "1.1"
    assert {p["name"] for p in doc["projects"]} >= {"flit_core", "setuptools"}


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, HTML),
        ("", HTML),
        ("*/*", HTML),
        ("text/html", HTML),
        (PIP_ACCEPT, JSON),
        ("application/vnd.pypi.simple.v1+html", PYPI_HTML),
        ("application/vnd.pypi.simple.latest+json", JSON),
        ("text/html;q=0.5, application/vnd.pypi.simple.v1+json;q=0.9", JSON),
        ("application/vnd.pypi.simple.v1+json;q=0.1, text/html", HTML),
        ("application/vnd.pypi.simple.v1+json;q=0, */*", HTML),
        ("text/html, application/vnd.pypi.simple.v1+json", HTML),  # a tie: the client's order
        ("application/json", None),
        ("text/html;q=0", None),
    ],
)
def test_negotiation(accept: str | None, expected: str | None) -> None:
    assert negotiate(accept) == expected


def test_content_negotiation_over_http(simple_index: SimpleIndex, wheelhouse: Path) -> None:
    simple_index.add(wheelhouse / FLIT)
    accept = "text/html;q=0.2, application/vnd.pypi.simple.v1+json;q=0.7"
    assert page(simple_index, "flit-core", accept)[1] == JSON
    assert page(simple_index, "flit-core", PYPI_HTML)[1] == PYPI_HTML
    status, _, _ = get(simple_index, "/simple/flit-core/", {"Accept": "application/json"})
    assert status == 406
    # ?format= wins over the header, as on PyPI
    for query in (quote(JSON), JSON):  # "+" unescaped as well
        status, headers, _ = get(
            simple_index, f"/simple/flit-core/?format={query}", {"Accept": HTML}
        )
        assert (status, headers["content-type"]) == (200, JSON)


def test_etag_and_if_none_match(simple_index: SimpleIndex, wheelhouse: Path) -> None:
    simple_index.add(wheelhouse / FLIT)
    status, headers, _ = get(simple_index, "/simple/flit-core/", {"Accept": JSON})
    assert status == 200
    assert headers["cache-control"] == "max-age=600"
    assert headers["vary"] == "Accept"
    etag = headers["etag"]
    status, headers, body = get(
        simple_index, "/simple/flit-core/", {"Accept": JSON, "If-None-Match": etag}
    )
    assert (status, body, headers["etag"]) == (304, b"", etag)
    # another representation, or a changed page, has another tag
    status, headers, _ = get(simple_index, "/simple/flit-core/", {"If-None-Match": etag})
    assert status == 200
    assert headers["etag"] != etag
    simple_index.yank(FLIT)
    simple_index.set_cache_control("no-cache")
    status, headers, _ = get(
        simple_index, "/simple/flit-core/", {"Accept": JSON, "If-None-Match": etag}
    )
    assert status == 200
    assert headers["etag"] != etag
    assert headers["cache-control"] == "no-cache"


def test_unknown_project_is_404(wheel_index: SimpleIndex) -> None:
    assert get(wheel_index, "/simple/no-such-project/")[0] == 404
    assert get(wheel_index, "/files/no-such-file-1.0.tar.gz")[0] == 404


@pytest.mark.parametrize(
    "path",
    [
        "/simple/flit_core/",
        "/simple/Flit-Core/",
        "/simple/FLIT.CORE/",
        "/simple/flit-core",
        "/simple/Flit_Core",
    ],
)
def test_non_normalized_names_redirect(wheel_index: SimpleIndex, path: str) -> None:
    status, headers, _ = get(wheel_index, path)
    assert status == 301
    assert headers["location"] == "/simple/flit-core/"


def test_files_are_served_with_their_headers(simple_index: SimpleIndex, wheelhouse: Path) -> None:
    simple_index.add(wheelhouse / FLIT)
    status, headers, body = get(simple_index, f"/files/{FLIT}")
    assert status == 200
    assert body == (wheelhouse / FLIT).read_bytes()
    assert headers["content-length"] == str(len(body))
    assert headers["cache-control"] == "max-age=365000000, immutable"
    assert headers["content-type"] == "application/zip"
    conn = http.client.HTTPConnection("127.0.0.1", simple_index.server.port, timeout=10)
    conn.request("HEAD", f"/files/{FLIT}")
    resp = conn.getresponse()
    assert (resp.status, resp.read(), resp.getheader("Content-Length")) == (
        200,
        b"",
        str(len(body)),
    )
    conn.close()


def test_shares_a_given_server(http_server: HttpServer, wheelhouse: Path) -> None:
    http_server.route("/other", Reply(body=b"mine"))
    index = SimpleIndex([wheelhouse / FLIT], server=http_server)
    assert index.server is http_server
    assert index.url == http_server.url + "/simple/"
    assert get(index, "/simple/flit-core/")[0] == 200
    assert get(index, "/other")[2] == b"mine"
    index.close()
    assert not http_server.closed
    assert http_server.count("/simple/flit-core/") == 1


def test_metadata_file_is_served_and_matches_its_hash(
    simple_index: SimpleIndex, wheelhouse: Path
) -> None:
    simple_index.add(wheelhouse / FLIT)
    doc = json.loads(page(simple_index, "flit-core", JSON)[0])
    entry = doc["files"][0]
    status, _, body = get(simple_index, entry["url"] + ".metadata")
    assert status == 200
    assert hashlib.sha256(body).hexdigest() == entry["core-metadata"]["sha256"]
    with zipfile.ZipFile(wheelhouse / FLIT) as zf:
        assert body == zf.read("flit_core-4.2.0.dist-info/METADATA")
    assert b"Name: flit_core" in body


def test_sdists_legacy_names_and_requires_python(
    simple_index: SimpleIndex, sdists: list[Path]
) -> None:
    for path in sdists:
        simple_index.add(path)
    assert simple_index.projects() == ["foo-bar", "legacy-1-0", "markdown", "pytz"]
    doc = json.loads(page(simple_index, "pytz", JSON)[0])
    assert doc["versions"] == ["2016.7"]
    [entry] = doc["files"]
    assert "requires-python" not in entry
    assert "core-metadata" not in entry  # sdists have none (PEP 658 is wheels only here)
    status, headers, _ = get(simple_index, entry["url"])
    assert (status, headers["content-type"]) == (200, "application/x-bzip2")
    foo = json.loads(page(simple_index, "foo-bar", JSON)[0])["files"][0]
    assert foo["requires-python"] == ">=3.8, <4"
    foo_html = page(simple_index, "foo-bar", HTML)[0].decode()
    assert f'data-requires-python="{html.escape(">=3.8, <4")}"' in foo_html
    assert 'data-requires-python="&gt;=3.8, &lt;4"' in foo_html
    # the Name in PKG-INFO ("Foo-Bar") is one more spelling that redirects
    assert get(simple_index, "/simple/Foo-Bar/")[0] == 301
    assert get(simple_index, "/simple/Markdown/")[1]["location"] == "/simple/markdown/"
    # relative links resolve onto /files/
    md = page(simple_index, "markdown", HTML)[0].decode()
    href = md.split('href="')[1].split("#")[0]
    assert urljoin(simple_index.project_url("markdown"), href) == simple_index.file_url(
        "Markdown-2.6.zip"
    )


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        (FLIT, ("flit-core", "flit_core", "4.2.0", "wheel")),
        ("Markdown-2.6.zip", ("markdown", "Markdown", "2.6", "sdist")),
        ("pytz-2016.7.tar.bz2", ("pytz", "pytz", "2016.7", "sdist")),
        ("zope.interface-5.0.tar.gz", ("zope-interface", "zope.interface", "5.0", "sdist")),
        ("foo-1.0-beta.tar.gz", ("foo-1-0", "foo-1.0", "beta", "sdist")),
    ],
)
def test_parse_dist_filename(filename: str, expected: tuple[str, str, str, str]) -> None:
    assert parse_dist_filename(filename) == expected


@pytest.mark.parametrize("filename", ["README.txt", "nodash.tar.gz", "bad-wheel.whl"])
def test_parse_dist_filename_rejects(filename: str) -> None:
    with pytest.raises(ValueError, match=r"."):
        parse_dist_filename(filename)


def test_cli_serves_directories(wheelhouse: Path, sdists: list[Path]) -> None:
    script = Path(__file__).resolve().parent / "simple_index.py"
    with subprocess.Popen(
        [sys.executable, str(script), str(wheelhouse), str(sdists[0].parent)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as proc:
        try:
            assert proc.stdout is not None
            url = proc.stdout.readline().strip()
            assert url.startswith("http://127.0.0.1:")
            assert url.endswith("/simple/")
            conn = http.client.HTTPConnection("127.0.0.1", urlsplit(url).port, timeout=10)
            conn.request("GET", "/simple/", headers={"Accept": JSON})
            names = {p["name"] for p in json.loads(conn.getresponse().read())["projects"]}
            conn.close()
            assert {"flit_core", "pytz", "Markdown"} <= names
        finally:
            proc.terminate()
        assert proc.wait(timeout=10) == 0
