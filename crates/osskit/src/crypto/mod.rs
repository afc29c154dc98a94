//! Client-side encryption: [`CryptoBucket`] encrypts objects before they leave the client and
//! decrypts them as they are read, in the format of oss2's `CryptoBucket`, the Go SDK and the
//! C++ SDK, so that an object written by any of them reads with any other.
//!
//! Each object gets a random 256-bit data key and IV; its bytes are encrypted with AES-256-CTR
//! ([`AES_CTR`]), so the ciphertext has the plaintext's length and any range can be decrypted
//! on its own. The data key and IV are wrapped by a [`KeyProvider`] ([`RsaProvider`],
//! [`LocalRsaProvider`], [`KmsProvider`] or your own) and stored in the object's metadata
//! (`x-oss-meta-client-side-encryption-*`, the *envelope*). Objects of the legacy format
//! (`x-oss-meta-oss-crypto-*`) are read too. Objects without an envelope are returned as
//! stored.
//!
//! Encryption and decryption stream chunk by chunk; memory does not grow with the object.
//! CRC-64 checks stay on and cover the ciphertext OSS stores. Operations that cannot work on
//! encrypted data are refused with [`Error::Client`] before any request: append, part copy,
//! image processing (`x-oss-process`), presigned uploads, and copies that replace the
//! metadata (they would drop the envelope). A tampered or foreign envelope is an error
//! ([`Error::Inconsistent`] for algorithms that differ, [`Error::Client`] for a key that
//! cannot be unwrapped or a material description no provider has), never ciphertext passed
//! off as plaintext.
//!
//! ```
//! use osskit::crypto::{CryptoBucket, LocalRsaProvider};
//! use osskit::{Auth, Bucket};
//! use osskit_server::testing::{TestServer, TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let server = TestServer::start().await;
//! let bucket = Bucket::new(
//!     Auth::new(TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET),
//!     &server.endpoint(),
//!     "crypto-example",
//! )?;
//! bucket.create_bucket().await?;
//!
//! let keys = tempfile::tempdir()?;
//! let provider = LocalRsaProvider::builder().dir(keys.path()).key_name("app").bits(1024).build()?;
//! let crypto = CryptoBucket::new(bucket.clone(), provider);
//!
//! crypto.put_object("secret.txt", "attack at dawn").await?;
//! // The stored bytes are ciphertext of the same length…
//! let raw = bucket.get_object("secret.txt").await?.bytes().await?;
//! assert_eq!(raw.len(), 14);
//! assert_ne!(&raw[..], b"attack at dawn");
//! // …that the CryptoBucket decrypts, whole or in any range.
//! let plain = crypto.get_object("secret.txt").await?.bytes().await?;
//! assert_eq!(&plain[..], b"attack at dawn");
//! let part = crypto.get_object("secret.txt").range((7, 13)).await?.bytes().await?;
//! assert_eq!(&part[..], b"at dawn");
//! # Ok(())
//! # }
//! ```

mod cipher;
mod envelope;
mod kms;
mod provider;
mod rsa;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use futures_util::future::BoxFuture;
use http::HeaderMap;

pub use cipher::{AES_CTR, AES_GCM_LEGACY};
pub use envelope::{
    Envelope, EnvelopeFormat, MaterialDescription, KMS_ALICLOUD, RSA_OAEP_SHA1, RSA_PKCS1,
};
pub use kms::{KmsProvider, KmsProviderBuilder, KMS_API_VERSION};
pub use provider::{DataKey, KeyPart, KeyProvider};
pub use rsa::{
    default_local_rsa_dir, LocalRsaProvider, LocalRsaProviderBuilder, RsaProvider,
    RsaProviderBuilder,
};
/// Memory that is wiped when dropped, for plain keys.
pub use zeroize::Zeroizing;

/// The names of the envelope headers.
pub mod headers {
    pub use super::envelope::{
        CEK_ALG, DATA_SIZE, KEY, LEGACY_CEK_ALG, LEGACY_KEY, LEGACY_MATDESC, LEGACY_START,
        LEGACY_WRAP_ALG, MATDESC, PART_SIZE, START, UNENCRYPTED_LENGTH, UNENCRYPTED_MD5, WRAP_ALG,
    };
}

use crate::body::Body;
use crate::bucket::BucketClient;
use crate::config::ClientConfig;
use crate::error::{Error, Result};
use crate::hooks::{Codec, NewObjectCodec, Positioned, RequestHook, TransferCodecs};
use crate::mode::{Async, Mode};
use crate::ops::download::{
    GetObject, GetObjectMeta, GetObjectOutput, GetObjectToFile, HeadObject, ObjectExists,
};
use crate::ops::list::{ListObjects, ListObjectsV2};
use crate::ops::multipart::{
    AbortMultipartUpload, CompleteMultipartUpload, InitMultipartUpload, ListMultipartUploads,
    ListParts, PartInfo, UploadPart, UploadPartCopy,
};
use crate::ops::object::{AppendObject, BatchDeleteObjects, CopyObject, DeleteObject, PutObject};
use crate::ops::presign::{GetObjectWithUrl, PutObjectWithUrl, SignUrl};
use crate::request::OssRequest;
use crate::transfer::{ResumableDownload, ResumableUpload};
use cipher::AesCtr;

/// Added to the User-Agent of a [`CryptoBucket`], as oss2 does.
pub const USER_AGENT_SUFFIX: &str = "OssEncryptionClient";

/// The providers of a [`CryptoBucket`]: the one that encrypts, and others that only read
/// objects written under other material descriptions.
#[derive(Debug)]
struct Keyring {
    main: Arc<dyn KeyProvider>,
    extra: Vec<Arc<dyn KeyProvider>>,
}

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

