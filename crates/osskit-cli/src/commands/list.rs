//! `ls` and `du`.

use futures_util::TryStreamExt;
use osskit::ListItem;
use serde_json::json;

use super::{iso, Ctx};
use crate::args::{DuArgs, LsArgs};
use crate::error::CliError;
use crate::filter::Filter;
use crate::format::{count, size, time};
use crate::listing::{for_each_version, list_oss};
use crate::location::OssUrl;
use crate::output::doc;

/// Lists the buckets, or the objects under a prefix.
pub async fn ls(ctx: &Ctx, args: LsArgs) -> Result<(), CliError> {
    match &args.url {
        None => list_buckets(ctx, &args).await,
        Some(url) => {
            let url = OssUrl::parse(url)?;
            if args.all_versions {
                list_versions(ctx, &url, &args).await
            } else {
                list_objects(ctx, &url, &args).await
            }
        }
    }
}

async fn list_buckets(ctx: &Ctx, args: &LsArgs) -> Result<(), CliError> {
    let service = ctx.clients()?.service()?;
    let mut buckets = service.list_buckets().into_paginator();
    let mut printer = ctx.out.list("ListAllMyBucketsResult", "Bucket")?;
    let mut n = 0u64;
    while let Some(b) = buckets
        .try_next()
        .await
        .map_err(|e| CliError::oss("cannot list buckets", e))?
    {
        let created = osskit::utils::iso8601_to_unixtime(&b.creation_date).ok();
        let d = json!({
            "Name": b.name, "Location": b.location, "StorageClass": b.storage_class,
            "CreationDate": b.creation_date, "Region": b.region,
        });
        printer.item(d, || {
            if args.short_format {
                format!("oss://{}", b.name)
            } else {
                format!(
                    "{}  {:<20}  {:<12}  oss://{}",
                    time(created),
                    b.location,
                    b.storage_class,
                    b.name
                )
            }
        })?;
        n += 1;
        if args.limited_num.is_some_and(|l| n >= l) {
            break;
        }
    }
    printer.finish(json!({"Buckets": n}), || {
        if ctx.out.quiet || args.short_format {
            String::new()
        } else {
            count(n, "bucket")
        }
    })
}

async fn list_objects(ctx: &Ctx, url: &OssUrl, args: &LsArgs) -> Result<(), CliError> {
    let filter = Filter::from_args(&args.filter)?;
    let bucket = ctx.clients()?.bucket(&url.bucket)?;
    let mut req = bucket.list_objects_v2().prefix(&url.key).max_keys(1000);
    if args.directories {
        req = req.delimiter("/");
    }
    if let Some(s) = &args.start_after {
        req = req.start_after(s);
    }
    // Filters match names relative to the prefix's directory.
    let base = match url.key.rfind('/') {
        Some(i) => i + 1,
        None => 0,
    };
    let mut items = req.into_items();
    let mut printer = ctx.out.list("ListBucketResult", "Contents")?;
    let (mut objects, mut prefixes, mut total) = (0u64, 0u64, 0u64);
    while let Some(item) = items
        .try_next()
        .await
        .map_err(|e| CliError::oss(format!("cannot list {url}"), e))?
    {
        match item {
            ListItem::Object(o) => {
                if !filter.passes(&o.key[base.min(o.key.len())..], o.size, o.last_modified) {
                    continue;
                }
                let d = doc([
                    ("Key", Some(o.key.clone().into())),
                    ("Size", Some(o.size.into())),
                    ("LastModified", iso(o.last_modified)),
                    ("ETag", Some(o.etag.clone().into())),
                    ("Type", Some(o.object_type.clone().into())),
                    ("StorageClass", Some(o.storage_class.clone().into())),
                ]);
                printer.item(d, || {
                    if args.short_format {
                        url.with_key(o.key.as_str()).to_string()
                    } else {
                        format!(
                            "{}  {:>10}  {:<12}  {}",
                            time(o.last_modified),
                            size(o.size, args.bytes),
                            o.storage_class,
                            url.with_key(o.key.as_str())
                        )
                    }
                })?;
                objects += 1;
                total += o.size;
            }
            ListItem::CommonPrefix(p) => {
                if !filter.name_passes(&p[base.min(p.len())..]) {
                    continue;
                }
                printer.item(json!({"Prefix": p}), || {
                    if args.short_format {
                        url.with_key(p.as_str()).to_string()
                    } else {
                        format!(
                            "{:19}  {:>10}  {:<12}  {}",
                            "",
                            "DIR",
                            "",
                            url.with_key(p.as_str())
                        )
                    }
                })?;
                prefixes += 1;
            }
        }
        if args.limited_num.is_some_and(|l| objects + prefixes >= l) {
            break;
        }
    }
    let summary = json!({"Objects": objects, "Prefixes": prefixes, "TotalSize": total});
    printer.finish(summary, || {
        if ctx.out.quiet || args.short_format {
            return String::new();
        }
        let mut summary = count(objects, "object");
        if args.directories {
            summary.push_str(&format!(", {}", count(prefixes, "prefix")));
        }
        format!("{summary}, total {}", size(total, args.bytes))
    })
}

