# Hand-written stub of the native module built from rust/sdistill-py.
# Checked against the compiled module by `python -m mypy.stubtest sdistill._core`.
import os
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import Any, final

__all__ = [
    "DEFAULT_LOCK_TIMEOUT",
    "DEFAULT_MAX_ENTRIES",
    "DEFAULT_MAX_PAGE_SIZE",
    "DEFAULT_MAX_UNPACKED_SIZE",
    "RESOLUTION_FORMAT",
    "Answer",
    "Answers",
    "BucketUsage",
    "CacheLayout",
    "Downloaded",
    "DownloadedFile",
    "Extracted",
    "FetchedArchive",
    "GitResolved",
    "HttpClient",
    "IndexFile",
    "Project",
    "Removed",
    "Revision",
    "SealedRead",
    "ShardLock",
    "WheelMetadata",
    "__version__",
    "cache_digest",
    "canonical_url",
    "check_wheel",
    "extract",
    "file_url",
    "git_checkout",
    "git_db",
    "git_link_database",
    "git_resolve",
    "index_url_key",
    "key_digest",
    "local_stamp",
    "read_answer",
    "read_record",
    "read_sealed",
    "read_stamp",
    "redact",
    "render_answer",
    "render_sealed",
    "render_stamp",
    "resolution_key",
    "seal_wheel",
    "warm_answers",
    "wheel_seal",
]

__version__: str
DEFAULT_MAX_UNPACKED_SIZE: int
DEFAULT_MAX_ENTRIES: int
DEFAULT_MAX_PAGE_SIZE: int
DEFAULT_LOCK_TIMEOUT: float

def canonical_url(url: str) -> str: ...
def cache_digest(url: str) -> str: ...
def key_digest(key: str) -> str: ...
def redact(text: str) -> str: ...
def index_url_key(index_url: str) -> str: ...  # with exactly one trailing /

RESOLUTION_FORMAT: int

def resolution_key(
    requirements: list[str],
    constraints: list[str],
    python_version: str | None,
    platforms: list[str],
    machine: list[str],
    builder: dict[str, Any],
) -> str: ...

# Results of native calls: small frozen classes, every field named.
@final
class Extracted:
    """What an extraction wrote: regular files and links, their total size, and the
    digests of the archive's raw bytes (``sha256`` always, plus those asked for)."""

    @property
    def files(self) -> int: ...
    @property
    def unpacked_bytes(self) -> int: ...
    @property
    def hashes(self) -> dict[str, str]: ...

@final
class Downloaded:
    """A download extracted without caching (``HttpClient.download_extract``)."""

    @property
    def files(self) -> int: ...
    @property
    def unpacked_bytes(self) -> int: ...
    @property
    def hashes(self) -> dict[str, str]: ...
    @property
    def retries(self) -> int: ...

@final
class DownloadedFile:
    """A response body in a cache file (``HttpClient.get_file``); ``origin`` is
    "cache" (no request), "revalidated" (304) or "network"."""

    @property
    def path(self) -> str: ...
    @property
    def sha256(self) -> str: ...
    @property
    def origin(self) -> str: ...
    @property
    def retries(self) -> int: ...

@final
class WheelMetadata:
    """A wheel's ``METADATA`` read out of the wheel (``HttpClient.wheel_metadata``):
    ``via`` is "range" (HTTP range requests) or "download" (the server sent it whole);
    ``cached``: answered by its record without a request; ``requests`` made."""

    @property
    def metadata(self) -> bytes: ...
    @property
    def via(self) -> str: ...
    @property
    def cached(self) -> bool: ...
    @property
    def requests(self) -> int: ...

@final
class FetchedArchive:
    """An archive extracted into ``<shard>/<revision>`` (``HttpClient.fetch_archive``)."""

    @property
    def revision(self) -> str: ...
    @property
    def sha256(self) -> str: ...
    @property
    def origin(self) -> str: ...
    @property
    def retries(self) -> int: ...

@final
class Answer:
    """A sealed answer: ``identity`` ("match" | "mismatch" | "none": what the archive's
    file name says), and the JSON and text forms the command line prints."""

    @property
    def identity(self) -> str: ...
    @property
    def json(self) -> str: ...
    @property
    def text(self) -> str: ...

