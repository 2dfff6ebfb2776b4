"""The interpreter and platform a resolution is for: wheel tags, markers, Python version.

By default the target is the running interpreter: its tags (``packaging.tags.sys_tags``),
its marker environment and its full Python version. ``--python-version X.Y`` and
``--platform TAG`` describe another one, the way ``pip download --python-version
--platform`` and ``uv pip compile --python-version`` do:

- The tags are CPython's for that version (``cpython_tags``: ``cpXY-cpXY``, ``abi3``,
  ``none``) followed by the pure ones (``compatible_tags``: ``py3X``, ``py3``), on the
  given platforms, else on the running machine's.
- A platform tag stands for the platforms a wheel for it may be installed on: a
  ``manylinux_2_28_x86_64`` also takes ``manylinux_2_17`` (``manylinux2014``) wheels and
  every older glibc down to ``manylinux_2_5``; ``musllinux_1_2`` takes ``musllinux_1_1``;
  ``macosx_14_0_arm64`` every older macOS ``packaging`` knows (and ``universal2``).
- A version given as ``X.Y`` is ``X.Y.0`` wherever a full version is needed (the
  ``python_full_version`` marker, a file's ``Requires-Python``), the lowest patch release,
  as uv reads it.
- Markers: ``python_version`` and ``python_full_version`` follow the version;
  ``sys_platform``, ``platform_system`` and ``platform_machine`` follow the first platform
  given (Linux for ``manylinux``/``musllinux``/``linux``, Darwin for ``macosx``, Windows
  for ``win``), the other markers stay the running interpreter's.
"""

from __future__ import annotations

import platform
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from packaging import tags as wheel_tags
from packaging.markers import default_environment
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.tags import Tag
from packaging.version import InvalidVersion, Version

__all__ = ["TargetEnvironment"]

_LEGACY_MANYLINUX = {"manylinux2014": (2, 17), "manylinux2010": (2, 12), "manylinux1": (2, 5)}


@dataclass(frozen=True, eq=False)
class TargetEnvironment:
    """The interpreter wheels, markers and ``Requires-Python`` are judged for.

    ``python_version`` is the full version (``"3.11.7"``, or ``"3.9.0"`` for a target
    given as ``3.9``); ``tags`` the supported wheel tags, most preferred first;
    ``markers`` the PEP 508 marker environment (without ``extra``).
    """

    python_version: str
    tags: tuple[Tag, ...]
    markers: dict[str, str]
    #: The platform tags the target was asked for (empty: the running machine's).
    platforms: tuple[str, ...] = ()
    _priority: dict[Tag, int] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._priority.update((tag, i) for i, tag in reversed(list(enumerate(self.tags))))

    @classmethod
    def current(cls) -> TargetEnvironment:
        """The running interpreter."""
        return cls(platform.python_version(), tuple(wheel_tags.sys_tags()), _markers())

    @classmethod
    def create(
        cls, python_version: str | None = None, platforms: Sequence[str] | None = None
    ) -> TargetEnvironment:
        """The running interpreter, or CPython ``python_version`` (``"3.9"``,
        ``"3.9.18"``) on ``platforms`` (wheel platform tags; default: this machine's)."""
        if python_version is None and not platforms:
            return cls.current()
        full = _full_version(python_version or platform.python_version())
        major, minor = (int(part) for part in full.split(".")[:2])
        wanted = list(_expand(platforms)) if platforms else list(wheel_tags.platform_tags())
        found = [
            *wheel_tags.cpython_tags((major, minor), platforms=wanted),
            *wheel_tags.compatible_tags((major, minor), f"cp{major}{minor}", wanted),
        ]
        unique = tuple(dict.fromkeys(found))
        markers = _markers()
        markers.update(
            python_version=f"{major}.{minor}",
            python_full_version=full,
            implementation_version=full,
        )
        if python_version is not None and markers["implementation_name"] != "cpython":
            markers.update(implementation_name="cpython", platform_python_implementation="CPython")
        if platforms:
            markers.update(_platform_markers(platforms[0]))
        return cls(full, unique, markers, tuple(platforms or ()))

    def supports(self, tag_set: Iterable[Tag]) -> int | None:
        """The priority of the best of a wheel's tags (lower is better); ``None`` when
        the target supports none of them."""
        best = None
        for tag in tag_set:
            rank = self._priority.get(tag)
            if rank is not None and (best is None or rank < best):
                best = rank
        return best

    def allows_python(self, requires_python: str | None) -> bool:
        """Whether a ``Requires-Python`` admits the target's version (an unreadable one
        does, as pip and uv treat it)."""
        if not requires_python:
            return True
        return _admits(requires_python, self.python_version)

    def marker_environment(self, extra: str = "") -> dict[str, str]:
        """The marker environment with ``extra`` set."""
        return {**self.markers, "extra": extra}


