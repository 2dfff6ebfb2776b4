"""Real wheel files for the wheel-metadata tests: well-formed, zip64 and hostile ones.

Not a test module. Well-formed wheels are written by :mod:`zipfile` (what most build
tools produce), the others by :func:`build_zip`, a small zip writer that returns where
every record sits so a hostile variant can be made by changing one field. Every wheel
has a real ``.dist-info`` (``METADATA``, ``WHEEL``, ``RECORD`` with hashes); every
well-formed one reads back with :mod:`zipfile` (its CRCs checked).

Use::

    from wheel_factory import WheelFactory
    from wheel_factory import wheel_factory as wheel_factory_fixture  # noqa: F401

    def test_x(wheel_factory: WheelFactory) -> None:
        path = wheel_factory.wheel("sample-pkg", "1.0", requires_dist=["idna>=3"])
        big = wheel_factory.big_wheel("big-pkg", "2.0")       # > 1 MB incompressible
        bad = wheel_factory.hostile("cd-offset-past-end")      # see HOSTILE_KINDS
        assert own_metadata(path) == zipfile.ZipFile(path).read("sample_pkg-1.0.dist-info/METADATA")
"""

from __future__ import annotations

import base64
import hashlib
import random
import struct
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name, parse_wheel_filename

__all__ = [
    "HOSTILE_KINDS",
    "ZIP64_EOCD_SIGNATURE",
    "Member",
    "WheelFactory",
    "ZipLayout",
    "build_zip",
    "dist_info_dir",
    "has_zip64_end_records",
    "metadata_text",
    "own_metadata",
    "wheel_factory",
    "wheel_filename",
]

ZIP64_EOCD_SIGNATURE = b"PK\x06\x06"
ZIP64_LOCATOR_SIGNATURE = b"PK\x06\x07"
_LOCAL = struct.Struct("<IHHHHHIIIHH")  # 30 bytes
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")  # 46 bytes
_EOCD = struct.Struct("<IHHHHIIH")  # 22 bytes
_ZIP64_EOCD = struct.Struct("<IQHHIIQQQQ")  # 56 bytes
_ZIP64_LOCATOR = struct.Struct("<IIQI")  # 20 bytes
_DOS_DATE = (0 << 9) | (1 << 5) | 1  # 1980-01-01
_FLAG_DATA_DESCRIPTOR = 0x08
_FLAG_UTF8 = 0x800
_U32 = 0xFFFFFFFF
_U16 = 0xFFFF

#: The hostile wheels :meth:`WheelFactory.hostile` makes (each a distinct project).
HOSTILE_KINDS: dict[str, str] = {
    "cd-offset-past-end": "the end record puts the central directory past the end of the file",
    "member-offset-past-end": "METADATA's local header offset is past the end of the file",
    "cd-size-too-large": "the central directory's stated size runs into the end record",
    "local-sizes-disagree": "METADATA's local header sizes differ from the central directory's",
    "absurd-compressed-size": "METADATA declares a compressed size of about 4 GB",
    "absurd-uncompressed-size": "METADATA declares an uncompressed size of about 4 GB",
    "crc-mismatch": "METADATA's bytes do not match its CRC-32",
    "truncated": "the file stops inside the central directory: no end record",
    "zip64-cd-offset-past-end": "the zip64 end record puts the central directory past the end",
    "name-mismatch": "METADATA names another project than the file name",
    "version-mismatch": "METADATA states another version than the file name",
}


# -- names and dist-info ---------------------------------------------------------------


def _escaped(name: str) -> str:
    """The wheel-filename spelling of a project name (PEP 427/491)."""
    return canonicalize_name(name).replace("-", "_")


def wheel_filename(name: str, version: str, tag: str = "py3-none-any") -> str:
    return f"{_escaped(name)}-{version}-{tag}.whl"


def dist_info_dir(name: str, version: str) -> str:
    return f"{_escaped(name)}-{version}.dist-info"


def metadata_text(
    name: str,
    version: str,
    *,
    summary: str | None = None,
    requires_dist: Sequence[str] = (),
    requires_python: str | None = ">=3.8",
    extras: Sequence[str] = (),
    description: str = "",
) -> bytes:
    """A METADATA file (Metadata-Version 2.1) as build backends write it."""
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    lines.append(f"Summary: {summary if summary is not None else f'The {name} test project'}")
    if requires_python is not None:
        lines.append(f"Requires-Python: {requires_python}")
    lines += [f"Provides-Extra: {extra}" for extra in extras]
    lines += [f"Requires-Dist: {req}" for req in requires_dist]
    text = "\n".join(lines) + "\n\n" + description
    return text.encode("utf-8")


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return "sha256=" + digest.decode("ascii")


