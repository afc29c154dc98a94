//! The workloads with this SDK's async API.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use osskit::{Auth, Body, Bucket, CryptoBucket};

use super::{
    check_len, check_listed, cipher_metrics, crc_metrics, crypto_provider, list_metrics,
    measurement, small_body, small_key, task_phase, BenchResult, ENCRYPTED_FIXTURE_KEY, LIST_PAGE,
    LIST_PREFIX,
};
use crate::cli::{ClientArgs, Workload, ACCESS_KEY_ID, ACCESS_KEY_SECRET};
use crate::measure::{add_latency_metrics, throughput_metrics, Measurement};
use crate::pattern::PatternReader;

const NAME: &str = "sdk-async";

/// Runs `args.workload`.
pub async fn run(args: &ClientArgs) -> BenchResult<Measurement> {
    let bucket = client_with_crc(&args.endpoint, &args.bucket, !args.no_crc)?;
    let metrics = match args.workload {
        Workload::Small => small(&bucket, args).await?,
        Workload::Upload => upload(&bucket, args.size).await?,
        Workload::Download => download(&bucket, &args.key, args.size).await?,
        Workload::MultipartUpload => super::sdk_transfer::multipart_upload(&bucket, args).await?,
        Workload::MultipartDownload => {
            super::sdk_transfer::multipart_download(&bucket, args).await?
        }
        Workload::List => list(&bucket, args.list_keys, args.repeat).await?,
        Workload::Crc => crc_metrics(args.size)?,
        Workload::EncryptedUpload => {
            let crypto = CryptoBucket::new(bucket.clone(), crypto_provider(&args.scratch)?);
            encrypted_upload(&crypto, args.size).await?
        }
        Workload::EncryptedDownload => {
            let crypto = CryptoBucket::new(bucket.clone(), crypto_provider(&args.scratch)?);
            encrypted_download(&crypto, args.size).await?
        }
        Workload::Cipher => cipher_metrics(args.size)?,
    };
    Ok(measurement(NAME, args, metrics))
}

/// An async bucket client with the benchmark keys.
pub fn client(endpoint: &str, bucket: &str) -> BenchResult<Bucket> {
    client_with_crc(endpoint, bucket, true)
}

/// An async bucket client with the benchmark keys, CRC-64 checks on or off.
fn client_with_crc(endpoint: &str, bucket: &str, crc: bool) -> BenchResult<Bucket> {
    Bucket::builder(
        Auth::new(ACCESS_KEY_ID, ACCESS_KEY_SECRET),
        endpoint,
        bucket,
    )
    .enable_crc(crc)
    .build()
    .map_err(|e| format!("cannot create the SDK client for {endpoint}: {e}"))
}

async fn small(bucket: &Bucket, args: &ClientArgs) -> BenchResult<BTreeMap<String, f64>> {
    let c = args.concurrency;
    let body = small_body();
    let put = |count: usize, tag: &'static str| {
        let bucket = bucket.clone();
        let body = body.clone();
        task_phase(c, count, move |i| {
            let bucket = bucket.clone();
            let body = body.clone();
            async move {
                let key = format!("{tag}{}", small_key(NAME, c, i));
                bucket
                    .put_object(&key, body)
                    .await
                    .map_err(|e| format!("PUT {key}: {e}"))?;
                Ok(())
            }
        })
    };
    // One round to open the connections, then the measured PUTs.
    put(c, "warm-").await?;
    let mut put_phase = put(args.count, "").await?;
    let b = bucket.clone();
    let mut get_phase = task_phase(c, args.count, move |i| {
        let bucket = b.clone();
        async move {
            let key = small_key(NAME, c, i);
            let got = bucket
                .get_object(&key)
                .await
                .map_err(|e| format!("GET {key}: {e}"))?
                .bytes()
                .await
                .map_err(|e| format!("GET {key} body: {e}"))?;
            check_len(&key, got.len() as u64, super::SMALL_SIZE as u64)
        }
    })
    .await?;
    let mut metrics = BTreeMap::new();
    add_latency_metrics(&mut metrics, "put", &mut put_phase);
    add_latency_metrics(&mut metrics, "get", &mut get_phase);
    Ok(metrics)
}

async fn upload(bucket: &Bucket, size: u64) -> BenchResult<BTreeMap<String, f64>> {
    let key = format!("bench/{NAME}/upload");
    let start = Instant::now();
    bucket
        .put_object(
            &key,
            Body::from_reader(PatternReader::new(size), Some(size)),
        )
        .await
        .map_err(|e| format!("PUT {key}: {e}"))?;
    let elapsed = start.elapsed();
    delete(bucket, &key).await?;
    Ok(throughput_metrics(size, elapsed))
}

async fn download(bucket: &Bucket, key: &str, size: u64) -> BenchResult<BTreeMap<String, f64>> {
    let start = Instant::now();
    let mut out = bucket
        .get_object(key)
        .await
        .map_err(|e| format!("GET {key}: {e}"))?;
    let mut read = 0u64;
    while let Some(chunk) = out.body.next().await {
        read += chunk.map_err(|e| format!("GET {key} body: {e}"))?.len() as u64;
    }
    let elapsed = start.elapsed();
    check_len(key, read, size)?;
    Ok(throughput_metrics(size, elapsed))
}

async fn encrypted_upload(crypto: &CryptoBucket, size: u64) -> BenchResult<BTreeMap<String, f64>> {
    let key = format!("bench/{NAME}/encrypted-upload");
    let start = Instant::now();
    crypto
        .put_object(
            &key,
            Body::from_reader(PatternReader::new(size), Some(size)),
        )
        .await
        .map_err(|e| format!("encrypted PUT {key}: {e}"))?;
    let elapsed = start.elapsed();
    delete(crypto.bucket(), &key).await?;
    Ok(throughput_metrics(size, elapsed))
}

async fn encrypted_download(
    crypto: &CryptoBucket,
    size: u64,
) -> BenchResult<BTreeMap<String, f64>> {
    let key = ENCRYPTED_FIXTURE_KEY;
    let start = Instant::now();
    let mut out = crypto
        .get_object(key)
        .await
        .map_err(|e| format!("encrypted GET {key}: {e}"))?;
    let mut read = 0u64;
    while let Some(chunk) = out.body.next().await {
        read += chunk
            .map_err(|e| format!("encrypted GET {key} body: {e}"))?
            .len() as u64;
    }
    let elapsed = start.elapsed();
    check_len(key, read, size)?;
    Ok(throughput_metrics(size, elapsed))
}

async fn list(bucket: &Bucket, keys: usize, repeat: usize) -> BenchResult<BTreeMap<String, f64>> {
    let mut total = Duration::ZERO;
    for _ in 0..repeat {
        let start = Instant::now();
        let mut pages = bucket
            .list_objects_v2()
            .prefix(LIST_PREFIX)
            .max_keys(LIST_PAGE as u32)
            .into_paginator();
        let mut seen = 0;
        while let Some(page) = pages.next().await {
            seen += page
                .map_err(|e| format!("ListObjectsV2: {e}"))?
                .objects
                .len();
        }
        total += start.elapsed();
        check_listed(seen, keys)?;
    }
    Ok(list_metrics(keys, repeat, total))
}

/// Deletes `key` (after a measurement).
pub async fn delete(bucket: &Bucket, key: &str) -> BenchResult<()> {
    bucket
        .delete_object(key)
        .await
        .map_err(|e| format!("DELETE {key}: {e}"))?;
    Ok(())
}
