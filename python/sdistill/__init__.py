"""sdistill: Python source distributions turned into metadata and wheels -- fast, cached, safe.

Every public name is loaded on first use (PEP 562): ``import sdistill`` costs almost
nothing, so a warm ``sdistill metadata`` and the cache commands start fast, and the
build side (``packaging.metadata``, ``pyproject_hooks``) loads only when a build may be
needed.
"""

from __future__ import annotations

import importlib

# Not `from typing import TYPE_CHECKING`: typing alone costs a warm run milliseconds.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from sdistill._core import __version__, cache_digest, canonical_url
    from sdistill.build.wheels import BuiltWheel
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
    from sdistill.extraction import ExtractResult, extract
    from sdistill.reporter import NullReporter, Reporter
    from sdistill.sources import LocalArchiveSource, LocalDirectorySource, Source

_ERRORS = (
    "ArchiveError",
    "BuildError",
    "CacheError",
    "GitError",
    "HashMismatchError",
    "InvalidSourceError",
    "MetadataMismatchError",
    "NetworkError",
    "NoBuildError",
    "OfflineError",
    "SdistillError",
    "UnsafeArchiveError",
    "UnsupportedArchiveError",
)

#: Where each public name lives.
_LAZY = {
    **dict.fromkeys(_ERRORS, "sdistill.errors"),
    **dict.fromkeys(("__version__", "cache_digest", "canonical_url"), "sdistill._core"),
    **dict.fromkeys(("BucketSize", "Cache", "CacheSize", "Removal"), "sdistill.cache"),
    **dict.fromkeys(("ExtractResult", "extract"), "sdistill.extraction"),
    **dict.fromkeys(("NullReporter", "Reporter"), "sdistill.reporter"),
    **dict.fromkeys(("LocalArchiveSource", "LocalDirectorySource", "Source"), "sdistill.sources"),
    "BuiltWheel": "sdistill.build.wheels",
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


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
