//! A recorded resolution: the key it is recorded under, and the check that answers it
//! again without the resolver.
//!
//! The resolver (`sdistill.resolve.replay`) records each resolution with the digest of
//! every project page it asked for; equal pages mean equal pins, because everything
//! else it read is named by those pages (a file under its URL and hash) and the
//! resolver is deterministic. This module is the native half of that record:
//!
//! - [`key`]: the record's key, canonical JSON of the inputs as given (requirement and
//!   constraint texts sorted, not trimmed, the target as asked for, the facts of the machine the
//!   default target is made of, the builder's settings). The resolver and the warm
//!   command line both make their key here, so the two can never spell it differently.
//! - [`recorded`]: the record's answer if every page it lists has the recorded digest
//!   now ([`Check`]). A page fresh in the cache (or any cached page, offline) is read in place —
//!   one validated read, no parse, no request; stale ones are fetched again through
//!   the cache (revalidated when they have validators), `jobs` at a time on threads.
//!   A page that differs, cannot be read, or a project recorded as on no index, a
//!   missing or unreadable record: `None`, and the resolver runs and writes a new one.
//!
//! - [`prefetch_pages`]: the top-level pages of a resolution about to run, fetched in
//!   the background and handed to the resolver's requests (`http::handoff`), as are
//!   the stale pages [`recorded`] fetched again when the record does not hold.
//!
//! Hashing every page would cost more than reading it (tens of MB for a large set), so
//! the digest of a page read from the cache is remembered beside the record
//! (`<record>.seen`: name, the entry's write time in ns, digest — a line each). An
//! entry is written whole and at once, and its validated record holds that write time,
//! so an entry with a remembered write time has the remembered digest; any other
//! entry is hashed, and the memo rewritten. A memo that cannot be read or written only
//! costs the hashing.
//!
//! Only a record of one index is checked here (its pages' digests are then those of
//! single pages); a record made over several indexes or find-links is the resolver's
//! to check, and its key (which names every index) is never asked for here.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::cache::names::index_url_key;
use crate::cache::write_atomic;
use crate::cache_key::digest_bytes;
use crate::http::{handoff, jobs, Client, Payload, Received, Request, Want};
use crate::index::{self, page};

/// The format of a record and of its key; a record of another format is a miss.
pub const FORMAT: u64 = 2;

/// Pages fetched again at once when they are stale.
pub const DEFAULT_JOBS: usize = 16;

/// What a resolution is asked for, as given.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    pub requirements: Vec<String>,
    pub constraints: Vec<String>,
    /// `--python-version` (`None`: the running interpreter's, described by `machine`).
    pub python: Option<String>,
    pub platforms: Vec<String>,
    /// The interpreter's and the machine's facts the default target is made of.
    pub machine: Vec<String>,
    /// The builder's settings a resolution depends on (an object).
    pub builder: Value,
}

/// The key of the record of `inputs`: canonical JSON (sorted keys, no spaces).
pub fn key(inputs: &Inputs) -> String {
    // The texts as given, not trimmed: a text the resolver would refuse (`"x\n"`)
    // must not share the key of one it accepts.
    let sorted = |texts: &[String]| {
        let mut texts = texts.to_vec();
        texts.sort();
        Value::from(texts)
    };
    let mut object = Map::new();
    object.insert("format".to_owned(), Value::from(FORMAT));
    object.insert("requirements".to_owned(), sorted(&inputs.requirements));
    object.insert("constraints".to_owned(), sorted(&inputs.constraints));
    object.insert("python".to_owned(), Value::from(inputs.python.clone()));
    object.insert(
        "platforms".to_owned(),
        Value::from(inputs.platforms.clone()),
    );
    object.insert("machine".to_owned(), Value::from(inputs.machine.clone()));
    object.insert("builder".to_owned(), inputs.builder.clone());
    // `serde_json::Map` keeps its keys sorted (no `preserve_order`): one spelling.
    Value::Object(object).to_string()
}

/// A record's answer: the pins as printed, and the report as JSON (indented by two,
/// keys sorted: as `sdistill resolve --json` prints it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub text: String,
    pub report: String,
}

/// What checking a record found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    /// Every page is the same: the record's answer.
    Holds(Recorded),
    /// A page differs (or could not be read): the resolver must run.
    Differs,
    /// Nothing this check can judge: no record, an unreadable one, or one that lists a
    /// project no index had (the resolver's own replay checks those).
    Unchecked,
}

