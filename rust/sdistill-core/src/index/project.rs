//! A project as the cache keeps it: the files of its page grouped by version, the
//! versions in PEP 440 order, archived with rkyv and read in place.
//!
//! A page lists files; a resolver asks for versions. Grouping is done once, when the
//! page is fetched: each filename is parsed against the project's name
//! ([`super::filename`]) to get its version and kind (sdist or wheel), files are grouped
//! by the normalized version and the groups sorted with [`super::pep440`] ordering.
//! Files whose name or version cannot be parsed (another project's file, an `.egg`, a
//! version PEP 440 rejects) are left out and named, as pip and uv leave them out.
//!
//! # The archive: checked as far as it is read
//!
//! The archive is the payload of the page's HTTP cache entry ([`crate::http`]), and is
//! built so that opening it costs what listing versions needs, not what the page
//! weighs (numpy: 4,381 files, 1.8 MB):
//!
//! ```text
//! offset  size  field
//!      0     8  magic "sdproj\0\0"
//!      8     4  length of the head (rkyv archive of `Head`)
//!     12     4  CRC-32 of the head
//!     16     …  the head, then each version's files (an rkyv archive of `Vec<File>`),
//!               each starting at a multiple of 16
//! ```
//!
//! The head holds the name, the versions (each with its files' place, length and
//! CRC-32) and the skipped filenames. [`check`] — run once per read of the entry from
//! disk — verifies the magic, the head's CRC, validates the head with `rkyv::access`
//! and checks that every version's files lie inside the payload. A version's files are
//! verified (CRC, then `rkyv::access`) the first time they are asked for
//! ([`release_files`]); a mismatch there is reported as [`Corrupt`], and the caller
//! removes the entry so the next request fetches the page again.

use rkyv::rancor;
use rkyv::util::AlignedVec;
use rkyv::vec::ArchivedVec;
use rkyv::{Archive, Deserialize, Serialize};
use url::Url;

use super::filename::{self, DistFilename};
use super::page::{self, CoreMetadata, Format, PageFile};
use super::pep440::Version;

const MAGIC: &[u8; 8] = b"sdproj\0\0";
const HEADER: usize = 16;

/// One algorithm's digest other than the sha256.
#[derive(Archive, Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Hash {
    pub algorithm: String,
    pub digest: String,
}

/// A file's digests: the sha256 as bytes, others (rare) as text.
#[derive(Archive, Serialize, Deserialize, Debug, Clone, PartialEq, Eq, Default)]
pub struct Hashes {
    pub sha256: Option<[u8; 32]>,
    pub others: Vec<Hash>,
}

/// A distribution file of one version.
#[derive(Archive, Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct File {
    pub filename: String,
    /// The URL, without the filename when it ends with `/<filename>` (see
    /// [`File::url_ends_with_filename`]): most index URLs do, and the filename is
    /// then stored once.
    pub url: String,
    pub url_ends_with_filename: bool,
    pub hashes: Hashes,
    pub requires_python: Option<String>,
    /// `Some("")`: yanked without a reason.
    pub yanked: Option<String>,
    /// `Some(hashes)`: the core metadata is served at `<url>.metadata` (PEP 658).
    pub core_metadata: Option<Hashes>,
    pub size: Option<u64>,
    pub upload_time: Option<String>,
    /// An sdist (else a wheel).
    pub sdist: bool,
}

/// A version in the head: what listing versions needs, and where its files are.
#[derive(Archive, Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct ReleaseHead {
    /// Normalized (`str(packaging.version.Version(…))`).
    pub version: String,
    pub prerelease: bool,
    /// Every file of the version is yanked (PEP 592: the version is yanked).
    pub yanked: bool,
    pub file_count: u32,
    /// The files' archive: offset in the payload, length, CRC-32.
    pub offset: u64,
    pub len: u64,
    pub crc: u32,
}

