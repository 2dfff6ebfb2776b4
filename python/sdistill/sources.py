"""What can be distilled: the kinds of source and how a specification string names one.

``Source.parse`` reads what a user or a resolver writes -- a path, a ``file://`` URL,
``name @ file://...`` -- and returns the subclass for that kind. Each kind knows its
cache shard (``sdists-v1/<kind>/<digest>/``) and how to tell whether what is cached still
describes it (its *stamp*). Remote kinds (registry, direct URL, git) will join these.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qsl, unquote, urlsplit

from packaging.utils import (
    InvalidSdistFilename,
    NormalizedName,
    canonicalize_name,
    parse_sdist_filename,
)

from sdistill import lookup
from sdistill.errors import InvalidSourceError

__all__ = ["LocalArchiveSource", "LocalDirectorySource", "LocalSource", "Source"]

# "name @ url" (PEP 508 direct reference); the name part may carry extras, ignored here.
_DIRECT_REFERENCE = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*@\s*(\S.*)$")


@dataclass(frozen=True)
class Source:
    """A source distribution to distill, however it is reached."""

    #: The canonical package name, when the specification says it.
    name: NormalizedName | None = None
    #: The version, when known before building.
    version: str | None = None

    kind: ClassVar[str] = "source"

    @property
    def url(self) -> str:
        raise NotImplementedError

    @staticmethod
    def parse(spec: str | os.PathLike[str] | Source, *, editable: bool = False) -> Source:
        """The source a specification names (see the module docs)."""
        if isinstance(spec, Source):
            return spec
        if isinstance(spec, os.PathLike):
            return _local(Path(spec), None, editable)
        text = spec.strip()
        if not text:
            raise InvalidSourceError("empty source specification")
        name: NormalizedName | None = None
        match = _DIRECT_REFERENCE.match(text)
        if match and "://" in match.group(2):
            name = canonicalize_name(match.group(1))
            text = match.group(2).strip()
        if text.startswith("file:"):
            path, subdirectory = _file_url_path(text)
            return _local(path, name, editable, subdirectory)
        if "://" in text or text.startswith("git+"):
            raise InvalidSourceError(
                f"{text}: remote sources (URLs, git) are not supported by this version"
            )
        path = Path(text).expanduser()
        if path.exists() or os.sep in text or text.startswith("."):
            return _local(path, name, editable)
        raise InvalidSourceError(
            f"{text}: not a path that exists; registry sources are not supported by this version"
        )


@dataclass(frozen=True)
class LocalSource(Source):
    """A source on the local file system."""

    path: Path = Path()

    @property
    def url(self) -> str:
        # The same spelling the native warm lookup uses to find the shard.
        return lookup.file_url(self.path)


@dataclass(frozen=True)
class LocalArchiveSource(LocalSource):
    """An sdist archive file (any format the extractor reads)."""

    kind: ClassVar[str] = "path"


@dataclass(frozen=True)
class LocalDirectorySource(LocalSource):
    """A project directory; ``editable`` asks for a PEP 660 build."""

    editable: bool = False

    kind: ClassVar[str] = "path"


def _file_url_path(url: str) -> tuple[Path, str | None]:
    """The path of a ``file:`` URL and its ``subdirectory=`` (other fragments refused)."""
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        raise InvalidSourceError(f"{url}: file URLs on another host are not supported")
    subdirectory = None
    for key, value in parse_qsl(parts.fragment, keep_blank_values=True):
        if key == "subdirectory":
            subdirectory = value
        elif key != "egg":
            raise InvalidSourceError(
                f"{url}: the fragment {key}= is not supported for local sources"
            )
    return Path(unquote(parts.path)), subdirectory


def _local(
    path: Path, name: NormalizedName | None, editable: bool, subdirectory: str | None = None
) -> LocalSource:
    try:
        resolved = path.resolve(strict=True)
    except (OSError, RuntimeError) as err:
        raise InvalidSourceError(f"{path}: no such file or directory") from err
    if subdirectory is not None:
        if not resolved.is_dir():
            raise InvalidSourceError(
                f"{path}: subdirectory= is supported for directories only (not archives yet)"
            )
        inner = (resolved / subdirectory).resolve()
        if inner == resolved or resolved not in inner.parents or not inner.is_dir():
            raise InvalidSourceError(f"{path}: {subdirectory!r} is not a directory inside it")
        resolved = inner
    if resolved.is_dir():
        return LocalDirectorySource(path=resolved, name=name, editable=editable)
    if editable:
        raise InvalidSourceError(f"{path}: only a directory can be built editable")
    if not resolved.is_file():
        raise InvalidSourceError(f"{path}: not a file or directory")
    # Like pip and uv: an sdist named name-version.tar.gz must build that name and version.
    version = None
    try:
        file_name, file_version = parse_sdist_filename(resolved.name)
        name = name or file_name
        version = str(file_version)
    except InvalidSdistFilename:
        pass
    return LocalArchiveSource(path=resolved, name=name, version=version)
