"""The cache: layout, root selection, shards, locks, atomic writes, size, clean, prune.

Locking is checked with real second processes (``sys.executable -c <script>``).
"""

from __future__ import annotations

import io
import os
import re
import select
import signal
import subprocess
import sys
import tarfile
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sdistill
from sdistill import Cache, CacheError
from sdistill._core import Revision, cache_digest, index_url_key, key_digest
from sdistill.cache import BucketSize, CacheSize, Removal, default_cache_dir
from simple_index import SimpleIndex

SIGNATURE = "Signature: 8a477f597d28d172789f06886806bc55"
BUCKET_DIRS = {
    "simple": "simple-v1",
    "sdists": "sdists-v1",
    "git": "git-v1",
    "environments": "environments-v1",
    "tmp": "tmp",
}
REVISION_ID = re.compile(r"[a-z2-7]{16}")
D1 = "0123456789abcdef0123456789abcdef"
D2 = "fedcba9876543210fedcba9876543210"
D3 = "00000000000000000000000000000003"
D4 = "00000000000000000000000000000004"
D5 = "00000000000000000000000000000005"

# Waits for other processes: generous, but bounded.
PROCESS_WAIT = 60.0


@pytest.fixture
def cache(tmp_path: Path) -> Cache:
    return Cache(tmp_path / "cache")


def files_under(root: Path) -> dict[str, int]:
    """Every regular file under root (relative path -> size)."""
    out: dict[str, int] = {}
    for dirpath, _dirs, names in os.walk(root):
        for name in names:
            p = Path(dirpath, name)
            if p.is_file() and not p.is_symlink():
                out[p.relative_to(root).as_posix()] = p.stat().st_size
    return out


def tree_under(root: Path) -> set[str]:
    """Every path (file or directory) under root, relative."""
    out: set[str] = set()
    for dirpath, dirs, names in os.walk(root):
        for name in [*dirs, *names]:
            out.add(Path(dirpath, name).relative_to(root).as_posix())
    return out


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def bucket(cache: Cache, name: str) -> Path:
    """A bucket's directory (the on-disk format names them; the API does not)."""
    return cache.root / BUCKET_DIRS[name]


def sdists_shard(cache: Cache, kind: str, digest: str) -> Path:
    """``sdists-v1/<kind>/<digest>``: a shard of the kind, spelt as on disk."""
    return bucket(cache, "sdists") / kind / digest


def live_id(cache: Cache, shard: Path) -> str | None:
    """The id of the shard's live revision (None: no pointer, or unreadable)."""
    revision = cache.live_revision(shard)
    if revision is None:
        return None
    assert revision == Revision(shard, revision.id)
    return revision.id


def make_revision(cache: Cache, shard: Path, files: dict[str, bytes], commit: bool = True) -> str:
    rev = cache.new_revision_id()
    for rel, data in files.items():
        write(shard / rev / rel, data)
    if commit:
        cache.commit_revision(Revision(shard, rev))
    return rev


def make_shard(
    cache: Cache, kind: str, digest: str, package: str, files: dict[str, bytes] | None = None
) -> tuple[Path, str]:
    shard = sdists_shard(cache, kind, digest)
    shard.mkdir(parents=True)
    cache.set_package(shard, package)
    rev = make_revision(cache, shard, files or {"PKG-INFO": b"Metadata-Version: 2.1\n"})
    return shard, rev


# ---------------------------------------------------------------------------- layout


def test_layout_created(tmp_path: Path) -> None:
    root = tmp_path / "a" / "b" / "cache"
    cache = Cache(root)
    assert cache.root == root
    tag = (root / "CACHEDIR.TAG").read_text()
    assert tag.startswith(SIGNATURE)
    lines = (root / ".gitignore").read_text().splitlines()
    assert [ln for ln in lines if ln.strip() and not ln.startswith("#")] == ["*"]
    for dirname in BUCKET_DIRS.values():
        assert (root / dirname).is_dir(), dirname
    assert (root / ".lock").is_file()


def test_layout_is_idempotent_and_keeps_content(tmp_path: Path) -> None:
    root = tmp_path / "cache"
    first = Cache(root)
    keep = write(bucket(first, "sdists") / "url" / D1 / "keep.txt", b"keep")
    tag = (root / "CACHEDIR.TAG").read_bytes()
    second = Cache(root)
    assert second.root == first.root
    assert keep.read_bytes() == b"keep"
    assert (root / "CACHEDIR.TAG").read_bytes() == tag


def test_layout_recreated_when_parts_are_missing(tmp_path: Path) -> None:
    root = tmp_path / "cache"
    Cache(root)
    (root / "CACHEDIR.TAG").unlink()
    (root / "git-v1").rmdir()
    Cache(root)
    assert (root / "CACHEDIR.TAG").read_text().startswith(SIGNATURE)
    assert (root / "git-v1").is_dir()