/// The head of a project's archive.
#[derive(Archive, Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Head {
    /// Normalized (PEP 503).
    pub name: String,
    /// The URL the page came from.
    pub page_url: String,
    pub api_version: Option<String>,
    /// Oldest first.
    pub releases: Vec<ReleaseHead>,
    /// Files left out because their name or version could not be parsed.
    pub skipped: Vec<String>,
}

/// The files of one version, while grouping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    pub version: String,
    pub prerelease: bool,
    pub files: Vec<File>,
}

/// A project page, grouped, before it is archived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    pub name: String,
    pub page_url: String,
    pub api_version: Option<String>,
    /// Oldest first.
    pub releases: Vec<Release>,
    pub skipped: Vec<String>,
}

/// An archived project that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Corrupt {
    /// A version's files do not match their checksum or do not validate.
    #[error(
        "the cached page of {project} is corrupt (the files of version {version}); it was \
         removed and is fetched again on the next request"
    )]
    Release { project: String, version: String },
    /// The head of the archive does not validate.
    #[error("the archived project does not validate")]
    Head,
}

impl Project {
    /// Groups a page's files by version: each filename parsed once, then one stable
    /// sort by version (files of a version keep the page's order) and one pass that
    /// cuts the runs — O(n log n) in the page's files, whatever order they come in.
    pub fn from_page(name: &str, page_url: &str, page: page::Page) -> Project {
        let name = filename::normalize_name(name);
        let mut classified: Vec<(Version, File)> = Vec::with_capacity(page.files.len());
        let mut skipped = Vec::new();
        for file in page.files {
            let Some((version, sdist)) = classify(&file.filename, &name) else {
                skipped.push(file.filename);
                continue;
            };
            classified.push((version, archived_file(file, sdist)));
        }
        classified.sort_by(|(a, _), (b, _)| a.cmp(b));
        let mut releases: Vec<Release> = Vec::new();
        let mut last: Option<Version> = None;
        for (version, file) in classified {
            match (&last, releases.last_mut()) {
                (Some(previous), Some(release)) if *previous == version => {
                    release.files.push(file);
                }
                _ => {
                    releases.push(Release {
                        version: version.to_string(),
                        prerelease: version.is_prerelease(),
                        files: vec![file],
                    });
                    last = Some(version);
                }
            }
        }
        Project {
            name,
            page_url: page_url.to_owned(),
            api_version: page.api_version,
            releases,
            skipped,
        }
    }

    /// The archived form (see the module docs).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut blobs = Vec::with_capacity(self.releases.len());
        let mut heads = Vec::with_capacity(self.releases.len());
        let mut offset = 0u64; // from the end of the head, fixed up below
        for release in &self.releases {
            let blob = rkyv::to_bytes::<rancor::Error>(&release.files)
                .expect("archiving files cannot fail");
            heads.push(ReleaseHead {
                version: release.version.clone(),
                prerelease: release.prerelease,
                yanked: !release.files.is_empty()
                    && release.files.iter().all(|f| f.yanked.is_some()),
                file_count: u32::try_from(release.files.len()).unwrap_or(u32::MAX),
                offset,
                len: blob.len() as u64,
                crc: crc32fast::hash(&blob),
            });
            offset += padded(blob.len()) as u64;
            blobs.push(blob);
        }
        // The head's length depends on the offsets it holds only through their values,
        // not their size: archive once to learn it, then with the real offsets.
        let head = |heads: Vec<ReleaseHead>| Head {
            name: self.name.clone(),
            page_url: self.page_url.clone(),
            api_version: self.api_version.clone(),
            releases: heads,
            skipped: self.skipped.clone(),
        };
        let draft = rkyv::to_bytes::<rancor::Error>(&head(heads.clone()))
            .expect("archiving a head cannot fail");
        let base = (HEADER + padded(draft.len())) as u64;
        for release in &mut heads {
            release.offset += base;
        }
        let archived =
            rkyv::to_bytes::<rancor::Error>(&head(heads)).expect("archiving a head cannot fail");
        debug_assert_eq!(archived.len(), draft.len());
        let mut out = Vec::with_capacity(base as usize + offset as usize);
        out.extend_from_slice(MAGIC);
        let head_len = u32::try_from(archived.len()).expect("a head is small");
        out.extend_from_slice(&head_len.to_le_bytes());
        out.extend_from_slice(&crc32fast::hash(&archived).to_le_bytes());
        out.extend_from_slice(&archived);
        out.resize(base as usize, 0);
        for blob in blobs {
            out.extend_from_slice(&blob);
            out.resize(padded(out.len()), 0);
        }
        out
    }
}

