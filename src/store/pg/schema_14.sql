-- 14: people forgotten, as SQLite's migration 28: tombstones (HMACs of
-- forgotten addresses, the admin's: a user role has no privilege on
-- them), and opportunities that outlive their contact's erasure.
CREATE TABLE tombstones (
    person_hash TEXT PRIMARY KEY,
    forgotten_at TIMESTAMPTZ NOT NULL
);
ALTER TABLE opportunities ALTER COLUMN contact_no DROP NOT NULL;
