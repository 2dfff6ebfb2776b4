//! What the user wrote: a rev after `@`, and a repository URL. Both are checked here,
//! before any git process runs, so that nothing a user wrote can be read by git as an
//! option or as a transport.

use super::askpass::Login;
use super::Error;
use crate::url::redact;

/// A rev as written after `@` (already percent-decoded), classified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rev {
    /// None written: the remote's default branch.
    Default,
    /// A full commit id (40 hex digits, lower-cased): always that object, never a ref
    /// that happens to be named like one.
    Commit(String),
    /// A branch, a tag, a short commit prefix (≥ 7 hex digits, tried as a ref first) or
    /// a full ref name (`refs/pull/1/head`).
    Named(String),
}

impl Rev {
    /// Classifies and checks a rev; `None` or `""`… is refused: only `None` is
    /// [`Rev::Default`].
    pub fn parse(rev: Option<&str>) -> Result<Rev, Error> {
        let Some(rev) = rev else {
            return Ok(Rev::Default);
        };
        check_ref_format(rev).map_err(|reason| Error::InvalidRev {
            rev: rev.to_owned(),
            reason,
        })?;
        if is_full_commit(rev) {
            Ok(Rev::Commit(rev.to_ascii_lowercase()))
        } else {
            Ok(Rev::Named(rev.to_owned()))
        }
    }

    /// The rev as written (`""` for the default branch), for messages.
    pub fn text(&self) -> &str {
        match self {
            Rev::Default => "",
            Rev::Commit(text) | Rev::Named(text) => text,
        }
    }

    /// A short commit prefix: 7 to 39 hex digits.
    pub fn is_commit_prefix(&self) -> bool {
        match self {
            Rev::Named(text) => {
                (7..40).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_hexdigit())
            }
            _ => false,
        }
    }
}

pub(crate) fn is_full_commit(text: &str) -> bool {
    text.len() == 40 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The rules of `git check-ref-format --allow-onelevel`, and no leading `-`, no
/// whitespace.
fn check_ref_format(rev: &str) -> Result<(), &'static str> {
    if rev.is_empty() {
        return Err("it is empty");
    }
    if rev.starts_with('-') {
        return Err("it begins with '-'");
    }
    if rev.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err("it contains whitespace or control characters");
    }
    if rev == "@" {
        return Err("'@' alone is not a ref name");
    }
    if rev.contains("..") || rev.contains("@{") || rev.contains("//") {
        return Err("it contains '..', '@{' or '//'");
    }
    if rev.contains(['\\', '~', '^', ':', '?', '*', '[']) {
        return Err("it contains one of \\ ~ ^ : ? * [");
    }
    if rev.ends_with('/') || rev.ends_with('.') || rev.starts_with('/') {
        return Err("it begins or ends with '/', or ends with '.'");
    }
    for component in rev.split('/') {
        if component.starts_with('.') || component.ends_with(".lock") {
            return Err("a component begins with '.' or ends with '.lock'");
        }
    }
    Ok(())
}

/// A repository URL, checked: the URL git is given (no credentials) and the login the
/// URL carried, if any.
#[derive(Debug, Clone)]
pub struct Remote {
    /// The URL without credentials: what git sees and what keys the database.
    pub url: String,
    pub login: Option<Login>,
    pub is_file: bool,
}

const SCHEMES: [&str; 4] = ["https", "http", "ssh", "file"];

