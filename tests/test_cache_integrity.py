"""Every cached record is checked before use: a damaged one is a miss that is healed.

For each record kind a builder reads back -- ``METADATA`` (sealed by its ``answer``), the
``answer`` itself, a revision's ``stamp``, a built wheel and the record of its sha256
(``<wheel>.seal``) -- the record is damaged in several ways, and then:

- a read without the shard lock (the test holds it, so the call stops at the lock)
  returns nothing damaged and changes no file of the shard, neither bytes nor mtime;
- ``SourceDistBuilder.metadata()``/``.build()`` and the command line answer right, with
  a warning that names the damaged record, and the record is made again (healed);
- the next call is served from the healed cache.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any, Callable

import pytest
import sdistill
from conftest import HookLog
from sdistill import _core, records
from sdistill.build.wheels import read_wheel_metadata
from sdistill.errors import CacheError
from test_builder import live_revision, shard_of
from test_warm_cli import built_sdist, settings_dir, static_sdist

slow = pytest.mark.slow

GARBAGE = b"\x00\xff\x13 not a record at all \xfe\x00" * 8


def _truncate(data: bytes) -> bytes:
    # The case of the report: METADATA cut just before a requirement.
    cut = data.find(b"Requires-Dist: six")
    return data[:cut] if cut > 0 else data[: len(data) // 2]


def _flip(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :]


def _letter(data: bytes) -> bytes:
    """One letter changed: of a requirement where there is one, else the last letter."""
    if b"six>=" in data:
        return data.replace(b"six>=", b"sux>=", 1)
    found = list(re.finditer(rb"[a-z]", data))
    assert found, data
    at = found[-1].start()
    return data[:at] + (b"b" if data[at : at + 1] == b"a" else b"a") + data[at + 1 :]


def _letter_in_wheel(path: Path) -> bytes:
    """The wheel made again, whole and valid, with one requirement's letter changed."""
    changed = path.with_name("changed.zip")
    with zipfile.ZipFile(path) as old, zipfile.ZipFile(changed, "w") as new:
        for info in old.infolist():
            data = old.read(info)
            if info.filename.endswith(".dist-info/METADATA"):
                assert b"six>=" in data
                data = data.replace(b"six>=", b"sux>=", 1)
            new.writestr(info, data)
    data = changed.read_bytes()
    changed.unlink()
    return data


DAMAGES: dict[str, Callable[[bytes], bytes]] = {
    "truncated": _truncate,
    "flipped-byte": _flip,
    "one-letter": _letter,
    "empty": lambda _: b"",
    "garbage": lambda _: GARBAGE,
}


def damage(path: Path, how: str) -> bytes:
    """Damages the file at ``path``; returns the damaged bytes."""
    if how == "one-letter" and path.suffix == ".whl":
        data = _letter_in_wheel(path)
    else:
        data = DAMAGES[how](path.read_bytes())
    assert data != path.read_bytes()
    path.write_bytes(data)
    return data


