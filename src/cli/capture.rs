//! `emaillog capture …`: how much of a logged message is kept for mail of
//! an address, a domain or a salesperson (the admin's).

use clap::Subcommand;

use crate::app::App;
use crate::domain::text::one_line;

use super::output::print_json;

#[derive(Debug, Subcommand)]
pub enum CaptureCommand {
    /// Set the level for an address, a domain (and its subdomains) or a
    /// salesperson's code: full (everything, the default: removes the
    /// rule), subject (no body or attachment names) or metadata (who, when
    /// and which way only). Where several apply, the strictest wins.
    Set {
        /// jane@northwind.example, northwind.example or a salesperson's code.
        target: String,
        /// full, subject or metadata.
        level: String,
    },
    /// The rules set.
    List {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(app: &App, cmd: CaptureCommand) -> anyhow::Result<()> {
    app.require_existing()?;
    match cmd {
        CaptureCommand::Set { target, level } => {
            println!("{}", app.capture_set(&target, &level)?);
            Ok(())
        }
        CaptureCommand::List { json } => {
            let rows = app.capture_list()?;
            if json {
                return print_json(&rows);
            }
            if rows.is_empty() {
                println!("no capture rules: everything is kept of all logged mail");
            }
            for r in rows {
                println!("{:<12} {:<40} {}", r.kind, one_line(&r.target), r.level);
            }
            Ok(())
        }
    }
}
