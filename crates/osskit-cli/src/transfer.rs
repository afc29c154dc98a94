//! Moving the bytes of one object: upload of a file or of stdin, download to a file or to
//! stdout, copy inside OSS.
//!
//! Files go through the SDK's transfer managers: objects below the threshold move in one
//! request; larger ones in parallel parts, with a checkpoint file for uploads and
//! downloads, so that an interrupted command (Ctrl-C, a crash, a network failure) resumes
//! where it stopped when it is run again. Downloads are written beside the target under a
//! temporary name and renamed when complete, then given the object's modification time (so
//! that a later `sync` sees them as up to date).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures_util::TryStreamExt;
use osskit::{Bucket, ObjectAcl, StorageClass};
use tokio::io::AsyncWriteExt;

use crate::args::ObjectHeaderArgs;
use crate::error::CliError;

/// Progress of one transfer: `(bytes done, total)`.
pub type Progress = Arc<dyn Fn(u64, Option<u64>) + Send + Sync + 'static>;

/// Headers of the objects written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObjectHeaders {
    /// `Content-Type`.
    pub content_type: Option<String>,
    /// User metadata.
    pub metadata: Vec<(String, String)>,
    /// Other headers (`Cache-Control`, `x-oss-object-acl`, `x-oss-storage-class`,
    /// `x-oss-tagging`, …).
    pub headers: Vec<(String, String)>,
}

impl ObjectHeaders {
    /// The headers the options ask for (ACL and storage class are checked).
    pub fn from_args(a: &ObjectHeaderArgs) -> Result<ObjectHeaders, CliError> {
        let mut h = ObjectHeaders {
            content_type: a.content_type.clone(),
            metadata: parse_pairs(&a.metadata, "--metadata")?,
            headers: Vec::new(),
        };
        for (name, v) in [
            ("Cache-Control", &a.cache_control),
            ("Content-Disposition", &a.content_disposition),
            ("Content-Encoding", &a.content_encoding),
            ("Content-Language", &a.content_language),
            ("Expires", &a.expires),
        ] {
            if let Some(v) = v {
                h.headers.push((name.to_string(), v.clone()));
            }
        }
        if let Some(acl) = &a.acl {
            h.headers
                .push(("x-oss-object-acl".into(), object_acl(acl)?.as_str().into()));
        }
        if let Some(class) = &a.storage_class {
            h.headers.push((
                "x-oss-storage-class".into(),
                storage_class(class)?.as_str().into(),
            ));
        }
        if !a.tagging.is_empty() {
            h.headers
                .push(("x-oss-tagging".into(), tagging_query(&a.tagging)?));
        }
        Ok(h)
    }

    /// Whether nothing is set.
    pub fn is_empty(&self) -> bool {
        self.content_type.is_none() && self.metadata.is_empty() && self.headers.is_empty()
    }
}

/// Checks an object ACL name.
pub fn object_acl(acl: &str) -> Result<ObjectAcl, CliError> {
    acl.parse().map_err(|_| {
        CliError::usage(format!(
            "--acl {acl:?}: expected private, public-read, public-read-write or default"
        ))
    })
}

/// Checks a storage class name.
pub fn storage_class(class: &str) -> Result<StorageClass, CliError> {
    class.parse().map_err(|_| {
        CliError::usage(format!(
            "--storage-class {class:?}: expected Standard, IA, Archive, ColdArchive or \
             DeepColdArchive"
        ))
    })
}

/// `NAME=VALUE` pairs.
pub fn parse_pairs(items: &[String], flag: &str) -> Result<Vec<(String, String)>, CliError> {
    items
        .iter()
        .filter(|i| !i.trim().is_empty())
        .map(|i| match i.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
            _ => Err(CliError::usage(format!(
                "{flag} takes NAME=VALUE, not {i:?}"
            ))),
        })
        .collect()
}

/// Tags as the query string of `x-oss-tagging` (`a=1&b=2`, URL-encoded).
pub fn tagging_query(items: &[String]) -> Result<String, CliError> {
    let split: Vec<String> = items
        .iter()
        .flat_map(|i| i.split('&'))
        .map(str::to_string)
        .collect();
    let pairs = parse_pairs(&split, "--tagging")?;
    Ok(pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                osskit::proto::encoding::quote(k, ""),
                osskit::proto::encoding::quote(v, "")
            )
        })
        .collect::<Vec<_>>()
        .join("&"))
}

