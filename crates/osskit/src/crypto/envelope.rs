//! The envelope: the object metadata that carries an encrypted object's wrapped data key and
//! IV, the algorithms and the material description, in the current format
//! (`x-oss-meta-client-side-encryption-*`, written and read) and in the legacy one
//! (`x-oss-meta-oss-crypto-*`, read only).

use base64::Engine as _;
use http::HeaderMap;

use crate::crypto::cipher::{AES_CTR, AES_GCM_LEGACY};
use crate::error::{Error, Result};

/// `x-oss-meta-client-side-encryption-key`: base64 of the wrapped data key.
pub const KEY: &str = "x-oss-meta-client-side-encryption-key";
/// `x-oss-meta-client-side-encryption-start`: base64 of the wrapped IV.
pub const START: &str = "x-oss-meta-client-side-encryption-start";
/// `x-oss-meta-client-side-encryption-cek-alg`: the data cipher.
pub const CEK_ALG: &str = "x-oss-meta-client-side-encryption-cek-alg";
/// `x-oss-meta-client-side-encryption-wrap-alg`: how the key and IV are wrapped.
pub const WRAP_ALG: &str = "x-oss-meta-client-side-encryption-wrap-alg";
/// `x-oss-meta-client-side-encryption-matdesc`: the material description (JSON).
pub const MATDESC: &str = "x-oss-meta-client-side-encryption-matdesc";
/// `x-oss-meta-client-side-encryption-unencrypted-content-md5`: the caller's Content-MD5.
pub const UNENCRYPTED_MD5: &str = "x-oss-meta-client-side-encryption-unencrypted-content-md5";
/// `x-oss-meta-client-side-encryption-unencrypted-content-length`: the caller's length.
pub const UNENCRYPTED_LENGTH: &str = "x-oss-meta-client-side-encryption-unencrypted-content-length";
/// `x-oss-meta-client-side-encryption-data-size`: plaintext size of a multipart object.
pub const DATA_SIZE: &str = "x-oss-meta-client-side-encryption-data-size";
/// `x-oss-meta-client-side-encryption-part-size`: part size of a multipart object.
pub const PART_SIZE: &str = "x-oss-meta-client-side-encryption-part-size";

/// Legacy `x-oss-meta-oss-crypto-key`.
pub const LEGACY_KEY: &str = "x-oss-meta-oss-crypto-key";
/// Legacy `x-oss-meta-oss-crypto-start` (a wrapped decimal counter).
pub const LEGACY_START: &str = "x-oss-meta-oss-crypto-start";
/// Legacy `x-oss-meta-oss-cek-alg`.
pub const LEGACY_CEK_ALG: &str = "x-oss-meta-oss-cek-alg";
/// Legacy `x-oss-meta-oss-wrap-alg` (`kms` or `rsa`).
pub const LEGACY_WRAP_ALG: &str = "x-oss-meta-oss-wrap-alg";
/// Legacy `x-oss-meta-oss-crypto-matdesc`.
pub const LEGACY_MATDESC: &str = "x-oss-meta-oss-crypto-matdesc";

/// Wrap algorithm of [`RsaProvider`](super::RsaProvider): RSAES-PKCS1-v1_5.
pub const RSA_PKCS1: &str = "RSA/NONE/PKCS1Padding";
/// Wrap algorithm of [`LocalRsaProvider`](super::LocalRsaProvider): RSAES-OAEP with SHA-1.
pub const RSA_OAEP_SHA1: &str = "RSA/NONE/OAEPWithSHA-1AndMGF1Padding";
/// Wrap algorithm of [`KmsProvider`](super::KmsProvider): Alibaba Cloud KMS.
pub const KMS_ALICLOUD: &str = "KMS/ALICLOUD";

/// A material description: name/value pairs saying which keys protect an object, stored
/// with it as JSON. Two descriptions are equal when they hold the same pairs, in any order.
///
/// ```
/// use osskit::crypto::MaterialDescription;
/// let a = MaterialDescription::new().with("desc", "v1").with("owner", "alice");
/// let b = MaterialDescription::new().with("owner", "alice").with("desc", "v1");
/// assert_eq!(a, b);
/// assert_eq!(a.to_json(), r#"{"desc": "v1", "owner": "alice"}"#);
/// assert_eq!(MaterialDescription::from_json(r#"{"desc":"v1","owner":"alice"}"#).unwrap(), a);
/// assert!(MaterialDescription::new().is_empty());
/// ```
#[derive(Debug, Clone, Default)]
pub struct MaterialDescription {
    pairs: Vec<(String, serde_json::Value)>,
}

impl PartialEq for MaterialDescription {
    fn eq(&self, other: &Self) -> bool {
        self.sorted() == other.sorted()
    }
}

impl Eq for MaterialDescription {}

impl MaterialDescription {
    /// An empty description (objects get no `matdesc` header).
    pub fn new() -> MaterialDescription {
        MaterialDescription::default()
    }

