"""What ``sdistill resolve`` reads besides PEP 508 requirements: paths and URLs, ``-e``
lines, the index options of requirements files, and ``--pre``.

Against the loopback index of ``test_resolve_provider``; where uv reads the same input,
the lines printed are compared with ``uv pip compile``'s for the same file.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import test_resolve_provider
from http_server import Reply
from sdistill import SourceDistBuilder
from sdistill.errors import InvalidSourceError
from sdistill.resolution_inputs import kept_pins, preferred, read_lines
from sdistill.resolve import resolve
from sdistill.resolve.candidates import ALL, Formats
from simple_index import SimpleIndex
from simple_index import simple_index as simple_index_fixture  # noqa: F401
from test_resolve_provider import UV, sdist, wheel
from test_resolve_warm import sdistill as sdistill_importing

#: The loopback index of the resolver's tests (their wheels, sdists and small projects),
#: and a builder over it.
index = test_resolve_provider.index
builder = test_resolve_provider.builder


def sdistill(
    *args: str | Path, cache: Path, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [Path(sys.executable).parent / "sdistill", "resolve", "--cache-dir", cache, *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        cwd=cwd,
    )


def uv_compile_file(path: Path, index_url: str, tmp_path: Path, *options: str) -> list[str]:
    """What ``uv pip compile --no-header --no-annotate FILE`` pins, run where ``path``
    is (relative paths in it are relative to the working directory for both)."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("UV_", "PIP_"))},
        "UV_CACHE_DIR": str(tmp_path / "uv-cache"),
        "UV_PYTHON_DOWNLOADS": "never",
    }
    command = [UV, "pip", "compile", "--no-header", "--no-annotate", "--index-url", index_url]
    command += ["--python", sys.executable, *options, path.name]
    done = subprocess.run(
        command, capture_output=True, text=True, env=env, check=False, timeout=300, cwd=path.parent
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def project(directory: Path, name: str, dependencies: list[str]) -> Path:
    """A hatchling project directory of ``name`` 1.0 needing ``dependencies``."""
    module = name.replace("-", "_")
    (directory / module).mkdir(parents=True)
    (directory / module / "__init__.py").write_text("")
    (directory / "pyproject.toml").write_text(
        "[build-system]\n"
        'requires = ["hatchling"]\n'
        'build-backend = "hatchling.build"\n'
        "[project]\n"
        f'name = "{name}"\n'
        'version = "1.0"\n'
        f"dependencies = {json.dumps(dependencies)}\n"
        "[tool.hatch.build.targets.wheel]\n"
        f'packages = ["{module}"]\n'
    )
    return directory


# ------------------------------------------------------------- paths and editables


@pytest.mark.slow
def test_paths_and_editables_equal_uv(index: SimpleIndex, tmp_path: Path) -> None:
    """An editable directory and a plain one, named by their metadata, their
    dependencies resolved from the index: the lines printed are uv's (editables first,
    the paths as written)."""
    work = tmp_path / "work"
    project(work / "app", "local-app", ["router", "local-lib"])
    project(work / "lib", "local-lib", ["tool>=1.1"])
    requirements = work / "requirements.in"
    requirements.write_text("-e ./app\n./lib\n")

    done = sdistill(
        "-r", requirements.name, "--index-url", index.url, cache=tmp_path / "c", cwd=work
    )
    assert done.returncode == 0, done.stderr
    expected = ["-e ./app", "./lib", "router==1.5", "tool==1.1", "zipp==3.23.1"]
    assert done.stdout.splitlines() == expected
    assert done.stdout.splitlines() == uv_compile_file(requirements, index.url, tmp_path)

    report = sdistill(
        "-r", requirements.name, "--index-url", index.url, "--json", cache=tmp_path / "c", cwd=work
    )
    pins = {pin["name"]: pin for pin in json.loads(report.stdout)["pins"]}
    assert pins["local-app"]["editable"] is True
    assert pins["local-app"]["url"] == (work / "app").resolve().as_uri()
    assert "editable" not in pins["local-lib"]
    assert pins["local-lib"]["metadata"] == "direct"


@pytest.mark.slow
def test_a_path_operand_and_the_api(builder: SourceDistBuilder, tmp_path: Path) -> None:
    """A path given to ``resolve`` (the API) is a requirement like any other; an
    editable from the API too."""
    lib = project(tmp_path / "lib", "local-lib", ["tool>=1.1"])
    found = resolve([str(lib), "router<1"], builder)
    assert found.pins == {"local-lib": "1.0", "router": "0.9", "tool": "1.1"}
    assert found.details["local-lib"].line == str(lib)
    editable = resolve(["router<1"], builder, editables=[str(lib)])
    assert editable.details["local-lib"].line == f"-e {lib}"
    assert editable.lines()[0] == f"-e {lib}"


@pytest.mark.slow
def test_paths_with_extras_and_markers(builder: SourceDistBuilder, tmp_path: Path) -> None:
    """``./lib[fast]`` asks for the extra; ``./lib ; python_version < "3"`` is left out
    before anything is built (its directory need not even be a project); a bare archive
    name that exists here is that file, not a project on the index."""
    lib = project(tmp_path / "lib", "local-lib", ["router<1"])
    pyproject = lib / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text() + '[project.optional-dependencies]\nfast = ["tool<1.1"]\n'
    )
    found = resolve([f"{lib}[fast]"], builder)
    assert found.pins == {"local-lib": "1.0", "router": "0.9", "tool": "1.0"}
    assert found.details["local-lib"].line == str(lib)
    skipped = resolve(["tool", f'{tmp_path / "nowhere"} ; python_version < "3"'], builder)
    assert skipped.pins == {"tool": "1.1"}

    archive = sdist(tmp_path, "carrier", "0.5", ("tool<1.1",))
    here = os.getcwd()
    os.chdir(tmp_path)
    try:
        by_name = resolve([archive.name], builder)
    finally:
        os.chdir(here)
    assert by_name.pins == {"carrier": "0.5", "tool": "1.0"}


