//! Receiving a body in the form the caller wants, and finding it again in the cache.
//!
//! - bytes: kept in memory, stored inline in the entry;
//! - parsed: kept in memory, turned by the caller's [`Parser`] into the payload stored
//!   inline (an index page becomes its archived project), checked again on every read
//!   of the entry from disk;
//! - a file: streamed to a temporary file beside the entry while hashed, renamed to
//!   `<entry>.<random>.body` once complete and checked;
//! - a revision: streamed straight into the extractor (hashing, checking, writing in
//!   one pass) into `<shard>/<new revision id>/src`.
//!
//! A body that breaks off is reported as [`ReceiveError::Broken`] after whatever it
//! had written was removed, so the retry starts clean and nothing partial is kept.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use reqwest::Response;

use super::body::BodyReader;
use super::entry::Entry;
use super::exchange::ReceiveError;
use super::policy::{ArchivedBody, ArchivedRecord, Body};
use super::transport::Transport;
use super::Error;
use crate::archive::hashing::{check_expected, Hashes};
use crate::archive::{self, ExtractOptions, Extracted, HashAlgorithm};
use crate::cache::{new_revision_id, TEMP_PREFIX};

/// Turns a response body into the payload kept for it, and checks a kept payload.
#[derive(Clone)]
pub struct Parser {
    /// `(context, body, Content-Type, final URL)` → `(payload, warnings)`, or why the
    /// body is unusable.
    #[allow(clippy::type_complexity)]
    pub parse: fn(&str, &[u8], Option<&str>, &url::Url) -> Result<(Vec<u8>, Vec<String>), String>,
    /// Whether a payload read back from the cache is sound (else the entry is healed).
    pub check: fn(&[u8]) -> bool,
    /// What the caller knows that the response does not say (an index page: the
    /// project's name).
    pub context: String,
}

impl std::fmt::Debug for Parser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Parser")
    }
}

/// The form a body is wanted in.
#[derive(Debug, Clone)]
pub enum Want {
    Bytes,
    /// Bytes made into a payload by a parser.
    Parsed(Parser),
    /// A file; the digests it must have.
    File {
        expected: Vec<(HashAlgorithm, String)>,
    },
    /// Extracted into a new revision of the shard that holds the entry.
    Revision {
        options: ExtractOptions,
    },
}

/// A body held in memory: as received, or the payload of a cached entry (not copied).
#[derive(Clone)]
pub enum Payload {
    Owned(Vec<u8>),
    Cached(Arc<Entry>),
}

impl Payload {
    pub fn as_slice(&self) -> &[u8] {
        match self {
            Payload::Owned(bytes) => bytes,
            Payload::Cached(entry) => entry.payload(),
        }
    }
}

impl std::fmt::Debug for Payload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Payload({} bytes)", self.as_slice().len())
    }
}

/// A received (or cached) body.
#[derive(Debug)]
pub enum Received {
    Bytes(Payload),
    /// A parsed body, and what the parser warned of (nothing when from the cache).
    Parsed {
        payload: Payload,
        warnings: Vec<String>,
    },
    File {
        path: PathBuf,
        len: u64,
        sha256: String,
    },
    Revision {
        id: String,
        sha256: String,
        /// What the extraction did (`None` when the revision came from the cache).
        extracted: Option<Extracted>,
    },
}

/// Receives `response`'s body for the entry at `entry`.
pub fn receive(
    transport: &Transport,
    response: Response,
    entry: &Path,
    want: &Want,
) -> Result<Received, ReceiveError> {
    match want {
        Want::Bytes => Ok(Received::Bytes(Payload::Owned(read_all(
            transport, response,
        )?))),
        Want::Parsed(parser) => {
            let url = response.url().clone();
            let content_type = response
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let bytes = read_all(transport, response)?;
            match (parser.parse)(&parser.context, &bytes, content_type.as_deref(), &url) {
                Ok((payload, warnings)) => Ok(Received::Parsed {
                    payload: Payload::Owned(payload),
                    warnings,
                }),
                Err(message) => Err(ReceiveError::Fatal(Error::Unusable {
                    url: super::auth::redact(url.as_str()),
                    message,
                })),
            }
        }
        Want::File { expected } => to_file(transport, response, entry, expected),
        Want::Revision { options } => {
            let shard = entry.parent().unwrap_or(entry);
            let id = new_revision_id();
            let revision = shard.join(&id);
            let extracted = extract_to(transport, response, &revision.join("src"), options);
            if extracted.is_err() {
                let _ = std::fs::remove_dir_all(&revision);
            }
            let extracted = extracted?;
            Ok(Received::Revision {
                id,
                sha256: extracted.hashes[0].1.clone(),
                extracted: Some(extracted),
            })
        }
    }
}

/// The whole body in memory.
fn read_all(transport: &Transport, response: Response) -> Result<Vec<u8>, ReceiveError> {
    let mut bytes = Vec::new();
    BodyReader::new(transport, response)
        .read_to_end(&mut bytes)
        .map_err(|err| ReceiveError::Broken(err.to_string()))?;
    Ok(bytes)
}

