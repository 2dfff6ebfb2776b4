"""sdistill: Python source distributions turned into metadata and wheels -- fast, cached, safe."""

from __future__ import annotations

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

__all__ = [
    "ArchiveError",
    "BucketSize",
    "BuildError",
    "Cache",
    "CacheError",
    "CacheSize",
    "ExtractResult",
    "GitError",
    "HashMismatchError",
    "InvalidSourceError",
    "MetadataMismatchError",
    "NetworkError",
    "NoBuildError",
    "OfflineError",
    "Removal",
    "SdistillError",
    "UnsafeArchiveError",
    "UnsupportedArchiveError",
    "__version__",
    "cache_digest",
    "canonical_url",
    "extract",
]
