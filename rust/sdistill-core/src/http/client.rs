//! The cached client: look in the cache, decide, and go to the network only when the
//! rules of [`super`] say so.
//!
//! Every fetch has an entry file chosen by the caller. The flow:
//!
//! 1. Read the entry without a lock. If it validates, answers for this URL, its body is
//!    where it says, and the decision is [`Decision::Fresh`] (or offline mode is on),
//!    that is the answer: one read, no request.
//! 2. Otherwise lock the entry (`<entry>.lock`) and look again: a concurrent caller may
//!    have just fetched it, and what it stored after this call began is used as it is
//!    — so two callers of one URL make one download.
//! 3. Send the request, conditional when the entry has validators; a valid 304 rewrites
//!    the policy and keeps the body, an invalid 304 fetches anew, a 200 is received,
//!    checked and stored (when storable) before anything points at it.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use reqwest::header::{HeaderMap, HeaderValue, ACCEPT_ENCODING, CACHE_CONTROL};
use reqwest::Response;
use url::Url;

use super::cache_control::Directives;
use super::entry::{encode, Entry, Invalid};
use super::exchange::{exchange, now_ns, now_secs, Answer};
use super::freshness::{decide, valid_not_modified, validators, Decision, Validators};
use super::handoff;
use super::memo::{Target, Targets};
use super::policy::{storable, values, ArchivedBody, Body, Policy, Record};
use super::progress::Progress;
use super::receive::{self, Received, Want};
use super::retry::RetryPolicy;
use super::transport::{header_map, Transport, TransportConfig};
use super::Error;
use crate::archive::{ExtractOptions, Extracted, HashAlgorithm};
use crate::cache::names::archive_entry;
use crate::cache::{write_atomic, Cache, Usage};
use crate::url::redact;

/// Which entries must be revalidated whatever their freshness.
#[derive(Debug, Clone, Default)]
pub enum Refresh {
    #[default]
    Nothing,
    All,
    /// Only requests made for these (normalised) package names.
    Packages(Vec<String>),
}

/// Everything a client is configured with.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub transport: TransportConfig,
    pub retry: RetryPolicy,
    pub offline: bool,
    pub refresh: Refresh,
    /// URL prefixes whose responses are cached by these directives instead of their
    /// own `Cache-Control` (a per-index override).
    pub overrides: Vec<(String, Directives)>,
}

/// One request.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub url: String,
    /// Extra request headers (they count for `Vary`).
    pub headers: Vec<(String, String)>,
    /// The package the request is made for (for per-package refresh).
    pub package: Option<String>,
    /// The request's own `Cache-Control`.
    pub cache_control: Option<String>,
}

/// Where a fetched body came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The cache, without a request.
    Cache,
    /// The cache, after the server confirmed it (304).
    Revalidated,
    /// The network.
    Network,
}

/// A fetched body and how it was obtained.
#[derive(Debug)]
pub struct Fetched {
    pub body: Received,
    pub origin: Origin,
    pub retries: u32,
}

/// The HTTP client with its cache.
pub struct Client {
    config: ClientConfig,
    transport: Transport,
    cache: Cache,
    created_ns: u64,
    warnings: Mutex<Vec<String>>,
    /// URLs already parsed, with the entry each read last (see [`super::memo`]).
    targets: Targets,
}

impl Client {
    pub fn new(cache: Cache, config: ClientConfig) -> Client {
        Client {
            transport: Transport::new(config.transport.clone()),
            config,
            cache,
            created_ns: now_ns(),
            warnings: Mutex::new(Vec::new()),
            targets: Targets::default(),
        }
    }

    pub fn cache(&self) -> &Cache {
        &self.cache
    }

    /// Whether the client is in offline mode (no request is ever sent).
    pub fn is_offline(&self) -> bool {
        self.config.offline
    }

    pub(super) fn transport(&self) -> &Transport {
        &self.transport
    }

    pub(super) fn retry_policy(&self) -> RetryPolicy {
        self.config.retry
    }

    /// Warnings since the last call (corrupt entries healed, retries), for the log.
    pub fn take_warnings(&self) -> Vec<String> {
        std::mem::take(&mut *self.warnings.lock().unwrap_or_else(|p| p.into_inner()))
    }

    pub(super) fn warn(&self, message: String) {
        self.warnings
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(redact(&message));
    }

    /// Fetches `request` through the cache entry at `entry` (else the URL's default
    /// entry, [`default_entry`]), receiving as `want` says.
    pub fn fetch(
        &self,
        request: &Request,
        entry: Option<&Path>,
        want: &Want,
    ) -> Result<Fetched, Error> {
        self.fetch_with(request, entry, want, None)
    }

