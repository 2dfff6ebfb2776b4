"""The cached HTTP client, as the rest of sdistill (and a resolver) uses it.

The work is native (``rust/sdistill-core/src/http``, whose module docs state the caching
rules): every call releases the GIL, so threads fetch in parallel, and the client's
warnings (a corrupt entry healed, a retry) go to the ``sdistill`` logger. This module
chooses the settings -- arguments, else environment variables, else defaults.

Credentials in a URL (``https://user:secret@host/simple/``) are sent in a header, never in
a cache key, a cache file, a log line or an error (those hold the URL redacted). A client
remembers them for their origin (scheme, host, port) and sends them with its later
requests to that origin that carry none -- the files an index's pages link to, a redirect
back to it -- and never to another origin; ``.netrc`` applies when none were given.

=============================  ===============================================  =======
environment variable           meaning                                          default
=============================  ===============================================  =======
``SDISTILL_HTTP_TIMEOUT``      seconds a read may wait for data                 30
``SDISTILL_CONNECT_TIMEOUT``   seconds to establish a connection                10
``SDISTILL_HTTP_RETRIES``      retries of a failed request                      3
``SDISTILL_MAX_PAGE_SIZE``     bytes of the largest index page accepted         64 MiB
``NETRC``                      the ``.netrc`` file (else ``~/.netrc``)
``SSL_CERT_FILE``              trusted roots (else the operating system's)
``HTTPS_PROXY`` ...            proxies (``HTTP_PROXY``, ``ALL_PROXY``, ``NO_PROXY``)
=============================  ===============================================  =======
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from sdistill import _core
from sdistill.cache import Cache
from sdistill.errors import SdistillError

__all__ = ["DownloadedFile", "Extracted", "FetchedArchive", "HttpClient"]


@dataclass(frozen=True)
class DownloadedFile:
    """A response body kept in a cache file."""

    path: Path
    sha256: str
    #: "cache" (no request), "revalidated" (304) or "network".
    origin: str
    retries: int


@dataclass(frozen=True)
class FetchedArchive:
    """An archive extracted into a revision of a shard (``<shard>/<revision>/src``)."""

    revision: str
    sha256: str
    origin: str
    retries: int


@dataclass(frozen=True)
class Extracted:
    """What a download-and-extract produced."""

    tree: Path
    files: int
    unpacked_bytes: int
    hashes: dict[str, str]
    retries: int


def _setting(value: float | None, variable: str, default: float) -> float:
    if value is not None:
        return value
    text = os.environ.get(variable, "").strip()
    if not text:
        return default
    try:
        number = float(text)
    except ValueError:
        raise SdistillError(f"{variable}={text!r} is not a number") from None
    if number < 0:
        raise SdistillError(f"{variable}={text!r} must not be negative")
    return number


class HttpClient:
    """GET through the cache: bytes, a file, or an archive extracted into the cache."""

    def __init__(
        self,
        cache: Cache | str | os.PathLike[str] | None = None,
        *,
        offline: bool = False,
        refresh: bool | Iterable[str] = False,
        connect_timeout: float | None = None,
        timeout: float | None = None,
        retries: int | None = None,
        retry_base: float = 0.5,
        max_redirects: int = 10,
        cache_control_overrides: Mapping[str, str] | None = None,
        use_netrc: bool = True,
    ) -> None:
        self.cache = cache if isinstance(cache, Cache) else Cache(cache)
        refresh_all = refresh is True
        packages = [] if isinstance(refresh, bool) else sorted(set(refresh))
        self._native = _core.HttpClient(
            os.fspath(self.cache.root),
            offline=offline,
            refresh=refresh_all,
            refresh_packages=packages,
            connect_timeout=_setting(connect_timeout, "SDISTILL_CONNECT_TIMEOUT", 10.0),
            read_timeout=_setting(timeout, "SDISTILL_HTTP_TIMEOUT", 30.0),
            retries=int(_setting(retries, "SDISTILL_HTTP_RETRIES", 3)),
            retry_base=retry_base,
            max_redirects=max_redirects,
            cache_control_overrides=dict(cache_control_overrides or {}),
            use_netrc=use_netrc,
            max_page_size=int(
                _setting(None, "SDISTILL_MAX_PAGE_SIZE", _core.DEFAULT_MAX_PAGE_SIZE)
            ),
        )

    def get(
        self,
        url: str,
        *,
        headers: Sequence[tuple[str, str]] = (),
        package: str | None = None,
        cache_control: str | None = None,
        entry: str | os.PathLike[str] | None = None,
    ) -> bytes:
        """The body of ``url`` (its entry: ``entry``, else ``simple-v1/responses/``)."""
        # Positional: matching keywords would cost a sixth of a fresh hit.
        return self._native.get(url, headers, package, cache_control, entry)

    def project(
        self,
        url: str,
        name: str,
        entry: str | os.PathLike[str],
        *,
        package: str | None = None,
    ) -> _core.Project:
        """The project page at ``url``, parsed and archived in the cache entry ``entry``
        (a fresh one is read in place, without parsing)."""
        page, _origin = self._native.project(url, name, entry, package=package)
        return page

    def get_file(
        self,
        url: str,
        *,
        expected_hashes: Mapping[str, str] | None = None,
        headers: Sequence[tuple[str, str]] = (),
        package: str | None = None,
        entry: str | os.PathLike[str] | None = None,
    ) -> DownloadedFile:
        """The body of ``url`` in a cache file (valid until the entry is replaced)."""
        path, sha256, origin, retries = self._native.get_file(
            url, expected_hashes=expected_hashes, headers=headers, package=package, entry=entry
        )
        return DownloadedFile(Path(path), sha256, origin, retries)

    def fetch_archive(
        self,
        url: str,
        shard: str | os.PathLike[str],
        *,
        expected_hashes: Mapping[str, str] | None = None,
        package: str | None = None,
    ) -> FetchedArchive:
        """The sdist at ``url`` extracted (top level stripped) into a revision of
        ``shard``; the archive's HTTP policy decides when it is fetched again."""
        revision, sha256, origin, retries = self._native.fetch_archive(
            url, shard, expected_hashes=expected_hashes, package=package
        )
        return FetchedArchive(revision, sha256, origin, retries)

    def remove_superseded(self, shard: str | os.PathLike[str]) -> int:
        """Removes the revisions of ``shard`` that a newer download superseded (call it
        holding the shard's lock: no build may be reading them); returns the files removed."""
        return self._native.remove_superseded(shard)

    def download_extract(
        self,
        url: str,
        dest: str | os.PathLike[str],
        *,
        expected_hashes: Mapping[str, str] | None = None,
        strip_top_level: bool = False,
        hashes: Sequence[str] = (),
    ) -> Extracted:
        """Downloads ``url`` and extracts it into ``dest`` in one pass (not cached)."""
        files, unpacked, digests, retries = self._native.download_extract(
            url,
            dest,
            expected_hashes=expected_hashes,
            strip_top_level=strip_top_level,
            hashes=hashes,
        )
        return Extracted(Path(dest), files, unpacked, digests, retries)
