//! [`CredentialsUriProvider`]: credentials served by a URL.

use std::sync::Mutex;

use serde_json::Value;

use super::environment::Environment;
use super::http::{Http, HttpOptions};
use super::{parse_expiration, Credentials, CredentialsFuture, CredentialsProvider};
use crate::error::{Error, Result};

/// The URI variable.
pub(crate) const ENV_CREDENTIALS_URI: &str = "ALIBABA_CLOUD_CREDENTIALS_URI";

/// Credentials from an HTTP(S) URL answering, as the official SDKs expect:
///
/// ```json
/// {"Code": "Success", "AccessKeyId": "…", "AccessKeySecret": "…",
///  "SecurityToken": "…", "Expiration": "2024-10-26T03:46:38Z"}
/// ```
///
/// `Code`, `SecurityToken` and `Expiration` may be missing (a `Code` other than `Success` is
/// an error). Credentials without `Expiration` are kept for the life of the provider;
/// expiring ones are fetched again by the [`CredentialsCache`](super::CredentialsCache)
/// before they expire.
///
/// ```
/// use osskit::credentials::CredentialsUriProvider;
/// let provider = CredentialsUriProvider::new("http://127.0.0.1:8080/credentials").unwrap();
/// ```
#[derive(Debug)]
pub struct CredentialsUriProvider {
    uri: String,
    http: Http,
    kept: Mutex<Option<Credentials>>,
}

impl CredentialsUriProvider {
    /// Fetches from `uri`.
    pub fn new(uri: impl Into<String>) -> Result<Self> {
        Self::with_http(uri, HttpOptions::new())
    }

    /// Fetches from `uri` with HTTP `options`.
    pub fn with_http(uri: impl Into<String>, options: HttpOptions) -> Result<Self> {
        let uri = uri.into().trim().to_string();
        if !(uri.starts_with("http://") || uri.starts_with("https://")) {
            return Err(Error::client(format!(
                "the credentials URI {uri:?} is not an http:// or https:// URL"
            )));
        }
        Ok(CredentialsUriProvider {
            uri,
            http: Http::new(&options, true)?,
            kept: Mutex::new(None),
        })
    }

    /// From `ALIBABA_CLOUD_CREDENTIALS_URI` in `env`; fails when it is not set.
    pub fn from_environment(env: &Environment) -> Result<Self> {
        match env.var(ENV_CREDENTIALS_URI) {
            Some(uri) => Self::new(uri),
            None => Err(Error::credentials(format!(
                "credentials URI: {ENV_CREDENTIALS_URI} not set"
            ))),
        }
    }

    async fn fetch(&self) -> Result<Credentials> {
        if let Some(kept) = self.kept.lock().unwrap_or_else(|e| e.into_inner()).clone() {
            return Ok(kept);
        }
        let what = format!("getting credentials from {}", self.uri);
        let answer = self
            .http
            .send(self.http.client().get(&self.uri), &what)
            .await?;
        if answer.status != 200 {
            return Err(Error::credentials(format!(
                "{what} failed: HTTP {}: {}",
                answer.status,
                answer.text()
            )));
        }
        let doc: Value = serde_json::from_slice(&answer.body).map_err(|_| {
            Error::credentials(format!("{what}: the answer is not JSON: {}", answer.text()))
        })?;
        let credentials = parse_answer(&doc, &what)?;
        if credentials.expiration.is_none() {
            *self.kept.lock().unwrap_or_else(|e| e.into_inner()) = Some(credentials.clone());
        }
        Ok(credentials)
    }
}

/// `{"Code", "AccessKeyId", "AccessKeySecret", "SecurityToken", "Expiration"}`.
pub(crate) fn parse_answer(doc: &Value, what: &str) -> Result<Credentials> {
    if let Some(code) = doc.get("Code").and_then(Value::as_str) {
        if code != "Success" {
            return Err(Error::credentials(format!(
                "{what}: the answer's Code is {code:?}, not \"Success\""
            )));
        }
    }
    let field = |name: &str| {
        doc.get(name)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let (Some(id), Some(secret)) = (field("AccessKeyId"), field("AccessKeySecret")) else {
        return Err(Error::credentials(format!(
            "{what}: the answer has no AccessKeyId or AccessKeySecret"
        )));
    };
    let mut credentials = match field("SecurityToken") {
        Some(token) => Credentials::with_token(id, secret, token),
        None => Credentials::new(id, secret),
    };
    if let Some(expiration) = field("Expiration") {
        credentials = credentials.expires_at(parse_expiration(expiration, what)?);
    }
    Ok(credentials)
}

impl CredentialsProvider for CredentialsUriProvider {
    fn credentials(&self) -> CredentialsFuture<'_> {
        Box::pin(self.fetch())
    }
}
