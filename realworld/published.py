"""What is published: the pinned releases of ``projects.txt`` and their pure wheels.

``read_projects`` reads the ``name==version  # group`` list. ``wheel_metadata`` finds the
release's pure-Python wheel on the index's PEP 691 JSON page, downloads it once into the
wheel directory (its sha256 checked against the index; a wheel already there is reused)
and reads its ``METADATA`` and the generator of its ``WHEEL`` file; ``parse_metadata``
gives the compared fields of that ``METADATA`` as ``sdistill metadata --json`` has them.
Only the standard library and ``packaging``.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.metadata import parse_email
from packaging.utils import (
    InvalidWheelFilename,
    canonicalize_name,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

DEFAULT_INDEX = "https://pypi.org/simple"
JSON_ACCEPT = "application/vnd.pypi.simple.v1+json"


# --- the project list -------------------------------------------------------------------


@dataclass(frozen=True)
class Project:
    name: str
    version: str
    group: str

    @property
    def spec(self) -> str:
        return f"{self.name}=={self.version}"


def read_projects(path: Path) -> list[Project]:
    """``name==version  # group`` lines; blank lines and ``#`` comments are skipped."""
    projects: list[Project] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        text, _, comment = line.partition("#")
        text = text.strip()
        if not text:
            continue
        name, sep, version = text.partition("==")
        if not sep or not name.strip() or not version.strip():
            raise SystemExit(f"{path}:{number}: expected NAME==VERSION, got {text!r}")
        projects.append(Project(name.strip(), version.strip(), comment.strip()))
    return projects


# --- the published wheel ----------------------------------------------------------------


def _get(url: str, accept: str | None = None, timeout: float = 120) -> bytes:
    headers = {"User-Agent": "sdistill-realworld"}
    if accept:
        headers["Accept"] = accept
    request = urllib.request.Request(url, headers=headers)
    last: Exception | None = None
    for attempt in range(4):
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                data: bytes = response.read()
                return data
        except OSError as err:  # URLError and timeouts are OSErrors
            last = err
            time.sleep(2**attempt)
    assert last is not None
    raise last


def find_wheel(project: Project, index: str) -> tuple[str, str, str | None]:
    """``(filename, url, sha256)`` of the project's pure wheel, from the PEP 691 page."""
    page_url = f"{index.rstrip('/')}/{canonicalize_name(project.name)}/"
    page = json.loads(_get(page_url, accept=JSON_ACCEPT))
    want = Version(project.version)
    found: list[tuple[int, str, str, str | None]] = []
    for file in page.get("files", []):
        filename = file["filename"]
        if not filename.endswith(".whl") or file.get("yanked"):
            continue
        try:
            _, version, _, tags = parse_wheel_filename(filename)
        except (InvalidWheelFilename, InvalidVersion):
            continue
        pure = all(t.abi == "none" and t.platform == "any" for t in tags)
        if version != want or not pure or not any(t.interpreter == "py3" for t in tags):
            continue
        url = urllib.parse.urljoin(page_url, file["url"])
        found.append((len(tags), filename, url, file.get("hashes", {}).get("sha256")))
    if found:
        _, filename, url, sha256 = min(found)
        return filename, url, sha256
    raise LookupError(f"no pure-Python wheel of {project.spec} on {index}")


_download_locks: dict[str, threading.Lock] = {}
_download_guard = threading.Lock()


def wheel_metadata(project: Project, index: str, wheel_dir: Path) -> tuple[str, str, str]:
    """``(wheel filename, METADATA text, WHEEL generator)``; the wheel is downloaded once."""
    with _download_guard:
        lock = _download_locks.setdefault(project.spec, threading.Lock())
    with lock:
        folder = wheel_dir / canonicalize_name(project.name)
        cached = [p for p in sorted(folder.glob("*.whl")) if _is_wheel_of(p.name, project)]
        if cached:
            path = cached[0]
        else:
            filename, url, sha256 = find_wheel(project, index)
            data = _get(url, timeout=600)
            if sha256 and hashlib.sha256(data).hexdigest() != sha256:
                raise ValueError(f"{filename}: sha256 does not match the index")
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / filename
            with tempfile.NamedTemporaryFile(dir=folder, delete=False) as out:
                out.write(data)
            os.replace(out.name, path)
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        dist_info = [n for n in names if n.count("/") == 1 and n.endswith(".dist-info/METADATA")]
        if len(dist_info) != 1:
            raise ValueError(f"{path.name}: {len(dist_info)} .dist-info/METADATA files")
        metadata = archive.read(dist_info[0]).decode("utf-8")
        wheel_file = dist_info[0].rsplit("/", 1)[0] + "/WHEEL"
        generator = ""
        if wheel_file in names:
            for line in archive.read(wheel_file).decode("utf-8", "replace").splitlines():
                if line.lower().startswith("generator:"):
                    generator = line.split(":", 1)[1].strip()
    return path.name, metadata, generator


def _is_wheel_of(filename: str, project: Project) -> bool:
    try:
        _, version, _, _ = parse_wheel_filename(filename)
    except (InvalidWheelFilename, InvalidVersion):
        return False
    return version == Version(project.version)


def parse_metadata(text: str) -> dict[str, Any]:
    """The compared fields of a ``METADATA`` file, as ``sdistill metadata --json`` has them.

    ``parse_email`` is what ``Metadata.from_email`` reads with; its raw strings are kept
    here so that one bad requirement is reported rather than hiding the file.
    """
    raw, _ = parse_email(text)
    return {
        "name": raw.get("name"),
        "version": raw.get("version"),
        "requires_python": raw.get("requires_python"),
        "requires_dist": list(raw.get("requires_dist", [])),
        "provides_extra": list(raw.get("provides_extra", [])),
    }
