//! Object bytes served straight from the page cache: a byte range of a blob file is mapped
//! into memory and handed to the connection as [`Bytes`] that own the mapping, so a GET
//! copies every byte once (page cache → socket) instead of twice (page cache → buffer →
//! socket). The mapping goes when the last frame cut from it is dropped.
//!
//! Mapping a file is `unsafe` in Rust because another writer could change or cut the mapped
//! bytes while they are read. The store never does that to the bytes an extent names: blobs
//! are written under a temporary name and renamed into place, and are then never rewritten;
//! several objects may share a blob, and a blob is unlinked only once no extent names it and
//! no reader holds a lease on it (a mapping keeps an unlinked file's pages anyway); an
//! appendable object's blob only grows, its appends writing past every size an extent has
//! named (they cut the file back to the object's committed size first, never below it). A
//! GET maps only bytes of the extents its metadata recorded.

use bytes::Bytes;
use std::io::{Read, Seek, SeekFrom};

/// A mapped range, owned by the [`Bytes`] frames cut from it.
struct Window(memmap2::Mmap);

impl AsRef<[u8]> for Window {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// `len` bytes of `file` from `offset` as [`Bytes`]: mapped from the page cache (with
/// `populate`, the pages are mapped in one system call instead of faulted one by one), or,
/// where the file cannot be mapped, read into a buffer. Blocking: call it on a blocking
/// thread. A file shorter than `offset + len` is an error of kind `UnexpectedEof`.
pub fn map_range(
    file: &std::fs::File,
    offset: u64,
    len: usize,
    populate: bool,
) -> std::io::Result<Bytes> {
    let file_len = file.metadata()?.len();
    if offset.saturating_add(len as u64) > file_len {
        return Err(crate::store::data::short_data());
    }
    if len == 0 {
        return Ok(Bytes::new());
    }
    match map(file, offset, len, populate) {
        Ok(window) => Ok(Bytes::from_owner(Window(window))),
        Err(_) => read_range(file, offset, len),
    }
}

/// Reads `len` bytes of `file` from `offset` into a fresh buffer.
fn read_range(file: &std::fs::File, offset: u64, len: usize) -> std::io::Result<Bytes> {
    let mut file = file;
    file.seek(SeekFrom::Start(offset))?;
    // `read_to_end` fills the spare capacity without zeroing it first.
    let mut buf = Vec::with_capacity(len);
    file.take(len as u64).read_to_end(&mut buf)?;
    if buf.len() < len {
        return Err(crate::store::data::short_data());
    }
    Ok(Bytes::from(buf))
}

/// Maps `len` bytes of `file` at `offset`, read-only (prefaulted when `populate`).
#[allow(unsafe_code)]
fn map(
    file: &std::fs::File,
    offset: u64,
    len: usize,
    populate: bool,
) -> std::io::Result<memmap2::Mmap> {
    let mut options = memmap2::MmapOptions::new();
    options.offset(offset).len(len);
    if populate {
        options.populate();
    }
    // SAFETY: the mapped range lies inside an extent of an object, whose bytes the store
    // never rewrites or cuts while any extent names them or a reader holds them (see the
    // module documentation); the mapping is read-only and private to this process.
    unsafe { options.map(file) }
}

/// Blobs shorter than this are mapped window by window, never kept mapped.
const CACHE_MIN_BLOB: u64 = 4 * 1024 * 1024;

/// Whole-blob mappings kept from one GET to the next (the in-memory store's).
///
/// On a RAM file system the bytes are in memory already and mapping them costs only the
/// page tables, but setting those up for every window of every GET (and tearing them down
/// after) took a third of the server's time on a large download: a blob read once stays
/// mapped, and later GETs cut their frames from that mapping. At most `cap` bytes are kept
/// mapped, the least recently read blobs going first; a blob's mapping is dropped from the
/// cache when the blob is removed (frames still being sent keep it until they are sent, as
/// with any mapping). A whole-blob mapping may cover bytes past the committed size of an
/// appendable object (leftovers a later append cuts); frames are only cut from the ranges
/// extents name, which are never cut (see the module documentation), so nothing past the
/// end of a file is ever read.
pub struct MapCache {
    cap: u64,
    state: std::sync::Mutex<CacheState>,
}

#[derive(Default)]
struct CacheState {
    /// Blob id → (its mapping, when it was last read).
    blobs: std::collections::HashMap<String, (Bytes, u64)>,
    mapped: u64,
    clock: u64,
}

impl CacheState {
    /// Drops the mapping of blob `id`, if kept, from the cache and its count.
    fn drop_blob(&mut self, id: &str) {
        if let Some((old, _)) = self.blobs.remove(id) {
            self.mapped -= old.len() as u64;
        }
    }
}

impl std::fmt::Debug for MapCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.lock();
        f.debug_struct("MapCache")
            .field("cap", &self.cap)
            .field("blobs", &state.blobs.len())
            .field("mapped", &state.mapped)
            .finish()
    }
}

