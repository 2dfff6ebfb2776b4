//! A buffered reader that knows its position and lets parsers peek.

use std::io::{self, BufRead, Read};

const CAPACITY: usize = 256 * 1024;

/// Buffers an archive stream. Decoders that take a `BufRead` consume exactly the bytes
/// they used, so a zip parser can find where one member's compressed data ends and the
/// next header begins.
pub(crate) struct StreamBuf<R> {
    inner: R,
    buf: Box<[u8]>,
    start: usize,
    end: usize,
    position: u64,
}

impl<R: Read> StreamBuf<R> {
    pub(crate) fn new(inner: R) -> Self {
        StreamBuf {
            inner,
            buf: vec![0; CAPACITY].into_boxed_slice(),
            start: 0,
            end: 0,
            position: 0,
        }
    }

    /// Bytes consumed so far.
    pub(crate) fn position(&self) -> u64 {
        self.position
    }

    /// Makes at least `n` bytes available (fewer only at the end of the stream) and
    /// returns what is buffered.
    pub(crate) fn peek(&mut self, n: usize) -> io::Result<&[u8]> {
        debug_assert!(n <= CAPACITY);
        if self.end - self.start < n {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
            while self.end < n {
                let read = self.inner.read(&mut self.buf[self.end..])?;
                if read == 0 {
                    break;
                }
                self.end += read;
            }
        }
        Ok(&self.buf[self.start..self.end])
    }

    pub(crate) fn into_inner(self) -> R {
        self.inner
    }
}

impl<R: Read> Read for StreamBuf<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.start == self.end && out.len() >= CAPACITY {
            let n = self.inner.read(out)?;
            self.position += n as u64;
            return Ok(n);
        }
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<R: Read> BufRead for StreamBuf<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.start == self.end {
            self.start = 0;
            self.end = self.inner.read(&mut self.buf)?;
        }
        Ok(&self.buf[self.start..self.end])
    }

    fn consume(&mut self, amount: usize) {
        let amount = amount.min(self.end - self.start);
        self.start += amount;
        self.position += amount as u64;
    }
}
