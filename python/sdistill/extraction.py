"""Safe, streaming archive extraction (the work happens in the native core).

See ``rust/sdistill-core/src/archive/mod.rs`` for the safety rules; in short every
member is checked before it is written, everything is written into a temporary
directory beside ``dest`` and renamed into place only when the whole archive was
read, checked and hashed -- so on any error ``dest`` does not exist.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from sdistill import _core

__all__ = ["DEFAULT_MAX_ENTRIES", "DEFAULT_MAX_UNPACKED_SIZE", "ExtractResult", "extract"]

#: Default ceiling on the bytes an archive may unpack to (a bomb stops cleanly here).
DEFAULT_MAX_UNPACKED_SIZE: int = _core.DEFAULT_MAX_UNPACKED_SIZE
#: Default ceiling on the number of entries (files, directories and links).
DEFAULT_MAX_ENTRIES: int = _core.DEFAULT_MAX_ENTRIES


@dataclass(frozen=True)
class ExtractResult:
    """What :func:`extract` did.

    ``files`` counts regular files and links written, ``unpacked_bytes`` their total
    size, and ``hashes`` maps each algorithm (always ``sha256``, plus those asked
    for) to the lower-case hex digest of the archive's raw bytes.
    """

    path: Path
    files: int
    unpacked_bytes: int
    hashes: dict[str, str]


def extract(
    archive: str | os.PathLike[str],
    dest: str | os.PathLike[str],
    strip_top_level: bool = False,
    expected_hashes: Mapping[str, str] | None = None,
    *,
    hashes: Iterable[str] = (),
    max_unpacked_size: int = DEFAULT_MAX_UNPACKED_SIZE,
    max_entries: int = DEFAULT_MAX_ENTRIES,
) -> ExtractResult:
    """Extract ``archive`` (zip, tar, tar.gz, tar.bz2, tar.xz or tar.zst) into ``dest``.

    The format is recognised by its magic bytes, whatever the file is called.
    ``dest`` must not exist (or be an empty directory). With ``strip_top_level``
    the single top-level directory of an sdist is removed from every path; an
    archive without exactly one top-level directory is then an ``ArchiveError``.

    ``expected_hashes`` maps algorithm names (``sha256``, ``sha384``, ``sha512``,
    ``md5``) to hex digests; a mismatch raises ``HashMismatchError`` and leaves
    nothing behind. ``hashes`` names extra algorithms to report.

    Raises ``UnsafeArchiveError`` (naming the member) for anything that could
    write outside ``dest`` or is not a plain file, directory or safe link,
    ``UnsupportedArchiveError`` for an unknown format and ``ArchiveError`` for a
    corrupt or truncated one. The GIL is released for the whole extraction.
    """
    wanted = list(hashes)
    expected = dict(expected_hashes) if expected_hashes is not None else None
    done = _core.extract(
        os.fspath(archive),
        os.fspath(dest),
        strip_top_level,
        expected,
        wanted,
        max_unpacked_size,
        max_entries,
    )
    return ExtractResult(
        path=Path(dest), files=done.files, unpacked_bytes=done.unpacked_bytes, hashes=done.hashes
    )
