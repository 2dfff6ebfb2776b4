"""The package index: numpy's project page (4,415 files, 1.9 MB of JSON), warm and cold,
next to what a Python resolver does with the same JSON, one run.

* **Warm.** The page is in the cache and fresh. sdistill: ``HttpClient.project`` (the
  entry checked, the archived project validated or remembered) plus ``versions()`` —
  once with a client that has already read the entry (a resolver's steady state), once
  with a new client each time (the first read in a process: one read of the entry,
  CRCs, ``rkyv`` validation). The peer: ``json.loads`` of the same JSON alone, with no
  cache lookup and no versions list. Also the files of one version (``files(v)`` and
  reading every field of each).
* **Cold.** Parse + group + archive + store of the page as fetched from a loopback
  server (one request), against ``json.loads`` + building the ``packaging`` objects a
  resolver needs for every file: its parsed filename (version, tags) and its
  ``requires-python`` specifier.

    python benches/bench_index.py [--reps 200]
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench_http import per_call

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

PAGE = REPO / "tests" / "fixtures" / "simple" / "numpy.json.gz"
JSON = "application/vnd.pypi.simple.v1+json"


def _best(function: Callable[[], object], reps: int) -> float:
    best = float("inf")
    for _ in range(reps):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def _packaging_objects(body: bytes) -> int:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet
    from packaging.utils import (
        InvalidSdistFilename,
        InvalidWheelFilename,
        parse_sdist_filename,
        parse_wheel_filename,
    )

    made = 0
    for file in json.loads(body)["files"]:
        name = file["filename"]
        try:
            if name.endswith(".whl"):
                parse_wheel_filename(name)
            else:
                parse_sdist_filename(name)
        except (InvalidSdistFilename, InvalidWheelFilename):
            continue
        requires = file.get("requires-python")
        if requires:
            with contextlib.suppress(InvalidSpecifier):
                SpecifierSet(requires)
        made += 1
    return made


def _first_opens(clients: list[Any], url: str, entry: Path) -> float:
    """Best of three rounds: seconds per first open (one new client each)."""
    rounds = [clients[i::3] for i in range(3)]
    best = float("inf")
    for group in rounds:
        start = time.perf_counter()
        for client in group:
            client.project(url, "numpy", entry).versions()
        best = min(best, (time.perf_counter() - start) / len(group))
    return best


def run(reps: int = 200) -> dict[str, Any]:
    from http_server import HttpServer, Reply
    from sdistill.http import HttpClient

    body = gzip.decompress(PAGE.read_bytes())
    with HttpServer() as server, tempfile.TemporaryDirectory() as work:
        server.route(
            "/simple/numpy/",
            Reply(200, {"Content-Type": JSON, "Cache-Control": "max-age=3600"}, body),
        )
        url = server.url_for("/simple/numpy/")
        root = Path(work)
        client = HttpClient(root)
        entry = root / "simple-v1" / "bench" / "numpy"

        def cold() -> None:
            entry.unlink(missing_ok=True)
            HttpClient(root).project(url, "numpy", entry)

        cold_s = _best(cold, max(5, reps // 20))
        project = client.project(url, "numpy", entry)
        versions = project.versions()
        newest = versions[0]
        requests_before = server.count()
        warm_us = per_call(lambda: client.project(url, "numpy", entry).versions(), reps * 10)
        # Clients made beforehand: what is timed is a client's first read of the entry.
        fresh = [HttpClient(root) for _ in range(reps * 3)]
        first_us = _first_opens(fresh, url, entry)
        assert server.count() == requests_before, "a warm open went to the network"

        def read_files() -> list[tuple[object, ...]]:
            return [
                (f.filename, f.url, f.hashes, f.requires_python, f.yanked, f.core_metadata)
                for f in project.files(newest)
            ]

        files_us = per_call(lambda: project.files(newest), reps * 10)
        fields_us = per_call(read_files, reps * 10)
        loads_s = _best(lambda: json.loads(body), max(10, reps // 10))
        objects_s = _best(lambda: _packaging_objects(body), max(5, reps // 40))
    return {
        "files": project.file_count,
        "versions": len(versions),
        "newest": newest,
        "newest_files": len(project.files(newest)),
        "json_bytes": len(body),
        "warm_us": warm_us * 1e6,
        "first_us": first_us * 1e6,
        "files_us": files_us * 1e6,
        "fields_us": fields_us * 1e6,
        "loads_us": loads_s * 1e6,
        "cold_ms": cold_s * 1e3,
        "objects_ms": objects_s * 1e3,
    }


def report(r: dict[str, Any]) -> str:
    return "\n".join(
        [
            f"## Index: numpy's page ({r['files']} files, {r['versions']} versions, "
            f"{r['json_bytes'] / 1e6:.1f} MB JSON)",
            "",
            "| warm | µs | vs `json.loads` alone |",
            "| --- | ---: | ---: |",
            f"| `json.loads` of the page (nothing else) | {r['loads_us']:.0f} | 1x |",
            f"| sdistill: open the cached project + `versions()` | {r['warm_us']:.1f} | "
            f"{r['loads_us'] / r['warm_us']:.0f}x faster |",
            f"| sdistill: the same, a client's first open (read + check the head) | "
            f"{r['first_us']:.0f} | {r['loads_us'] / r['first_us']:.1f}x faster |",
            f"| sdistill: `files('{r['newest']}')` ({r['newest_files']} files) | "
            f"{r['files_us']:.1f} | |",
            f"| sdistill: the same + reading every field of each | {r['fields_us']:.1f} | |",
            "",
            "| cold | ms |",
            "| --- | ---: |",
            "| sdistill: fetch (loopback) + parse + group + archive + store | "
            f"{r['cold_ms']:.1f} |",
            f"| `json.loads` + `packaging` filename and `requires-python` objects per file | "
            f"{r['objects_ms']:.1f} |",
            "",
            f"Cold: sdistill is {r['objects_ms'] / r['cold_ms']:.1f}x faster.",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=200)
    args = parser.parse_args(argv)
    print(report(run(args.reps)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
