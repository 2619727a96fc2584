//! The simulator's Graph mail API, driven over loopback HTTP.

mod common;

use common::{MAILBOX, TestSim, error_code, message, messages};
use emaillog::sim::SimConfig;
use serde_json::{Value, json};
use std::collections::HashSet;
use std::time::Duration;

const INBOX: &str = "/v1.0/users/crm-log@contoso.example/mailFolders/inbox/messages";

/// A simulator with full pages and plain `$skip` offsets.
async fn simple_paging() -> TestSim {
    TestSim::start(SimConfig {
        realistic_paging: false,
        ..SimConfig::default()
    })
    .await
}

/// As Graph's documentation warns: short pages, and a nextLink whose `$skip`
/// is larger than the page even in the first answer. Following nextLinks
/// sees every message once; computing offsets misses some.
#[tokio::test]
async fn realistic_paging_gives_short_pages_and_skips_that_are_not_offsets() {
    let sim = TestSim::default().await;
    sim.add(MAILBOX, "inbox", messages(40)).await;
    let token = sim.app_token().await;
    let first = format!("{INBOX}?$top=10&$orderby=receivedDateTime asc&$select=subject");
    let a = sim.get(&token, &first).await;
    let page = a.body["value"].as_array().unwrap().len();
    let next = a.body["@odata.nextLink"].as_str().unwrap().to_string();
    let skip: usize = url::Url::parse(&next)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "$skip")
        .unwrap()
        .1
        .parse()
        .unwrap();
    assert!(page < 10, "a short first page: {page}");
    assert!(skip > 10, "a $skip larger than the page size: {skip}");
    // Following the nextLinks sees all 40, once each.
    let mut seen = Vec::new();
    let mut url = first.clone();
    loop {
        let a = sim.get(&token, &url).await;
        for m in a.body["value"].as_array().unwrap() {
            seen.push(m["subject"].as_str().unwrap().to_string());
        }
        match a.body["@odata.nextLink"].as_str() {
            Some(n) => url = n.to_string(),
            None => break,
        }
    }
    let distinct: std::collections::HashSet<_> = seen.iter().collect();
    assert_eq!((seen.len(), distinct.len()), (40, 40));
    // A client that computes `$skip` itself misses messages.
    let mut computed = 0;
    for skip in (0..40).step_by(10) {
        let a = sim.get(&token, &format!("{first}&$skip={skip}")).await;
        computed += a.body["value"].as_array().unwrap().len();
    }
    assert!(
        computed < 40,
        "offsets computed by the client miss messages"
    );
}

#[tokio::test]
async fn listing_follows_next_links_across_many_pages() {
    let sim = simple_paging().await;
    sim.add(MAILBOX, "inbox", messages(95)).await;
    let token = sim.app_token().await;
    let mut url =
        format!("{INBOX}?$top=10&$select=subject,receivedDateTime&$orderby=receivedDateTime asc");
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let a = sim.get(&token, &url).await;
        assert_eq!(a.status, 200, "{}", a.body);
        pages += 1;
        for m in a.body["value"].as_array().unwrap() {
            assert!(
                m.get("body").is_none(),
                "$select leaves out what was not asked"
            );
            seen.push(m["subject"].as_str().unwrap().to_string());
        }
        match a.body["@odata.nextLink"].as_str() {
            Some(next) => {
                assert!(
                    next.starts_with("https://127.0.0.1:"),
                    "nextLink is absolute: {next}"
                );
                url = next.to_string();
            }
            None => break,
        }
    }
    assert_eq!(pages, 10);
    assert_eq!(seen.len(), 95);
    assert_eq!(seen.first().unwrap(), "Message 0");
    assert_eq!(seen.last().unwrap(), "Message 94");
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 95);
}

#[tokio::test]
async fn default_order_is_newest_first_and_default_page_is_ten() {
    let sim = simple_paging().await;
    sim.add(MAILBOX, "inbox", messages(12)).await;
    let token = sim.app_token().await;
    let a = sim.get(&token, INBOX).await;
    let v = a.body["value"].as_array().unwrap();
    assert_eq!(v.len(), 10);
    assert_eq!(v[0]["subject"], "Message 11");
    assert!(a.body["@odata.nextLink"].is_string());
}

#[tokio::test]
async fn filter_on_received_time() {
    let sim = TestSim::default().await;
    let stored = sim.add(MAILBOX, "inbox", messages(10)).await;
    let cut = stored[5]["receivedDateTime"].as_str().unwrap().to_string();
    let token = sim.app_token().await;
    let a = sim
        .get(
            &token,
            &format!("{INBOX}?$filter=receivedDateTime ge {cut}&$top=50"),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["value"].as_array().unwrap().len(), 5);
}

