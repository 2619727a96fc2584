//! `emaillog pg grant-user|grant-admin|roles`: who may do what on a
//! PostgreSQL database, enforced by the server.

use clap::Subcommand;

use crate::app::App;
use crate::domain::text::one_line;
use crate::store::pg::grants::{Access, USER_GRANTS};

use super::output::print_json;

#[derive(Debug, Subcommand)]
pub enum PgCommand {
    /// Give an existing role the users' share: read the log, opportunities,
    /// contacts and skipped records; write opportunities, contacts and
    /// review requests; nothing of the setup, its secrets, the rules, the
    /// job or the leases. Whatever the role had before is taken back.
    GrantUser {
        /// The PostgreSQL role (CREATE ROLE … LOGIN first).
        role: String,
    },
    /// Give an existing role the admin's share: every table, as engine
    /// hosts and the admin's UI need.
    GrantAdmin {
        /// The PostgreSQL role.
        role: String,
    },
    /// List the roles granted a share.
    Roles {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(app: &App, command: PgCommand) -> anyhow::Result<()> {
    match command {
        PgCommand::GrantUser { role } => {
            app.grant_role(&role, Access::User)?;
            let tables: Vec<&str> = USER_GRANTS.iter().map(|(t, _)| *t).collect();
            println!(
                "granted {} the users' share: {}; nothing else",
                one_line(&role),
                tables.join(", ")
            );
        }
        PgCommand::GrantAdmin { role } => {
            app.grant_role(&role, Access::Admin)?;
            println!(
                "granted {} the admin's share: every table; engine hosts also need the key file",
                one_line(&role)
            );
        }
        PgCommand::Roles { json } => {
            let roles = app.granted_roles()?;
            if json {
                let rows: Vec<serde_json::Value> = roles
                    .iter()
                    .map(|(r, a)| serde_json::json!({ "role": one_line(r), "access": a.as_str() }))
                    .collect();
                print_json(&rows)?;
            } else if roles.is_empty() {
                println!(
                    "no role granted a share yet: `emaillog pg grant-user ROLE` or `pg grant-admin ROLE`"
                );
            } else {
                println!("{:<32} ACCESS", "ROLE");
                for (role, access) in roles {
                    println!("{:<32} {}", one_line(&role), access.as_str());
                }
            }
        }
    }
    Ok(())
}
