//! PEP 503 HTML project pages.
//!
//! Only two tags matter: the first `<base href>` (links resolve against it, else
//! against the page's URL) and every `<a href>`. An anchor gives the file's URL; its
//! fragment the hashes (`#sha256=…`); its filename is the URL's last path segment (as
//! pip takes it, whatever the anchor's text). Attributes give `data-requires-python`,
//! `data-yanked` (present: yanked, its value the reason), `data-core-metadata` falling
//! back to `data-dist-info-metadata` (PEP 714: `true` or `<algorithm>=<digest>`), and
//! the non-standard `data-size` / `data-upload-time` some indexes add.
//!
//! A page is markup: a NUL byte anywhere means binary data, and a page without a
//! single link must hold at least one element an index page is made of (`html`,
//! `body`, `h1`, …) — otherwise it is not a page ([`Error::Page`]), not an empty
//! project.
//!
//! The tokenizer is deliberately small: it skips comments, `<!…>`/`<?…>` declarations,
//! closing tags and the contents of `<script>`/`<style>`, reads attribute values quoted
//! or not, and decodes character references in them (numeric ones, and the named ones
//! an index writes: `&amp; &lt; &gt; &quot; &apos; &nbsp;`; others stay as written).

use url::Url;

use super::page::{filename_of, push_hash, resolve_link, CoreMetadata, Page, PageFile};
use super::Error;

/// Reads an HTML page fetched from `url`.
pub fn parse(body: &[u8], url: &Url) -> Result<Page, Error> {
    if let Some(at) = body.iter().position(|&b| b == 0) {
        return Err(Error::Page(format!(
            "a NUL byte at offset {at}: binary data, not HTML"
        )));
    }
    let text = String::from_utf8_lossy(body);
    let mut base: Option<Url> = None;
    let mut files = Vec::new();
    let mut markup = false;
    for tag in Tags::new(&text) {
        markup = markup || is_html_element(&tag.name);
        match tag.name.as_str() {
            "base" if base.is_none() => {
                base = tag.attr("href").and_then(|href| url.join(href.trim()).ok());
            }
            "a" => {
                let Some(href) = tag.attr("href") else {
                    continue;
                };
                let Some((link, hashes)) = resolve_link(base.as_ref().unwrap_or(url), href) else {
                    continue;
                };
                files.push(PageFile {
                    filename: filename_of(&link),
                    url: link.into(),
                    hashes,
                    requires_python: tag
                        .attr("data-requires-python")
                        .filter(|v| !v.is_empty())
                        .map(str::to_owned),
                    yanked: tag.attr("data-yanked").map(str::to_owned),
                    core_metadata: core_metadata(&tag),
                    size: tag.attr("data-size").and_then(|s| s.trim().parse().ok()),
                    upload_time: tag.attr("data-upload-time").map(str::to_owned),
                });
            }
            _ => {}
        }
    }
    if files.is_empty() && !markup {
        return Err(Error::Page(
            "no link and no HTML element: not an HTML page".to_owned(),
        ));
    }
    Ok(Page {
        files,
        api_version: None,
        warnings: Vec::new(),
    })
}

/// Whether `name` (lowercase) is an element an index page is made of: what tells an
/// HTML page without links from text that is not markup.
fn is_html_element(name: &str) -> bool {
    matches!(
        name,
        "html"
            | "head"
            | "body"
            | "title"
            | "meta"
            | "base"
            | "link"
            | "a"
            | "h1"
            | "h2"
            | "h3"
            | "p"
            | "div"
            | "pre"
            | "br"
            | "hr"
            | "ul"
            | "li"
            | "table"
            | "main"
    )
}

fn core_metadata(tag: &Tag) -> CoreMetadata {
    let value = tag
        .attr("data-core-metadata")
        .or_else(|| tag.attr("data-dist-info-metadata"));
    match value {
        None => CoreMetadata::Absent,
        Some(value) => {
            let mut hashes = Vec::new();
            if let Some((name, digest)) = value.split_once('=') {
                push_hash(&mut hashes, name, digest);
            }
            CoreMetadata::Present(hashes)
        }
    }
}

/// A start tag: its lowercase name and its attributes (names lowercase, values decoded;
/// an attribute without a value has the value `""`).
struct Tag {
    name: String,
    attributes: Vec<(String, String)>,
}

