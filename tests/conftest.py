"""Shared fixtures: the local wheelhouse, test projects, builders and the hook log.

The build tests never touch the network: every ``SourceDistBuilder`` they make has
``index_url=None`` and ``find_links=[wheelhouse]``, the directory
``tests/fixtures/wheelhouse.py`` fills once from ``tests/fixtures/wheelhouse.txt``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any, Callable

import pytest

PROJECTS = Path(__file__).resolve().parent / "projects"
HOOK_LOG_VAR = "SDISTILL_TEST_HOOK_LOG"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "slow: runs real PEP 517 builds in real build environments (seconds each)"
    )


@pytest.fixture(scope="session")
def wheelhouse() -> Path:
    """The local wheelhouse every build environment installs from (filled if missing)."""
    from fixtures import wheelhouse as wh

    if not wh.is_complete():
        try:
            wh.ensure(quiet=True)
        except (RuntimeError, OSError) as e:
            pytest.skip(f"no local wheelhouse ({e}); run python tests/fixtures/wheelhouse.py")
    return wh.wheelhouse_dir()


@pytest.fixture(scope="session")
def shared_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache for tests that do not inspect the cache, so build environments are shared."""
    return tmp_path_factory.mktemp("shared-cache")


def _ignore(directory: str, names: list[str]) -> set[str]:
    return {
        n
        for n in names
        if n in ("__pycache__", "build", "dist") or n.endswith((".egg-info", ".pyc"))
    }


@pytest.fixture
def copy_project(tmp_path: Path) -> Callable[..., Path]:
    """``copy_project(name, dest=None)``: a fresh copy of ``tests/projects/<name>``.

    Builds write into a project directory (``build/``, ``*.egg-info``) and some tests
    touch files, so the tests always work on copies.
    """

    def copy(name: str, dest: Path | None = None) -> Path:
        target = dest if dest is not None else tmp_path / "projects" / name
        shutil.copytree(PROJECTS / name, target, ignore=_ignore)
        return target

    return copy


@pytest.fixture(scope="session")
def corpus_find_links(wheelhouse: Path) -> list[Path]:
    """find-links of the test wheelhouse and the corpus one (setuptools-scm, hatch-vcs,
    an old setuptools, ...), filled if missing."""
    from fixtures import wheelhouse as wh

    if not wh.is_complete("corpus"):
        try:
            wh.ensure("corpus", quiet=True)
        except (RuntimeError, OSError) as e:
            pytest.skip(f"no corpus wheelhouse ({e}); run: make fixtures")
    return [wheelhouse, wh.wheelhouse_dir("corpus")]


@pytest.fixture
def make_builder(wheelhouse: Path, shared_cache_dir: Path) -> Callable[..., Any]:
    """``make_builder(cache_dir=None, **options)``: an offline ``SourceDistBuilder``."""
    from sdistill import SourceDistBuilder

    def make(cache_dir: Path | None = None, **options: Any) -> Any:
        options.setdefault("index_url", None)
        options.setdefault("find_links", [wheelhouse])
        return SourceDistBuilder(
            cache_dir=cache_dir if cache_dir is not None else shared_cache_dir, **options
        )

    return make


class HookLog:
    """The hooks the in-tree test backend (``tests/projects/in-tree-backend``) ran."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def entries(self) -> list[dict[str, Any]]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        return [json.loads(line) for line in text.splitlines() if line.strip()]

    def hooks(self) -> list[str]:
        return [e["hook"] for e in self.entries()]

    def count(self, hook: str) -> int:
        return self.hooks().count(hook)

    def __len__(self) -> int:
        return len(self.entries())

    def since(self, mark: int) -> list[str]:
        """Hook names logged after the first ``mark`` entries."""
        return self.hooks()[mark:]


@pytest.fixture
def hook_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> HookLog:
    """Points ``$SDISTILL_TEST_HOOK_LOG`` at a fresh file for this test."""
    path = tmp_path / "hooks.log"
    monkeypatch.setenv(HOOK_LOG_VAR, str(path))
    return HookLog(path)
