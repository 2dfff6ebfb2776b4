"""A loopback package index over a set of distribution files, on :class:`HttpServer`.

Not a test module: a helper the index tests and the benchmarks use. It serves the
simple repository API the way PyPI does, both flavours, chosen by the ``Accept`` header:

- PEP 503 HTML (``text/html`` or ``application/vnd.pypi.simple.v1+html``; also the answer
  when there is no ``Accept`` header): one anchor per file, with a *relative* ``href``
  (``../../files/<filename>#sha256=...``; the pages have no ``<base>``), and
  ``data-requires-python`` (HTML-escaped), ``data-yanked``, ``data-core-metadata`` and
  ``data-dist-info-metadata`` where they apply;
- PEP 691 JSON (``application/vnd.pypi.simple.v1+json``), api-version 1.1 (PEP 700:
  ``versions``, ``size``, ``upload-time``), with *absolute* file URLs.

``Accept`` q-values are honoured (the supported type with the highest q wins; ties go
to the more specific range, then to the client's order, then to HTML); ``?format=<type>``
overrides the header as on PyPI; nothing acceptable gives 406. Pages carry
``Content-Type``, ``Cache-Control`` (:meth:`SimpleIndex.set_cache_control`), ``Vary:
Accept`` and an ``ETag``; a matching ``If-None-Match`` gets 304.

Layout (``url`` is ``http://127.0.0.1:PORT/simple/``)::

    /simple/                           the project list (HTML or JSON)
    /simple/<normalized-name>/         a project page; unknown project: 404
    /simple/<Other_Spelling>/          301 to the normalized page (see below)
    /files/<filename>                  the file (Cache-Control: max-age=365000000, immutable)
    /files/<wheel filename>.metadata   the wheel's METADATA (PEP 658 / PEP 714)

Files answer single byte ranges (``Range: bytes=a-b``, ``bytes=a-``, ``bytes=-n``) with
206 and ``Content-Range`` (``Accept-Ranges: bytes``; a range past the end: 416; a
multi-range or malformed ``Range``: 200 with the whole file; ``If-Range`` honoured when
there are caching headers). :meth:`SimpleIndex.set_range_mode` makes the files of the
index (or one file) behave as other servers do:

- ``"honour"`` (the default): as above;
- ``"ignore"``: ``Range`` is ignored, 200 with the whole file, no ``Accept-Ranges``;
- ``"refuse"``: ``Accept-Ranges: none`` and 200 with the whole file;
- ``"wrong-range"``: 206 with the bytes of *another* range than the one asked for, and
  a ``Content-Range`` that says so (never one containing the range asked for); with
  ``honest_first=n`` the first ``n`` range requests of each file are answered right,
  so a client's later reads (the directory, the member) get the wrong range.

:meth:`SimpleIndex.serve_core_metadata` (``False``) drops the PEP 658 attributes from
the pages and makes the ``.metadata`` files 404, as on most mirrors;
:meth:`SimpleIndex.send_caching_headers` (``False``) drops ``Cache-Control`` and
``ETag`` everywhere. Per file, :meth:`SimpleIndex.file_request_count` and
:meth:`SimpleIndex.file_bytes_sent` count the requests for the file and the bytes of
body sent for them (:meth:`SimpleIndex.file_requests` has each :class:`Request`, with
its ``Range`` header, response ``status`` and ``body_bytes_sent``).

:class:`HttpServer` routes exact paths only, so the 301s for non-normalized names are
routed for the spellings a client plausibly sends: the name as in the file names and in
the metadata, its lower/upper/capitalized forms, each with ``-``, ``_`` or ``.``
between words, and every page path without its trailing slash. Any other spelling is
a 404 (installers normalize before asking, so they never see the difference).

Each file's project and version come from its name (``packaging.utils``; an sdist name
packaging rejects -- ``.tar.bz2``, a legacy version -- is split on its last ``-``); its
sha256, ``Requires-Python`` (from the sdist's ``PKG-INFO`` or the wheel's ``METADATA``)
and a wheel's METADATA are read once, when first needed, and kept.

Use::

    from simple_index import SimpleIndex
    from simple_index import simple_index as simple_index_fixture  # noqa: F401

    def test_x(simple_index: SimpleIndex, wheelhouse: Path) -> None:
        simple_index.add(wheelhouse / "flit_core-4.2.0-py3-none-any.whl")
        simple_index.yank("flit_core-4.2.0-py3-none-any.whl", "broken")
        ... index_url=simple_index.url ...
        assert simple_index.server.count("/simple/flit-core/") == 1

or from a shell, serving every distribution in some directories until interrupted::

    python tests/simple_index.py DIR [DIR ...] [--port N]
"""

