//! The UI's whole state and how an action or a message changes it. Pure:
//! no I/O here; what needs the database or the network is returned as an
//! [`Effect`] for the runtime to do, and its answer comes back as a [`Msg`].

use std::collections::VecDeque;

use chrono::{DateTime, FixedOffset, Utc};
use tui_input::Input;

use crate::app::overview::{Overview, Role};
use crate::app::setup_fields::FIELDS;
use crate::domain::text::one_line;

use super::action::{Action, Screen};
use super::keymap::Ctx;
use super::lists::ListsState;
use super::log_window::LogWindow;
use super::msg::{Effect, Msg};
use super::screens::jobs::Jobs;
use super::screens::setup::Setup;

mod click;
mod engine;
mod lists_screen;
mod overlay_kinds;
mod overlays;

pub use super::form::FormFor;
pub use super::screens::log::log_visible;
pub use super::screens::message::MessageView;
pub use super::view::fit::wrap;
pub use engine::EngineView;
pub use overlay_kinds::{Overlay, Pending, PromptFor};

/// Lines of engine activity kept for the status screen.
const RECENT: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Error,
}

/// What a status-line message is about, which says when it goes: a
/// message belongs to the state that caused it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum About {
    /// The last action: the next one replaces it.
    #[default]
    Action,
    /// The form being filled: it goes as soon as the form is typed into
    /// (the field's own check then says how it stands).
    Form,
    /// Requests left for the engine: it goes when none is waiting.
    Requests,
}

/// A status-line message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub level: Level,
    pub text: String,
    pub about: About,
}

pub use super::screens::setup::{SignInStage, WIZARD_STEPS};

pub struct UiState {
    pub role: Role,
    pub screen: Screen,
    pub now: DateTime<Utc>,
    /// The time zone times are shown in.
    pub tz: FixedOffset,
    pub color: bool,
    pub size: (u16, u16),
    pub overview: Option<Overview>,
    pub load_error: Option<String>,
    /// A reload asked for and not answered yet, since when.
    pub loading_since: Option<DateTime<Utc>>,
    pub reload_again: bool,
    pub engine: EngineView,
    /// Engine activity, newest last: (when, line), already sanitised.
    pub recent: VecDeque<(DateTime<Utc>, String)>,
    pub status: super::screens::status::Status,
    /// The setup screen.
    pub setup: Setup,
    /// The job queue screen.
    pub jobs: Jobs,
    /// A filter per screen, typed after `/`.
    pub filter: Option<(Screen, String)>,
    pub overlay: Option<Overlay>,
    /// The overlay the help or the palette was opened over (the message
    /// view): it comes back when they close.
    pub under: Option<Box<Overlay>>,
    pub notice: Option<Notice>,
    /// Work the user started that has not answered yet.
    pub working: Option<(String, DateTime<Utc>)>,
    /// What the answer of that work will be about.
    pub working_about: About,
    pub quitting: bool,
    /// What the last validation found (the assisted setup's step).
    pub validated: Option<bool>,
    /// The interaction log's window.
    pub log: LogWindow,
    /// The opportunities, skipped and contacts screens.
    pub lists: ListsState,
    /// The entry whose message opens again when the work in hand is done.
    pub then_open: Option<i64>,
    /// A private mark asked for (entry, on), shown on the open message
    /// once it is done.
    pub private_pending: Option<(i64, bool)>,
}

pub(crate) fn sanitize(s: &str) -> String {
    one_line(s)
}

impl UiState {
    pub fn new(role: Role, now: DateTime<Utc>, tz: FixedOffset) -> Self {
        Self {
            role,
            screen: Screen::Status,
            now,
            tz,
            color: true,
            size: (80, 24),
            overview: None,
            load_error: None,
            loading_since: None,
            reload_again: false,
            engine: EngineView::default(),
            recent: VecDeque::new(),
            status: Default::default(),
            setup: Setup::default(),
            jobs: Jobs::default(),
            filter: None,
            overlay: None,
            under: None,
            notice: None,
            working: None,
            working_about: About::Action,
            quitting: false,
            validated: None,
            log: LogWindow::default(),
            lists: ListsState::default(),
            then_open: None,
            private_pending: None,
        }
    }

