//! The workloads with OpenDAL's OSS service (path-style addressing, its own V1 signing).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use opendal::{Buffer, Operator};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{
    check_len, check_listed, list_metrics, measurement, small_body, small_key, task_phase,
    BenchResult, LIST_PAGE, LIST_PREFIX, PARALLELISM, PART_SIZE,
};
use crate::cli::{ClientArgs, Workload, ACCESS_KEY_ID, ACCESS_KEY_SECRET};
use crate::measure::{add_latency_metrics, throughput_metrics, Measurement};

const NAME: &str = "opendal";

/// Runs `args.workload`.
pub async fn run(args: &ClientArgs) -> BenchResult<Measurement> {
    let op = operator(&args.endpoint, &args.bucket)?;
    let metrics = match args.workload {
        Workload::Small => small(&op, args).await?,
        Workload::Upload => upload(&op, args.size).await?,
        Workload::Download => download(&op, &args.key, args.size).await?,
        Workload::MultipartUpload => multipart_upload(&op, args).await?,
        Workload::MultipartDownload => multipart_download(&op, args).await?,
        Workload::List => list(&op, args.list_keys, args.repeat).await?,
        Workload::Crc => {
            return Err("OpenDAL offers no CRC-64 of its own: nothing to measure".to_string())
        }
        Workload::EncryptedUpload | Workload::EncryptedDownload | Workload::Cipher => {
            return Err("OpenDAL has no client-side encryption: nothing to measure".to_string())
        }
    };
    Ok(measurement(NAME, args, metrics))
}

/// An operator on `bucket` at `endpoint` (`http://127.0.0.1:PORT`) with the benchmark keys.
///
/// OpenDAL is used with its default virtual-hosted addressing: requests go to
/// `http://BUCKET.localhost:PORT` (the server serves `localhost` as a base domain), with the
/// HTTP client resolving that name to the server's address. Its path-style addressing
/// cannot list: it sends `GET /BUCKET?list-type=2` without the trailing slash and signs
/// the resource `/BUCKET`, where OSS signs `/BUCKET/` (`SignatureDoesNotMatch`).
pub fn operator(endpoint: &str, bucket: &str) -> BenchResult<Operator> {
    let addr = endpoint
        .strip_prefix("http://")
        .and_then(|a| a.parse::<std::net::SocketAddr>().ok())
        .ok_or_else(|| format!("OpenDAL needs an http://IP:PORT endpoint, got {endpoint:?}"))?;
    // Both reqwest versions in the build use rustls; OpenDAL's leaves the provider to us.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest_opendal::Client::builder()
        .resolve(&format!("{bucket}.localhost"), addr)
        .build()
        .map_err(|e| format!("cannot build OpenDAL's HTTP client: {e}"))?;
    opendal::init_default_registry();
    opendal::HttpTransporter::install_default(
        opendal_http_transport_reqwest::ReqwestTransport::new(client),
    );
    let builder = opendal::services::Oss::default()
        .endpoint(&format!("http://localhost:{}", addr.port()))
        .bucket(bucket)
        .access_key_id(ACCESS_KEY_ID)
        .access_key_secret(ACCESS_KEY_SECRET);
    Operator::new(builder)
        .map_err(|e| format!("cannot configure OpenDAL's OSS service for {endpoint}: {e}"))
}

async fn small(op: &Operator, args: &ClientArgs) -> BenchResult<BTreeMap<String, f64>> {
    let c = args.concurrency;
    let body = small_body();
    let put = |count: usize, tag: &'static str| {
        let op = op.clone();
        let body = body.clone();
        task_phase(c, count, move |i| {
            let op = op.clone();
            let body = body.clone();
            async move {
                let key = format!("{tag}{}", small_key(NAME, c, i));
                op.write(&key, body)
                    .await
                    .map_err(|e| format!("PUT {key}: {e}"))?;
                Ok(())
            }
        })
    };
    put(c, "warm-").await?;
    let mut put_phase = put(args.count, "").await?;
    let o = op.clone();
    let mut get_phase = task_phase(c, args.count, move |i| {
        let op = o.clone();
        async move {
            let key = small_key(NAME, c, i);
            let got = op.read(&key).await.map_err(|e| format!("GET {key}: {e}"))?;
            check_len(&key, got.len() as u64, super::SMALL_SIZE as u64)
        }
    })
    .await?;
    let mut metrics = BTreeMap::new();
    add_latency_metrics(&mut metrics, "put", &mut put_phase);
    add_latency_metrics(&mut metrics, "get", &mut get_phase);
    Ok(metrics)
}

