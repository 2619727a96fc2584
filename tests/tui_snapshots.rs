//! Every screen, overlay and dialog of the terminal UI drawn through
//! ratatui's TestBackend at 80×24 and 140×45, driven by the same actions
//! and messages the real loop sends. Time is fixed and shown in UTC, so
//! nothing on screen changes between runs.

use chrono::{DateTime, Duration, FixedOffset, Utc};
use emaillog::app::login::LoginPrompt;
use emaillog::app::overview::{Overview, Role};
use emaillog::app::validate::Check;
use emaillog::auth::device_code::DevicePrompt;
use emaillog::domain::job::{JobEntry, JobStatus};
use emaillog::domain::setup::{AuthFlow, Setup};
use emaillog::engine::EngineEvent;
use emaillog::store::{Activity, JobLogEntry, LeaseHolder, MailboxRow, RunCounts, StuckMessage};
use emaillog::tui::action::{Action, Screen};
use emaillog::tui::msg::Msg;
use emaillog::tui::state::UiState;
use emaillog::tui::view;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

const SIZES: [(u16, u16); 3] = [(80, 24), (140, 45), (60, 20)];
const ME: &str = "crm-host:3f2a:4026531836:4242:987654:0badf00d";

fn now() -> DateTime<Utc> {
    "2026-11-27T14:30:00Z".parse().unwrap()
}

fn at(mins_ago: i64) -> String {
    emaillog::store::ts(now() - Duration::minutes(mins_ago))
}

fn run(
    id: i64,
    mins_ago: i64,
    status: &str,
    read: u32,
    logged: u32,
    skipped: u32,
    failed: u32,
) -> JobLogEntry {
    let mut by_reason = std::collections::BTreeMap::new();
    if skipped > 0 {
        by_reason.insert("no_contact".to_string(), skipped);
    }
    JobLogEntry {
        id,
        started_at: at(mins_ago),
        ended_at: (status != "In process").then(|| {
            emaillog::store::ts(now() - Duration::minutes(mins_ago) + Duration::seconds(3))
        }),
        status: status.into(),
        counts: RunCounts {
            read,
            logged,
            entries: logged,
            archived_only: 0,
            skipped,
            failed,
            skipped_by_reason: by_reason,
        },
        error: (status == "Error").then(|| {
            "the mail service answered 503 Service Unavailable; the run will be retried".to_string()
        }),
        run_by: "crm-log@contoso.example".into(),
        pages: 1 + read / 50,
        backlog: (status == "In process").then_some(120),
        holder: ME.into(),
        updated_at: None,
        // The day's retention pass ran after run 57.
        retention: (id == 57).then_some(emaillog::domain::retention::Removed {
            bodies: 120,
            entries: 14,
            messages: 9,
            skipped: 30,
            mailbox_deletions: 39,
        }),
    }
}

fn overview() -> Overview {
    let setup = Setup {
        mailbox: "crm-log@contoso.example".into(),
        tenant: "contoso.example".into(),
        client_id: "5e3ce6c0-2b1f-4285-8d4b-75ee78787346".into(),
        auth_flow: AuthFlow::DeviceCode,
        enabled: true,
        consent_given: true,
        account: Some("logger@contoso.example".into()),
        has_client_secret: false,
        ..Setup::default()
    };
    let mut per_hour = vec![0u64; 24];
    for (i, v) in per_hour.iter_mut().enumerate() {
        *v = ((i * 7) % 11) as u64 + if i > 8 && i < 18 { 12 } else { 0 };
    }
    Overview {
        setup,
        job: Some(JobEntry {
            status: JobStatus::InProcess,
            interval_secs: 600,
            max_attempts: 3,
            attempts: 1,
            last_error: Some(
                "the mail service answered 503 Service Unavailable; the run will be retried".into(),
            ),
            next_run_at: now() + Duration::minutes(10),
            last_run_at: Some(now() - Duration::minutes(1)),
            waiting_since: None,
        }),
        token_expires: Some(now() + Duration::minutes(42)),
        today: Activity {
            logged: 187,
            skipped: 41,
            failed: 2,
            logged_per_hour: per_hour,
            skipped_per_hour: (0..24).map(|i| (i % 5) as u64).collect(),
            first_hour: Some(now() - Duration::hours(23)),
            logged_per_day: (0..14)
                .map(|i| [0, 40, 95, 120, 88, 60, 0][i % 7])
                .collect(),
            skipped_per_day: (0..14).map(|i| [0, 9, 20, 31, 18, 12, 1][i % 7]).collect(),
            // Days begin at midnight UTC: the snapshots show UTC.
            first_day: Some("2026-11-14T00:00:00Z".parse().unwrap()),
        },
        runs: vec![
            run(58, 1, "In process", 80, 52, 27, 1),
            run(57, 11, "Error", 12, 3, 8, 1),
            run(56, 21, "Success", 40, 24, 16, 0),
            run(55, 31, "Success", 0, 0, 0, 0),
            run(54, 41, "Success", 0, 0, 0, 0),
            run(53, 51, "Success", 0, 0, 0, 0),
        ],
        stuck: vec![StuckMessage {
            mailbox_id: "AAMkAGI2TG93AAA=".into(),
            subject: "Quote for 40 pallets \u{1b}[31mURGENT".into(),
            attempts: 3,
            last_error: "the Skipped folder cannot be created: access denied".into(),
            since: at(30),
        }],
        lease: Some(LeaseHolder {
            holder: ME.into(),
            until: now() + Duration::seconds(30),
        }),
        salespeople: 5,
        contacts: 36,
        mailboxes: vec![mailbox(1, "crm-log@contoso.example")],
        mailbox_no: 1,
        restricted: false,
    }
}

fn mailbox(no: i64, address: &str) -> MailboxRow {
    MailboxRow {
        no,
        address: address.into(),
        source: "graph".into(),
        enabled: true,
        job_status: Some("Ready".into()),
        last_error: None,
        last_run_at: Some(at(4)),
        backlog: Some(0),
        stuck: 0,
    }
}

fn state(role: Role) -> UiState {
    let mut s = UiState::new(role, now(), FixedOffset::east_opt(0).unwrap());
    s.engine.holder = (role == Role::Admin).then(|| ME.to_string());
    s.update(Msg::Overview(Ok(Box::new(overview()))));
    s.update(Msg::Engine(EngineEvent::RunStarted { at: now() }));
    for i in 0..6 {
        s.update(Msg::Engine(EngineEvent::Logged {
            subject: format!("Re: Spring pricing #{i}\u{7}\u{1b}]0;pwned\u{7}"),
            direction: "inbound".into(),
            pairs: vec![("AH".into(), "CT000012".into())],
        }));
    }
    s.update(Msg::Engine(EngineEvent::Skipped {
        subject: "Newsletter: November".into(),
        reason: "auto_generated".into(),
        detail: "List-Unsubscribe".into(),
    }));
    s
}

fn act(s: &mut UiState, actions: &[Action]) {
    for a in actions {
        s.update(Msg::Action(*a));
    }
}

fn type_text(s: &mut UiState, text: &str) {
    for c in text.chars() {
        s.update(Msg::Typed(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::NONE,
        )));
    }
}

fn clear_text(s: &mut UiState) {
    for _ in 0..80 {
        s.update(Msg::Typed(KeyEvent::new(
            KeyCode::Backspace,
            KeyModifiers::NONE,
        )));
    }
}

fn snap(name: &str, s: &mut UiState) {
    for (w, h) in SIZES {
        s.update(Msg::Resize(w, h));
        let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
        t.draw(|f| view::draw(f, s)).unwrap();
        let text = format!("{}", t.backend());
        assert!(
            !text.contains('\u{1b}'),
            "{name}: an escape sequence from mail reached the screen"
        );
        assert!(
            !text.contains('\u{7}'),
            "{name}: a control character from mail reached the screen"
        );
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), text);
    }
}

#[test]
fn status() {
    snap("status", &mut state(Role::Admin));
    // c: the last 14 days, a day a pair of bars, labelled by the day.
    let mut s = state(Role::Admin);
    act(&mut s, &[Action::ChartSpan]);
    assert!(s.status.per_day);
    snap("status_per_day", &mut s);
    let words = screen_words(&mut s, 140, 45, false);
    assert!(words.contains("per day: ▌logged ▌skipped"), "{words}");
    assert!(
        words.contains("14 15 16 17 18 19 20 21 22 23 24 25 26 27"),
        "{words}"
    );
    act(&mut s, &[Action::ChartSpan]);
    assert!(!screen_words(&mut s, 140, 45, false).contains("per day"));
}

/// A job that keeps failing with errors retrying can fix says "Waiting"
/// and since when, never Error, on both screens that show it.
#[test]
fn status_and_job_queue_while_the_service_is_down() {
    let mut s = state(Role::Admin);
    let mut o = overview();
    if let Some(j) = o.job.as_mut() {
        j.status = JobStatus::Ready;
        j.attempts = 7;
        j.waiting_since = Some(now() - Duration::minutes(34));
    }
    s.update(Msg::Overview(Ok(Box::new(o))));
    snap("status_waiting", &mut s);
    act(&mut s, &[Action::Go(Screen::Jobs)]);
    snap("jobs_waiting", &mut s);
}

/// Throttled mid-run: the Status screen says Graph asked to wait and
/// what is left, instead of going silent.
#[test]
fn status_while_graph_throttles() {
    let mut s = state(Role::Admin);
    s.update(Msg::Engine(EngineEvent::Throttled {
        wait_ms: 30_000,
        left: Some(4812),
    }));
    snap("status_throttled", &mut s);
}

/// An IMAP setup says IMAP, its server and its user, never Graph.
#[test]
fn status_for_an_imap_setup() {
    use emaillog::domain::setup::{ImapAuth, ImapTls, SourceKind};
    let mut s = state(Role::Admin);
    let mut o = overview();
    o.setup.source = SourceKind::Imap;
    o.setup.imap_host = "mail.contoso.example".into();
    o.setup.imap_port = 993;
    o.setup.imap_tls = ImapTls::Implicit;
    o.setup.imap_user = "crm-log@contoso.example".into();
    o.setup.imap_auth = ImapAuth::Password;
    o.setup.has_imap_password = true;
    o.setup.account = None;
    s.update(Msg::Overview(Ok(Box::new(o))));
    snap("status_imap", &mut s);
}

#[test]
fn status_before_the_database_answers() {
    let mut s = UiState::new(Role::Admin, now(), FixedOffset::east_opt(0).unwrap());
    snap("status_loading", &mut s);
}

#[test]
fn status_watching_a_headless_runner() {
    let mut s = state(Role::User);
    snap("status_watching", &mut s);
}

#[test]
fn setup_admin_and_user_view() {
    let mut s = state(Role::Admin);
    act(
        &mut s,
        &[Action::Go(Screen::Setup), Action::Down, Action::Down],
    );
    snap("setup_admin", &mut s);
    let mut s = state(Role::User);
    act(&mut s, &[Action::Go(Screen::Setup)]);
    snap("setup_user", &mut s);
}

/// A PostgreSQL role with the users' share: the overview has the day's
/// mail and the mailboxes' names only; Status, Job queue and Setup say
/// whose the rest is instead of an error.
#[test]
fn a_database_role_with_the_users_share() {
    let mut o = overview();
    o.restricted = true;
    o.job = None;
    o.runs.clear();
    o.stuck.clear();
    o.lease = None;
    o.token_expires = None;
    o.setup = Setup {
        mailbox: "crm-log@contoso.example".into(),
        ..Setup::default()
    };
    let mut s = UiState::new(Role::User, now(), FixedOffset::east_opt(0).unwrap());
    s.update(Msg::Overview(Ok(Box::new(o))));
    snap("restricted_status", &mut s);
    act(&mut s, &[Action::Go(Screen::Jobs)]);
    snap("restricted_jobs", &mut s);
    act(&mut s, &[Action::Go(Screen::Setup)]);
    snap("restricted_setup", &mut s);
}

