//! Blob files: the bytes of objects.
//!
//! A blob is written to `tmp/<id>` by a [`BlobWriter`], which hashes (MD5, CRC-64) what
//! passes through it and fsyncs the file on [`BlobWriter::finish`]. The resulting
//! [`PendingBlob`] is then renamed into `blobs/<first two hex chars>/<id>` by
//! [`BlobDir::install`] (which also fsyncs the directory) or [`BlobDir::install_deferred`]
//! (which leaves that fsync to the group commit of the metadata naming the blob), before the
//! metadata that names it is committed.
//!
//! Ids are 32 lower-case hex characters, never derived from object keys: a fan-out prefix
//! of two characters, which stays the same for 256 consecutive blobs so that concurrent
//! writes land in the same directory and share its fsync, then 30 random characters.
//!
//! Installed blobs are never rewritten below the sizes their extents name (an appendable
//! object's blob only grows), so objects can share them (see [`super::extent`]) and readers
//! can map them ([`crate::http::mapped`]).
//!
//! New data is refused with [`StoreError::DiskFull`] while the file system has less free
//! space than the store's reserve ([`DiskSpace`]): what is left stays available to metadata
//! commits, so that deletes keep working on a full disk.
//!
//! Dropping an unfinished writer or an uninstalled [`PendingBlob`] removes its temporary file.
//!
//! A writer told to [`encrypt`](BlobWriter::encrypt) writes the blob encrypted at rest; the
//! readers of [`ObjectData`] decrypt the extents that say their blob is encrypted (see
//! [`super::cipher`]).

use std::collections::HashSet;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use bytes::Bytes;

use super::cipher::{Decrypting, KeyStream, StoreKey};
use super::digest::Digests;
use super::extent::{Extent, Extents};
use super::gc::Lease;
use super::{PendingBlob, StoreError};

/// Most bytes a blob writer keeps before writing them to its file; writes at least this
/// large go to the file directly.
const WRITE_BUFFER: usize = 256 * 1024;

/// Length of a blob id in hex characters.
const ID_LEN: usize = 32;

/// A writer checks the free space again after this many bytes.
const SPACE_CHECK_EVERY: u64 = 8 * 1024 * 1024;

/// Whether blob files and directories are fsynced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// Files are fsynced before they are named by metadata; directories after a rename.
    Fsync,
    /// No fsync (for stores that do not survive the process, e.g. on a RAM file system).
    Volatile,
}

/// A fresh random blob id: 32 lower-case hex characters.
pub fn new_blob_id() -> String {
    let v: u128 = rand::random();
    format!("{v:032x}")
}

/// How many consecutive blobs share a fan-out directory.
const BLOBS_PER_FAN: u64 = 256;

/// A blob id in fan-out directory `fan`: two hex characters, then 30 random ones.
fn blob_id_in(fan: u8) -> String {
    let v: u128 = rand::random::<u128>() >> 8;
    format!("{fan:02x}{v:030x}")
}

/// Whether `id` has the shape of a blob id (so that it is safe to join to a path).
pub fn is_blob_id(id: &str) -> bool {
    id.len() == ID_LEN && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Whether an I/O error means the file system is full (or the user's quota is used up).
pub fn is_disk_full(e: &io::Error) -> bool {
    const EDQUOT: i32 = 122;
    e.kind() == io::ErrorKind::StorageFull || e.raw_os_error() == Some(EDQUOT)
}

/// Maps an I/O error of `what` on `path`: a full disk is [`StoreError::DiskFull`], anything
/// else an internal error naming the path (the path is for the log, never for clients; see
/// [`crate::error::OssError::from_store`]).
pub(crate) fn io_context<'p>(
    what: &'static str,
    path: &'p Path,
) -> impl FnOnce(io::Error) -> StoreError + 'p {
    move |e| {
        if is_disk_full(&e) {
            StoreError::DiskFull
        } else {
            StoreError::Internal(format!("{what} {}: {e}", path.display()))
        }
    }
}

/// Fsyncs a directory so that a rename or creation inside it is durable.
fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_context("fsync directory", dir))
}

/// The free space of the file system holding a store, and the part of it kept back from
/// new object data (for metadata commits, deletes included).
#[derive(Debug)]
pub struct DiskSpace {
    path: PathBuf,
    reserve: u64,
}

impl DiskSpace {
    /// Free space of the file system holding `path`, keeping `reserve` bytes back.
    pub fn new(path: &Path, reserve: u64) -> DiskSpace {
        DiskSpace {
            path: path.to_path_buf(),
            reserve,
        }
    }

    /// Bytes available to this process, when the file system says.
    pub fn available(&self) -> Option<u64> {
        rustix::fs::statvfs(&self.path)
            .ok()
            .map(|s| s.f_bavail.saturating_mul(s.f_frsize))
    }

    /// The bytes kept back.
    pub fn reserve(&self) -> u64 {
        self.reserve
    }

