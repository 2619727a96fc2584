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
    /// A stop whose handle is gone can never fire: then it sleeps the whole
    /// time (rather than returning at once, which would make its caller spin).
    pub async fn sleep(&mut self, d: std::time::Duration) -> bool {
        if self.is_stopped() {
            return true;
        }
        let deadline = tokio::time::Instant::now() + d;
        tokio::select! {
            _ = tokio::time::sleep_until(deadline) => self.is_stopped(),
            changed = self.0.changed() => match changed {
                Ok(()) => self.is_stopped() || {
                    tokio::time::sleep_until(deadline).await;
                    self.is_stopped()
                },
                Err(_) => {
                    tokio::time::sleep_until(deadline).await;
                    self.is_stopped()
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_stop_whose_handle_is_gone_sleeps_the_whole_time() {
        let (handle, mut stop) = stop_pair();
        drop(handle);
        let before = tokio::time::Instant::now();
        assert!(!stop.sleep(std::time::Duration::from_secs(5)).await);
        assert_eq!(before.elapsed(), std::time::Duration::from_secs(5));
    }

    #[tokio::test(start_paused = true)]
    async fn a_stop_ends_the_sleep_at_once() {
        let (handle, mut stop) = stop_pair();
        let before = tokio::time::Instant::now();
        let sleeper =
            tokio::spawn(async move { stop.sleep(std::time::Duration::from_secs(60)).await });
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        handle.stop();
        assert!(sleeper.await.unwrap());
        assert!(before.elapsed() < std::time::Duration::from_secs(2));
    }
}
