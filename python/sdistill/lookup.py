"""Cached answers found cheaply: what a warm ``sdistill metadata`` needs, and nothing more.

A warm run of the command line is dominated by interpreter start and imports, not by
the cache (a hit is a handful of small file reads). So the pieces of a lookup live
here, importable without ``packaging``, ``pyproject_hooks`` or the builder, and the
builder uses the same pieces, so the two cannot disagree:

- the root of the cache (``default_cache_dir``);
- the URL of a local path (``file_url``, exactly ``Path.as_uri()`` on POSIX), whose
  digest names the shard;
- the *stamp* of a local source: an archive's modification time and size, or a
  directory's newest modification time of ``pyproject.toml``, ``setup.py``,
  ``setup.cfg`` and the ``[tool.sdistill] cache-keys`` files;
- the *answer* record: next to each ``METADATA`` record the builder keeps
  ``answer.json``, the metadata in the JSON form the command line prints, sealed with
  a digest of the record it was made from and of itself. A seal that does not match (a
  damaged or replaced record or answer) makes the lookup a miss, and the builder heals
  both.

``warm_metadata`` answers a plain local path from the live revision of its shard, or
returns ``None`` whenever anything is unusual (a spec that is not a plain path, a
directory with cache keys, an answer whose name or version does not visibly match the
file name): the builder then takes the normal road, which decides properly.
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Mapping
from urllib.parse import quote_from_bytes

from sdistill import _core

# Not `from typing import TYPE_CHECKING`: typing alone costs a warm run milliseconds.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from packaging.metadata import Metadata

__all__ = [
    "ANSWER",
    "KEY_FILES",
    "archive_stamp",
    "default_cache_dir",
    "directory_stamp",
    "file_url",
    "metadata_json",
    "metadata_text",
    "read_answer",
    "seal",
    "settings_key",
    "warm_metadata",
]

#: The answer record's file name, beside ``METADATA``.
ANSWER = "answer.json"
#: The files whose modification times stamp a project directory.
KEY_FILES = ("pyproject.toml", "setup.py", "setup.cfg")
_STAMP = "stamp"
_ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar.zst", ".tar", ".zip")


def default_cache_dir() -> str:
    """The cache root used when none is given: ``SDISTILL_CACHE_DIR`` or the user cache dir."""
    env = os.environ.get("SDISTILL_CACHE_DIR")
    if env:
        return os.path.expanduser(env)
    import platformdirs  # noqa: PLC0415 (only when the root is not given)

    return platformdirs.user_cache_dir("sdistill", appauthor=False)


def file_url(path: str) -> str:
    """The ``file://`` URL of an absolute path, as ``pathlib.Path.as_uri`` spells it."""
    return "file://" + quote_from_bytes(os.fsencode(path))


def archive_stamp(st: os.stat_result) -> str:
    """The stamp of an archive file from its ``stat``."""
    return f"archive mtime_ns={st.st_mtime_ns} size={st.st_size}\n"


def directory_stamp(newest_mtime_ns: int) -> str:
    """The stamp of a directory from the newest modification time of its key files."""
    return f"directory newest_mtime_ns={newest_mtime_ns}\n"


def settings_key(config_settings: Mapping[str, Any]) -> str:
    """The directory of a revision that holds the answers for these config settings."""
    return "cfg-" + _core.key_digest(json.dumps(dict(config_settings), sort_keys=True, default=str))


def seal(record: str, metadata: Mapping[str, Any]) -> str:
    """What ties an answer to the ``METADATA`` record it was made from, and to itself."""
    body = json.dumps(metadata, sort_keys=True)
    return _core.key_digest(f"answer\n{len(record)}\n{record}\n{body}")


def metadata_json(metadata: Metadata) -> dict[str, Any]:
    """The JSON form of core metadata (PEP 566: lower-case keys, lists for multiple uses)
    for the fields a resolver reads."""
    data: dict[str, Any] = {
        "metadata_version": metadata.metadata_version,
        "name": metadata.name,
        "version": str(metadata.version),
    }
    if metadata.summary:
        data["summary"] = metadata.summary
    if metadata.requires_python is not None:
        data["requires_python"] = str(metadata.requires_python)
    data["requires_dist"] = [str(r) for r in metadata.requires_dist or []]
    data["provides_extra"] = [str(e) for e in metadata.provides_extra or []]
    return data


