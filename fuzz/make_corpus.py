"""Write the seed corpus of the fuzz targets (fuzz/corpus/<target>/seed-*).

Run from the repository root with the development environment (`make develop`):

    .venv/bin/python fuzz/make_corpus.py [--cache CACHE_ROOT]

Seeds come from the real fixtures: small pinned sdists (tests/fixtures/fetch.py), the
generators of tests/hostile_archives.py, the saved index pages (tests/fixtures/simple),
and records rendered by the native module. `--cache` names a cache root filled by
sdistill (e.g. by `make realworld`) whose HTTP entries are taken as seeds too. Every
seed is kept small: the committed corpus stays well under a few MiB.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import re
import sys
import tarfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sdistill import _core  # noqa: E402

from tests import hostile_archives as ha  # noqa: E402

CORPUS = ROOT / "fuzz" / "corpus"
DATA = Path(os.environ.get("SDISTILL_TEST_DATA", Path.home() / ".cache/sdistill-test-data"))
SMALL_SDISTS = ["whey-0.1.1.tar.gz", "docopt-0.6.2.tar.gz", "colorama-0.4.6.tar.gz"]
PAGE_BYTES = 6 * 1024


def put(target: str, name: str, data: bytes) -> None:
    directory = CORPUS / target
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"seed-{name}").write_bytes(data)


def archives() -> None:
    for name in SMALL_SDISTS:
        path = DATA / name
        if path.exists():
            put("extract_tar", name, path.read_bytes())
    # A real sdist as a plain tar (small members only): mutations reach the tar parser
    # without first breaking a compressed stream's checksum.
    docopt = DATA / "docopt-0.6.2.tar.gz"
    if docopt.exists():
        out = io.BytesIO()
        with tarfile.open(docopt) as tar, tarfile.open(fileobj=out, mode="w") as plain:
            for member in tar.getmembers():
                if member.size < 4 * 1024:
                    plain.addfile(member, tar.extractfile(member) if member.isfile() else None)
        put("extract_tar", "docopt-0.6.2.tar", out.getvalue())
    for compression in ["", "gz", "bz2", "xz"]:
        put("extract_tar", f"sdist-{compression or 'plain'}", ha.tar_sdist(compression))
    tar_seeds = {
        "symlink-out": ha.tar_symlink_out("../outside"),
        "symlink-then-write": ha.tar_symlink_then_write("..", "x.txt"),
        "symlink-chain": ha.tar_symlink_chain(),
        "hardlink": ha.tar_hardlink_to("a.txt", [ha.tar_file("a.txt")]),
        "pax-path": ha.tar_pax_path_override("../pax.txt"),
        "gnu-longname": ha.tar_gnu_longname("d/" + "n" * 200),
        "file-again": ha.tar_file_again(b"one\n", b"two\n"),
        "dir-then-file": ha.tar_dir_then_file(),
        "absolute": ha.tar_absolute_path("/tmp/absolute.txt"),
        "special": ha.tar_special(tarfile.FIFOTYPE, "fifo"),
        "bad-checksum": ha.tar_bad_header_checksum(),
    }
    for name, data in tar_seeds.items():
        put("extract_tar", name, data)

    # A small sdist as a zip (the zip sdists among the fixtures are too large).
    six = DATA / "six-1.17.0.tar.gz"
    if six.exists():
        out = io.BytesIO()
        with tarfile.open(six) as tar, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
            for member in tar.getmembers():
                if member.isfile() and member.size < 8 * 1024:
                    zf.writestr(member.name, tar.extractfile(member).read())  # type: ignore[union-attr]
        put("extract_zip", "six-1.17.0", out.getvalue())
    zip_seeds = {
        "sdist": ha.make_zip(
            [ha.zip_dir("pkg-1.0/"), ha.zip_file("pkg-1.0/PKG-INFO", b"Name: pkg\n")]
        ),
        "streamed": ha.make_zip(
            [ha.zip_file("pkg-1.0/a.txt"), ha.zip_file("pkg-1.0/b.txt", b"b" * 300)],
            streamed=True,
        ),
        "stored": ha.make_zip([ha.zip_file("pkg/a.txt", method=zipfile.ZIP_STORED)]),
        "symlink-out": ha.zip_symlink_out("../outside"),
        "symlink-chain": ha.zip_symlink_chain(),
        "copies": ha.zip_copies(ha.zip_file("a.txt"), ha.zip_file("a.txt")),
        "lying-central": ha.zip_copy_with_lying_central(),
        "name-mismatch": ha.zip_local_name_mismatch(),
        "local-without-central": ha.zip_local_without_central(),
        "central-without-local": ha.zip_central_without_local(),
        "encrypted": ha.zip_encrypted(),
        "truncated": ha.zip_truncated(),
    }
    for name, data in zip_seeds.items():
        if data:
            put("extract_zip", name, data)


def cut_html(text: str) -> bytes:
    """The head of a page and its first links, closed again."""
    head, _, _ = text.partition("<a ")
    links = re.findall(r"<a [^>]*>[^<]*</a>", text)
    body = head
    for link in links:
        if len(body) + len(link) > PAGE_BYTES:
            break
        body += link + "<br />\n"
    return (body + "</body>\n</html>\n").encode()


def cut_json(page: dict) -> bytes:
    files, size = [], 0
    for item in page.get("files", []):
        size += len(json.dumps(item))
        if size > PAGE_BYTES:
            break
        files.append(item)
    versions = sorted({v for v in page.get("versions", [])})[:20]
    return json.dumps({**page, "files": files, "versions": versions}).encode()


def pages() -> tuple[set[str], set[str]]:
    simple = ROOT / "tests" / "fixtures" / "simple"
    filenames: set[str] = set()
    versions: set[str] = set()
    for project in ["six", "requests", "numpy"]:
        html = gzip.decompress((simple / f"{project}.html.gz").read_bytes()).decode()
        put("page_html", project, cut_html(html))
        page = json.loads(gzip.decompress((simple / f"{project}.json.gz").read_bytes()))
        put("page_json", project, cut_json(page))
        filenames.update(f"{project}\n{item['filename']}" for item in page["files"])
        versions.update(page.get("versions", []))
    return filenames, versions


def text_seeds(filenames: set[str], versions: set[str]) -> None:
    picked = sorted(filenames)
    for index, line in enumerate(picked[:: max(1, len(picked) // 24)]):
        put("filename", f"{index:02}", line.encode())
    put(
        "filename",
        "odd",
        b"Foo.Bar_baz\nfoo_bar_baz-1.0.post1-2-cp39-abi3-manylinux_2_17_x86_64.whl",
    )
    chosen = sorted(versions)
    for index in range(0, len(chosen), 40):
        put("pep440", f"{index:03}", "\n".join(chosen[index : index + 40]).encode())
    put(
        "pep440",
        "forms",
        b"1!2.0.post1.dev3+local.7\n1.0RC1\nv1.0-1\n1.0a1.dev0\n 1.0 \n1.0.0.0.0\n1.0+ubuntu-1\n",
    )
    # Cache-Control values as real servers send them (PyPI and its CDN, GitHub, S3).
    for index, value in enumerate(
        [
            "max-age=600, public",
            "max-age=365000000, immutable, public",
            "no-cache",
            "private, max-age=0, must-revalidate",
            "no-store, no-cache, must-revalidate, proxy-revalidate, max-age=0",
            "public, max-age=31536000, s-maxage=31536000",
            'no-cache="Set-Cookie", max-age=60',
            "max-stale, min-fresh=30, only-if-cached",
            "max-age=60\nmax-age=10",
            'max-age="120", stale-while-revalidate=60',
        ]
    ):
        put("cache_control", f"{index:02}", value.encode())


def records(cache: Path | None) -> None:
    metadata = "Metadata-Version: 2.1\nName: six\nVersion: 1.17.0\nRequires-Python: >=2.7\n"
    answer = _core.render_answer(metadata, "match", '{\n  "name": "six"\n}', "six 1.17.0\n")
    put("records", "answer", b"\x00" + metadata.encode() + b"\x00" + answer.encode())
    stamp = _core.render_stamp("archive mtime_ns=1700000000000000000 size=34031\n")
    put("records", "stamp", b"\x01" + stamp.encode())
    put("records", "stamp-v1", b"\x01archive mtime_ns=1 size=2\n")
    sealed = _core.render_sealed("environment", "python=3.12\nrequires=setuptools\n")
    put("records", "sealed", b"\x02" + sealed.encode())
    put("records", "wheel", b"\x03sdistill-wheel-v1\nseal\n3\nabc\n\x00abc")
    if cache is None:
        return
    taken = 0
    entries = sorted(cache.glob("simple-v1/*/*")) + sorted(cache.glob("sdists-v1/*/*/*/*/http"))
    for entry in entries:
        if (
            entry.is_file()
            and not entry.name.endswith(".lock")
            and entry.stat().st_size < 64 * 1024
        ):
            put("http_entry", f"{taken:02}", entry.read_bytes())
            taken += 1
            if taken == 6:
                break


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, help="a cache root whose HTTP entries to take")
    args = parser.parse_args()
    archives()
    filenames, versions = pages()
    text_seeds(filenames, versions)
    records(args.cache)
    total = sum(p.stat().st_size for p in CORPUS.rglob("*") if p.is_file())
    print(f"{sum(1 for p in CORPUS.rglob('seed-*'))} seeds, {total / 1024:.0f} KiB in {CORPUS}")


if __name__ == "__main__":
    main()