    /// [`Client::fetch`], telling `progress` how far a downloaded body got (see
    /// [`super::progress`]; nothing is reported for a hit or a 304).
    pub fn fetch_with(
        &self,
        request: &Request,
        entry: Option<&Path>,
        want: &Want,
        progress: Option<&dyn Progress>,
    ) -> Result<Fetched, Error> {
        let target = self.targets.get(&request.url, parse_url)?;
        self.transport.learn(&target.url);
        let entry = match entry {
            Some(entry) => entry,
            None => target.default_entry(|| default_entry(&self.cache, &request.url))?,
        };
        let (url, key) = (&target.url, target.key.as_str());
        let headers = self.request_headers(request, want)?;
        let directives = Directives::parse(request.cache_control.as_deref());
        // `seen`: the entry's write time at the unlocked look (`None`: there was none).
        // An entry written since then was fetched by a concurrent caller: it is used.
        let addressed = content_addressed(want);
        let look = |seen: Option<Option<u64>>| -> Result<Option<(Arc<Entry>, Decision)>, Error> {
            let Some(found) = self.read_entry(entry, &target, want)? else {
                return Ok(None);
            };
            let stored_at = found.record().stored_at_ns.to_native();
            let just_fetched = seen.is_some_and(|before| before != Some(stored_at));
            let decision = if !receive::body_present(found.record(), entry, want) {
                // Gone, or not the bytes now expected: fetched again; the old record
                // stays known so that what it named can be released.
                Decision::Refetch
            } else if self.config.offline || just_fetched || addressed {
                Decision::Fresh
            } else if self.must_refresh(request, &found) {
                validators(&found.record().policy).map_or(Decision::Refetch, Decision::Revalidate)
            } else if handoff::take(entry, stored_at) {
                Decision::Fresh // fetched ahead for this very request (see `handoff`)
            } else {
                decide(&found.record().policy, &directives, &headers, now_secs())
            };
            Ok(Some((found, decision)))
        };
        let first = look(None)?;
        if let Some((found, Decision::Fresh)) = &first {
            return Ok(self.hit(found, entry, Origin::Cache));
        }
        let seen = first.map(|(found, _)| found.record().stored_at_ns.to_native());
        if self.config.offline {
            return Err(Error::Offline {
                url: redact(&request.url),
            });
        }
        if directives.only_if_cached {
            // RFC 9111 §5.2.1.7: no usable stored response means no response (a 504).
            return Err(Error::NotCached {
                url: redact(&request.url),
            });
        }
        let _guard = self.cache.lock_shard_default(entry)?;
        let (old, validators) = match look(Some(seen))? {
            Some((found, Decision::Fresh)) => return Ok(self.hit(&found, entry, Origin::Cache)),
            Some((found, Decision::Revalidate(v))) => (Some(found), Some(v)),
            Some((found, Decision::Refetch)) => (Some(found), None),
            None => (None, None),
        };
        let warn = |message: String| self.warn(message);
        let previous = old.as_ref().map(|old| old.record());
        let mut receive_body = |response: Response| {
            receive::receive(&self.transport, response, entry, want, previous, progress)
        };
        let mut send = |validators: Option<&Validators>| {
            exchange(
                &self.transport,
                &self.config.retry,
                url,
                &headers,
                validators,
                &warn,
                &mut receive_body,
            )
        };
        let mut done = send(validators.as_ref())?;
        if let (
            Answer::NotModified {
                headers: sent,
                times,
            },
            Some(old),
        ) = (&done.answer, &old)
        {
            if valid_not_modified(&old.record().policy, sent) {
                self.store_refreshed(old, entry, key, sent, *times)?;
                let mut hit = self.hit(old, entry, Origin::Revalidated);
                hit.retries = done.retries;
                return Ok(hit);
            }
            self.warn(format!(
                "{}: the server answered 304 for another version; fetching it again",
                redact(&request.url)
            ));
            done = send(None)?;
        }
        let Answer::Full {
            received,
            headers: sent,
            status,
            times,
        } = done.answer
        else {
            return Err(Error::Network {
                url: redact(&request.url),
                status: Some(304),
                retries: done.retries,
                message: "HTTP 304 Not Modified to an unconditional request".into(),
            });
        };
        let response_directives = self.response_directives(key, &sent);
        // A body checked against the digest it was asked by is kept whatever the
        // response says of storing it: those bytes cannot change.
        let keep = storable(status, &directives, &response_directives)
            || (addressed && storable(status, &directives, &Directives::default()));
        if keep {
            let policy = Policy::new(&headers, &sent, status, response_directives, times);
            self.store(entry, key, policy, &received, old.as_deref())?;
        } else {
            remove_entry(entry, old.as_deref());
        }
        self.commit(entry, &received)?;
        if let Received::Parsed { warnings, .. } = &received {
            for warning in warnings {
                self.warn(format!("{}: {warning}", redact(&request.url)));
            }
        }
        Ok(Fetched {
            body: received,
            origin: Origin::Network,
            retries: done.retries,
        })
    }

