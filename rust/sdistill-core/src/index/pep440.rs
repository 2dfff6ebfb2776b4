//! PEP 440 versions, parsed, normalized and ordered exactly as `packaging.version.Version`
//! (26.x) does it.
//!
//! # What is accepted
//!
//! The text of `packaging`'s `VERSION_PATTERN`, matched case-insensitively in full:
//!
//! ```text
//! [ws] [v] [N!] N(.N)* [pre] [post] [dev] [+local] [ws]
//!   pre   = [sep] (alpha|a|beta|b|preview|pre|c|rc) [sep] [N]
//!   post  = -N  |  [sep] (post|rev|r) [sep] [N]
//!   dev   = [sep] dev [sep] [N]
//!   local = [a-z0-9]+ ([sep] [a-z0-9]+)*          sep = one of . _ -
//! ```
//!
//! Every optional part is taken greedily and never given back, as the regex's possessive
//! quantifiers do: `1.0a-` is `1.0a0` (the separator belongs to the pre-release), and
//! `1.0a..post1` is `1.0a0.post1`. A missing pre, post or dev number is 0. `ws` is
//! Python's `\s` (Unicode white space plus `\x1c`–`\x1f`), the only place non-ASCII text
//! may appear.
//!
//! # Numbers
//!
//! Numbers are unbounded in PEP 440 and in hostile input. They are kept as [`Number`]:
//! a `u64` when they fit, else their digits without leading zeros, compared by length
//! and then digit by digit — so the order is numeric at any size and nothing can panic.
//! A run of more than [`MAX_DIGITS`] digits (leading zeros included) is rejected with
//! [`Error::NumberTooLong`]: CPython refuses to convert such text to an `int` by
//! default, so `packaging` fails on it too (with `ValueError`), and every version
//! accepted here can be handed back to `packaging`.
//!
//! # Normal form
//!
//! `[E!]R.R.R[{a|b|rc}N][.postN][.devN][+l.l.l]`: the epoch only when not 0, numbers
//! without leading zeros, the release as written (`1.0.0` stays `1.0.0`), `alpha`/`beta`/
//! `c`/`pre`/`preview` as `a`/`b`/`rc`, `rev`/`r`/`-N` as `.post`, local segments
//! lower-cased, joined by `.`, numeric ones without leading zeros. This is
//! `str(packaging.version.Version(text))`.
//!
//! # Order
//!
//! Two versions compare by, in turn:
//!
//! 1. the epoch;
//! 2. the release, with trailing zeros removed (`1.0 == 1.0.0 == 1`), number by number,
//!    a shorter release first when it is a prefix of the other (`1.1 < 1.1.1`);
//! 3. the pre-release: a dev release with neither pre nor post (`1.0.dev1`) comes before
//!    every pre-release of its release; then `a` < `b` < `rc`, each by its number; a
//!    version without pre-release comes after all of them;
//! 4. the post-release: none before any, then by number (`1.0 < 1.0.post0 < 1.0.post1`);
//! 5. the dev-release: a dev release before the same version without one
//!    (`1.0a1.dev2 < 1.0a1`, `1.0.post1.dev0 < 1.0.post1`), then by number;
//! 6. the local version: none before any (`1.0 < 1.0+x`); else segment by segment, where
//!    a text segment comes before a numeric one, texts compare as (lower-case ASCII)
//!    strings and numbers numerically (`+01 == +1`), and a local version that is a prefix
//!    of the other comes first (`+a < +a.0`; local zeros are not trimmed).
//!
//! Equality and hashing follow the same key, so `1.0` and `1.0.0` are one version even
//! though they print differently.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

/// The most digits a number may have: CPython's default limit for `int(text)`.
pub const MAX_DIGITS: usize = 4300;

/// Errors of the PEP 440 module.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The text is not a PEP 440 version.
    #[error("invalid version {version:?}: unexpected text at byte {offset}")]
    Invalid { version: String, offset: usize },
    /// A number in the version has more than [`MAX_DIGITS`] digits.
    #[error("invalid version {version:?}: a number has more than {MAX_DIGITS} digits")]
    NumberTooLong { version: String },
}

