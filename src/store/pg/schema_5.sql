-- 5: follow-ups dismissed ("no answer needed"), as SQLite's migration 19.
CREATE TABLE follow_up_dismissals (
    entry_no BIGINT PRIMARY KEY,
    latest_at TIMESTAMPTZ NOT NULL,
    dismissed_by TEXT NOT NULL,
    dismissed_at TIMESTAMPTZ NOT NULL
);
CREATE TRIGGER follow_up_dismissals_changed AFTER INSERT OR UPDATE OR DELETE ON follow_up_dismissals
    FOR EACH STATEMENT EXECUTE FUNCTION emaillog_changed();