#[test]
fn setup_editing() {
    let mut s = state(Role::Admin);
    act(
        &mut s,
        &[Action::Go(Screen::Setup), Action::Down, Action::Open],
    );
    snap("edit_unchanged", &mut s);
    clear_text(&mut s);
    type_text(&mut s, "not-an-address");
    snap("edit_invalid", &mut s);
    act(&mut s, &[Action::Open]);
    assert!(
        matches!(s.overlay, Some(emaillog::tui::state::Overlay::Edit { .. })),
        "Enter on an invalid value saves nothing and keeps the editor open"
    );
    clear_text(&mut s);
    type_text(&mut s, "sales-log@contoso.example");
    snap("edit_clears_consent", &mut s);
    act(&mut s, &[Action::Open]);
    snap("confirm_clears_consent", &mut s);
    match &s.overlay {
        Some(emaillog::tui::state::Overlay::Confirm { question, .. }) => {
            assert!(
                question.starts_with("Logging is on: the job goes on with the new shared mailbox"),
                "{question}"
            );
            assert!(question.contains("sign in again"), "{question}");
        }
        other => panic!("{other:?}"),
    }
    let mut s = state(Role::Admin);
    act(
        &mut s,
        &[
            Action::Go(Screen::Setup),
            Action::Down,
            Action::Down,
            Action::Down,
            Action::Down,
            Action::Open,
        ],
    );
    type_text(&mut s, "s3cret-value");
    snap("edit_secret_masked", &mut s);
}

#[test]
fn setup_dialogs() {
    let mut s = state(Role::Admin);
    act(&mut s, &[Action::Go(Screen::Setup), Action::SignIn]);
    snap("sign_in_starting", &mut s);
    s.update(Msg::SignInPrompt(LoginPrompt::Device(DevicePrompt {
        verification_uri: "https://microsoft.com/devicelogin".into(),
        user_code: "FQK7-PLMX".into(),
        message: "To sign in, use a web browser".into(),
        expires_in_secs: 900,
    })));
    snap("sign_in_device_code", &mut s);
    s.update(Msg::SignInDone(Ok("logger@contoso.example".into())));
    snap("sign_in_done", &mut s);
    let mut s = state(Role::Admin);
    act(&mut s, &[Action::Go(Screen::Setup), Action::SignIn]);
    s.update(Msg::SignInPrompt(LoginPrompt::OpenUrl(
        "https://login.microsoftonline.com/contoso.example/oauth2/v2.0/authorize?client_id=5e3c&redirect_uri=http%3A%2F%2Flocalhost%3A8400%2F&code_challenge=x".into(),
    )));
    snap("sign_in_browser", &mut s);
    s.update(Msg::SignInDone(Err(
        "sign-in failed: the code expired; sign in again".into(),
    )));
    snap("sign_in_failed", &mut s);

    let mut s = state(Role::Admin);
    act(&mut s, &[Action::Go(Screen::Setup), Action::Validate]);
    s.update(Msg::Check(Check {
        name: "fields complete",
        passed: true,
        detail: "mailbox, tenant, client id and credentials are set".into(),
        fix: None,
    }));
    s.update(Msg::Check(Check {
        name: "token obtainable",
        passed: false,
        detail: "the refresh token was refused".into(),
        fix: Some("sign in: emaillog login".into()),
    }));
    snap("validate_running", &mut s);
    s.update(Msg::ValidateDone(Ok(())));
    snap("validate_done", &mut s);

    let mut s = state(Role::Admin);
    act(
        &mut s,
        &[Action::Go(Screen::Setup), Action::Wizard, Action::Down],
    );
    snap("wizard", &mut s);
    act(&mut s, &[Action::Open]);
    snap("prompt_scripts_folder", &mut s);

    let mut s = state(Role::Admin);
    act(&mut s, &[Action::Go(Screen::Setup), Action::Disable]);
    snap("confirm_disable", &mut s);
}

/// Run-now on a held job asks first and keeps the hold unless confirmed.
#[test]
fn run_now_on_a_held_job_asks_first() {
    let mut s = state(Role::Admin);
    let mut o = overview();
    if let Some(j) = o.job.as_mut() {
        j.status = JobStatus::OnHold;
    }
    s.update(Msg::Overview(Ok(Box::new(o))));
    act(&mut s, &[Action::Go(Screen::Jobs)]);
    let effects = s.update(Msg::Action(Action::RunNow));
    assert!(
        effects.is_empty(),
        "nothing runs before the answer: {effects:?}"
    );
    snap("jobs_run_held", &mut s);
    let effects = s.update(Msg::Action(Action::No));
    assert!(
        effects.is_empty() && s.overlay.is_none(),
        "No keeps the hold"
    );
    s.update(Msg::Action(Action::RunNow));
    let effects = s.update(Msg::Action(Action::Yes));
    assert!(
        matches!(effects.as_slice(), [emaillog::tui::msg::Effect::RunNow]),
        "{effects:?}"
    );
}

#[test]
fn job_queue() {
    let mut s = state(Role::Admin);
    act(&mut s, &[Action::Go(Screen::Jobs), Action::Down]);
    snap("jobs", &mut s);
    act(&mut s, &[Action::SwitchList]);
    snap("jobs_stuck", &mut s);
    let mut s = state(Role::Admin);
    act(
        &mut s,
        &[Action::Go(Screen::Jobs), Action::Down, Action::Open],
    );
    snap("run_detail", &mut s);
    let mut s = state(Role::Admin);
    act(&mut s, &[Action::Go(Screen::Jobs), Action::Search]);
    type_text(&mut s, "error");
    act(&mut s, &[Action::Open]);
    snap("jobs_filtered", &mut s);
}

#[test]
fn overlays_and_the_rest() {
    let mut s = state(Role::Admin);
    act(&mut s, &[Action::Go(Screen::Jobs), Action::Help]);
    snap("help_jobs", &mut s);
    let mut s = state(Role::Admin);
    act(&mut s, &[Action::Palette]);
    type_text(&mut s, "run");
    snap("palette", &mut s);
    let mut s = state(Role::Admin);
    act(&mut s, &[Action::Quit]);
    snap("confirm_quit", &mut s);
}

#[test]
fn too_small() {
    let mut s = state(Role::Admin);
    let mut t = Terminal::new(TestBackend::new(20, 5)).unwrap();
    t.draw(|f| view::draw(f, &s)).unwrap();
    insta::assert_snapshot!("too_small_20x5", format!("{}", t.backend()));
    // Every size from 1×1 up draws without a panic.
    for w in 1..=60 {
        for h in 1..=20 {
            s.update(Msg::Resize(w, h));
            let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
            t.draw(|f| view::draw(f, &s)).unwrap();
        }
    }
}

#[test]
fn a_slow_database_says_so() {
    let mut s = state(Role::Admin);
    act(&mut s, &[Action::Go(Screen::Jobs), Action::Restart]);
    s.update(Msg::Tick(now() + Duration::seconds(4)));
    snap("waiting_for_the_database", &mut s);
    s.update(Msg::Done(Ok(
        "restarted: Ready, attempts reset, due now".into()
    )));
    s.update(Msg::Tick(now() + Duration::seconds(9)));
    snap("waiting_for_the_database_to_read", &mut s);
}

#[test]
fn a_click_picks_the_row_under_it() {
    let mut s = state(Role::Admin);
    s.update(Msg::Resize(80, 24));
    act(&mut s, &[Action::Go(Screen::Jobs)]);
    // Runs: body from row 1, the entry's 4 rows, the block's title, the header.
    s.update(Msg::Click(10, 9));
    assert_eq!(s.jobs.run_sel, 2, "the third run");
    act(&mut s, &[Action::Go(Screen::Setup)]);
    s.update(Msg::Click(5, 5));
    assert_eq!(
        s.selected_field(),
        Some(emaillog::app::setup_fields::FieldKey::ClientId)
    );
    // " 1 Status " is cells 0–9, " 2 Setup " 10–18, " 3 Jobs " 19–26.
    s.update(Msg::Click(9, 0));
    assert_eq!(s.screen, Screen::Status, "the first tab");
    s.update(Msg::Click(10, 0));
    assert_eq!(s.screen, Screen::Setup, "the second tab");
    s.update(Msg::Click(19, 0));
    assert_eq!(s.screen, Screen::Jobs, "the third tab");
    // At 60 columns the tabs are numbers, the current one named: " 1 " is
    // cells 0–2, " 2 " 3–5, " 3 Jobs " 6–13, " 4 " 14–16.
    s.update(Msg::Resize(60, 20));
    s.update(Msg::Click(15, 0));
    assert_eq!(s.screen, Screen::Log, "the fourth tab");
}

// ---- The users' screens: interaction log, message, opportunities, skipped, contacts.

use emaillog::app::log::{MessageDetail, Participant};
use emaillog::app::people::{ImportPreview, Preview};
use emaillog::app::review::SuggestedContact;
use emaillog::domain::{Contact, Money, Salesperson};
use emaillog::store::{EntryRow, KnownAddress, OpportunityRow, ReviewRow, StoredMessage};
use emaillog::tui::lists::Lists;
use emaillog::tui::log_window::LoadKind;
use emaillog::tui::msg::Effect;

const COMPANIES: [&str; 4] = [
    "Fabrikam, Inc.",
    "Northwind Traders",
    "Adventure Works",
    "Woodgrove Bank",
];
const TOPICS: [&str; 5] = [
    "Quote for 40 conference chairs",
    "RE: Renewal of the support contract",
    "Budget for the spring catalogue",
    "Delivery dates for order 10452",
    "RE: Budget approval \u{1b}[2J\u{1b}]0;owned\u{7}",
];

fn entry(n: i64) -> EntryRow {
    let at = now() - Duration::minutes(n * 37);
    let inbound = n % 3 != 0;
    EntryRow {
        entry_no: 1000 - n,
        datetime: emaillog::store::ts(at),
        direction: if inbound { "inbound" } else { "outbound" }.into(),
        initiated_by: if inbound { "them" } else { "us" }.into(),
        salesperson_code: ["AH", "BD", "PS"][n as usize % 3].into(),
        salesperson_name: ["Annette Hill", "Benjamin Diaz", "Priya Shah"][n as usize % 3].into(),
        contact_no: format!("CT{:04}", 10 + n % 7),
        contact_name: [
            "Alex Berg",
            "Maria Walsh",
            "Ivan Silva",
            "Zoe Kim",
            "Tom Rossi",
            "Mia Meyer",
            "Kofi Haddad",
        ][n as usize % 7]
            .into(),
        contact_company: COMPANIES[n as usize % 4].into(),
        subject: TOPICS[n as usize % 5].into(),
        internet_message_id: format!("<m{n}@x.example>"),
        conversation_id: format!("conv-{}", n % 5),
        web_link: "https://outlook.office365.com/owa/?ItemID=AAkALgAAAAAAHYQDEapm&exvsurl=1".into(),
        template_code: "EMAIL".into(),
        correspondence_type: "email".into(),
        account: "crm-log@contoso.example".into(),
        opportunity_no: (n == 2).then(|| "OP00007".to_string()),
        matched_by_domain: false,
        mailbox: "crm-log@contoso.example".into(),
        mailbox_no: 1,
        occurred_at: emaillog::store::ts(at),
        logged_message_id: 5000 - n,
        private: false,
    }
}

/// A user on the log screen with its first page in.
fn log_state(rows: usize) -> UiState {
    let mut s = state(Role::User);
    let effects = s.update(Msg::Action(Action::Go(Screen::Log)));
    answer_page(&mut s, &effects, (0..rows as i64).map(entry).collect());
    s
}

/// Answers the page the effects asked for with `rows`.
/// The page of the log the effects ask to read.
fn page_request(effects: &[Effect]) -> emaillog::tui::log_window::PageRequest {
    effects
        .iter()
        .find_map(|e| match e {
            Effect::Page(r) => Some(r.clone()),
            _ => None,
        })
        .expect("a page is asked for")
}

