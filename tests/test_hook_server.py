"""Warm hook servers (``sdistill.build.hook_server``): real servers, real forks, real hooks.

A hook server imports a backend once and forks a child per PEP 517 hook. What a user
must not be able to tell, apart from the speed, is that: every hook still starts from a
freshly imported backend (nothing one hook changes reaches the next), sees the
directory, environment and arguments of its own call, and reports its own output and
exit code. A server that dies costs nothing but the warm start.

The test backend (``_BACKEND``, written into ``tmp_path`` and found through
``PYTHONPATH``: not an in-tree ``backend-path`` backend, which never uses a server)
appends one JSON record per import and per hook to a log file: the process, its parent,
a module-level counter, and what the hook saw of the state an earlier hook changed.
"""

from __future__ import annotations

import gc
import json
import os
import signal
import sys
import textwrap
import threading
import time
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import pytest
from sdistill import BuildError, Source, SourceDistBuilder
from sdistill.build.build_system import BuildSystem
from sdistill.build.hook_server import HookServer, HookServerGone, HookServerPool, supported
from sdistill.build.pep517 import Backend

pytestmark = pytest.mark.skipif(not supported(), reason="hook servers need fork (POSIX)")

BACKEND = "sdt_warm_backend"
LEAKED_PATH = "/sdt-leaked-sys-path-entry"

# The backend. Hooks take orders from their config settings ("mode"): exit with a code,
# raise, kill themselves, or meet other hooks at a rendezvous (which only works when
# the hooks really run at the same time).
_BACKEND = """\
import base64, hashlib, json, os, signal, sys, time, zipfile

LOG = {log!r}
NAME, VERSION = "sdt_warm", "1.2.3"
METADATA = (
    "Metadata-Version: 2.1\\nName: sdt-warm\\nVersion: 1.2.3\\n"
    "Requires-Dist: six>=1.16\\nProvides-Extra: x\\nRequires-Dist: attrs; extra == 'x'\\n"
)
WHEEL = "Wheel-Version: 1.0\\nGenerator: sdt\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"
COUNTER = 0
TOUCHED_BY = None


def _record(kind, **fields):
    fields.update(kind=kind, pid=os.getpid(), ppid=os.getppid())
    fd = os.open(LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, (json.dumps(fields) + "\\n").encode())
    finally:
        os.close(fd)


_record("import")
if {chatty!r}:
    # Output at import time, some shaped like the server's replies and some left
    # unflushed in sys.stdout's buffer: it must never reach the protocol.
    print('{{"id": 1, "code": 42}}')
    print("import-time stderr", file=sys.stderr)
    os.write(1, b'{{"id": 2, "code": 43}}\\n')
    sys.stdout.write("import-time unflushed ")


def _hook(name, config_settings):
    global COUNTER, TOUCHED_BY
    COUNTER += 1
    _record(
        name,
        counter=COUNTER,
        touched_by=TOUCHED_BY,
        leaked_env=os.environ.get("SDT_LEAK"),
        leaked_path={leaked_path!r} in sys.path,
        cwd=os.getcwd(),
        call_env=os.environ.get("SDT_CALL"),
        backend_env=os.environ.get("_PYPROJECT_HOOKS_BUILD_BACKEND"),
    )
    # Change everything a later hook could see, were it to run in this process.
    TOUCHED_BY = name
    os.environ["SDT_LEAK"] = name
    sys.path.insert(0, {leaked_path!r})
    os.chdir(os.path.dirname(LOG))
    print(name + ": stdout", flush=True)
    os.write(1, b'{{"id": 1, "code": 44}}\\n')
    print(name + ": stderr", file=sys.stderr, flush=True)
    settings = config_settings or {{}}
    mode = settings.get("mode")
    if mode == "exit":
        print(name + ": exiting with " + settings["code"], file=sys.stderr, flush=True)
        sys.exit(int(settings["code"]))
    if mode == "raise":
        raise RuntimeError(name + ": the backend broke")
    if mode == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    if mode == "rendezvous":
        here, count = settings["dir"], int(settings["count"])
        open(os.path.join(here, settings["tag"]), "w").close()
        deadline = time.monotonic() + 60
        while len(os.listdir(here)) < count:
            if time.monotonic() > deadline:
                print(name + ": nobody came", flush=True)
                sys.exit(99)
            time.sleep(0.01)
        print(name + ": met " + settings["tag"], flush=True)
        if settings["code"] != "0":
            sys.exit(int(settings["code"]))
    return settings


def get_requires_for_build_wheel(config_settings=None):
    settings = _hook("get_requires_for_build_wheel", config_settings)
    return ["sdt-req-" + settings.get("tag", "none")]


def get_requires_for_build_sdist(config_settings=None):
    _hook("get_requires_for_build_sdist", config_settings)
    return ["sdt-sdist-req"]


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    _hook("prepare_metadata_for_build_wheel", config_settings)
    dist_info = os.path.join(metadata_directory, NAME + "-" + VERSION + ".dist-info")
    os.makedirs(dist_info)
    with open(os.path.join(dist_info, "METADATA"), "w") as f:
        f.write(METADATA)
    return os.path.basename(dist_info)


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    _hook("build_wheel", config_settings)
    name = NAME + "-" + VERSION + "-py3-none-any.whl"
    info = NAME + "-" + VERSION + ".dist-info"
    files = {{
        NAME + "/__init__.py": b"",
        info + "/METADATA": METADATA.encode(),
        info + "/WHEEL": WHEEL.encode(),
    }}
    record = []
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w") as zf:
        for path, data in files.items():
            zf.writestr(path, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            record.append(path + ",sha256=" + digest.decode() + "," + str(len(data)))
        record.append(info + "/RECORD,,")
        zf.writestr(info + "/RECORD", "\\n".join(record) + "\\n")
    return name
"""


