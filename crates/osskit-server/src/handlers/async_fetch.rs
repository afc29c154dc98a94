//! Async fetch tasks (`PutAsyncFetchTask`, `GetAsyncFetchTask`): the server downloads a URL
//! into an object in the background, then makes the task's callback, if any.
//!
//! The URL is any `http`/`https` URL the server can reach (for example a presigned URL of
//! this same server, also by the names of the endpoints it plays:
//! [`crate::account::Account::with_own_hosts`]). The data is streamed into a blob, checked against `ContentMD5` when
//! given, and committed like a PutObject; with `IgnoreSameKey` (the default) an existing
//! object makes the submission fail with `ObjectAlreadyExists` and is never overwritten.
//! States and messages follow OSS: `Running`, then `Success`, `Failed` (with the reason) or
//! `FetchSuccessCallbackFailed`. Tasks are kept in memory: they do not outlive the process.

use std::sync::Arc;

use super::callback::{Callback, CallbackValues};
use super::config::{self, malformed};
use super::object::bucket_meta;
use crate::account::{FetchTaskRecord, FetchTasks, MetaIndexes};
use crate::dispatch::{AppState, RequestCtx};
use crate::error::OssError;
use crate::http::response::{now_millis, Reply};
use crate::store::{data::BlobWriter, ObjectMeta, ObjectType, PendingBlob, Store, StoreError};
use futures_util::StreamExt;
use hyper::body::Incoming;
use osskit_proto::digest::etag_from_md5;
use osskit_proto::error_code::ErrorCode;
use osskit_proto::ops::OpId;
use osskit_proto::xml::async_fetch::{
    self as model, AsyncFetchTaskConfiguration, AsyncFetchTaskDetails, AsyncFetchTaskInfo,
    AsyncFetchTaskResult,
};
use osskit_proto::xml::{self, Document};

/// The header naming the task of a GetAsyncFetchTask.
pub const TASK_ID_HEADER: &str = "x-oss-task-id";

/// Finished tasks kept for GetAsyncFetchTask; the oldest are forgotten beyond this.
const KEPT_TASKS: usize = 10_000;

/// PutAsyncFetchTask.
pub async fn put(
    state: &AppState,
    ctx: &RequestCtx,
    op: OpId,
    body: Incoming,
) -> Result<Reply, OssError> {
    let bucket = ctx.bucket_name().to_string();
    let doc = config::read_document(ctx, op, body).await?;
    let task = AsyncFetchTaskConfiguration::from_document(&doc).map_err(malformed)?;
    model::validate(&task)
        .map_err(|why| OssError::with_message(ErrorCode::InvalidArgument, why))?;
    super::object::validate_key(&task.object)?;
    if let Some(cb) = &task.callback {
        Callback::parse(cb, None).map_err(|why| OssError::invalid_argument(why, "Callback", ""))?;
    }
    let meta = bucket_meta(state, &bucket).await?;
    let keep_existing = task.ignore_same_key.unwrap_or(true);
    if keep_existing
        && super::object::find_object(state, &bucket, &task.object)
            .await?
            .is_some()
    {
        return Err(
            OssError::new(ErrorCode::ObjectAlreadyExists).with_detail("Object", &task.object)
        );
    }
    // An object a retention policy protects is not replaced by a fetch either.
    super::worm::check_replaceable(state, &bucket, &task.object).await?;
    let id = format!("{:032x}", rand::random::<u128>());
    let record = FetchTaskRecord {
        bucket: bucket.clone(),
        state: model::RUNNING.to_string(),
        error: String::new(),
        task: task.clone(),
        created_ms: now_millis(),
    };
    {
        let mut tasks = state
            .account
            .fetch_tasks
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        forget_old(&mut tasks);
        tasks.insert(id.clone(), record);
    }
    let job = Job {
        id: id.clone(),
        bucket,
        storage_class: meta.storage_class,
        task,
        keep_existing,
        region: meta.region,
        store: state.store.clone(),
        tasks: state.account.fetch_tasks.clone(),
        indexes: state.account.meta_indexes.clone(),
        http: state.account.http().map_err(OssError::internal)?,
    };
    state.account.spawn(job.run());
    Ok(Reply::xml(xml::to_xml(&AsyncFetchTaskResult::new(id))))
}

