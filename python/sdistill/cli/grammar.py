"""The command line's grammar: every command and option, written once.

The tables below are the only place an option is declared: its names, whether it takes
a value, how the value is checked, its default and its help. ``sdistill.cli.parser``
reads argv once against them into the namespace every command uses (a warm ``metadata``
and the builder flow alike), and ``sdistill.cli.usage`` builds an ``argparse`` parser
from them only to print ``--help`` and usage errors.

A warm answer loads this module, so it imports nothing: no ``argparse``, ``re`` or
``typing``. An option marked ``warm`` is one a warm answer may ignore or read itself;
any other option given sends ``metadata`` to the builder (``sdistill.cli.warm_path``).
"""

from __future__ import annotations

from sdistill import _core

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: a warm answer never imports typing
if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["COMMANDS", "TOP", "Command", "Option", "Positional", "UsageError"]

#: How an option is given: alone (``--json``), alone and repeatable (``-vv``), with a
#: value (``--jobs 4``), or with a value, repeatable, collected in a list.
FLAG, COUNT, VALUE, APPEND = "flag", "count", "value", "append"


class UsageError(Exception):
    """A command line the grammar refuses (argparse then says so, exit status 2)."""


class Option:
    """One option: its names (``-C``, ``--config-settings``), where its value goes."""

    __slots__ = (
        "check",
        "choices",
        "default",
        "dest",
        "help",
        "kind",
        "metavar",
        "names",
        "required",
        "warm",
    )

    def __init__(
        self,
        *names: str,
        kind: str = FLAG,
        dest: str | None = None,
        default: object = None,
        metavar: str | None = None,
        help: str,
        check: Callable[[str], object] | None = None,
        choices: tuple[str, ...] = (),
        required: bool = False,
        warm: bool = False,
    ) -> None:
        self.names = names
        self.kind = kind
        self.dest = dest or names[-1].lstrip("-").replace("-", "_")
        if default is None and kind == COUNT:
            default = 0
        elif default is None and kind == FLAG:
            default = False
        self.default = default
        self.metavar = metavar
        self.help = help
        self.check = check
        self.choices = choices
        self.required = required
        self.warm = warm

    @property
    def takes_value(self) -> bool:
        return self.kind in (VALUE, APPEND)


class Positional:
    """An operand: exactly one (``nargs=""``), one or more (``"+"``), any number
    (``"*"``) or optional (``"?"``)."""

    __slots__ = ("dest", "help", "metavar", "nargs")

    def __init__(
        self, dest: str, *, nargs: str = "", metavar: str | None = None, help: str = ""
    ) -> None:
        self.dest = dest
        self.nargs = nargs
        self.metavar = metavar
        self.help = help


class Command:
    """A command (or a cache action): its options, operands and sub-actions."""

    __slots__ = ("actions", "help", "name", "options", "positionals")

    def __init__(
        self,
        name: str,
        *,
        help: str,
        options: tuple[Option, ...] = (),
        positionals: tuple[Positional, ...] = (),
        actions: tuple[Command, ...] = (),
    ) -> None:
        self.name = name
        self.help = help
        self.options = options
        self.positionals = positionals
        self.actions = actions


# ---------------------------------------------------------------------------- values


def positive(text: str) -> int:
    """A whole number of at least 1."""
    return _at_least(text, 1)


def whole(text: str) -> int:
    """A whole number of at least 0."""
    return _at_least(text, 0)


