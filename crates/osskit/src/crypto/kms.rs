//! [`KmsProvider`]: data keys from Alibaba Cloud KMS (`GenerateDataKey`, `Encrypt`, `Decrypt`,
//! API version 2016-01-20), called over KMS's RPC API with its signature (version 1.0,
//! HMAC-SHA1) through the SDK's HTTP session.
//!
//! As oss2's `AliKMSProvider` does it: the data key comes from `GenerateDataKey` (its
//! `CiphertextBlob` text is the wrapped key), the IV is wrapped with `Encrypt` of its base64
//! text, and both are unwrapped with `Decrypt`. A passphrase becomes the encryption context
//! `{"x-passphrase":"<passphrase>"}`.
//!
//! `oss-server` answers these calls too (see its README), so that KMS-encrypted objects work
//! locally: point the provider at it with [`KmsProviderBuilder::endpoint`].

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use futures_util::future::BoxFuture;
use http::Method;
use osskit_proto::rpc::{sign_params, RpcContext};
use zeroize::Zeroizing;

use crate::credentials::CredentialsProvider;
use crate::crypto::cipher::random_iv;
use crate::crypto::envelope::{MaterialDescription, KMS_ALICLOUD};
use crate::crypto::provider::{DataKey, KeyPart, KeyProvider};
use crate::error::{Error, Result, ServerError};
use crate::session::Session;

/// KMS's API version.
pub const KMS_API_VERSION: &str = "2016-01-20";

/// Key wrapping by Alibaba Cloud KMS under a customer master key (wrap algorithm
/// `KMS/ALICLOUD`).
///
/// ```
/// use osskit::credentials::StaticCredentialsProvider;
/// use osskit::crypto::{KeyProvider, KmsProvider};
/// let kms = KmsProvider::builder(StaticCredentialsProvider::new("ak", "sk"), "my-cmk-id")
///     .region("cn-hangzhou") // https://kms.cn-hangzhou.aliyuncs.com
///     .build()?;
/// assert_eq!(kms.endpoint(), "https://kms.cn-hangzhou.aliyuncs.com");
/// assert_eq!(kms.wrap_algorithm(), "KMS/ALICLOUD");
/// // A local oss-server answers KMS calls too.
/// let local = KmsProvider::builder(StaticCredentialsProvider::new("ak", "sk"), "my-cmk-id")
///     .endpoint("http://127.0.0.1:9000")
///     .build()?;
/// assert_eq!(local.endpoint(), "http://127.0.0.1:9000");
/// # Ok::<(), osskit::Error>(())
/// ```
#[derive(Clone)]
pub struct KmsProvider {
    inner: Arc<Inner>,
}

struct Inner {
    endpoint: String,
    credentials: Arc<dyn CredentialsProvider>,
    cmk_id: String,
    context: Option<String>,
    description: MaterialDescription,
    session: Session,
    timeout: Duration,
}

impl std::fmt::Debug for KmsProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KmsProvider")
            .field("endpoint", &self.inner.endpoint)
            .field("cmk_id", &self.inner.cmk_id)
            .field("description", &self.inner.description)
            .finish_non_exhaustive()
    }
}

/// Settings of a [`KmsProvider`].
pub struct KmsProviderBuilder {
    credentials: Arc<dyn CredentialsProvider>,
    cmk_id: String,
    endpoint: Option<String>,
    region: Option<String>,
    passphrase: Option<String>,
    description: MaterialDescription,
    session: Option<Session>,
}

impl KmsProviderBuilder {
    /// KMS of this region: `https://kms.<region>.aliyuncs.com`.
    pub fn region(mut self, region: &str) -> Self {
        self.region = Some(region.trim().to_string());
        self
    }

    /// Another endpoint, `http[s]://host[:port]` (e.g. a local `oss-server`, or a VPC
    /// endpoint); a bare host means HTTPS.
    pub fn endpoint(mut self, endpoint: &str) -> Self {
        self.endpoint = Some(endpoint.trim().trim_end_matches('/').to_string());
        self
    }

    /// The passphrase, sent as the encryption context `{"x-passphrase":"…"}`.
    pub fn passphrase(mut self, passphrase: impl Into<String>) -> Self {
        self.passphrase = Some(passphrase.into());
        self
    }

    /// The material description of the objects this provider writes and reads.
    pub fn material_description(mut self, description: MaterialDescription) -> Self {
        self.description = description;
        self
    }

    /// The HTTP session (connection pools and timeouts) to call KMS through; by default a
    /// new one.
    pub fn session(mut self, session: Session) -> Self {
        self.session = Some(session);
        self
    }