fn answer_page(s: &mut UiState, effects: &[Effect], rows: Vec<EntryRow>) {
    let req = page_request(effects);
    s.update(Msg::LogPage {
        generation: req.generation,
        kind: req.kind,
        result: Ok((rows, 0)),
    });
}

fn detail(n: i64) -> MessageDetail {
    let e = entry(n);
    let body = format!(
        "Hi Maria,\n\nThanks for the budget figures. \u{1b}[31mCould\u{1b}[0m you confirm the delivery dates for the spring catalogue by Friday?\n\n{}\nBest regards,\nAnnette Hill\nContoso Sales",
        "We would also like to discuss the volume discount for orders above 40 units, and whether the framework agreement covers next year. ".repeat(3)
    );
    MessageDetail {
        message: StoredMessage {
            id: e.logged_message_id,
            internet_message_id: e.internet_message_id.clone(),
            conversation_id: e.conversation_id.clone(),
            web_link: e.web_link.clone(),
            subject: e.subject.clone(),
            sender: "Annette Hill <annette@contoso.example>".into(),
            recipients: r#"[{"name":"Maria Walsh","address":"maria@northwind.example","kind":"to"},{"name":"","address":"buyer@northwind.example","kind":"cc"}]"#.into(),
            sent_at: Some(emaillog::store::ts(now() - Duration::minutes(75))),
            received_at: Some(emaillog::store::ts(now() - Duration::minutes(74))),
            body: Some(body),
            location: "archive".into(),
        },
        participants: vec![
            Participant {
                role: "From",
                name: "Annette Hill".into(),
                address: "annette@contoso.example".into(),
                known: Some(KnownAddress::Salesperson { code: "AH".into(), name: "Annette Hill".into() }),
            },
            Participant {
                role: "To",
                name: "Maria Walsh".into(),
                address: "maria@northwind.example".into(),
                known: Some(KnownAddress::Contact { no: "CT0011".into(), name: "Maria Walsh".into(), company: "Northwind Traders".into() }),
            },
            Participant { role: "Cc", name: String::new(), address: "buyer@northwind.example".into(), known: None },
        ],
        conversation: vec![entry(7), entry(n), entry(0)],
        attachments: vec![
            attachment(e.logged_message_id, 1, "Tilbud våren 2027.pdf", "application/pdf", 1_248_000, false),
            attachment(e.logged_message_id, 2, "image001.png", "image/png", 14_200, true),
            attachment(e.logged_message_id, 3, "Prisliste \u{202e}xslx.exe", "application/vnd.ms-excel", 312, false),
        ],
        opened_by: None,
        entry: e,
    }
}

fn attachment(
    message: i64,
    seq: i64,
    name: &str,
    content_type: &str,
    size: i64,
    inline: bool,
) -> emaillog::store::StoredAttachment {
    emaillog::store::StoredAttachment {
        logged_message_id: message,
        seq,
        source_id: format!("AAMkAtt{seq}"),
        name: name.into(),
        content_type: content_type.into(),
        size,
        inline,
    }
}

#[test]
fn the_interaction_log() {
    let mut s = log_state(60);
    act(&mut s, &[Action::Down, Action::Down]);
    snap("log", &mut s);
    act(&mut s, &[Action::Help]);
    snap("help_log", &mut s);
}

#[test]
fn the_log_searched_filtered_and_empty() {
    let mut s = log_state(60);
    act(&mut s, &[Action::Search]);
    type_text(&mut s, "budget");
    snap("log_search_prompt", &mut s);
    let effects = s.update(Msg::Action(Action::Open));
    let hits: Vec<EntryRow> = (0..40)
        .map(entry)
        .filter(|e| e.subject.to_lowercase().contains("budget"))
        .collect();
    answer_page(&mut s, &effects, hits);
    snap("log_search", &mut s);
    act(&mut s, &[Action::Filters]);
    snap("log_filters_form", &mut s);
    // Down to the direction, Space cycles it; then a date that is not one.
    act(&mut s, &[Action::Down, Action::Down, Action::Down]);
    type_text(&mut s, " ");
    act(&mut s, &[Action::Down]);
    type_text(&mut s, "2026-13-01");
    snap("log_filters_invalid", &mut s);
    clear_text(&mut s);
    type_text(&mut s, "2026-11-01");
    let effects = s.update(Msg::Action(Action::Open));
    assert!(s.overlay.is_none(), "valid filters are applied");
    answer_page(&mut s, &effects, Vec::new());
    snap("log_no_match", &mut s);
}

#[test]
fn the_message_and_its_conversation() {
    let mut s = log_state(30);
    act(&mut s, &[Action::Down, Action::Down]);
    let effects = s.update(Msg::Action(Action::Open));
    assert!(effects.contains(&Effect::OpenMessage(998)));
    snap("message_opening", &mut s);
    s.update(Msg::Message(Ok(Box::new(detail(2)))));
    snap("message", &mut s);
    // An admin sees who opened it (from the audit trail); a name as
    // hostile as any is one line.
    let mut d = detail(2);
    d.opened_by = Some(vec!["kari".into(), "ola\u{1b}[2J".into(), "per".into()]);
    s.update(Msg::Message(Ok(Box::new(d))));
    snap("message_opened_by", &mut s);
    let effects = s.update(Msg::Action(Action::CopyLink));
    assert!(matches!(&effects[..], [Effect::Copy(l)] if l.starts_with("https://outlook")));
    let effects = s.update(Msg::Action(Action::ConversationNext));
    assert_eq!(
        effects,
        vec![Effect::OpenMessage(1000)],
        "the next entry of the conversation"
    );
}

#[test]
fn p_marks_the_open_message_private_and_the_view_says_so_once_done() {
    let mut s = log_state(30);
    act(&mut s, &[Action::Down, Action::Down, Action::Open]);
    s.update(Msg::Message(Ok(Box::new(detail(2)))));
    let effects = s.update(Msg::Action(Action::TogglePrivate));
    assert_eq!(
        effects,
        vec![Effect::SetPrivate {
            entry_no: 998,
            on: true
        }]
    );
    s.update(Msg::Done(Ok(
        "the message of entry 998 is private: only the salespeople on it and admins see its subject, body and attachments".into(),
    )));
    snap("message_private", &mut s);
    // Refused (not on it): the view stays as it was.
    let effects = s.update(Msg::Action(Action::TogglePrivate));
    assert_eq!(
        effects,
        vec![Effect::SetPrivate {
            entry_no: 998,
            on: false
        }]
    );
    s.update(Msg::Done(Err("only a salesperson on the message of entry 998, or an admin, may change whether it is private".into())));
    match &s.overlay {
        Some(emaillog::tui::state::Overlay::Message(m)) => {
            assert!(m.detail.as_ref().unwrap().entry.private)
        }
        other => panic!("the message closed: {other:?}"),
    }
    // Whoever may not see it reads why there is no body.
    let mut d = detail(2);
    d.message.subject = "(private)".into();
    d.entry.subject = "(private)".into();
    d.message.body = None;
    d.attachments.clear();
    s.update(Msg::Message(Ok(Box::new(d))));
    snap("message_private_to_others", &mut s);
}

#[test]
fn an_attachment_is_saved_from_the_message() {
    let mut s = log_state(30);
    act(&mut s, &[Action::Down, Action::Down, Action::Open]);
    s.update(Msg::Message(Ok(Box::new(detail(2)))));
    // s: three attachments, so the list first.
    act(&mut s, &[Action::SaveAttachment]);
    snap("attachments_of_message", &mut s);
    act(
        &mut s,
        &[Action::Down, Action::Down, Action::SaveAttachment],
    );
    let (message, seq, value) = match &s.overlay {
        Some(emaillog::tui::state::Overlay::Prompt {
            purpose: emaillog::tui::state::PromptFor::SaveAttachment { message, seq },
            input,
            ..
        }) => (*message, *seq, input.value().to_string()),
        other => panic!("{other:?}"),
    };
    assert_eq!(seq, 3);
    assert!(
        value.ends_with("Prisliste xslx.exe") && !value.contains('\u{202e}'),
        "the name offered is a plain file name: {value:?}"
    );
    clear_text(&mut s);
    type_text(&mut s, "/tmp/prisliste.xls");
    snap("attachment_save_prompt", &mut s);
    assert_eq!(
        s.update(Msg::Action(Action::Open)),
        vec![Effect::SaveAttachment {
            message,
            seq: 3,
            path: "/tmp/prisliste.xls".into()
        }]
    );
    // When it is saved, the message opens again.
    let effects = s.update(Msg::Done(Ok(
        "saved Prisliste (312 bytes) to /tmp/prisliste.xls".into(),
    )));
    assert!(effects.contains(&Effect::OpenMessage(998)), "{effects:?}");
    // Esc in the list comes back to the message.
    s.update(Msg::Message(Ok(Box::new(detail(2)))));
    act(&mut s, &[Action::SaveAttachment, Action::Back]);
    assert!(matches!(
        &s.overlay,
        Some(emaillog::tui::state::Overlay::Message(_))
    ));
}

#[test]
fn a_new_opportunity_from_an_entry() {
    let mut s = log_state(30);
    act(&mut s, &[Action::Down, Action::NewOpportunity]);
    snap("opportunity_form", &mut s);
    act(&mut s, &[Action::Down]);
    type_text(&mut s, "twelve");
    snap("opportunity_form_invalid", &mut s);
    assert!(
        s.update(Msg::Action(Action::Open)).is_empty(),
        "not saved while invalid"
    );
    // An amount too large to keep is refused as typed, not rounded.
    clear_text(&mut s);
    type_text(&mut s, "99999999999999999999999");
    snap("opportunity_form_too_large", &mut s);
    assert!(
        s.update(Msg::Action(Action::Open)).is_empty(),
        "not saved while too large"
    );
    clear_text(&mut s);
    type_text(&mut s, "12,500");
    let effects = s.update(Msg::Action(Action::Open));
    match &effects[..] {
        [
            Effect::CreateOpportunity {
                entry_no,
                opportunity,
            },
        ] => {
            assert_eq!(*entry_no, 999);
            assert_eq!(
                opportunity.estimated_value.map(Money::minor),
                Some(1_250_000)
            );
            assert_eq!(opportunity.status, "In progress");
        }
        other => panic!("{other:?}"),
    }
    // An entry that has one says so instead.
    act(&mut s, &[Action::Down, Action::NewOpportunity]);
    assert!(s.overlay.is_none());
    snap("opportunity_exists", &mut s);
}

fn opportunity(no: &str, status: &str, minor: Option<i64>) -> OpportunityRow {
    OpportunityRow {
        no: no.into(),
        contact_no: "CT0011".into(),
        contact_name: "Maria Walsh".into(),
        company: "Northwind Traders".into(),
        salesperson_code: "AH".into(),
        salesperson_name: "Annette Hill".into(),
        description: "Budget for the spring catalogue".into(),
        status: status.into(),
        estimated_value: minor.and_then(Money::from_minor),
        close_date: Some("2026-12-27".into()),
        created_at: at(90),
        entries: 2,
    }
}

#[test]
fn opportunities() {
    let mut s = state(Role::User);
    let effects = s.update(Msg::Action(Action::Go(Screen::Opportunities)));
    assert!(!effects.is_empty(), "the list is read");
    s.update(Msg::Lists(Ok(Box::new(Lists::Opportunities(vec![
        opportunity("OP00009", "Won", Some(4_800_000)),
        opportunity("OP00008", "In progress", Some(1_250_050)),
        opportunity("OP00007", "Not started", None),
    ])))));
    act(&mut s, &[Action::Down]);
    snap("opportunities", &mut s);
    s.update(Msg::Action(Action::Open));
    s.update(Msg::Lists(Ok(Box::new(Lists::OpportunityEntries(
        "OP00008".into(),
        vec![entry(4), entry(2)],
    )))));
    snap("opportunity_detail", &mut s);
    let effects = s.update(Msg::Action(Action::Open));
    assert_eq!(
        effects,
        vec![Effect::OpenMessage(996)],
        "the entry's message"
    );
    // Esc goes back to the opportunity the message was opened from.
    act(&mut s, &[Action::Back]);
    assert!(
        matches!(&s.overlay, Some(emaillog::tui::state::Overlay::Opportunity { no, .. }) if no == "OP00008"),
        "{:?}",
        s.ctx()
    );
    act(&mut s, &[Action::Back, Action::Edit]);
    snap("opportunity_edit", &mut s);
}

