"""Cached answers found cheaply: what a warm ``sdistill metadata`` needs, and nothing more.

The lookup itself is native (``rust/sdistill-core/src/lookup/mod.rs`` explains the
shard, stamps and sealed answer records); this module is its Python face, importable
without ``packaging``, ``pyproject_hooks``, ``json`` or the builder. The builder makes
what the warm path reads with these same functions -- file URLs, stamps (``_core.
local_stamp``), answers -- so the two cannot disagree; the cache's paths come from the
core (``cache/names.rs``). Every record read back is sealed (a digest over its exact
bytes) and checked before use; the builder reads ``METADATA`` only through
``read_record``, which checks it against the answer's seal.
"""

from __future__ import annotations

from sdistill import _core

# Not `from typing import TYPE_CHECKING`: typing alone costs a warm run milliseconds (and
# `collections.abc` a few more).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Any

    from packaging.metadata import Metadata

__all__ = [
    "DEFAULT_INDEX_URL",
    "file_url",
    "json_list",
    "metadata_json",
    "metadata_text",
    "read_answer",
    "read_record",
    "read_sealed",
    "read_stamp",
    "render_answer",
    "render_sealed",
    "render_stamp",
    "settings_key",
    "warm_answers",
]

file_url = _core.file_url
render_answer = _core.render_answer
read_answer = _core.read_answer
#: ``SealedRead(status, METADATA text)``: the record of a settings directory, trusted only when
#: its answer's seal vouches for it (status ``ok``; else ``missing``, ``old`` or
#: ``damaged`` with what is wrong).
read_record = _core.read_record
render_stamp = _core.render_stamp
#: Any other small record, sealed: ``render_sealed(kind, body)`` is the file's text,
#: ``read_sealed(kind, data)`` gives a ``SealedRead(status, body)`` as ``read_record`` does.
render_sealed = _core.render_sealed
read_sealed = _core.read_sealed
read_stamp = _core.read_stamp
warm_answers = _core.warm_answers

_NO_SETTINGS = "cfg-" + _core.key_digest("{}")

#: The package index used when none is given.
DEFAULT_INDEX_URL = "https://pypi.org/simple"


def settings_key(config_settings: Mapping[str, Any], build_inputs: Sequence[str] = ()) -> str:
    """The directory of a revision that holds the answers made with these config
    settings and these other inputs of the build (build constraints, extra build
    dependencies: they may change what a backend answers)."""
    if not config_settings and not build_inputs:
        return _NO_SETTINGS
    import json  # noqa: PLC0415 (a warm run without settings does not need it)

    if not build_inputs:
        text = json.dumps(dict(config_settings), sort_keys=True, default=str)
    else:
        data = {"config-settings": dict(config_settings), "build-inputs": sorted(build_inputs)}
        text = json.dumps(data, sort_keys=True, default=str)
    return "cfg-" + _core.key_digest(text)


def json_list(items: list[str]) -> str:
    """``json.dumps(list, indent=2)`` of objects already dumped with ``indent=2``."""
    if not items:
        return "[]"
    inner = ",\n".join("\n".join("  " + line for line in item.split("\n")) for item in items)
    return "[\n" + inner + "\n]"


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
