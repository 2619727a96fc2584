//! The PostgreSQL store (issue 20, `design/postgres.md`), for a team that
//! outgrows one machine: where it is (`target`) and how emaillog connects
//! to it (`pool`). SQL for PostgreSQL lives here, beside SQLite's.

pub mod grants;
pub mod migrations;
pub mod pool;
pub mod target;