    /// [`StoreError::DiskFull`] when less than the reserve is available.
    pub fn check(&self) -> Result<(), StoreError> {
        if self.reserve == 0 {
            return Ok(());
        }
        match self.available() {
            Some(free) if free < self.reserve => Err(StoreError::DiskFull),
            _ => Ok(()),
        }
    }
}

/// The on-disk layout of blob files under a store's data directory: `tmp/` for blobs being
/// written and `blobs/xx/` (256 fan-out directories) for installed blobs. Clones share the
/// fan-out rotation.
#[derive(Debug, Clone)]
pub struct BlobDir {
    tmp: PathBuf,
    blobs: PathBuf,
    durability: Durability,
    /// Counts blobs started; selects the fan-out directory of the next one.
    started: Arc<AtomicU64>,
    space: Arc<DiskSpace>,
    /// The key of encrypted blobs (`root/sse.key`), loaded or made when first needed.
    key: Arc<StoreKey>,
    /// Whole-blob mappings kept between reads (see [`BlobDir::with_map_cache`]).
    maps: Option<Arc<crate::http::mapped::MapCache>>,
}

impl BlobDir {
    /// Creates (if needed) `root/tmp/` and `root/blobs/00..ff/`. No free space is reserved
    /// (see [`BlobDir::with_reserve`]).
    pub fn open(root: &Path, durability: Durability) -> Result<BlobDir, StoreError> {
        let tmp = root.join("tmp");
        let blobs = root.join("blobs");
        fs::create_dir_all(&tmp).map_err(io_context("create directory", &tmp))?;
        for fan in 0..=255u8 {
            let dir = blobs.join(format!("{fan:02x}"));
            fs::create_dir_all(&dir).map_err(io_context("create directory", &dir))?;
        }
        if durability == Durability::Fsync {
            sync_dir(&blobs)?;
            sync_dir(root)?;
        }
        Ok(BlobDir {
            tmp,
            blobs,
            durability,
            started: Arc::new(AtomicU64::new(rand::random::<u64>() & !(BLOBS_PER_FAN - 1))),
            space: Arc::new(DiskSpace::new(root, 0)),
            key: Arc::new(StoreKey::new(root)),
            maps: None,
        })
    }

    /// Keeps up to `cap` bytes of large blobs mapped from one read to the next (for a
    /// directory on a RAM file system, where the bytes are in memory anyway).
    pub fn with_map_cache(mut self, cap: u64) -> BlobDir {
        self.maps = Some(Arc::new(crate::http::mapped::MapCache::new(cap)));
        self
    }

    /// The mappings kept between reads, if this directory keeps any.
    pub fn map_cache(&self) -> Option<&crate::http::mapped::MapCache> {
        self.maps.as_deref()
    }

    /// The key of encrypted blobs.
    pub fn key(&self) -> &StoreKey {
        &self.key
    }

    /// Refuses new blobs (and stops writers) while less than `reserve` bytes are free.
    pub fn with_reserve(mut self, reserve: u64) -> BlobDir {
        let path = self.blobs.clone();
        self.space = Arc::new(DiskSpace::new(&path, reserve));
        self
    }

    /// The free-space guard.
    pub fn space(&self) -> &DiskSpace {
        &self.space
    }

    /// The path of an installed blob.
    pub fn path_of(&self, id: &str) -> Result<PathBuf, StoreError> {
        if !is_blob_id(id) {
            return Err(StoreError::Internal(format!("invalid blob id {id:?}")));
        }
        Ok(self.blobs.join(&id[..2]).join(id))
    }

    /// Starts a new blob in `tmp/` ([`StoreError::DiskFull`] when the reserve is reached).
    pub fn writer(&self) -> Result<BlobWriter, StoreError> {
        self.space.check()?;
        let n = self.started.fetch_add(1, Ordering::Relaxed);
        let fan = ((n / BLOBS_PER_FAN) % 256) as u8;
        BlobWriter::create(
            &self.tmp,
            blob_id_in(fan),
            self.durability,
            self.space.clone(),
            self.key.clone(),
        )
    }

    /// Whether this directory fsyncs.
    pub fn durability(&self) -> Durability {
        self.durability
    }

