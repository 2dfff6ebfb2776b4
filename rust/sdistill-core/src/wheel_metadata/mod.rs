//! A wheel's core metadata without downloading the wheel: HTTP range requests into its
//! zip, for indexes that serve no PEP 658 `.metadata` files.
//!
//! # The requests
//!
//! 1. `Range: bytes=-65536`: the end of the file, which holds the end-of-central-
//!    directory record and, for most wheels, the whole central directory (and the
//!    `.dist-info` files, which wheels put last).
//! 2. The rest of the central directory, when it starts before that tail.
//! 3. `METADATA`'s local header and data, when they are not in what was read already.
//!
//! So one to three requests, and for a wheel of a few MiB a few percent of its bytes.
//! The `METADATA` read is the one of the wheel's own project --
//! `<name>-<version>.dist-info/METADATA` whose name and version are the file name's --
//! never a vendored project's dist-info that comes first ([`directory::metadata_member`]).
//!
//! A server that answers the first request with `200` (it ignores `Range`, or refuses
//! ranges with `Accept-Ranges: none`) is read whole from that same response, streamed
//! into `tmp/` and hashed on the way: the index's sha256 must match, and only
//! `METADATA` is kept. A `206` for another range than asked is an error, never used.
//!
//! # Hostile wheels
//!
//! Every offset and size is checked before it is used: the central directory lies
//! inside the file and before its end record (zip64 records included), no entry's data
//! starts inside it, a member's local header names the same file with the same method,
//! sizes and CRC as the directory, its data ends before the directory, and it inflates
//! to exactly its size with its CRC-32. The directory may hold at most
//! [`directory::MAX_DIRECTORY`] bytes and `METADATA` at most [`MAX_METADATA`]
//! (uncompressed; twice that compressed). Any breach is [`Error::Zip`].
//!
//! # The cache
//!
//! The result is recorded per wheel URL ([`record`]; `simple-v1/metadata/`, named by
//! `Cache::wheel_metadata_record`): a second call for the same URL and sha256 is one
//! read and no request. A miss is read under `<record>.lock`, so callers of one wheel
//! at once make its requests once. A response that says `Cache-Control: no-store` is
//! not recorded.

mod directory;
mod error;
mod member;
mod parts;
mod record;
mod whole;

use std::sync::Mutex;

pub use error::Error;

use crate::http::ranged::{Range, Reply};
use crate::http::Client;
use crate::index::filename::{parse, DistFilename};
use crate::index::pep440::Version;
use parts::Parts;

/// The largest `METADATA` accepted, uncompressed (the largest on PyPI are a few hundred
/// KiB: long descriptions).
pub const MAX_METADATA: u64 = 16 << 20;
/// The bytes of the first request, from the end of the file.
pub const TAIL: u64 = 64 << 10;

/// How the metadata was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// Range requests.
    Range,
    /// The whole wheel, downloaded (the server does not answer ranges).
    Download,
}

impl Via {
    pub fn as_str(self) -> &'static str {
        match self {
            Via::Range => "range",
            Via::Download => "download",
        }
    }
}

/// A wheel on an index.
#[derive(Debug, Clone)]
pub struct Wheel {
    pub url: String,
    pub filename: String,
    /// The sha256 the index names it by, if any.
    pub sha256: Option<String>,
    /// Where its record is kept.
    pub record: std::path::PathBuf,
}

/// The metadata and how it was found.
#[derive(Debug, Clone)]
pub struct Found {
    pub metadata: Vec<u8>,
    pub via: Via,
    /// Read from the record, without a request.
    pub cached: bool,
    /// Requests made (0 for a record).
    pub requests: u32,
}

