"""A warm ``sdistill resolve``: a recorded resolution answered before the resolver loads.

The command line runs as a user runs it (``python -m sdistill``), against the loopback
index of ``test_resolve_provider``, with ``-X importtime`` telling which modules it
imported: a warm answer imports neither ``resolvelib`` nor ``packaging``, and a plain
command line not even the parser. Each test checks what a user sees -- the same pins,
JSON and output file as the resolver's, the requests the index received -- and that
anything the record cannot vouch for goes to the resolver.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import test_resolve_provider
from simple_index import SimpleIndex
from simple_index import simple_index as simple_index_fixture  # noqa: F401
from test_resolve_provider import wheel

#: The loopback index of the resolver's tests (their wheels, sdists and small projects).
index = test_resolve_provider.index

#: Modules only the resolver imports (a module or any of its submodules).
RESOLVER = ("resolvelib", "packaging", "sdistill.resolve")
#: Imported only once the command line goes to the parser.
PARSER = "sdistill.cli.parser"


@dataclass
class Run:
    status: int
    out: str
    err: str
    imported: frozenset[str]

    @property
    def resolver(self) -> bool:
        """Whether the resolver ran (it imports resolvelib)."""
        return any(m == r or m.startswith(r + ".") for m in self.imported for r in RESOLVER)

    @property
    def parsed(self) -> bool:
        return PARSER in self.imported


def sdistill(cache: Path, *args: str | Path, cwd: Path | None = None) -> Run:
    command = [sys.executable, "-X", "importtime", "-m", "sdistill", "resolve"]
    done = subprocess.run(
        [*command, "--cache-dir", str(cache), *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        cwd=cwd,
    )
    imported, rest = set(), []
    for line in done.stderr.splitlines():
        if line.startswith("import time:"):
            imported.add(line.rsplit("|", 1)[-1].strip())
        else:
            rest.append(line)
    assert imported, done.stderr  # the import report is there at all
    return Run(done.returncode, done.stdout, "\n".join(rest), frozenset(imported))


@pytest.fixture
def requirements(tmp_path: Path) -> Path:
    """A requirements file with a comment, a continuation and an included file."""
    (tmp_path / "more.in").write_text("tool  # the newest final release\n")
    path = tmp_path / "requirements.in"
    path.write_text("# a web app\nweb-app \\\n  >=1\n-r more.in\n")
    return path


def test_a_recorded_resolution_is_answered_without_the_resolver(
    index: SimpleIndex, requirements: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    args = ("hatchling", "-r", requirements, "--index-url", index.url, "--python-version", "3.12")
    first = sdistill(cache, *args)
    assert first.status == 0, first.err
    assert first.resolver
    assert "web-app==2.0\n" in first.out
    assert "tool==1.1\n" in first.out
    before = index.server.count()
    again = sdistill(cache, *args)
    assert again.status == 0, again.err
    assert again.out == first.out
    assert not again.resolver, sorted(again.imported)
    assert not again.parsed, sorted(again.imported)
    assert index.server.count() == before, "the pages are fresh: nothing was requested"
    # --json: the resolver's JSON, byte for byte; through the parser (-v) too.
    full = sdistill(tmp_path / "other", *args, "--json")
    assert full.resolver
    names = [pin["name"] for pin in json.loads(full.out)["pins"]]
    assert names == sorted(names)
    assert "web-app" in names
    warm = sdistill(cache, *args, "--json")
    assert not warm.resolver
    assert not warm.parsed
    assert warm.out == full.out
    parsed = sdistill(cache, *args, "--json", "-v")
    assert not parsed.resolver
    assert parsed.parsed
    assert parsed.out == full.out
    # -o and -q: the file holds the pins, nothing printed.
    out = tmp_path / "pins.txt"
    quiet = sdistill(cache, *args, "-q", "-o", out)
    assert (quiet.status, quiet.out, quiet.resolver) == (0, "", False)
    assert out.read_text() == first.out


def test_other_inputs_are_resolved(index: SimpleIndex, tmp_path: Path) -> None:
    """What the record was not made for goes to the resolver: another target, another
    requirement text, another build setting, another index."""
    cache = tmp_path / "cache"
    base = ("web-app", "--index-url", index.url, "--python-version", "3.12")
    assert sdistill(cache, *base).status == 0
    assert not sdistill(cache, *base).resolver  # recorded
    for args in (
        ("web-app", "--index-url", index.url, "--python-version", "3.11"),
        ("web-app>=1", "--index-url", index.url, "--python-version", "3.12"),
        (*base, "-C", "key=value"),
        (*base, "--no-build-isolation"),
        (*base, "--platform", "win_amd64"),
    ):
        run = sdistill(cache, *args)
        assert run.status == 0, run.err
        assert run.resolver, args
    other = SimpleIndex()
    try:
        run = sdistill(cache, "web-app", "--index-url", other.url, "--python-version", "3.12")
        assert run.resolver
        assert run.status == 1  # no such project there
    finally:
        other.close()


def test_stale_pages_are_fetched_again_at_once(index: SimpleIndex, tmp_path: Path) -> None:
    """An index that sends no caching headers: offline, the cached pages answer with no
    request; online, each page the record lists is fetched again once, and a new
    release on one of them makes the resolver run and pin it."""
    index.send_caching_headers(False)
    cache = tmp_path / "cache"
    args = ("web-app", "--index-url", index.url, "--python-version", "3.12")
    first = sdistill(cache, *args)
    assert first.status == 0, first.err
    assert "router==2.0\n" in first.out
    (record,) = (cache / "simple-v1" / "resolutions").glob("*[!n]")  # not the memo
    pages = [f"/simple/{name}/" for name in json.loads(record.read_text())["pages"]]
    assert "/simple/router/" in pages
    before = index.server.count()
    offline = sdistill(cache, *args, "--offline")
    assert (offline.out, offline.resolver) == (first.out, False)
    assert index.server.count() == before
    online = sdistill(cache, *args)
    assert (online.out, online.resolver) == (first.out, False)
    fetched = [r.path for r in index.server.requests()[before:]]
    assert sorted(fetched) == sorted(pages), "each listed page once, nothing else"
    index.add(wheel(tmp_path / "dists", "router", "2.1"))
    before = index.server.count()
    changed = sdistill(cache, *args)
    assert changed.resolver
    assert "router==2.1\n" in changed.out
    # The pages the record check fetched again are handed to the resolver.
    asked = [r.path for r in index.server.requests()[before:] if r.path.startswith("/simple/")]
    assert sorted(asked) == sorted(set(asked)), "no page fetched twice in one run"
    assert sdistill(cache, *args).out == changed.out


def test_a_cold_resolution_fetches_each_page_once(index: SimpleIndex, tmp_path: Path) -> None:
    """On an index without caching headers, the top-level pages fetched while the
    resolver loads are the ones it uses: every page is requested once."""
    index.send_caching_headers(False)
    cache = tmp_path / "cache"
    run = sdistill(cache, "web-app", "hatchling", "--index-url", index.url)
    assert run.status == 0, run.err
    assert "web-app==1.0\n" in run.out
    asked = [r.path for r in index.server.requests() if r.path.startswith("/simple/")]
    assert "/simple/web-app/" in asked
    assert "/simple/hatchling/" in asked
    assert sorted(asked) == sorted(set(asked)), "no page fetched twice in one run"


@pytest.mark.parametrize("damage", ["record", "memo"])
def test_a_damaged_record_is_resolved_and_healed(
    damage: str, index: SimpleIndex, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    args = ("web-app", "--index-url", index.url, "--python-version", "3.12")
    first = sdistill(cache, *args)
    assert not sdistill(cache, *args).resolver  # recorded, and its memo written
    records = cache / "simple-v1" / "resolutions"
    (record,) = [p for p in records.iterdir() if p.suffix != ".seen"]
    memo = record.with_name(record.name + ".seen")
    assert memo.is_file()
    if damage == "record":
        record.write_text('{"format": 2, "pages": {"web-app": ')
    else:  # a remembered digest that is wrong for the entry it names
        memo.write_text(
            "".join(
                f"{name}\t{at}\t{'0' * 32}\n"
                for name, at, _ in (line.split("\t") for line in memo.read_text().splitlines())
            )
        )
    damaged = sdistill(cache, *args)
    assert damaged.status == 0, damaged.err
    assert damaged.out == first.out
    if damage == "record":
        assert damaged.resolver, "the damaged record is not trusted"
    else:  # a wrong memo costs the hashing, never the answer; it is rewritten
        assert not damaged.resolver
        assert "0" * 32 not in memo.read_text()
    healed = sdistill(cache, *args)
    assert (healed.out, healed.resolver) == (first.out, False)


def test_direct_references_and_usage_errors_go_to_the_resolver(
    index: SimpleIndex, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    url = index.file_url("plain-1.0.tar.gz")
    for _ in range(2):
        run = sdistill(cache, f"plain @ {url}", "--index-url", index.url)
        assert run.status == 0, run.err
        assert run.resolver
    bad = sdistill(cache, "--python-version")
    assert bad.status == 2
    assert bad.parsed


def test_what_the_parser_refuses_is_refused_warm_too(index: SimpleIndex, tmp_path: Path) -> None:
    """With a record there to answer from, a command line the parser refuses is still a
    usage error, and an output file that cannot be written is still an error."""
    cache = tmp_path / "cache"
    base = ["router", "--index-url", index.url, "--python-version", "3.12"]
    assert sdistill(cache, *base).status == 0
    assert sdistill(cache, *base).resolver is False  # recorded
    for args in (
        [*base, "-o", "-q"],  # an option where the file name belongs
        ["router", "--index-url", index.url, "--python-version", "3"],
        [*base, "--prefetch", "-5"],
        ["router\n", *base[1:]],  # not a requirement
    ):
        refused = sdistill(cache, *args)
        assert refused.status in (1, 2), args
        assert refused.out == "", args
        assert "error" in refused.err, args
    unwritable = sdistill(cache, *base, "-o", tmp_path / "missing" / "pins.txt")
    assert unwritable.status == 1
    assert "error:" in unwritable.err
    assert "Traceback" not in unwritable.err


def test_one_process_resolving_again_and_again(
    index: SimpleIndex,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A long-running process calling the command line many times: each call whose
    record holds is answered from it, and a changed page makes exactly one call
    resolve -- the next ones are answered from the new record."""
    import sdistill.resolve
    from sdistill.cli import main

    resolved: list[object] = []
    real = sdistill.resolve.resolve

    def counting(*args: Any, **kwargs: Any) -> Any:
        resolved.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(sdistill.resolve, "resolve", counting)
    index.send_caching_headers(False)
    args = ["resolve", "router", "--cache-dir", str(tmp_path / "cache"), "--index-url"]
    args += [index.url, "--python-version", "3.12"]
    outputs = []
    for step in range(5):
        if step == 2:
            index.add(wheel(tmp_path / "dists", "router", "2.1"))
        assert main(args) == 0
        outputs.append(capsys.readouterr().out.splitlines()[0])
    assert outputs == ["router==2.0"] * 2 + ["router==2.1"] * 3
    assert len(resolved) == 2, "the first call and the one after the page changed"


def test_a_project_on_no_index_is_replayed_by_the_resolver(
    index: SimpleIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A record that lists a project no index has (the resolver asked for it, then
    backtracked) is checked by the resolver's own replay: the pins come back without a
    resolution."""
    import sdistill.resolve
    from sdistill.cli import main

    made = tmp_path / "made"
    made.mkdir()
    index.add(wheel(made, "needy", "1.0"))
    index.add(wheel(made, "needy", "2.0", ("ghost>=1",)))
    rounds: list[object] = []
    real = sdistill.resolve.Resolver

    class Counting(real):  # type: ignore[misc, valid-type]
        def resolve(self, *args: Any, **kwargs: Any) -> Any:
            rounds.append(args)
            return super().resolve(*args, **kwargs)

    monkeypatch.setattr(sdistill.resolve, "Resolver", Counting)
    args = ["resolve", "needy", "--cache-dir", str(tmp_path / "cache"), "--index-url"]
    args += [index.url, "--python-version", "3.12", "-o", str(tmp_path / "pins.txt")]
    for _ in range(3):
        assert main([*args, "-q"]) == 0
        assert (tmp_path / "pins.txt").read_text() == "needy==1.0\n"
    assert len(rounds) == 1, "resolved once, replayed after"
