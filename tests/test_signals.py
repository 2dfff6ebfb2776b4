"""Signals and leftovers: the command line run as a real process on a backend that hangs
(``tests/projects/hanging-backend``), then stopped with SIGTERM or SIGINT, as ``timeout``,
CI runners, ``docker stop`` and Ctrl-C do.

What must hold afterwards: the command exited with 128 + the signal's number; the hook,
everything it started and the hook server are gone; nothing more appears in the cache;
nothing was left in the system's temporary directory; and what is left in the cache
is what ``cache prune`` removes. A hook that leaves a process behind holding its output
open is finished when its own process exits, and what it left is ended.

Waits are bounded (a regression fails instead of hanging) but never asserted on.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from simple_index import SimpleIndex

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX signals and process groups")

PROJECT = Path(__file__).resolve().parent / "projects" / "hanging-backend"
BOUND = 30.0  # seconds: generous, only so that a regression fails instead of hanging


@dataclass
class Setup:
    project: Path
    cache: Path
    systmp: Path
    pids: Path
    env: dict[str, str]

    def records(self) -> list[dict[str, Any]]:
        if not self.pids.exists():
            return []
        return [json.loads(line) for line in self.pids.read_text().splitlines() if line]

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "sdistill", *args]


@pytest.fixture(params=["in-tree", "served"])
def setup(request: pytest.FixtureRequest, tmp_path: Path) -> Setup:
    """The project, run in a plain subprocess (its in-tree backend) or, found through
    ``PYTHONPATH`` instead, forked by a hook server."""
    project = tmp_path / "project"
    shutil.copytree(PROJECT, project)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SDISTILL_")}
    if request.param == "served":
        pyproject = project / "pyproject.toml"
        text = pyproject.read_text().replace('backend-path = ["_backend"]\n', "")
        pyproject.write_text(text)
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(project / "_backend"), env.get("PYTHONPATH")) if p
        )
    systmp = tmp_path / "systmp"
    systmp.mkdir()
    pids = tmp_path / "pids.jsonl"
    env.update(
        SDISTILL_CACHE_DIR=str(tmp_path / "cache"),
        TMPDIR=str(systmp),
        SDT_PIDS=str(pids),
    )
    return Setup(project, tmp_path / "cache", systmp, pids, env)


def gone(pid: int) -> bool:
    """The process no longer runs (a zombie waiting for a reaper counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (OSError, IndexError):
        return False
    return state == "Z"


def wait_for(condition: Callable[[], bool], what: str, bound: float = BOUND) -> None:
    deadline = time.monotonic() + bound
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {bound:.0f}s: {what}")
        time.sleep(0.05)


def files_in(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")} if root.exists() else set()


def start(setup: Setup, mode: str) -> subprocess.Popen[str]:
    env = {**setup.env, "SDT_HANG_MODE": mode}
    return subprocess.Popen(
        setup.command("metadata", "--no-build-isolation", str(setup.project)),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize(
    ("signum", "status"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)], ids=["TERM", "INT"]
)
def test_a_signal_ends_the_hooks_and_servers_and_leaves_nothing_outside_the_cache(
    setup: Setup, signum: int, status: int
) -> None:
    cli = start(setup, "hang")
    try:
        wait_for(lambda: bool(setup.records()) or cli.poll() is not None, "the hook runs")
        assert cli.poll() is None, cli.communicate()
        (record,) = setup.records()
        cli.send_signal(signum)  # to the command only, as `kill` and `docker stop` do
        try:
            _, stderr = cli.communicate(timeout=BOUND)
        except subprocess.TimeoutExpired:
            pytest.fail("the command did not exit after the signal")
    finally:
        if cli.poll() is None:
            cli.kill()
            cli.wait()
    assert cli.returncode == status, stderr
    assert "Traceback" not in stderr, stderr
    assert stderr.strip().endswith("interrupted" if signum == signal.SIGINT else "terminated")

    # The hook, what it started, and its parent (the hook server, or the command).
    for pid in (record["pid"], record["sleeper"], record["ppid"]):
        wait_for(functools.partial(gone, pid), f"process {pid} ends")
    before = files_in(setup.cache)
    time.sleep(1)  # anything still running would go on writing
    assert files_in(setup.cache) == before

    # Nothing in the system's temporary directory; the hook's own TMPDIR was private,
    # under the cache's tmp/.
    assert list(setup.systmp.iterdir()) == []
    assert Path(record["scratch"]).is_relative_to(setup.cache / "tmp")

    subprocess.run(setup.command("cache", "prune"), env=setup.env, check=True, timeout=BOUND)
    left = files_in(setup.cache)
    assert not [name for name in left if ".sdistill-tmp-" in name]
    assert not [name for name in left if name.startswith("tmp/")]


def test_a_hook_is_finished_when_its_process_exits_and_what_it_left_is_ended(
    setup: Setup,
) -> None:
    """``sleep 300 &`` holding the hook's output open: the hook still ends at once."""
    cli = start(setup, "detach")
    try:
        try:
            stdout, stderr = cli.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            pytest.fail("the hook was waited for until its leftover process ended")
    finally:
        if cli.poll() is None:
            cli.kill()
            cli.wait()
    assert cli.returncode == 0, stderr
    assert stdout.split() == ["sdt-hang", "1.0"]
    (record,) = setup.records()
    wait_for(lambda: gone(record["sleeper"]), "the leftover process is ended")
    assert list(setup.systmp.iterdir()) == []


# -- an installer filling a build environment ---------------------------------------------


def installers_of(cache: Path) -> set[int]:
    """The processes whose command line names the cache: the installers filling one of
    its build environments (``--python <cache>/environments-v1/...``). The command line
    itself is given the cache through its environment only."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            words = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if any(str(cache).encode() in word for word in words) and not gone(int(entry.name)):
            found.add(int(entry.name))
    return found


@pytest.mark.parametrize("installer", ["uv", "pip"])
def test_a_signal_ends_the_installer_and_leaves_no_half_made_environment(
    installer: str, wheelhouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The index holds the installer's wheel download until the test ends: SIGTERM of
    the command must end the installer, not wait for it or leave it running."""
    project = tmp_path / "project"
    shutil.copytree(Path(__file__).resolve().parent / "projects" / "flit-core", project)
    cache = tmp_path / "cache"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SDISTILL_", "UV_", "PIP_"))}
    env.update(
        SDISTILL_CACHE_DIR=str(cache),
        UV_CACHE_DIR=str(tmp_path / "uv-cache"),
        PIP_CACHE_DIR=str(tmp_path / "pip-cache"),
    )
    asked, release = threading.Event(), threading.Event()
    with SimpleIndex(sorted(wheelhouse.glob("flit_core-*.whl"))) as index:
        record = index.server._record

        def held(request: Any) -> Any:
            if request.route_path.endswith(".whl"):
                asked.set()
                release.wait(timeout=4 * BOUND)
            return record(request)

        monkeypatch.setattr(index.server, "_record", held)
        command = [sys.executable, "-m", "sdistill", "metadata", str(project)]
        command += ["--index-url", index.url, "--installer", installer]
        cli = subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        running: set[int] = set()
        try:
            wait_for(lambda: asked.is_set() or cli.poll() is not None, "the wheel is asked for")
            assert cli.poll() is None, cli.communicate()
            running = installers_of(cache)
            assert running, "the installer runs, waiting for the wheel"
            cli.send_signal(signal.SIGTERM)
            try:
                _, stderr = cli.communicate(timeout=BOUND)
            except subprocess.TimeoutExpired:
                pytest.fail("the command did not exit after the signal")
            assert cli.returncode == 143, stderr
            assert "Traceback" not in stderr, stderr
            assert stderr.strip().endswith("terminated"), stderr
            wait_for(lambda: not installers_of(cache), "the installer ends")
        finally:
            if cli.poll() is None:
                cli.kill()
                cli.wait()
            for pid in running | installers_of(cache):  # only after a failure
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
            release.set()

    pruned = subprocess.run(
        [sys.executable, "-m", "sdistill", "cache", "prune"], env=env, timeout=BOUND, check=False
    )
    assert pruned.returncode == 0
    # The environment being filled was removed (or never marked complete and pruned).
    assert list((cache / "environments-v1").iterdir()) == []
    assert [p for p in files_in(cache) if p.startswith("tmp/")] == []
