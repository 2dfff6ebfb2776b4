//! The native core of sdistill: plain Rust, no Python.
//!
//! - [`cache_key`]: canonical URLs and the digests that name cache shards.
//! - [`cache`]: the on-disk cache layout — buckets, shards, revisions, locks, atomic writes.
//! - [`http`]: the HTTP client: RFC 9111 caching on archived policies, retries, downloads.
//! - [`archive`]: streaming, hashing, safe extraction of zip and tar archives.
//! - [`lookup`]: warm answers for local sources (file URLs, stamps, sealed answers).
//! - [`index`]: the package index: PEP 440 versions, filenames, project pages.
//! - [`git`]: git repositories: revs resolved to commits, checkouts (runs `git`).
//! - [`replay`]: a recorded resolution: its key, and its answer while its pages hold.
//! - [`url`]: URL text helpers below every other module (redaction).
//!
//! The PyO3 binding (`rust/sdistill-py`) only converts types, releases the GIL and maps
//! the error enums of these modules to Python exceptions.

pub mod archive;
pub mod cache;
pub mod cache_key;
pub mod git;
pub mod http;
pub mod index;
pub mod lookup;
pub mod replay;
pub mod url;
pub mod wheel_metadata;
