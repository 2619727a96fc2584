//! The simulator's own request/response values.
//!
//! Every endpoint is a function from a [`SimRequest`] to a [`SimResponse`], not
//! an axum handler, so that `$batch` can run its items through exactly the same
//! code as top-level requests, and so that faults can wrap any response.

use axum::http::{HeaderMap, Method};
use serde_json::{Value, json};

/// One request, already read off the wire (or unpacked from a `$batch`).
#[derive(Debug, Clone)]
pub struct SimRequest {
    pub method: Method,
    /// Percent-decoded path segments, without empty ones.
    pub segments: Vec<String>,
    /// Raw path as received, for links.
    pub path: String,
    /// Decoded query pairs in their original order.
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    /// `http://host:port`, used to build absolute `@odata.nextLink`s.
    pub origin: String,
}

impl SimRequest {
    /// A request from its parts as they come off the wire: the path split
    /// into decoded segments and the raw query string into decoded pairs,
    /// the same for the server, `$batch` items and the fuzzer.
    pub fn new(
        method: Method,
        path: &str,
        query: &str,
        headers: HeaderMap,
        body: Vec<u8>,
        origin: String,
    ) -> Self {
        Self {
            method,
            segments: super::split_path(path),
            path: path.to_string(),
            query: url::form_urlencoded::parse(query.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
            headers,
            body,
            origin,
        }
    }

    pub fn query_value(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Every `Prefer` preference, across repeated headers and comma lists.
    pub fn preferences(&self) -> Vec<String> {
        self.headers
            .get_all("prefer")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect()
    }

    /// Form fields of an `application/x-www-form-urlencoded` body.
    pub fn form(&self) -> Vec<(String, String)> {
        url::form_urlencoded::parse(&self.body)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    pub fn json_body(&self) -> Result<Value, SimResponse> {
        if self.body.is_empty() {
            return Err(graph_error(
                400,
                "BadRequest",
                "Empty Payload. JSON content expected.",
            ));
        }
        serde_json::from_slice(&self.body).map_err(|e| {
            graph_error(
                400,
                "BadRequest",
                &format!("Unable to read JSON request payload: {e}"),
            )
        })
    }
}

/// What a response carries.
#[derive(Debug, Clone)]
pub enum ResponseBody {
    None,
    Json(Value),
    Html(String),
    /// Raw bytes with their content type (an attachment's `$value`).
    Bytes(std::sync::Arc<Vec<u8>>, String),
}

#[derive(Debug, Clone)]
pub struct SimResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: ResponseBody,
}

impl SimResponse {
    pub fn json(status: u16, body: Value) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: ResponseBody::Json(body),
        }
    }

    pub fn empty(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: ResponseBody::None,
        }
    }

    pub fn html(status: u16, page: String) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: ResponseBody::Html(page),
        }
    }

    pub fn bytes(status: u16, bytes: std::sync::Arc<Vec<u8>>, content_type: &str) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: ResponseBody::Bytes(bytes, content_type.to_string()),
        }
    }

    pub fn redirect(location: &str) -> Self {
        Self::empty(302).with_header("Location", location)
    }

    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    /// Names the answer as Graph does: `request-id` and `client-request-id`
    /// headers, and the same two ids in an error's `innerError`.
    pub fn with_request_ids(mut self, request_id: &str, client_request_id: &str) -> Self {
        if let ResponseBody::Json(body) = &mut self.body
            && let Some(inner) = body.pointer_mut("/error/innerError")
        {
            inner["request-id"] = Value::String(request_id.to_string());
            inner["client-request-id"] = Value::String(client_request_id.to_string());
        }
        self.with_header("request-id", request_id)
            .with_header("client-request-id", client_request_id)
    }

    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// An error in Microsoft Graph's shape: `{"error":{"code","message","innerError"}}`.
pub fn graph_error(status: u16, code: &str, message: &str) -> SimResponse {
    // An Edm.DateTimeOffset, as Graph's schema types innerError's date.
    let now = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    SimResponse::json(
        status,
        json!({
            "error": {
                "code": code,
                "message": message,
                "innerError": {
                    "date": now,
                    "request-id": crate::sim::ids::uuid_like(),
                    "client-request-id": crate::sim::ids::uuid_like(),
                }
            }
        }),
    )
}

/// A 429 in Graph's shape, with the `Retry-After` seconds a client must wait.
pub fn throttled(retry_after_secs: u64, reason: &str) -> SimResponse {
    graph_error(429, "ApplicationThrottled", reason)
        .with_header("Retry-After", retry_after_secs.to_string())
}

/// An error as the identity platform's token endpoints send it.
pub fn oauth_error(status: u16, error: &str, aadsts: u32, description: &str) -> SimResponse {
    let now = chrono::Utc::now().format("%Y-%m-%d %H:%M:%SZ").to_string();
    SimResponse::json(
        status,
        json!({
            "error": error,
            "error_description": format!("AADSTS{aadsts}: {description}"),
            "error_codes": [aadsts],
            "timestamp": now,
            "trace_id": crate::sim::ids::uuid_like(),
            "correlation_id": crate::sim::ids::uuid_like(),
        }),
    )
}
