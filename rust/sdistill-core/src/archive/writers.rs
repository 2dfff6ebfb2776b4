//! The writer threads: they take files from the parser as jobs and write them, in
//! parallel with parsing (and, for zip, decoding). [`Shared`] is what the parser and the
//! writers both see: the first error, the counts, and the jobs in flight — a bounded
//! budget of bytes, and the count that [`Shared::settle`] waits on.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Condvar, Mutex};

use crossbeam_channel::Receiver;

use super::inflate::{self as decode, Count};
use super::{Error, Limits};

/// Bytes of member data that may wait for a writer at once.
const BUDGET: usize = 24 << 20;

/// What a writer thread does with one file.
pub(crate) enum Payload {
    /// The member's bytes, as they are to be written.
    Plain(Vec<u8>),
    /// A zip member's compressed bytes, decoded and checked by the writer.
    Zip {
        method: u16,
        data: Vec<u8>,
        crc: u32,
        size: u64,
    },
}

pub(crate) struct Job {
    pub(crate) member: String,
    pub(crate) path: PathBuf,
    pub(crate) executable: bool,
    pub(crate) payload: Payload,
    pub(crate) cost: usize,
}

/// State shared by the parser and the writers.
pub(crate) struct Shared {
    pub(crate) failed: AtomicBool,
    error: Mutex<Option<Error>>,
    pub(crate) unpacked: AtomicU64,
    /// Bytes produced that are not in the tree: replaced files, checked copies.
    discounted: AtomicU64,
    pub(crate) files: AtomicU64,
    /// Bytes of the archive read so far (the denominator of the ratio limit).
    pub(crate) compressed: AtomicU64,
    limits: Limits,
    in_flight: Mutex<InFlight>,
    budget_freed: Condvar,
}

/// Jobs handed to the writers and not yet done, and their bytes.
#[derive(Default)]
struct InFlight {
    bytes: usize,
    jobs: usize,
}

impl Shared {
    pub(crate) fn new(limits: Limits) -> Self {
        Shared {
            failed: AtomicBool::new(false),
            error: Mutex::new(None),
            unpacked: AtomicU64::new(0),
            discounted: AtomicU64::new(0),
            files: AtomicU64::new(0),
            compressed: AtomicU64::new(0),
            limits,
            in_flight: Mutex::new(InFlight::default()),
            budget_freed: Condvar::new(),
        }
    }

    /// Records the first failure; the others are consequences of it.
    pub(crate) fn fail(&self, err: Error) {
        let mut slot = self.error.lock().unwrap_or_else(|e| e.into_inner());
        if slot.is_none() {
            *slot = Some(err);
        }
        self.failed.store(true, Ordering::SeqCst);
        self.budget_freed.notify_all();
    }

    pub(crate) fn take_error(&self) -> Option<Error> {
        self.error.lock().unwrap_or_else(|e| e.into_inner()).take()
    }

    /// Counts bytes really produced against the size and ratio limits.
    pub(crate) fn add_unpacked(&self, member: &str, n: u64) -> Result<(), Error> {
        let total = self.unpacked.fetch_add(n, Ordering::Relaxed) + n;
        if total > self.limits.max_unpacked_size {
            return Err(Error::unsafe_member(
                member,
                format!(
                    "archive unpacks to more than the limit of {} bytes (max_unpacked_size)",
                    self.limits.max_unpacked_size
                ),
            ));
        }
        self.check_ratio(member, total)
    }

    /// Checks `produced` bytes (of files, or of a decompressed stream) against the ratio
    /// limit, given the bytes of the archive read so far.
    pub(crate) fn check_ratio(&self, member: &str, produced: u64) -> Result<(), Error> {
        let read = self.compressed.load(Ordering::Relaxed);
        self.limits.check_ratio(member, produced, read)
    }

    /// Files and bytes in the tree (what was produced and then dropped not counted).
    pub(crate) fn counts(&self) -> (u64, u64) {
        (
            self.files.load(Ordering::Relaxed),
            self.unpacked
                .load(Ordering::Relaxed)
                .saturating_sub(self.discounted.load(Ordering::Relaxed)),
        )
    }

    /// Takes back `files` files and `bytes` bytes from the counts of the tree; the
    /// bytes still count against the size limit, since they were really produced.
    pub(crate) fn forget(&self, files: u64, bytes: u64) {
        self.files.fetch_sub(files, Ordering::Relaxed);
        self.discounted.fetch_add(bytes, Ordering::Relaxed);
    }

    pub(crate) fn reserve(&self, cost: usize) {
        let mut used = self.in_flight.lock().unwrap_or_else(|e| e.into_inner());
        while used.bytes > 0 && used.bytes + cost > BUDGET && !self.failed.load(Ordering::SeqCst) {
            used = self
                .budget_freed
                .wait(used)
                .unwrap_or_else(|e| e.into_inner());
        }
        used.bytes += cost;
        used.jobs += 1;
    }

    pub(crate) fn release(&self, cost: usize) {
        let mut used = self.in_flight.lock().unwrap_or_else(|e| e.into_inner());
        used.bytes -= cost;
        used.jobs -= 1;
        self.budget_freed.notify_all();
    }

    /// Waits until every job handed to the writers is done (or one failed): then every
    /// file of the archive so far is complete on disk and no writer holds one open.
    pub(crate) fn settle(&self) {
        let mut used = self.in_flight.lock().unwrap_or_else(|e| e.into_inner());
        while used.jobs > 0 && !self.failed.load(Ordering::SeqCst) {
            used = self
                .budget_freed
                .wait(used)
                .unwrap_or_else(|e| e.into_inner());
        }
    }
}

/// The loop of a writer thread.
pub(crate) fn writer(jobs: Receiver<Job>, shared: &Shared) {
    for job in jobs {
        if !shared.failed.load(Ordering::SeqCst) {
            if let Err(err) = write_job(&job, shared) {
                shared.fail(err);
            }
        }
        shared.release(job.cost);
    }
}

fn write_job(job: &Job, shared: &Shared) -> Result<(), Error> {
    let mut file = create_file(&job.path, job.executable)?;
    match &job.payload {
        Payload::Plain(data) => {
            shared.add_unpacked(&job.member, data.len() as u64)?;
            file.write_all(data)
                .map_err(|err| Error::io(&job.path, err))?;
        }
        Payload::Zip {
            method,
            data,
            crc,
            size,
        } => {
            decode::decode_checked(
                *method,
                &data[..],
                &mut file,
                *crc,
                *size,
                &job.path,
                &job.member,
                shared,
            )
            .map_err(decode::as_mismatch)?;
        }
    }
    shared.files.fetch_add(1, Ordering::Relaxed);
    Ok(())
}

pub(crate) fn create_file(path: &Path, executable: bool) -> Result<File, Error> {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(if executable { 0o777 } else { 0o666 })
        .open(path)
        .map_err(|err| Error::io(path, err))
}

impl Count for Shared {
    fn add_unpacked(&self, member: &str, n: u64) -> Result<(), Error> {
        Shared::add_unpacked(self, member, n)
    }
}
