"""Hostile git repositories, revs and URLs: nothing they carry ever runs.

Each test plants a command that would create a sentinel file -- a submodule over
``ext::``, hooks in the source repository and in the user's config, a ``.gitattributes``
filter, option-looking revs and URLs -- and checks the sentinel never appears. Last, a
database damaged on disk heals by itself. Every repository is made by the test with the
machine's ``git`` and read over ``file://``; nothing leaves the machine.
"""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any, Callable

import pytest
from git_repos import commit, git, make_repo, static_project
from sdistill import _core
from sdistill.errors import GitError, InvalidSourceError


@pytest.fixture
def sentinel(tmp_path: Path) -> Path:
    return tmp_path / "sentinel"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo", static_project("demo-git", "1.0"))


def _executable(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


def test_a_submodule_over_ext_never_runs(
    repo: Path, sentinel: Path, make_builder: Callable[..., Any], tmp_path: Path
) -> None:
    (repo / ".gitmodules").write_text(
        f'[submodule "evil"]\n\tpath = evil\n\turl = ext::sh -c touch% {sentinel}\n'
    )
    head = git(repo, "rev-parse", "HEAD")  # any commit id will do for the gitlink
    git(repo, "add", ".gitmodules")
    git(repo, "update-index", "--add", "--cacheinfo", f"160000,{head},evil")
    git(repo, "commit", "--quiet", "-m", "a submodule over ext::")
    assert git(repo, "ls-tree", "HEAD", "evil").startswith("160000 commit")
    with pytest.raises(GitError) as caught:
        make_builder(tmp_path / "cache").metadata(f"git+{repo.as_uri()}@main")
    assert not sentinel.exists()
    assert caught.value.command is not None
    assert "submodule" in caught.value.command
    assert "transport 'ext' not allowed" in (caught.value.stderr or "")


HOOKS = ("post-checkout", "post-merge", "post-rewrite", "reference-transaction", "pre-push")


def test_hooks_of_the_source_repository_and_of_the_users_config_never_run(
    repo: Path,
    sentinel: Path,
    make_builder: Callable[..., Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hook = f"#!/bin/sh\ntouch {sentinel}\n"
    # A hooks directory in the repository's own tree, named by the source's config:
    # neither the config nor the hooks travel with a clone.
    for name in HOOKS:
        _executable(repo / "githooks" / name, hook)
    commit(repo, {"README": "hooks inside"}, "ship hooks")
    git(repo, "config", "core.hooksPath", "githooks")
    for name in HOOKS:  # after the test's own commits, which would run them
        _executable(repo / ".git" / "hooks" / name, hook)
    # The user's global config is read (credential helpers live there), but its hooks
    # directory is overridden on every command line.
    user_hooks = tmp_path / "user-hooks"
    for name in HOOKS:
        _executable(user_hooks / name, hook)
    user_config = tmp_path / "gitconfig"
    user_config.write_text(f"[core]\n\thooksPath = {user_hooks}\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(user_config))
    assert not sentinel.exists()

    metadata = make_builder(tmp_path / "cache").metadata(f"git+{repo.as_uri()}@main")
    assert metadata.name == "demo-git"
    assert not sentinel.exists()


def test_a_gitattributes_filter_of_the_source_never_runs(
    repo: Path, sentinel: Path, make_builder: Callable[..., Any], tmp_path: Path
) -> None:
    commit(repo, {".gitattributes": "* filter=evil\n"}, "every file through a filter")
    # Defined in the source repository's own config, which a clone does not copy.
    git(repo, "config", "filter.evil.smudge", f"touch {sentinel}; cat")
    git(repo, "config", "filter.evil.clean", f"touch {sentinel}; cat")
    git(repo, "config", "filter.evil.process", f"touch {sentinel}")
    sentinel.unlink(missing_ok=True)

    metadata = make_builder(tmp_path / "cache").metadata(f"git+{repo.as_uri()}@main")
    assert metadata.name == "demo-git"
    assert not sentinel.exists()


def _hostile_specs(repo: Path, sentinel: Path) -> list[str]:
    s = sentinel
    url = repo.as_uri()
    return [
        f"git+{url}@--upload-pack=touch {s}",
        f"git+{url}@--upload-pack=touch%20{s}",
        f"git+{url}@-oProxyCommand=touch {s}",
        f"git+{url}@--output={s}",
        f"git+ssh://-oProxyCommand=touch%20{s}/repo",
        f"git+ssh://git@-oProxyCommand=touch%20{s}/repo",
        f"git+ext::sh -c touch% {s}",
        f"git+ext::sh -c touch% {s}://x",
        "git+fd::0",
        "git+fd::3,4",
        f"git+file:///-oProxyCommand=touch {s}",
        f"git+--upload-pack=touch {s}",
        f"name @ git+{url}@--upload-pack=touch%20{s}",
    ]


def test_option_injection_and_remote_helpers_never_run(
    repo: Path, sentinel: Path, make_builder: Callable[..., Any], tmp_path: Path
) -> None:
    builder = make_builder(tmp_path / "cache")
    for spec in _hostile_specs(repo, sentinel):
        with pytest.raises((InvalidSourceError, GitError)):
            builder.metadata(spec)
        assert not sentinel.exists(), spec


def _damage_head(database: Path) -> None:
    (database / "HEAD").unlink()


def _damage_objects(database: Path) -> None:
    damaged = 0
    for path in (database / "objects").rglob("*"):
        if path.is_file() and path.parent.name not in ("info",):
            path.chmod(0o644)
            path.write_bytes(path.read_bytes()[:10])
            damaged += 1
    assert damaged, "the database holds objects"


@pytest.mark.parametrize("damage", [_damage_head, _damage_objects], ids=["head", "objects"])
def test_a_damaged_database_heals(
    repo: Path,
    make_builder: Callable[..., Any],
    tmp_path: Path,
    damage: Callable[[Path], None],
) -> None:
    cache = tmp_path / "cache"
    assert str(make_builder(cache).metadata(f"git+{repo.as_uri()}@main").version) == "1.0"
    database = Path(_core.git_db(cache, repo.as_uri()))
    damage(database)
    # A new commit on the branch: the damaged database must fetch.
    new = commit(repo, static_project("demo-git", "2.0"), "two")
    assert str(make_builder(cache).metadata(f"git+{repo.as_uri()}@main").version) == "2.0"
    assert git(database, "cat-file", "-t", new) == "commit"
