//! PEP 691 JSON project pages.
//!
//! `meta.api-version` is checked first ([`super::page::check_api_version`]). Each file
//! gives `url` (relative to the page), `filename` (else the URL's last segment),
//! `hashes`, `requires-python`, `yanked` (`false`, `true` or a reason),
//! `core-metadata` falling back to `dist-info-metadata` (PEP 714; `true`, `false` or a
//! hash table), `size` and `upload-time` (PEP 700). Unknown keys are ignored; a file
//! without a URL is skipped. The document must be an object with a `files` list (an
//! empty one is an empty project): any other JSON is not a project page. Strings are borrowed from the body where they hold no
//! escapes.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use url::Url;

use super::page::{check_api_version, filename_of, push_hash, resolve_link, CoreMetadata};
use super::page::{Page, PageFile};
use super::Error;

#[derive(Deserialize)]
struct JsonPage<'a> {
    #[serde(borrow, default)]
    meta: Option<Meta<'a>>,
    /// Required: a JSON document without it is not a project page.
    #[serde(borrow, default)]
    files: Option<Vec<JsonFile<'a>>>,
}

#[derive(Deserialize)]
struct Meta<'a> {
    #[serde(rename = "api-version", borrow, default)]
    api_version: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct JsonFile<'a> {
    #[serde(borrow, default)]
    filename: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    url: Option<Cow<'a, str>>,
    #[serde(default)]
    hashes: Hashes,
    #[serde(rename = "requires-python", borrow, default)]
    requires_python: Option<Cow<'a, str>>,
    #[serde(default)]
    yanked: Yanked,
    #[serde(rename = "core-metadata", default)]
    core_metadata: Option<MetadataFlag>,
    #[serde(rename = "dist-info-metadata", default)]
    dist_info_metadata: Option<MetadataFlag>,
    #[serde(default)]
    size: Option<u64>,
    #[serde(rename = "upload-time", borrow, default)]
    upload_time: Option<Cow<'a, str>>,
}

/// Reads a JSON page fetched from `url`.
pub fn parse(body: &[u8], url: &Url) -> Result<Page, Error> {
    let text = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    if text.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        // (serde would also read a struct from an array, by position)
        return Err(Error::Page("not a JSON object".to_owned()));
    }
    let page: JsonPage<'_> =
        serde_json::from_slice(text).map_err(|err| Error::Page(format!("JSON: {err}")))?;
    let Some(page_files) = page.files else {
        return Err(Error::Page(
            "a JSON object without a \"files\" list (PEP 691)".to_owned(),
        ));
    };
    let mut warnings = Vec::new();
    let api_version = page
        .meta
        .and_then(|meta| meta.api_version)
        .map(Cow::into_owned);
    if let Some(version) = &api_version {
        check_api_version(version, &mut warnings)?;
    }
    let mut files = Vec::with_capacity(page_files.len());
    for file in page_files {
        let Some((link, mut hashes)) = file.url.as_deref().and_then(|h| resolve_link(url, h))
        else {
            continue;
        };
        for (name, value) in file.hashes.0 {
            push_hash(&mut hashes, &name, &value);
        }
        let metadata = file.core_metadata.or(file.dist_info_metadata);
        files.push(PageFile {
            filename: file
                .filename
                .map_or_else(|| filename_of(&link), Cow::into_owned),
            url: link.into(),
            hashes,
            requires_python: file.requires_python.map(Cow::into_owned),
            yanked: file.yanked.0,
            core_metadata: metadata.map_or(CoreMetadata::Absent, |m| m.0),
            size: file.size,
            upload_time: file.upload_time.map(Cow::into_owned),
        });
    }
    Ok(Page {
        files,
        api_version,
        warnings,
    })
}

/// `hashes`: a table of algorithm → digest (other value types are ignored).
#[derive(Default)]
struct Hashes(Vec<(String, String)>);

impl<'de> Deserialize<'de> for Hashes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(HashesVisitor)
    }
}

struct HashesVisitor;

impl<'de> Visitor<'de> for HashesVisitor {
    type Value = Hashes;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a table of hashes")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Hashes, E> {
        Ok(Hashes::default())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Hashes, A::Error> {
        let mut hashes = Vec::new();
        while let Some(name) = map.next_key::<Cow<'de, str>>()? {
            match map.next_value::<Option<Cow<'de, str>>>() {
                Ok(Some(value)) => hashes.push((name.into_owned(), value.into_owned())),
                Ok(None) => {}
                Err(err) => return Err(err),
            }
        }
        Ok(Hashes(hashes))
    }
}

/// `yanked`: `false`/absent/`null` → not yanked, `true` → `""`, a string → the reason.
#[derive(Default)]
struct Yanked(Option<String>);

impl<'de> Deserialize<'de> for Yanked {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(YankedVisitor)
    }
}

struct YankedVisitor;