from __future__ import annotations

import argparse
import datetime
import email.parser
import hashlib
import html
import json
import re
import signal
import sys
import tarfile
import threading
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Literal
from urllib.parse import parse_qs, quote

import pytest
from http_server import HttpServer, Reply, Request
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

__all__ = [
    "DIST_EXTENSIONS",
    "FILE_CACHE_CONTROL",
    "HTML",
    "JSON",
    "PYPI_HTML",
    "RANGE_MODES",
    "RangeMode",
    "SimpleIndex",
    "find_dists",
    "main",
    "negotiate",
    "parse_dist_filename",
    "parse_range",
    "simple_index",
]

JSON = "application/vnd.pypi.simple.v1+json"
PYPI_HTML = "application/vnd.pypi.simple.v1+html"
HTML = "text/html"
API_VERSION = "1.1"
DEFAULT_CACHE_CONTROL = "max-age=600"
FILE_CACHE_CONTROL = "max-age=365000000, immutable"

#: Distribution file endings this index serves, with the Content-Type of each.
DIST_EXTENSIONS = {
    ".whl": "application/zip",
    ".tar.gz": "application/gzip",
    ".tgz": "application/gzip",
    ".tar.bz2": "application/x-bzip2",
    ".tbz": "application/x-bzip2",
    ".tar.xz": "application/x-xz",
    ".txz": "application/x-xz",
    ".tar.zst": "application/zstd",
    ".tar": "application/x-tar",
    ".zip": "application/zip",
}
_SDIST_EXTENSIONS = tuple(sorted((e for e in DIST_EXTENSIONS if e != ".whl"), key=len)[::-1])

# Offers in the server's order of preference (for ties and ``*/*``), and the media
# ranges naming each one exactly (PEP 691's ``latest`` aliases included).
_OFFERS: dict[str, tuple[str, ...]] = {
    HTML: (HTML,),
    PYPI_HTML: (PYPI_HTML, "application/vnd.pypi.simple.latest+html"),
    JSON: (JSON, "application/vnd.pypi.simple.latest+json"),
}
_MAX_METADATA = 16 * 1024 * 1024  # a larger METADATA / PKG-INFO member is not read

RangeMode = Literal["honour", "ignore", "refuse", "wrong-range"]
#: How the files answer ``Range`` (see :meth:`SimpleIndex.set_range_mode`).
RANGE_MODES: tuple[RangeMode, ...] = ("honour", "ignore", "refuse", "wrong-range")


# -- file names ------------------------------------------------------------------------


def _sdist_extension(filename: str) -> str | None:
    lower = filename.lower()
    return next((e for e in _SDIST_EXTENSIONS if lower.endswith(e)), None)


def parse_dist_filename(filename: str) -> tuple[str, str, str, str]:
    """``(normalized name, display name, version, "wheel" | "sdist")`` of a file name.

    Wheels and standard sdists go through ``packaging.utils``; any other sdist name is
    split on its last ``-`` (the version is then kept as written). ``ValueError`` for a
    name that is neither.
    """
    if filename.endswith(".whl"):
        try:
            name, version, _build, _tags = parse_wheel_filename(filename)
        except InvalidWheelFilename as e:
            raise ValueError(str(e)) from e
        return name, filename.split("-", 1)[0], str(version), "wheel"
    extension = _sdist_extension(filename)
    if extension is None:
        raise ValueError(f"not a distribution file name: {filename!r}")
    display, _, raw_version = filename[: -len(extension)].rpartition("-")
    if not display or not raw_version:
        raise ValueError(f"no name-version in sdist file name: {filename!r}")
    try:
        name, version = parse_sdist_filename(filename)
        return name, display, str(version), "sdist"
    except InvalidSdistFilename:
        return canonicalize_name(display), display, raw_version, "sdist"


