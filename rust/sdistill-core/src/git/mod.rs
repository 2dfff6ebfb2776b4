//! Git repositories: a rev resolved to a commit, and a commit checked out for a build.
//!
//! sdistill runs the machine's `git` (users' SSH agents, credential helpers, proxies and
//! `url.<base>.insteadOf` rules then work as they do for git itself), never through a
//! shell. Everything a user wrote — a URL, a rev — is hostile until checked, and so is
//! every repository fetched. The rules, and where they are kept:
//!
//! # Nothing a user wrote is read as an option or a transport ([`rev`])
//!
//! A rev or URL that begins with `-`, holds whitespace or control characters, or is not
//! a valid ref name (`git check-ref-format --allow-onelevel`, implemented here) is
//! refused before git runs. A URL's transport is https, http, ssh or file; `ext::` and
//! `fd::` remote helpers are refused, and also disabled inside git
//! (`protocol.ext.allow=never`, `protocol.fd.allow=never`, `GIT_ALLOW_PROTOCOL`). On
//! every command line user data comes after `--end-of-options` or `--`, or as a
//! refspec whose source is a checked ref name.
//!
//! # git works only where sdistill says ([`command`])
//!
//! Every `GIT_*` variable of the caller is removed except those that say how to reach a
//! server or how to trace (`GIT_SSH*`, `GIT_SSL_*`, `GIT_HTTP_*`, `GIT_PROXY_*`,
//! `GIT_CURL_*`, `GIT_TRACE*`, `GIT_CONFIG_GLOBAL`, `GIT_EXEC_PATH`): `GIT_DIR`,
//! `GIT_WORK_TREE`, `GIT_INDEX_FILE`, `GIT_OBJECT_DIRECTORY`,
//! `GIT_ALTERNATE_OBJECT_DIRECTORIES`, `GIT_COMMON_DIR`, `GIT_NAMESPACE`,
//! `GIT_CONFIG_PARAMETERS` and the rest never point git at a user's repository. git
//! runs with `-C` on a database or checkout of the cache. Hooks never run:
//! `core.hooksPath` is `git-v1/no-hooks`, an empty directory sdistill owns (a fetched
//! repository's own hooks are never fetched in the first place); `core.fsmonitor=false`.
//!
//! # Config: the user's global config is kept, the system's is not
//!
//! `GIT_CONFIG_NOSYSTEM=1`. The user's global config (`~/.gitconfig`, or
//! `GIT_CONFIG_GLOBAL`) is read: it holds the credential helpers, `insteadOf` rewrites
//! and proxies that make private repositories reachable, which is what a user expects
//! when they can `git clone` the URL themselves. The settings that matter for safety are
//! given with `-c`, which wins over every config file.
//!
//! # Nothing waits for a password
//!
//! `GIT_TERMINAL_PROMPT=0`, `GIT_ASKPASS` empty (git skips it, and with prompts off a
//! missing login fails at once), stdin closed, and ssh in batch mode:
//! `GIT_SSH_COMMAND="ssh -o BatchMode=yes"`, or the user's own `GIT_SSH_COMMAND` with
//! `-o BatchMode=yes` appended (a `core.sshCommand` in the user's config is then not
//! used; a user who set only `GIT_SSH` keeps that program as it is).
//!
//! # Credentials in a URL ([`askpass`])
//!
//! Never stored in the database's config (fetches name the URL, there is no remote),
//! never on a command line, never in a path (the database is keyed by the URL without
//! them), redacted in every error: git gets the URL without its userinfo and asks an
//! askpass script sdistill writes for the operation, which answers from variables set
//! only in that git process's environment, and only for the URL's host.
//!
//! # One database per repository ([`database`], [`resolve`])
//!
//! `git-v1/db/<digest(git+url)>`, bare, made by `git init --bare` in `tmp/` and renamed
//! in, fetched under its lock (`<db>.lock`), so two processes on one cold repository
//! fetch once. Fetches bring full history and every tag (setuptools-scm and hatch-vcs
//! compute versions from them) but only the refs the rev needs. A full commit already
//! present makes no network request; a branch or tag makes one `ls-remote` round trip,
//! and fetches only when its commit is missing. A database git reports corrupt (or
//! without `HEAD`) is removed and made again, once.
//!
//! A git shard names the database its commits come from in `<shard>/repository`
//! ([`link_database`], written under the shard's lock when a revision is made), and
//! `cache prune` removes every database no git shard names (`cache/prune.rs`).
//!
//! # Errors ([`error`])
//!
//! A failed git command is [`Error::Command`]: the command line, its exit code and the
//! last 20 non-blank lines of its stderr, every one redacted (Python's `GitError` has
//! them as `command`, `returncode` and `stderr`). A rev that names nothing is
//! [`Error::RevNotFound`], which lists the forms looked for (`branch refs/heads/X, tag
//! refs/tags/X`, then `ref X` for a `refs/…` rev and `commit prefix` for 7 to 39 hex
//! digits; a full commit is looked for as a commit only).
//!
//! # A checkout ([`checkout`])
//!
//! Cloned from the database into `tmp/`, checked out detached at the commit, submodules
//! updated recursively with transports restricted again (file URLs only when the
//! top-level URL is a file URL), then renamed into place: a killed process leaves
//! nothing half made where a build looks. LFS files stay pointers
//! (`GIT_LFS_SKIP_SMUDGE=1`) unless asked for; then the LFS filter is defined on the
//! command line (the only filter ever defined: a repository's `.gitattributes` can
//! name filters but not define them), `git-lfs` fetches the content from the
//! repository's URL as the checkout is made, and a missing `git-lfs` is
//! [`Error::LfsMissing`] before anything is cloned.

mod askpass;
mod checkout;
mod command;
mod database;
mod error;
mod resolve;
mod rev;

pub use askpass::Login;
pub use checkout::checkout;
pub use error::Error;
pub use resolve::{resolve, Resolved};
pub use rev::{Remote, Rev};

use crate::cache::{Bucket, ShardKind};

/// Records in the git shard `shard` that its commits come from the database of `url`
/// (without `git+`): `<shard>/repository` holds the database's directory name, so
/// `cache prune` keeps that database while the shard exists. Written atomically (the
/// shard is made if missing); call it holding the shard's lock, which holds the root
/// shared, so no `prune` runs between a fetch and this record.
pub fn link_database(
    cache: &crate::cache::Cache,
    shard: &std::path::Path,
    url: &str,
) -> Result<(), Error> {
    let remote = Remote::parse(url)?;
    let database = cache.git_db(&remote.url)?;
    let shard = cache.inside(shard)?;
    let shards = cache.bucket(Bucket::Sdists).join(ShardKind::Git.dir_name());
    if shard.parent() != Some(shards.as_path()) {
        return Err(crate::cache::Error::InvalidComponent(shard.display().to_string()).into());
    }
    std::fs::create_dir_all(&shard).map_err(|err| Error::io(&shard, err))?;
    let name = database.file_name().unwrap_or_default().to_string_lossy();
    let link = crate::cache::names::git_database_link(&shard);
    crate::cache::write_atomic(&link, format!("{name}\n").as_bytes())?;
    Ok(())
}

/// The database of a repository (`url` without `git+`): where it is or would be.
pub fn database_path(cache: &crate::cache::Cache, url: &str) -> Result<std::path::PathBuf, Error> {
    let remote = Remote::parse(url)?;
    Ok(cache.git_db(&remote.url)?)
}