    /// Checks the settings.
    pub fn build(self) -> Result<KmsProvider> {
        if self.cmk_id.trim().is_empty() {
            return Err(Error::client("the KMS key id (CMK) is empty"));
        }
        let endpoint = match (self.endpoint, self.region) {
            (Some(e), _) if !e.is_empty() => {
                if e.contains("://") {
                    e
                } else {
                    format!("https://{e}")
                }
            }
            (_, Some(r)) if !r.is_empty() => format!("https://kms.{r}.aliyuncs.com"),
            _ => {
                return Err(Error::client(
                    "a KMS provider needs a region (.region(\"cn-hangzhou\")) or an endpoint",
                ))
            }
        };
        if !(endpoint.starts_with("http://") || endpoint.starts_with("https://")) {
            return Err(Error::client(format!(
                "the KMS endpoint {endpoint:?} must be http:// or https://"
            )));
        }
        let session = match self.session {
            Some(s) => s,
            None => Session::builder().build()?,
        };
        let timeout = session.connect_timeout() + session.read_timeout();
        Ok(KmsProvider {
            inner: Arc::new(Inner {
                endpoint,
                credentials: self.credentials,
                cmk_id: self.cmk_id,
                context: self
                    .passphrase
                    .map(|p| serde_json::json!({ "x-passphrase": p }).to_string()),
                description: self.description,
                session,
                timeout,
            }),
        })
    }
}

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

impl KmsProvider {
    /// A builder for the provider of customer master key `cmk_id`, calling KMS with
    /// `credentials`.
    pub fn builder(
        credentials: impl CredentialsProvider,
        cmk_id: impl Into<String>,
    ) -> KmsProviderBuilder {
        KmsProviderBuilder {
            credentials: Arc::new(credentials),
            cmk_id: cmk_id.into(),
            endpoint: None,
            region: None,
            passphrase: None,
            description: MaterialDescription::new(),
            session: None,
        }
    }

    /// The KMS endpoint called.
    pub fn endpoint(&self) -> &str {
        &self.inner.endpoint
    }

    /// The customer master key.
    pub fn cmk_id(&self) -> &str {
        &self.inner.cmk_id
    }

    /// Calls `action` with `params`; the JSON answer, or KMS's error as [`Error::Server`]
    /// (its `Code`, `Message` and `RequestId`).
    async fn call(&self, action: &str, params: Vec<(String, String)>) -> Result<serde_json::Value> {
        let inner = &self.inner;
        let credentials = inner.credentials.credentials().await?;
        let nonce = format!("{:032x}", rand::random::<u128>());
        let ctx = RpcContext {
            access_key_id: &credentials.access_key_id,
            access_key_secret: &credentials.access_key_secret,
            security_token: credentials.security_token.as_deref(),
            version: KMS_API_VERSION,
            time: crate::transport::now_unix(),
            nonce: &nonce,
        };
        let signed = sign_params("POST", action, &params, &ctx);
        let form = osskit_proto::encoding::form_query(&signed);
        let url = format!("{}/", inner.endpoint);
        let what = format!("KMS {action} at {}", inner.endpoint);
        let request = inner
            .session
            .request(Method::POST, &url)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .body(form);
        let exchange = async {
            let response = request.send().await?;
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            let body = response.bytes().await?;
            Ok::<_, reqwest::Error>((status, headers, body))
        };
        let (status, headers, body) = match tokio::time::timeout(inner.timeout, exchange).await {
            Ok(Ok(r)) => r,
            Ok(Err(e)) => {
                let timeout = e.is_timeout();
                return Err(Error::request(format!("{what} failed"), e, timeout));
            }
            Err(_) => {
                return Err(Error::request(
                    format!("{what} failed"),
                    std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        format!("no answer within {:?}", inner.timeout),
                    ),
                    true,
                ))
            }
        };
        let parsed: Option<serde_json::Value> = serde_json::from_slice(&body).ok();
        if !(200..300).contains(&status) {
            return Err(kms_error(status, headers, body, parsed.as_ref()));
        }
        parsed.ok_or_else(|| Error::InvalidResponse {
            message: format!("{what}: the answer is not JSON"),
            request_id: String::new(),
        })
    }

    fn context_param(&self, params: &mut Vec<(String, String)>) {
        if let Some(c) = &self.inner.context {
            params.push(("EncryptionContext".into(), c.clone()));
        }
    }

    async fn encrypt(&self, plaintext: String) -> Result<Vec<u8>> {
        let mut params = vec![
            ("KeyId".to_string(), self.inner.cmk_id.clone()),
            ("Plaintext".to_string(), plaintext),
        ];
        self.context_param(&mut params);
        let v = self.call("Encrypt", params).await?;
        Ok(field(&v, "Encrypt", "CiphertextBlob")?.into_bytes())
    }

    async fn decrypt(&self, blob: &[u8]) -> Result<Zeroizing<String>> {
        let blob = std::str::from_utf8(blob).map_err(|_| {
            Error::client("the KMS-wrapped key of the object is not a KMS ciphertext (not text)")
        })?;
        let mut params = vec![("CiphertextBlob".to_string(), blob.to_string())];
        self.context_param(&mut params);
        let v = self.call("Decrypt", params).await?;
        Ok(Zeroizing::new(field(&v, "Decrypt", "Plaintext")?))
    }
}