impl Keyring {
    /// The provider for an object's envelope, after checking its algorithms.
    fn select(&self, env: &Envelope, request_id: &str) -> Result<&Arc<dyn KeyProvider>> {
        if env.cek_alg != AES_CTR {
            return Err(inconsistent(
                format!(
                    "Data encryption/decryption algorithm is inconsistent: the object says {:?}, \
                     this client uses {AES_CTR:?}",
                    env.cek_alg
                ),
                request_id,
            ));
        }
        let provider = if env.description == *self.main.material_description() {
            &self.main
        } else {
            self.extra
                .iter()
                .find(|p| *p.material_description() == env.description)
                .ok_or_else(|| {
                    Error::client(format!(
                        "There is no encryption materials match the material description of \
                         the object ({}): add a provider for it with add_encryption_materials",
                        env.description.to_json()
                    ))
                })?
        };
        if env.wrap_alg != provider.wrap_algorithm() {
            return Err(inconsistent(
                format!(
                    "Envelope encryption/decryption algorithm is inconsistent: the object's key \
                     is wrapped with {:?}, the provider uses {:?}",
                    env.wrap_alg,
                    provider.wrap_algorithm()
                ),
                request_id,
            ));
        }
        Ok(provider)
    }

    /// The data cipher of an object: its key and IV unwrapped.
    async fn cipher(&self, env: &Envelope, request_id: &str) -> Result<AesCtr> {
        let provider = self.select(env, request_id)?;
        let key = provider.unwrap(KeyPart::DataKey, &env.wrapped_key).await?;
        match env.format {
            EnvelopeFormat::Current => {
                let iv = provider.unwrap(KeyPart::Iv, &env.wrapped_iv).await?;
                AesCtr::new(&key, &iv)
            }
            EnvelopeFormat::Legacy => {
                let start = provider
                    .unwrap(KeyPart::LegacyStart, &env.wrapped_iv)
                    .await?;
                let counter = std::str::from_utf8(&start)
                    .ok()
                    .and_then(|s| s.trim().parse::<u128>().ok())
                    .ok_or_else(|| {
                        Error::client(
                            "the legacy envelope's start is not a decimal counter once unwrapped",
                        )
                    })?;
                AesCtr::from_counter(&key, counter)
            }
        }
    }

    /// A new data key from the main provider, as an envelope and its cipher.
    async fn new_key(&self) -> Result<(Envelope, AesCtr)> {
        let dk = self.main.new_data_key().await?;
        let cipher = AesCtr::new(&dk.key, &dk.iv)?;
        let env = Envelope {
            wrapped_key: dk.wrapped_key,
            wrapped_iv: dk.wrapped_iv,
            cek_alg: AES_CTR.to_string(),
            wrap_alg: self.main.wrap_algorithm().to_string(),
            description: self.main.material_description().clone(),
            format: EnvelopeFormat::Current,
        };
        Ok((env, cipher))
    }
}

fn inconsistent(message: String, request_id: &str) -> Error {
    Error::Inconsistent {
        message,
        client_crc: None,
        server_crc: None,
        request_id: request_id.to_string(),
    }
}

/// A bucket client that encrypts what it writes and decrypts what it reads (oss2's
/// `CryptoBucket`). Build it from a [`Bucket`](crate::Bucket) (or a blocking one) and a
/// [`KeyProvider`]; it is `Clone + Send + Sync` and cheap to clone. Its operations return
/// the same builders and outputs as the plain bucket's.
///
/// | operation | on a `CryptoBucket` |
/// |---|---|
/// | `put_object`, `put_object_from_file` | encrypted (any body: bytes, file, reader, stream) |
/// | `get_object`, `get_object_to_file`, `get_object_with_url` | decrypted; ranges start at a 16-byte boundary on the wire, the extra bytes are dropped; `(None, n)` is refused |
/// | `init_multipart_upload`, `upload_part` | encrypted with a [`MultipartUploadCryptoContext`] |
/// | `resumable_upload`, `resumable_download` | encrypted / decrypted; checkpoints keep only the wrapped key |
/// | `head_object`, `get_object_meta`, `object_exists`, `delete_object`, `batch_delete_objects`, `list_*`, `complete_multipart_upload`, `abort_multipart_upload`, `sign_url` | as the plain bucket |
/// | `copy_object` | allowed while the metadata is copied (the envelope goes with the bytes) |
/// | `append_object`, `upload_part_copy`, `put_object_with_url`, `update_object_meta`, `x-oss-process` | refused before any request |
///
/// Blocking mode works the same: `osskit::blocking::CryptoBucket`, finished with `.send()`.
#[derive(Clone)]
pub struct CryptoBucket<M: Mode = Async> {
    bucket: BucketClient<M>,
    keys: Arc<Keyring>,
}

impl<M: Mode> std::fmt::Debug for CryptoBucket<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CryptoBucket")
            .field("bucket", &self.bucket)
            .field("provider", &self.keys.main)
            .field("extra_materials", &self.keys.extra.len())
            .finish()
    }
}

impl<M: Mode> CryptoBucket<M> {
    /// Encrypts with `provider` what goes through `bucket`. The client's settings (endpoint,
    /// auth, CRC checks, retries, session) are kept; `/OssEncryptionClient` is added to its
    /// User-Agent.
    pub fn new(bucket: BucketClient<M>, provider: impl KeyProvider) -> CryptoBucket<M> {
        CryptoBucket::with_provider(bucket, Arc::new(provider))
    }

