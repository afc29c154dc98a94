//! Load generator for the local server: N concurrent clients doing small PUT then GET over
//! keep-alive connections with V1-signed requests, and one large streamed PUT and GET.
//!
//! ```text
//! cargo run --release -p oss-server --example load -- --store disk --concurrency 16
//! cargo run --release -p oss-server --example load -- --store memory --big-mib 1024
//! cargo run --release -p oss-server --example load -- --endpoint http://127.0.0.1:9000
//! ```
//!
//! Without `--endpoint` a server is started in this process (on disk in a temporary
//! directory, or in memory). With `--endpoint` the keys must be those of
//! `osskit_server::testing` (`oss-server --access-key-id LTAI-local-test
//! --access-key-secret local-test-secret`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use clap::Parser;
use osskit_proto::encoding::quote;
use osskit_proto::sign::{sign_headers, Credentials, SignableRequest, SigningContext};
use osskit_server::testing::{TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET};
use osskit_server::{Server, ServerConfig};

#[derive(Debug, Parser)]
struct Args {
    /// Store of the in-process server: `disk` or `memory`.
    #[arg(long, default_value = "disk")]
    store: String,
    /// Use a running server instead of starting one.
    #[arg(long)]
    endpoint: Option<String>,
    /// Concurrent clients (each on its own keep-alive connection).
    #[arg(long, default_value_t = 1)]
    concurrency: usize,
    /// How long the small-object phase runs, in seconds.
    #[arg(long, default_value_t = 5.0)]
    seconds: f64,
    /// Size of the small objects, in bytes.
    #[arg(long, default_value_t = 4096)]
    size: usize,
    /// Size of the large object, in MiB (0 skips the large phase).
    #[arg(long, default_value_t = 0)]
    big_mib: u64,
    /// Skip the small-object phase.
    #[arg(long)]
    no_small: bool,
}

type Failure = Box<dyn std::error::Error + Send + Sync>;

/// A minimal V1-signing client.
#[derive(Clone)]
struct Client {
    http: reqwest::Client,
    endpoint: String,
    creds: Arc<Credentials>,
}

impl Client {
    fn request(
        &self,
        method: reqwest::Method,
        bucket: &str,
        key: &str,
    ) -> Result<reqwest::RequestBuilder, Failure> {
        let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs() as i64;
        let req = SignableRequest {
            method: method.as_str(),
            bucket: Some(bucket),
            key: Some(key),
            params: &[],
            headers: &[],
        };
        let signed = sign_headers(&req, &SigningContext::v1(&self.creds, now))?;
        let url = format!("{}/{bucket}/{}", self.endpoint, quote(key, ""));
        let mut rb = self.http.request(method, url);
        for (k, v) in signed {
            rb = rb.header(k, v);
        }
        Ok(rb)
    }

