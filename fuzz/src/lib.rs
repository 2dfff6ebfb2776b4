//! Helpers shared by the fuzz targets.

use std::fs;
use std::path::{Component, Path, PathBuf};

use sdistill_core::archive::{extract_reader, ExtractOptions, Limits};
use sdistill_core::index::{page, project};

/// Limits small enough that one input stays fast, large enough for a small sdist.
fn fuzz_limits() -> Limits {
    Limits {
        max_unpacked_size: 16 << 20,
        max_entries: 2_000,
        ..Limits::default()
    }
}

/// Extracts `data` into a fresh directory inside a fresh temporary root, then checks
/// that nothing was written anywhere else in the root (the staging directory beside
/// the destination is gone, whatever the outcome) and that every link left in the
/// destination stays inside it.
pub fn extract_and_check(data: &[u8], strip_top_level: bool) {
    let root = tempfile::tempdir().expect("a temporary directory");
    let dest = root.path().join("dest");
    let options = ExtractOptions {
        strip_top_level,
        limits: fuzz_limits(),
        ..ExtractOptions::default()
    };
    let result = extract_reader(data, Path::new("fuzz-input"), &dest, &options);
    let mut left: Vec<String> = fs::read_dir(root.path())
        .expect("the root can be listed")
        .map(|entry| {
            entry
                .expect("a root entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    left.sort();
    match &result {
        Ok(_) => assert_eq!(left, ["dest"], "only the destination may be left"),
        Err(_) => assert!(left.is_empty(), "a failed extraction left {left:?}"),
    }
    if result.is_ok() {
        check_tree(&dest, &dest);
    }
}

/// Every entry under `dir` is a file, a directory or a link whose target, read
/// lexically from where it is, stays inside `dest`.
fn check_tree(dest: &Path, dir: &Path) {
    for entry in fs::read_dir(dir).expect("an extracted directory can be listed") {
        let entry = entry.expect("an extracted entry");
        let path = entry.path();
        let kind = entry.file_type().expect("a file type");
        if kind.is_symlink() {
            let target = fs::read_link(&path).expect("a link target");
            assert!(
                target.is_relative(),
                "absolute link {} -> {}",
                path.display(),
                target.display()
            );
            let parent = path.parent().expect("a link has a parent");
            let resolved = lexical(&parent.join(&target));
            assert!(
                resolved.starts_with(dest),
                "link {} -> {} leaves the destination",
                path.display(),
                target.display()
            );
        } else if kind.is_dir() {
            check_tree(dest, &path);
        } else {
            assert!(
                kind.is_file(),
                "{} is not a file, a directory or a link",
                path.display()
            );
        }
    }
}

/// `path` with `.` and `..` removed without touching the disk (links inside are
/// themselves checked, so a path through one is judged when that link is).
fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Archives a parsed page as the cache stores it, then opens it the way the reader
/// does: the archive of what was parsed must pass its own checks.
pub fn archive_page(parsed: page::Page, url: &str) {
    let archived = project::Project::from_page("fuzz", url, parsed).to_bytes();
    let aligned = project::aligned(&archived);
    assert!(project::check(&aligned), "a fresh archive fails its check");
    read_project(&aligned);
}

/// Reads every release of a project payload that [`project::check`] accepted; returns
/// how many releases validated.
pub fn read_project(payload: &[u8]) -> usize {
    // SAFETY: callers pass only payloads `check` accepted, unchanged since.
    let head = unsafe { project::head(payload) };
    let mut sound = 0;
    for at in 0..head.releases.len() {
        if project::check_release(payload, head, at).is_ok() {
            // SAFETY: `check_release` just accepted release `at` of this payload.
            let files = unsafe { project::release_files(payload, head, at) };
            for file in files.iter() {
                std::hint::black_box((file.filename.len(), file.url.len(), file.sdist));
            }
            sound += 1;
        }
    }
    sound
}
