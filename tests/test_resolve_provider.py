"""``sdistill.resolve`` and ``sdistill resolve`` against a loopback index.

The index (``tests/simple_index.py``) serves the real wheels of the test wheelhouse
(hatchling and its dependencies, importlib-metadata and zipp, ...) and a few small
projects written here: wheels whose METADATA states the dependencies, extras, markers,
``Requires-Python`` and pre-releases each test is about, and sdists whose ``PKG-INFO``
states their metadata (read without a build). Where the answer is uv's to give, the
pins are compared with ``uv pip compile --no-header --no-annotate`` run against the same
index for the same ``--python-version``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sdistill import SourceDistBuilder
from sdistill.resolve import ResolutionError, TargetEnvironment, resolve
from simple_index import SimpleIndex, find_dists
from simple_index import simple_index as simple_index_fixture  # noqa: F401
from static_sdists import static_sdist

BIN = Path(sys.executable).parent
UV = BIN / "uv"
# The running interpreter's minor version: the tomli wheel of the wheelhouse is cp311.
HERE = f"{sys.version_info.major}.{sys.version_info.minor}"


def wheel(
    directory: Path,
    name: str,
    version: str,
    requires: tuple[str, ...] = (),
    *,
    extras: tuple[str, ...] = (),
    requires_python: str | None = None,
    tag: str = "py3-none-any",
) -> Path:
    """A minimal wheel of ``name`` ``version`` whose METADATA states the rest."""
    dist = re.sub(r"[-_.]+", "_", name)
    info = f"{dist}-{version}.dist-info"
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    lines += [f"Requires-Python: {requires_python}"] if requires_python else []
    lines += [f"Provides-Extra: {extra}" for extra in extras]
    lines += [f"Requires-Dist: {requirement}" for requirement in requires]
    members = {
        f"{dist}/__init__.py": b"",
        f"{info}/METADATA": ("\n".join(lines) + "\n").encode(),
        f"{info}/WHEEL": f"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: {tag}\n".encode(),
    }
    record = []
    for member, data in members.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{member},sha256={digest},{len(data)}")
    members[f"{info}/RECORD"] = ("\n".join([*record, f"{info}/RECORD,,"]) + "\n").encode()
    path = directory / f"{dist}-{version}-{tag}.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for member, data in members.items():
            archive.writestr(member, data)
    return path


def sdist(directory: Path, name: str, version: str, requires: tuple[str, ...] = ()) -> Path:
    """An sdist whose Metadata 2.2 ``PKG-INFO`` states its dependencies (no build)."""
    lines = ["Metadata-Version: 2.2", f"Name: {name}", f"Version: {version}"]
    lines += [f"Requires-Dist: {requirement}" for requirement in requires]
    top = f"{name}-{version}"
    return static_sdist(directory / f"{top}.tar.gz", "\n".join(lines) + "\n", top=top)


#: Real sdists of the corpus (test data) the index serves beside the wheelhouses.
CORPUS_SDISTS = ("six-1.17.0.tar.gz", "docopt-0.6.2.tar.gz")


@pytest.fixture
def index(
    simple_index: SimpleIndex, wheelhouse: Path, corpus_find_links: list[Path], tmp_path: Path
) -> SimpleIndex:
    """The wheelhouses (the tests' and the corpus'), two real corpus sdists, and the
    small projects of these tests."""
    made = tmp_path / "dists"
    made.mkdir()
    for path in find_dists(corpus_find_links):
        simple_index.add(path)
    for name in CORPUS_SDISTS:
        simple_index.add(corpus_find_links[-1].parent / name)
    for path in (
        # a small set with transitive deps, an extra, a marker on the Python version
        wheel(made, "web-app", "1.0", ("Router>=1", "render[fast]")),
        wheel(made, "web-app", "2.0", ("router>=2",), requires_python=">=3.12"),
        wheel(made, "router", "0.9"),
        wheel(made, "router", "1.5", ("zipp>=3",)),
        wheel(made, "router", "2.0", ("zipp>=3",), requires_python=">=3.12"),
        wheel(
            made,
            "render",
            "3.1",
            ("pluggy", "old-shim; python_version < '3.10'", "importlib-metadata; extra == 'fast'"),
            extras=("fast",),
        ),
        wheel(made, "old-shim", "0.1"),
        # yanked releases, pre-releases
        wheel(made, "tool", "1.0"),
        wheel(made, "tool", "1.1"),
        wheel(made, "tool", "2.0rc1"),
        wheel(made, "tool", "1.2"),
        wheel(made, "early", "0.1a1"),
        wheel(made, "early", "0.1b2"),
        # a wheel for another platform only: the sdist is the candidate
        wheel(made, "native", "1.0", ("tool",), tag="cp311-cp311-win_amd64"),
        sdist(made, "native", "1.0", ("tool",)),
        # sdist-only projects, and one that conflicts with the router
        sdist(made, "plain", "1.0", ("router", "tool<1.2")),
        sdist(made, "plain", "2.0", ("router<1",)),
        wheel(made, "stuck", "1.0", ("router<1",)),
    ):
        simple_index.add(path)
    simple_index.yank("tool-1.2-py3-none-any.whl", "broken build")
    return simple_index


@pytest.fixture
def builder(index: SimpleIndex, tmp_path: Path) -> Iterator[SourceDistBuilder]:
    with SourceDistBuilder(cache_dir=tmp_path / "cache", index_url=index.url) as made:
        yield made


def sdistill(*args: str | Path, cache: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [BIN / "sdistill", "resolve", "--cache-dir", cache, *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def uv_compile(
    index: SimpleIndex, requirements: list[str], python: str, tmp_path: Path
) -> list[str]:
    """What ``uv pip compile --no-header --no-annotate`` pins, line by line."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("UV_", "PIP_"))},
        "UV_CACHE_DIR": str(tmp_path / "uv-cache"),
        "UV_PYTHON_DOWNLOADS": "never",
    }
    command = [UV, "pip", "compile", "--no-header", "--no-annotate", "--index-url", index.url]
    command += ["--python-version", python, "--python", sys.executable, "-"]
    done = subprocess.run(
        command,
        input="\n".join(requirements) + "\n",
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


# ---------------------------------------------------------------- against uv


@pytest.mark.parametrize(
    ("requirements", "python"),
    [
        pytest.param(["hatchling"], HERE, id="transitive-real-wheels"),
        pytest.param(["web-app"], HERE, id="extras-marker-requires-python"),
        pytest.param(["web-app"], "3.12", id="newer-python"),
        pytest.param(["plain", "native"], HERE, id="sdist-only"),
        pytest.param(["tool", "early"], HERE, id="yanked-and-pre-releases"),
    ],
)
def test_pins_equal_uv_pip_compile(
    index: SimpleIndex, tmp_path: Path, requirements: list[str], python: str
) -> None:
    """The lines printed are uv's, character for character."""
    done = sdistill(
        *requirements,
        "--index-url",
        index.url,
        "--python-version",
        python,
        cache=tmp_path / "cache",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == uv_compile(index, requirements, python, tmp_path)


def test_direct_url_equals_uv(index: SimpleIndex, tmp_path: Path) -> None:
    """``name @ URL`` pins what the URL holds (an older version than the index's
    newest) and prints as uv does."""
    url = index.file_url("plain-1.0.tar.gz")
    requirements = [f"plain @ {url}"]
    done = sdistill(*requirements, "--index-url", index.url, "--json", cache=tmp_path / "c")
    assert done.returncode == 0, done.stderr
    pins = {pin["name"]: pin for pin in json.loads(done.stdout)["pins"]}
    assert pins["plain"] == {"name": "plain", "version": "1.0", "metadata": "direct", "url": url}
    assert pins["tool"]["version"] == "1.1"  # plain 1.0 asks tool<1.2
    text = sdistill(*requirements, "--index-url", index.url, cache=tmp_path / "c")
    assert text.stdout.splitlines() == uv_compile(index, requirements, HERE, tmp_path)
    assert f"plain @ {url}" in text.stdout.splitlines()


# ------------------------------------------------------------------- the rules


def test_transitive_extras_and_markers(builder: SourceDistBuilder) -> None:
    """web-app needs router and render[fast]; the extra brings importlib-metadata (and
    zipp), the marker leaves old-shim out on this Python but not on 3.9."""
    found = resolve(["web-app"], builder, python_version=HERE)
    assert found.pins == {
        "importlib-metadata": "8.7.1",
        "pluggy": "1.6.0",
        "render": "3.1",
        "router": "1.5",
        "web-app": "1.0",
        "zipp": "3.23.1",
    }
    assert set(found.metadata_via.values()) == {"pep658"}
    old = resolve(["render"], builder, python_version="3.9")
    assert old.pins == {"old-shim": "0.1", "pluggy": "1.6.0", "render": "3.1"}


def test_requires_python_picks_older_releases(builder: SourceDistBuilder) -> None:
    """web-app 2.0 and router 2.0 need Python 3.12: older targets get 1.0 and 1.5."""
    assert resolve(["web-app"], builder, python_version="3.12").pins["web-app"] == "2.0"
    assert resolve(["router"], builder, python_version="3.12").pins["router"] == "2.0"
    assert resolve(["router"], builder, python_version="3.11").pins["router"] == "1.5"


def test_yanked_only_when_pinned_exactly(builder: SourceDistBuilder) -> None:
    """tool 1.2 is yanked: ``tool`` and ``tool>=1.1`` get 1.1, ``tool==1.2`` gets it."""
    assert resolve(["tool"], builder).pins == {"tool": "1.1"}
    assert resolve(["tool>=1.1,<2"], builder).pins == {"tool": "1.1"}
    assert resolve(["tool==1.2"], builder).pins == {"tool": "1.2"}


def test_pre_releases_by_pep_440(builder: SourceDistBuilder) -> None:
    """A pre-release only when asked for, or when no final release matches."""
    assert resolve(["tool"], builder).pins == {"tool": "1.1"}
    assert resolve(["tool>=2.0rc1"], builder).pins == {"tool": "2.0rc1"}
    assert resolve(["tool>1.1"], builder).pins == {"tool": "2.0rc1"}  # 1.2 is yanked
    assert resolve(["early"], builder).pins == {"early": "0.1b2"}


def test_sdist_when_no_wheel_fits(builder: SourceDistBuilder) -> None:
    """native has only a Windows wheel: on linux its sdist is read; for win_amd64 the
    wheel is the candidate."""
    here = resolve(["native"], builder, python_version="3.11", platforms=["manylinux_2_17_x86_64"])
    assert here.pins == {"native": "1.0", "tool": "1.1"}
    assert here.metadata_via["native"] == "sdist"
    windows = resolve(["native"], builder, python_version="3.11", platforms=["win_amd64"])
    assert windows.metadata_via["native"] == "pep658"


def test_conflict_names_its_causes(index: SimpleIndex, tmp_path: Path) -> None:
    """web-app needs router>=1 and stuck needs router<1: exit 1, both on stderr."""
    done = sdistill("web-app", "stuck", "--index-url", index.url, cache=tmp_path / "c")
    assert done.returncode == 1
    assert done.stdout == ""
    assert "router>=1 (from web-app==1.0)" in done.stderr
    assert "router<1 (from stuck==1.0)" in done.stderr


def test_conflict_error_from_the_api(builder: SourceDistBuilder) -> None:
    with pytest.raises(ResolutionError) as caught:
        resolve(["no-such-project"], builder)
    assert "no-such-project (from the requirements given)" in caught.value.causes
    assert "not found on the index" in str(caught.value)


def test_requirements_files_and_output(index: SimpleIndex, tmp_path: Path) -> None:
    """-r nests, comments are skipped, -c bounds without requiring, -o writes the pins."""
    (tmp_path / "base.in").write_text("# the router\nrouter  # any\n", encoding="utf-8")
    (tmp_path / "caps.txt").write_text("tool<1.1\nold-shim==0.1\n", encoding="utf-8")
    (tmp_path / "top.in").write_text("-r base.in\n-c caps.txt\ntool\n", encoding="utf-8")
    out = tmp_path / "pins.txt"
    done = sdistill(
        "-r", tmp_path / "top.in", "-o", out, "--index-url", index.url, cache=tmp_path / "c"
    )
    assert done.returncode == 0, done.stderr
    assert out.read_text(encoding="utf-8") == "router==1.5\ntool==1.0\nzipp==3.23.1\n"
    assert done.stdout == out.read_text(encoding="utf-8")


def test_target_for_another_python_and_platform() -> None:
    target = TargetEnvironment.create("3.9", ["manylinux_2_28_x86_64"])
    assert target.python_version == "3.9.0"
    assert target.markers["python_version"] == "3.9"
    assert target.markers["sys_platform"] == "linux"
    names = {str(tag) for tag in target.tags}
    assert "cp39-cp39-manylinux_2_17_x86_64" in names
    assert "cp39-abi3-manylinux2014_x86_64" in names
    assert "py3-none-any" in names
    assert not any("cp311" in name for name in names)


def pip_compile(index: SimpleIndex, requirements: list[str], tmp_path: Path) -> list[str] | None:
    """What ``pip-compile`` (pip-tools) pins for the running Python, or ``None`` when it
    finds no resolution."""
    (tmp_path / "in.txt").write_text("\n".join(requirements) + "\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    command = [BIN / "pip-compile", "--no-header", "--no-annotate", "--strip-extras", "-q"]
    command += ["--allow-unsafe"]  # setuptools is pinned like any other project
    command += ["--index-url", index.url, "--cache-dir", tmp_path / "pip", "-o", "-"]
    pip = subprocess.run(
        [*command, tmp_path / "in.txt"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=300,
    )
    if pip.returncode != 0:
        assert "ResolutionImpossible" in pip.stderr or "conflict" in pip.stderr.lower(), pip.stderr
        return None
    # setuptools comes last, under an "unsafe" comment: in order, it is one pin of many.
    pins = [line for line in pip.stdout.splitlines() if line and not line.startswith(("#", "-"))]
    return sorted(pins, key=lambda line: re.split(r"[=@ ]", line)[0])


@pytest.mark.slow
@pytest.mark.parametrize(
    "requirements",
    [
        pytest.param(["hatchling"], id="transitive-real-wheels"),
        pytest.param(["web-app", "hatchling"], id="extras-and-markers"),
        pytest.param(["hatch-vcs"], id="corpus-wheels"),
        pytest.param(["six", "docopt"], id="real-sdists-built"),
        pytest.param(["docopt @ {files}docopt-0.6.2.tar.gz"], id="direct-url"),
        pytest.param(["web-app", "stuck"], id="conflict"),
    ],
)
def test_pins_equal_pip_compile(
    index: SimpleIndex, tmp_path: Path, requirements: list[str]
) -> None:
    """pip-tools resolves for the running Python: the same pins as sdistill's, and no
    resolution where sdistill finds none."""
    requirements = [r.format(files=index.file_url("x")[:-1]) for r in requirements]
    expected = pip_compile(index, requirements, tmp_path)
    done = sdistill(*requirements, "--index-url", index.url, cache=tmp_path / "c")
    if expected is None:
        assert done.returncode == 1, done.stdout
        assert "no versions satisfy" in done.stderr
        return
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == expected


def test_each_metadata_file_fetched_once(index: SimpleIndex, builder: SourceDistBuilder) -> None:
    """Prefetching and the resolver's own asking share one fetch per wheel."""
    resolve(["web-app", "hatchling"], builder, python_version="3.12")
    resolve(["web-app", "hatchling"], builder, python_version="3.12")
    for filename in ("web_app-2.0-py3-none-any.whl", "hatchling-1.27.0-py3-none-any.whl"):
        assert index.server.count(f"/files/{filename}.metadata") == 1


def test_wheels_without_pep_658_files(index: SimpleIndex, builder: SourceDistBuilder) -> None:
    """An index that serves no ``.metadata`` files: the same pins, each wheel's
    metadata read by HTTP range requests (by a whole download where the server ignores
    ``Range``), and the report says which."""
    with_pep658 = resolve(["web-app", "hatchling"], builder, python_version="3.12")
    index.serve_core_metadata(False)
    with SourceDistBuilder(cache_dir=builder.cache.root / "other", index_url=index.url) as other:
        found = resolve(["web-app", "hatchling"], other, python_version="3.12")
    assert found.pins == with_pep658.pins
    assert set(found.metadata_via.values()) == {"range"}
    index.set_range_mode("ignore")  # a server that answers every GET whole
    with SourceDistBuilder(cache_dir=builder.cache.root / "third", index_url=index.url) as third:
        whole = resolve(["web-app"], third, python_version="3.12")
    assert set(whole.metadata_via.values()) == {"download"}


# ------------------------------------------------------------------- replaying


def test_a_resolution_over_the_same_pages_is_replayed(
    index: SimpleIndex, builder: SourceDistBuilder
) -> None:
    """The same inputs over pages that are fresh and unchanged: the recorded pins, with
    no request at all (pages fresh, metadata never asked for)."""
    first = resolve(["web-app", "hatchling"], builder, python_version="3.12")
    before = index.server.count()
    again = resolve(["web-app", "hatchling"], builder, python_version="3.12")
    assert again.pins == first.pins
    assert again.metadata_via == first.metadata_via
    assert again.text() == first.text()
    assert index.server.count() == before, "fresh pages, nothing fetched"
    # Other inputs are another record: resolved, not replayed.
    older = resolve(["web-app", "hatchling"], builder, python_version=HERE)
    assert older.pins["web-app"] == "1.0"


def test_a_page_that_changed_is_resolved_again(
    index: SimpleIndex, builder: SourceDistBuilder, tmp_path: Path
) -> None:
    """A new release (or a yank) changes a page's digest: the record is not used."""
    index.send_caching_headers(False)  # every page fetched again, as on a plain mirror
    assert resolve(["router"], builder, python_version="3.12").pins["router"] == "2.0"
    index.add(wheel(tmp_path / "dists", "router", "2.1"))
    assert resolve(["router"], builder, python_version="3.12").pins["router"] == "2.1"
    index.yank("router-2.1-py3-none-any.whl", "broken")
    assert resolve(["router"], builder, python_version="3.12").pins["router"] == "2.0"


def test_direct_references_are_never_replayed(
    index: SimpleIndex, builder: SourceDistBuilder
) -> None:
    url = index.file_url("plain-1.0.tar.gz")
    resolve([f"plain @ {url}"], builder)
    records = builder.cache.root / "simple-v1" / "resolutions"
    assert not records.exists() or not any(records.iterdir())
