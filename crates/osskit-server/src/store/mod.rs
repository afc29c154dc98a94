//! Storage engine behind a trait.
//!
//! Metadata (buckets, objects) lives in an embedded transactional store (redb); object data
//! lives in blob files that are written to a temporary name, fsynced, then renamed into
//! place. A blob's file name is an opaque id, never derived from the object key. Every
//! metadata change is one transaction, so a crash leaves the old state or the new one.
//!
//! An object's bytes are a list of *extents* (byte ranges of blobs, see [`extent`]). Blobs
//! are shared: a completed multipart object is made of its parts' blobs, a copy names its
//! source's extents, so both cost O(parts) metadata work instead of rewriting the bytes.
//! The store counts the extents naming each blob and removes a blob once none does, after
//! the commit that dropped the last one and never while a reader holds it (see [`gc`]).
//!
//! Blobs may be encrypted at rest, each under its own key stream (see [`cipher`]): the
//! extents naming a blob say so, and readers decrypt them, so sharing, ranges, appends, GC
//! and `fsck` work the same on encrypted blobs.
//!
//! All methods are blocking: async handlers call them through `spawn_blocking`.
//!
//! Durability: a write method of [`FsStore`] returns only once its change is durable on
//! disk (blob bytes, the rename that placed them, and the metadata transaction); concurrent
//! writes share the fsyncs through group commit (see [`commit`] and the contract on
//! [`FsStore`]). [`MemoryStore`] keeps nothing across processes.

pub mod cipher;
pub mod commit;
pub mod data;
pub mod digest;
pub mod extent;
pub mod fs;
pub mod fsck;
pub mod gc;
pub mod list;
pub mod memory;
pub mod meta;
pub mod multipart;
pub mod rules;
pub mod upload_list;
pub mod version;

pub use commit::CommitStats;
pub use data::{BlobWriter, DiskSpace, ObjectData};
pub use extent::{Extent, Extents};
pub use fs::FsStore;
pub use memory::MemoryStore;
pub use version::{Deleted, VersionEntry, VersionId, VersionInfo, VersionPage, Versioning};

use std::path::PathBuf;

/// Storage failures, mapped by the handlers to OSS error codes.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The bucket does not exist (NoSuchBucket).
    #[error("no such bucket")]
    NoSuchBucket,
    /// The bucket exists already (BucketAlreadyExists).
    #[error("bucket already exists")]
    BucketAlreadyExists,
    /// The bucket holds objects or unfinished uploads (BucketNotEmpty).
    #[error("bucket not empty")]
    BucketNotEmpty,
    /// The object does not exist (NoSuchKey).
    #[error("no such key")]
    NoSuchKey,
    /// The object has no version of the id given (NoSuchVersion).
    #[error("no such version")]
    NoSuchVersion,
    /// The version named is a delete marker, which has no bytes or metadata to act on
    /// (MethodNotAllowed, with `x-oss-delete-marker`).
    #[error("the version is a delete marker")]
    DeleteMarker(VersionInfo),
    /// Append to a non-appendable object (ObjectNotAppendable).
    #[error("object not appendable")]
    ObjectNotAppendable,
    /// Append position differs from the length (PositionNotEqualToLength); carries the length.
    #[error("position not equal to length {0}")]
    PositionNotEqualToLength(u64),
    /// The object exists and overwrite is forbidden (FileAlreadyExists).
    #[error("object already exists")]
    ObjectAlreadyExists,
    /// The multipart upload does not exist: unknown, completed or aborted (NoSuchUpload).
    #[error("no such upload")]
    NoSuchUpload,
    /// A part named by a complete request was not uploaded, or its ETag differs (InvalidPart).
    #[error("a listed part was not uploaded or its ETag does not match")]
    InvalidPart,
    /// The part numbers of a complete request are not strictly ascending (InvalidPartOrder).
    #[error("part numbers are not in ascending order")]
    InvalidPartOrder,
    /// A part other than the last is smaller than the minimum part size (EntityTooSmall).
    #[error("a part other than the last is smaller than 102400 bytes")]
    EntityTooSmall,
    /// The object (its key given) is protected, e.g. by its bucket's retention policy, and
    /// may not be deleted or replaced now (FileImmutable).
    #[error("object {0:?} is immutable")]
    Immutable(String),
    /// The object is not the one a change was prepared for: it was replaced or changed
    /// meanwhile (PreconditionFailed). Nothing was changed.
    #[error("object changed meanwhile")]
    Changed,
    /// A request argument is out of range, e.g. a part number (InvalidArgument).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// The disk holding the store is full, or its free space is down to the reserve kept
    /// for metadata (InsufficientStorage). Nothing was stored.
    #[error("not enough free disk space")]
    DiskFull,
    /// The store cannot serve for now, e.g. while its metadata database reopens after an
    /// I/O error (ServiceUnavailable). Carries what happened.
    #[error("storage temporarily unavailable: {0}")]
    Unavailable(String),
    /// I/O or database failure (InternalError).
    #[error("storage failure: {0}")]
    Internal(String),
}

