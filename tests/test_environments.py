"""Build environments are shared by requirement sets the same installation satisfies."""

from __future__ import annotations

import json
from pathlib import Path

import sdistill

_SETUP = 'from setuptools import setup\nsetup(name="{name}", version="1.0")\n'


def _project(root: Path, name: str, requires: list[str]) -> Path:
    root.mkdir(parents=True)
    quoted = ", ".join(json.dumps(r) for r in requires)
    (root / "pyproject.toml").write_text(
        f'[build-system]\nrequires = [{quoted}]\nbuild-backend = "setuptools.build_meta"\n'
    )
    (root / "setup.py").write_text(_SETUP.format(name=name))
    return root


def _environments(cache: Path) -> list[Path]:
    return sorted(p for p in (cache / "environments-v1").iterdir() if p.is_dir())


def test_equivalent_requirement_sets_share_one_environment(
    tmp_path: Path, wheelhouse: Path
) -> None:
    cache = tmp_path / "cache"
    builder = sdistill.SourceDistBuilder(cache_dir=cache, index_url=None, find_links=[wheelhouse])
    first = _project(tmp_path / "a", "sdt-env-a", ["setuptools"])
    second = _project(tmp_path / "b", "sdt-env-b", ["setuptools>=40.8.0"])
    assert builder.build(first).filename == "sdt_env_a-1.0-py3-none-any.whl"
    assert len(_environments(cache)) == 1
    record = json.loads((_environments(cache)[0] / ".sdistill-complete").read_text())
    assert "setuptools" in record["installed"]
    assert builder.build(second).filename == "sdt_env_b-1.0-py3-none-any.whl"
    assert len(_environments(cache)) == 1, "setuptools>=40.8.0 is met by the first environment"


def test_a_set_with_another_project_gets_its_own_environment(
    tmp_path: Path, wheelhouse: Path
) -> None:
    cache = tmp_path / "cache"
    builder = sdistill.SourceDistBuilder(cache_dir=cache, index_url=None, find_links=[wheelhouse])
    builder.build(_project(tmp_path / "a", "sdt-env-a", ["setuptools"]))
    # wheel is not in the first environment: reusing it would not be isolation.
    with_wheel = _project(tmp_path / "c", "sdt-env-c", ["setuptools", "wheel"])
    builder.build(with_wheel)
    assert len(_environments(cache)) == 2, "a set with another project is not reused"
