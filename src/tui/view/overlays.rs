//! What opens on top of a screen: help, the command palette, questions,
//! field editors and prompts, sign-in, validation, a run's details and the
//! assisted setup.

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Block, BorderType, Borders, Clear, List, ListItem, ListState, Paragraph, Wrap,
};

use crate::app::login::LoginPrompt;
use crate::app::setup_fields::{Checked, FIELDS};
use crate::domain::text::one_line;

use super::super::keymap;
use super::super::state::{Overlay, PromptFor, SignInStage, UiState, WIZARD_STEPS};
use super::super::theme::Theme;
use super::centered;
use super::fit::{fit, fit_line, wrap_line, wrap_lines};
use super::format::{hits_text, stored_full_time};

fn frame<'a>(theme: &Theme, title: &'a str) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .title(Span::styled(format!(" {title} "), theme.title()))
}

/// Clears `area` and draws a framed box; returns the inside.
pub(crate) fn boxed(f: &mut Frame, theme: &Theme, area: Rect, title: &str) -> Rect {
    f.render_widget(Clear, area);
    let b = frame(theme, title);
    let inner = b.inner(area);
    f.render_widget(b, area);
    inner
}

pub fn draw(f: &mut Frame, s: &UiState, theme: &Theme, body: Rect) {
    let Some(o) = &s.overlay else { return };
    match o {
        Overlay::Message(m) => crate::tui::screens::message::draw(f, s, theme, body, m),
        Overlay::Form { form, .. } => super::dialogs::form(f, theme, body, form),
        Overlay::Opportunity { no, entries, sel } => {
            super::dialogs::opportunity(f, s, theme, body, no, entries.as_ref(), *sel)
        }
        Overlay::ContactCard { no, report, sel } => {
            crate::tui::screens::contact_card::draw(f, s, theme, body, no, report.as_deref(), *sel)
        }
        Overlay::ImportPreview {
            path,
            preview,
            scroll,
        } => super::dialogs::import_preview(f, theme, body, path, preview, *scroll),
        Overlay::Help => help(f, s, theme, body),
        Overlay::NeverLog { rules, sel } => {
            crate::tui::screens::never_log::draw(f, s, theme, body, rules.as_deref(), *sel)
        }
        Overlay::Capture { rows, sel } => {
            crate::tui::screens::capture::draw(f, theme, body, rows.as_deref(), *sel)
        }
        Overlay::Audit(v) => crate::tui::screens::audit::draw(f, s, theme, body, v),
        Overlay::FolderPicker(p) => crate::tui::screens::folder_picker::draw(f, s, theme, body, p),
        Overlay::Attachments {
            title, items, sel, ..
        } => crate::tui::screens::attachments::draw(f, theme, body, title, items, *sel),
        Overlay::Palette { input, selected } => {
            palette(f, s, theme, body, input.value(), *selected)
        }
        Overlay::Confirm { question, .. } => {
            let area = centered(body, 64, 6);
            let inner = boxed(f, theme, area, "Confirm");
            let lines = vec![
                Line::raw(one_line(question)),
                Line::raw(""),
                Line::from(vec![
                    Span::styled("y", theme.key()),
                    Span::raw(" yes   "),
                    Span::styled("n", theme.key()),
                    Span::raw(" no"),
                ]),
            ];
            f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), inner);
        }
        Overlay::Edit {
            key,
            input,
            masked,
            check,
        } => {
            let field = FIELDS.iter().find(|f| f.key == *key);
            let title = field.map_or("Edit", |f| f.label);
            let width = 70.min(body.width).saturating_sub(2) as usize;
            let shown = if *masked {
                "•".repeat(input.value().chars().count())
            } else {
                input.value().to_string()
            };
            let input_w = width.saturating_sub(2);
            let scroll = input.visual_scroll(input_w);
            let visible: String = shown.chars().skip(scroll).take(input_w).collect();
            let status = match check {
                Checked::Invalid(e) => Line::styled(format!("✘ {}", one_line(e)), theme.bad()),
                Checked::Valid {
                    clears_consent: true,
                } => Line::styled(
                    "✔ valid — saving clears consent: you will sign in again",
                    theme.warn(),
                ),
                Checked::Valid {
                    clears_consent: false,
                } => Line::styled("✔ valid", theme.good()),
            };
            // Help and check wrap; the box grows to hold them.
            let mut lines = wrap_line(
                Line::styled(field.map_or("", |f| f.help), theme.dim()),
                width,
                "",
            );
            let input_row = lines.len() as u16;
            lines.push(Line::from(vec![Span::raw("> "), Span::raw(visible)]));
            lines.extend(wrap_line(status, width, "  "));
            lines.push(Line::styled(
                "Enter saves · Esc leaves it as it was",
                theme.dim(),
            ));
            let area = centered(body, 70, lines.len() as u16 + 2);
            let inner = boxed(f, theme, area, title);
            f.render_widget(Paragraph::new(lines), inner);
            let cx = inner.x + 2 + (input.visual_cursor().saturating_sub(scroll)) as u16;
            if cx < inner.right() && inner.height > input_row {
                f.set_cursor_position((cx, inner.y + input_row));
            }
        }
        Overlay::Prompt {
            purpose,
            input,
            error,
        } => {
            let (title, help) = match purpose {
                PromptFor::Filter => ("Filter", "Only rows containing this text (empty: all)"),
                PromptFor::ScriptsFolder => (
                    "Write the setup scripts",
                    "Folder for emaillog-exchange.ps1 and emaillog-app-registration.sh",
                ),
                PromptFor::Salespeople => {
                    ("Import salespeople", "Path of a CSV file: code,name,email")
                }
                PromptFor::Contacts => (
                    "Import contacts",
                    "Path of a CSV file: no,name,company,email,alt_emails",
                ),
                PromptFor::AppOnlySecret => (
                    "Client secret",
                    "The app registration's client secret (sealed, never shown)",
                ),
                PromptFor::NeverLog => (
                    "Never log",
                    "An address (jane@northwind.example) or a domain (northwind.example, which covers its subdomains)",
                ),
                PromptFor::Capture => (
                    "Capture level",
                    "An address, a domain or a salesperson's code, then full, subject or metadata: northwind.example subject",
                ),
                PromptFor::SaveAttachment { .. } => (
                    "Save the attachment",
                    "A new file (nothing is overwritten; ~/ is your home folder). It is fetched from the mailbox and saved, never opened.",
                ),
                PromptFor::Search => (
                    "Search the interaction log",
                    "Words in subject or body, all of them (word* matches a beginning; empty: no search)",
                ),
            };
            let width = 70.min(body.width).saturating_sub(2) as usize;
            let value = if *purpose == PromptFor::AppOnlySecret {
                "•".repeat(input.value().chars().count())
            } else {
                input.value().to_string()
            };
            let input_w = width.saturating_sub(2);
            let scroll = input.visual_scroll(input_w);
            let visible: String = value.chars().skip(scroll).take(input_w).collect();
            let mut lines = wrap_line(Line::styled(help, theme.dim()), width, "");
            let input_row = lines.len() as u16;
            lines.push(Line::raw(format!("> {visible}")));
            if *purpose == PromptFor::Search {
                lines.push(Line::styled(search_status(s), theme.dim()));
            }
            if let Some(e) = error {
                lines.extend(wrap_line(Line::styled(one_line(e), theme.bad()), width, ""));
            }
            let area = centered(body, 70, lines.len() as u16 + 3);
            let inner = boxed(f, theme, area, title);
            f.render_widget(Paragraph::new(lines), inner);
            let cx = inner.x + 2 + input.visual_cursor().saturating_sub(scroll) as u16;
            if cx < inner.right() && inner.height > input_row {
                f.set_cursor_position((cx, inner.y + input_row));
            }
        }
        Overlay::SignIn { flow, stage } => sign_in(f, theme, body, flow.as_str(), stage),
        Overlay::Validate {
            checks,
            running,
            error,
            scroll,
        } => {
            let area = centered(body, 100, 30);
            let inner = boxed(f, theme, area, "Validate setup");
            let mut lines = Vec::new();
            for c in checks.iter() {
                let (mark, style) = if c.passed {
                    ("✔", theme.good())
                } else {
                    ("✘", theme.bad())
                };
                lines.push(Line::from(vec![
                    Span::styled(format!("{mark} "), style),
                    Span::styled(format!("{:<22}", c.name), style),
                    Span::raw(one_line(&c.detail)),
                ]));
                if let Some(fix) = &c.fix {
                    lines.push(Line::styled(
                        format!("    fix: {}", one_line(fix)),
                        theme.warn(),
                    ));
                }
            }
            if *running {
                lines.push(Line::styled("… checking (Esc cancels)", theme.dim()));
            } else if let Some(e) = error {
                lines.push(Line::styled(
                    format!("could not validate: {e}"),
                    theme.bad(),
                ));
            } else {
                let failed = checks.iter().filter(|c| !c.passed).count();
                lines.push(Line::raw(""));
                lines.push(if failed == 0 {
                    Line::styled(format!("all {} checks passed", checks.len()), theme.good())
                } else {
                    Line::styled(
                        format!("{failed} of {} checks failed", checks.len()),
                        theme.bad(),
                    )
                });
            }
            let lines = wrap_lines(lines, inner.width as usize, &" ".repeat(24));
            // The newest lines stay in view; k scrolls back.
            let overflow = (lines.len() as u16).saturating_sub(inner.height);
            let top = overflow.saturating_sub(*scroll as u16);
            f.render_widget(Paragraph::new(lines).scroll((top, 0)), inner);
        }
        Overlay::RunDetail { id } => run_detail(f, s, theme, body, *id),
        Overlay::Wizard { selected } => {
            let area = centered(body, 72, 2 * WIZARD_STEPS.len() as u16 + 4);
            let inner = boxed(f, theme, area, "Assisted setup");
            let items: Vec<ListItem> = WIZARD_STEPS
                .iter()
                .enumerate()
                .map(|(i, step)| {
                    let done = s.wizard_done(i);
                    let mark = if done {
                        Span::styled("✔ ", theme.good())
                    } else {
                        Span::raw("· ")
                    };
                    // What the step stands at, under its name.
                    let detail = Line::styled(format!("     {}", s.wizard_detail(i)), theme.dim());
                    ListItem::new(vec![
                        Line::from(vec![mark, Span::raw(format!("{}. {step}", i + 1))]),
                        fit_line(detail, inner.width as usize),
                    ])
                })
                .collect();
            let [list, hint] =
                Layout::vertical([Constraint::Min(1), Constraint::Length(2)]).areas(inner);
            let mut state = ListState::default().with_selected(Some(*selected));
            f.render_stateful_widget(
                List::new(items).highlight_style(theme.selected()),
                list,
                &mut state,
            );
            let hints = [
                "Type the shared mailbox, then the tenant",
                "Write the az and PowerShell scripts an admin runs once",
                "Type the client id the app registration script printed",
                "Sign in with the auth flow set",
                "Import salespeople, then contacts, from CSV files",
                "Run every check",
                "Create the job entry: logging starts",
            ];
            f.render_widget(
                Paragraph::new(hints.get(*selected).copied().unwrap_or(""))
                    .style(theme.dim())
                    .wrap(Wrap { trim: true }),
                hint,
            );
        }
    }
}

