//! `Project` and `IndexFile`: views over an archived project page, read in place.
//!
//! A `Project` holds the archive (the cache entry's buffer, shared); `versions()` reads
//! only version strings, `files(v)` makes one `IndexFile` per file of that version, and
//! an `IndexFile` makes a Python object for a field only when the field is read.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use pyo3::prelude::*;
use pyo3::types::PyDict;
use rkyv::util::AlignedVec;
use rkyv::vec::ArchivedVec;
use sdistill_core::http::{Origin, Payload};
use sdistill_core::index::project::{self, ArchivedFile, ArchivedHashes, ArchivedHead};
use sdistill_core::index::release;

use crate::errors::IntoPyErr;
use crate::results::origin_name;

/// The bytes of an archived project, its head checked once, each version's files
/// checked the first time they are read.
struct Archive {
    payload: Payload,
    /// A copy, 16-byte aligned, when the payload came from the network (a `Vec`).
    aligned: Option<AlignedVec<16>>,
    /// The cache entry it was read from (removed if a version's files are corrupt).
    entry: Option<PathBuf>,
    /// Per version: the verdict of `project::check_release` on its files.
    releases: Vec<OnceLock<Result<(), project::Corrupt>>>,
    /// [`Project::digest`], computed once.
    digest: OnceLock<String>,
}

impl Archive {
    fn new(payload: Payload, entry: Option<PathBuf>) -> PyResult<Archive> {
        let aligned = match &payload {
            Payload::Owned(bytes) => Some(project::aligned(bytes)),
            Payload::Cached(_) => None,
        };
        let mut archive = Archive {
            payload,
            aligned,
            entry,
            releases: Vec::new(),
            digest: OnceLock::new(),
        };
        // A cached entry keeps the verdict of its first check: a warm open is free.
        let sound = match (&archive.payload, &archive.aligned) {
            (Payload::Cached(entry), None) => entry.payload_sound(project::check),
            _ => project::check(archive.bytes()),
        };
        if !sound {
            return Err(project::Corrupt::Head.into_pyerr());
        }
        let count = archive.head().releases.len();
        archive.releases = (0..count).map(|_| OnceLock::new()).collect();
        Ok(archive)
    }

    fn bytes(&self) -> &[u8] {
        match &self.aligned {
            Some(copy) => copy.as_slice(),
            None => self.payload.as_slice(),
        }
    }

    fn head(&self) -> &ArchivedHead {
        // SAFETY: `Archive::new` ran `project::check` on exactly these bytes, which never
        // change: the aligned copy and the cache entry's buffer are owned and immutable.
        unsafe { project::head(self.bytes()) }
    }

    /// The files of version `at`, checked on first use; a corrupt version removes the
    /// cache entry (the next request fetches the page again) and raises `CacheError`.
    fn files(&self, at: usize) -> PyResult<&ArchivedVec<ArchivedFile>> {
        let head = self.head();
        let verdict = self.releases[at].get_or_init(|| {
            project::check_release(self.bytes(), head, at).inspect_err(|_| {
                if let Some(entry) = &self.entry {
                    let _ = std::fs::remove_file(entry);
                }
            })
        });
        if let Err(corrupt) = verdict {
            return Err(corrupt.clone().into_pyerr());
        }
        // SAFETY: `check_release` accepted version `at` of these unchanging bytes.
        Ok(unsafe { project::release_files(self.bytes(), head, at) })
    }
}

/// A project page of an index: its versions and files, read from the archive.
#[pyclass(module = "sdistill._core", frozen)]
pub(crate) struct Project {
    archive: Arc<Archive>,
    origin: Origin,
}

impl Project {
    pub(crate) fn new(
        payload: Payload,
        entry: Option<PathBuf>,
        origin: Origin,
    ) -> PyResult<Project> {
        Ok(Project {
            archive: Arc::new(Archive::new(payload, entry)?),
            origin,
        })
    }

    /// The index of the release `version` names (`release::find`).
    fn release(&self, version: &str) -> PyResult<Option<usize>> {
        release::find(self.archive.head(), version).map_err(IntoPyErr::into_pyerr)
    }

    fn index_file(&self, release: usize, file: usize) -> IndexFile {
        IndexFile {
            archive: self.archive.clone(),
            release,
            file,
        }
    }

    fn files_where(
        &self,
        version: &str,
        keep: impl Fn(&ArchivedFile) -> bool,
    ) -> PyResult<Vec<IndexFile>> {
        let Some(release) = self.release(version)? else {
            return Ok(Vec::new());
        };
        let files = self.archive.files(release)?;
        Ok((0..files.len())
            .filter(|&at| keep(&files[at]))
            .map(|file| self.index_file(release, file))
            .collect())
    }
}

