"""The installers that fill build environments: ``uv`` when it can be found, else ``pip``.

Both get the same view of the world as sdistill itself: its index URL (or none), extra
index URLs, find-links and offline mode -- and sdistill's build constraints, as a file
it wrote, given with ``--constraint`` (never the user's ``UV_CONSTRAINT``,
``UV_BUILD_CONSTRAINT`` or ``PIP_CONSTRAINT``: those are dropped from their environment).

Credentials in an index or find-links URL (``https://user:secret@host/simple``) never
reach the installer's command line, where any user of the machine can read them (``ps``).
The URLs are passed without them, and the credentials go in a private ``.netrc`` -- in a
directory of its own (mode 0700) under the cache's ``tmp/``, the file mode 0600, removed
when the installer has finished, however it finished -- named to the installer by the
``NETRC`` environment variable, which uv and pip both read. The user's own ``.netrc``
(``$NETRC`` or ``~/.netrc``) is copied after them for the other hosts it names, so it
keeps working. What identifies an index configuration (:meth:`IndexConfig.key`) holds
the URLs redacted: a password is never part of a key or a record, and changing it does
not change them.
"""

from __future__ import annotations

import contextlib
import netrc
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

from sdistill import _core, environment, records
from sdistill.build.hook_server import HooksStopped, running_group
from sdistill.errors import BuildError

__all__ = ["DEFAULT_INDEX_URL", "IndexConfig", "Installer", "find_installer"]

#: The index used when none is given.
DEFAULT_INDEX_URL = records.DEFAULT_INDEX_URL


@dataclass(frozen=True)
class IndexConfig:
    """Where packages come from. ``index_url=None`` means no index (find-links only)."""

    index_url: str | None = DEFAULT_INDEX_URL
    extra_index_urls: tuple[str, ...] = ()
    find_links: tuple[str, ...] = ()
    offline: bool = False

    def key(self) -> str:
        """What of this goes into an environment's cache key (it decides what gets in),
        with every URL redacted (no password is part of a key)."""
        parts = [self.index_url or "-", *self.extra_index_urls, "#", *self.find_links]
        return _core.redact("|".join(parts))


