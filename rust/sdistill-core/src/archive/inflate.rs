//! Decoding one zip member and checking it against what its headers promise.
//!
//! A leaf of the archive module: it knows the compression methods and [`Error`], and
//! counts what comes out through [`Count`], which the writers' shared state implements.
//! Both the zip parser (members it decodes itself) and the writer threads (members
//! handed to them) call it, so the dependencies run one way:
//! `zip` → `sink` → `writers` → `inflate`, and `zip` → `inflate`; nothing here imports
//! them back.

use std::io::{self, BufRead, Read, Write};
use std::path::Path;

use flate2::bufread::DeflateDecoder;

use super::Error;

/// Counts the bytes a member unpacks to against the extraction's limits.
pub(crate) trait Count {
    fn add_unpacked(&self, member: &str, n: u64) -> Result<(), Error>;
}

pub(crate) const STORED: u16 = 0;
pub(crate) const DEFLATED: u16 = 8;
pub(crate) const BZIP2: u16 = 12;
pub(crate) const ZSTD: u16 = 93;

/// Whether sdistill decodes this compression method.
pub(crate) fn supported(method: u16) -> bool {
    matches!(method, STORED | DEFLATED | BZIP2 | ZSTD)
}

/// Decodes `input` into `out`, counting against the limits, and returns the CRC-32 and
/// size of what came out. Stops as soon as more than `max_size` bytes come out.
pub(crate) fn decode<R: BufRead>(
    method: u16,
    input: R,
    out: &mut impl Write,
    max_size: Option<u64>,
    path: &Path,
    member: &str,
    shared: &dyn Count,
) -> Result<(u32, u64), Error> {
    let mut reader: Box<dyn Read + '_> = match method {
        STORED => Box::new(input),
        DEFLATED => Box::new(DeflateDecoder::new(input)),
        BZIP2 => Box::new(bzip2::bufread::BzDecoder::new(input)),
        ZSTD => Box::new(
            zstd::stream::read::Decoder::with_buffer(input)
                .map_err(|err| Error::corrupt(Some(member), format!("zstd: {err}")))?,
        ),
        other => {
            return Err(Error::unsupported(format!(
                "compression method {other} of member {member:?}"
            )))
        }
    };
    let mut crc = crc32fast::Hasher::new();
    let mut size = 0u64;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(Error::reading(path, Some(member), err)),
        };
        size += n as u64;
        if max_size.is_some_and(|max| size > max) {
            return Err(Error::unsafe_member(
                member,
                "member holds more data than its header declares",
            ));
        }
        shared.add_unpacked(member, n as u64)?;
        crc.update(&buf[..n]);
        out.write_all(&buf[..n])
            .map_err(|err| Error::io(path, err))?;
    }
    Ok((crc.finalize(), size))
}

/// Decodes a member whose CRC and size are known up front and checks both.
#[allow(clippy::too_many_arguments)]
pub(crate) fn decode_checked<R: BufRead>(
    method: u16,
    input: R,
    out: &mut impl Write,
    crc: u32,
    size: u64,
    path: &Path,
    member: &str,
    shared: &dyn Count,
) -> Result<(), Error> {
    let (actual_crc, actual_size) = decode(method, input, out, Some(size), path, member, shared)?;
    check(member, crc, size, actual_crc, actual_size)
}

/// A member's data that does not decode although all of it is there means its header
/// lies about it (sizes, method): that is a header/data mismatch, not mere damage.
pub(crate) fn as_mismatch(err: Error) -> Error {
    match err {
        Error::Corrupt {
            member: Some(member),
            reason,
        } => Error::unsafe_member(
            &member,
            format!("data does not match what its header declares: {reason}"),
        ),
        other => other,
    }
}

pub(crate) fn check(
    member: &str,
    crc: u32,
    size: u64,
    actual_crc: u32,
    actual_size: u64,
) -> Result<(), Error> {
    if actual_size != size {
        return Err(Error::unsafe_member(
            member,
            format!("member declares {size} bytes but holds {actual_size}"),
        ));
    }
    if actual_crc != crc {
        return Err(Error::unsafe_member(
            member,
            format!("CRC-32 mismatch (expected {crc:08x}, got {actual_crc:08x})"),
        ));
    }
    Ok(())
}
