//! Zip archives, read as a stream: local headers in order, the central directory last.
//!
//! Reading front to back lets a zip be extracted while it downloads, and read once. The
//! price is that the central directory — the authoritative list of members, with their
//! modes — comes last. So every local header is remembered and, at the end, held against
//! the central directory: the same members in the same order at the same offsets, with
//! the same names, methods, CRCs and sizes. Any disagreement (the trick behind
//! overlapping-member bombs and "different file in each tool" attacks) fails the whole
//! extraction, and since everything was written into a staging directory, nothing
//! remains. Modes — the executable bit, and whether a member is a symbolic link — are
//! applied after that check.
//!
//! Members whose sizes are known up front are handed, still compressed, to the writer
//! threads, which inflate them in parallel. Members with a data descriptor (sizes only
//! after the data) are inflated by the parser itself, which is the only way to find
//! where they end; a stored member with a data descriptor cannot be delimited at all
//! and is refused.

pub(crate) mod decode;
mod headers;

use std::io::{self, Read};
use std::path::Path;

use headers::{Central, Local};

use super::sink::{create_file, Payload, Sink, INLINE_MAX};
use super::stream::StreamBuf;
use super::{names, Error};

/// What the central directory says must still be done to a written member.
pub(crate) enum Fixup {
    Executable { path: String },
    Symlink { member: String, path: String },
}

/// A member as its local header and data showed it.
struct Seen {
    name: Vec<u8>,
    offset: u64,
    method: u16,
    crc: u32,
    compressed: u64,
    size: u64,
    /// Physical path of a regular file written for it.
    path: Option<String>,
}

pub(crate) fn extract<R: Read>(
    stream: &mut StreamBuf<R>,
    sink: &mut Sink<'_>,
    archive: &Path,
) -> Result<Vec<Fixup>, Error> {
    let mut seen = Vec::new();
    loop {
        sink.check()?;
        let offset = stream.position();
        match headers::read_u32(stream)? {
            headers::LOCAL => seen.push(member(stream, sink, offset, archive)?),
            headers::CENTRAL => return central(stream, &seen),
            headers::END if seen.is_empty() => {
                headers::read_end(stream, headers::END)?;
                return Ok(Vec::new());
            }
            _ => {
                return Err(Error::corrupt(
                    None,
                    format!("unexpected data at offset {offset}"),
                ))
            }
        }
    }
}

fn member<R: Read>(
    stream: &mut StreamBuf<R>,
    sink: &mut Sink<'_>,
    offset: u64,
    archive: &Path,
) -> Result<Seen, Error> {
    let local = headers::read_local(stream)?;
    let name = names::utf8(&local.name)?.to_owned();
    if local.flags & (headers::FLAG_ENCRYPTED | headers::FLAG_STRONG_ENCRYPTION) != 0 {
        return Err(Error::unsupported(format!("member {name:?} is encrypted")));
    }
    if !decode::supported(local.method) {
        return Err(Error::unsupported(format!(
            "member {name:?} uses compression method {}",
            local.method
        )));
    }
    let is_dir = name.ends_with('/');
    let parts = sink.member(&name, is_dir)?;
    let target = match &parts {
        Some(parts) if is_dir => {
            sink.dir(&name, parts)?;
            None
        }
        Some(parts) => Some(sink.file_path(&name, parts)?),
        None => None,
    };
    let mut seen = Seen {
        name: local.name.clone(),
        offset,
        method: local.method,
        crc: local.crc,
        compressed: local.compressed,
        size: local.size,
        path: target.as_ref().map(|(path, _)| path.clone()),
    };
    if local.flags & headers::FLAG_DESCRIPTOR != 0 {
        streamed_member(
            stream,
            sink,
            &local,
            &name,
            target.as_ref().map(|(_, a)| a.as_path()),
            &mut seen,
            archive,
        )?;
    } else if let Some((_, absolute)) = target {
        if local.compressed <= INLINE_MAX {
            let data = headers::read_exact(stream, local.compressed as usize)?;
            let payload = Payload::Zip {
                method: local.method,
                data,
                crc: local.crc,
                size: local.size,
            };
            sink.submit(&name, absolute, false, payload);
        } else {
            let mut file = create_file(&absolute, false)?;
            let mut data = (&mut *stream).take(local.compressed);
            let decoded = decode::decode_checked(
                local.method,
                &mut data,
                &mut file,
                local.crc,
                local.size,
                &absolute,
                &name,
                sink.shared(),
            );
            io::copy(&mut data, &mut io::sink())
                .map_err(|err| Error::reading(archive, Some(&name), err))?;
            if data.limit() > 0 {
                // The stream ended inside the member: the file is truncated.
                return Err(Error::corrupt(
                    Some(&name),
                    "unexpected end of archive (truncated?)",
                ));
            }
            decoded.map_err(decode::as_mismatch)?;
            sink.count_file();
        }
    } else {
        let mut data = (&mut *stream).take(local.compressed);
        let copied = io::copy(&mut data, &mut io::sink())
            .map_err(|err| Error::reading(archive, Some(&name), err))?;
        if copied != local.compressed {
            return Err(Error::corrupt(
                Some(&name),
                "unexpected end of archive (truncated?)",
            ));
        }
    }
    Ok(seen)
}

