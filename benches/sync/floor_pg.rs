//! `engine_floor_us_per_message_batch_50_postgres`: the floor of
//! `sync/floor.rs` on PostgreSQL. A bare tokio-postgres client on a
//! database with emaillog's schema writes per page of 50, in one
//! transaction, what the engine's page commit must: the previous page's
//! archive update, the page's dedup lookup, its logged messages, their
//! entries, the contacts' day rows and marks, and one notification (the
//! marks taken off every 1,000 messages as by the engine's refresh) — each
//! kind of row as one statement over arrays (`unnest`), typed and unnamed
//! (one round trip, planned for its values), as the engine's PostgreSQL
//! statements go. No planning, no search, no conversations, no
//! lease fence.
//!
//! Printed beside SQLite's floor from the same run, so the ratio the
//! PostgreSQL target asks of the engine (at most 2× SQLite) can be told
//! apart from what the two databases' own writes cost: if the floors are
//! already further apart than that, no engine code closes the gap.

use std::path::Path;
use std::time::Instant;

use tokio_postgres::types::Type;

/// The previous page's archive update, in each page's transaction and
/// once more after the last page, as the engine's run ends with.
const ARCHIVE: &str =
    "UPDATE logged_messages SET archived = 1, location = 'archive' WHERE id = ANY($1)";

/// The marks taken off, as the engine's refresh of the contacts'
/// conversations does every 1,000 messages and after the run (see
/// `sync/floor.rs`).
async fn unmark(client: &tokio_postgres::Client) {
    client
        .query_typed("DELETE FROM signals_dirty", &[])
        .await
        .unwrap();
}