def _wheel_file(tag: str) -> bytes:
    return (
        "Wheel-Version: 1.0\nGenerator: sdistill-tests (wheel_factory)\n"
        f"Root-Is-Purelib: true\nTag: {tag}\n\n"
    ).encode()


def own_metadata(path: Path) -> bytes:
    """The METADATA of the wheel's own project, read with :mod:`zipfile`: the member
    ``<dir>/METADATA`` whose ``<dir>`` is ``<name>-<version>.dist-info`` with the name and
    version of the file name (compared normalized)."""
    name, version, _, _ = parse_wheel_filename(path.name)
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            parts = info.filename.split("/")
            if len(parts) != 2 or parts[1] != "METADATA":
                continue
            stem = parts[0].removesuffix(".dist-info")
            if stem == parts[0] or "-" not in stem:
                continue
            dir_name, _, dir_version = stem.rpartition("-")
            if canonicalize_name(dir_name) == name and dir_version == str(version):
                return zf.read(info)
    raise LookupError(f"{path.name}: no {name}-{version}.dist-info/METADATA")


def has_zip64_end_records(path: Path) -> bool:
    """Whether the file ends with a zip64 end record and locator before the end record."""
    tail = path.read_bytes()[-(_ZIP64_EOCD.size + _ZIP64_LOCATOR.size + _EOCD.size + 65535) :]
    return ZIP64_EOCD_SIGNATURE in tail and ZIP64_LOCATOR_SIGNATURE in tail


# -- a zip writer that says where things are ------------------------------------------


@dataclass
class Member:
    """One file of a zip written by :func:`build_zip`."""

    name: str
    data: bytes
    deflate: bool = True
    data_descriptor: bool = False
    """Sizes and CRC after the data (flag bit 3), zeros in the local header."""


@dataclass
class ZipLayout:
    """A zip written by :func:`build_zip` and the offsets of its records."""

    data: bytearray
    local_offsets: dict[str, int] = field(default_factory=dict)
    central_offsets: dict[str, int] = field(default_factory=dict)
    cd_offset: int = 0
    cd_size: int = 0
    zip64_eocd_offset: int | None = None
    zip64_locator_offset: int | None = None
    eocd_offset: int = 0

    def patch(self, offset: int, fmt: str, *values: int) -> None:
        struct.pack_into(fmt, self.data, offset, *values)

    def write(self, path: Path) -> Path:
        path.write_bytes(bytes(self.data))
        return path


def _deflated(data: bytes) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