impl From<std::io::Error> for StoreError {
    fn from(e: std::io::Error) -> Self {
        if data::is_disk_full(&e) {
            StoreError::DiskFull
        } else {
            StoreError::Internal(e.to_string())
        }
    }
}

/// The value of a user metadata header (`x-oss-meta-*`): the bytes the client sent, kept
/// and returned exactly (a value that is not UTF-8 comes back byte for byte).
///
/// ```
/// use osskit_server::store::MetaValue;
/// let text = MetaValue::from("café");
/// assert_eq!(text.to_str(), Some("café"));
/// let raw = MetaValue::from(vec![0xff, 0xfe]);
/// assert_eq!(raw.as_bytes(), &[0xff, 0xfe]);
/// assert_eq!(raw.to_str(), None);
/// // Stored as a JSON string when it is text, as base64 otherwise.
/// assert_eq!(serde_json::to_string(&text).unwrap(), "\"café\"");
/// assert_eq!(serde_json::to_string(&raw).unwrap(), "{\"base64\":\"//4=\"}");
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct MetaValue(Vec<u8>);

impl MetaValue {
    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The value as text, when it is UTF-8.
    pub fn to_str(&self) -> Option<&str> {
        std::str::from_utf8(&self.0).ok()
    }

    /// Number of bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the value is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for MetaValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.to_str() {
            Some(s) => write!(f, "{s:?}"),
            None => write!(f, "bytes{:?}", self.0),
        }
    }
}

impl From<&str> for MetaValue {
    fn from(s: &str) -> Self {
        MetaValue(s.as_bytes().to_vec())
    }
}

impl From<String> for MetaValue {
    fn from(s: String) -> Self {
        MetaValue(s.into_bytes())
    }
}

impl From<Vec<u8>> for MetaValue {
    fn from(b: Vec<u8>) -> Self {
        MetaValue(b)
    }
}

impl From<&[u8]> for MetaValue {
    fn from(b: &[u8]) -> Self {
        MetaValue(b.to_vec())
    }
}

impl PartialEq<&str> for MetaValue {
    fn eq(&self, other: &&str) -> bool {
        self.0 == other.as_bytes()
    }
}

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
enum MetaValueRepr {
    Text(String),
    Bytes { base64: String },
}

impl serde::Serialize for MetaValue {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use base64::Engine;
        match self.to_str() {
            Some(text) => s.serialize_str(text),
            None => MetaValueRepr::Bytes {
                base64: base64::engine::general_purpose::STANDARD.encode(&self.0),
            }
            .serialize(s),
        }
    }
}

impl<'de> serde::Deserialize<'de> for MetaValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use base64::Engine;
        match MetaValueRepr::deserialize(d)? {
            MetaValueRepr::Text(t) => Ok(MetaValue(t.into_bytes())),
            MetaValueRepr::Bytes { base64 } => base64::engine::general_purpose::STANDARD
                .decode(base64)
                .map(MetaValue)
                .map_err(serde::de::Error::custom),
        }
    }
}

/// A bucket's metadata.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BucketMeta {
    /// Name.
    pub name: String,
    /// Creation time, Unix milliseconds.
    pub created_ms: i64,
    /// `private`, `public-read`, `public-read-write`.
    pub acl: String,
    /// `Standard`, `IA`, …
    pub storage_class: String,
    /// `LRS`/`ZRS`.
    pub data_redundancy_type: String,
    /// Region id, e.g. `cn-hangzhou`.
    pub region: String,
}

/// `Normal` (PutObject, CopyObject), `Appendable` (AppendObject), `Multipart` or
/// `Symlink` (PutSymlink).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ObjectType {
    /// Written by PutObject or CopyObject.
    Normal,
    /// Written by AppendObject.
    Appendable,
    /// Written by CompleteMultipartUpload.
    Multipart,
    /// A symbolic link (PutSymlink): no bytes of its own, a target key in
    /// [`ObjectExtras::symlink_target`].
    Symlink,
}

impl ObjectType {
    /// The `x-oss-object-type` value.
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectType::Normal => "Normal",
            ObjectType::Appendable => "Appendable",
            ObjectType::Multipart => "Multipart",
            ObjectType::Symlink => "Symlink",
        }
    }
}

