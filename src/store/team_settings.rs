//! The team's settings for the relationship signals (one row): the time
//! zone follow-ups are counted in, the working days an answer may take,
//! the days of silence that make a contact with an open opportunity go
//! cold. Read by the UI and the reports; changed by the admin.

use super::db::params;
use super::{Result, Store};

/// The settings as stored (the zone as its IANA name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamSettings {
    pub time_zone: String,
    pub follow_up_days: u32,
    pub going_cold_days: u32,
}

impl Store {
    pub fn team_settings(&self) -> Result<TeamSettings> {
        Ok(self.conn.query_row(
            "SELECT time_zone, follow_up_days, going_cold_days FROM team_settings WHERE id = 1",
            params![],
            |r| {
                Ok(TeamSettings {
                    time_zone: r.get(0)?,
                    follow_up_days: r.get::<_, i64>(1)?.clamp(0, 30) as u32,
                    going_cold_days: r.get::<_, i64>(2)?.clamp(1, 3650) as u32,
                })
            },
        )?)
    }

    /// Stores `s` (checked by the caller; the table's checks hold too).
    pub fn set_team_settings(&self, s: &TeamSettings) -> Result<()> {
        self.conn.execute(
            "UPDATE team_settings SET time_zone = ?1, follow_up_days = ?2, going_cold_days = ?3 WHERE id = 1",
            params![s.time_zone, i64::from(s.follow_up_days), i64::from(s.going_cold_days)],
        )?;
        Ok(())
    }
}
