//! Alibaba Cloud's RPC-style API signature (signature version 1.0, `HMAC-SHA1`), used by the
//! services OSS clients talk to besides OSS itself: STS (`AssumeRole`, `AssumeRoleWithOIDC`)
//! and KMS (`GenerateDataKey`, `Encrypt`, `Decrypt`). The client signs with
//! [`sign_params`]; a server checks a request with [`verify_params`].
//!
//! The canonical form: every parameter but `Signature`, sorted by name, names and values
//! percent-encoded per RFC 3986 ([`percent_encode`]), joined as `k=v&k=v`; the string to sign
//! is `METHOD&%2F&` followed by the encoded canonical query; the signature is the base64
//! HMAC-SHA1 of it under the key `secret + "&"`.
//!
//! ```
//! use osskit_proto::rpc::{signature, string_to_sign};
//! // The example of Alibaba Cloud's signature documentation.
//! let params = [
//!     ("Timestamp", "2016-02-23T12:46:24Z"),
//!     ("Format", "XML"),
//!     ("AccessKeyId", "testid"),
//!     ("Action", "DescribeRegions"),
//!     ("SignatureMethod", "HMAC-SHA1"),
//!     ("SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"),
//!     ("Version", "2014-05-26"),
//!     ("SignatureVersion", "1.0"),
//! ];
//! let params: Vec<(String, String)> =
//!     params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
//! assert!(string_to_sign("GET", &params).starts_with("GET&%2F&AccessKeyId%3Dtestid%26Action"));
//! assert_eq!(signature("GET", &params, "testsecret"), "OLeaidS1JvxuMvnyHOwuJ+uX5qY=");
//! ```

use base64::Engine;
use hmac::{Hmac, Mac};
use sha1::Sha1;

/// RFC 3986 percent-encoding as the RPC signature uses it: unreserved `A-Za-z0-9-_.~` kept,
/// every other byte of the UTF-8 form as `%XX` (so a space is `%20`, `*` is `%2A`).
pub fn percent_encode(s: &str) -> String {
    crate::encoding::quote(s, "")
}

/// The canonicalised query: parameters other than `Signature` sorted by name (then value),
/// each `encode(name)=encode(value)`, joined with `&`.
pub fn canonical_query(params: &[(String, String)]) -> String {
    let mut pairs: Vec<(String, String)> = params
        .iter()
        .filter(|(k, _)| k != "Signature")
        .map(|(k, v)| (percent_encode(k), percent_encode(v)))
        .collect();
    pairs.sort();
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(k);
        out.push('=');
        out.push_str(v);
    }
    out
}

/// `METHOD&%2F&encode(canonical query)`.
pub fn string_to_sign(method: &str, params: &[(String, String)]) -> String {
    format!(
        "{}&{}&{}",
        method.to_ascii_uppercase(),
        percent_encode("/"),
        percent_encode(&canonical_query(params))
    )
}

