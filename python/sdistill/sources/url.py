"""Downloaded sources: an sdist at an http(s) URL, and the sdist an index lists.

Shard: ``sdists-v1/url/<digest(url)>/`` for a direct URL, and
``sdists-v1/index/<digest(index)>/<name>/<version>/`` for an index sdist (both named by
the core). Revision: the one the archive's HTTP cache entry (``<shard>/http``) names,
made by the native client, which downloads and extracts the archive in one pass when
its policy or the expected hash says so (see ARCHITECTURE.md, "Direct URLs"); the
download is reported to ``Reporter.on_download_progress``. Tree: the extracted archive,
or its ``subdirectory=``.

URLs keep their credentials only where the download needs them: :attr:`UrlSource.url`
(used in messages and cache keys) is redacted, the real URL is not in the repr, and a
pickled source carries none (the receiving side finds them in its ``.netrc`` or its
own client, as for any URL without them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import parse_qsl, unquote, urlsplit, urlunsplit

from packaging.utils import InvalidSdistFilename, NormalizedName, parse_sdist_filename

from sdistill import _core
from sdistill.errors import InvalidSourceError
from sdistill.sources.base import Context, Source, inside, stated_by, without_credentials

if TYPE_CHECKING:
    from packaging.metadata import Metadata

__all__ = ["IndexSdistSource", "UrlSource", "parse"]

_HASH_NAMES = ("sha256", "sha384", "sha512", "md5")


@dataclass(frozen=True)
class UrlSource(Source):
    """An sdist archive at an http(s) URL (a direct reference)."""

    #: The URL to download, credentials included, fragment removed.
    location: str = field(default="", repr=False)
    #: The project inside the archive, if not at its top.
    subdirectory: str | None = None
    #: Digests the archive must have, from the URL's fragment: ((algorithm, hex), ...).
    hashes: tuple[tuple[str, str], ...] = ()

    kind: ClassVar[str] = "url"

    @property
    def url(self) -> str:
        """The URL without credentials (what messages show and cache keys hash)."""
        text = _core.redact(self.location)
        if self.subdirectory:
            text += f"#subdirectory={self.subdirectory}"
        return text

    @property
    def tree_is_sdist(self) -> bool:
        return self.subdirectory is None

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled without credentials: they stay in the process they were given to.
        fields = {**self.__dict__, "location": without_credentials(self.location)}
        return (_rebuild, (type(self), fields))

    def shard(self, context: Context) -> Path:
        return context.cache.url_shard(self.url)

    def live(self, context: Context) -> _core.Revision:
        """The revision holding the archive, downloaded if its policy says so (the
        client takes the entry's own lock for that)."""
        shard = self.shard(context)
        reporter = context.reporter
        unsized: list[int] = []  # bytes so far of a download without a Content-Length

        def progress(done: int, total: int | None) -> None:
            if total is None:
                unsized[:] = [done]
            reporter.on_download_progress(self.url, done, total)

        fetched = context.http.fetch_archive(
            self.location,
            shard,
            expected_hashes=dict(self.hashes) or None,
            package=self.name,
            progress=progress,
        )
        if unsized:  # its size is known now: the reporter sees it end
            reporter.on_download_progress(self.url, unsized[0], unsized[0])
        return _core.Revision(shard, fetched.revision)

    def renew(self, context: Context, seen: _core.Revision | None) -> _core.Revision:
        # Under the shard lock: if a concurrent call made another revision live while
        # this one waited, that one is used; the revisions a newer download superseded
        # go (no build reads them now).
        shard = self.shard(context)
        live = context.cache.live_revision(shard)
        current = seen if seen is not None and live == seen else self.live(context)
        context.http.remove_superseded(shard)
        return current

    def tree(self, context: Context, revision: _core.Revision) -> Path:
        return inside(Path(revision.tree), self.subdirectory, self.url, "the archive")


@dataclass(frozen=True)
class IndexSdistSource(UrlSource):
    """The sdist of a registry source, as the index lists it."""

    index_url: str = ""
    filename: str = ""

    kind: ClassVar[str] = "index"

    def shard(self, context: Context) -> Path:
        return context.cache.index_sdist_shard(self.index_url, str(self.name), str(self.version))

    def file_name_identity(self, metadata: Metadata) -> str:
        """Whether the sdist has the name and version it was listed for (what a warm
        registry spec checks)."""
        return "match" if stated_by(metadata, self.name, self.version) else "mismatch"


def _rebuild(cls: type[UrlSource], fields: dict[str, Any]) -> UrlSource:
    return cls(**fields)


def parse(text: str, name: NormalizedName | None) -> UrlSource:
    """A direct URL: ``#sha256=``-style hashes and ``subdirectory=`` read from the
    fragment (``egg=`` ignored, anything else refused)."""
    parts = urlsplit(text)
    if not parts.hostname:
        raise InvalidSourceError(f"{_core.redact(text)}: a URL needs a host")
    subdirectory = None
    hashes: list[tuple[str, str]] = []
    for key, value in parse_qsl(parts.fragment, keep_blank_values=True):
        if key == "subdirectory":
            subdirectory = value.strip("/")
            if not subdirectory or ".." in Path(subdirectory).parts or Path(value).is_absolute():
                raise InvalidSourceError(f"{_core.redact(text)}: invalid subdirectory {value!r}")
        elif key in _HASH_NAMES:
            if not re.fullmatch(r"[0-9a-fA-F]+", value):
                raise InvalidSourceError(f"{_core.redact(text)}: {key}= is not a hex digest")
            hashes.append((key, value.lower()))
        elif key in ("sha1", "sha224"):
            raise InvalidSourceError(f"{_core.redact(text)}: {key} hashes are not supported")
        elif key != "egg":
            raise InvalidSourceError(f"{_core.redact(text)}: the fragment {key}= is not supported")
    location = urlunsplit(parts._replace(fragment=""))
    version = None
    file_name = unquote(parts.path.rsplit("/", 1)[-1])
    try:
        stated_name, stated_version = parse_sdist_filename(file_name)
    except InvalidSdistFilename:
        pass
    else:
        # Like pip and uv: name-version.tar.gz must build that name and version, and
        # a stated name must agree with the file's.
        if name is not None and name != stated_name:
            raise InvalidSourceError(
                f"{_core.redact(text)}: the URL is for {stated_name}, not {name}"
            )
        name, version = stated_name, str(stated_version)
    return UrlSource(
        name=name,
        version=version,
        location=location,
        subdirectory=subdirectory,
        hashes=tuple(hashes),
    )
