"""The inputs of a resolution, read without ``packaging``: requirements files' lines, the
pins an existing output file holds (:func:`kept_pins`), and the key a resolution is
recorded under.

Both ways of answering ``sdistill resolve`` use this module: the resolver
(``sdistill.resolve``: ``files``, ``replay``) and the warm command line
(``sdistill.warm.resolution``), which answers a replayable resolution before
``packaging`` or ``resolvelib`` is imported. So the key is made of what the command line
holds -- the requirement texts as written, the ``--python-version`` and ``--platform``
given (or none) -- and never of what only ``packaging`` computes (normalised
requirements, the target's tags and markers). What the target defaults to is a function
of the interpreter and the machine, so the key holds the facts those defaults are made
of (:func:`machine`): the same text on another interpreter or kernel is another record.
Two spellings of one requirement are two records; each is right.

Requirements files (``-r``, ``-c``) are the subset of pip's format that names
requirements:

- blank lines and comments (``#`` at the start of a line or after whitespace);
- a ``\\`` at the end of a line continues it on the next;
- ``-r FILE`` / ``--requirement FILE`` includes another file, ``-c FILE`` /
  ``--constraint FILE`` a constraints file, each relative to the including file;
- ``-e PATH`` / ``--editable PATH`` names a project directory to resolve as an editable
  install;
- the resolver's options, as pip and uv read them from a requirements file:
  ``-i``/``--index-url URL``, ``--extra-index-url URL``, ``-f``/``--find-links
  PLACE``, ``--no-index``, ``--pre``, ``--only-binary`` and ``--no-binary``
  (:class:`Options`; see ``sdistill.cli.resolve`` for how they join the command
  line's);
- every other line is a requirement, parsed by the caller (``sdistill.resolve.files``):
  PEP 508, or a path or URL.

A relative path on a requirement or ``-e`` line is relative to the working directory,
as pip and uv read it; one in ``-r``/``-c`` is relative to the including file, and one
in ``--find-links`` too when it exists there (pip's rule).

Any other option (``--trusted-host``, ``--prefer-binary`` ...) is refused, naming the
file and line, rather than silently ignored; ``--hash`` options on a requirement line
are dropped.
"""

from __future__ import annotations

import os
import sys

from sdistill import _core
from sdistill.sources import canonical_name

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: the warm path never imports typing
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence
    from typing import Any

__all__ = [
    "FORMAT",
    "PROJECT_FILES",
    "Line",
    "Lines",
    "Options",
    "builder_settings",
    "formats",
    "is_project_file",
    "kept_pins",
    "machine",
    "pins_in",
    "preferred",
    "read_lines",
    "record_key",
]

#: The format of a record and of its key (the core's: it makes the key and checks
#: records too).
FORMAT: int = _core.RESOLUTION_FORMAT

#: The files ``-r`` may name that are a project, not a list of requirements: the
#: project's dependencies are the input (``sdistill.resolve.projects``).
PROJECT_FILES = frozenset({"pyproject.toml", "setup.py", "setup.cfg"})


def is_project_file(path: str | os.PathLike[str]) -> bool:
    """Whether ``-r path`` names a project (:data:`PROJECT_FILES`)."""
    return os.path.basename(os.fspath(path)) in PROJECT_FILES


_INCLUDE = frozenset({"-r", "--requirement"})
_CONSTRAIN = frozenset({"-c", "--constraint"})
_EDITABLE = frozenset({"-e", "--editable"})
#: The options with a value a file may set -> the ``Options`` attribute.
_SETTINGS = {
    "-i": "index_url",
    "--index-url": "index_url",
    "--extra-index-url": "extra_index_urls",
    "-f": "find_links",
    "--find-links": "find_links",
    "--only-binary": "only_binary",
    "--no-binary": "no_binary",
}
#: The flags a file may set -> the ``Options`` attribute.
_SWITCHES = {"--no-index": "no_index", "--pre": "pre"}


