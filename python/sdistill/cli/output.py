"""How the commands print a result: JSON with ``--json``, text unless ``--quiet``."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sdistill.cli.parser import Args

__all__ = ["count", "emit", "human"]


def emit(args: Args, data: dict[str, Any], text: str) -> None:
    """``data`` as JSON with ``--json``; else ``text``, unless ``--quiet``."""
    if args.json:
        print(json.dumps(data, indent=2, sort_keys=True))
    elif args.quiet < 1:
        print(text)


def count(number: int, noun: str) -> str:
    """``1 sdist``, ``65 wheels``."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


def human(size: int) -> str:
    """``512 B``, ``1.5 KiB``, ``3.0 GiB``."""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"