    /// Removes the revisions of an archive's `shard` that its pointer no longer names,
    /// holding the lock of the shard's archive entry (no download is extracting a new
    /// revision meanwhile). The caller holds `<shard>.lock` (no build is reading one):
    /// see "Superseded revisions" in [`crate::cache`].
    pub fn remove_superseded(&self, shard: &Path) -> Result<Usage, Error> {
        let _guard = self.cache.lock_shard_default(&archive_entry(shard))?;
        Ok(self.cache.remove_superseded(shard)?)
    }

    /// Downloads `url` and extracts it into `dest` in one pass, without caching (the
    /// caller owns `dest`), telling `progress` how far the body got; returns what the
    /// extraction did and the retries it took.
    pub fn download_extract(
        &self,
        request: &Request,
        dest: &Path,
        options: &ExtractOptions,
        progress: Option<&dyn Progress>,
    ) -> Result<(Extracted, u32), Error> {
        if self.config.offline {
            return Err(Error::Offline {
                url: redact(&request.url),
            });
        }
        let url = parse_url(&request.url)?;
        self.transport.learn(&url);
        let want = Want::Revision {
            options: options.clone(),
        };
        let headers = self.request_headers(request, &want)?;
        let warn = |message: String| self.warn(message);
        let mut receive_body = |response: Response| {
            receive::extract_to(&self.transport, response, dest, options, progress)
        };
        let done = exchange(
            &self.transport,
            &self.config.retry,
            &url,
            &headers,
            None,
            &warn,
            &mut receive_body,
        )?;
        match done.answer {
            Answer::Full { received, .. } => Ok((received, done.retries)),
            Answer::NotModified { .. } => unreachable!("no conditional request was sent"),
        }
    }

    fn request_headers(&self, request: &Request, want: &Want) -> Result<HeaderMap, Error> {
        let mut headers = header_map(&request.headers).map_err(|reason| Error::InvalidUrl {
            url: redact(&request.url),
            reason,
        })?;
        if !matches!(want, Want::Bytes | Want::Parsed(_)) {
            // Archives are hashed on their raw bytes: no transfer coding may touch them.
            headers.insert(ACCEPT_ENCODING, HeaderValue::from_static("identity"));
        }
        Ok(headers)
    }

    fn must_refresh(&self, request: &Request, found: &Entry) -> bool {
        let selected = match &self.config.refresh {
            Refresh::Nothing => false,
            Refresh::All => true,
            Refresh::Packages(names) => request
                .package
                .as_ref()
                .is_some_and(|name| names.contains(name)),
        };
        selected && found.record().stored_at_ns.to_native() < self.created_ns
    }

    fn response_directives(&self, key: &str, headers: &HeaderMap) -> Directives {
        self.config
            .overrides
            .iter()
            .find(|(prefix, _)| key.starts_with(prefix.as_str()))
            .map(|(_, directives)| directives.clone())
            .unwrap_or_else(|| Directives::parse(values(headers, CACHE_CONTROL)))
    }

    /// The entry at `path` if it is usable for `target` and `want`; a corrupt one is
    /// removed (with a warning) and reads as none.
    fn read_entry(
        &self,
        path: &Path,
        target: &Target,
        want: &Want,
    ) -> Result<Option<Arc<Entry>>, Error> {
        let Some(found) = self.read_validated(path, target)? else {
            return Ok(None);
        };
        if found.record().url.as_str() != target.key {
            target.forget();
            self.heal(path, "it belongs to another URL");
            return Ok(None);
        }
        if let Want::Parsed(parser) = want {
            if !found.payload_sound(parser.check) {
                target.forget();
                self.heal(path, "its parsed payload does not validate");
                return Ok(None);
            }
        }
        Ok(Some(found))
    }

