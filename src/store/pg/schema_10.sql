-- 10: what the conversations with each contact say, kept per contact, as
-- SQLite's migration 24.
CREATE TABLE contact_waits (
    contact_no TEXT NOT NULL,
    salesperson_code TEXT NOT NULL,
    entry_no BIGINT NOT NULL,
    waiting_since TIMESTAMPTZ NOT NULL,
    received_at TIMESTAMPTZ NOT NULL,
    subject TEXT NOT NULL,
    PRIMARY KEY (contact_no, entry_no)
);
CREATE INDEX contact_waits_received ON contact_waits (received_at) INCLUDE (waiting_since, salesperson_code, contact_no, entry_no, subject);
CREATE TABLE contact_replies (
    contact_no TEXT NOT NULL,
    salesperson_code TEXT NOT NULL,
    first INTEGER NOT NULL,
    answered_by TEXT NOT NULL CHECK (answered_by IN ('us', 'them')),
    asked_at TIMESTAMPTZ NOT NULL,
    answered_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX contact_replies_by_contact ON contact_replies (contact_no) INCLUDE (answered_at, asked_at, answered_by, first, salesperson_code);
CREATE INDEX contact_replies_answered ON contact_replies (answered_at) INCLUDE (asked_at, answered_by, first, salesperson_code, contact_no);
CREATE TABLE signals_dirty (contact_no TEXT PRIMARY KEY);
INSERT INTO signals_dirty (contact_no) SELECT DISTINCT contact_no FROM interaction_log_entries;
CREATE TRIGGER contact_waits_changed AFTER INSERT OR UPDATE OR DELETE ON contact_waits
    FOR EACH STATEMENT EXECUTE FUNCTION emaillog_changed();
CREATE TRIGGER contact_replies_changed AFTER INSERT OR UPDATE OR DELETE ON contact_replies
    FOR EACH STATEMENT EXECUTE FUNCTION emaillog_changed();
