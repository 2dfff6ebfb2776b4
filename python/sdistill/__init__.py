"""sdistill: Python source distributions turned into metadata and wheels -- fast, cached, safe.

Every public name is loaded on first use (PEP 562): ``import sdistill`` costs almost
nothing, so a warm ``sdistill metadata`` and the cache commands start fast, and the
build side (``packaging.metadata``, ``pyproject_hooks``) loads only when a build may be
needed.
"""

from __future__ import annotations

# Not `from typing import TYPE_CHECKING`: typing alone costs a warm run milliseconds.
TYPE_CHECKING = False

#: The public API: each name, by the module it lives in. ``__all__``, ``dir()`` and the
#: lazy loading below all come from this table.
_PUBLIC: dict[str, tuple[str, ...]] = {
    "sdistill._core": ("__version__", "cache_digest", "canonical_url"),
    "sdistill.build.wheels": ("BuiltWheel",),
    "sdistill.builder": ("SourceDistBuilder",),
    "sdistill.cache": ("BucketSize", "Cache", "CacheSize", "Removal"),
    "sdistill.config": ("BuilderConfig",),
    "sdistill.errors": (
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
    ),
    "sdistill.extraction": ("ExtractResult", "extract"),
    "sdistill.reporter": ("NullReporter", "Reporter"),
    "sdistill.sources": ("LocalArchiveSource", "LocalDirectorySource", "Source"),
}

# The same names once more, for type checkers only: mypy reads neither the table nor
# `__getattr__`, so without these imports every public name would be `Any` to users.
# The `X as X` form re-exports each name under `--strict` (mypy cannot read the
# computed `__all__`). `tests/test_config.py` checks that both lists agree.
if TYPE_CHECKING:
    from typing import Any

    from sdistill._core import __version__ as __version__
    from sdistill._core import cache_digest as cache_digest
    from sdistill._core import canonical_url as canonical_url
    from sdistill.build.wheels import BuiltWheel as BuiltWheel
    from sdistill.builder import SourceDistBuilder as SourceDistBuilder
    from sdistill.cache import BucketSize as BucketSize
    from sdistill.cache import Cache as Cache
    from sdistill.cache import CacheSize as CacheSize
    from sdistill.cache import Removal as Removal
    from sdistill.config import BuilderConfig as BuilderConfig
    from sdistill.errors import ArchiveError as ArchiveError
    from sdistill.errors import BuildError as BuildError
    from sdistill.errors import CacheError as CacheError
    from sdistill.errors import GitError as GitError
    from sdistill.errors import HashMismatchError as HashMismatchError
    from sdistill.errors import InvalidSourceError as InvalidSourceError
    from sdistill.errors import MetadataMismatchError as MetadataMismatchError
    from sdistill.errors import NetworkError as NetworkError
    from sdistill.errors import NoBuildError as NoBuildError
    from sdistill.errors import OfflineError as OfflineError
    from sdistill.errors import SdistillError as SdistillError
    from sdistill.errors import UnsafeArchiveError as UnsafeArchiveError
    from sdistill.errors import UnsupportedArchiveError as UnsupportedArchiveError
    from sdistill.extraction import ExtractResult as ExtractResult
    from sdistill.extraction import extract as extract
    from sdistill.reporter import NullReporter as NullReporter
    from sdistill.reporter import Reporter as Reporter
    from sdistill.sources import LocalArchiveSource as LocalArchiveSource
    from sdistill.sources import LocalDirectorySource as LocalDirectorySource
    from sdistill.sources import Source as Source

#: Where each public name lives, by name (sorted).
_LAZY = dict(sorted((name, module) for module, names in _PUBLIC.items() for name in names))

__all__ = list(_LAZY)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'sdistill' has no attribute {name!r}")
    import importlib  # noqa: PLC0415 (not needed by a warm command line)

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
