//! The fuzzers' entry points: one plain function of the input bytes per
//! parser of outside input. The fuzz targets (`fuzz/`) and the corpus
//! replay (`tests/fuzz_corpus.rs`) call the same functions, so a crash the
//! fuzzer found stays fixed under `cargo test`. Each function asserts the
//! invariants its parser promises; a broken one panics, which is what a
//! fuzzer reports.

use std::sync::OnceLock;

use chrono::{DateTime, Utc};

use crate::domain::classify::{Classification, Direction, Prior, classify};
use crate::domain::people::{Contact, Directory, Salesperson};
use crate::domain::rules::Rules;
use crate::domain::{MailMessage, normalize_address};

/// A target: a function of the input bytes that panics on a broken promise.
pub type Target = fn(&[u8]);

/// The targets, by the name of their corpus folder.
pub const TARGETS: &[(&str, Target)] = &[
    ("imap_message", imap_message),
    ("graph_json", graph_json),
    ("address", address),
    ("csv_import", csv_import),
    ("sim_request", sim_request),
    ("fts_query", fts_query),
    ("sealed_blob", sealed_blob),
    ("text", text),
];

/// A small fixed directory: two salespeople, three contacts at two
/// companies (one with a company-wide domain).
fn directory() -> &'static Directory {
    static DIR: OnceLock<Directory> = OnceLock::new();
    DIR.get_or_init(|| {
        let sp = |code: &str, email: &str| Salesperson {
            code: code.into(),
            name: code.into(),
            email: email.into(),
        };
        let c = |no: &str, company: &str, email: &str, alt: &[&str]| Contact {
            no: no.into(),
            name: no.into(),
            company: company.into(),
            email: email.into(),
            alt_emails: alt.iter().map(|a| a.to_string()).collect(),
        };
        Directory::new(
            vec![
                sp("AH", "annette@contoso.example"),
                sp("BK", "bjorn@contoso.example"),
            ],
            vec![
                c(
                    "CT1",
                    "Fabrikam",
                    "nadia@fabrikam.example",
                    &["n@fabrikam.example"],
                ),
                c("CT2", "Fabrikam", "lars@fabrikam.example", &[]),
                c("CT3", "Ærø Fisk", "åse@ærøfisk.example", &[]),
            ],
        )
    })
}

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_767_225_600, 0).unwrap_or_default()
}

/// What classifying a parsed message must hold, whatever it holds: at
/// most one entry per salesperson/contact pair, people from the directory
/// only, and the direction that of who sent it.
fn check_classification(msg: &MailMessage) {
    let dir = directory();
    let rules = Rules {
        domain_matching: true,
        ..Rules::default()
    };
    let c = classify(msg, dir, &rules, Prior::New, now());
    let Classification::Log {
        direction, entries, ..
    } = c
    else {
        return;
    };
    assert!(!entries.is_empty(), "a message to log has entries");
    let mut pairs = std::collections::BTreeSet::new();
    for e in &entries {
        assert!(
            pairs.insert((e.salesperson_code.clone(), e.contact_no.clone())),
            "one entry per salesperson/contact pair: {entries:?}"
        );
        assert!(dir.salespeople.iter().any(|s| s.code == e.salesperson_code));
        assert!(dir.contacts.iter().any(|c| c.no == e.contact_no));
    }
    let sender = msg
        .sender
        .as_ref()
        .and_then(|s| normalize_address(&s.address))
        .expect("a logged message has a sender");
    let from_us = dir.salesperson(&sender).is_some();
    assert_eq!(
        direction == Direction::Outbound,
        from_us,
        "outbound exactly when a salesperson sent it ({sender})"
    );
}

/// Target 1: Raw RFC 5322 bytes as IMAP hands them over → a message, classified.
pub fn imap_message(data: &[u8]) {
    if let Ok(m) = crate::mail::imap::parse::parse_message("fuzz", data, Some(now())) {
        check_classification(&m);
    }
}

/// Target 2: A Graph answer: a page (`value`, links) or one message object.
pub fn graph_json(data: &[u8]) {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    if let Ok(page) = crate::mail::graph::page_of(&v) {
        for m in page.messages.iter().flatten() {
            check_classification(m);
        }
    }
    if let Ok(m) = crate::mail::graph::model::parse_message(&v) {
        check_classification(&m);
    }
}

