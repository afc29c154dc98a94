//! The metadata database (redb): the schema, key and value encodings, reference counts of
//! blobs, and the mapping of every redb error to a [`StoreError`]. No redb type leaves this
//! module.
//!
//! Schema (all tables in one place):
//! - `BUCKETS`: bucket name → encoded [`BucketMeta`].
//! - `OBJECTS`: [`object_key`]`(bucket, key)` = bucket bytes, `0x00`, key bytes → encoded
//!   [`ObjectMeta`]. Bucket names never contain `0x00`, so one bucket's objects form one
//!   contiguous range sorted by key bytes (UTF-8 order).
//! - `UPLOADS`: `(bucket, key bytes, upload id)` → encoded [`UploadMeta`]. redb compares
//!   tuples element by element, so one bucket's uploads are one contiguous range sorted by
//!   key bytes, then upload id.
//! - `PARTS`: `(bucket, key bytes, upload id, part number)` → encoded [`PartMeta`]; one
//!   upload's parts are one contiguous range sorted by number.
//! - `BLOB_REFS`: blob id → number of extents (of objects and parts) naming it. Every
//!   change of an object or part updates it in the same transaction ([`Tx::put_object`],
//!   [`Tx::remove_object`], [`Tx::put_part`], [`Tx::remove_upload`]).
//! - `GARBAGE`: blob id → time (Unix ms) its last reference went. The file is removed
//!   after the commit ([`super::gc`]) and the row in a later one; rows left by a crash are
//!   handled when the store opens.
//! - `VERSIONS`: `(bucket, key bytes, !seq)` → encoded [`ObjectMeta`] of a *noncurrent*
//!   version of an object or a delete marker (see [`super::version`]); the current version
//!   stays in `OBJECTS`. The inverted sequence number sorts one key's versions newest first,
//!   so a page of ListObjectVersions is one range scan per key. Noncurrent versions count
//!   their blob references like objects do.
//! - `LAYOUT`: `"layout"` → version of this schema ([`LAYOUT_VERSION`]); `"version_seq"` →
//!   the last version sequence number handed out. Databases of the first layout (one blob
//!   per object, no reference counts) are converted when opened; those of the second (no
//!   versions) need nothing: their objects are null versions.
//! - `account_configs`: `(account id, name)` → an account-level document (public access
//!   block, …).
//!
//! Open uploads and noncurrent versions keep a bucket non-empty ([`Tx::bucket_is_empty`]).
//!
//! Values are a version byte ([`VALUE_VERSION`]) followed by the JSON of the value.
//!
//! After an I/O error redb refuses every later operation until the database is reopened;
//! [`MetaDb`] reopens it (readers and the committer wait for the new instance), so a full
//! disk costs the writes that hit it, not a restart.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use redb::{Database, ReadableTable, ReadableTableMetadata, TableDefinition};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::commit::{CommitStats, Committer};
use super::gc::BlobGc;
use super::list::{ObjectScan, Visit};
use super::upload_list::{UploadPos, UploadScan, UploadVisit};
use super::version::{VersionLookup, VersionScan, VersionedKeys, Versioning};
use super::{BucketMeta, Extents, ObjectMeta, PartMeta, StoreError, UploadMeta};

