//! `Cache-Control` directives (RFC 9111 §5.2), parsed into the few facts a private
//! cache decides on.
//!
//! Names are case-insensitive and values may be quoted. Directives for shared caches
//! only (`s-maxage`, `proxy-revalidate`, `private`, `public`) change nothing in a
//! private cache and are not kept. When a directive repeats, the most restrictive
//! reading wins (the smallest `max-age`); a `max-age` that is not a number reads as 0,
//! i.e. stale, as the RFC asks. A qualified `no-cache="field"` is read as plain
//! `no-cache` (revalidating is always safe).

use rkyv::{Archive, Deserialize, Serialize};

/// The directives of one request or response.
#[derive(Archive, Serialize, Deserialize, Debug, Clone, Default, PartialEq, Eq)]
pub struct Directives {
    /// `max-age=N` (seconds).
    pub max_age: Option<u64>,
    /// `no-cache`: a stored response must be revalidated before each use.
    pub no_cache: bool,
    /// `no-store`: nothing of the exchange may be stored.
    pub no_store: bool,
    /// `must-revalidate`: once stale, never served without revalidation.
    pub must_revalidate: bool,
    /// `immutable` (RFC 8246): will not change while fresh.
    pub immutable: bool,
    /// Request `max-stale[=N]`: a stale response is acceptable (`u64::MAX`: any).
    pub max_stale: Option<u64>,
    /// Request `min-fresh=N`: must stay fresh for at least N more seconds.
    pub min_fresh: Option<u64>,
    /// Request `only-if-cached`: answer from the cache or not at all (no request).
    pub only_if_cached: bool,
}

impl Directives {
    /// Parses every `Cache-Control` header value given (a field may repeat).
    pub fn parse<'a>(values: impl IntoIterator<Item = &'a str>) -> Directives {
        let mut out = Directives::default();
        for value in values {
            for (name, argument) in split(value) {
                out.apply(&name, argument.as_deref());
            }
        }
        out
    }

    fn apply(&mut self, name: &str, argument: Option<&str>) {
        let seconds = || argument.map_or(0, parse_seconds);
        match name {
            "max-age" => self.max_age = Some(self.max_age.map_or(seconds(), |v| v.min(seconds()))),
            "no-cache" => self.no_cache = true,
            "no-store" => self.no_store = true,
            "must-revalidate" => self.must_revalidate = true,
            "immutable" => self.immutable = true,
            "max-stale" => {
                self.max_stale = Some(argument.map_or(u64::MAX, parse_seconds));
            }
            "min-fresh" => self.min_fresh = Some(seconds()),
            "only-if-cached" => self.only_if_cached = true,
            _ => {}
        }
    }
}

/// Delta-seconds; too large saturates (RFC 9111 §1.2.2), anything else is 0.
fn parse_seconds(text: &str) -> u64 {
    let text = text.trim();
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return 0;
    }
    text.parse().unwrap_or(u64::MAX)
}

/// `name[=value]` items of one field value: commas inside quotes do not split, names
/// are lower-cased, quotes and backslash escapes are removed from values.
fn split(value: &str) -> Vec<(String, Option<String>)> {
    let mut items = Vec::new();
    let mut chars = value.chars().peekable();
    loop {
        let mut name = String::new();
        while let Some(&c) = chars.peek() {
            if c == ',' || c == '=' {
                break;
            }
            name.push(c.to_ascii_lowercase());
            chars.next();
        }
        let mut argument = None;
        if chars.peek() == Some(&'=') {
            chars.next();
            let mut text = String::new();
            let mut quoted = false;
            let mut escaped = false;
            while let Some(&c) = chars.peek() {
                if escaped {
                    text.push(c);
                    escaped = false;
                } else if quoted && c == '\\' {
                    escaped = true;
                } else if c == '"' {
                    quoted = !quoted;
                } else if c == ',' && !quoted {
                    break;
                } else {
                    text.push(c);
                }
                chars.next();
            }
            argument = Some(text.trim().to_owned());
        }
        let name = name.trim();
        if !name.is_empty() {
            items.push((name.to_owned(), argument));
        }
        if chars.next().is_none() {
            return items;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_the_common_directives() {
        let d = Directives::parse(["public, max-age=600, must-revalidate", "immutable"]);
        assert_eq!(d.max_age, Some(600));
        assert!(d.must_revalidate && d.immutable && !d.no_cache && !d.no_store);
    }

    #[test]
    fn names_are_case_insensitive_and_values_may_be_quoted() {
        let d = Directives::parse(["MAX-AGE=\"30\", No-Store"]);
        assert_eq!(d.max_age, Some(30));
        assert!(d.no_store);
    }

    #[test]
    fn a_quoted_comma_does_not_split() {
        let d = Directives::parse(["no-cache=\"set-cookie, x-a\", max-age=5"]);
        assert!(d.no_cache);
        assert_eq!(d.max_age, Some(5));
    }

    #[test]
    fn the_most_restrictive_max_age_wins_and_garbage_is_stale() {
        assert_eq!(
            Directives::parse(["max-age=60, max-age=10"]).max_age,
            Some(10)
        );
        assert_eq!(Directives::parse(["max-age=ten"]).max_age, Some(0));
        assert_eq!(Directives::parse(["max-age=-5"]).max_age, Some(0));
        assert_eq!(
            Directives::parse(["max-age=99999999999999999999999"]).max_age,
            Some(u64::MAX)
        );
    }

    #[test]
    fn request_directives() {
        let d = Directives::parse(["max-stale, min-fresh=20"]);
        assert_eq!(d.max_stale, Some(u64::MAX));
        assert_eq!(d.min_fresh, Some(20));
        assert_eq!(Directives::parse(["max-stale=7"]).max_stale, Some(7));
    }

    #[test]
    fn shared_cache_directives_and_unknown_ones_are_ignored() {
        let d = Directives::parse(["s-maxage=100, proxy-revalidate, private, x-y=\"z\""]);
        assert_eq!(d, Directives::default());
    }

    proptest! {
        #[test]
        fn never_panics(text in ".{0,80}") {
            let _ = Directives::parse([text.as_str()]);
        }

        #[test]
        fn max_age_round_trips(n in 0u64..u64::MAX, spaces in " {0,3}") {
            let text = format!("{spaces}max-age={n}{spaces},no-cache");
            let d = Directives::parse([text.as_str()]);
            prop_assert_eq!(d.max_age, Some(n));
            prop_assert!(d.no_cache);
        }
    }
}
