//! The setup screen: every field with its value (secrets only as set / not
//! set), the chosen field's help, and what the admin can do from here —
//! edit a field, enable, disable, validate, sign in, the assisted setup
//! (its checklist), write the scripts. Its state, update, draw and keys.

use ratatui::Frame;
use ratatui::crossterm::event::KeyCode;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table, TableState, Wrap};
use tui_input::Input;

use crate::app::overview::Role;
use crate::app::setup_fields::{self, Checked, FieldKey};
use crate::app::setup_fields::{FIELDS, FieldKind, display};
use crate::domain::setup::AuthFlow;
use crate::domain::text::one_line;
use crate::tui::action::{Action, Screen};
use crate::tui::form::{Field, Form, FormFor, Rule};
use crate::tui::keymap::Ctx::*;
use crate::tui::keymap::{Binding, admin, b, code, k};
use crate::tui::msg::Effect;
use crate::tui::state::UiState;
use crate::tui::state::{Level, Overlay, Pending, PromptFor};
use crate::tui::theme::Theme;

/// A toggle's choices in its form.
const YES_NO: &[&str] = &["yes", "no"];

/// The steps of the assisted setup, in order.
pub const WIZARD_STEPS: &[&str] = &[
    "Shared mailbox and tenant",
    "App registration and Exchange scripts",
    "Client id",
    "Sign in",
    "Import salespeople and contacts",
    "Validate",
    "Enable",
];

#[derive(Debug, Clone)]
pub enum SignInStage {
    Starting,
    Prompt(crate::app::login::LoginPrompt),
    Done(String),
    Failed(String),
}

/// The screen's state.
#[derive(Debug, Clone, Default)]
pub struct Setup {
    /// The selected field, among those the filter shows.
    pub sel: usize,
    /// The assisted setup's step in hand: its checklist comes back when the
    /// step's dialog is done.
    pub wizard: Option<usize>,
    /// The list opened from Setup, if one is: it comes back after a
    /// change made from it.
    pub open_list: Option<SetupList>,
}

/// The lists Setup opens over itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetupList {
    NeverLog,
    Capture,
}

impl UiState {
    /// Actions the footer leaves out because they would do nothing now:
    /// enable while logging is on, disable while it is off.
    pub fn idle_actions(&self) -> Vec<Action> {
        match self.overview.as_ref().map(|o| o.setup.enabled) {
            Some(true) => vec![Action::Enable],
            Some(false) => vec![Action::Disable],
            None => Vec::new(),
        }
    }

    /// A setup field's form was saved: unchanged says so, else it is saved
    /// (asking first where it should).
    pub(crate) fn submit_setup_field(&mut self, key: FieldKey, values: Vec<String>) -> Vec<Effect> {
        let Some(setup) = self.overview.as_ref().map(|o| o.setup.clone()) else {
            return Vec::new();
        };
        let text = values.into_iter().next().unwrap_or_default();
        if setup_fields::display(&setup, key) == text {
            self.say(Level::Info, "unchanged");
            return Vec::new();
        }
        self.save_or_confirm(&setup, key, text)
    }

    /// The setup fields shown (the filter applied), as indexes into FIELDS.
    pub fn visible_fields(&self) -> Vec<usize> {
        let f = self.filter_for(Screen::Setup);
        (0..FIELDS.len())
            .filter(|&i| {
                f.as_ref()
                    .is_none_or(|f| FIELDS[i].label.to_lowercase().contains(f))
            })
            .collect()
    }

    pub fn selected_field(&self) -> Option<FieldKey> {
        self.visible_fields()
            .get(self.setup.sel)
            .map(|&i| FIELDS[i].key)
    }

    /// After a change made from a list Setup opened (its question
    /// answered, the work done), the list comes back, read again.
    pub(crate) fn back_to_setup_list(&mut self) -> Vec<Effect> {
        match self.setup.open_list {
            _ if self.overlay.is_some() || self.working.is_some() => Vec::new(),
            Some(SetupList::NeverLog) => self.open_never_log(),
            Some(SetupList::Capture) => self.open_capture(),
            None => Vec::new(),
        }
    }

