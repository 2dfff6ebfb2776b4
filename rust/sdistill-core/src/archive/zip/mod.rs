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
//!
//! A second entry for a path that a file already has is accepted only as an identical
//! copy: the same decoded bytes (compared with what the first copy wrote, not merely by
//! CRC-32 and size), and the same kind and executable bit in the central directory.
//! Both copies are held against the central directory like any other member. Why, in
//! `duplicate.rs`.

mod headers;
mod member;

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use headers::Central;

use super::sink::Sink;
use super::stream::StreamBuf;
use super::Error;

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
    /// The earlier member that wrote `path`, when this one is a copy of it.
    copy_of: Option<usize>,
}

pub(crate) fn extract<R: Read>(
    stream: &mut StreamBuf<R>,
    sink: &mut Sink<'_>,
    archive: &Path,
) -> Result<Vec<Fixup>, Error> {
    let mut seen: Vec<Seen> = Vec::new();
    let mut written = HashMap::new();
    loop {
        sink.check()?;
        let offset = stream.position();
        match headers::read_u32(stream)? {
            headers::LOCAL => {
                let member = member::member(stream, sink, offset, archive, &written)?;
                if let (Some(path), None) = (&member.path, member.copy_of) {
                    written.insert(path.clone(), seen.len());
                }
                seen.push(member);
            }
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
        let Some(path) = &local.path else {
            continue;
        };
        let mode = Mode::of(record);
        if let Some(first) = local.copy_of {
            if Mode::of(&records[first]) != mode {
                return Err(Error::unsafe_member(
                    &String::from_utf8_lossy(&record.name),
                    "duplicate name in archive with a different mode",
                ));
            }
            continue;
        }
        match mode {
            Mode::Symlink => fixups.push(Fixup::Symlink {
                member: String::from_utf8_lossy(&record.name).into_owned(),
                path: path.clone(),
            }),
            Mode::Executable => fixups.push(Fixup::Executable { path: path.clone() }),
            Mode::Plain => {}
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

/// What the central directory makes of a written file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Plain,
    Executable,
    Symlink,
}

impl Mode {
    fn of(record: &Central) -> Mode {
        let Some(mode) = record.unix_mode() else {
            return Mode::Plain;
        };
        match mode & 0o170000 {
            0o120000 => Mode::Symlink,
            0o100000 if mode & 0o111 != 0 => Mode::Executable,
            _ => Mode::Plain,
        }
    }
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
