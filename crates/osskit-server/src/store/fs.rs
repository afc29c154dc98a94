//! [`FsStore`]: the persistent store (redb metadata + blob files).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use super::data::{BlobDir, BlobWriter, Durability, ObjectData};
use super::gc::BlobGc;
use super::list::list_page;
use super::meta::MetaDb;
use super::multipart::{self, UploadIds};
use super::rules::{self, AppendPlan};
use super::upload_list::upload_page;
use super::version::{self, version_page};
use super::{
    copy_with_new_bytes, BucketMeta, CommitStats, Deleted, Extents, ListPage, MetaUpdate,
    ObjectCheck, ObjectMeta, PartMeta, PendingBlob, Store, StoreError, UploadMeta, UploadPage,
    VersionId, VersionInfo, VersionPage, Versioning,
};

/// The persistent store. Layout of its data directory:
///
/// - `meta.redb`: buckets, object metadata, open multipart uploads and their parts, the
///   reference count of every blob and the blobs waiting for removal (see [`super::meta`]);
/// - `blobs/xx/<id>`: object and part bytes, fanned out by the first two hex characters of
///   the id (encrypted at rest for objects under server-side encryption, see
///   [`super::cipher`]);
/// - `sse.key`: the key of encrypted blobs, made by the first encrypted write;
/// - `tmp/`: blobs being written.
///
/// A crash at any point leaves every object either as it was or as it was written: blobs are
/// fsynced and renamed into place before the metadata naming them is committed, and a blob
/// is removed only after the commit that dropped its last reference (see [`super::gc`]).
///
/// # Durability contract
///
/// A write method returns `Ok` only once its change is durable: the blob's bytes were
/// `fdatasync`ed, the directory entry of its rename was fsynced, and the metadata
/// transaction naming it was committed with an fsync. Concurrent writes share that work
/// (*group commit*, see [`super::commit`]): each blob file is still synced by its own
/// writer, but one committer thread fsyncs each blob directory named by a batch once and
/// commits the whole batch's metadata in one transaction. Readers see a change only once it
/// is durable. New blob ids rotate through the fan-out directories in runs of 256, so
/// concurrent writes usually share one directory fsync. Completing a multipart upload and
/// copying an object write no bytes: one transaction names the parts' (or the source's)
/// extents. [`FsStore::open`] removes what a crash leaves behind (temporary files, blobs
/// that no object or part names, blobs whose removal was recorded but not done).
///
/// New data is refused with [`StoreError::DiskFull`] while less than
/// [`FsOptions::reserve`] bytes are free, keeping that space for metadata commits, so that
/// deletes (which free space) work on a full disk.
///
/// ```
/// use osskit_server::store::{FsStore, Store};
/// # let dir = tempfile::tempdir().unwrap();
/// let store = FsStore::open(dir.path()).unwrap();
/// assert!(store.list_buckets("", "", 10).unwrap().0.is_empty());
/// ```
#[derive(Debug)]
pub struct FsStore {
    root: PathBuf,
    meta: MetaDb,
    blobs: BlobDir,
    gc: Arc<BlobGc>,
    upload_ids: UploadIds,
}

/// Free space kept back from new object data by default (see [`FsOptions::reserve`]).
pub const DEFAULT_RESERVE: u64 = 64 * 1024 * 1024;

/// Tuning of an [`FsStore`].
#[derive(Debug, Clone)]
pub struct FsOptions {
    /// How long the committer waits after the first write of a batch for more writes to
    /// join it (like a database's commit delay). Zero, the default, commits at once with
    /// whatever is already queued: under load, writes queue up while the previous batch is
    /// being made durable, so batches form by themselves.
    pub commit_delay: Duration,
    /// Free space (bytes) kept back from new object data for metadata commits; new data is
    /// refused with [`StoreError::DiskFull`] below it. Default [`DEFAULT_RESERVE`].
    pub reserve: u64,
}

impl Default for FsOptions {
    fn default() -> Self {
        FsOptions {
            commit_delay: Duration::ZERO,
            reserve: DEFAULT_RESERVE,
        }
    }
}

