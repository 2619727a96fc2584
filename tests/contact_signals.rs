//! A contact's figures (last message each way, messages each way over 30
//! and 90 days and in all) are kept as pages are committed and recounted
//! when a purge removes entries: after any history of pages in two
//! mailboxes and purges, each contact's and each company's card equals a
//! count made here from the entries themselves. On SQLite, and on
//! PostgreSQL in the suite's PostgreSQL pass.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Duration, TimeZone, Utc};
use emaillog::domain::{Contact, Direction, InitiatedBy, PlannedEntry, Salesperson};
use emaillog::store::{ContactCard, NewLoggedMessage, NewOpportunity, PageCommit, Progress, Store};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestRunner};

/// One message of a page: its contact, direction, how many days before
/// "now" it was, and whether both salespeople were on it.
#[derive(Debug, Clone)]
struct Msg {
    contact: usize,
    inbound: bool,
    days_ago: i64,
    minute: i64,
    both: bool,
    /// One of three conversation ids, or none (IMAP without headers).
    conv: Option<u8>,
    /// One of three subjects, as a reply (`SV:`) or not.
    topic: u8,
    reply: bool,
}

#[derive(Debug, Clone)]
enum Op {
    /// A page committed in the first (false) or second (true) mailbox.
    Page(bool, Vec<Msg>),
    /// The second mailbox removed with its entries, and added again.
    PurgeSecond,
    /// Two of the contacts marked since recomputed (as the engine does
    /// after its pages), the others left marked.
    Refresh,
}

const CONTACTS: usize = 5;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap()
}

fn company(i: usize) -> String {
    format!("Fjord {}", i % 2)
}

fn ops() -> impl Strategy<Value = Vec<Op>> {
    // Days near today often, so pages meet on the same contact and day
    // (out of time order too); any day of four months now and then.
    let days_ago = prop_oneof![3 => 0i64..3, 1 => 0i64..120];
    let msg = (
        (
            0..CONTACTS,
            any::<bool>(),
            days_ago,
            0i64..1440,
            any::<bool>(),
        ),
        (prop::option::of(0u8..3), 0u8..3, any::<bool>()),
    )
        .prop_map(
            |((contact, inbound, days_ago, minute, both), (conv, topic, reply))| Msg {
                contact,
                inbound,
                days_ago,
                minute,
                both,
                conv,
                topic,
                reply,
            },
        );
    let op = prop_oneof![
        4 => (any::<bool>(), prop::collection::vec(msg, 1..12)).prop_map(|(m, p)| Op::Page(m, p)),
        1 => Just(Op::PurgeSecond),
        1 => Just(Op::Refresh),
    ];
    prop::collection::vec(op, 1..10)
}

fn message(n: usize, m: &Msg) -> NewLoggedMessage {
    let contact_no = format!("CT{:04}", m.contact + 1);
    let entries = if m.both { vec!["S1", "S2"] } else { vec!["S1"] }
        .into_iter()
        .map(|s| PlannedEntry {
            salesperson_code: s.into(),
            contact_no: contact_no.clone(),
            contact_company: company(m.contact),
            by_domain: false,
        })
        .collect();
    NewLoggedMessage {
        internet_message_id: format!("<m{n}@fjord.example>"),
        mailbox_id: format!("id-{n}"),
        web_link: String::new(),
        conversation_id: m.conv.map(|c| format!("conv-{c}")).unwrap_or_default(),
        subject: format!("{}Tilbud {}", if m.reply { "SV: " } else { "" }, m.topic),
        sender: "x@fjord.example".into(),
        recipients: "[]".into(),
        sent_at: None,
        received_at: None,
        body: None,
        direction: if m.inbound {
            Direction::Inbound
        } else {
            Direction::Outbound
        },
        initiated_by: InitiatedBy::Them,
        occurred_at: now() - Duration::days(m.days_ago) + Duration::minutes(m.minute)
            - Duration::hours(12),
        entries,
        account: String::new(),
        attachments: vec![],
    }
}

