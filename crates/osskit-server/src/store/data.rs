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
//! Dropping an unfinished writer or an uninstalled [`PendingBlob`] removes its temporary file.

use std::collections::HashSet;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use bytes::Bytes;

use super::cipher::{BlobCipher, Decrypting, KeyStream};
use super::digest::Digests;
use super::{PendingBlob, StoreError};

/// Most bytes a blob writer keeps before writing them to its file; writes at least this
/// large go to the file directly.
const WRITE_BUFFER: usize = 256 * 1024;

/// Length of a blob id in hex characters.
const ID_LEN: usize = 32;

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

/// Wraps an I/O error with what was being done and to which path.
fn io_context<'p>(what: &'static str, path: &'p Path) -> impl FnOnce(io::Error) -> StoreError + 'p {
    move |e| StoreError::Internal(format!("{what} {}: {e}", path.display()))
}

/// Fsyncs a directory so that a rename or creation inside it is durable.
fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_context("fsync directory", dir))
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
    /// The key of encrypted blobs (`root/sse.key`).
    cipher: Arc<BlobCipher>,
}

impl BlobDir {
    /// Creates (if needed) `root/tmp/` and `root/blobs/00..ff/`, and loads (or creates)
    /// the encryption key `root/sse.key`.
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
        let cipher = Arc::new(BlobCipher::load_or_create(root)?);
        Ok(BlobDir {
            tmp,
            blobs,
            durability,
            started: Arc::new(AtomicU64::new(rand::random::<u64>() & !(BLOBS_PER_FAN - 1))),
            cipher,
        })
    }

    /// The key of encrypted blobs.
    pub fn cipher(&self) -> &BlobCipher {
        &self.cipher
    }

    /// A reader of the first `len` bytes of installed blob `id` that yields plain bytes:
    /// decrypted when `encrypted`.
    pub fn reader(
        &self,
        id: &str,
        len: u64,
        encrypted: bool,
    ) -> Result<Box<dyn Read + Send>, StoreError> {
        let file = self.open_blob(id)?.take(len);
        if encrypted {
            Ok(Box::new(Decrypting::new(
                file,
                self.cipher.keystream(id, 0)?,
            )))
        } else {
            Ok(Box::new(file))
        }
    }

    /// The path of an installed blob.
    pub fn path_of(&self, id: &str) -> Result<PathBuf, StoreError> {
        if !is_blob_id(id) {
            return Err(StoreError::Internal(format!("invalid blob id {id:?}")));
        }
        Ok(self.blobs.join(&id[..2]).join(id))
    }

    /// Starts a new blob in `tmp/`.
    pub fn writer(&self) -> Result<BlobWriter, StoreError> {
        let n = self.started.fetch_add(1, Ordering::Relaxed);
        let fan = ((n / BLOBS_PER_FAN) % 256) as u8;
        BlobWriter::create(&self.tmp, blob_id_in(fan), self.durability)
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
    /// fsyncs it.
    pub fn append(&self, id: &str, at: u64, src: &PendingBlob) -> Result<(), StoreError> {
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

    /// Copies the first `len` bytes of `src` into a new pending blob (streaming).
    pub fn copy_from(&self, src: File, len: u64) -> Result<PendingBlob, StoreError> {
        self.copy_between(src, len, None, false)
    }

    /// Copies the first `len` bytes of `src` into a new pending blob (streaming):
    /// `src_id` names the blob `src` reads when its bytes are encrypted, and `encrypt`
    /// encrypts the copy (under its own key stream).
    pub fn copy_between(
        &self,
        src: File,
        len: u64,
        src_id: Option<&str>,
        encrypt: bool,
    ) -> Result<PendingBlob, StoreError> {
        let mut writer = self.writer()?;
        if encrypt {
            writer.encrypt(&self.cipher, None)?;
        }
        let mut src: Box<dyn Read> = match src_id {
            Some(id) => Box::new(Decrypting::new(
                src.take(len),
                self.cipher.keystream(id, 0)?,
            )),
            None => Box::new(src.take(len)),
        };
        let copied = io::copy(&mut src, &mut writer)
            .map_err(|e| StoreError::Internal(format!("copy object bytes: {e}")))?;
        if copied != len {
            return Err(StoreError::Internal(format!(
                "object blob holds {copied} bytes, metadata says {len}"
            )));
        }
        writer.finish()
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

    /// Deletes every installed blob whose id is not in `keep` (orphans of a crash between a
    /// rename and a commit, or between a commit and the removal of a replaced blob). One pass
    /// over the files. Returns how many were removed.
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

/// Streams bytes into a new blob file under a temporary name, hashing them (MD5 and
/// CRC-64/XZ) on the way. [`finish`](BlobWriter::finish) flushes and fsyncs the file and
/// returns a [`PendingBlob`]; dropping an unfinished writer deletes the file.
///
/// It implements [`std::io::Write`], so `std::io::copy` can fill it.
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
    /// MD5 and CRC-64 of everything written (`None` once taken by `finish`).
    digests: Option<Digests>,
    size: u64,
    durability: Durability,
    /// With [`BlobWriter::encrypt`]: the key stream and the blob it belongs to.
    keys: Option<(KeyStream, String)>,
}

impl BlobWriter {
    /// Creates `dir/<id>`.
    fn create(dir: &Path, id: String, durability: Durability) -> Result<BlobWriter, StoreError> {
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
            keys: None,
        })
    }

    /// Encrypts everything written from now on with `cipher` (the digests stay those of
    /// the plain bytes). The key stream is the blob's own, or with `Some((id, offset))`
    /// that of blob `id` from byte `offset`: the bytes of an append to `id` at `offset`.
    /// Call it before the first write.
    pub fn encrypt(
        &mut self,
        cipher: &BlobCipher,
        target: Option<(&str, u64)>,
    ) -> Result<(), StoreError> {
        if self.size != 0 {
            return Err(StoreError::Internal(
                "blob writer: encryption must start before the first write".into(),
            ));
        }
        let (id, offset) = target.unwrap_or((&self.id, 0));
        let keys = cipher.keystream(id, offset)?;
        self.keys = Some((keys, id.to_owned()));
        Ok(())
    }

    /// Encrypts `data` into the buffer, writing the buffer out when it is full.
    fn write_encrypted(&mut self, data: &[u8]) -> io::Result<()> {
        let (Some(file), Some((keys, _))) = (self.file.as_mut(), self.keys.as_mut()) else {
            return Err(io::Error::other("blob writer already finished"));
        };
        let mut rest = data;
        while !rest.is_empty() {
            let room = WRITE_BUFFER.saturating_sub(self.buffer.len()).max(1);
            let (now, later) = rest.split_at(room.min(rest.len()));
            let start = self.buffer.len();
            self.buffer.extend_from_slice(now);
            keys.apply(&mut self.buffer[start..]);
            if self.buffer.len() >= WRITE_BUFFER {
                file.write_all(&self.buffer)?;
                self.buffer.clear();
            }
            rest = later;
        }
        Ok(())
    }

    /// The blob's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Bytes written so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Moves the hashing of everything written from now on to a thread of its own, so that
    /// hashing and writing overlap (for large blobs; starting the thread costs more than
    /// hashing a small one). Call it before the first write.
    pub fn hash_in_background(&mut self) -> Result<(), StoreError> {
        if self.size != 0 {
            return Err(StoreError::Internal(
                "blob writer: background hashing must start before the first write".into(),
            ));
        }
        if !self.digests.as_ref().is_some_and(Digests::is_background) {
            self.digests = Some(Digests::background()?);
        }
        Ok(())
    }

    fn digests(&mut self) -> io::Result<&mut Digests> {
        self.digests
            .as_mut()
            .ok_or_else(|| io::Error::other("blob writer already finished"))
    }

    /// Appends bytes (buffered) and feeds them to the hashes.
    ///
    /// Small writes collect in a buffer that grows only as far as needed (a 4 KiB object
    /// costs one 4 KiB allocation and one `write`); large ones go straight to the file.
    pub fn write(&mut self, data: &[u8]) -> io::Result<()> {
        if self.keys.is_some() {
            self.write_encrypted(data)?;
            self.digests()?.feed(data).map_err(io::Error::other)?;
            self.size += data.len() as u64;
            return Ok(());
        }
        let file = self
            .file
            .as_mut()
            .ok_or_else(|| io::Error::other("blob writer already finished"))?;
        if self.buffer.len() + data.len() > WRITE_BUFFER {
            file.write_all(&self.buffer)?;
            self.buffer.clear();
        }
        if data.len() >= WRITE_BUFFER {
            file.write_all(data)?;
        } else {
            self.buffer.extend_from_slice(data);
        }
        self.digests()?.feed(data).map_err(io::Error::other)?;
        self.size += data.len() as u64;
        Ok(())
    }

    /// Appends chunks in order. Together at least `WRITE_BUFFER` bytes go to the file in
    /// vectored writes straight from the chunks (no copy in this process); less is
    /// buffered. With [`hash_in_background`](BlobWriter::hash_in_background) the hasher
    /// gets the same chunks by reference.
    pub fn write_chunks(&mut self, chunks: &[Bytes]) -> io::Result<()> {
        if self.keys.is_some() {
            for c in chunks {
                self.write_encrypted(c)?;
            }
            self.digests()?
                .feed_chunks(chunks)
                .map_err(io::Error::other)?;
            self.size += chunks.iter().map(|c| c.len() as u64).sum::<u64>();
            return Ok(());
        }
        let file = self
            .file
            .as_mut()
            .ok_or_else(|| io::Error::other("blob writer already finished"))?;
        let total: usize = chunks.iter().map(Bytes::len).sum();
        if self.buffer.len() + total > WRITE_BUFFER {
            file.write_all(&self.buffer)?;
            self.buffer.clear();
        }
        if total >= WRITE_BUFFER {
            write_all_vectored(file, chunks)?;
        } else {
            for c in chunks {
                self.buffer.extend_from_slice(c);
            }
        }
        self.digests()?
            .feed_chunks(chunks)
            .map_err(io::Error::other)?;
        self.size += total as u64;
        Ok(())
    }

    /// Writes what is buffered and fsyncs the file (data and size, `fdatasync`); its bytes
    /// are then durable under the temporary name.
    pub fn finish(mut self) -> Result<PendingBlob, StoreError> {
        let mut file = self
            .file
            .take()
            .ok_or_else(|| StoreError::Internal("blob writer already finished".into()))?;
        let path = std::mem::take(&mut self.path);
        let digests = self.digests.take().map(Digests::finish);
        // From here on the pending blob (or this function on failure) owns the file.
        let mut pending = PendingBlob {
            id: std::mem::take(&mut self.id),
            temp_path: path.clone(),
            size: self.size,
            md5: [0; 16],
            crc64: 0,
            keyed_for: self.keys.take().map(|(_, id)| id),
        };
        (pending.md5, pending.crc64) = digests
            .ok_or_else(|| StoreError::Internal("blob writer already finished".into()))??;
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
        match self.file.as_mut() {
            Some(f) => {
                f.write_all(&self.buffer)?;
                self.buffer.clear();
                Ok(())
            }
            None => Ok(()),
        }
    }
}

