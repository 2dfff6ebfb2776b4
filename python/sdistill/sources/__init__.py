"""What can be distilled: the kinds of source, and the one grammar that names them.

A specification -- what a user or a resolver writes -- is read in two steps. First
:func:`classify` decides which kind of source it names, with nothing but string tests
and one ``stat``; then that kind's module reads the rest with ``packaging``:

=============================================  ===========  ===========================
written as                                     kind         module
=============================================  ===========  ===========================
a path that exists, or has a ``/``, or ``.``   ``path``     :mod:`sdistill.sources.local`
``file:///...``, ``name @ file:///...``         ``file``     :mod:`sdistill.sources.local`
``https://...``, ``name @ https://...``         ``url``      :mod:`sdistill.sources.url`
``six==1.16.0``, ``six``                       ``registry`` :mod:`sdistill.sources.registry`
``git+https://...@rev``, ``name @ git+...``     ``git``      :mod:`sdistill.sources.git`
any other ``scheme://``                        ``other``    refused, naming the scheme
=============================================  ===========  ===========================

The warm command line classifies with the same function (and reads a registry pin
with :func:`registry_pin`), so a spec is never one kind there and another kind here.
This module is imported by the warm path: it imports nothing but ``os`` (no ``re``, no
``typing``, no ``packaging``); the source classes load on first use.

Each kind is one module with one class answering the same questions for the cached
flow (:class:`sdistill.sources.base.Source` lists them): its shard, its live revision
and how to make a new one, how to lay its tree into a revision, and what it states
about its own name and version. Adding a kind is one module here and one in the core.
"""

from __future__ import annotations

import importlib
import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from sdistill.sources.base import Source
    from sdistill.sources.git import GitSource
    from sdistill.sources.local import LocalArchiveSource, LocalDirectorySource, LocalSource
    from sdistill.sources.registry import RegistrySource
    from sdistill.sources.url import IndexSdistSource, UrlSource

__all__ = [
    "GIT_SCHEMES",
    "GitSource",
    "IndexSdistSource",
    "LocalArchiveSource",
    "LocalDirectorySource",
    "LocalSource",
    "RegistrySource",
    "Source",
    "UrlSource",
    "canonical_name",
    "classify",
    "full_commit",
    "git_key",
    "git_parts",
    "is_project_name",
    "registry_pin",
    "unquote",
]

_LAZY = {
    "Source": "base",
    "LocalSource": "local",
    "LocalArchiveSource": "local",
    "LocalDirectorySource": "local",
    "UrlSource": "url",
    "IndexSdistSource": "url",
    "RegistrySource": "registry",
    "GitSource": "git",
}

_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_SPACE = " \t\n\r\f\v"


def classify(spec: str) -> tuple[str, str | None, str]:
    """``(kind, stated name, rest)`` of a specification: the kind (see the module docs,
    or ``empty``), the name written before `` @ `` in a direct reference (as written:
    extras dropped, not normalised) and the text that names the source."""
    text = spec.strip()
    if not text:
        return "empty", None, text
    name = None
    left, at, right = text.partition("@")
    if at and "://" in right and _is_name_with_extras(left.strip()):
        name = left.strip().partition("[")[0].strip()
        text = right.strip()
    if text.startswith("file:"):
        return "file", name, text
    if text[:8].lower() == "https://" or text[:7].lower() == "http://":
        return "url", name, text
    if text.startswith("git+"):
        return "git", name, text
    if "://" in text:
        return "other", name, text
    if os.sep in text or text.startswith(".") or os.path.exists(os.path.expanduser(text)):
        return "path", name, text
    return "registry", name, text


def registry_pin(text: str) -> tuple[str, str | None] | None:
    """``(canonical name, version as written)`` of the two plain registry forms, ``name``
    and ``name==version`` -- what the warm path answers; ``None`` for anything else
    (extras, markers, other operators: the builder reads those with ``packaging``)."""
    name, eq, version = text.strip().partition("==")
    name, version = name.strip(), version.strip()
    if not _is_name(name) or (eq and not _is_version_text(version)):
        return None
    return canonical_name(name), version if eq else None