/// The `METADATA` of `wheel`, from its record or from the server.
pub fn fetch(client: &Client, wheel: &Wheel) -> Result<Found, Error> {
    let shown = crate::url::redact(&wheel.url);
    let Some(DistFilename::Wheel(name)) = wheel
        .filename
        .split('-')
        .next()
        .and_then(|project| parse(&wheel.filename, project))
    else {
        return Err(Error::Filename {
            filename: wheel.filename.clone(),
        });
    };
    let sha256 = wheel.sha256.as_deref();
    let recorded = || {
        record::read(&wheel.record, &shown, sha256).map(|stored| Found {
            metadata: stored.metadata,
            via: stored.via,
            cached: true,
            requests: 0,
        })
    };
    if let Some(found) = recorded() {
        return Ok(found);
    }
    if let Some(parent) = wheel.record.parent() {
        std::fs::create_dir_all(parent).map_err(|err| Error::io(parent, err))?;
    }
    // Two callers of one wheel read it once: the second finds the first's record.
    let _guard = client.cache().lock_shard_default(&wheel.record)?;
    if let Some(found) = recorded() {
        return Ok(found);
    }
    let (metadata, via, requests, no_store) =
        read(client, wheel, &name.name, &name.version).map_err(|err| err.at(&wheel.url))?;
    let stored = record::Stored { via, metadata };
    if !no_store {
        record::write(&wheel.record, &shown, sha256, &stored)?;
    }
    Ok(Found {
        metadata: stored.metadata,
        via,
        cached: false,
        requests,
    })
}

/// [`fetch`] of every wheel, `jobs` at a time on threads of their own; one result per
/// wheel, in order.
pub fn fetch_many(client: &Client, wheels: &[Wheel], jobs: usize) -> Vec<Result<Found, Error>> {
    let results: Vec<Mutex<Option<Result<Found, Error>>>> =
        wheels.iter().map(|_| Mutex::new(None)).collect();
    crate::http::jobs::each(wheels, jobs, |at, wheel| {
        let result = fetch(client, wheel);
        *results[at].lock().unwrap_or_else(|p| p.into_inner()) = Some(result);
        true
    });
    results
        .into_iter()
        .map(|slot| {
            slot.into_inner()
                .unwrap_or_else(|p| p.into_inner())
                .expect("every wheel was fetched")
        })
        .collect()
}

/// Reads `METADATA` from the server: `(metadata, via, requests, no_store)`.
fn read(
    client: &Client,
    wheel: &Wheel,
    name: &str,
    version: &Version,
) -> Result<(Vec<u8>, Via, u32, bool), Error> {
    let url = wheel.url.as_str();
    match client.get_range(url, Range::Suffix(TAIL), TAIL)? {
        Reply::Part {
            start,
            bytes,
            total,
            no_store,
        } => {
            let mut fetch = |start: u64, len: u64| -> Result<Vec<u8>, Error> {
                let range = Range::Span {
                    start,
                    end: start + len - 1,
                };
                match client.get_range(url, range, len)? {
                    Reply::Part { bytes, .. } => Ok(bytes),
                    Reply::Whole(_) => Err(Error::zip("the server stopped answering ranges")),
                }
            };
            let mut parts = Parts::new(total, &mut fetch);
            parts.know(start, bytes);
            let metadata = metadata_of(&mut parts, name, version)?;
            Ok((metadata, Via::Range, 1 + parts.fetches, no_store))
        }
        Reply::Whole(response) => {
            let no_store = response.no_store;
            let metadata = whole::read(client, response, wheel.sha256.as_deref(), |parts| {
                metadata_of(parts, name, version)
            })?;
            Ok((metadata, Via::Download, 1, no_store))
        }
    }
}

fn metadata_of(parts: &mut Parts<'_>, name: &str, version: &Version) -> Result<Vec<u8>, Error> {
    let directory = directory::locate(parts, TAIL)?;
    let listing = parts.read(directory.offset, directory.size)?;
    let members = directory::members(&listing, &directory)?;
    let member = directory::metadata_member(&members, name, version)?;
    member::read(parts, member, &directory, MAX_METADATA)
}

#[cfg(test)]
mod tests;