/// Checks the record of the inputs `key` (in the client's cache) against the pages on
/// `index_url` now (module docs).
pub fn recorded(
    client: &Client,
    index_url: &str,
    key: &str,
    max_page_size: u64,
    jobs: usize,
) -> Check {
    let Ok(record) = client.cache().resolution_record(key) else {
        return Check::Unchecked;
    };
    let record = record.as_path();
    let Some((text, report, pages)) = read_record(record) else {
        return Check::Unchecked;
    };
    let pages: Vec<(&str, &str)> = pages
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_str()))
        .collect();
    match check_pages(client, index_url, record, &pages, max_page_size, jobs) {
        true => Check::Holds(Recorded { text, report }),
        false => Check::Differs,
    }
}

/// The record's text, report (printed as the resolver prints `--json`) and pages; `None`
/// when it is missing, unreadable, of another format, or lists a project on no index.
#[allow(clippy::type_complexity)]
fn read_record(record: &Path) -> Option<(String, String, Vec<(String, String)>)> {
    let bytes = std::fs::read(record).ok()?;
    let record: Value = serde_json::from_slice(&bytes).ok()?;
    if record.get("format")?.as_u64()? != FORMAT {
        return None;
    }
    let text = record.get("text")?.as_str()?.to_owned();
    // As the resolver prints it: `json.dumps(indent=2, sort_keys=True)`, not escaped.
    let report = serde_json::to_string_pretty(record.get("report")?).ok()?;
    let mut pages = Vec::new();
    for (name, digest) in record.get("pages")?.as_object()? {
        pages.push((name.clone(), digest.as_str()?.to_owned())); // `null`: on no index
    }
    Some((text, report, pages))
}

/// Whether every page has its recorded digest (fresh ones read in place, stale ones
/// fetched again `jobs` at a time unless offline).
fn check_pages(
    client: &Client,
    index_url: &str,
    record: &Path,
    pages: &[(&str, &str)],
    max_page_size: u64,
    jobs: usize,
) -> bool {
    let memo_path = memo_path(record);
    let index_url = index_url_key(index_url);
    let read = |name: &str, digest: &str, cache_control: Option<&str>, memo: &Memo| {
        let page = Page {
            client,
            index_url: &index_url,
            name,
            max_page_size,
        };
        // A stale page fetched again here is handed to the resolver if it runs.
        page.digest(cache_control, memo, digest, cache_control.is_none())
    };
    let memo = Memo::read(&memo_path);
    let mut seen = Memo::default();
    let mut stale = Vec::new();
    for &(name, digest) in pages {
        match read(name, digest, Some("only-if-cached"), &memo) {
            Some((now, stored_at)) => {
                if let Some(stored_at) = stored_at {
                    seen.0.insert(name.to_owned(), (stored_at, now.clone()));
                }
                if now != digest {
                    return false;
                }
            }
            None if client.is_offline() => return false,
            None => stale.push((name, digest)),
        }
    }
    if seen != memo {
        seen.write(&memo_path);
    }
    let same = AtomicBool::new(true);
    jobs::each(&stale, jobs, |_, &(name, digest)| {
        let now = read(name, digest, None, &Memo::default()).map(|(now, _)| now);
        let unchanged = now.as_deref() == Some(digest);
        if !unchanged {
            same.store(false, Ordering::Relaxed);
        }
        unchanged
    });
    if !same.into_inner() {
        return false; // the pages fetched again go to the resolver, which runs next
    }
    for &(name, _) in &stale {
        if let Ok(entry) = client.cache().index_page_entry(&index_url, name) {
            handoff::forget(&entry); // nothing resolves: no request will take them
        }
    }
    true
}

/// The pages of `names` on `index_url`, fetched in the background, `jobs` at a time,
/// for the requests this process is about to make for them (`http::handoff`): the
/// top-level pages of a resolution, while the resolver is still being loaded.
pub fn prefetch_pages(
    client: Arc<Client>,
    index_url: &str,
    names: Vec<String>,
    max_page_size: u64,
    jobs: usize,
) {
    let index_url = index_url_key(index_url);
    std::thread::spawn(move || {
        jobs::each(&names, jobs, |_, name| {
            let page = Page {
                client: &client,
                index_url: &index_url,
                name,
                max_page_size,
            };
            let _ = page.fetch(None, true);
            true
        });
    });
}

/// A project page on an index, read as the index reads it: the same entry, the same
/// request.
struct Page<'a> {
    client: &'a Client,
    /// With one trailing `/`.
    index_url: &'a str,
    name: &'a str,
    max_page_size: u64,
}

