//! `emaillog sim serve`: the simulator as a process of its own.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};

use crate::sim::{Seed, SimConfig, SimServer};

#[derive(Debug, Subcommand)]
pub enum SimCommand {
    /// Serve Graph and the identity platform on ADDR until interrupted.
    Serve(ServeArgs),
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free one.
    #[arg(long, default_value = "127.0.0.1:0")]
    addr: SocketAddr,
    /// Start empty, or with the demo organisation and a stream of mail.
    #[arg(long, value_enum, default_value = "empty")]
    seed: Seed,
    /// The registered app's client id.
    #[arg(long, default_value = crate::sim::state::DEFAULT_CLIENT_ID)]
    client_id: String,
    /// The registered app's client secret.
    #[arg(long, default_value = crate::sim::state::DEFAULT_CLIENT_SECRET)]
    client_secret: String,
    /// Latency added to every Graph request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Throttling window per app and mailbox, as REQUESTS/SECONDS.
    #[arg(long, default_value = "10000/600", value_parser = parse_limit)]
    limit: (usize, u64),
    /// Requests in flight allowed per app and mailbox.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u64).range(1..=1000))]
    concurrency: u64,
    /// Lifetime of access tokens, in seconds.
    #[arg(long, default_value_t = 3600, value_parser = clap::value_parser!(u64).range(1..))]
    token_ttl: u64,
    /// Device-code polling interval the service asks for, in seconds.
    #[arg(long, default_value_t = 5)]
    device_interval: u64,
    /// Lifetime of a device code, in seconds.
    #[arg(long, default_value_t = 900, value_parser = clap::value_parser!(u64).range(1..))]
    device_code_ttl: u64,
    /// With --seed demo: folder for salespeople.csv and contacts.csv.
    #[arg(long)]
    people_dir: Option<PathBuf>,
    /// With --seed demo: mean seconds between arriving messages.
    #[arg(long, default_value_t = 4.0)]
    arrival_secs: f64,
    /// A shared mailbox there from the start (empty); repeat it for several.
    /// With --seed demo, the demo's mailbox is there too.
    #[arg(long = "mailbox", value_name = "ADDRESS", value_parser = parse_mailbox)]
    mailboxes: Vec<String>,
    /// Serve https with a certificate authority made at start.
    #[arg(long)]
    tls: bool,
    /// Full pages and nextLinks whose `$skip` is a plain offset, instead of
    /// the short pages and opaque offsets the real service gives.
    #[arg(long)]
    simple_paging: bool,
    /// With --tls: where to write the CA certificate (PEM) that clients
    /// trust (default: a file in the temporary folder, named on start).
    #[arg(long, requires = "tls")]
    ca_out: Option<PathBuf>,
    /// The directory's tenant GUID: `tid` of every token, and the only GUID
    /// the identity endpoints answer to.
    #[arg(long, default_value = crate::sim::state::DEFAULT_TENANT_ID, value_parser = parse_guid)]
    tenant_id: String,
}

/// A mailbox address, in its comparable form.
fn parse_mailbox(s: &str) -> Result<String, String> {
    crate::domain::address::normalize_address(s)
        .ok_or_else(|| format!("'{s}' is not an email address such as sales-log@contoso.example"))
}

/// A GUID as Entra writes one: 8-4-4-4-12 hex digits, lower case.
fn parse_guid(s: &str) -> Result<String, String> {
    if crate::domain::setup::is_guid(s) {
        Ok(s.to_ascii_lowercase())
    } else {
        Err(format!(
            "'{s}' is not a GUID such as b4f1d1c7-3e5a-4c2e-9f6d-2a8e51c0d7a3"
        ))
    }
}

fn parse_limit(s: &str) -> Result<(usize, u64), String> {
    crate::domain::setup::parse_rate(s).map(|(n, secs)| (n as usize, secs as u64))
}

impl ServeArgs {
    pub fn config(&self) -> anyhow::Result<SimConfig> {
        if !(self.arrival_secs.is_finite() && self.arrival_secs > 0.0) {
            bail!("--arrival-secs must be a positive number of seconds");
        }
        Ok(SimConfig {
            seed: self.seed,
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.clone(),
            latency: Duration::from_millis(self.latency_ms),
            limit: self.limit.0,
            window: Duration::from_secs(self.limit.1),
            concurrency: self.concurrency as usize,
            token_ttl: Duration::from_secs(self.token_ttl),
            device_interval_secs: self.device_interval,
            device_code_ttl: Duration::from_secs(self.device_code_ttl),
            people_dir: self.people_dir.clone(),
            arrival_every: Duration::from_secs_f64(self.arrival_secs),
            tls: self.tls,
            realistic_paging: !self.simple_paging,
            tenant_id: self.tenant_id.clone(),
            mailboxes: self.mailboxes.clone(),
            ca_file: self.tls.then(|| {
                self.ca_out.clone().unwrap_or_else(|| {
                    std::env::temp_dir().join(format!("emaillog-sim-ca-{}.pem", std::process::id()))
                })
            }),
            ..SimConfig::default()
        })
    }
}

pub async fn run(cmd: SimCommand) -> anyhow::Result<()> {
    match cmd {
        SimCommand::Serve(args) => serve(args).await,
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let config = args.config()?;
    let server = SimServer::start(args.addr, config)
        .await
        .with_context(|| format!("cannot listen on {}", args.addr))?;
    // Whoever started us may stop reading after the first line: never die of a closed pipe.
    let mut out = std::io::stdout();
    let _ = writeln!(out, "listening on {}", server.base_url());
    let _ = writeln!(
        out,
        "graph: {}  authority: {}  tenant id: {}",
        server.graph_url(),
        server.base_url(),
        server.sim.config.tenant_id
    );
    if let Some(ca) = &server.sim.config.ca_file {
        let _ = writeln!(
            out,
            "ca file: {}  (emaillog --ca-file {} ... trusts it)",
            ca.display(),
            ca.display()
        );
    }
    let _ = writeln!(
        out,
        "client id: {}  client secret: {}  (a test secret, for this simulator only)",
        server.sim.config.client_id, server.sim.config.client_secret
    );
    if args.seed == Seed::Demo {
        let _ = writeln!(
            out,
            "shared mailbox: {}  (new mail arrives every {} s or so)",
            crate::sim::seed::DEMO_MAILBOX,
            args.arrival_secs
        );
    }
    for mailbox in &args.mailboxes {
        let _ = writeln!(
            out,
            "shared mailbox: {mailbox}  (empty: add mail with the control API)"
        );
    }
    if server.addr().ip().is_loopback() {
        let _ = writeln!(
            out,
            "control API: {}/_sim/ (add mail, fail requests, approve device codes; see the README)",
            server.base_url()
        );
    } else {
        let _ = writeln!(
            out,
            "note: not a loopback address, so the /_sim/ control API is not served"
        );
    }
    if let (Seed::Demo, Some(dir)) = (args.seed, &args.people_dir) {
        let _ = writeln!(
            out,
            "demo people: {}, {}",
            dir.join("salespeople.csv").display(),
            dir.join("contacts.csv").display()
        );
    }
    let _ = out.flush();
    super::wait_for_stop().await;
    server.stop().await;
    Ok(())
}
