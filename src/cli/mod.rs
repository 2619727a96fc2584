//! The command line: flags parsed once into typed commands, each run by its
//! own module against the application API; errors reach stderr with what to
//! do, and the exit code says whether it was a usage error (2) or a failure (1).

mod attachments;
mod audit;
mod capture;
mod demo;
mod jobs;
mod login;
mod mailboxes;
mod migrate;
mod output;
mod people;
mod pg;
mod privacy;
mod private;
mod progress;
mod report;
mod setup;
mod sim;
mod sync;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::app::App;

#[derive(Debug, Parser)]
#[command(
    name = "emaillog",
    version,
    about = "Turns the email salespeople exchange with customers into a sales interaction log"
)]
pub struct Cli {
    /// The database: a SQLite file (default: $XDG_DATA_HOME/emaillog/emaillog.db), or a postgres:// URL (sslmode=require or verify-full; password in the URL or PGPASSWORD).
    #[arg(
        long,
        global = true,
        env = "EMAILLOG_DB",
        help_heading = "Global options"
    )]
    db: Option<PathBuf>,
    /// Extra root certificates to trust (PEM): a TLS-inspecting proxy's CA,
    /// or the simulator's.
    #[arg(
        long,
        global = true,
        env = "EMAILLOG_CA_FILE",
        help_heading = "Global options"
    )]
    ca_file: Option<PathBuf>,
    /// Where the UI writes its log (default: $XDG_STATE_HOME/emaillog/emaillog.log).
    #[arg(
        long,
        global = true,
        env = "EMAILLOG_LOG_FILE",
        help_heading = "Global options"
    )]
    log_file: Option<PathBuf>,
    /// The logging mailbox a per-mailbox command (setup, validate, login,
    /// logout, enable, disable, job, sync, export) acts on; needed when the
    /// database logs several.
    #[arg(
        long,
        global = true,
        env = "EMAILLOG_SHARED_MAILBOX",
        value_name = "ADDRESS",
        help_heading = "Global options"
    )]
    shared_mailbox: Option<String>,
    /// Without a command: the terminal UI on the database.
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create a new, empty database (0600) at --db; `setup set` and `demo`
    /// also create one. Every other command needs one that exists.
    Init,
    /// Show or change the setup.
    Setup {
        #[command(subcommand)]
        command: setup::SetupCommand,
    },
    /// The logging mailboxes: add, list, remove.
    Mailbox {
        #[command(subcommand)]
        command: mailboxes::MailboxCommand,
    },
    /// Import salespeople or contacts from CSV.
    Import {
        #[command(subcommand)]
        command: people::ImportCommand,
    },
    /// Addresses and domains that are never logged.
    NeverLog {
        #[command(subcommand)]
        command: people::NeverLogCommand,
    },
    /// How much of a logged message is kept for an address, a domain or
    /// a salesperson: full, subject or metadata.
    Capture {
        #[command(subcommand)]
        command: capture::CaptureCommand,
    },
    /// Write everything held about a person (GDPR art. 15) to a new JSON
    /// file only you can read: contact record, entries, logged messages
    /// with their bodies and attachments' names, skipped records,
    /// opportunities, capture rules. The admin's; recorded in the audit
    /// trail without the address.
    SubjectAccess {
        /// The person's email address.
        address: String,
        /// The new file to write (0600; an existing file is refused).
        #[arg(long)]
        out: PathBuf,
    },
    /// Forget a person (GDPR art. 17), in one transaction: their contact
    /// record and other addresses, their entries, the logged messages only
    /// they are in (with bodies, attachments and search rows; their copies
    /// in Archive and Skipped deleted by the engine at its next turn),
    /// their skipped records; a message others are in keeps their entries
    /// and loses its body and this person. Future mail to or from them is
    /// skipped as forgotten. Opportunities keep number and amount. The
    /// admin's; run with --dry-run first.
    Forget {
        /// The person's email address (or give --contact).
        #[arg(required_unless_present = "contact", conflicts_with = "contact")]
        address: Option<String>,
        /// The person's contact record number: every address of theirs.
        #[arg(long)]
        contact: Option<String>,
        /// Count what would go and change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Do not ask (needed when standard input is not a terminal).
        #[arg(long)]
        yes: bool,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Mark the message of an entry private, or not: its subject, body and
    /// attachments are then shown and exported only to the salespeople on
    /// it and to admins, "(private)" to everyone else (on PostgreSQL the
    /// server keeps them from other roles), and no longer found by a
    /// search. A salesperson on the message (see `logins`) or an admin;
    /// recorded in the audit trail.
    Private {
        /// The entry's number.
        entry: i64,
        /// on or off.
        #[arg(value_parser = ["on", "off"])]
        state: String,
    },
    /// Which salesperson each login is (an OS account; on PostgreSQL a
    /// database role): they see their own private messages. The admin's.
    Logins {
        #[command(subcommand)]
        command: private::LoginsCommand,
    },
    /// Enable logging: creates the job queue entry.
    Enable {
        /// Seconds until the first run.
        #[arg(long, default_value_t = 0)]
        first_run_delay: i64,
    },
    /// Disable logging: removes the job queue entry.
    Disable,
    /// Sign in (also "Renew token"); signing in as another account changes the job's account.
    Login(login::LoginArgs),
    /// Sign out: delete the stored tokens.
    Logout,
    /// Run every setup check and say how to fix what fails (exit 1 if any fails).
    Validate {
        /// Print JSON instead of text (times ISO 8601 with offset, reasons as codes).
        #[arg(long)]
        json: bool,
        /// Make the storage and Skipped folders the setup names when they
        /// are missing (never the queue folder).
        #[arg(long)]
        create_folders: bool,
    },
    /// Run logging once now and print a summary.
    Sync {
        /// One run (the only mode; kept for clarity in scripts).
        #[arg(long)]
        once: bool,
        /// Print JSON instead of text (times ISO 8601 with offset, reasons as codes).
        #[arg(long)]
        json: bool,
    },
    /// Run the logging job on its schedule until SIGINT/SIGTERM.
    Run,
    /// The job queue entry and its run log.
    Job {
        #[command(subcommand)]
        command: jobs::JobCommand,
    },
    /// A logged message's attachments: list them, save one to a file.
    Attachments {
        #[command(subcommand)]
        command: attachments::AttachmentsCommand,
    },
    /// What the log says: a contact's figures and timeline.
    Report {
        #[command(subcommand)]
        command: report::ReportCommand,
    },
    /// The audit trail (the admin's): who opened, exported, forgot or
    /// changed what, each row chained to the one before by its hash.
    Audit {
        #[command(subcommand)]
        command: audit::AuditCommand,
    },
    /// Export the interaction log to stdout.
    Export {
        #[command(subcommand)]
        command: jobs::ExportCommand,
    },
    /// Run the whole product against the built-in simulated mailbox.
    Demo {
        /// Mean seconds between arriving demo messages.
        #[arg(long, default_value_t = 3.0)]
        arrival_secs: f64,
        /// Print the engine's log instead of opening the UI.
        #[arg(long)]
        headless: bool,
    },
    /// Print shell completions (bash, zsh, fish, elvish, powershell).
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff).
    Man,
    /// Copy the whole database into a new one: a SQLite file into an empty
    /// PostgreSQL database (postgres://…), or back into a new file.
    /// Setup, sealed secrets (the key file goes along), directory, log,
    /// messages, opportunities, skipped records and runs; each table's
    /// count and checksum compared at the end.
    Migrate {
        /// The new database: a postgres:// URL or a file that does not exist.
        #[arg(long, value_name = "DB")]
        to: std::path::PathBuf,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// PostgreSQL roles: who may do what, enforced by the server.
    Pg {
        #[command(subcommand)]
        command: pg::PgCommand,
    },
    /// The built-in Microsoft 365 simulator (Graph mail API and OAuth2 endpoints).
    Sim {
        #[command(subcommand)]
        command: sim::SimCommand,
    },
}