/// A non-negative integer of any size (up to [`MAX_DIGITS`] digits).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Number(Repr);

/// Canonical: `Small` exactly when the value fits a `u64`, `Big` holds the digits of a
/// larger value without leading zeros. So derived equality and hashing are by value.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Repr {
    Small(u64),
    Big(Box<str>),
}

static ZERO: Number = Number(Repr::Small(0));

impl Number {
    /// The number written by `digits` (ASCII digits only, 1 to [`MAX_DIGITS`] of them).
    pub fn from_digits(digits: &str) -> Option<Number> {
        if digits.is_empty()
            || digits.len() > MAX_DIGITS
            || !digits.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let significant = digits.trim_start_matches('0');
        Some(match significant.parse::<u64>() {
            Ok(value) => Number(Repr::Small(value)),
            Err(_) if significant.is_empty() => ZERO.clone(),
            Err(_) => Number(Repr::Big(significant.into())),
        })
    }

    /// The value, when it fits a `u64`.
    pub fn as_u64(&self) -> Option<u64> {
        match self.0 {
            Repr::Small(value) => Some(value),
            Repr::Big(_) => None,
        }
    }

    pub fn is_zero(&self) -> bool {
        self.0 == Repr::Small(0)
    }
}

impl From<u64> for Number {
    fn from(value: u64) -> Number {
        Number(Repr::Small(value))
    }
}

impl Ord for Number {
    fn cmp(&self, other: &Number) -> Ordering {
        match (&self.0, &other.0) {
            (Repr::Small(a), Repr::Small(b)) => a.cmp(b),
            (Repr::Small(_), Repr::Big(_)) => Ordering::Less,
            (Repr::Big(_), Repr::Small(_)) => Ordering::Greater,
            // No leading zeros: more digits is a larger value; as many, the first
            // differing digit decides, which is the strings' order.
            (Repr::Big(a), Repr::Big(b)) => a.len().cmp(&b.len()).then_with(|| a.cmp(b)),
        }
    }
}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Number) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Repr::Small(value) => write!(f, "{value}"),
            Repr::Big(digits) => f.write_str(digits),
        }
    }
}

/// The kind of a pre-release, in its order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PreRelease {
    Alpha,
    Beta,
    Rc,
}

impl PreRelease {
    /// The normalized spelling: `a`, `b` or `rc`.
    pub fn as_str(self) -> &'static str {
        match self {
            PreRelease::Alpha => "a",
            PreRelease::Beta => "b",
            PreRelease::Rc => "rc",
        }
    }
}

/// A segment of a local version. The variants are in their order: text before numbers.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LocalSegment {
    /// Lower-case ASCII letters and digits, at least one letter.
    Text(Box<str>),
    Number(Number),
}

impl fmt::Display for LocalSegment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LocalSegment::Text(text) => f.write_str(text),
            LocalSegment::Number(number) => number.fmt(f),
        }
    }
}

/// A PEP 440 version. Equality, order and hash are PEP 440's (see the module docs);
/// `Display` gives the normal form.
#[derive(Clone, Debug)]
pub struct Version {
    epoch: Number,
    /// Never empty.
    release: Vec<Number>,
    pre: Option<(PreRelease, Number)>,
    post: Option<Number>,
    dev: Option<Number>,
    /// Empty when the version has no local part.
    local: Vec<LocalSegment>,
}

impl Version {
    /// Parses `text` as `packaging.version.Version(text)` would.
    pub fn parse(text: &str) -> Result<Version, Error> {
        parse(text)
    }

    pub fn epoch(&self) -> &Number {
        &self.epoch
    }

    /// The release numbers as written (trailing zeros kept); never empty.
    pub fn release(&self) -> &[Number] {
        &self.release
    }

    pub fn pre(&self) -> Option<(PreRelease, &Number)> {
        self.pre.as_ref().map(|(kind, number)| (*kind, number))
    }