fn field(v: &serde_json::Value, action: &str, name: &str) -> Result<String> {
    v.get(name)
        .and_then(|x| x.as_str())
        .map(str::to_string)
        .ok_or_else(|| Error::InvalidResponse {
            message: format!("KMS {action}: the answer has no {name}"),
            request_id: v
                .get("RequestId")
                .and_then(|x| x.as_str())
                .unwrap_or("")
                .to_string(),
        })
}

/// KMS's JSON error (`Code`, `Message`, `RequestId`, `HostId`) as a server error.
fn kms_error(
    status: u16,
    headers: http::HeaderMap,
    body: Bytes,
    parsed: Option<&serde_json::Value>,
) -> Error {
    let text = |name: &str| {
        parsed
            .and_then(|v| v.get(name))
            .and_then(|x| x.as_str())
            .unwrap_or("")
            .to_string()
    };
    let mut details = Vec::new();
    if let Some(serde_json::Value::Object(map)) = parsed {
        for (k, v) in map {
            details.push((
                k.clone(),
                v.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| v.to_string()),
            ));
        }
    }
    let body = if body.len() > crate::error::ERROR_BODY_LIMIT {
        body.slice(..crate::error::ERROR_BODY_LIMIT)
    } else {
        body
    };
    Error::Server(Box::new(ServerError {
        status,
        code: text("Code"),
        message: text("Message"),
        request_id: text("RequestId"),
        ec: None,
        host_id: text("HostId"),
        details,
        headers,
        body,
    }))
}

impl KeyProvider for KmsProvider {
    fn wrap_algorithm(&self) -> &str {
        KMS_ALICLOUD
    }

    fn material_description(&self) -> &MaterialDescription {
        &self.inner.description
    }

    fn wrap<'a>(&'a self, _part: KeyPart, plain: &'a [u8]) -> BoxFuture<'a, Result<Vec<u8>>> {
        Box::pin(async move { self.encrypt(b64().encode(plain)).await })
    }

    fn unwrap<'a>(
        &'a self,
        part: KeyPart,
        wrapped: &'a [u8],
    ) -> BoxFuture<'a, Result<Zeroizing<Vec<u8>>>> {
        Box::pin(async move {
            let plain = self.decrypt(wrapped).await?;
            if part == KeyPart::LegacyStart {
                return Ok(Zeroizing::new(plain.as_bytes().to_vec()));
            }
            b64().decode(plain.trim()).map(Zeroizing::new).map_err(|e| {
                Error::client(format!(
                    "KMS Decrypt returned a plaintext that is not base64 ({e}): \
                     the object was not encrypted by an OSS SDK's KMS provider"
                ))
            })
        })
    }

    fn new_data_key(&self) -> BoxFuture<'_, Result<DataKey>> {
        Box::pin(async move {
            let mut params = vec![
                ("KeyId".to_string(), self.inner.cmk_id.clone()),
                ("KeySpec".to_string(), "AES_256".to_string()),
                ("NumberOfBytes".to_string(), "32".to_string()),
            ];
            self.context_param(&mut params);
            let v = self.call("GenerateDataKey", params).await?;
            let plain = Zeroizing::new(field(&v, "GenerateDataKey", "Plaintext")?);
            let key = b64()
                .decode(plain.trim())
                .map_err(|e| Error::InvalidResponse {
                    message: format!("KMS GenerateDataKey: the Plaintext is not base64: {e}"),
                    request_id: String::new(),
                })?;
            let blob = field(&v, "GenerateDataKey", "CiphertextBlob")?;
            let iv = random_iv().to_vec();
            let wrapped_iv = self.wrap(KeyPart::Iv, &iv).await?;
            Ok(DataKey::new(
                Zeroizing::new(key),
                iv,
                blob.into_bytes(),
                wrapped_iv,
            ))
        })
    }
}