    /// Opens an installed blob for reading. A missing blob gives `NoSuchKey`: the object
    /// that named it has been replaced or deleted since its metadata was read.
    pub fn open_blob(&self, id: &str) -> Result<File, StoreError> {
        let path = self.path_of(id)?;
        File::open(&path).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => StoreError::NoSuchKey,
            _ => io_context("open blob", &path)(e),
        })
    }

    /// Moves a pending blob into `blobs/` and makes the rename durable. Returns its id.
    /// After this the blob is an orphan until metadata naming it is committed.
    pub fn install(&self, blob: PendingBlob) -> Result<String, StoreError> {
        let (id, dir) = self.install_deferred(blob)?;
        if let Some(dir) = dir {
            sync_dir(&dir)?;
        }
        Ok(id)
    }

    /// Moves a pending blob into `blobs/` without making the rename durable. Returns its
    /// id and, for a store that fsyncs, the directory that must be fsynced before metadata
    /// naming the blob is committed (the group committer does it once per batch).
    pub fn install_deferred(
        &self,
        mut blob: PendingBlob,
    ) -> Result<(String, Option<PathBuf>), StoreError> {
        let dest = self.path_of(&blob.id)?;
        let src = blob.take_temp_path();
        if let Err(e) = fs::rename(&src, &dest) {
            let _ = fs::remove_file(&src);
            return Err(StoreError::Internal(format!(
                "rename {} to {}: {e}",
                src.display(),
                dest.display()
            )));
        }
        let dir = match self.durability {
            Durability::Fsync => dest.parent().map(Path::to_path_buf),
            Durability::Volatile => None,
        };
        Ok((std::mem::take(&mut blob.id), dir))
    }

    /// Removes an installed blob; a missing file is not an error. Failures are logged, not
    /// returned: a leftover blob is collected at the next start-up.
    pub fn remove(&self, id: &str) {
        if let Some(maps) = &self.maps {
            maps.forget(id);
        }
        match self.path_of(id) {
            Ok(path) => match fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => tracing::warn!(path = %path.display(), error = %e, "cannot remove blob"),
            },
            Err(e) => tracing::warn!(error = %e, "cannot remove blob"),
        }
    }

    /// Writes the bytes of `src` into installed blob `id` at offset `at`, after cutting the
    /// file to `at` bytes (anything past it is the leftover of an interrupted append), then
    /// fsyncs it. Bytes below `at` are never touched.
    pub fn append(&self, id: &str, at: u64, src: &PendingBlob) -> Result<(), StoreError> {
        self.space.check()?;
        let path = self.path_of(id)?;
        let mut dst = OpenOptions::new()
            .write(true)
            .open(&path)
            .map_err(io_context("open blob for append", &path))?;
        let len = dst
            .metadata()
            .map_err(io_context("stat blob", &path))?
            .len();
        if len < at {
            return Err(StoreError::Internal(format!(
                "blob {} holds {len} bytes, less than the object's {at}",
                path.display()
            )));
        }
        dst.set_len(at)
            .map_err(io_context("truncate blob", &path))?;
        dst.seek(SeekFrom::Start(at))
            .map_err(io_context("seek blob", &path))?;
        let mut from =
            File::open(&src.temp_path).map_err(io_context("open blob", &src.temp_path))?;
        let copied = io::copy(&mut from, &mut dst).map_err(io_context("append to blob", &path))?;
        if copied != src.size {
            return Err(StoreError::Internal(format!(
                "appended {copied} bytes from {}, expected {}",
                src.temp_path.display(),
                src.size
            )));
        }
        if self.durability == Durability::Fsync {
            dst.sync_all().map_err(io_context("fsync blob", &path))?;
        }
        Ok(())
    }

    /// Deletes every file in `tmp/` (leftovers of interrupted writes). Call only when no
    /// writer of this directory is alive. Returns how many were removed.
    pub fn clear_tmp(&self) -> Result<usize, StoreError> {
        let mut removed = 0;
        for entry in fs::read_dir(&self.tmp).map_err(io_context("list", &self.tmp))? {
            let entry = entry.map_err(io_context("list", &self.tmp))?;
            let path = entry.path();
            let result = if path.is_dir() {
                fs::remove_dir_all(&path)
            } else {
                fs::remove_file(&path)
            };
            result.map_err(io_context("remove temporary file", &path))?;
            removed += 1;
        }
        Ok(removed)
    }

    /// The files in `tmp/`.
    pub fn temp_files(&self) -> Result<Vec<PathBuf>, StoreError> {
        let mut out = Vec::new();
        for entry in fs::read_dir(&self.tmp).map_err(io_context("list", &self.tmp))? {
            out.push(entry.map_err(io_context("list", &self.tmp))?.path());
        }
        Ok(out)
    }

    /// Every installed blob: its id (or, for a file whose name is not a blob id, the file
    /// name) and length. One pass over the files.
    pub fn installed(&self) -> Result<Vec<(String, u64)>, StoreError> {
        let mut out = Vec::new();
        for fan in fs::read_dir(&self.blobs).map_err(io_context("list", &self.blobs))? {
            let fan = fan.map_err(io_context("list", &self.blobs))?.path();
            if !fan.is_dir() {
                continue;
            }
            for entry in fs::read_dir(&fan).map_err(io_context("list", &fan))? {
                let entry = entry.map_err(io_context("list", &fan))?;
                let len = entry.metadata().map(|m| m.len()).unwrap_or(0);
                out.push((entry.file_name().to_string_lossy().into_owned(), len));
            }
        }
        Ok(out)
    }

    /// Deletes every installed blob whose id is not in `keep` (orphans of a crash between a
    /// rename and a commit). One pass over the files. Returns how many were removed.
    pub fn sweep(&self, keep: &HashSet<String>) -> Result<usize, StoreError> {
        let mut removed = 0;
        for fan in fs::read_dir(&self.blobs).map_err(io_context("list", &self.blobs))? {
            let fan = fan.map_err(io_context("list", &self.blobs))?.path();
            if !fan.is_dir() {
                continue;
            }
            for entry in fs::read_dir(&fan).map_err(io_context("list", &fan))? {
                let entry = entry.map_err(io_context("list", &fan))?;
                let name = entry.file_name();
                let referenced = name.to_str().is_some_and(|n| keep.contains(n));
                if !referenced {
                    let path = entry.path();
                    fs::remove_file(&path).map_err(io_context("remove orphan blob", &path))?;
                    removed += 1;
                }
            }
        }
        Ok(removed)
    }
}