    /// [`new`](CryptoBucket::new) with a shared provider.
    pub fn with_provider(
        bucket: BucketClient<M>,
        provider: Arc<dyn KeyProvider>,
    ) -> CryptoBucket<M> {
        let mut config: ClientConfig = (*bucket.config).clone();
        if !config.user_agent.ends_with(USER_AGENT_SUFFIX) {
            config.user_agent = format!("{}/{USER_AGENT_SUFFIX}", config.user_agent);
        }
        CryptoBucket {
            bucket: BucketClient {
                config: Arc::new(config),
                name: bucket.name.clone(),
                mode: bucket.mode.clone(),
            },
            keys: Arc::new(Keyring {
                main: provider,
                extra: Vec::new(),
            }),
        }
    }

    /// Adds a provider that reads (never writes) objects whose material description is
    /// that provider's (oss2's `add_encryption_materials`).
    ///
    /// ```
    /// # use osskit::crypto::{CryptoBucket, LocalRsaProvider, MaterialDescription};
    /// # let dir = tempfile::tempdir()?;
    /// # let bucket = osskit::Bucket::new(osskit::Auth::new("ak", "sk"), "http://127.0.0.1:9000", "examplebucket")?;
    /// let current = LocalRsaProvider::builder().dir(dir.path()).key_name("2025").bits(1024)
    ///     .material_description(MaterialDescription::new().with("key", "2025")).build()?;
    /// let old = LocalRsaProvider::builder().dir(dir.path()).key_name("2024").bits(1024)
    ///     .material_description(MaterialDescription::new().with("key", "2024")).build()?;
    /// let crypto = CryptoBucket::new(bucket, current).add_encryption_materials(old);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_encryption_materials(self, provider: impl KeyProvider) -> CryptoBucket<M> {
        let mut extra = self.keys.extra.clone();
        extra.push(Arc::new(provider));
        CryptoBucket {
            bucket: self.bucket,
            keys: Arc::new(Keyring {
                main: self.keys.main.clone(),
                extra,
            }),
        }
    }

    /// The plain client underneath (it reads and writes bytes as stored).
    pub fn bucket(&self) -> &BucketClient<M> {
        &self.bucket
    }

    /// The provider that encrypts new objects.
    pub fn provider(&self) -> &Arc<dyn KeyProvider> {
        &self.keys.main
    }

    /// The bucket name.
    pub fn name(&self) -> &str {
        self.bucket.name()
    }

    fn get_hook(&self) -> Arc<dyn RequestHook> {
        Arc::new(GetHook {
            keys: self.keys.clone(),
            requested_start: Mutex::new(None),
        })
    }

    /// PutObject, encrypted: any body (bytes, string, file, reader, stream). A
    /// `Content-MD5` given with `.content_md5()` / `.with_content_md5()` (of the plaintext)
    /// is stored as `x-oss-meta-client-side-encryption-unencrypted-content-md5`, as oss2 does.
    pub fn put_object(&self, key: impl Into<String>, body: impl Into<Body>) -> PutObject<M> {
        self.bucket.put_object(key, body).hook(self.put_hook())
    }

    /// PutObject of a file, encrypted as it is read.
    pub fn put_object_from_file(
        &self,
        key: impl Into<String>,
        path: impl Into<PathBuf>,
    ) -> PutObject<M> {
        self.bucket
            .put_object_from_file(key, path)
            .hook(self.put_hook())
    }

    fn put_hook(&self) -> Arc<dyn RequestHook> {
        Arc::new(PutHook {
            keys: self.keys.clone(),
        })
    }

    /// GetObject, decrypted as the body is read.
    ///
    /// A range `(start, last)` is sent with `start` rounded down to a multiple of 16 and the
    /// extra leading bytes dropped after decryption (so the body and `content_length` are
    /// exactly the bytes asked for); `(None, n)` (the last `n` bytes) is refused, as oss2
    /// does, because the offset of the first byte is not known before the answer.
    /// `client_crc()` is the CRC-64 of the ciphertext received, comparable with
    /// `server_crc`.
    pub fn get_object(&self, key: impl Into<String>) -> GetObject<M> {
        self.bucket.get_object(key).hook(self.get_hook())
    }

    /// GetObject into a file, decrypted; the CRC-64 of the whole object (ciphertext) is
    /// checked before the file is renamed into place. A failure (wrong key, tampered
    /// envelope) leaves no file.
    pub fn get_object_to_file(
        &self,
        key: impl Into<String>,
        path: impl Into<PathBuf>,
    ) -> GetObjectToFile<M> {
        self.bucket
            .get_object_to_file(key, path)
            .hook(self.get_hook())
    }

    /// GET a presigned URL (from [`sign_url`](CryptoBucket::sign_url)), decrypted.
    pub fn get_object_with_url(&self, url: impl Into<String>) -> GetObjectWithUrl<M> {
        self.bucket.get_object_with_url(url).hook(self.get_hook())
    }

    /// Refused: the envelope headers are new for every object and would have to be part of
    /// the URL's signature. Use [`put_object`](CryptoBucket::put_object).
    pub fn put_object_with_url(
        &self,
        url: impl Into<String>,
        body: impl Into<Body>,
    ) -> PutObjectWithUrl<M> {
        self.bucket.put_object_with_url(url, body).hook(refuse(
            "put_object_with_url cannot encrypt: the envelope headers \
             (x-oss-meta-client-side-encryption-*) are new for every object and would have to \
             be signed into the URL; use put_object",
        ))
    }

    /// A presigned URL, as the plain bucket's (the object reads back as ciphertext unless
    /// fetched with [`get_object_with_url`](CryptoBucket::get_object_with_url)).
    pub fn sign_url(
        &self,
        method: http::Method,
        key: impl Into<String>,
        expires: std::time::Duration,
    ) -> SignUrl<M> {
        self.bucket.sign_url(method, key, expires)
    }

    /// HeadObject, as the plain bucket (the envelope is in `metadata`).
    pub fn head_object(&self, key: impl Into<String>) -> HeadObject<M> {
        self.bucket.head_object(key)
    }

    /// GetObjectMeta, as the plain bucket.
    pub fn get_object_meta(&self, key: impl Into<String>) -> GetObjectMeta<M> {
        self.bucket.get_object_meta(key)
    }

    /// Whether `key` exists, as the plain bucket.
    pub fn object_exists(&self, key: impl Into<String>) -> ObjectExists<M> {
        self.bucket.object_exists(key)
    }

    /// DeleteObject, as the plain bucket.
    pub fn delete_object(&self, key: impl Into<String>) -> DeleteObject<M> {
        self.bucket.delete_object(key)
    }

    /// DeleteMultipleObjects, as the plain bucket.
    pub fn batch_delete_objects<I, K>(&self, keys: I) -> BatchDeleteObjects<M>
    where
        I: IntoIterator<Item = K>,
        K: Into<String>,
    {
        self.bucket.batch_delete_objects(keys)
    }

    /// ListObjects, as the plain bucket.
    pub fn list_objects(&self) -> ListObjects<M> {
        self.bucket.list_objects()
    }

    /// ListObjectsV2, as the plain bucket.
    pub fn list_objects_v2(&self) -> ListObjectsV2<M> {
        self.bucket.list_objects_v2()
    }

    /// CopyObject. The copy keeps the source's bytes and, with the default `COPY` metadata
    /// directive, its envelope, so it decrypts with the same keys. A `REPLACE` directive is
    /// refused: it would drop the envelope and leave bytes nobody can decrypt.
    pub fn copy_object(
        &self,
        source_bucket: impl Into<String>,
        source_key: impl Into<String>,
        key: impl Into<String>,
    ) -> CopyObject<M> {
        self.bucket
            .copy_object(source_bucket, source_key, key)
            .hook(Arc::new(CopyGuard))
    }

    /// Refused: replacing the metadata would drop the envelope of the object.
    pub fn update_object_meta(&self, key: impl Into<String>) -> CopyObject<M> {
        self.bucket.update_object_meta(key).hook(refuse(
            "update_object_meta would replace the metadata of an encrypted object and drop \
             its envelope (x-oss-meta-client-side-encryption-*), leaving it undecryptable",
        ))
    }

    /// Refused: appended bytes cannot continue an encrypted object.
    pub fn append_object(
        &self,
        key: impl Into<String>,
        position: u64,
        body: impl Into<Body>,
    ) -> AppendObject<M> {
        self.bucket.append_object(key, position, body).hook(refuse(
            "append_object is not supported on a CryptoBucket: appended bytes cannot be \
             encrypted under the object's envelope",
        ))
    }

    /// InitiateMultipartUpload of an encrypted object: makes the data key, stores it (and
    /// the data and part sizes) in `context`, and sends the envelope headers. Pass the same
    /// context to every [`upload_part`](CryptoBucket::upload_part).
    pub fn init_multipart_upload(
        &self,
        key: impl Into<String>,
        context: &MultipartUploadCryptoContext,
    ) -> InitMultipartUpload<M> {
        self.bucket
            .init_multipart_upload(key)
            .hook(Arc::new(InitHook {
                keys: self.keys.clone(),
                context: context.clone(),
            }))
    }

    /// UploadPart, encrypted: part `n` starts its counter at `part_size × (n − 1)`. Every
    /// part but the last must be exactly the context's part size, the last the rest of
    /// its data size; a body of known length that does not fit is refused before sending.
    pub fn upload_part(
        &self,
        key: impl Into<String>,
        upload_id: impl Into<String>,
        part_number: u32,
        body: impl Into<Body>,
        context: &MultipartUploadCryptoContext,
    ) -> UploadPart<M> {
        self.bucket
            .upload_part(key, upload_id, part_number, body)
            .hook(Arc::new(PartHook {
                keys: self.keys.clone(),
                context: context.clone(),
                part_number,
            }))
    }

    /// CompleteMultipartUpload, as the plain bucket.
    pub fn complete_multipart_upload(
        &self,
        key: impl Into<String>,
        upload_id: impl Into<String>,
        parts: Vec<PartInfo>,
    ) -> CompleteMultipartUpload<M> {
        self.bucket.complete_multipart_upload(key, upload_id, parts)
    }

    /// AbortMultipartUpload, as the plain bucket.
    pub fn abort_multipart_upload(
        &self,
        key: impl Into<String>,
        upload_id: impl Into<String>,
    ) -> AbortMultipartUpload<M> {
        self.bucket.abort_multipart_upload(key, upload_id)
    }

    /// ListParts, as the plain bucket.
    pub fn list_parts(&self, key: impl Into<String>, upload_id: impl Into<String>) -> ListParts<M> {
        self.bucket.list_parts(key, upload_id)
    }

    /// ListMultipartUploads, as the plain bucket.
    pub fn list_multipart_uploads(&self) -> ListMultipartUploads<M> {
        self.bucket.list_multipart_uploads()
    }

    /// Refused: a copied part would carry another object's ciphertext.
    pub fn upload_part_copy(
        &self,
        source_bucket: impl Into<String>,
        source_key: impl Into<String>,
        range: Option<crate::ByteRange>,
        key: impl Into<String>,
        upload_id: impl Into<String>,
        part_number: u32,
    ) -> UploadPartCopy<M> {
        self.bucket
            .upload_part_copy(
                source_bucket,
                source_key,
                range,
                key,
                upload_id,
                part_number,
            )
            .hook(refuse(
                "upload_part_copy is not supported on a CryptoBucket: a copied part would hold \
                 bytes encrypted under another object's key",
            ))
    }

    /// [`resumable_upload`](BucketClient::resumable_upload), encrypted: the part size is
    /// rounded up to a multiple of 16, each part is encrypted at its offset after it is read
    /// (memory stays near parallelism × part size), and the checkpoint keeps the wrapped
    /// key and IV (never the plain ones) so that a resumed upload continues with the same
    /// key.
    pub fn resumable_upload(
        &self,
        key: impl Into<String>,
        path: impl AsRef<Path>,
    ) -> ResumableUpload<M> {
        let mut b = self.bucket.resumable_upload(key, path);
        b.codecs = Some(self.codecs());
        b
    }

    /// [`resumable_download`](BucketClient::resumable_download), decrypted: ranges are
    /// fetched as stored and decrypted at their offsets; the CRC-64 of the ciphertext is
    /// checked before the file is renamed into place.
    pub fn resumable_download(
        &self,
        key: impl Into<String>,
        path: impl AsRef<Path>,
    ) -> ResumableDownload<M> {
        let mut b = self.bucket.resumable_download(key, path);
        b.codecs = Some(self.codecs());
        b
    }

    fn codecs(&self) -> Arc<dyn TransferCodecs> {
        Arc::new(KeyringCodecs(self.keys.clone()))
    }
}

