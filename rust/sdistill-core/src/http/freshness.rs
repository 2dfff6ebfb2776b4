//! Decisions on an archived policy: serve it, revalidate it, or fetch anew
//! (RFC 9111 §4). Nothing here deserializes: every field is read in place.

use reqwest::header::{self, HeaderMap};

use super::cache_control::Directives;
use super::policy::{vary_matches, ArchivedPolicy};

/// The heuristic lifetime is capped at one day, whatever the Last-Modified age.
const HEURISTIC_CAP: u64 = 24 * 60 * 60;

/// What to do with a stored response for a new request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Use it without asking the server.
    Fresh,
    /// Ask the server whether it is still valid (a conditional request).
    Revalidate(Validators),
    /// It cannot be used: fetch unconditionally.
    Refetch,
}

/// The validators of a stored response, sent as `If-None-Match` / `If-Modified-Since`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// How old the stored response is now (RFC 9111 §4.2.3).
pub fn current_age(policy: &ArchivedPolicy, now: u64) -> u64 {
    let response_time = policy.response_time.to_native();
    let request_time = policy.request_time.to_native();
    let date = policy
        .date
        .as_ref()
        .map_or(response_time, |d| d.to_native());
    let apparent_age = response_time.saturating_sub(date);
    let response_delay = response_time.saturating_sub(request_time);
    let corrected_age = policy.age.to_native().saturating_add(response_delay);
    let initial_age = apparent_age.max(corrected_age);
    initial_age.saturating_add(now.saturating_sub(response_time))
}

/// How long the stored response stays fresh (RFC 9111 §4.2.1, §4.2.2).
pub fn lifetime(policy: &ArchivedPolicy) -> u64 {
    if let Some(max_age) = policy.directives.max_age.as_ref() {
        return max_age.to_native();
    }
    let date = policy
        .date
        .as_ref()
        .map_or(policy.response_time.to_native(), |d| d.to_native());
    if let Some(expires) = policy.expires.as_ref() {
        return expires.to_native().saturating_sub(date);
    }
    match policy.last_modified_time.as_ref() {
        Some(modified) => (date.saturating_sub(modified.to_native()) / 10).min(HEURISTIC_CAP),
        None => 0,
    }
}

/// The decision for a request with `request` directives and `headers` at time `now`.
pub fn decide(
    policy: &ArchivedPolicy,
    request: &Directives,
    headers: &HeaderMap,
    now: u64,
) -> Decision {
    if !vary_matches(&policy.vary, headers) {
        return Decision::Refetch;
    }
    let age = current_age(policy, now);
    let lifetime = lifetime(policy);
    let fresh = age < lifetime;
    let directives = &policy.directives;
    // RFC 8246: an immutable response is not revalidated while fresh, even when the
    // request asks for it.
    if fresh && directives.immutable && !directives.no_cache {
        return Decision::Fresh;
    }
    let acceptable = !directives.no_cache
        && !request.no_cache
        && request.max_age.is_none_or(|max| age <= max)
        && request
            .min_fresh
            .is_none_or(|min| lifetime.saturating_sub(age) >= min);
    if acceptable && fresh {
        return Decision::Fresh;
    }
    let stale_allowed = !directives.must_revalidate
        && request
            .max_stale
            .is_some_and(|max| age.saturating_sub(lifetime) <= max);
    if acceptable && stale_allowed {
        return Decision::Fresh;
    }
    validators(policy).map_or(Decision::Refetch, Decision::Revalidate)
}

/// The stored validators, if it has any.
pub fn validators(policy: &ArchivedPolicy) -> Option<Validators> {
    let etag = policy.etag.as_ref().map(|e| e.as_str().to_owned());
    let last_modified = policy.last_modified.as_ref().map(|l| l.as_str().to_owned());
    (etag.is_some() || last_modified.is_some()).then_some(Validators {
        etag,
        last_modified,
    })
}

/// Whether a `304 Not Modified` really speaks of the stored response (RFC 9111
/// §4.3.4): a different entity tag, or a different Last-Modified where the stored
/// response has no entity tag, means it does not, and the response is fetched anew.
pub fn valid_not_modified(policy: &ArchivedPolicy, response: &HeaderMap) -> bool {
    let etag = response
        .get(header::ETAG)
        .and_then(|v| v.to_str().ok())
        .map(str::trim);
    match (policy.etag.as_ref(), etag) {
        (Some(stored), Some(sent)) => weak_eq(stored.as_str(), sent),
        (None, Some(_)) => false,
        (Some(_), None) => true,
        (None, None) => {
            let sent = response
                .get(header::LAST_MODIFIED)
                .and_then(|v| v.to_str().ok());
            match (policy.last_modified.as_ref(), sent) {
                (Some(stored), Some(sent)) => stored.as_str().trim() == sent.trim(),
                (Some(_), None) => true,
                (None, _) => false,
            }
        }
    }
}

