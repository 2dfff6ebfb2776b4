//! What a client remembers between calls, so that a fresh hit costs one `stat`.
//!
//! A hit must still look at the disk: another process may have replaced, healed or
//! removed the entry. But it need not parse the URL again, hash its canonical form for
//! the default entry path, or read and validate bytes it has already validated:
//!
//! - a [`Target`] per URL string holds the parsed URL, its cache key (the URL without
//!   credentials) and, once asked for, its default entry path;
//! - each target remembers the last entry it read with the identity of the file it came
//!   from ([`FileId`]: device, inode, length, modification time). Entries are replaced
//!   by rename and never rewritten in place, so while `stat` reports the same identity
//!   the file holds the same validated bytes, and the remembered [`Entry`] is used;
//! - that `stat` looks the entry's name up in its directory, held open, rather than
//!   walking the whole path again (most of a hit's cost). A directory that was removed
//!   holds no entry, so a miss there is retried through the whole path.
//!
//! All of it is bounded: past [`MEMO_TARGETS`] URLs or [`MEMO_DIRS`] directories the
//! memory is dropped (and the directories closed).

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, Weak};

use url::Url;

use super::auth::split_credentials;
use super::entry::Entry;

/// At most this many URLs are remembered per client.
pub const MEMO_TARGETS: usize = 4096;
/// At most this many entry directories are held open per client.
pub const MEMO_DIRS: usize = 32;

#[cfg(unix)]
type DirHandle = std::os::fd::OwnedFd;
#[cfg(not(unix))]
type DirHandle = ();

/// What identifies one version of a file: a rename puts a new inode in place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileId {
    device: u64,
    inode: u64,
    len: u64,
    modified: (i64, i64),
}

#[cfg(unix)]
impl FileId {
    /// The file at `path` now (`None`: there is none).
    pub fn at(path: &Path) -> io::Result<Option<FileId>> {
        Self::found(rustix::fs::stat(path))
    }

    /// The file called `name` in the open directory `dir` (`None`: there is none).
    fn in_dir(dir: &DirHandle, name: &std::ffi::OsStr) -> io::Result<Option<FileId>> {
        Self::found(rustix::fs::statat(dir, name, rustix::fs::AtFlags::empty()))
    }

    // The field types of `struct stat` differ between platforms.
    #[allow(clippy::unnecessary_cast, clippy::useless_conversion)]
    fn found(stat: rustix::io::Result<rustix::fs::Stat>) -> io::Result<Option<FileId>> {
        match stat {
            Ok(stat) => Ok(Some(FileId {
                device: stat.st_dev as u64,
                inode: stat.st_ino as u64,
                len: stat.st_size as u64,
                modified: (stat.st_mtime as i64, stat.st_mtime_nsec as i64),
            })),
            Err(rustix::io::Errno::NOENT) => Ok(None),
            Err(err) => Err(err.into()),
        }
    }
}

#[cfg(not(unix))]
impl FileId {
    /// The file at `path` now (`None`: there is none).
    pub fn at(path: &Path) -> io::Result<Option<FileId>> {
        let meta = match std::fs::metadata(path) {
            Ok(meta) => meta,
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(err) => return Err(err),
        };
        let modified = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or((0, 0), |d| {
                (d.as_secs() as i64, i64::from(d.subsec_nanos()))
            });
        Ok(Some(FileId {
            device: 0,
            inode: 0,
            len: meta.len(),
            modified,
        }))
    }

    fn in_dir(_: &DirHandle, _: &std::ffi::OsStr) -> io::Result<Option<FileId>> {
        Ok(None)
    }
}

/// One URL as the client needs it.
pub struct Target {
    pub url: Url,
    /// The URL without credentials: what entries record and overrides match.
    pub key: String,
    default_entry: OnceLock<PathBuf>,
    last: Mutex<Option<Seen>>,
}

struct Seen {
    path: PathBuf,
    id: FileId,
    entry: Arc<Entry>,
    dir: Weak<DirHandle>,
}

impl Target {
    pub fn new(url: Url) -> Target {
        let key = split_credentials(&url).0.to_string();
        Target {
            url,
            key,
            default_entry: OnceLock::new(),
            last: Mutex::new(None),
        }
    }

    /// The default entry path, computed by `make` the first time.
    pub fn default_entry<E>(&self, make: impl FnOnce() -> Result<PathBuf, E>) -> Result<&Path, E> {
        if let Some(path) = self.default_entry.get() {
            return Ok(path);
        }
        let path = make()?;
        Ok(self.default_entry.get_or_init(|| path))
    }

    /// The identity of the file at `path` now (`None`: there is none), looked up in
    /// its open directory when the last entry read came from there.
    pub fn identify(&self, path: &Path) -> io::Result<Option<FileId>> {
        let dir = self
            .last()
            .as_ref()
            .filter(|seen| seen.path == path)
            .and_then(|seen| seen.dir.upgrade());
        if let (Some(dir), Some(name)) = (dir, path.file_name()) {
            if let Some(id) = FileId::in_dir(&dir, name)? {
                return Ok(Some(id));
            }
        }
        FileId::at(path)
    }

    /// The entry last read from `path`, if the file there is still that one.
    pub fn remembered(&self, path: &Path, id: &FileId) -> Option<Arc<Entry>> {
        let last = self.last();
        let seen = last.as_ref()?;
        (seen.id == *id && seen.path == path).then(|| seen.entry.clone())
    }

