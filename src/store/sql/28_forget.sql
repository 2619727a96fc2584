-- 28: people forgotten (see store/forget.rs). A tombstone is the HMAC of
-- a forgotten address under the sealed person key, never the address:
-- mail to or from it is skipped as `forgotten`. An opportunity outlives
-- its contact's erasure with its number and amount, its link to the
-- contact gone: contact_no may now be empty (NULL), so the table is made
-- again (SQLite cannot drop a NOT NULL in place).
CREATE TABLE tombstones (
    person_hash TEXT PRIMARY KEY,
    forgotten_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE opportunities_new (
    no TEXT PRIMARY KEY,
    contact_no TEXT REFERENCES contacts(no),
    salesperson_code TEXT NOT NULL REFERENCES salespeople(code),
    description TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'In progress',
    close_date TEXT,
    created_at TEXT NOT NULL,
    estimated_minor INTEGER CHECK (estimated_minor BETWEEN 0 AND 99999999999999)
);
INSERT INTO opportunities_new (no, contact_no, salesperson_code, description, status, close_date, created_at, estimated_minor)
SELECT no, contact_no, salesperson_code, description, status, close_date, created_at, estimated_minor FROM opportunities;
DROP TABLE opportunities;
ALTER TABLE opportunities_new RENAME TO opportunities;
