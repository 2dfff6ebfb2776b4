"""Calling a PEP 517 backend through ``pyproject_hooks``, output captured.

Every hook runs in a subprocess of the build environment's interpreter (or of the
calling interpreter without isolation). Its output is kept; when the hook fails the
error names the backend, the hook and the exit code, shows the last lines of the output
and, for the usual suspects (no C compiler, a missing header, a missing build
dependency), says what to do. A missing module the build environment can be made to
have gets a hint naming it and the option that adds it: ``pkg_resources`` (gone from
setuptools 81) a build constraint ``setuptools<81``; ``distutils`` (gone from Python
3.12) or ``setuptools`` itself an extra build dependency on setuptools.

A hook is finished when its process exits: it leads a process group of its own, its
output goes to a file (not a pipe a leftover ``sleep 300 &`` could hold open), and what
it left running is ended with its group. Each call gets a private directory under
``temp_root`` (by default the temporary directory; the builder names the cache's
``tmp/``, which ``prune`` empties after a killed process), holding the output and
given to the hook as ``TMPDIR``; it is removed when the call ends.

Every hook runs with ``PYTHONHASHSEED=0`` (``HASH_SEED``), whether it runs as a plain
subprocess or in a child of a hook server (the pool starts servers with it, since a
forked child keeps the hash seed its server's interpreter started with): a backend that
iterates over a set of strings writes the same metadata and wheel on every run.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Callable, TypeVar

from pyproject_hooks import BackendUnavailable, BuildBackendHookCaller, HookMissing

from sdistill.build.build_system import BuildSystem
from sdistill.build.hook_server import (
    HASH_SEED,
    HookServerGone,
    HookServerPool,
    HooksStopped,
    running_group,
    stopping,
    supported,
)
from sdistill.errors import BuildError
from sdistill.reporter import NullReporter, Reporter, logger
from sdistill.sources import Source

__all__ = ["HASH_SEED", "Backend", "HookMissing"]

T = TypeVar("T")
_TAIL_LINES = 30
_MISSING_MODULE = re.compile(r"No module named '([A-Za-z_][\w.]*)'")

_HINTS = (
    (
        (
            "command 'gcc' failed",
            "unable to execute 'gcc'",
            "gcc: not found",
            "cc: not found",
            "error: Microsoft Visual C++",
            "No such file or directory: 'cc'",
        ),
        "a C compiler is needed to build this package: install one (e.g. gcc)",
    ),
    (
        ("fatal error: Python.h",),
        "the Python development headers are missing: install them (e.g. python3-dev)",
    ),
    (
        (".h: No such file or directory",),
        "a C header is missing: install the development package of the library it belongs to",
    ),
)
_CANNOT_IMPORT = "ImportError: cannot import name"
_CANNOT_IMPORT_HINT = "a build dependency is missing: it should be listed in build-system.requires"
_CANNOT_IMPORT_FROM = re.compile(r"cannot import name '(\w+)' from '([A-Za-z_][\w.]*)'")
_NO_ATTRIBUTE = re.compile(r"module '([A-Za-z_][\w.]*)' has no attribute '(\w+)'")

#: Standard-library modules that Python removed, and the version that removed them
#: (``distutils``, which setuptools provides, has its own hint).
_REMOVED_MODULES = {
    **dict.fromkeys(("asynchat", "asyncore", "imp", "smtpd"), "3.12"),
    **dict.fromkeys(
        (
            "aifc", "audioop", "cgi", "cgitb", "chunk", "crypt", "imghdr", "lib2to3",
            "mailcap", "msilib", "nis", "nntplib", "ossaudiodev", "pipes", "sndhdr",
            "spwd", "sunau", "telnetlib", "uu", "xdrlib",
        ),
        "3.13",
    ),
    "binhex": "3.11",
    "formatter": "3.10",
    "parser": "3.10",
    "symbol": "3.10",
    "_dummy_thread": "3.9",
    "dummy_threading": "3.9",
    "macpath": "3.8",
}  # fmt: skip
_THIS_PYTHON = "Python {}.{}".format(*sys.version_info[:2])


def _stdlib_hint(text: str) -> str | None:
    """A hint when the hook failed on a standard-library name that this Python moved or
    removed (``from collections import Mapping``, ``import imp``): the sdist is older
    than this Python, and no build dependency would help."""
    unsupported = (
        "this sdist does not support {}: {} -- build it with an older Python, or use a "
        "newer release of the project"
    )
    names = [(module, name) for name, module in _CANNOT_IMPORT_FROM.findall(text)][-1:]
    names += _NO_ATTRIBUTE.findall(text)[-1:]
    for module, name in names:
        if module.partition(".")[0] in sys.stdlib_module_names:
            what = f"`{module}.{name}` was moved or removed from the standard library"
            return unsupported.format(_THIS_PYTHON, what)
    missing = _MISSING_MODULE.findall(text)
    if missing:
        top = missing[-1].partition(".")[0]
        if top in _REMOVED_MODULES:
            what = f"it imports `{top}`, which Python {_REMOVED_MODULES[top]} removed"
            return unsupported.format(_THIS_PYTHON, what)
    return None


def _missing_module_hint(text: str, source: Source) -> str | None:
    """What to do about the last ``No module named '...'`` of a hook's output."""
    found = _MISSING_MODULE.findall(text)
    if not found:
        return None
    module = found[-1]
    name = source.name or "NAME"
    extra = (
        f"`--extra-build-dependency {name}=setuptools` (Python: "
        f'`SourceDistBuilder(extra_build_dependencies={{"{name}": ["setuptools"]}})`)'
    )
    constraint = (
        "a build constraint: a file holding `{spec}`, given as `--build-constraint FILE` "
        "or `SDISTILL_BUILD_CONSTRAINT=FILE` (Python: "
        '`SourceDistBuilder(build_constraints=["{spec}"])`)'
    )
    if module.partition(".")[0] == "pkg_resources":
        return (
            "this project imports `pkg_resources`, which setuptools no longer ships since "
            "version 81: build it with an older setuptools through "
            + constraint.format(spec="setuptools<81")
        )
    if module == "distutils":
        return (
            "this project imports `distutils`, which Python 3.12 and later no longer ship and "
            "setuptools provides: add setuptools to its build environment with " + extra
        )
    if module.startswith("distutils."):
        return (
            f"this project imports `{module}`, which the `distutils` of its build environment "
            "(setuptools' copy) no longer has: build it with an older setuptools through "
            + constraint.format(spec="setuptools<VERSION")
        )
    if module == "setuptools":
        return (
            "this project is built with `setuptools`, but build-system.requires does not list "
            "it: add it to its build environment with " + extra
        )
    if module.startswith("setuptools."):
        return (
            f"this project imports `{module}`, which the setuptools of its build environment "
            "no longer has: build it with an older setuptools through "
            + constraint.format(spec="setuptools<VERSION")
        )
    return (
        f"a build dependency is missing (the one providing `{module}`): it should be listed in "
        f"build-system.requires; until it is, add it with `--extra-build-dependency "
        f"{name}=REQUIREMENT` (Python: `SourceDistBuilder(extra_build_dependencies=...)`)"
    )


