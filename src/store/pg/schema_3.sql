-- 3: the mailboxes' names apart from the rest of the setup (as SQLite's
-- migration 17), and the roles granted a share of the database, so that a
-- migration that adds a table grants it to them again.
CREATE VIEW mailbox_names AS SELECT id, mailbox, removed_at IS NOT NULL AS removed FROM setup;

CREATE TABLE role_grants (
    role TEXT PRIMARY KEY,
    access TEXT NOT NULL CHECK (access IN ('user', 'admin')),
    granted_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
