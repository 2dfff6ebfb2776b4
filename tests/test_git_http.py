"""Git sources over smart HTTP: round trips counted, logins kept secret, faults survived.

The repositories are made by the tests and served by ``git http-backend`` on 127.0.0.1
(``tests/git_http_server.py``); nothing leaves the machine.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Callable

import pytest
from git_http_server import GitHttpServer
from git_repos import git, log_git_runs, make_repo, static_project
from sdistill import Cache, _core
from sdistill.errors import GitError

USER, PASSWORD = "user", "secret"


@pytest.fixture
def served(tmp_path: Path) -> Path:
    """The directory the server serves, holding ``repo.git`` (project ``demo-git`` 1.0)."""
    make_repo(tmp_path / "srv" / "repo.git", static_project("demo-git", "1.0", ("six",)))
    return tmp_path / "srv"


@pytest.fixture
def serve(served: Path) -> Iterator[Callable[..., GitHttpServer]]:
    """``serve(**options)``: a started :class:`GitHttpServer` of ``served``, closed after."""
    started: list[GitHttpServer] = []

    def start(**options: Any) -> GitHttpServer:
        started.append(GitHttpServer(served, **options))
        return started[-1]

    yield start
    for server in started:
        server.close()


def _head(served: Path) -> str:
    return git(served / "repo.git", "rev-parse", "HEAD")


def _shard(cache: Path, repository: str) -> Path:
    return Path(Cache(cache).git_shard(_core.canonical_url("git+" + repository)))


# -- round trips -----------------------------------------------------------------------


@pytest.mark.parametrize("protocol_v2", [True, False], ids=["protocol-v2", "protocol-v0"])
def test_a_branch_costs_one_round_trip_and_a_built_commit_none(
    protocol_v2: bool,
    serve: Callable[..., GitHttpServer],
    served: Path,
    make_builder: Callable[..., Any],
    tmp_path: Path,
) -> None:
    server = serve(protocol_v2=protocol_v2)
    cache = tmp_path / "cache"
    spec = f"demo-git @ git+{server.url}/repo.git@main"
    builder = make_builder(cache)
    metadata = builder.metadata(spec)
    assert (metadata.name, str(metadata.version)) == ("demo-git", "1.0")
    assert server.fetches() == 1
    seen = len(server.requests)
    builder.metadata(spec)
    assert len(server.requests) == seen, "a builder resolves a branch once"

    refs, posts = server.count("info/refs"), server.count("git-upload-pack")
    assert str(make_builder(cache).metadata(spec).version) == "1.0"
    assert server.count("info/refs") == refs + 1, "a new builder asks once where main is"
    assert server.fetches() == 1, "and fetches nothing: the commit is in the database"
    new_posts = [r.command for r in server.requests if r.endpoint("git-upload-pack")][posts:]
    # Protocol v0 advertises the refs in the GET; v2 lists them in one ls-refs POST.
    assert new_posts == (["ls-refs"] if protocol_v2 else [])

    seen = len(server.requests)
    pinned = f"demo-git @ git+{server.url}/repo.git@{_head(served)}"
    assert str(make_builder(cache).metadata(pinned).version) == "1.0"
    assert len(server.requests) == seen, "a full commit already built asks the server nothing"


# -- logins ----------------------------------------------------------------------------


@pytest.fixture
def git_argv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[], str]:
    """Every ``git`` command line run so far (through a logging wrapper)."""
    log = log_git_runs(tmp_path, monkeypatch)
    return lambda: log.read_text() if log.exists() else ""


def _files_holding(root: Path, needles: list[bytes]) -> list[str]:
    """The files under ``root`` (and paths) in which any of ``needles`` occurs."""
    found = []
    for path in root.rglob("*"):
        if any(n.decode() in str(path.relative_to(root)) for n in needles):
            found.append(f"{path} (its name)")
        if path.is_file() and not path.is_symlink():
            data = path.read_bytes()
            found += [f"{path}: {n!r}" for n in needles if n in data]
    return found


def test_basic_auth_from_the_url_works_and_the_password_is_kept_nowhere(
    serve: Callable[..., GitHttpServer],
    make_builder: Callable[..., Any],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    git_argv: Callable[[], str],
) -> None:
    server = serve(auth=(USER, PASSWORD))
    caplog.set_level(logging.DEBUG, logger="sdistill")
    cache = tmp_path / "cache"
    login_url = server.url.replace("://", f"://{USER}:{PASSWORD}@")
    metadata = make_builder(cache).metadata(f"demo-git @ git+{login_url}/repo.git@main")
    assert (metadata.name, str(metadata.version)) == ("demo-git", "1.0")
    assert server.fetches() == 1
    assert {r.user for r in server.requests if r.status == 200} == {USER}

    token = base64.b64encode(f"{USER}:{PASSWORD}".encode())
    configs = list((cache / "git-v1" / "db").glob("*/config"))
    assert configs, "the database was made, and its config is searched too"
    assert _files_holding(cache, [PASSWORD.encode(), token]) == []
    assert PASSWORD not in caplog.text
    assert all(PASSWORD not in str(r.args) for r in caplog.records)
    argv = git_argv()
    assert "fetch" in argv, "git ran through the logging wrapper"
    assert PASSWORD not in argv, "the password is never on a command line"

    # A wrong password: refused, and not repeated in the error.
    wrong = server.url.replace("://", f"://{USER}:wrong-pw-3141@")
    with pytest.raises(GitError) as caught:
        make_builder(tmp_path / "other").metadata(f"git+{wrong}/repo.git@main")
    shown = " ".join(str(v) for v in (caught.value, *vars(caught.value).values()))
    assert "wrong-pw-3141" not in shown
    assert "wrong-pw-3141" not in caplog.text
    assert "wrong-pw-3141" not in git_argv()


# The builder in a process of its own whose controlling terminal is a pseudo-terminal:
# a git that prompted for a login would wait there for ever.
WITH_A_TERMINAL = """\
import json, os, sys
terminal = os.open(sys.argv[1], os.O_RDWR)  # after setsid: the controlling terminal
from sdistill import SourceDistBuilder
cache, wheelhouse, spec = sys.argv[2:5]
try:
    SourceDistBuilder(cache_dir=cache, index_url=None, find_links=[wheelhouse]).metadata(spec)
