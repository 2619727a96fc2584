//! What a contact's logged messages say about the conversation with them:
//! which messages belong together, who answered whom and how fast, and
//! whether they are still waiting for us. The store keeps these figures up
//! to date as mail is logged; these functions are the definition it is
//! tested against (a recount from the messages themselves).
//!
//! Messages belong to one conversation when they share a conversation id
//! (Graph's `conversationId`; for IMAP the root of `References`, else
//! `In-Reply-To`, else the message's own id), else when the later says it
//! is a reply (its subject starts `RE:`, `SV:`, `AW:` …), its subject has
//! the same key as the conversation's last message (the prefixes
//! stripped), and it came within 30 days of it. A fresh message with an
//! old subject and a conversation id of its own starts a new conversation.

use chrono::{DateTime, Duration, Utc};

use super::Direction;

/// How long a subject alone keeps a conversation together.
pub const SUBJECT_WINDOW_DAYS: i64 = 30;

/// One logged message between us and one contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Said {
    pub at: DateTime<Utc>,
    /// Inbound: they wrote to us; outbound: we wrote to them.
    pub direction: Direction,
    pub conversation_id: String,
    /// [`super::subject::subject_key`] of the subject.
    pub subject_key: String,
    /// [`super::subject::is_reply`] of the subject.
    pub reply: bool,
}

impl Said {
    pub fn new(
        at: DateTime<Utc>,
        direction: Direction,
        conversation_id: &str,
        subject: &str,
    ) -> Said {
        Said {
            at,
            direction,
            conversation_id: conversation_id.to_string(),
            subject_key: super::subject::subject_key(subject),
            reply: super::subject::is_reply(subject),
        }
    }
}

/// Whether `next` continues a conversation whose last message is `last`
/// and whose conversation ids are `ids`.
fn continues(ids: &[&str], last: &Said, next: &Said) -> bool {
    let id = next.conversation_id.as_str();
    if !id.is_empty() && ids.contains(&id) {
        return true;
    }
    next.reply
        && !next.subject_key.is_empty()
        && next.subject_key == last.subject_key
        && next.at >= last.at
        && next.at - last.at <= Duration::days(SUBJECT_WINDOW_DAYS)
}

/// The conversations of one contact's messages, each as the indexes of
/// its messages in time order. `said` must be in time order.
pub fn conversations(said: &[Said]) -> Vec<Vec<usize>> {
    let mut out: Vec<Vec<usize>> = Vec::new();
    // Each conversation's ids so far (one or two, mostly), kept as it grows.
    let mut ids: Vec<Vec<&str>> = Vec::new();
    for (i, s) in said.iter().enumerate() {
        // The conversation this message continues, the latest first (a
        // subject goes on in its latest conversation).
        let found = out
            .iter()
            .zip(&ids)
            .rposition(|(c, ids)| c.last().is_some_and(|&last| continues(ids, &said[last], s)));
        let id = s.conversation_id.as_str();
        match found {
            Some(c) => {
                out[c].push(i);
                if !ids[c].contains(&id) {
                    ids[c].push(id);
                }
            }
            None => {
                out.push(vec![i]);
                ids.push(vec![id]);
            }
        }
    }
    out
}

/// One side's answer to the other: the first message of a run that one
/// side sent (`asked`) and the other side's first message after it
/// (`answered`), as indexes into the messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reply {
    pub asked: usize,
    pub answered: usize,
    /// Who answered: outbound when we did.
    pub by: Direction,
}

/// Every answer in the conversations of `said` (in time order).
pub fn replies(said: &[Said]) -> Vec<Reply> {
    let mut out = Vec::new();
    for c in conversations(said) {
        let mut asked: Option<usize> = None;
        for &i in &c {
            match asked {
                Some(a) if said[a].direction != said[i].direction => {
                    out.push(Reply {
                        asked: a,
                        answered: i,
                        by: said[i].direction,
                    });
                    asked = Some(i);
                }
                Some(_) => {}
                None => asked = Some(i),
            }
        }
    }
    out.sort_by_key(|r| r.answered);
    out
}

