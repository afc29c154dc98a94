//! Resumable upload of a local file.

use std::collections::{HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::task::JoinSet;

use crate::bucket::BucketClient;
use crate::error::{Error, Result};
use crate::hooks::{Codec, NewObjectCodec, Positioned, RequestHook, TransferCodecs};
use crate::mode::{Async, Mode};
use crate::ops::{check_key, impl_send};
use crate::progress::ProgressFn;
use crate::transfer::buffers::PartBuffers;
use crate::transfer::checkpoint::{
    default_checkpoint_dir, CheckpointFile, FileIdentity, Loaded, UploadRecord, MAGIC, VERSION,
};
use crate::transfer::plan::{determine_part_size, split, PlannedPart, MAX_PARTS, MIN_PART_SIZE};
use crate::transfer::progress::SharedProgress;
use crate::transfer::remote::{self, DonePart, ListedPart, ObjectHeaders};
use crate::transfer::{
    async_client, files, object_header_setters, DEFAULT_PARALLELISM, DEFAULT_PART_SIZE,
    DEFAULT_THRESHOLD,
};

/// The outcome of an upload by [`ResumableUpload`] or [`UploadStream`](super::UploadStream).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UploadOutput {
    /// The key written.
    pub key: String,
    /// ETag of the new object, without quotes.
    pub etag: String,
    /// CRC-64 of the new object as OSS reports it (checked against the local bytes when CRC
    /// checks are on).
    pub crc64: Option<u64>,
    /// Size of the object.
    pub size: u64,
    /// The multipart upload id; `None` when a single PutObject was enough.
    pub upload_id: Option<String>,
    /// Number of parts (1 for a single PutObject).
    pub parts: u32,
    /// Bytes that were already stored by an earlier, interrupted run and were not sent again.
    pub resumed_bytes: u64,
}

/// Resumable upload of a file: see [`BucketClient::resumable_upload`].
pub struct ResumableUpload<M: Mode = Async> {
    client: BucketClient<M>,
    key: String,
    path: PathBuf,
    headers: ObjectHeaders,
    part_size: u64,
    parallelism: usize,
    threshold: u64,
    checkpoint_dir: Option<PathBuf>,
    checkpoint: bool,
    progress: Option<ProgressFn>,
    /// Client-side encryption of the parts.
    pub(crate) codecs: Option<Arc<dyn TransferCodecs>>,
}

object_header_setters!(ResumableUpload);
impl_send!(ResumableUpload => UploadOutput);

impl<M: Mode> ResumableUpload<M> {
    /// Files of at least this size go up as a multipart upload (default 10 MiB); smaller
    /// ones in one PutObject.
    pub fn multipart_threshold(mut self, bytes: u64) -> Self {
        self.threshold = bytes;
        self
    }

    /// Preferred part size (default 8 MiB). It is raised to at least 100 KiB and grown when
    /// the file would need more than 10,000 parts. A resumed upload keeps the part size of
    /// the interrupted one.
    pub fn part_size(mut self, bytes: u64) -> Self {
        self.part_size = bytes;
        self
    }

    /// How many parts are sent at the same time (default 4, at least 1).
    pub fn parallelism(mut self, parts: usize) -> Self {
        self.parallelism = parts.max(1);
        self
    }