def _version_key(version: str) -> tuple[int, Version | str]:
    try:
        return (1, Version(version))
    except InvalidVersion:
        return (0, version)  # legacy versions sort first, among themselves as text


# -- archive contents ------------------------------------------------------------------


def _read_member(path: Path, kind: str) -> bytes | None:
    """A wheel's ``*.dist-info/METADATA`` or an sdist's top-level ``*/PKG-INFO``."""
    try:
        if kind == "wheel" or zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as zf:
                wanted = "METADATA" if kind == "wheel" else "PKG-INFO"
                for info in zf.infolist():
                    parts = info.filename.split("/")
                    if len(parts) != 2 or parts[1] != wanted or info.file_size > _MAX_METADATA:
                        continue
                    if kind == "wheel" and not parts[0].endswith(".dist-info"):
                        continue
                    return zf.read(info)
            return None
        with tarfile.open(path) as tf:
            for member in tf:
                parts = member.name.lstrip("./").split("/")
                if len(parts) == 2 and parts[1] == "PKG-INFO" and member.isfile():
                    if member.size > _MAX_METADATA:
                        return None
                    stream = tf.extractfile(member)
                    return stream.read() if stream is not None else None
    except (OSError, EOFError, tarfile.TarError, zipfile.BadZipFile, ValueError):
        return None
    return None


def _header(metadata: bytes | None, name: str) -> str | None:
    if metadata is None:
        return None
    try:
        text = metadata.decode("utf-8")
    except UnicodeDecodeError:
        text = metadata.decode("latin-1")
    value = email.parser.HeaderParser().parsestr(text).get(name)
    return (str(value).strip() or None) if value is not None else None


# -- the index -------------------------------------------------------------------------


@dataclass
class _Dist:
    """One served file; ``_load`` fills the fields below ``kind`` on first use."""

    path: Path
    filename: str
    project: str  # normalized
    display: str
    version: str
    kind: str
    yanked: str | bool = False  # False, True (no reason) or the reason
    corrupt: bool = False
    loaded: bool = False
    sha256: str = ""
    size: int = 0
    upload_time: str = ""
    requires_python: str | None = None
    metadata: bytes | None = None  # a wheel's METADATA
    metadata_name: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def load(self) -> _Dist:
        with self.lock:
            if not self.loaded:
                digest = hashlib.sha256()
                with self.path.open("rb") as f:
                    for block in iter(lambda: f.read(1 << 20), b""):
                        digest.update(block)
                stat = self.path.stat()
                member = _read_member(self.path, self.kind)
                self.sha256 = digest.hexdigest()
                self.size = stat.st_size
                mtime = datetime.datetime.fromtimestamp(stat.st_mtime, datetime.timezone.utc)
                self.upload_time = mtime.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
                self.requires_python = _header(member, "Requires-Python")
                self.metadata_name = _header(member, "Name")
                self.metadata = member if self.kind == "wheel" else None
                self.loaded = True
        return self

    @property
    def advertised_sha256(self) -> str:
        if self.corrupt:
            return hashlib.sha256(b"corrupted:" + self.sha256.encode()).hexdigest()
        return self.sha256

    @property
    def metadata_sha256(self) -> str | None:
        return hashlib.sha256(self.metadata).hexdigest() if self.metadata is not None else None


def _media_ranges(accept: str) -> list[tuple[str, float, int]]:
    """``(media range, q, position)`` for each well-formed range of an Accept header."""
    ranges = []
    for position, item in enumerate(accept.split(",")):
        media, *params = (p.strip() for p in item.split(";"))
        if "/" not in media:
            continue
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = -1.0
        if 0.0 <= q <= 1.0:
            ranges.append((media.lower(), q, position))
    return ranges


