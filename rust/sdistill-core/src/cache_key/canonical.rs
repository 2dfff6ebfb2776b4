use url::Url;

use crate::url::redact;

use super::Error;

/// The canonical form of `url` (the rules are in the module documentation).
pub fn canonical_url(url: &str) -> Result<String, Error> {
    // The URL parser resolves dot segments only when the path is set, which can expose
    // what the rules remove (`/%2e.git` -> `/.` -> `/`): apply them until nothing changes.
    let mut current = canonical_once(url)?;
    for _ in 0..4 {
        let next = canonical_once(&current)?;
        if next == current {
            break;
        }
        current = next;
    }
    Ok(current)
}

fn canonical_once(url: &str) -> Result<String, Error> {
    let invalid = |reason: String| Error::InvalidUrl {
        url: redact(url),
        reason,
    };
    let mut parsed = Url::parse(url.trim()).map_err(|err| invalid(err.to_string()))?;
    if parsed.cannot_be_a_base() {
        return Err(invalid("not a hierarchical URL".to_owned()));
    }
    let scheme = parsed.scheme().to_owned();
    let is_git = scheme == "git" || scheme.starts_with("git+");
    // Credentials never take part in a key; `url` refuses to set them on some schemes,
    // which then have none to remove.
    let _ = parsed.set_username("");
    let _ = parsed.set_password(None);
    if let Some(host) = parsed.host_str() {
        let lower = host.to_ascii_lowercase();
        if lower != host {
            parsed
                .set_host(Some(&lower))
                .map_err(|err| invalid(err.to_string()))?;
        }
    }
    if parsed.port().is_some() && parsed.port() == default_port(&scheme) {
        let _ = parsed.set_port(None);
    }

    let mut path = normalize_escapes(parsed.path());
    // Repeat until nothing changes, so that canonicalising twice changes nothing:
    // removing `.git` can expose a trailing slash (`/o/.git`) or another `.git`.
    loop {
        let before = path.len();
        while path.ends_with('/') {
            path.pop();
        }
        if is_git {
            path = strip_git_suffix(&path);
        }
        if path.len() == before {
            break;
        }
    }
    parsed.set_path(&path);
    if let Some(query) = parsed.query() {
        let query = normalize_escapes(query);
        parsed.set_query(Some(&query));
    }
    let subdirectory = parsed.fragment().and_then(subdirectory_of);
    parsed.set_fragment(subdirectory.as_deref());

    let mut out = String::from(parsed);
    // `Url` keeps a lone "/" as the path of special schemes; the rules drop it.
    if path.is_empty() {
        if let Some(rest) = out.strip_prefix(&format!("{scheme}://")) {
            let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
            if rest[authority_end..].starts_with('/') {
                let cut = scheme.len() + 3 + authority_end;
                out.remove(cut);
            }
        }
    }
    Ok(out)
}

/// The default port of a scheme, looking through a `git+` prefix.
fn default_port(scheme: &str) -> Option<u16> {
    match scheme.strip_prefix("git+").unwrap_or(scheme) {
        "http" | "ws" => Some(80),
        "https" | "wss" => Some(443),
        "ftp" => Some(21),
        "git" => Some(9418),
        "ssh" => Some(22),
        _ => None,
    }
}

/// Removes `.git` from the repository path, keeping an `@rev` that follows it.
fn strip_git_suffix(path: &str) -> String {
    let segment_start = path.rfind('/').map_or(0, |i| i + 1);
    let (head, last) = path.split_at(segment_start);
    let (repo, rev) = match last.find('@') {
        Some(at) => last.split_at(at),
        None => (last, ""),
    };
    let mut repo = repo;
    while let Some(shorter) = repo.strip_suffix(".git") {
        repo = shorter;
    }
    format!("{head}{repo}{rev}")
}

