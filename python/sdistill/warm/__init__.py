"""Warm answers of ``sdistill metadata``, found in the cache without the build side.

A warm command line is mostly interpreter start and imports, so this package imports
neither ``packaging``, ``pyproject_hooks``, ``json`` nor ``typing``: local paths are
answered by the native lookup (``rust/sdistill-core/src/lookup``) with nothing else
loaded; registry specs by ``warm.registry`` (the page, the sdist's HTTP entry, the
sealed answer), which loads the HTTP client's Python face (``sdistill.http`` and
``sdistill.cache``: ``pathlib`` and ``dataclasses``, no ``packaging``). Anything that is
not a clean hit is ``None``, and the builder takes over -- it is the one that reports
errors and heals damaged records.
"""

from __future__ import annotations

import os

__all__ = ["answers"]


def answers(
    root: str, specs: list[str], settings: str, index_url: str | None, offline: bool = False
) -> list[tuple[str, str]] | None:
    """Every spec's cached answer, or ``None`` at the first that is not a warm hit.

    Each spec is classified by the one grammar (``sdistill.sources.classify``): a
    ``path`` goes to the native lookup, a ``registry`` pin to ``warm.registry``, a git
    source to ``warm.git``; any other kind (URLs,
    ``name @ https://...``) is left to the builder."""
    from sdistill.sources import classify  # noqa: PLC0415 (not needed by warm.resolution)

    kinds = [classify(spec)[0] for spec in specs]
    if any(kind not in ("path", "registry", "git") for kind in kinds):
        return None
    if set(kinds) == {"path"}:
        return _local(root, specs, settings)
    if not os.path.isdir(root) or ("registry" in kinds and index_url is None):
        return None
    if "registry" not in kinds:
        return _without_index(root, specs, kinds, settings, offline)
    from sdistill.errors import SdistillError  # noqa: PLC0415
    from sdistill.warm import registry  # noqa: PLC0415 (loads the HTTP client)

    try:
        client = registry.client(root, offline)
    except (OSError, SdistillError):
        return None  # a bad setting or cache: the normal flow reports it
    found: list[tuple[str, str]] = []
    for spec, kind in zip(specs, kinds):
        if kind == "registry":
            assert index_url is not None
            one = registry.warm_registry_answer(client, spec, index_url, settings)
        else:
            one = _one(root, spec, kind, settings, offline)
        if one is None:
            return None
        found.append(one)
    return found


def _without_index(
    root: str, specs: list[str], kinds: list[str], settings: str, offline: bool
) -> list[tuple[str, str]] | None:
    found: list[tuple[str, str]] = []
    for spec, kind in zip(specs, kinds):
        one = _one(root, spec, kind, settings, offline)
        if one is None:
            return None
        found.append(one)
    return found


def _one(root: str, spec: str, kind: str, settings: str, offline: bool) -> tuple[str, str] | None:
    """A local path's or a git source's answer."""
    if kind == "git":
        from sdistill.warm.git import warm_git_answer  # noqa: PLC0415

        return warm_git_answer(root, spec, settings, offline)
    local = _local(root, [spec], settings)
    return local[0] if local else None


def _local(root: str, specs: list[str], settings: str) -> list[tuple[str, str]] | None:
    """The native lookup of plain local paths (``~`` expanded here)."""
    paths = [os.path.expanduser(spec.strip()) for spec in specs]
    from sdistill import records  # noqa: PLC0415 (not needed by warm.resolution)

    found = records.warm_answers(root, paths, settings)
    return None if found is None else [(answer.json, answer.text) for answer in found]
