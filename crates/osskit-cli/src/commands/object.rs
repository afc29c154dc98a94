//! `cat`, `stat`, `rm` and `mkdir`.

use serde_json::{json, Map, Value};

use super::{iso, Ctx};
use crate::args::{CatArgs, MkdirArgs, RmArgs, StatArgs};
use crate::error::CliError;
use crate::filter::Filter;
use crate::format::{count, time};
use crate::listing::{for_each_version, list_oss};
use crate::location::OssUrl;

/// Writes an object to stdout, then checks its CRC-64.
pub async fn cat(ctx: &Ctx, args: CatArgs) -> Result<(), CliError> {
    let url = OssUrl::parse_object(&args.url)?;
    let bucket = ctx.clients()?.bucket(&url.bucket)?;
    crate::transfer::download_stdout(&bucket, &url.key, args.version_id.as_deref()).await?;
    Ok(())
}

/// Shows a bucket's information or an object's attributes.
pub async fn stat(ctx: &Ctx, args: StatArgs) -> Result<(), CliError> {
    let url = OssUrl::parse(&args.url)?;
    let bucket = ctx.clients()?.bucket(&url.bucket)?;
    if url.key.is_empty() {
        let info = bucket
            .get_bucket_info()
            .await
            .map_err(|e| CliError::oss(format!("cannot stat bucket {}", url.bucket), e))?
            .bucket;
        let mut rows = vec![
            ("Name", info.name),
            ("Location", info.location),
            ("CreationDate", info.creation_date),
            ("ExtranetEndpoint", info.extranet_endpoint),
            ("IntranetEndpoint", info.intranet_endpoint),
            ("StorageClass", info.storage_class),
            ("ACL", info.access_control_list.grant),
            ("Owner", info.owner.id),
        ];
        if let Some(v) = info.data_redundancy_type {
            rows.push(("DataRedundancyType", v));
        }
        if let Some(v) = info.versioning {
            rows.push(("Versioning", v));
        }
        let d: Map<String, Value> = rows
            .iter()
            .map(|(k, v)| (k.to_string(), Value::String(v.clone())))
            .collect();
        return ctx
            .out
            .record("Bucket", Value::Object(d), || rows_text(&rows));
    }
    let mut req = bucket.head_object(&url.key);
    if let Some(v) = &args.version_id {
        req = req.param("versionId", v);
    }
    let head = req
        .await
        .map_err(|e| CliError::oss(format!("cannot stat {url}"), e))?;
    let opt = |v: Option<String>| v.unwrap_or_else(|| "-".to_string());
    let mut rows = vec![
        ("Key", url.key.clone()),
        (
            "Content-Length",
            opt(head.content_length.map(|n| n.to_string())),
        ),
        ("Content-Type", opt(head.content_type.clone())),
        ("ETag", head.etag.clone()),
        ("Last-Modified", time(head.last_modified)),
        ("Object-Type", opt(head.object_type.clone())),
        ("Storage-Class", opt(head.storage_class.clone())),
        ("CRC64", opt(head.crc64.map(|c| c.to_string()))),
    ];
    let header = |name: &str| head.meta.header(name).map(str::to_string);
    for (label, name) in [
        ("Cache-Control", "cache-control"),
        ("Content-Disposition", "content-disposition"),
        ("Content-Encoding", "content-encoding"),
        ("Content-Language", "content-language"),
        ("Expires", "expires"),
        ("Content-MD5", "content-md5"),
        ("Restore", "x-oss-restore"),
        ("Tagging-Count", "x-oss-tagging-count"),
        ("Symlink-Target", "x-oss-symlink-target"),
    ] {
        if let Some(v) = header(name) {
            rows.push((label, v));
        }
    }
    if let Some(v) = head.version_id.clone() {
        rows.push(("Version-Id", v));
    }
    if let Some(p) = head.next_position {
        rows.push(("Next-Append-Position", p.to_string()));
    }
    let mut d: Map<String, Value> = rows
        .iter()
        .map(|(k, v)| (k.replace('-', ""), Value::String(v.clone())))
        .collect();
    d.insert("ContentLength".into(), json!(head.content_length));
    d.insert("LastModified".into(), json!(iso(head.last_modified)));
    d.insert("Metadata".into(), json!(head.metadata));
    let meta = head.metadata.clone();
    ctx.out.record("Object", Value::Object(d), || {
        let mut text = rows_text(&rows);
        for (name, value) in &meta {
            text.push_str(&format!("\n{:<22}{value}", format!("x-oss-meta-{name}:")));
        }
        text
    })
}

