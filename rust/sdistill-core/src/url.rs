//! URL text helpers shared by the layers above: cache keys and the HTTP client.
//!
//! [`redact`] masks the secret of every URL in a piece of text: the password when there
//! is one (`user:****@`), else the whole username, which is often a token (`****@`).
//! The userinfo is what lies between `://` and the last `@` before the authority ends
//! (at `/`, `?`, `#`, whitespace, a quote or `<>`), so an `@` in a path or query
//! (`https://host/a@b`) is left alone. It sits here, not in `http`, so that `cache_key`
//! (which names URLs in its errors) does not depend on the HTTP client.

/// The text with credentials replaced wherever a URL carries userinfo:
/// "https://user:secret@host/x" -> "https://user:****@host/x";
/// "https://token@host/x" -> "https://****@host/x" (a lone username is often a token).
/// Works on any string (an error message may contain several URLs, or URLs inside
/// other text), not only on a single URL; text without userinfo is returned unchanged.
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("://") {
        let (head, tail) = rest.split_at(start + 3);
        out.push_str(head);
        let authority = &tail[..tail.find(ends_authority).unwrap_or(tail.len())];
        rest = match authority.rfind('@') {
            Some(at) => {
                out.push_str(&mask_userinfo(&tail[..at]));
                &tail[at..]
            }
            None => tail,
        };
    }
    out.push_str(rest);
    out
}

fn ends_authority(c: char) -> bool {
    matches!(c, '/' | '?' | '#' | '"' | '\'' | '<' | '>' | '`') || c.is_whitespace()
}

fn mask_userinfo(userinfo: &str) -> String {
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{user}:****"),
        None if userinfo.is_empty() => String::new(),
        None => "****".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_masks_every_url_in_text() {
        let cases = [
            ("https://user:secret@host/x", "https://user:****@host/x"),
            ("https://token@host/x", "https://****@host/x"),
            ("https://u:p@ss@h:8080/", "https://u:****@h:8080/"),
            ("git+https://t@h/o/r@v1", "git+https://****@h/o/r@v1"),
            (
                "GET 'https://a:b@h1/x' failed, then <http://tok@h2?q=1> and https://h3/z@w",
                "GET 'https://a:****@h1/x' failed, then <http://****@h2?q=1> and https://h3/z@w",
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(redact(text), expected);
            assert_eq!(redact(expected), expected, "idempotent");
        }
        for text in ["https://h/a@b", "https://h/?to=a@b#c@d", "me@host", "://"] {
            assert_eq!(redact(text), text);
        }
    }
}