/// The base64 HMAC-SHA1 signature of `params` under `secret`.
pub fn signature(method: &str, params: &[(String, String)], secret: &str) -> String {
    let key = format!("{secret}&");
    let mut mac = match Hmac::<Sha1>::new_from_slice(key.as_bytes()) {
        Ok(mac) => mac,
        // HMAC takes keys of any length.
        Err(_) => return String::new(),
    };
    mac.update(string_to_sign(method, params).as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// What a client adds to the action's own parameters before signing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpcContext<'a> {
    /// Access key id.
    pub access_key_id: &'a str,
    /// Its secret.
    pub access_key_secret: &'a str,
    /// STS token of temporary credentials (sent as `SecurityToken`).
    pub security_token: Option<&'a str>,
    /// API version of the service, e.g. `2015-04-01` for STS, `2016-01-20` for KMS.
    pub version: &'a str,
    /// Request time, Unix seconds.
    pub time: i64,
    /// A value never used twice (`SignatureNonce`).
    pub nonce: &'a str,
}

/// The complete parameter list of an RPC call: the action's parameters, the common ones
/// (`Action`, `Version`, `Format=JSON`, `AccessKeyId`, `SignatureMethod`, `SignatureVersion`,
/// `SignatureNonce`, `Timestamp`, `SecurityToken`) and `Signature`, for a query string or a
/// form body.
pub fn sign_params(
    method: &str,
    action: &str,
    action_params: &[(String, String)],
    ctx: &RpcContext<'_>,
) -> Vec<(String, String)> {
    let mut params: Vec<(String, String)> = vec![
        ("Action".into(), action.into()),
        ("Version".into(), ctx.version.into()),
        ("Format".into(), "JSON".into()),
        ("AccessKeyId".into(), ctx.access_key_id.into()),
        ("SignatureMethod".into(), "HMAC-SHA1".into()),
        ("SignatureVersion".into(), "1.0".into()),
        ("SignatureNonce".into(), ctx.nonce.into()),
        (
            "Timestamp".into(),
            crate::date::unixtime_to_iso8601(ctx.time).replace(".000Z", "Z"),
        ),
    ];
    if let Some(token) = ctx.security_token {
        params.push(("SecurityToken".into(), token.into()));
    }
    params.extend(action_params.iter().cloned());
    let sig = signature(method, &params, ctx.access_key_secret);
    params.push(("Signature".into(), sig));
    params
}

/// Why an RPC request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RpcVerifyError {
    /// A required common parameter is missing (its name).
    #[error("the parameter {0} is missing")]
    Missing(&'static str),
    /// `SignatureMethod` / `SignatureVersion` other than `HMAC-SHA1` / `1.0`.
    #[error("unsupported signature method or version")]
    UnsupportedMethod,
    /// The signature does not match; carries the string the server signed.
    #[error("the signature does not match")]
    SignatureMismatch {
        /// The server's string to sign.
        string_to_sign: String,
    },
    /// `Timestamp` is not `YYYY-MM-DDThh:mm:ssZ` or is more than 15 minutes off.
    #[error("the timestamp is invalid or expired")]
    InvalidTimestamp,
}

/// Checks the signature of an RPC request whose parameters (query and form body merged) are
/// `params`, against `secret` (the secret of the `AccessKeyId` parameter), at time `now`.
pub fn verify_params(
    method: &str,
    params: &[(String, String)],
    secret: &str,
    now: i64,
) -> Result<(), RpcVerifyError> {
    let get = |name: &'static str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .ok_or(RpcVerifyError::Missing(name))
    };
    let provided = get("Signature")?;
    get("AccessKeyId")?;
    if get("SignatureMethod")? != "HMAC-SHA1" || get("SignatureVersion")? != "1.0" {
        return Err(RpcVerifyError::UnsupportedMethod);
    }
    let ts = get("Timestamp")?;
    let time = crate::date::iso8601_to_unixtime(ts)
        .or_else(|_| crate::date::iso8601_to_unixtime(&ts.replace('Z', ".000Z")))
        .map_err(|_| RpcVerifyError::InvalidTimestamp)?;
    if (time - now).abs() > 15 * 60 {
        return Err(RpcVerifyError::InvalidTimestamp);
    }
    let expected = signature(method, params, secret);
    if !crate::sign::constant_time_eq(expected.as_bytes(), provided.as_bytes()) {
        return Err(RpcVerifyError::SignatureMismatch {
            string_to_sign: string_to_sign(method, params),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owned(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn encoding_follows_rfc3986() {
        assert_eq!(percent_encode("a b*c~d/é"), "a%20b%2Ac~d%2F%C3%A9");
    }

    #[test]
    fn signed_params_verify_and_tampering_is_caught() {
        let ctx = RpcContext {
            access_key_id: "id",
            access_key_secret: "secret",
            security_token: Some("tok"),
            version: "2015-04-01",
            time: 1_700_000_000,
            nonce: "n-1",
        };
        let params = sign_params(
            "POST",
            "AssumeRole",
            &owned(&[("RoleArn", "acs:ram::1:role/r"), ("RoleSessionName", "s")]),
            &ctx,
        );
        assert!(params
            .iter()
            .any(|(k, v)| k == "Timestamp" && v == "2023-11-14T22:13:20Z"));
        assert_eq!(
            verify_params("POST", &params, "secret", 1_700_000_100),
            Ok(())
        );
        assert!(matches!(
            verify_params("POST", &params, "other", 1_700_000_100),
            Err(RpcVerifyError::SignatureMismatch { .. })
        ));
        assert_eq!(
            verify_params("POST", &params, "secret", 1_700_002_000),
            Err(RpcVerifyError::InvalidTimestamp)
        );
        let mut tampered = params.clone();
        tampered.push(("DurationSeconds".into(), "3600".into()));
        assert!(verify_params("POST", &tampered, "secret", 1_700_000_000).is_err());
        let without: Vec<_> = params
            .into_iter()
            .filter(|(k, _)| k != "Signature")
            .collect();
        assert_eq!(
            verify_params("POST", &without, "secret", 1_700_000_000),
            Err(RpcVerifyError::Missing("Signature"))
        );
    }
}
