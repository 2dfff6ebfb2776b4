//! A regular file whose path an earlier regular file of the archive already has.
//!
//! Real sdists do this: an sdist of pdm 2.12.3 lists `LICENSE` and `README.md` twice,
//! with the same bytes, and pip, uv and `tarfile` all extract it. What "twice" means
//! differs between the formats, so each gets its own rule; anything but a regular file
//! following a regular file (a change of kind, a file that a hard link shares) is judged
//! — and refused — by the tree model (`tree.rs`) before it gets here.
//!
//! # Tar: the last one wins
//!
//! A tar archive is a sequence of changes to a tree: GNU tar, `tarfile` and pip all
//! leave the last copy on disk, so sdistill does too. The earlier copy may still be in a
//! writer thread's hands, so the parser first waits for every job in flight to be done
//! ([`Sink::settle`](super::sink::Sink::settle)), then removes the earlier file, and
//! only then hands over the new one: no two writes ever meet on one path, and whatever
//! the threads' timing, the earlier bytes are never what remains. Replacements are rare,
//! so waiting costs nothing in practice. The earlier copy's bytes still count against
//! the size limit (they were produced), not in what the extraction reports.
//!
//! # Zip: identical copies only
//!
//! Zip readers disagree on which of two entries of one name wins (`zipfile` and pip take
//! the last, readers that index the central directory by name may take either), so a
//! copy is accepted only if no reader could tell them apart: the same decoded bytes, and
//! the same kind and executable bit in the central directory. Equal CRC-32s and sizes
//! are not enough — a CRC-32 collision is a few lines of arithmetic to make — and equal
//! compressed bytes are both too strict (the same file deflated at another level) and,
//! alone, not checked against the headers. So the copy is decoded and checked like any
//! member (its CRC and size against its local header, later the local header against the
//! central directory) and its bytes are compared, as they come out, with the file the
//! first copy wrote ([`SameBytes`]). The copy itself is not written.

use std::fs::{self, File};
use std::io::{self, BufReader, Read, Write};
use std::path::{Path, PathBuf};

use super::writers::Shared;
use super::Error;

/// Removes the earlier copy of a tar member, once no writer is at work on it.
pub(crate) fn remove_earlier(shared: &Shared, absolute: &Path) -> Result<(), Error> {
    let len = fs::symlink_metadata(absolute)
        .map_err(|err| Error::io(absolute, err))?
        .len();
    fs::remove_file(absolute).map_err(|err| Error::io(absolute, err))?;
    shared.forget(1, len);
    Ok(())
}

/// A writer that keeps nothing and checks that what it is given is, byte for byte, the
/// content of an existing file.
pub(crate) struct SameBytes {
    earlier: BufReader<File>,
    path: PathBuf,
    buf: Vec<u8>,
    differs: bool,
}

impl SameBytes {
    pub(crate) fn open(path: &Path) -> Result<Self, Error> {
        let file = File::open(path).map_err(|err| Error::io(path, err))?;
        Ok(SameBytes {
            earlier: BufReader::with_capacity(64 * 1024, file),
            path: path.to_owned(),
            buf: Vec::new(),
            differs: false,
        })
    }

    /// Whether a difference was found so far.
    pub(crate) fn differs(&self) -> bool {
        self.differs
    }

    /// After the last byte: the earlier file must have ended too.
    pub(crate) fn finish(mut self) -> Result<bool, Error> {
        if !self.differs {
            let mut one = [0u8; 1];
            let n = read_full(&mut self.earlier, &mut one).map_err(|e| Error::io(&self.path, e))?;
            self.differs = n != 0;
        }
        Ok(!self.differs)
    }
}

impl Write for SameBytes {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if self.differs {
            return Err(different());
        }
        self.buf.resize(data.len(), 0);
        let n = read_full(&mut self.earlier, &mut self.buf)?;
        if n != data.len() || self.buf[..n] != *data {
            self.differs = true;
            return Err(different());
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn different() -> io::Error {
    io::Error::other("the copies differ")
}

/// Reads until `buf` is full or the input ends; returns how much was read.
fn read_full(input: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match input.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(err),
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compare(earlier: &[u8], writes: &[&[u8]]) -> bool {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        fs::write(&path, earlier).unwrap();
        let mut same = SameBytes::open(&path).unwrap();
        for chunk in writes {
            if same.write_all(chunk).is_err() {
                assert!(same.differs());
                return false;
            }
        }
        same.finish().unwrap()
    }

    /// A tar of `members` (name, bytes), in order.
    fn tar(members: &[(String, Vec<u8>)]) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        for (name, data) in members {
            let mut header = tar::Header::new_ustar();
            header.set_size(data.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            builder.append_data(&mut header, name, &data[..]).unwrap();
        }
        builder.into_inner().unwrap()
    }

    #[test]
    fn the_last_copy_in_a_tar_wins_whatever_the_writers_do() {
        // Each copy of `a` goes to the writers among others, so without waiting for them
        // an earlier copy could land after a later one.
        let mut members = Vec::new();
        for i in 0..64u8 {
            members.push((format!("pkg/f{i}"), vec![i; 64 * 1024]));
            members.push(("pkg/a".to_owned(), vec![i; 1000 + usize::from(i)]));
        }
        let archive = tar(&members);
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("dest");
        let options = crate::archive::ExtractOptions::default();
        let extracted =
            crate::archive::extract_reader(&archive[..], Path::new("t.tar"), &dest, &options)
                .unwrap();
        assert_eq!(fs::read(dest.join("pkg/a")).unwrap(), vec![63u8; 1063]);
        assert_eq!(extracted.files, 65);
        assert_eq!(extracted.unpacked_bytes, 64 * 64 * 1024 + 1063);
        assert_eq!(extracted.duplicates.len(), 63);
    }

    #[test]
    fn only_the_same_bytes_are_the_same() {
        assert!(compare(b"hello world", &[b"hello", b" ", b"world"]));
        assert!(compare(b"", &[]));
        assert!(!compare(b"hello world", &[b"hello", b" ", b"World"]));
        assert!(!compare(b"hello world", &[b"hello"]));
        assert!(!compare(b"hello", &[b"hello", b" world"]));
        assert!(!compare(b"", &[b"x"]));
    }
}