def metadata_text(data: dict[str, Any]) -> str:
    """The human form of ``metadata_json``'s output, as ``sdistill metadata`` prints it."""
    lines = [f"{data['name']} {data['version']}"]
    if data.get("requires_python") is not None:
        lines.append(f"  requires-python: {data['requires_python']}")
    lines += [f"  requires-dist: {r}" for r in data.get("requires_dist", [])]
    if data.get("provides_extra"):
        lines.append("  extras: " + ", ".join(data["provides_extra"]))
    return "\n".join(lines)


def read_answer(directory: str, record: str | None = None) -> dict[str, Any] | None:
    """The answer kept in ``directory`` if it is sealed to its ``METADATA`` record
    (read from there unless given), else ``None``."""
    try:
        if record is None:
            with open(os.path.join(directory, "METADATA"), encoding="utf-8") as file:
                record = file.read()
        with open(os.path.join(directory, ANSWER), encoding="utf-8") as file:
            answer = json.load(file)
    except (OSError, ValueError):
        return None
    if not isinstance(answer, dict):
        return None
    metadata = answer.get("metadata")
    if not isinstance(metadata, dict) or answer.get("seal") != seal(record, metadata):
        return None
    return metadata


def warm_metadata(layout: _core.CacheLayout, spec: str, settings_key: str) -> dict[str, Any] | None:
    """The cached answer for ``spec`` when it is a plain local path whose live revision
    still matches it; ``None`` means "ask the builder"."""
    if not spec or "://" in spec or "@" in spec:
        return None
    try:
        path = os.path.realpath(os.path.expanduser(spec))
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    is_archive = stat.S_ISREG(st.st_mode)
    if stat.S_ISDIR(st.st_mode):
        stamp = _directory_stamp_without_keys(path)
    elif is_archive:
        stamp = archive_stamp(st)
    else:
        return None
    if stamp is None:
        return None
    shard = layout.shard("sdists", ["path", _core.cache_digest(file_url(path))])
    revision = layout.read_revision(shard)
    if revision is None:
        return None
    live = os.path.join(shard, revision)
    try:
        with open(os.path.join(live, _STAMP), encoding="utf-8") as file:
            if file.read() != stamp:
                return None
    except (OSError, ValueError):
        return None
    answer = read_answer(os.path.join(live, settings_key))
    if answer is None or (is_archive and not _named(path, answer)):
        return None
    return answer


def _directory_stamp_without_keys(path: str) -> str | None:
    """A directory's stamp, unless its ``pyproject.toml`` may name cache keys (reading
    those needs a TOML parser: the builder does it). A key may hide behind a TOML
    escape (``"cache\\u002dkeys"``), so any ``\\u`` or ``\\U`` declines too."""
    newest = 0
    for name in KEY_FILES:
        try:
            if name == "pyproject.toml":
                with open(os.path.join(path, name), "rb") as file:
                    text = file.read()
                    if b"cache-keys" in text or b"\\u" in text or b"\\U" in text:
                        return None
            newest = max(newest, os.stat(os.path.join(path, name)).st_mtime_ns)
        except OSError:
            continue
    return directory_stamp(newest)


def _named(path: str, answer: dict[str, Any]) -> bool:
    """Whether an archive named ``name-version.ext`` visibly holds that name and version
    (anything less plain is left to the builder's checks)."""
    filename = os.path.basename(path)
    stem = next((filename[: -len(s)] for s in _ARCHIVE_SUFFIXES if filename.endswith(s)), None)
    if stem is None:
        return False
    name, _, version = stem.rpartition("-")
    return bool(name) and (
        _canonical(name) == _canonical(str(answer.get("name", "")))
        and version == answer.get("version")
    )


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()
