//! The audit trail through the command line: each audited act leaves
//! exactly one row, `audit verify` finds a row edited, deleted or moved
//! (and a rewritten tail, given the head kept), and a prune removes only
//! old rows and records itself so the chain still verifies. On both
//! stores (on PostgreSQL the server's function appends the rows).

mod common;

use common::*;
use emaillog::domain::audit::{GENESIS, row_hash};
use emaillog::store::db::params;
use serde_json::Value;
use std::path::Path;

fn rows(db: &Path) -> Vec<Value> {
    let o = emaillog_ok(db, &["audit", "list", "--json"]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let mut rows = v.as_array().unwrap().clone();
    rows.reverse();
    rows
}

fn actions(db: &Path) -> Vec<String> {
    rows(db)
        .iter()
        .map(|r| r["action"].as_str().unwrap().to_string())
        .collect()
}

/// A database with `n` audited never-log changes in its trail.
fn trail(dir: &Path, name: &str, n: usize) -> std::path::PathBuf {
    let db = emaillog::store::testing::fresh_database(dir, name);
    emaillog_ok(&db, &["init"]);
    for i in 0..n {
        emaillog_ok(&db, &["never-log", "add", &format!("d{i}.example")]);
    }
    db
}

fn verify(db: &Path, extra: &[&str]) -> (Option<i32>, String) {
    let mut args = vec!["audit", "verify"];
    args.extend_from_slice(extra);
    let o = emaillog_on(db, &args);
    (o.status.code(), text(&o))
}

#[test]
fn each_audited_act_leaves_one_row_and_the_chain_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let db = emaillog::store::testing::fresh_database(dir.path(), "acts.db");
    emaillog_ok(&db, &["init"]);
    assert!(rows(&db).is_empty(), "a new database has an empty trail");
    emaillog_ok(&db, &["never-log", "add", "Spam.Example"]);
    // Already listed: nothing changed, nothing recorded.
    emaillog_ok(&db, &["never-log", "add", "spam.example"]);
    emaillog_ok(&db, &["never-log", "remove", "spam.example"]);
    emaillog_ok(
        &db,
        &[
            "export",
            "interactions",
            "--format",
            "csv",
            "--direction",
            "inbound",
        ],
    );
    emaillog_ok(&db, &["export", "interactions", "--format", "json"]);
    // Reading the trail is not itself recorded; a refused command is not.
    assert_eq!(
        emaillog_on(&db, &["never-log", "remove", "nothere.example"])
            .status
            .code(),
        Some(1)
    );
    let got = rows(&db);
    assert_eq!(
        actions(&db),
        ["never_log_added", "never_log_removed", "export", "export"]
    );
    assert_eq!(got[0]["detail"]["pattern"], "spam.example");
    assert_eq!(got[2]["detail"]["format"], "csv");
    assert_eq!(got[2]["detail"]["filters"]["direction"], "inbound");
    assert_eq!(got[2]["detail"]["rows"], 0);
    assert_eq!(got[3]["detail"]["format"], "json");
    let seqs: Vec<i64> = got.iter().map(|r| r["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, [1, 2, 3, 4]);
    for r in &got {
        assert!(!r["who"].as_str().unwrap().is_empty(), "{r}");
    }
    let (code, out) = verify(&db, &[]);
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains("4 rows checked") && out.contains("intact"),
        "{out}"
    );
    let head = format!("4:{}", got[3]["hash"].as_str().unwrap());
    assert!(out.contains(&head), "the head to keep is printed: {out}");
    let (code, out) = verify(&db, &["--anchor", &head]);
    assert_eq!(code, Some(0), "{out}");
    // A made-up anchor is reported, a malformed one refused.
    let wrong = format!("3:{}", got[3]["hash"].as_str().unwrap());
    let (code, out) = verify(&db, &["--anchor", &wrong]);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("row #3 does not have the hash of the anchor"),
        "{out}"
    );
    let (code, out) = verify(&db, &["--anchor", "3:abc"]);
    assert_eq!(code, Some(1));
    assert!(out.contains("NUMBER:HASH"), "{out}");
}

