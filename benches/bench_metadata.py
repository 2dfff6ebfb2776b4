"""Metadata benchmark: ``sdistill metadata`` next to uv and pip on 25 real sdists.

The corpus is ``benches/corpus.txt`` (pinned in ``tests/fixtures/fetch.py``, group
"corpus", fetched here if missing): small pure-Python sdists over seven build backends.
Side by side in one run, every tool asked for the core metadata of all 25 files:

* ``sdistill metadata <25 paths> --json --cache-dir D`` (the CLI, whole process);
* in-process ``SourceDistBuilder(cache_dir=D).metadata_many(paths)``, in a fresh
  subprocess, timing the constructor and the call (not the interpreter start or imports);
* ``uv pip compile --no-deps`` of a requirements file of ``name @ file:///...`` lines;
* ``pip install --dry-run --no-deps --ignore-installed --report`` of the same file.

Cold = every cache empty: a fresh sdistill cache, a fresh uv cache for the installer
sdistill runs (``UV_CACHE_DIR``; ``PIP_CACHE_DIR`` too, should it fall back to pip), a fresh
``--cache-dir`` for uv and for pip. Warm = the next runs on the same caches. pip keeps no
metadata for local files, so its warm runs only gain its HTTP cache of the backends.
One untimed cold run of the sdistill CLI and of uv comes first (network and page cache
warm-up, so that the first timed tool is not penalised). Every tool fetches build
backends from the same place: PyPI by default, or a local
wheelhouse (``--no-index --find-links DIR``), given as options on every command line
(``PIP_*``/``UV_*`` index variables of the environment are dropped). Runs are
round-robin, the order rotating every repetition; every run's output is checked (the 25
names and versions of the pins; uv's ``-o`` and pip's ``--report`` go to fresh files for
that, not ``/dev/null``) and failures are reported, never raised.

Then, in one process on a warm cache, repeated ``metadata_many`` and ``metadata`` calls
give the per-sdist cost of a cache hit; and the corpus split in two halves that share
backends shows that a second, never-seen corpus reuses the build environments of the
first (``environments-v1`` directories counted before and after).

Run through ``benches/run.py`` (``make bench``); ``python benches/bench_metadata.py``
prints this section alone.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bench_extract

CORPUS_FILE = Path(__file__).resolve().with_name("corpus.txt")
PYPI = "https://pypi.org/simple"
BIN = Path(sys.executable).parent

Log = Callable[[str], None]


# ------------------------------------------------------------------------ inputs


@dataclass(frozen=True)
class Sdist:
    """One corpus file and what its metadata must say."""

    path: Path
    name: str  # canonical
    version: str
    backend: str
    static: bool  # PKG-INFO >= 2.2 with static dependency fields (per the pin)

    @property
    def requirement(self) -> str:
        return f"{self.name} @ {self.path.as_uri()}"


def load_corpus(log: Log = print) -> list[Sdist]:
    """The files of ``corpus.txt``, downloaded (and hash-checked) if needed."""
    fetch = bench_extract.load_fetch()
    pins = {p.filename: p for p in fetch.pins("corpus")}
    names = [
        line.strip()
        for line in CORPUS_FILE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    unknown = [n for n in names if n not in pins]
    if unknown:
        raise RuntimeError(f"{CORPUS_FILE.name}: not pinned in fetch.py: {', '.join(unknown)}")
    log(f"fetching the {len(names)} corpus sdists (if needed)")
    fetch.ensure("corpus", quiet=True)
    return [
        Sdist(
            path=fetch.data_path(n),
            name=pins[n].name,
            version=pins[n].version,
            backend=pins[n].backend,
            static=bool(pins[n].static_deps),
        )
        for n in names
    ]


def split_halves(corpus: Sequence[Sdist]) -> tuple[list[Sdist], list[Sdist]]:
    """Two halves that share backends: within each backend label, the sdists alternate
    A, B, A, ... -- those the pins say need a build first, so a build in B has a
    sibling with the same backend in A; a backend with one sdist goes to A."""
    groups: dict[str, list[Sdist]] = {}
    for s in corpus:
        groups.setdefault(s.backend, []).append(s)
    half_a: list[Sdist] = []
    half_b: list[Sdist] = []
    for members in groups.values():
        ordered = [s for s in members if not s.static] + [s for s in members if s.static]
        for i, s in enumerate(ordered):
            (half_a if i % 2 == 0 else half_b).append(s)
    order = {s: i for i, s in enumerate(corpus)}
    return sorted(half_a, key=order.__getitem__), sorted(half_b, key=order.__getitem__)


@dataclass(frozen=True)
class Options:
    """Where build backends come from, and how many runs."""

    index_url: str | None = PYPI  # None: no index (find-links only)
    find_links: tuple[str, ...] = ()
    jobs: int | None = None  # sdistill --jobs (default: its own, the CPU count)
    cold_reps: int = 2
    warm_reps: int = 3
    micro_reps: int = 20
    reuse_reps: int = 2
    timeout: float = 300.0  # per tool run
    # Ask for ``name==version`` on a loopback index serving the corpus sdists and the
    # backends' wheels (a resolver's shape), instead of for the local files.
    via_index: bool = False

    def spec(self, sdist: Sdist) -> str:
        """What each tool is asked for: the file, or ``name==version`` on the index."""
        return f"{sdist.name}=={sdist.version}" if self.via_index else str(sdist.path)

    def requirement(self, sdist: Sdist) -> str:
        return f"{sdist.name}=={sdist.version}" if self.via_index else sdist.requirement

    def index_args(self) -> list[str]:
        """The same spelling works for sdistill, uv and pip."""
        args = ["--no-index"] if self.index_url is None else ["--index-url", self.index_url]
        for link in self.find_links:
            args += ["--find-links", link]
        return args

    def describe(self) -> str:
        if self.index_url is None:
            links = ", ".join(f"`{link}`" for link in self.find_links)
            return f"a local wheelhouse only (`--no-index --find-links` {links})"
        where = "PyPI" if self.index_url == PYPI else "the index"
        if self.via_index:
            where = "a loopback index of the corpus sdists and the backends' wheels"
        text = f"{where} (`{self.index_url}`)"
        if self.find_links:
            text += " and find-links " + ", ".join(f"`{link}`" for link in self.find_links)
        return text


# ------------------------------------------------------------------------ runs


@dataclass
class Run:
    """One tool run on the corpus (or a half of it)."""

    seconds: float
    ok: int  # sdists answered with the expected name (and version, where the tool says)
    total: int
    problems: list[str] = field(default_factory=list)
    envs_before: set[str] = field(default_factory=set)
    envs_after: set[str] = field(default_factory=set)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def succeeded(self) -> bool:
        return self.ok == self.total and not self.problems

    @property
    def envs_created(self) -> set[str]:
        return self.envs_after - self.envs_before


def _exe(name: str) -> str | None:
    """``name`` next to the running interpreter (the project's venv), else on PATH."""
    here = BIN / name
    if here.is_file() and os.access(here, os.X_OK):
        return str(here)
    return shutil.which(name)


def environments(cache: Path) -> set[str]:
    """The build environment directories of an sdistill cache."""
    try:
        return {p.name for p in (cache / "environments-v1").iterdir() if p.is_dir()}
    except FileNotFoundError:
        return set()


def _state_dirs(state: Path) -> dict[str, Path]:
    dirs = {
        "sdistill": state / "sdistill-cache",
        "uv": state / "uv-cache",
        "pip": state / "pip-cache",
        "tmp": state / "tmp",
        "out": state / "out",
    }
    for key in ("tmp", "out"):
        dirs[key].mkdir(parents=True, exist_ok=True)
    return dirs


#: Where-to-install-from settings of the environment: dropped, so that every tool (and
#: the installer sdistill runs) sees only the index options given on its command line.
_INDEX_VARIABLES = frozenset(
    {
        "PIP_INDEX_URL",
        "PIP_EXTRA_INDEX_URL",
        "PIP_FIND_LINKS",
        "PIP_NO_INDEX",
        "UV_INDEX",
        "UV_INDEX_URL",
        "UV_DEFAULT_INDEX",
        "UV_EXTRA_INDEX_URL",
        "UV_FIND_LINKS",
        "UV_NO_INDEX",
        "UV_OFFLINE",
    }
)


def _environ(state: Path) -> dict[str, str]:
    """The process environment of every tool run: its caches and temp files in ``state``."""
    dirs = _state_dirs(state)
    env = {k: v for k, v in os.environ.items() if k not in _INDEX_VARIABLES}
    env["UV_CACHE_DIR"] = str(dirs["uv"])
    env["PIP_CACHE_DIR"] = str(dirs["pip"])
    env["TMPDIR"] = str(dirs["tmp"])
    env.pop("PYTHONPATH", None)
    return env


def _execute(
    command: Sequence[str], state: Path, timeout: float
) -> tuple[float, int | None, str, str]:
    """Run ``command`` timed: (seconds, exit code or None on timeout, stdout, stderr)."""
    env = _environ(state)
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(
            list(command),
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as err:
        out = err.stdout.decode("utf-8", "replace") if isinstance(err.stdout, bytes) else ""
        return time.perf_counter() - t0, None, out, f"timed out after {timeout:.0f} s"
    return time.perf_counter() - t0, proc.returncode, proc.stdout, proc.stderr


def _tail(text: str, lines: int = 6) -> str:
    kept = [line.strip() for line in text.strip().splitlines() if line.strip()][-lines:]
    return " / ".join(kept)[-600:]


def _one_line(text: str, limit: int = 600) -> str:
    """A multi-line message on one line (for a markdown list), shortened."""
    joined = " / ".join(line.strip() for line in text.strip().splitlines() if line.strip())
    return joined if len(joined) <= limit else joined[: limit - 1] + "…"


def _cli_errors(stderr: str, corpus: Sequence[Sdist]) -> list[str]:
    """The ``error: <spec>: ...`` messages of the CLI, one per failed spec (a message
    runs on until the next one)."""
    starts = tuple(f"error: {s.path}" for s in corpus)
    blocks: list[list[str]] = []
    for line in stderr.splitlines():
        if line.startswith(starts):
            blocks.append([line[len("error: ") :]])
        elif blocks and line.strip() and not line.startswith(("INFO:", "WARNING:", "DEBUG:")):
            blocks[-1].append(line)
    return [_one_line("\n".join(b)) for b in blocks]


def _check(
    corpus: Sequence[Sdist], found: Sequence[tuple[str, str | None]], problems: list[str]
) -> int:
    """How many sdists of ``corpus`` are in ``found`` (name, version or None when the tool
    does not say); what is missing or unexpected is added to ``problems``."""
    from packaging.utils import canonicalize_name
    from packaging.version import InvalidVersion, Version

    def same_version(a: str, b: str) -> bool:
        try:
            return Version(a) == Version(b)
        except InvalidVersion:
            return a == b

    left = list(found)
    ok = 0
    for s in corpus:
        for i, (name, version) in enumerate(left):
            if canonicalize_name(name) == s.name and (
                version is None or same_version(version, s.version)
            ):
                del left[i]
                ok += 1
                break
        else:
            if not any(s.path.name in p for p in problems):  # not reported already
                problems.append(f"{s.path.name}: no metadata for {s.name} {s.version}")
    for name, version in left:
        problems.append(f"unexpected in the output: {name} {version or ''}".rstrip())
    return ok


def _failure(seconds: float, code: int | None, stderr: str, corpus: Sequence[Sdist]) -> Run:
    what = "timed out" if code is None else f"exit code {code}"
    return Run(seconds, 0, len(corpus), [f"{what}: {_tail(stderr)}"])


def run_sdistill_cli(corpus: Sequence[Sdist], state: Path, opts: Options) -> Run:
    """``sdistill metadata <paths> --json --cache-dir D`` -- the whole process."""
    exe = _exe("sdistill")
    if exe is None:
        return Run(0.0, 0, len(corpus), ["the sdistill script was not found"])
    cache = _state_dirs(state)["sdistill"]
    command = [exe, "metadata", *(opts.spec(s) for s in corpus), "--json"]
    command += ["--cache-dir", str(cache), *opts.index_args()]
    if opts.jobs:
        command += ["--jobs", str(opts.jobs)]
    before = environments(cache)
    seconds, code, out, err = _execute(command, state, opts.timeout)
    after = environments(cache)
    problems = _cli_errors(err, corpus)
    try:
        data = json.loads(out) if code in (0, 1) else None
    except json.JSONDecodeError:
        data = None
    if data is None:
        run = _failure(seconds, code, err, corpus)
    else:
        if code != 0 and not problems:
            problems.append(f"exit code {code}: {_tail(err)}")
        found = [(d.get("name", "?"), d.get("version")) for d in data]
        run = Run(seconds, _check(corpus, found, problems), len(corpus), problems)
    run.envs_before, run.envs_after = before, after
    return run


_CHILD = r"""
import json, sys, time, traceback
from sdistill import SdistillError, SourceDistBuilder

mode, cache, options, *paths = sys.argv[1:]
options = json.loads(options)

def summary(results):
    out = []
    for r in results:
        if isinstance(r, BaseException):
            text = type(r).__name__ + ": " + str(r)
            frames = traceback.extract_tb(r.__traceback__)
            if frames and not isinstance(r, SdistillError):  # a bug: where it happened
                f = frames[-1]
                text += f" (at {f.filename}:{f.lineno} in {f.name})"
            out.append({"error": text[-1500:]})
        else:
            out.append({"name": r.name, "version": str(r.version)})
    return out

t0 = time.perf_counter()
builder = SourceDistBuilder(
    cache_dir=cache,
    index_url=options["index_url"],
    find_links=options["find_links"],
    jobs=options["jobs"],
)
results = builder.metadata_many(paths)
data = {"seconds": time.perf_counter() - t0, "results": summary(results)}
if mode == "micro":
    many, single = [], []
    for _ in range(options["reps"]):
        t = time.perf_counter()
        again = builder.metadata_many(paths)
        many.append(time.perf_counter() - t)
        t = time.perf_counter()
        for p in paths:
            try:
                builder.metadata(p)
            except Exception:  # reported once, by metadata_many
                pass
        single.append(time.perf_counter() - t)
    data["many"], data["single"] = many, single
    data["errors_again"] = sum(isinstance(r, BaseException) for r in again)
print(json.dumps(data))
"""


def _run_child(corpus: Sequence[Sdist], state: Path, opts: Options, mode: str) -> Run:
    cache = _state_dirs(state)["sdistill"]
    options = {
        "index_url": opts.index_url,
        "find_links": list(opts.find_links),
        "jobs": opts.jobs,
        "reps": opts.micro_reps,
    }
    command = [sys.executable, "-c", _CHILD, mode, str(cache), json.dumps(options)]
    command += [opts.spec(s) for s in corpus]
    before = environments(cache)
    seconds, code, out, err = _execute(command, state, opts.timeout)
    after = environments(cache)
    try:
        data = json.loads(out.strip().splitlines()[-1]) if code == 0 else None
    except (json.JSONDecodeError, IndexError):
        data = None
    if data is None:
        run = _failure(seconds, code, err, corpus)
    else:
        problems = [
            _one_line(f"{s.path.name}: {r['error']}")
            for s, r in zip(corpus, data["results"])
            if "error" in r
        ]
        found = [(r["name"], r["version"]) for r in data["results"] if "error" not in r]
        run = Run(data["seconds"], _check(corpus, found, problems), len(corpus), problems)
        run.extra = {k: v for k, v in data.items() if k not in ("seconds", "results")}
        run.extra["process_seconds"] = seconds
        if data.get("errors_again"):
            run.problems.append(f"{data['errors_again']} errors in the repeated calls")
    run.envs_before, run.envs_after = before, after
    return run


def run_sdistill_inprocess(corpus: Sequence[Sdist], state: Path, opts: Options) -> Run:
    """``SourceDistBuilder(cache_dir=D).metadata_many(paths)`` in a fresh process; the
    time is that of the constructor and the call, measured inside the process."""
    return _run_child(corpus, state, opts, "call")


def run_sdistill_micro(corpus: Sequence[Sdist], state: Path, opts: Options) -> Run:
    """As ``run_sdistill_inprocess``, then ``opts.micro_reps`` more ``metadata_many``
    calls and as many rounds of one ``metadata`` call per sdist, in the same process."""
    return _run_child(corpus, state, opts, "micro")


def _requirements(corpus: Sequence[Sdist], state: Path, opts: Options) -> Path:
    path = _state_dirs(state)["out"] / f"requirements-{len(corpus)}.txt"
    path.write_text("".join(opts.requirement(s) + "\n" for s in corpus), encoding="utf-8")
    return path


def _fresh(state: Path, stem: str, suffix: str) -> Path:
    """A path that does not exist yet (uv reads an existing ``-o`` file as preferences)."""
    out = _state_dirs(state)["out"]
    n = 0
    while (out / f"{stem}-{n}{suffix}").exists():
        n += 1
    return out / f"{stem}-{n}{suffix}"


def run_uv(corpus: Sequence[Sdist], state: Path, opts: Options) -> Run:
    """``uv pip compile --no-deps`` of ``name @ file://...`` requirements."""
    uv = _exe("uv")
    if uv is None:
        return Run(0.0, 0, len(corpus), ["uv was not found"])
    requirements = _requirements(corpus, state, opts)
    output = _fresh(state, "uv-compiled", ".txt")
    command = [uv, "pip", "compile", "--no-deps", "--no-header", "--no-annotate", "--quiet"]
    command += ["--cache-dir", str(_state_dirs(state)["uv"]), "--python", sys.executable]
    command += [*opts.index_args(), "-o", str(output), str(requirements)]
    seconds, code, _, err = _execute(command, state, opts.timeout)
    if code != 0:
        return _failure(seconds, code, err, corpus)
    found: list[tuple[str, str | None]] = []
    for line in output.read_text(encoding="utf-8").splitlines():
        if line.startswith(("#", " ")):
            continue
        name, sep, _ = line.partition(" @ ")
        if sep:
            found.append((name.strip(), None))
        elif "==" in line:
            pinned, _, version = line.partition("==")
            found.append((pinned.strip(), version.strip()))
    problems: list[str] = []
    return Run(seconds, _check(corpus, found, problems), len(corpus), problems)


def run_pip(corpus: Sequence[Sdist], state: Path, opts: Options) -> Run:
    """``pip install --dry-run --no-deps --ignore-installed --report`` of the same file."""
    requirements = _requirements(corpus, state, opts)
    report = _fresh(state, "pip-report", ".json")
    command = [sys.executable, "-m", "pip", "install", "--dry-run", "--no-deps"]
    command += ["--ignore-installed", "--report", str(report), "--quiet"]
    command += ["--disable-pip-version-check", "--no-input"]
    command += ["--cache-dir", str(_state_dirs(state)["pip"]), *opts.index_args()]
    command += ["-r", str(requirements)]
    seconds, code, _, err = _execute(command, state, opts.timeout)
    if code != 0:
        return _failure(seconds, code, err, corpus)
    try:
        installs = json.loads(report.read_text(encoding="utf-8"))["install"]
        found = [(i["metadata"]["name"], i["metadata"]["version"]) for i in installs]
    except (OSError, ValueError, KeyError, TypeError) as e:
        return Run(seconds, 0, len(corpus), [f"unreadable --report: {e}"])
    problems: list[str] = []
    return Run(seconds, _check(corpus, found, problems), len(corpus), problems)


# ------------------------------------------------------------------ cold and warm


@dataclass
class Tool:
    key: str
    label: str
    runner: Callable[[Sequence[Sdist], Path, Options], Run]
    is_sdistill: bool = False
    cold: list[Run] = field(default_factory=list)
    warm: list[Run] = field(default_factory=list)
    state: Path | None = None  # the caches of its latest cold run

    def times(self, which: str) -> list[float]:
        return [r.seconds for r in getattr(self, which)]

    def median(self, which: str) -> float | None:
        times = self.times(which)
        return statistics.median(times) if times else None

    def best(self, which: str) -> float | None:
        times = self.times(which)
        return min(times) if times else None

    def succeeded(self, which: str) -> bool:
        runs = getattr(self, which)
        return bool(runs) and all(r.succeeded for r in runs)


def make_tools() -> list[Tool]:
    return [
        Tool("cli", "`sdistill metadata --json` (CLI)", run_sdistill_cli, is_sdistill=True),
        Tool("api", "`SourceDistBuilder.metadata_many` (in-process)", run_sdistill_inprocess, True),
        Tool("uv", "`uv pip compile --no-deps`", run_uv),
        Tool("pip", "`pip install --dry-run --no-deps --report`", run_pip),
    ]


def _rotate(items: Sequence[Tool], rep: int) -> list[Tool]:
    shift = rep % len(items)
    return [*items[shift:], *items[:shift]]


def _describe_run(run: Run) -> str:
    text = f"{run.seconds:8.3f} s  {run.ok}/{run.total} ok"
    if run.envs_created:
        text += f"  {len(run.envs_created)} environments created"
    if run.problems:
        text += f"  ({len(run.problems)} problems: {run.problems[0][:160]})"
    return text


def time_tools(
    corpus: Sequence[Sdist], tools: Sequence[Tool], work: Path, opts: Options, log: Log = print
) -> None:
    """Cold runs (a fresh state directory each), then warm runs on the latest one.

    First one untimed cold run of the sdistill CLI and of uv: whichever tool went first
    would otherwise also pay for the first look-ups of the index host, the CDN's first
    fetch of the backends and the OS's first reads of the programs."""
    for tool in tools:
        if tool.key in ("cli", "uv"):
            state = work / f"warm-up-{tool.key}"
            state.mkdir(parents=True)
            log(f"  warm-up  {tool.key:4} {_describe_run(tool.runner(corpus, state, opts))}")
            shutil.rmtree(state, ignore_errors=True)
    for rep in range(opts.cold_reps):
        for tool in _rotate(tools, rep):
            state = work / f"{tool.key}-{rep}"
            state.mkdir(parents=True)
            run = tool.runner(corpus, state, opts)
            tool.cold.append(run)
            log(f"  cold {rep + 1}/{opts.cold_reps}  {tool.key:4} {_describe_run(run)}")
            if tool.state is not None:
                shutil.rmtree(tool.state, ignore_errors=True)
            tool.state = state
    for rep in range(opts.warm_reps):
        for tool in _rotate(tools, rep):
            assert tool.state is not None
            run = tool.runner(corpus, tool.state, opts)
            tool.warm.append(run)
            log(f"  warm {rep + 1}/{opts.warm_reps}  {tool.key:4} {_describe_run(run)}")


# ------------------------------------------------------------------ reuse


@dataclass
class Reuse:
    """Half A cold, then half B on the same caches; half B cold on empty caches."""

    half_a: list[Sdist]
    half_b: list[Sdist]
    a: list[Run] = field(default_factory=list)
    b_after_a: list[Run] = field(default_factory=list)
    b_empty: list[Run] = field(default_factory=list)
    uv_a: list[Run] = field(default_factory=list)
    uv_b_after_a: list[Run] = field(default_factory=list)
    uv_b_empty: list[Run] = field(default_factory=list)


def time_reuse(corpus: Sequence[Sdist], work: Path, opts: Options, log: Log = print) -> Reuse:
    half_a, half_b = split_halves(corpus)
    result = Reuse(half_a, half_b)
    log(f"  half A: {', '.join(s.name for s in half_a)}")
    log(f"  half B: {', '.join(s.name for s in half_b)}")

    for rep in range(opts.reuse_reps):
        steps = [
            (run_sdistill_cli, (result.a, result.b_after_a), f"reuse-ab-{rep}"),
            (run_sdistill_cli, (result.b_empty,), f"reuse-b-{rep}"),
            (run_uv, (result.uv_a, result.uv_b_after_a), f"reuse-uv-ab-{rep}"),
            (run_uv, (result.uv_b_empty,), f"reuse-uv-b-{rep}"),
        ]
        for runner, into, name in steps if rep % 2 == 0 else reversed(steps):
            state = work / name
            state.mkdir(parents=True)
            # (A then B) on one state, or B alone on an empty one
            halves = (half_a, half_b) if len(into) == 2 else (half_b,)
            for half, runs in zip(halves, into):
                runs.append(runner(half, state, opts))
            shutil.rmtree(state, ignore_errors=True)
        log(
            f"  reuse {rep + 1}/{opts.reuse_reps}: sdistill A {_describe_run(result.a[-1])}; "
            f"B after A {_describe_run(result.b_after_a[-1])}; "
            f"B alone {_describe_run(result.b_empty[-1])}"
        )
    return result


# ------------------------------------------------------------------ all of it


@dataclass
class Results:
    corpus: list[Sdist]
    options: Options
    tools: list[Tool]
    micro: Run | None
    reuse: Reuse | None
    setup: list[str]
    seconds: float


def _version(command: Sequence[str]) -> str:
    try:
        out = subprocess.run(
            list(command), capture_output=True, text=True, check=False, timeout=60
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    return out.strip().splitlines()[0] if out.strip() else "?"


def setup_lines(corpus: Sequence[Sdist], opts: Options, work: Path) -> list[str]:
    from sdistill.build.installers import find_installer

    installer = find_installer()
    inst_version = _version([installer.executable, "--version"]) if installer.name == "uv" else ""
    uv = _exe("uv")
    backends: dict[str, int] = {}
    for s in corpus:
        backends[s.backend] = backends.get(s.backend, 0) + 1
    return [
        f"- corpus: `benches/corpus.txt`, {len(corpus)} sdists "
        f"({sum(s.static for s in corpus)} with static dependency metadata in PKG-INFO); "
        "backends: " + ", ".join(f"{b} {n}" for b, n in backends.items()),
        f"- build backends come from {opts.describe()}, for every tool",
        f"- sdistill's installer: {installer.name} (`{installer.executable}`"
        + (f", {inst_version}" if inst_version else "")
        + ")",
        f"- peers: {_version([uv, '--version']) if uv else 'uv not found'} (`{uv}`); "
        f"{_version([sys.executable, '-m', 'pip', '--version']).split(' from ')[0]}",
        f"- caches and temporary files: fresh directories under `{work}` "
        f"({bench_extract.filesystem(work)}); sdistill jobs: {opts.jobs or 'default (CPU count)'}",
    ]


def _loopback_index(corpus: Sequence[Sdist], log: Log) -> Any:
    """A loopback index (``tests/simple_index.py``) serving the corpus sdists and the
    wheels of their build backends (the test and corpus wheelhouses, filled if needed)."""
    tests = str(bench_extract.REPO / "tests")
    if tests not in sys.path:
        sys.path.insert(0, tests)
    from fixtures import wheelhouse
    from simple_index import SimpleIndex

    wheels = sorted(
        path
        for which in ("tests", "corpus")
        for path in wheelhouse.ensure(which, quiet=True).glob("*.whl")
    )
    index = SimpleIndex([*(s.path for s in corpus), *wheels])
    log(f"metadata: loopback index {index.url}: {len(corpus)} sdists, {len(wheels)} wheels")
    return index


def run(work: Path, opts: Options, log: Log = print) -> Results:
    """Everything this section measures; caches live (and are removed) under ``work``."""
    started = time.perf_counter()
    corpus = load_corpus(log)
    if opts.via_index:
        index = _loopback_index(corpus, log)
        opts = dataclasses.replace(opts, index_url=index.url, find_links=(), reuse_reps=0)
        try:
            return _run(corpus, work, opts, log, started)
        finally:
            index.close()
    return _run(corpus, work, opts, log, started)


def _run(corpus: list[Sdist], work: Path, opts: Options, log: Log, started: float) -> Results:
    bench_extract.compile_bytecode()
    setup = setup_lines(corpus, opts, work)
    tools = make_tools()
    log(f"metadata: {len(tools)} tools x ({opts.cold_reps} cold + {opts.warm_reps} warm runs)")
    time_tools(corpus, tools, work, opts, log)
    api = next(t for t in tools if t.key == "api")
    micro = None
    if api.state is not None:
        log(f"metadata: {opts.micro_reps} repeated in-process calls on a warm cache")
        micro = run_sdistill_micro(corpus, api.state, opts)
        log(f"  micro {_describe_run(micro)}")
    for tool in tools:
        if tool.state is not None:
            shutil.rmtree(tool.state, ignore_errors=True)
    reuse = None
    if opts.reuse_reps > 0:
        log("metadata: reuse of build environments by a second corpus")
        reuse = time_reuse(corpus, work, opts, log)
    return Results(corpus, opts, tools, micro, reuse, setup, time.perf_counter() - started)


# ------------------------------------------------------------------------ report


def _s(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def _ratio(peer: float | None, ours: float | None) -> str:
    if peer is None or ours is None or ours <= 0:
        return "—"
    return f"{peer / ours:.2f}x"


def _ok(runs: Sequence[Run]) -> str:
    if not runs:
        return "—"
    worst = min(r.ok for r in runs)
    text = f"{worst}/{runs[0].total}"
    return text if all(r.succeeded for r in runs) else f"**{text}**"


def _envs(runs: Sequence[Run]) -> str:
    counts = sorted({len(r.envs_created) for r in runs})
    return "/".join(str(c) for c in counts) if counts else ""


def _times_table(tools: Sequence[Tool], which: str) -> list[str]:
    cli = next(t for t in tools if t.key == "cli")
    api = next(t for t in tools if t.key == "api")
    lines = [
        "| tool | ok (worst run) | best (s) | median (s) | ratio vs sdistill CLI "
        "| ratio vs sdistill in-process | environments created |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for t in tools:
        runs = getattr(t, which)
        vs_cli = "" if t.is_sdistill else _ratio(t.median(which), cli.median(which))
        vs_api = "" if t.is_sdistill else _ratio(t.median(which), api.median(which))
        envs = _envs(runs) if t.is_sdistill else ""
        lines.append(
            f"| {t.label} | {_ok(runs)} | {_s(t.best(which))} | {_s(t.median(which))} "
            f"| {vs_cli} | {vs_api} | {envs} |"
        )
    return lines


def _per_sdist_us(times: Sequence[float], n: int) -> tuple[float, float]:
    return min(times) / n * 1e6, statistics.median(times) / n * 1e6


def _met(condition: bool | None) -> str:
    if condition is None:
        return "n/a"
    return "yes" if condition else "**no**"


def _micro_markdown(results: Results) -> tuple[list[str], tuple[float, float] | None]:
    """The repeated-calls table, and the medians (µs per sdist) of ``metadata_many``
    and ``metadata``."""
    micro, n = results.micro, len(results.corpus)
    if micro is None or "many" not in micro.extra:
        return [], None
    many_us = _per_sdist_us(micro.extra["many"], n)
    single_us = _per_sdist_us(micro.extra["single"], n)
    first = micro.seconds / n * 1e6
    lines = [
        f"### Warm, in-process: repeated calls in one process ({results.options.micro_reps} each)",
        "",
        "| call | per sdist, best (µs) | per sdist, median (µs) |",
        "| --- | ---: | ---: |",
        f"| first `metadata_many` of the {n} in a fresh process (with the constructor) "
        f"| {first:.0f} | |",
        f"| `metadata_many` of the {n} again | {many_us[0]:.0f} | {many_us[1]:.0f} |",
        f"| `metadata(path)`, one sdist at a time | {single_us[0]:.0f} | {single_us[1]:.0f} |",
        "",
    ]
    return lines, (many_us[1], single_us[1])


def _reuse_rows(reuse: Reuse) -> list[tuple[str, list[Run], bool]]:
    return [
        ("sdistill CLI: half A, empty cache", reuse.a, True),
        ("sdistill CLI: half B after A (same cache)", reuse.b_after_a, True),
        ("sdistill CLI: half B alone, empty cache", reuse.b_empty, True),
        ("uv: half A, empty cache", reuse.uv_a, False),
        ("uv: half B after A (same cache)", reuse.uv_b_after_a, False),
        ("uv: half B alone, empty cache", reuse.uv_b_empty, False),
    ]


def _reuse_markdown(results: Results) -> tuple[list[str], str, bool | None]:
    """The reuse table, and the target's measurement and verdict."""
    reuse = results.reuse
    if reuse is None or not reuse.a:
        return [], "not run", None
    # An environment's digest covers interpreter, index and requirements, not the cache
    # path: the same environment has the same directory name in every cache.
    envs_a = reuse.a[-1].envs_created
    envs_b = reuse.b_empty[-1].envs_created
    new_b = reuse.b_after_a[-1].envs_created
    shared = envs_a & envs_b
    all_ok = all(r.succeeded for r in [*reuse.a, *reuse.b_after_a, *reuse.b_empty])
    met = (new_b == envs_b - envs_a) if shared else None
    b_after = statistics.median(r.seconds for r in reuse.b_after_a)
    b_empty = statistics.median(r.seconds for r in reuse.b_empty)
    text = (
        f"B after A created {len(new_b)} environments, B alone {len(envs_b)} "
        f"({len(shared)} of them also A's); B after A {b_after:.2f} s vs "
        f"B alone {b_empty:.2f} s ({_ratio(b_empty, b_after)})"
        + ("" if all_ok else " (some runs failed: see Failures)")
        + ("" if shared else " (B needs none of A's environments: nothing to reuse)")
    )
    lines = [
        f"### A second corpus reuses the build environments of the first "
        f"({results.options.reuse_reps} runs each)",
        "",
        f"- half A ({len(reuse.half_a)}): " + ", ".join(s.name for s in reuse.half_a),
        f"- half B ({len(reuse.half_b)}): " + ", ".join(s.name for s in reuse.half_b),
        "",
        "Within each backend label the sdists alternate A, B, A, … (those that need a "
        "build first). B after A: half B with the caches half A has just filled; "
        "B alone: half B on empty caches. Environments counted as directories of "
        "`environments-v1` (the last run).",
        "",
        "| run | ok (worst) | best (s) | median (s) | environments created |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for label, runs, ours in _reuse_rows(reuse):
        if not runs:
            continue
        times = [r.seconds for r in runs]
        envs = str(len(runs[-1].envs_created)) if ours else ""
        lines.append(
            f"| {label} | {_ok(runs)} | {min(times):.3f} | {statistics.median(times):.3f} "
            f"| {envs} |"
        )
    lines.append("")
    return lines, text, met


def _versus_uv(results: Results, which: str) -> tuple[str, bool | None]:
    by = {t.key: t for t in results.tools}
    cli, uv = by["cli"], by["uv"]
    ours, peer = cli.median(which), uv.median(which)
    if ours is None or peer is None:
        return "not measured", None
    text = f"sdistill {ours:.3f} s, uv {peer:.3f} s: uv / sdistill = {peer / ours:.2f}x"
    if not (cli.succeeded(which) and uv.succeeded(which)):
        text += " (some runs failed: see Failures)"
    return text, peer >= ours


def _failures(results: Results) -> list[str]:
    failures: list[str] = []
    for t in results.tools:
        for which in ("cold", "warm"):
            for i, r in enumerate(getattr(t, which)):
                failures += [f"- {t.label}, {which} run {i + 1}: {p}" for p in r.problems]
    if results.micro is not None:
        failures += [f"- in-process repeated calls: {p}" for p in results.micro.problems]
    if results.reuse is not None:
        for label, runs, _ in _reuse_rows(results.reuse):
            for i, r in enumerate(runs):
                failures += [f"- reuse, {label}, run {i + 1}: {p}" for p in r.problems]
    return failures


def metadata_markdown(results: Results) -> list[str]:
    from sdistill.build.installers import find_installer

    tools, opts = results.tools, results.options
    n = len(results.corpus)
    lines = [f"## Metadata of {n} sdists", "", *results.setup, ""]
    lines += [
        f"### Cold: every cache empty, {opts.cold_reps} runs each",
        "",
        *_times_table(tools, "cold"),
        "",
        f"### Warm: the next runs on the same caches, {opts.warm_reps} runs each",
        "",
        *_times_table(tools, "warm"),
        "",
        "CLI, uv and pip: wall time of the whole process. In-process: "
        "`SourceDistBuilder(...)` plus `metadata_many(paths)` inside a fresh process "
        "(interpreter start and imports not counted). Ratio = the peer's median / "
        "sdistill's median (above 1: sdistill is faster). pip keeps no metadata of local "
        "files: its warm runs only reuse its HTTP cache of the backends.",
        "",
    ]
    micro_lines, micro_us = _micro_markdown(results)
    reuse_lines, reuse_text, reuse_met = _reuse_markdown(results)
    lines += micro_lines + reuse_lines
    warm_text, warm_met = _versus_uv(results, "warm")
    cold_text, cold_met = _versus_uv(results, "cold")
    if find_installer().name != "uv":
        cold_text += " — sdistill's installer is not uv"
        cold_met = None
    by = {t.key: t for t in tools}
    lines += ["### Targets", "", "| target | measured | met |", "| --- | --- | --- |"]
    if micro_us is not None:
        many, single = micro_us
        # a failed source is retried on every call (failures are not cached): no verdict
        clean = results.micro is not None and not results.micro.problems
        note = "" if clean else " (with failures, retried on every call)"
        lines += [
            f"| warm, in-process: ≤ 1 ms per sdist (`metadata_many`) "
            f"| {many:.0f} µs per sdist (median){note} | {_met(many <= 1000 if clean else None)} |",
            f"| warm, in-process: ≤ 1 ms per sdist (`metadata`) "
            f"| {single:.0f} µs per sdist (median){note} "
            f"| {_met(single <= 1000 if clean else None)} |",
        ]
    lines += [
        f"| warm, CLI no slower than uv | {warm_text} | {_met(warm_met)} |",
        f"| cold, CLI no slower than uv (uv as sdistill's installer) | {cold_text} "
        f"| {_met(cold_met)} |",
        f"| (cold, in-process call vs uv's whole process, for reference) "
        f"| uv / sdistill = {_ratio(by['uv'].median('cold'), by['api'].median('cold'))} | |",
        f"| a second corpus sharing backends reuses the first's environments | {reuse_text} "
        f"| {_met(reuse_met)} |",
        "",
        "### Failures",
        "",
    ]
    failures = _failures(results)
    if failures:
        shown = failures[:40]
        lines += [line.replace("|", "\\|") for line in shown]
        if len(failures) > len(shown):
            lines.append(f"- … and {len(failures) - len(shown)} more")
    else:
        lines.append(f"None: every tool answered for all {n} sdists in every run.")
    lines += ["", f"This section took {results.seconds:.0f} s.", ""]
    return lines


# ------------------------------------------------------------------------ CLI


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of this section (shared with ``run.py``)."""
    parser.add_argument(
        "--find-links",
        action="append",
        default=[],
        metavar="DIR",
        help="also (with --no-index: only) install build backends from this wheelhouse",
    )
    parser.add_argument(
        "--no-index", action="store_true", help="no package index: --find-links only"
    )
    parser.add_argument("--index-url", default=PYPI, help=f"package index (default {PYPI})")
    parser.add_argument("--jobs", type=int, default=None, help="sdistill --jobs")
    parser.add_argument(
        "--via-index",
        action="store_true",
        help="ask for name==version on a loopback index of the corpus and its backends",
    )
    parser.add_argument("--metadata-cold-reps", type=int, default=2, metavar="N")
    parser.add_argument("--metadata-warm-reps", type=int, default=3, metavar="N")
    parser.add_argument("--metadata-reuse-reps", type=int, default=2, metavar="N")


def options_from(parser: argparse.ArgumentParser, args: argparse.Namespace) -> Options:
    if args.no_index and not args.find_links:
        parser.error("--no-index needs --find-links DIR (the build backends come from there)")
    if args.metadata_cold_reps < 1 or args.metadata_warm_reps < 1:
        parser.error("--metadata-cold-reps and --metadata-warm-reps must be at least 1")
    links = tuple(str(Path(link).expanduser().resolve()) for link in args.find_links)
    return Options(
        index_url=None if args.no_index else args.index_url,
        find_links=links,
        jobs=args.jobs,
        cold_reps=args.metadata_cold_reps,
        warm_reps=args.metadata_warm_reps,
        reuse_reps=max(0, args.metadata_reuse_reps),
        via_index=args.via_index,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    add_arguments(parser)
    parser.add_argument(
        "--workdir", type=Path, default=None, help="where the caches go (default: system temp)"
    )
    args = parser.parse_args(argv)
    opts = options_from(parser, args)
    if args.workdir is not None:
        args.workdir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="sdistill-bench-metadata-", dir=args.workdir)).resolve()
    try:
        results = run(work, opts)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print()
    print("\n".join(metadata_markdown(results)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
