//! `set-props`, `restore`, `create-symlink`, `read-symlink` and `revert`: object
//! operations the SDK reaches through its generic operation call where it has no method
//! of its own.

use std::collections::BTreeMap;

use futures_util::StreamExt;
use osskit::proto::ops::OpId;
use osskit::{Bucket, MetadataDirective};
use serde_json::json;

use super::{iso, Ctx};
use crate::args::{CreateSymlinkArgs, ReadSymlinkArgs, RestoreArgs, RevertArgs, SetPropsArgs};
use crate::error::CliError;
use crate::filter::Filter;
use crate::format::count;
use crate::listing::{for_each_version, list_oss, Version};
use crate::location::OssUrl;
use crate::transfer::{object_acl, parse_pairs, storage_class, tagging_query, ObjectHeaders};
use crate::xml::{children, text, xml_to_json};

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The keys a command works on: one object, or (with `-r`) those under the prefix.
async fn targets(
    ctx: &Ctx,
    bucket: &Bucket,
    url: &OssUrl,
    recursive: bool,
    filter: &crate::args::FilterArgs,
    keep: impl Fn(&crate::listing::Entry) -> bool,
) -> Result<Vec<String>, CliError> {
    if !recursive {
        let url = OssUrl::parse_object(&url.to_string())?;
        return Ok(vec![url.key]);
    }
    let filter = Filter::from_args(filter)?;
    let prefix = url.dir_prefix();
    let _ = ctx;
    Ok(list_oss(bucket, url, &prefix, &filter, None)
        .await?
        .into_iter()
        .filter(|e| !e.is_dir_marker() && keep(e))
        .filter_map(|e| e.key)
        .collect())
}

/// Runs `each` over `keys`, 16 at a time; failures are reported and counted.
async fn for_keys<F, Fut>(keys: Vec<String>, each: F) -> (u64, u64)
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = Result<(), CliError>>,
{
    let results: Vec<Result<(), CliError>> = futures_util::stream::iter(keys)
        .map(each)
        .buffer_unordered(16)
        .collect()
        .await;
    let mut failed = 0;
    for r in &results {
        if let Err(e) = r {
            eprintln!("oss: {e}");
            failed += 1;
        }
    }
    (results.len() as u64 - failed, failed)
}