def test_a_hashed_output_read_again(index: SimpleIndex, tmp_path: Path) -> None:
    """What ``--generate-hashes`` writes is read back as constraints or requirements
    (the ``--hash`` options dropped); another per-requirement option is refused."""
    out = tmp_path / "pins.txt"
    cache = tmp_path / "c"
    done = sdistill(
        "tool<1.1", "--generate-hashes", "-o", out, "--index-url", index.url, cache=cache
    )
    assert "--hash=sha256:" in out.read_text(), done.stderr
    again = sdistill("tool", "-c", out, "--index-url", index.url, cache=cache)
    assert again.stdout == "tool==1.0\n", again.stderr
    again = sdistill("-r", out, "--index-url", index.url, cache=cache)
    assert again.stdout == "tool==1.0\n", again.stderr
    (tmp_path / "opt.in").write_text("tool --global-option=x\n")
    refused = sdistill("-r", tmp_path / "opt.in", "--index-url", index.url, cache=cache)
    assert "opt.in:1: the option --global-option is not supported here" in refused.stderr


def test_upgrade_package_takes_a_name(index: SimpleIndex, tmp_path: Path) -> None:
    """``-P`` with anything but a project name is a usage error (fast path or not)."""
    out = tmp_path / "pins.txt"
    out.write_text("tool==1.0\n")
    for args in (["tool", "-P", "tool>=2"], ["tool", "--json", "-P", "tool>=2"]):
        done = sdistill(*args, "-o", out, "--index-url", index.url, cache=tmp_path / "c")
        assert done.returncode == 2
        assert "expected a project name" in done.stderr


def test_bad_paths_and_editables_are_named(index: SimpleIndex, tmp_path: Path) -> None:
    (tmp_path / "missing.in").write_text("tool\n-e ./nowhere\n")
    done = sdistill("-r", tmp_path / "missing.in", "--index-url", index.url, cache=tmp_path / "c")
    assert done.returncode != 0
    assert "nowhere" in done.stderr
    assert done.stdout == ""

    (tmp_path / "url.in").write_text("-e https://example.invalid/pkg-1.0.tar.gz\n")
    done = sdistill("-r", tmp_path / "url.in", "--index-url", index.url, cache=tmp_path / "c")
    assert done.returncode != 0
    assert "url.in:1: -e needs a project directory" in done.stderr

    (tmp_path / "constraint.in").write_text("./somewhere\n")
    done = sdistill("tool", "-c", tmp_path / "constraint.in", cache=tmp_path / "c")
    assert done.returncode != 0
    assert "constraint.in:1: not a constraint" in done.stderr


# ------------------------------------------------------------------- direct wheels


