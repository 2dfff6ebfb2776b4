"""sdistill.extract on real sdists from PyPI, compared with the standard library.

The archives are pinned in ``tests/fixtures/fetch.py`` (``make test`` fetches them
into ``$SDISTILL_TEST_DATA`` first). For every one, the tree sdistill writes must
be exactly the tree the standard library writes:

* tar: ``tarfile`` with ``filter="data"``;
* zip: ``zipfile.extractall`` plus the executable bit from the external
  attributes, as pip applies it.

"Exactly" means the same relative paths, the same kinds (file, directory,
symlink and its target), the same bytes and the same owner-executable bit.
Every tar sdist is also re-packed here into plain tar, tar.gz, tar.bz2, tar.xz,
tar.zst and zip, each under its right name and under a wrong one, and must still
give the same tree.
"""

from __future__ import annotations

import bz2
import copy
import gzip
import hashlib
import io
import lzma
import os
import shutil
import stat
import tarfile
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest
import sdistill
import zstandard
from fixtures import fetch  # tests/fixtures/fetch.py (tests/ is on sys.path)

Pin = fetch.Pin

pytestmark = pytest.mark.skipif(
    not hasattr(tarfile, "data_filter"), reason="tarfile has no extraction filters"
)

SDISTS = fetch.pins("tests")
TAR_SDISTS = [p for p in SDISTS if p.kind == "tar"]
ALGORITHMS = ("sha256", "sha384", "sha512", "md5")

#: Formats each tar sdist is re-packed into, and the wrong name each is then given.
REPACK_FORMATS = ("tar", "tar.gz", "tar.bz2", "tar.xz", "tar.zst", "zip")
WRONG_SUFFIX = {
    "tar": "tar.gz",
    "tar.gz": "zip",
    "tar.bz2": "zip",
    "tar.xz": "zip",
    "tar.zst": "tar.gz",
    "zip": "tar.gz",
}
ORIGINAL_WRONG_SUFFIX = {".gz": "zip", ".bz2": "tar.gz", ".zip": "tar.gz"}

#: pip's rule for zip members: the owner-exec bit of ``external_attr >> 16`` makes a
#: file executable whatever ``create_system`` says (pip's ``zip_item_is_executable``
#: does not look at it). Info-ZIP's unzip only honours those bits from a unix host
#: (create_system 3). setuptools-9.1.zip (made on Windows, create_system 0, with unix
#: modes) is where the two differ; False switches the reference to unzip's rule.
ZIP_EXEC_BIT_FROM_ANY_HOST = True


def _ids(pins: list[Pin]) -> list[str]:
    return [p.filename for p in pins]


# --------------------------------------------------------------------------- trees


class Entry(NamedTuple):
    """One path of an extracted tree, as far as the comparison cares."""

    kind: str  # "file", "dir", "symlink" or "other"
    data: str  # file: sha256 of the bytes; symlink: its target; dir: ""; other: mode
    owner_exec: bool  # st_mode & 0o100, files only
    size: int  # files only


Tree = dict[str, Entry]


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def snapshot(root: Path) -> Tree:
    """Every path below ``root`` (relative, "/"-separated) with kind, content and exec bit."""
    tree: Tree = {}
    for dirpath, dirnames, filenames in os.walk(root):
        base = Path(dirpath)
        for name in [*dirnames, *filenames]:
            path = base / name
            rel = path.relative_to(root).as_posix()
            st = path.lstat()
            if stat.S_ISLNK(st.st_mode):
                tree[rel] = Entry("symlink", os.readlink(path), False, 0)
            elif stat.S_ISDIR(st.st_mode):
                tree[rel] = Entry("dir", "", False, 0)
            elif stat.S_ISREG(st.st_mode):
                tree[rel] = Entry(
                    "file", _file_sha256(path), bool(st.st_mode & stat.S_IXUSR), st.st_size
                )
            else:
                tree[rel] = Entry("other", oct(st.st_mode), False, 0)
    return tree


