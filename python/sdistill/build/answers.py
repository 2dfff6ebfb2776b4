"""The answers recorded under a revision: ``METADATA``, its sealed ``answer``, wheels.

``<revision>/<settings>/`` (paths from the core: ``_core.Revision.answers``) holds what
was made from the revision with one set of build settings: the ``METADATA`` record,
the ``answer`` (the two printed forms of the metadata and whether it has the name and
version the source's file name states, sealed with a digest over ``METADATA`` and
itself: ``sdistill.records``) and ``wheels/``, each wheel with its ``.seal`` (size and
sha256, written before the wheel is renamed in).

Reading never writes: a record that fails its seal is a miss, reported (``sdistill``
logger, naming the record) only when the caller holds the shard lock and is about to
make it again. Writing happens only under that lock, one atomic file at a time.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from packaging.metadata import Metadata

from sdistill import _core, records
from sdistill.build.wheels import BuiltWheel, compatible_wheel, parse_record
from sdistill.cache import Cache

__all__ = ["damaged", "read_metadata", "read_wheel", "remove_wheel", "write_metadata"]

_log = logging.getLogger("sdistill")


def damaged(path: str | Path, why: str) -> None:
    """Reports a damaged record that is about to be made again."""
    _log.warning("damaged cache record %s (%s): it is made again", path, why)


def read_metadata(answers: _core.Answers, locked: bool) -> Metadata | None:
    """The recorded metadata, if its answer's seal vouches for it; else ``None``
    (reported when ``locked``)."""
    read = records.read_record(answers.path)
    metadata = parse_record(read.value) if read.status == "ok" else None
    if read.status == "ok" and metadata is None:
        if locked:
            damaged(answers.record, "the sealed record does not parse")
    elif read.status == "damaged" and locked:
        damaged(answers.record, f"{read.value}, checked with its answer")
    return metadata


def read_wheel(answers: _core.Answers, locked: bool) -> BuiltWheel | None:
    """The cached wheel, if it is the one recorded when it entered the cache (size and
    sha256) and its metadata record is sound; else ``None`` (reported when ``locked``)."""
    wheel = compatible_wheel(Path(answers.wheels))
    if wheel is None:
        return None
    check = _core.check_wheel(wheel)
    if check.status != "ok":
        if locked and check.status == "damaged":
            damaged(wheel, check.value)
        return None
    metadata = read_metadata(answers, locked)
    return None if metadata is None else BuiltWheel(wheel, wheel.name, metadata)


def write_metadata(
    cache: Cache, answers: _core.Answers, text: str, metadata: Metadata, identity: str
) -> None:
    """Records ``METADATA`` and its answer (``identity``: what the source's file name
    says of it, ``Source.file_name_identity``). Call it holding the shard lock."""
    cache.write_atomic(answers.record, text.encode("utf-8"))
    data = records.metadata_json(metadata)
    answer = records.render_answer(
        text, identity, json.dumps(data, indent=2), records.metadata_text(data)
    )
    cache.write_atomic(answers.answer, answer.encode("utf-8"))


def remove_wheel(wheel: Path) -> None:
    """A cached wheel and its seal (with the shard locked)."""
    wheel.unlink(missing_ok=True)
    Path(_core.wheel_seal(wheel)).unlink(missing_ok=True)
