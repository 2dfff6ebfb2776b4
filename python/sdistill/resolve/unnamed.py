"""Requirements written as a path or URL (``./pkg``, ``https://host/pkg-1.0.tar.gz``,
``git+https://host/repo``, ``-e ./pkg``): named by their metadata.

pip and uv accept a requirement that is only where a project is; its name is what its
metadata states. Here such a text becomes the direct reference ``name @ URL`` the
resolver knows (:mod:`sdistill.resolve.provider`), with ``URL`` a ``file://`` URL of the
absolute path for a path (relative to the working directory, as both peers read it),
else the URL as written. The pin is printed as ``uv pip compile`` prints it: a path as
it was written (``./pkg``, ``-e ./pkg``), a URL as ``name @ URL``.

The metadata is a wheel's own, anything else's the builder's (``sdistill.resolve.direct``:
cached, built once); an editable project's is its wheel's metadata, which PEP 660
requires to be the same as the editable wheel's.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.markers import Marker
from packaging.requirements import InvalidRequirement
from packaging.requirements import Requirement as Pep508
from packaging.utils import canonicalize_name

from sdistill.errors import InvalidSourceError
from sdistill.resolve import direct
from sdistill.resolve.links import ARCHIVES
from sdistill.sources import Source, classify

if TYPE_CHECKING:
    from sdistill.builder import SourceDistBuilder
    from sdistill.resolve.target import TargetEnvironment

__all__ = ["Named", "Written", "check", "is_unnamed", "name"]

#: The kinds of ``sources.classify`` a requirement may be written as, besides PEP 508.
_KINDS = frozenset({"path", "file", "url", "git"})


@dataclass(frozen=True)
class Named:
    """A path or URL requirement, named: what the resolver is given, and what is
    printed for it: a path as written (``None`` for a URL: ``name @ URL`` is)."""

    requirement: Pep508
    written: str | None
    editable: bool


@dataclass(frozen=True)
class Written:
    """A path or URL requirement's parts, as pip splits them: the location, the extras
    (``./pkg[dev]``) and the marker (after ``;``, or ``; `` for a URL, whose own text
    may hold a ``;``)."""

    location: str
    extras: tuple[str, ...] = ()
    marker: str | None = None

    @classmethod
    def of(cls, text: str) -> Written:
        text = text.strip()
        separator = "; " if "://" in text else ";"
        location, found, marker = text.partition(separator)
        location = location.strip()
        extras: tuple[str, ...] = ()
        if location.endswith("]") and "[" in location:
            bare, _, listed = location[:-1].rpartition("[")
            extras = tuple(e.strip() for e in listed.split(",") if e.strip())
            location = bare.strip()
        return cls(location, extras, marker.strip() if found else None)

    def requirement(self, name: str, url: str) -> Pep508:
        """``name[extras] @ url ; marker``."""
        extras = f"[{','.join(self.extras)}]" if self.extras else ""
        marker = f" ; {self.marker}" if self.marker else ""
        return Pep508(f"{name}{extras} @ {url}{marker}")


def check(text: str, where: str | None = None, *, editable: bool = False) -> None:
    """Refuses (``InvalidSourceError`` naming ``where``, else the text) what is neither
    PEP 508 nor a path or URL (with extras and a marker, as pip reads them); an editable
    must be a directory's path or ``file://`` URL."""
    written = Written.of(text)
    kind = classify(written.location)[0]
    if editable and kind not in ("path", "file"):
        raise InvalidSourceError(f"{where or text}: -e needs a project directory")
    if not editable:
        try:
            Pep508(text)
            return
        except InvalidRequirement as err:
            if kind not in _KINDS:
                raise InvalidSourceError(f"{where or text}: not a requirement: {err}") from None
    try:
        written.requirement("x", "https://example.invalid/")  # its extras and marker
    except InvalidRequirement as err:
        raise InvalidSourceError(f"{where or text}: not a requirement: {err}") from None


def is_unnamed(text: str) -> bool:
    """Whether ``text`` is a path or URL rather than a PEP 508 requirement: not PEP
    508, or the name of an archive or wheel that exists here (``pkg-1.0.tar.gz`` is a
    valid project name too; pip reads an existing file)."""
    location = Written.of(text).location
    if location.endswith(ARCHIVES) and os.path.isfile(location):
        return True
    try:
        Pep508(text)
    except InvalidRequirement:
        return classify(location)[0] in _KINDS
    return False


def name(
    text: str,
    builder: SourceDistBuilder,
    target: TargetEnvironment,
    *,
    editable: bool = False,
) -> Named | None:
    """``text`` (a path or URL, maybe with extras and a marker; with ``editable``, a
    directory) as ``name[extras] @ URL``, its name read from its metadata; ``None``
    when its marker is false for ``target`` (nothing is read then)."""
    check(text, editable=editable)
    written = Written.of(text)
    if written.marker is not None and not Marker(written.marker).evaluate(
        target.marker_environment()
    ):
        return None
    kind, _, location = classify(written.location)
    if editable:
        Source.parse(location, editable=True)  # refuses what is not a project directory
    metadata = direct.metadata(builder, location)
    url = Path(location).expanduser().resolve().as_uri() if kind == "path" else location
    requirement = written.requirement(canonicalize_name(metadata.name), url)
    return Named(requirement, written.location if kind == "path" else None, editable)
