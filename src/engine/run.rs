//! One logging run: read the Inbox page by page, classify each message,
//! commit the page's entries and skip records in one transaction, and only
//! then move the messages. A crash anywhere leaves either nothing written
//! (the message is read again) or the entries committed with the message
//! still in the Inbox (the next run sees it logged and only moves it).

use chrono::Utc;
use futures::StreamExt;
use serde_json::json;

use crate::domain::setup::Unmatched;
use crate::domain::{
    Classification, Directory, MailMessage, Recipient, Rules, SkipReason, classify,
};
use crate::mail::{BadMessage, MailError, MailSource};
use crate::store::{
    LeaseOutcome, NewLoggedMessage, NewSkipped, PageDone, PageWrite, RunCounts, Store, StoreError,
};

use super::events::{EngineEvent, Events};
use super::stop::Stop;

#[derive(Debug, Clone)]
pub struct RunSettings {
    pub batch_size: usize,
    pub run_limit: usize,
    pub unmatched: Unmatched,
    pub store_body: bool,
    /// Failed attempts at one message before it is moved to Skipped.
    pub max_attempts: u32,
}

/// The lease this run holds, renewed between pages.
#[derive(Debug, Clone)]
pub struct LeaseGuard {
    pub mailbox: String,
    pub holder: String,
    pub ttl: chrono::Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("{0}")]
    Mail(#[from] MailError),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("another engine took over the mailbox lease ({0}); this run stopped")]
    LeaseLost(String),
}

impl RunError {
    pub fn is_retryable(&self) -> bool {
        match self {
            RunError::Mail(e) => e.is_retryable(),
            RunError::Store(_) | RunError::LeaseLost(_) => true,
        }
    }
}

#[derive(Debug)]
pub struct RunReport {
    pub counts: RunCounts,
    pub error: Option<RunError>,
}

/// Where a message ended up: (new id or disposition, web link).
type ActionResult = Result<(String, String), MailError>;

/// What to do with a message once the page is committed.
enum Action {
    Archive { id: String, newly_logged: bool },
    Skip { id: String },
}

fn recipients_json(msg: &MailMessage) -> String {
    let one =
        |r: &Recipient, kind: &str| json!({"name": r.name, "address": r.address, "kind": kind});
    let all: Vec<_> = msg
        .to
        .iter()
        .map(|r| one(r, "to"))
        .chain(msg.cc.iter().map(|r| one(r, "cc")))
        .collect();
    serde_json::Value::Array(all).to_string()
}

fn sender_text(msg: &MailMessage) -> String {
    msg.sender
        .as_ref()
        .map(|s| {
            if s.name.is_empty() {
                s.address.clone()
            } else {
                format!("{} <{}>", s.name, s.address)
            }
        })
        .unwrap_or_default()
}

fn skip_record(msg: &MailMessage, reason: &SkipReason) -> NewSkipped {
    NewSkipped {
        mailbox_id: msg.mailbox_id.clone(),
        internet_message_id: msg.internet_message_id.clone(),
        subject: msg.subject.clone(),
        sender: sender_text(msg),
        recipients: recipients_json(msg),
        received_at: msg.received_at,
        reason: reason.code().to_string(),
        detail: reason.detail(),
    }
}

/// A message that could not be read has only its id.
fn bad_skip_record(bad: &BadMessage, reason: &SkipReason) -> NewSkipped {
    skip_record(
        &MailMessage {
            mailbox_id: bad.mailbox_id.clone(),
            ..Default::default()
        },
        reason,
    )
}

/// Everything a run reads besides the store.
pub struct RunInputs<'a> {
    pub source: &'a dyn MailSource,
    pub directory: &'a Directory,
    pub rules: &'a Rules,
    pub settings: &'a RunSettings,
    /// The lease to renew between pages, if the caller holds one.
    pub lease: Option<&'a LeaseGuard>,
    pub events: &'a Events,
    pub stop: &'a Stop,
}

/// Runs until the Inbox is drained, the run limit is reached, or `stop` fires
/// (after the page in hand is finished).
pub async fn run_once(store: &mut Store, inputs: &RunInputs<'_>) -> RunReport {
    let mut counts = RunCounts::default();
    let error = drain(store, inputs, &mut counts).await.err();
    RunReport { counts, error }
}

