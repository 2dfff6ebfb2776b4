"""The one grammar of source specifications, and source objects as values.

``sdistill.sources.classify`` decides the kind of a spec for ``Source.parse`` and for the
warm command line alike; these tests pin its table and check that the light name
normaliser the warm path uses agrees with ``packaging``.
"""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from packaging.utils import canonicalize_name
from sdistill import Cache, Source, cache_digest
from sdistill.sources import (
    IndexSdistSource,
    LocalArchiveSource,
    LocalDirectorySource,
    RegistrySource,
    UrlSource,
    canonical_name,
    classify,
    registry_pin,
)
from static_sdists import static_sdist


@pytest.mark.parametrize(
    ("spec", "kind", "name", "rest"),
    [
        ("", "empty", None, ""),
        ("   ", "empty", None, ""),
        ("six==1.16.0", "registry", None, "six==1.16.0"),
        ("  six  ", "registry", None, "six"),
        ("six[extra]==1.0", "registry", None, "six[extra]==1.0"),
        ("https://h/p-1.0.tar.gz", "url", None, "https://h/p-1.0.tar.gz"),
        ("HTTP://h/p-1.0.tar.gz", "url", None, "HTTP://h/p-1.0.tar.gz"),
        ("pkg @ https://h/p-1.0.tar.gz", "url", "pkg", "https://h/p-1.0.tar.gz"),
        ("pkg[a,b]@https://u:pw@h/p.zip", "url", "pkg", "https://u:pw@h/p.zip"),
        ("https://u:pw@h/p.zip", "url", None, "https://u:pw@h/p.zip"),
        ("file:///tmp/x.tar.gz", "file", None, "file:///tmp/x.tar.gz"),
        ("pkg @ file:///tmp/x", "file", "pkg", "file:///tmp/x"),
        ("git+https://h/r.git@v1", "git", None, "git+https://h/r.git@v1"),
        ("pkg @ git+https://h/r", "git", "pkg", "git+https://h/r"),
        ("svn://h/r", "other", None, "svn://h/r"),
        ("./dir", "path", None, "./dir"),
        ("sub/dir", "path", None, "sub/dir"),
        ("./pkg@1", "path", None, "./pkg@1"),
    ],
)
def test_classify_names_each_kind(spec: str, kind: str, name: str | None, rest: str) -> None:
    assert classify(spec) == (kind, name, rest)


def test_a_bare_word_that_exists_is_a_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert classify("six")[0] == "registry"
    (tmp_path / "six").mkdir()
    assert classify("six")[0] == "path"


@pytest.mark.parametrize(
    ("spec", "pin"),
    [
        ("six", ("six", None)),
        ("Foo.Bar_baz==1.0", ("foo-bar-baz", "1.0")),
        (" six == 1.16.0 ", ("six", "1.16.0")),
        ("six==1.*", None),
        ("six>=1", None),
        ("six[x]==1", None),
        ("six==1; python_version>'3'", None),
        ("-six", None),
        ("six-", None),
        ("six==", None),
    ],
)
def test_registry_pin_reads_only_the_plain_forms(spec: str, pin: tuple[str, str | None]) -> None:
    assert registry_pin(spec) == pin


@given(st.from_regex(r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?", fullmatch=True))
def test_the_light_normaliser_agrees_with_packaging(name: str) -> None:
    assert canonical_name(name) == canonicalize_name(name)


def test_the_parsed_kinds_follow_the_grammar(tmp_path: Path) -> None:
    archive = tmp_path / "demo-1.0.tar.gz"
    archive.write_bytes(b"")
    assert isinstance(Source.parse(str(archive)), LocalArchiveSource)
    assert isinstance(Source.parse(str(tmp_path)), LocalDirectorySource)
    assert isinstance(Source.parse(archive.as_uri()), LocalArchiveSource)
    assert isinstance(Source.parse("https://h/demo-1.0.tar.gz"), UrlSource)
    assert Source.parse("Demo_Pkg==1.0") == RegistrySource(name="demo-pkg", version="1.0")  # type: ignore[arg-type]


def test_sources_pickle_without_credentials(tmp_path: Path) -> None:
    url = Source.parse("demo @ https://user:secret@h/demo-1.0.tar.gz#sha256=" + "ab" * 32)
    assert isinstance(url, UrlSource)
    assert "secret" in url.location
    back = pickle.loads(pickle.dumps(url))
    assert isinstance(back, UrlSource)
    assert "secret" not in back.location
    assert "secret" not in pickle.dumps(url).decode("latin-1")
    assert (back.name, back.version, back.hashes) == (url.name, url.version, url.hashes)
    # The same shard on either side: the cache key never holds credentials.
    assert cache_digest(back.url) == cache_digest(url.url)
    index = IndexSdistSource(
        name="demo",  # type: ignore[arg-type]
        version="1.0",
        location="https://user:secret@h/files/demo-1.0.tar.gz",
        index_url="https://h/simple",
        filename="demo-1.0.tar.gz",
    )
    again = pickle.loads(pickle.dumps(index))
    assert type(again) is IndexSdistSource
    assert "secret" not in again.location
    assert (again.index_url, again.filename) == (index.index_url, index.filename)
    for local in (Source.parse(str(tmp_path)), Source.parse("six==1.16.0")):
        assert pickle.loads(pickle.dumps(local)) == local


def test_a_local_archive_revision_is_made_whole_before_it_is_live(
    make_builder: Any, tmp_path: Path
) -> None:
    archive = static_sdist(
        tmp_path / "demo_pkg-1.0.tar.gz", "Metadata-Version: 2.2\nName: demo-pkg\nVersion: 1.0\n"
    )
    cache = tmp_path / "cache"
    assert make_builder(cache).metadata(archive).name == "demo-pkg"
    builder_cache = Cache(cache)
    shard = builder_cache.path_shard(Source.parse(str(archive)).url)
    revision = builder_cache.live_revision(shard)
    assert revision is not None
    assert Path(revision.tree, "PKG-INFO").is_file(), "the tree is in the live revision"
    assert list((cache / "tmp").iterdir()) == [], "nothing is left staged"
    # A revision without its tree (left by a process killed midway) is replaced, not
    # built from: other settings need the tree again.
    shutil.rmtree(revision.tree)
    other = make_builder(cache, config_settings={"k": "v"}).metadata(archive)
    assert other.name == "demo-pkg"
    renewed = builder_cache.live_revision(shard)
    assert renewed is not None
    assert renewed != revision
    assert Path(renewed.tree, "PKG-INFO").is_file()
