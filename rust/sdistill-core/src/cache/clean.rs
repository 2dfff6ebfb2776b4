//! `clean`: remove everything, or everything of one package.
//!
//! Everything of a package `NAME` is:
//!
//! - its index pages, `simple-v1/<digest(index)>/NAME` for every index (the HTTP cache
//!   entry of the page);
//! - its registry sdists, the whole `sdists-v1/index/<digest(index)>/NAME/` directory
//!   (every version shard with its `http` entry, `http.lock` and `<version>.lock`);
//! - every other shard of `sdists-v1` whose `package` marker names it (direct URLs,
//!   local paths, editable builds, git checkouts);
//! - the lock file `<entry>.lock` beside each of these, and the directories that
//!   removing them left empty, up to (not including) the bucket.
//!
//! Build environments, git databases and PEP 658 metadata files of wheels are keyed by
//! what they hold, not by a package, and stay (`clean` without a name removes them; a
//! git database that no git shard names any more is removed by the next `prune`).
//!
//! Both forms take the root lock exclusively. Every shard lock is taken through
//! [`Cache::lock_shard`], which holds the root lock shared before it opens the shard's
//! lock file, so while `clean` holds the root exclusively nobody holds or waits on any
//! lock file below it: removing one cannot split a lock between an old and a new file.
//! A process that waits for the root meanwhile opens (and so creates again) the shard's
//! lock file only once `clean` is done.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::names::{lock_path_of, Bucket, ShardKind, RESPONSES_DIR, WHEEL_METADATA_DIR};
use super::revision::read_package;
use super::walk::{self, Usage};
use super::{Cache, Error};

impl Cache {
    /// Removes everything (`package` is `None`) or every entry of one package (its name
    /// already normalised). Waits for shards being filled, up to `timeout`; never
    /// removes a shard another process holds.
    pub fn clean(&self, package: Option<&str>, timeout: Duration) -> Result<Usage, Error> {
        match package {
            None => self.clean_all(timeout),
            Some(name) => self.clean_package(name, timeout),
        }
    }

    fn clean_all(&self, timeout: Duration) -> Result<Usage, Error> {
        let _all = self.lock_all(timeout)?;
        let mut removed = Usage::default();
        for bucket in Bucket::ALL {
            removed += walk::empty_dir(&self.bucket(bucket))?;
        }
        Ok(removed)
    }

    fn clean_package(&self, name: &str, timeout: Duration) -> Result<Usage, Error> {
        let _all = self.lock_all(timeout)?;
        let mut removed = Usage::default();
        for entry in self.package_entries(name)? {
            removed += walk::remove(self, &entry)?;
            removed += walk::remove(self, &lock_path_of(&entry))?;
            self.remove_empty_parents(&entry)?;
        }
        Ok(removed)
    }

    /// Every cache entry that belongs to `name` (see the module docs), outermost only:
    /// nothing in the list lies inside another entry of it.
    fn package_entries(&self, name: &str) -> Result<Vec<PathBuf>, Error> {
        let mut found = Vec::new();
        for index in walk::read_dir(&self.bucket(Bucket::Simple))? {
            // `simple-v1/metadata/` holds wheels' metadata files and `responses/` plain
            // GETs, not pages.
            if index
                .file_name()
                .is_some_and(|n| n == WHEEL_METADATA_DIR || n == RESPONSES_DIR)
            {
                continue;
            }
            let page = index.join(name);
            if page.symlink_metadata().is_ok() {
                found.push(page);
            }
        }
        let sdists = self.bucket(Bucket::Sdists);
        for index in walk::read_dir(&sdists.join(ShardKind::Index.dir_name()))? {
            let project = index.join(name);
            if project.symlink_metadata().is_ok() {
                found.push(project);
            }
        }
        collect_marked(&sdists, name, &mut found)?;
        found.sort();
        found.dedup();
        let mut outermost: Vec<PathBuf> = Vec::with_capacity(found.len());
        for entry in found {
            // Sorted, so an entry's ancestors come before it.
            if !outermost.iter().any(|outer| entry.starts_with(outer)) {
                outermost.push(entry);
            }
        }
        Ok(outermost)
    }

