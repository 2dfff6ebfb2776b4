//! The bytes of a file read so far, and a way to read more: a window that serves what
//! it holds and asks its source (ranged GETs, or a file on disk) for the rest.

use super::Error;

/// Reads `len` bytes at `start` from the source (never past its end).
pub type Fetch<'a> = dyn FnMut(u64, u64) -> Result<Vec<u8>, Error> + 'a;

/// A file of `total` bytes, the parts of it already read, and its source.
pub struct Parts<'a> {
    total: u64,
    known: Vec<(u64, Vec<u8>)>,
    fetch: &'a mut Fetch<'a>,
    /// How many times the source was asked.
    pub fetches: u32,
}

impl<'a> Parts<'a> {
    pub fn new(total: u64, fetch: &'a mut Fetch<'a>) -> Parts<'a> {
        Parts {
            total,
            known: Vec::new(),
            fetch,
            fetches: 0,
        }
    }

    /// Adds bytes already read (the tail a first ranged GET brought).
    pub fn know(&mut self, start: u64, bytes: Vec<u8>) {
        self.known.push((start, bytes));
    }

    pub fn total(&self) -> u64 {
        self.total
    }

    /// `len` bytes at `start`; the range must lie inside the file.
    pub fn read(&mut self, start: u64, len: u64) -> Result<Vec<u8>, Error> {
        let end = start
            .checked_add(len)
            .filter(|&end| end <= self.total)
            .ok_or_else(|| Error::zip("a part that lies outside the file"))?;
        for (at, bytes) in &self.known {
            if *at <= start && end <= at + bytes.len() as u64 {
                let from = usize::try_from(start - at).expect("inside a buffer");
                return Ok(bytes[from..from + (end - start) as usize].to_vec());
            }
        }
        self.fetches += 1;
        let bytes = (self.fetch)(start, len)?;
        if bytes.len() as u64 != len {
            return Err(Error::zip("the source gave another length than asked"));
        }
        self.known.push((start, bytes.clone()));
        Ok(bytes)
    }
}
