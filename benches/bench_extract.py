"""Extraction benchmark: sdistill.extract next to its peers on the numpy 2.1.3 sdist.

* tar.gz (the sdist as published): ``sdistill.extract`` vs ``tarfile``
  (``filter="data"``, what pip does) vs GNU ``tar -xzf``;
* zip (the same tree re-packed once with ``zipfile``, deflate, cached next to the
  sdist): ``sdistill.extract`` vs ``zipfile.extractall`` vs ``unzip -q``.

Every tool runs the same number of times, round-robin (the order rotates every
repetition), each run into a fresh empty directory on one filesystem; the page
cache is flushed (``os.sync``) before every run and the tree removed after it,
both untimed. One untimed warm-up run per tool checks that all tools produce
the same number of files and bytes.

Peak memory is measured in fresh subprocesses (``VmHWM`` from ``/proc``, else
``ru_maxrss``), as the peak of a process that runs one ``sdistill.extract``
minus the peak of one that only imports sdistill.

Run through ``benches/run.py`` (``make bench``); ``python benches/bench_extract.py``
prints the extraction tables alone.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024

Runner = Callable[[Path, Path], None]


def load_fetch() -> ModuleType:
    """The pinned-file helper, ``tests/fixtures/fetch.py``."""
    tests = str(REPO / "tests")
    if tests not in sys.path:
        sys.path.insert(0, tests)
    from fixtures import fetch

    return fetch


def memory_dir() -> Path | None:
    """A tmpfs to extract into, when the machine has one."""
    shm = Path("/dev/shm")
    return shm if shm.is_dir() and filesystem(shm) == "tmpfs" else None


def filesystem(path: Path) -> str:
    """The filesystem type ``path`` lives on (Linux, from /proc/mounts), or "?"."""
    best, fstype = "", "?"
    try:
        with open("/proc/mounts") as f:
            for line in f:
                parts = line.split()
                if len(parts) < 3:
                    continue
                mount = parts[1]
                inside = str(path) == mount or str(path).startswith(mount.rstrip("/") + "/")
                if inside and len(mount) > len(best):
                    best, fstype = mount, parts[2]
    except OSError:
        pass
    return fstype


def compile_bytecode() -> None:
    """Byte-compiles the sdistill package under test, as installing its wheel does (pip
    and uv compile on install): a development install run with PYTHONDONTWRITEBYTECODE
    would otherwise recompile every module on every start and time that instead."""
    import compileall

    import sdistill

    compileall.compile_dir(str(Path(sdistill.__file__).parent), quiet=1)


# ------------------------------------------------------------------------ inputs


def bench_zip_path(sdist: Path) -> Path:
    """Where the zip twin of ``sdist`` is cached (next to it)."""
    name = sdist.name
    for suffix in (".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    return sdist.with_name(f"{name}.bench.zip")


def build_zip(sdist: Path, out: Path) -> Path:
    """Re-pack the tar sdist ``sdist`` as a deflate zip at ``out`` (once; atomic)."""
    if out.is_file():
        return out
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
    tmp = Path(tmp_name)
    try:
        with contextlib.ExitStack() as stack:
            raw = stack.enter_context(os.fdopen(fd, "wb"))
            zf = stack.enter_context(
                zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, compresslevel=6)
            )
            tf = stack.enter_context(tarfile.open(sdist))
            for member in tf:
                date_time = time.gmtime(max(int(member.mtime), 315532800))[:6]
                if member.isdir():
                    info = zipfile.ZipInfo(member.name.rstrip("/") + "/", date_time)
                    info.external_attr = (0o40755 << 16) | 0x10
                    info.create_system = 3
                    zf.writestr(info, b"")
                elif member.isreg():
                    f = tf.extractfile(member)
                    assert f is not None
                    info = zipfile.ZipInfo(member.name, date_time)
                    info.external_attr = (0o100000 | (member.mode & 0o777)) << 16
                    info.create_system = 3
                    info.compress_type = zipfile.ZIP_DEFLATED
                    zf.writestr(info, f.read())
                else:
                    raise ValueError(f"{sdist.name}: unexpected member type: {member.name}")
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return out


# ----------------------------------------------------------------------- runners


def run_sdistill(archive: Path, dest: Path) -> None:
    import sdistill

    sdistill.extract(archive, dest)


def run_tarfile(archive: Path, dest: Path) -> None:
    with tarfile.open(archive) as tf:
        tf.extractall(dest, filter="data")


def run_gnu_tar(archive: Path, dest: Path) -> None:
    subprocess.run(["tar", "-xzf", str(archive), "-C", str(dest)], check=True)


def run_zipfile(archive: Path, dest: Path) -> None:
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(dest)


def run_unzip(archive: Path, dest: Path) -> None:
    subprocess.run(["unzip", "-q", str(archive), "-d", str(dest)], check=True)


@dataclass
class Case:
    """One tool on one archive."""

    group: str  # "tar.gz" or "zip"
    tool: str
    archive: Path
    run: Runner
    #: (minimum peer/sdistill ratio, how it is written) -- None for sdistill itself
    target: tuple[float, str] | None = None
    times: list[float] = field(default_factory=list)
    tree: tuple[int, int] = (0, 0)  # files, bytes of the warm-up run

    @property
    def best(self) -> float:
        return min(self.times)

    @property
    def median(self) -> float:
        return statistics.median(self.times)


def make_cases(sdist: Path, zip_path: Path) -> list[Case]:
    cases = [
        Case("tar.gz", "sdistill.extract", sdist, run_sdistill),
        Case("tar.gz", 'tarfile (filter="data")', sdist, run_tarfile, (4.0, ">= 4x")),
        Case("tar.gz", "GNU tar -xzf", sdist, run_gnu_tar, (1.0, ">= 1.0x")),
        Case("zip", "sdistill.extract", zip_path, run_sdistill),
        Case("zip", "zipfile.extractall", zip_path, run_zipfile, (2.5, ">= 2.5x")),
        Case("zip", "unzip -q", zip_path, run_unzip, (1.25, ">= 1.25x")),
    ]
    if shutil.which("tar") is None:
        cases = [c for c in cases if c.run is not run_gnu_tar]
    if shutil.which("unzip") is None:
        cases = [c for c in cases if c.run is not run_unzip]
    return cases


def tree_size(root: Path) -> tuple[int, int]:
    """(files, bytes) of the regular files below ``root``."""
    files = size = 0
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            st = os.lstat(os.path.join(dirpath, name))
            files += 1
            size += st.st_size
    return files, size


def time_cases(
    cases: Sequence[Case], reps: int, work: Path, log: Callable[[str], None] = print
) -> None:
    """Fill ``case.times`` for every case: ``reps`` round-robin repetitions."""
    work.mkdir(parents=True, exist_ok=True)
    counter = 0

    def one(case: Case, keep: bool = False) -> float:
        nonlocal counter
        counter += 1
        dest = work / f"run-{counter}"
        dest.mkdir()
        os.sync()
        t0 = time.perf_counter()
        case.run(case.archive, dest)
        elapsed = time.perf_counter() - t0
        if keep:
            case.tree = tree_size(dest)
        shutil.rmtree(dest)
        return elapsed

    for case in cases:  # warm-up: page cache, imports, and a sanity check of the output
        elapsed = one(case, keep=True)
        log(f"  warm-up {case.group:6} {case.tool:26} {elapsed:7.3f} s  {case.tree[0]} files")
    for group in {c.group for c in cases}:
        trees = {c.tool: c.tree for c in cases if c.group == group}
        if len(set(trees.values())) != 1:
            raise RuntimeError(f"{group}: the tools extracted different trees: {trees}")
    for rep in range(reps):
        shift = rep % len(cases)
        for case in [*cases[shift:], *cases[:shift]]:
            case.times.append(one(case))
        log(f"  repetition {rep + 1}/{reps} done")


# ------------------------------------------------------------------------ memory

_CHILD = r"""
import json, resource, sys
what = sys.argv[1]
import sdistill
if what == "sdistill":
    sdistill.extract(sys.argv[2], sys.argv[3])
