//! `ls` and `du`.

use futures_util::TryStreamExt;
use osskit::ListItem;

use crate::args::{DuArgs, LsArgs};
use crate::client::Clients;
use crate::error::CliError;
use crate::format::{count, size, time};
use crate::location::OssUrl;

/// Lists the buckets, or the objects under a prefix.
pub async fn ls(clients: &Clients, args: LsArgs) -> Result<(), CliError> {
    match &args.url {
        None => list_buckets(clients).await,
        Some(url) => list_objects(clients, &OssUrl::parse(url)?, &args).await,
    }
}

async fn list_buckets(clients: &Clients) -> Result<(), CliError> {
    let service = clients.service()?;
    let mut buckets = service.list_buckets().into_paginator();
    let mut n = 0u64;
    while let Some(b) = buckets
        .try_next()
        .await
        .map_err(|e| CliError::oss("cannot list buckets", e))?
    {
        let created = osskit::utils::iso8601_to_unixtime(&b.creation_date).ok();
        println!(
            "{}  {:<20}  {:<12}  oss://{}",
            time(created),
            b.location,
            b.storage_class,
            b.name
        );
        n += 1;
    }
    println!("{}", count(n, "bucket"));
    Ok(())
}

async fn list_objects(clients: &Clients, url: &OssUrl, args: &LsArgs) -> Result<(), CliError> {
    let bucket = clients.bucket(&url.bucket)?;
    let mut req = bucket.list_objects_v2().prefix(&url.key).max_keys(1000);
    if !args.recursive {
        req = req.delimiter("/");
    }
    let mut items = req.into_items();
    let (mut objects, mut prefixes, mut total) = (0u64, 0u64, 0u64);
    while let Some(item) = items
        .try_next()
        .await
        .map_err(|e| CliError::oss(format!("cannot list {url}"), e))?
    {
        match item {
            ListItem::Object(o) => {
                println!(
                    "{}  {:>10}  {:<12}  {}",
                    time(o.last_modified),
                    size(o.size, args.bytes),
                    o.storage_class,
                    url.with_key(o.key)
                );
                objects += 1;
                total += o.size;
            }
            ListItem::CommonPrefix(p) => {
                println!("{:19}  {:>10}  {:<12}  {}", "", "DIR", "", url.with_key(p));
                prefixes += 1;
            }
        }
    }
    let mut summary = count(objects, "object");
    if !args.recursive {
        summary.push_str(&format!(", {}", count(prefixes, "prefix")));
    }
    println!("{summary}, total {}", size(total, args.bytes));
    Ok(())
}

/// Counts the objects under a prefix and adds up their sizes.
pub async fn du(clients: &Clients, args: DuArgs) -> Result<(), CliError> {
    let url = OssUrl::parse(&args.url)?;
    let bucket = clients.bucket(&url.bucket)?;
    let (n, total) = super::objects_under(&bucket, &url, &url.dir_prefix())
        .try_fold((0u64, 0u64), |(n, total), o| async move {
            Ok((n + 1, total + o.size))
        })
        .await?;
    println!(
        "{}\t{}\t{}",
        size(total, args.bytes),
        count(n, "object"),
        url.with_key(url.dir_prefix())
    );
    Ok(())
}
