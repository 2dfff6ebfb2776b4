//! Sending one request: the `reqwest` client (TLS, proxies, timeouts), credentials
//! and redirects.
//!
//! - TLS is rustls with the `ring` provider; the trusted roots are the operating
//!   system's store, or `SSL_CERT_FILE` / `SSL_CERT_DIR` when set (as OpenSSL reads
//!   them). A certificate they do not vouch for fails at once, without retries.
//! - Proxies come from `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` (upper
//!   or lower case), which `reqwest` reads.
//! - Redirects are followed here, not by `reqwest`, so credentials are decided per
//!   hop: the URL's own credentials go only to its origin; a request that carries none
//!   for the origin of the hop gets those learned for that origin from the URLs the
//!   client was given ([`CredentialStore`]: an index's credentials reach the files its
//!   pages link to), else the `.netrc` credentials of the host. At most
//!   `max_redirects` hops.
//! - Nothing here retries: [`super::client`] decides that.

use std::ffi::OsString;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::header::{HeaderMap, LOCATION};
use reqwest::{Method, Response, StatusCode};
use url::Url;

use super::auth::{same_origin, split_credentials, CredentialStore, Credentials, Netrc};
use super::runtime::runtime;

/// Timeouts and limits of the transport.
#[derive(Debug, Clone)]
pub struct TransportConfig {
    pub connect_timeout: Duration,
    pub read_timeout: Duration,
    pub max_redirects: u32,
    pub user_agent: String,
    pub use_netrc: bool,
}

/// A `reqwest` client per process (see [`super::runtime`] for why per process).
pub struct Transport {
    config: TransportConfig,
    netrc: Option<Netrc>,
    /// Credentials of the URLs this client was given, by origin.
    learned: CredentialStore,
    client: Mutex<Option<(u32, reqwest::Client)>>,
}

/// Why a request could not be made or answered.
#[derive(Debug)]
pub enum SendError {
    /// Worth retrying: connection refused or reset, timeout, broken body.
    Transient(String),
    /// Not worth retrying (a bad URL, too many redirects, TLS setup).
    Fatal(String),
}

impl Transport {
    pub fn new(config: TransportConfig) -> Transport {
        let netrc = if config.use_netrc {
            Netrc::load()
        } else {
            None
        };
        Transport {
            config,
            netrc,
            learned: CredentialStore::default(),
            client: Mutex::new(None),
        }
    }

    /// Remembers the credentials `url` carries (if any) for the requests to its origin
    /// that carry none.
    pub fn learn(&self, url: &Url) {
        self.learned.learn(url);
    }

    pub fn config(&self) -> &TransportConfig {
        &self.config
    }

    fn client(&self) -> Result<reqwest::Client, SendError> {
        let pid = std::process::id();
        let mut slot = self.client.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((owner, client)) = slot.as_ref() {
            if *owner == pid {
                return Ok(client.clone());
            }
        }
        let runtime = runtime().map_err(|err| SendError::Fatal(err.to_string()))?;
        let _context = runtime.enter(); // the pool may start its timers when built
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured((*tls_config()).clone())
            .connect_timeout(self.config.connect_timeout)
            .read_timeout(self.config.read_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(self.config.user_agent.clone())
            .build()
            .map_err(|err| SendError::Fatal(describe(&err)))?;
        *slot = Some((pid, client.clone()));
        Ok(client)
    }

    /// Sends a GET for `url` with `headers`, following redirects; returns the final
    /// response (its body not yet read) and the URL it came from.
    pub fn send(&self, url: &Url, headers: &HeaderMap) -> Result<(Response, Url), SendError> {
        let client = self.client()?;
        let (origin_url, url_credentials) = split_credentials(url);
        let mut current = origin_url.clone();
        let runtime = runtime().map_err(|err| SendError::Fatal(err.to_string()))?;
        for _ in 0..=self.config.max_redirects {
            let own = url_credentials
                .as_ref()
                .filter(|_| same_origin(&current, &origin_url));
            let credentials = match own {
                Some(own) => Some(own.clone()),
                None => (self.learned.lookup(&current)).or_else(|| self.netrc_for(&current)),
            };
            let mut request = client
                .request(Method::GET, current.clone())
                .headers(headers.clone());
            if let Some(Credentials { username, password }) = credentials {
                request = request.basic_auth(username, password);
            }
            // `send` starts timers at once: it must run inside the runtime.
            let response = runtime
                .block_on(async { request.send().await })
                .map_err(|err| classify(&err))?;
            if !is_redirect(response.status()) {
                return Ok((response, current));
            }
            let Some(location) = response
                .headers()
                .get(LOCATION)
                .and_then(|l| l.to_str().ok())
            else {
                return Ok((response, current));
            };
            let next = current.join(location).map_err(|err| {
                SendError::Fatal(format!("redirect to an invalid location: {err}"))
            })?;
            if !matches!(next.scheme(), "http" | "https") {
                return Err(SendError::Fatal(format!(
                    "redirect to an unsupported scheme {:?}",
                    next.scheme()
                )));
            }
            current = split_credentials(&next).0;
        }
        Err(SendError::Fatal(format!(
            "more than {} redirects",
            self.config.max_redirects
        )))
    }

    fn netrc_for(&self, url: &Url) -> Option<Credentials> {
        self.netrc.as_ref()?.lookup(url.host_str()?)
    }

    /// The next chunk of a response body, `None` at its end.
    pub fn chunk(&self, response: &mut Response) -> Result<Option<bytes::Bytes>, SendError> {
        let runtime = runtime().map_err(|err| SendError::Fatal(err.to_string()))?;
        runtime
            .block_on(response.chunk())
            .map_err(|err| SendError::Transient(describe(&err)))
    }
}

fn is_redirect(status: StatusCode) -> bool {
    matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308)
}

