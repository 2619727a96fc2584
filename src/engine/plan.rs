//! The run's decisions, with no I/O: what to do with each message of a page
//! given what the store knows (including earlier messages of the same page),
//! what to make of each move's outcome, and when to quarantine. `drain`
//! does the I/O and feeds the results back here.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::domain::setup::Unmatched;
use crate::domain::{
    Classification, Directory, Disposition, Location, MailMessage, Prior, Recipient, Rules,
    SkipReason, classify,
};
use crate::mail::{BadMessage, Folder, MailError, Moved};
use crate::store::{Known, NewLoggedMessage, NewSkipped, PageCommit, RunCounts, Unfinished, Work};

use super::run::RunSettings;

/// What happens to a message after the commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoveAction {
    To(Folder),
    Delete,
    /// Stays in the Inbox (`--unmatched leave`); nothing to do.
    Leave,
}

/// What is being moved: a logged message, or a skip record being carried out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moving {
    Logged {
        /// Logged by an earlier run (or page): counted as archived only.
        earlier: bool,
    },
    Skipped {
        /// What the skip record's disposition becomes when the move works.
        done: Disposition,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedMove {
    pub id: String,
    pub action: MoveAction,
    pub moving: Moving,
    /// Failed attempts before this one.
    pub attempts: u32,
    /// The last try: if this move fails, the message is stuck.
    pub quarantine: bool,
}

/// A page's plan: what to commit, then what to move.
#[derive(Debug, Default)]
pub struct PagePlan {
    pub commit: PageCommit,
    pub moves: Vec<PlannedMove>,
    pub counts: RunCounts,
}

/// What one unfinished message needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Retry {
    Move(PlannedMove),
    /// Read it again (its reading failed before).
    Fetch { id: String },
    /// Out of attempts without ever being read: record it as failed and
    /// move it to Skipped.
    Quarantine { id: String, error: String },
}

