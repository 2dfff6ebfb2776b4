"""sdistill.extract against hostile archives (and a few benign controls).

Every hostile case goes through :func:`assert_extract_fails`, which checks the
exception class and, beyond it, that the failure left no trace: ``dest`` does not
exist, the sentinel directory beside it is byte-for-byte and mtime-for-mtime
untouched, ``tmp_path`` holds exactly what it held before (no ``.sdistill-tmp-*``
leftover), and none of the paths the escape attacks aim at appeared.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import shutil
import stat
import tarfile
import tempfile
import time
import uuid
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import hostile_archives as ha
import pytest
from hostile_archives import GiB, KiB, MiB
from sdistill import (
    ArchiveError,
    HashMismatchError,
    UnsafeArchiveError,
    UnsupportedArchiveError,
    extract,
)
from sdistill.extraction import DEFAULT_MAX_UNPACKED_SIZE, ExtractResult

#: A name nothing else uses; the escape attacks aim at <somewhere>/ESCAPE.
ESCAPE = f"sdistill-escape-{uuid.uuid4().hex[:12]}"
#: Two levels up from dest (and from the temp dir beside it): tmp_path.parent / ESCAPE.
REL = f"../../{ESCAPE}"
ABS = os.path.join(tempfile.gettempdir(), ESCAPE)
SENTINEL_FILES = {"a.txt": b"sentinel a\n", "sub/b.txt": b"sentinel b\n"}
OLD_MTIME = 1_000_000_000  # 2001: anything that touches the sentinel moves it

E = TypeVar("E", bound=BaseException)
Snapshot = dict[str, tuple[str, bytes, int]]


# --------------------------------------------------------------------------- helpers


@pytest.fixture
def sentinel(tmp_path: Path) -> Path:
    """tmp_path/sentinel, beside dest, with a couple of old files in it."""
    root = tmp_path / "sentinel"
    for rel, content in SENTINEL_FILES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        os.utime(path, (OLD_MTIME, OLD_MTIME))
    return root


def snapshot(root: Path) -> Snapshot:
    """Every path under ``root``: (file mode, contents or link target, mtime_ns)."""
    out: Snapshot = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath, name)
            st = path.lstat()
            if stat.S_ISREG(st.st_mode):
                content = path.read_bytes()
            elif stat.S_ISLNK(st.st_mode):
                content = os.fsencode(os.readlink(path))
            else:
                content = b""
            out[path.relative_to(root).as_posix()] = (
                stat.filemode(st.st_mode),
                content,
                st.st_mtime_ns,
            )
    return out


def escape_targets(tmp_path: Path) -> list[Path]:
    """Where the escape attacks would land if they worked."""
    return [tmp_path / ESCAPE, tmp_path.parent / ESCAPE, tmp_path.parent.parent / ESCAPE, Path(ABS)]


def assert_extract_fails(tmp_path: Path, data: bytes, error: type[E], **kwargs: object) -> E:
    """Extract ``data`` into tmp_path/dest, expect ``error``, and check nothing was left behind."""
    sentinel = tmp_path / "sentinel"
    assert sentinel.is_dir(), "use the sentinel fixture"
    archive = tmp_path / "archive.bin"
    archive.write_bytes(data)
    dest = tmp_path / "dest"
    sentinel_before = snapshot(sentinel)
    tree_before = snapshot(tmp_path)
    parent_before = sorted(os.listdir(tmp_path.parent))

    raised: BaseException | None = None
    try:
        extract(archive, dest, **kwargs)
    except Exception as exc:
        raised = exc

    escaped = [target for target in escape_targets(tmp_path) if os.path.lexists(target)]
    for target in escaped:  # do not leave litter outside tmp_path, then fail
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        else:
            target.unlink()
    assert not escaped, f"escape targets were created: {escaped} (raised {raised!r})"
    assert snapshot(sentinel) == sentinel_before, "the sentinel beside dest was modified"
    if raised is None:
        pytest.fail(f"extract() did not raise {error.__name__}")
    if not isinstance(raised, error):
        pytest.fail(f"expected {error.__name__}, got {raised!r}")
    assert not os.path.lexists(dest), f"{dest} exists after a failed extraction"
    tree_after = snapshot(tmp_path)
    assert sorted(set(tree_after) - set(tree_before)) == [], "leftovers in tmp_path"
    assert tree_after == tree_before
    assert sorted(os.listdir(tmp_path.parent)) == parent_before
    return raised


def assert_extract_ok(tmp_path: Path, data: bytes, **kwargs: object) -> ExtractResult:
    """Extract ``data`` into tmp_path/dest and check that only dest (and the archive) exist."""
    archive = tmp_path / "archive.bin"
    archive.write_bytes(data)
    result = extract(archive, tmp_path / "dest", **kwargs)
    assert result.path == tmp_path / "dest"
    assert sorted(os.listdir(tmp_path)) == ["archive.bin", "dest"]
    return result


# ------------------------------------------------------------------------- the cases


@dataclass(frozen=True)
class Hostile:
    """One hostile archive and what extracting it must raise."""

    id: str
    build: Callable[[Path], bytes]  # gets the sentinel directory (a real outside target)
    error: type[ArchiveError]
    #: expected ``.member`` (one name, or the acceptable spellings) when the error is unsafe
    member: str | tuple[str, ...] | None = None
    limits: Mapping[str, int] = field(default_factory=dict)
    #: the class must be exactly ``error`` (not a subclass)
    exact: bool = False


def unsafe(
    id: str, build: Callable[[Path], bytes], member: str | tuple[str, ...] | None, **limits: int
) -> Hostile:
    """A safety violation: UnsafeArchiveError naming ``member``."""
    return Hostile(id, build, UnsafeArchiveError, member, limits)


def corrupt(
    id: str, build: Callable[[Path], bytes], member: str | None = None, **limits: int
) -> Hostile:
    """A CRC/size/stream error: ArchiveError (UnsafeArchiveError allowed, naming ``member``)."""
    return Hostile(id, build, ArchiveError, member, limits)


def truncated(id: str, build: Callable[[Path], bytes]) -> Hostile:
    """A truncated archive: exactly ArchiveError."""
    return Hostile(id, build, ArchiveError, exact=True)


def unsupported(id: str, build: Callable[[Path], bytes]) -> Hostile:
    """Not an archive sdistill reads (or a feature it refuses): UnsupportedArchiveError."""
    return Hostile(id, build, UnsupportedArchiveError)


SMALL = {"max_unpacked_size": MiB}
#: content of the copies in the duplicate cases; BIG is above the size writer threads get
COPY = b"the same bytes, twice\n" * 20
BIG = ha.random_bytes(5 * MiB, seed=7)
FEW = {"max_entries": 10}
LONG = "x" * 150

PATH_CASES = [
    unsafe("tar-absolute-path", lambda _: ha.tar_absolute_path(ABS), ABS),
    unsafe("zip-absolute-path", lambda _: ha.zip_absolute_path(ABS), ABS),
    unsafe("tar-drive-letter", lambda _: ha.tar_named(f"C:/{ESCAPE}"), f"C:/{ESCAPE}"),
    unsafe("zip-drive-letter", lambda _: ha.zip_named(f"C:/{ESCAPE}"), f"C:/{ESCAPE}"),
    unsafe("tar-dotdot", lambda _: ha.tar_named(REL), REL),
    unsafe("zip-dotdot", lambda _: ha.zip_named(REL), REL),
    unsafe(
        "tar-dotdot-nested",
        lambda _: ha.tar_named(f"pkg/../../../{ESCAPE}"),
        f"pkg/../../../{ESCAPE}",
    ),
    unsafe(
        "zip-dotdot-nested",
        lambda _: ha.zip_named(f"pkg/../../../{ESCAPE}"),
        f"pkg/../../../{ESCAPE}",
    ),
    unsafe("tar-dotdot-staying-inside", lambda _: ha.tar_named("pkg/../in.txt"), "pkg/../in.txt"),
    unsafe(
        "tar-backslash-dotdot", lambda _: ha.tar_named(f"..\\..\\{ESCAPE}"), f"..\\..\\{ESCAPE}"
    ),
    unsafe(
        "zip-backslash-dotdot", lambda _: ha.zip_named(f"..\\..\\{ESCAPE}"), f"..\\..\\{ESCAPE}"
    ),
    unsafe("tar-escape-char", lambda _: ha.tar_named("pkg/a\x1bb.txt"), "pkg/a\x1bb.txt"),
    unsafe("zip-escape-char", lambda _: ha.zip_named("pkg/a\x1bb.txt"), "pkg/a\x1bb.txt"),
    unsafe("tar-newline", lambda _: ha.tar_named("pkg/a\nb.txt"), "pkg/a\nb.txt"),
    unsafe("zip-del-char", lambda _: ha.zip_named("pkg/a\x7fb.txt"), "pkg/a\x7fb.txt"),
    unsafe("tar-nul-in-pax-path", lambda _: ha.tar_nul_name(), "evil\x00.txt"),
    unsafe("zip-nul", lambda _: ha.zip_nul_name(), "evil\x00.txt"),
    unsafe("tar-non-utf8", lambda _: ha.tar_non_utf8_name(), None),
    unsafe("zip-non-utf8-flagged-utf8", lambda _: ha.zip_non_utf8_name(), None),
    unsafe("tar-pax-path-dotdot", lambda _: ha.tar_pax_path_override(REL), REL),
    unsafe(
        "tar-gnu-longname-dotdot",
        lambda _: ha.tar_gnu_longname(f"{LONG}/../../../{ESCAPE}"),
        f"{LONG}/../../../{ESCAPE}",
    ),
]

SYMLINK_CASES = [
    unsafe("tar-symlink-relative-out", lambda _: ha.tar_symlink_out(REL), "link"),
    unsafe("zip-symlink-relative-out", lambda _: ha.zip_symlink_out(REL), "link"),
    unsafe("tar-symlink-absolute", lambda _: ha.tar_symlink_out(ABS), "link"),
    unsafe("zip-symlink-absolute", lambda _: ha.zip_symlink_out(ABS), "link"),
    # link -> an outside directory, then a file written through it: refusing either is right
    unsafe(
        "tar-symlink-up-then-file",
        lambda _: ha.tar_symlink_then_write("../..", ESCAPE),
        ("link", f"link/{ESCAPE}"),
    ),
    unsafe(
        "zip-symlink-up-then-file",
        lambda _: ha.zip_symlink_then_write("../..", ESCAPE),
        ("link", f"link/{ESCAPE}"),
    ),
    unsafe(
        "tar-symlink-sentinel-then-overwrite",
        lambda _: ha.tar_symlink_then_write("../sentinel", "a.txt"),
        ("link", "link/a.txt"),
    ),
    unsafe(
        "zip-symlink-sentinel-then-overwrite",
        lambda _: ha.zip_symlink_then_write("../sentinel", "a.txt"),
        ("link", "link/a.txt"),
    ),
    unsafe(
        "tar-symlink-abs-sentinel-then-overwrite",
        lambda s: ha.tar_symlink_then_write(str(s), "a.txt"),
        ("link", "link/a.txt"),
    ),
    unsafe(
        "zip-symlink-abs-sentinel-then-overwrite",
        lambda s: ha.zip_symlink_then_write(str(s), "a.txt"),
        ("link", "link/a.txt"),
    ),
    # a -> sub is harmless; a/../../x is out (by name and through the link)
    unsafe(
        "tar-symlink-then-dotdot", lambda _: ha.tar_symlink_then_dotdot(ESCAPE), f"a/../../{ESCAPE}"
    ),
    unsafe(
        "zip-symlink-then-dotdot", lambda _: ha.zip_symlink_then_dotdot(ESCAPE), f"a/../../{ESCAPE}"
    ),
    # d/up -> .. is inside; m -> d/up/../.. is "." lexically but two levels up for the kernel
    unsafe("tar-symlink-chain", lambda _: ha.tar_symlink_chain(), "m"),
    unsafe("zip-symlink-chain", lambda _: ha.zip_symlink_chain(), "m"),
    unsafe(
        "tar-symlink-chain-then-file", lambda _: ha.tar_symlink_chain(ESCAPE), ("m", f"m/{ESCAPE}")
    ),
    unsafe(
        "zip-symlink-chain-then-file", lambda _: ha.zip_symlink_chain(ESCAPE), ("m", f"m/{ESCAPE}")
    ),
]

HARDLINK_CASES = [
    unsafe("tar-hardlink-relative-out", lambda _: ha.tar_hardlink_to("../sentinel/a.txt"), "h"),
    unsafe("tar-hardlink-absolute", lambda s: ha.tar_hardlink_to(str(s / "a.txt")), "h"),
    unsafe("tar-hardlink-missing", lambda _: ha.tar_hardlink_to("missing.txt"), "h"),
    unsafe("tar-hardlink-forward", lambda _: ha.tar_hardlink_forward(), "h"),
    unsafe("tar-hardlink-to-dir", lambda _: ha.tar_hardlink_to("d", [ha.tar_dir("d")]), "h"),
    unsafe(
        "tar-hardlink-to-symlink",
        lambda _: ha.tar_hardlink_to("s", [ha.tar_file("t.txt"), ha.tar_symlink("s", "t.txt")]),
        "h",
    ),
]

SPECIAL_CASES = [
    unsafe("tar-char-device", lambda _: ha.tar_special(tarfile.CHRTYPE, "pkg/null"), "pkg/null"),
    unsafe("tar-block-device", lambda _: ha.tar_special(tarfile.BLKTYPE, "pkg/sda"), "pkg/sda"),
    unsafe("tar-fifo", lambda _: ha.tar_special(tarfile.FIFOTYPE, "pkg/fifo"), "pkg/fifo"),
    unsafe("tar-unknown-type", lambda _: ha.tar_special(b"Z", "pkg/weird"), "pkg/weird"),
]

# A regular file may follow a regular file in a tar (the last one wins: see the positive
# controls below) and in a zip if it is an identical copy. Nothing else may repeat.
DUPLICATE_CASES = [
    unsafe(
        "zip-duplicate-file",
        lambda _: ha.zip_duplicate(ha.zip_file("a.txt"), ha.zip_file("a.txt", b"2")),
        "a.txt",
    ),
    unsafe(
        "zip-duplicate-dot-slash",
        lambda _: ha.zip_duplicate(ha.zip_file("a.txt"), ha.zip_file("./a.txt", b"2")),
        "./a.txt",
    ),
    unsafe(
        "tar-file-then-dir",
        lambda _: ha.tar_duplicate(ha.tar_file("x"), ha.tar_dir("x")),
        ("x/", "x"),
    ),
    unsafe(
        "zip-file-then-dir",
        lambda _: ha.zip_duplicate(ha.zip_file("x"), ha.zip_dir("x/")),
        ("x/", "x"),
    ),
    unsafe("tar-dir-then-file", lambda _: ha.tar_duplicate(ha.tar_dir("x"), ha.tar_file("x")), "x"),
    unsafe(
        "zip-dir-then-file", lambda _: ha.zip_duplicate(ha.zip_dir("x/"), ha.zip_file("x")), "x"
    ),
    unsafe(
        "tar-file-then-child",
        lambda _: ha.tar_duplicate(ha.tar_file("x"), ha.tar_file("x/y.txt")),
        "x/y.txt",
    ),
    unsafe(
        "zip-file-then-child",
        lambda _: ha.zip_duplicate(ha.zip_file("x"), ha.zip_file("x/y.txt")),
        "x/y.txt",
    ),
    unsafe(
        "tar-symlink-then-file",
        lambda _: ha.tar_duplicate(ha.tar_symlink("s", "t.txt"), ha.tar_file("s")),
        "s",
    ),
    unsafe(
        "zip-symlink-then-file",
        lambda _: ha.zip_duplicate(ha.zip_symlink("s", "t.txt"), ha.zip_file("s")),
        "s",
    ),
    unsafe(
        "tar-symlink-twice",
        lambda _: ha.tar_duplicate(ha.tar_symlink("s", "t.txt"), ha.tar_symlink("s", "t.txt")),
        "s",
    ),
    # file, link of the same name, file again: the link is refused, wherever it points
    unsafe("tar-file-symlink-out-file", lambda _: ha.tar_file_link_file(REL), "a.txt"),
    unsafe(
        "tar-file-symlink-sentinel-file",
        lambda s: ha.tar_file_link_file(str(s / "a.txt")),
        "a.txt",
    ),
    unsafe("tar-file-symlink-inside-file", lambda _: ha.tar_file_link_file("b.txt"), "a.txt"),
    unsafe("tar-file-hardlink-file", lambda _: ha.tar_file_link_file("a.txt", hard=True), "a.txt"),
    unsafe(
        "tar-file-then-hardlink",
        lambda _: ha.make_tar(
            [ha.tar_file("a.txt"), ha.tar_file("b.txt"), ha.tar_hardlink("a.txt", "b.txt")]
        ),
        "a.txt",
    ),
    # a file shared with a hard link: tar and tarfile disagree on what the other name holds
    unsafe(
        "tar-hardlink-target-replaced", lambda _: ha.tar_hardlink_then_replace("a.txt"), "a.txt"
    ),
    unsafe("tar-hardlink-replaced", lambda _: ha.tar_hardlink_then_replace("h"), "h"),
    unsafe("tar-dir-with-child-then-file", lambda _: ha.tar_dir_then_file("d"), "d"),
    unsafe(
        "tar-file-again-then-symlink-out",
        lambda _: ha.make_tar(
            [
                ha.tar_file("x"),
                ha.tar_file("x", b"2"),
                ha.tar_symlink("x", "../.."),
                ha.tar_file(f"x/{ESCAPE}"),
            ]
        ),
        "x",
    ),
    # zip: only an identical copy may repeat -- the same bytes, not merely the same CRC-32
    unsafe(
        "zip-duplicate-same-crc-and-size",
        lambda _: ha.zip_copies(
            ha.zip_file("a.txt", COPY), ha.zip_file("a.txt", ha.crc_twin(COPY, b"EVIL"))
        ),
        "a.txt",
    ),
    unsafe(
        "zip-duplicate-same-crc-and-size-streamed",
        lambda _: ha.zip_copies(
            ha.zip_file("a.txt", COPY),
            ha.zip_file("a.txt", ha.crc_twin(COPY, b"EVIL")),
            streamed=True,
        ),
        "a.txt",
    ),
    unsafe(
        "zip-duplicate-longer",
        lambda _: ha.zip_copies(ha.zip_file("a.txt", COPY), ha.zip_file("a.txt", COPY + b"x")),
        "a.txt",
    ),
    unsafe(
        "zip-duplicate-shorter",
        lambda _: ha.zip_copies(ha.zip_file("a.txt", COPY), ha.zip_file("a.txt", COPY[:-1])),
        "a.txt",
    ),
    unsafe(
        "zip-duplicate-big-last-byte-differs",
        lambda _: ha.zip_copies(
            ha.zip_file("a.txt", BIG), ha.zip_file("a.txt", BIG[:-1] + b"?"), filler=4
        ),
        "a.txt",
    ),
    unsafe(
        "zip-duplicate-executable-bit-differs",
        lambda _: ha.zip_copies(ha.zip_file("a.sh", COPY, 0o644), ha.zip_file("a.sh", COPY, 0o755)),
        "a.sh",
    ),
    unsafe(
        "zip-duplicate-file-then-symlink",
        lambda _: ha.zip_copies(ha.zip_file("s", b"t.txt"), ha.zip_symlink("s", "t.txt")),
        "s",
    ),
    # identical copies, but the second one's central record lies: still refused
    unsafe("zip-duplicate-central-disagrees", lambda _: ha.zip_copy_with_lying_central(), "a.txt"),
]

LIMIT_CASES = [
    unsafe("zip-deflate-bomb", lambda _: ha.zip_zero_bomb(16 * MiB), None, **SMALL),
    unsafe("tar-gz-bomb", lambda _: ha.tar_zero_bomb(16 * MiB, "gz"), None, **SMALL),
    unsafe("tar-bz2-bomb", lambda _: ha.tar_zero_bomb(16 * MiB, "bz2"), None, **SMALL),
    unsafe("tar-xz-bomb", lambda _: ha.tar_zero_bomb(16 * MiB, "xz"), None, **SMALL),
    unsafe("tar-zst-bomb", lambda _: ha.tar_zero_bomb(16 * MiB, "zst"), None, **SMALL),
    # every member is below the limit, their sum is not
    unsafe("tar-many-members-over-size", lambda _: ha.tar_zero_bomb(2 * MiB, "", 8), None, **SMALL),
    unsafe("zip-many-members-over-size", lambda _: ha.zip_zero_bomb(2 * MiB, 8), None, **SMALL),
    # the header says 1000 bytes, the stream inflates to 16 MiB
    corrupt(
        "zip-bomb-declared-small",
        lambda _: ha.zip_declared_size(bytes(16 * MiB), 1000),
        "a.txt",
        **SMALL,
    ),
    unsafe("tar-too-many-files", lambda _: ha.tar_many_entries(50), None, **FEW),
    unsafe("tar-too-many-dirs", lambda _: ha.tar_many_entries(50, dirs=True), None, **FEW),
    unsafe("zip-too-many-files", lambda _: ha.zip_many_entries(50), None, **FEW),
]

ZIP_STRUCTURE_CASES = [
    unsafe(
        "zip-local-name-differs", lambda _: ha.zip_local_name_mismatch(), ("good.txt", "evil.txt")
    ),
    unsafe(
        "zip-local-crc-differs", lambda _: ha.zip_local_field_mismatch("crc", 0xDEADBEEF), "a.txt"
    ),
    unsafe("zip-local-csize-differs", lambda _: ha.zip_local_field_mismatch("csize", 3), "a.txt"),
    unsafe("zip-local-usize-differs", lambda _: ha.zip_local_field_mismatch("usize", 7), "a.txt"),
    unsafe("zip-local-method-differs", lambda _: ha.zip_local_field_mismatch("method", 0), "a.txt"),
    unsafe("zip-central-crc-differs", lambda _: ha.zip_central_field_mismatch("crc", 1), "a.txt"),
    unsafe(
        "zip-central-csize-differs", lambda _: ha.zip_central_field_mismatch("csize", 3), "a.txt"
    ),
    # each header consistent on its own: only comparing them catches it
    unsafe(
        "zip-local-method-differs-consistently",
        lambda _: ha.zip_local_method_differential(),
        "a.txt",
    ),
    unsafe(
        "zip-local-entry-not-in-central", lambda _: ha.zip_local_without_central(), "hidden.txt"
    ),
    unsafe(
        "zip-central-entry-without-local", lambda _: ha.zip_central_without_local(), "ghost.txt"
    ),
    unsupported("zip-encrypted", lambda _: ha.zip_encrypted()),
]

CORRUPT_CASES = [
    corrupt("zip-stored-crc-error", lambda _: ha.zip_stored_crc_error(), "a.txt"),
    corrupt("zip-deflate-stream-corrupt", lambda _: ha.zip_deflate_corrupt(), "a.txt"),
    corrupt(
        "zip-declared-size-too-small",
        lambda _: ha.zip_declared_size(b"0123456789abcdef" * 4096, 100),
        "a.txt",
    ),
    corrupt(
        "zip-declared-size-too-large",
        lambda _: ha.zip_declared_size(b"0123456789abcdef" * 4096, 64 * KiB + 100),
        "a.txt",
    ),
    corrupt("tar-gz-bad-crc", lambda _: ha.gzip_bad_crc()),
    corrupt("tar-bad-header-checksum", lambda _: ha.tar_bad_header_checksum()),
]

TRUNCATED_CASES = [
    truncated("tar-gz-cut-in-half", lambda _: ha.tar_truncated("gz")),
    truncated("tar-bz2-cut-in-half", lambda _: ha.tar_truncated("bz2")),
    truncated("tar-xz-cut-in-half", lambda _: ha.tar_truncated("xz")),
    truncated("tar-zst-cut-in-half", lambda _: ha.tar_truncated("zst")),
    truncated("zip-cut-in-half", lambda _: ha.zip_truncated()),
    truncated("tar-cut-mid-member", lambda _: ha.tar_truncated_mid_member()),
    truncated("tar-cut-mid-header", lambda _: ha.tar_truncated_mid_header()),
]

UNSUPPORTED_CASES = [
    unsupported(f"unknown-{kind}", lambda _, kind=kind: ha.unknown_format(kind))
    for kind in ("random", "empty", "text", "rar", "7z")
]

ALL_CASES = (
    PATH_CASES
    + SYMLINK_CASES
    + HARDLINK_CASES
    + SPECIAL_CASES
    + DUPLICATE_CASES
    + LIMIT_CASES
    + ZIP_STRUCTURE_CASES
    + CORRUPT_CASES
    + TRUNCATED_CASES
    + UNSUPPORTED_CASES
)


def test_case_table_is_sane() -> None:
    ids = [case.id for case in ALL_CASES]
    assert len(ids) == len(set(ids))
    assert len(ids) >= 25


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda case: case.id)
def test_hostile_archive_is_rejected(case: Hostile, tmp_path: Path, sentinel: Path) -> None:
    exc = assert_extract_fails(tmp_path, case.build(sentinel), case.error, **case.limits)
    if case.exact:
        assert type(exc) is case.error, f"expected exactly {case.error.__name__}: {exc!r}"
    if case.error is not UnsupportedArchiveError:
        assert not isinstance(exc, UnsupportedArchiveError), repr(exc)
    if case.member is not None and isinstance(exc, UnsafeArchiveError):
        accepted = (case.member,) if isinstance(case.member, str) else case.member
        assert exc.member in accepted, f"{exc!r} names member {exc.member!r}"


def test_default_limit_stops_a_4gib_gzip_bomb(tmp_path: Path, sentinel: Path) -> None:
    size = 4 * GiB + MiB
    assert size > DEFAULT_MAX_UNPACKED_SIZE
    start = time.monotonic()
    data = ha.tar_gz_huge_member(size)
    if time.monotonic() - start > 5:
        pytest.skip("generating the 4 GiB bomb took more than 5 s on this machine")
    assert len(data) < 8 * MiB
    assert_extract_fails(tmp_path, data, UnsafeArchiveError)


@pytest.mark.parametrize(
    "build",
    [
        lambda: ha.tar_gz_huge_member(1 * GiB),
        lambda: ha.zip_zero_bomb(96 * MiB),
        lambda: ha.zip_zero_bomb(96 * MiB, parts=24),
        lambda: ha.zip_zero_bomb(96 * MiB, method=zipfile.ZIP_BZIP2),
    ],
    ids=["tar-gz", "zip-deflate", "zip-deflate-many-members", "zip-bzip2"],
)
def test_default_ratio_limit_stops_a_bomb_below_the_size_limit(
    tmp_path: Path, sentinel: Path, build: Callable[[], bytes]
) -> None:
    # Far below the 4 GiB size limit: the ratio (200x, past 64 MiB) is what stops these,
    # mid-stream, long before they are fully unpacked.
    data = build()
    assert len(data) < 2 * MiB
    exc = assert_extract_fails(tmp_path, data, UnsafeArchiveError)
    assert "max_ratio" in str(exc), str(exc)


def test_below_the_ratio_floor_an_archive_compresses_as_it_likes(tmp_path: Path) -> None:
    result = assert_extract_ok(tmp_path, ha.zip_zero_bomb(48 * MiB))
    assert result.unpacked_bytes == 48 * MiB


@pytest.mark.parametrize("algorithm", ["sha256", "sha384", "sha512", "md5"])
def test_hash_mismatch(tmp_path: Path, sentinel: Path, algorithm: str) -> None:
    data = ha.tar_sdist()
    actual = hashlib.new(algorithm, data).hexdigest()
    wrong = "0" * len(actual)
    exc = assert_extract_fails(
        tmp_path, data, HashMismatchError, expected_hashes={algorithm: wrong}
    )
    assert (exc.algorithm, exc.expected, exc.actual) == (algorithm, wrong, actual)


def test_hash_mismatch_in_second_algorithm(tmp_path: Path, sentinel: Path) -> None:
    data = ha.tar_sdist()
    expected = {"sha256": hashlib.sha256(data).hexdigest(), "md5": "0" * 32}
    exc = assert_extract_fails(tmp_path, data, HashMismatchError, expected_hashes=expected)
    assert exc.algorithm == "md5"
    assert exc.actual == hashlib.md5(data).hexdigest()


def test_unknown_hash_algorithm(tmp_path: Path, sentinel: Path) -> None:
    assert_extract_fails(tmp_path, ha.tar_sdist(), ValueError, expected_hashes={"crc32": "0"})


# ---------------------------------------------------------------- positive controls
# The checks above must not be over-eager: these archives are fine.

FORMATS = ["tar", "zip"]


def test_matching_hashes_are_accepted(tmp_path: Path) -> None:
    data = ha.tar_sdist()
    expected = {"sha256": hashlib.sha256(data).hexdigest(), "md5": hashlib.md5(data).hexdigest()}
    result = assert_extract_ok(tmp_path, data, expected_hashes=expected)
    assert result.hashes == expected
    assert result.files == 2


@pytest.mark.parametrize("fmt", FORMATS)
def test_symlinks_inside_the_tree_are_kept(tmp_path: Path, fmt: str) -> None:
    if fmt == "tar":
        data = ha.make_tar(
            [
                ha.tar_dir("pkg"),
                ha.tar_file("pkg/target.txt", b"hello\n"),
                ha.tar_symlink("pkg/link", "target.txt"),
                ha.tar_dir("pkg/sub"),
                ha.tar_symlink("pkg/sub/up", "../target.txt"),
            ]
        )
    else:
        data = ha.make_zip(
            [
                ha.zip_dir("pkg/"),
                ha.zip_file("pkg/target.txt", b"hello\n"),
                ha.zip_symlink("pkg/link", "target.txt"),
                ha.zip_dir("pkg/sub/"),
                ha.zip_symlink("pkg/sub/up", "../target.txt"),
            ]
        )
    result = assert_extract_ok(tmp_path, data)
    pkg = tmp_path / "dest" / "pkg"
    assert (pkg / "link").is_symlink()
    assert os.readlink(pkg / "link") == "target.txt"
    assert os.readlink(pkg / "sub" / "up") == "../target.txt"
    assert (pkg / "sub" / "up").read_bytes() == b"hello\n"
    assert not (pkg / "target.txt").is_symlink()
    assert (result.files, result.unpacked_bytes) == (3, 6)


def test_tar_hardlink_to_an_earlier_member(tmp_path: Path) -> None:
    data = ha.make_tar(
        [
            ha.tar_dir("pkg"),
            ha.tar_file("pkg/a.txt", b"shared\n"),
            ha.tar_hardlink("pkg/b.txt", "pkg/a.txt"),
        ],
        "gz",
    )
    result = assert_extract_ok(tmp_path, data)
    pkg = tmp_path / "dest" / "pkg"
    assert (pkg / "b.txt").read_bytes() == b"shared\n"
    assert not (pkg / "b.txt").is_symlink()
    assert result.files == 2


@pytest.mark.parametrize("fmt", FORMATS)
def test_dot_slash_prefixed_names(tmp_path: Path, fmt: str) -> None:
    if fmt == "tar":  # what `tar -C dir -cf x.tar .` writes, "./" entry included
        data = ha.make_tar(
            [
                ha.tar_dir("."),
                ha.tar_dir("./pkg"),
                ha.tar_file("./pkg/a.txt", b"a"),
                ha.tar_file("./b.txt", b"bb"),
            ]
        )
    else:
        data = ha.make_zip(
            [ha.zip_dir("./pkg/"), ha.zip_file("./pkg/a.txt", b"a"), ha.zip_file("./b.txt", b"bb")]
        )
    result = assert_extract_ok(tmp_path, data)
    dest = tmp_path / "dest"
    assert (dest / "pkg" / "a.txt").read_bytes() == b"a"
    assert (dest / "b.txt").read_bytes() == b"bb"
    assert (result.files, result.unpacked_bytes) == (2, 3)


@pytest.mark.parametrize("fmt", FORMATS)
def test_directory_listed_twice(tmp_path: Path, fmt: str) -> None:
    if fmt == "tar":
        data = ha.make_tar(
            [ha.tar_dir("pkg"), ha.tar_dir("pkg"), ha.tar_file("pkg/a.txt"), ha.tar_dir("pkg")]
        )
    else:
        data = ha.make_zip(
            [ha.zip_dir("pkg/"), ha.zip_dir("pkg/"), ha.zip_file("pkg/a.txt"), ha.zip_dir("pkg/")]
        )
    result = assert_extract_ok(tmp_path, data)
    assert (tmp_path / "dest" / "pkg" / "a.txt").read_bytes() == ha.PAYLOAD
    assert result.files == 1


# ----------------------------------------------------------- names that come again

Tree = dict[str, tuple[str, bytes, bool]]


def tree_of(root: Path) -> Tree:
    """Every path under ``root``: (kind, content or link target, owner-executable)."""
    out: Tree = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath, name)
            rel = path.relative_to(root).as_posix()
            st = path.lstat()
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ("link", os.fsencode(os.readlink(path)), False)
            elif stat.S_ISDIR(st.st_mode):
                out[rel] = ("dir", b"", False)
            else:
                out[rel] = ("file", path.read_bytes(), bool(st.st_mode & stat.S_IXUSR))
    return out


def tarfile_tree(tmp_path: Path, data: bytes) -> Tree:
    """What ``tarfile`` (data filter) makes of ``data``."""
    ref = tmp_path / "tarfile"
    with tarfile.open(fileobj=io.BytesIO(data)) as tf:
        tf.extractall(ref, filter="data")
    tree = tree_of(ref)
    shutil.rmtree(ref)
    return tree


@pytest.mark.parametrize("compression", ["", "gz"])
@pytest.mark.parametrize("filler", [0, 40])
def test_tar_last_copy_wins(tmp_path: Path, compression: str, filler: int) -> None:
    first, second = ha.random_bytes(300 * KiB, seed=1), b"second\n"
    data = ha.compress(ha.tar_file_again(first, second, filler=filler), compression)
    expected = tarfile_tree(tmp_path, data)
    result = assert_extract_ok(tmp_path, data)
    assert (tmp_path / "dest" / "a.txt").read_bytes() == second
    assert tree_of(tmp_path / "dest") == expected
    assert result.files == 1 + filler
    assert result.unpacked_bytes == len(second) + filler * 64 * KiB


@pytest.mark.parametrize("spelled", ["./a.txt", "l/a.txt"])
def test_tar_last_copy_wins_whatever_its_spelling(tmp_path: Path, spelled: str) -> None:
    # "l/a.txt" names a.txt through the symlink l -> ., made before it
    members = [ha.tar_file("a.txt", b"first\n"), ha.tar_symlink("l", ".")]
    data = ha.make_tar([*members, ha.tar_file(spelled, b"second\n")])
    expected = tarfile_tree(tmp_path, data)
    assert_extract_ok(tmp_path, data)
    assert tree_of(tmp_path / "dest") == expected
    assert (tmp_path / "dest" / "a.txt").read_bytes() == b"second\n"
    assert not (tmp_path / "dest" / "a.txt").is_symlink()


@pytest.mark.parametrize(("first", "second"), [(0o755, 0o644), (0o644, 0o755)])
def test_tar_last_copy_brings_its_mode(tmp_path: Path, first: int, second: int) -> None:
    data = ha.make_tar([ha.tar_file("run", b"1", first), ha.tar_file("run", b"2", second)])
    expected = tarfile_tree(tmp_path, data)
    assert_extract_ok(tmp_path, data)
    assert tree_of(tmp_path / "dest") == expected
    assert tree_of(tmp_path / "dest")["run"] == ("file", b"2", bool(second & stat.S_IXUSR))


def test_tar_hardlink_to_a_replaced_file_gets_the_last_copy(tmp_path: Path) -> None:
    data = ha.make_tar(
        [
            ha.tar_file("a.txt", b"old\n"),
            ha.tar_file("a.txt", b"new\n"),
            ha.tar_hardlink("h", "a.txt"),
        ]
    )
    expected = tarfile_tree(tmp_path, data)
    result = assert_extract_ok(tmp_path, data)
    dest = tmp_path / "dest"
    assert tree_of(dest) == expected
    assert (dest / "h").read_bytes() == (dest / "a.txt").read_bytes() == b"new\n"
    assert (result.files, result.unpacked_bytes) == (2, 4)


def test_sdist_listing_files_twice(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    # what pdm 2.12.3's sdist does with LICENSE and README.md
    license, readme = b"MIT License\n" * 20, b"# pkg\n"
    data = ha.make_tar(
        [
            ha.tar_dir("pkg-1.0"),
            ha.tar_file("pkg-1.0/LICENSE", license),
            ha.tar_file("pkg-1.0/README.md", readme),
            ha.tar_file("pkg-1.0/PKG-INFO", b"Metadata-Version: 2.1\nName: pkg\nVersion: 1.0\n"),
            ha.tar_file("pkg-1.0/LICENSE", license),
            ha.tar_file("pkg-1.0/README.md", readme),
        ],
        "gz",
    )
    with caplog.at_level(logging.DEBUG, logger="sdistill"):
        result = assert_extract_ok(tmp_path, data, strip_top_level=True)
    said = [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG]
    assert any("LICENSE" in m and "README.md" in m and "came again" in m for m in said), said
    dest = tmp_path / "dest"
    assert sorted(os.listdir(dest)) == ["LICENSE", "PKG-INFO", "README.md"]
    assert (dest / "LICENSE").read_bytes() == license
    assert (dest / "README.md").read_bytes() == readme
    assert result.files == 3


ZIP_COPIES = {
    "deflated-twice": (ha.zip_file("a.txt", COPY), ha.zip_file("a.txt", COPY)),
    # the same bytes compressed differently are still the same copy
    "deflated-then-stored": (
        ha.zip_file("a.txt", COPY),
        ha.zip_file("a.txt", COPY, method=zipfile.ZIP_STORED),
    ),
    "dot-slash": (ha.zip_file("a.txt", COPY), ha.zip_file("./a.txt", COPY)),
    "executable": (ha.zip_file("a.txt", COPY, 0o755), ha.zip_file("a.txt", COPY, 0o755)),
    "empty": (ha.zip_file("a.txt", b""), ha.zip_file("a.txt", b"")),
    "big": (ha.zip_file("a.txt", BIG), ha.zip_file("a.txt", BIG)),
}


#: (kind, streamed): a stored member cannot be streamed (sdistill refuses it, rightly)
ZIP_COPY_CASES = [
    (kind, streamed)
    for kind in sorted(ZIP_COPIES)
    for streamed in (False, True)
    if not (streamed and kind == "deflated-then-stored")
]


@pytest.mark.parametrize(
    ("kind", "streamed"),
    ZIP_COPY_CASES,
    ids=[f"{kind}-{'streamed' if streamed else 'sized'}" for kind, streamed in ZIP_COPY_CASES],
)
def test_zip_identical_copies_are_accepted(tmp_path: Path, kind: str, streamed: bool) -> None:
    first, second = ZIP_COPIES[kind]
    data = ha.zip_copies(first, second, filler=8, streamed=streamed)
    result = assert_extract_ok(tmp_path, data)
    dest = tmp_path / "dest"
    content = first[1]
    assert (dest / "a.txt").read_bytes() == content
    executable = bool((dest / "a.txt").stat().st_mode & stat.S_IXUSR)
    assert executable == (kind == "executable")
    assert result.files == 1 + 8
    assert result.unpacked_bytes == len(content) + 8 * 64 * KiB
    with zipfile.ZipFile(io.BytesIO(data)) as zf:  # zipfile: the last copy wins
        zf.extractall(tmp_path / "zipfile")
    assert (tmp_path / "zipfile" / "a.txt").read_bytes() == content


def test_zip_identical_symlink_copies(tmp_path: Path) -> None:
    data = ha.make_zip(
        [
            ha.zip_file("t.txt", b"target\n"),
            ha.zip_symlink("l", "t.txt"),
            ha.zip_symlink("l", "t.txt"),
        ]
    )
    result = assert_extract_ok(tmp_path, data)
    assert os.readlink(tmp_path / "dest" / "l") == "t.txt"
    assert (result.files, result.unpacked_bytes) == (2, 7)


@pytest.fixture
def umask027() -> Iterator[int]:
    old = os.umask(0o027)
    try:
        yield 0o027
    finally:
        os.umask(old)


#: name -> archive mode; files whose owner-executable bit is set must come out executable
MODES = {
    "run.sh": 0o4755,  # setuid dropped, exec kept
    "sgid": 0o2750,  # setgid dropped, exec kept
    "owner-x-only": 0o700,
    "plain.txt": 0o644,
    "group-x-only": 0o654,  # only the owner bit counts
    "world-writable.txt": 0o666,
}


@pytest.mark.parametrize("fmt", FORMATS)
def test_modes_keep_only_the_executable_bit(tmp_path: Path, fmt: str, umask027: int) -> None:
    if fmt == "tar":
        members = [ha.tar_dir("pkg"), ha.tar_dir("pkg/sticky", mode=0o1777)]
        members += [
            ha.tar_file(f"pkg/{name}", b"#!/bin/sh\n", mode) for name, mode in MODES.items()
        ]
        data = ha.make_tar(members)
    else:
        info, _ = ha.zip_dir("pkg/sticky/")
        info.external_attr = (stat.S_IFDIR | 0o1777) << 16 | 0x10
        entries = [ha.zip_dir("pkg/"), (info, b"")]
        entries += [
            ha.zip_file(f"pkg/{name}", b"#!/bin/sh\n", mode) for name, mode in MODES.items()
        ]
        data = ha.make_zip(entries)
    assert_extract_ok(tmp_path, data)
    pkg = tmp_path / "dest" / "pkg"
    plain = 0o666 & ~umask027  # 0o640
    executable = plain | (plain & 0o444) >> 2  # x for every class that may read: 0o750
    for name, mode in MODES.items():
        st = (pkg / name).stat()
        # tar follows tarfile's data filter (the owner's x bit decides); zip follows pip
        # (any x bit of a regular file), zipfile itself setting no modes at all.
        exec_bits = stat.S_IXUSR if fmt == "tar" else 0o111
        want = executable if mode & exec_bits else plain
        assert oct(stat.S_IMODE(st.st_mode)) == oct(want), name
        assert st.st_mtime > 946684800, f"{name}: mtime taken from the archive"
    sticky = stat.S_IMODE((pkg / "sticky").stat().st_mode)
    assert sticky & 0o7000 == 0
    assert sticky & 0o700 == 0o700