    /// Where keys go now.
    pub fn ctx(&self) -> Ctx {
        match &self.overlay {
            None => Ctx::Global,
            Some(Overlay::Help) => Ctx::Help,
            Some(Overlay::Palette { .. }) => Ctx::Palette,
            Some(Overlay::Confirm { .. }) => Ctx::Confirm,
            Some(Overlay::Prompt {
                purpose: PromptFor::Search,
                ..
            }) => Ctx::Search,
            Some(Overlay::Edit { .. }) | Some(Overlay::Prompt { .. }) => Ctx::Edit,
            Some(Overlay::SignIn { .. }) => Ctx::SignIn,
            Some(Overlay::Validate { .. }) => Ctx::Validate,
            Some(Overlay::RunDetail { .. }) => Ctx::RunDetail,
            Some(Overlay::Wizard { .. }) => Ctx::Wizard,
            Some(Overlay::Message(_)) => Ctx::Message,
            Some(Overlay::Form { .. }) => Ctx::Form,
            Some(Overlay::Opportunity { .. }) => Ctx::Opportunity,
            Some(Overlay::ContactCard { .. }) => Ctx::ContactCard,
            Some(Overlay::ImportPreview { .. }) => Ctx::ImportPreview,
            Some(Overlay::NeverLog { .. }) => Ctx::NeverLog,
            Some(Overlay::Audit(_)) => Ctx::Audit,
            Some(Overlay::Capture { .. }) => Ctx::Capture,
            Some(Overlay::FolderPicker(_)) => Ctx::FolderPicker,
            Some(Overlay::Attachments { .. }) => Ctx::Attachments,
        }
    }

    /// Whether keys that resolve to nothing are typed into a text field.
    pub fn takes_text(&self) -> bool {
        matches!(
            self.overlay,
            Some(
                Overlay::Edit { .. }
                    | Overlay::Prompt { .. }
                    | Overlay::Palette { .. }
                    | Overlay::Form { .. }
            )
        )
    }

    pub fn filter_for(&self, screen: Screen) -> Option<String> {
        self.filter
            .as_ref()
            .filter(|(s, _)| *s == screen)
            .map(|(_, f)| f.to_lowercase())
    }

    pub(crate) fn page(&self) -> usize {
        (self.size.1 as usize).saturating_sub(12).max(1)
    }

    pub(crate) fn say(&mut self, level: Level, text: impl Into<String>) {
        self.say_about(level, text, About::Action);
    }

    pub(crate) fn say_about(&mut self, level: Level, text: impl Into<String>, about: About) {
        self.notice = Some(Notice {
            level,
            text: sanitize(&text.into()),
            about,
        });
    }

    /// Drops the notice if it is about `about`.
    pub(crate) fn unsay(&mut self, about: About) {
        if self.notice.as_ref().is_some_and(|n| n.about == about) {
            self.notice = None;
        }
    }

    pub(crate) fn start(&mut self, label: &str) {
        self.start_about(label, About::Action);
    }

    /// Work whose answer is about `about` (and goes with it).
    pub(crate) fn start_about(&mut self, label: &str, about: About) {
        self.working = Some((label.to_string(), self.now));
        self.working_about = about;
    }

    /// The one entry point: a message in, effects out.
    pub fn update(&mut self, msg: Msg) -> Vec<Effect> {
        let mut effects = self.handle(msg);
        self.back_to_wizard();
        effects.extend(self.back_to_setup_list());
        effects
    }

