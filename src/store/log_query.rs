//! Reading the interaction log a window at a time, at any size of log.
//!
//! Keyset paging: a page starts after the (date, entry number) of the row
//! where the last one ended, on the index that serves the filter (`INDEXED
//! BY`, so the plan never depends on the planner's guess), and never with
//! `OFFSET`, which would read and throw away every row before the page.
//! Full-text search has two plans: a word found in few messages is looked up
//! in the FTS index and its entries sorted by date; a word found in many is
//! checked row by row while walking the date index, which reaches a page of
//! hits after a few hundred rows. Either way results stay in date order.
//! PostgreSQL has no index hints: there the lookup plan is a materialised
//! CTE of the search index's hits, and the walk a filter on the joined
//! message's tsvector.

use super::db::{Dialect, ToParam, Value, params};

use crate::domain::Direction;

use super::interactions::{ENTRY_COLUMNS, EntryRow, entry_row};
use super::{Result, Store};

/// Where an entry sits in the log's order: newest first by date, then by
/// entry number. `occurred_at` is the stored text, which sorts as the date.
/// Ordered as the log is: a greater key is a newer entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EntryKey {
    pub occurred_at: String,
    pub entry_no: i64,
}

/// Where a page starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seek {
    /// The newest entries.
    Newest,
    /// The oldest entries (the page is still returned newest first).
    Oldest,
    /// The entries just older than this one.
    OlderThan(EntryKey),
    /// The entries just newer than this one (returned newest first).
    NewerThan(EntryKey),
    /// This entry and those older (to read a window again in place).
    AtOrOlder(EntryKey),
}

/// Which entries to read; `None` means any. Filters combine.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct LogFilter {
    pub contact_no: Option<String>,
    pub salesperson_code: Option<String>,
    pub company: Option<String>,
    pub direction: Option<Direction>,
    /// Stored timestamps: from (inclusive) and to (exclusive).
    pub from: Option<String>,
    pub to: Option<String>,
    /// An FTS5 query made by [`crate::domain::search::fts_query`].
    pub search: Option<String>,
    /// Only what this logging mailbox logged.
    pub mailbox: Option<i64>,
}

impl LogFilter {
    pub fn is_empty(&self) -> bool {
        *self == LogFilter::default()
    }
}

/// How a search is served (see the module's doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchPlan {
    /// Few hits: look them up, sort by date.
    Lookup,
    /// Many hits: walk the date order and test each row.
    Walk,
}

/// However few messages are logged, a search matching more than this
/// many walks the date index (and so finds more than a screen counts).
pub const LOOKUP_MIN: usize = 2_000;
/// However many are logged, a search matching more than this walks.
pub const LOOKUP_MAX: usize = 20_000;

/// Up to how many matching messages a search looks its entries up by
/// message (then sorts them by date) rather than walking the date index,
/// for `total` logged messages: where the two cost the same. A lookup
/// costs about 27 µs a match; a walk probes the search index (about 12 µs)
/// for each entry it passes, about 60 × total ÷ matches of them for a
/// page: equal at matches² ≈ 26 × total. Measured on the bench's
/// 1,000,000 entries: a word in 720 messages, lookup 12 ms and walk
/// 1,000 ms; a word in 16,000, lookup 440 ms and walk 24 ms.
pub fn lookup_limit(total: u64) -> usize {
    ((26.0 * total as f64).sqrt() as usize).clamp(LOOKUP_MIN, LOOKUP_MAX)
}

/// The unique key (message, salesperson, contact) of the entries table,
/// which SQLite names after the table: it serves every lookup by message.
const ENTRIES_BY_MESSAGE: &str = "sqlite_autoindex_interaction_log_entries_1";

/// Whether a view is known to hold more than `n` entries without counting
/// them: its search matches more messages than the lookup limit (at least
/// [`LOOKUP_MIN`]: the plan walks the date index), nothing else narrows it, and every logged
/// message carries at least one entry. Counting would walk the newest
/// entries probing the search index for each, tens of milliseconds a
/// keystroke for a common word, to learn what this knows already.
pub fn finds_more_than(f: &LogFilter, plan: Option<SearchPlan>, n: usize) -> bool {
    let only_search = f.search.is_some()
        && LogFilter {
            search: None,
            ..f.clone()
        } == LogFilter::default();
    only_search && plan == Some(SearchPlan::Walk) && n < LOOKUP_MIN
}

