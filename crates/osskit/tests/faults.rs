//! Transport behaviour against a tiny fault-injecting HTTP server on 127.0.0.1: retries,
//! what is never retried, timeouts, and integrity checks (wrong CRC, short bodies). These
//! are the only tests that use a fake server, because the real one never misbehaves.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use osskit::{Auth, Body, Bucket, Error, RetryPolicy};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One canned answer: status, extra headers, body; `truncate_to` sends only that many body
/// bytes (with the full Content-Length) and closes; `stall` never answers.
#[derive(Clone, Default)]
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    truncate_to: Option<usize>,
    stall: bool,
    stall_body: bool,
}

impl Reply {
    fn ok(body: &[u8]) -> Reply {
        Reply {
            status: 200,
            body: body.to_vec(),
            ..Reply::default()
        }
    }

    fn error(status: u16, code: &str) -> Reply {
        let body = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>injected</Message>\
             <RequestId>RID-{status}</RequestId><HostId>127.0.0.1</HostId></Error>"
        );
        Reply {
            status,
            headers: vec![("x-oss-request-id".into(), format!("RID-{status}"))],
            body: body.into_bytes(),
            ..Reply::default()
        }
    }

    fn header(mut self, k: &str, v: &str) -> Reply {
        self.headers.push((k.into(), v.into()));
        self
    }
}

