"""The ``sdistill`` command line.

A plain ``resolve`` command line whose recorded resolution holds is answered first
(``fast_resolve``). Otherwise argv is read once, by ``parser`` against the one grammar
of ``grammar``; a warm ``metadata`` or ``resolve`` is then answered from the cache
(``warm_path``) before anything of the build side is imported, and every other command
line runs its command module with the same parsed options. ``usage`` builds argparse
from the grammar only to print help and usage errors.

==================  ==============================================================
``grammar``         every command and option, once: names, values, checks, help
``parser``          argv against the grammar, into the options every command reads
``usage``           ``--help``, ``--version`` and usage errors, by argparse
``fast_resolve``    a plain warm ``resolve`` answered before the parser loads
``warm_path``       a ``metadata`` or ``resolve`` answered from the cache, or left to
                    the builder
``config``          options to the builder, its config settings and index
``builds``          ``metadata`` and ``build``
``extract``         ``extract``
``index``           ``index``
``resolve``         ``resolve``: pins by :mod:`sdistill.resolve`
``cache``           ``cache dir|size|clean|prune``
``output``          JSON or text, sizes and counts
``signals``         SIGTERM and SIGINT; the command's private temporary directory
``progress``        the live status lines on a terminal
==================  ==============================================================

Options common to every command (``--cache-dir``, ``--json``, ``-q``, ``-v``) may be
given before or after the command name. Exit status: 0 on success, 1 when sdistill
reports an error (printed as ``error: ...`` on stderr), 2 for a usage error, 128 + the
signal's number when stopped by SIGTERM or SIGINT, 141 when stdout was closed.
"""

from __future__ import annotations

import os
import sys

# A warm `sdistill metadata` is answered before anything else is imported: not the
# build side, not argparse or json (they pull in `re`), not even `typing` (hence no
# `from typing import TYPE_CHECKING`); a plain warm `sdistill resolve` before the parser
# too. Each command imports what it needs.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the command line; returns the exit status."""
    try:
        status = _main(list(sys.argv[1:] if argv is None else argv))
        sys.stdout.flush()  # here, where a closed pipe is caught, not at exit
        return status
    except BrokenPipeError:
        # The reader went away (`| head`): exit quietly, as other commands do; stdout
        # now points at /dev/null, so that the flush at exit does not fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return 141  # 128 + SIGPIPE, what a shell reports for a command killed by it


def _main(words: list[str]) -> int:
    return 0 if _fast_resolve(words) else _parsed(words)


def _fast_resolve(words: list[str]) -> bool:
    """Whether a plain warm ``resolve`` was answered (``fast_resolve``)."""
    if "resolve" not in words:
        return False
    from sdistill.cli import fast_resolve  # noqa: PLC0415

    return fast_resolve.answer(words)


def _parsed(words: list[str]) -> int:
    from sdistill.cli import parser, warm_path  # noqa: PLC0415
    from sdistill.cli.grammar import UsageError  # noqa: PLC0415

    try:
        args = parser.parse(words)
    except (UsageError, parser.Help) as err:
        from sdistill.cli import usage  # noqa: PLC0415

        usage.speak(words, str(err))  # exits: 0 for help, 2 for an error
    if warm_path.answer(args):
        return 0
    import logging  # noqa: PLC0415 (not needed by a warm answer)

    from sdistill.cli import signals  # noqa: PLC0415
    from sdistill.errors import SdistillError  # noqa: PLC0415

    level = logging.WARNING - 10 * args.verbose + 10 * args.quiet
    logging.basicConfig(level=max(level, logging.DEBUG), format="%(levelname)s: %(message)s")
    signals.handle()
    try:
        if args.command == "extract":
            from sdistill.cli import extract  # noqa: PLC0415

            extract.run(args)
        elif args.command in ("metadata", "build"):
            from sdistill.cli import builds  # noqa: PLC0415

            signals.private_tmp(args.cache_dir)
            return builds.run(args)
        elif args.command == "resolve":
            from sdistill.cli import resolve  # noqa: PLC0415

            signals.private_tmp(args.cache_dir)
            return resolve.run(args)
        elif args.command == "index":
            from sdistill.cli import index  # noqa: PLC0415

            index.run(args)
        else:
            from sdistill.cli import cache  # noqa: PLC0415

            cache.run(args)
    except (SdistillError, OSError) as err:
        if isinstance(err, BrokenPipeError):
            raise
        print(f"error: {err}", file=sys.stderr)
        return 1
    except signals.Stopped as stop:
        print(f"error: {stop.what}", file=sys.stderr)
        return 128 + stop.signum
    finally:
        signals.remove_private_tmp()
    return 0
