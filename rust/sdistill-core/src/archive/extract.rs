//! The entry point: one pass over the archive, hashing, checking and writing.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;
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
    let mut stream = StreamBuf::new(HashingReader::new(input, Hashes::new(&wanted)));
    let head = stream.peek(512).map_err(|err| Error::io(label, err))?;
    let format = Format::detect(head).ok_or_else(|| {
        Error::unsupported(format!(
            "{} is not a zip or tar archive (plain, gzip, bzip2, xz or zstd)",
            label.display()
        ))
    })?;

    let shared = Shared::new(options.limits);
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
    let mut rest = tar::extract(decoded, sink, label)?;
    io::copy(&mut rest, &mut io::sink()).map_err(|err| Error::reading(label, None, err))?;
    Ok(Vec::new())
}

/// Writers: enough to keep the disk busy while one thread decompresses.
fn writer_threads() -> usize {
    thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(2, 8)
}
