//! Receiving a body in the form the caller wants, and finding it again in the cache.
//!
//! - bytes: kept in memory, stored inline in the entry;
//! - parsed: kept in memory, turned by the caller's [`Parser`] into the payload stored
//!   inline (an index page becomes its archived project), checked again on every read
//!   of the entry from disk; a body above the parser's `max_size` is refused while it
//!   streams (from its `Content-Length` when it states one);
//! - a file: streamed to a temporary file beside the entry while hashed, renamed to
//!   `<entry>.<random>.body` once complete and checked;
//! - a revision: streamed straight into the extractor (hashing, checking, writing in
//!   one pass) into `<shard>/<new revision id>/src`. When the shard already has a live
//!   revision (a download made because its entry went stale), the body is first kept
//!   in a temporary file and hashed: equal bytes keep the live revision (like a 304,
//!   nothing is extracted, so nothing built from it is lost), other bytes are then
//!   extracted from the file into a new revision.
//!
//! A body that breaks off is reported as [`ReceiveError::Broken`] after whatever it
//! had written was removed, so the retry starts clean and nothing partial is kept. A
//! body that cannot be used (a page too large or not a page, an archive that fails a
//! check or a limit of [`crate::archive::Limits`]) is fatal and leaves nothing either:
//! no temporary file (they are removed when dropped) and no revision directory.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use reqwest::Response;
use rkyv::string::ArchivedString;

use super::body::BodyReader;
use super::entry::Entry;
use super::exchange::ReceiveError;
use super::policy::{ArchivedBody, ArchivedRecord, Body};
use super::progress::Progress;
use super::transport::Transport;
use super::Error;
use crate::archive::hashing::{check_expected, Hashes};
use crate::archive::{self, ExtractOptions, Extracted, HashAlgorithm};
use crate::cache::{new_revision_id, Revision, TEMP_PREFIX};

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
    /// The most bytes of body accepted (as received, after any transfer decoding): a
    /// larger body is refused while it streams, before it is all in memory.
    pub max_size: u64,
}

impl Parser {
    /// The same parser, refusing bodies above `max_size` bytes.
    pub fn with_max_size(mut self, max_size: u64) -> Parser {
        self.max_size = max_size;
        self
    }
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
        /// The other digests computed (`(algorithm, hex)`).
        others: Vec<(String, String)>,
    },
    Revision {
        id: String,
        sha256: String,
        others: Vec<(String, String)>,
        /// What the extraction did (`None` when the revision was kept: from the cache,
        /// or downloaded again with the same bytes).
        extracted: Option<Extracted>,
    },
}

/// Receives `response`'s body for the entry at `entry`; `previous` is the record the
/// entry held (whose revision is kept if the bytes turn out the same). `progress` hears
/// how far the body got.
pub fn receive(
    transport: &Transport,
    response: Response,
    entry: &Path,
    want: &Want,
    previous: Option<&ArchivedRecord>,
    progress: Option<&dyn Progress>,
) -> Result<Received, ReceiveError> {
    match want {
        Want::Bytes => Ok(Received::Bytes(Payload::Owned(read_all(
            transport, response, progress,
        )?))),
        Want::Parsed(parser) => {
            let url = response.url().clone();
            let content_type = response
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let bytes = read_limited(transport, response, parser.max_size, progress)?;
            match (parser.parse)(&parser.context, &bytes, content_type.as_deref(), &url) {
                Ok((payload, warnings)) => Ok(Received::Parsed {
                    payload: Payload::Owned(payload),
                    warnings,
                }),
                Err(message) => Err(ReceiveError::Fatal(Error::Unusable {
                    url: crate::url::redact(url.as_str()),
                    message,
                })),
            }
        }
        Want::File { expected } => to_file(transport, response, entry, expected, progress),
        Want::Revision { options } => {
            let shard = entry.parent().unwrap_or(entry);
            match previous.and_then(|record| live_revision(record, shard)) {
                Some((id, sha256)) => revision_unless_same(
                    transport,
                    response,
                    shard,
                    options,
                    (id, sha256),
                    progress,
                ),
                None => {
                    let id = new_revision_id();
                    let revision = Revision::new(shard, id.as_str());
                    let extracted =
                        extract_to(transport, response, &revision.tree(), options, progress);
                    let revision = revision.path();
                    if extracted.is_err() {
                        let _ = std::fs::remove_dir_all(&revision);
                    }
                    Ok(new_revision(id, extracted?))
                }
            }
        }
    }
}