impl Page<'_> {
    /// The page, through the cache; with `ahead`, fetched for a request this process
    /// is about to make (`http::handoff`), unless it already was (`None`).
    fn fetch(&self, cache_control: Option<&str>, ahead: bool) -> Option<Payload> {
        let (client, name) = (self.client, self.name);
        let entry = client.cache().index_page_entry(self.index_url, name).ok()?;
        if ahead && !handoff::expect(&entry) {
            return None;
        }
        let request = Request {
            url: format!("{}{name}/", self.index_url),
            headers: vec![("Accept".to_owned(), page::ACCEPT.to_owned())],
            package: Some(name.to_owned()),
            cache_control: cache_control.map(str::to_owned),
        };
        let want = Want::Parsed(index::parser(name).with_max_size(self.max_page_size));
        match client.fetch(&request, Some(&entry), &want).ok()?.body {
            Received::Parsed { payload, .. } => Some(payload),
            _ => None,
        }
    }

    /// The page's digest and, when it was read from the cache, the entry's write time;
    /// `None` when it cannot be read. The memo is trusted only when it remembers
    /// `expected`.
    fn digest(
        &self,
        cache_control: Option<&str>,
        memo: &Memo,
        expected: &str,
        ahead: bool,
    ) -> Option<(String, Option<u64>)> {
        let payload = self.fetch(cache_control, ahead)?;
        let stored_at = match &payload {
            Payload::Cached(entry) => Some(entry.record().stored_at_ns.to_native()),
            Payload::Owned(_) => None,
        };
        // Only a remembered match is taken: a memo that is wrong about an entry costs
        // its hashing, never a miss, and is rewritten.
        let remembered = stored_at
            .and_then(|at| memo.digest(self.name, at))
            .filter(|remembered| remembered == expected);
        let digest = remembered.unwrap_or_else(|| digest_bytes(payload.as_slice()));
        Some((digest, stored_at))
    }
}

/// `<record>.seen`, beside the record.
fn memo_path(record: &Path) -> PathBuf {
    let mut name = record.file_name().unwrap_or_default().to_os_string();
    name.push(".seen");
    record.with_file_name(name)
}

/// Page name -> (the entry's write time in ns, the digest of its page).
#[derive(Debug, Default, PartialEq, Eq)]
struct Memo(BTreeMap<String, (u64, String)>);

impl Memo {
    fn read(path: &Path) -> Memo {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let parse = |line: &str| {
            let mut fields = line.split('\t');
            let name = fields.next()?.to_owned();
            let at = fields.next()?.parse().ok()?;
            let digest = fields.next()?.to_owned();
            Some((name, (at, digest)))
        };
        Memo(text.lines().filter_map(parse).collect())
    }

    fn digest(&self, name: &str, stored_at: u64) -> Option<String> {
        let (at, digest) = self.0.get(name)?;
        (*at == stored_at).then(|| digest.clone())
    }

    /// Written atomically; a cache that cannot be written keeps the old memo.
    fn write(&self, path: &Path) {
        let text: String = self
            .0
            .iter()
            .map(|(name, (at, digest))| format!("{name}\t{at}\t{digest}\n"))
            .collect();
        let _ = write_atomic(path, text.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_one_spelling_of_the_inputs() {
        let inputs = Inputs {
            requirements: vec!["b".to_owned(), "a".to_owned()],
            python: Some("3.12".to_owned()),
            builder: serde_json::json!({"z": 1, "a": [true]}),
            ..Inputs::default()
        };
        let key = key(&inputs);
        assert_eq!(
            key,
            r#"{"builder":{"a":[true],"z":1},"constraints":[],"format":2,"machine":[],"platforms":[],"python":"3.12","requirements":["a","b"]}"#
        );
        let other = Inputs {
            requirements: vec!["a".to_owned(), "b".to_owned()],
            ..inputs.clone()
        };
        assert_eq!(
            super::key(&other),
            key,
            "the order of requirements does not matter"
        );
        let elsewhere = Inputs {
            python: None,
            ..inputs
        };
        assert_ne!(super::key(&elsewhere), key);
        let spaced = Inputs {
            requirements: vec!["a".to_owned(), "b ".to_owned()],
            ..Inputs::default()
        };
        let plain = Inputs {
            requirements: vec!["a".to_owned(), "b".to_owned()],
            ..Inputs::default()
        };
        assert_ne!(
            super::key(&spaced),
            super::key(&plain),
            "texts are not trimmed"
        );
    }
}