/// The SQL and parameters for one page. A pure function, so the choice of
/// index and the keyset conditions are tested without a database.
pub fn page_query(
    dialect: Dialect,
    f: &LogFilter,
    plan: Option<SearchPlan>,
    seek: &Seek,
    limit: usize,
) -> (String, Vec<Value<'static>>) {
    let index = match (f.search.is_some(), plan) {
        (true, Some(SearchPlan::Lookup) | None) => ENTRIES_BY_MESSAGE,
        _ if f.contact_no.is_some() => "entries_by_contact",
        _ if f.company.is_some() => "entries_by_company",
        _ if f.salesperson_code.is_some() => "entries_by_salesperson",
        _ if f.direction.is_some() => "entries_by_direction",
        _ => "entries_newest",
    };
    let lookup = f.search.is_some() && !matches!(plan, Some(SearchPlan::Walk));
    // SQLite: the index named, and CROSS JOIN to keep the entries first.
    let (with, hint) = match dialect {
        Dialect::Sqlite => (String::new(), format!("INDEXED BY {index} CROSS")),
        Dialect::Postgres if lookup => (
            "WITH hits AS MATERIALIZED (SELECT id FROM logged_messages WHERE search @@ to_tsquery('simple', ?)) ".to_string(),
            String::new(),
        ),
        Dialect::Postgres => (String::new(), String::new()),
    };
    let mut sql = format!(
        "{with}SELECT {ENTRY_COLUMNS} FROM interaction_log_entries e {hint}
         JOIN logged_messages m ON m.id = e.logged_message_id
         LEFT JOIN contacts c ON c.no = e.contact_no
         LEFT JOIN salespeople s ON s.code = e.salesperson_code
         WHERE TRUE"
    );
    let mut params: Vec<Value<'static>> = Vec::new();
    let mut cond = |sql: &mut String, clause: &str, v: Value<'static>| {
        sql.push_str(clause);
        params.push(v);
    };
    if let Some(c) = &f.contact_no {
        cond(&mut sql, " AND e.contact_no = ?", c.clone().into());
    }
    if let Some(c) = &f.company {
        cond(&mut sql, " AND e.contact_company = ?", c.clone().into());
    }
    if let Some(s) = &f.salesperson_code {
        cond(&mut sql, " AND e.salesperson_code = ?", s.clone().into());
    }
    if let Some(d) = f.direction {
        cond(
            &mut sql,
            " AND e.direction = ?",
            d.as_str().to_string().into(),
        );
    }
    if let Some(no) = f.mailbox {
        cond(&mut sql, " AND m.mailbox_no = ?", no.into());
    }
    if let Some(t) = &f.from {
        cond(&mut sql, " AND e.occurred_at >= ?", t.clone().into());
    }
    if let Some(t) = &f.to {
        cond(&mut sql, " AND e.occurred_at < ?", t.clone().into());
    }
    // The hits' CTE comes first in the statement, so its word list is the
    // first parameter.
    let mut cte_words = None;
    if let Some(q) = &f.search {
        match (dialect, lookup) {
            (Dialect::Sqlite, true) => cond(
                &mut sql,
                " AND e.logged_message_id IN (SELECT rowid FROM logged_messages_fts WHERE logged_messages_fts MATCH ?)",
                q.clone().into(),
            ),
            (Dialect::Sqlite, false) => cond(
                &mut sql,
                " AND EXISTS (SELECT 1 FROM logged_messages_fts WHERE logged_messages_fts MATCH ? AND rowid = e.logged_message_id)",
                q.clone().into(),
            ),
            (Dialect::Postgres, true) => {
                sql.push_str(" AND e.logged_message_id IN (SELECT id FROM hits)");
                cte_words = Some(pg_tsquery(q).into());
            }
            (Dialect::Postgres, false) => cond(
                &mut sql,
                " AND m.search @@ to_tsquery('simple', ?)",
                pg_tsquery(q).into(),
            ),
        }
    }
    let (keyset, ascending) = match seek {
        Seek::Newest => (None, false),
        Seek::Oldest => (None, true),
        Seek::OlderThan(k) => (
            Some((" AND (e.occurred_at, e.entry_no) < (?, ?)", k)),
            false,
        ),
        Seek::AtOrOlder(k) => (
            Some((" AND (e.occurred_at, e.entry_no) <= (?, ?)", k)),
            false,
        ),
        Seek::NewerThan(k) => (Some((" AND (e.occurred_at, e.entry_no) > (?, ?)", k)), true),
    };
    if let Some((clause, k)) = keyset {
        sql.push_str(clause);
        params.push(k.occurred_at.clone().into());
        params.push(k.entry_no.into());
    }
    let order = if ascending { "ASC" } else { "DESC" };
    sql.push_str(&format!(
        " ORDER BY e.occurred_at {order}, e.entry_no {order} LIMIT ?"
    ));
    params.push(limit.to_param().into_owned());
    if let Some(words) = cte_words {
        params.insert(0, words);
    }
    (sql, params)
}

