//! Interop: Microsoft's own Python clients, unchanged, against the
//! simulator over TLS. MSAL for Python (client credentials, device code
//! approved through the control API, silent refresh from a restored
//! cache) and the Microsoft Graph Python SDK (list the Inbox with paging,
//! get, move to Archive, delta) run as scripts in `tests/interop/python/`,
//! in the pinned venv `tests/interop/python/setup-venv` makes (`.ci/run`
//! makes it first; a test makes it when it is missing). Without Python the
//! tests say so and skip, except under `CI=true`, where that is a failure.

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use common::{MAILBOX, TestSim, message};
use emaillog::sim::SimConfig;
use serde_json::Value;

fn python_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/interop/python")
}

/// The venv's python, made once per test process; `None` (after saying
/// why) when there is no Python and this is not CI.
fn venv_python() -> Option<PathBuf> {
    static MADE: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let made = MADE.get_or_init(|| {
        let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
        let has_python = Command::new(&python)
            .args(["-c", "import venv, ensurepip"])
            .output()
            .is_ok_and(|o| o.status.success());
        if !has_python {
            return Err(format!("{python} with venv and pip is not installed"));
        }
        let out = Command::new(python_dir().join("setup-venv"))
            .output()
            .map_err(|e| format!("setup-venv could not start: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "setup-venv failed (PyPI unreachable?): {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(python_dir().join(".venv/bin/python"))
    });
    match made {
        Ok(p) => Some(p.clone()),
        Err(why) => {
            common::skip_without("the Python interop test", why);
            None
        }
    }
}

/// Runs `script` with the simulator's coordinates; returns its `ok:` lines
/// after asserting it finished.
fn run_script(python: &PathBuf, script: &str, sim: &TestSim, extra: &[(&str, String)]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("sim-ca.pem");
    std::fs::write(&ca, sim.server.ca_pem.as_deref().unwrap()).unwrap();
    let mut cmd = Command::new(python);
    cmd.arg("-u")
        .arg(python_dir().join(script))
        .env("SIM_BASE", &sim.base)
        .env("SIM_TENANT", "contoso.example")
        .env("SIM_CLIENT_ID", &sim.config.client_id)
        .env("SIM_CLIENT_SECRET", &sim.config.client_secret)
        .env("SIM_MAILBOX", MAILBOX)
        // requests (MSAL), httpx (the SDK) and aiohttp (azure-identity)
        // trust the simulator's CA through these, and only it.
        .env("REQUESTS_CA_BUNDLE", &ca)
        .env("SSL_CERT_FILE", &ca)
        .env_remove("HTTPS_PROXY")
        .env_remove("https_proxy")
        .env("NO_PROXY", "127.0.0.1,localhost");
    for (k, v) in extra {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success() && stdout.trim_end().ends_with("done"),
        "{script} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn msal_python_client_credentials_device_code_and_silent_refresh() {
    let Some(python) = venv_python() else { return };
    let sim = TestSim::start(SimConfig {
        device_interval_secs: 1,
        ..SimConfig::default()
    })
    .await;
    sim.add(MAILBOX, "inbox", serde_json::json!([])).await;
    let out = tokio::task::spawn_blocking({
        let python = python.clone();
        move || {
            let out = run_script(
                &python,
                "msal_flows.py",
                &sim,
                &[("SIM_ACCOUNT", "admin@contoso.example".into())],
            );
            (out, sim)
        }
    })
    .await
    .unwrap();
    let (out, _sim) = out;
    for step in [
        "ok: client credentials: second call from MSAL's cache",
        "ok: device code: MSAL polled through authorization_pending",
        "ok: id_token signature verifies with the jwks key",
        "ok: client_info: the cached account's home id is oid.tid",
        "ok: silent refresh 2: new access token from the refresh token",
        "ok: refresh token still valid after its first use",
    ] {
        assert!(out.contains(step), "missing {step:?} in:\n{out}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graph_python_sdk_lists_pages_gets_moves_and_reads_delta() {
    let Some(python) = venv_python() else { return };
    let sim = TestSim::default().await;
    let n = 25;
    let batch: Vec<Value> = (0..n)
        .map(|i| {
            message(
                "buyer@fabrikam.example",
                &["sam@contoso.example"],
                &format!("Quote {i}"),
            )
        })
        .collect();
    sim.add(MAILBOX, "inbox", Value::Array(batch)).await;
    let (out, sim) = tokio::task::spawn_blocking(move || {
        let out = run_script(
            &python,
            "graph_sdk.py",
            &sim,
            &[("SIM_EXPECTED", n.to_string())],
        );
        (out, sim)
    })
    .await
    .unwrap();
    assert!(out.contains("ok: moved to Archive (a new id)"), "{out}");
    // What the SDK did is what the mailbox shows.
    assert_eq!(sim.folder_messages(MAILBOX, "archive").await.len(), 1);
    assert_eq!(sim.folder_messages(MAILBOX, "inbox").await.len(), n - 1);
}

/// Norwegian Excel both ways: contacts saved by Excel as `;`-separated
/// Windows-1252 with Æ Ø Å (columns in its own order, one extra) are
/// imported through the command line; their mail is logged; the export with
/// `;` and a contact filter by name is read back by Python's own `csv`
/// module as Excel would read it (UTF-8 with BOM).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_norwegian_excel_file_goes_in_and_the_export_reads_back_in_python() {
    let Some(python) = venv_python() else { return };
    let sim = TestSim::default().await;
    let dir = tempfile::tempdir().unwrap();
    let app = common::engine_app(&sim, dir.path());
    let db = app.db_path().to_path_buf();
    let csv = dir.path().join("kontakter.csv");
    std::fs::write(
        &csv,
        b"Firma;Navn;E-post;Nr;Telefon\r\n\
Fj\xf8rd AS;\xc6sa \xd8deg\xe5rd;asa@fjord.example;K1;+47 22 00 00 00\r\n\
Bl\xe5b\xe6r AS;\xc5se Berg;ase@blabaer.example;K2;\r\n",
    )
    .unwrap();
    let o = common::emaillog_ok(&db, &["import", "contacts", csv.to_str().unwrap()]);
    let said = String::from_utf8_lossy(&o.stdout);
    assert!(
        said.contains(
            "imported 2 contacts (read as Windows-1252, ';'-separated; ignored columns: Telefon)"
        ),
        "{said}"
    );
    sim.add(
        MAILBOX,
        "inbox",
        serde_json::json!([
            message(
                "asa@fjord.example",
                &["annette@contoso.example"],
                "Tilbud på 40 stoler"
            ),
            message("ben@contoso.example", &["ase@blabaer.example"], "Prøver"),
        ]),
    )
    .await;
    common::emaillog_ok(&db, &["sync", "--once"]);
    let out = common::emaillog_ok(
        &db,
        &[
            "export",
            "interactions",
            "--delimiter",
            ";",
            "--contact",
            "ødegård",
        ],
    );
    assert!(
        out.stdout.starts_with(b"\xef\xbb\xbf"),
        "a UTF-8 BOM for Excel"
    );
    let read = Command::new(&python)
        .args([
            "-c",
            "import csv, io, json, sys\n\
rows = list(csv.DictReader(io.TextIOWrapper(sys.stdin.buffer, encoding='utf-8-sig', newline=''), delimiter=';'))\n\
print(json.dumps(rows))",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(&out.stdout)?;
            child.wait_with_output()
        })
        .unwrap();
    assert!(
        read.status.success(),
        "{}",
        String::from_utf8_lossy(&read.stderr)
    );
    let rows: Vec<Value> = serde_json::from_slice(&read.stdout).unwrap();
    assert_eq!(rows.len(), 1, "only Æsa's entry: {rows:?}");
    let r = &rows[0];
    assert_eq!(r["contact_name"], "Æsa Ødegård");
    assert_eq!(r["contact_company"], "Fjørd AS");
    assert_eq!(r["contact_no"], "K1");
    assert_eq!(r["salesperson_name"], "Annette Hill");
    assert_eq!(r["subject"], "Tilbud på 40 stoler");
    assert!(
        chrono::DateTime::parse_from_rfc3339(r["datetime"].as_str().unwrap()).is_ok(),
        "ISO 8601 with offset: {}",
        r["datetime"]
    );
}
