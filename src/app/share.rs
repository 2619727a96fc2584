//! Giving a sales team the user view: the database and its WAL and SHM
//! files become readable and writable by one group; the key file stays the
//! admin's (0600). The database's folder is never made group-writable (a
//! member could then swap the key file, or in a home folder `.bashrc`):
//! the database must be in a folder of its own, which gets the group with
//! setgid and read access only, and the WAL and SHM files are kept in
//! place (persistent WAL) so members never need to create them.

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

/// The files a shared database's folder may hold besides nothing: the
/// database, its WAL, SHM and rollback journal, and its key file.
pub fn foreign_files(db: &Path, key: &Path, names: &[String]) -> Vec<String> {
    let base = db
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let key_name = (crate::file_trust::folder_of(key) == crate::file_trust::folder_of(db))
        .then(|| key.file_name().map(|n| n.to_string_lossy().into_owned()))
        .flatten();
    let mut out: Vec<String> = names
        .iter()
        .filter(|n| {
            !["", "-wal", "-shm", "-journal"]
                .iter()
                .any(|s| **n == format!("{base}{s}"))
                && Some(n.as_str()) != key_name.as_deref()
        })
        .cloned()
        .collect();
    out.sort();
    out
}

impl App {
    /// Makes the database group-readable and writable for `group`.
    pub fn share_with_group(&self, group: &str) -> Result<Shared> {
        self.require_admin()?;
        let db = self.db_path().to_path_buf();
        if !db.exists() {
            return Err(AppError::Invalid(format!(
                "there is no database at {}; set emaillog up first, or give the right --db",
                db.display()
            )));
        }
        let gid = group_id(group)?;
        let dir = crate::file_trust::folder_of(&db).to_path_buf();
        let key_file = crate::auth::secrets::key_path_for(&db);
        let names: Vec<String> = std::fs::read_dir(&dir)?
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        let others = foreign_files(&db, &key_file, &names);
        if !others.is_empty() {
            let shown: Vec<&str> = others.iter().take(5).map(String::as_str).collect();
            return Err(AppError::Invalid(format!(
                "the folder {} holds other files ({}{}): the database must be in a folder of its own before it is shared, so the group can reach nothing else. Move it: mkdir -m 700 /srv/emaillog && mv {} {}* /srv/emaillog/ && emaillog --db /srv/emaillog/{} setup share --group {group}",
                dir.display(),
                shown.join(", "),
                if others.len() > 5 { ", …" } else { "" },
                key_file.display(),
                db.display(),
                db.file_name()
                    .map(|n| n.to_string_lossy())
                    .unwrap_or_default(),
            )));
        }
        // Group-writable first: opening it then makes the WAL and SHM files
        // and keeps them (persistent WAL), before they are given to the group.
        set_group(&db, gid, 0o660)?;
        self.store()?;
        let mut paths = Vec::new();
        // The folder: the group may enter and read it, never write it;
        // setgid keeps files SQLite makes there in the group.
        set_group(&dir, gid, 0o2750)?;
        paths.push(dir.clone());
        paths.push(db.clone());
        for suffix in ["-wal", "-shm"] {
            let mut name = db.as_os_str().to_os_string();
            name.push(suffix);
            let p = PathBuf::from(name);
            if p.exists() {
                set_group(&p, gid, 0o660)?;
                paths.push(p);
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shared_database_must_have_its_folder_to_itself() {
        let db = Path::new("/srv/el/emaillog.db");
        let key = Path::new("/srv/el/emaillog.db.key");
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(
            foreign_files(
                db,
                key,
                &names(&[
                    "emaillog.db",
                    "emaillog.db-wal",
                    "emaillog.db-shm",
                    "emaillog.db.key"
                ])
            )
            .is_empty()
        );
        assert_eq!(
            foreign_files(db, key, &names(&["emaillog.db", ".bashrc", "notes.txt"])),
            vec![".bashrc".to_string(), "notes.txt".to_string()]
        );
        // A key file kept elsewhere (EMAILLOG_KEY_FILE) does not excuse one here.
        let elsewhere = Path::new("/root/keys/emaillog.db.key");
        assert_eq!(
            foreign_files(db, elsewhere, &names(&["emaillog.db", "emaillog.db.key"])),
            vec!["emaillog.db.key".to_string()]
        );
    }
}
