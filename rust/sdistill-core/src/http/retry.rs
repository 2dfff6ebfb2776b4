//! When to retry a failed request, and how long to wait first.
//!
//! - **What is retried.** 408 (Request Timeout), 429 (Too Many Requests) and the 5xx
//!   statuses, which are usually passing trouble at the server or a proxy; not 501
//!   (Not Implemented) or 505 (HTTP Version Not Supported), which will not change by
//!   asking again. Other 4xx statuses are the client's fault and are not retried.
//! - **How long to wait.** Exponential backoff: `base * 2^attempt`, capped at `cap`, then
//!   jittered to a uniform random value between half and all of it, so that many
//!   clients failing together do not retry in lockstep. Below the cap, each wait is at
//!   least as long as the one before it: its lowest value is the previous highest.
//! - **Retry-After.** A server's `Retry-After` (seconds, or an HTTP date) replaces the
//!   backoff, but is capped at [`MAX_RETRY_AFTER`] so that a hostile or confused server
//!   cannot park the client for hours.

use std::time::{Duration, SystemTime};

/// The longest wait a server's `Retry-After` can impose.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// How many times to retry and how long to wait between tries.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub retries: u32,
    pub base: Duration,
    pub cap: Duration,
}

impl Default for RetryPolicy {
    /// Three retries starting at 500 ms wait about 0.5, 1 and 2 s (before jitter): enough
    /// to ride out a dropped connection or a restarting server, while an index that is
    /// really down fails within a few seconds. Three is also what uv and many HTTP
    /// clients use. The 10 s cap only matters when `retries` is raised: no single wait
    /// then grows past the point where a user would think the tool is hung.
    fn default() -> Self {
        RetryPolicy {
            retries: 3,
            base: Duration::from_millis(500),
            cap: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// The wait before retry number `attempt` (0 for the first retry): exponential
    /// (base * 2^attempt) capped at `cap`, with jitter (a uniform random value in
    /// [half, full] of the capped delay, so that many clients do not retry in lockstep).
    /// A server's Retry-After wins when given, capped at [`MAX_RETRY_AFTER`] (60 s) so a
    /// hostile server cannot park the client.
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        match retry_after {
            Some(wait) => wait.min(MAX_RETRY_AFTER),
            None => jitter(self.backoff(attempt)),
        }
    }

    /// `base * 2^attempt`, capped at `cap`, without jitter.
    fn backoff(&self, attempt: u32) -> Duration {
        2u32.checked_pow(attempt)
            .and_then(|factor| self.base.checked_mul(factor))
            .map_or(self.cap, |wait| wait.min(self.cap))
    }
}

/// A uniform random duration in `[full / 2, full]`. Should the system have no
/// randomness to give, the full duration: waiting longer is the safe side.
fn jitter(full: Duration) -> Duration {
    let half = full / 2;
    let span = (full - half).as_nanos();
    let offset = random_u128().map_or(span, |random| random % (span + 1));
    half + from_nanos(offset)
}

fn random_u128() -> Option<u128> {
    let high = getrandom::u64().ok()?;
    let low = getrandom::u64().ok()?;
    Some(u128::from(high) << 64 | u128::from(low))
}

/// A duration of `nanos` nanoseconds; `nanos` comes from a `Duration`, so it fits.
fn from_nanos(nanos: u128) -> Duration {
    const NANOS_PER_SEC: u128 = 1_000_000_000;
    let secs = u64::try_from(nanos / NANOS_PER_SEC).unwrap_or(u64::MAX);
    Duration::new(secs, (nanos % NANOS_PER_SEC) as u32)
}

/// A Retry-After value: delta-seconds ("120") or an HTTP-date (relative to `now`,
/// zero if in the past). None when unparseable. Seconds too many for a `u64` saturate
/// (the wait is capped later anyway).
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return Some(Duration::from_secs(value.parse().unwrap_or(u64::MAX)));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Statuses worth retrying: 429, 408, and 5xx except 501 (Not Implemented) and
/// 505 (HTTP Version Not Supported).
pub fn is_retryable_status(status: u16) -> bool {
    match status {
        408 | 429 => true,
        501 | 505 => false,
        _ => (500..600).contains(&status),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const fn ms(millis: u64) -> Duration {
        Duration::from_millis(millis)
    }

    #[test]
    fn default_policy() {
        let policy = RetryPolicy::default();
        assert_eq!(
            (policy.retries, policy.base, policy.cap),
            (3, ms(500), ms(10_000))
        );
    }

    #[test]
    fn delays_grow_then_stay_at_the_cap() {
        let policy = RetryPolicy::default();
        let expected = [500, 1000, 2000, 4000, 8000, 10_000, 10_000];
        for (attempt, full) in (0..).zip(expected) {
            assert_eq!(policy.backoff(attempt), ms(full));
        }
        for attempt in [20, 31, 32, 64, u32::MAX] {
            assert_eq!(policy.backoff(attempt), policy.cap, "attempt {attempt}");
        }
        // Below the cap, the shortest wait of an attempt is the longest of the one before.
        let mut previous = Duration::ZERO;
        for attempt in 0..5 {
            let wait = policy.delay(attempt, None);
            assert!(
                wait >= previous,
                "attempt {attempt}: {wait:?} < {previous:?}"
            );
            previous = wait;
        }
    }

    #[test]
    fn jitter_stays_between_half_and_full_and_varies() {
        let policy = RetryPolicy::default();
        for attempt in [0, 2, 10] {
            let full = policy.backoff(attempt);
            let samples: Vec<_> = (0..1000).map(|_| policy.delay(attempt, None)).collect();
            assert!(samples.iter().all(|&d| full / 2 <= d && d <= full));
            assert!(
                samples.iter().any(|&d| d < full * 3 / 4),
                "some in the lower half"
            );
            assert!(
                samples.iter().any(|&d| d > full * 3 / 4),
                "some in the upper half"
            );
        }
        assert_eq!(jitter(Duration::ZERO), Duration::ZERO);
        assert!(jitter(Duration::MAX) >= Duration::MAX / 2);
    }

    #[test]
    fn retry_after_wins_but_is_capped() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.delay(0, Some(ms(30_000))), ms(30_000));
        assert_eq!(policy.delay(5, Some(Duration::ZERO)), Duration::ZERO);
        assert_eq!(policy.delay(0, Some(ms(3_600_000))), MAX_RETRY_AFTER);
        assert_eq!(policy.delay(0, Some(Duration::MAX)), MAX_RETRY_AFTER);
    }