/// Runs the command line and returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    if let Some(path) = &cli.ca_file
        && let Err(e) = crate::net::trust_ca_file(path)
    {
        eprintln!(
            "error: {e}; give a PEM file of CA certificates with --ca-file (or EMAILLOG_CA_FILE)"
        );
        return 2;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return 1;
        }
    };
    if cli.command.as_ref().is_some_and(Command::only_prints) {
        die_quietly_on_closed_pipe();
    }
    let explicit_db = cli.db.clone();
    // A PostgreSQL URL is never taken for a file path (a folder named
    // `postgres:` made by mistake): a malformed one is said as such.
    if let Some(url) = explicit_db
        .as_deref()
        .and_then(crate::store::pg::target::postgres_url)
        && let Err(why) = crate::store::pg::target::PgTarget::parse(url, None)
    {
        eprintln!("error: {why}");
        return 2;
    }
    let app = App::new(cli.db.unwrap_or_else(crate::app::default_db_path));
    let ui = crate::tui::UiOptions {
        log_file: cli.log_file.clone(),
    };
    let result = runtime.block_on(async {
        // A mistyped --db never becomes a new empty database (or folder).
        if cli.command.as_ref().is_none_or(Command::needs_database) {
            app.require_existing()?;
        }
        let app = match &cli.shared_mailbox {
            Some(address) if !address.trim().is_empty() => app.pick_mailbox(address)?,
            _ => app,
        };
        let Some(command) = cli.command else {
            return crate::tui::run(app, ui).await;
        };
        // The mailbox a per-mailbox command acts on: the picked one or the
        // only one; with several and none picked the command refuses.
        let app = if command.per_mailbox() {
            app.one_mailbox()?
        } else {
            app
        };
        match command {
            Command::Init => {
                let shown = crate::store::Store::shown(app.db_path());
                if crate::store::Store::exists(app.db_path())? {
                    anyhow::bail!("there is a database at {shown} already; nothing was changed");
                }
                app.store()?;
                let who = if crate::store::pg::target::postgres_url(app.db_path()).is_some() {
                    "its schema made"
                } else {
                    "readable by you only"
                };
                println!(
                    "created the database {shown} ({who}); next: emaillog setup set --mailbox ADDRESS --tenant TENANT --client-id APP_ID"
                );
                Ok(())
            }
            Command::Setup { command } => setup::run(&app, command),
            Command::Mailbox { command } => mailboxes::run(&app, command),
            Command::Import { command } => people::import(&app, command),
            Command::NeverLog { command } => people::never_log(&app, command),
            Command::Capture { command } => capture::run(&app, command),
            Command::Forget {
                address,
                contact,
                dry_run,
                yes,
                json,
            } => privacy::forget(&app, address, contact, dry_run, yes, json),
            Command::SubjectAccess { address, out } => privacy::subject_access(&app, &address, &out),
            Command::Private { entry, state } => private::private(&app, entry, &state),
            Command::Logins { command } => private::logins(&app, command),
            Command::Enable { first_run_delay } => {
                app.enable(first_run_delay)?;
                println!("enabled: the job queue entry is Ready; `emaillog run` runs it");
                Ok(())
            }
            Command::Disable => {
                app.disable()?;
                println!("disabled: the job queue entry is removed");
                Ok(())
            }
            Command::Login(args) => login::login(&app, args).await,
            Command::Logout => login::logout(&app),
            Command::Validate {
                json,
                create_folders,
            } => setup::validate(&app, json, create_folders).await,
            Command::Sync { once: _, json } => sync::sync(&app, json).await,
            Command::Run => jobs::run_service(&app, cli.log_file.clone()).await,
            Command::Job { command } => jobs::job(&app, command),
            Command::Export { command } => jobs::export(&app, command),
            Command::Audit { command } => audit::run(&app, command),
            Command::Report { command } => report::run(&app, command),
            Command::Attachments { command } => attachments::run(&app, command).await,
            Command::Demo {
                arrival_secs,
                headless,
            } => demo::run(explicit_db, arrival_secs, (!headless).then_some(ui)).await,
            Command::Completions { shell } => {
                let mut cmd = <Cli as clap::CommandFactory>::command();
                clap_complete::generate(shell, &mut cmd, "emaillog", &mut std::io::stdout());
                Ok(())
            }
            Command::Man => {
                let cmd = <Cli as clap::CommandFactory>::command();
                clap_mangen::Man::new(cmd).render(&mut std::io::stdout())?;
                Ok(())
            }
            Command::Pg { command } => pg::run(&app, command),
            Command::Migrate { to, json } => migrate::run(&app, &to, json),
            Command::Sim { command } => sim::run(command).await,
        }
    });
    match result {
        Ok(()) => 0,
        Err(e) if e.downcast_ref::<Interrupted>().is_some() => {
            eprintln!("{e}");
            130
        }
        Err(e) => {
            eprintln!("error: {}", error_text(&e));
            1
        }
    }
}

