//! `prune`: remove what nothing refers to any more.
//!
//! Under the root lock held exclusively (nothing is being filled or built), `prune`
//! removes:
//!
//! - everything in `tmp/`, and every `.sdistill-tmp-*` file a killed writer left;
//! - in a shard with a `revision` pointer, every revision (a directory named like a
//!   revision id: 16 characters of base32) the pointer does not name; inside the live
//!   revision only staging leftovers, never anything of its source tree (`src/` is the
//!   project's own files: its `uv.lock` is no lock file of the cache);
//! - in a git shard (`sdists-v1/git/<digest>/`), nothing but staging leftovers: its
//!   revisions are named by commit and found by commit, none supersedes another, so
//!   none is ever pruned (the rule is kept here, by shard kind, not left to the shape
//!   of the names: a commit prefix can look like a revision id);
//! - every git database (`git-v1/db/<name>`, with `<name>.lock`) that no git shard's
//!   `repository` file names ([`names::GIT_DATABASE_LINK`]): `clean NAME` removed the
//!   last shard that used it, or the shard was never made;
//! - lock files whose shard or entry is gone.

use std::collections::HashSet;
use std::path::Path;
use std::time::Duration;

use super::names::{self, lock_path_of, Bucket, ShardKind, LOCK_SUFFIX, TREE_DIR};
use super::revision::{has_pointer, is_revision_id, read_pointer};
use super::walk::{self, Usage};
use super::{Cache, Error, TEMP_PREFIX};

impl Cache {
    /// Removes staging leftovers, revisions that a shard's pointer no longer names, git
    /// databases no git shard names, and lock files of what is gone (the rules are in
    /// the module docs). Takes the whole cache exclusively, so nothing is being filled
    /// while it runs.
    pub fn prune(&self, timeout: Duration) -> Result<Usage, Error> {
        let _all = self.lock_all(timeout)?;
        let mut removed = walk::empty_dir(&self.bucket(Bucket::Tmp))?;
        for bucket in Bucket::ALL {
            match bucket {
                Bucket::Tmp => {}
                Bucket::Git => prune_git(self, &mut removed)?,
                Bucket::Simple | Bucket::Sdists | Bucket::Environments => {
                    prune_dir(self, &self.bucket(bucket), &mut removed)?;
                }
            }
        }
        Ok(removed)
    }
}

impl Cache {
    /// Removes the revisions of `shard` that its pointer no longer names: what a new
    /// revision superseded. The caller holds every lock under which the shard's
    /// revisions are made or used (see "Superseded revisions" in the module docs of
    /// [`super`]), so no filler is writing one and no build is reading one.
    pub fn remove_superseded(&self, shard: &Path) -> Result<Usage, Error> {
        let shard = self.inside(shard)?;
        let mut removed = Usage::default();
        let Some(current) = read_pointer(&shard) else {
            return Ok(removed);
        };
        for child in walk::read_dir(&shard)? {
            let name = child
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            if is_revision_id(name) && name != current && child.is_dir() && !child.is_symlink() {
                removed += walk::remove(self, &child)?;
            }
        }
        Ok(removed)
    }
}

fn file_name(path: &Path) -> &str {
    path.file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
}

fn is_real_dir(path: &Path) -> bool {
    path.is_dir() && !path.is_symlink()
}

/// Prunes the shards under `dir` (a bucket, or a folder of shards in it).
fn prune_dir(cache: &Cache, dir: &Path, removed: &mut Usage) -> Result<(), Error> {
    let git_shards = cache.bucket(Bucket::Sdists).join(ShardKind::Git.dir_name());
    for child in walk::read_dir(dir)? {
        if child == git_shards {
            prune_git_shards(cache, &child, removed)?;
        } else {
            prune_entry(cache, dir, &child, removed)?;
        }
    }
    Ok(())
}

/// One entry of `dir`: a leftover, a lock file, a shard or a folder of shards.
fn prune_entry(cache: &Cache, dir: &Path, child: &Path, removed: &mut Usage) -> Result<(), Error> {
    let name = file_name(child);
    if name.starts_with(TEMP_PREFIX) {
        *removed += walk::remove(cache, child)?;
    } else if let Some(shard) = name.strip_suffix(LOCK_SUFFIX) {
        if child.is_file() && !dir.join(shard).exists() {
            *removed += walk::remove(cache, child)?;
        }
    } else if is_real_dir(child) {
        if has_pointer(child) || lock_path_of(child).exists() {
            prune_shard(cache, child, removed)?;
        } else {
            prune_dir(cache, child, removed)?;
        }
    }
    Ok(())
}

