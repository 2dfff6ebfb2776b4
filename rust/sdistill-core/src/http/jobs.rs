//! Blocking requests for many items, a bounded number at a time, on scoped threads.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Calls `work(index, item)` for every item of `items`, at most `jobs` at once (at least
/// one). Once a call returns `false`, no further item is started.
pub fn each<T: Sync>(items: &[T], jobs: usize, work: impl Fn(usize, &T) -> bool + Sync) {
    let next = AtomicUsize::new(0);
    let going = AtomicBool::new(true);
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, items.len().max(1)) {
            scope.spawn(|| {
                while going.load(Ordering::Relaxed) {
                    let at = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(at) else { return };
                    if !work(at, item) {
                        going.store(false, Ordering::Relaxed);
                    }
                }
            });
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn every_item_once_and_none_after_a_stop() {
        let seen = Mutex::new(Vec::new());
        each(&[1, 2, 3, 4, 5], 3, |at, item| {
            seen.lock().unwrap().push((at, *item));
            true
        });
        let mut seen = seen.into_inner().unwrap();
        seen.sort();
        assert_eq!(seen, vec![(0, 1), (1, 2), (2, 3), (3, 4), (4, 5)]);
        let started = AtomicUsize::new(0);
        each(&[0; 100], 1, |_, _| {
            started.fetch_add(1, Ordering::Relaxed) < 2
        });
        assert_eq!(
            started.load(Ordering::Relaxed),
            3,
            "nothing starts after a stop"
        );
    }
}
