-- 19: follow-ups dismissed ("no answer needed"), with who and when, keyed
-- by the entry of the first unanswered message; latest_at is their latest
-- message then (a newer one brings the follow-up back).
CREATE TABLE follow_up_dismissals (
    entry_no INTEGER PRIMARY KEY,
    latest_at TEXT NOT NULL,
    dismissed_by TEXT NOT NULL,
    dismissed_at TEXT NOT NULL
);