/// A shard with a pointer: every revision but the one its pointer names is removed.
/// Only directories named like a revision id are revisions; anything else is left.
fn prune_shard(cache: &Cache, shard: &Path, removed: &mut Usage) -> Result<(), Error> {
    let current = read_pointer(shard);
    for child in walk::read_dir(shard)? {
        let name = file_name(&child);
        if name.starts_with(TEMP_PREFIX)
            || (is_revision_id(name) && child.is_dir() && current.as_deref() != Some(name))
        {
            *removed += walk::remove(cache, &child)?;
        } else if current.as_deref() == Some(name) && is_real_dir(&child) {
            prune_revision(cache, &child, removed)?;
        }
    }
    Ok(())
}

/// `sdists-v1/git/`: its shards, and the lock files of shards that are gone.
fn prune_git_shards(cache: &Cache, dir: &Path, removed: &mut Usage) -> Result<(), Error> {
    for child in walk::read_dir(dir)? {
        let name = file_name(&child);
        if name.starts_with(TEMP_PREFIX) {
            *removed += walk::remove(cache, &child)?;
        } else if let Some(shard) = name.strip_suffix(LOCK_SUFFIX) {
            if child.is_file() && !dir.join(shard).exists() {
                *removed += walk::remove(cache, &child)?;
            }
        } else if is_real_dir(&child) {
            prune_git_shard(cache, &child, removed)?;
        }
    }
    Ok(())
}

/// A git shard: its revisions (named by commit) all stay; only leftovers go.
fn prune_git_shard(cache: &Cache, shard: &Path, removed: &mut Usage) -> Result<(), Error> {
    for child in walk::read_dir(shard)? {
        if file_name(&child).starts_with(TEMP_PREFIX) {
            *removed += walk::remove(cache, &child)?;
        } else if is_real_dir(&child) {
            prune_revision(cache, &child, removed)?;
        }
    }
    Ok(())
}

/// A revision that stays: staging leftovers beside its stamp and among its answers go;
/// its source tree is never touched.
fn prune_revision(cache: &Cache, revision: &Path, removed: &mut Usage) -> Result<(), Error> {
    for child in walk::read_dir(revision)? {
        let name = file_name(&child);
        if name.starts_with(TEMP_PREFIX) {
            *removed += walk::remove(cache, &child)?;
        } else if name != TREE_DIR && is_real_dir(&child) {
            prune_leftovers(cache, &child, removed)?;
        }
    }
    Ok(())
}

/// Every `.sdistill-tmp-*` under `dir` (answers: records, wheels).
fn prune_leftovers(cache: &Cache, dir: &Path, removed: &mut Usage) -> Result<(), Error> {
    for child in walk::read_dir(dir)? {
        if file_name(&child).starts_with(TEMP_PREFIX) {
            *removed += walk::remove(cache, &child)?;
        } else if is_real_dir(&child) {
            prune_leftovers(cache, &child, removed)?;
        }
    }
    Ok(())
}

/// `git-v1/`: databases no git shard names go, with their lock files; `no-hooks/`
/// stays; anything else is pruned as any bucket's entries are.
fn prune_git(cache: &Cache, removed: &mut Usage) -> Result<(), Error> {
    let bucket = cache.bucket(Bucket::Git);
    for child in walk::read_dir(&bucket)? {
        if child == cache.git_dbs() {
            prune_databases(cache, removed)?;
        } else if child != cache.git_no_hooks() {
            prune_entry(cache, &bucket, &child, removed)?;
        }
    }
    Ok(())
}

/// `git-v1/db/`: the databases no git shard names, and their lock files.
fn prune_databases(cache: &Cache, removed: &mut Usage) -> Result<(), Error> {
    let linked = linked_databases(cache)?;
    let databases = cache.git_dbs();
    for child in walk::read_dir(&databases)? {
        let name = file_name(&child);
        let database = name.strip_suffix(LOCK_SUFFIX).unwrap_or(name);
        if name.starts_with(TEMP_PREFIX) || !linked.contains(database) {
            *removed += walk::remove(cache, &child)?;
        }
    }
    Ok(())
}

