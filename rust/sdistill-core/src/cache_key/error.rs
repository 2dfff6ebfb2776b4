/// Errors of the cache-key module.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The text is not an absolute URL.
    #[error("not a valid URL: {url:?}: {reason}")]
    InvalidUrl { url: String, reason: String },
}
