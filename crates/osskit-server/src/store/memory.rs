//! [`MemoryStore`]: a store that keeps everything in RAM, for measuring clients without a
//! disk in the way. It follows the same rules as [`FsStore`](super::FsStore) (see
//! [`super::rules`] and [`super::list`]) and forgets everything when dropped.

use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use super::data::{new_blob_id, BlobDir, BlobWriter, Durability, ObjectData};
use super::gc::BlobGc;
use super::list::{list_page, ObjectScan, Visit};
use super::multipart::{self, UploadIds};
use super::rules::{self, AppendPlan};
use super::upload_list::{upload_page, UploadPos, UploadScan, UploadVisit};
use super::version::{self, version_page, VersionLookup, VersionScan, VersionedKeys, Versioning};
use super::{
    copy_with_new_bytes, BucketMeta, Deleted, Extents, ListPage, MetaUpdate, ObjectCheck,
    ObjectMeta, PartMeta, PendingBlob, Store, StoreError, UploadMeta, UploadPage, VersionId,
    VersionInfo, VersionPage,
};

/// Metadata of one bucket, its objects (keyed by key bytes, so sorted in UTF-8 order), their
/// noncurrent versions (keyed by key bytes, then inverted sequence number: newest first) and
/// its open uploads (keyed by key bytes, then upload id).
#[derive(Debug)]
struct MemBucket {
    meta: BucketMeta,
    objects: BTreeMap<Vec<u8>, ObjectMeta>,
    versions: BTreeMap<(Vec<u8>, u64), ObjectMeta>,
    uploads: Uploads,
    configs: BTreeMap<String, Vec<u8>>,
}

/// Open uploads by (key bytes, upload id).
type Uploads = BTreeMap<(Vec<u8>, String), MemUpload>;

/// An open upload and its parts by number.
#[derive(Debug)]
struct MemUpload {
    meta: UploadMeta,
    parts: BTreeMap<u32, PartMeta>,
}

impl MemBucket {
    fn upload(&self, key: &str, upload_id: &str) -> Result<&MemUpload, StoreError> {
        self.uploads
            .get(&(key.as_bytes().to_vec(), upload_id.to_owned()))
            .ok_or(StoreError::NoSuchUpload)
    }

    fn upload_mut(&mut self, key: &str, upload_id: &str) -> Result<&mut MemUpload, StoreError> {
        self.uploads
            .get_mut(&(key.as_bytes().to_vec(), upload_id.to_owned()))
            .ok_or(StoreError::NoSuchUpload)
    }

    fn remove_upload(&mut self, key: &str, upload_id: &str) -> Result<MemUpload, StoreError> {
        self.uploads
            .remove(&(key.as_bytes().to_vec(), upload_id.to_owned()))
            .ok_or(StoreError::NoSuchUpload)
    }
}

/// The in-memory store.
///
/// Object bytes live in files of a private directory on a RAM file system (`/dev/shm` when
/// present, the system temporary directory otherwise), so that reads go through the same
/// code as the persistent store's; nothing is fsynced. Metadata (with the reference count
/// of every blob) lives in maps behind a lock. The directory
/// (`oss-server-mem-<pid>-<random>`) is removed when the store is dropped; directories left
/// by processes that ended without dropping their store (killed, crashed) are removed by the
/// next `MemoryStore::new` on the same machine.
///
/// ```
/// use osskit_server::store::{MemoryStore, Store};
///
/// let store = MemoryStore::new().unwrap();
/// let err = store.object("nobucket", "k").unwrap_err();
/// assert!(matches!(err, osskit_server::store::StoreError::NoSuchBucket));
/// ```
#[derive(Debug)]
pub struct MemoryStore {
    root: PathBuf,
    blobs: BlobDir,
    gc: Arc<BlobGc>,
    state: RwLock<MemState>,
    upload_ids: UploadIds,
    /// (account, name) → account-level document.
    accounts: RwLock<BTreeMap<(String, String), Vec<u8>>>,
}

