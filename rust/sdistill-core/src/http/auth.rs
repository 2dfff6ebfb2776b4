//! Credentials for HTTP requests, and keeping them out of logs and error messages.
//!
//! - **Credentials in URLs.** `https://user:pass@host/` carries credentials in its
//!   userinfo. [`split_credentials`] takes them out (percent-decoded), so that they can
//!   be sent in a header instead of travelling in a URL that may end up in a log.
//! - **Redaction** lives in [`crate::url::redact`], below both this module and the
//!   cache keys.
//! - **.netrc.** [`Netrc`] reads the file curl and Python's `netrc` read: whitespace
//!   separated tokens; `machine NAME` or `default` starts an entry, `login` (or `user`)
//!   and `password` fill it, `account` is ignored, `macdef NAME` skips a macro whose body
//!   runs to the next blank line. Where a keyword is expected, `#` starts a comment to
//!   the end of the line; values are taken as they are (`password #x` is a password).
//!   A value may be quoted (`"a b"`), with `\` escaping the next character. Unknown
//!   tokens are ignored. Lookup matches the machine name case-insensitively, the first
//!   matching entry winning (as in curl), else falls back to `default`.
//! - **Redirects.** Credentials may follow a redirect only to the same origin
//!   ([`same_origin`]): same scheme, host and port, default ports filled in.
//! - **Credentials by origin.** A client remembers the credentials of every URL it was
//!   given with userinfo (an index URL, typically) in a [`CredentialStore`], and sends
//!   them with the requests to the same origin that carry none of their own: the files
//!   an index's pages link to, a page reached by a redirect. Among several URLs of one
//!   origin, the one whose path is the longest prefix of the request's path wins, else
//!   the first one given. They never go to another origin.

use std::fmt;
use std::path::PathBuf;
use std::sync::RwLock;

use percent_encoding::percent_decode_str;
use url::Url;

/// A username and optional password. Its Debug impl never shows the password.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub username: String,
    pub password: Option<String>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "****"))
            .finish()
    }
}

/// The URL without its userinfo, and the credentials that were in it (percent-decoded;
/// None when the URL has no username and no password).
pub fn split_credentials(url: &Url) -> (Url, Option<Credentials>) {
    let decode = |text: &str| percent_decode_str(text).decode_utf8_lossy().into_owned();
    let credentials =
        (!url.username().is_empty() || url.password().is_some()).then(|| Credentials {
            username: decode(url.username()),
            password: url.password().map(decode),
        });
    let mut bare = url.clone();
    // Only URLs that cannot carry userinfo refuse these, and they have none to remove.
    let _ = bare.set_username("");
    let _ = bare.set_password(None);
    (bare, credentials)
}

/// Whether two URLs have the same origin (scheme, host, port incl. default ports),
/// which decides if credentials may follow a redirect. URLs without a host (`file:`,
/// `data:`) have no origin to share.
pub fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host().is_some()
        && a.host() == b.host()
        && a.port_or_known_default() == b.port_or_known_default()
}

/// Credentials learned from URLs, by origin (see the module documentation). Its Debug
/// impl shows origins and usernames, never passwords.
#[derive(Default)]
pub struct CredentialStore {
    /// (origin, path of the URL they came with, credentials), in the order learned.
    known: RwLock<Vec<(url::Origin, String, Credentials)>>,
}

impl CredentialStore {
    /// Remembers the credentials `url` carries, if any, for its origin (URLs without a
    /// host have no origin and are ignored). The same origin and path given again with
    /// other credentials replaces them.
    pub fn learn(&self, url: &Url) {
        if url.username().is_empty() && url.password().is_none() {
            return;
        }
        let origin = url.origin();
        if !origin.is_tuple() {
            return;
        }
        let (_, Some(credentials)) = split_credentials(url) else {
            return;
        };
        let same = |(o, p, _): &(url::Origin, String, Credentials)| {
            *o == origin && p.as_str() == url.path()
        };
        let read = self.known.read().unwrap_or_else(|p| p.into_inner());
        if read.iter().any(|k| same(k) && k.2 == credentials) {
            return;
        }
        drop(read);
        let mut known = self.known.write().unwrap_or_else(|p| p.into_inner());
        match known.iter_mut().find(|k| same(k)) {
            Some(entry) => entry.2 = credentials,
            None => known.push((origin, url.path().to_owned(), credentials)),
        }
    }

