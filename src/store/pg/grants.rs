//! Who may do what on PostgreSQL, enforced by the server: `emaillog pg
//! grant-user ROLE` gives a role the users' share (read the log, the
//! opportunities, the directory and the skipped records; write
//! opportunities, contacts and review requests), with no privilege at all
//! on the setup (its secrets, its settings), the never-log rules, the job,
//! its runs or the leases; `pg grant-admin ROLE` gives it everything an
//! engine host needs. Either first takes back whatever the role had, so a
//! grant says exactly what the role may do. The roles granted are recorded
//! and granted again after each migration, so a table a newer schema adds
//! reaches them as it should.

use crate::store::db::{Db, params};
use crate::store::{Result, StoreError};

/// A role's share of the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    User,
    Admin,
}

impl Access {
    pub fn as_str(self) -> &'static str {
        match self {
            Access::User => "user",
            Access::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Access> {
        match s {
            "user" => Some(Access::User),
            "admin" => Some(Access::Admin),
            _ => None,
        }
    }
}

/// What a user role may do, table by table (column lists where it is
/// less than the table).
pub const USER_GRANTS: &[(&str, &str)] = &[
    ("schema_version", "SELECT"),
    ("team_settings", "SELECT"),
    ("mailbox_names", "SELECT"),
    ("salespeople", "SELECT"),
    ("interaction_templates", "SELECT"),
    ("contacts", "SELECT, INSERT, UPDATE"),
    ("contact_alt_emails", "SELECT, INSERT, DELETE"),
    ("logged_messages", "SELECT"),
    ("message_attachments", "SELECT"),
    ("interaction_log_entries", "SELECT, UPDATE (opportunity_no)"),
    ("contact_days", "SELECT"),
    ("contact_waits", "SELECT"),
    ("contact_replies", "SELECT"),
    ("follow_up_dismissals", "SELECT, INSERT, UPDATE"),
    ("opportunities", "SELECT, INSERT, UPDATE"),
    ("opportunity_changes", "SELECT, INSERT"),
    ("skipped_messages", "SELECT"),
    ("review_requests", "SELECT, INSERT, UPDATE"),
    // Row security shows a role only the private messages it may see.
    ("private_messages", "SELECT"),
    ("viewer", "SELECT"),
];

/// A role or schema name as an SQL identifier, quoted.
fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Grants `role` exactly `access` on this database's schema, inside the
/// caller's transaction; the connecting role must own the schema's tables.
pub fn grant(db: &Db, role: &str, access: Access) -> Result<()> {
    let exists = db.exists("SELECT 1 FROM pg_roles WHERE rolname = ?1", params![role])?;
    if !exists {
        return Err(StoreError::Invalid(format!(
            "there is no database role {role}: create it first (CREATE ROLE {} LOGIN PASSWORD '…'), then grant it",
            ident(role)
        )));
    }
    if !owns_schema(db)? {
        return Err(StoreError::Invalid(
            "only the database's owner (the role that made its schema with `emaillog init`) can grant roles: connect as that role".into(),
        ));
    }
    let schema: String = db.query_row("SELECT current_schema()", params![], |r| r.get(0))?;
    let (schema, who) = (ident(&schema), ident(role));
    // Both shares record what they do in the audit trail, through the
    // function that appends a row as the server says who and when.
    let mut sql = format!(
        "REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {who};
         REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {who};
         GRANT USAGE ON SCHEMA {schema} TO {who};
         GRANT EXECUTE ON FUNCTION {schema}.emaillog_audit_append(text, text, text) TO {who};
         GRANT EXECUTE ON FUNCTION {schema}.emaillog_set_private(bigint, boolean, text) TO {who};
         GRANT EXECUTE ON FUNCTION {schema}.emaillog_may_see_private(bigint) TO {who};
         GRANT EXECUTE ON FUNCTION {schema}.emaillog_private_hidden(bigint) TO {who};"
    );
    match access {
        Access::User => {
            for (table, what) in USER_GRANTS {
                sql.push_str(&format!("GRANT {what} ON {schema}.{table} TO {who};"));
            }
        }
        Access::Admin => sql.push_str(&format!(
            "GRANT ALL ON ALL TABLES IN SCHEMA {schema} TO {who};
             GRANT ALL ON ALL SEQUENCES IN SCHEMA {schema} TO {who};"
        )),
    }
    db.execute_batch(&sql)?;
    db.execute(
        "INSERT INTO role_grants (role, access) VALUES (?1, ?2)
         ON CONFLICT (role) DO UPDATE SET access = excluded.access, granted_at = now()",
        params![role, access.as_str()],
    )?;
    Ok(())
}

/// The roles granted a share, by name.
pub fn granted(db: &Db) -> Result<Vec<(String, Access)>> {
    let rows: Vec<(String, String)> = db.query_map(
        "SELECT role, access FROM role_grants ORDER BY role",
        params![],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok(rows
        .into_iter()
        .filter_map(|(role, a)| Some((role, Access::parse(&a)?)))
        .collect())
}

/// Grants every recorded role its share again (after a migration); a
/// role dropped since is forgotten.
pub fn grant_again(db: &Db) -> Result<()> {
    for (role, access) in granted(db)? {
        match grant(db, &role, access) {
            Err(StoreError::Invalid(_)) => {
                db.execute("DELETE FROM role_grants WHERE role = ?1", params![role])?;
            }
            other => other?,
        }
    }
    Ok(())
}

/// Whether the connecting role owns the schema's tables (or there are
/// none yet): the database's owner, who is its admin as the owner of a
/// SQLite file is.
pub fn owns_schema(db: &Db) -> Result<bool> {
    Ok(db.query_row(
        "SELECT coalesce(bool_and(pg_has_role(current_user, tableowner, 'USAGE')), true)
           FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'setup'",
        params![],
        |r| r.get(0),
    )?)
}
