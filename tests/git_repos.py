"""Real git repositories made by the tests (``git`` on the machine, no network)."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path
from typing import Any

#: An identity and no user or system configuration: the tests' repositories are the
#: same on every machine.
GIT_ENV = {
    **{k: v for k, v in os.environ.items() if not k.startswith("GIT_")},
    "GIT_AUTHOR_NAME": "sdistill tests",
    "GIT_AUTHOR_EMAIL": "tests@sdistill.invalid",
    "GIT_COMMITTER_NAME": "sdistill tests",
    "GIT_COMMITTER_EMAIL": "tests@sdistill.invalid",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(repo: Path, *args: str) -> str:
    """Runs git in ``repo``; its stdout, stripped."""
    done = subprocess.run(
        ["git", "-C", str(repo), *args],
        env=GIT_ENV,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip()


def static_project(name: str, version: str, dependencies: tuple[str, ...] = ()) -> dict[str, str]:
    """The files of a project whose ``[project]`` table states its metadata."""
    deps = ", ".join(f'"{d}"' for d in dependencies)
    return {
        "pyproject.toml": (
            '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n\n'
            f'[project]\nname = "{name}"\nversion = "{version}"\ndependencies = [{deps}]\n'
        ),
        f"{name.replace('-', '_')}/__init__.py": "",
    }


def make_repo(path: Path, files: dict[str, str], branch: str = "main") -> Path:
    """A repository at ``path`` with one commit of ``files`` on ``branch``."""
    path.mkdir(parents=True)
    git(path, "init", "--quiet", f"--initial-branch={branch}")
    commit(path, files, "first")
    return path


def commit(repo: Path, files: dict[str, str], message: str) -> str:
    """Writes ``files`` into ``repo``, commits them; the new commit's sha."""
    for name, text in files.items():
        target = repo / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def log_git_runs(tmp_path: Path, monkeypatch: Any) -> Path:
    """Puts a ``git`` first on ``PATH`` that appends its command line to the returned log
    file, then runs the real git (to count git processes, or to read their argv)."""
    real = next(
        Path(d, "git") for d in os.environ["PATH"].split(os.pathsep) if Path(d, "git").is_file()
    )
    bin_dir = tmp_path / "logging-bin"
    bin_dir.mkdir()
    log = tmp_path / "git-runs.log"
    wrapper = bin_dir / "git"
    wrapper.write_text(f'#!/bin/sh\necho "$@" >> "{log}"\nexec "{real}" "$@"\n')
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return log
