//! A project as the cache keeps it: the files of its page grouped by version, the
//! versions in PEP 440 order, archived with rkyv and read in place.
//!
//! A page lists files; a resolver asks for versions. Grouping is done once, when the
//! page is fetched: each filename is parsed against the project's name
//! ([`super::filename`]) to get its version and kind (sdist or wheel), files are grouped
//! by the normalized version and the groups sorted with [`super::pep440`] ordering.
//! Files whose name or version cannot be parsed (another project's file, an `.egg`, a
//! version PEP 440 rejects) are left out and counted, as pip and uv leave them out.
//!
//! The archive is the payload of the page's HTTP cache entry ([`crate::http`]): it is
//! validated with `rkyv::access` once per read of the entry from disk
//! ([`check`]), then used without deserializing — listing versions touches only the
//! version strings, listing one version's files only those files.

use rkyv::rancor;
use rkyv::{Archive, Deserialize, Serialize};
use url::Url;

use super::filename::{self, DistFilename};
use super::page::{self, CoreMetadata, Format, PageFile};
use super::pep440::Version;

/// One algorithm's digest.
#[derive(Archive, Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Hash {
    pub algorithm: String,
    pub digest: String,
}

/// A distribution file of one version.
#[derive(Archive, Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct File {
    pub filename: String,
    pub url: String,
    pub hashes: Vec<Hash>,
    pub requires_python: Option<String>,
    /// `Some("")`: yanked without a reason.
    pub yanked: Option<String>,
    /// `Some(hashes)`: the core metadata is served at `<url>.metadata` (PEP 658).
    pub core_metadata: Option<Vec<Hash>>,
    pub size: Option<u64>,
    pub upload_time: Option<String>,
    /// An sdist (else a wheel).
    pub sdist: bool,
}

/// The files of one version.
#[derive(Archive, Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Release {
    /// Normalized (`str(packaging.version.Version(…))`).
    pub version: String,
    pub prerelease: bool,
    pub files: Vec<File>,
}

/// A project page, grouped.
#[derive(Archive, Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Project {
    /// Normalized (PEP 503).
    pub name: String,
    /// The URL the page came from.
    pub page_url: String,
    pub api_version: Option<String>,
    /// Oldest first.
    pub releases: Vec<Release>,
    /// Files left out because their name or version could not be parsed.
    pub skipped: Vec<String>,
}

impl Project {
    /// Groups a page's files by version.
    pub fn from_page(name: &str, page_url: &str, page: page::Page) -> Project {
        let name = filename::normalize_name(name);
        let mut grouped: Vec<(Version, Release)> = Vec::new();
        let mut skipped = Vec::new();
        for file in page.files {
            let Some((version, sdist)) = classify(&file.filename, &name) else {
                skipped.push(file.filename);
                continue;
            };
            let file = archived_file(file, sdist);
            let at = match grouped.binary_search_by(|(v, _)| v.cmp(&version)) {
                Ok(at) => at,
                Err(at) => {
                    let release = Release {
                        version: version.to_string(),
                        prerelease: version.is_prerelease(),
                        files: Vec::new(),
                    };
                    grouped.insert(at, (version, release));
                    at
                }
            };
            grouped[at].1.files.push(file);
        }
        Project {
            name,
            page_url: page_url.to_owned(),
            api_version: page.api_version,
            releases: grouped.into_iter().map(|(_, release)| release).collect(),
            skipped,
        }
    }

    /// The archived form.
    pub fn to_bytes(&self) -> Vec<u8> {
        rkyv::to_bytes::<rancor::Error>(self)
            .expect("archiving a project cannot fail")
            .into_vec()
    }
}

/// The version and kind (`true`: sdist) a filename states for `project`.
fn classify(filename: &str, project: &str) -> Option<(Version, bool)> {
    match filename::parse(filename, project)? {
        DistFilename::Sdist(sdist) => Some((sdist.version, true)),
        DistFilename::Wheel(wheel) => Some((wheel.version, false)),
    }
}

fn archived_file(file: PageFile, sdist: bool) -> File {
    let hashes = |pairs: Vec<(String, String)>| {
        pairs
            .into_iter()
            .map(|(algorithm, digest)| Hash { algorithm, digest })
            .collect()
    };
    File {
        filename: file.filename,
        url: file.url,
        hashes: hashes(file.hashes),
        requires_python: file.requires_python,
        yanked: file.yanked,
        core_metadata: match file.core_metadata {
            CoreMetadata::Absent => None,
            CoreMetadata::Present(found) => Some(hashes(found)),
        },
        size: file.size,
        upload_time: file.upload_time,
        sdist,
    }
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
    let mut page = page::parse(body, format, url)?;
    let warnings = std::mem::take(&mut page.warnings);
    let project = Project::from_page(project, url.as_str(), page);
    Ok((project.to_bytes(), warnings))
}

/// Whether `payload` is a sound archived project.
pub fn check(payload: &[u8]) -> bool {
    rkyv::access::<ArchivedProject, rancor::Error>(payload).is_ok()
}

/// The archived project in `payload`, which [`check`] accepted.
///
/// # Safety
/// `payload` must be bytes that [`check`] returned `true` for, unchanged since.
pub unsafe fn access_checked(payload: &[u8]) -> &ArchivedProject {
    // SAFETY: the caller guarantees `check` validated exactly these bytes.
    unsafe { rkyv::access_unchecked::<ArchivedProject>(payload) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(filename: &str) -> PageFile {
        PageFile {
            filename: filename.into(),
            url: format!("https://files.example/{filename}"),
            ..PageFile::default()
        }
    }

    #[test]
    fn files_are_grouped_by_version_in_pep440_order() {
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
        let project = Project::from_page("PKG", "https://index.example/simple/pkg/", page);
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
        let bytes = project.to_bytes();
        let mut aligned = rkyv::util::AlignedVec::<16>::new();
        aligned.extend_from_slice(&bytes);
        assert!(check(&aligned));
        assert!(!check(&aligned[..aligned.len() - 1]));
    }
}
