-- 20: each logged message's attachments (name, type, size, inline; never
-- the bytes, which stay in the mailbox and are fetched when a user saves
-- one), and their names searchable with the rest of the message: kept in
-- attachment_names and indexed after the body.
CREATE TABLE message_attachments (
    logged_message_id INTEGER NOT NULL REFERENCES logged_messages(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    source_id TEXT NOT NULL,
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    inline INTEGER NOT NULL,
    PRIMARY KEY (logged_message_id, seq)
) WITHOUT ROWID;
ALTER TABLE logged_messages ADD COLUMN attachment_names TEXT;
DROP TRIGGER logged_messages_ad;
DROP TRIGGER logged_messages_au;
CREATE TRIGGER logged_messages_ad AFTER DELETE ON logged_messages
WHEN old.id <= (SELECT upto FROM search_index_state WHERE id = 1) BEGIN
    INSERT INTO logged_messages_fts(logged_messages_fts, rowid, subject, body) VALUES ('delete', old.id, old.subject, coalesce(old.body, '') || coalesce(char(10) || old.attachment_names, ''));
END;
CREATE TRIGGER logged_messages_au AFTER UPDATE OF subject, body, attachment_names ON logged_messages
WHEN old.id <= (SELECT upto FROM search_index_state WHERE id = 1) BEGIN
    INSERT INTO logged_messages_fts(logged_messages_fts, rowid, subject, body) VALUES ('delete', old.id, old.subject, coalesce(old.body, '') || coalesce(char(10) || old.attachment_names, ''));
    INSERT INTO logged_messages_fts(rowid, subject, body) VALUES (new.id, new.subject, coalesce(new.body, '') || coalesce(char(10) || new.attachment_names, ''));
END;