    /// Removes the directories above `entry` that are now empty, up to its bucket. The
    /// caller holds the root lock exclusively, so no filler is creating one meanwhile.
    fn remove_empty_parents(&self, entry: &Path) -> Result<(), Error> {
        let Some(bucket) = Bucket::ALL
            .into_iter()
            .map(|bucket| self.bucket(bucket))
            .find(|dir| entry.starts_with(dir))
        else {
            return Ok(());
        };
        let mut dir = entry.parent();
        while let Some(current) = dir.filter(|d| d.starts_with(&bucket) && *d != bucket) {
            match fs::remove_dir(current) {
                Ok(()) => {}
                Err(err) if err.kind() == io::ErrorKind::NotFound => {}
                // Not empty (another package, a leftover for `prune`): stop here.
                Err(err) if err.kind() == io::ErrorKind::DirectoryNotEmpty => break,
                Err(err) => return Err(Error::io(current, err)),
            }
            dir = current.parent();
        }
        Ok(())
    }
}

/// Shards under `dir` whose `package` marker says `name`; does not descend into shards.
fn collect_marked(dir: &Path, name: &str, found: &mut Vec<PathBuf>) -> Result<(), Error> {
    for child in walk::read_dir(dir)? {
        if !child.is_dir() || child.is_symlink() {
            continue;
        }
        match read_package(&child) {
            Some(owner) if owner == name => found.push(child),
            Some(_) => {}
            None if lock_path_of(&child).exists() => {}
            None => collect_marked(&child, name, found)?,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::path::{Path, PathBuf};
    use std::time::Duration;

    use super::super::{new_revision_id, Bucket, Cache};

    const INDEX: &str = "0123456789abcdef0123456789abcdef";
    const OTHER_INDEX: &str = "fedcba9876543210fedcba9876543210";
    const TIMEOUT: Duration = Duration::from_secs(5);

    fn write(path: &Path, data: &[u8]) {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, data).unwrap();
    }

    /// A shard as the fillers leave it: locked once (its lock file exists), a live
    /// revision, the package marker, and an HTTP entry with its own lock.
    fn fill(cache: &Cache, shard: &Path, package: &str) {
        drop(cache.lock_shard(shard, TIMEOUT).unwrap());
        let id = new_revision_id();
        write(
            &shard.join(&id).join("src").join("PKG-INFO"),
            b"Metadata-Version: 2.2\n",
        );
        cache.commit_revision(shard, &id).unwrap();
        cache.set_package(shard, package).unwrap();
        drop(cache.lock_shard(&shard.join("http"), TIMEOUT).unwrap());
        write(&shard.join("http"), b"entry");
    }

    /// An index page entry, locked once as the HTTP client does.
    fn page(cache: &Cache, index: &str, name: &str) -> PathBuf {
        let entry = cache.shard(Bucket::Simple, &[index, name]).unwrap();
        drop(cache.lock_shard(&entry, TIMEOUT).unwrap());
        write(&entry, b"page");
        entry
    }

    /// Every path under `root`, relative, directories included.
    fn tree(root: &Path) -> Vec<String> {
        fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
            for entry in fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                out.push(path.strip_prefix(root).unwrap().display().to_string());
                if path.is_dir() {
                    walk(root, &path, out);
                }
            }
        }
        let mut out = Vec::new();
        walk(root, root, &mut out);
        out.sort();
        out
    }

    #[test]
    fn clean_name_leaves_nothing_of_the_package_and_everything_else() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::init(dir.path()).unwrap();
        let root = cache.root().to_path_buf();
        for (index, name, version) in [
            (INDEX, "attrs", "24.2.0"),
            (INDEX, "attrs", "23.1.0"),
            (OTHER_INDEX, "attrs", "24.2.0"),
            (INDEX, "six", "1.17.0"),
        ] {
            page(&cache, index, name);
            let shard = cache
                .shard(Bucket::Sdists, &["index", index, name, version])
                .unwrap();
            fill(&cache, &shard, name);
        }
        let url = cache.shard(Bucket::Sdists, &["url", INDEX]).unwrap();
        fill(&cache, &url, "attrs");
        let path = cache.shard(Bucket::Sdists, &["path", INDEX]).unwrap();
        fill(&cache, &path, "six");
        let wheel_metadata = cache.shard(Bucket::Simple, &["metadata", "attrs"]).unwrap();
        write(&wheel_metadata, b"not a page of attrs");
        let before = tree(&root);
        let files_before = before.iter().filter(|p| root.join(p).is_file()).count();
        let attrs = |p: &String| p.split('/').any(|c| c == "attrs" || c == "attrs.lock");
        assert!(before.iter().any(|p| p.ends_with("attrs/24.2.0.lock")));
        assert!(before.iter().any(|p| p.ends_with("24.2.0/http.lock")));
        assert!(before
            .iter()
            .any(|p| p.ends_with(&format!("{INDEX}/attrs.lock"))));

        let removed = cache.clean(Some("attrs"), TIMEOUT).unwrap();

        let after = tree(&root);
        let url_part = format!("sdists-v1/url/{INDEX}");
        let left: Vec<&String> = after
            .iter()
            .filter(|p| {
                (attrs(p) && !p.starts_with("simple-v1/metadata")) || p.starts_with(&url_part)
            })
            .collect();
        assert!(left.is_empty(), "left of attrs: {left:?}");
        // Directories emptied by the clean are gone; the buckets stay.
        assert!(!after.contains(&format!("simple-v1/{OTHER_INDEX}")));
        assert!(!after.contains(&format!("sdists-v1/index/{OTHER_INDEX}")));
        assert!(!after.contains(&"sdists-v1/url".to_owned()));
        for bucket in Bucket::ALL {
            assert!(cache.bucket(bucket).is_dir());
        }
        // Everything else is exactly as it was.
        let kept: Vec<String> = before
            .iter()
            .filter(|p| !after.contains(p))
            .filter(|p| !(attrs(p) || p.starts_with(&url_part)))
            .cloned()
            .collect();
        assert_eq!(
            kept,
            [
                format!("sdists-v1/index/{OTHER_INDEX}"),
                "sdists-v1/url".to_owned(),
                format!("simple-v1/{OTHER_INDEX}"),
            ]
        );
        assert!(after.iter().any(|p| p.ends_with("six/1.17.0.lock")));
        assert!(after
            .iter()
            .any(|p| p.ends_with(&format!("{INDEX}/six.lock"))));
        assert!(wheel_metadata.is_file());
        assert!(path.join("package").is_file());
        let files_after = after.iter().filter(|p| root.join(p).is_file()).count();
        assert_eq!(removed.files, (files_before - files_after) as u64);

        assert_eq!(cache.clean(Some("attrs"), TIMEOUT).unwrap().files, 0);
        assert_eq!(tree(&root), after);
    }

    #[test]
    fn clean_name_waits_for_every_filler() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::init(dir.path()).unwrap();
        let six = cache
            .shard(Bucket::Sdists, &["index", INDEX, "six", "1.17.0"])
            .unwrap();
        fill(&cache, &six, "six");
        let attrs = page(&cache, INDEX, "attrs");
        // A filler of another package's shard holds the root shared: no lock file can
        // be removed while it may be waiting on one, so `clean` waits and fails.
        let guard = cache.lock_shard(&six, TIMEOUT).unwrap();
        let err = cache
            .clean(Some("attrs"), Duration::from_millis(200))
            .unwrap_err();
        assert!(err.to_string().contains(".lock"), "{err}");
        assert!(attrs.is_file());
        drop(guard);
        cache.clean(Some("attrs"), TIMEOUT).unwrap();
        assert!(!attrs.exists());
        assert!(six.join("package").is_file());
    }
}