class _HookFailed(Exception):
    def __init__(self, returncode: int, output: list[str]) -> None:
        super().__init__(returncode)
        self.returncode = returncode
        self.output = output


class Backend:
    """The hooks of one source tree's backend, run in one interpreter."""

    def __init__(
        self,
        tree: Path,
        system: BuildSystem,
        python: str,
        environ: Mapping[str, str] | None,
        source: Source,
        reporter: Reporter | None = None,
        servers: HookServerPool | None = None,
        slots: threading.BoundedSemaphore | None = None,
        temp_root: str | os.PathLike[str] | None = None,
    ) -> None:
        self._slots = slots
        self._temp_root = os.fspath(temp_root) if temp_root is not None else None
        self._system = system
        self._python = python
        # A warm server only for backends that do not load from the tree.
        self._servers = servers if supported() and not system.backend_path else None
        self._source = source
        self._reporter = reporter or NullReporter()
        self._environ = dict(environ) if environ is not None else None
        self.output: list[str] = []
        self._caller = BuildBackendHookCaller(
            str(tree),
            system.backend,
            backend_path=list(system.backend_path) or None,
            runner=self._run,
            python_executable=python,
        )

    @property
    def name(self) -> str:
        return self._system.backend

    def _run(
        self,
        cmd: Sequence[str],
        cwd: str | None = None,
        extra_environ: Mapping[str, str] | None = None,
    ) -> None:
        base = dict(self._environ if self._environ is not None else os.environ)
        root = self._temp_root if self._temp_root is not None else tempfile.gettempdir()
        os.makedirs(root, exist_ok=True)
        private = tempfile.mkdtemp(prefix="sdistill-hook-", dir=root)
        try:
            os.mkdir(os.path.join(private, "tmp"))
            log = os.path.join(private, "output.log")
            # The pool starts its servers with it too: forked children keep their server's.
            env = {
                **base,
                **(extra_environ or {}),
                "PYTHONHASHSEED": HASH_SEED,
                "TMPDIR": os.path.join(private, "tmp"),
            }
            code, lines = self._run_in(cmd, cwd, base, env, log)
        finally:
            shutil.rmtree(private, ignore_errors=True)
        self._finish(cmd, code, lines)

    def _run_in(
        self,
        cmd: Sequence[str],
        cwd: str | None,
        base: Mapping[str, str],
        env: Mapping[str, str],
        log: str,
    ) -> tuple[int, list[str]]:
        """Runs a hook process, served if it can be; its exit code and output lines."""
        try:
            if self._servers is not None and cmd[0] == self._python and cwd is not None:
                server = self._servers.get(self._python, base, self._system.backend)
                if server is not None:
                    with contextlib.suppress(HookServerGone):
                        return server.run(cmd[1:], cwd, env, log=log)
            with open(log, "wb") as output:
                start = lambda: subprocess.Popen(  # noqa: E731
                    list(cmd),
                    cwd=cwd,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
                with running_group(start) as process:
                    code = process.wait()
        except HooksStopped:
            return -1, ["interrupted: sdistill is stopping"]
        except OSError as err:  # the environment's interpreter is gone
            return -1, [f"cannot run {cmd[0]}: {err}"]
        with open(log, "rb") as output:
            return code, output.read().decode("utf-8", "replace").splitlines()

    def _finish(self, cmd: Sequence[str], code: int, lines: list[str]) -> None:
        self.output.extend(lines)
        if code != 0:
            raise _HookFailed(code, lines)
        self._capture_warnings(cmd)

    def _capture_warnings(self, cmd: Sequence[str]) -> None:
        """Keeps the backend's warnings with its output.

        ``pyproject_hooks`` would re-raise them in this process as Python warnings after
        the hook returns; they are part of the hook's output instead (and logged), so
        the caller's warning filters never see a backend's chatter. The result file is
        the one the hook process just wrote into the directory its last argument names.
        """
        result = Path(cmd[-1]) / "output.json"
        try:
            data = json.loads(result.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        found = data.pop("warnings", None) if isinstance(data, dict) else None
        if not found:
            return
        for warning in found:
            line = f"warning: {warning.get('message', warning)}"
            self.output.append(line)
            logger.debug("%s: %s", self._source.url, line)
        result.write_text(json.dumps(data), encoding="utf-8")

    def call(self, hook: str, function: Callable[[], T], optional: bool = False) -> T:
        """Runs one hook (``function`` calls it on the caller) with reporting and errors.

        A backend without the hook raises ``HookMissing`` when the hook is ``optional``
        (the caller has a fallback), else a ``BuildError``.
        """
        with self._slots if self._slots is not None else contextlib.nullcontext():
            return self._call(hook, function, optional)

    def _call(self, hook: str, function: Callable[[], T], optional: bool) -> T:
        if stopping():
            raise self._error(hook, None, [], "was not run: sdistill is stopping")
        # pyproject_hooks keeps the hook's input and output in a temporary directory.
        os.makedirs(tempfile.gettempdir(), exist_ok=True)
        self._reporter.on_build_start(self._source, hook)
        started = time.monotonic()
        try:
            return function()
        except HookMissing:
            if optional:
                raise
            raise self._error(hook, None, [], "is not provided by this backend") from None
        except _HookFailed as err:
            raise self._error(hook, err.returncode, err.output) from None
        except BackendUnavailable as err:
            lines = (getattr(err, "traceback", "") or "").splitlines()
            raise self._error(hook, None, lines, "the backend cannot be imported") from None
        finally:
            elapsed = time.monotonic() - started
            self._reporter.on_build_finish(self._source, hook, elapsed)
            logger.debug("%s: %s took %.2fs", self._source.url, hook, elapsed)

    @property
    def caller(self) -> BuildBackendHookCaller:
        return self._caller

    def _error(
        self, hook: str, code: int | None, lines: list[str], what: str | None = None
    ) -> BuildError:
        tail = [line for line in lines if line.strip()][-_TAIL_LINES:]
        text = "\n".join(lines)
        hint = next((h for needles, h in _HINTS if any(n in text for n in needles)), None)
        hint = hint or _stdlib_hint(text) or _missing_module_hint(text, self._source)
        if hint is None and _CANNOT_IMPORT in text:
            hint = _CANNOT_IMPORT_HINT
        head = what or (f"exited with code {code}" if code is not None else "failed")
        message = f"{self.name} {hook} {head} (source: {self._source.url})"
        if tail:
            message += "\n" + "\n".join(f"  | {line}" for line in tail)
        if hint:
            message += f"\nhint: {hint}"
        return BuildError(message, backend=self.name, hook=hook, exit_code=code, output_tail=tail)


def settings(config_settings: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Config settings as the hooks want them (``None`` when there are none)."""
    return dict(config_settings) if config_settings else None