/// A member followed by a data descriptor: inflated here, to find where it ends.
fn streamed_member<R: Read>(
    stream: &mut StreamBuf<R>,
    sink: &mut Sink<'_>,
    local: &Local,
    name: &str,
    target: Option<&Path>,
    seen: &mut Seen,
    archive: &Path,
) -> Result<(), Error> {
    if local.method != decode::DEFLATED {
        return Err(Error::unsupported(format!(
            "member {name:?} has a data descriptor and is not deflated, so it cannot be streamed"
        )));
    }
    let start = stream.position();
    let (crc, size) = match target {
        Some(path) => {
            let mut file = create_file(path, false)?;
            let result = decode::decode(
                local.method,
                &mut *stream,
                &mut file,
                None,
                path,
                name,
                sink.shared(),
            )?;
            sink.count_file();
            result
        }
        None => decode::decode(
            local.method,
            &mut *stream,
            &mut io::sink(),
            None,
            archive,
            name,
            sink.shared(),
        )?,
    };
    let compressed = stream.position() - start;
    let (declared_crc, declared_compressed, declared_size) =
        headers::read_descriptor(stream, local.zip64)?;
    decode::check(name, declared_crc, declared_size, crc, size)?;
    if declared_compressed != compressed {
        return Err(Error::unsafe_member(
            name,
            "data descriptor disagrees with the member's data",
        ));
    }
    seen.crc = crc;
    seen.compressed = compressed;
    seen.size = size;
    Ok(())
}

/// Reads the central directory and holds it against what the local headers said.
fn central<R: Read>(stream: &mut StreamBuf<R>, seen: &[Seen]) -> Result<Vec<Fixup>, Error> {
    let mut records = vec![headers::read_central(stream)?];
    let end = loop {
        match headers::read_u32(stream)? {
            headers::CENTRAL => records.push(headers::read_central(stream)?),
            other => break other,
        }
    };
    let declared = headers::read_end(stream, end)?;
    if declared.is_some_and(|n| n != records.len() as u64) {
        return Err(Error::corrupt(
            None,
            "end record and central directory disagree on the number of members",
        ));
    }
    let mut fixups = Vec::new();
    for (i, record) in records.iter().enumerate() {
        let Some(local) = seen.get(i) else {
            return Err(Error::unsafe_member(
                &String::from_utf8_lossy(&record.name),
                "listed in the central directory but not found in the archive",
            ));
        };
        check_agreement(local, record)?;
        if let (Some(path), Some(mode)) = (&local.path, record.unix_mode()) {
            let kind = mode & 0o170000;
            if kind == 0o120000 {
                fixups.push(Fixup::Symlink {
                    member: String::from_utf8_lossy(&record.name).into_owned(),
                    path: path.clone(),
                });
            } else if kind == 0o100000 && mode & 0o111 != 0 {
                fixups.push(Fixup::Executable { path: path.clone() });
            }
        }
    }
    if let Some(extra) = seen.get(records.len()) {
        return Err(Error::unsafe_member(
            &String::from_utf8_lossy(&extra.name),
            "member is missing from the central directory",
        ));
    }
    Ok(fixups)
}

fn check_agreement(local: &Seen, central: &Central) -> Result<(), Error> {
    let member = String::from_utf8_lossy(&central.name);
    let disagree = |what: &str| {
        Err(Error::unsafe_member(
            &member,
            format!("local header and central directory disagree on the {what}"),
        ))
    };
    if local.name != central.name {
        return Err(Error::unsafe_member(
            &member,
            format!(
                "central directory names it, but the local header says {:?}",
                String::from_utf8_lossy(&local.name)
            ),
        ));
    }
    if local.offset != central.offset {
        return disagree("offset");
    }
    if local.method != central.method {
        return disagree("compression method");
    }
    if local.crc != central.crc {
        return disagree("CRC-32");
    }
    if local.compressed != central.compressed || local.size != central.size {
        return disagree("sizes");
    }
    Ok(())
}
