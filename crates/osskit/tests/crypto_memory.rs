//! Encryption and decryption stream: the peak memory of an encrypted upload and download does
//! not grow with the object. The transfer runs in a child process (this test binary run again
//! with an environment variable naming its role) so that its peak RSS (`VmHWM`) is its own.

use std::process::Command;

use bytes::Bytes;
use futures_util::StreamExt;
use osskit::crypto::{CryptoBucket, RsaProvider};
use osskit::{Auth, Body, Bucket};
use osskit_server::testing::{TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET};
use osskit_server::{Server, ServerConfig};

const ROLE: &str = "OSS_CRYPTO_MEMORY_CHILD";
const ENDPOINT: &str = "OSS_CRYPTO_MEMORY_ENDPOINT";
const BUCKET: &str = "crypto-memory";
const BLOCK: usize = 1024 * 1024;
/// Blocks of the object (debug builds encrypt slowly: kept modest).
const BLOCKS: usize = 48;
const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/crypto");

/// `VmHWM` (peak resident set) of this process, in bytes.
fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib * 1024
}

async fn child(endpoint: &str) {
    let read = |f: &str| std::fs::read_to_string(format!("{DATA}/{f}")).unwrap();
    let provider = RsaProvider::new(
        &read("compact.public_key.pem"),
        &read("compact.private_key.pem"),
    )
    .unwrap();
    let bucket = Bucket::new(
        Auth::new(TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET),
        endpoint,
        BUCKET,
    )
    .unwrap();
    let crypto = CryptoBucket::new(bucket, provider);
    let block = Bytes::from(
        (0..BLOCK)
            .map(|i| (i % 251) as u8 ^ (i >> 12) as u8)
            .collect::<Vec<u8>>(),
    );
    crypto.put_object("warm", "x").await.unwrap();
    let base = peak_rss();
    let b = block.clone();
    let stream =
        futures_util::stream::iter((0..BLOCKS).map(move |_| Ok::<_, std::io::Error>(b.clone())));
    crypto
        .put_object("big", Body::from_stream(stream))
        .await
        .unwrap();
    let mut got = crypto.get_object("big").await.unwrap();
    let mut n = 0usize;
    while let Some(chunk) = got.body.next().await {
        let chunk = chunk.unwrap();
        // Spot-check the plaintext as it streams by.
        assert_eq!(chunk[0], block[n % BLOCK], "byte {n}");
        n += chunk.len();
    }
    assert_eq!(n, BLOCKS * BLOCK);
    assert_eq!(got.client_crc(), got.server_crc);
    println!("\nBASE_RSS={base}\nPEAK_RSS={}", peak_rss());
}

fn value(stdout: &str, name: &str) -> u64 {
    stdout
        .lines()
        .find_map(|l| l.split(&format!("{name}=")).nth(1))
        .unwrap_or_else(|| panic!("no {name} in the child's output:\n{stdout}"))
        .trim()
        .parse()
        .unwrap()
}

#[test]
fn encrypted_transfers_stream_in_bounded_memory() {
    if let (Ok(endpoint), Ok(_)) = (std::env::var(ENDPOINT), std::env::var(ROLE)) {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(child(&endpoint));
        return;
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut config = ServerConfig::new(None);
    config
        .credentials
        .push((TEST_ACCESS_KEY_ID.into(), TEST_ACCESS_KEY_SECRET.into()));
    let server = rt.block_on(Server::start(config)).unwrap();
    let bucket = Bucket::new(
        Auth::new(TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET),
        &server.endpoint(),
        BUCKET,
    )
    .unwrap();
    rt.block_on(bucket.create_bucket().send()).unwrap();
    let output = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "encrypted_transfers_stream_in_bounded_memory",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(ROLE, "1")
        .env(ENDPOINT, server.endpoint())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "child failed:\n{stdout}\n{stderr}");
    let (base, peak) = (value(&stdout, "BASE_RSS"), value(&stdout, "PEAK_RSS"));
    let growth = peak.saturating_sub(base);
    let object = (BLOCKS * BLOCK) as u64;
    eprintln!(
        "{} MiB encrypted up and down: peak RSS {} MiB, {} MiB above the start",
        object >> 20,
        peak >> 20,
        growth >> 20
    );
    // Holding the object (or its ciphertext) would add 48 MiB.
    assert!(
        growth < object / 3,
        "the peak grew by {growth} bytes for a {object}-byte object"
    );
}
