//! `emaillog run` processes sharing the mailboxes of one database: what
//! the tests of a fleet start, wait for and read back.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use emaillog::app::App;
use emaillog::app::setup_edit::SetupChanges;
use emaillog::domain::setup::Unmatched;
use emaillog::store::db::params;

use super::{MAILBOX, TestSim, emaillog_cmd, sim_setup};

/// `n` mailbox addresses: the common one first.
pub fn addresses(n: usize) -> Vec<String> {
    (1..=n)
        .map(|i| match i {
            1 => MAILBOX.to_string(),
            i => format!("crm-{i}@contoso.example"),
        })
        .collect()
}

/// Sets up and enables each of `addresses` (numbered from 1 in order) on
/// the simulator, pages of 10, a run every second.
pub fn enable_all(app: &App, sim: &TestSim, addresses: &[String]) {
    for (i, address) in addresses.iter().enumerate() {
        let mb = if i == 0 {
            app.one_mailbox().unwrap()
        } else {
            app.add_mailbox(address).unwrap()
        };
        mb.change_setup(&SetupChanges {
            unmatched: Some(Unmatched::SkipFolder),
            batch_size: Some(10),
            job_interval_secs: Some(1),
            ..sim_setup(sim)
        })
        .unwrap();
        mb.set_client_secret(&sim.config.client_secret).unwrap();
        mb.enable(0).unwrap();
    }
}

/// An `emaillog run` process this test started: killed if the test ends
/// (a failed assertion too) while it still runs, so no engine outlives it.
pub struct RunProcess(std::process::Child);

impl RunProcess {
    pub fn id(&self) -> u32 {
        self.0.id()
    }

    /// Sends `signal` to it.
    pub fn signal(&self, signal: i32) {
        // SAFETY: the child is this test's own and has not been waited for.
        unsafe {
            libc::kill(self.0.id() as i32, signal);
        }
    }

    /// Ends it as a service manager would, and checks it ended well.
    pub fn terminate(&mut self) {
        self.signal(libc::SIGTERM);
        let status = self.0.wait().unwrap();
        assert!(status.success(), "a run process ended with {status}");
    }
}

impl Drop for RunProcess {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// Starts `emaillog --db DB run`, its stderr into `err`.
pub fn start_run(db: &std::path::Path, err: &std::path::Path) -> RunProcess {
    RunProcess(
        emaillog_cmd()
            .arg("--db")
            .arg(db)
            .arg("run")
            .env_remove("EMAILLOG_CLIENT_SECRET")
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(err).unwrap())
            .spawn()
            .unwrap(),
    )
}

/// Waits for `ok`, polling what the processes wrote; fails after `secs`.
pub async fn wait_for(what: &str, secs: u64, mut ok: impl AsyncFnMut() -> bool) {
    let end = Instant::now() + Duration::from_secs(secs);
    while !ok().await {
        assert!(Instant::now() < end, "{what} within {secs} s");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Whether every one of `addresses`' Inboxes is empty.
pub async fn inboxes_empty(sim: &TestSim, addresses: &[String]) -> bool {
    for address in addresses {
        if !sim.folder_messages(address, "inbox").await.is_empty() {
            return false;
        }
    }
    true
}

/// Live leases per holder, read from the database the engines share.
pub fn leases(db: &std::path::Path) -> BTreeMap<String, usize> {
    let store = emaillog::store::Store::open(db).unwrap();
    let mut by_holder = BTreeMap::new();
    for h in store.live_holders(chrono::Utc::now()).unwrap() {
        *by_holder.entry(h).or_insert(0) += 1;
    }
    by_holder
}

/// A run of the job log: (mailbox, holder, started, ended, messages read,
/// error).
pub type Run = (i64, String, String, Option<String>, i64, Option<String>);

pub fn runs(db: &std::path::Path) -> Vec<Run> {
    emaillog::store::testing::connect(db)
        .query_map(
            "SELECT mailbox_no, holder, started_at, ended_at, messages_read, error
               FROM job_queue_log_entries ORDER BY started_at",
            params![],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            },
        )
        .unwrap()
}

/// Checks every one of `addresses` (mailbox `i + 1`, messages made by
/// `mixed_messages(_, "mb{i}")`) logged exactly `loggable[i]` messages,
/// each once, archived, and the rest of `sent` in its Skipped.
pub async fn assert_each_logged_once(
    sim: &TestSim,
    db: &std::path::Path,
    addresses: &[String],
    sent: usize,
    loggable: &[usize],
) {
    let c = emaillog::store::testing::connect(db);
    let total: i64 = c
        .query_row("SELECT count(*) FROM logged_messages", params![], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(
        total as usize,
        loggable.iter().sum::<usize>(),
        "logged in all"
    );
    for (i, address) in addresses.iter().enumerate() {
        let no = i as i64 + 1;
        let n: i64 = c
            .query_row(
                "SELECT count(DISTINCT internet_message_id) FROM logged_messages WHERE mailbox_no = ?1 AND internet_message_id LIKE ?2",
                params![no, format!("<mb{i}-%")],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n as usize, loggable[i], "{address}");
        assert_eq!(
            sim.folder_messages(address, "archive").await.len(),
            loggable[i],
            "{address}: logged mail is in its Archive"
        );
        assert_eq!(
            sim.folder_messages(address, "Skipped").await.len(),
            sent - loggable[i],
            "{address}: the rest is in its Skipped"
        );
    }
}