/// Target 3: An address (and the domain part) as typed or sent: normalising is
/// idempotent, and what comes out has nothing invisible or reordering.
pub fn address(data: &[u8]) {
    use crate::domain::address::{domain_of, normalize_domain};
    use crate::domain::text::{is_bidi_control, is_zero_width};
    let s = String::from_utf8_lossy(data);
    if let Some(n) = normalize_address(&s) {
        assert_eq!(normalize_address(&n).as_deref(), Some(n.as_str()), "{s:?}");
        assert!(
            !n.chars()
                .any(|c| c.is_control() || is_bidi_control(c) || is_zero_width(c)),
            "{n:?}"
        );
        assert_eq!(n.matches('@').count(), 1, "{n:?}");
        let d = domain_of(&n);
        assert_eq!(normalize_domain(d).as_deref(), Some(d), "{n:?}");
    }
    if let Some(d) = normalize_domain(&s) {
        assert_eq!(normalize_domain(&d).as_deref(), Some(d.as_str()), "{s:?}");
    }
}

/// Target 4: A CSV of salespeople or contacts (the first byte chooses), through
/// the whole preview: a file with a bad row writes nothing, and what it
/// writes has each code once.
pub fn csv_import(data: &[u8]) {
    use crate::app::people::{Existing, ImportRows, preview_from};
    let Some((&which, csv)) = data.split_first() else {
        return;
    };
    let existing = Existing {
        salespeople: directory().salespeople.clone(),
        contacts: directory().contacts.clone(),
        forgotten: Default::default(),
    };
    let Ok(preview) = preview_from(csv, which % 2 == 0, existing) else {
        return;
    };
    match preview.writes() {
        Err(_) => assert!(!preview.errors().is_empty(), "refused without a bad row"),
        Ok(rows) => {
            assert!(preview.errors().is_empty(), "a file with bad rows writes");
            let keys: Vec<String> = match rows {
                ImportRows::Salespeople(r) => r.into_iter().map(|s| s.code).collect(),
                ImportRows::Contacts(r) => r.into_iter().map(|c| c.no).collect(),
            };
            let unique: std::collections::BTreeSet<_> = keys.iter().collect();
            assert_eq!(unique.len(), keys.len(), "a key written twice: {keys:?}");
        }
    }
}

/// Target 5: One request to the simulator's Graph (or its control API): the
/// first line is `METHOD /path?query`, the rest the body. A bad request is
/// a 4xx naming the fault, never a 5xx and never a panic.
pub fn sim_request(data: &[u8]) {
    use crate::sim::http::SimRequest;
    let text = String::from_utf8_lossy(data);
    let (line, body) = text.split_once('\n').unwrap_or((&text, ""));
    let (method, target) = line.trim().split_once(' ').unwrap_or(("GET", line.trim()));
    let Ok(method) = axum::http::Method::from_bytes(method.as_bytes()) else {
        return;
    };
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let req = SimRequest::new(
        method,
        path,
        query,
        Default::default(),
        body.as_bytes().to_vec(),
        "http://127.0.0.1:1".into(),
    );
    let sim = fuzz_sim();
    let resp = match req.segments.first().map(String::as_str) {
        Some("_sim") => {
            // The clock and the gate only change timing, not parsing.
            if matches!(
                req.segments.get(1).map(String::as_str),
                Some("clock" | "gate")
            ) {
                return;
            }
            crate::sim::control::serve(&sim, &req)
        }
        Some("v1.0") => {
            let token = crate::sim::tokens::AccessToken {
                client_id: "fuzz".into(),
                account: None,
                scopes: Vec::new(),
                roles: vec!["Mail.ReadWrite".into()],
                expires_at: now() + chrono::Duration::days(365 * 100),
                uses: 0,
                audience: "graph".into(),
            };
            crate::sim::graph::route(&mut sim.state(), &req, &token)
        }
        _ => return,
    };
    assert!(
        resp.status < 500,
        "{} for {line:?}: a bad request is the client's fault",
        resp.status
    );
    if let Ok(f) = crate::sim::filter::Filter::parse(&text) {
        let fields = serde_json::Map::new();
        let _ = f.matches(&fields, &now());
    }
}

/// A simulator with one mailbox of three messages whose ids the inputs can
/// name (`M1`..`M3`), made fresh for each input so none depends on another.
fn fuzz_sim() -> crate::sim::Sim {
    let sim = crate::sim::Sim::new(
        crate::sim::SimConfig::default(),
        std::net::SocketAddr::from(([127, 0, 0, 1], 1)),
    );
    {
        let mut st = sim.state();
        let mb = st.mailbox_or_create("shared@contoso.example");
        let inbox = mb.folder_index("inbox").unwrap_or_default();
        for (i, from) in [
            "nadia@fabrikam.example",
            "annette@contoso.example",
            "x@y.example",
        ]
        .iter()
        .enumerate()
        {
            let fields = serde_json::json!({
                "subject": format!("Quote {i}"),
                "isRead": i == 1,
                "importance": "normal",
                "from": {"emailAddress": {"address": from, "name": "N"}},
                "toRecipients": [{"emailAddress": {"address": "bjorn@contoso.example"}}],
            });
            if let serde_json::Value::Object(map) = fields {
                mb.insert(
                    inbox,
                    now() - chrono::Duration::minutes(i as i64),
                    map,
                    Some(format!("M{}", i + 1)),
                );
            }
        }
    }
    sim
}