def _at_least(text: str, low: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise UsageError(f"expected a whole number, got {text!r}") from None
    if value < low:
        raise UsageError(f"must be at least {low}, got {value}")
    return value


def python_version(text: str) -> str:
    """``X.Y`` or ``X.Y.Z``, digits only."""
    parts = text.split(".")
    if len(parts) not in (2, 3) or not all(part.isdigit() for part in parts):
        raise UsageError(f"expected a Python version X.Y or X.Y.Z, got {text!r}")
    return text


def project_name(text: str) -> str:
    """A project name (letters, digits, ``-``, ``_``, ``.``; a letter or digit at each
    end), as PEP 508 spells one."""
    from sdistill.sources import is_project_name  # noqa: PLC0415 (only when given)

    if not is_project_name(text):
        raise UsageError(f"expected a project name, got {text!r}")
    return text


def hash_pair(text: str) -> tuple[str, str]:
    """``ALGORITHM:HEX``, the algorithm lower-cased."""
    algorithm, sep, digest = text.partition(":")
    if not sep or not algorithm or not digest:
        raise UsageError(f"expected ALGORITHM:HEX, got {text!r}")
    return algorithm.lower(), digest


def key_value(text: str) -> tuple[str, str]:
    """``KEY=VALUE`` of a config setting (the value may be empty)."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise UsageError(f"expected KEY=VALUE, got {text!r}")
    return key, value


def dependency_pair(text: str) -> tuple[str, str]:
    """``NAME=REQUIREMENT``, both stripped and non-empty."""
    name, sep, requirement = text.partition("=")
    if not sep or not name.strip() or not requirement.strip():
        raise UsageError(f"expected NAME=REQUIREMENT, got {text!r}")
    return name.strip(), requirement.strip()


# ---------------------------------------------------------------------------- options

CACHE_DIR = Option(
    "--cache-dir",
    kind=VALUE,
    metavar="DIR",
    help="cache root (default: $SDISTILL_CACHE_DIR, else the user cache directory)",
    warm=True,
)
#: How much is printed, and how; accepted before or after the command name.
OUTPUT = (
    Option("--json", help="machine output", warm=True),
    Option("-q", "--quiet", kind=COUNT, help="less output", warm=True),
    Option("-v", "--verbose", kind=COUNT, help="more output", warm=True),
)
#: The options before the command name (``--help`` and ``--version`` besides).
TOP = (CACHE_DIR, *OUTPUT)

#: Where projects come from: the options of every command that reads an index. A warm
#: answer reads ``--index-url``, ``--no-index`` and ``--offline`` itself.
INDEX = (
    Option(
        "--index-url",
        kind=VALUE,
        metavar="URL",
        help="the package index, a PEP 503/691 simple API (default: https://pypi.org/simple)",
        warm=True,
    ),
    Option(
        "--extra-index-url",
        kind=APPEND,
        default=[],
        metavar="URL",
        help="another index, looked at after --index-url (repeatable)",
        warm=True,
    ),
    Option("--no-index", help="use no index (find-links only)", warm=True),
    Option(
        "-f",
        "--find-links",
        kind=APPEND,
        default=[],
        metavar="PATH_OR_URL",
        help="a directory of wheels and sdists, or an HTML page linking to them: searched "
        "for build requirements, and by resolve for candidates (repeatable)",
        warm=True,
    ),
    Option("--offline", help="never touch the network", warm=True),
    Option("--refresh", help="revalidate everything cached"),
    Option(
        "--refresh-package",
        kind=APPEND,
        default=[],
        metavar="NAME",
        help="revalidate what is cached for this package (repeatable)",
    ),
)

#: How sources are built. Constraints and extra dependencies are part of an answer's
#: key, which the builder computes: they are not ``warm``.
BUILD = (
    *INDEX,
    Option("--no-build-isolation", help="build in this Python", warm=True),
    Option(
        "-C",
        "--config-settings",
        kind=APPEND,
        default=[],
        metavar="KEY=VALUE",
        check=key_value,
        help="passed to the build backend (repeatable)",
        warm=True,
    ),
    Option("--no-build", help="fail where a build is needed", warm=True),
    Option(
        "--jobs",
        kind=VALUE,
        metavar="N",
        check=positive,
        help="hooks run at once, at least 1 (default: the number of CPUs)",
        warm=True,
    ),
    Option(
        "--installer",
        kind=VALUE,
        choices=("uv", "pip"),
        help="what fills build environments (default: uv if found, else pip)",
        warm=True,
    ),
    Option(
        "--build-constraint",
        kind=APPEND,
        metavar="FILE",
        help="constraints for every build environment's install (repeatable; "
        "default: the file $SDISTILL_BUILD_CONSTRAINT names)",
    ),
    Option(
        "--extra-build-dependency",
        kind=APPEND,
        default=[],
        metavar="NAME=REQ",
        check=dependency_pair,
        help="add REQ to the build environment of project NAME (repeatable)",
    ),
)

_SPECS = Positional("specs", nargs="+", metavar="SPEC", help="an sdist, a project directory, …")

# ---------------------------------------------------------------------------- commands

COMMANDS = (
    Command(
        "extract",
        help="extract an archive safely",
        options=(
            *OUTPUT,
            Option("--strip-top-level", help="drop the top directory"),
            Option(
                "--hash",
                kind=APPEND,
                dest="hashes",
                default=[],
                metavar="ALGO:HEX",
                check=hash_pair,
                help="expected hash of the archive (repeatable)",
            ),
            Option(
                "--max-unpacked-size",
                kind=VALUE,
                default=_core.DEFAULT_MAX_UNPACKED_SIZE,
                metavar="BYTES",
                check=positive,
                help="refuse an archive that unpacks to more (default: %(default)s)",
            ),
            Option(
                "--max-entries",
                kind=VALUE,
                default=_core.DEFAULT_MAX_ENTRIES,
                metavar="N",
                check=positive,
                help="refuse an archive with more members (default: %(default)s)",
            ),
        ),
        positionals=(Positional("archive"), Positional("dest")),
    ),
    Command(
        "metadata",
        help="core metadata of source distributions",
        options=(*TOP, *BUILD),
        positionals=(_SPECS,),
    ),
    Command(
        "build",
        help="build wheels",
        options=(
            *TOP,
            *BUILD,
            Option("-o", "--out-dir", kind=VALUE, required=True, help="where to put the wheels"),
        ),
        positionals=(_SPECS,),
    ),
    Command(
        "resolve",
        help="pin requirements and their dependencies (needs sdistill[resolve])",
        options=(
            *TOP,
            *BUILD,
            Option(
                "-r",
                "--requirement",
                kind=APPEND,
                default=[],
                metavar="FILE",
                help="resolve the requirements of FILE too; a pyproject.toml, setup.py or "
                "setup.cfg: the project's dependencies (repeatable)",
            ),
            Option(
                "-c",
                "--constraint",
                kind=APPEND,
                default=[],
                metavar="FILE",
                help="bound versions by the constraints of FILE (repeatable)",
            ),
            Option(
                "--python-version",
                kind=VALUE,
                metavar="X.Y",
                check=python_version,
                help="resolve for this CPython version (default: the running Python)",
            ),
            Option(
                "--platform",
                kind=APPEND,
                default=[],
                metavar="TAG",
                help="resolve for wheels of this platform tag, e.g. manylinux_2_28_x86_64 "
                "(repeatable; default: this machine)",
            ),
            Option(
                "--extra",
                kind=APPEND,
                default=[],
                metavar="NAME",
                help="with -r pyproject.toml (setup.py, setup.cfg): the project's extra NAME "
                "too (repeatable)",
            ),
            Option("--all-extras", help="with -r pyproject.toml: every extra of the project"),
            Option(
                "-U",
                "--upgrade",
                help="pin the newest versions allowed, not the pins of an existing -o FILE "
                "(by default they are kept where the requirements allow them)",
            ),
            Option(
                "-P",
                "--upgrade-package",
                kind=APPEND,
                default=[],
                metavar="NAME",
                check=project_name,
                help="do not keep the pin of NAME from an existing -o FILE (repeatable)",
            ),
            Option(
                "--only-binary",
                kind=APPEND,
                default=[],
                metavar="NAMES",
                help="use only wheels of these projects (comma-separated; :all: for "
                "every project) (repeatable)",
            ),
            Option(
                "--no-binary",
                kind=APPEND,
                default=[],
                metavar="NAMES",
                help="use only sdists of these projects (comma-separated; :all: for "
                "every project) (repeatable)",
            ),
            Option(
                "--generate-hashes",
                help="write the sha256 of every file of each pin (--hash=, for pip's "
                "hash-checking mode)",
            ),
            Option(
                "--pre",
                help="allow pre-releases of every project (default: only where a "
                "specifier names one, or a project has nothing else)",
            ),
            Option(
                "-o", "--output-file", kind=VALUE, metavar="FILE", help="write the pins to FILE"
            ),
            Option(
                "--prefetch",
                kind=VALUE,
                default=1,
                metavar="N",
                check=whole,
                help="fetch the metadata of a project's N newest candidates ahead "
                "(default: %(default)s)",
            ),
        ),
        positionals=(
            Positional("requirements", nargs="*", metavar="REQ", help="a requirement (PEP 508)"),
        ),
    ),
    Command(
        "index",
        help="versions and files of a project on the index",
        options=(*TOP, *INDEX, Option("--files", help="list every file, not only versions")),
        positionals=(Positional("name", help="a project name"),),
    ),
    Command(
        "cache",
        help="inspect or clean the cache",
        options=TOP,
        actions=(
            Command("dir", help="print the cache root"),
            Command("size", help="bytes and files per bucket"),
            Command(
                "clean",
                help="remove all or one package",
                positionals=(
                    Positional("name", nargs="?", help="a package name (default: everything)"),
                ),
            ),
            Command("prune", help="remove unreferenced entries"),
        ),
    ),
)

DESCRIPTION = "Python source distributions turned into metadata and wheels."
VERSION = f"sdistill {_core.__version__}"