fn review(n: usize, reason: &str) -> ReviewRow {
    ReviewRow {
        mailbox_no: 1,
        mailbox: "crm-log@contoso.example".into(),
        mailbox_id: format!("AAkALg{n:04}"),
        subject: [
            "Question about your products",
            "Fabrikam newsletter",
            "Automatic reply: Samples arrived",
        ][n % 3]
            .into(),
        sender: [
            "Nadia Okafor <nadia@blue-yonder.example>",
            "noreply@fabrikam.example",
            "Tom Rossi <tom\u{1b}[5m@northwind.example>",
        ][n % 3]
            .into(),
        recipients: r#"[{"name":"Annette Hill","address":"annette@contoso.example","kind":"to"}]"#
            .into(),
        received_at: Some(at(n as i64 * 13)),
        reason: reason.into(),
        detail: "neither side is a known salesperson and contact".into(),
        skipped_at: at(n as i64 * 13),
        disposition: "moved".into(),
        request: match n {
            1 => Some(("relog".into(), "pending".into(), String::new())),
            2 => Some((
                "relog".into(),
                "done".into(),
                "still not logged: no contact".into(),
            )),
            _ => None,
        },
    }
}

#[test]
fn the_skipped_review_queue() {
    let mut s = state(Role::User);
    s.update(Msg::Action(Action::Go(Screen::Skipped)));
    s.update(Msg::Lists(Ok(Box::new(Lists::Review(vec![
        review(0, "auto_generated"),
        review(1, "no_match"),
        review(2, "no_match"),
        review(3, "no_match"),
    ])))));
    act(&mut s, &[Action::Down, Action::Mark, Action::Mark]);
    snap("skipped", &mut s);
    let effects = s.update(Msg::Action(Action::Relog));
    match &effects[..] {
        [Effect::RequestReview { ids, .. }] => assert_eq!(ids.len(), 2, "the marked ones"),
        other => panic!("{other:?}"),
    }
    s.update(Msg::Done(Ok("relog requested".into())));
    act(&mut s, &[Action::Delete]);
    snap("skipped_confirm_delete", &mut s);
    act(&mut s, &[Action::No, Action::ContactFromSender]);
    let key = emaillog::store::ReviewKey {
        mailbox_no: 1,
        mailbox_id: "AAkALg0003".into(),
    };
    s.update(Msg::Lists(Ok(Box::new(Lists::SuggestedContact(
        key.clone(),
        SuggestedContact {
            no: "CT0037".into(),
            name: "Nadia Okafor".into(),
            company: "Blue Yonder".into(),
            email: "nadia@blue-yonder.example".into(),
        },
    )))));
    snap("contact_from_sender", &mut s);
    let effects = s.update(Msg::Action(Action::Open));
    assert!(
        matches!(&effects[..], [Effect::SaveContact { relog: Some(id), new: true, .. }] if *id == key),
        "saved, then re-logged: {effects:?}"
    );
}

#[test]
fn contacts_and_salespeople() {
    let mut s = state(Role::User);
    s.update(Msg::Action(Action::Go(Screen::Contacts)));
    s.update(Msg::Lists(Ok(Box::new(Lists::People(
        vec![
            Salesperson {
                code: "AH".into(),
                name: "Annette Hill".into(),
                email: "annette@contoso.example".into(),
            },
            Salesperson {
                code: "BD".into(),
                name: "Benjamin Diaz".into(),
                email: "ben@contoso.example".into(),
            },
        ],
        (0..12)
            .map(|i| Contact {
                no: format!("CT{:04}", i + 1),
                name: ["Alex Berg", "Maria Walsh", "Ivan Silva", "Zoe Kim"][i % 4].into(),
                company: COMPANIES[i % 4].into(),
                email: format!(
                    "person{i}@{}.example",
                    ["fabrikam", "northwind", "adventure-works", "woodgrove"][i % 4]
                ),
                alt_emails: if i == 0 {
                    vec!["alex.b@fabrikam-mail.example".into()]
                } else {
                    vec![]
                },
            })
            .collect(),
    )))));
    snap("contacts", &mut s);
    // v: the contact's card, read off the UI thread, then drawn.
    let effects = s.update(Msg::Action(Action::Card));
    assert_eq!(
        effects,
        vec![Effect::LoadLists(
            emaillog::tui::lists::ListsKind::ContactCard("CT0001".into())
        )]
    );
    snap("contact_card_reading", &mut s);
    let report = emaillog::app::signals::ContactReport {
        contact_no: "CT0001".into(),
        name: "Alex Berg".into(),
        company: COMPANIES[0].into(),
        email: "person0@fabrikam.example".into(),
        card: emaillog::store::ContactCard {
            last_inbound_at: Some(emaillog::store::ts(now() - Duration::minutes(37))),
            last_outbound_at: Some(emaillog::store::ts(now() - Duration::days(3))),
            inbound_total: 41,
            outbound_total: 38,
            inbound_30_days: 6,
            outbound_30_days: 4,
            inbound_90_days: 17,
            outbound_90_days: 15,
            open_opportunities: 2,
        },
        timeline: (1..=30).map(entry).collect(),
        company_card: Some(emaillog::store::ContactCard {
            last_inbound_at: Some(emaillog::store::ts(now() - Duration::minutes(37))),
            last_outbound_at: Some(emaillog::store::ts(now() - Duration::hours(2))),
            inbound_total: 130,
            outbound_total: 121,
            inbound_30_days: 14,
            outbound_30_days: 12,
            inbound_90_days: 40,
            outbound_90_days: 38,
            open_opportunities: 3,
        }),
        opportunity_changes: vec![
            emaillog::store::OpportunityChange {
                opportunity_no: "OP00007".into(),
                changed_at: emaillog::store::ts(now() - Duration::days(1)),
                what: "status In progress → Won; value 12,500.00 → 15,000.00".into(),
            },
            emaillog::store::OpportunityChange {
                opportunity_no: "OP00007".into(),
                changed_at: emaillog::store::ts(now() - Duration::days(9)),
                what: "made: Chairs \u{1b}[2J(In progress, 12,500.00)".into(),
            },
        ],
        attachments: vec![emaillog::store::ContactAttachment {
            attachment: attachment(
                77,
                1,
                "Tilbud våren 2027.pdf",
                "application/pdf",
                1_248_000,
                false,
            ),
            entry_no: 990,
            direction: "outbound".into(),
            occurred_at: emaillog::store::ts(now() - Duration::days(3)),
            subject: "Tilbud".into(),
        }],
    };
    s.update(Msg::Lists(Ok(Box::new(
        emaillog::tui::lists::Lists::ContactCard(Box::new(report)),
    ))));
    act(&mut s, &[Action::Down, Action::Down]);
    snap("contact_card", &mut s);
    // a: the files exchanged with them; Esc comes back to the card.
    act(&mut s, &[Action::Attachments]);
    snap("contact_files", &mut s);
    act(&mut s, &[Action::Back]);
    assert_eq!(
        s.update(Msg::Action(Action::Open)),
        vec![Effect::OpenMessage(997)],
        "Enter opens the chosen entry's message"
    );
    act(&mut s, &[Action::Back]);
    assert!(
        matches!(&s.overlay, Some(emaillog::tui::state::Overlay::ContactCard { no, sel: 2, .. }) if no == "CT0001"),
        "Esc on the message comes back to the card: {:?}",
        s.ctx()
    );
    act(&mut s, &[Action::Back]);
    assert!(s.overlay.is_none());
    act(&mut s, &[Action::Edit]);
    // The number is the contact's key: shown, not a field (a changed
    // number was once saved as "contact CT0001 saved" and dropped).
    match &s.overlay {
        Some(emaillog::tui::state::Overlay::Form { form, .. }) => {
            assert!(form.fields.iter().all(|f| f.label != "No."));
            assert!(form.info[0].contains("CT0001 (cannot be changed"));
        }
        other => panic!("{other:?}"),
    }
    act(&mut s, &[Action::Down, Action::Down]);
    clear_text(&mut s);
    type_text(&mut s, "alex@");
    snap("contact_edit_invalid", &mut s);
    type_text(&mut s, "fabrikam.example");
    let effects = s.update(Msg::Action(Action::Open));
    match &effects[..] {
        [Effect::SaveContact { contact, new, .. }] => {
            assert_eq!((contact.no.as_str(), *new), ("CT0001", false));
            assert_eq!(contact.email, "alex@fabrikam.example");
            assert_eq!(contact.name, "Alex Berg");
        }
        other => panic!("{other:?}"),
    }
    s.update(Msg::Done(Ok("contact CT0001 saved".into())));
    act(&mut s, &[Action::SwitchList]);
    snap("salespeople", &mut s);
    act(&mut s, &[Action::SwitchList]);
    let effects = s.update(Msg::Action(Action::Open));
    assert_eq!(
        s.screen,
        Screen::Log,
        "Enter shows the contact's interaction log"
    );
    assert_eq!(s.log.view.contact_no.as_deref(), Some("CT0001"));
    assert!(effects.iter().any(|e| matches!(e, Effect::Page(_))));
}