    /// The validated entry at `path` (from memory while the file is the same one).
    fn read_validated(&self, path: &Path, target: &Target) -> Result<Option<Arc<Entry>>, Error> {
        let Some(id) = target.identify(path).map_err(|err| Error::io(path, err))? else {
            target.forget();
            return Ok(None);
        };
        if let Some(entry) = target.remembered(path, &id) {
            return Ok(Some(entry));
        }
        let found = match Entry::read(path).map_err(|err| Error::io(path, err))? {
            Ok(Some(found)) => Arc::new(found),
            Ok(None) => return Ok(None),
            Err(Invalid(reason)) => {
                target.forget();
                self.heal(path, &reason);
                return Ok(None);
            }
        };
        target.remember(path, id, found.clone(), self.targets.directory_of(path));
        Ok(Some(found))
    }

    fn heal(&self, path: &Path, reason: &str) {
        self.warn(format!(
            "removing the unusable cache entry {} ({reason}); fetching it again",
            path.display()
        ));
        let _ = std::fs::remove_file(path);
    }

    fn hit(&self, found: &Arc<Entry>, entry: &Path, origin: Origin) -> Fetched {
        Fetched {
            body: receive::stored(found, entry),
            origin,
            retries: 0,
        }
    }

    fn store(
        &self,
        path: &Path,
        key: &str,
        policy: Policy,
        received: &Received,
        old: Option<&Entry>,
    ) -> Result<(), Error> {
        let (body, payload) = receive::body_of(received);
        let record = Record {
            url: key.to_owned(),
            stored_at_ns: now_ns(),
            policy,
            body,
        };
        write_atomic(path, &encode(&record, payload))?;
        if let Some(old) = old {
            receive::discard_old_body(old.record(), path, &record.body);
        }
        Ok(())
    }

    fn store_refreshed(
        &self,
        old: &Entry,
        path: &Path,
        key: &str,
        sent: &HeaderMap,
        times: (u64, u64),
    ) -> Result<(), Error> {
        let previous: Policy =
            rkyv::deserialize::<Policy, rkyv::rancor::Error>(&old.record().policy)
                .expect("a validated record deserializes");
        let directives = sent
            .contains_key(CACHE_CONTROL)
            .then(|| self.response_directives(key, sent));
        let body: Body = rkyv::deserialize::<Body, rkyv::rancor::Error>(&old.record().body)
            .expect("a validated record deserializes");
        let record = Record {
            url: key.to_owned(),
            stored_at_ns: now_ns(),
            policy: previous.refreshed(sent, directives, times),
            body,
        };
        write_atomic(path, &encode(&record, old.payload()))?;
        Ok(())
    }

    /// Makes a new revision live (its pointer) once the entry names it.
    fn commit(&self, entry: &Path, received: &Received) -> Result<(), Error> {
        if let Received::Revision { id, .. } = received {
            let shard = entry.parent().unwrap_or(entry);
            self.cache.commit_revision(shard, id)?;
        }
        Ok(())
    }
}

/// Whether what is wanted is named by its content: a file or an archive with an
/// expected sha256, sha384 or sha512. Such a body is immutable — while the caller
/// still expects the same digest (an index page that lists it with the same hash, a
/// URL with the same `#sha256=`), the stored one is used without asking the server,
/// whatever the response's own caching headers said, in refresh mode too (it cannot
/// have changed). A different expected digest finds no stored body and downloads.
fn content_addressed(want: &Want) -> bool {
    let expected = match want {
        Want::File { expected } => expected,
        Want::Revision { options } => &options.expected,
        Want::Bytes | Want::Parsed(_) => return false,
    };
    expected.iter().any(|(algorithm, _)| {
        matches!(
            algorithm,
            HashAlgorithm::Sha256 | HashAlgorithm::Sha384 | HashAlgorithm::Sha512
        )
    })
}

/// Removes an entry that may no longer be used (a `no-store` answer replaced it).
fn remove_entry(path: &Path, old: Option<&Entry>) {
    if old.is_some() {
        let _ = std::fs::remove_file(path);
        if let Some(ArchivedBody::File { name, .. }) = old.map(|o| &o.record().body) {
            let _ = std::fs::remove_file(path.with_file_name(name.as_str()));
        }
    }
}

fn parse_url(text: &str) -> Result<Url, Error> {
    let url = Url::parse(text).map_err(|err| Error::InvalidUrl {
        url: redact(text),
        reason: err.to_string(),
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Error::InvalidUrl {
            url: redact(text),
            reason: "only http and https URLs are fetched".into(),
        });
    }
    Ok(url)
}

/// The default entry of a URL fetched for its bytes: `simple-v1/responses/<digest>`.
pub fn default_entry(cache: &Cache, url: &str) -> Result<PathBuf, Error> {
    cache.response_entry(url).map_err(|err| match err {
        crate::cache::Error::InvalidUrl(err) => Error::InvalidUrl {
            url: redact(url),
            reason: err.to_string(),
        },
        other => Error::Cache(other),
    })
}