/// A hook that refuses the request.
struct Refuse(&'static str);

fn refuse(message: &'static str) -> Arc<dyn RequestHook> {
    Arc::new(Refuse(message))
}

impl RequestHook for Refuse {
    fn before<'a>(&'a self, _req: &'a mut OssRequest) -> BoxFuture<'a, Result<()>> {
        Box::pin(std::future::ready(Err(Error::client(self.0))))
    }
}

fn header<'a>(req: &'a OssRequest, name: &str) -> Option<&'a str> {
    req.headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn take_header(req: &mut OssRequest, name: &str) -> Option<String> {
    let pos = req
        .headers
        .iter()
        .position(|(k, _)| k.eq_ignore_ascii_case(name))?;
    Some(req.headers.remove(pos).1)
}

/// Refuses copies that replace the metadata.
struct CopyGuard;

impl RequestHook for CopyGuard {
    fn before<'a>(&'a self, req: &'a mut OssRequest) -> BoxFuture<'a, Result<()>> {
        let replace = header(req, osskit_proto::headers::METADATA_DIRECTIVE)
            .is_some_and(|v| v.eq_ignore_ascii_case("REPLACE"));
        Box::pin(std::future::ready(if replace {
            Err(Error::client(
                "a copy with the REPLACE metadata directive would drop the envelope \
                 (x-oss-meta-client-side-encryption-*) of an encrypted object; copy the \
                 metadata (the default) instead",
            ))
        } else {
            Ok(())
        }))
    }
}

