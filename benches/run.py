"""Entry point of ``make bench``: every peer comparison, one run, one report.

Fetches the pinned numpy 2.1.3 sdist and the 25-sdist corpus if needed
(``tests/fixtures/fetch.py``), runs ``bench_extract`` (extraction times and peak
memory), ``bench_digest`` (``cache_digest`` per call), ``bench_http`` (fresh cache
hits next to CacheControl), ``bench_download`` (direct-URL sources: warm metadata next
to a local archive, download+extract next to pip), ``bench_index`` (numpy's project
page warm and cold next to ``json.loads``), ``bench_index_scaling`` (the time per
link of generated pages of 10k to 160k links, which must stay flat) and
``bench_metadata`` (metadata of the corpus, cold and warm, next to uv and pip: from
the files, then as ``name==version`` through a loopback index), ``bench_git``
(git sources next to uv: cold, warm with a full sha, warm with a branch) and
``bench_resolve`` (``sdistill resolve`` next to ``uv pip compile`` and ``pip-compile`` on
three real requirement sets against the reachable index, cold and warm; wheel metadata by
range requests next to whole downloads), prints the results as markdown and writes them to
``bench-results/latest.md``.

    python benches/run.py [--reps 5] [--workdir DIR] [--output FILE] [--skip-memory]
        [--skip-disk] [--skip-metadata] [--skip-git] [--skip-resolve]
        [--resolve-sets small,data,large] [--no-index --find-links WHEELHOUSE]

The metadata section installs build backends from PyPI unless ``--no-index
--find-links DIR`` points every tool at a local wheelhouse instead.

Numbers are only meaningful for a release build (``make bench`` builds one).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import os
import platform
import shutil
import sys
import tempfile
from pathlib import Path

import bench_digest
import bench_download
import bench_extract
import bench_git
import bench_http
import bench_index
import bench_index_scaling
import bench_metadata
import bench_resolve

REPO = bench_extract.REPO


def _build_note(module_file: str | None) -> str:
    """A hint about the native module's build profile.

    A debug build of the module is tens of megabytes (unoptimised code and full debug
    info); the release profile (`make bench`) strips debug info and is about 2 MB.
    """
    if module_file is None:
        return "unknown"
    try:
        size = Path(module_file).stat().st_size
    except OSError:
        return "unknown"
    if size > 10_000_000:
        return f"{size / 1e6:.1f} MB: a debug build, numbers not representative"
    return f"{size / 1e6:.1f} MB: release build"


def environment(work: Path) -> list[str]:
    import sdistill
    from sdistill import _core

    core_file = getattr(_core, "__file__", None)
    return [
        f"- date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC}",
        f"- sdistill {sdistill.__version__}; native module: `{core_file}` "
        f"({_build_note(core_file)})",
        f"- Python {platform.python_version()} ({platform.python_implementation()}), "
        f"{platform.system()} {platform.release()} {platform.machine()}, "
        f"{os.cpu_count()} CPUs, running as uid {os.getuid()}",
    ]


def _git(args: argparse.Namespace) -> list[str]:
    if args.skip_git:
        return []
    print("git sources")
    return bench_git.run(args.reps)


def _resolve(args: argparse.Namespace) -> list[str]:
    if args.skip_resolve:
        return []
    print("resolution (sdistill resolve, uv pip compile, pip-compile)")
    sets = [s.strip() for s in args.resolve_sets.split(",") if s.strip()]
    # warm runs: at most 3 (pip-compile takes tens of seconds on the large set)
    return bench_resolve.run(reps=min(args.reps, 3), sets=sets, workdir=args.workdir)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run sdistill's peer benchmarks.")
    parser.add_argument("--reps", type=int, default=5, help="timed runs per tool (default 5)")
    parser.add_argument(
        "--disk-reps", type=int, default=3, help="timed runs per tool on disk (default 3)"
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="where the on-disk trees are extracted (default: a temporary directory next "
        "to the sdist, so every tool writes to the same filesystem) and where the metadata "
        "runs keep their caches (default: the system's temporary directory)",
    )
    parser.add_argument(
        "--output", type=Path, default=REPO / "bench-results" / "latest.md", help="markdown file"
    )
    parser.add_argument("--skip-memory", action="store_true", help="skip peak-memory runs")
    parser.add_argument("--skip-disk", action="store_true", help="skip the on-disk runs")
    parser.add_argument(
        "--skip-metadata", action="store_true", help="skip the metadata-of-sdists runs"
    )
    parser.add_argument("--skip-git", action="store_true", help="skip the git-sources runs")
    parser.add_argument(
        "--skip-resolve", action="store_true", help="skip the resolution and wheel-metadata runs"
    )
    parser.add_argument(
        "--resolve-sets",
        default=",".join(bench_resolve.SETS),
        help="requirement sets of the resolution runs (default: all)",
    )
    bench_metadata.add_arguments(parser)
    args = parser.parse_args(argv)
    if args.reps < 1 or args.disk_reps < 1:
        parser.error("--reps and --disk-reps must be at least 1")
    metadata_options = bench_metadata.options_from(parser, args)

    fetch = bench_extract.load_fetch()
    print("fetching the pinned bench sdist (if needed)")
    sdist = fetch.ensure("bench", quiet=True)[0]
    if args.workdir is not None:
        args.workdir.mkdir(parents=True, exist_ok=True)
    # Extraction is timed twice: in memory (tmpfs), which shows what each tool itself
    # costs and is repeatable, and on disk, which adds whatever the disk of the machine
    # costs every tool alike (on a shared VM that part is large and noisy).
    targets: list[tuple[str, Path | None, int]] = []
    memory_dir = bench_extract.memory_dir()
    if memory_dir is not None:
        targets.append(("in memory (tmpfs): each tool's own cost", memory_dir, args.reps))
    if not args.skip_disk or memory_dir is None:
        targets.append(("on disk", args.workdir or sdist.parent, args.disk_reps))

    zip_path = bench_extract.build_zip(sdist, bench_extract.bench_zip_path(sdist))
    lines_extract: list[str] = []
    env: list[str] = []
    memory = []
    for title, base, reps in targets:
        work = Path(tempfile.mkdtemp(prefix="sdistill-bench-", dir=base)).resolve()
        try:
            cases = bench_extract.make_cases(sdist, zip_path)
            print(f"extraction {title}: {len(cases)} cases x {reps} runs in {work}")
            bench_extract.time_cases(cases, reps, work / "extract")
            if not memory and not args.skip_memory:
                print("peak memory")
                memory = bench_extract.measure_memory(sdist, zip_path, work / "memory")
            env = env or environment(work)
            env.append(f"- {title}: `{work}` ({bench_extract.filesystem(work)})")
        finally:
            shutil.rmtree(work, ignore_errors=True)
        lines_extract += [f"### {title}", "", *bench_extract.extraction_markdown(cases)]
    print("cache_digest")
    digests = bench_digest.run()
    print("HTTP fresh hits")
    fresh_hits = bench_http.run()
    print("index pages")
    index_pages = bench_index.report(bench_index.run())
    print("index pages at scale")
    index_scaling = bench_index_scaling.report(bench_index_scaling.run())
    print("direct-URL sources")
    direct = bench_download.report(
        bench_download.run_warm_metadata(), bench_download.run_download(base=memory_dir)
    )
    metadata = via_index = None
    if not args.skip_metadata:
        # the caches of every tool go to one place (a fresh directory on disk, where a
        # user's caches live); the builds' own temporary files too (TMPDIR)
        work = Path(tempfile.mkdtemp(prefix="sdistill-bench-metadata-", dir=args.workdir)).resolve()
        try:
            metadata = bench_metadata.run(work, metadata_options)
            # The resolver's shape: name==version on a loopback index of the corpus.
            via_index = bench_metadata.run(
                work, dataclasses.replace(metadata_options, via_index=True, reuse_reps=0)
            )
        finally:
            shutil.rmtree(work, ignore_errors=True)

    git_lines = _git(args)
    resolve_lines = _resolve(args)

    lines = ["# sdistill benchmarks", "", *(env or environment(Path.cwd())), ""]
    lines += ["## Extraction", "", *lines_extract]
    if memory:
        lines += bench_extract.memory_markdown(memory)
    lines += ["## Cache keys", "", *bench_digest.digest_markdown(digests)]
    lines += ["", *bench_http.report(fresh_hits).replace("## ", "## HTTP: ", 1).splitlines(), ""]
    lines += [*direct.splitlines(), ""]
    lines += [*index_pages.splitlines(), ""]
    lines += [*index_scaling.splitlines(), ""]
    if metadata is not None:
        lines += bench_metadata.metadata_markdown(metadata)
    if via_index is not None:
        lines += ["", "## Through a loopback index (name==version)", ""]
        lines += bench_metadata.metadata_markdown(via_index)
    lines += git_lines
    lines += resolve_lines
    report = "\n".join(lines).rstrip() + "\n"

    args.output.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.output.with_name(f".{args.output.name}.tmp")
    tmp.write_text(report, encoding="utf-8")
    os.replace(tmp, args.output)
    print()
    print(report)
    print(f"written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