def build_zip(members: Iterable[Member], *, zip64: bool = False) -> ZipLayout:
    """A zip of ``members`` in order (the central directory in the same order).

    With ``zip64``, every local header and central directory entry carries its sizes
    (and offset) in a zip64 extra field, with ``0xFFFFFFFF`` in the 32-bit fields, and
    the end record holds only ``0xFFFF`` / ``0xFFFFFFFF``, the real values being in the
    zip64 end record its locator points to: a reader has to follow zip64 to read it.
    """
    out = bytearray()
    layout = ZipLayout(out)
    central = bytearray()
    needed = 45 if zip64 else 20
    made_by = (3 << 8) | needed  # Unix
    for member in members:
        name = member.name.encode("utf-8")
        flags = 0 if name.isascii() else _FLAG_UTF8
        if member.data_descriptor:
            flags |= _FLAG_DATA_DESCRIPTOR
        payload = _deflated(member.data) if member.deflate else member.data
        method = zipfile.ZIP_DEFLATED if member.deflate else zipfile.ZIP_STORED
        crc = zlib.crc32(member.data)
        offset = len(out)
        layout.local_offsets[member.name] = offset
        if zip64:
            local_extra = struct.pack("<HHQQ", 1, 16, len(member.data), len(payload))
            local_sizes = (_U32, _U32)
        else:
            local_extra = b""
            local_sizes = (len(payload), len(member.data))
        local_crc = crc
        if member.data_descriptor:
            local_crc, local_sizes = 0, (0, 0)
            if zip64:
                local_extra = struct.pack("<HHQQ", 1, 16, 0, 0)
                local_sizes = (_U32, _U32)
        out += _LOCAL.pack(
            0x04034B50,
            needed,
            flags,
            method,
            0,
            _DOS_DATE,
            local_crc,
            *local_sizes,
            len(name),
            len(local_extra),
        )
        out += name + local_extra + payload
        if member.data_descriptor:
            size_format = "<IIQQ" if zip64 else "<IIII"
            out += struct.pack(size_format, 0x08074B50, crc, len(payload), len(member.data))
        if zip64:
            cd_extra = struct.pack("<HHQQQ", 1, 24, len(member.data), len(payload), offset)
            cd_fields = (_U32, _U32)
            cd_offset = _U32
        else:
            cd_extra = b""
            cd_fields = (len(payload), len(member.data))
            cd_offset = offset
        layout.central_offsets[member.name] = len(central)  # relative until the end
        central += _CENTRAL.pack(
            0x02014B50,
            made_by,
            needed,
            flags,
            method,
            0,
            _DOS_DATE,
            crc,
            *cd_fields,
            len(name),
            len(cd_extra),
            0,
            0,
            0,
            0o100644 << 16,
            cd_offset,
        )
        central += name + cd_extra
    layout.cd_offset = len(out)
    layout.cd_size = len(central)
    for key in layout.central_offsets:
        layout.central_offsets[key] += layout.cd_offset
    out += central
    count = len(layout.central_offsets)
    if zip64:
        layout.zip64_eocd_offset = len(out)
        out += _ZIP64_EOCD.pack(
            0x06064B50,
            _ZIP64_EOCD.size - 12,
            made_by,
            needed,
            0,
            0,
            count,
            count,
            layout.cd_size,
            layout.cd_offset,
        )
        layout.zip64_locator_offset = len(out)
        out += _ZIP64_LOCATOR.pack(0x07064B50, 0, layout.zip64_eocd_offset, 1)
        layout.eocd_offset = len(out)
        out += _EOCD.pack(0x06054B50, 0, 0, _U16, _U16, _U32, _U32, 0)
    else:
        layout.eocd_offset = len(out)
        out += _EOCD.pack(0x06054B50, 0, 0, count, count, layout.cd_size, layout.cd_offset, 0)
    return layout


# -- the factory -----------------------------------------------------------------------