    #[test]
    fn parses_retry_after_seconds_and_dates() {
        let now = httpdate::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        let parse = |value| parse_retry_after(value, now);
        assert_eq!(parse("120"), Some(ms(120_000)));
        assert_eq!(parse(" 0 "), Some(Duration::ZERO));
        let huge = parse("99999999999999999999999").unwrap();
        assert_eq!(huge, Duration::from_secs(u64::MAX));
        assert_eq!(RetryPolicy::default().delay(0, Some(huge)), MAX_RETRY_AFTER);
        assert_eq!(parse("Sun, 06 Nov 1994 08:51:07 GMT"), Some(ms(90_000)));
        assert_eq!(parse("Sunday, 06-Nov-94 08:50:37 GMT"), Some(ms(60_000)));
        assert_eq!(parse("Sun Nov  6 08:49:47 1994"), Some(ms(10_000)));
        assert_eq!(parse("Sun, 06 Nov 1994 08:49:37 GMT"), Some(Duration::ZERO));
        assert_eq!(parse("Sat, 05 Nov 1994 08:49:37 GMT"), Some(Duration::ZERO));
        for garbage in [
            "",
            "  ",
            "soon",
            "-5",
            "1.5",
            "12abc",
            "+3",
            "Sun, 32 Nov 1994",
        ] {
            assert_eq!(parse(garbage), None, "{garbage:?}");
        }
    }

    #[test]
    fn retryable_statuses() {
        for status in [408, 429, 500, 502, 503, 504, 507, 599] {
            assert!(is_retryable_status(status), "{status}");
        }
        for status in [200, 304, 400, 401, 403, 404, 410, 499, 501, 505, 600] {
            assert!(!is_retryable_status(status), "{status}");
        }
    }

    proptest! {
        #[test]
        fn delay_never_exceeds_the_larger_of_cap_and_max_retry_after(
            base_ms in 0u64..1_000_000,
            cap_ms in 0u64..1_000_000,
            attempt in any::<u32>(),
            retry_after_s in proptest::option::of(any::<u64>()),
        ) {
            let policy = RetryPolicy { retries: 3, base: ms(base_ms), cap: ms(cap_ms) };
            let wait = policy.delay(attempt, retry_after_s.map(Duration::from_secs));
            prop_assert!(wait <= policy.cap.max(MAX_RETRY_AFTER));
            if retry_after_s.is_none() {
                prop_assert!(wait >= policy.backoff(attempt) / 2);
            }
        }
    }
}
