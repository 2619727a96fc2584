-- 12: capture levels, as SQLite's migration 26. The admin's: a user role
-- has no privilege on them.
CREATE TABLE capture_rules (
    kind TEXT NOT NULL CHECK (kind IN ('address', 'domain', 'salesperson')),
    target TEXT NOT NULL,
    level TEXT NOT NULL CHECK (level IN ('subject', 'metadata')),
    set_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (kind, target)
);
CREATE TRIGGER capture_rules_changed AFTER INSERT OR UPDATE OR DELETE ON capture_rules
    FOR EACH STATEMENT EXECUTE FUNCTION emaillog_changed();
