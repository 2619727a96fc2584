//! Files only their owner may read: the database and the key file are
//! created with mode 0600 from the first byte, never chmod-ed afterwards.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;

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
