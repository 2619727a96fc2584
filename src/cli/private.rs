//! `emaillog private ENTRY on|off` (a salesperson on the message, or an
//! admin) and `emaillog logins` (which salesperson each login is; the
//! admin's).

use clap::Subcommand;

use crate::app::App;
use crate::domain::text::one_line;

use super::output::print_json;

#[derive(Debug, Subcommand)]
pub enum LoginsCommand {
    /// Say that LOGIN (an OS account as `id -un` prints it; on PostgreSQL
    /// a database role) is salesperson CODE.
    Set {
        /// The login: an OS account, or a database role.
        login: String,
        /// The salesperson's code.
        code: String,
    },
    /// Forget which salesperson LOGIN is.
    Remove {
        /// The login as it was set.
        login: String,
    },
    /// Every login and its salesperson.
    List {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

pub fn private(app: &App, entry: i64, state: &str) -> anyhow::Result<()> {
    app.require_existing()?;
    let on = state == "on";
    let changed = app.set_private(entry, on)?;
    let what = if on { "private" } else { "not private" };
    if changed {
        println!("the message of entry {entry} is now {what}");
    } else {
        println!("the message of entry {entry} was already {what}");
    }
    Ok(())
}

pub fn logins(app: &App, cmd: LoginsCommand) -> anyhow::Result<()> {
    app.require_existing()?;
    match cmd {
        LoginsCommand::Set { login, code } => {
            app.set_login(&login, &code)?;
            println!("{} is salesperson {}", one_line(&login), one_line(&code));
        }
        LoginsCommand::Remove { login } => {
            if app.remove_login(&login)? {
                println!("{} is no longer a salesperson's login", one_line(&login));
            } else {
                anyhow::bail!(
                    "{} is not a known login: `emaillog logins list` shows them",
                    one_line(&login)
                );
            }
        }
        LoginsCommand::List { json } => {
            let all = app.logins()?;
            if json {
                let rows: Vec<_> = all
                    .iter()
                    .map(|(l, c)| serde_json::json!({ "login": l, "salesperson_code": c }))
                    .collect();
                return print_json(&rows);
            }
            if all.is_empty() {
                println!("no logins: `emaillog logins set LOGIN CODE` adds one");
            }
            for (login, code) in all {
                println!("{:<24} {}", one_line(&login), one_line(&code));
            }
        }
    }
    Ok(())
}
