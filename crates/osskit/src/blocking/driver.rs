//! [`Driver`]: what runs blocking calls on one thread for one session: a current-thread
//! runtime and the HTTP client whose connections live on it.
//!
//! A connection made by hyper is a task on the runtime that was running when it was opened,
//! and its socket is registered with that runtime's I/O driver: it only makes progress
//! while that runtime is driven. So the connections of a pool must all live on one runtime
//! that is driven whenever one of them is used. A driver pairs one runtime with one pool;
//! while a thread runs the driver's `block_on`, [`with_running_client`] tells the transport
//! to send through that pool.

use std::cell::RefCell;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

thread_local! {
    /// The client of the driver this thread is running, if any.
    static RUNNING: RefCell<Option<reqwest::Client>> = const { RefCell::new(None) };
}

/// Calls `f` with the client of the driver this thread is running, if it runs one: a
/// request polled here (by a blocking call, or by a task of its runtime) must use it.
pub(crate) fn with_running_client<R>(f: impl FnOnce(&reqwest::Client) -> R) -> Option<R> {
    RUNNING.with_borrow(|c| c.as_ref().map(f))
}

/// Clears the running client when dropped, even if the future panics.
struct Running {
    previous: Option<reqwest::Client>,
}

impl Running {
    fn enter(client: &reqwest::Client) -> Running {
        let previous = RUNNING.replace(Some(client.clone()));
        Running { previous }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        RUNNING.set(self.previous.take());
    }
}

/// A driver that has not run for longer than this first takes in the events that arrived
/// meanwhile; see [`settle`].
const IDLE: Duration = Duration::from_millis(1);

/// A current-thread runtime (I/O and timers) and an HTTP client whose connections are
/// tasks of that runtime. Run by whichever thread calls [`Driver::block_on`]: normally the
/// thread it was made for, or another one reading a body opened there.
pub(crate) struct Driver {
    runtime: Option<tokio::runtime::Runtime>,
    client: reqwest::Client,
    /// When the driver was made: the origin of `last_run`.
    born: Instant,
    /// When a `block_on` last returned, in nanoseconds since `born`.
    last_run: AtomicU64,
}

impl std::fmt::Debug for Driver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Driver")
    }
}

impl Driver {
    /// A driver sending through `client` (a client of its own, not shared with anything
    /// else: its connections will live on this driver's runtime).
    pub(crate) fn new(client: reqwest::Client) -> Result<Driver> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .thread_name("oss-blocking")
            .enable_all()
            .build()
            .map_err(|e| {
                Error::client(format!(
                    "cannot start the runtime of the blocking client: {e}"
                ))
            })?;
        Ok(Driver {
            runtime: Some(runtime),
            client,
            born: Instant::now(),
            last_run: AtomicU64::new(0),
        })
    }

    /// Runs `fut` to completion on the calling thread, which polls it, the connections and
    /// the sockets of this driver. Requests sent meanwhile from this thread use the
    /// driver's client.
    ///
    /// # Panics
    /// When called from a thread running async code (that would block one of its threads).
    pub(crate) fn block_on<F: Future>(&self, fut: F) -> F::Output {
        let Some(rt) = &self.runtime else {
            unreachable!("the runtime is only taken when it is dropped")
        };
        if tokio::runtime::Handle::try_current().is_ok() && !may_block(rt) {
            panic!(
                "osskit::blocking was called from inside an async runtime; use the async API \
                 (osskit::Bucket) there, or move the call into tokio::task::spawn_blocking"
            );
        }
        let _running = Running::enter(&self.client);
        let last_run = Duration::from_nanos(self.last_run.load(Ordering::Relaxed));
        let out = if self.born.elapsed().saturating_sub(last_run) > IDLE {
            rt.block_on(async {
                settle().await;
                fut.await
            })
        } else {
            rt.block_on(fut)
        };
        let now = u64::try_from(self.born.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.last_run.store(now, Ordering::Relaxed);
        out
    }
}

/// Lets a runtime nobody drove for a while take in the I/O events that arrived meanwhile
/// and run the tasks they wake before the call starts: above all an idle connection
/// reading the server's close, so that the call opens a new connection instead of sending
/// its request into the closed one (an error no retry can undo for a one-shot body). The
/// first yield polls the I/O driver, which wakes those tasks; the second lets them run,
/// since the runtime polls the call's own future before its tasks.
async fn settle() {
    tokio::task::yield_now().await;
    tokio::task::yield_now().await;
}

/// Whether this thread, which has a tokio runtime's context, may block: true on the threads
/// of `spawn_blocking` (or after `Handle::enter`), false on the threads running async code,
/// where tokio refuses to enter another runtime. Tokio has no query for this, so an empty
/// future is run and its refusal caught.
fn may_block(rt: &tokio::runtime::Runtime) -> bool {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| rt.block_on(async {}))).is_ok()
}

impl Drop for Driver {
    fn drop(&mut self) {
        // The last reference may be dropped inside an async runtime, where a blocking
        // shutdown would panic.
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}
