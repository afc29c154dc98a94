//! What is at a source or destination: the files under a local directory or the objects
//! under an OSS prefix, as entries named relative to it; and the versions of objects.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use futures_util::TryStreamExt;
use osskit::proto::ops::OpId;
use osskit::{Bucket, ListItem};

use crate::error::CliError;
use crate::filter::Filter;
use crate::location::OssUrl;
use crate::xml::{children, text, xml_to_json};

/// A file or an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The name relative to the base directory or prefix, `/`-separated.
    pub rel: String,
    /// Size in bytes.
    pub size: u64,
    /// Modification time, Unix seconds.
    pub mtime: Option<i64>,
    /// ETag of an object.
    pub etag: Option<String>,
    /// Storage class of an object.
    pub storage_class: Option<String>,
    /// The local file.
    pub path: Option<PathBuf>,
    /// The object's full key.
    pub key: Option<String>,
    /// CRC-64, when known without reading the data (an object's HEAD).
    pub crc64: Option<u64>,
}

impl Entry {
    /// Whether this is a "directory" marker object (a key ending with `/`).
    pub fn is_dir_marker(&self) -> bool {
        self.key.as_deref().is_some_and(|k| k.ends_with('/'))
    }
}

/// The modification time of file metadata, Unix seconds.
pub fn mtime_of(meta: &std::fs::Metadata) -> Option<i64> {
    let t = meta.modified().ok()?;
    Some(match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => -(e.duration().as_secs() as i64) - 1,
    })
}

/// Every file under `dir` that `filter` takes, sorted by name. Symbolic links to files are
/// followed; links to directories are not (no cycles). Names must be UTF-8.
pub async fn list_local(dir: &Path, filter: &Filter) -> Result<Vec<Entry>, CliError> {
    let dir = dir.to_path_buf();
    let filter = filter.clone();
    tokio::task::spawn_blocking(move || walk(&dir, &filter))
        .await
        .map_err(|e| CliError::failed(format!("listing failed: {e}")))?
}

fn walk(dir: &Path, filter: &Filter) -> Result<Vec<Entry>, CliError> {
    let meta = std::fs::metadata(dir)
        .map_err(|e| CliError::io(format!("cannot read {}", dir.display()), e))?;
    if !meta.is_dir() {
        return Err(CliError::usage(format!(
            "{} is not a directory",
            dir.display()
        )));
    }
    let mut out = Vec::new();
    let mut pending = vec![(dir.to_path_buf(), String::new())];
    while let Some((current, rel)) = pending.pop() {
        let entries = std::fs::read_dir(&current)
            .map_err(|e| CliError::io(format!("cannot read {}", current.display()), e))?;
        for entry in entries {
            let entry =
                entry.map_err(|e| CliError::io(format!("cannot read {}", current.display()), e))?;
            let path = entry.path();
            let name = entry.file_name();
            let name = name.to_str().ok_or_else(|| {
                CliError::usage(format!("{} is not a UTF-8 name", path.display()))
            })?;
            let rel_name = format!("{rel}{name}");
            let file_type = entry
                .file_type()
                .map_err(|e| CliError::io(format!("cannot read {}", path.display()), e))?;
            if file_type.is_dir() {
                pending.push((path, format!("{rel_name}/")));
                continue;
            }
            let meta = match std::fs::metadata(&path) {
                Ok(m) => m,
                // A dangling link is not a file.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound && file_type.is_symlink() => {
                    continue
                }
                Err(e) => return Err(CliError::io(format!("cannot read {}", path.display()), e)),
            };
            if !meta.is_file() {
                continue;
            }
            let mtime = mtime_of(&meta);
            if !filter.passes(&rel_name, meta.len(), mtime) {
                continue;
            }
            out.push(Entry {
                rel: rel_name,
                size: meta.len(),
                mtime,
                etag: None,
                storage_class: None,
                path: Some(path),
                key: None,
                crc64: None,
            });
        }
    }
    out.sort_by(|a, b| a.rel.cmp(&b.rel));
    Ok(out)
}

/// The files named in a `--files-from` list, relative to `dir`.
pub fn list_local_named(
    dir: &Path,
    names: &[String],
    filter: &Filter,
) -> Result<Vec<Entry>, CliError> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for name in names {
        let rel = name.trim().trim_start_matches("./").trim_start_matches('/');
        if rel.is_empty() || !seen.insert(rel.to_string()) {
            continue;
        }
        let path = dir.join(rel);
        let meta = std::fs::metadata(&path).map_err(|e| {
            CliError::io(
                format!("cannot read {} (from --files-from)", path.display()),
                e,
            )
        })?;
        if !meta.is_file() {
            return Err(CliError::usage(format!(
                "{} (from --files-from) is not a file",
                path.display()
            )));
        }
        let mtime = mtime_of(&meta);
        if filter.passes(rel, meta.len(), mtime) {
            out.push(Entry {
                rel: rel.to_string(),
                size: meta.len(),
                mtime,
                etag: None,
                storage_class: None,
                path: Some(path),
                key: None,
                crc64: None,
            });
        }
    }
    out.sort_by(|a, b| a.rel.cmp(&b.rel));
    Ok(out)
}

