"""The environment variables sdistill reads: this module is the one place they are read.

Every variable has one function here that reads it and returns a typed value, with the
default applied when it is unset or empty; a value that cannot be used is a
:class:`~sdistill.errors.SdistillError` naming the variable and what it accepts.
Arguments (``BuilderConfig``, ``--cache-dir``, ...) win over the environment; callers
read a variable only when no argument was given. The native core reads none of
sdistill's own variables -- Python passes the values -- only the standard ones it
shares with every HTTP client, listed last.

=============================  ===============================================  =======
environment variable           meaning                                          default
=============================  ===============================================  =======
``SDISTILL_CACHE_DIR``         the cache root (``~`` expanded)                  [1]
``SDISTILL_BUILD_CONSTRAINT``  a constraints file for every build environment   none
``SDISTILL_LOCK_TIMEOUT``      seconds to wait for a cache lock                 300
``SDISTILL_HTTP_TIMEOUT``      seconds a read may wait for data                 30
``SDISTILL_CONNECT_TIMEOUT``   seconds to establish a connection                10
``SDISTILL_HTTP_RETRIES``      retries of a failed request                      3
``SDISTILL_MAX_PAGE_SIZE``     bytes of the largest index page accepted         64 MiB
``SDISTILL_GIT_LFS``           ``1``: git checkouts get Git LFS content         off
``NETRC``                      the ``.netrc`` file (core; here for installers)  [2]
``SSL_CERT_FILE``              trusted roots, also ``SSL_CERT_DIR`` (core)      [3]
``HTTPS_PROXY`` ...            proxies: ``HTTP_PROXY``, ``ALL_PROXY``,          none
                               ``NO_PROXY``, upper or lower case (core)
=============================  ===============================================  =======

[1] the platform's user cache directory (``platformdirs``). [2] ``~/.netrc``.
[3] the operating system's trust store.

Numbers are decimal (``0.5``); timeouts and sizes must not be negative, retries and
sizes must be whole numbers. This module imports only :mod:`os`, because the warm
command line imports it: ``platformdirs``, the native module (for the defaults it
defines) and the error classes are imported only when they are needed.
"""

from __future__ import annotations

import os

# Not `from typing import TYPE_CHECKING`: typing alone costs a warm run milliseconds.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from sdistill.errors import SdistillError

__all__ = [
    "BUILD_CONSTRAINT",
    "CACHE_DIR",
    "CONNECT_TIMEOUT",
    "DEFAULT_CONNECT_TIMEOUT",
    "DEFAULT_HTTP_RETRIES",
    "DEFAULT_HTTP_TIMEOUT",
    "HTTP_RETRIES",
    "HTTP_TIMEOUT",
    "LOCK_TIMEOUT",
    "MAX_PAGE_SIZE",
    "build_constraint",
    "cache_dir",
    "connect_timeout",
    "http_retries",
    "http_timeout",
    "lock_timeout",
    "max_page_size",
    "netrc_file",
]

CACHE_DIR = "SDISTILL_CACHE_DIR"
BUILD_CONSTRAINT = "SDISTILL_BUILD_CONSTRAINT"
LOCK_TIMEOUT = "SDISTILL_LOCK_TIMEOUT"
HTTP_TIMEOUT = "SDISTILL_HTTP_TIMEOUT"
CONNECT_TIMEOUT = "SDISTILL_CONNECT_TIMEOUT"
HTTP_RETRIES = "SDISTILL_HTTP_RETRIES"
MAX_PAGE_SIZE = "SDISTILL_MAX_PAGE_SIZE"
GIT_LFS = "SDISTILL_GIT_LFS"

#: Seconds a read may wait for data.
DEFAULT_HTTP_TIMEOUT = 30.0
#: Seconds to establish a connection.
DEFAULT_CONNECT_TIMEOUT = 10.0
#: Retries of a failed request.
DEFAULT_HTTP_RETRIES = 3


