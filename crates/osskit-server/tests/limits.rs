//! Hostile and unlucky clients: slow heads, idle and stalled connections, unread responses,
//! oversized heads and metadata, bodies past the size limit, half-closed sockets, the
//! connection cap, and exact metadata bytes. Raw sockets on loopback; short limits so that
//! every wait is a few seconds at most.

mod common;

use std::time::Duration;

use common::*;
use osskit_server::config::Limits;
use osskit_server::testing::TestServer;
use osskit_server::{RunningServer, Server};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Generous bound for things that should happen within a second or two.
const PATIENCE: Duration = Duration::from_secs(15);

async fn server_with(change: impl FnOnce(&mut Limits)) -> (RunningServer, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut config = TestServer::config(dir.path());
    change(&mut config.limits);
    (Server::start(config).await.unwrap(), dir)
}

fn addr(server: &RunningServer) -> String {
    server.endpoint().trim_start_matches("http://").to_string()
}

/// A request head signed by `c` (V1), ready to write to a socket.
fn signed_head(
    c: &Client,
    method: &str,
    bucket: &str,
    key: &str,
    extra: &[(&str, &str)],
    host: &str,
) -> String {
    let headers = c.sign(method, Some(bucket), key, &[], &owned(extra));
    let mut head = format!(
        "{method} {} HTTP/1.1\r\nHost: {host}\r\n",
        object_path(Some(bucket), key)
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    head
}

/// Reads until the peer closes (or `PATIENCE` passes): what was read, and whether it closed.
async fn read_until_closed(sock: &mut TcpStream) -> (Vec<u8>, bool) {
    let mut got = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        match tokio::time::timeout_at(deadline, sock.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return (got, true),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            Err(_) => return (got, false),
        }
    }
}

fn tmp_files(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir.join("tmp")).map_or(0, |d| d.count())
}

