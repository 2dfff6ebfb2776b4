"""What ``check.py`` reports: each project's result and line, and the summary (counts,
mismatches with both values, errors with their last lines, counts by backend group,
cold and warm times, cache size), as text or as a JSON report."""

from __future__ import annotations

import argparse
import statistics
from dataclasses import asdict, dataclass, field
from typing import Any

from compare import Mismatch
from published import Project


@dataclass
class Run:
    seconds: float
    status: str  # "ok", "error", "timeout"
    error_type: str = ""
    error: str = ""
    answer: dict[str, Any] | None = None


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
