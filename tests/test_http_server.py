"""Self-tests of the scriptable test server in ``tests/http_server.py``."""

from __future__ import annotations

import base64
import contextlib
import http.client
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
from http_server import (
    HttpServer,
    Reply,
    Request,
    file_reply,
    not_modified_if_etag,
    redirect,
    require_basic_auth,
)
from http_server import http_server as http_server_fixture  # noqa: F401
from http_server import http_servers as http_servers_fixture  # noqa: F401


def connect(server: HttpServer, timeout: float = 5.0) -> http.client.HTTPConnection:
    return http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)


def get(
    server: HttpServer, path: str, headers: dict[str, str] | None = None, method: str = "GET"
) -> tuple[int, dict[str, str], bytes]:
    conn = connect(server)
    try:
        conn.request(method, path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def fetch(url: str, timeout: float = 5.0) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        data: bytes = resp.read()
        return data


def test_replies_in_order_and_last_repeats(http_server: HttpServer) -> None:
    http_server.route("/r", Reply(body=b"one"), Reply(body=b"two"), Reply(body=b"last"))
    bodies = [fetch(http_server.url + "/r") for _ in range(5)]
    assert bodies == [b"one", b"two", b"last", b"last", b"last"]
    assert http_server.count("/r") == 5
    assert http_server.count() == 5


def test_callable_reply_and_query_matching(http_server: HttpServer) -> None:
    def echo(request: Request) -> Reply:
        return Reply(body=request.path.encode())

    http_server.route("/q", echo)
    http_server.route("/q?special=1", Reply(body=b"special"))
    assert fetch(http_server.url + "/q?a=b") == b"/q?a=b"
    assert fetch(http_server.url + "/q?special=1") == b"special"
    assert http_server.count("/q") == 2
    assert [r.path for r in http_server.requests("/q?a=b")] == ["/q?a=b"]


def test_records_requests(http_server: HttpServer) -> None:
    http_server.route("/h", Reply(status=201))
    conn = connect(http_server)
    conn.putrequest("POST", "/h", skip_accept_encoding=True)
    conn.putheader("X-Dup", "first")
    conn.putheader("X-Dup", "second")
    conn.putheader("Content-Length", "5")
    conn.endheaders(b"hello")
    assert conn.getresponse().status == 201
    conn.close()

    (req,) = http_server.requests("/h")
    assert (req.method, req.path, req.body) == ("POST", "/h", b"hello")
    assert req.headers["x-dup"] == "second"
    assert [v for n, v in req.raw_headers if n == "X-Dup"] == ["first", "second"]
    assert req.headers["host"] == f"127.0.0.1:{http_server.port}"
    assert req.time <= time.monotonic()


def test_unrouted_is_404_and_reset_forgets(http_server: HttpServer) -> None:
    status, _, body = get(http_server, "/nowhere")
    assert status == 404
    assert b"/nowhere" in body
    http_server.route("/x", Reply(body=b"x"))
    assert get(http_server, "/x")[2] == b"x"
    http_server.reset()
    assert http_server.count() == 0
    assert get(http_server, "/x")[0] == 404


def test_head_sends_headers_only(http_server: HttpServer) -> None:
    http_server.route("/f", file_reply(b"0123456789", cache_control="max-age=60"))
    status, headers, body = get(http_server, "/f", method="HEAD")
    assert (status, body) == (200, b"")
    assert headers["content-length"] == "10"
    assert headers["cache-control"] == "max-age=60"
    assert headers["content-type"] == "application/octet-stream"
    assert "date" in headers


def test_keep_alive_and_repeated_headers(http_server: HttpServer) -> None:
    http_server.route("/k", Reply(headers=[("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")]))
    conn = connect(http_server)
    for _ in range(3):
        conn.request("GET", "/k")
        resp = conn.getresponse()
        assert resp.headers.get_all("Set-Cookie") == ["a=1", "b=2"]
        resp.read()
    conn.close()
    assert len({r.peer for r in http_server.requests("/k")}) == 1


def test_reset_after_breaks_the_body(http_server: HttpServer) -> None:
    http_server.route("/rst", Reply(body=b"x" * 100_000, reset_after=1000))
    conn = connect(http_server)
    conn.request("GET", "/rst")
    resp = conn.getresponse()
    assert resp.status == 200
    assert resp.getheader("Connection") == "close"
    with pytest.raises(ConnectionResetError):
        resp.read()
    conn.close()


def test_truncate_after_is_an_incomplete_read(http_server: HttpServer) -> None:
    http_server.route("/t", Reply(body=b"y" * 1000, truncate_after=100))
    conn = connect(http_server)
    conn.request("GET", "/t")
    resp = conn.getresponse()
    assert resp.getheader("Content-Length") == "1000"
    with pytest.raises(http.client.IncompleteRead) as info:
        resp.read()
    assert len(info.value.partial) == 100
    conn.close()


def test_no_content_length_reads_to_close(http_server: HttpServer) -> None:
    http_server.route("/eof", Reply(body=b"z" * 5000, content_length=-1, chunk_size=1000))
    status, headers, body = get(http_server, "/eof")
    assert (status, body) == (200, b"z" * 5000)
    assert "content-length" not in headers
    assert headers["connection"] == "close"


def test_chunked_transfer_encoding(http_server: HttpServer) -> None:
    http_server.route(
        "/c", Reply(headers={"Transfer-Encoding": "chunked"}, body=b"abcdefghij", chunk_size=3)
    )
    status, headers, body = get(http_server, "/c")
    assert (status, body) == (200, b"abcdefghij")
    assert "content-length" not in headers


def test_stall_after_times_the_client_out(http_server: HttpServer) -> None:
    http_server.route("/s", Reply(body=b"s" * 100, stall_after=10, stall_for=0.5))
    conn = connect(http_server, timeout=0.2)
    conn.request("GET", "/s")
    resp = conn.getresponse()
    with pytest.raises(socket.timeout):
        resp.read()
    conn.close()


def test_close_is_prompt_with_stalled_connections() -> None:
    server = HttpServer()
    server.route("/s", Reply(body=b"s" * 100, stall_after=10, stall_for=60))
    server.route("/d", Reply(delay=60))
    stalled = connect(server)
    delayed = connect(server)
    idle = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    try:
        stalled.request("GET", "/s")
        stalled.getresponse()
        delayed.request("GET", "/d")
        while server.count() < 2:
            time.sleep(0.01)
        started = time.monotonic()
        server.close()
        assert time.monotonic() - started < 10  # not the 60 s of the stall and the delay
        with pytest.raises(http.client.RemoteDisconnected):
            delayed.getresponse()
        # Reset if it was still in the listen queue when the listening socket closed.
        with contextlib.suppress(ConnectionResetError):
            assert idle.recv(1) == b""
    finally:
        server.close()
        for conn in (stalled, delayed, idle):
            conn.close()


def test_sixteen_concurrent_clients(http_server: HttpServer) -> None:
    http_server.route("/slow", Reply(body=b"ok", delay=0.2))
    results: list[bytes] = []
    lock = threading.Lock()

    def client() -> None:
        body = fetch(http_server.url + "/slow")
        with lock:
            results.append(body)

    threads = [threading.Thread(target=client) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert results == [b"ok"] * 16
    assert http_server.count("/slow") == 16


def test_two_client_processes(http_server: HttpServer) -> None:
    http_server.route("/p", Reply(body=b"p"))
    script = (
        "import sys, urllib.request\n"
        "for _ in range(20):\n"
        "    assert urllib.request.urlopen(sys.argv[1], timeout=5).read() == b'p'\n"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", script, http_server.url + "/p"]) for _ in range(2)
    ]
    assert [p.wait(timeout=30) for p in procs] == [0, 0]
    assert http_server.count("/p") == 40


def test_basic_auth(http_server: HttpServer) -> None:
    http_server.route("/a", require_basic_auth("user", "pw", Reply(body=b"secret")))
    status, headers, _ = get(http_server, "/a")
    assert status == 401
    assert headers["www-authenticate"] == 'Basic realm="test"'
    bad = base64.b64encode(b"user:wrong").decode()
    assert get(http_server, "/a", {"Authorization": f"Basic {bad}"})[0] == 401
    good = base64.b64encode(b"user:pw").decode()
    assert get(http_server, "/a", {"Authorization": f"Basic {good}"})[::2] == (200, b"secret")


def test_not_modified_if_etag(http_server: HttpServer) -> None:
    http_server.route("/e", not_modified_if_etag("v1", b"data", {"Cache-Control": "no-cache"}))
    status, headers, body = get(http_server, "/e")
    assert (status, body, headers["etag"]) == (200, b"data", '"v1"')
    conn = connect(http_server)
    for inm in ('"v1"', 'W/"v1"', '"v0", "v1"'):
        conn.request("GET", "/e", headers={"If-None-Match": inm})
        resp = conn.getresponse()
        assert (resp.status, resp.read()) == (304, b"")
        assert resp.getheader("Cache-Control") == "no-cache"
        assert resp.getheader("ETag") == '"v1"'
    conn.close()
    assert get(http_server, "/e", {"If-None-Match": '"v2"'})[::2] == (200, b"data")


def test_redirect_within_and_across_origins(
    http_server: HttpServer, http_servers: Callable[..., HttpServer]
) -> None:
    other = http_servers(url_host="localhost")
    assert urlsplit(other.url).hostname == "localhost"
    http_server.route("/from", redirect("/to"))
    http_server.route("/to", redirect(other.url + "/there", 301))
    other.route("/there", Reply(body=b"arrived"))
    assert fetch(http_server.url + "/from") == b"arrived"
    assert [http_server.count("/from"), http_server.count("/to"), other.count("/there")] == [1] * 3
    assert other.requests()[0].headers["host"] == f"localhost:{other.port}"


def test_failing_callable_is_a_500(http_server: HttpServer) -> None:
    def broken(request: Request) -> Reply:
        raise RuntimeError("scripted failure")

    http_server.route("/boom", broken)
    with pytest.raises(urllib.error.HTTPError) as info:
        fetch(http_server.url + "/boom")
    assert info.value.code == 500
    info.value.close()
    assert "scripted failure" in http_server.errors[0]