class Line:
    """One requirement of a file: its text, where it was written (``file:line``), and
    whether it was an ``-e`` line (then ``text`` is the path or URL, as written)."""

    __slots__ = ("editable", "text", "where")

    def __init__(self, text: str, where: str, *, editable: bool = False) -> None:
        self.text = text
        self.where = where
        self.editable = editable


class Options:
    """The resolver's options a set of files sets (pip's and uv's spellings): the last
    ``--index-url`` wins, extra index URLs and find-links add up in order, flags stay
    set."""

    __slots__ = (
        "extra_index_urls",
        "find_links",
        "index_url",
        "no_binary",
        "no_index",
        "only_binary",
        "pre",
    )

    def __init__(self) -> None:
        self.index_url: str | None = None
        self.extra_index_urls: list[str] = []
        self.find_links: list[str] = []
        self.only_binary: list[str] = []
        self.no_binary: list[str] = []
        self.no_index = False
        self.pre = False

    @property
    def indexes(self) -> bool:
        """Whether the files change where projects are found."""
        return bool(self.index_url or self.extra_index_urls or self.find_links or self.no_index)


class Lines:
    """What a set of files asks for: requirement lines and constraint lines, in order,
    and the options they set."""

    __slots__ = ("constraints", "options", "requirements")

    def __init__(self) -> None:
        self.requirements: list[Line] = []
        self.constraints: list[Line] = []
        self.options = Options()


def read_lines(
    paths: Sequence[str | os.PathLike[str]], constraints: Sequence[str | os.PathLike[str]] = ()
) -> Lines:
    """The requirement lines of the files ``paths`` and the constraint lines of
    ``constraints`` (each file once, however often it is included). A line that is an
    option other than an include is an ``InvalidSourceError``."""
    found = Lines()
    seen: set[str] = set()
    for path in paths:
        _read(os.fspath(path), found, constraint=False, seen=seen)
    for path in constraints:
        _read(os.fspath(path), found, constraint=True, seen=seen)
    return found


def _read(path: str, found: Lines, *, constraint: bool, seen: set[str]) -> None:
    resolved = os.path.realpath(path)
    if resolved in seen:
        return
    seen.add(resolved)
    with open(path, encoding="utf-8") as file:
        text = file.read()
    for number, line in _logical_lines(text):
        where = f"{path}:{number}"
        if not line.startswith("-"):
            text = _without_hashes(line, where)
            (found.constraints if constraint else found.requirements).append(Line(text, where))
            continue
        option, value = _option(line)
        if option in _SWITCHES:
            if value:
                _refuse(f"{where}: {option} takes no value")
            setattr(found.options, _SWITCHES[option], True)
            continue
        if not value:
            _refuse(f"{where}: {option} needs a value")
        if option in _INCLUDE or option in _CONSTRAIN:
            nested = os.path.join(os.path.dirname(path), value)
            _read(nested, found, constraint=constraint or option in _CONSTRAIN, seen=seen)
        elif option in _EDITABLE:
            if constraint:
                _refuse(f"{where}: a constraints file cannot name an editable project")
            found.requirements.append(Line(value, where, editable=True))
        elif option in _SETTINGS:
            _set(found.options, _SETTINGS[option], value, path)
        else:
            _refuse(f"{where}: the option {option} is not supported here")


def _without_hashes(line: str, where: str) -> str:
    """A requirement line without its ``--hash=`` options (a pinned file with hashes,
    as ``--generate-hashes`` writes it, read again as requirements or constraints);
    another per-requirement option is refused."""
    words = line.split()
    at = next((i for i, word in enumerate(words) if word.startswith("--")), None)
    if at is None:
        return line
    rest = words[at:]
    while rest:
        word = rest.pop(0)
        if word == "--hash" and rest:
            rest.pop(0)  # its value
        elif not word.startswith("--hash="):
            _refuse(f"{where}: the option {word.partition('=')[0]} is not supported here")
    return " ".join(words[:at])


