//! [`MemoryStore`]: a store that keeps everything in RAM, for measuring clients without a
//! disk in the way. It follows the same rules as [`FsStore`](super::FsStore) (see
//! [`super::rules`] and [`super::list`]) and forgets everything when dropped.

use std::collections::BTreeMap;
use std::fs::File;
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use super::cipher::BlobCipher;
use super::data::{new_blob_id, BlobDir, BlobWriter, Durability};
use super::list::{list_page, ObjectScan, Visit};
use super::multipart::{self, UploadIds};
use super::rules::{self, AppendPlan};
use super::upload_list::{upload_page, UploadPos, UploadScan, UploadVisit};
use super::{
    BucketMeta, ListPage, MetaUpdate, ObjectMeta, PartMeta, PendingBlob, Store, StoreError,
    UploadMeta, UploadPage,
};

/// Metadata of one bucket, its objects (keyed by key bytes, so sorted in UTF-8 order) and
/// its open uploads (keyed by key bytes, then upload id).
#[derive(Debug)]
struct MemBucket {
    meta: BucketMeta,
    objects: BTreeMap<Vec<u8>, ObjectMeta>,
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
/// present, the system temporary directory otherwise), because [`Store::open`] hands out
/// [`std::fs::File`]s; nothing is fsynced. Metadata lives in maps behind a lock. The directory
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
    state: RwLock<BTreeMap<String, MemBucket>>,
    upload_ids: UploadIds,
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
            Ok(b) => b,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&root);
                return Err(e);
            }
        };
        Ok(MemoryStore {
            root,
            blobs,
            state: RwLock::new(BTreeMap::new()),
            upload_ids: UploadIds::new(),
        })
    }

    fn read(&self) -> RwLockReadGuard<'_, BTreeMap<String, MemBucket>> {
        // A panic while holding the lock cannot leave the maps half-updated (every update is
        // one insert or remove), so a poisoned lock is still consistent.
        self.state.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, BTreeMap<String, MemBucket>> {
        self.state.write().unwrap_or_else(|p| p.into_inner())
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
        if state.contains_key(&meta.name) {
            return Err(StoreError::BucketAlreadyExists);
        }
        state.insert(
            meta.name.clone(),
            MemBucket {
                meta,
                objects: BTreeMap::new(),
                uploads: BTreeMap::new(),
                configs: BTreeMap::new(),
            },
        );
        Ok(())
    }

    fn delete_bucket(&self, name: &str) -> Result<(), StoreError> {
        let mut state = self.write();
        // Objects and open multipart uploads keep it alive.
        let b = bucket_of(&state, name)?;
        if !b.objects.is_empty() || !b.uploads.is_empty() {
            return Err(StoreError::BucketNotEmpty);
        }
        state.remove(name);
        Ok(())
    }

    fn bucket(&self, name: &str) -> Result<BucketMeta, StoreError> {
        Ok(bucket_of(&self.read(), name)?.meta.clone())
    }

    fn update_bucket(&self, meta: BucketMeta) -> Result<(), StoreError> {
        let mut state = self.write();
        let name = meta.name.clone();
        bucket_of_mut(&mut state, &name)?.meta = meta;
        Ok(())
    }

    fn bucket_config(&self, bucket: &str, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(bucket_of(&self.read(), bucket)?.configs.get(name).cloned())
    }

    fn set_bucket_config(
        &self,
        bucket: &str,
        name: &str,
        value: Option<Vec<u8>>,
    ) -> Result<(), StoreError> {
        let mut state = self.write();
        let b = bucket_of_mut(&mut state, bucket)?;
        match value {
            Some(v) => b.configs.insert(name.to_string(), v),
            None => b.configs.remove(name),
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

    fn cipher(&self) -> Option<&BlobCipher> {
        Some(self.blobs.cipher())
    }

    fn put_object(
        &self,
        bucket: &str,
        mut meta: ObjectMeta,
        blob: PendingBlob,
        forbid_overwrite: bool,
    ) -> Result<(), StoreError> {
        rules::describe_put(&mut meta, &blob);
        let mut state = self.write();
        let b = bucket_of_mut(&mut state, bucket)?;
        if forbid_overwrite && b.objects.contains_key(meta.key.as_bytes()) {
            return Err(StoreError::ObjectAlreadyExists);
        }
        let id = self.blobs.install(blob)?;
        if let Some(old) = b.objects.insert(meta.key.as_bytes().to_vec(), meta) {
            if old.blob != id {
                self.blobs.remove(&old.blob);
            }
        }
        Ok(())
    }

    fn append_object(
        &self,
        bucket: &str,
        key: &str,
        position: u64,
        blob: PendingBlob,
        meta_for_new: ObjectMeta,
    ) -> Result<ObjectMeta, StoreError> {
        let mut state = self.write();
        let b = bucket_of_mut(&mut state, bucket)?;
        let plan = rules::plan_append(b.objects.get(key.as_bytes()).cloned(), position)?;
        rules::check_append_keys(&plan, &blob, meta_for_new.encryption.is_some())?;
        match plan {
            AppendPlan::Create => {
                let meta = rules::appended_new(meta_for_new, key, &blob);
                self.blobs.install(blob)?;
                b.objects.insert(key.as_bytes().to_vec(), meta.clone());
                Ok(meta)
            }
            AppendPlan::Extend(current) => {
                self.blobs.append(&current.blob, current.size, &blob)?;
                let meta = rules::appended_extend(current, &blob, meta_for_new.last_modified_ms);
                b.objects.insert(key.as_bytes().to_vec(), meta.clone());
                Ok(meta)
            }
        }
    }

    fn copy_object(
        &self,
        src_bucket: &str,
        src_key: &str,
        dst_bucket: &str,
        meta: ObjectMeta,
        forbid_overwrite: bool,
    ) -> Result<ObjectMeta, StoreError> {
        let same = src_bucket == dst_bucket && src_key == meta.key;
        let same_encryption = || -> Result<bool, StoreError> {
            let state = self.read();
            bucket_of(&state, dst_bucket)?;
            let source = bucket_of(&state, src_bucket)?
                .objects
                .get(src_key.as_bytes())
                .ok_or(StoreError::NoSuchKey)?;
            Ok(source.encryption == meta.encryption)
        };
        // A copy onto itself that changes the encryption rewrites the bytes below.
        if same && same_encryption()? {
            return self.update_object_meta(
                src_bucket,
                src_key,
                Box::new(move |current| {
                    *current = rules::describe_self_copy(meta.clone(), current);
                    Ok(())
                }),
            );
        }
        let forbid_overwrite = forbid_overwrite && !same;
        let (source, file) = {
            let state = self.read();
            let dst = bucket_of(&state, dst_bucket)?;
            let src = bucket_of(&state, src_bucket)?;
            let source = src
                .objects
                .get(src_key.as_bytes())
                .cloned()
                .ok_or(StoreError::NoSuchKey)?;
            if forbid_overwrite && dst.objects.contains_key(meta.key.as_bytes()) {
                return Err(StoreError::ObjectAlreadyExists);
            }
            // Opened under the lock, so no overwrite can remove the blob first.
            let file = self.blobs.open_blob(&source.blob)?;
            (source, file)
        };
        // Copy outside the lock; installing and committing happen under it.
        let src_keys = source.encryption.as_ref().map(|_| source.blob.as_str());
        let copied =
            self.blobs
                .copy_between(file, source.size, src_keys, meta.encryption.is_some())?;
        let meta = rules::describe_copy(meta, &source, &copied);
        let mut state = self.write();
        let b = bucket_of_mut(&mut state, dst_bucket)?;
        if forbid_overwrite && b.objects.contains_key(meta.key.as_bytes()) {
            return Err(StoreError::ObjectAlreadyExists);
        }
        let id = self.blobs.install(copied)?;
        if let Some(old) = b.objects.insert(meta.key.as_bytes().to_vec(), meta.clone()) {
            if old.blob != id {
                self.blobs.remove(&old.blob);
            }
        }
        Ok(meta)
    }

    fn update_object_meta(
        &self,
        bucket: &str,
        key: &str,
        mut update: MetaUpdate,
    ) -> Result<ObjectMeta, StoreError> {
        let mut state = self.write();
        let current = bucket_of_mut(&mut state, bucket)?
            .objects
            .get_mut(key.as_bytes())
            .ok_or(StoreError::NoSuchKey)?;
        let updated = rules::apply_meta_update(current, &mut update)?;
        *current = updated.clone();
        Ok(updated)
    }

    fn object(&self, bucket: &str, key: &str) -> Result<ObjectMeta, StoreError> {
        let state = self.read();
        bucket_of(&state, bucket)?
            .objects
            .get(key.as_bytes())
            .cloned()
            .ok_or(StoreError::NoSuchKey)
    }

    fn open(&self, meta: &ObjectMeta) -> Result<File, StoreError> {
        self.blobs.open_blob(&meta.blob)
    }

    fn delete_object(&self, bucket: &str, key: &str) -> Result<bool, StoreError> {
        let mut state = self.write();
        match bucket_of_mut(&mut state, bucket)?
            .objects
            .remove(key.as_bytes())
        {
            Some(old) => {
                self.blobs.remove(&old.blob);
                Ok(true)
            }
            None => Ok(false),
        }
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
            &bucket_of(&state, bucket)?.objects,
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
        bucket_of_mut(&mut state, bucket)?.uploads.insert(
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
        Ok(bucket_of(&state, bucket)?
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
        let mut state = self.write();
        let upload = bucket_of_mut(&mut state, bucket)?.upload_mut(key, upload_id)?;
        let id = self.blobs.install(blob)?;
        if let Some(old) = upload.parts.insert(part_number, part.clone()) {
            if old.blob != id {
                self.blobs.remove(&old.blob);
            }
        }
        Ok(part)
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
        let upload = bucket_of(&state, bucket)?.upload(key, upload_id)?;
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
            &bucket_of(&state, bucket)?.uploads,
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
        for _ in 0..multipart::COMPLETE_ATTEMPTS {
            let (upload, uploaded) = {
                let state = self.read();
                let upload = bucket_of(&state, bucket)?.upload(key, upload_id)?;
                let uploaded: Vec<PartMeta> = upload.parts.values().cloned().collect();
                (upload.meta.clone(), uploaded)
            };
            let chosen = multipart::select_parts(&uploaded, parts)?;
            // Copied outside the lock; a part re-uploaded meanwhile starts again.
            let encrypted = upload.template.encryption.is_some();
            let blob = match multipart::concatenate(&self.blobs, &chosen, encrypted) {
                Ok(blob) => blob,
                Err(StoreError::NoSuchKey) => continue,
                Err(e) => return Err(e),
            };
            let meta = multipart::completed_object(&upload, &chosen, &blob, multipart::now_ms())?;
            let mut state = self.write();
            let b = bucket_of_mut(&mut state, bucket)?;
            let now: Vec<PartMeta> = b.upload(key, upload_id)?.parts.values().cloned().collect();
            if !multipart::same_parts(&multipart::select_parts(&now, parts)?, &chosen) {
                continue;
            }
            let id = self.blobs.install(blob)?;
            let removed = b.remove_upload(key, upload_id)?;
            if let Some(old) = b.objects.insert(key.as_bytes().to_vec(), meta.clone()) {
                if old.blob != id {
                    self.blobs.remove(&old.blob);
                }
            }
            for part in removed.parts.values() {
                self.blobs.remove(&part.blob);
            }
            return Ok(meta);
        }
        Err(multipart::parts_kept_changing())
    }

    fn abort_upload(&self, bucket: &str, key: &str, upload_id: &str) -> Result<(), StoreError> {
        let mut state = self.write();
        let removed = bucket_of_mut(&mut state, bucket)?.remove_upload(key, upload_id)?;
        for part in removed.parts.values() {
            self.blobs.remove(&part.blob);
        }
        Ok(())
    }
}