    fn handle(&mut self, msg: Msg) -> Vec<Effect> {
        match msg {
            Msg::Action(a) => self.act(a),
            Msg::Typed(k) => {
                self.type_key(&k);
                self.search_typed()
            }
            Msg::Due(n) => self.search_due(n),
            Msg::Tick(now) => {
                self.now = now;
                self.follow_ups_stale()
            }
            Msg::Resize(w, h) => {
                self.size = (w, h);
                self.rewrap_message();
                // The selected entry stays on screen at the new height.
                let v = self.log_rows();
                self.log.step(0, v).map(Effect::Page).into_iter().collect()
            }
            Msg::DbChanged => {
                let mut e = self.reload();
                e.extend(self.refresh_log());
                e.extend(self.load_lists());
                e
            }
            Msg::LogPage {
                generation,
                kind,
                result,
            } => self.log_arrived(generation, kind, result),
            Msg::Message(r) => {
                self.message_arrived(r);
                Vec::new()
            }
            Msg::Lists(r) => self.lists_arrived(r),
            Msg::Folders { path, result } => self.folders_arrived(path, result),
            Msg::Progress(p) => {
                if let Some((label, _)) = &mut self.working {
                    *label = sanitize(&p);
                }
                Vec::new()
            }
            Msg::Overview(r) => {
                self.loading_since = None;
                match r {
                    Ok(o) => {
                        self.overview = Some(*o);
                        self.load_error = None;
                        self.clamp();
                    }
                    Err(e) => self.load_error = Some(sanitize(&e)),
                }
                if std::mem::take(&mut self.reload_again) {
                    return self.reload();
                }
                Vec::new()
            }
            Msg::Done(r) => {
                self.working = None;
                let about = std::mem::take(&mut self.working_about);
                let ok = r.is_ok();
                match r {
                    Ok(t) => self.say_about(Level::Info, t, about),
                    Err(e) => self.say(Level::Error, e),
                }
                let mut e = self.reload();
                e.extend(self.refresh_log());
                e.extend(self.load_lists());
                if let Some(n) = self.then_open.take()
                    && ok
                {
                    e.extend(self.open_message(n));
                }
                if let Some((n, on)) = self.private_pending.take()
                    && ok
                {
                    self.private_applied(n, on);
                }
                e
            }
            Msg::Engine(e) => {
                self.engine_event(e);
                Vec::new()
            }
            Msg::Check(c) => {
                if let Some(Overlay::Validate { checks, .. }) = &mut self.overlay {
                    checks.push(c);
                }
                Vec::new()
            }
            Msg::ValidateDone(r) => {
                if let Some(Overlay::Validate {
                    checks,
                    running,
                    error,
                    ..
                }) = &mut self.overlay
                {
                    *running = false;
                    match r {
                        Ok(()) => self.validated = Some(checks.iter().all(|c| c.passed)),
                        Err(e) => *error = Some(sanitize(&e)),
                    }
                }
                Vec::new()
            }
            Msg::SignInPrompt(p) => {
                if let Some(Overlay::SignIn { stage, .. }) = &mut self.overlay {
                    *stage = SignInStage::Prompt(p);
                }
                Vec::new()
            }
            Msg::SignInDone(r) => {
                if let Some(Overlay::SignIn { stage, .. }) = &mut self.overlay {
                    *stage = match r {
                        Ok(a) => SignInStage::Done(sanitize(&a)),
                        Err(e) => SignInStage::Failed(sanitize(&e)),
                    };
                }
                self.reload()
            }
            Msg::Click(col, row) => self.click(col, row),
        }
    }

    pub fn reload(&mut self) -> Vec<Effect> {
        if self.loading_since.is_some() {
            self.reload_again = true;
            return Vec::new();
        }
        self.loading_since = Some(self.now);
        vec![Effect::Reload]
    }

    pub(crate) fn clamp(&mut self) {
        let fields = self.visible_fields().len();
        self.setup.sel = self.setup.sel.min(fields.saturating_sub(1));
        self.clamp_jobs();
    }

    pub(crate) fn act(&mut self, a: Action) -> Vec<Effect> {
        if self.quitting {
            return Vec::new();
        }
        // Any new action replaces the last notice.
        if !matches!(a, Action::Up | Action::Down) {
            self.notice = None;
        }
        if self.lists.importing && a == Action::Back {
            // Gives up reading the file; what it read is dropped.
            self.lists.importing = false;
            self.working = None;
            self.say(Level::Info, "import cancelled: nothing was imported");
            return vec![Effect::Cancel];
        }
        if self.overlay.is_some() {
            self.act_in_overlay(a)
        } else {
            self.act_on_screen(a)
        }
    }

    pub(crate) fn go(&mut self, s: Screen) -> Vec<Effect> {
        self.screen = s;
        match s {
            Screen::Log => self.enter_log(),
            _ => self.load_lists(),
        }
    }