/// Removes an installed blob when a commit naming it failed.
fn discard_on_error<T>(
    blobs: &BlobDir,
    id: &str,
    result: Result<T, StoreError>,
) -> Result<T, StoreError> {
    if result.is_err() {
        blobs.remove(id);
    }
    result
}

impl FsStore {
    /// Opens (creating if needed) the store in `data_dir`, then deletes leftover temporary
    /// files and unreferenced blobs (one pass over the files).
    pub fn open(data_dir: &Path) -> Result<FsStore, StoreError> {
        FsStore::open_with(data_dir, FsOptions::default())
    }

    /// [`FsStore::open`] with options.
    pub fn open_with(data_dir: &Path, options: FsOptions) -> Result<FsStore, StoreError> {
        std::fs::create_dir_all(data_dir).map_err(|e| {
            StoreError::Internal(format!("create data directory {}: {e}", data_dir.display()))
        })?;
        let blobs = BlobDir::open(data_dir, Durability::Fsync)?.with_reserve(options.reserve);
        let gc = BlobGc::new(blobs.clone(), true);
        let meta = MetaDb::open(
            &data_dir.join("meta.redb"),
            options.commit_delay,
            Some(gc.clone()),
        )?;
        let temps = blobs.clear_tmp()?;
        // Blobs whose last reference went just before a crash: their files go now.
        let garbage = meta.read(|tx| tx.garbage())?;
        for id in &garbage {
            blobs.remove(id);
        }
        let collected = garbage.len();
        if collected > 0 {
            meta.write(move |tx| tx.forget_garbage(&garbage))?;
        }
        let referenced = meta.read(|tx| tx.referenced_blobs())?;
        let orphans = blobs.sweep(&referenced)?;
        if temps + orphans + collected > 0 {
            tracing::info!(temps, orphans, collected, dir = %data_dir.display(), "removed leftovers of interrupted writes");
        }
        Ok(FsStore {
            root: data_dir.to_path_buf(),
            meta,
            blobs,
            gc,
            upload_ids: UploadIds::new(),
        })
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        &self.root
    }

    /// Group-commit counters: metadata transactions committed and the writes they held.
    pub fn commit_stats(&self) -> CommitStats {
        self.meta.commit_stats()
    }