    /// The credentials learned for the origin of `url`: those of the URL whose path is
    /// the longest prefix of `url`'s path, else the first learned for the origin.
    pub fn lookup(&self, url: &Url) -> Option<Credentials> {
        let origin = url.origin();
        if !origin.is_tuple() {
            return None;
        }
        let known = self.known.read().unwrap_or_else(|p| p.into_inner());
        let mut best: Option<(usize, &Credentials)> = None;
        for (_, path, credentials) in known.iter().filter(|(o, ..)| *o == origin) {
            let score = if url.path().starts_with(path.as_str()) {
                path.len() + 1
            } else {
                0
            };
            if best.is_none_or(|(top, _)| score > top) {
                best = Some((score, credentials));
            }
        }
        best.map(|(_, credentials)| credentials.clone())
    }
}

impl fmt::Debug for CredentialStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let known = self.known.read().unwrap_or_else(|p| p.into_inner());
        let origins: Vec<_> = known
            .iter()
            .map(|(origin, path, c)| (origin.ascii_serialization(), path, &c.username))
            .collect();
        f.debug_struct("CredentialStore")
            .field("known", &origins)
            .finish()
    }
}

/// Parsed .netrc (the rules are in the module documentation). Its Debug impl shows
/// machines and logins, never passwords.
pub struct Netrc {
    entries: Vec<Entry>,
}

/// One `machine` entry, or the `default` one when `machine` is None.
#[derive(Default)]
struct Entry {
    machine: Option<String>,
    login: Option<String>,
    password: Option<String>,
}

impl Netrc {
    /// Parses .netrc text; lenient: ignores what it cannot read.
    pub fn parse(text: &str) -> Netrc {
        let mut lexer = Lexer { text, pos: 0 };
        let mut entries: Vec<Entry> = Vec::new();
        while let Some(keyword) = lexer.keyword() {
            if keyword == "default" {
                entries.push(Entry::default());
                continue;
            }
            if !["machine", "login", "user", "password", "account", "macdef"].contains(&keyword) {
                continue; // an unknown token
            }
            let Some(value) = lexer.value() else { break };
            match (keyword, entries.last_mut()) {
                ("machine", _) => entries.push(Entry {
                    machine: Some(value),
                    ..Entry::default()
                }),
                ("login" | "user", Some(entry)) => entry.login = Some(value),
                ("password", Some(entry)) => entry.password = Some(value),
                ("macdef", _) => lexer.skip_macro_body(),
                _ => {} // `account`, or a value before any entry
            }
        }
        Netrc { entries }
    }

    /// Loads `$NETRC` if set, else `~/.netrc` ($HOME); None if there is no such file or
    /// it cannot be read.
    pub fn load() -> Option<Netrc> {
        let path = match std::env::var_os("NETRC") {
            Some(path) if !path.is_empty() => PathBuf::from(path),
            _ => PathBuf::from(std::env::var_os("HOME")?).join(".netrc"),
        };
        let bytes = std::fs::read(path).ok()?;
        Some(Netrc::parse(&String::from_utf8_lossy(&bytes)))
    }

    /// Credentials for a host name (exact, case-insensitive match of the `machine`,
    /// else the `default` entry). An entry without a login gives none.
    pub fn lookup(&self, host: &str) -> Option<Credentials> {
        let machine = |e: &&Entry| {
            e.machine
                .as_ref()
                .is_some_and(|m| m.eq_ignore_ascii_case(host))
        };
        let entry = (self.entries.iter().find(machine))
            .or_else(|| self.entries.iter().find(|e| e.machine.is_none()))?;
        Some(Credentials {
            username: entry.login.clone()?,
            password: entry.password.clone(),
        })
    }
}