    pub(crate) fn act_on_screen(&mut self, a: Action) -> Vec<Effect> {
        match a {
            Action::Quit => {
                if self.engine.in_run {
                    self.overlay = Some(Overlay::Confirm {
                        question:
                            "A run is in progress. Quit when it has finished the message in hand?"
                                .into(),
                        pending: Pending::Quit,
                    });
                    Vec::new()
                } else {
                    self.quitting = true;
                    vec![Effect::Quit]
                }
            }
            Action::Go(s) => self.go(s),
            Action::NextScreen => self.go(self.screen.next()),
            Action::PrevScreen => self.go(self.screen.prev()),
            Action::Help => {
                self.overlay = Some(Overlay::Help);
                Vec::new()
            }
            Action::Palette => {
                self.overlay = Some(Overlay::Palette {
                    input: Input::default(),
                    selected: 0,
                });
                Vec::new()
            }
            Action::Search if self.screen == Screen::Log => {
                self.open_search();
                Vec::new()
            }
            Action::Search => {
                if self.screen != Screen::Status {
                    let current = self.filter_for(self.screen).unwrap_or_default();
                    self.overlay = Some(Overlay::Prompt {
                        purpose: PromptFor::Filter,
                        input: Input::new(current),
                        error: None,
                    });
                } else {
                    self.say(Level::Info, "nothing to search on this screen");
                }
                Vec::new()
            }
            Action::Back if self.screen == Screen::Log => self.log_back(),
            Action::Back => {
                if self.filter.as_ref().is_some_and(|(s, _)| *s == self.screen) {
                    self.filter = None;
                    self.clamp();
                    self.clamp_lists();
                }
                Vec::new()
            }
            Action::Up
            | Action::Down
            | Action::Top
            | Action::Bottom
            | Action::PageUp
            | Action::PageDown => {
                if self.screen == Screen::Log {
                    return self.log_move(a);
                }
                self.move_selection(a);
                Vec::new()
            }
            _ => match self.screen {
                Screen::Setup => self.act_setup(a),
                Screen::Jobs => self.act_jobs(a),
                Screen::Log => self.act_log(a),
                Screen::Opportunities => self.act_opportunities(a),
                Screen::Skipped => self.act_skipped(a),
                Screen::Contacts => self.act_contacts(a),
                Screen::FollowUps => self.act_follow_ups(a),
                Screen::Status => self.act_status(a),
            },
        }
    }