/// Commits one page of logged messages.
fn log_page(store: &mut Store, progress: &Progress, logged: Vec<NewLoggedMessage>) {
    store
        .commit_page(
            &PageCommit {
                logged,
                ..PageCommit::default()
            },
            None,
            progress,
            None,
            now(),
        )
        .unwrap();
    // As the engine does after its pages.
    store.refresh_all_conversations().unwrap();
}

/// The card of the contacts `who`, counted from the entries.
fn recount(store: &Store, who: &[String]) -> ContactCard {
    let mut card = ContactCard::default();
    let mut seen = HashSet::new();
    let day = |days: i64| {
        (now() - Duration::days(days - 1))
            .format("%Y-%m-%d")
            .to_string()
    };
    let (from_30, from_90) = (day(30), day(90));
    store
        .for_each_entry(|e| {
            if !who.contains(&e.contact_no)
                || !seen.insert((e.contact_no.clone(), e.logged_message_id))
            {
                return Ok(());
            }
            let at = e.datetime.clone();
            let inbound = e.direction == "inbound";
            let (last, total, d30, d90) = if inbound {
                (
                    &mut card.last_inbound_at,
                    &mut card.inbound_total,
                    &mut card.inbound_30_days,
                    &mut card.inbound_90_days,
                )
            } else {
                (
                    &mut card.last_outbound_at,
                    &mut card.outbound_total,
                    &mut card.outbound_30_days,
                    &mut card.outbound_90_days,
                )
            };
            if last.as_ref().is_none_or(|l| *l < at) {
                *last = Some(at.clone());
            }
            *total += 1;
            if at[..10] >= *from_30 {
                *d30 += 1;
            }
            if at[..10] >= *from_90 {
                *d90 += 1;
            }
            Ok(())
        })
        .unwrap();
    card.open_opportunities = store
        .opportunities()
        .unwrap()
        .iter()
        .filter(|o| {
            who.contains(&o.contact_no)
                && ["Not started", "In progress"].contains(&o.status.as_str())
        })
        .count() as i64;
    card
}

