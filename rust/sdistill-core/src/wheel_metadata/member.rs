//! One member's bytes: its local header checked against the central directory, its data
//! inflated with a bound, its CRC-32 and size checked.

use std::io::Read;

use flate2::read::DeflateDecoder;

use super::directory::{u16_at, u32_at, Directory, Member};
use super::parts::Parts;
use super::Error;

const LOCAL: u32 = 0x0403_4b50;
const LOCAL_LEN: u64 = 30;
/// Room read beyond the name for the local extra field, which may differ from the
/// central directory's (one request then usually brings header and data together).
const EXTRA_ROOM: u64 = 1024;
const STORED: u16 = 0;
const DEFLATED: u16 = 8;

/// The uncompressed bytes of `member`, at most `limit` of them.
pub fn read(
    parts: &mut Parts<'_>,
    member: &Member,
    directory: &Directory,
    limit: u64,
) -> Result<Vec<u8>, Error> {
    let name = &member.name;
    if member.size > limit || member.compressed > limit.saturating_mul(2) {
        return Err(Error::zip(format!(
            "{name}: {} bytes ({} compressed), above the limit of {limit}",
            member.size, member.compressed
        )));
    }
    let room = (directory.offset - member.local_offset)
        .min(LOCAL_LEN + name.len() as u64 + EXTRA_ROOM + member.compressed);
    if room < LOCAL_LEN {
        return Err(Error::zip(format!("{name}: its local header is cut")));
    }
    let head = parts.read(member.local_offset, room)?;
    if u32_at(&head, 0) != LOCAL {
        return Err(Error::zip(format!(
            "{name}: no local header where the directory says"
        )));
    }
    let name_len = u64::from(u16_at(&head, 26));
    let extra_len = u64::from(u16_at(&head, 28));
    let data_start = member.local_offset + LOCAL_LEN + name_len + extra_len;
    let data_end = data_start
        .checked_add(member.compressed)
        .filter(|&end| end <= directory.offset)
        .ok_or_else(|| Error::zip(format!("{name}: its data runs into the central directory")))?;
    let local_name = head.get(LOCAL_LEN as usize..(LOCAL_LEN + name_len) as usize);
    if local_name != Some(name.as_bytes()) {
        return Err(Error::zip(format!(
            "{name}: the local header names another file"
        )));
    }
    if u16_at(&head, 8) != member.method {
        return Err(Error::zip(format!(
            "{name}: local and central compression differ"
        )));
    }
    if !member.descriptor {
        let (crc, compressed, size) = (u32_at(&head, 14), u32_at(&head, 18), u32_at(&head, 22));
        let agrees = |local: u32, central: u64| local == 0xffff_ffff || u64::from(local) == central;
        if crc != member.crc || !agrees(compressed, member.compressed) || !agrees(size, member.size)
        {
            return Err(Error::zip(format!(
                "{name}: local and central sizes or CRC differ"
            )));
        }
    }
    let data = parts.read(data_start, data_end - data_start)?;
    let out = match member.method {
        STORED => data,
        DEFLATED => {
            let mut out = Vec::with_capacity(member.size as usize);
            DeflateDecoder::new(&data[..])
                .take(member.size + 1)
                .read_to_end(&mut out)
                .map_err(|err| Error::zip(format!("{name}: {err}")))?;
            out
        }
        other => {
            return Err(Error::zip(format!(
                "{name}: compression method {other} (wheels use 0 or 8)"
            )));
        }
    };
    if out.len() as u64 != member.size {
        return Err(Error::zip(format!(
            "{name}: {} bytes, the directory says {}",
            out.len(),
            member.size
        )));
    }
    if crc32fast::hash(&out) != member.crc {
        return Err(Error::zip(format!("{name}: CRC-32 mismatch")));
    }
    Ok(out)
}