/// The rustls configuration: the OS trust store or `SSL_CERT_FILE`/`SSL_CERT_DIR`.
/// Loading the roots reads and parses files, so it happens once per process and value
/// of those variables (a client made after they change sees the new roots).
fn tls_config() -> Arc<rustls::ClientConfig> {
    type Setting = (Option<OsString>, Option<OsString>);
    static CONFIG: Mutex<Option<(Setting, Arc<rustls::ClientConfig>)>> = Mutex::new(None);
    let setting = (
        std::env::var_os("SSL_CERT_FILE"),
        std::env::var_os("SSL_CERT_DIR"),
    );
    let mut cached = CONFIG.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((known, config)) = &*cached {
        if *known == setting {
            return config.clone();
        }
    }
    let mut roots = rustls::RootCertStore::empty();
    let found = rustls_native_certs::load_native_certs();
    roots.add_parsable_certificates(found.certs);
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("the ring provider supports the default TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let config = Arc::new(config);
    *cached = Some((setting, config.clone()));
    config
}

/// Whether `err` is a TLS failure that no retry can fix: a certificate the trusted
/// roots do not vouch for, or a server that speaks no acceptable TLS.
fn is_tls_refusal(err: &reqwest::Error) -> bool {
    let refusal = |tls: &rustls::Error| {
        matches!(
            tls,
            rustls::Error::InvalidCertificate(_)
                | rustls::Error::NoCertificatesPresented
                | rustls::Error::UnsupportedNameType
                | rustls::Error::PeerIncompatible(_)
        )
    };
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(err);
    while let Some(cause) = source {
        let cause = unwrap_io(cause);
        if cause.downcast_ref::<rustls::Error>().is_some_and(refusal) {
            return true;
        }
        source = cause.source();
    }
    false
}

/// The error an `io::Error` wraps (it hides it from `source()`), through any nesting.
fn unwrap_io<'a>(
    mut cause: &'a (dyn std::error::Error + 'static),
) -> &'a (dyn std::error::Error + 'static) {
    while let Some(inner) = cause
        .downcast_ref::<std::io::Error>()
        .and_then(|io| io.get_ref())
    {
        cause = inner;
    }
    cause
}

/// A request error as a retry decision and a message free of URLs (the caller names
/// the URL, redacted).
fn classify(err: &reqwest::Error) -> SendError {
    let message = describe(err);
    if err.is_builder() || err.is_redirect() || is_tls_refusal(err) {
        SendError::Fatal(message)
    } else {
        SendError::Transient(message)
    }
}

/// The error and its causes, without the URL `reqwest` puts in its own message.
pub fn describe(err: &reqwest::Error) -> String {
    let mut parts = Vec::new();
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(err);
    let own = if err.is_timeout() {
        "timed out".to_owned()
    } else if err.is_connect() {
        "could not connect".to_owned()
    } else if err.is_body() || err.is_decode() {
        "the response body broke off".to_owned()
    } else {
        "request failed".to_owned()
    };
    parts.push(own);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    crate::url::redact(&parts.join(": "))
}

/// Headers as a `HeaderMap` (names and values already checked by the caller).
pub fn header_map(pairs: &[(String, String)]) -> Result<HeaderMap, String> {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        let name = reqwest::header::HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| format!("invalid header name {name:?}"))?;
        let value = reqwest::header::HeaderValue::from_str(value)
            .map_err(|_| format!("invalid value for header {name}"))?;
        map.append(name, value);
    }
    Ok(map)
}
