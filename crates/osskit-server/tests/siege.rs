//! Hundreds of stalled uploads and unread downloads against the real `oss-server` binary:
//! another client is still served, the server's threads stay few and its memory bounded,
//! and both come back down when the stalled clients go. Loopback only, bounded in count and
//! time. `SIEGE_STALLED=2000` measures the full-size figures of
//! docs/server-performance.md (with a release build).

mod common;

use std::time::{Duration, Instant};

use common::*;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

/// Stalled uploads and unread downloads opened at once (each), by default.
const STALLED: usize = 200;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_clients_cost_no_thread_and_little_memory() {
    let stalled: usize = std::env::var("SIEGE_STALLED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(STALLED);
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(dir.path(), &["--stall-timeout", "60"]);
    let c = Client::new(&server.endpoint);
    c.create_bucket("siege").await;
    let size = 20 * 1024 * 1024;
    c.put_ok("siege", "big", &pattern(1, size)).await;
    let addr = server.addr();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (threads0, rss0) = (server.status("Threads"), server.status("VmRSS"));

    let held = besiege(&c, &addr, stalled, "a").await;
    // The bursts of short blocking tasks are over; idle pool threads go after 2 s.
    tokio::time::sleep(Duration::from_secs(5)).await;

    // Another client is served: signed PUTs and GETs, one after another.
    let other = Client::new(&server.endpoint);
    let mut times = Vec::new();
    for i in 0..50 {
        let key = format!("other{i}");
        let started = Instant::now();
        other.put_ok("siege", &key, b"still served").await;
        times.push(started.elapsed());
        let started = Instant::now();
        assert_eq!(other.get_bytes("siege", &key).await, b"still served");
        times.push(started.elapsed());
    }
    times.sort();
    let p50 = times[times.len() / 2];
    let p99 = times[times.len() * 99 / 100];
    assert!(p99 < Duration::from_secs(10), "p99 {p99:?}");

    // Blocking threads that served the other client's requests go after 2 s idle: the
    // fewest threads seen over the next seconds (up to 15) is what the held connections
    // cost.
    let mut threads = server.status("Threads");
    for _ in 0..30 {
        if threads < threads0 + 4 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        threads = threads.min(server.status("Threads"));
    }
    let rss = server.status("VmRSS");
    eprintln!(
        "{stalled} stalled uploads + {stalled} unread downloads: threads {threads0} -> {threads}, \
         RSS {rss0} -> {rss} kB; another client's signed PUT/GET: p50 {p50:?}, p99 {p99:?}"
    );
    // Before, each of these held a blocking thread (and the downloads megabytes each).
    assert!(
        threads < threads0 + 16,
        "threads grew from {threads0} to {threads}"
    );
    assert!(
        rss < rss0 + (stalled as u64 * 2) * 256,
        "RSS grew from {rss0} kB to {rss} kB"
    );

    // When they go, everything is released: the threads go, and the memory is given back
    // to the allocator, which may keep it for the next connections rather than return it
    // to the system (glibc does, in a release build). So the same siege is laid again: what
    // stays after the second is about what stayed after the first, not twice as much.
    drop(held);
    let after_first = settle(&server, threads0).await;
    let held = besiege(&c, &addr, stalled, "b").await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    drop(held);
    let after_second = settle(&server, threads0).await;
    eprintln!(
        "after the clients left: RSS {after_first} kB, {after_second} kB after a second siege"
    );
    let grown = rss.saturating_sub(rss0);
    assert!(
        after_second < after_first + grown / 2 + 16 * 1024,
        "RSS {rss0} kB, {rss} kB under siege, {after_first} kB after it, {after_second} kB \
         after a second one: memory is not given back"
    );
    assert_eq!(
        std::fs::read_dir(dir.path().join("tmp")).unwrap().count(),
        0
    );
}

/// Opens `stalled` uploads of 300 KB that send 200 KB and stop, and as many GETs of the
/// 20 MiB object `siege/big` that are never read; `round` tells their keys apart.
async fn besiege(c: &Client, addr: &str, stalled: usize, round: &str) -> Vec<TcpStream> {
    let mut held = Vec::new();
    for i in 0..stalled {
        // An upload of 300 KB that sends 200 KB and stops.
        let mut up = TcpStream::connect(addr).await.unwrap();
        let key = format!("up{round}{i}");
        let headers = c.sign(
            "PUT",
            Some("siege"),
            &key,
            &[],
            &owned(&[("content-length", "300000")]),
        );
        let head = request_head("PUT", &key, addr, headers);
        up.write_all(head.as_bytes()).await.unwrap();
        up.write_all(&pattern(2, 200_000)).await.unwrap();
        held.push(up);
        // A download of the 20 MiB object that is never read.
        let mut down = TcpStream::connect(addr).await.unwrap();
        let headers = c.sign("GET", Some("siege"), "big", &[], &[]);
        let head = request_head("GET", "big", addr, headers);
        down.write_all(head.as_bytes()).await.unwrap();
        held.push(down);
    }
    held
}

/// The head of a `method` request for `siege/key` with `headers`.
fn request_head(
    method: &str,
    key: &str,
    addr: &str,
    headers: impl IntoIterator<Item = (String, String)>,
) -> String {
    let mut head = format!("{method} /siege/{key} HTTP/1.1\r\nHost: {addr}\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    head
}

/// Waits (up to 30 s) for the server's threads to come back to `threads0` + 20, then gives
/// the allocator a moment; returns the server's RSS (kB).
async fn settle(server: &ServerProcess, threads0: u64) -> u64 {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let t = server.status("Threads");
        if t <= threads0 + 20 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "threads {t} (from {threads0}) after the clients left"
        );
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    server.status("VmRSS")
}
