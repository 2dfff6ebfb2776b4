"""Git sources: specs, commits as revisions, and git never run where it need not be.

Every repository is made by the test with the machine's ``git`` and read over
``file://``; nothing leaves the machine.
"""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

import pytest
from git_repos import commit, git, log_git_runs, make_repo, static_project
from sdistill import Cache, Source
from sdistill.errors import GitError, InvalidSourceError, OfflineError
from sdistill.sources import GitSource

SHA = "0123456789abcdef0123456789abcdef01234567"


@pytest.mark.parametrize(
    ("spec", "repository", "rev", "subdirectory", "name"),
    [
        ("git+https://h/o/r.git", "https://h/o/r.git", None, None, None),
        ("git+https://h/o/r@v1.2", "https://h/o/r", "v1.2", None, None),
        ("git+ssh://git@h/o/r.git@main", "ssh://git@h/o/r.git", "main", None, None),
        (f"git+file:///srv/r@{SHA}", "file:///srv/r", SHA, None, None),
        ("git+https://h/r@feature%40x#egg=p", "https://h/r", "feature@x", None, None),
        ("git+https://h/r@refs/pull/1/head", "https://h/r", "refs/pull/1/head", None, None),
        ("pkg[x] @ git+https://h/r@v1#subdirectory=a/b", "https://h/r", "v1", "a/b", "pkg"),
    ],
)
def test_git_specs_are_read(
    spec: str, repository: str, rev: str | None, subdirectory: str | None, name: str | None
) -> None:
    src = Source.parse(spec)
    assert isinstance(src, GitSource)
    assert (src.repository, src.rev, src.subdirectory, src.name) == (
        repository,
        rev,
        subdirectory,
        name,
    )


@pytest.mark.parametrize(
    ("spec", "why"),
    [
        ("git+git://h/r", "git+git://"),
        ("git+ftp://h/r", "git+ftp://"),
        ("git+https://h/r@--upload-pack=touch /tmp/x", "refused rev"),
        ("git+https://h/r@-oProxyCommand=touch /tmp/x", "refused rev"),
        ("git+https://h/r@", "empty rev"),
        ("git+https://h/r@main#subdirectory=../x", "subdirectory"),
        ("git+https://h/r#other=1", "other="),
        ("git+https://h/r@ma\nin", "control characters"),
    ],
)
def test_bad_git_specs_are_refused_before_git_runs(spec: str, why: str) -> None:
    with pytest.raises(InvalidSourceError, match=why.replace("+", r"\+")):
        Source.parse(spec)


def test_a_git_source_pickles_without_credentials() -> None:
    src = Source.parse("git+https://user:secret@h/o/r@main")
    back = pickle.loads(pickle.dumps(src))
    assert isinstance(back, GitSource)
    assert "secret" not in back.repository
    assert "secret" not in pickle.dumps(src).decode("latin-1")
    assert (back.rev, back.url) == ("main", "git+https://h/o/r@main")
    assert "secret" not in src.url


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo", static_project("demo-git", "1.0", ("six",)))


@pytest.fixture
def counted_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[], int]:
    """The number of ``git`` processes run so far (through a logging wrapper)."""
    log = log_git_runs(tmp_path, monkeypatch)
    return lambda: len(log.read_text().splitlines()) if log.exists() else 0


def test_metadata_of_a_git_source(
    repo: Path, make_builder: Callable[..., Any], tmp_path: Path
) -> None:
    builder = make_builder(tmp_path / "cache")
    metadata = builder.metadata(f"demo-git @ git+{repo.as_uri()}@main")
    assert (metadata.name, str(metadata.version)) == ("demo-git", "1.0")
    assert [str(r) for r in metadata.requires_dist or []] == ["six"]