    /// Directory of the checkpoint files (default `<system temp>/oss-checkpoints`).
    pub fn checkpoint_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.checkpoint_dir = Some(dir.into());
        self
    }

    /// With `false`, no checkpoint is kept: an interrupted upload cannot be resumed and a
    /// failed one is aborted.
    pub fn checkpoint(mut self, yes: bool) -> Self {
        self.checkpoint = yes;
        self
    }

    /// Called with `(bytes done, Some(file size))`; each byte is counted once, the bytes of
    /// a resumed upload in one call at the start.
    pub fn progress(mut self, f: impl Fn(u64, Option<u64>) + Send + Sync + 'static) -> Self {
        self.progress = Some(crate::progress::callback(f));
        self
    }

    async fn execute(self) -> Result<UploadOutput> {
        check_key(&self.key)?;
        let client = async_client(&self.client);
        let path = std::path::absolute(&self.path)
            .map_err(|e| checkpoint_io(e, "cannot resolve the path", &self.path))?;
        let identity = FileIdentity::of(&path)?;
        let size = identity.size;
        let progress = SharedProgress::new(self.progress.clone(), Some(size));
        let mut headers = self.headers.clone();
        if headers.content_type.is_none() {
            headers.content_type = crate::mime::content_type_by_name(&self.key)
                .or_else(|| crate::mime::content_type_by_name(&path.to_string_lossy()))
                .map(str::to_string);
        }
        if size == 0 || size < self.threshold {
            let codec = match &self.codecs {
                Some(c) => Some(c.new_object(size, None).await?),
                None => None,
            };
            return put_whole_file(&client, &self.key, &path, &headers, &progress, size, codec)
                .await;
        }
        let job = Job {
            codecs: self.codecs.clone(),
            client,
            key: self.key.clone(),
            path: path.clone(),
            identity,
            parallelism: self.parallelism,
            progress,
            checkpoint: self.checkpoint.then(|| {
                let dir = self
                    .checkpoint_dir
                    .clone()
                    .unwrap_or_else(default_checkpoint_dir);
                CheckpointFile::new(
                    &dir,
                    "upload",
                    &self.client.endpoint(),
                    &self.client.name,
                    &self.key,
                    &path,
                )
            }),
        };
        let mut preferred = determine_part_size(size, self.part_size)?;
        if let Some(c) = &self.codecs {
            let align = c.part_alignment().max(1);
            preferred = preferred.div_ceil(align) * align;
        }
        job.run(&headers, preferred).await
    }
}

/// A file small enough for one PutObject.
async fn put_whole_file(
    client: &BucketClient<Async>,
    key: &str,
    path: &Path,
    headers: &ObjectHeaders,
    progress: &SharedProgress,
    size: u64,
    codec: Option<NewObjectCodec>,
) -> Result<UploadOutput> {
    let part = progress.part();
    let mut b = client
        .put_object_from_file(key, path)
        .progress(part.callback());
    if let Some(c) = codec {
        for (k, v) in c.headers {
            b = b.header(k, v);
        }
        b = b.hook(Arc::new(BodyCodec(Positioned {
            codec: c.codec,
            offset: 0,
        })));
    }
    if let Some(t) = &headers.content_type {
        b = b.content_type(t.clone());
    }
    for (k, v) in &headers.metadata {
        b = b.metadata(k.clone(), v.clone());
    }
    for (k, v) in &headers.headers {
        b = b.header(k.clone(), v.clone());
    }
    let out = b.await?;
    Ok(UploadOutput {
        key: key.to_string(),
        etag: out.etag,
        crc64: out.crc64,
        size,
        upload_id: None,
        parts: 1,
        resumed_bytes: 0,
    })
}

/// Encodes the body of a request with a codec.
pub(crate) struct BodyCodec(pub(crate) Positioned);

impl RequestHook for BodyCodec {
    fn before<'a>(
        &'a self,
        req: &'a mut crate::request::OssRequest,
    ) -> futures_util::future::BoxFuture<'a, Result<()>> {
        let body = req.body.take().unwrap_or_default();
        req.body = Some(body.with_codec(self.0.clone()));
        Box::pin(std::future::ready(Ok(())))
    }
}

/// One multipart upload of a file.
struct Job {
    codecs: Option<Arc<dyn TransferCodecs>>,
    client: BucketClient<Async>,
    key: String,
    path: PathBuf,
    identity: FileIdentity,
    parallelism: usize,
    progress: SharedProgress,
    checkpoint: Option<CheckpointFile>,
}