/// Weak comparison of entity tags (RFC 9110 §8.8.3.2).
fn weak_eq(a: &str, b: &str) -> bool {
    let strip = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    strip(a) == strip(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::policy::{Policy, Vary};
    use rkyv::util::AlignedVec;

    const T0: u64 = 1_900_000_000;

    fn policy(cc: &str) -> Policy {
        Policy {
            request_time: T0,
            response_time: T0,
            status: 200,
            directives: Directives::parse([cc]),
            date: Some(T0),
            expires: None,
            last_modified: None,
            last_modified_time: None,
            etag: Some("\"e1\"".into()),
            age: 0,
            vary: Vary::Nothing,
        }
    }

    fn bytes(p: &Policy) -> AlignedVec {
        rkyv::to_bytes::<rkyv::rancor::Error>(p).unwrap()
    }

    fn decide_at(p: &Policy, request: &str, now: u64) -> Decision {
        let b = bytes(p);
        let a = rkyv::access::<ArchivedPolicy, rkyv::rancor::Error>(&b).unwrap();
        decide(a, &Directives::parse([request]), &HeaderMap::new(), now)
    }

    fn revalidate() -> Decision {
        Decision::Revalidate(Validators {
            etag: Some("\"e1\"".into()),
            last_modified: None,
        })
    }

    #[test]
    fn max_age_decides_freshness() {
        let p = policy("max-age=60");
        assert_eq!(decide_at(&p, "", T0 + 59), Decision::Fresh);
        assert_eq!(decide_at(&p, "", T0 + 60), revalidate());
    }

    #[test]
    fn age_header_and_transit_time_count() {
        let mut p = policy("max-age=60");
        p.age = 50;
        assert_eq!(decide_at(&p, "", T0 + 9), Decision::Fresh);
        assert_eq!(decide_at(&p, "", T0 + 10), revalidate());
        let mut slow = policy("max-age=60");
        slow.request_time = T0 - 30;
        assert_eq!(decide_at(&slow, "", T0 + 30), revalidate());
    }

    #[test]
    fn expires_minus_date_then_heuristic() {
        let mut p = policy("");
        p.expires = Some(T0 + 100);
        assert_eq!(decide_at(&p, "", T0 + 99), Decision::Fresh);
        p.expires = Some(0);
        assert_eq!(decide_at(&p, "", T0), revalidate());
        let mut h = policy("");
        h.last_modified_time = Some(T0 - 1000);
        assert_eq!(decide_at(&h, "", T0 + 99), Decision::Fresh);
        assert_eq!(decide_at(&h, "", T0 + 100), revalidate());
        h.last_modified_time = Some(0);
        assert_eq!(decide_at(&h, "", T0 + HEURISTIC_CAP), revalidate());
    }

    #[test]
    fn no_validators_means_refetch() {
        let mut p = policy("max-age=0");
        p.etag = None;
        assert_eq!(decide_at(&p, "", T0), Decision::Refetch);
    }

    #[test]
    fn response_no_cache_always_revalidates() {
        assert_eq!(
            decide_at(&policy("no-cache, max-age=600"), "", T0),
            revalidate()
        );
    }

    #[test]
    fn request_directives() {
        let p = policy("max-age=600");
        assert_eq!(decide_at(&p, "no-cache", T0), revalidate());
        assert_eq!(decide_at(&p, "max-age=10", T0 + 11), revalidate());
        assert_eq!(decide_at(&p, "max-age=10", T0 + 10), Decision::Fresh);
        assert_eq!(decide_at(&p, "min-fresh=100", T0 + 501), revalidate());
        assert_eq!(decide_at(&p, "min-fresh=100", T0 + 500), Decision::Fresh);
        assert_eq!(decide_at(&p, "max-stale=50", T0 + 650), Decision::Fresh);
        assert_eq!(decide_at(&p, "max-stale=50", T0 + 651), revalidate());
        assert_eq!(decide_at(&p, "max-stale", T0 + 1_000_000), Decision::Fresh);
    }

    #[test]
    fn must_revalidate_forbids_stale_service() {
        let p = policy("max-age=10, must-revalidate");
        assert_eq!(decide_at(&p, "max-stale", T0 + 11), revalidate());
    }

    #[test]
    fn immutable_ignores_request_revalidation_while_fresh() {
        let p = policy("max-age=600, immutable");
        assert_eq!(decide_at(&p, "no-cache", T0 + 1), Decision::Fresh);
        assert_eq!(decide_at(&p, "no-cache", T0 + 600), revalidate());
    }

    #[test]
    fn not_modified_validity() {
        let p = policy("");
        let b = bytes(&p);
        let a = rkyv::access::<ArchivedPolicy, rkyv::rancor::Error>(&b).unwrap();
        let with = |name: header::HeaderName, v: &str| {
            let mut h = HeaderMap::new();
            h.insert(name, v.parse().unwrap());
            h
        };
        assert!(valid_not_modified(a, &HeaderMap::new()));
        assert!(valid_not_modified(a, &with(header::ETAG, "W/\"e1\"")));
        assert!(!valid_not_modified(a, &with(header::ETAG, "\"e2\"")));

        let mut dated = policy("");
        dated.etag = None;
        dated.last_modified = Some("Mon, 31 Dec 2029 00:00:00 GMT".into());
        let b = bytes(&dated);
        let a = rkyv::access::<ArchivedPolicy, rkyv::rancor::Error>(&b).unwrap();
        assert!(valid_not_modified(a, &HeaderMap::new()));
        assert!(!valid_not_modified(
            a,
            &with(header::LAST_MODIFIED, "Tue, 01 Jan 2030 00:00:00 GMT")
        ));
        assert!(!valid_not_modified(a, &with(header::ETAG, "\"new\"")));
    }
}
