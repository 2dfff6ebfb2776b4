"""From parsed options to what sdistill is asked: the builder, its settings, the index.

The warm path reads ``settings``, ``index_url`` and ``cache_root`` too, so that a warm
answer and the builder see the same options the same way; this module imports the build
side only inside ``builder``.
"""

from __future__ import annotations

import os

from sdistill import environment, records

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: a warm answer never imports typing
if TYPE_CHECKING:
    from sdistill.builder import SourceDistBuilder
    from sdistill.cli.parser import Args
    from sdistill.reporter import Reporter

__all__ = ["builder", "cache_root", "index_url", "settings"]


def cache_root(cache_dir: str | None) -> str:
    """The absolute cache root of ``--cache-dir`` (else the default one)."""
    root = cache_dir if cache_dir is not None else environment.cache_dir()
    return os.path.abspath(os.path.expanduser(root))


def index_url(args: Args) -> str | None:
    """The index of ``--index-url`` (else PyPI); ``None`` with ``--no-index``."""
    return None if args.no_index else (args.index_url or records.DEFAULT_INDEX_URL)


def settings(pairs: list[tuple[str, str]]) -> dict[str, str | list[str]]:
    """``-C`` options as config settings (a key given twice gets a list)."""
    found: dict[str, str | list[str]] = {}
    for key, value in pairs:
        previous = found.get(key)
        if previous is None:
            found[key] = value
        else:
            found[key] = [*([previous] if isinstance(previous, str) else previous), value]
    return found


def builder(args: Args, reporter: Reporter) -> SourceDistBuilder:
    """The builder the options describe (``index`` has no build options: their
    defaults)."""
    from packaging.utils import canonicalize_name  # noqa: PLC0415 (the build side)

    from sdistill.builder import SourceDistBuilder  # noqa: PLC0415

    return SourceDistBuilder(
        cache_dir=args.cache_dir,
        index_url=index_url(args),
        extra_index_urls=args.extra_index_url,
        offline=args.offline,
        refresh=True if args.refresh else [canonicalize_name(n) for n in args.refresh_package],
        build_isolation=not args.no_build_isolation,
        config_settings=settings(args.config_settings),
        no_build=args.no_build,
        reporter=reporter,
        jobs=args.jobs,
        find_links=args.find_links,
        installer=args.installer,
        build_constraints=_constraints(args.build_constraint),
        extra_build_dependencies=_extra_dependencies(args.extra_build_dependency),
    )


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