impl Job {
    async fn run(&self, headers: &ObjectHeaders, preferred_part_size: u64) -> Result<UploadOutput> {
        let size = self.identity.size;
        let resumed = match &self.checkpoint {
            Some(cp) => self.resume(cp).await?,
            None => None,
        };
        let (upload_id, part_size, mut done, codec) = match resumed {
            Some(r) => r,
            None => {
                let mut headers = headers.clone();
                let (codec, record) = match &self.codecs {
                    Some(c) => {
                        let n = c.new_object(size, Some(preferred_part_size)).await?;
                        headers.headers.extend(n.headers);
                        (Some(n.codec), Some(n.record))
                    }
                    None => (None, None),
                };
                let id = remote::init(&self.client, &self.key, &headers).await?;
                if let Some(cp) = &self.checkpoint {
                    let mut rec = self.record(&id, preferred_part_size);
                    rec.codec = record;
                    cp.save(&rec).await?;
                }
                (id, preferred_part_size, Vec::new(), codec)
            }
        };
        let plan = split(size, part_size);
        let resumed_bytes: u64 = done.iter().map(|p| p.size).sum();
        if resumed_bytes > 0 {
            self.progress.add(resumed_bytes);
        }
        let fail = |e: Error| async {
            if self.checkpoint.is_none() {
                let _ = remote::abort(&self.client, &self.key, &upload_id).await;
            }
            e
        };
        match self
            .upload_missing(&upload_id, &plan, &done, codec.as_ref())
            .await
        {
            Ok(new) => done.extend(new),
            Err(e) => return Err(fail(e).await),
        }
        // The parts must all come from the file as it was when the upload started.
        if FileIdentity::of(&self.path)? != self.identity {
            let _ = remote::abort(&self.client, &self.key, &upload_id).await;
            self.forget().await;
            return Err(Error::client(format!(
                "{} changed while it was being uploaded; the upload was aborted",
                self.path.display()
            )));
        }
        done.sort_by_key(|p| p.number);
        let (etag, crc64) = match remote::complete(&self.client, &self.key, &upload_id, &done).await
        {
            Ok(v) => v,
            Err(e) => {
                if e.code() == Some("NoSuchUpload") {
                    self.forget().await;
                }
                return Err(fail(e).await);
            }
        };
        // The upload is gone now: whatever the CRC says, the checkpoint is of no more use.
        self.forget().await;
        let expected = combined_crc(&done);
        if self.client.config.enable_crc {
            crate::ops::check_crc(
                "resumable upload",
                expected,
                crc64,
                &format!("(upload id {upload_id})"),
            )?;
        }
        Ok(UploadOutput {
            key: self.key.clone(),
            etag,
            crc64,
            size,
            upload_id: Some(upload_id),
            parts: done.len() as u32,
            resumed_bytes,
        })
    }

    fn record(&self, upload_id: &str, part_size: u64) -> UploadRecord {
        UploadRecord {
            magic: MAGIC.to_string(),
            version: VERSION,
            kind: "upload".to_string(),
            endpoint: self.client.endpoint(),
            bucket: self.client.name.to_string(),
            key: self.key.clone(),
            upload_id: upload_id.to_string(),
            part_size,
            source: self.identity.clone(),
            codec: None,
        }
    }

    /// Removes the checkpoint, best-effort.
    async fn forget(&self) {
        if let Some(cp) = &self.checkpoint {
            if let Err(e) = cp.remove().await {
                tracing::warn!(target: "osskit", error = %e, "cannot remove a checkpoint");
            }
        }
    }

