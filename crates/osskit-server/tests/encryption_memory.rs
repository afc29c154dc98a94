//! Encryption at rest streams: a 256 MiB object written and read back under server-side
//! encryption (whole and by range) leaves the peak memory (`VmHWM`) of the real `oss-server`
//! process far below the object's size, and the bytes come back exactly.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use bytes::Bytes;
use common::Client;
use futures_util::StreamExt;
use osskit_server::testing::{TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET};

const BLOCK: usize = 1024 * 1024;
const BLOCKS: u64 = 256;
const TOTAL: u64 = BLOCKS * BLOCK as u64;

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn block() -> Bytes {
    Bytes::from(
        (0..BLOCK)
            .map(|i| (i % 251) as u8 ^ (i >> 12) as u8)
            .collect::<Vec<u8>>(),
    )
}

/// `VmHWM` (peak resident set) of process `pid`, in bytes.
fn peak_rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib * 1024
}

#[tokio::test]
async fn encrypted_objects_stream_through_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_oss-server"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--lifecycle-interval",
            "0",
            "--data-dir",
        ])
        .arg(dir.path())
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
    let endpoint = line[line.find("http://").unwrap()..].trim().to_string();
    let server = Server(child);
    let pid = server.0.id();
    let c = Client::new(&endpoint);
    c.create_bucket("sse-memory").await;
    let before = peak_rss(pid);

    let b = block();
    let one = osskit_proto::crc64::crc64(&b);
    let expected = (0..BLOCKS).fold(0, |acc, _| {
        osskit_proto::crc64::combine(acc, one, BLOCK as u64)
    });
    let body =
        futures_util::stream::iter((0..BLOCKS).map(move |_| Ok::<_, std::io::Error>(b.clone())));
    let r = c
        .send(
            "PUT",
            Some("sse-memory"),
            "big",
            &[],
            &[("x-oss-server-side-encryption", "AES256")],
            reqwest::Body::wrap_stream(body),
        )
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    assert_eq!(common::header(&r, "x-oss-server-side-encryption"), "AES256");
    assert_eq!(
        common::header(&r, "x-oss-hash-crc64ecma"),
        expected.to_string()
    );

    let r = c.get("sse-memory", "big").await;
    assert_eq!(r.status(), 200);
    let mut stream = r.bytes_stream();
    let (mut n, mut crc) = (0u64, 0u64);
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.unwrap();
        crc = osskit_proto::crc64::combine(
            crc,
            osskit_proto::crc64::crc64(&chunk),
            chunk.len() as u64,
        );
        n += chunk.len() as u64;
    }
    assert_eq!((n, crc), (TOTAL, expected));

    // A range across blocks, read from the middle of the key stream.
    let start = 100 * BLOCK as u64 + 7;
    let len = 3 * BLOCK as u64;
    let range = format!("bytes={start}-{}", start + len - 1);
    let r = c
        .send(
            "GET",
            Some("sse-memory"),
            "big",
            &[],
            &[("range", range.as_str())],
            Vec::new(),
        )
        .await;
    assert_eq!(r.status(), 206);
    let got = r.bytes().await.unwrap();
    let b = block();
    let want: Vec<u8> = (start..start + len)
        .map(|i| b[(i % BLOCK as u64) as usize])
        .collect();
    assert!(got[..] == want[..]);

    let peak = peak_rss(pid);
    let limit = before + 64 * 1024 * 1024;
    eprintln!(
        "server peak RSS {} MiB before, {} MiB after moving {} MiB (limit {} MiB)",
        before >> 20,
        peak >> 20,
        TOTAL >> 20,
        limit >> 20
    );
    assert!(peak < limit, "peak RSS {peak} exceeds {limit}");
}
