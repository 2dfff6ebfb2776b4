"""Requirements files (``-r requirements.in``) and constraints files (``-c``), checked.

The lines are read by ``sdistill.resolution_inputs`` (the format, and why it lives
there: the warm command line reads the same lines without ``packaging``); each is
checked here with ``packaging.requirements.Requirement``, an invalid one named by its
file and line, and kept as written.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from packaging.requirements import InvalidRequirement
from packaging.requirements import Requirement as Pep508

from sdistill.errors import InvalidSourceError
from sdistill.resolution_inputs import read_lines

__all__ = ["RequirementsFile", "read", "requirement"]


@dataclass
class RequirementsFile:
    """What a set of files asks for: requirement and constraint texts, in order, as
    written (what a resolution's record is keyed by), each checked to be PEP 508."""

    requirements: list[str] = field(default_factory=list)
    constraints: list[str] = field(default_factory=list)


def read(
    paths: Sequence[str | os.PathLike[str]], constraints: Sequence[str | os.PathLike[str]] = ()
) -> RequirementsFile:
    """The requirements of ``paths`` and the constraints of ``constraints`` (files); an
    invalid line is an ``InvalidSourceError`` naming its file and line."""
    lines = read_lines(paths, constraints)
    for line in (*lines.requirements, *lines.constraints):
        requirement(line.text, line.where)
    return RequirementsFile(
        [line.text for line in lines.requirements], [line.text for line in lines.constraints]
    )


def requirement(text: str, where: str | None = None) -> Pep508:
    """``text`` as a PEP 508 requirement; ``InvalidSourceError`` naming ``where`` (else
    the text) when it is not one."""
    try:
        return Pep508(text)
    except InvalidRequirement as err:
        raise InvalidSourceError(f"{where or text}: not a requirement: {err}") from None
