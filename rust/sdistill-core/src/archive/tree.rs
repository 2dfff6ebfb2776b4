//! A model of the tree being extracted, so that every member is judged by where the
//! kernel would really put it — through the symbolic links written before it — before
//! anything touches the disk.
//!
//! Paths here are *physical*: relative to the destination, `/`-joined, with every
//! symbolic link already replaced by what it resolves to. Links themselves are created
//! only after every file has been written, so no write ever goes through a link on disk;
//! a member that names a path through an earlier link is written to the physical path
//! the model resolves it to, once that path is known to stay inside.
//!
//! One subtlety: a link's target is resolved when the link is met, against the tree as
//! it is then. A later link placed on a path that an earlier resolution walked through
//! would change what the earlier link means (`a -> b/../x`, then `b -> .`, makes `a`
//! point outside). Such a later link is refused: resolutions remember what they walked.
//!
//! A name met again is judged by what it was and what it becomes. A directory may
//! repeat, and a regular file may follow a regular file ([`Placed::again`]: the format
//! decides what that means — see `duplicate.rs`). Every other change of kind (file,
//! directory, symbolic link, hard link) is refused, and so is replacing a file that
//! shares its inode with a hard link of the archive: tar gives the link the old bytes,
//! `tarfile` the new ones.

use std::collections::{HashMap, HashSet};

use super::Error;

/// Links may chain at most this deep (the kernel's own limit is 40).
const MAX_LINK_DEPTH: usize = 40;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Node {
    Dir,
    /// A regular file; `linked` once a hard link of the archive shares it.
    File {
        linked: bool,
    },
    /// A symbolic link, with the physical path its target resolves to.
    Symlink(String),
}

/// Where a regular file goes.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Placed {
    /// The physical path.
    pub(crate) path: String,
    /// An earlier regular file of the archive is at that path.
    pub(crate) again: bool,
}

#[derive(Debug, Default)]
pub(crate) struct Tree {
    nodes: HashMap<String, Node>,
    walked: HashSet<String>,
}

impl Tree {
    /// Places a directory member; the same directory twice is fine.
    pub(crate) fn dir(&mut self, member: &str, parts: &[&str]) -> Result<String, Error> {
        let path = self.place(member, parts)?;
        match self.nodes.get(&path) {
            None | Some(Node::Dir) => {}
            Some(_) => {
                return Err(Error::unsafe_member(
                    member,
                    "a directory where a file or link of the same name exists",
                ))
            }
        }
        self.add_parents(&path);
        self.nodes.insert(path.clone(), Node::Dir);
        Ok(path)
    }

    /// Places a regular file member; it may follow a regular file of the same path that
    /// no hard link shares.
    pub(crate) fn file(&mut self, member: &str, parts: &[&str]) -> Result<Placed, Error> {
        let path = self.placed(member, parts)?;
        let again = match self.nodes.get(&path) {
            None => false,
            Some(Node::File { linked: false }) => true,
            Some(Node::File { linked: true }) => {
                return Err(Error::unsafe_member(
                    member,
                    "replaces a file that a hard link of the archive shares \
                     (tar and tarfile disagree on what the link then holds)",
                ))
            }
            Some(other) => return Err(occupied(member, other)),
        };
        self.add_parents(&path);
        self.nodes
            .insert(path.clone(), Node::File { linked: false });
        Ok(Placed { path, again })
    }

    /// Places a hard link to the earlier regular file `target` (archive components);
    /// returns the physical paths of the link and of its target.
    pub(crate) fn hardlink(
        &mut self,
        member: &str,
        parts: &[&str],
        target: &[&str],
    ) -> Result<(String, String), Error> {
        let target = self.hardlink_target(member, target)?;
        let path = self.vacant(member, parts)?;
        self.add_parents(&path);
        self.nodes.insert(path.clone(), Node::File { linked: true });
        self.nodes
            .insert(target.clone(), Node::File { linked: true });
        Ok((path, target))
    }

    /// Places a symbolic link after checking that `target` resolves inside.
    pub(crate) fn symlink(
        &mut self,
        member: &str,
        parts: &[&str],
        target: &str,
    ) -> Result<String, Error> {
        let path = self.vacant(member, parts)?;
        self.link_at(member, path, target)
    }