#[test]
fn an_import_preview_names_every_bad_row() {
    let mut s = state(Role::User);
    s.update(Msg::Action(Action::Go(Screen::Contacts)));
    let c = |no: &str, name: &str| Contact {
        no: no.into(),
        name: name.into(),
        company: "Fabrikam, Inc.".into(),
        email: format!("{}@fabrikam.example", name.to_lowercase().replace(' ', ".")),
        alt_emails: vec![],
    };
    // A file was asked for and is being read (what Enter on the prompt does).
    s.lists.importing = true;
    s.update(Msg::Lists(Ok(Box::new(Lists::ImportPreview(
        "contacts.csv".into(),
        Box::new(ImportPreview::Contacts(Preview {
            added: vec![c("CT0040", "Nadia Okafor"), c("CT0041", "Lars Berg")],
            changed: vec![(c("CT0001", "Alex Berg"), c("CT0001", "Alexander Berg"))],
            unchanged: 33,
            errors: vec![
                emaillog::app::import::RowError {
                    line: 7,
                    reason: "email 'nadia@' is not a valid email address".into(),
                },
                emaillog::app::import::RowError {
                    line: 12,
                    reason: "'CT0041' appears again (first on line 9)".into(),
                },
            ],
            format: emaillog::app::csv_in::CsvFormat {
                encoding: "Windows-1252",
                delimiter: ';',
                ignored: vec!["Telefon".into()],
            },
        })),
    )))));
    snap("import_preview", &mut s);
    // Enter asks: the rest, or nothing.
    assert!(
        s.update(Msg::Action(Action::Open)).is_empty(),
        "nothing imported without an answer"
    );
    snap("import_good_rows_confirm", &mut s);
    let effects = s.update(Msg::Action(Action::Yes));
    match &effects[..] {
        [Effect::ApplyImport(p)] => {
            assert!(p.errors().is_empty(), "the bad rows left out");
            assert_eq!(p.counts(), (2, 1, 33), "the good ones kept");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn export_prompt() {
    let mut s = log_state(10);
    act(&mut s, &[Action::Export]);
    snap("export_prompt", &mut s);
    // Space on the separator picks `;` for a Norwegian Excel.
    act(&mut s, &[Action::Down]);
    type_text(&mut s, " ");
    let effects = s.update(Msg::Action(Action::Open));
    assert!(
        matches!(&effects[..], [Effect::ExportView { path, delimiter, .. }]
            if path.ends_with(".csv") && *delimiter == emaillog::app::export::Delimiter::Semicolon),
        "{effects:?}"
    );
    s.update(Msg::Progress("exporting: 500 entries written".into()));
    snap("export_progress", &mut s);
}

/// The page a database change asks the log for.
fn refresh_request(s: &mut UiState) -> emaillog::tui::log_window::PageRequest {
    page_request(&s.update(Msg::DbChanged))
}

#[test]
fn a_refresh_keeps_the_view_and_counts_what_arrived() {
    let mut s = log_state(60);
    act(&mut s, &[Action::PageDown, Action::PageDown]);
    let (sel, top) = (s.log.selected().map(|e| e.entry_no), s.log.top);
    assert!(top > 0, "scrolled away from the top");
    let req = refresh_request(&mut s);
    assert_eq!(req.kind, LoadKind::Refresh);
    assert!(matches!(req.seek, emaillog::store::Seek::AtOrOlder(_)));
    s.update(Msg::LogPage {
        generation: req.generation,
        kind: req.kind,
        result: Ok(((0..60).map(entry).collect(), 4)),
    });
    assert_eq!(
        (s.log.selected().map(|e| e.entry_no), s.log.top),
        (sel, top)
    );
    snap("log_new_arrivals", &mut s);
}

#[test]
fn at_the_top_the_log_shows_what_arrived() {
    let mut s = log_state(60);
    act(&mut s, &[Action::Down, Action::Down, Action::Down]);
    let req = refresh_request(&mut s);
    assert_eq!(req.seek, emaillog::store::Seek::Newest);
    // Two entries were logged since: the newest page starts with them.
    s.update(Msg::LogPage {
        generation: req.generation,
        kind: req.kind,
        result: Ok(((-2..60).map(entry).collect(), 0)),
    });
    assert_eq!(s.log.selected().map(|e| e.entry_no), Some(997));
    assert_eq!(s.log.top, 0);
    snap("log_follows_new_entries", &mut s);
}

#[test]
fn a_click_picks_a_log_entry_and_a_list_row() {
    let mut s = log_state(60);
    s.update(Msg::Resize(80, 24));
    // Tabs, the summary and the header: the first entry is on row 3.
    s.update(Msg::Click(30, 7));
    assert_eq!(s.log.sel, 4, "the fifth entry");
    // A shorter window keeps the selection on screen.
    act(&mut s, &[Action::PageDown]);
    let sel = s.log.sel;
    s.update(Msg::Resize(80, 12));
    assert!(s.log.sel >= s.log.top && s.log.sel < s.log.top + s.log_rows());
    assert_eq!(s.log.sel, sel, "the same entry");
    s.update(Msg::Resize(80, 24));
    s.update(Msg::Action(Action::Go(Screen::Opportunities)));
    s.update(Msg::Lists(Ok(Box::new(Lists::Opportunities(vec![
        opportunity("OP00009", "Won", Some(4_800_000)),
        opportunity("OP00008", "In progress", Some(1_250_050)),
        opportunity("OP00007", "Not started", None),
    ])))));
    s.update(Msg::Click(10, 4));
    assert_eq!(s.lists.opp_sel, 2, "the third opportunity");
}

#[test]
fn a_new_salesperson() {
    let mut s = state(Role::User);
    s.update(Msg::Action(Action::Go(Screen::Contacts)));
    s.update(Msg::Lists(Ok(Box::new(Lists::People(vec![], vec![])))));
    snap("contacts_empty", &mut s);
    act(&mut s, &[Action::SwitchList, Action::Add]);
    type_text(&mut s, "JO");
    act(&mut s, &[Action::Down]);
    type_text(&mut s, "Jim Olive");
    act(&mut s, &[Action::Down]);
    type_text(&mut s, "jim.olive@contoso");
    snap("salesperson_new", &mut s);
    type_text(&mut s, ".example");
    let effects = s.update(Msg::Action(Action::Open));
    assert!(
        matches!(&effects[..], [Effect::SaveSalesperson { salesperson, new: true }] if salesperson.code == "JO"),
        "{effects:?}"
    );
}

/// The status line's text, if any.
fn notice(s: &UiState) -> Option<String> {
    s.notice.as_ref().map(|n| n.text.clone())
}

#[test]
fn a_forms_complaint_goes_once_the_form_is_typed_into() {
    let mut s = log_state(30);
    act(&mut s, &[Action::NewOpportunity]);
    clear_text(&mut s);
    assert!(s.update(Msg::Action(Action::Open)).is_empty());
    assert_eq!(
        notice(&s).as_deref(),
        Some("Description: required (up to 100 characters)")
    );
    // Moving between fields keeps it; typing into the form ends it.
    act(&mut s, &[Action::Down, Action::Up]);
    assert!(notice(&s).is_some());
    type_text(&mut s, "R");
    assert_eq!(notice(&s), None, "the field's own check speaks now");
}

#[test]
fn a_request_notice_goes_when_the_engine_has_done_it() {
    let mut s = state(Role::User);
    s.update(Msg::Action(Action::Go(Screen::Skipped)));
    let rows = |pending: bool| {
        let mut r = review(3, "no_match");
        r.request = pending.then(|| ("relog".into(), "pending".into(), String::new()));
        Msg::Lists(Ok(Box::new(Lists::Review(vec![r]))))
    };
    s.update(rows(false));
    assert!(!s.update(Msg::Action(Action::Relog)).is_empty());
    s.update(Msg::Done(Ok(
        "relog requested for 1 message; 1 waiting for the engine".into(),
    )));
    s.update(rows(true));
    assert!(notice(&s).is_some(), "still waiting: still said");
    s.update(rows(false));
    assert_eq!(notice(&s), None, "done: the notice went with the request");
    // Any other answer stays until the next action.
    s.update(Msg::Done(Ok("exported 3 entries".into())));
    s.update(rows(false));
    assert!(notice(&s).is_some());
}

/// The screen's text, whitespace collapsed so that a wrapped sentence reads
/// as one; `boxed`: only what is inside a dialog's borders.
fn screen_words(s: &mut UiState, w: u16, h: u16, boxed: bool) -> String {
    s.update(Msg::Resize(w, h));
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| view::draw(f, s)).unwrap();
    let text = format!("{}", t.backend());
    text.lines()
        .map(|l| l.trim_matches('"'))
        .filter_map(|l| match (l.find('│'), l.rfind('│')) {
            (Some(a), Some(b)) if boxed && a < b => Some(l[a + '│'.len_utf8()..b].to_string()),
            _ if boxed => None,
            _ => Some(l.to_string()),
        })
        .collect::<Vec<_>>()
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn long_texts_wrap_in_dialogs_and_cells_say_they_were_cut() {
    let mut s = state(Role::Admin);
    act(&mut s, &[Action::Go(Screen::Setup), Action::Validate]);
    let detail =
        "cannot read /var/lib/emaillog/contacts.csv: No such file or directory (os error 2)";
    s.update(Msg::Check(Check {
        name: "people imported",
        passed: false,
        detail: detail.into(),
        fix: Some("import the contacts again with emaillog import contacts FILE".into()),
    }));
    s.update(Msg::ValidateDone(Ok(())));
    for (w, h) in SIZES {
        let words = screen_words(&mut s, w, h, true);
        assert!(
            words.contains("No such file or directory (os error 2)"),
            "{w}x{h}: {words}"
        );
        assert!(
            words.contains("emaillog import contacts FILE"),
            "{w}x{h}: {words}"
        );
    }
    // A cell too narrow for its text ends with an ellipsis, never mid-word
    // without a sign.
    let mut s = log_state(10);
    let words = screen_words(&mut s, 80, 24, false);
    assert!(words.contains("Quote for 40 conference…"), "{words}");
    assert!(!words.contains("conference chair "), "{words}");
}

/// The resolved action of a key in the state's current context.
fn key_action(s: &UiState, c: char) -> Option<Action> {
    emaillog::tui::keymap::resolve(
        &KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE),
        s.ctx(),
        s.screen,
        s.role,
    )
}

#[test]
fn help_and_commands_open_over_the_message_and_close_back_to_it() {
    let mut s = log_state(30);
    act(&mut s, &[Action::Down, Action::Down, Action::Open]);
    s.update(Msg::Message(Ok(Box::new(detail(2)))));
    // `?` and `:` are keys of the message view.
    assert_eq!(key_action(&s, '?'), Some(Action::Help));
    assert_eq!(key_action(&s, ':'), Some(Action::Palette));
    act(&mut s, &[Action::Help]);
    snap("message_help", &mut s);
    act(&mut s, &[Action::Back]);
    assert!(
        matches!(s.overlay, Some(emaillog::tui::state::Overlay::Message(_))),
        "Esc goes back to the message"
    );
    act(&mut s, &[Action::Palette]);
    type_text(&mut s, "copy");
    snap("message_palette", &mut s);
    let effects = s.update(Msg::Action(Action::Open));
    assert!(
        matches!(&effects[..], [Effect::Copy(l)] if l.starts_with("https://outlook")),
        "{effects:?}"
    );
    assert!(
        matches!(s.overlay, Some(emaillog::tui::state::Overlay::Message(_))),
        "the command ran on the message, which stays open"
    );
}

#[test]
fn the_palette_runs_any_screens_command_and_says_when_nothing_matches() {
    let mut s = state(Role::Admin);
    act(&mut s, &[Action::Palette]);
    snap("palette_all", &mut s);
    // The interaction log's export, from the status screen.
    type_text(&mut s, "export");
    let listed = s.palette_matches("export");
    assert!(
        listed
            .iter()
            .any(|c| c.on == emaillog::tui::keymap::RunsOn::Screen(Screen::Log)),
        "{:?}",
        listed.iter().map(|c| c.binding.help).collect::<Vec<_>>()
    );
    s.update(Msg::Action(Action::Open));
    assert_eq!(s.screen, Screen::Log, "running it switches to its screen");
    assert!(
        matches!(s.overlay, Some(emaillog::tui::state::Overlay::Form { .. })),
        "and runs it there"
    );
    let mut s = state(Role::Admin);
    act(&mut s, &[Action::Palette]);
    type_text(&mut s, "zzzz");
    assert!(s.palette_matches("zzzz").is_empty());
    snap("palette_no_match", &mut s);
}

#[test]
fn a_conversation_is_walked_by_message_and_esc_leaves_the_log_on_the_last_read() {
    use emaillog::tui::screens::message::next_message;
    // Entries 1 and 2 are one email to two contacts.
    let mut conv: Vec<EntryRow> = (0..4).map(entry).collect();
    for (e, msg) in conv.iter_mut().zip([7, 7, 8, 9]) {
        e.logged_message_id = msg;
    }
    let no = |i: usize| conv[i].entry_no;
    let cases = [
        (0, true, Some(no(2))),
        (1, true, Some(no(2))),
        (2, false, Some(no(0))),
        (2, true, Some(no(3))),
        (3, true, None),
        (0, false, None),
    ];
    for (at, forward, want) in cases {
        assert_eq!(
            next_message(&conv, no(at), forward),
            want,
            "from {at} forward {forward}"
        );
    }
    // Read the second entry's message, walk to the next message, Esc: the
    // log's selection is on the entry last read.
    let mut s = log_state(30);
    act(&mut s, &[Action::Down, Action::Open]);
    let mut d = detail(1);
    d.conversation = vec![entry(1), entry(3)];
    s.update(Msg::Message(Ok(Box::new(d))));
    let effects = s.update(Msg::Action(Action::ConversationNext));
    assert_eq!(effects, vec![Effect::OpenMessage(entry(3).entry_no)]);
    act(&mut s, &[Action::Back]);
    assert!(s.overlay.is_none());
    assert_eq!(
        s.log.selected().map(|e| e.entry_no),
        Some(entry(3).entry_no)
    );
}

#[test]
fn a_toggle_is_saved_on_enter_after_it_was_changed_never_by_opening_it() {
    use emaillog::app::setup_fields::{FIELDS, FieldKey};
    let mut s = state(Role::Admin);
    act(&mut s, &[Action::Go(Screen::Setup)]);
    let at = FIELDS
        .iter()
        .position(|f| f.key == FieldKey::StoreBody)
        .unwrap();
    for _ in 0..at {
        act(&mut s, &[Action::Down]);
    }
    assert_eq!(s.selected_field(), Some(FieldKey::StoreBody));
    assert!(
        s.update(Msg::Action(Action::Open)).is_empty(),
        "opening saves nothing"
    );
    snap("setup_toggle_form", &mut s);
    // Enter as it is: nothing to save.
    assert!(s.update(Msg::Action(Action::Open)).is_empty());
    assert_eq!(
        s.notice.as_ref().map(|n| n.text.as_str()),
        Some("unchanged")
    );
    act(&mut s, &[Action::Open]);
    type_text(&mut s, " ");
    let effects = s.update(Msg::Action(Action::Open));
    assert_eq!(
        effects,
        vec![Effect::SaveField {
            key: FieldKey::StoreBody,
            text: "no".into()
        }]
    );
}

#[test]
fn the_log_follows_a_search_as_it_is_typed() {
    let mut s = log_state(30);
    act(&mut s, &[Action::Search]);
    let typed = |s: &mut UiState, c: char| -> Vec<Effect> {
        s.update(Msg::Typed(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::NONE,
        )))
    };
    let due = |effects: &[Effect]| match effects {
        [Effect::After { ms, due }] => {
            assert_eq!(*ms, emaillog::tui::screens::log::SEARCH_PAUSE_MS);
            *due
        }
        other => panic!("{other:?}"),
    };
    let first = due(&typed(&mut s, 'b'));
    typed(&mut s, 'u');
    let last = due(&typed(&mut s, 'd'));
    // Typing went on: the first pause is stale and searches nothing.
    assert!(s.update(Msg::Due(first)).is_empty());
    let effects = s.update(Msg::Due(last));
    let req = page_request(&effects);
    assert_eq!(req.view.search.as_deref(), Some("bud"));
    s.update(Msg::LogPage {
        generation: req.generation,
        kind: req.kind,
        result: Ok(((0..5).map(entry).collect(), 37)),
    });
    snap("search_as_you_type", &mut s);
    // Esc: the log as it was before the prompt opened.
    let effects = s.update(Msg::Action(Action::Back));
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Page(r) if r.view.search.is_none())),
        "{effects:?}"
    );
    assert!(s.overlay.is_none());
}

