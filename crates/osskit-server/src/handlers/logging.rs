//! Access logging: storage (`PutBucketLogging` and friends), one log line per request to a
//! logged bucket, and the background flusher that writes the lines as log objects into the
//! target bucket.
//!
//! Lines wait in memory and are written every flush interval (`--access-log-interval`,
//! OSS writes hourly), when more than [`MAX_PENDING_BYTES`] wait, and when the server shuts
//! down. Each flush writes one object per source bucket, target and prefix, named
//! `<TargetPrefix><SourceBucket>YYYY-mm-DD-HH-MM-SS-<UniqueString>` (UTC). Lines whose
//! target bucket no longer exists are dropped, as OSS drops them. A crash loses the lines
//! not yet written (OSS, too, delivers access logs on a best-effort basis).

use super::config::{self, malformed, Family};
use super::{blocking, quick, OWNER_ID};
use crate::dispatch::{AppState, RequestCtx};
use crate::error::OssError;
use crate::http::response::{now_millis, now_secs, Reply};
use crate::store::{ObjectMeta, ObjectType};
use hyper::body::Incoming;
use osskit_proto::digest::etag_from_md5;
use osskit_proto::error_code::ErrorCode;
use osskit_proto::ops::OpId;
use osskit_proto::xml::logging::{
    self as model, log_object_name, AccessLogRecord, BucketLoggingStatus,
};
use osskit_proto::xml::Document;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{watch, Notify};

/// The logging family. A bucket without logging answers an empty `BucketLoggingStatus`,
/// as OSS does, so `not_found` is never used.
pub static FAMILY: Family = Family {
    name: "logging",
    not_found: ErrorCode::InvalidRequest,
    content_type: "application/xml",
    accept,
};

/// Default time between two flushes.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(300);

/// Lines waiting beyond this many bytes make the flusher write at once.
pub const MAX_PENDING_BYTES: usize = 8 * 1024 * 1024;

fn accept(_ctx: &RequestCtx, doc: &[u8]) -> Result<Vec<u8>, OssError> {
    let status = BucketLoggingStatus::from_document(doc).map_err(malformed)?;
    model::validate(&status)
        .map_err(|why| OssError::with_message(ErrorCode::InvalidArgument, why))?;
    status
        .to_document()
        .map(String::into_bytes)
        .map_err(OssError::internal)
}

/// `PutBucketLogging`: the target bucket must exist (`InvalidTargetBucketForLogging`); a
/// status without `LoggingEnabled` turns logging off.
pub async fn put(
    state: &AppState,
    ctx: &RequestCtx,
    op: OpId,
    body: Incoming,
) -> Result<Reply, OssError> {
    let doc = config::read_document(ctx, op, body).await?;
    let stored = accept(ctx, &doc)?;
    let status = BucketLoggingStatus::from_document(&stored).map_err(OssError::internal)?;
    if let Some(on) = &status.logging_enabled {
        let target = on.target_bucket.clone();
        if quick(state, move |s| s.bucket(&target)).await.is_err() {
            return Err(OssError::new(ErrorCode::InvalidTargetBucketForLogging)
                .with_detail("TargetBucket", &on.target_bucket));
        }
    }
    let doc = status.logging_enabled.is_some().then_some(stored);
    let result = config::store(state, ctx.bucket_name(), &FAMILY, doc).await;
    state.web.forget(ctx.bucket_name());
    result.map(|_| Reply::new(200))
}

/// `GetBucketLogging`: the status, empty when logging is off.
pub async fn get(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let doc = match config::load(state, ctx.bucket_name(), &FAMILY).await? {
        Some(doc) => doc,
        None => BucketLoggingStatus::disabled()
            .to_document()
            .map_err(OssError::internal)?
            .into_bytes(),
    };
    Ok(config::document(FAMILY.content_type, doc))
}

/// `DeleteBucketLogging`.
pub async fn delete(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let reply = config::delete(state, ctx, &FAMILY).await;
    state.web.forget(ctx.bucket_name());
    reply
}

