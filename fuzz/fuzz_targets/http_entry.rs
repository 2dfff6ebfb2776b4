//! An HTTP cache entry file as read from disk: the header, the checksums, the rkyv
//! record validated in place, then the decisions made on it and, for a parsed body, the
//! archived project page in the payload.
#![no_main]

use std::fs;

use libfuzzer_sys::fuzz_target;
use sdistill_core::http::entry::Entry;
use sdistill_core::http::freshness;
use sdistill_core::index::project;

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("entry");
    fs::write(&path, data).expect("the entry is written");
    let Ok(Ok(Some(entry))) = Entry::read(&path) else {
        return;
    };
    let record = entry.record();
    std::hint::black_box((record.url.len(), record.stored_at_ns.to_native()));
    let policy = &record.policy;
    std::hint::black_box(freshness::current_age(policy, u64::MAX));
    std::hint::black_box(freshness::current_age(policy, 1_800_000_000));
    std::hint::black_box(freshness::lifetime(policy));
    std::hint::black_box(freshness::validators(policy));
    if entry.payload_sound(project::check) {
        sdistill_fuzz::read_project(entry.payload());
    }
});