def _random_bytes(size: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(size)


class WheelFactory:
    """Writes wheels into ``directory`` (one file per name and version)."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)

    # -- building blocks ---------------------------------------------------------------

    def members(
        self,
        name: str,
        version: str,
        *,
        files: Sequence[tuple[str, bytes]] = (),
        metadata: bytes | None = None,
        tag: str = "py3-none-any",
        before_dist_info: Sequence[tuple[str, bytes]] = (),
        dist_info: str | None = None,
        requires_dist: Sequence[str] = (),
    ) -> list[tuple[str, bytes]]:
        """The ``(path, bytes)`` of a wheel in archive order: ``files`` (default: a small
        package), then ``before_dist_info``, then the dist-info (METADATA, WHEEL, RECORD
        last, hashing all the others)."""
        if not files:
            package = _escaped(name)
            files = [
                (f"{package}/__init__.py", f'"""{name}."""\n__version__ = "{version}"\n'.encode()),
                (f"{package}/core.py", b"def answer() -> int:\n    return 42\n" * 20),
            ]
        directory = dist_info if dist_info is not None else dist_info_dir(name, version)
        if metadata is None:
            metadata = metadata_text(name, version, requires_dist=requires_dist)
        entries = [
            *files,
            *before_dist_info,
            (f"{directory}/METADATA", metadata),
            (f"{directory}/WHEEL", _wheel_file(tag)),
        ]
        record = "".join(f"{path},{_record_hash(data)},{len(data)}\n" for path, data in entries)
        record += f"{directory}/RECORD,,\n"
        return [*entries, (f"{directory}/RECORD", record.encode())]

    def write_zipfile(
        self,
        filename: str,
        entries: Sequence[tuple[str, bytes]],
        *,
        compression: int = zipfile.ZIP_DEFLATED,
        stored: Iterable[str] = (),
    ) -> Path:
        """``entries`` written by :mod:`zipfile` (``stored``: paths kept uncompressed)."""
        keep = set(stored)
        path = self.directory / filename
        with zipfile.ZipFile(path, "w", compression=compression) as zf:
            for member_path, data in entries:
                info = zipfile.ZipInfo(member_path, date_time=(2020, 1, 1, 0, 0, 0))
                info.external_attr = 0o100644 << 16
                info.compress_type = zipfile.ZIP_STORED if member_path in keep else compression
                zf.writestr(info, data)
        return path

    # -- well-formed wheels ------------------------------------------------------------

    def wheel(
        self,
        name: str = "sample-pkg",
        version: str = "1.0",
        *,
        requires_dist: Sequence[str] = (),
        metadata: bytes | None = None,
        tag: str = "py3-none-any",
        files: Sequence[tuple[str, bytes]] = (),
        stored_metadata: bool = False,
        dist_info: str | None = None,
        filename: str | None = None,
    ) -> Path:
        """A small, ordinary wheel written by :mod:`zipfile` (deflated)."""
        entries = self.members(
            name,
            version,
            files=files,
            metadata=metadata,
            tag=tag,
            requires_dist=requires_dist,
            dist_info=dist_info,
        )
        stored = [p for p, _ in entries if p.endswith("/METADATA")] if stored_metadata else []
        return self.write_zipfile(
            filename or wheel_filename(name, version, tag), entries, stored=stored
        )

    def big_wheel(
        self,
        name: str = "big-pkg",
        version: str = "1.0",
        *,
        payload_size: int = 3 * 1024 * 1024 // 2,
        deflate: bool = False,
        seed: int = 1,
    ) -> Path:
        """A wheel over 1 MB: ``payload_size`` bytes of random (incompressible) data in a
        few members, so the bytes a reader fetches can be compared with the file's."""
        package = _escaped(name)
        parts = 3
        files = [
            (f"{package}/_data{i}.bin", _random_bytes(payload_size // parts, seed + i))
            for i in range(parts)
        ]
        files.insert(0, (f"{package}/__init__.py", b"from ._impl import *\n"))
        entries = self.members(name, version, files=files, requires_dist=["numpy>=1.20"])
        compression = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
        return self.write_zipfile(wheel_filename(name, version), entries, compression=compression)

    def many_members_wheel(
        self,
        name: str = "many-pkg",
        version: str = "1.0",
        *,
        count: int = 4000,
        dist_info_first: bool = False,
    ) -> Path:
        """A wheel with ``count`` small members and long paths: its central directory
        (~100 bytes an entry) is larger than a first read of the tail of the file is
        likely to be. ``dist_info_first`` puts the dist-info at the start of the file."""
        package = _escaped(name)
        files = [
            (f"{package}/subpackage_{i // 100:03d}/module_with_a_long_name_{i:05d}.py", b"")
            for i in range(count)
        ]
        entries = self.members(name, version, files=files)
        if dist_info_first:
            entries = entries[-3:] + entries[:-3]
        return self.write_zipfile(wheel_filename(name, version), entries)

    def vendored_wheel(self, name: str = "host-pkg", version: str = "1.0") -> Path:
        """A wheel whose first ``.dist-info/METADATA`` in the central directory is a
        vendored project's (``vendored_pkg-2.0.dist-info/METADATA``, top level), with
        another one nested under the package, both before the wheel's own."""
        package = _escaped(name)
        vendored = [
            ("vendored_pkg-2.0.dist-info/METADATA", metadata_text("vendored-pkg", "2.0")),
            ("vendored_pkg-2.0.dist-info/WHEEL", _wheel_file("py3-none-any")),
            (
                f"{package}/_vendor/other_pkg-3.0.dist-info/METADATA",
                metadata_text("other-pkg", "3.0"),
            ),
        ]
        files = [
            (f"{package}/__init__.py", b""),
            (f"{package}/_vendor/vendored_pkg/__init__.py", b""),
        ]
        entries = self.members(
            name,
            version,
            files=vendored[:1] + files,
            before_dist_info=vendored[1:],
            requires_dist=["vendored-pkg==2.0 ; python_version < '3'"],
        )
        return self.write_zipfile(wheel_filename(name, version), entries)

    def hand_written_wheel(
        self,
        name: str,
        version: str,
        *,
        zip64: bool = False,
        data_descriptor: bool = False,
        deflate: bool = True,
    ) -> Path:
        """A wheel written by :func:`build_zip` (zip64 records, data descriptors)."""
        layout = self._layout(
            name, version, zip64=zip64, data_descriptor=data_descriptor, deflate=deflate
        )
        return layout.write(self.directory / wheel_filename(name, version))

    def zip64_wheel(self, name: str = "zip64-pkg", version: str = "1.0") -> Path:
        """A wheel with zip64 end records (``0xFFFF`` / ``0xFFFFFFFF`` in the plain end
        record) and zip64 sizes and offsets in every entry."""
        path = self.hand_written_wheel(name, version, zip64=True)
        assert has_zip64_end_records(path)
        return path

    def _layout(
        self,
        name: str,
        version: str,
        *,
        zip64: bool = False,
        data_descriptor: bool = False,
        deflate: bool = True,
        metadata: bytes | None = None,
        stored_metadata: bool = False,
    ) -> ZipLayout:
        entries = self.members(name, version, metadata=metadata)
        members = [
            Member(
                path,
                data,
                deflate=deflate and not (stored_metadata and path.endswith("/METADATA")),
                data_descriptor=data_descriptor,
            )
            for path, data in entries
        ]
        return build_zip(members, zip64=zip64)

    # -- hostile wheels ----------------------------------------------------------------

    def hostile(self, kind: str, version: str = "1.0") -> Path:
        """The hostile wheel ``kind`` (a key of :data:`HOSTILE_KINDS`), of the project
        ``hostile-<kind>``."""
        if kind not in HOSTILE_KINDS:
            raise ValueError(f"unknown hostile wheel {kind!r}")
        name = f"hostile-{kind}"
        path = self.directory / wheel_filename(name, version)
        metadata_path = f"{dist_info_dir(name, version)}/METADATA"
        if kind in ("name-mismatch", "version-mismatch"):
            stated = (
                metadata_text("someone-else", version)
                if kind == "name-mismatch"
                else metadata_text(name, "9.9")
            )
            return self.wheel(name, version, metadata=stated)
        zip64 = kind.startswith("zip64-")
        layout = self._layout(name, version, zip64=zip64, stored_metadata=kind == "crc-mismatch")
        size = len(layout.data)
        local = layout.local_offsets[metadata_path]
        central = layout.central_offsets[metadata_path]
        if kind == "cd-offset-past-end":
            layout.patch(layout.eocd_offset + 16, "<I", size + 4096)
        elif kind == "member-offset-past-end":
            layout.patch(central + 42, "<I", size + 100)
        elif kind == "cd-size-too-large":
            layout.patch(layout.eocd_offset + 12, "<I", layout.cd_size + 1000)
        elif kind == "local-sizes-disagree":
            csize, usize = struct.unpack_from("<II", layout.data, local + 18)
            layout.patch(local + 18, "<II", csize + 1000, usize + 5000)
        elif kind == "absurd-compressed-size":
            layout.patch(local + 18, "<I", 0xFFFFFFF0)
            layout.patch(central + 20, "<I", 0xFFFFFFF0)
        elif kind == "absurd-uncompressed-size":
            layout.patch(local + 22, "<I", 0xFFFFFFF0)
            layout.patch(central + 24, "<I", 0xFFFFFFF0)
        elif kind == "crc-mismatch":
            name_len, extra_len = struct.unpack_from("<HH", layout.data, local + 26)
            start = local + 30 + name_len + extra_len
            index = layout.data.index(b"Version:", start) + len("Version:") + 1
            layout.data[index] ^= 0x01  # "1.0" becomes "0.0": still text, CRC wrong
        elif kind == "truncated":
            del layout.data[layout.cd_offset + layout.cd_size // 2 :]
        elif kind == "zip64-cd-offset-past-end":
            assert layout.zip64_eocd_offset is not None
            layout.patch(layout.zip64_eocd_offset + 48, "<Q", size + 65536)
        return layout.write(path)

    def all_hostile(self) -> dict[str, Path]:
        return {kind: self.hostile(kind) for kind in HOSTILE_KINDS}


# -- fixture ---------------------------------------------------------------------------


@pytest.fixture(name="wheel_factory")
def wheel_factory(tmp_path: Path) -> WheelFactory:
    """A :class:`WheelFactory` writing into a fresh directory of this test."""
    return WheelFactory(tmp_path / "wheels")