/// Encrypts a PutObject.
struct PutHook {
    keys: Arc<Keyring>,
}

impl RequestHook for PutHook {
    fn before<'a>(&'a self, req: &'a mut OssRequest) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let (env, cipher) = self.keys.new_key().await?;
            if let Some(md5) = take_header(req, "Content-MD5") {
                crate::request::set_header(&mut req.headers, envelope::UNENCRYPTED_MD5, md5);
            }
            if let Some(len) = take_header(req, "Content-Length") {
                crate::request::set_header(&mut req.headers, envelope::UNENCRYPTED_LENGTH, len);
            }
            for (k, v) in env.to_headers() {
                crate::request::set_header(&mut req.headers, &k, v);
            }
            encode_body(req, Arc::new(cipher), 0);
            Ok(())
        })
    }
}

fn encode_body(req: &mut OssRequest, codec: Arc<dyn Codec>, offset: u64) {
    let body = req.body.take().unwrap_or_default();
    req.body = Some(body.with_codec(Positioned { codec, offset }));
}

/// Refuses what a GET of an encrypted object cannot do.
fn check_get(req: &OssRequest) -> Result<()> {
    let process_param = req.params.iter().any(|(k, _)| k == "x-oss-process");
    let process_url = req.raw_url.as_deref().is_some_and(|u| {
        u.split_once('?').is_some_and(|(_, q)| {
            osskit_proto::encoding::parse_query(q)
                .iter()
                .any(|(k, _)| k == "x-oss-process")
        })
    });
    if process_param || process_url {
        return Err(Error::client(
            "x-oss-process cannot be applied to an encrypted object (OSS would process \
             ciphertext)",
        ));
    }
    Ok(())
}

/// The user's range of a GET, from its `Range` header: `(start, last)`.
fn parse_range(value: &str) -> Result<Option<(u64, Option<u64>)>> {
    let spec = value.trim().strip_prefix("bytes=").unwrap_or("");
    let first = spec.split(',').next().unwrap_or("").trim();
    let Some((a, b)) = first.split_once('-') else {
        return Ok(None);
    };
    let (a, b) = (a.trim(), b.trim());
    if a.is_empty() {
        if b.is_empty() {
            return Ok(None);
        }
        return Err(Error::client(
            "Don't support range get while start is none and end is not: a range of the \
             last bytes (None, n) cannot be read from an encrypted object; give its start",
        ));
    }
    let Ok(start) = a.parse::<u64>() else {
        return Ok(None);
    };
    let last = if b.is_empty() { None } else { b.parse().ok() };
    Ok(Some((start, last)))
}

