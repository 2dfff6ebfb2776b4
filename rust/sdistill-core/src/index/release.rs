//! Questions asked of an archived project: which release a version names, and which of
//! a release's sdists to use.
//!
//! The releases of an archived head are in PEP 440 order (oldest first), so a version
//! is found by binary search on the parsed versions: listing the files of every version
//! of a page stays n log n. Equality is PEP 440's (`1.0` is `1.0.0`).
//!
//! Of several sdists of one version the `.tar.gz` is preferred (the format PEP 625
//! settled on, and the one every tool reads), then the order of the page.

use std::cmp::Ordering;

use super::pep440::{self, Version};
use super::project::{ArchivedFile, ArchivedHead};

/// The index in `head.releases` of the release `version` names, if the page has it.
pub fn find(head: &ArchivedHead, version: &str) -> Result<Option<usize>, pep440::Error> {
    let wanted: Version = version.parse()?;
    let found = head
        .releases
        .binary_search_by(|r| match r.version.as_str().parse::<Version>() {
            Ok(v) => v.cmp(&wanted),
            // The archive holds only versions that parsed: never here.
            Err(_) => Ordering::Less,
        });
    Ok(found.ok())
}

/// The positions of a release's sdists in `files`, the preferred first.
pub fn sdists(files: &[ArchivedFile]) -> Vec<usize> {
    let mut found: Vec<usize> = (0..files.len()).filter(|&at| files[at].sdist).collect();
    // Stable: among equals, the order of the page.
    found.sort_by_key(|&at| !files[at].filename.as_str().ends_with(".tar.gz"));
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::page::{Page, PageFile};
    use crate::index::project::{aligned, check, check_release, head, release_files, Project};

    fn archived(files: &[&str]) -> rkyv::util::AlignedVec<16> {
        let page = Page {
            files: files
                .iter()
                .map(|name| PageFile {
                    filename: (*name).into(),
                    url: format!("https://files.example/{name}"),
                    ..PageFile::default()
                })
                .collect(),
            ..Page::default()
        };
        let bytes = aligned(&Project::from_page("pkg", "https://i/simple/pkg/", page).to_bytes());
        assert!(check(&bytes));
        bytes
    }

    #[test]
    fn versions_are_found_by_pep440_equality() {
        let bytes = archived(&[
            "pkg-1.0.tar.gz",
            "pkg-1.10.tar.gz",
            "pkg-1.9.tar.gz",
            "pkg-2.0rc1.tar.gz",
        ]);
        // SAFETY: checked by `archived`.
        let head = unsafe { head(&bytes) };
        let at = |v: &str| find(head, v).unwrap();
        assert_eq!(at("1.0"), Some(0));
        assert_eq!(at("1.0.0"), Some(0));
        assert_eq!(at("1.9"), Some(1));
        assert_eq!(at("1.10"), Some(2));
        assert_eq!(at("2.0c1"), Some(3));
        assert_eq!(at("3"), None);
        assert!(find(head, "not a version").is_err());
    }

    #[test]
    fn a_tar_gz_is_preferred_then_page_order() {
        let bytes = archived(&[
            "pkg-1.0.zip",
            "pkg-1.0-py3-none-any.whl",
            "pkg-1.0.tar.bz2",
            "pkg-1.0.tar.gz",
        ]);
        // SAFETY: checked by `archived`.
        let head = unsafe { head(&bytes) };
        check_release(&bytes, head, 0).unwrap();
        // SAFETY: the release was checked just above.
        let files = unsafe { release_files(&bytes, head, 0) };
        let names: Vec<&str> = sdists(files)
            .into_iter()
            .map(|at| files[at].filename.as_str())
            .collect();
        assert_eq!(names, ["pkg-1.0.tar.gz", "pkg-1.0.zip", "pkg-1.0.tar.bz2"]);
    }
}
