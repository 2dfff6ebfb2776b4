//! A response body as a blocking `Read`, for the extractor and for files.
//!
//! Each read that needs bytes waits for the next chunk on the process's runtime. A
//! network failure (a reset, a read timeout, a body shorter than its
//! `Content-Length`) is remembered, so that whoever consumed the reader can tell a
//! broken download, which is retried, from a bad archive, which is not.

use std::io::{self, Read};

use bytes::Bytes;
use reqwest::Response;

use super::progress::{Meter, Progress};
use super::transport::{SendError, Transport};

pub struct BodyReader<'a> {
    transport: &'a Transport,
    response: Response,
    pending: Bytes,
    received: u64,
    declared: Option<u64>,
    failure: Option<String>,
    meter: Meter<'a>,
}

impl<'a> BodyReader<'a> {
    /// A reader of `response`'s body, reporting to `progress` as it streams.
    pub fn new(
        transport: &'a Transport,
        response: Response,
        progress: Option<&'a dyn Progress>,
    ) -> Self {
        let declared = response.content_length();
        BodyReader {
            transport,
            response,
            pending: Bytes::new(),
            received: 0,
            declared,
            failure: None,
            meter: Meter::start(progress, declared),
        }
    }

    /// The body was consumed whole: the final progress report (once).
    pub fn finish(&mut self) {
        self.meter.finish();
    }

    /// The network failure that ended the body early, if one did.
    pub fn failure(&self) -> Option<&str> {
        self.failure.as_deref()
    }

    fn fail(&mut self, message: String) -> io::Error {
        let err = io::Error::other(message.clone());
        self.failure = Some(message);
        err
    }
}

impl Read for BodyReader<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if let Some(message) = &self.failure {
            return Err(io::Error::other(message.clone()));
        }
        while self.pending.is_empty() {
            match self.transport.chunk(&mut self.response) {
                Ok(Some(chunk)) => {
                    self.received += chunk.len() as u64;
                    self.meter.advance(chunk.len() as u64);
                    self.pending = chunk;
                }
                Ok(None) => {
                    if let Some(declared) = self.declared {
                        if self.received < declared {
                            let message = format!(
                                "the body ended after {} of {declared} bytes",
                                self.received
                            );
                            return Err(self.fail(message));
                        }
                    }
                    self.meter.finish();
                    return Ok(0);
                }
                Err(SendError::Transient(message) | SendError::Fatal(message)) => {
                    return Err(self.fail(message));
                }
            }
        }
        let n = self.pending.len().min(out.len());
        out[..n].copy_from_slice(&self.pending[..n]);
        let _ = self.pending.split_to(n);
        Ok(n)
    }
}