fn help(f: &mut Frame, s: &UiState, theme: &Theme, body: Rect) {
    let over_message = matches!(s.under.as_deref(), Some(Overlay::Message(_)));
    let ctx = if over_message {
        keymap::Ctx::Message
    } else {
        keymap::Ctx::Global
    };
    let bindings = keymap::active(ctx, s.screen, s.role);
    // As many columns as it takes to show every key at this height.
    let rows = body.height.saturating_sub(2).max(1) as usize;
    let columns = bindings.len().div_ceil(rows).max(1);
    let per_column = bindings.len().div_ceil(columns);
    let col_w: u16 = if columns == 1 {
        74
    } else {
        (body.width.saturating_sub(2) / columns as u16).max(20)
    };
    let area = centered(body, col_w * columns as u16 + 2, per_column as u16 + 2);
    let title = if over_message {
        "Keys: the message".to_string()
    } else {
        format!("Keys: {}", s.screen.title())
    };
    let inner = boxed(f, theme, area, &title);
    // The screen's own keys (first) have the longer texts.
    let widths = if columns == 2 {
        vec![Constraint::Percentage(58), Constraint::Percentage(42)]
    } else {
        vec![Constraint::Ratio(1, columns as u32); columns]
    };
    let areas = Layout::horizontal(widths).spacing(1).split(inner);
    for (chunk, area) in bindings.chunks(per_column).zip(areas.iter()) {
        let lines: Vec<Line> = chunk
            .iter()
            .map(|b| {
                fit_line(
                    Line::from(vec![
                        Span::styled(format!("{:<10}", keymap::keys_label(b)), theme.key()),
                        Span::raw(b.help),
                    ]),
                    area.width as usize,
                )
            })
            .collect();
        f.render_widget(Paragraph::new(lines), *area);
    }
}

