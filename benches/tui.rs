//! The interaction log screen at a million entries: key → frame through the
//! real UI state, reads and drawing (ratatui's TestBackend).
//!
//! A database of 1,000,000 entries (800,000 messages with plain-text bodies
//! of realistic length, indexed for search; 5,000 contacts at 1,500
//! companies; 50 salespeople) is built once and kept under
//! `target/bench-data/` (delete it to build again). The figures are taken
//! in a child process of their own, so its peak RSS is the app's alone:
//!
//! - first_frame_ms: new process → database opened → log screen drawn
//! - scroll_line_p50_ms / scroll_line_p99_ms: `j` → frame, 3,000 times
//! - scroll_page_p99_ms: PgDn → frame, 400 times
//! - jump_end_ms / jump_start_ms: `G` / `g` → frame (median of 11)
//! - filter_contact_ms: `c` (only this contact) → first page drawn (median of 11)
//! - search_rare_ms / search_common_ms: Enter on a search → first page drawn
//! - open_100kb_ms: Enter on an entry whose body is 100 KB → message drawn
//! - peak_rss_mib: VmHWM of the child at its end
//!
//! With `EMAILLOG_BENCH_BACKEND=postgres` the same figures follow on
//! PostgreSQL: the database moved with `migrate --to` into a throwaway
//! local server (`.ci/pg-server`, loopback, fsync off), analysed, measured
//! the same way (`migrate_s`: how long the move took).
//!
//! Each key's reads are answered on the spot (the real app answers them on
//! its reader thread while the frame before stays up), so a figure here
//! includes every read the key caused: the real wait is never longer.

use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::{Duration, FixedOffset, TimeZone, Utc};
use emaillog::app::App;
use emaillog::app::log::LogReader;
use emaillog::app::overview::Role;
use emaillog::tui::action::{Action, Screen};
use emaillog::tui::msg::{Effect, Msg};
use emaillog::tui::reads::{Read, answer};
use emaillog::tui::state::UiState;
use emaillog::tui::view;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use rusqlite::{Connection, params};

const MESSAGES: usize = 800_000;
/// Every fourth message has a second entry (a colleague in Cc).
const ENTRIES: usize = MESSAGES + MESSAGES / 4;
const CONTACTS: usize = 5_000;
const COMPANIES: usize = 1_500;
const SALESPEOPLE: usize = 50;
/// Found in 24 messages.
const RARE: &str = "zanzibar";
/// Found in about half the messages.
const COMMON: &str = "please";
/// One company's number: in about 700 messages (where looking them up wins).
const UNCOMMON: &str = "0162";
/// One salesperson's number (in the sign-off): about 16,000 messages (where
/// walking the date order wins).
const MIDDLING: &str = "42";
/// The one message whose body is 100 KB.
const BIG: &str = "hundredkilobytes";
const SIZE: (u16, u16) = (140, 45);

fn data_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("bench-data")
}

/// A small fast generator (xorshift), so the database is the same each build.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const WORDS: &[&str] = &[
    "the",
    "to",
    "and",
    "of",
    "a",
    "in",
    "for",
    "we",
    "you",
    "is",
    "on",
    "order",
    "delivery",
    "price",
    "quote",
    "thanks",
    "regards",
    "meeting",
    "contract",
    "invoice",
    "next",
    "week",
    "could",
    "would",
    "confirm",
    "details",
    "attached",
    "shipment",
    "warehouse",
    "discount",
    "volume",
    "support",
    "renewal",
    "samples",
    "catalogue",
    "spring",
    "specification",
    "sheet",
    "terms",
    "payment",
    "agreement",
    "draft",
    "question",
    "follow",
    "up",
    "trade",
    "show",
    "buyer",
    "introduction",
    "demo",
    "recording",
    "location",
    "new",
    "team",
    "call",
    "tomorrow",
    "friday",
    "monday",
    "pallets",
    "units",
    "chairs",
    "tables",
    "lamps",
    "schedule",
    "budget",
    "approval",
    "signed",
    "review",
    "changes",
    "update",
    "status",
    "account",
    "customer",
    "service",
    "product",
    "range",
    "stock",
    "available",
    "lead",
    "time",
    "estimate",
    "cost",
];

