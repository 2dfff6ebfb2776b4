"""``sdistill resolve REQ… [-r FILE] [-c FILE] [--python-version X.Y] [--platform TAG]
[-o FILE] [--json]``: pins, by :mod:`sdistill.resolve`.

The requirements are the operands and those of the ``-r`` files (read by
:mod:`sdistill.resolve.files`); ``-c`` files bound versions without requiring them.
The pins print as ``uv pip compile --no-header --no-annotate`` prints them
(``name==version``, or ``name @ URL``, sorted by normalised name), on stdout and, with
``-o``, into FILE as well; ``--json`` prints the report of
:meth:`sdistill.resolve.Resolution.as_json` instead. A conflict is an error like any
other (``error: …`` with its causes on stderr, exit status 1); no requirement at all
is a usage error (exit status 2).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from sdistill.cli import config, signals
from sdistill.cli.progress import ConsoleReporter

if TYPE_CHECKING:
    from sdistill.cli.parser import Args

__all__ = ["run"]


def run(args: Args) -> int:
    """Runs ``resolve``; the exit status."""
    try:
        from sdistill import resolve  # noqa: PLC0415 (resolvelib is an optional extra)
        from sdistill.resolve import files  # noqa: PLC0415
    except ImportError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    read = files.read(args.requirement, args.constraint)
    for text in args.requirements:
        files.requirement(text)  # an invalid one is named before anything starts
    requirements = [*args.requirements, *read.requirements]
    if not requirements:
        print("error: no requirements: give REQ… or -r FILE", file=sys.stderr)
        return 2
    reporter = ConsoleReporter(quiet=args.quiet > 0 or args.json)
    signals.stopping.append(reporter.interrupt)
    builder = config.builder(args, reporter)
    try:
        resolution = resolve.resolve(
            requirements,
            builder,
            python_version=args.python_version,
            platforms=args.platform or None,
            constraints=read.constraints,
            prefetch=args.prefetch,
        )
    finally:
        reporter.close()
        builder.close()
    if args.output_file is not None:
        Path(args.output_file).write_text(resolution.text(), encoding="utf-8")
    if args.json:
        # Keys sorted, not escaped: as a recorded resolution prints (warm.resolution).
        print(json.dumps(resolution.as_json(), indent=2, sort_keys=True, ensure_ascii=False))
    elif args.quiet < 1:
        sys.stdout.write(resolution.text())
    return 0
