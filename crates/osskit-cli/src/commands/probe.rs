//! `probe`: is the endpoint reachable, do the credentials work, how fast do objects move?
//!
//! Steps: the endpoint's address (DNS), a TCP connection, a signed request (ListBuckets,
//! or GetBucketInfo of the bucket given); with a bucket, an object of `--size` bytes is
//! uploaded, downloaded (its CRC-64 checked) and removed, and the speeds are reported.

use std::time::Instant;

use futures_util::TryStreamExt;
use serde_json::{json, Value};

use super::Ctx;
use crate::args::ProbeArgs;
use crate::error::CliError;
use crate::format::human_size;
use crate::location::OssUrl;

fn ms(t: Instant) -> f64 {
    (t.elapsed().as_secs_f64() * 1000.0 * 10.0).round() / 10.0
}

/// Runs the checks.
pub async fn probe(ctx: &Ctx, args: ProbeArgs) -> Result<(), CliError> {
    if args.size > 256 << 20 {
        return Err(CliError::usage(
            "--size: the probe object is held in memory; at most 256M",
        ));
    }
    let clients = ctx.clients()?;
    let endpoint = clients.settings().endpoint.clone();
    let url = args.url.as_deref().map(OssUrl::parse_bucket).transpose()?;
    let mut steps: Vec<(String, Value, String)> = Vec::new();

    // The address and a connection.
    let rest = endpoint
        .split_once("://")
        .map(|(_, r)| r)
        .unwrap_or(&endpoint);
    let authority = rest.split('/').next().unwrap_or(rest);
    let https = !endpoint.starts_with("http://");
    let with_port = if authority
        .rsplit_once(':')
        .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
    {
        authority.to_string()
    } else {
        format!("{authority}:{}", if https { 443 } else { 80 })
    };
    let t = Instant::now();
    let addrs: Vec<std::net::SocketAddr> = tokio::net::lookup_host(&with_port)
        .await
        .map_err(|e| CliError::io(format!("cannot resolve {authority}"), e))?
        .collect();
    let first = *addrs
        .first()
        .ok_or_else(|| CliError::failed(format!("{authority} has no address")))?;
    steps.push((
        "DNS".into(),
        json!({"Host": authority, "Address": first.to_string(), "Ms": ms(t)}),
        format!("{authority} is {} ({} ms)", first.ip(), ms(t)),
    ));
    let t = Instant::now();
    tokio::time::timeout(
        std::time::Duration::from_secs(10),
        tokio::net::TcpStream::connect(first),
    )
    .await
    .map_err(|_| CliError::failed(format!("no connection to {first} within 10 s")))?
    .map_err(|e| CliError::io(format!("cannot connect to {first}"), e))?;
    steps.push((
        "Connect".into(),
        json!({"Address": first.to_string(), "Ms": ms(t)}),
        format!("connected to {first} ({} ms)", ms(t)),
    ));

    // A signed request.
    let t = Instant::now();
    match &url {
        None => {
            let service = clients.service()?;
            let mut pages = service.list_buckets().into_paginator();
            let first_bucket = pages
                .try_next()
                .await
                .map_err(|e| CliError::oss("the signed request (ListBuckets) failed", e))?;
            steps.push((
                "SignedRequest".into(),
                json!({"Operation": "ListBuckets", "Ms": ms(t)}),
                format!(
                    "ListBuckets answered ({} ms{})",
                    ms(t),
                    if first_bucket.is_some() {
                        ""
                    } else {
                        ", no buckets"
                    }
                ),
            ));
        }
        Some(u) => {
            let bucket = clients.bucket(&u.bucket)?;
            let info = bucket.get_bucket_info().await.map_err(|e| {
                CliError::oss(
                    format!("the signed request (GetBucketInfo of {u}) failed"),
                    e,
                )
            })?;
            steps.push((
                "SignedRequest".into(),
                json!({"Operation": "GetBucketInfo", "Ms": ms(t),
                       "Location": info.bucket.location}),
                format!("GetBucketInfo of {} answered ({} ms)", u.bucket, ms(t)),
            ));
            if ctx.dry_run() {
                steps.push((
                    "Transfer".into(),
                    json!({"Skipped": "dry run"}),
                    "the upload and download are left out (--dry-run)".into(),
                ));
            } else {
                transfer_steps(&bucket, args.size, &mut steps).await?;
            }
        }
    }
    let doc: serde_json::Map<String, Value> = steps
        .iter()
        .map(|(k, v, _)| (k.clone(), v.clone()))
        .collect();
    ctx.out.record("Probe", Value::Object(doc), || {
        let mut lines: Vec<String> = steps.iter().map(|(_, _, t)| t.clone()).collect();
        lines.push(format!("{endpoint}: OK"));
        lines.join("\n")
    })
}

/// Uploads, downloads and removes a probe object.
async fn transfer_steps(
    bucket: &osskit::Bucket,
    size: u64,
    steps: &mut Vec<(String, Value, String)>,
) -> Result<(), CliError> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let key = format!("oss-probe-{}-{now}.tmp", std::process::id());
    let url = format!("oss://{}/{key}", bucket.name());
    let mut x = now as u64 | 1;
    let data: Vec<u8> = (0..size)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    let expected = osskit::utils::crc64(&data);
    let rate = |secs: f64| {
        if secs > 0.0 {
            size as f64 / secs / 1e6
        } else {
            0.0
        }
    };
    let t = Instant::now();
    let up = bucket.put_object(&key, data).await;
    let up_secs = t.elapsed().as_secs_f64();
    up.map_err(|e| CliError::oss(format!("cannot upload the probe object {url}"), e))?;
    let result = async {
        let t = Instant::now();
        let got = bucket
            .get_object(&key)
            .await
            .map_err(|e| CliError::oss(format!("cannot download {url}"), e))?;
        let crc_server = got.server_crc;
        let bytes = got
            .bytes()
            .await
            .map_err(|e| CliError::oss(format!("cannot download {url}"), e))?;
        let down_secs = t.elapsed().as_secs_f64();
        if osskit::utils::crc64(&bytes) != expected || crc_server.is_some_and(|c| c != expected) {
            return Err(CliError::failed(format!(
                "{url} came back different from what was sent"
            )));
        }
        Ok(down_secs)
    }
    .await;
    let removed = bucket.delete_object(&key).await;
    let down_secs = result?;
    removed.map_err(|e| CliError::oss(format!("cannot remove the probe object {url}"), e))?;
    steps.push((
        "Upload".into(),
        json!({"Bytes": size, "Seconds": up_secs, "MBps": rate(up_secs)}),
        format!(
            "uploaded {} in {:.3} s ({:.1} MB/s)",
            human_size(size),
            up_secs,
            rate(up_secs)
        ),
    ));
    steps.push((
        "Download".into(),
        json!({"Bytes": size, "Seconds": down_secs, "MBps": rate(down_secs)}),
        format!(
            "downloaded {} in {:.3} s ({:.1} MB/s), CRC-64 checked",
            human_size(size),
            down_secs,
            rate(down_secs)
        ),
    ));
    Ok(())
}
