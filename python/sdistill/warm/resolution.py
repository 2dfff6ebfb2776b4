"""A warm ``sdistill resolve``: a recorded resolution answered before the resolver loads.

The resolver records each resolution with the digest of every page it asked for
(``sdistill.resolve.replay`` explains why equal pages mean equal pins). When the pages
are the same, the command's cost is interpreter start and imports -- ``packaging`` and
``resolvelib`` alone take longer than every read a replay makes. So this answer imports
neither: it reads the requirements files' lines with the resolver's own reader, makes
the record's key from the same texts and options in the same place
(``sdistill.resolution_inputs``, ``_core.resolution_key``), and lets the native client
check the record (``HttpClient.replayed``: fresh pages read in place, stale ones
fetched again all at once on native threads, with ``--offline`` as they are cached).
When the record does not hold, the resolver runs next in this process: the top-level
pages are fetched in the background meanwhile (``HttpClient.prefetch_pages``), and the
pages fetched here are handed to its first requests for them (``http::handoff``).

It answers only with one index and no find-links (the only records it can check; a
requirements file that names an index leaves the answer to the resolver too), no direct
reference, path, editable or project file (never recorded), and a record whose pages
all hold.
Anything else is ``None``, and the resolver runs, reports what is wrong and writes a
new record.
"""

from __future__ import annotations

from sdistill import _core, environment
from sdistill.resolution_inputs import is_project_file, pins_in, read_lines, record_key

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: a warm answer never imports typing
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

__all__ = ["checked", "found_kept", "warm_resolution"]

#: The keys whose record was checked in this process and did not hold, until the
#: resolver that runs next asks (a second check would only repeat the requests).
_CHECKED: set[str] = set()


def warm_resolution(
    root: str,
    requirements: Sequence[str],
    requirement_files: Sequence[str],
    constraint_files: Sequence[str],
    *,
    python_version: str | None,
    platforms: Sequence[str],
    index_url: str | None,
    settings: dict[str, Any],
    offline: bool,
    prefetch: bool = False,
    prereleases: bool = False,
    generate_hashes: bool = False,
    preferences: Sequence[str] = (),
) -> tuple[str, str] | None:
    """``(text, report as JSON)`` of the recorded resolution of these inputs when every
    page it asked for is the same now; ``None`` when the resolver must run.
    ``settings``: the builder's (``resolution_inputs.builder_settings``). With
    ``prefetch``, a miss starts fetching the top-level pages for the resolver;
    ``prereleases``, ``generate_hashes``: ``--pre``, ``--generate-hashes`` were given;
    ``preferences``: the pins kept from ``-o
    FILE`` (``resolution_inputs.kept_pins``). Each set of inputs is checked once per
    process."""
    if index_url is None or settings["indexes"] != [index_url] or settings["find_links"]:
        return None
    try:
        read = _recordable(requirements, requirement_files, constraint_files)
        if read is None:
            return None
        texts, bounds, pre = read[0], read[1], prereleases or read[2]
        target = (python_version, platforms or None, settings)
        key = record_key(
            texts,
            bounds,
            *target,
            prereleases=pre,
            generate_hashes=generate_hashes,
            preferences=preferences,
        )
        if key in _CHECKED:
            return None  # checked in this process, and it did not hold
        client = _core.HttpClient(
            root,
            offline=offline,
            connect_timeout=environment.connect_timeout(),
            read_timeout=environment.http_timeout(),
            retries=environment.http_retries(),
            max_page_size=environment.max_page_size(),
            lock_timeout=environment.lock_timeout(),
        )
        found = client.replayed(index_url, key)
        if isinstance(found, tuple):
            return found
        if found is False:
            _CHECKED.add(key)  # the resolver runs next, and need not check it again
        elif preferences:  # no record that kept these pins: one that found them?
            plain = record_key(
                texts, bounds, *target, prereleases=pre, generate_hashes=generate_hashes
            )
            again = None if plain in _CHECKED else client.replayed(index_url, plain)
            if isinstance(again, tuple) and found_kept(again[0], preferences):
                return again
            if again is False:
                _CHECKED.add(plain)
        if prefetch:  # the resolver runs next: its top-level pages load meanwhile
            client.prefetch_pages(index_url, sorted({_project(text) for text in texts}))
        return None
    except Exception:  # a shortcut: any failure leaves the command to the resolver
        return None


def _recordable(
    requirements: Sequence[str], requirement_files: Sequence[str], constraint_files: Sequence[str]
) -> tuple[list[str], list[str], bool] | None:
    """``(requirement texts, constraint texts, --pre in a file)`` of inputs a record
    may answer; ``None`` for the others (see the module docs)."""
    if any(is_project_file(path) for path in requirement_files):
        return None  # a project's dependencies: read from a tree that may change
    lines = read_lines(requirement_files, constraint_files)
    options = lines.options
    if options.indexes or options.only_binary or options.no_binary:
        return None  # the files name other indexes or formats: the resolver's
    texts = [*requirements, *(line.text for line in lines.requirements)]
    if not texts or any(_direct(text) for text in texts):
        return None
    if any(line.editable for line in lines.requirements):
        return None
    return texts, [line.text for line in lines.constraints], options.pre


def _project(text: str) -> str:
    """The normalised project name a requirement text starts with (PEP 503)."""
    from sdistill.sources import canonical_name  # noqa: PLC0415 (only on a miss)

    text = text.strip()
    end = 0
    while end < len(text) and (text[end].isalnum() or text[end] in "-_."):
        end += 1
    return canonical_name(text[:end])


def found_kept(text: str, preferences: Sequence[str]) -> bool:
    """Whether a resolution printed as ``text`` pinned exactly ``preferences`` (the pins
    of ``-o FILE``): then resolving again while keeping them finds the same pins -- each
    project's first candidate is its kept version, which every requirement met so far
    allows, so nothing is ever backtracked -- and the record made without them is the
    answer."""
    return sorted(pins_in(text)) == sorted(preferences)


def checked(key: str) -> bool:
    """Whether the record of ``key`` was just checked in this process and did not hold:
    the resolver, which runs next, need not check it again (its pages would be
    requested twice). Answered once: later resolutions check their record again."""
    if key not in _CHECKED:
        return False
    _CHECKED.discard(key)
    return True


def _direct(text: str) -> bool:
    """Whether a requirement text may be a direct reference (``name @ URL``, a path):
    such a text is never recorded. (An ``@`` or ``/`` in a marker's string leaves the
    text to the resolver too, which is only slower.)"""
    return "@" in text or "/" in text or "\\" in text or text.lstrip().startswith(".")
