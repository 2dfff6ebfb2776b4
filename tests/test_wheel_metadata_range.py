"""Wheel metadata without PEP 658: HTTP range requests into the wheel, the full-download
fallback, hostile zips, the cache, and ``wheel_metadata_many`` (issue 14).

Everything runs against a loopback :class:`SimpleIndex` set up as most mirrors and private
indexes are: no PEP 658 files and no caching headers. The first tests check the server
and the wheel factory themselves; the rest check ``Index.wheel_metadata`` against the
wheel's own ``METADATA`` as :mod:`zipfile` reads it.
"""

from __future__ import annotations

import concurrent.futures
import http.client
import json
import struct
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import pytest
from http_server import Reply, Request
from packaging.metadata import Metadata
from packaging.utils import canonicalize_name, parse_wheel_filename
from sdistill import SourceDistBuilder
from sdistill.errors import (
    ArchiveError,
    HashMismatchError,
    MetadataMismatchError,
    NetworkError,
    SdistillError,
)
from simple_index import JSON, SimpleIndex, parse_range
from simple_index import simple_index as simple_index_fixture  # noqa: F401
from wheel_factory import (
    HOSTILE_KINDS,
    ZIP64_EOCD_SIGNATURE,
    WheelFactory,
    dist_info_dir,
    has_zip64_end_records,
    metadata_text,
    own_metadata,
    wheel_filename,
)
from wheel_factory import wheel_factory as wheel_factory_fixture  # noqa: F401

T = TypeVar("T")

MAX_REQUESTS = 3
"""Range reads of one wheel: the tail, maybe the rest of the central directory, METADATA."""
DEADLINE = 60.0
"""No wheel_metadata call may take longer (hostile servers and files included)."""


# -- fixtures and helpers ----------------------------------------------------------------


@pytest.fixture
def mirror() -> Iterator[SimpleIndex]:
    """A loopback index as mirrors serve: no PEP 658 files, no caching headers."""
    with SimpleIndex() as index:
        index.serve_core_metadata(False)
        index.send_caching_headers(False)
        yield index


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    return tmp_path / "cache"


def new_builder(index: SimpleIndex, cache_dir: Path) -> SourceDistBuilder:
    return SourceDistBuilder(cache_dir=cache_dir, index_url=index.url)


def index_file(builder: SourceDistBuilder, filename: str) -> Any:
    """The ``IndexFile`` of wheel ``filename`` as ``builder.index`` lists it."""
    name, version, _, _ = parse_wheel_filename(filename)
    for file in builder.index.project(name).wheels(str(version)):
        if file.filename == filename:
            return file
    raise LookupError(f"{filename} is not on the index")


def fields(metadata: Metadata) -> dict[str, object]:
    """What a resolver reads of core metadata, comparable."""
    return {
        "name": metadata.name,
        "version": str(metadata.version),
        "requires_dist": [str(r) for r in metadata.requires_dist or []],
        "requires_python": str(metadata.requires_python or ""),
        "provides_extra": list(metadata.provides_extra or []),
        "summary": metadata.summary,
    }


def expected_fields(path: Path) -> dict[str, object]:
    return fields(Metadata.from_email(own_metadata(path), validate=False))


def within_deadline(call: Callable[[], T], seconds: float = DEADLINE) -> T:
    """``call()``, failing the test if it has not returned (or raised) in ``seconds``."""
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    try:
        future = pool.submit(call)
        try:
            return future.result(timeout=seconds)
        except concurrent.futures.TimeoutError:
            pytest.fail(f"no answer in {seconds:.0f} s: the call hangs")
    finally:
        pool.shutdown(wait=False)


def served(index: SimpleIndex, *paths: Path) -> list[str]:
    for path in paths:
        index.add(path)
    return [p.name for p in paths]