def test_a_branch_and_its_commit_share_one_answer_and_a_full_sha_runs_no_git(
    repo: Path,
    make_builder: Callable[..., Any],
    tmp_path: Path,
    counted_git: Callable[[], int],
) -> None:
    cache = tmp_path / "cache"
    sha = git(repo, "rev-parse", "HEAD")
    assert make_builder(cache).metadata(f"git+{repo.as_uri()}@main").name == "demo-git"
    shard = Cache(cache).git_shard(_core_key(repo))
    assert sorted(p.name for p in shard.iterdir() if p.is_dir()) == [sha[:16]]
    before = counted_git()
    assert make_builder(cache).metadata(f"git+{repo.as_uri()}@{sha}").name == "demo-git"
    assert counted_git() == before, "a full commit already built needs no git process"
    assert make_builder(cache).metadata(f"git+{repo.as_uri()}@main").name == "demo-git"
    assert counted_git() == before + 1, "a warm branch is one ls-remote, nothing else"
    assert sorted(p.name for p in shard.iterdir() if p.is_dir()) == [sha[:16]]


def test_a_branch_that_moves_gets_a_new_revision_and_the_old_one_stays(
    repo: Path, make_builder: Callable[..., Any], tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    first = git(repo, "rev-parse", "HEAD")
    assert str(make_builder(cache).metadata(f"git+{repo.as_uri()}").version) == "1.0"
    second = commit(repo, static_project("demo-git", "2.0"), "two")
    assert str(make_builder(cache).metadata(f"git+{repo.as_uri()}").version) == "2.0"
    old = make_builder(cache).metadata(f"git+{repo.as_uri()}@{first}")
    assert str(old.version) == "1.0"
    shard = Cache(cache).git_shard(_core_key(repo))
    assert sorted(p.name for p in shard.iterdir() if p.is_dir()) == sorted(
        [first[:16], second[:16]]
    )


def test_tags_short_shas_subdirectories_and_a_default_branch_not_named_main(
    tmp_path: Path, make_builder: Callable[..., Any]
) -> None:
    files = {
        **{f"one/{k}": v for k, v in static_project("one", "1.0").items()},
        **{f"two/{k}": v for k, v in static_project("two", "3.0").items()},
    }
    repo = make_repo(tmp_path / "mono", files, branch="trunk")
    git(repo, "tag", "-a", "v1", "-m", "release one")
    sha = git(repo, "rev-parse", "HEAD")
    commit(repo, {"two/README": "later"}, "later")
    builder = make_builder(tmp_path / "cache")
    url = repo.as_uri()
    assert builder.metadata(f"git+{url}#subdirectory=one").name == "one"
    assert builder.metadata(f"git+{url}@trunk#subdirectory=two").name == "two"
    assert builder.metadata(f"git+{url}@v1#subdirectory=two").name == "two"
    assert builder.metadata(f"git+{url}@{sha[:9]}#subdirectory=one").name == "one"


def test_the_checkout_sees_its_tags(
    repo: Path, make_builder: Callable[..., Any], tmp_path: Path
) -> None:
    git(repo, "tag", "-a", "v1.0", "-m", "one")
    cache = tmp_path / "cache"
    make_builder(cache).metadata(f"git+{repo.as_uri()}@main")
    sha = git(repo, "rev-parse", "HEAD")
    tree = Cache(cache).git_shard(_core_key(repo)) / sha[:16] / "src"
    assert git(tree, "describe", "--tags") == "v1.0", "versioning plugins need the tags"


def test_an_unknown_rev_and_offline_misses_are_clear(
    repo: Path, make_builder: Callable[..., Any], tmp_path: Path
) -> None:
    with pytest.raises(GitError, match="nope"):
        make_builder(tmp_path / "cache").metadata(f"git+{repo.as_uri()}@nope")
    with pytest.raises(OfflineError):
        make_builder(tmp_path / "other", offline=True).metadata(f"git+{repo.as_uri()}@main")


def test_hostile_revs_and_urls_never_run_anything(
    tmp_path: Path, make_builder: Callable[..., Any]
) -> None:
    sentinel = tmp_path / "sentinel"
    specs = [
        f"git+https://h/r@--upload-pack=touch {sentinel}",
        f"git+https://h/r@-oProxyCommand=touch {sentinel}",
        f"git+ext::sh -c touch% {sentinel}",
        f"git+file:///-oProxyCommand=touch {sentinel}",
    ]
    builder = make_builder(tmp_path / "cache")
    for spec in specs:
        with pytest.raises((InvalidSourceError, GitError)):
            builder.metadata(spec)
    assert not sentinel.exists()


def _core_key(repo: Path) -> str:
    from sdistill import _core

    return _core.canonical_url("git+" + repo.as_uri())


PROBE = """\
import json, sys
from sdistill import cli
code = cli.main(sys.argv[2:])
sys.stdout.flush()
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("packaging", "pyproject_hooks"))
with open(sys.argv[1], "w", encoding="utf-8") as file:
    json.dump({"code": code, "loaded": loaded}, file)
"""


def _probed_metadata(tmp_path: Path, spec: str) -> tuple[str, list[str]]:
    """``sdistill metadata --json SPEC`` in a new process: its stdout, and the modules of
    the build side it loaded."""
    report = tmp_path / "report.json"
    argv = ["--cache-dir", str(tmp_path / "cache"), "metadata", "--no-index", "--json"]
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(report), *argv, spec],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout, json.loads(report.read_text())["loaded"]


