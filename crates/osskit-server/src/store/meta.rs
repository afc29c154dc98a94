//! The metadata database (redb): the schema, key and value encodings, and the mapping of
//! every redb error to [`StoreError::Internal`]. No redb type leaves this module.
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
//!
//! Open uploads keep a bucket non-empty ([`Tx::bucket_is_empty`]) and part blobs are
//! referenced ([`Tx::referenced_blobs`]).
//!
//! Values are a version byte ([`VALUE_VERSION`]) followed by the JSON of the value.

use std::collections::HashSet;
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use redb::{Database, ReadableTable, TableDefinition};
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::commit::{CommitStats, Committer};
use super::list::{ObjectScan, Visit};
use super::upload_list::{UploadPos, UploadScan, UploadVisit};
use super::{BucketMeta, ObjectMeta, PartMeta, StoreError, UploadMeta};

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

/// The first byte of every encoded value.
pub const VALUE_VERSION: u8 = 1;

/// Maps any redb (or other) error to an internal store error naming the metadata database.
pub(crate) fn db_err<E: std::fmt::Display>(e: E) -> StoreError {
    StoreError::Internal(format!("metadata database: {e}"))
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

/// The metadata database. Reads run on the caller's thread against a snapshot; every
/// change goes through the group committer (see [`super::commit`]).
#[derive(Debug)]
pub struct MetaDb {
    // Declared first: dropped (and its thread joined) before the database.
    committer: Committer,
    db: Arc<Database>,
}

impl MetaDb {
    /// Opens or creates the database file and its tables, and starts the committer.
    /// `commit_delay` is how long the committer waits for more writes to join a batch.
    pub fn open(path: &Path, commit_delay: Duration) -> Result<MetaDb, StoreError> {
        let db = Database::create(path)
            .map_err(|e| StoreError::Internal(format!("open {}: {e}", path.display())))?;
        let txn = db.begin_write().map_err(db_err)?;
        txn.open_table(BUCKETS).map_err(db_err)?;
        txn.open_table(OBJECTS).map_err(db_err)?;
        txn.open_table(UPLOADS).map_err(db_err)?;
        txn.open_table(PARTS).map_err(db_err)?;
        txn.open_table(CONFIGS).map_err(db_err)?;
        txn.commit().map_err(db_err)?;
        let db = Arc::new(db);
        Ok(MetaDb {
            committer: Committer::start(db.clone(), commit_delay)?,
            db,
        })
    }

    /// Runs `f` in a read transaction (a consistent snapshot).
    pub fn read<T>(
        &self,
        f: impl FnOnce(&ReadTx) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let txn = self.db.begin_read().map_err(db_err)?;
        let tx = ReadTx {
            buckets: txn.open_table(BUCKETS).map_err(db_err)?,
            objects: txn.open_table(OBJECTS).map_err(db_err)?,
            uploads: txn.open_table(UPLOADS).map_err(db_err)?,
            parts: txn.open_table(PARTS).map_err(db_err)?,
            configs: txn.open_table(CONFIGS).map_err(db_err)?,
        };
        f(&tx)
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

        /// The ids of every blob named by metadata (objects and upload parts).
        pub fn referenced_blobs(&self) -> Result<HashSet<String>, StoreError> {
            let mut ids = HashSet::new();
            for item in self.objects.iter().map_err(db_err)? {
                let (_, value) = item.map_err(db_err)?;
                let meta: ObjectMeta = decode(value.value())?;
                ids.insert(meta.blob);
            }
            for item in self.parts.iter().map_err(db_err)? {
                let (_, value) = item.map_err(db_err)?;
                let part: PartMeta = decode(value.value())?;
                ids.insert(part.blob);
            }
            Ok(ids)
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
    /// Set by every method that changes something (the committer resets it per job).
    pub(crate) changed: bool,
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
            changed: false,
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

    /// Stores an object's metadata (insert or replace) under `meta.key`; returns the
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
            .map_err(db_err)?;
        match old {
            Some(v) => decode(v.value()).map(Some),
            None => Ok(None),
        }
    }

    /// Removes an object's metadata; returns what was removed.
    pub fn remove_object(
        &mut self,
        bucket: &str,
        key: &str,
    ) -> Result<Option<ObjectMeta>, StoreError> {
        self.changed = true;
        let old = self
            .objects
            .remove(object_key(bucket, key.as_bytes()).as_slice())
            .map_err(db_err)?;
        match old {
            Some(v) => decode(v.value()).map(Some),
            None => Ok(None),
        }
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

    /// Stores a part of an upload (insert or replace); returns the part it replaced.
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
            .map_err(db_err)?;
        match old {
            Some(v) => decode(v.value()).map(Some),
            None => Ok(None),
        }
    }

    /// Removes an upload and all its parts; returns the removed parts (NoSuchUpload if the
    /// upload does not exist).
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
        }
        Ok(parts)
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