/// Where a group of lines goes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Destination {
    source: String,
    target: String,
    prefix: String,
}

#[derive(Debug, Default)]
struct Pending {
    bytes: usize,
    lines: HashMap<Destination, Vec<String>>,
}

/// Access log lines waiting to be written, and when to write them.
#[derive(Debug)]
pub struct AccessLog {
    interval: Duration,
    pending: Mutex<Pending>,
    wake: Notify,
    objects: AtomicU64,
}

impl AccessLog {
    /// A buffer flushed every `interval`.
    pub fn new(interval: Duration) -> Self {
        AccessLog {
            interval,
            pending: Mutex::new(Pending::default()),
            wake: Notify::new(),
            objects: AtomicU64::new(0),
        }
    }

    fn push(&self, destination: Destination, line: String) {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        pending.bytes += line.len() + 1;
        pending.lines.entry(destination).or_default().push(line);
        if pending.bytes > MAX_PENDING_BYTES {
            self.wake.notify_one();
        }
    }

    fn take(&self) -> HashMap<Destination, Vec<String>> {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        pending.bytes = 0;
        std::mem::take(&mut pending.lines)
    }
}

/// The access key id a request was signed with, if any.
fn access_key_id(ctx: &RequestCtx) -> Option<String> {
    if let Some(auth) = ctx.header("authorization") {
        let auth = auth.trim();
        if let Some(rest) = auth.strip_prefix("OSS ") {
            return rest.split(':').next().map(str::to_string);
        }
        if let Some(i) = auth.find("Credential=") {
            let cred = &auth[i + "Credential=".len()..];
            return cred.split('/').next().map(str::to_string);
        }
        return None;
    }
    ctx.param("OSSAccessKeyId").map(str::to_string).or_else(|| {
        ctx.param("x-oss-credential")
            .and_then(|c| c.split('/').next())
            .map(str::to_string)
    })
}

fn header_u64(reply: &Reply, name: &str) -> Option<u64> {
    reply.get(name).and_then(|v| v.trim().parse().ok())
}

/// Records a request to a logged bucket (a cached lookup for the others). Also drops the
/// cached documents of a bucket that was just created or deleted.
pub async fn record(
    state: &AppState,
    ctx: &RequestCtx,
    reply: &Reply,
    error_code: Option<&str>,
    started: Instant,
) {
    let Some(bucket) = ctx.bucket.as_deref() else {
        return;
    };
    let bucket_call = ctx.key.is_empty() && ctx.params.is_empty();
    if bucket_call
        && (ctx.method == http::Method::PUT || ctx.method == http::Method::DELETE)
        && reply.status < 300
    {
        state.web.forget(bucket);
    }
    let Some(web) = state.web.bucket(state, bucket).await else {
        return;
    };
    let Some(target) = &web.logging else {
        return;
    };
    let elapsed = started.elapsed().as_millis() as u64;
    let operation = crate::dispatch::route(ctx)
        .map(|op| op.name().to_string())
        .unwrap_or_default();
    let path = if crate::dispatch::virtual_host_bucket(&ctx.host, &state.base_domains).is_some() {
        format!("/{}", osskit_proto::encoding::quote(&ctx.key, "/"))
    } else if ctx.key.is_empty() {
        format!("/{bucket}")
    } else {
        format!("/{bucket}/{}", osskit_proto::encoding::quote(&ctx.key, "/"))
    };
    let query = super::website::query_string(&ctx.params);
    let request_line = if query.is_empty() {
        format!("{} {path} HTTP/1.1", ctx.method)
    } else {
        format!("{} {path}?{query} HTTP/1.1", ctx.method)
    };
    let request_body = ctx
        .header("content-length")
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(0);
    let head_len: usize = ctx.headers.iter().map(|(k, v)| k.len() + v.len() + 4).sum();
    let key_id = access_key_id(ctx);
    let sent = header_u64(reply, "content-length").unwrap_or(0);
    let object_size = if ctx.key.is_empty() {
        None
    } else if ctx.method == http::Method::PUT || ctx.method == http::Method::POST {
        Some(request_body)
    } else if reply.status < 300 {
        Some(sent)
    } else {
        None
    };
    let mut record = AccessLogRecord::default();
    record.remote_ip = ctx.peer.map(|p| p.ip().to_string()).unwrap_or_default();
    record.time = started_unix(started);
    record.request_line = request_line.clone();
    record.status = reply.status;
    record.sent_bytes = if ctx.method == http::Method::HEAD {
        0
    } else {
        sent
    };
    record.request_time_ms = elapsed;
    record.referer = ctx.header("referer").unwrap_or_default().to_string();
    record.user_agent = ctx.header("user-agent").unwrap_or_default().to_string();
    record.host = ctx.host.clone();
    record.request_id = ctx.request_id.clone();
    record.requester = if key_id.is_some() {
        OWNER_ID.to_string()
    } else {
        String::new()
    };
    record.operation = operation;
    record.bucket = bucket.to_string();
    record.key = ctx.key.clone();
    record.object_size = object_size;
    record.server_cost_ms = elapsed;
    record.error_code = error_code.unwrap_or_default().to_string();
    record.request_length = (request_line.len() + 2 + head_len + 2) as u64 + request_body;
    record.owner = OWNER_ID.to_string();
    record.storage_class = reply
        .get(osskit_proto::headers::STORAGE_CLASS)
        .unwrap_or_default()
        .to_string();
    record.access_key_id = key_id.unwrap_or_default();
    state.web.access_log.push(
        Destination {
            source: bucket.to_string(),
            target: target.target_bucket.clone(),
            prefix: target.target_prefix.clone(),
        },
        record.to_line(),
    );
}

