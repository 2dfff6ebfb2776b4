//! Download progress, reported while a body streams.
//!
//! A caller that wants to show a download passes a [`Progress`] to
//! [`super::Client::fetch_with`] or [`super::Client::download_extract`]. It is told
//! `(done, total)` — bytes received so far, and the `Content-Length` if the response
//! stated one — at these moments only:
//!
//! - once when a response's body starts (`done` = 0);
//! - then whenever at least [`STEP_BYTES`] more arrived *and* at least [`STEP_TIME`]
//!   passed since the last report, so a fast download costs a handful of calls and a
//!   slow one still moves;
//! - once at the end, with the final count.
//!
//! Nothing is reported when nothing is downloaded (a fresh hit, a `304`). A retried
//! download starts again at 0. The reports are made on the thread that reads the body;
//! the core knows nothing of what the caller does with them (the Python binding takes
//! the GIL briefly and calls a Python function).

use std::time::{Duration, Instant};

/// The least number of new bytes between two reports mid-body.
pub const STEP_BYTES: u64 = 256 * 1024;
/// The least time between two reports mid-body.
pub const STEP_TIME: Duration = Duration::from_millis(100);

/// Told how far a download got: `(bytes received, Content-Length if stated)`.
pub trait Progress: Sync {
    fn report(&self, done: u64, total: Option<u64>);
}

impl<F: Fn(u64, Option<u64>) + Sync> Progress for F {
    fn report(&self, done: u64, total: Option<u64>) {
        self(done, total)
    }
}

/// Counts one body's bytes and reports them as the rules above say.
pub(crate) struct Meter<'a> {
    progress: Option<&'a dyn Progress>,
    total: Option<u64>,
    done: u64,
    reported: u64,
    reported_at: Instant,
    finished: bool,
}

impl<'a> Meter<'a> {
    /// Starts a body of `total` bytes (if known), reporting 0.
    pub(crate) fn start(progress: Option<&'a dyn Progress>, total: Option<u64>) -> Meter<'a> {
        if let Some(progress) = progress {
            progress.report(0, total);
        }
        Meter {
            progress,
            total,
            done: 0,
            reported: 0,
            reported_at: Instant::now(),
            finished: false,
        }
    }

    /// `n` more bytes arrived.
    pub(crate) fn advance(&mut self, n: u64) {
        self.done += n;
        let Some(progress) = self.progress else {
            return;
        };
        if self.done - self.reported >= STEP_BYTES && self.reported_at.elapsed() >= STEP_TIME {
            progress.report(self.done, self.total);
            self.reported = self.done;
            self.reported_at = Instant::now();
        }
    }

    /// The body is complete: the final count, reported once.
    pub(crate) fn finish(&mut self) {
        if self.finished {
            return;
        }
        self.finished = true;
        if let Some(progress) = self.progress {
            progress.report(self.done, self.total);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    #[test]
    fn reports_start_steps_and_end() {
        let calls = Mutex::new(Vec::new());
        let record = |done: u64, total: Option<u64>| calls.lock().unwrap().push((done, total));
        let mut meter = Meter::start(Some(&record), Some(3 * STEP_BYTES));
        // Enough bytes but too soon: nothing.
        meter.advance(STEP_BYTES);
        assert_eq!(calls.lock().unwrap().len(), 1);
        std::thread::sleep(STEP_TIME);
        // Enough time but too few bytes since the last report: still nothing... until
        // the bytes are there too.
        meter.advance(1);
        assert_eq!(calls.lock().unwrap().len(), 2);
        std::thread::sleep(STEP_TIME);
        meter.advance(10);
        assert_eq!(calls.lock().unwrap().len(), 2);
        meter.advance(2 * STEP_BYTES - 11);
        meter.finish();
        meter.finish();
        let total = Some(3 * STEP_BYTES);
        assert_eq!(
            *calls.lock().unwrap(),
            [
                (0, total),
                (STEP_BYTES + 1, total),
                (3 * STEP_BYTES, total),
                (3 * STEP_BYTES, total)
            ]
        );
    }

    #[test]
    fn without_a_listener_it_only_counts() {
        let mut meter = Meter::start(None, None);
        meter.advance(5);
        meter.finish();
        assert_eq!(meter.done, 5);
    }
}