/// Aligns the range of a GET and decrypts its answer.
struct GetHook {
    keys: Arc<Keyring>,
    /// The first byte the caller asked for (when the sent range starts before it).
    requested_start: Mutex<Option<u64>>,
}

impl RequestHook for GetHook {
    fn before<'a>(&'a self, req: &'a mut OssRequest) -> BoxFuture<'a, Result<()>> {
        Box::pin(std::future::ready((|| {
            check_get(req)?;
            let Some(range) = header(req, "Range").map(str::to_string) else {
                return Ok(());
            };
            if let Some((start, last)) = parse_range(&range)? {
                let valid = last.is_none_or(|l| start <= l);
                let aligned = cipher::align_down(start);
                if valid && aligned != start {
                    let value = match last {
                        Some(l) => format!("bytes={aligned}-{l}"),
                        None => format!("bytes={aligned}-"),
                    };
                    crate::request::set_header(&mut req.headers, "Range", value);
                    *self
                        .requested_start
                        .lock()
                        .unwrap_or_else(|p| p.into_inner()) = Some(start);
                }
            }
            Ok(())
        })()))
    }

    fn after_get(&self, out: GetObjectOutput) -> BoxFuture<'_, Result<GetObjectOutput>> {
        Box::pin(async move {
            let requested = *self
                .requested_start
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            decode_get(&self.keys, out, requested).await
        })
    }
}

/// `bytes a-b/total` → `(a, b, total)`.
fn parse_content_range(v: &str) -> Option<(u64, u64, String)> {
    let rest = v.trim().strip_prefix("bytes ")?;
    let (range, total) = rest.split_once('/')?;
    let (a, b) = range.split_once('-')?;
    Some((
        a.trim().parse().ok()?,
        b.trim().parse().ok()?,
        total.to_string(),
    ))
}

async fn decode_get(
    keys: &Keyring,
    mut out: GetObjectOutput,
    requested_start: Option<u64>,
) -> Result<GetObjectOutput> {
    let request_id = out.meta.request_id().to_string();
    let Some(env) = Envelope::from_headers(&out.meta.headers)? else {
        tracing::info!(target: "osskit", request_id = %request_id,
            "the object has no encryption envelope; returning it as stored");
        return Ok(out);
    };
    let cipher = keys.cipher(&env, &request_id).await?;
    let (offset, discard) = match out.content_range.as_deref().and_then(parse_content_range) {
        Some((a, b, total)) if out.meta.status == 206 => {
            if a % cipher::BLOCK != 0 {
                return Err(Error::client(format!(
                    "offset is not align to encrypt block: the answer starts at byte {a}, \
                     not a multiple of 16"
                )));
            }
            let discard = requested_start
                .filter(|s| *s >= a && *s <= b)
                .map(|s| s - a)
                .unwrap_or(0);
            out.content_range = Some(format!("bytes {}-{b}/{total}", a + discard));
            (a, discard)
        }
        _ => (0, 0),
    };
    out.content_length = out.content_length.map(|n| n.saturating_sub(discard));
    out.body = out.body.decode(
        Positioned {
            codec: Arc::new(cipher),
            offset,
        },
        discard,
    );
    Ok(out)
}

/// The data key of a multipart upload and the sizes it was made for (oss2's
/// `MultipartUploadCryptoContext`): give it to
/// [`CryptoBucket::init_multipart_upload`], which fills it, then to every
/// [`CryptoBucket::upload_part`]. Clones share the filled state.
///
/// The context can be saved with [`to_json`](MultipartUploadCryptoContext::to_json) (the
/// wrapped key only) and restored with
/// [`from_json`](MultipartUploadCryptoContext::from_json) to continue an upload in another
/// process.
///
/// ```
/// use osskit::crypto::MultipartUploadCryptoContext;
/// let ctx = MultipartUploadCryptoContext::new(10 * 1024 * 1024).with_part_size(1024 * 1024);
/// assert_eq!(ctx.data_size(), 10 * 1024 * 1024);
/// assert_eq!(ctx.part_size(), Some(1024 * 1024));
/// assert!(ctx.envelope().is_none()); // filled by init_multipart_upload
/// ```
#[derive(Clone)]
pub struct MultipartUploadCryptoContext {
    inner: Arc<ContextInner>,
}

struct ContextInner {
    data_size: u64,
    part_size: Option<u64>,
    state: Mutex<Option<ContextState>>,
}

#[derive(Clone)]
struct ContextState {
    part_size: u64,
    envelope: Envelope,
    cipher: Option<Arc<AesCtr>>,
}

impl std::fmt::Debug for MultipartUploadCryptoContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MultipartUploadCryptoContext")
            .field("data_size", &self.inner.data_size)
            .field("part_size", &self.part_size())
            .field("initialised", &self.envelope().is_some())
            .finish()
    }
}

#[derive(serde::Serialize, serde::Deserialize)]
struct ContextRecord {
    data_size: u64,
    part_size: u64,
    wrap_alg: String,
    cek_alg: String,
    encrypted_key: String,
    encrypted_iv: String,
    #[serde(default)]
    mat_desc: Option<serde_json::Value>,
}

impl MultipartUploadCryptoContext {
    /// A context for `data_size` bytes of plaintext; the part size is chosen at init
    /// (10 MiB, doubled until 10,000 parts hold the data) unless set.
    pub fn new(data_size: u64) -> MultipartUploadCryptoContext {
        MultipartUploadCryptoContext {
            inner: Arc::new(ContextInner {
                data_size,
                part_size: None,
                state: Mutex::new(None),
            }),
        }
    }