impl Drop for BlobWriter {
    fn drop(&mut self) {
        if self.file.take().is_some() && !self.path.as_os_str().is_empty() {
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
    fn chunks_with_background_hashing_land_in_order_with_their_digests() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = BlobDir::open(dir.path(), Durability::Fsync).unwrap();
        let mut w = blobs.writer().unwrap();
        w.hash_in_background().unwrap();
        let data: Vec<u8> = (0..WRITE_BUFFER * 5 + 77)
            .map(|i| (i % 249) as u8)
            .collect();
        let mut expect = Vec::new();
        // Small batches (buffered), a large one (vectored write), then small again.
        for piece in [&data[..1000], &data[1000..3000]] {
            w.write_chunks(&[Bytes::copy_from_slice(piece)]).unwrap();
            expect.extend_from_slice(piece);
        }
        let big: Vec<Bytes> = data[3000..WRITE_BUFFER * 4]
            .chunks(70_000)
            .map(Bytes::copy_from_slice)
            .collect();
        w.write_chunks(&big).unwrap();
        expect.extend_from_slice(&data[3000..WRITE_BUFFER * 4]);
        w.write(&data[WRITE_BUFFER * 4..]).unwrap();
        expect.extend_from_slice(&data[WRITE_BUFFER * 4..]);
        assert!(
            w.hash_in_background().is_err(),
            "too late after the first write"
        );
        let pending = w.finish().unwrap();
        assert_eq!(expect, data);
        assert_eq!(pending.size, data.len() as u64);
        assert_eq!(pending.md5, <[u8; 16]>::from(Md5::digest(&data)));
        assert_eq!(pending.crc64, osskit_proto::crc64::crc64(&data));
        assert_eq!(std::fs::read(&pending.temp_path).unwrap(), data);
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