/// An object's metadata.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ObjectMeta {
    /// Key.
    pub key: String,
    /// Size in bytes.
    pub size: u64,
    /// Quoted upper-case ETag.
    pub etag: String,
    /// CRC-64/XZ of the whole object.
    pub crc64: u64,
    /// Last modification, Unix milliseconds.
    pub last_modified_ms: i64,
    /// Object type.
    pub object_type: ObjectType,
    /// Storage class.
    pub storage_class: String,
    /// Object ACL (`default` unless set).
    pub acl: String,
    /// Standard headers kept with the object, lower-case names: `content-type`,
    /// `cache-control`, `content-disposition`, `content-encoding`, `content-language`, `expires`.
    pub headers: Vec<(String, String)>,
    /// User metadata `x-oss-meta-*`: lower-case full header names, values as sent.
    pub user_meta: Vec<(String, MetaValue)>,
    /// Where the bytes are (see [`extent`]).
    pub data: Extents,
    /// Server-side encryption as the object reports it (`x-oss-server-side-encryption*`).
    /// When set, every extent of [`ObjectMeta::data`] is encrypted at rest (the store
    /// keeps that true); descriptive metadata updates keep it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption: Option<Box<ObjectEncryption>>,
    /// Tags, a symbolic link's target, the state of a restore (absent from the stored form
    /// when empty, so objects written before these existed read as having none).
    #[serde(default, skip_serializing_if = "ObjectExtras::is_empty")]
    pub extras: ObjectExtras,
    /// Which version of its key this is (see [`version`]). Set by the store when it writes
    /// the object; absent from the stored form of objects written in unversioned buckets,
    /// so metadata written before versions existed reads as the null version.
    #[serde(default, skip_serializing_if = "VersionInfo::is_plain")]
    pub version: VersionInfo,
}

/// How an object is encrypted on the server, as reported in its
/// `x-oss-server-side-encryption*` headers. Whatever the algorithm, the local store keeps
/// the bytes encrypted with AES-256 under its own key (there is no KMS for data here).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ObjectEncryption {
    /// `AES256`, `KMS` or `SM4` (`x-oss-server-side-encryption`).
    pub algorithm: String,
    /// The KMS key id (`x-oss-server-side-encryption-key-id`), with `KMS`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// `SM4` with `KMS` (`x-oss-server-side-data-encryption`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_algorithm: Option<String>,
}

/// What some objects carry besides their bytes and headers. These are descriptive: an
/// [`Store::update_object_meta`] may change them.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ObjectExtras {
    /// Object tags (`x-oss-tagging`, PutObjectTagging), in the order given.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<(String, String)>,
    /// The target key of a symbolic link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symlink_target: Option<String>,
    /// The latest restore of an Archive, Cold Archive or Deep Cold Archive object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restore: Option<RestoreState>,
}

impl ObjectExtras {
    /// Whether nothing is set.
    pub fn is_empty(&self) -> bool {
        self.tags.is_empty() && self.symlink_target.is_none() && self.restore.is_none()
    }
}

/// A restore of an archived object: readable from `ready_ms` until `expires_ms` (Unix
/// milliseconds); before `ready_ms` the restore is under way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RestoreState {
    /// When the restored copy becomes readable.
    pub ready_ms: i64,
    /// When the restored copy goes again.
    pub expires_ms: i64,
}

/// Where a restore stands at a given time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestoreStatus {
    /// No restore, or the restored copy expired: the object cannot be read.
    Frozen,
    /// A restore is under way.
    Ongoing,
    /// Restored and readable until the given time (Unix milliseconds).
    Restored(i64),
}

impl RestoreState {
    /// The status at `now_ms`.
    pub fn status(&self, now_ms: i64) -> RestoreStatus {
        if now_ms < self.ready_ms {
            RestoreStatus::Ongoing
        } else if now_ms < self.expires_ms {
            RestoreStatus::Restored(self.expires_ms)
        } else {
            RestoreStatus::Frozen
        }
    }
}

impl ObjectMeta {
    /// The metadata of an empty object of type `object_type` named `key`, as a starting
    /// point: no bytes, empty ETag, `Standard` storage class, ACL `default`, no headers,
    /// time 0.
    pub fn new(key: impl Into<String>, object_type: ObjectType) -> ObjectMeta {
        ObjectMeta {
            key: key.into(),
            size: 0,
            etag: String::new(),
            crc64: 0,
            last_modified_ms: 0,
            object_type,
            storage_class: "Standard".to_string(),
            acl: "default".to_string(),
            headers: Vec::new(),
            user_meta: Vec::new(),
            data: Extents::new(),
            encryption: None,
            extras: ObjectExtras::default(),
            version: VersionInfo::default(),
        }
    }

    /// Whether the storage class is one that must be restored before the object is read
    /// (Archive, Cold Archive, Deep Cold Archive).
    pub fn is_archived(&self) -> bool {
        matches!(
            self.storage_class.as_str(),
            "Archive" | "ColdArchive" | "DeepColdArchive"
        )
    }

    /// Where the object's restore stands at `now_ms` (`Frozen` when none was asked for).
    pub fn restore_status(&self, now_ms: i64) -> RestoreStatus {
        self.extras
            .restore
            .map_or(RestoreStatus::Frozen, |r| r.status(now_ms))
    }
}

