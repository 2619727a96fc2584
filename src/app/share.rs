//! Giving a sales team the user view: the database, its WAL files and its
//! folder become readable and writable by one group; the key file stays the
//! admin's (0600), so the team sees the log but never a secret.

use std::path::{Path, PathBuf};

use super::{App, AppError, Result};

/// What `share` changed.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Shared {
    pub group: String,
    pub gid: u32,
    pub paths: Vec<PathBuf>,
    pub key_file: PathBuf,
}

impl App {
    /// Makes the database group-readable and writable for `group`.
    pub fn share_with_group(&self, group: &str) -> Result<Shared> {
        let db = self.db_path().to_path_buf();
        if !db.exists() {
            return Err(AppError::Invalid(format!(
                "there is no database at {}; set emaillog up first, or give the right --db",
                db.display()
            )));
        }
        let gid = group_id(group)?;
        let dir = db
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf();
        let mut paths = Vec::new();
        // The folder too: SQLite creates the -wal and -shm files beside the
        // database when the first connection opens it. setgid keeps new
        // files in the group.
        set_group(&dir, gid, 0o2770)?;
        paths.push(dir.clone());
        for suffix in ["", "-wal", "-shm"] {
            let mut name = db.as_os_str().to_os_string();
            name.push(suffix);
            let p = PathBuf::from(name);
            if p.exists() {
                set_group(&p, gid, 0o660)?;
                paths.push(p);
            }
        }
        let key_file = crate::auth::secrets::key_path_for(&db);
        if key_file.exists() {
            restrict(&key_file)?;
        }
        Ok(Shared {
            group: group.to_string(),
            gid,
            paths,
            key_file,
        })
    }
}

#[cfg(unix)]
fn group_id(group: &str) -> Result<u32> {
    if let Ok(gid) = group.parse::<u32>() {
        return Ok(gid);
    }
    let name = std::ffi::CString::new(group)
        .map_err(|_| AppError::Invalid(format!("'{group}' is not a group name")))?;
    let mut buf = vec![0 as libc::c_char; 16 * 1024];
    // SAFETY: all-zero bytes are a valid `group` (null pointers, zero gid).
    let mut grp: libc::group = unsafe { std::mem::zeroed() };
    let mut result: *mut libc::group = std::ptr::null_mut();
    // SAFETY: every pointer is valid for the call; the buffer's length is passed.
    let rc = unsafe {
        libc::getgrnam_r(
            name.as_ptr(),
            &mut grp,
            buf.as_mut_ptr(),
            buf.len(),
            &mut result,
        )
    };
    if rc != 0 || result.is_null() {
        return Err(AppError::Invalid(format!(
            "there is no group '{group}'; create it (groupadd {group}) and add the sales team to it (usermod -aG {group} USER)"
        )));
    }
    Ok(grp.gr_gid)
}

#[cfg(unix)]
fn set_group(path: &Path, gid: u32, mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::os::unix::fs::chown(path, None, Some(gid)).map_err(|e| {
        AppError::Invalid(format!(
            "cannot give {} to group {gid}: {e} (you must own it and be in the group, or be root)",
            path.display()
        ))
    })?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
    Ok(())
}

#[cfg(unix)]
fn restrict(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    Ok(())
}

#[cfg(not(unix))]
fn group_id(_: &str) -> Result<u32> {
    Err(AppError::Invalid(
        "sharing by group needs a Unix system".into(),
    ))
}

#[cfg(not(unix))]
fn set_group(_: &Path, _: u32, _: u32) -> Result<()> {
    Ok(())
}

#[cfg(not(unix))]
fn restrict(_: &Path) -> Result<()> {
    Ok(())
}