async fn drain(
    store: &mut Store,
    inputs: &RunInputs<'_>,
    counts: &mut RunCounts,
) -> Result<(), RunError> {
    let RunInputs {
        source,
        directory: dir,
        rules,
        settings,
        lease,
        events,
        stop,
    } = *inputs;
    let account = source.account();
    // Messages we leave in the Inbox ahead of the next page.
    let mut offset = 0usize;
    let mut handled = 0usize;
    loop {
        if stop.is_stopped() || handled >= settings.run_limit {
            return Ok(());
        }
        if let Some(l) = lease
            && let LeaseOutcome::HeldBy { holder, .. } =
                store.acquire_lease(&l.mailbox, &l.holder, l.ttl, Utc::now())?
        {
            return Err(RunError::LeaseLost(holder));
        }
        let top = settings.batch_size.min(settings.run_limit - handled).max(1);
        let page = source.list_inbox(offset, top).await?;
        if page.messages.is_empty() {
            return Ok(());
        }
        handled += page.messages.len();

        let mut write = PageWrite::default();
        let mut actions = Vec::new();
        for item in page.messages {
            let msg = match item {
                Ok(m) => m,
                Err(bad) => {
                    counts.read += 1;
                    if bad.mailbox_id.is_empty() {
                        counts.failed += 1;
                        offset += 1;
                        continue;
                    }
                    let attempts = store.record_failure(&bad.mailbox_id, &bad.error)?;
                    let _ = events.send(EngineEvent::Failed {
                        mailbox_id: bad.mailbox_id.clone(),
                        error: bad.error.clone(),
                    });
                    if attempts >= settings.max_attempts {
                        write.skipped.push(bad_skip_record(
                            &bad,
                            &SkipReason::Failed(bad.error.clone()),
                        ));
                        actions.push(Action::Skip { id: bad.mailbox_id });
                    } else {
                        counts.failed += 1;
                        offset += 1;
                    }
                    continue;
                }
            };
            if settings.unmatched == Unmatched::Leave
                && store.skipped_disposition(&msg.mailbox_id)?.as_deref() == Some("left")
            {
                offset += 1;
                continue;
            }
            counts.read += 1;
            let prior = store.prior(&msg.mailbox_id, &msg.internet_message_id)?;
            match classify(&msg, dir, rules, prior) {
                Classification::Log {
                    direction,
                    initiated_by,
                    at,
                    entries,
                } => {
                    actions.push(Action::Archive {
                        id: msg.mailbox_id.clone(),
                        newly_logged: true,
                    });
                    write.logged.push(NewLoggedMessage {
                        internet_message_id: msg.internet_message_id.clone(),
                        mailbox_id: msg.mailbox_id.clone(),
                        web_link: msg.web_link.clone(),
                        conversation_id: msg.conversation_id.clone(),
                        subject: msg.subject.clone(),
                        sender: sender_text(&msg),
                        recipients: recipients_json(&msg),
                        sent_at: msg.sent_at,
                        received_at: msg.received_at,
                        body: settings.store_body.then(|| msg.body_text.clone()),
                        direction,
                        initiated_by,
                        occurred_at: at,
                        entries,
                        account: account.clone(),
                    });
                }
                Classification::ArchiveOnly => actions.push(Action::Archive {
                    id: msg.mailbox_id.clone(),
                    newly_logged: false,
                }),
                Classification::Skip(reason) => {
                    write.skipped.push(skip_record(&msg, &reason));
                    actions.push(Action::Skip {
                        id: msg.mailbox_id.clone(),
                    });
                }
            }
        }

        // Committed before anything is moved.
        let entries = store.commit_page(&write)?;
        counts.logged += write.logged.len() as u32;
        counts.entries += entries as u32;
        for m in &write.logged {
            let pairs = m
                .entries
                .iter()
                .map(|e| (e.salesperson_code.clone(), e.contact_no.clone()))
                .collect();
            let _ = events.send(EngineEvent::Logged {
                subject: m.subject.clone(),
                direction: m.direction.as_str().into(),
                pairs,
            });
        }
        for s in &write.skipped {
            counts.skipped += 1;
            *counts
                .skipped_by_reason
                .entry(s.reason.clone())
                .or_default() += 1;
            let _ = events.send(EngineEvent::Skipped {
                subject: s.subject.clone(),
                reason: s.reason.clone(),
                detail: s.detail.clone(),
            });
        }

        let unmatched = settings.unmatched;
        let results: Vec<(Action, ActionResult)> =
            futures::stream::iter(actions.into_iter().map(|a| async move {
                let r = match &a {
                    Action::Archive { id, .. } => source
                        .move_to_archive(id)
                        .await
                        .map(|m| (m.new_id, m.web_link)),
                    Action::Skip { id } => match unmatched {
                        Unmatched::SkipFolder => source
                            .move_to_skipped(id)
                            .await
                            .map(|_| ("moved".to_string(), String::new())),
                        Unmatched::Delete => source
                            .delete(id)
                            .await
                            .map(|_| ("deleted".to_string(), String::new())),
                        Unmatched::Leave => Ok(("left".to_string(), String::new())),
                    },
                };
                (a, r)
            }))
            .buffer_unordered(4)
            .collect()
            .await;

        let mut fatal = None;
        let attempted = results.len();
        let mut transient_failures = 0;
        let mut done = PageDone::default();
        for (action, result) in results {
            match (action, result) {
                (Action::Archive { id, newly_logged }, Ok((new_id, link))) => {
                    done.archived.push((id, new_id, link));
                    if !newly_logged {
                        counts.archived_only += 1;
                    }
                }
                (Action::Archive { id, .. }, Err(MailError::NotFound(_))) => {
                    done.archived.push((id.clone(), id, String::new()));
                }
                (Action::Skip { id }, Ok((disposition, _))) => {
                    if disposition == "left" {
                        offset += 1;
                    }
                    done.dispositions.push((id, disposition));
                }
                (Action::Skip { id }, Err(MailError::NotFound(_))) => {
                    done.dispositions.push((id, "gone".into()));
                }
                (Action::Archive { id, .. } | Action::Skip { id }, Err(e)) => {
                    done.failures.push((id.clone(), e.to_string()));
                    counts.failed += 1;
                    offset += 1;
                    let _ = events.send(EngineEvent::Failed {
                        mailbox_id: id,
                        error: e.to_string(),
                    });
                    if e.is_retryable() {
                        transient_failures += 1;
                    } else if fatal.is_none() {
                        fatal = Some(e);
                    }
                }
            }
        }
        store.finish_page(&done)?;
        if let Some(e) = fatal {
            return Err(e.into());
        }
        // Every move of the page failed: the service is down. Stop here; the
        // next run finishes what was committed.
        if attempted >= 3 && transient_failures == attempted {
            return Err(RunError::Mail(MailError::Transient(format!(
                "all {attempted} moves of a page failed; the service seems unavailable, the run stopped and will be retried"
            ))));
        }
        if !page.has_more {
            return Ok(());
        }
    }
}
