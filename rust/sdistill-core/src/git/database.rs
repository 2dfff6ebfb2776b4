//! The bare database of one repository: opened (made when missing or broken) under its
//! lock, and the git calls made inside it.

use std::fs;
use std::path::{Path, PathBuf};

use super::askpass::{Askpass, AskpassDir};
use super::command::{args, Git};
use super::rev::Remote;
use super::Error;
use crate::cache::{Cache, LockGuard};

/// Where the commit of the remote's default branch is recorded, for offline use.
pub(crate) const DEFAULT_REF: &str = "refs/sdistill/default";

/// An open database, locked for as long as this lives.
#[derive(Debug)]
pub(crate) struct Database<'a> {
    pub(crate) path: PathBuf,
    pub(crate) git: Git,
    pub(crate) remote: &'a Remote,
    cache: &'a Cache,
    _askpass: Option<AskpassDir>,
    _lock: LockGuard,
}

impl<'a> Database<'a> {
    /// Locks the repository's database and makes it if it is missing or has no `HEAD`.
    pub(crate) fn open(cache: &'a Cache, remote: &'a Remote) -> Result<Database<'a>, Error> {
        let path = cache.git_db(&remote.url)?;
        for dir in [cache.git_dbs(), cache.git_no_hooks()] {
            fs::create_dir_all(&dir).map_err(|err| Error::io(&dir, err))?;
        }
        let lock = cache.lock_shard_default(&path)?;
        let (askpass, askpass_dir) = match &remote.login {
            Some(login) => {
                let (askpass, dir) = Askpass::write(cache, login)?;
                (Some(askpass), Some(dir))
            }
            None => (None, None),
        };
        let git = Git::new(cache.git_no_hooks()).with_askpass(askpass);
        let database = Database {
            path,
            git,
            remote,
            cache,
            _askpass: askpass_dir,
            _lock: lock,
        };
        if !database.path.join("HEAD").is_file() {
            database.remake()?;
        }
        Ok(database)
    }

    /// Removes the database (whatever is left of it) and makes an empty one: `git init
    /// --bare` in `tmp/`, renamed into place.
    pub(crate) fn remake(&self) -> Result<(), Error> {
        remove_dir(&self.path)?;
        let staging = self.cache.temp_dir()?;
        let made = staging.join("db");
        let result = self
            .git
            .run(
                None,
                args!["init", "--bare", "--quiet", "--template=", "--", made],
            )
            .and_then(|_| fs::rename(&made, &self.path).map_err(|err| Error::io(&self.path, err)));
        let _ = fs::remove_dir_all(&staging);
        result
    }

    /// `git <args>` inside the database.
    pub(crate) fn run(&self, args: &[&std::ffi::OsStr]) -> Result<Vec<u8>, Error> {
        self.git.run(Some(&self.path), args)
    }

    /// Whether the commit is in the database (no network).
    pub(crate) fn has_commit(&self, commit: &str) -> Result<bool, Error> {
        let object = format!("{commit}^{{commit}}");
        self.git.check(
            Some(&self.path),
            args!["cat-file", "-e", "--end-of-options", object],
        )
    }

    /// The commit `name` (a ref, a commit prefix) names in the database, if any.
    pub(crate) fn local_commit(&self, name: &str) -> Result<Option<String>, Error> {
        let object = format!("{name}^{{commit}}");
        let output = self.git.run(
            Some(&self.path),
            args![
                "rev-parse",
                "--verify",
                "--quiet",
                "--end-of-options",
                object
            ],
        );
        match output {
            Ok(stdout) => Ok(Some(String::from_utf8_lossy(&stdout).trim().to_owned())),
            Err(err) if err.is_corrupt() => Err(err),
            Err(Error::Command { .. }) => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// The commit the database's ref `name` (a checked ref name, `refs/...`) holds, read
    /// from its files without running git: the loose ref, else its line in
    /// `packed-refs`. `None` when there is none, or it is not a plain 40-hex id.
    pub(crate) fn recorded(&self, name: &str) -> Option<String> {
        let is_commit =
            |text: &str| text.len() == 40 && text.bytes().all(|b| b.is_ascii_hexdigit());
        if let Ok(text) = fs::read_to_string(self.path.join(name)) {
            let text = text.trim();
            return is_commit(text).then(|| text.to_ascii_lowercase());
        }
        let packed = fs::read_to_string(self.path.join("packed-refs")).ok()?;
        packed.lines().find_map(|line| {
            let (commit, refname) = line.split_once(' ')?;
            (refname == name && is_commit(commit)).then(|| commit.to_ascii_lowercase())
        })
    }

    /// Records `commit` under `name` in the database (no network).
    pub(crate) fn set_ref(&self, name: &str, commit: &str) -> Result<(), Error> {
        self.run(args!["update-ref", "--no-deref", "--", name, commit])
            .map(drop)
    }

    /// `git fetch` of `refspecs` with every tag, full history.
    pub(crate) fn fetch(&self, refspecs: &[&str]) -> Result<(), Error> {
        let mut all: Vec<&std::ffi::OsStr> = args![
            "fetch",
            "--quiet",
            "--tags",
            "--force",
            "--update-head-ok",
            "--no-write-fetch-head",
            "--end-of-options",
            self.remote.url,
        ]
        .to_vec();
        all.extend(refspecs.iter().map(std::ffi::OsStr::new));
        self.run(&all).map(drop)
    }

    /// Every branch and tag.
    pub(crate) fn fetch_all(&self) -> Result<(), Error> {
        self.fetch(&["+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"])
    }
}

pub(crate) fn remove_dir(path: &Path) -> Result<(), Error> {
    match fs::remove_dir_all(path) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(err) => Err(Error::io(path, err)),
    }
}
