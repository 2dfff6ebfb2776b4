//! A commit's tree for a build: a clone of the database, checked out at the commit,
//! with its submodules, made in `tmp/` and renamed into place.

use std::fs;
use std::path::Path;

use super::command::args;
use super::database::Database;
use super::rev::{is_full_commit, Remote};
use super::Error;
use crate::cache::Cache;

/// Checks out `commit` of the repository at `url` (without `git+`) into `dest`, which
/// must not exist or be an empty directory. The commit must be in the database already ([`super::resolve`]).
///
/// The tree keeps its `.git` (versioning plugins read it): a clone of the database with
/// every tag, so `git describe` answers; its objects are hard links or copies, not
/// `--shared` alternates, so a database that is later healed or pruned cannot break a
/// checkout. Its `origin` is the repository's URL without credentials, so relative
/// submodule URLs resolve as they do upstream. `lfs`: smudge LFS files (else their
/// pointer files are checked out); `git lfs` must then be installed.
pub fn checkout(
    cache: &Cache,
    url: &str,
    commit: &str,
    dest: &Path,
    lfs: bool,
) -> Result<(), Error> {
    let remote = Remote::parse(url)?;
    if !is_full_commit(commit) {
        return Err(Error::InvalidRev {
            rev: commit.to_owned(),
            reason: "a checkout needs a full commit id (40 hex digits)",
        });
    }
    let commit = commit.to_ascii_lowercase();
    if dest.exists() && !is_empty_dir(dest) {
        return Err(Error::DestinationExists(dest.to_path_buf()));
    }
    let staging = cache.temp_dir()?;
    let result = make(cache, &remote, &commit, &staging.join("tree"), lfs).and_then(|()| {
        if let Some(parent) = dest.parent() {
            fs::create_dir_all(parent).map_err(|err| Error::io(parent, err))?;
        }
        fs::rename(staging.join("tree"), dest).map_err(|err| match err.kind() {
            std::io::ErrorKind::AlreadyExists | std::io::ErrorKind::DirectoryNotEmpty => {
                Error::DestinationExists(dest.to_path_buf())
            }
            _ => Error::io(dest, err),
        })
    });
    let _ = fs::remove_dir_all(&staging);
    result
}

fn make(cache: &Cache, remote: &Remote, commit: &str, tree: &Path, lfs: bool) -> Result<(), Error> {
    let database = Database::open(cache, remote)?;
    let git = database.git.clone().with_lfs(lfs);
    if lfs && git.run(None, args!["lfs", "version"]).is_err() {
        return Err(Error::LfsMissing);
    }
    if !database.has_commit(commit)? {
        return Err(Error::RevNotFound {
            rev: commit.to_owned(),
            url: crate::url::redact(&remote.url),
            tried: "commit in the cache's database (resolve it first)".to_owned(),
        });
    }
    git.run(
        None,
        args![
            "clone",
            "--no-checkout",
            "--quiet",
            "--",
            database.path,
            tree
        ],
    )?;
    drop(database);
    git.run(Some(tree), args!["config", "remote.origin.url", remote.url])?;
    git.run(
        Some(tree),
        args!["checkout", "--quiet", "--detach", commit, "--"],
    )?;
    if tree.join(".gitmodules").is_file() {
        git.for_submodules(remote.is_file).run(
            Some(tree),
            args!["submodule", "--quiet", "update", "--init", "--recursive"],
        )?;
    }
    Ok(())
}

fn is_empty_dir(path: &Path) -> bool {
    fs::read_dir(path).is_ok_and(|mut entries| entries.next().is_none())
}
