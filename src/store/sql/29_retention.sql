-- 29: storage limitation (see store/retention.rs and domain/retention.rs):
-- each mailbox's retention settings in days (0: kept for ever), whether
-- the mailbox copies go too, the day retention last finished and how far
-- the bodies have been stripped (so a day's pass starts where the last
-- one ended, never walking the stripped rows again); what each run's
-- retention removed, in its run log row; the messages and skipped records
-- by mailbox and date, the order retention takes them in.
ALTER TABLE setup ADD COLUMN retain_bodies_days INTEGER NOT NULL DEFAULT 0 CHECK (retain_bodies_days BETWEEN 0 AND 36500);
ALTER TABLE setup ADD COLUMN retain_entries_days INTEGER NOT NULL DEFAULT 0 CHECK (retain_entries_days BETWEEN 0 AND 36500);
ALTER TABLE setup ADD COLUMN retain_skipped_days INTEGER NOT NULL DEFAULT 0 CHECK (retain_skipped_days BETWEEN 0 AND 36500);
ALTER TABLE setup ADD COLUMN retain_mailbox INTEGER NOT NULL DEFAULT 0;
ALTER TABLE setup ADD COLUMN retention_done_on TEXT;
ALTER TABLE setup ADD COLUMN retention_bodies_upto TEXT;
ALTER TABLE setup ADD COLUMN retention_bodies_upto_id INTEGER;
ALTER TABLE job_queue_log_entries ADD COLUMN retention TEXT;
CREATE INDEX logged_messages_by_age ON logged_messages(mailbox_no, coalesce(received_at, logged_at));
CREATE INDEX skipped_messages_by_age ON skipped_messages(mailbox_no, coalesce(received_at, skipped_at));
