"""Built wheels and metadata records: finding, reading and checking them."""

from __future__ import annotations

import functools
import zipfile
from dataclasses import dataclass
from pathlib import Path

from packaging.metadata import InvalidMetadata, Metadata, parse_email
from packaging.tags import Tag, sys_tags
from packaging.utils import (
    InvalidWheelFilename,
    NormalizedName,
    canonicalize_name,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from sdistill.errors import BuildError, MetadataMismatchError

__all__ = [
    "BuiltWheel",
    "check_identity",
    "compatible_wheel",
    "parse_record",
    "read_wheel_metadata",
]


@dataclass(frozen=True)
class BuiltWheel:
    """A wheel built from a source: where it is, its name, and its core metadata."""

    path: Path
    filename: str
    metadata: Metadata


@functools.lru_cache(maxsize=1)
def _supported_tags() -> frozenset[Tag]:
    return frozenset(sys_tags())


def compatible_wheel(directory: Path) -> Path | None:
    """A wheel in ``directory`` that the running interpreter can install, if any."""
    try:
        names = sorted(p.name for p in directory.iterdir() if p.name.endswith(".whl"))
    except OSError:
        return None
    supported = _supported_tags()
    for name in names:
        try:
            tags = parse_wheel_filename(name)[3]
        except InvalidWheelFilename:
            continue
        if tags & supported:
            return directory / name
    return None


def parse_record(text: str) -> Metadata | None:
    """Metadata from a METADATA record, or ``None`` when it is unusable (a miss to heal)."""
    raw, _ = parse_email(text)
    if "name" not in raw or "version" not in raw:
        return None
    try:
        Version(raw["version"])
        metadata = Metadata.from_raw(raw, validate=False)
        # The fields resolvers read must parse, or the record is damaged.
        _ = (metadata.requires_dist, metadata.requires_python, metadata.provides_extra)
    except (InvalidMetadata, InvalidVersion, ValueError, TypeError):
        return None
    return metadata


def read_wheel_metadata(path: Path) -> tuple[Metadata, str]:
    """The METADATA of a wheel (and its text)."""
    try:
        with zipfile.ZipFile(path) as wheel:
            candidates = [
                n
                for n in wheel.namelist()
                if n.count("/") == 1 and n.endswith(".dist-info/METADATA")
            ]
            if len(candidates) != 1:
                raise BuildError(f"{path.name}: the wheel has no single .dist-info/METADATA")
            text = wheel.read(candidates[0]).decode("utf-8")
    except (zipfile.BadZipFile, OSError, UnicodeDecodeError) as err:
        raise BuildError(f"{path.name}: the built wheel cannot be read: {err}") from err
    metadata = parse_record(text)
    if metadata is None:
        raise BuildError(f"{path.name}: the wheel's METADATA lacks a name or a valid version")
    return metadata, text


def check_identity(
    metadata: Metadata,
    requested_name: NormalizedName | None,
    requested_version: str | None,
    wheel_filename: str | None = None,
    origin: str = "",
) -> None:
    """Name and version must be what was asked for, and what the wheel's name says."""
    name = canonicalize_name(metadata.name)
    version = Version(str(metadata.version))
    where = f" ({origin})" if origin else ""
    if requested_name is not None and name != requested_name:
        raise MetadataMismatchError(
            f"asked for {requested_name}, but the source builds {name}{where}"
        )
    if requested_version is not None and version != Version(requested_version):
        raise MetadataMismatchError(
            f"asked for {name} {requested_version}, but the source builds version {version}{where}"
        )
    if wheel_filename is not None:
        wheel_name, wheel_version, _, _ = parse_wheel_filename(wheel_filename)
        if wheel_name != name or wheel_version != version:
            raise MetadataMismatchError(
                f"wheel {wheel_filename} does not match its METADATA ({name} {version}){where}"
            )