    /// The part size: a multiple of 16, at least 100 KiB, and large enough for 10,000
    /// parts to hold the data (checked at init).
    pub fn with_part_size(self, bytes: u64) -> MultipartUploadCryptoContext {
        MultipartUploadCryptoContext {
            inner: Arc::new(ContextInner {
                data_size: self.inner.data_size,
                part_size: Some(bytes),
                state: Mutex::new(self.state()),
            }),
        }
    }

    fn state(&self) -> Option<ContextState> {
        self.inner
            .state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn set_state(&self, state: ContextState) {
        *self.inner.state.lock().unwrap_or_else(|p| p.into_inner()) = Some(state);
    }

    /// The plaintext size.
    pub fn data_size(&self) -> u64 {
        self.inner.data_size
    }

    /// The part size, given or chosen at init (`None` before init when not given).
    pub fn part_size(&self) -> Option<u64> {
        self.state().map(|s| s.part_size).or(self.inner.part_size)
    }

    /// The envelope of the upload, once initialised.
    pub fn envelope(&self) -> Option<Envelope> {
        self.state().map(|s| s.envelope)
    }

    /// The context as JSON: sizes and the wrapped key and IV (never the plain ones).
    /// `None` before init.
    pub fn to_json(&self) -> Option<String> {
        let s = self.state()?;
        let env = &s.envelope;
        let rec = ContextRecord {
            data_size: self.inner.data_size,
            part_size: s.part_size,
            wrap_alg: env.wrap_alg.clone(),
            cek_alg: env.cek_alg.clone(),
            encrypted_key: b64().encode(&env.wrapped_key),
            encrypted_iv: b64().encode(&env.wrapped_iv),
            mat_desc: (!env.description.is_empty())
                .then(|| serde_json::from_str(&env.description.to_json()).ok())
                .flatten(),
        };
        serde_json::to_string(&rec).ok()
    }

    /// A context saved with [`to_json`](MultipartUploadCryptoContext::to_json); its key is
    /// unwrapped by the provider at the first part.
    pub fn from_json(text: &str) -> Result<MultipartUploadCryptoContext> {
        let rec: ContextRecord = serde_json::from_str(text)
            .map_err(|e| Error::client(format!("not a saved multipart crypto context: {e}")))?;
        let env = envelope_from_record(
            &rec.wrap_alg,
            &rec.cek_alg,
            &rec.encrypted_key,
            &rec.encrypted_iv,
            rec.mat_desc.as_ref(),
        )?;
        let ctx = MultipartUploadCryptoContext::new(rec.data_size).with_part_size(rec.part_size);
        ctx.set_state(ContextState {
            part_size: rec.part_size,
            envelope: env,
            cipher: None,
        });
        Ok(ctx)
    }
}

fn envelope_from_record(
    wrap_alg: &str,
    cek_alg: &str,
    key: &str,
    iv: &str,
    desc: Option<&serde_json::Value>,
) -> Result<Envelope> {
    let bad =
        |e: base64::DecodeError| Error::client(format!("the saved wrapped key is not base64: {e}"));
    Ok(Envelope {
        wrapped_key: b64().decode(key).map_err(bad)?,
        wrapped_iv: b64().decode(iv).map_err(bad)?,
        cek_alg: cek_alg.to_string(),
        wrap_alg: wrap_alg.to_string(),
        description: match desc {
            Some(v) if !v.is_null() => MaterialDescription::from_json(&v.to_string())?,
            _ => MaterialDescription::new(),
        },
        format: EnvelopeFormat::Current,
    })
}

impl MultipartUploadCryptoContext {
    fn data_size_checked(&self) -> Result<u64> {
        match self.inner.data_size {
            0 => Err(Error::client(
                "It is not support none upload_context and must specify data_size of \
                 upload_context: the data size of an encrypted multipart upload must be given",
            )),
            n => Ok(n),
        }
    }
}

/// Fills the context and sends the envelope at InitiateMultipartUpload.
struct InitHook {
    keys: Arc<Keyring>,
    context: MultipartUploadCryptoContext,
}

impl RequestHook for InitHook {
    fn before<'a>(&'a self, req: &'a mut OssRequest) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let data_size = self.context.data_size_checked()?;
            let part_size = match self.context.inner.part_size {
                Some(p) if !cipher::is_valid_part_size(p, data_size) => {
                    return Err(Error::client(format!(
                        "part_size is invalid for multipart upload for CryptoBucket: {p} must be \
                         a multiple of 16, at least 102400, and 10000 parts of it must hold the \
                         {data_size} bytes"
                    )))
                }
                Some(p) => p,
                None => cipher::determine_part_size(data_size),
            };
            let (env, cipher) = self.keys.new_key().await?;
            for (k, v) in env.to_headers() {
                crate::request::set_header(&mut req.headers, &k, v);
            }
            crate::request::set_header(
                &mut req.headers,
                envelope::DATA_SIZE,
                data_size.to_string(),
            );
            crate::request::set_header(
                &mut req.headers,
                envelope::PART_SIZE,
                part_size.to_string(),
            );
            self.context.set_state(ContextState {
                part_size,
                envelope: env,
                cipher: Some(Arc::new(cipher)),
            });
            Ok(())
        })
    }
}

/// Encrypts one part at its offset.
struct PartHook {
    keys: Arc<Keyring>,
    context: MultipartUploadCryptoContext,
    part_number: u32,
}

