//! Resumable download of an object into a local file.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::BytesMut;
use futures_util::StreamExt;
use osskit_proto::crc64::Crc64;
use tokio::task::JoinSet;

use crate::bucket::BucketClient;
use crate::error::{Error, Result};
use crate::hooks::{Codec, TransferCodecs};
use crate::mode::{Async, Mode};
use crate::ops::{check_key, impl_send};
use crate::progress::ProgressFn;
use crate::transfer::checkpoint::{
    default_checkpoint_dir, io_error, CheckpointFile, DownloadPart, DownloadRecord, Loaded, MAGIC,
    VERSION,
};
use crate::transfer::files::{self, RangeWriter};
use crate::transfer::plan::{determine_part_size, split, PlannedPart, MIN_PART_SIZE};
use crate::transfer::progress::{PartProgress, SharedProgress};
use crate::transfer::upload::join_error;
use crate::transfer::{async_client, DEFAULT_PARALLELISM, DEFAULT_PART_SIZE, DEFAULT_THRESHOLD};

/// How often, at most, a download's checkpoint is rewritten as parts complete: replacing
/// a file costs the disk a flush, which once per 8 MiB part halved a download's speed.
const SAVE_EVERY: std::time::Duration = std::time::Duration::from_millis(200);

/// Bytes gathered from a response before each write to the file.
const WRITE_BATCH: usize = 1024 * 1024;

/// The outcome of a [`ResumableDownload`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DownloadOutput {
    /// Bytes in the file (the object's size).
    pub size: u64,
    /// ETag of the object, without quotes.
    pub etag: String,
    /// CRC-64 of the object as OSS announces it (checked against the bytes written when CRC
    /// checks are on).
    pub crc64: Option<u64>,
    /// Number of ranges (1 for a single GET).
    pub parts: u32,
    /// Bytes that an earlier, interrupted run had already written and that were not fetched
    /// again.
    pub resumed_bytes: u64,
}

/// Resumable download: see [`BucketClient::resumable_download`].
pub struct ResumableDownload<M: Mode = Async> {
    client: BucketClient<M>,
    key: String,
    path: PathBuf,
    part_size: u64,
    parallelism: usize,
    threshold: u64,
    checkpoint_dir: Option<PathBuf>,
    checkpoint: bool,
    progress: Option<ProgressFn>,
    /// Client-side decryption of the object.
    pub(crate) codecs: Option<Arc<dyn TransferCodecs>>,
}

impl_send!(ResumableDownload => DownloadOutput);

impl<M: Mode> ResumableDownload<M> {
    /// Objects of at least this size are fetched in parallel ranges (default 10 MiB);
    /// smaller ones with one GET.
    pub fn multiget_threshold(mut self, bytes: u64) -> Self {
        self.threshold = bytes;
        self
    }

    /// Size of each range (default 8 MiB, at least 100 KiB). A resumed download keeps the
    /// range size of the interrupted one.
    pub fn part_size(mut self, bytes: u64) -> Self {
        self.part_size = bytes;
        self
    }

    /// How many ranges are fetched at the same time (default 4, at least 1).
    pub fn parallelism(mut self, parts: usize) -> Self {
        self.parallelism = parts.max(1);
        self
    }