async fn upload(op: &Operator, size: u64) -> BenchResult<BTreeMap<String, f64>> {
    let key = format!("bench/{NAME}/upload");
    // One PUT of a buffer made of the shared block repeated: no copy of the whole object.
    let body = Buffer::from(crate::pattern::chunks(size));
    let start = Instant::now();
    op.write(&key, body)
        .await
        .map_err(|e| format!("PUT {key}: {e}"))?;
    let elapsed = start.elapsed();
    delete(op, &key).await?;
    Ok(throughput_metrics(size, elapsed))
}

async fn download(op: &Operator, key: &str, size: u64) -> BenchResult<BTreeMap<String, f64>> {
    let start = Instant::now();
    let mut stream = op
        .reader(key)
        .await
        .map_err(|e| format!("GET {key}: {e}"))?
        .into_bytes_stream(..)
        .await
        .map_err(|e| format!("GET {key}: {e}"))?;
    let mut read = 0u64;
    while let Some(chunk) = stream.next().await {
        read += chunk.map_err(|e| format!("GET {key} body: {e}"))?.len() as u64;
    }
    let elapsed = start.elapsed();
    check_len(key, read, size)?;
    Ok(throughput_metrics(size, elapsed))
}

async fn multipart_upload(op: &Operator, args: &ClientArgs) -> BenchResult<BTreeMap<String, f64>> {
    let source = args
        .source
        .as_ref()
        .ok_or("the multipart upload needs --source")?;
    let key = format!("bench/{NAME}/multipart");
    let start = Instant::now();
    let mut file = tokio::fs::File::open(source)
        .await
        .map_err(|e| format!("cannot open {}: {e}", source.display()))?;
    let mut writer = op
        .writer_with(&key)
        .chunk(PART_SIZE as usize)
        .concurrent(PARALLELISM)
        .await
        .map_err(|e| format!("multipart upload of {key}: {e}"))?;
    let mut sent = 0u64;
    loop {
        let mut buf = Vec::with_capacity(PART_SIZE as usize);
        (&mut file)
            .take(PART_SIZE)
            .read_to_end(&mut buf)
            .await
            .map_err(|e| format!("cannot read {}: {e}", source.display()))?;
        if buf.is_empty() {
            break;
        }
        sent += buf.len() as u64;
        writer
            .write(buf)
            .await
            .map_err(|e| format!("multipart upload of {key}: {e}"))?;
    }
    writer
        .close()
        .await
        .map_err(|e| format!("completing the multipart upload of {key}: {e}"))?;
    let elapsed = start.elapsed();
    delete(op, &key).await?;
    check_len(&key, sent, args.size)?;
    Ok(throughput_metrics(sent, elapsed))
}

async fn multipart_download(
    op: &Operator,
    args: &ClientArgs,
) -> BenchResult<BTreeMap<String, f64>> {
    let key = &args.key;
    let target = args.scratch.join(format!("{NAME}-download.bin"));
    let start = Instant::now();
    let mut stream = op
        .reader_with(key)
        .chunk(PART_SIZE as usize)
        .concurrent(PARALLELISM)
        .await
        .map_err(|e| format!("GET {key}: {e}"))?
        .into_bytes_stream(..)
        .await
        .map_err(|e| format!("GET {key}: {e}"))?;
    let mut file = tokio::fs::File::create(&target)
        .await
        .map_err(|e| format!("cannot create {}: {e}", target.display()))?;
    let mut read = 0u64;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| format!("GET {key} body: {e}"))?;
        read += chunk.len() as u64;
        file.write_all(&chunk)
            .await
            .map_err(|e| format!("cannot write {}: {e}", target.display()))?;
    }
    file.flush()
        .await
        .map_err(|e| format!("cannot write {}: {e}", target.display()))?;
    let elapsed = start.elapsed();
    drop(file);
    let _ = tokio::fs::remove_file(&target).await;
    check_len(key, read, args.size)?;
    Ok(throughput_metrics(read, elapsed))
}

async fn list(op: &Operator, keys: usize, repeat: usize) -> BenchResult<BTreeMap<String, f64>> {
    let mut total = Duration::ZERO;
    for _ in 0..repeat {
        let start = Instant::now();
        let mut lister = op
            .lister_with(LIST_PREFIX)
            .limit(LIST_PAGE)
            .await
            .map_err(|e| format!("list {LIST_PREFIX}: {e}"))?;
        let mut seen = 0;
        while let Some(entry) = lister.next().await {
            let entry = entry.map_err(|e| format!("list {LIST_PREFIX}: {e}"))?;
            if entry.metadata().is_file() {
                seen += 1;
            }
        }
        total += start.elapsed();
        check_listed(seen, keys)?;
    }
    Ok(list_metrics(keys, repeat, total))
}

async fn delete(op: &Operator, key: &str) -> BenchResult<()> {
    op.delete(key)
        .await
        .map_err(|e| format!("DELETE {key}: {e}"))
}