/// The databases the git shards name (their `repository` files).
fn linked_databases(cache: &Cache) -> Result<HashSet<String>, Error> {
    let shards = cache.bucket(Bucket::Sdists).join(ShardKind::Git.dir_name());
    let mut linked = HashSet::new();
    for shard in walk::read_dir(&shards)? {
        if !is_real_dir(&shard) {
            continue;
        }
        if let Ok(text) = std::fs::read_to_string(names::git_database_link(&shard)) {
            linked.insert(text.trim().to_owned());
        }
    }
    Ok(linked)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::new_revision_id;

    #[test]
    fn only_the_live_revision_stays() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::init(dir.path()).unwrap();
        let shard = cache.shard(Bucket::Sdists, &["url", "abc"]).unwrap();
        let ids: Vec<String> = (0..3).map(|_| new_revision_id()).collect();
        for id in &ids {
            std::fs::create_dir_all(shard.join(id).join("src")).unwrap();
            std::fs::write(shard.join(id).join("src").join("f"), b"data").unwrap();
        }
        let staging = shard.join(format!("{TEMP_PREFIX}x"));
        std::fs::write(&staging, b"being written").unwrap();
        cache.commit_revision(&shard, &ids[1]).unwrap();

        let removed = cache.remove_superseded(&shard).unwrap();
        assert_eq!(removed.files, 2);
        let left: Vec<bool> = ids.iter().map(|id| shard.join(id).exists()).collect();
        assert_eq!(left, [false, true, false]);
        assert!(staging.exists(), "what is not a revision is left alone");
    }

    #[test]
    fn a_shard_without_pointer_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::init(dir.path()).unwrap();
        let shard = cache.shard(Bucket::Sdists, &["path", "abc"]).unwrap();
        let id = new_revision_id();
        std::fs::create_dir_all(shard.join(&id)).unwrap();
        assert_eq!(cache.remove_superseded(&shard).unwrap().files, 0);
        assert!(shard.join(&id).exists());
        assert!(
            cache.remove_superseded(dir.path()).is_err(),
            "the root is no shard"
        );
    }

    const TIMEOUT: Duration = Duration::from_secs(5);

    fn write(path: &Path, data: &[u8]) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, data).unwrap();
    }

    #[test]
    fn a_git_shards_commits_are_never_pruned() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::init(dir.path()).unwrap();
        let shard = cache.git_shard("file:///r", false).unwrap();
        drop(cache.lock_shard(&shard, TIMEOUT).unwrap());
        // One commit prefix is all hex digits; one has the shape of a revision id too.
        let commits = ["0123456789abcdef", "abcdefabcdef2345"];
        assert!(is_revision_id(commits[1]));
        for commit in commits {
            write(&shard.join(commit).join("src").join("uv.lock"), b"pins");
            write(&shard.join(commit).join("cfg").join("METADATA"), b"m");
        }
        let leftover = shard
            .join(commits[0])
            .join("cfg")
            .join(format!("{TEMP_PREFIX}x"));
        write(&leftover, b"half written");

        cache.prune(TIMEOUT).unwrap();

        for commit in commits {
            assert!(shard.join(commit).join("src").join("uv.lock").is_file());
            assert!(shard.join(commit).join("cfg").join("METADATA").is_file());
        }
        assert!(!leftover.exists());
        assert!(
            lock_path_of(&shard).is_file(),
            "the shard is there: its lock stays"
        );
    }

    #[test]
    fn a_live_revisions_tree_is_never_touched() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::init(dir.path()).unwrap();
        let shard = cache.shard(Bucket::Sdists, &["url", "abc"]).unwrap();
        drop(cache.lock_shard(&shard, TIMEOUT).unwrap());
        let id = new_revision_id();
        let tree = shard.join(&id).join("src");
        write(&tree.join("uv.lock"), b"the project's own file");
        write(&tree.join(format!("{TEMP_PREFIX}y")), b"the project's too");
        write(
            &shard.join(&id).join(format!("{TEMP_PREFIX}z")),
            b"leftover",
        );
        cache.commit_revision(&shard, &id).unwrap();

        cache.prune(TIMEOUT).unwrap();

        assert!(tree.join("uv.lock").is_file());
        assert!(tree.join(format!("{TEMP_PREFIX}y")).is_file());
        assert!(!shard.join(&id).join(format!("{TEMP_PREFIX}z")).exists());
    }

    #[test]
    fn databases_no_git_shard_names_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::init(dir.path()).unwrap();
        let used = cache.git_db("file:///used").unwrap();
        let unused = cache.git_db("file:///unused").unwrap();
        for db in [&used, &unused] {
            drop(cache.lock_shard(db, TIMEOUT).unwrap());
            write(&db.join("HEAD"), b"ref: refs/heads/main\n");
        }
        std::fs::create_dir_all(cache.git_no_hooks()).unwrap();
        let shard = cache.git_shard("file:///used", false).unwrap();
        crate::git::link_database(&cache, &shard, "file:///used").unwrap();
        let link = names::git_database_link(&shard);
        assert_eq!(
            std::fs::read_to_string(&link).unwrap().trim(),
            used.file_name().unwrap().to_str().unwrap()
        );

        cache.prune(TIMEOUT).unwrap();

        assert!(used.join("HEAD").is_file() && lock_path_of(&used).is_file());
        assert!(!unused.exists() && !lock_path_of(&unused).exists());
        assert!(cache.git_no_hooks().is_dir());

        std::fs::remove_dir_all(&shard).unwrap();
        cache.prune(TIMEOUT).unwrap();
        assert!(!used.exists() && !lock_path_of(&used).exists());
    }

    #[test]
    fn only_a_git_shard_is_linked() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::init(dir.path()).unwrap();
        let url = cache.url_shard("https://h/x.tar.gz").unwrap();
        assert!(crate::git::link_database(&cache, &url, "file:///r").is_err());
        let outside = dir.path().join("..").join("elsewhere");
        assert!(crate::git::link_database(&cache, &outside, "file:///r").is_err());
    }
}
