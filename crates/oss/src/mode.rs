//! Execution modes of operation builders: [`Async`] (awaited) and [`Blocking`] (sent with a
//! blocking `send()`). Every builder and client is generic over its mode, so both share one
//! implementation of every operation.

use std::future::Future;
use std::sync::Arc;

use crate::error::{Error, Result};

mod sealed {
    pub trait Sealed: Sized {
        /// Creates what the mode needs to run requests.
        fn start() -> crate::error::Result<Self>;
    }
}

/// How a builder is executed: [`Async`] or [`Blocking`].
pub trait Mode: Clone + Send + Sync + std::fmt::Debug + 'static + sealed::Sealed {}

/// Builders are futures (`.await` them or call `.send().await`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Async;

impl sealed::Sealed for Async {
    fn start() -> Result<Self> {
        Ok(Async)
    }
}
impl Mode for Async {}

/// Builders are sent with a blocking `.send()`, driven on the calling thread.
///
/// Every client (and its clones) owns one current-thread runtime. A blocking call enters it
/// on the calling thread, which then polls the request, the connection tasks and the socket
/// itself: a request at one in flight costs no thread hand-off. Several threads may call at
/// once; one of them drives the connections while the others wait for their answers.
#[derive(Debug, Clone)]
pub struct Blocking {
    runtime: Arc<CallerRuntime>,
}

impl sealed::Sealed for Blocking {
    fn start() -> Result<Self> {
        Ok(Blocking {
            runtime: Arc::new(CallerRuntime::start()?),
        })
    }
}
impl Mode for Blocking {}

impl Blocking {
    /// Runs `fut` to completion on the calling thread and returns its output.
    ///
    /// # Panics
    /// When called from inside an async runtime (that would block one of its threads).
    pub(crate) fn block_on<F: Future>(&self, fut: F) -> F::Output {
        self.runtime.block_on(fut)
    }
}

/// A current-thread tokio runtime (I/O and timers) run by whichever thread is waiting on
/// it; tasks spawned by requests (connections, parallel parts) live on it too.
#[derive(Debug)]
struct CallerRuntime {
    runtime: Option<tokio::runtime::Runtime>,
}

impl CallerRuntime {
    fn start() -> Result<CallerRuntime> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .thread_name("oss-blocking")
            .enable_all()
            .build()
            .map_err(|e| {
                Error::client(format!(
                    "cannot start the runtime of the blocking client: {e}"
                ))
            })?;
        Ok(CallerRuntime {
            runtime: Some(runtime),
        })
    }

    fn block_on<F: Future>(&self, fut: F) -> F::Output {
        let Some(rt) = &self.runtime else {
            unreachable!("the runtime is only taken when it is dropped")
        };
        if tokio::runtime::Handle::try_current().is_ok() && !may_block(rt) {
            panic!(
                "oss::blocking was called from inside an async runtime; use the async API \
                 (oss::Bucket) there, or move the call into tokio::task::spawn_blocking"
            );
        }
        rt.block_on(fut)
    }
}

/// Whether this thread, which has a tokio runtime's context, may block: true on the threads
/// of `spawn_blocking` (or after `Handle::enter`), false on the threads running async code,
/// where tokio refuses to enter another runtime. Tokio has no query for this, so an empty
/// future is run and its refusal caught.
fn may_block(rt: &tokio::runtime::Runtime) -> bool {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| rt.block_on(async {}))).is_ok()
}

impl Drop for CallerRuntime {
    fn drop(&mut self) {
        // The last clone may be dropped inside an async runtime, where a blocking shutdown
        // would panic.
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

/// Creates the runtime state of mode `M`.
pub(crate) fn start<M: Mode>() -> Result<M> {
    <M as sealed::Sealed>::start()
}
