"""A real-world check: ``sdistill metadata`` against the published wheels.

For every ``name==version`` in ``projects.txt`` (pinned to releases that publish both an
sdist and a pure-Python wheel), this runs the installed command line, ``sdistill
--cache-dir DIR metadata name==version --json``, ``--runs`` times (the first on a cold
cache, the next ones warm), timing each, and compares its answer with the ``METADATA``
of the published wheel (downloaded once into ``--wheel-dir``, its hash checked):

- name (normalised), version (PEP 440), requires-python (by the versions it admits);
- requires-dist as requirements compared by meaning: normalised name, extras, specifier
  set, URL, and markers by their truth table over a grid of environments (Python 3.8 to
  3.14, Linux, Windows and macOS machines, CPython and PyPy, each extra or none);
- provides-extra (normalised).

One line per project (``MATCH``, ``MISMATCH field: …``, ``ERROR class: …``, with the
seconds of each run), then a summary: counts, every mismatch with both values, every
error with the last lines of its message, cold and warm times, and the cache size.
Only the standard library and ``packaging``; run by ``make realworld`` (needs the
index, takes minutes).
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from packaging.markers import Marker
from packaging.metadata import parse_email
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import (
    InvalidWheelFilename,
    canonicalize_name,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

HERE = Path(__file__).resolve().parent
DEFAULT_INDEX = "https://pypi.org/simple"
JSON_ACCEPT = "application/vnd.pypi.simple.v1+json"
FIELDS = ("name", "version", "requires_python", "requires_dist", "provides_extra")


# --- the project list -------------------------------------------------------------------


@dataclass(frozen=True)
class Project:
    name: str
    version: str
    group: str

    @property
    def spec(self) -> str:
        return f"{self.name}=={self.version}"


def read_projects(path: Path) -> list[Project]:
    """``name==version  # group`` lines; blank lines and ``#`` comments are skipped."""
    projects: list[Project] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        text, _, comment = line.partition("#")
        text = text.strip()
        if not text:
            continue
        name, sep, version = text.partition("==")
        if not sep or not name.strip() or not version.strip():
            raise SystemExit(f"{path}:{number}: expected NAME==VERSION, got {text!r}")
        projects.append(Project(name.strip(), version.strip(), comment.strip()))
    return projects


# --- the published wheel ----------------------------------------------------------------


def _get(url: str, accept: str | None = None, timeout: float = 120) -> bytes:
    headers = {"User-Agent": "sdistill-realworld"}
    if accept:
        headers["Accept"] = accept
    request = urllib.request.Request(url, headers=headers)
    last: Exception | None = None
    for attempt in range(4):
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                data: bytes = response.read()
                return data
        except OSError as err:  # URLError and timeouts are OSErrors
            last = err
            time.sleep(2**attempt)
    assert last is not None
    raise last


def find_wheel(project: Project, index: str) -> tuple[str, str, str | None]:
    """``(filename, url, sha256)`` of the project's pure wheel, from the PEP 691 page."""
    page_url = f"{index.rstrip('/')}/{canonicalize_name(project.name)}/"
    page = json.loads(_get(page_url, accept=JSON_ACCEPT))
    want = Version(project.version)
    found: list[tuple[int, str, str, str | None]] = []
    for file in page.get("files", []):
        filename = file["filename"]
        if not filename.endswith(".whl") or file.get("yanked"):
            continue
        try:
            _, version, _, tags = parse_wheel_filename(filename)
        except (InvalidWheelFilename, InvalidVersion):
            continue
        pure = all(t.abi == "none" and t.platform == "any" for t in tags)
        if version != want or not pure or not any(t.interpreter == "py3" for t in tags):
            continue
        url = urllib.parse.urljoin(page_url, file["url"])
        found.append((len(tags), filename, url, file.get("hashes", {}).get("sha256")))
    if found:
        _, filename, url, sha256 = min(found)
        return filename, url, sha256
    raise LookupError(f"no pure-Python wheel of {project.spec} on {index}")


