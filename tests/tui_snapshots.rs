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
use emaillog::store::{Activity, JobLogEntry, LeaseHolder, RunCounts, StuckMessage};
use emaillog::tui::action::{Action, Screen};
use emaillog::tui::msg::Msg;
use emaillog::tui::state::UiState;
use emaillog::tui::view;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

const SIZES: [(u16, u16); 2] = [(80, 24), (140, 45)];
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
        }),
        token_expires: Some(now() + Duration::minutes(42)),
        today: Activity {
            logged: 187,
            skipped: 41,
            failed: 2,
            logged_per_hour: per_hour,
        },
        runs: vec![
            run(58, 1, "In process", 80, 52, 27, 1),
            run(57, 11, "Error", 12, 3, 8, 1),
            run(56, 21, "Success", 40, 24, 16, 0),
            run(55, 31, "Success", 0, 0, 0, 0),
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

#[test]
fn setup_editing() {
    let mut s = state(Role::Admin);
    act(&mut s, &[Action::Go(Screen::Setup), Action::Open]);
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
    let mut s = state(Role::Admin);
    act(
        &mut s,
        &[
            Action::Go(Screen::Setup),
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
    assert_eq!(s.run_sel, 2, "the third run");
    act(&mut s, &[Action::Go(Screen::Setup)]);
    s.update(Msg::Click(5, 4));
    assert_eq!(
        s.selected_field(),
        Some(emaillog::app::setup_fields::FieldKey::ClientId)
    );
    // " 1 Status " is cells 0–9 and a space; " 2 Setup " 11–19 and a space.
    s.update(Msg::Click(10, 0));
    assert_eq!(s.screen, Screen::Status, "the first tab");
    s.update(Msg::Click(11, 0));
    assert_eq!(s.screen, Screen::Setup, "the second tab");
    s.update(Msg::Click(21, 0));
    assert_eq!(s.screen, Screen::Jobs, "the third tab");
}
