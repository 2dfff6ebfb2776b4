"""Git sources: ``sdistill metadata`` next to ``uv pip compile --no-deps`` on
``name @ git+file://...`` requirements.

Three repositories are made once per run, each with a realistic history (a few thousand
commits and a tag every fifty, written with ``git fast-import``) under a last commit
holding a real project's files (the pinned sdists of six, colorama and docopt, from the
test data). Both tools read them over ``file://``:

* cold: empty caches (sdistill's and uv's), revs are the branch;
* warm, full sha: the next runs, each requirement pinned to its commit;
* warm, branch: the next runs with ``@main`` (sdistill resolves it with one
  ``ls-remote`` per repository per run);
* in-process: ``SourceDistBuilder.metadata`` of the pinned sources, per source.

Wall time of the whole process for the command lines, median of ``--reps`` runs;
ratio = uv / sdistill (above 1: sdistill is faster).

    python benches/bench_git.py [--reps 5] [--commits 3000]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = Path(
    os.environ.get("SDISTILL_TEST_DATA", Path.home() / ".cache" / "sdistill-test-data")
).expanduser()
PROJECTS = ("six-1.17.0.tar.gz", "colorama-0.4.6.tar.gz", "docopt-0.6.2.tar.gz")

GIT_ENV = {
    **{k: v for k, v in os.environ.items() if not k.startswith("GIT_")},
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@sdistill.invalid",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@sdistill.invalid",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


@dataclass
class Repository:
    name: str
    path: Path
    commit: str


def _git(repo: Path, *args: str, stdin: bytes | None = None) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args], env=GIT_ENV, input=stdin, capture_output=True, check=True
    )
    return done.stdout.decode().strip()


def _history(commits: int) -> bytes:
    """A fast-import stream: ``commits`` commits of a changing file, a tag every 50."""
    out = []
    for n in range(1, commits + 1):
        body = f"change {n}\n".encode()
        message = f"commit {n}\n".encode()
        out.append(b"commit refs/heads/main\n")
        out.append(f"mark :{n}\ncommitter bench <b@x> {1_600_000_000 + n} +0000\n".encode())
        out.append(f"data {len(message)}\n".encode() + message)
        if n > 1:
            out.append(f"from :{n - 1}\n".encode())
        out.append(f"M 644 inline HISTORY\ndata {len(body)}\n".encode() + body + b"\n")
        if n % 50 == 0:
            out.append(f"reset refs/tags/old-{n}\nfrom :{n}\n\n".encode())
    return b"".join(out)


def make_repositories(work: Path, commits: int) -> list[Repository]:
    repos = []
    for filename in PROJECTS:
        sdist = DATA / filename
        if not sdist.is_file():
            raise SystemExit(f"{sdist} is missing: run python tests/fixtures/fetch.py")
        name = filename.split("-")[0]
        repo = work / "repos" / name
        repo.mkdir(parents=True)
        _git(repo, "init", "--quiet", "--initial-branch=main")
        _git(repo, "fast-import", "--quiet", stdin=_history(commits))
        _git(repo, "checkout", "--quiet", "main")
        with tarfile.open(sdist) as tar:
            tar.extractall(work / "unpacked", filter="data")
        top = next((work / "unpacked").glob(f"{name}-*"))
        for item in top.iterdir():
            if item.name != "PKG-INFO":  # the repository, not the sdist, is the source
                shutil.move(str(item), repo / item.name)
        shutil.rmtree(work / "unpacked")
        _git(repo, "add", "--all")
        _git(repo, "commit", "--quiet", "-m", "the project")
        repos.append(Repository(name, repo, _git(repo, "rev-parse", "HEAD")))
    return repos


def _spec(repo: Repository, rev: str) -> str:
    return f"{repo.name} @ git+{repo.path.as_uri()}@{rev}"


def _timed(command: list[str], env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{command[0]} failed: {done.stderr[-2000:]}")
    return seconds


def _sdistill(cache: Path, specs: list[str]) -> float:
    exe = str(Path(sys.executable).with_name("sdistill"))
    return _timed([exe, "--cache-dir", str(cache), "metadata", "--json", *specs])


def _uv(cache: Path, work: Path, specs: list[str]) -> float:
    uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if uv is None:
        raise RuntimeError("uv was not found")
    requirements = work / "requirements.in"
    requirements.write_text("".join(f"{s}\n" for s in specs), encoding="utf-8")
    command = [uv, "pip", "compile", "--no-deps", "--no-header", "--no-annotate", "--quiet"]
    command += ["--cache-dir", str(cache), "--python", sys.executable]
    command += ["-o", str(work / "out.txt"), str(requirements)]
    return _timed(command)


def _in_process(cache: Path, specs: list[str], reps: int) -> float:
    """Best of ``reps``: µs per source of ``metadata`` in one warm builder."""
    from sdistill import SourceDistBuilder

    builder = SourceDistBuilder(cache_dir=cache)
    for spec in specs:
        builder.metadata(spec)
    best = float("inf")
    for _ in range(reps):
        start = time.perf_counter()
        for spec in specs:
            builder.metadata(spec)
        best = min(best, (time.perf_counter() - start) / len(specs))
    return best * 1e6


def run(reps: int = 5, commits: int = 3000) -> list[str]:
    work = Path(tempfile.mkdtemp(prefix="sdistill-bench-git-")).resolve()
    try:
        repos = make_repositories(work, commits)
        branch = [_spec(r, "main") for r in repos]
        pinned = [_spec(r, r.commit) for r in repos]
        rows: list[tuple[str, float, float]] = []
        cold_s, cold_u = [], []
        for n in range(max(1, reps // 2)):
            cold_s.append(_sdistill(work / f"cold-sdistill-{n}", branch))
            cold_u.append(_uv(work / f"cold-uv-{n}", work, branch))
        rows.append(("cold (empty caches), `@main`", min(cold_s), min(cold_u)))
        cache_s, cache_u = work / "cold-sdistill-0", work / "cold-uv-0"
        for title, specs in (("warm, full sha", pinned), ("warm, `@main`", branch)):
            s = [_sdistill(cache_s, specs) for _ in range(reps)]
            u = [_uv(cache_u, work, specs) for _ in range(reps)]
            rows.append((title, statistics.median(s), statistics.median(u)))
        per_source = _in_process(cache_s, pinned, reps)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    lines = [
        f"## Git sources: {len(PROJECTS)} repositories of {commits} commits "
        "(`name @ git+file://...`)",
        "",
        "| run | sdistill CLI (s) | `uv pip compile --no-deps` (s) | uv / sdistill |",
        "| --- | ---: | ---: | ---: |",
    ]
    for title, s_time, u_time in rows:
        lines.append(f"| {title} | {s_time:.3f} | {u_time:.3f} | {u_time / s_time:.2f}x |")
    lines += [
        "",
        f"In-process, warm, full sha: {per_source:.0f} µs per source "
        "(`SourceDistBuilder.metadata`, best of the runs; target ≤ 1000 µs).",
        "",
    ]
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--commits", type=int, default=3000)
    args = parser.parse_args()
    print("\n".join(run(args.reps, args.commits)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
