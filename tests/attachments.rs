//! Attachments through both mail sources: the simulator's Graph (listed
//! with `$select`, fetched by `$value`) and a real Dovecot (the MIME parts,
//! names decoded). A PDF, an inline image, a name with Æ Ø Å (RFC 2231 on
//! IMAP) and a 20 MB file are logged with their message, listed, found by
//! name, and saved byte for byte into a new 0600 file.

mod common;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::dovecot::{Dovecot, Options, PASSWORD, USER};
use common::{CONTACTS_CSV, MAILBOX, SALESPEOPLE_CSV, TestSim, engine_app, found, sync_until_done};
use emaillog::app::App;
use emaillog::store::{LogFilter, Seek, StoredAttachment};
use serde_json::json;

const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01";

/// 20 MB that no two positions repeat in step with (a cut or a shift
/// shows).
fn big() -> Vec<u8> {
    (0..20 * 1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect()
}

/// The one entry of the message with `subject`.
fn entry_of(app: &App, subject: &str) -> i64 {
    let store = app.store().unwrap();
    let rows = store
        .log_page(&LogFilter::default(), None, &Seek::Newest, 100)
        .unwrap();
    rows.iter()
        .find(|e| e.subject == subject)
        .unwrap_or_else(|| panic!("{subject} logged: {rows:?}"))
        .entry_no
}

fn kept(list: &[StoredAttachment]) -> Vec<(i64, &str, &str, bool)> {
    list.iter()
        .map(|a| (a.seq, a.name.as_str(), a.content_type.as_str(), a.inline))
        .collect()
}

/// Saves attachment `seq` of `entry` into `dir` and returns the file's bytes
/// (after checking it is new and 0600, and that a second save there is
/// refused).
async fn saved(app: &App, entry: i64, seq: i64, dir: &std::path::Path, name: &str) -> Vec<u8> {
    let list = app.entry_attachments(entry).unwrap();
    let a = list.iter().find(|a| a.seq == seq).unwrap();
    let path = dir.join(name);
    let said = app
        .save_attachment(a.logged_message_id, seq, path.to_str().unwrap())
        .await
        .unwrap();
    assert!(said.starts_with("saved "), "{said}");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "written for its owner only");
    let again = app
        .save_attachment(a.logged_message_id, seq, path.to_str().unwrap())
        .await;
    assert!(
        again.is_err_and(|e| e.to_string().contains("exists")),
        "nothing is overwritten"
    );
    // A link at the path is refused, and what it points at is untouched.
    let target = dir.join(format!("{name}.target"));
    std::fs::write(&target, b"keep").unwrap();
    let link = dir.join(format!("{name}.link"));
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let through = app
        .save_attachment(a.logged_message_id, seq, link.to_str().unwrap())
        .await;
    assert!(through.is_err(), "never written through a link");
    assert_eq!(std::fs::read(&target).unwrap(), b"keep");
    std::fs::read(&path).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graph_attachments_are_kept_listed_found_and_saved_byte_for_byte() {
    let sim = TestSim::default().await;
    let dir = tempfile::tempdir().unwrap();
    let app = engine_app(&sim, dir.path());
    let mut offer = common::message(
        "alex@fabrikam.example",
        &["annette@contoso.example"],
        "Signed offer",
    );
    offer["internetMessageId"] = json!("<offer@fabrikam.example>");
    offer["body"] =
        json!({"contentType": "html", "content": "<p>Signed.</p><img src=\"cid:logo@fabrikam\">"});
    offer["attachments"] = json!([
        {"name": "Tilbud signert.pdf", "contentType": "application/pdf", "contentBytes": STANDARD.encode(PDF)},
        {"name": "logo.png", "contentType": "image/png", "contentBytes": STANDARD.encode(PNG), "isInline": true, "contentId": "logo@fabrikam"},
    ]);
    // Only an inline image: Graph's hasAttachments is false, the text body
    // shows it as [cid:…].
    let mut signature = common::message(
        "sofia@fabrikam.example",
        &["ben@contoso.example"],
        "Only a signature",
    );
    signature["body"] =
        json!({"contentType": "html", "content": "<p>Hi</p><img src=\"cid:sig@fabrikam\">"});
    signature["attachments"] = json!([
        {"name": "sig.png", "contentType": "image/png", "contentBytes": STANDARD.encode(PNG), "isInline": true},
    ]);
    let mut price_list = common::message(
        "annette@contoso.example",
        &["maria@northwind.example"],
        "Price list",
    );
    price_list["internetMessageId"] = json!("<prices@contoso.example>");
    let added = sim
        .add(MAILBOX, "inbox", json!([offer, signature, price_list]))
        .await;
    // The 20 MB file goes in raw through the control API.
    let big = big();
    let id = added[2]["id"].as_str().unwrap();
    let a = sim
        .http
        .post(sim.url(&format!(
            "/_sim/mailboxes/{MAILBOX}/messages/{id}/attachments?name=Prisliste%20%C3%86%C3%98%C3%85%202027.xlsx&contentType=application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )))
        .body(big.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(a.status(), 201);
    let runs = sync_until_done(&sim, &app, 5).await;
    assert_eq!(runs.iter().map(|r| r.logged).sum::<u32>(), 3, "{runs:?}");

    let offer = entry_of(&app, "Signed offer");
    let list = app.entry_attachments(offer).unwrap();
    assert_eq!(
        kept(&list),
        vec![
            (1, "Tilbud signert.pdf", "application/pdf", false),
            (2, "logo.png", "image/png", true),
        ]
    );
    assert_eq!(list[0].size, PDF.len() as i64);
    let sig = app
        .entry_attachments(entry_of(&app, "Only a signature"))
        .unwrap();
    assert_eq!(kept(&sig), vec![(1, "sig.png", "image/png", true)]);
    let prices = entry_of(&app, "Price list");
    let list = app.entry_attachments(prices).unwrap();
    assert_eq!(list[0].name, "Prisliste ÆØÅ 2027.xlsx");
    assert_eq!(list[0].size, big.len() as i64);

    // Found by name with the rest of the message.
    assert_eq!(found(&app, "signert"), 1);
    assert_eq!(found(&app, "prisliste"), 1);

    // Saved byte for byte, from the Archive the message was moved to.
    let out = tempfile::tempdir().unwrap();
    assert_eq!(saved(&app, offer, 1, out.path(), "offer.pdf").await, PDF);
    assert_eq!(saved(&app, offer, 2, out.path(), "logo.png").await, PNG);
    assert!(
        saved(&app, prices, 1, out.path(), "prices.xlsx").await == big,
        "the 20 MB file arrived whole"
    );
    // The contact's card lists the files exchanged with them (no inline
    // images).
    let alex = app.contact_attachments("C1").unwrap();
    assert_eq!(
        alex.iter()
            .map(|c| c.attachment.name.as_str())
            .collect::<Vec<_>>(),
        vec!["Tilbud signert.pdf"]
    );
    // The command line lists and saves too.
    let out_file = out.path().join("cli.pdf");
    let cli = common::emaillog_ok(
        app.db_path(),
        &[
            "attachments",
            "save",
            &offer.to_string(),
            "1",
            "--out",
            out_file.to_str().unwrap(),
        ],
    );
    assert!(String::from_utf8_lossy(&cli.stdout).contains("saved Tilbud signert.pdf"));
    assert_eq!(std::fs::read(&out_file).unwrap(), PDF);
    let listed = common::emaillog_ok(
        app.db_path(),
        &["attachments", "list", &offer.to_string(), "--json"],
    );
    let v: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(v[1]["inline"], json!(true));
    assert!(
        v[0].get("source_id").is_none(),
        "the source's id is not printed"
    );
}

fn mime_with_attachments(big: &[u8]) -> Vec<u8> {
    let b64 = |bytes: &[u8]| {
        STANDARD
            .encode(bytes)
            .as_bytes()
            .chunks(76)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join("\r\n")
    };
    format!(
        "From: Alex Berg <alex@fabrikam.example>\r\n\
To: Annette Hill <annette@contoso.example>\r\n\
Subject: Signed offer over IMAP\r\n\
Date: Tue, 5 Mar 2024 10:15:00 +0100\r\n\
Message-ID: <imap-offer@fabrikam.example>\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"outer\"\r\n\
\r\n\
--outer\r\n\
Content-Type: multipart/related; boundary=\"inner\"\r\n\
\r\n\
--inner\r\n\
Content-Type: text/html; charset=utf-8\r\n\
\r\n\
<p>Signed.</p><img src=\"cid:logo@fabrikam\">\r\n\
--inner\r\n\
Content-Type: image/png\r\n\
Content-Disposition: inline; filename=\"logo.png\"\r\n\
Content-ID: <logo@fabrikam>\r\n\
Content-Transfer-Encoding: base64\r\n\
\r\n\
{png}\r\n\
--inner--\r\n\
--outer\r\n\
Content-Type: application/pdf; name=\"offer.pdf\"\r\n\
Content-Disposition: attachment; filename=\"Tilbud signert.pdf\"\r\n\
Content-Transfer-Encoding: base64\r\n\
\r\n\
{pdf}\r\n\
--outer\r\n\
Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\
Content-Disposition: attachment; filename*=UTF-8''Prisliste%20%C3%86%C3%98%C3%85%202027.xlsx\r\n\
Content-Transfer-Encoding: base64\r\n\
\r\n\
{big}\r\n\
--outer--\r\n",
        png = b64(PNG),
        pdf = b64(PDF),
        big = b64(big),
    )
    .into_bytes()
}

#[tokio::test]
async fn imap_attachments_are_the_mime_parts_names_decoded_and_saved_byte_for_byte() {
    if !common::dovecot::available() {
        return;
    }
    let d = Dovecot::start(Options::default());
    let dir = tempfile::tempdir().unwrap();
    let app = App::new(emaillog::store::testing::fresh_database(
        dir.path(),
        "emaillog.db",
    ));
    app.import_salespeople(SALESPEOPLE_CSV.as_bytes(), false)
        .unwrap();
    app.import_contacts(CONTACTS_CSV.as_bytes(), false).unwrap();
    app.change_setup(&emaillog::app::setup_edit::SetupChanges {
        source: Some(emaillog::domain::setup::SourceKind::Imap),
        imap_host: Some("localhost".into()),
        imap_port: Some(d.port),
        imap_tls: Some(emaillog::domain::setup::ImapTls::Starttls),
        imap_user: Some(USER.into()),
        ..Default::default()
    })
    .unwrap();
    app.set_imap_password(PASSWORD).unwrap();
    emaillog::net::trust_ca_file(&d.ca_file).unwrap();
    let big = big();
    d.deliver("INBOX", &mime_with_attachments(&big));
    let (events, _rx) = emaillog::engine::events::channel();
    let r = app
        .sync_once(&events, &emaillog::engine::Stop::never())
        .await
        .unwrap();
    assert_eq!(
        r.counts.logged,
        1,
        "{:?} {:?}\n{}",
        r.counts,
        r.error,
        d.log()
    );
    let offer = entry_of(&app, "Signed offer over IMAP");
    let list = app.entry_attachments(offer).unwrap();
    assert_eq!(
        kept(&list),
        vec![
            (1, "logo.png", "image/png", true),
            (2, "Tilbud signert.pdf", "application/pdf", false),
            (
                3,
                "Prisliste ÆØÅ 2027.xlsx",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                false
            ),
        ]
    );
    assert_eq!(list[2].size, big.len() as i64);
    assert_eq!(found(&app, "prisliste"), 1);
    let out = tempfile::tempdir().unwrap();
    assert_eq!(saved(&app, offer, 2, out.path(), "offer.pdf").await, PDF);
    assert_eq!(saved(&app, offer, 1, out.path(), "logo.png").await, PNG);
    assert!(
        saved(&app, offer, 3, out.path(), "prices.xlsx").await == big,
        "the 20 MB file arrived whole, from the Archive"
    );
    assert_eq!(d.count("Archive"), 1, "{}", d.log());
}