/// Changes objects' headers, metadata, storage class, ACL or tags.
pub async fn set_props(ctx: &Ctx, args: SetPropsArgs) -> Result<(), CliError> {
    let url = OssUrl::parse(&args.url)?;
    let h = &args.headers;
    let new_headers = ObjectHeaders::from_args(&crate::args::ObjectHeaderArgs {
        acl: None,
        storage_class: None,
        tagging: Vec::new(),
        ..h.clone()
    })?;
    let metadata = parse_pairs(&h.metadata, "--metadata")?;
    let class = h.storage_class.as_deref().map(storage_class).transpose()?;
    let acl = h.acl.as_deref().map(object_acl).transpose()?;
    let tagging = if h.tagging.is_empty() {
        None
    } else {
        Some(tagging_query(&h.tagging)?)
    };
    let rewrite = !new_headers.headers.is_empty()
        || new_headers.content_type.is_some()
        || !metadata.is_empty()
        || !args.delete_metadata.is_empty()
        || args.replace_metadata
        || class.is_some();
    if !rewrite && acl.is_none() && tagging.is_none() && !args.delete_tagging {
        return Err(CliError::usage(
            "nothing to set: give --metadata, --content-type, --cache-control, …, \
             --storage-class, --acl, --tagging or --delete-tagging",
        ));
    }
    if rewrite && args.version_id.is_some() {
        return Err(CliError::usage(
            "--version-id applies to --acl and --tagging only (metadata and storage class \
             change the current version)",
        ));
    }
    let bucket = ctx.clients()?.bucket(&url.bucket)?;
    let keys = targets(ctx, &bucket, &url, args.recursive, &args.filter, |_| true).await?;
    if args.recursive && !keys.is_empty() {
        ctx.confirm(&format!(
            "Change the properties of {} under {}?",
            count(keys.len() as u64, "object"),
            url.with_key(url.dir_prefix())
        ))?;
    }
    let mut changes = Vec::new();
    if rewrite {
        changes.push("metadata");
    }
    if acl.is_some() {
        changes.push("ACL");
    }
    if tagging.is_some() || args.delete_tagging {
        changes.push("tags");
    }
    let what = changes.join(", ");
    if ctx.dry_run() {
        let mut printer = ctx.out.list("DryRun", "Object")?;
        for k in &keys {
            printer.item(json!({"Key": k, "Changes": what}), || {
                format!("would set {what} of {}", url.with_key(k.as_str()))
            })?;
        }
        let n = keys.len();
        return printer.finish(json!({"Objects": n, "DryRun": true}), || {
            format!("would change {}", count(n as u64, "object"))
        });
    }
    let total = keys.len() as u64;
    let (done, failed) = for_keys(keys, |key| {
        let bucket = bucket.clone();
        let url = url.clone();
        let new_headers = new_headers.clone();
        let metadata = metadata.clone();
        let tagging = tagging.clone();
        let delete_meta: Vec<String> = args
            .delete_metadata
            .iter()
            .map(|m| m.to_ascii_lowercase())
            .collect();
        let version = args.version_id.clone();
        let replace = args.replace_metadata;
        let delete_tagging = args.delete_tagging;
        async move {
            let target = url.with_key(key.as_str());
            let fail = |e| CliError::oss(format!("cannot set the properties of {target}"), e);
            if rewrite {
                let head = bucket.head_object(&key).await.map_err(fail)?;
                let mut meta: BTreeMap<String, String> = if replace {
                    BTreeMap::new()
                } else {
                    head.metadata.clone().into_iter().collect()
                };
                for (k, v) in &metadata {
                    meta.insert(k.to_ascii_lowercase(), v.clone());
                }
                for k in &delete_meta {
                    meta.remove(k);
                }
                let mut req = bucket
                    .copy_object(bucket.name(), &key, &key)
                    .metadata_directive(MetadataDirective::Replace);
                let content_type = new_headers
                    .content_type
                    .clone()
                    .or(head.content_type.clone());
                if let Some(t) = content_type {
                    req = req.content_type(t);
                }
                for (k, v) in &meta {
                    req = req.metadata(k.clone(), v.clone());
                }
                // The object's other headers stay unless replaced.
                for name in [
                    "Cache-Control",
                    "Content-Disposition",
                    "Content-Encoding",
                    "Content-Language",
                    "Expires",
                ] {
                    let given = new_headers
                        .headers
                        .iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case(name))
                        .map(|(_, v)| v.clone());
                    if let Some(v) = given.or_else(|| {
                        head.meta
                            .header(&name.to_ascii_lowercase())
                            .map(str::to_string)
                    }) {
                        req = req.header(name, v);
                    }
                }
                let class =
                    class.or_else(|| head.storage_class.as_deref().and_then(|c| c.parse().ok()));
                if let Some(c) = class {
                    req = req.storage_class(c);
                }
                // A copy gives the object the default ACL unless one is sent: keep its own.
                let keep_acl = match acl {
                    Some(a) => Some(a.as_str().to_string()),
                    None => object_acl_of(&bucket, &key, None).await.map_err(fail)?,
                };
                if let Some(a) = keep_acl {
                    req = req.header("x-oss-object-acl", a);
                }
                req.await.map_err(fail)?;
            } else if let Some(a) = acl {
                let mut call = bucket
                    .call(OpId::PutObjectAcl)
                    .key(key.clone())
                    .header("x-oss-object-acl", a.as_str());
                if let Some(v) = &version {
                    call = call.param("versionId", v.clone());
                }
                call.send().await.map_err(fail)?;
            }
            if let Some(t) = &tagging {
                let mut body = String::from("<Tagging><TagSet>");
                for pair in t.split('&') {
                    let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                    body.push_str(&format!(
                        "<Tag><Key>{}</Key><Value>{}</Value></Tag>",
                        xml_escape(&osskit::proto::encoding::unquote(k)),
                        xml_escape(&osskit::proto::encoding::unquote(v))
                    ));
                }
                body.push_str("</TagSet></Tagging>");
                let mut call = bucket
                    .call(OpId::PutObjectTagging)
                    .key(key.clone())
                    .body(body);
                if let Some(v) = &version {
                    call = call.param("versionId", v.clone());
                }
                call.send().await.map_err(fail)?;
            } else if delete_tagging {
                let mut call = bucket.call(OpId::DeleteObjectTagging).key(key.clone());
                if let Some(v) = &version {
                    call = call.param("versionId", v.clone());
                }
                call.send().await.map_err(fail)?;
            }
            Ok(())
        }
    })
    .await;
    ctx.out.done(
        "SetProps",
        json!({"Objects": done, "Failed": failed, "Changes": what}),
        || format!("set {what} of {}", count(done, "object")),
    )?;
    if failed > 0 {
        return Err(CliError::partial(failed, total, "object"));
    }
    Ok(())
}

