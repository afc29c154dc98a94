//! Encryption at rest of blob bytes, for the server-side encryption of objects by
//! `osskit-server`.
//!
//! The bytes of an encrypted blob are AES-256 in CTR mode under the store's key, which is
//! kept in the data directory (`sse.key`, 32 random bytes, created on first use, readable by
//! its owner only). Each blob has its own key stream: the counter block starts with 8
//! bytes taken from the blob's random id, followed by the 64-bit index of the 16-byte
//! block, so byte `n` of a blob can be read (or appended) without touching the bytes before
//! it — ranges, appends and streaming cost nothing extra.
//!
//! It is a layer the server's blob writer and readers apply: the writer encrypts with a
//! [`KeyStream`] what it writes, [`Decrypting`] wraps any reader of a blob file. This crate
//! is separate so that its code is optimised even in debug builds of the server.
//!
//! ```
//! use osskit_sse::{BlobCipher, Decrypting};
//! use std::io::Read;
//!
//! let cipher = BlobCipher::random();
//! let id = "00112233445566778899aabbccddeeff";
//! let mut data = b"attack at dawn".to_vec();
//! cipher.keystream(id, 0).unwrap().apply(&mut data);
//! assert_ne!(&data, b"attack at dawn");
//! // Any offset can be read on its own.
//! let mut tail = String::new();
//! Decrypting::new(&data[7..], cipher.keystream(id, 7).unwrap())
//!     .read_to_string(&mut tail)
//!     .unwrap();
//! assert_eq!(tail, "at dawn");
//! ```

#![deny(unsafe_code)]
#![warn(missing_docs)]

use std::fs::{self, OpenOptions};
use std::io::{self, Read, Write};
use std::path::Path;

use aes::cipher::{KeyIvInit, StreamCipher, StreamCipherSeek};

type Aes256Ctr = ctr::Ctr64BE<aes::Aes256>;

/// Name of the key file in a data directory.
pub const KEY_FILE: &str = "sse.key";

/// Length of the key in bytes.
const KEY_LEN: usize = 32;

/// The store's encryption key.
#[derive(Clone)]
pub struct BlobCipher {
    key: [u8; KEY_LEN],
}

impl std::fmt::Debug for BlobCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BlobCipher(..)")
    }
}

impl BlobCipher {
    /// A random key that lives only in memory.
    pub fn random() -> BlobCipher {
        BlobCipher {
            key: rand::random(),
        }
    }

    /// The key of `dir` (its [`KEY_FILE`]), `None` when there is none. A key file of the
    /// wrong length is an error.
    pub fn load(dir: &Path) -> io::Result<Option<BlobCipher>> {
        let path = dir.join(KEY_FILE);
        match fs::read(&path) {
            Ok(bytes) => {
                let key = <[u8; KEY_LEN]>::try_from(bytes.as_slice()).map_err(|_| {
                    io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!(
                            "{} holds {} bytes, not a {KEY_LEN}-byte key",
                            path.display(),
                            bytes.len()
                        ),
                    )
                })?;
                Ok(Some(BlobCipher { key }))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io::Error::new(
                e.kind(),
                format!("read {}: {e}", path.display()),
            )),
        }
    }

    /// The key of `dir` (its [`KEY_FILE`]), created when missing. A key file of the wrong
    /// length is an error, never replaced: the data encrypted under it would be lost.
    pub fn load_or_create(dir: &Path) -> io::Result<BlobCipher> {
        if let Some(cipher) = BlobCipher::load(dir)? {
            return Ok(cipher);
        }
        let path = dir.join(KEY_FILE);
        let cipher = BlobCipher::random();
        // Written under a temporary name, synced, then renamed: a crash leaves no key or
        // the whole key.
        let tmp = dir.join(format!("{KEY_FILE}.tmp"));
        let failed = |what: &str, e: io::Error| {
            io::Error::new(e.kind(), format!("{what} {}: {e}", tmp.display()))
        };
        let mut options = OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&tmp).map_err(|e| failed("create", e))?;
        file.write_all(&cipher.key)
            .and_then(|()| file.sync_all())
            .map_err(|e| failed("write", e))?;
        fs::rename(&tmp, &path).map_err(|e| failed("rename", e))?;
        if let Ok(d) = fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(cipher)
    }

    /// The key stream of blob `blob_id`, positioned at byte `offset`.
    /// `blob_id` is a blob's hex id (at least 16 hex characters, the last 16 random).
    pub fn keystream(&self, blob_id: &str, offset: u64) -> io::Result<KeyStream> {
        let mut iv = [0u8; 16];
        iv[..8].copy_from_slice(&nonce_of(blob_id)?);
        let mut ctr = Aes256Ctr::new(&self.key.into(), &iv.into());
        ctr.try_seek(offset).map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("seek key stream to {offset}: {e}"),
            )
        })?;
        Ok(KeyStream { ctr })
    }
}

