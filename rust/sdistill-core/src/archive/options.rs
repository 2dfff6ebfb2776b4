use super::Error;

/// Default ceiling on the bytes an archive may unpack to: 4 GiB, far above any sdist.
pub const DEFAULT_MAX_UNPACKED_SIZE: u64 = 4 << 30;
/// Default ceiling on the number of entries (files, directories, links).
pub const DEFAULT_MAX_ENTRIES: u64 = 100_000;

/// Ceilings that make a bomb fail cleanly. Counted on what is really produced, never on
/// what headers declare.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_unpacked_size: u64,
    pub max_entries: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_unpacked_size: DEFAULT_MAX_UNPACKED_SIZE,
            max_entries: DEFAULT_MAX_ENTRIES,
        }
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
