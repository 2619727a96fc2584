//! `engine_floor_us_per_message_batch_50`: what the rows the engine must
//! write for a message cost on this machine with no engine at all. A bare
//! rusqlite client, on a database with emaillog's schema and pragmas
//! (write-ahead log, `synchronous=FULL`, the same checkpoint size and page
//! cache, foreign keys on), writes per message its dedup lookup, its
//! logged message, its entry, its contact's day row and its mark, and per
//! page the previous page's archive update, in one durable transaction a
//! page of 50 — as the engine's page commit does — and takes the marks off
//! every 1,000 messages as the engine's refresh does. No search index, no
//! follow-ups, no conversations, no planning: a floor, not a rival.
//!
//! Printed beside the engine's figure in the same run, so that a figure
//! taken on a slower day (disk syncs and CPU on these shared machines vary
//! by 1.5–2× between days) can be told from a slower engine: the engine's
//! ratio to the floor is what the code decides.
//!
//! The floor is also taken without each of the three writes that land at a
//! random place in their B-tree for every message (the contact's mark, its
//! day row, the entries' index by company), and without all three: what
//! each costs on the day's disk, for deciding what the page commit must
//! hold.

use std::path::Path;
use std::time::Instant;

/// The previous page's archive update, in each page's transaction and
/// once more after the last page, as the engine's run ends with.
const ARCHIVE: &str = "UPDATE logged_messages SET archived = 1, location = 'archive' WHERE id = ?1";

/// Which of the writes that land at a random place the floor leaves out.
#[derive(Debug, Clone, Copy, Default)]
pub struct Without {
    pub marks: bool,
    pub day_rows: bool,
    pub company_index: bool,
}

