"""The metadata of a direct reference: a wheel's own, anything else's through the builder.

A direct reference (``name @ URL``, a path, or one named by ``sdistill.resolve.unnamed``)
may name a source -- a directory, an sdist, a git repository -- whose metadata the
builder reads or builds (``SourceDistBuilder.metadata``), or a built wheel, which has
its metadata inside and is never built:

- a wheel at an ``http(s)://`` URL is read as the index's wheels are
  (``HttpClient.wheel_metadata``: HTTP range requests, else the whole file, its
  ``#sha256=`` fragment checked when the URL has one), and recorded per URL in the
  HTTP cache (``Cache.wheel_metadata_record``);
- a local wheel (a path or ``file://`` URL) is opened in place: its project's own
  ``<name>-<version>.dist-info/METADATA`` (not a vendored one), at most
  :data:`MAX_METADATA` bytes.

Either way the metadata must state the name and version of the wheel's file name
(else ``MetadataMismatchError``), and the wheel must fit the target (checked by the
provider, which offers no candidate otherwise, as uv refuses such a URL).
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from packaging.utils import (
    InvalidWheelFilename,
    NormalizedName,
    canonicalize_name,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from sdistill import _core
from sdistill.build.wheels import check_identity, parse_record
from sdistill.errors import InvalidSourceError
from sdistill.resolve.links import local_path
from sdistill.sources import classify

if TYPE_CHECKING:
    from packaging.metadata import Metadata

    from sdistill.builder import SourceDistBuilder

__all__ = ["MAX_METADATA", "metadata", "wheel_filename"]

#: The largest ``METADATA`` read out of a local wheel (real ones are a few KiB; the
#: largest on PyPI are well under 1 MiB).
MAX_METADATA = 16 * 1024 * 1024


def wheel_filename(spec: str) -> str | None:
    """The wheel file name a direct reference's URL or path ends in (``None``: it names
    no wheel)."""
    _, _, text = classify(spec)
    path = urlsplit(text).path if "://" in text or text.startswith("file:") else text
    name = unquote(path.rstrip("/").rsplit("/", 1)[-1])
    return name if name.endswith(".whl") else None


def metadata(builder: SourceDistBuilder, spec: str) -> Metadata:
    """The metadata of the direct reference ``spec`` (module docs)."""
    filename = wheel_filename(spec)
    if filename is None:
        return builder.metadata(spec)
    try:
        parse_wheel_filename(filename)
    except InvalidWheelFilename as err:
        raise InvalidSourceError(f"{_core.redact(spec)}: not a wheel file name: {err}") from None
    kind, _, text = classify(spec)
    if kind == "url":
        url, _, fragment = text.partition("#")
        sha256 = fragment.removeprefix("sha256=") if fragment.startswith("sha256=") else None
        record = builder.cache.wheel_metadata_record(url)
        found = builder.http.wheel_metadata(url, filename, record, sha256=sha256)
        read = parse_record(found.metadata.decode("utf-8", errors="replace"))
    elif kind in ("path", "file"):
        read = parse_record(_local_metadata(local_path(text), filename))
    else:
        raise InvalidSourceError(f"{_core.redact(spec)}: a wheel must be a path or an http URL")
    if read is None:
        raise InvalidSourceError(f"{_core.redact(spec)}: the wheel's METADATA is not readable")
    check_identity(read, None, None, filename, _core.redact(spec))
    return read


def _local_metadata(path: Path, filename: str) -> str:
    """The text of the project's own ``METADATA`` in the wheel at ``path``."""
    name, version, _, _ = parse_wheel_filename(filename)
    try:
        with zipfile.ZipFile(path) as wheel:
            for info in wheel.infolist():
                top, _, rest = info.filename.partition("/")
                if rest != "METADATA" or not _names(top, name, version):
                    continue
                if info.file_size > MAX_METADATA:
                    raise InvalidSourceError(
                        f"{path}: its METADATA is {info.file_size} bytes (at most "
                        f"{MAX_METADATA} are read)"
                    )
                return wheel.read(info).decode("utf-8", errors="replace")
    except (zipfile.BadZipFile, OSError) as err:
        raise InvalidSourceError(f"{path}: not a readable wheel: {err}") from None
    raise InvalidSourceError(f"{path}: the wheel has no {name}-{version}.dist-info/METADATA")


def _names(directory: str, name: NormalizedName, version: Version) -> bool:
    """Whether ``directory`` is the ``.dist-info`` of ``name`` ``version``."""
    stem = directory.removesuffix(".dist-info")
    project, _, listed = stem.rpartition("-")
    if stem == directory or canonicalize_name(project) != name:
        return False
    try:
        return Version(listed) == version
    except InvalidVersion:
        return False
