//! Every key as data: a key in a context resolves to an action. The help
//! overlay, the footer hints and the command palette are all made from this
//! one table, so they can never disagree with what a key does.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::app::overview::Role;

use super::action::{Action, Screen};

/// Where the focus is: a screen, or an overlay or dialog on top of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ctx {
    /// Any screen, when nothing is on top.
    Global,
    Screen(Screen),
    Help,
    Palette,
    Confirm,
    /// Typing into a field or a prompt.
    Edit,
    /// Typing a search: the log follows as you type.
    Search,
    SignIn,
    Validate,
    RunDetail,
    Wizard,
    /// Reading a message.
    Message,
    /// A dialog of several fields.
    Form,
    /// An opportunity's details.
    Opportunity,
    /// A contact's card.
    ContactCard,
    /// What importing a file would change.
    ImportPreview,
    /// The never-log list.
    NeverLog,
    /// The audit trail.
    Audit,
    /// The capture levels.
    Capture,
    /// The Setup screen's folder picker.
    FolderPicker,
    /// A list of attachments.
    Attachments,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

pub(crate) const fn k(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        mods: KeyModifiers::NONE,
    }
}

pub(crate) const fn code(code: KeyCode) -> Key {
    Key {
        code,
        mods: KeyModifiers::NONE,
    }
}

pub(crate) const fn ctrl(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        mods: KeyModifiers::CONTROL,
    }
}

impl Key {
    fn matches(&self, ev: &KeyEvent) -> bool {
        // Shift is part of the character ('G', '?'); only Ctrl and Alt
        // distinguish bindings.
        let mods = ev.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT);
        ev.code == self.code && mods == self.mods
    }

    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Char(' ') => "Space".into(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Enter => "Enter".into(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "S-Tab".into(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            other => format!("{other:?}"),
        };
        if self.mods.contains(KeyModifiers::CONTROL) {
            format!("C-{base}")
        } else {
            base
        }
    }
}

/// Who may use a binding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    Anyone,
    /// Needs the key file: secrets, sign-in, the engine's setup.
    Admin,
}

#[derive(Debug, Clone, Copy)]
pub struct Binding {
    pub ctx: Ctx,
    pub keys: &'static [Key],
    pub action: Action,
    /// Short, for the footer.
    pub label: &'static str,
    /// What it does, for the help overlay and the palette.
    pub help: &'static str,
    pub footer: bool,
    pub need: Need,
}

pub(crate) const fn b(
    ctx: Ctx,
    keys: &'static [Key],
    action: Action,
    label: &'static str,
    help: &'static str,
    footer: bool,
) -> Binding {
    Binding {
        ctx,
        keys,
        action,
        label,
        help,
        footer,
        need: Need::Anyone,
    }
}

pub(crate) const fn admin(mut binding: Binding) -> Binding {
    binding.need = Need::Admin;
    binding
}

use Ctx::*;

/// Keys on every screen (a screen's own keys shadow these).
pub const GLOBAL_KEYS: &[Binding] = &[
    // Everywhere.
    b(
        Global,
        &[k('q')],
        Action::Quit,
        "quit",
        "Quit (asks first while a run is in progress)",
        true,
    ),
    b(Global, &[ctrl('c')], Action::Quit, "quit", "Quit", false),
    b(
        Global,
        &[k('?')],
        Action::Help,
        "help",
        "Every key of this screen",
        true,
    ),
    b(
        Global,
        &[k(':')],
        Action::Palette,
        "commands",
        "Command palette",
        true,
    ),
    b(
        Global,
        &[k('/')],
        Action::Search,
        "search",
        "Search or filter this screen's list",
        false,
    ),
    b(
        Global,
        &[code(KeyCode::Tab)],
        Action::NextScreen,
        "next",
        "Next screen",
        false,
    ),
    b(
        Global,
        &[code(KeyCode::BackTab)],
        Action::PrevScreen,
        "previous",
        "Previous screen",
        false,
    ),
    b(
        Global,
        &[k('1')],
        Action::Go(Screen::Status),
        "status",
        "Status",
        false,
    ),
    b(
        Global,
        &[k('2')],
        Action::Go(Screen::Setup),
        "setup",
        "Setup",
        false,
    ),
    b(
        Global,
        &[k('3')],
        Action::Go(Screen::Jobs),
        "jobs",
        "Job queue",
        false,
    ),
    b(
        Global,
        &[k('4')],
        Action::Go(Screen::Log),
        "log",
        "Interaction log",
        false,
    ),
    b(
        Global,
        &[k('5')],
        Action::Go(Screen::Opportunities),
        "opportunities",
        "Opportunities",
        false,
    ),
    b(
        Global,
        &[k('6')],
        Action::Go(Screen::Skipped),
        "skipped",
        "Skipped",
        false,
    ),
    b(
        Global,
        &[k('7')],
        Action::Go(Screen::Contacts),
        "contacts",
        "Contacts",
        false,
    ),
    b(
        Global,
        &[k('8')],
        Action::Go(Screen::FollowUps),
        "follow-ups",
        "Follow-ups: waiting for us, going cold",
        false,
    ),
    b(
        Global,
        &[k('j'), code(KeyCode::Down)],
        Action::Down,
        "down",
        "Move down",
        false,
    ),
    b(
        Global,
        &[k('k'), code(KeyCode::Up)],
        Action::Up,
        "up",
        "Move up",
        false,
    ),
    b(
        Global,
        &[k('g'), code(KeyCode::Home)],
        Action::Top,
        "first",
        "First",
        false,
    ),
    b(
        Global,
        &[k('G'), code(KeyCode::End)],
        Action::Bottom,
        "last",
        "Last",
        false,
    ),
    b(
        Global,
        &[code(KeyCode::PageUp)],
        Action::PageUp,
        "page up",
        "Page up",
        false,
    ),
    b(
        Global,
        &[code(KeyCode::PageDown)],
        Action::PageDown,
        "page down",
        "Page down",
        false,
    ),
    b(
        Global,
        &[code(KeyCode::Esc)],
        Action::Back,
        "back",
        "Close or go back",
        false,
    ),
];

