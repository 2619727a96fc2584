//! Files only their owner may read: the database and the key file are
//! created with mode 0600 from the first byte, never chmod-ed afterwards.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;

/// Opens a log file to append to: created 0600 if it is not there (never
/// through a symlink), refused when it is not this user's alone to write.
#[cfg(unix)]
pub fn open_log(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    match create_new(path) {
        Ok(f) => return Ok(f),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e),
    }
    let facts = crate::file_trust::facts(path)?;
    crate::file_trust::log_file_verdict(facts, crate::file_trust::euid())
        .map_err(io::Error::other)?;
    OpenOptions::new()
        .append(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
}

#[cfg(not(unix))]
pub fn open_log(path: &Path) -> io::Result<File> {
    OpenOptions::new().append(true).create(true).open(path)
}

/// Creates `path` (and its folder) as a new 0600 file; fails if it exists.
pub fn create_new(path: &Path) -> io::Result<File> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut opts = OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path)
}
