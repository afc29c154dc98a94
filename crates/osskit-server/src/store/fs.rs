//! [`FsStore`]: the persistent store (redb metadata + blob files).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::cipher::BlobCipher;
use super::data::{BlobDir, BlobWriter, Durability};
use super::list::list_page;
use super::meta::MetaDb;
use super::multipart::{self, UploadIds};
use super::rules::{self, AppendPlan};
use super::upload_list::upload_page;
use super::{
    BucketMeta, CommitStats, ListPage, MetaUpdate, ObjectMeta, PartMeta, PendingBlob, Store,
    StoreError, UploadMeta, UploadPage,
};

/// The persistent store. Layout of its data directory:
///
/// - `meta.redb`: buckets, object metadata, open multipart uploads and their parts (see
///   [`super::meta`]);
/// - `blobs/xx/<id>`: object and part bytes, fanned out by the first two hex characters of
///   the id;
/// - `tmp/`: blobs being written.
///
/// A crash at any point leaves every object either as it was or as it was written: blobs are
/// fsynced and renamed into place before the metadata naming them is committed, and old blobs
/// are removed only after.
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
/// concurrent writes usually share one directory fsync. Completing a multipart upload streams the parts into a new blob
/// the same way, then creates the object and removes the upload in one transaction.
/// [`FsStore::open`] removes what a crash leaves behind (temporary files, and blobs that no
/// object or part names).
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
    upload_ids: UploadIds,
}