fn forget_old(tasks: &mut std::collections::HashMap<String, FetchTaskRecord>) {
    if tasks.len() < KEPT_TASKS {
        return;
    }
    let mut finished: Vec<(i64, String)> = tasks
        .iter()
        .filter(|(_, t)| t.state != model::RUNNING)
        .map(|(id, t)| (t.created_ms, id.clone()))
        .collect();
    finished.sort();
    for (_, id) in finished.into_iter().take(tasks.len() + 1 - KEPT_TASKS) {
        tasks.remove(&id);
    }
}

/// GetAsyncFetchTask.
pub async fn get(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let bucket = ctx.bucket_name();
    // The bucket must exist.
    bucket_meta(state, bucket).await?;
    let id = ctx.header(TASK_ID_HEADER).unwrap_or_default().trim();
    let record = state
        .account
        .fetch_tasks
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(id)
        .filter(|r| r.bucket == bucket)
        .cloned();
    let Some(record) = record else {
        return Err(OssError::new(ErrorCode::NoSuchAsyncFetchTask).with_detail("TaskId", id));
    };
    let info = AsyncFetchTaskInfo::new(
        id,
        record.state,
        record.error,
        AsyncFetchTaskDetails::from(&record.task),
    );
    Ok(Reply::xml(xml::to_xml(&info)))
}

/// The server-side encryption of a fetched object.
type Encryption = Option<Box<crate::store::ObjectEncryption>>;

/// A running task: everything it needs, without the server's state.
struct Job {
    id: String,
    bucket: String,
    storage_class: String,
    task: AsyncFetchTaskConfiguration,
    keep_existing: bool,
    /// The bucket's region (the default KMS key id of encrypted objects names it).
    region: String,
    store: Arc<dyn Store>,
    tasks: FetchTasks,
    indexes: MetaIndexes,
    http: reqwest::Client,
}

impl Job {
    async fn run(self) {
        let fetched = self.fetch().await;
        let (state, error) = match &fetched {
            Err(why) => {
                if self.task.callback_when_failed == Some(true) {
                    let _ = self.callback(&CallbackValues::default()).await;
                }
                (model::FAILED, why.clone())
            }
            Ok(values) => match self.callback(values).await {
                Ok(()) => (model::SUCCESS, String::new()),
                Err(why) => (model::FETCH_SUCCESS_CALLBACK_FAILED, why),
            },
        };
        if fetched.is_ok() {
            super::meta_query::mark_stale_in(&self.indexes, &self.bucket);
        }
        tracing::info!(task = %self.id, bucket = %self.bucket, object = %self.task.object, state, error = %error, "async fetch task ended");
        if let Some(record) = self
            .tasks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get_mut(&self.id)
        {
            record.state = state.to_string();
            record.error = error;
        }
    }

    async fn callback(&self, values: &CallbackValues) -> Result<(), String> {
        let Some(cb) = &self.task.callback else {
            return Ok(());
        };
        let cb = Callback::parse(cb, None)?;
        cb.call(&self.http, values).await.map(|_| ())
    }

