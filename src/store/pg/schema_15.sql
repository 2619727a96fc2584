-- 15: storage limitation, as SQLite's migration 29.
ALTER TABLE setup ADD COLUMN retain_bodies_days INTEGER NOT NULL DEFAULT 0 CHECK (retain_bodies_days BETWEEN 0 AND 36500);
ALTER TABLE setup ADD COLUMN retain_entries_days INTEGER NOT NULL DEFAULT 0 CHECK (retain_entries_days BETWEEN 0 AND 36500);
ALTER TABLE setup ADD COLUMN retain_skipped_days INTEGER NOT NULL DEFAULT 0 CHECK (retain_skipped_days BETWEEN 0 AND 36500);
ALTER TABLE setup ADD COLUMN retain_mailbox INTEGER NOT NULL DEFAULT 0;
ALTER TABLE setup ADD COLUMN retention_done_on TEXT;
ALTER TABLE setup ADD COLUMN retention_bodies_upto TIMESTAMPTZ;
ALTER TABLE setup ADD COLUMN retention_bodies_upto_id BIGINT;
ALTER TABLE job_queue_log_entries ADD COLUMN retention TEXT;
CREATE INDEX logged_messages_by_age ON logged_messages (mailbox_no, (coalesce(received_at, logged_at)), id);
CREATE INDEX skipped_messages_by_age ON skipped_messages (mailbox_no, (coalesce(received_at, skipped_at)), id);
