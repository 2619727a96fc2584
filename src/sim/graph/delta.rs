//! Delta query for a folder's messages: a round of pages ending in a
//! `@odata.deltaLink`, then only what changed since, with `@removed` for
//! messages that left the folder. Unknown or expired state answers `410`.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::sim::http::{SimRequest, SimResponse, graph_error};
use crate::sim::ids;
use crate::sim::odata::{ChangeType, MessageQuery};
use crate::sim::state::SimState;

use super::link;
use super::render::{View, message_json};

#[derive(Debug, Clone)]
pub enum DeltaItem {
    Message(u64),
    Removed {
        immutable_id: String,
        rest_id: String,
    },
}

/// What a `$skiptoken` or `$deltatoken` stands for.
#[derive(Debug, Clone)]
pub enum DeltaState {
    /// A round in progress: its items and where the next page starts.
    Round {
        mailbox: String,
        folder_id: String,
        items: Arc<Vec<DeltaItem>>,
        offset: usize,
        upto: u64,
        query: MessageQuery,
        /// An empty page was just served at `offset` (realistic paging).
        empty_served: bool,
    },
    /// A finished round: the next one returns changes after `since`.
    Link {
        mailbox: String,
        folder_id: String,
        since: u64,
        query: MessageQuery,
    },
}

const DEFAULT_PAGE: usize = 10;

fn gone() -> SimResponse {
    graph_error(
        410,
        "syncStateNotFound",
        "The sync state was not found or has expired. Discard the deltaLink and start a full synchronization.",
    )
}

fn page_size(req: &SimRequest, query: &MessageQuery) -> usize {
    req.preferences()
        .iter()
        .find_map(|p| {
            let (k, v) = p.split_once('=')?;
            k.trim()
                .eq_ignore_ascii_case("odata.maxpagesize")
                .then(|| v.trim().trim_matches('"').parse::<usize>().ok())?
        })
        .or(query.top)
        .unwrap_or(DEFAULT_PAGE)
        .clamp(1, 1000)
}

pub fn serve(state: &mut SimState, mailbox: &str, req: &SimRequest, folder: &str) -> SimResponse {
    let mailbox = mailbox.to_ascii_lowercase();
    let round = if let Some(tok) = req.query_value("$skiptoken") {
        match state.deltas.get(tok) {
            Some(DeltaState::Round { mailbox: m, .. }) if *m == mailbox => {
                state.deltas[tok].clone()
            }
            _ => return gone(),
        }
    } else {
        let (since, query, folder_id) = if let Some(tok) = req.query_value("$deltatoken") {
            match state.deltas.get(tok) {
                Some(DeltaState::Link {
                    mailbox: m,
                    folder_id,
                    since,
                    query,
                }) if *m == mailbox => (*since, query.clone(), folder_id.clone()),
                _ => return gone(),
            }
        } else {
            let query = match MessageQuery::parse(req, true) {
                Ok(q) => q,
                Err(e) => return e,
            };
            let Some(mb) = state.mailboxes.get(&mailbox) else {
                return gone();
            };
            let Some(fi) = mb.folder_index(folder) else {
                return graph_error(
                    404,
                    "ErrorItemNotFound",
                    "The specified folder was not found in the store.",
                );
            };
            (0, query, mb.folders[fi].id.clone())
        };
        let Some(round) = start_round(state, &mailbox, &folder_id, since, query) else {
            return gone();
        };
        round
    };
    let DeltaState::Round {
        folder_id,
        items,
        offset,
        upto,
        query,
        empty_served,
        ..
    } = round
    else {
        return gone();
    };
    let Some(mb) = state.mailboxes.get(&mailbox) else {
        return gone();
    };
    let view = View {
        select: query.select.clone(),
        expand_props: query.expand_props.clone(),
        ..View::from_request(req, None)
    };
    let size = page_size(req, &query);
    // Realistic paging: pages are often short, and now and then one is
    // empty while the round goes on (a client must follow the nextLink).
    let realistic = state.realistic_paging;
    let empty = realistic
        && offset > 0
        && offset < items.len()
        && !empty_served
        && (offset / size.max(1)) % 2 == 1;
    let len = if empty {
        0
    } else if realistic && size > 1 {
        size - (offset.wrapping_mul(5).wrapping_add(1)) % (size / 2 + 1)
    } else {
        size
    };
    let end = (offset + len).min(items.len());
    let page: Vec<Value> = items[offset..end]
        .iter()
        .map(|item| match item {
            DeltaItem::Message(seq) => {
                match mb.messages.get(seq).filter(|m| m.folder_id == folder_id) {
                    Some(m) => message_json(m, &view),
                    None => removed(
                        mb.messages
                            .get(seq)
                            .map(|m| (m.immutable_id.as_str(), m.rest_id.as_str())),
                        &view,
                    ),
                }
            }
            DeltaItem::Removed {
                immutable_id,
                rest_id,
            } => removed(Some((immutable_id, rest_id)), &view),
        })
        .collect();
    let path = req.path.clone();
    let mut body = json!({
        "@odata.context": format!("https://graph.microsoft.com/v1.0/$metadata#Collection(message)"),
        "value": page,
    });
    let key = ids::opaque_token(24);
    if end < items.len() {
        let next = DeltaState::Round {
            mailbox: mailbox.clone(),
            folder_id,
            items,
            offset: end,
            upto,
            query,
            empty_served: empty,
        };
        state.deltas.insert(key.clone(), next);
        body["@odata.nextLink"] = json!(link(&req.origin, &path, &[("$skiptoken".into(), key)]));
    } else {
        state.deltas.insert(
            key.clone(),
            DeltaState::Link {
                mailbox,
                folder_id,
                since: upto,
                query,
            },
        );
        body["@odata.deltaLink"] = json!(link(&req.origin, &path, &[("$deltatoken".into(), key)]));
    }
    view.apply(SimResponse::json(200, body))
}