def _full_version(text: str) -> str:
    try:
        version = Version(text)
    except InvalidVersion:
        raise ValueError(f"not a Python version: {text!r}") from None
    release = (*version.release, 0, 0)[:3]
    if len(version.release) < 2:
        raise ValueError(f"not a Python version (X.Y expected): {text!r}")
    return ".".join(str(part) for part in release)


def _expand(platforms: Iterable[str]) -> Iterator[str]:
    """Each platform tag followed by the older ones its machines also run."""
    for given in platforms:
        yield from _older(given.replace("-", "_").replace(".", "_"))


def _older(tag: str) -> Iterator[str]:
    yield tag
    kind, _, rest = tag.partition("_")
    if kind in _LEGACY_MANYLINUX:
        major, minor = _LEGACY_MANYLINUX[kind]
        yield from _glibc(major, minor, rest, "manylinux")
    elif kind in ("manylinux", "musllinux"):
        parts = rest.split("_", 2)
        if len(parts) == 3 and parts[0].isdigit() and parts[1].isdigit():
            yield from _glibc(int(parts[0]), int(parts[1]), parts[2], kind)
    elif kind == "macosx":
        parts = rest.split("_", 2)
        if len(parts) == 3 and parts[0].isdigit() and parts[1].isdigit():
            version = (int(parts[0]), int(parts[1]))
            yield from (t for t in wheel_tags.mac_platforms(version, parts[2]) if t != tag)


def _glibc(major: int, minor: int, arch: str, kind: str) -> Iterator[str]:
    """``kind_major_minor_arch`` for each older minor, and the legacy aliases."""
    for older in range(minor, -1, -1):
        if kind == "manylinux" and older < 5:
            break
        name = f"{kind}_{major}_{older}_{arch}"
        yield name
        if kind == "manylinux":
            aliases = [alias for alias, v in _LEGACY_MANYLINUX.items() if v == (2, older)]
            yield from (f"{alias}_{arch}" for alias in aliases)


def _platform_markers(tag: str) -> dict[str, str]:
    """``sys_platform``, ``platform_system`` and ``platform_machine`` of a platform tag."""
    tag = tag.replace("-", "_").replace(".", "_")
    if tag.startswith(("manylinux", "musllinux", "linux")):
        machine = _arch(tag)
        return {"sys_platform": "linux", "platform_system": "Linux", "platform_machine": machine}
    if tag.startswith("macosx"):
        machine = _arch(tag)
        machine = "arm64" if machine == "arm64" else "x86_64"
        return {"sys_platform": "darwin", "platform_system": "Darwin", "platform_machine": machine}
    if tag.startswith("win"):
        machine = {"win32": "x86", "win_amd64": "AMD64", "win_arm64": "ARM64"}.get(tag, "AMD64")
        return {"sys_platform": "win32", "platform_system": "Windows", "platform_machine": machine}
    return {}


def _arch(tag: str) -> str:
    """The machine at the end of a Linux or macOS platform tag (``x86_64``, ``aarch64``)."""
    for arch in ("x86_64", "aarch64", "arm64", "ppc64le", "s390x", "i686", "armv7l", "riscv64"):
        if tag.endswith("_" + arch):
            return arch
    return tag.rpartition("_")[2]


def _markers() -> dict[str, str]:
    """The running interpreter's marker environment."""
    return {key: str(value) for key, value in default_environment().items()}


@lru_cache(maxsize=8192)
def _admits(requires_python: str, python_version: str) -> bool:
    """``allows_python``, remembered: a project page repeats a handful of
    ``Requires-Python`` values over thousands of files."""
    try:
        return SpecifierSet(requires_python).contains(python_version, prereleases=True)
    except InvalidSpecifier:
        return True
