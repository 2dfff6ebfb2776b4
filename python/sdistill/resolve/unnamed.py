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

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.requirements import InvalidRequirement
from packaging.requirements import Requirement as Pep508
from packaging.utils import canonicalize_name

from sdistill.errors import InvalidSourceError
from sdistill.resolve import direct
from sdistill.sources import Source, classify

if TYPE_CHECKING:
    from sdistill.builder import SourceDistBuilder

__all__ = ["Named", "check", "is_unnamed", "name"]

#: The kinds of ``sources.classify`` a requirement may be written as, besides PEP 508.
_KINDS = frozenset({"path", "file", "url", "git"})


@dataclass(frozen=True)
class Named:
    """A path or URL requirement, named: what the resolver is given, and what is
    printed for it: a path as written (``None`` for a URL: ``name @ URL`` is)."""

    requirement: Pep508
    written: str | None
    editable: bool


def check(text: str, where: str | None = None, *, editable: bool = False) -> None:
    """Refuses (``InvalidSourceError`` naming ``where``, else the text) what is neither
    PEP 508 nor a path or URL; an editable must be a directory's path or ``file://``
    URL."""
    if editable:
        if classify(text)[0] not in ("path", "file"):
            raise InvalidSourceError(f"{where or text}: -e needs a project directory")
        return
    try:
        Pep508(text)
    except InvalidRequirement as err:
        if classify(text)[0] not in _KINDS:
            raise InvalidSourceError(f"{where or text}: not a requirement: {err}") from None


def is_unnamed(text: str) -> bool:
    """Whether ``text`` is a path or URL rather than a PEP 508 requirement."""
    try:
        Pep508(text)
    except InvalidRequirement:
        return classify(text)[0] in _KINDS
    return False


def name(text: str, builder: SourceDistBuilder, *, editable: bool = False) -> Named:
    """``text`` (a path or URL; with ``editable``, a directory) as ``name @ URL``, its
    name read from its metadata."""
    check(text, editable=editable)
    kind, _, written = classify(text)
    if editable:
        Source.parse(written, editable=True)  # refuses what is not a project directory
    metadata = direct.metadata(builder, written)
    url = Path(written).expanduser().resolve().as_uri() if kind == "path" else written
    requirement = Pep508(f"{canonicalize_name(metadata.name)} @ {url}")
    return Named(requirement, text.strip() if kind == "path" else None, editable)
