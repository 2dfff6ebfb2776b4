"""Resolution: ``sdistill resolve`` next to ``uv pip compile`` and ``pip-compile``
(pip-tools) on real requirement sets, against the package index reachable from the
machine; and wheel metadata by HTTP range requests next to whole downloads.

Requirement sets (``benches/requirements/*.in``, unpinned top-level requirements):

* ``small``: a web stack (fastapi, uvicorn[standard], sqlalchemy, ...), 8 requirements;
* ``data``: a data-science stack (numpy, pandas, scipy, ..., jupyterlab), 10;
* ``large``: an application set in the spirit of a reduced Home Assistant, ~150
  (every entry resolves from wheels alone for CPython 3.11 on linux).

Every tool targets the same Python (``--python-version``, default 3.11; pip-compile
resolves for the interpreter that runs it, so the bench runs on that version) and the
same index (``--index-url``, default: pip's configured index, else PyPI), with the
environment's other index settings (``PIP_FIND_LINKS``, ``UV_*``, ``SDISTILL_*``) removed.
uv is given the interpreter that runs sdistill and pip-compile (``--python``): without
one it looks for an interpreter on every run (about 0.14 s here), which is not what is
being compared.
Per set, the tools run side by side, one after the other in each repetition:

* cold: every tool's cache empty (``UV_CACHE_DIR``-equivalent ``--cache-dir`` for uv;
  ``--cache-dir`` and ``PIP_CACHE_DIR`` for pip-compile; ``--cache-dir`` for sdistill, all
  in fresh temporary directories), median of ``--cold-reps`` runs (default: 2, or
  ``--reps`` if smaller);
* warm: the next ``--reps`` runs on the caches of the last cold run, median;
* offline: the next ``--offline-reps`` runs (default ``--reps``) on the same caches
  with ``--offline``, uv and sdistill only: every page answered from the cache without a
  request, the nearest both tools come to "every page fresh in the cache" on an index
  that sends no caching headers (pip keeps no pages, so pip-compile has no such run).

Wall time of the whole process. Ratios: sdistill / uv (at most 1.5 is the target, below
1 sdistill is ahead) and pip-compile / sdistill (at least 3 is the target). The pins of
every tool are compared with uv's (extras notation aside, names normalised); every pin
that differs is listed (name, the tool's version, uv's version). A run of ``sdistill
resolve`` that fails with a usage error (the command does not exist in this build) makes
its column "not available"; any other failure is reported with its last stderr lines.

Wheel metadata (``--wheels``, default 100): for the first compatible wheel (in page
order, CPython 3.11 and this platform's tags) of the pinned version of each project
pinned by the large set, ``SourceDistBuilder(cache_dir=..., index_url=...).index.
wheel_metadata_many(files)`` on an empty cache (range requests where the page
advertises no PEP 658 file) next to downloading the same files whole with a thread pool
of the same size (``--jobs``, default 8; urllib, bytes read and discarded); then the same
call again (answered from the cache). Bytes: what the machine's network interfaces
received meanwhile (``/proc/net/dev``, loopback excluded: TLS and headers included,
anything else the machine fetched too), and for the downloads the files' bytes.

The index as observed from the project's machine (``curl -sI``, December 2026):
project pages (``https://pypi.org/simple/<name>/``, HTML or PEP 691 JSON) and files
(``files.pythonhosted.org``) carry no ``Cache-Control``, ``ETag``, ``Last-Modified`` or
``Expires`` (only ``x-cache-status: BYPASS``), and a conditional request is answered
200 with the whole page, so every run of every tool refetches every page; files answer
``Accept-Ranges: bytes`` and a ranged GET 206 with a correct ``Content-Range``. The pages
advertise no PEP 658/714 metadata (no ``data-core-metadata``/``data-dist-info-metadata``
attribute, no ``core-metadata`` key in the JSON), although ``<wheel URL>.metadata``
exists on the file host: no tool asks for a file the page does not advertise, so uv
reads wheel metadata by range requests, pip-compile downloads whole wheels, and
sdistill uses range requests.

Pins that differ, as seen in December 2026 (both answers satisfy every requirement):

* large: pyopenssl 26.4.0 requires ``cryptography>=49,<51``; uv (PubGrub) decides the
  top-level ``cryptography`` first (51.0.1) and then walks pyopenssl back to 22.0.0, the
  newest without an upper bound, where resolvelib (pip-compile, sdistill) keeps
  pyopenssl 26.4.0 and takes cryptography 50.0.2;
* data, large: pip-compile resolves for the interpreter running it (3.11.7), uv and
  sdistill for ``--python-version 3.11`` (3.11.0 as far as ``Requires-Python`` goes), so
  soupsieve 4.x (``>=3.11.5``) is pip-compile's pin and 2.10 the others'.

    python benches/bench_resolve.py [--reps 3] [--cold-reps 2] [--offline-reps 3]
        [--sets small,data,large]
        [--tools sdistill,uv,pip-compile] [--wheels 100] [--jobs 8] [--skip-wheels]
        [--index-url URL] [--python-version 3.11] [--output FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import bench_extract
from packaging.tags import Tag, compatible_tags, cpython_tags, platform_tags
from packaging.utils import canonicalize_name, parse_wheel_filename

if TYPE_CHECKING:
    from sdistill import SourceDistBuilder
    from sdistill.index import IndexFile

REPO = Path(__file__).resolve().parents[1]
REQUIREMENTS = Path(__file__).resolve().parent / "requirements"
SETS = ("small", "data", "large")
TOOLS = ("sdistill", "uv", "pip-compile")
BIN = Path(sys.executable).parent
#: One run of a tool on one set may take this long before it counts as failed.
TIMEOUT = 900.0


class Unavailable(Exception):
    """The tool (or the feature measured) is not in this build or not installed."""


@dataclass
class Run:
    seconds: float
    pins: dict[str, str]
    #: sdistill only: how each pin's metadata was read (pep658, range, download, ...).
    via: Counter[str] = field(default_factory=Counter)


#: cold: empty caches; warm: the same caches again; offline: the same caches with
#: ``--offline`` (every page answered from the cache, no request made).
MODES = ("cold", "warm", "offline")


@dataclass
class Column:
    """One tool on one set: its times per mode, its last pins, or why there are none."""

    times: dict[str, list[float]] = field(default_factory=lambda: {m: [] for m in MODES})
    pins: dict[str, str] | None = None
    via: Counter[str] = field(default_factory=Counter)
    error: str | None = None
    unavailable: bool = False
    #: why the offline runs failed (the tool's other runs still count)
    offline_error: str | None = None

    def add(self, run: Run, mode: str) -> None:
        self.times[mode].append(run.seconds)
        if mode != "offline":
            self.pins = run.pins
            self.via = run.via

    @property
    def ok(self) -> bool:
        return self.error is None and not self.unavailable


@dataclass
class SetResult:
    name: str
    top_level: int
    columns: dict[str, Column]


# --- the tools ------------------------------------------------------------------------


def default_index_url() -> str:
    """pip's configured index (``PIP_INDEX_URL``, else ``pip config``), else PyPI."""
    if os.environ.get("PIP_INDEX_URL"):
        return os.environ["PIP_INDEX_URL"]
    done = subprocess.run(
        [sys.executable, "-m", "pip", "config", "list"],
        capture_output=True,
        text=True,
        check=False,
    )
    for line in done.stdout.splitlines():
        key, _, value = line.partition("=")
        if key.endswith(".index-url"):
            return value.strip().strip("'\"")
    return "https://pypi.org/simple"


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without settings that would point a tool elsewhere."""
    dropped = ("PIP_FIND_LINKS", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_NO_INDEX")
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in dropped and not k.startswith(("UV_", "SDISTILL_", "PIP_CACHE", "PIP_TOOLS"))
    }
    env.update(extra)
    return env


def parse_pins(text: str) -> dict[str, str]:
    """``name==version`` lines (extras, markers, hashes and options left out)."""
    pins: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].split(";", 1)[0].strip().rstrip("\\").strip()
        if not line or line.startswith("-") or "==" not in line:
            continue
        name, _, version = line.partition("==")
        pins[canonicalize_name(name.split("[", 1)[0].strip())] = version.strip()
    return pins


def _run(
    command: list[str], env: dict[str, str], cwd: Path
) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    done = subprocess.run(
        command, capture_output=True, text=True, env=env, cwd=cwd, timeout=TIMEOUT, check=False
    )
    return time.perf_counter() - start, done


def _failure(name: str, done: subprocess.CompletedProcess[str]) -> RuntimeError:
    tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-12:])
    return RuntimeError(f"{name} exited with {done.returncode}:\n{tail}")


@dataclass
class Settings:
    index_url: str
    python_version: str


class Tool:
    name = ""
    #: whether the tool resolves from its cache alone (``--offline``)
    offline = True

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def run(self, requirements: Path, cache: Path, work: Path, *, offline: bool = False) -> Run:
        raise NotImplementedError


class Uv(Tool):
    name = "uv"

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        uv = shutil.which("uv", path=str(BIN)) or shutil.which("uv")
        if uv is None:
            raise Unavailable("uv was not found")
        self.exe = uv

    def run(self, requirements: Path, cache: Path, work: Path, *, offline: bool = False) -> Run:
        out = work / "uv.txt"
        out.unlink(missing_ok=True)
        command = [self.exe, "pip", "compile", "--no-config", "--no-header", "--no-annotate"]
        command += ["--quiet", "--python-version", self.settings.python_version]
        command += ["--index-url", self.settings.index_url, "--cache-dir", str(cache)]
        # The interpreter sdistill runs in: without it uv looks for one on every run.
        command += ["--python", sys.executable]
        command += ["-o", str(out), str(requirements), *(["--offline"] if offline else [])]
        seconds, done = _run(command, clean_env(), work)
        if done.returncode != 0:
            raise _failure("uv pip compile", done)
        return Run(seconds, parse_pins(out.read_text(encoding="utf-8")))


class PipCompile(Tool):
    name = "pip-compile"
    offline = False  # pip keeps no project pages it could answer from

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        exe = shutil.which("pip-compile", path=str(BIN))
        if exe is None:
            raise Unavailable("pip-compile was not found (pip install -r benches/requirements.txt)")
        here = f"{sys.version_info.major}.{sys.version_info.minor}"
        if here != settings.python_version:
            raise Unavailable(
                f"pip-compile resolves for the interpreter running it ({here}), "
                f"not {settings.python_version}"
            )
        self.exe = exe

    def run(self, requirements: Path, cache: Path, work: Path, *, offline: bool = False) -> Run:
        # a fresh output file each time: pip-compile prefers the pins of an existing one
        out = work / "pip-compile.txt"
        out.unlink(missing_ok=True)
        command = [self.exe, "--quiet", "--no-header", "--no-annotate", "--strip-extras"]
        command += ["--no-emit-index-url", "--index-url", self.settings.index_url]
        command += ["--cache-dir", str(cache / "pip-tools"), "-o", str(out), str(requirements)]
        env = clean_env(PIP_CACHE_DIR=str(cache / "pip"))
        seconds, done = _run(command, env, work)
        if done.returncode != 0:
            raise _failure("pip-compile", done)
        return Run(seconds, parse_pins(out.read_text(encoding="utf-8")))


class Sdistill(Tool):
    name = "sdistill"

    def run(self, requirements: Path, cache: Path, work: Path, *, offline: bool = False) -> Run:
        # The `sdistill` command as a user runs it (not `python -m`, which adds runpy).
        script = BIN / "sdistill"
        launcher = [str(script)] if script.is_file() else [sys.executable, "-m", "sdistill"]
        command = [*launcher, "resolve", "-r", str(requirements)]
        command += ["--python-version", self.settings.python_version]
        command += ["--index-url", self.settings.index_url, "--cache-dir", str(cache), "--json"]
        command += ["--offline"] if offline else []
        seconds, done = _run(command, clean_env(), work)
        if done.returncode == 2 and "usage:" in done.stderr:
            last = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else ""
            raise Unavailable(f"`sdistill resolve` is not in this build ({last})")
        if done.returncode != 0:
            raise _failure("sdistill resolve", done)
        try:
            report = json.loads(done.stdout)
            pins: dict[str, str] = {
                str(canonicalize_name(p["name"])): str(p["version"]) for p in report["pins"]
            }
            via = Counter(str(p.get("metadata", "?")) for p in report["pins"])
        except (ValueError, KeyError, TypeError):
            pins, via = parse_pins(done.stdout), Counter()
        return Run(seconds, pins, via)


FACTORIES: dict[str, Callable[[Settings], Tool]] = {
    "sdistill": Sdistill,
    "uv": Uv,
    "pip-compile": PipCompile,
}


# --- resolution runs --------------------------------------------------------------------


def top_level_count(path: Path) -> int:
    lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return sum(1 for line in lines if line)


def _attempt(
    tool: Tool,
    column: Column,
    requirements: Path,
    cache: Callable[[], Path],
    work: Path,
    mode: str,
) -> None:
    """One timed run; a run that fails (the network of a shared machine has its moments)
    is made once more -- on a fresh cache when cold -- before the tool counts as failed
    (an offline failure is kept apart: the tool's other runs still count)."""
    offline = mode == "offline"
    if not column.ok or (offline and column.offline_error is not None):
        return
    for attempt in range(2):
        try:
            column.add(tool.run(requirements, cache(), work, offline=offline), mode)
            return
        except Unavailable as err:
            column.unavailable, column.error = True, str(err)
            return
        except (RuntimeError, subprocess.TimeoutExpired, OSError) as err:
            if offline:
                column.offline_error = str(err)
                return
            if attempt == 1:
                column.error = str(err)
            else:
                print(f"  {tool.name} failed, once more: {_first(str(err))}")


def _fixed(path: Path) -> Callable[[], Path]:
    return lambda: path


def run_set(
    name: str,
    tools: dict[str, Tool | str],
    reps: int,
    cold_reps: int,
    work: Path,
    offline_reps: int = 0,
) -> SetResult:
    requirements = REQUIREMENTS / f"{name}.in"
    columns = {tool: Column() for tool in tools}
    runnable = {k: t for k, t in tools.items() if not isinstance(t, str)}
    for tool_name, tool in tools.items():
        if isinstance(tool, str):
            columns[tool_name].unavailable, columns[tool_name].error = True, tool
    caches: dict[str, Path] = {}

    def fresh(tool_name: str) -> Callable[[], Path]:
        def make() -> Path:
            if tool_name in caches:  # the cache of the previous cold run is not needed
                shutil.rmtree(caches[tool_name], ignore_errors=True)
            caches[tool_name] = Path(tempfile.mkdtemp(prefix=f"{name}-{tool_name}-", dir=work))
            return caches[tool_name]

        return make

    counts = {"cold": cold_reps, "warm": reps, "offline": offline_reps}
    for mode in MODES:
        for n in range(counts[mode]):
            for tool_name, tool in runnable.items():
                if mode == "offline" and not tool.offline:
                    continue
                cache = fresh(tool_name) if mode == "cold" else _fixed(caches[tool_name])
                _attempt(tool, columns[tool_name], requirements, cache, work, mode)
                last = _last(columns[tool_name], mode)
                print(f"  {name} {mode} {n + 1}/{counts[mode]} {tool_name}: {last}")
    return SetResult(name, top_level_count(requirements), columns)


def _last(column: Column, mode: str) -> str:
    if not column.ok:
        return "not available" if column.unavailable else "failed"
    if mode == "offline" and column.offline_error is not None:
        return "failed"
    return f"{column.times[mode][-1]:.2f} s, {len(column.pins or {})} pins"


# --- wheel metadata: range requests vs whole downloads ---------------------------------


def network_bytes() -> int | None:
    """Bytes received by the machine's network interfaces, loopback excluded."""
    try:
        lines = Path("/proc/net/dev").read_text().splitlines()[2:]
    except OSError:
        return None
    total = 0
    for line in lines:
        interface, _, counters = line.partition(":")
        if interface.strip() != "lo":
            total += int(counters.split()[0])
    return total


@contextmanager
def measured() -> Iterator[dict[str, float]]:
    found: dict[str, float] = {}
    before, start = network_bytes(), time.perf_counter()
    try:
        yield found
    finally:
        found["seconds"] = time.perf_counter() - start
        after = network_bytes()
        if before is not None and after is not None:
            found["network"] = after - before


def target_tags(python_version: str) -> set[Tag]:
    major, minor = (int(part) for part in python_version.split(".")[:2])
    platforms = list(platform_tags())
    tags = set(cpython_tags((major, minor), platforms=platforms))
    tags.update(compatible_tags((major, minor), platforms=platforms))
    return tags


def pick_wheels(
    builder: SourceDistBuilder, pins: dict[str, str], count: int, tags: set[Tag]
) -> list[IndexFile]:
    """The first compatible wheel of the pinned version of each project, ``count`` at most."""
    index = builder.index
    files: list[IndexFile] = []
    for name, version in sorted(pins.items()):
        try:
            wheels = index.project(name).wheels(version)
        except Exception as err:  # a project the index lost is skipped
            print(f"  {name}: {err}")
            continue
        for file in wheels:
            if not tags.isdisjoint(parse_wheel_filename(file.filename)[3]):
                files.append(file)
                break
        if len(files) == count:
            break
    return files


def _ssl_context() -> ssl.SSLContext:
    cafile = os.environ.get("PIP_CERT") or os.environ.get("SSL_CERT_FILE")
    return ssl.create_default_context(cafile=cafile if cafile and Path(cafile).is_file() else None)


def download_whole(urls: Sequence[str], jobs: int) -> tuple[int, list[str]]:
    """Every URL read to its end, ``jobs`` at a time (a failed one retried twice): the
    bytes read, and the URLs that failed for good with why."""
    context = _ssl_context()

    def one(url: str) -> int | str:
        for attempt in range(3):
            total = 0
            try:
                with urllib.request.urlopen(url, context=context, timeout=120) as response:
                    while chunk := response.read(1 << 20):
                        total += len(chunk)
                return total
            except OSError as err:  # URLError, a reset, a timeout
                if attempt == 2:
                    return f"{url}: {err}"
                time.sleep(0.5 * (attempt + 1))
        raise AssertionError("unreachable")

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        outcomes = list(pool.map(one, urls))
    return (
        sum(o for o in outcomes if isinstance(o, int)),
        [o for o in outcomes if isinstance(o, str)],
    )


@dataclass
class WheelsResult:
    count: int = 0
    listed_bytes: int = 0
    range: dict[str, float] | None = None
    range_warm: dict[str, float] | None = None
    via: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    download: dict[str, float] | None = None
    note: str | None = None


def run_wheels(
    pins: dict[str, str], settings: Settings, count: int, jobs: int, work: Path
) -> WheelsResult:
    from sdistill import SourceDistBuilder

    result = WheelsResult()
    builder = SourceDistBuilder(cache_dir=work / "wheels-cache", index_url=settings.index_url)
    files = pick_wheels(builder, pins, count, target_tags(settings.python_version))
    result.count = len(files)
    result.listed_bytes = sum(file.size or 0 for file in files)
    print(f"  {len(files)} wheels, {result.listed_bytes / 1e6:.1f} MB listed")
    many = getattr(builder.index, "wheel_metadata_many", None)
    if many is None:
        result.note = "`Index.wheel_metadata_many` is not available in this build"
    else:
        try:
            with measured() as found:
                outcomes = many(files, jobs=jobs)
        except Exception as err:  # the whole call failed: reported, the downloads still run
            result.note = f"`Index.wheel_metadata_many` failed: {err}"
            outcomes, many = [], None
        result.range = found if many is not None else None
        for file, outcome in zip(files, outcomes):
            if isinstance(outcome, BaseException):
                result.errors.append(f"{file.filename}: {outcome}")
        result.via = Counter(getattr(builder.index, "metadata_via", {}).values())
    if many is not None:
        print(f"  range requests: {found['seconds']:.2f} s")
        with measured() as again:
            many(files, jobs=jobs)
        result.range_warm = again
    with measured() as found:
        payload, failed = download_whole([file.url for file in files], jobs)
        found["payload"] = payload
    result.download = found
    result.errors += [f"whole download of {line}" for line in failed]
    print(f"  whole downloads: {found['seconds']:.2f} s")
    return result


# --- the report -------------------------------------------------------------------------


def _median(times: list[float]) -> float | None:
    return statistics.median(times) if times else None


def _cell(column: Column | None, mode: str) -> str:
    if column is None or column.unavailable:
        return "n/a"
    value = _median(column.times[mode])
    if value is not None:
        return f"{value:.3f}" if value < 0.1 else f"{value:.2f}"  # ms show below 0.1 s
    failed = column.offline_error if mode == "offline" else column.error
    return "failed" if failed is not None else "—"


def _ratio(a: Column | None, b: Column | None, mode: str) -> str:
    if a is None or b is None:
        return "n/a"
    x, y = (_median(c.times[mode]) for c in (a, b))
    return f"{x / y:.2f}" if x and y else "—"


def _mb(value: float | None) -> str:
    return "n/a" if value is None else f"{value / 1e6:.1f} MB"


def pin_differences(pins: dict[str, str], reference: dict[str, str]) -> list[tuple[str, str, str]]:
    names = sorted(set(pins) | set(reference))
    return [
        (n, pins.get(n, "—"), reference.get(n, "—"))
        for n in names
        if pins.get(n) != reference.get(n)
    ]


def report(
    results: list[SetResult],
    wheels: WheelsResult | None,
    settings: Settings,
    reps: int,
    cold_reps: int,
    offline_reps: int = 0,
) -> list[str]:
    lines = [
        "## Resolution: `sdistill resolve`, `uv pip compile`, `pip-compile`",
        "",
        f"Index {settings.index_url}, Python {settings.python_version}; wall time (s) of each "
        f"tool's process, cold (every cache empty): median of {cold_reps}, warm (same caches): "
        f"median of {reps}, offline (same caches, `--offline`: every page answered from the "
        f"cache; pip-compile has no such mode): median of {offline_reps}. sdistill / uv: at "
        "most 1.5 is the target (below 1 when offline); pip-compile / sdistill: at least 3.",
        "",
        "| set (top-level → pins) | run | sdistill | uv | pip-compile | sdistill / uv "
        "| pip-compile / sdistill | pip-compile / uv |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for result in results:
        cols = result.columns
        pins = next((len(c.pins) for c in cols.values() if c.pins), 0)
        for mode in MODES:
            if mode == "offline" and not offline_reps:
                continue
            s, u, p = (cols.get(tool) for tool in TOOLS)
            lines.append(
                f"| {result.name} ({result.top_level} → {pins}) | {mode} "
                f"| {_cell(s, mode)} | {_cell(u, mode)} | {_cell(p, mode)} "
                f"| {_ratio(s, u, mode)} | {_ratio(p, s, mode)} | {_ratio(p, u, mode)} |"
            )
    lines += ["", *pins_report(results)]
    for result in results:
        for tool, column in result.columns.items():
            if column.error is not None and not column.unavailable:
                lines += ["", f"{result.name}, {tool} failed:", "", "```", column.error, "```"]
            if column.offline_error is not None:
                lines += ["", f"{result.name}, {tool} offline failed:", "", "```"]
                lines += [column.offline_error, "```"]
    if wheels is not None:
        lines += ["", *wheels_report(wheels, settings)]
    return lines


def pins_report(results: list[SetResult]) -> list[str]:
    """Every tool's pins next to uv's: identical, or each pin that differs."""
    lines: list[str] = []
    for result in results:
        uv = result.columns.get("uv")
        for tool in ("sdistill", "pip-compile"):
            column = result.columns.get(tool)
            if column is None:
                continue
            if column.pins is None or uv is None or uv.pins is None:
                why = column.error or (uv.error if uv else None) or "no pins"
                lines.append(f"- {result.name}, {tool}: pins not compared ({_first(why)})")
                continue
            differ = pin_differences(column.pins, uv.pins)
            via = ", ".join(f"{k} {v}" for k, v in sorted(column.via.items()))
            via = f"; metadata: {via}" if via else ""
            if not differ:
                lines.append(
                    f"- {result.name}, {tool}: pins identical to uv's ({len(uv.pins)}){via}"
                )
                continue
            lines.append(
                f"- {result.name}, {tool}: {len(differ)} of {len(uv.pins)} pins differ from "
                f"uv's{via}:"
            )
            lines += ["", f"  | project | {tool} | uv |", "  | --- | --- | --- |"]
            lines += [f"  | {n} | {mine} | {theirs} |" for n, mine, theirs in differ]
            lines.append("")
    return lines


def _first(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else text


def wheels_report(result: WheelsResult, settings: Settings) -> list[str]:
    lines = [
        f"## Wheel metadata of {result.count} wheels: range requests vs whole downloads",
        "",
        f"The first compatible wheel (CPython {settings.python_version}, this platform) of each "
        f"project pinned by the large set, {_mb(result.listed_bytes)} of wheels in all; "
        "network: bytes the machine's interfaces received meanwhile (TLS and headers included).",
        "",
        "| how | time (s) | network | wheel bytes |",
        "| --- | ---: | ---: | ---: |",
    ]
    down = result.download or {}
    if result.range is not None:
        via = ", ".join(f"{k} {v}" for k, v in sorted(result.via.items()))
        lines.append(
            f"| `Index.wheel_metadata_many`, empty cache ({via}) | {result.range['seconds']:.2f} "
            f"| {_mb(result.range.get('network'))} | — |"
        )
    if result.range_warm is not None:
        lines.append(
            f"| `Index.wheel_metadata_many` again (cached) | {result.range_warm['seconds']:.3f} "
            f"| {_mb(result.range_warm.get('network'))} | — |"
        )
    else:
        lines.append(f"| range requests | n/a | n/a | {result.note} |")
    if down:
        lines.append(
            f"| whole downloads (urllib, same pool size) | {down['seconds']:.2f} "
            f"| {_mb(down.get('network'))} | {_mb(down.get('payload'))} |"
        )
    lines.append("")
    if result.range is not None and down:
        speed = down["seconds"] / result.range["seconds"]
        line = f"Whole downloads / range requests: {speed:.1f}x the time (target ≥ 5x)"
        if result.range.get("network") and down.get("network"):
            line += f", {down['network'] / result.range['network']:.0f}x the network bytes"
        lines.append(line + ".")
    for error in result.errors:
        lines.append(f"- error: {error}")
    return lines


# --- entry points -----------------------------------------------------------------------


def make_tools(names: Sequence[str], settings: Settings) -> dict[str, Tool | str]:
    """The tools to run; a tool that cannot run is its reason (a string)."""
    tools: dict[str, Tool | str] = {}
    for name in names:
        try:
            tools[name] = FACTORIES[name](settings)
        except Unavailable as err:
            tools[name] = str(err)
    return tools


def run(
    reps: int = 3,
    cold_reps: int | None = None,
    sets: Sequence[str] = SETS,
    tools: Sequence[str] = TOOLS,
    wheels: int = 100,
    jobs: int = 8,
    index_url: str | None = None,
    python_version: str = "3.11",
    workdir: Path | None = None,
    offline_reps: int | None = None,
) -> list[str]:
    settings = Settings(index_url or default_index_url(), python_version)
    cold = min(2, reps) if cold_reps is None else cold_reps
    offline = reps if offline_reps is None else offline_reps
    made = make_tools(tools, settings)
    bench_extract.compile_bytecode()  # as an installed wheel is: imports timed, not compiles
    work = Path(tempfile.mkdtemp(prefix="sdistill-bench-resolve-", dir=workdir)).resolve()
    try:
        results = []
        for name in sets:
            print(f"resolving {name}")
            results.append(run_set(name, made, reps, cold, work, offline))
        wheel_result = None
        if wheels > 0:
            print(f"wheel metadata of {wheels} wheels")
            wheel_result = run_wheels(
                large_pins(results, settings, work), settings, wheels, jobs, work
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return report(results, wheel_result, settings, reps, cold, offline)


def large_pins(results: list[SetResult], settings: Settings, work: Path) -> dict[str, str]:
    """uv's pins of the large set: from this run, else from a run of uv made now."""
    for result in results:
        column = result.columns.get("uv")
        if result.name == "large" and column is not None and column.pins:
            return column.pins
    cache = work / "large-pins-uv"
    return Uv(settings).run(REQUIREMENTS / "large.in", cache, work).pins


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3, help="warm runs per tool (default 3)")
    parser.add_argument(
        "--cold-reps", type=int, default=None, help="cold runs per tool (default min(2, reps))"
    )
    parser.add_argument(
        "--sets", default=",".join(SETS), help="comma-separated: " + ", ".join(SETS)
    )
    parser.add_argument(
        "--tools", default=",".join(TOOLS), help="comma-separated: " + ", ".join(TOOLS)
    )
    parser.add_argument(
        "--offline-reps",
        type=int,
        default=None,
        help="offline runs per tool (uv, sdistill; default: reps; 0 skips them)",
    )
    parser.add_argument("--wheels", type=int, default=100, help="wheels for the metadata runs")
    parser.add_argument("--skip-wheels", action="store_true", help="skip the wheel-metadata runs")
    parser.add_argument("--jobs", type=int, default=8, help="concurrency of the wheel runs")
    parser.add_argument("--index-url", default=None, help="default: pip's index, else PyPI")
    parser.add_argument("--python-version", default="3.11")
    parser.add_argument("--workdir", type=Path, default=None, help="where the caches go")
    parser.add_argument("--output", type=Path, default=None, help="also write markdown here")
    args = parser.parse_args(argv)
    sets = [s.strip() for s in args.sets.split(",") if s.strip()]
    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    if unknown := [s for s in sets if s not in SETS]:
        parser.error(f"unknown sets {unknown}: choose from {', '.join(SETS)}")
    if unknown := [t for t in tools if t not in TOOLS]:
        parser.error(f"unknown tools {unknown}: choose from {', '.join(TOOLS)}")
    if args.reps < 1 or (args.cold_reps is not None and args.cold_reps < 1):
        parser.error("--reps and --cold-reps must be at least 1")
    lines = run(
        reps=args.reps,
        cold_reps=args.cold_reps,
        offline_reps=args.offline_reps,
        sets=sets,
        tools=tools,
        wheels=0 if args.skip_wheels else args.wheels,
        jobs=args.jobs,
        index_url=args.index_url,
        python_version=args.python_version,
        workdir=args.workdir,
    )
    text = "\n".join(lines).rstrip() + "\n"
    print()
    print(text)
    if args.output is not None:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
