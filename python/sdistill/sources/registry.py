"""Registry sources: a project on the package index, ``six==1.16.0`` or ``six``.

A registry source is resolved against the builder's indexes to the sdist it names
(:class:`~sdistill.sources.url.IndexSdistSource`), which is then distilled like any
downloaded archive. An exact pin is that version (a yanked one with a warning); a bare
name the newest version that is not yanked, not a pre-release (unless there are only
pre-releases) and has an sdist. Which sdist of a version: a ``.tar.gz`` if it has one,
else its first other format (the order is the core's, ``index/``); the index's hash is
checked on download.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from sdistill.errors import InvalidSourceError
from sdistill.sources.base import Context, Source
from sdistill.sources.url import IndexSdistSource

if TYPE_CHECKING:
    from sdistill.index import Index, ProjectView

__all__ = ["RegistrySource", "parse"]

_log = logging.getLogger("sdistill")


@dataclass(frozen=True)
class RegistrySource(Source):
    """A project on the package index: one version (``six==1.16.0``), or the newest
    (``six``). ``name`` is always set."""

    kind: ClassVar[str] = "index"

    @property
    def url(self) -> str:
        return f"{self.name}=={self.version}" if self.version else str(self.name)

    def resolve(self, context: Context) -> IndexSdistSource:
        return self.on(context.index)

    def on(self, index: Index) -> IndexSdistSource:
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
            _log.warning("%s: %s is yanked%s", self.url, sdist.filename, reason)
        return IndexSdistSource(
            name=self.name,
            version=version,
            location=sdist.url,
            hashes=_strongest(sdist.hashes),
            index_url=index_url,
            filename=sdist.filename,
        )


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


def parse(text: str) -> RegistrySource:
    """``name`` or ``name==version`` (extras allowed and ignored; ranges and markers
    refused: resolving them is the resolver's job)."""
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
