"""Every sdistill error survives ``pickle``: its class, message and attributes.

A worker of a distributed run sends failures back pickled; an error whose constructor
takes keyword-only arguments (``HashMismatchError``) used to fail to unpickle.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
import sdistill
from sdistill import errors

# Attributes to give each class that has some (the others take a message only).
ATTRIBUTES: dict[str, dict[str, object]] = {
    "NetworkError": {"url": "https://example.org/simple/six/", "status": 503, "retries": 3},
    "HashMismatchError": {
        "algorithm": "sha256",
        "expected": "ab" * 32,
        "actual": "cd" * 32,
        "source": "https://example.org/six-1.16.0.tar.gz",
    },
    "ArchiveError": {"archive": "/tmp/a.tar.gz", "member": "a/setup.py"},
    "UnsafeArchiveError": {"archive": "/tmp/a.tar.gz", "member": "../escape"},
    "UnsupportedArchiveError": {"archive": "/tmp/a.rar", "member": None},
    "BuildError": {
        "backend": "setuptools.build_meta",
        "hook": "prepare_metadata_for_build_wheel",
        "exit_code": 1,
        "output_tail": ("line one", "line two"),
    },
    "CacheError": {"path": "/cache/sdists-v1/x.lock"},
}


def round_trip(error: BaseException) -> BaseException:
    return pickle.loads(pickle.dumps(error))


def state(error: BaseException) -> tuple[object, ...]:
    return (type(error), error.args, str(error), vars(error))


@pytest.mark.parametrize("name", errors.__all__)
def test_every_error_round_trips(name: str) -> None:
    cls = getattr(errors, name)
    error = cls(f"{name}: something went wrong", **ATTRIBUTES.get(name, {}))
    for key, value in ATTRIBUTES.get(name, {}).items():
        assert getattr(error, key) == value
    copy = round_trip(error)
    assert state(copy) == state(error)
    assert isinstance(copy, errors.SdistillError)


@pytest.mark.parametrize("name", errors.__all__)
def test_defaults_round_trip(name: str) -> None:
    required = {"algorithm": "sha256", "expected": "a", "actual": "b"}
    keywords = required if name == "HashMismatchError" else {}
    error = getattr(errors, name)("only a message", **keywords)
    assert state(round_trip(error)) == state(error)


def test_every_protocol() -> None:
    error = errors.HashMismatchError("bad", algorithm="sha256", expected="a", actual="b")
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        copy = pickle.loads(pickle.dumps(error, protocol))
        assert state(copy) == state(error)


def test_notes_and_added_attributes_round_trip() -> None:
    error = errors.NetworkError("down", url="https://example.org/", status=500)
    error.extra = "kept"  # type: ignore[attr-defined]
    error.__notes__ = ["a note"]
    copy = round_trip(error)
    assert copy.extra == "kept"  # type: ignore[attr-defined]
    assert copy.__notes__ == ["a note"]


def test_still_caught_as_value_error() -> None:
    copy = round_trip(errors.InvalidSourceError("not a source"))
    assert isinstance(copy, ValueError)


def test_error_raised_by_the_core_round_trips(tmp_path: Path) -> None:
    archive = tmp_path / "not-an-archive.tar.gz"
    archive.write_bytes(b"plain text, no archive here\n" * 4)
    with pytest.raises(errors.ArchiveError) as info:
        sdistill.extract(archive, tmp_path / "out")
    copy = round_trip(info.value)
    assert state(copy) == state(info.value)
    assert copy.archive == info.value.archive  # type: ignore[attr-defined]


def test_error_with_cause_keeps_itself() -> None:
    try:
        try:
            raise OSError("underlying")
        except OSError as err:
            raise errors.CacheError("lock timed out", path="/x.lock") from err
    except errors.CacheError as err:
        error = err
    copy = round_trip(error)
    # A traceback and a cause are not pickled (as for every exception); the rest is.
    assert state(copy) == state(error)
    assert copy.__cause__ is None
