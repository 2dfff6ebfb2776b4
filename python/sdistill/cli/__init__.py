"""The ``sdistill`` command line.

Options common to every command (``--cache-dir``, ``--json``, ``-q``, ``-v``) may be
given before or after the command name. Exit status: 0 on success, 1 when sdistill
reports an error (printed as ``error: ...`` on stderr), 2 for a usage error.
"""

from __future__ import annotations

import os
import sys

from sdistill import _core, records

# A warm `sdistill metadata` is answered before anything else is imported: not the
# build side, not argparse or json (they pull in `re`), not even `typing` (hence no
# `from typing import TYPE_CHECKING`). Each command imports what it needs.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable, Sequence
    from typing import Any

    from sdistill.builder import SourceDistBuilder
    from sdistill.cache import Removal
    from sdistill.cli.progress import ConsoleReporter

__all__ = ["main"]


def _common_options(defaults: bool, cache: bool = True) -> argparse.ArgumentParser:
    """Options accepted both before and after the command name (``--cache-dir`` only
    where the command uses the cache).

    The copy attached to subcommands uses ``SUPPRESS`` defaults so that it does not
    overwrite a value given before the command name.
    """
    import argparse  # noqa: PLC0415

    parser = argparse.ArgumentParser(add_help=False)
    default: Any = None if defaults else argparse.SUPPRESS
    flag: Any = False if defaults else argparse.SUPPRESS
    count: Any = 0 if defaults else argparse.SUPPRESS
    if cache:
        parser.add_argument(
            "--cache-dir",
            default=default,
            metavar="DIR",
            help="cache root (default: $SDISTILL_CACHE_DIR, else the user cache directory)",
        )
    parser.add_argument("--json", action="store_true", default=flag, help="machine output")
    parser.add_argument("-q", "--quiet", action="count", default=count, help="less output")
    parser.add_argument("-v", "--verbose", action="count", default=count, help="more output")
    return parser


def _positive(text: str) -> int:
    """An option's value that must be a whole number of at least 1."""
    import argparse  # noqa: PLC0415

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _hash_pair(text: str) -> tuple[str, str]:
    import argparse  # noqa: PLC0415

    algorithm, sep, digest = text.partition(":")
    if not sep or not algorithm or not digest:
        raise argparse.ArgumentTypeError(f"expected ALGORITHM:HEX, got {text!r}")
    return algorithm.lower(), digest


def _parser() -> argparse.ArgumentParser:
    import argparse  # noqa: PLC0415

    common = _common_options(defaults=False)
    parser = argparse.ArgumentParser(
        prog="sdistill",
        description="Python source distributions turned into metadata and wheels.",
        parents=[_common_options(defaults=True)],
    )
    parser.add_argument("--version", action="version", version=f"sdistill {_core.__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ex = commands.add_parser(
        "extract",
        parents=[_common_options(defaults=False, cache=False)],
        help="extract an archive safely",
    )
    ex.add_argument("archive")
    ex.add_argument("dest")
    ex.add_argument("--strip-top-level", action="store_true", help="drop the top directory")
    ex.add_argument(
        "--hash",
        dest="hashes",
        action="append",
        type=_hash_pair,
        default=[],
        metavar="ALGO:HEX",
        help="expected hash of the archive (repeatable)",
    )
    ex.add_argument(
        "--max-unpacked-size",
        type=_positive,
        default=_core.DEFAULT_MAX_UNPACKED_SIZE,
        metavar="BYTES",
        help="refuse an archive that unpacks to more (default: %(default)s)",
    )
    ex.add_argument(
        "--max-entries",
        type=_positive,
        default=_core.DEFAULT_MAX_ENTRIES,
        metavar="N",
        help="refuse an archive with more members (default: %(default)s)",
    )

    builds = _build_options()
    md = commands.add_parser(
        "metadata", parents=[common, builds], help="core metadata of source distributions"
    )
    md.add_argument("specs", nargs="+", metavar="SPEC", help="an sdist, a project directory, …")
    bd = commands.add_parser("build", parents=[common, builds], help="build wheels")
    bd.add_argument("specs", nargs="+", metavar="SPEC")
    bd.add_argument("-o", "--out-dir", required=True, help="where to put the wheels")

    ix = commands.add_parser(
        "index",
        parents=[common, _index_options()],
        help="versions and files of a project on the index",
    )
    # What the builder is made with; the index does not build, so these are no options.
    ix.set_defaults(
        no_build_isolation=False,
        config_settings=[],
        no_build=False,
        jobs=None,
        installer=None,
        build_constraint=None,
        extra_build_dependency=[],
    )
    ix.add_argument("name", help="a project name")
    ix.add_argument("--files", action="store_true", help="list every file, not only versions")

    cache = commands.add_parser("cache", parents=[common], help="inspect or clean the cache")
    actions = cache.add_subparsers(dest="action", required=True, metavar="ACTION")
    actions.add_parser("dir", parents=[common], help="print the cache root")
    actions.add_parser("size", parents=[common], help="bytes and files per bucket")
    clean = actions.add_parser("clean", parents=[common], help="remove all or one package")
    clean.add_argument("name", nargs="?", help="a package name (default: everything)")
    actions.add_parser("prune", parents=[common], help="remove unreferenced entries")
    return parser


