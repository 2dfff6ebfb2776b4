//! What a cache entry remembers of an exchange: the facts freshness and revalidation are
//! decided on, and where the body is. This is the type archived with rkyv; decisions
//! are made on its archived form ([`super::freshness`]).

use reqwest::header::{self, HeaderMap};
use reqwest::StatusCode;
use rkyv::{Archive, Deserialize, Serialize};

use super::cache_control::Directives;

/// The stored facts of one response (RFC 9111 §3: only what decisions need).
#[derive(Archive, Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// When the request was sent and the response arrived (Unix seconds).
    pub request_time: u64,
    pub response_time: u64,
    pub status: u16,
    /// The response's `Cache-Control`, or the override configured for its URL.
    pub directives: Directives,
    /// `Date`, `Expires` (an invalid `Expires` is stored as 0: already expired).
    pub date: Option<u64>,
    pub expires: Option<u64>,
    /// `Last-Modified` as sent (for `If-Modified-Since`) and as a time.
    pub last_modified: Option<String>,
    pub last_modified_time: Option<u64>,
    pub etag: Option<String>,
    /// `Age` as received.
    pub age: u64,
    pub vary: Vary,
}

/// The `Vary` of a response: the request headers it depends on, with the values the
/// request that produced it had.
#[derive(Archive, Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub enum Vary {
    /// No `Vary`.
    Nothing,
    /// `Vary: *`: the response never matches a later request.
    Anything,
    /// Lower-cased header names and the request's values (`None`: it had none).
    Fields(Vec<(String, Option<String>)>),
}

/// A cache entry's record: the policy and where its body is.
#[derive(Archive, Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The URL the entry answers for, credentials removed (guards against a digest
    /// collision or a misplaced file answering for another URL).
    pub url: String,
    /// When the entry was written or last revalidated (Unix nanoseconds, so that an
    /// entry written just before a client was made is older than it): refresh mode
    /// revalidates only entries older than the client, and a caller that waited on
    /// the lock uses what a concurrent caller has just fetched.
    pub stored_at_ns: u64,
    pub policy: Policy,
    pub body: Body,
}

/// Where an entry's body is.
#[derive(Archive, Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// In the entry file, right after the record.
    Inline,
    /// In the entry file, right after the record: what a parser made of the response
    /// body (an index page's archived project).
    Parsed,
    /// In a file beside the entry (`name` in the same directory), `len` bytes.
    File {
        name: String,
        len: u64,
        sha256: String,
        /// The other digests computed on download (`(algorithm, hex)`: sha384,
        /// sha512, md5), so a file named by one of them is recognised again.
        others: Vec<(String, String)>,
    },
    /// Extracted into the revision `id` of the shard that holds the entry.
    Revision {
        id: String,
        sha256: String,
        others: Vec<(String, String)>,
    },
}

impl Policy {
    /// The policy of a response to a request that had `request_headers`; `directives`
    /// are the response's own or the configured override.
    pub fn new(
        request_headers: &HeaderMap,
        response: &HeaderMap,
        status: StatusCode,
        directives: Directives,
        times: (u64, u64),
    ) -> Policy {
        let last_modified = text(response, header::LAST_MODIFIED);
        Policy {
            request_time: times.0,
            response_time: times.1,
            status: status.as_u16(),
            directives,
            date: time(response, header::DATE),
            expires: text(response, header::EXPIRES).map(|t| parse_time(&t).unwrap_or(0)),
            last_modified_time: last_modified.as_deref().and_then(parse_time),
            last_modified,
            etag: text(response, header::ETAG),
            age: text(response, header::AGE)
                .and_then(|a| a.trim().parse().ok())
                .unwrap_or(0),
            vary: vary(request_headers, response),
        }
    }

    /// The policy after a valid `304 Not Modified` (RFC 9111 §4.3.4): the headers the
    /// 304 carries replace the stored ones, the rest stays.
    pub fn refreshed(
        &self,
        response: &HeaderMap,
        directives: Option<Directives>,
        times: (u64, u64),
    ) -> Policy {
        let mut next = self.clone();
        next.request_time = times.0;
        next.response_time = times.1;
        if let Some(directives) = directives {
            next.directives = directives;
        }
        // Without a Date the response time stands in (an old Date would age it wrongly).
        next.date = time(response, header::DATE);
        if let Some(expires) = text(response, header::EXPIRES) {
            next.expires = Some(parse_time(&expires).unwrap_or(0));
        }
        if let Some(etag) = text(response, header::ETAG) {
            next.etag = Some(etag);
        }
        if let Some(modified) = text(response, header::LAST_MODIFIED) {
            next.last_modified_time = parse_time(&modified);
            next.last_modified = Some(modified);
        }
        next.age = text(response, header::AGE)
            .and_then(|a| a.trim().parse().ok())
            .unwrap_or(0);
        next
    }
}

/// Whether a response may be stored (RFC 9111 §3). Only `200 OK` is: every other
/// status is an error or a redirect for sdistill's uses, and redirects are followed
/// before storing (the entry describes the final response, under the URL asked for).
pub fn storable(status: StatusCode, request: &Directives, response: &Directives) -> bool {
    status == StatusCode::OK && !request.no_store && !response.no_store
}

/// Every value of a header field, as text (invalid UTF-8 values are skipped).
pub fn values(headers: &HeaderMap, name: header::HeaderName) -> Vec<&str> {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect()
}