/// The 8 nonce bytes of a blob: its last 16 hex characters, which are random.
fn nonce_of(blob_id: &str) -> io::Result<[u8; 8]> {
    let bad = || {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("invalid blob id {blob_id:?}"),
        )
    };
    let hex = blob_id
        .len()
        .checked_sub(16)
        .and_then(|start| blob_id.get(start..))
        .ok_or_else(bad)?;
    let mut out = [0u8; 8];
    for (i, byte) in out.iter_mut().enumerate() {
        let pair = hex.get(2 * i..2 * i + 2).ok_or_else(bad)?;
        *byte = u8::from_str_radix(pair, 16).map_err(|_| bad())?;
    }
    Ok(out)
}

/// A position in the key stream of one blob; encrypting and decrypting are the same
/// operation.
pub struct KeyStream {
    ctr: Aes256Ctr,
}

impl std::fmt::Debug for KeyStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyStream(..)")
    }
}

impl KeyStream {
    /// Encrypts (or decrypts) `buf` in place and moves past it.
    #[inline(never)]
    pub fn apply(&mut self, buf: &mut [u8]) {
        self.ctr.apply_keystream(buf);
    }
}

/// A reader of an encrypted blob that yields the plain bytes.
#[derive(Debug)]
pub struct Decrypting<R> {
    inner: R,
    keys: KeyStream,
}

impl<R> Decrypting<R> {
    /// Decrypts what `inner` reads with `keys` (positioned where `inner` starts).
    pub fn new(inner: R, keys: KeyStream) -> Self {
        Decrypting { inner, keys }
    }
}

impl<R: Read> Read for Decrypting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.keys.apply(&mut buf[..n]);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_streams_seek_and_differ_per_blob() {
        let c = BlobCipher::random();
        let a = "00000000000000000000000000000001";
        let b = "00000000000000000000000000000002";
        let plain: Vec<u8> = (0..1000u32).map(|i| (i % 251) as u8).collect();
        let mut whole = plain.clone();
        c.keystream(a, 0).unwrap().apply(&mut whole);
        let mut part = plain[333..].to_vec();
        c.keystream(a, 333).unwrap().apply(&mut part);
        assert_eq!(part, whole[333..]);
        let mut other = plain.clone();
        c.keystream(b, 0).unwrap().apply(&mut other);
        assert_ne!(other, whole);
        assert!(c.keystream("zz", 0).is_err());
    }

    #[test]
    fn the_key_file_is_made_once_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let id = "00000000000000000000000000000001";
        let first = BlobCipher::load_or_create(dir.path()).unwrap();
        let again = BlobCipher::load_or_create(dir.path()).unwrap();
        let (mut x, mut y) = ([7u8; 40], [7u8; 40]);
        first.keystream(id, 0).unwrap().apply(&mut x);
        again.keystream(id, 0).unwrap().apply(&mut y);
        assert_eq!(x, y);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(dir.path().join(KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(BlobCipher::load(dir.path()).unwrap().is_some());
        fs::write(dir.path().join(KEY_FILE), b"short").unwrap();
        assert!(BlobCipher::load_or_create(dir.path()).is_err());
        assert!(BlobCipher::load(dir.path()).is_err());
        let empty = tempfile::tempdir().unwrap();
        assert!(BlobCipher::load(empty.path()).unwrap().is_none());
    }
}
