//! Recognising an archive by its first bytes, whatever its name says.

/// The container and compression of an archive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Zip,
    Tar,
    TarGz,
    TarBz2,
    TarXz,
    TarZst,
}

impl Format {
    /// Detects the format from the first bytes of the stream (512 are enough).
    pub fn detect(head: &[u8]) -> Option<Format> {
        if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
            Some(Format::Zip)
        } else if head.starts_with(&[0x1f, 0x8b]) {
            Some(Format::TarGz)
        } else if head.starts_with(b"BZh") {
            Some(Format::TarBz2)
        } else if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0x00]) {
            Some(Format::TarXz)
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Some(Format::TarZst)
        } else if is_tar_header(head) {
            Some(Format::Tar)
        } else {
            None
        }
    }
}

/// A ustar/GNU magic, or (for old v7 archives) a header whose checksum adds up.
fn is_tar_header(head: &[u8]) -> bool {
    if head.len() < 512 {
        return false;
    }
    if &head[257..262] == b"ustar" {
        return true;
    }
    let stored = std::str::from_utf8(&head[148..156])
        .ok()
        .map(|s| s.trim_matches(|c: char| c == '\0' || c == ' '))
        .and_then(|s| u32::from_str_radix(s, 8).ok());
    let computed: u32 = head[..512]
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            if (148..156).contains(&i) {
                32
            } else {
                u32::from(b)
            }
        })
        .sum();
    head[0] != 0 && stored == Some(computed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_bytes_decide() {
        assert_eq!(Format::detect(b"PK\x03\x04rest"), Some(Format::Zip));
        assert_eq!(Format::detect(&[0x1f, 0x8b, 8, 0]), Some(Format::TarGz));
        assert_eq!(Format::detect(b"BZh91AY"), Some(Format::TarBz2));
        assert_eq!(
            Format::detect(&[0x28, 0xb5, 0x2f, 0xfd, 0]),
            Some(Format::TarZst)
        );
        assert_eq!(Format::detect(b"hello world"), None);
        assert_eq!(Format::detect(&[0u8; 1024]), None);
    }
}
