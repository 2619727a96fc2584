-- 18: per contact and UTC day, the messages each way and the last of each,
-- kept by the engine in the transaction that writes the entries, so a
-- contact's or a company's card never reads the log itself.
CREATE TABLE contact_days (
    contact_no TEXT NOT NULL,
    day TEXT NOT NULL,
    inbound INTEGER NOT NULL DEFAULT 0,
    outbound INTEGER NOT NULL DEFAULT 0,
    last_inbound_at TEXT,
    last_outbound_at TEXT,
    PRIMARY KEY (contact_no, day)
) WITHOUT ROWID;

INSERT INTO contact_days (contact_no, day, inbound, outbound, last_inbound_at, last_outbound_at)
SELECT contact_no, substr(occurred_at, 1, 10),
       count(DISTINCT CASE WHEN direction = 'inbound' THEN logged_message_id END),
       count(DISTINCT CASE WHEN direction = 'outbound' THEN logged_message_id END),
       max(CASE WHEN direction = 'inbound' THEN occurred_at END),
       max(CASE WHEN direction = 'outbound' THEN occurred_at END)
  FROM interaction_log_entries GROUP BY contact_no, substr(occurred_at, 1, 10);
