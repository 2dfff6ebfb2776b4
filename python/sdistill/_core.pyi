# Hand-written stub of the native module built from rust/sdistill-py.
# Checked against the compiled module by `python -m mypy.stubtest sdistill._core`.
import os
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import final

__all__ = [
    "ANSWER_FILE",
    "DEFAULT_LOCK_TIMEOUT",
    "DEFAULT_MAX_ENTRIES",
    "DEFAULT_MAX_PAGE_SIZE",
    "DEFAULT_MAX_UNPACKED_SIZE",
    "STAMP_KEY_FILES",
    "WHEEL_RECORD_SUFFIX",
    "CacheLayout",
    "HttpClient",
    "IndexFile",
    "Project",
    "ShardLock",
    "__version__",
    "archive_stamp",
    "cache_digest",
    "canonical_url",
    "check_wheel",
    "directory_stamp",
    "extract",
    "file_url",
    "key_digest",
    "read_answer",
    "read_record",
    "read_sealed",
    "read_stamp",
    "redact",
    "render_answer",
    "render_sealed",
    "render_stamp",
    "seal_wheel",
    "warm_answers",
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
def extract(
    archive: str,
    dest: str,
    strip_top_level: bool = False,
    expected_hashes: Mapping[str, str] | None = None,
    hashes: Sequence[str] = ...,
    max_unpacked_size: int = ...,
    max_entries: int = ...,
) -> tuple[int, int, dict[str, str]]: ...

# Warm lookups of local sources (rust/sdistill-core/src/lookup).
STAMP_KEY_FILES: list[str]
ANSWER_FILE: str
WHEEL_RECORD_SUFFIX: str

def file_url(path: str | os.PathLike[str]) -> str: ...
def archive_stamp(path: str | os.PathLike[str]) -> str: ...
def directory_stamp(newest_mtime_ns: int) -> str: ...
def render_answer(record: str, identity: str, json: str, text: str) -> str: ...
def read_answer(directory: str | os.PathLike[str]) -> tuple[str, str, str] | None: ...

# Sealed records: (status, value), status "ok" | "missing" | "old" | "damaged" (then the
# value says what is wrong).
def read_record(directory: str | os.PathLike[str]) -> tuple[str, str]: ...
def render_stamp(stamp: str) -> str: ...
def read_stamp(path: str | os.PathLike[str]) -> tuple[str, str]: ...
def seal_wheel(file: str | os.PathLike[str], target: str | os.PathLike[str]) -> None: ...
def check_wheel(wheel: str | os.PathLike[str]) -> tuple[str, str]: ...
def render_sealed(kind: str, body: str) -> str: ...
def read_sealed(kind: str, data: bytes) -> tuple[str, str]: ...
def warm_answers(
    root: str | os.PathLike[str], specs: list[str], settings: str
) -> list[tuple[str, str]] | None: ...

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
    def __new__(cls, root: str) -> CacheLayout: ...
    @property
    def root(self) -> str: ...
    @staticmethod
    def bucket_names() -> list[tuple[str, str]]: ...
    @staticmethod
    def new_revision_id() -> str: ...
    def bucket(self, name: str) -> str: ...
    def shard(self, bucket: str, parts: Sequence[str]) -> str: ...
    def temp_dir(self) -> str: ...
    def lock_shard(self, shard: str, timeout: float | None = None) -> ShardLock: ...
    def write_atomic(self, path: str, data: bytes) -> None: ...
    def read_revision(self, shard: str) -> str | None: ...
    def commit_revision(self, shard: str, revision: str) -> None: ...
    def remove_superseded(self, shard: str) -> tuple[int, int]: ...  # (files, bytes)
    def set_package(self, shard: str, name: str) -> None: ...  # name already normalised
    def size(self) -> list[tuple[str, int, int]]: ...
    def clean(
        self, package: str | None = None, timeout: float | None = None
    ) -> tuple[int, int]: ...
    def prune(self, timeout: float | None = None) -> tuple[int, int]: ...

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
    ) -> tuple[Project, str]: ...
    def get_file(
        self,
        url: str,
        *,
        expected_hashes: Mapping[str, str] | None = None,
        headers: Sequence[tuple[str, str]] | None = None,
        package: str | None = None,
        cache_control: str | None = None,
        entry: str | os.PathLike[str] | None = None,
    ) -> tuple[str, str, str, int]: ...
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
    ) -> tuple[str, str, str, int]: ...
    def remove_superseded(self, shard: str | os.PathLike[str]) -> int: ...
    def download_extract(
        self,
        url: str,
        dest: str | os.PathLike[str],
        *,
        expected_hashes: Mapping[str, str] | None = None,
        strip_top_level: bool = False,
        hashes: Sequence[str] = ...,
    ) -> tuple[int, int, dict[str, str], int]: ...

# A project page of an index, archived (rust/sdistill-core/src/index/project.rs; binding
# rust/sdistill-py/src/index.rs): read in place, fields made when asked for.
@final
class Project:
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

__all__ += ["compare_versions", "normalize_version", "parse_filename", "sort_versions"]

def normalize_version(text: str) -> str | None: ...
def sort_versions(versions: Sequence[str]) -> list[str]: ...
def compare_versions(a: str, b: str) -> int: ...
def parse_filename(
    filename: str, project: str
) -> (
    tuple[
        Literal["wheel"],
        str,
        str,
        tuple[int, str] | None,
        tuple[str, ...],
        tuple[str, ...],
        tuple[str, ...],
    ]
    | tuple[Literal["sdist"], str, str, str]
    | None
): ...
