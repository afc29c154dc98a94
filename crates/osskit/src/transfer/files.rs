//! Positioned reads and writes of local files, run on the blocking thread pool.

use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use bytes::Bytes;
use md5::{Digest, Md5};
use osskit_proto::crc64::Crc64;

use crate::error::{Error, Result};
use crate::transfer::checkpoint::io_error;

/// Runs blocking file work off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> std::io::Result<T> + Send + 'static,
    what: &'static str,
    path: PathBuf,
) -> Result<T> {
    let shown = path.clone();
    match tokio::task::spawn_blocking(f).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(io_error(e, what, &shown)),
        Err(e) => Err(Error::Io(std::io::Error::other(format!(
            "{what} {}: {e}",
            shown.display()
        )))),
    }
}

fn open_at(path: &Path, offset: u64) -> std::io::Result<std::fs::File> {
    let mut f = std::fs::File::open(path)?;
    f.seek(SeekFrom::Start(offset))?;
    Ok(f)
}

/// Exactly `len` bytes of `path` from `offset`, read into `buf` (emptied first; its
/// allocation is reused when it is large enough); a file that became shorter is an error.
pub(crate) async fn read_range(
    path: &Path,
    offset: u64,
    len: u64,
    mut buf: Vec<u8>,
) -> Result<Bytes> {
    let p = path.to_path_buf();
    blocking(
        move || {
            let size = usize::try_from(len).map_err(|_| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    format!("a part of {len} bytes does not fit in memory"),
                )
            })?;
            buf.clear();
            buf.reserve_exact(size);
            let f = open_at(&p, offset)?;
            f.take(len).read_to_end(&mut buf)?;
            if buf.len() != size {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    format!(
                        "{len} bytes at offset {offset} could not be read (did the file change?): \
                         the file ended after {} bytes",
                        buf.len()
                    ),
                ));
            }
            Ok(Bytes::from(buf))
        },
        "cannot read",
        path.to_path_buf(),
    )
    .await
}

/// CRC-64 and MD5 (hex) of `len` bytes of `path` from `offset`, read in small pieces;
/// `None` when the file is shorter.
pub(crate) async fn digest_range(
    path: &Path,
    offset: u64,
    len: u64,
    codec: Option<std::sync::Arc<dyn crate::hooks::Codec>>,
) -> Result<Option<(u64, String)>> {
    let p = path.to_path_buf();
    blocking(
        move || {
            let mut f = open_at(&p, offset)?.take(len);
            let mut crc = Crc64::new();
            let mut md5 = Md5::new();
            let mut buf = vec![0u8; 256 * 1024];
            let mut read = 0u64;
            loop {
                let n = f.read(&mut buf)?;
                if n == 0 {
                    break;
                }
                if let Some(c) = &codec {
                    c.apply(offset + read, &mut buf[..n]);
                }
                crc.update(&buf[..n]);
                md5.update(&buf[..n]);
                read += n as u64;
            }
            Ok((read == len).then(|| (crc.finish(), hex_lower(&md5.finalize()))))
        },
        "cannot read",
        path.to_path_buf(),
    )
    .await
}

