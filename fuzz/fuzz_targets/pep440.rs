//! PEP 440 versions: parsing, the normalized form, the order.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sdistill_core::index::pep440::{sort_versions, Version};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let lines: Vec<&str> = text.lines().collect();
    let mut valid = 0;
    for line in &lines {
        let Ok(version) = Version::parse(line) else {
            continue;
        };
        valid += 1;
        // The normalized form parses back to an equal version and is a fixed point.
        let normal = version.to_string();
        let again = Version::parse(&normal).expect("a normalized version parses");
        assert_eq!(again, version, "{line:?} -> {normal:?}");
        assert_eq!(again.to_string(), normal, "{line:?}");
        std::hint::black_box((
            version.public(),
            version.is_prerelease(),
            version.is_postrelease(),
            version.is_devrelease(),
        ));
    }
    let sorted = sort_versions(lines.iter().copied());
    // The lines that are not versions are dropped, the others kept.
    assert_eq!(sorted.len(), valid);
    let parsed: Vec<Version> = sorted
        .iter()
        .filter_map(|v| Version::parse(v).ok())
        .collect();
    assert!(
        parsed.windows(2).all(|w| w[0] <= w[1]),
        "not sorted: {sorted:?}"
    );
});
