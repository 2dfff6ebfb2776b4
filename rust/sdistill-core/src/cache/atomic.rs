use std::io::Write;
use std::path::Path;

use super::Error;

/// Prefix of every temporary file or directory sdistill creates; `prune` removes leftovers.
pub const TEMP_PREFIX: &str = ".sdistill-tmp-";

/// Writes `data` to `path` atomically: a temporary file in the same directory, flushed
/// to disk, then renamed over `path`.
pub fn write_atomic(path: &Path, data: &[u8]) -> Result<(), Error> {
    let parent = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(parent).map_err(|err| Error::io(parent, err))?;
    let mut temp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .tempfile_in(parent)
        .map_err(|err| Error::io(parent, err))?;
    temp.write_all(data)
        .and_then(|()| temp.as_file().sync_data())
        .map_err(|err| Error::io(temp.path(), err))?;
    temp.persist(path)
        .map_err(|err| Error::io(path, err.error))?;
    Ok(())
}
