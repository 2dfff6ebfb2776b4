"""Git sources in the cache's upkeep: ``cache clean NAME`` removes a project's git
shards, ``cache prune`` removes the databases no git shard names, and never a git
shard's revisions (they are found by commit, not by a pointer).

Every repository is made by the test with the machine's ``git`` and read over
``file://``; nothing leaves the machine.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from git_repos import commit, git, make_repo, static_project
from sdistill import Cache, _core


def _shard(cache: Path, repo: Path, subdirectory: str | None = None) -> Path:
    key = _core.canonical_url("git+" + repo.as_uri())
    if subdirectory:
        key += f"#subdirectory={subdirectory}"
    return Cache(cache).git_shard(key)


def _database(cache: Path, repo: Path) -> Path:
    return Path(_core.git_db(cache, repo.as_uri()))


def _lock(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


def test_prune_keeps_every_commit_of_a_git_shard_and_its_database(
    tmp_path: Path, make_builder: Callable[..., Any]
) -> None:
    repo = make_repo(tmp_path / "repo", static_project("demo-git", "1.0"))
    cache = tmp_path / "cache"
    first = git(repo, "rev-parse", "HEAD")
    make_builder(cache).metadata(f"git+{repo.as_uri()}@main")
    second = commit(repo, static_project("demo-git", "2.0"), "two")
    make_builder(cache).metadata(f"git+{repo.as_uri()}@main")
    shard = _shard(cache, repo)
    database = _database(cache, repo)
    assert (shard / "repository").read_text().strip() == database.name

    Cache(cache).prune()

    revisions = sorted(p.name for p in shard.iterdir() if p.is_dir())
    assert revisions == sorted([first[:16], second[:16]])
    assert (database / "HEAD").is_file()
    for sha, version in ((first, "1.0"), (second, "2.0")):
        answer = make_builder(cache).metadata(f"git+{repo.as_uri()}@{sha}")
        assert str(answer.version) == version


def test_clean_name_removes_the_git_shard_and_prune_then_the_database(
    tmp_path: Path, make_builder: Callable[..., Any]
) -> None:
    repo = make_repo(tmp_path / "repo", static_project("demo-git", "1.0"))
    other = make_repo(tmp_path / "other", static_project("other-git", "3.0"))
    cache = tmp_path / "cache"
    builder = make_builder(cache)
    builder.metadata(f"git+{repo.as_uri()}@main")
    builder.metadata(f"git+{other.as_uri()}@main")
    shard, database = _shard(cache, repo), _database(cache, repo)
    assert (shard / "package").read_text().strip() == "demo-git"
    assert database.is_dir()
    assert _lock(database).is_file()

    Cache(cache).clean("demo-git")
    assert not shard.exists()
    assert not _lock(shard).exists()
    assert database.is_dir(), "clean NAME leaves databases, which are keyed by repository"

    Cache(cache).prune()
    assert not database.exists()
    assert not _lock(database).exists()
    assert _database(cache, other).is_dir(), "a database a shard names stays"
    assert _shard(cache, other).is_dir()
    assert Path(Cache(cache).root, "git-v1", "no-hooks").is_dir()

    again = make_builder(cache).metadata(f"git+{repo.as_uri()}@main")
    assert again.name == "demo-git", "a pruned repository is fetched again"


def test_a_database_two_projects_share_stays_while_one_of_them_is_cached(
    tmp_path: Path, make_builder: Callable[..., Any]
) -> None:
    files = {
        **{f"one/{k}": v for k, v in static_project("one", "1.0").items()},
        **{f"two/{k}": v for k, v in static_project("two", "2.0").items()},
    }
    repo = make_repo(tmp_path / "mono", files)
    cache = tmp_path / "cache"
    builder = make_builder(cache)
    builder.metadata(f"git+{repo.as_uri()}#subdirectory=one")
    builder.metadata(f"git+{repo.as_uri()}#subdirectory=two")
    database = _database(cache, repo)
    for sub in ("one", "two"):
        assert (_shard(cache, repo, sub) / "repository").read_text().strip() == database.name

    Cache(cache).clean("one")
    Cache(cache).prune()
    assert (database / "HEAD").is_file(), "two still names it"
    Cache(cache).clean("two")
    Cache(cache).prune()
    assert not database.exists()
