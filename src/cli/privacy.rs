//! `emaillog forget` and `emaillog subject-access`: a person's erasure and
//! what is held about them (the admin's). A forget for real shows the dry
//! run's counts and asks first, or takes `--yes`.

use std::path::Path;

use crate::app::App;
use crate::app::forget::{ForgetReport, ForgetWho};

use super::output::{confirmed, print_json};

fn counts_line(r: &ForgetReport) -> String {
    let c = &r.counts;
    format!(
        "{} contact record(s) ({} other addresses), {} entries, {} logged messages removed ({} attachments), {} kept for others without them, {} skipped records, {} opportunities unlinked, {} mailbox copies to delete, {} tombstone(s)",
        c.contacts,
        c.other_addresses,
        c.entries,
        c.messages_removed,
        c.attachments,
        c.messages_kept_without_them,
        c.skipped,
        c.opportunities_unlinked,
        c.mailbox_deletions,
        c.tombstones
    )
}

pub fn forget(
    app: &App,
    address: Option<String>,
    contact: Option<String>,
    dry_run: bool,
    yes: bool,
    json: bool,
) -> anyhow::Result<()> {
    app.require_existing()?;
    let who = match (address, contact) {
        (Some(a), _) => ForgetWho::Address(a),
        (None, Some(c)) => ForgetWho::Contact(c),
        (None, None) => anyhow::bail!("give an address or --contact NO"),
    };
    if !dry_run && !yes {
        let dry = app.forget(&who, true)?;
        let question = format!(
            "Forget them for good? It removes {}. This cannot be undone.",
            counts_line(&dry)
        );
        if !confirmed(&question, false)? {
            println!("nothing was forgotten");
            return Ok(());
        }
    }
    let r = app.forget(&who, dry_run)?;
    if json {
        return print_json(&r);
    }
    println!(
        "{}: {}",
        if r.dry_run {
            "would forget (dry run, nothing changed)"
        } else {
            "forgotten"
        },
        counts_line(&r)
    );
    if !r.dry_run && r.counts.mailbox_deletions > 0 {
        println!("the engine deletes the mailbox copies at its next turn (emaillog run, or sync)");
    }
    Ok(())
}

pub fn subject_access(app: &App, address: &str, out: &Path) -> anyhow::Result<()> {
    app.require_existing()?;
    let c = app.subject_access(address, out)?;
    println!(
        "wrote {}: {} contact record(s), {} entries, {} logged messages ({} attachments), {} skipped records, {} opportunities",
        out.display(),
        c.contacts,
        c.entries,
        c.messages,
        c.attachments,
        c.skipped,
        c.opportunities
    );
    Ok(())
}
