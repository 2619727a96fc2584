//! A throwaway PostgreSQL server for the tests (design/postgres.md): Debian's
//! server binaries, `initdb` in a temporary folder (as the `postgres` user
//! when the tests run as root: initdb refuses root), a loopback port,
//! `fsync=off`, password (SCRAM) sign-in over TCP, and TLS with a
//! certificate for `localhost` and 127.0.0.1 signed by a CA made here.
//! Stopped by its pid when dropped. Without the server binaries the tests
//! say so and skip, except under `CI=true`.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

pub const SUPERUSER: &str = "emaillog";
pub const PASSWORD: &str = "s3cret-pg-pass";

pub struct Postgres {
    dir: tempfile::TempDir,
    pub port: u16,
    /// The CA that signed the server's certificate (PEM file).
    pub ca_file: PathBuf,
    data: PathBuf,
}

/// The newest installed server's binaries, if any.
fn bin_dir() -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|p| p.join("initdb").exists() && p.join("pg_ctl").exists())
        .collect();
    dirs.sort_by_key(|p| {
        p.parent()
            .and_then(|v| v.file_name())
            .and_then(|v| v.to_str())
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(0)
    });
    dirs.pop()
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// Whether a server can be started here; under CI it must be.
pub fn available() -> bool {
    let ok = bin_dir().is_some()
        && (!is_root()
            || Command::new("id")
                .arg("postgres")
                .output()
                .is_ok_and(|o| o.status.success()));
    if !ok {
        super::services::skip_without(
            "the PostgreSQL test",
            "the PostgreSQL server is not installed (apt-get install postgresql)",
        );
    }
    ok
}

/// Runs a server binary, as `postgres` when we are root.
fn run(bin: &Path, args: &[&str]) -> std::process::Output {
    let mut c = if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(bin);
        c
    } else {
        Command::new(bin)
    };
    c.args(args).output().unwrap()
}

fn write_owned(path: &Path, text: &str, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    if is_root() {
        let s = Command::new("chown")
            .arg("postgres:")
            .arg(path)
            .status()
            .unwrap();
        assert!(s.success());
    }
}

/// A CA and a server certificate for localhost and 127.0.0.1: (CA PEM,
/// server certificate PEM, server key PEM).
fn certificates() -> (String, String, String) {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer,
        KeyPair, KeyUsagePurpose,
    };
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "emaillog test PostgreSQL CA");
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_key = KeyPair::generate().unwrap();
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca, ca_key);
    let mut leaf =
        CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()]).unwrap();
    leaf.distinguished_name
        .push(DnType::CommonName, "emaillog test PostgreSQL");
    leaf.use_authority_key_identifier_extension = true;
    leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let leaf_key = KeyPair::generate().unwrap();
    let leaf_cert = leaf.signed_by(&leaf_key, &issuer).unwrap();
    (ca_cert.pem(), leaf_cert.pem(), leaf_key.serialize_pem())
}

impl Postgres {
    pub fn start() -> Postgres {
        Self::start_with(true)
    }

    /// A server that offers no TLS at all (`ssl=off`): a client must
    /// refuse it rather than send its password in clear.
    pub fn start_without_tls() -> Postgres {
        Self::start_with(false)
    }

    fn start_with(tls: bool) -> Postgres {
        use std::os::unix::fs::PermissionsExt;
        let bin = bin_dir().expect("available() was checked");
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();
        let home = d.join("pg");
        std::fs::create_dir(&home).unwrap();
        if is_root() {
            let s = Command::new("chown")
                .arg("postgres:")
                .arg(&home)
                .status()
                .unwrap();
            assert!(s.success());
        }
        let (ca, cert, key) = certificates();
        let ca_file = d.join("ca.pem");
        std::fs::write(&ca_file, ca).unwrap();
        write_owned(&home.join("server.crt"), &cert, 0o644);
        write_owned(&home.join("server.key"), &key, 0o600);
        write_owned(&home.join("pwfile"), PASSWORD, 0o600);
        let data = home.join("data");
        let init = run(
            &bin.join("initdb"),
            &[
                "-D",
                data.to_str().unwrap(),
                "-U",
                SUPERUSER,
                "--pwfile",
                home.join("pwfile").to_str().unwrap(),
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ],
        );
        assert!(
            init.status.success(),
            "initdb: {}",
            String::from_utf8_lossy(&init.stderr)
        );
        let port = super::services::free_port();
        let options = format!(
            "-c listen_addresses=127.0.0.1 -p {port} -k {} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 -c ssl={} -c ssl_cert_file={} -c ssl_key_file={}",
            home.display(),
            if tls { "on" } else { "off" },
            home.join("server.crt").display(),
            home.join("server.key").display()
        );
        let log = home.join("server.log");
        let started = run(
            &bin.join("pg_ctl"),
            &[
                "-D",
                data.to_str().unwrap(),
                "-l",
                log.to_str().unwrap(),
                "-w",
                "-t",
                "60",
                "-o",
                &options,
                "start",
            ],
        );
        assert!(
            started.status.success(),
            "pg_ctl start: {} {}",
            String::from_utf8_lossy(&started.stderr),
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        Postgres {
            dir,
            port,
            ca_file,
            data,
        }
    }

    /// A URL for the superuser, without a password (PGPASSWORD or the
    /// caller adds it), to `db` with the sslmode given.
    pub fn url(&self, db: &str, sslmode: &str) -> String {
        format!(
            "postgres://{SUPERUSER}@127.0.0.1:{}/{db}?sslmode={sslmode}",
            self.port
        )
    }

    /// The superuser's URL (with its password) to the `postgres` database,
    /// for what a test does as the administrator.
    #[allow(dead_code)]
    pub fn admin_url(&self) -> String {
        format!(
            "postgres://{SUPERUSER}:{PASSWORD}@127.0.0.1:{}/postgres?sslmode=disable",
            self.port
        )
    }

    /// Creates the empty database `name` and returns a URL to it that
    /// carries the password (plain TCP: the server is on loopback).
    #[allow(dead_code)]
    pub fn database(&self, name: &str) -> String {
        emaillog::store::testing::create_database(&self.admin_url(), name)
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("pg/server.log")).unwrap_or_default()
    }
}

impl Drop for Postgres {
    /// Stops the server by its pid (fast shutdown) and waits for it to go.
    fn drop(&mut self) {
        let pid = std::fs::read_to_string(self.data.join("postmaster.pid"))
            .ok()
            .and_then(|t| t.lines().next().and_then(|l| l.trim().parse::<i32>().ok()));
        let Some(pid) = pid else { return };
        // SAFETY: kill with a pid read from the server's own pid file.
        unsafe { libc::kill(pid, libc::SIGINT) };
        let deadline = Instant::now() + Duration::from_secs(30);
        // SAFETY: signal 0 only asks whether the process is there.
        while unsafe { libc::kill(pid, 0) } == 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// A connection of the superuser's to the `postgres` database.
#[allow(dead_code)]
pub fn connect_admin(pg: &Postgres) -> emaillog::store::db::Db {
    emaillog::store::testing::connect(std::path::Path::new(&pg.admin_url()))
}
