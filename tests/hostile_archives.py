"""Generators of hostile (and a few benign control) archives, built with the stdlib only.

Every generator returns the raw bytes of one archive. Tar archives are written with
:mod:`tarfile` (which happily writes names and link targets a safe extractor must
refuse); zip archives are written with :mod:`zipfile` and, where zipfile refuses to
produce the attack (NUL in names, local/central disagreements, lying sizes, encryption
flags...), patched afterwards with :mod:`struct` at the documented header offsets.

Names and link targets are parameters so that a test can aim an escape at a path it
then checks for; the defaults are only there to keep the call sites short.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import random
import stat
import struct
import tarfile
import warnings
import zipfile
import zlib
from collections.abc import Iterable, Mapping, Sequence

KiB = 1 << 10
MiB = 1 << 20
GiB = 1 << 30

TarMember = tuple[tarfile.TarInfo, bytes]
ZipEntry = tuple[zipfile.ZipInfo, bytes]

PAYLOAD = b"owned\n"


def random_bytes(n: int, seed: int = 0) -> bytes:
    """``n`` incompressible but reproducible bytes."""
    return random.Random(seed).randbytes(n)


def compress(data: bytes, compression: str) -> bytes:
    """Wrap ``data`` in ``compression`` ("", "gz", "bz2", "xz" or "zst")."""
    if compression == "":
        return data
    if compression == "gz":
        return gzip.compress(data, mtime=0)
    if compression == "bz2":
        return bz2.compress(data)
    if compression == "xz":
        return lzma.compress(data, format=lzma.FORMAT_XZ)
    if compression == "zst":
        import zstandard

        return zstandard.ZstdCompressor().compress(data)
    raise ValueError(f"unknown compression {compression!r}")


# --------------------------------------------------------------------------- tar


def tar_file(name: str, data: bytes = PAYLOAD, mode: int = 0o644) -> TarMember:
    """A regular file member."""
    info = tarfile.TarInfo(name)
    info.size, info.mode = len(data), mode
    return info, data


def tar_dir(name: str, mode: int = 0o755) -> TarMember:
    """A directory member (tarfile appends the trailing "/")."""
    info = tarfile.TarInfo(name)
    info.type, info.mode = tarfile.DIRTYPE, mode
    return info, b""


def tar_symlink(name: str, target: str) -> TarMember:
    """A symbolic link member."""
    info = tarfile.TarInfo(name)
    info.type, info.linkname, info.mode = tarfile.SYMTYPE, target, 0o777
    return info, b""


def tar_hardlink(name: str, target: str) -> TarMember:
    """A hard link member (``target`` is a member name, or anything at all)."""
    info = tarfile.TarInfo(name)
    info.type, info.linkname = tarfile.LNKTYPE, target
    return info, b""


def tar_node(name: str, kind: bytes, major: int = 1, minor: int = 3) -> TarMember:
    """A member of any tar type: CHRTYPE, BLKTYPE, FIFOTYPE or an unknown type byte."""
    info = tarfile.TarInfo(name)
    info.type, info.devmajor, info.devminor = kind, major, minor
    return info, b""


def make_tar(
    members: Iterable[TarMember],
    compression: str = "",
    *,
    fmt: int = tarfile.PAX_FORMAT,
    encoding: str = "utf-8",
) -> bytes:
    """Write ``members`` in order (no checks at all) and compress the result."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt, encoding=encoding) as tf:
        for info, data in members:
            tf.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return compress(buf.getvalue(), compression)


def tar_absolute_path(path: str) -> bytes:
    """A regular file whose name is an absolute path."""
    return make_tar([tar_file(path)])


def tar_named(name: str) -> bytes:
    """A single regular file called ``name`` (for "..", backslash, control characters...)."""
    return make_tar([tar_dir("pkg"), tar_file(name)])


def tar_pax_path_override(path: str, decoy: str = "pkg/innocent.txt") -> bytes:
    """A harmless ustar name overridden by a pax ``path`` record (which is what counts)."""
    info, data = tar_file(decoy)
    info.pax_headers = {"path": path}
    return make_tar([(info, data)])


def tar_nul_name(name: str = "evil\x00.txt") -> bytes:
    """A name with a NUL byte inside: only a pax ``path`` record can carry it."""
    return tar_pax_path_override(name, decoy="evil.txt")


def tar_gnu_longname(name: str) -> bytes:
    """A name longer than 100 bytes, stored in a GNU ``././@LongLink`` record."""
    return make_tar([tar_file(name)], fmt=tarfile.GNU_FORMAT)


