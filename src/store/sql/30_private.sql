-- 30: private messages (see store/private.rs). Who each OS account (or
-- PostgreSQL role) is among the salespeople; and the subject, body and
-- attachment names of a message marked private, moved out of the log into
-- a table of their own, the log keeping "(private)" in their place: they
-- are shown to the salespeople on the message and to admins only (on
-- PostgreSQL the server hides the rows from every other role). The viewer
-- a query is made for is a temporary table each connection fills.
CREATE TABLE salesperson_logins (
    login TEXT PRIMARY KEY,
    salesperson_code TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE private_messages (
    logged_message_id INTEGER PRIMARY KEY REFERENCES logged_messages(id) ON DELETE CASCADE,
    subject TEXT NOT NULL,
    entry_subject TEXT NOT NULL,
    body TEXT,
    attachment_names TEXT,
    marked_by TEXT NOT NULL,
    marked_at TEXT NOT NULL
);
