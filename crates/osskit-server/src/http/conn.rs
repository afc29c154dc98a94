//! What a connection may cost: how long it may idle, take to send a request head, or leave a
//! response unread, and how many connections may be open at once.
//!
//! Each connection's socket is wrapped in [`TrackedIo`], which notes when bytes last moved
//! and when the first byte of a request head arrived; the connection's [`Activity`] also
//! knows whether a request is being handled or its response sent. A watchdog on the
//! connection's own task (one timer, reset as deadlines move) closes it when:
//!
//! - it waits for a request and none starts within the idle timeout;
//! - a request head started but is not complete within the header read timeout
//!   (slowloris);
//! - a response is being sent and the client takes nothing for the stall timeout (a client
//!   that never reads).
//!
//! A request being handled has no deadline here: its handler waits for body bytes with the
//! stall timeout itself (and answers `RequestTimeout`), and slow server work is not the
//! client's fault. Closing a connection drops its request and response, and with them every
//! buffer, mapping, lease and temporary file they held.
//!
//! At the connection limit, the accept loop closes the connection that has been idle
//! longest; when none is idle, new connections wait in the listen queue.

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::Notify;

use crate::config::Limits;

/// Waiting for a request.
const WAITING: u8 = 0;
/// A request is being handled.
const HANDLING: u8 = 1;
/// A response is being sent.
const RESPONDING: u8 = 2;

/// What a connection is doing, shared by its socket wrapper, its service and its watchdog.
#[derive(Debug)]
pub struct Activity {
    epoch: Instant,
    /// Milliseconds since `epoch` when bytes last moved either way.
    last_io: AtomicU64,
    /// Milliseconds since `epoch` (plus one) when the first byte of the awaited request
    /// head arrived; 0 when none has.
    head_started: AtomicU64,
    phase: AtomicU8,
    /// Milliseconds since `epoch` when the phase last changed.
    phase_since: AtomicU64,
    evict: AtomicBool,
    evicted: Notify,
    /// Signalled on every phase change (the watchdog then recomputes its deadline).
    changed: Notify,
}

/// Why a connection was closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expiry {
    /// No request within the idle timeout.
    Idle,
    /// The request head took longer than the header read timeout.
    SlowHead,
    /// The client read nothing of a response for the stall timeout.
    StalledReader,
}

impl Activity {
    /// A new connection, waiting for its first request.
    pub fn new() -> Arc<Activity> {
        Arc::new(Activity {
            epoch: Instant::now(),
            last_io: AtomicU64::new(0),
            head_started: AtomicU64::new(0),
            phase: AtomicU8::new(WAITING),
            phase_since: AtomicU64::new(0),
            evict: AtomicBool::new(false),
            evicted: Notify::new(),
            changed: Notify::new(),
        })
    }

    fn now_ms(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }

    fn at(&self, ms: u64) -> Instant {
        self.epoch + Duration::from_millis(ms)
    }

    fn moved(&self) {
        self.last_io.store(self.now_ms(), Ordering::Relaxed);
    }

    fn read_some(&self) {
        let now = self.now_ms();
        self.last_io.store(now, Ordering::Relaxed);
        if self.phase.load(Ordering::Relaxed) == WAITING
            && self.head_started.load(Ordering::Relaxed) == 0
        {
            self.head_started.store(now + 1, Ordering::Relaxed);
        }
    }

    fn set_phase(&self, phase: u8) {
        let now = self.now_ms();
        self.head_started.store(0, Ordering::Relaxed);
        self.phase_since.store(now, Ordering::Relaxed);
        self.phase.store(phase, Ordering::Relaxed);
        self.changed.notify_one();
    }

    /// Completes after the next phase change (at once if one happened since the last call).
    pub async fn phase_changed(&self) {
        self.changed.notified().await;
    }

    /// A request head was read: the request is being handled.
    pub fn request_started(&self) {
        self.set_phase(HANDLING);
    }

    /// The handler answered: the response is being sent.
    pub fn responding(&self) {
        self.set_phase(RESPONDING);
    }

    /// The response was sent (or dropped): the connection waits for the next request.
    pub fn response_done(&self) {
        self.set_phase(WAITING);
    }

    /// Whether the connection waits for a request and none has started.
    pub fn is_idle(&self) -> bool {
        self.phase.load(Ordering::Relaxed) == WAITING
            && self.head_started.load(Ordering::Relaxed) == 0
    }

    /// Milliseconds since bytes last moved.
    pub fn idle_for(&self) -> u64 {
        let last = self
            .last_io
            .load(Ordering::Relaxed)
            .max(self.phase_since.load(Ordering::Relaxed));
        self.now_ms().saturating_sub(last)
    }