/// Where a skip record's message goes.
pub fn skip_action(reason: &str, unmatched: Unmatched) -> (MoveAction, Disposition) {
    match reason {
        // A copy of a logged email goes to Archive beside the original.
        "already_logged" => (MoveAction::To(Folder::Archive), Disposition::Archived),
        // A message that kept failing waits in Skipped for a person.
        "failed" => (MoveAction::To(Folder::Skipped), Disposition::Moved),
        _ => match unmatched {
            Unmatched::SkipFolder => (MoveAction::To(Folder::Skipped), Disposition::Moved),
            Unmatched::Delete => (MoveAction::Delete, Disposition::Deleted),
            Unmatched::Leave => (MoveAction::Leave, Disposition::Left),
        },
    }
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

pub fn skip_record(msg: &MailMessage, reason: &SkipReason) -> NewSkipped {
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
fn bad_skip_record(id: &str, error: &str) -> NewSkipped {
    skip_record(
        &MailMessage {
            mailbox_id: id.to_string(),
            ..Default::default()
        },
        &SkipReason::Failed(error.to_string()),
    )
}

/// Everything a page's plan depends on besides the messages.
pub struct PlanInputs<'a> {
    pub directory: &'a Directory,
    pub rules: &'a Rules,
    pub settings: &'a RunSettings,
    pub account: &'a str,
    pub now: DateTime<Utc>,
}

/// What the plan of one run remembers across its pages: the ids it has
/// dealt with, so a message met twice in a run is dealt with once.
#[derive(Debug, Default)]
pub struct RunMemory {
    seen: HashSet<String>,
}

impl PagePlan {
    fn quarantine(&mut self, id: &str, error: &str, attempts: u32) {
        let record = bad_skip_record(id, error);
        self.count_skip(&record.reason);
        self.commit.skipped.push(record);
        self.moves.push(PlannedMove {
            id: id.to_string(),
            action: MoveAction::To(Folder::Skipped),
            moving: Moving::Skipped {
                done: Disposition::Moved,
            },
            attempts,
            quarantine: true,
        });
    }

    fn count_skip(&mut self, reason: &str) {
        self.counts.skipped += 1;
        *self
            .counts
            .skipped_by_reason
            .entry(reason.to_string())
            .or_default() += 1;
    }

    fn skip(&mut self, msg: &MailMessage, reason: &SkipReason, known: &Known, unmatched: Unmatched) {
        let record = skip_record(msg, reason);
        let (action, done) = skip_action(&record.reason, unmatched);
        self.count_skip(&record.reason);
        self.commit.skipped.push(record);
        self.moves.push(PlannedMove {
            id: msg.mailbox_id.clone(),
            action,
            moving: Moving::Skipped { done },
            attempts: known.attempts,
            quarantine: false,
        });
    }

    fn move_logged(&mut self, id: &str, known: &Known, max: u32, earlier: bool) {
        let quarantine = known.attempts >= max;
        self.moves.push(PlannedMove {
            id: id.to_string(),
            action: MoveAction::To(if quarantine {
                Folder::Skipped
            } else {
                Folder::Archive
            }),
            moving: Moving::Logged { earlier },
            attempts: known.attempts,
            quarantine,
        });
    }
}

/// Plans a page of Inbox messages. `known` gives, for each message, what
/// the store knew before the page; copies within the page are found here.
pub fn plan_page(
    messages: Vec<(Result<MailMessage, BadMessage>, Known)>,
    inputs: &PlanInputs<'_>,
    memory: &mut RunMemory,
) -> PagePlan {
    let mut plan = PagePlan::default();
    let max = inputs.settings.max_attempts;
    let unmatched = inputs.settings.unmatched;
    // internetMessageIds this page logs, so a later copy on it is a copy.
    let mut logging: HashSet<String> = HashSet::new();
    for (item, known) in messages {
        let id = match &item {
            Ok(m) => m.mailbox_id.clone(),
            Err(b) => b.mailbox_id.clone(),
        };
        if known.stuck || (!id.is_empty() && !memory.seen.insert(id.clone())) {
            continue;
        }
        let msg = match item {
            Ok(m) => m,
            Err(bad) => {
                plan.counts.read += 1;
                if bad.mailbox_id.is_empty() {
                    // Nothing to record it by; the source will give it again.
                    plan.counts.failed += 1;
                } else if known.attempts + 1 >= max {
                    plan.quarantine(&bad.mailbox_id, &bad.error, known.attempts + 1);
                } else {
                    plan.counts.failed += 1;
                    plan.commit.failures.push((bad.mailbox_id, bad.error));
                }
                continue;
            }
        };
        match (known.logged, known.skipped.clone()) {
            (Some(_), _) => {
                plan.counts.read += 1;
                plan.move_logged(&msg.mailbox_id, &known, max, true);
                continue;
            }
            (None, Some((Disposition::Left, _))) => continue,
            (None, Some((Disposition::Pending, reason))) => {
                plan.counts.read += 1;
                // Recorded before; only its move is left to do.
                let (action, done) = skip_action(&reason, unmatched);
                plan.moves.push(PlannedMove {
                    id: msg.mailbox_id.clone(),
                    action,
                    moving: Moving::Skipped { done },
                    attempts: known.attempts,
                    quarantine: known.attempts >= max,
                });
                continue;
            }
            // Not known, or skipped and moved back into the Inbox by a
            // person: classified anew (it may be loggable now).
            _ => {}
        }
        plan.counts.read += 1;
        match classify_known(&msg, &known, &logging, inputs) {
            Classification::Log {
                direction,
                initiated_by,
                at,
                entries,
            } => {
                let imid = msg.internet_message_id.trim();
                if !imid.is_empty() {
                    logging.insert(imid.to_string());
                }
                plan.counts.logged += 1;
                plan.counts.entries += entries.len() as u32;
                plan.move_logged(&msg.mailbox_id, &Known::default(), max, false);
                plan.commit.logged.push(NewLoggedMessage {
                    internet_message_id: msg.internet_message_id.clone(),
                    mailbox_id: msg.mailbox_id.clone(),
                    web_link: msg.web_link.clone(),
                    conversation_id: msg.conversation_id.clone(),
                    subject: msg.subject.clone(),
                    sender: sender_text(&msg),
                    recipients: recipients_json(&msg),
                    sent_at: msg.sent_at,
                    received_at: msg.received_at,
                    body: inputs.settings.store_body.then(|| msg.body_text.clone()),
                    direction,
                    initiated_by,
                    occurred_at: at,
                    entries,
                    account: inputs.account.to_string(),
                });
            }
            Classification::ArchiveOnly => {
                plan.move_logged(&msg.mailbox_id, &known, max, true);
            }
            Classification::Skip(reason) => plan.skip(&msg, &reason, &known, unmatched),
        }
    }
    plan
}

fn classify_known(
    msg: &MailMessage,
    known: &Known,
    logging: &HashSet<String>,
    inputs: &PlanInputs<'_>,
) -> Classification {
    let imid = msg.internet_message_id.trim();
    let prior = if known.logged.is_some() {
        Prior::LoggedThisMessage
    } else if known.copy_logged || (!imid.is_empty() && logging.contains(imid)) {
        Prior::LoggedOtherCopy
    } else {
        Prior::New
    };
    classify(msg, inputs.directory, inputs.rules, prior, inputs.now)
}

/// What to do with a message an earlier run left unfinished.
pub fn plan_retry(u: &Unfinished, settings: &RunSettings, memory: &mut RunMemory) -> Option<Retry> {
    if !memory.seen.insert(u.mailbox_id.clone()) {
        return None;
    }
    let quarantine = u.attempts >= settings.max_attempts;
    let id = u.mailbox_id.clone();
    Some(match &u.work {
        Work::Archive => Retry::Move(PlannedMove {
            id,
            action: MoveAction::To(if quarantine {
                Folder::Skipped
            } else {
                Folder::Archive
            }),
            moving: Moving::Logged { earlier: true },
            attempts: u.attempts,
            quarantine,
        }),
        Work::Skip { reason } => {
            let (action, done) = skip_action(reason, settings.unmatched);
            Retry::Move(PlannedMove {
                id,
                action,
                moving: Moving::Skipped { done },
                attempts: u.attempts,
                quarantine,
            })
        }
        Work::Read if quarantine => Retry::Quarantine {
            id,
            error: u.last_error.clone(),
        },
        Work::Read => Retry::Fetch { id },
    })
}

/// Lets a message met again in this run (a fetched retry) be planned.
pub fn forget(memory: &mut RunMemory, id: &str) {
    memory.seen.remove(id);
}

/// What a move's outcome means.
#[derive(Debug, Clone)]
pub enum Outcome {
    Archived { new_id: String, web_link: String },
    /// A logged message ended elsewhere than Archive.
    Relocated(Location),
    Disposition(Disposition),
    /// One more failed attempt at this message.
    Failed(String),
    /// Could be moved nowhere: marked stuck until a person retries it.
    Stuck(String),
    /// Not the message's fault: the run stops (a missing Archive folder, a
    /// refused sign-in).
    StopRun(MailError),
}

pub fn after_move(m: &PlannedMove, result: Result<Moved, MailError>) -> Outcome {
    match (m.moving, result) {
        (Moving::Logged { .. }, Ok(moved)) if m.action == MoveAction::To(Folder::Archive) => {
            Outcome::Archived {
                new_id: moved.new_id,
                web_link: moved.web_link,
            }
        }
        (Moving::Logged { .. }, Ok(_)) => Outcome::Relocated(Location::Skipped),
        (Moving::Skipped { done }, Ok(_)) => Outcome::Disposition(done),
        (Moving::Logged { .. }, Err(MailError::Gone(_))) => Outcome::Relocated(Location::Gone),
        (Moving::Skipped { .. }, Err(MailError::Gone(_))) => Outcome::Disposition(Disposition::Gone),
        (
            _,
            Err(
                e @ (MailError::Auth(_)
                | MailError::FolderMissing {
                    folder: Folder::Archive,
                    ..
                }),
            ),
        ) => Outcome::StopRun(e),
        (_, Err(e)) if m.quarantine => Outcome::Stuck(e.to_string()),
        (_, Err(e)) => Outcome::Failed(e.to_string()),
    }
}

/// Whether a page's move failures look like the service being down rather
/// than the messages' own trouble: every move failed, each with an error
/// retrying could help. Then the service is probed before anything is
/// counted against the messages.
pub fn looks_like_outage(results: &[(PlannedMove, Result<Moved, MailError>)]) -> bool {
    let attempted: Vec<_> = results
        .iter()
        .filter(|(m, _)| m.action != MoveAction::Leave)
        .collect();
    !attempted.is_empty()
        && attempted
            .iter()
            .all(|(_, r)| matches!(r, Err(e) if e.is_retryable()))
}
