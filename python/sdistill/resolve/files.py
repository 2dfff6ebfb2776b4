"""Requirements files (``-r requirements.in``) and constraints files (``-c``), checked.

The lines are read by ``sdistill.resolution_inputs`` (the format, and why it lives
there: the warm command line reads the same lines without ``packaging``); each is
checked here -- a PEP 508 requirement, or a path or URL (``sdistill.resolve.unnamed``),
an ``-e`` line a project directory -- an invalid one named by its file and line, and
kept as written. The options the files set (``--index-url``, ``--pre`` ...) are passed
on as read.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from packaging.requirements import InvalidRequirement
from packaging.requirements import Requirement as Pep508

from sdistill.errors import InvalidSourceError
from sdistill.resolution_inputs import Options, read_lines
from sdistill.resolve import unnamed

__all__ = ["RequirementsFile", "read", "requirement"]


@dataclass
class RequirementsFile:
    """What a set of files asks for: requirement, editable and constraint texts, in
    order, as written (what a resolution's record is keyed by), each checked; and the
    options the files set."""

    requirements: list[str] = field(default_factory=list)
    constraints: list[str] = field(default_factory=list)
    editables: list[str] = field(default_factory=list)
    options: Options = field(default_factory=Options)


def read(
    paths: Sequence[str | os.PathLike[str]], constraints: Sequence[str | os.PathLike[str]] = ()
) -> RequirementsFile:
    """The requirements of ``paths`` and the constraints of ``constraints`` (files); an
    invalid line is an ``InvalidSourceError`` naming its file and line."""
    lines = read_lines(paths, constraints)
    for line in lines.requirements:
        requirement(line.text, line.where, editable=line.editable)
    for line in lines.constraints:
        try:
            Pep508(line.text)
        except InvalidRequirement as err:
            raise InvalidSourceError(f"{line.where}: not a constraint: {err}") from None
    return RequirementsFile(
        [line.text for line in lines.requirements if not line.editable],
        [line.text for line in lines.constraints],
        [line.text for line in lines.requirements if line.editable],
        lines.options,
    )


def requirement(text: str, where: str | None = None, *, editable: bool = False) -> None:
    """Refuses (``InvalidSourceError`` naming ``where``, else the text) a requirement
    that is neither PEP 508 nor a path or URL, or an editable that is no directory."""
    unnamed.check(text, where, editable=editable)