    /// The upload id, part size and stored parts of an interrupted upload of the same file,
    /// or `None` to start over.
    #[allow(clippy::type_complexity)]
    async fn resume(
        &self,
        cp: &CheckpointFile,
    ) -> Result<Option<(String, u64, Vec<DonePart>, Option<Arc<dyn Codec>>)>> {
        let record = match cp.load::<UploadRecord>("upload").await? {
            Loaded::Missing => return Ok(None),
            Loaded::Corrupt(why) => {
                tracing::warn!(target: "osskit", checkpoint = %cp.path().display(), reason = %why,
                    "ignoring an unreadable upload checkpoint");
                self.forget().await;
                return Ok(None);
            }
            Loaded::Record(r) => r,
        };
        let same_target = record.endpoint == self.client.endpoint()
            && record.bucket == *self.client.name
            && record.key == self.key;
        let usable = same_target
            && record.source == self.identity
            && record.part_size >= MIN_PART_SIZE
            && self.identity.size.div_ceil(record.part_size) <= MAX_PARTS
            && !record.upload_id.is_empty()
            && record.codec.is_some() == self.codecs.is_some();
        // The codec of an encrypted upload comes back from the wrapped key in the record.
        let codec = match (&self.codecs, &record.codec) {
            (Some(c), Some(r)) if usable => c.resume(r).await?,
            _ => None,
        };
        let usable = usable && codec.is_some() == self.codecs.is_some();
        if !usable {
            tracing::info!(target: "osskit", upload_id = %record.upload_id,
                "the source or target changed since the checkpoint; starting over");
            if same_target && !record.upload_id.is_empty() {
                let _ = remote::abort(&self.client, &self.key, &record.upload_id).await;
            }
            self.forget().await;
            return Ok(None);
        }
        let listed = match remote::list_parts(&self.client, &self.key, &record.upload_id).await {
            Ok(l) => l,
            Err(e) if e.code() == Some("NoSuchUpload") => {
                tracing::info!(target: "osskit", upload_id = %record.upload_id,
                    "the upload of the checkpoint no longer exists; starting over");
                self.forget().await;
                return Ok(None);
            }
            Err(e) => return Err(e),
        };
        let plan = split(self.identity.size, record.part_size);
        let mut done = Vec::new();
        for (planned, part) in match_listed(&plan, listed) {
            let Some((crc, md5)) =
                files::digest_range(&self.path, planned.offset, planned.len, codec.clone()).await?
            else {
                continue;
            };
            if part_matches(&part, crc, &md5) {
                done.push(DonePart {
                    number: part.number,
                    etag: part.etag,
                    size: part.size,
                    crc64: Some(crc),
                });
            } else {
                tracing::info!(target: "osskit", part = part.number,
                    "a stored part differs from the local bytes; sending it again");
            }
        }
        Ok(Some((record.upload_id, record.part_size, done, codec)))
    }

    /// Uploads the parts of `plan` not in `done`, `parallelism` at a time.
    async fn upload_missing(
        &self,
        upload_id: &str,
        plan: &[PlannedPart],
        done: &[DonePart],
        codec: Option<&Arc<dyn Codec>>,
    ) -> Result<Vec<DonePart>> {
        let have: HashSet<u32> = done.iter().map(|p| p.number).collect();
        let mut todo: VecDeque<PlannedPart> = plan
            .iter()
            .filter(|p| !have.contains(&p.number))
            .copied()
            .collect();
        let mut tasks = JoinSet::new();
        let mut out = Vec::with_capacity(todo.len());
        let buffers = Arc::new(PartBuffers::new(self.parallelism));
        loop {
            while tasks.len() < self.parallelism {
                let Some(part) = todo.pop_front() else { break };
                let client = self.client.clone();
                let key = self.key.clone();
                let id = upload_id.to_string();
                let path = self.path.clone();
                let progress = self.progress.part();
                let buffers = buffers.clone();
                let codec = codec.cloned();
                tasks.spawn(async move {
                    let mut data =
                        files::read_range(&path, part.offset, part.len, buffers.take()).await?;
                    if let Some(c) = &codec {
                        data = c.apply_bytes(part.offset, data);
                    }
                    let crc = osskit_proto::crc64::crc64(&data);
                    let sent = remote::upload_part(
                        &client,
                        &key,
                        &id,
                        part.number,
                        data.clone(),
                        Some(&progress),
                    )
                    .await;
                    buffers.give_back(data);
                    let (etag, _) = sent?;
                    Ok::<_, Error>(DonePart {
                        number: part.number,
                        etag,
                        size: part.len,
                        crc64: Some(crc),
                    })
                });
            }
            match tasks.join_next().await {
                None => break,
                Some(Ok(Ok(part))) => out.push(part),
                Some(Ok(Err(e))) => return Err(e),
                Some(Err(e)) => return Err(join_error(e)),
            }
        }
        Ok(out)
    }
}

