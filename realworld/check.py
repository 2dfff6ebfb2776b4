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
times, and the cache size; ``--json-out`` writes the same as a report. Only the standard
library and ``packaging``; run by ``make realworld`` (needs the index, takes minutes) as
``python realworld/check.py``, which puts this directory, and so its sibling modules, on
``sys.path``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from compare import Mismatch, compare
from published import DEFAULT_INDEX, Project, parse_metadata, read_projects, wheel_metadata

HERE = Path(__file__).resolve().parent


# --- running the command line -------------------------------------------------------------


@dataclass
class Run:
    seconds: float
    status: str  # "ok", "error", "timeout"
    error_type: str = ""
    error: str = ""
    answer: dict[str, Any] | None = None


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


@dataclass
class Result:
    project: Project
    status: str = "ERROR"  # MATCH, MISMATCH, ERROR
    runs: list[Run] = field(default_factory=list)
    mismatches: list[Mismatch] = field(default_factory=list)
    error_type: str = ""
    error: str = ""
    wheel: str = ""
    generator: str = ""

    def line(self) -> str:
        times = " ".join(f"{r.seconds:6.2f}s" for r in self.runs)
        head = f"{self.status:<8} {self.project.spec:<44} {times}"
        if self.status == "MISMATCH":
            return f"{head}  {'; '.join(m.short(80) for m in self.mismatches)}"
        if self.status == "ERROR":
            return f"{head}  {self.error_type}: {_first_line(self.error)}"
        return head


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    first = lines[0] if lines else ""
    return first if len(first) <= 120 else first[:119] + "…"


def _last_lines(text: str, count: int = 8) -> list[str]:
    lines = [line.rstrip() for line in text.strip().splitlines() if line.strip()]
    return lines[-count:]


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


def _times(values: list[float]) -> dict[str, float]:
    if not values:
        return {"count": 0, "median": 0.0, "max": 0.0, "total": 0.0}
    return {
        "count": len(values),
        "median": round(statistics.median(values), 3),
        "max": round(max(values), 3),
        "total": round(sum(values), 3),
    }


def _human(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


def summary(results: list[Result], size: dict[str, Any] | None, wall: float) -> list[str]:
    counts = {s: sum(r.status == s for r in results) for s in ("MATCH", "MISMATCH", "ERROR")}
    lines = [
        "",
        f"== summary: {len(results)} projects: {counts['MATCH']} match, "
        f"{counts['MISMATCH']} mismatch, {counts['ERROR']} error ({wall:.0f} s wall)",
    ]
    mismatched = [r for r in results if r.status == "MISMATCH"]
    if mismatched:
        lines.append("== mismatches (what only the wheel says / what only sdistill says)")
        for result in mismatched:
            lines.append(f"{result.project.spec}  [{result.project.group}]")
            for m in result.mismatches:
                lines.append(f"    {m.field}:")
                lines.append(f"      wheel:    {m.wheel}")
                lines.append(f"      sdistill: {m.sdistill}")
    errors = [r for r in results if r.status == "ERROR"]
    if errors:
        lines.append("== errors (last lines of each)")
        for result in errors:
            lines.append(f"{result.project.spec}  [{result.project.group}]  {result.error_type}")
            lines += [f"    {line}" for line in _last_lines(result.error)]
    by_group: dict[str, dict[str, int]] = {}
    for result in results:
        tally = by_group.setdefault(result.project.group or "-", {})
        tally[result.status] = tally.get(result.status, 0) + 1
    lines.append("== by backend group")
    for group, per in sorted(by_group.items()):
        lines.append(f"    {group:<36} " + ", ".join(f"{k} {v}" for k, v in sorted(per.items())))
    lines.append("== times (seconds; ok and failed runs alike)")
    for index in range(max((len(r.runs) for r in results), default=0)):
        label = "cold" if index == 0 else f"warm{index if index > 1 else ''}"
        stats = _times([r.runs[index].seconds for r in results if len(r.runs) > index])
        lines.append(
            f"    {label:<6} median {stats['median']:.2f}  max {stats['max']:.2f}  "
            f"total {stats['total']:.1f}  ({stats['count']} runs)"
        )
    if size is not None:
        lines.append(f"== cache size: {_human(int(size['bytes']))} in {size['files']} files")
        for name, bucket in sorted(size.get("buckets", {}).items()):
            lines.append(
                f"    {name:<16} {_human(int(bucket['bytes'])):>10} {bucket['files']:>8} files"
            )
    return lines


def report_json(
    results: list[Result], size: dict[str, Any] | None, wall: float, options: argparse.Namespace
) -> dict[str, Any]:
    projects = []
    for result in results:
        data = asdict(result)
        data["spec"] = result.project.spec
        for run in data["runs"]:
            run.pop("answer", None)
        data["answer"] = result.runs[0].answer if result.runs else None
        projects.append(data)
    return {
        "cache_dir": str(options.cache_dir),
        "runs": options.runs,
        "wall_seconds": round(wall, 3),
        "cache_size": size,
        "counts": {s: sum(r.status == s for r in results) for s in ("MATCH", "MISMATCH", "ERROR")},
        "projects": projects,
    }


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
