//! The store's database layer on a real PostgreSQL server this test starts:
//! the same calls the SQLite store makes (`?N` parameters, rows read by
//! number, `RETURNING`, transactions that roll back unless committed, the
//! writer lock of an IMMEDIATE transaction) give the same answers, and
//! times stored as `timestamptz` read back as the stored UTC text.

mod common;

use std::sync::{Arc, Barrier};
use std::time::Duration;

use common::postgres::{PASSWORD, Postgres, available};
use emaillog::store::db::{Begin, Db, OptionalExtension, params};
use emaillog::store::pg::pool::{PoolSize, pool};
use emaillog::store::pg::target::PgTarget;

fn connect(pg: &Postgres) -> Db {
    let t = PgTarget::parse(&pg.url("postgres", "disable"), Some(PASSWORD)).unwrap();
    let p = pool(&t, PoolSize::default()).unwrap();
    let conn =
        emaillog::store::db::pg::connect(&p, &t).unwrap_or_else(|e| panic!("{e}\n{}", pg.log()));
    Db::from_postgres(conn)
}

#[test]
fn the_store_layer_answers_on_postgres_as_on_sqlite() {
    if !available() {
        return;
    }
    let pg = Postgres::start_without_tls();
    let mut db = connect(&pg);
    assert!(db.is_postgres());
    db.execute_batch(
        "CREATE TABLE t (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name TEXT NOT NULL,
                         n INTEGER, at TIMESTAMPTZ, flag INTEGER NOT NULL DEFAULT 0, data BYTEA)",
    )
    .unwrap();

    // RETURNING gives the new row's number, as SQLite's does.
    let id: i64 = db
        .query_row(
            "INSERT INTO t (name, n, at, data) VALUES (?1, ?2, ?3, ?4) RETURNING id",
            params![
                "Åse Ødegård",
                7i64,
                "2026-11-30T07:00:00.250Z",
                b"\x00\xff".to_vec()
            ],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(id, 1);
    let row = db
        .query_row(
            "SELECT name, n, at, flag, data FROM t WHERE id = ?1",
            params![id],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<u32>>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, bool>(3)?,
                    r.get::<_, Vec<u8>>(4)?,
                ))
            },
        )
        .unwrap();
    assert_eq!(
        row,
        (
            "Åse Ødegård".to_string(),
            Some(7),
            "2026-11-30T07:00:00.250Z".to_string(),
            false,
            vec![0, 255]
        )
    );
    // Times compare as times; a bare `?` is numbered in order.
    let later: i64 = db
        .query_row(
            "SELECT count(*) FROM t WHERE at > ? AND name <> ?",
            params!["2026-11-30T06:59:59.999Z", "x"],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(later, 1);
    // No row is None when optional; a row of the wrong kind is an error.
    let none = db
        .query_row("SELECT name FROM t WHERE id = ?1", params![99], |r| {
            r.get::<_, String>(0)
        })
        .optional()
        .unwrap();
    assert_eq!(none, None);
    let e = db
        .query_row("SELECT name FROM t", params![], |r| r.get::<_, i64>(0))
        .unwrap_err();
    assert_eq!(e.to_string(), "column 0: expected an integer, found text");
    // A statement the server refuses says why, with its code.
    let e = db
        .execute("INSERT INTO t (name) VALUES (NULL)", params![])
        .unwrap_err();
    assert!(e.to_string().contains("23502"), "{e}");

    // A transaction dropped uncommitted leaves nothing; committed, it stays.
    {
        let tx = db.transaction(Begin::Immediate).unwrap();
        tx.execute("INSERT INTO t (name) VALUES (?1)", params!["gone"])
            .unwrap();
    }
    let tx = db.transaction(Begin::Deferred).unwrap();
    tx.execute("UPDATE t SET flag = ?1 WHERE id = ?2", params![true, id])
        .unwrap();
    tx.commit().unwrap();
    let names = db
        .query_map("SELECT name, flag FROM t ORDER BY id", params![], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })
        .unwrap();
    assert_eq!(names, vec![("Åse Ødegård".to_string(), 1)]);
    // A failed statement inside a transaction: the rollback leaves the
    // connection usable.
    {
        let tx = db.transaction(Begin::Deferred).unwrap();
        assert!(
            tx.execute("INSERT INTO nowhere VALUES (1)", params![])
                .is_err()
        );
    }
    assert!(db.exists("SELECT 1 FROM t", params![]).unwrap());

    // Many rows stream through for_each.
    db.execute(
        "INSERT INTO t (name, n) SELECT 'row ' || g, g FROM generate_series(1, 5000) g",
        params![],
    )
    .unwrap();
    let mut sum = 0i64;
    db.for_each("SELECT n FROM t WHERE n IS NOT NULL", params![], |r| {
        sum += r.get::<_, i64>(0)?;
        Ok::<_, emaillog::store::db::DbError>(())
    })
    .unwrap();
    assert_eq!(sum, 7 + 5000 * 5001 / 2);
}

