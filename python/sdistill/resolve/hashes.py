"""``--generate-hashes``: the hashes a pin's install may check, as uv and pip-compile
write them.

A pinned requirements file with hashes puts pip (and uv) in hash-checking mode: every
file installed must have one of its requirement's hashes. Which file an installer
picks depends on the machine, so a pin from an index lists the sha256 of **every**
file of that version on the pages the resolver read (wheels for every platform and the
sdists), as ``uv pip compile --generate-hashes`` does. A file the page lists without a
sha256 is fetched (through the cache) and hashed: a pin missing a hash would make the
whole file unusable in hash-checking mode.

A direct reference to an archive or wheel gets the hash of that file: the ``#sha256=``
its URL states, else the file's own (downloaded through the cache, or read when it is
local). A directory, a git repository or an editable has no file to hash, and no hash
(pip cannot check those either).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from sdistill.resolve.links import ARCHIVES, LocalFile, local_path
from sdistill.sources import classify

if TYPE_CHECKING:
    from sdistill.builder import SourceDistBuilder
    from sdistill.index import DistFile, ProjectView

__all__ = ["of_direct", "of_version"]


def of_version(view: ProjectView, version: str, builder: SourceDistBuilder) -> tuple[str, ...]:
    """``sha256:<hex>`` of every file of ``version`` on ``view``'s pages, sorted."""
    return tuple(sorted({f"sha256:{_sha256(file, builder)}" for file in view.files(version)}))


def of_direct(url: str, builder: SourceDistBuilder) -> tuple[str, ...]:
    """The hash of the archive or wheel a direct reference's ``url`` names (none for a
    directory, a git repository or anything else that is not one file)."""
    kind, _, text = classify(url)
    location, _, fragment = text.partition("#")
    if kind == "git" or not urlsplit(location).path.lower().endswith(ARCHIVES):
        return ()
    stated = dict(p.split("=", 1) for p in fragment.split("&") if "=" in p).get("sha256")
    if stated:
        return (f"sha256:{stated.lower()}",)
    if kind == "url":
        return (f"sha256:{builder.http.get_file(location).sha256}",)
    path = local_path(location)
    return (f"sha256:{_file_sha256(path)}",) if path.is_file() else ()


def _sha256(file: DistFile, builder: SourceDistBuilder) -> str:
    listed = file.hashes.get("sha256")
    if listed:
        return listed
    if isinstance(file, LocalFile):  # a find-links directory's own file
        return _file_sha256(local_path(file.url))
    # Anything a page lists is fetched (http(s) only: a page cannot name a local file).
    return builder.http.get_file(file.url).sha256


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
