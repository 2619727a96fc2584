//! Draining 5,000 messages from a real Dovecot: emaillog (parse, classify,
//! commit, move each) against the simplest possible IMAP client on the same
//! server in the same run (UID FETCH of the headers + UID MOVE, no parsing
//! and no database), as messages/s and their ratio (target ≥ 0.7).
//!
//! Needs Dovecot (`apt-get install dovecot-imapd`) and root (it starts its
//! own instance as the tests do). Prints `name: value` lines.

#[path = "../tests/common/dovecot.rs"]
#[allow(dead_code)]
mod dovecot;
#[path = "../tests/common/services.rs"]
mod services;

use std::time::Instant;

use dovecot::{Dovecot, Options, PASSWORD, USER};
use emaillog::app::App;
use emaillog::app::setup_edit::SetupChanges;
use emaillog::domain::setup::{ImapTls, SourceKind, Unmatched};
use emaillog::engine::Stop;
use emaillog::engine::events::channel;
use futures::StreamExt;

const N: usize = 5_000;
const BATCH: usize = 50;

fn messages(tag: &str) -> Vec<Vec<u8>> {
    (0..N)
        .map(|i| {
            format!(
                "From: Alex Berg <alex@fabrikam.example>\r\nTo: annette@contoso.example\r\nSubject: {tag} order {i}\r\nDate: Tue, 5 Mar 2024 10:15:00 +0100\r\nMessage-ID: <{tag}-{i}@fabrikam.example>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello,\r\n\r\nplease confirm the delivery dates for order {i} by Friday.\r\n\r\nBest regards,\r\nAlex\r\n"
            )
            .into_bytes()
        })
        .collect()
}

/// The simplest client: headers of 50, then move the 50.
async fn raw_drain(port: u16) -> f64 {
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let mut client = async_imap::Client::new(tcp);
    client.read_response().await.unwrap();
    let mut s = client
        .login(USER, PASSWORD)
        .await
        .map_err(|(e, _)| e)
        .unwrap();
    s.create("RawArchive").await.unwrap();
    let t = Instant::now();
    let mut moved = 0;
    loop {
        s.select("INBOX").await.unwrap();
        let mut uids: Vec<u32> = s.uid_search("ALL").await.unwrap().into_iter().collect();
        if uids.is_empty() {
            break;
        }
        uids.sort_unstable();
        uids.truncate(BATCH);
        let set = uids
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(",");
        {
            let mut f = s.uid_fetch(&set, "(UID BODY.PEEK[HEADER])").await.unwrap();
            while let Some(m) = f.next().await {
                m.unwrap();
            }
        }
        s.uid_mv(&set, "RawArchive").await.unwrap();
        moved += uids.len();
    }
    assert_eq!(moved, N);
    N as f64 / t.elapsed().as_secs_f64()
}

async fn emaillog_drain(d: &Dovecot, dir: &std::path::Path) -> f64 {
    let app = App::new(dir.join("emaillog.db"));
    app.import_salespeople(
        "code,name,email\nAH,Annette Hill,annette@contoso.example\n".as_bytes(),
        false,
    )
    .unwrap();
    app.import_contacts(
        "no,name,company,email,alt_emails\nC1,Alex Berg,Fabrikam,alex@fabrikam.example,\n"
            .as_bytes(),
        false,
    )
    .unwrap();
    app.change_setup(&SetupChanges {
        source: Some(SourceKind::Imap),
        imap_host: Some("127.0.0.1".into()),
        imap_port: Some(d.port),
        imap_tls: Some(ImapTls::None),
        imap_user: Some(USER.into()),
        unmatched: Some(Unmatched::SkipFolder),
        batch_size: Some(BATCH as u32),
        ..Default::default()
    })
    .unwrap();
    app.set_imap_password(PASSWORD).unwrap();
    let (events, _rx) = channel();
    let t = Instant::now();
    let r = app.sync_once(&events, &Stop::never()).await.unwrap();
    let secs = t.elapsed().as_secs_f64();
    assert!(r.error.is_none(), "{:?}", r.error);
    assert_eq!(r.counts.logged as usize, N, "{:?}", r.counts);
    N as f64 / secs
}

fn main() {
    if !std::path::Path::new("/usr/sbin/dovecot").exists() {
        eprintln!("SKIPPED: Dovecot is not installed (apt-get install dovecot-imapd)");
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let d = Dovecot::start(Options::default());
    let dir = tempfile::tempdir().unwrap();
    d.deliver_many(&messages("raw"));
    let raw = rt.block_on(raw_drain(d.port));
    d.deliver_many(&messages("log"));
    let ours = rt.block_on(emaillog_drain(&d, dir.path()));
    println!("imap_messages: {N}");
    println!("imap_raw_msgs_per_s: {raw:.0}");
    println!("imap_emaillog_msgs_per_s: {ours:.0}");
    println!("imap_ratio: {:.3}", ours / raw);
}