def strip_top(tree: Tree, top: str) -> Tree:
    """The tree below its single top-level directory ``top``."""
    assert {rel.split("/", 1)[0] for rel in tree} == {top}
    return {rel[len(top) + 1 :]: e for rel, e in tree.items() if rel != top}


class Counts(NamedTuple):
    """``files`` and ``unpacked_bytes`` as the contract defines them, measured on a tree."""

    files: int  # regular files + symlinks + hard links
    unpacked_bytes: int  # bytes of the regular files; a hard link's bytes are not counted again

    @classmethod
    def of(cls, result: sdistill.ExtractResult) -> Counts:
        return cls(result.files, result.unpacked_bytes)


def measure_counts(root: Path, hardlinks_as_copies: bool = False) -> Counts:
    """Counts of the tree at ``root``: every non-directory path is one file; bytes
    are summed once per inode (so a hard link adds nothing) unless
    ``hardlinks_as_copies`` (for archives where the links became plain copies)."""
    files = unpacked = 0
    seen: set[tuple[int, int]] = set()
    for dirpath, dirnames, filenames in os.walk(root):
        # a symlink to a directory is listed in dirnames (and not followed)
        files += sum(1 for name in dirnames if os.path.islink(os.path.join(dirpath, name)))
        for name in filenames:
            st = os.lstat(os.path.join(dirpath, name))
            files += 1
            if not stat.S_ISREG(st.st_mode):
                continue
            if not hardlinks_as_copies:
                if (st.st_dev, st.st_ino) in seen:
                    continue
                seen.add((st.st_dev, st.st_ino))
            unpacked += st.st_size
    return Counts(files, unpacked)


def assert_same_tree(actual: Tree, expected: Tree, what: str) -> None:
    missing = sorted(expected.keys() - actual.keys())
    extra = sorted(actual.keys() - expected.keys())
    differ = [
        (rel, expected[rel], actual[rel])
        for rel in sorted(expected.keys() & actual.keys())
        if expected[rel] != actual[rel]
    ]
    if not (missing or extra or differ):
        return
    limit = 15
    lines = [
        f"{what}: tree differs from the standard library's "
        f"({len(missing)} missing, {len(extra)} extra, {len(differ)} different)"
    ]
    lines += [f"  missing: {rel} {expected[rel]}" for rel in missing[:limit]]
    lines += [f"  extra:   {rel} {actual[rel]}" for rel in extra[:limit]]
    for rel, exp, act in differ[:limit]:
        fields = [
            f"{field}: expected {getattr(exp, field)!r}, got {getattr(act, field)!r}"
            for field in Entry._fields
            if getattr(exp, field) != getattr(act, field)
        ]
        lines.append(f"  differs: {rel}: {'; '.join(fields)}")
    pytest.fail("\n".join(lines))


def assert_only(parent: Path, *names: str) -> None:
    """Nothing but ``names`` in ``parent`` (no ``.sdistill-tmp-*`` left behind)."""
    assert sorted(p.name for p in parent.iterdir()) == sorted(names)


# ----------------------------------------------------------------- reference side


def reference_extract(archive: Path, kind: str, dest: Path) -> None:
    """Extract like the standard library / pip would."""
    if kind == "tar":
        with tarfile.open(archive) as tf:
            tf.extractall(dest, filter="data")
        return
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(dest)
        for info in zf.infolist():
            if info.is_dir() or not (info.external_attr >> 16) & stat.S_IXUSR:
                continue
            if info.create_system != 3 and not ZIP_EXEC_BIT_FROM_ANY_HOST:
                continue
            path = dest / info.filename
            mode = path.stat().st_mode
            # like pip: exec bits for every class that may read the file
            path.chmod(mode | ((mode & 0o444) >> 2))


def _tar_members(src: Path) -> Iterator[tuple[tarfile.TarInfo, bytes | None]]:
    """Members of a tar sdist in archive order, with the bytes of files and hard links."""
    with tarfile.open(src) as tf:
        for member in tf:
            data = None
            if member.isreg() or member.islnk():
                f = tf.extractfile(member)
                assert f is not None
                data = f.read()
            yield member, data


