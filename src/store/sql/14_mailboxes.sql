-- 14: many logging mailboxes in one database. `setup` holds one row per
-- mailbox (its id is the mailbox number), with the queue, storage and
-- Skipped folders ('' is the default: Inbox, Archive, Skipped); the job
-- queue entry's id is the mailbox number; every logged message, skip
-- record, failure record, review request and run knows its mailbox, and a
-- message's id is unique within its mailbox (IMAP UIDs of two servers
-- collide). A removed mailbox's row stays (without its secrets) so the
-- entries it logged still name it. The lease and read cursor are keyed by the mailbox number, so a
-- renamed mailbox keeps them. Applied with foreign keys off (SQLite's
-- documented way of rebuilding a table others refer to); ids are kept, so
-- entries, the search index and links are unchanged.

CREATE TABLE setup_new (
    id INTEGER PRIMARY KEY,
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
    max_attempts INTEGER NOT NULL DEFAULT 3 CHECK (max_attempts >= 1),
    access_token_enc BLOB,
    access_token_expires_at TEXT,
    secret_command TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT 'graph' CHECK (source IN ('graph', 'imap')),
    imap_host TEXT NOT NULL DEFAULT '',
    imap_port INTEGER NOT NULL DEFAULT 993 CHECK (imap_port BETWEEN 1 AND 65535),
    imap_tls TEXT NOT NULL DEFAULT 'implicit' CHECK (imap_tls IN ('implicit', 'starttls', 'none')),
    imap_user TEXT NOT NULL DEFAULT '',
    imap_auth TEXT NOT NULL DEFAULT 'password' CHECK (imap_auth IN ('password', 'xoauth2')),
    imap_password_enc BLOB,
    run_history_days INTEGER NOT NULL DEFAULT 30 CHECK (run_history_days BETWEEN 1 AND 3650),
    queue_folder TEXT NOT NULL DEFAULT '',
    storage_folder TEXT NOT NULL DEFAULT '',
    skip_folder TEXT NOT NULL DEFAULT '',
    removed_at TEXT
);
INSERT INTO setup_new (id, mailbox, tenant, client_id, client_secret_enc, redirect_url, auth_flow, batch_size,
    run_limit, graph_url, authority, enabled, consent_given, account, refresh_token_enc, unmatched, store_body,
    skip_sensitive, skip_auto_generated, domain_matching, rate_limit, rate_window_secs, job_interval_secs,
    max_attempts, access_token_enc, access_token_expires_at, secret_command, source, imap_host, imap_port,
    imap_tls, imap_user, imap_auth, imap_password_enc, run_history_days)
SELECT id, mailbox, tenant, client_id, client_secret_enc, redirect_url, auth_flow, batch_size,
    run_limit, graph_url, authority, enabled, consent_given, account, refresh_token_enc, unmatched, store_body,
    skip_sensitive, skip_auto_generated, domain_matching, rate_limit, rate_window_secs, job_interval_secs,
    max_attempts, access_token_enc, access_token_expires_at, secret_command, source, imap_host, imap_port,
    imap_tls, imap_user, imap_auth, imap_password_enc, run_history_days
FROM setup;

-- The read cursor and lease were keyed by the mailbox's address (or IMAP
-- user@host): keep the cursor of the setup in force, under mailbox 1.
DELETE FROM read_cursors WHERE mailbox <> (
    SELECT CASE WHEN source = 'imap' THEN 'imap:' || lower(imap_user) || '@' || imap_host
                WHEN mailbox = '' THEN 'default' ELSE lower(mailbox) END
    FROM setup WHERE id = 1);
UPDATE read_cursors SET mailbox = '1';
DELETE FROM engine_lease;

DROP TABLE setup;
ALTER TABLE setup_new RENAME TO setup;
CREATE UNIQUE INDEX setup_by_address ON setup(lower(mailbox)) WHERE mailbox <> '' AND removed_at IS NULL;

CREATE TABLE job_queue_entries_new (
    id INTEGER PRIMARY KEY,
    description TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('Ready', 'In process', 'Error', 'On hold')),
    interval_secs INTEGER NOT NULL,
    max_attempts INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    next_run_at TEXT NOT NULL,
    last_run_at TEXT,
    waiting_since TEXT
);
INSERT INTO job_queue_entries_new SELECT id, description, status, interval_secs, max_attempts, attempts,
    last_error, next_run_at, last_run_at, waiting_since FROM job_queue_entries;
DROP TABLE job_queue_entries;
ALTER TABLE job_queue_entries_new RENAME TO job_queue_entries;

ALTER TABLE job_queue_log_entries ADD COLUMN mailbox_no INTEGER NOT NULL DEFAULT 1;
CREATE INDEX job_log_by_mailbox ON job_queue_log_entries(mailbox_no, id);

