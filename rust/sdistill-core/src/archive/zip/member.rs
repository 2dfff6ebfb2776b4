//! One local member: its header checked, its data decoded to where it belongs — a new
//! file (by a writer thread, or here when it is large or must be streamed), a check
//! against the earlier copy of the same path, or nowhere (directories).

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::path::Path;

use super::super::duplicate::SameBytes;
use super::super::inflate as decode;
use super::super::sink::{Sink, Target, INLINE_MAX};
use super::super::stream::StreamBuf;
use super::super::writers::{create_file, Payload};
use super::super::{names, Error};
use super::headers::{self, Local};
use super::Seen;

/// Reads the member whose local header starts at `offset` (signature already read).
/// `written` maps the physical path of every file written so far to its member's index.
pub(super) fn member<R: Read>(
    stream: &mut StreamBuf<R>,
    sink: &mut Sink<'_>,
    offset: u64,
    archive: &Path,
    written: &HashMap<String, usize>,
) -> Result<Seen, Error> {
    let local = headers::read_local(stream)?;
    let name = names::utf8(&local.name)?.to_owned();
    if local.flags & (headers::FLAG_ENCRYPTED | headers::FLAG_STRONG_ENCRYPTION) != 0 {
        return Err(Error::unsupported(format!("member {name:?} is encrypted")));
    }
    if !decode::supported(local.method) {
        return Err(Error::unsupported(format!(
            "member {name:?} uses compression method {}",
            local.method
        )));
    }
    let is_dir = name.ends_with('/');
    let parts = sink.member(&name, is_dir)?;
    let target = match &parts {
        Some(parts) if is_dir => {
            sink.dir(&name, parts)?;
            None
        }
        Some(parts) => Some(sink.file_path(&name, parts)?),
        None => None,
    };
    let copy_of = match &target {
        Some(target) if target.again => Some(
            *written
                .get(&target.path)
                .ok_or_else(|| Error::unsafe_member(&name, "duplicate name in archive"))?,
        ),
        _ => None,
    };
    let mut seen = Seen {
        name: local.name.clone(),
        offset,
        method: local.method,
        crc: local.crc,
        compressed: local.compressed,
        size: local.size,
        path: target.as_ref().map(|target| target.path.clone()),
        copy_of,
    };
    let descriptor = local.flags & headers::FLAG_DESCRIPTOR != 0;
    let mut data = Data {
        local: &local,
        name: &name,
        archive,
        seen: &mut seen,
    };
    match target {
        None if !descriptor => data.skip(stream)?,
        None => data.decode(stream, sink, &mut io::sink(), archive)?,
        Some(target) if target.again => data.same_as_earlier(stream, sink, &target)?,
        Some(target) if !descriptor && local.compressed <= INLINE_MAX => {
            let bytes = headers::read_exact(stream, local.compressed as usize)?;
            let payload = Payload::Zip {
                method: local.method,
                data: bytes,
                crc: local.crc,
                size: local.size,
            };
            sink.submit(&name, target.absolute, false, payload);
        }
        Some(target) => {
            let mut file = create_file(&target.absolute, false)?;
            data.decode(stream, sink, &mut file, &target.absolute)?;
            sink.count_file();
        }
    }
    Ok(seen)
}

/// A member's data, read on the parser thread.
struct Data<'a> {
    local: &'a Local,
    name: &'a str,
    archive: &'a Path,
    seen: &'a mut Seen,
}

impl Data<'_> {
    /// Passes over data nobody needs (a directory's, should it have any).
    fn skip<R: Read>(&mut self, stream: &mut StreamBuf<R>) -> Result<(), Error> {
        let mut data = (&mut *stream).take(self.local.compressed);
        let copied = io::copy(&mut data, &mut io::sink())
            .map_err(|err| Error::reading(self.archive, Some(self.name), err))?;
        if copied != self.local.compressed {
            return Err(truncated(self.name));
        }
        Ok(())
    }

    /// Decodes the data into `out` (which writes to `path`) and checks it against what
    /// the headers declare.
    fn decode<R: Read>(
        &mut self,
        stream: &mut StreamBuf<R>,
        sink: &Sink<'_>,
        out: &mut impl Write,
        path: &Path,
    ) -> Result<(), Error> {
        if self.local.flags & headers::FLAG_DESCRIPTOR != 0 {
            return self.streamed(stream, sink, out, path);
        }
        let local = self.local;
        let mut data = (&mut *stream).take(local.compressed);
        let decoded = decode::decode_checked(
            local.method,
            &mut data,
            out,
            local.crc,
            local.size,
            path,
            self.name,
            sink.shared(),
        );
        io::copy(&mut data, &mut io::sink())
            .map_err(|err| Error::reading(self.archive, Some(self.name), err))?;
        if data.limit() > 0 {
            // The stream ended inside the member: the file is truncated.
            return Err(truncated(self.name));
        }
        decoded.map_err(decode::as_mismatch)
    }

    /// A member followed by a data descriptor: inflated here, to find where it ends.
    fn streamed<R: Read>(
        &mut self,
        stream: &mut StreamBuf<R>,
        sink: &Sink<'_>,
        out: &mut impl Write,
        path: &Path,
    ) -> Result<(), Error> {
        let local = self.local;
        if local.method != decode::DEFLATED {
            return Err(Error::unsupported(format!(
                "member {:?} has a data descriptor and is not deflated, so it cannot be streamed",
                self.name
            )));
        }
        let start = stream.position();
        let (crc, size) = decode::decode(
            local.method,
            &mut *stream,
            out,
            None,
            path,
            self.name,
            sink.shared(),
        )?;
        let compressed = stream.position() - start;
        let (declared_crc, declared_compressed, declared_size) =
            headers::read_descriptor(stream, local.zip64)?;
        decode::check(self.name, declared_crc, declared_size, crc, size)?;
        if declared_compressed != compressed {
            return Err(Error::unsafe_member(
                self.name,
                "data descriptor disagrees with the member's data",
            ));
        }
        self.seen.crc = crc;
        self.seen.compressed = compressed;
        self.seen.size = size;
        Ok(())
    }

    /// A second copy of a path: decoded and checked as any member, and compared with
    /// what the first copy wrote; accepted only if the bytes are the same.
    fn same_as_earlier<R: Read>(
        &mut self,
        stream: &mut StreamBuf<R>,
        sink: &mut Sink<'_>,
        target: &Target,
    ) -> Result<(), Error> {
        // The first copy may still be in a writer's hands.
        sink.settle()?;
        let mut same = SameBytes::open(&target.absolute)?;
        let decoded = self.decode(stream, sink, &mut same, &target.absolute);
        if same.differs() {
            return Err(different(self.name));
        }
        decoded?;
        if !same.finish()? {
            return Err(different(self.name));
        }
        sink.shared().forget(0, self.seen.size);
        sink.note_duplicate(self.name);
        Ok(())
    }
}

fn different(name: &str) -> Error {
    Error::unsafe_member(
        name,
        "duplicate name in archive with different content (zip readers disagree on which wins)",
    )
}

fn truncated(name: &str) -> Error {
    Error::corrupt(Some(name), "unexpected end of archive (truncated?)")
}