def _option(line: str) -> tuple[str, str]:
    """An option line's option and value: ``--index-url URL``, ``--index-url=URL`` or
    ``-iURL`` (a short option's value may follow it directly, as pip reads it)."""
    word, _, value = line.partition(" ")
    if "\t" in word:
        word, _, rest = word.partition("\t")
        value = f"{rest} {value}"
    if word.startswith("--"):
        option, equals, attached = word.partition("=")
    else:  # `-e./x`, `-i=URL` (a value's own `=` belongs to the value)
        option, attached, equals = word[:2], word[2:].removeprefix("="), ""
    if equals or attached:
        value = f"{attached} {value}"
    return option, value.strip()


def _set(options: Options, attribute: str, value: str, path: str) -> None:
    if attribute == "index_url":
        options.index_url = value
    elif attribute == "extra_index_urls":
        options.extra_index_urls.append(value)
    elif attribute == "find_links":
        options.find_links.append(_find_links(value, path))
    else:  # --only-binary, --no-binary: names (or :all:), comma-separated as pip reads them
        getattr(options, attribute).extend(formats(value))


def formats(value: str) -> list[str]:
    """The names of an ``--only-binary`` / ``--no-binary`` value (``a,b``, ``:all:``)."""
    return [name.strip() for name in value.split(",") if name.strip()]


def _find_links(value: str, path: str) -> str:
    """A ``--find-links`` place as pip reads it from the file ``path``: a relative path
    that exists next to the file is that one, anything else is as written."""
    if "://" in value or os.path.isabs(value):
        return value
    beside = os.path.join(os.path.dirname(path), value)
    return beside if os.path.exists(beside) else value


def kept_pins(
    output_file: str | None, *, upgrade: bool = False, upgrade_packages: Sequence[str] = ()
) -> list[str]:
    """The pins of ``-o FILE`` a resolution keeps (:func:`preferred`): none with
    ``--upgrade``, and none of the ``--upgrade-package`` projects."""
    if upgrade or output_file is None:
        return []
    dropped = {canonical_name(name) for name in upgrade_packages}
    pins = preferred(output_file)
    return [pin for pin in pins if canonical_name(pin.partition("==")[0]) not in dropped]


def preferred(path: str | os.PathLike[str] | None) -> list[str]:
    """The pins of an existing output file (``-o FILE``), which a new resolution keeps
    where the requirements still allow them, as ``uv pip compile`` and ``pip-compile``
    keep them: its ``name==version`` lines as written (extras, markers, hashes and
    comments dropped; paths, URLs, editables and options skipped). No file: none."""
    if path is None:
        return []
    try:
        with open(path, encoding="utf-8") as file:
            text = file.read()
    except (OSError, UnicodeDecodeError):
        return []  # none, or unreadable: a resolution without preferences
    return pins_in(text)


def pins_in(text: str) -> list[str]:
    """The ``name==version`` pins of a pinned requirements text (:func:`preferred`)."""
    found = []
    for _, line in _logical_lines(text):
        pin = line.split(";", 1)[0].split(" ", 1)[0].strip()
        name, equals, version = pin.partition("==")
        if equals and name and version and "@" not in pin and not pin.startswith("-"):
            found.append(f"{name.partition('[')[0]}=={version}")
    # A project pinned twice (one pin per marker, as a universal resolution writes
    # them) has no one pin to keep.
    names = [canonical_name(pin.partition("==")[0]) for pin in found]
    return [pin for pin, name in zip(found, names) if names.count(name) == 1]


def _refuse(message: str) -> None:
    from sdistill.errors import InvalidSourceError  # noqa: PLC0415 (only on bad input)

    raise InvalidSourceError(message)


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """``(line number, logical line)``: continuations joined, comments and blank lines
    dropped."""
    out: list[tuple[int, str]] = []
    pending, start = "", 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = _uncommented(raw)
        if not pending:
            start = number
        if line.endswith("\\"):
            pending += line[:-1]
            continue
        logical = (pending + line).strip()
        pending = ""
        if logical:
            out.append((start, logical))
    if pending.strip():
        out.append((start, pending.strip()))
    return out