fn rows_text(rows: &[(&str, String)]) -> String {
    rows.iter()
        .map(|(name, value)| format!("{:<22}{value}", format!("{name}:")))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Removes one object (or version), or every object (or version) under a prefix.
pub async fn rm(ctx: &Ctx, args: RmArgs) -> Result<(), CliError> {
    let url = OssUrl::parse(&args.url)?;
    let bucket = ctx.clients()?.bucket(&url.bucket)?;
    let verb = if ctx.dry_run() {
        "would remove"
    } else {
        "removed"
    };
    if !args.recursive {
        let url = OssUrl::parse_object(&args.url)?;
        if args.all_versions {
            return remove_versions(ctx, &bucket, &url, &url.key, true, &args).await;
        }
        if !ctx.dry_run() {
            let mut req = bucket.delete_object(&url.key);
            if let Some(v) = &args.version_id {
                req = req.param("versionId", v);
            }
            req.await
                .map_err(|e| CliError::oss(format!("cannot remove {url}"), e))?;
        }
        let version = args
            .version_id
            .as_deref()
            .map(|v| format!(" (version {v})"))
            .unwrap_or_default();
        return ctx.out.done(
            "Removed",
            json!({"Key": url.key, "VersionId": args.version_id, "DryRun": ctx.dry_run()}),
            || format!("{verb} {url}{version}"),
        );
    }
    if args.version_id.is_some() {
        return Err(CliError::usage(
            "--version-id names one object's version: leave out -r",
        ));
    }
    let prefix = url.dir_prefix();
    if args.all_versions {
        return remove_versions(ctx, &bucket, &url, &prefix, false, &args).await;
    }
    let filter = Filter::from_args(&args.filter)?;
    let entries = list_oss(&bucket, &url, &prefix, &filter, args.limited_num).await?;
    let uploads = if args.uploads {
        super::abort_uploads_under(&bucket, &url, &prefix, true).await?
    } else {
        0
    };
    let target = url.with_key(prefix.as_str());
    if !entries.is_empty() || uploads > 0 {
        let mut what = count(entries.len() as u64, "object");
        if args.uploads {
            what.push_str(&format!(
                " and {}",
                count(uploads, "unfinished multipart upload")
            ));
        }
        ctx.confirm(&format!("Remove {what} under {target}?"))?;
    }
    if ctx.dry_run() {
        let mut printer = ctx.out.list("DeleteResult", "Deleted")?;
        for e in &entries {
            let key = e.key.clone().unwrap_or_default();
            printer.item(json!({"Key": key}), || {
                format!("would remove {}", url.with_key(key.as_str()))
            })?;
        }
        let n = entries.len() as u64;
        return printer.finish(
            json!({"Removed": n, "UploadsAborted": uploads, "DryRun": true}),
            || format!("would remove {} under {target}", count(n, "object")),
        );
    }
    let keys: Vec<String> = entries.into_iter().filter_map(|e| e.key).collect();
    let n = super::delete_keys(&bucket, &url, keys).await?;
    let aborted = if args.uploads {
        super::abort_uploads_under(&bucket, &url, &prefix, false).await?
    } else {
        0
    };
    ctx.out.done(
        "DeleteResult",
        json!({"Removed": n, "UploadsAborted": aborted}),
        || {
            let mut t = format!("removed {} under {target}", count(n, "object"));
            if args.uploads {
                t.push_str(&format!("\naborted {}", count(aborted, "multipart upload")));
            }
            t
        },
    )
}

/// Removes every version and delete marker of `key` (`exact`) or under a prefix.
async fn remove_versions(
    ctx: &Ctx,
    bucket: &osskit::Bucket,
    url: &OssUrl,
    prefix: &str,
    exact: bool,
    args: &RmArgs,
) -> Result<(), CliError> {
    let filter = Filter::from_args(&args.filter)?;
    let mut versions = Vec::new();
    for_each_version(bucket, url, prefix, |v| {
        let rel = &v.key[prefix.len().min(v.key.len())..];
        if (exact && v.key != prefix) || (!exact && !filter.passes(rel, v.size, v.mtime)) {
            return Ok(true);
        }
        versions.push(v);
        Ok(args.limited_num.is_none_or(|l| (versions.len() as u64) < l))
    })
    .await?;
    let target = url.with_key(prefix);
    if !versions.is_empty() {
        ctx.confirm(&format!(
            "Remove {} (every version) of {target}? They cannot be brought back.",
            count(versions.len() as u64, "version")
        ))?;
    }
    let verb = if ctx.dry_run() {
        "would remove"
    } else {
        "removed"
    };
    if !ctx.dry_run() {
        for chunk in versions.chunks(1000) {
            let mut body = String::from("<Delete><Quiet>true</Quiet>");
            for v in chunk {
                body.push_str(&format!(
                    "<Object><Key>{}</Key><VersionId>{}</VersionId></Object>",
                    xml_escape(&v.key),
                    xml_escape(&v.version_id)
                ));
            }
            body.push_str("</Delete>");
            let out = bucket
                .call(osskit::proto::ops::OpId::DeleteMultipleObjects)
                .body(body)
                .send()
                .await
                .map_err(|e| CliError::oss(format!("cannot remove versions under {target}"), e))?;
            let doc = crate::xml::xml_to_json(&out.body).unwrap_or_default();
            if let Some(err) =
                crate::xml::children(doc.get("DeleteResult").unwrap_or(&Value::Null), "Error")
                    .first()
            {
                return Err(CliError::failed(format!(
                    "a version under {target} could not be removed: {err}"
                )));
            }
        }
    }
    let n = versions.len() as u64;
    ctx.out.done(
        "DeleteResult",
        json!({"VersionsRemoved": n, "DryRun": ctx.dry_run()}),
        || format!("{verb} {} of {target}", count(n, "version")),
    )
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Makes a "directory": an empty object whose key ends with `/`.
pub async fn mkdir(ctx: &Ctx, args: MkdirArgs) -> Result<(), CliError> {
    let url = OssUrl::parse(&args.url)?;
    if url.key.is_empty() {
        return Err(CliError::usage(format!(
            "{} names no directory (oss://bucket/dir)",
            args.url
        )));
    }
    let key = url.dir_prefix();
    let bucket = ctx.clients()?.bucket(&url.bucket)?;
    let target = url.with_key(key.as_str());
    if !ctx.dry_run() {
        bucket
            .put_object(&key, Vec::<u8>::new())
            .await
            .map_err(|e| CliError::oss(format!("cannot make {target}"), e))?;
    }
    let verb = if ctx.dry_run() { "would make" } else { "made" };
    ctx.out.done(
        "Directory",
        json!({"Key": key, "DryRun": ctx.dry_run()}),
        || format!("{verb} {target}"),
    )
}
