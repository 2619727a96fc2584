//! `mailFolders`: list (with `$filter=displayName eq '…'`), get, create.

use serde_json::{Value, json};

use crate::sim::http::{SimRequest, SimResponse, graph_error};
use crate::sim::mailbox::Mailbox;
use crate::sim::odata::{allow_options, parse_display_name_filter, parse_skip, parse_top};

use super::next_link;
use super::render::{folder_entity, folder_json};

pub fn list(mb: &Mailbox, req: &SimRequest) -> SimResponse {
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
    let matching: Vec<usize> = (0..mb.folders.len())
        .filter(|i| {
            name.as_ref()
                .is_none_or(|n| mb.folders[*i].display_name.eq_ignore_ascii_case(n))
        })
        .collect();
    let page: Vec<Value> = matching
        .iter()
        .skip(skip)
        .take(top)
        .map(|i| folder_json(mb, *i))
        .collect();
    let mut body = json!({
        "@odata.context": format!("https://graph.microsoft.com/v1.0/$metadata#users('{}')/mailFolders", mb.address),
        "value": page,
    });
    if skip + top < matching.len() {
        body["@odata.nextLink"] = json!(next_link(req, "$skip", &(skip + top).to_string()));
    }
    SimResponse::json(200, body)
}

pub fn get(mb: &Mailbox, folder: &str) -> SimResponse {
    match mb.folder_index(folder) {
        Some(i) => SimResponse::json(200, folder_entity(mb, i)),
        None => graph_error(
            404,
            "ErrorItemNotFound",
            "The specified object was not found in the store.",
        ),
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

pub fn create(mb: &mut Mailbox, req: &SimRequest) -> SimResponse {
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
    match mb.create_folder(name) {
        Ok(i) => SimResponse::json(201, folder_entity(mb, i)),
        Err(_) => graph_error(
            409,
            "ErrorFolderExists",
            "A folder with the specified name already exists.",
        ),
    }
}