    /// Directory of the checkpoint files (default `<system temp>/oss-checkpoints`).
    pub fn checkpoint_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.checkpoint_dir = Some(dir.into());
        self
    }

    /// With `false`, no checkpoint is kept and the temporary file is removed when the
    /// download fails or is dropped.
    pub fn checkpoint(mut self, yes: bool) -> Self {
        self.checkpoint = yes;
        self
    }

    /// Called with `(bytes written, Some(object size))`; each byte is counted once, the
    /// bytes of a resumed download in one call at the start.
    pub fn progress(mut self, f: impl Fn(u64, Option<u64>) + Send + Sync + 'static) -> Self {
        self.progress = Some(crate::progress::callback(f));
        self
    }

    async fn execute(self) -> Result<DownloadOutput> {
        check_key(&self.key)?;
        let client = async_client(&self.client);
        let target = std::path::absolute(&self.path)
            .map_err(|e| io_error(e, "cannot resolve the path", &self.path))?;
        if target.file_name().is_none() {
            return Err(Error::client(format!(
                "{} does not name a file",
                target.display()
            )));
        }
        let head = client.head_object(&self.key).await?;
        let size = head.content_length.ok_or_else(|| Error::InvalidResponse {
            message: format!("HeadObject of {:?} has no Content-Length", self.key),
            request_id: head.request_id().to_string(),
        })?;
        let progress = SharedProgress::new(self.progress.clone(), Some(size));
        if size == 0 || size < self.threshold {
            let part = progress.part();
            let mut b = client
                .get_object_to_file(&self.key, &target)
                .if_match(head.etag.clone())
                .progress(part.callback());
            if let Some(c) = &self.codecs {
                b = b.hook(c.download_hook());
            }
            let out = b.await?;
            return Ok(DownloadOutput {
                size: out.content_length,
                etag: out.etag,
                crc64: out.server_crc,
                parts: 1,
                resumed_bytes: 0,
            });
        }
        let codec = match &self.codecs {
            Some(c) => c.existing(&head.meta.headers).await?,
            None => None,
        };
        let job = Job {
            codec,
            checkpoint: self.checkpoint.then(|| {
                let dir = self
                    .checkpoint_dir
                    .clone()
                    .unwrap_or_else(default_checkpoint_dir);
                CheckpointFile::new(
                    &dir,
                    "download",
                    &client.endpoint(),
                    &client.name,
                    &self.key,
                    &target,
                )
            }),
            client,
            key: self.key.clone(),
            target,
            parallelism: self.parallelism,
            progress,
            object: ObjectState {
                etag: head.etag.clone(),
                size,
                last_modified: head.last_modified,
                crc64: head.crc64,
            },
        };
        job.run(determine_part_size(size, self.part_size)?).await
    }
}

/// What identifies the version of the object being downloaded.
struct ObjectState {
    etag: String,
    size: u64,
    last_modified: Option<i64>,
    crc64: Option<u64>,
}

/// Removes a temporary file when dropped, unless disarmed.
struct TempGuard(Option<PathBuf>);

impl Drop for TempGuard {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// One ranged download.
struct Job {
    /// Decodes the ranges before they are written.
    codec: Option<Arc<dyn Codec>>,
    client: BucketClient<Async>,
    key: String,
    target: PathBuf,
    parallelism: usize,
    progress: SharedProgress,
    object: ObjectState,
    checkpoint: Option<CheckpointFile>,
}

impl Job {
    async fn run(&self, part_size: u64) -> Result<DownloadOutput> {
        let (mut record, writer) = match self.resume().await? {
            Some(r) => r,
            None => self.start(part_size).await?,
        };
        let temp = PathBuf::from(&record.temp);
        // Without a checkpoint nothing can resume: the temporary file goes with any failure.
        let mut guard = TempGuard(self.checkpoint.is_none().then(|| temp.clone()));
        let plan = split(self.object.size, record.part_size);
        let resumed_bytes: u64 = plan
            .iter()
            .zip(&record.parts)
            .filter(|(_, r)| r.done)
            .map(|(p, _)| p.len)
            .sum();
        if resumed_bytes > 0 {
            self.progress.add(resumed_bytes);
        }
        if let Err(e) = self.fetch_missing(&plan, &mut record, &writer).await {
            if matches!(e.code(), Some("PreconditionFailed" | "NoSuchKey")) {
                // The object changed or vanished under the download: the bytes so far are
                // useless.
                self.discard(&temp).await;
            }
            return Err(e);
        }
        let crc = combined(&plan, &record.parts);
        let written = files::file_len(&temp).await;
        if written != Some(self.object.size) {
            self.discard(&temp).await;
            return Err(Error::Inconsistent {
                message: format!(
                    "resumable download of {:?}: the file holds {written:?} bytes, the object {}",
                    self.key, self.object.size
                ),
                client_crc: crc,
                server_crc: self.object.crc64,
                request_id: String::new(),
            });
        }
        if self.client.config.enable_crc {
            if let Err(e) = crate::ops::check_crc(
                &format!("resumable download of {:?}", self.key),
                crc,
                self.object.crc64,
                "",
            ) {
                self.discard(&temp).await;
                return Err(e);
            }
        }
        writer.sync_all().await?;
        drop(writer);
        tokio::fs::rename(&temp, &self.target).await.map_err(|e| {
            io_error(
                e,
                &format!("cannot rename {} to", temp.display()),
                &self.target,
            )
        })?;
        guard.0 = None;
        self.forget().await;
        Ok(DownloadOutput {
            size: self.object.size,
            etag: self.object.etag.clone(),
            crc64: self.object.crc64,
            parts: plan.len() as u32,
            resumed_bytes,
        })
    }

    /// Removes the temporary file and the checkpoint, best-effort.
    async fn discard(&self, temp: &Path) {
        let _ = tokio::fs::remove_file(temp).await;
        self.forget().await;
    }