def test_a_warm_full_sha_is_answered_without_git_or_the_builder(
    repo: Path, tmp_path: Path, counted_git: Callable[[], int]
) -> None:
    sha = git(repo, "rev-parse", "HEAD")
    spec = f"demo-git @ git+{repo.as_uri()}@{sha}"
    runs = []
    for _ in range(2):
        before = counted_git()
        out, loaded = _probed_metadata(tmp_path, spec)
        runs.append((out, loaded, counted_git() - before))
    (cold, cold_loaded, cold_git), (warm, warm_loaded, warm_git) = runs
    assert json.loads(cold)[0]["name"] == "demo-git"
    assert cold_loaded, "the first run builds"
    assert cold_git > 0, "with git"
    assert warm == cold
    assert warm_loaded == [], "the warm run never loads the build side"
    assert warm_git == 0, "nor runs git"


def test_a_warm_branch_is_one_ls_remote_without_the_builder_and_sees_the_branch_move(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = log_git_runs(tmp_path, monkeypatch)
    spec = f"demo-git @ git+{repo.as_uri()}@main"

    def run() -> tuple[str, list[str], list[str]]:
        before = log.read_text().splitlines() if log.exists() else []
        out, loaded = _probed_metadata(tmp_path, spec)
        runs = log.read_text().splitlines()[len(before) :]
        return json.loads(out)[0]["version"], loaded, runs

    assert run()[0] == "1.0"
    version, loaded, runs = run()
    assert version == "1.0"
    assert loaded == [], "a warm branch never loads the build side"
    assert len(runs) == 1, runs  # asked, once
    assert "ls-remote" in runs[0].split()
    commit(repo, static_project("demo-git", "1.1"), "next")
    version, loaded, _ = run()
    assert version == "1.1", "the branch moved: its new commit is built"
    assert loaded, "by the builder"
    version, loaded, runs = run()
    assert (version, loaded, len(runs)) == ("1.1", [], 1)


@pytest.fixture(scope="session")
def vcs_wheelhouses(corpus_find_links: list[Path]) -> list[Path]:
    """find-links with setuptools-scm and hatch-vcs (the corpus wheelhouse)."""
    return corpus_find_links


SCM_PROJECT = {
    "pyproject.toml": (
        "[build-system]\n"
        'requires = ["setuptools>=64", "setuptools-scm>=8"]\n'
        'build-backend = "setuptools.build_meta"\n\n'
        '[project]\nname = "scm-demo"\ndynamic = ["version"]\n\n'
        "[tool.setuptools_scm]\n"
    ),
    "scm_demo/__init__.py": "",
}

VCS_PROJECT = {
    "pyproject.toml": (
        "[build-system]\n"
        'requires = ["hatchling", "hatch-vcs"]\n'
        'build-backend = "hatchling.build"\n\n'
        '[project]\nname = "vcs-demo"\ndynamic = ["version"]\n\n'
        '[tool.hatch.version]\nsource = "vcs"\n'
    ),
    "vcs_demo/__init__.py": "",
}


@pytest.mark.parametrize("files", [SCM_PROJECT, VCS_PROJECT], ids=["setuptools-scm", "hatch-vcs"])
def test_versioning_plugins_see_the_tags_and_the_history(
    files: dict[str, str],
    tmp_path: Path,
    make_builder: Callable[..., Any],
    vcs_wheelhouses: list[Path],
) -> None:
    repo = make_repo(tmp_path / "repo", files)
    git(repo, "tag", "-a", "v1.2.0", "-m", "release")
    builder = make_builder(tmp_path / "cache", find_links=vcs_wheelhouses)
    assert str(builder.metadata(f"git+{repo.as_uri()}@v1.2.0").version) == "1.2.0"
    after = commit(repo, {"CHANGES": "more"}, "after the tag")
    version = str(builder.metadata(f"git+{repo.as_uri()}@{after}").version)
    assert version.startswith("1.2.1.dev1+g"), version
    assert after[:7] in version, "the commit is named in the local version"


def test_wheels_many_sources_and_every_rev_form(
    tmp_path: Path, make_builder: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    repo = make_repo(tmp_path / "repo", static_project("demo-git", "1.0"))
    first = git(repo, "rev-parse", "HEAD")
    git(repo, "update-ref", "refs/pull/7/head", first)
    git(repo, "tag", "same", first)  # a tag and a branch of one name: the branch wins
    second = commit(repo, static_project("demo-git", "2.0"), "two")
    git(repo, "branch", "same", second)
    url = f"git+{repo.as_uri()}"
    builder = make_builder(tmp_path / "cache")
    wheel = builder.build(f"{url}@main")
    assert wheel.filename.startswith("demo_git-2.0-")
    assert wheel.path.is_file()
    specs = [f"{url}@refs/pull/7/head", f"{url}@same", f"{url}@{first[:10]}", url]
    versions = [str(m.version) for m in builder.metadata_many(specs)]  # type: ignore[union-attr]
    assert versions == ["1.0", "2.0", "1.0", "2.0"]
    # Offline, a branch resolves to the commit the repository's database last saw.
    offline = make_builder(tmp_path / "cache", offline=True)
    with caplog.at_level("WARNING", logger="sdistill"):
        assert str(offline.metadata(f"{url}@main").version) == "2.0"
    warned = [r.getMessage() for r in caplog.records if "offline" in r.getMessage()]
    assert any(second[:12] in message for message in warned), warned


@pytest.mark.parametrize("files", [SCM_PROJECT, VCS_PROJECT], ids=["setuptools-scm", "hatch-vcs"])
def test_uv_reads_the_same_repository_and_builds_the_same_metadata(
    files: dict[str, str],
    tmp_path: Path,
    make_builder: Callable[..., Any],
    vcs_wheelhouses: list[Path],
) -> None:
    import shutil

    uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if uv is None:
        pytest.skip("uv is not installed")
    repo = make_repo(tmp_path / "repo", files)
    git(repo, "tag", "-a", "v0.3.0", "-m", "release")
    head = commit(repo, {"NEWS": "after"}, "after")
    name = "scm-demo" if files is SCM_PROJECT else "vcs-demo"
    spec = f"{name} @ git+{repo.as_uri()}@main"
    ours = make_builder(tmp_path / "cache", find_links=vcs_wheelhouses).metadata(spec)
    links = [arg for path in vcs_wheelhouses for arg in ("--find-links", str(path))]
    target = tmp_path / "uv-target"
    command = [uv, "pip", "install", "--no-deps", "--no-index", *links, "--target", str(target)]
    command += ["--cache-dir", str(tmp_path / "uv-cache"), "--python", sys.executable, spec]
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    (info,) = target.glob("*.dist-info")
    from sdistill.build.wheels import parse_record

    theirs = parse_record((info / "METADATA").read_text(encoding="utf-8"))
    assert theirs is not None
    assert (ours.name, str(ours.version)) == (theirs.name, str(theirs.version))
    assert head[:7] in str(ours.version)
    assert ours.requires_dist == theirs.requires_dist
