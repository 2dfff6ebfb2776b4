//! The entry point: one pass over the archive, hashing, checking and writing.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;

use super::hashing::{self, Hashes, HashingReader};
use super::sink::Sink;
use super::staging::Staging;
use super::stream::StreamBuf;
use super::writers::{self, Shared};
use super::zip::Fixup;
use super::{decoders, tar, zip, Error, ExtractOptions, Extracted, Format};

/// Extracts the archive at `archive` into `dest` (see the module docs).
pub fn extract_file(
    archive: &Path,
    dest: &Path,
    options: &ExtractOptions,
) -> Result<Extracted, Error> {
    let file = File::open(archive).map_err(|err| Error::io(archive, err))?;
    extract_reader(file, archive, dest, options)
}

/// Extracts an archive read from `input` (a file, or a download as it arrives) into
/// `dest`; `label` names the source in errors.
pub fn extract_reader<R: Read>(
    input: R,
    label: &Path,
    dest: &Path,
    options: &ExtractOptions,
) -> Result<Extracted, Error> {
    let staging = Staging::new(dest)?;
    let mut wanted = options.hashes.clone();
    wanted.extend(options.expected.iter().map(|(algorithm, _)| *algorithm));
    let shared = Shared::new(options.limits);
    let counted = Counted {
        inner: input,
        count: &shared.compressed,
    };
    let mut stream = StreamBuf::new(HashingReader::new(counted, Hashes::new(&wanted)));
    let head = stream.peek(512).map_err(|err| Error::io(label, err))?;
    let format = Format::detect(head).ok_or_else(|| {
        Error::unsupported(format!(
            "{} is not a zip or tar archive (plain, gzip, bzip2, xz or zstd)",
            label.display()
        ))
    })?;

    let (jobs, queue) = crossbeam_channel::unbounded();
    let parsed = thread::scope(|scope| {
        for _ in 0..writer_threads() {
            let queue = queue.clone();
            let shared = &shared;
            scope.spawn(move || writers::writer(queue, shared));
        }
        drop(queue);
        let mut sink = Sink::new(
            staging.path().to_owned(),
            jobs,
            &shared,
            options.limits,
            options.strip_top_level,
        );
        let result = read_members(format, &mut stream, &mut sink, label);
        sink.close_jobs();
        result.map(|fixups| (sink, fixups))
    });
    if let Some(err) = shared.take_error() {
        return Err(err);
    }
    let (mut sink, fixups) = parsed?;
    for fixup in fixups {
        match fixup {
            Fixup::Executable { path } => sink.make_executable(&path)?,
            Fixup::Symlink { member, path } => sink.zip_symlink(&member, &path)?,
        }
    }
    let duplicates = sink.finish()?;

    let hashes = stream
        .into_inner()
        .finish()
        .map_err(|err| Error::io(label, err))?;
    hashing::check_expected(&hashes, &options.expected)?;
    let (files, unpacked_bytes) = shared.counts();
    staging.commit()?;
    Ok(Extracted {
        files,
        unpacked_bytes,
        hashes,
        duplicates,
    })
}

/// Reads every member; for tar, then reads the compressed stream to its end so that its
/// own checks (the gzip CRC, say) cover everything that was extracted.
fn read_members<R: Read>(
    format: Format,
    stream: &mut StreamBuf<R>,
    sink: &mut Sink<'_>,
    label: &Path,
) -> Result<Vec<Fixup>, Error> {
    if format == Format::Zip {
        return zip::extract(stream, sink, label);
    }
    let decoded = decoders::tar_stream(format, &mut *stream)?;
    let shared = sink.shared();
    let guarded = Guarded {
        inner: decoded,
        shared,
        produced: 0,
    };
    let mut rest = tar::extract(guarded, sink, label)?;
    io::copy(&mut rest, &mut io::sink()).map_err(|err| Error::reading(label, None, err))?;
    Ok(Vec::new())
}

/// The raw archive, counting the bytes read (for the ratio limit).
struct Counted<'s, R> {
    inner: R,
    count: &'s AtomicU64,
}

impl<R: Read> Read for Counted<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// A decompressed tar stream held to the ratio limit as it comes out: a failure is
/// recorded in `shared` (the error reported) and ends the stream.
struct Guarded<'s, R> {
    inner: R,
    shared: &'s Shared,
    produced: u64,
}

impl<R: Read> Read for Guarded<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.produced += n as u64;
        if let Err(err) = self
            .shared
            .check_ratio("(the decompressed tar stream)", self.produced)
        {
            let message = err.to_string();
            self.shared.fail(err);
            return Err(io::Error::other(message));
        }
        Ok(n)
    }
}