/// The listed parts that belong to the plan with the planned size, paired with their plan.
pub(crate) fn match_listed(
    plan: &[PlannedPart],
    listed: Vec<ListedPart>,
) -> Vec<(PlannedPart, ListedPart)> {
    let mut out: Vec<(PlannedPart, ListedPart)> = Vec::new();
    for mut part in listed {
        let Some(planned) = plan
            .get((part.number as usize).wrapping_sub(1))
            .filter(|p| p.number == part.number)
        else {
            continue;
        };
        if planned.len != part.size || out.iter().any(|(p, _)| p.number == part.number) {
            continue;
        }
        part.etag = osskit_proto::digest::strip_etag_quotes(&part.etag).to_string();
        out.push((*planned, part));
    }
    out
}

/// Whether a stored part holds the local bytes: by CRC-64 when the server gives one, else by
/// its ETag when that is a plain MD5.
pub(crate) fn part_matches(part: &ListedPart, local_crc: u64, local_md5_hex: &str) -> bool {
    match part.crc64 {
        Some(server) => server == local_crc,
        None => {
            let etag = osskit_proto::digest::strip_etag_quotes(&part.etag);
            let is_md5 = etag.len() == 32 && etag.bytes().all(|b| b.is_ascii_hexdigit());
            !is_md5 || etag.eq_ignore_ascii_case(local_md5_hex)
        }
    }
}

/// The CRC-64 of the whole object from its parts (in order), when every part has one.
pub(crate) fn combined_crc(parts: &[DonePart]) -> Option<u64> {
    let mut acc = 0u64;
    for p in parts {
        acc = osskit_proto::crc64::combine(acc, p.crc64?, p.size);
    }
    Some(acc)
}

pub(crate) fn join_error(e: tokio::task::JoinError) -> Error {
    Error::Io(std::io::Error::other(format!(
        "a transfer task failed: {e}"
    )))
}

fn checkpoint_io(e: std::io::Error, what: &str, path: &Path) -> Error {
    crate::transfer::checkpoint::io_error(e, what, path)
}

