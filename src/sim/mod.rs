//! A Microsoft 365 simulator: the Graph mail API and the identity platform's
//! OAuth2 endpoints on loopback HTTP, with throttling and injectable faults.
//!
//! The demo, the integration tests and the benchmarks run against it, so it
//! follows Microsoft's documented behaviour rather than our client's
//! convenience. Nothing in the product depends on it except the demo.

pub mod control;
pub mod faults;
pub mod filter;
pub mod graph;
pub mod http;
pub mod identity;
pub mod ids;
pub mod mailbox;
pub mod odata;
pub mod seed;
pub mod state;
pub mod throttle;
pub mod tls;
pub mod tokens;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::response::Response;
use rand::{Rng, SeedableRng};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use self::faults::{After, Before};
use self::http::{ResponseBody, SimRequest, SimResponse, graph_error};
pub use self::state::{Seed, Sim, SimConfig};

/// Largest request body the simulator reads.
const MAX_BODY: usize = 16 * 1024 * 1024;
/// The control API's largest request (an attachment's bytes).
const MAX_CONTROL_BODY: usize = 64 * 1024 * 1024;

/// A running simulator; dropping it does not stop it, [`SimServer::stop`] does.
pub struct SimServer {
    pub sim: Arc<Sim>,
    /// With TLS: the CA certificate (PEM) that clients must trust.
    pub ca_pem: Option<String>,
    shutdown: Option<oneshot::Sender<()>>,
    server: JoinHandle<()>,
    arrivals: Option<JoinHandle<()>>,
}

impl SimServer {
    /// Binds `addr` (port 0 picks a free one), seeds, and starts serving.
    pub async fn start(addr: SocketAddr, config: SimConfig) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        if config.seed == Seed::Demo
            && let Some(dir) = &config.people_dir
        {
            seed::write_people_csv(dir)?;
        }
        let sim = Arc::new(Sim::new(config, local));
        let arrivals = (sim.config.seed == Seed::Demo).then(|| start_demo(Arc::clone(&sim)));
        let app = Router::new().fallback(handle).with_state(Arc::clone(&sim));
        let (tx, rx) = oneshot::channel::<()>();
        if sim.config.tls {
            let tls = tls::SimTls::generate()?;
            let ca_pem = tls.ca_pem.clone();
            if let Some(path) = &sim.config.ca_file {
                std::fs::write(path, &ca_pem)?;
            }
            let server = tokio::spawn(tls.serve(listener, app, rx));
            return Ok(Self {
                sim,
                ca_pem: Some(ca_pem),
                shutdown: Some(tx),
                server,
                arrivals,
            });
        }
        let server = tokio::spawn(async move {
            let shutdown = async {
                let _ = rx.await;
            };
            if let Err(e) = axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await
            {
                tracing::error!("simulator stopped: {e}");
            }
        });
        Ok(Self {
            sim,
            ca_pem: None,
            shutdown: Some(tx),
            server,
            arrivals,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.sim.local_addr
    }

    /// `https://127.0.0.1:PORT` (or `http://` without TLS): the authority
    /// (identity platform) base URL.
    pub fn base_url(&self) -> String {
        format!("{}://{}", self.sim.scheme(), self.sim.local_addr)
    }

    /// `https://127.0.0.1:PORT/v1.0`: the Graph base URL.
    pub fn graph_url(&self) -> String {
        format!("{}/v1.0", self.base_url())
    }

    pub async fn stop(mut self) {
        if let Some(a) = self.arrivals.take() {
            a.abort();
        }
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = tokio::time::timeout(Duration::from_secs(5), &mut self.server).await;
        self.server.abort();
    }
}

/// Seeds the demo's two mailboxes — the Inbox of one, the queue folder of
/// the other (with its storage and Skipped folders) — and keeps new mail
/// arriving, one message in three for the second.
fn start_demo(sim: Arc<Sim>) -> JoinHandle<()> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(sim.config.rng_seed);
    let backlog = seed::backlog(&mut rng, 40, chrono::Utc::now());
    add_to_inbox(&sim, seed::DEMO_MAILBOX, "inbox", backlog);
    {
        let mut st = sim.state();
        let mb = st.mailbox_or_create(seed::DEMO_NORDIC_MAILBOX);
        for path in [seed::DEMO_STORAGE, seed::DEMO_SKIPPED] {
            let _ = mb.folder_path_or_create(path);
        }
    }
    let nordic = seed::backlog(&mut rng, 15, chrono::Utc::now());
    add_to_inbox(&sim, seed::DEMO_NORDIC_MAILBOX, seed::DEMO_QUEUE, nordic);
    let every = sim.config.arrival_every;
    tokio::spawn(async move {
        let people = seed::contacts();
        for n in 0u64.. {
            let jitter = rng.random_range(0.5..1.5);
            tokio::time::sleep(every.mul_f64(jitter)).await;
            let msg = seed::message(&mut rng, &people, chrono::Utc::now());
            if n % 3 == 2 {
                add_to_inbox(&sim, seed::DEMO_NORDIC_MAILBOX, seed::DEMO_QUEUE, vec![msg]);
            } else {
                add_to_inbox(&sim, seed::DEMO_MAILBOX, "inbox", vec![msg]);
            }
        }
    })
}

