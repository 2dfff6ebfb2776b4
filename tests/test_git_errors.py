"""What a git failure says: the command, its exit code and stderr as attributes of the
``GitError``, and the rev forms tried when a rev names nothing.

Every repository is made by the test with the machine's ``git`` and read over
``file://``; nothing leaves the machine.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any, Callable

import pytest
from git_repos import make_repo, static_project
from sdistill.errors import GitError


def test_an_unknown_rev_says_which_forms_were_tried(
    tmp_path: Path, make_builder: Callable[..., Any]
) -> None:
    repo = make_repo(tmp_path / "repo", static_project("demo-git", "1.0"))
    with pytest.raises(GitError) as caught:
        make_builder(tmp_path / "cache").metadata(f"git+{repo.as_uri()}@nope")
    message = str(caught.value)
    assert "'nope'" in message or '"nope"' in message
    assert "branch refs/heads/nope" in message
    assert "tag refs/tags/nope" in message
    assert caught.value.command is None, "no command failed: the rev names nothing"


def test_a_failed_command_is_named_with_its_exit_code_and_stderr(
    tmp_path: Path, make_builder: Callable[..., Any]
) -> None:
    not_a_repo = tmp_path / "plain"
    not_a_repo.mkdir()
    (not_a_repo / "README").write_text("not a repository\n")
    with pytest.raises(GitError) as caught:
        make_builder(tmp_path / "cache").metadata(f"git+{not_a_repo.as_uri()}@main")
    error = caught.value
    assert error.command is not None
    assert error.command.startswith("git ")
    assert not_a_repo.as_uri() in error.command
    assert isinstance(error.returncode, int)
    assert error.returncode != 0
    assert error.stderr is not None
    assert "repository" in error.stderr
    assert error.command in str(error)
    assert f"exit code {error.returncode}" in str(error)

    copy = pickle.loads(pickle.dumps(error))
    assert (type(copy), str(copy)) == (GitError, str(error))
    assert (copy.command, copy.returncode, copy.stderr) == (
        error.command,
        error.returncode,
        error.stderr,
    )


def test_credentials_never_reach_the_attributes(
    tmp_path: Path, make_builder: Callable[..., Any]
) -> None:
    url = "https://user:s3cret@127.0.0.1:1/repo.git"  # loopback, nothing listens: refused
    with pytest.raises(GitError) as caught:
        make_builder(tmp_path / "cache").metadata(f"git+{url}@main")
    error = caught.value
    assert error.command is not None
    assert "127.0.0.1:1" in error.command
    for text in (str(error), error.command or "", error.stderr or ""):
        assert "s3cret" not in text
