//! Checkpoint files of resumable transfers: JSON records written atomically (temporary file,
//! fsync, rename) under a checkpoint directory, one file per (endpoint, bucket, key, local
//! path). A record is only a hint: whatever does not match is discarded and the transfer
//! starts over.

use std::path::{Path, PathBuf};

use serde::{de::DeserializeOwned, Deserialize, Serialize};

use crate::error::{Error, Result};

/// Identifies the checkpoint format.
pub(crate) const MAGIC: &str = "oss-rs-transfer-checkpoint";
/// Version of the record layout.
pub(crate) const VERSION: u32 = 1;

/// The default checkpoint directory: `<system temp>/oss-checkpoints`.
pub fn default_checkpoint_dir() -> PathBuf {
    std::env::temp_dir().join("oss-checkpoints")
}

/// What identifies a local file between two runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct FileIdentity {
    pub path: String,
    pub size: u64,
    pub mtime_ns: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inode: Option<u64>,
}

impl FileIdentity {
    /// The identity of the regular file at `path` (an absolute path).
    pub fn of(path: &Path) -> Result<FileIdentity> {
        let meta = std::fs::metadata(path).map_err(|e| io_error(e, "cannot read", path))?;
        if !meta.is_file() {
            return Err(Error::client(format!(
                "{} is not a regular file",
                path.display()
            )));
        }
        let mtime_ns = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
            .unwrap_or(0);
        #[cfg(unix)]
        let inode = {
            use std::os::unix::fs::MetadataExt;
            Some(meta.ino())
        };
        #[cfg(not(unix))]
        let inode = None;
        Ok(FileIdentity {
            path: path.to_string_lossy().into_owned(),
            size: meta.len(),
            mtime_ns,
            inode,
        })
    }
}

/// The record of a resumable upload. Finished parts are not stored: they are listed from
/// the server (ListParts) on resume.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct UploadRecord {
    pub magic: String,
    pub version: u32,
    pub kind: String,
    pub endpoint: String,
    pub bucket: String,
    pub key: String,
    pub upload_id: String,
    pub part_size: u64,
    pub source: FileIdentity,
    /// What restores the codec of an encrypted upload (the wrapped key, never the plain
    /// one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codec: Option<serde_json::Value>,
}

/// One range of a resumable download.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct DownloadPart {
    pub number: u32,
    pub done: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crc64: Option<u64>,
}

/// The record of a resumable download.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct DownloadRecord {
    pub magic: String,
    pub version: u32,
    pub kind: String,
    pub endpoint: String,
    pub bucket: String,
    pub key: String,
    pub target: String,
    pub temp: String,
    pub etag: String,
    pub size: u64,
    #[serde(default)]
    pub last_modified: Option<i64>,
    pub part_size: u64,
    pub parts: Vec<DownloadPart>,
    /// Whether the bytes written are decoded (decrypted) ones.
    #[serde(default)]
    pub decoded: bool,
}

/// The file holding one transfer's record.
#[derive(Debug, Clone)]
pub(crate) struct CheckpointFile {
    path: PathBuf,
}

/// What a checkpoint file held.
#[derive(Debug)]
pub(crate) enum Loaded<T> {
    /// No file.
    Missing,
    /// A file that is not a valid record of this kind (unreadable JSON, other magic or
    /// version).
    Corrupt(String),
    /// A record.
    Record(T),
}

impl CheckpointFile {
    /// The checkpoint of a transfer between `endpoint/bucket/key` and the local `path`.
    pub fn new(
        dir: &Path,
        kind: &str,
        endpoint: &str,
        bucket: &str,
        key: &str,
        local: &Path,
    ) -> CheckpointFile {
        let remote = osskit_proto::digest::md5_hex(format!("{endpoint}/{bucket}/{key}").as_bytes());
        let local = osskit_proto::digest::md5_hex(local.to_string_lossy().as_bytes());
        CheckpointFile {
            path: dir.join(format!("{kind}-{remote}-{local}.json")),
        }
    }