    /// Turns a file already placed into a symbolic link (zip archives say which members
    /// are links only in the central directory, at the very end).
    pub(crate) fn file_to_symlink(
        &mut self,
        member: &str,
        path: &str,
        target: &str,
    ) -> Result<String, Error> {
        if self.nodes.get(path) != Some(&Node::File { linked: false }) {
            return Err(Error::unsafe_member(
                member,
                "link member is not a plain entry",
            ));
        }
        self.nodes.remove(path);
        self.link_at(member, path.to_owned(), target)
    }

    /// The physical path of an earlier regular file named by a hard link.
    fn hardlink_target(&mut self, member: &str, target: &[&str]) -> Result<String, Error> {
        // The target itself is not followed: a hard link to a symbolic link is refused.
        let resolved = self.walk(member, Vec::new(), target.iter().copied(), false, false)?;
        let path = resolved.join("/");
        match self.nodes.get(&path) {
            Some(Node::File { .. }) => Ok(path),
            _ => Err(Error::unsafe_member(
                member,
                "hard link target is not an earlier regular file of the archive",
            )),
        }
    }

    fn link_at(&mut self, member: &str, path: String, target: &str) -> Result<String, Error> {
        if self.walked.contains(&path) {
            return Err(Error::unsafe_member(
                member,
                "link would change where an earlier link points",
            ));
        }
        if target.is_empty() || target.starts_with('/') || target.contains(['\0', '\\']) {
            return Err(Error::unsafe_member(
                member,
                format!("symbolic link to {target:?} leaves the destination"),
            ));
        }
        let mut parent: Vec<String> = split(&path);
        parent.pop();
        let resolved = self
            .walk(member, parent, target.split('/'), true, true)
            .map_err(|_| {
                Error::unsafe_member(
                    member,
                    format!("symbolic link to {target:?} leaves the destination"),
                )
            })?;
        self.add_parents(&path);
        self.nodes
            .insert(path.clone(), Node::Symlink(resolved.join("/")));
        Ok(path)
    }

    /// The physical path of a member (its parents resolved, itself not followed).
    fn place(&mut self, member: &str, parts: &[&str]) -> Result<String, Error> {
        let Some((last, parents)) = parts.split_last() else {
            return Ok(String::new());
        };
        let mut path = self.walk(member, Vec::new(), parents.iter().copied(), true, false)?;
        if !path.is_empty() && matches!(self.nodes.get(&path.join("/")), Some(Node::File { .. })) {
            return Err(Error::unsafe_member(
                member,
                "a file of the archive stands where a directory is needed",
            ));
        }
        path.push((*last).to_owned());
        Ok(path.join("/"))
    }

    /// Like `place`, for anything but a directory: the destination itself is refused.
    fn placed(&mut self, member: &str, parts: &[&str]) -> Result<String, Error> {
        if parts.is_empty() {
            return Err(Error::unsafe_member(
                member,
                "entry names the destination itself",
            ));
        }
        self.place(member, parts)
    }

    /// Like `placed`, and the path must be free.
    fn vacant(&mut self, member: &str, parts: &[&str]) -> Result<String, Error> {
        let path = self.placed(member, parts)?;
        match self.nodes.get(&path) {
            None => Ok(path),
            Some(other) => Err(occupied(member, other)),
        }
    }

    /// Resolves `parts` from the physical directory `start`, following links (the last
    /// component only if `follow_last`). Leaving the destination is an error.
    fn walk<'p>(
        &mut self,
        member: &str,
        start: Vec<String>,
        parts: impl Iterator<Item = &'p str>,
        follow_last: bool,
        remember: bool,
    ) -> Result<Vec<String>, Error> {
        let parts: Vec<&str> = parts.filter(|p| !p.is_empty() && *p != ".").collect();
        let mut stack = start;
        let mut depth = 0;
        for (i, part) in parts.iter().enumerate() {
            if *part == ".." {
                if stack.pop().is_none() {
                    return Err(Error::unsafe_member(member, "path leaves the destination"));
                }
                continue;
            }
            stack.push((*part).to_owned());
            let last = i + 1 == parts.len();
            let key = stack.join("/");
            match self.nodes.get(&key) {
                Some(Node::Symlink(target)) if follow_last || !last => {
                    depth += 1;
                    if depth > MAX_LINK_DEPTH {
                        return Err(Error::unsafe_member(
                            member,
                            "too many levels of symbolic links",
                        ));
                    }
                    stack = split(target);
                }
                Some(Node::File { .. }) if !last => {
                    return Err(Error::unsafe_member(
                        member,
                        "a file of the archive stands where a directory is needed",
                    ))
                }
                _ => {
                    if remember {
                        self.walked.insert(key);
                    }
                }
            }
        }
        Ok(stack)
    }

    fn add_parents(&mut self, path: &str) {
        let mut end = 0;
        while let Some(slash) = path[end..].find('/') {
            end += slash;
            self.nodes
                .entry(path[..end].to_owned())
                .or_insert(Node::Dir);
            end += 1;
        }
    }
}

