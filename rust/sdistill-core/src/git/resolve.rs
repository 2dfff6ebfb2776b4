//! A rev to a commit: from the database when it can answer, else with one `ls-remote`
//! round trip and a fetch of only what the rev needs.

use std::collections::HashMap;

use super::command::args;
use super::database::{Database, DEFAULT_REF};
use super::rev::{Remote, Rev};
use super::Error;
use crate::cache::Cache;

/// A rev resolved to a commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The full commit id, lower-case.
    pub commit: String,
    /// Whether `git fetch` ran (a full commit already in the database makes no network
    /// request at all; a branch or tag makes one `ls-remote` round trip and fetches
    /// only when its commit is missing).
    pub fetched: bool,
}

/// Resolves `rev` (`None`: the default branch) of the repository at `url` (without
/// `git+`) to a commit, fetching it into the repository's database when missing. A
/// database git reports corrupt is made again, once.
pub fn resolve(
    cache: &Cache,
    url: &str,
    rev: Option<&str>,
    offline: bool,
) -> Result<Resolved, Error> {
    let remote = Remote::parse(url)?;
    let rev = Rev::parse(rev)?;
    let database = Database::open(cache, &remote)?;
    match resolve_in(&database, &rev, offline) {
        Err(err) if err.is_corrupt() => {
            database.remake()?;
            resolve_in(&database, &rev, offline)
        }
        other => other,
    }
}

fn resolve_in(db: &Database<'_>, rev: &Rev, offline: bool) -> Result<Resolved, Error> {
    if let Rev::Commit(commit) = rev {
        return resolve_commit(db, commit, offline);
    }
    if offline {
        return match local(db, rev)? {
            Some(commit) => Ok(Resolved {
                commit,
                fetched: false,
            }),
            None => Err(offline_error(db, rev)),
        };
    }
    let refs = ls_remote(db, rev)?;
    let Some((commit, name)) = pick(rev, &refs) else {
        return resolve_prefix(db, rev);
    };
    // Where the database records what this rev named last (for offline use); a tag is
    // kept by the fetch itself.
    let record = match (&name, rev) {
        (_, Rev::Default) => Some(DEFAULT_REF.to_owned()),
        (Some(name), _) if !name.starts_with("refs/tags/") => Some(name.clone()),
        _ => None,
    };
    // Recorded already (a warm branch): the commit and its history are in the database,
    // so neither a check nor a fetch nor a new record is needed.
    if record.as_deref().and_then(|r| db.recorded(r)).as_deref() == Some(commit.as_str()) {
        return Ok(Resolved {
            commit,
            fetched: false,
        });
    }
    let mut fetched = false;
    if !db.has_commit(&commit)? {
        match &name {
            Some(name) => db.fetch(&[&format!("+{name}:{name}")])?,
            None => db.fetch(&[&commit])?,
        }
        fetched = true;
        if !db.has_commit(&commit)? {
            return Err(not_found(db, rev));
        }
    }
    if let Some(record) = record {
        db.set_ref(&record, &commit)?;
    }
    Ok(Resolved { commit, fetched })
}

/// A full commit: no network when present; else fetched by id, else with every branch
/// and tag (servers that refuse unadvertised objects).
fn resolve_commit(db: &Database<'_>, commit: &str, offline: bool) -> Result<Resolved, Error> {
    let found = |fetched| Resolved {
        commit: commit.to_owned(),
        fetched,
    };
    if db.has_commit(commit)? {
        return Ok(found(false));
    }
    if offline {
        return Err(offline_error(db, &Rev::Commit(commit.to_owned())));
    }
    match db.fetch(&[commit]) {
        Err(err) if err.is_corrupt() => return Err(err),
        Err(Error::Command { .. }) => db.fetch_all()?,
        Err(err) => return Err(err),
        Ok(()) => {}
    }
    if db.has_commit(commit)? {
        Ok(found(true))
    } else {
        Err(not_found(db, &Rev::Commit(commit.to_owned())))
    }
}

/// A rev no ref names: a commit prefix, looked up locally, then after fetching every
/// branch and tag.
fn resolve_prefix(db: &Database<'_>, rev: &Rev) -> Result<Resolved, Error> {
    if !rev.is_commit_prefix() {
        return Err(not_found(db, rev));
    }
    if let Some(commit) = db.local_commit(rev.text())? {
        return Ok(Resolved {
            commit,
            fetched: false,
        });
    }
    db.fetch_all()?;
    match db.local_commit(rev.text())? {
        Some(commit) => Ok(Resolved {
            commit,
            fetched: true,
        }),
        None => Err(not_found(db, rev)),
    }
}