def fetch(
    index: SimpleIndex, path: str, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    """``(status, lower-cased headers, body)`` of a GET on the index's server."""
    request = urllib.request.Request(index.server.url_for(path), headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            headers = {k.lower(): v for k, v in response.headers.items()}
            return response.status, headers, response.read()
    except urllib.error.HTTPError as err:
        with err:
            headers = {k.lower(): v for k, v in err.headers.items()}
            return err.code, headers, err.read()


# -- the server: ranges, modes, switches, counters ---------------------------------------


def test_parse_range() -> None:
    assert parse_range("bytes=0-9", 100) == (0, 9)
    assert parse_range("bytes=90-", 100) == (90, 99)
    assert parse_range("bytes=95-200", 100) == (95, 99)
    assert parse_range("bytes=-10", 100) == (90, 99)
    assert parse_range("bytes=-1000", 100) == (0, 99)
    assert parse_range("Bytes = 1-2", 100) == (1, 2)
    for ignored in ("bytes=0-1,5-6", "items=0-1", "bytes=5-1", "bytes=a-b", "bytes=-", "0-1"):
        assert parse_range(ignored, 100) is None, ignored
    for unsatisfiable in ("bytes=100-", "bytes=100-200", "bytes=-0"):
        with pytest.raises(ValueError, match=r"empty|past the end"):
            parse_range(unsatisfiable, 100)


def test_files_answer_byte_ranges_and_count_bytes(
    mirror: SimpleIndex, wheel_factory: WheelFactory
) -> None:
    (name,) = served(mirror, wheel_factory.big_wheel())
    data = (wheel_factory.directory / name).read_bytes()
    size = len(data)
    path = f"/files/{name}"

    status, headers, body = fetch(mirror, path, {"Range": "bytes=10-19"})
    assert (status, body) == (206, data[10:20])
    assert headers["content-range"] == f"bytes 10-19/{size}"
    assert headers["content-length"] == "10"
    assert headers["accept-ranges"] == "bytes"

    status, headers, body = fetch(mirror, path, {"Range": "bytes=-100"})
    assert (status, body, headers["content-range"]) == (
        206,
        data[-100:],
        f"bytes {size - 100}-{size - 1}/{size}",
    )
    status, headers, body = fetch(mirror, path, {"Range": f"bytes={size - 5}-"})
    assert (status, body) == (206, data[-5:])
    status, headers, body = fetch(mirror, path, {"Range": f"bytes=-{size * 2}"})
    assert (status, body, headers["content-range"]) == (206, data, f"bytes 0-{size - 1}/{size}")
    status, headers, _ = fetch(mirror, path, {"Range": f"bytes={size}-"})
    assert (status, headers["content-range"]) == (416, f"bytes */{size}")
    status, _, body = fetch(mirror, path, {"Range": "bytes=0-1,5-6"})
    assert (status, body) == (200, data), "a multi-range request gets the whole file"
    status, headers, body = fetch(mirror, path)
    assert (status, body, headers["accept-ranges"]) == (200, data, "bytes")
    assert "cache-control" not in headers
    assert "etag" not in headers

    # HEAD: headers only, no body counted
    conn = http.client.HTTPConnection(mirror.server.host, mirror.server.port, timeout=10)
    try:
        conn.request("HEAD", path, headers={"Range": "bytes=0-99"})
        response = conn.getresponse()
        assert (response.status, response.read()) == (206, b"")
        assert response.headers["Content-Length"] == "100"
    finally:
        conn.close()

    requests = mirror.file_requests(name)
    assert mirror.file_request_count(name) == len(requests) == 8
    assert [r.status for r in requests] == [206, 206, 206, 206, 416, 200, 200, 206]
    assert [r.headers.get("range") for r in requests][:2] == ["bytes=10-19", "bytes=-100"]
    assert [r.body_bytes_sent for r in requests] == [10, 100, 5, size, 0, size, size, 0]
    assert mirror.file_bytes_sent(name) == 10 + 100 + 5 + 3 * size
    assert mirror.server.bytes_sent(path) == mirror.file_bytes_sent(name)
    assert mirror.metadata_request_count(name) == 0


def test_if_range_is_honoured_with_caching_headers(
    simple_index: SimpleIndex, wheel_factory: WheelFactory
) -> None:
    (name,) = served(simple_index, wheel_factory.wheel())
    data = (wheel_factory.directory / name).read_bytes()
    path = f"/files/{name}"
    _, headers, _ = fetch(simple_index, path)
    etag = headers["etag"]
    status, _, body = fetch(simple_index, path, {"Range": "bytes=0-3", "If-Range": etag})
    assert (status, body) == (206, data[:4])
    status, _, body = fetch(simple_index, path, {"Range": "bytes=0-3", "If-Range": '"other"'})
    assert (status, body) == (200, data)


@pytest.mark.parametrize("mode", ["ignore", "refuse"])
def test_range_modes_that_send_the_whole_file(
    mirror: SimpleIndex, wheel_factory: WheelFactory, mode: Any
) -> None:
    (name,) = served(mirror, wheel_factory.wheel())
    data = (wheel_factory.directory / name).read_bytes()
    mirror.set_range_mode(mode)
    assert mirror.range_mode(name) == mode
    status, headers, body = fetch(mirror, f"/files/{name}", {"Range": "bytes=-22"})
    assert (status, body) == (200, data)
    assert "content-range" not in headers
    if mode == "refuse":
        assert headers["accept-ranges"] == "none"
    else:
        assert "accept-ranges" not in headers
    assert mirror.file_bytes_sent(name) == len(data)


def test_wrong_range_mode_answers_another_range(
    mirror: SimpleIndex, wheel_factory: WheelFactory
) -> None:
    (name, other) = served(mirror, wheel_factory.wheel(), wheel_factory.wheel("other", "1.0"))
    data = (wheel_factory.directory / name).read_bytes()
    size = len(data)
    mirror.set_range_mode("wrong-range", name)
    assert (mirror.range_mode(name), mirror.range_mode(other)) == ("wrong-range", "honour")
    for asked, (first, last) in [
        ("bytes=-100", (size - 100, size - 1)),
        ("bytes=0-99", (0, 99)),
        (f"bytes=-{size + 10}", (0, size - 1)),
        ("bytes=50-60", (50, 60)),
    ]:
        status, headers, body = fetch(mirror, f"/files/{name}", {"Range": asked})
        assert status == 206
        unit, _, rest = headers["content-range"].partition(" ")
        span, _, total = rest.partition("/")
        got_first, got_last = (int(n) for n in span.split("-"))
        assert (unit, int(total)) == ("bytes", size)
        assert (got_first, got_last) != (first, last), asked
        assert not (got_first <= first and last <= got_last), "never a range containing it"
        assert body == data[got_first : got_last + 1], "the body is the range it says"
    status, _, body = fetch(mirror, f"/files/{other}", {"Range": "bytes=0-3"})
    assert (status, body) == (206, b"PK\x03\x04")
    mirror.set_range_mode("wrong-range", name, honest_first=1)
    ranges = [fetch(mirror, f"/files/{name}", {"Range": "bytes=5-9"}) for _ in range(3)]
    assert [h["content-range"] for _, h, _ in ranges] == [
        f"bytes 5-9/{size}",
        f"bytes 0-4/{size}",
        f"bytes 0-4/{size}",
    ]
    mirror.set_range_mode("honour")
    assert mirror.range_mode(name) == "honour"
    with pytest.raises(ValueError, match="unknown range mode"):
        mirror.set_range_mode("sometimes")  # type: ignore[arg-type]


def test_core_metadata_switch(simple_index: SimpleIndex, wheel_factory: WheelFactory) -> None:
    (name,) = served(simple_index, wheel_factory.wheel())
    page = "/simple/sample-pkg/"

    def advertised() -> tuple[bool, bool]:
        _, _, html = fetch(simple_index, page, {"Accept": "text/html"})
        _, _, body = fetch(simple_index, page, {"Accept": JSON})
        (entry,) = json.loads(body)["files"]
        return (b"data-core-metadata" in html or b"data-dist-info-metadata" in html), (
            "core-metadata" in entry or "dist-info-metadata" in entry
        )

    assert advertised() == (True, True)
    assert fetch(simple_index, f"/files/{name}.metadata")[0] == 200
    simple_index.serve_core_metadata(False)
    assert advertised() == (False, False)
    assert fetch(simple_index, f"/files/{name}.metadata")[0] == 404
    assert simple_index.metadata_request_count(name) == 2
    simple_index.serve_core_metadata(True)
    assert advertised() == (True, True)


# -- the wheel factory -----------------------------------------------------------------


def test_the_factory_writes_real_wheels(wheel_factory: WheelFactory) -> None:
    wheels = {
        "small": wheel_factory.wheel(requires_dist=["idna>=3"]),
        "big": wheel_factory.big_wheel(),
        "big-deflated": wheel_factory.big_wheel("big-deflated", deflate=True),
        "many": wheel_factory.many_members_wheel(),
        "vendored": wheel_factory.vendored_wheel(),
        "zip64": wheel_factory.zip64_wheel(),
        "descriptors": wheel_factory.hand_written_wheel("dd-pkg", "1.0", data_descriptor=True),
    }
    for kind, path in wheels.items():
        with zipfile.ZipFile(path) as zf:
            assert zf.testzip() is None, kind
            names = zf.namelist()
            assert f"{dist_info_dir(*path.name.split('-')[:2])}/RECORD" in names, kind
        metadata = Metadata.from_email(own_metadata(path), validate=False)
        name, version, _, _ = parse_wheel_filename(path.name)
        assert (canonicalize_name(metadata.name), metadata.version) == (name, version)
    for kind in ("big", "big-deflated"):
        assert wheels[kind].stat().st_size > 1024 * 1024, "incompressible: over 1 MB either way"
    assert has_zip64_end_records(wheels["zip64"])
    tail = wheels["zip64"].read_bytes()[-22:]
    assert tail[:4] == b"PK\x05\x06"
    assert struct.unpack("<HHII", tail[8:20]) == (0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF)
    assert ZIP64_EOCD_SIGNATURE not in wheels["small"].read_bytes()
    with zipfile.ZipFile(wheels["vendored"]) as zf:
        first = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
    assert first == "vendored_pkg-2.0.dist-info/METADATA"
    assert b"Name: host-pkg" in own_metadata(wheels["vendored"])
    data = wheels["many"].read_bytes()
    cd_size = struct.unpack_from("<I", data, data.rfind(b"PK\x05\x06") + 12)[0]
    assert cd_size > 256 * 1024, "a central directory larger than a first tail read"
    with zipfile.ZipFile(wheels["descriptors"]) as zf:
        assert all(info.flag_bits & 0x08 for info in zf.infolist())


def test_the_factory_writes_hostile_wheels(wheel_factory: WheelFactory) -> None:
    hostile = wheel_factory.all_hostile()
    assert set(hostile) == set(HOSTILE_KINDS)
    for kind, path in hostile.items():
        assert path.name == wheel_filename(f"hostile-{kind}", "1.0")
    assert b"PK\x05\x06" not in hostile["truncated"].read_bytes()
    data = hostile["cd-offset-past-end"].read_bytes()
    assert struct.unpack_from("<I", data, len(data) - 6)[0] > len(data)
    with pytest.raises(zipfile.BadZipFile, match="CRC"):
        own_metadata(hostile["crc-mismatch"])
    assert b"Name: someone-else" in own_metadata(hostile["name-mismatch"])
    assert b"Version: 9.9" in own_metadata(hostile["version-mismatch"])
    assert has_zip64_end_records(hostile["zip64-cd-offset-past-end"])


# -- metadata by range requests ----------------------------------------------------------


SYNTHETIC: dict[str, Callable[[WheelFactory], Path]] = {
    "small": lambda f: f.wheel(requires_dist=["idna>=3", "rich ; extra == 'cli'"]),
    "stored-metadata": lambda f: f.wheel("stored-pkg", stored_metadata=True),
    "big": lambda f: f.big_wheel(),
    "big-deflated": lambda f: f.big_wheel("big-deflated", deflate=True),
    "many-members": lambda f: f.many_members_wheel(),
    "many-members-dist-info-first": lambda f: f.many_members_wheel(
        "many-first", dist_info_first=True
    ),
    "vendored-dist-info-first": lambda f: f.vendored_wheel(),
    "zip64": lambda f: f.zip64_wheel(),
    "data-descriptors": lambda f: f.hand_written_wheel("dd-pkg", "1.0", data_descriptor=True),
    "data-descriptors-zip64": lambda f: f.hand_written_wheel(
        "dd64-pkg", "1.0", data_descriptor=True, zip64=True
    ),
    "dist-info-spelled-otherwise": lambda f: f.wheel(
        "spelled-pkg", "1.0", dist_info="Spelled_Pkg-1.0.dist-info"
    ),
    "platform-tag": lambda f: f.wheel("native-pkg", "2.1", tag="cp311-cp311-manylinux_2_17_x86_64"),
}


@pytest.mark.parametrize("kind", list(SYNTHETIC))
def test_metadata_by_range_requests(
    mirror: SimpleIndex, wheel_factory: WheelFactory, cache_dir: Path, kind: str
) -> None:
    path = SYNTHETIC[kind](wheel_factory)
    (name,) = served(mirror, path)
    builder = new_builder(mirror, cache_dir)
    file = index_file(builder, name)
    assert file.core_metadata is None, "the mirror advertises no PEP 658 file"

    metadata = within_deadline(lambda: builder.index.wheel_metadata(file))

    assert fields(metadata) == expected_fields(path)
    assert builder.index.metadata_via[file.url] == "range"
    requests = mirror.file_requests(name)
    assert 1 <= len(requests) <= MAX_REQUESTS, [r.headers.get("range") for r in requests]
    assert all(r.status == 206 for r in requests), [(r.method, r.status) for r in requests]
    assert mirror.metadata_request_count(name) == 0


def test_a_vendored_dist_info_first_is_not_taken(
    mirror: SimpleIndex, wheel_factory: WheelFactory, cache_dir: Path
) -> None:
    (name,) = served(mirror, wheel_factory.vendored_wheel())
    builder = new_builder(mirror, cache_dir)
    metadata = builder.index.wheel_metadata(index_file(builder, name))
    assert (metadata.name, str(metadata.version)) == ("host-pkg", "1.0")
    assert [str(r) for r in metadata.requires_dist or []] == [
        'vendored-pkg==2.0; python_version < "3"'
    ]


def test_a_big_wheel_costs_a_small_fraction_of_its_bytes(
    mirror: SimpleIndex, wheel_factory: WheelFactory, cache_dir: Path
) -> None:
    paths = [wheel_factory.big_wheel(), wheel_factory.big_wheel("big-deflated", deflate=True)]
    builder = new_builder(mirror, cache_dir)
    for name in served(mirror, *paths):
        size = (wheel_factory.directory / name).stat().st_size
        assert size > 1024 * 1024
        builder.index.wheel_metadata(index_file(builder, name))
        assert mirror.file_request_count(name) <= MAX_REQUESTS
        sent = mirror.file_bytes_sent(name)
        assert sent < size / 10, f"{name}: {sent} of {size} bytes sent"


def test_real_wheels_from_the_wheelhouse(
    mirror: SimpleIndex, wheelhouse: Path, cache_dir: Path
) -> None:
    paths = sorted(wheelhouse.glob("*.whl"))
    assert paths
    builder = new_builder(mirror, cache_dir)
    for name in served(mirror, *paths):
        path = wheelhouse / name
        file = index_file(builder, name)
        metadata = within_deadline(partial(builder.index.wheel_metadata, file))
        assert fields(metadata) == expected_fields(path), name
        assert builder.index.metadata_via[file.url] == "range", name
        assert mirror.file_request_count(name) <= MAX_REQUESTS, name
        size = path.stat().st_size
        if size > 1_000_000:
            sent = mirror.file_bytes_sent(name)
            assert sent < size / 10, f"{name}: {sent} of {size} bytes sent"


# -- the full-download fallback --------------------------------------------------------


@pytest.mark.parametrize("mode", ["ignore", "refuse"])
@pytest.mark.parametrize("kind", ["small", "big", "vendored-dist-info-first", "zip64"])
def test_full_download_when_the_server_answers_no_ranges(
    mirror: SimpleIndex, wheel_factory: WheelFactory, cache_dir: Path, mode: Any, kind: str
) -> None:
    path = SYNTHETIC[kind](wheel_factory)
    (name,) = served(mirror, path)
    mirror.set_range_mode(mode)
    builder = new_builder(mirror, cache_dir)
    file = index_file(builder, name)

    metadata = within_deadline(lambda: builder.index.wheel_metadata(file))

    assert fields(metadata) == expected_fields(path)
    assert builder.index.metadata_via[file.url] == "download"
    # the 200 answer to the first ranged GET is the download: no second request
    requests = mirror.file_requests(name)
    assert len(requests) == 1, [(r.method, r.headers.get("range")) for r in requests]
    assert mirror.file_bytes_sent(name) == path.stat().st_size


def test_the_full_download_checks_the_index_hash(
    mirror: SimpleIndex, wheel_factory: WheelFactory, cache_dir: Path
) -> None:
    (name,) = served(mirror, wheel_factory.wheel())
    mirror.set_range_mode("ignore")
    mirror.corrupt_hash(name)
    builder = new_builder(mirror, cache_dir)
    file = index_file(builder, name)
    with pytest.raises(HashMismatchError):
        builder.index.wheel_metadata(file)
    before = mirror.file_request_count(name)
    with pytest.raises(HashMismatchError):
        new_builder(mirror, cache_dir).index.wheel_metadata(file)
    assert mirror.file_request_count(name) > before, "nothing was cached from the bad file"


@pytest.mark.parametrize(
    ("kind", "honest_first"),
    [
        ("small", 0),  # the tail read is the whole file
        ("big", 0),
        ("many-members", 1),  # the rest of the central directory comes back wrong
        ("many-members-dist-info-first", 2),  # METADATA's own read comes back wrong
    ],
)
def test_a_wrong_content_range_is_an_error_and_leaves_nothing_cached(
    mirror: SimpleIndex, wheel_factory: WheelFactory, cache_dir: Path, kind: str, honest_first: int
) -> None:
    path = SYNTHETIC[kind](wheel_factory)
    (name,) = served(mirror, path)
    mirror.set_range_mode("wrong-range", honest_first=honest_first)
    builder = new_builder(mirror, cache_dir)
    file = index_file(builder, name)
    with pytest.raises(NetworkError):
        within_deadline(lambda: builder.index.wheel_metadata(file))
    assert file.url not in builder.index.metadata_via
    assert mirror.file_request_count(name) > honest_first, "a wrong range was sent"

    mirror.set_range_mode("honour")
    before = mirror.file_request_count(name)
    for again in (builder, new_builder(mirror, cache_dir)):
        metadata = again.index.wheel_metadata(index_file(again, name))
        assert fields(metadata) == expected_fields(path)
    assert mirror.file_request_count(name) > before, "the fixed server was asked"
    assert builder.index.metadata_via[file.url] == "range"


# -- hostile wheels ----------------------------------------------------------------------


def _expected_error(kind: str) -> type[SdistillError]:
    """What a hostile wheel must raise: ``ArchiveError`` (``UnsafeArchiveError`` is one)
    for a broken zip, ``MetadataMismatchError`` for a METADATA of another name/version."""
    if kind in ("name-mismatch", "version-mismatch"):
        return MetadataMismatchError
    return ArchiveError


@pytest.mark.parametrize("kind", list(HOSTILE_KINDS))
def test_a_hostile_wheel_is_a_clear_error(
    mirror: SimpleIndex, wheel_factory: WheelFactory, cache_dir: Path, kind: str
) -> None:
    path = wheel_factory.hostile(kind)
    (name,) = served(mirror, path)
    builder = new_builder(mirror, cache_dir)
    file = index_file(builder, name)

    with pytest.raises(_expected_error(kind)) as raised:
        within_deadline(lambda: builder.index.wheel_metadata(file))

    assert name in str(raised.value), "the error names the wheel"
    assert mirror.file_request_count(name) <= MAX_REQUESTS
    assert mirror.file_bytes_sent(name) <= 2 * path.stat().st_size
    assert file.url not in builder.index.metadata_via
    with pytest.raises(_expected_error(kind)):  # not answered from a cached partial read
        within_deadline(lambda: new_builder(mirror, cache_dir).index.wheel_metadata(file))
    assert not mirror.server.errors


@pytest.mark.parametrize("kind", list(HOSTILE_KINDS))
def test_a_hostile_wheel_downloaded_whole_is_a_clear_error(
    mirror: SimpleIndex, wheel_factory: WheelFactory, cache_dir: Path, kind: str
) -> None:
    (name,) = served(mirror, wheel_factory.hostile(kind))
    mirror.set_range_mode("ignore")
    builder = new_builder(mirror, cache_dir)
    file = index_file(builder, name)
    with pytest.raises(_expected_error(kind)) as raised:
        within_deadline(lambda: builder.index.wheel_metadata(file))
    assert name in str(raised.value), "the error names the wheel"
    assert mirror.file_request_count(name) == 1
    assert file.url not in builder.index.metadata_via


@pytest.mark.parametrize(
    ("dist_info", "metadata"),
    [
        ("someone_else-1.0.dist-info", metadata_text("someone-else", "1.0")),
        ("lonely_pkg-2.0.dist-info", metadata_text("lonely-pkg", "2.0")),
    ],
    ids=["another-project", "another-version"],
)
def test_a_wheel_without_its_own_dist_info_is_an_error(
    mirror: SimpleIndex,
    wheel_factory: WheelFactory,
    cache_dir: Path,
    dist_info: str,
    metadata: bytes,
) -> None:
    (name,) = served(
        mirror, wheel_factory.wheel("lonely-pkg", "1.0", dist_info=dist_info, metadata=metadata)
    )
    builder = new_builder(mirror, cache_dir)
    with pytest.raises((ArchiveError, MetadataMismatchError)):
        within_deadline(lambda: builder.index.wheel_metadata(index_file(builder, name)))


# -- the cache -----------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["honour", "ignore"])
def test_a_second_call_and_a_second_builder_make_no_request(
    mirror: SimpleIndex, wheel_factory: WheelFactory, cache_dir: Path, mode: Any
) -> None:
    path = wheel_factory.big_wheel()
    (name,) = served(mirror, path)
    mirror.set_range_mode(mode)
    builder = new_builder(mirror, cache_dir)
    file = index_file(builder, name)
    first = fields(builder.index.wheel_metadata(file))
    assert first == expected_fields(path)

    before = mirror.server.count()
    assert fields(builder.index.wheel_metadata(file)) == first
    assert mirror.server.count() == before, "the same builder asks nothing"

    again = new_builder(mirror, cache_dir)
    file_again = index_file(again, name)  # the page has no caching headers: refetched
    before = mirror.server.count()
    assert fields(again.index.wheel_metadata(file_again)) == first
    assert mirror.server.count() == before, "a new builder on the same cache asks nothing"
    (many,) = again.index.wheel_metadata_many([file_again])
    assert isinstance(many, Metadata)
    assert fields(many) == first
    assert mirror.server.count() == before


# -- many at once --------------------------------------------------------------------------


def test_wheel_metadata_many_answers_in_order(
    mirror: SimpleIndex, wheel_factory: WheelFactory, wheelhouse: Path, cache_dir: Path
) -> None:
    paths = [
        wheel_factory.wheel("alpha", "1.0", requires_dist=["beta>=2"]),
        wheel_factory.wheel("alpha", "1.1"),
        wheel_factory.big_wheel(),
        wheel_factory.zip64_wheel(),
        wheel_factory.hostile("cd-offset-past-end"),
        wheel_factory.vendored_wheel(),
        wheel_factory.many_members_wheel(count=1500),
        wheel_factory.wheel("beta", "2.0"),
        wheel_factory.hostile("name-mismatch"),
        *sorted(wheelhouse.glob("*.whl"))[:3],
    ]
    names = served(mirror, *paths)
    builder = new_builder(mirror, cache_dir)
    files = [index_file(builder, name) for name in names]

    results = within_deadline(lambda: builder.index.wheel_metadata_many(files))

    assert len(results) == len(files)
    for path, file, result in zip(paths, files, results):
        if path.name.startswith("hostile_cd"):
            assert isinstance(result, ArchiveError), result
        elif path.name.startswith("hostile_name"):
            assert isinstance(result, MetadataMismatchError), result
        else:
            assert isinstance(result, Metadata), f"{path.name}: {result!r}"
            assert fields(result) == expected_fields(path), path.name
            assert builder.index.metadata_via[file.url] == "range"
            assert mirror.file_request_count(path.name) <= MAX_REQUESTS, path.name

    good = [n for n in names if not n.startswith("hostile")]
    before = {n: mirror.file_request_count(n) for n in good}
    again = new_builder(mirror, cache_dir).index.wheel_metadata_many(files)
    assert [type(r) for r in again] == [type(r) for r in results]
    assert {n: mirror.file_request_count(n) for n in good} == before, "all from the cache"


def test_wheel_metadata_many_reads_a_wheel_asked_for_twice_once(
    mirror: SimpleIndex, wheel_factory: WheelFactory, cache_dir: Path
) -> None:
    path = wheel_factory.many_members_wheel()
    (name,) = served(mirror, path)
    builder = new_builder(mirror, cache_dir)
    file = index_file(builder, name)
    results = within_deadline(lambda: builder.index.wheel_metadata_many([file] * 6))
    for result in results:
        assert isinstance(result, Metadata)
        assert fields(result) == expected_fields(path)
    assert mirror.file_request_count(name) <= MAX_REQUESTS


def test_wheel_metadata_many_of_nothing(mirror: SimpleIndex, cache_dir: Path) -> None:
    assert new_builder(mirror, cache_dir).index.wheel_metadata_many([]) == []


# -- PEP 658 first -------------------------------------------------------------------------


def test_pep658_is_preferred_when_advertised(
    mirror: SimpleIndex, wheel_factory: WheelFactory, cache_dir: Path
) -> None:
    paths = [wheel_factory.wheel(requires_dist=["idna"]), wheel_factory.big_wheel()]
    names = served(mirror, *paths)
    mirror.serve_core_metadata(True)
    builder = new_builder(mirror, cache_dir)
    files = [index_file(builder, name) for name in names]
    assert all(f.core_metadata for f in files)

    single = builder.index.wheel_metadata(files[0])
    many = builder.index.wheel_metadata_many(files)

    assert fields(single) == expected_fields(paths[0])
    for path, file, result in zip(paths, files, many):
        assert isinstance(result, Metadata)
        assert fields(result) == expected_fields(path)
        assert builder.index.metadata_via[file.url] == "pep658"
    for name in names:
        assert mirror.file_request_count(name) == 0, "the wheel itself is never asked for"
        assert mirror.metadata_request_count(name) == 1


# -- a server that stops part-way -----------------------------------------------------------


@pytest.mark.parametrize("fault", ["stall", "truncate", "reset", "short-body"])
def test_a_range_answer_cut_short_is_an_error_not_a_hang(
    mirror: SimpleIndex, wheel_factory: WheelFactory, cache_dir: Path, fault: str
) -> None:
    path = wheel_factory.big_wheel()
    (name,) = served(mirror, path)
    data = path.read_bytes()

    def cut_short(request: Request) -> Reply:
        span = parse_range(request.headers.get("range", ""), len(data))
        first, last = span if span is not None else (0, len(data) - 1)
        part = data[first : last + 1]
        headers = [
            ("Content-Type", "application/zip"),
            ("Accept-Ranges", "bytes"),
            ("Content-Range", f"bytes {first}-{last}/{len(data)}"),
        ]
        half = len(part) // 2
        if fault == "stall":
            return Reply(206, headers, part, stall_after=half, stall_for=30)
        if fault == "truncate":
            return Reply(206, headers, part, truncate_after=half)
        if fault == "short-body":  # a whole response, shorter than its Content-Range
            return Reply(206, headers, part[:half])
        return Reply(206, headers, part, reset_after=half)

    mirror.server.route(f"/files/{name}", cut_short)
    builder = SourceDistBuilder(
        cache_dir=cache_dir, index_url=mirror.url, http_timeout=1.0, http_retries=1
    )
    file = index_file(builder, name)
    with pytest.raises(NetworkError):
        within_deadline(lambda: builder.index.wheel_metadata(file), seconds=20)
    assert file.url not in builder.index.metadata_via
