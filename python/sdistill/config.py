"""``BuilderConfig``: everything a ``SourceDistBuilder`` is made with, as one value.

A config is read once, when it is made: each argument given wins; an argument left
``None`` is read from the environment (``sdistill.environment``: the cache root, the
build constraints file, timeouts, retries, the page size limit, Git LFS), else its default.
After that it is a plain value -- frozen, hashable when its config settings are,
equal to its ``pickle`` round trip -- so it can be sent to another process or machine,
which then uses the values read here, not its own environment. A constraints file is
read here too: the config carries its requirements, not its path.

Every collection is stored immutable and normalised, so configs that mean the same
compare equal: URLs as tuples, ``refresh`` as ``True``/``False`` or a frozenset of
normalised project names, mappings (config settings, extra build dependencies,
``Cache-Control`` overrides) as a :class:`FrozenMapping` -- read-only, hashable,
picklable -- with a config setting's list of values as a tuple (``config_settings_dict()``
gives lists back). Making a config from a config's own values (``dataclasses.replace``)
changes nothing else.

The reporter is not part of it (an object with behaviour, not a value): the builder
takes it separately.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from packaging.utils import canonicalize_name

from sdistill import _core, environment, records
from sdistill.build.constraints import constraints_of, extra_dependencies_of

TYPE_CHECKING = False
if TYPE_CHECKING:
    from sdistill.index import Strategy

__all__ = ["BuilderConfig", "FrozenMapping"]

K = TypeVar("K")
V = TypeVar("V")

_STRATEGIES = ("first-match", "merge")
_INSTALLERS = (None, "uv", "pip")


class FrozenMapping(Mapping[K, V]):
    """A read-only mapping that is hashable (when its values are) and pickles as a dict;
    equal to any mapping with the same items."""

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[K, V] | Iterable[tuple[K, V]] = ()) -> None:
        self._items: dict[K, V] = dict(items)

    def __getitem__(self, key: K) -> V:
        return self._items[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(frozenset(self._items.items()))

    def __repr__(self) -> str:
        return f"FrozenMapping({self._items!r})"

    def __reduce__(self) -> tuple[object, ...]:
        return (FrozenMapping, (self._items,))


@dataclass(frozen=True, init=False)
class BuilderConfig:
    """How a ``SourceDistBuilder`` works: where it caches, where packages come from, how
    it builds and how long it waits. Arguments win over the environment (see the module
    doc); every argument but ``cache_dir`` is keyword-only."""

    #: The cache root, absolute: the argument (``~`` expanded), else
    #: ``$SDISTILL_CACHE_DIR``, else the user cache directory.
    cache_dir: str
    #: The package index; ``None`` means none (find-links only).
    index_url: str | None
    extra_index_urls: tuple[str, ...]
    find_links: tuple[str, ...]
    #: How several indexes are searched: ``"first-match"`` or ``"merge"``.
    index_strategy: Strategy
    #: Index URL (with one trailing ``/``) -> the ``Cache-Control`` its pages are given.
    index_cache_control: Mapping[str, str]
    offline: bool
    #: ``True`` (revalidate everything once), ``False``, or the normalised names of the
    #: projects to revalidate.
    refresh: bool | frozenset[str]
    build_isolation: bool
    #: The PEP 517 config settings; a list of values is stored as a tuple.
    config_settings: Mapping[str, Any]
    no_build: bool
    #: Hooks run at once; ``None``: the CPU count of the machine the builder runs on.
    jobs: int | None
    #: ``"uv"``, ``"pip"`` or ``None`` (uv if found, else pip).
    installer: str | None
    #: Requirement strings bounding every build environment, sorted.
    build_constraints: tuple[str, ...]
    #: Normalised project name -> requirements added to its build environment.
    extra_build_dependencies: Mapping[str, tuple[str, ...]]
    #: Seconds to establish a connection.
    connect_timeout: float
    #: Seconds a read may wait for data.
    http_timeout: float
    #: Retries of a failed request.
    http_retries: int
    #: Seconds to wait for a cache lock.
    lock_timeout: float
    #: Bytes of the largest index page accepted.
    max_page_size: int
    #: Whether git checkouts get Git LFS content (else LFS files stay pointer files).
    git_lfs: bool

    def __init__(
        self,
        cache_dir: str | os.PathLike[str] | None = None,
        *,
        index_url: str | None = records.DEFAULT_INDEX_URL,
        extra_index_urls: Iterable[str] = (),
        find_links: Iterable[str | os.PathLike[str]] = (),
        index_strategy: Strategy = "first-match",
        index_cache_control: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
        offline: bool = False,
        refresh: bool | Iterable[str] = False,
        build_isolation: bool = True,
        config_settings: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None,
        no_build: bool = False,
        jobs: int | None = None,
        installer: str | None = None,
        build_constraints: str | os.PathLike[str] | Iterable[str] | None = None,
        extra_build_dependencies: Mapping[str, Iterable[str]]
        | Iterable[tuple[str, Iterable[str]]]
        | None = None,
        connect_timeout: float | None = None,
        http_timeout: float | None = None,
        http_retries: int | None = None,
        lock_timeout: float | None = None,
        max_page_size: int | None = None,
        git_lfs: bool | None = None,
    ) -> None:
        """``build_constraints``: a constraints file's path or requirement strings; when
        ``None``, the file ``$SDISTILL_BUILD_CONSTRAINT`` names, if set (``[]`` means
        none, whatever the environment says). ``extra_build_dependencies`` maps a
        project name to requirements added to its build environment. ``None`` for a
        timeout, the retries, the page size or ``git_lfs``: the environment, else the
        default.
        A bad argument is a ``ValueError``; a bad environment value an
        ``SdistillError`` naming the variable; a bad requirement an ``SdistillError``."""
        if index_strategy not in _STRATEGIES:
            raise ValueError(f"unknown index strategy {index_strategy!r}")
        if installer not in _INSTALLERS:
            raise ValueError(f"unknown installer {installer!r} (expected 'uv' or 'pip')")
        if jobs is not None and jobs < 0:
            raise ValueError(f"jobs must be a positive number, not {jobs}")
        root = environment.cache_dir() if cache_dir is None else os.fspath(cache_dir)
        if build_constraints is None:
            build_constraints = environment.build_constraint() or ()
        settings = dict(config_settings or {})
        extras = extra_dependencies_of(dict(extra_build_dependencies or {}))
        overrides = dict(index_cache_control or {})
        values: dict[str, object] = {
            "cache_dir": os.path.abspath(os.path.expanduser(root)),
            "index_url": index_url,
            "extra_index_urls": tuple(extra_index_urls),
            "find_links": tuple(os.fspath(link) for link in find_links),
            "index_strategy": index_strategy,
            "index_cache_control": FrozenMapping(
                (_core.index_url_key(url), value) for url, value in sorted(overrides.items())
            ),
            "offline": bool(offline),
            "refresh": _refresh(refresh),
            "build_isolation": bool(build_isolation),
            "config_settings": FrozenMapping(
                (str(name), _frozen(value)) for name, value in sorted(settings.items())
            ),
            "no_build": bool(no_build),
            "jobs": jobs or None,
            "installer": installer,
            "build_constraints": tuple(constraints_of(build_constraints)),
            "extra_build_dependencies": FrozenMapping(sorted(extras.items())),
            "connect_timeout": _seconds(
                "connect_timeout", connect_timeout, environment.connect_timeout
            ),
            "http_timeout": _seconds("http_timeout", http_timeout, environment.http_timeout),
            "http_retries": _count("http_retries", http_retries, environment.http_retries),
            "lock_timeout": _seconds("lock_timeout", lock_timeout, environment.lock_timeout),
            "max_page_size": _count("max_page_size", max_page_size, environment.max_page_size),
            "git_lfs": environment.git_lfs() if git_lfs is None else bool(git_lfs),
        }
        for name, value in values.items():
            object.__setattr__(self, name, value)

    @classmethod
    def create(
        cls,
        cache_dir: str | os.PathLike[str] | None = None,
        index_url: str | None = records.DEFAULT_INDEX_URL,
        extra_index_urls: Iterable[str] = (),
        offline: bool = False,
        refresh: bool | Iterable[str] = False,
        build_isolation: bool = True,
        config_settings: Mapping[str, Any] | None = None,
        no_build: bool = False,
        **keywords: Any,
    ) -> BuilderConfig:
        """A config from ``SourceDistBuilder``'s own parameters, positional ones in its
        historical order (``cache_dir, index_url, extra_index_urls, offline, refresh,
        build_isolation, config_settings, no_build``); everything else by keyword."""
        return cls(
            cache_dir,
            index_url=index_url,
            extra_index_urls=extra_index_urls,
            offline=offline,
            refresh=refresh,
            build_isolation=build_isolation,
            config_settings=config_settings,
            no_build=no_build,
            **keywords,
        )

    @property
    def index_urls(self) -> tuple[str, ...]:
        """The indexes searched, in order: ``index_url`` (if any), then the extra ones."""
        return (*([self.index_url] if self.index_url else []), *self.extra_index_urls)

    def config_settings_dict(self) -> dict[str, Any]:
        """The config settings as a plain dict, a tuple of values back as a list."""
        return {
            name: list(value) if isinstance(value, tuple) else value
            for name, value in self.config_settings.items()
        }

    def job_count(self) -> int:
        """``jobs``, else the CPU count of this machine."""
        return self.jobs or os.cpu_count() or 1


def _refresh(given: bool | Iterable[str]) -> bool | frozenset[str]:
    if isinstance(given, bool):
        return given
    if isinstance(given, str):
        raise ValueError(f"refresh takes project names, not a string: {given!r}")
    names = frozenset(canonicalize_name(name) for name in given)
    return names or False


def _frozen(value: Any) -> Any:
    """A config setting's value, immutable: a list (PEP 517: several values) as a tuple."""
    return tuple(value) if isinstance(value, (list, tuple)) else value


def _seconds(name: str, given: float | None, from_environment: Callable[[], float]) -> float:
    if given is None:
        return from_environment()
    if not 0 <= given < float("inf"):
        raise ValueError(f"{name} must be a non-negative number of seconds, not {given}")
    return float(given)


def _count(name: str, given: int | None, from_environment: Callable[[], int]) -> int:
    if given is None:
        return from_environment()
    if isinstance(given, bool) or not isinstance(given, int) or given < 0:
        raise ValueError(f"{name} must be a non-negative whole number, not {given!r}")
    return given
