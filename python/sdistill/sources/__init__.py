"""What can be distilled: the kinds of source and how a specification string names one.

``Source.parse`` reads what a user or a resolver writes -- a path, a ``file://`` URL,
``name @ file://...``, ``https://host/pkg-1.0.tar.gz#sha256=...&subdirectory=sub``,
``name @ https://...``, and a project on the index: ``six==1.16.0`` or ``six`` -- and
returns the subclass for that kind. Each kind knows its cache shard
(``sdists-v1/<kind>/<digest>/``). What decides whether the cache still describes it:
for a local source its *stamp*, for a direct URL the HTTP cache policy of the archive,
for a registry source the index page (which version, which file, which hash) and then
the archive's policy. Git sources will join these.

A registry source is resolved by the builder against its indexes
(:meth:`RegistrySource.resolve`): an exact pin is that version (a yanked one with a
warning), a bare name the newest version that is not yanked, not a pre-release (unless
there are only pre-releases) and has an sdist. The sdist chosen is a ``.tar.gz`` if the
version has one, else its first other format; the index's hash is checked on download.

URLs keep their credentials only where the download needs them: ``UrlSource.url`` (used
in messages and cache keys) is redacted, and the real URL is not part of the repr.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar
from urllib.parse import parse_qsl, unquote, urlsplit, urlunsplit

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import (
    InvalidSdistFilename,
    NormalizedName,
    canonicalize_name,
    parse_sdist_filename,
)
from packaging.version import InvalidVersion, Version

from sdistill import _core, records
from sdistill.errors import InvalidSourceError

if TYPE_CHECKING:
    from sdistill.index import Index, ProjectView

logger = logging.getLogger("sdistill")

__all__ = [
    "IndexSdistSource",
    "LocalArchiveSource",
    "LocalDirectorySource",
    "LocalSource",
    "RegistrySource",
    "Source",
    "UrlSource",
]

# "name @ url" (PEP 508 direct reference); the name part may carry extras, ignored here.
_DIRECT_REFERENCE = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*@\s*(\S.*)$")


@dataclass(frozen=True)
class Source:
    """A source distribution to distill, however it is reached."""

    #: The canonical package name, when the specification says it.
    name: NormalizedName | None = None
    #: The version, when known before building.
    version: str | None = None

    kind: ClassVar[str] = "source"

    @property
    def url(self) -> str:
        raise NotImplementedError

    @staticmethod
    def parse(spec: str | os.PathLike[str] | Source, *, editable: bool = False) -> Source:
        """The source a specification names (see the module docs)."""
        if isinstance(spec, Source):
            return spec
        if isinstance(spec, os.PathLike):
            return _local(Path(spec), None, editable)
        text = spec.strip()
        if not text:
            raise InvalidSourceError("empty source specification")
        name: NormalizedName | None = None
        match = _DIRECT_REFERENCE.match(text)
        if match and "://" in match.group(2):
            name = canonicalize_name(match.group(1))
            text = match.group(2).strip()
        if text.startswith("file:"):
            path, subdirectory = _file_url_path(text)
            return _local(path, name, editable, subdirectory)
        if text.lower().startswith(("http://", "https://")):
            return _url(text, name)
        if "://" in text or text.startswith("git+"):
            scheme = text.partition("://")[0].lower() if "://" in text else "git"
            kind = "git repositories" if scheme.startswith("git") else f"{scheme}:// URLs"
            raise InvalidSourceError(
                f"{_core.redact(text)}: {kind} are not supported by this version of sdistill "
                "(supported: a path, an http(s):// or file:// URL, or a requirement on the index)"
            )
        path = Path(text).expanduser()
        if path.exists() or os.sep in text or text.startswith("."):
            return _local(path, name, editable)
        if editable:
            raise InvalidSourceError(f"{text}: only a directory can be built editable")
        return _registry(text)


@dataclass(frozen=True)
class LocalSource(Source):
    """A source on the local file system."""

    path: Path = Path()

    @property
    def url(self) -> str:
        # The same spelling the native warm lookup uses to find the shard.
        return records.file_url(self.path)


@dataclass(frozen=True)
class LocalArchiveSource(LocalSource):
    """An sdist archive file (any format the extractor reads)."""

    kind: ClassVar[str] = "path"


@dataclass(frozen=True)
class LocalDirectorySource(LocalSource):
    """A project directory; ``editable`` asks for a PEP 660 build."""

    editable: bool = False

    kind: ClassVar[str] = "path"


_HASH_NAMES = ("sha256", "sha384", "sha512", "md5")


@dataclass(frozen=True)
class UrlSource(Source):
    """An sdist archive at an http(s) URL (a direct reference)."""

    #: The URL to download, credentials included, fragment removed.
    location: str = field(default="", repr=False)
    #: The project inside the archive, if not at its top.
    subdirectory: str | None = None
    #: Digests the archive must have, from the URL's fragment: ((algorithm, hex), ...).
    hashes: tuple[tuple[str, str], ...] = ()

    kind: ClassVar[str] = "url"

    @property
    def url(self) -> str:
        """The URL without credentials (what messages show and cache keys hash)."""
        text = _core.redact(self.location)
        if self.subdirectory:
            text += f"#subdirectory={self.subdirectory}"
        return text


@dataclass(frozen=True)
class RegistrySource(Source):
    """A project on the package index: one version (``six==1.16.0``), or the newest
    (``six``). ``name`` is always set."""

    kind: ClassVar[str] = "index"

    @property
    def url(self) -> str:
        return f"{self.name}=={self.version}" if self.version else str(self.name)

    def resolve(self, index: Index) -> IndexSdistSource:
        """The sdist this source names on ``index`` (see the module docs)."""
        assert self.name is not None
        project = index.project(self.name)
        version = self.version if self.version is not None else _newest(project, self.url)
        files = project.files(version)
        if not files:
            known = ", ".join(project.versions()[:10]) or "none"
            raise InvalidSourceError(f"{self.url}: no such version on the index (newest: {known})")
        chosen = project.sdist_on_index(version)
        if chosen is None:
            listed = ", ".join(f.filename for f in files[:8])
            raise InvalidSourceError(
                f"{self.url}: the index has no sdist of {version}, only {listed}"
            )
        index_url, sdist = chosen
        if sdist.yanked:
            reason = f" ({sdist.yanked_reason})" if sdist.yanked_reason else ""
            logger.warning("%s: %s is yanked%s", self.url, sdist.filename, reason)
        return IndexSdistSource(
            name=self.name,
            version=version,
            location=sdist.url,
            hashes=_strongest(sdist.hashes),
            index_url=index_url,
            filename=sdist.filename,
        )


@dataclass(frozen=True)
class IndexSdistSource(UrlSource):
    """The sdist of a registry source, as the index lists it."""

    index_url: str = ""
    filename: str = ""

    kind: ClassVar[str] = "index"

    def shard_parts(self) -> tuple[str, ...]:
        """``sdists-v1/index/<digest(index url)>/<name>/<version>/``."""
        return tuple(records.index_sdist_parts(self.index_url, str(self.name), str(self.version)))


def _strongest(hashes: dict[str, str]) -> tuple[tuple[str, str], ...]:
    """The sha256 alone when the index gives one (it is what the cache checks a kept
    archive against); else every digest given."""
    if "sha256" in hashes:
        return (("sha256", hashes["sha256"]),)
    return tuple(sorted(hashes.items()))


def _newest(project: ProjectView, spec: str) -> str:
    """The newest version whose sdist is not yanked and that is final (else the newest
    such pre-release); only the versions looked at have their files read."""
    newest_prerelease = None
    for version in project.versions(yanked=False):
        sdist = project.sdist(version)
        if sdist is None or sdist.yanked:
            continue
        if not Version(version).is_prerelease:
            return version
        newest_prerelease = newest_prerelease or version
    if newest_prerelease is None:
        raise InvalidSourceError(f"{spec}: no version on the index has an sdist that is not yanked")
    return newest_prerelease


def _registry(text: str) -> RegistrySource:
    try:
        requirement = Requirement(text)
    except InvalidRequirement as err:
        raise InvalidSourceError(
            f"{text}: not a path that exists, nor a requirement: {err}"
        ) from None
    if requirement.url or requirement.marker is not None:
        raise InvalidSourceError(f"{text}: a registry source is a name, or name==version")
    specifiers = list(requirement.specifier)
    version = None
    if specifiers:
        pin = specifiers[0]
        exact = pin.operator in ("==", "===") and "*" not in pin.version
        if len(specifiers) > 1 or not exact:
            raise InvalidSourceError(
                f"{text}: a registry source is a name or an exact pin (name==version); "
                "resolving ranges is the resolver's job"
            )
        try:
            version = str(Version(pin.version))
        except InvalidVersion:
            raise InvalidSourceError(f"{text}: {pin.version!r} is not a valid version") from None
    return RegistrySource(name=canonicalize_name(requirement.name), version=version)


def _url(text: str, name: NormalizedName | None) -> UrlSource:
    parts = urlsplit(text)
    if not parts.hostname:
        raise InvalidSourceError(f"{_core.redact(text)}: a URL needs a host")
    subdirectory = None
    hashes: list[tuple[str, str]] = []
    for key, value in parse_qsl(parts.fragment, keep_blank_values=True):
        if key == "subdirectory":
            subdirectory = value.strip("/")
            if not subdirectory or ".." in Path(subdirectory).parts or Path(value).is_absolute():
                raise InvalidSourceError(f"{_core.redact(text)}: invalid subdirectory {value!r}")
        elif key in _HASH_NAMES:
            if not re.fullmatch(r"[0-9a-fA-F]+", value):
                raise InvalidSourceError(f"{_core.redact(text)}: {key}= is not a hex digest")
            hashes.append((key, value.lower()))
        elif key in ("sha1", "sha224"):
            raise InvalidSourceError(f"{_core.redact(text)}: {key} hashes are not supported")
        elif key != "egg":
            raise InvalidSourceError(f"{_core.redact(text)}: the fragment {key}= is not supported")
    location = urlunsplit(parts._replace(fragment=""))
    version = None
    file_name = unquote(parts.path.rsplit("/", 1)[-1])
    try:
        stated_name, stated_version = parse_sdist_filename(file_name)
    except InvalidSdistFilename:
        pass
    else:
        # Like pip and uv: name-version.tar.gz must build that name and version, and
        # a stated name must agree with the file's.
        if name is not None and name != stated_name:
            raise InvalidSourceError(
                f"{_core.redact(text)}: the URL is for {stated_name}, not {name}"
            )
        name, version = stated_name, str(stated_version)
    return UrlSource(
        name=name,
        version=version,
        location=location,
        subdirectory=subdirectory,
        hashes=tuple(hashes),
    )


def _file_url_path(url: str) -> tuple[Path, str | None]:
    """The path of a ``file:`` URL and its ``subdirectory=`` (other fragments refused)."""
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        raise InvalidSourceError(f"{url}: file URLs on another host are not supported")
    subdirectory = None
    for key, value in parse_qsl(parts.fragment, keep_blank_values=True):
        if key == "subdirectory":
            subdirectory = value
        elif key != "egg":
            raise InvalidSourceError(
                f"{url}: the fragment {key}= is not supported for local sources"
            )
    return Path(unquote(parts.path)), subdirectory


def _local(
    path: Path, name: NormalizedName | None, editable: bool, subdirectory: str | None = None
) -> LocalSource:
    try:
        resolved = path.resolve(strict=True)
    except (OSError, RuntimeError) as err:
        raise InvalidSourceError(f"{path}: no such file or directory") from err
    if subdirectory is not None:
        if not resolved.is_dir():
            raise InvalidSourceError(
                f"{path}: subdirectory= is supported for directories only (not archives yet)"
            )
        inner = (resolved / subdirectory).resolve()
        if inner == resolved or resolved not in inner.parents or not inner.is_dir():
            raise InvalidSourceError(f"{path}: {subdirectory!r} is not a directory inside it")
        resolved = inner
    if resolved.is_dir():
        return LocalDirectorySource(path=resolved, name=name, editable=editable)
    if editable:
        raise InvalidSourceError(f"{path}: only a directory can be built editable")
    if not resolved.is_file():
        raise InvalidSourceError(f"{path}: not a file or directory")
    # Like pip and uv: an sdist named name-version.tar.gz must build that name and version.
    version = None
    try:
        file_name, file_version = parse_sdist_filename(resolved.name)
        name = name or file_name
        version = str(file_version)
    except InvalidSdistFilename:
        pass
    return LocalArchiveSource(path=resolved, name=name, version=version)
