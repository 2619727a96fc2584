-- 4: per contact and UTC day, the messages each way and the last of each,
-- as SQLite's migration 18.
CREATE TABLE contact_days (
    contact_no TEXT NOT NULL,
    day TEXT NOT NULL,
    inbound BIGINT NOT NULL DEFAULT 0,
    outbound BIGINT NOT NULL DEFAULT 0,
    last_inbound_at TIMESTAMPTZ,
    last_outbound_at TIMESTAMPTZ,
    PRIMARY KEY (contact_no, day)
);

INSERT INTO contact_days (contact_no, day, inbound, outbound, last_inbound_at, last_outbound_at)
SELECT contact_no, to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'),
       count(DISTINCT CASE WHEN direction = 'inbound' THEN logged_message_id END),
       count(DISTINCT CASE WHEN direction = 'outbound' THEN logged_message_id END),
       max(CASE WHEN direction = 'inbound' THEN occurred_at END),
       max(CASE WHEN direction = 'outbound' THEN occurred_at END)
  FROM interaction_log_entries GROUP BY 1, 2;