    /// Installs `blob` and commits `change`, which names it, in the next batch; on failure
    /// the blob is removed. Returns what `change` returned.
    fn commit_blob<T, F>(&self, blob: PendingBlob, change: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnMut(&mut super::meta::Tx<'_>) -> Result<T, StoreError> + Send + 'static,
    {
        let (id, dir) = self.blobs.install_deferred(blob)?;
        let committed = self.meta.write_naming(dir.into_iter().collect(), change);
        discard_on_error(&self.blobs, &id, committed)
    }

    /// How many blobs readers hold right now, and how many unreferenced ones wait for them.
    pub fn lease_counts(&self) -> (usize, usize) {
        self.gc.counts()
    }

    /// The free space of the store's file system, when it can be told.
    pub fn available_space(&self) -> Option<u64> {
        self.blobs.space().available()
    }
}

impl Store for FsStore {
    fn create_bucket(&self, meta: BucketMeta) -> Result<(), StoreError> {
        self.meta.write(move |tx| {
            if tx.bucket(&meta.name)?.is_some() {
                return Err(StoreError::BucketAlreadyExists);
            }
            tx.put_bucket(&meta)
        })
    }

    fn delete_bucket(&self, name: &str) -> Result<(), StoreError> {
        let name = name.to_owned();
        self.meta.write(move |tx| {
            tx.require_bucket(&name)?;
            // Objects and open multipart uploads keep it alive.
            if !tx.bucket_is_empty(&name)? {
                return Err(StoreError::BucketNotEmpty);
            }
            tx.remove_bucket(&name).map(|_| ())
        })
    }

    fn bucket(&self, name: &str) -> Result<BucketMeta, StoreError> {
        self.meta.read(|tx| tx.require_bucket(name))
    }

    fn update_bucket(&self, meta: BucketMeta) -> Result<(), StoreError> {
        self.meta.write(move |tx| {
            tx.require_bucket(&meta.name)?;
            tx.put_bucket(&meta)
        })
    }

    fn bucket_config(&self, bucket: &str, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.meta.read(|tx| {
            tx.require_bucket(bucket)?;
            tx.bucket_config(bucket, name)
        })
    }

    fn set_bucket_config(
        &self,
        bucket: &str,
        name: &str,
        value: Option<Vec<u8>>,
    ) -> Result<(), StoreError> {
        let (bucket, name) = (bucket.to_owned(), name.to_owned());
        self.meta.write(move |tx| {
            tx.require_bucket(&bucket)?;
            tx.set_bucket_config(&bucket, &name, value.as_deref())
        })
    }

    fn account_config(&self, account: &str, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.meta.read(|tx| tx.account_config(account, name))
    }

    fn set_account_config(
        &self,
        account: &str,
        name: &str,
        value: Option<Vec<u8>>,
    ) -> Result<(), StoreError> {
        let (account, name) = (account.to_owned(), name.to_owned());
        self.meta
            .write(move |tx| tx.set_account_config(&account, &name, value.as_deref()))
    }

    fn list_buckets(
        &self,
        prefix: &str,
        marker: &str,
        max: usize,
    ) -> Result<(Vec<BucketMeta>, bool), StoreError> {
        self.meta.read(|tx| tx.list_buckets(prefix, marker, max))
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
        // Cheap early checks; repeated inside the transaction, which decides.
        self.meta.read(|tx| {
            tx.require_bucket(bucket)?;
            if forbid_overwrite && tx.object(bucket, &meta.key)?.is_some() {
                return Err(StoreError::ObjectAlreadyExists);
            }
            Ok(())
        })?;
        let bucket = bucket.to_owned();
        self.commit_blob(blob, move |tx| {
            tx.require_bucket(&bucket)?;
            if forbid_overwrite && tx.object(&bucket, &meta.key)?.is_some() {
                return Err(StoreError::ObjectAlreadyExists);
            }
            version::write_current(tx, &bucket, meta.clone()).map(|m| m.version)
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
        let plan = self.meta.read(|tx| {
            tx.require_bucket(bucket)?;
            rules::plan_append(tx.object(bucket, key)?, position)
        })?;
        rules::check_append_keys(&plan, &blob, &meta_for_new)?;
        let (bucket, key) = (bucket.to_owned(), key.to_owned());
        match plan {
            AppendPlan::Create => {
                let meta = rules::appended_new(meta_for_new, &key, &blob);
                self.commit_blob(blob, move |tx| {
                    tx.require_bucket(&bucket)?;
                    // Someone may have written the key meanwhile: re-check. An empty
                    // appendable object may be replaced, which equals appending to it.
                    rules::plan_append(tx.object(&bucket, &key)?, position)?;
                    version::write_current(tx, &bucket, meta.clone())
                })
            }
            AppendPlan::Extend(_) => {
                // The bytes go into the object's own blob, past its committed size, so the
                // check, the write and the commit happen in the committer, under the write
                // transaction. Bytes left past the recorded size by a failed batch are cut
                // by the next append; bytes below it are never touched (copies may share
                // them).
                let blobs = self.blobs.clone();
                let now_ms = meta_for_new.last_modified_ms;
                self.meta.write(move |tx| {
                    tx.require_bucket(&bucket)?;
                    let plan = rules::plan_append(tx.object(&bucket, &key)?, position)?;
                    rules::check_append_keys(&plan, &blob, &meta_for_new)?;
                    let current = match plan {
                        AppendPlan::Extend(current) => current,
                        AppendPlan::Create => {
                            return Err(StoreError::Internal(
                                "object vanished during append".into(),
                            ))
                        }
                    };
                    let target = rules::append_target(&current)?;
                    blobs.append(&target, current.size, &blob)?;
                    let meta = rules::appended_extend(current, &target, &blob, now_ms);
                    tx.put_object(&bucket, &meta)?;
                    Ok(meta)
                })
            }
        }
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
            let (source, mode) = self.meta.read(|tx| {
                tx.require_bucket(src_bucket)?;
                let source = tx
                    .object(src_bucket, src_key)?
                    .ok_or(StoreError::NoSuchKey)?;
                Ok((source, tx.versioning(src_bucket)?))
            })?;
            if rules::copy_needs_new_bytes(&meta, &source) {
                return copy_with_new_bytes(
                    self, src_bucket, src_key, None, dst_bucket, meta, false,
                );
            }
            if mode == Versioning::Unversioned {
                // The bytes stay: only the descriptive metadata changes, atomically.
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
        let (src, srck, dst, wanted) = (
            src_bucket.to_owned(),
            src_key.to_owned(),
            dst_bucket.to_owned(),
            meta.clone(),
        );
        // One transaction: the copy names the source's extents as they are in it (unless
        // it needs bytes of its own: `None`). In a versioned bucket it is a new version.
        let shared = self.meta.write(move |tx| {
            tx.require_bucket(&src)?;
            tx.require_bucket(&dst)?;
            let source = match src_version {
                None => tx.object(&src, &srck)?.ok_or(StoreError::NoSuchKey)?,
                Some(id) => version::find(tx, &src, &srck, Some(id))?,
            };
            if source.version.delete_marker {
                return Err(StoreError::DeleteMarker(source.version));
            }
            if forbid_overwrite && !same && tx.object(&dst, &wanted.key)?.is_some() {
                return Err(StoreError::ObjectAlreadyExists);
            }
            if rules::copy_needs_new_bytes(&wanted, &source) {
                return Ok(None);
            }
            let done = if same {
                rules::describe_self_copy(wanted.clone(), &source)
            } else {
                rules::describe_copy(wanted.clone(), &source)
            };
            version::write_current(tx, &dst, done).map(Some)
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
        let (bucket, key) = (bucket.to_owned(), key.to_owned());
        self.meta.write(move |tx| {
            tx.require_bucket(&bucket)?;
            version::update(tx, &bucket, &key, version, &mut update)
        })
    }

    fn object_version(
        &self,
        bucket: &str,
        key: &str,
        version: Option<VersionId>,
    ) -> Result<ObjectMeta, StoreError> {
        self.meta.read(|tx| {
            tx.require_bucket(bucket)?;
            version::find(tx, bucket, key, version)
        })
    }

    fn object(&self, bucket: &str, key: &str) -> Result<ObjectMeta, StoreError> {
        self.meta.read(|tx| {
            tx.require_bucket(bucket)?;
            tx.object(bucket, key)?.ok_or(StoreError::NoSuchKey)
        })
    }

    fn open(&self, meta: &ObjectMeta) -> Result<ObjectData, StoreError> {
        // Lease first, then check in a later snapshot that the blobs are still referenced:
        // the collector either saw the lease or committed before that snapshot.
        let lease = self
            .gc
            .lease(meta.data.blobs())
            .ok_or(StoreError::NoSuchKey)?;
        if !self.meta.read(|tx| tx.data_is_live(&meta.data))? {
            return Err(StoreError::NoSuchKey);
        }
        Ok(ObjectData::new(
            meta.data.clone(),
            self.blobs.clone(),
            Some(lease),
        ))
    }

    fn delete_version_at(
        &self,
        bucket: &str,
        key: &str,
        version: Option<VersionId>,
        check: ObjectCheck,
        now_ms: i64,
    ) -> Result<Deleted, StoreError> {
        let (bucket, key) = (bucket.to_owned(), key.to_owned());
        self.meta.write(move |tx| {
            tx.require_bucket(&bucket)?;
            version::delete(tx, &bucket, &key, version, &check, now_ms)
        })
    }

    fn delete_versions_at(
        &self,
        bucket: &str,
        entries: &[(String, Option<VersionId>)],
        check: ObjectCheck,
        now_ms: i64,
    ) -> Result<Vec<Deleted>, StoreError> {
        let (bucket, entries) = (bucket.to_owned(), entries.to_vec());
        self.meta.write(move |tx| {
            tx.require_bucket(&bucket)?;
            version::delete_all(tx, &bucket, &entries, &check, now_ms)
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
        self.meta.read(|tx| {
            tx.require_bucket(bucket)?;
            version_page(
                &tx.versions_of(bucket),
                prefix,
                delimiter,
                key_marker,
                version_marker,
                max,
            )
        })
    }

    fn list_objects(
        &self,
        bucket: &str,
        prefix: &str,
        delimiter: &str,
        after: &str,
        max: usize,
    ) -> Result<ListPage, StoreError> {
        self.meta.read(|tx| {
            tx.require_bucket(bucket)?;
            list_page(&tx.objects_of(bucket), prefix, delimiter, after, max)
        })
    }

    fn create_upload(
        &self,
        bucket: &str,
        key: &str,
        template: ObjectMeta,
    ) -> Result<UploadMeta, StoreError> {
        let upload = multipart::new_upload(&self.upload_ids, key, template);
        let (bucket, stored) = (bucket.to_owned(), upload.clone());
        self.meta.write(move |tx| {
            tx.require_bucket(&bucket)?;
            tx.put_upload(&bucket, &stored)
        })?;
        Ok(upload)
    }

    fn upload(&self, bucket: &str, key: &str, upload_id: &str) -> Result<UploadMeta, StoreError> {
        self.meta.read(|tx| {
            tx.require_bucket(bucket)?;
            tx.require_upload(bucket, key, upload_id)
        })
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
        // Cheap early checks; repeated inside the transaction, which decides.
        self.upload(bucket, key, upload_id)?;
        let part = multipart::new_part(part_number, &blob, multipart::now_ms());
        let (b, k, u, p) = (
            bucket.to_owned(),
            key.to_owned(),
            upload_id.to_owned(),
            part.clone(),
        );
        self.commit_blob(blob, move |tx| {
            tx.require_bucket(&b)?;
            let upload = tx.require_upload(&b, &k, &u)?;
            multipart::check_part_keys(&upload, &p.data)?;
            tx.put_part(&b, &k, &u, &p).map(|_| ())
        })?;
        Ok(part)
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
        let (b, k, u, p) = (
            bucket.to_owned(),
            key.to_owned(),
            upload_id.to_owned(),
            part.clone(),
        );
        self.meta.write(move |tx| {
            tx.require_bucket(&b)?;
            let upload = tx.require_upload(&b, &k, &u)?;
            multipart::check_part_keys(&upload, &p.data)?;
            if !tx.data_is_live(&p.data)? {
                return Err(StoreError::NoSuchKey);
            }
            tx.put_part(&b, &k, &u, &p).map(|_| ())
        })?;
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
        self.meta.read(|tx| {
            tx.require_bucket(bucket)?;
            tx.require_upload(bucket, key, upload_id)?;
            tx.parts(bucket, key, upload_id, part_number_marker, max)
        })
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
        self.meta.read(|tx| {
            tx.require_bucket(bucket)?;
            upload_page(
                &tx.uploads_of(bucket),
                prefix,
                delimiter,
                key_marker,
                upload_id_marker,
                max,
            )
        })
    }

    fn complete_upload(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        parts: Option<&[(u32, String)]>,
    ) -> Result<ObjectMeta, StoreError> {
        let (b, k, u) = (bucket.to_owned(), key.to_owned(), upload_id.to_owned());
        let wanted = parts.map(<[(u32, String)]>::to_vec);
        self.meta.write(move |tx| {
            tx.require_bucket(&b)?;
            let upload = tx.require_upload(&b, &k, &u)?;
            let uploaded = tx.all_parts(&b, &k, &u)?;
            let chosen = multipart::select_parts(&uploaded, wanted.as_deref())?;
            let meta = multipart::completed_object(&upload, &chosen, multipart::now_ms())?;
            // The object takes its references before the parts drop theirs, so the chosen
            // blobs never reach zero.
            let meta = version::write_current(tx, &b, meta)?;
            tx.remove_upload(&b, &k, &u)?;
            Ok(meta)
        })
    }

    fn abort_upload(&self, bucket: &str, key: &str, upload_id: &str) -> Result<(), StoreError> {
        let (b, k, u) = (bucket.to_owned(), key.to_owned(), upload_id.to_owned());
        self.meta.write(move |tx| {
            tx.require_bucket(&b)?;
            tx.remove_upload(&b, &k, &u).map(|_| ())
        })
    }
}
