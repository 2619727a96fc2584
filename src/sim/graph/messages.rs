//! Messages: list a folder page by page, get one, move it, delete it.

use serde_json::{Value, json};

use crate::sim::http::{SimRequest, SimResponse, graph_error};
use crate::sim::mailbox::Mailbox;
use crate::sim::odata::MessageQuery;

use super::next_link;
use super::render::{View, message_entity, message_json};

fn not_found() -> SimResponse {
    graph_error(
        404,
        "ErrorItemNotFound",
        "The specified object was not found in the store.",
    )
}

/// Graph's default page size for messages.
const DEFAULT_TOP: usize = 10;

/// How many of `top` a page at `offset` returns: with realistic paging, a
/// page is often short (deterministic, so tests repeat).
fn page_len(offset: usize, top: usize, realistic: bool) -> usize {
    if realistic && top > 1 {
        top - (offset.wrapping_mul(7).wrapping_add(3)) % (top / 2 + 1)
    } else {
        top
    }
}

/// A listing: with realistic paging the nextLink's `$skip` is larger than
/// the page (the real position rides in `$skiptoken`), so a client that
/// computes or extracts offsets misses messages, as it would on Graph.
pub fn list(mb: &Mailbox, req: &SimRequest, folder: Option<&str>, realistic: bool) -> SimResponse {
    let q = match MessageQuery::parse(req, false) {
        Ok(q) => q,
        Err(e) => return e,
    };
    let view = View::from_request(req, Some(&q));
    let top = q.top.unwrap_or(DEFAULT_TOP);
    let seqs: Vec<u64> = match folder {
        Some(f) => {
            let Some(fi) = mb.folder_index(f) else {
                return not_found();
            };
            if q.descending {
                mb.folder_seqs(fi).rev().collect()
            } else {
                mb.folder_seqs(fi).collect()
            }
        }
        None => {
            let mut all: Vec<(i64, u64)> = mb
                .messages
                .values()
                .map(|m| (m.received.timestamp_micros(), m.seq))
                .collect();
            all.sort_unstable();
            if q.descending {
                all.reverse();
            }
            all.into_iter().map(|(_, s)| s).collect()
        }
    };
    let matched: Vec<_> = seqs
        .into_iter()
        .filter_map(|s| mb.messages.get(&s))
        .filter(|m| q.matches(&m.fields, &m.received))
        .collect();
    let total = matched.len();
    let mut matching = matched.into_iter();
    let offset = req
        .query_value("$skiptoken")
        .and_then(|t| t.strip_prefix("o"))
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(q.skip);
    let len = page_len(offset, top, realistic);
    let page: Vec<Value> = matching
        .by_ref()
        .skip(offset)
        .take(len)
        .map(|m| message_json(m, &view))
        .collect();
    let more = matching.next().is_some();
    let next = offset + page.len();
    let mut body = json!({
        "@odata.context": format!("https://graph.microsoft.com/v1.0/$metadata#users('{}')/messages", mb.address),
        "value": page,
    });
    if req
        .query_value("$count")
        .is_some_and(|c| c.eq_ignore_ascii_case("true"))
    {
        body["@odata.count"] = json!(total);
    }
    if more {
        body["@odata.nextLink"] = json!(if realistic {
            let mut pairs: Vec<(String, String)> = req
                .query
                .iter()
                .filter(|(k, _)| k != "$skip" && k != "$skiptoken")
                .cloned()
                .collect();
            pairs.push(("$skip".into(), (next + top).to_string()));
            pairs.push(("$skiptoken".into(), format!("o{next}")));
            super::link(&req.origin, &req.path, &pairs)
        } else {
            next_link(req, "$skip", &next.to_string())
        });
    }
    view.apply(SimResponse::json(200, body))
}

pub fn get(mb: &Mailbox, req: &SimRequest, id: &str) -> SimResponse {
    let q = match MessageQuery::parse(req, false) {
        Ok(q) => q,
        Err(e) => return e,
    };
    let view = View::from_request(req, Some(&q));
    match mb.message_by_id(id) {
        Some(m) => view.apply(SimResponse::json(
            200,
            message_entity(&mb.address, m, &view),
        )),
        None => not_found(),
    }
}

pub fn move_to(mb: &mut Mailbox, req: &SimRequest, id: &str) -> SimResponse {
    let body = match req.json_body() {
        Ok(b) => b,
        Err(e) => return e,
    };
    // Graph reads the parameter's name whatever its case (`DestinationId`).
    let dest = body.as_object().and_then(|o| {
        o.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("destinationId"))
            .and_then(|(_, v)| v.as_str())
    });
    let Some(dest) = dest else {
        return graph_error(
            400,
            "ErrorInvalidParameter",
            "destinationId is required: a folder id or well-known name.",
        );
    };
    let Some(di) = mb.folder_index(dest) else {
        return graph_error(
            404,
            "ErrorItemNotFound",
            &format!("The destination folder '{dest}' was not found in the store."),
        );
    };
    let Some(seq) = mb.message_by_id(id).map(|m| m.seq) else {
        return not_found();
    };
    mb.move_message(seq, di);
    let view = View::from_request(req, None);
    match mb.messages.get(&seq) {
        Some(m) => view.apply(SimResponse::json(
            201,
            message_entity(&mb.address, m, &view),
        )),
        None => not_found(),
    }
}

/// Graph's DELETE moves a message to Deleted Items; from there it is gone.
pub fn delete(mb: &mut Mailbox, id: &str) -> SimResponse {
    let Some((seq, folder)) = mb.message_by_id(id).map(|m| (m.seq, m.folder_id.clone())) else {
        return not_found();
    };
    let deleted = mb
        .folder_index("deleteditems")
        .expect("every mailbox has Deleted Items");
    if mb.folders[deleted].id == folder {
        mb.purge(seq);
    } else {
        mb.move_message(seq, deleted);
    }
    SimResponse::empty(204)
}