fn new_revision(id: String, extracted: Extracted) -> Received {
    let (sha256, others) = split_digests(&extracted.hashes);
    Received::Revision {
        id,
        sha256,
        others,
        extracted: Some(extracted),
    }
}

/// The revision a previous record names, if it is still there.
fn live_revision<'a>(record: &'a ArchivedRecord, shard: &Path) -> Option<(&'a str, &'a str)> {
    match &record.body {
        ArchivedBody::Revision { id, sha256, .. }
            if Revision::new(shard, id.as_str()).tree().is_dir() =>
        {
            Some((id.as_str(), sha256.as_str()))
        }
        _ => None,
    }
}

/// The body kept in a temporary file and hashed; if its sha256 is `live_sha256`, the
/// live revision `live_id` stays (nothing is extracted), else the file is extracted
/// into a new revision. The expected digests are checked either way.
fn revision_unless_same(
    transport: &Transport,
    response: Response,
    shard: &Path,
    options: &ExtractOptions,
    (live_id, live_sha256): (&str, &str),
    progress: Option<&dyn Progress>,
) -> Result<Received, ReceiveError> {
    let label = crate::url::redact(response.url().as_str());
    let mut algorithms = options.hashes.clone();
    algorithms.extend(options.expected.iter().map(|(algorithm, _)| *algorithm));
    let Spooled {
        file: temp,
        digests,
        ..
    } = spool(transport, response, shard, &algorithms, progress)?;
    check_expected(&digests, &options.expected).map_err(|source| {
        ReceiveError::Fatal(Error::Archive {
            url: label.clone(),
            source,
        })
    })?;
    let (sha256, others) = split_digests(&digests);
    if sha256.eq_ignore_ascii_case(live_sha256) {
        return Ok(Received::Revision {
            id: live_id.to_owned(),
            sha256,
            others,
            extracted: None,
        });
    }
    let id = new_revision_id();
    let revision = Revision::new(shard, id.as_str());
    let file = temp
        .reopen()
        .map_err(|err| ReceiveError::Fatal(Error::io(temp.path(), err)))?;
    let extracted = archive::extract_reader(
        io::BufReader::with_capacity(256 * 1024, file),
        Path::new(&label),
        &revision.tree(),
        options,
    );
    let revision = revision.path();
    match extracted {
        Ok(extracted) => Ok(new_revision(id, extracted)),
        Err(source) => {
            let _ = std::fs::remove_dir_all(&revision);
            Err(ReceiveError::Fatal(Error::Archive { url: label, source }))
        }
    }
}

/// `(sha256, the others)` of digests listed sha256 first.
fn split_digests(digests: &[(HashAlgorithm, String)]) -> (String, Vec<(String, String)>) {
    let sha256 = digests
        .iter()
        .find(|(algorithm, _)| *algorithm == HashAlgorithm::Sha256)
        .map(|(_, hex)| hex.clone())
        .unwrap_or_default();
    let others = digests
        .iter()
        .filter(|(algorithm, _)| *algorithm != HashAlgorithm::Sha256)
        .map(|(algorithm, hex)| (algorithm.name().to_owned(), hex.clone()))
        .collect();
    (sha256, others)
}