/// Bytes of large objects kept mapped between GETs (the bytes are in memory anyway; the
/// mappings cost page tables, about 2 MiB per GiB).
const MAPPED_CAP: u64 = 4 * 1024 * 1024 * 1024;

/// Free space of the RAM file system kept back from new object data.
const MEMORY_RESERVE: u64 = 16 * 1024 * 1024;

/// Buckets, the number of extents naming each blob, and the last version sequence number.
#[derive(Debug, Default)]
struct MemState {
    buckets: BTreeMap<String, MemBucket>,
    refs: HashMap<String, u64>,
    seq: u64,
}

impl VersionLookup for MemState {
    fn mode(&self, bucket: &str) -> Result<Versioning, StoreError> {
        Ok(Versioning::from_config(
            bucket_of(&self.buckets, bucket)?
                .configs
                .get(version::CONFIG_NAME)
                .map(Vec::as_slice),
        ))
    }

    fn current(&self, bucket: &str, key: &str) -> Result<Option<ObjectMeta>, StoreError> {
        Ok(bucket_of(&self.buckets, bucket)?
            .objects
            .get(key.as_bytes())
            .cloned())
    }

    fn noncurrent(
        &self,
        bucket: &str,
        key: &str,
        below: Option<u64>,
        max: usize,
    ) -> Result<Vec<ObjectMeta>, StoreError> {
        Ok(noncurrent_of(
            bucket_of(&self.buckets, bucket)?,
            key,
            below,
            max,
        ))
    }

    fn noncurrent_at(
        &self,
        bucket: &str,
        key: &str,
        seq: u64,
    ) -> Result<Option<ObjectMeta>, StoreError> {
        Ok(bucket_of(&self.buckets, bucket)?
            .versions
            .get(&(key.as_bytes().to_vec(), !seq))
            .cloned())
    }
}

/// Up to `max` noncurrent versions of `key` in `bucket` older than `below`, newest first.
fn noncurrent_of(bucket: &MemBucket, key: &str, below: Option<u64>, max: usize) -> Vec<ObjectMeta> {
    let k = key.as_bytes().to_vec();
    let lower = match below {
        Some(seq) => Bound::Excluded((k.clone(), !seq)),
        None => Bound::Included((k.clone(), 0)),
    };
    bucket
        .versions
        .range((lower, Bound::Included((k, u64::MAX))))
        .take(max)
        .map(|(_, v)| v.clone())
        .collect()
}

/// The state under the write lock, with the blobs a change leaves unreferenced.
struct MemKeys<'a> {
    state: &'a mut MemState,
    garbage: &'a mut Vec<String>,
}

impl VersionLookup for MemKeys<'_> {
    fn mode(&self, bucket: &str) -> Result<Versioning, StoreError> {
        self.state.mode(bucket)
    }
    fn current(&self, bucket: &str, key: &str) -> Result<Option<ObjectMeta>, StoreError> {
        self.state.current(bucket, key)
    }
    fn noncurrent(
        &self,
        bucket: &str,
        key: &str,
        below: Option<u64>,
        max: usize,
    ) -> Result<Vec<ObjectMeta>, StoreError> {
        self.state.noncurrent(bucket, key, below, max)
    }
    fn noncurrent_at(
        &self,
        bucket: &str,
        key: &str,
        seq: u64,
    ) -> Result<Option<ObjectMeta>, StoreError> {
        self.state.noncurrent_at(bucket, key, seq)
    }
}

