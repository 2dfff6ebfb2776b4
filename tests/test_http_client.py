"""The cached HTTP client (``sdistill.http.HttpClient``) against the scripted local server.

Every test asserts what a user notices: how many requests reached the server, the bytes
returned, the error raised (and its attributes), and what the cache holds afterwards.
"""

from __future__ import annotations

import base64
import hashlib
import io
import logging
import os
import ssl
import subprocess
import sys
import tarfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import sdistill
import trustme
from http_server import (
    HttpServer,
    Reply,
    Request,
    not_modified_if_etag,
    redirect,
    require_basic_auth,
)
from http_server import http_server as http_server_fixture  # noqa: F401
from http_server import http_servers as http_servers_fixture  # noqa: F401
from sdistill.errors import HashMismatchError, NetworkError, OfflineError, UnsupportedArchiveError
from sdistill.http import HttpClient

FRESH = {"Cache-Control": "max-age=600"}
STALE = {"Cache-Control": "max-age=0"}


@pytest.fixture(autouse=True)
def _no_ambient_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No proxy, no user .netrc, no env overrides leak into the client."""
    for name in (
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
        "NO_PROXY",
        "no_proxy",
        "SDISTILL_HTTP_TIMEOUT",
        "SDISTILL_CONNECT_TIMEOUT",
        "SDISTILL_HTTP_RETRIES",
    ):
        monkeypatch.delenv(name, raising=False)
    empty = tmp_path / "empty-netrc"
    empty.write_text("")
    monkeypatch.setenv("NETRC", str(empty))


def client(root: Path, **kwargs: object) -> HttpClient:
    kwargs.setdefault("retry_base", 0.01)
    kwargs.setdefault("timeout", 5.0)
    kwargs.setdefault("connect_timeout", 2.0)
    return HttpClient(root, **kwargs)  # type: ignore[arg-type]


def entry_path(root: Path, url: str) -> Path:
    return root / "simple-v1" / "responses" / sdistill.cache_digest(url)


def sdist_bytes(name: str = "pkg-1.0", files: dict[str, bytes] | None = None) -> bytes:
    files = files or {
        "PKG-INFO": b"Metadata-Version: 2.1\nName: pkg\nVersion: 1.0\n",
        "pkg/__init__.py": b"X = 1\n",
    }
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for rel, data in files.items():
            info = tarfile.TarInfo(f"{name}/{rel}")
            info.size = len(data)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def revisions(shard: Path) -> list[str]:
    if not shard.is_dir():
        return []
    return sorted(p.name for p in shard.iterdir() if p.is_dir() and (p / "src").is_dir())


# -- 1. freshness ------------------------------------------------------------------------


def test_fresh_entry_is_served_without_a_request(http_server: HttpServer, tmp_path: Path) -> None:
    http_server.route("/f", Reply(200, FRESH, b"fresh body"))
    url = http_server.url_for("/f")
    c = client(tmp_path)
    assert c.get(url) == b"fresh body"
    assert c.get(url) == b"fresh body"
    assert http_server.count("/f") == 1
    assert entry_path(tmp_path, url).is_file()
    # another client on the same cache also sees it fresh
    assert client(tmp_path).get(url) == b"fresh body"
    assert http_server.count("/f") == 1


# -- 2. revalidation -------------------------------------------------------------------


def test_stale_entry_is_revalidated_with_etag(http_server: HttpServer, tmp_path: Path) -> None:
    http_server.route("/e", not_modified_if_etag("v1", b"etag body", STALE))
    url = http_server.url_for("/e")
    c = client(tmp_path)
    assert c.get(url) == b"etag body"
    assert c.get(url) == b"etag body"
    reqs = http_server.requests("/e")
    assert len(reqs) == 2
    assert "if-none-match" not in reqs[0].headers
    assert reqs[1].headers["if-none-match"] == '"v1"'


def test_304_with_other_etag_refetches(http_server: HttpServer, tmp_path: Path) -> None:
    http_server.route(
        "/e",
        Reply(200, {**STALE, "ETag": '"v1"'}, b"old body"),
        Reply(304, {**STALE, "ETag": '"v2"'}),
        Reply(200, {**STALE, "ETag": '"v2"'}, b"new body"),
    )
    url = http_server.url_for("/e")
    c = client(tmp_path)
    assert c.get(url) == b"old body"
    assert c.get(url) == b"new body"
    reqs = http_server.requests("/e")
    assert len(reqs) == 3
    assert reqs[1].headers["if-none-match"] == '"v1"'
    assert "if-none-match" not in reqs[2].headers


# -- 3. no-store -----------------------------------------------------------------------


def test_no_store_is_never_stored(http_server: HttpServer, tmp_path: Path) -> None:
    http_server.route("/n", Reply(200, {"Cache-Control": "no-store"}, b"secret-ish"))
    url = http_server.url_for("/n")
    c = client(tmp_path)
    assert c.get(url) == b"secret-ish"
    assert c.get(url) == b"secret-ish"
    assert http_server.count("/n") == 2
    assert not entry_path(tmp_path, url).exists()


# -- 4. Vary ---------------------------------------------------------------------------


def test_vary_accept(http_server: HttpServer, tmp_path: Path) -> None:
    def by_accept(request: Request) -> Reply:
        accept = request.headers.get("accept", "")
        return Reply(200, {**FRESH, "Vary": "Accept"}, f"for {accept}".encode())

    http_server.route("/v", by_accept)
    url = http_server.url_for("/v")
    c = client(tmp_path)
    json_h = [("Accept", "application/json")]
    html_h = [("Accept", "text/html")]
    assert c.get(url, headers=json_h) == b"for application/json"
    assert c.get(url, headers=json_h) == b"for application/json"
    assert http_server.count("/v") == 1
    assert c.get(url, headers=html_h) == b"for text/html"
    assert http_server.count("/v") == 2


# -- 5. must-revalidate ----------------------------------------------------------------


def test_must_revalidate_ignores_max_stale_but_offline_serves(
    http_server: HttpServer, tmp_path: Path
) -> None:
    http_server.route(
        "/m",
        not_modified_if_etag("m1", b"mr body", {"Cache-Control": "max-age=0, must-revalidate"}),
    )
    url = http_server.url_for("/m")
    c = client(tmp_path)
    assert c.get(url) == b"mr body"
    assert c.get(url, cache_control="max-stale") == b"mr body"
    assert http_server.count("/m") == 2
    assert http_server.requests("/m")[1].headers.get("if-none-match") == '"m1"'
    off = client(tmp_path, offline=True)
    assert off.get(url) == b"mr body"
    assert http_server.count("/m") == 2


# -- 6. refresh ------------------------------------------------------------------------


def test_refresh_revalidates_fresh_entry_once(http_server: HttpServer, tmp_path: Path) -> None:
    http_server.route("/r", not_modified_if_etag("r1", b"refresh body", FRESH))
    url = http_server.url_for("/r")
    assert client(tmp_path).get(url) == b"refresh body"
    assert http_server.count("/r") == 1
    rc = client(tmp_path, refresh=True)
    assert rc.get(url) == b"refresh body"
    assert http_server.count("/r") == 2
    assert http_server.requests("/r")[1].headers.get("if-none-match") == '"r1"'
    assert rc.get(url) == b"refresh body"
    assert http_server.count("/r") == 2


def test_refresh_packages_only_for_named_package(http_server: HttpServer, tmp_path: Path) -> None:
    http_server.route("/p", not_modified_if_etag("p1", b"pkg page", FRESH))
    http_server.route("/o", not_modified_if_etag("o1", b"other page", FRESH))
    purl, ourl = http_server.url_for("/p"), http_server.url_for("/o")
    warm = client(tmp_path)
    assert warm.get(purl, package="pkg") == b"pkg page"
    assert warm.get(ourl, package="other") == b"other page"
    rc = client(tmp_path, refresh=["pkg"])
    assert rc.get(ourl, package="other") == b"other page"
    assert http_server.count("/o") == 1
    assert rc.get(purl, package="pkg") == b"pkg page"
    assert http_server.count("/p") == 2
    assert rc.get(purl, package="pkg") == b"pkg page"
    assert http_server.count("/p") == 2


# -- 7. offline ------------------------------------------------------------------------


def test_offline_miss_raises_without_request(http_server: HttpServer, tmp_path: Path) -> None:
    http_server.route("/x", Reply(200, FRESH, b"x"))
    with pytest.raises(OfflineError):
        client(tmp_path, offline=True).get(http_server.url_for("/x"))
    assert http_server.count() == 0


def test_only_if_cached_answers_from_the_cache_or_not_at_all(
    http_server: HttpServer, tmp_path: Path
) -> None:
    http_server.route("/fresh", Reply(200, FRESH, b"fresh"))
    http_server.route("/stale", Reply(200, STALE, b"stale"))
    c = client(tmp_path)
    for path in ("/fresh", "/stale"):
        with pytest.raises(OfflineError, match="no fresh response"):
            c.get(http_server.url_for(path), cache_control="only-if-cached")
    assert http_server.count() == 0
    assert c.get(http_server.url_for("/fresh")) == b"fresh"
    assert c.get(http_server.url_for("/stale")) == b"stale"
    assert c.get(http_server.url_for("/fresh"), cache_control="only-if-cached") == b"fresh"
    with pytest.raises(OfflineError):
        c.get(http_server.url_for("/stale"), cache_control="only-if-cached")
    assert http_server.count() == 2


# -- 8. corrupt entries ----------------------------------------------------------------


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(
            lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]), id="half"
        ),
        pytest.param(lambda p: p.write_bytes(b"\x00garbage" * 20), id="garbage"),
        pytest.param(lambda p: p.write_bytes(b""), id="empty"),
    ],
)
def test_corrupt_entry_is_healed(
    http_server: HttpServer,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    damage: Callable[[Path], object],
) -> None:
    body = b"the right body " * 50
    http_server.route("/c", Reply(200, FRESH, body))
    url = http_server.url_for("/c")
    c = client(tmp_path)
    assert c.get(url) == body
    entry = entry_path(tmp_path, url)
    damage(entry)
    with caplog.at_level(logging.WARNING, logger="sdistill"):
        assert client(tmp_path).get(url) == body
    assert http_server.count("/c") == 2
    assert any(r.levelno >= logging.WARNING for r in caplog.records)
    assert client(tmp_path).get(url) == body
    assert http_server.count("/c") == 2


# -- 9. retries ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "failure",
    [
        Reply(503, {}, b"busy"),
        Reply(500, {}, b"oops"),
        Reply(429, {"Retry-After": "0"}, b"slow down"),
    ],
    ids=["503", "500", "429"],
)
def test_transient_status_is_retried(
    http_server: HttpServer, tmp_path: Path, caplog: pytest.LogCaptureFixture, failure: Reply
) -> None:
    http_server.route("/t", failure, Reply(200, FRESH, b"finally"))
    with caplog.at_level(logging.WARNING, logger="sdistill"):
        assert client(tmp_path, retries=3).get(http_server.url_for("/t")) == b"finally"
    assert http_server.count("/t") == 2
    assert caplog.records, "a retry is logged as a warning"


def test_404_is_not_retried(http_server: HttpServer, tmp_path: Path) -> None:
    url = http_server.url_for("/missing")
    with pytest.raises(NetworkError) as info:
        client(tmp_path, retries=3).get(url)
    assert info.value.status == 404
    assert info.value.retries == 0
    assert info.value.url == url
    assert http_server.count("/missing") == 1
    assert not entry_path(tmp_path, url).exists()


def test_persistent_500_exhausts_retries(http_server: HttpServer, tmp_path: Path) -> None:
    http_server.route("/500", Reply(500, {}, b"down"))
    with pytest.raises(NetworkError) as info:
        client(tmp_path, retries=2).get(http_server.url_for("/500"))
    assert info.value.status == 500
    assert info.value.retries == 2
    assert http_server.count("/500") == 3


# -- 10. broken transfers --------------------------------------------------------------


def test_reset_mid_body_is_retried(http_server: HttpServer, tmp_path: Path) -> None:
    body = bytes(range(256)) * 64
    http_server.route("/rst", Reply(200, FRESH, body, reset_after=1000), Reply(200, FRESH, body))
    assert client(tmp_path, retries=2).get(http_server.url_for("/rst")) == body
    assert http_server.count("/rst") == 2


def test_truncated_body_always_fails(http_server: HttpServer, tmp_path: Path) -> None:
    body = b"y" * 5000
    http_server.route("/tr", Reply(200, FRESH, body, truncate_after=100))
    url = http_server.url_for("/tr")
    with pytest.raises(NetworkError) as info:
        client(tmp_path, retries=1).get(url)
    assert info.value.retries == 1
    assert http_server.count("/tr") == 2
    assert not entry_path(tmp_path, url).exists()


def test_stalled_body_times_out(http_server: HttpServer, tmp_path: Path) -> None:
    http_server.route("/st", Reply(200, FRESH, b"z" * 100, stall_after=10, stall_for=5))
    url = http_server.url_for("/st")
    with pytest.raises(NetworkError):
        client(tmp_path, retries=0, timeout=0.5).get(url)
    assert http_server.count("/st") == 1
    assert not entry_path(tmp_path, url).exists()


# -- 11. redirects and credentials -----------------------------------------------------


def test_redirect_is_followed(http_server: HttpServer, tmp_path: Path) -> None:
    http_server.route("/from", redirect("/to"))
    http_server.route("/to", Reply(200, FRESH, b"landed"))
    assert client(tmp_path).get(http_server.url_for("/from")) == b"landed"
    assert http_server.count("/to") == 1


def test_redirect_loop_fails(http_server: HttpServer, tmp_path: Path) -> None:
    http_server.route("/a", redirect("/b"))
    http_server.route("/b", redirect("/a"))
    with pytest.raises(NetworkError):
        client(tmp_path, max_redirects=5).get(http_server.url_for("/a"))
    assert http_server.count() <= 12


def test_proxy_from_environment(
    http_server: HttpServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The loopback server plays a forward proxy: it gets the absolute URL as target.
    target = "http://index.example.invalid/simple/pkg/"
    http_server.route(target, Reply(200, FRESH, b"through the proxy"))
    monkeypatch.setenv("HTTP_PROXY", http_server.url)
    assert client(tmp_path / "a").get(target) == b"through the proxy"
    assert [r.path for r in http_server.requests()] == [target]

    # NO_PROXY sends the request directly, where the host does not exist.
    monkeypatch.setenv("NO_PROXY", "index.example.invalid")
    with pytest.raises(NetworkError):
        client(tmp_path / "b", retries=0).get(target)
    assert http_server.count() == 1


def test_https_trusts_the_os_store_or_ssl_cert_file(
    http_servers: Callable[..., HttpServer], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ca = trustme.CA()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    server = http_servers(tls=context)
    server.route("/secure", Reply(200, FRESH, b"over tls"))
    url = server.url_for("/secure")
    assert url.startswith("https://")

    # The operating system's store does not know the test CA.
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    with pytest.raises(NetworkError) as refused:
        client(tmp_path / "os-store").get(url)
    assert "certificate" in str(refused.value).lower()
    assert refused.value.retries == 0, "a refused certificate is not retried"
    assert server.count() == 0

    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    assert client(tmp_path / "trusted").get(url) == b"over tls"
    assert server.count() == 1


def authed(server: HttpServer, path: str, user: str = "user", password: str = "secret") -> str:
    return f"http://{user}:{password}@127.0.0.1:{server.port}{path}"


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_credentials_in_url(http_server: HttpServer, tmp_path: Path) -> None:
    http_server.route("/priv", require_basic_auth("user", "secret", Reply(200, FRESH, b"private")))
    assert client(tmp_path).get(authed(http_server, "/priv")) == b"private"
    assert any(
        r.headers.get("authorization") == basic("user", "secret")
        for r in http_server.requests("/priv")
    )


def test_credentials_not_sent_to_other_origin(
    http_server: HttpServer, http_servers: Callable[..., HttpServer], tmp_path: Path
) -> None:
    other = http_servers(url_host="localhost")
    other.route("/elsewhere", Reply(200, FRESH, b"other origin"))
    http_server.route(
        "/priv", require_basic_auth("user", "secret", redirect(other.url_for("/elsewhere")))
    )
    assert client(tmp_path).get(authed(http_server, "/priv")) == b"other origin"
    assert other.count("/elsewhere") == 1
    assert "authorization" not in other.requests("/elsewhere")[0].headers


def test_netrc_credentials(
    http_server: HttpServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1\n  login nuser\n  password npass\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    http_server.route("/n", require_basic_auth("nuser", "npass", Reply(200, FRESH, b"via netrc")))
    assert client(tmp_path / "cache").get(http_server.url_for("/n")) == b"via netrc"


def test_password_never_leaks(
    http_server: HttpServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    password = "s3cr3t-pa55"
    http_server.route("/ok", require_basic_auth("user", password, Reply(200, FRESH, b"ok")))
    http_server.route("/bad", require_basic_auth("user", password, Reply(500, {}, b"err")))
    root = tmp_path / "cache"
    c = client(root, retries=1)
    with caplog.at_level(logging.DEBUG, logger="sdistill"):
        assert c.get(authed(http_server, "/ok", password=password)) == b"ok"
        with pytest.raises(NetworkError) as info:
            c.get(authed(http_server, "/bad", password=password))
    err = info.value
    assert err.status == 500
    assert password not in str(err)
    assert password not in repr(err)
    assert password not in (err.url or "")
    assert password not in caplog.text
    assert caplog.records, "the retry of the 500 was logged"
    leaked = [p for p in root.rglob("*") if p.is_file() and password.encode() in p.read_bytes()]
    assert leaked == []


# -- 12. concurrency -------------------------------------------------------------------


@pytest.mark.parametrize("shared", [False, True], ids=["own-clients", "one-client"])
def test_two_threads_one_request(http_server: HttpServer, tmp_path: Path, shared: bool) -> None:
    body = b"shared body"
    http_server.route("/slow", Reply(200, FRESH, body, delay=0.3))
    url = http_server.url_for("/slow")
    results: list[bytes] = []
    errors: list[BaseException] = []
    one = client(tmp_path)

    def fetch() -> None:
        try:
            results.append((one if shared else client(tmp_path)).get(url))
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=fetch) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert errors == []
    assert results == [body, body]
    assert http_server.count("/slow") == 1


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_fetches_with_its_parents_client(
    http_server: HttpServer, tmp_path: Path
) -> None:
    http_server.route("/before", Reply(200, FRESH, b"parent"))
    http_server.route("/after", Reply(200, FRESH, b"child"))
    c = client(tmp_path)
    # The parent's runtime and connection pool are running when it forks.
    assert c.get(http_server.url_for("/before")) == b"parent"
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through its exit status
        code = 1
        try:
            ok = c.get(http_server.url_for("/after")) == b"child"
            ok = ok and c.get(http_server.url_for("/before")) == b"parent"
            code = 0 if ok else 2
        finally:
            os._exit(code)
    deadline = time.monotonic() + 30
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            pytest.fail("the forked child hung on its parent's client")
        time.sleep(0.05)
    assert os.waitstatus_to_exitcode(status) == 0
    assert http_server.count("/after") == 1
    assert http_server.count("/before") == 1, "the child's second fetch was a cache hit"
    assert c.get(http_server.url_for("/after")) == b"child", "the parent still works"
    assert http_server.count("/after") == 1


def test_two_processes_one_request(http_server: HttpServer, tmp_path: Path) -> None:
    body = b"process body"
    http_server.route("/slow", Reply(200, FRESH, body, delay=0.3))
    url = http_server.url_for("/slow")
    script = (
        "import sys\n"
        "from sdistill.http import HttpClient\n"
        "data = HttpClient(sys.argv[1], retry_base=0.01).get(sys.argv[2])\n"
        "sys.stdout.write(data.decode())\n"
    )
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(tmp_path), url],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=30) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err.decode()
        assert out == body
    assert http_server.count("/slow") == 1


# -- 13. fetch_archive -----------------------------------------------------------------


def test_fetch_archive_extracts_into_revision(http_server: HttpServer, tmp_path: Path) -> None:
    data = sdist_bytes()
    http_server.route("/pkg-1.0.tar.gz", Reply(200, FRESH, data))
    shard = tmp_path / "sdists-v1" / "url" / "x"
    c = client(tmp_path)
    got = c.fetch_archive(
        http_server.url_for("/pkg-1.0.tar.gz"),
        shard,
        expected_hashes={"sha256": hashlib.sha256(data).hexdigest()},
    )
    assert got.sha256 == hashlib.sha256(data).hexdigest()
    src = shard / got.revision / "src"
    assert (src / "PKG-INFO").read_bytes().startswith(b"Metadata-Version")
    assert (src / "pkg" / "__init__.py").read_bytes() == b"X = 1\n"
    assert not (src / "pkg-1.0").exists()
    again = c.fetch_archive(http_server.url_for("/pkg-1.0.tar.gz"), shard)
    assert again.revision == got.revision
    assert http_server.count("/pkg-1.0.tar.gz") == 1


def test_fetch_archive_hash_mismatch(http_server: HttpServer, tmp_path: Path) -> None:
    http_server.route("/a.tar.gz", Reply(200, FRESH, sdist_bytes()))
    shard = tmp_path / "sdists-v1" / "url" / "x"
    with pytest.raises(HashMismatchError):
        client(tmp_path).fetch_archive(
            http_server.url_for("/a.tar.gz"), shard, expected_hashes={"sha256": "0" * 64}
        )
    assert revisions(shard) == []
    assert not (shard / "http").exists()


def test_fetch_archive_not_an_archive(http_server: HttpServer, tmp_path: Path) -> None:
    http_server.route("/a.tar.gz", Reply(200, FRESH, b"hello"))
    shard = tmp_path / "sdists-v1" / "url" / "x"
    with pytest.raises(UnsupportedArchiveError):
        client(tmp_path).fetch_archive(http_server.url_for("/a.tar.gz"), shard)
    assert revisions(shard) == []


def test_fetch_archive_404(http_server: HttpServer, tmp_path: Path) -> None:
    shard = tmp_path / "sdists-v1" / "url" / "x"
    with pytest.raises(NetworkError) as info:
        client(tmp_path).fetch_archive(http_server.url_for("/gone.tar.gz"), shard)
    assert info.value.status == 404
    assert revisions(shard) == []
    assert not (shard / "http").exists()


# -- 14. get_file ----------------------------------------------------------------------


def test_get_file(http_server: HttpServer, tmp_path: Path) -> None:
    body = os.urandom(70_000)
    http_server.route("/f.bin", Reply(200, FRESH, body))
    c = client(tmp_path)
    got = c.get_file(http_server.url_for("/f.bin"))
    assert Path(got.path).read_bytes() == body
    assert got.sha256 == hashlib.sha256(body).hexdigest()
    assert got.origin == "network"
    again = c.get_file(http_server.url_for("/f.bin"))
    assert again.origin == "cache"
    assert Path(again.path).read_bytes() == body
    assert http_server.count("/f.bin") == 1


# -- download_extract ------------------------------------------------------------------


def test_download_extract_strips_top_level(http_server: HttpServer, tmp_path: Path) -> None:
    data = sdist_bytes()
    http_server.route("/pkg-1.0.tar.gz", Reply(200, FRESH, data))
    dest = tmp_path / "out"
    got = client(tmp_path / "cache").download_extract(
        http_server.url_for("/pkg-1.0.tar.gz"),
        dest,
        expected_hashes={"sha256": hashlib.sha256(data).hexdigest()},
        strip_top_level=True,
    )
    assert got.files == 2
    assert (dest / "pkg" / "__init__.py").read_bytes() == b"X = 1\n"
    assert (dest / "PKG-INFO").is_file()


def test_download_extract_hash_mismatch(http_server: HttpServer, tmp_path: Path) -> None:
    http_server.route("/pkg-1.0.tar.gz", Reply(200, FRESH, sdist_bytes()))
    dest = tmp_path / "out"
    with pytest.raises(HashMismatchError):
        client(tmp_path / "cache").download_extract(
            http_server.url_for("/pkg-1.0.tar.gz"), dest, expected_hashes={"sha256": "0" * 64}
        )
    assert not (dest / "pkg" / "__init__.py").exists()
