//! `emaillog migrate --to TARGET`: the whole database into a new store,
//! with a progress bar per table and each table's count and checksum
//! compared at the end.

use crate::app::App;
use crate::auth::secrets::KeyCopy;
use crate::domain::text::count;

use super::output::print_json;
use super::progress::{ProgressLine, bar};

pub fn run(app: &App, to: &std::path::Path, json: bool) -> anyhow::Result<()> {
    let mut line = ProgressLine::new();
    let done = app.migrate_to(to, &mut |table, n, total| {
        line.draw(&format!(
            "copying {table:<24} {} {n}/{total}",
            bar(n, total, 30)
        ));
    });
    line.clear();
    let done = done?;
    let shown = crate::store::Store::shown(to);
    if json {
        let tables: Vec<serde_json::Value> = done
            .tables
            .iter()
            .map(|t| {
                serde_json::json!({
                    "table": t.table,
                    "rows": t.to.rows,
                    "checksum": format!("{:032x}", t.to.checksum),
                    "matches": t.matches(),
                })
            })
            .collect();
        return print_json(&serde_json::json!({ "to": shown, "tables": tables }));
    }
    println!("{:<24} {:>10}  CHECKSUM", "TABLE", "ROWS");
    for t in &done.tables {
        println!("{:<24} {:>10}  {:032x}", t.table, t.to.rows, t.to.checksum);
    }
    let rows: u64 = done.tables.iter().map(|t| t.to.rows).sum();
    println!(
        "copied {} in {} tables to {shown}: every count and checksum matches",
        count(rows as usize, "row", "rows"),
        done.tables.len()
    );
    match done.key {
        KeyCopy::Copied => println!(
            "the key file was copied to {} (0600): the sealed secrets open there; engine hosts need it, users do not",
            done.key_file.display()
        ),
        KeyCopy::Same => println!("both use the key file {}", done.key_file.display()),
        KeyCopy::NoKey => println!(
            "there was no key file: sealed secrets were copied as they are; enter them again on the new database"
        ),
    }
    println!("next: emaillog --db {shown} validate, then start the engines on it");
    Ok(())
}
