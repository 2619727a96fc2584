//! The UI's loop and its hands: reads terminal events, ticks and messages,
//! feeds them to the state, draws when something changed, and performs the
//! state's effects through the application API on blocking threads or
//! tasks, so the render loop never waits on the database or the network.

use std::path::PathBuf;
use std::time::Duration;

use chrono::{Local, Offset, TimeZone, Utc};
use futures::StreamExt;
use ratatui::crossterm::event::{Event, EventStream, KeyEventKind, MouseButton, MouseEventKind};
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

use crate::app::App;
use crate::app::overview::Role;
use crate::app::setup_fields::{FIELDS, FieldKey, change_for, display};
use crate::domain::text::count;
use crate::engine::events::channel;
use crate::engine::{StopHandle, stop_pair};
use crate::store::holder_id;

use super::keymap;
use super::msg::{Effect, Msg};
use super::reads::{self, Read};
use super::state::UiState;
use super::terminal;
use super::theme::Theme;
use super::view;

#[derive(Debug, Clone, Default)]
pub struct UiOptions {
    /// Where tracing goes while the UI runs (never to the screen).
    pub log_file: Option<PathBuf>,
}

/// `$XDG_STATE_HOME/emaillog/emaillog.log`, else `~/.local/state/emaillog/emaillog.log`.
pub fn default_log_file() -> PathBuf {
    let base = std::env::var_os("XDG_STATE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("emaillog").join("emaillog.log")
}

pub fn init_tracing(path: &std::path::Path) -> anyhow::Result<()> {
    let file = crate::private_file::open_log(path).map_err(|e| {
        anyhow::anyhow!(
            "cannot open the log file {}: {e}; give another with --log-file",
            path.display()
        )
    })?;
    let _ = tracing_subscriber::fmt()
        .with_writer(std::sync::Mutex::new(file))
        .with_ansi(false)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("EMAILLOG_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .try_init();
    Ok(())
}

/// Local midnight today, in UTC: where "today" starts.
fn local_midnight(now: chrono::DateTime<Utc>) -> chrono::DateTime<Utc> {
    let local = now.with_timezone(&Local);
    local
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .and_then(|m| Local.from_local_datetime(&m).earliest())
        .map(|m| m.with_timezone(&Utc))
        .unwrap_or(now - chrono::Duration::hours(24))
}

/// Runs the UI until the user quits.
pub async fn run(app: App, opts: UiOptions) -> anyhow::Result<()> {
    let log = opts.log_file.clone().unwrap_or_else(default_log_file);
    init_tracing(&log)?;
    // Open (and migrate) before taking the terminal: an error here prints
    // plainly.
    app.store()?;
    let role = app.role();
    let now = Utc::now();
    let mut state = UiState::new(role, now, Local::now().offset().fix());
    state.color = Theme::from_env().color;

    let (tx, mut rx) = unbounded_channel::<Msg>();
    let (events, mut engine_rx) = channel();
    let (engine_stop, stop) = stop_pair();
    let holder = holder_id();
    // The mailbox the screens show (`m` moves it), whose engine events they hear.
    let shown = std::sync::Arc::new(std::sync::atomic::AtomicI64::new(app.store()?.mailbox_no()));
    // Only a process that can run the job takes the mailbox lease.
    let engine = if role == Role::Admin && app.can_run_engine().is_ok() {
        state.engine.holder = Some(holder.clone());
        let app = app.clone();
        let events = events.clone();
        let shown = std::sync::Arc::clone(&shown);
        Some(tokio::spawn(async move {
            if let Err(e) = app.run_jobs_as(&events, stop, &holder, shown).await {
                tracing::error!("the engine stopped: {e}");
            }
        }))
    } else {
        None
    };
    {
        let tx = tx.clone();
        tokio::spawn(async move {
            loop {
                match engine_rx.recv().await {
                    Ok(e) => {
                        if tx.send(Msg::Engine(e)).is_err() {
                            break;
                        }
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(_) => break,
                }
            }
        });
    }
    spawn_db_watch(app.clone(), tx.clone());

    let (mut term, guard) = terminal::enter()?;
    let size = term.size()?;
    state.update(Msg::Resize(size.width, size.height));
    let mut work = Work {
        app: app.clone(),
        tx: tx.clone(),
        cancel: None,
        task: None,
        reader: None,
        shown,
    };
    for e in state.reload() {
        work.perform(e);
    }
    let mut input = EventStream::new();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let mut dirty = true;
    let result: anyhow::Result<()> = loop {
        if dirty && let Err(e) = term.draw(|f| view::draw(f, &state)) {
            break Err(e.into());
        }
        if state.quitting {
            break Ok(());
        }
        let msg = tokio::select! {
            ev = input.next() => match ev {
                Some(Ok(ev)) => translate(&state, ev),
                Some(Err(e)) => break Err(e.into()),
                None => break Ok(()),
            },
            Some(m) = rx.recv() => Some(m),
            _ = tick.tick() => Some(Msg::Tick(Utc::now())),
        };
        let Some(msg) = msg else {
            // Nothing asked for: nothing to draw.
            dirty = false;
            continue;
        };
        let clocky = matches!(msg, Msg::Tick(_));
        for effect in state.update(msg) {
            work.perform(effect);
        }
        // A tick redraws only screens with clocks or a wait on show.
        dirty = !clocky
            || matches!(
                state.screen,
                super::action::Screen::Status
                    | super::action::Screen::Jobs
                    | super::action::Screen::FollowUps
            )
            || state.working.is_some()
            || state.loading_since.is_some();
    };
    // Quit: the engine finishes the message in hand; say so while it does.
    engine_stop.stop();
    if let Some(engine) = engine {
        let _ = term.draw(|f| view::draw(f, &state));
        let _ = engine.await;
    }
    drop(term);
    drop(guard);
    result
}

/// Turns a terminal event into a message; `None` when it asks for nothing
/// (a key bound to nothing, a mouse move).
fn translate(state: &UiState, ev: Event) -> Option<Msg> {
    match ev {
        Event::Key(k) if k.kind != KeyEventKind::Release => {
            match keymap::resolve(&k, state.ctx(), state.screen, state.role) {
                Some(a) => Some(Msg::Action(a)),
                None if state.takes_text() => Some(Msg::Typed(k)),
                None => None,
            }
        }
        Event::Mouse(m) => match m.kind {
            MouseEventKind::ScrollUp => Some(Msg::Action(super::action::Action::Up)),
            MouseEventKind::ScrollDown => Some(Msg::Action(super::action::Action::Down)),
            MouseEventKind::Down(MouseButton::Left) => Some(Msg::Click(m.column, m.row)),
            _ => None,
        },
        Event::Resize(w, h) => Some(Msg::Resize(w, h)),
        _ => None,
    }
}

/// Polls the database's `data_version` on its own thread and connection;
/// tells the UI when another connection committed something.
fn spawn_db_watch(app: App, tx: UnboundedSender<Msg>) {
    std::thread::spawn(move || {
        let mut watch = None;
        loop {
            if tx.is_closed() {
                return;
            }
            if watch.is_none() {
                watch = app.data_watch().ok();
            }
            if let Some(w) = &mut watch {
                match w.changed() {
                    Ok(true) => {
                        if tx.send(Msg::DbChanged).is_err() {
                            return;
                        }
                    }
                    Ok(false) => {}
                    Err(_) => watch = None,
                }
            }
            std::thread::sleep(Duration::from_millis(300));
        }
    });
}

/// Performs effects; each answers with a message.
struct Work {
    app: App,
    tx: UnboundedSender<Msg>,
    /// Stops the sign-in in progress.
    cancel: Option<StopHandle>,
    /// The validation in progress.
    task: Option<tokio::task::JoinHandle<()>>,
    /// The thread that reads the interaction log on its own connection.
    reader: Option<std::sync::mpsc::Sender<Read>>,
    /// The mailbox Status, Setup and the Job queue show.
    shown: std::sync::Arc<std::sync::atomic::AtomicI64>,
}

fn label_of(key: FieldKey) -> &'static str {
    FIELDS
        .iter()
        .find(|f| f.key == key)
        .map_or("field", |f| f.label)
}

impl Work {
    /// Runs `f` on a blocking thread and sends what it says as `Done`.
    fn blocking(&self, f: impl FnOnce(&App) -> Result<String, String> + Send + 'static) {
        let app = self.app.clone();
        let tx = self.tx.clone();
        tokio::task::spawn_blocking(move || {
            let _ = tx.send(Msg::Done(f(&app)));
        });
    }

    fn perform(&mut self, effect: Effect) {
        let err = |e: crate::app::AppError| e.to_string();
        match effect {
            Effect::Reload => {
                let app = self.app.clone();
                let tx = self.tx.clone();
                tokio::task::spawn_blocking(move || {
                    let now = Utc::now();
                    let r = app
                        .overview(local_midnight(now), now, 200)
                        .map(Box::new)
                        .map_err(|e| e.to_string());
                    let _ = tx.send(Msg::Overview(r));
                });
            }
            Effect::PickMailbox(no) => {
                self.app = self.app.with_mailbox(no);
                self.shown.store(no, std::sync::atomic::Ordering::SeqCst);
                self.perform(Effect::Reload);
            }
            Effect::Restart => self.blocking(move |a| {
                a.job_restart()
                    .map(|_| "restarted: Ready, attempts reset, due now".into())
                    .map_err(err)
            }),
            Effect::Hold => self.blocking(move |a| {
                a.job_hold()
                    .map(|_| "on hold: it does not run until restarted".into())
                    .map_err(err)
            }),
            Effect::RunNow => self.blocking(move |a| {
                a.job_run_now()
                    .map(|_| {
                        "run requested: the engine holding the mailbox starts it within a second"
                            .into()
                    })
                    .map_err(err)
            }),
            Effect::RetryStuck(id) => self.blocking(move |a| {
                a.retry_stuck(id.as_deref())
                    .map(|n| {
                        format!(
                            "{} will be tried again by the next run",
                            count(n, "stuck message", "stuck messages")
                        )
                    })
                    .map_err(err)
            }),
            Effect::SaveField { key, text } => {
                self.blocking(move |a| match change_for(key, &text)? {
                    None if key == FieldKey::ImapPassword => a
                        .set_imap_password(&text)
                        .map(|_| "IMAP password stored, sealed".into())
                        .map_err(err),
                    None => a
                        .set_client_secret(&text)
                        .map(|_| "client secret stored, sealed; sign in again (s)".into())
                        .map_err(err),
                    Some(c) => a
                        .change_setup(&c)
                        .map(|s| format!("saved: {} = {}", label_of(key), display(&s, key)))
                        .map_err(err),
                })
            }
            Effect::Enable => self.blocking(move |a| {
                a.enable(0)
                    .map(|_| "enabled: the job entry is Ready and runs now".into())
                    .map_err(err)
            }),
            Effect::Disable => self.blocking(move |a| {
                a.disable()
                    .map(|_| "disabled: the job entry is removed".into())
                    .map_err(err)
            }),
            Effect::WriteScripts(dir) => self.blocking(move |a| {
                a.write_setup_scripts(std::path::Path::new(&dir))
                    .map(|files| {
                        format!(
                            "wrote {}",
                            files
                                .iter()
                                .map(|f| f.display().to_string())
                                .collect::<Vec<_>>()
                                .join(" and ")
                        )
                    })
                    .map_err(err)
            }),
            Effect::Validate => {
                let app = self.app.clone();
                let tx = self.tx.clone();
                self.task = Some(tokio::spawn(async move {
                    let each = tx.clone();
                    let r = app
                        .validate_each(move |c| {
                            let _ = each.send(Msg::Check(c.clone()));
                        })
                        .await;
                    let _ = tx.send(Msg::ValidateDone(r.map(|_| ()).map_err(|e| e.to_string())));
                }));
            }
            Effect::SaveAttachment { message, seq, path } => {
                let app = self.app.clone();
                let tx = self.tx.clone();
                tokio::spawn(async move {
                    let r = app
                        .save_attachment(message, seq, &path)
                        .await
                        .map_err(|e| e.to_string());
                    let _ = tx.send(Msg::Done(r));
                });
            }
            Effect::BrowseFolders(path) => {
                let app = self.app.clone();
                let tx = self.tx.clone();
                tokio::spawn(async move {
                    let result = app.browse_folders(&path).await.map_err(|e| e.to_string());
                    let _ = tx.send(Msg::Folders { path, result });
                });
            }
            Effect::SignIn(flow) => {
                let app = self.app.clone();
                let tx = self.tx.clone();
                let (handle, stop) = stop_pair();
                self.cancel = Some(handle);
                tokio::spawn(async move {
                    let prompt = tx.clone();
                    let r = app
                        .login(
                            Some(flow),
                            move |p| {
                                let _ = prompt.send(Msg::SignInPrompt(p));
                            },
                            &stop,
                        )
                        .await;
                    let _ = tx.send(Msg::SignInDone(
                        r.map(|o| o.account).map_err(|e| e.to_string()),
                    ));
                });
            }
            Effect::Cancel => {
                if let Some(h) = self.cancel.take() {
                    h.stop();
                }
                if let Some(t) = self.task.take() {
                    t.abort();
                }
            }
            Effect::Quit => {}
            Effect::After { ms, due } => {
                let tx = self.tx.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_millis(ms)).await;
                    let _ = tx.send(Msg::Due(due));
                });
            }
            Effect::Page(req) => self.read(Read::Page(Box::new(req))),
            Effect::OpenMessage(n) => self.read(Read::Message(n)),
            Effect::LoadLists(kind) => {
                let app = self.app.clone();
                let tx = self.tx.clone();
                // Reading a file for an import can be long: Esc stops it.
                let (handle, stop) = stop_pair();
                if matches!(kind, super::lists::ListsKind::ImportPreview { .. }) {
                    self.cancel = Some(handle);
                }
                tokio::task::spawn_blocking(move || {
                    let r = reads::lists(&app, kind, &stop).map(Box::new);
                    let _ = tx.send(Msg::Lists(r));
                });
            }
            Effect::CreateOpportunity {
                entry_no,
                opportunity,
            } => self.blocking(move |a| {
                a.create_opportunity(entry_no, &opportunity)
                    .map(|no| format!("opportunity {no} created from entry {entry_no}"))
                    .map_err(err)
            }),
            Effect::UpdateOpportunity { no, opportunity } => self.blocking(move |a| {
                a.update_opportunity(&no, &opportunity)
                    .map(|_| format!("opportunity {no} saved"))
                    .map_err(err)
            }),
            Effect::ExportView {
                view,
                path,
                delimiter,
            } => {
                let tx = self.tx.clone();
                self.blocking(move |a| {
                    let p = std::path::PathBuf::from(&path);
                    a.export_view(&view, &p, delimiter, |n| {
                        let _ = tx.send(Msg::Progress(format!("exporting: {n} entries written")));
                    })
                    .map(|n| format!("exported {n} entries to {path}"))
                    .map_err(err)
                })
            }
            Effect::Copy(text) => terminal::copy_to_clipboard(&text),
            Effect::RequestReview { ids, action } => self.blocking(move |a| {
                a.request_review(&ids, action)
                    .map(|n| {
                        format!(
                            "{} asked for {}; {} for the engine that holds the mailbox",
                            action.as_str(),
                            count(ids.len(), "message", "messages"),
                            count(n, "request waiting", "requests waiting")
                        )
                    })
                    .map_err(err)
            }),
            Effect::NeverLog(pattern) => self.blocking(move |a| {
                a.never_log(&pattern)
                    .map(|(p, added)| {
                        if added {
                            format!("{p} is never logged from now on")
                        } else {
                            format!("{p} was already on the never-log list")
                        }
                    })
                    .map_err(err)
            }),
            Effect::SetPrivate { entry_no, on } => self.blocking(move |a| {
                a.set_private(entry_no, on)
                    .map(|changed| {
                        crate::tui::screens::private_mark::said(entry_no, on, changed)
                    })
                    .map_err(err)
            }),
            Effect::DismissFollowUp {
                entry_no,
                latest_at,
            } => self.blocking(move |a| {
                a.dismiss_follow_up(entry_no, latest_at, chrono::Utc::now())
                    .map_err(err)
            }),
            Effect::Forget(no) => self.blocking(move |a| {
                let who = crate::app::forget::ForgetWho::Contact(no.clone());
                a.forget(&who, false)
                    .map(|r| {
                        format!(
                            "contact {no} forgotten: {} entries and {} messages removed; the engine deletes {} mailbox copies",
                            r.counts.entries, r.counts.messages_removed, r.counts.mailbox_deletions
                        )
                    })
                    .map_err(err)
            }),
            Effect::CaptureSet(target, level) => {
                self.blocking(move |a| a.capture_set(&target, &level).map_err(err))
            }
            Effect::NeverLogRemove(pattern) => self.blocking(move |a| {
                a.never_log_remove(&pattern)
                    .map(|p| format!("{p} is logged again from now on"))
                    .map_err(err)
            }),
            Effect::SaveContact {
                contact,
                new,
                relog,
            } => self.blocking(move |a| {
                a.save_contact(&contact, new).map_err(err)?;
                let saved = format!("contact {} saved", contact.no);
                match relog {
                    None => Ok(saved),
                    Some(id) => a
                        .request_review(&[id], crate::store::ReviewAction::Relog)
                        .map(|_| format!("{saved}; re-log requested"))
                        .map_err(err),
                }
            }),
            Effect::SaveSalesperson { salesperson, new } => self.blocking(move |a| {
                a.save_salesperson(&salesperson, new)
                    .map(|_| format!("salesperson {} saved", salesperson.code.to_uppercase()))
                    .map_err(err)
            }),
            Effect::ApplyImport(preview) => self.blocking(move |a| {
                a.apply_import(&preview)
                    .map(|n| format!("imported: {n} added or changed"))
                    .map_err(err)
            }),
        }
    }

    /// Sends a read to the reader thread, started on first use.
    fn read(&mut self, r: Read) {
        let reader = self
            .reader
            .get_or_insert_with(|| reads::spawn(self.app.clone(), self.tx.clone()));
        if reader.send(r).is_err() {
            let _ = self.tx.send(Msg::Done(Err(
                "the database reader stopped; restart emaillog".into(),
            )));
        }
    }
}
