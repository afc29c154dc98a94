//! Data survives a restart and a kill -9 in the middle of a PUT.

mod common;

use common::*;
use osskit_server::testing::*;
use osskit_server::Server;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use tokio::io::AsyncWriteExt;

#[tokio::test]
async fn objects_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(TestServer::config(dir.path())).await.unwrap();
    let c = Client::new(&server.endpoint());
    c.create_bucket("persist").await;
    let data = pattern(9, 700_000);
    c.put_ok("persist", "big", &data).await;
    let r = c
        .send(
            "POST",
            Some("persist"),
            "log",
            &[("append", ""), ("position", "0")],
            &[],
            b"one".to_vec(),
        )
        .await;
    assert_eq!(r.status(), 200);
    server.shutdown().await;

    let server = Server::start(TestServer::config(dir.path())).await.unwrap();
    let c = Client::new(&server.endpoint());
    assert_eq!(c.get_bytes("persist", "big").await, data);
    let r = c
        .send(
            "POST",
            Some("persist"),
            "log",
            &[("append", ""), ("position", "3")],
            &[],
            b"two".to_vec(),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(c.get_bytes("persist", "log").await, b"onetwo");
    server.shutdown().await;
}

struct Child9(Child);

impl Drop for Child9 {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the binary and returns it with its endpoint (read from its first stdout line).
fn spawn_server(dir: &std::path::Path) -> (Child9, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_oss-server"))
        .args(["--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir)
        .args([
            "--access-key-id",
            TEST_ACCESS_KEY_ID,
            "--access-key-secret",
            TEST_ACCESS_KEY_SECRET,
        ])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let start = line.find("http://").expect("endpoint line");
    let endpoint = line[start..].trim().to_string();
    (Child9(child), endpoint)
}

#[tokio::test]
async fn kill_9_during_a_put_leaves_the_old_object() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, endpoint) = spawn_server(dir.path());
    let c = Client::new(&endpoint);
    c.create_bucket("crash").await;
    let old = pattern(1, 100_000);
    c.put_ok("crash", "obj", &old).await;

    // Start a 16 MiB PUT by hand, send half of it, then kill the server.
    let size = 16 * 1024 * 1024;
    let new = pattern(2, size);
    let headers = c.sign("PUT", Some("crash"), "obj", &[], &[]);
    let addr = endpoint.trim_start_matches("http://").to_string();
    let mut sock = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let mut head = format!("PUT /crash/obj HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {size}\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    sock.write_all(head.as_bytes()).await.unwrap();
    sock.write_all(&new[..size / 2]).await.unwrap();
    sock.flush().await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    child.0.kill().unwrap();
    child.0.wait().unwrap();
    drop(sock);

    let (_child, endpoint) = spawn_server(dir.path());
    let c = Client::new(&endpoint);
    let r = c.get("crash", "obj").await;
    assert_eq!(r.status(), 200);
    let got = r.bytes().await.unwrap();
    assert!(
        got.as_ref() == &old[..],
        "the object is torn: {} bytes",
        got.len()
    );
    // No temporary files are left behind once the store has started.
    let tmp = dir.path().join("tmp");
    if tmp.exists() {
        assert_eq!(std::fs::read_dir(&tmp).unwrap().count(), 0);
    }
    c.put_ok("crash", "obj", &new).await;
    assert_eq!(c.get_bytes("crash", "obj").await, new);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_under_concurrent_puts_keeps_every_acknowledged_object() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, endpoint) = spawn_server(dir.path());
    let c = Client::new(&endpoint);
    c.create_bucket("burst").await;

    // 16 writers put distinct keys as fast as they can; each remembers what was answered 200.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut writers = Vec::new();
    for w in 0..16 {
        let (c, stop) = (Client::new(&endpoint), stop.clone());
        writers.push(tokio::spawn(async move {
            let mut acked = Vec::new();
            let mut i = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let key = format!("w{w}/{i}");
                let data = pattern(w * 31 + i as u32, 3000 + i);
                i += 1;
                let params = owned(&[]);
                let headers = c.sign("PUT", Some("burst"), &key, &params, &[]);
                let mut rb = c.http.put(c.url(Some("burst"), &key, &params));
                for (k, v) in headers {
                    rb = rb.header(k, v);
                }
                match rb.body(data.clone()).send().await {
                    Ok(r) if r.status() == 200 => acked.push((key, data)),
                    _ => break,
                }
            }
            acked
        }));
    }
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    child.0.kill().unwrap();
    child.0.wait().unwrap();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut acked = Vec::new();
    for w in writers {
        acked.extend(w.await.unwrap());
    }
    assert!(acked.len() > 16, "only {} puts were answered", acked.len());

    let (_child, endpoint) = spawn_server(dir.path());
    let c = Client::new(&endpoint);
    for (key, data) in &acked {
        let r = c.get("burst", key).await;
        assert_eq!(r.status(), 200, "acknowledged {key} is gone after kill -9");
        assert_eq!(&r.bytes().await.unwrap()[..], &data[..], "{key}");
    }
}
