//! `mb` and `rb`.

use osskit::{BucketAcl, StorageClass};

use crate::args::{MbArgs, RbArgs};
use crate::client::Clients;
use crate::error::CliError;
use crate::format::count;
use crate::location::OssUrl;

/// Makes a bucket.
pub async fn mb(clients: &Clients, args: MbArgs) -> Result<(), CliError> {
    let url = OssUrl::parse_bucket(&args.url)?;
    let bucket = clients.bucket(&url.bucket)?;
    let mut req = bucket.create_bucket();
    if let Some(acl) = &args.acl {
        let acl: BucketAcl = acl.parse().map_err(|_| {
            CliError::usage(format!(
                "--acl {acl:?}: expected private, public-read or public-read-write"
            ))
        })?;
        req = req.acl(acl);
    }
    if let Some(class) = &args.storage_class {
        let class: StorageClass = class.parse().map_err(|_| {
            CliError::usage(format!(
                "--storage-class {class:?}: expected Standard, IA, Archive, ColdArchive or DeepColdArchive"
            ))
        })?;
        req = req.storage_class(class);
    }
    req.await
        .map_err(|e| CliError::oss(format!("cannot make bucket {}", url.bucket), e))?;
    println!("made bucket {}", url.bucket);
    Ok(())
}

/// Removes a bucket; with `--force`, its objects and unfinished multipart uploads first.
pub async fn rb(clients: &Clients, args: RbArgs) -> Result<(), CliError> {
    let url = OssUrl::parse_bucket(&args.url)?;
    let bucket = clients.bucket(&url.bucket)?;
    if args.force {
        let n = super::delete_under(&bucket, &url, "").await?;
        if n > 0 {
            println!("removed {}", count(n, "object"));
        }
        let n = super::abort_uploads_under(&bucket, &url, "").await?;
        if n > 0 {
            println!("aborted {}", count(n, "multipart upload"));
        }
    }
    bucket
        .delete_bucket()
        .await
        .map_err(|e| CliError::oss(format!("cannot remove bucket {}", url.bucket), e))?;
    println!("removed bucket {}", url.bucket);
    Ok(())
}