def test_buckets(cache: Cache) -> None:
    # Every path the cache hands out lies in the bucket of its kind.
    for dirname in BUCKET_DIRS.values():
        assert (cache.root / dirname).is_dir(), dirname
    index = "https://pypi.org/simple"
    index_digest = cache_digest(index_url_key(index))
    assert cache.url_shard("https://h/a.tar.gz").parent == bucket(cache, "sdists") / "url"
    assert cache.path_shard("file:///a").parent == bucket(cache, "sdists") / "path"
    assert cache.path_shard("file:///a", True).parent == bucket(cache, "sdists") / "editable"
    assert cache.index_sdist_shard(index, "demo", "1.0") == (
        bucket(cache, "sdists") / "index" / index_digest / "demo" / "1.0"
    )
    assert cache.index_page_entry(index, "demo") == bucket(cache, "simple") / index_digest / "demo"
    assert cache.wheel_metadata_entry("https://h/a.whl.metadata") == (
        bucket(cache, "simple") / "metadata" / cache_digest("https://h/a.whl.metadata")
    )
    assert cache.environment_shard("key") == bucket(cache, "environments") / key_digest("key")
    assert cache.temp_root == bucket(cache, "tmp")


def test_no_bucket_is_asked_for_by_name(cache: Cache) -> None:
    # The core owns the cache's names: the Python face takes no bucket or shard-kind
    # name (none can be unknown, or a directory name mistaken for one).
    for removed in ("bucket", "shard", "layout"):
        assert not hasattr(cache, removed), removed
    assert not hasattr(sdistill._core.CacheLayout, "bucket")
    assert not hasattr(sdistill._core.CacheLayout, "shard")


# ---------------------------------------------------------------------------- root


def test_root_from_argument(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SDISTILL_CACHE_DIR", str(tmp_path / "from-env"))
    cache = Cache(tmp_path / "from-arg")
    assert cache.root == tmp_path / "from-arg"
    assert (tmp_path / "from-arg" / "CACHEDIR.TAG").is_file()
    assert not (tmp_path / "from-env").exists()


def test_root_argument_as_str_and_relative(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert Cache(str(tmp_path / "s")).root == tmp_path / "s"
    monkeypatch.chdir(tmp_path)
    cache = Cache("rel")
    assert cache.root.is_absolute()
    assert cache.root.resolve() == (tmp_path / "rel").resolve()


def test_root_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SDISTILL_CACHE_DIR", str(tmp_path / "from-env"))
    cache = Cache()
    assert cache.root == tmp_path / "from-env"
    assert (tmp_path / "from-env" / "CACHEDIR.TAG").is_file()
    assert default_cache_dir() == tmp_path / "from-env"


def test_root_default_is_platform_cache_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SDISTILL_CACHE_DIR", raising=False)
    assert default_cache_dir().name == "sdistill"
    if sys.platform.startswith("linux"):
        # platformdirs honours XDG_CACHE_HOME: create the default root inside tmp_path.
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
        assert default_cache_dir() == tmp_path / "xdg" / "sdistill"
        cache = Cache()
        assert cache.root == tmp_path / "xdg" / "sdistill"
        assert (cache.root / "CACHEDIR.TAG").is_file()


# ---------------------------------------------------------------------------- shards


def test_shard_path(cache: Cache) -> None:
    url = "https://example.org/a-1.0.tar.gz"
    shard = cache.url_shard(url)
    assert shard == cache.root / "sdists-v1" / "url" / cache_digest(url)
    assert not shard.exists()
    assert cache.path_shard("file:///src/a") == (
        cache.root / "sdists-v1" / "path" / cache_digest("file:///src/a")
    )
    index = "https://pypi.org/simple/"
    assert cache.index_page_entry(index, "requests") == (
        cache.root / "simple-v1" / cache_digest(index) / "requests"
    )
    # An index URL is keyed with exactly one trailing "/".
    assert cache.index_page_entry("https://pypi.org/simple", "requests") == (
        cache.index_page_entry(index, "requests")
    )


UNSAFE_PARTS = ["a/b", "a\\b", "..", ".", "", "/abs", "/", "../x"]


@pytest.mark.parametrize("part", UNSAFE_PARTS)
def test_shard_refuses_unsafe_parts(cache: Cache, part: str) -> None:
    # The parts a caller names (a project's name, a version) are one plain component.
    index = "https://pypi.org/simple/"
    with pytest.raises(ValueError, match=r".+"):
        cache.index_sdist_shard(index, part, "1.0")
    with pytest.raises(ValueError, match=r".+"):
        cache.index_sdist_shard(index, "demo", part)
    with pytest.raises(ValueError, match=r".+"):
        cache.index_page_entry(index, part)


def test_revision_ids(cache: Cache) -> None:
    ids = {cache.new_revision_id() for _ in range(100)}
    ids |= {sdistill._core.CacheLayout.new_revision_id() for _ in range(100)}
    assert len(ids) == 200
    for rid in ids:
        assert REVISION_ID.fullmatch(rid), rid


def test_revisions_and_package(cache: Cache) -> None:
    shard = sdists_shard(cache, "url", D1)
    shard.mkdir(parents=True)
    assert cache.live_revision(shard) is None
    rev = cache.new_revision_id()
    write(shard / rev / "PKG-INFO", b"x")
    cache.commit_revision(Revision(shard, rev))
    assert cache.live_revision(shard) == Revision(shard, rev)
    assert live_id(cache, shard) == rev
    assert (shard / "revision").is_file()
    rev2 = cache.new_revision_id()
    cache.commit_revision(Revision(shard, rev2))
    assert live_id(cache, shard) == rev2
    cache.set_package(shard, "foo-bar")
    assert (shard / "package").read_text().strip() == "foo-bar"
    assert not list(shard.glob(".sdistill-tmp-*"))


@pytest.mark.parametrize("name", ["Foo.Bar_baz", "FOO-BAR-BAZ", "foo__bar..baz", "foo-bar-baz"])
def test_set_package_writes_normalized_name(cache: Cache, name: str) -> None:
    shard = sdists_shard(cache, "url", D1)
    shard.mkdir(parents=True)
    cache.set_package(shard, name)
    assert (shard / "package").read_text().strip() == "foo-bar-baz"
    # ... so that clean(name) finds the shard, however the name was spelt.
    cache.clean("foo-bar-baz")
    assert not shard.exists()


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\n",
        b"not a revision id\n",
        b"ABCDEFGHIJKLMNOP",
        b"abcdefghijklmno1",
        b"abcdefghijklmnopq",
        b"abcdefghijklmno",
        b"../../../etc/pwd",
        b"\xff\xfe\x00\x01garbage\xff\xfe\xfd\xfc",
    ],
)
def test_read_revision_corrupt_is_a_miss(cache: Cache, content: bytes) -> None:
    shard = sdists_shard(cache, "url", D1)
    write(shard / "revision", content)
    assert cache.live_revision(shard) is None


