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
}