def _config_setting(text: str) -> tuple[str, str]:
    import argparse  # noqa: PLC0415

    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key, value


def _index_options() -> argparse.ArgumentParser:
    """Where projects come from: the options of every command that reads an index."""
    import argparse  # noqa: PLC0415

    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument(
        "--index-url",
        default=None,
        metavar="URL",
        help="the package index, a PEP 503/691 simple API (default: https://pypi.org/simple)",
    )
    parser.add_argument(
        "--extra-index-url",
        action="append",
        default=[],
        metavar="URL",
        help="another index, looked at after --index-url (repeatable)",
    )
    parser.add_argument("--no-index", action="store_true", help="use no index (find-links only)")
    parser.add_argument(
        "--find-links",
        action="append",
        default=[],
        metavar="PATH_OR_URL",
        help="a directory of sdists, or an HTML page linking to them (repeatable)",
    )
    parser.add_argument("--offline", action="store_true", help="never touch the network")
    parser.add_argument("--refresh", action="store_true", help="revalidate everything cached")
    parser.add_argument(
        "--refresh-package",
        action="append",
        default=[],
        metavar="NAME",
        help="revalidate what is cached for this package (repeatable)",
    )
    return parser


def _build_options() -> argparse.ArgumentParser:
    import argparse  # noqa: PLC0415

    parser = argparse.ArgumentParser(add_help=False, parents=[_index_options()])
    parser.add_argument("--no-build-isolation", action="store_true", help="build in this Python")
    parser.add_argument(
        "-C",
        "--config-settings",
        dest="config_settings",
        action="append",
        type=_config_setting,
        default=[],
        metavar="KEY=VALUE",
        help="passed to the build backend (repeatable)",
    )
    parser.add_argument("--no-build", action="store_true", help="fail where a build is needed")
    parser.add_argument(
        "--jobs",
        type=_positive,
        default=None,
        metavar="N",
        help="hooks run at once, at least 1 (default: the number of CPUs)",
    )
    parser.add_argument(
        "--installer",
        choices=["uv", "pip"],
        default=None,
        help="what fills build environments (default: uv if found, else pip)",
    )
    parser.add_argument(
        "--build-constraint",
        action="append",
        default=None,
        metavar="FILE",
        help="constraints for every build environment's install (repeatable; "
        "default: the file $SDISTILL_BUILD_CONSTRAINT names)",
    )
    parser.add_argument(
        "--extra-build-dependency",
        action="append",
        type=_extra_dependency,
        default=[],
        metavar="NAME=REQ",
        help="add REQ to the build environment of project NAME (repeatable)",
    )
    return parser


def _dependency_pair(text: str) -> tuple[str, str] | None:
    """``NAME=REQUIREMENT`` split (``None`` if it is not that)."""
    name, sep, requirement = text.partition("=")
    if not sep or not name.strip() or not requirement.strip():
        return None
    return name.strip(), requirement.strip()


def _extra_dependency(text: str) -> tuple[str, str]:
    import argparse  # noqa: PLC0415

    pair = _dependency_pair(text)
    if pair is None:
        raise argparse.ArgumentTypeError(f"expected NAME=REQUIREMENT, got {text!r}")
    return pair


def _constraints(files: list[str] | None) -> list[str] | None:
    """The constraints of ``--build-constraint`` files (``None``: none given, so the
    builder reads ``$SDISTILL_BUILD_CONSTRAINT``)."""
    if files is None:
        return None
    from sdistill.build.constraints import read_constraints  # noqa: PLC0415

    return [line for path in files for line in read_constraints(path)]


