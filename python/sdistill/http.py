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

Settings not given as arguments come from ``sdistill.environment``
(``SDISTILL_HTTP_TIMEOUT``, ``SDISTILL_CONNECT_TIMEOUT``, ``SDISTILL_HTTP_RETRIES``,
``SDISTILL_MAX_PAGE_SIZE``, and the cache's ``SDISTILL_LOCK_TIMEOUT``); the core reads
only the standard variables every HTTP client shares (``NETRC``, ``SSL_CERT_FILE``,
proxies).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence

from sdistill import _core, environment
from sdistill.cache import Cache

TYPE_CHECKING = False
if TYPE_CHECKING:
    from sdistill.config import BuilderConfig

__all__ = ["HttpClient", "Progress"]

#: ``progress(done, total)``: bytes received so far, and the ``Content-Length`` if the
#: response stated one. Called when a download starts (0), every 256 KiB and 100 ms at
#: most, and at its end; never for a cache hit or a 304. An exception it raises goes to
#: ``sys.unraisablehook`` and the download goes on.
Progress = Callable[[int, "int | None"], object]


class HttpClient:
    """GET through the cache: bytes, a file, a project page, or an archive extracted
    into the cache. Results are the native classes of ``sdistill._core``
    (``DownloadedFile``, ``FetchedArchive``, ``Downloaded``, ``Project``)."""

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
        max_page_size: int | None = None,
    ) -> None:
        self.cache = cache if isinstance(cache, Cache) else Cache(cache)
        root = os.fspath(self.cache.root)
        overrides = dict(cache_control_overrides or {})
        packages = [] if isinstance(refresh, bool) else sorted(set(refresh))
        connect = connect_timeout if connect_timeout is not None else environment.connect_timeout()
        read = timeout if timeout is not None else environment.http_timeout()
        tries = retries if retries is not None else environment.http_retries()
        page_size = max_page_size if max_page_size is not None else environment.max_page_size()

        def connect_native(offline: bool) -> _core.HttpClient:
            return _core.HttpClient(
                root,
                offline=offline,
                refresh=refresh is True,
                refresh_packages=packages,
                connect_timeout=connect,
                read_timeout=read,
                retries=tries,
                retry_base=retry_base,
                max_redirects=max_redirects,
                cache_control_overrides=overrides,
                use_netrc=use_netrc,
                max_page_size=page_size,
                lock_timeout=self.cache.lock_timeout,
            )

        self._connect = connect_native
        self.is_offline = offline
        self._native = connect_native(offline)

    @classmethod
    def from_config(cls, cache: Cache, config: BuilderConfig) -> HttpClient:
        """The client of a builder made with ``config``."""
        return cls(
            cache,
            offline=config.offline,
            refresh=config.refresh,
            connect_timeout=config.connect_timeout,
            timeout=config.http_timeout,
            retries=config.http_retries,
            cache_control_overrides=config.index_cache_control,
            max_page_size=config.max_page_size,
        )

    def offline(self) -> HttpClient:
        """A client on the same cache, with the same settings, that never uses the
        network (stale entries are used; a missing one is an ``OfflineError``)."""
        twin = object.__new__(HttpClient)
        twin.cache = self.cache
        twin._connect = self._connect
        twin.is_offline = True
        twin._native = self._connect(True)
        return twin

    def get(
        self,
        url: str,
        *,
        headers: Sequence[tuple[str, str]] = (),
        package: str | None = None,
        cache_control: str | None = None,
        entry: str | os.PathLike[str] | None = None,
    ) -> bytes:
        """The body of ``url`` (its entry: ``entry``, else the core's default entry for
        the URL)."""
        # Positional: matching keywords would cost a sixth of a fresh hit.
        return self._native.get(url, headers, package, cache_control, entry)

    def project(
        self,
        url: str,
        name: str,
        entry: str | os.PathLike[str],
        *,
        package: str | None = None,
        cache_control: str | None = None,
    ) -> _core.Project:
        """The project page at ``url``, parsed and archived in the cache entry ``entry``
        (a fresh one is read in place, without parsing); ``.origin`` says where it came
        from."""
        return self._native.project(url, name, entry, package=package, cache_control=cache_control)

    def wheel_metadata(
        self, url: str, filename: str, record: str | os.PathLike[str], sha256: str | None = None
    ) -> _core.WheelMetadata:
        """The ``METADATA`` of the wheel at ``url`` read out of the wheel (range requests,
        else the whole file; recorded at ``record``)."""
        return self._native.wheel_metadata(url, filename, record, sha256=sha256)

    def wheel_metadata_many(
        self,
        wheels: Sequence[tuple[str, str, str | os.PathLike[str], str | None]],
        jobs: int = 8,
    ) -> list[_core.WheelMetadata | BaseException]:
        """:meth:`wheel_metadata` of ``(url, filename, record, sha256)`` tuples, ``jobs``
        at a time on native threads; a result or the exception per wheel, in order."""
        return self._native.wheel_metadata_many(wheels, jobs=jobs)

    def get_file(
        self,
        url: str,
        *,
        expected_hashes: Mapping[str, str] | None = None,
        headers: Sequence[tuple[str, str]] = (),
        package: str | None = None,
        cache_control: str | None = None,
        entry: str | os.PathLike[str] | None = None,
        progress: Progress | None = None,
    ) -> _core.DownloadedFile:
        """The body of ``url`` in a cache file (valid until the entry is replaced)."""
        return self._native.get_file(
            url,
            expected_hashes=expected_hashes,
            headers=headers,
            package=package,
            cache_control=cache_control,
            entry=entry,
            progress=progress,
        )

    def fetch_archive(
        self,
        url: str,
        shard: str | os.PathLike[str],
        *,
        expected_hashes: Mapping[str, str] | None = None,
        package: str | None = None,
        cache_control: str | None = None,
        progress: Progress | None = None,
    ) -> _core.FetchedArchive:
        """The sdist at ``url`` extracted (top level stripped) into a revision of
        ``shard``; the archive's HTTP policy decides when it is fetched again."""
        return self._native.fetch_archive(
            url,
            shard,
            expected_hashes=expected_hashes,
            package=package,
            cache_control=cache_control,
            progress=progress,
        )

    def remove_superseded(self, shard: str | os.PathLike[str]) -> _core.Removed:
        """Removes the revisions of ``shard`` that a newer download superseded (call it
        holding the shard's lock: no build may be reading them)."""
        return self._native.remove_superseded(shard)

    def download_extract(
        self,
        url: str,
        dest: str | os.PathLike[str],
        *,
        expected_hashes: Mapping[str, str] | None = None,
        strip_top_level: bool = False,
        hashes: Sequence[str] = (),
        progress: Progress | None = None,
    ) -> _core.Downloaded:
        """Downloads ``url`` and extracts it into ``dest`` in one pass (not cached)."""
        return self._native.download_extract(
            url,
            dest,
            expected_hashes=expected_hashes,
            strip_top_level=strip_top_level,
            hashes=hashes,
            progress=progress,
        )