@dataclass(frozen=True)
class Installer:
    """One installer program and how to call it."""

    name: str
    executable: str

    def create(self, target: Path, python: str) -> None:
        """Create an empty virtual environment at ``target`` for interpreter ``python``."""
        if self.name == "uv":
            command = [
                self.executable,
                "venv",
                "--quiet",
                "--no-config",
                "--python",
                python,
                str(target),
            ]
        else:
            command = [python, "-m", "venv", "--without-pip", str(target)]
        self._run(command, "creating the build environment")

    def install(
        self,
        python: Path,
        requirements: Sequence[str],
        index: IndexConfig,
        constraints: Path | None = None,
        *,
        scratch: Path | None = None,
    ) -> None:
        """Install ``requirements`` into the environment of ``python``, within the
        constraints file ``constraints`` if given. Credentials in the index URLs go to
        the installer in a private ``.netrc`` made under ``scratch`` (else the system's
        temporary directory) and removed afterwards."""
        if not requirements:
            return
        if self.name == "uv":
            command = [
                self.executable,
                "pip",
                "install",
                "--quiet",
                "--no-config",
                "--python",
                str(python),
            ]
        else:
            command = [
                self.executable,
                "-m",
                "pip",
                "--python",
                str(python),
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--no-input",
            ]
        found: list[_HostCredentials] = []
        if index.index_url is None:
            command.append("--no-index")
        else:
            command += ["--index-url", _without_credentials(index.index_url, found)]
        for url in index.extra_index_urls:
            command += ["--extra-index-url", _without_credentials(url, found)]
        for link in index.find_links:
            command += ["--find-links", _without_credentials(link, found)]
        if index.offline:
            command.append("--offline" if self.name == "uv" else "--no-index")
        if constraints is not None:
            command += ["--constraint", str(constraints)]
        command += ["--", *requirements]
        what = "installing the build requirements " + ", ".join(requirements)
        if not found:
            self._run(command, what)
            return
        with _private_netrc(found, scratch) as path:
            self._run(command, what, {"NETRC": str(path)})

    def _run(self, command: list[str], what: str, extra_env: dict[str, str] | None = None) -> None:
        """Runs the installer as the leader of a process group of its own, known to
        ``hook_server.stop_all`` as a hook's is: SIGTERM or SIGINT of the command ends it
        and everything it started (uv's and pip's own subprocesses) at once."""
        env = _isolated_environ()
        env.update(extra_env or {})
        start = lambda: subprocess.Popen(  # noqa: E731
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
        try:
            with running_group(start) as process:
                stdout, _ = process.communicate()
        except HooksStopped:
            raise BuildError(
                f"{self.name} was not started {what}: sdistill is stopping", hook="environment"
            ) from None
        if process.returncode != 0:
            output = _core.redact(stdout.decode("utf-8", "replace")).splitlines()
            tail = output[-40:]
            raise BuildError(
                f"{self.name} failed {what} (exit code {process.returncode}):\n" + "\n".join(tail),
                hook="environment",
                exit_code=process.returncode,
                output_tail=tail,
            )


#: (host, username, password) of a URL that carried credentials.
_HostCredentials = tuple[str, str, str]


def _without_credentials(url: str, found: list[_HostCredentials]) -> str:
    """``url`` without its userinfo; the credentials it had (percent-decoded) are added
    to ``found``. A local path, or a URL without credentials, is returned as it is."""
    parts = urlsplit(url)
    userinfo, at, hostport = parts.netloc.rpartition("@")
    if not at or not parts.hostname:
        return url
    username, _, password = userinfo.partition(":")
    found.append((parts.hostname, unquote(username), unquote(password)))
    return urlunsplit(parts._replace(netloc=hostport))


_BARE = re.compile(r'[^\s"\\#]+')


def _netrc_value(value: str) -> str:
    """A .netrc token: as it is when that reads back the same, else quoted."""
    if _BARE.fullmatch(value):
        return value
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _netrc_text(found: Sequence[_HostCredentials]) -> str:
    """The .netrc the installer reads: an entry per host of ``found`` (the first
    credentials given for a host win), then the user's own entries for other hosts."""
    lines: list[str] = []
    hosts: set[str] = set()
    for host, username, password in found:
        if host not in hosts:
            hosts.add(host)
            lines.append(_netrc_entry(f"machine {_netrc_value(host)}", username, password))
    own = _users_netrc()
    if own is not None:
        for host, (login, _, secret) in own.hosts.items():
            if host != "default" and host.lower() not in hosts and login:
                lines.append(_netrc_entry(f"machine {_netrc_value(host)}", login, secret))
        default = own.hosts.get("default")
        if default is not None and default[0]:
            lines.append(_netrc_entry("default", default[0], default[2]))
    return "".join(f"{line}\n" for line in lines)


def _netrc_entry(head: str, login: str, password: str | None) -> str:
    entry = f"{head} login {_netrc_value(login)}"
    return f"{entry} password {_netrc_value(password)}" if password else entry


def _users_netrc() -> netrc.netrc | None:
    """The user's ``.netrc`` (``$NETRC``, else ``~/.netrc``), if there is a readable one."""
    path = environment.netrc_file()
    try:
        return netrc.netrc(path)
    except (OSError, netrc.NetrcParseError):
        return None


@contextlib.contextmanager
def _private_netrc(found: Sequence[_HostCredentials], scratch: Path | None) -> Iterator[Path]:
    """A .netrc holding ``found`` (see :func:`_netrc_text`), readable by this user only,
    in a directory of its own that is removed on leaving, whatever happened."""
    if scratch is not None:
        scratch.mkdir(parents=True, exist_ok=True)
    directory = tempfile.mkdtemp(prefix="credentials-", dir=scratch)  # mode 0700
    try:
        path = Path(directory, "netrc")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(_netrc_text(found))
        yield path
    finally:
        shutil.rmtree(directory, ignore_errors=True)


# Installer settings that only say where caches live or how to reach the network; every
# other UV_* / PIP_* variable (indexes, constraints, find-links, ...) is dropped so that
# a build environment holds what sdistill asked for and nothing a user's setup adds.
_KEPT_SETTINGS = {
    "UV_CACHE_DIR",
    "UV_NATIVE_TLS",
    "UV_HTTP_TIMEOUT",
    "PIP_CACHE_DIR",
    "PIP_CERT",
    "PIP_CLIENT_CERT",
    "PIP_DEFAULT_TIMEOUT",
}


def _isolated_environ() -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("UV_", "PIP_")) or key in _KEPT_SETTINGS
    }
    env.pop("VIRTUAL_ENV", None)
    env.pop("PYTHONPATH", None)
    env["PIP_CONFIG_FILE"] = os.devnull  # no pip.conf either (uv: --no-config)
    return env


def find_installer(preference: str | None = None) -> Installer:
    """``uv`` (on ``PATH`` or from the ``uv`` Python package) unless ``pip`` is asked for."""
    if preference not in (None, "uv", "pip"):
        raise ValueError(f"unknown installer {preference!r} (expected 'uv' or 'pip')")
    if preference != "pip":
        uv = _find_uv()
        if uv is not None:
            return Installer("uv", uv)
        if preference == "uv":
            raise BuildError(
                "the uv installer was asked for but cannot be found", hook="environment"
            )
    return Installer("pip", sys.executable)


def _find_uv() -> str | None:
    try:
        from uv import find_uv_bin  # type: ignore[import-not-found,unused-ignore]  # noqa: PLC0415

        found = str(find_uv_bin())
        if os.path.isfile(found):
            return found
    except (ImportError, FileNotFoundError):
        pass
    return shutil.which("uv")
