//! `cat`, `stat` and `rm`.

use futures_util::TryStreamExt;
use tokio::io::AsyncWriteExt;

use crate::args::{RmArgs, UrlArgs};
use crate::client::Clients;
use crate::error::CliError;
use crate::format::{count, time};
use crate::location::OssUrl;

/// Writes an object to stdout, then checks its CRC-64.
pub async fn cat(clients: &Clients, args: UrlArgs) -> Result<(), CliError> {
    let url = OssUrl::parse_object(&args.url)?;
    let bucket = clients.bucket(&url.bucket)?;
    let what = format!("cannot read {url}");
    let mut out = bucket
        .get_object(&url.key)
        .await
        .map_err(|e| CliError::oss(&what, e))?;
    let mut body = std::mem::replace(&mut out.body, osskit::ByteStream::from_bytes(Vec::new()));
    let mut stdout = tokio::io::stdout();
    while let Some(chunk) = body.try_next().await.map_err(|e| CliError::oss(&what, e))? {
        stdout
            .write_all(&chunk)
            .await
            .map_err(|e| CliError::io("cannot write to stdout", e))?;
    }
    stdout
        .flush()
        .await
        .map_err(|e| CliError::io("cannot write to stdout", e))?;
    if let (Some(client), Some(server)) = (out.client_crc(), out.server_crc) {
        if client != server {
            return Err(CliError::failed(format!(
                "{url}: the bytes read have CRC-64 {client} but OSS announced {server} \
                 [request id {}]",
                out.meta.request_id()
            )));
        }
    }
    Ok(())
}

/// Shows a bucket's information or an object's attributes.
pub async fn stat(clients: &Clients, args: UrlArgs) -> Result<(), CliError> {
    let url = OssUrl::parse(&args.url)?;
    let bucket = clients.bucket(&url.bucket)?;
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
        print_rows(&rows);
        return Ok(());
    }
    let head = bucket
        .head_object(&url.key)
        .await
        .map_err(|e| CliError::oss(format!("cannot stat {url}"), e))?;
    let opt = |v: Option<String>| v.unwrap_or_else(|| "-".to_string());
    let mut rows = vec![
        ("Key", url.key.clone()),
        (
            "Content-Length",
            opt(head.content_length.map(|n| n.to_string())),
        ),
        ("Content-Type", opt(head.content_type)),
        ("ETag", head.etag),
        ("Last-Modified", time(head.last_modified)),
        ("Object-Type", opt(head.object_type)),
        ("Storage-Class", opt(head.storage_class)),
        ("CRC64", opt(head.crc64.map(|c| c.to_string()))),
    ];
    if let Some(v) = head.version_id {
        rows.push(("Version-Id", v));
    }
    if let Some(p) = head.next_position {
        rows.push(("Next-Append-Position", p.to_string()));
    }
    print_rows(&rows);
    for (name, value) in &head.metadata {
        println!("{:<22}{value}", format!("x-oss-meta-{name}:"));
    }
    Ok(())
}

fn print_rows(rows: &[(&str, String)]) {
    for (name, value) in rows {
        println!("{:<22}{value}", format!("{name}:"));
    }
}

/// Removes one object, or every object under a prefix.
pub async fn rm(clients: &Clients, args: RmArgs) -> Result<(), CliError> {
    let url = OssUrl::parse(&args.url)?;
    let bucket = clients.bucket(&url.bucket)?;
    if args.recursive {
        let prefix = url.dir_prefix();
        let n = super::delete_under(&bucket, &url, &prefix).await?;
        println!(
            "removed {} under {}",
            count(n, "object"),
            url.with_key(prefix)
        );
        return Ok(());
    }
    let url = OssUrl::parse_object(&args.url)?;
    bucket
        .delete_object(&url.key)
        .await
        .map_err(|e| CliError::oss(format!("cannot remove {url}"), e))?;
    println!("removed {url}");
    Ok(())
}