/// The canned ACL of an object (`None` when it follows the bucket's).
async fn object_acl_of(
    bucket: &Bucket,
    key: &str,
    version: Option<&str>,
) -> Result<Option<String>, osskit::Error> {
    let mut call = bucket.call(OpId::GetObjectAcl).key(key.to_string());
    if let Some(v) = version {
        call = call.param("versionId", v);
    }
    let out = call.send().await?;
    let doc = xml_to_json(&out.body).unwrap_or_default();
    let grant = doc
        .get("AccessControlPolicy")
        .and_then(|p| p.get("AccessControlList"))
        .and_then(|l| text(l, "Grant"))
        .map(str::to_string);
    Ok(grant.filter(|g| g != "default"))
}

/// Restores archived objects.
pub async fn restore(ctx: &Ctx, args: RestoreArgs) -> Result<(), CliError> {
    let url = OssUrl::parse(&args.url)?;
    if let Some(t) = &args.tier {
        if !["Expedited", "Standard", "Bulk"].contains(&t.as_str()) {
            return Err(CliError::usage(format!(
                "--tier {t:?}: expected Expedited, Standard or Bulk"
            )));
        }
    }
    let bucket = ctx.clients()?.bucket(&url.bucket)?;
    let archived = |e: &crate::listing::Entry| {
        e.storage_class
            .as_deref()
            .is_some_and(|c| c.contains("Archive"))
    };
    let keys = targets(ctx, &bucket, &url, args.recursive, &args.filter, archived).await?;
    if ctx.dry_run() {
        let mut printer = ctx.out.list("DryRun", "Object")?;
        for k in &keys {
            printer.item(json!({"Key": k, "Days": args.days}), || {
                format!(
                    "would restore {} for {} days",
                    url.with_key(k.as_str()),
                    args.days
                )
            })?;
        }
        let n = keys.len();
        return printer.finish(json!({"Objects": n, "DryRun": true}), || {
            format!("would restore {}", count(n as u64, "object"))
        });
    }
    let mut body = format!("<RestoreRequest><Days>{}</Days>", args.days);
    if let Some(t) = &args.tier {
        body.push_str(&format!("<JobParameters><Tier>{t}</Tier></JobParameters>"));
    }
    body.push_str("</RestoreRequest>");
    let total = keys.len() as u64;
    let (done, failed) = for_keys(keys, |key| {
        let bucket = bucket.clone();
        let body = body.clone();
        let target = url.with_key(key.as_str());
        let version = args.version_id.clone();
        async move {
            let mut call = bucket.call(OpId::RestoreObject).key(key).body(body);
            if let Some(v) = version {
                call = call.param("versionId", v);
            }
            match call.send().await {
                Ok(_) => Ok(()),
                // Asking again while it runs is not a failure.
                Err(e) if e.code() == Some("RestoreAlreadyInProgress") => Ok(()),
                Err(e) => Err(CliError::oss(format!("cannot restore {target}"), e)),
            }
        }
    })
    .await;
    ctx.out.done(
        "Restore",
        json!({"Objects": done, "Failed": failed, "Days": args.days}),
        || {
            format!(
                "restoring {} (readable for {} days once done)",
                count(done, "object"),
                args.days
            )
        },
    )?;
    if failed > 0 {
        return Err(CliError::partial(failed, total, "object"));
    }
    Ok(())
}