def is_project_name(text: str) -> bool:
    """Whether ``text`` is a project name as PEP 508 spells one: ASCII letters, digits,
    ``-``, ``_`` and ``.``, a letter or digit at each end."""
    ends = text[:1].isalnum() and text[-1:].isalnum()
    return ends and all(c.isascii() and (c.isalnum() or c in "-_.") for c in text)


def canonical_name(name: str) -> str:
    """A project name normalised as PEP 503 says: runs of ``-``, ``_`` and ``.`` become
    one ``-``, lower case (what ``packaging.utils.canonicalize_name`` does for a valid
    name; here without ``re``, for the warm path)."""
    out: list[str] = []
    for char in name.lower():
        if char in "-_.":
            if not out or out[-1] != "-":
                out.append("-")
        else:
            out.append(char)
    return "".join(out)


def git_parts(text: str) -> tuple[str, str, str | None, list[tuple[str, str]]] | None:
    """``(scheme, repository, rev, fragment pairs)`` of ``git+SCHEME://HOST/PATH[@rev]
    [#key=value&...]``: the repository without ``git+``, rev or fragment, the rev
    percent-decoded (an ``@`` in it is written ``%40``); ``None`` when ``text`` is not
    of that shape. Values are checked by the caller (``sources.git``)."""
    if not text.startswith("git+"):
        return None
    location, _, fragment = text[4:].partition("#")
    scheme, sep, rest = location.partition("://")
    if not sep or not scheme:
        return None
    netloc, slash, path = rest.partition("/")
    path = slash + path
    rev = None
    if "@" in path:
        path, _, written = path.rpartition("@")
        rev = unquote(written)
    pairs = []
    for item in fragment.split("&") if fragment else []:
        key, _, value = item.partition("=")
        pairs.append((unquote(key), unquote(value)))
    return scheme.lower(), f"{scheme}://{netloc}{path}", rev, pairs


#: The transports a git source may use (``git+<scheme>://``).
GIT_SCHEMES = ("https", "http", "ssh", "file")
_HEX = frozenset("0123456789abcdef")


def full_commit(rev: str | None) -> str | None:
    """The commit ``rev`` names by itself (40 hex digits, lower-cased), if it is one."""
    if rev is not None and len(rev) == 40 and set(rev.lower()) <= _HEX:
        return rev.lower()
    return None


def git_key(canonical: str, subdirectory: str | None) -> str:
    """The key naming a git source's shard (with whether its trees hold Git LFS
    content): the canonical repository URL (``.git`` and credentials dropped, from the
    core) and the subdirectory."""
    return canonical + (f"#subdirectory={subdirectory}" if subdirectory else "")


def unquote(text: str) -> str:
    """``%XX`` escapes decoded (UTF-8), as ``urllib.parse.unquote`` does for valid ones;
    here without ``re``."""
    if "%" not in text:
        return text
    out = bytearray()
    i = 0
    while i < len(text):
        char = text[i]
        if char == "%" and _is_hex(text[i + 1 : i + 3]):
            out.append(int(text[i + 1 : i + 3], 16))
            i += 3
        else:
            out += char.encode()
            i += 1
    return out.decode("utf-8", errors="replace")


def _is_hex(pair: str) -> bool:
    return len(pair) == 2 and all(c in "0123456789abcdefABCDEF" for c in pair)


def _is_name(text: str) -> bool:
    """A valid project name (PEP 508): letters, digits, ``.``, ``_``, ``-``, beginning
    and ending with a letter or digit."""
    return (
        bool(text)
        and text[0] in _ALNUM
        and text[-1] in _ALNUM
        and all(char in _NAME_CHARS for char in text)
    )


def _is_name_with_extras(text: str) -> bool:
    name, bracket, extras = text.partition("[")
    name = name.strip()
    if not bracket:
        return bool(name) and name[0] in _ALNUM and all(c in _NAME_CHARS for c in name)
    return bool(name) and name[0] in _ALNUM and extras.endswith("]") and "]" not in extras[:-1]


def _is_version_text(text: str) -> bool:
    """What may follow ``==`` in a plain pin (validated again as PEP 440 by the caller)."""
    return bool(text) and not any(char in text for char in _SPACE + ",;*@[]()<>=!~")


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'sdistill.sources' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"sdistill.sources.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
