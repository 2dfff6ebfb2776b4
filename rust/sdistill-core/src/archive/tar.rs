//! Tar members, read one after the other from the decompressed stream.

use std::io::Read;
use std::path::Path;

use tar::EntryType;

use super::names;
use super::sink::Sink;
use super::Error;

/// Extracts every member of the tar stream `input`; returns the stream, positioned after
/// the end-of-archive marker.
pub(crate) fn extract<R: Read>(input: R, sink: &mut Sink<'_>, archive: &Path) -> Result<R, Error> {
    let mut tar = tar::Archive::new(input);
    let entries = tar
        .entries()
        .map_err(|err| Error::reading(archive, None, err))?;
    for entry in entries {
        sink.check()?;
        let mut entry = entry.map_err(|err| Error::reading(archive, None, err))?;
        let raw_name = entry.path_bytes().into_owned();
        let name = names::utf8(&raw_name)?;
        let mut kind = entry.header().entry_type();
        if kind == EntryType::XGlobalHeader {
            continue;
        }
        // Old archivers mark directories only by a trailing slash.
        if matches!(kind, EntryType::Regular | EntryType::Continuous)
            && name.ends_with('/')
            && entry.size() == 0
        {
            kind = EntryType::Directory;
        }
        let Some(parts) = sink.member(name, kind == EntryType::Directory)? else {
            continue;
        };
        match kind {
            EntryType::Directory => sink.dir(name, &parts)?,
            EntryType::Regular | EntryType::Continuous => {
                let executable = entry.header().mode().is_ok_and(|mode| mode & 0o100 != 0);
                let size = entry.size();
                sink.file(name, &parts, executable, size, &mut entry)?;
            }
            EntryType::Symlink | EntryType::Link => {
                let raw_target = entry
                    .link_name_bytes()
                    .map(|t| t.into_owned())
                    .unwrap_or_default();
                let target = names::utf8(&raw_target)
                    .map_err(|_| Error::unsafe_member(name, "link target is not valid UTF-8"))?;
                if kind == EntryType::Symlink {
                    sink.symlink(name, &parts, target)?;
                } else {
                    sink.hardlink(name, &parts, target)?;
                }
            }
            EntryType::Char | EntryType::Block => {
                return Err(Error::unsafe_member(name, "device node"))
            }
            EntryType::Fifo => return Err(Error::unsafe_member(name, "FIFO (named pipe)")),
            EntryType::GNUSparse => {
                return Err(Error::unsafe_member(name, "sparse files are not supported"))
            }
            other => {
                return Err(Error::unsafe_member(
                    name,
                    format!("unsupported tar entry type {:?}", other.as_byte() as char),
                ))
            }
        }
    }
    Ok(tar.into_inner())
}