    pub fn post(&self) -> Option<&Number> {
        self.post.as_ref()
    }

    pub fn dev(&self) -> Option<&Number> {
        self.dev.as_ref()
    }

    /// The local segments; empty when there is no local version.
    pub fn local(&self) -> &[LocalSegment] {
        &self.local
    }

    /// A pre-release or a dev release (`packaging`'s `is_prerelease`).
    pub fn is_prerelease(&self) -> bool {
        self.pre.is_some() || self.dev.is_some()
    }

    pub fn is_devrelease(&self) -> bool {
        self.dev.is_some()
    }

    pub fn is_postrelease(&self) -> bool {
        self.post.is_some()
    }

    /// The normal form without the local version.
    pub fn public(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = self.write_public(&mut out);
        out
    }

    fn write_public(&self, out: &mut impl fmt::Write) -> fmt::Result {
        if !self.epoch.is_zero() {
            write!(out, "{}!", self.epoch)?;
        }
        for (i, number) in self.release.iter().enumerate() {
            if i > 0 {
                out.write_char('.')?;
            }
            write!(out, "{number}")?;
        }
        if let Some((kind, number)) = &self.pre {
            write!(out, "{}{number}", kind.as_str())?;
        }
        if let Some(number) = &self.post {
            write!(out, ".post{number}")?;
        }
        if let Some(number) = &self.dev {
            write!(out, ".dev{number}")?;
        }
        Ok(())
    }

    /// The release without its trailing zeros: what the order compares.
    fn trimmed_release(&self) -> &[Number] {
        let len = self
            .release
            .iter()
            .rposition(|number| !number.is_zero())
            .map_or(0, |last| last + 1);
        &self.release[..len]
    }

    /// Pre, post and dev as one tuple whose order is PEP 440's (module docs, 3 to 5).
    fn suffix_key(&self) -> (i8, &Number, bool, &Number, bool, &Number) {
        let (pre_rank, pre_number) = match (&self.pre, &self.post, &self.dev) {
            (Some((kind, number)), _, _) => (*kind as i8, number),
            (None, None, Some(_)) => (-1, &ZERO),
            (None, _, _) => (3, &ZERO),
        };
        (
            pre_rank,
            pre_number,
            self.post.is_some(),
            self.post.as_ref().unwrap_or(&ZERO),
            self.dev.is_none(),
            self.dev.as_ref().unwrap_or(&ZERO),
        )
    }

    fn local_key(&self) -> Option<&[LocalSegment]> {
        (!self.local.is_empty()).then_some(self.local.as_slice())
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Version) -> Ordering {
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| self.trimmed_release().cmp(other.trimmed_release()))
            .then_with(|| self.suffix_key().cmp(&other.suffix_key()))
            .then_with(|| self.local_key().cmp(&other.local_key()))
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Version) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Version) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version {}

impl Hash for Version {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // Exactly the parts `cmp` compares, so equal versions hash alike.
        self.epoch.hash(state);
        self.trimmed_release().hash(state);
        self.suffix_key().hash(state);
        self.local_key().hash(state);
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_public(f)?;
        for (i, segment) in self.local.iter().enumerate() {
            f.write_str(if i == 0 { "+" } else { "." })?;
            write!(f, "{segment}")?;
        }
        Ok(())
    }
}

impl FromStr for Version {
    type Err = Error;

    fn from_str(text: &str) -> Result<Version, Error> {
        parse(text)
    }
}

/// The items whose text is a version, in ascending version order; the others are
/// dropped. The sort is stable: equal versions (`1.0`, `1.0.0`) keep their order.
pub fn sort_versions<T: AsRef<str>>(items: impl IntoIterator<Item = T>) -> Vec<T> {
    let mut parsed: Vec<(Version, T)> = items
        .into_iter()
        .filter_map(|item| Some((Version::parse(item.as_ref()).ok()?, item)))
        .collect();
    parsed.sort_by(|(a, _), (b, _)| a.cmp(b));
    parsed.into_iter().map(|(_, item)| item).collect()
}

