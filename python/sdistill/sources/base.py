"""The source protocol: what every kind answers for the cached flow, and ``Source.parse``.

The flow (:mod:`sdistill.build.flow`) knows no kind. For a source it asks:

- :meth:`Source.resolve`: the source to build (a registry pin becomes the sdist the
  index lists; every other kind is itself);
- :meth:`Source.shard`: the shard (``sdists-v1/<kind>/...``, named by the core);
- :meth:`Source.live`: the revision that still describes the source, read without a
  lock (``None``: make one), and :meth:`Source.renew`, under the shard lock: that
  revision or a new one made live -- for a local source a stamp decides, for a
  downloaded one the archive's HTTP entry, for git (next) the commit;
- :meth:`Source.tree`: the source tree of a revision (the extracted archive, or the
  directory itself), and :attr:`Source.tree_is_sdist`: whether its ``PKG-INFO`` speaks
  for the project built;
- :meth:`Source.file_name_identity`: whether metadata has the name and version the
  source's own file name (or index listing) states.

Sources are frozen and pickle; a pickled URL carries no credentials.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Protocol

from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from sdistill import _core
from sdistill.errors import InvalidSourceError
from sdistill.sources import classify

if TYPE_CHECKING:
    from packaging.metadata import Metadata

    from sdistill.cache import Cache
    from sdistill.config import BuilderConfig
    from sdistill.http import HttpClient
    from sdistill.index import Index
    from sdistill.reporter import Reporter

__all__ = ["Context", "Source"]


class Context(Protocol):
    """What a source needs from the builder it is distilled by."""

    cache: Cache
    http: HttpClient
    index: Index
    reporter: Reporter
    config: BuilderConfig

    def refreshing(self, name: str | None, shard: Path) -> bool:
        """Whether ``shard`` must get a new revision although its stamp matches
        (``refresh`` asks for it, and this builder has not refreshed it yet)."""

    def refreshed(self, shard: Path) -> None:
        """``shard`` got its new revision (it is refreshed once per builder)."""

    def git_commit(self, repository: str, rev: str | None) -> str:
        """The commit ``rev`` of ``repository`` names (resolved once per builder)."""


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
        """How messages name the source (never with credentials)."""
        raise NotImplementedError

    @staticmethod
    def parse(spec: str | os.PathLike[str] | Source, *, editable: bool = False) -> Source:
        """The source a specification names (see :mod:`sdistill.sources`)."""
        if isinstance(spec, Source):
            return spec
        from sdistill.sources import git, local, registry, url  # noqa: PLC0415 (they import this)

        if isinstance(spec, os.PathLike):
            return local.parse_path(Path(spec), None, editable)
        kind, stated, text = classify(spec)
        name = canonicalize_name(stated) if stated is not None else None
        if kind == "empty":
            raise InvalidSourceError("empty source specification")
        if kind == "file":
            return local.parse_file_url(text, name, editable)
        if kind == "url":
            return url.parse(text, name)
        if kind == "git":
            return git.parse(text, name)
        if kind == "other":
            scheme = text.partition("://")[0].lower()
            raise InvalidSourceError(
                f"{_core.redact(text)}: {scheme}:// URLs are not supported (supported: a "
                "path, an http(s):// or file:// URL, git+https/http/ssh/file, or a "
                "requirement on the index)"
            )
        if kind == "path":
            return local.parse_path(Path(text).expanduser(), name, editable)
        if editable:
            raise InvalidSourceError(f"{text}: only a directory can be built editable")
        return registry.parse(text)

    # ------------------------------------------------------------ the flow's questions

    def resolve(self, context: Context) -> Source:
        """The source the flow distills: itself, unless it names another (a registry pin
        names the sdist its index lists)."""
        return self

    def built_editable(self, editable: bool) -> Source:
        """This source as ``build`` (``editable=False``) or ``build_editable`` (PEP 660)
        builds it: only a directory can be built editable."""
        if editable:
            raise InvalidSourceError(f"{self.url}: only a directory can be built editable")
        return self

    @property
    def editable(self) -> bool:
        return False

    @property
    def tree_is_sdist(self) -> bool:
        """Whether the tree is a whole sdist, so that its ``PKG-INFO`` speaks for it."""
        return False

    def shard(self, context: Context) -> Path:
        """The shard of the source in the cache."""
        raise NotImplementedError

    def live(self, context: Context) -> _core.Revision | None:
        """The live revision, if it still describes the source; reads only, no lock."""
        raise NotImplementedError

    def renew(self, context: Context, seen: _core.Revision | None) -> _core.Revision:
        """Under the shard lock: the live revision if it still describes the source,
        else a new one made live (the one it supersedes is removed). ``seen`` is what
        :meth:`live` returned before the lock was taken."""
        raise NotImplementedError

    def tree(self, context: Context, revision: _core.Revision) -> Path:
        """The source tree to build from (called under the shard lock)."""
        raise NotImplementedError

    def file_name_identity(self, metadata: Metadata) -> str:
        """``"match"`` or ``"mismatch"``: whether ``metadata`` has the name and version
        the source's file name (or index listing) states; ``"none"`` when it states none.
        The warm command line answers a spec only on ``match`` or ``none``."""
        return "none"


def inside(tree: Path, subdirectory: str | None, origin: str, where: str) -> Path:
    """``tree``, or its ``subdirectory`` when it is a directory inside it (a link out of
    the tree is refused)."""
    if subdirectory is None:
        return tree
    inner = (tree / subdirectory).resolve()
    if tree.resolve() not in inner.parents or not inner.is_dir():
        raise InvalidSourceError(f"{origin}: {subdirectory!r} is not a directory in {where}")
    return inner


def without_credentials(url: str) -> str:
    """``url`` without its userinfo: what a pickled source carries (the receiving side
    finds credentials in its own ``.netrc`` or configuration)."""
    scheme, sep, rest = url.partition("://")
    netloc, slash, path = rest.partition("/")
    if not sep or "@" not in netloc:
        return url
    return f"{scheme}{sep}{netloc.rpartition('@')[2]}{slash}{path}"


def stated_by(metadata: Metadata, name: str | None, version: str | None) -> bool:
    """Whether ``metadata`` has ``name`` and ``version`` (each checked when given)."""
    if name is not None and canonicalize_name(metadata.name) != name:
        return False
    return not (version is not None and Version(str(metadata.version)) != Version(version))