/// An FTS5 query of quoted words (`"budget" "q3"*`, as
/// `domain::search::fts_query` writes it) as a PostgreSQL tsquery: every
/// word must match, `*` a prefix. The words are letters and digits only.
pub fn pg_tsquery(fts: &str) -> String {
    let pieces: Vec<&str> = fts.split('"').collect();
    let mut out: Vec<String> = Vec::new();
    // Quoted words sit at the odd pieces; the piece after says `*`.
    for i in (1..pieces.len()).step_by(2) {
        let word: String = pieces[i].chars().filter(|c| c.is_alphanumeric()).collect();
        if word.is_empty() {
            continue;
        }
        let prefix = pieces.get(i + 1).is_some_and(|p| p.starts_with('*'));
        out.push(format!("'{word}'{}", if prefix { ":*" } else { "" }));
    }
    out.join(" & ")
}

impl Store {
    /// One page of entries, newest first, starting where `seek` says.
    pub fn log_page(
        &self,
        f: &LogFilter,
        plan: Option<SearchPlan>,
        seek: &Seek,
        limit: usize,
    ) -> Result<Vec<EntryRow>> {
        let (sql, params) = page_query(self.conn.dialect(), f, plan, seek, limit);
        let mut out = self.conn.query_map(&sql, params, entry_row)?;
        if matches!(seek, Seek::Oldest | Seek::NewerThan(_)) {
            out.reverse();
        }
        Ok(out)
    }

    /// How a search for `fts` is best served: counts its matching messages
    /// up to the [`lookup_limit`] for the messages logged (a read of the
    /// FTS index only).
    pub fn search_plan(&self, fts: &str) -> Result<SearchPlan> {
        let total: i64 = self.conn.query_row(
            "SELECT coalesce(max(id), 0) FROM logged_messages",
            params![],
            |r| r.get(0),
        )?;
        let limit = lookup_limit(total.max(0) as u64);
        let n: i64 = match self.conn.dialect() {
            Dialect::Sqlite => self.conn.query_row(
                "SELECT count(*) FROM (SELECT 1 FROM logged_messages_fts WHERE logged_messages_fts MATCH ?1 LIMIT ?2)",
                params![fts, limit.saturating_add(1)],
                |r| r.get(0),
            )?,
            Dialect::Postgres => self.conn.query_row(
                "SELECT count(*) FROM (SELECT 1 FROM logged_messages WHERE search @@ to_tsquery('simple', ?1) LIMIT ?2) hits",
                params![pg_tsquery(fts), limit.saturating_add(1)],
                |r| r.get(0),
            )?,
        };
        Ok(if n as usize > limit {
            SearchPlan::Walk
        } else {
            SearchPlan::Lookup
        })
    }

