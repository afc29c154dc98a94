//! Memory does not grow with object size: a 512 MiB object goes up through `put_multipart`
//! (`WriteMultipart`, 8 MiB parts, 4 in flight) and comes down through a streaming `get`
//! while the peak RSS of the process doing it stays near parallelism × part size. The
//! transfer runs in a child process (this test binary again, with an environment variable
//! naming its role) so that the peak is its own; the parent runs the server on the
//! in-memory store.

use std::process::Command;

use bytes::Bytes;
use futures_util::StreamExt;
use object_store::path::Path;
use object_store::{ObjectStoreExt, WriteMultipart};
use osskit_object_store::{OssBuilder, OssStore};
use osskit_server::testing::{TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET};
use osskit_server::{Server, ServerConfig};

const ROLE: &str = "OSSKIT_OBJECT_STORE_MEMORY_CHILD";
const ENDPOINT: &str = "OSSKIT_OBJECT_STORE_MEMORY_ENDPOINT";
const BUCKET: &str = "object-store-memory";
const KEY: &str = "big/object.bin";
const TOTAL: u64 = 512 * 1024 * 1024;
const PART: usize = 8 * 1024 * 1024;
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
    (0..BLOCK)
        .map(|i| (i % 251) as u8 ^ (i >> 12) as u8)
        .collect::<Vec<u8>>()
        .into()
}

fn store(endpoint: &str) -> OssStore {
    OssBuilder::new()
        .with_endpoint(endpoint)
        .with_region("cn-hangzhou")
        .with_bucket(BUCKET)
        .with_access_key_id(TEST_ACCESS_KEY_ID)
        .with_access_key_secret(TEST_ACCESS_KEY_SECRET)
        .build()
        .unwrap()
}

async fn child(endpoint: &str) {
    let store = store(endpoint);
    let path = Path::from(KEY);
    let b = block();
    let count = TOTAL / BLOCK as u64;
    let upload = store.put_multipart(&path).await.unwrap();
    let mut writer = WriteMultipart::new_with_chunk_size(upload, PART);
    for _ in 0..count {
        writer.wait_for_capacity(PARALLELISM).await.unwrap();
        writer.put(b.clone());
    }
    writer.finish().await.unwrap();

    // The download streams; every block is compared as it arrives (the store itself
    // checks the CRC-64 of the whole object at the end of the stream).
    let got = store.get(&path).await.unwrap();
    assert_eq!(got.meta.size, TOTAL);
    let mut stream = got.into_stream();
    let mut offset = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.unwrap();
        let mut at = 0;
        while at < chunk.len() {
            let in_block = (offset + at) % BLOCK;
            let n = (chunk.len() - at).min(BLOCK - in_block);
            assert_eq!(
                chunk[at..at + n],
                b[in_block..in_block + n],
                "bytes at {}",
                offset + at
            );
            at += n;
        }
        offset += chunk.len();
    }
    assert_eq!(offset as u64, TOTAL);
    println!("\nPEAK_RSS={}", peak_rss());
}

#[test]
fn put_multipart_and_streaming_get_stay_within_memory_bounds() {
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
    let store = store(&server.endpoint());
    rt.block_on(store.bucket().create_bucket().send()).unwrap();

    let started = std::time::Instant::now();
    let output = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "put_multipart_and_streaming_get_stay_within_memory_bounds",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(ROLE, "1")
        .env(ENDPOINT, server.endpoint())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    rt.block_on(store.delete(&Path::from(KEY))).unwrap();
    assert!(output.status.success(), "child failed:\n{stdout}\n{stderr}");
    let peak: u64 = stdout
        .lines()
        .find_map(|l| l.split("PEAK_RSS=").nth(1))
        .unwrap_or_else(|| panic!("no PEAK_RSS in the child's output:\n{stdout}"))
        .trim()
        .parse()
        .unwrap();
    // Parts in flight (each possibly copied once into one buffer), the part being filled,
    // and the process itself.
    let limit = (2 * PARALLELISM + 1) as u64 * PART as u64 + 64 * 1024 * 1024;
    eprintln!(
        "{} MiB up and down in {:?}, peak RSS {} MiB (limit {} MiB)",
        TOTAL >> 20,
        started.elapsed(),
        peak >> 20,
        limit >> 20
    );
    assert!(peak < limit, "peak RSS {peak} bytes exceeds {limit}");
}