CREATE TABLE logged_messages_new (
    id INTEGER PRIMARY KEY,
    internet_message_id TEXT NOT NULL,
    mailbox_id TEXT NOT NULL,
    web_link TEXT NOT NULL DEFAULT '',
    conversation_id TEXT NOT NULL DEFAULT '',
    subject TEXT NOT NULL,
    sender TEXT NOT NULL,
    recipients TEXT NOT NULL,
    sent_at TEXT,
    received_at TEXT,
    body TEXT,
    logged_at TEXT NOT NULL,
    archived INTEGER NOT NULL DEFAULT 0,
    location TEXT NOT NULL DEFAULT 'inbox' CHECK (location IN ('inbox', 'archive', 'skipped', 'gone')),
    mailbox_no INTEGER NOT NULL DEFAULT 1
);
INSERT INTO logged_messages_new (id, internet_message_id, mailbox_id, web_link, conversation_id, subject, sender,
    recipients, sent_at, received_at, body, logged_at, archived, location)
SELECT id, internet_message_id, mailbox_id, web_link, conversation_id, subject, sender,
    recipients, sent_at, received_at, body, logged_at, archived, location FROM logged_messages;
DROP TABLE logged_messages;
ALTER TABLE logged_messages_new RENAME TO logged_messages;
CREATE UNIQUE INDEX logged_messages_by_id ON logged_messages(mailbox_no, mailbox_id);
CREATE UNIQUE INDEX logged_messages_internet_id ON logged_messages(internet_message_id) WHERE internet_message_id <> '';
CREATE INDEX logged_messages_conversation ON logged_messages(conversation_id);
CREATE INDEX logged_messages_in_inbox ON logged_messages(mailbox_no, id) WHERE location = 'inbox';
CREATE INDEX logged_messages_logged_at ON logged_messages(logged_at);
CREATE TRIGGER logged_messages_ad AFTER DELETE ON logged_messages
WHEN old.id <= (SELECT upto FROM search_index_state WHERE id = 1) BEGIN
    INSERT INTO logged_messages_fts(logged_messages_fts, rowid, subject, body) VALUES ('delete', old.id, old.subject, coalesce(old.body, ''));
END;
CREATE TRIGGER logged_messages_au AFTER UPDATE OF subject, body ON logged_messages
WHEN old.id <= (SELECT upto FROM search_index_state WHERE id = 1) BEGIN
    INSERT INTO logged_messages_fts(logged_messages_fts, rowid, subject, body) VALUES ('delete', old.id, old.subject, coalesce(old.body, ''));
    INSERT INTO logged_messages_fts(rowid, subject, body) VALUES (new.id, new.subject, coalesce(new.body, ''));
END;

CREATE TABLE skipped_messages_new (
    id INTEGER PRIMARY KEY,
    mailbox_id TEXT NOT NULL,
    internet_message_id TEXT NOT NULL,
    subject TEXT NOT NULL,
    sender TEXT NOT NULL,
    recipients TEXT NOT NULL,
    received_at TEXT,
    reason TEXT NOT NULL,
    detail TEXT NOT NULL,
    skipped_at TEXT NOT NULL,
    disposition TEXT NOT NULL DEFAULT 'pending',
    mailbox_no INTEGER NOT NULL DEFAULT 1
);
INSERT INTO skipped_messages_new (id, mailbox_id, internet_message_id, subject, sender, recipients, received_at,
    reason, detail, skipped_at, disposition)
SELECT id, mailbox_id, internet_message_id, subject, sender, recipients, received_at,
    reason, detail, skipped_at, disposition FROM skipped_messages;
DROP TABLE skipped_messages;
ALTER TABLE skipped_messages_new RENAME TO skipped_messages;
CREATE UNIQUE INDEX skipped_messages_by_id ON skipped_messages(mailbox_no, mailbox_id);
CREATE INDEX skipped_newest ON skipped_messages(skipped_at DESC);
CREATE INDEX skipped_messages_pending ON skipped_messages(mailbox_no, id) WHERE disposition = 'pending';
CREATE INDEX skipped_by_reason ON skipped_messages(reason, skipped_at DESC);
CREATE INDEX skipped_by_reason_received ON skipped_messages(reason, coalesce(received_at, skipped_at) DESC, id DESC);

CREATE TABLE message_failures_new (
    mailbox_no INTEGER NOT NULL DEFAULT 1,
    mailbox_id TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    last_error TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    stuck INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (mailbox_no, mailbox_id)
);
INSERT INTO message_failures_new (mailbox_id, attempts, last_error, updated_at, stuck)
SELECT mailbox_id, attempts, last_error, updated_at, stuck FROM message_failures;
DROP TABLE message_failures;
ALTER TABLE message_failures_new RENAME TO message_failures;

CREATE TABLE review_requests_new (
    mailbox_no INTEGER NOT NULL DEFAULT 1,
    mailbox_id TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('relog', 'delete')),
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'failed')),
    result TEXT NOT NULL DEFAULT '',
    requested_at TEXT NOT NULL,
    done_at TEXT,
    PRIMARY KEY (mailbox_no, mailbox_id)
);
INSERT INTO review_requests_new (mailbox_id, action, state, result, requested_at, done_at)
SELECT mailbox_id, action, state, result, requested_at, done_at FROM review_requests;
DROP TABLE review_requests;
ALTER TABLE review_requests_new RENAME TO review_requests;
CREATE INDEX review_requests_pending ON review_requests(mailbox_no, requested_at) WHERE state = 'pending';