fn sentence(r: &mut Rng, out: &mut String, words: usize) {
    for i in 0..words {
        // Zipf-like: low indexes far more often.
        let a = r.below(WORDS.len());
        let b = r.below(WORDS.len());
        let w = WORDS[a.min(b)];
        if i == 0 {
            let mut c = w.chars();
            if let Some(f) = c.next() {
                out.extend(f.to_uppercase());
                out.push_str(c.as_str());
            }
        } else {
            out.push(' ');
            out.push_str(w);
        }
    }
    out.push_str(". ");
}

/// A plain-text business email of 200–1,400 characters.
fn body(r: &mut Rng, n: usize, contact: &str, sp: &str) -> String {
    let mut s = format!("Hi {contact},\n\n");
    if r.below(2) == 0 {
        s.push_str("Could you please confirm the details below. ");
    }
    let sentences = 3 + r.below(16);
    for i in 0..sentences {
        let n = 6 + r.below(12);
        sentence(r, &mut s, n);
        if i % 4 == 3 {
            s.push_str("\n\n");
        }
    }
    if n % (MESSAGES / 24) == 7 {
        s.push_str(&format!(" The {RARE} account needs a look. "));
    }
    if n == MESSAGES / 3 {
        s.push_str(&format!("{BIG}\n"));
        while s.len() < 100 * 1024 {
            sentence(r, &mut s, 12);
            s.push('\n');
        }
    }
    s.push_str(&format!("\n\nBest regards,\n{sp}"));
    s
}

