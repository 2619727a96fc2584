-- 13: the sealed key people's addresses are hashed with, as SQLite's
-- migration 27. The admin's: a user role has no privilege on it.
CREATE TABLE privacy_keys (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    person_key_enc BYTEA NOT NULL
);