/// The whole body in memory.
fn read_all(
    transport: &Transport,
    response: Response,
    progress: Option<&dyn Progress>,
) -> Result<Vec<u8>, ReceiveError> {
    let mut bytes = Vec::new();
    BodyReader::new(transport, response, progress)
        .read_to_end(&mut bytes)
        .map_err(|err| ReceiveError::Broken(err.to_string()))?;
    Ok(bytes)
}

/// The whole body in memory, refused as soon as it is known to exceed `max_size`
/// bytes: from its `Content-Length` before reading, else while it streams (what came
/// so far is dropped, and the connection with the rest).
fn read_limited(
    transport: &Transport,
    response: Response,
    max_size: u64,
    progress: Option<&dyn Progress>,
) -> Result<Vec<u8>, ReceiveError> {
    let url = crate::url::redact(response.url().as_str());
    let too_large = |size: &str| {
        ReceiveError::Fatal(Error::Unusable {
            url: url.clone(),
            message: format!(
                "the page is {size} the limit of {max_size} bytes \
                 (SDISTILL_MAX_PAGE_SIZE); refused"
            ),
        })
    };
    if let Some(declared) = response.content_length().filter(|&n| n > max_size) {
        return Err(too_large(&format!(
            "{declared} bytes (Content-Length), above"
        )));
    }
    let mut bytes = Vec::new();
    let mut reader = BodyReader::new(transport, response, progress);
    (&mut reader)
        .take(max_size.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|err| ReceiveError::Broken(err.to_string()))?;
    if bytes.len() as u64 > max_size {
        return Err(too_large("larger than"));
    }
    reader.finish();
    Ok(bytes)
}

/// Streams the body into the extractor, writing `dest`.
pub fn extract_to(
    transport: &Transport,
    response: Response,
    dest: &Path,
    options: &ExtractOptions,
    progress: Option<&dyn Progress>,
) -> Result<Extracted, ReceiveError> {
    let label = PathBuf::from(crate::url::redact(response.url().as_str()));
    let mut reader = BodyReader::new(transport, response, progress);
    match archive::extract_reader(&mut reader, &label, dest, options) {
        Ok(extracted) => {
            reader.finish();
            Ok(extracted)
        }
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
    progress: Option<&dyn Progress>,
) -> Result<Received, ReceiveError> {
    let dir = entry.parent().unwrap_or(Path::new("."));
    let algorithms: Vec<HashAlgorithm> = expected.iter().map(|(a, _)| *a).collect();
    let Spooled {
        file: temp,
        len,
        digests,
    } = spool(transport, response, dir, &algorithms, progress)?;
    check_expected(&digests, expected).map_err(|err| {
        ReceiveError::Fatal(Error::Archive {
            url: entry.display().to_string(),
            source: err,
        })
    })?;
    let name = format!(
        "{}.{}.body",
        entry.file_name().unwrap_or_default().to_string_lossy(),
        new_revision_id()
    );
    let path = dir.join(name);
    temp.persist(&path)
        .map_err(|err| ReceiveError::Fatal(Error::io(&path, err.error)))?;
    let (sha256, others) = split_digests(&digests);
    Ok(Received::File {
        path,
        len,
        sha256,
        others,
    })
}

/// A body kept in a temporary file (flushed to disk), with its length and digests
/// (sha256 first).
struct Spooled {
    file: tempfile::NamedTempFile,
    len: u64,
    digests: Vec<(HashAlgorithm, String)>,
}

/// The body in a temporary file in `dir`, hashed with sha256 and `algorithms`.
fn spool(
    transport: &Transport,
    response: Response,
    dir: &Path,
    algorithms: &[HashAlgorithm],
    progress: Option<&dyn Progress>,
) -> Result<Spooled, ReceiveError> {
    let fatal = |err: io::Error| ReceiveError::Fatal(Error::io(dir, err));
    std::fs::create_dir_all(dir).map_err(fatal)?;
    let mut temp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .tempfile_in(dir)
        .map_err(fatal)?;
    let mut hashes = Hashes::new(algorithms);
    let mut reader = BodyReader::new(transport, response, progress);
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
    temp.as_file().sync_data().map_err(fatal)?;
    reader.finish();
    Ok(Spooled {
        file: temp,
        len,
        digests: hashes.finish(),
    })
}

/// Whether the body an entry names is there, of the wanted form, with every expected
/// digest (each compared with the digest of its algorithm recorded on download).
pub fn body_present(record: &ArchivedRecord, entry: &Path, want: &Want) -> bool {
    match (&record.body, want) {
        (ArchivedBody::Inline, Want::Bytes) => true,
        (ArchivedBody::Parsed, Want::Parsed(_)) => true,
        (
            ArchivedBody::File {
                name,
                len,
                sha256,
                others,
            },
            Want::File { expected },
        ) => {
            std::fs::metadata(entry.with_file_name(name.as_str()))
                .is_ok_and(|m| m.is_file() && m.len() == len.to_native())
                && digests_match(sha256, others, expected)
        }
        (ArchivedBody::Revision { id, sha256, others }, Want::Revision { options }) => {
            let shard = entry.parent().unwrap_or(entry);
            Revision::new(shard, id.as_str()).tree().is_dir()
                && digests_match(sha256, others, &options.expected)
        }
        _ => false,
    }
}

type ArchivedDigests =
    rkyv::vec::ArchivedVec<rkyv::tuple::ArchivedTuple2<ArchivedString, ArchivedString>>;

/// Whether every expected digest equals the one of its algorithm recorded on download,
/// read in place from the archived record (a fresh hit copies nothing).
fn digests_match(
    sha256: &ArchivedString,
    others: &ArchivedDigests,
    expected: &[(HashAlgorithm, String)],
) -> bool {
    expected.iter().all(|(algorithm, digest)| {
        let stored = if *algorithm == HashAlgorithm::Sha256 {
            Some(sha256.as_str())
        } else {
            others
                .iter()
                .find(|pair| pair.0.as_str() == algorithm.name())
                .map(|pair| pair.1.as_str())
        };
        stored.is_some_and(|stored| digest.trim().eq_ignore_ascii_case(stored))
    })
}

fn owned(pairs: &ArchivedDigests) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|pair| (pair.0.as_str().to_owned(), pair.1.as_str().to_owned()))
        .collect()
}

