//! PostgreSQL has no index hints, so every page query of the log gets a plan
//! test: on 60,000 entries (analysed), each filter's first page and a page
//! after a keyset is read through an index, never with a sequential scan of
//! the entries or a sort of more than a thousand of them; a rare word is
//! looked up in the search index first.

mod common;

use common::postgres::{Postgres, available};
use emaillog::store::db::{Dialect, Value, params};
use emaillog::store::{EntryKey, LogFilter, SearchPlan, Seek, Store, page_query};

#[test]
fn every_page_query_of_the_log_reads_through_its_index() {
    if !available() {
        return;
    }
    let pg = Postgres::start_without_tls();
    let url = pg.database("plans");
    drop(Store::open(std::path::Path::new(&url)).unwrap());
    let db = emaillog::store::testing::connect(std::path::Path::new(&url));
    db.execute_batch(
        "INSERT INTO salespeople (code, name, email)
           SELECT 'S' || g, 'Seller ' || g, 's' || g || '@contoso.example' FROM generate_series(1, 10) g;
         INSERT INTO contacts (no, name, company, email)
           SELECT 'CT' || g, 'Contact ' || g, 'Company ' || (g % 300), 'c' || g || '@x.example' FROM generate_series(1, 3000) g;
         INSERT INTO logged_messages (internet_message_id, mailbox_id, subject, sender, recipients, body, logged_at)
           SELECT '<m' || g || '@x>', 'id' || g,
                  CASE WHEN g % 1000 = 0 THEN 'zeppelin quote ' || g ELSE 'price quote ' || g END,
                  's@x', '[]', 'Hello, the price as agreed.', now() - g * interval '1 minute'
             FROM generate_series(1, 60000) g;
         INSERT INTO interaction_log_entries (contact_no, contact_company, salesperson_code, occurred_at, subject,
                                              direction, initiated_by, logged_message_id)
           SELECT 'CT' || (1 + id % 3000), 'Company ' || ((1 + id % 3000) % 300), 'S' || (1 + id % 10), logged_at, subject,
                  CASE WHEN id % 2 = 0 THEN 'inbound' ELSE 'outbound' END, 'us', id
             FROM logged_messages;
         ANALYZE;",
    )
    .unwrap();
    let key = EntryKey {
        occurred_at: emaillog::store::ts(chrono::Utc::now() - chrono::Duration::days(20)),
        entry_no: 30000,
    };
    let filters: Vec<(&str, LogFilter, Option<SearchPlan>)> = vec![
        ("everything", LogFilter::default(), None),
        (
            "a contact",
            LogFilter {
                contact_no: Some("CT17".into()),
                ..Default::default()
            },
            None,
        ),
        (
            "a company",
            LogFilter {
                company: Some("Company 17".into()),
                ..Default::default()
            },
            None,
        ),
        (
            "a salesperson",
            LogFilter {
                salesperson_code: Some("S3".into()),
                ..Default::default()
            },
            None,
        ),
        (
            "a rare word",
            LogFilter {
                search: emaillog::domain::search::fts_query("zeppelin"),
                ..Default::default()
            },
            Some(SearchPlan::Lookup),
        ),
        (
            "a common word",
            LogFilter {
                search: emaillog::domain::search::fts_query("price"),
                ..Default::default()
            },
            Some(SearchPlan::Walk),
        ),
    ];
    for (what, filter, plan) in &filters {
        for seek in [Seek::Newest, Seek::OlderThan(key.clone())] {
            let (sql, params) = page_query(Dialect::Postgres, filter, *plan, &seek, 50);
            let lines: Vec<String> = db
                .query_map(&format!("EXPLAIN {sql}"), &params[..], |r| r.get(0))
                .unwrap();
            let text = lines.join("\n");
            assert!(
                !text.contains("Seq Scan on interaction_log_entries"),
                "{what} {seek:?}: the entries are scanned whole\n{text}"
            );
            let uses_index = text.contains("Index Scan") || text.contains("Index Only Scan");
            assert!(uses_index, "{what} {seek:?}: no index\n{text}");
            if *plan == Some(SearchPlan::Lookup) {
                assert!(
                    text.contains("Bitmap Index Scan on logged_messages_search"),
                    "{what}: {text}"
                );
            }
            // Never a sort of many matching entries: a page comes in date
            // order off an index, or from the few rows a contact or a rare
            // word has.
            for line in lines.iter().filter(|l| l.contains("Sort  (cost=")) {
                let rows: u64 = line
                    .split("rows=")
                    .nth(1)
                    .and_then(|r| r.split_whitespace().next())
                    .and_then(|n| n.parse().ok())
                    .unwrap();
                assert!(rows <= 1000, "{what} {seek:?}: sorts {rows} rows\n{text}");
            }
            let _: &[Value<'static>] = &params;
        }
    }
    // The plans' rows: the pages are right, too.
    let rows: i64 = db
        .query_row(
            "SELECT count(*) FROM interaction_log_entries",
            params![],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(rows, 60000);
}