    /// Adds (or replaces) a pair.
    pub fn with(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let name = name.into();
        self.pairs.retain(|(k, _)| *k != name);
        self.pairs
            .push((name, serde_json::Value::String(value.into())));
        self
    }

    /// The value of `name`, when it is a string.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| v.as_str())
    }

    /// Whether there are no pairs.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// The JSON object as oss2 writes it (`json.dumps`: `{"k": "v", "k2": "v2"}`, non-ASCII
    /// characters escaped).
    pub fn to_json(&self) -> String {
        let mut out = String::from("{");
        for (i, (k, v)) in self.pairs.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push_str(&ascii_json(&serde_json::Value::String(k.clone())));
            out.push_str(": ");
            out.push_str(&ascii_json(v));
        }
        out.push('}');
        out
    }

    /// Parses a JSON object (values need not be strings).
    pub fn from_json(text: &str) -> Result<MaterialDescription> {
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
            Error::client(format!(
                "the material description {text:?} is not valid JSON: {e}"
            ))
        })?;
        match value {
            serde_json::Value::Object(map) => Ok(MaterialDescription {
                pairs: map.into_iter().collect(),
            }),
            _ => Err(Error::client(format!(
                "the material description {text:?} is not a JSON object"
            ))),
        }
    }

    fn sorted(&self) -> Vec<(&str, &serde_json::Value)> {
        let mut v: Vec<_> = self.pairs.iter().map(|(k, v)| (k.as_str(), v)).collect();
        v.sort_by(|a, b| a.0.cmp(b.0));
        v
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for MaterialDescription {
    fn from_iter<T: IntoIterator<Item = (K, V)>>(iter: T) -> Self {
        iter.into_iter()
            .fold(MaterialDescription::new(), |d, (k, v)| d.with(k, v))
    }
}

/// JSON with every non-ASCII character escaped as `\uXXXX`, as Python's `json.dumps`.
fn ascii_json(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => {
            let mut out = String::from("\"");
            for c in s.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    '\t' => out.push_str("\\t"),
                    c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                        let mut buf = [0u16; 2];
                        for unit in c.encode_utf16(&mut buf) {
                            out.push_str(&format!("\\u{unit:04x}"));
                        }
                    }
                    c => out.push(c),
                }
            }
            out.push('"');
            out
        }
        other => other.to_string(),
    }
}

/// Which format an envelope was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EnvelopeFormat {
    /// `x-oss-meta-client-side-encryption-*`: the wrapped IV is the 16-byte IV.
    Current,
    /// `x-oss-meta-oss-crypto-*`: the wrapped start is a decimal counter.
    Legacy,
}

/// The wrapped material of one object, as stored in its metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Envelope {
    /// The wrapped data key (for KMS: the `CiphertextBlob` text).
    pub wrapped_key: Vec<u8>,
    /// The wrapped IV (legacy: the wrapped decimal counter).
    pub wrapped_iv: Vec<u8>,
    /// `cek-alg`, normalised (the legacy `AES/GCM/NoPadding` reads as `AES/CTR/NoPadding`).
    pub cek_alg: String,
    /// `wrap-alg`, normalised (legacy `kms` reads as `KMS/ALICLOUD`, any other legacy value
    /// as RSA-OAEP).
    pub wrap_alg: String,
    /// The material description (empty when the object has none).
    pub description: MaterialDescription,
    /// The format it was read from.
    pub format: EnvelopeFormat,
}

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

fn decode_b64(name: &str, value: &str) -> Result<Vec<u8>> {
    b64().decode(value.trim()).map_err(|e| {
        Error::client(format!(
            "the header {name} of the encrypted object is not valid base64: {e}"
        ))
    })
}

