-- 6: each logged message's attachments and their names searchable, as
-- SQLite's migration 20: the search vector is made again with the names.
CREATE TABLE message_attachments (
    logged_message_id BIGINT NOT NULL REFERENCES logged_messages(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    source_id TEXT NOT NULL,
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    inline INTEGER NOT NULL,
    PRIMARY KEY (logged_message_id, seq)
);
ALTER TABLE logged_messages ADD COLUMN attachment_names TEXT;
ALTER TABLE logged_messages DROP COLUMN search;
-- A file name's dots, dashes and brackets part its words, as SQLite's
-- tokenizer does ("signert.pdf" is found by "signert"; PostgreSQL's parser
-- would keep it as one file-name token).
ALTER TABLE logged_messages ADD COLUMN search tsvector GENERATED ALWAYS AS (
    to_tsvector('simple', subject || ' ' || coalesce(body, '') || ' '
        || translate(coalesce(attachment_names, ''), '._-()[]', '       '))
) STORED;
CREATE INDEX logged_messages_search ON logged_messages USING GIN (search);