impl Tag {
    /// The first attribute called `name`.
    fn attr(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The start tags of a document, in order.
struct Tags<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Tags<'a> {
    fn new(text: &'a str) -> Tags<'a> {
        Tags { text, at: 0 }
    }

    /// Moves past the first `needle` at or after the cursor (to the end if none).
    fn skip_past(&mut self, needle: &str) {
        self.at =
            find_ascii_ci(self.text, self.at, needle).map_or(self.text.len(), |i| i + needle.len());
    }
}

impl Iterator for Tags<'_> {
    type Item = Tag;

    fn next(&mut self) -> Option<Tag> {
        let bytes = self.text.as_bytes();
        loop {
            let open = self.at + self.text[self.at..].find('<')?;
            self.at = open + 1;
            let rest = &self.text[self.at..];
            if rest.starts_with("!--") {
                self.skip_past("-->");
                continue;
            }
            if rest.starts_with(['!', '?', '/']) {
                self.skip_past(">");
                continue;
            }
            let name_len = rest
                .bytes()
                .take_while(|b| b.is_ascii_alphanumeric())
                .count();
            if name_len == 0 {
                continue; // a stray `<` in text
            }
            let name = rest[..name_len].to_ascii_lowercase();
            self.at += name_len;
            let attributes = self.attributes(bytes);
            if name == "script" || name == "style" {
                self.skip_past(&format!("</{name}"));
            }
            return Some(Tag { name, attributes });
        }
    }
}

impl Tags<'_> {
    /// Reads attributes up to and past the tag's `>`.
    fn attributes(&mut self, bytes: &[u8]) -> Vec<(String, String)> {
        let mut attributes = Vec::new();
        loop {
            while self.at < bytes.len()
                && (bytes[self.at].is_ascii_whitespace() || bytes[self.at] == b'/')
            {
                self.at += 1;
            }
            if self.at >= bytes.len() {
                return attributes;
            }
            if bytes[self.at] == b'>' {
                self.at += 1;
                return attributes;
            }
            let start = self.at;
            while self.at < bytes.len()
                && !bytes[self.at].is_ascii_whitespace()
                && !matches!(bytes[self.at], b'=' | b'>' | b'/')
            {
                self.at += 1;
            }
            if self.at == start {
                self.at += 1; // a lone `=`: skip it
                continue;
            }
            let name = self.text[start..self.at].to_ascii_lowercase();
            let mut probe = self.at;
            while probe < bytes.len() && bytes[probe].is_ascii_whitespace() {
                probe += 1;
            }
            let value = if probe < bytes.len() && bytes[probe] == b'=' {
                self.at = probe + 1;
                while self.at < bytes.len() && bytes[self.at].is_ascii_whitespace() {
                    self.at += 1;
                }
                self.value(bytes)
            } else {
                String::new()
            };
            attributes.push((name, value));
        }
    }

    /// Reads one attribute value (quoted or not) at the cursor, decoded.
    fn value(&mut self, bytes: &[u8]) -> String {
        let raw = match bytes.get(self.at) {
            Some(&quote @ (b'"' | b'\'')) => {
                let start = self.at + 1;
                let end = bytes[start..]
                    .iter()
                    .position(|&b| b == quote)
                    .map_or(bytes.len(), |i| start + i);
                self.at = (end + 1).min(bytes.len());
                &self.text[start..end]
            }
            _ => {
                let start = self.at;
                while self.at < bytes.len()
                    && !bytes[self.at].is_ascii_whitespace()
                    && bytes[self.at] != b'>'
                {
                    self.at += 1;
                }
                &self.text[start..self.at]
            }
        };
        decode_references(raw)
    }
}

/// The byte index of the first ASCII-case-insensitive `needle` in `text` from `from`.
fn find_ascii_ci(text: &str, from: usize, needle: &str) -> Option<usize> {
    let hay = text.as_bytes();
    let needle = needle.as_bytes();
    (from..=hay.len().checked_sub(needle.len())?)
        .find(|&i| hay[i..i + needle.len()].eq_ignore_ascii_case(needle))
}