impl fmt::Debug for Netrc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let logins: Vec<_> = self
            .entries
            .iter()
            .map(|e| (&e.machine, &e.login))
            .collect();
        f.debug_struct("Netrc")
            .field("logins", &logins)
            .finish_non_exhaustive()
    }
}

/// Splits .netrc text into tokens.
struct Lexer<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Lexer<'a> {
    fn rest(&self) -> &'a str {
        &self.text[self.pos..]
    }

    /// The next token where a keyword is expected: comments are skipped. Keywords are
    /// never quoted.
    fn keyword(&mut self) -> Option<&'a str> {
        self.skip_whitespace();
        while self.rest().starts_with('#') {
            self.skip_line();
            self.skip_whitespace();
        }
        let token = self.bare();
        (!token.is_empty()).then_some(token)
    }

    /// The next token, taken as it is (quoted or not); None at the end of the text.
    fn value(&mut self) -> Option<String> {
        self.skip_whitespace();
        let mut chars = self.rest().char_indices();
        if chars.next()?.1 != '"' {
            return Some(self.bare().to_owned());
        }
        let (mut token, mut len) = (String::new(), self.rest().len());
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    len = i + 1;
                    break;
                }
                '\\' => token.extend(chars.next().map(|(_, escaped)| escaped)),
                _ => token.push(c),
            }
        }
        self.pos += len;
        Some(token)
    }

    /// The text up to the next whitespace.
    fn bare(&mut self) -> &'a str {
        let rest = self.rest();
        let token = &rest[..rest.find(char::is_whitespace).unwrap_or(rest.len())];
        self.pos += token.len();
        token
    }

    fn skip_whitespace(&mut self) {
        self.pos += self.rest().len() - self.rest().trim_start().len();
    }

    /// Moves past the next newline (or to the end of the text).
    fn skip_line(&mut self) {
        self.pos += self.rest().find('\n').map_or(self.rest().len(), |i| i + 1);
    }

    /// Skips the rest of the `macdef` line, then the body up to a blank line.
    fn skip_macro_body(&mut self) {
        self.skip_line();
        while !self.rest().is_empty() {
            let start = self.pos;
            self.skip_line();
            if self.text[start..self.pos].trim().is_empty() {
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    fn creds(username: &str, password: Option<&str>) -> Option<Credentials> {
        let (username, password) = (username.to_owned(), password.map(str::to_owned));
        Some(Credentials { username, password })
    }

    #[test]
    fn split_decodes_and_removes_userinfo() {
        let cases = [
            (
                "https://me:p%40s%3A@h/s/",
                "https://h/s/",
                creds("me", Some("p@s:")),
            ),
            (
                "https://t%2Fk@h:8443/",
                "https://h:8443/",
                creds("t/k", None),
            ),
            ("https://:pw@h/", "https://h/", creds("", Some("pw"))),
            ("https://h/a@b", "https://h/a@b", None),
        ];
        for (text, bare, expected) in cases {
            assert_eq!(split_credentials(&url(text)), (url(bare), expected));
        }
    }

    #[test]
    fn debug_never_shows_passwords() {
        let shown = format!("{:?}", creds("me", Some("s3cret")).unwrap());
        assert!(shown.contains("me") && !shown.contains("s3cret"), "{shown}");
        let shown = format!("{:?}", Netrc::parse("machine h login me password s3cret"));
        assert!(shown.contains("me") && !shown.contains("s3cret"), "{shown}");
    }

    const NETRC: &str = r#"# a comment line
machine pypi.org login alice password s3cret
machine Files.Example.COM
    login bob   # a comment after a value
    password "two words\"q" account ignored
machine hash.example login carol password #notacomment
macdef init
machine inside.macro login mallory password nope

machine nologin.example password orphan
machine nopass.example login dave
default login anonymous password guest
"#;

    #[test]
    fn netrc_parses_and_looks_up() {
        let netrc = Netrc::parse(NETRC);
        let anonymous = creds("anonymous", Some("guest"));
        let cases = [
            ("pypi.org", creds("alice", Some("s3cret"))),
            ("PyPI.ORG", creds("alice", Some("s3cret"))),
            ("files.example.com", creds("bob", Some("two words\"q"))),
            ("hash.example", creds("carol", Some("#notacomment"))),
            ("nopass.example", creds("dave", None)),
            ("nologin.example", None),
            ("inside.macro", anonymous.clone()),
            ("other.example", anonymous.clone()),
            ("org", anonymous),
        ];
        for (host, expected) in cases {
            assert_eq!(netrc.lookup(host), expected, "{host}");
        }
        let first_wins = Netrc::parse("machine h login one\nmachine H login two");
        assert_eq!(first_wins.lookup("h"), creds("one", None));
        assert_eq!(Netrc::parse("machine h login x").lookup("other"), None);
        assert_eq!(Netrc::parse("login x password y machine").lookup("h"), None);
    }

    #[test]
    fn netrc_load_honours_the_netrc_variable() {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        std::io::Write::write_all(&mut file, b"machine h login me password pw\n").unwrap();
        let previous = std::env::var_os("NETRC");
        std::env::set_var("NETRC", file.path());
        let loaded = Netrc::load().map(|netrc| netrc.lookup("h"));
        std::env::set_var("NETRC", file.path().with_extension("missing"));
        let missing = Netrc::load();
        match previous {
            Some(value) => std::env::set_var("NETRC", value),
            None => std::env::remove_var("NETRC"),
        }
        assert_eq!(loaded, Some(creds("me", Some("pw"))));
        assert!(missing.is_none());
    }

    #[test]
    fn the_store_answers_by_origin_and_longest_path() {
        let store = CredentialStore::default();
        store.learn(&url("https://h/no-credentials/"));
        assert_eq!(store.lookup(&url("https://h/x")), None);
        store.learn(&url("https://a:one@h/simple/"));
        store.learn(&url("https://b:two@h:443/private/simple/"));
        store.learn(&url("https://t%40k@other.example/"));
        let cases = [
            ("https://h/files/x.tar.gz", creds("a", Some("one"))),
            ("https://h:443/simple/six/", creds("a", Some("one"))),
            ("https://H/private/simple/six/", creds("b", Some("two"))),
            ("https://other.example/f", creds("t@k", None)),
            ("http://h/files/x.tar.gz", None),
            ("https://h:8443/files/x.tar.gz", None),
            ("https://h.evil/files/x.tar.gz", None),
            ("file:///x", None),
        ];
        for (text, expected) in cases {
            assert_eq!(store.lookup(&url(text)), expected, "{text}");
        }
        store.learn(&url("https://a:changed@h/simple/"));
        assert_eq!(
            store.lookup(&url("https://h/f")),
            creds("a", Some("changed"))
        );
        let shown = format!("{store:?}");
        assert!(
            shown.contains("https://h") && !shown.contains("changed"),
            "{shown}"
        );
    }

    #[test]
    fn same_origin_fills_in_default_ports() {
        let same = |a: &str, b: &str| same_origin(&url(a), &url(b));
        assert!(same("https://h/a", "https://h:443/b"));
        assert!(same("http://h:80/", "http://H/"));
        assert!(same("https://u:p@h/", "https://h/other"));
        assert!(!same("http://h/", "https://h/"));
        assert!(!same("https://h:8443/", "https://h/"));
        assert!(!same("https://h/", "https://h.evil/"));
        assert!(!same("file:///a", "file:///a"));
    }
}