def test_read_revision_pointer_is_a_directory(cache: Cache) -> None:
    shard = sdists_shard(cache, "url", D1)
    (shard / "revision").mkdir(parents=True)
    assert cache.live_revision(shard) is None


def test_temp_dir(cache: Cache) -> None:
    a = cache.staging_dir()
    b = cache.staging_dir()
    assert a != b
    for d in (a, b):
        assert d.is_dir()
        assert list(d.iterdir()) == []
        assert d.parent == bucket(cache, "tmp") == cache.temp_root


# ---------------------------------------------------------------------------- write_atomic


def test_write_atomic(cache: Cache) -> None:
    target = bucket(cache, "sdists") / "f.bin"
    cache.write_atomic(target, b"first")
    assert target.read_bytes() == b"first"
    cache.write_atomic(str(target), b"second, longer content")
    assert target.read_bytes() == b"second, longer content"
    cache.write_atomic(target, b"")
    assert target.read_bytes() == b""
    big = bytes(range(256)) * 4096 * 4
    cache.write_atomic(target, big)
    assert target.read_bytes() == big
    assert sorted(p.name for p in target.parent.iterdir()) == ["f.bin"]


def test_write_atomic_missing_parent(cache: Cache) -> None:
    # Either the parents are created or it is an OSError; never a partial or temp file.
    target = bucket(cache, "sdists") / "no" / "such" / "dir" / "f.bin"
    try:
        cache.write_atomic(target, b"x")
    except OSError:
        assert not target.exists()
    else:
        assert target.read_bytes() == b"x"
    assert not [p for p in cache.root.rglob("*") if p.name.startswith(".sdistill-tmp-")]


# ---------------------------------------------------------------------------- size


def test_size_fresh(cache: Cache) -> None:
    size = cache.size()
    assert isinstance(size, CacheSize)
    assert set(size.buckets) == set(BUCKET_DIRS.values())
    for b in size.buckets.values():
        assert isinstance(b, BucketSize)
    assert size.files == 0
    assert size.bytes == 0


def test_size_per_bucket(cache: Cache) -> None:
    before = cache.size()
    added = {
        "simple-v1": {"pypi/requests": 100, "pypi/flask": 1, "other/x/y/z": 4096},
        "sdists-v1": {"url/a/rev/f1": 10, "url/a/rev/f2": 0, "path/b/f3": 12345},
        "git-v1": {"db/objects/pack": 777},
        "environments-v1": {},
        "tmp": {"stray": 7},
    }
    for bucket, files in added.items():
        for rel, n in files.items():
            write(cache.root / bucket / rel, b"z" * n)
    # Files outside the buckets do not count.
    write(cache.root / "not-a-bucket" / "big", b"q" * 5000)
    after = cache.size()
    assert set(after.buckets) == set(added)
    for bucket, files in added.items():
        assert after.buckets[bucket].files - before.buckets[bucket].files == len(files), bucket
        assert after.buckets[bucket].bytes - before.buckets[bucket].bytes == sum(files.values()), (
            bucket
        )
    assert after.files == sum(b.files for b in after.buckets.values())
    assert after.bytes == sum(b.bytes for b in after.buckets.values())
    assert after.files - before.files == 8
    assert after.bytes - before.bytes == 100 + 1 + 4096 + 10 + 0 + 12345 + 777 + 7


