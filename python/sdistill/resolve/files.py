"""Requirements files (``-r requirements.in``) and constraints files (``-c``).

The subset of pip's format that names requirements, read line by line with
``packaging.requirements.Requirement`` (no parsing of our own beyond the line):

- blank lines and comments (``#`` at the start of a line or after whitespace);
- a ``\\`` at the end of a line continues it on the next;
- ``-r FILE`` / ``--requirement FILE`` includes another file, ``-c FILE`` /
  ``--constraint FILE`` a constraints file, each relative to the including file;
- every other line is a PEP 508 requirement (``name[extras] specifiers ; marker`` or
  ``name @ URL``).

Any other option (``-e``, ``--index-url``, ``--hash`` …) is refused, naming the file and
line, rather than silently ignored: the resolver's options are given on its command
line.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from packaging.requirements import InvalidRequirement
from packaging.requirements import Requirement as Pep508

from sdistill.errors import InvalidSourceError

__all__ = ["RequirementsFile", "read", "requirement"]

_INCLUDE = frozenset({"-r", "--requirement"})
_CONSTRAIN = frozenset({"-c", "--constraint"})
_COMMENT = re.compile(r"\s#")


@dataclass
class RequirementsFile:
    """What a set of files asks for: requirements and constraints, in order."""

    requirements: list[Pep508] = field(default_factory=list)
    constraints: list[Pep508] = field(default_factory=list)


def read(
    paths: Sequence[str | os.PathLike[str]], constraints: Sequence[str | os.PathLike[str]] = ()
) -> RequirementsFile:
    """The requirements of ``paths`` and the constraints of ``constraints`` (files)."""
    found = RequirementsFile()
    seen: set[Path] = set()
    for path in paths:
        _read(Path(path), found, constraint=False, seen=seen)
    for path in constraints:
        _read(Path(path), found, constraint=True, seen=seen)
    return found


def _read(path: Path, found: RequirementsFile, *, constraint: bool, seen: set[Path]) -> None:
    resolved = path.resolve()
    if resolved in seen:
        return
    seen.add(resolved)
    text = path.read_text(encoding="utf-8")
    for number, line in _lines(text):
        where = f"{path}:{number}"
        if line.startswith("-"):
            option, _, value = line.replace("=", " ", 1).partition(" ")
            value = value.strip()
            if option in _INCLUDE or option in _CONSTRAIN:
                if not value:
                    raise InvalidSourceError(f"{where}: {option} needs a file name")
                nested = path.parent / value
                _read(nested, found, constraint=constraint or option in _CONSTRAIN, seen=seen)
                continue
            raise InvalidSourceError(f"{where}: the option {option} is not supported here")
        (found.constraints if constraint else found.requirements).append(requirement(line, where))


def requirement(text: str, where: str | None = None) -> Pep508:
    """``text`` as a PEP 508 requirement; ``InvalidSourceError`` naming ``where`` (else
    the text) when it is not one."""
    try:
        return Pep508(text)
    except InvalidRequirement as err:
        raise InvalidSourceError(f"{where or text}: not a requirement: {err}") from None


def _lines(text: str) -> list[tuple[int, str]]:
    """``(line number, logical line)``: continuations joined, comments and blank lines
    dropped."""
    out: list[tuple[int, str]] = []
    pending, start = "", 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw
        if line.lstrip().startswith("#"):
            line = ""
        elif comment := _COMMENT.search(line):
            line = line[: comment.start()]
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