fn padded(len: usize) -> usize {
    len.next_multiple_of(16)
}

/// The version and kind (`true`: sdist) a filename states for `project`.
fn classify(filename: &str, project: &str) -> Option<(Version, bool)> {
    match filename::parse(filename, project)? {
        DistFilename::Sdist(sdist) => Some((sdist.version, true)),
        DistFilename::Wheel(wheel) => Some((wheel.version, false)),
    }
}

fn hashes_of(pairs: Vec<(String, String)>) -> Hashes {
    let mut hashes = Hashes::default();
    for (algorithm, digest) in pairs {
        let bytes = (algorithm == "sha256" && hashes.sha256.is_none())
            .then(|| hex_bytes(&digest))
            .flatten();
        match bytes {
            Some(bytes) => hashes.sha256 = Some(bytes),
            None => hashes.others.push(Hash { algorithm, digest }),
        }
    }
    hashes
}

fn hex_bytes(digest: &str) -> Option<[u8; 32]> {
    let digest = digest.as_bytes();
    if digest.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in digest.chunks(2).enumerate() {
        let text = std::str::from_utf8(pair).ok()?;
        out[i] = u8::from_str_radix(text, 16).ok()?;
    }
    Some(out)
}

fn archived_file(file: PageFile, sdist: bool) -> File {
    let tail = format!("/{}", file.filename);
    let (url, url_ends_with_filename) = match file.url.strip_suffix(&tail) {
        Some(base) => (format!("{base}/"), true),
        None => (file.url, false),
    };
    File {
        url,
        url_ends_with_filename,
        filename: file.filename,
        hashes: hashes_of(file.hashes),
        requires_python: file.requires_python,
        yanked: file.yanked,
        core_metadata: match file.core_metadata {
            CoreMetadata::Absent => None,
            CoreMetadata::Present(found) => Some(hashes_of(found)),
        },
        size: file.size,
        upload_time: file.upload_time,
        sdist,
    }
}

impl ArchivedFile {
    /// The file's URL.
    pub fn url(&self) -> String {
        if self.url_ends_with_filename {
            format!("{}{}", self.url.as_str(), self.filename.as_str())
        } else {
            self.url.as_str().to_owned()
        }
    }
}

impl ArchivedHashes {
    /// `(algorithm, lowercase hex digest)`, the sha256 first.
    pub fn pairs(&self) -> Vec<(&str, String)> {
        let mut pairs = Vec::with_capacity(1 + self.others.len());
        if let Some(bytes) = self.sha256.as_ref() {
            pairs.push(("sha256", hex(bytes)));
        }
        for hash in self.others.iter() {
            pairs.push((hash.algorithm.as_str(), hash.digest.as_str().to_owned()));
        }
        pairs
    }
}

/// Lowercase hexadecimal.
fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 15)] as char);
    }
    out
}

