//! Warm answers for local sources, found in the cache without Python's build side.
//!
//! A warm `sdistill metadata PATH…` is mostly process start; the lookup itself is a few
//! small reads. So the whole lookup of a plain local path lives here, and the Python
//! builder uses the same functions to make what this reads — the file URL that names
//! the shard, the stamps, the answer record — so the two cannot drift apart:
//!
//! - **Shard**: `sdists-v1/path/<digest(file URL)>/`, the URL spelled like Python's
//!   `Path.as_uri()` on POSIX ([`file_url`]).
//! - **Stamp**: what the live revision was made for ([`local_stamp`], the one
//!   computation). An archive's modification time (ns) and size; a directory's newest
//!   modification time of [`KEY_FILES`] and of what its `[tool.sdistill] cache-keys`
//!   match. A directory whose `pyproject.toml` may list cache keys (the bytes
//!   `cache-keys`, or any TOML `\u`/`\U` escape that could spell them) is left to the
//!   builder, which parses TOML and passes the keys to the same function.
//! - **Answer** (`<revision>/<settings>/answer`, beside `METADATA`): the metadata in the
//!   two forms the command line prints (JSON and text), and whether it matches the name
//!   and version the archive's file name states (checked by the builder with
//!   `packaging`). It is sealed with a digest over the `METADATA` record and itself, so a
//!   damaged or replaced record or answer is a miss (the builder then heals both).
//! - **Seals** ([`seal`]): the stamp file and the record of each built wheel's sha256
//!   are sealed the same way; the warm path compares the stamp file with the sealed
//!   form of the stamp it computed, byte for byte.
//!
//! Reading never writes: a damaged record is a miss here and in the builder's lock-free
//! read; only the builder, holding the shard lock, warns and writes it again.
//!
//! Anything unusual is a miss (`None`), never an error: the builder takes the normal
//! road and decides properly.

mod answer;
mod glob;
pub mod seal;
mod stamp;

pub use answer::{read_answer, read_record, render_answer, Answer};
pub use seal::{
    check_wheel, read_sealed, read_stamp, render_sealed, render_stamp, seal_wheel, Read,
};
pub use stamp::{
    archive_stamp, directory_stamp, file_url, key_files_stamp, local_stamp, KEY_FILES,
};

use std::fs;
use std::path::{Path, PathBuf};

use crate::cache::{Cache, Revision};

/// The answers for every spec, or `None` as soon as one is not a warm hit (the caller
/// then asks the builder for all of them, keeping their order and error reporting).
pub fn warm_answers(root: &Path, specs: &[PathBuf], settings: &str) -> Option<Vec<Answer>> {
    let cache = Cache::open_existing(root)?;
    specs
        .iter()
        .map(|spec| warm_answer(&cache, spec, settings))
        .collect()
}

/// The answer cached for `spec` under the config-settings directory `settings`, when
/// `spec` is a local path whose live revision still matches it. Which specs are paths
/// is decided by the one grammar of specs (Python's `sdistill.sources.classify`, which
/// also expands `~`); this only reads.
pub fn warm_answer(cache: &Cache, spec: &Path, settings: &str) -> Option<Answer> {
    if spec.as_os_str().is_empty() {
        return None;
    }
    let path = fs::canonicalize(spec).ok()?;
    let meta = fs::metadata(&path).ok()?;
    let (stamp, archive) = if meta.is_dir() {
        (key_files_stamp(&path)?, false)
    } else if meta.is_file() {
        (archive_stamp(&meta), true)
    } else {
        return None;
    };
    let shard = cache.path_shard(&file_url(&path), false).ok()?;
    let id = cache.read_revision(&shard)?;
    let revision = Revision::new(shard, id);
    if fs::read(revision.stamp()).ok()? != render_stamp(&stamp).as_bytes() {
        return None;
    }
    let answer = read_answer(&revision.answers(settings).path)?;
    // An archive whose file name states another name or version is the builder's to
    // refuse (a directory states none).
    (!archive || answer.identity != "mismatch").then_some(answer)
}