    async fn forget(&self) {
        if let Some(cp) = &self.checkpoint {
            if let Err(e) = cp.remove().await {
                tracing::warn!(target: "osskit", error = %e, "cannot remove a checkpoint");
            }
        }
    }

    /// A new temporary file and record.
    async fn start(&self, part_size: u64) -> Result<(DownloadRecord, RangeWriter)> {
        let temp = temp_path(&self.target);
        let writer = RangeWriter::create(&temp, self.object.size).await?;
        let record = DownloadRecord {
            magic: MAGIC.to_string(),
            version: VERSION,
            kind: "download".to_string(),
            endpoint: self.client.endpoint(),
            bucket: self.client.name.to_string(),
            key: self.key.clone(),
            target: self.target.to_string_lossy().into_owned(),
            temp: temp.to_string_lossy().into_owned(),
            etag: self.object.etag.clone(),
            size: self.object.size,
            last_modified: self.object.last_modified,
            part_size,
            parts: split(self.object.size, part_size)
                .iter()
                .map(|p| DownloadPart {
                    number: p.number,
                    done: false,
                    crc64: None,
                })
                .collect(),
            decoded: self.codec.is_some(),
        };
        if let Some(cp) = &self.checkpoint {
            if let Err(e) = cp.save(&record).await {
                let _ = tokio::fs::remove_file(&temp).await;
                return Err(e);
            }
        }
        Ok((record, writer))
    }

    /// The record and temporary file of an interrupted download of the same object version
    /// into the same file, or `None` (after cleaning up whatever was stale).
    async fn resume(&self) -> Result<Option<(DownloadRecord, RangeWriter)>> {
        let Some(cp) = &self.checkpoint else {
            return Ok(None);
        };
        let record = match cp.load::<DownloadRecord>("download").await? {
            Loaded::Missing => return Ok(None),
            Loaded::Corrupt(why) => {
                tracing::warn!(target: "osskit", checkpoint = %cp.path().display(), reason = %why,
                    "ignoring an unreadable download checkpoint");
                self.forget().await;
                return Ok(None);
            }
            Loaded::Record(r) => r,
        };
        let temp = PathBuf::from(&record.temp);
        let ours = is_temp_of(&temp, &self.target);
        let usable = ours
            && record_matches(&record, self)
            && files::file_len(&temp).await == Some(self.object.size);
        if !usable {
            tracing::info!(target: "osskit", key = %self.key,
                "the object or the file changed since the checkpoint; starting over");
            if ours {
                let _ = tokio::fs::remove_file(&temp).await;
            }
            self.forget().await;
            return Ok(None);
        }
        let writer = RangeWriter::open(&temp).await?;
        Ok(Some((record, writer)))
    }

    /// Fetches the ranges not done yet, `parallelism` at a time, recording each one.
    async fn fetch_missing(
        &self,
        plan: &[PlannedPart],
        record: &mut DownloadRecord,
        writer: &RangeWriter,
    ) -> Result<()> {
        let mut todo: VecDeque<PlannedPart> = plan
            .iter()
            .zip(&record.parts)
            .filter(|(_, r)| !r.done)
            .map(|(p, _)| *p)
            .collect();
        let mut tasks = JoinSet::new();
        // With a checkpoint, a part's bytes reach the disk before the record says it is
        // done, so a record never claims bytes a crash lost. The record is rewritten at
        // most every SAVE_EVERY, and once more if the download stops early (an error, or
        // the future dropped), so an interruption keeps every completed part.
        let durable = self.checkpoint.is_some();
        let mut state = Progress {
            checkpoint: self.checkpoint.as_ref(),
            record,
            unsaved: false,
            last_save: std::time::Instant::now(),
        };
        loop {
            while tasks.len() < self.parallelism {
                let Some(part) = todo.pop_front() else { break };
                let client = self.client.clone();
                let key = self.key.clone();
                let etag = self.object.etag.clone();
                let writer = writer.clone();
                let progress = self.progress.part();
                let codec = self.codec.clone();
                tasks.spawn(async move {
                    let crc = fetch_part(
                        &client,
                        &key,
                        &etag,
                        part,
                        &writer,
                        &progress,
                        codec.as_ref(),
                    )
                    .await?;
                    if durable {
                        writer.sync().await?;
                    }
                    Ok::<_, Error>((part.number, crc))
                });
            }
            let (number, crc) = match tasks.join_next().await {
                None => {
                    // Complete: the caller removes the checkpoint.
                    state.unsaved = false;
                    return Ok(());
                }
                Some(Ok(Ok(done))) => done,
                Some(Ok(Err(e))) => return Err(e),
                Some(Err(e)) => return Err(join_error(e)),
            };
            state.part_done(number, crc).await?;
        }
    }
}

/// The record of a download in progress and when it was last written.
struct Progress<'a> {
    checkpoint: Option<&'a CheckpointFile>,
    record: &'a mut DownloadRecord,
    /// Parts completed since the record was last written.
    unsaved: bool,
    last_save: std::time::Instant,
}