    /// Every entry the filter selects, newest first, handed to `f` one at a
    /// time (to export the view). A walk by keyset pages, so a long export
    /// holds no read transaction open for its whole length.
    pub fn for_each_in_view(
        &self,
        filter: &LogFilter,
        mut f: impl FnMut(EntryRow) -> std::io::Result<()>,
    ) -> Result<usize> {
        let plan = match &filter.search {
            Some(q) => Some(self.search_plan(q)?),
            None => None,
        };
        let mut seek = Seek::Newest;
        let mut n = 0;
        loop {
            let page = self.log_page(filter, plan, &seek, 1000)?;
            let Some(last) = page.last() else {
                return Ok(n);
            };
            seek = Seek::OlderThan(last.key());
            for row in page {
                n += 1;
                f(row).map_err(|e| {
                    super::StoreError::Invalid(format!("writing the export failed: {e}"))
                })?;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> EntryKey {
        EntryKey {
            occurred_at: "2024-05-01T10:00:00.000Z".into(),
            entry_no: 7,
        }
    }

    #[test]
    fn a_common_word_alone_finds_more_than_is_counted() {
        let search = LogFilter {
            search: Some("\"please\"".into()),
            ..Default::default()
        };
        let narrowed = LogFilter {
            contact_no: Some("CT1".into()),
            ..search.clone()
        };
        let cases: &[(&LogFilter, Option<SearchPlan>, usize, bool)] = &[
            (&search, Some(SearchPlan::Walk), 1000, true),
            (&search, Some(SearchPlan::Lookup), 1000, false),
            (&narrowed, Some(SearchPlan::Walk), 1000, false),
            (&LogFilter::default(), None, 1000, false),
            (&search, Some(SearchPlan::Walk), LOOKUP_MIN, false),
        ];
        for (f, plan, n, want) in cases {
            assert_eq!(finds_more_than(f, *plan, *n), *want, "{f:?} {plan:?} {n}");
        }
    }

    #[test]
    fn a_search_looks_up_where_that_is_cheaper_than_walking() {
        let cases: &[(u64, usize)] = &[
            (0, LOOKUP_MIN),
            (10_000, LOOKUP_MIN),
            (1_000_000, 5_099),
            (4_000_000, 10_198),
            (100_000_000, LOOKUP_MAX),
        ];
        for (total, want) in cases {
            assert_eq!(lookup_limit(*total), *want, "{total}");
        }
    }

    #[test]
    fn each_filter_is_served_by_its_index_and_pages_by_keyset() {
        let contact = LogFilter {
            contact_no: Some("CT1".into()),
            direction: Some(Direction::Inbound),
            ..Default::default()
        };
        let company = LogFilter {
            company: Some("Fabrikam".into()),
            ..Default::default()
        };
        let search = LogFilter {
            search: Some("\"budget\"".into()),
            ..Default::default()
        };
        let cases: &[(&LogFilter, Option<SearchPlan>, Seek, &str, &str)] = &[
            (
                &LogFilter::default(),
                None,
                Seek::Newest,
                "entries_newest",
                "ORDER BY e.occurred_at DESC",
            ),
            (
                &LogFilter::default(),
                None,
                Seek::OlderThan(key()),
                "(e.occurred_at, e.entry_no) < (?, ?)",
                "DESC",
            ),
            (
                &contact,
                None,
                Seek::NewerThan(key()),
                "entries_by_contact",
                "(e.occurred_at, e.entry_no) > (?, ?)",
            ),
            (&company, None, Seek::Oldest, "entries_by_company", "ASC"),
            (
                &search,
                Some(SearchPlan::Lookup),
                Seek::Newest,
                ENTRIES_BY_MESSAGE,
                "IN (SELECT rowid FROM logged_messages_fts",
            ),
            (
                &search,
                Some(SearchPlan::Walk),
                Seek::Newest,
                "entries_newest",
                "EXISTS (SELECT 1 FROM logged_messages_fts",
            ),
        ];
        for (f, plan, seek, a, b) in cases {
            let (sql, params) = page_query(Dialect::Sqlite, f, *plan, seek, 50);
            assert!(sql.contains(a), "{a} in {sql}");
            assert!(sql.contains(b), "{b} in {sql}");
            assert!(!sql.contains("OFFSET"), "{sql}");
            assert_eq!(
                params.len(),
                sql.matches('?').count(),
                "one parameter per placeholder: {sql}"
            );
        }
    }

    #[test]
    fn fts_queries_become_tsqueries_of_the_same_words() {
        for (fts, want) in [
            ("\"budget\"", "'budget'"),
            ("\"budget\" \"q3\"", "'budget' & 'q3'"),
            ("\"renew\"*", "'renew':*"),
            (
                "\"e\" \"mail\"* \"überweisung\"",
                "'e' & 'mail':* & 'überweisung'",
            ),
            ("", ""),
        ] {
            assert_eq!(pg_tsquery(fts), want, "{fts}");
        }
    }

    #[test]
    fn postgres_pages_name_no_index_and_put_the_lookup_words_first() {
        let search = LogFilter {
            search: Some("\"price\"".into()),
            contact_no: Some("CT0001".into()),
            ..Default::default()
        };
        for plan in [SearchPlan::Lookup, SearchPlan::Walk] {
            let (sql, params) =
                page_query(Dialect::Postgres, &search, Some(plan), &Seek::Newest, 50);
            assert!(
                !sql.contains("INDEXED BY") && !sql.contains("CROSS"),
                "{sql}"
            );
            assert!(!sql.contains("_fts"), "{sql}");
            assert_eq!(params.len(), sql.matches('?').count(), "{sql}");
            let words = Value::Text("'price'".into());
            match plan {
                SearchPlan::Lookup => {
                    assert!(sql.starts_with("WITH hits AS MATERIALIZED"), "{sql}");
                    assert_eq!(params[0], words);
                }
                SearchPlan::Walk => {
                    assert!(sql.contains("m.search @@"), "{sql}");
                    assert_eq!(params[1], words);
                }
            }
        }
    }
}
