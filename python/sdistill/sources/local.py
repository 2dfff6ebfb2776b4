"""Local sources: an sdist archive or a project directory on this machine.

Shard: ``sdists-v1/path/<digest(file URL)>/`` (``editable/`` for a PEP 660 build of a
directory), the file URL spelled as the warm lookup spells it (``_core.file_url``).
Revision: the one made for the source's current *stamp* (``sources.revisions``): an
archive's modification time and size, a directory's newest modification time of
``pyproject.toml``, ``setup.py``, ``setup.cfg`` and the files its ``[tool.sdistill]
cache-keys`` name. Tree: the archive extracted into the revision when it is made; a
directory is built where it is. Like pip and uv, an archive named
``name-version.tar.gz`` must build that name and version.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import parse_qsl, unquote, urlsplit

from packaging.utils import InvalidSdistFilename, NormalizedName, parse_sdist_filename

from sdistill import _core
from sdistill.errors import InvalidSourceError
from sdistill.extraction import extract
from sdistill.sources import revisions
from sdistill.sources.base import Context, Source, stated_by

if TYPE_CHECKING:
    from packaging.metadata import Metadata

__all__ = ["LocalArchiveSource", "LocalDirectorySource", "LocalSource"]


@dataclass(frozen=True)
class LocalSource(Source):
    """A source on the local file system."""

    path: Path = Path()

    kind: ClassVar[str] = "path"

    @property
    def url(self) -> str:
        # The same spelling the native warm lookup uses to find the shard.
        return _core.file_url(self.path)

    def shard(self, context: Context) -> Path:
        return context.cache.path_shard(self.url, editable=self.editable)

    def stamp(self) -> str:
        """What decides whether a revision still describes the source."""
        try:
            return _core.local_stamp(self.path, self._cache_keys())
        except OSError as err:
            raise InvalidSourceError(f"{self.path}: cannot be read: {err}") from err

    def _cache_keys(self) -> list[str]:
        return []

    def live(self, context: Context) -> _core.Revision | None:
        shard = self.shard(context)
        if context.refreshing(self.name, shard):
            return None
        return revisions.current(context.cache, shard, self.stamp())

    def renew(self, context: Context, seen: _core.Revision | None) -> _core.Revision:
        shard = self.shard(context)
        stamp = self.stamp()
        # Another thread may have refreshed this shard while this one waited.
        if not context.refreshing(self.name, shard):
            found = revisions.current(context.cache, shard, stamp, locked=True)
            if found is not None and self._laid(found):
                return found
        revision = revisions.create(context.cache, shard, stamp, self._lay)
        context.refreshed(shard)
        return revision

    def _lay(self, tree: Path) -> None:
        """Puts the source into a new revision's tree (nothing, for a directory)."""

    def _laid(self, revision: _core.Revision) -> bool:
        """Whether the revision holds what ``_lay`` puts in (a revision left without it,
        by an older sdistill killed midway, is replaced)."""
        return True


@dataclass(frozen=True)
class LocalArchiveSource(LocalSource):
    """An sdist archive file (any format the extractor reads)."""

    @property
    def tree_is_sdist(self) -> bool:
        return True

    def _lay(self, tree: Path) -> None:
        extract(self.path, tree, strip_top_level=True)

    def _laid(self, revision: _core.Revision) -> bool:
        return os.path.isdir(revision.tree)

    def tree(self, context: Context, revision: _core.Revision) -> Path:
        return Path(revision.tree)

    def file_name_identity(self, metadata: Metadata) -> str:
        try:
            name, version = parse_sdist_filename(self.path.name)
        except InvalidSdistFilename:
            return "none"
        return "match" if stated_by(metadata, name, str(version)) else "mismatch"


@dataclass(frozen=True)
class LocalDirectorySource(LocalSource):
    """A project directory; ``editable`` asks for a PEP 660 build."""

    editable: bool = False

    def built_editable(self, editable: bool) -> LocalDirectorySource:
        return self if self.editable == editable else replace(self, editable=editable)

    def _cache_keys(self) -> list[str]:
        from sdistill.build.build_system import read_pyproject  # noqa: PLC0415

        try:
            pyproject = read_pyproject(self.path)
        except InvalidSourceError:
            return []
        return cache_keys(pyproject)

    def tree(self, context: Context, revision: _core.Revision) -> Path:
        return self.path


def cache_keys(pyproject: dict[str, Any] | None) -> list[str]:
    """The ``[tool.sdistill] cache-keys`` patterns of a project, those inside it only."""
    table = (pyproject or {}).get("tool", {}).get("sdistill", {})
    keys = table.get("cache-keys", []) if isinstance(table, dict) else []
    if not isinstance(keys, list):
        return []
    return [
        k
        for k in keys
        if isinstance(k, str) and k and not os.path.isabs(k) and ".." not in Path(k).parts
    ]


def parse_file_url(text: str, name: NormalizedName | None, editable: bool) -> LocalSource:
    """A ``file:`` URL and its ``subdirectory=`` (other fragments refused)."""
    parts = urlsplit(text)
    if parts.netloc not in ("", "localhost"):
        raise InvalidSourceError(f"{text}: file URLs on another host are not supported")
    subdirectory = None
    for key, value in parse_qsl(parts.fragment, keep_blank_values=True):
        if key == "subdirectory":
            subdirectory = value
        elif key != "egg":
            raise InvalidSourceError(
                f"{text}: the fragment {key}= is not supported for local sources"
            )
    return parse_path(Path(unquote(parts.path)), name, editable, subdirectory)


def parse_path(
    path: Path, name: NormalizedName | None, editable: bool, subdirectory: str | None = None
) -> LocalSource:
    """The local source at ``path`` (resolved; a directory or an archive)."""
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
    version = None
    try:
        file_name, file_version = parse_sdist_filename(resolved.name)
        name = name or file_name
        version = str(file_version)
    except InvalidSdistFilename:
        pass
    return LocalArchiveSource(path=resolved, name=name, version=version)
