//! Where members go: the parser thread checks every member against the [`Tree`] and
//! creates directories; regular files are handed to writer threads as jobs, within a
//! memory budget ([`writers`](super::writers)); links are made last, once every file
//! exists. A regular file that follows one of the same path is handled in
//! [`duplicate`](super::duplicate).

use std::collections::HashSet;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use crossbeam_channel::Sender;

use super::duplicate;
use super::tree::{Placed, Tree};
use super::writers::Job;
pub(crate) use super::writers::{create_file, Payload, Shared};
use super::{names, Error, Limits};

/// Members up to this size are buffered and written by a writer thread; larger ones are
/// streamed to disk by the parser thread itself.
pub(crate) const INLINE_MAX: u64 = 4 << 20;

/// Where a regular file member goes.
pub(crate) struct Target {
    /// Physical path, relative to the destination.
    pub(crate) path: String,
    pub(crate) absolute: PathBuf,
    /// An earlier regular file of the archive has this path.
    pub(crate) again: bool,
}

/// Links made at the end, in archive order.
enum Deferred {
    Symlink { path: String, target: String },
    Hardlink { path: String, target: String },
}

/// Removes the top-level directory of an sdist from member paths when asked to, and
/// checks that there is exactly one.
#[derive(Default)]
pub(crate) struct TopLevel {
    enabled: bool,
    name: Option<String>,
}

/// The parser thread's side: checks members, creates directories, dispatches files.
pub(crate) struct Sink<'s> {
    root: PathBuf,
    jobs: Option<Sender<Job>>,
    shared: &'s Shared,
    tree: Tree,
    dirs: HashSet<String>,
    deferred: Vec<Deferred>,
    /// Members whose path an earlier regular file of the archive already had.
    duplicates: Vec<String>,
    entries: u64,
    max_entries: u64,
    top: TopLevel,
}

impl<'s> Sink<'s> {
    pub(crate) fn new(
        root: PathBuf,
        jobs: Sender<Job>,
        shared: &'s Shared,
        limits: Limits,
        strip_top_level: bool,
    ) -> Self {
        Sink {
            root,
            jobs: Some(jobs),
            shared,
            tree: Tree::default(),
            dirs: HashSet::new(),
            deferred: Vec::new(),
            duplicates: Vec::new(),
            entries: 0,
            max_entries: limits.max_entries,
            top: TopLevel {
                enabled: strip_top_level,
                name: None,
            },
        }
    }