/// The bytes of one object (or part), readable while this value lives: its extents, and a
/// lease that keeps their blob files in place (see [`super::gc`]). Blob files are opened
/// when they are needed, one at a time.
///
/// ```
/// use std::io::Read;
/// use osskit_server::store::{BucketMeta, MemoryStore, ObjectMeta, ObjectType, Store};
///
/// let store = MemoryStore::new().unwrap();
/// # store.create_bucket(BucketMeta { name: "b".into(), created_ms: 0, acl: "private".into(),
/// #     storage_class: "Standard".into(), data_redundancy_type: "LRS".into(), region: "r".into() }).unwrap();
/// # let mut w = store.new_blob().unwrap();
/// # w.write(b"hello world").unwrap();
/// # let meta = ObjectMeta::new("k", ObjectType::Normal);
/// # store.put_object("b", meta, w.finish().unwrap(), false).unwrap();
/// let (meta, data) = store.open_object("b", "k").unwrap();
/// let mut text = String::new();
/// data.reader(6, 5).read_to_string(&mut text).unwrap();
/// assert_eq!((meta.size, text.as_str()), (11, "world"));
/// ```
#[derive(Debug)]
pub struct ObjectData {
    extents: Extents,
    dir: BlobDir,
    _lease: Option<Lease>,
}

impl ObjectData {
    /// The bytes of `extents`, kept in place by `lease`.
    pub(crate) fn new(extents: Extents, dir: BlobDir, lease: Option<Lease>) -> ObjectData {
        ObjectData {
            extents,
            dir,
            _lease: lease,
        }
    }

    /// Number of bytes.
    pub fn len(&self) -> u64 {
        self.extents.len()
    }

    /// Whether there are no bytes.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Where the bytes are.
    pub fn extents(&self) -> &Extents {
        &self.extents
    }

    /// The mappings of blobs kept between reads, if the store keeps any.
    pub fn map_cache(&self) -> Option<&crate::http::mapped::MapCache> {
        self.dir.map_cache()
    }

    /// Opens the file of blob `id` (one of the extents' blobs).
    pub fn open_blob(&self, id: &str) -> io::Result<File> {
        let path = self
            .dir
            .path_of(id)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))?;
        File::open(&path).map_err(|e| {
            if e.kind() == io::ErrorKind::NotFound {
                io::Error::new(
                    io::ErrorKind::NotFound,
                    format!("the data file of the object is missing: {}", path.display()),
                )
            } else {
                e
            }
        })
    }

    /// A reader of `len` bytes from byte `start` (blocking: for blocking threads). The
    /// bytes are plain: extents of encrypted blobs are decrypted.
    pub fn reader(&self, start: u64, len: u64) -> DataReader<'_> {
        DataReader {
            data: self,
            extents: self.extents.slice(start, len),
            next: 0,
            current: None,
        }
    }

    /// The key stream of encrypted blob `blob` from byte `offset`.
    pub fn keystream(&self, blob: &str, offset: u64) -> io::Result<KeyStream> {
        self.dir.key.for_reading()?.keystream(blob, offset)
    }

    /// Reads `len` bytes of `file` (the file of encrypted blob `blob`) from byte `offset`
    /// and decrypts them (blocking). A file shorter than that is an error.
    pub fn read_decrypted(
        &self,
        file: &File,
        blob: &str,
        offset: u64,
        len: usize,
    ) -> io::Result<Bytes> {
        let mut keys = self.keystream(blob, offset)?;
        let mut buf = Vec::with_capacity(len);
        let mut reader = file;
        reader.seek(SeekFrom::Start(offset))?;
        reader.take(len as u64).read_to_end(&mut buf)?;
        if buf.len() < len {
            return Err(short_data());
        }
        keys.apply(&mut buf);
        Ok(Bytes::from(buf))
    }

    /// Reads `len` bytes from `start` into memory (blocking).
    pub fn read_range(&self, start: u64, len: u64) -> io::Result<Vec<u8>> {
        let want = self.len().saturating_sub(start).min(len);
        let mut out = Vec::with_capacity(usize::try_from(want).unwrap_or(0));
        self.reader(start, len).read_to_end(&mut out)?;
        if out.len() as u64 != want {
            return Err(short_data());
        }
        Ok(out)
    }
}