#[pymethods]
impl Project {
    /// Where the page came from: "cache", "revalidated" or "network".
    #[getter]
    fn origin(&self) -> &'static str {
        origin_name(self.origin)
    }

    /// The project's normalized name.
    #[getter]
    fn name(&self) -> &str {
        self.archive.head().name.as_str()
    }

    /// The URL of the page.
    #[getter]
    fn page_url(&self) -> &str {
        self.archive.head().page_url.as_str()
    }

    /// `meta.api-version` of a JSON page.
    #[getter]
    fn api_version(&self) -> Option<&str> {
        self.archive.head().api_version.as_ref().map(|v| v.as_str())
    }

    /// Filenames the page lists that were left out (not this project's, or no version).
    #[getter]
    fn skipped(&self) -> Vec<&str> {
        self.archive
            .head()
            .skipped
            .iter()
            .map(|s| s.as_str())
            .collect()
    }

    /// A digest of the page as archived (what a resolver reads of it): equal digests,
    /// equal versions and files.
    #[getter]
    fn digest(&self) -> String {
        self.archive
            .digest
            .get_or_init(|| sdistill_core::cache_key::digest_bytes(self.archive.bytes()))
            .clone()
    }

    /// The number of files of all versions.
    #[getter]
    fn file_count(&self) -> usize {
        self.archive
            .head()
            .releases
            .iter()
            .map(|r| r.file_count.to_native() as usize)
            .sum()
    }

    /// Versions, newest first; without yanked ones (every file yanked) or pre-releases
    /// if asked.
    #[pyo3(signature = (*, yanked = true, prereleases = true))]
    fn versions(&self, yanked: bool, prereleases: bool) -> Vec<&str> {
        self.archive
            .head()
            .releases
            .iter()
            .rev()
            .filter(|r| prereleases || !r.prerelease)
            .filter(|r| yanked || !r.yanked)
            .map(|r| r.version.as_str())
            .collect()
    }

    /// Whether `version` is a pre-release (None: not on the page).
    fn is_prerelease(&self, version: &str) -> PyResult<Option<bool>> {
        let head = self.archive.head();
        Ok(self
            .release(version)?
            .map(|at| head.releases[at].prerelease))
    }

    /// The files of `version` (empty if the page has none).
    fn files(&self, version: &str) -> PyResult<Vec<IndexFile>> {
        self.files_where(version, |_| true)
    }

    /// The wheels of `version`.
    fn wheels(&self, version: &str) -> PyResult<Vec<IndexFile>> {
        self.files_where(version, |f| !f.sdist)
    }

    /// The sdists of `version`, the preferred first (`release::sdists`).
    fn sdists(&self, version: &str) -> PyResult<Vec<IndexFile>> {
        let Some(at) = self.release(version)? else {
            return Ok(Vec::new());
        };
        let files = self.archive.files(at)?;
        Ok(release::sdists(files)
            .into_iter()
            .map(|file| self.index_file(at, file))
            .collect())
    }

    fn __repr__(&self) -> String {
        let head = self.archive.head();
        format!(
            "<Project {} ({} versions) from {}>",
            head.name.as_str(),
            head.releases.len(),
            head.page_url.as_str()
        )
    }
}

/// One file of a project page; each field is read from the archive when asked for.
#[pyclass(module = "sdistill._core", frozen)]
pub(crate) struct IndexFile {
    archive: Arc<Archive>,
    release: usize,
    file: usize,
}

impl IndexFile {
    fn file(&self) -> &ArchivedFile {
        // An `IndexFile` is only made for a version whose files were checked.
        let files = self
            .archive
            .files(self.release)
            .expect("the version was checked when this file was listed");
        &files[self.file]
    }
}

fn hash_dict<'py>(py: Python<'py>, hashes: &ArchivedHashes) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    for (algorithm, digest) in hashes.pairs() {
        dict.set_item(algorithm, digest)?;
    }
    Ok(dict)
}

#[pymethods]
impl IndexFile {
    #[getter]
    fn filename(&self) -> &str {
        self.file().filename.as_str()
    }

    #[getter]
    fn url(&self) -> String {
        self.file().url()
    }

    /// The normalized version this file belongs to.
    #[getter]
    fn version(&self) -> &str {
        self.archive.head().releases[self.release].version.as_str()
    }

    /// `{algorithm: hex digest}`.
    #[getter]
    fn hashes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        hash_dict(py, &self.file().hashes)
    }

    #[getter]
    fn requires_python(&self) -> Option<&str> {
        self.file().requires_python.as_ref().map(|r| r.as_str())
    }

    #[getter]
    fn yanked(&self) -> bool {
        self.file().yanked.is_some()
    }

    /// The reason given for yanking (None: not yanked, or no reason).
    #[getter]
    fn yanked_reason(&self) -> Option<&str> {
        self.file()
            .yanked
            .as_ref()
            .map(|r| r.as_str())
            .filter(|r| !r.is_empty())
    }

    /// The hashes of the core metadata served at `url + ".metadata"` (PEP 658); None if
    /// it is not served, `{}` if served without hashes.
    #[getter]
    fn core_metadata<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        self.file()
            .core_metadata
            .as_ref()
            .map(|hashes| hash_dict(py, hashes))
            .transpose()
    }

    #[getter]
    fn size(&self) -> Option<u64> {
        self.file().size.as_ref().map(|s| s.to_native())
    }

    #[getter]
    fn upload_time(&self) -> Option<&str> {
        self.file().upload_time.as_ref().map(|t| t.as_str())
    }

    #[getter]
    fn is_sdist(&self) -> bool {
        self.file().sdist
    }

    fn __repr__(&self) -> String {
        format!("<IndexFile {}>", self.file().filename.as_str())
    }
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add(
        "DEFAULT_MAX_PAGE_SIZE",
        sdistill_core::index::DEFAULT_MAX_PAGE_SIZE,
    )?;
    m.add_class::<Project>()?;
    m.add_class::<IndexFile>()?;
    Ok(())
}
