-- 7: what happened to each opportunity, as SQLite's migration 21.
CREATE TABLE opportunity_changes (
    opportunity_no TEXT NOT NULL,
    contact_no TEXT NOT NULL,
    changed_at TIMESTAMPTZ NOT NULL,
    what TEXT NOT NULL
);
CREATE INDEX opportunity_changes_by_contact ON opportunity_changes (contact_no, changed_at);
INSERT INTO opportunity_changes (opportunity_no, contact_no, changed_at, what)
SELECT no, contact_no, created_at, 'made: ' || description || ' (' || status || ')' FROM opportunities;
CREATE TRIGGER opportunity_changes_changed AFTER INSERT OR UPDATE OR DELETE ON opportunity_changes
    FOR EACH STATEMENT EXECUTE FUNCTION emaillog_changed();