fn palette(f: &mut Frame, s: &UiState, theme: &Theme, body: Rect, typed: &str, selected: usize) {
    let matches = s.palette_matches(typed);
    let area = centered(body, 72, body.height.saturating_sub(2).min(24));
    let inner = boxed(f, theme, area, "Commands (Enter runs, Esc closes)");
    let [input, list] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(inner);
    f.render_widget(Paragraph::new(format!(": {typed}")), input);
    // Each group under its screen's name; the selection counts commands only.
    let mut items: Vec<ListItem> = Vec::new();
    let mut selected_item = None;
    let mut group = None;
    let keys_w = 12;
    let help_w = (list.width as usize).saturating_sub(keys_w + 1);
    for (i, c) in matches.iter().enumerate() {
        if group != Some(c.on) {
            group = Some(c.on);
            let title = match c.on {
                keymap::RunsOn::Message => "The open message".to_string(),
                keymap::RunsOn::Screen(sc) if sc == s.screen => format!("{} (here)", sc.title()),
                keymap::RunsOn::Screen(sc) => sc.title().to_string(),
            };
            items.push(ListItem::new(Line::styled(title, theme.label())));
        }
        if i == selected {
            selected_item = Some(items.len());
        }
        items.push(ListItem::new(Line::from(vec![
            Span::raw(format!(
                "  {:<help_w$}",
                fit(c.binding.help, help_w.saturating_sub(2))
            )),
            Span::styled(fit(&keymap::keys_label(c.binding), keys_w), theme.key()),
        ])));
    }
    if matches.is_empty() {
        items.push(ListItem::new(Line::styled(
            "no match: type fewer letters, or Esc",
            theme.dim(),
        )));
    }
    let mut state = ListState::default().with_selected(selected_item);
    f.render_stateful_widget(
        List::new(items).highlight_style(theme.selected()),
        list,
        &mut state,
    );
    let cx = input.x + 2 + typed.chars().count() as u16;
    if cx < input.right() {
        f.set_cursor_position((cx, input.y));
    }
}

