//! [`FsStore`]: the persistent store (redb metadata + blob files).

use std::fs::File;
use std::path::{Path, PathBuf};

use super::data::{BlobDir, BlobWriter, Durability};
use super::list::list_page;
use super::meta::MetaDb;
use super::multipart::{self, UploadIds};
use super::rules::{self, AppendPlan};
use super::upload_list::upload_page;
use super::{
    BucketMeta, ListPage, ObjectMeta, PartMeta, PendingBlob, Store, StoreError, UploadMeta,
    UploadPage,
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
/// are removed only after. Completing a multipart upload streams the parts into a new blob
/// the same way, then creates the object and removes the upload in one transaction.
/// [`FsStore::open`] removes what a crash leaves behind (temporary files, and blobs that no
/// object or part names).
///
/// ```
/// use oss_server::store::{FsStore, Store};
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

impl FsStore {
    /// Opens (creating if needed) the store in `data_dir`, then deletes leftover temporary
    /// files and unreferenced blobs (one pass over the files).
    pub fn open(data_dir: &Path) -> Result<FsStore, StoreError> {
        std::fs::create_dir_all(data_dir).map_err(|e| {
            StoreError::Internal(format!("create data directory {}: {e}", data_dir.display()))
        })?;
        let meta = MetaDb::open(&data_dir.join("meta.redb"))?;
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
}

impl Store for FsStore {
    fn create_bucket(&self, meta: BucketMeta) -> Result<(), StoreError> {
        self.meta.write(|tx| {
            if tx.bucket(&meta.name)?.is_some() {
                return Err(StoreError::BucketAlreadyExists);
            }
            tx.put_bucket(&meta)
        })
    }

    fn delete_bucket(&self, name: &str) -> Result<(), StoreError> {
        self.meta.write(|tx| {
            tx.require_bucket(name)?;
            // Objects and open multipart uploads keep it alive.
            if !tx.bucket_is_empty(name)? {
                return Err(StoreError::BucketNotEmpty);
            }
            tx.remove_bucket(name).map(|_| ())
        })
    }

    fn bucket(&self, name: &str) -> Result<BucketMeta, StoreError> {
        self.meta.read(|tx| tx.require_bucket(name))
    }

    fn update_bucket(&self, meta: BucketMeta) -> Result<(), StoreError> {
        self.meta.write(|tx| {
            tx.require_bucket(&meta.name)?;
            tx.put_bucket(&meta)
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
        let id = self.blobs.install(blob)?;
        let committed = self.meta.write(|tx| {
            tx.require_bucket(bucket)?;
            if forbid_overwrite && tx.object(bucket, &meta.key)?.is_some() {
                return Err(StoreError::ObjectAlreadyExists);
            }
            tx.put_object(bucket, &meta)
        });
        match committed {
            Ok(old) => {
                if let Some(old) = old.filter(|o| o.blob != id) {
                    self.blobs.remove(&old.blob);
                }
                Ok(())
            }
            Err(e) => {
                self.blobs.remove(&id);
                Err(e)
            }
        }
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
        match plan {
            AppendPlan::Create => {
                let meta = rules::appended_new(meta_for_new, key, &blob);
                let id = self.blobs.install(blob)?;
                let committed = self.meta.write(|tx| {
                    tx.require_bucket(bucket)?;
                    // Someone may have written the key meanwhile: re-check. An empty
                    // appendable object may be replaced, which equals appending to it.
                    rules::plan_append(tx.object(bucket, key)?, position)?;
                    tx.put_object(bucket, &meta)
                });
                match committed {
                    Ok(old) => {
                        if let Some(old) = old {
                            self.blobs.remove(&old.blob);
                        }
                        Ok(meta)
                    }
                    Err(e) => {
                        self.blobs.remove(&id);
                        Err(e)
                    }
                }
            }
            AppendPlan::Extend(_) => {
                // The bytes go into the object's own blob, so the check, the write and the
                // commit happen under the (exclusive) write transaction.
                self.meta.write(|tx| {
                    tx.require_bucket(bucket)?;
                    let current = match rules::plan_append(tx.object(bucket, key)?, position)? {
                        AppendPlan::Extend(current) => current,
                        AppendPlan::Create => {
                            return Err(StoreError::Internal(
                                "object vanished during append".into(),
                            ))
                        }
                    };
                    self.blobs.append(&current.blob, current.size, &blob)?;
                    let meta =
                        rules::appended_extend(current, &blob, meta_for_new.last_modified_ms);
                    tx.put_object(bucket, &meta)?;
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
    ) -> Result<ObjectMeta, StoreError> {
        let lookup = || {
            self.meta.read(|tx| {
                tx.require_bucket(src_bucket)?;
                tx.require_bucket(dst_bucket)?;
                tx.object(src_bucket, src_key)?.ok_or(StoreError::NoSuchKey)
            })
        };
        let mut source = lookup()?;
        if src_bucket == dst_bucket && src_key == meta.key {
            let meta = rules::describe_self_copy(meta, &source);
            return self.meta.write(|tx| {
                let now = tx
                    .object(src_bucket, src_key)?
                    .ok_or(StoreError::NoSuchKey)?;
                if now.blob != source.blob || now.size != source.size {
                    return Err(StoreError::Internal(
                        "object changed during copy; retry".into(),
                    ));
                }
                tx.put_object(dst_bucket, &meta)?;
                Ok(meta)
            });
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
        let copied = self.blobs.copy_from(src_file, source.size)?;
        let meta = rules::describe_copy(meta, &source, &copied);
        let id = self.blobs.install(copied)?;
        let committed = self.meta.write(|tx| {
            tx.require_bucket(dst_bucket)?;
            tx.put_object(dst_bucket, &meta)
        });
        match committed {
            Ok(old) => {
                if let Some(old) = old.filter(|o| o.blob != id) {
                    self.blobs.remove(&old.blob);
                }
                Ok(meta)
            }
            Err(e) => {
                self.blobs.remove(&id);
                Err(e)
            }
        }
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
        let removed = self.meta.write(|tx| {
            tx.require_bucket(bucket)?;
            tx.remove_object(bucket, key)
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
        self.meta.write(|tx| {
            tx.require_bucket(bucket)?;
            tx.put_upload(bucket, &upload)
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
        let id = self.blobs.install(blob)?;
        let committed = self.meta.write(|tx| {
            tx.require_bucket(bucket)?;
            tx.require_upload(bucket, key, upload_id)?;
            tx.put_part(bucket, key, upload_id, &part)
        });
        match committed {
            Ok(old) => {
                if let Some(old) = old.filter(|o| o.blob != id) {
                    self.blobs.remove(&old.blob);
                }
                Ok(part)
            }
            Err(e) => {
                self.blobs.remove(&id);
                Err(e)
            }
        }
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
            let blob = match multipart::concatenate(&self.blobs, &chosen) {
                Ok(blob) => blob,
                Err(StoreError::NoSuchKey) => continue,
                Err(e) => return Err(e),
            };
            let meta = multipart::completed_object(&upload, &chosen, &blob, multipart::now_ms())?;
            let id = self.blobs.install(blob)?;
            let committed = self.meta.write(|tx| {
                tx.require_bucket(bucket)?;
                tx.require_upload(bucket, key, upload_id)?;
                let now = tx.all_parts(bucket, key, upload_id)?;
                if !multipart::same_parts(&multipart::select_parts(&now, parts)?, &chosen) {
                    return Ok(None);
                }
                let removed = tx.remove_upload(bucket, key, upload_id)?;
                let replaced = tx.put_object(bucket, &meta)?;
                Ok(Some((removed, replaced)))
            });
            match committed {
                Ok(Some((removed, replaced))) => {
                    for part in removed {
                        self.blobs.remove(&part.blob);
                    }
                    if let Some(old) = replaced.filter(|o| o.blob != id) {
                        self.blobs.remove(&old.blob);
                    }
                    return Ok(meta);
                }
                Ok(None) => self.blobs.remove(&id),
                Err(e) => {
                    self.blobs.remove(&id);
                    return Err(e);
                }
            }
        }
        Err(multipart::parts_kept_changing())
    }

    fn abort_upload(&self, bucket: &str, key: &str, upload_id: &str) -> Result<(), StoreError> {
        let removed = self.meta.write(|tx| {
            tx.require_bucket(bucket)?;
            tx.remove_upload(bucket, key, upload_id)
        })?;
        for part in removed {
            self.blobs.remove(&part.blob);
        }
        Ok(())
    }
}