/// The error of a blob file shorter than the extent that names it.
pub fn short_data() -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        "object file is shorter than its recorded size",
    )
}

/// Reads a range of an [`ObjectData`] across its extents (decrypting encrypted ones).
#[derive(Debug)]
pub struct DataReader<'a> {
    data: &'a ObjectData,
    extents: Extents,
    next: usize,
    current: Option<ExtentReader>,
}

/// The extent being read.
#[derive(Debug)]
enum ExtentReader {
    Plain(io::Take<File>),
    Encrypted(Box<Decrypting<io::Take<File>>>, u64),
}

impl ExtentReader {
    /// Bytes still to read.
    fn left(&self) -> u64 {
        match self {
            ExtentReader::Plain(r) => r.limit(),
            ExtentReader::Encrypted(_, left) => *left,
        }
    }

    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            ExtentReader::Plain(r) => r.read(buf),
            ExtentReader::Encrypted(r, left) => {
                let n = r.read(buf)?;
                *left = left.saturating_sub(n as u64);
                Ok(n)
            }
        }
    }
}

impl Read for DataReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if let Some(current) = self.current.as_mut() {
                if current.left() > 0 {
                    let n = current.read(buf)?;
                    if n == 0 && !buf.is_empty() {
                        return Err(short_data());
                    }
                    return Ok(n);
                }
                self.current = None;
            }
            let Some(extent) = self.extents.as_slice().get(self.next).cloned() else {
                return Ok(0);
            };
            self.next += 1;
            let Extent {
                blob,
                offset,
                len,
                encrypted,
            } = extent;
            let mut file = self.data.open_blob(&blob)?;
            file.seek(SeekFrom::Start(offset))?;
            self.current = Some(if encrypted {
                let keys = self.data.keystream(&blob, offset)?;
                ExtentReader::Encrypted(Box::new(Decrypting::new(file.take(len), keys)), len)
            } else {
                ExtentReader::Plain(file.take(len))
            });
        }
    }
}

/// Streams bytes into a new blob file under a temporary name, hashing them (MD5 and
/// CRC-64/XZ) on the way. [`finish`](BlobWriter::finish) flushes and fsyncs the file and
/// returns a [`PendingBlob`]; dropping an unfinished writer deletes the file.
///
/// It implements [`std::io::Write`], so `std::io::copy` can fill it. A full disk (or the
/// store's free-space reserve reached while writing) fails writes with an error of kind
/// [`io::ErrorKind::StorageFull`].
///
/// ```
/// use osskit_server::store::{MemoryStore, Store};
///
/// let store = MemoryStore::new().unwrap();
/// let mut writer = store.new_blob().unwrap();
/// writer.write(b"hello ").unwrap();
/// writer.write(b"world").unwrap();
/// let blob = writer.finish().unwrap();
/// assert_eq!(blob.size, 11);
/// assert_eq!(blob.crc64, osskit_proto::crc64::crc64(b"hello world"));
/// ```
#[derive(Debug)]
pub struct BlobWriter {
    id: String,
    path: PathBuf,
    file: Option<File>,
    /// Bytes not yet written to the file (grows as needed, up to [`WRITE_BUFFER`]).
    buffer: Vec<u8>,
    /// MD5 and CRC-64 of everything written; `None` when the caller hashes (see
    /// [`BlobWriter::hash_elsewhere`]).
    digests: Option<Digests>,
    size: u64,
    durability: Durability,
    space: Arc<DiskSpace>,
    /// Bytes written since the free space was last checked.
    unchecked: u64,
    finished: bool,
    /// The store's key, for [`BlobWriter::encrypt`].
    key: Arc<StoreKey>,
    /// With [`BlobWriter::encrypt`]: the key stream and the blob it belongs to.
    keys: Option<(KeyStream, String)>,
}

impl BlobWriter {
    /// Creates `dir/<id>`.
    fn create(
        dir: &Path,
        id: String,
        durability: Durability,
        space: Arc<DiskSpace>,
        key: Arc<StoreKey>,
    ) -> Result<BlobWriter, StoreError> {
        let path = dir.join(&id);
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(io_context("create blob", &path))?;
        Ok(BlobWriter {
            id,
            path,
            file: Some(file),
            buffer: Vec::new(),
            digests: Some(Digests::inline()),
            size: 0,
            durability,
            space,
            unchecked: 0,
            finished: false,
            key,
            keys: None,
        })
    }

    /// Encrypts everything written from now on (the digests stay those of the plain
    /// bytes), with the store's key (made now if the store has none yet). The key stream is
    /// the blob's own, or with `Some((id, offset))` that of blob `id` from byte `offset`:
    /// the bytes of an append to `id` at `offset`. Call it before the first write.
    pub fn encrypt(&mut self, target: Option<(&str, u64)>) -> Result<(), StoreError> {
        if self.size != 0 {
            return Err(StoreError::Internal(
                "blob writer: encryption must start before the first write".into(),
            ));
        }
        let (id, offset) = target.unwrap_or((&self.id, 0));
        let keys = self.key.for_writing()?.keystream(id, offset)?;
        self.keys = Some((keys, id.to_owned()));
        Ok(())
    }