def plain_tar(src: Path) -> bytes:
    """``src`` (any tar sdist) re-written as an uncompressed POSIX pax tar."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as out:
        for member, data in _tar_members(src):
            info = copy.copy(member)
            if member.isreg():
                assert data is not None
                out.addfile(info, io.BytesIO(data))
            else:
                info.size = 0
                out.addfile(info)
    return buf.getvalue()


def as_zip(src: Path) -> bytes:
    """``src`` (any tar sdist) re-written as a zip made on a unix host.

    Modes go into the external attributes, symlinks are S_IFLNK entries holding
    their target (as Info-ZIP writes them), hard links become plain copies.
    """
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as out:
        for member, data in _tar_members(src):
            date_time = time.gmtime(max(int(member.mtime), 315532800))[:6]  # zip: >= 1980
            if member.isdir():
                info = zipfile.ZipInfo(member.name.rstrip("/") + "/", date_time)
                info.external_attr = ((stat.S_IFDIR | 0o755) << 16) | 0x10
                payload = b""
            elif member.issym():
                info = zipfile.ZipInfo(member.name, date_time)
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
                payload = member.linkname.encode()
            else:
                assert data is not None, member.name
                info = zipfile.ZipInfo(member.name, date_time)
                info.external_attr = (stat.S_IFREG | (member.mode & 0o777)) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                payload = data
            info.create_system = 3
            out.writestr(info, payload)
    return buf.getvalue()


def zstd(data: bytes) -> bytes:
    """One streamed zstd frame (no content size in the header, like ``tar --zstd``)."""
    buf = io.BytesIO()
    cctx = zstandard.ZstdCompressor(level=3)
    with cctx.stream_writer(buf, closefd=False) as writer:
        for i in range(0, len(data), 1 << 16):
            writer.write(data[i : i + (1 << 16)])
    return buf.getvalue()


class Corpus:
    """Session cache: verified sdists, reference trees and re-packed archives."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self._checked: set[str] = set()
        self._trees: dict[str, Tree] = {}
        self._counts: dict[tuple[str, bool], Counts] = {}
        self._plain: dict[str, bytes] = {}
        self._repacks: dict[tuple[str, str], Path] = {}

    def archive(self, pin: Pin) -> Path:
        path: Path = fetch.data_path(pin.filename)
        if pin.filename not in self._checked:
            if not path.is_file():
                pytest.skip(
                    f"{pin.filename} is not in {fetch.data_dir()} "
                    f"(run: python3 tests/fixtures/fetch.py --group tests)"
                )
            actual = fetch.sha256_of(path)
            assert actual == pin.sha256, (
                f"{path} has sha256 {actual}, pinned {pin.sha256}: re-run tests/fixtures/fetch.py"
            )
            self._checked.add(pin.filename)
        return path

    def tree(self, pin: Pin) -> Tree:
        """The tree the standard library extracts from the pinned sdist."""
        if pin.filename not in self._trees:
            archive = self.archive(pin)
            dest = self.base / "reference" / pin.filename
            reference_extract(archive, pin.kind, dest)
            self._trees[pin.filename] = snapshot(dest)
            for as_copies in (False, True):
                self._counts[pin.filename, as_copies] = measure_counts(dest, as_copies)
            shutil.rmtree(dest)
        return self._trees[pin.filename]

    def counts(self, pin: Pin, hardlinks_as_copies: bool = False) -> Counts:
        """Counts measured on the standard library's tree of ``pin``."""
        self.tree(pin)
        return self._counts[pin.filename, hardlinks_as_copies]

    def repack(self, pin: Pin, fmt: str) -> Path:
        """The tar sdist ``pin`` re-packed as ``fmt``, named ``<top>.<fmt>``."""
        key = (pin.filename, fmt)
        if key not in self._repacks:
            archive = self.archive(pin)
            if fmt == "zip":
                data = as_zip(archive)
            else:
                if pin.filename not in self._plain:
                    self._plain[pin.filename] = plain_tar(archive)
                raw = self._plain[pin.filename]
                if fmt == "tar":
                    data = raw
                elif fmt == "tar.gz":
                    data = gzip.compress(raw, compresslevel=6, mtime=0)
                elif fmt == "tar.bz2":
                    data = bz2.compress(raw, 9)
                elif fmt == "tar.xz":
                    data = lzma.compress(raw, format=lzma.FORMAT_XZ, preset=6)
                elif fmt == "tar.zst":
                    data = zstd(raw)
                else:
                    raise AssertionError(fmt)
            path = self.base / "repacked" / f"{pin.top}.{fmt}"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            self._repacks[key] = path
        return self._repacks[key]


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    return Corpus(tmp_path_factory.mktemp("real-sdists"))