#[test]
fn the_assisted_setup_is_a_checklist_that_comes_back_after_each_step() {
    use emaillog::tui::state::Overlay;
    let mut s = state(Role::Admin);
    act(&mut s, &[Action::Go(Screen::Setup), Action::Wizard]);
    // Step 3: the client id, edited in its own dialog.
    act(&mut s, &[Action::Down, Action::Down, Action::Open]);
    assert!(matches!(s.overlay, Some(Overlay::Edit { .. })));
    clear_text(&mut s);
    type_text(&mut s, "5e3ce6c0-2b1f-4285-8d4b-75ee78787346");
    let effects = s.update(Msg::Action(Action::Open));
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::SaveField { .. })),
        "{effects:?}"
    );
    // Saving: the checklist waits for the answer, then comes back on the
    // next step (the client id is set).
    assert!(!matches!(s.overlay, Some(Overlay::Wizard { .. })));
    s.update(Msg::Done(Ok("client id saved".into())));
    assert!(
        matches!(s.overlay, Some(Overlay::Wizard { selected: 3 })),
        "{:?}",
        s.ctx()
    );
    // A step left with Esc comes back to the checklist too; Esc on the
    // checklist closes it.
    act(&mut s, &[Action::Up, Action::Open]);
    act(&mut s, &[Action::Back]);
    assert!(matches!(s.overlay, Some(Overlay::Wizard { .. })));
    act(&mut s, &[Action::Back]);
    assert!(s.overlay.is_none());
    // App-only sign-in has no account: consent is its sign-in.
    let mut o = overview();
    o.setup.auth_flow = emaillog::domain::setup::AuthFlow::ClientCredentials;
    o.setup.account = None;
    o.setup.consent_given = true;
    s.update(Msg::Overview(Ok(Box::new(o))));
    assert!(s.wizard_done(3), "signed in, app-only");
    assert!(
        s.wizard_done(1),
        "the app is registered: its client id is set"
    );
    // The checklist says what each step stands at, the app-only sign-in
    // (the demo's) with the mailbox it reads as its account.
    assert_eq!(
        s.wizard_detail(3),
        "app-only, reads crm-log@contoso.example"
    );
    act(&mut s, &[Action::Wizard]);
    let words = screen_words(&mut s, 80, 24, true);
    assert!(
        words.contains("4. Sign in app-only, reads crm-log@contoso.example"),
        "{words}"
    );
    assert!(
        words.contains("1. Shared mailbox and tenant crm-log@contoso.example · contoso.example"),
        "{words}"
    );
    let mut o = overview();
    o.setup.consent_given = false;
    s.update(Msg::Overview(Ok(Box::new(o))));
    assert_eq!(s.wizard_detail(3), "not signed in");
    s.update(Msg::Overview(Ok(Box::new(overview()))));
    assert_eq!(s.wizard_detail(3), "signed in as logger@contoso.example");
}

#[test]
fn filters_take_a_name_or_a_code_and_the_title_names_them() {
    let mut s = log_state(30);
    let effects = s.update(Msg::Action(Action::Filters));
    assert!(
        effects.iter().any(|e| matches!(
            e,
            Effect::LoadLists(emaillog::tui::lists::ListsKind::People)
        )),
        "the people a name is picked from: {effects:?}"
    );
    let c = |no: &str, name: &str, company: &str| Contact {
        no: no.into(),
        name: name.into(),
        company: company.into(),
        email: format!("{}@x.example", no.to_lowercase()),
        alt_emails: vec![],
    };
    s.update(Msg::Lists(Ok(Box::new(Lists::People(
        vec![Salesperson {
            code: "AH".into(),
            name: "Annette Hill".into(),
            email: "annette@contoso.example".into(),
        }],
        vec![
            c("CT0011", "Maria Walsh", "Northwind Traders"),
            c("CT0012", "Mario Rossi", "Northwind Traders"),
        ],
    )))));
    // A part of a name offers everyone it fits, narrowing as it is typed;
    // Up and Down choose, Enter takes one (its number goes in the field).
    let field = |s: &UiState, i: usize| match &s.overlay {
        Some(emaillog::tui::state::Overlay::Form { form, .. }) => {
            let (shown, total) = form.fields[i].suggestions();
            let labels: Vec<String> = shown.iter().map(|p| p.label.clone()).collect();
            (form.fields[i].value(), labels, total)
        }
        _ => panic!("the form is gone"),
    };
    type_text(&mut s, "mari");
    assert_eq!(
        field(&s, 0),
        (
            "mari".to_string(),
            vec![
                "Maria Walsh (CT0011) · Northwind Traders".to_string(),
                "Mario Rossi (CT0012) · Northwind Traders".to_string()
            ],
            2
        )
    );
    snap("log_filters_picker", &mut s);
    type_text(&mut s, "o r");
    assert_eq!(field(&s, 0).2, 1, "every word narrows");
    for _ in 0.."o r".len() {
        s.update(Msg::Typed(KeyEvent::new(
            KeyCode::Backspace,
            KeyModifiers::NONE,
        )));
    }
    act(
        &mut s,
        &[Action::Down, Action::Down, Action::Up, Action::Open],
    );
    assert_eq!(
        field(&s, 0),
        ("CT0011".to_string(), vec![], 0),
        "taken, and the list goes"
    );
    act(&mut s, &[Action::NextField]);
    type_text(&mut s, "annette");
    act(&mut s, &[Action::Open]);
    assert_eq!(field(&s, 1).0, "AH");
    act(&mut s, &[Action::NextField]);
    type_text(&mut s, "north");
    act(&mut s, &[Action::Open]);
    assert_eq!(
        field(&s, 2).0,
        "Northwind Traders",
        "companies are offered once each"
    );
    let effects = s.update(Msg::Action(Action::Open));
    let req = page_request(&effects);
    assert_eq!(req.view.contact_no.as_deref(), Some("CT0011"));
    assert_eq!(req.view.salesperson_code.as_deref(), Some("AH"));
    assert_eq!(req.view.company.as_deref(), Some("Northwind Traders"));
    answer_page(&mut s, &effects, (0..3).map(entry).collect());
    snap("log_filtered_by_name", &mut s);
    let title = screen_words(&mut s, 140, 45, false);
    assert!(
        title.contains("contact Maria Walsh (CT0011) · salesperson Annette Hill (AH) · company Northwind Traders"),
        "{title}"
    );
}

/// The chosen field's highlight runs across the whole row (label, gap and
/// value to the right edge), so the eye finds it at any width.
#[test]
fn setup_highlight_covers_the_whole_row() {
    use ratatui::style::Modifier;
    let mut s = state(Role::Admin);
    act(
        &mut s,
        &[Action::Go(Screen::Setup), Action::Down, Action::Down],
    );
    for (w, h) in SIZES {
        s.update(Msg::Resize(w, h));
        let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
        t.draw(|f| view::draw(f, &s)).unwrap();
        let buf = t.backend().buffer();
        let reversed = |x: u16, y: u16| buf[(x, y)].modifier.contains(Modifier::REVERSED);
        let rows: Vec<u16> = (0..h).filter(|&y| reversed(1, y)).collect();
        let label = rows.iter().find(|&&y| {
            (0..w)
                .map(|x| buf[(x, y)].symbol())
                .collect::<String>()
                .contains("Tenant")
        });
        let y = *label.unwrap_or_else(|| panic!("{w}x{h}: no highlighted Tenant row in {rows:?}"));
        let uncovered: Vec<u16> = (1..w - 1).filter(|&x| !reversed(x, y)).collect();
        assert!(
            uncovered.is_empty(),
            "{w}x{h}: columns {uncovered:?} of the chosen row are not highlighted"
        );
    }
}