@final
class SealedRead:
    """A sealed record read back: ``status`` "ok" (``value`` is the record), "missing",
    "old", or "damaged" (``value`` says what is wrong)."""

    @property
    def status(self) -> str: ...
    @property
    def value(self) -> str: ...

@final
class BucketUsage:
    """Bytes and files of one bucket, named by its directory (``sdists-v1``)."""

    @property
    def name(self) -> str: ...
    @property
    def bytes(self) -> int: ...
    @property
    def files(self) -> int: ...

@final
class Removed:
    """What a clean, a prune or a removal of superseded revisions removed."""

    @property
    def files(self) -> int: ...
    @property
    def bytes(self) -> int: ...

def extract(
    archive: str,
    dest: str,
    strip_top_level: bool = False,
    expected_hashes: Mapping[str, str] | None = None,
    hashes: Sequence[str] = ...,
    max_unpacked_size: int = ...,
    max_entries: int = ...,
) -> Extracted: ...

# Warm lookups of local sources (rust/sdistill-core/src/lookup).
def file_url(path: str | os.PathLike[str]) -> str: ...
def local_stamp(path: str | os.PathLike[str], cache_keys: Sequence[str]) -> str:
    """The stamp of a local source: an archive's mtime and size; a directory's newest
    mtime of its key files (``pyproject.toml``, ``setup.py``, ``setup.cfg``) and of
    every path its ``[tool.sdistill] cache-keys`` patterns match (``Path.glob`` patterns
    relative to it; absolute or ``..`` keys match nothing). ``OSError`` if ``path`` is
    not there."""

def render_answer(record: str, identity: str, json: str, text: str) -> str: ...
def read_answer(directory: str | os.PathLike[str]) -> Answer | None: ...
def read_record(directory: str | os.PathLike[str]) -> SealedRead: ...
def render_stamp(stamp: str) -> str: ...
def read_stamp(path: str | os.PathLike[str]) -> SealedRead: ...
def seal_wheel(file: str | os.PathLike[str], target: str | os.PathLike[str]) -> None: ...
def check_wheel(wheel: str | os.PathLike[str]) -> SealedRead: ...
def render_sealed(kind: str, body: str) -> str: ...
def read_sealed(kind: str, data: bytes) -> SealedRead: ...
def warm_answers(
    root: str | os.PathLike[str], specs: list[str], settings: str
) -> list[Answer] | None: ...

