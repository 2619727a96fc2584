//! Interop: Microsoft's msal-node (pinned in `tests/interop/package.json`),
//! unchanged, against the simulator over TLS: client credentials, device
//! code approved through the control API (msal-node asks with the short
//! grant type `device_code`, MSAL for Python with the URN; Entra takes
//! both), and a forced silent refresh from its cache. Without Node or
//! `npm ci` in `tests/interop` the test says so and skips, except under
//! `CI=true`, where that is a failure.

mod common;

use std::process::Command;

use common::{MAILBOX, TestSim};
use emaillog::sim::SimConfig;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn msal_node_client_credentials_device_code_and_silent_refresh() {
    let dir = match common::interop_node("@azure/msal-node") {
        Ok(dir) => dir,
        Err(why) => {
            common::skip_without("the msal-node interop test", &why);
            return;
        }
    };
    let sim = TestSim::start(SimConfig {
        device_interval_secs: 1,
        ..SimConfig::default()
    })
    .await;
    sim.add(MAILBOX, "inbox", serde_json::json!([])).await;
    let ca = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(ca.path(), sim.server.ca_pem.as_deref().unwrap()).unwrap();
    let mut cmd = Command::new("node");
    cmd.arg("msal-node-flows.mjs")
        .current_dir(&dir)
        .env("SIM_BASE", &sim.base)
        .env("SIM_TENANT", "contoso.example")
        .env("SIM_CLIENT_ID", &sim.config.client_id)
        .env("SIM_CLIENT_SECRET", &sim.config.client_secret)
        .env("SIM_ACCOUNT", "admin@contoso.example")
        .env("NODE_EXTRA_CA_CERTS", ca.path());
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.trim_end().ends_with("done"),
        "msal-node failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for step in [
        "ok: device code: msal-node polled through authorization_pending",
        "ok: device code: token for the account",
        "ok: client_info: home account id is oid.tid",
        "ok: silent refresh: new access token",
    ] {
        assert!(stdout.contains(step), "missing {step:?} in:\n{stdout}");
    }
}
