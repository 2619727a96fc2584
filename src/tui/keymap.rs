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
    /// What importing a file would change.
    ImportPreview,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

const fn k(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        mods: KeyModifiers::NONE,
    }
}

const fn code(code: KeyCode) -> Key {
    Key {
        code,
        mods: KeyModifiers::NONE,
    }
}

const fn ctrl(c: char) -> Key {
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

const fn b(
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

const fn admin(mut binding: Binding) -> Binding {
    binding.need = Need::Admin;
    binding
}

use Ctx::*;

/// The table. Earlier rows win when two match.
pub const BINDINGS: &[Binding] = &[
    // Dialogs and overlays first: they take the keys while open.
    b(
        Help,
        &[code(KeyCode::Esc), k('?'), k('q')],
        Action::Back,
        "close",
        "Close the help",
        true,
    ),
    b(
        Palette,
        &[code(KeyCode::Esc)],
        Action::Back,
        "close",
        "Close the palette",
        true,
    ),
    b(
        Palette,
        &[code(KeyCode::Enter)],
        Action::Open,
        "run",
        "Run the chosen command",
        true,
    ),
    b(
        Palette,
        &[code(KeyCode::Up), ctrl('p')],
        Action::Up,
        "up",
        "Previous command",
        false,
    ),
    b(
        Palette,
        &[code(KeyCode::Down), ctrl('n')],
        Action::Down,
        "down",
        "Next command",
        false,
    ),
    b(
        Confirm,
        &[k('y'), code(KeyCode::Enter)],
        Action::Yes,
        "yes",
        "Go ahead",
        true,
    ),
    b(
        Confirm,
        &[k('n'), code(KeyCode::Esc)],
        Action::No,
        "no",
        "Do not",
        true,
    ),
    b(
        Edit,
        &[code(KeyCode::Enter)],
        Action::Open,
        "save",
        "Save what was typed (only when valid)",
        true,
    ),
    b(
        Edit,
        &[code(KeyCode::Esc)],
        Action::Back,
        "cancel",
        "Leave without saving",
        true,
    ),
    b(
        SignIn,
        &[code(KeyCode::Esc)],
        Action::Back,
        "cancel",
        "Cancel the sign-in",
        true,
    ),
    b(
        SignIn,
        &[code(KeyCode::Enter)],
        Action::Open,
        "continue",
        "Continue (send the secret, close when done)",
        true,
    ),
    b(
        Validate,
        &[code(KeyCode::Esc), code(KeyCode::Enter)],
        Action::Back,
        "close",
        "Close (cancels checks still running)",
        true,
    ),
    b(
        Validate,
        &[k('j'), code(KeyCode::Down)],
        Action::Down,
        "down",
        "Scroll down",
        false,
    ),
    b(
        Validate,
        &[k('k'), code(KeyCode::Up)],
        Action::Up,
        "up",
        "Scroll up",
        false,
    ),
    b(
        RunDetail,
        &[code(KeyCode::Esc), code(KeyCode::Enter), k('q')],
        Action::Back,
        "close",
        "Close the run's details",
        true,
    ),
    b(
        Wizard,
        &[code(KeyCode::Esc)],
        Action::Back,
        "close",
        "Close the assisted setup",
        true,
    ),
    b(
        Wizard,
        &[k('j'), code(KeyCode::Down)],
        Action::Down,
        "down",
        "Next step",
        true,
    ),
    b(
        Wizard,
        &[k('k'), code(KeyCode::Up)],
        Action::Up,
        "up",
        "Previous step",
        true,
    ),
    b(
        Wizard,
        &[code(KeyCode::Enter)],
        Action::Open,
        "do step",
        "Do the chosen step",
        true,
    ),
    // Screens.
    // The message view.
    b(
        Message,
        &[code(KeyCode::Esc), k('q')],
        Action::Back,
        "close",
        "Close the message",
        true,
    ),
    b(
        Message,
        &[k('j'), code(KeyCode::Down)],
        Action::Down,
        "scroll",
        "Scroll the body down",
        false,
    ),
    b(
        Message,
        &[k('k'), code(KeyCode::Up)],
        Action::Up,
        "scroll up",
        "Scroll the body up",
        false,
    ),
    b(
        Message,
        &[code(KeyCode::PageDown), code(KeyCode::Char(' '))],
        Action::PageDown,
        "page",
        "Page down",
        false,
    ),
    b(
        Message,
        &[code(KeyCode::PageUp)],
        Action::PageUp,
        "page up",
        "Page up",
        false,
    ),
    b(
        Message,
        &[k('g'), code(KeyCode::Home)],
        Action::Top,
        "top",
        "Top of the body",
        false,
    ),
    b(
        Message,
        &[k('G'), code(KeyCode::End)],
        Action::Bottom,
        "end",
        "End of the body",
        false,
    ),
    b(
        Message,
        &[k(']'), k('n')],
        Action::ConversationNext,
        "next in thread",
        "The next entry of the conversation",
        true,
    ),
    b(
        Message,
        &[k('['), k('p')],
        Action::ConversationPrev,
        "prev in thread",
        "The previous entry of the conversation",
        true,
    ),
    b(
        Message,
        &[k('y')],
        Action::CopyLink,
        "copy link",
        "Copy the web link to your clipboard (OSC 52, works over SSH)",
        true,
    ),
    b(
        Message,
        &[k('O')],
        Action::ShowOpportunity,
        "its opportunity",
        "Go to the opportunity this entry carries",
        false,
    ),
    b(
        Message,
        &[k('o')],
        Action::NewOpportunity,
        "opportunity",
        "Create an opportunity from this entry",
        true,
    ),
    // Forms.
    b(
        Form,
        &[code(KeyCode::Enter)],
        Action::Open,
        "save",
        "Save (only when every field is valid)",
        true,
    ),
    b(
        Form,
        &[code(KeyCode::Esc)],
        Action::Back,
        "cancel",
        "Close without saving",
        true,
    ),
    b(
        Form,
        &[code(KeyCode::Tab), code(KeyCode::Down)],
        Action::Down,
        "next field",
        "Next field",
        true,
    ),
    b(
        Form,
        &[code(KeyCode::BackTab), code(KeyCode::Up)],
        Action::Up,
        "prev field",
        "Previous field",
        false,
    ),
    b(
        Opportunity,
        &[code(KeyCode::Esc), k('q')],
        Action::Back,
        "close",
        "Close the details",
        true,
    ),
    b(
        Opportunity,
        &[k('j'), code(KeyCode::Down)],
        Action::Down,
        "down",
        "Next entry",
        false,
    ),
    b(
        Opportunity,
        &[k('k'), code(KeyCode::Up)],
        Action::Up,
        "up",
        "Previous entry",
        false,
    ),
    b(
        Opportunity,
        &[code(KeyCode::Enter)],
        Action::Open,
        "open",
        "Open the chosen entry's message",
        true,
    ),
    b(
        ImportPreview,
        &[code(KeyCode::Enter)],
        Action::Open,
        "import",
        "Import: add and change what is listed",
        true,
    ),
    b(
        ImportPreview,
        &[code(KeyCode::Esc)],
        Action::Back,
        "cancel",
        "Close without importing",
        true,
    ),
    b(
        ImportPreview,
        &[k('j'), code(KeyCode::Down)],
        Action::Down,
        "down",
        "Scroll down",
        false,
    ),
    b(
        ImportPreview,
        &[k('k'), code(KeyCode::Up)],
        Action::Up,
        "up",
        "Scroll up",
        false,
    ),
    // Screens.
    b(
        Screen(Screen::Log),
        &[code(KeyCode::Enter)],
        Action::Open,
        "open",
        "Open the entry's message and conversation",
        true,
    ),
    b(
        Screen(Screen::Log),
        &[k('f')],
        Action::Filters,
        "filters",
        "Filter by contact, salesperson, company, direction, dates",
        true,
    ),
    b(
        Screen(Screen::Log),
        &[k('c')],
        Action::ByContact,
        "this contact",
        "Only this entry's contact (again: any contact)",
        true,
    ),
    b(
        Screen(Screen::Log),
        &[k('s')],
        Action::BySalesperson,
        "this salesperson",
        "Only this entry's salesperson (again: any)",
        false,
    ),
    b(
        Screen(Screen::Log),
        &[k('o')],
        Action::NewOpportunity,
        "opportunity",
        "Create an opportunity from the entry",
        true,
    ),
    b(
        Screen(Screen::Log),
        &[k('x')],
        Action::Export,
        "export",
        "Export this view (filters and search) to a CSV file",
        true,
    ),
    b(
        Screen(Screen::Log),
        &[k('/')],
        Action::Search,
        "search",
        "Search subject and body (word* matches a beginning)",
        true,
    ),
    b(
        Screen(Screen::Log),
        &[code(KeyCode::Esc)],
        Action::Back,
        "clear",
        "Clear the search, then the filters",
        false,
    ),
    b(
        Screen(Screen::Opportunities),
        &[code(KeyCode::Enter)],
        Action::Open,
        "details",
        "The entries the opportunity came from",
        true,
    ),
    b(
        Screen(Screen::Opportunities),
        &[k('e')],
        Action::Edit,
        "edit",
        "Edit status, value, close date, description",
        true,
    ),
    b(
        Screen(Screen::Skipped),
        &[code(KeyCode::Char(' '))],
        Action::Mark,
        "mark",
        "Mark or unmark for re-log or delete",
        true,
    ),
    b(
        Screen(Screen::Skipped),
        &[k('l')],
        Action::Relog,
        "re-log",
        "Re-log the marked (or chosen) messages: classify again, log and archive what matches",
        true,
    ),
    b(
        Screen(Screen::Skipped),
        &[k('c')],
        Action::ContactFromSender,
        "contact from sender",
        "Create a contact from the sender, then re-log the message",
        true,
    ),
    admin(b(
        Screen(Screen::Skipped),
        &[k('n')],
        Action::NeverAddress,
        "never address",
        "Never log this sender's address",
        false,
    )),
    admin(b(
        Screen(Screen::Skipped),
        &[k('N')],
        Action::NeverDomain,
        "never domain",
        "Never log this sender's domain",
        false,
    )),
    b(
        Screen(Screen::Skipped),
        &[k('d')],
        Action::Delete,
        "delete",
        "Delete the marked (or chosen) messages from the mailbox",
        true,
    ),
    b(
        Screen(Screen::Contacts),
        &[code(KeyCode::Enter)],
        Action::Open,
        "interaction log",
        "The chosen person's interaction log entries",
        true,
    ),
    b(
        Screen(Screen::Contacts),
        &[k('f')],
        Action::SwitchList,
        "contacts/salespeople",
        "Switch between contacts and salespeople",
        true,
    ),
    b(
        Screen(Screen::Contacts),
        &[k('a')],
        Action::Add,
        "add",
        "Add a contact or salesperson",
        true,
    ),
    b(
        Screen(Screen::Contacts),
        &[k('e')],
        Action::Edit,
        "edit",
        "Edit the chosen one",
        true,
    ),
    b(
        Screen(Screen::Contacts),
        &[k('i')],
        Action::Import,
        "import",
        "Import a CSV file: preview first, nothing written until Enter",
        true,
    ),
    admin(b(
        Screen(Screen::Jobs),
        &[k('r')],
        Action::Restart,
        "restart",
        "Restart: back to Ready, attempts reset, due now",
        true,
    )),
    admin(b(
        Screen(Screen::Jobs),
        &[k('h')],
        Action::Hold,
        "hold",
        "Set on hold: it does not run until restarted",
        true,
    )),
    admin(b(
        Screen(Screen::Jobs),
        &[k('n')],
        Action::RunNow,
        "run now",
        "Run now, in whichever process holds the mailbox",
        true,
    )),
    b(
        Screen(Screen::Jobs),
        &[k('f')],
        Action::SwitchList,
        "runs/stuck",
        "Switch between the runs and the stuck messages",
        true,
    ),
    admin(b(
        Screen(Screen::Jobs),
        &[k('t')],
        Action::RetryStuck,
        "retry",
        "Let the next run try the chosen stuck message again",
        true,
    )),
    admin(b(
        Screen(Screen::Jobs),
        &[k('T')],
        Action::RetryAllStuck,
        "retry all",
        "Let the next run try every stuck message again",
        false,
    )),
    b(
        Screen(Screen::Jobs),
        &[code(KeyCode::Enter)],
        Action::Open,
        "details",
        "Show the chosen run's details",
        true,
    ),
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
        false,
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
    admin(b(
        Screen(Screen::Setup),
        &[k('w')],
        Action::WriteScripts,
        "scripts",
        "Write the PowerShell and az scripts to files",
        false,
    )),
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
        if let Some(b) = BINDINGS
            .iter()
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
        for b in BINDINGS.iter().filter(|b| b.ctx == c && allowed(b, role)) {
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

/// The footer: the hinted bindings in force.
pub fn footer_hints(ctx: Ctx, screen: Screen, role: Role) -> Vec<(String, &'static str)> {
    active(ctx, screen, role)
        .into_iter()
        .filter(|b| b.footer)
        .map(|b| (b.keys[0].label(), b.label))
        .collect()
}

/// The command palette's entries for a screen: every action there is a key
/// for, screen's own first.
pub fn palette_entries(screen: Screen, role: Role) -> Vec<&'static Binding> {
    active(Ctx::Global, screen, role)
        .into_iter()
        .filter(|b| !matches!(b.action, Action::Palette | Action::Back | Action::Open))
        .collect()
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
        let footer = footer_hints(Ctx::Global, Screen::Jobs, Role::Admin);
        assert!(footer.iter().any(|(k, l)| k == "r" && *l == "restart"));
        let palette = palette_entries(Screen::Setup, Role::User);
        assert!(palette.iter().all(|b| b.need == Need::Anyone));
        assert!(palette.iter().any(|b| b.action == Action::Go(Screen::Jobs)));
    }

    #[test]
    fn no_key_is_bound_twice_in_one_context() {
        for (i, a) in BINDINGS.iter().enumerate() {
            for b in &BINDINGS[i + 1..] {
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
