//! The HTTP client: a private cache with the rules of RFC 9111, decided on archived
//! policies, and downloads that retry and stream into files or the extractor.
//!
//! # The caching rules
//!
//! **What is stored.** A `200 OK` to a GET, unless the request or the response says
//! `no-store`. Redirects are followed first; the entry describes the final response,
//! under the URL that was asked for. Other statuses are never stored. An entry keeps
//! only what the decisions below need — the response's `Cache-Control` (or the
//! override configured for its URL prefix, e.g. per index), `Date`, `Expires`, `Age`,
//! `ETag`, `Last-Modified`, when the request was sent and the response arrived, and
//! the request's values of the headers named by `Vary` — plus the body or where it is.
//!
//! **When a stored response is fresh.** Its lifetime is `max-age`; else `Expires`
//! minus `Date`; else, with a `Last-Modified`, a tenth of the time between it and
//! `Date`, at most a day; else zero. Its age is the larger of the time it spent in
//! transit (plus its `Age` header) and the difference between its arrival and its
//! `Date`, plus the time since it arrived. It is fresh while age < lifetime.
//!
//! **When it is used without asking the server.** When it is fresh and neither it
//! (`no-cache`) nor the request (`no-cache`, `max-age` exceeded, `min-fresh` not met)
//! forbids it; or when it is stale but the request accepts that much staleness
//! (`max-stale`) and the response did not say `must-revalidate` or `no-cache`. An
//! `immutable` response is used while fresh even when the request asks to revalidate.
//! Its `Vary` headers must have the same values in the new request; `Vary: *` never
//! matches.
//!
//! **Files named by their content.** A file or archive fetched with an expected
//! sha256, sha384 or sha512 (an index page's hash, a URL's `#sha256=`) is used without
//! asking the server for as long as the caller expects the same digest, whatever the
//! response's headers said (even `no-store`, and in refresh mode): those bytes cannot
//! change. Package indexes and their mirrors often send files with no caching headers
//! at all; it is the page, with its own caching, that tells when a project changed.
//! When an archive is downloaded again anyway (no digest to go by) and its bytes are
//! those of the live revision, that revision is kept, like after a `304`.
//!
//! **Revalidation.** Otherwise, if the entry has an `ETag` or a `Last-Modified`, the
//! request carries `If-None-Match` / `If-Modified-Since`. A `304` whose `ETag` (or,
//! without one, `Last-Modified`) agrees with the entry refreshes the stored facts from
//! its headers and keeps the body; a `304` that disagrees is ignored and the response
//! is fetched again in full. Without validators the response is fetched in full.
//!
//! **Modes.** *Refresh* (everything, or the requests made for some packages)
//! revalidates every entry stored before the client was made, whatever its freshness;
//! what it revalidates or fetches is then used by the normal rules. *Offline* never
//! touches the network: any entry is used, stale or not, and a missing one is an
//! [`Error::Offline`].
//!
//! **Broken entries.** An entry file that is truncated, corrupt, of an unknown format
//! version or for another URL is removed with a warning and fetched again
//! ([`entry`]). An entry whose body file or revision has gone is a miss.
//!
//! **Concurrency.** A fetch that misses takes the entry's lock, then looks again:
//! what another thread or process stored meanwhile is used, so concurrent callers of
//! one URL make one download. Readers of fresh entries take no lock: entries and body
//! files are written beside their target and renamed into place.
//!
//! **Fetched ahead.** A response this process fetched ahead for a request it is about
//! to make (a resolution's top-level pages, fetched while the resolver loads) is taken
//! as fresh by that request, once and within a minute ([`handoff`]), so an index that
//! sends no caching headers is not asked twice for one page in one resolution.
//!
//! # Robustness and credentials
//!
//! See [`exchange`] for retries (connect errors, resets, timeouts, broken bodies,
//! 429 and 5xx, `Retry-After`), [`transport`] for TLS, proxies, redirects and where
//! credentials go, and [`auth`] for `.netrc`, the per-client store of credentials by
//! origin and redaction. Credentials given in a URL (an index's) are remembered for its
//! origin (scheme, host, port) and sent with every request to that origin that carries
//! none — the files an index page links to — and never to another origin; `.netrc`
//! applies where no URL gave any. Credentials never reach a cache key, a cache file, a
//! log line or an error message: URLs are stored without them and every message is
//! redacted.

pub mod auth;
mod body;
pub mod cache_control;
mod client;
pub mod entry;
mod error;
mod exchange;
pub mod freshness;
pub mod handoff;
pub mod jobs;
mod loaded;
mod memo;
pub mod policy;
pub mod progress;
pub mod ranged;
mod receive;
pub mod retry;
mod runtime;
pub mod transport;

pub use client::{default_entry, Client, ClientConfig, Fetched, Origin, Refresh, Request};
pub use error::Error;
pub use progress::Progress;
pub use receive::{Parser, Payload, Received, Want};
pub use transport::TransportConfig;
