"""A builder killed (SIGKILL) while it checks out a git commit leaves nothing half made.

Simulated: a machine that dies in the middle of making a git source's tree. The builder
runs in a process group of its own with a ``git`` first on ``PATH`` that, for one chosen
step of the checkout -- ``git checkout --detach <commit>`` in the fresh clone, or
``git submodule update`` after it -- touches a marker file and sleeps before running the
real git; every other git command runs the real git at once. When the marker appears the
whole group (builder, wrapper, git) is killed with SIGKILL, so no cleanup code runs.

Then: no revision of the commit is visible in the shard, a normal run answers the right
metadata from a whole tree, the killed run's staging directories in ``tmp/`` are all that
is left of it, and ``sdistill cache prune`` removes them and nothing that is served.

Every repository is made by the test with the machine's ``git`` and read over
``file://``; nothing leaves the machine.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

import pytest
from git_repos import git, make_repo, static_project
from sdistill import Cache, _core

#: The git steps a builder is killed in: the argument words that mark the command.
STEPS = {
    "checkout": "checkout --quiet --detach",
    "submodule-update": "submodule --quiet update --init",
}

# A builder in a process of its own: prints the metadata's name and version.
BUILDER = """\
import json, sys
from sdistill import SourceDistBuilder
cache, wheelhouse, spec = sys.argv[1:4]
builder = SourceDistBuilder(cache_dir=cache, index_url=None, find_links=[wheelhouse])
metadata = builder.metadata(spec)
print(json.dumps([metadata.name, str(metadata.version)]))
"""


def _stalling_git(bin_dir: Path, words: str, marker: Path) -> None:
    """A ``git`` in ``bin_dir`` that, when its command line holds ``words``, touches
    ``marker`` and sleeps a minute before running the real git."""
    real = shutil.which("git")
    assert real is not None, "git is installed"
    bin_dir.mkdir()
    wrapper = bin_dir / "git"
    wrapper.write_text(
        "#!/bin/sh\n"
        f'case " $* " in *" {words} "*) : > "{marker}"; sleep 60 ;; esac\n'
        f'exec "{real}" "$@"\n'
    )
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)


def _kill_at_marker(cache: Path, wheelhouse: Path, spec: str, bin_dir: Path, marker: Path) -> None:
    """Runs a builder of ``spec`` with ``bin_dir`` first on ``PATH`` and SIGKILLs its
    whole process group once ``marker`` exists."""
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    proc = subprocess.Popen(
        [sys.executable, "-c", BUILDER, str(cache), str(wheelhouse), spec],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the git step never started"
            time.sleep(0.01)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the builder, the wrapper and git: a dead machine
        proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL


def _repository(tmp_path: Path, step: str) -> Path:
    """``demo-git`` 1.0; for the submodule step, with a submodule at ``vendor/sub``."""
    repo = make_repo(tmp_path / "repo", static_project("demo-git", "1.0"))
    if step == "submodule-update":
        sub = make_repo(tmp_path / "sub", {"README": "the submodule\n"})
        (repo / ".gitmodules").write_text(
            f'[submodule "sub"]\n\tpath = vendor/sub\n\turl = {sub.as_uri()}\n'
        )
        git(repo, "add", ".gitmodules")
        gitlink = f"160000,{git(sub, 'rev-parse', 'HEAD')},vendor/sub"
        git(repo, "update-index", "--add", "--cacheinfo", gitlink)
        git(repo, "commit", "--quiet", "-m", "a submodule")
    return repo


def _entries(directory: Path) -> set[str]:
    return {p.name for p in directory.iterdir()} if directory.is_dir() else set()


@pytest.mark.parametrize("step", sorted(STEPS))
def test_sigkill_during_a_checkout_leaves_nothing_half_made(
    step: str, tmp_path: Path, make_builder: Callable[..., Any], wheelhouse: Path
) -> None:
    repo = _repository(tmp_path, step)
    head = git(repo, "rev-parse", "HEAD")
    cache, marker = tmp_path / "cache", tmp_path / "stalled"
    spec = f"demo-git @ git+{repo.as_uri()}@main"
    _stalling_git(tmp_path / "stalling-bin", STEPS[step], marker)

    _kill_at_marker(cache, wheelhouse, spec, tmp_path / "stalling-bin", marker)

    shard = Cache(cache).git_shard(_core.canonical_url("git+" + repo.as_uri()))
    revisions = [p.name for p in shard.iterdir() if p.is_dir()] if shard.is_dir() else []
    assert revisions == [], "no revision of the killed checkout is in the shard"
    left = _entries(cache / "tmp")
    trees = [name for name in left if (cache / "tmp" / name / "tree" / ".git").is_dir()]
    assert trees, "the killed run's half-made tree is left in tmp/ (for prune)"

    metadata = make_builder(cache).metadata(spec)
    assert (metadata.name, str(metadata.version)) == ("demo-git", "1.0")
    revisions = [p.name for p in shard.iterdir() if p.is_dir()]
    assert revisions == [head[:16]], "one revision, of the commit, made whole"
    revision = shard / head[:16]
    assert (revision / "stamp").is_file()
    assert (revision / "src" / "pyproject.toml").is_file()
    assert git(revision / "src", "rev-parse", "HEAD") == head
    if step == "submodule-update":
        assert (revision / "src" / "vendor" / "sub" / "README").read_text() == "the submodule\n"
    assert _entries(cache / "tmp") == left, "the normal run left nothing in tmp/"

    pruned = subprocess.run(
        [sys.executable, "-m", "sdistill", "cache", "prune", "--json", "--cache-dir", str(cache)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert pruned.returncode == 0, pruned.stderr
    assert json.loads(pruned.stdout)["files"] > 0, "prune removed the killed run's files"
    assert _entries(cache / "tmp") == set(), "prune emptied tmp/"
    assert (revision / "src" / "pyproject.toml").is_file(), "prune kept the whole revision"
    again = make_builder(cache).metadata(f"demo-git @ git+{repo.as_uri()}@{head}")
    assert (again.name, str(again.version)) == ("demo-git", "1.0")