/// Keeps only `subdirectory=<value>` of a fragment.
fn subdirectory_of(fragment: &str) -> Option<String> {
    fragment
        .split('&')
        .filter_map(|pair| pair.strip_prefix("subdirectory="))
        .find(|value| !value.is_empty())
        .map(|value| format!("subdirectory={}", normalize_escapes(value)))
}

/// Decodes escapes of unreserved characters and upper-cases the hex of the others.
fn normalize_escapes(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(hi), Some(lo)) = (hex_value(bytes[i + 1]), hex_value(bytes[i + 2])) {
                let byte = hi << 4 | lo;
                if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
                    out.push(char::from(byte));
                } else {
                    out.push('%');
                    out.push(char::from(bytes[i + 1].to_ascii_uppercase()));
                    out.push(char::from(bytes[i + 2].to_ascii_uppercase()));
                }
                i += 3;
                continue;
            }
        }
        if bytes[i] == b'%' {
            // A `%` that starts no escape is a literal percent sign: escape it, so that
            // decoding a neighbour can never make it start one.
            out.push_str("%25");
            i += 1;
            continue;
        }
        // Multi-byte characters are copied whole; `Url` has escaped what needs it.
        let ch_len = utf8_len(bytes[i]);
        out.push_str(&text[i..i + ch_len]);
        i += ch_len;
    }
    out
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xf0..=0xff => 4,
        0xe0..=0xef => 3,
        0xc0..=0xdf => 2,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(url: &str) -> String {
        canonical_url(url).unwrap()
    }

    #[test]
    fn lowercases_strips_credentials_port_and_slash() {
        assert_eq!(
            canon("HTTPS://User:Pw@Files.Example.COM:443/a/b/pkg-1.0.tar.gz#sha256=ab&subdirectory=sub"),
            "https://files.example.com/a/b/pkg-1.0.tar.gz#subdirectory=sub"
        );
        assert_eq!(
            canon("https://example.com/simple/"),
            "https://example.com/simple"
        );
        assert_eq!(canon("https://example.com/"), "https://example.com");
        assert_eq!(
            canon("http://example.com:8080/x"),
            "http://example.com:8080/x"
        );
    }

    #[test]
    fn normalises_escapes() {
        assert_eq!(
            canon("https://example.com/%7euser/%2fx"),
            "https://example.com/~user/%2Fx"
        );
        assert_ne!(
            canon("https://example.com/x/%%41%42"),
            canon("https://example.com/x/%AB")
        );
        assert_eq!(
            canon("https://example.com/%f%41"),
            "https://example.com/%25fA"
        );
    }

    #[test]
    fn git_urls_lose_their_suffix_and_default_port() {
        assert_eq!(
            canon("git+https://GitHub.com:443/pypa/pip.git"),
            "git+https://github.com/pypa/pip"
        );
        assert_eq!(
            canon("git+https://user:token@github.com/o/r.git@v1.0#egg=r"),
            "git+https://github.com/o/r@v1.0"
        );
        assert_eq!(canon("git+https://h/o/r.git.git"), "git+https://h/o/r");
        assert_eq!(canon("git+https://h/o/.git?x=1"), "git+https://h/o?x=1");
        // Not a git URL: the suffix is part of the resource.
        assert_eq!(canon("https://h/x.git"), "https://h/x.git");
    }

    #[test]
    fn refuses_what_is_not_a_url() {
        assert!(canonical_url("not a url").is_err());
        assert!(canonical_url("mailto:x@example.com").is_err());
        let err = canonical_url("https://user:secret@[bad/").unwrap_err();
        assert!(!err.to_string().contains("secret"));
    }

    proptest::proptest! {
        #[test]
        fn canonicalisation_is_idempotent(path in "[a-zA-Z0-9%/._~-]{0,30}", port in 1u16..) {
            let url = format!("https://Example.org:{port}/{path}");
            if let Ok(once) = canonical_url(&url) {
                proptest::prop_assert_eq!(canonical_url(&once).unwrap(), once);
            }
        }
    }
}
