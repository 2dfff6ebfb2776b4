//! `HttpClient`: the cached HTTP client, every call with the GIL released.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use sdistill_core::archive::{ExtractOptions, HashAlgorithm, Limits};
use sdistill_core::archive::{DEFAULT_MAX_ENTRIES, DEFAULT_MAX_UNPACKED_SIZE};
use sdistill_core::cache::Cache;
use sdistill_core::http::cache_control::Directives;
use sdistill_core::http::retry::RetryPolicy;
use sdistill_core::http::{
    archive_entry, Client, ClientConfig, Fetched, Origin, Received, Refresh, Request,
    TransportConfig, Want,
};

use crate::errors::IntoPyErr;
use crate::index::Project;
use crate::log;
use sdistill_core::index::{self, page};

fn seconds(name: &str, value: f64) -> PyResult<Duration> {
    if value.is_finite() && value > 0.0 {
        Ok(Duration::from_secs_f64(value))
    } else {
        Err(PyValueError::new_err(format!(
            "{name} must be a positive number of seconds, not {value}"
        )))
    }
}

fn hashes(expected: Option<HashMap<String, String>>) -> PyResult<Vec<(HashAlgorithm, String)>> {
    expected
        .unwrap_or_default()
        .into_iter()
        .map(|(name, digest)| {
            HashAlgorithm::parse(&name)
                .map(|algorithm| (algorithm, digest))
                .map_err(|err| PyValueError::new_err(err.to_string()))
        })
        .collect()
}

fn origin_name(origin: Origin) -> &'static str {
    match origin {
        Origin::Cache => "cache",
        Origin::Revalidated => "revalidated",
        Origin::Network => "network",
    }
}

