use std::path::PathBuf;

/// Errors of the git module. Every URL and command in a message is redacted.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No `git` executable could be started.
    #[error("git is not installed or not on PATH")]
    GitMissing,
    /// LFS content was asked for and `git lfs` does not run.
    #[error("git-lfs is not installed (LFS content was asked for); install git-lfs or do not ask for LFS")]
    LfsMissing,
    /// A git command failed.
    #[error("`{command}` failed{}:\n{stderr_tail}", code.map(|c| format!(" with exit code {c}")).unwrap_or_default())]
    Command {
        command: String,
        code: Option<i32>,
        stderr_tail: String,
    },
    /// A rev that is refused before git runs.
    #[error("invalid git rev {rev:?}: {reason}")]
    InvalidRev { rev: String, reason: &'static str },
    /// A repository URL that is refused before git runs (redacted).
    #[error("invalid git repository URL {url:?}: {reason}")]
    InvalidUrl { url: String, reason: &'static str },
    /// The rev names nothing in the repository; `tried` lists the forms looked for.
    #[error("git rev {rev:?} not found in {url} (tried: {tried})")]
    RevNotFound {
        rev: String,
        url: String,
        tried: String,
    },
    /// Offline, and the database does not hold what was asked for.
    #[error("offline: git rev {rev:?} of {url} is not in the cache")]
    Offline { rev: String, url: String },
    /// A checkout's destination exists already.
    #[error("{0}: the checkout destination already exists and is not an empty directory")]
    DestinationExists(PathBuf),
    /// An operating-system call failed on `path`.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The cache could not be used (a lock timed out, …).
    #[error(transparent)]
    Cache(#[from] crate::cache::Error),
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// Whether git reported the repository itself broken (as opposed to a network or
    /// server failure): the database is then made again.
    pub(crate) fn is_corrupt(&self) -> bool {
        const SIGNS: [&str; 9] = [
            "corrupt",
            "not a git repository",
            "bad object",
            "unable to read",
            "fatal: packed object",
            "missing blob",
            "broken link",
            "did not send all necessary objects",
            "invalid object",
        ];
        match self {
            Error::Command { stderr_tail, .. } => {
                let lower = stderr_tail.to_ascii_lowercase();
                SIGNS.iter().any(|sign| lower.contains(sign))
            }
            _ => false,
        }
    }
}