except Exception as e:
    print(json.dumps([type(e).__name__, str(e)]))
else:
    print(json.dumps(None))
"""


def test_a_login_that_was_not_given_fails_at_once_without_a_prompt(
    serve: Callable[..., GitHttpServer], tmp_path: Path, wheelhouse: Path
) -> None:
    server = serve(auth=(USER, PASSWORD))
    master, slave = os.openpty()
    try:
        started = time.monotonic()
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                WITH_A_TERMINAL,
                os.ttyname(slave),
                str(tmp_path / "cache"),
                str(wheelhouse),
                f"git+{server.url}/repo.git@main",
            ],
            capture_output=True,
            text=True,
            timeout=60,
            start_new_session=True,
            check=False,
        )
        elapsed = time.monotonic() - started
        os.set_blocking(master, False)
        try:
            on_terminal = os.read(master, 65536)
        except BlockingIOError:
            on_terminal = b""
    finally:
        os.close(master)
        os.close(slave)
    assert done.returncode == 0, done.stderr
    kind, message = json.loads(done.stdout)
    assert kind == "GitError", message
    assert elapsed < 20, f"a missing login took {elapsed:.1f}s to fail"
    assert b"Username" not in on_terminal, "git prompted on the terminal"
    assert b"Password" not in on_terminal, "git prompted on the terminal"
    assert [r.status for r in server.requests] == [401], "asked once, refused, gave up"


# -- processes -------------------------------------------------------------------------

# A builder in a process of its own: waits for the file argv[1] (a start line shared by
# several processes), then prints the metadata's name and version.
BUILDER = """\
import json, os, sys, time
from sdistill import SourceDistBuilder
go, cache, wheelhouse, spec = sys.argv[1:5]
open(go + "." + str(os.getpid()), "w").close()
deadline = time.monotonic() + 60
while not os.path.exists(go) and time.monotonic() < deadline:
    time.sleep(0.005)
builder = SourceDistBuilder(cache_dir=cache, index_url=None, find_links=[wheelhouse])
metadata = builder.metadata(spec)
print(json.dumps([metadata.name, str(metadata.version)]))
"""


def _builders(n: int, go: Path, cache: Path, wheelhouse: Path, spec: str) -> list[Any]:
    """``n`` builder processes (each the leader of its own process group), started and
    waiting at the start line ``go`` (created by the caller)."""
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", BUILDER, str(go), str(cache), str(wheelhouse), spec],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        for _ in range(n)
    ]
    deadline = time.monotonic() + 60
    while len(list(go.parent.glob(go.name + ".*"))) < n:
        assert time.monotonic() < deadline, "the builders did not start"
        assert all(p.poll() is None for p in procs), [p.communicate() for p in procs]
        time.sleep(0.01)
    return procs


def test_two_processes_on_one_cold_repository_fetch_once(
    serve: Callable[..., GitHttpServer], tmp_path: Path, wheelhouse: Path
) -> None:
    # The fetch is held a moment, so the second process asks while the first is fetching.
    server = serve(fetch_delay=1.0)
    go = tmp_path / "go"
    spec = f"demo-git @ git+{server.url}/repo.git@main"
    procs = _builders(2, go, tmp_path / "cache", wheelhouse, spec)
    go.touch()
    assert server.fetch_waiting.wait(30), "no fetch came"
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err for _, err in outputs]
    assert [json.loads(out) for out, _ in outputs] == [["demo-git", "1.0"]] * 2
    assert server.fetches() == 1, "the clone data is fetched once"


def test_sigkill_during_a_fetch_leaves_nothing_half_made(
    serve: Callable[..., GitHttpServer],
    served: Path,
    make_builder: Callable[..., Any],
    tmp_path: Path,
    wheelhouse: Path,
) -> None:
    server = serve(fetch_delay=60.0)
    cache, go = tmp_path / "cache", tmp_path / "go"
    repository = f"{server.url}/repo.git"
    spec = f"demo-git @ git+{repository}@main"
    go.touch()
    (proc,) = _builders(1, go, cache, wheelhouse, spec)
    try:
        assert server.fetch_waiting.wait(60), "no fetch came"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the builder and its git, as a dead machine
        proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    server.release()

    metadata = make_builder(cache).metadata(spec)
    assert (metadata.name, str(metadata.version)) == ("demo-git", "1.0")
    commit = _head(served)
    shard = _shard(cache, repository)
    revisions = [p for p in shard.iterdir() if p.is_dir()]
    assert [p.name for p in revisions] == [commit[:16]], "only the complete revision"
    assert (shard / commit[:16] / "stamp").is_file()
    assert (shard / commit[:16] / "src" / "pyproject.toml").is_file()
    database = Path(_core.git_db(cache, repository))
    assert git(database, "rev-parse", "--verify", f"{commit}^{{commit}}") == commit
    git(database, "fsck", "--no-progress")
