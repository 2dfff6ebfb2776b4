"""``sdistill resolve REQ… [-r FILE] [-c FILE] [--python-version X.Y] [--platform TAG]
[--pre] [--generate-hashes] [-o FILE [-U] [-P NAME]] [--json]``: pins, by :mod:`sdistill.resolve`.

The requirements are the operands and those of the ``-r`` files (read by
:mod:`sdistill.resolve.files`); ``-c`` files bound versions without requiring them.
Options a file sets join the command line's as pip and uv join them: a file's
``--index-url`` where the command line gives none, its ``--extra-index-url`` and
``--find-links`` after the command line's, its ``--no-index`` and ``--pre`` as if
given, its ``--only-binary`` and ``--no-binary`` with the command line's. The pins of
an existing ``-o FILE`` are kept where the requirements allow them
(``-U``: none of them, ``-P NAME``: not NAME's), as ``uv pip compile`` and
``pip-compile`` keep them. ``-r pyproject.toml`` (``setup.py``, ``setup.cfg``) adds the
project's dependencies, with ``--extra``/``--all-extras``
(:mod:`sdistill.resolve.projects`). Find-links are searched for candidates beside the indexes
(``sdistill.resolve.links``), and for build requirements.
The pins print as ``uv pip compile --no-header --no-annotate`` prints them
(``name==version``, ``name @ URL``, a path as written, editables first; see
:mod:`sdistill.resolve.report`), on stdout and, with
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
from sdistill.resolution_inputs import formats, kept_pins

if TYPE_CHECKING:
    from sdistill.cli.parser import Args
    from sdistill.resolution_inputs import Options

__all__ = ["run"]


def run(args: Args) -> int:
    """Runs ``resolve``; the exit status."""
    try:
        from packaging.utils import canonicalize_name  # noqa: PLC0415

        from sdistill import resolve  # noqa: PLC0415 (resolvelib is an optional extra)
        from sdistill.resolve import files  # noqa: PLC0415
        from sdistill.resolve.projects import ProjectInput, is_project_file  # noqa: PLC0415
    except ImportError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    listed = [path for path in args.requirement if not is_project_file(path)]
    projects = [
        ProjectInput(
            Path(path).resolve().parent,
            frozenset(canonicalize_name(e) for e in args.extra),
            args.all_extras,
        )
        for path in args.requirement
        if is_project_file(path)
    ]
    if (args.extra or args.all_extras) and not projects:
        print("error: --extra and --all-extras need -r pyproject.toml", file=sys.stderr)
        return 2
    read = files.read(listed, args.constraint)
    for text in args.requirements:
        files.requirement(text)  # an invalid one is named before anything starts
    requirements = [*args.requirements, *read.requirements]
    if not requirements and not read.editables and not projects:
        print("error: no requirements: give REQ… or -r FILE", file=sys.stderr)
        return 2
    reporter = ConsoleReporter(quiet=args.quiet > 0 or args.json)
    signals.stopping.append(reporter.interrupt)
    builder = config.builder(_joined(args, read.options), reporter)
    try:
        resolution = resolve.resolve(
            requirements,
            builder,
            python_version=args.python_version,
            platforms=args.platform or None,
            constraints=read.constraints,
            prefetch=args.prefetch,
            editables=read.editables,
            prereleases=args.pre or read.options.pre,
            preferences=kept_pins(
                args.output_file, upgrade=args.upgrade, upgrade_packages=args.upgrade_package
            ),
            projects=projects,
            generate_hashes=args.generate_hashes,
            only_binary=[
                *(n for v in args.only_binary for n in formats(v)),
                *read.options.only_binary,
            ],
            no_binary=[*(n for v in args.no_binary for n in formats(v)), *read.options.no_binary],
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


def _joined(args: Args, options: Options) -> Args:
    """``args`` with the index options the requirements files set (module docs)."""
    if not options.indexes:
        return args
    from sdistill.cli.parser import Args  # noqa: PLC0415 (only when a file sets them)

    given_url = options.index_url is not None and "index_url" not in args.given
    return Args(
        {
            **vars(args),
            "index_url": options.index_url if given_url else args.index_url,
            "extra_index_url": [*args.extra_index_url, *options.extra_index_urls],
            "find_links": [*args.find_links, *options.find_links],
            "no_index": args.no_index or options.no_index,
        }
    )
