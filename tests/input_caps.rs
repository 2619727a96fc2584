//! Input that never ends: a CSV, a secret or a CA file read from an
//! endless stream fails at once with what the cap is, on the command line
//! and through the application API the UI uses, using a few megabytes.
//! (Its own test binary, so the peak memory of its children is its own.)

mod common;

use common::*;

fn peak_child_rss_mib() -> f64 {
    // SAFETY: getrusage fills the struct it is given and has no other effect.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut ru) };
    ru.ru_maxrss as f64 / 1024.0
}

#[test]
fn dev_zero_as_a_csv_a_secret_or_a_ca_file_is_refused_at_its_cap() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("caps.db");
    emaillog_ok(&db, &["setup", "set", "--mailbox", MAILBOX]);
    for what in ["salespeople", "contacts"] {
        let out = emaillog_on(&db, &["import", what, "/dev/zero"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(
            err.contains("line 1 is longer than 65536 bytes"),
            "{what}: {err}"
        );
    }
    let out = emaillog_cmd()
        .arg("--db")
        .arg(&db)
        .args(["setup", "secret", "--stdin"])
        .stdin(std::fs::File::open("/dev/zero").unwrap())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("the secret on standard input is refused"),
        "{err}"
    );
    let out = emaillog_cmd()
        .arg("--db")
        .arg(&db)
        .args(["--ca-file", "/dev/zero", "setup", "show"])
        .env_remove("EMAILLOG_CA_FILE")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("is refused"), "{err}");
    let peak = peak_child_rss_mib();
    assert!(peak < 64.0, "a child used {peak:.1} MiB reading /dev/zero");

    // The UI's import preview reads through the same caps.
    let app = emaillog::app::App::new(&db);
    let e = app
        .preview_import(std::path::Path::new("/dev/zero"), false)
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("longer than 65536 bytes"), "{e}");
}
