//! Archive extraction: zip and tar (plain, gzip, bzip2, xz, zstd), streaming, hashing,
//! and refusing anything that could harm the machine that extracts it.
//!
//! # One pass
//!
//! The archive is read once, front to back. Its raw bytes pass through the hashers (so
//! the digests cover every byte, including anything after the archive's own end), then
//! the decompressor, then the member parser. The parser checks each member and hands
//! file contents to writer threads, so decompression and file writing overlap; for zip
//! the writers also inflate, so members are decoded in parallel. A bounded budget of
//! bytes in flight keeps memory flat whatever the archive's size.
//!
//! # Safety rules
//!
//! An archive is hostile until proven otherwise. Every member is judged *before*
//! anything is written, against a model of the tree ([`tree`]) that knows every link the
//! archive has made so far:
//!
//! - names: no absolute paths or drive letters, no `..` component, no NUL or other
//!   control character, no backslash, valid UTF-8;
//! - symbolic links: the target must be relative and resolve — through the links before
//!   it, the way the kernel would — to a place inside the destination; a later link may
//!   not change what an earlier one resolves to;
//! - hard links (tar): only to an earlier regular file of the archive;
//! - members written "through" a link go where the link really points, which must be
//!   inside; links themselves are created last, so no write ever follows a link on disk;
//! - device nodes, FIFOs, sparse and unknown member types are refused;
//! - a name that comes again ([`duplicate`]): a directory may repeat; in a tar a regular
//!   file may replace a regular file — the last one wins, as with tar, and the earlier
//!   copy is finished and removed before the later one is written, so no two writes
//!   meet on one path; in a zip only an identical copy may repeat (the same decoded
//!   bytes, compared, and the same mode), since zip readers disagree on which copy
//!   wins. Everything else is refused: a change of kind (file, directory, symbolic or
//!   hard link), and replacing a file that a hard link of the archive shares;
//! - zip: every local header must agree with the central directory (name, method,
//!   CRC, sizes, offset; same members, same order — copies included); CRCs and sizes
//!   are checked on the decoded bytes; encrypted members are refused;
//! - limits ([`Limits`]): the bytes really produced ([`DEFAULT_MAX_UNPACKED_SIZE`],
//!   4 GiB), the number of entries ([`DEFAULT_MAX_ENTRIES`], 100,000), and the
//!   compression ratio: past [`DEFAULT_RATIO_FLOOR`] (64 MiB) produced, the bytes
//!   produced may not reach [`DEFAULT_MAX_RATIO`] (200) times the bytes of the archive
//!   read so far. The ratio is counted as the data comes out — on the decompressed tar
//!   stream (so data after the archive's end counts too) and on the decoded bytes of
//!   zip members — never on sizes the headers declare, so a bomb (a few MB that would
//!   unpack to GBs) stops after at most about the floor, mid-stream, and cleanly;
//! - modes: only "is it executable" survives, decided as the reference tools decide it —
//!   for tar the owner's x bit (as `tarfile`'s data filter), for zip any x bit of a
//!   regular file's Unix mode, whatever host wrote it (as pip). An executable file gets
//!   x where it has r (after the umask). No setuid, setgid or sticky bit, no owner, no
//!   times are taken from the archive.
//!
//! [`Extracted::duplicates`] names the members that came again, for the caller to log.
//!
//! Everything is written into a staging directory beside the destination and renamed
//! into place after the last byte was read, every check passed and the hashes matched.
//! On any error the staging directory is removed: the destination does not exist and
//! nothing was written anywhere else.

mod decoders;
mod duplicate;
mod error;
mod extract;
mod format;
pub(crate) mod hashing;
mod inflate;
mod names;
mod options;
mod sink;
mod staging;
mod stream;
mod tar;
mod tree;
mod writers;
mod zip;

pub use error::Error;
pub use extract::{extract_file, extract_reader};
pub use format::Format;
pub use options::{
    ExtractOptions, Extracted, HashAlgorithm, Limits, DEFAULT_MAX_ENTRIES, DEFAULT_MAX_RATIO,
    DEFAULT_MAX_UNPACKED_SIZE, DEFAULT_RATIO_FLOOR,
};
