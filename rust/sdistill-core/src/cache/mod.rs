//! The on-disk cache: buckets, shards, revisions, locks and atomic writes.
//!
//! # Layout
//!
//! Root → versioned buckets → shards (one per source) → revisions (one per state of the
//! source). The whole tree is drawn once, in [`names`], the only place where a bucket,
//! a shard kind or a file inside a shard is spelled.
//!
//! Every bucket name carries a format version. When the format of a bucket changes its
//! version is bumped, so an old entry is never read as a new one: it is simply never
//! looked at again (and `clean` removes it).
//!
//! # Shards and revisions
//!
//! A *shard* is the directory of one source. Its `revision` pointer names the live
//! revision; a revision holds the source tree, the stamp it was made for and the
//! answers built from it, per settings key.
//!
//! A revision's *source part* — its stamp and its tree — is complete before the pointer
//! names it, and is never rewritten: a local source's revision is made whole under
//! `tmp/` and renamed into the shard (Python's `sdistill.sources.revisions`); a
//! downloaded archive is extracted into `<revision>/src` through the extractor's
//! staging directory, renamed into place only after the last byte was checked, and the
//! HTTP entry and then the pointer are written after it. *Answers* are added to a live
//! revision afterwards, only by a holder of `<shard>.lock`: each record is written
//! atomically (a reader sees the old file or the whole new one, and every record is
//! sealed), and a wheel enters `wheels/` by rename after its seal was written. A record
//! that fails its seal is made again under the lock, and a wheel that fails its seal
//! is removed and built again; nothing else under a revision changes. So readers take
//! no lock: they read the pointer and then whole files whose seals they check. A new
//! download or a changed local tree gets a new random revision id — but only when the
//! source really changed: an archive downloaded again with the same bytes keeps its
//! revision, and a file named by its hash is not downloaded again at all.
//!
//! # Superseded revisions
//!
//! A revision the pointer no longer names is removed ([`Cache::remove_superseded`]) by
//! the next process that takes the shard to fill it, holding every lock under which
//! the shard's revisions are made or used: `<shard>.lock` (builds read a revision's
//! tree only while holding it) and, for a downloaded source, `<shard>/http.lock` (the
//! HTTP client extracts a new revision only while holding it). Readers without a lock
//! read only whole small files of a revision; one that loses the race finds no file,
//! treats it as a miss and takes the locked path, which reads the pointer again. So
//! repeating a command on unchanged sources never grows the cache, and a changed source
//! leaves one revision behind. A wheel path handed out (`BuiltWheel.path`) stays valid
//! until its source changes and is fetched again: copy it to keep it longer. What a
//! killed process left (`tmp/`, `.sdistill-tmp-*`) is for `prune`.
//!
//! # Locks
//!
//! A process filling a shard holds an exclusive lock on `<shard>.lock` and a shared lock
//! on `<root>/.lock`. Two fillers of one shard therefore take turns (the second then
//! finds the work done), fillers of different shards run in parallel, and `clean` or
//! `prune` — which take `<root>/.lock` exclusively — wait until no shard is being filled.
//! A shard's lock file lives beside the shard, not inside it, so that removing a shard
//! never removes a lock file somebody is waiting on; the one lock file inside a shard,
//! `http.lock` of a downloaded source, is only removed with the shard under the root
//! lock held exclusively (below). Waiting is bounded by the cache's lock timeout
//! ([`Cache::with_lock_timeout`]; Python passes `SDISTILL_LOCK_TIMEOUT`, default 300 s);
//! a timeout is an error naming the lock.
//!
//! A shard's lock file is opened only by a process that already holds the root shared,
//! so under the root held exclusively nobody holds or waits on one: that is when
//! `clean NAME` removes the package's lock files with its shards and index pages
//! (everything of the package, listed in `clean.rs`), and `prune` the lock files of
//! shards that are gone.
//!
//! # Read-only roots
//!
//! A root that exists but cannot be written — a pre-filled cache on a read-only mount,
//! a CI image, a shared volume — is opened as it is ([`Cache::init`]): readers take no
//! lock, so warm lookups work; whatever has to write (a lock file, a record, `clean`)
//! fails there with the OS error (`EROFS`, `EACCES`) naming the path.
//!
//! # Atomic writes
//!
//! Files are written to a temporary file (`.sdistill-tmp-*`) in the same directory,
//! flushed to disk, then renamed over the target: a reader sees the old file or the
//! whole new one, and a writer killed midway leaves only a temporary file that `prune`
//! removes.

mod atomic;
mod clean;
mod error;
mod layout;
mod lock;
pub mod names;
mod prune;
mod revision;
mod walk;

pub use atomic::{write_atomic, TEMP_PREFIX};
pub use error::Error;
pub use layout::Cache;
pub use lock::{LockGuard, DEFAULT_LOCK_TIMEOUT};
pub use names::{Answers, Bucket, Revision, ShardKind};
pub use revision::{is_revision_id, new_revision_id};
pub use walk::Usage;
