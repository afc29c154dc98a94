//! A tour of the SDK: buckets, upload, listing, a ranged read, download to a file and a
//! presigned URL.
//!
//! With no `OSS_ENDPOINT` in the environment the demo starts the local OSS server in-process
//! (data in a temporary directory) and needs no cloud account:
//!
//! ```text
//! cargo run -p oss --example demo
//! ```
//!
//! Against a real endpoint it uses `OSS_ENDPOINT`, `OSS_ACCESS_KEY_ID`,
//! `OSS_ACCESS_KEY_SECRET`, `OSS_REGION` (V4 signing) and `OSS_BUCKET` (an existing bucket; the
//! demo writes and then deletes objects under `oss-rust-demo/`).

use std::time::Duration;

use futures_util::TryStreamExt;
use osskit::{AuthV4, Bucket, ListItem, Method, Service};

type DemoResult<T = ()> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

struct Target {
    endpoint: String,
    access_key_id: String,
    access_key_secret: String,
    region: String,
    bucket: String,
    create_bucket: bool,
    // Keeps the embedded server (and its temporary directory) alive for the whole demo.
    _local: Option<osskit_server::testing::TestServer>,
}

async fn target() -> DemoResult<Target> {
    if let Ok(endpoint) = std::env::var("OSS_ENDPOINT") {
        let var = |name: &str| {
            std::env::var(name)
                .map_err(|_| format!("OSS_ENDPOINT is set, so {name} must be set too"))
        };
        return Ok(Target {
            endpoint,
            access_key_id: var("OSS_ACCESS_KEY_ID")?,
            access_key_secret: var("OSS_ACCESS_KEY_SECRET")?,
            region: var("OSS_REGION")?,
            bucket: var("OSS_BUCKET")?,
            create_bucket: false,
            _local: None,
        });
    }
    use osskit_server::testing::{TestServer, TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET};
    let server = TestServer::start().await;
    println!("started a local OSS server at {}", server.endpoint());
    Ok(Target {
        endpoint: server.endpoint(),
        access_key_id: TEST_ACCESS_KEY_ID.into(),
        access_key_secret: TEST_ACCESS_KEY_SECRET.into(),
        region: "cn-hangzhou".into(),
        bucket: "oss-rust-demo".into(),
        create_bucket: true,
        _local: Some(server),
    })
}

#[tokio::main]
async fn main() -> DemoResult {
    let t = target().await?;
    let auth = AuthV4::new(&t.access_key_id, &t.access_key_secret);
    let bucket = Bucket::builder(auth.clone(), &t.endpoint, &t.bucket)
        .region(&t.region)
        .app_name("demo")
        .build()?;

    // 1. Buckets.
    if t.create_bucket {
        let created = bucket.create_bucket().await?;
        println!(
            "created bucket {} (request id {})",
            t.bucket,
            created.request_id()
        );
    }
    let service = Service::builder(auth, &t.endpoint)
        .region(&t.region)
        .build()?;
    let names: Vec<String> = service
        .list_buckets()
        .into_paginator()
        .map_ok(|b| format!("{} ({})", b.name, b.location))
        .try_collect()
        .await?;
    println!("buckets: {}", names.join(", "));

    // 2. Uploads from a string, bytes and a file.
    let prefix = "oss-rust-demo/";
    let greeting = format!("{prefix}hello.txt");
    let put = bucket
        .put_object(greeting.as_str(), "Hello, OSS!\n")
        .content_type("text/plain")
        .metadata("author", "demo")
        .await?;
    println!("put {greeting}: etag {} crc64 {:?}", put.etag, put.crc64);
    let data: Vec<u8> = (0..256 * 1024u32).map(|i| (i % 251) as u8).collect();
    bucket
        .put_object(format!("{prefix}data/blob.bin"), data.clone())
        .await?;
    let dir = tempfile::tempdir()?;
    let local = dir.path().join("notes.md");
    std::fs::write(&local, "# notes\nuploaded from a file\n")?;
    bucket
        .put_object_from_file(format!("{prefix}data/notes.md"), &local)
        .await?;

    // 3. Listing: one level with a delimiter, then everything with a paginator.
    let page = bucket
        .list_objects_v2()
        .prefix(prefix)
        .delimiter("/")
        .await?;
    for o in &page.objects {
        println!("  {:>8}  {}", o.size, o.key);
    }
    for p in &page.common_prefixes {
        println!("  {:>8}  {}", "DIR", p);
    }
    let all: Vec<ListItem> = bucket
        .list_objects_v2()
        .prefix(prefix)
        .max_keys(2)
        .into_items()
        .try_collect()
        .await?;
    println!("{} objects under {prefix} (listed two per page)", all.len());

    // 4. A ranged read with oss2's (start, last) semantics: bytes 100..=199.
    let ranged = bucket
        .get_object(format!("{prefix}data/blob.bin"))
        .range((100, 199))
        .await?;
    let bytes = ranged.body.collect_bytes().await?;
    assert_eq!(&bytes[..], &data[100..200]);
    println!(
        "ranged read: {} bytes, {:?}",
        bytes.len(),
        ranged.content_range
    );

    // 5. Download to a file: written to a temporary name, length and CRC-64 checked, renamed.
    let downloaded = dir.path().join("blob.bin");
    bucket
        .get_object_to_file(format!("{prefix}data/blob.bin"), &downloaded)
        .await?;
    assert_eq!(std::fs::read(&downloaded)?, data);
    println!("downloaded to {} (CRC-64 verified)", downloaded.display());

    // 6. A presigned URL anyone can GET for five minutes.
    let url = bucket
        .sign_url(Method::GET, greeting.as_str(), Duration::from_secs(300))
        .build()
        .await?;
    println!("presigned URL: {url}");
    let via_url = bucket.get_object_with_url(url.as_str()).await?;
    println!(
        "fetched through the URL: {:?}",
        String::from_utf8_lossy(&via_url.body.collect_bytes().await?)
    );

    // 7. Clean up.
    let keys: Vec<String> = bucket
        .list_objects_v2()
        .prefix(prefix)
        .into_items()
        .map_ok(|item| item.key().to_string())
        .try_collect()
        .await?;
    let deleted = bucket.batch_delete_objects(keys).await?;
    println!("deleted {} objects", deleted.deleted.len());
    if t.create_bucket {
        bucket.delete_bucket().await?;
        println!("deleted bucket {}", t.bucket);
    }
    Ok(())
}
