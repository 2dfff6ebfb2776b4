//! The records of a zip file, read in stream order: local file headers (each followed by
//! its data and maybe a data descriptor), the central directory, the end records.

use std::io::Read;

use super::super::Error;

pub(crate) const LOCAL: u32 = 0x0403_4b50;
pub(crate) const CENTRAL: u32 = 0x0201_4b50;
pub(crate) const END: u32 = 0x0605_4b50;
pub(crate) const END64: u32 = 0x0606_4b50;
pub(crate) const END64_LOCATOR: u32 = 0x0706_4b50;
pub(crate) const DESCRIPTOR: u32 = 0x0807_4b50;

const ZIP64_EXTRA: u16 = 0x0001;
const MAX32: u32 = u32::MAX;

pub(crate) const FLAG_ENCRYPTED: u16 = 1;
pub(crate) const FLAG_DESCRIPTOR: u16 = 1 << 3;
pub(crate) const FLAG_STRONG_ENCRYPTION: u16 = 1 << 6;

/// A local file header (the signature already read).
#[derive(Debug, Clone)]
pub(crate) struct Local {
    pub(crate) flags: u16,
    pub(crate) method: u16,
    pub(crate) crc: u32,
    pub(crate) compressed: u64,
    pub(crate) size: u64,
    pub(crate) name: Vec<u8>,
    pub(crate) zip64: bool,
}

/// A central directory record (the signature already read).
#[derive(Debug, Clone)]
pub(crate) struct Central {
    pub(crate) method: u16,
    pub(crate) crc: u32,
    pub(crate) compressed: u64,
    pub(crate) size: u64,
    pub(crate) external: u32,
    pub(crate) offset: u64,
    pub(crate) name: Vec<u8>,
}

impl Central {
    /// The Unix mode in the high half of the external attributes, when there is one.
    /// Like pip, it is honoured whatever host the archive claims to come from: Windows
    /// tools that keep Unix modes still set "made by" to their own host.
    pub(crate) fn unix_mode(&self) -> Option<u32> {
        let mode = self.external >> 16;
        (mode != 0).then_some(mode)
    }
}

/// Little-endian fields out of a record.
struct Fields<'a>(&'a [u8]);

impl Fields<'_> {
    fn u16(&mut self) -> u16 {
        let (head, rest) = self.0.split_at(2);
        self.0 = rest;
        u16::from_le_bytes([head[0], head[1]])
    }
    fn u32(&mut self) -> u32 {
        let (head, rest) = self.0.split_at(4);
        self.0 = rest;
        u32::from_le_bytes([head[0], head[1], head[2], head[3]])
    }
    fn u64(&mut self) -> Option<u64> {
        if self.0.len() < 8 {
            return None;
        }
        let (head, rest) = self.0.split_at(8);
        self.0 = rest;
        Some(u64::from_le_bytes(head.try_into().ok()?))
    }
}

pub(crate) fn read_exact(input: &mut impl Read, len: usize) -> Result<Vec<u8>, Error> {
    let mut buf = vec![0u8; len];
    input.read_exact(&mut buf).map_err(|err| {
        if err.kind() == std::io::ErrorKind::UnexpectedEof {
            Error::corrupt(None, "unexpected end of archive (truncated?)")
        } else {
            Error::corrupt(None, err.to_string())
        }
    })?;
    Ok(buf)
}

pub(crate) fn read_u32(input: &mut impl Read) -> Result<u32, Error> {
    let b = read_exact(input, 4)?;
    Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// The zip64 extra field's values, in the order the fields that overflowed appear.
fn zip64_values(extra: &[u8]) -> Option<Fields<'_>> {
    let mut rest = extra;
    while rest.len() >= 4 {
        let id = u16::from_le_bytes([rest[0], rest[1]]);
        let len = usize::from(u16::from_le_bytes([rest[2], rest[3]]));
        let body = rest.get(4..4 + len)?;
        if id == ZIP64_EXTRA {
            return Some(Fields(body));
        }
        rest = &rest[4 + len..];
    }
    None
}

pub(crate) fn read_local(input: &mut impl Read) -> Result<Local, Error> {
    let fixed = read_exact(input, 26)?;
    let mut f = Fields(&fixed);
    let _version = f.u16();
    let flags = f.u16();
    let method = f.u16();
    let _time = f.u32();
    let crc = f.u32();
    let compressed32 = f.u32();
    let size32 = f.u32();
    let name_len = usize::from(f.u16());
    let extra_len = usize::from(f.u16());
    let name = read_exact(input, name_len)?;
    let extra = read_exact(input, extra_len)?;
    let mut local = Local {
        flags,
        method,
        crc,
        compressed: u64::from(compressed32),
        size: u64::from(size32),
        name,
        zip64: false,
    };
    if let Some(mut values) = zip64_values(&extra) {
        local.zip64 = true;
        if size32 == MAX32 {
            local.size = values.u64().ok_or_else(bad_zip64)?;
        }
        if compressed32 == MAX32 {
            local.compressed = values.u64().ok_or_else(bad_zip64)?;
        }
    }
    Ok(local)
}

