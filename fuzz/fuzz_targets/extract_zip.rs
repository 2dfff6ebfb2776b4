//! The zip reader (local headers as a stream, held against the central directory),
//! extracting into a fresh directory: never a panic, nothing written outside it.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Only what is recognised as a zip: tar inputs belong to `extract_tar`.
    if !data.starts_with(b"PK") {
        return;
    }
    sdistill_fuzz::extract_and_check(data, true);
});