    /// Downloads the URL into the object; what the callback needs to know about it.
    async fn fetch(&self) -> Result<CallbackValues, String> {
        let mut req = self.http.get(self.task.url.trim());
        if let Some(host) = self.task.host.as_deref().filter(|h| !h.is_empty()) {
            req = req.header("host", host);
        }
        let resp = req
            .send()
            .await
            .map_err(|e| format!("Fetching {} failed: {e}", self.task.url))?;
        let status = resp.status().as_u16();
        if !(200..300).contains(&status) {
            return Err(format!(
                "Fetching {} failed: the source answered HTTP {status}.",
                self.task.url
            ));
        }
        let content_type = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("application/octet-stream")
            .to_string();
        let (blob, encryption) = self.receive(resp).await?;
        let md5_b64 = crate::http::base64::encode(&blob.md5);
        if let Some(want) = self.task.content_md5.as_deref().filter(|m| !m.is_empty()) {
            if want.trim() != md5_b64 {
                return Err(format!(
                    "The MD5 of the fetched data ({md5_b64}) is not the ContentMD5 of the task ({want})."
                ));
            }
        }
        let meta = ObjectMeta {
            key: self.task.object.clone(),
            size: blob.size,
            etag: etag_from_md5(&blob.md5),
            crc64: blob.crc64,
            last_modified_ms: now_millis(),
            object_type: ObjectType::Normal,
            storage_class: self.storage_class.clone(),
            acl: "default".to_string(),
            headers: vec![("content-type".to_string(), content_type.clone())],
            user_meta: Vec::new(),
            data: crate::store::Extents::new(),
            encryption,
            extras: Default::default(),
            version: Default::default(),
        };
        let values = CallbackValues {
            bucket: self.bucket.clone(),
            object: meta.key.clone(),
            etag: meta.etag.trim_matches('"').to_string(),
            size: meta.size,
            mime_type: content_type,
            crc64: meta.crc64,
            content_md5: md5_b64,
            operation: "AsyncFetch".to_string(),
        };
        let (store, bucket, forbid) = (self.store.clone(), self.bucket.clone(), self.keep_existing);
        tokio::task::spawn_blocking(move || store.put_object(&bucket, meta, blob, forbid))
            .await
            .map_err(|e| format!("storing the object failed: {e}"))?
            .map_err(|e| match e {
                StoreError::ObjectAlreadyExists => {
                    "The object already exists and IgnoreSameKey is set.".to_string()
                }
                StoreError::NoSuchBucket => "The bucket no longer exists.".to_string(),
                other => format!("storing the object failed: {other}"),
            })?;
        Ok(values)
    }

    /// Streams the response into a new blob (memory stays bounded whatever the size),
    /// encrypted as the bucket's default encryption rule says.
    async fn receive(&self, resp: reqwest::Response) -> Result<(PendingBlob, Encryption), String> {
        let (tx, mut rx) = tokio::sync::mpsc::channel::<bytes::Bytes>(4);
        let (store, bucket, region) =
            (self.store.clone(), self.bucket.clone(), self.region.clone());
        let writer = tokio::task::spawn_blocking(move || -> Result<_, StoreError> {
            let encryption =
                super::encryption::bucket_default_in(store.as_ref(), &bucket, &region)?;
            let mut w: BlobWriter = store.new_blob()?;
            if encryption.is_some() {
                w.encrypt(None)?;
            }
            while let Some(chunk) = rx.blocking_recv() {
                w.write(&chunk)?;
            }
            Ok((w.finish()?, encryption))
        });
        let mut stream = resp.bytes_stream();
        let mut failure = None;
        let mut size: u64 = 0;
        while let Some(chunk) = stream.next().await {
            match chunk {
                Ok(chunk) => {
                    size += chunk.len() as u64;
                    if size > osskit_proto::ops::MAX_PUT_SIZE {
                        failure = Some("The source is larger than an object can be.".to_string());
                        break;
                    }
                    if tx.send(chunk).await.is_err() {
                        break;
                    }
                }
                Err(e) => {
                    failure = Some(format!("Reading {} failed: {e}", self.task.url));
                    break;
                }
            }
        }
        drop(tx);
        let blob = writer
            .await
            .map_err(|e| format!("writing the object failed: {e}"))?
            .map_err(|e| format!("writing the object failed: {e}"))?;
        match failure {
            // Dropping the pending blob removes its file.
            Some(why) => Err(why),
            None => Ok(blob),
        }
    }
}
