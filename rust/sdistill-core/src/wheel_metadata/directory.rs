//! The end of a zip: the end-of-central-directory record (and its zip64 forms) and the
//! central directory, read with every offset and size checked against the file.

use super::parts::Parts;
use super::Error;
use crate::index::filename::normalize_name;
use crate::index::pep440::Version;

const EOCD: u32 = 0x0605_4b50;
const EOCD_LEN: usize = 22;
const ZIP64_LOCATOR: u32 = 0x0706_4b50;
const ZIP64_LOCATOR_LEN: u64 = 20;
const ZIP64_EOCD: u32 = 0x0606_4b50;
const ZIP64_EOCD_LEN: u64 = 56;
const CENTRAL: u32 = 0x0201_4b50;
const CENTRAL_LEN: usize = 46;
/// A central directory larger than this is refused (a wheel of 100,000 files has about
/// 10 MiB).
pub const MAX_DIRECTORY: u64 = 64 << 20;
/// How far from the end the end-of-central-directory record may be (its comment).
pub const MAX_EOCD_DISTANCE: u64 = EOCD_LEN as u64 + 0xffff;

/// Where the central directory is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Directory {
    pub offset: u64,
    pub size: u64,
    pub entries: u64,
}

/// One member as the central directory describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub name: String,
    pub method: u16,
    pub crc: u32,
    pub compressed: u64,
    pub size: u64,
    pub local_offset: u64,
    /// Whether sizes and CRC follow the data (bit 3): the local header then has zeros.
    pub descriptor: bool,
}

/// Finds the central directory of the zip `parts` reads, looking for its end record in
/// the last `window` bytes first (what a first ranged read brought), then as far back
/// as a zip comment can push it.
pub fn locate(parts: &mut Parts<'_>, window: u64) -> Result<Directory, Error> {
    let total = parts.total();
    let mut span = window.min(MAX_EOCD_DISTANCE);
    let (from, tail, at) = loop {
        let from = total.saturating_sub(span);
        let tail = parts.read(from, total - from)?;
        if let Some(at) = find_eocd(&tail) {
            break (from, tail, at);
        }
        if from == 0 || span >= MAX_EOCD_DISTANCE {
            return Err(Error::zip(
                "no end-of-central-directory record: not a zip file",
            ));
        }
        span = MAX_EOCD_DISTANCE;
    };
    let eocd = from + at as u64;
    let record = &tail[at..];
    let (disk, cd_disk) = (u16_at(record, 4), u16_at(record, 6));
    let mut directory = Directory {
        entries: u64::from(u16_at(record, 10)),
        size: u64::from(u32_at(record, 12)),
        offset: u64::from(u32_at(record, 16)),
    };
    let mut end = eocd; // the directory must end before what describes it
    if disk != 0 || cd_disk != 0 {
        return Err(Error::zip("a zip split over several disks"));
    }
    let wants_zip64 = directory.entries == 0xffff
        || directory.size == 0xffff_ffff
        || directory.offset == 0xffff_ffff;
    if eocd >= ZIP64_LOCATOR_LEN {
        let locator = parts.read(eocd - ZIP64_LOCATOR_LEN, ZIP64_LOCATOR_LEN)?;
        if u32_at(&locator, 0) == ZIP64_LOCATOR {
            let record_at = u64_at(&locator, 8);
            if record_at + ZIP64_EOCD_LEN > eocd - ZIP64_LOCATOR_LEN {
                return Err(Error::zip("the zip64 end record lies outside the file"));
            }
            let record = parts.read(record_at, ZIP64_EOCD_LEN)?;
            if u32_at(&record, 0) != ZIP64_EOCD {
                return Err(Error::zip(
                    "the zip64 locator points at no zip64 end record",
                ));
            }
            directory = Directory {
                entries: u64_at(&record, 32),
                size: u64_at(&record, 40),
                offset: u64_at(&record, 48),
            };
            end = record_at;
        } else if wants_zip64 {
            return Err(Error::zip("zip64 sizes without a zip64 end record"));
        }
    }
    let fits = directory
        .offset
        .checked_add(directory.size)
        .is_some_and(|cd_end| cd_end <= end);
    if !fits {
        return Err(Error::zip("the central directory lies outside the file"));
    }
    if directory.size > MAX_DIRECTORY {
        return Err(Error::zip(format!(
            "a central directory of {} bytes (at most {MAX_DIRECTORY})",
            directory.size
        )));
    }
    if directory.entries > directory.size / CENTRAL_LEN as u64 {
        return Err(Error::zip(
            "more entries than the central directory can hold",
        ));
    }
    Ok(directory)
}

