-- 9: each entry carries its message's conversation id, as SQLite's
-- migration 23.
ALTER TABLE interaction_log_entries ADD COLUMN conversation_id TEXT NOT NULL DEFAULT '';
UPDATE interaction_log_entries e SET conversation_id = m.conversation_id
  FROM logged_messages m WHERE m.id = e.logged_message_id AND m.conversation_id <> '';
