//! `emaillog attachments …`: a logged message's attachments, listed, and
//! one saved to a file (fetched from the mailbox; written new and 0600;
//! never opened).

use clap::Subcommand;

use crate::app::App;
use crate::app::attachments::size_text;
use crate::domain::text::one_line;

use super::output::print_json;

#[derive(Debug, Subcommand)]
pub enum AttachmentsCommand {
    /// The attachments of an entry's message: number, name, type, size,
    /// inline or not.
    List {
        /// The entry's number, as the interaction log shows it.
        entry: i64,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Fetches attachment N of an entry's message from the mailbox and
    /// writes it to a new file (nothing is overwritten).
    Save {
        /// The entry's number, as the interaction log shows it.
        entry: i64,
        /// The attachment's number, as `attachments list` shows it.
        number: i64,
        /// The file to write (it must not exist).
        #[arg(long)]
        out: String,
    },
}

pub async fn run(app: &App, command: AttachmentsCommand) -> anyhow::Result<()> {
    match command {
        AttachmentsCommand::List { entry, json } => {
            let list = app.entry_attachments(entry)?;
            if json {
                print_json(&list)?;
            } else if list.is_empty() {
                println!("entry {entry}'s message has no attachments");
            } else {
                for a in &list {
                    println!(
                        "{:>3}  {:<40} {:<28} {:>10}{}",
                        a.seq,
                        one_line(&a.name),
                        one_line(&a.content_type),
                        size_text(a.size),
                        if a.inline { "  inline" } else { "" }
                    );
                }
            }
            Ok(())
        }
        AttachmentsCommand::Save { entry, number, out } => {
            let list = app.entry_attachments(entry)?;
            let Some(a) = list.iter().find(|a| a.seq == number) else {
                anyhow::bail!(
                    "entry {entry}'s message has no attachment {number}: `emaillog attachments list {entry}` shows its {}",
                    list.len()
                );
            };
            println!(
                "{}",
                app.save_attachment(a.logged_message_id, a.seq, &out)
                    .await?
            );
            Ok(())
        }
    }
}
