//! Versioned schema migrations, applied in order inside a transaction each,
//! so an older database is upgraded in place and a failed step changes nothing.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension};

use super::{Result, StoreError};

const MIGRATIONS: &[&str] = &[
    // 1: the schema.
    r#"
    CREATE TABLE setup (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        mailbox TEXT NOT NULL DEFAULT '',
        tenant TEXT NOT NULL DEFAULT '',
        client_id TEXT NOT NULL DEFAULT '',
        client_secret_enc BLOB,
        redirect_url TEXT NOT NULL DEFAULT 'http://localhost:8400/',
        auth_flow TEXT NOT NULL DEFAULT 'device-code',
        batch_size INTEGER NOT NULL DEFAULT 50 CHECK (batch_size BETWEEN 1 AND 1000),
        run_limit INTEGER NOT NULL DEFAULT 5000 CHECK (run_limit >= 1),
        graph_url TEXT NOT NULL DEFAULT 'https://graph.microsoft.com/v1.0',
        authority TEXT NOT NULL DEFAULT 'https://login.microsoftonline.com',
        enabled INTEGER NOT NULL DEFAULT 0,
        consent_given INTEGER NOT NULL DEFAULT 0,
        account TEXT,
        refresh_token_enc BLOB,
        unmatched TEXT NOT NULL DEFAULT 'skip-folder',
        store_body INTEGER NOT NULL DEFAULT 1,
        skip_sensitive INTEGER NOT NULL DEFAULT 1,
        skip_auto_generated INTEGER NOT NULL DEFAULT 1,
        domain_matching INTEGER NOT NULL DEFAULT 0,
        rate_limit INTEGER NOT NULL DEFAULT 10000 CHECK (rate_limit >= 1),
        rate_window_secs INTEGER NOT NULL DEFAULT 600 CHECK (rate_window_secs >= 1),
        job_interval_secs INTEGER NOT NULL DEFAULT 600 CHECK (job_interval_secs >= 1),
        max_attempts INTEGER NOT NULL DEFAULT 3 CHECK (max_attempts >= 1)
    );
    INSERT INTO setup (id) VALUES (1);

    CREATE TABLE salespeople (
        code TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        email TEXT NOT NULL
    );
    CREATE TABLE contacts (
        no TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        company TEXT NOT NULL,
        email TEXT NOT NULL
    );
    CREATE TABLE contact_alt_emails (
        contact_no TEXT NOT NULL REFERENCES contacts(no) ON DELETE CASCADE,
        email TEXT NOT NULL,
        PRIMARY KEY (contact_no, email)
    );
    CREATE TABLE interaction_templates (
        code TEXT PRIMARY KEY,
        description TEXT NOT NULL
    );
    INSERT INTO interaction_templates VALUES ('EMAIL', 'Email');

    CREATE TABLE logged_messages (
        id INTEGER PRIMARY KEY,
        internet_message_id TEXT NOT NULL,
        mailbox_id TEXT NOT NULL UNIQUE,
        web_link TEXT NOT NULL DEFAULT '',
        conversation_id TEXT NOT NULL DEFAULT '',
        subject TEXT NOT NULL,
        sender TEXT NOT NULL,
        recipients TEXT NOT NULL,
        sent_at TEXT,
        received_at TEXT,
        body TEXT,
        logged_at TEXT NOT NULL,
        archived INTEGER NOT NULL DEFAULT 0
    );
    CREATE UNIQUE INDEX logged_messages_internet_id ON logged_messages(internet_message_id) WHERE internet_message_id <> '';
    CREATE INDEX logged_messages_conversation ON logged_messages(conversation_id);

    CREATE TABLE opportunities (
        no TEXT PRIMARY KEY,
        contact_no TEXT NOT NULL REFERENCES contacts(no),
        salesperson_code TEXT NOT NULL REFERENCES salespeople(code),
        description TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'In progress',
        estimated_value REAL,
        close_date TEXT,
        created_at TEXT NOT NULL
    );

    CREATE TABLE interaction_log_entries (
        entry_no INTEGER PRIMARY KEY AUTOINCREMENT,
        contact_no TEXT NOT NULL REFERENCES contacts(no),
        contact_company TEXT NOT NULL,
        salesperson_code TEXT NOT NULL REFERENCES salespeople(code),
        occurred_at TEXT NOT NULL,
        subject TEXT NOT NULL,
        direction TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound')),
        initiated_by TEXT NOT NULL CHECK (initiated_by IN ('us', 'them')),
        template_code TEXT NOT NULL DEFAULT 'EMAIL' REFERENCES interaction_templates(code),
        correspondence_type TEXT NOT NULL DEFAULT 'email',
        logged_message_id INTEGER NOT NULL REFERENCES logged_messages(id),
        account TEXT NOT NULL DEFAULT '',
        opportunity_no TEXT REFERENCES opportunities(no),
        matched_by_domain INTEGER NOT NULL DEFAULT 0,
        UNIQUE (logged_message_id, salesperson_code, contact_no)
    );
    CREATE INDEX entries_newest ON interaction_log_entries(occurred_at DESC, entry_no DESC);
    CREATE INDEX entries_by_contact ON interaction_log_entries(contact_no, occurred_at DESC);
    CREATE INDEX entries_by_salesperson ON interaction_log_entries(salesperson_code, occurred_at DESC);
    CREATE INDEX entries_by_message ON interaction_log_entries(logged_message_id);

    CREATE TABLE skipped_messages (
        id INTEGER PRIMARY KEY,
        mailbox_id TEXT NOT NULL UNIQUE,
        internet_message_id TEXT NOT NULL,
        subject TEXT NOT NULL,
        sender TEXT NOT NULL,
        recipients TEXT NOT NULL,
        received_at TEXT,
        reason TEXT NOT NULL,
        detail TEXT NOT NULL,
        skipped_at TEXT NOT NULL,
        disposition TEXT NOT NULL DEFAULT 'pending'
    );
    CREATE INDEX skipped_newest ON skipped_messages(skipped_at DESC);

    CREATE TABLE message_failures (
        mailbox_id TEXT PRIMARY KEY,
        attempts INTEGER NOT NULL,
        last_error TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );

    CREATE TABLE job_queue_entries (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        description TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('Ready', 'In process', 'Error', 'On hold')),
        interval_secs INTEGER NOT NULL,
        max_attempts INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        next_run_at TEXT NOT NULL,
        last_run_at TEXT
    );
    CREATE TABLE job_queue_log_entries (
        id INTEGER PRIMARY KEY,
        started_at TEXT NOT NULL,
        ended_at TEXT,
        status TEXT NOT NULL,
        messages_read INTEGER NOT NULL DEFAULT 0,
        messages_logged INTEGER NOT NULL DEFAULT 0,
        entries_written INTEGER NOT NULL DEFAULT 0,
        messages_archived_only INTEGER NOT NULL DEFAULT 0,
        messages_skipped INTEGER NOT NULL DEFAULT 0,
        messages_failed INTEGER NOT NULL DEFAULT 0,
        skipped_by_reason TEXT NOT NULL DEFAULT '{}',
        error TEXT,
        run_by TEXT NOT NULL DEFAULT ''
    );

    CREATE TABLE engine_lease (
        mailbox TEXT PRIMARY KEY,
        holder TEXT NOT NULL,
        expires_at TEXT NOT NULL
    );

    CREATE TABLE never_log (
        pattern TEXT PRIMARY KEY,
        added_at TEXT NOT NULL
    );
    "#,
    // 2: full-text search over subject and body, filled from what is already logged.
    r#"
    CREATE VIRTUAL TABLE logged_messages_fts USING fts5(subject, body, content='logged_messages', content_rowid='id');
    INSERT INTO logged_messages_fts(rowid, subject, body) SELECT id, subject, coalesce(body, '') FROM logged_messages;
    CREATE TRIGGER logged_messages_ai AFTER INSERT ON logged_messages BEGIN
        INSERT INTO logged_messages_fts(rowid, subject, body) VALUES (new.id, new.subject, coalesce(new.body, ''));
    END;
    CREATE TRIGGER logged_messages_ad AFTER DELETE ON logged_messages BEGIN
        INSERT INTO logged_messages_fts(logged_messages_fts, rowid, subject, body) VALUES ('delete', old.id, old.subject, coalesce(old.body, ''));
    END;
    CREATE TRIGGER logged_messages_au AFTER UPDATE OF subject, body ON logged_messages BEGIN
        INSERT INTO logged_messages_fts(logged_messages_fts, rowid, subject, body) VALUES ('delete', old.id, old.subject, coalesce(old.body, ''));
        INSERT INTO logged_messages_fts(rowid, subject, body) VALUES (new.id, new.subject, coalesce(new.body, ''));
    END;
    "#,
    // 3: the delegated sign-in's access token (sealed, with its expiry) kept
    // beside the refresh token, and a command that prints the client secret.
    r#"
    ALTER TABLE setup ADD COLUMN access_token_enc BLOB;
    ALTER TABLE setup ADD COLUMN access_token_expires_at TEXT;
    ALTER TABLE setup ADD COLUMN secret_command TEXT NOT NULL DEFAULT '';
    "#,
    // 4: a mailbox that never stalls. Where each logged message is now (so
    // "archived" is never claimed for one that was not), messages that can
    // be moved nowhere ("stuck"), the read cursor kept between runs, and run
    // progress written page by page.
    r#"
    ALTER TABLE logged_messages ADD COLUMN location TEXT NOT NULL DEFAULT 'inbox'
        CHECK (location IN ('inbox', 'archive', 'skipped', 'gone'));
    UPDATE logged_messages SET location = 'archive' WHERE archived = 1;
    CREATE INDEX logged_messages_in_inbox ON logged_messages(id) WHERE location = 'inbox';
    CREATE INDEX skipped_messages_pending ON skipped_messages(id) WHERE disposition = 'pending';
    ALTER TABLE message_failures ADD COLUMN stuck INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE read_cursors (
        mailbox TEXT PRIMARY KEY,
        cursor TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    ALTER TABLE job_queue_log_entries ADD COLUMN pages INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE job_queue_log_entries ADD COLUMN backlog INTEGER;
    ALTER TABLE job_queue_log_entries ADD COLUMN holder TEXT NOT NULL DEFAULT '';
    ALTER TABLE job_queue_log_entries ADD COLUMN updated_at TEXT;
    "#,
    // 5: logged messages are indexed for search in batches, after their page
    // is committed, instead of by a trigger inside every page's commit (one
    // FTS segment per page made small pages slow). `upto` is the highest
    // logged message id in the index; the triggers touch only indexed rows.
    r#"
    DROP TRIGGER logged_messages_ai;
    DROP TRIGGER logged_messages_ad;
    DROP TRIGGER logged_messages_au;
    CREATE TABLE search_index_state (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        upto INTEGER NOT NULL
    );
    INSERT INTO search_index_state (id, upto) SELECT 1, coalesce(max(id), 0) FROM logged_messages;
    CREATE TRIGGER logged_messages_ad AFTER DELETE ON logged_messages
    WHEN old.id <= (SELECT upto FROM search_index_state WHERE id = 1) BEGIN
        INSERT INTO logged_messages_fts(logged_messages_fts, rowid, subject, body) VALUES ('delete', old.id, old.subject, coalesce(old.body, ''));
    END;
    CREATE TRIGGER logged_messages_au AFTER UPDATE OF subject, body ON logged_messages
    WHEN old.id <= (SELECT upto FROM search_index_state WHERE id = 1) BEGIN
        INSERT INTO logged_messages_fts(logged_messages_fts, rowid, subject, body) VALUES ('delete', old.id, old.subject, coalesce(old.body, ''));
        INSERT INTO logged_messages_fts(rowid, subject, body) VALUES (new.id, new.subject, coalesce(new.body, ''));
    END;
    "#,
    // 6: the status screen counts what was logged, skipped and failed in the
    // last day; these indexes keep that a range read at any size of log.
    r#"
    CREATE INDEX logged_messages_logged_at ON logged_messages(logged_at);
    CREATE INDEX job_log_started ON job_queue_log_entries(started_at);
    "#,
    // 7: the interaction log is read a window at a time by keyset (date,
    // entry number), newest first, on the index that serves each filter;
    // the message view finds people by address, the opportunities screen
    // its entries, the review queue its reasons. What a person asks of a
    // skipped message (re-log it, delete it) waits in `review_requests`
    // for the engine that holds the mailbox lease to do it.
    r#"
    DROP INDEX entries_by_contact;
    DROP INDEX entries_by_salesperson;
    CREATE INDEX entries_by_contact ON interaction_log_entries(contact_no, occurred_at DESC, entry_no DESC);
    CREATE INDEX entries_by_salesperson ON interaction_log_entries(salesperson_code, occurred_at DESC, entry_no DESC);
    CREATE INDEX entries_by_company ON interaction_log_entries(contact_company, occurred_at DESC, entry_no DESC);
    CREATE INDEX entries_by_direction ON interaction_log_entries(direction, occurred_at DESC, entry_no DESC);
    CREATE INDEX entries_by_opportunity ON interaction_log_entries(opportunity_no) WHERE opportunity_no IS NOT NULL;
    CREATE INDEX contacts_by_email ON contacts(email COLLATE NOCASE);
    CREATE INDEX contact_alt_emails_by_email ON contact_alt_emails(email COLLATE NOCASE);
    CREATE INDEX skipped_by_reason ON skipped_messages(reason, skipped_at DESC);
    CREATE TABLE review_requests (
        mailbox_id TEXT PRIMARY KEY,
        action TEXT NOT NULL CHECK (action IN ('relog', 'delete')),
        state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'failed')),
        result TEXT NOT NULL DEFAULT '',
        requested_at TEXT NOT NULL,
        done_at TEXT
    );
    CREATE INDEX review_requests_pending ON review_requests(requested_at) WHERE state = 'pending';
    "#,
    // 8: mail read over IMAP (Exchange on-premises, any IMAP server): where,
    // how protected, as whom; the password sealed like the client secret.
    r#"
    ALTER TABLE setup ADD COLUMN source TEXT NOT NULL DEFAULT 'graph' CHECK (source IN ('graph', 'imap'));
    ALTER TABLE setup ADD COLUMN imap_host TEXT NOT NULL DEFAULT '';
    ALTER TABLE setup ADD COLUMN imap_port INTEGER NOT NULL DEFAULT 993 CHECK (imap_port BETWEEN 1 AND 65535);
    ALTER TABLE setup ADD COLUMN imap_tls TEXT NOT NULL DEFAULT 'implicit' CHECK (imap_tls IN ('implicit', 'starttls', 'none'));
    ALTER TABLE setup ADD COLUMN imap_user TEXT NOT NULL DEFAULT '';
    ALTER TABLE setup ADD COLUMN imap_auth TEXT NOT NULL DEFAULT 'password' CHECK (imap_auth IN ('password', 'xoauth2'));
    ALTER TABLE setup ADD COLUMN imap_password_enc BLOB;
    "#,
    // 9: a job whose runs keep failing with errors retrying can fix waits
    // (and says since when) instead of going to Error.
    r#"
    ALTER TABLE job_queue_entries ADD COLUMN waiting_since TEXT;
    "#,
    // 10: money is kept in whole minor units (cents, øre) with a stated
    // maximum, never as a float: 99999999999999999999999 was kept as 1e23
    // and shown as 92,233,720,368,547,758.07. A value outside 0 to
    // 999,999,999,999.99 was never one anyone typed and is not carried over.
    r#"
    ALTER TABLE opportunities ADD COLUMN estimated_minor INTEGER CHECK (estimated_minor BETWEEN 0 AND 99999999999999);
    UPDATE opportunities SET estimated_minor = CAST(round(estimated_value * 100) AS INTEGER)
     WHERE estimated_value BETWEEN 0 AND 999999999999.99;
    ALTER TABLE opportunities DROP COLUMN estimated_value;
    "#,
    // 11: the review queue lists each reason's messages by the date it
    // shows (received), not by when they were last skipped, so a message
    // skipped again by a re-log keeps its place.
    r#"
    CREATE INDEX skipped_by_reason_received ON skipped_messages(reason, coalesce(received_at, skipped_at) DESC, id DESC);
    "#,
    // 12: the job queue log keeps a bounded history: runs older than this
    // many days are deleted by the engine after each run.
    r#"
    ALTER TABLE setup ADD COLUMN run_history_days INTEGER NOT NULL DEFAULT 30 CHECK (run_history_days BETWEEN 1 AND 3650);
    "#,
    // 13: entries by message are found through the unique key (message,
    // salesperson, contact), which starts with the message: the second
    // index on the message alone was one more B-tree written for every
    // entry the engine logs and read by nothing the unique key could not serve.
    r#"
    DROP INDEX entries_by_message;
    "#,
    // 14: many logging mailboxes (see the file).
    include_str!("sql/14_mailboxes.sql"),
    // 15: the engines serving this database, each seen by a heartbeat, so
    // each can take its fair share of the mailboxes (an engine that holds
    // no lease yet still counts).
    r#"
    CREATE TABLE engines (
        holder TEXT PRIMARY KEY,
        expires_at TEXT NOT NULL
    );
    "#,
    // 16: which take of a mailbox's lease this is: a new holder, or the
    // same one after its lease ran out or was released, counts one up, and
    // every page commit is fenced by it, so an engine paused past its
    // lease cannot write even if it takes the mailbox again later.
    r#"
    ALTER TABLE engine_lease ADD COLUMN epoch INTEGER NOT NULL DEFAULT 0;
    "#,
    // 17: the mailboxes' names, which the log shows beside each entry, apart
    // from the rest of the setup: on PostgreSQL a user role reads this view
    // and has no privilege on the setup (its secrets, its settings) at all.
    r#"
    CREATE VIEW mailbox_names AS SELECT id, mailbox, removed_at IS NOT NULL AS removed FROM setup;
    "#,
    // 18: what the log says of each contact, kept as entries are written
    // (see store/contact_signals.rs), counted once here from the log.
    include_str!("sql/18_contact_signals.sql"),
    // 19: follow-ups dismissed, with who (see store/follow_up_marks.rs).
    include_str!("sql/19_follow_up_dismissals.sql"),
    // 20: attachments (see the file).
    include_str!("sql/20_attachments.sql"),
    // 21: opportunity changes for the timeline (see the file).
    include_str!("sql/21_opportunity_changes.sql"),
    // 22: the team's settings for follow-ups and going cold.
    include_str!("sql/22_team_settings.sql"),
    // 23: the conversation id on each entry (see the file).
    include_str!("sql/23_entries_conversation.sql"),
    // 24: the conversations' waits and answers per contact (see the file).
    include_str!("sql/24_conversation_state.sql"),
    // 25: the audit trail (see the file and store/audit.rs).
    include_str!("sql/25_audit.sql"),
    // 26: capture levels (see the file and domain/capture.rs).
    include_str!("sql/26_capture.sql"),
    // 27: the sealed key people's addresses are hashed with (see the file).
    include_str!("sql/27_person_key.sql"),
    // 28: tombstones, and opportunities that outlive their contact.
    include_str!("sql/28_forget.sql"),
    // 29: retention settings and where retention has got to.
    include_str!("sql/29_retention.sql"),
    // 30: private messages and who each login is (see the file).
    include_str!("sql/30_private.sql"),
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