async fn list_versions(ctx: &Ctx, url: &OssUrl, args: &LsArgs) -> Result<(), CliError> {
    let filter = Filter::from_args(&args.filter)?;
    let bucket = ctx.clients()?.bucket(&url.bucket)?;
    let base = match url.key.rfind('/') {
        Some(i) => i + 1,
        None => 0,
    };
    let mut printer = ctx.out.list("ListVersionsResult", "Version")?;
    let (mut n, mut total) = (0u64, 0u64);
    let mut error = None;
    for_each_version(&bucket, url, &url.key, |v| {
        if !filter.passes(&v.key[base.min(v.key.len())..], v.size, v.mtime) {
            return Ok(true);
        }
        let d = doc([
            ("Key", Some(v.key.clone().into())),
            ("VersionId", Some(v.version_id.clone().into())),
            ("IsLatest", Some(v.is_latest.into())),
            ("DeleteMarker", Some(v.delete_marker.into())),
            ("Size", Some(v.size.into())),
            ("LastModified", iso(v.mtime)),
            ("ETag", v.etag.clone().map(Into::into)),
            ("StorageClass", v.storage_class.clone().map(Into::into)),
        ]);
        if let Err(e) = printer.item(d, || {
            let kind = if v.delete_marker {
                "(delete marker)".to_string()
            } else {
                size(v.size, args.bytes)
            };
            format!(
                "{}  {:>15}  {} {:<8}  {}  {}",
                time(v.mtime),
                kind,
                if v.is_latest { "*" } else { " " },
                v.storage_class.as_deref().unwrap_or(""),
                v.version_id,
                url.with_key(v.key.as_str())
            )
        }) {
            error = Some(e);
            return Ok(false);
        }
        n += 1;
        total += v.size;
        Ok(args.limited_num.is_none_or(|l| n < l))
    })
    .await?;
    if let Some(e) = error {
        return Err(e);
    }
    printer.finish(json!({"Versions": n, "TotalSize": total}), || {
        if ctx.out.quiet || args.short_format {
            String::new()
        } else {
            format!(
                "{} (* current), total {}",
                count(n, "version"),
                size(total, args.bytes)
            )
        }
    })
}

/// Counts the objects under a prefix and adds up their sizes.
pub async fn du(ctx: &Ctx, args: DuArgs) -> Result<(), CliError> {
    let url = OssUrl::parse(&args.url)?;
    let filter = Filter::from_args(&args.filter)?;
    let bucket = ctx.clients()?.bucket(&url.bucket)?;
    let prefix = url.dir_prefix();
    let entries = list_oss(&bucket, &url, &prefix, &filter, None).await?;
    let n = entries.len() as u64;
    let total: u64 = entries.iter().map(|e| e.size).sum();
    let mut classes: std::collections::BTreeMap<String, (u64, u64)> = Default::default();
    for e in &entries {
        let c = classes
            .entry(e.storage_class.clone().unwrap_or_default())
            .or_default();
        c.0 += 1;
        c.1 += e.size;
    }
    let by_class: serde_json::Map<String, serde_json::Value> = classes
        .into_iter()
        .map(|(k, (n, s))| (k, json!({"Objects": n, "Size": s})))
        .collect();
    ctx.out.record(
        "DiskUsage",
        json!({
            "Prefix": url.with_key(prefix.as_str()).to_string(), "Objects": n, "TotalSize": total,
            "StorageClasses": by_class,
        }),
        || {
            format!(
                "{}\t{}\t{}",
                size(total, args.bytes),
                count(n, "object"),
                url.with_key(prefix.as_str())
            )
        },
    )
}
