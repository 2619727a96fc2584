-- 8: the team's settings for the relationship signals, as SQLite's
-- migration 22.
CREATE TABLE team_settings (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    time_zone TEXT NOT NULL DEFAULT 'Europe/Oslo',
    follow_up_days INTEGER NOT NULL DEFAULT 2 CHECK (follow_up_days BETWEEN 0 AND 30),
    going_cold_days INTEGER NOT NULL DEFAULT 21 CHECK (going_cold_days BETWEEN 1 AND 3650)
);
INSERT INTO team_settings (id) VALUES (1);
CREATE TRIGGER team_settings_changed AFTER INSERT OR UPDATE OR DELETE ON team_settings
    FOR EACH STATEMENT EXECUTE FUNCTION emaillog_changed();