/// Python's `\s` for `str` patterns (what `str.isspace` accepts).
fn is_python_space(c: char) -> bool {
    matches!(
        c,
        '\t'..='\r'
            | '\x1c'..='\x20'
            | '\u{85}'
            | '\u{a0}'
            | '\u{1680}'
            | '\u{2000}'..='\u{200a}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202f}'
            | '\u{205f}'
            | '\u{3000}'
    )
}

const PRE_WORDS: &[(&[u8], PreRelease)] = &[
    // In the regex's order: a longer spelling before its prefix.
    (b"alpha", PreRelease::Alpha),
    (b"a", PreRelease::Alpha),
    (b"beta", PreRelease::Beta),
    (b"b", PreRelease::Beta),
    (b"preview", PreRelease::Rc),
    (b"pre", PreRelease::Rc),
    (b"c", PreRelease::Rc),
    (b"rc", PreRelease::Rc),
];
const POST_WORDS: &[(&[u8], ())] = &[(b"post", ()), (b"rev", ()), (b"r", ())];
const DEV_WORDS: &[(&[u8], ())] = &[(b"dev", ())];

/// A position in the (ASCII, once white space is trimmed) text of a version.
struct Cursor<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn eat(&mut self, byte: u8) -> bool {
        let found = self.peek() == Some(byte);
        self.pos += usize::from(found);
        found
    }

    /// One of the separators `.`, `_`, `-`.
    fn eat_separator(&mut self) -> bool {
        let found = matches!(self.peek(), Some(b'.' | b'_' | b'-'));
        self.pos += usize::from(found);
        found
    }

    /// The first of `words` (ASCII case-insensitively) found here.
    fn eat_word<T: Copy>(&mut self, words: &[(&[u8], T)]) -> Option<T> {
        let rest = &self.text.as_bytes()[self.pos..];
        let (word, value) = words.iter().find(|(word, _)| {
            rest.len() >= word.len() && rest[..word.len()].eq_ignore_ascii_case(word)
        })?;
        self.pos += word.len();
        Some(*value)
    }

    /// The longest run of bytes matching `accept`, if not empty.
    fn eat_run(&mut self, accept: fn(&u8) -> bool) -> Option<&'a str> {
        let start = self.pos;
        let len = self.text.as_bytes()[start..]
            .iter()
            .take_while(|b| accept(b))
            .count();
        self.pos += len;
        // The run is ASCII, so both ends are character boundaries.
        (len > 0).then(|| &self.text[start..start + len])
    }

    fn eat_digits(&mut self) -> Option<&'a str> {
        self.eat_run(u8::is_ascii_digit)
    }
}