# ---------------------------------------------------------------------------- clean


def populate(cache: Cache) -> dict[str, Path]:
    """A cache with entries of packages demo-pkg and other, made with the cache API."""
    paths: dict[str, Path] = {}
    paths["demo_url"], _ = make_shard(cache, "url", D1, "demo-pkg", {"a.txt": b"a" * 11})
    paths["demo_path"], _ = make_shard(cache, "path", D2, "demo-pkg", {"b/c.txt": b"bc"})
    paths["demo_git"], _ = make_shard(cache, "git", D3, "demo-pkg")
    paths["demo_editable"], _ = make_shard(cache, "editable", D4, "demo-pkg")
    paths["other_url"], _ = make_shard(cache, "url", D5, "other", {"o.txt": b"other"})
    sd = bucket(cache, "sdists")
    paths["demo_index"] = sd / "index" / D1 / "demo-pkg"
    write(paths["demo_index"] / "1.0" / "metadata.json", b"{}")
    write(paths["demo_index"] / "2.0" / "metadata.json", b"{}")
    paths["demo_index2"] = sd / "index" / D2 / "demo-pkg"
    write(paths["demo_index2"] / "0.1" / "entry", b"e")
    paths["other_index"] = sd / "index" / D1 / "other"
    write(paths["other_index"] / "1.0" / "metadata.json", b"{}")
    simple = bucket(cache, "simple")
    paths["demo_simple_file"] = write(simple / D1 / "demo-pkg", b"<html/>")
    paths["demo_simple_dir"] = simple / D2 / "demo-pkg"
    write(paths["demo_simple_dir"] / "page.html", b"<html/>")
    paths["other_simple"] = write(simple / D1 / "other", b"<html/>")
    paths["git_db"] = write(bucket(cache, "git") / D1 / "HEAD", b"ref: refs/heads/main\n")
    paths["env"] = write(bucket(cache, "environments") / D1 / "marker", b"env")
    return paths


def test_clean_everything(cache: Cache) -> None:
    populate(cache)
    write(bucket(cache, "tmp") / "stray" / "x", b"xyz")
    buckets_before = {d: files_under(cache.root / d) for d in BUCKET_DIRS.values()}
    n = sum(len(f) for f in buckets_before.values())
    size = sum(sum(f.values()) for f in buckets_before.values())
    assert n > 10

    removal = cache.clean()
    assert isinstance(removal, Removal)
    assert removal == Removal(files=n, bytes=size)
    for dirname in BUCKET_DIRS.values():
        assert (cache.root / dirname).is_dir()
        assert files_under(cache.root / dirname) == {}
    assert (cache.root / "CACHEDIR.TAG").read_text().startswith(SIGNATURE)
    assert (cache.root / ".gitignore").is_file()
    assert cache.size().files == 0

    # A second clean has nothing left to remove.
    assert cache.clean() == Removal(files=0, bytes=0)


def test_clean_package(cache: Cache) -> None:
    paths = populate(cache)
    # Lock files of shards exist once a shard has been locked.
    for key in ("demo_url", "other_url"):
        with cache.lock(paths[key], timeout=5):
            pass
    before = files_under(cache.root)

    removal = cache.clean("Demo.PKG")

    gone = [
        "demo_url",
        "demo_path",
        "demo_git",
        "demo_editable",
        "demo_index",
        "demo_index2",
        "demo_simple_file",
        "demo_simple_dir",
    ]
    kept = ["other_url", "other_index", "other_simple", "git_db", "env"]
    for key in gone:
        if key.startswith("demo_index"):
            # The versions of the package in the index are gone (the contract also
            # wants index/<d>/<name>/ itself gone: test_clean_package_removes_index_dir).
            left = files_under(paths[key]) if paths[key].exists() else {}
            assert [k for k in left if not k.endswith(".lock")] == [], key
        else:
            assert not paths[key].exists(), key
    for key in kept:
        assert paths[key].exists(), key
    # The other shard is intact, revision and all.
    other = paths["other_url"]
    rev = live_id(cache, other)
    assert rev is not None
    assert (other / rev / "o.txt").read_bytes() == b"other"
    assert (other / "package").read_text().strip() == "other"
    for dirname in BUCKET_DIRS.values():
        assert (cache.root / dirname).is_dir()

    # Taking the shard locks may leave lock files behind; everything else is exact.
    after = files_under(cache.root)
    data_before = {k: v for k, v in before.items() if not k.endswith(".lock")}
    data_after = {k: v for k, v in after.items() if not k.endswith(".lock")}
    assert set(data_after) <= set(data_before)
    removed = {k: v for k, v in data_before.items() if k not in data_after}
    removed_shards = 4
    assert len(removed) <= removal.files <= len(removed) + removed_shards
    assert sum(removed.values()) <= removal.bytes <= sum(removed.values()) + 64 * removed_shards
    # Nothing of "other" was touched.
    for k, v in before.items():
        if "other" in k or D5 in k:
            assert after.get(k) == v, k

    # Cleaning it again removes nothing.
    assert cache.clean("demo-pkg") == Removal(files=0, bytes=0)


