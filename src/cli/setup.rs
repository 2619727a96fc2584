//! `emaillog setup show|set|secret`.

use std::io::Read;

use clap::{Args, Subcommand};

use crate::app::App;
use crate::app::setup_edit::SetupChanges;
use crate::domain::folders::{FolderRole, shown};
use crate::domain::normalize_address;
use crate::domain::setup::{
    AuthFlow, ImapAuth, ImapTls, Setup, SourceKind, Unmatched, check_endpoint, check_tenant,
    parse_auth_flow, parse_rate, parse_unmatched,
};

use super::output::print_json;

#[derive(Debug, Subcommand)]
pub enum SetupCommand {
    /// Print the setup (secrets only as set/not set).
    Show {
        /// Print JSON (secrets only as set or not set).
        #[arg(long)]
        json: bool,
    },
    /// Change setup fields.
    Set(Box<SetArgs>),
    /// The team's settings for follow-ups and going cold (one for all
    /// mailboxes): shown, or changed (the admin's).
    Signals {
        /// The time zone working days are counted in (IANA name).
        #[arg(long)]
        time_zone: Option<String>,
        /// Working days (Monday–Friday) an answer may take before a
        /// conversation is a follow-up (0–30).
        #[arg(long)]
        follow_up_days: Option<u32>,
        /// Days without a message either way that make a contact with an
        /// open opportunity go cold (1–3650).
        #[arg(long)]
        going_cold_days: Option<u32>,
    },
    /// Print a script an admin runs once.
    Script {
        #[command(subcommand)]
        script: ScriptCommand,
    },
    /// Let a group (the sales team) open the database for the user view;
    /// the key file stays the admin's alone.
    Share {
        /// The group name (or number) to share with.
        #[arg(long)]
        group: String,
    },
    /// Store the client secret (or, with --imap-password, the IMAP
    /// password), read from standard input, sealed.
    Secret {
        /// Read the secret from standard input (the only way: it never goes on a command line).
        #[arg(long, required = true)]
        stdin: bool,
        /// The IMAP password instead of the client secret.
        #[arg(long)]
        imap_password: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ScriptCommand {
    /// Exchange Online PowerShell: shared mailbox, FullAccess, Reviewer on Archive, the two mail flow rules.
    Exchange {
        /// The shared mailbox (default: the setup's).
        #[arg(long)]
        mailbox: Option<String>,
        /// The account emaillog signs in as (default: the signed-in account; none for app-only).
        #[arg(long)]
        account: Option<String>,
        /// A user who may open logged mail (Reviewer on Archive); repeat for more.
        #[arg(long)]
        reader: Vec<String>,
    },
    /// Azure CLI steps for the app registration.
    App {
        /// The app registration's display name in Microsoft Entra ID.
        #[arg(long, default_value = "emaillog")]
        name: String,
        /// Also the application permission and a client secret, for app-only sign-in.
        #[arg(long)]
        app_only: bool,
    },
}

fn parse_mailbox(s: &str) -> Result<String, String> {
    normalize_address(s).ok_or_else(|| format!("'{s}' is not an email address"))
}

fn parse_endpoint(s: &str) -> Result<String, String> {
    check_endpoint("URL", s).map(|_| s.to_string())
}

fn parse_tenant(s: &str) -> Result<String, String> {
    check_tenant(s).map(|_| s.to_string())
}

#[derive(Debug, Args)]
pub struct SetArgs {
    /// The shared mailbox the mail flow rules BCC into.
    #[arg(long, value_parser = parse_mailbox)]
    mailbox: Option<String>,
    /// Tenant id, verified domain, or `organizations`.
    #[arg(long, value_parser = parse_tenant)]
    tenant: Option<String>,
    /// The app registration's application (client) id.
    #[arg(long)]
    client_id: Option<String>,
    /// Graph base URL (https, or http on loopback for the simulator).
    #[arg(long, value_parser = parse_endpoint)]
    graph_url: Option<String>,
    /// Identity platform authority (https, or http on loopback).
    #[arg(long, value_parser = parse_endpoint)]
    authority: Option<String>,
    /// Loopback redirect URL for the authorization-code flow.
    #[arg(long, value_parser = parse_endpoint)]
    redirect_url: Option<String>,
    /// device-code, auth-code or client-credentials.
    #[arg(long, value_parser = parse_auth_flow)]
    auth_flow: Option<AuthFlow>,
    /// Messages per Inbox page, between 1 and 1,000.
    #[arg(long, value_parser = |s: &str| in_range(s, 1, 1000, "messages"))]
    batch_size: Option<u32>,
    /// Messages handled per run at most, between 1 and 1,000,000.
    #[arg(long, value_parser = |s: &str| in_range(s, 1, 1_000_000, "messages"))]
    run_limit: Option<u32>,
    /// What happens to mail that is not logged: skip-folder, delete or leave.
    #[arg(long, value_parser = parse_unmatched)]
    unmatched: Option<Unmatched>,
    /// Keep the message body (as text) with the logged message.
    #[arg(long)]
    store_body: Option<bool>,
    /// Leave private and confidential mail out.
    #[arg(long)]
    skip_sensitive: Option<bool>,
    /// Leave auto-replies, bounces, bulk and no-reply mail out.
    #[arg(long)]
    skip_auto_generated: Option<bool>,
    /// Log an unknown address at a contact company's domain against that company.
    #[arg(long)]
    domain_matching: Option<bool>,
    /// Client-side pacing as REQUESTS/SECONDS per mailbox (Graph: 10000/600).
    #[arg(long, value_parser = parse_rate)]
    rate_limit: Option<(u32, u32)>,
    /// Seconds between runs of the job, between 1 and 86,400 (a day).
    #[arg(long, value_parser = |s: &str| in_range(s, 1, 86_400, "seconds"))]
    interval: Option<u32>,
    /// Failed runs in a row before the job goes to Error; failed attempts at
    /// one message before it is moved to Skipped.
    #[arg(long, value_parser = |s: &str| in_range(s, 1, 100, "attempts"))]
    max_attempts: Option<u32>,
    /// Days of runs the job queue log keeps, between 1 and 3,650 (older
    /// runs are deleted after each run; default 30).
    #[arg(long, value_parser = |s: &str| in_range(s, 1, 3650, "days"))]
    run_history_days: Option<u32>,
    /// Days message bodies and attachment names are kept, 0 (the default)
    /// for ever; the entries stay. Applied by the engine once a day.
    #[arg(long, value_name = "DAYS", value_parser = |s: &str| in_range(s, 0, 36_500, "days"))]
    retain_bodies_days: Option<u32>,
    /// Days entries and their logged messages are kept, 0 (the default)
    /// for ever.
    #[arg(long, value_name = "DAYS", value_parser = |s: &str| in_range(s, 0, 36_500, "days"))]
    retain_entries_days: Option<u32>,
    /// Days skipped records are kept, 0 (the default) for ever.
    #[arg(long, value_name = "DAYS", value_parser = |s: &str| in_range(s, 0, 36_500, "days"))]
    retain_skipped_days: Option<u32>,
    /// Whether retention also deletes the Archive and Skipped copies in the
    /// mailbox of what it removes.
    #[arg(long)]
    retain_mailbox: Option<bool>,
    /// A command whose standard output is the client secret (e.g. a vault CLI);
    /// used after EMAILLOG_CLIENT_SECRET and before the stored secret. "" clears it.
    #[arg(long)]
    secret_command: Option<String>,
    /// Where mail is read: graph or imap.
    #[arg(long, value_parser = parse_source)]
    source: Option<SourceKind>,
    /// The IMAP server's host name.
    #[arg(long)]
    imap_host: Option<String>,
    /// The IMAP server's port (993 implicit TLS, 143 STARTTLS).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    imap_port: Option<u16>,
    /// implicit, starttls, or none (only to a loopback host).
    #[arg(long, value_parser = parse_imap_tls)]
    imap_tls: Option<ImapTls>,
    /// The user that opens the shared mailbox (for Exchange: DOMAIN\\user\\shared or user@domain).
    #[arg(long)]
    imap_user: Option<String>,
    /// password (LOGIN / AUTHENTICATE PLAIN) or xoauth2 (the sign-in's token).
    #[arg(long, value_parser = parse_imap_auth)]
    imap_auth: Option<ImapAuth>,
    /// The folder mail is read from, as a path (CRM/Queue, Public/Email
    /// Logging/Queue) or a Graph well-known name; "" is the Inbox. Never
    /// junk, deleted, draft or sent mail.
    #[arg(long, value_name = "PATH")]
    queue_folder: Option<String>,
    /// The folder logged mail is moved to; "" is Archive. Links to mail
    /// logged before a change keep working.
    #[arg(long, value_name = "PATH")]
    storage_folder: Option<String>,
    /// The folder skipped mail is moved to; "" is Skipped beside the Inbox.
    #[arg(long, value_name = "PATH")]
    skip_folder: Option<String>,
}

fn parse_source(s: &str) -> Result<SourceKind, String> {
    SourceKind::parse(s).ok_or_else(|| format!("'{s}' is not one of {}", SourceKind::names()))
}

fn parse_imap_tls(s: &str) -> Result<ImapTls, String> {
    ImapTls::parse(s).ok_or_else(|| format!("'{s}' is not one of {}", ImapTls::names()))
}

fn parse_imap_auth(s: &str) -> Result<ImapAuth, String> {
    ImapAuth::parse(s).ok_or_else(|| format!("'{s}' is not one of {}", ImapAuth::names()))
}

impl SetArgs {
    fn changes(self) -> SetupChanges {
        SetupChanges {
            mailbox: self.mailbox,
            tenant: self.tenant,
            client_id: self.client_id,
            redirect_url: self.redirect_url,
            graph_url: self.graph_url,
            authority: self.authority,
            auth_flow: self.auth_flow,
            batch_size: self.batch_size,
            run_limit: self.run_limit,
            unmatched: self.unmatched,
            store_body: self.store_body,
            skip_sensitive: self.skip_sensitive,
            skip_auto_generated: self.skip_auto_generated,
            domain_matching: self.domain_matching,
            rate_limit: self.rate_limit,
            job_interval_secs: self.interval,
            max_attempts: self.max_attempts,
            run_history_days: self.run_history_days,
            retain_bodies_days: self.retain_bodies_days,
            retain_entries_days: self.retain_entries_days,
            retain_skipped_days: self.retain_skipped_days,
            retain_mailbox: self.retain_mailbox,
            secret_command: self.secret_command,
            source: self.source,
            imap_host: self.imap_host,
            imap_port: self.imap_port,
            imap_tls: self.imap_tls,
            imap_user: self.imap_user,
            imap_auth: self.imap_auth,
            queue_folder: self.queue_folder,
            storage_folder: self.storage_folder,
            skip_folder: self.skip_folder,
        }
    }
}

pub fn print_setup(s: &Setup) {
    let or_unset = |v: &str| {
        if v.is_empty() {
            "(not set)".to_string()
        } else {
            v.to_string()
        }
    };
    println!("mail source         {}", s.source.as_str());
    if s.source == SourceKind::Imap {
        println!(
            "IMAP server         {}:{} ({})",
            or_unset(&s.imap_host),
            s.imap_port,
            s.imap_tls.as_str()
        );
        println!("IMAP user           {}", or_unset(&s.imap_user));
        println!("IMAP sign-in        {}", s.imap_auth.as_str());
        println!(
            "IMAP password       {}",
            if s.has_imap_password {
                "set (sealed)"
            } else {
                "not set"
            }
        );
    }
    println!("mailbox             {}", or_unset(&s.mailbox));
    for (role, path) in [
        (FolderRole::Queue, &s.queue_folder),
        (FolderRole::Storage, &s.storage_folder),
        (FolderRole::Skip, &s.skip_folder),
    ] {
        println!(
            "{:<19} {}",
            role.label(),
            crate::domain::text::one_line(&shown(role, path))
        );
    }
    println!("tenant              {}", or_unset(&s.tenant));
    println!("client id           {}", or_unset(&s.client_id));
    println!(
        "client secret       {}",
        if s.has_client_secret {
            "set (sealed)"
        } else {
            "not set"
        }
    );
    println!("auth flow           {}", s.auth_flow.as_str());
    println!("redirect URL        {}", s.redirect_url);
    println!("graph URL           {}", s.graph_url);
    println!("authority           {}", s.authority);
    println!("enabled             {}", s.enabled);
    println!("consent given       {}", s.consent_given);
    println!(
        "signed-in account   {}",
        s.account.as_deref().unwrap_or("(none)")
    );
    println!("batch size          {}", s.batch_size);
    println!("run limit           {}", s.run_limit);
    println!("unmatched mail      {}", s.unmatched.as_str());
    println!("store body          {}", s.store_body);
    println!("skip sensitive      {}", s.skip_sensitive);
    println!("skip auto-generated {}", s.skip_auto_generated);
    println!("domain matching     {}", s.domain_matching);
    println!(
        "rate limit          {}/{} s",
        s.rate_limit, s.rate_window_secs
    );
    println!("job interval        {} s", s.job_interval_secs);
    println!("max attempts        {}", s.max_attempts);
    println!("run history         {} days", s.run_history_days);
    let kept = |d: u32| {
        if d == 0 {
            "for ever".to_string()
        } else {
            format!("{d} days")
        }
    };
    println!("keep bodies         {}", kept(s.retain_bodies_days));
    println!("keep entries        {}", kept(s.retain_entries_days));
    println!("keep skipped        {}", kept(s.retain_skipped_days));
    println!(
        "mailbox copies      {}",
        if s.retain_mailbox {
            "deleted with what retention removes"
        } else {
            "left when retention removes"
        }
    );
    println!(
        "secret command      {}",
        if s.secret_command.is_empty() {
            "(none)"
        } else {
            "set (not shown)"
        }
    );
}

pub fn run(app: &App, cmd: SetupCommand) -> anyhow::Result<()> {
    match cmd {
        SetupCommand::Show { json } => {
            app.require_existing()?;
            let s = app.setup()?;
            if json {
                print_json(&s)
            } else {
                print_setup(&s);
                Ok(())
            }
        }
        SetupCommand::Share { group } => {
            let shared = app.share_with_group(&group)?;
            for p in &shared.paths {
                println!(
                    "{}: group {} ({}), group may read and write",
                    p.display(),
                    shared.group,
                    shared.gid
                );
            }
            println!(
                "{}: stays readable by its owner only; members of {} get the user view (no secrets, no sign-in, no engine)",
                shared.key_file.display(),
                shared.group
            );
            Ok(())
        }
        SetupCommand::Set(args) => {
            let s = app.change_setup(&args.changes())?;
            print_setup(&s);
            Ok(())
        }
        SetupCommand::Signals {
            time_zone,
            follow_up_days,
            going_cold_days,
        } => {
            let s = if time_zone.is_none() && follow_up_days.is_none() && going_cold_days.is_none()
            {
                app.signal_settings()?
            } else {
                app.set_signal_settings(time_zone.as_deref(), follow_up_days, going_cold_days)?
            };
            println!("time zone        {}", s.week.tz.name());
            println!(
                "follow-up days   {} working days (Monday–Friday)",
                s.follow_up_days
            );
            println!("going-cold days  {} days", s.cold_days);
            Ok(())
        }
        SetupCommand::Script { script } => {
            let setup = app.setup()?;
            let text = match script {
                ScriptCommand::Exchange {
                    mailbox,
                    account,
                    reader,
                } => {
                    let mailbox = mailbox.unwrap_or(setup.mailbox.clone());
                    if mailbox.is_empty() {
                        anyhow::bail!(
                            "no shared mailbox: pass --mailbox ADDRESS or set it with `emaillog setup set --mailbox`"
                        );
                    }
                    let account = account.or_else(|| setup.logging_account());
                    crate::app::scripts::exchange(&mailbox, account.as_deref(), &reader)
                }
                ScriptCommand::App { name, app_only } => {
                    crate::app::scripts::app_registration(&name, &setup.redirect_url, app_only)
                }
            };
            print!("{}", text.map_err(anyhow::Error::msg)?);
            Ok(())
        }
        SetupCommand::Secret {
            stdin: _,
            imap_password,
        } => {
            let what = if imap_password {
                "IMAP password"
            } else {
                "client secret"
            };
            let secret = if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
                // Typed at a terminal: asked for, and never shown.
                read_hidden(&format!("{what} (not shown; Enter ends it): "))?
            } else {
                // A secret is short: an endless or binary stream is refused at once.
                let mut secret = String::new();
                crate::bounded::Bounded::new(std::io::stdin(), 64 << 10, 16 << 10)
                    .read_to_string(&mut secret)
                    .map_err(|e| match crate::bounded::too_large(&e) {
                        Some(t) => anyhow::anyhow!("the secret on standard input is refused: {t}"),
                        None => anyhow::anyhow!("cannot read the secret from standard input: {e}"),
                    })?;
                secret
            };
            if imap_password {
                app.set_imap_password(&secret)?;
                println!("IMAP password stored, sealed with the key file beside the database");
            } else {
                app.set_client_secret(&secret)?;
                println!("client secret stored, sealed with the key file beside the database");
            }
            Ok(())
        }
    }
}

pub async fn validate(app: &App, json: bool, create_folders: bool) -> anyhow::Result<()> {
    let checks = app.validate_with(create_folders, |_| {}).await?;
    if json {
        print_json(&checks)?;
    } else {
        for c in &checks {
            println!(
                "{} {:<22} {}",
                if c.passed { "✔" } else { "✘" },
                c.name,
                crate::domain::text::one_line(&c.detail)
            );
            if let Some(f) = &c.fix {
                println!("  {:<22} fix: {}", "", f);
            }
        }
    }
    let failed = checks.iter().filter(|c| !c.passed).count();
    if failed > 0 {
        anyhow::bail!("{failed} of {} checks failed", checks.len());
    }
    Ok(())
}

/// A line typed at the terminal without echo (the terminal in raw mode
/// while it is typed; Backspace works, Ctrl-C or Esc give up).
fn read_hidden(prompt: &str) -> anyhow::Result<String> {
    use ratatui::crossterm::event::{Event, KeyCode, KeyEventKind, KeyModifiers, read};
    use ratatui::crossterm::terminal::{disable_raw_mode, enable_raw_mode};
    use std::io::Write;
    let mut err = std::io::stderr();
    write!(err, "{prompt}")?;
    err.flush()?;
    enable_raw_mode()?;
    let mut typed = String::new();
    let result = loop {
        match read() {
            Ok(Event::Key(k)) if k.kind != KeyEventKind::Release => match k.code {
                KeyCode::Enter => break Ok(()),
                KeyCode::Esc => break Err(anyhow::anyhow!("nothing stored: Esc")),
                KeyCode::Char('c') if k.modifiers.contains(KeyModifiers::CONTROL) => {
                    break Err(anyhow::anyhow!("nothing stored: interrupted"));
                }
                KeyCode::Backspace => {
                    typed.pop();
                }
                KeyCode::Char(c) if typed.len() < 16 << 10 => typed.push(c),
                _ => {}
            },
            Ok(_) => {}
            Err(e) => break Err(e.into()),
        }
    };
    let _ = disable_raw_mode();
    writeln!(err)?;
    result.map(|()| typed)
}

/// A whole number in `lo..=hi`; out of range, the error names the range in
/// words ("between 1 and 86,400 seconds").
fn in_range(s: &str, lo: u32, hi: u32, unit: &str) -> Result<u32, String> {
    use crate::domain::text::grouped;
    let range = format!(
        "between {} and {} {unit}",
        grouped(u64::from(lo)),
        grouped(u64::from(hi))
    );
    let n: u32 = s
        .trim()
        .replace([',', '_'], "")
        .parse()
        .map_err(|_| format!("'{s}' is not a whole number: give one {range}"))?;
    if (lo..=hi).contains(&n) {
        Ok(n)
    } else {
        Err(format!("{n} is out of range: give one {range}"))
    }
}