# Paths inside a shard (rust/sdistill-core/src/cache/names.rs: the only place a cache
# name is spelled).
@final
class Revision:
    """One revision of a shard: ``<shard>/<id>/``."""

    def __new__(cls, shard: str | os.PathLike[str], id: str) -> Revision: ...
    def __eq__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...
    @property
    def shard(self) -> str: ...
    @property
    def id(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def tree(self) -> str: ...  # <revision>/src
    @property
    def stamp(self) -> str: ...  # <revision>/stamp
    def answers(self, settings: str) -> Answers: ...

@final
class Answers:
    """The answers of a revision for one settings key: ``<revision>/<settings>/``."""

    @property
    def path(self) -> str: ...
    @property
    def record(self) -> str: ...  # METADATA
    @property
    def answer(self) -> str: ...
    @property
    def wheels(self) -> str: ...  # wheels/

def wheel_seal(wheel: str | os.PathLike[str]) -> str:
    """The seal file beside a cached wheel."""

@final
class ShardLock:
    @property
    def path(self) -> str: ...
    def release(self) -> None: ...
    def __enter__(self) -> ShardLock: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...

@final
class CacheLayout:
    """One cache root; every path in it comes from here."""

    def __new__(cls, root: str, lock_timeout: float | None = None) -> CacheLayout: ...
    @property
    def root(self) -> str: ...
    @property
    def lock_timeout(self) -> float: ...
    @staticmethod
    def new_revision_id() -> str: ...
    def temp_root(self) -> str: ...
    def staging_dir(self) -> str: ...  # a new empty directory under tmp/
    def path_shard(self, file_url: str, editable: bool) -> str: ...
    def url_shard(self, url: str) -> str: ...
    def git_shard(self, key: str, lfs: bool = False) -> str: ...
    def index_sdist_shard(self, index_url: str, name: str, version: str) -> str: ...
    def index_page_entry(self, index_url: str, name: str) -> str: ...
    def wheel_metadata_entry(self, url: str) -> str: ...
    def wheel_metadata_record(self, wheel_url: str) -> str: ...
    def resolution_record(self, key: str) -> str: ...
    def environment_shard(self, key: str) -> str: ...
    def environment_mark(self, shard: str | os.PathLike[str]) -> str: ...
    def environment_constraints(self, shard: str | os.PathLike[str]) -> str: ...
    def environment_marks(self) -> list[str]: ...
    def lock_shard(
        self, shard: str | os.PathLike[str], timeout: float | None = None
    ) -> ShardLock: ...
    def write_atomic(self, path: str | os.PathLike[str], data: bytes) -> None: ...
    def read_revision(self, shard: str | os.PathLike[str]) -> str | None: ...
    def commit_revision(self, shard: str | os.PathLike[str], revision: str) -> None: ...
    def remove_superseded(self, shard: str | os.PathLike[str]) -> Removed: ...
    def set_package(
        self, shard: str | os.PathLike[str], name: str
    ) -> None: ...  # name already normalised
    def size(self) -> list[BucketUsage]: ...
    def clean(self, package: str | None = None, timeout: float | None = None) -> Removed: ...
    def prune(self, timeout: float | None = None) -> Removed: ...

# The cached HTTP client (rust/sdistill-core/src/http); sdistill.http is its Python face.
@final
class HttpClient:
    def __new__(
        cls,
        cache_root: str | os.PathLike[str],
        *,
        offline: bool = False,
        refresh: bool = False,
        refresh_packages: Sequence[str] = ...,
        connect_timeout: float = 10.0,
        read_timeout: float = 30.0,
        retries: int = 3,
        retry_base: float = 0.5,
        max_redirects: int = 10,
        cache_control_overrides: Mapping[str, str] | None = None,
        use_netrc: bool = True,
        user_agent: str | None = None,
        max_page_size: int = ...,
        lock_timeout: float | None = None,
    ) -> HttpClient: ...
    def get(
        self,
        url: str,
        headers: Sequence[tuple[str, str]] | None = None,
        package: str | None = None,
        cache_control: str | None = None,
        entry: str | os.PathLike[str] | None = None,
    ) -> bytes: ...
    def project(
        self,
        url: str,
        name: str,
        entry: str | os.PathLike[str],
        *,
        package: str | None = None,
        cache_control: str | None = None,
    ) -> Project: ...
    def get_file(
        self,
        url: str,
        *,
        expected_hashes: Mapping[str, str] | None = None,
        headers: Sequence[tuple[str, str]] | None = None,
        package: str | None = None,
        cache_control: str | None = None,
        entry: str | os.PathLike[str] | None = None,
        progress: Callable[[int, int | None], object] | None = None,
    ) -> DownloadedFile: ...
    def wheel_metadata(
        self,
        url: str,
        filename: str,
        record: str | os.PathLike[str],
        *,
        sha256: str | None = None,
    ) -> WheelMetadata: ...
    def prefetch_pages(self, index_url: str, names: list[str], *, jobs: int = ...) -> None: ...
    def replayed(
        self, index_url: str, key: str, *, jobs: int = ...
    ) -> tuple[str, str] | bool | None: ...  # the answer; False: differs; None: unchecked
    def wheel_metadata_many(
        self,
        wheels: Sequence[tuple[str, str, str | os.PathLike[str], str | None]],
        *,
        jobs: int = 8,
    ) -> list[WheelMetadata | BaseException]: ...
    def fetch_archive(
        self,
        url: str,
        shard: str | os.PathLike[str],
        *,
        expected_hashes: Mapping[str, str] | None = None,
        package: str | None = None,
        strip_top_level: bool = True,
        max_unpacked_size: int = ...,
        max_entries: int = ...,
        cache_control: str | None = None,
        progress: Callable[[int, int | None], object] | None = None,
    ) -> FetchedArchive: ...
    def remove_superseded(self, shard: str | os.PathLike[str]) -> Removed: ...
    def download_extract(
        self,
        url: str,
        dest: str | os.PathLike[str],
        *,
        expected_hashes: Mapping[str, str] | None = None,
        strip_top_level: bool = False,
        hashes: Sequence[str] = ...,
        progress: Callable[[int, int | None], object] | None = None,
    ) -> Downloaded: ...

# A project page of an index, archived (rust/sdistill-core/src/index/project.rs; binding
# rust/sdistill-py/src/index.rs): read in place, fields made when asked for.
@final
class Project:
    @property
    def origin(self) -> str: ...  # "cache" | "revalidated" | "network"
    @property
    def name(self) -> str: ...
    @property
    def page_url(self) -> str: ...
    @property
    def api_version(self) -> str | None: ...
    @property
    def skipped(self) -> list[str]: ...
    @property
    def file_count(self) -> int: ...
    @property
    def digest(self) -> str: ...  # of the page as archived: equal digests, equal files
    def versions(self, *, yanked: bool = True, prereleases: bool = True) -> list[str]: ...
    def is_prerelease(self, version: str) -> bool | None: ...
    def files(self, version: str) -> list[IndexFile]: ...
    def wheels(self, version: str) -> list[IndexFile]: ...
    def sdists(self, version: str) -> list[IndexFile]: ...

@final
class IndexFile:
    @property
    def filename(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def version(self) -> str: ...
    @property
    def hashes(self) -> dict[str, str]: ...
    @property
    def requires_python(self) -> str | None: ...
    @property
    def yanked(self) -> bool: ...
    @property
    def yanked_reason(self) -> str | None: ...
    @property
    def core_metadata(self) -> dict[str, str] | None: ...
    @property
    def size(self) -> int | None: ...
    @property
    def upload_time(self) -> str | None: ...
    @property
    def is_sdist(self) -> bool: ...

# ---------------------------------------------------------------------------------------
# PEP 440 versions and distribution filenames (rust/sdistill-core/src/index/{pep440,
# filename}.rs; binding rust/sdistill-py/src/pep440.rs).
from typing import Literal  # noqa: E402 - this section is appended

__all__ += [
    "DistFilename",
    "compare_versions",
    "normalize_version",
    "parse_filename",
    "sort_versions",
]

def normalize_version(text: str) -> str | None: ...
def sort_versions(versions: Sequence[str]) -> list[str]: ...
def compare_versions(a: str, b: str) -> int: ...

@final
class DistFilename:
    """What a distribution's filename says: ``kind`` "wheel" (with ``build_tag`` and
    tags) or "sdist" (with ``format``, e.g. "tar.gz"; empty tags)."""

    @property
    def kind(self) -> Literal["wheel", "sdist"]: ...
    @property
    def name(self) -> str: ...
    @property
    def version(self) -> str: ...
    @property
    def build_tag(self) -> tuple[int, str] | None: ...
    @property
    def python_tags(self) -> tuple[str, ...]: ...
    @property
    def abi_tags(self) -> tuple[str, ...]: ...
    @property
    def platform_tags(self) -> tuple[str, ...]: ...
    @property
    def format(self) -> str | None: ...

def parse_filename(filename: str, project: str) -> DistFilename | None: ...

# ---------------------------------------------------------------------------------------
# Git repositories (rust/sdistill-core/src/git; binding rust/sdistill-py/src/git.rs). URLs
# are written without `git+`; https, http, ssh and file only. Errors: GitError (git
# missing or failing -- then with `command`, `returncode` and `stderr` set --, rev not
# found -- the message lists the forms tried --, git-lfs missing), OfflineError (offline and not in
# the database), InvalidSourceError (a rev or URL refused before git runs),
# CacheError (a lock timed out).
@final
class GitResolved:
    @property
    def commit(self) -> str: ...  # full commit id, lower-case
    @property
    def fetched(self) -> bool: ...  # whether `git fetch` ran

def git_resolve(
    cache_root: str | os.PathLike[str],
    url: str,
    rev: str | None,
    *,
    offline: bool = False,
    lock_timeout: float | None = None,
) -> GitResolved: ...
def git_checkout(
    cache_root: str | os.PathLike[str],
    url: str,
    commit: str,
    dest: str | os.PathLike[str],
    *,
    lfs: bool = False,
    lock_timeout: float | None = None,
) -> None: ...
def git_db(cache_root: str | os.PathLike[str], url: str) -> str: ...
def git_link_database(
    cache_root: str | os.PathLike[str], shard: str | os.PathLike[str], url: str
) -> None: ...  # <shard>/repository names its database: `cache prune` keeps it
