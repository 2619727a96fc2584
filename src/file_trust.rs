//! Whether a file that guards secrets can be trusted: the key file is the
//! admin's only if nobody else could have written or swapped it. The
//! verdicts are pure functions of the files' facts (kind, owner, mode) and
//! the current user, tested with tables; gathering the facts never follows
//! a symlink.

use std::path::Path;

/// What a verdict needs to know of a file or folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Facts {
    pub kind: Kind,
    pub uid: u32,
    pub mode: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    File,
    Dir,
    Symlink,
    Other,
}

const STICKY: u32 = 0o1000;

/// A regular file, not a link to one (which could point anywhere).
fn regular_file(file: Facts) -> Result<(), String> {
    match file.kind {
        Kind::File => Ok(()),
        Kind::Symlink => Err("it is a symbolic link, not a file".into()),
        _ => Err("it is not a regular file".into()),
    }
}

/// A file of this user.
fn owned_by(file: Facts, euid: u32) -> Result<(), String> {
    if file.uid != euid {
        return Err(format!("it belongs to user {} (you are {euid})", file.uid));
    }
    Ok(())
}

/// The key file is trusted only when it is a regular file of this user,
/// readable and writable by nobody else, in a folder nobody else can
/// rename it in (owned by this user or root, and not writable by group or
/// others unless the sticky bit keeps them to their own files).
pub fn key_file_verdict(file: Facts, folder: Facts, euid: u32) -> Result<(), String> {
    regular_file(file)?;
    owned_by(file, euid)?;
    if file.mode & 0o077 != 0 {
        return Err(format!(
            "others may read or write it (mode {:04o}; chmod 600 it)",
            file.mode & 0o7777
        ));
    }
    folder_verdict(folder, euid)
}

/// A folder that holds something only this user may change.
pub fn folder_verdict(folder: Facts, euid: u32) -> Result<(), String> {
    if folder.kind != Kind::Dir {
        return Err("its folder is not a folder".into());
    }
    if folder.uid != euid && folder.uid != 0 {
        return Err(format!(
            "its folder belongs to user {} (you are {euid})",
            folder.uid
        ));
    }
    if folder.mode & 0o022 != 0 && folder.mode & STICKY == 0 {
        return Err(format!(
            "others may write its folder (mode {:04o}) and so replace it; chmod go-w the folder",
            folder.mode & 0o7777
        ));
    }
    Ok(())
}

/// An existing database file is adopted only when it is this user's and
/// not writable by every user (an empty 0666 file someone left there).
pub fn database_verdict(file: Facts, euid: u32, empty: bool) -> Result<(), String> {
    regular_file(file)?;
    if file.mode & 0o002 != 0 {
        return Err(format!(
            "every user may write it (mode {:04o}; chmod o-w it)",
            file.mode & 0o7777
        ));
    }
    if empty && file.uid != euid {
        return Err(format!(
            "it is an empty file of user {} (you are {euid}); remove it, or create the database as its owner",
            file.uid
        ));
    }
    Ok(())
}

/// A log file we append to: a regular file of this user that nobody else
/// may write (one planted in a shared folder, or a link to another file,
/// is refused).
pub fn log_file_verdict(file: Facts, euid: u32) -> Result<(), String> {
    regular_file(file)?;
    owned_by(file, euid)?;
    if file.mode & 0o022 != 0 {
        return Err(format!(
            "others may write it (mode {:04o}; chmod go-w it)",
            file.mode & 0o7777
        ));
    }
    Ok(())
}

/// The facts of `path` itself (a symlink is reported as one).
#[cfg(unix)]
pub fn facts(path: &Path) -> std::io::Result<Facts> {
    Ok(facts_of(&std::fs::symlink_metadata(path)?))
}

/// The facts in metadata already read (followed through a symlink or not,
/// as the caller read it).
#[cfg(unix)]
pub fn facts_of(m: &std::fs::Metadata) -> Facts {
    use std::os::unix::fs::MetadataExt;
    let t = m.file_type();
    let kind = if t.is_symlink() {
        Kind::Symlink
    } else if t.is_file() {
        Kind::File
    } else if t.is_dir() {
        Kind::Dir
    } else {
        Kind::Other
    };
    Facts {
        kind,
        uid: m.uid(),
        mode: m.mode(),
    }
}