/// A blob whose bytes are durable (fsynced under a temporary name) but not yet part of
/// any object. Commit it with [`Store::put_object`]; dropping it deletes the file.
#[derive(Debug)]
pub struct PendingBlob {
    /// Opaque id.
    pub id: String,
    /// Temporary path.
    pub temp_path: PathBuf,
    /// Bytes written.
    pub size: u64,
    /// MD5 of the bytes.
    pub md5: [u8; 16],
    /// CRC-64/XZ of the bytes.
    pub crc64: u64,
    /// The blob whose key stream encrypted these bytes (its own id, or for an append the
    /// id of the blob they extend); `None` for plain bytes.
    pub keyed_for: Option<String>,
}

impl PendingBlob {
    /// Whether the bytes were encrypted under the blob's own key stream.
    pub fn is_encrypted(&self) -> bool {
        self.keyed_for.as_deref() == Some(self.id.as_str())
    }
}

/// One entry of a listing page.
// Pages are short-lived and mostly made of objects: boxing would only add allocations.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListEntry {
    /// An object.
    Object(ObjectMeta),
    /// A common prefix (ends with the delimiter).
    Prefix(String),
}

/// A listing page.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListPage {
    /// Objects and common prefixes, in UTF-8 byte order.
    pub entries: Vec<ListEntry>,
    /// More entries follow.
    pub truncated: bool,
    /// The last key or prefix returned, when truncated (the next page starts after it).
    pub next_marker: Option<String>,
}

/// An open multipart upload.
///
/// ```
/// use osskit_server::store::{BucketMeta, MemoryStore, ObjectMeta, ObjectType, Store};
///
/// let store = MemoryStore::new().unwrap();
/// store
///     .create_bucket(BucketMeta {
///         name: "bucket".into(),
///         created_ms: 0,
///         acl: "private".into(),
///         storage_class: "Standard".into(),
///         data_redundancy_type: "LRS".into(),
///         region: "cn-hangzhou".into(),
///     })
///     .unwrap();
/// let mut template = ObjectMeta::new("video.mp4", ObjectType::Multipart);
/// template.last_modified_ms = 1_700_000_000_000;
/// template.headers = vec![("content-type".into(), "video/mp4".into())];
/// let upload = store.create_upload("bucket", "video.mp4", template).unwrap();
/// for (number, bytes) in [(1, vec![1u8; 102_400]), (2, b"end".to_vec())] {
///     let mut writer = store.new_blob().unwrap();
///     writer.write(&bytes).unwrap();
///     let blob = writer.finish().unwrap();
///     store
///         .put_part("bucket", "video.mp4", &upload.upload_id, number, blob)
///         .unwrap();
/// }
/// let object = store
///     .complete_upload("bucket", "video.mp4", &upload.upload_id, None)
///     .unwrap();
/// assert_eq!(object.size, 102_403);
/// assert!(object.etag.ends_with("-2\""));
/// assert!(store.upload("bucket", "video.mp4", &upload.upload_id).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct UploadMeta {
    /// Key of the object the upload will create.
    pub key: String,
    /// Upload id: 32 upper-case hex characters. Ids of one store sort in initiation order.
    pub upload_id: String,
    /// Initiation time, Unix milliseconds (the template's `last_modified_ms`).
    pub initiated_ms: i64,
    /// What the completed object gets: headers, user metadata, ACL, storage class. Its
    /// size, ETag, CRC, type, data and modification time are set on completion.
    pub template: ObjectMeta,
}

/// One uploaded part of a multipart upload.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PartMeta {
    /// Part number, 1..=10000.
    pub part_number: u32,
    /// Size in bytes.
    pub size: u64,
    /// Quoted upper-case hex MD5 of the part.
    pub etag: String,
    /// CRC-64/XZ of the part.
    pub crc64: u64,
    /// Upload time, Unix milliseconds.
    pub last_modified_ms: i64,
    /// Where the part's bytes are: its own blob, or (for a part copied from an object)
    /// extents it shares with that object.
    pub data: Extents,
}

/// One entry of a page of open uploads.
// Pages are short-lived and mostly made of uploads: boxing would only add allocations.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UploadEntry {
    /// An open upload.
    Upload(UploadMeta),
    /// A common prefix (ends with the delimiter).
    Prefix(String),
}

/// A page of open uploads (ListMultipartUploads).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UploadPage {
    /// Uploads and common prefixes, sorted by key bytes, then by upload id (which is
    /// initiation order).
    pub entries: Vec<UploadEntry>,
    /// More entries follow.
    pub truncated: bool,
    /// When truncated: the key (or common prefix) of the last entry.
    pub next_key_marker: Option<String>,
    /// When truncated: the upload id of the last entry (empty when it is a prefix).
    pub next_upload_id_marker: Option<String>,
}

/// A condition on an object for [`Store::delete_object_checked`] and
/// [`Store::delete_objects_checked`], run on the object as it is in the commit that deletes
/// it: an error (for instance [`StoreError::Immutable`] or [`StoreError::Changed`]) cancels
/// the change.
pub type ObjectCheck = Box<dyn Fn(&ObjectMeta) -> Result<(), StoreError> + Send + Sync>;