#[tokio::test]
async fn idle_and_slow_connections_are_closed() {
    let (server, _dir) = server_with(|l| {
        l.idle_timeout = Duration::from_millis(700);
        l.header_read_timeout = Duration::from_millis(700);
    })
    .await;
    let a = addr(&server);
    // A connection that never sends anything.
    let mut idle = TcpStream::connect(&a).await.unwrap();
    let (_, closed) = read_until_closed(&mut idle).await;
    assert!(closed, "an idle connection was kept");

    // Slowloris: a head trickling in, one byte every 100 ms, never completed.
    let mut slow = TcpStream::connect(&a).await.unwrap();
    slow.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        .await
        .unwrap();
    let mut closed = false;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if slow.write_all(b"a").await.is_err() {
            closed = true;
            break;
        }
        let mut probe = [0u8; 1];
        if let Ok(Ok(0)) =
            tokio::time::timeout(Duration::from_millis(1), slow.read(&mut probe)).await
        {
            closed = true;
            break;
        }
    }
    assert!(closed, "a head trickling for 10 s was still being read");

    // A keep-alive connection is closed once idle after its request.
    let mut kept = TcpStream::connect(&a).await.unwrap();
    kept.write_all(format!("GET / HTTP/1.1\r\nHost: {a}\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let (answer, closed) = read_until_closed(&mut kept).await;
    assert!(String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 403"));
    assert!(closed, "an idle keep-alive connection was kept");
    server.shutdown().await;
}

#[tokio::test]
async fn a_stalled_upload_gets_request_timeout_and_leaves_no_file() {
    let (server, dir) = server_with(|l| l.stall_timeout = Duration::from_millis(800)).await;
    let c = Client::new(&server.endpoint());
    c.create_bucket("stall").await;
    let a = addr(&server);
    let mut sock = TcpStream::connect(&a).await.unwrap();
    let head = signed_head(
        &c,
        "PUT",
        "stall",
        "obj",
        &[("content-length", "1000000")],
        &a,
    );
    sock.write_all(head.as_bytes()).await.unwrap();
    sock.write_all(&pattern(1, 300_000)).await.unwrap();
    let (answer, closed) = read_until_closed(&mut sock).await;
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 400"), "{text}");
    assert!(text.contains("<Code>RequestTimeout</Code>"), "{text}");
    assert!(closed);
    assert_eq!(
        tmp_files(dir.path()),
        0,
        "the stalled upload's file is gone"
    );
    assert_eq!(c.get("stall", "obj").await.status(), 404);
    server.shutdown().await;
}

#[tokio::test]
async fn an_unread_download_is_closed_after_the_stall_timeout() {
    let (server, _dir) = server_with(|l| l.stall_timeout = Duration::from_millis(800)).await;
    let c = Client::new(&server.endpoint());
    c.create_bucket("unread").await;
    let size = 20 * 1024 * 1024;
    c.put_ok("unread", "big", &pattern(3, size)).await;
    let a = addr(&server);
    let mut sock = TcpStream::connect(&a).await.unwrap();
    let head = signed_head(&c, "GET", "unread", "big", &[], &a);
    sock.write_all(head.as_bytes()).await.unwrap();
    // Read nothing for a while: the server must give up on this client.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (got, closed) = read_until_closed(&mut sock).await;
    assert!(closed, "the unread response was kept open");
    assert!(got.len() < size, "{} bytes arrived", got.len());
    // Meanwhile the server serves others.
    assert_eq!(c.get_bytes("unread", "big").await.len(), size);
    server.shutdown().await;
}

#[tokio::test]
async fn oversized_heads_and_metadata_are_refused() {
    let (server, _dir) = server_with(|_| {}).await;
    let c = Client::new(&server.endpoint());
    c.create_bucket("limits").await;
    let a = addr(&server);
    // A head above 64 KiB.
    let mut sock = TcpStream::connect(&a).await.unwrap();
    let big = format!(
        "GET /limits/k HTTP/1.1\r\nHost: {a}\r\nX-Big: {}\r\n\r\n",
        "a".repeat(70 * 1024)
    );
    let _ = sock.write_all(big.as_bytes()).await;
    let (answer, _) = read_until_closed(&mut sock).await;
    assert!(
        String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 431"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
    // Too many headers.
    let mut sock = TcpStream::connect(&a).await.unwrap();
    let mut many = format!("GET /limits/k HTTP/1.1\r\nHost: {a}\r\n");
    for i in 0..300 {
        many.push_str(&format!("X-H{i}: v\r\n"));
    }
    many.push_str("\r\n");
    let _ = sock.write_all(many.as_bytes()).await;
    let (answer, _) = read_until_closed(&mut sock).await;
    assert!(String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 431"));

    // User metadata: 8 KiB of names and values is the limit.
    let name = "x-oss-meta-big";
    let at_limit = "v".repeat(8192 - name.len());
    let r = c
        .send(
            "PUT",
            Some("limits"),
            "ok",
            &[],
            &[(name, &at_limit)],
            b"x".to_vec(),
        )
        .await;
    assert_eq!(r.status(), 200);
    let over = "v".repeat(8193 - name.len());
    let r = c
        .send(
            "PUT",
            Some("limits"),
            "no",
            &[],
            &[(name, &over)],
            b"x".to_vec(),
        )
        .await;
    let e = expect_error(r, 400, "MetadataTooLarge").await;
    assert_eq!(e.ec.as_deref(), Some("0011-00000002"));
    assert_eq!(c.get("limits", "no").await.status(), 404);
    let r = c
        .send(
            "POST",
            Some("limits"),
            "mp",
            &[("uploads", "")],
            &[(name, &over)],
            Vec::new(),
        )
        .await;
    expect_error(r, 400, "MetadataTooLarge").await;
    server.shutdown().await;
}

#[tokio::test]
async fn user_metadata_comes_back_byte_for_byte() {
    let (server, _dir) = server_with(|_| {}).await;
    let c = Client::new(&server.endpoint());
    c.create_bucket("meta").await;
    // Bytes that are not UTF-8 are signed as their latin-1 reading (as oss2 sends them).
    let raw = [0xffu8, 0xfe, b'a', 0xe9];
    let as_text: String = raw.iter().map(|&b| b as char).collect();
    let signed = c.sign(
        "PUT",
        Some("meta"),
        "k",
        &[],
        &owned(&[("x-oss-meta-bin", &as_text), ("x-oss-meta-text", "café")]),
    );
    let mut rb = c.http.put(c.url(Some("meta"), "k", &[]));
    for (k, v) in signed {
        if k == "x-oss-meta-bin" {
            rb = rb.header(k, reqwest::header::HeaderValue::from_bytes(&raw).unwrap());
        } else {
            rb = rb.header(k, v);
        }
    }
    let r = rb.body("x").send().await.unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    for r in [c.get("meta", "k").await, c.head("meta", "k").await] {
        assert_eq!(r.headers().get("x-oss-meta-bin").unwrap().as_bytes(), raw);
        assert_eq!(
            r.headers().get("x-oss-meta-text").unwrap().as_bytes(),
            "café".as_bytes()
        );
    }
    server.shutdown().await;
}

#[tokio::test]
async fn keys_that_do_not_decode_to_utf8_are_refused() {
    let (server, _dir) = server_with(|_| {}).await;
    let c = Client::new(&server.endpoint());
    c.create_bucket("utf8").await;
    let a = addr(&server);
    let mut sock = TcpStream::connect(&a).await.unwrap();
    sock.write_all(
        format!("PUT /utf8/bad%FF%FE HTTP/1.1\r\nHost: {a}\r\nContent-Length: 1\r\n\r\nx")
            .as_bytes(),
    )
    .await
    .unwrap();
    let (answer, _) = read_until_closed(&mut sock).await;
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 400"), "{text}");
    assert!(text.contains("InvalidObjectName"), "{text}");
    let page = c
        .send("GET", Some("utf8"), "", &[], &[], Vec::new())
        .await
        .text()
        .await
        .unwrap();
    assert!(!page.contains("<Key>"), "{page}");
    server.shutdown().await;
}

#[tokio::test]
async fn a_get_announcing_a_body_it_never_sends_closes_the_connection() {
    let (server, _dir) = server_with(|_| {}).await;
    let c = Client::new(&server.endpoint());
    c.create_bucket("getbody").await;
    c.put_ok("getbody", "k", b"Hello OSS").await;
    let a = addr(&server);
    let mut sock = TcpStream::connect(&a).await.unwrap();
    // As oss2 sends a presigned GET with the headers it signed, Content-Length included.
    let head = signed_head(&c, "GET", "getbody", "k", &[("Content-Length", "9")], &a);
    sock.write_all(head.as_bytes()).await.unwrap();
    let (answer, closed) = read_until_closed(&mut sock).await;
    let text = String::from_utf8_lossy(&answer).to_ascii_lowercase();
    assert!(text.starts_with("http/1.1 200"), "{text}");
    assert!(text.contains("connection: close"), "{text}");
    assert!(text.ends_with("hello oss"), "{text}");
    assert!(
        closed,
        "the server keeps a connection whose next bytes would be read as a body"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn a_chunked_upload_past_the_limit_is_refused_while_it_streams() {
    let (server, dir) = server_with(|l| l.max_object_size = 1024 * 1024).await;
    let c = Client::new(&server.endpoint());
    c.create_bucket("big").await;
    let a = addr(&server);
    let mut sock = TcpStream::connect(&a).await.unwrap();
    let head = signed_head(
        &c,
        "PUT",
        "big",
        "obj",
        &[("transfer-encoding", "chunked")],
        &a,
    );
    sock.write_all(head.as_bytes()).await.unwrap();
    // 2 MiB in chunks, never finished: the answer must come anyway.
    let chunk = pattern(5, 256 * 1024);
    for _ in 0..8 {
        let framed = [
            format!("{:x}\r\n", chunk.len()).into_bytes(),
            chunk.clone(),
            b"\r\n".to_vec(),
        ]
        .concat();
        if sock.write_all(&framed).await.is_err() {
            break;
        }
    }
    let (answer, _) = read_until_closed(&mut sock).await;
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 400"), "{text}");
    assert!(text.contains("EntityTooLarge"), "{text}");
    assert_eq!(tmp_files(dir.path()), 0);
    assert_eq!(c.get("big", "obj").await.status(), 404);
    server.shutdown().await;
}

#[tokio::test]
async fn a_client_that_half_closes_gets_its_answer() {
    let (server, _dir) = server_with(|_| {}).await;
    let c = Client::new(&server.endpoint());
    c.create_bucket("half").await;
    let a = addr(&server);
    let body = pattern(7, 400_000);
    let mut sock = TcpStream::connect(&a).await.unwrap();
    let len = body.len().to_string();
    let head = signed_head(&c, "PUT", "half", "obj", &[("content-length", &len)], &a);
    sock.write_all(head.as_bytes()).await.unwrap();
    sock.write_all(&body).await.unwrap();
    sock.shutdown().await.unwrap();
    let (answer, _) = read_until_closed(&mut sock).await;
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert_eq!(c.get_bytes("half", "obj").await, body);
    server.shutdown().await;
}

#[tokio::test]
async fn idle_connections_make_room_at_the_connection_limit() {
    let (server, _dir) = server_with(|l| l.max_connections = 8).await;
    let a = addr(&server);
    let mut idle = Vec::new();
    for _ in 0..8 {
        idle.push(TcpStream::connect(&a).await.unwrap());
    }
    // Every slot is held by an idle connection; a real client still gets served.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let c = Client::new(&server.endpoint());
    let r = tokio::time::timeout(PATIENCE, c.send("GET", None, "", &[], &[], Vec::new()))
        .await
        .expect("a client was locked out by idle connections");
    assert_eq!(r.status(), 200);
    // Some of the idle ones were closed to make room.
    let mut closed = 0;
    for sock in &mut idle {
        let mut probe = [0u8; 1];
        if let Ok(Ok(0) | Err(_)) =
            tokio::time::timeout(Duration::from_millis(50), sock.read(&mut probe)).await
        {
            closed += 1;
        }
    }
    assert!(closed >= 1);
    server.shutdown().await;
}

#[tokio::test]
async fn a_batch_delete_with_an_invalid_key_deletes_nothing() {
    let (server, _dir) = server_with(|_| {}).await;
    let c = Client::new(&server.endpoint());
    c.create_bucket("batch").await;
    c.put_ok("batch", "a", b"1").await;
    c.put_ok("batch", "b", b"2").await;
    let doc = "<Delete><Quiet>false</Quiet><Object><Key>a</Key></Object>\
               <Object><Key>/abs</Key></Object><Object><Key>b</Key></Object></Delete>";
    let md5 = osskit_proto::digest::content_md5(doc.as_bytes());
    let r = c
        .send(
            "POST",
            Some("batch"),
            "",
            &[("delete", "")],
            &[("content-md5", &md5)],
            doc.as_bytes().to_vec(),
        )
        .await;
    let e = expect_error(r, 400, "InvalidObjectName").await;
    assert!(e.details.iter().any(|(k, v)| k == "Key" && v == "/abs"));
    assert_eq!(c.get_bytes("batch", "a").await, b"1");
    assert_eq!(c.get_bytes("batch", "b").await, b"2");
    server.shutdown().await;
}

#[tokio::test]
async fn v4_presigned_urls_past_seven_days_or_from_the_future_are_refused() {
    let (server, _dir) = server_with(|_| {}).await;
    let c = Client::new(&server.endpoint()).with_auth(Auth::V4);
    c.create_bucket("presign").await;
    c.put_ok("presign", "k", b"v").await;
    let ok = c.presign_url("GET", "presign", "k", &[], &[], 604_800);
    assert_eq!(c.http.get(ok).send().await.unwrap().status(), 200);
    let long = c.presign_url("GET", "presign", "k", &[], &[], 604_801);
    let e = expect_error(c.http.get(long).send().await.unwrap(), 403, "AccessDenied").await;
    assert_eq!(e.ec.as_deref(), Some("0002-00000232"));
    let mut ahead = c.clone();
    ahead.skew = 3600;
    let future = ahead.presign_url("GET", "presign", "k", &[], &[], 60);
    let e = expect_error(
        c.http.get(future).send().await.unwrap(),
        403,
        "AccessDenied",
    )
    .await;
    assert_eq!(e.ec.as_deref(), Some("0002-00000235"));
    server.shutdown().await;
}