_download_locks: dict[str, threading.Lock] = {}
_download_guard = threading.Lock()


def wheel_metadata(project: Project, index: str, wheel_dir: Path) -> tuple[str, str, str]:
    """``(wheel filename, METADATA text, WHEEL generator)``; the wheel is downloaded once."""
    with _download_guard:
        lock = _download_locks.setdefault(project.spec, threading.Lock())
    with lock:
        folder = wheel_dir / canonicalize_name(project.name)
        cached = [p for p in sorted(folder.glob("*.whl")) if _is_wheel_of(p.name, project)]
        if cached:
            path = cached[0]
        else:
            filename, url, sha256 = find_wheel(project, index)
            data = _get(url, timeout=600)
            if sha256 and hashlib.sha256(data).hexdigest() != sha256:
                raise ValueError(f"{filename}: sha256 does not match the index")
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / filename
            with tempfile.NamedTemporaryFile(dir=folder, delete=False) as out:
                out.write(data)
            os.replace(out.name, path)
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        dist_info = [n for n in names if n.count("/") == 1 and n.endswith(".dist-info/METADATA")]
        if len(dist_info) != 1:
            raise ValueError(f"{path.name}: {len(dist_info)} .dist-info/METADATA files")
        metadata = archive.read(dist_info[0]).decode("utf-8")
        wheel_file = dist_info[0].rsplit("/", 1)[0] + "/WHEEL"
        generator = ""
        if wheel_file in names:
            for line in archive.read(wheel_file).decode("utf-8", "replace").splitlines():
                if line.lower().startswith("generator:"):
                    generator = line.split(":", 1)[1].strip()
    return path.name, metadata, generator


def _is_wheel_of(filename: str, project: Project) -> bool:
    try:
        _, version, _, _ = parse_wheel_filename(filename)
    except (InvalidWheelFilename, InvalidVersion):
        return False
    return version == Version(project.version)


def parse_metadata(text: str) -> dict[str, Any]:
    """The compared fields of a ``METADATA`` file, as ``sdistill metadata --json`` has them.

    ``parse_email`` is what ``Metadata.from_email`` reads with; its raw strings are kept
    here so that one bad requirement is reported rather than hiding the file.
    """
    raw, _ = parse_email(text)
    return {
        "name": raw.get("name"),
        "version": raw.get("version"),
        "requires_python": raw.get("requires_python"),
        "requires_dist": list(raw.get("requires_dist", [])),
        "provides_extra": list(raw.get("provides_extra", [])),
    }


# --- comparison by meaning ---------------------------------------------------------------

_PLATFORMS = (
    # sys_platform, platform_system, os_name, platform_machine
    ("linux", "Linux", "posix", "x86_64"),
    ("linux", "Linux", "posix", "aarch64"),
    ("win32", "Windows", "nt", "AMD64"),
    ("darwin", "Darwin", "posix", "arm64"),
    ("darwin", "Darwin", "posix", "x86_64"),
)
_IMPLEMENTATIONS = (("cpython", "CPython"), ("pypy", "PyPy"))
_PYTHONS = tuple(f"3.{minor}.{micro}" for minor in range(8, 15) for micro in (0, 12))


def _environments(extras: Iterable[str]) -> list[dict[str, str]]:
    envs: list[dict[str, str]] = []
    for full, platform, impl, extra in itertools.product(
        _PYTHONS, _PLATFORMS, _IMPLEMENTATIONS, ["", *sorted(extras)]
    ):
        sys_platform, system, os_name, machine = platform
        envs.append(
            {
                "python_version": ".".join(full.split(".")[:2]),
                "python_full_version": full,
                "implementation_version": full,
                "sys_platform": sys_platform,
                "platform_system": system,
                "os_name": os_name,
                "platform_machine": machine,
                "platform_release": "",
                "platform_version": "",
                "implementation_name": impl[0],
                "platform_python_implementation": impl[1],
                "extra": extra,
            }
        )
    return envs