fn add_to_inbox(sim: &Sim, mailbox: &str, folder: &str, messages: Vec<serde_json::Value>) {
    let mut st = sim.state();
    let mb = st.mailbox_or_create(mailbox);
    let Ok(inbox) = mb.folder_path_or_create(folder) else {
        return;
    };
    for m in messages {
        if let Ok(n) = graph::render::normalize_new_message(&m, false) {
            let seq = mb.insert(inbox, n.received, n.fields, n.id);
            mb.attach(seq, n.attachments);
        }
    }
}

/// Percent-decoded, non-empty path segments.
pub fn split_path(path: &str) -> Vec<String> {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(percent_decode)
        .collect()
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| s.to_string())
}

async fn handle(State(sim): State<Arc<Sim>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    // The control API takes attachments as they are (a test attaches
    // 20 MB); Graph's own requests stay small.
    let control = parts.uri.path().starts_with("/_sim/");
    let limit = if control { MAX_CONTROL_BODY } else { MAX_BODY };
    let body = match axum::body::to_bytes(body, limit).await {
        Ok(b) => b.to_vec(),
        Err(_) => {
            return to_response(graph_error(
                413,
                "RequestEntityTooLarge",
                &format!(
                    "The request body is larger than {} MiB.",
                    limit / 1024 / 1024
                ),
            ));
        }
    };
    let origin = parts
        .headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(|h| format!("{}://{h}", sim.scheme()))
        .unwrap_or_else(|| format!("{}://{}", sim.scheme(), sim.local_addr));
    let path = parts.uri.path().to_string();
    let req = SimRequest::new(
        parts.method,
        &path,
        parts.uri.query().unwrap_or_default(),
        parts.headers,
        body,
        origin,
    );
    let first = req.segments.first().map(String::as_str).unwrap_or_default();
    if first == "_sim" {
        if !sim.local_addr.ip().is_loopback() {
            return to_response(graph_error(
                404,
                "NotFound",
                "The control API is served only on loopback.",
            ));
        }
        return to_response(control::serve(&sim, &req));
    }
    // Graph names every answer, failures included: its own request-id, and
    // the client's client-request-id echoed (or the request-id when none
    // was sent).
    let ids = (first == "v1.0").then(|| {
        let request_id = ids::uuid_like();
        let client_request_id = req
            .header("client-request-id")
            .map(|c| c.chars().take(100).collect::<String>())
            .unwrap_or_else(|| request_id.clone());
        (request_id, client_request_id)
    });
    let named = |r: SimResponse| match &ids {
        Some((request_id, client_request_id)) => r.with_request_ids(request_id, client_request_id),
        None => r,
    };
    let fixed = sim
        .state()
        .faults
        .as_ref()
        .and_then(|f| f.fixed_failure(&path));
    if let Some(status) = fixed {
        return to_response(named(graph_error(
            status,
            faults::status_code_name(status),
            "Injected fault: this request always fails.",
        )));
    }
    let faults = sim.state().faults.clone().filter(|f| f.applies_to(&path));
    if let Some(f) = &faults {
        if f.latency_ms > 0 {
            tokio::time::sleep(Duration::from_millis(f.latency_ms)).await;
        }
        let before = f.before(&mut sim.state().rng);
        if let Before::Fail(status) = before {
            *sim.state().injected.entry(status.to_string()).or_default() += 1;
            // Each service fails in its own shape: Graph's error object, or
            // the identity platform's OAuth2 error.
            return to_response(named(if first == "v1.0" {
                // No Retry-After: a client must back off by itself (the
                // window throttle's 429s carry one, as Graph's do).
                graph_error(
                    status,
                    faults::status_code_name(status),
                    "Injected fault: the service is unavailable. Try again.",
                )
            } else {
                http::oauth_error(
                    status,
                    "temporarily_unavailable",
                    90033,
                    "A transient error has occurred (injected fault). Please try again.",
                )
            }));
        }
    }
    let resp = if first == "v1.0" {
        named(graph::serve(&sim, req).await)
    } else {
        identity::serve(&sim, &req)
    };
    if let Some(f) = &faults {
        let after = f.after(&mut sim.state().rng);
        let name = match after {
            After::Deliver => None,
            After::Reset => Some("reset"),
            After::Malformed => Some("malformed"),
        };
        if let Some(name) = name {
            *sim.state().injected.entry(name.to_string()).or_default() += 1;
        }
        match after {
            After::Deliver => {}
            After::Reset => return reset_connection(),
            After::Malformed => return malformed(resp),
        }
    }
    to_response(resp)
}

