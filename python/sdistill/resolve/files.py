"""Requirements files (``-r requirements.in``) and constraints files (``-c``), parsed.

The lines are read by ``sdistill.resolution_inputs`` (the format, and why it lives
there: the warm command line reads the same lines without ``packaging``); each is
parsed here with ``packaging.requirements.Requirement``, an invalid one named by its
file and line.
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
    """What a set of files asks for: requirements and constraints, in order, parsed,
    and their texts as written (what a resolution's record is keyed by)."""

    requirements: list[Pep508] = field(default_factory=list)
    constraints: list[Pep508] = field(default_factory=list)
    requirement_texts: list[str] = field(default_factory=list)
    constraint_texts: list[str] = field(default_factory=list)


def read(
    paths: Sequence[str | os.PathLike[str]], constraints: Sequence[str | os.PathLike[str]] = ()
) -> RequirementsFile:
    """The requirements of ``paths`` and the constraints of ``constraints`` (files)."""
    lines = read_lines(paths, constraints)
    return RequirementsFile(
        [requirement(line.text, line.where) for line in lines.requirements],
        [requirement(line.text, line.where) for line in lines.constraints],
        [line.text for line in lines.requirements],
        [line.text for line in lines.constraints],
    )


def requirement(text: str, where: str | None = None) -> Pep508:
    """``text`` as a PEP 508 requirement; ``InvalidSourceError`` naming ``where`` (else
    the text) when it is not one."""
    try:
        return Pep508(text)
    except InvalidRequirement as err:
        raise InvalidSourceError(f"{where or text}: not a requirement: {err}") from None
