//! The blocking facade driven from the calling thread: reads after the client is gone,
//! several threads sharing one client, timers and idle connections with nobody driving.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use osskit_server::testing::TestServer;

use super::Bucket;
use crate::{Auth, RetryPolicy};

/// The server runs on its own runtime's worker thread while the test thread blocks.
fn start_server() -> (tokio::runtime::Runtime, TestServer) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let server = rt.block_on(TestServer::start());
    (rt, server)
}

fn bucket(server: &TestServer, name: &str) -> Bucket {
    let b = Bucket::new(
        Auth::new(
            osskit_server::testing::TEST_ACCESS_KEY_ID,
            osskit_server::testing::TEST_ACCESS_KEY_SECRET,
        ),
        &server.endpoint(),
        name,
    )
    .unwrap();
    b.create_bucket().send().unwrap();
    b
}

fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

#[test]
fn a_body_is_read_after_its_client_is_dropped() {
    let (_rt, server) = start_server();
    let b = bucket(&server, "blk-unit-drop");
    let data = pattern(3 << 20, 7);
    b.put_object("big", data.clone()).send().unwrap();

    let mut reader = b.get_object("big").send().unwrap();
    let mut head = vec![0u8; 1000];
    reader.read_exact(&mut head).unwrap();
    drop(b);
    let mut rest = Vec::new();
    reader.read_to_end(&mut rest).unwrap();
    head.extend_from_slice(&rest);
    assert_eq!(head.len(), data.len());
    assert!(head == data, "the body read after the drop differs");
    assert_eq!(reader.client_crc(), reader.server_crc);
}

#[test]
fn threads_sharing_one_client_all_get_their_answers() {
    let (_rt, server) = start_server();
    let b = bucket(&server, "blk-unit-threads");
    let threads: Vec<_> = (0..8u8)
        .map(|t| {
            let b = b.clone();
            std::thread::spawn(move || {
                for i in 0..25 {
                    let key = format!("t{t}/{i}");
                    let body = pattern(1000 + i * 97, t);
                    b.put_object(&key, body.clone()).send().unwrap();
                    let got = b.get_object(&key).send().unwrap().bytes().unwrap();
                    assert!(got == body, "{key} came back different");
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let listed = b.list_objects_v2().into_items().count();
    assert_eq!(listed, 8 * 25);
}

#[test]
fn a_reader_left_open_does_not_stop_other_threads() {
    let (_rt, server) = start_server();
    let b = bucket(&server, "blk-unit-open-reader");
    let data = pattern(4 << 20, 3);
    b.put_object("big", data.clone()).send().unwrap();
    b.put_object("small", "s").send().unwrap();

    // A large body, opened and not read, holds its connection; other calls still finish.
    let mut reader = b.get_object("big").send().unwrap();
    let other = b.clone();
    let t = std::thread::spawn(move || {
        for _ in 0..10 {
            let got = other.get_object("small").send().unwrap().bytes().unwrap();
            assert_eq!(got, b"s");
        }
    });
    t.join().unwrap();
    let mut all = Vec::new();
    reader.read_to_end(&mut all).unwrap();
    assert!(all == data);
}

/// A server that answers every request on a connection with `204 No Content`, then
/// closes the connection after `per_connection` answers, `linger` after the last one.
/// Returns the endpoint, the number of connections accepted and the number closed.
fn closing_server(
    per_connection: usize,
    linger: Duration,
) -> (String, Arc<AtomicUsize>, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    let closed = Arc::new(AtomicUsize::new(0));
    let closed_count = closed.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming().take(16) {
            let Ok(conn) = conn else { return };
            count.fetch_add(1, Ordering::SeqCst);
            let mut reader = BufReader::new(conn.try_clone().unwrap());
            let mut writer = conn;
            for _ in 0..per_connection {
                let mut line = String::new();
                let mut saw_request = false;
                loop {
                    line.clear();
                    match reader.read_line(&mut line) {
                        Ok(0) | Err(_) => break,
                        Ok(_) if line == "\r\n" => break,
                        Ok(_) => saw_request = true,
                    }
                }
                if !saw_request {
                    break;
                }
                let reply = "HTTP/1.1 204 No Content\r\nx-oss-request-id: R\r\n\
                             Content-Length: 0\r\n\r\n";
                if writer.write_all(reply.as_bytes()).is_err() {
                    break;
                }
            }
            // Dropping both halves closes the connection while the client holds it idle.
            std::thread::sleep(linger);
            drop(reader);
            drop(writer);
            closed_count.fetch_add(1, Ordering::SeqCst);
        }
    });
    (endpoint, accepted, closed)
}

#[test]
fn an_idle_connection_closed_by_the_server_is_replaced() {
    // The close comes well after the answer: the call that got the answer has returned,
    // and nobody drives the client's runtime when it arrives.
    let (endpoint, accepted, closed) = closing_server(1, Duration::from_millis(20));
    let b = Bucket::builder(Auth::new("ak", "sk"), &endpoint, "idle-bucket")
        .retry(RetryPolicy::none())
        .read_timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    for i in 0..3 {
        b.delete_object(format!("k{i}")).send().unwrap();
        // Nobody drives the client's runtime now: the close is only seen on the next call,
        // which must take it in before choosing a connection (with no retry, sending into
        // the closed connection would fail the call).
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while closed.load(Ordering::SeqCst) <= i && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        // Idle for longer than the driver's threshold (1 ms) after the close.
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(accepted.load(Ordering::SeqCst), 3);
}

#[test]
fn timeouts_fire_while_the_calling_thread_waits() {
    // Accepts and never answers.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let hold = std::thread::spawn(move || {
        let conn = listener.accept();
        std::thread::sleep(Duration::from_secs(3));
        drop(conn);
    });
    let b = Bucket::builder(Auth::new("ak", "sk"), &endpoint, "stall-bucket")
        .retry(RetryPolicy::none())
        .read_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let started = Instant::now();
    let e = b.delete_object("k").send().unwrap_err();
    assert!(e.is_timeout(), "{e}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    hold.join().unwrap();
}

#[test]
fn a_blocking_call_works_from_spawn_blocking_of_another_runtime() {
    let (_rt, server) = start_server();
    let b = bucket(&server, "blk-unit-spawn-blocking");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let got = rt.block_on(async move {
        tokio::task::spawn_blocking(move || {
            b.put_object("k", "from spawn_blocking").send().unwrap();
            b.get_object("k").send().unwrap().bytes().unwrap()
        })
        .await
        .unwrap()
    });
    assert_eq!(got, b"from spawn_blocking");
}