impl VersionedKeys for MemKeys<'_> {
    fn next_seq(&mut self) -> Result<u64, StoreError> {
        self.state.seq += 1;
        Ok(self.state.seq)
    }

    fn set_current_raw(&mut self, bucket: &str, meta: &ObjectMeta) -> Result<(), StoreError> {
        bucket_of_mut(&mut self.state.buckets, bucket)?
            .objects
            .insert(meta.key.as_bytes().to_vec(), meta.clone());
        Ok(())
    }

    fn take_current_raw(&mut self, bucket: &str, key: &str) -> Result<(), StoreError> {
        bucket_of_mut(&mut self.state.buckets, bucket)?
            .objects
            .remove(key.as_bytes());
        Ok(())
    }

    fn put_noncurrent_raw(&mut self, bucket: &str, meta: &ObjectMeta) -> Result<(), StoreError> {
        bucket_of_mut(&mut self.state.buckets, bucket)?
            .versions
            .insert(
                (meta.key.as_bytes().to_vec(), !meta.version.seq),
                meta.clone(),
            );
        Ok(())
    }

    fn take_noncurrent_raw(&mut self, bucket: &str, key: &str, seq: u64) -> Result<(), StoreError> {
        bucket_of_mut(&mut self.state.buckets, bucket)?
            .versions
            .remove(&(key.as_bytes().to_vec(), !seq));
        Ok(())
    }

    fn add_refs(&mut self, data: &Extents) -> Result<(), StoreError> {
        self.state.add_refs(data);
        Ok(())
    }

    fn drop_refs(&mut self, data: &Extents) -> Result<(), StoreError> {
        self.state.drop_refs(data, self.garbage);
        Ok(())
    }
}

/// One bucket's versions, for [`version_page`].
struct MemVersions<'a>(&'a MemBucket);

impl VersionScan for MemVersions<'_> {
    fn next_key(&self, from: Bound<&[u8]>) -> Result<Option<String>, StoreError> {
        let current = self
            .0
            .objects
            .range::<[u8], _>((from, Bound::Unbounded))
            .next()
            .map(|(k, _)| k.clone());
        let lower = match from {
            Bound::Included(k) => Bound::Included((k.to_vec(), 0)),
            Bound::Excluded(k) => Bound::Excluded((k.to_vec(), u64::MAX)),
            Bound::Unbounded => Bound::Included((Vec::new(), 0)),
        };
        let noncurrent = self
            .0
            .versions
            .range((lower, Bound::Unbounded))
            .next()
            .map(|((k, _), _)| k.clone());
        let next = match (current, noncurrent) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        next.map(|k| {
            String::from_utf8(k).map_err(|_| StoreError::Internal("object key is not UTF-8".into()))
        })
        .transpose()
    }

    fn current(&self, key: &str) -> Result<Option<ObjectMeta>, StoreError> {
        Ok(self.0.objects.get(key.as_bytes()).cloned())
    }

    fn noncurrent(
        &self,
        key: &str,
        below: Option<u64>,
        max: usize,
    ) -> Result<Vec<ObjectMeta>, StoreError> {
        Ok(noncurrent_of(self.0, key, below, max))
    }
}

impl MemState {
    fn add_refs(&mut self, data: &Extents) {
        for e in data {
            *self.refs.entry(e.blob.clone()).or_insert(0) += 1;
        }
    }

    /// Drops references; blobs left with none are pushed to `garbage`.
    fn drop_refs(&mut self, data: &Extents, garbage: &mut Vec<String>) {
        for e in data {
            match self.refs.get_mut(&e.blob) {
                Some(n) if *n > 1 => *n -= 1,
                Some(_) => {
                    self.refs.remove(&e.blob);
                    garbage.push(e.blob.clone());
                }
                None => {}
            }
        }
    }

    fn is_live(&self, data: &Extents) -> bool {
        data.blobs().into_iter().all(|b| self.refs.contains_key(b))
    }

    /// Writes `meta` into bucket `bucket` (which must exist) as a new current version,
    /// counting references (see [`version::write_current`]).
    fn put_object(
        &mut self,
        bucket: &str,
        meta: ObjectMeta,
        garbage: &mut Vec<String>,
    ) -> Result<ObjectMeta, StoreError> {
        version::write_current(
            &mut MemKeys {
                state: self,
                garbage,
            },
            bucket,
            meta,
        )
    }

    /// Replaces the current object `meta.key` in place (same version), counting references.
    fn replace_object(
        &mut self,
        bucket: &str,
        meta: ObjectMeta,
        garbage: &mut Vec<String>,
    ) -> Result<(), StoreError> {
        bucket_of(&self.buckets, bucket)?;
        self.add_refs(&meta.data);
        let key = meta.key.as_bytes().to_vec();
        let old = bucket_of_mut(&mut self.buckets, bucket)?
            .objects
            .insert(key, meta);
        if let Some(old) = old {
            self.drop_refs(&old.data, garbage);
        }
        Ok(())
    }
}