/// µs per message for one drain of `n` messages at `batch` over
/// `n_contacts` contacts into the PostgreSQL database at `url`, spread
/// over them as `engine_once` spreads its messages.
pub async fn floor_once(url: &str, n_contacts: usize, n: usize, batch: usize) -> f64 {
    drop(super::seeded_store(Path::new(url), n_contacts));
    let (mut client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    let task = tokio::spawn(connection);
    let at = chrono::Utc::now();
    let day = at.format("%Y-%m-%d").to_string();
    let t = Instant::now();
    let mut archive_next: Vec<i64> = Vec::new();
    let contact_of = |i: usize| (i * 7919) % n_contacts;
    for page in 0..n.div_ceil(batch) {
        let range = page * batch..((page + 1) * batch).min(n);
        let ids: Vec<String> = range.clone().map(|i| format!("id-{i}")).collect();
        let internet: Vec<String> = range
            .clone()
            .map(|i| format!("<e-{i}@bench.example>"))
            .collect();
        let subjects: Vec<String> = range.clone().map(|i| format!("Quote {i}")).collect();
        let senders: Vec<String> = range
            .clone()
            .map(|i| {
                let c = contact_of(i);
                format!("contact{c}@company{}.example", c / 10)
            })
            .collect();
        let recipients: Vec<String> = range
            .clone()
            .map(|i| format!("[\"seller{}@contoso.example\"]", i % 10))
            .collect();
        let contacts: Vec<String> = range
            .clone()
            .map(|i| format!("C{:06}", contact_of(i)))
            .collect();
        let companies: Vec<String> = range
            .clone()
            .map(|i| format!("Company {}", contact_of(i) / 10))
            .collect();
        let sellers: Vec<String> = range.clone().map(|i| format!("S{:03}", i % 10)).collect();
        let inbound: Vec<bool> = range.clone().map(|i| i.is_multiple_of(2)).collect();
        let direction: Vec<&str> = inbound
            .iter()
            .map(|&i| if i { "inbound" } else { "outbound" })
            .collect();
        let initiated: Vec<&str> = inbound
            .iter()
            .map(|&i| if i { "them" } else { "us" })
            .collect();
        let ins: Vec<i64> = inbound.iter().map(|&i| i as i64).collect();
        let outs: Vec<i64> = inbound.iter().map(|&i| !i as i64).collect();
        let last_in: Vec<Option<chrono::DateTime<chrono::Utc>>> =
            inbound.iter().map(|&i| i.then_some(at)).collect();
        let last_out: Vec<Option<chrono::DateTime<chrono::Utc>>> =
            inbound.iter().map(|&i| (!i).then_some(at)).collect();

        let tx = client.transaction().await.unwrap();
        tx.query_typed(ARCHIVE, &[(&archive_next, Type::INT8_ARRAY)])
            .await
            .unwrap();
        let known = tx
            .query_typed(
                "SELECT mailbox_id FROM logged_messages WHERE mailbox_no = 1 AND mailbox_id = ANY($1)",
                &[(&ids, Type::TEXT_ARRAY)],
            )
            .await
            .unwrap();
        assert!(known.is_empty());
        let body = "Hello, following up on the quote. Best regards.";
        let made = tx
            .query_typed(
                "INSERT INTO logged_messages (internet_message_id, mailbox_id, subject, sender,
                    recipients, sent_at, received_at, body, logged_at, mailbox_no)
                 SELECT i, m, s, f, r, $6, $6, $7, $6, 1
                   FROM unnest($1, $2, $3, $4, $5) AS u(i, m, s, f, r)
                 RETURNING id",
                &[
                    (&internet, Type::TEXT_ARRAY),
                    (&ids, Type::TEXT_ARRAY),
                    (&subjects, Type::TEXT_ARRAY),
                    (&senders, Type::TEXT_ARRAY),
                    (&recipients, Type::TEXT_ARRAY),
                    (&at, Type::TIMESTAMPTZ),
                    (&body, Type::TEXT),
                ],
            )
            .await
            .unwrap();
        let message_ids: Vec<i64> = made.iter().map(|r| r.get(0)).collect();
        tx.query_typed(
            "INSERT INTO interaction_log_entries (contact_no, contact_company, salesperson_code,
                occurred_at, subject, direction, initiated_by, logged_message_id)
             SELECT c, co, s, $4, su, d, ib, m
               FROM unnest($1, $2, $3, $5, $6, $7, $8) AS u(c, co, s, su, d, ib, m)",
            &[
                (&contacts, Type::TEXT_ARRAY),
                (&companies, Type::TEXT_ARRAY),
                (&sellers, Type::TEXT_ARRAY),
                (&at, Type::TIMESTAMPTZ),
                (&subjects, Type::TEXT_ARRAY),
                (&direction, Type::TEXT_ARRAY),
                (&initiated, Type::TEXT_ARRAY),
                (&message_ids, Type::INT8_ARRAY),
            ],
        )
        .await
        .unwrap();
        tx.query_typed(
            "INSERT INTO contact_days (contact_no, day, inbound, outbound, last_inbound_at, last_outbound_at)
             SELECT c, $2, i, o, li, lo FROM unnest($1, $3, $4, $5, $6) AS u(c, i, o, li, lo)
             ON CONFLICT (contact_no, day) DO UPDATE SET
                inbound = contact_days.inbound + excluded.inbound,
                outbound = contact_days.outbound + excluded.outbound,
                last_inbound_at = GREATEST(contact_days.last_inbound_at, excluded.last_inbound_at),
                last_outbound_at = GREATEST(contact_days.last_outbound_at, excluded.last_outbound_at)",
            &[
                (&contacts, Type::TEXT_ARRAY),
                (&day, Type::TEXT),
                (&ins, Type::INT8_ARRAY),
                (&outs, Type::INT8_ARRAY),
                (&last_in, Type::TIMESTAMPTZ_ARRAY),
                (&last_out, Type::TIMESTAMPTZ_ARRAY),
            ],
        )
        .await
        .unwrap();
        tx.query_typed(
            "INSERT INTO signals_dirty (contact_no) SELECT DISTINCT * FROM unnest($1)
             ON CONFLICT (contact_no) DO NOTHING",
            &[(&contacts, Type::TEXT_ARRAY)],
        )
        .await
        .unwrap();
        tx.query_typed("SELECT pg_notify('emaillog_floor', 'page')", &[])
            .await
            .unwrap();
        tx.commit().await.unwrap();
        archive_next = message_ids;
        if ((page + 1) * batch).is_multiple_of(super::floor::REFRESH_EVERY) {
            unmark(&client).await;
        }
    }
    // The last page's archive update, as the engine's run ends with.
    client
        .query_typed(ARCHIVE, &[(&archive_next, Type::INT8_ARRAY)])
        .await
        .unwrap();
    unmark(&client).await;
    let us = t.elapsed().as_secs_f64() * 1e6 / n as f64;
    drop(client);
    let _ = task.await;
    us
}