pub fn migrate(conn: &mut Connection, path: &Path) -> Result<()> {
    migrate_to(conn, path, SCHEMA_VERSION)
}

/// Applies migrations up to `target` (tests use a lower target to make an old database).
pub fn migrate_to(conn: &mut Connection, path: &Path, target: i64) -> Result<()> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if current > SCHEMA_VERSION {
        return Err(StoreError::TooNew {
            path: path.to_path_buf(),
            found: current,
            known: SCHEMA_VERSION,
        });
    }
    if current >= target {
        return Ok(());
    }
    // Tables others refer to are rebuilt with foreign keys off (they cannot
    // be switched inside a transaction), then the whole file is checked.
    let enforced: bool = conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0))?;
    conn.pragma_update(None, "foreign_keys", "OFF")?;
    let applied = apply(conn, current, target);
    if enforced {
        conn.pragma_update(None, "foreign_keys", "ON")?;
    }
    applied
}

/// Whether a migration could leave a row pointing at nothing (it writes,
/// deletes or moves rows, or drops or renames a table): one that only adds
/// a column, an index or a view cannot.
fn may_break_references(sql: &str) -> bool {
    let upper = sql.to_ascii_uppercase();
    [
        "INSERT",
        "UPDATE",
        "DELETE",
        "REPLACE",
        "DROP TABLE",
        "RENAME",
    ]
    .iter()
    .any(|w| upper.contains(w))
}