def tar_non_utf8_name(name: str = "caf\xe9.txt") -> bytes:
    """A name whose bytes are latin-1, i.e. not valid UTF-8."""
    return make_tar([tar_file(name)], fmt=tarfile.GNU_FORMAT, encoding="latin-1")


def tar_symlink_out(target: str, name: str = "link") -> bytes:
    """A symlink whose target (relative or absolute) lies outside the destination."""
    return make_tar([tar_symlink(name, target)])


def tar_symlink_then_write(target: str, filename: str, link: str = "link") -> bytes:
    """``link -> target`` (an outside directory), then a file written through it."""
    return make_tar([tar_symlink(link, target), tar_file(f"{link}/{filename}")])


def tar_symlink_then_dotdot(escape: str) -> bytes:
    """``a -> sub`` (harmless), then ``a/../../<escape>`` -- out through the link."""
    return make_tar([tar_dir("sub"), tar_symlink("a", "sub"), tar_file(f"a/../../{escape}")])


def tar_symlink_chain(filename: str | None = None) -> bytes:
    """``d/up -> ..`` (inside), then ``m -> d/up/../..``: lexically ".", really two levels up.

    Only resolving like the kernel catches ``m``. With ``filename``, a file is then
    written through ``m``.
    """
    members = [tar_dir("d"), tar_symlink("d/up", ".."), tar_symlink("m", "d/up/../..")]
    return make_tar(members + ([tar_file(f"m/{filename}")] if filename else []))


def tar_hardlink_to(target: str, earlier: Sequence[TarMember] = (), name: str = "h") -> bytes:
    """Members ``earlier``, then hard link ``name`` -> ``target``."""
    return make_tar([*earlier, tar_hardlink(name, target)])


def tar_hardlink_forward() -> bytes:
    """A hard link to a member that only comes later in the archive."""
    return make_tar([tar_hardlink("h", "later.txt"), tar_file("later.txt")])


def tar_special(kind: bytes, name: str) -> bytes:
    """A single device node, FIFO or unknown-type member."""
    return make_tar([tar_node(name, kind)])


def tar_duplicate(first: TarMember, second: TarMember) -> bytes:
    """Two members that claim the same path (or a file where a directory is)."""
    return make_tar([first, second])


def tar_file_again(
    first: bytes, second: bytes, name: str = "a.txt", *, filler: int = 0, spelled: str = ""
) -> bytes:
    """A regular file, ``filler`` other files of 64 KiB, then ``name`` again.

    The fillers keep the writer threads busy, so a careless extractor could write the
    first copy after the second. ``spelled`` names the second copy differently (say
    ``./a.txt``, or a path through a symlink the archive made before).
    """
    fillers = [tar_file(f"filler/{i}.bin", random_bytes(64 * KiB, seed=i)) for i in range(filler)]
    return make_tar([tar_file(name, first), *fillers, tar_file(spelled or name, second)])


def tar_file_link_file(target: str, name: str = "a.txt", hard: bool = False) -> bytes:
    """A file, a symbolic (or hard) link of the same name to ``target``, the file again."""
    link = tar_hardlink(name, target) if hard else tar_symlink(name, target)
    return make_tar([tar_file(name, b"first\n"), link, tar_file(name, PAYLOAD)])


def tar_hardlink_then_replace(replaced: str) -> bytes:
    """``a.txt``, hard link ``h`` -> ``a.txt``, then ``replaced`` (either) as a new file.

    tar then leaves the old bytes in the other name, tarfile the new ones.
    """
    return make_tar(
        [tar_file("a.txt", b"old\n"), tar_hardlink("h", "a.txt"), tar_file(replaced, b"new\n")]
    )


def tar_dir_then_file(name: str = "d") -> bytes:
    """A directory with a file in it, then a regular file of the directory's name."""
    return make_tar([tar_dir(name), tar_file(f"{name}/x.txt"), tar_file(name)])


def tar_many_entries(count: int, dirs: bool = False) -> bytes:
    """``count`` tiny files (or directories)."""
    if dirs:
        return make_tar(tar_dir(f"d{i}") for i in range(count))
    return make_tar(tar_file(f"f{i}.txt", b"x") for i in range(count))


