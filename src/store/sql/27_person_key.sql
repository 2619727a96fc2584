-- 27: the key people's addresses are hashed with where a record must say
-- whom it concerns without naming them (the audit trail of a subject
-- access, and the tombstones of people forgotten), sealed like the
-- setup's secrets: only the admin's key file opens it.
CREATE TABLE privacy_keys (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    person_key_enc BLOB NOT NULL
);