/// The last end-of-central-directory record of `tail` whose comment ends the file.
fn find_eocd(tail: &[u8]) -> Option<usize> {
    if tail.len() < EOCD_LEN {
        return None;
    }
    (0..=tail.len() - EOCD_LEN).rev().find(|&i| {
        u32_at(tail, i) == EOCD && i + EOCD_LEN + usize::from(u16_at(tail, i + 20)) == tail.len()
    })
}

/// Every member the central directory `bytes` lists (`directory.entries` of them, each
/// inside `bytes`), their offsets checked to lie before the directory.
pub fn members(bytes: &[u8], directory: &Directory) -> Result<Vec<Member>, Error> {
    let mut out = Vec::with_capacity(usize::try_from(directory.entries).unwrap_or(0));
    let mut at = 0usize;
    for _ in 0..directory.entries {
        let header = bytes
            .get(at..at + CENTRAL_LEN)
            .filter(|h| u32_at(h, 0) == CENTRAL)
            .ok_or_else(|| Error::zip("a central directory entry is cut or damaged"))?;
        let name_len = usize::from(u16_at(header, 28));
        let extra_len = usize::from(u16_at(header, 30));
        let comment_len = usize::from(u16_at(header, 32));
        let name_at = at + CENTRAL_LEN;
        let next = name_at + name_len + extra_len + comment_len;
        if next > bytes.len() {
            return Err(Error::zip(
                "a central directory entry runs past the directory",
            ));
        }
        let name = String::from_utf8_lossy(&bytes[name_at..name_at + name_len]).into_owned();
        let extra = &bytes[name_at + name_len..name_at + name_len + extra_len];
        let mut member = Member {
            name,
            method: u16_at(header, 10),
            crc: u32_at(header, 16),
            compressed: u64::from(u32_at(header, 20)),
            size: u64::from(u32_at(header, 24)),
            local_offset: u64::from(u32_at(header, 42)),
            descriptor: u16_at(header, 8) & 0x0008 != 0,
        };
        widen(&mut member, extra)?;
        if member.local_offset >= directory.offset {
            return Err(Error::zip(format!(
                "{}: its data would start inside the central directory",
                member.name
            )));
        }
        out.push(member);
        at = next;
    }
    Ok(out)
}

/// The zip64 extra field (id 1) replaces the 32-bit fields set to `0xffffffff`, in the
/// order size, compressed size, local header offset.
fn widen(member: &mut Member, mut extra: &[u8]) -> Result<(), Error> {
    const FULL: u64 = 0xffff_ffff;
    let wanted = [member.size, member.compressed, member.local_offset]
        .iter()
        .filter(|&&v| v == FULL)
        .count();
    while extra.len() >= 4 {
        let (id, len) = (u16_at(extra, 0), usize::from(u16_at(extra, 2)));
        let body = extra
            .get(4..4 + len)
            .ok_or_else(|| Error::zip(format!("{}: a cut extra field", member.name)))?;
        if id == 1 {
            let mut values = body.chunks_exact(8).map(|c| u64_at(c, 0));
            for field in [
                &mut member.size,
                &mut member.compressed,
                &mut member.local_offset,
            ] {
                if *field == FULL {
                    *field = values.next().ok_or_else(|| {
                        Error::zip(format!("{}: a short zip64 field", member.name))
                    })?;
                }
            }
            return Ok(());
        }
        extra = &extra[4 + len..];
    }
    if wanted > 0 {
        return Err(Error::zip(format!(
            "{}: zip64 sizes without their field",
            member.name
        )));
    }
    Ok(())
}

/// The `METADATA` of the wheel's own project: `<name>-<version>.dist-info/METADATA` whose
/// name normalises to `name` and whose version equals `version` -- not a vendored
/// project's dist-info that happens to come first.
pub fn metadata_member<'m>(
    members: &'m [Member],
    name: &str,
    version: &Version,
) -> Result<&'m Member, Error> {
    let mut found = members.iter().filter(|member| {
        let Some((dir, "METADATA")) = member.name.split_once('/') else {
            return false;
        };
        let Some((project, release)) = dir
            .strip_suffix(".dist-info")
            .and_then(|stem| stem.rsplit_once('-'))
        else {
            return false;
        };
        normalize_name(project) == name && Version::parse(release).is_ok_and(|v| &v == version)
    });
    let first = found.next().ok_or_else(|| {
        Error::zip(format!(
            "no {name}-{version}.dist-info/METADATA in the wheel"
        ))
    })?;
    if found.next().is_some() {
        return Err(Error::zip(format!(
            "two {name}-{version}.dist-info/METADATA in the wheel"
        )));
    }
    Ok(first)
}

pub(super) fn u16_at(bytes: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([bytes[at], bytes[at + 1]])
}

pub(super) fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes"))
}

fn u64_at(bytes: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"))
}