/// How objects are moved.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
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
    /// Headers of the objects written.
    pub headers: ObjectHeaders,
}

/// The outcome of one transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
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
        .parallelism(options.parallelism.max(1))
        .progress(move |done, total| progress(done, total));
    if let Some(t) = options.threshold {
        req = req.multipart_threshold(t);
    }
    if let Some(p) = options.part_size {
        req = req.part_size(p);
    }
    if let Some(t) = &options.headers.content_type {
        req = req.content_type(t.clone());
    }
    for (k, v) in &options.headers.metadata {
        req = req.metadata(k.clone(), v.clone());
    }
    for (k, v) in &options.headers.headers {
        req = req.header(k.clone(), v.clone());
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

/// Uploads stdin as `key`, in parts once it outgrows one (memory stays near parallelism ×
/// part size).
pub async fn upload_stdin(
    bucket: &Bucket,
    key: &str,
    options: &TransferOptions,
    progress: Progress,
) -> Result<Moved, osskit::Error> {
    let mut req = bucket
        .upload_reader(key, tokio::io::stdin())
        .parallelism(options.parallelism.max(1))
        .progress(move |done, total| progress(done, total));
    if let Some(p) = options.part_size {
        req = req.part_size(p);
    }
    if let Some(t) = &options.headers.content_type {
        req = req.content_type(t.clone());
    }
    for (k, v) in &options.headers.metadata {
        req = req.metadata(k.clone(), v.clone());
    }
    for (k, v) in &options.headers.headers {
        req = req.header(k.clone(), v.clone());
    }
    let out = req.await?;
    Ok(Moved {
        size: out.size,
        resumed: 0,
    })
}

/// Downloads `key` (or one version of it) into the file at `path`, then gives the file
/// `mtime`.
pub async fn download(
    bucket: &Bucket,
    key: &str,
    version: Option<&str>,
    path: &Path,
    mtime: Option<i64>,
    options: &TransferOptions,
    progress: Progress,
) -> Result<Moved, osskit::Error> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        tokio::fs::create_dir_all(parent).await?;
    }
    let moved = match version {
        Some(v) => download_version(bucket, key, v, path, progress).await?,
        None => {
            let mut req = bucket
                .resumable_download(key, path)
                .parallelism(options.parallelism.max(1))
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
            Moved {
                size: out.size,
                resumed: out.resumed_bytes,
            }
        }
    };
    if let Some(t) = mtime {
        set_mtime(path, t)?;
    }
    Ok(moved)
}

/// Gives a file a modification time (Unix seconds).
pub fn set_mtime(path: &Path, unix: i64) -> std::io::Result<()> {
    let t = if unix >= 0 {
        std::time::UNIX_EPOCH + std::time::Duration::from_secs(unix as u64)
    } else {
        std::time::UNIX_EPOCH - std::time::Duration::from_secs(unix.unsigned_abs())
    };
    std::fs::File::options()
        .write(true)
        .open(path)?
        .set_modified(t)
}

/// One version, streamed into a temporary file beside `path` (CRC-64 checked), then
/// renamed.
async fn download_version(
    bucket: &Bucket,
    key: &str,
    version: &str,
    path: &Path,
    progress: Progress,
) -> Result<Moved, osskit::Error> {
    let mut out = bucket
        .get_object(key)
        .param("versionId", version)
        .progress(move |d, t| progress(d, t))
        .await?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.oss-tmp-{}", std::process::id()));
    let result = async {
        let mut file = tokio::fs::File::create(&tmp).await?;
        let mut body = std::mem::replace(&mut out.body, osskit::ByteStream::from_bytes(Vec::new()));
        let mut size = 0u64;
        while let Some(chunk) = body.try_next().await? {
            size += chunk.len() as u64;
            file.write_all(&chunk).await?;
        }
        file.sync_all().await?;
        if let (Some(c), Some(s)) = (out.client_crc(), out.server_crc) {
            if c != s {
                return Err(osskit::Error::InvalidResponse {
                    message: format!("{key} version {version}: CRC-64 {c} read, {s} announced"),
                    request_id: out.meta.request_id().to_string(),
                });
            }
        }
        tokio::fs::rename(&tmp, path).await?;
        Ok(size)
    }
    .await;
    if result.is_err() {
        let _ = tokio::fs::remove_file(&tmp).await;
    }
    Ok(Moved {
        size: result?,
        resumed: 0,
    })
}