/// Every binding: the overlays', each screen's (in its own file), the
/// global ones. Within a context, earlier rows win when two match.
pub fn bindings() -> impl Iterator<Item = &'static Binding> {
    [
        super::overlay_keys::KEYS,
        super::screens::message::KEYS,
        super::screens::opportunities::DETAIL_KEYS,
        super::screens::contact_card::KEYS,
        super::screens::attachments::KEYS,
        super::screens::contacts::PREVIEW_KEYS,
        super::screens::never_log::KEYS,
        super::screens::audit::KEYS,
        super::screens::capture::KEYS,
        super::screens::folder_picker::KEYS,
        super::screens::log::KEYS,
        super::screens::opportunities::KEYS,
        super::screens::skipped::KEYS,
        super::screens::contacts::KEYS,
        super::screens::follow_ups::KEYS,
        super::screens::jobs::KEYS,
        super::screens::setup::KEYS,
        super::screens::status::KEYS,
        super::screens::mailboxes::KEYS,
        GLOBAL_KEYS,
    ]
    .into_iter()
    .flatten()
}

fn allowed(b: &Binding, role: Role) -> bool {
    b.need == Need::Anyone || role == Role::Admin
}

/// The contexts a key is looked up in, most specific first.
pub fn lookup_order(ctx: Ctx, screen: Screen) -> Vec<Ctx> {
    match ctx {
        Ctx::Global | Ctx::Screen(_) => vec![Ctx::Screen(screen), Ctx::Global],
        other => vec![other],
    }
}

/// The action a key asks for, if any.
pub fn resolve(ev: &KeyEvent, ctx: Ctx, screen: Screen, role: Role) -> Option<Action> {
    for c in lookup_order(ctx, screen) {
        if let Some(b) = bindings()
            .filter(|b| b.ctx == c && allowed(b, role))
            .find(|b| b.keys.iter().any(|k| k.matches(ev)))
        {
            return Some(b.action);
        }
    }
    None
}

/// The bindings in force, most specific first, each action once.
pub fn active(ctx: Ctx, screen: Screen, role: Role) -> Vec<&'static Binding> {
    let mut out: Vec<&'static Binding> = Vec::new();
    for c in lookup_order(ctx, screen) {
        for b in bindings().filter(|b| b.ctx == c && allowed(b, role)) {
            // A screen's own key shadows the global one (Enter, Esc).
            let shadowed = out
                .iter()
                .any(|o| o.action == b.action || o.keys.iter().any(|k| b.keys.contains(k)));
            if !shadowed {
                out.push(b);
            }
        }
    }
    out
}

/// "j/↓" for a binding's keys.
pub fn keys_label(b: &Binding) -> String {
    b.keys.iter().map(Key::label).collect::<Vec<_>>().join("/")
}

/// The footer: the hinted bindings in force, but for actions that would
/// do nothing now (`hide`: enable while enabled, say).
pub fn footer_hints(
    ctx: Ctx,
    screen: Screen,
    role: Role,
    hide: &[Action],
) -> Vec<(String, &'static str)> {
    active(ctx, screen, role)
        .into_iter()
        .filter(|b| b.footer && !hide.contains(&b.action))
        .map(|b| (b.keys[0].label(), b.label))
        .collect()
}

/// The command palette's entries for a screen: every action there is a key
/// for, screen's own first.
pub fn palette_entries(screen: Screen, role: Role) -> Vec<&'static Binding> {
    active(Ctx::Global, screen, role)
        .into_iter()
        .filter(|b| in_palette(b.action))
        .collect()
}

/// Actions the palette offers: not the ones that only make sense as a key
/// (opening what is selected, moving, going back).
fn in_palette(a: Action) -> bool {
    !matches!(
        a,
        Action::Palette
            | Action::Help
            | Action::Back
            | Action::Open
            | Action::Up
            | Action::Down
            | Action::Top
            | Action::Bottom
            | Action::PageUp
            | Action::PageDown
    )
}

