"""Credentials of a private index: where they go, and where they never go.

Credentials given in an index URL (``http://user:s3cret@host/simple``) are sent to every
URL of the same origin (scheme, host, port) the index's pages lead to, never to another
origin; ``.netrc`` still applies when none were given. The password itself never reaches
a cache file, an output, an error message or a command line: installers get the index
URL without it and the credentials in a private ``.netrc`` that is removed afterwards.
All on loopback (``http_server.py``, ``simple_index.py``).
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from http_server import HttpServer, Reply, redirect, require_basic_auth
from http_server import http_server as http_server_fixture  # noqa: F401
from http_server import http_servers as http_servers_fixture  # noqa: F401
from sdistill.build import installers
from sdistill.build.installers import IndexConfig, Installer, find_installer
from sdistill.errors import BuildError, NetworkError
from sdistill.http import HttpClient
from sdistill.index import Index
from simple_index import SimpleIndex

DATA = Path(os.environ.get("SDISTILL_TEST_DATA", Path.home() / ".cache" / "sdistill-test-data"))
SECRET = "s3cret"
FRESH = {"Cache-Control": "max-age=600"}


@pytest.fixture(autouse=True)
def _no_ambient_netrc(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No user .netrc, proxy or installer setting leaks in; the test's own may."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "*")
    empty = tmp_path / "empty-netrc"
    empty.write_text("")
    monkeypatch.setenv("NETRC", str(empty))


def authorizations(server: HttpServer, path: str) -> list[str | None]:
    return [r.headers.get("authorization") for r in server.requests(path)]


# -- the native client ------------------------------------------------------------------


def test_index_credentials_reach_the_files_of_the_same_origin(
    http_server: HttpServer, tmp_path: Path
) -> None:
    http_server.require_auth("user", SECRET)
    http_server.route("/simple/p/", Reply(200, FRESH, b"page"))
    http_server.route("/files/p-1.0.tar.gz", Reply(200, FRESH, b"archive"))
    with_credentials = http_server.url.replace("://", f"://user:{SECRET}@")
    client = HttpClient(tmp_path / "cache")
    assert client.get(f"{with_credentials}/simple/p/") == b"page"
    # A URL of the same origin without credentials: the index's are sent.
    assert client.get(http_server.url_for("/files/p-1.0.tar.gz")) == b"archive"
    assert authorizations(http_server, "/files/p-1.0.tar.gz")[-1] is not None


def test_credentials_are_learned_from_a_page_read_from_the_cache(
    http_server: HttpServer, tmp_path: Path
) -> None:
    """A warm page makes no request, yet the files it leads to still get credentials."""
    http_server.require_auth("user", SECRET)
    http_server.route("/simple/p/", Reply(200, FRESH, b"page"))
    http_server.route("/files/p.tar.gz", Reply(200, {"Cache-Control": "no-store"}, b"archive"))
    page = http_server.url.replace("://", f"://user:{SECRET}@") + "/simple/p/"
    assert HttpClient(tmp_path / "cache").get(page) == b"page"
    warm = HttpClient(tmp_path / "cache")
    assert warm.get(page) == b"page"
    assert http_server.count("/simple/p/") == 1
    assert warm.get(http_server.url_for("/files/p.tar.gz")) == b"archive"


def test_index_credentials_never_go_to_another_origin(
    http_server: HttpServer, http_servers: Any, tmp_path: Path
) -> None:
    other = http_servers(url_host="localhost")  # same port space, another origin
    other.route("/files/f", Reply(200, FRESH, b"elsewhere"))
    other.route("/back", redirect(http_server.url_for("/files/g")))
    http_server.require_auth("user", SECRET)
    http_server.route("/simple/", Reply(200, FRESH, b"page"))
    http_server.route("/files/g", Reply(200, FRESH, b"g"))
    client = HttpClient(tmp_path / "cache")
    client.get(http_server.url.replace("://", f"://user:{SECRET}@") + "/simple/")
    assert client.get(other.url_for("/files/f")) == b"elsewhere"
    assert authorizations(other, "/files/f") == [None]
    # A redirect from the other origin back to the index's: credentials again.
    assert client.get(other.url_for("/back")) == b"g"
    assert authorizations(other, "/back") == [None]
    assert authorizations(http_server, "/files/g")[-1] is not None
    # Another client learned nothing.
    with pytest.raises(NetworkError) as caught:
        HttpClient(tmp_path / "other-cache").get(http_server.url_for("/files/g"))
    assert caught.value.status == 401


def test_netrc_still_applies_without_url_credentials(
    http_server: HttpServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine 127.0.0.1 login nuser password {SECRET}\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    http_server.route("/simple/", require_basic_auth("nuser", SECRET, Reply(200, FRESH, b"ok")))
    http_server.route("/files/f", require_basic_auth("nuser", SECRET, Reply(200, FRESH, b"f")))
    client = HttpClient(tmp_path / "cache")
    assert client.get(http_server.url_for("/simple/")) == b"ok"
    assert client.get(http_server.url_for("/files/f")) == b"f"


def test_the_index_reports_redacted_urls(http_server: HttpServer, tmp_path: Path) -> None:
    http_server.require_auth("user", SECRET)
    url = http_server.url.replace("://", f"://user:{SECRET}@") + "/simple"
    index = Index(HttpClient(tmp_path / "cache"), [url])
    with pytest.raises(NetworkError) as caught:
        index.project("nothing-here")
    assert caught.value.status == 404
    assert SECRET not in str(caught.value)
    assert "user:****@" in str(caught.value)


def test_index_listing_redacts_credentials_a_page_links_with(
    http_server: HttpServer, tmp_path: Path
) -> None:
    link = http_server.url.replace("://", f"://token:{SECRET}@") + "/files/p-1.0.tar.gz"
    page = f'<html><body><a href="{link}#sha256={"0" * 64}">p-1.0.tar.gz</a></body></html>'
    http_server.route(
        "/simple/p/", Reply(200, {**FRESH, "Content-Type": "text/html"}, page.encode())
    )
    words = ["index", "p", "--json", "--files", "--index-url", http_server.url_for("/simple")]
    env = {**os.environ, "SDISTILL_CACHE_DIR": str(tmp_path / "cache")}
    result = subprocess.run(
        [sys.executable, "-m", "sdistill", *words],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    (version,) = json.loads(result.stdout)["versions"]
    assert version["files"][0]["url"] == link.replace(SECRET, "****")


# -- installers -------------------------------------------------------------------------


def test_index_keys_hold_no_password() -> None:
    config = IndexConfig(f"http://user:{SECRET}@h/simple", (f"https://t:{SECRET}@x/s",))
    assert SECRET not in config.key()
    assert config.key() == IndexConfig("http://user:other@h/simple", ("https://t:x@x/s",)).key()
    assert IndexConfig("https://h/simple").key() == "https://h/simple|#"


@pytest.fixture
def private_index(wheelhouse: Path) -> Iterator[tuple[SimpleIndex, str]]:
    """The wheelhouse on a loopback index that wants ``user:s3cret``; (index, its URL
    with the credentials)."""
    with SimpleIndex(sorted(wheelhouse.glob("*.whl"))) as index:
        yield index, index.require_basic_auth("user", SECRET)


def _installer(name: str) -> Installer:
    installer = find_installer(name)
    if installer.name != name:  # pragma: no cover - uv is a dev dependency
        pytest.skip(f"{name} cannot be found")
    return installer


@pytest.mark.parametrize("name", ["uv", "pip"])
def test_installers_get_credentials_in_a_private_netrc(
    name: str,
    private_index: tuple[SimpleIndex, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    index, url = private_index
    own_netrc = tmp_path / "own-netrc"
    own_netrc.write_text("machine elsewhere.example login me password mine\n")
    monkeypatch.setenv("NETRC", str(own_netrc))
    installer = _installer(name)
    target = tmp_path / "env"
    installer.create(target, sys.executable)
    python = target / "bin" / "python"
    scratch = tmp_path / "scratch"
    seen: list[dict[str, Any]] = []
    real_popen = subprocess.Popen

    def popen(command: list[str], **kwargs: Any) -> Any:
        netrc = Path(kwargs["env"]["NETRC"])
        seen.append(
            {
                "command": command,
                "netrc": netrc,
                "text": netrc.read_text(),
                "mode": stat.S_IMODE(netrc.stat().st_mode),
                "dir_mode": stat.S_IMODE(netrc.parent.stat().st_mode),
            }
        )
        return real_popen(command, **kwargs)

    monkeypatch.setattr(installers.subprocess, "Popen", popen)
    installer.install(python, ["flit_core"], IndexConfig(url), scratch=scratch)
    (call,) = seen
    assert not any(SECRET in word for word in call["command"])
    assert index.url in call["command"]
    assert call["netrc"].parent.parent == scratch
    assert (call["mode"], call["dir_mode"]) == (0o600, 0o700)
    assert f"login user password {SECRET}" in call["text"]
    assert "machine elsewhere.example login me password mine" in call["text"]
    assert not call["netrc"].parent.exists(), "the private netrc is removed afterwards"
    assert list(target.glob("lib*/python*/site-packages/flit_core-*.dist-info"))
    files = [r for r in index.server.requests() if r.route_path.startswith("/files/")]
    assert any(r.headers.get("authorization") for r in files), "installed with them"
    # A failed install removes the file as well, and its error holds no password.
    with pytest.raises(BuildError) as caught:
        installer.install(python, ["no-such-project-here"], IndexConfig(url), scratch=scratch)
    assert SECRET not in str(caught.value)
    assert list(scratch.iterdir()) == []


def test_netrc_values_are_quoted_when_they_must_be(tmp_path: Path) -> None:
    import netrc

    found = [("h", "a user", 'p"a\\ss #x'), ("h", "second", "ignored"), ("k", "tok", "")]
    path = tmp_path / "netrc"
    path.write_text(installers._netrc_text(found))
    parsed = netrc.netrc(str(path))
    assert parsed.authenticators("h") == ("a user", "", 'p"a\\ss #x')
    assert parsed.authenticators("k") == ("tok", "", "")


# -- end to end: the command line, the cache, the process list ---------------------------


class ProcessWatch:
    """Samples ``ps -ww -eo args`` (whole command lines) until stopped; keeps every line
    that names the secret, and whether an installer was ever seen running.

    :meth:`hold` makes the index wait, before it answers an installer's request for a
    wheel, until a whole sample was taken meanwhile: the installer is then certainly in
    the process list of that sample, however fast it is otherwise."""

    def __init__(self) -> None:
        self.leaks: set[str] = set()
        self.installer_seen = False
        self._samples = 0
        self._sampled = threading.Condition()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> ProcessWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def hold(self, server: HttpServer, monkeypatch: pytest.MonkeyPatch) -> None:
        record = server._record

        def held(request: Any) -> Any:
            if request.route_path.endswith(".whl"):
                with self._sampled:
                    # The sample under way may have started before the request came.
                    wanted = self._samples + 2
                    self._sampled.wait_for(lambda: self._samples >= wanted, timeout=30)
            return record(request)

        monkeypatch.setattr(server, "_record", held)

    def _run(self) -> None:
        while not self._stop.is_set():
            listing = subprocess.run(
                ["ps", "-ww", "-eo", "args"], capture_output=True, text=True, check=False
            ).stdout
            for line in listing.splitlines():
                # The command the test itself runs was given the password: the leaks
                # are those of the processes sdistill starts.
                if SECRET in line and " -m sdistill " not in line:
                    self.leaks.add(line)
                if " pip install " in line or " -m pip " in line:
                    self.installer_seen = True
            with self._sampled:
                self._samples += 1
                self._sampled.notify_all()


def _grep_tree(root: Path) -> list[str]:
    found = []
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink() and SECRET.encode() in path.read_bytes():
            found.append(str(path.relative_to(root)))
        if SECRET in path.name:
            found.append(str(path.relative_to(root)))
    return found


@pytest.mark.parametrize("installer", ["uv", "pip"])
def test_a_private_index_end_to_end_leaves_no_password_anywhere(
    installer: str, wheelhouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    six = DATA / "six-1.17.0.tar.gz"
    if not six.is_file():
        pytest.skip("six-1.17.0.tar.gz is not in the test data (tests/fixtures/fetch.py)")
    _installer(installer)
    cache = tmp_path / "cache"
    env = dict(os.environ)
    env.update({"SDISTILL_CACHE_DIR": str(cache), "HOME": str(tmp_path / "home")})
    env["NETRC"] = str(tmp_path / "no-netrc")  # no user netrc at all

    def sdistill(*args: str, url: str) -> subprocess.CompletedProcess[str]:
        words = [sys.executable, "-m", "sdistill", *args, "--index-url", url]
        if args[0] == "metadata":
            words += ["--installer", installer]
        return subprocess.run(
            words,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    with SimpleIndex([six, *sorted(wheelhouse.glob("*.whl"))]) as index:
        url = index.require_basic_auth("user", SECRET).rstrip("/")
        with ProcessWatch() as watch:
            watch.hold(index.server, monkeypatch)
            metadata = sdistill("metadata", "six==1.17.0", "--json", "-vv", url=url)
        assert metadata.returncode == 0, metadata.stderr
        assert json.loads(metadata.stdout)
        assert watch.installer_seen, "the build environment was installed from the index"
        assert not watch.leaks, watch.leaks
        assert index.server.count("/files/six-1.17.0.tar.gz") >= 1
        assert all(authorizations(index.server, "/files/six-1.17.0.tar.gz"))
        environments = list((cache / "environments-v1").glob("*/.sdistill-complete"))
        assert len(environments) == 1

        listing = sdistill("index", "six", "--json", url=url)
        assert listing.returncode == 0, listing.stderr
        assert json.loads(listing.stdout)["indexes"] == [index.url.replace("://", "://user:****@")]
        missing = sdistill("index", "no-such-project", url=url)
        no_version = sdistill("metadata", "six==99.0", url=url)
        assert missing.returncode != 0
        assert no_version.returncode != 0
        assert "user:****@" in missing.stderr

        # A new password: the same environment is used (its key holds no password).
        shutil.rmtree(cache / "sdists-v1")  # so that six is built again
        url = index.require_basic_auth("user", "changed").rstrip("/")
        again = sdistill("metadata", "six==1.17.0", url=url)
        assert again.returncode == 0, again.stderr
        assert list((cache / "environments-v1").glob("*/.sdistill-complete")) == environments

    outputs = [metadata, listing, missing, no_version, again]
    for result in outputs:
        assert SECRET not in result.stdout + result.stderr, result.args
    assert _grep_tree(cache) == []
    assert not list(cache.glob("tmp/credentials-*"))


def test_private_index_netrc_is_not_left_in_the_system_temp_dir(tmp_path: Path) -> None:
    """Without a scratch directory the file is made (and removed) in the system's."""
    found = [("h", "user", SECRET)]
    with installers._private_netrc(found, None) as path:
        assert path.read_text() == f"machine h login user password {SECRET}\n"
        made = path.parent
    assert not made.exists()
