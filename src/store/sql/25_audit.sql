-- 25: the audit trail (see domain/audit.rs): who opened, exported,
-- forgot or changed what, each row chained to the one before by its
-- SHA-256, so a row changed or deleted shows. Appended only; old rows go
-- only through `emaillog audit prune`, which records itself.
CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    who TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
-- Who opened a message: the message view counts them.
CREATE INDEX audit_by_target ON audit_log(target, who) WHERE target <> '';
CREATE INDEX audit_by_time ON audit_log(at);
ALTER TABLE team_settings ADD COLUMN audit_keep_days INTEGER NOT NULL DEFAULT 400 CHECK (audit_keep_days BETWEEN 30 AND 3650);
