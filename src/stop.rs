//! Asking a run, a sign-in or the job loop to stop after the work in hand.
//! It sits below every layer so that `auth` and `engine` can both take one
//! without `auth` depending on the engine.

use tokio::sync::watch;

#[derive(Clone)]
pub struct Stop(watch::Receiver<bool>);

pub struct StopHandle(watch::Sender<bool>);

pub fn stop_pair() -> (StopHandle, Stop) {
    let (tx, rx) = watch::channel(false);
    (StopHandle(tx), Stop(rx))
}

impl StopHandle {
    pub fn stop(&self) {
        let _ = self.0.send(true);
    }
}

impl Stop {
    /// A stop that never fires.
    pub fn never() -> Self {
        let (tx, rx) = watch::channel(false);
        std::mem::forget(tx);
        Stop(rx)
    }

    pub fn is_stopped(&self) -> bool {
        *self.0.borrow()
    }

    /// Sleeps for `d`, or less if asked to stop; returns whether stopped.
    pub async fn sleep(&mut self, d: std::time::Duration) -> bool {
        if self.is_stopped() {
            return true;
        }
        tokio::select! {
            _ = tokio::time::sleep(d) => self.is_stopped(),
            _ = self.0.changed() => true,
        }
    }
}
