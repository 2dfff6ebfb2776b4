//! A PEP 691 JSON project page, then its archive as the cache stores and reads it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sdistill_core::index::json;
use url::Url;

fuzz_target!(|data: &[u8]| {
    let url = Url::parse("https://pypi.org/simple/fuzz/").expect("a URL");
    if let Ok(page) = json::parse(data, &url) {
        sdistill_fuzz::archive_page(page, url.as_str());
    }
});
