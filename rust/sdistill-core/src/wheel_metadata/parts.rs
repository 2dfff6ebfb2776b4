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
        // A range that ends inside a part already read (a central directory that starts
        // before the tail) asks only for what comes before that part.
        let known_end = self
            .known
            .iter()
            .filter(|(at, bytes)| start < *at && *at < end && end <= at + bytes.len() as u64)
            .map(|(at, bytes)| (*at, bytes[..(end - at) as usize].to_vec()))
            .next();
        let fetch_end = known_end.as_ref().map_or(end, |(at, _)| *at);
        self.fetches += 1;
        let mut bytes = (self.fetch)(start, fetch_end - start)?;
        if bytes.len() as u64 != fetch_end - start {
            return Err(Error::zip("the source gave another length than asked"));
        }
        if let Some((_, rest)) = known_end {
            bytes.extend_from_slice(&rest);
        }
        self.known.push((start, bytes.clone()));
        Ok(bytes)
    }
}
