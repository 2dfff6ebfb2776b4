//! Cache keys: the canonical form of a URL, and the digest that names its shard.
//!
//! Two spellings of the same resource must land in the same shard, and nothing secret
//! may ever reach a path on disk. So a URL is first brought to a canonical form:
//!
//! - scheme and host are lower-cased (`HTTPS://Example.COM` → `https://example.com`);
//! - user name and password are removed — credentials never enter a key;
//! - the scheme's default port is dropped (80 for http, 443 for https, 21 for ftp; the
//!   same for `git+http` and `git+https`);
//! - every trailing `/` of the path is removed (`https://h/simple/` → `https://h/simple`);
//! - percent-encoding is normalised: escapes of unreserved characters
//!   (`A–Z a–z 0–9 - . _ ~`) are decoded, the other escapes use upper-case hex, and
//!   characters that must be escaped are;
//! - for git URLs (`git://`, `git+…://`) a `.git` suffix of the repository is removed,
//!   also when an `@rev` follows it in the last segment;
//! - of the fragment only `subdirectory=<path>` survives: hashes (`sha256=`), `egg=` and
//!   anything else describe how to use the resource, not which resource it is;
//! - the query is kept: it can select a different resource.
//!
//! The digest is SHA-256 over a versioned prefix ([`DIGEST_PREFIX`]) followed by the
//! canonical URL's bytes, truncated to its first 16 bytes and written as 32 lower-case
//! hex characters. The prefix is versioned so that a change of these rules can never
//! make an old shard be read as a new one: bump it and every key changes.

mod canonical;
mod digest;
mod error;

pub use canonical::canonical_url;
pub use digest::{cache_digest, digest_bytes, DIGEST_PREFIX};
pub use error::Error;
