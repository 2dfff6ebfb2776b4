"""``sdistill index NAME``: a project's versions and files on the index."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sdistill import _core
from sdistill.cli import config
from sdistill.cli.output import count, emit
from sdistill.cli.progress import ConsoleReporter

if TYPE_CHECKING:
    from sdistill.cli.parser import Args

__all__ = ["run"]


def run(args: Args) -> None:
    builder = config.builder(args, ConsoleReporter(quiet=True))
    project = builder.index.project(args.name)
    versions = project.versions()
    files = {version: project.files(version) for version in versions}
    data: dict[str, Any] = {
        "name": project.name,
        "indexes": project.index_urls,
        "versions": [
            {
                "version": version,
                "files": [
                    {
                        "filename": f.filename,
                        "url": _core.redact(f.url),
                        "hashes": f.hashes,
                        "requires_python": f.requires_python,
                        "yanked": f.yanked,
                        "yanked_reason": f.yanked_reason,
                        "core_metadata": f.core_metadata,
                        "size": f.size,
                        "upload_time": f.upload_time,
                    }
                    for f in files[version]
                ],
            }
            for version in versions
        ],
    }
    lines = [f"{project.name} ({len(versions)} versions, {len(project)} files)"]
    for version in versions:
        sdists = sum(f.is_sdist for f in files[version])
        yanked = " (yanked)" if all(f.yanked for f in files[version]) else ""
        wheels = len(files[version]) - sdists
        lines.append(f"{version}{yanked}: {count(sdists, 'sdist')}, {count(wheels, 'wheel')}")
        if args.files:
            lines += [f"    {f.filename}" for f in files[version]]
    emit(args, data, "\n".join(lines))
