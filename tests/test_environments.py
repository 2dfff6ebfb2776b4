"""Build environments are shared by requirement sets the same installation satisfies."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from typing import Any

import pytest
import sdistill
from sdistill import records

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


def mark_of(environment: Path) -> dict[str, Any]:
    """The record an environment's sealed mark holds (its seal checked)."""
    data = (environment / ".sdistill-complete").read_bytes()
    read = records.read_sealed(f"environment {environment.name}", data)
    status, body = read.status, read.value
    assert status == "ok", body
    record: dict[str, Any] = json.loads(body)
    return record


def test_equivalent_requirement_sets_share_one_environment(
    tmp_path: Path, wheelhouse: Path
) -> None:
    cache = tmp_path / "cache"
    builder = sdistill.SourceDistBuilder(cache_dir=cache, index_url=None, find_links=[wheelhouse])
    first = _project(tmp_path / "a", "sdt-env-a", ["setuptools"])
    second = _project(tmp_path / "b", "sdt-env-b", ["setuptools>=40.8.0"])
    assert builder.build(first).filename == "sdt_env_a-1.0-py3-none-any.whl"
    assert len(_environments(cache)) == 1
    record = mark_of(_environments(cache)[0])
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


@pytest.mark.parametrize("damage", ["flip", "truncate", "copied", "garbage"])
def test_a_damaged_mark_is_never_trusted(
    tmp_path: Path, wheelhouse: Path, damage: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The mark says an environment is complete and what it holds: one that its seal
    does not vouch for is a miss, and the environment is made again, with a warning."""
    cache = tmp_path / "cache"

    def build(name: str, requires: list[str]) -> None:
        builder = sdistill.SourceDistBuilder(
            cache_dir=cache, index_url=None, find_links=[wheelhouse]
        )
        builder.build(_project(tmp_path / name, f"sdt-env-{name}", requires))

    build("a", ["setuptools"])
    build("w", ["setuptools", "wheel"])
    by_set = {tuple(mark_of(e)["requirements"]): e for e in _environments(cache)}
    target, other = by_set[("setuptools",)], by_set[("setuptools", "wheel")]
    mark = target / ".sdistill-complete"
    data = mark.read_bytes()
    if damage == "flip":
        at = data.index(b'"setuptools"')
        mark.write_bytes(data[:at] + b'"setuptoolz"' + data[at + 12 :])
    elif damage == "truncate":
        mark.write_bytes(data[: len(data) // 2])
    elif damage == "copied":
        shutil.copyfile(other / ".sdistill-complete", mark)
    else:
        mark.write_bytes(b"\x00garbage")
    damaged = mark.read_bytes()

    # Asked for again, it is made again, with a warning naming it.
    with caplog.at_level(logging.WARNING, logger="sdistill"):
        build("b", ["setuptools"])
    assert any(str(target) in r.getMessage() for r in caplog.records), caplog.text
    assert mark.read_bytes() != damaged
    assert mark_of(target)["requirements"] == ["setuptools"]
    assert len(_environments(cache)) == 2


def test_an_equivalent_set_never_reuses_an_environment_with_a_damaged_mark(
    tmp_path: Path, wheelhouse: Path
) -> None:
    cache = tmp_path / "cache"
    builder = sdistill.SourceDistBuilder(cache_dir=cache, index_url=None, find_links=[wheelhouse])
    builder.build(_project(tmp_path / "a", "sdt-env-a", ["setuptools"]))
    (env,) = _environments(cache)
    mark = env / ".sdistill-complete"
    damaged = mark.read_bytes().replace(b'"setuptools"', b'"setuptoolz"')
    mark.write_bytes(damaged)
    builder.build(_project(tmp_path / "b", "sdt-env-b", ["setuptools>=40.8.0"]))
    assert len(_environments(cache)) == 2, "the equivalent set got an environment of its own"
    assert mark.read_bytes() == damaged, "a look that does not trust a mark leaves it be"