impl RequestHook for PartHook {
    fn before<'a>(&'a self, req: &'a mut OssRequest) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let state = self.context.state().ok_or_else(|| {
                Error::client(
                    "the multipart crypto context was not initialised: pass it to \
                     init_multipart_upload first",
                )
            })?;
            if state.envelope.cek_alg != AES_CTR
                || state.envelope.wrap_alg != self.keys.main.wrap_algorithm()
            {
                return Err(inconsistent(
                    "Envelope or data encryption/decryption algorithm is inconsistent: the \
                     context's key was not made by this client's provider"
                        .to_string(),
                    "",
                ));
            }
            let data_size = self.context.inner.data_size;
            let ps = state.part_size;
            let parts = data_size.div_ceil(ps).max(1);
            let n = u64::from(self.part_number);
            if n == 0 || n > parts {
                return Err(Error::client(format!(
                    "part {n} is beyond the {parts} parts of {ps} bytes that hold the \
                     {data_size} bytes of this upload's context"
                )));
            }
            let offset = ps * (n - 1);
            let expected = ps.min(data_size - offset);
            if let Some(len) = req.body.as_ref().and_then(Body::len) {
                if len != expected {
                    return Err(Error::client(format!(
                        "part {n} has {len} bytes but must have {expected}: every part of an \
                         encrypted upload but the last is exactly the part size ({ps}), the last \
                         the rest of the data size ({data_size})"
                    )));
                }
            }
            let cipher = match state.cipher {
                Some(c) => c,
                None => {
                    let c = Arc::new(self.keys.cipher(&state.envelope, "").await?);
                    let mut s = state.clone();
                    s.cipher = Some(c.clone());
                    self.context.set_state(s);
                    c
                }
            };
            // A Content-MD5 of the plaintext would not match the ciphertext sent.
            if let Some(md5) = take_header(req, "Content-MD5") {
                crate::request::set_header(&mut req.headers, envelope::UNENCRYPTED_MD5, md5);
            }
            encode_body(req, cipher, offset);
            Ok(())
        })
    }
}

/// What the transfer managers get from a CryptoBucket.
struct KeyringCodecs(Arc<Keyring>);

#[derive(serde::Serialize, serde::Deserialize)]
struct TransferRecord {
    wrap_alg: String,
    cek_alg: String,
    encrypted_key: String,
    encrypted_iv: String,
    #[serde(default)]
    mat_desc: Option<serde_json::Value>,
}

impl TransferCodecs for KeyringCodecs {
    fn part_alignment(&self) -> u64 {
        cipher::BLOCK
    }

    fn new_object(
        &self,
        size: u64,
        part_size: Option<u64>,
    ) -> BoxFuture<'_, Result<NewObjectCodec>> {
        Box::pin(async move {
            let (env, cipher) = self.0.new_key().await?;
            let mut headers = env.to_headers();
            if let Some(ps) = part_size {
                headers.push((envelope::DATA_SIZE.to_string(), size.to_string()));
                headers.push((envelope::PART_SIZE.to_string(), ps.to_string()));
            }
            let record = TransferRecord {
                wrap_alg: env.wrap_alg.clone(),
                cek_alg: env.cek_alg.clone(),
                encrypted_key: b64().encode(&env.wrapped_key),
                encrypted_iv: b64().encode(&env.wrapped_iv),
                mat_desc: (!env.description.is_empty())
                    .then(|| serde_json::from_str(&env.description.to_json()).ok())
                    .flatten(),
            };
            Ok(NewObjectCodec {
                headers,
                codec: Arc::new(cipher),
                record: serde_json::to_value(record).unwrap_or_default(),
            })
        })
    }

    fn resume<'a>(
        &'a self,
        record: &'a serde_json::Value,
    ) -> BoxFuture<'a, Result<Option<Arc<dyn Codec>>>> {
        Box::pin(async move {
            let Ok(rec) = serde_json::from_value::<TransferRecord>(record.clone()) else {
                return Ok(None);
            };
            let env = match envelope_from_record(
                &rec.wrap_alg,
                &rec.cek_alg,
                &rec.encrypted_key,
                &rec.encrypted_iv,
                rec.mat_desc.as_ref(),
            ) {
                Ok(e) => e,
                Err(_) => return Ok(None),
            };
            // Only the provider that encrypts new objects may continue an upload.
            if env.description != *self.0.main.material_description()
                || env.wrap_alg != self.0.main.wrap_algorithm()
                || env.cek_alg != AES_CTR
            {
                return Ok(None);
            }
            let cipher = self.0.cipher(&env, "").await?;
            Ok(Some(Arc::new(cipher) as Arc<dyn Codec>))
        })
    }

    fn existing<'a>(
        &'a self,
        headers: &'a HeaderMap,
    ) -> BoxFuture<'a, Result<Option<Arc<dyn Codec>>>> {
        Box::pin(async move {
            let request_id = headers
                .get(osskit_proto::headers::REQUEST_ID)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            match Envelope::from_headers(headers)? {
                None => Ok(None),
                Some(env) => {
                    let cipher = self.0.cipher(&env, &request_id).await?;
                    Ok(Some(Arc::new(cipher) as Arc<dyn Codec>))
                }
            }
        })
    }

    fn download_hook(&self) -> Arc<dyn RequestHook> {
        Arc::new(GetHook {
            keys: self.0.clone(),
            requested_start: Mutex::new(None),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_of_a_get() {
        assert_eq!(parse_range("bytes=17-40").unwrap(), Some((17, Some(40))));
        assert_eq!(parse_range("bytes=17-").unwrap(), Some((17, None)));
        assert!(parse_range("bytes=-5").is_err());
        assert_eq!(parse_range("garbage").unwrap(), None);
        assert_eq!(
            parse_content_range("bytes 16-40/100"),
            Some((16, 40, "100".to_string()))
        );
        assert_eq!(parse_content_range("bytes */100"), None);
    }
}