def test_clean_package_removes_index_dir(cache: Cache) -> None:
    # "With name: removes sdists-v1/index/*/<name>/" -- the whole directory.
    index = bucket(cache, "sdists") / "index"
    write(index / D1 / "demo" / "1.0" / "metadata.json", b"{}")
    write(index / D1 / "demo" / "versions.json", b"[]")
    write(index / D2 / "demo" / "2.0" / "metadata.json", b"{}")
    write(index / D1 / "other" / "1.0" / "metadata.json", b"{}")
    cache.clean("demo")
    # Only lock files may stay behind (a waiter may hold one open); prune removes them.
    for project in (index / D1 / "demo", index / D2 / "demo"):
        left = sorted(p.name for p in project.iterdir()) if project.exists() else []
        assert all(name.endswith(".lock") for name in left), left
    cache.prune()
    for project in (index / D1 / "demo", index / D2 / "demo"):
        assert not project.exists() or not any(project.iterdir())
    assert (index / D1 / "other" / "1.0" / "metadata.json").read_bytes() == b"{}"


def test_clean_unknown_package_removes_nothing(cache: Cache) -> None:
    populate(cache)
    before = tree_under(cache.root)
    assert cache.clean("no-such-package") == Removal(files=0, bytes=0)
    assert tree_under(cache.root) == before


def static_sdist(directory: Path, name: str, version: str) -> Path:
    """An sdist whose PKG-INFO (2.2) states its metadata: no backend runs for it."""
    base = f"{name}-{version}"
    files = {
        f"{base}/PKG-INFO": f"Metadata-Version: 2.2\nName: {name}\nVersion: {version}\n",
        f"{base}/pyproject.toml": '[build-system]\nrequires = ["setuptools"]\n'
        'build-backend = "setuptools.build_meta"\n',
    }
    path = directory / f"{base}.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        for member, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(member)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def test_clean_package_from_the_command_line_leaves_nothing_of_it(tmp_path: Path) -> None:
    """``cache clean NAME`` after real lookups through an index: the pages, the sdist
    shards, the HTTP entries, every lock file and the directories they were in go;
    the other package's entries stay and still answer."""
    dists = tmp_path / "dists"
    dists.mkdir()
    root = tmp_path / "cache"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SDISTILL_")}

    def sdistill(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "sdistill", "--cache-dir", str(root), *args]
        return subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=120, check=False
        )

    specs = [("demo", "1.0"), ("demo", "2.0"), ("other", "1.0")]
    with SimpleIndex([static_sdist(dists, name, version) for name, version in specs]) as index:
        for spec in ("demo==1.0", "demo==2.0", "other==1.0"):
            result = sdistill("metadata", spec, "--index-url", index.url)
            assert result.returncode == 0, result.stderr
        before = tree_under(root)

        def of_demo(path: str) -> bool:
            return any(part in ("demo", "demo.lock") for part in path.split("/"))

        assert [p for p in before if of_demo(p) and p.endswith(".lock")], before

        cleaned = sdistill("cache", "clean", "demo")
        assert cleaned.returncode == 0, cleaned.stderr
        after = tree_under(root)
        assert [p for p in after if of_demo(p)] == []
        assert [p for p in after if p.startswith("tmp/")] == []
        # Everything else is as it was: other's pages, shards and lock files, the layout.
        assert after == {p for p in before if not of_demo(p)}
        assert any("other" in p.split("/") for p in after if p.startswith("simple-v1/"))
        assert any(p.endswith("/other/1.0.lock") for p in after)

        served = index.server.count()
        again = sdistill("metadata", "other==1.0", "--index-url", index.url, "--offline")
        assert again.returncode == 0, again.stderr
        assert index.server.count() == served, "other was answered from the cache"
        assert sdistill("cache", "clean", "demo").returncode == 0
        assert tree_under(root) == after


# ---------------------------------------------------------------------------- prune


