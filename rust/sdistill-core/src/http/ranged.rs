//! Parts of a file: `GET` with `Range`, for reading a remote wheel's zip directory and
//! one member of it without downloading the rest ([`crate::wheel_metadata`]).
//!
//! Nothing here is cached: the caller records what it made of the parts. A `206` is
//! used only when its `Content-Range` is exactly the range asked for, with a known
//! total length, and its body has exactly that many bytes; anything else from a `206`
//! is an [`Error::Unusable`] (a server that answers another range than asked would
//! otherwise feed the zip parser bytes from the wrong place). A `200` means the server
//! sends the whole file (it ignores `Range`, or says `Accept-Ranges: none`): the caller
//! gets the response to stream ([`Whole`]) instead of a second request. The request is
//! one [`super::exchange`], retried as every request is (it takes a `206` for a request
//! that asked for a range).

use bytes::Bytes;
use reqwest::header::{
    HeaderMap, HeaderValue, ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_RANGE, RANGE,
};
use reqwest::{Response, StatusCode};
use url::Url;

use super::cache_control::Directives;
use super::client::Client;
use super::exchange::{exchange, Answer, ReceiveError};
use super::transport::SendError;
use super::Error;
use crate::url::redact;

/// The bytes asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Range {
    /// The last `n` bytes (`bytes=-n`), or the whole file when it is shorter.
    Suffix(u64),
    /// `start..=end` (`bytes=start-end`), cut at the end of the file.
    Span { start: u64, end: u64 },
}

impl Range {
    fn header(self) -> String {
        match self {
            Range::Suffix(n) => format!("bytes=-{n}"),
            Range::Span { start, end } => format!("bytes={start}-{end}"),
        }
    }

    /// The first and last byte this range means in a file of `total` bytes.
    fn within(self, total: u64) -> Option<(u64, u64)> {
        if total == 0 {
            return None;
        }
        match self {
            Range::Suffix(n) => Some((total.saturating_sub(n), total - 1)),
            Range::Span { start, end } if start < total && start <= end => {
                Some((start, end.min(total - 1)))
            }
            Range::Span { .. } => None,
        }
    }
}

/// What the server answered.
pub enum Reply {
    /// `206 Partial Content` with the range asked for.
    Part {
        /// Where the bytes start in the file.
        start: u64,
        bytes: Vec<u8>,
        /// The file's length.
        total: u64,
        /// The response forbids storing what is made of it (`Cache-Control: no-store`).
        no_store: bool,
    },
    /// `200 OK`: the whole file follows.
    Whole(Whole),
}

/// A whole file being received, chunk by chunk ([`Client::next_chunk`]).
pub struct Whole {
    response: Response,
    /// `Content-Length`, when the server sent one.
    pub length: Option<u64>,
    pub no_store: bool,
    url: String,
}