def negotiate(accept: str | None) -> str | None:
    """The media type (:data:`HTML`, :data:`PYPI_HTML` or :data:`JSON`) to answer an
    ``Accept`` header with, or None when none is acceptable (406)."""
    if accept is None or not accept.strip():
        return HTML
    ranges = _media_ranges(accept)
    best: tuple[float, int, int, int] | None = None
    chosen = None
    for preference, (offer, exact) in enumerate(_OFFERS.items()):
        # RFC 9110 §12.5.1: the most specific range matching an offer gives its q.
        match: tuple[int, float, int] | None = None
        for media, q, position in ranges:
            if media in exact:
                specificity = 3
            elif media == offer.split("/")[0] + "/*":
                specificity = 2
            elif media == "*/*":
                specificity = 1
            else:
                continue
            if match is None or specificity > match[0]:
                match = (specificity, q, position)
        if match is None or match[1] <= 0:
            continue
        key = (match[1], match[0], -match[2], -preference)
        if best is None or key > best:
            best, chosen = key, offer
    return chosen


def _etag(body: bytes, content_type: str) -> str:
    return '"' + hashlib.sha256(content_type.encode() + b"\0" + body).hexdigest()[:32] + '"'


def _etag_matches(if_none_match: str, etag: str) -> bool:
    if if_none_match.strip() == "*":
        return True
    return any(t.strip().removeprefix("W/") == etag for t in if_none_match.split(","))


def parse_range(value: str, size: int) -> tuple[int, int] | None:
    """The byte range ``(first, last)``, both included, a ``Range`` header asks of a
    ``size``-byte file; None when the header is to be ignored (malformed, another unit,
    several ranges: the whole file is sent); ``ValueError`` when it cannot be satisfied
    (416)."""
    unit, _, spec = value.strip().partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first_text, dash, last_text = spec.strip().partition("-")
    first_text, last_text = first_text.strip(), last_text.strip()
    if not dash or not (first_text or last_text):
        return None
    if not all(t.isdigit() for t in (first_text, last_text) if t):
        return None
    if not first_text:  # bytes=-n: the last n bytes
        suffix = int(last_text)
        if suffix == 0 or size == 0:
            raise ValueError("an empty suffix range")
        return max(0, size - suffix), size - 1
    first = int(first_text)
    last = int(last_text) if last_text else None
    if last is not None and last < first:
        return None
    if first >= size:
        raise ValueError("a range past the end of the file")
    return first, size - 1 if last is None else min(last, size - 1)


def _another_range(first: int, last: int, size: int) -> tuple[int, int]:
    """A range of ``size`` bytes other than ``(first, last)`` and not containing it."""
    if first > 0:
        return 0, min(last - first, size - 1)
    if size < 2:  # pragma: no cover - no wheel is that small
        return first, last
    return 1, min(last + 1, size - 1)


def _spellings(name: str) -> set[str]:
    words = [w for w in re.split(r"[-_.]+", name) if w]
    found = set()
    for sep in ("-", "_", "."):
        joined = sep.join(words)
        found.update({joined, joined.lower(), joined.upper(), sep.join(w.title() for w in words)})
    return found


