//! The multipart workloads with this SDK's transfer managers, at their default part size
//! (8 MiB) and parallelism (4), without checkpoints.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::{check_len, BenchResult};
use crate::cli::ClientArgs;
use crate::measure::throughput_metrics;

fn source(args: &ClientArgs) -> BenchResult<&PathBuf> {
    args.source
        .as_ref()
        .ok_or_else(|| "the multipart upload needs --source".to_string())
}

fn target(args: &ClientArgs, client: &str) -> PathBuf {
    args.scratch.join(format!("{client}-download.bin"))
}

fn upload_key(client: &str) -> String {
    format!("bench/{client}/multipart")
}

fn finish_download(
    args: &ClientArgs,
    target: &PathBuf,
    size: u64,
    elapsed: Duration,
) -> BenchResult<BTreeMap<String, f64>> {
    let on_disk = std::fs::metadata(target)
        .map_err(|e| format!("cannot stat {}: {e}", target.display()))?
        .len();
    let _ = std::fs::remove_file(target);
    check_len(&args.key, size, args.size)?;
    check_len(&args.key, on_disk, args.size)?;
    Ok(throughput_metrics(size, elapsed))
}

/// Parallel multipart upload of `args.source`.
pub async fn multipart_upload(
    bucket: &osskit::Bucket,
    args: &ClientArgs,
) -> BenchResult<BTreeMap<String, f64>> {
    let key = upload_key("sdk-async");
    let start = Instant::now();
    let out = bucket
        .resumable_upload(&key, source(args)?)
        .checkpoint(false)
        .await
        .map_err(|e| format!("multipart upload of {key}: {e}"))?;
    let elapsed = start.elapsed();
    super::sdk_async::delete(bucket, &key).await?;
    check_len(&key, out.size, args.size)?;
    Ok(throughput_metrics(out.size, elapsed))
}

/// Parallel ranged download of `args.key` into a file under `args.scratch`.
pub async fn multipart_download(
    bucket: &osskit::Bucket,
    args: &ClientArgs,
) -> BenchResult<BTreeMap<String, f64>> {
    let target = target(args, "sdk-async");
    let start = Instant::now();
    let out = bucket
        .resumable_download(&args.key, &target)
        .checkpoint(false)
        .await
        .map_err(|e| format!("ranged download of {}: {e}", args.key))?;
    finish_download(args, &target, out.size, start.elapsed())
}

/// Parallel multipart upload of `args.source` (blocking facade).
pub fn blocking_multipart_upload(
    bucket: &osskit::blocking::Bucket,
    args: &ClientArgs,
) -> BenchResult<BTreeMap<String, f64>> {
    let key = upload_key("sdk-blocking");
    let start = Instant::now();
    let out = bucket
        .resumable_upload(&key, source(args)?)
        .checkpoint(false)
        .send()
        .map_err(|e| format!("multipart upload of {key}: {e}"))?;
    let elapsed = start.elapsed();
    super::sdk_blocking::delete(bucket, &key)?;
    check_len(&key, out.size, args.size)?;
    Ok(throughput_metrics(out.size, elapsed))
}

/// Parallel ranged download of `args.key` (blocking facade).
pub fn blocking_multipart_download(
    bucket: &osskit::blocking::Bucket,
    args: &ClientArgs,
) -> BenchResult<BTreeMap<String, f64>> {
    let target = target(args, "sdk-blocking");
    let start = Instant::now();
    let out = bucket
        .resumable_download(&args.key, &target)
        .checkpoint(false)
        .send()
        .map_err(|e| format!("ranged download of {}: {e}", args.key))?;
    finish_download(args, &target, out.size, start.elapsed())
}