fn hex_lower(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A file written at offsets by several tasks.
///
/// Writes are made one at a time: the kernel takes the file's lock for every buffered write
/// anyway, and writers waiting for it in the kernel spin on the CPU (a sixth of a parallel
/// download's client time went there), where waiting on this lock sleeps.
#[derive(Debug, Clone)]
pub(crate) struct RangeWriter {
    file: std::sync::Arc<std::fs::File>,
    /// Held while writing (not while syncing).
    writing: std::sync::Arc<std::sync::Mutex<()>>,
    path: PathBuf,
}

impl RangeWriter {
    /// Opens an existing file for writing.
    pub async fn open(path: &Path) -> Result<RangeWriter> {
        let p = path.to_path_buf();
        let file = blocking(
            move || std::fs::OpenOptions::new().write(true).open(&p),
            "cannot open",
            path.to_path_buf(),
        )
        .await?;
        Ok(RangeWriter {
            file: std::sync::Arc::new(file),
            writing: Default::default(),
            path: path.to_path_buf(),
        })
    }

    /// Creates (or truncates) the file with `len` bytes.
    pub async fn create(path: &Path, len: u64) -> Result<RangeWriter> {
        let p = path.to_path_buf();
        let file = blocking(
            move || {
                let f = std::fs::OpenOptions::new()
                    .write(true)
                    .create(true)
                    .truncate(true)
                    .open(&p)?;
                f.set_len(len)?;
                Ok(f)
            },
            "cannot create",
            path.to_path_buf(),
        )
        .await?;
        Ok(RangeWriter {
            file: std::sync::Arc::new(file),
            writing: Default::default(),
            path: path.to_path_buf(),
        })
    }

    /// Writes `chunks`, one after the other, from `offset` (without joining them first).
    pub async fn write_at(&self, offset: u64, chunks: Vec<Bytes>) -> Result<()> {
        let file = self.file.clone();
        let writing = self.writing.clone();
        blocking(
            move || {
                let _turn = writing.lock().unwrap_or_else(|p| p.into_inner());
                #[cfg(unix)]
                {
                    use std::os::unix::fs::FileExt;
                    let mut at = offset;
                    for data in chunks {
                        file.write_all_at(&data, at)?;
                        at += data.len() as u64;
                    }
                }
                #[cfg(not(unix))]
                {
                    use std::io::Write;
                    let mut f = file.try_clone()?;
                    f.seek(SeekFrom::Start(offset))?;
                    for data in chunks {
                        f.write_all(&data)?;
                    }
                }
                Ok(())
            },
            "cannot write",
            self.path.clone(),
        )
        .await
    }

    /// Flushes the data written so far to the disk.
    pub async fn sync(&self) -> Result<()> {
        let file = self.file.clone();
        blocking(move || file.sync_data(), "cannot sync", self.path.clone()).await
    }

    /// Flushes data and metadata to the disk.
    pub async fn sync_all(&self) -> Result<()> {
        let file = self.file.clone();
        blocking(move || file.sync_all(), "cannot sync", self.path.clone()).await
    }
}

/// Length of a file, `None` when it does not exist.
pub(crate) async fn file_len(path: &Path) -> Option<u64> {
    tokio::fs::metadata(path).await.ok().map(|m| m.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn ranges() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, b"0123456789").unwrap();
        assert_eq!(
            &read_range(&p, 3, 4, Vec::new()).await.unwrap()[..],
            b"3456"
        );
        let reused = Vec::with_capacity(64);
        let ptr = reused.as_ptr();
        let part = read_range(&p, 0, 10, reused).await.unwrap();
        assert_eq!(&part[..], b"0123456789");
        assert_eq!(part.as_ptr(), ptr, "the part is read into the given buffer");
        let err = read_range(&p, 8, 4, Vec::new()).await.unwrap_err();
        assert!(err.to_string().contains("did the file change"), "{err}");
        assert_eq!(
            digest_range(&p, 2, 3, None).await.unwrap(),
            Some((
                osskit_proto::crc64::crc64(b"234"),
                osskit_proto::digest::md5_hex(b"234")
            ))
        );
        assert_eq!(digest_range(&p, 8, 4, None).await.unwrap(), None);

        let out = dir.path().join("out");
        let w = RangeWriter::create(&out, 6).await.unwrap();
        w.write_at(3, vec![Bytes::from_static(b"d"), Bytes::from_static(b"ef")])
            .await
            .unwrap();
        w.write_at(0, vec![Bytes::from_static(b"abc")])
            .await
            .unwrap();
        w.sync_all().await.unwrap();
        assert_eq!(std::fs::read(&out).unwrap(), b"abcdef");
        assert_eq!(file_len(&out).await, Some(6));
        assert_eq!(file_len(&dir.path().join("none")).await, None);
    }
}
