"""Build constraints and extra build dependencies: what a user adds to the build
environments of old or incomplete sdists.

Build constraints (``SourceDistBuilder(build_constraints=...)``, ``--build-constraint
FILE``, else the file ``$SDISTILL_BUILD_CONSTRAINT`` names) bound what the installer may
pick for every build environment -- ``setuptools<81`` for a project that still imports
``pkg_resources``. A constraints file holds one requirement a line; blank lines and
``#`` comments are allowed, options and extras are not. Extra build dependencies
(``extra_build_dependencies={"name": [...]}``, ``--extra-build-dependency NAME=REQ``)
join the build requirements of the project of that name, for an sdist that forgot one.
Both become part of the environment's key (``sdistill.build.environments``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import InvalidName, NormalizedName, canonicalize_name

from sdistill import environment
from sdistill.errors import SdistillError

__all__ = [
    "constraints_of",
    "extra_dependencies_of",
    "read_constraints",
]

#: The constraints file used when the builder is given none (a path).
# A comment: "#" at the start of a line or after white space (a URL's "#" is kept).
_COMMENT = re.compile(r"(^|\s)#.*$")


def read_constraints(path: str | os.PathLike[str]) -> list[str]:
    """The constraints of a constraints file: one requirement a line (``packaging``'s
    spelling), blank lines and ``#`` comments allowed. An invalid line is an
    ``SdistillError`` naming the file and the line; an unreadable file an ``OSError``."""
    text = Path(path).read_text(encoding="utf-8")
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        content = _COMMENT.sub("", line).strip()
        if content:
            found.append(_constraint(content, f"{os.fspath(path)}, line {number}"))
    return found


def constraints_of(given: str | os.PathLike[str] | Iterable[str] | None) -> list[str]:
    """The build constraints of a builder, sorted and de-duplicated: ``given`` as a path
    to a constraints file or as requirement strings; when ``None``, the file
    ``$SDISTILL_BUILD_CONSTRAINT`` names (if set), else none."""
    if given is None:
        path = environment.build_constraint()
        return sorted(set(read_constraints(path))) if path else []
    if isinstance(given, (str, os.PathLike)):
        return sorted(set(read_constraints(given)))
    return sorted({_constraint(text, "build constraint") for text in given})


def extra_dependencies_of(
    given: Mapping[str, Iterable[str]] | None,
) -> dict[NormalizedName, tuple[str, ...]]:
    """Extra build dependencies by normalised project name, each checked."""
    found: dict[NormalizedName, tuple[str, ...]] = {}
    for name, requirements in (given or {}).items():
        checked = []
        for text in [requirements] if isinstance(requirements, str) else requirements:
            try:
                checked.append(str(Requirement(text)))
            except InvalidRequirement as err:
                raise SdistillError(
                    f"extra build dependency of {name}: invalid requirement {text!r}: {err}"
                ) from err
        try:
            key = canonicalize_name(name, validate=True)
        except InvalidName as err:
            raise SdistillError(f"extra build dependencies: invalid project name {name!r}") from err
        found[key] = (*found.get(key, ()), *checked)
    return found


def _constraint(text: str, where: str) -> str:
    if text.startswith("-"):
        raise SdistillError(
            f"{where}: {text!r}: a build constraint is a requirement; options are not read"
        )
    try:
        requirement = Requirement(text)
    except InvalidRequirement as err:
        raise SdistillError(f"{where}: invalid build constraint {text!r}: {err}") from err
    if requirement.extras:
        raise SdistillError(f"{where}: a build constraint cannot name extras: {text!r}")
    return str(requirement)