def test_wheels_by_url_and_path_equal_uv(index: SimpleIndex, tmp_path: Path) -> None:
    """A wheel named by an http URL (read by range requests, never built) and a local
    wheel by its path: their dependencies resolved, printed as uv prints them
    (``name @ URL``; the path as written)."""
    work = tmp_path / "work"
    (work / "wheels").mkdir(parents=True)
    wheel(work / "wheels", "carrier", "0.5", ("tool<1.1",))
    url = index.file_url("router-1.5-py3-none-any.whl")
    requirements = work / "requirements.in"
    requirements.write_text(f"{url}\n./wheels/carrier-0.5-py3-none-any.whl\n")
    done = sdistill(
        "-r", requirements.name, "--index-url", index.url, cache=tmp_path / "c", cwd=work
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "./wheels/carrier-0.5-py3-none-any.whl",
        f"router @ {url}",
        "tool==1.0",
        "zipp==3.23.1",
    ]
    assert done.stdout.splitlines() == uv_compile_file(requirements, index.url, tmp_path)
    assert index.file_requests("router-1.5-py3-none-any.whl")  # its METADATA, read in it


def test_a_local_wheels_own_metadata_is_read(builder: SourceDistBuilder, tmp_path: Path) -> None:
    """A wheel that vendors another project's ``.dist-info`` before its own: the
    wheel's project is pinned, with its own dependencies."""
    path = tmp_path / "outer-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as made:
        made.writestr("inner-9.0.dist-info/METADATA", "Name: inner\nVersion: 9.0\n")
        made.writestr(
            "outer-1.0.dist-info/METADATA",
            "Metadata-Version: 2.1\nName: outer\nVersion: 1.0\nRequires-Dist: tool<1.1\n",
        )
    found = resolve([str(path)], builder)
    assert found.pins == {"outer": "1.0", "tool": "1.0"}
    assert found.details["outer"].metadata == "direct"


def test_direct_wheels_that_cannot_be_installed(index: SimpleIndex, tmp_path: Path) -> None:
    """A wheel for another platform, or for another Python: a conflict naming why; a
    wheel without its project's METADATA, or whose METADATA names another project: an
    error naming the wheel."""
    dists = tmp_path / "direct"
    dists.mkdir()
    windows = wheel(dists, "winonly", "1.0", tag="cp311-cp311-win_amd64")
    future = wheel(dists, "future", "1.0", requires_python=">=4")
    renamed = wheel(dists, "honest", "1.0").rename(dists / "renamed-1.0-py3-none-any.whl")
    liar = dists / "liar-1.0-py3-none-any.whl"
    with zipfile.ZipFile(liar, "w") as made:
        made.writestr("liar-1.0.dist-info/METADATA", "Name: honest\nVersion: 1.0\n")
    cases = [
        (windows, "winonly-1.0-cp311-cp311-win_amd64.whl does not fit the target"),
        (future, "it needs Python >=4"),
        (renamed, "the wheel has no renamed-1.0.dist-info/METADATA"),
        (liar, "does not match its METADATA"),
    ]
    for path, message in cases:
        done = sdistill(path, "--index-url", index.url, cache=tmp_path / "c")
        assert done.returncode == 1, done.stdout
        assert message in done.stderr
        assert done.stdout == ""


# -------------------------------------------------------------------- find-links


def test_find_links_directory_beside_the_index_equals_uv(
    index: SimpleIndex, tmp_path: Path
) -> None:
    """A newer release only in a find-links directory is a candidate beside the
    index's: picked, its dependencies resolved from the index, as uv picks it."""
    links = tmp_path / "links"
    links.mkdir()
    wheel(links, "router", "1.7", ("tool<1.1",))
    requirements = tmp_path / "requirements.in"
    requirements.write_text("router\n")
    done = sdistill(
        "-r",
        requirements,
        "--find-links",
        links,
        "--index-url",
        index.url,
        "--json",
        cache=tmp_path / "c",
    )
    assert done.returncode == 0, done.stderr
    pins = {pin["name"]: pin for pin in json.loads(done.stdout)["pins"]}
    assert pins["router"]["version"] == "1.7"
    assert pins["router"]["metadata"] == "find-links"
    assert pins["router"]["url"] == (links / "router-1.7-py3-none-any.whl").resolve().as_uri()
    assert pins["tool"]["version"] == "1.0"
    text = sdistill(
        "-r", requirements, "--find-links", links, "--index-url", index.url, cache=tmp_path / "c"
    )
    uv = uv_compile_file(requirements, index.url, tmp_path, "--find-links", str(links))
    assert text.stdout.splitlines() == uv == ["router==1.7", "tool==1.0"]


