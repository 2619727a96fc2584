//! `emaillog import` and `emaillog never-log`.

use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;

use crate::app::App;
use crate::app::import::ImportReport;

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// A CSV file with the columns code, name and email, in any order
    /// (kode, navn, e-post too); `;` or `,` separated, UTF-8 or Windows-1252
    /// (as Excel saves it), extra columns ignored.
    Salespeople {
        /// The CSV file.
        file: PathBuf,
        /// Import the good rows and report the bad ones instead of refusing the file.
        #[arg(long)]
        skip_invalid: bool,
    },
    /// A CSV file with the columns no, name, company, email and optionally
    /// alt_emails (alternative addresses, separated by spaces, `,` or `;`),
    /// in any order (nr, navn, firma, e-post too); `;` or `,` separated,
    /// UTF-8 or Windows-1252, extra columns ignored.
    Contacts {
        /// The CSV file.
        file: PathBuf,
        /// Import the good rows and report the bad ones instead of refusing the file.
        #[arg(long)]
        skip_invalid: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum NeverLogCommand {
    /// Never log mail with this address or domain (subdomains included).
    Add {
        /// An address (anna@fabrikam.com) or a domain (fabrikam.com: subdomains too).
        pattern: String,
    },
    /// Log mail with this address or domain again.
    Remove {
        /// The address or domain as it was added.
        pattern: String,
    },
    /// Every address and domain never logged.
    List,
}

fn report(what: (&str, &str), r: &ImportReport) {
    println!(
        "imported {} ({})",
        crate::domain::text::count(r.imported, what.0, what.1),
        r.format.describe()
    );
    for e in &r.skipped {
        eprintln!("skipped line {}: {}", e.line, e.reason);
    }
}

pub fn import(app: &App, cmd: ImportCommand) -> anyhow::Result<()> {
    let open = |p: &PathBuf| {
        let file =
            std::fs::File::open(p).with_context(|| format!("cannot open {}", p.display()))?;
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        anyhow::Ok(super::progress::ReadProgress::new(
            file,
            size,
            &format!("reading {}", p.display()),
        ))
    };
    match cmd {
        ImportCommand::Salespeople { file, skip_invalid } => {
            let r = app
                .import_salespeople(open(&file)?, skip_invalid)
                .with_context(|| format!("{} not imported", file.display()))?;
            report(("salesperson", "salespeople"), &r);
        }
        ImportCommand::Contacts { file, skip_invalid } => {
            let r = app
                .import_contacts(open(&file)?, skip_invalid)
                .with_context(|| format!("{} not imported", file.display()))?;
            report(("contact", "contacts"), &r);
        }
    }
    Ok(())
}

pub fn never_log(app: &App, cmd: NeverLogCommand) -> anyhow::Result<()> {
    match cmd {
        NeverLogCommand::Add { pattern } => {
            app.require_admin()?;
            let check = app.never_log_check(&pattern)?;
            if let Some(w) = check.warning().filter(|_| !check.listed) {
                eprintln!("note: {w}");
            }
            let (p, added) = app.never_log(&pattern)?;
            if added {
                println!("added {p}")
            } else {
                println!("{p} was already on the list")
            }
        }
        NeverLogCommand::Remove { pattern } => {
            let p = app.never_log_remove(&pattern)?;
            println!("removed {p}");
        }
        NeverLogCommand::List => {
            for p in app.never_log_rules()? {
                println!("{p}");
            }
        }
    }
    Ok(())
}