/// The payload of a project page's cache entry: the page, read and grouped, archived;
/// with the parser's warnings. `project` is the name asked for.
pub fn parse_page(
    project: &str,
    body: &[u8],
    content_type: Option<&str>,
    url: &Url,
) -> Result<(Vec<u8>, Vec<String>), super::Error> {
    let format = Format::of(content_type)?;
    let mut page = page::parse(body, format, url).map_err(|err| match err {
        super::Error::Page(reason) => super::Error::NotAPage {
            content_type: content_type.map_or_else(
                || "none, read as HTML".to_owned(),
                |value| value.trim().to_owned(),
            ),
            reason,
        },
        other => other,
    })?;
    let warnings = std::mem::take(&mut page.warnings);
    let project = Project::from_page(project, url.as_str(), page);
    Ok((project.to_bytes(), warnings))
}

/// The head's bytes, if the frame around them is sound.
fn head_bytes(payload: &[u8]) -> Option<&[u8]> {
    if payload.len() < HEADER || &payload[..8] != MAGIC {
        return None;
    }
    let len = u32::from_le_bytes(payload[8..12].try_into().ok()?) as usize;
    let crc = u32::from_le_bytes(payload[12..16].try_into().ok()?);
    let head = payload.get(HEADER..HEADER.checked_add(len)?)?;
    (crc32fast::hash(head) == crc).then_some(head)
}

/// Whether `payload` is a sound project archive as far as opening it goes: the frame,
/// the head's checksum and structure, every version's files inside the payload and
/// aligned. (A version's files are checked when first read: [`release_files`].)
pub fn check(payload: &[u8]) -> bool {
    if !(payload.as_ptr() as usize).is_multiple_of(16) {
        return false;
    }
    let Some(bytes) = head_bytes(payload) else {
        return false;
    };
    let Ok(head) = rkyv::access::<ArchivedHead, rancor::Error>(bytes) else {
        return false;
    };
    head.releases.iter().all(|release| {
        let (offset, len) = (release.offset.to_native(), release.len.to_native());
        offset.is_multiple_of(16)
            && offset
                .checked_add(len)
                .is_some_and(|end| end <= payload.len() as u64)
    })
}

/// The head of a payload that [`check`] accepted.
///
/// # Safety
/// `payload` must be bytes that [`check`] returned `true` for, unchanged since.
pub unsafe fn head(payload: &[u8]) -> &ArchivedHead {
    let len = u32::from_le_bytes(payload[8..12].try_into().expect("4 bytes")) as usize;
    // SAFETY: the caller guarantees `check` validated exactly these bytes.
    unsafe { rkyv::access_unchecked::<ArchivedHead>(&payload[HEADER..HEADER + len]) }
}

/// Checks the files of release `at` (its CRC, then `rkyv::access`).
pub fn check_release(payload: &[u8], head: &ArchivedHead, at: usize) -> Result<(), Corrupt> {
    let release = &head.releases[at];
    let corrupt = || Corrupt::Release {
        project: head.name.as_str().to_owned(),
        version: release.version.as_str().to_owned(),
    };
    let bytes = release_bytes(payload, release);
    if crc32fast::hash(bytes) != release.crc.to_native() {
        return Err(corrupt());
    }
    rkyv::access::<ArchivedVec<ArchivedFile>, rancor::Error>(bytes).map_err(|_| corrupt())?;
    Ok(())
}

/// The files of release `at`.
///
/// # Safety
/// `payload` must have passed [`check`] and release `at` [`check_release`], unchanged
/// since.
pub unsafe fn release_files<'a>(
    payload: &'a [u8],
    head: &ArchivedHead,
    at: usize,
) -> &'a ArchivedVec<ArchivedFile> {
    let bytes = release_bytes(payload, &head.releases[at]);
    // SAFETY: the caller guarantees `check_release` validated exactly these bytes.
    unsafe { rkyv::access_unchecked::<ArchivedVec<ArchivedFile>>(bytes) }
}

fn release_bytes<'a>(payload: &'a [u8], release: &ArchivedReleaseHead) -> &'a [u8] {
    let offset = release.offset.to_native() as usize;
    &payload[offset..offset + release.len.to_native() as usize]
}