#[test]
fn immediate_transactions_queue_for_the_writer_lock() {
    if !available() {
        return;
    }
    let pg = Postgres::start_without_tls();
    let mut a = connect(&pg);
    a.execute_batch("CREATE TABLE counter (n BIGINT NOT NULL); INSERT INTO counter VALUES (0)")
        .unwrap();
    // Two connections read the counter and write it back one more, inside
    // IMMEDIATE transactions: with the writer lock neither increment is
    // lost, though the second reader starts while the first holds it.
    let barrier = Arc::new(Barrier::new(2));
    let url = pg.url("postgres", "disable");
    let other = {
        let barrier = barrier.clone();
        std::thread::spawn(move || {
            let t = PgTarget::parse(&url, Some(PASSWORD)).unwrap();
            let p = pool(&t, PoolSize::default()).unwrap();
            let mut b = Db::from_postgres(emaillog::store::db::pg::connect(&p, &t).unwrap());
            barrier.wait();
            let tx = b.transaction(Begin::Immediate).unwrap();
            let n: i64 = tx
                .query_row("SELECT n FROM counter", params![], |r| r.get(0))
                .unwrap();
            tx.execute("UPDATE counter SET n = ?1", params![n + 1])
                .unwrap();
            tx.commit().unwrap();
        })
    };
    let tx = a.transaction(Begin::Immediate).unwrap();
    let n: i64 = tx
        .query_row("SELECT n FROM counter", params![], |r| r.get(0))
        .unwrap();
    barrier.wait();
    // The other transaction is seen waiting for the lock this one holds.
    let waiting = |tx: &Db| -> i64 {
        tx.query_row(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted",
            params![],
            |r| r.get(0),
        )
        .unwrap()
    };
    let mut tries = 0;
    while waiting(&tx) == 0 {
        tries += 1;
        assert!(
            tries < 3000,
            "the other transaction never waited for the lock"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    tx.execute("UPDATE counter SET n = ?1", params![n + 1])
        .unwrap();
    tx.commit().unwrap();
    other.join().unwrap();
    let n: i64 = a
        .query_row("SELECT n FROM counter", params![], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 2, "no increment lost");
}

/// A batch of one statement goes as one pipeline: the rows in order, the
/// new ids in order, one answer per query in order; a failing row inside a
/// transaction fails the batch and nothing of it stays.
#[test]
fn batches_are_pipelined_in_order_and_fail_whole_in_a_transaction() {
    if !available() {
        return;
    }
    let pg = Postgres::start_without_tls();
    let mut db = connect(&pg);
    db.execute_batch(
        "CREATE TABLE b (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, name TEXT NOT NULL UNIQUE, n INTEGER)",
    )
    .unwrap();
    let names: Vec<String> = (0..200).map(|i| format!("row {i:03} Æ")).collect();
    let rows: Vec<_> = names
        .iter()
        .enumerate()
        .map(|(i, n)| emaillog::store::db::row![n, i as i64])
        .collect();
    let ids = db
        .insert_each("INSERT INTO b (name, n) VALUES (?1, ?2)", &rows)
        .unwrap();
    assert_eq!(ids, (1..=200).collect::<Vec<i64>>(), "ids in order");
    let asked: Vec<_> = names
        .iter()
        .rev()
        .map(|n| emaillog::store::db::row![n])
        .collect();
    let ns: Vec<i64> = db
        .query_row_each("SELECT n FROM b WHERE name = ?1", &asked, |r| r.get(0))
        .unwrap();
    assert_eq!(ns, (0..200).rev().collect::<Vec<i64>>(), "answers in order");
    let bumps: Vec<_> = (0..200i64).map(|i| emaillog::store::db::row![i]).collect();
    let changed = db
        .execute_each("UPDATE b SET n = n + 1000 WHERE n = ?1", &bumps)
        .unwrap();
    assert_eq!(changed, 200);
    // Row 150 of 200 breaks the unique name: the batch fails, and the
    // transaction it ran in keeps nothing of it.
    let mut fresh: Vec<String> = (0..200).map(|i| format!("new {i}")).collect();
    fresh[150] = names[0].clone();
    let clash: Vec<_> = fresh
        .iter()
        .map(|n| emaillog::store::db::row![n, 0i64])
        .collect();
    {
        let tx = db.transaction(Begin::Immediate).unwrap();
        assert!(
            tx.execute_each("INSERT INTO b (name, n) VALUES (?1, ?2)", &clash)
                .is_err()
        );
    }
    let count: i64 = db
        .query_row("SELECT count(*) FROM b", params![], |r| r.get(0))
        .unwrap();
    assert_eq!(count, 200, "the failed batch left nothing");
    assert!(
        db.query_row_each(
            "SELECT n FROM b WHERE name = ?1",
            &[
                emaillog::store::db::row!["nobody"],
                emaillog::store::db::row!["nobody either"]
            ],
            |r| r.get::<_, i64>(0)
        )
        .is_err(),
        "a query that finds no row says so"
    );
}

/// A statement over a page's rows as arrays: every kind of value (text
/// with Æ Ø Å and quotes, NULL, integers, times) arrives in its row, more
/// rows than one chunk holds all arrive, in the order given, and an
/// `UPDATE … FROM` over them changes exactly the rows named.
#[test]
fn rows_sent_as_arrays_arrive_whole_and_in_order() {
    if !available() {
        return;
    }
    let pg = Postgres::start_without_tls();
    let db = connect(&pg);
    db.execute_batch(
        "CREATE TABLE a (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, name TEXT NOT NULL, n INTEGER, big BIGINT, at TIMESTAMPTZ)",
    )
    .unwrap();
    let names: Vec<String> = (0..25_000)
        .map(|i| format!("Ærlig Øyvind «{i}» O'Brien"))
        .collect();
    let at = "2026-11-30T07:00:00.250Z".to_string();
    let ns: Vec<Option<i64>> = (0..25_000).map(|i| (i % 3 != 0).then_some(i)).collect();
    let ats: Vec<Option<String>> = (0..25_000)
        .map(|i| (i % 2 == 0).then(|| at.clone()))
        .collect();
    let rows: Vec<_> = names
        .iter()
        .zip(&ns)
        .zip(&ats)
        .enumerate()
        .map(|(i, ((name, n), at))| {
            emaillog::store::db::row![name, n, i as i64 * 1_000_000_000, at]
        })
        .collect();
    let casts = ["text", "integer", "bigint", "timestamptz"];
    let back: Vec<(i64, String)> = db
        .query_at_once(
            |rows| {
                format!("INSERT INTO a (name, n, big, at) SELECT * FROM {rows} RETURNING id, name")
            },
            &casts,
            &rows,
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(back.len(), 25_000, "every row of three chunks");
    assert_eq!(
        back.iter().map(|(_, n)| n.clone()).collect::<Vec<_>>(),
        names,
        "in the order given"
    );
    let stored: Vec<(String, Option<i64>, i64, Option<String>)> = db
        .query_map(
            "SELECT name, n, big, at FROM a WHERE id IN (1, 2, 3, 24999, 25000) ORDER BY id",
            params![],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    assert_eq!(
        stored,
        vec![
            (names[0].clone(), None, 0, Some(at.clone())),
            (names[1].clone(), Some(1), 1_000_000_000, None),
            (names[2].clone(), Some(2), 2_000_000_000, Some(at.clone())),
            (
                names[24_998].clone(),
                Some(24_998),
                24_998_000_000_000,
                Some(at.clone())
            ),
            (names[24_999].clone(), None, 24_999_000_000_000, None),
        ]
    );
    let named: Vec<_> = [7i64, 19_000, 24_000]
        .iter()
        .map(|id| emaillog::store::db::row![*id, "renamed"])
        .collect();
    db.execute_rows(
        "unused on PostgreSQL",
        |rows| format!("UPDATE a SET name = v.name FROM {rows} AS v(id, name) WHERE a.id = v.id"),
        &["bigint", "text"],
        &named,
    )
    .unwrap();
    let renamed: Vec<i64> = db
        .query_map(
            "SELECT id FROM a WHERE name = 'renamed' ORDER BY id",
            params![],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(renamed, vec![7, 19_000, 24_000]);
}

#[test]
fn a_durable_transaction_commits_durably_whatever_its_pooled_connection_did_before() {
    if !available() {
        return;
    }
    // This server's own default is synchronous_commit=off.
    let pg = Postgres::start_without_tls();
    let t = PgTarget::parse(&pg.url("postgres", "disable"), Some(PASSWORD)).unwrap();
    // One connection: the second Db gets the first one's.
    let size = PoolSize {
        max: 1,
        ..PoolSize::default()
    };
    let p = pool(&t, size).unwrap();
    let open = || Db::from_postgres(emaillog::store::db::pg::connect(&p, &t).unwrap());
    let setting = |db: &Db| -> String {
        db.query_row(
            "SELECT current_setting('synchronous_commit')",
            params![],
            |r| r.get(0),
        )
        .unwrap()
    };
    {
        let mut first = open();
        first.set_durable(false).unwrap();
        let tx = first.transaction(Begin::Immediate).unwrap();
        assert_eq!(setting(&tx), "off");
        tx.commit().unwrap();
        // Dropped without being set back (a failure, a panic): its
        // connection goes back to the pool as it is.
    }
    let mut second = open();
    for how in [Begin::Deferred, Begin::Immediate] {
        let tx = second.transaction(how).unwrap();
        assert_eq!(setting(&tx), "on", "{how:?}");
    }
}