def test_prune(cache: Cache) -> None:
    s1 = sdists_shard(cache, "url", D1)
    s1.mkdir(parents=True)
    cache.set_package(s1, "demo")
    old = make_revision(cache, s1, {"PKG-INFO": b"old" * 10, "sub/file": b"o"}, commit=False)
    uncommitted = make_revision(cache, s1, {"PKG-INFO": b"unc"}, commit=False)
    cur = make_revision(cache, s1, {"PKG-INFO": b"cur", "sub/file": b"c"})
    write(s1 / "keep-me" / "f", b"k")  # not a revision name
    write(s1 / "abcdefghijklmno1" / "f", b"k")  # "1" is not in [a-z2-7]
    write(s1 / "ABCDEFGHIJKLMNOP" / "f", b"k")  # upper case
    write(s1 / cur / ".sdistill-tmp-abc123", b"partial")

    # A shard with a lock file but no pointer: all its revisions are unreferenced.
    s2 = sdists_shard(cache, "editable", D2)
    s2.mkdir(parents=True)
    with cache.lock(s2, timeout=5):
        pass
    assert Path(f"{s2}.lock").exists()
    orphan = make_revision(cache, s2, {"f": b"orphan"}, commit=False)
    write(s2 / "not-a-revision" / "f", b"k")

    # A shard whose pointer names a revision that does not exist.
    s3 = sdists_shard(cache, "path", D3)
    s3.mkdir(parents=True)
    r3 = make_revision(cache, s3, {"f": b"r3"}, commit=False)
    cache.commit_revision(Revision(s3, cache.new_revision_id()))

    tmp = bucket(cache, "tmp")
    td = cache.staging_dir()
    write(td / "half" / "built", b"h" * 100)
    write(tmp / "stray-file", b"s")
    leftovers = [
        write(bucket(cache, "simple") / D1 / ".sdistill-tmp-xyz", b"12345"),
        write(bucket(cache, "git") / ".sdistill-tmp-0", b""),
        write(bucket(cache, "sdists") / "index" / D1 / "demo" / ".sdistill-tmp-q", b"qq"),
        write(bucket(cache, "environments") / ".sdistill-tmp-dir" / "inner" / "f", b"ff"),
        write(bucket(cache, "sdists") / "url" / ".sdistill-tmp-extract" / "pkg" / "x", b"x"),
    ]
    kept_files = [
        s1 / "package",
        s1 / "revision",
        s1 / cur / "PKG-INFO",
        s1 / cur / "sub" / "file",
        s1 / "keep-me" / "f",
        s1 / "abcdefghijklmno1" / "f",
        s1 / "ABCDEFGHIJKLMNOP" / "f",
        Path(f"{s2}.lock"),
        s2 / "not-a-revision" / "f",
        s3 / "revision",
        write(bucket(cache, "simple") / D1 / "demo", b"<html/>"),
        write(bucket(cache, "sdists") / "index" / D1 / "demo" / "1.0" / "m.json", b"{}"),
        write(bucket(cache, "git") / D1 / "HEAD", b"ref"),
        write(bucket(cache, "environments") / D1 / "marker", b"env"),
    ]
    kept_data = {p: p.read_bytes() for p in kept_files}
    before = files_under(cache.root)

    removal = cache.prune()

    for rev_dir in (s1 / old, s1 / uncommitted, s2 / orphan, s3 / r3):
        assert not rev_dir.exists(), rev_dir
    assert tmp.is_dir()
    assert list(tmp.iterdir()) == []
    for p in leftovers:
        assert not p.exists(), p
    assert not (bucket(cache, "environments") / ".sdistill-tmp-dir").exists()
    assert not (bucket(cache, "sdists") / "url" / ".sdistill-tmp-extract").exists()
    assert not (s1 / cur / ".sdistill-tmp-abc123").exists()
    assert not [p for p in cache.root.rglob("*") if p.name.startswith(".sdistill-tmp-")]
    for p, data in kept_data.items():
        assert p.read_bytes() == data, p
    assert live_id(cache, s1) == cur

    after = files_under(cache.root)
    removed = {k: v for k, v in before.items() if k not in after}
    assert removal == Removal(files=len(removed), bytes=sum(removed.values()))

    # Nothing left to prune.
    assert cache.prune() == Removal(files=0, bytes=0)


@pytest.mark.parametrize("name", ["sdists", "git", "environments", "simple"])
def test_prune_shards_in_every_bucket(cache: Cache, name: str) -> None:
    # "in every shard (a dir that has a <shard>.lock sibling or a revision pointer)"
    with_pointer = bucket(cache, name) / D1
    with_pointer.mkdir(parents=True)
    old = make_revision(cache, with_pointer, {"f": b"old"}, commit=False)
    cur = make_revision(cache, with_pointer, {"f": b"cur"})
    with_lock = bucket(cache, name) / D2
    with_lock.mkdir(parents=True)
    with cache.lock(with_lock, timeout=5):
        pass
    orphan = make_revision(cache, with_lock, {"f": b"orphan"}, commit=False)

    removal = cache.prune()

    assert not (with_pointer / old).exists()
    assert not (with_lock / orphan).exists()
    assert (with_pointer / cur / "f").read_bytes() == b"cur"
    assert removal == Removal(files=2, bytes=9)


# ---------------------------------------------------------------------------- locks


def test_lock_in_process(cache: Cache) -> None:
    shard = sdists_shard(cache, "url", D1)
    shard.mkdir(parents=True)
    with cache.lock(shard, timeout=5) as lock:
        assert lock.path == f"{shard}.lock"
        assert Path(lock.path).read_text().strip() == str(os.getpid())
    # Released: it can be taken again at once, also via release().
    lock = cache.lock(str(shard), timeout=0.3)
    lock.release()
    with cache.lock(shard, timeout=0.3):
        pass


