//! The workloads with this SDK's blocking facade (requests from OS threads).

use std::collections::BTreeMap;
use std::io::Read;
use std::time::{Duration, Instant};

use osskit::blocking::{Bucket, CryptoBucket};
use osskit::{Auth, Body};

use super::{
    check_len, check_listed, cipher_metrics, crc_metrics, crypto_provider, list_metrics,
    measurement, small_body, small_key, thread_phase, BenchResult, ENCRYPTED_FIXTURE_KEY,
    LIST_PAGE, LIST_PREFIX,
};
use crate::cli::{ClientArgs, Workload, ACCESS_KEY_ID, ACCESS_KEY_SECRET};
use crate::measure::{add_latency_metrics, throughput_metrics, Measurement};
use crate::pattern::PatternReader;

const NAME: &str = "sdk-blocking";

/// Runs `args.workload`.
pub fn run(args: &ClientArgs) -> BenchResult<Measurement> {
    let bucket = Bucket::builder(
        Auth::new(ACCESS_KEY_ID, ACCESS_KEY_SECRET),
        &args.endpoint,
        &args.bucket,
    )
    .enable_crc(!args.no_crc)
    .build()
    .map_err(|e| {
        format!(
            "cannot create the blocking SDK client for {}: {e}",
            args.endpoint
        )
    })?;
    let metrics = match args.workload {
        Workload::Small => small(&bucket, args)?,
        Workload::Upload => upload(&bucket, args.size)?,
        Workload::Download => download(&bucket, &args.key, args.size)?,
        Workload::MultipartUpload => super::sdk_transfer::blocking_multipart_upload(&bucket, args)?,
        Workload::MultipartDownload => {
            super::sdk_transfer::blocking_multipart_download(&bucket, args)?
        }
        Workload::List => list(&bucket, args.list_keys, args.repeat)?,
        Workload::Crc => crc_metrics(args.size)?,
        Workload::EncryptedUpload => {
            let crypto = CryptoBucket::new(bucket.clone(), crypto_provider(&args.scratch)?);
            encrypted_upload(&crypto, args.size)?
        }
        Workload::EncryptedDownload => {
            let crypto = CryptoBucket::new(bucket.clone(), crypto_provider(&args.scratch)?);
            encrypted_download(&crypto, args.size)?
        }
        Workload::Cipher => cipher_metrics(args.size)?,
    };
    Ok(measurement(NAME, args, metrics))
}

fn encrypted_upload(crypto: &CryptoBucket, size: u64) -> BenchResult<BTreeMap<String, f64>> {
    let key = format!("bench/{NAME}/encrypted-upload");
    let start = Instant::now();
    crypto
        .put_object(
            &key,
            Body::from_reader(PatternReader::new(size), Some(size)),
        )
        .send()
        .map_err(|e| format!("encrypted PUT {key}: {e}"))?;
    let elapsed = start.elapsed();
    crypto
        .delete_object(&key)
        .send()
        .map_err(|e| format!("DELETE {key}: {e}"))?;
    Ok(throughput_metrics(size, elapsed))
}

fn encrypted_download(crypto: &CryptoBucket, size: u64) -> BenchResult<BTreeMap<String, f64>> {
    let key = ENCRYPTED_FIXTURE_KEY;
    let start = Instant::now();
    let mut reader = crypto
        .get_object(key)
        .send()
        .map_err(|e| format!("encrypted GET {key}: {e}"))?;
    let mut buf = vec![0u8; 256 * 1024];
    let mut read = 0u64;
    loop {
        let n = reader
            .read(&mut buf)
            .map_err(|e| format!("encrypted GET {key} body: {e}"))?;
        if n == 0 {
            break;
        }
        read += n as u64;
    }
    let elapsed = start.elapsed();
    check_len(key, read, size)?;
    Ok(throughput_metrics(size, elapsed))
}

fn small(bucket: &Bucket, args: &ClientArgs) -> BenchResult<BTreeMap<String, f64>> {
    let c = args.concurrency;
    let body = small_body();
    let put = |count: usize, tag: &str| {
        thread_phase(c, count, |i| {
            let key = format!("{tag}{}", small_key(NAME, c, i));
            bucket
                .put_object(&key, body.clone())
                .send()
                .map_err(|e| format!("PUT {key}: {e}"))?;
            Ok(())
        })
    };
    put(c, "warm-")?;
    let mut put_phase = put(args.count, "")?;
    let mut get_phase = thread_phase(c, args.count, |i| {
        let key = small_key(NAME, c, i);
        let got = bucket
            .get_object(&key)
            .send()
            .map_err(|e| format!("GET {key}: {e}"))?
            .bytes()
            .map_err(|e| format!("GET {key} body: {e}"))?;
        check_len(&key, got.len() as u64, super::SMALL_SIZE as u64)
    })?;
    let mut metrics = BTreeMap::new();
    add_latency_metrics(&mut metrics, "put", &mut put_phase);
    add_latency_metrics(&mut metrics, "get", &mut get_phase);
    Ok(metrics)
}

fn upload(bucket: &Bucket, size: u64) -> BenchResult<BTreeMap<String, f64>> {
    let key = format!("bench/{NAME}/upload");
    let start = Instant::now();
    bucket
        .put_object(
            &key,
            Body::from_reader(PatternReader::new(size), Some(size)),
        )
        .send()
        .map_err(|e| format!("PUT {key}: {e}"))?;
    let elapsed = start.elapsed();
    delete(bucket, &key)?;
    Ok(throughput_metrics(size, elapsed))
}

fn download(bucket: &Bucket, key: &str, size: u64) -> BenchResult<BTreeMap<String, f64>> {
    let start = Instant::now();
    let mut reader = bucket
        .get_object(key)
        .send()
        .map_err(|e| format!("GET {key}: {e}"))?;
    let mut buf = vec![0u8; 1 << 20];
    let mut read = 0u64;
    loop {
        let n = reader
            .read(&mut buf)
            .map_err(|e| format!("GET {key} body: {e}"))?;
        if n == 0 {
            break;
        }
        read += n as u64;
    }
    let elapsed = start.elapsed();
    check_len(key, read, size)?;
    Ok(throughput_metrics(size, elapsed))
}

fn list(bucket: &Bucket, keys: usize, repeat: usize) -> BenchResult<BTreeMap<String, f64>> {
    let mut total = Duration::ZERO;
    for _ in 0..repeat {
        let start = Instant::now();
        let mut seen = 0;
        for page in bucket
            .list_objects_v2()
            .prefix(LIST_PREFIX)
            .max_keys(LIST_PAGE as u32)
            .into_paginator()
        {
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
pub fn delete(bucket: &Bucket, key: &str) -> BenchResult<()> {
    bucket
        .delete_object(key)
        .send()
        .map_err(|e| format!("DELETE {key}: {e}"))?;
    Ok(())
}
