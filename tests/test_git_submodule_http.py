"""Submodule transports: a ``file://`` submodule only under a ``file://`` top level.

A repository fetched from a server must not make sdistill read the machine's own disk,
so a submodule of a top-level repository served over (smart) HTTP may not use a file
URL, even one naming a real repository that would clone fine. The contrasts show the
rule is about the transport, not the layout: the same submodule served over HTTP too
is checked out, and a file-URL submodule of a file-URL top level is allowed.

The repositories are made by the tests and served by ``git http-backend`` on 127.0.0.1
(``tests/git_http_server.py``); nothing leaves the machine.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, Callable

import pytest
from git_http_server import GitHttpServer
from git_repos import git, make_repo, static_project
from sdistill import Cache, _core
from sdistill.errors import GitError

#: A file only the submodule's repository holds: where it shows up, the submodule was cloned.
MARKER = "submodule-marker-7c1e.txt"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[GitHttpServer]:
    """A started server of ``tmp_path / "srv"`` (empty until a test makes repositories)."""
    (tmp_path / "srv").mkdir()
    with GitHttpServer(tmp_path / "srv") as started:
        yield started


def _sub_repo(path: Path) -> str:
    """A repository at ``path`` holding :data:`MARKER`; its HEAD commit."""
    make_repo(path, {MARKER: "from the submodule\n"})
    return git(path, "rev-parse", "HEAD")


def _top_repo(path: Path, submodule_url: str, submodule_head: str) -> str:
    """Project ``demo-git`` 1.0 at ``path``, with submodule ``sub`` at ``submodule_url``
    pinned (as a gitlink) to ``submodule_head``; the top level's HEAD commit."""
    make_repo(path, static_project("demo-git", "1.0"))
    (path / ".gitmodules").write_text(
        f'[submodule "sub"]\n\tpath = sub\n\turl = {submodule_url}\n', encoding="utf-8"
    )
    git(path, "add", ".gitmodules")
    git(path, "update-index", "--add", "--cacheinfo", f"160000,{submodule_head},sub")
    git(path, "commit", "--quiet", "-m", "add submodule sub")
    assert git(path, "ls-tree", "HEAD", "sub").startswith(f"160000 commit {submodule_head}")
    return git(path, "rev-parse", "HEAD")


def _shard(cache: Path, repository: str) -> Path:
    return Path(Cache(cache).git_shard(_core.canonical_url("git+" + repository)))


def _checked_out(cache: Path, repository: str, commit: str) -> Path:
    """The live checkout of ``commit``: stamped, with the submodule's file in place."""
    revision = _shard(cache, repository) / commit[:16]
    assert (revision / "stamp").is_file(), "the revision is live"
    marker = revision / "src" / "sub" / MARKER
    assert marker.read_text(encoding="utf-8") == "from the submodule\n"
    return revision


def test_a_file_url_submodule_of_an_http_repository_is_refused(
    server: GitHttpServer, make_builder: Callable[..., Any], tmp_path: Path
) -> None:
    sub = tmp_path / "on-disk" / "sub"
    _top_repo(tmp_path / "srv" / "repo.git", sub.as_uri(), _sub_repo(sub))
    cache = tmp_path / "cache"
    repository = f"{server.url}/repo.git"
    with pytest.raises(GitError) as caught:
        make_builder(cache).metadata(f"demo-git @ git+{repository}@main")
    assert caught.value.command is not None
    assert "submodule" in caught.value.command
    assert "transport 'file' not allowed" in (caught.value.stderr or "")
    assert "transport 'file' not allowed" in str(caught.value), "the user is told why"
    assert server.fetches() == 1, "the top level itself was fetched: only the submodule failed"

    assert cache.is_dir()
    assert [str(p) for p in cache.rglob(f"*{MARKER}*")] == [], "the submodule was never cloned"
    shard = _shard(cache, repository)
    assert shard.is_dir(), "the repository's shard exists, so its revisions are searched"
    assert list(shard.glob("*/stamp")) == [], "no revision of the repository is live"


@pytest.mark.parametrize("relative", [True, False], ids=["relative-url", "absolute-url"])
def test_an_http_submodule_of_an_http_repository_is_checked_out(
    relative: bool, server: GitHttpServer, make_builder: Callable[..., Any], tmp_path: Path
) -> None:
    url = "../sub.git" if relative else f"{server.url}/sub.git"
    head = _sub_repo(tmp_path / "srv" / "sub.git")
    commit = _top_repo(tmp_path / "srv" / "repo.git", url, head)
    cache = tmp_path / "cache"
    repository = f"{server.url}/repo.git"
    metadata = make_builder(cache).metadata(f"demo-git @ git+{repository}@main")
    assert (metadata.name, str(metadata.version)) == ("demo-git", "1.0")
    revision = _checked_out(cache, repository, commit)
    assert git(revision / "src" / "sub", "rev-parse", "HEAD") == head
    assert any(r.path.startswith("/sub.git/") for r in server.requests), "fetched over HTTP"


def test_a_file_url_submodule_of_a_file_url_repository_is_checked_out(
    make_builder: Callable[..., Any], tmp_path: Path
) -> None:
    sub = tmp_path / "sub"
    head = _sub_repo(sub)
    top = tmp_path / "top"
    commit = _top_repo(top, sub.as_uri(), head)
    cache = tmp_path / "cache"
    metadata = make_builder(cache).metadata(f"demo-git @ git+{top.as_uri()}@main")
    assert (metadata.name, str(metadata.version)) == ("demo-git", "1.0")
    revision = _checked_out(cache, top.as_uri(), commit)
    assert git(revision / "src" / "sub", "rev-parse", "HEAD") == head