def _extra_dependencies(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name, requirement in pairs:
        found.setdefault(name, []).append(requirement)
    return found


def _package_names(names: list[str]) -> list[str]:
    from packaging.utils import canonicalize_name  # noqa: PLC0415

    return [canonicalize_name(name) for name in names]


def _builder(args: argparse.Namespace, reporter: ConsoleReporter) -> SourceDistBuilder:
    from sdistill.builder import DEFAULT_INDEX_URL, SourceDistBuilder  # noqa: PLC0415

    return SourceDistBuilder(
        cache_dir=args.cache_dir,
        index_url=None if args.no_index else (args.index_url or DEFAULT_INDEX_URL),
        extra_index_urls=args.extra_index_url,
        offline=args.offline,
        refresh=True if args.refresh else _package_names(args.refresh_package),
        build_isolation=not args.no_build_isolation,
        config_settings=_settings(args.config_settings),
        no_build=args.no_build,
        reporter=reporter,
        jobs=args.jobs,
        find_links=args.find_links,
        installer=args.installer,
        build_constraints=_constraints(args.build_constraint),
        extra_build_dependencies=_extra_dependencies(args.extra_build_dependency),
    )


def _settings(pairs: list[tuple[str, str]]) -> dict[str, str | list[str]]:
    """``-C`` options as config settings (a key given twice gets a list)."""
    settings: dict[str, str | list[str]] = {}
    for key, value in pairs:
        previous = settings.get(key)
        if previous is None:
            settings[key] = value
        else:
            settings[key] = [*([previous] if isinstance(previous, str) else previous), value]
    return settings


#: Options of `metadata` that a warm answer ignores (they only matter to a build; the
#: index URL picks the cached page of a registry spec), with whether they take a value.
_BUILD_ONLY = {
    "--index-url": True,
    "--extra-index-url": True,
    "--find-links": True,
    "--jobs": True,
    "--installer": True,
    "--no-index": False,
    "--offline": False,
    "--no-build-isolation": False,
    "--no-build": False,
    "-q": False,
    "--quiet": False,
    "-v": False,
    "--verbose": False,
}


def _warm_request(
    argv: list[str],
) -> tuple[str | None, list[tuple[str, str]], bool, list[str], str | None, bool]:
    """``(cache dir, config settings, --json, specs, index URL, --offline)`` of a plain
    ``metadata`` command line (the index URL ``None`` with ``--no-index``);
    ``ValueError`` for anything else (argparse then reads it, and reports errors).

    Deliberately narrow: exact option names only (no abbreviations, no ``--``, no
    ``--refresh``), values checked as argparse would, every spec a non-option word.
    """
    cache_dir: str | None = None
    settings: list[tuple[str, str]] = []
    as_json = False
    specs: list[str] = []
    index_url: str | None = records.DEFAULT_INDEX_URL
    no_index = offline = False
    command = False
    words = iter(argv)
    for word in words:
        name, eq, inline = word.partition("=") if word.startswith("--") else (word, "", "")
        if word == "metadata" and not command:
            command = True
        elif word == "--json" and not eq:
            as_json = True
        elif name == "--cache-dir":
            cache_dir = inline if eq else next(words)
        elif name in ("-C", "--config-settings") and command:
            key, sep, value = (inline if eq else next(words)).partition("=")
            if not sep or not key:
                raise ValueError(word)
            settings.append((key, value))
        elif name in _BUILD_ONLY and command:
            if eq and not _BUILD_ONLY[name]:
                raise ValueError(word)
            value = (inline if eq else next(words)) if _BUILD_ONLY[name] else ""
            _check_build_option(name, value)
            if name == "--index-url":
                index_url = value
            no_index = no_index or name == "--no-index"
            offline = offline or name == "--offline"
        elif command and not word.startswith("-") and word:
            specs.append(word)
        else:
            raise ValueError(word)
    if not command or not specs:
        raise ValueError("not a metadata command")
    return cache_dir, settings, as_json, specs, None if no_index else index_url, offline


def _check_build_option(name: str, value: str) -> None:
    """Refuses (``ValueError``) the values argparse would refuse."""
    if name == "--jobs" and int(value) < 1:
        raise ValueError(value)
    if name == "--installer" and value not in ("uv", "pip"):
        raise ValueError(value)


def _warm_metadata(argv: list[str]) -> bool:
    """Prints the answers when ``argv`` is a plain ``metadata`` command whose specs are
    all warm cache hits (see ``sdistill.records`` and ``sdistill.warm.registry``)."""
    if os.environ.get("SDISTILL_BUILD_CONSTRAINT"):
        # Constraints are part of an answer's key; the builder reads and applies them
        # (so do --build-constraint and --extra-build-dependency, which end up there).
        return False
    try:
        cache_dir, pairs, as_json, specs, index_url, offline = _warm_request(argv)
    except (ValueError, StopIteration):
        return False
    root = cache_dir if cache_dir is not None else records.default_cache_dir()
    root = os.path.abspath(os.path.expanduser(root))
    settings = records.settings_key(_settings(pairs))
    from sdistill import warm  # noqa: PLC0415

    answers = warm.answers(root, specs, settings, index_url, offline)
    if answers is None:
        return False
    if as_json:
        print(records.json_list([j for j, _ in answers]))
    else:
        print("\n".join(text for _, text in answers))
    return True


def _run_builds(args: argparse.Namespace) -> int:
    import json  # noqa: PLC0415 (the build side loads on use)
    import shutil  # noqa: PLC0415
    from pathlib import Path  # noqa: PLC0415

    from sdistill.build.wheels import BuiltWheel  # noqa: PLC0415
    from sdistill.cli.progress import ConsoleReporter  # noqa: PLC0415
    from sdistill.errors import SdistillError  # noqa: PLC0415

    reporter = ConsoleReporter(quiet=args.quiet > 0 or args.json)
    _stopping.append(reporter.interrupt)
    builder = _builder(args, reporter)
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


def _count(number: int, noun: str) -> str:
    """``1 sdist``, ``65 wheels``."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _human(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


def _emit(args: argparse.Namespace, data: dict[str, Any], text: str) -> None:
    import json  # noqa: PLC0415

    if args.json:
        print(json.dumps(data, indent=2, sort_keys=True))
    elif args.quiet < 1:
        print(text)


def _run_extract(args: argparse.Namespace) -> None:
    from sdistill.extraction import extract  # noqa: PLC0415

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
        f"Extracted {result.files} files ({_human(result.unpacked_bytes)}) to {result.path}",
        *(f"{name}:{digest}" for name, digest in result.hashes.items()),
    ]
    _emit(args, data, "\n".join(lines))


def _run_index(args: argparse.Namespace) -> None:
    from sdistill.cli.progress import ConsoleReporter  # noqa: PLC0415

    builder = _builder(args, ConsoleReporter(quiet=True))
    project = builder.index.project(args.name)
    versions = project.versions()
    files = {version: project.files(version) for version in versions}
    data: dict[str, Any] = {
        "name": project.name,
        "indexes": project.index_urls,
        "versions": [
            {
                "version": version,
                "files": [
                    {
                        "filename": f.filename,
                        "url": _core.redact(f.url),
                        "hashes": f.hashes,
                        "requires_python": f.requires_python,
                        "yanked": f.yanked,
                        "yanked_reason": f.yanked_reason,
                        "core_metadata": f.core_metadata,
                        "size": f.size,
                        "upload_time": f.upload_time,
                    }
                    for f in files[version]
                ],
            }
            for version in versions
        ],
    }
    lines = [f"{project.name} ({len(versions)} versions, {len(project)} files)"]
    for version in versions:
        sdists = sum(f.is_sdist for f in files[version])
        yanked = " (yanked)" if all(f.yanked for f in files[version]) else ""
        wheels = len(files[version]) - sdists
        lines.append(f"{version}{yanked}: {_count(sdists, 'sdist')}, {_count(wheels, 'wheel')}")
        if args.files:
            lines += [f"    {f.filename}" for f in files[version]]
    _emit(args, data, "\n".join(lines))


def _removal(args: argparse.Namespace, removal: Removal, verb: str) -> None:
    data = {"files": removal.files, "bytes": removal.bytes}
    _emit(args, data, f"{verb} {removal.files} files ({_human(removal.bytes)})")


def _run_cache(args: argparse.Namespace) -> None:
    from sdistill.cache import Cache, cache_root  # noqa: PLC0415

    if args.action == "dir":  # where the cache is; nothing is created
        root = cache_root(args.cache_dir)
        _emit(args, {"path": str(root)}, str(root))
        return
    cache = Cache(args.cache_dir)
    if args.action == "size":
        size = cache.size()
        buckets = {n: {"bytes": b.bytes, "files": b.files} for n, b in size.buckets.items()}
        width = max(len(name) for name in buckets)
        lines = [
            f"{name:<{width}}  {_human(b.bytes):>10}  {b.files:>8} files"
            for name, b in size.buckets.items()
        ]
        lines.append(f"{'total':<{width}}  {_human(size.bytes):>10}  {size.files:>8} files")
        _emit(
            args,
            {"buckets": buckets, "bytes": size.bytes, "files": size.files},
            "\n".join(lines),
        )
    elif args.action == "clean":
        _removal(args, cache.clean(args.name), "Removed")
    else:
        _removal(args, cache.prune(), "Pruned")


class _Stopped(BaseException):
    """Raised in the main thread by the SIGTERM and SIGINT handler."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


#: What the signal handler calls besides stopping the hooks (the reporter's interrupt).
_stopping: list[Callable[[], None]] = []

#: How long the command may take to wind down after SIGTERM or SIGINT (hooks are
#: already killed; what is left is threads noticing it) before it exits regardless.
_GRACE_SECONDS = 5.0


def _on_signal(signum: int, frame: object) -> None:
    """Ends every hook server and hook process group at once, then unwinds the main
    thread; the command exits with 128 + the signal's number (143, 130). A second
    signal, or winding down for longer than ``_GRACE_SECONDS``, exits at once."""
    import threading  # noqa: PLC0415

    from sdistill.build import hook_server  # noqa: PLC0415

    status = 128 + signum
    if hook_server.stopping():
        os._exit(status)
    hook_server.stop_all()
    for interrupt in _stopping:
        interrupt()
    timer = threading.Timer(_GRACE_SECONDS, _exit_now, (status,))
    timer.daemon = True
    timer.start()
    raise _Stopped(signum)


def _exit_now(status: int) -> None:
    import contextlib  # noqa: PLC0415

    from sdistill.build import hook_server  # noqa: PLC0415

    hook_server.stop_all()
    _remove_private_tmp()
    with contextlib.suppress(OSError):
        print("error: stopped while winding down", file=sys.stderr, flush=True)
    os._exit(status)


def _handle_signals() -> None:
    import signal  # noqa: PLC0415

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _on_signal)


