//! File URLs and stamps of local sources.

use std::fmt::Write as _;
use std::fs::{self, Metadata};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

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

/// A directory's stamp from [`KEY_FILES`] alone, or `None` when its `pyproject.toml`
/// may name cache keys (then only the builder can stamp it).
pub fn key_files_stamp(dir: &Path) -> Option<String> {
    let mut newest = 0i128;
    for name in KEY_FILES {
        let path = dir.join(name);
        if name == "pyproject.toml" {
            if let Ok(text) = fs::read(&path) {
                if may_name_cache_keys(&text) {
                    return None;
                }
            }
        }
        if let Ok(meta) = fs::metadata(&path) {
            newest = newest.max(mtime_ns(&meta));
        }
    }
    Some(directory_stamp(newest))
}

fn may_name_cache_keys(text: &[u8]) -> bool {
    [&b"cache-keys"[..], b"\\u", b"\\U"]
        .iter()
        .any(|needle| contains(text, needle))
}

/// Whether `needle` occurs in `text`.
pub(super) fn contains(text: &[u8], needle: &[u8]) -> bool {
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
    fn cache_keys_and_escapes_decline() {
        assert!(may_name_cache_keys(b"[tool.sdistill]\ncache-keys = []"));
        assert!(may_name_cache_keys(br#"["cache\u002dkeys"]"#));
        assert!(!may_name_cache_keys(b"[project]\nname = 'x'"));
    }
}