/// A payload copied to 16-byte aligned memory (a fresh parse is a plain `Vec`).
pub fn aligned(bytes: &[u8]) -> AlignedVec<16> {
    let mut copy = AlignedVec::<16>::with_capacity(bytes.len());
    copy.extend_from_slice(bytes);
    copy
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(filename: &str) -> PageFile {
        PageFile {
            filename: filename.into(),
            url: format!("https://files.example/{filename}"),
            hashes: vec![("sha256".into(), "ab".repeat(32))],
            ..PageFile::default()
        }
    }

    fn project() -> Project {
        let page = page::Page {
            files: [
                "pkg-1.10.tar.gz",
                "pkg-1.9-py3-none-any.whl",
                "pkg-1.9.tar.gz",
                "pkg-1.10rc1.tar.gz",
                "pkg-1.0.0.zip",
                "other-2.0.tar.gz",
                "pkg-1.0-py2.py3-none-any.whl",
                "pkg-1.0.egg",
            ]
            .into_iter()
            .map(file)
            .collect(),
            ..page::Page::default()
        };
        Project::from_page("PKG", "https://index.example/simple/pkg/", page)
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_are_checked_without_panicking(
            bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..600),
            flip in 0usize..600,
        ) {
            assert!(!check(&aligned(&bytes)) || bytes.starts_with(MAGIC));
            let mut good = aligned(&project().to_bytes());
            let at = flip % good.len();
            good[at] ^= 0x80;
            if check(&good) {
                // SAFETY: `check` accepted these bytes.
                let head = unsafe { head(&good) };
                for release in 0..head.releases.len() {
                    let _ = check_release(&good, head, release);
                }
            }
        }
    }

    #[test]
    fn files_are_grouped_by_version_in_pep440_order() {
        let project = project();
        let versions: Vec<&str> = project
            .releases
            .iter()
            .map(|r| r.version.as_str())
            .collect();
        assert_eq!(versions, ["1.0.0", "1.9", "1.10rc1", "1.10"]);
        assert_eq!(
            project.releases[0].files.len(),
            2,
            "1.0 and 1.0.0 are one version"
        );
        assert!(project.releases[2].prerelease);
        let nine: Vec<bool> = project.releases[1].files.iter().map(|f| f.sdist).collect();
        assert_eq!(nine, [false, true]);
        assert_eq!(project.skipped, ["other-2.0.tar.gz", "pkg-1.0.egg"]);
    }

    #[test]
    fn the_archive_reads_back_and_checks_as_far_as_read() {
        let bytes = aligned(&project().to_bytes());
        assert!(check(&bytes));
        // SAFETY: checked just above.
        let head = unsafe { head(&bytes) };
        assert_eq!(head.name.as_str(), "pkg");
        assert_eq!(head.releases.len(), 4);
        for at in 0..head.releases.len() {
            check_release(&bytes, head, at).unwrap();
        }
        // SAFETY: every release was checked.
        let files = unsafe { release_files(&bytes, head, 1) };
        assert_eq!(files[1].filename.as_str(), "pkg-1.9.tar.gz");
        assert_eq!(files[1].url(), "https://files.example/pkg-1.9.tar.gz");
        assert_eq!(files[1].hashes.pairs(), [("sha256", "ab".repeat(32))]);

        let mut broken = bytes.clone();
        let last = broken.len() - 20;
        broken[last] ^= 0x55;
        assert!(check(&broken), "the head is intact");
        // SAFETY: `check` accepted it.
        let head = unsafe { self::head(&broken) };
        let failed: Vec<usize> = (0..4)
            .filter(|&at| check_release(&broken, head, at).is_err())
            .collect();
        assert_eq!(failed, [3], "only the version whose bytes changed");

        let mut head_broken = bytes.clone();
        head_broken[HEADER + 4] ^= 1;
        assert!(!check(&head_broken));
        assert!(!check(&bytes[..bytes.len() / 2]));
        assert!(!check(b"not a project at all, but long enough"));
    }
}
