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
    let db = emaillog::store::testing::fresh_database(dir.path(), "caps.db");
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
        .preview_import(
            std::path::Path::new("/dev/zero"),
            false,
            &emaillog::stop::Stop::never(),
        )
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("longer than 65536 bytes"), "{e}");
}

/// Esc in the UI gives up an import's read between two reads of the file:
/// a FIFO fed valid rows without end (far below the caps for a long while)
/// is read until the stop, then the preview is `Cancelled`, not a preview
/// and not the size cap.
#[test]
fn an_imports_read_stops_when_asked() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let db = emaillog::store::testing::fresh_database(dir.path(), "stop.db");
    emaillog_ok(&db, &["setup", "set", "--mailbox", MAILBOX]);
    let fifo = dir.path().join("contacts.csv");
    let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: mkfifo reads the NUL-terminated path it is given.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let (rows_tx, rows_rx) = std::sync::mpsc::channel::<u64>();
    let writer_path = fifo.clone();
    let writer = std::thread::spawn(move || {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .open(&writer_path)
            .unwrap();
        f.write_all(b"no,name,company,email,alt_emails\n").unwrap();
        let mut n = 0u64;
        // Until the reader closes its end (EPIPE: SIGPIPE is ignored by
        // Rust's runtime); counts what it wrote.
        while writeln!(f, "C{n},Name {n},Company,c{n}@example.com,").is_ok() {
            n += 1;
            if n.is_multiple_of(1000) {
                let _ = rows_tx.send(n);
            }
        }
        n
    });
    let (handle, stop) = emaillog::stop::stop_pair();
    let app = emaillog::app::App::new(&db);
    let check = app.clone();
    let reader = std::thread::spawn(move || {
        app.preview_import(&fifo, false, &stop)
            .map(|_| ())
            .map_err(|e| e.to_string())
    });
    // Stop once the read is well under way (it has taken 2,000 rows).
    while rows_rx.recv().unwrap() < 2000 {}
    handle.stop();
    let got = reader.join().unwrap();
    assert_eq!(
        got,
        Err(emaillog::app::AppError::Cancelled.to_string()),
        "the read ends at the stop"
    );
    let written = writer.join().unwrap();
    // It ended at the stop, not at the 64 MiB cap (1.4 million such rows):
    // after the stop the reader takes one more read at most, and the pipe
    // holds at most 1 MiB.
    assert!((2000..100_000).contains(&written), "{written}");
    // Nothing was imported.
    assert!(check.people().unwrap().1.is_empty());
}