/// Copies `src_key` of `src_bucket` into `dst_bucket` as `meta` with bytes of its own,
/// encrypted at rest: the copy of a source with plain bytes into an object that reports
/// server-side encryption (see [`rules::copy_needs_new_bytes`]). The source is read through
/// a lease (streamed, decrypted where it is encrypted), written to a new blob and committed
/// as a put; a copy onto itself keeps the object's type. `src_version` names a version of
/// the source (`None`: its current object).
#[allow(clippy::too_many_arguments)]
pub fn copy_with_new_bytes<S: Store + ?Sized>(
    store: &S,
    src_bucket: &str,
    src_key: &str,
    src_version: Option<VersionId>,
    dst_bucket: &str,
    meta: ObjectMeta,
    forbid_overwrite: bool,
) -> Result<ObjectMeta, StoreError> {
    use std::io::Read;
    store.bucket(dst_bucket)?;
    let (source, data) = store.open_object_version(src_bucket, src_key, src_version)?;
    let same = src_bucket == dst_bucket && src_key == meta.key;
    if forbid_overwrite && !same && store.object(dst_bucket, &meta.key).is_ok() {
        return Err(StoreError::ObjectAlreadyExists);
    }
    let mut writer = store.new_blob()?;
    writer.encrypt(None)?;
    let mut reader = data.reader(0, source.size);
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            break;
        }
        writer.write(&buf[..n])?;
    }
    let blob = writer.finish()?;
    drop(data);
    if blob.size != source.size || blob.crc64 != source.crc64 {
        return Err(StoreError::Internal(format!(
            "copying {src_bucket}/{src_key:?} read bytes that do not match its size and CRC-64"
        )));
    }
    let mut done = if same {
        rules::describe_self_copy(meta, &source)
    } else {
        rules::describe_copy(meta, &source)
    };
    rules::describe_put(&mut done, &blob);
    done.version = store.put_object(dst_bucket, done.clone(), blob, forbid_overwrite && !same)?;
    Ok(done)
}

/// A change of an object's descriptive metadata for [`Store::update_object_meta`]. It may
/// run more than once (on the current metadata each time) and must not rely on earlier runs;
/// returning an error cancels the update.
pub type MetaUpdate = Box<dyn FnMut(&mut ObjectMeta) -> Result<(), StoreError> + Send>;