    /// Remembers `entry`, read from `path` (in the open directory `dir`).
    pub fn remember(&self, path: &Path, id: FileId, entry: Arc<Entry>, dir: Weak<DirHandle>) {
        *self.last() = Some(Seen {
            path: path.to_owned(),
            id,
            entry,
            dir,
        });
    }

    pub fn forget(&self) {
        *self.last() = None;
    }

    fn last(&self) -> MutexGuard<'_, Option<Seen>> {
        self.last.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The targets of one client, by URL string, and the entry directories it holds open.
#[derive(Default)]
pub struct Targets {
    known: Mutex<HashMap<String, Arc<Target>>>,
    dirs: Mutex<HashMap<PathBuf, Arc<DirHandle>>>,
}

impl Targets {
    /// The target of `url`, made by `parse` the first time it is asked for.
    pub fn get<E>(
        &self,
        url: &str,
        parse: impl FnOnce(&str) -> Result<Url, E>,
    ) -> Result<Arc<Target>, E> {
        let known = || self.known.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(target) = known().get(url) {
            return Ok(target.clone());
        }
        let target = Arc::new(Target::new(parse(url)?));
        let mut known = known();
        if known.len() >= MEMO_TARGETS {
            known.clear();
        }
        Ok(known.entry(url.to_owned()).or_insert(target).clone())
    }

    /// The directory holding `path`, opened once (a dangling handle if it cannot be).
    pub fn directory_of(&self, path: &Path) -> Weak<DirHandle> {
        let Some(dir) = path.parent() else {
            return Weak::new();
        };
        let mut dirs = self.dirs.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(open) = dirs.get(dir) {
            return Arc::downgrade(open);
        }
        let Some(open) = open_dir(dir) else {
            return Weak::new();
        };
        if dirs.len() >= MEMO_DIRS {
            dirs.clear();
        }
        let open = Arc::new(open);
        let weak = Arc::downgrade(&open);
        dirs.insert(dir.to_owned(), open);
        weak
    }
}

#[cfg(unix)]
fn open_dir(dir: &Path) -> Option<DirHandle> {
    use rustix::fs::{Mode, OFlags};
    let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
    rustix::fs::open(dir, flags, Mode::empty()).ok()
}

#[cfg(not(unix))]
fn open_dir(_: &Path) -> Option<DirHandle> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_parsed_once_and_keyed_without_credentials() {
        let targets = Targets::default();
        let mut parses = 0;
        for _ in 0..3 {
            let target = targets
                .get("https://user:secret@example.org/a", |text| {
                    parses += 1;
                    Url::parse(text)
                })
                .unwrap();
            assert_eq!(target.key, "https://example.org/a");
        }
        assert_eq!(parses, 1);
    }

    #[test]
    fn a_failed_parse_is_not_remembered() {
        let targets = Targets::default();
        assert!(targets.get("nonsense", Url::parse).is_err());
        assert!(targets.get("nonsense", Url::parse).is_err());
        assert!(targets.known.lock().unwrap().is_empty());
    }

    #[test]
    fn identity_changes_when_a_file_is_replaced_and_is_seen_through_the_directory() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("entry");
        assert_eq!(FileId::at(&path).unwrap(), None);
        std::fs::write(&path, b"one").unwrap();
        let first = FileId::at(&path).unwrap().unwrap();
        let targets = Targets::default();
        let handle = targets.directory_of(&path);
        assert!(handle.upgrade().is_some());
        let target = Target::new(Url::parse("https://example.org/").unwrap());
        let entry = Arc::new(Entry::for_tests(b"one"));
        target.remember(&path, first.clone(), entry, handle);
        assert_eq!(target.identify(&path).unwrap(), Some(first.clone()));
        assert!(target.remembered(&path, &first).is_some());

        let staged = dir.path().join("staged");
        std::fs::write(&staged, b"two!").unwrap();
        std::fs::rename(&staged, &path).unwrap();
        let second = target.identify(&path).unwrap().unwrap();
        assert_ne!(second, first);
        assert!(target.remembered(&path, &second).is_none());

        std::fs::remove_file(&path).unwrap();
        assert_eq!(target.identify(&path).unwrap(), None);
    }

    #[test]
    fn a_removed_directory_falls_back_to_the_whole_path() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("shard");
        std::fs::create_dir(&dir).unwrap();
        let path = dir.join("entry");
        std::fs::write(&path, b"one").unwrap();
        let targets = Targets::default();
        let target = Target::new(Url::parse("https://example.org/").unwrap());
        let id = FileId::at(&path).unwrap().unwrap();
        let entry = Arc::new(Entry::for_tests(b"one"));
        target.remember(&path, id, entry, targets.directory_of(&path));
        std::fs::remove_dir_all(&dir).unwrap();
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(&path, b"fresh").unwrap();
        assert_eq!(target.identify(&path).unwrap(), FileId::at(&path).unwrap());
    }

    #[test]
    fn the_default_entry_is_made_once() {
        let target = Target::new(Url::parse("https://example.org/").unwrap());
        let mut made = 0;
        for _ in 0..2 {
            let path = target
                .default_entry(|| {
                    made += 1;
                    Ok::<_, ()>(PathBuf::from("/cache/entry"))
                })
                .unwrap();
            assert_eq!(path, Path::new("/cache/entry"));
        }
        assert_eq!(made, 1);
    }
}