/// `text` with its character references replaced.
fn decode_references(text: &str) -> String {
    if !text.contains('&') {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        match reference(rest) {
            Some((decoded, used)) => {
                out.push(decoded);
                rest = &rest[used..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The character a reference at the start of `text` (which starts with `&`) stands for,
/// and how many bytes it takes.
fn reference(text: &str) -> Option<(char, usize)> {
    let body = &text[1..];
    if let Some(numeric) = body.strip_prefix('#') {
        let (digits, radix, skip) = match numeric.strip_prefix(['x', 'X']) {
            Some(hex) => (hex, 16, 3),
            None => (numeric, 10, 2),
        };
        let len = digits
            .bytes()
            .take_while(|b| (*b as char).is_digit(radix))
            .count();
        if len == 0 {
            return None;
        }
        let code = u32::from_str_radix(&digits[..len], radix).unwrap_or(u32::MAX);
        let decoded = char::from_u32(code)
            .filter(|&c| c != '\0')
            .unwrap_or('\u{FFFD}');
        let semicolon = usize::from(digits[len..].starts_with(';'));
        return Some((decoded, skip + len + semicolon));
    }
    let len = body.bytes().take_while(u8::is_ascii_alphanumeric).count();
    let decoded = match &body[..len] {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => '\u{A0}',
        _ => return None,
    };
    let semicolon = usize::from(body[len..].starts_with(';'));
    Some((decoded, 1 + len + semicolon))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(html: &str) -> Page {
        let url = Url::parse("https://example.org/simple/pkg/").unwrap();
        parse(html.as_bytes(), &url).unwrap()
    }

    #[test]
    fn anchors_and_their_attributes() {
        let found = page(
            r#"<!DOCTYPE html><html><head><title>Links for pkg</title></head><body>
            <!-- <a href="commented-1.0.tar.gz">no</a> -->
            <h1>Links for pkg</h1>
            <a href="../../f/pkg-1.0.tar.gz#sha256=AbC1" data-requires-python="&gt;=3.8,&lt;4"
               data-yanked="bad &amp; broken">pkg-1.0.tar.gz</a><br/>
            <A HREF='pkg-1.0-py3-none-any.whl' data-dist-info-metadata="sha256=ee"
               data-core-metadata=true data-yanked>wheel</A>
            <a href=pkg-0.9.zip data-size="12" data-upload-time="2020-01-01">x</a>
            <a name="no-href">nothing</a>
            <script>var s = "<a href='in-script.tar.gz'>";</script>
            </body></html>"#,
        );
        let names: Vec<&str> = found.files.iter().map(|f| f.filename.as_str()).collect();
        assert_eq!(
            names,
            ["pkg-1.0.tar.gz", "pkg-1.0-py3-none-any.whl", "pkg-0.9.zip"]
        );
        let sdist = &found.files[0];
        assert_eq!(sdist.url, "https://example.org/f/pkg-1.0.tar.gz");
        assert_eq!(sdist.hashes, vec![("sha256".into(), "abc1".into())]);
        assert_eq!(sdist.requires_python.as_deref(), Some(">=3.8,<4"));
        assert_eq!(sdist.yanked.as_deref(), Some("bad & broken"));
        let wheel = &found.files[1];
        assert_eq!(
            wheel.core_metadata,
            CoreMetadata::Present(vec![]),
            "core-metadata wins"
        );
        assert_eq!(wheel.yanked.as_deref(), Some(""));
        let zip = &found.files[2];
        assert_eq!(
            (zip.size, zip.upload_time.as_deref()),
            (Some(12), Some("2020-01-01"))
        );
        assert_eq!(zip.core_metadata, CoreMetadata::Absent);
    }

    #[test]
    fn base_changes_where_links_point() {
        let found = page(
            r#"<base href="https://mirror.example/packages/"><base href="/ignored/">
               <a href="pkg-1.0.tar.gz">pkg</a>"#,
        );
        assert_eq!(
            found.files[0].url,
            "https://mirror.example/packages/pkg-1.0.tar.gz"
        );
    }

    #[test]
    fn references() {
        assert_eq!(
            decode_references("a&amp;b&#62;&#x3C;&lt&unknown;&"),
            "a&b><<&unknown;&"
        );
        assert_eq!(
            decode_references("&#0;&#xD800;&#99999999999;"),
            "\u{FFFD}\u{FFFD}\u{FFFD}"
        );
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_parse_without_panicking(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..400)) {
            let url = Url::parse("https://example.org/simple/pkg/").unwrap();
            let _ = parse(&bytes, &url);
        }

        #[test]
        fn any_markup_like_text_parses_without_panicking(text in "[<>a-z =\"'&#;x0-9!/é-]{0,200}") {
            let url = Url::parse("https://example.org/simple/pkg/").unwrap();
            let _ = parse(text.as_bytes(), &url);
        }
    }

    #[test]
    fn truncated_markup_does_not_panic() {
        for html in [
            "<",
            "<a",
            "<a href",
            "<a href=",
            "<a href='x",
            "<!--",
            "<a href=\"x\" &#",
        ] {
            let url = Url::parse("https://example.org/simple/pkg/").unwrap();
            let _ = parse(html.as_bytes(), &url);
        }
    }

    #[test]
    fn an_empty_page_is_a_page_and_junk_is_not() {
        let url = Url::parse("https://example.org/simple/pkg/").unwrap();
        for empty in [
            "<!DOCTYPE html><html><body><h1>Links for pkg</h1></body></html>",
            "<html></html>",
            "<body>\n</body>",
        ] {
            assert!(parse(empty.as_bytes(), &url).unwrap().files.is_empty());
        }
        let mut random = vec![0u8; 4096];
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for byte in &mut random {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            *byte = state.to_le_bytes()[0];
        }
        random[7] = 0; // (as random bytes always have, sooner or later)
        let junk: [&[u8]; 5] = [
            &random,
            b"",
            b"Service Unavailable",
            b"{\"files\": []}",
            b"<html>\0</html>",
        ];
        for body in junk {
            assert!(
                matches!(parse(body, &url), Err(Error::Page(_))),
                "{:?} is not a page",
                String::from_utf8_lossy(&body[..body.len().min(20)])
            );
        }
        let with_link = parse(b"<a href='pkg-1.0.tar.gz'>x</a>", &url).unwrap();
        assert_eq!(with_link.files.len(), 1, "a bare link is still a page");
    }
}
