"""Warm answers of ``sdistill metadata``, found in the cache without the build side.

A warm command line is mostly interpreter start and imports, so this package imports
neither ``packaging``, ``pyproject_hooks``, ``json``, ``re`` nor ``typing``: local paths
are answered by the native lookup (``rust/sdistill-core/src/lookup``), registry specs by
``warm.registry`` (the page, the sdist's HTTP entry, the sealed answer). Anything that is
not a clean hit is ``None``, and the builder takes over -- it is the one that reports
errors and heals damaged records.
"""

from __future__ import annotations

import os

from sdistill import _core, records
from sdistill.warm import registry as warm_registry

__all__ = ["answers"]


def answers(
    root: str, specs: list[str], settings: str, index_url: str | None, offline: bool = False
) -> list[tuple[str, str]] | None:
    """Every spec's cached answer, or ``None`` at the first that is not a warm hit."""
    registry = [warm_registry.is_registry_spec(spec) for spec in specs]
    if not any(registry):
        return records.warm_answers(root, specs, settings)
    if index_url is None or not os.path.isdir(root):
        return None
    if os.environ.get("SDISTILL_MAX_PAGE_SIZE"):
        return None  # a page fetched again must meet it: sdistill.http reads and checks it
    try:
        client = _core.HttpClient(root, offline=offline)
    except OSError:
        return None  # the normal flow reports it
    answers: list[tuple[str, str]] = []
    for spec, on_index in zip(specs, registry):
        if on_index:
            found = warm_registry.warm_registry_answer(client, root, spec, index_url, settings)
        else:
            local = records.warm_answers(root, [spec], settings)
            found = local[0] if local else None
        if found is None:
            return None
        answers.append(found)
    return answers