def _uncommented(line: str) -> str:
    """``line`` without its comment: from a ``#`` that starts the line (after
    whitespace) or follows whitespace."""
    if line.lstrip().startswith("#"):
        return ""
    at = line.find("#")
    while at > 0:
        if line[at - 1].isspace():
            return line[: at - 1]
        at = line.find("#", at + 1)
    return line


def machine() -> list[str]:
    """What the default target (tags, markers, Requires-Python) is made of on this
    interpreter and machine: the implementation and its full version, the OS, the
    kernel, the CPU and the C library."""
    if hasattr(os, "uname"):
        uname = os.uname()
        system = [uname.sysname, uname.release, uname.version, uname.machine]
    else:  # pragma: no cover - Windows
        import platform  # noqa: PLC0415

        system = list(platform.uname()[:5])
    try:
        libc = os.confstr("CS_GNU_LIBC_VERSION") or ""
    except (AttributeError, ValueError, OSError):
        libc = ""
    implementation = sys.implementation
    return [
        implementation.name,
        implementation.cache_tag or "",
        # The whole version and build (3.13.0rc2 is not 3.13.0), and PyPy's own.
        sys.version,
        ".".join(map(str, implementation.version)),
        sys.abiflags if hasattr(sys, "abiflags") else "",
        sys.platform,
        os.name,
        *system,
        libc,
    ]


def record_key(
    requirements: Iterable[str],
    constraints: Iterable[str],
    python_version: str | None,
    platforms: Sequence[str] | None,
    builder: Mapping[str, Any],
    *,
    prereleases: bool = False,
    generate_hashes: bool = False,
    preferences: Sequence[str] = (),
    only_binary: Sequence[str] = (),
    no_binary: Sequence[str] = (),
) -> str:
    """The key of a resolution's record (``_core.resolution_key``: canonical JSON):
    the requirement and constraint texts (sorted), the target as asked for (``None``:
    the running interpreter's, and then :func:`machine` decides it), the facts of this
    machine, and ``builder`` -- the builder's settings a resolution depends on (the
    indexes, and what an sdist's metadata may depend on when it is built) -- with
    ``prereleases`` (``--pre``), ``generate_hashes``, the ``preferences``
    (:func:`preferred`, sorted) and ``only_binary`` / ``no_binary`` among them when they
    are set."""
    settings = dict(builder)
    if prereleases:
        settings["prereleases"] = True
    if generate_hashes:
        settings["hashes"] = True
    if only_binary:
        settings["only_binary"] = sorted(only_binary)
    if no_binary:
        settings["no_binary"] = sorted(no_binary)
    if preferences:
        settings["preferences"] = sorted(preferences)
    return _core.resolution_key(
        list(requirements),
        list(constraints),
        python_version,
        list(platforms or ()),
        machine(),
        settings,
    )


def builder_settings(
    indexes: Sequence[str],
    *,
    strategy: str = "first-match",
    find_links: Sequence[str] = (),
    no_build: bool = False,
    build_isolation: bool = True,
    config_settings: Mapping[str, Any] | None = None,
    build_constraints: Sequence[str] = (),
    extra_build_dependencies: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, Any]:
    """The ``builder`` part of :func:`record_key`, each setting in one plain form (the
    resolver passes its ``BuilderConfig``'s, the warm command line its options')."""
    return {
        "indexes": list(indexes),
        "strategy": strategy,
        "find_links": list(find_links),
        "no_build": bool(no_build),
        "build_isolation": bool(build_isolation),
        "config_settings": dict(config_settings or {}),
        "build_constraints": list(build_constraints),
        "extra_build_dependencies": {
            name: list(reqs) for name, reqs in (extra_build_dependencies or {}).items()
        },
    }
