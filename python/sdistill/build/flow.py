"""The cached flow: one answer (metadata or a wheel) for one source, made at most once.

Written once for every kind of source; what differs between kinds is asked of the
source (:class:`sdistill.sources.base.Source`), what differs between metadata and a
wheel of the product (:class:`Product`):

1. Without a lock: the source's live revision (:meth:`Source.live`) and, under it, the
   answer for the builder's settings. Found: checked against the request and returned
   -- a few small reads, no lock, no subprocess. This step never writes.
2. Else, holding the shard lock (another process or thread may be doing the same work;
   after the wait the answer is usually there): the revision again, renewed if the
   source changed (:meth:`Source.renew`), and the answer again (a damaged record is
   reported now).
3. Still missing: the product makes it from the source tree, it is checked against the
   request (name and version), recorded under the revision, and the shard is marked
   with the package's name (for ``cache clean NAME``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar

from sdistill import _core
from sdistill.build.wheels import check_identity

if TYPE_CHECKING:
    from packaging.metadata import Metadata

    from sdistill.sources.base import Context, Source

__all__ = ["Product", "cached"]

T = TypeVar("T")


class Product(Protocol[T]):
    """What the flow caches: how it is read from a revision and how it is made."""

    def read(self, src: Source, answers: _core.Answers, locked: bool) -> T | None:
        """The recorded answer, or ``None``; never writes (``locked``: report damage)."""

    def make(
        self, src: Source, tree: Path, revision: _core.Revision, answers: _core.Answers
    ) -> tuple[T, str]:
        """The answer and its ``METADATA`` text, made from ``tree`` (under the lock)."""

    def metadata(self, found: T) -> Metadata:
        """The core metadata of an answer (what is checked against the request)."""


class Settings(Protocol):
    def answers(self, src: Source, revision: _core.Revision) -> _core.Answers:
        """Where the answers for ``src`` made with the builder's settings live."""

    def record(self, src: Source, answers: _core.Answers, text: str, metadata: Metadata) -> None:
        """Records ``METADATA`` and its answer (under the shard lock)."""


def cached(context: Context, settings: Settings, src: Source, product: Product[T]) -> T:
    """The answer for ``src``: cached under its live revision, else made and recorded."""
    seen = src.live(context)
    if seen is not None:
        found = product.read(src, settings.answers(src, seen), False)
        if found is not None:
            return _checked(src, product, found)
    shard = src.shard(context)
    with context.cache.lock(shard):
        revision = src.renew(context, seen)
        answers = settings.answers(src, revision)
        found = product.read(src, answers, True)
        if found is None:
            found, text = product.make(src, src.tree(context, revision), revision, answers)
            metadata = product.metadata(_checked(src, product, found))
            settings.record(src, answers, text, metadata)
            context.cache.set_package(shard, metadata.name)
            return found
    return _checked(src, product, found)


def _checked(src: Source, product: Product[T], found: T) -> T:
    check_identity(product.metadata(found), src.name, src.version, origin=src.url)
    return found
