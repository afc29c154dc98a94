//! Moving the bytes of one object: upload of a file, download to a file, copy inside OSS.
//!
//! Every transfer of `cp` goes through the SDK's transfer managers: objects below the
//! threshold move in one request; larger ones in parallel parts, with a checkpoint file for
//! uploads and downloads, so that an interrupted command (Ctrl-C, a crash, a network
//! failure) resumes where it stopped when it is run again.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use osskit::Bucket;

/// Progress of one transfer: `(bytes done, total)`.
pub type Progress = Arc<dyn Fn(u64, Option<u64>) + Send + Sync + 'static>;

/// How objects are moved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferOptions {
    /// Objects of at least this size move in parts; `None` keeps the SDK's defaults
    /// (10 MiB for uploads and downloads, 200 MiB for copies).
    pub threshold: Option<u64>,
    /// Part size; `None` keeps the SDK's defaults (8 MiB, 64 MiB for copies).
    pub part_size: Option<u64>,
    /// Parts in flight for one object.
    pub parallelism: usize,
    /// Where checkpoints are kept; `None` disables them (nothing can be resumed).
    pub checkpoint_dir: Option<PathBuf>,
}

/// The outcome of one transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Moved {
    /// Bytes of the object.
    pub size: u64,
    /// Bytes an earlier, interrupted run had already moved.
    pub resumed: u64,
}

/// Uploads the file at `path` as `key`.
pub async fn upload(
    bucket: &Bucket,
    path: &Path,
    key: &str,
    options: &TransferOptions,
    progress: Progress,
) -> Result<Moved, osskit::Error> {
    let mut req = bucket
        .resumable_upload(key, path)
        .parallelism(options.parallelism)
        .progress(move |done, total| progress(done, total));
    if let Some(t) = options.threshold {
        req = req.multipart_threshold(t);
    }
    if let Some(p) = options.part_size {
        req = req.part_size(p);
    }
    req = match &options.checkpoint_dir {
        Some(dir) => req.checkpoint_dir(dir),
        None => req.checkpoint(false),
    };
    let out = req.await?;
    Ok(Moved {
        size: out.size,
        resumed: out.resumed_bytes,
    })
}

/// Downloads `key` into the file at `path` (written beside it under a temporary name, then
/// renamed).
pub async fn download(
    bucket: &Bucket,
    key: &str,
    path: &Path,
    options: &TransferOptions,
    progress: Progress,
) -> Result<Moved, osskit::Error> {
    let mut req = bucket
        .resumable_download(key, path)
        .parallelism(options.parallelism)
        .progress(move |done, total| progress(done, total));
    if let Some(t) = options.threshold {
        req = req.multiget_threshold(t);
    }
    if let Some(p) = options.part_size {
        req = req.part_size(p);
    }
    req = match &options.checkpoint_dir {
        Some(dir) => req.checkpoint_dir(dir),
        None => req.checkpoint(false),
    };
    let out = req.await?;
    Ok(Moved {
        size: out.size,
        resumed: out.resumed_bytes,
    })
}

/// Copies `src_bucket/src_key` to `key` of `bucket` on the server side (part by part
/// above the threshold).
pub async fn copy(
    bucket: &Bucket,
    src_bucket: &str,
    src_key: &str,
    key: &str,
    options: &TransferOptions,
    progress: Progress,
) -> Result<Moved, osskit::Error> {
    let mut req = bucket
        .copy(src_bucket, src_key, key)
        .parallelism(options.parallelism)
        .progress(move |done, total| progress(done, total));
    if let Some(t) = options.threshold {
        req = req.multipart_threshold(t);
    }
    if let Some(p) = options.part_size {
        req = req.part_size(p);
    }
    let out = req.await?;
    Ok(Moved {
        size: out.size,
        resumed: 0,
    })
}