/// Streams the body into the extractor, writing `dest`.
pub fn extract_to(
    transport: &Transport,
    response: Response,
    dest: &Path,
    options: &ExtractOptions,
) -> Result<Extracted, ReceiveError> {
    let label = PathBuf::from(super::auth::redact(response.url().as_str()));
    let mut reader = BodyReader::new(transport, response);
    match archive::extract_reader(&mut reader, &label, dest, options) {
        Ok(extracted) => Ok(extracted),
        Err(_) if reader.failure().is_some() => Err(ReceiveError::Broken(
            reader.failure().unwrap_or_default().to_owned(),
        )),
        Err(source) => Err(ReceiveError::Fatal(Error::Archive {
            url: label.display().to_string(),
            source,
        })),
    }
}

fn to_file(
    transport: &Transport,
    response: Response,
    entry: &Path,
    expected: &[(HashAlgorithm, String)],
) -> Result<Received, ReceiveError> {
    let dir = entry.parent().unwrap_or(Path::new("."));
    let fatal = |err: io::Error| ReceiveError::Fatal(Error::io(dir, err));
    std::fs::create_dir_all(dir).map_err(fatal)?;
    let mut temp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .tempfile_in(dir)
        .map_err(fatal)?;
    let algorithms: Vec<HashAlgorithm> = expected.iter().map(|(a, _)| *a).collect();
    let mut hashes = Hashes::new(&algorithms);
    let mut reader = BodyReader::new(transport, response);
    let mut buffer = vec![0; 256 * 1024];
    let mut len = 0u64;
    loop {
        let n = match reader.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(err) => return Err(ReceiveError::Broken(err.to_string())),
        };
        hashes.update(&buffer[..n]);
        temp.write_all(&buffer[..n]).map_err(fatal)?;
        len += n as u64;
    }
    let digests = hashes.finish();
    check_expected(&digests, expected).map_err(|err| {
        ReceiveError::Fatal(Error::Archive {
            url: entry.display().to_string(),
            source: err,
        })
    })?;
    temp.as_file().sync_data().map_err(fatal)?;
    let name = format!(
        "{}.{}.body",
        entry.file_name().unwrap_or_default().to_string_lossy(),
        new_revision_id()
    );
    let path = dir.join(name);
    temp.persist(&path)
        .map_err(|err| ReceiveError::Fatal(Error::io(&path, err.error)))?;
    Ok(Received::File {
        path,
        len,
        sha256: digests[0].1.clone(),
    })
}

/// Whether the body an entry names is there, of the wanted form, with the wanted hash.
pub fn body_present(record: &ArchivedRecord, entry: &Path, want: &Want) -> bool {
    let sha256_ok = |stored: &str, expected: &[(HashAlgorithm, String)]| {
        expected.iter().all(|(algorithm, digest)| {
            *algorithm == HashAlgorithm::Sha256 && digest.trim().eq_ignore_ascii_case(stored)
        })
    };
    match (&record.body, want) {
        (ArchivedBody::Inline, Want::Bytes) => true,
        (ArchivedBody::Parsed, Want::Parsed(_)) => true,
        (ArchivedBody::File { name, len, sha256 }, Want::File { expected }) => {
            std::fs::metadata(entry.with_file_name(name.as_str()))
                .is_ok_and(|m| m.is_file() && m.len() == len.to_native())
                && sha256_ok(sha256.as_str(), expected)
        }
        (ArchivedBody::Revision { id, sha256 }, Want::Revision { options }) => {
            let shard = entry.parent().unwrap_or(entry);
            shard.join(id.as_str()).join("src").is_dir()
                && sha256_ok(sha256.as_str(), &options.expected)
        }
        _ => false,
    }
}

/// The body of a cached entry (its presence checked by [`body_present`]).
pub fn stored(found: &Arc<Entry>, entry: &Path) -> Received {
    match &found.record().body {
        ArchivedBody::Inline => Received::Bytes(Payload::Cached(found.clone())),
        ArchivedBody::Parsed => Received::Parsed {
            payload: Payload::Cached(found.clone()),
            warnings: Vec::new(),
        },
        ArchivedBody::File { name, len, sha256 } => Received::File {
            path: entry.with_file_name(name.as_str()),
            len: len.to_native(),
            sha256: sha256.as_str().to_owned(),
        },
        ArchivedBody::Revision { id, sha256 } => Received::Revision {
            id: id.as_str().to_owned(),
            sha256: sha256.as_str().to_owned(),
            extracted: None,
        },
    }
}

/// The record's `Body` for a received body, and the payload stored inline.
pub fn body_of(received: &Received) -> (Body, &[u8]) {
    match received {
        Received::Bytes(bytes) => (Body::Inline, bytes.as_slice()),
        Received::Parsed { payload, .. } => (Body::Parsed, payload.as_slice()),
        Received::File { path, len, sha256 } => (
            Body::File {
                name: path
                    .file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned(),
                len: *len,
                sha256: sha256.clone(),
            },
            &[],
        ),
        Received::Revision { id, sha256, .. } => (
            Body::Revision {
                id: id.clone(),
                sha256: sha256.clone(),
            },
            &[],
        ),
    }
}

/// Removes the body file a replaced entry pointed to (revisions stay until `prune`).
pub fn discard_old_body(old: &ArchivedRecord, entry: &Path, new: &Body) {
    if let ArchivedBody::File { name, .. } = &old.body {
        let still_used = matches!(new, Body::File { name: n, .. } if n == name.as_str());
        if !still_used {
            let _ = std::fs::remove_file(entry.with_file_name(name.as_str()));
        }
    }
}
