//! File URLs and stamps of local sources.
//!
//! [`local_stamp`] is the one computation of a local source's stamp: an archive's
//! modification time and size; a directory's newest modification time of
//! [`KEY_FILES`] and of every path its `[tool.sdistill] cache-keys` patterns match
//! ([`super::glob`]). The warm lookup, which reads no TOML, stamps only directories
//! whose `pyproject.toml` cannot name cache keys ([`key_files_stamp`]), through the
//! same code.

use std::fmt::Write as _;
use std::fs::{self, Metadata};
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use super::glob::glob;

/// The files whose newest modification time stamps a project directory.
pub const KEY_FILES: [&str; 3] = ["pyproject.toml", "setup.py", "setup.cfg"];

/// The `file://` URL of an absolute path, spelled as Python's `Path.as_uri()` spells it
/// on POSIX: every byte but ASCII letters, digits, `_.-~` and `/` percent-encoded.
pub fn file_url(path: &Path) -> String {
    let mut url = String::from("file://");
    for &byte in path.as_os_str().as_bytes() {
        if byte.is_ascii_alphanumeric() || b"_.-~/".contains(&byte) {
            url.push(char::from(byte));
        } else {
            let _ = write!(url, "%{byte:02X}");
        }
    }
    url
}

/// An archive's stamp: its modification time in nanoseconds and its size.
pub fn archive_stamp(meta: &Metadata) -> String {
    format!("archive mtime_ns={} size={}\n", mtime_ns(meta), meta.size())
}

/// A directory's stamp from the newest modification time (ns) of its key files.
pub fn directory_stamp(newest_mtime_ns: i128) -> String {
    format!("directory newest_mtime_ns={newest_mtime_ns}\n")
}

/// The stamp of the local source at `path`: an archive's, or a directory's from its
/// key files and the paths its `cache_keys` patterns match.
pub fn local_stamp(path: &Path, cache_keys: &[String]) -> io::Result<String> {
    let meta = fs::metadata(path)?;
    Ok(if meta.is_dir() {
        directory_stamp(newest_mtime(path, cache_keys))
    } else {
        archive_stamp(&meta)
    })
}

/// A directory's stamp from [`KEY_FILES`] alone, or `None` when its `pyproject.toml`
/// may name cache keys (then only a caller that reads TOML can stamp it).
pub fn key_files_stamp(dir: &Path) -> Option<String> {
    if let Ok(text) = fs::read(dir.join(KEY_FILES[0])) {
        if may_name_cache_keys(&text) {
            return None;
        }
    }
    Some(directory_stamp(newest_mtime(dir, &[])))
}

/// The newest modification time (ns) of the key files and the cache-key matches of
/// `dir` (0 when there is none).
fn newest_mtime(dir: &Path, cache_keys: &[String]) -> i128 {
    let named = KEY_FILES.iter().map(|name| dir.join(name));
    let matched = cache_keys.iter().flat_map(|key| glob(dir, key));
    named
        .chain(matched)
        .filter_map(|path| fs::metadata(path).ok())
        .map(|meta| mtime_ns(&meta))
        .fold(0, i128::max)
}

fn may_name_cache_keys(text: &[u8]) -> bool {
    [&b"cache-keys"[..], b"\\u", b"\\U"]
        .iter()
        .any(|needle| contains(text, needle))
}

/// Whether `needle` occurs in `text`.
fn contains(text: &[u8], needle: &[u8]) -> bool {
    text.windows(needle.len()).any(|window| window == needle)
}

/// Seconds and nanoseconds as one number, like Python's `st_mtime_ns`.
fn mtime_ns(meta: &Metadata) -> i128 {
    i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_urls_quote_like_as_uri() {
        assert_eq!(
            file_url(Path::new("/a b/c%d#e?f")),
            "file:///a%20b/c%25d%23e%3Ff"
        );
        assert_eq!(file_url(Path::new("/x/é~_.-")), "file:///x/%C3%A9~_.-");
    }

    #[test]
    fn cache_keys_join_the_key_files() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000);
        let new = old + std::time::Duration::from_secs(5);
        for (name, time) in [("setup.py", old), ("pkg/a.py", new)] {
            let path = root.join(name);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(&path, b"x").unwrap();
            fs::File::options()
                .write(true)
                .open(&path)
                .unwrap()
                .set_modified(time)
                .unwrap();
        }
        let ns = |t: std::time::SystemTime| {
            t.duration_since(std::time::SystemTime::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as i128
        };
        assert_eq!(local_stamp(root, &[]).unwrap(), directory_stamp(ns(old)));
        assert_eq!(key_files_stamp(root), Some(directory_stamp(ns(old))));
        let keys = ["**/*.py".to_owned()];
        assert_eq!(local_stamp(root, &keys).unwrap(), directory_stamp(ns(new)));
        let outside = ["../*".to_owned(), "/etc/*".to_owned()];
        assert_eq!(
            local_stamp(root, &outside).unwrap(),
            directory_stamp(ns(old))
        );
        let archive = root.join("setup.py");
        let meta = fs::metadata(&archive).unwrap();
        assert_eq!(local_stamp(&archive, &keys).unwrap(), archive_stamp(&meta));
        assert!(local_stamp(&root.join("gone"), &[]).is_err());
    }

    #[test]
    fn cache_keys_and_escapes_decline() {
        assert!(may_name_cache_keys(b"[tool.sdistill]\ncache-keys = []"));
        assert!(may_name_cache_keys(br#"["cache\u002dkeys"]"#));
        assert!(!may_name_cache_keys(b"[project]\nname = 'x'"));
    }
}
