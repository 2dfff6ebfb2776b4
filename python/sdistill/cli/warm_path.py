"""A warm ``sdistill metadata``: answered from the cache before the build side loads.

The command line was parsed once (``sdistill.cli.parser``); here it is only judged.

A ``resolve`` command is answered by ``sdistill.warm.resolution`` (a recorded resolution
whose pages are the same) when its options are ones that answer reads itself or that
cannot change pins (``_WARM_RESOLVE``).

A
``metadata`` command is asked of the cache (``sdistill.warm.answers``) when every option
given is one the grammar marks ``warm`` -- options that only matter to a build, and the
ones the warm lookup reads itself: ``--cache-dir``, ``-C``, ``--index-url``,
``--no-index``, ``--offline``, ``--json``. Anything else (``--refresh``, build
constraints, extra build dependencies, ``$SDISTILL_BUILD_CONSTRAINT``: they change an
answer's key, which the builder computes) leaves the command to the builder, with the
same parsed options. So does any spec that is not a clean hit.
"""

from __future__ import annotations

from sdistill import environment, records
from sdistill.cli import config, grammar

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: a warm answer never imports typing
if TYPE_CHECKING:
    from sdistill.cli.parser import Args

__all__ = ["answer", "cold_option"]

#: The attribute names of the options a warm answer may ignore or reads itself.
_WARM = frozenset(
    option.dest
    for command in grammar.COMMANDS
    for option in (*grammar.TOP, *command.options)
    if option.warm
)


def cold_option(args: Args) -> str | None:
    """The first option given that only the builder may answer (``None``: none)."""
    for dest, name in args.given.items():
        if dest not in _WARM:
            return name
    return None


def answer(args: Args) -> bool:
    """Prints the answers when ``args`` is a ``metadata`` command whose specs are all
    warm cache hits, or a ``resolve`` command whose recorded resolution holds;
    ``False`` (nothing printed) when the builder must run."""
    if args.command == "resolve":
        return _resolution(args)
    if args.command != "metadata" or cold_option(args) is not None:
        return False
    if environment.build_constraint() or not all(args.specs):
        return False
    from sdistill import warm  # noqa: PLC0415

    settings = records.settings_key(config.settings(args.config_settings))
    root = config.cache_root(args.cache_dir)
    answers = warm.answers(root, args.specs, settings, config.index_url(args), args.offline)
    if answers is None:
        return False
    if args.json:
        print(records.json_list([j for j, _ in answers]))
    else:
        print("\n".join(text for _, text in answers))
    return True


#: The options of a ``resolve`` the warm answer reads itself or that cannot change its
#: pins; any other (``--extra-index-url``, ``--find-links``, ``--refresh``, build
#: constraints, extra build dependencies) leaves it to the resolver.
_WARM_RESOLVE = frozenset(
    {
        "cache_dir",
        "json",
        "quiet",
        "verbose",
        "index_url",
        "no_index",
        "offline",
        "no_build_isolation",
        "config_settings",
        "no_build",
        "jobs",
        "installer",
        "requirement",
        "constraint",
        "python_version",
        "platform",
        "output_file",
        "prefetch",
        "pre",
        "upgrade",
        "upgrade_package",
        "generate_hashes",
    }
)


def _resolution(args: Args) -> bool:
    """Prints a recorded resolution that still holds (``sdistill.warm.resolution``)."""
    if any(dest not in _WARM_RESOLVE for dest in args.given) or environment.build_constraint():
        return False
    from sdistill.cli.fast_resolve import show  # noqa: PLC0415
    from sdistill.resolution_inputs import builder_settings, kept_pins  # noqa: PLC0415
    from sdistill.warm.resolution import warm_resolution  # noqa: PLC0415

    index = config.index_url(args)
    settings = builder_settings(
        [index] if index else [],
        no_build=args.no_build,
        build_isolation=not args.no_build_isolation,
        config_settings=config.settings(args.config_settings),
    )
    found = warm_resolution(
        config.cache_root(args.cache_dir),
        args.requirements,
        args.requirement,
        args.constraint,
        python_version=args.python_version,
        platforms=args.platform,
        index_url=index,
        settings=settings,
        offline=args.offline,
        prefetch=not args.offline,
        prereleases=args.pre,
        generate_hashes=args.generate_hashes,
        preferences=kept_pins(
            args.output_file, upgrade=args.upgrade, upgrade_packages=args.upgrade_package
        ),
    )
    if found is None:
        return False
    return show(found, args.output_file, json=args.json, quiet=args.quiet > 0)