/// Bucket name → encoded [`BucketMeta`].
const BUCKETS: TableDefinition<&str, &[u8]> = TableDefinition::new("buckets");
/// `bucket 0x00 key` → encoded [`ObjectMeta`].
const OBJECTS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("objects");
/// Key of [`UPLOADS`]: bucket, key bytes, upload id.
type UploadKey = (&'static str, &'static [u8], &'static str);
/// `(bucket, key bytes, upload id)` → encoded [`UploadMeta`].
const UPLOADS: TableDefinition<UploadKey, &[u8]> = TableDefinition::new("uploads");
/// Key of [`PARTS`]: bucket, key bytes, upload id, part number.
type PartKey = (&'static str, &'static [u8], &'static str, u32);
/// `(bucket, key bytes, upload id, part number)` → encoded [`PartMeta`].
const PARTS: TableDefinition<PartKey, &[u8]> = TableDefinition::new("parts");
/// (bucket, configuration name) → the configuration document as stored.
const CONFIGS: TableDefinition<(&str, &str), &[u8]> = TableDefinition::new("bucket_configs");
/// Blob id → number of extents naming it.
const BLOB_REFS: TableDefinition<&str, u64> = TableDefinition::new("blob_refs");
/// Blob id → Unix ms when its last reference went (the file may still exist).
const GARBAGE: TableDefinition<&str, u64> = TableDefinition::new("garbage");
/// `"layout"` → schema version; `"version_seq"` → last version sequence number.
const LAYOUT: TableDefinition<&str, u64> = TableDefinition::new("layout");
/// Key of [`VERSIONS`]: bucket, key bytes, inverted sequence number.
type VersionKey = (&'static str, &'static [u8], u64);
/// `(bucket, key bytes, !seq)` → encoded [`ObjectMeta`] of a noncurrent version.
const VERSIONS: TableDefinition<VersionKey, &[u8]> = TableDefinition::new("versions");
/// The row of [`LAYOUT`] holding the last version sequence number.
const VERSION_SEQ: &str = "version_seq";

/// The schema version written by this code.
pub const LAYOUT_VERSION: u64 = 3;
/// (account id, configuration name) → the account-level document as stored.
const ACCOUNT_CONFIGS: TableDefinition<(&str, &str), &[u8]> =
    TableDefinition::new("account_configs");

/// The first byte of every encoded value.
pub const VALUE_VERSION: u8 = 1;

/// Maps a redb error: a full disk is [`StoreError::DiskFull`]; an I/O failure (which makes
/// redb refuse everything until the database is reopened) is [`StoreError::Unavailable`];
/// anything else is internal.
pub(crate) fn db_err<E: Into<redb::Error>>(e: E) -> StoreError {
    match e.into() {
        redb::Error::Io(io) if super::data::is_disk_full(&io) => StoreError::DiskFull,
        redb::Error::Io(io) => {
            StoreError::Unavailable(format!("metadata database I/O error: {io}"))
        }
        redb::Error::PreviousIo => {
            StoreError::Unavailable("the metadata database is reopening after an I/O error".into())
        }
        other => StoreError::Internal(format!("metadata database: {other}")),
    }
}

/// Encodes a value: version byte + JSON.
pub fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, StoreError> {
    let mut out = vec![VALUE_VERSION];
    serde_json::to_writer(&mut out, value)
        .map_err(|e| StoreError::Internal(format!("encode metadata: {e}")))?;
    Ok(out)
}

/// Decodes a value written by [`encode`].
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, StoreError> {
    match bytes.split_first() {
        Some((&VALUE_VERSION, json)) => serde_json::from_slice(json)
            .map_err(|e| StoreError::Internal(format!("decode metadata: {e}"))),
        Some((v, _)) => Err(StoreError::Internal(format!(
            "metadata value has unknown version {v}"
        ))),
        None => Err(StoreError::Internal("metadata value is empty".into())),
    }
}

/// The composite key of an object: bucket bytes, `0x00`, key bytes.
pub fn object_key(bucket: &str, key: &[u8]) -> Vec<u8> {
    let mut k = Vec::with_capacity(bucket.len() + 1 + key.len());
    k.extend_from_slice(bucket.as_bytes());
    k.push(0);
    k.extend_from_slice(key);
    k
}

/// The exclusive upper end of a bucket's object range: bucket bytes, `0x01`.
fn bucket_end(bucket: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(bucket.len() + 1);
    k.extend_from_slice(bucket.as_bytes());
    k.push(1);
    k
}

/// Splits an [`object_key`] into bucket and key.
fn split_object_key(full: &[u8]) -> Result<(&str, &str), StoreError> {
    let bad = || StoreError::Internal("object key in metadata is not UTF-8".into());
    let nul = full.iter().position(|&b| b == 0).ok_or_else(bad)?;
    let bucket = std::str::from_utf8(&full[..nul]).map_err(|_| bad())?;
    let key = std::str::from_utf8(&full[nul + 1..]).map_err(|_| bad())?;
    Ok((bucket, key))
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// The open database, replaced by a fresh instance after an I/O error.
#[derive(Debug)]
pub(crate) struct DbCell {
    path: PathBuf,
    db: RwLock<Option<Arc<Database>>>,
}

/// How long a reopen waits for the users of the old instance to let it go.
const REOPEN_WAIT: Duration = Duration::from_secs(5);

impl DbCell {
    fn new(path: &Path, db: Database) -> DbCell {
        DbCell {
            path: path.to_path_buf(),
            db: RwLock::new(Some(Arc::new(db))),
        }
    }

    /// The current instance, reopening the database if it was let go.
    pub(crate) fn get(&self) -> Result<Arc<Database>, StoreError> {
        if let Some(db) = self.db.read().unwrap_or_else(|p| p.into_inner()).as_ref() {
            return Ok(db.clone());
        }
        let mut slot = self.db.write().unwrap_or_else(|p| p.into_inner());
        if let Some(db) = slot.as_ref() {
            return Ok(db.clone());
        }
        // The old instance holds the file lock until its last user drops it.
        let deadline = Instant::now() + REOPEN_WAIT;
        loop {
            match Database::create(&self.path) {
                Ok(db) => {
                    tracing::warn!(path = %self.path.display(), "metadata database reopened after an I/O error");
                    let db = Arc::new(db);
                    *slot = Some(db.clone());
                    return Ok(db);
                }
                Err(redb::DatabaseError::DatabaseAlreadyOpen) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err(e) => return Err(db_err(e)),
            }
        }
    }

    /// Lets `db` go when it is still the current instance (it failed with an I/O error):
    /// the next [`DbCell::get`] opens a fresh one.
    pub(crate) fn discard(&self, db: &Arc<Database>) {
        let mut slot = self.db.write().unwrap_or_else(|p| p.into_inner());
        if slot
            .as_ref()
            .is_some_and(|current| Arc::ptr_eq(current, db))
        {
            tracing::warn!(path = %self.path.display(), "metadata database failed with an I/O error; reopening it");
            *slot = None;
        }
    }

    /// Whether `db` refuses work after an I/O error (probed with a write transaction; call
    /// only where no other write transaction can be open, i.e. on the committer thread).
    pub(crate) fn is_broken(db: &Database) -> bool {
        match db.begin_write() {
            Ok(txn) => {
                let _ = txn.abort();
                false
            }
            Err(e) => matches!(
                redb::Error::from(e),
                redb::Error::PreviousIo | redb::Error::Io(_)
            ),
        }
    }
}

/// The metadata database. Reads run on the caller's thread against a snapshot; every
/// change goes through the group committer (see [`super::commit`]).
#[derive(Debug)]
pub struct MetaDb {
    // Declared first: dropped (and its thread joined) before the database.
    committer: Committer,
    cell: Arc<DbCell>,
}

impl MetaDb {
    /// Opens or creates the database file and its tables, converts a database of an older
    /// layout, and starts the committer. `commit_delay` is how long the committer waits for
    /// more writes to join a batch; `gc` removes the files of blobs whose last reference a
    /// commit dropped.
    pub fn open(
        path: &Path,
        commit_delay: Duration,
        gc: Option<Arc<BlobGc>>,
    ) -> Result<MetaDb, StoreError> {
        let db = Database::create(path).map_err(|e| match e {
            redb::DatabaseError::DatabaseAlreadyOpen => StoreError::Internal(format!(
                "open {}: the store is in use by another process or server",
                path.display()
            )),
            other => StoreError::Internal(format!("open {}: {other}", path.display())),
        })?;
        prepare(&db)?;
        let cell = Arc::new(DbCell::new(path, db));
        Ok(MetaDb {
            committer: Committer::start(cell.clone(), commit_delay, gc)?,
            cell,
        })
    }

    /// Runs `f` in a read transaction (a consistent snapshot).
    pub fn read<T>(
        &self,
        f: impl FnOnce(&ReadTx) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let db = self.cell.get()?;
        let result = read_with(&db, f);
        if matches!(result, Err(StoreError::Unavailable(_))) {
            self.cell.discard(&db);
        }
        result
    }

    /// Runs `f` in a write transaction shared with concurrent writers and returns once that
    /// transaction is durable. `f` must return rule errors before it changes anything, and
    /// may run more than once (see [`super::commit`]). No directory needs an fsync.
    pub fn write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnMut(&mut Tx<'_>) -> Result<T, StoreError> + Send + 'static,
    {
        self.committer.commit(Vec::new(), f)
    }

    /// Like [`MetaDb::write`], and fsyncs `dirs` (directories holding renamed blobs that
    /// `f` names) before the transaction commits.
    pub fn write_naming<T, F>(&self, dirs: Vec<PathBuf>, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnMut(&mut Tx<'_>) -> Result<T, StoreError> + Send + 'static,
    {
        self.committer.commit(dirs, f)
    }

    /// Group-commit counters.
    pub fn commit_stats(&self) -> CommitStats {
        self.committer.stats()
    }
}

/// Runs `f` in a read transaction of `db`.
fn read_with<T>(
    db: &Database,
    f: impl FnOnce(&ReadTx) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let txn = db.begin_read().map_err(db_err)?;
    let tx = ReadTx {
        buckets: txn.open_table(BUCKETS).map_err(db_err)?,
        objects: txn.open_table(OBJECTS).map_err(db_err)?,
        uploads: txn.open_table(UPLOADS).map_err(db_err)?,
        parts: txn.open_table(PARTS).map_err(db_err)?,
        configs: txn.open_table(CONFIGS).map_err(db_err)?,
        blob_refs: txn.open_table(BLOB_REFS).map_err(db_err)?,
        garbage: txn.open_table(GARBAGE).map_err(db_err)?,
        accounts: txn.open_table(ACCOUNT_CONFIGS).map_err(db_err)?,
        versions: txn.open_table(VERSIONS).map_err(db_err)?,
    };
    f(&tx)
}

/// Creates the tables of a new database, or converts one of the first layout.
fn prepare(db: &Database) -> Result<(), StoreError> {
    let txn = db.begin_write().map_err(db_err)?;
    {
        txn.open_table(BUCKETS).map_err(db_err)?;
        let mut objects = txn.open_table(OBJECTS).map_err(db_err)?;
        let uploads = txn.open_table(UPLOADS).map_err(db_err)?;
        let mut parts = txn.open_table(PARTS).map_err(db_err)?;
        let mut refs = txn.open_table(BLOB_REFS).map_err(db_err)?;
        txn.open_table(GARBAGE).map_err(db_err)?;
        txn.open_table(CONFIGS).map_err(db_err)?;
        txn.open_table(ACCOUNT_CONFIGS).map_err(db_err)?;
        txn.open_table(VERSIONS).map_err(db_err)?;
        let mut layout = txn.open_table(LAYOUT).map_err(db_err)?;
        let version = layout.get("layout").map_err(db_err)?.map(|v| v.value());
        match version {
            Some(LAYOUT_VERSION) => {}
            // Objects of the second layout are the null versions of their keys: their
            // stored form has no version, which reads as that.
            Some(2) => {
                layout
                    .insert("layout", LAYOUT_VERSION)
                    .map_err(db_err)?;
            }
            Some(other) => {
                return Err(StoreError::Internal(format!(
                    "the metadata database has layout {other}, newer than this server's {LAYOUT_VERSION}"
                )))
            }
            None => {
                let converted =
                    convert_first_layout(&mut objects, &uploads, &mut parts, &mut refs)?;
                if converted > 0 {
                    tracing::info!(
                        records = converted,
                        "converted the metadata to the extent layout"
                    );
                }
                layout
                    .insert("layout", LAYOUT_VERSION)
                    .map_err(db_err)?;
            }
        }
    }
    txn.commit().map_err(db_err)
}

/// Rewrites the records of the first layout (`"blob": id` naming one whole blob) with
/// extents, and counts the references. Returns how many records were converted. A blob of
/// that layout is encrypted when its object reports server-side encryption (`"encryption"`)
/// or, for a part, when its upload's template does.
fn convert_first_layout(
    objects: &mut redb::Table<'_, &'static [u8], &'static [u8]>,
    uploads: &redb::Table<'_, UploadKey, &'static [u8]>,
    parts: &mut redb::Table<'_, PartKey, &'static [u8]>,
    refs: &mut redb::Table<'_, &'static str, u64>,
) -> Result<usize, StoreError> {
    fn convert(
        bytes: &[u8],
        encrypted: Option<bool>,
        counts: &mut BTreeMap<String, u64>,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let mut value: serde_json::Value = decode(bytes)?;
        let Some(obj) = value.as_object_mut() else {
            return Ok(None);
        };
        if obj.contains_key("data") {
            return Ok(None);
        }
        let blob = obj
            .remove("blob")
            .and_then(|b| b.as_str().map(str::to_owned))
            .unwrap_or_default();
        let size = obj.get("size").and_then(|s| s.as_u64()).unwrap_or(0);
        let encrypted = encrypted.unwrap_or_else(|| obj.contains_key("encryption"));
        let data = if blob.is_empty() {
            Extents::new()
        } else {
            *counts.entry(blob.clone()).or_insert(0) += 1;
            Extents::whole_keyed(blob, size, encrypted)
        };
        obj.insert(
            "data".into(),
            serde_json::to_value(&data).map_err(|e| StoreError::Internal(e.to_string()))?,
        );
        encode(&value).map(Some)
    }
    let mut counts = BTreeMap::new();
    let mut rewritten_objects = Vec::new();
    for item in objects.iter().map_err(db_err)? {
        let (k, v) = item.map_err(db_err)?;
        if let Some(new) = convert(v.value(), None, &mut counts)? {
            rewritten_objects.push((k.value().to_vec(), new));
        }
    }
    let mut rewritten_parts = Vec::new();
    for item in parts.iter().map_err(db_err)? {
        let (k, v) = item.map_err(db_err)?;
        let (b, key, u, _) = k.value();
        let template_encrypted = match uploads.get((b, key, u)).map_err(db_err)? {
            Some(upload) => {
                let upload: serde_json::Value = decode(upload.value())?;
                upload
                    .get("template")
                    .is_some_and(|t| t.get("encryption").is_some_and(|e| !e.is_null()))
            }
            None => false,
        };
        if let Some(new) = convert(v.value(), Some(template_encrypted), &mut counts)? {
            let (b, key, u, n) = k.value();
            rewritten_parts.push(((b.to_owned(), key.to_vec(), u.to_owned(), n), new));
        }
    }
    let converted = rewritten_objects.len() + rewritten_parts.len();
    for (k, v) in rewritten_objects {
        objects.insert(k.as_slice(), v.as_slice()).map_err(db_err)?;
    }
    for ((b, key, u, n), v) in rewritten_parts {
        parts
            .insert((b.as_str(), key.as_slice(), u.as_str(), n), v.as_slice())
            .map_err(db_err)?;
    }
    for (id, n) in counts {
        refs.insert(id.as_str(), n).map_err(db_err)?;
    }
    Ok(converted)
}

/// Lookups shared by read and write transactions.
macro_rules! lookups {
    () => {
        /// A bucket's metadata, if it exists.
        pub fn bucket(&self, name: &str) -> Result<Option<BucketMeta>, StoreError> {
            match self.buckets.get(name).map_err(db_err)? {
                Some(v) => decode(v.value()).map(Some),
                None => Ok(None),
            }
        }

        /// A configuration document of a bucket, if set.
        pub fn bucket_config(
            &self,
            bucket: &str,
            name: &str,
        ) -> Result<Option<Vec<u8>>, StoreError> {
            Ok(self
                .configs
                .get((bucket, name))
                .map_err(db_err)?
                .map(|v| v.value().to_vec()))
        }

        /// An account-level document, if set.
        pub fn account_config(
            &self,
            account: &str,
            name: &str,
        ) -> Result<Option<Vec<u8>>, StoreError> {
            Ok(self
                .accounts
                .get((account, name))
                .map_err(db_err)?
                .map(|v| v.value().to_vec()))
        }

        /// A bucket's metadata, or NoSuchBucket.
        pub fn require_bucket(&self, name: &str) -> Result<BucketMeta, StoreError> {
            self.bucket(name)?.ok_or(StoreError::NoSuchBucket)
        }

        /// An object's metadata, if it exists.
        pub fn object(&self, bucket: &str, key: &str) -> Result<Option<ObjectMeta>, StoreError> {
            match self
                .objects
                .get(object_key(bucket, key.as_bytes()).as_slice())
                .map_err(db_err)?
            {
                Some(v) => decode(v.value()).map(Some),
                None => Ok(None),
            }
        }

        /// Whether the bucket holds no object and no open upload.
        pub fn bucket_is_empty(&self, bucket: &str) -> Result<bool, StoreError> {
            let start = object_key(bucket, b"");
            let end = bucket_end(bucket);
            let mut range = self
                .objects
                .range::<&[u8]>(start.as_slice()..end.as_slice())
                .map_err(db_err)?;
            if range.next().transpose().map_err(db_err)?.is_some() {
                return Ok(false);
            }
            let mut versions = self
                .versions
                .range::<(&str, &[u8], u64)>((bucket, &b""[..], 0)..)
                .map_err(db_err)?;
            if let Some((k, _)) = versions.next().transpose().map_err(db_err)? {
                if k.value().0 == bucket {
                    return Ok(false);
                }
            }
            let mut uploads = self
                .uploads
                .range::<(&str, &[u8], &str)>((bucket, &b""[..], "")..)
                .map_err(db_err)?;
            match uploads.next().transpose().map_err(db_err)? {
                Some((k, _)) => Ok(k.value().0 != bucket),
                None => Ok(true),
            }
        }

        /// An open upload, if it exists.
        pub fn upload(
            &self,
            bucket: &str,
            key: &str,
            upload_id: &str,
        ) -> Result<Option<UploadMeta>, StoreError> {
            match self
                .uploads
                .get((bucket, key.as_bytes(), upload_id))
                .map_err(db_err)?
            {
                Some(v) => decode(v.value()).map(Some),
                None => Ok(None),
            }
        }

        /// An open upload, or NoSuchUpload.
        pub fn require_upload(
            &self,
            bucket: &str,
            key: &str,
            upload_id: &str,
        ) -> Result<UploadMeta, StoreError> {
            self.upload(bucket, key, upload_id)?
                .ok_or(StoreError::NoSuchUpload)
        }

        /// The parts of an upload numbered above `after`, ascending, at most `max`; whether
        /// more follow.
        pub fn parts(
            &self,
            bucket: &str,
            key: &str,
            upload_id: &str,
            after: u32,
            max: usize,
        ) -> Result<(Vec<PartMeta>, bool), StoreError> {
            let k = key.as_bytes();
            let Some(first) = after.checked_add(1) else {
                return Ok((Vec::new(), false));
            };
            let range = self
                .parts
                .range::<(&str, &[u8], &str, u32)>(
                    (bucket, k, upload_id, first)..=(bucket, k, upload_id, u32::MAX),
                )
                .map_err(db_err)?;
            let mut out = Vec::new();
            for item in range {
                let (_, v) = item.map_err(db_err)?;
                if out.len() == max {
                    return Ok((out, true));
                }
                out.push(decode(v.value())?);
            }
            Ok((out, false))
        }

        /// Every part of an upload, ascending.
        pub fn all_parts(
            &self,
            bucket: &str,
            key: &str,
            upload_id: &str,
        ) -> Result<Vec<PartMeta>, StoreError> {
            self.parts(bucket, key, upload_id, 0, usize::MAX)
                .map(|(p, _)| p)
        }

        /// Buckets whose name starts with `prefix` and is after `marker`, at most `max`, and
        /// whether more follow.
        pub fn list_buckets(
            &self,
            prefix: &str,
            marker: &str,
            max: usize,
        ) -> Result<(Vec<BucketMeta>, bool), StoreError> {
            let from = if marker >= prefix {
                Bound::Excluded(marker)
            } else {
                Bound::Included(prefix)
            };
            let mut out = Vec::new();
            for item in self
                .buckets
                .range::<&str>((from, Bound::Unbounded))
                .map_err(db_err)?
            {
                let (name, value) = item.map_err(db_err)?;
                if !name.value().starts_with(prefix) {
                    break;
                }
                if out.len() == max {
                    return Ok((out, true));
                }
                out.push(decode(value.value())?);
            }
            Ok((out, false))
        }

        /// How many extents name blob `id` (0: none; it is garbage or unknown).
        pub fn blob_refs(&self, id: &str) -> Result<u64, StoreError> {
            Ok(self
                .blob_refs
                .get(id)
                .map_err(db_err)?
                .map_or(0, |v| v.value()))
        }

        /// Whether every blob of `data` is named by some extent (so its bytes are still
        /// those the extents describe).
        pub fn data_is_live(&self, data: &Extents) -> Result<bool, StoreError> {
            for id in data.blobs() {
                if self.blob_refs(id)? == 0 {
                    return Ok(false);
                }
            }
            Ok(true)
        }

        /// Every blob named by some extent, with its reference count.
        pub fn all_blob_refs(&self) -> Result<HashMap<String, u64>, StoreError> {
            let mut out = HashMap::new();
            for item in self.blob_refs.iter().map_err(db_err)? {
                let (k, v) = item.map_err(db_err)?;
                out.insert(k.value().to_owned(), v.value());
            }
            Ok(out)
        }

        /// The ids of every blob named by metadata.
        pub fn referenced_blobs(&self) -> Result<HashSet<String>, StoreError> {
            Ok(self.all_blob_refs()?.into_keys().collect())
        }

        /// Blobs whose last reference went (their files may still exist).
        pub fn garbage(&self) -> Result<Vec<String>, StoreError> {
            let mut out = Vec::new();
            for item in self.garbage.iter().map_err(db_err)? {
                let (k, _) = item.map_err(db_err)?;
                out.push(k.value().to_owned());
            }
            Ok(out)
        }

        /// Calls `visit(bucket, object)` for every object of every bucket.
        pub fn for_each_object(
            &self,
            mut visit: impl FnMut(&str, ObjectMeta) -> Result<(), StoreError>,
        ) -> Result<(), StoreError> {
            for item in self.objects.iter().map_err(db_err)? {
                let (k, v) = item.map_err(db_err)?;
                let full = k.value();
                let (bucket, _) = split_object_key(full)?;
                visit(bucket, decode(v.value())?)?;
            }
            Ok(())
        }

        /// Calls `visit(bucket, version)` for every noncurrent version and delete marker.
        pub fn for_each_noncurrent(
            &self,
            mut visit: impl FnMut(&str, ObjectMeta) -> Result<(), StoreError>,
        ) -> Result<(), StoreError> {
            for item in self.versions.iter().map_err(db_err)? {
                let (k, v) = item.map_err(db_err)?;
                let (bucket, _, _) = k.value();
                visit(bucket, decode(v.value())?)?;
            }
            Ok(())
        }

        /// The versioning state of a bucket.
        pub fn versioning(&self, bucket: &str) -> Result<Versioning, StoreError> {
            Ok(Versioning::from_config(
                self.bucket_config(bucket, super::version::CONFIG_NAME)?
                    .as_deref(),
            ))
        }

        /// Up to `max` noncurrent versions of `key` older than `below`, newest first.
        pub fn noncurrent_versions(
            &self,
            bucket: &str,
            key: &str,
            below: Option<u64>,
            max: usize,
        ) -> Result<Vec<ObjectMeta>, StoreError> {
            let k = key.as_bytes();
            let lower = match below {
                Some(seq) => Bound::Excluded((bucket, k, !seq)),
                None => Bound::Included((bucket, k, 0)),
            };
            let range = self
                .versions
                .range::<(&str, &[u8], u64)>((lower, Bound::Included((bucket, k, u64::MAX))))
                .map_err(db_err)?;
            let mut out = Vec::new();
            for item in range {
                if out.len() >= max {
                    break;
                }
                let (_, v) = item.map_err(db_err)?;
                out.push(decode(v.value())?);
            }
            Ok(out)
        }

        /// The noncurrent version `seq` of `key`.
        pub fn noncurrent_version(
            &self,
            bucket: &str,
            key: &str,
            seq: u64,
        ) -> Result<Option<ObjectMeta>, StoreError> {
            match self
                .versions
                .get((bucket, key.as_bytes(), !seq))
                .map_err(db_err)?
            {
                Some(v) => decode(v.value()).map(Some),
                None => Ok(None),
            }
        }

        /// A sorted view of one bucket's versions, for [`super::version::version_page`].
        pub fn versions_of<'s>(&'s self, bucket: &'s str) -> impl VersionScan + 's {
            BucketVersions { tx: self, bucket }
        }

        /// Calls `visit(bucket, key, upload id, part)` for every part of every open upload.
        pub fn for_each_part(
            &self,
            mut visit: impl FnMut(&str, &str, &str, PartMeta) -> Result<(), StoreError>,
        ) -> Result<(), StoreError> {
            for item in self.parts.iter().map_err(db_err)? {
                let (k, v) = item.map_err(db_err)?;
                let (bucket, key, upload, _) = k.value();
                let key = String::from_utf8_lossy(key);
                visit(bucket, &key, upload, decode(v.value())?)?;
            }
            Ok(())
        }

        /// Number of objects, open uploads, parts and referenced blobs.
        pub fn counts(&self) -> Result<(u64, u64, u64, u64), StoreError> {
            Ok((
                self.objects.len().map_err(db_err)?,
                self.uploads.len().map_err(db_err)?,
                self.parts.len().map_err(db_err)?,
                self.blob_refs.len().map_err(db_err)?,
            ))
        }

        /// A sorted view of one bucket's open uploads, for
        /// [`super::upload_list::upload_page`].
        pub fn uploads_of<'s>(&'s self, bucket: &'s str) -> impl UploadScan + 's {
            BucketUploads {
                uploads: &self.uploads,
                bucket,
            }
        }

        /// A sorted view of one bucket's objects, for [`super::list::list_page`].
        pub fn objects_of<'s>(&'s self, bucket: &'s str) -> impl ObjectScan + 's {
            BucketObjects {
                objects: &self.objects,
                bucket,
            }
        }
    };
}

/// A read transaction's tables.
pub struct ReadTx {
    buckets: redb::ReadOnlyTable<&'static str, &'static [u8]>,
    objects: redb::ReadOnlyTable<&'static [u8], &'static [u8]>,
    uploads: redb::ReadOnlyTable<UploadKey, &'static [u8]>,
    parts: redb::ReadOnlyTable<PartKey, &'static [u8]>,
    configs: redb::ReadOnlyTable<(&'static str, &'static str), &'static [u8]>,
    blob_refs: redb::ReadOnlyTable<&'static str, u64>,
    garbage: redb::ReadOnlyTable<&'static str, u64>,
    accounts: redb::ReadOnlyTable<(&'static str, &'static str), &'static [u8]>,
    versions: redb::ReadOnlyTable<VersionKey, &'static [u8]>,
}

impl ReadTx {
    lookups!();
}

/// A write transaction's tables.
pub struct Tx<'t> {
    buckets: redb::Table<'t, &'static str, &'static [u8]>,
    objects: redb::Table<'t, &'static [u8], &'static [u8]>,
    uploads: redb::Table<'t, UploadKey, &'static [u8]>,
    parts: redb::Table<'t, PartKey, &'static [u8]>,
    configs: redb::Table<'t, (&'static str, &'static str), &'static [u8]>,
    blob_refs: redb::Table<'t, &'static str, u64>,
    garbage: redb::Table<'t, &'static str, u64>,
    accounts: redb::Table<'t, (&'static str, &'static str), &'static [u8]>,
    versions: redb::Table<'t, VersionKey, &'static [u8]>,
    layout: redb::Table<'t, &'static str, u64>,
    /// Set by every method that changes something (the committer resets it per job).
    pub(crate) changed: bool,
    /// Blobs whose last reference this transaction dropped.
    pub(crate) collected: Vec<String>,
}

impl<'t> Tx<'t> {
    /// Opens the tables of a write transaction.
    pub(crate) fn open(txn: &'t redb::WriteTransaction) -> Result<Tx<'t>, StoreError> {
        Ok(Tx {
            buckets: txn.open_table(BUCKETS).map_err(db_err)?,
            objects: txn.open_table(OBJECTS).map_err(db_err)?,
            uploads: txn.open_table(UPLOADS).map_err(db_err)?,
            parts: txn.open_table(PARTS).map_err(db_err)?,
            configs: txn.open_table(CONFIGS).map_err(db_err)?,
            blob_refs: txn.open_table(BLOB_REFS).map_err(db_err)?,
            garbage: txn.open_table(GARBAGE).map_err(db_err)?,
            accounts: txn.open_table(ACCOUNT_CONFIGS).map_err(db_err)?,
            versions: txn.open_table(VERSIONS).map_err(db_err)?,
            layout: txn.open_table(LAYOUT).map_err(db_err)?,
            changed: false,
            collected: Vec::new(),
        })
    }
}

impl Tx<'_> {
    lookups!();

    /// Stores a bucket's metadata (insert or replace).
    pub fn put_bucket(&mut self, meta: &BucketMeta) -> Result<(), StoreError> {
        self.changed = true;
        let value = encode(meta)?;
        self.buckets
            .insert(meta.name.as_str(), value.as_slice())
            .map_err(db_err)?;
        Ok(())
    }

    /// Removes a bucket's metadata and configurations; whether it existed.
    pub fn remove_bucket(&mut self, name: &str) -> Result<bool, StoreError> {
        self.changed = true;
        let mut names: Vec<String> = Vec::new();
        for entry in self.configs.range((name, "")..).map_err(db_err)? {
            let (k, _) = entry.map_err(db_err)?;
            let (b, n) = k.value();
            if b != name {
                break;
            }
            names.push(n.to_string());
        }
        for n in names {
            self.configs.remove((name, n.as_str())).map_err(db_err)?;
        }
        Ok(self.buckets.remove(name).map_err(db_err)?.is_some())
    }

    /// Counts one more reference to each extent's blob. A blob new to the store gets its
    /// first; a blob already collected cannot come back (internal error: the caller must
    /// check [`Tx::data_is_live`] before naming existing bytes).
    pub fn add_refs(&mut self, data: &Extents) -> Result<(), StoreError> {
        for e in data {
            let n = self.blob_refs(&e.blob)?;
            if n == 0 && self.garbage.get(e.blob.as_str()).map_err(db_err)?.is_some() {
                return Err(StoreError::Internal(format!(
                    "blob {} was already collected",
                    e.blob
                )));
            }
            self.changed = true;
            self.blob_refs
                .insert(e.blob.as_str(), n + 1)
                .map_err(db_err)?;
        }
        Ok(())
    }

    /// Counts one reference less to each extent's blob; a blob left with none becomes
    /// garbage (its file is removed once this transaction is durable).
    pub fn drop_refs(&mut self, data: &Extents) -> Result<(), StoreError> {
        for e in data {
            let n = self.blob_refs(&e.blob)?;
            self.changed = true;
            if n > 1 {
                self.blob_refs
                    .insert(e.blob.as_str(), n - 1)
                    .map_err(db_err)?;
            } else {
                self.blob_refs.remove(e.blob.as_str()).map_err(db_err)?;
                self.garbage
                    .insert(e.blob.as_str(), now_ms())
                    .map_err(db_err)?;
                self.collected.push(e.blob.clone());
            }
        }
        Ok(())
    }

    /// Sets (`Some`) or removes (`None`) a configuration document of a bucket.
    pub fn set_bucket_config(
        &mut self,
        bucket: &str,
        name: &str,
        value: Option<&[u8]>,
    ) -> Result<(), StoreError> {
        self.changed = true;
        match value {
            Some(v) => {
                self.configs.insert((bucket, name), v).map_err(db_err)?;
            }
            None => {
                self.configs.remove((bucket, name)).map_err(db_err)?;
            }
        }
        Ok(())
    }

    /// Sets (`Some`) or removes (`None`) an account-level document.
    pub fn set_account_config(
        &mut self,
        account: &str,
        name: &str,
        value: Option<&[u8]>,
    ) -> Result<(), StoreError> {
        self.changed = true;
        match value {
            Some(v) => {
                self.accounts.insert((account, name), v).map_err(db_err)?;
            }
            None => {
                self.accounts.remove((account, name)).map_err(db_err)?;
            }
        }
        Ok(())
    }

    /// Drops the garbage records of blobs whose files are gone.
    pub fn forget_garbage(&mut self, ids: &[String]) -> Result<(), StoreError> {
        for id in ids {
            self.garbage.remove(id.as_str()).map_err(db_err)?;
        }
        Ok(())
    }

    /// Sets the reference count of a blob (repairs).
    pub(crate) fn set_refs(&mut self, id: &str, n: u64) -> Result<(), StoreError> {
        self.changed = true;
        if n == 0 {
            self.blob_refs.remove(id).map_err(db_err)?;
        } else {
            self.blob_refs.insert(id, n).map_err(db_err)?;
        }
        Ok(())
    }

    /// Stores an object's metadata (insert or replace) under `meta.key`, counting the
    /// references of its data (and dropping those of the object it replaces); returns the
    /// metadata it replaced.
    pub fn put_object(
        &mut self,
        bucket: &str,
        meta: &ObjectMeta,
    ) -> Result<Option<ObjectMeta>, StoreError> {
        let key = object_key(bucket, meta.key.as_bytes());
        self.changed = true;
        let value = encode(meta)?;
        let old = self
            .objects
            .insert(key.as_slice(), value.as_slice())
            .map_err(db_err)?
            .map(|v| decode::<ObjectMeta>(v.value()))
            .transpose()?;
        if old.as_ref().map(|o| &o.data) != Some(&meta.data) {
            self.add_refs(&meta.data)?;
            if let Some(old) = &old {
                self.drop_refs(&old.data)?;
            }
        }
        Ok(old)
    }

    /// Removes an object's metadata (dropping the references of its data); returns what was
    /// removed.
    pub fn remove_object(
        &mut self,
        bucket: &str,
        key: &str,
    ) -> Result<Option<ObjectMeta>, StoreError> {
        self.changed = true;
        let old = self
            .objects
            .remove(object_key(bucket, key.as_bytes()).as_slice())
            .map_err(db_err)?
            .map(|v| decode::<ObjectMeta>(v.value()))
            .transpose()?;
        if let Some(old) = &old {
            self.drop_refs(&old.data)?;
        }
        Ok(old)
    }
}

impl Tx<'_> {
    /// Stores a new upload.
    pub fn put_upload(&mut self, bucket: &str, upload: &UploadMeta) -> Result<(), StoreError> {
        self.changed = true;
        let value = encode(upload)?;
        self.uploads
            .insert(
                (bucket, upload.key.as_bytes(), upload.upload_id.as_str()),
                value.as_slice(),
            )
            .map_err(db_err)?;
        Ok(())
    }

    /// Stores a part of an upload (insert or replace), counting the references of its data
    /// (and dropping those of the part it replaces); returns the part it replaced.
    pub fn put_part(
        &mut self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        part: &PartMeta,
    ) -> Result<Option<PartMeta>, StoreError> {
        self.changed = true;
        let value = encode(part)?;
        let old = self
            .parts
            .insert(
                (bucket, key.as_bytes(), upload_id, part.part_number),
                value.as_slice(),
            )
            .map_err(db_err)?
            .map(|v| decode::<PartMeta>(v.value()))
            .transpose()?;
        self.add_refs(&part.data)?;
        if let Some(old) = &old {
            self.drop_refs(&old.data)?;
        }
        Ok(old)
    }

    /// Removes an upload and all its parts (dropping their references); returns the removed
    /// parts (NoSuchUpload if the upload does not exist).
    pub fn remove_upload(
        &mut self,
        bucket: &str,
        key: &str,
        upload_id: &str,
    ) -> Result<Vec<PartMeta>, StoreError> {
        if self
            .uploads
            .remove((bucket, key.as_bytes(), upload_id))
            .map_err(db_err)?
            .is_none()
        {
            return Err(StoreError::NoSuchUpload);
        }
        self.changed = true;
        let parts = self.all_parts(bucket, key, upload_id)?;
        for part in &parts {
            self.parts
                .remove((bucket, key.as_bytes(), upload_id, part.part_number))
                .map_err(db_err)?;
            self.drop_refs(&part.data)?;
        }
        Ok(parts)
    }
}

/// The [`VersionLookup`] of a read or write transaction.
macro_rules! version_lookup {
    ($t:ty) => {
        impl VersionLookup for $t {
            fn mode(&self, bucket: &str) -> Result<Versioning, StoreError> {
                self.versioning(bucket)
            }

            fn current(&self, bucket: &str, key: &str) -> Result<Option<ObjectMeta>, StoreError> {
                self.object(bucket, key)
            }

            fn noncurrent(
                &self,
                bucket: &str,
                key: &str,
                below: Option<u64>,
                max: usize,
            ) -> Result<Vec<ObjectMeta>, StoreError> {
                self.noncurrent_versions(bucket, key, below, max)
            }

            fn noncurrent_at(
                &self,
                bucket: &str,
                key: &str,
                seq: u64,
            ) -> Result<Option<ObjectMeta>, StoreError> {
                self.noncurrent_version(bucket, key, seq)
            }
        }
    };
}

version_lookup!(ReadTx);
version_lookup!(Tx<'_>);

impl VersionedKeys for Tx<'_> {
    fn next_seq(&mut self) -> Result<u64, StoreError> {
        self.changed = true;
        let last = self
            .layout
            .get(VERSION_SEQ)
            .map_err(db_err)?
            .map_or(0, |v| v.value());
        let next = last + 1;
        self.layout.insert(VERSION_SEQ, next).map_err(db_err)?;
        Ok(next)
    }

    fn set_current_raw(&mut self, bucket: &str, meta: &ObjectMeta) -> Result<(), StoreError> {
        self.changed = true;
        let value = encode(meta)?;
        self.objects
            .insert(
                object_key(bucket, meta.key.as_bytes()).as_slice(),
                value.as_slice(),
            )
            .map_err(db_err)?;
        Ok(())
    }

    fn take_current_raw(&mut self, bucket: &str, key: &str) -> Result<(), StoreError> {
        self.changed = true;
        self.objects
            .remove(object_key(bucket, key.as_bytes()).as_slice())
            .map_err(db_err)?;
        Ok(())
    }

    fn put_noncurrent_raw(&mut self, bucket: &str, meta: &ObjectMeta) -> Result<(), StoreError> {
        self.changed = true;
        let value = encode(meta)?;
        self.versions
            .insert(
                (bucket, meta.key.as_bytes(), !meta.version.seq),
                value.as_slice(),
            )
            .map_err(db_err)?;
        Ok(())
    }

    fn take_noncurrent_raw(&mut self, bucket: &str, key: &str, seq: u64) -> Result<(), StoreError> {
        self.changed = true;
        self.versions
            .remove((bucket, key.as_bytes(), !seq))
            .map_err(db_err)?;
        Ok(())
    }

    fn add_refs(&mut self, data: &Extents) -> Result<(), StoreError> {
        Tx::add_refs(self, data)
    }

    fn drop_refs(&mut self, data: &Extents) -> Result<(), StoreError> {
        Tx::drop_refs(self, data)
    }
}

/// Lookups the version listing needs, from a read or a write transaction.
trait VersionTables {
    fn objects_table(&self) -> &dyn ReadableObjects;
    fn versions_table(&self) -> &dyn ReadableVersions;
}

/// The objects table of a read or write transaction.
trait ReadableObjects {
    fn first_key(&self, from: Bound<&[u8]>, end: &[u8]) -> Result<Option<Vec<u8>>, StoreError>;
}

/// The versions table of a read or write transaction.
trait ReadableVersions {
    fn first_key(&self, bucket: &str, from: Bound<&[u8]>) -> Result<Option<Vec<u8>>, StoreError>;
}

impl<T: ReadableTable<&'static [u8], &'static [u8]>> ReadableObjects for T {
    fn first_key(&self, from: Bound<&[u8]>, end: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        let mut range = self
            .range::<&[u8]>((from, Bound::Excluded(end)))
            .map_err(db_err)?;
        Ok(range
            .next()
            .transpose()
            .map_err(db_err)?
            .map(|(k, _)| k.value().to_vec()))
    }
}

impl<T: ReadableTable<VersionKey, &'static [u8]>> ReadableVersions for T {
    fn first_key(&self, bucket: &str, from: Bound<&[u8]>) -> Result<Option<Vec<u8>>, StoreError> {
        let lower = match from {
            Bound::Included(k) => Bound::Included((bucket, k, 0)),
            Bound::Excluded(k) => Bound::Excluded((bucket, k, u64::MAX)),
            Bound::Unbounded => Bound::Included((bucket, &b""[..], 0)),
        };
        let mut range = self
            .range::<(&str, &[u8], u64)>((lower, Bound::Unbounded))
            .map_err(db_err)?;
        match range.next().transpose().map_err(db_err)? {
            Some((k, _)) => {
                let (b, key, _) = k.value();
                Ok((b == bucket).then(|| key.to_vec()))
            }
            None => Ok(None),
        }
    }
}

impl VersionTables for ReadTx {
    fn objects_table(&self) -> &dyn ReadableObjects {
        &self.objects
    }
    fn versions_table(&self) -> &dyn ReadableVersions {
        &self.versions
    }
}

impl VersionTables for Tx<'_> {
    fn objects_table(&self) -> &dyn ReadableObjects {
        &self.objects
    }
    fn versions_table(&self) -> &dyn ReadableVersions {
        &self.versions
    }
}

/// One bucket's versions: its current objects merged with its noncurrent versions.
struct BucketVersions<'s, T> {
    tx: &'s T,
    bucket: &'s str,
}

impl<T> VersionScan for BucketVersions<'_, T>
where
    T: VersionTables + VersionLookup,
{
    fn next_key(&self, from: Bound<&[u8]>) -> Result<Option<String>, StoreError> {
        let start = match from {
            Bound::Included(k) => Bound::Included(object_key(self.bucket, k)),
            Bound::Excluded(k) => Bound::Excluded(object_key(self.bucket, k)),
            Bound::Unbounded => Bound::Included(object_key(self.bucket, b"")),
        };
        let start_ref = match &start {
            Bound::Included(k) => Bound::Included(k.as_slice()),
            Bound::Excluded(k) => Bound::Excluded(k.as_slice()),
            Bound::Unbounded => Bound::Unbounded,
        };
        let end = bucket_end(self.bucket);
        let skip = self.bucket.len() + 1;
        let current = self
            .tx
            .objects_table()
            .first_key(start_ref, &end)?
            .map(|full| full.get(skip..).map(<[u8]>::to_vec).unwrap_or_default());
        let noncurrent = self.tx.versions_table().first_key(self.bucket, from)?;
        let next = match (current, noncurrent) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        next.map(|k| {
            String::from_utf8(k)
                .map_err(|_| StoreError::Internal("object key in metadata is not UTF-8".into()))
        })
        .transpose()
    }

    fn current(&self, key: &str) -> Result<Option<ObjectMeta>, StoreError> {
        VersionLookup::current(self.tx, self.bucket, key)
    }

    fn noncurrent(
        &self,
        key: &str,
        below: Option<u64>,
        max: usize,
    ) -> Result<Vec<ObjectMeta>, StoreError> {
        VersionLookup::noncurrent(self.tx, self.bucket, key, below, max)
    }
}

/// One bucket's range of the uploads table.
struct BucketUploads<'s, T> {
    uploads: &'s T,
    bucket: &'s str,
}

