"""sdistill: Python source distributions turned into metadata and wheels -- fast, cached, safe."""

from __future__ import annotations

from sdistill._core import __version__, cache_digest, canonical_url
from sdistill.builder import SourceDistBuilder
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
from sdistill.reporter import NullReporter, Reporter
from sdistill.sources import LocalArchiveSource, LocalDirectorySource, Source
from sdistill.wheels import BuiltWheel

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