fn parse(text: &str) -> Result<Version, Error> {
    let leading = text.len() - text.trim_start_matches(is_python_space).len();
    let mut cur = Cursor {
        text: text.trim_matches(is_python_space),
        pos: 0,
    };
    let invalid = |pos: usize| Error::Invalid {
        version: text.to_owned(),
        offset: leading + pos,
    };
    let number = |digits: &str| {
        Number::from_digits(digits).ok_or_else(|| Error::NumberTooLong {
            version: text.to_owned(),
        })
    };
    let optional_number = |digits: Option<&str>| digits.map_or(Ok(ZERO.clone()), number);

    let _ = cur.eat(b'v') || cur.eat(b'V');

    let start = cur.pos;
    let epoch = match cur.eat_digits() {
        Some(digits) if cur.eat(b'!') => number(digits)?,
        _ => {
            cur.pos = start;
            ZERO.clone()
        }
    };

    let first = cur.eat_digits().ok_or_else(|| invalid(cur.pos))?;
    let mut release = vec![number(first)?];
    loop {
        let start = cur.pos;
        if cur.eat(b'.') {
            if let Some(digits) = cur.eat_digits() {
                release.push(number(digits)?);
                continue;
            }
        }
        cur.pos = start;
        break;
    }

    let start = cur.pos;
    cur.eat_separator();
    let pre = match cur.eat_word(PRE_WORDS) {
        Some(kind) => {
            cur.eat_separator();
            Some((kind, optional_number(cur.eat_digits())?))
        }
        None => {
            cur.pos = start;
            None
        }
    };

    // `-N`, else a spelled-out post-release.
    let start = cur.pos;
    let mut post = None;
    if cur.eat(b'-') {
        post = cur.eat_digits().map(number).transpose()?;
    }
    if post.is_none() {
        cur.pos = start;
        cur.eat_separator();
        if cur.eat_word(POST_WORDS).is_some() {
            cur.eat_separator();
            post = Some(optional_number(cur.eat_digits())?);
        } else {
            cur.pos = start;
        }
    }

    let start = cur.pos;
    cur.eat_separator();
    let dev = match cur.eat_word(DEV_WORDS) {
        Some(()) => {
            cur.eat_separator();
            Some(optional_number(cur.eat_digits())?)
        }
        None => {
            cur.pos = start;
            None
        }
    };

    let mut local = Vec::new();
    let start = cur.pos;
    if cur.eat(b'+') {
        let mut segment = cur.eat_run(u8::is_ascii_alphanumeric);
        while let Some(text) = segment {
            local.push(if text.bytes().all(|b| b.is_ascii_digit()) {
                LocalSegment::Number(number(text)?)
            } else {
                LocalSegment::Text(text.to_ascii_lowercase().into())
            });
            let before = cur.pos;
            segment = None;
            if cur.eat_separator() {
                segment = cur.eat_run(u8::is_ascii_alphanumeric);
            }
            if segment.is_none() {
                cur.pos = before;
            }
        }
        if local.is_empty() {
            cur.pos = start;
        }
    }

    if cur.pos != cur.text.len() {
        return Err(invalid(cur.pos));
    }
    Ok(Version {
        epoch,
        release,
        pre,
        post,
        dev,
        local,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::hash_map::DefaultHasher;

    use proptest::prelude::*;

    use super::*;

    fn v(text: &str) -> Version {
        Version::parse(text).unwrap_or_else(|err| panic!("{err}"))
    }

    fn normal(text: &str) -> Option<String> {
        Version::parse(text).ok().map(|version| version.to_string())
    }

    fn hash_of(version: &Version) -> u64 {
        let mut hasher = DefaultHasher::new();
        version.hash(&mut hasher);
        hasher.finish()
    }

    #[test]
    fn normal_forms_are_packagings() {
        // Each pair checked against str(packaging.version.Version(text)), packaging 26.3.
        for (text, expected) in [
            ("1.0", "1.0"),
            ("v1.0", "1.0"),
            ("V1.0", "1.0"),
            (" \x1c1.0\u{85}\t", "1.0"),
            ("0!1.0", "1.0"),
            ("01!001.010", "1!1.10"),
            ("1.0a", "1.0a0"),
            ("1.0a-", "1.0a0"),
            ("1.0ALPHA.2", "1.0a2"),
            ("1.0-beta_3", "1.0b3"),
            ("1.0c", "1.0rc0"),
            ("1.0pre", "1.0rc0"),
            ("1.0preview2", "1.0rc2"),
            ("1.0RC1", "1.0rc1"),
            ("1.0-1", "1.0.post1"),
            ("1.0-0", "1.0.post0"),
            ("1.0rev", "1.0.post0"),
            ("1.0r", "1.0.post0"),
            ("1.0_post_1", "1.0.post1"),
            ("1.0post.", "1.0.post0"),
            ("1.0a1-1", "1.0a1.post1"),
            ("1.0a--1", "1.0a0.post1"),
            ("1.0a..post1", "1.0a0.post1"),
            ("1.0.post-dev", "1.0.post0.dev0"),
            ("1.0.dev.", "1.0.dev0"),
            ("1.0dev", "1.0.dev0"),
            ("1.0+ABC-01_x", "1.0+abc.1.x"),
            ("1.0+00", "1.0+0"),
            (
                "1!2.0rc1.post2.dev3+ubuntu.1",
                "1!2.0rc1.post2.dev3+ubuntu.1",
            ),
        ] {
            assert_eq!(normal(text).as_deref(), Some(expected), "{text:?}");
        }
    }

    #[test]
    fn what_packaging_rejects_is_rejected() {
        for text in [
            "",
            " ",
            "v",
            "1.",
            ".1",
            "1..2",
            "1.0-",
            "1.0-1-1",
            "1.0+",
            "1.0+abc.",
            "1.0+a..b",
            "1.0+a b",
            "v 1.0",
            "vv1.0",
            "1.0 a1",
            "2004d",
            "1.0.win32",
            "1!",
            "!1.0",
            "1!2!3",
            "1.0prev",
            "1.0a1a2",
            "1.0.post1.post2",
            "1.0dev1.post1",
            "ⅰ.0",
            "１.0",
            "1.0+ä",
            "1.0\u{200b}",
            "1.0\0",
        ] {
            assert!(Version::parse(text).is_err(), "{text:?} was accepted");
        }
    }

    #[test]
    fn errors_say_where() {
        assert_eq!(
            Version::parse("  1.0x").unwrap_err(),
            Error::Invalid {
                version: "  1.0x".to_owned(),
                offset: 5
            }
        );
    }

    #[test]
    fn numbers_beyond_u64_are_ordered_by_value() {
        let big = "18446744073709551616"; // u64::MAX + 1
        assert!(v("18446744073709551615") < v(big));
        assert!(v(big) < v("100000000000000000000"));
        assert_eq!(v(&format!("000{big}")), v(big));
        assert_eq!(
            normal(&format!("1.0+000{big}")).unwrap(),
            format!("1.0+{big}")
        );
        assert_eq!(v("1.99999999999999999999999").release()[1].as_u64(), None);
    }

    #[test]
    fn numbers_of_more_than_max_digits_are_refused() {
        let at_limit = "1".repeat(MAX_DIGITS);
        assert_eq!(v(&at_limit).to_string(), at_limit);
        assert!(v(&"0".repeat(MAX_DIGITS)).release()[0].is_zero());
        for text in [
            "1".repeat(MAX_DIGITS + 1),
            "0".repeat(MAX_DIGITS + 1),
            format!("1.0+{}", "2".repeat(MAX_DIGITS + 1)),
            format!("1.0.post{}", "2".repeat(MAX_DIGITS + 1)),
        ] {
            assert!(matches!(
                Version::parse(&text),
                Err(Error::NumberTooLong { .. })
            ));
        }
        // Text segments of the local version are not numbers.
        assert!(Version::parse(&format!("1.0+a{}", "2".repeat(MAX_DIGITS + 1))).is_ok());
    }

    #[test]
    fn ordering_follows_pep_440() {
        let ascending = [
            "0.9",
            "1.0.dev0",
            "1.0.dev1",
            "1.0a1.dev1",
            "1.0a1",
            "1.0a1.post1.dev1",
            "1.0a1.post1",
            "1.0a2",
            "1.0b1",
            "1.0rc1",
            "1.0",
            "1.0+abc",
            "1.0+abc.5",
            "1.0+5",
            "1.0+5.abc",
            "1.0+6",
            "1.0.post0.dev1",
            "1.0.post0",
            "1.0.post1",
            "1.0.1",
            "1.1.dev1",
            "2",
            "1!0.1",
        ];
        for pair in ascending.windows(2) {
            assert!(v(pair[0]) < v(pair[1]), "{} < {}", pair[0], pair[1]);
        }
    }

    #[test]
    fn sorting_drops_what_is_not_a_version_and_is_stable() {
        assert_eq!(
            sort_versions(["2.0", "1.0.0", "nope", "1.0a1", "1.0", "1"]),
            ["1.0a1", "1.0.0", "1.0", "1", "2.0"]
        );
        assert!(sort_versions(Vec::<String>::new()).is_empty());
    }

    #[test]
    fn trailing_zeros_are_equal_but_printed() {
        assert_eq!(v("1"), v("1.0.0"));
        assert_eq!(hash_of(&v("1")), hash_of(&v("1.0.0")));
        assert_eq!(v("0"), v("0.0"));
        assert_eq!(v("1.0.0").to_string(), "1.0.0");
        assert_ne!(v("1.0+a"), v("1.0+a.0"));
        assert_eq!(v("1.0+a.01"), v("1.0+A-1"));
    }

    #[test]
    fn accessors() {
        let version = v("1!2.3rc4.post5.dev6+Local.7");
        assert_eq!(version.epoch(), &Number::from(1));
        assert_eq!(version.release(), &[Number::from(2), Number::from(3)]);
        assert_eq!(version.pre(), Some((PreRelease::Rc, &Number::from(4))));
        assert_eq!(version.post(), Some(&Number::from(5)));
        assert_eq!(version.dev(), Some(&Number::from(6)));
        assert_eq!(version.public(), "1!2.3rc4.post5.dev6");
        assert_eq!(
            version.local(),
            &[
                LocalSegment::Text("local".into()),
                LocalSegment::Number(7.into())
            ]
        );
        assert!(version.is_prerelease() && version.is_devrelease() && version.is_postrelease());
        assert!(v("1.0.dev0").is_prerelease());
        assert!(!v("1.0.post1").is_prerelease());
        assert!(!v("1.0+dev").is_devrelease());
        assert_eq!("1.0".parse::<Version>().unwrap(), v("1"));
    }

    /// A version as components, written in random spellings, with its normal form.
    fn spelled_version() -> impl Strategy<Value = (String, String)> {
        let num = prop_oneof![
            (0u64..30).prop_map(|n| n.to_string()),
            any::<u64>().prop_map(|n| n.to_string()),
            "[0-9]{1,30}",
        ];
        let sep = prop_oneof![Just(""), Just("."), Just("-"), Just("_")];
        let pre = (
            sep.clone(),
            prop::sample::select(&[
                ("a", "a"),
                ("alpha", "a"),
                ("B", "b"),
                ("beta", "b"),
                ("c", "rc"),
                ("rc", "rc"),
                ("pre", "rc"),
                ("Preview", "rc"),
            ]),
            sep.clone(),
            proptest::option::of(num.clone()),
        );
        let post = prop_oneof![
            num.clone().prop_map(|n| (format!("-{n}"), Some(n))),
            (
                sep.clone(),
                prop::sample::select(&["post", "rev", "r", "POST"]),
                sep.clone(),
                proptest::option::of(num.clone())
            )
                .prop_map(|(s1, word, s2, n)| (
                    format!("{s1}{word}{s2}{}", n.clone().unwrap_or_default()),
                    n
                )),
        ];
        let dev = (sep.clone(), sep, proptest::option::of(num.clone()));
        (
            proptest::option::of(num.clone()),
            prop::collection::vec(num, 1..6),
            proptest::option::of(pre),
            proptest::option::of(post),
            proptest::option::of(dev),
            proptest::option::of(prop::collection::vec(("[a-zA-Z0-9]{1,5}", "[._-]"), 1..4)),
            any::<bool>(),
        )
            .prop_map(|(epoch, release, pre, post, dev, local, v_prefix)| {
                let clean = |n: &str| {
                    Number::from_digits(n)
                        .map(|n| n.to_string())
                        .unwrap_or_default()
                };
                let mut text = String::new();
                let mut normal = String::new();
                if v_prefix {
                    text.push('v');
                }
                if let Some(epoch) = &epoch {
                    text.push_str(&format!("{epoch}!"));
                    if clean(epoch) != "0" {
                        normal.push_str(&format!("{}!", clean(epoch)));
                    }
                }
                text.push_str(&release.join("."));
                normal.push_str(
                    &release
                        .iter()
                        .map(|n| clean(n))
                        .collect::<Vec<_>>()
                        .join("."),
                );
                if let Some((s1, (word, kind), s2, n)) = &pre {
                    // Always with a number: without one, a following `-N` would be read
                    // as the pre-release's number (`1.0a-1` is `1.0a1`). The implicit
                    // number is covered by the unit tests and by tests/test_pep440.py.
                    let n = n.clone().unwrap_or_else(|| "0".to_owned());
                    text.push_str(&format!("{s1}{word}{s2}{n}"));
                    normal.push_str(&format!("{kind}{}", clean(&n)));
                }
                if let Some((spelled, n)) = &post {
                    text.push_str(spelled);
                    normal.push_str(&format!(
                        ".post{}",
                        n.as_deref().map_or("0".to_owned(), clean)
                    ));
                }
                if let Some((s1, s2, n)) = &dev {
                    text.push_str(&format!("{s1}dev{s2}{}", n.clone().unwrap_or_default()));
                    normal.push_str(&format!(
                        ".dev{}",
                        n.as_deref().map_or("0".to_owned(), clean)
                    ));
                }
                if let Some(local) = &local {
                    for (i, (part, sep)) in local.iter().enumerate() {
                        text.push_str(if i == 0 { "+" } else { sep });
                        text.push_str(part);
                    }
                    let parts: Vec<String> = local
                        .iter()
                        .map(|(part, _)| match Number::from_digits(part) {
                            Some(n) => n.to_string(),
                            None => part.to_ascii_lowercase(),
                        })
                        .collect();
                    normal.push('+');
                    normal.push_str(&parts.join("."));
                }
                (text, normal)
            })
    }

    fn any_version() -> impl Strategy<Value = Version> {
        spelled_version().prop_map(|(text, _)| v(&text))
    }

    proptest! {
        #[test]
        fn never_panics(text in "[ v0-9.!+_abcdeilnoprstvw-]{0,24}") {
            let _ = Version::parse(&text);
        }

        #[test]
        fn never_panics_on_any_text(text in ".{0,24}") {
            let _ = Version::parse(&text);
        }

        #[test]
        fn spellings_normalize_as_packaging((text, normal) in spelled_version()) {
            prop_assert_eq!(Version::parse(&text).map(|v| v.to_string()), Ok(normal));
        }

        #[test]
        fn normalization_is_idempotent_and_keeps_the_version(version in any_version()) {
            let again = v(&version.to_string());
            prop_assert_eq!(again.to_string(), version.to_string());
            prop_assert_eq!(&again, &version);
            prop_assert_eq!(hash_of(&again), hash_of(&version));
        }

        #[test]
        fn order_is_total_and_consistent_with_eq(
            a in any_version(), b in any_version(), c in any_version()
        ) {
            prop_assert_eq!(a.cmp(&b), b.cmp(&a).reverse());
            prop_assert_eq!(a == b, a.cmp(&b) == Ordering::Equal);
            if a == b {
                prop_assert_eq!(hash_of(&a), hash_of(&b));
            }
            if a <= b && b <= c {
                prop_assert!(a <= c);
            }
        }

        #[test]
        fn trailing_zeros_never_matter(version in any_version(), zeros in 1usize..4) {
            let mut longer = version.clone();
            longer.release.extend(std::iter::repeat_n(ZERO.clone(), zeros));
            prop_assert_eq!(&longer, &version);
            prop_assert_eq!(hash_of(&longer), hash_of(&version));
        }

        #[test]
        fn numbers_order_as_integers(a in any::<u128>(), b in any::<u128>(), zeros in "0{0,3}") {
            let na = Number::from_digits(&format!("{zeros}{a}")).unwrap();
            let nb = Number::from_digits(&b.to_string()).unwrap();
            prop_assert_eq!(na.cmp(&nb), a.cmp(&b));
            prop_assert_eq!(na.to_string(), a.to_string());
            prop_assert_eq!(na.as_u64(), u64::try_from(a).ok());
        }
    }
}