/// The never-log list from Setup (`n`): read, added to after a question
/// that names whose mail it stops logging, removed from, and back after
/// each change; read-only in the user view.
#[test]
fn the_never_log_list_is_kept_from_setup_and_warns_whose_mail_it_stops() {
    use emaillog::app::never_log::NeverLogCheck;
    use emaillog::domain::rules::Covered;
    use emaillog::tui::lists::ListsKind;
    use emaillog::tui::state::Overlay;
    let listed = || {
        Msg::Lists(Ok(Box::new(Lists::NeverLog(vec![
            "fabrikam.example".into(),
            "private@contoso.example".into(),
        ]))))
    };
    let mut s = state(Role::Admin);
    act(&mut s, &[Action::Go(Screen::Setup)]);
    let effects = s.update(Msg::Action(Action::NeverLogList));
    assert_eq!(effects, vec![Effect::LoadLists(ListsKind::NeverLog)]);
    s.update(listed());
    snap("never_log_list", &mut s);

    act(&mut s, &[Action::Add]);
    type_text(&mut s, "Northwind.example");
    let effects = s.update(Msg::Action(Action::Open));
    assert_eq!(
        effects,
        vec![Effect::LoadLists(ListsKind::NeverLogCheck(
            "Northwind.example".into()
        ))]
    );
    s.update(Msg::Lists(Ok(Box::new(Lists::NeverLogCheck(
        NeverLogCheck {
            pattern: "northwind.example".into(),
            listed: false,
            covered: Covered {
                salespeople: vec![],
                contacts: vec!["Maria Costa".into(), "Ivan Silva".into()],
            },
        },
    )))));
    let Some(Overlay::Confirm { question, .. }) = &s.overlay else {
        panic!("no question: {:?}", s.overlay.is_some());
    };
    assert!(
        question.starts_with(
            "2 contacts (Maria Costa, Ivan Silva) use northwind.example: their mail will no longer be logged."
        ),
        "{question}"
    );
    snap("never_log_warning", &mut s);
    let effects = s.update(Msg::Action(Action::Yes));
    assert_eq!(effects, vec![Effect::NeverLog("northwind.example".into())]);
    // Done: the list comes back and is read again.
    let effects = s.update(Msg::Done(Ok(
        "northwind.example is never logged from now on".into(),
    )));
    assert!(
        effects.contains(&Effect::LoadLists(ListsKind::NeverLog)),
        "{effects:?}"
    );
    assert!(matches!(
        s.overlay,
        Some(Overlay::NeverLog { rules: None, .. })
    ));

    // Remove the chosen one, after a question.
    s.update(listed());
    act(&mut s, &[Action::Down, Action::Delete]);
    assert!(
        matches!(&s.overlay, Some(Overlay::Confirm { question, .. }) if question.starts_with("Log mail from or to private@contoso.example again?"))
    );
    let effects = s.update(Msg::Action(Action::Yes));
    assert_eq!(
        effects,
        vec![Effect::NeverLogRemove("private@contoso.example".into())]
    );
    s.update(Msg::Done(Ok(
        "private@contoso.example is logged again from now on".into(),
    )));
    assert!(matches!(s.overlay, Some(Overlay::NeverLog { .. })));
    // Esc closes it for good: the next answer does not bring it back.
    act(&mut s, &[Action::Back]);
    s.update(Msg::Done(Ok("saved".into())));
    assert!(s.overlay.is_none());

    // Listed already: said, nothing asked.
    s.update(Msg::Lists(Ok(Box::new(Lists::NeverLogCheck(
        NeverLogCheck {
            pattern: "fabrikam.example".into(),
            listed: true,
            covered: Covered::default(),
        },
    )))));
    assert!(s.overlay.is_none());

    // The user view reads the list and changes nothing.
    let mut s = state(Role::User);
    act(&mut s, &[Action::Go(Screen::Setup), Action::NeverLogList]);
    s.update(listed());
    let effects = s.update(Msg::Action(Action::Delete));
    assert!(effects.is_empty());
    assert!(matches!(s.overlay, Some(Overlay::NeverLog { .. })));
    snap("never_log_user", &mut s);
}

/// Several logging mailboxes: Status names the one shown and lists them
/// all (state, last run, backlog, what needs attention); `m` asks for the
/// next; Setup and the Job queue say whose they are; the log gains a
/// Mailbox column.
#[test]
fn several_mailboxes_the_switcher_and_the_overview() {
    let several = || {
        let mut o = overview();
        let mut oslo = mailbox(2, "crm-oslo@contoso.example");
        oslo.job_status = Some("Error".into());
        oslo.last_error = Some("not authorized: the sign-in was revoked".into());
        oslo.last_run_at = Some(at(95));
        let mut stockholm = mailbox(3, "crm-stockholm@contoso.example");
        stockholm.stuck = 2;
        stockholm.backlog = Some(1240);
        let mut bergen = mailbox(4, "crm-bergen@contoso.example");
        bergen.enabled = false;
        bergen.job_status = None;
        bergen.last_run_at = None;
        bergen.backlog = None;
        o.mailboxes = vec![o.mailboxes[0].clone(), oslo, stockholm, bergen];
        o
    };
    let mut s = state(Role::Admin);
    s.update(Msg::Overview(Ok(Box::new(several()))));
    snap("status_mailboxes", &mut s);
    assert_eq!(
        s.update(Msg::Action(Action::NextMailbox)),
        vec![Effect::PickMailbox(2)]
    );
    // The runtime reads the next mailbox's overview.
    let mut second = several();
    second.mailbox_no = 2;
    second.setup.mailbox = "crm-oslo@contoso.example".into();
    s.update(Msg::Overview(Ok(Box::new(second.clone()))));
    snap("status_second_mailbox", &mut s);
    act(&mut s, &[Action::Go(Screen::Jobs)]);
    snap("job_queue_second_mailbox", &mut s);
    act(&mut s, &[Action::Go(Screen::Setup)]);
    let words = screen_words(&mut s, 140, 45, false);
    assert!(
        words.contains("Setup · crm-oslo@contoso.example (2 of 4)"),
        "{words}"
    );
    // From the last, round to the first.
    second.mailbox_no = 4;
    s.update(Msg::Overview(Ok(Box::new(second))));
    assert_eq!(
        s.update(Msg::Action(Action::NextMailbox)),
        vec![Effect::PickMailbox(1)]
    );

    // The log: which mailbox logged each entry.
    let mut s = state(Role::User);
    s.update(Msg::Overview(Ok(Box::new(several()))));
    let effects = s.update(Msg::Action(Action::Go(Screen::Log)));
    let rows = (0..40)
        .map(|n| {
            let mut e = entry(n);
            e.mailbox =
                ["crm-log@contoso.example", "crm-oslo@contoso.example"][n as usize % 2].into();
            e
        })
        .collect();
    answer_page(&mut s, &effects, rows);
    snap("log_mailboxes", &mut s);
    // The filters offer the mailboxes; one picked narrows the log to it.
    act(&mut s, &[Action::Filters]);
    for _ in 0..6 {
        act(&mut s, &[Action::NextField]);
    }
    type_text(&mut s, "oslo");
    act(&mut s, &[Action::Open]);
    let effects = s.update(Msg::Action(Action::Open));
    let req = page_request(&effects);
    assert_eq!(req.view.mailbox, Some(2));
    answer_page(&mut s, &effects, (0..3).map(entry).collect());
    let title = screen_words(&mut s, 140, 45, false);
    assert!(
        title.contains("mailbox crm-oslo@contoso.example"),
        "{title}"
    );
    // Skipped: every mailbox's, each row saying which.
    act(&mut s, &[Action::Go(Screen::Skipped)]);
    let mut oslo = review(1, "no_match");
    oslo.mailbox_no = 2;
    oslo.mailbox = "crm-oslo@contoso.example".into();
    s.update(Msg::Lists(Ok(Box::new(Lists::Review(vec![
        review(0, "no_match"),
        oslo,
    ])))));
    let words = screen_words(&mut s, 140, 45, false);
    assert!(
        words.contains("crm-oslo") && words.contains("crm-log"),
        "{words}"
    );
    // The screen's filter (/) takes a mailbox too: one mailbox's messages.
    let oslo_only = s.lists.visible_review(Some("oslo"));
    assert_eq!(oslo_only.len(), 1);
    assert_eq!(oslo_only[0].mailbox, "crm-oslo@contoso.example");

    // One mailbox: `m` says how to add another, and asks for nothing.
    let mut s = state(Role::Admin);
    assert!(s.update(Msg::Action(Action::NextMailbox)).is_empty());
    assert!(screen_words(&mut s, 140, 45, false).contains("emaillog mailbox add"));
}

fn folder(name: &str, children: bool, messages: Option<u64>) -> emaillog::mail::FolderEntry {
    emaillog::mail::FolderEntry {
        name: name.into(),
        children,
        messages,
    }
}

fn folders_at(
    s: &mut UiState,
    path: &[&str],
    result: Result<Vec<emaillog::mail::FolderEntry>, String>,
) {
    s.update(Msg::Folders {
        path: path.iter().map(|p| p.to_string()).collect(),
        result,
    });
}

fn browse(path: &[&str]) -> Vec<Effect> {
    vec![Effect::BrowseFolders(
        path.iter().map(|p| p.to_string()).collect(),
    )]
}