impl Client {
    /// `GET url` for `range`; `max` bounds the bytes accepted for it. Offline, this is
    /// [`Error::Offline`] (no part of a file is ever served from elsewhere).
    pub fn get_range(&self, url: &str, range: Range, max: u64) -> Result<Reply, Error> {
        let shown = redact(url);
        if self.is_offline() {
            return Err(Error::Offline { url: shown });
        }
        let parsed = Url::parse(url).map_err(|err| Error::InvalidUrl {
            url: shown.clone(),
            reason: err.to_string(),
        })?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(Error::InvalidUrl {
                url: shown,
                reason: "only http and https URLs are fetched".into(),
            });
        }
        self.transport().learn(&parsed);
        let mut headers = HeaderMap::new();
        let value = HeaderValue::from_str(&range.header()).expect("ASCII");
        headers.insert(RANGE, value);
        // Byte offsets are offsets into the file as stored, not into a decoded body.
        headers.insert(ACCEPT_ENCODING, HeaderValue::from_static("identity"));
        let warn = |message: String| self.warn(message);
        let mut receive = |response: Response| {
            if response.status() == StatusCode::OK {
                let length = response.content_length();
                let no_store = no_store(response.headers());
                return Ok(Reply::Whole(Whole {
                    response,
                    length,
                    no_store,
                    url: shown.clone(),
                }));
            }
            self.receive_part(response, range, max, &shown)
        };
        let policy = self.retry_policy();
        let done = exchange(
            self.transport(),
            &policy,
            &parsed,
            &headers,
            None,
            &warn,
            &mut receive,
        )?;
        match done.answer {
            Answer::Full { received, .. } => Ok(received),
            Answer::NotModified { .. } => unreachable!("an unconditional request"),
        }
    }

    /// The next chunk of a whole file, `None` at its end.
    pub fn next_chunk(&self, whole: &mut Whole) -> Result<Option<Bytes>, Error> {
        self.transport()
            .chunk(&mut whole.response)
            .map_err(|err| match err {
                SendError::Fatal(message) | SendError::Transient(message) => Error::Network {
                    url: whole.url.clone(),
                    status: None,
                    retries: 0,
                    message: redact(&message),
                },
            })
    }

    fn receive_part(
        &self,
        mut response: Response,
        range: Range,
        max: u64,
        shown: &str,
    ) -> Result<Reply, ReceiveError> {
        let unusable = |message: String| {
            ReceiveError::Fatal(Error::Unusable {
                url: shown.to_owned(),
                message,
            })
        };
        let header = response
            .headers()
            .get(CONTENT_RANGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let Some((first, last, total)) = parse_content_range(&header) else {
            return Err(unusable(format!("a 206 with the Content-Range {header:?}")));
        };
        if range.within(total) != Some((first, last)) {
            return Err(unusable(format!(
                "asked for {}, the server sent {header:?}",
                range.header()
            )));
        }
        let expected = last - first + 1;
        if expected > max {
            return Err(unusable(format!(
                "{expected} bytes, above the {max} asked for"
            )));
        }
        let no_store = no_store(response.headers());
        let mut bytes = Vec::with_capacity(usize::try_from(expected).unwrap_or(0));
        while let Some(chunk) = self
            .transport()
            .chunk(&mut response)
            .map_err(|err| match err {
                SendError::Fatal(m) | SendError::Transient(m) => ReceiveError::Broken(m),
            })?
        {
            bytes.extend_from_slice(&chunk);
            if bytes.len() as u64 > expected {
                return Err(unusable(format!(
                    "more than the {expected} bytes of its range"
                )));
            }
        }
        if (bytes.len() as u64) < expected {
            return Err(ReceiveError::Broken(format!(
                "the body ended after {} of {expected} bytes",
                bytes.len()
            )));
        }
        Ok(Reply::Part {
            start: first,
            bytes,
            total,
            no_store,
        })
    }
}

/// `bytes first-last/total` (RFC 9110 §14.4), the total known.
fn parse_content_range(value: &str) -> Option<(u64, u64, u64)> {
    let rest = value.trim().strip_prefix("bytes ")?;
    let (span, total) = rest.split_once('/')?;
    let (first, last) = span.split_once('-')?;
    let (first, last, total) = (
        first.trim().parse::<u64>().ok()?,
        last.trim().parse::<u64>().ok()?,
        total.trim().parse::<u64>().ok()?,
    );
    (first <= last && last < total).then_some((first, last, total))
}

fn no_store(headers: &HeaderMap) -> bool {
    Directives::parse(
        headers
            .get_all(CACHE_CONTROL)
            .iter()
            .filter_map(|v| v.to_str().ok()),
    )
    .no_store
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_ranges_are_read_strictly() {
        assert_eq!(parse_content_range("bytes 0-9/10"), Some((0, 9, 10)));
        assert_eq!(parse_content_range("bytes 5-4/10"), None);
        assert_eq!(parse_content_range("bytes 0-10/10"), None);
        assert_eq!(parse_content_range("bytes 0-9/*"), None);
        assert_eq!(parse_content_range("bytes */10"), None);
        assert_eq!(parse_content_range(""), None);
    }

    #[test]
    fn a_range_means_what_rfc_9110_says_in_a_file_of_known_length() {
        assert_eq!(Range::Suffix(4).within(10), Some((6, 9)));
        assert_eq!(Range::Suffix(40).within(10), Some((0, 9)));
        assert_eq!(Range::Span { start: 2, end: 99 }.within(10), Some((2, 9)));
        assert_eq!(Range::Span { start: 10, end: 12 }.within(10), None);
        assert_eq!(Range::Suffix(4).within(0), None);
    }
}
