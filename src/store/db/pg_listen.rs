//! The live screens' ears on PostgreSQL: one connection per process and
//! database that `LISTEN`s to `emaillog_changes` (every write's trigger
//! notifies it when its transaction commits) and counts what it hears. A
//! screen's poll of the count costs no round trip. When the connection is
//! lost the count is not trusted (the store falls back to asking the
//! server) until it is back; coming back counts as a change, since
//! anything may have been written meanwhile.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use tokio_postgres::tls::{MakeTlsConnect, TlsConnect};
use tokio_postgres::{AsyncMessage, Socket};

use crate::store::pg::pool::{client_config, tls};
use crate::store::pg::target::{PgTarget, SslMode};

/// The channel every write notifies.
const CHANNEL: &str = "emaillog_changes";

/// How long a lost listener waits before it connects again.
const RECONNECT: Duration = Duration::from_secs(5);

/// What one listener has heard.
#[derive(Default)]
pub struct Changes {
    heard: AtomicU64,
    live: AtomicBool,
}

impl Changes {
    /// The count of changes heard, while the listener is connected.
    pub fn version(&self) -> Option<u64> {
        self.live
            .load(Ordering::SeqCst)
            .then(|| self.heard.load(Ordering::SeqCst))
    }
}

/// The listener for the database at `url` (its password in the URL or
/// `PGPASSWORD`), started on first use; `None` for a URL that does not
/// parse.
pub fn changes(url: &str) -> Option<Arc<Changes>> {
    static ALL: OnceLock<Mutex<HashMap<String, Arc<Changes>>>> = OnceLock::new();
    let mut all = ALL
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(c) = all.get(url) {
        return Some(c.clone());
    }
    let password = std::env::var("PGPASSWORD").ok();
    let target = PgTarget::parse(url, password.as_deref()).ok()?;
    let c = Arc::new(Changes::default());
    all.insert(url.to_string(), c.clone());
    let heard = c.clone();
    super::pg::runtime().spawn(async move {
        loop {
            let mut config = client_config(&target);
            config.application_name("emaillog-listen");
            match target.ssl {
                SslMode::Disable => listen(config, tokio_postgres::NoTls, &heard).await,
                SslMode::VerifyFull => listen(config, tls(), &heard).await,
            }
            heard.live.store(false, Ordering::SeqCst);
            tokio::time::sleep(RECONNECT).await;
        }
    });
    Some(c)
}

/// Listens on one connection until it is lost.
async fn listen<T>(config: tokio_postgres::Config, tls: T, changes: &Arc<Changes>)
where
    T: MakeTlsConnect<Socket> + Send + 'static,
    T::Stream: Send + 'static,
    T::TlsConnect: Send,
    <T::TlsConnect as TlsConnect<Socket>>::Future: Send,
{
    let Ok((client, mut connection)) = config.connect(tls).await else {
        tracing::warn!("the change listener cannot connect; screens ask the server instead");
        return;
    };
    let heard = changes.clone();
    let driver = tokio::spawn(async move {
        while let Some(message) = futures::future::poll_fn(|cx| connection.poll_message(cx)).await {
            match message {
                Ok(AsyncMessage::Notification(_)) => {
                    heard.heard.fetch_add(1, Ordering::SeqCst);
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!("the change listener's connection failed: {e}");
                    break;
                }
            }
        }
    });
    if client
        .batch_execute(&format!("LISTEN {CHANNEL}"))
        .await
        .is_ok()
    {
        // Whatever was written while nobody listened counts as a change.
        changes.heard.fetch_add(1, Ordering::SeqCst);
        changes.live.store(true, Ordering::SeqCst);
    }
    let _ = driver.await;
    drop(client);
}