    async fn expect_ok(rb: reqwest::RequestBuilder) -> Result<reqwest::Response, Failure> {
        let r = rb.send().await?;
        if !r.status().is_success() {
            let status = r.status();
            let text = r.text().await.unwrap_or_default();
            return Err(format!("{status}: {text}").into());
        }
        Ok(r)
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

async fn small_phase(client: &Client, args: &Args) -> Result<(), Failure> {
    let body = Bytes::from(vec![0x5au8; args.size]);
    let deadline = Instant::now() + Duration::from_secs_f64(args.seconds);
    let errors = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for worker in 0..args.concurrency {
        // One connection per worker: separate clients do not share a pool.
        let mut client = client.clone();
        client.http = reqwest::Client::builder().no_proxy().build()?;
        let body = body.clone();
        let errors = errors.clone();
        tasks.push(tokio::spawn(async move {
            let mut puts = Vec::new();
            let mut gets = Vec::new();
            let mut i = 0u64;
            while Instant::now() < deadline {
                let key = format!("load/{worker}/{i}");
                i += 1;
                let t = Instant::now();
                let put = match client.request(reqwest::Method::PUT, "load", &key) {
                    Ok(rb) => Client::expect_ok(rb.body(body.clone())).await,
                    Err(e) => Err(e),
                };
                if put.is_err() {
                    errors.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
                puts.push(t.elapsed());
                let t = Instant::now();
                let got = match client.request(reqwest::Method::GET, "load", &key) {
                    Ok(rb) => match Client::expect_ok(rb).await {
                        Ok(r) => r.bytes().await.map_err(Failure::from),
                        Err(e) => Err(e),
                    },
                    Err(e) => Err(e),
                };
                match got {
                    Ok(b) if b.len() == body.len() => gets.push(t.elapsed()),
                    _ => {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            (puts, gets)
        }));
    }
    let started = Instant::now();
    let mut puts = Vec::new();
    let mut gets = Vec::new();
    for t in tasks {
        let (p, g) = t.await?;
        puts.extend(p);
        gets.extend(g);
    }
    let secs = started.elapsed().as_secs_f64();
    puts.sort();
    gets.sort();
    println!(
        "small: store={} concurrency={} size={} seconds={secs:.1} errors={}",
        args.store,
        args.concurrency,
        args.size,
        errors.load(Ordering::Relaxed)
    );
    println!(
        "  PUT {:>8} ops  {:>9.0} ops/s  p50 {:?}  p99 {:?}",
        puts.len(),
        puts.len() as f64 / secs,
        percentile(&puts, 0.5),
        percentile(&puts, 0.99)
    );
    println!(
        "  GET {:>8} ops  {:>9.0} ops/s  p50 {:?}  p99 {:?}",
        gets.len(),
        gets.len() as f64 / secs,
        percentile(&gets, 0.5),
        percentile(&gets, 0.99)
    );
    println!(
        "  PUT+GET pairs {:.0}/s",
        puts.len().min(gets.len()) as f64 / secs
    );
    Ok(())
}

async fn big_phase(client: &Client, mib: u64) -> Result<(), Failure> {
    const CHUNK: usize = 1024 * 1024;
    let chunk = Bytes::from((0..CHUNK).map(|i| (i % 251) as u8).collect::<Vec<u8>>());
    let total = mib * CHUNK as u64;
    let stream = futures_util::stream::iter(
        (0..mib).map(move |_| Ok::<Bytes, std::io::Error>(chunk.clone())),
    );
    let t = Instant::now();
    let rb = client
        .request(reqwest::Method::PUT, "load", "big")?
        .header("content-length", total.to_string())
        .body(reqwest::Body::wrap_stream(stream));
    Client::expect_ok(rb).await?;
    let put_secs = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let mut r = Client::expect_ok(client.request(reqwest::Method::GET, "load", "big")?).await?;
    let mut got = 0u64;
    while let Some(c) = r.chunk().await? {
        got += c.len() as u64;
    }
    let get_secs = t.elapsed().as_secs_f64();
    if got != total {
        return Err(format!("GET returned {got} bytes, expected {total}").into());
    }
    let mb = total as f64 / 1e6;
    println!(
        "big: {mib} MiB  PUT {:.0} MB/s ({put_secs:.2} s)  GET {:.0} MB/s ({get_secs:.2} s)",
        mb / put_secs,
        mb / get_secs
    );
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let args = Args::parse();
    let dir = tempfile::tempdir()?;
    let mut server = None;
    let endpoint = match &args.endpoint {
        Some(e) => e.trim_end_matches('/').to_string(),
        None => {
            let data_dir = match args.store.as_str() {
                "disk" => Some(dir.path().to_path_buf()),
                "memory" => None,
                other => return Err(format!("unknown store {other:?}: disk or memory").into()),
            };
            let mut config = ServerConfig::new(data_dir);
            config
                .credentials
                .push((TEST_ACCESS_KEY_ID.into(), TEST_ACCESS_KEY_SECRET.into()));
            let s = Server::start(config).await?;
            let e = s.endpoint();
            server = Some(s);
            e
        }
    };
    let client = Client {
        http: reqwest::Client::builder().no_proxy().build()?,
        endpoint,
        creds: Arc::new(Credentials::new(TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET)),
    };
    let create = client
        .request(reqwest::Method::PUT, "load", "")?
        .send()
        .await?;
    if !create.status().is_success() && create.status() != reqwest::StatusCode::CONFLICT {
        return Err(format!("create bucket: {}", create.status()).into());
    }
    if !args.no_small {
        small_phase(&client, &args).await?;
    }
    if args.big_mib > 0 {
        big_phase(&client, args.big_mib).await?;
    }
    if let Some(s) = server {
        s.shutdown().await;
    }
    Ok(())
}