/// Writers: enough to keep the disk busy while one thread decompresses.
fn writer_threads() -> usize {
    thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(2, 8)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;
    use crate::archive::Limits;

    /// A tar of one member of `size` zero bytes, then `trailing` zero bytes after the
    /// end-of-archive marker (inside the same compressed stream).
    fn zeros_tar(size: usize, trailing: usize) -> Vec<u8> {
        let mut builder = ::tar::Builder::new(Vec::new());
        let mut header = ::tar::Header::new_ustar();
        header.set_size(size as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder
            .append_data(
                &mut header,
                "pkg-1.0/zeros",
                io::repeat(0).take(size as u64),
            )
            .unwrap();
        let mut tar = builder.into_inner().unwrap();
        tar.resize(tar.len() + trailing, 0);
        tar
    }

    fn compressed(format: Format, raw: &[u8]) -> Vec<u8> {
        match format {
            Format::TarGz => {
                let mut out =
                    flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
                out.write_all(raw).unwrap();
                out.finish().unwrap()
            }
            Format::TarBz2 => {
                let mut out = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::best());
                out.write_all(raw).unwrap();
                out.finish().unwrap()
            }
            Format::TarXz => {
                let mut out = xz2::write::XzEncoder::new(Vec::new(), 6);
                out.write_all(raw).unwrap();
                out.finish().unwrap()
            }
            Format::TarZst => zstd::encode_all(raw, 19).unwrap(),
            _ => raw.to_vec(),
        }
    }

    fn small_floor() -> ExtractOptions {
        ExtractOptions {
            limits: Limits {
                ratio_floor: 1 << 20,
                ..Limits::default()
            },
            ..ExtractOptions::default()
        }
    }

    /// Extracts `archive` into a fresh directory; returns the result and what the
    /// directory holds afterwards.
    fn extract(archive: &[u8], options: &ExtractOptions) -> (Result<Extracted, Error>, usize) {
        let dir = tempfile::tempdir().unwrap();
        let result = extract_reader(
            archive,
            Path::new("bomb"),
            &dir.path().join("dest"),
            options,
        );
        let left = std::fs::read_dir(dir.path()).unwrap().count();
        (result, left)
    }

    fn is_ratio_error(result: &Result<Extracted, Error>) -> bool {
        matches!(result, Err(Error::Unsafe { reason, .. }) if reason.contains("max_ratio"))
    }

    #[test]
    fn a_compression_bomb_stops_at_the_ratio_mid_stream_for_every_tar_format() {
        let raw = zeros_tar(24 << 20, 0);
        for format in [Format::TarGz, Format::TarBz2, Format::TarXz, Format::TarZst] {
            let bomb = compressed(format, &raw);
            assert!(bomb.len() < (24 << 20) / 200, "{format:?}: a bomb");
            let (result, left) = extract(&bomb, &small_floor());
            assert!(is_ratio_error(&result), "{format:?}: {result:?}");
            assert_eq!(left, 0, "{format:?}: nothing is left, no staging directory");
            // Under the floor the same ratio is allowed: small archives compress as they like.
            let (result, _) = extract(&bomb, &ExtractOptions::default());
            assert_eq!(result.unwrap().unpacked_bytes, 24 << 20, "{format:?}");
        }
    }

    #[test]
    fn data_after_the_end_of_the_tar_counts_too() {
        let bomb = compressed(Format::TarGz, &zeros_tar(0, 24 << 20));
        let (result, left) = extract(&bomb, &small_floor());
        assert!(is_ratio_error(&result), "{result:?}");
        assert_eq!(left, 0);
    }

    #[test]
    fn compressible_data_within_the_ratio_and_plain_tars_pass() {
        // Random bytes do not compress: well under the ratio, however large.
        let mut data = vec![0u8; 3 << 20];
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for chunk in data.chunks_mut(8) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            chunk.copy_from_slice(&state.to_le_bytes()[..chunk.len()]);
        }
        let mut builder = ::tar::Builder::new(Vec::new());
        let mut header = ::tar::Header::new_ustar();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder
            .append_data(&mut header, "pkg-1.0/random", &data[..])
            .unwrap();
        let archive = compressed(Format::TarGz, &builder.into_inner().unwrap());
        let (result, _) = extract(&archive, &small_floor());
        assert_eq!(result.unwrap().unpacked_bytes, 3 << 20);
        // An uncompressed tar of zeros: one byte out per byte in.
        let (result, _) = extract(&zeros_tar(6 << 20, 0), &small_floor());
        assert_eq!(result.unwrap().unpacked_bytes, 6 << 20);
    }

    #[test]
    fn the_size_limit_counts_what_comes_out_not_what_headers_say() {
        let options = ExtractOptions {
            limits: Limits {
                max_unpacked_size: 5 << 20,
                ..Limits::default()
            },
            ..ExtractOptions::default()
        };
        let (result, left) = extract(&zeros_tar(6 << 20, 0), &options);
        assert!(
            matches!(&result, Err(Error::Unsafe { reason, .. }) if reason.contains("max_unpacked_size")),
            "{result:?}"
        );
        assert_eq!(left, 0);
    }
}
