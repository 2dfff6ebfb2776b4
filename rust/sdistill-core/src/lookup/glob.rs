//! The files a `[tool.sdistill] cache-keys` pattern names, as Python's `Path.glob`
//! finds them.
//!
//! A pattern is relative to the project directory and split at `/`. A component
//! without wildcards is a name; `*`, `?` and `[…]` (`[!…]` negated, ranges `a-z`) match
//! within one name, dot files included, as `fnmatch` does; `**` matches any number of
//! directories, none included (`**/*.py` finds `a.py` and `pkg/sub/b.py`). Symbolic
//! links to directories are not followed by `**`, only by a named component. An
//! absolute pattern, or one with a `..` component, names nothing: a stamp only looks
//! inside its project. Matches are returned in no particular order, once each.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// Every existing path under `dir` that `pattern` matches.
pub fn glob(dir: &Path, pattern: &str) -> Vec<PathBuf> {
    if pattern.is_empty() || pattern.starts_with('/') {
        return Vec::new();
    }
    let parts: Vec<&str> = pattern
        .split('/')
        .filter(|part| !part.is_empty() && *part != ".")
        .collect();
    if parts.is_empty() || parts.contains(&"..") {
        return Vec::new();
    }
    let mut found = BTreeSet::new();
    walk(dir, &parts, &mut found);
    found.into_iter().collect()
}

fn walk(dir: &Path, parts: &[&str], found: &mut BTreeSet<PathBuf>) {
    let Some((first, rest)) = parts.split_first() else {
        found.insert(dir.to_path_buf());
        return;
    };
    if *first == "**" {
        // None of the directories, then one more level and `**` again.
        walk(dir, rest, found);
        for child in children(dir) {
            let is_dir = child
                .symlink_metadata()
                .is_ok_and(|meta| meta.file_type().is_dir());
            if is_dir {
                walk(&child, parts, found);
            }
        }
    } else if !has_wildcard(first) {
        let child = dir.join(first);
        if rest.is_empty() {
            if child.symlink_metadata().is_ok() {
                found.insert(child);
            }
        } else if child.is_dir() {
            walk(&child, rest, found);
        }
    } else {
        for child in children(dir) {
            let name = child.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if !matches(first.as_bytes(), name.as_bytes()) {
                continue;
            }
            if rest.is_empty() {
                found.insert(child);
            } else if child.is_dir() {
                walk(&child, rest, found);
            }
        }
    }
}

fn children(dir: &Path) -> Vec<PathBuf> {
    fs::read_dir(dir)
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default()
}

fn has_wildcard(part: &str) -> bool {
    part.contains(['*', '?', '['])
}

/// `fnmatch` of one name against one component (case-sensitive, as on POSIX).
fn matches(pattern: &[u8], name: &[u8]) -> bool {
    match pattern.split_first() {
        None => name.is_empty(),
        Some((b'*', rest)) => (0..=name.len()).any(|skip| matches(rest, &name[skip..])),
        Some((b'?', rest)) => !name.is_empty() && matches(rest, &name[1..]),
        Some((b'[', rest)) => match class(rest) {
            Some((set, after)) => {
                name.first().is_some_and(|&c| set.contains(c)) && matches(after, &name[1..])
            }
            // An unclosed `[` is a literal, as in fnmatch.
            None => name.first() == Some(&b'[') && matches(rest, &name[1..]),
        },
        Some((&c, rest)) => name.first() == Some(&c) && matches(rest, &name[1..]),
    }
}

/// A bracket expression (after its `[`), and what follows its `]`.
struct Class<'a> {
    negated: bool,
    body: &'a [u8],
}

impl Class<'_> {
    fn contains(&self, c: u8) -> bool {
        let mut inside = false;
        let mut at = 0;
        while at < self.body.len() {
            if at + 2 < self.body.len() && self.body[at + 1] == b'-' {
                inside |= (self.body[at]..=self.body[at + 2]).contains(&c);
                at += 3;
            } else {
                inside |= self.body[at] == c;
                at += 1;
            }
        }
        inside != self.negated
    }
}

fn class(rest: &[u8]) -> Option<(Class<'_>, &[u8])> {
    let (negated, body) = match rest.first() {
        Some(b'!') => (true, &rest[1..]),
        _ => (false, rest),
    };
    // A `]` first in the set is a member, not the end.
    let end = body.iter().skip(1).position(|&c| c == b']')? + 1;
    Some((
        Class {
            negated,
            body: &body[..end],
        },
        &body[end + 1..],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path, pattern: &str) -> Vec<String> {
        glob(dir, pattern)
            .iter()
            .map(|p| p.strip_prefix(dir).unwrap().display().to_string())
            .collect()
    }

    #[test]
    fn fnmatch_components() {
        assert!(matches(b"*.txt", b"a.txt"));
        assert!(matches(b"*.txt", b".hidden.txt"));
        assert!(!matches(b"*.txt", b"a.txt.bak"));
        assert!(matches(b"?.py", b"a.py"));
        assert!(matches(b"[ab].py", b"b.py"));
        assert!(!matches(b"[!ab].py", b"b.py"));
        assert!(matches(b"[a-c]x", b"cx"));
        assert!(matches(b"[]]", b"]"));
        assert!(matches(b"[x", b"[x"));
    }

    #[test]
    fn patterns_like_path_glob() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for file in ["a.txt", "b.py", "sub/c.txt", "sub/deep/d.py", "data/e"] {
            let path = root.join(file);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, b"x").unwrap();
        }
        assert_eq!(names(root, "a.txt"), ["a.txt"]);
        assert!(names(root, "missing").is_empty());
        assert_eq!(names(root, "*.txt"), ["a.txt"]);
        assert_eq!(names(root, "data/*"), ["data/e"]);
        assert_eq!(names(root, "**/*.py"), ["b.py", "sub/deep/d.py"]);
        assert_eq!(names(root, "sub/**/*.txt"), ["sub/c.txt"]);
        assert!(names(root, "../x").is_empty());
        assert!(names(root, "sub/../a.txt").is_empty());
        assert!(names(root, "/etc/passwd").is_empty());
    }
}