#[test]
fn verify_finds_an_edited_a_deleted_and_a_reordered_row() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &str, &[&str]); 3] = [
        (
            "edited",
            "UPDATE audit_log SET detail = '{\"pattern\":\"innocent.example\"}' WHERE seq = 3",
            &["row #3 was changed"],
        ),
        (
            "deleted",
            "DELETE FROM audit_log WHERE seq = 3",
            &["rows between #2 and #4 are missing"],
        ),
        (
            // Two rows trade places (their numbers swapped, through
            // negatives: the key is checked row by row).
            "reordered",
            "UPDATE audit_log SET seq = -seq WHERE seq IN (2, 3);
             UPDATE audit_log SET seq = CASE seq WHEN -2 THEN 3 ELSE 2 END WHERE seq IN (-2, -3);",
            &["row #2 was changed", "row #3 was changed"],
        ),
    ];
    for (what, sql, want) in cases {
        let db = trail(dir.path(), what, 5);
        assert_eq!(verify(&db, &[]).0, Some(0), "{what}: intact before");
        emaillog::store::testing::connect(&db)
            .execute_batch(sql)
            .unwrap();
        let (code, out) = verify(&db, &[]);
        assert_eq!(code, Some(1), "{what}: {out}");
        for w in want {
            assert!(out.contains(w), "{what}: {w:?} not in {out}");
        }
        assert!(out.contains("tampered with"), "{what}: {out}");
    }
}

#[test]
fn a_prune_removes_only_old_rows_and_records_itself() {
    let dir = tempfile::tempdir().unwrap();
    let db = emaillog::store::testing::fresh_database(dir.path(), "prune.db");
    emaillog_ok(&db, &["init"]);
    // Three rows from 2024, chained as emaillog chains them.
    let conn = emaillog::store::testing::connect(&db);
    let mut prev = GENESIS.to_string();
    for seq in 1..=3i64 {
        let at = format!("2024-0{seq}-01T09:00:00.000Z");
        let detail = format!("{{\"pattern\":\"old{seq}.example\"}}");
        let hash = row_hash(&prev, seq, &at, "kari", "never_log_added", "", &detail);
        conn.execute(
            "INSERT INTO audit_log (seq, at, who, action, target, detail, prev_hash, hash)
             VALUES (?1, ?2, 'kari', 'never_log_added', '', ?3, ?4, ?5)",
            params![seq, at, detail, prev, hash],
        )
        .unwrap();
        prev = hash;
    }
    drop(conn);
    emaillog_ok(&db, &["never-log", "add", "new.example"]);
    let before = rows(&db);
    assert_eq!(before.len(), 4);
    assert_eq!(verify(&db, &[]).0, Some(0));
    let anchor = format!("2:{}", before[1]["hash"].as_str().unwrap());

    // Younger than 30 days is never pruned.
    let o = emaillog_on(&db, &["audit", "prune", "--older-than-days", "29"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert_eq!(rows(&db).len(), 4);

    let o = emaillog_ok(&db, &["audit", "prune"]);
    assert!(text(&o).contains("3 audit rows removed"), "{}", text(&o));
    let after = rows(&db);
    let seqs: Vec<i64> = after.iter().map(|r| r["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, [4, 5], "the new row stays, the prune is recorded");
    assert_eq!(after[1]["action"], "audit_pruned");
    assert_eq!(after[1]["detail"]["through_seq"], 3);
    assert_eq!(after[1]["detail"]["rows"], 3);
    assert_eq!(after[1]["detail"]["older_than_days"], 400);
    let (code, out) = verify(&db, &[]);
    assert_eq!(code, Some(0), "{out}");
    // An anchor kept from before the prune still passes.
    let (code, out) = verify(&db, &["--anchor", &anchor]);
    assert_eq!(code, Some(0), "{out}");
    // Nothing old left: a second prune removes nothing and records nothing.
    let o = emaillog_ok(&db, &["audit", "prune"]);
    assert!(text(&o).contains("no audit rows removed"), "{}", text(&o));
    assert_eq!(rows(&db).len(), 2);
    // Deleting the first remaining row by hand is found.
    emaillog::store::testing::connect(&db)
        .execute_batch("DELETE FROM audit_log WHERE seq = 4")
        .unwrap();
    let (code, out) = verify(&db, &[]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("the rows before #5 are gone"), "{out}");
}

#[test]
fn the_days_kept_are_the_admins_and_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let db = emaillog::store::testing::fresh_database(dir.path(), "keep.db");
    emaillog_ok(&db, &["init"]);
    let o = emaillog_ok(&db, &["audit", "keep-days"]);
    assert!(text(&o).contains("kept 400 days"), "{}", text(&o));
    for bad in ["29", "3651"] {
        let o = emaillog_on(&db, &["audit", "keep-days", bad]);
        assert_eq!(o.status.code(), Some(1), "{bad}");
    }
    let o = emaillog_ok(&db, &["audit", "keep-days", "90"]);
    assert!(text(&o).contains("kept 90 days"), "{}", text(&o));
    assert_eq!(actions(&db), ["audit_keep_days_set"]);
    assert_eq!(rows(&db)[0]["detail"]["days"], 90);
}