pub(crate) fn read_central(input: &mut impl Read) -> Result<Central, Error> {
    let fixed = read_exact(input, 42)?;
    let mut f = Fields(&fixed);
    let _made_by = f.u16();
    let _needed = f.u16();
    let _flags = f.u16();
    let method = f.u16();
    let _time = f.u32();
    let crc = f.u32();
    let compressed32 = f.u32();
    let size32 = f.u32();
    let name_len = usize::from(f.u16());
    let extra_len = usize::from(f.u16());
    let comment_len = usize::from(f.u16());
    let _disk = f.u16();
    let _internal = f.u16();
    let external = f.u32();
    let offset32 = f.u32();
    let name = read_exact(input, name_len)?;
    let extra = read_exact(input, extra_len)?;
    read_exact(input, comment_len)?;
    let mut central = Central {
        method,
        crc,
        compressed: u64::from(compressed32),
        size: u64::from(size32),
        external,
        offset: u64::from(offset32),
        name,
    };
    if size32 == MAX32 || compressed32 == MAX32 || offset32 == MAX32 {
        let mut values = zip64_values(&extra).ok_or_else(bad_zip64)?;
        if size32 == MAX32 {
            central.size = values.u64().ok_or_else(bad_zip64)?;
        }
        if compressed32 == MAX32 {
            central.compressed = values.u64().ok_or_else(bad_zip64)?;
        }
        if offset32 == MAX32 {
            central.offset = values.u64().ok_or_else(bad_zip64)?;
        }
    }
    Ok(central)
}

/// A data descriptor after a member's data: (crc, compressed, size).
pub(crate) fn read_descriptor(
    input: &mut super::super::stream::StreamBuf<impl Read>,
    zip64: bool,
) -> Result<(u32, u64, u64), Error> {
    let head = input
        .peek(4)
        .map_err(|err| Error::corrupt(None, err.to_string()))?;
    if head.len() >= 4 && u32::from_le_bytes([head[0], head[1], head[2], head[3]]) == DESCRIPTOR {
        read_exact(input, 4)?;
    }
    let crc = read_u32(input)?;
    let body = read_exact(input, if zip64 { 16 } else { 8 })?;
    let mut f = Fields(&body);
    let (compressed, size) = if zip64 {
        (
            f.u64().ok_or_else(bad_zip64)?,
            f.u64().ok_or_else(bad_zip64)?,
        )
    } else {
        (u64::from(f.u32()), u64::from(f.u32()))
    };
    Ok((crc, compressed, size))
}

/// Reads the end records after the central directory (the first signature given);
/// returns the member count the end record declares (`None` when it defers to zip64).
pub(crate) fn read_end(input: &mut impl Read, mut signature: u32) -> Result<Option<u64>, Error> {
    let mut count64 = None;
    if signature == END64 {
        let size_bytes = read_exact(input, 8)?;
        let size = u64::from_le_bytes(size_bytes.try_into().map_err(|_| bad_zip64())?);
        if !(44..=1 << 20).contains(&size) {
            return Err(bad_zip64());
        }
        let body = read_exact(input, size as usize)?;
        let mut f = Fields(&body[12..]);
        let _this_disk_count = f.u64();
        count64 = f.u64();
        signature = read_u32(input)?;
    }
    if signature == END64_LOCATOR {
        read_exact(input, 16)?;
        signature = read_u32(input)?;
    }
    if signature != END {
        return Err(Error::corrupt(
            None,
            "missing end of central directory record",
        ));
    }
    let fixed = read_exact(input, 18)?;
    let mut f = Fields(&fixed);
    let _disk = f.u16();
    let _cd_disk = f.u16();
    let _this_disk_count = f.u16();
    let count = f.u16();
    let _cd_size = f.u32();
    let _cd_offset = f.u32();
    let comment_len = usize::from(f.u16());
    read_exact(input, comment_len)?;
    Ok(if count == u16::MAX {
        count64
    } else {
        Some(u64::from(count))
    })
}

fn bad_zip64() -> Error {
    Error::corrupt(None, "malformed zip64 record")
}