    pub(crate) fn shared(&self) -> &'s Shared {
        self.shared
    }

    /// Stops the parser early once a writer failed (its error is the one reported).
    pub(crate) fn check(&self) -> Result<(), Error> {
        if self.shared.failed.load(Ordering::SeqCst) {
            Err(Error::corrupt(None, "extraction aborted"))
        } else {
            Ok(())
        }
    }

    /// Counts a member and returns its path components (top level stripped if asked),
    /// or `None` for a member that is the stripped top-level directory itself.
    pub(crate) fn member<'m>(
        &mut self,
        member: &'m str,
        is_dir: bool,
    ) -> Result<Option<Vec<&'m str>>, Error> {
        self.entries += 1;
        if self.entries > self.max_entries {
            return Err(Error::unsafe_member(
                member,
                format!(
                    "archive has more than the limit of {} entries (max_entries)",
                    self.max_entries
                ),
            ));
        }
        let parts = names::components(member)?;
        self.strip(member, parts, is_dir)
    }

    fn strip<'m>(
        &mut self,
        member: &str,
        parts: Vec<&'m str>,
        is_dir: bool,
    ) -> Result<Option<Vec<&'m str>>, Error> {
        if !self.top.enabled {
            return Ok(Some(parts));
        }
        let Some(first) = parts.first() else {
            return Ok(None);
        };
        match &self.top.name {
            None => self.top.name = Some((*first).to_owned()),
            Some(top) if top != first => {
                return Err(Error::TopLevel(format!(
                    "more than one top-level entry ({top:?} and {first:?})"
                )))
            }
            Some(_) => {}
        }
        if parts.len() == 1 {
            return if is_dir {
                Ok(None)
            } else {
                Err(Error::TopLevel(format!(
                    "top-level entry {member:?} is not a directory"
                )))
            };
        }
        Ok(Some(parts[1..].to_vec()))
    }

    pub(crate) fn dir(&mut self, member: &str, parts: &[&str]) -> Result<(), Error> {
        let path = self.tree.dir(member, parts)?;
        self.ensure_dir(&path)
    }

    /// Places a regular file, its parents created. When an earlier file of the archive
    /// is at that path (`again`), it is still there: the caller decides what to do.
    pub(crate) fn file_path(&mut self, member: &str, parts: &[&str]) -> Result<Target, Error> {
        let Placed { path, again } = self.tree.file(member, parts)?;
        if let Some((parent, _)) = path.rsplit_once('/') {
            let parent = parent.to_owned();
            self.ensure_dir(&parent)?;
        }
        let absolute = self.root.join(&path);
        Ok(Target {
            path,
            absolute,
            again,
        })
    }

    /// Waits until the writers have finished every file handed to them so far.
    pub(crate) fn settle(&self) -> Result<(), Error> {
        self.shared.settle();
        self.check()
    }

    /// Notes a member whose path an earlier regular file already had.
    pub(crate) fn note_duplicate(&mut self, member: &str) {
        self.duplicates.push(member.to_owned());
    }

    /// Writes a file whose bytes `data` yields (`size` of them). A tar member may come
    /// again: the later copy replaces the earlier one (see `duplicate.rs`).
    pub(crate) fn file(
        &mut self,
        member: &str,
        parts: &[&str],
        executable: bool,
        size: u64,
        data: &mut impl Read,
    ) -> Result<(), Error> {
        let target = self.file_path(member, parts)?;
        if target.again {
            // Last one wins, as with tar; never two writes to one path at once.
            self.settle()?;
            duplicate::remove_earlier(self.shared, &target.absolute)?;
            self.note_duplicate(member);
        }
        let path = target.absolute;
        if size <= INLINE_MAX {
            let mut bytes = Vec::with_capacity(size as usize);
            data.take(size)
                .read_to_end(&mut bytes)
                .map_err(|err| Error::reading(&path, Some(member), err))?;
            if bytes.len() as u64 != size {
                return Err(Error::corrupt(
                    Some(member),
                    "unexpected end of archive (truncated?)",
                ));
            }
            self.submit(member, path, executable, Payload::Plain(bytes));
            return Ok(());
        }
        let mut file = create_file(&path, executable)?;
        let copied = copy(&mut data.take(size), &mut file, &path, member, self.shared)?;
        if copied != size {
            return Err(Error::corrupt(
                Some(member),
                "unexpected end of archive (truncated?)",
            ));
        }
        self.shared.files.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// Hands a job to the writers, waiting while too much data is in flight.
    pub(crate) fn submit(
        &mut self,
        member: &str,
        path: PathBuf,
        executable: bool,
        payload: Payload,
    ) {
        let cost = match &payload {
            Payload::Plain(data) | Payload::Zip { data, .. } => data.len(),
        };
        self.shared.reserve(cost);
        let job = Job {
            member: member.to_owned(),
            path,
            executable,
            payload,
            cost,
        };
        let sent = match &self.jobs {
            Some(jobs) => jobs.send(job).map_err(|unsent| unsent.0),
            None => Err(job),
        };
        if let Err(unsent) = sent {
            // Released here, or `settle` would wait for it forever.
            self.shared.release(unsent.cost);
        }
    }

    pub(crate) fn symlink(
        &mut self,
        member: &str,
        parts: &[&str],
        target: &str,
    ) -> Result<(), Error> {
        let path = self.tree.symlink(member, parts, target)?;
        self.deferred.push(Deferred::Symlink {
            path,
            target: target.to_owned(),
        });
        Ok(())
    }

    /// A tar hard link; `target` is an archive path, so the top level is stripped too.
    pub(crate) fn hardlink(
        &mut self,
        member: &str,
        parts: &[&str],
        target: &str,
    ) -> Result<(), Error> {
        let mut target_parts = names::components(target).map_err(|_| {
            Error::unsafe_member(
                member,
                format!("hard link to {target:?} leaves the destination"),
            )
        })?;
        if self.top.enabled {
            if target_parts.first().map(|s| s.to_string()) != self.top.name {
                return Err(Error::unsafe_member(
                    member,
                    "hard link target is outside the top-level directory",
                ));
            }
            target_parts.remove(0);
        }
        let (path, target) = self.tree.hardlink(member, parts, &target_parts)?;
        self.deferred.push(Deferred::Hardlink { path, target });
        Ok(())
    }

    /// Turns a zip member written as a file into the symbolic link the central directory
    /// says it is (after the writers are done).
    pub(crate) fn zip_symlink(&mut self, member: &str, path: &str) -> Result<(), Error> {
        let absolute = self.root.join(path);
        let mut target = String::new();
        File::open(&absolute)
            .and_then(|f| f.take(4096).read_to_string(&mut target))
            .map_err(|_| Error::unsafe_member(member, "symbolic link target is not valid UTF-8"))?;
        self.tree.file_to_symlink(member, path, &target)?;
        // It was counted as a file when written; `finish` counts it again as a link.
        self.shared.files.fetch_sub(1, Ordering::Relaxed);
        self.shared
            .unpacked
            .fetch_sub(target.len() as u64, Ordering::Relaxed);
        fs::remove_file(&absolute).map_err(|err| Error::io(&absolute, err))?;
        self.deferred.push(Deferred::Symlink {
            path: path.to_owned(),
            target,
        });
        Ok(())
    }

    /// Gives a written file the executable bits its read bits allow.
    pub(crate) fn make_executable(&self, path: &str) -> Result<(), Error> {
        let absolute = self.root.join(path);
        let meta = fs::metadata(&absolute).map_err(|err| Error::io(&absolute, err))?;
        let mode = meta.permissions().mode() & 0o777;
        fs::set_permissions(
            &absolute,
            fs::Permissions::from_mode(mode | (mode & 0o444) >> 2),
        )
        .map_err(|err| Error::io(&absolute, err))
    }

    /// Counts a file the parser thread wrote itself.
    pub(crate) fn count_file(&self) {
        self.shared.files.fetch_add(1, Ordering::Relaxed);
    }

    /// Lets the writers finish (drops the job queue).
    pub(crate) fn close_jobs(&mut self) {
        self.jobs = None;
    }

    /// After the writers are done: checks the top level and makes the deferred links;
    /// returns the members that came again.
    pub(crate) fn finish(mut self) -> Result<Vec<String>, Error> {
        if self.top.enabled && self.top.name.is_none() {
            return Err(Error::TopLevel("the archive is empty".to_owned()));
        }
        for link in std::mem::take(&mut self.deferred) {
            match link {
                Deferred::Symlink { path, target } => {
                    let absolute = self.root.join(&path);
                    self.ensure_parent(&path)?;
                    std::os::unix::fs::symlink(&target, &absolute)
                        .map_err(|err| Error::io(&absolute, err))?;
                }
                Deferred::Hardlink { path, target } => {
                    let absolute = self.root.join(&path);
                    let original = self.root.join(&target);
                    self.ensure_parent(&path)?;
                    if fs::hard_link(&original, &absolute).is_err() {
                        fs::copy(&original, &absolute).map_err(|err| Error::io(&absolute, err))?;
                    }
                }
            }
            self.shared.files.fetch_add(1, Ordering::Relaxed);
        }
        Ok(self.duplicates)
    }

    fn ensure_parent(&mut self, path: &str) -> Result<(), Error> {
        match path.rsplit_once('/') {
            Some((parent, _)) => {
                let parent = parent.to_owned();
                self.ensure_dir(&parent)
            }
            None => Ok(()),
        }
    }

    fn ensure_dir(&mut self, path: &str) -> Result<(), Error> {
        if path.is_empty() || self.dirs.contains(path) {
            return Ok(());
        }
        let absolute = self.root.join(path);
        fs::create_dir_all(&absolute).map_err(|err| Error::io(&absolute, err))?;
        let mut end = path.len();
        loop {
            if !self.dirs.insert(path[..end].to_owned()) {
                break;
            }
            match path[..end].rfind('/') {
                Some(slash) => end = slash,
                None => break,
            }
        }
        Ok(())
    }
}

/// Copies with a large buffer, counting each chunk against the limits as it comes out,
/// mapping errors to the side they came from.
fn copy(
    from: &mut impl Read,
    to: &mut File,
    path: &Path,
    member: &str,
    shared: &Shared,
) -> Result<u64, Error> {
    let mut buf = vec![0u8; 256 * 1024];
    let mut total = 0u64;
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) => return Ok(total),
            Ok(n) => n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(Error::reading(path, Some(member), err)),
        };
        shared.add_unpacked(member, n as u64)?;
        to.write_all(&buf[..n])
            .map_err(|err| Error::io(path, err))?;
        total += n as u64;
    }
}
