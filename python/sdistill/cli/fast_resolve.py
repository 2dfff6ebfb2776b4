"""A warm ``sdistill resolve`` read straight from argv, before the command-line parser.

A replayed resolution takes a few milliseconds of cache reads; importing the parser and
its grammar takes longer. So a ``resolve`` command line made only of the options below
is read here, by a few lines of plain code, and answered by
``sdistill.warm.resolution`` when its record holds:

- ``resolve`` first, then operands (requirements) and options in any order;
- ``-r``/``--requirement``, ``-c``/``--constraint``, ``--python-version``,
  ``--platform``, ``-o``/``--output-file``, ``--index-url``, ``--cache-dir``,
  ``--prefetch``, ``-P``/``--upgrade-package``, each with its value as the next word or
  after ``=``;
- ``--offline``, ``--json``, ``-q``/``--quiet``, ``--pre``, ``-U``/``--upgrade``,
  ``--generate-hashes``.

Anything else -- another option, an option before ``resolve``, a value that looks like
an option or that the grammar would refuse, a repeated short flag, ``--`` -- and any
command line that is not a clean hit goes on to the parser (``sdistill.cli.parser``),
which reads every form, reports usage errors and tries the warm answer again with
every option it allows (``warm_path``). So this is only ever a shortcut: what it
answers, the parser and the resolver would answer the same.
"""

from __future__ import annotations

from sdistill import environment, records
from sdistill.cli.config import cache_root
from sdistill.resolution_inputs import builder_settings, kept_pins
from sdistill.sources import is_project_name

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: a warm answer never imports typing
if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["answer", "show"]

#: Options with a value -> where it goes (a list: repeatable).
_VALUES = {
    "-r": "requirement",
    "--requirement": "requirement",
    "-c": "constraint",
    "--constraint": "constraint",
    "--platform": "platform",
    "--python-version": "python_version",
    "-o": "output_file",
    "--output-file": "output_file",
    "--index-url": "index_url",
    "--cache-dir": "cache_dir",
    "--prefetch": "prefetch",
    "-P": "upgrade_package",
    "--upgrade-package": "upgrade_package",
}
_REPEATED = frozenset({"requirement", "constraint", "platform", "upgrade_package"})
_FLAGS = {
    "--offline": "offline",
    "--json": "json",
    "-q": "quiet",
    "--quiet": "quiet",
    "--pre": "pre",
    "-U": "upgrade",
    "--upgrade": "upgrade",
    "--generate-hashes": "generate_hashes",
}


def answer(words: list[str]) -> bool:
    """Prints the recorded pins when ``words`` is a plain warm ``resolve`` command line
    whose record holds; ``False`` (nothing printed) otherwise."""
    given = _read(words)
    if given is None or environment.build_constraint():
        return False
    from sdistill.warm.resolution import warm_resolution  # noqa: PLC0415

    index = given.get("index_url") or records.DEFAULT_INDEX_URL
    assert isinstance(index, str)
    output = _one(given, "output_file")
    found = warm_resolution(
        cache_root(_one(given, "cache_dir")),
        _many(given, "operands"),
        _many(given, "requirement"),
        _many(given, "constraint"),
        python_version=_one(given, "python_version"),
        platforms=_many(given, "platform"),
        index_url=index,
        settings=builder_settings([index]),
        offline="offline" in given,
        prefetch="offline" not in given,
        prereleases="pre" in given,
        generate_hashes="generate_hashes" in given,
        preferences=kept_pins(
            output,
            upgrade="upgrade" in given,
            upgrade_packages=_many(given, "upgrade_package"),
        ),
    )
    if found is None:
        return False
    return show(found, output, json="json" in given, quiet="quiet" in given)


def show(found: tuple[str, str], output: str | None, *, json: bool, quiet: bool) -> bool:
    """Shows a recorded resolution ``(text, report)`` as the resolver would: the text
    into ``-o FILE``, the report (``--json``) or the text on stdout. ``False`` (nothing
    printed) when the file cannot be written: the command then goes on to the
    resolver, which reports it as every error is."""
    text, report = found
    if output is not None:
        try:
            with open(output, "w", encoding="utf-8") as file:
                file.write(text)
        except OSError:
            return False
    if json:
        print(report)
    elif not quiet:
        print(text, end="")
    return True


def _read(words: list[str]) -> dict[str, str | list[str]] | None:
    """The options and operands of a plain ``resolve`` command line, else ``None``."""
    if not words or words[0] != "resolve":
        # Before the command only --cache-dir, --json and -q are allowed: leave the
        # rare command line that has them (or an error) to the parser.
        return None
    given: dict[str, str | list[str]] = {"operands": []}
    pending = iter(words[1:])
    operands = [word for word in pending if _take(word, pending, given) is None]
    if _ERROR in given or not _valid(given):
        return None
    _many(given, "operands").extend(operands)
    return given


def _valid(given: dict[str, str | list[str]]) -> bool:
    """Whether the values the grammar checks are plainly valid (else the parser
    reports them): ``--python-version`` X.Y or X.Y.Z, ``--prefetch`` a whole number,
    ``-P`` a project name."""
    version = _one(given, "python_version")
    if version is not None:
        parts = version.split(".")
        if len(parts) not in (2, 3) or not all(p.isascii() and p.isdigit() for p in parts):
            return False
    prefetch = _one(given, "prefetch")
    if prefetch is not None and not (prefetch.isascii() and prefetch.isdigit()):
        return False
    return all(is_project_name(value) for value in _many(given, "upgrade_package"))


#: Marks a command line this module does not read.
_ERROR = "error"


def _take(word: str, rest: Iterator[str], given: dict[str, str | list[str]]) -> str | None:
    """Reads the option ``word`` (its value from ``rest`` when it takes one) into
    ``given``; ``None`` for an operand, else ``word``."""
    if not word.startswith("-") or word == "-":
        return None
    name, equals, value = word.partition("=")
    dest = _FLAGS.get(name) if not equals else None
    if dest is not None:
        given[_ERROR if dest in given else dest] = ""
        return word
    dest = _VALUES.get(name)
    taken = value if equals else next(rest, None)
    if taken is not None and not equals and taken.startswith("-"):
        taken = None  # an option where a value belongs: the parser's error to report
    if dest is None or taken is None or (dest in given and dest not in _REPEATED):
        given[_ERROR] = ""
    elif dest in _REPEATED:
        given.setdefault(dest, [])
        _many(given, dest).append(taken)
    else:
        given[dest] = taken
    return word


def _one(given: dict[str, str | list[str]], dest: str) -> str | None:
    value = given.get(dest)
    return value if isinstance(value, str) else None


def _many(given: dict[str, str | list[str]], dest: str) -> list[str]:
    value = given.get(dest, [])
    return value if isinstance(value, list) else []