fn build(path: &Path) -> rusqlite::Result<()> {
    let t0 = Instant::now();
    let building = path.with_extension("building");
    let _ = std::fs::remove_file(&building);
    for ext in ["building-wal", "building-shm"] {
        let _ = std::fs::remove_file(path.with_extension(ext));
    }
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    // Migrated by the app, then filled in bulk.
    drop(emaillog::store::Store::open(&building).expect("create the database"));
    let mut c = Connection::open(&building)?;
    c.pragma_update(None, "journal_mode", "DELETE")?;
    c.pragma_update(None, "synchronous", "OFF")?;
    c.pragma_update(None, "cache_size", -200_000)?;
    let mut r = Rng(0x5eed_cafe_f00d);
    let tx = c.transaction()?;
    let companies: Vec<String> = (0..COMPANIES).map(|i| format!("Company {i:04}")).collect();
    {
        let mut sp =
            tx.prepare("INSERT INTO salespeople (code, name, email) VALUES (?1, ?2, ?3)")?;
        for i in 0..SALESPEOPLE {
            sp.execute(params![
                format!("S{i:02}"),
                format!("Sales Person {i}"),
                format!("sales{i}@contoso.example")
            ])?;
        }
        let mut ct =
            tx.prepare("INSERT INTO contacts (no, name, company, email) VALUES (?1, ?2, ?3, ?4)")?;
        for i in 0..CONTACTS {
            let co = &companies[i % COMPANIES];
            ct.execute(params![
                format!("CT{i:05}"),
                format!("Contact {i}"),
                co,
                format!("contact{i}@company{}.example", i % COMPANIES)
            ])?;
        }
    }
    {
        let mut msg = tx.prepare(
            "INSERT INTO logged_messages (id, internet_message_id, mailbox_id, web_link, conversation_id, subject, sender, recipients, sent_at, received_at, body, logged_at, archived, location)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?10, ?9, 1, 'archive')",
        )?;
        let mut entry = tx.prepare(
            "INSERT INTO interaction_log_entries (contact_no, contact_company, salesperson_code, occurred_at, subject, direction, initiated_by, logged_message_id, account, conversation_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'crm-log@contoso.example', ?9)",
        )?;
        let start = Utc.with_ymd_and_hms(2021, 1, 1, 0, 0, 0).unwrap();
        let span = 5 * 365 * 24 * 3600i64;
        for n in 0..MESSAGES {
            let at =
                start + Duration::seconds(n as i64 * span / MESSAGES as i64 + r.below(120) as i64);
            let at = emaillog::store::ts(at);
            let ci = r.below(CONTACTS);
            let si = r.below(SALESPEOPLE);
            let contact = format!("Contact {ci}");
            let sp = format!("Sales Person {si}");
            let topic = WORDS[10 + r.below(WORDS.len() - 10)];
            let subject = format!(
                "{}{} {} for {}",
                if r.below(3) == 0 { "RE: " } else { "" },
                topic,
                WORDS[10 + r.below(WORDS.len() - 10)],
                companies[ci % COMPANIES]
            );
            let inbound = r.below(2) == 0;
            let b = body(&mut r, n, &contact, &sp);
            let id = n as i64 + 1;
            let conversation = format!("conv-{}-{}", topic, ci % COMPANIES);
            msg.execute(params![
                id,
                format!("<{n}@mail.example>"),
                format!("AAkALg{n:012}"),
                format!("https://outlook.office365.com/owa/?ItemID=AAkALg{n:012}"),
                conversation,
                subject,
                if inbound {
                    format!("{contact} <contact{ci}@company{}.example>", ci % COMPANIES)
                } else {
                    format!("{sp} <sales{si}@contoso.example>")
                },
                "[]",
                at,
                b
            ])?;
            let dir = if inbound { "inbound" } else { "outbound" };
            let by = if inbound { "them" } else { "us" };
            // Every fourth message has a colleague of the contact in Cc.
            let colleague = (n % 4 == 0).then_some((ci + COMPANIES) % CONTACTS);
            for c in std::iter::once(ci).chain(colleague) {
                entry.execute(params![
                    format!("CT{c:05}"),
                    companies[c % COMPANIES],
                    format!("S{si:02}"),
                    at,
                    subject,
                    dir,
                    by,
                    id,
                    conversation
                ])?;
            }
        }
    }
    tx.commit()?;
    eprintln!(
        "  rows written in {:.0} s; indexing for search…",
        t0.elapsed().as_secs_f64()
    );
    // The contact figures, counted as migration 18 counts an existing log
    // (the engine keeps them as it logs; this builder writes rows itself).
    let migration = include_str!("../src/store/sql/18_contact_signals.sql");
    let count = migration
        .find("INSERT INTO contact_days")
        .expect("migration 18 counts the log");
    c.execute_batch(&migration[count..])?;
    // The contacts' conversations: marked as migration 24 marks an existing
    // log; the first measuring run recomputes them (`conversations_fill_s`).
    let migration = include_str!("../src/store/sql/24_conversation_state.sql");
    let mark = migration
        .find("INSERT INTO signals_dirty")
        .expect("migration 24 marks the contacts");
    c.execute_batch(&migration[mark..])?;
    c.execute_batch(
        "INSERT INTO logged_messages_fts(rowid, subject, body) SELECT id, subject, coalesce(body, '') FROM logged_messages;
         UPDATE search_index_state SET upto = (SELECT max(id) FROM logged_messages);
         INSERT INTO logged_messages_fts(logged_messages_fts) VALUES ('optimize');
         ANALYZE;",
    )?;
    c.pragma_update(None, "journal_mode", "WAL")?;
    drop(c);
    std::fs::rename(&building, path).unwrap();
    eprintln!("  built in {:.0} s", t0.elapsed().as_secs_f64());
    Ok(())
}

/// The database, built on first use.
fn database() -> PathBuf {
    let path = data_dir().join("tui-1m-v2.db");
    if !path.exists() {
        eprintln!("building {} (once; later runs reuse it)…", path.display());
        build(&path).expect("build the benchmark database");
    }
    path
}

struct Ui {
    state: UiState,
    reader: LogReader,
    term: Terminal<TestBackend>,
}

impl Ui {
    /// Feeds a message and answers every read it causes, then draws.
    fn feed(&mut self, msg: Msg) {
        let mut queue = std::collections::VecDeque::from([msg]);
        while let Some(m) = queue.pop_front() {
            for effect in self.state.update(m) {
                match effect {
                    Effect::Page(req) => {
                        queue.push_back(answer(&mut self.reader, Read::Page(Box::new(req))))
                    }
                    Effect::OpenMessage(n) => {
                        queue.push_back(answer(&mut self.reader, Read::Message(n)))
                    }
                    // Search as you type: the pause after each keystroke
                    // has passed (the worst case: a search per keystroke).
                    Effect::After { due, .. } => queue.push_back(Msg::Due(due)),
                    _ => {}
                }
            }
        }
        self.term.draw(|f| view::draw(f, &self.state)).unwrap();
    }

