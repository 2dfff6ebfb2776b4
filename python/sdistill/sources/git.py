"""Git sources: ``git+https://host/repo.git@rev#subdirectory=pkg``, ``name @ git+...``.

Shard: ``sdists-v1/git/<digest(canonical repo URL + subdirectory)>/`` (named by the
core). Revision: the commit -- ``<shard>/<commit[:16]>/``, its stamp the full commit --
so ``@main`` and ``@<sha>`` that name one commit share one answer, and a branch that
moves gets a new revision while the old commit's stays. Several commits' revisions live
side by side: none supersedes another.

Resolving (native, ``sdistill-core/src/git``, the machine's ``git`` run with a cleaned
environment, no prompts, hooks off and the transports restricted): a full 40-hex
commit whose revision exists needs no git process at all; any other rev is resolved to
a commit once per builder (one ``ls-remote`` round trip, then a fetch into the
repository's bare database under ``git-v1/db/`` only when the commit is not there yet).
The tree is a checkout of the commit made in ``tmp/`` and renamed into the revision, in
which ``git describe`` sees the tags (versioning plugins need them); submodules are
checked out; Git LFS files stay pointers unless the builder's ``git_lfs`` (or
``SDISTILL_GIT_LFS=1``) asks for their content, and such trees have their own shard.

Cache upkeep: when a revision is made the shard's ``repository`` file names the
database its commits come from, so ``cache prune`` removes only databases no git shard
names (``cache clean NAME`` removes a project's git shards through their ``package``
marker; the next ``prune`` then removes a database nothing names any more). A git
shard's revisions are never pruned: they are found by commit, not by a pointer.

Transports: ``git+https``, ``git+http``, ``git+ssh``, ``git+file``; anything else is
refused naming the scheme. A rev (after ``@``; an ``@`` inside it written ``%40``) or URL
that begins with ``-`` or holds control characters is refused before git runs.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from packaging.utils import NormalizedName

from sdistill import _core
from sdistill.errors import InvalidSourceError
from sdistill.sources import GIT_SCHEMES, full_commit, git_key, git_parts, revisions
from sdistill.sources.base import Context, Source, inside, without_credentials

__all__ = ["GitSource", "parse"]


@dataclass(frozen=True)
class GitSource(Source):
    """A project in a git repository, at a rev (``None``: the default branch)."""

    #: The repository URL without ``git+``, rev or fragment; credentials included.
    repository: str = field(default="", repr=False)
    rev: str | None = None
    #: The project inside the repository, if not at its top.
    subdirectory: str | None = None

    kind: ClassVar[str] = "git"

    @property
    def url(self) -> str:
        """``git+URL@rev#subdirectory=...`` without credentials."""
        text = "git+" + _core.redact(self.repository)
        if self.rev is not None:
            text += "@" + self.rev.replace("@", "%40")
        if self.subdirectory:
            text += f"#subdirectory={self.subdirectory}"
        return text

    @property
    def pinned(self) -> str | None:
        """The full commit the rev names by itself, if it is one."""
        return full_commit(self.rev)

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled without credentials (see sources.url).
        fields = {**self.__dict__, "repository": without_credentials(self.repository)}
        return (_rebuild, (fields,))

    def shard(self, context: Context) -> Path:
        canonical = _core.canonical_url("git+" + self.repository)
        return context.cache.git_shard(
            git_key(canonical, self.subdirectory), lfs=context.config.git_lfs
        )

    def _commit(self, context: Context) -> str:
        pinned = self.pinned
        if pinned is not None:
            return pinned
        return context.git_commit(self.repository, self.rev)

    def live(self, context: Context) -> _core.Revision | None:
        pinned = self.pinned
        if pinned is not None:  # no git process: the revision is found by the commit
            revision = _revision(self.shard(context), pinned)
            return revision if revisions.stamped(revision, pinned) else None
        commit = self._commit(context)
        revision = _revision(self.shard(context), commit)
        return revision if revisions.stamped(revision, commit) else None

    def renew(self, context: Context, seen: _core.Revision | None) -> _core.Revision:
        shard = self.shard(context)
        # Under the shard lock: `cache prune` keeps the database this shard names.
        _core.git_link_database(context.cache.root, shard, self.repository)
        commit = self._commit(context)
        revision = _revision(shard, commit)
        if revisions.stamped(revision, commit, locked=True):
            return revision
        shutil.rmtree(revision.path, ignore_errors=True)  # damaged or half made: again

        def lay(tree: Path) -> None:
            cache = context.cache
            resolved = _core.git_resolve(
                cache.root, self.repository, commit, offline=context.http.is_offline
            )
            _core.git_checkout(
                cache.root,
                self.repository,
                resolved.commit,
                tree,
                lfs=context.config.git_lfs,
                lock_timeout=cache.lock_timeout,
            )

        # Not made "live": a git shard has no pointer, its revisions are found by commit,
        # and none supersedes another (nor does `cache prune` take them for leftovers).
        return revisions.make(context.cache, shard, revision.id, commit, lay)

    def tree(self, context: Context, revision: _core.Revision) -> Path:
        return inside(Path(revision.tree), self.subdirectory, self.url, "the repository")


def _revision(shard: Path, commit: str) -> _core.Revision:
    return _core.Revision(shard, commit[:16])


def _rebuild(fields: dict[str, Any]) -> GitSource:
    return GitSource(**fields)


def parse(text: str, name: NormalizedName | None) -> GitSource:
    """``git+SCHEME://...[@rev][#subdirectory=...&egg=...]`` (split by the grammar's
    ``git_parts``, which the warm path uses too)."""
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise InvalidSourceError(f"{_core.redact(text)!r}: refused rev or URL: control characters")
    parts = git_parts(text)
    if parts is None or parts[0] not in GIT_SCHEMES:
        scheme = parts[0] if parts is not None else ""
        shown = f"git+{scheme}://" if scheme else "this form of git URL"
        raise InvalidSourceError(
            f"{_core.redact(text)}: {shown} is not supported "
            "(git+https, git+http, git+ssh and git+file are)"
        )
    _, repository, rev, pairs = parts
    if rev == "":
        raise InvalidSourceError(f"{_core.redact(text)}: an empty rev after '@'")
    _refuse_unsafe(text, repository, rev)
    subdirectory = None
    for key, value in pairs:
        if key == "subdirectory":
            subdirectory = value.strip("/")
            if not subdirectory or ".." in Path(subdirectory).parts or Path(value).is_absolute():
                raise InvalidSourceError(f"{_core.redact(text)}: invalid subdirectory {value!r}")
        elif key != "egg":
            raise InvalidSourceError(f"{_core.redact(text)}: the fragment {key}= is not supported")
    return GitSource(name=name, repository=repository, rev=rev, subdirectory=subdirectory)


def _refuse_unsafe(text: str, repository: str, rev: str | None) -> None:
    """What git must never see: an option where data belongs, or control characters."""
    for what, value in (("URL", repository), ("rev", rev)):
        if value is None:
            continue
        if value.startswith("-") or any(ord(c) < 32 or ord(c) == 127 for c in value):
            raise InvalidSourceError(f"{_core.redact(text)}: refused {what} {value!r}")
    if rev is not None and (rev.isspace() or any(c.isspace() for c in rev)):
        raise InvalidSourceError(f"{_core.redact(text)}: a rev holds no spaces")
    if os.sep != "/" and repository.startswith("file:"):  # pragma: no cover
        raise InvalidSourceError(f"{_core.redact(text)}: file URLs are POSIX-only here")