/// The storage engine.
pub trait Store: Send + Sync + 'static {
    /// Whether quick calls — metadata lookups and changes ([`Store::bucket`],
    /// [`Store::object`], [`Store::put_object`], [`Store::delete_object`]), opening an object,
    /// and writing a small blob — return at once without waiting for a disk, so the server
    /// may make them on its async threads instead of handing them to a blocking thread
    /// (two thread switches each). False unless the store keeps everything in memory.
    fn quick_calls_inline(&self) -> bool {
        false
    }
    /// Creates a bucket (BucketAlreadyExists if it exists).
    fn create_bucket(&self, meta: BucketMeta) -> Result<(), StoreError>;
    /// Deletes an empty bucket (NoSuchBucket, BucketNotEmpty — also when uploads are open).
    fn delete_bucket(&self, name: &str) -> Result<(), StoreError>;
    /// A bucket's metadata.
    fn bucket(&self, name: &str) -> Result<BucketMeta, StoreError>;
    /// Replaces a bucket's metadata (e.g. its ACL).
    fn update_bucket(&self, meta: BucketMeta) -> Result<(), StoreError>;
    /// A configuration document of a bucket (`cors`, `lifecycle`, …), as stored by
    /// [`Store::set_bucket_config`]; `None` when not set (NoSuchBucket if the bucket does not
    /// exist).
    fn bucket_config(&self, bucket: &str, name: &str) -> Result<Option<Vec<u8>>, StoreError>;
    /// Sets (`Some`) or removes (`None`) a configuration document of a bucket, atomically
    /// (NoSuchBucket if the bucket does not exist). Deleting a bucket removes its
    /// configurations.
    fn set_bucket_config(
        &self,
        bucket: &str,
        name: &str,
        value: Option<Vec<u8>>,
    ) -> Result<(), StoreError>;
    /// An account-level document (`publicAccessBlock`, …) of the account `account` (a uid),
    /// as stored by [`Store::set_account_config`]; `None` when not set.
    fn account_config(&self, account: &str, name: &str) -> Result<Option<Vec<u8>>, StoreError>;
    /// Sets (`Some`) or removes (`None`) an account-level document, atomically.
    fn set_account_config(
        &self,
        account: &str,
        name: &str,
        value: Option<Vec<u8>>,
    ) -> Result<(), StoreError>;
    /// Buckets whose name starts with `prefix` and is > `marker`, sorted, at most `max`;
    /// the bool says whether more follow.
    fn list_buckets(
        &self,
        prefix: &str,
        marker: &str,
        max: usize,
    ) -> Result<(Vec<BucketMeta>, bool), StoreError>;

    /// Starts a blob: a temporary file that hashes (MD5, CRC-64) what is written.
    /// [`StoreError::DiskFull`] when the free space is down to the store's reserve.
    fn new_blob(&self) -> Result<data::BlobWriter, StoreError>;
    /// Commits `blob` as the bytes of `meta.key` in `bucket` atomically (the data, size and
    /// CRC are set from the blob, and the ETag from its MD5 when `meta.etag` is empty).
    /// Replaces an existing object (whose blobs go once nothing else names them) unless
    /// `forbid_overwrite`. An object that reports server-side encryption needs a blob
    /// written encrypted ([`data::BlobWriter::encrypt`]).
    ///
    /// In a versioned bucket the object is a new version (see [`version::write_current`]);
    /// returns which.
    fn put_object(
        &self,
        bucket: &str,
        meta: ObjectMeta,
        blob: PendingBlob,
        forbid_overwrite: bool,
    ) -> Result<VersionInfo, StoreError>;
    /// Creates or extends an appendable object: `position` must equal its current size
    /// (0 for a new one). The bytes come from `blob`. Returns the new metadata.
    /// `meta_for_new` supplies headers/user metadata when the object is created.
    fn append_object(
        &self,
        bucket: &str,
        key: &str,
        position: u64,
        blob: PendingBlob,
        meta_for_new: ObjectMeta,
    ) -> Result<ObjectMeta, StoreError>;
    /// Copies an object to a new key with new descriptive metadata (same bucket or another)
    /// in one transaction: the copy names the source's extents (no byte is copied) and keeps
    /// its size, CRC-64 and ETag; its type is `Normal`. With `forbid_overwrite`, an existing
    /// destination gives ObjectAlreadyExists, checked in the commit itself. Copying an
    /// object onto itself changes only its descriptive metadata (as
    /// [`Store::update_object_meta`]; `forbid_overwrite` does not apply).
    ///
    /// When `meta` reports server-side encryption and some of the source's bytes are
    /// plain, the copy gets bytes of its own, encrypted ([`copy_with_new_bytes`]).
    ///
    /// `src_version` names a version of the source (NoSuchVersion when it has none of that
    /// id, MethodNotAllowed for a delete marker); `None` is its current object. A copy onto
    /// itself in a versioned bucket, or from another version, writes a new version.
    #[allow(clippy::too_many_arguments)]
    fn copy_object(
        &self,
        src_bucket: &str,
        src_key: &str,
        src_version: Option<VersionId>,
        dst_bucket: &str,
        meta: ObjectMeta,
        forbid_overwrite: bool,
    ) -> Result<ObjectMeta, StoreError>;
    /// Changes an object's descriptive metadata (ACL, headers, user metadata, storage
    /// class, modification time) in place, atomically and without touching its bytes:
    /// `update` runs on the current metadata inside the commit; the fields that describe the
    /// bytes (key, data, size, CRC-64, ETag, type) are kept whatever it does. Returns the
    /// new metadata (NoSuchBucket, NoSuchKey, or the error `update` returned).
    ///
    /// ```
    /// use osskit_server::store::{BucketMeta, MemoryStore, ObjectMeta, ObjectType, Store};
    ///
    /// let store = MemoryStore::new().unwrap();
    /// store
    ///     .create_bucket(BucketMeta {
    ///         name: "b".into(),
    ///         created_ms: 0,
    ///         acl: "private".into(),
    ///         storage_class: "Standard".into(),
    ///         data_redundancy_type: "LRS".into(),
    ///         region: "cn-hangzhou".into(),
    ///     })
    ///     .unwrap();
    /// let mut writer = store.new_blob().unwrap();
    /// writer.write(b"bytes").unwrap();
    /// let meta = ObjectMeta::new("k", ObjectType::Normal);
    /// store.put_object("b", meta, writer.finish().unwrap(), false).unwrap();
    /// let before = store.object("b", "k").unwrap();
    /// let after = store
    ///     .update_object_meta(
    ///         "b",
    ///         "k",
    ///         Box::new(|m| {
    ///             m.acl = "public-read".into();
    ///             m.size = 0; // ignored: the bytes do not change
    ///             Ok(())
    ///         }),
    ///     )
    ///     .unwrap();
    /// assert_eq!(after.acl, "public-read");
    /// assert_eq!((after.size, &after.data), (5, &before.data));
    /// ```
    fn update_object_meta(
        &self,
        bucket: &str,
        key: &str,
        update: MetaUpdate,
    ) -> Result<ObjectMeta, StoreError> {
        self.update_version_meta(bucket, key, None, update)
    }
    /// [`Store::update_object_meta`] of a version of the object (`None`: the current one;
    /// NoSuchVersion, and MethodNotAllowed for a delete marker).
    fn update_version_meta(
        &self,
        bucket: &str,
        key: &str,
        version: Option<VersionId>,
        update: MetaUpdate,
    ) -> Result<ObjectMeta, StoreError>;
    /// An object's metadata (NoSuchBucket, NoSuchKey).
    fn object(&self, bucket: &str, key: &str) -> Result<ObjectMeta, StoreError>;
    /// A version of an object (NoSuchVersion when it has none of that id), or with `None`
    /// its newest version: the current object, or the delete marker that hides the older
    /// versions (NoSuchKey when the key has no version at all). A delete marker is returned
    /// as such ([`VersionInfo::delete_marker`]).
    fn object_version(
        &self,
        bucket: &str,
        key: &str,
        version: Option<VersionId>,
    ) -> Result<ObjectMeta, StoreError>;
    /// A version's metadata and its bytes, opened together like [`Store::open_object`]
    /// (`None`: the current object). A delete marker gives [`StoreError::DeleteMarker`].
    fn open_object_version(
        &self,
        bucket: &str,
        key: &str,
        version: Option<VersionId>,
    ) -> Result<(ObjectMeta, ObjectData), StoreError> {
        let Some(id) = version else {
            return self.open_object(bucket, key);
        };
        let mut attempts = 0;
        loop {
            let meta = self.object_version(bucket, key, Some(id))?;
            if meta.version.delete_marker {
                return Err(StoreError::DeleteMarker(meta.version));
            }
            match self.open(&meta) {
                Ok(data) => return Ok((meta, data)),
                Err(StoreError::NoSuchKey) if attempts < 5 => attempts += 1,
                Err(e) => return Err(e),
            }
        }
    }
    /// The bytes `meta` describes, readable while the returned value lives (their blob files
    /// stay in place even if the object is replaced or deleted meanwhile). NoSuchKey when
    /// they are no longer part of any object (`meta` is stale: see [`Store::open_object`]).
    fn open(&self, meta: &ObjectMeta) -> Result<ObjectData, StoreError>;
    /// An object's metadata and its bytes, opened together: a concurrent overwrite or
    /// delete between the lookup and the open is retried, so the pair always matches.
    fn open_object(&self, bucket: &str, key: &str) -> Result<(ObjectMeta, ObjectData), StoreError> {
        let mut attempts = 0;
        loop {
            let meta = self.object(bucket, key)?;
            match self.open(&meta) {
                Ok(data) => return Ok((meta, data)),
                Err(StoreError::NoSuchKey) if attempts < 5 => attempts += 1,
                Err(e) => return Err(e),
            }
        }
    }
    /// Deletes an object; Ok(false) if it did not exist (NoSuchBucket if the bucket does not).
    fn delete_object(&self, bucket: &str, key: &str) -> Result<bool, StoreError> {
        self.delete_object_checked(bucket, key, Box::new(|_| Ok(())))
    }
    /// Deletes an object if `check` accepts it as it is in the commit that deletes it (an
    /// error of `check` is returned and nothing changes); Ok(false) if it did not exist. In
    /// a versioned bucket this writes a delete marker (see [`Store::delete_version`]).
    fn delete_object_checked(
        &self,
        bucket: &str,
        key: &str,
        check: ObjectCheck,
    ) -> Result<bool, StoreError> {
        self.delete_version(bucket, key, None, check)
            .map(|d| d.was_current)
    }
    /// Deletes an object as its bucket's versioning state says (`None`), or one of its
    /// versions for good (see [`version::delete`]); `check` runs, in the commit, on every
    /// version whose bytes would go for good. A delete marker it writes is dated now on the
    /// system clock, like the objects requests write.
    fn delete_version(
        &self,
        bucket: &str,
        key: &str,
        version: Option<VersionId>,
        check: ObjectCheck,
    ) -> Result<Deleted, StoreError> {
        self.delete_version_at(bucket, key, version, check, multipart::now_ms())
    }
    /// [`Store::delete_version`], dating a delete marker it writes `now_ms` (Unix
    /// milliseconds): the lifecycle runner writes its markers at the time of its own clock.
    fn delete_version_at(
        &self,
        bucket: &str,
        key: &str,
        version: Option<VersionId>,
        check: ObjectCheck,
        now_ms: i64,
    ) -> Result<Deleted, StoreError>;
    /// Deletes several objects of one bucket in one transaction: all of them or (on failure)
    /// none. Returns, for each key in order, whether it existed.
    fn delete_objects(&self, bucket: &str, keys: &[String]) -> Result<Vec<bool>, StoreError> {
        self.delete_objects_checked(bucket, keys, Box::new(|_| Ok(())))
    }
    /// [`Store::delete_objects`], with `check` run on every existing object in the same
    /// transaction: one error and nothing is deleted.
    fn delete_objects_checked(
        &self,
        bucket: &str,
        keys: &[String],
        check: ObjectCheck,
    ) -> Result<Vec<bool>, StoreError> {
        let entries: Vec<(String, Option<VersionId>)> =
            keys.iter().map(|k| (k.clone(), None)).collect();
        self.delete_versions(bucket, &entries, check)
            .map(|done| done.into_iter().map(|d| d.was_current).collect())
    }
    /// Several [`Store::delete_version`]s of one bucket in one transaction: all of them or
    /// (when `check` refuses one) none. Returns what each did, in order.
    fn delete_versions(
        &self,
        bucket: &str,
        entries: &[(String, Option<VersionId>)],
        check: ObjectCheck,
    ) -> Result<Vec<Deleted>, StoreError> {
        self.delete_versions_at(bucket, entries, check, multipart::now_ms())
    }
    /// [`Store::delete_versions`], dating the delete markers it writes `now_ms`.
    fn delete_versions_at(
        &self,
        bucket: &str,
        entries: &[(String, Option<VersionId>)],
        check: ObjectCheck,
        now_ms: i64,
    ) -> Result<Vec<Deleted>, StoreError>;
    /// One page of the versions of a bucket's objects (ListObjectVersions, see
    /// [`version::version_page`]). Costs O(page).
    fn list_versions(
        &self,
        bucket: &str,
        prefix: &str,
        delimiter: &str,
        key_marker: &str,
        version_marker: Option<VersionId>,
        max: usize,
    ) -> Result<VersionPage, StoreError>;
    /// One page of a listing: keys starting with `prefix`, strictly after `after`, folded by
    /// `delimiter` when non-empty, at most `max` entries (objects + prefixes). Costs
    /// O(page), not O(bucket): a folded prefix is skipped with one range seek.
    fn list_objects(
        &self,
        bucket: &str,
        prefix: &str,
        delimiter: &str,
        after: &str,
        max: usize,
    ) -> Result<ListPage, StoreError>;

    /// Starts a multipart upload of `key`. `template` carries what the final object gets
    /// (headers, user metadata, ACL, storage class); its `last_modified_ms` is the
    /// initiation time. Several uploads of one key may be open at once.
    fn create_upload(
        &self,
        bucket: &str,
        key: &str,
        template: ObjectMeta,
    ) -> Result<UploadMeta, StoreError>;
    /// An open upload (NoSuchBucket; NoSuchUpload if unknown, completed or aborted).
    fn upload(&self, bucket: &str, key: &str, upload_id: &str) -> Result<UploadMeta, StoreError>;
    /// Stores `blob` as part `part_number` (1..=10000, else InvalidArgument) of an open
    /// upload, replacing a part of that number (whose bytes go once nothing names them).
    /// The parts of an upload whose template reports server-side encryption must be
    /// encrypted at rest (so must the extents of [`Store::put_part_copy`]).
    fn put_part(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        part_number: u32,
        blob: PendingBlob,
    ) -> Result<PartMeta, StoreError>;
    /// Stores a part made of bytes that already exist: `data` are extents of an object
    /// (UploadPartCopy), whose MD5 and CRC-64 the caller computed while reading them. The
    /// part shares those blobs, nothing is copied. NoSuchKey when they are no longer part
    /// of any object by the time of the commit.
    #[allow(clippy::too_many_arguments)]
    fn put_part_copy(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        part_number: u32,
        data: Extents,
        md5: [u8; 16],
        crc64: u64,
    ) -> Result<PartMeta, StoreError>;
    /// The parts of an open upload numbered above `part_number_marker`, ascending, at most
    /// `max`; the bool says whether more follow.
    fn list_parts(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        part_number_marker: u32,
        max: usize,
    ) -> Result<(Vec<PartMeta>, bool), StoreError>;
    /// One page of the open uploads of a bucket whose key starts with `prefix`, folded by
    /// `delimiter` like [`Store::list_objects`], sorted by key bytes then upload id. The page
    /// starts after `key_marker` (and, for uploads of `key_marker` itself, after
    /// `upload_id_marker` when it is not empty). Costs O(page).
    fn list_uploads(
        &self,
        bucket: &str,
        prefix: &str,
        delimiter: &str,
        key_marker: &str,
        upload_id_marker: &str,
        max: usize,
    ) -> Result<UploadPage, StoreError>;
    /// Completes an upload into a `Multipart` object and returns its metadata.
    ///
    /// `Some(parts)` is the client's list of `(part number, ETag)`: numbers strictly
    /// ascending (InvalidPartOrder), each part uploaded with that ETag, compared ignoring
    /// quotes and case (InvalidPart). `None` takes every uploaded part in order. Every part
    /// but the last must hold at least 102400 bytes (EntityTooSmall). The object is made of
    /// the chosen parts' extents, so no byte is read or written: one transaction creates
    /// the object (replacing any existing one) and removes the upload, in O(parts); a crash
    /// leaves either the upload or the object. Parts left out go with the upload.
    fn complete_upload(
        &self,
        bucket: &str,
        key: &str,
        upload_id: &str,
        parts: Option<&[(u32, String)]>,
    ) -> Result<ObjectMeta, StoreError>;
    /// Aborts an open upload, removing it and its parts.
    fn abort_upload(&self, bucket: &str, key: &str, upload_id: &str) -> Result<(), StoreError>;
}