/// The fault server: answers requests in order from `script` (the last answer repeats) and
/// records the request bodies it received.
struct FaultServer {
    endpoint: String,
    requests: Arc<AtomicUsize>,
    bodies: Arc<Mutex<Vec<Vec<u8>>>>,
    /// Request heads, lower case.
    heads: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FaultServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn start(script: Vec<Reply>) -> FaultServer {
    start_on(TcpListener::bind("127.0.0.1:0").await.unwrap(), script)
}

fn start_on(listener: TcpListener, script: Vec<Reply>) -> FaultServer {
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(AtomicUsize::new(0));
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let heads = Arc::new(Mutex::new(Vec::new()));
    let (r, b, h) = (requests.clone(), bodies.clone(), heads.clone());
    let task = tokio::spawn(async move {
        // Bounded: a test never sends more than a few requests.
        for _ in 0..32 {
            let Ok((conn, _)) = listener.accept().await else {
                return;
            };
            let n = r.fetch_add(1, Ordering::SeqCst);
            let reply = script[n.min(script.len() - 1)].clone();
            let (b, h) = (b.clone(), h.clone());
            tokio::spawn(async move {
                let _ = serve_one(conn, reply, b, h).await;
            });
        }
    });
    FaultServer {
        endpoint,
        requests,
        bodies,
        heads,
        task,
    }
}

/// Reads one request (headers, then a Content-Length or chunked body) and answers it.
async fn serve_one(
    mut conn: TcpStream,
    reply: Reply,
    bodies: Arc<Mutex<Vec<Vec<u8>>>>,
    heads: Arc<Mutex<Vec<String>>>,
) -> std::io::Result<()> {
    let mut buf = Vec::new();
    let mut tmp = [0u8; 8192];
    let head_end = loop {
        let n = conn.read(&mut tmp).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&tmp[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    heads.lock().unwrap().push(head.clone());
    let mut body = buf[head_end..].to_vec();
    if let Some(len) = head.lines().find_map(|l| {
        l.strip_prefix("content-length:")
            .map(|v| v.trim().parse::<usize>().unwrap_or(0))
    }) {
        while body.len() < len {
            let n = conn.read(&mut tmp).await?;
            if n == 0 {
                break;
            }
            body.extend_from_slice(&tmp[..n]);
        }
    } else if head.contains("transfer-encoding: chunked") {
        while !body.ends_with(b"0\r\n\r\n") {
            let n = conn.read(&mut tmp).await?;
            if n == 0 {
                break;
            }
            body.extend_from_slice(&tmp[..n]);
        }
    }
    bodies.lock().unwrap().push(body);
    if reply.stall {
        tokio::time::sleep(Duration::from_secs(30)).await;
        return Ok(());
    }
    let mut out = format!(
        "HTTP/1.1 {} X\r\nContent-Length: {}\r\nConnection: close\r\n",
        reply.status,
        reply.body.len()
    );
    for (k, v) in &reply.headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("\r\n");
    conn.write_all(out.as_bytes()).await?;
    let sent = reply.truncate_to.unwrap_or(reply.body.len());
    conn.write_all(&reply.body[..sent]).await?;
    conn.flush().await?;
    if reply.stall_body {
        tokio::time::sleep(Duration::from_secs(30)).await;
    }
    conn.shutdown().await
}

fn fast_retry(attempts: u32) -> RetryPolicy {
    RetryPolicy::with_max_attempts(attempts)
        .base_delay(Duration::from_millis(1))
        .max_delay(Duration::from_millis(5))
}

fn client(server: &FaultServer, retry: RetryPolicy) -> Bucket {
    Bucket::builder(Auth::new("ak", "sk"), &server.endpoint, "fault-bucket")
        .retry(retry)
        .read_timeout(Duration::from_millis(500))
        .build()
        .unwrap()
}

#[tokio::test]
async fn retries_twice_after_503_then_succeeds_with_the_same_body() {
    let srv = start(vec![
        Reply::error(503, "ServiceUnavailable"),
        Reply::error(503, "ServiceUnavailable"),
        Reply::ok(b"").header("ETag", "\"ABC\""),
    ])
    .await;
    let out = client(&srv, fast_retry(3))
        .put_object("k", "hello")
        .await
        .unwrap();
    assert_eq!(out.etag, "ABC");
    assert_eq!(srv.requests.load(Ordering::SeqCst), 3);
    let bodies = srv.bodies.lock().unwrap().clone();
    assert_eq!(
        bodies,
        vec![b"hello".to_vec(); 3],
        "each attempt resends the whole body"
    );
}

#[tokio::test]
async fn file_bodies_are_replayed_on_retry() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("f");
    std::fs::write(&p, b"file body").unwrap();
    let srv = start(vec![Reply::error(500, "InternalError"), Reply::ok(b"")]).await;
    client(&srv, fast_retry(3))
        .put_object_from_file("k", &p)
        .await
        .unwrap();
    assert_eq!(
        srv.bodies.lock().unwrap().clone(),
        vec![b"file body".to_vec(); 2]
    );
}

#[tokio::test]
async fn gives_up_after_max_attempts() {
    let srv = start(vec![Reply::error(503, "ServiceUnavailable")]).await;
    let e = client(&srv, fast_retry(3))
        .get_object("k")
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(503));
    assert_eq!(e.request_id(), Some("RID-503"));
    assert!(e.is_retryable());
    assert_eq!(srv.requests.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn throttling_and_request_timeout_are_retried() {
    let srv = start(vec![
        Reply::error(429, "Throttled"),
        Reply::error(400, "RequestTimeout"),
        Reply::ok(b"x"),
    ])
    .await;
    let got = client(&srv, fast_retry(5)).get_object("k").await.unwrap();
    assert_eq!(got.body.collect_bytes().await.unwrap(), "x");
    assert_eq!(srv.requests.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn client_errors_are_never_retried() {
    let srv = start(vec![Reply::error(403, "AccessDenied"), Reply::ok(b"")]).await;
    let e = client(&srv, fast_retry(3))
        .put_object("k", "v")
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("AccessDenied"));
    assert_eq!(srv.requests.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn stream_bodies_are_sent_once() {
    let srv = start(vec![
        Reply::error(503, "ServiceUnavailable"),
        Reply::ok(b""),
    ])
    .await;
    let body = Body::from_stream(futures_util::stream::iter(vec![Ok::<_, std::io::Error>(
        Bytes::from("once"),
    )]));
    let e = client(&srv, fast_retry(3))
        .put_object("k", body)
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(503));
    assert_eq!(srv.requests.load(Ordering::SeqCst), 1);

    let srv = start(vec![
        Reply::error(503, "ServiceUnavailable"),
        Reply::ok(b""),
    ])
    .await;
    let e = client(&srv, fast_retry(3))
        .put_object(
            "k",
            Body::from_reader(std::io::Cursor::new(b"r".to_vec()), Some(1)),
        )
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(503), "{e}");
    assert_eq!(srv.requests.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn no_retry_policy_sends_once() {
    let srv = start(vec![Reply::error(500, "InternalError"), Reply::ok(b"")]).await;
    let e = client(&srv, RetryPolicy::none())
        .delete_object("k")
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("InternalError"));
    assert_eq!(srv.requests.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn read_timeout_gives_a_timeout_error() {
    let srv = start(vec![Reply {
        stall: true,
        ..Reply::default()
    }])
    .await;
    let started = std::time::Instant::now();
    let e = client(&srv, RetryPolicy::none())
        .get_object("k")
        .await
        .unwrap_err();
    assert!(e.is_timeout(), "{e}");
    assert!(matches!(e, Error::Request { .. }));
    assert!(started.elapsed() < Duration::from_secs(20));
}

#[tokio::test]
async fn upload_crc_mismatch_is_inconsistent() {
    let srv = start(vec![Reply::ok(b"")
        .header("x-oss-hash-crc64ecma", "1")
        .header("x-oss-request-id", "RID")])
    .await;
    let e = client(&srv, RetryPolicy::none())
        .put_object("k", "hello")
        .await
        .unwrap_err();
    match e {
        Error::Inconsistent {
            client_crc,
            server_crc,
            request_id,
            ..
        } => {
            assert_eq!(client_crc, Some(osskit::utils::crc64(b"hello")));
            assert_eq!(server_crc, Some(1));
            assert_eq!(request_id, "RID");
        }
        other => panic!("expected Inconsistent, got {other}"),
    }
    let ok = Bucket::builder(Auth::new("ak", "sk"), &srv.endpoint, "fault-bucket")
        .enable_crc(false)
        .build()
        .unwrap();
    ok.put_object("k", "hello").await.unwrap();
}

fn leftovers(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

#[tokio::test]
async fn download_with_a_wrong_crc_leaves_no_file() {
    let srv = start(vec![
        Reply::ok(b"hello").header("x-oss-hash-crc64ecma", "12345")
    ])
    .await;
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("out.txt");
    let e = client(&srv, RetryPolicy::none())
        .get_object_to_file("k", &target)
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::Inconsistent {
                server_crc: Some(12345),
                ..
            }
        ),
        "{e}"
    );
    assert!(
        leftovers(dir.path()).is_empty(),
        "{:?}",
        leftovers(dir.path())
    );
}

#[tokio::test]
async fn download_of_a_short_body_leaves_no_file() {
    let srv = start(vec![Reply {
        truncate_to: Some(4),
        ..Reply::ok(b"0123456789")
    }])
    .await;
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("out.txt");
    std::fs::write(dir.path().join("other"), b"untouched").unwrap();
    let e = client(&srv, RetryPolicy::none())
        .get_object_to_file("k", &target)
        .await
        .unwrap_err();
    assert!(
        matches!(e, Error::Request { .. } | Error::Inconsistent { .. }),
        "{e}"
    );
    assert_eq!(leftovers(dir.path()), vec!["other".to_string()]);
}

#[tokio::test]
async fn user_agent_names_the_sdk_and_app() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let seen = tokio::spawn(async move {
        let (mut conn, _) = listener.accept().await.unwrap();
        let mut buf = vec![0u8; 8192];
        let n = conn.read(&mut buf).await.unwrap();
        conn.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        String::from_utf8_lossy(&buf[..n]).into_owned()
    });
    let b = Bucket::builder(Auth::new("ak", "sk"), &endpoint, "ua-bucket")
        .app_name("myapp")
        .build()
        .unwrap();
    b.delete_object("k").await.unwrap();
    let head = seen.await.unwrap().to_ascii_lowercase();
    let ua = head
        .lines()
        .find(|l| l.starts_with("user-agent:"))
        .unwrap()
        .to_string();
    assert!(ua.contains("oss-rust-sdk/"), "{ua}");
    assert!(ua.ends_with("/myapp"), "{ua}");
    assert!(head.starts_with("delete /ua-bucket/k "), "{head}");
    assert!(head.contains("authorization: oss ak:"), "{head}");
}

#[tokio::test]
async fn a_body_that_stops_flowing_times_out() {
    let srv = start(vec![Reply {
        truncate_to: Some(3),
        stall_body: true,
        ..Reply::ok(b"0123456789")
    }])
    .await;
    let got = client(&srv, RetryPolicy::none())
        .get_object("k")
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let e = got.body.collect_bytes().await.unwrap_err();
    assert!(e.is_timeout(), "{e}");
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn connection_refused_is_a_request_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let b = Bucket::builder(Auth::new("ak", "sk"), &endpoint, "gone")
        .retry(fast_retry(2))
        .build()
        .unwrap();
    let e = b.get_object("k").await.unwrap_err();
    assert!(matches!(e, Error::Request { .. }), "{e}");
    assert!(e.is_retryable());
    assert!(e.to_string().contains("GET http://127.0.0.1:"), "{e}");
}

/// Collects formatted log lines.
#[derive(Clone, Default)]
struct LogBuffer(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn attempts_are_logged_under_the_oss_target() {
    let logs = LogBuffer::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter("oss=debug")
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    // Global: a thread-local default races with other tests over the callsite cache. This
    // is the only test of this binary that installs a subscriber.
    tracing::subscriber::set_global_default(subscriber).unwrap();
    let srv = start(vec![
        Reply::error(503, "ServiceUnavailable"),
        Reply::ok(b"x").header("x-oss-request-id", "RID-OK"),
    ])
    .await;
    client(&srv, fast_retry(2)).get_object("k").await.unwrap();
    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(
        text.contains("operation=\"GetObject\"") || text.contains("operation=GetObject"),
        "{text}"
    );
    assert!(
        text.contains("attempt=1") && text.contains("attempt=2"),
        "{text}"
    );
    assert!(
        text.contains("status=503") && text.contains("status=200"),
        "{text}"
    );
    assert!(text.contains("RID-OK"), "{text}");
}

#[tokio::test]
async fn appends_and_completions_are_not_resent_once_they_may_have_arrived() {
    // An error answer: the request arrived.
    let srv = start(vec![
        Reply::error(503, "ServiceUnavailable"),
        Reply::ok(b""),
    ])
    .await;
    let e = client(&srv, fast_retry(3))
        .append_object("k", 0, "data")
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(503));
    assert_eq!(srv.requests.load(Ordering::SeqCst), 1);

    let srv = start(vec![Reply::error(500, "InternalError"), Reply::ok(b"")]).await;
    let parts = vec![osskit::PartInfo::new(1, "\"E1\"")];
    let e = client(&srv, fast_retry(3))
        .complete_multipart_upload("k", "upload-1", parts)
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(500));
    assert_eq!(srv.requests.load(Ordering::SeqCst), 1);

    // No answer at all: the request may have been carried out.
    let srv = start(vec![Reply {
        stall: true,
        ..Reply::default()
    }])
    .await;
    let e = client(&srv, fast_retry(3))
        .append_object("k", 0, "data")
        .await
        .unwrap_err();
    assert!(e.is_timeout(), "{e}");
    assert_eq!(srv.requests.load(Ordering::SeqCst), 1);

    // The same failures are retried for an idempotent PUT.
    let srv = start(vec![Reply {
        stall: true,
        ..Reply::default()
    }])
    .await;
    let e = client(&srv, fast_retry(2))
        .put_object("k", "data")
        .await
        .unwrap_err();
    assert!(e.is_timeout(), "{e}");
    assert_eq!(srv.requests.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn an_append_is_retried_when_the_connection_was_refused() {
    // Nothing listens on the port at first (connections are refused: the request never
    // left); a server comes up there shortly after.
    let reserved = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = reserved.local_addr().unwrap();
    drop(reserved);
    let endpoint = format!("http://{addr}");
    let late = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(150)).await;
        let listener = TcpListener::bind(addr).await.unwrap();
        start_on(
            listener,
            vec![Reply::ok(b"").header("x-oss-next-append-position", "4")],
        )
    });
    let b = Bucket::builder(Auth::new("ak", "sk"), &endpoint, "late-bucket")
        .retry(
            RetryPolicy::with_max_attempts(400)
                .base_delay(Duration::from_millis(20))
                .max_delay(Duration::from_millis(20)),
        )
        .build()
        .unwrap();
    let out = b.append_object("k", 0, "data").await.unwrap();
    assert_eq!(out.next_position, 4);
    let srv = late.await.unwrap();
    assert_eq!(srv.requests.load(Ordering::SeqCst), 1);
    assert_eq!(srv.bodies.lock().unwrap().clone(), vec![b"data".to_vec()]);
}

#[tokio::test]
async fn a_skewed_clock_is_corrected_once_whatever_the_retry_policy() {
    let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>RequestTimeTooSkewed</Code>\
        <Message>The difference between the request time and the current time is too large.</Message>\
        <RequestId>R</RequestId><HostId>h</HostId><RequestTime>x</RequestTime>\
        <ServerTime>2030-01-02T03:04:05.000Z</ServerTime></Error>";
    let skewed = Reply {
        status: 403,
        body: body.as_bytes().to_vec(),
        ..Reply::default()
    };
    let srv = start(vec![skewed.clone(), Reply::ok(b"").header("ETag", "\"A\"")]).await;
    let b = client(&srv, RetryPolicy::none());
    b.put_object("k", "v").await.unwrap();
    let heads = srv.heads.lock().unwrap().clone();
    assert_eq!(heads.len(), 2);
    let date = |head: &str| {
        head.lines()
            .find_map(|l| l.strip_prefix("date: "))
            .unwrap()
            .trim()
            .to_string()
    };
    assert!(!date(&heads[0]).contains("2030"), "{}", heads[0]);
    assert!(date(&heads[1]).contains("02 jan 2030"), "{}", heads[1]);

    // Only once: a second refusal is returned.
    let srv = start(vec![skewed.clone()]).await;
    let e = client(&srv, RetryPolicy::none())
        .put_object("k", "v")
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("RequestTimeTooSkewed"));
    assert_eq!(srv.requests.load(Ordering::SeqCst), 2);

    // A body that cannot be sent again is not.
    let srv = start(vec![skewed, Reply::ok(b"")]).await;
    let body = Body::from_stream(futures_util::stream::iter(vec![Ok::<_, std::io::Error>(
        Bytes::from("once"),
    )]));
    let e = client(&srv, RetryPolicy::none())
        .put_object("k", body)
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("RequestTimeTooSkewed"));
    assert_eq!(srv.requests.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn the_operation_timeout_bounds_attempts_and_waits() {
    let stalled = Reply {
        stall: true,
        ..Reply::default()
    };
    // The read timeout (60 s) would wait much longer.
    let srv = start(vec![stalled.clone()]).await;
    let b = Bucket::builder(Auth::new("ak", "sk"), &srv.endpoint, "fault-bucket")
        .read_timeout(Duration::from_secs(60))
        .operation_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let e = b.get_object("k").await.unwrap_err();
    assert!(e.is_timeout(), "{e}");
    assert_eq!(e.kind(), osskit::ErrorKind::Timeout);
    assert!(
        e.to_string().contains("did not complete within 300ms"),
        "{e}"
    );
    assert!(started.elapsed() < Duration::from_secs(30));

    // Waits between retries count too.
    let srv = start(vec![Reply::error(503, "ServiceUnavailable")]).await;
    let b = Bucket::builder(Auth::new("ak", "sk"), &srv.endpoint, "fault-bucket")
        .retry(
            RetryPolicy::with_max_attempts(5)
                .base_delay(Duration::from_secs(20))
                .max_delay(Duration::from_secs(20)),
        )
        .operation_timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let e = b.delete_object("k").await.unwrap_err();
    // (Four waits drawn from [0, 20 s] all but never add up to less than 0.5 s.)
    assert!(e.is_timeout(), "{e}");
    assert!(started.elapsed() < Duration::from_secs(15));

    // A call's own timeout replaces the client's.
    let srv = start(vec![stalled]).await;
    let b = Bucket::builder(Auth::new("ak", "sk"), &srv.endpoint, "fault-bucket")
        .read_timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let e = b
        .head_object("k")
        .timeout(Duration::from_millis(200))
        .await
        .unwrap_err();
    assert!(
        e.to_string().contains("did not complete within 200ms"),
        "{e}"
    );
}
