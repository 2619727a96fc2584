-- 11: the audit trail, as SQLite's migration 25. Rows are appended only
-- through emaillog_audit_append, which runs as the schema's owner: it
-- takes the server's clock and the connecting role (session_user) as
-- when and who, so a user role, which has no privilege on the table
-- itself, can record what it did and nothing else.
CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    at TEXT NOT NULL,
    who TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_by_target ON audit_log (target, who) WHERE target <> '';
CREATE INDEX audit_by_time ON audit_log (at);
ALTER TABLE team_settings ADD COLUMN audit_keep_days INTEGER NOT NULL DEFAULT 400 CHECK (audit_keep_days BETWEEN 30 AND 3650);

-- The hash is the one domain/audit.rs computes: SHA-256 of the previous
-- row's hash, seq, at, who, action, target and detail joined by newlines.
CREATE FUNCTION emaillog_audit_append(p_action TEXT, p_target TEXT, p_detail TEXT)
RETURNS BIGINT LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    v_prev TEXT;
    v_seq BIGINT;
    v_at TEXT := to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');
    v_who TEXT := session_user;
BEGIN
    -- One appender at a time per schema: each row's predecessor is settled.
    PERFORM pg_advisory_xact_lock(hashtext('emaillog_audit:' || current_schema()));
    SELECT seq, hash INTO v_seq, v_prev FROM audit_log ORDER BY seq DESC LIMIT 1;
    v_seq := coalesce(v_seq, 0) + 1;
    v_prev := coalesce(v_prev, repeat('0', 64));
    INSERT INTO audit_log (seq, at, who, action, target, detail, prev_hash, hash)
    VALUES (v_seq, v_at, v_who, p_action, p_target, p_detail, v_prev,
            encode(sha256(convert_to(v_prev || E'\n' || v_seq::text || E'\n' || v_at || E'\n' || v_who
                || E'\n' || p_action || E'\n' || p_target || E'\n' || p_detail, 'UTF8')), 'hex'));
    RETURN v_seq;
END
$$;
REVOKE ALL ON FUNCTION emaillog_audit_append(TEXT, TEXT, TEXT) FROM PUBLIC;
DO $$
BEGIN
    EXECUTE format('ALTER FUNCTION emaillog_audit_append(TEXT, TEXT, TEXT) SET search_path = %I, pg_temp',
                   current_schema());
END
$$;
CREATE TRIGGER audit_log_changed AFTER INSERT OR UPDATE OR DELETE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION emaillog_changed();
