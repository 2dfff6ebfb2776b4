"""``sdistill extract``: an archive unpacked safely (``sdistill.extraction``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sdistill.cli.output import emit, human
from sdistill.extraction import extract

if TYPE_CHECKING:
    from sdistill.cli.parser import Args

__all__ = ["run"]


def run(args: Args) -> None:
    result = extract(
        args.archive,
        args.dest,
        strip_top_level=args.strip_top_level,
        expected_hashes=dict(args.hashes) if args.hashes else None,
        max_unpacked_size=args.max_unpacked_size,
        max_entries=args.max_entries,
    )
    data = {
        "path": str(result.path),
        "files": result.files,
        "unpacked_bytes": result.unpacked_bytes,
        "hashes": result.hashes,
    }
    lines = [
        f"Extracted {result.files} files ({human(result.unpacked_bytes)}) to {result.path}",
        *(f"{name}:{digest}" for name, digest in result.hashes.items()),
    ]
    emit(args, data, "\n".join(lines))