    /// Where the record lives.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the record; any content that is not a valid record is reported as corrupt.
    pub async fn load<T: DeserializeOwned>(&self, kind: &str) -> Result<Loaded<T>> {
        let data = match tokio::fs::read(&self.path).await {
            Ok(d) => d,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Loaded::Missing),
            Err(e) => return Err(io_error(e, "cannot read the checkpoint", &self.path)),
        };
        #[derive(Deserialize)]
        struct Header {
            magic: String,
            version: u32,
            kind: String,
        }
        let header: Header = match serde_json::from_slice(&data) {
            Ok(h) => h,
            Err(e) => return Ok(Loaded::Corrupt(e.to_string())),
        };
        if header.magic != MAGIC || header.version != VERSION || header.kind != kind {
            return Ok(Loaded::Corrupt(format!(
                "unknown record {:?} version {} kind {:?}",
                header.magic, header.version, header.kind
            )));
        }
        match serde_json::from_slice(&data) {
            Ok(r) => Ok(Loaded::Record(r)),
            Err(e) => Ok(Loaded::Corrupt(e.to_string())),
        }
    }

    /// Writes the record atomically: a temporary file in the same directory, synced, then
    /// renamed over the record.
    pub async fn save<T: Serialize>(&self, record: &T) -> Result<()> {
        self.write(record, true).await
    }

    /// Writes a newer state of a record [`CheckpointFile::save`] wrote: atomically (a
    /// temporary file renamed over it) but not forced to disk. A process that stops finds it
    /// whole; after a power loss the older state may come back, which only repeats the parts
    /// recorded since.
    pub async fn save_progress<T: Serialize>(&self, record: &T) -> Result<()> {
        self.write(record, false).await
    }

    /// The record encoded as it is written.
    pub fn encode<T: Serialize>(record: &T) -> Result<Vec<u8>> {
        serde_json::to_vec_pretty(record)
            .map_err(|e| Error::client(format!("cannot encode the checkpoint: {e}")))
    }

    async fn write<T: Serialize>(&self, record: &T, sync: bool) -> Result<()> {
        let data = Self::encode(record)?;
        let this = self.clone();
        tokio::task::spawn_blocking(move || this.write_encoded(&data, sync))
            .await
            .map_err(|e| Error::Io(std::io::Error::other(e)))?
    }

    /// Writes an encoded record on the calling thread (for a save that cannot wait for a
    /// runtime, such as the one of a download that is dropped), atomically, synced or not.
    pub fn write_encoded(&self, data: &[u8], sync: bool) -> Result<()> {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)
            .map_err(|e| io_error(e, "cannot create the checkpoint directory", dir))?;
        let suffix: u64 = rand::random();
        let temp = self.path.with_extension(format!("tmp-{suffix:016x}"));
        let result = (|| {
            use std::io::Write;
            let mut f = std::fs::File::create(&temp)?;
            f.write_all(data)?;
            if sync {
                f.sync_all()?;
            }
            std::fs::rename(&temp, &self.path)
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&temp);
        }
        result.map_err(|e| io_error(e, "cannot write the checkpoint", &self.path))
    }

    /// Removes the record (a missing file is fine).
    pub async fn remove(&self) -> Result<()> {
        match tokio::fs::remove_file(&self.path).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io_error(e, "cannot remove the checkpoint", &self.path)),
        }
    }
}

/// An I/O error naming the file.
pub(crate) fn io_error(e: std::io::Error, what: &str, path: &Path) -> Error {
    Error::Io(std::io::Error::new(
        e.kind(),
        format!("{what} {}: {e}", path.display()),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> UploadRecord {
        UploadRecord {
            magic: MAGIC.into(),
            version: VERSION,
            kind: "upload".into(),
            endpoint: "http://127.0.0.1:1".into(),
            bucket: "b".into(),
            key: "k".into(),
            upload_id: "U1".into(),
            part_size: 102400,
            source: FileIdentity {
                path: "/tmp/x".into(),
                size: 5,
                mtime_ns: 1_700_000_000_123_456_789,
                inode: Some(42),
            },
            codec: None,
        }
    }

    #[tokio::test]
    async fn round_trip_and_corruption() {
        let dir = tempfile::tempdir().unwrap();
        let cp = CheckpointFile::new(
            dir.path(),
            "upload",
            "http://127.0.0.1:1",
            "b",
            "k",
            Path::new("/tmp/x"),
        );
        assert!(matches!(
            cp.load::<UploadRecord>("upload").await.unwrap(),
            Loaded::Missing
        ));
        cp.save(&record()).await.unwrap();
        match cp.load::<UploadRecord>("upload").await.unwrap() {
            Loaded::Record(r) => assert_eq!(r, record()),
            other => panic!("{other:?}"),
        }
        // No temporary files are left behind.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        // Another kind is not taken for this one.
        assert!(matches!(
            cp.load::<DownloadRecord>("download").await.unwrap(),
            Loaded::Corrupt(_)
        ));
        std::fs::write(cp.path(), b"{\"magic\": \"oss-rs-transfer-che").unwrap();
        assert!(matches!(
            cp.load::<UploadRecord>("upload").await.unwrap(),
            Loaded::Corrupt(_)
        ));
        let mut other = serde_json::to_value(record()).unwrap();
        other["version"] = 99.into();
        std::fs::write(cp.path(), other.to_string()).unwrap();
        assert!(matches!(
            cp.load::<UploadRecord>("upload").await.unwrap(),
            Loaded::Corrupt(_)
        ));
        cp.remove().await.unwrap();
        cp.remove().await.unwrap();
        assert!(!cp.path().exists());
    }

    #[test]
    fn names_depend_on_every_part_of_the_transfer() {
        let d = Path::new("/cp");
        let a = CheckpointFile::new(d, "upload", "e", "b", "k", Path::new("/f"));
        let b = CheckpointFile::new(d, "upload", "e", "b", "k2", Path::new("/f"));
        let c = CheckpointFile::new(d, "upload", "e", "b", "k", Path::new("/g"));
        let e = CheckpointFile::new(d, "download", "e", "b", "k", Path::new("/f"));
        let names = [a.path(), b.path(), c.path(), e.path()];
        for (i, x) in names.iter().enumerate() {
            for y in &names[i + 1..] {
                assert_ne!(x, y);
            }
        }
        assert!(a.path().starts_with(d));
    }

    #[test]
    fn identity_of_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, b"hello").unwrap();
        let id = FileIdentity::of(&p).unwrap();
        assert_eq!(id.size, 5);
        assert!(id.mtime_ns > 0);
        let err = FileIdentity::of(dir.path()).unwrap_err();
        assert!(err.to_string().contains("is not a regular file"), "{err}");
        let err = FileIdentity::of(&dir.path().join("missing")).unwrap_err();
        assert!(err.to_string().contains("cannot read"), "{err}");
    }
}
