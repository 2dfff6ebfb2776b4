//! `HttpClient`: the cached HTTP client, every call with the GIL released.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use pyo3::prelude::*;
use pyo3::types::PyBytes;
use sdistill_core::archive::{ExtractOptions, HashAlgorithm, Limits};
use sdistill_core::archive::{DEFAULT_MAX_ENTRIES, DEFAULT_MAX_UNPACKED_SIZE};
use sdistill_core::cache::names::archive_entry;
use sdistill_core::cache::{self, Cache, DEFAULT_LOCK_TIMEOUT};
use sdistill_core::http::cache_control::Directives;
use sdistill_core::http::retry::RetryPolicy;
use sdistill_core::http::{
    self as core_http, Client, ClientConfig, Fetched, Progress, Received, Refresh, Request,
    TransportConfig, Want,
};
use sdistill_core::index::{self, page};
use sdistill_core::wheel_metadata;

use crate::errors::{ArchiveFailure, IntoPyErr};
use crate::index::Project;
use crate::log;
use crate::progress::PyProgress;
use crate::results::{Downloaded, DownloadedFile, FetchedArchive, Removed, WheelMetadata};

fn seconds(name: &str, value: f64, zero_allowed: bool) -> PyResult<Duration> {
    core_http::Error::seconds(name, value, zero_allowed).map_err(IntoPyErr::into_pyerr)
}

/// Hash algorithms by name; an unknown one is a `ValueError` naming it.
fn algorithms<'a>(
    url: &str,
    names: impl IntoIterator<Item = &'a String>,
) -> PyResult<Vec<HashAlgorithm>> {
    names
        .into_iter()
        .map(|name| {
            HashAlgorithm::parse(name).map_err(|error| {
                let archive = Path::new(url);
                ArchiveFailure { error, archive }.into_pyerr()
            })
        })
        .collect()
}

fn hashes(
    url: &str,
    expected: Option<HashMap<String, String>>,
) -> PyResult<Vec<(HashAlgorithm, String)>> {
    let expected: Vec<(String, String)> = expected.unwrap_or_default().into_iter().collect();
    let parsed = algorithms(url, expected.iter().map(|(name, _)| name))?;
    Ok(parsed
        .into_iter()
        .zip(expected)
        .map(|(algorithm, (_, digest))| (algorithm, digest))
        .collect())
}

/// The native HTTP client of one cache root (see `sdistill.http` for the Python face).
#[pyclass(module = "sdistill._core", frozen)]
struct HttpClient {
    inner: Arc<Client>,
    /// Project pages above this many bytes are refused.
    max_page_size: u64,
}