fn removed(ids: Option<(&str, &str)>, view: &View) -> Value {
    let id = ids
        .map(|(imm, rest)| if view.immutable_ids { imm } else { rest })
        .unwrap_or_default();
    json!({"@odata.type": "#microsoft.graph.message", "id": id, "@removed": {"reason": "deleted"}})
}

/// Snapshots what changed in the folder after `since`.
fn start_round(
    state: &SimState,
    mailbox: &str,
    folder_id: &str,
    since: u64,
    query: MessageQuery,
) -> Option<DeltaState> {
    let mb = state.mailboxes.get(mailbox)?;
    let fi = mb.folder_index(folder_id)?;
    // The simulator changes a message only by moving it: an arrival in
    // this folder is a creation here (as Exchange reports a move), and
    // nothing is ever updated in place.
    let (arrivals, departures) = match query.change_type {
        None => (true, true),
        Some(ChangeType::Created) => (true, false),
        Some(ChangeType::Updated) => (false, false),
        Some(ChangeType::Deleted) => (false, true),
    };
    let mut items: Vec<DeltaItem> = mb
        .folder_seqs(fi)
        .rev()
        .filter_map(|s| mb.messages.get(&s))
        .filter(|m| arrivals && m.changed_at > since && query.matches(&m.fields, &m.received))
        .map(|m| DeltaItem::Message(m.seq))
        .collect();
    if since > 0 && departures {
        let mut seen = std::collections::HashSet::new();
        for (change, imm, rest) in mb.folders[fi].removed.iter().rev() {
            if *change <= since {
                break;
            }
            let back_in_folder = mb
                .message_by_id(imm)
                .is_some_and(|m| m.folder_id == folder_id);
            if !back_in_folder && seen.insert(imm.clone()) {
                items.push(DeltaItem::Removed {
                    immutable_id: imm.clone(),
                    rest_id: rest.clone(),
                });
            }
        }
    }
    Some(DeltaState::Round {
        mailbox: mailbox.to_string(),
        folder_id: folder_id.to_string(),
        items: Arc::new(items),
        offset: 0,
        upto: mb.change_seq,
        query,
        empty_served: false,
    })
}