# ---------------------------------------------------------------------------- helpers


@dataclass
class WarmBackend:
    """The test backend's module directory, its log, and an environment that finds it."""

    directory: Path
    log: Path
    environ: dict[str, str]

    def records(self) -> list[dict[str, Any]]:
        try:
            text = self.log.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        return [json.loads(line) for line in text.splitlines()]

    def imports(self) -> list[dict[str, Any]]:
        return [r for r in self.records() if r["kind"] == "import"]

    def hooks(self) -> list[dict[str, Any]]:
        return [r for r in self.records() if r["kind"] != "import"]


@pytest.fixture
def warm(tmp_path: Path) -> WarmBackend:
    return write_backend(tmp_path, chatty=False)


@pytest.fixture
def chatty(tmp_path: Path) -> WarmBackend:
    """The same backend, printing at import time (which keeps it from being preloaded)."""
    return write_backend(tmp_path, chatty=True)


def write_backend(tmp_path: Path, chatty: bool) -> WarmBackend:
    directory = tmp_path / "backend"
    directory.mkdir()
    log = tmp_path / "records.jsonl"
    module = _BACKEND.format(log=str(log), leaked_path=LEAKED_PATH, chatty=chatty)
    (directory / f"{BACKEND}.py").write_text(module, encoding="utf-8")
    # Not PYTHONUNBUFFERED (which CI and IDEs set): a backend's buffered output must not
    # leak from the server into every hook.
    environ = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    return WarmBackend(directory, log, {**environ, "PYTHONPATH": str(directory)})


def make_tree(parent: Path, name: str = "project") -> Path:
    """A source tree whose [build-system] names the test backend (no backend-path)."""
    tree = parent / name
    tree.mkdir(parents=True)
    (tree / "pyproject.toml").write_text(
        f'[build-system]\nrequires = []\nbuild-backend = "{BACKEND}"\n', encoding="utf-8"
    )
    return tree.resolve()


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return make_tree(tmp_path)


@pytest.fixture
def pool() -> Iterator[HookServerPool]:
    servers = HookServerPool()
    yield servers
    servers.close()


@pytest.fixture
def start_server() -> Iterator[Callable[..., HookServer]]:
    """``start_server(environ, backend="json")``: a server, closed (and waited for) after."""
    started: list[HookServer] = []

    def start(environ: dict[str, str], backend: str = "json") -> HookServer:
        server = HookServer(sys.executable, environ, backend)
        started.append(server)
        return server

    yield start
    for server in started:
        server.close()
    for server in started:
        wait_until(lambda s=server: reaped(pid_of(s)), "a closed server exits")


