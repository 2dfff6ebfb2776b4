"""argv, read once against the grammar (``sdistill.cli.grammar``).

Options of ``grammar.TOP`` may come before the command name; a command's own options
(and a cache action's) anywhere after it, between its operands too. Values are given as
``--opt value``, ``--opt=value``, ``-C value`` or ``-Cvalue``; flags cluster (``-qq``).
Long options are spelled in full, no abbreviations (the argparse parser of
``sdistill.cli.usage`` is told the same). After ``--`` every word is an operand, and a
word like ``-1`` is a value or an operand, never an option, as with argparse.

Anything else raises :class:`~sdistill.cli.grammar.UsageError`; ``-h``, ``--help`` and
``--version`` raise :class:`Help`. Either way the caller lets argparse speak, so that
help and usage errors read as argparse writes them. Loaded for a warm answer: this
module imports nothing (no ``argparse``, ``re`` or ``typing``).
"""

from __future__ import annotations

from sdistill.cli import grammar
from sdistill.cli.grammar import APPEND, COUNT, FLAG, VALUE, Command, Option, UsageError

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: a warm answer never imports typing
if TYPE_CHECKING:
    from typing import Any

    from sdistill.cli.grammar import Positional

__all__ = ["Args", "Help", "parse"]


class Help(Exception):
    """``--help`` or ``--version`` was asked for; argparse prints it."""


class Args:
    """A parsed command line: ``command`` (and ``action`` of ``cache``), one attribute
    per option and operand of the grammar (its default when not given), and ``given``:
    each option given, by its attribute name, spelled as its long name."""

    command: str
    action: str | None
    given: dict[str, str]

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)

    if TYPE_CHECKING:

        def __getattr__(self, name: str) -> Any: ...


def parse(words: list[str]) -> Args:
    """``words`` (argv without the program) as :class:`Args`."""
    return _Reader(words).read()


class _Reader:
    """One pass over the words: the command, its options, its operands."""

    def __init__(self, words: list[str]) -> None:
        self.words = words
        self.at = 0
        self.values = _defaults()
        self.given: dict[str, str] = {}
        self.command: Command | None = None
        self.action: Command | None = None
        self.table = _by_name(grammar.TOP)
        self.operands: list[str] = []

    def read(self) -> Args:
        only_operands = False
        while self.at < len(self.words):
            word = self.words[self.at]
            self.at += 1
            if only_operands or not _is_option(word):
                self._operand(word)
            elif word == "--":
                only_operands = True
            elif word in ("-h", "--help") or (word == "--version" and self.command is None):
                raise Help(word)
            elif word.startswith("--"):
                self._long(word)
            else:
                self._short(word)
        command, action = self.command, self.action
        if command is None:
            raise UsageError("the following arguments are required: COMMAND")
        if command.actions and action is None:
            raise UsageError("the following arguments are required: ACTION")
        _assign(self.values, (action or command).positionals, self.operands)
        for option in self.table.values():
            if option.required and option.dest not in self.given:
                names = "/".join(option.names)
                raise UsageError(f"the following arguments are required: {names}")
        self.values.update(command=command.name, action=action and action.name)
        return Args({**self.values, "given": self.given})

    def _operand(self, word: str) -> None:
        """The command's name, the cache action's, or an operand."""
        if self.command is None:
            self.command = _choose(grammar.COMMANDS, word, "COMMAND")
            self.table = _by_name(self.command.options)
        elif self.command.actions and self.action is None:
            self.action = _choose(self.command.actions, word, "ACTION")
            self.table = _by_name(self.command.options + self.action.options)
        else:
            self.operands.append(word)

    def _long(self, word: str) -> None:
        """``--name``, ``--name=value`` or ``--name value``."""
        name, eq, inline = word.partition("=")
        option = _option(self.table, name, word)
        if not option.takes_value:
            if eq:
                raise UsageError(f"argument {name}: ignored explicit argument {inline!r}")
            self._store(option, name, "")
        else:
            self._store(option, name, inline if eq else self._next(option))

    def _short(self, word: str) -> None:
        """``-q``, ``-qv``, ``-Ckey=value``, ``-C=key=value`` or ``-C key=value``."""
        rest = word[1:]
        while rest:
            name, rest = "-" + rest[0], rest[1:]
            option = _option(self.table, name, word)
            if not option.takes_value:
                self._store(option, name, "")
            elif rest:
                self._store(option, name, rest.removeprefix("="))
                rest = ""
            else:
                self._store(option, name, self._next(option))

    def _next(self, option: Option) -> str:
        """The next word, as the value of ``option``."""
        if self.at >= len(self.words) or _is_option(self.words[self.at]):
            raise UsageError(f"argument {'/'.join(option.names)}: expected one argument")
        self.at += 1
        return self.words[self.at - 1]

    def _store(self, option: Option, name: str, text: str) -> None:
        values = self.values
        self.given.setdefault(option.dest, option.names[-1])
        if option.kind == FLAG:
            values[option.dest] = True
            return
        if option.kind == COUNT:
            values[option.dest] += 1
            return
        if option.choices and text not in option.choices:
            raise UsageError(f"argument {name}: invalid choice: {text!r}")
        value: object = text
        if option.check is not None:
            try:
                value = option.check(text)
            except UsageError as err:
                raise UsageError(f"argument {'/'.join(option.names)}: {err}") from None
        if option.kind == VALUE:
            values[option.dest] = value
        elif option.kind == APPEND:
            values[option.dest] = [*(values[option.dest] or ()), value]