    pub(crate) fn move_selection(&mut self, a: Action) {
        let page = self.page();
        let selection = match self.screen {
            Screen::Opportunities | Screen::Skipped | Screen::Contacts | Screen::FollowUps => {
                self.list_selection()
            }
            Screen::Setup => Some((&mut self.setup.sel, FIELDS.len())),
            Screen::Jobs => Some(self.jobs_selection()),
            _ => None,
        };
        let Some((sel, len)) = selection else {
            return;
        };
        let last = len.saturating_sub(1);
        *sel = match a {
            Action::Up => sel.saturating_sub(1),
            Action::Down => (*sel + 1).min(last),
            Action::Top => 0,
            Action::Bottom => last,
            Action::PageUp => sel.saturating_sub(page),
            Action::PageDown => (*sel + page).min(last),
            _ => *sel,
        };
        self.clamp();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::setup::AuthFlow;

    fn ui() -> UiState {
        let now: DateTime<Utc> = "2026-11-27T14:30:00Z".parse().unwrap();
        UiState::new(Role::Admin, now, FixedOffset::east_opt(0).unwrap())
    }

    #[test]
    fn esc_gives_up_an_imports_read_and_whatever_it_found() {
        use super::super::lists::{Lists, ListsKind};
        let import = |s: &mut UiState| {
            s.prompt(PromptFor::Contacts, "/tmp/contacts.csv");
            s.update(Msg::Action(Action::Open))
        };
        let mut s = ui();
        let effects = import(&mut s);
        assert!(matches!(
            effects.as_slice(),
            [Effect::LoadLists(ListsKind::ImportPreview {
                salespeople: false,
                ..
            })]
        ));
        assert!(s.working.is_some());
        assert_eq!(s.update(Msg::Action(Action::Back)), vec![Effect::Cancel]);
        assert!(s.working.is_none(), "the spinner stops with the read");
        assert!(format!("{:?}", s.notice).contains("import cancelled"));
        // The read's answer comes after Esc: dropped, no dialog, no error.
        let preview = crate::app::people::ImportPreview::Contacts(crate::app::people::Preview {
            added: Vec::new(),
            changed: Vec::new(),
            unchanged: 0,
            errors: Vec::new(),
            format: Default::default(),
        });
        s.update(Msg::Lists(Ok(Box::new(Lists::ImportPreview(
            "/tmp/contacts.csv".into(),
            Box::new(preview.clone()),
        )))));
        assert!(s.overlay.is_none(), "a cancelled import opens no preview");
        s.update(Msg::Lists(Err(crate::app::AppError::Cancelled.to_string())));
        assert!(s.lists.error.is_none());
        assert!(format!("{:?}", s.notice).contains("import cancelled"));

        // Not cancelled: its answer opens the preview, and Esc is the
        // preview's own again.
        let mut s = ui();
        import(&mut s);
        s.update(Msg::Lists(Ok(Box::new(Lists::ImportPreview(
            "/tmp/contacts.csv".into(),
            Box::new(preview),
        )))));
        assert!(matches!(s.overlay, Some(Overlay::ImportPreview { .. })));
        assert!(s.update(Msg::Action(Action::Back)).is_empty());
        assert!(s.overlay.is_none());
    }

    #[test]
    fn overlays_move_in_place_and_close_only_on_what_ends_them() {
        let mut s = ui();
        s.update(Msg::Action(Action::Palette));
        for _ in 0..100 {
            s.update(Msg::Action(Action::Down));
        }
        let n = s.palette_matches("").len();
        assert!(matches!(s.overlay, Some(Overlay::Palette { selected, .. }) if selected == n - 1));
        s.update(Msg::Action(Action::Top));
        assert!(
            s.overlay.is_some(),
            "a key the palette does not know keeps it open"
        );

        let mut s = ui();
        s.update(Msg::Action(Action::Palette));
        let first = s.palette_matches("")[0].binding.action;
        s.update(Msg::Action(Action::Open));
        assert_eq!(
            first,
            Action::ChartSpan,
            "the screen's own actions come first"
        );
        assert!(s.status.per_day, "Enter runs the chosen command");

        let mut s = ui();
        s.overlay = Some(Overlay::Validate {
            checks: Vec::new(),
            running: true,
            error: None,
            scroll: 0,
        });
        s.update(Msg::Action(Action::Up));
        assert!(
            matches!(s.overlay, Some(Overlay::Validate { scroll: 0, .. })),
            "no checks, nothing to scroll"
        );
        assert_eq!(s.update(Msg::Action(Action::Back)), vec![Effect::Cancel]);
        assert!(s.overlay.is_none());

        let mut s = ui();
        s.overlay = Some(Overlay::SignIn {
            flow: AuthFlow::DeviceCode,
            stage: SignInStage::Starting,
        });
        assert!(s.update(Msg::Action(Action::Open)).is_empty());
        assert!(
            s.overlay.is_some(),
            "Enter does not close a sign-in under way"
        );
        assert_eq!(s.update(Msg::Action(Action::Back)), vec![Effect::Cancel]);
        s.overlay = Some(Overlay::SignIn {
            flow: AuthFlow::DeviceCode,
            stage: SignInStage::Done("a@b.example".into()),
        });
        assert!(s.update(Msg::Action(Action::Open)).is_empty());
        assert!(s.overlay.is_none(), "Enter closes a finished sign-in");

        let mut s = ui();
        s.overlay = Some(Overlay::Confirm {
            question: "?".into(),
            pending: Pending::Disable,
        });
        s.update(Msg::Action(Action::Down));
        assert!(s.overlay.is_some(), "only yes or no answers a question");
        assert_eq!(s.update(Msg::Action(Action::Yes)), vec![Effect::Disable]);
        assert!(s.overlay.is_none());
    }
}