def make_backend(
    tree: Path, warm: WarmBackend, servers: HookServerPool | None, **environ: str
) -> Backend:
    return Backend(
        tree,
        BuildSystem(BACKEND, ()),
        sys.executable,
        {**warm.environ, **environ},
        Source.parse(tree),
        None,
        servers,
    )


def run_hook(
    backend: Backend,
    hook: str,
    settings: dict[str, str] | None = None,
    directory: Path | None = None,
) -> Any:
    """Runs one hook the way the builder does (``Backend.call``), returns its result."""
    caller = backend.caller
    calls: dict[str, Callable[[], Any]] = {
        "get_requires_for_build_wheel": lambda: caller.get_requires_for_build_wheel(settings),
        "get_requires_for_build_sdist": lambda: caller.get_requires_for_build_sdist(settings),
        "prepare_metadata_for_build_wheel": lambda: caller.prepare_metadata_for_build_wheel(
            str(directory), settings, _allow_fallback=False
        ),
        "build_wheel": lambda: caller.build_wheel(str(directory), settings),
    }
    return backend.call(hook, calls[hook])


def hook_lines(hook: str) -> list[str]:
    """Exactly what a successful hook of the test backend prints."""
    return [f"{hook}: stdout", '{"id": 1, "code": 44}', f"{hook}: stderr"]


def pid_of(server: HookServer) -> int:
    return server._process.pid


def reaped(pid: int) -> bool:
    """The process ended and was waited for (a zombie still answers signal 0)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting until {what}")
        time.sleep(0.01)


def check_fresh(record: dict[str, Any], tree: Path) -> None:
    """A hook record shows a just-imported backend in the call's own directory."""
    assert record["counter"] == 1, record
    assert record["touched_by"] is None, record
    assert record["leaked_env"] is None, record
    assert record["leaked_path"] is False, record
    assert record["cwd"] == str(tree), record
    assert record["backend_env"] == BACKEND, record


# ---------------------------------------------------------------------------- warm and fresh


