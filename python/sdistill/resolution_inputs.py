"""The inputs of a resolution, read without ``packaging``: requirements files' lines and
the key a resolution is recorded under.

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
- every other line is a requirement, parsed by the caller (``sdistill.resolve.files``).

Any other option (``-e``, ``--index-url``, ``--hash`` ...) is refused, naming the file and
line, rather than silently ignored: the resolver's options are given on its command
line.
"""

from __future__ import annotations

import os
import sys

from sdistill import _core

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: the warm path never imports typing
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence
    from typing import Any

__all__ = ["FORMAT", "Line", "Lines", "builder_settings", "machine", "read_lines", "record_key"]

#: The format of a record and of its key (the core's: it makes the key and checks
#: records too).
FORMAT: int = _core.RESOLUTION_FORMAT

_INCLUDE = frozenset({"-r", "--requirement"})
_CONSTRAIN = frozenset({"-c", "--constraint"})


class Line:
    """One requirement of a file: its text and where it was written (``file:line``)."""

    __slots__ = ("text", "where")

    def __init__(self, text: str, where: str) -> None:
        self.text = text
        self.where = where


class Lines:
    """What a set of files asks for: requirement lines and constraint lines, in order."""

    __slots__ = ("constraints", "requirements")

    def __init__(self) -> None:
        self.requirements: list[Line] = []
        self.constraints: list[Line] = []


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
        if line.startswith("-"):
            option, _, value = line.replace("=", " ", 1).partition(" ")
            value = value.strip()
            if option in _INCLUDE or option in _CONSTRAIN:
                if not value:
                    _refuse(f"{where}: {option} needs a file name")
                nested = os.path.join(os.path.dirname(path), value)
                _read(nested, found, constraint=constraint or option in _CONSTRAIN, seen=seen)
                continue
            _refuse(f"{where}: the option {option} is not supported here")
        (found.constraints if constraint else found.requirements).append(Line(line, where))


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
) -> str:
    """The key of a resolution's record (``_core.resolution_key``: canonical JSON):
    the requirement and constraint texts (sorted), the target as asked for (``None``:
    the running interpreter's, and then :func:`machine` decides it), the facts of this
    machine, and ``builder`` -- the builder's settings a resolution depends on (the
    indexes, and what an sdist's metadata may depend on when it is built)."""
    return _core.resolution_key(
        list(requirements),
        list(constraints),
        python_version,
        list(platforms or ()),
        machine(),
        dict(builder),
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
