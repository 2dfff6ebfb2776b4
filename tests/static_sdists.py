"""Small sdists written by the tests: a PKG-INFO that states the metadata (no build
needed) and a ``pyproject.toml`` naming setuptools."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

PYPROJECT = b'[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n'


def static_sdist(path: Path, pkg_info: str, top: str = "demo_pkg-1.0") -> Path:
    """Writes a ``.tar.gz`` sdist at ``path`` whose ``PKG-INFO`` is ``pkg_info``."""
    with tarfile.open(path, "w:gz") as tar:
        for member, data in {"PKG-INFO": pkg_info.encode(), "pyproject.toml": PYPROJECT}.items():
            info = tarfile.TarInfo(f"{top}/{member}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path