class SimpleIndex:
    """A PEP 503 / PEP 691 index of ``files`` on ``server`` (a new :class:`HttpServer`
    on 127.0.0.1 unless given; a given server is not closed by :meth:`close`)."""

    def __init__(self, files: Iterable[Path] = (), *, server: HttpServer | None = None):
        self._owns_server = server is None
        self.server: HttpServer = server if server is not None else HttpServer()
        self.url = self.server.url_for("/simple/")
        self._lock = threading.RLock()
        self._dists: dict[str, _Dist] = {}
        self._routed: dict[str, set[str]] = {}  # project -> spellings routed to it
        self._cache_control: str | None = DEFAULT_CACHE_CONTROL
        self._caching_headers = True
        self._core_metadata = True
        self._range_mode: RangeMode = "honour"
        self._range_modes: dict[str, RangeMode] = {}  # filename -> its own mode
        self._honest_first: dict[str | None, int] = {}  # filename (None: all) -> n
        self._ranges_answered: dict[str, int] = {}  # since the mode was set
        self.server.route("/simple/", self._root_page)
        self.server.route("/simple", self._redirect_to("/simple/"))
        for path in files:
            self.add(path)

    def __enter__(self) -> SimpleIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<SimpleIndex {self.url} ({len(self._dists)} files)>"

    def close(self) -> None:
        if self._owns_server:
            self.server.close()

    # -- editing -------------------------------------------------------------------------

    def add(self, path: Path | str) -> str:
        """Serve the distribution file at ``path`` (replacing a file of the same name);
        returns its normalized project name. ``ValueError`` for a name that is not a
        wheel's or an sdist's."""
        path = Path(path).resolve()
        if not path.is_file():
            raise FileNotFoundError(path)
        project, display, version, kind = parse_dist_filename(path.name)
        dist = _Dist(path, path.name, project, display, version, kind)
        with self._lock:
            self._dists[path.name] = dist
            quoted = quote(path.name)
            for name in {path.name, quoted}:
                self.server.route(f"/files/{name}", self._file_reply(dist.filename))
                if kind == "wheel":
                    self.server.route(
                        f"/files/{name}.metadata", self._metadata_reply(dist.filename)
                    )
            self._route_project(project, {display})
        return project

    def require_basic_auth(self, user: str, password: str) -> str:
        """From now on every request to the index's server (pages, files, metadata)
        needs these credentials, else 401; returns :attr:`url` with them in it."""
        self.server.require_auth(user, password)
        scheme, _, rest = self.url.partition("://")
        return f"{scheme}://{quote(user, safe='')}:{quote(password, safe='')}@{rest}"

    def yank(self, filename: str, reason: str | None = None) -> None:
        """Mark ``filename`` yanked (PEP 592), with ``reason`` if given."""
        with self._lock:
            self._dists[filename].yanked = reason if reason else True

    def unyank(self, filename: str) -> None:
        with self._lock:
            self._dists[filename].yanked = False

    def corrupt_hash(self, filename: str) -> None:
        """Advertise a wrong sha256 for ``filename`` (the file itself is served intact)."""
        with self._lock:
            self._dists[filename].corrupt = True

    def set_cache_control(self, value: str | None) -> None:
        """The ``Cache-Control`` of the index pages (None: send none)."""
        with self._lock:
            self._cache_control = value

    def send_caching_headers(self, enabled: bool) -> None:
        """With ``False``, pages and files go out as many mirrors and private indexes
        send them: no ``Cache-Control``, no ``ETag`` (and never a 304)."""
        with self._lock:
            self._caching_headers = enabled

    def serve_core_metadata(self, enabled: bool) -> None:
        """With ``False``, the pages advertise no PEP 658 / 714 metadata files
        (``data-core-metadata``, ``core-metadata`` and their older names) and the
        ``.metadata`` URLs answer 404, as on most mirrors and private indexes."""
        with self._lock:
            self._core_metadata = enabled

    def set_range_mode(
        self, mode: RangeMode, filename: str | None = None, *, honest_first: int = 0
    ) -> None:
        """How the files answer ``Range`` requests: ``"honour"`` (the default),
        ``"ignore"``, ``"refuse"`` or ``"wrong-range"`` (see the module docstring).
        Without ``filename`` every file gets ``mode`` (forgetting any per-file mode);
        with one, that file only. ``honest_first``: with ``"wrong-range"``, how many
        range requests of each file (counted from now) still get the right range."""
        if mode not in RANGE_MODES:
            raise ValueError(f"unknown range mode {mode!r}; one of {', '.join(RANGE_MODES)}")
        with self._lock:
            if filename is None:
                self._range_mode = mode
                self._range_modes.clear()
                self._honest_first = {None: honest_first}
                self._ranges_answered.clear()
            else:
                self._range_modes[filename] = mode
                self._honest_first[filename] = honest_first
                self._ranges_answered.pop(filename, None)

    def _lies_about_range(self, filename: str) -> bool:
        """Whether this range request of ``filename`` (in wrong-range mode) gets a wrong
        range, counting it."""
        with self._lock:
            answered = self._ranges_answered.get(filename, 0)
            self._ranges_answered[filename] = answered + 1
            honest = self._honest_first.get(filename, self._honest_first.get(None, 0))
            return answered >= honest

    def range_mode(self, filename: str) -> RangeMode:
        """The range mode ``filename`` is served with."""
        with self._lock:
            return self._range_modes.get(filename, self._range_mode)

    # -- counting ------------------------------------------------------------------------

    def _file_paths(self, filename: str) -> list[str]:
        return sorted({f"/files/{filename}", f"/files/{quote(filename)}"})

    def file_requests(self, filename: str) -> list[Request]:
        """The requests received for the file ``filename`` itself (not its
        ``.metadata``), in order, each with its ``status`` and ``body_bytes_sent``."""
        found = [r for path in self._file_paths(filename) for r in self.server.requests(path)]
        return sorted(found, key=lambda r: r.time)

    def file_request_count(self, filename: str) -> int:
        """How many requests the file ``filename`` got (any method, any status)."""
        return len(self.file_requests(filename))

    def file_bytes_sent(self, filename: str) -> int:
        """Bytes of body sent for the file ``filename`` (whole or ranges)."""
        return sum(r.body_bytes_sent for r in self.file_requests(filename))

    def metadata_request_count(self, filename: str) -> int:
        """How many requests the ``.metadata`` file of wheel ``filename`` got."""
        return sum(self.server.count(p + ".metadata") for p in self._file_paths(filename))

    # -- reading -------------------------------------------------------------------------

    def projects(self) -> list[str]:
        """The normalized names of the projects served, sorted."""
        with self._lock:
            return sorted({d.project for d in self._dists.values()})

    def filenames(self, project: str | None = None) -> list[str]:
        """The file names served (of ``project`` only, if given), sorted."""
        with self._lock:
            wanted = canonicalize_name(project) if project is not None else None
            return sorted(d.filename for d in self._dists.values() if wanted in (None, d.project))

    def project_url(self, project: str) -> str:
        return self.server.url_for(f"/simple/{canonicalize_name(project)}/")

    def file_url(self, filename: str) -> str:
        return self.server.url_for(f"/files/{quote(filename)}")

    def sha256(self, filename: str) -> str:
        """The real sha256 of ``filename`` (whatever the pages advertise)."""
        return self._dist(filename).sha256

    # -- routing -------------------------------------------------------------------------

    def _dist(self, filename: str) -> _Dist:
        with self._lock:
            dist = self._dists[filename]
        return dist.load()

    def _route_project(self, project: str, names: set[str]) -> None:
        page = f"/simple/{project}/"
        known = self._routed.setdefault(project, set())
        if not known:
            self.server.route(page, self._project_page(project))
            self.server.route(page.rstrip("/"), self._redirect_to(page))
        for spelling in set().union(*(_spellings(n) for n in names)) - known:
            known.add(spelling)
            if spelling != project:
                for path in (f"/simple/{quote(spelling)}/", f"/simple/{quote(spelling)}"):
                    self.server.route(path, self._redirect_to(page))

    @staticmethod
    def _redirect_to(path: str) -> Callable[[Request], Reply]:
        def reply(request: Request) -> Reply:
            query = request.path.partition("?")[2]
            location = path + ("?" + query if query else "")
            return Reply(301, [("Location", location), ("Content-Type", "text/plain")])

        return reply

    def _file_reply(self, filename: str) -> Callable[[Request], Reply]:
        def reply(request: Request) -> Reply:
            with self._lock:
                dist = self._dists.get(filename)
            if dist is None:  # pragma: no cover - files are never removed
                return Reply(404, {"Content-Type": "text/plain"}, b"gone\n")
            dist.load()
            content_type = next(
                (t for e, t in DIST_EXTENSIONS.items() if filename.lower().endswith(e)),
                "application/octet-stream",
            )
            etag = f'"{dist.sha256}"'
            headers = [("Content-Type", content_type)]
            with self._lock:
                caching = self._caching_headers
                mode = self._range_modes.get(filename, self._range_mode)
            if mode == "refuse":
                headers.append(("Accept-Ranges", "none"))
            elif mode != "ignore":
                headers.append(("Accept-Ranges", "bytes"))
            if caching:
                headers += [("Cache-Control", FILE_CACHE_CONTROL), ("ETag", etag)]
                inm = request.headers.get("if-none-match")
                if inm is not None and _etag_matches(inm, etag):
                    return Reply(304, headers)
            wanted = request.headers.get("range") if mode in ("honour", "wrong-range") else None
            if_range = request.headers.get("if-range")
            # If-Range with a date, or a tag other than ours: the whole (changed) file
            if if_range is not None and (not caching or if_range.strip() != etag):
                wanted = None
            if wanted is not None:
                try:
                    span = parse_range(wanted, dist.size)
                except ValueError:
                    headers.append(("Content-Range", f"bytes */{dist.size}"))
                    return Reply(416, headers, b"")
                if span is not None:
                    if mode == "wrong-range" and self._lies_about_range(filename):
                        span = _another_range(*span, dist.size)
                    first, last = span
                    with dist.path.open("rb") as f:
                        f.seek(first)
                        part = f.read(last - first + 1)
                    headers.append(("Content-Range", f"bytes {first}-{last}/{dist.size}"))
                    headers.append(("Content-Length", str(len(part))))
                    return Reply(206, headers, b"" if request.method == "HEAD" else part)
            body = b"" if request.method == "HEAD" else dist.path.read_bytes()
            headers.append(("Content-Length", str(dist.size)))
            return Reply(200, headers, body)

        return reply

    def _metadata_reply(self, filename: str) -> Callable[[Request], Reply]:
        def reply(request: Request) -> Reply:
            dist = self._dist(filename)
            with self._lock:
                served, caching = self._core_metadata, self._caching_headers
            if dist.metadata is None or not served:
                return Reply(404, {"Content-Type": "text/plain"}, b"no METADATA\n")
            headers = {"Content-Type": "text/plain; charset=utf-8"}
            if caching:
                headers["Cache-Control"] = FILE_CACHE_CONTROL
                headers["ETag"] = f'"{dist.metadata_sha256}"'
            return Reply(200, headers, dist.metadata)

        return reply

    def _negotiated(self, request: Request, render: Callable[[str], bytes]) -> Reply:
        if request.method not in ("GET", "HEAD"):
            return Reply(405, {"Allow": "GET, HEAD", "Content-Type": "text/plain"}, b"")
        formats = parse_qs(request.path.partition("?")[2]).get("format")
        # an unescaped "+" in the query reads as a space: put it back
        accept = formats[-1].replace(" ", "+") if formats else request.headers.get("accept")
        media = negotiate(accept)
        if media is None:
            supported = ", ".join(_OFFERS)
            return Reply(406, {"Content-Type": "text/plain"}, f"acceptable: {supported}\n".encode())
        content_type = HTML + "; charset=utf-8" if media == HTML else media
        body = render(media)
        headers = [("Content-Type", content_type), ("Vary", "Accept")]
        with self._lock:
            caching = self._caching_headers
            if self._cache_control is not None and caching:
                headers.append(("Cache-Control", self._cache_control))
        if not caching:
            return Reply(200, headers, body)
        etag = _etag(body, content_type)
        headers.append(("ETag", etag))
        inm = request.headers.get("if-none-match")
        if inm is not None and _etag_matches(inm, etag):
            return Reply(304, headers)
        return Reply(200, headers, body)

    def _root_page(self, request: Request) -> Reply:
        def render(media: str) -> bytes:
            with self._lock:
                names: dict[str, str] = {}
                for d in sorted(self._dists.values(), key=lambda d: d.filename):
                    names.setdefault(d.project, d.display)
            if media == JSON:
                doc = {
                    "meta": {"api-version": API_VERSION},
                    "projects": [{"name": names[p]} for p in sorted(names)],
                }
                return json.dumps(doc, indent=1).encode()
            anchors = "".join(
                f'    <a href="{quote(p)}/">{html.escape(names[p])}</a><br/>\n'
                for p in sorted(names)
            )
            return _html_page("Simple index", anchors)

        return self._negotiated(request, render)

    def _project_page(self, project: str) -> Callable[[Request], Reply]:
        def reply(request: Request) -> Reply:
            with self._lock:
                dists = [d for d in self._dists.values() if d.project == project]
            if not dists:  # pragma: no cover - files are never removed
                return Reply(404, {"Content-Type": "text/plain"}, b"no such project\n")
            for d in dists:
                d.load()
            dists.sort(key=lambda d: (_version_key(d.version), d.filename))
            with self._lock:  # metadata names are known now: route their spellings too
                self._route_project(project, {d.metadata_name for d in dists if d.metadata_name})
                snapshot = [(d, d.yanked, d.advertised_sha256) for d in dists]
                core = self._core_metadata
            return self._negotiated(
                request, lambda media: self._render(project, snapshot, media, core_metadata=core)
            )

        return reply

    def _render(
        self,
        project: str,
        files: list[tuple[_Dist, str | bool, str]],
        media: str,
        *,
        core_metadata: bool = True,
    ) -> bytes:
        if media == JSON:
            entries = []
            for d, yanked, sha256 in files:
                entry: dict[str, object] = {
                    "filename": d.filename,
                    "url": self.file_url(d.filename),
                    "hashes": {"sha256": sha256},
                }
                if d.requires_python is not None:
                    entry["requires-python"] = d.requires_python
                entry["yanked"] = yanked
                if d.metadata_sha256 is not None and core_metadata:
                    entry["core-metadata"] = {"sha256": d.metadata_sha256}
                    entry["dist-info-metadata"] = {"sha256": d.metadata_sha256}
                entry["size"] = d.size
                entry["upload-time"] = d.upload_time
                entries.append(entry)
            versions = sorted({d.version for d, _, _ in files}, key=_version_key)
            doc = {
                "meta": {"api-version": API_VERSION},
                "name": project,
                "versions": versions,
                "files": entries,
            }
            return json.dumps(doc, indent=1).encode()
        anchors = []
        for d, yanked, sha256 in files:
            attrs = [f'href="../../files/{html.escape(quote(d.filename))}#sha256={sha256}"']
            if d.requires_python is not None:
                attrs.append(f'data-requires-python="{html.escape(d.requires_python)}"')
            if yanked is not False:
                reason = "" if yanked is True else str(yanked)
                attrs.append(f'data-yanked="{html.escape(reason)}"')
            if d.metadata_sha256 is not None and core_metadata:
                attrs.append(f'data-dist-info-metadata="sha256={d.metadata_sha256}"')
                attrs.append(f'data-core-metadata="sha256={d.metadata_sha256}"')
            attrs.append(f'data-upload-time="{d.upload_time}"')
            anchors.append(f"    <a {' '.join(attrs)}>{html.escape(d.filename)}</a><br/>\n")
        return _html_page(f"Links for {project}", "".join(anchors))