/// Creates a symbolic link.
pub async fn create_symlink(ctx: &Ctx, args: CreateSymlinkArgs) -> Result<(), CliError> {
    let url = OssUrl::parse_object(&args.url)?;
    let target = if args.target.to_ascii_lowercase().starts_with("oss://") {
        let t = OssUrl::parse_object(&args.target)?;
        if t.bucket != url.bucket {
            return Err(CliError::usage(format!(
                "a link points into its own bucket: {} is not in {}",
                args.target, url.bucket
            )));
        }
        t.key
    } else {
        args.target.trim_start_matches('/').to_string()
    };
    if target.is_empty() {
        return Err(CliError::usage("the link's target is empty"));
    }
    let headers = ObjectHeaders::from_args(&args.headers)?;
    let bucket = ctx.clients()?.bucket(&url.bucket)?;
    if !ctx.global.force {
        match bucket.head_object(&url.key).await {
            Ok(_) => ctx.confirm(&format!("Overwrite {url}?"))?,
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(CliError::oss(format!("cannot stat {url}"), e)),
        }
    }
    let verb = if ctx.dry_run() {
        "would link"
    } else {
        "linked"
    };
    if !ctx.dry_run() {
        let mut call = bucket.call(OpId::PutSymlink).key(url.key.clone()).header(
            "x-oss-symlink-target",
            osskit::proto::encoding::quote(&target, "/"),
        );
        if let Some(t) = &headers.content_type {
            call = call.header("Content-Type", t.clone());
        }
        for (k, v) in &headers.metadata {
            call = call.header(format!("x-oss-meta-{k}"), v.clone());
        }
        for (k, v) in &headers.headers {
            call = call.header(k.clone(), v.clone());
        }
        call.send()
            .await
            .map_err(|e| CliError::oss(format!("cannot create the link {url}"), e))?;
    }
    ctx.out.done(
        "Symlink",
        json!({"Key": url.key, "Target": target, "DryRun": ctx.dry_run()}),
        || format!("{verb} {url} -> {}", url.with_key(target.as_str())),
    )
}

/// Shows the target of a symbolic link.
pub async fn read_symlink(ctx: &Ctx, args: ReadSymlinkArgs) -> Result<(), CliError> {
    let url = OssUrl::parse_object(&args.url)?;
    let bucket = ctx.clients()?.bucket(&url.bucket)?;
    let mut call = bucket.call(OpId::GetSymlink).key(url.key.clone());
    if let Some(v) = &args.version_id {
        call = call.param("versionId", v.clone());
    }
    let out = call
        .send()
        .await
        .map_err(|e| CliError::oss(format!("cannot read the link {url}"), e))?;
    let target = out
        .meta
        .header("x-oss-symlink-target")
        .map(osskit::proto::encoding::unquote)
        .ok_or_else(|| {
            CliError::failed(format!(
                "{url}: the answer names no target (x-oss-symlink-target) [request id {}]",
                out.meta.request_id()
            ))
        })?;
    let etag = out
        .meta
        .header("etag")
        .map(|e| e.trim_matches('"').to_string());
    let modified = out
        .meta
        .header("last-modified")
        .and_then(|d| osskit::utils::http_to_unixtime(d).ok());
    ctx.out.record(
        "Symlink",
        json!({"Key": url.key, "Target": target, "ETag": etag, "LastModified": iso(modified)}),
        || {
            let mut t = format!(
                "{:<22}{}\n{:<22}{}",
                "Symlink:",
                url,
                "Target:",
                url.with_key(target.as_str())
            );
            if let Some(e) = &etag {
                t.push_str(&format!("\n{:<22}{e}", "ETag:"));
            }
            t
        },
    )
}

