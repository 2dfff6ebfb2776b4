"""Reference answers for the package-index tests: what pip itself makes of a simple page.

Not a test module: a helper the index tests import (``import index_reference``), with
no network access. The pages are the committed fixtures under
``tests/fixtures/simple/`` (made once by ``tests/fixtures/fetch_simple_pages.py``;
``pages.json`` there records where and when each was fetched).

``load_page(project, fmt)`` returns a fixture page: its uncompressed body and the
Content-Type the index answered (``fmt`` is ``"json"`` for PEP 691 JSON, ``"html"``
for PEP 503 HTML). ``page_url(project, fmt)`` is the URL it was served from, the URL
to resolve its relative links against.

``reference_links(body, content_type, page_url)`` is the set of links **pip's own
parser** extracts from a page, one :data:`LinkTuple` per link. It runs exactly the code
pip runs on an index response: ``pip._internal.index.collector.parse_links`` on an
``IndexContent`` (JSON when the Content-Type starts with
``application/vnd.pypi.simple.v1+json``, HTML otherwise, decoded with the
Content-Type's ``charset`` or else UTF-8), which builds each
``pip._internal.models.link.Link`` with ``Link.from_json`` or ``Link.from_element``.
Entries pip skips (a JSON file without ``"url"``, an anchor without a non-empty
``href``) are absent. Each tuple is, field by field (see ``FIELDS``):

0. ``filename`` -- ``Link.filename``: the last segment of the URL path (trailing
   slashes ignored), percent-decoded (*not* the JSON ``"filename"`` key, nor the
   anchor text).
1. ``url`` -- ``Link.url_without_fragment``: the absolute URL (``href``/``"url"``
   joined onto the page URL, or onto the first ``<base href>`` of an HTML page),
   with its path re-quoted the way pip does it (``_ensure_quoted_url``: the path,
   split on ``@`` and ``%2F``, is unquoted then ``urllib.parse.quote``-d, so a space
   becomes ``%20``, nothing is double-quoted and percent-escapes come out
   upper-case), with the ``#fragment`` removed; the query string, if any, is kept.
2. ``sha256`` -- the hex digest exactly as the page spells it (case kept) when pip's
   primary hash for the link is sha256, i.e. ``Link.hash`` if ``Link.hash_name ==
   "sha256"``; otherwise ``None`` (no hash, or a different algorithm comes first).
   HTML carries it in the URL fragment (``#sha256=...``; pip takes the first
   ``[#&]<algo>=<value>`` anywhere in the URL, for sha512/384/256/224, sha1, md5);
   JSON in ``"hashes"`` (first key first), where a hash found in the URL the same
   way, if any, replaces the value of the same-named key or is appended.
3. ``requires_python`` -- ``Link.requires_python``: the ``data-requires-python``
   attribute (HTML entities already decoded, so ``&gt;=3.8`` is ``>=3.8``) or the
   JSON ``"requires-python"`` string, verbatim; ``None`` when absent, ``null`` or
   the empty string.
4. ``yanked`` -- ``Link.yanked_reason``: ``None`` when the file is not yanked; the
   reason string when it is yanked with a reason; ``""`` (empty string) when it is
   yanked without one. HTML: the ``data-yanked`` attribute's value (present with a
   value, even an empty one, means yanked; a bare ``data-yanked`` with no ``=`` is
   seen by pip's HTMLParser as value ``None`` and so counts as *not* yanked). JSON:
   ``"yanked": true`` -> ``""``, a non-empty string -> that string, ``false``,
   ``""``, ``null`` or absent -> ``None``.
5. ``core_metadata`` -- from ``Link.metadata_file_data`` (PEP 658/714; the
   ``core-metadata`` key or ``data-core-metadata`` attribute, falling back to the
   older ``dist-info-metadata`` / ``data-dist-info-metadata`` only when the new
   name is absent): ``None`` when no metadata file is declared (JSON ``false`` or
   absent; HTML attribute absent); the sha256 hex digest when one is declared with a
   sha256 hash; ``""`` (empty string) when a metadata file is declared available
   but pip holds no sha256 for it (JSON ``true``, ``{}`` or only other/unsupported
   algorithms; HTML ``"true"``, a value with no ``=``, or a non-sha256 algorithm).

Everything else on the page (upload time, size, ``data-dist-info-metadata`` when the
new name is present, ``versions``, ``meta``, gpg-sig, provenance ...) is ignored.
Because the result is a set, a link listed twice with identical fields counts once.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Optional

from pip._internal.index.collector import (
    IndexContent,
    _get_encoding_from_headers,
    parse_links,
)
from pip._internal.models.link import Link

__all__ = [
    "FIELDS",
    "FORMATS",
    "PROJECTS",
    "SIMPLE_DIR",
    "LinkTuple",
    "link_tuple",
    "load_page",
    "page_url",
    "reference_links",
]

SIMPLE_DIR = Path(__file__).resolve().parent / "fixtures" / "simple"
PROJECTS = ("numpy", "boto3", "requests", "six")
FORMATS = ("json", "html")

#: (filename, url, sha256, requires_python, yanked, core_metadata); see the module docstring.
LinkTuple = tuple[str, str, Optional[str], Optional[str], Optional[str], Optional[str]]
FIELDS = ("filename", "url", "sha256", "requires_python", "yanked", "core_metadata")


def _manifest_entry(project: str, fmt: str) -> dict[str, str]:
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, not {fmt!r}")
    manifest = json.loads((SIMPLE_DIR / "pages.json").read_text(encoding="utf-8"))
    entry: dict[str, str] = manifest[f"{project}.{fmt}.gz"]
    return entry


def load_page(project: str, fmt: str) -> tuple[bytes, str]:
    """The uncompressed body of a fixture page and the Content-Type it was served with."""
    entry = _manifest_entry(project, fmt)
    body = gzip.decompress((SIMPLE_DIR / f"{project}.{fmt}.gz").read_bytes())
    return body, entry["content_type"]


def page_url(project: str, fmt: str) -> str:
    """The URL the fixture page was served from (the base for its relative links)."""
    return _manifest_entry(project, fmt)["response_url"]


def link_tuple(link: Link) -> LinkTuple:
    """One pip ``Link`` as the :data:`LinkTuple` described in the module docstring."""
    sha256 = link.hash if link.hash_name == "sha256" else None
    metadata = link.metadata_file_data
    if metadata is None:
        core_metadata: str | None = None
    else:
        core_metadata = (metadata.hashes or {}).get("sha256", "")
    return (
        link.filename,
        link.url_without_fragment,
        sha256,
        link.requires_python,
        link.yanked_reason,
        core_metadata,
    )


def reference_links(body: bytes, content_type: str, page_url: str) -> set[LinkTuple]:
    """The links pip's own parser extracts from a simple page, as :data:`LinkTuple` s."""
    content = IndexContent(
        body,
        content_type,
        # What pip's _make_index_content passes: the charset of the Content-Type.
        encoding=_get_encoding_from_headers({"Content-Type": content_type}),
        url=page_url,
        # Do not let pip memoize the parse (keyed by URL only) across calls.
        cache_link_parsing=False,
    )
    return {link_tuple(link) for link in parse_links(content)}