impl Command {
    /// Commands that act on one logging mailbox.
    fn per_mailbox(&self) -> bool {
        match self {
            Command::Setup { command } => !matches!(command, setup::SetupCommand::Share { .. }),
            Command::Enable { .. }
            | Command::Disable
            | Command::Login(_)
            | Command::Logout
            | Command::Validate { .. }
            | Command::Job { .. } => true,
            _ => false,
        }
    }

    /// Commands that work on a database that must exist: all but the ones
    /// that create it (`init`, `setup set`, `demo`) and the ones that need
    /// none.
    fn needs_database(&self) -> bool {
        !matches!(
            self,
            Command::Init
                | Command::Setup {
                    command: setup::SetupCommand::Set(_)
                }
                | Command::Demo { .. }
                | Command::Completions { .. }
                | Command::Man
                | Command::Sim { .. }
        )
    }

    /// Commands that print and end, with nothing half done if their reader
    /// goes away (`emaillog completions bash | head`): those may die of a
    /// closed pipe, as other Unix tools do. The UI, the runner, a sync, the
    /// demo, sign-in and the simulator keep going and handle it themselves.
    fn only_prints(&self) -> bool {
        !matches!(
            self,
            Command::Login(_)
                | Command::Sync { .. }
                | Command::Run
                | Command::Demo { .. }
                | Command::Sim { .. }
        )
    }
}

