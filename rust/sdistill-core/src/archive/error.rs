use std::io;
use std::path::PathBuf;

/// Errors of the archive module.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An operating-system call failed on `path` (reading the archive or writing the tree).
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
    /// A member was refused: extracting it could write outside the destination, or it is
    /// not a plain file, directory or safe link, or it breaks a limit.
    #[error("refused archive member {member:?}: {reason}")]
    Unsafe { member: String, reason: String },
    /// Not an archive format sdistill reads, or a feature of one that it does not support.
    #[error("unsupported archive: {reason}")]
    Unsupported { reason: String },
    /// The archive is damaged: truncated, corrupt, or inconsistent with itself.
    #[error("corrupt archive{}: {reason}", member.as_ref().map(|m| format!(" (member {m:?})")).unwrap_or_default())]
    Corrupt {
        member: Option<String>,
        reason: String,
    },
    /// The archive's bytes do not have the expected hash.
    #[error("hash mismatch: expected {algorithm}:{expected}, got {algorithm}:{actual}")]
    HashMismatch {
        algorithm: &'static str,
        expected: String,
        actual: String,
    },
    /// `strip_top_level` was asked for, but the archive has not exactly one top-level
    /// directory.
    #[error("cannot strip the top-level directory: {0}")]
    TopLevel(String),
    /// A hash algorithm sdistill does not know.
    #[error("unknown hash algorithm {0:?} (known: sha256, sha384, sha512, md5)")]
    UnknownHash(String),
    /// The destination exists and is not an empty directory.
    #[error("{}: destination already exists and is not an empty directory", .0.display())]
    DestinationExists(PathBuf),
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn unsafe_member(member: &str, reason: impl Into<String>) -> Self {
        Error::Unsafe {
            member: member.to_owned(),
            reason: reason.into(),
        }
    }

    pub(crate) fn corrupt(member: Option<&str>, reason: impl Into<String>) -> Self {
        Error::Corrupt {
            member: member.map(str::to_owned),
            reason: reason.into(),
        }
    }

    pub(crate) fn unsupported(reason: impl Into<String>) -> Self {
        Error::Unsupported {
            reason: reason.into(),
        }
    }

    /// A read error of the archive stream: data errors and early ends are corruption,
    /// the rest is an I/O failure on the archive.
    pub(crate) fn reading(archive: &std::path::Path, member: Option<&str>, err: io::Error) -> Self {
        match err.kind() {
            io::ErrorKind::UnexpectedEof => {
                Error::corrupt(member, "unexpected end of archive (truncated?)")
            }
            io::ErrorKind::InvalidData | io::ErrorKind::InvalidInput | io::ErrorKind::Other => {
                Error::corrupt(member, err.to_string())
            }
            _ => Error::io(archive, err),
        }
    }
}