/// The Unix time at which `started` was taken.
fn started_unix(started: Instant) -> i64 {
    now_secs() - started.elapsed().as_secs() as i64
}

/// Writes every waiting line: one object per source bucket, target and prefix.
pub async fn flush(state: &AppState) {
    let groups = state.web.access_log.take();
    for (dest, lines) in groups {
        let mut body = lines.join("\n");
        body.push('\n');
        let n = state.web.access_log.objects.fetch_add(1, Ordering::Relaxed) % 10_000;
        let key = log_object_name(&dest.prefix, &dest.source, now_secs(), &format!("{n:04}"));
        let target = dest.target.clone();
        let region = state.region.clone();
        let written = blocking(state, move |s| {
            let encryption = super::encryption::bucket_default_in(s, &target, &region)?;
            let mut w = s.new_blob()?;
            if encryption.is_some() {
                w.encrypt(None)?;
            }
            w.write(body.as_bytes())?;
            let blob = w.finish()?;
            let meta = ObjectMeta {
                key,
                size: blob.size,
                etag: etag_from_md5(&blob.md5),
                crc64: blob.crc64,
                last_modified_ms: now_millis(),
                object_type: ObjectType::Normal,
                storage_class: "Standard".to_string(),
                acl: "default".to_string(),
                headers: vec![("content-type".to_string(), "text/plain".to_string())],
                user_meta: Vec::new(),
                data: crate::store::Extents::new(),
                encryption,
                extras: Default::default(),
                version: Default::default(),
            };
            s.put_object(&target, meta, blob, false)
        })
        .await;
        if let Err(e) = written {
            tracing::warn!(source = %dest.source, target = %dest.target, error = %e, lines = lines.len(), "access log lines dropped");
        }
    }
}

/// Flushes every interval (or when much is waiting) until `stopped`, then once more.
pub async fn run_flusher(state: Arc<AppState>, mut stopped: watch::Receiver<bool>) {
    let interval = state.web.access_log.interval;
    loop {
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = state.web.access_log.wake.notified() => {}
            _ = stopped.changed() => break,
        }
        flush(&state).await;
    }
    flush(&state).await;
}