def snapshot(directory: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under ``directory``: its bytes and its mtime (ns)."""
    return {
        str(p.relative_to(directory)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def warnings_naming(caplog: pytest.LogCaptureFixture, path: Path) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "sdistill"
        and r.levelno == logging.WARNING
        and "damaged" in r.getMessage()
        and str(path) in r.getMessage()
    ]


def lock_free_read_only(
    cache: Path, shard: Path, call: Callable[[], object], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``call()`` while the test holds the shard lock: whatever it reads without the lock
    is not served (it ends at the lock), and it writes nothing."""
    before = snapshot(shard)
    monkeypatch.setenv("SDISTILL_LOCK_TIMEOUT", "0.2")
    with sdistill.Cache(cache).lock(shard), pytest.raises(CacheError, match="timed out"):
        call()
    monkeypatch.delenv("SDISTILL_LOCK_TIMEOUT")
    assert snapshot(shard) == before


class Command:
    """The real ``sdistill`` command line on one cache, offline."""

    def __init__(self, cache: Path, wheelhouse: Path, work: Path) -> None:
        self.cache, self.wheelhouse, self.work = cache, wheelhouse, work

    def __call__(
        self, command: str, *args: str | os.PathLike[str], **env: str
    ) -> subprocess.CompletedProcess[str]:
        environ = {k: v for k, v in os.environ.items() if k != "SDISTILL_LOCK_TIMEOUT"}
        environ.update(env)
        argv = [sys.executable, "-m", "sdistill", "--cache-dir", str(self.cache), command]
        argv += ["--no-index", "--find-links", str(self.wheelhouse), *map(os.fspath, args)]
        return subprocess.run(
            argv,
            env=environ,
            cwd=self.work,
            capture_output=True,
            text=True,
            timeout=240,
            check=False,
        )


@pytest.fixture
def command(wheelhouse: Path, shared_cache_dir: Path, tmp_path: Path) -> Command:
    work = tmp_path / "work"
    work.mkdir()
    return Command(shared_cache_dir, wheelhouse, work)


# ---------------------------------------------------------------------- metadata records


def _record_path(cache: Path, archive: Path, kind: str) -> Path:
    if kind == "stamp":
        shard = shard_of(cache, archive)
        return shard / live_revision(shard) / "stamp"
    return settings_dir(cache, archive) / kind


@pytest.mark.parametrize("how", list(DAMAGES))
@pytest.mark.parametrize("kind", ["METADATA", "answer", "stamp"])
def test_damaged_metadata_records_are_never_served_and_heal(
    kind: str,
    how: str,
    make_builder: Callable[..., Any],
    shared_cache_dir: Path,
    command: Command,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cache = shared_cache_dir
    archive = static_sdist(tmp_path)
    shard = shard_of(cache, archive)
    good = make_builder().metadata(archive)
    assert next(str(r) for r in good.requires_dist or []) == "six>=1.16"
    printed = command("metadata", archive)
    assert printed.returncode == 0, printed.stderr
    assert "six>=1.16" in printed.stdout
    record = _record_path(cache, archive, kind)
    good_bytes = record.read_bytes()

    # The library: the lock-free read never writes, then the locked path heals.
    damage(record, how)
    lock_free_read_only(cache, shard, lambda: make_builder().metadata(archive), monkeypatch)
    caplog.set_level(logging.WARNING, logger="sdistill")
    healed = make_builder().metadata(archive)
    assert healed.requires_dist == good.requires_dist
    assert warnings_naming(caplog, record.parent), caplog.text
    healed_record = _record_path(cache, archive, kind)
    assert healed_record.read_bytes().startswith(good_bytes[:17])
    if kind != "stamp":
        assert healed_record.read_bytes() == good_bytes
    assert records.read_record(settings_dir(cache, archive)).status == "ok"

    # The command line: the warm path declines, the builder answers right and heals.
    damaged = damage(_record_path(cache, archive, kind), how)
    answered = command("metadata", archive)
    assert answered.returncode == 0, answered.stderr
    assert answered.stdout == printed.stdout
    assert "sux" not in answered.stdout
    assert "damaged cache record" in answered.stderr, answered.stderr
    assert _record_path(cache, archive, kind).read_bytes() != damaged
    again = command("metadata", archive)
    assert (again.returncode, again.stdout, again.stderr) == (0, printed.stdout, "")


def test_command_line_lock_free_read_writes_nothing(
    make_builder: Callable[..., Any],
    shared_cache_dir: Path,
    command: Command,
    tmp_path: Path,
) -> None:
    """A damaged METADATA record: the command line's lock-free reads (warm path, then
    the builder's) serve nothing and change no file while another process holds the
    shard lock."""
    archive = static_sdist(tmp_path)
    make_builder().metadata(archive)
    shard = shard_of(shared_cache_dir, archive)
    damage(settings_dir(shared_cache_dir, archive) / "METADATA", "one-letter")
    before = snapshot(shard)
    with sdistill.Cache(shared_cache_dir).lock(shard):
        run = command("metadata", archive, SDISTILL_LOCK_TIMEOUT="0.2")
    assert run.returncode == 1, run.stdout
    assert run.stdout == ""
    assert "timed out" in run.stderr
    assert snapshot(shard) == before


# ---------------------------------------------------------------------------- wheels


@slow
@pytest.mark.parametrize("how", list(DAMAGES))
@pytest.mark.parametrize("kind", ["wheel", "wheel-record", "METADATA"])
def test_damaged_wheels_are_never_served_and_rebuilt(
    kind: str,
    how: str,
    make_builder: Callable[..., Any],
    shared_cache_dir: Path,
    command: Command,
    hook_log: HookLog,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cache = shared_cache_dir
    archive = built_sdist("in-tree-backend", "sdt_in_tree-5.0.0", tmp_path)
    shard = shard_of(cache, archive)
    built = make_builder().build(archive)
    assert _core.check_wheel(built.path).status == "ok"

    def target() -> Path:
        if kind == "wheel":
            return built.path
        if kind == "wheel-record":
            return Path(_core.wheel_seal(built.path))
        return settings_dir(cache, archive) / "METADATA"

    damage(target(), how)
    lock_free_read_only(cache, shard, lambda: make_builder().build(archive), monkeypatch)

    caplog.set_level(logging.WARNING, logger="sdistill")
    mark = len(hook_log)
    again = make_builder().build(archive)
    assert warnings_naming(caplog, target().parent), caplog.text
    assert again.filename == built.filename
    assert _core.check_wheel(again.path).status == "ok"
    metadata, _ = read_wheel_metadata(again.path)
    assert next(str(r) for r in metadata.requires_dist or []) == "six>=1.16"
    assert again.metadata.requires_dist == built.metadata.requires_dist
    # A damaged wheel is built again; a damaged METADATA beside a sound wheel is
    # recorded again from the wheel.
    rebuilt = "build_wheel" in hook_log.since(mark)
    assert rebuilt == (kind != "METADATA"), hook_log.since(mark)
    assert records.read_record(settings_dir(cache, archive)).status == "ok"
    mark = len(hook_log)
    assert make_builder().build(archive).path == again.path
    assert hook_log.since(mark) == []

    # The command line hands out only a sound wheel, and says what it healed.
    damage(target(), how)
    out = tmp_path / "out"
    run = command("build", archive, "-o", out)
    assert run.returncode == 0, run.stderr
    assert "damaged cache record" in run.stderr, run.stderr
    (wheel,) = out.glob("*.whl")
    metadata, _ = read_wheel_metadata(wheel)
    assert next(str(r) for r in metadata.requires_dist or []) == "six>=1.16"
    assert _core.check_wheel(built.path).status == "ok"