impl MapCache {
    /// A cache keeping at most `cap` bytes mapped.
    pub fn new(cap: u64) -> MapCache {
        MapCache {
            cap,
            state: std::sync::Mutex::new(CacheState::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, CacheState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `len` bytes from `offset` of blob `id`, when the blob is mapped and that long.
    pub fn get(&self, id: &str, offset: u64, len: usize) -> Option<Bytes> {
        let mut state = self.lock();
        state.clock += 1;
        let clock = state.clock;
        let (bytes, used) = state.blobs.get_mut(id)?;
        let end = offset.checked_add(len as u64)?;
        if end > bytes.len() as u64 {
            return None;
        }
        *used = clock;
        Some(bytes.slice(offset as usize..end as usize))
    }

    /// `len` bytes from `offset` of blob `id`, whose open file is `file`: from the cache,
    /// or by mapping the whole file and keeping it. `None` (map the window alone) when the
    /// blob is small, larger than the cache, shorter than the range or cannot be mapped.
    /// Blocking: call it on a blocking thread.
    pub fn get_or_map(
        &self,
        id: &str,
        file: &std::fs::File,
        offset: u64,
        len: usize,
    ) -> Option<Bytes> {
        if let Some(bytes) = self.get(id, offset, len) {
            return Some(bytes);
        }
        let file_len = file.metadata().ok()?.len();
        let end = offset.checked_add(len as u64)?;
        if file_len < CACHE_MIN_BLOB || file_len > self.cap || end > file_len {
            return None;
        }
        let whole = Bytes::from_owner(Window(
            map(file, 0, usize::try_from(file_len).ok()?, false).ok()?,
        ));
        let out = whole.slice(offset as usize..end as usize);
        let mut state = self.lock();
        state.drop_blob(id);
        while state.mapped + file_len > self.cap {
            let Some(oldest) = state
                .blobs
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            state.drop_blob(&oldest);
        }
        state.clock += 1;
        let clock = state.clock;
        state.mapped += file_len;
        state.blobs.insert(id.to_string(), (whole, clock));
        Some(out)
    }

    /// Drops the mapping of blob `id` (removed from the store).
    pub fn forget(&self, id: &str) {
        self.lock().drop_blob(id);
    }

    /// Bytes kept mapped.
    pub fn mapped(&self) -> u64 {
        self.lock().mapped
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file_of(data: &[u8]) -> std::fs::File {
        let mut f = tempfile::tempfile().unwrap();
        f.write_all(data).unwrap();
        f
    }

    #[test]
    fn ranges_at_unaligned_offsets() {
        let data: Vec<u8> = (0..3 * 1024 * 1024 + 12345)
            .map(|i| (i * 7 % 251) as u8)
            .collect();
        let f = file_of(&data);
        for populate in [false, true] {
            for (start, len) in [(0u64, data.len()), (4097, 2 * 1024 * 1024 + 5), (1, 1)] {
                let got = map_range(&f, start, len, populate).unwrap();
                assert_eq!(&got[..], &data[start as usize..start as usize + len]);
            }
        }
        assert!(map_range(&f, 5, 0, true).unwrap().is_empty());
    }

    #[test]
    fn a_range_past_the_end_of_the_file_is_an_error() {
        let f = file_of(b"abcdef");
        let e = map_range(&f, 2, 10, false).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::UnexpectedEof);
    }

    #[test]
    fn frames_outlive_the_file_and_its_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("blob");
        std::fs::write(&path, vec![9u8; 100_000]).unwrap();
        let f = std::fs::File::open(&path).unwrap();
        let bytes = map_range(&f, 0, 100_000, true).unwrap();
        drop(f);
        // The object is deleted (its blob unlinked) while its frames are still queued.
        std::fs::remove_file(&path).unwrap();
        let frames: Vec<Bytes> = (0..4)
            .map(|i| bytes.slice(i * 25_000..(i + 1) * 25_000))
            .collect();
        drop(bytes);
        assert!(frames.iter().all(|f| f.iter().all(|&b| b == 9)));
    }

    #[test]
    fn the_read_fallback_reads_the_same_range() {
        let data: Vec<u8> = (0..200_000).map(|i| (i % 253) as u8).collect();
        let f = file_of(&data);
        assert_eq!(&read_range(&f, 3, 100_007).unwrap()[..], &data[3..100_010]);
        assert!(read_range(&f, 199_999, 2).is_err());
    }

    #[test]
    fn the_cache_keeps_large_blobs_mapped_within_its_cap() {
        let mib = 1024 * 1024;
        let a: Vec<u8> = (0..5 * mib).map(|i| (i % 251) as u8).collect();
        let b: Vec<u8> = (0..5 * mib).map(|i| (i % 241) as u8).collect();
        let (fa, fb) = (file_of(&a), file_of(&b));
        let cache = MapCache::new(8 * mib as u64);
        // Nothing is mapped before a first read maps the whole blob.
        assert!(cache.get("a", 0, 10).is_none());
        let got = cache.get_or_map("a", &fa, 7, 3 * mib).unwrap();
        assert_eq!(&got[..], &a[7..7 + 3 * mib]);
        assert_eq!(cache.mapped(), a.len() as u64);
        // Later reads are cut from that mapping, without the file.
        let got = cache.get("a", 4 * mib as u64, mib).unwrap();
        assert_eq!(&got[..], &a[4 * mib..]);
        assert!(cache.get("a", 4 * mib as u64, mib + 1).is_none());
        // A second blob does not fit beside the first: the least recently read goes.
        let got = cache.get_or_map("b", &fb, 0, 100).unwrap();
        assert_eq!(&got[..], &b[..100]);
        assert!(cache.get("a", 0, 1).is_none());
        assert_eq!(cache.mapped(), b.len() as u64);
        // Frames cut before the blob is forgotten stay readable.
        let held = cache.get("b", mib as u64, 10).unwrap();
        cache.forget("b");
        assert_eq!(cache.mapped(), 0);
        assert!(cache.get("b", 0, 1).is_none());
        assert_eq!(&held[..], &b[mib..mib + 10]);
    }

    #[test]
    fn small_blobs_and_ranges_past_the_file_are_not_cached() {
        let small = file_of(&[1u8; 1000]);
        let cache = MapCache::new(1 << 30);
        assert!(cache.get_or_map("s", &small, 0, 10).is_none());
        let data = vec![3u8; 5 * 1024 * 1024];
        let mut grown = file_of(&data);
        assert!(cache.get_or_map("g", &grown, 0, data.len() + 1).is_none());
        assert!(cache.get_or_map("g", &grown, 0, data.len()).is_some());
        // An appendable object's blob grows: a range past the kept mapping maps it again.
        grown.write_all(&[4u8; 10]).unwrap();
        let got = cache
            .get_or_map("g", &grown, data.len() as u64, 10)
            .unwrap();
        assert_eq!(&got[..], &[4u8; 10]);
        assert_eq!(cache.mapped(), data.len() as u64 + 10);
        assert_eq!(cache.get("s", 0, 1), None);
    }
}
