//! A project page as the index serves it, format-neutral: the files it lists.
//!
//! Both formats carry the same facts (PEP 503 HTML in attributes and URL fragments,
//! PEP 691 JSON in keys); [`super::json`] and [`super::html`] read them into
//! [`PageFile`]s, and [`super::project`] groups those by version. Reading is lenient
//! where the PEPs and pip are: a missing optional field is absent, not an error.

use url::Url;

use super::Error;

/// The `Accept` header of a project page request: JSON preferred, HTML understood.
pub const ACCEPT: &str = "application/vnd.pypi.simple.v1+json, \
                          application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01";

/// The major version of the JSON API this reader understands, and the newest minor.
pub const API_MAJOR: u32 = 1;
pub const API_MINOR: u32 = 4;

/// The hash algorithms a page may state (what pip accepts in a URL fragment).
pub const HASH_NAMES: [&str; 6] = ["sha256", "sha384", "sha512", "sha224", "sha1", "md5"];

/// Whether the core metadata of a file is served next to it (PEP 658 / PEP 714).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum CoreMetadata {
    #[default]
    Absent,
    /// Served, with these hashes (possibly none).
    Present(Vec<(String, String)>),
}

/// One file of a page, as stated there.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PageFile {
    pub filename: String,
    /// Absolute, without the fragment.
    pub url: String,
    /// `(algorithm, lowercase hex digest)`, the algorithms of [`HASH_NAMES`] only.
    pub hashes: Vec<(String, String)>,
    pub requires_python: Option<String>,
    /// `Some("")`: yanked without a reason.
    pub yanked: Option<String>,
    pub core_metadata: CoreMetadata,
    pub size: Option<u64>,
    pub upload_time: Option<String>,
}

/// What a page says.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Page {
    pub files: Vec<PageFile>,
    /// `meta.api-version` of a JSON page.
    pub api_version: Option<String>,
    /// Things worth a warning (a newer minor API version).
    pub warnings: Vec<String>,
}

/// The format a response's `Content-Type` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Html,
}

impl Format {
    /// The format of a `Content-Type` (PEP 691: the v1 JSON type; HTML as the v1 HTML
    /// type or plain `text/html`).
    pub fn of(content_type: Option<&str>) -> Result<Format, Error> {
        let essence = content_type
            .unwrap_or("text/html")
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match essence.as_str() {
            "application/vnd.pypi.simple.v1+json" => Ok(Format::Json),
            "application/vnd.pypi.simple.v1+html" | "text/html" | "" => Ok(Format::Html),
            "application/vnd.pypi.simple.latest+json" => Ok(Format::Json),
            "application/vnd.pypi.simple.latest+html" => Ok(Format::Html),
            _ => Err(Error::ContentType(essence)),
        }
    }
}

/// Reads a page in `format`, fetched from `url` (relative links resolve against it).
pub fn parse(body: &[u8], format: Format, url: &Url) -> Result<Page, Error> {
    match format {
        Format::Json => super::json::parse(body, url),
        Format::Html => super::html::parse(body, url),
    }
}

/// A link resolved against `base`, split into the URL without fragment and the hashes
/// of its fragment; `None` if it does not resolve.
pub fn resolve_link(base: &Url, href: &str) -> Option<(Url, Vec<(String, String)>)> {
    let mut url = base.join(href.trim()).ok()?;
    let mut hashes = Vec::new();
    if let Some(fragment) = url.fragment() {
        for pair in fragment.split('&') {
            if let Some((name, value)) = pair.split_once('=') {
                push_hash(&mut hashes, name, value);
            }
        }
    }
    url.set_fragment(None);
    Some((url, hashes))
}

/// Adds `name=value` to `hashes` if it is a known algorithm with a hex digest.
pub fn push_hash(hashes: &mut Vec<(String, String)>, name: &str, value: &str) {
    let name = name.trim().to_ascii_lowercase();
    let value = value.trim();
    let hex = !value.is_empty() && value.bytes().all(|b| b.is_ascii_hexdigit());
    if HASH_NAMES.contains(&name.as_str()) && hex && !hashes.iter().any(|(n, _)| *n == name) {
        hashes.push((name, value.to_ascii_lowercase()));
    }
}

/// The filename of a file URL: its last path segment, percent-decoded.
pub fn filename_of(url: &Url) -> String {
    let last = url.path().rsplit('/').next().unwrap_or("");
    percent_encoding::percent_decode_str(last)
        .decode_utf8_lossy()
        .into_owned()
}

/// Checks a JSON page's `meta.api-version`: another major version is an error, a newer
/// minor a warning.
pub fn check_api_version(version: &str, warnings: &mut Vec<String>) -> Result<(), Error> {
    let mut parts = version.trim().split('.');
    let major = parts.next().and_then(|m| m.parse::<u32>().ok());
    let minor = parts
        .next()
        .and_then(|m| m.parse::<u32>().ok())
        .unwrap_or(0);
    match major {
        Some(API_MAJOR) if minor > API_MINOR => {
            warnings.push(format!(
                "the index speaks simple API {version}, newer than {API_MAJOR}.{API_MINOR}: \
                 fields it added are ignored"
            ));
            Ok(())
        }
        Some(API_MAJOR) => Ok(()),
        _ => Err(Error::ApiVersion(version.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types() {
        let json = Some("application/vnd.pypi.simple.v1+json");
        assert_eq!(Format::of(json).unwrap(), Format::Json);
        let html = Some("text/html; charset=utf-8");
        assert_eq!(Format::of(html).unwrap(), Format::Html);
        assert_eq!(Format::of(None).unwrap(), Format::Html);
        assert!(Format::of(Some("application/octet-stream")).is_err());
    }

    #[test]
    fn links_resolve_and_fragments_give_hashes() {
        let base = Url::parse("https://example.org/simple/pkg/").unwrap();
        let (url, hashes) = resolve_link(&base, "../../files/pkg-1.0.tar.gz#sha256=ABCD").unwrap();
        assert_eq!(url.as_str(), "https://example.org/files/pkg-1.0.tar.gz");
        assert_eq!(hashes, vec![("sha256".into(), "abcd".into())]);
        let (_, none) = resolve_link(&base, "x.whl#egg=foo&sha256=zz").unwrap();
        assert!(none.is_empty(), "not hex: not a hash");
        assert_eq!(filename_of(&url), "pkg-1.0.tar.gz");
        let spaced = Url::parse("https://h/a/pkg%2B1-1.0.tar.gz").unwrap();
        assert_eq!(filename_of(&spaced), "pkg+1-1.0.tar.gz");
    }

    #[test]
    fn api_versions() {
        let mut warnings = Vec::new();
        assert!(check_api_version("1.0", &mut warnings).is_ok());
        assert!(check_api_version("1.4", &mut warnings).is_ok());
        assert!(warnings.is_empty());
        assert!(check_api_version("1.9", &mut warnings).is_ok());
        assert_eq!(warnings.len(), 1);
        assert!(check_api_version("2.0", &mut warnings).is_err());
        assert!(check_api_version("x", &mut warnings).is_err());
    }
}
