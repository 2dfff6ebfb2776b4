use super::Error;

/// Default ceiling on the bytes an archive may unpack to: 4 GiB, far above any sdist.
pub const DEFAULT_MAX_UNPACKED_SIZE: u64 = 4 << 30;
/// Default ceiling on the number of entries (files, directories, links).
pub const DEFAULT_MAX_ENTRIES: u64 = 100_000;
/// Default ceiling on the compression ratio: what an archive unpacks to may be at most
/// 200 times the bytes of it read so far (source code compresses 3–10 times; a bomb
/// 1,000 times and more)…
pub const DEFAULT_MAX_RATIO: u64 = 200;
/// … once it has unpacked more than this much (64 MiB): a small archive may be as
/// compressible as it likes.
pub const DEFAULT_RATIO_FLOOR: u64 = 64 << 20;

/// Ceilings that make a bomb fail cleanly. Counted on what is really produced, never on
/// what headers declare: the bytes of regular files written, the entries, and for the
/// ratio also the decompressed tar stream (headers and padding included, and whatever
/// follows the archive's end, which is decompressed to check the stream's CRC).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_unpacked_size: u64,
    pub max_entries: u64,
    /// Bytes produced per byte of the archive read, checked past `ratio_floor` bytes
    /// produced (`u64::MAX`: no ratio limit).
    pub max_ratio: u64,
    pub ratio_floor: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_unpacked_size: DEFAULT_MAX_UNPACKED_SIZE,
            max_entries: DEFAULT_MAX_ENTRIES,
            max_ratio: DEFAULT_MAX_RATIO,
            ratio_floor: DEFAULT_RATIO_FLOOR,
        }
    }
}

impl Limits {
    /// The error if `produced` bytes out of `read` bytes of archive break the ratio.
    pub(crate) fn check_ratio(&self, member: &str, produced: u64, read: u64) -> Result<(), Error> {
        if produced > self.ratio_floor && produced > read.saturating_mul(self.max_ratio) {
            return Err(Error::unsafe_member(
                member,
                format!(
                    "archive unpacks to {produced} bytes from the first {read} bytes of it, \
                     more than {} times as many (max_ratio, past {} bytes): a \
                     compression bomb?",
                    self.max_ratio, self.ratio_floor
                ),
            ));
        }
        Ok(())
    }
}

/// Hash algorithms computed over an archive's raw bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashAlgorithm {
    Sha256,
    Sha384,
    Sha512,
    Md5,
}

impl HashAlgorithm {
    pub fn name(self) -> &'static str {
        match self {
            HashAlgorithm::Sha256 => "sha256",
            HashAlgorithm::Sha384 => "sha384",
            HashAlgorithm::Sha512 => "sha512",
            HashAlgorithm::Md5 => "md5",
        }
    }

    pub fn parse(name: &str) -> Result<HashAlgorithm, Error> {
        match name.to_ascii_lowercase().as_str() {
            "sha256" => Ok(HashAlgorithm::Sha256),
            "sha384" => Ok(HashAlgorithm::Sha384),
            "sha512" => Ok(HashAlgorithm::Sha512),
            "md5" => Ok(HashAlgorithm::Md5),
            _ => Err(Error::UnknownHash(name.to_owned())),
        }
    }
}

/// How to extract.
#[derive(Debug, Clone, Default)]
pub struct ExtractOptions {
    /// Remove the single top-level directory (an sdist's `name-version/`).
    pub strip_top_level: bool,
    pub limits: Limits,
    /// Extra algorithms to compute (sha256 always is).
    pub hashes: Vec<HashAlgorithm>,
    /// Digests the archive must have (lower- or upper-case hex).
    pub expected: Vec<(HashAlgorithm, String)>,
}

/// What an extraction did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extracted {
    /// Regular files and links written.
    pub files: u64,
    /// Bytes of regular files written.
    pub unpacked_bytes: u64,
    /// Digests of the archive's raw bytes, sha256 first.
    pub hashes: Vec<(HashAlgorithm, String)>,
    /// Members whose path an earlier regular file of the archive already had: in a tar
    /// the later file replaced the earlier one, in a zip it was an identical copy.
    pub duplicates: Vec<String>,
}
