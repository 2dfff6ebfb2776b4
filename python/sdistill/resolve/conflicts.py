"""``ResolutionError``: a resolution that cannot succeed, explained.

resolvelib reports a conflict as ``ResolutionImpossible`` with its *causes*: each a
requirement and the candidate that asked for it (``None`` for the requirements given).
The message lists them one a line, the way a user checks them against their own
requirements::

    no versions satisfy these requirements together (Python 3.11.7):
      beta>=2 (from alpha==1.0)
      beta<2 (from the requirements given)
      beta: every file needs another Python than 3.9.0

The last kind of line explains a project that offered no candidate at all (not on the
index, only yanked, only files for another Python or platform).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from resolvelib.structs import RequirementInformation

from sdistill.errors import SdistillError
from sdistill.resolve.candidates import Candidate
from sdistill.resolve.requirements import Requirement

__all__ = ["ResolutionError", "conflict"]


class ResolutionError(SdistillError):
    """The requirements cannot be resolved together; ``causes`` are the lines of the
    message that name a requirement and who asked for it."""

    def __init__(self, message: str, *, causes: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.causes = causes


def conflict(
    causes: Iterable[RequirementInformation[Requirement, Candidate]],
    notes: Mapping[str, str],
    python_version: str,
) -> ResolutionError:
    """The error of a resolvelib ``ResolutionImpossible``'s causes (module docs)."""
    lines: list[str] = []
    names: list[str] = []
    for cause in causes:
        parent = cause.parent
        origin = "the requirements given" if parent is None else str(parent)
        line = f"{cause.requirement} (from {origin})"
        if line not in lines:
            lines.append(line)
        if cause.requirement.name not in names:
            names.append(cause.requirement.name)
    hints = [f"{name}: {notes[name]}" for name in names if name in notes]
    body = "\n".join(f"  {line}" for line in [*lines, *hints])
    message = f"no versions satisfy these requirements together (Python {python_version}):"
    return ResolutionError(f"{message}\n{body}", causes=tuple(lines))