def test_find_links_alone_wheels_and_sdists(index: SimpleIndex, tmp_path: Path) -> None:
    """``--no-index`` and ``-f links`` in a file (relative to the file): wheels read in
    place, an sdist's PKG-INFO through the builder; nothing asked of the index; a new
    file in the directory is seen by the next run."""
    files = tmp_path / "reqs"
    links = files / "links"
    links.mkdir(parents=True)
    wheel(links, "app", "1.0", ("helper",))
    sdist(links, "helper", "2.0")
    (files / "local.in").write_text("--no-index\n-f links\napp\n")
    before = len(index.server.requests())
    cache = tmp_path / "c"
    done = sdistill("-r", files / "local.in", "--json", cache=cache, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    via = {
        pin["name"]: (pin["version"], pin["metadata"]) for pin in json.loads(done.stdout)["pins"]
    }
    assert via == {"app": ("1.0", "find-links"), "helper": ("2.0", "sdist")}
    assert len(index.server.requests()) == before

    sdist(links, "helper", "2.1")
    done = sdistill("-r", files / "local.in", cache=cache, cwd=tmp_path)
    assert done.stdout == "app==1.0\nhelper==2.1\n", done.stderr


def test_find_links_page(index: SimpleIndex, tmp_path: Path) -> None:
    """An HTML page of links (to the index's own files here) is a find-links place:
    only the files of the project asked for are its candidates."""
    links = [
        index.file_url(name)
        for name in ("tool-1.0-py3-none-any.whl", "router-0.9-py3-none-any.whl")
    ]
    body = "".join(f'<a href="{url}">{url.rsplit("/", 1)[1]}</a><br>' for url in links)
    index.server.route("/links.html", Reply(200, {"Content-Type": "text/html"}, body.encode()))
    page = index.server.url_for("/links.html")
    done = sdistill(
        "tool", "router", "--no-index", "--find-links", page, "--json", cache=tmp_path / "c"
    )
    assert done.returncode == 0, done.stderr
    pins = {pin["name"]: pin["version"] for pin in json.loads(done.stdout)["pins"]}
    assert pins == {"tool": "1.0", "router": "0.9"}


def test_a_find_links_page_cannot_point_at_local_files(index: SimpleIndex, tmp_path: Path) -> None:
    """A page on the network that links to a ``file://`` wheel: not read (the
    resolution fails rather than open a local file a server named)."""
    local = tmp_path / "local"
    local.mkdir()
    target = wheel(local, "evil", "1.0")
    body = f'<a href="{target.resolve().as_uri()}">{target.name}</a>'
    index.server.route("/evil.html", Reply(200, {"Content-Type": "text/html"}, body.encode()))
    page = index.server.url_for("/evil.html")
    done = sdistill("evil", "--no-index", "--find-links", page, cache=tmp_path / "c")
    assert done.returncode != 0
    assert "evil==1.0" not in done.stdout
    assert "file:" in done.stderr, done.stderr


# --------------------------------------------------------- a project's own requirements


def test_a_projects_dependencies_equal_uv(index: SimpleIndex, tmp_path: Path) -> None:
    """``-r pyproject.toml``: the project's dependencies, not the project; ``--extra``
    adds an extra's, one naming the project's own extras adds those; the lines are uv's
    for each. An edit to the project is seen by the next run."""
    work = tmp_path / "work"
    made = project(work, "local-app", ["router"])
    pyproject = made / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text()
        + '[project.optional-dependencies]\nfast = ["tool<1.1"]\nall = ["local-app[fast]"]\n'
    )
    cache = tmp_path / "c"
    for extras in ([], ["--extra", "all"], ["--all-extras"]):
        done = sdistill("-r", pyproject, *extras, "--index-url", index.url, cache=cache)
        assert done.returncode == 0, done.stderr
        uv = uv_compile_file(pyproject, index.url, tmp_path, *extras)
        assert done.stdout.splitlines() == uv
        assert ("tool==1.0" in uv) == bool(extras)
        assert not any(line.startswith("local-app") for line in uv)

    pyproject.write_text(pyproject.read_text().replace('["router"]', '["router<1"]'))
    again = sdistill_importing(cache, "-r", pyproject, "--index-url", index.url)
    assert (again.status, again.out) == (0, "router==0.9\n"), again.err


def test_a_project_input_refuses_what_it_lacks(index: SimpleIndex, tmp_path: Path) -> None:
    made = project(tmp_path / "work", "local-app", ["router"])
    done = sdistill(
        "-r",
        made / "pyproject.toml",
        "--extra",
        "nosuch",
        "--index-url",
        index.url,
        cache=tmp_path / "c",
    )
    assert done.returncode == 1
    assert "local-app provides no extra nosuch" in done.stderr
    done = sdistill("router", "--extra", "fast", "--index-url", index.url, cache=tmp_path / "c")
    assert done.returncode == 2
    assert "--extra and --all-extras need -r pyproject.toml" in done.stderr