    /// Milliseconds from the action to its frame.
    fn key(&mut self, a: Action) -> f64 {
        let t = Instant::now();
        self.feed(Msg::Action(a));
        t.elapsed().as_secs_f64() * 1000.0
    }

    fn typed(&mut self, text: &str) {
        for c in text.chars() {
            self.feed(Msg::Typed(KeyEvent::new(
                KeyCode::Char(c),
                KeyModifiers::NONE,
            )));
        }
    }

    fn search(&mut self, word: &str) -> f64 {
        self.feed(Msg::Action(Action::Back));
        self.feed(Msg::Action(Action::Search));
        self.typed(word);
        self.key(Action::Open)
    }
}

fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i]
}

fn median(mut f: impl FnMut() -> f64, n: usize) -> f64 {
    let mut v: Vec<f64> = (0..n).map(|_| f()).collect();
    pct(&mut v, 0.5)
}

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

/// The measurements, in a process of their own.
fn child(db: &Path) {
    let t = Instant::now();
    let app = App::new(db);
    let reader = app.log_reader().expect("open the log");
    let now = Utc::now();
    let mut state = UiState::new(Role::User, now, FixedOffset::east_opt(0).unwrap());
    state.update(Msg::Resize(SIZE.0, SIZE.1));
    let mut ui = Ui {
        state,
        reader,
        term: Terminal::new(TestBackend::new(SIZE.0, SIZE.1)).unwrap(),
    };
    ui.feed(Msg::Action(Action::Go(Screen::Log)));
    let first = t.elapsed().as_secs_f64() * 1000.0;
    assert!(!ui.state.log.rows.is_empty(), "the log has entries");
    println!("first_frame_ms: {first:.2}");

    let mut line: Vec<f64> = (0..3000).map(|_| ui.key(Action::Down)).collect();
    println!("scroll_line_p50_ms: {:.3}", pct(&mut line, 0.5));
    println!("scroll_line_p99_ms: {:.3}", pct(&mut line, 0.99));
    let mut page: Vec<f64> = (0..400).map(|_| ui.key(Action::PageDown)).collect();
    println!("scroll_page_p99_ms: {:.3}", pct(&mut page, 0.99));
    let before = ui.state.log.selected().map(|e| e.entry_no);
    let (mut end, mut start) = (Vec::new(), Vec::new());
    for _ in 0..11 {
        end.push(ui.key(Action::Bottom));
        start.push(ui.key(Action::Top));
    }
    assert_ne!(before, ui.state.log.selected().map(|e| e.entry_no));
    ui.key(Action::Bottom);
    let oldest = ui.state.log.selected().map(|e| e.entry_no);
    assert_eq!(oldest, Some(1), "G reaches the first entry ever written");
    ui.key(Action::Top);
    println!("jump_end_ms: {:.3}", pct(&mut end, 0.5));
    println!("jump_start_ms: {:.3}", pct(&mut start, 0.5));

    // `c` on an entry: only its contact (`c` again: everyone).
    let filter = median(
        || {
            ui.key(Action::Down);
            let ms = ui.key(Action::ByContact);
            assert!(ui.state.log.view.contact_no.is_some());
            ui.key(Action::ByContact);
            ms
        },
        11,
    );
    println!("filter_contact_ms: {filter:.3}");

    let rare = ui.search(RARE);
    let hits = ui.state.log.rows.len();
    assert!(
        (10..=40).contains(&hits),
        "the rare word is in {hits} entries"
    );
    println!("search_rare_ms: {rare:.3}");
    let common = ui.search(COMMON);
    assert!(
        ui.state.log.rows.len() >= 100,
        "the common word fills a page"
    );
    println!("search_common_ms: {common:.3}");
    // Either side of where looking up by message stops paying.
    for (name, word) in [("uncommon", UNCOMMON), ("middling", MIDDLING)] {
        let ms = ui.search(word);
        assert!(ui.state.log.rows.len() >= 40, "{word} fills a screen");
        println!("search_{name}_ms: {ms:.3}");
    }

    // Search as you type: each keystroke's search, its count and its frame.
    let mut keystrokes = Vec::new();
    for words in [COMMON, RARE, "quote pallets", "zzqx"] {
        ui.feed(Msg::Action(Action::Back));
        ui.feed(Msg::Action(Action::Back));
        ui.feed(Msg::Action(Action::Search));
        for c in words.chars() {
            let t = Instant::now();
            ui.feed(Msg::Typed(KeyEvent::new(
                KeyCode::Char(c),
                KeyModifiers::NONE,
            )));
            keystrokes.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        ui.feed(Msg::Action(Action::Open));
    }
    println!("search_keystrokes: {}", keystrokes.len());
    println!("search_keystroke_p50_ms: {:.3}", pct(&mut keystrokes, 0.5));
    println!("search_keystroke_p99_ms: {:.3}", pct(&mut keystrokes, 0.99));

    ui.search(BIG);
    let big = ui.key(Action::Open);
    let lines = match &ui.state.overlay {
        Some(emaillog::tui::state::Overlay::Message(m)) => m.lines.len(),
        _ => 0,
    };
    assert!(lines > 500, "the 100 KB body is open ({lines} lines)");
    println!("open_100kb_ms: {big:.3}");
    signals(&app, &ui.state.log.rows[0].contact_no);
    println!("peak_rss_mib: {:.1}", peak_rss_mib());
}

/// Issue 21's reports at the data's end (1 January 2026): a contact's
/// card, going cold, reply times by salesperson over 90 days, follow-ups.
/// Follow-ups and reply times read the waits and answers kept per contact;
/// `exchanged_120_days_read_ms` and `follow_ups_compute_ms` are what a
/// recount from the log itself costs (what they cost before they were
/// kept).
fn signals(app: &App, contact: &str) {
    use emaillog::domain::reply_times::By;
    let end = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let t = Instant::now();
    let card = app
        .contact_report(contact, end, 200)
        .expect("a contact's card");
    println!("contact_card_ms: {:.3}", t.elapsed().as_secs_f64() * 1000.0);
    println!(
        "contact_card_messages: {}",
        card.card.inbound_total + card.card.outbound_total
    );
    let t = Instant::now();
    let cold = app.going_cold(21, end).expect("going cold");
    println!(
        "going_cold_first_page_ms: {:.3}",
        t.elapsed().as_secs_f64() * 1000.0
    );
    println!("going_cold_rows: {}", cold.len());
    let t = Instant::now();
    let times = app
        .reply_times(By::Salesperson, end - Duration::days(90), end, None)
        .expect("reply times");
    println!(
        "reply_times_by_salesperson_ms: {:.3}",
        t.elapsed().as_secs_f64() * 1000.0
    );
    println!(
        "reply_times_replies: {}",
        times.iter().map(|r| r.stats.replies).sum::<usize>()
    );
    // Of which reading the 120 days of messages is (the rest is grouping
    // them into conversations).
    let t = Instant::now();
    let read = app
        .store()
        .expect("store")
        .exchanged(end - Duration::days(120), end)
        .expect("exchanged");
    println!(
        "exchanged_120_days_read_ms: {:.3}",
        t.elapsed().as_secs_f64() * 1000.0
    );
    println!("exchanged_120_days_messages: {}", read.len());
    let week = emaillog::domain::work_week::WorkWeek::default();
    let t = Instant::now();
    let computed = emaillog::domain::follow_ups::follow_ups(&read, &week, 2, end);
    println!(
        "follow_ups_compute_ms: {:.3}",
        t.elapsed().as_secs_f64() * 1000.0
    );
    let t = Instant::now();
    let marks = app
        .store()
        .expect("store")
        .follow_up_dismissals(end - Duration::days(120))
        .expect("marks");
    println!(
        "follow_ups_dismissals_ms: {:.3} ({} of {})",
        t.elapsed().as_secs_f64() * 1000.0,
        marks.len(),
        computed.len()
    );
    // The Follow-ups screen's first page: what is due by the end of the
    // day, with names and subjects, and the contacts going cold.
    let t = Instant::now();
    let board = app
        .follow_up_board(&emaillog::app::follow_ups::SignalSettings::default(), end)
        .expect("follow-ups");
    println!(
        "follow_ups_first_page_ms: {:.3}",
        t.elapsed().as_secs_f64() * 1000.0
    );
    println!("follow_ups_rows: {}", board.due.len());
}

/// Contacts recomputed for `conversations_refresh_contact_us`.
const REFRESHED: usize = 2_000;

/// The contacts' kept conversations: filled once when the database has
/// none yet (a database built, or made by an emaillog before migration
/// 24), then what recomputing one contact costs the engine, over
/// [`REFRESHED`] contacts marked afresh.
fn refresh(store: &mut emaillog::store::Store, db: &Path) {
    let pending = store.conversations_pending().expect("pending");
    if pending > 0 {
        let t = Instant::now();
        let n = store.refresh_all_conversations().expect("fill");
        eprintln!(
            "  conversations of {n} contacts filled in {:.1} s",
            t.elapsed().as_secs_f64()
        );
        println!("conversations_fill_s: {:.1}", t.elapsed().as_secs_f64());
    }
    let c = Connection::open(db).expect("open");
    let marked = c
        .execute(
            "INSERT INTO signals_dirty (contact_no)
             SELECT DISTINCT contact_no FROM interaction_log_entries WHERE contact_no >= 'CT01000' LIMIT ?1",
            [REFRESHED as i64],
        )
        .expect("mark");
    drop(c);
    let t = Instant::now();
    let n = store.refresh_all_conversations().expect("refresh");
    assert_eq!(n, marked, "every contact marked is recomputed");
    println!(
        "conversations_refresh_contact_us: {:.1}",
        t.elapsed().as_secs_f64() * 1e6 / n.max(1) as f64
    );
}

/// Measures in a child process of its own (its peak RSS is the app's).
fn measure(db: &Path) {
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .env("EMAILLOG_BENCH_TUI_CHILD", db)
        .status()
        .expect("run the measuring process");
    assert!(status.success(), "the measuring process failed");
}

/// The same figures on PostgreSQL (`EMAILLOG_BENCH_BACKEND=postgres`): the
/// SQLite database moved into a throwaway local server with `migrate`, as
/// an admin would, analysed, then measured as on SQLite.
fn on_postgres(sqlite: &Path) {
    let Some(server) = emaillog::store::testing::PgServer::start() else {
        println!("postgres: skipped (no PostgreSQL server binaries)");
        return;
    };
    let url = server.database("tui");
    let t = Instant::now();
    let mut last = (String::new(), 0u64);
    let moved = App::new(sqlite).migrate_to(Path::new(&url), &mut |table, n, total| {
        let tenth = n * 10 / total.max(1);
        if (table.to_string(), tenth) != last {
            eprintln!("  {table}: {n} of {total}");
            last = (table.to_string(), tenth);
        }
    });
    moved.expect("move the database to PostgreSQL");
    emaillog::store::testing::connect(Path::new(&url))
        .execute_batch("VACUUM ANALYZE")
        .expect("analyse");
    println!("backend: postgres");
    println!("migrate_s: {:.0}", t.elapsed().as_secs_f64());
    measure(Path::new(&url));
}

fn main() {
    if let Some(db) = std::env::var_os("EMAILLOG_BENCH_TUI_CHILD") {
        child(Path::new(&db));
        return;
    }
    let db = database();
    // A database built by an older emaillog is migrated here, not inside
    // the first frame's measurement.
    let t = Instant::now();
    let mut store = emaillog::store::Store::open(&db).expect("open (and migrate) the database");
    eprintln!("  opened in {:.1} s", t.elapsed().as_secs_f64());
    refresh(&mut store, &db);
    drop(store);
    println!("entries: {ENTRIES}");
    // With PostgreSQL, SQLite's figures first: side by side in one run.
    let postgres = std::env::var("EMAILLOG_BENCH_BACKEND").is_ok_and(|b| b == "postgres");
    if postgres {
        println!("backend: sqlite");
    }
    measure(&db);
    if postgres {
        on_postgres(&db);
    }
}