impl Visitor<'_> for YankedVisitor {
    type Value = Yanked;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a boolean or a reason")
    }

    fn visit_bool<E: de::Error>(self, yanked: bool) -> Result<Yanked, E> {
        Ok(Yanked(yanked.then(String::new)))
    }

    fn visit_str<E: de::Error>(self, reason: &str) -> Result<Yanked, E> {
        Ok(Yanked(Some(reason.to_owned())))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Yanked, E> {
        Ok(Yanked(None))
    }
}

/// `core-metadata`: `true`, `false` or a table of hashes.
struct MetadataFlag(CoreMetadata);

impl<'de> Deserialize<'de> for MetadataFlag {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(MetadataVisitor)
    }
}

struct MetadataVisitor;

impl<'de> Visitor<'de> for MetadataVisitor {
    type Value = MetadataFlag;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a boolean or a table of hashes")
    }

    fn visit_bool<E: de::Error>(self, present: bool) -> Result<MetadataFlag, E> {
        Ok(MetadataFlag(if present {
            CoreMetadata::Present(Vec::new())
        } else {
            CoreMetadata::Absent
        }))
    }

    fn visit_unit<E: de::Error>(self) -> Result<MetadataFlag, E> {
        Ok(MetadataFlag(CoreMetadata::Absent))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<MetadataFlag, A::Error> {
        let table = HashesVisitor.visit_map(map)?;
        let mut hashes = Vec::new();
        for (name, value) in table.0 {
            push_hash(&mut hashes, &name, &value);
        }
        Ok(MetadataFlag(CoreMetadata::Present(hashes)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(json: &str) -> Result<Page, Error> {
        parse(
            json.as_bytes(),
            &Url::parse("https://example.org/simple/pkg/").unwrap(),
        )
    }

    #[test]
    fn every_field() {
        let found = page(
            r#"{"meta": {"api-version": "1.1"}, "name": "pkg", "files": [
            {"filename": "pkg-1.0.tar.gz", "url": "../../f/pkg-1.0.tar.gz",
             "hashes": {"sha256": "AB12", "blake2b": "ff"}, "requires-python": ">=3.8",
             "yanked": "broken", "size": 10, "upload-time": "2024-01-01T00:00:00Z"},
            {"filename": "pkg-1.0-py3-none-any.whl", "url": "https://cdn/pkg-1.0-py3-none-any.whl",
             "hashes": {}, "yanked": true, "dist-info-metadata": {"sha256": "cd"}},
            {"filename": "pkg-0.9.tar.gz", "url": "pkg-0.9.tar.gz", "yanked": false,
             "core-metadata": true, "dist-info-metadata": false},
            {"filename": "no-url.tar.gz"}
        ]}"#,
        )
        .unwrap();
        assert_eq!(found.api_version.as_deref(), Some("1.1"));
        assert_eq!(found.files.len(), 3);
        let sdist = &found.files[0];
        assert_eq!(sdist.url, "https://example.org/f/pkg-1.0.tar.gz");
        assert_eq!(sdist.hashes, vec![("sha256".into(), "ab12".into())]);
        assert_eq!(sdist.requires_python.as_deref(), Some(">=3.8"));
        assert_eq!(sdist.yanked.as_deref(), Some("broken"));
        assert_eq!(
            (sdist.size, sdist.core_metadata.clone()),
            (Some(10), CoreMetadata::Absent)
        );
        let wheel = &found.files[1];
        assert_eq!(wheel.yanked.as_deref(), Some(""));
        let expected = CoreMetadata::Present(vec![("sha256".into(), "cd".into())]);
        assert_eq!(wheel.core_metadata, expected);
        let old = &found.files[2];
        assert_eq!(old.url, "https://example.org/simple/pkg/pkg-0.9.tar.gz");
        assert_eq!(old.core_metadata, CoreMetadata::Present(vec![]));
        assert_eq!(old.yanked, None);
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_parse_without_panicking(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..400)) {
            let _ = parse(&bytes, &Url::parse("https://example.org/simple/pkg/").unwrap());
        }
    }

    #[test]
    fn api_versions_and_garbage() {
        assert!(page(r#"{"meta": {"api-version": "2.0"}, "files": []}"#).is_err());
        let newer = page(r#"{"meta": {"api-version": "1.99"}, "files": []}"#).unwrap();
        assert_eq!(newer.warnings.len(), 1);
        assert!(page("not json").is_err());
        assert!(page(r#"{"files": [{"url": 3}]}"#).is_err());
    }

    #[test]
    fn only_a_project_page_is_a_page() {
        let empty = page("\u{FEFF} {\"meta\": {\"api-version\": \"1.0\"}, \"files\": []}").unwrap();
        assert!(
            empty.files.is_empty(),
            "a real empty page is an empty project"
        );
        for junk in [
            "{}",
            r#"{"meta": {"api-version": "1.0"}}"#,
            r#"{"files": null}"#,
            r#"[{"api-version": "1.0"}, []]"#,
            "[]",
            "42",
            "",
            "\u{0}\u{1}garbage",
        ] {
            assert!(
                matches!(page(junk), Err(Error::Page(_))),
                "{junk:?} is not a project page"
            );
        }
    }
}