fn check(history: &[Op], db: &std::path::Path) -> Result<(), TestCaseError> {
    let mut store = Store::open(db).unwrap();
    store
        .upsert_salespeople(&[
            Salesperson {
                code: "S1".into(),
                name: "Åse".into(),
                email: "ase@contoso.example".into(),
            },
            Salesperson {
                code: "S2".into(),
                name: "Øyvind".into(),
                email: "oyvind@contoso.example".into(),
            },
        ])
        .unwrap();
    let contacts: Vec<Contact> = (0..CONTACTS)
        .map(|i| Contact {
            no: format!("CT{:04}", i + 1),
            name: format!("Kunde {i}"),
            company: company(i),
            email: format!("k{i}@fjord.example"),
            alt_emails: vec![],
        })
        .collect();
    store.upsert_contacts(&contacts).unwrap();
    let first = store.mailbox_no();
    let mut second = store.add_mailbox("second@contoso.example").unwrap();
    let mut n = 0;
    let mut pages = 0;
    let mut refreshes = 0;
    for op in history {
        match op {
            Op::Page(in_second, msgs) => {
                store
                    .use_mailbox(if *in_second { second } else { first })
                    .unwrap();
                let logged = msgs
                    .iter()
                    .map(|m| {
                        n += 1;
                        message(n, m)
                    })
                    .collect();
                let log_id = store.start_job_log(now(), "test", "h").unwrap();
                let progress = Progress {
                    log_id,
                    ..Progress::default()
                };
                let commit = PageCommit {
                    logged,
                    ..PageCommit::default()
                };
                store
                    .commit_page(&commit, None, &progress, None, now())
                    .unwrap();
                pages += 1;
            }
            Op::PurgeSecond => {
                store.use_mailbox(first).unwrap();
                store.remove_mailbox(second, true, now()).unwrap();
                second = store
                    .add_mailbox(&format!("second{n}@contoso.example"))
                    .unwrap();
            }
            Op::Refresh => {
                let before = store.conversations_pending().unwrap();
                let done = store.refresh_conversations(2).unwrap();
                prop_assert_eq!(done as i64, before.min(2));
                prop_assert_eq!(store.conversations_pending().unwrap(), before - done as i64);
                refreshes += done;
            }
        }
    }
    prop_assert!(
        pages > 0
            || history
                .iter()
                .all(|o| matches!(o, Op::PurgeSecond | Op::Refresh))
    );
    // The rest recomputed, as the engine does at the end of a run; then
    // the kept waits and answers are those of a recount of every contact
    // from the whole log.
    refreshes += store.refresh_all_conversations().unwrap();
    prop_assert_eq!(store.conversations_pending().unwrap(), 0);
    let long_ago = Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0).unwrap();
    let far_off = Utc.with_ymd_and_hms(2100, 1, 1, 0, 0, 0).unwrap();
    let all = store.exchanged(long_ago, far_off).unwrap();
    let mut want_waits = emaillog::domain::follow_ups::waits(&all);
    let mut kept_waits = store.waits(long_ago).unwrap();
    want_waits.sort();
    kept_waits.sort();
    prop_assert_eq!(kept_waits, want_waits);
    let mut want_replies = emaillog::domain::reply_times::reply_rows(&all);
    let mut kept_replies = store.reply_rows(long_ago, far_off).unwrap();
    want_replies.sort();
    kept_replies.sort();
    prop_assert_eq!(kept_replies, want_replies);
    // Every contact with entries was recomputed at least once.
    let with_entries: HashSet<&str> = all.iter().map(|e| e.contact_no.as_str()).collect();
    prop_assert!(
        refreshes >= with_entries.len(),
        "{} recomputed, {} with entries",
        refreshes,
        with_entries.len()
    );
    for c in &contacts {
        let kept = store.contact_card(&c.no, now()).unwrap();
        prop_assert_eq!(
            kept,
            recount(&store, std::slice::from_ref(&c.no)),
            "contact {}",
            c.no
        );
    }
    // Opportunities: open for the first, third and fourth contact, won for
    // the second, none for the fifth; each made from the contact's first
    // entry (a contact without entries has none).
    let mut first_entry: BTreeMap<String, i64> = BTreeMap::new();
    let mut last_at: BTreeMap<String, String> = BTreeMap::new();
    store
        .for_each_entry(|e| {
            first_entry
                .entry(e.contact_no.clone())
                .or_insert(e.entry_no);
            let last = last_at.entry(e.contact_no.clone()).or_default();
            if *last < e.datetime {
                *last = e.datetime.clone();
            }
            Ok(())
        })
        .unwrap();
    for (i, status) in [
        (0, "In progress"),
        (1, "Won"),
        (2, "Not started"),
        (3, "In progress"),
    ] {
        let no = format!("CT{:04}", i + 1);
        if let Some(entry) = first_entry.get(&no) {
            let o = NewOpportunity {
                description: format!("Stoler til {no}"),
                status: status.into(),
                estimated_value: None,
                close_date: None,
            };
            store.create_opportunity(*entry, &o, now()).unwrap();
        }
    }
    for days in [1u32, 21, 60] {
        let since = now() - Duration::days(i64::from(days));
        let mut expected: Vec<(Option<DateTime<Utc>>, String)> = [0, 2, 3]
            .iter()
            .map(|i| format!("CT{:04}", i + 1))
            .filter(|no| first_entry.contains_key(no))
            .map(|no| {
                let last = last_at
                    .get(&no)
                    .map(|t| t.parse::<DateTime<Utc>>().unwrap());
                (last, no)
            })
            .filter(|(last, _)| last.is_none_or(|l| l <= since))
            .collect();
        expected.sort();
        let cold = store.going_cold(days, now()).unwrap();
        let got: Vec<(Option<i64>, String)> = cold
            .iter()
            .map(|c| (c.silent_days, c.contact_no.clone()))
            .collect();
        let want: Vec<(Option<i64>, String)> = expected
            .iter()
            .map(|(l, no)| (l.map(|l| (now() - l).num_days()), no.clone()))
            .collect();
        prop_assert_eq!(got, want, "going cold after {} days", days);
    }
    let companies: BTreeMap<String, Vec<String>> =
        contacts.iter().fold(BTreeMap::new(), |mut m, c| {
            m.entry(c.company.clone()).or_default().push(c.no.clone());
            m
        });
    for (name, nos) in &companies {
        let kept = store.company_card(name, now()).unwrap();
        prop_assert_eq!(kept, recount(&store, nos), "company {}", name);
    }
    Ok(())
}

