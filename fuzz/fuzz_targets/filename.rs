//! Distribution filenames: `<project>\n<filename>` (the project asked for, then the
//! file's name).
#![no_main]

use libfuzzer_sys::fuzz_target;
use sdistill_core::index::filename::{normalize_name, parse};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (project, name) = text.split_once('\n').unwrap_or(("", text));
    let normal = normalize_name(project);
    assert_eq!(
        normalize_name(&normal),
        normal,
        "normalize_name is not idempotent"
    );
    if let Some(parsed) = parse(name, project) {
        std::hint::black_box((parsed.name().len(), parsed.version().to_string()));
    }
});