def cache_dir() -> str:
    """``$SDISTILL_CACHE_DIR`` with ``~`` expanded, else the user cache directory."""
    value = os.environ.get(CACHE_DIR)
    if value:
        return os.path.expanduser(value)
    import platformdirs  # noqa: PLC0415 (only when the variable is not set)

    return platformdirs.user_cache_dir("sdistill", appauthor=False)


def build_constraint() -> str | None:
    """The constraints file ``$SDISTILL_BUILD_CONSTRAINT`` names, else ``None``."""
    value = os.environ.get(BUILD_CONSTRAINT, "")
    return value if value.strip() else None


def lock_timeout() -> float:
    """``$SDISTILL_LOCK_TIMEOUT`` seconds, else the core's default (300)."""
    value = _seconds(LOCK_TIMEOUT)
    if value is not None:
        return value
    from sdistill import _core  # noqa: PLC0415 (the core defines the default)

    return _core.DEFAULT_LOCK_TIMEOUT


def http_timeout() -> float:
    """``$SDISTILL_HTTP_TIMEOUT`` seconds, else 30."""
    value = _seconds(HTTP_TIMEOUT)
    return DEFAULT_HTTP_TIMEOUT if value is None else value


def connect_timeout() -> float:
    """``$SDISTILL_CONNECT_TIMEOUT`` seconds, else 10."""
    value = _seconds(CONNECT_TIMEOUT)
    return DEFAULT_CONNECT_TIMEOUT if value is None else value


def http_retries() -> int:
    """``$SDISTILL_HTTP_RETRIES``, else 3."""
    value = _count(HTTP_RETRIES, "a number of retries")
    return DEFAULT_HTTP_RETRIES if value is None else value


def max_page_size() -> int:
    """``$SDISTILL_MAX_PAGE_SIZE`` bytes, else the core's default (64 MiB)."""
    value = _count(MAX_PAGE_SIZE, "a number of bytes")
    if value is not None:
        return value
    from sdistill import _core  # noqa: PLC0415 (the core defines the default)

    return _core.DEFAULT_MAX_PAGE_SIZE


def git_lfs() -> bool:
    """Whether git checkouts fetch Git LFS content (``SDISTILL_GIT_LFS=1``; else the
    pointer files stay)."""
    text = _text(GIT_LFS)
    if text is None or text.lower() in ("0", "false", "no", "off"):
        return False
    if text.lower() in ("1", "true", "yes", "on"):
        return True
    raise _error(f"{GIT_LFS}={text!r} is not one of 1/0, true/false, yes/no, on/off")


def netrc_file() -> str:
    """The ``.netrc`` file: ``$NETRC``, else ``~/.netrc`` (the core reads it the same way;
    this is for the installers, which are handed the credentials)."""
    return os.environ.get("NETRC") or os.path.join(os.path.expanduser("~"), ".netrc")


def _text(variable: str) -> str | None:
    text = os.environ.get(variable, "").strip()
    return text or None


def _number(variable: str, text: str, meaning: str) -> float:
    try:
        number = float(text)
    except ValueError:
        raise _error(f"{variable}={text!r} is not a number ({meaning})") from None
    if not abs(number) < float("inf"):  # also NaN
        raise _error(f"{variable}={text!r} is not a finite number ({meaning})")
    if number < 0:
        raise _error(f"{variable}={text!r} must not be negative ({meaning})")
    return number


def _seconds(variable: str) -> float | None:
    text = _text(variable)
    return None if text is None else _number(variable, text, "seconds, e.g. 30 or 0.5")


def _count(variable: str, meaning: str) -> int | None:
    text = _text(variable)
    if text is None:
        return None
    number = _number(variable, text, meaning)
    if number != int(number):
        raise _error(f"{variable}={text!r} is not a whole number ({meaning})")
    return int(number)


def _error(message: str) -> SdistillError:
    from sdistill.errors import SdistillError  # noqa: PLC0415 (only on a bad value)

    return SdistillError(message)
