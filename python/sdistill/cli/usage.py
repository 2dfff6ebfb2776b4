"""``--help``, ``--version`` and usage errors: argparse, built from the grammar.

argparse never parses a command line that runs: ``sdistill.cli.parser`` does. When that
parser refuses a command line, or is asked for help, this module builds an
``argparse.ArgumentParser`` from the same tables (``sdistill.cli.grammar``) and hands it
the words, so help and errors read as argparse writes them (exit status 0 for help,
2 for an error). Should argparse accept what the grammar's parser refused, the parser's
own message is reported the same way.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any, NoReturn

from sdistill.cli import grammar
from sdistill.cli.grammar import APPEND, COUNT, FLAG, UsageError

if TYPE_CHECKING:
    from collections.abc import Callable

    from sdistill.cli.grammar import Command, Option

__all__ = ["argument_parser", "speak"]


def speak(words: list[str], message: str) -> NoReturn:
    """Lets argparse print help, the version or the usage error of ``words``, and exit."""
    parser = argument_parser()
    parser.parse_args(words)
    parser.error(message)


def argument_parser() -> argparse.ArgumentParser:
    """The whole grammar as one argparse parser (commands as sub-parsers)."""
    parser = argparse.ArgumentParser(
        prog="sdistill", description=grammar.DESCRIPTION, allow_abbrev=False
    )
    for option in grammar.TOP:
        _add(parser, option, top=True)
    parser.add_argument("--version", action="version", version=grammar.VERSION)
    _add_commands(parser, grammar.COMMANDS, "command", "COMMAND")
    return parser


def _add_commands(
    parser: argparse.ArgumentParser, commands: tuple[Command, ...], dest: str, metavar: str
) -> None:
    sub = parser.add_subparsers(dest=dest, required=True, metavar=metavar)
    for command in commands:
        child = sub.add_parser(command.name, help=command.help, allow_abbrev=False)
        for option in command.options:
            _add(child, option, top=False)
        for positional in command.positionals:
            nargs: Any = positional.nargs or None
            child.add_argument(
                positional.dest, nargs=nargs, metavar=positional.metavar, help=positional.help
            )
        if command.actions:
            # An action's parser takes the command's options too, after the action.
            actions = tuple(_with(action, command.options) for action in command.actions)
            _add_commands(child, actions, "action", "ACTION")


def _with(action: Command, options: tuple[Option, ...]) -> Command:
    return grammar.Command(
        action.name,
        help=action.help,
        options=(*options, *action.options),
        positionals=action.positionals,
    )


def _add(parser: argparse.ArgumentParser, option: Option, top: bool) -> None:
    """One option; below the top, the options also accepted above it default to
    ``SUPPRESS``, so that a value given before the command name stays."""
    default: Any = option.default
    if not top and option in grammar.TOP:
        default = argparse.SUPPRESS
    extra: dict[str, Any] = {}
    if option.kind == FLAG:
        extra["action"] = "store_true"
    elif option.kind == COUNT:
        extra["action"] = "count"
    else:
        extra["action"] = "append" if option.kind == APPEND else "store"
        extra["metavar"] = option.metavar
        if option.choices:
            extra["choices"] = option.choices
        if option.check is not None:
            extra["type"] = _argparse_type(option.check)
    if option.required:
        extra["required"] = True
    parser.add_argument(*option.names, dest=option.dest, default=default, help=option.help, **extra)


def _argparse_type(check: Callable[[str], object]) -> Callable[[str], object]:
    """``check`` refusing with argparse's exception, so argparse words the error."""

    def convert(text: str) -> object:
        try:
            return check(text)
        except UsageError as err:
            raise argparse.ArgumentTypeError(str(err)) from None

    convert.__name__ = check.__name__
    return convert
