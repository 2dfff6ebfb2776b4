"""``sdistill cache dir|size|clean [NAME]|prune``: the cache, inspected or cleaned."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sdistill.cache import Cache, cache_root
from sdistill.cli.output import emit, human

if TYPE_CHECKING:
    from sdistill.cache import Removal
    from sdistill.cli.parser import Args

__all__ = ["run"]


def run(args: Args) -> None:
    if args.action == "dir":  # where the cache is; nothing is created
        root = cache_root(args.cache_dir)
        emit(args, {"path": str(root)}, str(root))
        return
    cache = Cache(args.cache_dir)
    if args.action == "size":
        size = cache.size()
        buckets = {n: {"bytes": b.bytes, "files": b.files} for n, b in size.buckets.items()}
        width = max(len(name) for name in buckets)
        lines = [
            f"{name:<{width}}  {human(b.bytes):>10}  {b.files:>8} files"
            for name, b in size.buckets.items()
        ]
        lines.append(f"{'total':<{width}}  {human(size.bytes):>10}  {size.files:>8} files")
        emit(
            args,
            {"buckets": buckets, "bytes": size.bytes, "files": size.files},
            "\n".join(lines),
        )
    elif args.action == "clean":
        _removal(args, cache.clean(args.name), "Removed")
    else:
        _removal(args, cache.prune(), "Pruned")


def _removal(args: Args, removal: Removal, verb: str) -> None:
    data = {"files": removal.files, "bytes": removal.bytes}
    emit(args, data, f"{verb} {removal.files} files ({human(removal.bytes)})")
