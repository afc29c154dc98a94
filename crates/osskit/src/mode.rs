//! Execution modes of operation builders: [`Async`] (awaited) and [`Blocking`] (sent with a
//! blocking `send()`). Every builder and client is generic over its mode, so both share one
//! implementation of every operation.

use std::future::Future;
use std::sync::Arc;

use crate::blocking::driver::Driver;
use crate::error::{Error, Result};
use crate::session::Session;

mod sealed {
    pub trait Sealed: Sized {
        /// Creates what the mode needs to run requests through `session`.
        fn start(session: &crate::session::Session) -> crate::error::Result<Self>;
    }
}

/// How a builder is executed: [`Async`] or [`Blocking`].
pub trait Mode: Clone + Send + Sync + std::fmt::Debug + 'static + sealed::Sealed {}

/// Builders are futures (`.await` them or call `.send().await`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Async;

impl sealed::Sealed for Async {
    fn start(_: &Session) -> Result<Self> {
        Ok(Async)
    }
}
impl Mode for Async {}

/// Builders are sent with a blocking `.send()`, driven on the calling thread.
///
/// A blocking call runs on the calling thread's *driver* for the client's [`Session`]: a
/// current-thread tokio runtime and a connection pool of that thread, made on the thread's
/// first blocking call through the session (or when a blocking client is built there). The
/// calling thread polls the request, its connection and its socket itself, and no other
/// thread is involved: there is no hand-off, and threads calling at the same time do not
/// wait for each other. Blocking clients sharing a session share the driver of each
/// thread, so their calls on one thread reuse each other's connections; calls on another
/// thread, and async clients of the session, use other connections. Tasks a call spawns
/// (the parallel parts of `transfer`) run on the same runtime and thread, during the call.
/// No thread runs between calls: a call that follows a pause first takes in what happened
/// meanwhile (an idle connection closed by the server), before it picks a connection.
#[derive(Debug, Clone)]
pub struct Blocking {
    session: Session,
}

impl sealed::Sealed for Blocking {
    fn start(session: &Session) -> Result<Self> {
        // The building thread is likely to call: its driver is made now, which also
        // reports a runtime that cannot be started when the client is built.
        session.driver()?;
        Ok(Blocking {
            session: session.clone(),
        })
    }
}
impl Mode for Blocking {}

impl Blocking {
    /// Runs `fut` to completion on the calling thread's driver and returns its output, or
    /// the error that prevented making the driver of a new thread.
    ///
    /// # Panics
    /// When called from a thread running async code (that would block one of its threads).
    pub(crate) fn block_on<F>(&self, fut: F) -> F::Output
    where
        F: Future,
        F::Output: FromDriverError,
    {
        match self.session.driver() {
            Ok(driver) => driver.block_on(fut),
            Err(e) => F::Output::from_driver_error(e),
        }
    }

    /// The driver of the calling thread, kept by what outlives a call (a body being read).
    pub(crate) fn driver(&self) -> Result<Arc<Driver>> {
        self.session.driver()
    }
}

/// An output that can carry the failure to make a thread's driver.
pub(crate) trait FromDriverError {
    /// The output reporting `e`.
    fn from_driver_error(e: Error) -> Self;
}

impl<T> FromDriverError for Result<T> {
    fn from_driver_error(e: Error) -> Self {
        Err(e)
    }
}

impl<T> FromDriverError for Option<Result<T>> {
    fn from_driver_error(e: Error) -> Self {
        Some(Err(e))
    }
}

/// Creates the runtime state of mode `M` for clients of `session`.
pub(crate) fn start<M: Mode>(session: &Session) -> Result<M> {
    <M as sealed::Sealed>::start(session)
}