impl<M: Mode> BucketClient<M> {
    /// Uploads the file at `path` as `key`, resumably.
    ///
    /// Files below [`multipart_threshold`](ResumableUpload::multipart_threshold) (10 MiB)
    /// go up in one PutObject. Larger ones are cut into parts (8 MiB by default, grown to
    /// stay within 10,000 parts) sent `parallelism` (4) at a time, each read from the file
    /// when it is sent. A checkpoint file records the upload id and the identity of the
    /// file (path, size, modification time, inode); a later call with the same bucket, key
    /// and file lists the parts OSS already holds, checks them against the local bytes and
    /// sends only the others. A changed file, an upload that no longer exists or an
    /// unreadable checkpoint start the upload over. The CRC-64 of the object is checked
    /// against the local bytes after CompleteMultipartUpload, and the checkpoint removed.
    ///
    /// Dropping the future leaves the checkpoint, so the next call resumes.
    pub fn resumable_upload(
        &self,
        key: impl Into<String>,
        path: impl AsRef<Path>,
    ) -> ResumableUpload<M> {
        ResumableUpload {
            client: self.clone(),
            key: key.into(),
            path: path.as_ref().to_path_buf(),
            headers: ObjectHeaders::default(),
            part_size: DEFAULT_PART_SIZE,
            parallelism: DEFAULT_PARALLELISM,
            threshold: DEFAULT_THRESHOLD,
            checkpoint_dir: None,
            checkpoint: true,
            progress: None,
            codecs: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(number: u32, size: u64, crc64: Option<u64>, etag: &str) -> ListedPart {
        ListedPart {
            number,
            etag: etag.to_string(),
            size,
            crc64,
        }
    }

    #[test]
    fn listed_parts_must_fit_the_plan() {
        let plan = split(250, 100);
        let matched = match_listed(
            &plan,
            vec![
                listed(1, 100, None, "\"A\""),
                listed(2, 99, None, "B"), // wrong size
                listed(3, 50, None, "C"),
                listed(4, 50, None, "D"),  // not in the plan
                listed(0, 100, None, "E"), // no such number
                listed(3, 50, None, "F"),  // listed twice
            ],
        );
        let got: Vec<(u32, &str)> = matched
            .iter()
            .map(|(p, l)| (p.number, l.etag.as_str()))
            .collect();
        assert_eq!(got, vec![(1, "A"), (3, "C")]);
    }

    #[test]
    fn stored_parts_are_checked_by_crc_or_md5() {
        let md5 = osskit_proto::digest::md5_hex(b"abc").to_uppercase();
        assert!(part_matches(&listed(1, 3, Some(7), "x"), 7, "whatever"));
        assert!(!part_matches(&listed(1, 3, Some(7), "x"), 8, "whatever"));
        let lower = osskit_proto::digest::md5_hex(b"abc");
        assert!(part_matches(
            &listed(1, 3, None, &format!("\"{md5}\"")),
            0,
            &lower
        ));
        let other = osskit_proto::digest::md5_hex(b"abd");
        assert!(!part_matches(&listed(1, 3, None, &md5), 0, &other));
        // An ETag that is no MD5 cannot be checked.
        assert!(part_matches(&listed(1, 3, None, "opaque-etag"), 0, &other));
    }

    /// A checkpoint whose upload holds one wrong and one right part: the wrong one is sent
    /// again, the right one is kept.
    #[tokio::test]
    async fn stored_parts_that_differ_are_sent_again() {
        use osskit_server::testing::{TestServer, TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET};
        let server = TestServer::start().await;
        let auth = crate::Auth::new(TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET);
        let bucket = crate::Bucket::new(auth, &server.endpoint(), "reconcile").unwrap();
        bucket.create_bucket().await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let part = MIN_PART_SIZE;
        let data: Vec<u8> = (0..3 * part).map(|i| (i % 253) as u8).collect();
        let path = dir.path().join("src");
        std::fs::write(&path, &data).unwrap();
        let path = std::path::absolute(&path).unwrap();
        let cps = dir.path().join("cp");

        let id = remote::init(&bucket, "k", &ObjectHeaders::default())
            .await
            .unwrap();
        let wrong = bytes::Bytes::from(vec![7u8; part as usize]);
        remote::upload_part(&bucket, "k", &id, 1, wrong, None)
            .await
            .unwrap();
        let right = bytes::Bytes::copy_from_slice(&data[part as usize..2 * part as usize]);
        remote::upload_part(&bucket, "k", &id, 2, right, None)
            .await
            .unwrap();
        let cp = CheckpointFile::new(&cps, "upload", &bucket.endpoint(), "reconcile", "k", &path);
        cp.save(&UploadRecord {
            magic: MAGIC.into(),
            version: VERSION,
            kind: "upload".into(),
            endpoint: bucket.endpoint(),
            bucket: "reconcile".into(),
            key: "k".into(),
            upload_id: id.clone(),
            part_size: part,
            source: FileIdentity::of(&path).unwrap(),
            codec: None,
        })
        .await
        .unwrap();

        let out = bucket
            .resumable_upload("k", &path)
            .multipart_threshold(part)
            .part_size(part)
            .checkpoint_dir(&cps)
            .await
            .unwrap();
        assert_eq!(out.upload_id.as_deref(), Some(id.as_str()));
        assert_eq!(out.resumed_bytes, part);
        assert_eq!(out.crc64, Some(osskit_proto::crc64::crc64(&data)));
        let got = bucket.get_object("k").await.unwrap().bytes().await.unwrap();
        assert_eq!(&got[..], &data[..]);
        assert!(!cp.path().exists());
    }

    #[test]
    fn whole_crc_from_parts() {
        let a = osskit_proto::crc64::crc64(b"12345");
        let b = osskit_proto::crc64::crc64(b"67890");
        let part = |number, crc64| DonePart {
            number,
            etag: String::new(),
            size: 5,
            crc64,
        };
        assert_eq!(
            combined_crc(&[part(1, Some(a)), part(2, Some(b))]),
            Some(osskit_proto::crc64::crc64(b"1234567890"))
        );
        assert_eq!(combined_crc(&[part(1, Some(a)), part(2, None)]), None);
        assert_eq!(combined_crc(&[]), Some(0));
    }
}