impl Remote {
    /// Checks a repository URL (its `git+` prefix already stripped).
    pub fn parse(url: &str) -> Result<Remote, Error> {
        let invalid = |reason| Error::InvalidUrl {
            url: redact(url),
            reason,
        };
        if url.starts_with('-') {
            return Err(invalid("it begins with '-'"));
        }
        if url.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(invalid("it contains whitespace or control characters"));
        }
        let scheme = url.split_once("://").map(|(scheme, _)| scheme);
        if url.contains("::") && scheme.is_none_or(|s| s.contains("::")) {
            return Err(invalid("remote helpers (ext::, fd::, …) are not allowed"));
        }
        let Some(scheme) = scheme.filter(|s| SCHEMES.contains(&s.to_ascii_lowercase().as_str()))
        else {
            return Err(invalid("the transport must be https, http, ssh or file"));
        };
        let mut parsed = url::Url::parse(url).map_err(|_| invalid("it is not a valid URL"))?;
        let is_file = scheme.eq_ignore_ascii_case("file");
        let is_ssh = scheme.eq_ignore_ascii_case("ssh");
        if parsed.password().is_some() && (is_file || is_ssh) {
            return Err(invalid(
                "a password in a file or ssh URL is not used (ssh logs in with keys)",
            ));
        }
        if is_ssh || parsed.username().is_empty() {
            return Ok(Remote {
                url: url.to_owned(),
                login: None,
                is_file,
            });
        }
        if is_file {
            return Err(invalid("a file URL has no user"));
        }
        let decode = |text: &str| {
            percent_encoding::percent_decode_str(text)
                .decode_utf8_lossy()
                .into_owned()
        };
        let host = match (parsed.host_str(), parsed.port()) {
            (Some(host), Some(port)) => format!("{host}:{port}"),
            (Some(host), None) => host.to_owned(),
            (None, _) => return Err(invalid("it has no host")),
        };
        let login = Login {
            host,
            username: decode(parsed.username()),
            password: decode(parsed.password().unwrap_or_default()),
        };
        let cleared = parsed.set_username("").is_ok() && parsed.set_password(None).is_ok();
        if !cleared {
            return Err(invalid("its credentials cannot be removed"));
        }
        Ok(Remote {
            url: parsed.into(),
            login: Some(login),
            is_file,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revs_are_classified() {
        assert_eq!(Rev::parse(None).unwrap(), Rev::Default);
        let sha = "0123456789ABCDEF0123456789abcdef01234567";
        assert_eq!(
            Rev::parse(Some(sha)).unwrap(),
            Rev::Commit(sha.to_ascii_lowercase())
        );
        for named in [
            "main",
            "v1.0",
            "feature/x",
            "refs/pull/12/head",
            "abc1234",
            "a@b",
        ] {
            assert_eq!(
                Rev::parse(Some(named)).unwrap(),
                Rev::Named(named.to_owned())
            );
        }
        assert!(Rev::parse(Some("abc1234")).unwrap().is_commit_prefix());
        assert!(!Rev::parse(Some("abc123")).unwrap().is_commit_prefix());
        assert!(!Rev::parse(Some("main")).unwrap().is_commit_prefix());
    }

    #[test]
    fn hostile_or_malformed_revs_are_refused() {
        for bad in [
            "",
            "-x",
            "--upload-pack=touch /tmp/x",
            "-oProxyCommand=touch /tmp/x",
            "a b",
            "a\tb",
            "a\nb",
            "a\u{7f}",
            "a..b",
            "a@{1}",
            "@",
            "a\\b",
            "a~1",
            "a^",
            "a:b",
            "a?",
            "a*",
            "a[",
            ".hidden",
            "x/.y",
            "x.lock",
            "x/y.lock/z",
            "x/",
            "/x",
            "x.",
            "a//b",
        ] {
            assert!(
                matches!(Rev::parse(Some(bad)), Err(Error::InvalidRev { .. })),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn urls_are_checked_and_stripped_of_logins() {
        for good in [
            "https://example.com/o/r.git",
            "http://example.com/r",
            "ssh://git@example.com/o/r",
            "file:///srv/r",
        ] {
            let remote = Remote::parse(good).unwrap();
            assert_eq!(remote.url, good);
            assert!(remote.login.is_none());
        }
        let remote = Remote::parse("https://me:s%40cret@example.com:8443/r").unwrap();
        assert_eq!(remote.url, "https://example.com:8443/r");
        let login = remote.login.unwrap();
        assert_eq!(login.host, "example.com:8443");
        assert_eq!(login.username, "me");
        assert_eq!(login.password, "s@cret");
        assert!(!format!("{login:?}").contains("cret"));
        for bad in [
            "-uhttps://x/r",
            "--upload-pack=touch /tmp/x",
            "ext::sh -c touch% /tmp/sentinel",
            "ext::sh",
            "fd::3",
            "git://example.com/r",
            "ftp://example.com/r",
            "example.com:o/r",
            "/srv/r",
            "https://example.com/r x",
            "https://example.com/\nr",
            "file://u@/srv/r",
            "ssh://u:p@h/r",
        ] {
            let err = Remote::parse(bad).unwrap_err();
            assert!(matches!(err, Error::InvalidUrl { .. }), "{bad:?}");
        }
        let err = Remote::parse("ftp://u:secret@h/r").unwrap_err();
        assert!(!err.to_string().contains("secret"));
    }
}
