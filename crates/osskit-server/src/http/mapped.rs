//! Object bytes served straight from the page cache: the file is mapped into memory in
//! windows and each window is handed to the connection as [`Bytes`], so a GET copies every
//! byte once (page cache → socket) instead of twice (page cache → buffer → socket).
//!
//! Mapping a file is `unsafe` in Rust because another writer could change or cut the mapped
//! bytes while they are read. The store never does that to the bytes of a committed object:
//! blobs are written under a temporary name and renamed into place, overwrites and deletes
//! install a new blob or unlink the old one (a mapping keeps an unlinked file's pages), and
//! an append only writes past the object's committed size (it cuts the file back to that
//! size first, never below it). A GET maps only bytes below the size its metadata recorded.

use bytes::Bytes;
use tokio::sync::mpsc;

use super::body::CHUNK_SIZE;

/// Bytes mapped at a time (and prefaulted in one system call).
pub const MAP_WINDOW: usize = 8 * 1024 * 1024;

/// Why mapped sending stopped.
#[derive(Debug)]
pub enum MapError {
    /// The receiver went away (the client closed the connection).
    Closed,
    /// The file cannot be mapped (nothing was sent yet): read it instead.
    Unsupported,
    /// Reading failed after some bytes were sent.
    Io(std::io::Error),
}

/// A mapped window, owned by the [`Bytes`] frames cut from it.
struct Window(memmap2::Mmap);

impl AsRef<[u8]> for Window {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// Sends `len` bytes of `file` from `start` over `tx` as frames of at most [`CHUNK_SIZE`]
/// cut from mapped windows of [`MAP_WINDOW`] bytes.
pub fn send_mapped(
    file: &std::fs::File,
    start: u64,
    len: u64,
    tx: &mpsc::Sender<std::io::Result<Bytes>>,
) -> Result<(), MapError> {
    send_windows(file, start, len, MAP_WINDOW, tx)
}

/// [`send_mapped`] with windows of `window` bytes.
fn send_windows(
    file: &std::fs::File,
    start: u64,
    len: u64,
    window: usize,
    tx: &mpsc::Sender<std::io::Result<Bytes>>,
) -> Result<(), MapError> {
    let file_len = file.metadata().map_err(|_| MapError::Unsupported)?.len();
    if start.saturating_add(len) > file_len {
        return Err(MapError::Io(super::body::short_file()));
    }
    let mut offset = start;
    let end = start + len;
    let mut first = true;
    while offset < end {
        let size = (end - offset).min(window as u64) as usize;
        let window = match map(file, offset, size) {
            Ok(w) => w,
            Err(_) if first => return Err(MapError::Unsupported),
            Err(e) => return Err(MapError::Io(e)),
        };
        first = false;
        let window = Bytes::from_owner(Window(window));
        let mut at = 0;
        while at < size {
            let n = (size - at).min(CHUNK_SIZE);
            if tx.blocking_send(Ok(window.slice(at..at + n))).is_err() {
                return Err(MapError::Closed);
            }
            at += n;
        }
        offset += size as u64;
    }
    Ok(())
}

/// Maps `len` bytes of `file` at `offset`, read-only and prefaulted.
#[allow(unsafe_code)]
fn map(file: &std::fs::File, offset: u64, len: usize) -> std::io::Result<memmap2::Mmap> {
    // SAFETY: the mapped range lies below the object's committed size, which the store never
    // rewrites or cuts while the object exists (see the module documentation); the mapping is
    // read-only and private to this process.
    unsafe {
        memmap2::MmapOptions::new()
            .offset(offset)
            .len(len)
            .populate()
            .map(file)
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

    /// Runs `send_windows` on a blocking thread and collects the frames.
    async fn frames(
        data: &[u8],
        start: u64,
        len: u64,
        window: usize,
    ) -> (Result<(), MapError>, Vec<Bytes>) {
        let f = file_of(data);
        let (tx, mut rx) = mpsc::channel(2);
        let task = tokio::task::spawn_blocking(move || send_windows(&f, start, len, window, &tx));
        let mut got = Vec::new();
        while let Some(frame) = rx.recv().await {
            got.push(frame.unwrap());
        }
        (task.await.unwrap(), got)
    }

    #[tokio::test]
    async fn ranges_across_windows_at_unaligned_offsets() {
        let data: Vec<u8> = (0..(3 * CHUNK_SIZE + 12345))
            .map(|i| (i * 7 % 251) as u8)
            .collect();
        // Windows smaller than, equal to and larger than a frame; offsets off the page size.
        for window in [4096 * 3, CHUNK_SIZE, 2 * CHUNK_SIZE + 4096] {
            for (start, len) in [
                (0u64, data.len() as u64),
                (4097, 2 * CHUNK_SIZE as u64 + 5),
                (1, 1),
            ] {
                let (res, got) = frames(&data, start, len, window).await;
                assert!(res.is_ok(), "window {window} start {start}: {res:?}");
                assert!(got.iter().all(|f| f.len() <= CHUNK_SIZE && !f.is_empty()));
                let joined: Vec<u8> = got.iter().flat_map(|f| f.iter().copied()).collect();
                assert_eq!(
                    joined,
                    &data[start as usize..(start + len) as usize],
                    "window {window} start {start} len {len}"
                );
            }
        }
    }

    #[tokio::test]
    async fn a_range_past_the_end_of_the_file_is_an_error_before_any_byte() {
        let (res, got) = frames(b"abcdef", 2, 10, MAP_WINDOW).await;
        assert!(
            matches!(res, Err(MapError::Io(ref e)) if e.kind() == std::io::ErrorKind::UnexpectedEof)
        );
        assert!(got.is_empty());
    }

    #[tokio::test]
    async fn frames_outlive_the_file_and_its_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("blob");
        std::fs::write(&path, vec![9u8; 100_000]).unwrap();
        let f = std::fs::File::open(&path).unwrap();
        let (tx, mut rx) = mpsc::channel(4);
        let task = tokio::task::spawn_blocking(move || send_windows(&f, 0, 100_000, 65536, &tx));
        task.await.unwrap().unwrap();
        // The object is deleted (its blob unlinked) while its frames are still queued.
        std::fs::remove_file(&path).unwrap();
        let mut total = 0;
        while let Some(frame) = rx.recv().await {
            let frame = frame.unwrap();
            assert!(frame.iter().all(|&b| b == 9));
            total += frame.len();
        }
        assert_eq!(total, 100_000);
    }

    #[tokio::test]
    async fn sending_stops_when_the_receiver_goes_away() {
        let f = file_of(&vec![1u8; 3 * CHUNK_SIZE]);
        let (tx, rx) = mpsc::channel(1);
        drop(rx);
        let res = tokio::task::spawn_blocking(move || {
            send_windows(&f, 0, 3 * CHUNK_SIZE as u64, MAP_WINDOW, &tx)
        })
        .await
        .unwrap();
        assert!(matches!(res, Err(MapError::Closed)));
    }
}
