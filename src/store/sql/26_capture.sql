-- 26: capture levels (see domain/capture.rs): how much of a logged
-- message is kept for mail of an address, a domain or a salesperson.
-- No row: everything is kept.
CREATE TABLE capture_rules (
    kind TEXT NOT NULL CHECK (kind IN ('address', 'domain', 'salesperson')),
    target TEXT NOT NULL,
    level TEXT NOT NULL CHECK (level IN ('subject', 'metadata')),
    set_at TEXT NOT NULL,
    PRIMARY KEY (kind, target)
);
