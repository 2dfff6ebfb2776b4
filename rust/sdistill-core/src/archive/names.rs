//! Checking member names before anything touches the disk.

use super::Error;

/// Splits a member name into plain components, refusing anything that could address a
/// place outside the destination or confuse a file system: absolute paths, drive
/// letters, `..`, NUL and other control characters, backslashes. `.` and empty
/// components (`./a//b`) are dropped. An empty result names the destination itself.
pub(crate) fn components(member: &str) -> Result<Vec<&str>, Error> {
    if let Some(bad) = member.chars().find(|c| c.is_control()) {
        return Err(Error::unsafe_member(
            member,
            format!("name contains the control character {bad:?}"),
        ));
    }
    if member.contains('\\') {
        return Err(Error::unsafe_member(member, "name contains a backslash"));
    }
    if member.starts_with('/') {
        return Err(Error::unsafe_member(member, "absolute path"));
    }
    let bytes = member.as_bytes();
    if bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' {
        return Err(Error::unsafe_member(member, "path with a drive letter"));
    }
    let mut parts = Vec::new();
    for part in member.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                return Err(Error::unsafe_member(
                    member,
                    "path escapes the destination with '..'",
                ))
            }
            _ => parts.push(part),
        }
    }
    Ok(parts)
}

/// A member name as UTF-8, or an error naming it as well as it can be named.
pub(crate) fn utf8(raw: &[u8]) -> Result<&str, Error> {
    std::str::from_utf8(raw)
        .map_err(|_| Error::unsafe_member(&String::from_utf8_lossy(raw), "name is not valid UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_names_pass() {
        assert_eq!(
            components("./pkg-1.0//src/./a.py").unwrap(),
            ["pkg-1.0", "src", "a.py"]
        );
        assert!(components("./").unwrap().is_empty());
    }

    #[test]
    fn dangerous_names_are_refused() {
        for name in [
            "/etc/passwd",
            "a/../../b",
            "..",
            "a\0b",
            "a\\b",
            "C:evil",
            "a\nb",
        ] {
            assert!(
                matches!(components(name), Err(Error::Unsafe { .. })),
                "{name:?} was accepted"
            );
        }
    }

    proptest::proptest! {
        /// Whatever the name, an accepted one yields only plain components that stay
        /// below the destination when joined.
        #[test]
        fn accepted_names_are_plain(name in "[a-z./\\\\:\\x00\\n]{0,12}") {
            if let Ok(parts) = components(&name) {
                for part in parts {
                    proptest::prop_assert!(!part.is_empty() && part != "." && part != "..");
                    proptest::prop_assert!(!part.contains(['/', '\\', '\0', '\n']));
                }
                proptest::prop_assert!(!name.starts_with('/'));
            }
        }
    }
}