/// Restores the default SIGPIPE action (Rust starts with it ignored, so a
/// write to a closed pipe would be an error, and `println!` would panic).
fn die_quietly_on_closed_pipe() {
    // SAFETY: setting a signal's disposition to SIG_DFL touches no Rust
    // state and is process-wide; no handler of ours is replaced.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// The error and its causes, each cause only once (our messages often
/// already quote their cause).
pub(crate) fn error_text(e: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in e.chain() {
        let c = cause.to_string();
        if !text.contains(&c) {
            if !text.is_empty() {
                text.push_str(": ");
            }
            text.push_str(&c);
        }
    }
    crate::domain::text::one_line(&text)
}

/// A command that stopped early because it was asked to (Ctrl-C,
/// SIGTERM) after finishing its work in hand: exit code 130, as a shell
/// gives a process ended by SIGINT.
#[derive(Debug)]
pub struct Interrupted;

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(
            "interrupted: the run stopped after the page in hand; the next run goes on from there",
        )
    }
}

impl std::error::Error for Interrupted {}

/// Waits for Ctrl-C or SIGTERM.
pub async fn wait_for_stop() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

#[cfg(test)]
mod help_tests {
    use super::*;

    /// Every argument and command of `cmd` and below without a help text.
    fn without_help(cmd: &clap::Command, path: &str, out: &mut Vec<String>) {
        let here = format!("{path} {}", cmd.get_name()).trim().to_string();
        for a in cmd.get_arguments() {
            let id = a.get_id().as_str();
            if matches!(id, "help" | "version") || a.is_global_set() && !path.is_empty() {
                continue;
            }
            if a.get_help().is_none() && a.get_long_help().is_none() {
                out.push(format!("{here}: {id}"));
            }
        }
        for sub in cmd.get_subcommands() {
            if sub.get_about().is_none()
                && sub.get_long_about().is_none()
                && sub.get_name() != "help"
            {
                out.push(format!("{here} {}: no about", sub.get_name()));
            }
            without_help(sub, &here, out);
        }
    }

    #[test]
    fn global_options_are_listed_apart_from_a_commands_own() {
        let mut cmd = <Cli as clap::CommandFactory>::command();
        cmd.build();
        let sync = cmd.find_subcommand_mut("sync").unwrap();
        let help = sync.render_help().to_string();
        let (own, global) = help.split_once("Global options:").expect(&help);
        assert!(own.contains("--json") && !own.contains("--db"), "{help}");
        assert!(
            global.contains("--db") && global.contains("--ca-file"),
            "{help}"
        );
    }

    #[test]
    fn every_option_argument_and_command_has_help() {
        let mut missing = Vec::new();
        without_help(&<Cli as clap::CommandFactory>::command(), "", &mut missing);
        assert!(missing.is_empty(), "no help text: {missing:#?}");
    }
}
