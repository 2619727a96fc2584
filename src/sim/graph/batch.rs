//! `POST /v1.0/$batch`: up to 20 requests run through the same routes as
//! single requests, each counted against throttling on its own, so an item can
//! be throttled (429 inside a 200) while the batch succeeds.

use std::collections::HashMap;
use std::time::Instant;

use axum::http::{HeaderMap, HeaderName, HeaderValue, Method};
use serde_json::{Map, Value, json};

use crate::sim::http::{ResponseBody, SimRequest, SimResponse, graph_error, throttled};
use crate::sim::state::Sim;

use super::{authenticate, route, throttle_key};

pub const MAX_REQUESTS: usize = 20;

struct Item {
    id: String,
    method: Method,
    url: String,
    headers: Map<String, Value>,
    body: Option<Value>,
    depends_on: Vec<String>,
}

fn parse(body: &Value) -> Result<Vec<Item>, SimResponse> {
    let bad = |m: &str| graph_error(400, "BadRequest", m);
    let Some(reqs) = body.get("requests").and_then(Value::as_array) else {
        return Err(bad(
            "Invalid batch payload format: a 'requests' array is required.",
        ));
    };
    if reqs.is_empty() {
        return Err(bad("Invalid batch payload format: 'requests' is empty."));
    }
    if reqs.len() > MAX_REQUESTS {
        return Err(bad(&format!(
            "Number of requests in a batch must not exceed {MAX_REQUESTS}; this batch has {}.",
            reqs.len()
        )));
    }
    let mut items: Vec<Item> = Vec::with_capacity(reqs.len());
    for (n, r) in reqs.iter().enumerate() {
        let id = match r.get("id") {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => return Err(bad(&format!("Request {n} has no 'id'."))),
        };
        if items.iter().any(|i| i.id.eq_ignore_ascii_case(&id)) {
            return Err(bad(&format!(
                "Request id '{id}' is used more than once in the batch."
            )));
        }
        let method = r
            .get("method")
            .and_then(Value::as_str)
            .and_then(|m| Method::from_bytes(m.to_ascii_uppercase().as_bytes()).ok())
            .ok_or_else(|| bad(&format!("Request '{id}' has no valid 'method'.")))?;
        let url = r
            .get("url")
            .and_then(Value::as_str)
            .ok_or_else(|| bad(&format!("Request '{id}' has no 'url'.")))?;
        if url.contains("://") {
            return Err(bad(&format!(
                "Request '{id}': the url must be relative to the version, such as /users/{{id}}/messages."
            )));
        }
        let headers = r
            .get("headers")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let body = r.get("body").cloned();
        if body.is_some()
            && !headers
                .keys()
                .any(|k| k.eq_ignore_ascii_case("content-type"))
        {
            return Err(bad(&format!(
                "Request '{id}' has a body but no Content-Type header."
            )));
        }
        let depends_on: Vec<String> = match r.get("dependsOn") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            Some(_) => {
                return Err(bad(&format!(
                    "Request '{id}': dependsOn must be an array of ids."
                )));
            }
        };
        for d in &depends_on {
            if !items.iter().any(|i| i.id.eq_ignore_ascii_case(d)) {
                return Err(bad(&format!(
                    "Request '{id}' depends on '{d}', which is not an earlier request in the batch."
                )));
            }
        }
        items.push(Item {
            id,
            method,
            url: url.to_string(),
            headers,
            body,
            depends_on,
        });
    }
    Ok(items)
}

fn item_request(envelope: &SimRequest, item: &Item) -> SimRequest {
    let rel = if item.url.starts_with('/') {
        item.url.clone()
    } else {
        format!("/{}", item.url)
    };
    let parsed = url::Url::parse(&format!("http://batch/v1.0{rel}")).ok();
    let path = parsed
        .as_ref()
        .map(|u| u.path().to_string())
        .unwrap_or_else(|| format!("/v1.0{rel}"));
    let query = parsed
        .as_ref()
        .and_then(|u| u.query())
        .unwrap_or_default()
        .to_string();
    let mut headers = HeaderMap::new();
    if let Some(auth) = envelope.headers.get("authorization") {
        headers.insert("authorization", auth.clone());
    }
    for (k, v) in &item.headers {
        if let (Ok(name), Some(Ok(value))) = (
            HeaderName::from_bytes(k.as_bytes()),
            v.as_str().map(HeaderValue::from_str),
        ) {
            headers.append(name, value);
        }
    }
    let body = item
        .body
        .as_ref()
        .map(|b| b.to_string().into_bytes())
        .unwrap_or_default();
    SimRequest::new(
        item.method.clone(),
        &path,
        &query,
        headers,
        body,
        envelope.origin.clone(),
    )
}

fn item_json(id: &str, resp: SimResponse) -> Value {
    let mut headers: Map<String, Value> = resp
        .headers
        .into_iter()
        .map(|(k, v)| (k, json!(v)))
        .collect();
    let mut out = json!({"id": id, "status": resp.status});
    if let ResponseBody::Json(body) = resp.body {
        headers.insert("Content-Type".into(), json!("application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8"));
        out["body"] = body;
    }
    out["headers"] = Value::Object(headers);
    out
}

pub async fn serve(sim: &Sim, req: SimRequest) -> SimResponse {
    if req.method != Method::POST {
        return graph_error(405, "UnknownError", "Batch requests are sent with POST.");
    }
    let token = match authenticate(&mut sim.state(), &req) {
        Ok(t) => t,
        Err(resp) => return resp,
    };
    let body = match req.json_body() {
        Ok(b) => b,
        Err(e) => return e,
    };
    let items = match parse(&body) {
        Ok(i) => i,
        Err(e) => return e,
    };
    if !sim.config.latency.is_zero() {
        tokio::time::sleep(sim.config.latency).await;
    }
    let mut statuses: HashMap<String, u16> = HashMap::new();
    let mut responses = Vec::with_capacity(items.len());
    for item in &items {
        let failed_dep = item.depends_on.iter().find(|d| {
            statuses
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(d))
                .is_none_or(|(_, s)| !(200..300).contains(s))
        });
        let resp = if let Some(d) = failed_dep {
            graph_error(
                424,
                "FailedDependency",
                &format!("The request depends on request '{d}', which failed."),
            )
        } else {
            let ireq = item_request(&req, item);
            if ireq.segments.get(1).is_some_and(|s| s == "$batch") {
                graph_error(400, "BadRequest", "A batch cannot contain another batch.")
            } else {
                let key = throttle_key(&token, &ireq.segments[1..]);
                let counted = sim
                    .throttle
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .count(&key, Instant::now());
                match counted {
                    Err(refusal) => throttled(refusal.retry_after_secs(), refusal.message()),
                    Ok(()) => route(&mut sim.state(), &ireq, &token),
                }
            }
        };
        statuses.insert(item.id.clone(), resp.status);
        responses.push(item_json(&item.id, resp));
    }
    SimResponse::json(200, json!({"responses": responses}))
}