def _extract(archive: Path, parent: Path, **kwargs: Any) -> tuple[sdistill.ExtractResult, Tree]:
    dest = parent / "out"
    result = sdistill.extract(archive, dest, **kwargs)
    assert result.path == dest
    assert_only(parent, "out")
    return result, snapshot(dest)


def _digests(path: Path) -> dict[str, str]:
    data = path.read_bytes()
    return {algo: hashlib.new(algo, data).hexdigest() for algo in ALGORITHMS}


# --------------------------------------------------------------------------- tests


@pytest.mark.parametrize("pin", SDISTS, ids=_ids(SDISTS))
def test_reference_trees_cover_what_the_pins_claim(corpus: Corpus, pin: Pin) -> None:
    """Sanity of the corpus itself (no sdistill): the features the pins are here for."""
    tree = corpus.tree(pin)
    assert {rel.split("/", 1)[0] for rel in tree} == {pin.top}
    features = {
        "psutil-6.1.0.tar.gz": lambda t: sum(e.owner_exec for e in t.values()) == 59,
        "idna-3.4.tar.gz": lambda t: (
            t["idna-3.4/tools/intranges.py"] == Entry("symlink", "../idna/intranges.py", False, 0)
        ),
        "salt-2014.7.1.tar.gz": lambda t: len(t) > 2400,
        "Markdown-2.6.zip": lambda t: t["Markdown-2.6/bin/markdown_py"].owner_exec,
        "setuptools-9.1.zip": lambda t: (
            sum(e.owner_exec for e in t.values()) == (9 if ZIP_EXEC_BIT_FROM_ANY_HOST else 0)
        ),
    }
    if pin.filename in features:
        assert features[pin.filename](tree)


@pytest.mark.parametrize("pin", SDISTS, ids=_ids(SDISTS))
def test_same_tree_as_stdlib(corpus: Corpus, pin: Pin, tmp_path: Path) -> None:
    archive = corpus.archive(pin)
    result, tree = _extract(archive, tmp_path)
    assert_same_tree(tree, corpus.tree(pin), pin.filename)
    assert result.hashes == {"sha256": hashlib.sha256(archive.read_bytes()).hexdigest()}


@pytest.mark.parametrize("pin", SDISTS, ids=_ids(SDISTS))
def test_counts_match_tree(corpus: Corpus, pin: Pin, tmp_path: Path) -> None:
    """``files`` = files + symlinks + hard links, ``unpacked_bytes`` = the files' bytes."""
    result, _ = _extract(corpus.archive(pin), tmp_path)
    assert Counts.of(result) == corpus.counts(pin)


@pytest.mark.parametrize("pin", SDISTS, ids=_ids(SDISTS))
def test_strip_top_level(corpus: Corpus, pin: Pin, tmp_path: Path) -> None:
    result, tree = _extract(corpus.archive(pin), tmp_path, strip_top_level=True)
    expected = strip_top(corpus.tree(pin), pin.top)
    assert_same_tree(tree, expected, f"{pin.filename} (strip_top_level)")
    assert Counts.of(result) == corpus.counts(pin)


