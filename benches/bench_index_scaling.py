"""The package index at scale: a generated project page of N links (N = 10k … 160k),
each link a file of its own version, fetched cold from a loopback server and read the
way ``sdistill index`` reads it.

What is timed, per N and per format (PEP 691 JSON, PEP 503 HTML): fetch + parse +
group + archive + store (``HttpClient.project``), then ``versions()`` and
``files(version)`` for every version. The links are listed newest version first, in
the order PyPI's pages do not use, so that grouping meets versions out of order.

There is no peer: the point is the time per link across sizes, which must stay flat
(parsing and grouping linear, or n log n) — the "vs 10k" column is the time per link
relative to the smallest page.

    python benches/bench_index_scaling.py [--sizes 10000,20000,40000,80000,160000]
        [--reps 3]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

SIZES = (10_000, 20_000, 40_000, 80_000, 160_000)
JSON = "application/vnd.pypi.simple.v1+json"
HTML = "text/html; charset=utf-8"
SHA = "ab" * 32


def _versions(n: int) -> list[str]:
    """``n`` distinct versions, newest first."""
    return [f"{i // 1000}.{i % 1000}.{i % 7}" for i in range(n)][::-1]


def json_page(n: int) -> bytes:
    files = [
        {
            "filename": f"pkg-{v}.tar.gz",
            "url": f"https://files.example/p/pkg-{v}.tar.gz",
            "hashes": {"sha256": SHA},
            "requires-python": ">=3.8",
        }
        for v in _versions(n)
    ]
    page = {"meta": {"api-version": "1.1"}, "name": "pkg", "files": files}
    return json.dumps(page).encode()


def html_page(n: int) -> bytes:
    links = "\n".join(
        f'<a href="https://files.example/p/pkg-{v}.tar.gz#sha256={SHA}" '
        f'data-requires-python="&gt;=3.8">pkg-{v}.tar.gz</a><br/>'
        for v in _versions(n)
    )
    return (
        "<!DOCTYPE html><html><head><title>Links for pkg</title></head><body>"
        f"<h1>Links for pkg</h1>\n{links}\n</body></html>"
    ).encode()


def _one(server: Any, root: Path, body: bytes, content_type: str, n: int) -> float:
    from http_server import Reply
    from sdistill.http import HttpClient

    path = f"/simple/pkg-{n}-{content_type[:4]}/"
    server.route(path, Reply(200, {"Content-Type": content_type}, body))
    entry = root / "simple-v1" / "bench" / f"pkg-{n}"
    entry.unlink(missing_ok=True)
    client = HttpClient(root)
    start = time.perf_counter()
    project = client.project(server.url_for(path), "pkg", entry)
    versions = project.versions()
    files = sum(len(project.files(version)) for version in versions)
    elapsed = time.perf_counter() - start
    assert files == n == len(versions), (files, n, len(versions))
    return elapsed


def run(sizes: tuple[int, ...] = SIZES, reps: int = 3) -> list[dict[str, Any]]:
    from http_server import HttpServer

    rows = []
    with HttpServer() as server, tempfile.TemporaryDirectory() as work:
        for n in sizes:
            for kind, make, content_type in (("JSON", json_page, JSON), ("HTML", html_page, HTML)):
                body = make(n)
                best = min(_one(server, Path(work), body, content_type, n) for _ in range(reps))
                rows.append({"n": n, "format": kind, "bytes": len(body), "seconds": best})
                print(f"  {kind} {n:>7} links: {best * 1e6 / n:.2f} µs per link", flush=True)
    return rows


def report(rows: list[dict[str, Any]]) -> str:
    first = {row["format"]: row["seconds"] / row["n"] for row in rows if row["n"] == rows[0]["n"]}
    lines = [
        "## Index pages at scale (time per link must stay flat)",
        "",
        "| format | links | page MB | total s | µs per link | vs smallest |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        per_link = row["seconds"] / row["n"]
        lines.append(
            f"| {row['format']} | {row['n']:,} | {row['bytes'] / 1e6:.1f} | "
            f"{row['seconds']:.3f} | {per_link * 1e6:.2f} | "
            f"{per_link / first[row['format']]:.2f}x |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(str(n) for n in SIZES))
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args(argv)
    sizes = tuple(int(n) for n in args.sizes.split(","))
    print(report(run(sizes, args.reps)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
