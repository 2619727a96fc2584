-- 21: what happened to each opportunity, in words, for its contact's
-- timeline: made, and each edit's changes (status, value, close date,
-- description). The opportunities already there count as made when they
-- were.
CREATE TABLE opportunity_changes (
    opportunity_no TEXT NOT NULL,
    contact_no TEXT NOT NULL,
    changed_at TEXT NOT NULL,
    what TEXT NOT NULL
);
CREATE INDEX opportunity_changes_by_contact ON opportunity_changes (contact_no, changed_at);
INSERT INTO opportunity_changes (opportunity_no, contact_no, changed_at, what)
SELECT no, contact_no, created_at, 'made: ' || description || ' (' || status || ')' FROM opportunities;
