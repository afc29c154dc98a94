//! Encryption at rest of blob bytes (server-side encryption of objects): the key of a
//! store and the AES-256-CTR key stream of each blob, from [`osskit_sse`] (a crate of its
//! own so that it is optimised in debug builds too).
//!
//! Encryption is a layer the blob writer and readers apply: a [`BlobWriter`] given a
//! [`KeyStream`] (see [`BlobWriter::encrypt`]) hashes the plain bytes and writes the
//! encrypted ones; [`Decrypting`] wraps any reader of a blob file. Which blobs are encrypted
//! is recorded in the metadata that names them ([`ObjectMeta::encryption`]). The key is
//! [`KEY_FILE`] in the data directory.
//!
//! [`BlobWriter`]: super::BlobWriter
//! [`BlobWriter::encrypt`]: super::BlobWriter::encrypt
//! [`ObjectMeta::encryption`]: super::ObjectMeta::encryption

pub use osskit_sse::{BlobCipher, Decrypting, KeyStream, KEY_FILE};