impl<T> UploadScan for BucketUploads<'_, T>
where
    T: ReadableTable<UploadKey, &'static [u8]>,
{
    fn scan(&self, from: &UploadPos, visit: UploadVisit<'_>) -> Result<(), StoreError> {
        let start = (self.bucket, from.key.as_slice(), from.upload_id.as_str());
        let lower = if from.inclusive {
            Bound::Included(start)
        } else {
            Bound::Excluded(start)
        };
        let range = self
            .uploads
            .range::<(&str, &[u8], &str)>((lower, Bound::Unbounded))
            .map_err(db_err)?;
        for item in range {
            let (k, v) = item.map_err(db_err)?;
            let (bucket, key, _) = k.value();
            if bucket != self.bucket {
                break;
            }
            let key = std::str::from_utf8(key)
                .map_err(|_| StoreError::Internal("upload key in metadata is not UTF-8".into()))?;
            let bytes = v.value();
            if !visit(key, &|| decode(bytes))? {
                break;
            }
        }
        Ok(())
    }
}

/// One bucket's range of the objects table.
struct BucketObjects<'s, T> {
    objects: &'s T,
    bucket: &'s str,
}

impl<T> ObjectScan for BucketObjects<'_, T>
where
    T: ReadableTable<&'static [u8], &'static [u8]>,
{
    fn scan(&self, from: Bound<&[u8]>, visit: Visit<'_>) -> Result<(), StoreError> {
        let start = match from {
            Bound::Included(k) => Bound::Included(object_key(self.bucket, k)),
            Bound::Excluded(k) => Bound::Excluded(object_key(self.bucket, k)),
            Bound::Unbounded => Bound::Included(object_key(self.bucket, b"")),
        };
        let end = bucket_end(self.bucket);
        let start_ref = match &start {
            Bound::Included(k) => Bound::Included(k.as_slice()),
            Bound::Excluded(k) => Bound::Excluded(k.as_slice()),
            Bound::Unbounded => Bound::Unbounded,
        };
        let skip = self.bucket.len() + 1;
        let range = self
            .objects
            .range::<&[u8]>((start_ref, Bound::Excluded(end.as_slice())))
            .map_err(db_err)?;
        for item in range {
            let (k, v) = item.map_err(db_err)?;
            let full = k.value();
            let key = full
                .get(skip..)
                .and_then(|b| std::str::from_utf8(b).ok())
                .ok_or_else(|| {
                    StoreError::Internal("object key in metadata is not UTF-8".into())
                })?;
            let bytes = v.value();
            if !visit(key, &|| decode(bytes))? {
                break;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_carry_a_version_byte() {
        let meta = BucketMeta {
            name: "b".into(),
            created_ms: 1,
            acl: "private".into(),
            storage_class: "Standard".into(),
            data_redundancy_type: "LRS".into(),
            region: "cn-hangzhou".into(),
        };
        let bytes = encode(&meta).unwrap();
        assert_eq!(bytes[0], VALUE_VERSION);
        assert_eq!(decode::<BucketMeta>(&bytes).unwrap(), meta);
        let mut wrong = bytes.clone();
        wrong[0] = 9;
        assert!(
            matches!(decode::<BucketMeta>(&wrong), Err(StoreError::Internal(m)) if m.contains("version 9"))
        );
        assert!(decode::<BucketMeta>(&[]).is_err());
    }

    #[test]
    fn references_are_counted_and_garbage_recorded() {
        let dir = tempfile::tempdir().unwrap();
        let db = MetaDb::open(&dir.path().join("m.redb"), Duration::ZERO, None).unwrap();
        let a = "a".repeat(32);
        let mut first = ObjectMeta::new("k", super::super::ObjectType::Normal);
        first.data = Extents::whole(a.clone(), 3);
        let mut copy = first.clone();
        copy.key = "copy".into();
        let bucket = BucketMeta {
            name: "b".into(),
            created_ms: 0,
            acl: "private".into(),
            storage_class: "Standard".into(),
            data_redundancy_type: "LRS".into(),
            region: "r".into(),
        };
        db.write(move |tx| {
            tx.put_bucket(&bucket)?;
            tx.put_object("b", &first)?;
            tx.put_object("b", &copy)?;
            Ok(())
        })
        .unwrap();
        assert_eq!(db.read(|tx| tx.blob_refs(&a)).unwrap(), 2);
        db.write(|tx| tx.remove_object("b", "k").map(|_| ()))
            .unwrap();
        assert_eq!(db.read(|tx| tx.blob_refs(&a)).unwrap(), 1);
        assert!(db.read(|tx| tx.garbage()).unwrap().is_empty());
        let collected = db
            .write(|tx| {
                tx.remove_object("b", "copy")?;
                Ok(tx.collected.clone())
            })
            .unwrap();
        assert_eq!(collected, vec![a.clone()]);
        assert_eq!(db.read(|tx| tx.garbage()).unwrap(), vec![a.clone()]);
        // A collected blob cannot be named again.
        let mut late = ObjectMeta::new("late", super::super::ObjectType::Normal);
        late.data = Extents::whole(a.clone(), 3);
        assert!(matches!(
            db.write(move |tx| tx.put_object("b", &late).map(|_| ())),
            Err(StoreError::Internal(_))
        ));
    }

    #[test]
    fn databases_of_the_first_layout_are_converted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.redb");
        let blob = "c".repeat(32);
        {
            let db = Database::create(&path).unwrap();
            let txn = db.begin_write().unwrap();
            {
                let mut objects = txn.open_table(OBJECTS).unwrap();
                let old = format!(
                    "{{\"key\":\"k\",\"size\":5,\"etag\":\"\\\"E\\\"\",\"crc64\":1,\
                     \"last_modified_ms\":2,\"object_type\":\"Normal\",\"storage_class\":\"Standard\",\
                     \"acl\":\"default\",\"headers\":[],\"user_meta\":[[\"x-oss-meta-a\",\"1\"]],\
                     \"blob\":\"{blob}\"}}"
                );
                let mut value = vec![VALUE_VERSION];
                value.extend_from_slice(old.as_bytes());
                objects
                    .insert(object_key("b", b"k").as_slice(), value.as_slice())
                    .unwrap();
            }
            txn.commit().unwrap();
        }
        let db = MetaDb::open(&path, Duration::ZERO, None).unwrap();
        let meta = db.read(|tx| tx.object("b", "k")).unwrap().unwrap();
        assert_eq!(meta.data, Extents::whole(blob.clone(), 5));
        assert_eq!(
            meta.user_meta,
            vec![("x-oss-meta-a".to_string(), "1".into())]
        );
        assert_eq!(db.read(|tx| tx.blob_refs(&blob)).unwrap(), 1);
    }

    #[test]
    fn objects_of_the_second_layout_are_null_versions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.redb");
        {
            let db = Database::create(&path).unwrap();
            let txn = db.begin_write().unwrap();
            {
                let mut objects = txn.open_table(OBJECTS).unwrap();
                let old = "{\"key\":\"k\",\"size\":0,\"etag\":\"\\\"E\\\"\",\"crc64\":0,\
                     \"last_modified_ms\":2,\"object_type\":\"Normal\",\"storage_class\":\"Standard\",\
                     \"acl\":\"default\",\"headers\":[],\"user_meta\":[],\"data\":[]}";
                let mut value = vec![VALUE_VERSION];
                value.extend_from_slice(old.as_bytes());
                objects
                    .insert(object_key("b", b"k").as_slice(), value.as_slice())
                    .unwrap();
                let mut layout = txn.open_table(LAYOUT).unwrap();
                layout.insert("layout", 2).unwrap();
            }
            txn.commit().unwrap();
        }
        let db = MetaDb::open(&path, Duration::ZERO, None).unwrap();
        let meta = db.read(|tx| tx.object("b", "k")).unwrap().unwrap();
        assert!(meta.version.is_plain());
        assert_eq!(meta.version.id(), super::super::VersionId::Null);
        assert!(db
            .read(|tx| tx.noncurrent_versions("b", "k", None, 10))
            .unwrap()
            .is_empty());
    }

    #[test]
    fn object_keys_group_by_bucket_then_key_bytes() {
        let mut keys = [
            object_key("a-b", b"x"),
            object_key("a", "é".as_bytes()),
            object_key("a", b"z"),
            object_key("a", b""),
            object_key("ab", b"a"),
        ];
        keys.sort();
        assert_eq!(keys[0], object_key("a", b""));
        assert_eq!(keys[1], object_key("a", b"z"));
        assert_eq!(keys[2], object_key("a", "é".as_bytes()));
        assert!(keys[2] < bucket_end("a"));
        assert!(bucket_end("a") <= keys[3]);
    }
}