/// Offline: what the database recorded for the rev.
fn local(db: &Database<'_>, rev: &Rev) -> Result<Option<String>, Error> {
    let text = rev.text();
    let candidates = match rev {
        Rev::Default => vec![DEFAULT_REF.to_owned()],
        Rev::Commit(commit) => vec![commit.clone()],
        Rev::Named(_) => {
            let mut names = vec![format!("refs/heads/{text}"), format!("refs/tags/{text}")];
            if text.starts_with("refs/") {
                names.push(text.to_owned());
            }
            if rev.is_commit_prefix() {
                names.push(text.to_owned());
            }
            names
        }
    };
    for name in candidates {
        if let Some(commit) = db.local_commit(&name)? {
            return Ok(Some(commit));
        }
    }
    Ok(None)
}

/// The remote's refs that could name the rev (`HEAD` with its target, for the default
/// branch), in one round trip: name -> object id (`^{}` lines are peeled tags).
fn ls_remote(db: &Database<'_>, rev: &Rev) -> Result<Refs, Error> {
    let text = rev.text();
    let patterns = match rev {
        Rev::Default => vec!["HEAD".to_owned()],
        _ => {
            let mut patterns = vec![
                format!("refs/heads/{text}"),
                format!("refs/tags/{text}"),
                format!("refs/tags/{text}^{{}}"),
            ];
            if text.starts_with("refs/") {
                patterns.push(text.to_owned());
                patterns.push(format!("{text}^{{}}"));
            }
            patterns
        }
    };
    let mut all: Vec<&std::ffi::OsStr> =
        args!["ls-remote", "--symref", "--end-of-options", db.remote.url].to_vec();
    all.extend(patterns.iter().map(std::ffi::OsStr::new));
    let stdout = db.run(&all)?;
    Ok(Refs::parse(&String::from_utf8_lossy(&stdout)))
}

/// `ls-remote --symref` output.
#[derive(Debug, Default)]
struct Refs {
    ids: HashMap<String, String>,
    head_target: Option<String>,
}

impl Refs {
    fn parse(text: &str) -> Refs {
        let mut refs = Refs::default();
        for line in text.lines() {
            let Some((left, name)) = line.split_once('\t') else {
                continue;
            };
            if let Some(target) = left.strip_prefix("ref: ") {
                if name == "HEAD" {
                    refs.head_target = Some(target.to_owned());
                }
            } else {
                refs.ids.insert(name.to_owned(), left.to_ascii_lowercase());
            }
        }
        refs
    }

    /// The commit a ref names: its peeled object when it is an annotated tag.
    fn commit(&self, name: &str) -> Option<String> {
        self.ids
            .get(&format!("{name}^{{}}"))
            .or_else(|| self.ids.get(name))
            .cloned()
    }
}

/// The commit the rev names among the remote's refs, and the ref to fetch it by
/// (`None`: a detached remote `HEAD`, fetched by id). A branch wins over a tag of the
/// same name (as pip's `git checkout <name>` does), a tag over a full ref name.
fn pick(rev: &Rev, refs: &Refs) -> Option<(String, Option<String>)> {
    match rev {
        Rev::Default => {
            let commit = refs.commit("HEAD")?;
            let target = refs.head_target.clone();
            Some((commit, target))
        }
        Rev::Commit(_) => None,
        Rev::Named(text) => {
            let mut names = vec![format!("refs/heads/{text}"), format!("refs/tags/{text}")];
            if text.starts_with("refs/") {
                names.push(text.clone());
            }
            names
                .into_iter()
                .find_map(|name| Some((refs.commit(&name)?, Some(name))))
        }
    }
}

fn not_found(db: &Database<'_>, rev: &Rev) -> Error {
    Error::RevNotFound {
        rev: rev.text().to_owned(),
        url: crate::url::redact(&db.remote.url),
        tried: tried(rev),
    }
}

/// The rev forms tried for `rev`, in the order they were tried, for a message.
fn tried(rev: &Rev) -> String {
    match rev {
        Rev::Commit(_) => "commit".to_owned(),
        Rev::Default => "the remote's HEAD".to_owned(),
        Rev::Named(text) => {
            let mut forms = vec![
                format!("branch refs/heads/{text}"),
                format!("tag refs/tags/{text}"),
            ];
            if text.starts_with("refs/") {
                forms.push(format!("ref {text}"));
            }
            if rev.is_commit_prefix() {
                forms.push("commit prefix".to_owned());
            }
            forms.join(", ")
        }
    }
}

fn offline_error(db: &Database<'_>, rev: &Rev) -> Error {
    Error::Offline {
        rev: rev.text().to_owned(),
        url: crate::url::redact(&db.remote.url),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rev_not_found_names_the_forms_tried() {
        let named = |text: &str| tried(&Rev::parse(Some(text)).unwrap());
        assert_eq!(named("nope"), "branch refs/heads/nope, tag refs/tags/nope");
        assert_eq!(
            named("refs/pull/1/head"),
            "branch refs/heads/refs/pull/1/head, tag refs/tags/refs/pull/1/head, \
             ref refs/pull/1/head"
        );
        assert!(named("abcdef1").ends_with(", commit prefix"));
        assert_eq!(tried(&Rev::parse(Some(&"a".repeat(40))).unwrap()), "commit");
        assert_eq!(tried(&Rev::Default), "the remote's HEAD");
    }
}
