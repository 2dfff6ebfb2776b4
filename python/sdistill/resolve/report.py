"""What a resolution found: the pins, how each pin's metadata was obtained, and how
they are printed.

The text form is the one ``uv pip compile --no-header --no-annotate`` prints: one line
a project, sorted by normalised name, ``name==version`` -- or ``name @ URL`` for a
direct reference or a requirement given only as a URL, the path as written for one
given only as a path (``./pkg``), ``-e`` and the path for an editable (editables
first) -- without extras (a project is pinned once, whatever extras asked for it).
The JSON form adds, per pin, where its metadata came from: ``"pep658"`` (the index's
``.metadata`` file), ``"range"`` (HTTP range requests into the wheel), ``"download"``
(the whole wheel), ``"find-links"`` (a wheel of a find-links place, read in it),
``"sdist"`` (the sdist, read or built) or ``"direct"`` (a direct reference: a wheel's
own, else through the builder), ``"editable": true`` for an editable, and with
``--generate-hashes`` its ``"hashes"`` (``sha256:<hex>``), which the text form writes
after the pin, one ``--hash=`` continuation line each.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sdistill import _core

__all__ = ["Pin", "Resolution"]


@dataclass(frozen=True)
class Pin:
    """One project of a resolution."""

    name: str
    version: str
    #: ``"pep658"``, ``"range"``, ``"download"``, ``"find-links"``, ``"sdist"`` or
    #: ``"direct"``.
    metadata: str
    #: The direct reference it was pinned by (``None`` for an index version).
    url: str | None = None
    #: The file the metadata came from (a wheel's or sdist's URL on the index).
    file_url: str | None = None
    #: The path as written, for a requirement given only as one (``./pkg``).
    written: str | None = None
    #: Whether it is an editable (``-e``) project.
    editable: bool = False
    #: ``sha256:<hex>`` of the files an install may take (``--generate-hashes``).
    hashes: tuple[str, ...] = ()

    @property
    def line(self) -> str:
        """:attr:`requirement`, with its hashes on continuation lines (as uv and
        pip-compile write them)."""
        return " \\\n    ".join([self.requirement, *(f"--hash={h}" for h in self.hashes)])

    @property
    def requirement(self) -> str:
        """``name==version``, ``name @ URL`` (credentials redacted), or the path as
        written; ``-e`` and the path (or URL) for an editable."""
        if self.editable:
            return f"-e {_core.redact(self.written or self.url or self.name)}"
        if self.written is not None:
            return _core.redact(self.written)
        if self.url is not None:
            return f"{self.name} @ {_core.redact(self.url)}"
        return f"{self.name}=={self.version}"

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "version": self.version,
            "metadata": self.metadata,
        }
        if self.editable:
            data["editable"] = True
        if self.hashes:
            data["hashes"] = list(self.hashes)
        if self.url is not None:
            data["url"] = _core.redact(self.url)
        elif self.file_url is not None:
            data["url"] = _core.redact(self.file_url)
        return data


@dataclass(frozen=True)
class Resolution:
    """The pins of a resolution, by normalised name, and the target it was made for."""

    details: Mapping[str, Pin]
    python_version: str
    platforms: tuple[str, ...] = ()
    requirements: tuple[str, ...] = field(default=())

    @property
    def pins(self) -> dict[str, str]:
        """Normalised name -> version, sorted by name."""
        return {name: self.details[name].version for name in sorted(self.details)}

    @property
    def metadata_via(self) -> dict[str, str]:
        """Normalised name -> how its metadata was obtained (module docs)."""
        return {name: self.details[name].metadata for name in sorted(self.details)}

    def lines(self) -> list[str]:
        """The pins as ``uv pip compile --no-header --no-annotate`` prints them:
        editables first, then by name."""
        order = sorted(self.details, key=lambda name: (not self.details[name].editable, name))
        return [self.details[name].line for name in order]

    def text(self) -> str:
        return "".join(line + "\n" for line in self.lines())

    def as_json(self) -> dict[str, Any]:
        return {
            "pins": [self.details[name].as_json() for name in sorted(self.details)],
            "python_version": self.python_version,
            "platforms": list(self.platforms),
            "requirements": list(self.requirements),
        }