    pub(crate) fn act_setup(&mut self, a: Action) -> Vec<Effect> {
        if a == Action::NextMailbox {
            return self.next_mailbox();
        }
        if a == Action::NeverLogList {
            return self.open_never_log();
        }
        if a == Action::AuditTrail {
            return self.open_audit();
        }
        if a == Action::CaptureLevels {
            return self.open_capture();
        }
        if self.role != Role::Admin {
            return Vec::new();
        }
        let Some(setup) = self.overview.as_ref().map(|o| o.setup.clone()) else {
            self.say(Level::Info, "the setup has not been read yet");
            return Vec::new();
        };
        match a {
            Action::Open => {
                let Some(key) = self.selected_field() else {
                    return Vec::new();
                };
                let field = FIELDS.iter().find(|f| f.key == key).copied();
                let Some(field) = field else {
                    return Vec::new();
                };
                if crate::tui::screens::folder_picker::folder_role(key).is_some() {
                    return self.open_folder_picker(key);
                }
                match field.kind {
                    FieldKind::ReadOnly => {
                        self.say(Level::Info, field.help);
                        Vec::new()
                    }
                    // Chosen in a form and saved on Enter, never by opening.
                    FieldKind::Toggle | FieldKind::Choice(_) => {
                        let options = match field.kind {
                            FieldKind::Choice(options) => options,
                            _ => YES_NO,
                        };
                        let current = setup_fields::display(&setup, key);
                        self.overlay = Some(Overlay::Form {
                            form: Form::new(
                                field.label,
                                vec![field.help.to_string()],
                                vec![Field::new(
                                    field.label,
                                    Rule::Choice(options),
                                    &current,
                                    "Space changes it, Enter saves",
                                )],
                            ),
                            purpose: FormFor::SetupField(key),
                        });
                        Vec::new()
                    }
                    FieldKind::Text | FieldKind::Secret => {
                        self.open_editor(&setup, key, field.kind == FieldKind::Secret);
                        Vec::new()
                    }
                }
            }
            Action::Enable => {
                self.start("enabling");
                vec![Effect::Enable]
            }
            Action::Disable => {
                self.overlay = Some(Overlay::Confirm {
                    question:
                        "Disable logging? The job entry is removed until you enable it again."
                            .into(),
                    pending: Pending::Disable,
                });
                Vec::new()
            }
            Action::Validate => self.open_validate(),
            Action::SignIn => self.open_sign_in(&setup),
            Action::Wizard => {
                self.overlay = Some(Overlay::Wizard { selected: 0 });
                Vec::new()
            }
            Action::WriteScripts => {
                self.prompt(PromptFor::ScriptsFolder, ".");
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    /// The field editor for `key`, with the text it starts with (a secret
    /// typed anew, masked) and that text's check.
    pub(crate) fn open_editor(
        &mut self,
        setup: &crate::domain::setup::Setup,
        key: FieldKey,
        masked: bool,
    ) {
        let text = setup_fields::initial_text(setup, key);
        let check = setup_fields::check(setup, key, &text);
        self.overlay = Some(Overlay::Edit {
            key,
            input: Input::new(text),
            masked,
            check,
        });
    }

    pub(crate) fn save_or_confirm(
        &mut self,
        setup: &crate::domain::setup::Setup,
        key: FieldKey,
        text: String,
    ) -> Vec<Effect> {
        if let Checked::Invalid(e) = setup_fields::check(setup, key, &text) {
            self.say(Level::Error, e);
            return Vec::new();
        }
        match setup_fields::question(setup, key, &text) {
            Some(question) => {
                self.overlay = Some(Overlay::Confirm {
                    question,
                    pending: Pending::Save { key, text },
                });
                Vec::new()
            }
            None => {
                self.start("saving");
                vec![Effect::SaveField { key, text }]
            }
        }
    }

    pub(crate) fn open_validate(&mut self) -> Vec<Effect> {
        self.overlay = Some(Overlay::Validate {
            checks: Vec::new(),
            running: true,
            error: None,
            scroll: 0,
        });
        vec![Effect::Validate]
    }

    pub(crate) fn open_sign_in(&mut self, setup: &crate::domain::setup::Setup) -> Vec<Effect> {
        let flow = setup.auth_flow;
        if flow == AuthFlow::ClientCredentials
            && !setup.has_client_secret
            && setup.secret_command.is_empty()
        {
            self.prompt(PromptFor::AppOnlySecret, "");
            return Vec::new();
        }
        self.overlay = Some(Overlay::SignIn {
            flow,
            stage: SignInStage::Starting,
        });
        vec![Effect::SignIn(flow)]
    }

    /// Whether a step of the assisted setup is done, from what is stored.
    pub fn wizard_done(&self, step: usize) -> bool {
        let Some(o) = &self.overview else {
            return false;
        };
        let s = &o.setup;
        match step {
            0 => !s.mailbox.is_empty() && !s.tenant.is_empty(),
            // The scripts registered the app when there is its client id.
            1 => !s.client_id.is_empty(),
            2 => !s.client_id.is_empty(),
            // App-only sign-in has no account: its consent is the sign-in.
            3 => {
                s.consent_given
                    && (s.account.is_some()
                        || s.auth_flow == crate::domain::setup::AuthFlow::ClientCredentials)
            }
            4 => o.salespeople > 0 && o.contacts > 0,
            5 => self.validated == Some(true),
            6 => s.enabled && o.job.is_some(),
            _ => false,
        }
    }

    /// What a step of the assisted setup stands at, in a few words from
    /// what is stored: the mailbox and tenant, the client id, who is signed
    /// in (an app-only sign-in reads the shared mailbox, so that is its
    /// account), how many people are imported.
    pub fn wizard_detail(&self, step: usize) -> String {
        let Some(o) = &self.overview else {
            return String::new();
        };
        let s = &o.setup;
        let or_unset = |v: &str, what: &str| {
            if v.is_empty() {
                format!("no {what} yet")
            } else {
                one_line(v)
            }
        };
        match step {
            0 => format!(
                "{} · {}",
                or_unset(&s.mailbox, "mailbox"),
                or_unset(&s.tenant, "tenant")
            ),
            1 | 2 if s.client_id.is_empty() => "no client id yet".into(),
            1 => "done: the app is registered".into(),
            2 => one_line(&s.client_id),
            3 => match (&s.account, s.auth_flow) {
                (_, AuthFlow::ClientCredentials) if s.consent_given => {
                    format!("app-only, reads {}", or_unset(&s.mailbox, "mailbox"))
                }
                (Some(a), _) if s.consent_given => format!("signed in as {}", one_line(a)),
                _ => "not signed in".into(),
            },
            4 => format!(
                "{}, {}",
                crate::domain::text::count(o.salespeople, "salesperson", "salespeople"),
                crate::domain::text::count(o.contacts, "contact", "contacts")
            ),
            5 => match self.validated {
                Some(true) => "every check passed".into(),
                Some(false) => "a check failed: v shows which".into(),
                None => "not run yet".into(),
            },
            6 => match (&o.job, s.enabled) {
                (Some(job), true) => format!("enabled: the job is {}", job.status.as_str()),
                _ => "not enabled".into(),
            },
            _ => String::new(),
        }
    }

    /// When a step's dialog is done (nothing open, nothing in progress),
    /// the assisted setup's checklist comes back on the next step.
    pub(crate) fn back_to_wizard(&mut self) {
        let Some(step) = self.setup.wizard else {
            return;
        };
        if self.overlay.is_none() && self.working.is_none() && !self.lists.importing {
            let next = (step + 1).min(WIZARD_STEPS.len() - 1);
            let selected = if self.wizard_done(step) { next } else { step };
            self.overlay = Some(Overlay::Wizard { selected });
            self.setup.wizard = None;
        }
    }

    pub(crate) fn wizard_step(&mut self, step: usize) -> Vec<Effect> {
        let Some(setup) = self.overview.as_ref().map(|o| o.setup.clone()) else {
            return Vec::new();
        };
        self.setup.wizard = Some(step);
        let edit = |me: &mut Self, key: FieldKey| {
            me.screen = Screen::Setup;
            if let Some(i) = me
                .visible_fields()
                .iter()
                .position(|&i| FIELDS[i].key == key)
            {
                me.setup.sel = i;
            }
            me.open_editor(&setup, key, false);
            Vec::new()
        };
        match step {
            0 => {
                let key = if setup.mailbox.is_empty() {
                    FieldKey::Mailbox
                } else if setup.tenant.is_empty() {
                    FieldKey::Tenant
                } else {
                    FieldKey::Mailbox
                };
                edit(self, key)
            }
            1 => {
                self.prompt(PromptFor::ScriptsFolder, ".");
                Vec::new()
            }
            2 => edit(self, FieldKey::ClientId),
            3 => self.open_sign_in(&setup),
            4 => {
                let salespeople = self.overview.as_ref().is_some_and(|o| o.salespeople > 0);
                self.prompt(
                    if salespeople {
                        PromptFor::Contacts
                    } else {
                        PromptFor::Salespeople
                    },
                    "",
                );
                Vec::new()
            }
            5 => self.open_validate(),
            6 => {
                self.start("enabling");
                vec![Effect::Enable]
            }
            _ => Vec::new(),
        }
    }
}

pub fn draw(f: &mut Frame, s: &UiState, theme: &Theme, area: Rect) {
    let Some(o) = &s.overview else {
        f.render_widget(Paragraph::new("reading the setup…"), area);
        return;
    };
    if o.restricted {
        return super::draw_restricted(f, theme, area, "The setup is");
    }
    let [head, table_area, help] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(2),
    ])
    .areas(area);
    // With several mailboxes: whose setup this is (`m`: the next one's).
    let title = s
        .mailbox_title()
        .map_or_else(|| "Setup".to_string(), |m| format!("Setup · {m}"));
    let head_text = match s.role {
        Role::Admin => Line::from(vec![
            Span::styled(title, theme.title()),
            Span::styled(
                "  Enter edits · s signs in · v validates · a walks every step",
                theme.dim(),
            ),
        ]),
        Role::User => Line::from(vec![
            Span::styled(format!("{title} (read-only)"), theme.title()),
            Span::styled(
                "  the key file is the admin's: no secrets, no sign-in here",
                theme.warn(),
            ),
        ]),
    };
    f.render_widget(Paragraph::new(head_text), head);
    let visible = s.visible_fields();
    let rows: Vec<Row> = visible
        .iter()
        .map(|&i| {
            let field = &FIELDS[i];
            let value = one_line(&display(&o.setup, field.key));
            let value_style = match field.kind {
                FieldKind::Secret => theme.dim(),
                FieldKind::ReadOnly => theme.label(),
                _ => ratatui::style::Style::new(),
            };
            Row::new(vec![
                Span::styled(field.label, theme.label()),
                Span::styled(value, value_style),
            ])
        })
        .collect();
    let table = Table::new(rows, [Constraint::Length(20), Constraint::Min(10)])
        .row_highlight_style(theme.selected());
    let mut state = TableState::default().with_selected(Some(s.setup.sel));
    f.render_stateful_widget(table, table_area, &mut state);
    let help_text = visible
        .get(s.setup.sel)
        .map(|&i| FIELDS[i].help)
        .unwrap_or("no field matches the filter");
    let missing = o.setup.missing_fields();
    let mut lines = vec![Line::styled(help_text, theme.dim())];
    if !missing.is_empty() {
        lines.push(Line::styled(
            format!(
                "still missing: {}",
                missing
                    .iter()
                    .map(|m| m.split(':').next().unwrap_or(""))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            theme.warn(),
        ));
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), help);
}

/// The screen's keys.
pub const KEYS: &[Binding] = &[
    admin(b(
        Screen(Screen::Setup),
        &[code(KeyCode::Enter)],
        Action::Open,
        "edit",
        "Edit the chosen field (Enter flips a toggle or a choice)",
        true,
    )),
    admin(b(
        Screen(Screen::Setup),
        &[k('e')],
        Action::Enable,
        "enable",
        "Enable: creates the job entry",
        true,
    )),
    admin(b(
        Screen(Screen::Setup),
        &[k('x')],
        Action::Disable,
        "disable",
        "Disable: removes the job entry",
        true,
    )),
    admin(b(
        Screen(Screen::Setup),
        &[k('v')],
        Action::Validate,
        "validate",
        "Validate: run every check, each with its fix",
        true,
    )),
    admin(b(
        Screen(Screen::Setup),
        &[k('s')],
        Action::SignIn,
        "sign in",
        "Sign in / renew token with the auth flow set",
        true,
    )),
    admin(b(
        Screen(Screen::Setup),
        &[k('a')],
        Action::Wizard,
        "assisted",
        "Assisted setup: every step in order",
        true,
    )),
    b(
        Screen(Screen::Setup),
        &[k('n')],
        Action::NeverLogList,
        "never log",
        "The never-log list: addresses and domains never logged",
        true,
    ),
    admin(b(
        Screen(Screen::Setup),
        &[k('c')],
        Action::CaptureLevels,
        "capture",
        "Capture levels: how much of an address's, domain's or salesperson's mail is kept",
        false,
    )),
    admin(b(
        Screen(Screen::Setup),
        &[k('t')],
        Action::AuditTrail,
        "audit",
        "The audit trail: who opened or took out what, and every change",
        false,
    )),
    admin(b(
        Screen(Screen::Setup),
        &[k('w')],
        Action::WriteScripts,
        "scripts",
        "Write the PowerShell and az scripts to files",
        false,
    )),
];
