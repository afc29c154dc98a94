//! Moving the bytes of one object: upload of a file, download to a file, server-side copy.
//!
//! Every transfer of `cp` goes through these three functions, so the way bytes move (one
//! request per object today) can change in one place, e.g. to resumable multipart transfers
//! with checkpoints above a size threshold.

use std::path::Path;
use std::sync::Arc;

use oss::Bucket;

/// Progress of one transfer: `(bytes done, total)`.
pub type Progress = Arc<dyn Fn(u64, Option<u64>) + Send + Sync + 'static>;

/// Uploads the file at `path` as `key`.
pub async fn upload(
    bucket: &Bucket,
    path: &Path,
    key: &str,
    progress: Progress,
) -> Result<(), oss::Error> {
    bucket
        .put_object_from_file(key, path)
        .progress(move |done, total| progress(done, total))
        .await?;
    Ok(())
}

/// Downloads `key` into the file at `path` (written to a temporary name, then renamed).
pub async fn download(
    bucket: &Bucket,
    key: &str,
    path: &Path,
    progress: Progress,
) -> Result<(), oss::Error> {
    bucket
        .get_object_to_file(key, path)
        .progress(move |done, total| progress(done, total))
        .await?;
    Ok(())
}

/// Copies `src_bucket/src_key` to `key` of `bucket`, inside OSS.
pub async fn copy(
    bucket: &Bucket,
    src_bucket: &str,
    src_key: &str,
    key: &str,
) -> Result<(), oss::Error> {
    bucket.copy_object(src_bucket, src_key, key).await?;
    Ok(())
}
