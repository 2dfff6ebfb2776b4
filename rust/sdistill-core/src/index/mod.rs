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

pub mod filename;
pub mod html;
pub mod json;
pub mod page;
pub mod pep440;
pub mod project;

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
}

/// The parser that turns the page of `project` into its archived [`project::Project`].
pub fn parser(project: &str) -> Parser {
    Parser {
        parse: |project, body, content_type, url| {
            project::parse_page(project, body, content_type, url).map_err(|err| err.to_string())
        },
        check: project::check,
        context: project.to_owned(),
    }
}