HOLDER = textwrap.dedent(
    """
    import select, sys
    from sdistill import Cache
    cache = Cache(sys.argv[1])
    with cache.lock(sys.argv[2], timeout=60) as lock:
        print("locked", lock.path, flush=True)
        # Hold until told to go (a line on stdin), or give up after a bounded wait.
        select.select([sys.stdin], [], [], float(sys.argv[3]))
    print("released", flush=True)
    """
)


def read_line(proc: subprocess.Popen[str], timeout: float = PROCESS_WAIT) -> str:
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    if not ready:
        raise AssertionError(f"no output from child process within {timeout}s")
    return proc.stdout.readline()


@pytest.fixture
def spawn() -> Iterator[list[subprocess.Popen[str]]]:
    procs: list[subprocess.Popen[str]] = []
    yield procs
    for p in procs:
        if p.poll() is None:
            p.kill()
        p.wait(timeout=PROCESS_WAIT)
        for stream in (p.stdin, p.stdout, p.stderr):
            if stream is not None:
                stream.close()


def start_holder(
    procs: list[subprocess.Popen[str]], root: Path, shard: Path, hold: float = 90.0
) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(root), str(shard), str(hold)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    procs.append(proc)
    line = read_line(proc)
    if not line.startswith("locked"):
        proc.kill()
        _, err = proc.communicate(timeout=PROCESS_WAIT)
        raise AssertionError(f"holder did not lock: {line!r}\n{err}")
    return proc


def stop_holder(proc: subprocess.Popen[str]) -> None:
    out, err = proc.communicate("go\n", timeout=PROCESS_WAIT)
    assert proc.returncode == 0, err
    assert "released" in out


def assert_lock_timeout(err: CacheError, lock_path: str) -> None:
    message = str(err)
    assert lock_path in message
    assert "SDISTILL_LOCK_TIMEOUT" in message
    assert err.path == lock_path


def test_lock_held_by_other_process(cache: Cache, spawn: list[subprocess.Popen[str]]) -> None:
    shard, rev = make_shard(cache, "url", D1, "demo", {"f.txt": b"payload"})
    lock_path = f"{shard}.lock"
    holder = start_holder(spawn, cache.root, shard)
    assert Path(lock_path).read_text().strip() == str(holder.pid)
    before = tree_under(cache.root)

    with pytest.raises(CacheError) as info, cache.lock(shard, timeout=0.3):
        pass
    assert_lock_timeout(info.value, lock_path)

    # clean() needs the whole cache: it fails clearly and deletes nothing.
    with pytest.raises(CacheError) as info:
        cache.clean(timeout=0.3)
    assert "SDISTILL_LOCK_TIMEOUT" in str(info.value)
    assert tree_under(cache.root) == before

    # clean(name) of the locked shard: fails, the shard is still there.
    with pytest.raises(CacheError) as info:
        cache.clean("demo", timeout=0.3)
    assert "SDISTILL_LOCK_TIMEOUT" in str(info.value)
    assert (shard / rev / "f.txt").read_bytes() == b"payload"
    assert live_id(cache, shard) == rev

    # prune() also needs the whole cache.
    with pytest.raises(CacheError):
        cache.prune(timeout=0.3)
    assert tree_under(cache.root) == before

    stop_holder(holder)

    with cache.lock(shard, timeout=0.3) as lock:
        assert lock.path == lock_path
    removal = cache.clean("demo", timeout=0.3)
    assert removal.files >= 3  # package, revision pointer, f.txt
    assert not shard.exists()
    write(bucket(cache, "git") / "x", b"x")
    assert cache.clean(timeout=0.3).files >= 1
    assert cache.size().files == 0


