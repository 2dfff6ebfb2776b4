//! The bytes of an entry file in memory: read into an aligned buffer, or mapped.
//!
//! Small entries are read whole. A large one (an index page's archived project is
//! megabytes) is mapped read-only instead: the kernel brings in only the pages that are
//! touched, so opening a project and listing its versions reads a few pages of the
//! head, not the whole file, and nothing is copied.
//!
//! A mapping is safe to hand out as `&[u8]` only while nobody changes the file, and
//! sdistill never does: entries are written to a temporary file and renamed into place,
//! and a rename or an unlink leaves a mapped file's contents as they were. The one thing
//! that breaks that — another program truncating or rewriting the file in place while it
//! is mapped — is outside what the cache supports (it would be a `SIGBUS`, not a wrong
//! answer, for a truncation).

use std::fs::File;
use std::io;
use std::ops::Deref;

use rkyv::util::AlignedVec;

/// Files at least this large are mapped rather than read.
pub const MAP_THRESHOLD: usize = 256 * 1024;

/// The whole of an entry file, 16-byte aligned.
pub enum Loaded {
    Read(AlignedVec),
    #[cfg(unix)]
    Mapped(memmap2::Mmap),
}

impl Loaded {
    /// The first `size` bytes of `file` (its length when opened).
    pub fn load(file: &mut File, size: usize) -> io::Result<Loaded> {
        #[cfg(unix)]
        if size >= MAP_THRESHOLD {
            // SAFETY: see the module docs: cache entries are never changed in place.
            let map = unsafe { memmap2::MmapOptions::new().len(size).map(&*file)? };
            // Shortened since its length was read: reading past its end would fault.
            if file.metadata()?.len() >= size as u64 {
                return Ok(Loaded::Mapped(map));
            }
        }
        let mut buffer = AlignedVec::with_capacity(size);
        fill(file, &mut buffer, size)?;
        Ok(Loaded::Read(buffer))
    }
}

impl Deref for Loaded {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            Loaded::Read(buffer) => buffer.as_slice(),
            #[cfg(unix)]
            Loaded::Mapped(map) => map,
        }
    }
}

/// Reads up to `size` bytes of `file` into `buffer` (empty, with that capacity) without
/// zeroing it first.
#[cfg(unix)]
fn fill(file: &mut File, buffer: &mut AlignedVec, size: usize) -> io::Result<()> {
    use std::mem::MaybeUninit;
    debug_assert!(buffer.is_empty() && buffer.capacity() >= size);
    while buffer.len() < size {
        let len = buffer.len();
        // SAFETY: the allocation holds at least `size` bytes, so `len..size` lies inside
        // it; `read` only writes there, and nothing reads these bytes before `set_len`.
        let spare = unsafe {
            std::slice::from_raw_parts_mut(
                buffer.as_mut_ptr().add(len).cast::<MaybeUninit<u8>>(),
                size - len,
            )
        };
        let read = match rustix::io::read(&*file, spare) {
            Ok((filled, _)) => filled.len(),
            Err(rustix::io::Errno::INTR) => continue,
            Err(err) => return Err(err.into()),
        };
        if read == 0 {
            break;
        }
        // SAFETY: `read` initialized the `read` bytes that follow `len`.
        unsafe { buffer.set_len(len + read) };
    }
    Ok(())
}

#[cfg(not(unix))]
fn fill(file: &mut File, buffer: &mut AlignedVec, size: usize) -> io::Result<()> {
    use std::io::Read;
    buffer.resize(size, 0);
    let mut filled = 0;
    while filled < size {
        match file.read(&mut buffer[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    buffer.resize(filled, 0);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_files_are_read_and_large_ones_mapped_with_the_same_bytes() {
        let dir = tempfile::tempdir().unwrap();
        for size in [
            0,
            17,
            MAP_THRESHOLD - 1,
            MAP_THRESHOLD,
            MAP_THRESHOLD * 3 + 5,
        ] {
            let path = dir.path().join(format!("f{size}"));
            let data: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
            std::fs::write(&path, &data).unwrap();
            let mut file = File::open(&path).unwrap();
            let loaded = Loaded::load(&mut file, size).unwrap();
            assert_eq!(&loaded[..], &data[..], "size {size}");
            assert!(size == 0 || (loaded.as_ptr() as usize).is_multiple_of(16));
            #[cfg(unix)]
            assert_eq!(matches!(loaded, Loaded::Mapped(_)), size >= MAP_THRESHOLD);
        }
    }

    #[test]
    fn a_file_shorter_than_its_stated_size_reads_short() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("short");
        std::fs::write(&path, b"abc").unwrap();
        let mut file = File::open(&path).unwrap();
        assert_eq!(&Loaded::load(&mut file, 10).unwrap()[..], b"abc");
    }
}
