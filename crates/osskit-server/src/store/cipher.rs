//! Encryption at rest of blob bytes (server-side encryption of objects): the key of a
//! store and the AES-256-CTR key stream of each blob, from [`osskit_sse`] (a crate of its
//! own so that it is optimised in debug builds too).
//!
//! Encryption is a property of a blob, recorded by every extent that names it
//! ([`Extent::encrypted`]): a [`BlobWriter`] told to encrypt (see [`BlobWriter::encrypt`])
//! hashes the plain bytes and writes them encrypted under the blob's own key stream, whose
//! counter is the byte offset divided by 16. Any range of an encrypted blob therefore
//! decrypts on its own, so blobs shared by copies, parts that become extents of a completed
//! multipart object, ranged reads and appends (encrypted at their offset under the key
//! stream of the blob they extend) all work without re-encrypting anything. Readers of
//! object data ([`ObjectData`]) decrypt the extents that say so; reference counts, garbage
//! collection and `fsck` see blobs as blobs, whatever their bytes.
//!
//! The key is [`KEY_FILE`] in the data directory (32 random bytes, mode 0600), created by
//! the first encrypted write and never replaced: a store without encrypted objects has no
//! key, and a store whose key went missing reports it when an encrypted blob is read
//! (and `fsck` reports it as damage) instead of making a new key that reads garbage.
//!
//! [`BlobWriter`]: super::BlobWriter
//! [`BlobWriter::encrypt`]: super::BlobWriter::encrypt
//! [`Extent::encrypted`]: super::Extent::encrypted
//! [`ObjectData`]: super::ObjectData

use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

pub use osskit_sse::{BlobCipher, Decrypting, KeyStream, KEY_FILE};

use super::StoreError;

/// The key of one store, loaded when first needed (see the module documentation).
#[derive(Debug)]
pub struct StoreKey {
    dir: PathBuf,
    key: Mutex<Option<Arc<BlobCipher>>>,
}

impl StoreKey {
    /// The key kept in `dir` (nothing is read or created yet).
    pub fn new(dir: &Path) -> StoreKey {
        StoreKey {
            dir: dir.to_path_buf(),
            key: Mutex::new(None),
        }
    }

    /// The path of the key file.
    pub fn path(&self) -> PathBuf {
        self.dir.join(KEY_FILE)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Arc<BlobCipher>>> {
        self.key.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The key to encrypt new bytes with: loaded, or created (and made durable) when the
    /// store has none yet.
    pub fn for_writing(&self) -> Result<Arc<BlobCipher>, StoreError> {
        let mut key = self.lock();
        if let Some(k) = key.as_ref() {
            return Ok(k.clone());
        }
        let loaded = Arc::new(BlobCipher::load_or_create(&self.dir).map_err(StoreError::from)?);
        *key = Some(loaded.clone());
        Ok(loaded)
    }

    /// The key to decrypt stored bytes with. A missing key file is an error (of kind
    /// `InvalidData`): the encrypted bytes cannot be read without it.
    pub fn for_reading(&self) -> io::Result<Arc<BlobCipher>> {
        let mut key = self.lock();
        if let Some(k) = key.as_ref() {
            return Ok(k.clone());
        }
        match BlobCipher::load(&self.dir)? {
            Some(k) => {
                let k = Arc::new(k);
                *key = Some(k.clone());
                Ok(k)
            }
            None => Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "the store key {} is missing: encrypted objects cannot be read",
                    self.path().display()
                ),
            )),
        }
    }

    /// Whether the key file exists (or the key is loaded).
    pub fn exists(&self) -> bool {
        self.lock().is_some() || self.path().is_file()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_made_by_the_first_write_and_never_by_a_read() {
        let dir = tempfile::tempdir().unwrap();
        let key = StoreKey::new(dir.path());
        assert!(!key.exists());
        let e = key.for_reading().unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
        assert!(!dir.path().join(KEY_FILE).exists(), "a read makes no key");
        let written = key.for_writing().unwrap();
        assert!(key.exists());
        let again = StoreKey::new(dir.path()).for_reading().unwrap();
        let id = "00112233445566778899aabbccddeeff";
        let (mut a, mut b) = ([1u8; 20], [1u8; 20]);
        written.keystream(id, 3).unwrap().apply(&mut a);
        again.keystream(id, 3).unwrap().apply(&mut b);
        assert_eq!(a, b);
    }
}