/// The folder a path is in ("." for a bare name).
pub fn folder_of(path: &Path) -> &Path {
    path.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// The current effective user.
#[cfg(unix)]
pub fn euid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// Checks the key file at `path` (which exists) as [`key_file_verdict`] does.
#[cfg(unix)]
pub fn check_key_file(path: &Path) -> Result<(), String> {
    let file = facts(path).map_err(|e| e.to_string())?;
    let folder = facts(folder_of(path)).map_err(|e| e.to_string())?;
    key_file_verdict(file, folder, euid())
}

#[cfg(not(unix))]
pub fn check_key_file(_: &Path) -> Result<(), String> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ME: u32 = 1000;

    fn f(kind: Kind, uid: u32, mode: u32) -> Facts {
        Facts { kind, uid, mode }
    }

    /// A verdict is Ok when `want` is None, else an error naming `want`.
    fn check(name: &str, got: Result<(), String>, want: Option<&str>) {
        match want {
            None => assert_eq!(got, Ok(()), "{name}"),
            Some(w) => assert!(
                got.as_ref().is_err_and(|e| e.contains(w)),
                "{name}: {got:?}"
            ),
        }
    }

    #[test]
    fn the_key_file_is_trusted_only_when_nobody_else_could_have_made_it() {
        let file = f(Kind::File, ME, 0o100600);
        let home = f(Kind::Dir, ME, 0o40700);
        let cases = [
            ("mine, 0600, in my 0700 folder", file, home, None),
            (
                "in root's 0755 folder",
                file,
                f(Kind::Dir, 0, 0o40755),
                None,
            ),
            (
                "in /tmp (sticky, 1777)",
                file,
                f(Kind::Dir, 0, 0o41777),
                None,
            ),
            (
                "a symlink",
                f(Kind::Symlink, ME, 0o120777),
                home,
                Some("symbolic link"),
            ),
            (
                "a folder",
                f(Kind::Dir, ME, 0o40700),
                home,
                Some("not a regular file"),
            ),
            (
                "another user's",
                f(Kind::File, 1001, 0o100600),
                home,
                Some("belongs to user 1001"),
            ),
            (
                "group-readable",
                f(Kind::File, ME, 0o100640),
                home,
                Some("mode 0640"),
            ),
            (
                "world-readable",
                f(Kind::File, ME, 0o100644),
                home,
                Some("mode 0644"),
            ),
            (
                "a group-writable folder (setup share used to make one)",
                file,
                f(Kind::Dir, ME, 0o42770),
                Some("others may write its folder"),
            ),
            (
                "a folder of another user",
                file,
                f(Kind::Dir, 1001, 0o40700),
                Some("folder belongs to user 1001"),
            ),
        ];
        for (name, file, folder, want) in cases {
            check(name, key_file_verdict(file, folder, ME), want);
        }
    }

    #[test]
    fn a_log_file_is_appended_to_only_when_it_is_ours_alone() {
        assert_eq!(log_file_verdict(f(Kind::File, ME, 0o100600), ME), Ok(()));
        assert_eq!(log_file_verdict(f(Kind::File, ME, 0o100644), ME), Ok(()));
        for (name, file, want) in [
            ("a symlink", f(Kind::Symlink, ME, 0o120777), "symbolic link"),
            ("root's", f(Kind::File, 0, 0o100644), "belongs to user 0"),
            ("world-writable", f(Kind::File, ME, 0o100666), "mode 0666"),
        ] {
            let got = log_file_verdict(file, ME);
            assert!(
                got.as_ref().is_err_and(|e| e.contains(want)),
                "{name}: {got:?}"
            );
        }
    }

    #[test]
    fn an_existing_database_is_adopted_only_when_it_is_safe() {
        let cases = [
            ("mine", f(Kind::File, ME, 0o100600), true, None),
            (
                "shared with a group",
                f(Kind::File, 1001, 0o100660),
                false,
                None,
            ),
            (
                "world-writable",
                f(Kind::File, ME, 0o100666),
                false,
                Some("every user may write"),
            ),
            (
                "someone's empty file",
                f(Kind::File, 1001, 0o100644),
                true,
                Some("empty file of user 1001"),
            ),
            (
                "a symlink",
                f(Kind::Symlink, ME, 0o120777),
                false,
                Some("symbolic link"),
            ),
        ];
        for (name, file, empty, want) in cases {
            check(name, database_verdict(file, ME, empty), want);
        }
    }
}
