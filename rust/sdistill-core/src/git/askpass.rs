//! Credentials written in a repository URL, given to git without a command line or a
//! config file seeing them.
//!
//! git is called with the URL stripped of its userinfo. When the server asks for a
//! login, git runs `GIT_ASKPASS`: a small script that sdistill writes into its own
//! `tmp/` (mode 0700, removed with its directory when the operation ends) and that
//! prints `SDISTILL_GIT_USERNAME` or `SDISTILL_GIT_PASSWORD`. Those variables are set
//! only in the environment of the git process of that operation. The script answers
//! only prompts for the URL's own host, so a redirect or a submodule on another host
//! never receives them. The user's credential helpers are reset for that process
//! (`-c credential.helper=`): credentials in the URL win over stored ones, and nothing
//! is stored.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::Error;
use crate::cache::Cache;

const SCRIPT: &str = r#"#!/bin/sh
# sdistill: answers git's login prompts for one host, from this process's environment.
case "$1" in
  *"//$SDISTILL_GIT_HOST'"*|*"@$SDISTILL_GIT_HOST'"*) ;;
  *) exit 1 ;;
esac
case "$1" in
  Username*) printf '%s\n' "$SDISTILL_GIT_USERNAME" ;;
  Password*) printf '%s\n' "$SDISTILL_GIT_PASSWORD" ;;
  *) exit 1 ;;
esac
"#;

/// A URL's login: the host it is for, user name and password (percent-decoded).
#[derive(Clone, PartialEq, Eq)]
pub struct Login {
    pub host: String,
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for Login {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Login")
            .field("host", &self.host)
            .finish_non_exhaustive()
    }
}

/// The helper script of one operation and the login it answers with.
#[derive(Debug, Clone)]
pub(crate) struct Askpass {
    script: PathBuf,
    login: Login,
}

/// The staging directory holding the script; removed when dropped.
#[derive(Debug)]
pub(crate) struct AskpassDir(PathBuf);

impl Drop for AskpassDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

impl Askpass {
    /// Writes the helper into a new directory of the cache's `tmp/`.
    pub(crate) fn write(cache: &Cache, login: &Login) -> Result<(Askpass, AskpassDir), Error> {
        let dir = AskpassDir(cache.temp_dir()?);
        let script = dir.0.join("askpass");
        write_executable(&script)?;
        let askpass = Askpass {
            script,
            login: login.clone(),
        };
        Ok((askpass, dir))
    }

    pub(crate) fn apply(&self, command: &mut Command) {
        command
            .env("GIT_ASKPASS", &self.script)
            .env("SDISTILL_GIT_HOST", &self.login.host)
            .env("SDISTILL_GIT_USERNAME", &self.login.username)
            .env("SDISTILL_GIT_PASSWORD", &self.login.password)
            .arg("-c")
            .arg("credential.helper=");
    }
}

fn write_executable(path: &Path) -> Result<(), Error> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o700);
    }
    let mut file = options.open(path).map_err(|err| Error::io(path, err))?;
    file.write_all(SCRIPT.as_bytes())
        .map_err(|err| Error::io(path, err))
}