/// Brings deleted objects of a versioned bucket back, or makes an older version current.
pub async fn revert(ctx: &Ctx, args: RevertArgs) -> Result<(), CliError> {
    let url = OssUrl::parse(&args.url)?;
    let bucket = ctx.clients()?.bucket(&url.bucket)?;
    if let Some(version) = &args.version_id {
        // An older version becomes the current one: copied over it.
        let url = OssUrl::parse_object(&args.url)?;
        if !ctx.dry_run() {
            let source = format!(
                "/{}/{}?versionId={}",
                url.bucket,
                osskit::proto::encoding::quote(&url.key, ""),
                osskit::proto::encoding::quote(version, "")
            );
            bucket
                .copy_object(&url.bucket, &url.key, &url.key)
                .header("x-oss-copy-source", source)
                .await
                .map_err(|e| CliError::oss(format!("cannot revert {url} to {version}"), e))?;
        }
        let verb = if ctx.dry_run() {
            "would revert"
        } else {
            "reverted"
        };
        return ctx.out.done(
            "Revert",
            json!({"Key": url.key, "VersionId": version, "DryRun": ctx.dry_run()}),
            || format!("{verb} {url} to version {version}"),
        );
    }
    let (prefix, exact) = if args.recursive {
        (url.dir_prefix(), false)
    } else {
        (OssUrl::parse_object(&args.url)?.key, true)
    };
    let filter = Filter::from_args(&args.filter)?;
    // The current version of each key; those that are delete markers are undone.
    let mut latest: BTreeMap<String, Version> = BTreeMap::new();
    for_each_version(&bucket, &url, &prefix, |v| {
        if exact && v.key != prefix {
            return Ok(true);
        }
        if v.is_latest && filter.name_passes(&v.key[prefix.len().min(v.key.len())..]) {
            latest.insert(v.key.clone(), v);
        }
        Ok(true)
    })
    .await?;
    let markers: Vec<Version> = latest.into_values().filter(|v| v.delete_marker).collect();
    if exact && markers.is_empty() {
        return Err(CliError::failed(format!(
            "{} is not deleted (its current version is not a delete marker); --version-id \
             brings back an older version",
            url.with_key(prefix.as_str())
        )));
    }
    if args.recursive && !markers.is_empty() {
        ctx.confirm(&format!(
            "Bring back {} under {} (removing their delete markers)?",
            count(markers.len() as u64, "deleted object"),
            url.with_key(prefix.as_str())
        ))?;
    }
    let verb = if ctx.dry_run() {
        "would bring back"
    } else {
        "brought back"
    };
    if !ctx.dry_run() {
        for chunk in markers.chunks(1000) {
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
                .call(OpId::DeleteMultipleObjects)
                .body(body)
                .send()
                .await
                .map_err(|e| CliError::oss(format!("cannot revert under {url}"), e))?;
            let doc = xml_to_json(&out.body).unwrap_or_default();
            let result = doc.get("DeleteResult").cloned().unwrap_or_default();
            if let Some(err) = children(&result, "Error").first() {
                return Err(CliError::failed(format!(
                    "a delete marker under {url} could not be removed: {err}"
                )));
            }
        }
    }
    let n = markers.len() as u64;
    let keys: Vec<&str> = markers.iter().map(|v| v.key.as_str()).collect();
    ctx.out.done(
        "Revert",
        json!({"Keys": keys, "Objects": n, "DryRun": ctx.dry_run()}),
        || {
            if exact {
                format!("{verb} {}", url.with_key(prefix.as_str()))
            } else {
                format!(
                    "{verb} {} under {}",
                    count(n, "object"),
                    url.with_key(prefix.as_str())
                )
            }
        },
    )
}