fn apply(conn: &mut Connection, current: i64, target: i64) -> Result<()> {
    for (i, sql) in MIGRATIONS
        .iter()
        .enumerate()
        .take(target as usize)
        .skip(current as usize)
    {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        // The whole-file check reads every row (12 s at a million entries):
        // only after a migration that moves rows or rebuilds a table.
        let broken: Option<String> = if may_break_references(sql) {
            tx.query_row("PRAGMA foreign_key_check", [], |r| r.get(0))
                .optional()?
        } else {
            None
        };
        if let Some(table) = broken {
            return Err(StoreError::Invalid(format!(
                "schema upgrade {} would leave rows of {table} pointing at nothing; nothing was changed",
                i + 1
            )));
        }
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_migration_that_moves_rows_or_rebuilds_a_table_is_checked_for_references() {
        for (sql, checked) in [
            (
                "ALTER TABLE engine_lease ADD COLUMN epoch INTEGER NOT NULL DEFAULT 0;",
                false,
            ),
            (
                "CREATE VIEW mailbox_names AS SELECT id, mailbox FROM setup;",
                false,
            ),
            ("CREATE INDEX a ON b(c); DROP INDEX d;", false),
            ("UPDATE opportunities SET x = 1;", true),
            ("insert into t select * from u;", true),
            ("DELETE FROM engine_lease;", true),
            (
                "DROP TABLE setup; ALTER TABLE setup_new RENAME TO setup;",
                true,
            ),
        ] {
            assert_eq!(may_break_references(sql), checked, "{sql}");
        }
        assert!(!may_break_references(MIGRATIONS[15]) && !may_break_references(MIGRATIONS[16]));
        assert!(may_break_references(MIGRATIONS[13]), "14 rebuilds tables");
    }

    #[test]
    fn an_older_database_is_upgraded_in_place_and_keeps_its_data() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        let mut conn = Connection::open(&path).unwrap();
        migrate_to(&mut conn, &path, 1).unwrap();
        conn.execute(
            "INSERT INTO logged_messages (internet_message_id, mailbox_id, subject, sender, recipients, body, logged_at) VALUES ('<a@x>', 'm1', 'Spring pricing', 's@x.org', '[]', 'volume discount', '2024-01-01T00:00:00.000Z')",
            [],
        )
        .unwrap();
        drop(conn);
        let mut store = super::super::Store::open(&path).unwrap();
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
        assert_eq!(
            store.index_for_search(1000).unwrap(),
            0,
            "indexed by migration 2"
        );
        let n: i64 = store.conn.query_row("SELECT count(*) FROM logged_messages_fts WHERE logged_messages_fts MATCH 'discount'", [], |r| r.get(0)).unwrap();
        assert_eq!(n, 1, "old rows are searchable after the upgrade");
    }

    #[test]
    fn logged_messages_become_searchable_when_indexed_and_deletes_keep_the_index_sound() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = super::super::Store::open(&dir.path().join("s.db")).unwrap();
        let insert = |store: &super::super::Store, id: &str, body: &str| {
            store.conn.execute(
                "INSERT INTO logged_messages (internet_message_id, mailbox_id, subject, sender, recipients, body, logged_at) VALUES (?1, ?1, 'Quote', 's@x.org', '[]', ?2, '2024-01-01T00:00:00.000Z')",
                crate::store::db::params![id, body],
            ).unwrap();
        };
        let hits = |store: &super::super::Store, word: &str| -> i64 {
            store
                .conn
                .query_row(
                    "SELECT count(*) FROM logged_messages_fts WHERE logged_messages_fts MATCH ?1",
                    crate::store::db::params![word],
                    |r| r.get(0),
                )
                .unwrap()
        };
        insert(&store, "<a@x>", "volume discount");
        insert(&store, "<b@x>", "pallet pricing");
        assert_eq!(hits(&store, "discount"), 0, "not indexed yet");
        assert_eq!(store.index_for_search(1).unwrap(), 1);
        assert_eq!(store.index_for_search(1000).unwrap(), 1);
        assert_eq!(store.index_for_search(1000).unwrap(), 0);
        assert_eq!((hits(&store, "discount"), hits(&store, "pallet")), (1, 1));
        // A row deleted before it was indexed leaves the index alone; one
        // deleted after is taken out of it.
        insert(&store, "<c@x>", "unindexed words");
        store
            .conn
            .execute("DELETE FROM logged_messages WHERE mailbox_id = '<c@x>'", [])
            .unwrap();
        store
            .conn
            .execute("DELETE FROM logged_messages WHERE mailbox_id = '<a@x>'", [])
            .unwrap();
        assert_eq!(hits(&store, "discount"), 0);
        store
            .conn
            .execute(
                "INSERT INTO logged_messages_fts(logged_messages_fts) VALUES ('integrity-check')",
                [],
            )
            .unwrap();
    }

    #[test]
    fn money_kept_as_a_float_becomes_minor_units_and_a_value_never_typed_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("money.db");
        let mut conn = Connection::open(&path).unwrap();
        migrate_to(&mut conn, &path, 9).unwrap();
        conn.execute_batch(
            "INSERT INTO salespeople (code, name, email) VALUES ('AH', 'Annette', 'a@x.example');
             INSERT INTO contacts (no, name, company, email) VALUES ('C1', 'Chen', 'Northwind', 'c@n.example');",
        )
        .unwrap();
        for (no, v) in [
            ("OP00001", Some(12500.5)),
            ("OP00002", Some(1e23)),
            ("OP00003", None),
            ("OP00004", Some(0.07)),
        ] {
            conn.execute(
                "INSERT INTO opportunities (no, contact_no, salesperson_code, description, estimated_value, created_at)
                 VALUES (?1, 'C1', 'AH', 'Renewal', ?2, '2026-01-01T00:00:00.000Z')",
                rusqlite::params![no, v],
            )
            .unwrap();
        }
        drop(conn);
        let store = super::super::Store::open(&path).unwrap();
        let mut values: Vec<_> = store
            .opportunities()
            .unwrap()
            .into_iter()
            .map(|o| (o.no, o.estimated_value.map(|m| m.to_string())))
            .collect();
        values.sort();
        let s = |v: &str| Some(v.to_string());
        assert_eq!(
            values,
            vec![
                ("OP00001".into(), s("12,500.50")),
                ("OP00002".into(), None),
                ("OP00003".into(), None),
                ("OP00004".into(), s("0.07")),
            ]
        );
        // The column refuses what does not fit, whoever writes it.
        let err = store
            .conn
            .execute(
                "UPDATE opportunities SET estimated_minor = 100000000000000 WHERE no = 'OP00001'",
                [],
            )
            .unwrap_err();
        assert!(err.to_string().contains("CHECK"), "{err}");
    }

    #[test]
    fn a_newer_database_is_refused_with_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.db");
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        drop(conn);
        let err = super::super::Store::open(&path).err().unwrap().to_string();
        assert!(err.contains("newer emaillog"), "{err}");
    }
}
