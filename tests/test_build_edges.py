"""Edges of the build side: what a source URL may say, backends that lack hooks or lie
about their wheel, descriptions that span lines, and installers kept to sdistill's
own configuration."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest
import sdistill
from sdistill import BuildError, InvalidSourceError, MetadataMismatchError

# A backend with only build_wheel, which writes a wheel of `NAME` version `WHEEL` whose
# METADATA says version `META` (set per test in the file itself).
_BACKEND = """
import base64, hashlib, os, zipfile
NAME, WHEEL, META = "sdt-lying", "{wheel}", "{meta}"

def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    dist = f"sdt_lying-{{WHEEL}}"
    filename = f"{{dist}}-py3-none-any.whl"
    metadata = f"Metadata-Version: 2.1\\nName: {{NAME}}\\nVersion: {{META}}\\n"
    wheel = "Wheel-Version: 1.0\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"
    files = {{f"{{dist}}.dist-info/METADATA": metadata, f"{{dist}}.dist-info/WHEEL": wheel}}
    record = []
    with zipfile.ZipFile(os.path.join(wheel_directory, filename), "w") as zf:
        for path, text in files.items():
            zf.writestr(path, text)
            digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=")
            record.append(f"{{path}},sha256={{digest.decode()}},{{len(text)}}")
        record.append(f"{{dist}}.dist-info/RECORD,,")
        zf.writestr(f"{{dist}}.dist-info/RECORD", "\\n".join(record) + "\\n")
    return filename
"""


def _lying_project(root: Path, wheel: str, meta: str) -> Path:
    (root / "backend").mkdir(parents=True)
    (root / "backend" / "lying.py").write_text(_BACKEND.format(wheel=wheel, meta=meta))
    (root / "pyproject.toml").write_text(
        '[build-system]\nrequires = []\nbuild-backend = "lying"\nbackend-path = ["backend"]\n'
    )
    return root


def test_a_wheel_that_contradicts_its_metadata_never_enters_the_cache(tmp_path: Path) -> None:
    project = _lying_project(tmp_path / "p", wheel="1.0", meta="2.0")
    builder = sdistill.SourceDistBuilder(cache_dir=tmp_path / "cache", build_isolation=False)
    for _ in range(2):  # refused again, not served from the cache the second time
        with pytest.raises(MetadataMismatchError, match="does not match its METADATA"):
            builder.build(project)
    assert not list((tmp_path / "cache").rglob("*.whl"))


def test_a_backend_without_build_editable_is_a_build_error(tmp_path: Path) -> None:
    project = _lying_project(tmp_path / "p", wheel="1.0", meta="1.0")
    builder = sdistill.SourceDistBuilder(cache_dir=tmp_path / "cache", build_isolation=False)
    assert builder.build(project).filename == "sdt_lying-1.0-py3-none-any.whl"
    with pytest.raises(BuildError, match="build_editable is not provided") as caught:
        builder.build_editable(project)
    assert caught.value.hook == "build_editable"


def test_file_url_fragments(tmp_path: Path) -> None:
    (tmp_path / "mono" / "sub").mkdir(parents=True)
    url = (tmp_path / "mono").as_uri()
    inner = sdistill.Source.parse(f"{url}#subdirectory=sub")
    assert isinstance(inner, sdistill.LocalDirectorySource)
    assert inner.path == tmp_path / "mono" / "sub"
    for bad in ("#sha256=deadbeef", "#subdirectory=../..", "#subdirectory=missing"):
        with pytest.raises(InvalidSourceError):
            sdistill.Source.parse(url + bad)


def test_a_multi_line_description_keeps_the_record_whole(tmp_path: Path) -> None:
    project = tmp_path / "p"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        textwrap.dedent(
            '''
            [build-system]
            requires = ["hatchling"]
            build-backend = "hatchling.build"
            [project]
            name = "sdt-desc"
            version = "1.0"
            description = """first line
            second line"""
            requires-python = ">=3.8"
            dependencies = ["six>=1"]
            '''
        )
    )
    cache = tmp_path / "cache"
    for _ in range(2):  # computed, then read back from the cached record
        builder = sdistill.SourceDistBuilder(cache_dir=cache, no_build=True)
        metadata = builder.metadata(project)
        assert metadata.summary == "first line second line"
        assert [str(r) for r in metadata.requires_dist or []] == ["six>=1"]
        assert str(metadata.requires_python) == ">=3.8"


def test_installers_ignore_the_users_uv_and_pip_settings(
    tmp_path: Path, wheelhouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("setuptools<1\n")  # would make every setuptools unsatisfiable
    monkeypatch.setenv("UV_CONSTRAINT", str(constraints))
    monkeypatch.setenv("PIP_CONSTRAINT", str(constraints))
    project = tmp_path / "p"
    project.mkdir()
    (project / "setup.py").write_text(
        'from setuptools import setup\nsetup(name="sdt-iso", version="1.0")\n'
    )
    for installer in ("uv", "pip"):
        builder = sdistill.SourceDistBuilder(
            cache_dir=tmp_path / f"cache-{installer}",
            index_url=None,
            find_links=[wheelhouse],
            installer=installer,
        )
        assert builder.build(project).filename == "sdt_iso-1.0-py3-none-any.whl"
    assert os.environ["UV_CONSTRAINT"] == str(constraints)


def test_environment_creation_is_reported(tmp_path: Path, wheelhouse: Path) -> None:
    class Recorder(sdistill.NullReporter):
        def __init__(self) -> None:
            self.started: list[str] = []
            self.finished: list[str] = []

        def on_build_start(self, source: sdistill.Source, hook: str) -> None:
            self.started.append(hook)

        def on_build_finish(self, source: sdistill.Source, hook: str, seconds: float) -> None:
            self.finished.append(hook)

    project = tmp_path / "p"
    project.mkdir()
    (project / "setup.py").write_text('from setuptools import setup\nsetup(name="sdt-rep")\n')
    recorder = Recorder()
    builder = sdistill.SourceDistBuilder(
        cache_dir=tmp_path / "cache", index_url=None, find_links=[wheelhouse], reporter=recorder
    )
    builder.metadata(project)
    assert recorder.started[0] == "environment"
    assert sorted(recorder.started) == sorted(recorder.finished)
