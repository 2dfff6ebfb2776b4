"""A real-world check: ``sdistill metadata`` against the published wheels.

For every ``name==version`` in ``projects.txt`` (pinned to releases that publish both an
sdist and a pure-Python wheel), this runs the installed command line, ``sdistill
--cache-dir DIR metadata name==version --json``, ``--runs`` times (the first on a cold
cache, the next ones warm), timing each, and compares its answer with the ``METADATA``
of the published wheel (``published.py``: downloaded once into ``--wheel-dir``, its hash
checked) by meaning (``compare.py``): name, version, requires-python (by the versions it
admits), requires-dist (markers by their truth table over a grid of environments) and
provides-extra. A warm answer must also mean what the cold one did.

One line per project (``MATCH``, ``MISMATCH field: …``, ``ERROR class: …``, with the
seconds of each run), then a summary: counts, every mismatch with both values, every
error with the last lines of its message, the counts by backend group, cold and warm
times, and the cache size (``report.py``); ``--json-out`` writes the same as a report.
Only the standard library and ``packaging``; run by ``make realworld`` (needs the index,
takes minutes) as ``python realworld/check.py``, which puts this directory, and so its
sibling modules, on ``sys.path``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from compare import Mismatch, compare
from published import DEFAULT_INDEX, Project, parse_metadata, read_projects, wheel_metadata
from report import Result, Run, report_json, summary

HERE = Path(__file__).resolve().parent


# --- running the command line -------------------------------------------------------------


def run_sdistill(
    command: Sequence[str], cache_dir: Path, spec: str, extra: Sequence[str], timeout: float
) -> Run:
    argv = [*command, "--cache-dir", str(cache_dir), "metadata", spec, "--json", *extra]
    start = time.monotonic()
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return Run(time.monotonic() - start, "timeout", "Timeout", f"over {timeout:.0f} s")
    seconds = time.monotonic() - start
    try:
        answers = json.loads(proc.stdout)
        answer = answers[0] if isinstance(answers, list) and answers else None
    except json.JSONDecodeError:
        answer = None
    if proc.returncode == 0 and isinstance(answer, dict) and "error" not in answer:
        return Run(seconds, "ok", answer=answer)
    if isinstance(answer, dict) and "error" in answer:
        kind, message = str(answer.get("type", "Error")), str(answer["error"])
    elif proc.returncode < 0:
        kind = f"killed by {_signal_name(-proc.returncode)}"
        message = proc.stderr.strip() or "(no output)"
    else:
        kind = f"exit {proc.returncode}"
        message = proc.stderr.strip() or proc.stdout.strip() or "(no output)"
    return Run(seconds, "error", kind, message)


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def check_project(project: Project, options: argparse.Namespace) -> Result:
    result = Result(project)
    expected: dict[str, Any] | None = None
    try:
        result.wheel, text, result.generator = wheel_metadata(
            project, options.index_url, options.wheel_dir
        )
        expected = parse_metadata(text)
    except Exception as err:  # the reference is missing: reported, never hidden
        result.error_type, result.error = "Reference", f"{type(err).__name__}: {err}"
    for _ in range(options.runs):
        result.runs.append(
            run_sdistill(
                options.command, options.cache_dir, project.spec, options.pass_args, options.timeout
            )
        )
    failed = next((r for r in result.runs if r.status != "ok"), None)
    if failed is not None:
        result.error_type, result.error = failed.error_type, failed.error
        return result
    if expected is None:
        return result
    first = result.runs[0].answer
    assert first is not None
    result.mismatches = compare(expected, first)
    for later in result.runs[1:]:
        assert later.answer is not None
        if compare(_as_reference(first), later.answer):
            result.mismatches.append(
                Mismatch("warm-answer", [json.dumps(first)], [json.dumps(later.answer)])
            )
    result.status = "MISMATCH" if result.mismatches else "MATCH"
    return result


def _as_reference(answer: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": answer.get("name"),
        "version": answer.get("version"),
        "requires_python": answer.get("requires_python"),
        "requires_dist": list(answer.get("requires_dist") or []),
        "provides_extra": list(answer.get("provides_extra") or []),
    }


# --- the summary ---------------------------------------------------------------------------


def cache_size(command: Sequence[str], cache_dir: Path) -> dict[str, Any] | None:
    argv = [*command, "--cache-dir", str(cache_dir), "cache", "size", "--json"]
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        print(f"cache size failed: {proc.stderr.strip()}", file=sys.stderr)
        return None
    data: dict[str, Any] = json.loads(proc.stdout)
    return data


# --- the command line ------------------------------------------------------------------------


def _command(explicit: str | None) -> list[str]:
    if explicit:
        return [explicit]
    beside = Path(sys.executable).parent / "sdistill"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("sdistill")
    if found:
        return [found]
    return [sys.executable, "-m", "sdistill"]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--projects", type=Path, default=HERE / "projects.txt")
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=None,
        help="sdistill's cache (default: a fresh temporary directory, removed at the end)",
    )
    parser.add_argument(
        "--wheel-dir",
        type=Path,
        default=HERE / ".cache" / "wheels",
        help="where the published wheels are kept between runs",
    )
    parser.add_argument("--jobs", type=int, default=1, help="projects checked at once")
    parser.add_argument("--only", nargs="+", default=[], metavar="NAME", help="only these")
    parser.add_argument("--runs", type=int, default=2, help="runs per project (cold, then warm)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per run")
    parser.add_argument("--index-url", default=DEFAULT_INDEX, help="where the wheels are found")
    parser.add_argument("--sdistill", default=None, help="the sdistill executable")
    parser.add_argument(
        "--build-constraint",
        action="append",
        default=[],
        metavar="FILE",
        help="passed to sdistill metadata (repeatable)",
    )
    parser.add_argument(
        "--pass",
        dest="extra",
        action="append",
        default=[],
        metavar="ARG",
        help="any other argument for sdistill metadata (repeatable; --pass=--flag)",
    )
    parser.add_argument("--json-out", type=Path, default=None, help="machine-readable report")
    options = parser.parse_args(argv)
    if options.runs < 1 or options.jobs < 1:
        parser.error("--runs and --jobs must be at least 1")
    options.command = _command(options.sdistill)
    options.pass_args = [
        *itertools.chain.from_iterable(("--build-constraint", f) for f in options.build_constraint),
        *options.extra,
    ]
    return options


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_args(argv)
    projects = read_projects(options.projects)
    if options.only:
        wanted = {canonicalize_name(n.split("==")[0]) for n in options.only}
        projects = [p for p in projects if canonicalize_name(p.name) in wanted]
        if not projects:
            raise SystemExit(f"none of {options.only} is in {options.projects}")
    temporary = options.cache_dir is None
    if temporary:
        options.cache_dir = Path(tempfile.mkdtemp(prefix="sdistill-realworld-"))
    options.cache_dir = options.cache_dir.resolve()
    print(
        f"{len(projects)} projects, {options.runs} run(s) each, {options.jobs} at once; "
        f"cache {options.cache_dir}; {' '.join(options.command)}",
        flush=True,
    )
    start = time.monotonic()
    results: list[Result] = []
    try:
        with ThreadPoolExecutor(options.jobs) as pool:
            futures = [pool.submit(check_project, p, options) for p in projects]
            for future in as_completed(futures):
                results.append(future.result())
                print(results[-1].line(), flush=True)
        order = {p.spec: i for i, p in enumerate(projects)}
        results.sort(key=lambda r: order[r.project.spec])
        wall = time.monotonic() - start
        size = cache_size(options.command, options.cache_dir)
    finally:
        if temporary:
            shutil.rmtree(options.cache_dir, ignore_errors=True)
    for line in summary(results, size, wall):
        print(line)
    if options.json_out is not None:
        report = report_json(results, size, wall, options)
        options.json_out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0 if all(r.status == "MATCH" for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
