//! A throwaway Unix user and group, for tests of what another account on
//! the machine (a member of the group a database is shared with) sees.

use std::path::Path;
use std::process::{Command, Output};

use super::skip_without;

/// A Unix user and group made for this test, removed when it ends.
pub struct Member {
    pub user: String,
    pub group: String,
}

/// A temporary folder the member may pass through (0711, not list) to
/// reach a database shared with its group inside it.
pub fn traversable_dir() -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o711)).unwrap();
    dir
}

impl Member {
    pub fn create() -> Option<Self> {
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } != 0 {
            skip_without(
                "the group-member test",
                "it creates a throwaway Unix user, which needs root",
            );
            return None;
        }
        let tag = std::process::id();
        let m = Member {
            user: format!("elu{tag}"),
            group: format!("elg{tag}"),
        };
        let ok = |c: &mut Command| c.status().is_ok_and(|s| s.success());
        if !ok(Command::new("groupadd").arg(&m.group))
            || !ok(Command::new("useradd").args([
                "-M",
                "-N",
                "-g",
                &m.group,
                "-s",
                "/usr/sbin/nologin",
                &m.user,
            ]))
        {
            skip_without(
                "the group-member test",
                "groupadd/useradd failed (install passwd, or run where users can be made)",
            );
            return None;
        }
        Some(m)
    }

    pub fn uid(&self) -> u32 {
        let o = Command::new("id")
            .args(["-u", &self.user])
            .output()
            .unwrap();
        String::from_utf8_lossy(&o.stdout).trim().parse().unwrap()
    }

    /// `emaillog ARGS` as the member (no CA file: it reads nothing of ours).
    pub fn emaillog(&self, db: &Path, args: &[&str], stdin: &[u8]) -> Output {
        self.run(
            Command::new(env!("CARGO_BIN_EXE_emaillog"))
                .arg("--db")
                .arg(db)
                .args(args),
            stdin,
        )
    }

    pub fn run(&self, cmd: &Command, stdin: &[u8]) -> Output {
        use std::io::Write;
        let mut c = Command::new("setpriv");
        c.args([
            &format!("--reuid={}", self.user),
            &format!("--regid={}", self.group),
            "--init-groups",
            "--",
        ])
        .arg(cmd.get_program())
        .args(cmd.get_args())
        .env_clear()
        .env("HOME", "/nonexistent")
        .env("PATH", "/usr/bin:/bin")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
        let mut child = c.spawn().unwrap();
        let _ = child.stdin.take().unwrap().write_all(stdin);
        child.wait_with_output().unwrap()
    }
}

impl Drop for Member {
    fn drop(&mut self) {
        let _ = Command::new("userdel").arg(&self.user).status();
        let _ = Command::new("groupdel").arg(&self.group).status();
    }
}
