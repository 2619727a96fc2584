//! The UI's reads of the interaction log, on a thread of their own with one
//! connection kept open (prepared statements and a warm page cache), so
//! scrolling a million entries never waits for a connection to open and
//! never blocks the render loop. The benchmark calls [`answer`] directly.

use std::sync::mpsc;

use tokio::sync::mpsc::UnboundedSender;

use crate::app::App;
use crate::app::log::LogReader;

use super::lists::{Lists, ListsKind};
use super::log_window::PageRequest;
use super::msg::Msg;

/// What the reader thread is asked.
#[derive(Debug, Clone)]
pub enum Read {
    Page(Box<PageRequest>),
    Message(i64),
}

/// Newer entries than the first held are counted up to this (a refresh).
const NEWER_COUNTED: usize = 999;

/// The answer to one read, as the message the state takes.
pub fn answer(reader: &mut LogReader, r: Read) -> Msg {
    match r {
        Read::Page(req) => {
            // A search's first page is read with enough rows to count its
            // hits too (one read, not the page and then the count).
            let counting =
                req.kind == super::log_window::LoadKind::Newest && req.view.search.is_some();
            // A common word alone finds more than is counted: not counted.
            let many = counting
                && reader
                    .finds_more_than(&req.view, super::log_window::HITS_COUNTED)
                    .unwrap_or(false);
            let limit = if counting && !many {
                req.limit.max(super::log_window::HITS_COUNTED + 1)
            } else {
                req.limit
            };
            let rows = reader
                .page(&req.view, &req.seek, limit)
                .map_err(|e| e.to_string());
            let result = match (rows, req.kind) {
                (Ok(rows), super::log_window::LoadKind::Refresh) => {
                    // Entries newer than the page's first row and than
                    // what the reader has seen: not held, counted.
                    let from = match (rows.first().map(|r| r.key()), req.count_newer_than) {
                        (Some(first), Some(seen)) => Some(first.max(seen)),
                        (first, seen) => first.or(seen),
                    };
                    let newer = match from {
                        Some(from) => reader
                            .page(
                                &req.view,
                                &crate::store::Seek::NewerThan(from),
                                NEWER_COUNTED,
                            )
                            .map(|r| r.len())
                            .unwrap_or(0),
                        None => 0,
                    };
                    Ok((rows, newer))
                }
                // A search's first page also says how many entries it finds.
                (Ok(mut rows), _) if counting => {
                    let hits = if many {
                        super::log_window::HITS_COUNTED + 1
                    } else {
                        rows.len()
                    };
                    rows.truncate(req.limit);
                    Ok((rows, hits))
                }
                (Ok(rows), _) => Ok((rows, 0)),
                (Err(e), _) => Err(e),
            };
            Msg::LogPage {
                generation: req.generation,
                kind: req.kind,
                result,
            }
        }
        Read::Message(n) => {
            Msg::Message(reader.message(n).map(Box::new).map_err(|e| e.to_string()))
        }
    }
}

/// Starts the reader thread; it ends when the UI drops its sender.
pub fn spawn(app: App, tx: UnboundedSender<Msg>) -> mpsc::Sender<Read> {
    let (send, recv) = mpsc::channel::<Read>();
    std::thread::spawn(move || {
        let mut reader: Option<LogReader> = None;
        while let Ok(r) = recv.recv() {
            if reader.is_none() {
                match app.log_reader() {
                    Ok(l) => reader = Some(l),
                    Err(e) => {
                        let msg = match r {
                            Read::Page(req) => Msg::LogPage {
                                generation: req.generation,
                                kind: req.kind,
                                result: Err(e.to_string()),
                            },
                            Read::Message(_) => Msg::Message(Err(e.to_string())),
                        };
                        if tx.send(msg).is_err() {
                            return;
                        }
                        continue;
                    }
                }
            }
            if let Some(l) = reader.as_mut()
                && tx.send(answer(l, r)).is_err()
            {
                return;
            }
        }
    });
    send
}

/// Reads what a users' screen lists (on a blocking thread).
/// `stop` gives up an import's read of its file (Esc).
pub fn lists(app: &App, kind: ListsKind, stop: &crate::stop::Stop) -> Result<Lists, String> {
    let e = |e: crate::app::AppError| e.to_string();
    Ok(match kind {
        ListsKind::Opportunities => Lists::Opportunities(app.opportunities().map_err(e)?),
        ListsKind::OpportunityEntries(no) => {
            let rows = app.opportunity_entries(&no).map_err(e)?;
            Lists::OpportunityEntries(no, rows)
        }
        ListsKind::ContactCard(no) => Lists::ContactCard(Box::new(
            app.contact_report(
                &no,
                chrono::Utc::now(),
                crate::tui::screens::contact_card::TIMELINE,
            )
            .map_err(e)?,
        )),
        ListsKind::FollowUps => {
            let settings = app.signal_settings().map_err(e)?;
            Lists::FollowUps(Box::new(
                app.follow_up_board(&settings, chrono::Utc::now())
                    .map_err(e)?,
            ))
        }
        ListsKind::Review => Lists::Review(app.review_queue().map_err(e)?),
        ListsKind::People => {
            let (s, c) = app.people().map_err(e)?;
            Lists::People(s, c)
        }
        ListsKind::SuggestContact(row) => {
            let c = app.suggest_contact(&row).map_err(e)?;
            Lists::SuggestedContact(row.key(), c)
        }
        ListsKind::ImportPreview { path, salespeople } => {
            let p = app
                .preview_import(std::path::Path::new(&path), salespeople, stop)
                .map_err(e)?;
            Lists::ImportPreview(path, Box::new(p))
        }
        ListsKind::NeverLog => Lists::NeverLog(app.never_log_rules().map_err(e)?),
        ListsKind::NeverLogCheck(p) => Lists::NeverLogCheck(app.never_log_check(&p).map_err(e)?),
        ListsKind::Capture => Lists::Capture(app.capture_list().map_err(e)?),
        ListsKind::ForgetCheck(no) => {
            let who = crate::app::forget::ForgetWho::Contact(no.clone());
            Lists::ForgetChecked(no, Box::new(app.forget(&who, true).map_err(e)?))
        }
        ListsKind::Audit => Lists::Audit(
            app.audit_list(None, None, crate::app::audit::LIST_LIMIT)
                .map_err(e)?,
        ),
        ListsKind::AuditVerify => Lists::AuditVerified(app.audit_verify(None).map_err(e)?),
    })
}
