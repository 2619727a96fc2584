//! The run's decisions, with no I/O: what to do with each message of a page
//! given what the store knows (including earlier messages of the same page),
//! what to make of each move's outcome, and when to quarantine. `drain`
//! does the I/O and feeds the results back here.

use std::collections::HashSet;

use chrono::{DateTime, Utc};

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
    Fetch {
        id: String,
    },
    /// Out of attempts without ever being read: record it as failed and
    /// move it to Skipped.
    Quarantine {
        id: String,
        error: String,
    },
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

/// One recipient as stored (fields in the order `json!` wrote them, so
/// the stored text is what it always was), serialized without building a
/// `Value` for each: the engine writes this for every message.
#[derive(serde::Serialize)]
struct StoredRecipient<'a> {
    address: &'a str,
    kind: &'static str,
    name: &'a str,
}

fn recipients_json(msg: &MailMessage) -> String {
    fn one<'a>(r: &'a Recipient, kind: &'static str) -> StoredRecipient<'a> {
        StoredRecipient {
            address: &r.address,
            kind,
            name: &r.name,
        }
    }
    let all: Vec<_> = msg
        .to
        .iter()
        .map(|r| one(r, "to"))
        .chain(msg.cc.iter().map(|r| one(r, "cc")))
        .collect();
    serde_json::to_string(&all).unwrap_or_else(|_| "[]".into())
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
    if *reason == SkipReason::Forgotten {
        // Only that it was skipped, and its id to move it by.
        return NewSkipped {
            mailbox_id: msg.mailbox_id.clone(),
            internet_message_id: String::new(),
            subject: String::new(),
            sender: String::new(),
            recipients: "[]".into(),
            received_at: msg.received_at,
            reason: reason.code().to_string(),
            detail: reason.detail(),
        };
    }
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
    /// Takes in another plan's commit, moves and counts (the retried
    /// messages of a page and the ones read again).
    pub fn append(&mut self, mut other: PagePlan) {
        self.commit.logged.append(&mut other.commit.logged);
        self.commit.skipped.append(&mut other.commit.skipped);
        self.commit.failures.append(&mut other.commit.failures);
        self.moves.append(&mut other.moves);
        self.counts.add(&other.counts);
    }

    /// Records a message that was never read as failed (`attempts` with
    /// this one) and moves it to Skipped as its last try.
    pub fn quarantine(&mut self, id: &str, error: &str, attempts: u32) {
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

    fn skip(
        &mut self,
        msg: &MailMessage,
        reason: &SkipReason,
        known: &Known,
        unmatched: Unmatched,
    ) {
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
                } else if bad.permanent || known.attempts + 1 >= max {
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
                let (subject, body, attachments) = kept_of(&msg, &entries, inputs);
                plan.commit.logged.push(NewLoggedMessage {
                    internet_message_id: msg.internet_message_id.clone(),
                    mailbox_id: msg.mailbox_id.clone(),
                    web_link: msg.web_link.clone(),
                    conversation_id: msg.conversation_id.clone(),
                    subject,
                    sender: sender_text(&msg),
                    recipients: recipients_json(&msg),
                    sent_at: msg.sent_at,
                    received_at: msg.received_at,
                    body,
                    direction,
                    initiated_by,
                    occurred_at: at,
                    entries,
                    account: inputs.account.to_string(),
                    attachments,
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

/// The subject, body and attachments kept of a message to log: what the
/// setup's body setting, its bodies' retention and the capture level of
/// its people and salespeople allow.
fn kept_of(
    msg: &MailMessage,
    entries: &[crate::domain::PlannedEntry],
    inputs: &PlanInputs<'_>,
) -> (String, Option<String>, Vec<crate::domain::Attachment>) {
    let days = inputs.settings.retain_bodies_days;
    let outlived = days > 0
        && msg.received_at.or(msg.sent_at).unwrap_or(inputs.now)
            < inputs.now - chrono::Duration::days(i64::from(days));
    if outlived {
        return (msg.subject.clone(), None, Vec::new());
    }
    let body = inputs.settings.store_body.then(|| msg.body_text.clone());
    if inputs.rules.capture.is_empty() {
        return (msg.subject.clone(), body, msg.attachments.clone());
    }
    let addresses: Vec<String> = msg
        .sender
        .iter()
        .chain(&msg.to)
        .chain(&msg.cc)
        .filter_map(|r| crate::domain::normalize_address(&r.address))
        .collect();
    let salespeople: Vec<&str> = entries
        .iter()
        .map(|e| e.salesperson_code.as_str())
        .collect();
    let level = crate::domain::capture::level_for(&inputs.rules.capture, &addresses, &salespeople);
    crate::domain::capture::keep(level, msg.subject.clone(), body, msg.attachments.clone())
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
    Archived {
        new_id: String,
        web_link: String,
    },
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
        (Moving::Skipped { .. }, Err(MailError::Gone(_))) => {
            Outcome::Disposition(Disposition::Gone)
        }
        (_, Err(e)) if stops_the_run(&e) => Outcome::StopRun(e),
        (_, Err(e)) if m.quarantine => Outcome::Stuck(e.to_string()),
        (_, Err(e)) => Outcome::Failed(e.to_string()),
    }
}

/// Whether a failed read means the pass must start again from the Inbox:
/// the service says the position expired, or — for a position kept from
/// an earlier run — refuses it (or our own check does: another origin).
pub fn read_again_from_start(e: &MailError, from_stored_cursor: bool) -> bool {
    match e {
        MailError::CursorExpired(_) => true,
        MailError::Permanent(_) | MailError::NotFound(_) => from_stored_cursor,
        _ => false,
    }
}

/// Bounds the loop over the service's pages: a link that comes back in
/// the same run, or more pages than the run limit allows (a page holds at
/// least one message, or the pass would be over), ends the run.
#[derive(Debug)]
pub struct LinkGuard {
    seen: HashSet<String>,
    max_pages: usize,
}

impl LinkGuard {
    pub fn new(run_limit: usize) -> Self {
        Self {
            seen: HashSet::new(),
            max_pages: run_limit.max(1),
        }
    }

    /// Takes the next page's link; an error says why the run must stop.
    pub fn next(&mut self, link: &str) -> Result<(), String> {
        let shown = link.split('?').next().unwrap_or(link);
        if !self.seen.insert(link.to_string()) {
            return Err(format!(
                "the mail service gave the same next link twice in one run ({shown}); the run stopped instead of looping"
            ));
        }
        if self.seen.len() > self.max_pages {
            return Err(format!(
                "the mail service gave more than {} pages in one run (the run limit); the run stopped instead of looping",
                self.max_pages
            ));
        }
        Ok(())
    }
}

/// Errors that are not any message's fault and stop the run: a refused
/// sign-in, a missing Archive folder or folder the setup names by path. Everything else about one message
/// counts against that message.
pub fn stops_the_run(e: &MailError) -> bool {
    matches!(
        e,
        MailError::Auth(_)
            | MailError::NoSuchFolder(_)
            | MailError::FolderMissing {
                folder: Folder::Archive,
                ..
            }
    )
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Contact, Salesperson};

    #[test]
    fn recipients_are_stored_as_they_always_were() {
        let r = |name: &str, address: &str| Recipient {
            name: name.into(),
            address: address.into(),
        };
        let msg = MailMessage {
            to: vec![r("Maria \"M\" Walsh", "maria@northwind.example")],
            cc: vec![r("", "buyer@northwind.example")],
            ..Default::default()
        };
        assert_eq!(
            recipients_json(&msg),
            r#"[{"address":"maria@northwind.example","kind":"to","name":"Maria \"M\" Walsh"},{"address":"buyer@northwind.example","kind":"cc","name":""}]"#
        );
        assert_eq!(recipients_json(&MailMessage::default()), "[]");
    }

    fn now() -> DateTime<Utc> {
        "2024-05-01T12:00:00Z".parse().unwrap()
    }

    fn dir() -> Directory {
        Directory::new(
            vec![Salesperson {
                code: "AH".into(),
                name: "Annette".into(),
                email: "annette@contoso.example".into(),
            }],
            vec![Contact {
                no: "C1".into(),
                name: "Alex".into(),
                company: "Fabrikam".into(),
                email: "alex@fabrikam.example".into(),
                alt_emails: vec![],
            }],
        )
    }

    fn settings(unmatched: Unmatched) -> RunSettings {
        RunSettings {
            batch_size: 50,
            run_limit: 5000,
            unmatched,
            store_body: true,
            max_attempts: 3,
            retain_bodies_days: 0,
        }
    }

    fn msg(id: &str, imid: &str, from: &str) -> MailMessage {
        MailMessage {
            mailbox_id: id.into(),
            internet_message_id: imid.into(),
            subject: format!("subject {id}"),
            sender: Some(Recipient {
                name: String::new(),
                address: from.into(),
            }),
            to: vec![Recipient {
                name: String::new(),
                address: "annette@contoso.example".into(),
            }],
            received_at: Some(now()),
            ..Default::default()
        }
    }

    const ALEX: &str = "alex@fabrikam.example";
    const STRANGER: &str = "who@else.example";

    fn known() -> Known {
        Known::default()
    }

    /// What a page plan says, in short: (id, action, logged?, skip reason).
    fn summary(plan: &PagePlan) -> Vec<(String, String)> {
        plan.moves
            .iter()
            .map(|m| {
                let what = match (m.moving, m.action) {
                    (Moving::Logged { earlier: false }, a) => format!("log→{a:?}"),
                    (Moving::Logged { earlier: true }, a) => format!("earlier→{a:?}"),
                    (Moving::Skipped { done }, a) => format!("skip({done:?})→{a:?}"),
                };
                let q = if m.quarantine { " quarantine" } else { "" };
                (m.id.clone(), format!("{what}{q}"))
            })
            .collect()
    }

    fn plan(
        items: Vec<(Result<MailMessage, BadMessage>, Known)>,
        unmatched: Unmatched,
    ) -> PagePlan {
        let (d, rules, s) = (dir(), Rules::default(), settings(unmatched));
        let inputs = PlanInputs {
            directory: &d,
            rules: &rules,
            settings: &s,
            account: "job@contoso.example",
            now: now(),
        };
        plan_page(items, &inputs, &mut RunMemory::default())
    }

    #[test]
    fn a_message_older_than_the_bodies_retention_is_logged_without_its_body() {
        let (d, rules) = (dir(), Rules::default());
        let days_ago = |n: i64| Some(now() - chrono::Duration::days(n));
        // (bodies kept days, received, sent, body kept)
        let cases = [
            (0, days_ago(4000), None, true),
            (30, days_ago(29), None, true),
            (30, days_ago(31), None, false),
            (30, None, days_ago(31), false),
            (30, None, None, true),
        ];
        for (days, received, sent, kept) in cases {
            let s = RunSettings {
                retain_bodies_days: days,
                ..settings(Unmatched::SkipFolder)
            };
            let inputs = PlanInputs {
                directory: &d,
                rules: &rules,
                settings: &s,
                account: "job@contoso.example",
                now: now(),
            };
            let m = MailMessage {
                received_at: received,
                sent_at: sent,
                body_text: "the body".into(),
                attachments: vec![crate::domain::Attachment::default()],
                ..msg("a", "<a@x>", ALEX)
            };
            let (subject, body, attachments) = kept_of(&m, &[], &inputs);
            assert_eq!(subject, "subject a");
            assert_eq!(
                (body.is_some(), attachments.len()),
                (kept, usize::from(kept)),
                "{days} {received:?} {sent:?}"
            );
        }
    }

    fn one(id: &str, outcome: &str) -> (String, String) {
        (id.to_string(), outcome.to_string())
    }

    type Page = Vec<(Result<MailMessage, BadMessage>, Known)>;
    type Case = (&'static str, Page, Unmatched, Vec<(String, String)>);

    #[test]
    fn pages_are_planned_by_what_the_store_knows_and_what_came_before_on_the_page() {
        let left = Known {
            skipped: Some((Disposition::Left, "no_match".into())),
            ..known()
        };
        let cases: Vec<Case> = vec![
            (
                "two copies on one page: the first is logged, the second goes to Archive as a copy",
                vec![
                    (Ok(msg("a", "<x@y>", ALEX)), known()),
                    (Ok(msg("b", "<x@y>", ALEX)), known()),
                ],
                Unmatched::SkipFolder,
                vec![
                    one("a", "log→To(Archive)"),
                    one("b", "skip(Archived)→To(Archive)"),
                ],
            ),
            (
                "a copy of an email logged by an earlier run",
                vec![(
                    Ok(msg("b", "<x@y>", ALEX)),
                    Known {
                        copy_logged: true,
                        ..known()
                    },
                )],
                Unmatched::SkipFolder,
                vec![one("b", "skip(Archived)→To(Archive)")],
            ),
            (
                "two messages without internetMessageId are told apart by mailbox id",
                vec![
                    (Ok(msg("a", "", ALEX)), known()),
                    (Ok(msg("b", "", ALEX)), known()),
                ],
                Unmatched::SkipFolder,
                vec![one("a", "log→To(Archive)"), one("b", "log→To(Archive)")],
            ),
            (
                "the same message twice on a page is dealt with once",
                vec![
                    (Ok(msg("a", "<x@y>", ALEX)), known()),
                    (Ok(msg("a", "<x@y>", ALEX)), known()),
                ],
                Unmatched::SkipFolder,
                vec![one("a", "log→To(Archive)")],
            ),
            (
                "logged before, still in the Inbox (a crash between commit and move): only moved",
                vec![(
                    Ok(msg("a", "<x@y>", ALEX)),
                    Known {
                        logged: Some(Location::Inbox),
                        copy_logged: true,
                        ..known()
                    },
                )],
                Unmatched::SkipFolder,
                vec![one("a", "earlier→To(Archive)")],
            ),
            (
                "a logged message whose moves failed max times is quarantined in Skipped",
                vec![(
                    Ok(msg("a", "<x@y>", ALEX)),
                    Known {
                        logged: Some(Location::Inbox),
                        attempts: 3,
                        ..known()
                    },
                )],
                Unmatched::SkipFolder,
                vec![one("a", "earlier→To(Skipped) quarantine")],
            ),
            (
                "a message left in the Inbox costs nothing",
                vec![(Ok(msg("a", "<x@y>", STRANGER)), left.clone())],
                Unmatched::Leave,
                vec![],
            ),
            (
                "a stuck message is never read again",
                vec![(
                    Ok(msg("a", "<x@y>", ALEX)),
                    Known {
                        stuck: true,
                        ..known()
                    },
                )],
                Unmatched::SkipFolder,
                vec![],
            ),
            (
                "unmatched mail is moved, deleted or left as set",
                vec![(Ok(msg("a", "<1@y>", STRANGER)), known())],
                Unmatched::Delete,
                vec![one("a", "skip(Deleted)→Delete")],
            ),
            (
                "a skipped message moved back into the Inbox is classified anew",
                vec![(
                    Ok(msg("a", "<x@y>", ALEX)),
                    Known {
                        skipped: Some((Disposition::Moved, "no_match".into())),
                        ..known()
                    },
                )],
                Unmatched::SkipFolder,
                vec![one("a", "log→To(Archive)")],
            ),
            (
                "an unreadable message under max attempts is recorded, not moved",
                vec![(
                    Err(BadMessage {
                        mailbox_id: "a".into(),
                        error: "bad JSON".into(),
                        permanent: false,
                    }),
                    Known {
                        attempts: 1,
                        ..known()
                    },
                )],
                Unmatched::SkipFolder,
                vec![],
            ),
            (
                "a message with no header section is quarantined at once, not retried",
                vec![(
                    Err(BadMessage {
                        mailbox_id: "a".into(),
                        error: "the message has no headers".into(),
                        permanent: true,
                    }),
                    known(),
                )],
                Unmatched::SkipFolder,
                vec![one("a", "skip(Moved)→To(Skipped) quarantine")],
            ),
            (
                "an unreadable message at max attempts is quarantined",
                vec![(
                    Err(BadMessage {
                        mailbox_id: "a".into(),
                        error: "bad JSON".into(),
                        permanent: false,
                    }),
                    Known {
                        attempts: 2,
                        ..known()
                    },
                )],
                Unmatched::SkipFolder,
                vec![one("a", "skip(Moved)→To(Skipped) quarantine")],
            ),
        ];
        for (name, items, unmatched, want) in cases {
            let p = plan(items, unmatched);
            assert_eq!(summary(&p), want, "{name}");
        }
    }

    #[test]
    fn copies_on_one_page_commit_one_logged_message_and_a_copy_record() {
        let p = plan(
            vec![
                (Ok(msg("a", "<x@y>", ALEX)), known()),
                (Ok(msg("b", " <x@y> ", ALEX)), known()),
                (Ok(msg("c", "<x@y>", ALEX)), known()),
            ],
            Unmatched::SkipFolder,
        );
        assert_eq!(p.commit.logged.len(), 1);
        let reasons: Vec<_> = p.commit.skipped.iter().map(|s| s.reason.as_str()).collect();
        assert_eq!(reasons, ["already_logged", "already_logged"]);
        assert_eq!(
            (p.counts.read, p.counts.logged, p.counts.skipped),
            (3, 1, 2)
        );
    }

    #[test]
    fn unfinished_work_is_retried_then_quarantined() {
        let s = settings(Unmatched::SkipFolder);
        let u = |work: Work, attempts| Unfinished {
            mailbox_id: "m".into(),
            work,
            attempts,
            last_error: "503".into(),
        };
        let retry = |x: Unfinished| plan_retry(&x, &s, &mut RunMemory::default());
        let cases = vec![
            (
                "logged, move failed once: move again",
                u(Work::Archive, 1),
                "To(Archive)",
            ),
            (
                "logged, out of attempts: to Skipped",
                u(Work::Archive, 3),
                "To(Skipped) quarantine",
            ),
            (
                "a copy record: to Archive",
                u(
                    Work::Skip {
                        reason: "already_logged".into(),
                    },
                    0,
                ),
                "To(Archive)",
            ),
            (
                "no match: to Skipped",
                u(
                    Work::Skip {
                        reason: "no_match".into(),
                    },
                    2,
                ),
                "To(Skipped)",
            ),
            (
                "unreadable, attempts left: read again",
                u(Work::Read, 1),
                "fetch",
            ),
            (
                "unreadable, out of attempts: quarantine",
                u(Work::Read, 3),
                "quarantine",
            ),
        ];
        for (name, item, want) in cases {
            let got = match retry(item) {
                Some(Retry::Move(m)) => {
                    format!(
                        "{:?}{}",
                        m.action,
                        if m.quarantine { " quarantine" } else { "" }
                    )
                }
                Some(Retry::Fetch { .. }) => "fetch".into(),
                Some(Retry::Quarantine { .. }) => "quarantine".into(),
                None => "nothing".into(),
            };
            assert_eq!(got, want, "{name}");
        }
        let mut memory = RunMemory::default();
        let item = u(Work::Archive, 0);
        assert!(plan_retry(&item, &s, &mut memory).is_some());
        assert!(plan_retry(&item, &s, &mut memory).is_none(), "once per run");
    }

    #[test]
    fn move_outcomes_tell_the_message_from_the_folder_and_the_service() {
        let mv = |action, moving, quarantine| PlannedMove {
            id: "m".into(),
            action,
            moving,
            attempts: 0,
            quarantine,
        };
        let logged = Moving::Logged { earlier: false };
        let skipped = Moving::Skipped {
            done: Disposition::Moved,
        };
        let archive = MoveAction::To(Folder::Archive);
        let to_skipped = MoveAction::To(Folder::Skipped);
        let missing = |folder| MailError::FolderMissing {
            folder,
            detail: "404".into(),
        };
        let cases: Vec<(&str, PlannedMove, Result<Moved, MailError>, &str)> = vec![
            (
                "moved to Archive",
                mv(archive, logged, false),
                Ok(Moved::default()),
                "Archived",
            ),
            (
                "the message is gone",
                mv(archive, logged, false),
                Err(MailError::Gone("404".into())),
                "Relocated(Gone)",
            ),
            (
                "a skipped message is gone",
                mv(to_skipped, skipped, false),
                Err(MailError::Gone("404".into())),
                "Disposition(Gone)",
            ),
            (
                "Archive is missing: never marked archived, the run stops",
                mv(archive, logged, false),
                Err(missing(Folder::Archive)),
                "StopRun",
            ),
            (
                "a refused sign-in stops the run",
                mv(archive, logged, false),
                Err(MailError::Auth("401".into())),
                "StopRun",
            ),
            (
                "a 5xx counts against the message",
                mv(archive, logged, false),
                Err(MailError::Transient("503".into())),
                "Failed",
            ),
            (
                "the quarantine move failing makes it stuck",
                mv(to_skipped, logged, true),
                Err(MailError::Transient("503".into())),
                "Stuck",
            ),
            (
                "quarantined logged message",
                mv(to_skipped, logged, true),
                Ok(Moved::default()),
                "Relocated(Skipped)",
            ),
        ];
        for (name, m, r, want) in cases {
            let got = format!("{:?}", after_move(&m, r));
            assert!(got.starts_with(want), "{name}: {got}");
        }
    }

    #[test]
    fn a_refused_read_position_starts_the_pass_again_only_when_it_was_kept() {
        let cases = [
            (MailError::CursorExpired("410".into()), false, true),
            (MailError::CursorExpired("410".into()), true, true),
            (MailError::Permanent("400 bad token".into()), true, true),
            (MailError::NotFound("404".into()), true, true),
            (MailError::Permanent("400".into()), false, false),
            (MailError::Transient("503".into()), true, false),
            (MailError::Auth("401".into()), true, false),
        ];
        for (e, stored, want) in cases {
            assert_eq!(
                read_again_from_start(&e, stored),
                want,
                "{e:?} stored={stored}"
            );
        }
    }

    #[test]
    fn the_loop_over_pages_is_bounded() {
        let mut g = LinkGuard::new(3);
        assert!(g.next("https://g/next?1").is_ok());
        let again = g.next("https://g/next?1").unwrap_err();
        assert!(again.contains("same next link twice"), "{again}");
        let mut g = LinkGuard::new(2);
        assert!(g.next("https://g/a").is_ok() && g.next("https://g/b").is_ok());
        let many = g.next("https://g/c").unwrap_err();
        assert!(many.contains("more than 2 pages"), "{many}");
    }

    #[test]
    fn an_outage_is_every_move_failing_with_a_retryable_error() {
        let mv = |action| PlannedMove {
            id: "m".into(),
            action,
            moving: Moving::Logged { earlier: false },
            attempts: 0,
            quarantine: false,
        };
        let t = || Err(MailError::Transient("503".into()));
        let archive = MoveAction::To(Folder::Archive);
        assert!(looks_like_outage(&[(mv(archive), t()), (mv(archive), t())]));
        assert!(!looks_like_outage(&[
            (mv(archive), t()),
            (mv(archive), Ok(Moved::default()))
        ]));
        assert!(!looks_like_outage(&[(
            mv(archive),
            Err(MailError::Gone("x".into()))
        )]));
        assert!(!looks_like_outage(&[(
            mv(MoveAction::Leave),
            Ok(Moved::default())
        )]));
        assert!(!looks_like_outage(&[]));
    }
}
