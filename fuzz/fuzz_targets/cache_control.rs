//! `Cache-Control` values (one per line: a field may repeat).
#![no_main]

use libfuzzer_sys::fuzz_target;
use sdistill_core::http::cache_control::Directives;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let all = Directives::parse(text.split('\n'));
    // A repeated field reads as the same field joined by commas, for what it decides.
    let joined = Directives::parse([text.replace('\n', ",").as_str()]);
    if !text.contains('"') {
        assert_eq!(all, joined, "repeated fields and one joined field differ");
    }
});