elif what == "tarfile":
    import tarfile
    with tarfile.open(sys.argv[2]) as tf:
        tf.extractall(sys.argv[3], filter="data")
elif what == "zipfile":
    import zipfile
    with zipfile.ZipFile(sys.argv[2]) as zf:
        zf.extractall(sys.argv[3])
hwm = None
try:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                hwm = int(line.split()[1]) * 1024
except OSError:
    pass
maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
maxrss *= 1 if sys.platform == "darwin" else 1024
print(json.dumps({"vmhwm": hwm, "maxrss": maxrss}))
"""


@dataclass
class Memory:
    label: str
    peak: int  # bytes, highest of the repetitions
    baseline: int | None  # bytes of the import-only process (None for the baseline itself)
    source: str  # "VmHWM" or "ru_maxrss"
    target: str | None = None

    @property
    def delta(self) -> int | None:
        return None if self.baseline is None else self.peak - self.baseline


def _child_peak(args: Sequence[str]) -> tuple[int, str]:
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, *args], check=True, capture_output=True, text=True
    ).stdout
    data = json.loads(out.strip().splitlines()[-1])
    if data["vmhwm"] is not None:
        return int(data["vmhwm"]), "VmHWM"
    return int(data["maxrss"]), "ru_maxrss"


def measure_memory(
    sdist: Path, zip_path: Path, work: Path, reps: int = 3, log: Callable[[str], None] = print
) -> list[Memory]:
    work.mkdir(parents=True, exist_ok=True)
    base_peaks = [_child_peak(["baseline"]) for _ in range(reps)]
    baseline = max(p for p, _ in base_peaks)
    source = base_peaks[0][1]
    results = [Memory("import sdistill only (baseline)", baseline, None, source)]
    jobs = [
        ("sdistill.extract, tar.gz", "sdistill", sdist, "<= 64 MiB"),
        ("sdistill.extract, zip", "sdistill", zip_path, "<= 64 MiB"),
        ('tarfile (filter="data"), tar.gz', "tarfile", sdist, None),
        ("zipfile.extractall, zip", "zipfile", zip_path, None),
    ]
    for label, what, archive, target in jobs:
        peaks = []
        for i in range(reps):
            dest = work / f"mem-{what}-{i}"
            dest.mkdir()
            peaks.append(_child_peak([what, str(archive), str(dest)])[0])
            shutil.rmtree(dest)
        results.append(Memory(label, max(peaks), baseline, source, target))
        log(f"  memory  {label:34} {max(peaks) / MIB:7.1f} MiB")
    return results


# ------------------------------------------------------------------------ report


def _ratio(peer: float, ours: float) -> str:
    return f"{peer / ours:.2f}x" if ours > 0 else "n/a"


def extraction_markdown(cases: Sequence[Case]) -> list[str]:
    lines: list[str] = []
    for group in ("tar.gz", "zip"):
        group_cases = [c for c in cases if c.group == group]
        if not group_cases:
            continue
        ours = next(c for c in group_cases if c.run is run_sdistill)
        archive = ours.archive
        files, size = ours.tree
        lines += [
            f"#### {group}: `{archive.name}` ({archive.stat().st_size / 1e6:.1f} MB, "
            f"{files:,} files, {size / 1e6:.1f} MB unpacked), "
            f"{len(ours.times)} runs each",
            "",
            "| tool | best (s) | median (s) | ratio (best) | ratio (median) | target | met |",
            "| --- | ---: | ---: | ---: | ---: | --- | --- |",
        ]
        for c in group_cases:
            if c is ours:
                ratio_b = ratio_m = "1.00x"
                target = met = ""
            else:
                ratio_b = _ratio(c.best, ours.best)
                ratio_m = _ratio(c.median, ours.median)
                assert c.target is not None
                minimum, target = c.target
                met = "yes" if c.median / ours.median >= minimum else "**no**"
            lines.append(
                f"| {c.tool} | {c.best:.3f} | {c.median:.3f} | {ratio_b} | {ratio_m} "
                f"| {target} | {met} |"
            )
        lines.append("")
    lines.append("Ratio = peer time / sdistill time (higher is better for sdistill); ")
    lines.append("a target is met when the ratio of the medians reaches it.")
    lines.append("")
    return lines


def memory_markdown(results: Sequence[Memory]) -> list[str]:
    source = results[0].source
    lines = [
        f"### Peak memory (fresh subprocess each, {source}, highest of the repetitions)",
        "",
        "| process | peak (MiB) | minus baseline (MiB) | target | met |",
        "| --- | ---: | ---: | --- | --- |",
    ]
    for m in results:
        delta = "" if m.delta is None else f"{m.delta / MIB:.1f}"
        met = ""
        if m.target is not None and m.delta is not None:
            met = "yes" if m.delta <= 64 * MIB else "**no**"
        lines.append(f"| {m.label} | {m.peak / MIB:.1f} | {delta} | {m.target or ''} | {met} |")
    lines.append("")
    lines.append("Baseline = a process that only imports sdistill; target applies to the delta.")
    lines.append("")
    return lines


def run(
    sdist: Path, work: Path, reps: int = 5, log: Callable[[str], None] = print
) -> tuple[list[Case], list[Memory]]:
    zip_path = build_zip(sdist, bench_zip_path(sdist))
    cases = make_cases(sdist, zip_path)
    log(f"extraction: {len(cases)} cases x {reps} runs in {work}")
    time_cases(cases, reps, work / "extract", log)
    log("peak memory")
    memory = measure_memory(sdist, zip_path, work / "memory", log=log)
    return cases, memory


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args(argv)
    fetch = load_fetch()
    (sdist,) = fetch.ensure("bench", quiet=True)
    work = Path(tempfile.mkdtemp(prefix="sdistill-bench-", dir=sdist.parent))
    try:
        cases, memory = run(sdist, work, args.reps)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("\n".join(extraction_markdown(cases) + memory_markdown(memory)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
