//! The subcommands, one module per family.

mod api;
mod bucket;
mod cp;
mod list;
mod object;
mod sign;

use futures_util::{Stream, TryStreamExt};
use osskit::{Bucket, ListItem, ObjectSummary};

use crate::args::{Command, ConnectionArgs};
use crate::client::Clients;
use crate::config;
use crate::error::CliError;
use crate::location::OssUrl;

/// Runs a client command (everything but `serve`).
pub async fn run(command: Command) -> Result<(), CliError> {
    match command {
        Command::Serve(_) => Err(CliError::usage("`serve` is not a client command")),
        Command::Mb(a) => bucket::mb(&clients(&a.conn)?, a).await,
        Command::Rb(a) => bucket::rb(&clients(&a.conn)?, a).await,
        Command::Ls(a) => list::ls(&clients(&a.conn)?, a).await,
        Command::Du(a) => list::du(&clients(&a.conn)?, a).await,
        Command::Cp(a) => cp::cp(&clients(&a.conn)?, a).await,
        Command::Cat(a) => object::cat(&clients(&a.conn)?, a).await,
        Command::Stat(a) => object::stat(&clients(&a.conn)?, a).await,
        Command::Rm(a) => object::rm(&clients(&a.conn)?, a).await,
        Command::Sign(a) => sign::sign(&clients(&a.conn)?, a).await,
        Command::Api(a) => api::api(a).await,
    }
}

/// Clients configured from the flags, the environment and the configuration file.
fn clients(conn: &ConnectionArgs) -> Result<Clients, CliError> {
    let settings = config::resolve(conn, &|name| std::env::var(name).ok())?;
    Clients::new(settings)
}

/// Every object whose key starts with `prefix`, across pages.
fn objects_under(
    bucket: &Bucket,
    url: &OssUrl,
    prefix: &str,
) -> impl Stream<Item = Result<ObjectSummary, CliError>> + Send + 'static {
    let what = format!("cannot list {}", url.with_key(prefix));
    bucket
        .list_objects_v2()
        .prefix(prefix)
        .max_keys(1000)
        .into_items()
        .try_filter_map(|item| async move {
            Ok(match item {
                ListItem::Object(o) => Some(o),
                ListItem::CommonPrefix(_) => None,
            })
        })
        .map_err(move |e| CliError::oss(&what, e))
}

/// Deletes every object under `prefix` page by page; returns how many were deleted.
async fn delete_under(bucket: &Bucket, url: &OssUrl, prefix: &str) -> Result<u64, CliError> {
    let mut pages = bucket
        .list_objects_v2()
        .prefix(prefix)
        .max_keys(1000)
        .into_paginator();
    let mut deleted = 0u64;
    while let Some(page) = pages
        .try_next()
        .await
        .map_err(|e| CliError::oss(format!("cannot list {}", url.with_key(prefix)), e))?
    {
        let keys: Vec<String> = page.objects.into_iter().map(|o| o.key).collect();
        if keys.is_empty() {
            continue;
        }
        let out = bucket
            .batch_delete_objects(keys)
            .await
            .map_err(|e| CliError::oss(format!("cannot delete under {url}"), e))?;
        if let Some(key) = out.not_deleted.first() {
            return Err(CliError::failed(format!(
                "{} under {url} could not be deleted, among them {}",
                crate::format::count(out.not_deleted.len() as u64, "object"),
                url.with_key(key.as_str())
            )));
        }
        deleted += out.deleted.len() as u64;
    }
    Ok(deleted)
}

/// Aborts every unfinished multipart upload under `prefix`; returns how many were aborted.
async fn abort_uploads_under(bucket: &Bucket, url: &OssUrl, prefix: &str) -> Result<u64, CliError> {
    let mut uploads = bucket.list_multipart_uploads().prefix(prefix).into_items();
    let mut aborted = 0u64;
    while let Some(item) = uploads.try_next().await.map_err(|e| {
        CliError::oss(
            format!(
                "cannot list the multipart uploads of {}",
                url.with_key(prefix)
            ),
            e,
        )
    })? {
        if let osskit::UploadItem::Upload(u) = item {
            bucket
                .abort_multipart_upload(&u.key, &u.upload_id)
                .await
                .map_err(|e| {
                    CliError::oss(
                        format!(
                            "cannot abort upload {} of {}",
                            u.upload_id,
                            url.with_key(u.key.as_str())
                        ),
                        e,
                    )
                })?;
            aborted += 1;
        }
    }
    Ok(aborted)
}
