//! Key providers: what wraps and unwraps the data key and IV of each object.

use futures_util::future::BoxFuture;
use zeroize::Zeroizing;

use crate::crypto::cipher::{random_iv, random_key};
use crate::crypto::envelope::MaterialDescription;
use crate::error::Result;

/// Which secret a provider is asked to wrap or unwrap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyPart {
    /// The 32-byte data key.
    DataKey,
    /// The 16-byte IV (current format).
    Iv,
    /// The decimal counter text of the legacy format's `start` (read only).
    LegacyStart,
}

/// A new object's data key and IV, in plain and wrapped form.
#[derive(Clone)]
pub struct DataKey {
    /// The 32-byte AES-256 key.
    pub key: Zeroizing<Vec<u8>>,
    /// The 16-byte IV.
    pub iv: Vec<u8>,
    /// The key as stored (for KMS, the `CiphertextBlob` text).
    pub wrapped_key: Vec<u8>,
    /// The IV as stored.
    pub wrapped_iv: Vec<u8>,
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataKey")
            .field("wrapped_key", &self.wrapped_key.len())
            .field("wrapped_iv", &self.wrapped_iv.len())
            .finish_non_exhaustive()
    }
}

impl DataKey {
    /// A data key from its parts.
    pub fn new(
        key: Zeroizing<Vec<u8>>,
        iv: Vec<u8>,
        wrapped_key: Vec<u8>,
        wrapped_iv: Vec<u8>,
    ) -> DataKey {
        DataKey {
            key,
            iv,
            wrapped_key,
            wrapped_iv,
        }
    }
}

/// Wraps and unwraps the secrets of encrypted objects: [`RsaProvider`](super::RsaProvider),
/// [`LocalRsaProvider`](super::LocalRsaProvider), [`KmsProvider`](super::KmsProvider), or
/// your own.
///
/// A provider names the `wrap-alg` it writes; objects are only decrypted by a provider of
/// the same algorithm and material description. The methods are async so that a provider
/// may call a remote service.
///
/// ```
/// use futures_util::future::BoxFuture;
/// use osskit::crypto::{KeyPart, KeyProvider, MaterialDescription};
/// use zeroize::Zeroizing;
///
/// /// A toy provider that "wraps" by XOR with a fixed byte (do not use for real data).
/// #[derive(Debug)]
/// struct Xor(u8, MaterialDescription);
///
/// impl KeyProvider for Xor {
///     fn wrap_algorithm(&self) -> &str {
///         "XOR/EXAMPLE"
///     }
///     fn material_description(&self) -> &MaterialDescription {
///         &self.1
///     }
///     fn wrap<'a>(&'a self, _: KeyPart, plain: &'a [u8]) -> BoxFuture<'a, osskit::Result<Vec<u8>>> {
///         Box::pin(async move { Ok(plain.iter().map(|b| b ^ self.0).collect()) })
///     }
///     fn unwrap<'a>(
///         &'a self,
///         _: KeyPart,
///         wrapped: &'a [u8],
///     ) -> BoxFuture<'a, osskit::Result<Zeroizing<Vec<u8>>>> {
///         Box::pin(async move { Ok(Zeroizing::new(wrapped.iter().map(|b| b ^ self.0).collect())) })
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> osskit::Result<()> {
/// let p = Xor(0x5a, MaterialDescription::new());
/// let key = p.new_data_key().await?;
/// assert_eq!(key.key.len(), 32);
/// assert_eq!(*p.unwrap(KeyPart::DataKey, &key.wrapped_key).await?, *key.key);
/// # Ok(())
/// # }
/// ```
pub trait KeyProvider: Send + Sync + std::fmt::Debug + 'static {
    /// The `x-oss-meta-client-side-encryption-wrap-alg` value of this provider.
    fn wrap_algorithm(&self) -> &str;

    /// The material description written with new objects and required of objects read
    /// (empty: none).
    fn material_description(&self) -> &MaterialDescription;

    /// Wraps a secret for storage.
    fn wrap<'a>(&'a self, part: KeyPart, plain: &'a [u8]) -> BoxFuture<'a, Result<Vec<u8>>>;

    /// Unwraps a stored secret.
    fn unwrap<'a>(
        &'a self,
        part: KeyPart,
        wrapped: &'a [u8],
    ) -> BoxFuture<'a, Result<Zeroizing<Vec<u8>>>>;

    /// A new object's data key: by default a random key and IV, each wrapped with
    /// [`wrap`](KeyProvider::wrap).
    fn new_data_key(&self) -> BoxFuture<'_, Result<DataKey>> {
        Box::pin(async move {
            let key = random_key();
            let iv = random_iv().to_vec();
            let wrapped_key = self.wrap(KeyPart::DataKey, &key).await?;
            let wrapped_iv = self.wrap(KeyPart::Iv, &iv).await?;
            Ok(DataKey::new(key, iv, wrapped_key, wrapped_iv))
        })
    }
}