/// Tuning of an [`FsStore`].
#[derive(Debug, Clone, Default)]
pub struct FsOptions {
    /// How long the committer waits after the first write of a batch for more writes to
    /// join it (like a database's commit delay). Zero, the default, commits at once with
    /// whatever is already queued: under load, writes queue up while the previous batch is
    /// being made durable, so batches form by themselves.
    pub commit_delay: Duration,
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
        let meta = MetaDb::open(&data_dir.join("meta.redb"), options.commit_delay)?;
        let blobs = BlobDir::open(data_dir, Durability::Fsync)?;
        let temps = blobs.clear_tmp()?;
        let referenced = meta.read(|tx| tx.referenced_blobs())?;
        let orphans = blobs.sweep(&referenced)?;
        if temps + orphans > 0 {
            tracing::info!(temps, orphans, dir = %data_dir.display(), "removed leftovers of interrupted writes");
        }
        Ok(FsStore {
            root: data_dir.to_path_buf(),
            meta,
            blobs,
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

    /// Removes the blob of a replaced object or part, unless it is `kept`.
    fn drop_replaced(&self, old: Option<String>, kept: &str) {
        if let Some(old) = old.filter(|o| o != kept) {
            self.blobs.remove(&old);
        }
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
        // Cheap early checks; repeated inside the transaction, which decides.
        self.meta.read(|tx| {
            tx.require_bucket(bucket)?;
            if forbid_overwrite && tx.object(bucket, &meta.key)?.is_some() {
                return Err(StoreError::ObjectAlreadyExists);
            }
            Ok(())
        })?;
        let id = blob.id.clone();
        let bucket = bucket.to_owned();
        let old = self.commit_blob(blob, move |tx| {
            tx.require_bucket(&bucket)?;
            if forbid_overwrite && tx.object(&bucket, &meta.key)?.is_some() {
                return Err(StoreError::ObjectAlreadyExists);
            }
            Ok(tx.put_object(&bucket, &meta)?.map(|o| o.blob))
        })?;
        self.drop_replaced(old, &id);
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
        let plan = self.meta.read(|tx| {
            tx.require_bucket(bucket)?;
            rules::plan_append(tx.object(bucket, key)?, position)
        })?;
        let new_is_encrypted = meta_for_new.encryption.is_some();
        rules::check_append_keys(&plan, &blob, new_is_encrypted)?;
        let (bucket, key) = (bucket.to_owned(), key.to_owned());
        match plan {
            AppendPlan::Create => {
                let meta = rules::appended_new(meta_for_new, &key, &blob);
                let id = blob.id.clone();
                let done = meta.clone();
                let old = self.commit_blob(blob, move |tx| {
                    tx.require_bucket(&bucket)?;
                    // Someone may have written the key meanwhile: re-check. An empty
                    // appendable object may be replaced, which equals appending to it.
                    rules::plan_append(tx.object(&bucket, &key)?, position)?;
                    Ok(tx.put_object(&bucket, &meta)?.map(|o| o.blob))
                })?;
                self.drop_replaced(old, &id);
                Ok(done)
            }
            AppendPlan::Extend(_) => {
                // The bytes go into the object's own blob, so the check, the write and the
                // commit happen in the committer, under the write transaction. Bytes left
                // past the recorded size by a failed batch are cut by the next append.
                let blobs = self.blobs.clone();
                let now_ms = meta_for_new.last_modified_ms;
                self.meta.write(move |tx| {
                    tx.require_bucket(&bucket)?;
                    let plan = rules::plan_append(tx.object(&bucket, &key)?, position)?;
                    rules::check_append_keys(&plan, &blob, new_is_encrypted)?;
                    let current = match plan {
                        AppendPlan::Extend(current) => current,
                        AppendPlan::Create => {
                            return Err(StoreError::Internal(
                                "object vanished during append".into(),
                            ))
                        }
                    };
                    blobs.append(&current.blob, current.size, &blob)?;
                    let meta = rules::appended_extend(current, &blob, now_ms);
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
        dst_bucket: &str,
        meta: ObjectMeta,
        forbid_overwrite: bool,
    ) -> Result<ObjectMeta, StoreError> {
        let lookup = || {
            self.meta.read(|tx| {
                tx.require_bucket(src_bucket)?;
                tx.require_bucket(dst_bucket)?;
                tx.object(src_bucket, src_key)?.ok_or(StoreError::NoSuchKey)
            })
        };
        let mut source = lookup()?;
        let same = src_bucket == dst_bucket && src_key == meta.key;
        // A copy onto itself that changes the encryption rewrites the bytes below.
        if same && source.encryption == meta.encryption {
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
        let forbid_overwrite = forbid_overwrite && !same;
        if forbid_overwrite
            && self
                .meta
                .read(|tx| tx.object(dst_bucket, &meta.key))?
                .is_some()
        {
            return Err(StoreError::ObjectAlreadyExists);
        }
        // A concurrent overwrite may remove the source blob between the lookup and the open:
        // then look again. An open file stays readable after removal, and appends only add
        // bytes past `source.size`.
        let mut attempts = 0;
        let src_file = loop {
            match self.blobs.open_blob(&source.blob) {
                Ok(file) => break file,
                Err(e) => {
                    let again = lookup()?;
                    attempts += 1;
                    if again.blob == source.blob || attempts >= 3 {
                        return Err(e);
                    }
                    source = again;
                }
            }
        };
        let src_keys = source.encryption.as_ref().map(|_| source.blob.as_str());
        let copied =
            self.blobs
                .copy_between(src_file, source.size, src_keys, meta.encryption.is_some())?;
        let meta = rules::describe_copy(meta, &source, &copied);
        let id = copied.id.clone();
        let done = meta.clone();
        let dst_bucket = dst_bucket.to_owned();
        let old = self.commit_blob(copied, move |tx| {
            tx.require_bucket(&dst_bucket)?;
            if forbid_overwrite && tx.object(&dst_bucket, &meta.key)?.is_some() {
                return Err(StoreError::ObjectAlreadyExists);
            }
            Ok(tx.put_object(&dst_bucket, &meta)?.map(|o| o.blob))
        })?;
        self.drop_replaced(old, &id);
        Ok(done)
    }

    fn update_object_meta(
        &self,
        bucket: &str,
        key: &str,
        mut update: MetaUpdate,
    ) -> Result<ObjectMeta, StoreError> {
        let (bucket, key) = (bucket.to_owned(), key.to_owned());
        self.meta.write(move |tx| {
            tx.require_bucket(&bucket)?;
            let current = tx.object(&bucket, &key)?.ok_or(StoreError::NoSuchKey)?;
            let updated = rules::apply_meta_update(&current, &mut update)?;
            tx.put_object(&bucket, &updated)?;
            Ok(updated)
        })
    }

    fn object(&self, bucket: &str, key: &str) -> Result<ObjectMeta, StoreError> {
        self.meta.read(|tx| {
            tx.require_bucket(bucket)?;
            tx.object(bucket, key)?.ok_or(StoreError::NoSuchKey)
        })
    }

    fn open(&self, meta: &ObjectMeta) -> Result<File, StoreError> {
        self.blobs.open_blob(&meta.blob)
    }

    fn delete_object(&self, bucket: &str, key: &str) -> Result<bool, StoreError> {
        let (bucket, key) = (bucket.to_owned(), key.to_owned());
        let removed = self.meta.write(move |tx| {
            tx.require_bucket(&bucket)?;
            tx.remove_object(&bucket, &key)
        })?;
        match removed {
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
        let id = blob.id.clone();
        let (b, k, u, p) = (
            bucket.to_owned(),
            key.to_owned(),
            upload_id.to_owned(),
            part.clone(),
        );
        let old = self.commit_blob(blob, move |tx| {
            tx.require_bucket(&b)?;
            tx.require_upload(&b, &k, &u)?;
            Ok(tx.put_part(&b, &k, &u, &p)?.map(|o| o.blob))
        })?;
        self.drop_replaced(old, &id);
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
        for _ in 0..multipart::COMPLETE_ATTEMPTS {
            let (upload, uploaded) = self.meta.read(|tx| {
                tx.require_bucket(bucket)?;
                let upload = tx.require_upload(bucket, key, upload_id)?;
                Ok((upload, tx.all_parts(bucket, key, upload_id)?))
            })?;
            let chosen = multipart::select_parts(&uploaded, parts)?;
            // Streamed into a new blob outside any transaction; a part re-uploaded meanwhile
            // (its blob removed) starts the attempt again.
            let encrypted = upload.template.encryption.is_some();
            let blob = match multipart::concatenate(&self.blobs, &chosen, encrypted) {
                Ok(blob) => blob,
                Err(StoreError::NoSuchKey) => continue,
                Err(e) => return Err(e),
            };
            let meta = multipart::completed_object(&upload, &chosen, &blob, multipart::now_ms())?;
            let id = blob.id.clone();
            let (b, k, u) = (bucket.to_owned(), key.to_owned(), upload_id.to_owned());
            let wanted = parts.map(<[(u32, String)]>::to_vec);
            let stored = meta.clone();
            let committed = self.commit_blob(blob, move |tx| {
                tx.require_bucket(&b)?;
                tx.require_upload(&b, &k, &u)?;
                let now = tx.all_parts(&b, &k, &u)?;
                if !multipart::same_parts(
                    &multipart::select_parts(&now, wanted.as_deref())?,
                    &chosen,
                ) {
                    return Ok(None);
                }
                let removed = tx.remove_upload(&b, &k, &u)?;
                let replaced = tx.put_object(&b, &stored)?;
                Ok(Some((removed, replaced)))
            })?;
            match committed {
                Some((removed, replaced)) => {
                    for part in removed {
                        self.blobs.remove(&part.blob);
                    }
                    self.drop_replaced(replaced.map(|o| o.blob), &id);
                    return Ok(meta);
                }
                None => self.blobs.remove(&id),
            }
        }
        Err(multipart::parts_kept_changing())
    }

    fn abort_upload(&self, bucket: &str, key: &str, upload_id: &str) -> Result<(), StoreError> {
        let (b, k, u) = (bucket.to_owned(), key.to_owned(), upload_id.to_owned());
        let removed = self.meta.write(move |tx| {
            tx.require_bucket(&b)?;
            tx.remove_upload(&b, &k, &u)
        })?;
        for part in removed {
            self.blobs.remove(&part.blob);
        }
        Ok(())
    }
}
