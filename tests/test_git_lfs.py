"""Git LFS in git sources: pointer files by default, real content when asked.

The repository is made by the test with the machine's ``git`` and a real ``git-lfs``
(``tests/fixtures/git_lfs.py`` unpacks it from the Debian registry when the machine has
none), and read over ``file://``, whose LFS objects ``git-lfs`` fetches from the
repository's own ``.git/lfs`` -- nothing leaves the machine. What is checked is what a
user gets: the bytes of the LFS file inside the built wheel.
"""

from __future__ import annotations

import os
import subprocess
import zipfile
from pathlib import Path
from typing import Any, Callable

import pytest
from git_repos import GIT_ENV, make_repo, static_project
from sdistill import BuilderConfig
from sdistill.errors import GitError

POINTER = b"version https://git-lfs.github.com/spec/v1\n"
DATA = bytes(range(256)) * 64  # 16 KiB that no pointer file looks like


@pytest.fixture(scope="session")
def lfs_bin() -> Path:
    from fixtures import git_lfs

    return git_lfs.ensure(quiet=True)


@pytest.fixture
def lfs_repo(tmp_path: Path, lfs_bin: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``demo-lfs`` 1.0 whose ``demo_lfs/data.bin`` is stored in Git LFS; ``git-lfs`` is
    on ``PATH`` for the rest of the test."""
    monkeypatch.setenv("PATH", f"{lfs_bin}{os.pathsep}{os.environ['PATH']}")
    repo = make_repo(tmp_path / "repo", static_project("demo-lfs", "1.0"))
    env = {**GIT_ENV, "PATH": os.environ["PATH"]}

    def run(*args: str) -> None:
        subprocess.run(["git", "-C", str(repo), *args], env=env, check=True, capture_output=True)

    run("lfs", "install", "--local")
    run("lfs", "track", "*.bin")
    (repo / "demo_lfs" / "data.bin").write_bytes(DATA)
    run("add", ".gitattributes", "demo_lfs/data.bin")
    run("commit", "--quiet", "-m", "data in LFS")
    stored = subprocess.run(
        ["git", "-C", str(repo), "show", "HEAD:demo_lfs/data.bin"],
        env=env,
        check=True,
        capture_output=True,
    ).stdout
    assert stored.startswith(POINTER), "the repository stores a pointer, the content in LFS"
    return repo


def _data_in_wheel(builder: Any, spec: str) -> bytes:
    wheel = builder.build(spec)
    with zipfile.ZipFile(wheel.path) as archive:
        return archive.read("demo_lfs/data.bin")


def test_lfs_files_are_pointers_by_default_and_content_when_asked(
    lfs_repo: Path, make_builder: Callable[..., Any], tmp_path: Path
) -> None:
    spec = f"git+{lfs_repo.as_uri()}@main"
    cache = tmp_path / "cache"
    assert _data_in_wheel(make_builder(cache), spec).startswith(POINTER)
    # Asked for, the content is checked out -- not the pointer tree already cached.
    assert _data_in_wheel(make_builder(cache, git_lfs=True), spec) == DATA
    # Both trees stay cached side by side, each answering its own builders.
    assert _data_in_wheel(make_builder(cache), spec).startswith(POINTER)
    assert _data_in_wheel(make_builder(cache, git_lfs=True), spec) == DATA


def test_the_environment_asks_for_lfs_content(
    lfs_repo: Path,
    make_builder: Callable[..., Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SDISTILL_GIT_LFS", "1")
    assert BuilderConfig().git_lfs is True
    builder = make_builder(tmp_path / "cache")
    assert _data_in_wheel(builder, f"git+{lfs_repo.as_uri()}@main") == DATA


def test_lfs_asked_for_without_git_lfs_is_a_clear_error(
    lfs_repo: Path,
    make_builder: Callable[..., Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    git_dir = Path(
        subprocess.run(
            ["git", "--exec-path"], check=True, capture_output=True, text=True
        ).stdout.strip()
    )
    real_git = next(
        Path(d, "git") for d in os.environ["PATH"].split(os.pathsep) if Path(d, "git").is_file()
    )
    bin_dir = tmp_path / "git-only"  # git, but no git-lfs anywhere on PATH
    bin_dir.mkdir()
    (bin_dir / "git").symlink_to(real_git)
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setenv("GIT_EXEC_PATH", str(git_dir))
    with pytest.raises(GitError, match="git-lfs is not installed"):
        make_builder(tmp_path / "cache", git_lfs=True).metadata(f"git+{lfs_repo.as_uri()}@main")
    assert not list((tmp_path / "cache").rglob("data.bin")), "no checkout is left behind"
