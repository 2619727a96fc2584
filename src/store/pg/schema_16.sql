-- 16: private messages, as SQLite's migration 30, enforced by the server.
-- A role reads a private message's contents only when it may see them
-- (emaillog_may_see_private: the schema's owner, an admin role, or the
-- login of a salesperson on the message); every other role finds no row
-- in private_messages, and none of the message's attachments. Marking is
-- done by emaillog_set_private, which runs as the owner after checking
-- the same. `viewer` lets every row through: SQLite's per-connection
-- viewer table, which the queries share, is the server's job here.
CREATE TABLE salesperson_logins (
    login TEXT PRIMARY KEY,
    salesperson_code TEXT NOT NULL
);
CREATE TABLE private_messages (
    logged_message_id BIGINT PRIMARY KEY REFERENCES logged_messages(id) ON DELETE CASCADE,
    subject TEXT NOT NULL,
    entry_subject TEXT NOT NULL,
    body TEXT,
    attachment_names TEXT,
    marked_by TEXT NOT NULL,
    marked_at TIMESTAMPTZ NOT NULL
);
CREATE VIEW viewer AS SELECT 1 AS admin, ''::text AS code;

CREATE FUNCTION emaillog_may_see_private(p_message BIGINT) RETURNS BOOLEAN
LANGUAGE sql STABLE SECURITY DEFINER AS $$
    SELECT EXISTS (SELECT 1 FROM pg_tables t WHERE t.schemaname = current_schema() AND t.tablename = 'setup'
                      AND pg_has_role(session_user, t.tableowner, 'USAGE'))
        OR EXISTS (SELECT 1 FROM role_grants g WHERE g.role = session_user AND g.access = 'admin')
        OR EXISTS (SELECT 1 FROM interaction_log_entries x
                     JOIN salesperson_logins l ON l.salesperson_code = x.salesperson_code
                    WHERE x.logged_message_id = p_message AND l.login = session_user)
$$;

-- Whether a message is private and the calling role may not see it.
CREATE FUNCTION emaillog_private_hidden(p_message BIGINT) RETURNS BOOLEAN
LANGUAGE sql STABLE SECURITY DEFINER AS $$
    SELECT EXISTS (SELECT 1 FROM private_messages WHERE logged_message_id = p_message)
       AND NOT emaillog_may_see_private(p_message)
$$;

CREATE FUNCTION emaillog_set_private(p_entry BIGINT, p_on BOOLEAN, p_placeholder TEXT)
RETURNS BOOLEAN LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    v_msg BIGINT;
BEGIN
    SELECT logged_message_id INTO v_msg FROM interaction_log_entries WHERE entry_no = p_entry;
    IF v_msg IS NULL THEN
        RAISE EXCEPTION 'no entry %', p_entry USING ERRCODE = 'no_data_found';
    END IF;
    IF NOT emaillog_may_see_private(v_msg) THEN
        RAISE EXCEPTION 'not on the message of entry %', p_entry USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF p_on = EXISTS (SELECT 1 FROM private_messages WHERE logged_message_id = v_msg) THEN
        RETURN FALSE;
    END IF;
    IF p_on THEN
        INSERT INTO private_messages (logged_message_id, subject, entry_subject, body, attachment_names, marked_by, marked_at)
        SELECT m.id, m.subject, (SELECT e.subject FROM interaction_log_entries e WHERE e.entry_no = p_entry),
               m.body, m.attachment_names, session_user, now()
          FROM logged_messages m WHERE m.id = v_msg;
        UPDATE logged_messages SET subject = p_placeholder, body = NULL, attachment_names = NULL WHERE id = v_msg;
        UPDATE interaction_log_entries SET subject = p_placeholder WHERE logged_message_id = v_msg;
    ELSE
        UPDATE logged_messages m SET subject = p.subject, body = p.body, attachment_names = p.attachment_names
          FROM private_messages p WHERE p.logged_message_id = m.id AND m.id = v_msg;
        UPDATE interaction_log_entries e SET subject = p.entry_subject
          FROM private_messages p WHERE p.logged_message_id = e.logged_message_id AND e.logged_message_id = v_msg;
        DELETE FROM private_messages WHERE logged_message_id = v_msg;
    END IF;
    -- The follow-ups' copy of the subjects follows the entries'; the
    -- conversations are worked out again.
    UPDATE contact_waits w SET subject = e.subject
      FROM interaction_log_entries e
     WHERE e.entry_no = w.entry_no AND e.logged_message_id = v_msg;
    INSERT INTO signals_dirty (contact_no)
    SELECT DISTINCT contact_no FROM interaction_log_entries WHERE logged_message_id = v_msg
    ON CONFLICT (contact_no) DO NOTHING;
    RETURN TRUE;
END
$$;

REVOKE ALL ON FUNCTION emaillog_may_see_private(BIGINT) FROM PUBLIC;
REVOKE ALL ON FUNCTION emaillog_private_hidden(BIGINT) FROM PUBLIC;
REVOKE ALL ON FUNCTION emaillog_set_private(BIGINT, BOOLEAN, TEXT) FROM PUBLIC;
DO $$
BEGIN
    EXECUTE format('ALTER FUNCTION emaillog_may_see_private(BIGINT) SET search_path = %I, pg_temp', current_schema());
    EXECUTE format('ALTER FUNCTION emaillog_private_hidden(BIGINT) SET search_path = %I, pg_temp', current_schema());
    EXECUTE format('ALTER FUNCTION emaillog_set_private(BIGINT, BOOLEAN, TEXT) SET search_path = %I, pg_temp', current_schema());
END
$$;

ALTER TABLE private_messages ENABLE ROW LEVEL SECURITY;
CREATE POLICY private_messages_seen ON private_messages
    USING (emaillog_may_see_private(logged_message_id))
    WITH CHECK (emaillog_may_see_private(logged_message_id));
ALTER TABLE message_attachments ENABLE ROW LEVEL SECURITY;
CREATE POLICY message_attachments_seen ON message_attachments
    USING (NOT emaillog_private_hidden(logged_message_id))
    WITH CHECK (NOT emaillog_private_hidden(logged_message_id));
CREATE TRIGGER private_messages_changed AFTER INSERT OR UPDATE OR DELETE ON private_messages
    FOR EACH STATEMENT EXECUTE FUNCTION emaillog_changed();