def tar_zero_bomb(size: int, compression: str, parts: int = 1) -> bytes:
    """``parts`` files of ``size // parts`` zero bytes each, compressed."""
    chunk = bytes(size // parts)
    return make_tar((tar_file(f"bomb/{i}.bin", chunk) for i in range(parts)), compression)


def tar_gz_huge_member(size: int, block: int = 4 * MiB) -> bytes:
    """A tar.gz whose one member really unpacks to ``size`` zero bytes, made in O(size / 1000).

    The deflate stream is one full-flushed block for the header, one full-flushed block of
    ``block`` zeros repeated (a full flush resets the window, so the bytes repeat exactly)
    and a final block; the gzip trailer carries the real CRC-32 and length.
    """
    info = tarfile.TarInfo("bomb/zeros.bin")
    info.size = size
    header = info.tobuf(tarfile.USTAR_FORMAT, "utf-8", "strict")
    zeros_total = size + (-size % 512) + 1024  # data, padding, end-of-archive blocks
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = header + bytes(block - len(header))
    first = co.compress(head) + co.flush(zlib.Z_FULL_FLUSH)
    repeated = co.compress(bytes(block)) + co.flush(zlib.Z_FULL_FLUSH)
    count, tail = divmod(zeros_total - (block - len(header)), block)
    last = co.compress(bytes(tail)) + co.flush(zlib.Z_FINISH)
    crc = zlib.crc32(head)
    zero_block = bytes(block)
    for _ in range(count):
        crc = zlib.crc32(zero_block, crc)
    crc = zlib.crc32(bytes(tail), crc)
    total = len(header) + zeros_total
    gz_header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    trailer = struct.pack("<II", crc, total & 0xFFFFFFFF)
    return b"".join([gz_header, first, repeated * count, last, trailer])


def tar_truncated_mid_member() -> bytes:
    """A plain tar cut in the middle of a member's data."""
    data = make_tar([tar_file("pkg/big.bin", random_bytes(20 * KiB))])
    return data[: 512 + 10 * KiB]


def tar_truncated_mid_header() -> bytes:
    """A plain tar cut in the middle of the second member's header."""
    data = make_tar([tar_file("pkg/a.txt", b"a" * 512), tar_file("pkg/b.txt")])
    return data[: 1024 + 100]


def tar_bad_header_checksum() -> bytes:
    """A plain tar whose second header was altered without fixing its checksum."""
    data = bytearray(make_tar([tar_file("pkg/a.txt", b"a" * 512), tar_file("pkg/b.txt")]))
    data[1024 + 4] ^= 0x01  # a byte of the second member's name
    return bytes(data)


def gzip_bad_crc() -> bytes:
    """A tar.gz whose gzip trailer has a wrong CRC-32."""
    data = bytearray(make_tar([tar_file("pkg/a.txt", random_bytes(4 * KiB))], "gz"))
    data[-8] ^= 0xFF
    return bytes(data)


def cut_in_half(data: bytes) -> bytes:
    """The first half of ``data``."""
    return data[: len(data) // 2]


def tar_truncated(compression: str) -> bytes:
    """A compressed tar of incompressible members, cut in half."""
    members = [tar_file(f"pkg/{i}.bin", random_bytes(32 * KiB, seed=i)) for i in range(4)]
    return cut_in_half(make_tar(members, compression))


def tar_sdist(compression: str = "gz") -> bytes:
    """A small, perfectly valid sdist-like archive."""
    return make_tar(
        [
            tar_dir("pkg-1.0"),
            tar_file("pkg-1.0/PKG-INFO", b"Metadata-Version: 2.1\nName: pkg\nVersion: 1.0\n"),
            tar_file("pkg-1.0/setup.py", b"from setuptools import setup\nsetup()\n"),
        ],
        compression,
    )


# --------------------------------------------------------------------------- zip

_EOCD = struct.Struct("<4s4H2LH")
#: name -> (offset inside the local file header, struct format)
_LOCAL = {
    "flags": (6, "<H"),
    "method": (8, "<H"),
    "crc": (14, "<I"),
    "csize": (18, "<I"),
    "usize": (22, "<I"),
}
#: name -> (offset inside the central directory header, struct format)
_CENTRAL = {
    "flags": (8, "<H"),
    "method": (10, "<H"),
    "crc": (16, "<I"),
    "csize": (20, "<I"),
    "usize": (24, "<I"),
    "offset": (42, "<I"),
}


def zip_file(
    name: str, data: bytes = PAYLOAD, mode: int = 0o644, method: int = zipfile.ZIP_DEFLATED
) -> ZipEntry:
    """A regular file entry with unix ``mode`` in its external attributes."""
    info = zipfile.ZipInfo(name)
    info.compress_type, info.create_system = method, 3
    info.external_attr = (stat.S_IFREG | mode) << 16
    return info, data


def zip_dir(name: str) -> ZipEntry:
    """A directory entry (``name`` ends with "/")."""
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = (stat.S_IFDIR | 0o755) << 16 | 0x10
    return info, b""


def zip_symlink(name: str, target: str) -> ZipEntry:
    """A symlink entry the way Info-ZIP stores it: S_IFLNK mode, the target as data."""
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info, target.encode()


class _Unseekable(io.RawIOBase):
    """A write-only stream that cannot seek, so zipfile writes data descriptors."""

    def __init__(self) -> None:
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, b: bytes) -> int:  # type: ignore[override]
        self.data += b
        return len(b)


def make_zip(entries: Iterable[ZipEntry], *, streamed: bool = False) -> bytes:
    """Write ``entries`` in order; duplicate names are written as they come.

    ``streamed`` writes to an unseekable stream, so every file entry has its sizes in a
    data descriptor after its data (what a zip written on the fly looks like).
    """
    out = _Unseekable() if streamed else io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Duplicate name: ..."
        with zipfile.ZipFile(out, "w") as zf:
            for info, data in entries:
                if streamed:
                    with zf.open(info, "w") as member:
                        member.write(data)
                else:
                    zf.writestr(info, data)
    return bytes(out.data) if isinstance(out, _Unseekable) else out.getvalue()


def _eocd(data: bytes) -> tuple[int, int, int]:
    """(entry count, central directory offset, end-of-central-directory offset)."""
    end = data.rfind(b"PK\x05\x06")
    _, _, _, _, count, _, cd_offset, _ = _EOCD.unpack_from(data, end)
    return count, cd_offset, end


def _central_records(data: bytes) -> list[tuple[int, int]]:
    """(start, end) of every central directory record."""
    count, pos, _ = _eocd(data)
    records = []
    for _ in range(count):
        assert data[pos : pos + 4] == b"PK\x01\x02"
        n, x, c = struct.unpack_from("<3H", data, pos + 28)
        records.append((pos, pos + 46 + n + x + c))
        pos += 46 + n + x + c
    return records


def _local_offset(data: bytes, index: int) -> int:
    start, _ = _central_records(data)[index]
    return int(struct.unpack_from("<I", data, start + 42)[0])


def _data_offset(data: bytes, index: int) -> int:
    local = _local_offset(data, index)
    n, x = struct.unpack_from("<2H", data, local + 26)
    return local + 30 + n + x


def patch_zip(
    data: bytes,
    index: int,
    *,
    local: Mapping[str, int] | None = None,
    central: Mapping[str, int] | None = None,
) -> bytes:
    """Overwrite header fields (see ``_LOCAL`` / ``_CENTRAL``) of entry ``index``."""
    out = bytearray(data)
    local_at, central_at = _local_offset(data, index), _central_records(data)[index][0]
    for table, base, values in ((_LOCAL, local_at, local), (_CENTRAL, central_at, central)):
        for field, value in (values or {}).items():
            offset, fmt = table[field]
            struct.pack_into(fmt, out, base + offset, value)
    return bytes(out)


def _rename_everywhere(data: bytes, old: bytes, new: bytes) -> bytes:
    """Replace a name in both the local and the central header (same length)."""
    assert len(old) == len(new)
    assert data.count(old) == 2
    return data.replace(old, new)


def zip_absolute_path(path: str) -> bytes:
    """An entry whose name is an absolute path."""
    return make_zip([zip_file(path)])


def zip_named(name: str) -> bytes:
    """A single regular file entry called ``name`` (for "..", backslashes, controls...)."""
    return make_zip([zip_dir("pkg/"), zip_file(name)])


def zip_nul_name() -> bytes:
    """An entry named ``evil\\0.txt`` (zipfile cuts names at NUL, so it is patched in)."""
    return _rename_everywhere(make_zip([zip_file("evilX.txt")]), b"evilX.txt", b"evil\0.txt")


def zip_non_utf8_name() -> bytes:
    """An entry flagged UTF-8 (bit 11) whose name bytes are not UTF-8."""
    data = make_zip([zip_file("caf\u00e9.txt")])
    return _rename_everywhere(data, "caf\u00e9.txt".encode(), b"caf\xff\xfe.txt")


def zip_symlink_out(target: str, name: str = "link") -> bytes:
    """A symlink entry whose target lies outside the destination."""
    return make_zip([zip_symlink(name, target)])


def zip_symlink_then_write(target: str, filename: str, link: str = "link") -> bytes:
    """``link -> target`` (an outside directory), then a file written through it."""
    return make_zip([zip_symlink(link, target), zip_file(f"{link}/{filename}")])


def zip_symlink_then_dotdot(escape: str) -> bytes:
    """``a -> sub`` (harmless), then ``a/../../<escape>``."""
    return make_zip([zip_dir("sub/"), zip_symlink("a", "sub"), zip_file(f"a/../../{escape}")])


def zip_symlink_chain(filename: str | None = None) -> bytes:
    """Zip flavour of :func:`tar_symlink_chain`."""
    entries = [zip_dir("d/"), zip_symlink("d/up", ".."), zip_symlink("m", "d/up/../..")]
    return make_zip(entries + ([zip_file(f"m/{filename}")] if filename else []))


def zip_duplicate(first: ZipEntry, second: ZipEntry) -> bytes:
    """Two entries that claim the same path (or a file where a directory is)."""
    return make_zip([first, second])


def crc_twin(data: bytes, prefix: bytes) -> bytes:
    """Bytes as long as ``data``, starting with ``prefix``, with the same CRC-32.

    CRC-32 is affine over GF(2): for a fixed length, flipping input bit ``k`` flips a
    fixed set of CRC bits. So four free bytes at the end, found by solving a 32x32
    linear system, steer the CRC to any value -- which is why a CRC is no proof that
    two copies are the same.
    """
    assert len(prefix) + 4 <= len(data)
    head = prefix + data[len(prefix) : len(data) - 4]
    base = zlib.crc32(head + bytes(4))
    # columns[k]: the CRC bits that bit k of the free word flips
    columns = [zlib.crc32(head + (1 << k).to_bytes(4, "little")) ^ base for k in range(32)]
    want = zlib.crc32(data) ^ base
    # an XOR basis of the columns, by top bit: (effect on the CRC, free bits that make it)
    basis: dict[int, tuple[int, int]] = {}
    for k, column in enumerate(columns):
        effect, bits = column, 1 << k
        while effect:
            top = effect.bit_length() - 1
            if top not in basis:
                basis[top] = (effect, bits)
                break
            effect, bits = effect ^ basis[top][0], bits ^ basis[top][1]
    solution, rest = 0, want
    while rest:
        effect, bits = basis[rest.bit_length() - 1]
        rest, solution = rest ^ effect, solution ^ bits
    twin = head + solution.to_bytes(4, "little")
    assert zlib.crc32(twin) == zlib.crc32(data)
    assert twin != data
    return twin


def zip_copies(
    first: ZipEntry, second: ZipEntry, *, filler: int = 0, streamed: bool = False
) -> bytes:
    """Two entries for one path (identical copies, or not), ``filler`` files between."""
    fillers = [zip_file(f"filler/{i}.bin", random_bytes(64 * KiB, seed=i)) for i in range(filler)]
    return make_zip([first, *fillers, second], streamed=streamed)


def zip_copy_with_lying_central(data: bytes = PAYLOAD * 20) -> bytes:
    """Identical copies of ``a.txt``; the central record of the second lies about its CRC."""
    zipped = make_zip([zip_file("a.txt", data), zip_file("a.txt", data)])
    return patch_zip(zipped, 1, central={"crc": zlib.crc32(data) ^ 1})


def zip_many_entries(count: int) -> bytes:
    """``count`` tiny files."""
    return make_zip(zip_file(f"f{i}.txt", b"x") for i in range(count))


def zip_zero_bomb(size: int, parts: int = 1, method: int = zipfile.ZIP_DEFLATED) -> bytes:
    """``parts`` entries of ``size // parts`` zeros compressed with ``method`` (deflate:
    about 1000:1 each)."""
    return make_zip(
        zip_file(f"bomb/{i}.bin", bytes(size // parts), method=method) for i in range(parts)
    )


def zip_local_name_mismatch(central: str = "good.txt", local: str = "evil.txt") -> bytes:
    """The local header names a different file than the central directory."""
    assert len(central) == len(local)
    data = bytearray(make_zip([zip_file(central)]))
    at = _local_offset(bytes(data), 0) + 30
    data[at : at + len(local)] = local.encode()
    return bytes(data)


def zip_local_field_mismatch(field: str, value: int) -> bytes:
    """Local header field ``field`` (crc, csize, usize, method) disagrees with the central one."""
    data = make_zip([zip_file("a.txt", b"hello hello hello\n" * 10)])
    return patch_zip(data, 0, local={field: value})


def zip_central_field_mismatch(field: str, value: int) -> bytes:
    """Central directory field ``field`` disagrees with a correct local header."""
    data = make_zip([zip_file("a.txt", b"hello hello hello\n" * 10)])
    return patch_zip(data, 0, central={field: value})


def zip_local_method_differential(content: bytes = b"central directory view\n" * 8) -> bytes:
    """Local header: stored, with the CRC and size of the raw bytes; central: deflated.

    Each header is consistent on its own, so a reader that trusts the local header
    extracts the compressed bytes without any CRC or size error -- a parser differential.
    """
    data = make_zip([zip_file("a.txt", content)])
    start = _data_offset(data, 0)
    raw = data[start : start + int(struct.unpack_from("<I", data, _local_offset(data, 0) + 18)[0])]
    local = {"method": zipfile.ZIP_STORED, "crc": zlib.crc32(raw), "usize": len(raw)}
    return patch_zip(data, 0, local=local)


def zip_local_without_central() -> bytes:
    """A second local entry ``hidden.txt`` that the central directory does not list."""
    data = make_zip([zip_file("a.txt"), zip_file("hidden.txt")])
    _, cd_offset, _ = _eocd(data)
    start, end = _central_records(data)[0]
    central = data[start:end]
    eocd = _EOCD.pack(b"PK\x05\x06", 0, 0, 1, 1, len(central), cd_offset, 0)
    return data[:cd_offset] + central + eocd


def zip_central_without_local() -> bytes:
    """A central entry ``ghost.txt`` whose local header and data were removed."""
    data = make_zip([zip_file("a.txt"), zip_file("ghost.txt")])
    ghost_local = _local_offset(data, 1)
    patched = patch_zip(data, 1, central={"offset": ghost_local})  # the new CD offset
    _, cd_offset, end = _eocd(patched)
    central = patched[cd_offset:end]
    eocd = _EOCD.pack(b"PK\x05\x06", 0, 0, 2, 2, len(central), ghost_local, 0)
    return patched[:ghost_local] + central + eocd


def zip_stored_crc_error() -> bytes:
    """A stored entry whose data was altered after the CRC-32 was recorded."""
    data = make_zip([zip_file("a.txt", b"hello world\n", method=zipfile.ZIP_STORED)])
    out = bytearray(data)
    out[_data_offset(data, 0)] ^= 0x20
    return bytes(out)


def zip_deflate_corrupt() -> bytes:
    """A deflated entry whose compressed stream was overwritten in the middle."""
    data = make_zip([zip_file("a.txt", random_bytes(8 * KiB))])
    out = bytearray(data)
    at = _data_offset(data, 0) + 100
    out[at : at + 64] = bytes(64)
    return bytes(out)


def zip_declared_size(real: bytes, declared: int) -> bytes:
    """A deflated entry whose uncompressed size (both headers, CRC correct) is ``declared``."""
    data = make_zip([zip_file("a.txt", real)])
    return patch_zip(data, 0, local={"usize": declared}, central={"usize": declared})


def zip_encrypted() -> bytes:
    """An entry flagged encrypted (general purpose bit 0) in both headers."""
    data = make_zip([zip_file("secret.txt", random_bytes(64), method=zipfile.ZIP_STORED)])
    return patch_zip(data, 0, local={"flags": 1}, central={"flags": 1})


def zip_truncated() -> bytes:
    """A zip of incompressible entries cut in half (its central directory is gone)."""
    return cut_in_half(
        make_zip(zip_file(f"pkg/{i}.bin", random_bytes(32 * KiB, seed=i)) for i in range(4))
    )


# ------------------------------------------------------------------------ not archives


def unknown_format(kind: str) -> bytes:
    """Bytes that are no archive sdistill reads: random, empty, text, rar or 7z."""
    return {
        "random": random_bytes(4 * KiB, seed=42),
        "empty": b"",
        "text": b"this is not an archive\n" * 40,
        "rar": b"Rar!\x1a\x07\x01\x00" + random_bytes(1 * KiB),
        "7z": b"7z\xbc\xaf\x27\x1c\x00\x04" + random_bytes(1 * KiB),
    }[kind]