/// Where a command of the palette runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunsOn {
    /// The message that is open.
    Message,
    Screen(Screen),
}

/// One command of the palette.
#[derive(Debug, Clone, Copy)]
pub struct Command {
    pub on: RunsOn,
    pub binding: &'static Binding,
}

/// Every command the palette offers, grouped by where it runs: the open
/// message's first (if one is open), then this screen's and the global
/// ones, then each other screen's own (running one switches to it).
pub fn commands(message_open: bool, screen: Screen, role: Role) -> Vec<Command> {
    let mut out = Vec::new();
    if message_open {
        for b in bindings().filter(|b| b.ctx == Ctx::Message && allowed(b, role)) {
            if in_palette(b.action) {
                out.push(Command {
                    on: RunsOn::Message,
                    binding: b,
                });
            }
        }
    }
    for b in palette_entries(screen, role) {
        out.push(Command {
            on: RunsOn::Screen(screen),
            binding: b,
        });
    }
    for other in Screen::ALL.into_iter().filter(|s| *s != screen) {
        for b in bindings().filter(|b| b.ctx == Ctx::Screen(other) && allowed(b, role)) {
            if in_palette(b.action) {
                out.push(Command {
                    on: RunsOn::Screen(other),
                    binding: b,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(c: KeyCode, m: KeyModifiers) -> KeyEvent {
        KeyEvent::new(c, m)
    }

    #[test]
    fn a_key_resolves_by_context_and_role() {
        let r = |c, ctx, screen, role| resolve(&key(c, KeyModifiers::NONE), ctx, screen, role);
        assert_eq!(
            r(KeyCode::Char('r'), Ctx::Global, Screen::Jobs, Role::Admin),
            Some(Action::Restart)
        );
        assert_eq!(
            r(KeyCode::Char('r'), Ctx::Global, Screen::Jobs, Role::User),
            None,
            "the job is the admin's: the user view cannot restart it"
        );
        assert_eq!(
            r(KeyCode::Char('n'), Ctx::Global, Screen::Skipped, Role::User),
            None,
            "nor change the never-log rules"
        );
        assert_eq!(
            r(KeyCode::Char('r'), Ctx::Global, Screen::Status, Role::Admin),
            None
        );
        assert_eq!(
            r(KeyCode::Enter, Ctx::Global, Screen::Setup, Role::Admin),
            Some(Action::Open)
        );
        assert_eq!(
            r(KeyCode::Enter, Ctx::Global, Screen::Setup, Role::User),
            None,
            "the user view cannot edit the setup"
        );
        assert_eq!(
            r(KeyCode::Char('s'), Ctx::Global, Screen::Setup, Role::User),
            None,
            "nor sign in"
        );
        assert_eq!(
            r(KeyCode::Char('q'), Ctx::Edit, Screen::Setup, Role::Admin),
            None,
            "q is typed while editing"
        );
        assert_eq!(
            r(KeyCode::Char('3'), Ctx::Global, Screen::Setup, Role::Admin),
            Some(Action::Go(Screen::Jobs))
        );
        assert_eq!(
            resolve(
                &key(KeyCode::Char('G'), KeyModifiers::SHIFT),
                Ctx::Global,
                Screen::Jobs,
                Role::Admin
            ),
            Some(Action::Bottom)
        );
        assert_eq!(
            resolve(
                &key(KeyCode::Char('c'), KeyModifiers::CONTROL),
                Ctx::Edit,
                Screen::Jobs,
                Role::Admin
            ),
            None
        );
    }

    #[test]
    fn help_footer_and_palette_come_from_the_table() {
        let help = active(Ctx::Global, Screen::Jobs, Role::Admin);
        for b in &help {
            // Whatever the help lists resolves to the action it names.
            let ev = KeyEvent::new(b.keys[0].code, b.keys[0].mods);
            assert_eq!(
                resolve(&ev, Ctx::Global, Screen::Jobs, Role::Admin),
                Some(b.action),
                "{}",
                b.help
            );
        }
        let footer = footer_hints(Ctx::Global, Screen::Jobs, Role::Admin, &[]);
        assert!(footer.iter().any(|(k, l)| k == "r" && *l == "restart"));
        let palette = palette_entries(Screen::Setup, Role::User);
        assert!(palette.iter().all(|b| b.need == Need::Anyone));
        assert!(palette.iter().any(|b| b.action == Action::Go(Screen::Jobs)));
    }

    #[test]
    fn no_key_is_bound_twice_in_one_context() {
        let all: Vec<&Binding> = bindings().collect();
        for (i, a) in all.iter().enumerate() {
            for b in &all[i + 1..] {
                if a.ctx == b.ctx {
                    for key in a.keys {
                        assert!(
                            !b.keys.contains(key),
                            "{:?} bound twice in {:?}",
                            key,
                            a.ctx
                        );
                    }
                }
            }
        }
    }
}