impl Progress<'_> {
    /// Records part `number` as done, writing the record when it is due.
    async fn part_done(&mut self, number: u32, crc: u64) -> Result<()> {
        if let Some(slot) = self.record.parts.get_mut(number as usize - 1) {
            slot.done = true;
            slot.crc64 = Some(crc);
        }
        let Some(cp) = self.checkpoint else {
            return Ok(());
        };
        self.unsaved = true;
        if self.last_save.elapsed() >= SAVE_EVERY {
            cp.save_progress(&*self.record).await?;
            self.unsaved = false;
            self.last_save = std::time::Instant::now();
        }
        Ok(())
    }
}

impl Drop for Progress<'_> {
    fn drop(&mut self) {
        // Stopped early with parts not yet recorded: a small write on this thread, since
        // no runtime may be left to run it.
        if let (true, Some(cp)) = (self.unsaved, self.checkpoint) {
            let written = CheckpointFile::encode(&*self.record)
                .and_then(|data| cp.write_encoded(&data, false));
            if let Err(e) = written {
                tracing::warn!(target: "osskit", error = %e, "cannot save the download checkpoint");
            }
        }
    }
}

/// Whether a record describes this download of this object version.
fn record_matches(record: &DownloadRecord, job: &Job) -> bool {
    let plan = split(job.object.size, record.part_size);
    record.endpoint == job.client.endpoint()
        && record.bucket == *job.client.name
        && record.key == job.key
        && record.target == job.target.to_string_lossy()
        && record.etag == job.object.etag
        && record.size == job.object.size
        && record.last_modified == job.object.last_modified
        && record.part_size >= MIN_PART_SIZE
        && record.decoded == job.codec.is_some()
        && record.parts.len() == plan.len()
        && record
            .parts
            .iter()
            .enumerate()
            .all(|(i, p)| p.number as usize == i + 1 && (!p.done || p.crc64.is_some()))
}

/// `.<name>.download-<random>` beside `target`.
fn temp_path(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let suffix: u64 = rand::random();
    target.with_file_name(format!(".{name}.download-{suffix:016x}"))
}

/// Whether `temp` is a temporary file of `target` (never remove anything else).
fn is_temp_of(temp: &Path, target: &Path) -> bool {
    let (Some(name), Some(temp_name)) = (target.file_name(), temp.file_name()) else {
        return false;
    };
    temp.parent() == target.parent()
        && temp_name
            .to_string_lossy()
            .starts_with(&format!(".{}.download-", name.to_string_lossy()))
}

/// CRC-64 of the whole object from the ranges, when all are known.
fn combined(plan: &[PlannedPart], parts: &[DownloadPart]) -> Option<u64> {
    let mut acc = 0;
    for (p, r) in plan.iter().zip(parts) {
        acc = osskit_proto::crc64::combine(acc, r.crc64?, p.len);
    }
    Some(acc)
}

/// Fetches one range into the file, trying again (from the start of the range) when a
/// retryable error cuts it; returns the CRC-64 of its bytes.
async fn fetch_part(
    client: &BucketClient<Async>,
    key: &str,
    etag: &str,
    part: PlannedPart,
    writer: &RangeWriter,
    progress: &PartProgress,
    codec: Option<&Arc<dyn Codec>>,
) -> Result<u64> {
    let policy = client.config.retry;
    let attempts = policy.max_attempts.max(1);
    let mut attempt = 1;
    loop {
        match fetch_part_once(client, key, etag, part, writer, progress, codec).await {
            Ok(crc) => return Ok(crc),
            Err(e) if e.is_retryable() && attempt < attempts => {
                tracing::debug!(target: "osskit", part = part.number, error = %e,
                    "a range failed; fetching it again");
                let delay = policy.backoff(attempt, &mut rand::thread_rng());
                tokio::time::sleep(delay).await;
                attempt += 1;
            }
            Err(e) => return Err(e),
        }
    }
}

