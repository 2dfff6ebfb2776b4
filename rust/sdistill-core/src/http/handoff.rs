//! Handing a response fetched ahead to the request it was fetched for.
//!
//! A page fetched moments ago by this process on behalf of a request that is about to
//! be made -- the top-level pages of a resolution, fetched while the resolver is still
//! being imported; the pages a recorded resolution refetched before it found that one
//! changed -- would be stale by the time that request is made when its server sends no
//! caching headers, and would be fetched a second time. So whoever fetches ahead first
//! says so ([`expect`]: this entry, from now on), and the next request for that entry
//! takes a response stored since then as fresh, once ([`take`]): the fetch ahead is that
//! request, made earlier. Only once, and only within [`TTL`] of the fetch: any later
//! request decides by the response's own freshness again, as RFC 9111 has it.
//!
//! The table is per process (it is about requests of this process) and keyed by the
//! entry file, so every client of the process on the same cache sees it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use super::exchange::now_ns;

/// How long a response fetched ahead waits for its request.
pub const TTL_NS: u64 = 60_000_000_000;

/// Entry -> when the fetch ahead began (ns since the epoch).
static EXPECTED: Mutex<Option<HashMap<PathBuf, u64>>> = Mutex::new(None);
/// Whether [`EXPECTED`] may hold anything: every cache hit asks [`take`], and a process
/// that never fetches ahead should not pay a lock for it.
static ANY: AtomicBool = AtomicBool::new(false);

/// Says that `entry` is being fetched ahead, now, for a request this process is about
/// to make; `false` (nothing changed) when it already was and its request has not
/// taken it yet: it need not be fetched again.
pub fn expect(entry: &Path) -> bool {
    let now = now_ns();
    let mut table = EXPECTED.lock().unwrap_or_else(|p| p.into_inner());
    let table = table.get_or_insert_with(HashMap::new);
    table.retain(|_, began| now.saturating_sub(*began) < TTL_NS);
    if table.contains_key(entry) {
        return false;
    }
    table.insert(entry.to_path_buf(), now);
    ANY.store(true, Ordering::Release);
    true
}

/// Withdraws what [`expect`] said of `entry`: the request it was fetched for will not
/// be made (the page answered a check that held, and nothing resolves).
pub fn forget(entry: &Path) {
    let mut table = EXPECTED.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(table) = table.as_mut() {
        table.remove(entry);
    }
}

/// Whether the response stored in `entry` at `stored_at` (ns) was fetched ahead for
/// this request: stored since the fetch ahead began, within [`TTL_NS`]. Taken once.
pub fn take(entry: &Path, stored_at: u64) -> bool {
    if !ANY.load(Ordering::Acquire) {
        return false;
    }
    let mut table = EXPECTED.lock().unwrap_or_else(|p| p.into_inner());
    let Some(table) = table.as_mut() else {
        return false;
    };
    let Some(&began) = table.get(entry) else {
        return false;
    };
    if stored_at < began || now_ns().saturating_sub(began) >= TTL_NS {
        return false;
    }
    table.remove(entry);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_response_fetched_ahead_is_taken_once() {
        let entry = Path::new("/nowhere/handoff-test-entry");
        let before = now_ns();
        assert!(!take(entry, before), "nothing was fetched ahead");
        expect(entry);
        assert!(
            !take(entry, before - 1),
            "stored before the fetch ahead: not it"
        );
        assert!(take(entry, now_ns()));
        assert!(!take(entry, now_ns()), "taken once");
        assert!(expect(entry));
        forget(entry);
        assert!(!take(entry, now_ns()), "withdrawn");
    }
}
