"""Fresh cache hits: sdistill's HTTP client next to CacheControl, same response, one run.

A loopback server answers one URL with a 17 KB body and ``Cache-Control: max-age=3600``
plus an ``ETag``. Each tool fetches it once to fill its cache, then answers the same
request from its cache many times. For CacheControl the check is
``CacheController.cached_request`` on a ``FileCache`` (read the file, unpack it, decide
freshness) plus reading the body; for sdistill it is ``HttpClient.get`` (read the entry,
validate the rkyv record, decide, copy the body into ``bytes``). The report gives the
time per check in microseconds and the ratio.

    python benches/bench_http.py [--checks 20000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

BODY = bytes(range(256)) * 68  # 17,408 bytes
HEADERS = {"Cache-Control": "max-age=3600", "ETag": '"bench-1"', "Content-Type": "text/html"}


def per_call(function: Callable[[], object], checks: int) -> float:
    """Best of three timed loops, seconds per call."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(checks):
            function()
        best = min(best, (time.perf_counter() - start) / checks)
    return best


def run(checks: int = 20000) -> dict[str, float]:
    import requests
    from cachecontrol import CacheControlAdapter
    from cachecontrol.caches import FileCache
    from http_server import HttpServer, Reply
    from sdistill.http import HttpClient

    with HttpServer() as server, tempfile.TemporaryDirectory() as work:
        server.route("/page", Reply(headers=dict(HEADERS), body=BODY))
        url = server.url_for("/page")

        client = HttpClient(Path(work) / "sdistill")
        assert client.get(url) == BODY

        session = requests.Session()
        adapter = CacheControlAdapter(cache=FileCache(str(Path(work) / "cachecontrol")))
        session.mount("http://", adapter)
        assert session.get(url).content == BODY
        prepared = requests.Request("GET", url).prepare()

        def cachecontrol_check() -> bytes:
            response = adapter.controller.cached_request(prepared)
            assert response is not False
            return bytes(response.read())

        assert cachecontrol_check() == BODY
        requests_before = server.count()
        ours = per_call(lambda: client.get(url), checks)
        theirs = per_call(cachecontrol_check, max(1000, checks // 10))
        assert server.count() == requests_before, "a fresh hit went to the network"
    return {"sdistill_us": ours * 1e6, "cachecontrol_us": theirs * 1e6, "ratio": theirs / ours}


def report(result: dict[str, float]) -> str:
    return "\n".join(
        [
            "## Fresh-hit check (17 KB response, max-age=3600), per request",
            "",
            "| tool | µs per check |",
            "| --- | ---: |",
            f"| sdistill `HttpClient.get` | {result['sdistill_us']:.1f} |",
            f"| CacheControl `FileCache` | {result['cachecontrol_us']:.1f} |",
            "",
            f"sdistill is {result['ratio']:.1f}x faster.",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checks", type=int, default=20000)
    args = parser.parse_args(argv)
    print(report(run(args.checks)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
