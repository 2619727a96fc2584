//! `mailFolders` and their `childFolders`: list (with `$filter=displayName
//! eq '…'`), get, create, delete. A list holds one level, as Graph's does.

use serde_json::{Value, json};

use crate::sim::http::{SimRequest, SimResponse, graph_error};
use crate::sim::mailbox::Mailbox;
use crate::sim::odata::{allow_options, parse_display_name_filter, parse_skip, parse_top};

use super::next_link;
use super::render::{folder_entity, folder_json};

/// The folders right under `parent` (a folder's id or well-known name;
/// `None`: the top of the mailbox).
pub fn list(mb: &Mailbox, req: &SimRequest, parent: Option<&str>) -> SimResponse {
    let parent_id = match parent {
        None => mb.root_id.clone(),
        Some(p) => match mb.folder_index(p) {
            Some(i) => mb.folders[i].id.clone(),
            None => return not_found(),
        },
    };
    if let Err(e) = allow_options(req, &["$top", "$skip", "$filter", "$select", "$count"]) {
        return e;
    }
    let (top, skip) = match (parse_top(req), parse_skip(req)) {
        (Ok(t), Ok(s)) => (t.unwrap_or(10), s),
        (Err(e), _) | (_, Err(e)) => return e,
    };
    let name = match req.query_value("$filter").map(parse_display_name_filter) {
        None => None,
        Some(Ok(n)) => Some(n),
        Some(Err(e)) => return e,
    };
    let matching: Vec<usize> = mb
        .children(&parent_id)
        .into_iter()
        .filter(|i| {
            name.as_ref()
                .is_none_or(|n| mb.folders[*i].display_name.to_lowercase() == n.to_lowercase())
        })
        .collect();
    let page: Vec<Value> = matching
        .iter()
        .skip(skip)
        .take(top)
        .map(|i| folder_json(mb, *i))
        .collect();
    let mut body = json!({
        "@odata.context": match parent {
            None => format!("https://graph.microsoft.com/v1.0/$metadata#users('{}')/mailFolders", mb.address),
            Some(p) => format!("https://graph.microsoft.com/v1.0/$metadata#users('{}')/mailFolders('{p}')/childFolders", mb.address),
        },
        "value": page,
    });
    if skip + top < matching.len() {
        body["@odata.nextLink"] = json!(next_link(req, "$skip", &(skip + top).to_string()));
    }
    SimResponse::json(200, body)
}

fn not_found() -> SimResponse {
    graph_error(
        404,
        "ErrorItemNotFound",
        "The specified object was not found in the store.",
    )
}

pub fn get(mb: &Mailbox, folder: &str) -> SimResponse {
    match mb.folder_index(folder) {
        Some(i) => SimResponse::json(200, folder_entity(mb, i)),
        None => not_found(),
    }
}

/// A child folder by id, only under the parent named.
pub fn get_child(mb: &Mailbox, parent: &str, child: &str) -> SimResponse {
    match (mb.folder_index(parent), mb.folder_index(child)) {
        (Some(p), Some(c)) if mb.folders[c].parent_id == mb.folders[p].id => {
            SimResponse::json(200, folder_entity(mb, c))
        }
        _ => not_found(),
    }
}

/// Deletes a folder the user made; its messages go to Deleted Items, as
/// Exchange does. Well-known folders cannot be deleted.
pub fn delete(mb: &mut Mailbox, folder: &str) -> SimResponse {
    let Some(i) = mb.folder_index(folder) else {
        return graph_error(
            404,
            "ErrorItemNotFound",
            "The specified object was not found in the store.",
        );
    };
    if mb.folders[i].well_known.is_some() {
        return graph_error(
            400,
            "ErrorDeleteDistinguishedFolder",
            "Distinguished folders cannot be deleted.",
        );
    }
    mb.delete_folder(i);
    SimResponse::empty(204)
}

/// A new folder at the top (`parent` `None`) or under a folder.
pub fn create(mb: &mut Mailbox, req: &SimRequest, parent: Option<&str>) -> SimResponse {
    let parent_id = match parent {
        None => mb.root_id.clone(),
        Some(p) => match mb.folder_index(p) {
            Some(i) => mb.folders[i].id.clone(),
            None => return not_found(),
        },
    };
    let body = match req.json_body() {
        Ok(b) => b,
        Err(e) => return e,
    };
    let Some(name) = body
        .get("displayName")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|n| !n.is_empty())
    else {
        return graph_error(
            400,
            "ErrorInvalidParameter",
            "displayName is required and must be a non-empty string.",
        );
    };
    match mb.create_child_folder(&parent_id, name) {
        Ok(i) => SimResponse::json(201, folder_entity(mb, i)),
        Err(_) => graph_error(
            409,
            "ErrorFolderExists",
            "A folder with the specified name already exists.",
        ),
    }
}
