//! The audit trail's chain: each row carries the SHA-256 of the row before
//! it and of its own content, so a row changed, deleted or moved breaks
//! the chain where it happened. Whoever can write the database can still
//! rewrite every row after the one they changed; a head kept elsewhere
//! (`audit verify` prints it, `--anchor` checks it) catches that too.
//! Pruning old rows records, in a row of its own, the hash the first
//! remaining row must point back to.

use sha2::{Digest, Sha256};

/// What the first row points back to.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The action a prune records; its detail names the last row it removed.
pub const PRUNED: &str = "audit_pruned";

/// One row as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRow {
    pub seq: i64,
    /// When, as stored (RFC 3339, UTC): hashed as the text it is.
    pub at: String,
    pub who: String,
    pub action: String,
    /// What it was done to, where that is one thing ("message 42"): the
    /// message view counts who opened a message by it. Empty otherwise.
    pub target: String,
    /// A JSON object: what was done, with its counts.
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The hash of a row's content and the row before it, as lowercase hex.
/// Fields are joined by newlines; none can hold one (names are one line,
/// `detail` is JSON, whose newlines are escaped), so no two rows hash the
/// same text.
pub fn row_hash(
    prev_hash: &str,
    seq: i64,
    at: &str,
    who: &str,
    action: &str,
    target: &str,
    detail: &str,
) -> String {
    let text = format!("{prev_hash}\n{seq}\n{at}\n{who}\n{action}\n{target}\n{detail}");
    hex(&Sha256::digest(text.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What `verify` found wrong, each at the row where it shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// The row's content no longer gives its hash: changed, or moved to
    /// another place in the order.
    Changed { seq: i64 },
    /// The row does not point back to the row before it: rows between
    /// them were deleted (or this one was put in from elsewhere).
    Missing { after: i64, at: i64 },
    /// Rows before the first are gone with no prune that records them.
    HeadMissing { first: i64 },
    /// The row the anchor names is gone or has another hash now.
    Anchor { seq: i64 },
}

impl Finding {
    pub fn describe(&self) -> String {
        match self {
            Finding::Changed { seq } => {
                format!("row #{seq} was changed (its content no longer gives its hash) or moved")
            }
            Finding::Missing { after, at } => format!(
                "rows between #{after} and #{at} are missing, or #{at} was put in (it does not point back to #{after})"
            ),
            Finding::HeadMissing { first } => {
                format!("the rows before #{first} are gone and no prune recorded their removal")
            }
            Finding::Anchor { seq } => format!(
                "row #{seq} does not have the hash of the anchor given: the trail was rewritten from there on"
            ),
        }
    }
}

/// Where a prune left the chain: the last row it removed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PruneMark {
    pub through_seq: i64,
    pub through_hash: String,
    pub rows: u64,
}

/// Checks `rows` (in `seq` order, every row the table holds) against
/// their hashes and each other; `anchor` is a row's `(seq, hash)` kept
/// from an earlier verify. Empty: the trail is intact.
pub fn verify(rows: &[AuditRow], anchor: Option<(i64, &str)>) -> Vec<Finding> {
    let mut v = Verifier::new(anchor.map(|(s, h)| (s, h.to_string())));
    rows.iter().for_each(|r| v.push(r));
    v.finish()
}

/// [`verify`] a row at a time, so a long trail is checked as it is read.
#[derive(Debug, Default)]
pub struct Verifier {
    anchor: Option<(i64, String)>,
    anchor_seen: bool,
    first: Option<(i64, String)>,
    last: Option<(i64, String)>,
    marks: Vec<PruneMark>,
    found: Vec<Finding>,
    pub rows: u64,
}

impl Verifier {
    pub fn new(anchor: Option<(i64, String)>) -> Self {
        Self {
            anchor,
            ..Self::default()
        }
    }

    pub fn push(&mut self, r: &AuditRow) {
        self.rows += 1;
        if row_hash(
            &r.prev_hash,
            r.seq,
            &r.at,
            &r.who,
            &r.action,
            &r.target,
            &r.detail,
        ) != r.hash
        {
            self.found.push(Finding::Changed { seq: r.seq });
        }
        match &self.last {
            Some((seq, hash)) => {
                if r.prev_hash != *hash || r.seq != seq + 1 {
                    self.found.push(Finding::Missing {
                        after: *seq,
                        at: r.seq,
                    });
                }
            }
            None => self.first = Some((r.seq, r.prev_hash.clone())),
        }
        if r.action == PRUNED
            && let Ok(m) = serde_json::from_str::<PruneMark>(&r.detail)
        {
            self.marks.push(m);
        }
        if self
            .anchor
            .as_ref()
            .is_some_and(|(s, h)| *s == r.seq && *h == r.hash)
        {
            self.anchor_seen = true;
        }
        self.last = Some((r.seq, r.hash.clone()));
    }

    /// The last row's number and hash: the head to keep as an anchor.
    pub fn head(&self) -> Option<&(i64, String)> {
        self.last.as_ref()
    }

    pub fn finish(mut self) -> Vec<Finding> {
        // The first row starts the chain, or a recorded prune removed
        // exactly the rows before it.
        let pruned_to = self.first.as_ref().filter(|(seq, prev)| {
            self.marks
                .iter()
                .any(|m| m.through_seq + 1 == *seq && m.through_hash == *prev)
        });
        if let Some((seq, prev)) = &self.first
            && !(*seq == 1 && prev == GENESIS)
            && pruned_to.is_none()
        {
            self.found.insert(0, Finding::HeadMissing { first: *seq });
        }
        if let Some((seq, _)) = &self.anchor {
            // An anchor before the first row is fine when a prune removed it.
            let before_prune = pruned_to.is_some_and(|(first, _)| seq < first);
            if !self.anchor_seen && !before_prune {
                self.found.push(Finding::Anchor { seq: *seq });
            }
        }
        self.found
    }
}

/// How many of `rows` (in `seq` order) a prune of rows older than
/// `cutoff` removes: the oldest ones up to the first that is not older,
/// so the trail stays one unbroken run. Times compare as the RFC 3339
/// UTC text they are stored as.
pub fn prunable(rows: &[(i64, String)], cutoff: &str) -> usize {
    rows.iter()
        .take_while(|(_, at)| at.as_str() < cutoff)
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<AuditRow> {
        let mut rows: Vec<AuditRow> = Vec::new();
        for seq in 1..=n {
            let prev = rows.last().map_or(GENESIS.to_string(), |r| r.hash.clone());
            let at = format!("2026-11-{:02}T10:00:00.000Z", seq);
            let detail = format!("{{\"n\":{seq}}}");
            rows.push(AuditRow {
                hash: row_hash(&prev, seq, &at, "kari", "export", "", &detail),
                seq,
                at,
                who: "kari".into(),
                action: "export".into(),
                target: String::new(),
                detail,
                prev_hash: prev,
            });
        }
        rows
    }

    #[test]
    fn an_untouched_chain_verifies() {
        assert_eq!(verify(&chain(5), None), vec![]);
        assert_eq!(verify(&[], None), vec![]);
        let rows = chain(5);
        assert_eq!(verify(&rows, Some((3, &rows[2].hash))), vec![]);
    }

    #[test]
    fn each_tampering_is_found_where_it_happened() {
        type Tamper = Box<dyn Fn(&mut Vec<AuditRow>)>;
        let cases: Vec<(&str, Tamper, Vec<Finding>)> = vec![
            (
                "a detail edited",
                Box::new(|r| r[2].detail = "{\"n\":99}".into()),
                vec![Finding::Changed { seq: 3 }],
            ),
            (
                "who edited",
                Box::new(|r| r[1].who = "someone else".into()),
                vec![Finding::Changed { seq: 2 }],
            ),
            (
                "a row deleted",
                Box::new(|r| {
                    r.remove(2);
                }),
                vec![Finding::Missing { after: 2, at: 4 }],
            ),
            (
                "two rows swapped (their numbers traded)",
                Box::new(|r| {
                    r.swap(1, 2);
                    r[1].seq = 2;
                    r[2].seq = 3;
                }),
                vec![
                    Finding::Changed { seq: 2 },
                    Finding::Missing { after: 1, at: 2 },
                    Finding::Changed { seq: 3 },
                    Finding::Missing { after: 2, at: 3 },
                    Finding::Missing { after: 3, at: 4 },
                ],
            ),
            (
                "the first rows deleted with no prune",
                Box::new(|r| {
                    r.drain(0..2);
                }),
                vec![Finding::HeadMissing { first: 3 }],
            ),
            (
                "a row's hash recomputed after an edit",
                Box::new(|r| {
                    let x = &mut r[2];
                    x.detail = "{\"n\":0}".into();
                    x.hash = row_hash(
                        &x.prev_hash,
                        x.seq,
                        &x.at,
                        &x.who,
                        &x.action,
                        &x.target,
                        &x.detail,
                    );
                }),
                vec![Finding::Missing { after: 3, at: 4 }],
            ),
        ];
        for (what, tamper, want) in cases {
            let mut rows = chain(5);
            tamper(&mut rows);
            assert_eq!(verify(&rows, None), want, "{what}");
        }
    }

    #[test]
    fn a_rewritten_tail_is_caught_by_the_anchor_kept() {
        let old = chain(5);
        let anchor = (4, old[3].hash.clone());
        // Every row from #3 on rewritten consistently: the chain alone
        // holds, the anchor does not.
        let mut rows = old[..2].to_vec();
        for seq in 3..=5 {
            let prev = rows.last().unwrap().hash.clone();
            let at = "2026-12-01T00:00:00.000Z".to_string();
            rows.push(AuditRow {
                hash: row_hash(&prev, seq, &at, "x", "export", "", "{}"),
                seq,
                at,
                who: "x".into(),
                action: "export".into(),
                target: String::new(),
                detail: "{}".into(),
                prev_hash: prev,
            });
        }
        assert_eq!(verify(&rows, None), vec![]);
        assert_eq!(
            verify(&rows, Some((anchor.0, &anchor.1))),
            vec![Finding::Anchor { seq: 4 }]
        );
    }

    #[test]
    fn a_recorded_prune_keeps_the_chain_whole() {
        let mut rows = chain(5);
        let mark = PruneMark {
            through_seq: 2,
            through_hash: rows[1].hash.clone(),
            rows: 2,
        };
        let prev = rows[4].hash.clone();
        let detail = serde_json::to_string(&mark).unwrap();
        let at = "2026-12-01T00:00:00.000Z";
        rows.push(AuditRow {
            hash: row_hash(&prev, 6, at, "admin", PRUNED, "", &detail),
            seq: 6,
            at: at.into(),
            who: "admin".into(),
            action: PRUNED.into(),
            target: String::new(),
            detail,
            prev_hash: prev,
        });
        let anchor_before = rows[0].hash.clone();
        rows.drain(0..2);
        assert_eq!(verify(&rows, None), vec![]);
        assert_eq!(verify(&rows, Some((1, &anchor_before))), vec![]);
        // One more row gone than the prune says: found.
        rows.remove(0);
        assert_eq!(verify(&rows, None), vec![Finding::HeadMissing { first: 4 }]);
    }

    #[test]
    fn a_prune_takes_the_oldest_rows_up_to_the_first_newer_one() {
        let rows = |ats: &[&str]| -> Vec<(i64, String)> {
            ats.iter()
                .enumerate()
                .map(|(i, a)| (i as i64 + 1, a.to_string()))
                .collect()
        };
        let cut = "2025-06-01T00:00:00.000Z";
        let cases: &[(&[&str], usize)] = &[
            (&[], 0),
            (&["2025-01-01T00:00:00.000Z", "2025-05-31T23:59:59.999Z"], 2),
            (&["2025-01-01T00:00:00.000Z", "2025-06-01T00:00:00.000Z"], 1),
            // A newer row (a clock set wrong) stops it: no gap in the trail.
            (
                &[
                    "2025-01-01T00:00:00.000Z",
                    "2026-01-01T00:00:00.000Z",
                    "2025-02-01T00:00:00.000Z",
                ],
                1,
            ),
            (&["2026-01-01T00:00:00.000Z"], 0),
        ];
        for (ats, want) in cases {
            assert_eq!(prunable(&rows(ats), cut), *want, "{ats:?}");
        }
    }
}
