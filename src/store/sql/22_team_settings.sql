-- 22: the team's settings for the relationship signals, one row: the time
-- zone and working hours follow-ups are counted in, the working days an
-- answer may take, the days of silence that make a contact go cold.
CREATE TABLE team_settings (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    time_zone TEXT NOT NULL DEFAULT 'Europe/Oslo',
    follow_up_days INTEGER NOT NULL DEFAULT 2 CHECK (follow_up_days BETWEEN 0 AND 30),
    going_cold_days INTEGER NOT NULL DEFAULT 21 CHECK (going_cold_days BETWEEN 1 AND 3650)
);
INSERT INTO team_settings (id) VALUES (1);
