//! `emaillog demo`: the whole product against the built-in simulator — a
//! Contoso shared mailbox with mail arriving — on a fresh database.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;

use crate::app::App;
use crate::app::setup_edit::SetupChanges;
use crate::domain::setup::{AuthFlow, Unmatched};
use crate::sim::seed::{DEMO_MAILBOX, DEMO_NORDIC_MAILBOX, DEMO_QUEUE, DEMO_SKIPPED, DEMO_STORAGE};
use crate::sim::{Seed, SimConfig, SimServer};

/// `ui`: open the terminal UI on the demo (else print the engine's log).
pub async fn run(
    explicit_db: Option<PathBuf>,
    arrival_secs: f64,
    ui: Option<crate::tui::UiOptions>,
) -> anyhow::Result<()> {
    if !(arrival_secs.is_finite() && arrival_secs > 0.0) {
        anyhow::bail!("--arrival-secs must be a positive number of seconds");
    }
    let temp = tempfile::Builder::new()
        .prefix("emaillog-demo-")
        .tempdir()
        .context("cannot create a temporary folder")?;
    let db = explicit_db.unwrap_or_else(|| temp.path().join("emaillog.db"));
    let people = temp.path().join("people");
    let config = SimConfig {
        seed: Seed::Demo,
        people_dir: Some(people.clone()),
        arrival_every: Duration::from_secs_f64(arrival_secs),
        // Over https with its own CA, as the real service is reached.
        tls: true,
        ca_file: Some(temp.path().join("sim-ca.pem")),
        ..SimConfig::default()
    };
    let secret = config.client_secret.clone();
    let client_id = config.client_id.clone();
    let setup_client_id = client_id.clone();
    let sim = SimServer::start("127.0.0.1:0".parse()?, config)
        .await
        .context("cannot start the simulator")?;
    if let Some(ca) = &sim.ca_pem {
        crate::net::trust_ca_pem(ca.as_bytes()).map_err(anyhow::Error::msg)?;
    }
    let app = App::new(&db);
    app.import_salespeople(std::fs::File::open(people.join("salespeople.csv"))?, false)?;
    app.import_contacts(std::fs::File::open(people.join("contacts.csv"))?, false)?;
    app.change_setup(&SetupChanges {
        mailbox: Some(DEMO_MAILBOX.into()),
        tenant: Some("contoso.example".into()),
        client_id: Some(client_id.clone()),
        graph_url: Some(sim.graph_url()),
        authority: Some(sim.base_url()),
        auth_flow: Some(AuthFlow::ClientCredentials),
        unmatched: Some(Unmatched::SkipFolder),
        job_interval_secs: Some(5),
        ..Default::default()
    })?;
    app.set_client_secret(&secret)?;
    // Signed in as the admin would be (app-only: the token is asked for
    // now), so Setup and its checklist show the account.
    app.login(
        Some(AuthFlow::ClientCredentials),
        |_| {},
        &crate::stop::Stop::never(),
    )
    .await
    .context("the demo's app-only sign-in against the simulator failed")?;
    // Mail with the company's lawyers is never logged (Setup, n).
    app.never_log("counsel.example")?;
    app.enable(0)?;
    // A second logging mailbox, as the older experience has it: mail read
    // from a queue folder and kept in a storage folder (Status: m).
    let nordic = app.add_mailbox(DEMO_NORDIC_MAILBOX)?;
    nordic.change_setup(&SetupChanges {
        tenant: Some("contoso.example".into()),
        client_id: Some(setup_client_id),
        graph_url: Some(sim.graph_url()),
        authority: Some(sim.base_url()),
        auth_flow: Some(AuthFlow::ClientCredentials),
        unmatched: Some(Unmatched::SkipFolder),
        job_interval_secs: Some(5),
        queue_folder: Some(DEMO_QUEUE.into()),
        storage_folder: Some(DEMO_STORAGE.into()),
        skip_folder: Some(DEMO_SKIPPED.into()),
        ..Default::default()
    })?;
    nordic.set_client_secret(&secret)?;
    nordic
        .login(
            Some(AuthFlow::ClientCredentials),
            |_| {},
            &crate::stop::Stop::never(),
        )
        .await
        .context("the demo's second mailbox could not sign in to the simulator")?;
    nordic.enable(0)?;
    // The screens start on the first mailbox.
    let app = app.with_mailbox(1);
    if let Some(mut ui) = ui {
        // The demo's log goes beside its database unless told otherwise.
        ui.log_file
            .get_or_insert_with(|| temp.path().join("emaillog.log"));
        let result = crate::tui::run(app, ui).await;
        sim.stop().await;
        return result;
    }
    println!("emaillog demo");
    println!(
        "  simulated Microsoft 365 at {} (shared mailboxes {DEMO_MAILBOX}, and {DEMO_NORDIC_MAILBOX} read from {DEMO_QUEUE})",
        sim.base_url()
    );
    println!("  database {}", db.display());
    println!(
        "  in another terminal: emaillog --db {} export interactions --format csv",
        db.display()
    );
    println!("  Ctrl-C to stop\n");
    let result = super::jobs::run(&app).await;
    sim.stop().await;
    result
}
