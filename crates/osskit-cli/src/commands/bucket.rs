//! `mb` and `rb`.

use osskit::{BucketAcl, StorageClass};
use serde_json::json;

use super::Ctx;
use crate::args::{MbArgs, RbArgs};
use crate::error::CliError;
use crate::format::count;
use crate::listing::list_oss;
use crate::location::OssUrl;

/// Makes a bucket.
pub async fn mb(ctx: &Ctx, args: MbArgs) -> Result<(), CliError> {
    let url = OssUrl::parse_bucket(&args.url)?;
    let acl: Option<BucketAcl> = args
        .acl
        .as_deref()
        .map(|acl| {
            acl.parse().map_err(|_| {
                CliError::usage(format!(
                    "--acl {acl:?}: expected private, public-read or public-read-write"
                ))
            })
        })
        .transpose()?;
    let class: Option<StorageClass> = args
        .storage_class
        .as_deref()
        .map(crate::transfer::storage_class)
        .transpose()?;
    let bucket = ctx.clients()?.bucket(&url.bucket)?;
    if ctx.dry_run() {
        return ctx.out.done(
            "MakeBucket",
            json!({"Bucket": url.bucket, "DryRun": true}),
            || format!("would make bucket {}", url.bucket),
        );
    }
    let mut req = bucket.create_bucket();
    if let Some(acl) = acl {
        req = req.acl(acl);
    }
    if let Some(class) = class {
        req = req.storage_class(class);
    }
    let out = req
        .await
        .map_err(|e| CliError::oss(format!("cannot make bucket {}", url.bucket), e))?;
    ctx.out.done(
        "MakeBucket",
        json!({"Bucket": url.bucket, "RequestId": out.request_id()}),
        || format!("made bucket {}", url.bucket),
    )
}

/// Removes a bucket; with `-r` (or the earlier `--force` alone), its objects and unfinished
/// multipart uploads first.
pub async fn rb(ctx: &Ctx, args: RbArgs) -> Result<(), CliError> {
    let url = OssUrl::parse_bucket(&args.url)?;
    let bucket = ctx.clients()?.bucket(&url.bucket)?;
    let recursive = args.recursive || ctx.global.force;
    let (mut objects, mut uploads) = (0u64, 0u64);
    if recursive {
        let entries = list_oss(&bucket, &url, "", &Default::default(), None).await?;
        let pending = super::abort_uploads_under(&bucket, &url, "", true).await?;
        if !entries.is_empty() || pending > 0 {
            ctx.confirm(&format!(
                "Remove bucket {} with its {} and {}?",
                url.bucket,
                count(entries.len() as u64, "object"),
                count(pending, "unfinished multipart upload")
            ))?;
        }
        if ctx.dry_run() {
            objects = entries.len() as u64;
            uploads = pending;
        } else {
            let keys = entries.into_iter().filter_map(|e| e.key).collect();
            objects = super::delete_keys(&bucket, &url, keys).await?;
            uploads = super::abort_uploads_under(&bucket, &url, "", false).await?;
        }
    }
    let verb = if ctx.dry_run() {
        "would remove"
    } else {
        "removed"
    };
    if !ctx.dry_run() {
        bucket
            .delete_bucket()
            .await
            .map_err(|e| CliError::oss(format!("cannot remove bucket {}", url.bucket), e))?;
    }
    ctx.out.done(
        "RemoveBucket",
        json!({
            "Bucket": url.bucket, "ObjectsRemoved": objects, "UploadsAborted": uploads,
            "DryRun": ctx.dry_run()
        }),
        || {
            let mut lines = Vec::new();
            if objects > 0 {
                lines.push(format!("{verb} {}", count(objects, "object")));
            }
            if uploads > 0 {
                let v = if ctx.dry_run() {
                    "would abort"
                } else {
                    "aborted"
                };
                lines.push(format!("{v} {}", count(uploads, "multipart upload")));
            }
            lines.push(format!("{verb} bucket {}", url.bucket));
            lines.join("\n")
        },
    )
}