@pytest.mark.parametrize("pin", SDISTS, ids=_ids(SDISTS))
def test_original_under_wrong_extension(corpus: Corpus, pin: Pin, tmp_path: Path) -> None:
    archive = corpus.archive(pin)
    wrong = tmp_path / "in" / f"{pin.top}.{ORIGINAL_WRONG_SUFFIX[archive.suffix]}"
    wrong.parent.mkdir()
    shutil.copyfile(archive, wrong)
    (tmp_path / "x").mkdir()
    _, tree = _extract(wrong, tmp_path / "x")
    assert_same_tree(tree, corpus.tree(pin), f"{pin.filename} named {wrong.name}")


@pytest.mark.parametrize("naming", ["right-name", "wrong-name"])
@pytest.mark.parametrize("fmt", REPACK_FORMATS)
@pytest.mark.parametrize("pin", TAR_SDISTS, ids=_ids(TAR_SDISTS))
def test_repacked(
    corpus: Corpus,
    pin: Pin,
    fmt: str,
    naming: str,
    tmp_path: Path,
) -> None:
    """The same tree from the sdist re-packed in every supported format, whatever its name."""
    archive = corpus.repack(pin, fmt)
    if naming == "wrong-name":
        renamed = tmp_path / "in" / f"{pin.top}.{WRONG_SUFFIX[fmt]}"
        renamed.parent.mkdir()
        shutil.copyfile(archive, renamed)
        archive = renamed
    (tmp_path / "x").mkdir()
    result, tree = _extract(archive, tmp_path / "x")
    assert_same_tree(tree, corpus.tree(pin), f"{pin.filename} re-packed as {fmt} ({archive.name})")
    # in the zip, hard links were re-packed as plain copies
    assert Counts.of(result) == corpus.counts(pin, hardlinks_as_copies=fmt == "zip")
    assert result.hashes["sha256"] == hashlib.sha256(archive.read_bytes()).hexdigest()


@pytest.mark.parametrize("pin", SDISTS, ids=_ids(SDISTS))
def test_all_hashes_reported(corpus: Corpus, pin: Pin, tmp_path: Path) -> None:
    archive = corpus.archive(pin)
    result, _ = _extract(archive, tmp_path, hashes=("sha384", "sha512", "md5"))
    assert result.hashes == _digests(archive)


@pytest.mark.parametrize(
    "algorithms",
    [("sha256",), ("md5",), ("sha384", "sha512"), ALGORITHMS],
    ids=["sha256", "md5", "sha384+sha512", "all"],
)
@pytest.mark.parametrize("pin", SDISTS, ids=_ids(SDISTS))
def test_matching_expected_hashes_pass(
    corpus: Corpus,
    pin: Pin,
    algorithms: tuple[str, ...],
    tmp_path: Path,
) -> None:
    """Matching ``expected_hashes`` extract normally and report sha256 + the named ones."""
    archive = corpus.archive(pin)
    digests = _digests(archive)
    expected = {algo: digests[algo] for algo in algorithms}
    result, tree = _extract(archive, tmp_path, expected_hashes=expected)
    assert result.hashes == {algo: digests[algo] for algo in {"sha256", *algorithms}}
    assert Counts.of(result) == corpus.counts(pin)
    assert len(tree) == len(corpus.tree(pin))


@pytest.mark.parametrize("pin", SDISTS, ids=_ids(SDISTS))
def test_mismatching_expected_hash_leaves_nothing(
    corpus: Corpus,
    pin: Pin,
    tmp_path: Path,
) -> None:
    archive = corpus.archive(pin)
    actual = _digests(archive)["sha256"]
    wrong = ("0" if actual[0] != "0" else "1") + actual[1:]
    with pytest.raises(sdistill.HashMismatchError) as info:
        sdistill.extract(archive, tmp_path / "out", expected_hashes={"sha256": wrong})
    assert (info.value.algorithm, info.value.expected, info.value.actual) == (
        "sha256",
        wrong,
        actual,
    )
    assert_only(tmp_path)
