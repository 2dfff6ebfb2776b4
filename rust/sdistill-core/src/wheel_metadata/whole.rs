//! A wheel whose server sends it whole: streamed into `tmp/`, its sha256 checked against
//! the index's, read there, then removed.

use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::FileExt;

use super::parts::Parts;
use super::Error;
use crate::archive::hashing::Hashes;
use crate::http::ranged::Whole;
use crate::http::Client;

/// Receives `response` into a temporary file and gives it to `read` as [`Parts`].
pub fn read(
    client: &Client,
    mut response: Whole,
    sha256: Option<&str>,
    read: impl FnOnce(&mut Parts<'_>) -> Result<Vec<u8>, Error>,
) -> Result<Vec<u8>, Error> {
    let dir = client.cache().temp_dir()?;
    let result = (|| {
        let path = dir.join("wheel");
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|err| Error::io(&path, err))?;
        let mut hashes = Hashes::new(&[]); // sha256 always
        let mut total = 0u64;
        while let Some(chunk) = client.next_chunk(&mut response)? {
            hashes.update(&chunk);
            file.write_all(&chunk)
                .map_err(|err| Error::io(&path, err))?;
            total += chunk.len() as u64;
        }
        if let Some(length) = response.length {
            if length != total {
                return Err(Error::zip(format!(
                    "{total} bytes, Content-Length said {length}"
                )));
            }
        }
        let (_, actual) = hashes.finish().swap_remove(0);
        if let Some(expected) = sha256 {
            if !actual.eq_ignore_ascii_case(expected) {
                return Err(Error::HashMismatch {
                    url: String::new(),
                    expected: expected.to_ascii_lowercase(),
                    actual,
                });
            }
        }
        let mut fetch = |start: u64, len: u64| -> Result<Vec<u8>, Error> {
            let mut buffer = vec![0; usize::try_from(len).map_err(|_| Error::zip("a huge part"))?];
            file.read_exact_at(&mut buffer, start)
                .map_err(|err| Error::io(&path, err))?;
            Ok(buffer)
        };
        let mut parts = Parts::new(total, &mut fetch);
        read(&mut parts)
    })();
    let _ = std::fs::remove_dir_all(&dir);
    result
}
