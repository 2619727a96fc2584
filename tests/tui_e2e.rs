//! The real binary in tmux against the simulator: keys sent, the screen
//! read back. Waits are for what the screen shows, never for a time; the
//! deadline only turns a hang into a failure with the last screen printed.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{
    CONTACTS_CSV, MAILBOX, SALESPEOPLE_CSV, TestSim, emaillog_cmd, emaillog_ok, message,
    store_secret, trusting_client,
};
use emaillog::sim::SimConfig;
use serde_json::json;

const DEADLINE: Duration = Duration::from_secs(60);

/// tmux is needed; without it the test says so and passes, except under CI.
fn have_tmux() -> bool {
    let ok = Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        common::skip_without(
            "the tmux test",
            "tmux is not installed (apt-get install tmux)",
        );
    }
    ok
}

struct Tmux {
    socket: String,
}

impl Tmux {
    fn start(name: &str, cmd: &str, w: u16, h: u16) -> Self {
        let socket = format!("emaillog-test-{name}-{}", std::process::id());
        let t = Tmux { socket };
        let out = t
            .tmux(&[
                "new-session",
                "-d",
                "-s",
                "ui",
                "-x",
                &w.to_string(),
                "-y",
                &h.to_string(),
                cmd,
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "tmux starts: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        t.tmux(&["set-option", "-g", "remain-on-exit", "on"])
            .output()
            .unwrap();
        t
    }

    fn tmux(&self, args: &[&str]) -> Command {
        let mut c = Command::new("tmux");
        c.args(["-L", &self.socket, "-f", "/dev/null"]).args(args);
        c
    }

    fn keys(&self, keys: &[&str]) {
        for k in keys {
            // One key per call: an Esc followed at once by a key would
            // arrive as Alt-key.
            let out = self.tmux(&["send-keys", "-t", "ui", k]).output().unwrap();
            assert!(out.status.success());
            std::thread::sleep(Duration::from_millis(150));
        }
    }

    fn screen(&self) -> String {
        let out = self
            .tmux(&["capture-pane", "-p", "-t", "ui"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn wait_for(&self, what: &str) -> String {
        self.wait_until(what, |s| s.contains(what))
    }

    fn wait_until(&self, what: &str, f: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if f(&s) {
                return s;
            }
            if start.elapsed() > DEADLINE {
                panic!("the screen never showed {what:?}; it shows:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn resize(&self, w: u16, h: u16) {
        let out = self
            .tmux(&[
                "resize-window",
                "-t",
                "ui",
                "-x",
                &w.to_string(),
                "-y",
                &h.to_string(),
            ])
            .output()
            .unwrap();
        assert!(out.status.success());
    }

    /// `q`, confirming if a run is in progress at that moment, until the
    /// UI has exited.
    fn quit(&self) {
        self.keys(&["q"]);
        let start = Instant::now();
        while !self.pane_dead() {
            if self.screen().contains("A run is in progress") {
                self.keys(&["y"]);
            }
            assert!(
                start.elapsed() < DEADLINE,
                "the UI did not quit:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn pane_dead(&self) -> bool {
        let out = self
            .tmux(&["display-message", "-p", "-t", "ui", "#{pane_dead}"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim() == "1"
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]).output();
    }
}

struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A database set up against the simulator with `flow`, people imported.
fn set_up(sim: &TestSim, dir: &Path, flow: &str) -> PathBuf {
    let db = emaillog::store::testing::fresh_database(dir, "emaillog.db");
    emaillog_ok(&db, &["init"]);
    std::fs::write(dir.join("salespeople.csv"), SALESPEOPLE_CSV).unwrap();
    std::fs::write(dir.join("contacts.csv"), CONTACTS_CSV).unwrap();
    emaillog_ok(
        &db,
        &[
            "import",
            "salespeople",
            dir.join("salespeople.csv").to_str().unwrap(),
        ],
    );
    emaillog_ok(
        &db,
        &[
            "import",
            "contacts",
            dir.join("contacts.csv").to_str().unwrap(),
        ],
    );
    emaillog_ok(
        &db,
        &[
            "setup",
            "set",
            "--mailbox",
            MAILBOX,
            "--tenant",
            "contoso.example",
            "--client-id",
            &sim.config.client_id,
            "--graph-url",
            &sim.server.graph_url(),
            "--authority",
            &sim.base,
            "--auth-flow",
            flow,
            "--interval",
            "2",
        ],
    );
    db
}

/// A database set up app-only (the secret stored) and enabled.
fn enabled_app_only(sim: &TestSim, dir: &Path) -> PathBuf {
    let db = set_up(sim, dir, "client-credentials");
    assert!(
        store_secret(&db, sim.config.client_secret.as_bytes())
            .status
            .success()
    );
    emaillog_ok(&db, &["enable"]);
    db
}

/// The command line that starts the UI in tmux.
fn ui_command(db: &Path, dir: &Path) -> String {
    let cmd = emaillog_cmd();
    let ca = cmd
        .get_envs()
        .find(|(k, _)| *k == "EMAILLOG_CA_FILE")
        .and_then(|(_, v)| v)
        .map(|v| v.to_string_lossy().into_owned())
        .expect("the simulator's CA bundle");
    format!(
        "env EMAILLOG_CA_FILE='{ca}' EMAILLOG_LEASE_SECS=5 {} --db '{}' --log-file '{}'",
        env!("CARGO_BIN_EXE_emaillog"),
        db.display(),
        dir.join("ui.log").display()
    )
}

/// The user code as the sign-in dialog shows it (letter-spaced in a box).
fn user_code(screen: &str) -> String {
    let line = screen
        .lines()
        .find(|l| l.contains('║') && l.chars().any(|c| c.is_ascii_uppercase()))
        .unwrap_or_else(|| panic!("no code on screen:\n{screen}"));
    let inside = line.split('║').nth(1).unwrap_or_default();
    inside.chars().filter(|c| !c.is_whitespace()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_sets_up_signs_in_and_sees_mail_logged() {
    if !have_tmux() {
        return;
    }
    let sim = TestSim::start(SimConfig {
        device_interval_secs: 1,
        ..SimConfig::default()
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let db = set_up(&sim, dir.path(), "device-code");
    // The shared mailbox exists, with a message nobody matches.
    sim.add(
        MAILBOX,
        "inbox",
        json!([message(
            "stranger@elsewhere.example",
            &["ben@contoso.example"],
            "Cold pitch"
        )]),
    )
    .await;
    let ui = Tmux::start("admin", &ui_command(&db, dir.path()), 80, 24);
    ui.wait_for("1 Status");

    // Every screen, by number and by Tab.
    for (key, marker) in [
        ("2", "Shared mailbox"),
        ("3", "Log email interactions"),
        ("4", "Newest first"),
        ("5", "no opportunities yet"),
        ("6", "messages not logged"),
        ("7", "Salespeople (3)"),
        ("1", "Mail source"),
    ] {
        ui.keys(&[key]);
        ui.wait_for(marker);
    }
    ui.keys(&["Tab"]);
    ui.wait_for("Shared mailbox");
    ui.keys(&["BTab"]);
    ui.wait_for("Mail source");
    ui.wait_for("not signed in");

    // Sign in with the device code, approved through the control API.
    ui.keys(&["2", "s"]);
    let screen = ui.wait_for("enter the code");
    let code = user_code(&screen);
    let approved = trusting_client()
        .post(sim.url("/_sim/device/approve"))
        .json(&json!({"user_code": code, "account": "admin@contoso.example"}))
        .send()
        .await
        .unwrap();
    assert!(
        approved.status().is_success(),
        "the code on screen ({code}) is the one the service issued"
    );
    ui.wait_for("signed in as admin@contoso.example");
    ui.keys(&["Escape"]);

    // Validate: every check with its mark; the job entry is not there yet.
    ui.keys(&["v"]);
    let screen = ui.wait_until("validation finished", |s| {
        s.contains("checks failed") || s.contains("checks passed")
    });
    assert!(screen.contains("✔ token obtainable"), "{screen}");
    assert!(screen.contains("✔ job entry"), "{screen}");
    assert!(screen.contains("not yet: enable logging"), "{screen}");
    assert!(screen.contains("checks passed"), "{screen}");
    ui.keys(&["Escape"]);

    // Enable, and a message that arrives is logged where the admin sees it.
    ui.keys(&["e"]);
    ui.wait_for("enabled");
    sim.add(
        MAILBOX,
        "inbox",
        json!([message(
            "alex@fabrikam.example",
            &["annette@contoso.example"],
            "Pallet quote for Fabrikam"
        )]),
    )
    .await;
    ui.keys(&["1"]);
    ui.wait_for("logged   Pallet quote for Fabrikam");

    // Hold, restart, run now on the job queue.
    ui.keys(&["3", "h"]);
    ui.wait_for("On hold");
    ui.keys(&["r"]);
    ui.wait_for("restarted");
    ui.keys(&["n"]);
    ui.wait_for("run requested");

    // Too small, and back.
    ui.resize(20, 5);
    ui.wait_for("too small");
    ui.resize(80, 24);
    ui.wait_for("1 Status");

    // Quit (confirming if a run is under way at that moment).
    ui.quit();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ui_shows_a_headless_runner_beside_it() {
    if !have_tmux() {
        return;
    }
    let sim = TestSim::start(SimConfig::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let db = enabled_app_only(&sim, dir.path());
    // The shared mailbox exists with one message before the runner starts.
    sim.add(
        MAILBOX,
        "inbox",
        json!([message(
            "chen@northwind.example",
            &["linda@contoso.example"],
            "Northwind samples"
        )]),
    )
    .await;
    let runner = KillOnDrop(
        emaillog_cmd()
            .arg("--db")
            .arg(&db)
            .arg("run")
            .env("EMAILLOG_LEASE_SECS", "5")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    // The runner holds the lease before the UI starts: wait for its first run.
    let app = emaillog::app::App::new(&db);
    let start = Instant::now();
    while app.job_log(1).unwrap().is_empty() {
        assert!(start.elapsed() < DEADLINE, "the headless runner never ran");
        std::thread::sleep(Duration::from_millis(100));
    }
    let ui = Tmux::start("watch", &ui_command(&db, dir.path()), 100, 30);
    let screen = ui.wait_for("watching its progress");
    assert!(
        screen.contains(&format!("pid {}", runner.0.id())),
        "names the runner:\n{screen}"
    );
    sim.add(
        MAILBOX,
        "inbox",
        json!([message(
            "maria@northwind.example",
            &["ben@contoso.example"],
            "Northwind reorder"
        )]),
    )
    .await;
    // Its runs appear on the job queue screen as it writes them.
    ui.keys(&["3"]);
    ui.wait_until("a run with one logged message", |s| {
        s.lines()
            .any(|l| l.contains("Success") && l.split_whitespace().nth(5) == Some("1"))
    });
    ui.quit();
    drop(runner);
}

/// A message in a conversation, with a plain-text body.
fn threaded(
    from: &str,
    to: &str,
    subject: &str,
    body: &str,
    conversation: &str,
    mins_ago: i64,
) -> serde_json::Value {
    let mut m = message(from, &[to], subject);
    m["conversationId"] = json!(conversation);
    m["body"] = json!({"contentType": "text", "content": body});
    m["receivedDateTime"] = json!(
        (chrono::Utc::now() - chrono::Duration::minutes(mins_ago))
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string()
    );
    m
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_searches_reads_a_conversation_and_turns_mail_into_an_opportunity_and_a_contact() {
    if !have_tmux() {
        return;
    }
    let sim = TestSim::start(SimConfig::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let db = enabled_app_only(&sim, dir.path());
    let mut stranger = message(
        "nadia.okafor@blue-yonder.example",
        &["annette@contoso.example"],
        "Can we talk about pricing?",
    );
    stranger["from"] = json!({"emailAddress": {"name": "Nadia Okafor", "address": "nadia.okafor@blue-yonder.example"}});
    sim.add(
        MAILBOX,
        "inbox",
        json!([
            threaded(
                "alex@fabrikam.example",
                "annette@contoso.example",
                "Spring pricing",
                "Could you quote 40 pallets of chairs?",
                "conv-spring",
                50
            ),
            threaded(
                "annette@contoso.example",
                "alex@fabrikam.example",
                "RE: Spring pricing",
                "Here is the quote for the pallets.",
                "conv-spring",
                40
            ),
            threaded(
                "maria@northwind.example",
                "ben@contoso.example",
                "Northwind visit",
                "See you on Tuesday.",
                "conv-visit",
                30
            ),
            stranger,
        ]),
    )
    .await;
    let ui = Tmux::start("user", &ui_command(&db, dir.path()), 120, 40);
    ui.tmux(&["set-option", "-g", "set-clipboard", "on"])
        .output()
        .unwrap();
    ui.wait_for("1 Status");
    ui.keys(&["4"]);
    ui.wait_for("Northwind visit");

    // Search, open, read the conversation.
    ui.keys(&["/"]);
    ui.wait_for("Search the interaction log");
    ui.keys(&["pallets", "Enter"]);
    let screen = ui.wait_for("search “pallets”");
    assert!(
        !screen.contains("Northwind visit"),
        "only matches:\n{screen}"
    );
    ui.keys(&["G", "Enter"]);
    ui.wait_for("Could you quote 40 pallets");
    let screen = ui.wait_for("Conversation: 2 entries");
    assert!(
        screen.contains("contact Alex Berg (C1), Fabrikam"),
        "{screen}"
    );
    ui.keys(&["]"]);
    ui.wait_for("Here is the quote for the pallets.");
    // Each message read is in the audit trail once, before it was shown.
    assert_eq!(
        audit_rows(&db, "message_opened").len(),
        2,
        "the two messages of the conversation, each opened once"
    );
    ui.keys(&["y"]);
    ui.wait_for("web link copied");
    let buffer = ui.tmux(&["show-buffer"]).output().unwrap();
    assert!(
        String::from_utf8_lossy(&buffer.stdout).starts_with("https://"),
        "OSC 52 put the web link in tmux's buffer: {:?}",
        String::from_utf8_lossy(&buffer.stdout)
    );

    // An opportunity from it; the entry shows its number.
    ui.keys(&["o"]);
    ui.wait_for("New opportunity from entry");
    ui.keys(&["Tab", "12500", "Enter"]);
    ui.wait_for("opportunity OP00001 created");
    ui.wait_for("Opportunity OP00001");
    ui.keys(&["Escape"]);
    ui.wait_until("the entry shows OP00001", |s| {
        s.lines()
            .any(|l| l.contains("RE: Spring pricing") && l.contains("OP00001"))
    });
    ui.keys(&["5"]);
    ui.wait_for("12,500.00");

    // Filter by contact, export the view.
    ui.keys(&["4", "Escape"]);
    ui.wait_for("Northwind visit");
    ui.keys(&["g", "c"]);
    let screen = ui.wait_for("contact Maria Costa (C4)");
    assert!(
        !screen.contains("Spring pricing"),
        "only Maria's entries:\n{screen}"
    );
    ui.keys(&["x"]);
    ui.wait_for("Export this view");
    for _ in 0..40 {
        ui.keys(&["BSpace"]);
    }
    let export = dir.path().join("maria.csv");
    ui.keys(&[export.to_str().unwrap(), "Enter"]);
    ui.wait_for("exported 1 entries");
    let csv = std::fs::read_to_string(&export).unwrap();
    assert_eq!(csv.lines().count(), 2, "header and Maria's entry:\n{csv}");
    let exports = audit_rows(&db, "export");
    assert_eq!(exports.len(), 1, "the export is in the audit trail once");
    let detail: serde_json::Value = serde_json::from_str(&exports[0]).unwrap();
    assert_eq!(detail["rows"], 1);
    assert_eq!(detail["via"], "ui");
    assert_eq!(detail["filters"]["contact"], "C4");
    assert!(
        csv.contains("Northwind visit") && csv.contains(",C4,"),
        "{csv}"
    );

    // A contact from a skipped message's sender, then re-logged.
    ui.keys(&["6"]);
    ui.wait_for("no matching contact (1)");
    ui.keys(&["c"]);
    ui.wait_for("New contact from the sender");
    ui.wait_for("Blue Yonder");
    ui.keys(&["Enter"]);
    ui.wait_for("re-log requested");
    ui.wait_for("nothing to review");
    ui.keys(&["4", "Escape"]);
    ui.wait_for("Can we talk about pricing?");
    let archive = sim.folder_messages(MAILBOX, "archive").await;
    assert!(
        archive
            .iter()
            .any(|m| m["subject"] == "Can we talk about pricing?"),
        "the re-logged message is in Archive"
    );
    assert!(sim.folder_messages(MAILBOX, "Skipped").await.is_empty());

    ui.quit();
}

/// The details of the audit rows of `action`, oldest first.
fn audit_rows(db: &Path, action: &str) -> Vec<String> {
    emaillog::store::testing::connect(db)
        .query_map(
            "SELECT detail FROM audit_log WHERE action = ?1 ORDER BY seq",
            emaillog::store::db::params![action],
            |r| r.get(0),
        )
        .unwrap()
}

/// The table rows of the Interaction log as the screen shows them (the
/// lines under its header).
fn log_rows(screen: &str) -> Vec<String> {
    screen
        .lines()
        .skip_while(|l| !(l.contains("Date") && l.contains("Subject")))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_follows_new_entries_at_the_top_and_counts_them_when_scrolled_away() {
    if !have_tmux() {
        return;
    }
    let sim = TestSim::start(SimConfig::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let db = enabled_app_only(&sim, dir.path());
    let older: Vec<_> = (1..=40)
        .map(|i| {
            threaded(
                "chen@northwind.example",
                "linda@contoso.example",
                &format!("Older {i:02}"),
                "earlier mail",
                &format!("conv-{i}"),
                200 - i,
            )
        })
        .collect();
    sim.add(MAILBOX, "inbox", json!(older)).await;
    let ui = Tmux::start("live", &ui_command(&db, dir.path()), 120, 30);
    ui.wait_for("Status");
    ui.keys(&["4"]);
    ui.wait_until("the older mail logged, newest first", |s| {
        log_rows(s).first().is_some_and(|r| r.contains("Older 40"))
    });
    // The UI's own engine logs a new message while the log sits at its top:
    // it appears there, without a key.
    let new = |subject: &str| {
        threaded(
            "maria@northwind.example",
            "ben@contoso.example",
            subject,
            "new mail",
            subject,
            0,
        )
    };
    sim.add(MAILBOX, "inbox", json!([new("Live one")])).await;
    let screen = ui.wait_until("the new entry at the top", |s| {
        log_rows(s).first().is_some_and(|r| r.contains("Live one"))
    });
    assert!(
        log_rows(&screen)[1].contains("Older 40"),
        "the rest moved down by one:\n{screen}"
    );
    // Scrolled away, the rows on screen stay as they are and the new
    // entries are counted.
    ui.keys(&["PageDown", "PageDown"]);
    let before = ui.wait_until("scrolled away from the top", |s| {
        log_rows(s).first().is_some_and(|r| !r.contains("Live one"))
    });
    sim.add(
        MAILBOX,
        "inbox",
        json!([new("Live two"), new("Live three")]),
    )
    .await;
    let after = ui.wait_for("↑ 2 new (g)");
    assert_eq!(log_rows(&after), log_rows(&before), "the view stayed still");
    // `g` goes to them.
    ui.keys(&["g"]);
    let top = ui.wait_until("the newest at the top", |s| {
        log_rows(s).first().is_some_and(|r| r.contains("Live t"))
    });
    assert!(!top.contains("new (g)"), "nothing is left unseen:\n{top}");
    ui.quit();
}

/// The Follow-ups screen (8) lists the conversations waiting for an
/// answer; a reply the UI's engine logs while it is open clears its row by
/// itself, and `d` dismisses another (recorded: the report leaves it out).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_logged_while_the_follow_ups_are_open_clears_its_row() {
    if !have_tmux() {
        return;
    }
    let sim = TestSim::start(SimConfig::default()).await;
    let dir = tempfile::tempdir().unwrap();
    let db = enabled_app_only(&sim, dir.path());
    let ten_days = 10 * 24 * 60;
    sim.add(
        MAILBOX,
        "inbox",
        json!([
            threaded(
                "chen@northwind.example",
                "linda@contoso.example",
                "Waiting on prices",
                "what do 40 chairs cost?",
                "fu-prices",
                ten_days,
            ),
            threaded(
                "maria@northwind.example",
                "ben@contoso.example",
                "Thanks for the visit",
                "it was good to meet",
                "fu-visit",
                ten_days - 5,
            ),
        ]),
    )
    .await;
    let ui = Tmux::start("followups", &ui_command(&db, dir.path()), 120, 30);
    ui.wait_for("Status");
    ui.keys(&["8"]);
    let screen = ui.wait_until("both follow-ups listed", |s| {
        s.contains("Waiting on prices") && s.contains("Thanks for the visit")
    });
    assert!(
        screen.contains("Waiting for us (2, 2 overdue)"),
        "both are overdue:\n{screen}"
    );
    // Linda answers Chen; the UI's engine logs it; the row goes.
    sim.add(
        MAILBOX,
        "inbox",
        json!([threaded(
            "linda@contoso.example",
            "chen@northwind.example",
            "RE: Waiting on prices",
            "1,200 a chair",
            "fu-prices",
            0,
        )]),
    )
    .await;
    let screen = ui.wait_until("the answered row gone", |s| {
        !s.contains("Waiting on prices") && s.contains("Thanks for the visit")
    });
    assert!(screen.contains("Waiting for us (1, 1 overdue)"), "{screen}");
    // d: no answer needed to Maria's thanks.
    ui.keys(&["d"]);
    ui.wait_for("No answer needed to Maria Costa");
    ui.keys(&["y"]);
    let screen = ui.wait_until("the dismissed row gone", |s| {
        !s.contains("Thanks for the visit") && s.contains("Waiting for us (0)")
    });
    assert!(
        screen.contains("dismissed"),
        "it says what it did:\n{screen}"
    );
    ui.quit();
    let out = emaillog_ok(&db, &["report", "follow-ups", "--json"]);
    let rows: serde_json::Value =
        serde_json::from_str(&String::from_utf8_lossy(&out.stdout)).unwrap();
    assert_eq!(rows, json!([]), "answered and dismissed: none left");
}

/// `setup secret --stdin` typed at a terminal asks for the secret and never
/// shows it; the secret is stored (sealed) all the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_typed_at_a_terminal_is_asked_for_and_never_shown() {
    if !have_tmux() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = emaillog::store::testing::fresh_database(dir.path(), "emaillog.db");
    emaillog_ok(&db, &["init"]);
    let cmd = format!(
        "{} --db '{}' setup secret --stdin; echo EXITED $?; sleep 30",
        env!("CARGO_BIN_EXE_emaillog"),
        db.display()
    );
    let t = Tmux::start("secret", &cmd, 100, 10);
    t.wait_for("client secret (not shown; Enter ends it):");
    t.keys(&["S3cr3t-typed-here", "Enter"]);
    let screen = t.wait_for("EXITED 0");
    assert!(screen.contains("client secret stored, sealed"), "{screen}");
    assert!(
        !screen.contains("S3cr3t"),
        "the secret was shown:\n{screen}"
    );
    let show = emaillog_ok(&db, &["setup", "show", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&show.stdout).unwrap();
    assert_eq!(v["has_client_secret"], true, "{v}");
}

/// The README's first command: `emaillog demo` logs its backlog, signed in
/// as an admin would be; Setup's checklist shows the account (app-only: the
/// mailbox it reads) with the sign-in step done, and the never-log list
/// holds the demo's entry.
#[test]
fn the_demo_logs_its_mail_signed_in_and_its_checklist_shows_the_account() {
    if !have_tmux() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let cmd = format!(
        "env TZ=UTC TMPDIR='{}' {} demo --arrival-secs 3600",
        dir.path().display(),
        env!("CARGO_BIN_EXE_emaillog")
    );
    let t = Tmux::start("demo", &cmd, 120, 40);
    t.wait_for("Signed in     app-only");
    t.wait_until("a logged entry in the recent activity", |s| {
        s.lines().any(|l| l.contains("logged   RE:"))
    });
    t.keys(&["2", "a"]);
    let screen = t.wait_for("app-only, reads crm-log@contoso.example");
    assert!(screen.contains("✔ 4. Sign in"), "{screen}");
    assert!(
        screen.contains("✔ 5. Import salespeople and contacts"),
        "{screen}"
    );
    t.keys(&["Escape", "n"]);
    t.wait_for("domain   counsel.example");
    t.keys(&["Escape"]);
    // Its second mailbox reads a queue folder: Status lists both, and m
    // shows the second's, whose mail is logged from that folder.
    t.keys(&["1"]);
    t.wait_for("All mailboxes (2)");
    t.keys(&["m"]);
    t.wait_for("Logging · crm-nordic@contoso.example (2 of 2)");
    t.wait_until("the second mailbox ran", |s| {
        s.lines()
            .any(|l| l.contains("crm-nordic@contoso.example") && l.contains("ran "))
    });
    t.keys(&["2"]);
    t.wait_for("Queue folder         Email Logging/Queue");
    t.quit();
}