/// The folder picker: Enter on a folder field reads the top of the
/// mailbox; → goes into a folder and ← back up (the folder left chosen
/// again); an answer for a level already left is not shown; Enter saves
/// the path walked (asking first when logging is on: the new queue folder
/// is read from its start); d takes the default, e types the path.
#[test]
fn the_folder_picker_walks_the_mailbox_and_saves_the_path() {
    use emaillog::app::setup_fields::{FIELDS, FieldKey};
    use emaillog::tui::state::{Overlay, Pending};
    let mut s = state(Role::Admin);
    act(&mut s, &[Action::Go(Screen::Setup)]);
    let field = |s: &UiState, key| {
        s.visible_fields()
            .iter()
            .position(|&i| FIELDS[i].key == key)
            .unwrap()
    };
    s.setup.sel = field(&s, FieldKey::QueueFolder);
    assert_eq!(s.update(Msg::Action(Action::Open)), browse(&[]));
    snap("folder_picker_reading", &mut s);
    let top = vec![
        folder("Inbox", true, Some(12)),
        folder("Archive", false, Some(5310)),
        folder("Email Logging", true, Some(0)),
        folder("Sent Items", false, Some(88)),
        folder("Kunder/Leverandører", false, Some(1)),
    ];
    folders_at(&mut s, &[], Ok(top.clone()));
    snap("folder_picker_top", &mut s);
    // A folder with nothing under it cannot be gone into.
    act(&mut s, &[Action::Down]);
    assert_eq!(s.update(Msg::Action(Action::FolderIn)), vec![]);
    assert_eq!(
        s.notice.as_ref().map(|n| n.text.as_str()),
        Some("Archive has no folders under it")
    );
    // A name holding the path's separator cannot be saved as a path.
    act(&mut s, &[Action::Bottom]);
    assert_eq!(s.update(Msg::Action(Action::Open)), vec![]);
    assert!(
        s.notice
            .as_ref()
            .is_some_and(|n| n.text.contains("holds a /")),
        "{:?}",
        s.notice
    );
    // Sent mail is never the queue: said, and the picker stays open.
    act(
        &mut s,
        &[Action::Top, Action::Down, Action::Down, Action::Down],
    );
    assert_eq!(s.update(Msg::Action(Action::Open)), vec![]);
    assert!(
        s.notice.as_ref().is_some_and(|n| n
            .text
            .contains("never read from junk, deleted, draft or sent mail")),
        "{:?}",
        s.notice
    );
    assert!(matches!(s.overlay, Some(Overlay::FolderPicker(_))));
    act(&mut s, &[Action::Up]);
    assert_eq!(
        s.update(Msg::Action(Action::FolderIn)),
        browse(&["Email Logging"])
    );
    // The top's answer, late: not shown over the level asked for now.
    folders_at(&mut s, &[], Ok(top.clone()));
    match &s.overlay {
        Some(Overlay::FolderPicker(p)) => assert!(p.entries.is_none(), "{p:?}"),
        other => panic!("{other:?}"),
    }
    let level = vec![
        folder("Queue", false, Some(3)),
        folder("Storage", true, Some(1204)),
        folder("Skipped", false, Some(17)),
    ];
    folders_at(&mut s, &["Email Logging"], Ok(level.clone()));
    snap("folder_picker_level", &mut s);
    // Up a level: the folder left is the one chosen there.
    assert_eq!(s.update(Msg::Action(Action::FolderOut)), browse(&[]));
    folders_at(&mut s, &[], Ok(top));
    match &s.overlay {
        Some(Overlay::FolderPicker(p)) => assert_eq!((p.sel, p.path.len()), (2, 0)),
        other => panic!("{other:?}"),
    }
    s.update(Msg::Action(Action::FolderIn));
    folders_at(&mut s, &["Email Logging"], Ok(level.clone()));
    // Logging is on: the new queue folder is asked about, then saved.
    assert_eq!(s.update(Msg::Action(Action::Open)), vec![]);
    match &s.overlay {
        Some(Overlay::Confirm { question, pending }) => {
            assert!(question.contains("new queue folder"), "{question}");
            assert_eq!(
                pending,
                &Pending::Save {
                    key: FieldKey::QueueFolder,
                    text: "Email Logging/Queue".into()
                }
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        s.update(Msg::Action(Action::Yes)),
        vec![Effect::SaveField {
            key: FieldKey::QueueFolder,
            text: "Email Logging/Queue".into()
        }]
    );
    // Opened again on a folder set, it opens where that folder is, chosen.
    s.working = None;
    s.overview.as_mut().unwrap().setup.queue_folder = "Email Logging/storage".into();
    assert_eq!(
        s.update(Msg::Action(Action::Open)),
        browse(&["Email Logging"])
    );
    folders_at(&mut s, &["Email Logging"], Ok(level.clone()));
    match &s.overlay {
        Some(Overlay::FolderPicker(p)) => assert_eq!(p.sel, 1, "{p:?}"),
        other => panic!("{other:?}"),
    }
    s.update(Msg::Action(Action::Back));
    // The storage folder: a service that refuses says what to do; d takes
    // the default, unchanged here.
    s.setup.sel = field(&s, FieldKey::StorageFolder);
    assert_eq!(s.update(Msg::Action(Action::Open)), browse(&[]));
    folders_at(
        &mut s,
        &[],
        Err("not authorized: the token was refused; sign in again: emaillog login".into()),
    );
    snap("folder_picker_error", &mut s);
    assert_eq!(s.update(Msg::Action(Action::UseDefault)), vec![]);
    assert!(s.overlay.is_none());
    assert_eq!(
        s.notice.as_ref().map(|n| n.text.as_str()),
        Some("unchanged")
    );
    // e: the path typed instead, in the field's editor.
    s.update(Msg::Action(Action::Open));
    s.update(Msg::Action(Action::Edit));
    assert!(
        matches!(
            s.overlay,
            Some(Overlay::Edit {
                key: FieldKey::StorageFolder,
                ..
            })
        ),
        "{:?}",
        s.overlay
    );
}

/// A follow-up as the board lists it.
fn follow_up(
    i: usize,
    hours_ago: i64,
    due_in_hours: i64,
) -> emaillog::app::follow_ups::FollowUpRow {
    let since = now() - Duration::hours(hours_ago);
    emaillog::app::follow_ups::FollowUpRow {
        due: emaillog::domain::follow_ups::FollowUp {
            salesperson_code: ["AH", "BD", "PS"][i % 3].into(),
            contact_no: format!("CT{:04}", i + 1),
            entry_no: 500 + i as i64,
            received_at: since + Duration::hours(2),
            waiting_since: since,
            due_at: now() + Duration::hours(due_in_hours),
            subject: TOPICS[i % 5].into(),
        },
        contact_name: ["Alex Berg", "Maria Walsh", "Ivan Silva", "Zoe Kim"][i % 4].into(),
        company: COMPANIES[i % 4].into(),
        salesperson_name: ["Annette Hill", "Benjamin Diaz", "Priya Shah"][i % 3].into(),
    }
}

#[test]
fn follow_ups_screen() {
    let mut s = state(Role::User);
    let effects = s.update(Msg::Action(Action::Go(Screen::FollowUps)));
    assert_eq!(
        effects,
        vec![Effect::LoadLists(
            emaillog::tui::lists::ListsKind::FollowUps
        )],
        "the screen reads its rows when it comes on show"
    );
    snap("follow_ups_reading", &mut s);
    let board = emaillog::app::follow_ups::FollowUpBoard {
        due: vec![
            follow_up(0, 120, -70),
            follow_up(1, 75, -26),
            follow_up(2, 52, -3),
            follow_up(3, 30, 2),
        ],
        overdue: 2,
        cold: vec![
            emaillog::store::GoingCold {
                contact_no: "CT0009".into(),
                name: "Zoe Kim".into(),
                company: COMPANIES[3].into(),
                salesperson_code: "BD".into(),
                open_opportunities: 1,
                last_inbound_at: None,
                last_outbound_at: None,
                silent_days: None,
            },
            emaillog::store::GoingCold {
                contact_no: "CT0004".into(),
                name: "Ivan Silva \u{1b}[2J".into(),
                company: COMPANIES[2].into(),
                salesperson_code: "AH".into(),
                open_opportunities: 2,
                last_inbound_at: Some(at(60 * 24 * 40)),
                last_outbound_at: Some(at(60 * 24 * 33)),
                silent_days: Some(33),
            },
        ],
        at: Some(now()),
        settings: Default::default(),
    };
    s.update(Msg::Lists(Ok(Box::new(
        emaillog::tui::lists::Lists::FollowUps(Box::new(board.clone())),
    ))));
    act(&mut s, &[Action::Down]);
    snap("follow_ups", &mut s);
    assert_eq!(
        s.update(Msg::Action(Action::Open)),
        vec![Effect::OpenMessage(501)],
        "Enter opens the message the chosen follow-up waits on"
    );
    act(&mut s, &[Action::Back]);
    // d asks first, then records it.
    act(&mut s, &[Action::Dismiss]);
    snap("follow_up_dismiss", &mut s);
    assert_eq!(
        s.update(Msg::Action(Action::Yes)),
        vec![Effect::DismissFollowUp {
            entry_no: 501,
            latest_at: board.due[1].due.received_at,
        }]
    );
    // The answer reads the list again: the dismissed row is gone.
    let effects = s.update(Msg::Done(Ok("follow-up dismissed".into())));
    assert!(
        effects.contains(&Effect::LoadLists(
            emaillog::tui::lists::ListsKind::FollowUps
        )),
        "{effects:?}"
    );
    act(&mut s, &[Action::SwitchList]);
    snap("going_cold", &mut s);
    assert_eq!(
        s.update(Msg::Action(Action::Open)),
        vec![Effect::LoadLists(
            emaillog::tui::lists::ListsKind::ContactCard("CT0009".into())
        )],
        "Enter on a contact going cold opens their card"
    );
    act(&mut s, &[Action::Back]);
    // The Status screen counts what is due today.
    act(&mut s, &[Action::Go(Screen::Status)]);
    snap("status_follow_ups", &mut s);
}

fn audit_row(
    seq: i64,
    at: &str,
    who: &str,
    action: &str,
    target: &str,
    detail: &str,
) -> emaillog::domain::audit::AuditRow {
    emaillog::domain::audit::AuditRow {
        seq,
        at: at.into(),
        who: who.into(),
        action: action.into(),
        target: target.into(),
        detail: detail.into(),
        prev_hash: String::new(),
        hash: format!("{seq:064x}"),
    }
}

#[test]
fn the_audit_trail_is_the_admins_and_says_what_a_check_found() {
    // A user gets no trail, only a word.
    let mut s = state(Role::User);
    let effects = s.update(Msg::Action(Action::Go(Screen::Setup)));
    drop(effects);
    let effects = s.update(Msg::Action(Action::AuditTrail));
    assert!(effects.is_empty() && s.overlay.is_none());

    let mut s = state(Role::Admin);
    act(&mut s, &[Action::Go(Screen::Setup)]);
    let effects = s.update(Msg::Action(Action::AuditTrail));
    assert_eq!(
        effects,
        vec![Effect::LoadLists(emaillog::tui::lists::ListsKind::Audit)]
    );
    snap("audit_reading", &mut s);
    s.update(Msg::Lists(Ok(Box::new(Lists::Audit(vec![
        audit_row(
            4,
            "2026-11-27T13:02:11.120Z",
            "kari",
            "message_opened",
            "message 998",
            r#"{"message":998}"#,
        ),
        audit_row(
            3,
            "2026-11-27T12:40:00.000Z",
            "ola\u{1b}[2J",
            "export",
            "",
            r#"{"filters":{"salesperson":"AH"},"format":"csv","rows":412,"via":"ui"}"#,
        ),
        audit_row(
            2,
            "2026-11-26T09:15:30.500Z",
            "root",
            "never_log_removed",
            "",
            r#"{"pattern":"counsel.example"}"#,
        ),
        audit_row(
            1,
            "2026-11-26T09:14:02.000Z",
            "root",
            "never_log_added",
            "",
            r#"{"pattern":"counsel.example"}"#,
        ),
    ])))));
    snap("audit_trail", &mut s);
    let effects = s.update(Msg::Action(Action::Validate));
    assert_eq!(
        effects,
        vec![Effect::LoadLists(
            emaillog::tui::lists::ListsKind::AuditVerify
        )]
    );
    s.update(Msg::Lists(Ok(Box::new(Lists::AuditVerified(
        emaillog::app::audit::VerifyReport {
            rows: 4,
            head_seq: Some(4),
            head_hash: Some(format!("{:064x}", 4)),
            problems: vec![
                "row #3 was changed (its content no longer gives its hash) or moved".into(),
                "rows between #1 and #3 are missing, or #3 was put in (it does not point back to #1)".into(),
            ],
        },
    )))));
    snap("audit_tampered", &mut s);
    act(&mut s, &[Action::Back]);
    assert!(s.overlay.is_none());
}

#[test]
fn capture_levels_are_listed_added_and_removed_from_setup() {
    use emaillog::app::capture::CaptureRow;
    let mut s = state(Role::User);
    act(&mut s, &[Action::Go(Screen::Setup)]);
    assert!(s.update(Msg::Action(Action::CaptureLevels)).is_empty());
    assert!(s.overlay.is_none(), "the admin's only");

    let mut s = state(Role::Admin);
    act(&mut s, &[Action::Go(Screen::Setup)]);
    let effects = s.update(Msg::Action(Action::CaptureLevels));
    assert_eq!(
        effects,
        vec![Effect::LoadLists(emaillog::tui::lists::ListsKind::Capture)]
    );
    let row = |kind, target: &str, level| CaptureRow {
        kind,
        target: target.into(),
        level,
        set_at: None,
    };
    s.update(Msg::Lists(Ok(Box::new(Lists::Capture(vec![
        row("address", "ceo@northwind.example", "metadata"),
        row("domain", "legal.example", "subject"),
        row("salesperson", "HR\u{202e}", "metadata"),
    ])))));
    snap("capture_levels", &mut s);
    act(&mut s, &[Action::Add]);
    type_text(&mut s, "advokat.example subject");
    let effects = s.update(Msg::Action(Action::Open));
    assert_eq!(
        effects,
        vec![Effect::CaptureSet(
            "advokat.example".into(),
            "subject".into()
        )]
    );
    // Done: the list comes back, read again.
    let effects = s.update(Msg::Done(Ok("set".into())));
    assert!(
        effects.contains(&Effect::LoadLists(emaillog::tui::lists::ListsKind::Capture)),
        "{effects:?}"
    );
    s.update(Msg::Lists(Ok(Box::new(Lists::Capture(vec![row(
        "domain",
        "legal.example",
        "subject",
    )])))));
    act(&mut s, &[Action::Delete]);
    let effects = s.update(Msg::Action(Action::Yes));
    assert_eq!(
        effects,
        vec![Effect::CaptureSet("legal.example".into(), "full".into())]
    );
}

#[test]
fn forgetting_a_contact_shows_what_goes_before_it_asks() {
    use emaillog::tui::state::Overlay;
    let card = || Overlay::ContactCard {
        no: "CT0011".into(),
        report: None,
        sel: 0,
    };
    let mut s = state(Role::User);
    s.overlay = Some(card());
    assert!(
        s.update(Msg::Action(Action::Forget)).is_empty(),
        "the admin's only"
    );

    let mut s = state(Role::Admin);
    s.overlay = Some(card());
    let effects = s.update(Msg::Action(Action::Forget));
    assert_eq!(
        effects,
        vec![Effect::LoadLists(
            emaillog::tui::lists::ListsKind::ForgetCheck("CT0011".into())
        )],
        "a dry run first"
    );
    let report = emaillog::app::forget::ForgetReport {
        dry_run: true,
        contacts: vec!["CT0011".into()],
        addresses: 1,
        counts: emaillog::store::ForgetCounts {
            contacts: 1,
            other_addresses: 1,
            entries: 14,
            messages_removed: 9,
            messages_kept_without_them: 3,
            attachments: 2,
            skipped: 1,
            opportunities_unlinked: 1,
            mailbox_deletions: 10,
            tombstones: 2,
        },
    };
    s.update(Msg::Lists(Ok(Box::new(Lists::ForgetChecked(
        "CT0011".into(),
        Box::new(report),
    )))));
    snap("forget_question", &mut s);
    assert_eq!(
        s.update(Msg::Action(Action::Yes)),
        vec![Effect::Forget("CT0011".into())]
    );
}