def _defaults() -> dict[str, Any]:
    """Every attribute of :class:`Args` at its default (lists fresh for this parse)."""
    values: dict[str, Any] = {}
    for command in grammar.COMMANDS:
        for each in (command, *command.actions):
            for option in (*grammar.TOP, *each.options):
                default = option.default
                values[option.dest] = list(default) if isinstance(default, list) else default
            for positional in each.positionals:
                values[positional.dest] = [] if positional.nargs in ("+", "*") else None
    return values


def _by_name(options: tuple[Option, ...]) -> dict[str, Option]:
    return {name: option for option in options for name in option.names}


def _is_option(word: str) -> bool:
    """``word`` reads as an option: ``-`` alone and negative numbers do not."""
    return len(word) > 1 and word[0] == "-" and not _negative_number(word)


def _negative_number(word: str) -> bool:
    """``-2`` or ``-1.5`` or ``-.5`` (argparse's ``^-\\d+$|^-\\d*\\.\\d+$``)."""
    whole, dot, fraction = word[1:].partition(".")
    if dot:
        return (not whole or whole.isdigit()) and fraction.isdigit()
    return whole.isdigit()


def _choose(commands: tuple[Command, ...], word: str, what: str) -> Command:
    for command in commands:
        if command.name == word:
            return command
    raise UsageError(f"argument {what}: invalid choice: {word!r}")


def _option(table: dict[str, Option], name: str, word: str) -> Option:
    option = table.get(name)
    if option is None:
        raise UsageError(f"unrecognized arguments: {word}")
    return option


def _assign(values: dict[str, Any], positionals: tuple[Positional, ...], words: list[str]) -> None:
    """Hands the operands to the command's positionals, in order."""
    least = [0 if p.nargs in ("?", "*") else 1 for p in positionals]
    if len(words) < sum(least):
        names = [p.metavar or p.dest for p, n in zip(positionals, least) if n]
        raise UsageError(f"the following arguments are required: {', '.join(names)}")
    at = 0
    for i, positional in enumerate(positionals):
        free = len(words) - at - sum(least[i + 1 :])
        many = positional.nargs in ("+", "*")
        take = free if many else min(free, 1)
        chunk = words[at : at + take]
        at += take
        values[positional.dest] = chunk if many else next(iter(chunk), None)
    if at < len(words):
        raise UsageError(f"unrecognized arguments: {' '.join(words[at:])}")