#: The command's own directory under the cache's ``tmp/`` (see ``_private_tmp``).
_private: list[str] = []


def _private_tmp(cache_dir: str | None) -> None:
    """Puts this process's temporary files (the hooks' input and output, their logs and
    ``TMPDIR``) in a directory of its own under the cache's ``tmp/``, removed on exit,
    and emptied by ``cache prune`` if the process was killed. A cache where that cannot
    be made (read-only) leaves them in the system's temporary directory."""
    import tempfile  # noqa: PLC0415

    root = cache_dir if cache_dir is not None else records.default_cache_dir()
    bucket = os.path.join(os.path.abspath(os.path.expanduser(root)), "tmp")
    try:
        os.makedirs(bucket, exist_ok=True)
        private = tempfile.mkdtemp(prefix="cli-", dir=bucket)
    except OSError:
        return
    _private.append(private)
    tempfile.tempdir = private


def _remove_private_tmp() -> None:
    import shutil  # noqa: PLC0415

    while _private:
        shutil.rmtree(_private.pop(), ignore_errors=True)


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
    if _warm_metadata(words):
        return 0
    import logging  # noqa: PLC0415 (not needed by a warm answer)

    from sdistill.errors import SdistillError  # noqa: PLC0415

    args = _parser().parse_args(words)
    level = logging.WARNING - 10 * args.verbose + 10 * args.quiet
    logging.basicConfig(level=max(level, logging.DEBUG), format="%(levelname)s: %(message)s")
    _handle_signals()
    try:
        if args.command == "extract":
            _run_extract(args)
        elif args.command in ("metadata", "build"):
            _private_tmp(args.cache_dir)
            return _run_builds(args)
        elif args.command == "index":
            _run_index(args)
        else:
            _run_cache(args)
    except (SdistillError, OSError) as err:
        if isinstance(err, BrokenPipeError):
            raise
        print(f"error: {err}", file=sys.stderr)
        return 1
    except _Stopped as stop:
        import signal  # noqa: PLC0415

        what = "interrupted" if stop.signum == signal.SIGINT else "terminated"
        print(f"error: {what}", file=sys.stderr)
        return 128 + stop.signum
    finally:
        _remove_private_tmp()
    return 0