/// Writes `key` (or one version of it) to stdout, then checks its CRC-64.
pub async fn download_stdout(
    bucket: &Bucket,
    key: &str,
    version: Option<&str>,
) -> Result<Moved, CliError> {
    let url = format!("oss://{}/{key}", bucket.name());
    let what = format!("cannot read {url}");
    let mut req = bucket.get_object(key);
    if let Some(v) = version {
        req = req.param("versionId", v);
    }
    let mut out = req.await.map_err(|e| CliError::oss(&what, e))?;
    let mut body = std::mem::replace(&mut out.body, osskit::ByteStream::from_bytes(Vec::new()));
    let mut stdout = tokio::io::stdout();
    let mut size = 0u64;
    while let Some(chunk) = body.try_next().await.map_err(|e| CliError::oss(&what, e))? {
        size += chunk.len() as u64;
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
    Ok(Moved { size, resumed: 0 })
}

/// Copies `src_bucket/src_key` (or one version of it) to `key` of `bucket` on the server
/// side (part by part above the threshold).
pub async fn copy(
    bucket: &Bucket,
    src_bucket: &str,
    src_key: &str,
    version: Option<&str>,
    key: &str,
    options: &TransferOptions,
    progress: Progress,
) -> Result<Moved, osskit::Error> {
    if let Some(v) = version {
        // One CopyObject of that version (up to 5 GiB).
        let source = format!(
            "/{src_bucket}/{}?versionId={}",
            osskit::proto::encoding::quote(src_key, ""),
            osskit::proto::encoding::quote(v, "")
        );
        let mut req = bucket
            .copy_object(src_bucket, src_key, key)
            .header("x-oss-copy-source", source);
        if !options.headers.is_empty() {
            req = req.metadata_directive(osskit::MetadataDirective::Replace);
        }
        if let Some(t) = &options.headers.content_type {
            req = req.content_type(t.clone());
        }
        for (k, v) in &options.headers.metadata {
            req = req.metadata(k.clone(), v.clone());
        }
        for (k, v) in &options.headers.headers {
            req = req.header(k.clone(), v.clone());
        }
        req.await?;
        let head = bucket.head_object(key).await?;
        let size = head.content_length.unwrap_or(0);
        progress(size, Some(size));
        return Ok(Moved { size, resumed: 0 });
    }
    let mut req = bucket
        .copy(src_bucket, src_key, key)
        .parallelism(options.parallelism.max(1))
        .progress(move |done, total| progress(done, total));
    if let Some(t) = options.threshold {
        req = req.multipart_threshold(t);
    }
    if let Some(p) = options.part_size {
        req = req.part_size(p);
    }
    if let Some(t) = &options.headers.content_type {
        req = req.content_type(t.clone());
    }
    for (k, v) in &options.headers.metadata {
        req = req.metadata(k.clone(), v.clone());
    }
    for (k, v) in &options.headers.headers {
        req = req.header(k.clone(), v.clone());
    }
    let out = req.await?;
    Ok(Moved {
        size: out.size,
        resumed: 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_from_options() {
        let a = ObjectHeaderArgs {
            content_type: Some("text/plain".into()),
            cache_control: Some("no-cache".into()),
            metadata: vec!["a=1".into(), "b=x=y".into()],
            acl: Some("public-read".into()),
            storage_class: Some("IA".into()),
            tagging: vec!["k=v w&x=1".into()],
            ..Default::default()
        };
        let h = ObjectHeaders::from_args(&a).unwrap();
        assert_eq!(
            h.metadata,
            [("a".into(), "1".into()), ("b".into(), "x=y".into())]
        );
        assert!(h
            .headers
            .contains(&("Cache-Control".into(), "no-cache".into())));
        assert!(h
            .headers
            .contains(&("x-oss-object-acl".into(), "public-read".into())));
        assert!(h
            .headers
            .contains(&("x-oss-storage-class".into(), "IA".into())));
        assert!(h
            .headers
            .contains(&("x-oss-tagging".into(), "k=v%20w&x=1".into())));
        let bad = ObjectHeaderArgs {
            acl: Some("everyone".into()),
            ..Default::default()
        };
        assert!(ObjectHeaders::from_args(&bad).is_err());
        let bad = ObjectHeaderArgs {
            metadata: vec!["novalue".into()],
            ..Default::default()
        };
        let err = ObjectHeaders::from_args(&bad).unwrap_err();
        assert!(err.to_string().contains("--metadata"), "{err}");
    }
}