/// The native HTTP client of one cache root (see `sdistill.http` for the Python face).
#[pyclass(module = "sdistill._core", frozen)]
struct HttpClient {
    inner: Client,
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
        user_agent = None, max_page_size = index::DEFAULT_MAX_PAGE_SIZE,
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
    ) -> PyResult<Self> {
        let refresh = match (refresh, refresh_packages.is_empty()) {
            (true, _) => Refresh::All,
            (false, false) => Refresh::Packages(refresh_packages),
            (false, true) => Refresh::Nothing,
        };
        let retry_base = if retry_base >= 0.0 && retry_base.is_finite() {
            Duration::from_secs_f64(retry_base)
        } else {
            return Err(PyValueError::new_err("retry_base must be >= 0"));
        };
        let config = ClientConfig {
            transport: TransportConfig {
                connect_timeout: seconds("connect_timeout", connect_timeout)?,
                read_timeout: seconds("read_timeout", read_timeout)?,
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
            .map_err(IntoPyErr::into_pyerr)?;
        Ok(HttpClient {
            inner: Client::new(cache, config),
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
        let fetched = self.fetch(py, &request, entry, &Want::Bytes)?;
        match fetched.body {
            Received::Bytes(bytes) => Ok(PyBytes::new(py, bytes.as_slice())),
            _ => unreachable!("bytes were asked for"),
        }
    }

    /// The project page at `url` (of project `name`), parsed and archived in the entry
    /// `entry`; returns (project view, origin).
    #[pyo3(signature = (url, name, entry, *, package = None, cache_control = None))]
    fn project(
        &self,
        py: Python<'_>,
        url: String,
        name: String,
        entry: PathBuf,
        package: Option<String>,
        cache_control: Option<String>,
    ) -> PyResult<(Project, &'static str)> {
        let request = Request {
            url,
            headers: vec![("Accept".to_owned(), page::ACCEPT.to_owned())],
            package,
            cache_control,
        };
        let want = Want::Parsed(index::parser(&name).with_max_size(self.max_page_size));
        let fetched = self.fetch(py, &request, Some(entry.clone()), &want)?;
        match fetched.body {
            Received::Parsed { payload, .. } => Ok((
                Project::new(payload, Some(entry))?,
                origin_name(fetched.origin),
            )),
            _ => unreachable!("a parsed page was asked for"),
        }
    }

    /// The body of `url` in a cache file; returns (path, sha256, origin, retries).
    #[pyo3(signature = (
        url, *, expected_hashes = None, headers = None, package = None,
        cache_control = None, entry = None,
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
    ) -> PyResult<(String, String, &'static str, u32)> {
        let request = Request {
            url,
            headers: headers.unwrap_or_default(),
            package,
            cache_control,
        };
        let want = Want::File {
            expected: hashes(expected_hashes)?,
        };
        let fetched = self.fetch(py, &request, entry, &want)?;
        match fetched.body {
            Received::File { path, sha256, .. } => Ok((
                path.display().to_string(),
                sha256,
                origin_name(fetched.origin),
                fetched.retries,
            )),
            _ => unreachable!("a file was asked for"),
        }
    }

    /// The archive at `url` extracted into a revision of `shard` (entry `<shard>/http`,
    /// pointer `<shard>/revision`); returns (revision id, sha256, origin, retries).
    #[pyo3(signature = (
        url, shard, *, expected_hashes = None, package = None, strip_top_level = true,
        max_unpacked_size = DEFAULT_MAX_UNPACKED_SIZE, max_entries = DEFAULT_MAX_ENTRIES,
        cache_control = None,
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
    ) -> PyResult<(String, String, &'static str, u32)> {
        let request_url = sdistill_core::url::redact(&url);
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
                expected: hashes(expected_hashes)?,
                ..ExtractOptions::default()
            },
        };
        let fetched = self.fetch(py, &request, Some(archive_entry(&shard)), &want)?;
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
                Ok((id, sha256, origin_name(fetched.origin), fetched.retries))
            }
            _ => unreachable!("a revision was asked for"),
        }
    }

    /// Removes the revisions of an archive's shard that its pointer no longer names
    /// (call holding the shard's lock); returns how many files went.
    fn remove_superseded(&self, py: Python<'_>, shard: PathBuf) -> PyResult<u64> {
        py.detach(|| self.inner.remove_superseded(&shard))
            .map_err(IntoPyErr::into_pyerr)
    }

    /// Downloads `url` and extracts it into `dest`, uncached; returns (files, unpacked
    /// bytes, {algorithm: digest}, retries).
    #[pyo3(signature = (url, dest, *, expected_hashes = None, strip_top_level = false, hashes = Vec::new()))]
    fn download_extract<'py>(
        &self,
        py: Python<'py>,
        url: String,
        dest: PathBuf,
        expected_hashes: Option<HashMap<String, String>>,
        strip_top_level: bool,
        hashes: Vec<String>,
    ) -> PyResult<(u64, u64, Bound<'py, PyDict>, u32)> {
        let mut options = ExtractOptions {
            strip_top_level,
            expected: self::hashes(expected_hashes)?,
            ..ExtractOptions::default()
        };
        for name in &hashes {
            options.hashes.push(
                HashAlgorithm::parse(name).map_err(|e| PyValueError::new_err(e.to_string()))?,
            );
        }
        let request = Request {
            url,
            ..Request::default()
        };
        let result = py.detach(|| self.inner.download_extract(&request, &dest, &options));
        self.log_warnings(py)?;
        let (extracted, retries) = result.map_err(IntoPyErr::into_pyerr)?;
        let digests = PyDict::new(py);
        for (algorithm, digest) in extracted.hashes {
            digests.set_item(algorithm.name(), digest)?;
        }
        Ok((extracted.files, extracted.unpacked_bytes, digests, retries))
    }
}

impl HttpClient {
    fn fetch(
        &self,
        py: Python<'_>,
        request: &Request,
        entry: Option<PathBuf>,
        want: &Want,
    ) -> PyResult<Fetched> {
        let fetched = py.detach(|| self.inner.fetch(request, entry.as_deref(), want));
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
