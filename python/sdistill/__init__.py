"""sdistill: Python source distributions turned into metadata and wheels -- fast, cached, safe."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from sdistill._core import __version__, cache_digest, canonical_url
from sdistill.cache import BucketSize, Cache, CacheSize, Removal
from sdistill.errors import (
    ArchiveError,
    BuildError,
    CacheError,
    GitError,
    HashMismatchError,
    InvalidSourceError,
    MetadataMismatchError,
    NetworkError,
    NoBuildError,
    OfflineError,
    SdistillError,
    UnsafeArchiveError,
    UnsupportedArchiveError,
)
from sdistill.extract import ExtractResult, extract

if TYPE_CHECKING:
    from sdistill.builder import SourceDistBuilder
    from sdistill.reporter import NullReporter, Reporter
    from sdistill.sources import LocalArchiveSource, LocalDirectorySource, Source
    from sdistill.wheels import BuiltWheel

# The build side imports `packaging.metadata` and `pyproject_hooks` (tens of
# milliseconds); it is imported on first use, so `sdistill extract` and the cache
# commands do not pay for it.
_LAZY = {
    "BuiltWheel": "sdistill.wheels",
    "LocalArchiveSource": "sdistill.sources",
    "LocalDirectorySource": "sdistill.sources",
    "NullReporter": "sdistill.reporter",
    "Reporter": "sdistill.reporter",
    "Source": "sdistill.sources",
    "SourceDistBuilder": "sdistill.builder",
}

__all__ = [
    "ArchiveError",
    "BucketSize",
    "BuildError",
    "BuiltWheel",
    "Cache",
    "CacheError",
    "CacheSize",
    "ExtractResult",
    "GitError",
    "HashMismatchError",
    "InvalidSourceError",
    "LocalArchiveSource",
    "LocalDirectorySource",
    "MetadataMismatchError",
    "NetworkError",
    "NoBuildError",
    "NullReporter",
    "OfflineError",
    "Removal",
    "Reporter",
    "SdistillError",
    "Source",
    "SourceDistBuilder",
    "UnsafeArchiveError",
    "UnsupportedArchiveError",
    "__version__",
    "cache_digest",
    "canonical_url",
    "extract",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'sdistill' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