def test_a_recorded_resolution_sees_new_find_links_files(
    index: SimpleIndex, tmp_path: Path
) -> None:
    """A wheel dropped into a find-links directory after a resolution was recorded:
    the next run (offline: every index page fresh) pins it."""
    links = tmp_path / "links"
    links.mkdir()
    cache = tmp_path / "c"
    args = ["router", "--find-links", links, "--index-url", index.url]
    assert sdistill(*args, cache=cache).stdout == "router==1.5\nzipp==3.23.1\n"
    wheel(links, "router", "1.8")
    done = sdistill(*args, "--offline", cache=cache)
    assert done.stdout == "router==1.8\n", done.stderr


def test_find_links_requires_python_from_the_metadata(tmp_path: Path) -> None:
    """A directory says nothing of ``Requires-Python``: a wheel whose METADATA needs
    another Python is passed over for the next version, and when none is left the
    conflict names the Python needed."""
    links = tmp_path / "links"
    links.mkdir()
    wheel(links, "gamma", "1.0")
    wheel(links, "gamma", "2.0", requires_python=">=3.99")
    args = ["--no-index", "--find-links", links]
    done = sdistill("gamma", *args, cache=tmp_path / "c")
    assert done.stdout == "gamma==1.0\n", done.stderr
    done = sdistill("gamma>=2", *args, cache=tmp_path / "c")
    assert done.returncode == 1
    assert "Python>=3.99 (from gamma==2.0)" in done.stderr


def test_hashes_never_read_a_local_file_a_page_names(index: SimpleIndex, tmp_path: Path) -> None:
    """``--generate-hashes`` over a find-links page that lists a ``file://`` sdist
    without a hash: refused, the local file not read."""
    secret = tmp_path / "secret"
    secret.mkdir()
    archive = sdist(secret, "tool", "1.0")
    wheel_url = index.file_url("tool-1.0-py3-none-any.whl")
    body = (
        f'<a href="{wheel_url}">tool-1.0-py3-none-any.whl</a>'
        f'<a href="{archive.resolve().as_uri()}">{archive.name}</a>'
    )
    index.server.route("/page.html", Reply(200, {"Content-Type": "text/html"}, body.encode()))
    page = index.server.url_for("/page.html")
    done = sdistill(
        "tool==1.0", "--no-index", "-f", page, "--generate-hashes", cache=tmp_path / "c"
    )
    assert done.returncode == 1
    assert "only http and https URLs are fetched" in done.stderr
    assert hashlib.sha256(archive.read_bytes()).hexdigest() not in done.stdout + done.stderr


# ------------------------------------------------------------ options in the files


