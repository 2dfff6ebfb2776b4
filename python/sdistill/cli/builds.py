"""``sdistill metadata`` and ``sdistill build`` through the builder.

Each spec is answered in place: a spec that fails prints ``error: ...`` and, with
``--json``, an ``{"spec", "error", "type"}`` entry where its answer would be, so that
the list lines up with the specs given; the others are still answered. Exit status 1
when any failed.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sdistill import records
from sdistill.build.wheels import BuiltWheel
from sdistill.cli import config, signals
from sdistill.cli.progress import ConsoleReporter
from sdistill.errors import SdistillError

if TYPE_CHECKING:
    from sdistill.cli.parser import Args

__all__ = ["run"]


def run(args: Args) -> int:
    """Runs ``metadata`` or ``build``; the exit status."""
    reporter = ConsoleReporter(quiet=args.quiet > 0 or args.json)
    signals.stopping.append(reporter.interrupt)
    builder = config.builder(args, reporter)
    try:
        if args.command == "metadata":
            results: list[Any] = builder.metadata_many(args.specs)
        else:
            results = builder.build_many(args.specs)
    finally:
        reporter.close()
    failed = 0
    out: list[Any] = []
    for spec, result in zip(args.specs, results):
        if isinstance(result, BaseException):
            if not isinstance(result, (SdistillError, OSError)):
                raise result
            failed += 1
            print(f"error: {_about(spec, str(result))}", file=sys.stderr)
            # In place, so that the JSON list lines up with the specs given.
            out.append({"spec": spec, "error": str(result), "type": type(result).__name__})
        elif isinstance(result, BuiltWheel):
            out_dir = Path(args.out_dir)
            out_dir.mkdir(parents=True, exist_ok=True)
            target = out_dir / result.filename
            shutil.copyfile(result.path, target)
            out.append({"spec": spec, "wheel": str(target)})
            if not args.json and args.quiet < 1:
                print(target)
        else:
            data = records.metadata_json(result)
            out.append(data)
            if not args.json:
                print(records.metadata_text(data))
    if args.json:
        print(json.dumps(out, indent=2))
    return 1 if failed else 0


def _about(spec: str, message: str) -> str:
    """``message`` naming ``spec`` once (most errors start with the source already)."""
    return message if message.startswith(spec) else f"{spec}: {message}"
