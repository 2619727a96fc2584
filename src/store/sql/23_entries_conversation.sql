-- 23: each entry carries its message's conversation id, so the follow-ups
-- and reply times read a period's entries alone (through the date index)
-- instead of looking up each message's row, bodies and all.
ALTER TABLE interaction_log_entries ADD COLUMN conversation_id TEXT NOT NULL DEFAULT '';
UPDATE interaction_log_entries
   SET conversation_id = coalesce((SELECT m.conversation_id FROM logged_messages m WHERE m.id = logged_message_id), '');