def test_a_files_index_options_are_used(index: SimpleIndex, tmp_path: Path) -> None:
    """``--index-url`` and ``--extra-index-url`` in a file: the projects are found on
    the extra index when the first has none; the command line's ``--index-url`` wins
    over the file's."""
    empty = SimpleIndex()
    try:
        (tmp_path / "more.in").write_text(f"--extra-index-url {index.url}\nweb-app\n")
        (tmp_path / "top.in").write_text(f"-i{empty.url}\n-r more.in\n")
        done = sdistill("-r", tmp_path / "top.in", cache=tmp_path / "c")
        assert done.returncode == 0, done.stderr
        direct = sdistill("web-app", "--index-url", index.url, cache=tmp_path / "c0")
        assert done.stdout == direct.stdout
        assert "web-app==1.0\n" in done.stdout
        assert any(r.path.startswith("/simple/web-app") for r in empty.server.requests())

        (tmp_path / "elsewhere.in").write_text(f"--index-url={empty.url}\ntool\n")
        done = sdistill(
            "-r", tmp_path / "elsewhere.in", "--index-url", index.url, cache=tmp_path / "c2"
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout == "tool==1.1\n"
    finally:
        empty.close()


def test_no_index_in_a_file(index: SimpleIndex, tmp_path: Path) -> None:
    """``--no-index`` and ``--pre`` in a file: a local sdist (its metadata read from
    its ``PKG-INFO``) resolves, nothing is asked of the index, and a requirement only
    an index could answer is not found."""
    dists = tmp_path / "local"
    dists.mkdir()
    sdist(dists, "solo", "1.0")
    (tmp_path / "local.in").write_text("--no-index\n--pre\n./local/solo-1.0.tar.gz\n")
    before = len(index.server.requests())
    done = sdistill("-r", "local.in", "--index-url", index.url, cache=tmp_path / "c", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "./local/solo-1.0.tar.gz\n"
    assert len(index.server.requests()) == before

    (tmp_path / "more.in").write_text("-r local.in\ntool\n")
    done = sdistill("-r", "more.in", "--index-url", index.url, cache=tmp_path / "c", cwd=tmp_path)
    assert done.returncode == 1
    assert "tool: not found on the index" in done.stderr
    assert len(index.server.requests()) == before


def test_options_a_file_may_not_set_are_refused(tmp_path: Path) -> None:
    for line, message in [
        ("--hash=sha256:00", "the option --hash is not supported here"),
        ("--pre=yes", "--pre takes no value"),
        ("--index-url", "--index-url needs a value"),
        ("--trusted-host example.org", "the option --trusted-host is not supported here"),
    ]:
        (tmp_path / "bad.in").write_text(f"tool\n{line}\n")
        with pytest.raises(InvalidSourceError, match=r"bad\.in:2: ") as caught:
            read_lines([tmp_path / "bad.in"])
        assert message in str(caught.value)


def test_option_spellings(tmp_path: Path) -> None:
    """pip's spellings: a value after a space or ``=``, a short option's glued on, a
    value's own ``=`` kept; an ``-e`` line is a requirement marked editable."""
    (tmp_path / "all.in").write_text(
        "-ihttps://one.example/simple\n"
        "--index-url=https://two.example/simple?token=a=b\n"
        "--extra-index-url https://three.example/simple\n"
        "-e git+https://example.org/repo#egg=pkg\n"
        "--editable=./here\n"
        "--pre\n"
    )
    lines = read_lines([tmp_path / "all.in"])
    assert lines.options.index_url == "https://two.example/simple?token=a=b"
    assert lines.options.extra_index_urls == ["https://three.example/simple"]
    assert lines.options.pre is True
    assert lines.options.no_index is False
    assert [(line.text, line.editable) for line in lines.requirements] == [
        ("git+https://example.org/repo#egg=pkg", True),
        ("./here", True),
    ]


# ------------------------------------------------------- the pins of an existing -o


def uv_compile_into(requirements: Path, out: Path, index_url: str, tmp_path: Path) -> str:
    """What ``uv pip compile … -o out`` writes when ``out`` already holds pins."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("UV_", "PIP_"))},
        "UV_CACHE_DIR": str(tmp_path / "uv-cache"),
        "UV_PYTHON_DOWNLOADS": "never",
    }
    command = [UV, "pip", "compile", "--no-header", "--no-annotate", "--quiet"]
    command += ["--index-url", index_url, "--python", sys.executable, "-o", out, requirements]
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr
    return out.read_text()


def test_an_existing_output_keeps_its_pins(index: SimpleIndex, tmp_path: Path) -> None:
    """Pins already in ``-o FILE`` are kept where the requirements allow them, as uv
    keeps them; ``-P NAME`` lets one go, ``-U`` all; a warm run keeps them too."""
    requirements = tmp_path / "requirements.in"
    requirements.write_text("tool\nrouter\n")
    older = "router==0.9\ntool==1.0\n"
    ours, theirs = tmp_path / "ours.txt", tmp_path / "theirs.txt"
    ours.write_text(older)
    theirs.write_text(older)
    cache = tmp_path / "cache"
    for _ in range(2):  # the second run is answered warm, with the same pins kept
        kept = sdistill_importing(cache, "-r", requirements, "-o", ours, "--index-url", index.url)
        assert (kept.status, kept.out) == (0, older), kept.err
    assert not kept.resolver
    assert ours.read_text() == uv_compile_into(requirements, theirs, index.url, tmp_path)

    done = sdistill(
        "-r", requirements, "-o", ours, "-P", "TOOL", "--index-url", index.url, cache=cache
    )
    assert done.stdout == "router==0.9\ntool==1.1\n", done.stderr
    ours.write_text(older)
    done = sdistill("-r", requirements, "-o", ours, "-U", "--index-url", index.url, cache=cache)
    assert done.stdout == "router==1.5\ntool==1.1\nzipp==3.23.1\n", done.stderr
    assert ours.read_text() == done.stdout


def test_compiling_into_the_same_output_again_is_warm(index: SimpleIndex, tmp_path: Path) -> None:
    """The second run of one command with ``-o FILE`` keeps the pins the first wrote:
    answered from the first run's record without the resolver (and so is a
    ``--json`` run); once the file is edited, its pins are kept by the resolver."""
    out, cache = tmp_path / "pins.txt", tmp_path / "cache"
    args = ["web-app", "tool", "-o", out, "--index-url", index.url]
    first = sdistill_importing(cache, *args)
    assert first.status == 0, first.err
    assert first.resolver
    again = sdistill_importing(cache, *args)
    assert (again.status, again.out, out.read_text()) == (0, first.out, first.out)
    assert not again.resolver
    report = sdistill_importing(cache, *args, "--json")
    assert not report.resolver
    assert {p["name"] for p in json.loads(report.out)["pins"]} >= {"web-app", "tool"}

    out.write_text(first.out.replace("tool==1.1", "tool==1.0"))
    edited = sdistill_importing(cache, *args)
    assert edited.resolver
    assert "tool==1.0\n" in edited.out
    assert edited.out == first.out.replace("tool==1.1", "tool==1.0")


def test_a_kept_pin_gives_way_to_the_requirements(index: SimpleIndex, tmp_path: Path) -> None:
    """A pin the requirements exclude is not kept; a kept pre-release is, with or
    without ``--pre`` (as uv keeps one); each as uv keeps them."""
    requirements = tmp_path / "requirements.in"
    for wanted, pinned, expected, options in [
        ("tool>=1.1\nearly\n", "tool==1.0\nearly==0.1a1\n", "early==0.1a1\ntool==1.1\n", []),
        ("tool\n", "tool==2.0rc1\n", "tool==2.0rc1\n", []),
        ("tool<2\n", "tool==2.0rc1\n", "tool==1.1\n", []),
        ("tool\n", "tool==2.0rc1\n", "tool==2.0rc1\n", ["--pre"]),
    ]:
        requirements.write_text(wanted)
        ours, theirs = tmp_path / "ours.txt", tmp_path / "theirs.txt"
        ours.write_text(pinned)
        theirs.write_text(pinned)
        done = sdistill(
            "-r", requirements, *options, "-o", ours, "--index-url", index.url, cache=tmp_path / "c"
        )
        assert done.stdout == expected, done.stderr
        if not options:  # uv spells --pre differently
            assert uv_compile_into(requirements, theirs, index.url, tmp_path) == expected


def test_the_pins_an_output_file_holds(tmp_path: Path) -> None:
    """``name==version`` lines as uv and pip-compile write them, with hashes, comments,
    extras and markers; paths, URLs, editables and options are not pins."""
    out = tmp_path / "requirements.txt"
    out.write_text(
        "# compiled\n"
        "--index-url https://example.org/simple\n"
        "-e ./here\n"
        "Flask_Login==0.6.3 \\\n"
        "    --hash=sha256:00 \\\n"
        "    --hash=sha256:11\n"
        "    # via app\n"
        "requests[socks]==2.32.3 ; python_version >= '3.8'\n"
        "pkg @ https://example.org/pkg-1.0.tar.gz\n"
        "./local\n"
        "tool>=1\n"
    )
    assert preferred(out) == ["Flask_Login==0.6.3", "requests==2.32.3"]
    assert kept_pins(str(out), upgrade_packages=["flask-login"]) == ["requests==2.32.3"]
    assert kept_pins(str(out), upgrade=True) == []
    assert preferred(tmp_path / "missing.txt") == []
    out.write_text(out.read_text() + "requests==2.0 ; python_version < '3'\n")
    assert preferred(out) == ["Flask_Login==0.6.3"]  # pinned twice: no one pin to keep


# ------------------------------------------------------------------ --generate-hashes


def test_generated_hashes_equal_uv(index: SimpleIndex, tmp_path: Path) -> None:
    """Every file of each index pin (the sdist and wheels for other platforms too), a
    local archive's own hash, none for a directory: uv's lines, character for
    character; the second run into the same file (its pins kept) writes the same."""
    work = tmp_path / "work"
    project(work / "lib", "local-lib", ["tool>=1.1"])
    (work / "dists").mkdir()
    archive = sdist(work / "dists", "carrier", "0.5", ("router<1",))
    requirements = work / "requirements.in"
    requirements.write_text(f"native\n./lib\n./dists/{archive.name}\n")
    out = work / "pins.txt"
    cache = tmp_path / "c"
    args = ["-r", requirements.name, "--generate-hashes", "-o", out.name]
    done = sdistill(*args, "--index-url", index.url, cache=cache, cwd=work)
    assert done.returncode == 0, done.stderr
    uv = uv_compile_file(requirements, index.url, tmp_path, "--generate-hashes")
    assert done.stdout.splitlines() == uv
    native = [line for line in uv[uv.index("native==1.0 \\") :] if "--hash" in line][:2]
    assert len(native) == 2  # the Windows wheel's and the sdist's
    assert f"./dists/{archive.name} \\" in uv
    assert "./lib" in uv  # a directory: no hash line follows it

    again = sdistill_importing(cache, *args, "--index-url", index.url, cwd=work)
    assert (again.status, again.out) == (0, done.stdout), again.err
    report = sdistill(*args, "--json", "--index-url", index.url, cache=cache, cwd=work)
    pins = {pin["name"]: pin for pin in json.loads(report.stdout)["pins"]}
    assert len(pins["native"]["hashes"]) == 2
    assert "hashes" not in pins["local-lib"]


def test_hashed_pins_are_answered_warm(index: SimpleIndex, tmp_path: Path) -> None:
    """Index pins with hashes: recorded with them, and the second run into the same
    file is answered without the resolver, the same bytes."""
    out, cache = tmp_path / "pins.txt", tmp_path / "cache"
    args = ["tool", "router", "--generate-hashes", "-o", out, "--index-url", index.url]
    first = sdistill_importing(cache, *args)
    assert first.status == 0, first.err
    assert first.out.startswith("router==1.5 \\\n    --hash=sha256:")
    again = sdistill_importing(cache, *args)
    assert (again.status, again.out, out.read_text()) == (0, first.out, first.out)
    assert not again.resolver
    plain = sdistill_importing(cache, "tool", "router", "--index-url", index.url)
    assert "--hash" not in plain.out


# ------------------------------------------------------- --only-binary, --no-binary


def test_formats_by_pips_rules() -> None:
    """A name wins over ``:all:``; ``--only-binary`` over ``--no-binary`` for one name."""
    formats = Formats(frozenset({"a", ALL}), frozenset({"b", "a"}))
    assert formats.allowed("a") == (True, False)
    assert formats.allowed("b") == (False, True)
    assert formats.allowed("c") == (True, False)
    assert Formats(frozenset(), frozenset({ALL})).allowed("c") == (False, True)
    assert Formats().allowed("c") == (True, True)


def test_only_binary_and_no_binary(index: SimpleIndex, tmp_path: Path) -> None:
    """Wheels only: an sdist-only project has no candidate, and says why; sdists only
    for one project: its sdist is read; each as its own record (a recorded resolution
    without the option does not answer one with it); the options in a file too."""
    cache = tmp_path / "c"
    args = ["--index-url", index.url]
    assert sdistill("plain", *args, cache=cache).returncode == 0
    done = sdistill("plain", "--only-binary", ":all:", *args, cache=cache)
    assert done.returncode == 1
    assert "plain: only sdists, and --only-binary allows wheels only" in done.stderr
    done = sdistill("native", "--only-binary", "native", *args, cache=cache)
    assert "native: no wheel for the target, and --only-binary allows wheels only" in done.stderr

    assert sdistill("tool", *args, cache=cache).stdout == "tool==1.1\n"
    done = sdistill("tool", "--no-binary", "tool,other", *args, cache=cache)
    assert done.returncode == 1
    assert "tool: only wheels, and --no-binary allows sdists only" in done.stderr

    (tmp_path / "sdists.in").write_text("--no-binary :all:\n--only-binary tool\nnative\n")
    done = sdistill("-r", tmp_path / "sdists.in", "--json", *args, cache=cache)
    pins = {pin["name"]: pin["metadata"] for pin in json.loads(done.stdout)["pins"]}
    assert pins == {"native": "sdist", "tool": "pep658"}, done.stderr


# ------------------------------------------------------------------------ --pre


def test_pre_allows_every_pre_release(builder: SourceDistBuilder) -> None:
    assert resolve(["tool", "early"], builder).pins == {"tool": "1.1", "early": "0.1b2"}
    assert resolve(["tool", "early"], builder, prereleases=True).pins == {
        "tool": "2.0rc1",
        "early": "0.1b2",
    }


def test_pre_is_its_own_record(index: SimpleIndex, tmp_path: Path) -> None:
    """A resolution with ``--pre`` and one without are recorded apart: each answered
    warm with its own pins."""
    cache = tmp_path / "cache"
    for _ in range(2):
        with_pre = sdistill_importing(cache, "tool", "--pre", "--index-url", index.url)
        without = sdistill_importing(cache, "tool", "--index-url", index.url)
        assert (with_pre.status, with_pre.out) == (0, "tool==2.0rc1\n"), with_pre.err
        assert (without.status, without.out) == (0, "tool==1.1\n"), without.err
    assert not with_pre.resolver
    assert not without.resolver