def _html_page(title: str, anchors: str) -> bytes:
    return (
        "<!DOCTYPE html>\n<html>\n  <head>\n"
        f'    <meta name="pypi:repository-version" content="{API_VERSION}">\n'
        f"    <title>{html.escape(title)}</title>\n  </head>\n  <body>\n"
        f"    <h1>{html.escape(title)}</h1>\n{anchors}  </body>\n</html>\n"
    ).encode()


def find_dists(directories: Iterable[Path]) -> Iterator[Path]:
    """The distribution files directly in ``directories``, by name."""
    for directory in directories:
        for path in sorted(Path(directory).iterdir()):
            if path.is_file():
                try:
                    parse_dist_filename(path.name)
                except ValueError:
                    continue
                yield path


# -- fixture ---------------------------------------------------------------------------


@pytest.fixture(name="simple_index")
def simple_index() -> Iterator[SimpleIndex]:
    """An empty :class:`SimpleIndex` on its own server, closed after the test."""
    index = SimpleIndex()
    try:
        yield index
    finally:
        index.close()


# -- command line ----------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Serve the distributions in DIR... as a PEP 503/691 index on 127.0.0.1."
    )
    parser.add_argument("dirs", nargs="+", type=Path, metavar="DIR")
    parser.add_argument("--port", type=int, default=0, help="port (default: any free one)")
    parser.add_argument(
        "--no-core-metadata",
        action="store_true",
        help="advertise and serve no PEP 658 metadata files (as most mirrors)",
    )
    parser.add_argument(
        "--no-caching-headers",
        action="store_true",
        help="send no Cache-Control or ETag (as many mirrors)",
    )
    parser.add_argument(
        "--range-mode",
        choices=RANGE_MODES,
        default="honour",
        help="how files answer Range requests (default: honour)",
    )
    args = parser.parse_args(argv)
    for directory in args.dirs:
        if not directory.is_dir():
            parser.error(f"not a directory: {directory}")
    index = SimpleIndex(find_dists(args.dirs), server=HttpServer(port=args.port))
    index.serve_core_metadata(not args.no_core_metadata)
    index.send_caching_headers(not args.no_caching_headers)
    index.set_range_mode(args.range_mode)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    print(
        f"{index.url}  ({len(index.filenames())} files, {len(index.projects())} projects)",
        file=sys.stderr,
    )
    print(index.url, flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        index.server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