def test_lock_timeout_from_environment(
    cache: Cache, spawn: list[subprocess.Popen[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    shard, rev = make_shard(cache, "url", D1, "demo", {"f.txt": b"payload"})
    lock_path = f"{shard}.lock"
    holder = start_holder(spawn, cache.root, shard)
    before = tree_under(cache.root)
    monkeypatch.setenv("SDISTILL_LOCK_TIMEOUT", "0.3")
    # The variable is read when a cache is opened (sdistill.environment), and the cache
    # waits that long when a call names no timeout.
    cache = Cache(cache.root)
    assert cache.lock_timeout == 0.3

    with pytest.raises(CacheError) as info, cache.lock(shard):
        pass
    assert_lock_timeout(info.value, lock_path)
    with pytest.raises(CacheError):
        cache.clean()
    with pytest.raises(CacheError):
        cache.clean("demo")
    assert tree_under(cache.root) == before
    assert live_id(cache, shard) == rev

    stop_holder(holder)
    with cache.lock(shard):
        pass
    cache.clean("demo")
    assert not shard.exists()
    cache.clean()


def test_lock_timeout_from_environment_in_child(
    cache: Cache, spawn: list[subprocess.Popen[str]]
) -> None:
    shard, _ = make_shard(cache, "url", D1, "demo")
    holder = start_holder(spawn, cache.root, shard)
    script = textwrap.dedent(
        """
        import sys
        from sdistill import Cache, CacheError
        cache = Cache(sys.argv[1])
        try:
            cache.lock(sys.argv[2])
        except CacheError as e:
            print("timeout", e.path)
        else:
            print("acquired")
        """
    )
    env = {**os.environ, "SDISTILL_LOCK_TIMEOUT": "0.3"}
    result = subprocess.run(
        [sys.executable, "-c", script, str(cache.root), str(shard)],
        env=env,
        capture_output=True,
        text=True,
        timeout=PROCESS_WAIT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"timeout {shard}.lock"
    stop_holder(holder)


CONTENDER = textwrap.dedent(
    """
    import sys, time
    from sdistill import Cache
    root, shard, log, tag, rounds = sys.argv[1:6]
    cache = Cache(root)
    print("ready", flush=True)
    sys.stdin.readline()
    for i in range(int(rounds)):
        with cache.lock(shard, timeout=120):
            with open(log, "a") as f:
                f.write(f"{tag} start {i}\\n")
            time.sleep(0.03)
            with open(log, "a") as f:
                f.write(f"{tag} end {i}\\n")
        time.sleep(0.005)
    """
)


def test_lock_excludes_other_processes(
    cache: Cache, tmp_path: Path, spawn: list[subprocess.Popen[str]]
) -> None:
    shard = sdists_shard(cache, "url", D1)
    shard.mkdir(parents=True)
    log = tmp_path / "log.txt"
    rounds = 15
    procs = []
    for tag in ("A", "B", "C"):
        proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                CONTENDER,
                str(cache.root),
                str(shard),
                str(log),
                tag,
                str(rounds),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        spawn.append(proc)
        procs.append(proc)
    for proc in procs:
        assert read_line(proc).strip() == "ready"
    for proc in procs:  # start all at (about) the same time
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    for proc in procs:
        _, err = proc.communicate(timeout=PROCESS_WAIT * 2)
        assert proc.returncode == 0, err

    lines = log.read_text().splitlines()
    assert len(lines) == 3 * rounds * 2
    for i in range(0, len(lines), 2):
        tag, what, n = lines[i].split()
        assert what == "start", lines[i : i + 2]
        assert lines[i + 1] == f"{tag} end {n}", lines[i : i + 2]
    for tag in ("A", "B", "C"):
        assert sum(ln.startswith(f"{tag} start") for ln in lines) == rounds


# ---------------------------------------------------------------- atomic write vs SIGKILL

PAYLOAD_SIZE = 64 * 1024 * 1024


def payload(k: int) -> bytes:
    """Two recognisable payloads of PAYLOAD_SIZE bytes (k = 0 or 1)."""
    block = bytes(range(256)) if k == 0 else bytes(range(255, -1, -1))
    return block * (PAYLOAD_SIZE // 256)


WRITER = textwrap.dedent(
    """
    import sys
    from sdistill import Cache
    root, target, size = sys.argv[1], sys.argv[2], int(sys.argv[3])
    cache = Cache(root)
    data = [bytes(range(256)) * (size // 256), bytes(range(255, -1, -1)) * (size // 256)]
    print("ready", flush=True)
    i = 0
    while True:
        cache.write_atomic(target, data[i % 2])
        i += 1
    """
)


def test_write_atomic_survives_sigkill(cache: Cache, spawn: list[subprocess.Popen[str]]) -> None:
    shard = sdists_shard(cache, "url", D1)
    shard.mkdir(parents=True)
    rev = make_revision(cache, shard, {"PKG-INFO": b"x"})
    target = shard / rev / "payload.bin"
    expected = {payload(0), payload(1)}

    for delay in (0.0, 0.05, 0.15, 0.3, 0.6, 1.0, 1.7, 2.5):
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(cache.root), str(target), str(PAYLOAD_SIZE)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        spawn.append(proc)
        assert read_line(proc).strip() == "ready"
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=PROCESS_WAIT)
        assert proc.returncode == -signal.SIGKILL

        if target.exists():
            data = target.read_bytes()
            assert len(data) == PAYLOAD_SIZE, f"partial file after kill at {delay}s"
            assert data in expected, f"corrupt file after kill at {delay}s"
        # No other file ever takes the target's name.
        for p in target.parent.iterdir():
            assert p.name in ("payload.bin", "PKG-INFO") or p.name.startswith(".sdistill-tmp-"), p

    leftovers = [p for p in target.parent.iterdir() if p.name.startswith(".sdistill-tmp-")]
    removal = cache.prune()
    assert removal.files >= len(leftovers)
    assert not [p for p in cache.root.rglob("*") if p.name.startswith(".sdistill-tmp-")]
    if target.exists():
        assert target.read_bytes() in expected
    assert (target.parent / "PKG-INFO").read_bytes() == b"x"
