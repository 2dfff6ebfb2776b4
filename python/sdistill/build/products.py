"""The two things the cached flow makes: core metadata, and wheels.

Metadata comes from the source itself when it states it reliably (``static_metadata``:
an sdist's ``PKG-INFO`` of metadata version 2.2 or later without dynamic fields, or a
static ``[project]`` table), when it agrees with the request; else from the backend's
``prepare_metadata_for_build_*`` hook (a backend without it builds a wheel, kept). A
wheel is always built by the backend -- unless a sound wheel is already recorded and
only its ``METADATA`` record was damaged, which is then recorded again from the wheel.
"""

from __future__ import annotations

from pathlib import Path

from packaging.metadata import Metadata

from sdistill import _core
from sdistill.build import answers, static_metadata
from sdistill.build.backend import Backends
from sdistill.build.build_system import read_build_system, read_pyproject
from sdistill.build.wheels import BuiltWheel, compatible_wheel, read_wheel_metadata
from sdistill.errors import NoBuildError
from sdistill.sources.base import Source, stated_by

__all__ = ["MetadataProduct", "WheelProduct"]


class MetadataProduct:
    """Core metadata of a source."""

    def __init__(self, backends: Backends, no_build: bool) -> None:
        self._backends = backends
        self._no_build = no_build

    def read(self, src: Source, found: _core.Answers, locked: bool) -> Metadata | None:
        return answers.read_metadata(found, locked)

    def make(
        self, src: Source, tree: Path, revision: _core.Revision, at: _core.Answers
    ) -> tuple[Metadata, str]:
        pyproject = read_pyproject(tree)
        read_build_system(tree, pyproject)  # an invalid project fails even when static
        candidates = []
        # An sdist's PKG-INFO describes the project at its top, not a subdirectory's.
        if src.tree_is_sdist:
            candidates.append(static_metadata.from_pkg_info(tree))
        candidates.append(static_metadata.from_pyproject(pyproject, src.version))
        for static in candidates:
            if static is not None and stated_by(static[0], src.name, src.version):
                return static
        if self._no_build:
            raise NoBuildError(f"{src.url}: metadata needs a build, and builds are off")
        return self._backends.metadata(src, tree, pyproject, at)

    def metadata(self, found: Metadata) -> Metadata:
        return found


class WheelProduct:
    """A wheel of a source for the running interpreter (editable when the source is)."""

    def __init__(self, backends: Backends, no_build: bool) -> None:
        self._backends = backends
        self._no_build = no_build

    def read(self, src: Source, found: _core.Answers, locked: bool) -> BuiltWheel | None:
        return answers.read_wheel(found, locked)

    def make(
        self, src: Source, tree: Path, revision: _core.Revision, at: _core.Answers
    ) -> tuple[BuiltWheel, str]:
        kept = self._kept(at)
        if kept is not None:
            return kept
        if self._no_build:
            raise NoBuildError(f"{src.url}: a wheel needs a build, and builds are off")
        wheel, metadata, text = self._backends.wheel(src, tree, read_pyproject(tree), at)
        return BuiltWheel(wheel, wheel.name, metadata), text

    def _kept(self, at: _core.Answers) -> tuple[BuiltWheel, str] | None:
        """A recorded wheel whose seal holds (its ``METADATA`` record was what failed),
        with the metadata read from it; a wheel that fails its seal or cannot be read
        is removed (it is built again)."""
        wheel = compatible_wheel(Path(at.wheels))
        if wheel is None:
            return None
        if _core.check_wheel(wheel).status == "ok":
            try:
                metadata, text = read_wheel_metadata(wheel)
            except Exception as err:  # an unreadable cached wheel is a miss: it is rebuilt
                answers.damaged(wheel, f"unreadable: {err}")
            else:
                return BuiltWheel(wheel, wheel.name, metadata), text
        answers.remove_wheel(wheel)
        return None

    def metadata(self, found: BuiltWheel) -> Metadata:
        return found.metadata