#[test]
fn the_kept_figures_equal_a_recount_after_any_history() {
    let cases = if emaillog::store::testing::on_postgres() {
        12
    } else {
        48
    };
    let mut runner = TestRunner::new(Config {
        cases,
        rng_seed: RngSeed::Fixed(21),
        failure_persistence: None,
        max_shrink_iters: 64,
        ..Config::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let case = std::sync::atomic::AtomicUsize::new(0);
    runner
        .run(&ops(), |history| {
            let n = case.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let db = emaillog::store::testing::fresh_database(dir.path(), &format!("c{n}.db"));
            check(&history, &db)
        })
        .unwrap();
}

/// Two answers alike in every kept column (two conversations asked and
/// answered in the same minutes) are kept twice, and stay twice when the
/// contact is worked out again: the kept answers are a multiset, written
/// back as many times as they are there (random histories seldom make
/// two alike; writing each once passed them).
#[test]
fn answers_alike_are_kept_as_many_times_as_they_were_given() {
    let said = |conv: u8, inbound: bool, minute: i64| Msg {
        contact: 0,
        inbound,
        days_ago: 1,
        minute,
        both: false,
        conv: Some(conv),
        topic: conv,
        reply: !inbound,
    };
    let history = [
        Op::Page(
            false,
            vec![
                said(0, true, 600),
                said(1, true, 600),
                said(0, false, 660),
                said(1, false, 660),
            ],
        ),
        Op::Refresh,
        Op::Page(false, vec![said(2, true, 700)]),
    ];
    let dir = tempfile::tempdir().unwrap();
    let db = emaillog::store::testing::fresh_database(dir.path(), "alike.db");
    check(&history, &db).unwrap();
    let long_ago = Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0).unwrap();
    let far_off = Utc.with_ymd_and_hms(2100, 1, 1, 0, 0, 0).unwrap();
    let store = Store::open(&db).unwrap();
    let kept = store.reply_rows(long_ago, far_off).unwrap();
    assert_eq!(kept.len(), 2, "{kept:?}");
    assert_eq!(kept[0], kept[1]);
}

#[test]
fn a_contact_nobody_wrote_to_has_an_empty_card_and_an_unknown_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = emaillog::store::testing::fresh_database(dir.path(), "e.db");
    let store = Store::open(&db).unwrap();
    assert_eq!(
        store.contact_card("CT0001", now()).unwrap(),
        ContactCard::default()
    );
    let app = emaillog::app::App::new(&db);
    let err = app
        .contact_report("CT9999", now(), 10)
        .unwrap_err()
        .to_string();
    assert!(err.contains("there is no contact CT9999"), "{err}");
}