/// Every object under `prefix` that `filter` takes (names relative to `prefix`), at most
/// `limit`.
pub async fn list_oss(
    bucket: &Bucket,
    url: &OssUrl,
    prefix: &str,
    filter: &Filter,
    limit: Option<u64>,
) -> Result<Vec<Entry>, CliError> {
    let what = format!("cannot list {}", url.with_key(prefix));
    let mut items = bucket
        .list_objects_v2()
        .prefix(prefix)
        .max_keys(1000)
        .into_items();
    let mut out = Vec::new();
    while let Some(item) = items
        .try_next()
        .await
        .map_err(|e| CliError::oss(&what, e))?
    {
        let ListItem::Object(o) = item else { continue };
        let rel = o.key[prefix.len().min(o.key.len())..].to_string();
        if rel.is_empty() || !filter.passes(&rel, o.size, o.last_modified) {
            continue;
        }
        out.push(Entry {
            rel,
            size: o.size,
            mtime: o.last_modified,
            etag: Some(o.etag),
            storage_class: Some(o.storage_class),
            path: None,
            key: Some(o.key),
            crc64: None,
        });
        if limit.is_some_and(|l| out.len() as u64 >= l) {
            break;
        }
    }
    Ok(out)
}

/// A version or delete marker of a versioned bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    /// Key.
    pub key: String,
    /// Version id.
    pub version_id: String,
    /// Whether it is the current version.
    pub is_latest: bool,
    /// A delete marker (no data).
    pub delete_marker: bool,
    /// Size.
    pub size: u64,
    /// Last modified, Unix seconds.
    pub mtime: Option<i64>,
    /// ETag without quotes.
    pub etag: Option<String>,
    /// Storage class.
    pub storage_class: Option<String>,
}

/// One page of ListObjectVersions: versions (newest first per key) and the next markers.
pub async fn versions_page(
    bucket: &Bucket,
    prefix: &str,
    key_marker: &str,
    version_marker: &str,
) -> Result<(Vec<Version>, Option<(String, String)>), osskit::Error> {
    let mut call = bucket
        .call(OpId::ListObjectVersions)
        .param("prefix", prefix)
        .param("max-keys", "1000")
        .param("encoding-type", "url");
    if !key_marker.is_empty() {
        call = call.param("key-marker", key_marker);
    }
    if !version_marker.is_empty() {
        call = call.param("version-id-marker", version_marker);
    }
    let out = call.send().await?;
    let doc = xml_to_json(&out.body).map_err(|e| osskit::Error::InvalidResponse {
        message: format!("cannot read the answer of ListObjectVersions: {e}"),
        request_id: out.meta.request_id().to_string(),
    })?;
    let root = doc.get("ListVersionsResult").cloned().unwrap_or_default();
    let decode = |s: &str| osskit::proto::encoding::unquote(s);
    let mut versions = Vec::new();
    for (name, marker) in [("Version", false), ("DeleteMarker", true)] {
        for v in children(&root, name) {
            let key = decode(text(v, "Key").unwrap_or_default());
            versions.push(Version {
                key,
                version_id: text(v, "VersionId").unwrap_or_default().to_string(),
                is_latest: text(v, "IsLatest") == Some("true"),
                delete_marker: marker,
                size: text(v, "Size").and_then(|s| s.parse().ok()).unwrap_or(0),
                mtime: text(v, "LastModified")
                    .and_then(|t| osskit::utils::iso8601_to_unixtime(t).ok()),
                etag: text(v, "ETag").map(|e| e.trim_matches('"').to_string()),
                storage_class: text(v, "StorageClass").map(str::to_string),
            });
        }
    }
    versions.sort_by(|a, b| a.key.cmp(&b.key).then(b.mtime.cmp(&a.mtime)));
    let truncated = text(&root, "IsTruncated") == Some("true");
    let next = truncated.then(|| {
        (
            decode(text(&root, "NextKeyMarker").unwrap_or_default()),
            text(&root, "NextVersionIdMarker")
                .unwrap_or_default()
                .to_string(),
        )
    });
    Ok((versions, next))
}

/// Every version under `prefix`, page by page, to `each` (which returns false to stop).
pub async fn for_each_version(
    bucket: &Bucket,
    url: &OssUrl,
    prefix: &str,
    mut each: impl FnMut(Version) -> Result<bool, CliError>,
) -> Result<(), CliError> {
    let what = format!("cannot list the versions under {}", url.with_key(prefix));
    let (mut key_marker, mut version_marker) = (String::new(), String::new());
    loop {
        let (page, next) = versions_page(bucket, prefix, &key_marker, &version_marker)
            .await
            .map_err(|e| CliError::oss(&what, e))?;
        for v in page {
            if !each(v)? {
                return Ok(());
            }
        }
        match next {
            Some((k, v)) if !(k.is_empty() && v.is_empty()) => {
                key_marker = k;
                version_marker = v;
            }
            _ => return Ok(()),
        }
    }
}