impl MemoryStore {
    /// A new, empty store.
    pub fn new() -> Result<MemoryStore, StoreError> {
        let shm = Path::new("/dev/shm");
        let base = if shm.is_dir() {
            shm.to_path_buf()
        } else {
            std::env::temp_dir()
        };
        remove_abandoned(&base);
        let root = base.join(format!(
            "{DIR_PREFIX}{}-{}",
            std::process::id(),
            new_blob_id()
        ));
        std::fs::create_dir(&root).map_err(|e| {
            StoreError::Internal(format!("create directory {}: {e}", root.display()))
        })?;
        let blobs = match BlobDir::open(&root, Durability::Volatile) {
            Ok(b) => b.with_reserve(MEMORY_RESERVE).with_map_cache(MAPPED_CAP),
            Err(e) => {
                let _ = std::fs::remove_dir_all(&root);
                return Err(e);
            }
        };
        Ok(MemoryStore {
            root,
            gc: BlobGc::new(blobs.clone(), false),
            blobs,
            state: RwLock::new(MemState::default()),
            upload_ids: UploadIds::new(),
            accounts: RwLock::new(BTreeMap::new()),
        })
    }

    fn read(&self) -> RwLockReadGuard<'_, MemState> {
        // Updates check everything before they change anything, so a panic while holding
        // the lock leaves the maps consistent and a poisoned lock is still usable.
        self.state.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, MemState> {
        self.state.write().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` under the write lock, then removes the blobs it left unreferenced.
    fn change<T>(
        &self,
        f: impl FnOnce(&mut MemState, &mut Vec<String>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut garbage = Vec::new();
        let result = {
            let mut state = self.write();
            f(&mut state, &mut garbage)
        };
        self.gc.collect(garbage);
        result
    }

    /// The directory holding the object bytes.
    pub fn dir(&self) -> &Path {
        &self.root
    }
}

/// Name prefix of the stores' directories.
const DIR_PREFIX: &str = "oss-server-mem-";

/// Removes the store directories under `base` whose process is gone: their names carry the
/// process id, and a process that is not running any more cannot use them. Only checked
/// where `/proc` lists processes; directories of running processes are never touched.
fn remove_abandoned(base: &Path) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(base) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(DIR_PREFIX))
            .and_then(|rest| rest.split_once('-'))
            .and_then(|(pid, _)| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
            match std::fs::remove_dir_all(entry.path()) {
                Ok(()) => {
                    tracing::info!(dir = %entry.path().display(), "removed the directory of an ended in-memory server")
                }
                Err(e) => {
                    tracing::debug!(dir = %entry.path().display(), error = %e, "cannot remove an abandoned store directory")
                }
            }
        }
    }
}

impl Drop for MemoryStore {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

fn bucket_of<'m>(
    state: &'m BTreeMap<String, MemBucket>,
    name: &str,
) -> Result<&'m MemBucket, StoreError> {
    state.get(name).ok_or(StoreError::NoSuchBucket)
}

fn bucket_of_mut<'m>(
    state: &'m mut BTreeMap<String, MemBucket>,
    name: &str,
) -> Result<&'m mut MemBucket, StoreError> {
    state.get_mut(name).ok_or(StoreError::NoSuchBucket)
}

impl ObjectScan for BTreeMap<Vec<u8>, ObjectMeta> {
    fn scan(&self, from: Bound<&[u8]>, visit: Visit<'_>) -> Result<(), StoreError> {
        for (_, meta) in self.range::<[u8], _>((from, Bound::Unbounded)) {
            if !visit(&meta.key, &|| Ok(meta.clone()))? {
                break;
            }
        }
        Ok(())
    }
}

impl UploadScan for Uploads {
    fn scan(&self, from: &UploadPos, visit: UploadVisit<'_>) -> Result<(), StoreError> {
        let start = (from.key.clone(), from.upload_id.clone());
        let lower = if from.inclusive {
            Bound::Included(start)
        } else {
            Bound::Excluded(start)
        };
        for (_, upload) in self.range((lower, Bound::Unbounded)) {
            if !visit(&upload.meta.key, &|| Ok(upload.meta.clone()))? {
                break;
            }
        }
        Ok(())
    }
}

impl Store for MemoryStore {
    fn quick_calls_inline(&self) -> bool {
        true
    }

    fn create_bucket(&self, meta: BucketMeta) -> Result<(), StoreError> {
        let mut state = self.write();
        if state.buckets.contains_key(&meta.name) {
            return Err(StoreError::BucketAlreadyExists);
        }
        state.buckets.insert(
            meta.name.clone(),
            MemBucket {
                meta,
                objects: BTreeMap::new(),
                versions: BTreeMap::new(),
                uploads: BTreeMap::new(),
                configs: BTreeMap::new(),
            },
        );
        Ok(())
    }

    fn delete_bucket(&self, name: &str) -> Result<(), StoreError> {
        let mut state = self.write();
        // Objects and open multipart uploads keep it alive.
        let b = bucket_of(&state.buckets, name)?;
        if !b.objects.is_empty() || !b.versions.is_empty() || !b.uploads.is_empty() {
            return Err(StoreError::BucketNotEmpty);
        }
        state.buckets.remove(name);
        Ok(())
    }

    fn bucket(&self, name: &str) -> Result<BucketMeta, StoreError> {
        Ok(bucket_of(&self.read().buckets, name)?.meta.clone())
    }

    fn update_bucket(&self, meta: BucketMeta) -> Result<(), StoreError> {
        let mut state = self.write();
        let name = meta.name.clone();
        bucket_of_mut(&mut state.buckets, &name)?.meta = meta;
        Ok(())
    }

    fn bucket_config(&self, bucket: &str, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(bucket_of(&self.read().buckets, bucket)?
            .configs
            .get(name)
            .cloned())
    }

    fn set_bucket_config(
        &self,
        bucket: &str,
        name: &str,
        value: Option<Vec<u8>>,
    ) -> Result<(), StoreError> {
        let mut state = self.write();
        let b = bucket_of_mut(&mut state.buckets, bucket)?;
        match value {
            Some(v) => b.configs.insert(name.to_string(), v),
            None => b.configs.remove(name),
        };
        Ok(())
    }

    fn account_config(&self, account: &str, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let map = self.accounts.read().unwrap_or_else(|p| p.into_inner());
        Ok(map.get(&(account.to_owned(), name.to_owned())).cloned())
    }

    fn set_account_config(
        &self,
        account: &str,
        name: &str,
        value: Option<Vec<u8>>,
    ) -> Result<(), StoreError> {
        let mut map = self.accounts.write().unwrap_or_else(|p| p.into_inner());
        let key = (account.to_owned(), name.to_owned());
        match value {
            Some(v) => map.insert(key, v),
            None => map.remove(&key),
        };
        Ok(())
    }

    fn list_buckets(
        &self,
        prefix: &str,
        marker: &str,
        max: usize,
    ) -> Result<(Vec<BucketMeta>, bool), StoreError> {
        let state = self.read();
        let mut out = Vec::new();
        let matching = state
            .buckets
            .values()
            .filter(|b| b.meta.name.starts_with(prefix) && b.meta.name.as_str() > marker);
        for b in matching {
            if out.len() == max {
                return Ok((out, true));
            }
            out.push(b.meta.clone());
        }
        Ok((out, false))
    }

    fn new_blob(&self) -> Result<BlobWriter, StoreError> {
        self.blobs.writer()
    }

    fn put_object(
        &self,
        bucket: &str,
        mut meta: ObjectMeta,
        blob: PendingBlob,
        forbid_overwrite: bool,
    ) -> Result<VersionInfo, StoreError> {
        rules::check_put_keys(&meta, &blob)?;
        rules::describe_put(&mut meta, &blob);
        self.change(|state, garbage| {
            let b = bucket_of(&state.buckets, bucket)?;
            if forbid_overwrite && b.objects.contains_key(meta.key.as_bytes()) {
                return Err(StoreError::ObjectAlreadyExists);
            }
            self.blobs.install(blob)?;
            state.put_object(bucket, meta, garbage).map(|m| m.version)
        })
    }

    fn append_object(
        &self,
        bucket: &str,
        key: &str,
        position: u64,
        blob: PendingBlob,
        meta_for_new: ObjectMeta,
    ) -> Result<ObjectMeta, StoreError> {
        self.change(|state, garbage| {
            let current = bucket_of(&state.buckets, bucket)?
                .objects
                .get(key.as_bytes())
                .cloned();
            let plan = rules::plan_append(current, position)?;
            rules::check_append_keys(&plan, &blob, &meta_for_new)?;
            match plan {
                AppendPlan::Create => {
                    let meta = rules::appended_new(meta_for_new, key, &blob);
                    self.blobs.install(blob)?;
                    state.put_object(bucket, meta, garbage)
                }
                AppendPlan::Extend(current) => {
                    let target = rules::append_target(&current)?;
                    self.blobs.append(&target, current.size, &blob)?;
                    let meta = rules::appended_extend(
                        current,
                        &target,
                        &blob,
                        meta_for_new.last_modified_ms,
                    );
                    state.replace_object(bucket, meta.clone(), garbage)?;
                    Ok(meta)
                }
            }
        })
    }

    fn copy_object(
        &self,
        src_bucket: &str,
        src_key: &str,
        src_version: Option<VersionId>,
        dst_bucket: &str,
        meta: ObjectMeta,
        forbid_overwrite: bool,
    ) -> Result<ObjectMeta, StoreError> {
        let same = src_bucket == dst_bucket && src_key == meta.key;
        if same && src_version.is_none() {
            let (source, mode) = {
                let state = self.read();
                let source = bucket_of(&state.buckets, dst_bucket)?
                    .objects
                    .get(src_key.as_bytes())
                    .cloned()
                    .ok_or(StoreError::NoSuchKey)?;
                (source, state.mode(dst_bucket)?)
            };
            if rules::copy_needs_new_bytes(&meta, &source) {
                return copy_with_new_bytes(
                    self, src_bucket, src_key, None, dst_bucket, meta, false,
                );
            }
            if mode == Versioning::Unversioned {
                return self.update_object_meta(
                    src_bucket,
                    src_key,
                    Box::new(move |current| {
                        *current = rules::describe_self_copy(meta.clone(), current);
                        Ok(())
                    }),
                );
            }
        }
        let wanted = meta.clone();
        let shared = self.change(|state, garbage| {
            let dst = bucket_of(&state.buckets, dst_bucket)?;
            if forbid_overwrite && !same && dst.objects.contains_key(wanted.key.as_bytes()) {
                return Err(StoreError::ObjectAlreadyExists);
            }
            bucket_of(&state.buckets, src_bucket)?;
            let source = match src_version {
                None => state
                    .current(src_bucket, src_key)?
                    .ok_or(StoreError::NoSuchKey)?,
                Some(id) => version::find(state, src_bucket, src_key, Some(id))?,
            };
            if source.version.delete_marker {
                return Err(StoreError::DeleteMarker(source.version));
            }
            if rules::copy_needs_new_bytes(&wanted, &source) {
                return Ok(None);
            }
            let done = if same {
                rules::describe_self_copy(wanted, &source)
            } else {
                rules::describe_copy(wanted, &source)
            };
            state.put_object(dst_bucket, done, garbage).map(Some)
        })?;
        match shared {
            Some(done) => Ok(done),
            None => copy_with_new_bytes(
                self,
                src_bucket,
                src_key,
                src_version,
                dst_bucket,
                meta,
                forbid_overwrite,
            ),
        }
    }

    fn update_version_meta(
        &self,
        bucket: &str,
        key: &str,
        version: Option<VersionId>,
        mut update: MetaUpdate,
    ) -> Result<ObjectMeta, StoreError> {
        self.change(|state, garbage| {
            version::update(
                &mut MemKeys { state, garbage },
                bucket,
                key,
                version,
                &mut update,
            )
        })
    }

    fn object_version(
        &self,
        bucket: &str,
        key: &str,
        version: Option<VersionId>,
    ) -> Result<ObjectMeta, StoreError> {
        version::find(&*self.read(), bucket, key, version)
    }

    fn object(&self, bucket: &str, key: &str) -> Result<ObjectMeta, StoreError> {
        let state = self.read();
        bucket_of(&state.buckets, bucket)?
            .objects
            .get(key.as_bytes())
            .cloned()
            .ok_or(StoreError::NoSuchKey)
    }

    fn open(&self, meta: &ObjectMeta) -> Result<ObjectData, StoreError> {
        // Checked and leased under the lock that every reference change takes.
        let state = self.read();
        if !state.is_live(&meta.data) {
            return Err(StoreError::NoSuchKey);
        }
        let lease = self
            .gc
            .lease(meta.data.blobs())
            .ok_or(StoreError::NoSuchKey)?;
        drop(state);
        Ok(ObjectData::new(
            meta.data.clone(),
            self.blobs.clone(),
            Some(lease),
        ))
    }

    fn open_object(&self, bucket: &str, key: &str) -> Result<(ObjectMeta, ObjectData), StoreError> {
        let state = self.read();
        let meta = bucket_of(&state.buckets, bucket)?
            .objects
            .get(key.as_bytes())
            .cloned()
            .ok_or(StoreError::NoSuchKey)?;
        let lease = self
            .gc
            .lease(meta.data.blobs())
            .ok_or(StoreError::NoSuchKey)?;
        drop(state);
        let data = ObjectData::new(meta.data.clone(), self.blobs.clone(), Some(lease));
        Ok((meta, data))
    }

    fn delete_version_at(
        &self,
        bucket: &str,
        key: &str,
        version: Option<VersionId>,
        check: ObjectCheck,
        now_ms: i64,
    ) -> Result<Deleted, StoreError> {
        self.change(|state, garbage| {
            version::delete(
                &mut MemKeys { state, garbage },
                bucket,
                key,
                version,
                &check,
                now_ms,
            )
        })
    }

    fn delete_versions_at(
        &self,
        bucket: &str,
        entries: &[(String, Option<VersionId>)],
        check: ObjectCheck,
        now_ms: i64,
    ) -> Result<Vec<Deleted>, StoreError> {
        self.change(|state, garbage| {
            version::delete_all(
                &mut MemKeys { state, garbage },
                bucket,
                entries,
                &check,
                now_ms,
            )
        })
    }

    fn list_versions(
        &self,
        bucket: &str,
        prefix: &str,
        delimiter: &str,
        key_marker: &str,
        version_marker: Option<VersionId>,
        max: usize,
    ) -> Result<VersionPage, StoreError> {
        let state = self.read();
        version_page(
            &MemVersions(bucket_of(&state.buckets, bucket)?),
            prefix,
            delimiter,
            key_marker,
            version_marker,
            max,
        )
    }

    fn list_objects(
        &self,
        bucket: &str,
        prefix: &str,
        delimiter: &str,
        after: &str,
        max: usize,
    ) -> Result<ListPage, StoreError> {
        let state = self.read();
        list_page(
            &bucket_of(&state.buckets, bucket)?.objects,
            prefix,
            delimiter,
            after,
            max,
        )
    }

    fn create_upload(
        &self,
        bucket: &str,
        key: &str,
        template: ObjectMeta,
    ) -> Result<UploadMeta, StoreError> {
        let upload = multipart::new_upload(&self.upload_ids, key, template);
        let mut state = self.write();
        bucket_of_mut(&mut state.buckets, bucket)?.uploads.insert(
            (key.as_bytes().to_vec(), upload.upload_id.clone()),
            MemUpload {
                meta: upload.clone(),
                parts: BTreeMap::new(),
            },
        );
        Ok(upload)
    }

    fn upload(&self, bucket: &str, key: &str, upload_id: &str) -> Result<UploadMeta, StoreError> {
        let state = self.read();
        Ok(bucket_of(&state.buckets, bucket)?
            .upload(key, upload_id)?
            .meta
            .clone())
    }

    fn put_part(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        part_number: u32,
        blob: PendingBlob,
    ) -> Result<PartMeta, StoreError> {
        multipart::check_part_number(part_number)?;
        let part = multipart::new_part(part_number, &blob, multipart::now_ms());
        self.change(|state, garbage| {
            let upload = bucket_of(&state.buckets, bucket)?.upload(key, upload_id)?;
            multipart::check_part_keys(&upload.meta, &part.data)?;
            self.blobs.install(blob)?;
            state.add_refs(&part.data);
            let old = bucket_of_mut(&mut state.buckets, bucket)?
                .upload_mut(key, upload_id)?
                .parts
                .insert(part_number, part.clone());
            if let Some(old) = old {
                state.drop_refs(&old.data, garbage);
            }
            Ok(part)
        })
    }

    fn put_part_copy(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        part_number: u32,
        data: Extents,
        md5: [u8; 16],
        crc64: u64,
    ) -> Result<PartMeta, StoreError> {
        multipart::check_part_number(part_number)?;
        let part = multipart::copied_part(part_number, data, &md5, crc64, multipart::now_ms());
        self.change(|state, garbage| {
            let upload = bucket_of(&state.buckets, bucket)?.upload(key, upload_id)?;
            multipart::check_part_keys(&upload.meta, &part.data)?;
            if !state.is_live(&part.data) {
                return Err(StoreError::NoSuchKey);
            }
            state.add_refs(&part.data);
            let old = bucket_of_mut(&mut state.buckets, bucket)?
                .upload_mut(key, upload_id)?
                .parts
                .insert(part_number, part.clone());
            if let Some(old) = old {
                state.drop_refs(&old.data, garbage);
            }
            Ok(part)
        })
    }

    fn list_parts(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        part_number_marker: u32,
        max: usize,
    ) -> Result<(Vec<PartMeta>, bool), StoreError> {
        let state = self.read();
        let upload = bucket_of(&state.buckets, bucket)?.upload(key, upload_id)?;
        let after = upload
            .parts
            .range(part_number_marker..)
            .map(|(_, p)| p.clone());
        Ok(multipart::page_of_parts(after, part_number_marker, max))
    }

    fn list_uploads(
        &self,
        bucket: &str,
        prefix: &str,
        delimiter: &str,
        key_marker: &str,
        upload_id_marker: &str,
        max: usize,
    ) -> Result<UploadPage, StoreError> {
        let state = self.read();
        upload_page(
            &bucket_of(&state.buckets, bucket)?.uploads,
            prefix,
            delimiter,
            key_marker,
            upload_id_marker,
            max,
        )
    }

    fn complete_upload(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        parts: Option<&[(u32, String)]>,
    ) -> Result<ObjectMeta, StoreError> {
        self.change(|state, garbage| {
            let upload = bucket_of(&state.buckets, bucket)?.upload(key, upload_id)?;
            let uploaded: Vec<PartMeta> = upload.parts.values().cloned().collect();
            let chosen = multipart::select_parts(&uploaded, parts)?;
            let meta = multipart::completed_object(&upload.meta, &chosen, multipart::now_ms())?;
            // The object takes its references before the parts drop theirs.
            let meta = state.put_object(bucket, meta, garbage)?;
            let removed =
                bucket_of_mut(&mut state.buckets, bucket)?.remove_upload(key, upload_id)?;
            for part in removed.parts.values() {
                state.drop_refs(&part.data, garbage);
            }
            Ok(meta)
        })
    }

    fn abort_upload(&self, bucket: &str, key: &str, upload_id: &str) -> Result<(), StoreError> {
        self.change(|state, garbage| {
            let removed =
                bucket_of_mut(&mut state.buckets, bucket)?.remove_upload(key, upload_id)?;
            for part in removed.parts.values() {
                state.drop_refs(&part.data, garbage);
            }
            Ok(())
        })
    }
}