impl Without {
    /// The variants printed, each with the suffix of its figure's name.
    pub const VARIANTS: [(&'static str, Without); 4] = [
        (
            "without_marks",
            Without {
                marks: true,
                day_rows: false,
                company_index: false,
            },
        ),
        (
            "without_day_rows",
            Without {
                marks: false,
                day_rows: true,
                company_index: false,
            },
        ),
        (
            "without_company_index",
            Without {
                marks: false,
                day_rows: false,
                company_index: true,
            },
        ),
        (
            "without_all_three",
            Without {
                marks: true,
                day_rows: true,
                company_index: true,
            },
        ),
    ];
}

/// µs per message for one drain of `n` messages at `batch` over
/// `n_contacts` contacts, spread over them as `engine_once` spreads its
/// messages, leaving out what `without` says.
pub fn floor_once(db: &Path, n_contacts: usize, n: usize, batch: usize, without: Without) -> f64 {
    drop(super::seeded_store(db, n_contacts));
    let mut conn = rusqlite::Connection::open(db).unwrap();
    if without.company_index {
        conn.execute_batch("DROP INDEX entries_by_company").unwrap();
    }
    conn.execute_batch(
        "PRAGMA synchronous = FULL; PRAGMA wal_autocheckpoint = 8000;
         PRAGMA cache_size = -16000; PRAGMA foreign_keys = ON;",
    )
    .unwrap();
    let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let day = at[..10].to_string();
    let t = Instant::now();
    let mut archive_next: Vec<i64> = Vec::new();
    for page in 0..n.div_ceil(batch) {
        let tx = conn.transaction().unwrap();
        {
            let mut archive = tx.prepare_cached(ARCHIVE).unwrap();
            for id in archive_next.drain(..) {
                archive.execute([id]).unwrap();
            }
            let mut known = tx
                .prepare_cached(
                    "SELECT location FROM logged_messages WHERE mailbox_no = 1 AND mailbox_id = ?1",
                )
                .unwrap();
            let mut message = tx
                .prepare_cached(
                    "INSERT INTO logged_messages (internet_message_id, mailbox_id, subject, sender,
                        recipients, sent_at, received_at, body, logged_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, ?6)",
                )
                .unwrap();
            let mut entry = tx
                .prepare_cached(
                    "INSERT INTO interaction_log_entries (contact_no, contact_company,
                        salesperson_code, occurred_at, subject, direction, initiated_by,
                        logged_message_id)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )
                .unwrap();
            let mut days = tx
                .prepare_cached(
                    "INSERT INTO contact_days (contact_no, day, inbound, outbound,
                        last_inbound_at, last_outbound_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                     ON CONFLICT (contact_no, day) DO UPDATE SET
                        inbound = contact_days.inbound + excluded.inbound,
                        outbound = contact_days.outbound + excluded.outbound,
                        last_inbound_at = coalesce(max(contact_days.last_inbound_at, excluded.last_inbound_at), contact_days.last_inbound_at, excluded.last_inbound_at),
                        last_outbound_at = coalesce(max(contact_days.last_outbound_at, excluded.last_outbound_at), contact_days.last_outbound_at, excluded.last_outbound_at)",
                )
                .unwrap();
            let mut mark = tx
                .prepare_cached("INSERT OR IGNORE INTO signals_dirty (contact_no) VALUES (?1)")
                .unwrap();
            for i in page * batch..((page + 1) * batch).min(n) {
                let c = (i * 7919) % n_contacts;
                let (contact, company) = (format!("C{c:06}"), format!("Company {}", c / 10));
                let inbound = i.is_multiple_of(2);
                let mailbox_id = format!("id-{i}");
                let subject = format!("Quote {i}");
                assert!(!known.exists([&mailbox_id]).unwrap());
                message
                    .execute(rusqlite::params![
                        format!("<e-{i}@bench.example>"),
                        mailbox_id,
                        subject,
                        format!("contact{c}@company{}.example", c / 10),
                        format!("[\"seller{}@contoso.example\"]", i % 10),
                        at,
                        "Hello, following up on the quote. Best regards.",
                    ])
                    .unwrap();
                let id = tx.last_insert_rowid();
                entry
                    .execute(rusqlite::params![
                        contact,
                        company,
                        format!("S{:03}", i % 10),
                        at,
                        subject,
                        if inbound { "inbound" } else { "outbound" },
                        if inbound { "them" } else { "us" },
                        id,
                    ])
                    .unwrap();
                let (last_in, last_out) = if inbound {
                    (Some(&at), None)
                } else {
                    (None, Some(&at))
                };
                if !without.day_rows {
                    days.execute(rusqlite::params![
                        contact,
                        day,
                        inbound as i64,
                        !inbound as i64,
                        last_in,
                        last_out,
                    ])
                    .unwrap();
                }
                if !without.marks {
                    mark.execute([&contact]).unwrap();
                }
                archive_next.push(id);
            }
        }
        tx.commit().unwrap();
        if !without.marks && ((page + 1) * batch).is_multiple_of(REFRESH_EVERY) {
            unmark(&conn);
        }
    }
    // The last page's archive update, as the engine's run ends with.
    let tx = conn.transaction().unwrap();
    for id in archive_next {
        tx.execute(ARCHIVE, [id]).unwrap();
    }
    tx.commit().unwrap();
    if !without.marks {
        unmark(&conn);
    }
    t.elapsed().as_secs_f64() * 1e6 / n as f64
}

/// Messages between the engine's refreshes of the contacts' conversations
/// (`engine::run`, with its search index batch), each of which empties the
/// marks: the marks table stays as small as the marks since the last one.
pub const REFRESH_EVERY: usize = 1000;

/// The marks taken off, as the engine's refresh does once it has worked
/// the contacts out (its transaction does not wait for the disk).
fn unmark(conn: &rusqlite::Connection) {
    conn.execute_batch(
        "PRAGMA synchronous = NORMAL; DELETE FROM signals_dirty; PRAGMA synchronous = FULL;",
    )
    .unwrap();
}