class MarkerTable:
    """Truth tables of markers over the environment grid (cached per marker text)."""

    def __init__(self, extras: Iterable[str]) -> None:
        self._with_extras = _environments(extras)
        self._without_extras = _environments([])
        self._cache: dict[str, tuple[bool, ...] | str] = {}

    def table(self, marker: Marker | None) -> tuple[bool, ...] | str:
        if marker is None:
            return ()
        text = str(marker)
        if text not in self._cache:
            # Markers without "extra" do not depend on it: one row per extra is wasted.
            envs = self._with_extras if "extra" in text else self._without_extras
            try:
                rows = tuple(marker.evaluate(env) for env in envs)
            except Exception as err:  # an undefined comparison is part of the answer
                self._cache[text] = f"error: {err}"
            else:
                # Always true is the same as no marker.
                self._cache[text] = () if all(rows) else ("extra" in text, *rows)
        return self._cache[text]


def _requirement_key(text: str, markers: MarkerTable) -> tuple[Any, ...]:
    try:
        req = Requirement(text)
    except InvalidRequirement:
        return ("unparsable", text.strip())
    return (
        canonicalize_name(req.name),
        frozenset(canonicalize_name(e) for e in req.extras),
        frozenset(str(s) for s in req.specifier),
        req.url or "",
        markers.table(req.marker),
    )


def _python_key(text: str | None) -> tuple[Any, ...]:
    """Which versions a requires-python admits (empty or missing admits every one)."""
    if text is None or not text.strip():
        return ()
    try:
        spec = SpecifierSet(text)
    except InvalidSpecifier:
        return ("unparsable", text.strip())
    probes = [
        f"{major}.{minor}.{micro}"
        for major, minor in [(2, 6), (2, 7)] + [(3, m) for m in range(16)]
        for micro in (0, 1, 2, 5, 12)
    ]
    admitted = tuple(spec.contains(v, prereleases=True) for v in probes)
    return () if all(admitted) else admitted


def _version_key(text: str | None) -> Any:
    try:
        return Version(text or "")
    except InvalidVersion:
        return ("unparsable", text)


def compare(expected: dict[str, Any], actual: dict[str, Any]) -> list[Mismatch]:
    """The fields on which two metadata answers differ in meaning."""
    mismatches: list[Mismatch] = []
    if canonicalize_name(str(expected["name"])) != canonicalize_name(str(actual.get("name"))):
        mismatches.append(Mismatch("name", [str(expected["name"])], [str(actual.get("name"))]))
    if _version_key(expected["version"]) != _version_key(actual.get("version")):
        mismatches.append(
            Mismatch("version", [str(expected["version"])], [str(actual.get("version"))])
        )
    want_python, got_python = expected["requires_python"], actual.get("requires_python")
    if _python_key(want_python) != _python_key(got_python):
        mismatches.append(Mismatch("requires_python", [str(want_python)], [str(got_python)]))
    want_extras = {canonicalize_name(e) for e in expected["provides_extra"]}
    got_extras = {canonicalize_name(e) for e in actual.get("provides_extra") or []}
    if want_extras != got_extras:
        mismatches.append(
            Mismatch(
                "provides_extra",
                sorted(want_extras - got_extras),
                sorted(got_extras - want_extras),
            )
        )
    markers = MarkerTable(want_extras | got_extras)
    want = {_requirement_key(r, markers): r for r in expected["requires_dist"]}
    got = {_requirement_key(r, markers): r for r in actual.get("requires_dist") or []}
    if set(want) != set(got):
        mismatches.append(
            Mismatch(
                "requires_dist",
                sorted(want[k] for k in set(want) - set(got)),
                sorted(got[k] for k in set(got) - set(want)),
            )
        )
    return mismatches


@dataclass
class Mismatch:
    """A field that differs: what only the wheel says, what only sdistill says."""

    field: str
    wheel: list[str]
    sdistill: list[str]

    def short(self, width: int = 100) -> str:
        text = f"{self.field}: wheel {self.wheel} vs sdistill {self.sdistill}"
        return text if len(text) <= width else text[: width - 1] + "…"


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