/// Target 6: Search words as typed → an FTS5 query that SQLite always accepts,
/// in which nothing typed acts as syntax.
pub fn fts_query(data: &[u8]) {
    thread_local! {
        static DB: rusqlite::Connection = {
            let c = rusqlite::Connection::open_in_memory().expect("in-memory SQLite");
            c.execute_batch(
                "CREATE VIRTUAL TABLE t USING fts5(subject, body);
                 INSERT INTO t VALUES ('Quote for Ærø', 'NEAR AND OR NOT e-mail \"x\" (y) col:z ^a');",
            )
            .expect("an FTS5 table");
            c
        };
    }
    let typed = String::from_utf8_lossy(data);
    let Some(q) = crate::domain::search::fts_query(&typed) else {
        assert!(crate::domain::search::terms(&typed).is_empty());
        return;
    };
    DB.with(|db| {
        let r: rusqlite::Result<Vec<i64>> = db
            .prepare("SELECT rowid FROM t WHERE t MATCH ?1")
            .and_then(|mut s| {
                s.query_map([&q], |r| r.get(0))?
                    .collect::<rusqlite::Result<Vec<i64>>>()
            });
        if let Err(e) = r {
            panic!("{typed:?} became {q:?}, which FTS5 refused: {e}");
        }
    });
}

/// Target 7: A stored secret blob, wrong or truncated: opening it is an error,
/// never a panic; a good blob cut short or changed in any byte never opens.
pub fn sealed_blob(data: &[u8]) {
    use crate::auth::secrets::{Binding, SecretBox};
    let key = SecretBox::with_key(&[7u8; 32]);
    let binding = Binding::new()
        .with("authority", "https://login.microsoftonline.com")
        .with("client", "fuzz");
    let _ = key.open_sealed(data, &binding);
    let _ = key.open_unbound(data);
    let _ = SecretBox::is_unbound(data);
    let text = String::from_utf8_lossy(data);
    let sealed = key.seal(&text, &binding);
    assert_eq!(
        key.open_sealed(&sealed, &binding).ok().as_deref(),
        Some(&*text)
    );
    let cut = data
        .first()
        .map_or(1, |b| *b as usize % sealed.len().max(1));
    assert!(key.open_sealed(&sealed[..cut], &binding).is_err());
    let mut flipped = sealed.clone();
    let at = data.len() % flipped.len();
    flipped[at] ^= 1 + data.last().copied().unwrap_or(0) % 255;
    assert!(key.open_sealed(&flipped, &binding).is_err());
}

/// Target 8: Text from mail on its way to a screen, JSON or a CSV cell: no
/// control, bidi or escape survives, JSON keeps the value, and a CSV cell
/// never starts a formula.
pub fn text(data: &[u8]) {
    use crate::domain::text::{csv_cell, is_bidi_control, is_zero_width, json_safe, one_line};
    let s = String::from_utf8_lossy(data);
    let unsafe_char = |c: char| {
        (c.is_control() && c != '\n' && c != '\t') || is_bidi_control(c) || is_zero_width(c)
    };
    let stripped = crate::domain::text::strip_control(&s);
    assert!(!stripped.chars().any(unsafe_char), "{stripped:?}");
    let line = one_line(&s);
    assert!(
        !line
            .chars()
            .any(|c| unsafe_char(c) || c == '\n' || c == '\t')
    );
    let cell = csv_cell(&s);
    assert!(!cell.chars().any(unsafe_char), "{cell:?}");
    assert!(
        !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
        "{cell:?} would run as a formula"
    );
    let json = serde_json::to_string(&*s).unwrap_or_default();
    let safe = json_safe(&json);
    assert!(
        !safe
            .chars()
            .any(|c| c == '\u{7f}' || ('\u{80}'..='\u{9f}').contains(&c) || is_bidi_control(c)),
        "{safe:?}"
    );
    assert_eq!(
        serde_json::from_str::<String>(&safe).ok().as_deref(),
        Some(&*s),
        "json_safe changed the value"
    );
}