/// Reply times from what was logged: the conversation ids and subjects of
/// the logged messages, one message with two salespeople counted once per
/// contact and for each of them per salesperson, a reply by subject where
/// the conversation id was lost, and only answers in the period.
#[test]
fn reply_times_come_from_the_logged_conversations() {
    use emaillog::domain::reply_times::{AnsweredBy, By};
    let dir = tempfile::tempdir().unwrap();
    let db = emaillog::store::testing::fresh_database(dir.path(), "r.db");
    let mut store = Store::open(&db).unwrap();
    store
        .upsert_salespeople(&[
            Salesperson {
                code: "S1".into(),
                name: "Åse".into(),
                email: "ase@contoso.example".into(),
            },
            Salesperson {
                code: "S2".into(),
                name: "Øyvind".into(),
                email: "oyvind@contoso.example".into(),
            },
        ])
        .unwrap();
    store
        .upsert_contacts(&[Contact {
            no: "CT0001".into(),
            name: "Kunde".into(),
            company: "Fjord 0".into(),
            email: "k@fjord.example".into(),
            alt_emails: vec![],
        }])
        .unwrap();
    let t = |day: u32, hour: u32| Utc.with_ymd_and_hms(2026, 11, day, hour, 0, 0).unwrap();
    let msg =
        |n: usize, at: DateTime<Utc>, inbound: bool, conv: &str, subject: &str, both: bool| {
            let mut m = message(
                n,
                &Msg {
                    contact: 0,
                    inbound,
                    days_ago: 0,
                    minute: 0,
                    both,
                    conv: None,
                    topic: 0,
                    reply: false,
                },
            );
            m.occurred_at = at;
            m.conversation_id = conv.into();
            m.subject = subject.into();
            m
        };
    let logged = vec![
        // They ask Monday 9:00; both of us answer at 11:00 (2 h).
        msg(1, t(23, 9), true, "c1", "Tilbud", false),
        msg(2, t(23, 11), false, "c1", "SV: Tilbud", true),
        // They answer Tuesday 9:00 from a phone that lost the thread (22 h).
        msg(3, t(24, 9), true, "c-lost", "SV: SV: Tilbud", false),
        // A new question on 26 November, answered on the 27th (24 h).
        msg(4, t(26, 9), true, "c2", "Faktura", false),
        msg(5, t(27, 9), false, "c2", "RE: Faktura", false),
    ];
    let log_id = store.start_job_log(now(), "test", "h").unwrap();
    let progress = Progress {
        log_id,
        ..Progress::default()
    };
    log_page(&mut store, &progress, logged);
    let app = emaillog::app::App::new(&db);
    let figures = |by, since, until| -> Vec<(String, AnsweredBy, i64, usize)> {
        app.reply_times(by, since, until, None)
            .unwrap()
            .into_iter()
            .map(|r| {
                (
                    r.key,
                    r.answered_by,
                    r.stats.median_reply_secs,
                    r.stats.replies,
                )
            })
            .collect()
    };
    let h = 3600;
    assert_eq!(
        figures(By::Salesperson, t(1, 0), t(30, 0)),
        vec![
            ("S1".into(), AnsweredBy::Us, 13 * h, 2),
            ("S1".into(), AnsweredBy::Them, 22 * h, 1),
            ("S2".into(), AnsweredBy::Us, 2 * h, 1),
            ("S2".into(), AnsweredBy::Them, 22 * h, 1),
        ]
    );
    assert_eq!(
        figures(By::Contact, t(1, 0), t(30, 0)),
        vec![
            ("CT0001".into(), AnsweredBy::Us, 13 * h, 2),
            ("CT0001".into(), AnsweredBy::Them, 22 * h, 1),
        ]
    );
    // From the 27th: only that day's answer, though its question was
    // asked the day before the period.
    assert_eq!(
        figures(By::Contact, t(27, 0), t(30, 0)),
        vec![("CT0001".into(), AnsweredBy::Us, 24 * h, 1)]
    );
    assert!(
        app.reply_times(By::Contact, t(30, 0), t(1, 0), None)
            .is_err()
    );

    // Follow-ups: their answer of the 24th waits for S1 (it had only S1
    // on it), due two working days later; S2 has none.
    let week = emaillog::domain::work_week::WorkWeek::default();
    let due = app.follow_ups(&week, 2, None, t(30, 12)).unwrap();
    let got: Vec<(String, String, DateTime<Utc>)> = due
        .iter()
        .map(|f| {
            (
                f.salesperson_code.clone(),
                f.contact_no.clone(),
                f.waiting_since,
            )
        })
        .collect();
    assert_eq!(got, vec![("S1".into(), "CT0001".into(), t(24, 9))]);
    assert!(
        app.follow_ups(&week, 2, Some("s2"), t(30, 12))
            .unwrap()
            .is_empty()
    );
    assert!(
        app.follow_ups(&week, 10, None, t(30, 12))
            .unwrap()
            .is_empty(),
        "not due yet"
    );
    // Dismissed ("no answer needed"): gone, and recorded with who.
    let first = due[0].entry_no;
    let said = app
        .dismiss_follow_up(first, due[0].received_at, t(30, 12))
        .unwrap();
    assert!(said.contains("dismissed"), "{said}");
    assert!(
        app.follow_ups(&week, 2, None, t(30, 12))
            .unwrap()
            .is_empty(),
        "a dismissed follow-up is not listed"
    );
    let marks = store.follow_up_dismissals(t(1, 0)).unwrap();
    assert_eq!(marks.len(), 1);
    assert_eq!(
        marks[&first].dismissed_by,
        emaillog::app::follow_ups::who_am_i()
    );
    assert_eq!(marks[&first].latest_at, t(24, 9));
    assert!(
        app.dismiss_follow_up(first + 1000, t(24, 9), t(30, 12))
            .is_err(),
        "an entry that is not there cannot be dismissed"
    );
    // Their new message in that conversation brings it back, with its
    // first unanswered message as before.
    let again = vec![msg(7, t(25, 9), true, "c-lost", "SV: SV: Tilbud", false)];
    log_page(&mut store, &progress, again);
    let board = app
        .follow_up_board(
            &emaillog::app::follow_ups::SignalSettings::default(),
            t(30, 12),
        )
        .unwrap();
    let rows: Vec<(i64, DateTime<Utc>, &str, &str)> = board
        .due
        .iter()
        .map(|r| {
            (
                r.due.entry_no,
                r.due.received_at,
                &*r.contact_name,
                r.due.subject.as_str(),
            )
        })
        .collect();
    assert_eq!(rows, vec![(first, t(25, 9), "Kunde", "SV: SV: Tilbud")]);
    assert_eq!(board.overdue, 1);
    // Our answer, logged later in the same conversation, clears it.
    let answer = vec![msg(6, t(30, 10), false, "c1", "SV: Tilbud", false)];
    log_page(&mut store, &progress, answer);
    assert!(
        app.follow_ups(&week, 2, None, t(30, 12))
            .unwrap()
            .is_empty()
    );

    // The timeline's opportunity changes: made, then edited; an edit that
    // changes nothing records nothing.
    let first_entry = app
        .contact_report("CT0001", t(30, 12), 50)
        .unwrap()
        .timeline
        .last()
        .unwrap()
        .entry_no;
    let made = NewOpportunity {
        description: "Stoler".into(),
        status: "In progress".into(),
        estimated_value: emaillog::domain::Money::from_minor(1_250_000),
        close_date: Some("2027-03-01".into()),
    };
    let no = store
        .create_opportunity(first_entry, &made, t(28, 9))
        .unwrap();
    let won = NewOpportunity {
        status: "Won".into(),
        ..made.clone()
    };
    store.update_opportunity(&no, &won, t(29, 9)).unwrap();
    store.update_opportunity(&no, &won, t(29, 10)).unwrap();
    let report = app.contact_report("CT0001", t(30, 12), 50).unwrap();
    let changes: Vec<(&str, &str)> = report
        .opportunity_changes
        .iter()
        .map(|c| (c.changed_at.as_str(), c.what.as_str()))
        .collect();
    assert_eq!(
        changes,
        vec![
            ("2026-11-29T09:00:00Z", "status In progress → Won"),
            (
                "2026-11-28T09:00:00Z",
                "made: Stoler (In progress, 12,500.00, closes 2027-03-01)"
            ),
        ]
    );
    // The company's figures: its one contact's.
    assert_eq!(report.company_card.as_ref(), Some(&report.card));
}
