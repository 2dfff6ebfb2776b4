//! The package index (PEP 503 / PEP 691 simple API): versions, filenames, project pages.
//!
//! - [`pep440`]: versions as PEP 440 defines them, ordered as `packaging` orders them.
//! - [`filename`]: what a distribution's filename says (project, version, kind, tags).
//! - [`page`], [`json`], [`html`]: reading a project page in either format.
//! - [`project`]: the page grouped by version and archived, read in place.
//!
//! Pages are fetched through the cached HTTP client ([`crate::http`]) with
//! [`page::ACCEPT`]; the parsed, archived project is the payload of the page's cache
//! entry ([`parser`]), so a fresh page costs one validated read and no parsing.
//!
//! # Hostile or broken pages
//!
//! - Size: a page body above [`DEFAULT_MAX_PAGE_SIZE`] (64 MiB; PyPI's largest pages
//!   are a few MB) is refused while it streams, from its `Content-Length` if it states
//!   one, before it is all in memory (`SDISTILL_MAX_PAGE_SIZE`, read by
//!   `sdistill.http`, changes the limit). The client asks for no transfer coding and
//!   decodes none, so the limit is on the bytes that arrive: a compressed page cannot
//!   grow past it.
//! - Junk: a page must be what its `Content-Type` says. JSON must be a PEP 691 project
//!   page (an object with a `files` list); HTML without a single link must still look
//!   like HTML (no NUL byte, at least one HTML element). Random bytes, a JSON document of
//!   another kind, or text that is not markup are errors naming the URL and the
//!   `Content-Type` ([`Error::NotAPage`]), never an empty project. A real empty page —
//!   `{"files": []}`, or an HTML document with no links — is an empty project.
//! - Time: reading, grouping and archiving are linear in the page's links (a stable
//!   sort by version is the only n log n step); `benches/bench_index_scaling.py`
//!   shows the time per link across page sizes.

pub mod filename;
pub mod html;
pub mod json;
pub mod page;
pub mod pep440;
pub mod project;
pub mod release;

use crate::http::Parser;

/// Why a project page cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("not a readable project page: {0}")]
    Page(String),
    #[error("the index answered with {0:?}, not a project page")]
    ContentType(String),
    #[error("the index speaks simple API version {0}, which this sdistill does not")]
    ApiVersion(String),
    /// The body is not a project page in the format its `Content-Type` names.
    #[error("not a project page (Content-Type: {content_type}): {reason}")]
    NotAPage {
        content_type: String,
        reason: String,
    },
}

/// Default ceiling on the bytes of a project page: 64 MiB.
pub const DEFAULT_MAX_PAGE_SIZE: u64 = 64 << 20;

/// The parser that turns the page of `project` into its archived [`project::Project`],
/// refusing pages above [`DEFAULT_MAX_PAGE_SIZE`] (see [`Parser::with_max_size`]).
pub fn parser(project: &str) -> Parser {
    Parser {
        parse: |project, body, content_type, url| {
            project::parse_page(project, body, content_type, url).map_err(|err| err.to_string())
        },
        check: project::check,
        context: project.to_owned(),
        max_size: DEFAULT_MAX_PAGE_SIZE,
    }
}
