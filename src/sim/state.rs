//! The simulator's configuration and everything it remembers.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rand::SeedableRng;
use rand::rngs::StdRng;

use super::faults::Faults;
use super::graph::delta::DeltaState;
use super::identity::LazyIdTokenKey;
use super::mailbox::Mailbox;
use super::throttle::Throttle;
use super::tokens::TokenStore;

/// Which data the simulator starts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Seed {
    /// No mailboxes; tests add what they need through the control API.
    Empty,
    /// A small organisation with a shared mailbox and a stream of mail.
    Demo,
}

/// Everything `emaillog sim serve` can be told.
#[derive(Debug, Clone)]
pub struct SimConfig {
    pub seed: Seed,
    pub client_id: String,
    pub client_secret: String,
    pub latency: Duration,
    /// Requests allowed per window, per (app, mailbox).
    pub limit: usize,
    pub window: Duration,
    /// Requests in flight allowed per (app, mailbox).
    pub concurrency: usize,
    pub token_ttl: Duration,
    pub device_interval_secs: u64,
    pub device_code_ttl: Duration,
    /// With the demo seed: where the salespeople and contacts CSVs are written.
    pub people_dir: Option<PathBuf>,
    /// With the demo seed: the mean time between newly arriving messages.
    pub arrival_every: Duration,
    /// Seed for the demo data and the fault dice, so runs can be repeated.
    pub rng_seed: u64,
    /// Serve https with a certificate authority made at start.
    pub tls: bool,
    /// With `tls`: where to write the CA certificate (PEM) clients trust.
    pub ca_file: Option<PathBuf>,
    /// Short pages and nextLinks whose `$skip` is larger than the page, as
    /// Graph's documentation warns (on by default).
    pub realistic_paging: bool,
    /// The directory's tenant GUID: the `tid` of every token, whatever
    /// name (domain, `organizations`, `common`) the client used.
    pub tenant_id: String,
    /// Mailboxes there from the start (others come with the control API).
    pub mailboxes: Vec<String>,
}

pub const DEFAULT_TENANT_ID: &str = "b4f1d1c7-3e5a-4c2e-9f6d-2a8e51c0d7a3";
pub const DEFAULT_CLIENT_ID: &str = "5e3ce6c0-2b1f-4285-8d4b-75ee78787346";
pub const DEFAULT_CLIENT_SECRET: &str = "sim-secret-change-me";

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            seed: Seed::Empty,
            client_id: DEFAULT_CLIENT_ID.to_string(),
            client_secret: DEFAULT_CLIENT_SECRET.to_string(),
            latency: Duration::ZERO,
            limit: 10_000,
            window: Duration::from_secs(600),
            concurrency: 4,
            token_ttl: Duration::from_secs(3600),
            device_interval_secs: 5,
            device_code_ttl: Duration::from_secs(900),
            people_dir: None,
            arrival_every: Duration::from_secs(4),
            rng_seed: 7,
            tls: false,
            ca_file: None,
            realistic_paging: true,
            tenant_id: DEFAULT_TENANT_ID.to_string(),
            mailboxes: Vec::new(),
        }
    }
}

pub struct SimState {
    pub mailboxes: HashMap<String, Mailbox>,
    pub tokens: TokenStore,
    pub faults: Option<Faults>,
    pub deltas: HashMap<String, DeltaState>,
    pub rng: StdRng,
    /// Faults injected so far, by what was done ("503", "reset",
    /// "malformed"): what a test counts to prove its scenario happened.
    pub injected: std::collections::BTreeMap<String, u64>,
    /// Pages as the real service gives them: short (and, in delta rounds,
    /// sometimes empty) pages, and listing nextLinks whose `$skip` is not
    /// an offset a client may compute with (`SimConfig::realistic_paging`).
    pub realistic_paging: bool,
}

/// The running simulator's shared core.
pub struct Sim {
    pub config: SimConfig,
    pub local_addr: SocketAddr,
    state: Mutex<SimState>,
    pub throttle: Arc<Mutex<Throttle>>,
    /// Graph requests wait here, after throttling admitted them, while the
    /// gate is closed (`/_sim/gate/close`): tests hold requests in flight
    /// without depending on timing.
    pub gate: tokio::sync::watch::Sender<bool>,
    /// Requests waiting at the closed gate now.
    pub held: std::sync::atomic::AtomicUsize,
    /// Signs id_tokens; made on first use.
    pub id_token_key: LazyIdTokenKey,
}

impl Sim {
    /// `https` when serving TLS, else `http`.
    pub fn scheme(&self) -> &'static str {
        if self.config.tls { "https" } else { "http" }
    }

    pub fn new(config: SimConfig, local_addr: SocketAddr) -> Self {
        let throttle = Throttle::new(config.limit, config.window, config.concurrency);
        Self {
            state: Mutex::new(SimState {
                mailboxes: config
                    .mailboxes
                    .iter()
                    .map(|a| (a.to_ascii_lowercase(), Mailbox::new(a)))
                    .collect(),
                tokens: TokenStore::default(),
                faults: None,
                deltas: HashMap::new(),
                rng: StdRng::seed_from_u64(config.rng_seed),
                injected: Default::default(),
                realistic_paging: config.realistic_paging,
            }),
            throttle: Arc::new(Mutex::new(throttle)),
            gate: tokio::sync::watch::Sender::new(true),
            held: std::sync::atomic::AtomicUsize::new(0),
            id_token_key: LazyIdTokenKey::default(),
            config,
            local_addr,
        }
    }

    /// The state, even if a handler panicked while holding it (nothing here is
    /// left half-written across a panic point that matters to a test double).
    pub fn state(&self) -> MutexGuard<'_, SimState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl SimState {
    pub fn mailbox_mut(&mut self, address: &str) -> Option<&mut Mailbox> {
        self.mailboxes.get_mut(&address.to_ascii_lowercase())
    }

    pub fn mailbox_or_create(&mut self, address: &str) -> &mut Mailbox {
        self.mailboxes
            .entry(address.to_ascii_lowercase())
            .or_insert_with(|| Mailbox::new(address))
    }
}
