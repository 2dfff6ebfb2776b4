//! The staging directory beside the destination: everything is extracted there and
//! renamed into place only when the whole archive has been read, checked and hashed.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::cache::{new_revision_id, TEMP_PREFIX};

use super::Error;

pub(crate) struct Staging {
    path: PathBuf,
    dest: PathBuf,
    committed: bool,
}

impl Staging {
    /// Checks that `dest` is free (absent, or an empty directory) and creates the
    /// staging directory in its parent.
    pub(crate) fn new(dest: &Path) -> Result<Staging, Error> {
        match fs::symlink_metadata(dest) {
            Ok(meta) if meta.is_dir() => {
                let mut entries = fs::read_dir(dest).map_err(|err| Error::io(dest, err))?;
                if entries.next().is_some() {
                    return Err(Error::DestinationExists(dest.to_owned()));
                }
            }
            Ok(_) => return Err(Error::DestinationExists(dest.to_owned())),
            Err(err) if err.kind() == io::ErrorKind::NotFound => {}
            Err(err) => return Err(Error::io(dest, err)),
        }
        let parent = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent).map_err(|err| Error::io(&parent, err))?;
        loop {
            // Created with the ordinary mode (umask applies), unlike a private temp dir,
            // because it becomes `dest` itself.
            let path = parent.join(format!("{TEMP_PREFIX}{}", new_revision_id()));
            match fs::create_dir(&path) {
                Ok(()) => {
                    return Ok(Staging {
                        path,
                        dest: dest.to_owned(),
                        committed: false,
                    })
                }
                Err(err) if err.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(err) => return Err(Error::io(&parent, err)),
            }
        }
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Renames the staged tree to the destination.
    pub(crate) fn commit(mut self) -> Result<(), Error> {
        fs::rename(&self.path, &self.dest).map_err(|err| match err.kind() {
            // Something was put into the empty destination meanwhile.
            io::ErrorKind::DirectoryNotEmpty | io::ErrorKind::AlreadyExists => {
                Error::DestinationExists(self.dest.clone())
            }
            _ => Error::io(&self.dest, err),
        })?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.path);
        }
    }
}