async fn fetch_part_once(
    client: &BucketClient<Async>,
    key: &str,
    etag: &str,
    part: PlannedPart,
    writer: &RangeWriter,
    progress: &PartProgress,
    codec: Option<&Arc<dyn Codec>>,
) -> Result<u64> {
    let mut out = client
        .get_object(key)
        .range((part.offset, part.last()))
        .if_match(etag.to_string())
        .await?;
    let request_id = out.request_id().to_string();
    let mut crc = Crc64::new();
    let mut written = 0u64;
    // Plain bytes are written as received; decoded bytes are decoded into `decoded`.
    let mut chunks: Vec<bytes::Bytes> = Vec::new();
    let mut pending = 0usize;
    let mut decoded = BytesMut::new();
    loop {
        let chunk = out.body.next().await.transpose()?;
        let end = chunk.is_none();
        if let Some(chunk) = chunk {
            if written + (pending + chunk.len()) as u64 > part.len {
                return Err(Error::Inconsistent {
                    message: format!(
                        "range {} of {key:?} returned more than the {} bytes asked for",
                        part.number, part.len
                    ),
                    client_crc: None,
                    server_crc: None,
                    request_id,
                });
            }
            crc.update(&chunk);
            pending += chunk.len();
            match codec {
                Some(c) => {
                    // The CRC covers the bytes as stored; the file gets them decoded.
                    let at = decoded.len();
                    decoded.extend_from_slice(&chunk);
                    c.apply(part.offset + written + at as u64, &mut decoded[at..]);
                }
                None => chunks.push(chunk),
            }
        }
        if pending > 0 && (end || pending >= WRITE_BATCH) {
            if !decoded.is_empty() {
                chunks.push(decoded.split().freeze());
            }
            let n = pending as u64;
            writer
                .write_at(part.offset + written, std::mem::take(&mut chunks))
                .await?;
            pending = 0;
            written += n;
            progress.reached(written);
        }
        if end {
            break;
        }
    }
    if written != part.len {
        return Err(Error::Inconsistent {
            message: format!(
                "range {} of {key:?}: received {written} bytes, expected {} (incomplete read)",
                part.number, part.len
            ),
            client_crc: None,
            server_crc: None,
            request_id,
        });
    }
    Ok(crc.finish())
}

impl<M: Mode> BucketClient<M> {
    /// Downloads `key` into the file at `path`, resumably.
    ///
    /// The object is first read with HeadObject. Below
    /// [`multiget_threshold`](ResumableDownload::multiget_threshold) (10 MiB) it is fetched
    /// with one GET ([`get_object_to_file`](BucketClient::get_object_to_file)). Larger
    /// objects are fetched in ranges (8 MiB by default), `parallelism` (4) at a time, each
    /// with `If-Match` on the ETag and streamed to its offset in a temporary file beside the
    /// target (`.<name>.download-<random>`). A checkpoint records the object's ETag, size
    /// and Last-Modified and the ranges done with their CRC-64; a later call resumes when
    /// nothing changed and starts over otherwise. At the end the length and the combined
    /// CRC-64 are checked against the object, the file is synced and renamed over the
    /// target. A short or corrupt file is never reported as a success.
    ///
    /// A failure (or dropping the future) leaves the temporary file and the checkpoint for
    /// the next call; when the object changed or the bytes are wrong they are removed.
    pub fn resumable_download(
        &self,
        key: impl Into<String>,
        path: impl AsRef<Path>,
    ) -> ResumableDownload<M> {
        ResumableDownload {
            client: self.clone(),
            key: key.into(),
            path: path.as_ref().to_path_buf(),
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

    #[test]
    fn temp_files_sit_beside_the_target() {
        let target = Path::new("/data/out.bin");
        let temp = temp_path(target);
        assert_eq!(temp.parent(), target.parent());
        assert!(is_temp_of(&temp, target));
        assert!(!is_temp_of(Path::new("/data/out.bin"), target));
        assert!(!is_temp_of(Path::new("/etc/.out.bin.download-1"), target));
        assert!(!is_temp_of(Path::new("/data/.other.download-1"), target));
    }

    #[test]
    fn crc_of_ranges() {
        let plan = split(10, 4);
        let data = b"0123456789";
        let parts: Vec<DownloadPart> = plan
            .iter()
            .map(|p| DownloadPart {
                number: p.number,
                done: true,
                crc64: Some(osskit_proto::crc64::crc64(
                    &data[p.offset as usize..(p.offset + p.len) as usize],
                )),
            })
            .collect();
        assert_eq!(
            combined(&plan, &parts),
            Some(osskit_proto::crc64::crc64(data))
        );
        let mut missing = parts.clone();
        missing[1].crc64 = None;
        assert_eq!(combined(&plan, &missing), None);
    }
}