/// The conversations of `said` (in time order) whose last word is theirs:
/// the first and the last message of their unanswered run at the end, as
/// indexes, oldest first.
pub fn open_runs(said: &[Said]) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = conversations(said)
        .into_iter()
        .filter_map(|c| {
            let last = *c.last()?;
            if said[last].direction != Direction::Inbound {
                return None;
            }
            // The run of theirs at the end: back to our last message.
            let since = c
                .iter()
                .rev()
                .take_while(|&&i| said[i].direction == Direction::Inbound)
                .last()
                .copied()?;
            Some((since, last))
        })
        .collect();
    out.sort_by_key(|&(since, _)| (said[since].at, since));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use Direction::{Inbound as In, Outbound as Out};

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        use chrono::TimeZone;
        Utc.with_ymd_and_hms(2026, 11, day, hour, 0, 0).unwrap()
    }

    fn said(day: u32, hour: u32, direction: Direction, conv: &str, subject: &str) -> Said {
        Said::new(at(day, hour), direction, conv, subject)
    }

    #[test]
    fn messages_group_by_conversation_id_else_by_subject_within_30_days() {
        use chrono::TimeZone;
        let late = |d: Said| Said {
            at: Utc.with_ymd_and_hms(2027, 1, 2, 10, 0, 0).unwrap(),
            ..d
        };
        for (name, said, groups) in [
            (
                "one id",
                vec![
                    said(2, 9, In, "c1", "Quote"),
                    said(2, 12, Out, "c1", "RE: Quote"),
                ],
                vec![vec![0, 1]],
            ),
            (
                "two ids, two subjects",
                vec![
                    said(2, 9, In, "c1", "Quote"),
                    said(3, 9, In, "c2", "Invoice"),
                ],
                vec![vec![0], vec![1]],
            ),
            (
                "a reply without the id, by subject",
                vec![
                    said(2, 9, In, "c1", "Quote"),
                    said(3, 9, Out, "c9", "SV: Quote"),
                ],
                vec![vec![0, 1]],
            ),
            (
                "the id carries past a new subject",
                vec![
                    said(2, 9, In, "c1", "Quote"),
                    said(3, 9, Out, "c1", "Chairs, new price"),
                ],
                vec![vec![0, 1]],
            ),
            (
                "the same subject after 30 days is a new conversation",
                vec![
                    said(2, 9, In, "c1", "Quote"),
                    late(said(2, 9, Out, "c2", "RE: Quote")),
                ],
                vec![vec![0], vec![1]],
            ),
            (
                "an empty subject joins nothing",
                vec![said(2, 9, In, "c1", ""), said(2, 10, Out, "c2", "RE:")],
                vec![vec![0], vec![1]],
            ),
            (
                "no id, subject only",
                vec![
                    said(2, 9, In, "", "Quote"),
                    said(2, 10, Out, "", "Re: quote"),
                ],
                vec![vec![0, 1]],
            ),
            (
                "a fresh message with an old subject and its own id is new",
                vec![said(2, 9, In, "c1", "Quote"), said(3, 9, In, "c2", "Quote")],
                vec![vec![0], vec![1]],
            ),
            (
                "a subject goes on in its latest conversation",
                vec![
                    said(2, 9, In, "c1", "Quote"),
                    said(2, 10, In, "c2", "Quote"),
                    said(2, 11, Out, "c3", "RE: Quote"),
                ],
                vec![vec![0], vec![1, 2]],
            ),
        ] {
            assert_eq!(conversations(&said), groups, "{name}");
        }
    }

    #[test]
    fn an_answer_is_the_other_sides_first_message_after_a_run() {
        let s = vec![
            said(2, 9, In, "c1", "Quote"),
            said(2, 10, In, "c1", "RE: Quote"),
            said(2, 13, Out, "c1", "RE: Quote"),
            said(2, 14, Out, "c1", "RE: Quote"),
            said(3, 9, In, "c1", "RE: Quote"),
            said(3, 10, In, "c2", "Other"),
        ];
        assert_eq!(
            replies(&s),
            vec![
                // Our answer counts from their first unanswered message.
                Reply {
                    asked: 0,
                    answered: 2,
                    by: Out
                },
                // Theirs from our first.
                Reply {
                    asked: 2,
                    answered: 4,
                    by: In
                },
            ]
        );
        assert!(replies(&[]).is_empty());
        assert!(replies(&[said(2, 9, Out, "c1", "Hello")]).is_empty());
    }

    #[test]
    fn a_conversation_waits_for_us_while_their_message_is_the_last() {
        let week = super::super::work_week::WorkWeek::default();
        for (name, s, waiting) in [
            ("nothing said", vec![], vec![]),
            (
                "we wrote last",
                vec![said(2, 9, In, "c1", "Q"), said(2, 10, Out, "c1", "Q")],
                vec![],
            ),
            ("they wrote last", vec![said(2, 9, In, "c1", "Q")], vec![0]),
            (
                "from their first unanswered message",
                vec![
                    said(2, 9, In, "c1", "Q"),
                    said(2, 10, Out, "c1", "Q"),
                    said(3, 9, In, "c1", "Q"),
                    said(3, 10, In, "c1", "Q"),
                ],
                vec![2],
            ),
            (
                "an answer in another conversation answers nothing",
                vec![
                    said(2, 9, In, "c1", "Quote"),
                    said(2, 10, Out, "c2", "Invoice"),
                ],
                vec![0],
            ),
            (
                "oldest first",
                vec![
                    said(2, 9, In, "c1", "A"),
                    said(3, 9, In, "c2", "B"),
                    said(4, 9, Out, "c1", "A"),
                ],
                vec![1],
            ),
            (
                "two waiting, oldest first",
                vec![said(3, 9, In, "c2", "B"), said(4, 9, In, "c1", "A")],
                vec![0, 1],
            ),
        ] {
            let got: Vec<usize> = open_runs(&s).iter().map(|w| w.0).collect();
            assert_eq!(got, waiting, "{name}");
        }
        // Due two working days later (Wednesday 2 December, same time).
        let s = [said(30, 9, In, "c1", "Q")];
        let due_at = week.due_at(s[open_runs(&s)[0].0].at, 2);
        assert_eq!(due_at, week.due_at(at(30, 9), 2));
        assert_eq!(due_at.to_rfc3339(), "2026-12-02T09:00:00+00:00");
    }
}
