//! One exchange with the server, retried: send, check the status, receive the body.
//!
//! Retried (up to the policy's count, waiting as [`super::retry`] says): a failure to
//! connect, a reset, a timeout, a body that breaks off or ends early, and the statuses
//! [`is_retryable_status`] names, honouring `Retry-After`. Whatever the receiver had
//! written for a broken attempt is discarded by the receiver itself, so a retry starts
//! from nothing.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::{
    HeaderMap, HeaderValue, IF_MODIFIED_SINCE, IF_NONE_MATCH, RANGE, RETRY_AFTER,
};
use reqwest::{Response, StatusCode};
use url::Url;

use super::freshness::Validators;
use super::retry::{is_retryable_status, parse_retry_after, RetryPolicy};
use super::transport::{SendError, Transport};
use super::Error;
use crate::url::redact;

/// How receiving a body ended, when it did not succeed.
pub enum ReceiveError {
    /// The network failed mid-body: retry.
    Broken(String),
    /// Anything else (a bad archive, a full disk): give up.
    Fatal(Error),
}

/// What the server answered, once the exchange is over.
pub enum Answer<T> {
    /// `200 OK`, the body received, and the response's headers and times.
    Full {
        received: T,
        headers: HeaderMap,
        status: StatusCode,
        times: (u64, u64),
    },
    /// `304 Not Modified` to a conditional request.
    NotModified {
        headers: HeaderMap,
        times: (u64, u64),
    },
}

/// The outcome and how many retries it took.
pub struct Exchanged<T> {
    pub answer: Answer<T>,
    pub retries: u32,
}

/// Runs the exchange; `receive` reads a 200's body (called once per attempt).
pub fn exchange<T>(
    transport: &Transport,
    retry: &RetryPolicy,
    url: &Url,
    headers: &HeaderMap,
    validators: Option<&Validators>,
    warn: &dyn Fn(String),
    receive: &mut dyn FnMut(Response) -> Result<T, ReceiveError>,
) -> Result<Exchanged<T>, Error> {
    let shown = redact(url.as_str());
    let mut request_headers = headers.clone();
    if let Some(validators) = validators {
        add_validators(&mut request_headers, validators);
    }
    let mut retries = 0;
    loop {
        let request_time = now_secs();
        let (wait, message, status) = match transport.send(url, &request_headers) {
            Err(SendError::Fatal(message)) => {
                return Err(network(&shown, None, retries, message));
            }
            Err(SendError::Transient(message)) => (None, message, None),
            Ok((response, _)) => {
                let status = response.status();
                let times = (request_time, now_secs());
                if status == StatusCode::NOT_MODIFIED && validators.is_some() {
                    let headers = response.headers().clone();
                    let answer = Answer::NotModified { headers, times };
                    return Ok(Exchanged { answer, retries });
                }
                // A 206 only answers a request that asked for a range (`super::ranged`).
                let partial =
                    status == StatusCode::PARTIAL_CONTENT && request_headers.contains_key(RANGE);
                if status == StatusCode::OK || partial {
                    let headers = response.headers().clone();
                    match receive(response) {
                        Ok(received) => {
                            let times = (request_time, now_secs());
                            let answer = Answer::Full {
                                received,
                                headers,
                                status,
                                times,
                            };
                            return Ok(Exchanged { answer, retries });
                        }
                        Err(ReceiveError::Fatal(err)) => return Err(err),
                        Err(ReceiveError::Broken(message)) => (None, message, None),
                    }
                } else if is_retryable_status(status.as_u16()) {
                    let wait = response
                        .headers()
                        .get(RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| parse_retry_after(v, SystemTime::now()));
                    (wait, status_text(status), Some(status.as_u16()))
                } else {
                    let message = status_text(status);
                    return Err(network(&shown, Some(status.as_u16()), retries, message));
                }
            }
        };
        if retries >= retry.retries {
            return Err(network(&shown, status, retries, message));
        }
        let delay = retry.delay(retries, wait);
        warn(format!(
            "{shown}: {message}; retrying in {:.1} s ({} of {})",
            delay.as_secs_f64(),
            retries + 1,
            retry.retries
        ));
        std::thread::sleep(delay);
        retries += 1;
    }
}

fn add_validators(headers: &mut HeaderMap, validators: &Validators) {
    if let Some(value) = validators
        .etag
        .as_deref()
        .and_then(|e| HeaderValue::from_str(e).ok())
    {
        headers.insert(IF_NONE_MATCH, value);
    }
    if let Some(value) = validators
        .last_modified
        .as_deref()
        .and_then(|l| HeaderValue::from_str(l).ok())
    {
        headers.insert(IF_MODIFIED_SINCE, value);
    }
}

fn status_text(status: StatusCode) -> String {
    match status.canonical_reason() {
        Some(reason) => format!("HTTP {} {reason}", status.as_u16()),
        None => format!("HTTP {}", status.as_u16()),
    }
}

fn network(url: &str, status: Option<u16>, retries: u32, message: String) -> Error {
    Error::Network {
        url: url.to_owned(),
        status,
        retries,
        message: redact(&message),
    }
}

/// Now, in Unix seconds.
pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs()
}

/// Now, in Unix nanoseconds (fits a `u64` until 2554).
pub fn now_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_nanos() as u64
}