    /// When the connection expires if nothing happens meanwhile, and why; `None` while a
    /// request is handled.
    pub fn deadline(&self, limits: &Limits) -> Option<(Instant, Expiry)> {
        let last = self
            .last_io
            .load(Ordering::Relaxed)
            .max(self.phase_since.load(Ordering::Relaxed));
        match self.phase.load(Ordering::Relaxed) {
            WAITING => match self.head_started.load(Ordering::Relaxed) {
                0 => Some((self.at(last) + limits.idle_timeout, Expiry::Idle)),
                started => Some((
                    self.at(started - 1) + limits.header_read_timeout,
                    Expiry::SlowHead,
                )),
            },
            RESPONDING => Some((self.at(last) + limits.stall_timeout, Expiry::StalledReader)),
            _ => None,
        }
    }

    /// Asks the connection to close if it is still idle.
    pub fn evict(&self) {
        self.evict.store(true, Ordering::Relaxed);
        self.evicted.notify_one();
    }

    /// Completes when [`Activity::evict`] was called.
    pub async fn evicted(&self) {
        loop {
            if self.evict.swap(false, Ordering::Relaxed) {
                return;
            }
            self.evicted.notified().await;
        }
    }
}

/// A socket that reports its traffic to an [`Activity`].
#[derive(Debug)]
pub struct TrackedIo<T> {
    inner: T,
    activity: Arc<Activity>,
}

impl<T> TrackedIo<T> {
    /// Wraps `inner`.
    pub fn new(inner: T, activity: Arc<Activity>) -> TrackedIo<T> {
        TrackedIo { inner, activity }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for TrackedIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let result = Pin::new(&mut this.inner).poll_read(cx, buf);
        if matches!(result, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            this.activity.read_some();
        }
        result
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for TrackedIo<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.inner).poll_write(cx, buf);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            this.activity.moved();
        }
        result
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            this.activity.moved();
        }
        result
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

/// A response body that tells the connection's [`Activity`] when the response is done.
#[derive(Debug)]
pub struct TrackedBody<B> {
    inner: B,
    activity: Arc<Activity>,
}

impl<B> TrackedBody<B> {
    /// Wraps the body of a response just returned by the service.
    pub fn new(inner: B, activity: Arc<Activity>) -> TrackedBody<B> {
        activity.responding();
        TrackedBody { inner, activity }
    }
}

impl<B> Drop for TrackedBody<B> {
    fn drop(&mut self) {
        self.activity.response_done();
    }
}

impl<B: Body<Data = Bytes> + Unpin> Body for TrackedBody<B> {
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        Pin::new(&mut self.get_mut().inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Raises the process's open-file limit to its hard limit, and returns the limit then in
/// force (connections and object files share it).
pub fn raise_fd_limit() -> Option<u64> {
    use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
    let current = getrlimit(Resource::Nofile);
    if let (Some(soft), Some(hard)) = (current.current, current.maximum) {
        if soft < hard {
            let raised = Rlimit {
                current: Some(hard),
                maximum: Some(hard),
            };
            if setrlimit(Resource::Nofile, raised).is_ok() {
                return Some(hard);
            }
        }
        return Some(soft);
    }
    current.current
}

/// The number of connections allowed with `fd_limit` open files: the configured maximum,
/// keeping a quarter of the descriptors (at least 64) for object files and the database.
pub fn connection_cap(configured: usize, fd_limit: Option<u64>) -> usize {
    match fd_limit {
        Some(fds) => {
            let keep = (fds / 4).max(64);
            configured.min(fds.saturating_sub(keep).max(16) as usize)
        }
        None => configured,
    }
    .max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits {
            idle_timeout: Duration::from_secs(10),
            header_read_timeout: Duration::from_secs(3),
            stall_timeout: Duration::from_secs(7),
            ..Limits::default()
        }
    }

    #[test]
    fn deadlines_follow_the_phase() {
        let a = Activity::new();
        let l = limits();
        let (at, why) = a.deadline(&l).unwrap();
        assert_eq!(why, Expiry::Idle);
        assert!(at <= Instant::now() + l.idle_timeout);
        assert!(a.is_idle());
        a.read_some();
        assert_eq!(a.deadline(&l).unwrap().1, Expiry::SlowHead);
        assert!(!a.is_idle());
        a.request_started();
        assert!(a.deadline(&l).is_none(), "handlers time their own waits");
        a.responding();
        assert_eq!(a.deadline(&l).unwrap().1, Expiry::StalledReader);
        // Bytes of the next request read while responding do not start a head.
        a.read_some();
        a.response_done();
        assert_eq!(a.deadline(&l).unwrap().1, Expiry::Idle);
    }

    #[tokio::test]
    async fn eviction_wakes_the_connection() {
        let a = Activity::new();
        a.evict();
        tokio::time::timeout(Duration::from_secs(5), a.evicted())
            .await
            .unwrap();
    }

    #[test]
    fn the_connection_cap_leaves_descriptors_for_files() {
        assert_eq!(connection_cap(10_000, Some(20_000)), 10_000);
        assert_eq!(connection_cap(10_000, Some(1024)), 768);
        assert_eq!(connection_cap(10_000, None), 10_000);
        assert_eq!(connection_cap(5, Some(100)), 5);
        assert!(raise_fd_limit().is_some());
    }
}
