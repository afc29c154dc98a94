//! Peak memory of a multi-GiB stream upload and streaming download stays near
//! `parallelism × part size`. The transfer runs in a child process (this test binary run
//! again with an environment variable naming its role) so that its peak RSS (`VmHWM`) is
//! its own; the parent runs the server on the in-memory store.

use std::process::Command;

use bytes::Bytes;
use futures_util::StreamExt;
use osskit::{Auth, Bucket};
use osskit_server::testing::{TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET};
use osskit_server::{Server, ServerConfig};

const ROLE: &str = "OSS_TRANSFER_MEMORY_CHILD";
const ENDPOINT: &str = "OSS_TRANSFER_MEMORY_ENDPOINT";
const BUCKET: &str = "memory-test";
const KEY: &str = "big.bin";
const TOTAL: u64 = 2 * 1024 * 1024 * 1024;
const PART: u64 = 8 * 1024 * 1024;
const PARALLELISM: usize = 4;
const BLOCK: usize = 1024 * 1024;

/// `VmHWM` (peak resident set) of this process, in bytes.
fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib * 1024
}

/// One generated block, repeated: `TOTAL` bytes that cost no memory to produce.
fn block() -> Bytes {
    Bytes::from(
        (0..BLOCK)
            .map(|i| (i % 251) as u8 ^ (i >> 12) as u8)
            .collect::<Vec<u8>>(),
    )
}

async fn child(endpoint: &str) {
    let auth = Auth::new(TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET);
    let bucket = Bucket::new(auth, endpoint, BUCKET).unwrap();
    let b = block();
    let count = TOTAL / BLOCK as u64;
    let expected_crc = {
        let one = osskit::utils::crc64(&b);
        (0..count).fold(0, |acc, _| {
            osskit::utils::crc64_combine(acc, one, BLOCK as u64)
        })
    };
    let stream =
        futures_util::stream::iter((0..count).map(move |_| Ok::<_, std::io::Error>(b.clone())));
    let out = bucket
        .upload_stream(KEY, stream)
        .part_size(PART)
        .parallelism(PARALLELISM)
        .await
        .unwrap();
    assert_eq!(out.size, TOTAL);
    assert_eq!(out.crc64, Some(expected_crc));

    let mut got = bucket.get_object(KEY).await.unwrap();
    let mut n = 0u64;
    while let Some(chunk) = got.body.next().await {
        n += chunk.unwrap().len() as u64;
    }
    assert_eq!(n, TOTAL);
    assert_eq!(got.client_crc(), Some(expected_crc));
    println!("\nPEAK_RSS={}", peak_rss());
}

#[test]
fn stream_upload_and_download_stay_within_memory_bounds() {
    if let Ok(endpoint) = std::env::var(ENDPOINT) {
        if std::env::var(ROLE).is_ok() {
            let rt = tokio::runtime::Runtime::new().unwrap();
            rt.block_on(child(&endpoint));
            return;
        }
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut config = ServerConfig::new(None);
    config
        .credentials
        .push((TEST_ACCESS_KEY_ID.into(), TEST_ACCESS_KEY_SECRET.into()));
    let server = rt.block_on(Server::start(config)).unwrap();
    let auth = Auth::new(TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET);
    let bucket = Bucket::new(auth, &server.endpoint(), BUCKET).unwrap();
    rt.block_on(bucket.create_bucket().send()).unwrap();

    let started = std::time::Instant::now();
    let output = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "stream_upload_and_download_stay_within_memory_bounds",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(ROLE, "1")
        .env(ENDPOINT, server.endpoint())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    rt.block_on(bucket.delete_object(KEY).send()).unwrap();
    rt.block_on(bucket.delete_bucket().send()).unwrap();
    assert!(output.status.success(), "child failed:\n{stdout}\n{stderr}");
    let peak: u64 = stdout
        .lines()
        .find_map(|l| l.split("PEAK_RSS=").nth(1))
        .unwrap_or_else(|| panic!("no PEAK_RSS in the child's output:\n{stdout}"))
        .trim()
        .parse()
        .unwrap();
    let limit = PARALLELISM as u64 * PART + 64 * 1024 * 1024;
    eprintln!(
        "{} GiB up and down in {:?}, peak RSS {} MiB (limit {} MiB)",
        TOTAL >> 30,
        started.elapsed(),
        peak >> 20,
        limit >> 20
    );
    assert!(peak < limit, "peak RSS {peak} bytes exceeds {limit}");
}