    /// Whether the bytes are encrypted as they are written.
    pub fn is_encrypted(&self) -> bool {
        self.keys.is_some()
    }

    /// Encrypts `data` into the buffer, writing the buffer out whenever it is full.
    fn write_encrypted(&mut self, data: &[u8]) -> io::Result<()> {
        let mut rest = data;
        while !rest.is_empty() {
            let room = WRITE_BUFFER.saturating_sub(self.buffer.len()).max(1);
            let (now, later) = rest.split_at(room.min(rest.len()));
            let start = self.buffer.len();
            self.buffer.extend_from_slice(now);
            let Some((keys, _)) = self.keys.as_mut() else {
                return Err(io::Error::other("blob writer: no key stream"));
            };
            keys.apply(&mut self.buffer[start..]);
            if self.buffer.len() >= WRITE_BUFFER {
                self.flush_buffer()?;
            }
            rest = later;
        }
        Ok(())
    }

    /// Writes the buffer to the file.
    fn flush_buffer(&mut self) -> io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let buffered = std::mem::take(&mut self.buffer);
        let written = self.file().and_then(|f| f.write_all(&buffered));
        self.buffer = buffered;
        self.buffer.clear();
        written
    }

    /// The blob's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Bytes written so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Stops hashing: the caller hashes the same bytes itself (for instance on another
    /// thread, overlapping with the writes) and hands the digests to
    /// [`finish_with`](BlobWriter::finish_with). Call it before the first write.
    pub fn hash_elsewhere(&mut self) -> Result<(), StoreError> {
        if self.size != 0 {
            return Err(StoreError::Internal(
                "blob writer: hashing must move before the first write".into(),
            ));
        }
        self.digests = None;
        Ok(())
    }

    fn file(&mut self) -> io::Result<&mut File> {
        self.file
            .as_mut()
            .ok_or_else(|| io::Error::other("blob writer already finished"))
    }

    /// Counts written bytes and checks the free space every [`SPACE_CHECK_EVERY`] bytes.
    fn count(&mut self, n: usize) -> io::Result<()> {
        self.size += n as u64;
        self.unchecked += n as u64;
        if self.unchecked >= SPACE_CHECK_EVERY {
            self.unchecked = 0;
            if self.space.check().is_err() {
                return Err(io::Error::new(
                    io::ErrorKind::StorageFull,
                    "the free space kept for metadata is reached",
                ));
            }
        }
        Ok(())
    }

    /// Appends bytes (buffered) and feeds them to the hashes.
    ///
    /// Small writes collect in a buffer that grows only as far as needed (a 4 KiB object
    /// costs one 4 KiB allocation and one `write`); large ones go straight to the file.
    pub fn write(&mut self, data: &[u8]) -> io::Result<()> {
        if self.keys.is_some() {
            self.write_encrypted(data)?;
            if let Some(d) = self.digests.as_mut() {
                d.feed(data);
            }
            return self.count(data.len());
        }
        if self.buffer.len() + data.len() > WRITE_BUFFER {
            let buffered = std::mem::take(&mut self.buffer);
            self.file()?.write_all(&buffered)?;
            self.buffer = buffered;
            self.buffer.clear();
        }
        if data.len() >= WRITE_BUFFER {
            self.file()?.write_all(data)?;
        } else {
            self.buffer.extend_from_slice(data);
        }
        if let Some(d) = self.digests.as_mut() {
            d.feed(data);
        }
        self.count(data.len())
    }

    /// Appends chunks in order. Together at least 256 KiB go to the file in
    /// vectored writes straight from the chunks (no copy in this process); less is
    /// buffered.
    pub fn write_chunks(&mut self, chunks: &[Bytes]) -> io::Result<()> {
        let total: usize = chunks.iter().map(Bytes::len).sum();
        if self.keys.is_some() {
            for c in chunks {
                self.write_encrypted(c)?;
            }
            if let Some(d) = self.digests.as_mut() {
                d.feed_chunks(chunks);
            }
            return self.count(total);
        }
        if self.buffer.len() + total > WRITE_BUFFER {
            let buffered = std::mem::take(&mut self.buffer);
            self.file()?.write_all(&buffered)?;
            self.buffer = buffered;
            self.buffer.clear();
        }
        if total >= WRITE_BUFFER {
            write_all_vectored(self.file()?, chunks)?;
        } else {
            for c in chunks {
                self.buffer.extend_from_slice(c);
            }
        }
        if let Some(d) = self.digests.as_mut() {
            d.feed_chunks(chunks);
        }
        self.count(total)
    }

    /// Appends chunks in order straight to the file (after anything buffered), however few
    /// bytes they hold: for a body written batch by batch as it arrives, whose batches must
    /// not stay in memory while the client pauses.
    pub fn write_chunks_through(&mut self, chunks: &[Bytes]) -> io::Result<()> {
        let total: usize = chunks.iter().map(Bytes::len).sum();
        if self.keys.is_some() {
            for c in chunks {
                self.write_encrypted(c)?;
            }
            self.flush_buffer()?;
            if let Some(d) = self.digests.as_mut() {
                d.feed_chunks(chunks);
            }
            return self.count(total);
        }
        if !self.buffer.is_empty() {
            let buffered = std::mem::take(&mut self.buffer);
            self.file()?.write_all(&buffered)?;
        }
        write_all_vectored(self.file()?, chunks)?;
        if let Some(d) = self.digests.as_mut() {
            d.feed_chunks(chunks);
        }
        self.count(total)
    }

    /// Writes what is buffered and fsyncs the file (data and size); its bytes are then
    /// durable under the temporary name.
    pub fn finish(mut self) -> Result<PendingBlob, StoreError> {
        let digests = self
            .digests
            .take()
            .ok_or_else(|| {
                StoreError::Internal("blob writer: digests are computed elsewhere".into())
            })?
            .finish();
        self.finish_with(digests.0, digests.1)
    }

    /// [`finish`](BlobWriter::finish) for a writer whose bytes the caller hashed (see
    /// [`hash_elsewhere`](BlobWriter::hash_elsewhere)).
    pub fn finish_with(mut self, md5: [u8; 16], crc64: u64) -> Result<PendingBlob, StoreError> {
        let mut file = self
            .file
            .take()
            .ok_or_else(|| StoreError::Internal("blob writer already finished".into()))?;
        let path = std::mem::take(&mut self.path);
        self.finished = true;
        // From here on the pending blob (or, on failure, its drop) owns the file.
        let pending = PendingBlob {
            id: std::mem::take(&mut self.id),
            temp_path: path.clone(),
            size: self.size,
            md5,
            crc64,
            keyed_for: self.keys.take().map(|(_, id)| id),
        };
        file.write_all(&self.buffer)
            .map_err(io_context("write blob", &path))?;
        if self.durability == Durability::Fsync {
            file.sync_all().map_err(io_context("fsync blob", &path))?;
        }
        Ok(pending)
    }
}

