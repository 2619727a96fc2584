-- 24: what the conversations with each contact say, kept per contact (see
-- store/conversation_state.rs): the conversations waiting for us, one row
-- per salesperson on their first unanswered message, and every answer
-- either way, one row per salesperson it counts for. A page marks the
-- contacts it touched in signals_dirty and the engine recomputes them
-- after its pages; every contact with entries is marked here, so the
-- first run after this migration fills the tables.
CREATE TABLE contact_waits (
    contact_no TEXT NOT NULL,
    salesperson_code TEXT NOT NULL,
    entry_no INTEGER NOT NULL,
    waiting_since TEXT NOT NULL,
    received_at TEXT NOT NULL,
    subject TEXT NOT NULL,
    PRIMARY KEY (contact_no, entry_no)
);
-- Covering: the Follow-ups screen reads its rows from the index alone.
CREATE INDEX contact_waits_received ON contact_waits(received_at, waiting_since, salesperson_code, contact_no, entry_no, subject);
CREATE TABLE contact_replies (
    contact_no TEXT NOT NULL,
    salesperson_code TEXT NOT NULL,
    first INTEGER NOT NULL,
    answered_by TEXT NOT NULL CHECK (answered_by IN ('us', 'them')),
    asked_at TEXT NOT NULL,
    answered_at TEXT NOT NULL
);
-- Covering: a contact's answers are compared with a recount from the
-- index alone.
CREATE INDEX contact_replies_by_contact ON contact_replies(contact_no, answered_at, asked_at, answered_by, first, salesperson_code);
-- Covering: a period's answers are read from the index alone.
CREATE INDEX contact_replies_answered ON contact_replies(answered_at, asked_at, answered_by, first, salesperson_code, contact_no);
CREATE TABLE signals_dirty (contact_no TEXT PRIMARY KEY) WITHOUT ROWID;
INSERT INTO signals_dirty (contact_no) SELECT DISTINCT contact_no FROM interaction_log_entries;