#[tokio::test]
async fn filter_by_what_mail_clients_filter_by_with_and_or() {
    let sim = TestSim::default().await;
    let mut batch = Vec::new();
    for (i, (from, read, importance, attach)) in [
        ("buyer@fabrikam.example", false, "high", true),
        ("BUYER@fabrikam.example", true, "normal", false),
        ("other@tailspin.example", false, "low", false),
        ("other@tailspin.example", true, "high", true),
    ]
    .into_iter()
    .enumerate()
    {
        let mut m = message(from, &["sam@contoso.example"], &format!("M{i}"));
        m["isRead"] = json!(read);
        m["importance"] = json!(importance);
        m["hasAttachments"] = json!(attach);
        batch.push(m);
    }
    sim.add(MAILBOX, "inbox", Value::Array(batch)).await;
    let token = sim.app_token().await;
    let subjects = |a: &common::Answer| {
        let mut s: Vec<String> = a.body["value"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["subject"].as_str().unwrap().to_string())
            .collect();
        s.sort();
        s
    };
    for (filter, want) in [
        ("isRead eq false", vec!["M0", "M2"]),
        (
            "from/emailAddress/address eq 'buyer@fabrikam.example'",
            vec!["M0", "M1"],
        ),
        (
            "isRead eq true and importance eq 'high' or hasAttachments eq true and isRead eq false",
            vec!["M0", "M3"],
        ),
        (
            "not (importance eq 'low') and (isRead eq false or from/emailAddress/address ne 'other@tailspin.example')",
            vec!["M0", "M1"],
        ),
        (
            "receivedDateTime ge 2000-01-01T00:00:00Z and isDraft eq false",
            vec!["M0", "M1", "M2", "M3"],
        ),
    ] {
        let url = reqwest::Url::parse_with_params(&sim.url(INBOX), &[("$filter", filter)]).unwrap();
        let a = sim.get(&token, url.as_str()).await;
        assert_eq!(a.status, 200, "{filter}: {}", a.body);
        assert_eq!(subjects(&a), want, "{filter}");
    }
    // Delta takes only receivedDateTime ge|gt and receivedDateTime desc.
    for (q, ok) in [
        ("$filter=receivedDateTime ge 2000-01-01T00:00:00Z", true),
        ("$filter=receivedDateTime gt 2000-01-01T00:00:00Z", true),
        ("$filter=receivedDateTime lt 2100-01-01T00:00:00Z", false),
        ("$filter=isRead eq false", false),
        ("$orderby=receivedDateTime desc", true),
        ("$orderby=receivedDateTime asc", false),
        ("$orderby=receivedDateTime", false),
        ("$skip=2", false),
        ("$count=true", false),
    ] {
        let url =
            reqwest::Url::parse(&format!("{}?{q}", sim.url(&format!("{INBOX}/delta")))).unwrap();
        let a = sim.get(&token, url.as_str()).await;
        if ok {
            assert_eq!(a.status, 200, "{q}: {}", a.body);
            assert!(
                a.body["value"].as_array().is_some_and(|v| !v.is_empty())
                    || a.body["@odata.nextLink"].is_string(),
                "{q}"
            );
        } else {
            assert_eq!(
                (a.status, error_code(&a)),
                (400, "BadRequest"),
                "{q}: {}",
                a.body
            );
        }
    }
}

#[tokio::test]
async fn bad_query_options_get_graphs_error_shape() {
    let sim = TestSim::default().await;
    sim.add(MAILBOX, "inbox", messages(1)).await;
    let token = sim.app_token().await;
    for q in [
        "$top=0",
        "$top=1001",
        "$top=abc",
        "$select=nonsense",
        "$orderby=subject",
        "$filter=subject eq 'x'",
        "$frobnicate=1",
        "$expand=attachments",
    ] {
        let a = sim.get(&token, &format!("{INBOX}?{q}")).await;
        assert_eq!(a.status, 400, "{q}: {}", a.body);
        assert_eq!(error_code(&a), "BadRequest", "{q}");
        assert!(a.body["error"]["message"].as_str().unwrap().len() > 10);
    }
}

#[tokio::test]
async fn move_gives_a_new_id_unless_immutable_ids_are_asked_for() {
    let sim = TestSim::default().await;
    let stored = sim
        .add(
            MAILBOX,
            "inbox",
            json!([
                message("a@fabrikam.example", &["b@contoso.example"], "one"),
                message("a@fabrikam.example", &["b@contoso.example"], "two")
            ]),
        )
        .await;
    let token = sim.app_token().await;
    let id = stored[0]["id"].as_str().unwrap();
    let a = sim.move_message(&token, id, "archive").await;
    assert_eq!(a.status, 201, "{}", a.body);
    let new_id = a.body["id"].as_str().unwrap();
    assert_ne!(new_id, id, "a plain move changes the id");
    assert!(
        a.body["webLink"]
            .as_str()
            .unwrap()
            .starts_with("https://outlook.office365.com/owa/?ItemID=")
    );
    assert_eq!(
        sim.get(&token, &format!("/v1.0/users/{MAILBOX}/messages/{id}"))
            .await
            .status,
        404
    );
    assert_eq!(
        sim.get(&token, &format!("/v1.0/users/{MAILBOX}/messages/{new_id}"))
            .await
            .status,
        200
    );

    let prefer = [("Prefer", "IdType=\"ImmutableId\"")];
    let listed = sim.get_with(&token, INBOX, &prefer).await;
    assert_eq!(
        listed.headers["preference-applied"],
        "IdType=\"ImmutableId\""
    );
    let imm = listed.body["value"][0]["id"].as_str().unwrap().to_string();
    let a = sim
        .post(
            &token,
            &format!("/v1.0/users/{MAILBOX}/messages/{imm}/move"),
            json!({"destinationId": "archive"}),
            &prefer,
        )
        .await;
    assert_eq!(a.status, 201);
    assert_eq!(
        a.body["id"],
        imm.as_str(),
        "an immutable id survives the move"
    );
    let archive = sim.folder_messages(MAILBOX, "archive").await;
    assert_eq!(archive.len(), 2);
    assert!(sim.folder_messages(MAILBOX, "inbox").await.is_empty());
    let folder = sim
        .get(
            &token,
            &format!("/v1.0/users/{MAILBOX}/mailFolders/archive"),
        )
        .await;
    assert_eq!(a.body["parentFolderId"], folder.body["id"]);
}

