"""Direct-URL sources: warm metadata next to a local archive, and a cold download+extract
next to pip's downloader plus ``tarfile``, from one loopback server, one run.

* **Warm metadata.** One sdist with static metadata (attrs 24.2.0) is asked for twice
  per builder: as the local archive and as ``http://127.0.0.1:…/attrs-24.2.0.tar.gz``
  served with ``Cache-Control: max-age=3600``. After one untimed call each, every call
  is a warm answer: the local one stamps the archive, the URL one checks the archive's
  HTTP policy (fresh: no request) and reads the same kind of answer record. The report
  gives microseconds per call and the ratio URL / local (target: at most 1.5).
* **Download+extract.** The numpy 2.1.3 sdist (20 MB, 1.9k files) is served by the
  same server. sdistill: ``HttpClient.download_extract`` (stream, SHA-256 and extract
  in one pass). pip: its own downloader (``pip._internal.network.download.Downloader``
  with a ``PipSession``, as ``pip download`` uses it, saving the file), then
  ``tarfile.extractall(filter="data")`` as pip unpacks. ``pip download`` itself cannot
  stand in: for an sdist it also prepares metadata, which for numpy means running its
  meson build backend. Each tool runs ``--reps`` times, alternating, into fresh
  directories on tmpfs when the machine has one (the disk of a shared VM adds seconds
  of noise to every tool alike); the best run counts.

    python benches/bench_download.py [--reps 3] [--calls 2000]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench_extract import filesystem, memory_dir
from bench_http import per_call

if TYPE_CHECKING:
    from http_server import HttpServer

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

ARCHIVE_HEADERS = {"Cache-Control": "max-age=3600", "Content-Type": "application/gzip"}


def _fixture(group: str, name: str) -> Path:
    from fixtures import fetch

    for path in fetch.ensure(group, quiet=True):
        if path.name == name:
            return path
    raise SystemExit(f"{name} is not pinned in the {group!r} group of tests/fixtures")


def _serve(server: HttpServer, sdist: Path) -> str:
    """The URL at which ``server`` answers with ``sdist`` (fresh for an hour)."""
    from http_server import Reply

    server.route(f"/{sdist.name}", Reply(headers=dict(ARCHIVE_HEADERS), body=sdist.read_bytes()))
    return server.url_for(f"/{sdist.name}")


def run_warm_metadata(calls: int = 2000) -> dict[str, float]:
    from http_server import HttpServer
    from sdistill import SourceDistBuilder

    sdist = _fixture("tests", "attrs-24.2.0.tar.gz")
    with HttpServer() as server, tempfile.TemporaryDirectory() as work:
        url = _serve(server, sdist)
        local = str(Path(work) / sdist.name)
        shutil.copyfile(sdist, local)
        builder = SourceDistBuilder(cache_dir=Path(work) / "cache")
        expected, got = builder.metadata(local), builder.metadata(url)
        for field in ("name", "version", "requires_dist", "requires_python"):
            assert getattr(got, field) == getattr(expected, field), f"{field} differs"
        before = server.count()
        ours_local = per_call(lambda: builder.metadata(local), calls)
        ours_url = per_call(lambda: builder.metadata(url), calls)
        assert server.count() == before, "a warm answer went to the network"
    return {"local_us": ours_local * 1e6, "url_us": ours_url * 1e6, "ratio": ours_url / ours_local}


def _sdistill_download(url: str, dest: Path) -> None:
    from sdistill.http import HttpClient

    HttpClient(dest.parent / "cache").download_extract(url, dest, hashes=["sha256"])


def _pip_download(url: str, dest: Path) -> None:
    from pip._internal.models.link import Link
    from pip._internal.network.download import Downloader
    from pip._internal.network.session import PipSession

    saved = dest.parent / "download"
    saved.mkdir()
    with PipSession() as session:
        path, _ = Downloader(session, progress_bar="off")(Link(url), str(saved))
    with tarfile.open(path) as archive:
        archive.extractall(dest, filter="data")


def _tree(root: Path) -> tuple[int, int]:
    files = [p for p in root.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def run_download(reps: int = 3, base: Path | None = None) -> dict[str, Any]:
    """``base``: where the trees go (default: tmpfs if there is one, else ``/tmp``)."""
    from http_server import HttpServer

    base = base or memory_dir()

    sdist = _fixture("bench", "numpy-2.1.3.tar.gz")
    tools: dict[str, Callable[[str, Path], None]] = {
        "sdistill": _sdistill_download,
        "pip": _pip_download,
    }
    best = {name: float("inf") for name in tools}
    trees: dict[str, tuple[int, int]] = {}
    with HttpServer() as server:
        url = _serve(server, sdist)
        for rep in range(reps):
            order = list(tools) if rep % 2 == 0 else list(reversed(tools))
            for name in order:
                work = Path(tempfile.mkdtemp(prefix="sdistill-bench-download-", dir=base))
                try:
                    dest = work / "tree"
                    start = time.perf_counter()
                    tools[name](url, dest)
                    best[name] = min(best[name], time.perf_counter() - start)
                    trees[name] = _tree(dest)
                finally:
                    shutil.rmtree(work, ignore_errors=True)
    assert trees["sdistill"] == trees["pip"], f"the trees differ: {trees}"
    files, size = trees["sdistill"]
    return {
        "sdistill_s": best["sdistill"],
        "pip_s": best["pip"],
        "ratio": best["pip"] / best["sdistill"],
        "files": files,
        "bytes": size,
        "archive_bytes": sdist.stat().st_size,
        "filesystem": filesystem(base or Path(tempfile.gettempdir())),
    }


def report(warm: dict[str, float], download: dict[str, Any]) -> str:
    return "\n".join(
        [
            "## Warm metadata of one sdist (attrs 24.2.0), per call",
            "",
            "| source | µs per call |",
            "| --- | ---: |",
            f"| local archive | {warm['local_us']:.0f} |",
            f"| direct URL (`Cache-Control: max-age=3600`) | {warm['url_us']:.0f} |",
            "",
            f"The URL takes {warm['ratio']:.2f}x the local archive's time (target: 1.5x).",
            "",
            f"## Download+extract of numpy 2.1.3 ({download['archive_bytes'] / 1e6:.1f} MB, "
            f"{download['files']:.0f} files, {download['bytes'] / 1e6:.1f} MB unpacked) "
            f"from a loopback server, extracted on {download['filesystem']}",
            "",
            "| tool | seconds (best run) |",
            "| --- | ---: |",
            f"| sdistill `HttpClient.download_extract` | {download['sdistill_s']:.3f} |",
            f"| pip `Downloader` + `tarfile` | {download['pip_s']:.3f} |",
            "",
            f"sdistill is {download['ratio']:.1f}x faster.",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3, help="download runs per tool")
    parser.add_argument("--calls", type=int, default=2000, help="warm calls per loop")
    parser.add_argument(
        "--workdir", type=Path, default=None, help="where trees are extracted (default: tmpfs)"
    )
    args = parser.parse_args(argv)
    print(report(run_warm_metadata(args.calls), run_download(args.reps, args.workdir)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