def test_builder_imports_the_backend_once_and_forks_a_fresh_process_per_hook(
    warm: WarmBackend, tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without isolation the hooks run in this interpreter with this environment.
    monkeypatch.setenv("PYTHONPATH", str(warm.directory))
    monkeypatch.delenv("PYTHONUNBUFFERED", raising=False)
    with SourceDistBuilder(
        cache_dir=tmp_path / "cache", index_url=None, build_isolation=False
    ) as builder:
        metadata = builder.metadata(tree)
        wheel = builder.build(tree)

    assert metadata.name == "sdt-warm"
    assert str(metadata.version) == "1.2.3"
    assert [str(r) for r in metadata.requires_dist or ()] == [
        "six>=1.16",
        'attrs; extra == "x"',
    ]
    assert metadata.provides_extra == ["x"]
    assert wheel.filename == "sdt_warm-1.2.3-py3-none-any.whl"
    assert wheel.path.is_file()
    assert wheel.metadata.name == "sdt-warm"

    imports, hooks = warm.imports(), warm.hooks()
    assert len(imports) == 1, imports  # once, not once per hook
    server = imports[0]["pid"]
    assert server != os.getpid()
    assert [h["kind"] for h in hooks] == ["prepare_metadata_for_build_wheel", "build_wheel"]
    assert len({h["pid"] for h in hooks} | {server}) == 3, hooks  # a process per hook
    for h in hooks:
        assert h["ppid"] == server, (h, server)  # forked by the server
        check_fresh(h, tree)  # build_wheel saw nothing prepare_metadata changed
    # close() stopped the server and it was waited for.
    wait_until(lambda: reaped(server), "the builder's server exits after close()")


def test_every_hook_starts_fresh_from_one_import_per_server(
    warm: WarmBackend, tree: Path, tmp_path: Path, pool: HookServerPool
) -> None:
    other_tree = make_tree(tmp_path, "other")
    backend = make_backend(tree, warm, pool)
    assert run_hook(backend, "get_requires_for_build_wheel") == ["sdt-req-none"]
    assert run_hook(backend, "get_requires_for_build_sdist") == ["sdt-sdist-req"]
    name = run_hook(backend, "prepare_metadata_for_build_wheel", directory=tmp_path)
    assert name == "sdt_warm-1.2.3.dist-info"
    assert (
        (tmp_path / name / "METADATA")
        .read_text(encoding="utf-8")
        .startswith("Metadata-Version: 2.1\nName: sdt-warm\nVersion: 1.2.3\n")
    )
    # Another tree with the same interpreter, environment and backend: the same server.
    other = make_backend(other_tree, warm, pool)
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    assert run_hook(other, "build_wheel", directory=wheels) == "sdt_warm-1.2.3-py3-none-any.whl"
    assert (wheels / "sdt_warm-1.2.3-py3-none-any.whl").is_file()
    # Each hook's output is its own, once, with nothing printed at import time
    # (no server output, no buffered text duplicated into every child).
    assert backend.output == [
        *hook_lines("get_requires_for_build_wheel"),
        *hook_lines("get_requires_for_build_sdist"),
        *hook_lines("prepare_metadata_for_build_wheel"),
    ]
    assert other.output == hook_lines("build_wheel")

    imports, hooks = warm.imports(), warm.hooks()
    assert len(imports) == 1, imports
    server = imports[0]["pid"]
    assert len({h["pid"] for h in hooks} | {server}) == 5, hooks
    for h in hooks:
        assert h["ppid"] == server, (h, server)
        check_fresh(h, other_tree if h["kind"] == "build_wheel" else tree)

    # A different environment is a different server: one more import, in its own process.
    third = make_backend(tree, warm, pool, SDT_CALL="second environment")
    assert run_hook(third, "get_requires_for_build_wheel") == ["sdt-req-none"]
    imports, last = warm.imports(), warm.hooks()[-1]
    assert len(imports) == 2, imports
    assert imports[1]["pid"] != server
    assert last["ppid"] == imports[1]["pid"]
    assert last["call_env"] == "second environment"
    check_fresh(last, tree)


# ---------------------------------------------------------------------------- output and errors


@pytest.mark.parametrize("warm_server", [True, False], ids=["server", "subprocess"])
def test_failing_hooks_report_their_exit_code_and_output(
    warm: WarmBackend, tree: Path, pool: HookServerPool, warm_server: bool
) -> None:
    """The same failures give the same errors with and without a server (which differ
    only in that a plain subprocess also shows what the backend prints at import)."""
    hook = "get_requires_for_build_wheel"
    backend = make_backend(tree, warm, pool if warm_server else None)

    with pytest.raises(BuildError) as exited:
        run_hook(backend, hook, {"mode": "exit", "code": "3"})
    err = exited.value
    assert err.exit_code == 3
    assert err.hook == hook
    assert err.backend == BACKEND
    assert f"{BACKEND} {hook} exited with code 3" in str(err)
    assert err.output_tail[-3:] == (*hook_lines(hook)[1:], f"{hook}: exiting with 3")
    assert f"  | {hook}: exiting with 3" in str(err)
    assert backend.output[-3:] == list(err.output_tail[-3:])
    if warm_server:
        assert err.output_tail == (*hook_lines(hook), f"{hook}: exiting with 3")

    with pytest.raises(BuildError) as raised:
        run_hook(backend, hook, {"mode": "raise"})
    err = raised.value
    assert err.exit_code == 1
    assert err.output_tail[-1] == f"RuntimeError: {hook}: the backend broke"
    assert "Traceback (most recent call last):" in err.output_tail
    assert f"  | RuntimeError: {hook}: the backend broke" in str(err)
    if warm_server:
        assert err.output_tail[:3] == tuple(hook_lines(hook))

    with pytest.raises(BuildError) as killed:
        run_hook(backend, hook, {"mode": "kill"})
    assert killed.value.exit_code == -signal.SIGKILL
    assert killed.value.output_tail[-2:] == tuple(hook_lines(hook)[1:])
    if warm_server:
        assert killed.value.output_tail == tuple(hook_lines(hook))

    # A failure leaves nothing behind: the next hook succeeds, fresh.
    assert run_hook(backend, hook, {"tag": "after"}) == ["sdt-req-after"]
    assert backend.output[-2:] == hook_lines(hook)[1:]
    records = warm.hooks()
    assert len(records) == 4
    for record in records:
        check_fresh(record, tree)
    imports = warm.imports()
    if warm_server:
        assert len(imports) == 1, imports
        assert {r["ppid"] for r in records} == {imports[0]["pid"]}
    else:
        assert sorted(i["pid"] for i in imports) == sorted(r["pid"] for r in records)
        assert {r["ppid"] for r in records} == {os.getpid()}


# ---------------------------------------------------------------------------- server death


def kill_and_wait(server: HookServer) -> int:
    """SIGKILLs a server and waits until the client has noticed and the process is reaped."""
    pid = pid_of(server)
    os.kill(pid, signal.SIGKILL)
    wait_until(lambda: not server.alive, "the client sees the server is gone")
    wait_until(lambda: reaped(pid), "the killed server is waited for")
    return pid


def test_a_killed_server_is_replaced_and_the_next_hook_works(
    warm: WarmBackend, tree: Path, pool: HookServerPool
) -> None:
    backend = make_backend(tree, warm, pool)
    assert run_hook(backend, "get_requires_for_build_wheel") == ["sdt-req-none"]
    server = pool.get(sys.executable, warm.environ, BACKEND)
    assert server is not None
    first = warm.imports()[0]["pid"]
    assert pid_of(server) == first  # the server that ran the hook
    kill_and_wait(server)
    with pytest.raises(HookServerGone):
        server.run(["never-sent.py"], str(tree), warm.environ)

    again = make_backend(tree, warm, pool)
    assert run_hook(again, "get_requires_for_build_wheel", {"tag": "again"}) == ["sdt-req-again"]
    assert again.output == hook_lines("get_requires_for_build_wheel")
    imports, last = warm.imports(), warm.hooks()[-1]
    assert len(imports) == 2, imports
    assert last["ppid"] == imports[1]["pid"] != first  # a new server ran it
    check_fresh(last, tree)
    replacement = pool.get(sys.executable, warm.environ, BACKEND)
    assert replacement is not None
    assert replacement is not server
    assert pid_of(replacement) == imports[1]["pid"]
    server.close()  # idempotent: the server closed itself when it died


def test_a_dead_server_replaced_by_the_pool_leaves_no_open_pipe(
    warm: WarmBackend, pool: HookServerPool
) -> None:
    server = pool.get(sys.executable, warm.environ, BACKEND)
    assert server is not None
    kill_and_wait(server)
    replacement = pool.get(sys.executable, warm.environ, BACKEND)
    assert replacement is not None
    assert replacement is not server
    gone = weakref.ref(server)
    del server
    # Once its reader thread has ended, nothing holds the dead server any more.
    wait_until(lambda: gc.collect() >= 0 and gone() is None, "the dead server is collected")
    # pytest reports a ResourceWarning raised while collecting it when this test ends.


@pytest.mark.parametrize(
    "warm_server",
    [
        True,
        False,
    ],
    ids=["server", "subprocess"],
)
def test_a_backend_that_exits_at_import_reports_its_own_error(
    warm: WarmBackend, tree: Path, pool: HookServerPool, warm_server: bool
) -> None:
    """A backend that refuses to load (a version check that calls ``sys.exit`` at
    import) gives its own exit code and message, with or without a server."""
    (warm.directory / f"{BACKEND}.py").write_text(
        'import sys\nsys.exit("sdt_warm_backend needs a newer Python")\n', encoding="utf-8"
    )
    backend = make_backend(tree, warm, pool if warm_server else None)
    with pytest.raises(BuildError) as failed:
        run_hook(backend, "get_requires_for_build_wheel")
    assert failed.value.exit_code == 1
    assert failed.value.output_tail == ("sdt_warm_backend needs a newer Python",)


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc")
def test_a_server_dead_before_the_call_is_sent_falls_back_to_a_subprocess(
    warm: WarmBackend, tree: Path, pool: HookServerPool
) -> None:
    """The client has not noticed yet that the server died (held open here by a second
    writer of its reply pipe): the call is not lost, it runs as a plain subprocess."""
    backend = make_backend(tree, warm, pool)
    run_hook(backend, "get_requires_for_build_wheel")
    server = pool.get(sys.executable, warm.environ, BACKEND)
    assert server is not None
    pid = pid_of(server)
    assert server._process.stdout is not None
    pipe = f"pipe:[{os.fstat(server._process.stdout.fileno()).st_ino}]"
    fds = [f"/proc/{pid}/fd/{fd}" for fd in os.listdir(f"/proc/{pid}/fd")]
    writer = os.open(next(fd for fd in fds if os.readlink(fd) == pipe), os.O_WRONLY)
    try:
        os.kill(pid, signal.SIGKILL)
        server._process.wait(timeout=30)
        assert server.alive  # not noticed: the reply pipe is still open
        assert pool.get(sys.executable, warm.environ, BACKEND) is server

        again = make_backend(tree, warm, pool)
        result = run_hook(again, "get_requires_for_build_wheel", {"tag": "fallback"})
        assert result == ["sdt-req-fallback"]
        assert again.output[-2:] == hook_lines("get_requires_for_build_wheel")[1:]
    finally:
        os.close(writer)
    last = warm.hooks()[-1]
    assert last["ppid"] == os.getpid()  # a plain subprocess of this process
    assert warm.imports()[-1]["pid"] == last["pid"]  # which imported the backend itself
    check_fresh(last, tree)
    wait_until(lambda: not server.alive, "the client sees the server is gone")


def test_close_lets_running_hooks_finish_then_stops_the_server(
    tmp_path: Path, start_server: Callable[..., HookServer]
) -> None:
    started, go = tmp_path / "started", tmp_path / "go"
    script = tmp_path / "slow.py"
    script.write_text(
        textwrap.dedent(
            f"""\
            import os, sys, time
            print("started", flush=True)
            open({str(started)!r}, "w").close()
            while not os.path.exists({str(go)!r}):
                time.sleep(0.01)
            print("finished")
            sys.exit(7)
            """
        ),
        encoding="utf-8",
    )
    server = start_server(dict(os.environ))
    results: list[tuple[int, list[str]]] = []
    thread = threading.Thread(
        target=lambda: results.append(server.run([str(script)], str(tmp_path), os.environ))
    )
    thread.start()
    try:
        wait_until(started.exists, "the hook starts")
        server.close()
        assert not server.alive
        with pytest.raises(HookServerGone):  # no new calls once closed
            server.run([str(script)], str(tmp_path), os.environ)
        assert not reaped(pid_of(server))  # still serving the running hook
    finally:
        go.touch()
        thread.join(timeout=60)
    assert results == [(7, ["started", "finished"])]
    # Popen records the exit code just after the reader thread's waitpid returns.
    wait_until(lambda: server._process.returncode is not None, "the closed server exits")
    assert reaped(pid_of(server))
    assert server._process.returncode == 0


def test_pool_close_stops_every_server(warm: WarmBackend) -> None:
    servers = HookServerPool()
    try:
        one = servers.get(sys.executable, warm.environ, BACKEND)
        two = servers.get(sys.executable, {**warm.environ, "SDT_CALL": "2"}, BACKEND)
        assert one is not None
        assert two is not None
        assert one is not two
        assert servers.get(sys.executable, warm.environ, BACKEND) is one
    finally:
        servers.close()
    assert not one.alive
    assert not two.alive
    for server in (one, two):
        wait_until(lambda s=server: reaped(pid_of(s)), "a closed server exits")
        assert server._process.returncode == 0


def test_pool_of_one_stops_the_least_recently_used_server(warm: WarmBackend) -> None:
    servers = HookServerPool(size=1)
    try:
        first = servers.get(sys.executable, warm.environ, "json")
        assert first is not None
        assert servers.get(sys.executable, warm.environ, "json") is first
        second = servers.get(sys.executable, warm.environ, "email")
        assert second is not None
        assert second is not first
        assert not first.alive
        assert second.alive
        wait_until(lambda: reaped(pid_of(first)), "the evicted server exits")
        assert first._process.returncode == 0
        back = servers.get(sys.executable, warm.environ, "json")
        assert back is not None
        assert back is not first  # a new server: the old one is gone
        assert back.alive
        assert not second.alive
    finally:
        servers.close()
    for server in (second, back):
        wait_until(lambda s=server: reaped(pid_of(s)), "a closed server exits")


# ---------------------------------------------------------------------------- concurrency


def test_concurrent_hooks_on_one_server_keep_their_own_results(
    warm: WarmBackend, tree: Path, tmp_path: Path, pool: HookServerPool
) -> None:
    """Four hooks that can only finish together (a rendezvous): they run at once, in one
    server, and each gets back its own result, exit code and output."""
    rendezvous = tmp_path / "rendezvous"
    rendezvous.mkdir()
    codes = {"a": "0", "b": "3", "c": "4", "d": "5"}
    hook = "get_requires_for_build_wheel"
    outcomes: dict[str, Any] = {}
    backends: dict[str, Backend] = {}

    def one(tag: str) -> None:
        backend = backends[tag] = make_backend(tree, warm, pool)
        settings = {
            "mode": "rendezvous",
            "dir": str(rendezvous),
            "count": str(len(codes)),
            "tag": tag,
            "code": codes[tag],
        }
        try:
            outcomes[tag] = run_hook(backend, hook, settings)
        except BuildError as err:
            outcomes[tag] = err

    threads = [threading.Thread(target=one, args=(tag,)) for tag in codes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert outcomes.keys() == codes.keys()
    assert outcomes["a"] == ["sdt-req-a"]
    for tag in "bcd":
        err = outcomes[tag]
        assert isinstance(err, BuildError), err
        assert err.exit_code == int(codes[tag])
        assert err.output_tail == (*hook_lines(hook), f"{hook}: met {tag}")
    for tag, backend in backends.items():
        assert backend.output == [*hook_lines(hook), f"{hook}: met {tag}"]

    imports, hooks = warm.imports(), warm.hooks()
    assert len(imports) == 1, imports
    assert len(hooks) == 4
    assert {h["ppid"] for h in hooks} == {imports[0]["pid"]}
    assert len({h["pid"] for h in hooks}) == 4
    for h in hooks:
        check_fresh(h, tree)


# ---------------------------------------------------------------------------- HookServer.run


def test_run_gives_a_plain_script_its_arguments_directory_and_environment(
    tmp_path: Path, start_server: Callable[..., HookServer]
) -> None:
    script = tmp_path / "script.py"
    script.write_text(
        textwrap.dedent(
            """\
            import json, os, sys
            print(json.dumps({"argv": sys.argv, "cwd": os.getcwd(), "name": __name__}))
            print(json.dumps(dict(os.environ)), file=sys.stderr, flush=True)
            print("stdin: " + repr(sys.stdin.read()), flush=True)
            sys.exit(int(sys.argv[2]))
            """
        ),
        encoding="utf-8",
    )
    work = tmp_path / "work"
    work.mkdir()
    server = start_server({**os.environ, "SDT_SERVER_ONLY": "server"})
    env = {"PATH": os.environ.get("PATH", ""), "SDT_CALL": "call", "SDT_EMPTY": ""}

    code, lines = server.run([str(script), "first", "17"], str(work), env)
    assert code == 17
    assert len(lines) == 3, lines
    seen = json.loads(lines[0])
    assert seen == {"argv": [str(script), "first", "17"], "cwd": str(work), "name": "__main__"}
    assert json.loads(lines[1]) == env  # exactly the call's environment, not the server's
    assert lines[2] == "stdin: ''"  # no terminal to wait on

    # Another call, another directory and environment: nothing of the first is left.
    code, lines = server.run([str(script), "second", "0"], str(tmp_path), {"SDT_CALL": "2"})
    assert code == 0
    assert json.loads(lines[0])["argv"] == [str(script), "second", "0"]
    assert json.loads(lines[0])["cwd"] == str(tmp_path)
    assert json.loads(lines[1]) == {"SDT_CALL": "2"}


def test_run_reports_exit_codes_signals_and_failures_of_the_script(
    tmp_path: Path, start_server: Callable[..., HookServer]
) -> None:
    server = start_server(dict(os.environ))
    script = tmp_path / "script.py"
    cases = {
        "import sys; print('out'); sys.exit(0)": (0, ["out"]),
        "print('ending quietly')": (0, ["ending quietly"]),
        "import sys; sys.exit('a message')": (1, ["a message"]),
        "import os, signal; os.kill(os.getpid(), signal.SIGTERM)": (-signal.SIGTERM, []),
    }
    for source, expected in cases.items():
        script.write_text(source + "\n", encoding="utf-8")
        assert server.run([str(script)], str(tmp_path), os.environ) == expected, source
    script.write_text("raise KeyError('no such thing')\n", encoding="utf-8")
    code, lines = server.run([str(script)], str(tmp_path), os.environ)
    assert code == 1
    assert lines[0] == "Traceback (most recent call last):"
    assert lines[-1] == "KeyError: 'no such thing'"
    # the server survived all of that
    assert server.alive
    script.write_text("print('still here')\n", encoding="utf-8")
    assert server.run([str(script)], str(tmp_path), os.environ) == (0, ["still here"])


def test_a_backend_that_prints_at_import_is_not_preloaded(
    chatty: WarmBackend, tree: Path, tmp_path: Path, pool: HookServerPool
) -> None:
    """What a backend prints at import belongs to every hook that imports it: the server
    does not keep such a backend imported, so each hook shows exactly what it shows
    without a server."""
    plain = make_backend(tree, chatty, None)
    served = make_backend(make_tree(tmp_path, "other"), chatty, pool)
    for hook in ("get_requires_for_build_wheel", "get_requires_for_build_sdist"):
        run_hook(plain, hook)
        run_hook(served, hook)
    assert served.output == plain.output
    assert plain.output.count("import-time stderr") == 2
    imports, hooks = chatty.imports(), chatty.hooks()
    # One import per hook, in the hook's own process, with or without the server (whose
    # own attempt, which printed, is the one more import that no hook ran in).
    assert len(hooks) == 4
    hook_pids = [h["pid"] for h in hooks]
    in_hooks = [i["pid"] for i in imports if i["pid"] in hook_pids]
    assert in_hooks == hook_pids
    servers = {i["pid"] for i in imports} - set(hook_pids)
    assert len(servers) == 1
    assert [h["ppid"] in servers for h in hooks] == [False, True, False, True]
    for h in hooks:
        assert h["counter"] == 1


def test_a_server_whose_client_is_gone_ends_its_running_hooks(
    tmp_path: Path, start_server: Callable[..., HookServer]
) -> None:
    """Stdin closing without a stop request means the client died (kill -9): nobody wants
    the running hooks any more, and they are ended with everything they started."""
    pids = tmp_path / "pids"
    script = tmp_path / "hang.py"
    script.write_text(
        textwrap.dedent(
            f"""\
            import os, subprocess, time
            sleeper = subprocess.Popen(["sleep", "300"])
            with open({str(pids)!r}, "w") as f:
                f.write(f"{{os.getpid()}} {{sleeper.pid}}")
            while True:
                time.sleep(1)
            """
        ),
        encoding="utf-8",
    )
    server = start_server(dict(os.environ))
    results: list[tuple[int, list[str]]] = []
    thread = threading.Thread(
        target=lambda: results.append(server.run([str(script)], str(tmp_path), os.environ)),
        daemon=True,
    )
    thread.start()
    wait_until(lambda: pids.exists() and len(pids.read_text().split()) == 2, "the hook runs")
    assert server._process.stdin is not None
    server._process.stdin.close()  # as the death of the client closes it
    thread.join(timeout=60)
    assert results == [(-signal.SIGKILL, [])]
    for pid in map(int, pids.read_text().split()):
        wait_until(lambda pid=pid: reaped(pid) or _zombie(pid), f"process {pid} ends")


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] == "Z"
    except (OSError, IndexError):
        return False