/// Why a link, or a file, may not take the place of `node`.
fn occupied(member: &str, node: &Node) -> Error {
    let reason = match node {
        Node::Dir => "a file or link where a directory of the same name exists",
        Node::File { .. } => {
            "a link where a file of the archive is (only a regular file may follow a regular file)"
        }
        Node::Symlink(_) => "would overwrite a symbolic link of the archive",
    };
    Error::unsafe_member(member, reason)
}

fn split(path: &str) -> Vec<String> {
    path.split('/')
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(result: Result<String, Error>) -> bool {
        matches!(result, Err(Error::Unsafe { .. }))
    }

    fn again(result: Result<Placed, Error>) -> bool {
        result.unwrap().again
    }

    #[test]
    fn escapes_are_refused() {
        let mut t = Tree::default();
        assert!(refused(t.symlink("x", &["x"], "../out")));
        assert!(refused(t.symlink("y", &["y"], "/etc")));
        t.symlink("up", &["d", "up"], "..").unwrap();
        assert!(refused(t.symlink("z", &["d", "up", "z"], "../../x")));
        assert!(t.hardlink("h", &["h"], &["missing"]).is_err());
    }

    #[test]
    fn a_link_may_not_redirect_an_earlier_one() {
        let mut t = Tree::default();
        t.symlink("a", &["a"], "b/../x").unwrap();
        assert!(refused(t.symlink("b", &["b"], ".")));
    }

    #[test]
    fn links_inside_are_kept_and_followed() {
        let mut t = Tree::default();
        t.file("a/f", &["a", "f"]).unwrap();
        t.symlink("l", &["l"], "a").unwrap();
        assert_eq!(t.file("l/g", &["l", "g"]).unwrap().path, "a/g");
        let (path, target) = t.hardlink("h", &["h"], &["l", "f"]).unwrap();
        assert_eq!((path.as_str(), target.as_str()), ("h", "a/f"));
        assert!(t.hardlink("h2", &["h2"], &["l"]).is_err());
    }

    #[test]
    fn a_regular_file_may_follow_a_regular_file() {
        let mut t = Tree::default();
        assert!(!again(t.file("a/f", &["a", "f"])));
        assert!(again(t.file("a/f", &["a", "f"])));
        assert!(again(t.file("./a/f", &["a", "f"])));
        // The same physical path through a link inside is the same file.
        t.symlink("l", &["l"], "a").unwrap();
        let placed = t.file("l/f", &["l", "f"]).unwrap();
        assert_eq!((placed.path.as_str(), placed.again), ("a/f", true));
    }

    #[test]
    fn changes_of_kind_are_refused() {
        let mut t = Tree::default();
        t.file("a/f", &["a", "f"]).unwrap();
        t.dir("a", &["a"]).unwrap();
        assert!(t.file("a", &["a"]).is_err());
        assert!(t.symlink("a", &["a"], "x").is_err());
        assert!(t.file("a/f/g", &["a", "f", "g"]).is_err());
        assert!(t.dir("a/f", &["a", "f"]).is_err());
        // file, then a link of the same name (inside or out), then the file again
        assert!(t.symlink("a/f", &["a", "f"], "../b").is_err());
        assert!(t.symlink("a/f", &["a", "f"], "../../out").is_err());
        assert!(t.hardlink("a/f", &["a", "f"], &["a", "f"]).is_err());
        assert!(again(t.file("a/f", &["a", "f"])));
        t.symlink("s", &["s"], "a/f").unwrap();
        assert!(t.file("s", &["s"]).is_err());
    }

    #[test]
    fn files_shared_with_a_hard_link_are_not_replaced() {
        let mut t = Tree::default();
        t.file("a", &["a"]).unwrap();
        assert!(again(t.file("a", &["a"])));
        t.hardlink("h", &["h"], &["a"]).unwrap();
        assert!(t.file("a", &["a"]).is_err());
        assert!(t.file("h", &["h"]).is_err());
        // a link to the link is fine: it shares the same bytes
        t.hardlink("h2", &["h2"], &["h"]).unwrap();
    }
}