#[pymethods]
impl HttpClient {
    #[new]
    #[pyo3(signature = (
        cache_root, *, offline = false, refresh = false, refresh_packages = Vec::new(),
        connect_timeout = 10.0, read_timeout = 30.0, retries = 3, retry_base = 0.5,
        max_redirects = 10, cache_control_overrides = None, use_netrc = true,
        user_agent = None, max_page_size = index::DEFAULT_MAX_PAGE_SIZE, lock_timeout = None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        cache_root: PathBuf,
        offline: bool,
        refresh: bool,
        refresh_packages: Vec<String>,
        connect_timeout: f64,
        read_timeout: f64,
        retries: u32,
        retry_base: f64,
        max_redirects: u32,
        cache_control_overrides: Option<HashMap<String, String>>,
        use_netrc: bool,
        user_agent: Option<String>,
        max_page_size: u64,
        lock_timeout: Option<f64>,
    ) -> PyResult<Self> {
        let refresh = match (refresh, refresh_packages.is_empty()) {
            (true, _) => Refresh::All,
            (false, false) => Refresh::Packages(refresh_packages),
            (false, true) => Refresh::Nothing,
        };
        let retry_base = seconds("retry_base", retry_base, true)?;
        let lock_timeout = match lock_timeout {
            None => DEFAULT_LOCK_TIMEOUT,
            Some(s) => cache::Error::timeout(s).map_err(IntoPyErr::into_pyerr)?,
        };
        let config = ClientConfig {
            transport: TransportConfig {
                connect_timeout: seconds("connect_timeout", connect_timeout, false)?,
                read_timeout: seconds("read_timeout", read_timeout, false)?,
                max_redirects,
                user_agent: user_agent
                    .unwrap_or_else(|| format!("sdistill/{}", env!("CARGO_PKG_VERSION"))),
                use_netrc,
            },
            retry: RetryPolicy {
                retries,
                base: retry_base,
                ..RetryPolicy::default()
            },
            offline,
            refresh,
            overrides: cache_control_overrides
                .unwrap_or_default()
                .into_iter()
                .map(|(prefix, value)| (prefix, Directives::parse([value.as_str()])))
                .collect(),
        };
        let cache = py
            .detach(|| Cache::init(&cache_root))
            .map_err(IntoPyErr::into_pyerr)?
            .with_lock_timeout(lock_timeout);
        Ok(HttpClient {
            inner: Arc::new(Client::new(cache, config)),
            max_page_size,
        })
    }

    /// The body of `url` as bytes, through the cache (entry: `entry` or the default).
    /// The arguments may be positional: keyword matching costs more than a fresh hit.
    #[pyo3(signature = (url, headers = None, package = None, cache_control = None, entry = None))]
    fn get<'py>(
        &self,
        py: Python<'py>,
        url: String,
        headers: Option<Vec<(String, String)>>,
        package: Option<String>,
        cache_control: Option<String>,
        entry: Option<PathBuf>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let request = Request {
            url,
            headers: headers.unwrap_or_default(),
            package,
            cache_control,
        };
        let fetched = self.fetch(py, &request, entry, &Want::Bytes, None)?;
        match fetched.body {
            Received::Bytes(bytes) => Ok(PyBytes::new(py, bytes.as_slice())),
            _ => unreachable!("bytes were asked for"),
        }
    }

    /// The project page at `url` (of project `name`), parsed and archived in the entry
    /// `entry` (its `origin` says whether it came from the cache).
    #[pyo3(signature = (url, name, entry, *, package = None, cache_control = None))]
    fn project(
        &self,
        py: Python<'_>,
        url: String,
        name: String,
        entry: PathBuf,
        package: Option<String>,
        cache_control: Option<String>,
    ) -> PyResult<Project> {
        let request = Request {
            url,
            headers: vec![("Accept".to_owned(), page::ACCEPT.to_owned())],
            package,
            cache_control,
        };
        let want = Want::Parsed(index::parser(&name).with_max_size(self.max_page_size));
        let fetched = self.fetch(py, &request, Some(entry.clone()), &want, None)?;
        match fetched.body {
            Received::Parsed { payload, .. } => Project::new(payload, Some(entry), fetched.origin),
            _ => unreachable!("a parsed page was asked for"),
        }
    }

    /// The body of `url` in a cache file; `progress(done, total)` hears how far a
    /// download got.
    #[pyo3(signature = (
        url, *, expected_hashes = None, headers = None, package = None,
        cache_control = None, entry = None, progress = None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn get_file(
        &self,
        py: Python<'_>,
        url: String,
        expected_hashes: Option<HashMap<String, String>>,
        headers: Option<Vec<(String, String)>>,
        package: Option<String>,
        cache_control: Option<String>,
        entry: Option<PathBuf>,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<DownloadedFile> {
        let want = Want::File {
            expected: hashes(&url, expected_hashes)?,
        };
        let request = Request {
            url,
            headers: headers.unwrap_or_default(),
            package,
            cache_control,
        };
        let progress = PyProgress::new(progress);
        let fetched = self.fetch(py, &request, entry, &want, progress.as_ref())?;
        match fetched.body {
            Received::File { path, sha256, .. } => Ok(DownloadedFile::new(
                path.display().to_string(),
                sha256,
                fetched.origin,
                fetched.retries,
            )),
            _ => unreachable!("a file was asked for"),
        }
    }

    /// The `METADATA` of the wheel at `url` read out of the wheel (range requests, else
    /// the whole file), recorded at `record` (`Cache.wheel_metadata_record(url)`).
    #[pyo3(signature = (url, filename, record, *, sha256 = None))]
    fn wheel_metadata(
        &self,
        py: Python<'_>,
        url: String,
        filename: String,
        record: PathBuf,
        sha256: Option<String>,
    ) -> PyResult<WheelMetadata> {
        let wheel = wheel_metadata::Wheel {
            url,
            filename,
            sha256,
            record,
        };
        let found = py
            .detach(|| wheel_metadata::fetch(&self.inner, &wheel))
            .map_err(IntoPyErr::into_pyerr);
        log::warnings(py, self.inner.take_warnings())?;
        Ok(WheelMetadata::new(py, found?))
    }

    /// `wheel_metadata` of many `(url, filename, record, sha256)`, `jobs` at a time; a
    /// `WheelMetadata` or the exception instance per wheel, in order.
    #[pyo3(signature = (wheels, *, jobs = 8))]
    fn wheel_metadata_many(
        &self,
        py: Python<'_>,
        wheels: Vec<(String, String, PathBuf, Option<String>)>,
        jobs: usize,
    ) -> PyResult<Vec<Py<PyAny>>> {
        let wheels: Vec<wheel_metadata::Wheel> = wheels
            .into_iter()
            .map(|(url, filename, record, sha256)| wheel_metadata::Wheel {
                url,
                filename,
                sha256,
                record,
            })
            .collect();
        let results = py.detach(|| wheel_metadata::fetch_many(&self.inner, &wheels, jobs));
        log::warnings(py, self.inner.take_warnings())?;
        Ok(results
            .into_iter()
            .map(|result| match result {
                Ok(found) => Py::new(py, WheelMetadata::new(py, found))
                    .map(Py::into_any)
                    .unwrap_or_else(|err| err.into_value(py).into_any()),
                Err(err) => err.into_pyerr().into_value(py).into_any(),
            })
            .collect())
    }

    /// The record of the resolution whose inputs are `key`, checked against the pages
    /// on `index_url` now (fresh pages read in place, stale ones fetched again `jobs` at
    /// a time):
    /// `(text, report JSON)` when it holds, `False` when a page differs, `None` when
    /// there is nothing this check can judge (no record, an unreadable one, or one
    /// listing a project no index had).
    #[pyo3(signature = (index_url, key, *, jobs = sdistill_core::replay::DEFAULT_JOBS))]
    fn replayed<'py>(
        &self,
        py: Python<'py>,
        index_url: String,
        key: String,
        jobs: usize,
    ) -> PyResult<Bound<'py, PyAny>> {
        use sdistill_core::replay::{self, Check};
        let found =
            py.detach(|| replay::recorded(&self.inner, &index_url, &key, self.max_page_size, jobs));
        log::warnings(py, self.inner.take_warnings())?;
        Ok(match found {
            Check::Holds(found) => (found.text, found.report).into_pyobject(py)?.into_any(),
            Check::Differs => false.into_pyobject(py)?.to_owned().into_any(),
            Check::Unchecked => py.None().into_bound(py),
        })
    }

    /// Starts fetching the pages of `names` on `index_url` in the background, for the
    /// requests this process is about to make for them (the top-level pages of a
    /// resolution); returns at once.
    #[pyo3(signature = (index_url, names, *, jobs = sdistill_core::replay::DEFAULT_JOBS))]
    fn prefetch_pages(&self, index_url: String, names: Vec<String>, jobs: usize) {
        sdistill_core::replay::prefetch_pages(
            Arc::clone(&self.inner),
            &index_url,
            names,
            self.max_page_size,
            jobs,
        );
    }

    /// The archive at `url` extracted into a revision of `shard` (its HTTP entry and
    /// revision pointer inside the shard); `progress(done, total)` hears how far a
    /// download got.
    #[pyo3(signature = (
        url, shard, *, expected_hashes = None, package = None, strip_top_level = true,
        max_unpacked_size = DEFAULT_MAX_UNPACKED_SIZE, max_entries = DEFAULT_MAX_ENTRIES,
        cache_control = None, progress = None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn fetch_archive(
        &self,
        py: Python<'_>,
        url: String,
        shard: PathBuf,
        expected_hashes: Option<HashMap<String, String>>,
        package: Option<String>,
        strip_top_level: bool,
        max_unpacked_size: u64,
        max_entries: u64,
        cache_control: Option<String>,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<FetchedArchive> {
        let request_url = sdistill_core::url::redact(&url);
        let expected = hashes(&request_url, expected_hashes)?;
        let request = Request {
            url,
            package,
            cache_control,
            ..Request::default()
        };
        let want = Want::Revision {
            options: ExtractOptions {
                strip_top_level,
                limits: Limits {
                    max_unpacked_size,
                    max_entries,
                    ..Limits::default()
                },
                expected,
                ..ExtractOptions::default()
            },
        };
        let progress = PyProgress::new(progress);
        let entry = Some(archive_entry(&shard));
        let fetched = self.fetch(py, &request, entry, &want, progress.as_ref())?;
        match fetched.body {
            Received::Revision {
                id,
                sha256,
                extracted,
                ..
            } => {
                if let Some(extracted) = &extracted {
                    log::duplicates(py, &request_url, &extracted.duplicates)?;
                }
                Ok(FetchedArchive::new(
                    id,
                    sha256,
                    fetched.origin,
                    fetched.retries,
                ))
            }
            _ => unreachable!("a revision was asked for"),
        }
    }

    /// Removes the revisions of an archive's shard that its pointer no longer names
    /// (call holding the shard's lock).
    fn remove_superseded(&self, py: Python<'_>, shard: PathBuf) -> PyResult<Removed> {
        let removed = py
            .detach(|| self.inner.remove_superseded(&shard))
            .map_err(IntoPyErr::into_pyerr)?;
        Ok(removed.into())
    }

    /// Downloads `url` and extracts it into `dest`, uncached; `progress(done, total)`
    /// hears how far the download got.
    #[pyo3(signature = (
        url, dest, *, expected_hashes = None, strip_top_level = false, hashes = Vec::new(),
        progress = None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn download_extract(
        &self,
        py: Python<'_>,
        url: String,
        dest: PathBuf,
        expected_hashes: Option<HashMap<String, String>>,
        strip_top_level: bool,
        hashes: Vec<String>,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<Downloaded> {
        let shown = sdistill_core::url::redact(&url);
        let options = ExtractOptions {
            strip_top_level,
            expected: self::hashes(&shown, expected_hashes)?,
            hashes: algorithms(&shown, &hashes)?,
            ..ExtractOptions::default()
        };
        let request = Request {
            url,
            ..Request::default()
        };
        let progress = PyProgress::new(progress);
        let progress = progress.as_ref().map(|p| p as &dyn Progress);
        let result = py.detach(|| {
            self.inner
                .download_extract(&request, &dest, &options, progress)
        });
        self.log_warnings(py)?;
        let (extracted, retries) = result.map_err(IntoPyErr::into_pyerr)?;
        Ok(Downloaded::new(&extracted, retries))
    }
}

impl HttpClient {
    fn fetch(
        &self,
        py: Python<'_>,
        request: &Request,
        entry: Option<PathBuf>,
        want: &Want,
        progress: Option<&PyProgress>,
    ) -> PyResult<Fetched> {
        let progress = progress.map(|p| p as &dyn Progress);
        let fetched = py.detach(|| {
            self.inner
                .fetch_with(request, entry.as_deref(), want, progress)
        });
        self.log_warnings(py)?;
        fetched.map_err(IntoPyErr::into_pyerr)
    }

    /// Sends the client's warnings (healed entries, retries) to the `sdistill` logger.
    fn log_warnings(&self, py: Python<'_>) -> PyResult<()> {
        log::warnings(py, self.inner.take_warnings())
    }
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<HttpClient>()?;
    Ok(())
}