/// What the search typed so far finds, for the search prompt.
fn search_status(s: &UiState) -> String {
    let w = &s.log;
    if w.loading.is_some() {
        return "searching…".into();
    }
    match (&w.view.search, w.hits) {
        (Some(_), Some(n)) => format!("{} — Enter keeps it, Esc goes back", hits_text(n)),
        _ => "the log follows as you type".into(),
    }
}

/// The user code letter-spaced in a box, big enough to read off the screen.
fn spaced(code: &str) -> String {
    code.chars()
        .map(|c| c.to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

fn sign_in(f: &mut Frame, theme: &Theme, body: Rect, flow: &str, stage: &SignInStage) {
    let area = centered(body, 76, 14);
    let inner = boxed(f, theme, area, &format!("Sign in ({flow})"));
    match stage {
        SignInStage::Starting => {
            f.render_widget(
                Paragraph::new("asking the identity platform… (Esc cancels)").style(theme.dim()),
                inner,
            );
        }
        SignInStage::Prompt(LoginPrompt::Device(p)) => {
            let [a, code, c] = Layout::vertical([
                Constraint::Length(3),
                Constraint::Length(3),
                Constraint::Min(1),
            ])
            .areas(inner);
            f.render_widget(
                Paragraph::new(vec![
                    Line::raw("On any device, open"),
                    Line::styled(one_line(&p.verification_uri), theme.title()),
                    Line::raw("and enter the code:"),
                ])
                .alignment(Alignment::Center),
                a,
            );
            let code_w = (spaced(&p.user_code).chars().count() as u16 + 6).min(code.width);
            let code_area = Rect::new(code.x + (code.width - code_w) / 2, code.y, code_w, 3);
            f.render_widget(
                Paragraph::new(Line::styled(spaced(&one_line(&p.user_code)), theme.key()))
                    .alignment(Alignment::Center)
                    .block(
                        Block::default()
                            .borders(Borders::ALL)
                            .border_type(BorderType::Double),
                    ),
                code_area,
            );
            f.render_widget(
                Paragraph::new(format!(
                    "waiting for you to finish signing in (the code is valid for {} min) · Esc cancels",
                    p.expires_in_secs / 60
                ))
                .style(theme.dim())
                .alignment(Alignment::Center)
                .wrap(Wrap { trim: true }),
                c,
            );
        }
        SignInStage::Prompt(LoginPrompt::OpenUrl(u)) => {
            let port = url::Url::parse(u)
                .ok()
                .and_then(|u| {
                    u.query_pairs()
                        .find(|(k, _)| k == "redirect_uri")
                        .and_then(|(_, v)| url::Url::parse(&v).ok())
                        .and_then(|r| r.port_or_known_default())
                })
                .map_or("8400".to_string(), |p| p.to_string());
            let lines = vec![
                Line::raw("Over SSH, forward the redirect port first:"),
                Line::styled(
                    format!("  ssh -L {port}:localhost:{port} this-server"),
                    theme.key(),
                ),
                Line::raw("then open this URL in a browser on your computer:"),
                Line::styled(one_line(u), theme.title()),
                Line::styled(
                    "waiting for the browser to come back · Esc cancels",
                    theme.dim(),
                ),
            ];
            f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
        }
        SignInStage::Done(account) => {
            f.render_widget(
                Paragraph::new(vec![
                    Line::styled(format!("✔ signed in as {account}"), theme.good()),
                    Line::raw("the job was restarted and runs as this account"),
                    Line::styled("Esc closes", theme.dim()),
                ]),
                inner,
            );
        }
        SignInStage::Failed(e) => {
            f.render_widget(
                Paragraph::new(vec![
                    Line::styled(format!("✘ {e}"), theme.bad()),
                    Line::styled(
                        "Esc closes; check the setup fields and try again",
                        theme.dim(),
                    ),
                ])
                .wrap(Wrap { trim: false }),
                inner,
            );
        }
    }
}

fn run_detail(f: &mut Frame, s: &UiState, theme: &Theme, body: Rect, id: i64) {
    let area = centered(body, 90, 20);
    let inner = boxed(f, theme, area, &format!("Run #{id}"));
    let Some(r) = s
        .overview
        .as_ref()
        .and_then(|o| o.runs.iter().find(|r| r.id == id))
    else {
        f.render_widget(Paragraph::new("this run is no longer in the list"), inner);
        return;
    };
    let c = &r.counts;
    let mut lines = vec![
        Line::raw(format!("status     {}", r.status)),
        Line::raw(format!(
            "started    {}",
            stored_full_time(&r.started_at, s.tz)
        )),
        Line::raw(format!(
            "ended      {}",
            r.ended_at
                .as_deref()
                .map_or("still running".into(), |e| stored_full_time(e, s.tz))
        )),
        Line::raw(format!("run by     {}", one_line(&r.run_by))),
        Line::raw(format!(
            "engine     {}",
            crate::tui::screens::status::short_holder(&r.holder)
        )),
        Line::raw(format!(
            "pages      {}{}",
            r.pages,
            r.backlog
                .map(|b| format!(" ({b} left in the Inbox)"))
                .unwrap_or_default()
        )),
        Line::raw(format!(
            "messages   {} read · {} logged ({} entries) · {} moved as already logged · {} skipped · {} failed",
            c.read, c.logged, c.entries, c.archived_only, c.skipped, c.failed
        )),
    ];
    for (reason, n) in &c.skipped_by_reason {
        lines.push(Line::raw(format!(
            "  skipped  {n} × {}",
            one_line(crate::domain::SkipReason::words(reason))
        )));
    }
    if let Some(k) = &r.retention {
        lines.push(Line::raw(format!(
            "retention  {} bodies · {} entries ({} messages) · {} skipped records removed · {} mailbox copies to delete",
            k.bodies, k.entries, k.messages, k.skipped, k.mailbox_deletions
        )));
    }
    if let Some(e) = &r.error {
        lines.push(Line::styled(
            format!("error      {}", one_line(e)),
            theme.bad(),
        ));
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}