fn text(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    let all = values(headers, name);
    (!all.is_empty()).then(|| all.join(", "))
}

fn time(headers: &HeaderMap, name: header::HeaderName) -> Option<u64> {
    text(headers, name).as_deref().and_then(parse_time)
}

/// An HTTP-date as Unix seconds.
pub fn parse_time(text: &str) -> Option<u64> {
    let when = httpdate::parse_http_date(text.trim()).ok()?;
    Some(
        when.duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
    )
}

fn vary(request: &HeaderMap, response: &HeaderMap) -> Vary {
    let mut fields = Vec::new();
    for value in values(response, header::VARY) {
        for name in value.split(',') {
            let name = name.trim().to_ascii_lowercase();
            if name == "*" {
                return Vary::Anything;
            }
            if let Ok(header) = header::HeaderName::from_bytes(name.as_bytes()) {
                fields.push((name, text(request, header)));
            }
        }
    }
    if fields.is_empty() {
        Vary::Nothing
    } else {
        Vary::Fields(fields)
    }
}

/// Whether a request's headers select the stored response (RFC 9111 §4.1).
pub fn vary_matches(vary: &ArchivedVary, request: &HeaderMap) -> bool {
    match vary {
        ArchivedVary::Nothing => true,
        ArchivedVary::Anything => false,
        ArchivedVary::Fields(fields) => fields.iter().all(|field| {
            let name = field.0.as_str();
            let now = header::HeaderName::from_bytes(name.as_bytes())
                .ok()
                .and_then(|n| text(request, n));
            now.as_deref().map(normalize) == field.1.as_ref().map(|v| normalize(v.as_str()))
        }),
    }
}

/// Whitespace-insensitive comparison of header values.
fn normalize(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                header::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        map
    }

    fn archived(policy: &Policy) -> rkyv::util::AlignedVec {
        rkyv::to_bytes::<rkyv::rancor::Error>(policy).unwrap()
    }

    #[test]
    fn keeps_what_decisions_need() {
        let response = headers(&[
            ("date", "Tue, 01 Jan 2030 00:00:00 GMT"),
            ("expires", "not a date"),
            ("etag", "\"v1\""),
            ("age", "12"),
            ("last-modified", "Mon, 31 Dec 2029 00:00:00 GMT"),
        ]);
        let p = Policy::new(
            &HeaderMap::new(),
            &response,
            StatusCode::OK,
            Directives::default(),
            (1, 2),
        );
        assert_eq!(p.date, Some(1_893_456_000));
        assert_eq!(p.expires, Some(0));
        assert_eq!(p.etag.as_deref(), Some("\"v1\""));
        assert_eq!(p.age, 12);
        assert_eq!(p.last_modified_time, Some(1_893_456_000 - 86_400));
        assert_eq!(p.vary, Vary::Nothing);
    }

    #[test]
    fn vary_records_request_values_and_matches_them() {
        let request = headers(&[("accept", "text/html")]);
        let response = headers(&[("vary", "Accept, Accept-Encoding")]);
        let p = Policy::new(
            &request,
            &response,
            StatusCode::OK,
            Directives::default(),
            (0, 0),
        );
        let bytes = archived(&p);
        let a = rkyv::access::<ArchivedPolicy, rkyv::rancor::Error>(&bytes).unwrap();
        assert!(vary_matches(&a.vary, &headers(&[("accept", "text/html")])));
        assert!(!vary_matches(
            &a.vary,
            &headers(&[("accept", "application/json")])
        ));
        let with_encoding = headers(&[("accept", "text/html"), ("accept-encoding", "gzip")]);
        assert!(!vary_matches(&a.vary, &with_encoding));
    }

    #[test]
    fn vary_star_never_matches() {
        let p = Policy::new(
            &HeaderMap::new(),
            &headers(&[("vary", "accept, *")]),
            StatusCode::OK,
            Directives::default(),
            (0, 0),
        );
        let bytes = archived(&p);
        let a = rkyv::access::<ArchivedPolicy, rkyv::rancor::Error>(&bytes).unwrap();
        assert!(!vary_matches(&a.vary, &HeaderMap::new()));
    }

    #[test]
    fn a_304_replaces_only_what_it_carries() {
        let first = Policy::new(
            &HeaderMap::new(),
            &headers(&[
                ("etag", "\"a\""),
                ("last-modified", "Mon, 31 Dec 2029 00:00:00 GMT"),
            ]),
            StatusCode::OK,
            Directives::parse(["max-age=1"]),
            (10, 11),
        );
        let next = first.refreshed(
            &headers(&[("date", "Tue, 01 Jan 2030 00:00:00 GMT")]),
            Some(Directives::parse(["max-age=60"])),
            (20, 21),
        );
        assert_eq!(next.etag.as_deref(), Some("\"a\""));
        assert_eq!(next.directives.max_age, Some(60));
        assert_eq!((next.request_time, next.response_time), (20, 21));
        assert_eq!(next.last_modified, first.last_modified);
    }

    #[test]
    fn only_200_without_no_store_is_storable() {
        let plain = Directives::default();
        let no_store = Directives::parse(["no-store"]);
        assert!(storable(StatusCode::OK, &plain, &plain));
        assert!(!storable(StatusCode::OK, &no_store, &plain));
        assert!(!storable(StatusCode::OK, &plain, &no_store));
        assert!(!storable(StatusCode::NOT_FOUND, &plain, &plain));
    }
}