#[tokio::test]
async fn move_to_missing_folder_or_missing_message_is_404() {
    let sim = TestSim::default().await;
    let stored = sim
        .add(
            MAILBOX,
            "inbox",
            message("a@x.example", &["b@contoso.example"], "s"),
        )
        .await;
    let token = sim.app_token().await;
    let id = stored["id"].as_str().unwrap();
    let a = sim
        .post(
            &token,
            &format!("/v1.0/users/{MAILBOX}/messages/{id}/move"),
            json!({"destinationId": "nowhere"}),
            &[],
        )
        .await;
    assert_eq!((a.status, error_code(&a)), (404, "ErrorItemNotFound"));
    let a = sim
        .post(
            &token,
            &format!("/v1.0/users/{MAILBOX}/messages/AAMkNOPE/move"),
            json!({"destinationId": "archive"}),
            &[],
        )
        .await;
    assert_eq!((a.status, error_code(&a)), (404, "ErrorItemNotFound"));
    let a = sim
        .post(
            &token,
            &format!("/v1.0/users/{MAILBOX}/messages/{id}/move"),
            json!({}),
            &[],
        )
        .await;
    assert_eq!(a.status, 400);
}

#[tokio::test]
async fn delete_moves_to_deleted_items_then_purges() {
    let sim = TestSim::default().await;
    let stored = sim
        .add(
            MAILBOX,
            "inbox",
            message("a@x.example", &["b@contoso.example"], "s"),
        )
        .await;
    let token = sim.app_token().await;
    let prefer = [("Prefer", "IdType=\"ImmutableId\"")];
    let id = sim.get_with(&token, INBOX, &prefer).await.body["value"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let _ = stored;
    let del = sim
        .http
        .delete(sim.url(&format!("/v1.0/users/{MAILBOX}/messages/{id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(del.status(), 204);
    assert_eq!(sim.folder_messages(MAILBOX, "deleteditems").await.len(), 1);
    let del = sim
        .http
        .delete(sim.url(&format!("/v1.0/users/{MAILBOX}/messages/{id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(del.status(), 204);
    assert!(
        sim.folder_messages(MAILBOX, "deleteditems")
            .await
            .is_empty()
    );
    assert_eq!(
        sim.get(&token, &format!("/v1.0/users/{MAILBOX}/messages/{id}"))
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn message_json_has_graphs_names_and_shapes() {
    let sim = TestSim::default().await;
    let mut m = message(
        "Alex@Fabrikam.example",
        &["annette.hill@contoso.example"],
        "Quote",
    );
    m["ccRecipients"] =
        json!([{"emailAddress": {"name": "Ben", "address": "ben@contoso.example"}}]);
    m["internetMessageHeaders"] = json!([{"name": "Auto-Submitted", "value": "auto-replied"}]);
    m["singleValueExtendedProperties"] = json!([{"id": "Integer 0x36", "value": "2"}]);
    sim.add(MAILBOX, "inbox", m).await;
    let token = sim.app_token().await;
    let a = sim.get(&token, INBOX).await;
    let msg = &a.body["value"][0];
    for field in [
        "id",
        "internetMessageId",
        "conversationId",
        "subject",
        "isDraft",
        "sentDateTime",
        "receivedDateTime",
        "sender",
        "from",
        "toRecipients",
        "ccRecipients",
        "bccRecipients",
        "replyTo",
        "body",
        "bodyPreview",
        "webLink",
        "parentFolderId",
    ] {
        assert!(msg.get(field).is_some(), "{field} missing in {msg}");
    }
    assert_eq!(
        msg["sender"]["emailAddress"]["address"],
        "Alex@Fabrikam.example"
    );
    assert_eq!(msg["body"]["contentType"], "html");
    assert!(
        msg.get("internetMessageHeaders").is_none(),
        "headers only when selected"
    );
    assert!(
        msg.get("singleValueExtendedProperties").is_none(),
        "extended properties only when expanded"
    );

    let a = sim
        .get_with(
            &token,
            &format!("{INBOX}?$select=subject,internetMessageHeaders,body&$expand=singleValueExtendedProperties($filter=id eq 'Integer 0x0036')"),
            &[("Prefer", "outlook.body-content-type=\"text\"")],
        )
        .await;
    let msg = &a.body["value"][0];
    assert_eq!(msg["body"]["contentType"], "text");
    assert_eq!(msg["body"]["content"], "About Quote");
    assert_eq!(msg["internetMessageHeaders"][0]["name"], "Auto-Submitted");
    assert_eq!(
        msg["singleValueExtendedProperties"][0],
        json!({"id": "Integer 0x36", "value": "2"})
    );
}

#[tokio::test]
async fn folders_list_filter_create_and_conflict() {
    let sim = TestSim::default().await;
    sim.add(MAILBOX, "inbox", messages(1)).await;
    let token = sim.app_token().await;
    let base = format!("/v1.0/users/{MAILBOX}/mailFolders");
    let all = sim.get(&token, &base).await;
    let names: Vec<&str> = all.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["displayName"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"Inbox") && names.contains(&"Archive") && names.contains(&"Junk Email")
    );
    let none = sim
        .get(&token, &format!("{base}?$filter=displayName eq 'Skipped'"))
        .await;
    assert_eq!(none.body["value"].as_array().unwrap().len(), 0);
    let created = sim
        .post(&token, &base, json!({"displayName": "Skipped"}), &[])
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let found = sim
        .get(&token, &format!("{base}?$filter=displayName eq 'Skipped'"))
        .await;
    assert_eq!(found.body["value"][0]["id"], created.body["id"]);
    let dup = sim
        .post(&token, &base, json!({"displayName": "skipped"}), &[])
        .await;
    assert_eq!((dup.status, error_code(&dup)), (409, "ErrorFolderExists"));
    let by_id = sim
        .get(
            &token,
            &format!("{base}/{}/messages", created.body["id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(by_id.status, 200);
    let bad = sim
        .get(
            &token,
            &format!("{base}?$filter=startswith(displayName,'S')"),
        )
        .await;
    assert_eq!(bad.status, 400);
}

#[tokio::test]
async fn delta_rounds_end_in_a_delta_link_and_report_removals() {
    let sim = simple_paging().await;
    sim.add(MAILBOX, "inbox", messages(7)).await;
    let token = sim.app_token().await;
    let prefer = [("Prefer", "odata.maxpagesize=3, IdType=\"ImmutableId\"")];
    let mut url = format!("{INBOX}/delta?$select=subject");
    let mut ids = Vec::new();
    let delta_link = loop {
        let a = sim.get_with(&token, &url, &prefer).await;
        assert_eq!(a.status, 200, "{}", a.body);
        let page = a.body["value"].as_array().unwrap();
        assert!(page.len() <= 3);
        ids.extend(page.iter().map(|m| m["id"].as_str().unwrap().to_string()));
        if let Some(next) = a.body["@odata.nextLink"].as_str() {
            url = next.to_string();
        } else {
            break a.body["@odata.deltaLink"]
                .as_str()
                .expect("round ends in a deltaLink")
                .to_string();
        }
    };
    assert_eq!(ids.len(), 7);

    // Nothing changed: an empty round.
    let a = sim.get_with(&token, &delta_link, &prefer).await;
    assert_eq!(a.body["value"].as_array().unwrap().len(), 0);
    let delta_link = a.body["@odata.deltaLink"].as_str().unwrap().to_string();

    // Two arrive, one is moved out.
    sim.add(MAILBOX, "inbox", messages(2)).await;
    let moved = &ids[0];
    let m = sim
        .post(
            &token,
            &format!("/v1.0/users/{MAILBOX}/messages/{moved}/move"),
            json!({"destinationId": "archive"}),
            &prefer,
        )
        .await;
    assert_eq!(m.status, 201);
    let a = sim.get_with(&token, &delta_link, &prefer).await;
    let v = a.body["value"].as_array().unwrap();
    assert_eq!(v.len(), 3, "{v:?}");
    let removed: Vec<&Value> = v.iter().filter(|i| i.get("@removed").is_some()).collect();
    assert_eq!(removed.len(), 1);
    assert_eq!(removed[0]["id"], moved.as_str());
    assert_eq!(removed[0]["@removed"]["reason"], "deleted");

    // A made-up or expired token: 410 syncStateNotFound.
    let a = sim
        .get(&token, &format!("{INBOX}/delta?$deltatoken=nonsense"))
        .await;
    assert_eq!((a.status, error_code(&a)), (410, "syncStateNotFound"));
    sim.control(reqwest::Method::POST, "/_sim/delta/expire", None)
        .await;
    let a = sim.get(&token, &delta_link).await;
    assert_eq!((a.status, error_code(&a)), (410, "syncStateNotFound"));
}

#[tokio::test]
async fn batch_of_twenty_one_is_refused() {
    let sim = TestSim::default().await;
    sim.add(MAILBOX, "inbox", messages(1)).await;
    let token = sim.app_token().await;
    let reqs: Vec<Value> = (0..21).map(|i| json!({"id": i.to_string(), "method": "GET", "url": format!("/users/{MAILBOX}/mailFolders/inbox")})).collect();
    let a = sim
        .post(&token, "/v1.0/$batch", json!({"requests": reqs}), &[])
        .await;
    assert_eq!((a.status, error_code(&a)), (400, "BadRequest"));
    let reqs: Vec<Value> = (0..20).map(|i| json!({"id": i.to_string(), "method": "GET", "url": format!("/users/{MAILBOX}/mailFolders/inbox")})).collect();
    let a = sim
        .post(&token, "/v1.0/$batch", json!({"requests": reqs}), &[])
        .await;
    assert_eq!(a.status, 200);
    assert_eq!(a.body["responses"].as_array().unwrap().len(), 20);
}

#[tokio::test]
async fn batch_runs_moves_honours_depends_on_and_fails_dependents_with_424() {
    let sim = TestSim::default().await;
    let stored = sim.add(MAILBOX, "inbox", messages(2)).await;
    let token = sim.app_token().await;
    let (a_id, b_id) = (
        stored[0]["id"].as_str().unwrap(),
        stored[1]["id"].as_str().unwrap(),
    );
    let body = json!({"requests": [
        {"id": "1", "method": "POST", "url": format!("/users/{MAILBOX}/messages/{a_id}/move"), "headers": {"Content-Type": "application/json"}, "body": {"destinationId": "archive"}},
        {"id": "2", "method": "GET", "url": format!("/users/{MAILBOX}/messages/AAMkMISSING")},
        {"id": "3", "method": "POST", "url": format!("/users/{MAILBOX}/messages/{b_id}/move"), "dependsOn": ["2"], "headers": {"Content-Type": "application/json"}, "body": {"destinationId": "archive"}},
        {"id": "4", "method": "GET", "url": format!("users/{MAILBOX}/mailFolders?$filter=displayName eq 'Archive'"), "dependsOn": ["1"]}
    ]});
    let a = sim.post(&token, "/v1.0/$batch", body, &[]).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let by_id = |id: &str| {
        a.body["responses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(by_id("1")["status"], 201);
    assert_eq!(by_id("2")["status"], 404);
    assert_eq!(by_id("3")["status"], 424);
    assert_eq!(by_id("4")["status"], 200);
    assert_eq!(by_id("4")["body"]["value"][0]["displayName"], "Archive");
    assert_eq!(sim.folder_messages(MAILBOX, "archive").await.len(), 1);
    // A body without Content-Type is refused, as Graph does.
    let bad = json!({"requests": [{"id": "1", "method": "POST", "url": "/users/x@y/messages/z/move", "body": {"destinationId": "archive"}}]});
    assert_eq!(sim.post(&token, "/v1.0/$batch", bad, &[]).await.status, 400);
}

#[tokio::test]
async fn batch_items_are_throttled_one_by_one_inside_a_200() {
    let sim = TestSim::start(SimConfig {
        limit: 5,
        window: Duration::from_secs(60),
        ..SimConfig::default()
    })
    .await;
    sim.add(MAILBOX, "inbox", messages(1)).await;
    let token = sim.app_token().await;
    let reqs: Vec<Value> = (0..8).map(|i| json!({"id": i.to_string(), "method": "GET", "url": format!("/users/{MAILBOX}/mailFolders/inbox")})).collect();
    let a = sim
        .post(&token, "/v1.0/$batch", json!({"requests": reqs}), &[])
        .await;
    assert_eq!(a.status, 200);
    let statuses: Vec<u64> = a.body["responses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 5);
    let throttled: Vec<&Value> = a.body["responses"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == 429)
        .collect();
    assert_eq!(throttled.len(), 3);
    let retry: u64 = throttled[0]["headers"]["Retry-After"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry));
}

/// Deterministic: the simulator's gate holds the admitted requests in
/// flight until every other request has been answered.
#[tokio::test]
async fn burst_of_ten_concurrent_requests_meets_429_with_retry_after() {
    let sim = TestSim::default().await;
    sim.add(MAILBOX, "inbox", messages(1)).await;
    let token = sim.app_token().await;
    sim.control(reqwest::Method::POST, "/_sim/gate/close", None)
        .await;
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let http = sim.http.clone();
        let url = sim.url(INBOX);
        let token = token.clone();
        tasks.push(tokio::spawn(async move {
            http.get(url).bearer_auth(token).send().await.unwrap()
        }));
    }
    // Four are admitted and held; the six others are answered at once.
    let mut throttled = 0;
    let mut pending = Vec::new();
    for t in tasks {
        pending.push(t);
    }
    let mut answered = Vec::new();
    while answered.len() < 6 {
        let (done, _, rest) = tokio::time::timeout(
            Duration::from_secs(30),
            futures::future::select_all(pending),
        )
        .await
        .expect("more than four requests were let in");
        answered.push(done.unwrap());
        pending = rest;
    }
    let stats = sim.control(reqwest::Method::GET, "/_sim/stats", None).await;
    assert_eq!(stats.body["held"], 4, "four in flight, held at the gate");
    for resp in answered {
        assert_eq!(resp.status().as_u16(), 429);
        throttled += 1;
        let retry: u64 = resp.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(retry >= 1);
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["error"]["code"], "ApplicationThrottled");
    }
    sim.control(reqwest::Method::POST, "/_sim/gate/open", None)
        .await;
    let mut ok = 0;
    for t in pending {
        assert_eq!(t.await.unwrap().status().as_u16(), 200);
        ok += 1;
    }
    assert_eq!(
        (ok, throttled),
        (4, 6),
        "at most four in flight per app and mailbox"
    );
}

#[tokio::test]
async fn window_limit_answers_429_until_the_window_slides() {
    let sim = TestSim::start(SimConfig {
        limit: 3,
        window: Duration::from_secs(2),
        ..SimConfig::default()
    })
    .await;
    sim.add(MAILBOX, "inbox", messages(1)).await;
    let token = sim.app_token().await;
    for _ in 0..3 {
        assert_eq!(sim.get(&token, INBOX).await.status, 200);
    }
    let a = sim.get(&token, INBOX).await;
    assert_eq!(a.status, 429);
    let retry: u64 = a.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=2).contains(&retry));
    tokio::time::sleep(Duration::from_secs(retry)).await;
    assert_eq!(sim.get(&token, INBOX).await.status, 200);
}

#[tokio::test]
async fn authentication_and_scope_errors() {
    let sim = TestSim::default().await;
    sim.add(MAILBOX, "inbox", messages(1)).await;
    let none = TestSim::answer(sim.http.get(sim.url(INBOX)).send().await.unwrap()).await;
    assert_eq!(
        (none.status, error_code(&none)),
        (401, "InvalidAuthenticationToken")
    );
    let wrong = sim.get("not-a-token", INBOX).await;
    assert_eq!(
        (wrong.status, error_code(&wrong)),
        (401, "InvalidAuthenticationToken")
    );
    let token = sim.app_token().await;
    assert_eq!(sim.get(&token, INBOX).await.status, 200);
    sim.control(reqwest::Method::POST, "/_sim/tokens/expire", None)
        .await;
    let expired = sim.get(&token, INBOX).await;
    assert_eq!(
        (expired.status, error_code(&expired)),
        (401, "InvalidAuthenticationToken")
    );
    assert!(
        expired.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("expired")
    );
    let unknown = sim
        .get(
            &sim.app_token().await,
            "/v1.0/users/nobody@contoso.example/mailFolders/inbox/messages",
        )
        .await;
    assert_eq!(
        (unknown.status, error_code(&unknown)),
        (404, "ErrorInvalidUser")
    );
}

#[tokio::test]
async fn unknown_routes_and_bad_json_get_graph_errors_never_a_panic() {
    let sim = TestSim::default().await;
    sim.add(MAILBOX, "inbox", messages(1)).await;
    let token = sim.app_token().await;
    let a = sim.get(&token, "/v1.0/nonsense").await;
    assert_eq!(a.status, 400);
    assert!(a.body["error"]["code"].is_string());
    let a = sim
        .get(&token, &format!("/v1.0/users/{MAILBOX}/calendar"))
        .await;
    assert_eq!(a.status, 400);
    let resp = sim
        .http
        .post(sim.url(&format!("/v1.0/users/{MAILBOX}/mailFolders")))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    let a = TestSim::answer(resp).await;
    assert_eq!((a.status, error_code(&a)), (400, "BadRequest"));
    let resp = sim
        .http
        .post(sim.url("/v1.0/$batch"))
        .bearer_auth(&token)
        .body("[1,2")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let a = sim
        .post(&token, "/v1.0/$batch", json!({"requests": "no"}), &[])
        .await;
    assert_eq!(a.status, 400);
    let resp = sim
        .http
        .patch(sim.url(&format!("/v1.0/users/{MAILBOX}/mailFolders")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 405);
    let a = sim
        .control(reqwest::Method::GET, "/_sim/nothing", None)
        .await;
    assert_eq!(a.status, 404);
    assert!(a.body["error"]["message"].is_string());
    let a = sim.get(&token, "/nothing/here/at/all").await;
    assert!(a.body["error"].is_object(), "{}", a.body);
}

#[tokio::test]
async fn answers_carry_request_ids_and_a_move_takes_destination_id_in_any_case() {
    let sim = TestSim::default().await;
    let stored = sim.add(MAILBOX, "inbox", messages(1)).await;
    let id = stored[0]["id"].as_str().unwrap().to_string();
    let token = sim.app_token().await;
    let a = sim
        .get_with(&token, INBOX, &[("client-request-id", "my-trace-1")])
        .await;
    assert_eq!(a.status, 200);
    assert_eq!(a.headers["client-request-id"], "my-trace-1");
    assert!(!a.headers["request-id"].to_str().unwrap().is_empty());
    let b = sim.get(&token, INBOX).await;
    assert_eq!(
        b.headers["client-request-id"], b.headers["request-id"],
        "without one sent, the request-id stands for it"
    );
    let moved = sim
        .post(
            &token,
            &format!("/v1.0/users/{MAILBOX}/messages/{id}/move"),
            json!({"DestinationId": "archive"}),
            &[],
        )
        .await;
    assert_eq!(moved.status, 201, "{}", moved.body);
    assert_eq!(sim.folder_messages(MAILBOX, "archive").await.len(), 1);
    sim.add(MAILBOX, "inbox", messages(3)).await;
    let c = sim
        .get(&token, &format!("{INBOX}?$count=true&$top=1"))
        .await;
    assert_eq!(c.body["@odata.count"], 3, "{}", c.body);
    let n = sim.get(&token, &format!("{INBOX}?$top=1")).await;
    assert!(n.body.get("@odata.count").is_none());
}

#[tokio::test]
async fn messages_carry_graphs_default_properties_and_a_single_one_its_context() {
    let sim = TestSim::default().await;
    let m = message(
        "alex@fabrikam.example",
        &["annette@contoso.example"],
        "Defaults",
    );
    sim.add(MAILBOX, "inbox", m).await;
    let token = sim.app_token().await;
    let list = sim.get(&token, INBOX).await;
    let msg = &list.body["value"][0];
    assert!(
        msg["changeKey"].as_str().is_some_and(|k| !k.is_empty()),
        "{msg}"
    );
    assert_eq!(msg["categories"], json!([]));
    assert_eq!(msg["flag"]["flagStatus"], "notFlagged");
    assert_eq!(msg["isDeliveryReceiptRequested"], false);
    assert_eq!(msg["isReadReceiptRequested"], false);
    for only_when_asked in ["conversationIndex", "uniqueBody"] {
        assert!(
            msg.get(only_when_asked).is_none(),
            "{only_when_asked} in {msg}"
        );
    }
    assert!(
        msg.get("@odata.context").is_none(),
        "a collection's items carry none"
    );
    let id = msg["id"].as_str().unwrap().to_string();
    let one = sim
        .get(
            &token,
            &format!(
                "/v1.0/users/{MAILBOX}/messages/{id}?$select=subject,conversationIndex,uniqueBody"
            ),
        )
        .await;
    assert_eq!(one.status, 200, "{}", one.body);
    assert_eq!(
        one.body["@odata.context"],
        format!("https://graph.microsoft.com/v1.0/$metadata#users('{MAILBOX}')/messages/$entity")
    );
    assert!(
        one.body["@odata.etag"]
            .as_str()
            .is_some_and(|e| e.starts_with("W/\""))
    );
    assert!(
        one.body["conversationIndex"]
            .as_str()
            .is_some_and(|c| !c.is_empty())
    );
    assert_eq!(one.body["uniqueBody"]["contentType"], "html");
    assert!(
        one.body.get("changeKey").is_none(),
        "not selected: {}",
        one.body
    );
}

#[tokio::test]
async fn a_write_without_a_json_content_type_is_refused() {
    let sim = TestSim::default().await;
    sim.add(
        MAILBOX,
        "inbox",
        message(
            "alex@fabrikam.example",
            &["annette@contoso.example"],
            "Move me",
        ),
    )
    .await;
    let token = sim.app_token().await;
    let id = sim.get(&token, INBOX).await.body["value"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let url = sim.url(&format!("/v1.0/users/{MAILBOX}/messages/{id}/move"));
    let none = sim
        .http
        .post(&url)
        .bearer_auth(&token)
        .body(r#"{"destinationId":"archive"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(none.status(), 400);
    let body: serde_json::Value = none.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Content-Type"),
        "{body}"
    );
    let text = sim
        .http
        .post(&url)
        .bearer_auth(&token)
        .header("Content-Type", "text/plain")
        .body(r#"{"destinationId":"archive"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(text.status(), 415);
    // Nothing moved; with JSON it does.
    assert_eq!(sim.folder_messages(MAILBOX, "inbox").await.len(), 1);
    let ok = sim.move_message(&token, &id, "archive").await;
    assert_eq!(ok.status, 201, "{}", ok.body);
}

#[tokio::test]
async fn message_ids_look_like_graphs() {
    let sim = TestSim::default().await;
    sim.add(
        MAILBOX,
        "inbox",
        message("alex@fabrikam.example", &["annette@contoso.example"], "Ids"),
    )
    .await;
    let token = sim.app_token().await;
    let rest = sim.get(&token, INBOX).await.body["value"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let immutable = sim
        .get_with(&token, INBOX, &[("Prefer", "IdType=\"ImmutableId\"")])
        .await
        .body["value"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    for id in [&rest, &immutable] {
        assert!((140..=160).contains(&id.len()), "{} chars: {id}", id.len());
        assert!(id.ends_with('='), "padded: {id}");
        assert!(
            id.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_=".contains(c)),
            "URL-safe base64: {id}"
        );
    }
    assert!(rest.starts_with("AAMk") && immutable.starts_with("AAkALg"));
    // Such an id works in a URL when it is encoded as a path segment.
    let one = sim
        .get(&token, &format!("/v1.0/users/{MAILBOX}/messages/{rest}"))
        .await;
    assert_eq!(one.status, 200, "{}", one.body);
}

#[tokio::test]
async fn delta_change_type_gives_only_arrivals_or_only_departures() {
    let sim = TestSim::default().await;
    sim.add(MAILBOX, "inbox", messages(4)).await;
    let token = sim.app_token().await;
    let round = |url: String| {
        let (sim, token) = (&sim, &token);
        async move {
            let (items, link) = sim.follow(token, &url).await;
            (items, link.expect("a delta round ends in a deltaLink"))
        }
    };
    let (created0, created_link) = round(format!("{INBOX}/delta?changeType=created")).await;
    let (_, deleted_link) = round(format!("{INBOX}/delta?changeType=deleted")).await;
    let (all0, all_link) = round(format!("{INBOX}/delta")).await;
    assert_eq!((created0.len(), all0.len()), (4, 4));
    // One message leaves, one arrives.
    let leaving = created0[0]["id"].as_str().unwrap();
    let moved = sim.move_message(&token, leaving, "archive").await;
    assert_eq!(moved.status, 201, "{}", moved.body);
    sim.add(
        MAILBOX,
        "inbox",
        json!([message(
            "new@fabrikam.example",
            &["sam@contoso.example"],
            "New"
        )]),
    )
    .await;
    let (created, _) = round(created_link).await;
    let (deleted, _) = round(deleted_link).await;
    let (all, _) = round(all_link).await;
    let removed = |v: &Vec<Value>| v.iter().filter(|i| i.get("@removed").is_some()).count();
    assert_eq!((created.len(), removed(&created)), (1, 0), "{created:?}");
    assert_eq!(created[0]["subject"], "New");
    assert_eq!((deleted.len(), removed(&deleted)), (1, 1), "{deleted:?}");
    assert_eq!((all.len(), removed(&all)), (2, 1), "{all:?}");
    let bad = sim
        .get(&token, &format!("{INBOX}/delta?changeType=moved"))
        .await;
    assert_eq!((bad.status, error_code(&bad)), (400, "BadRequest"));
    // Elsewhere a custom option Graph ignores.
    let listing = sim
        .get(&token, &format!("{INBOX}?changeType=created"))
        .await;
    assert_eq!(listing.status, 200, "{}", listing.body);
}

/// Child folders as Graph has them: a list holds one level, names are
/// unique among siblings only, `$filter` by display name works at every
/// level; the control API puts mail in a folder path (`CRM/Queue`, made
/// where missing), and the folder's messages and delta read it.
#[tokio::test]
async fn child_folders_nest_and_hold_mail_read_by_path() {
    let sim = TestSim::default().await;
    sim.add(MAILBOX, "CRM/Queue", messages(3)).await;
    let token = sim.app_token().await;
    let base = format!("/v1.0/users/{MAILBOX}/mailFolders");
    let top = sim
        .get(&token, &format!("{base}?$filter=displayName eq 'crm'"))
        .await;
    let crm = top.body["value"][0].clone();
    assert_eq!(crm["displayName"], "CRM", "{}", top.body);
    assert_eq!(crm["childFolderCount"], 1);
    let crm_id = crm["id"].as_str().unwrap();
    let all_top = sim.get(&token, &format!("{base}?$top=50")).await;
    assert!(
        all_top.body["value"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["displayName"] != "Queue"),
        "a child is not listed at the top: {}",
        all_top.body
    );
    let children = sim
        .get(&token, &format!("{base}/{crm_id}/childFolders"))
        .await;
    assert_eq!(children.status, 200, "{}", children.body);
    let queue = children.body["value"][0].clone();
    assert_eq!(
        (
            queue["displayName"].as_str(),
            queue["parentFolderId"].as_str()
        ),
        (Some("Queue"), Some(crm_id))
    );
    assert_eq!(queue["totalItemCount"], 3);
    let queue_id = queue["id"].as_str().unwrap();
    let one = sim
        .get(&token, &format!("{base}/{crm_id}/childFolders/{queue_id}"))
        .await;
    assert_eq!(one.body["id"], queue_id);
    // Not a child of the Inbox: 404.
    let wrong = sim
        .get(&token, &format!("{base}/inbox/childFolders/{queue_id}"))
        .await;
    assert_eq!(wrong.status, 404);
    // A sibling name is taken; the same name elsewhere is not.
    let storage = sim
        .post(
            &token,
            &format!("{base}/{crm_id}/childFolders"),
            json!({"displayName": "Storage"}),
            &[],
        )
        .await;
    assert_eq!(storage.status, 201, "{}", storage.body);
    let dup = sim
        .post(
            &token,
            &format!("{base}/{crm_id}/childFolders"),
            json!({"displayName": "queue"}),
            &[],
        )
        .await;
    assert_eq!((dup.status, error_code(&dup)), (409, "ErrorFolderExists"));
    let elsewhere = sim
        .post(
            &token,
            &format!("{base}/inbox/childFolders"),
            json!({"displayName": "Queue"}),
            &[],
        )
        .await;
    assert_eq!(elsewhere.status, 201, "{}", elsewhere.body);
    let filtered = sim
        .get(
            &token,
            &format!("{base}/{crm_id}/childFolders?$filter=displayName eq 'STORAGE'"),
        )
        .await;
    assert_eq!(filtered.body["value"][0]["id"], storage.body["id"]);
    // The queue's mail, by list and by delta, and by path in the control API.
    let listed = sim
        .get(&token, &format!("{base}/{queue_id}/messages"))
        .await;
    assert_eq!(listed.body["value"].as_array().unwrap().len(), 3);
    let delta = sim
        .get(&token, &format!("{base}/{queue_id}/messages/delta"))
        .await;
    assert_eq!(delta.status, 200, "{}", delta.body);
    assert_eq!(delta.body["value"].as_array().unwrap().len(), 3);
    assert_eq!(sim.folder_messages(MAILBOX, "crm/queue").await.len(), 3);
    assert_eq!(sim.folder_messages(MAILBOX, "CRM%2FQueue").await.len(), 3);
    assert!(sim.folder_messages(MAILBOX, "Inbox/Queue").await.is_empty());
    let missing = sim
        .control(
            reqwest::Method::GET,
            &format!("/_sim/mailboxes/{MAILBOX}/folders/CRM/Nothing/messages"),
            None,
        )
        .await;
    assert_eq!(missing.status, 404);
}

/// Attachments as Graph serves them: listed with `$select` (no bytes),
/// one by id with `contentBytes`, its raw `$value`; `hasAttachments` says
/// whether any is a file (an inline image alone does not count); an
/// unknown attachment is a 404.
#[tokio::test]
async fn attachments_are_listed_selected_fetched_and_raw() {
    use base64::Engine;
    let sim = TestSim::default().await;
    let token = sim.app_token().await;
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut with_file = message("a@x.example", &[MAILBOX], "with a file");
    with_file["attachments"] = json!([
        {"name": "a.pdf", "contentType": "application/pdf", "contentBytes": b64.encode(b"%PDF-1.4")},
        {"name": "i.png", "contentType": "image/png", "contentBytes": b64.encode(b"png"), "isInline": true},
    ]);
    let mut inline_only = message("a@x.example", &[MAILBOX], "inline only");
    inline_only["attachments"] = json!([
        {"name": "i.png", "contentType": "image/png", "contentBytes": b64.encode(b"png"), "isInline": true},
    ]);
    let added = sim
        .add(MAILBOX, "inbox", json!([with_file, inline_only]))
        .await;
    let id = added[0]["id"].as_str().unwrap();
    assert_eq!(added[0]["hasAttachments"], json!(true));
    assert_eq!(added[1]["hasAttachments"], json!(false));
    assert!(
        added[0].get("attachments").is_none(),
        "never in the message's JSON"
    );
    let base = format!("/v1.0/users/{MAILBOX}/messages/{id}/attachments");
    let list = sim
        .get(
            &token,
            &format!("{base}?$select=id,name,contentType,size,isInline"),
        )
        .await;
    assert_eq!(list.status, 200, "{}", list.body);
    let items = list.body["value"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["name"], json!("a.pdf"));
    assert_eq!(items[0]["size"], json!(8));
    assert_eq!(items[1]["isInline"], json!(true));
    assert!(
        items[0].get("contentBytes").is_none(),
        "$select leaves the bytes out"
    );
    let aid = items[0]["id"].as_str().unwrap();
    let one = sim.get(&token, &format!("{base}/{aid}")).await;
    assert_eq!(one.body["contentBytes"], json!(b64.encode(b"%PDF-1.4")));
    let raw = sim
        .http
        .get(sim.url(&format!("{base}/{aid}/$value")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 200);
    assert_eq!(raw.headers()["content-type"], "application/pdf");
    assert_eq!(&raw.bytes().await.unwrap()[..], b"%PDF-1.4");
    let missing = sim
        .get(&token, &format!("{base}/AAMkAttNothing/$value"))
        .await;
    assert_eq!(missing.status, 404);
}