/// Writes every byte of `chunks` to `file`, in as few `writev` calls as the kernel allows.
fn write_all_vectored(file: &mut File, chunks: &[Bytes]) -> io::Result<()> {
    let mut slices: Vec<io::IoSlice<'_>> = chunks
        .iter()
        .filter(|c| !c.is_empty())
        .map(|c| io::IoSlice::new(c))
        .collect();
    let mut rest = &mut slices[..];
    while !rest.is_empty() {
        match file.write_vectored(rest) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => io::IoSlice::advance_slices(&mut rest, n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

impl Write for BlobWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        BlobWriter::write(self, buf)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        let buffered = std::mem::take(&mut self.buffer);
        match self.file.as_mut() {
            Some(f) => {
                f.write_all(&buffered)?;
                Ok(())
            }
            None => Ok(()),
        }
    }
}

impl Drop for BlobWriter {
    fn drop(&mut self) {
        if !self.finished && self.file.take().is_some() && !self.path.as_os_str().is_empty() {
            let _ = fs::remove_file(&self.path);
        }
    }
}

impl PendingBlob {
    /// Takes the temporary path out, so that dropping `self` no longer deletes the file.
    pub(crate) fn take_temp_path(&mut self) -> PathBuf {
        std::mem::take(&mut self.temp_path)
    }
}

impl Drop for PendingBlob {
    fn drop(&mut self) {
        if !self.temp_path.as_os_str().is_empty() {
            let _ = fs::remove_file(&self.temp_path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use md5::{Digest, Md5};

    #[test]
    fn ids_are_random_hex() {
        let a = new_blob_id();
        let b = new_blob_id();
        assert!(is_blob_id(&a) && is_blob_id(&b));
        assert_ne!(a, b);
        assert!(!is_blob_id("../etc/passwd"));
        assert!(!is_blob_id(&a.to_uppercase()));
    }

    #[test]
    fn unfinished_writer_and_pending_blob_remove_their_files() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = BlobDir::open(dir.path(), Durability::Fsync).unwrap();
        let mut w = blobs.writer().unwrap();
        w.write(b"abc").unwrap();
        let tmp_file = dir.path().join("tmp").join(w.id());
        assert!(tmp_file.exists());
        drop(w);
        assert!(!tmp_file.exists());

        let mut w = blobs.writer().unwrap();
        w.write(b"abc").unwrap();
        let pending = w.finish().unwrap();
        assert!(pending.temp_path.exists());
        assert_eq!(std::fs::read(&pending.temp_path).unwrap(), b"abc");
        let path = pending.temp_path.clone();
        drop(pending);
        assert!(!path.exists());
    }

    #[test]
    fn finish_hashes_and_install_moves() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = BlobDir::open(dir.path(), Durability::Fsync).unwrap();
        let mut w = blobs.writer().unwrap();
        let big = vec![7u8; WRITE_BUFFER * 2 + 5];
        w.write(&big).unwrap();
        let pending = w.finish().unwrap();
        assert_eq!(pending.size, big.len() as u64);
        assert_eq!(pending.md5, <[u8; 16]>::from(Md5::digest(&big)));
        let tmp = pending.temp_path.clone();
        let id = blobs.install(pending).unwrap();
        assert!(!tmp.exists());
        let dest = blobs.path_of(&id).unwrap();
        assert!(dest.starts_with(dir.path().join("blobs").join(&id[..2])));
        assert_eq!(std::fs::read(dest).unwrap(), big);
    }

    #[test]
    fn chunks_hashed_elsewhere_land_in_order_with_the_given_digests() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = BlobDir::open(dir.path(), Durability::Fsync).unwrap();
        let mut w = blobs.writer().unwrap();
        w.hash_elsewhere().unwrap();
        let mut hasher = Digests::inline();
        let data: Vec<u8> = (0..WRITE_BUFFER * 5 + 77)
            .map(|i| (i % 249) as u8)
            .collect();
        // Small batches (buffered), a large one (vectored write), then small again.
        for piece in [&data[..1000], &data[1000..3000]] {
            let chunk = [Bytes::copy_from_slice(piece)];
            w.write_chunks(&chunk).unwrap();
            hasher.feed_chunks(&chunk);
        }
        let big: Vec<Bytes> = data[3000..WRITE_BUFFER * 4]
            .chunks(70_000)
            .map(Bytes::copy_from_slice)
            .collect();
        w.write_chunks(&big).unwrap();
        hasher.feed_chunks(&big);
        w.write(&data[WRITE_BUFFER * 4..]).unwrap();
        hasher.feed(&data[WRITE_BUFFER * 4..]);
        assert!(
            w.hash_elsewhere().is_err(),
            "too late after the first write"
        );
        let (md5, crc) = hasher.finish();
        let pending = w.finish_with(md5, crc).unwrap();
        assert_eq!(pending.size, data.len() as u64);
        assert_eq!(pending.md5, <[u8; 16]>::from(Md5::digest(&data)));
        assert_eq!(pending.crc64, osskit_proto::crc64::crc64(&data));
        assert_eq!(std::fs::read(&pending.temp_path).unwrap(), data);
    }

    #[test]
    fn a_writer_stops_at_the_reserve() {
        let dir = tempfile::tempdir().unwrap();
        let free = DiskSpace::new(dir.path(), 1).available().unwrap();
        // A reserve larger than what is free refuses new blobs outright.
        let blobs = BlobDir::open(dir.path(), Durability::Volatile)
            .unwrap()
            .with_reserve(free.saturating_mul(2).max(1 << 40));
        assert!(matches!(blobs.writer(), Err(StoreError::DiskFull)));
        let blobs = BlobDir::open(dir.path(), Durability::Volatile).unwrap();
        assert!(blobs.writer().is_ok());
        assert!(is_disk_full(&io::Error::from_raw_os_error(28)));
        assert!(!is_disk_full(&io::Error::from_raw_os_error(2)));
    }

    #[test]
    fn object_data_reads_ranges_across_extents() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = BlobDir::open(dir.path(), Durability::Volatile).unwrap();
        let mut ids = Vec::new();
        for bytes in [&b"0123456789"[..], b"abcdefghij"] {
            let mut w = blobs.writer().unwrap();
            w.write(bytes).unwrap();
            ids.push(blobs.install(w.finish().unwrap()).unwrap());
        }
        let extents = Extents::from_extents([
            Extent::new(ids[0].clone(), 2, 5),
            Extent::new(ids[1].clone(), 0, 3),
            Extent::new(ids[0].clone(), 0, 1),
        ]);
        let data = ObjectData::new(extents, blobs.clone(), None);
        assert_eq!(data.len(), 9);
        assert_eq!(data.read_range(0, 9).unwrap(), b"23456abc0");
        assert_eq!(data.read_range(4, 3).unwrap(), b"6ab");
        assert_eq!(data.read_range(8, 100).unwrap(), b"0");
        blobs.remove(&ids[1]);
        assert!(data.read_range(0, 9).is_err(), "a missing file is an error");
    }

    #[test]
    fn sweep_keeps_referenced_blobs_only() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = BlobDir::open(dir.path(), Durability::Volatile).unwrap();
        let mut ids = Vec::new();
        for _ in 0..3 {
            let w = blobs.writer().unwrap();
            ids.push(blobs.install(w.finish().unwrap()).unwrap());
        }
        let keep: HashSet<String> = ids[..1].iter().cloned().collect();
        assert_eq!(blobs.sweep(&keep).unwrap(), 2);
        assert!(blobs.path_of(&ids[0]).unwrap().exists());
        assert!(!blobs.path_of(&ids[1]).unwrap().exists());
        std::fs::write(dir.path().join("tmp").join("junk"), b"x").unwrap();
        assert_eq!(blobs.clear_tmp().unwrap(), 1);
    }
}