/// A response whose body fails at once: hyper drops the connection.
fn reset_connection() -> Response {
    let failing = futures::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "injected reset",
        ))
    });
    Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(Body::from_stream(failing))
        .unwrap_or_default()
}

/// The response with its JSON cut in half.
fn malformed(resp: SimResponse) -> Response {
    match resp.body {
        ResponseBody::Json(v) => {
            let text = v.to_string();
            let cut = text.len() / 2;
            let truncated: String = text.chars().take(cut.max(1)).collect();
            let mut r = to_response(SimResponse {
                body: ResponseBody::None,
                ..resp
            });
            *r.body_mut() = Body::from(truncated);
            r.headers_mut().insert(
                "content-type",
                axum::http::HeaderValue::from_static("application/json"),
            );
            r
        }
        _ => to_response(resp),
    }
}

fn to_response(resp: SimResponse) -> Response {
    let mut builder = Response::builder().status(resp.status);
    for (k, v) in &resp.headers {
        builder = builder.header(k.as_str(), v.as_str());
    }
    let (content_type, body) = match resp.body {
        ResponseBody::None => (None, Body::empty()),
        ResponseBody::Json(v) => (
            Some("application/json; odata.metadata=minimal; odata.streaming=true; charset=utf-8"),
            Body::from(v.to_string()),
        ),
        ResponseBody::Html(h) => (Some("text/html; charset=utf-8"), Body::from(h)),
        ResponseBody::Bytes(b, ct) => {
            builder = builder.header("content-type", ct);
            (None, Body::from(b.to_vec()))
        }
    };
    if let Some(ct) = content_type {
        builder = builder.header("content-type", ct);
    }
    builder.body(body).unwrap_or_else(|_| {
        let mut r = Response::new(Body::from(
            "{\"error\":{\"code\":\"InternalServerError\",\"message\":\"bad response header\"}}",
        ));
        *r.status_mut() = axum::http::StatusCode::INTERNAL_SERVER_ERROR;
        r
    })
}