/// The body of a cached entry (its presence checked by [`body_present`]).
pub fn stored(found: &Arc<Entry>, entry: &Path) -> Received {
    match &found.record().body {
        ArchivedBody::Inline => Received::Bytes(Payload::Cached(found.clone())),
        ArchivedBody::Parsed => Received::Parsed {
            payload: Payload::Cached(found.clone()),
            warnings: Vec::new(),
        },
        ArchivedBody::File {
            name,
            len,
            sha256,
            others,
        } => Received::File {
            path: entry.with_file_name(name.as_str()),
            len: len.to_native(),
            sha256: sha256.as_str().to_owned(),
            others: owned(others),
        },
        ArchivedBody::Revision { id, sha256, others } => Received::Revision {
            id: id.as_str().to_owned(),
            sha256: sha256.as_str().to_owned(),
            others: owned(others),
            extracted: None,
        },
    }
}

/// The record's `Body` for a received body, and the payload stored inline.
pub fn body_of(received: &Received) -> (Body, &[u8]) {
    match received {
        Received::Bytes(bytes) => (Body::Inline, bytes.as_slice()),
        Received::Parsed { payload, .. } => (Body::Parsed, payload.as_slice()),
        Received::File {
            path,
            len,
            sha256,
            others,
        } => (
            Body::File {
                name: path
                    .file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned(),
                len: *len,
                sha256: sha256.clone(),
                others: others.clone(),
            },
            &[],
        ),
        Received::Revision {
            id, sha256, others, ..
        } => (
            Body::Revision {
                id: id.clone(),
                sha256: sha256.clone(),
                others: others.clone(),
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
