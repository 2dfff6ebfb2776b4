//! Digests over an archive's raw bytes, computed while it streams past.

use std::io::{self, Read};

use md5::Md5;
use sha2::{Digest, Sha256, Sha384, Sha512};

use super::HashAlgorithm;

/// The running digests of one stream.
pub(crate) struct Hashes {
    sha256: Sha256,
    sha384: Option<Sha384>,
    sha512: Option<Sha512>,
    md5: Option<Md5>,
}

impl Hashes {
    pub(crate) fn new(wanted: &[HashAlgorithm]) -> Self {
        let has = |a| wanted.contains(&a);
        Hashes {
            sha256: Sha256::new(),
            sha384: has(HashAlgorithm::Sha384).then(Sha384::new),
            sha512: has(HashAlgorithm::Sha512).then(Sha512::new),
            md5: has(HashAlgorithm::Md5).then(Md5::new),
        }
    }

    pub(crate) fn update(&mut self, bytes: &[u8]) {
        self.sha256.update(bytes);
        if let Some(h) = &mut self.sha384 {
            h.update(bytes);
        }
        if let Some(h) = &mut self.sha512 {
            h.update(bytes);
        }
        if let Some(h) = &mut self.md5 {
            h.update(bytes);
        }
    }

    pub(crate) fn finish(self) -> Vec<(HashAlgorithm, String)> {
        let mut out = vec![(HashAlgorithm::Sha256, hex(&self.sha256.finalize()))];
        if let Some(h) = self.sha384 {
            out.push((HashAlgorithm::Sha384, hex(&h.finalize())));
        }
        if let Some(h) = self.sha512 {
            out.push((HashAlgorithm::Sha512, hex(&h.finalize())));
        }
        if let Some(h) = self.md5 {
            out.push((HashAlgorithm::Md5, hex(&h.finalize())));
        }
        out
    }
}

/// Every expected digest must be among `digests` and equal (hex, any case).
pub(crate) fn check_expected(
    digests: &[(HashAlgorithm, String)],
    expected: &[(HashAlgorithm, String)],
) -> Result<(), super::Error> {
    for (algorithm, want) in expected {
        let actual = digests
            .iter()
            .find(|(a, _)| a == algorithm)
            .map(|(_, digest)| digest.clone())
            .unwrap_or_default();
        if !actual.eq_ignore_ascii_case(want.trim()) {
            return Err(super::Error::HashMismatch {
                algorithm: algorithm.name(),
                expected: want.trim().to_ascii_lowercase(),
                actual,
            });
        }
    }
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A reader that feeds every byte it hands out to [`Hashes`].
pub(crate) struct HashingReader<R> {
    inner: R,
    hashes: Hashes,
}

impl<R: Read> HashingReader<R> {
    pub(crate) fn new(inner: R, hashes: Hashes) -> Self {
        HashingReader { inner, hashes }
    }

    /// Reads the rest of the stream (so the digests cover the last byte) and finishes.
    pub(crate) fn finish(mut self) -> io::Result<Vec<(HashAlgorithm, String)>> {
        io::copy(&mut self, &mut io::sink())?;
        Ok(self.hashes.finish())
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hashes.update(&buf[..n]);
        Ok(n)
    }
}