impl Envelope {
    /// Reads the envelope from an object's headers: `Ok(None)` for an object that carries
    /// none (stored as is), an error for one whose envelope is incomplete or malformed.
    pub fn from_headers(headers: &HeaderMap) -> Result<Option<Envelope>> {
        let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        if let Some(key) = get(LEGACY_KEY) {
            let start = get(LEGACY_START).ok_or_else(|| missing(LEGACY_START))?;
            let wrap = get(LEGACY_WRAP_ALG).unwrap_or("");
            let cek = get(LEGACY_CEK_ALG).unwrap_or(AES_CTR);
            let (wrapped_key, wrapped_iv, wrap_alg) = if wrap == "kms" {
                // KMS ciphertexts are stored as the blob text itself.
                (
                    key.as_bytes().to_vec(),
                    start.as_bytes().to_vec(),
                    KMS_ALICLOUD,
                )
            } else {
                (
                    decode_b64(LEGACY_KEY, key)?,
                    decode_b64(LEGACY_START, start)?,
                    RSA_OAEP_SHA1,
                )
            };
            let cek_alg = if cek == AES_GCM_LEGACY { AES_CTR } else { cek };
            return Ok(Some(Envelope {
                wrapped_key,
                wrapped_iv,
                cek_alg: cek_alg.to_string(),
                wrap_alg: wrap_alg.to_string(),
                description: parse_description(get(LEGACY_MATDESC))?,
                format: EnvelopeFormat::Legacy,
            }));
        }
        let any = [KEY, START, CEK_ALG, WRAP_ALG]
            .iter()
            .any(|n| headers.contains_key(*n));
        if !any {
            return Ok(None);
        }
        let key = get(KEY).ok_or_else(|| missing(KEY))?;
        let start = get(START).ok_or_else(|| missing(START))?;
        let cek_alg = get(CEK_ALG).ok_or_else(|| missing(CEK_ALG))?;
        let wrap_alg = get(WRAP_ALG).ok_or_else(|| missing(WRAP_ALG))?;
        Ok(Some(Envelope {
            wrapped_key: decode_b64(KEY, key)?,
            wrapped_iv: decode_b64(START, start)?,
            cek_alg: cek_alg.to_string(),
            wrap_alg: wrap_alg.to_string(),
            description: parse_description(get(MATDESC))?,
            format: EnvelopeFormat::Current,
        }))
    }

    /// The headers that store this envelope (always in the current format).
    pub fn to_headers(&self) -> Vec<(String, String)> {
        let mut out = vec![
            (KEY.to_string(), b64().encode(&self.wrapped_key)),
            (START.to_string(), b64().encode(&self.wrapped_iv)),
            (CEK_ALG.to_string(), self.cek_alg.clone()),
            (WRAP_ALG.to_string(), self.wrap_alg.clone()),
        ];
        if !self.description.is_empty() {
            out.push((MATDESC.to_string(), self.description.to_json()));
        }
        out
    }
}

fn missing(name: &str) -> Error {
    Error::client(format!(
        "the encrypted object's envelope is incomplete: the header {name} is missing"
    ))
}

fn parse_description(text: Option<&str>) -> Result<MaterialDescription> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(MaterialDescription::new()),
        Some(t) => MaterialDescription::from_json(t),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(
                http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        h
    }

    #[test]
    fn descriptions_print_as_python_and_compare_as_sets() {
        let d = MaterialDescription::new().with("k", "é\"").with("a", "1");
        assert_eq!(d.to_json(), r#"{"k": "\u00e9\"", "a": "1"}"#);
        assert_eq!(MaterialDescription::from_json(&d.to_json()).unwrap(), d);
        assert_ne!(d, MaterialDescription::new().with("k", "é\""));
        assert!(MaterialDescription::from_json("[1]").is_err());
        assert!(MaterialDescription::from_json("{").is_err());
        assert_eq!(d.get("a"), Some("1"));
    }

    #[test]
    fn round_trip_and_malformed_envelopes() {
        let env = Envelope {
            wrapped_key: vec![1, 2, 3],
            wrapped_iv: vec![4, 5],
            cek_alg: AES_CTR.into(),
            wrap_alg: RSA_PKCS1.into(),
            description: MaterialDescription::new().with("desc", "v1"),
            format: EnvelopeFormat::Current,
        };
        let mut h = HeaderMap::new();
        for (k, v) in env.to_headers() {
            h.insert(
                http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        assert_eq!(Envelope::from_headers(&h).unwrap(), Some(env));
        assert_eq!(Envelope::from_headers(&HeaderMap::new()).unwrap(), None);
        let err = Envelope::from_headers(&headers(&[(KEY, "AAAA")])).unwrap_err();
        assert!(err.to_string().contains(START), "{err}");
        let err = Envelope::from_headers(&headers(&[
            (KEY, "not base64!"),
            (START, "AAAA"),
            (CEK_ALG, AES_CTR),
            (WRAP_ALG, RSA_PKCS1),
        ]))
        .unwrap_err();
        assert!(err.to_string().contains("not valid base64"), "{err}");
    }

    #[test]
    fn legacy_envelopes_are_normalised() {
        let kms = Envelope::from_headers(&headers(&[
            (LEGACY_KEY, "blob-key"),
            (LEGACY_START, "blob-start"),
            (LEGACY_CEK_ALG, AES_GCM_LEGACY),
            (LEGACY_WRAP_ALG, "kms"),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(kms.wrapped_key, b"blob-key");
        assert_eq!(kms.wrap_alg, KMS_ALICLOUD);
        assert_eq!(kms.cek_alg, AES_CTR);
        assert_eq!(kms.format, EnvelopeFormat::Legacy);
        let rsa = Envelope::from_headers(&headers(&[
            (LEGACY_KEY, "AQID"),
            (LEGACY_START, "BAU="),
            (LEGACY_WRAP_ALG, "rsa"),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(rsa.wrapped_key, vec![1, 2, 3]);
        assert_eq!(rsa.wrap_alg, RSA_OAEP_SHA1);
    }
}
