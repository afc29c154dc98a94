//! STS (API version 2015-04-01): `AssumeRole` and `AssumeRoleWithOIDC` issue temporary
//! credentials that the server then accepts for OSS requests until they expire.
//!
//! What is checked, as STS does: the form of `RoleArn`, `OIDCProviderArn` and
//! `RoleSessionName`, the range of `DurationSeconds`, that `Policy` is JSON, and for OIDC
//! that the token is a JWT whose `exp` has not passed. What is not: whether the role exists,
//! its trust policy, the OIDC provider's signature on the token, and session policies (the
//! temporary credentials may do whatever the server's account may). `AssumeRole` is signed
//! with any accepted key, temporary ones included (role chaining); `AssumeRoleWithOIDC` is
//! not signed, the token being the proof.
//!
//! The answer is STS's JSON document:
//!
//! ```json
//! {"RequestId": "…",
//!  "AssumedRoleUser": {"Arn": "acs:ram::123:role/r/session", "AssumedRoleId": "…:session"},
//!  "Credentials": {"AccessKeyId": "STS.…", "AccessKeySecret": "…", "SecurityToken": "…",
//!                  "Expiration": "2015-04-09T11:52:19Z"}}
//! ```

use base64::Engine as _;
use serde_json::{json, Value};

use super::{RpcCall, RpcError};
use crate::dispatch::AppState;

/// Limits of the STS actions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StsSettings {
    /// Shortest `DurationSeconds` accepted (STS: 900).
    pub min_duration_secs: i64,
    /// Longest `DurationSeconds` accepted (STS: the role's maximum session duration, at
    /// most 43200).
    pub max_duration_secs: i64,
}

impl Default for StsSettings {
    fn default() -> Self {
        StsSettings {
            min_duration_secs: 900,
            max_duration_secs: 43_200,
        }
    }
}

/// `DurationSeconds` when none is given.
const DEFAULT_DURATION_SECS: i64 = 3600;

/// The answer to an action that is called without a signature, if `params` name one.
pub fn unsigned_action(
    state: &AppState,
    params: &[(String, String)],
) -> Option<Result<Value, RpcError>> {
    let action = params.iter().find(|(k, _)| k == "Action").map(|(_, v)| v);
    match action.map(String::as_str) {
        Some("AssumeRoleWithOIDC") => {
            let call = RpcCall {
                action: "AssumeRoleWithOIDC".to_string(),
                params: params.to_vec(),
                access_key_id: String::new(),
                security_token: None,
            };
            Some(assume_role_with_oidc(state, &call))
        }
        _ => None,
    }
}

/// `AssumeRole`: `RoleArn`, `RoleSessionName`, optional `DurationSeconds`, `Policy`,
/// `ExternalId`.
pub fn assume_role(state: &AppState, call: &RpcCall) -> Result<Value, RpcError> {
    let role = RoleArn::parse(call.required("RoleArn")?)?;
    let session = session_name(call.required("RoleSessionName")?)?;
    let duration = duration(state, call)?;
    check_policy(call)?;
    Ok(issue(state, &role, &session, duration))
}

/// `AssumeRoleWithOIDC`: `RoleArn`, `OIDCProviderArn`, `OIDCToken`, optional
/// `RoleSessionName`, `DurationSeconds`, `Policy`.
pub fn assume_role_with_oidc(state: &AppState, call: &RpcCall) -> Result<Value, RpcError> {
    let role = RoleArn::parse(call.required("RoleArn")?)?;
    let provider = call.required("OIDCProviderArn")?;
    if !is_arn_of(provider, "oidc-provider/") {
        return Err(RpcError::new(
            400,
            "InvalidParameter.OIDCProviderArn",
            format!(
                "The parameter OIDCProviderArn is wrongly formed: {provider:?} (expected acs:ram::<account id>:oidc-provider/<name>)."
            ),
        ));
    }
    let token = oidc_claims(call.required("OIDCToken")?, state.now())?;
    let session = match call.param("RoleSessionName").filter(|s| !s.is_empty()) {
        Some(s) => session_name(s)?,
        None => format!("oidc-{}", state.now()),
    };
    let duration = duration(state, call)?;
    check_policy(call)?;
    let mut answer = issue(state, &role, &session, duration);
    if let Some(map) = answer.as_object_mut() {
        map.insert("OIDCTokenInfo".into(), token);
    }
    Ok(answer)
}

/// `acs:ram::<account id>:role/<name>`.
struct RoleArn {
    account: String,
    name: String,
    text: String,
}

impl RoleArn {
    fn parse(text: &str) -> Result<RoleArn, RpcError> {
        let wrong = || {
            RpcError::new(
                400,
                "InvalidParameter.RoleArn",
                format!(
                    "The parameter RoleArn is wrongly formed: {text:?} (expected acs:ram::<account id>:role/<name>)."
                ),
            )
        };
        let rest = text.strip_prefix("acs:ram::").ok_or_else(wrong)?;
        let (account, resource) = rest.split_once(':').ok_or_else(wrong)?;
        let name = resource.strip_prefix("role/").ok_or_else(wrong)?;
        if account.is_empty() || !account.chars().all(|c| c.is_ascii_digit()) || name.is_empty() {
            return Err(wrong());
        }
        Ok(RoleArn {
            account: account.to_string(),
            name: name.to_ascii_lowercase(),
            text: text.to_string(),
        })
    }
}

fn is_arn_of(text: &str, resource_prefix: &str) -> bool {
    text.strip_prefix("acs:ram::")
        .and_then(|rest| rest.split_once(':'))
        .is_some_and(|(account, resource)| {
            !account.is_empty()
                && account.chars().all(|c| c.is_ascii_digit())
                && resource
                    .strip_prefix(resource_prefix)
                    .is_some_and(|name| !name.is_empty())
        })
}

/// 2 to 64 characters of `A-Za-z0-9.@-_`.
fn session_name(name: &str) -> Result<String, RpcError> {
    let ok = (2..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '@' | '-' | '_'));
    if ok {
        Ok(name.to_string())
    } else {
        Err(RpcError::new(
            400,
            "InvalidParameter.RoleSessionName",
            format!(
                "The parameter RoleSessionName is wrongly formed: {name:?} (2 to 64 characters of A-Z, a-z, 0-9, '.', '@', '-', '_')."
            ),
        ))
    }
}

fn duration(state: &AppState, call: &RpcCall) -> Result<i64, RpcError> {
    let Some(text) = call.param("DurationSeconds").filter(|s| !s.is_empty()) else {
        return Ok(
            DEFAULT_DURATION_SECS.clamp(state.sts.min_duration_secs, state.sts.max_duration_secs)
        );
    };
    let limits = &state.sts;
    match text.parse::<i64>() {
        Ok(d) if (limits.min_duration_secs..=limits.max_duration_secs).contains(&d) => Ok(d),
        _ => Err(RpcError::new(
            400,
            "InvalidParameter.DurationSeconds",
            format!(
                "The parameter DurationSeconds must be between {} and {} seconds, not {text:?}.",
                limits.min_duration_secs, limits.max_duration_secs
            ),
        )),
    }
}

fn check_policy(call: &RpcCall) -> Result<(), RpcError> {
    match call.param("Policy").filter(|p| !p.is_empty()) {
        Some(policy) if serde_json::from_str::<Value>(policy).is_err() => Err(RpcError::new(
            400,
            "InvalidParameter.PolicyGrammar",
            "The parameter Policy is not a valid JSON policy document.",
        )),
        _ => Ok(()),
    }
}

/// The claims of a JWT (`header.payload.signature`, base64url) as `OIDCTokenInfo`, after
/// checking that `exp` (when present) has not passed. The signature is not verified.
fn oidc_claims(token: &str, now: i64) -> Result<Value, RpcError> {
    let invalid = |why: &str| {
        RpcError::new(
            400,
            "AuthenticationFail.OIDCToken.Invalid",
            format!("The OIDC token is invalid: {why}."),
        )
    };
    let parts: Vec<&str> = token.trim().split('.').collect();
    if parts.len() != 3 {
        return Err(invalid("it is not a JWT (three base64url parts)"));
    }
    let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(parts[1].trim_end_matches('='))
        .map_err(|_| invalid("its payload is not base64url"))?;
    let claims: Value =
        serde_json::from_slice(&payload).map_err(|_| invalid("its payload is not JSON"))?;
    let exp = claims.get("exp").and_then(Value::as_i64);
    if let Some(exp) = exp {
        if exp <= now {
            return Err(RpcError::new(
                400,
                "AuthenticationFail.OIDCToken.Expired",
                format!(
                    "The OIDC token expired at {}.",
                    osskit_proto::date::unixtime_to_rfc3339(exp)
                ),
            ));
        }
    }
    let text = |name: &str| claims.get(name).and_then(Value::as_str).unwrap_or_default();
    let audience = match claims.get("aud") {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(","),
        Some(Value::String(s)) => s.clone(),
        _ => String::new(),
    };
    let time = |name: &str| {
        claims
            .get(name)
            .and_then(Value::as_i64)
            .map(osskit_proto::date::unixtime_to_rfc3339)
            .unwrap_or_default()
    };
    Ok(json!({
        "Subject": text("sub"),
        "Issuer": text("iss"),
        "ClientIds": audience,
        "ExpirationTime": time("exp"),
        "IssuanceTime": time("iat"),
    }))
}

/// Issues credentials for a session of `role` and answers with STS's document.
fn issue(state: &AppState, role: &RoleArn, session: &str, duration: i64) -> Value {
    let principal = format!("acs:ram::{}:role/{}/{session}", role.account, role.name);
    let issued = state.keys.issue(state.now(), duration, &principal);
    tracing::info!(role = %role.text, session, access_key_id = %issued.access_key_id, duration, "issued temporary credentials");
    // A stable id per role, as STS gives.
    let role_id: u64 = role
        .text
        .bytes()
        .fold(1_469_598_103_934_665_603u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(1_099_511_628_211)
        })
        % 10u64.pow(18);
    json!({
        "AssumedRoleUser": {
            "Arn": principal,
            "AssumedRoleId": format!("{role_id}:{session}"),
        },
        "Credentials": {
            "AccessKeyId": issued.access_key_id,
            "AccessKeySecret": issued.access_key_secret,
            "SecurityToken": issued.security_token,
            "Expiration": osskit_proto::date::unixtime_to_rfc3339(issued.expires_at),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arns() {
        let r =
            RoleArn::parse("acs:ram::1234567890:role/Reader").unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(r.account, "1234567890");
        assert_eq!(r.name, "reader");
        for bad in [
            "",
            "arn:aws:iam::1:role/x",
            "acs:ram:::role/x",
            "acs:ram::12a:role/x",
            "acs:ram::1:user/x",
            "acs:ram::1:role/",
        ] {
            let e = RoleArn::parse(bad)
                .err()
                .unwrap_or_else(|| panic!("{bad:?} accepted"));
            assert_eq!(e.code, "InvalidParameter.RoleArn");
        }
        assert!(is_arn_of("acs:ram::1:oidc-provider/ack", "oidc-provider/"));
        assert!(!is_arn_of("acs:ram::1:role/ack", "oidc-provider/"));
    }

    #[test]
    fn session_names() {
        assert!(session_name("alice@example.com").is_ok());
        assert!(session_name("a").is_err());
        assert!(session_name("has space").is_err());
        assert!(session_name(&"x".repeat(65)).is_err());
    }

    fn jwt(claims: &Value) -> String {
        let b64 = |v: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
        format!(
            "{}.{}.{}",
            b64(br#"{"alg":"RS256"}"#),
            b64(claims.to_string().as_bytes()),
            b64(b"signature")
        )
    }

    #[test]
    fn oidc_tokens() {
        let info = oidc_claims(
            &jwt(&json!({"sub": "system:serviceaccount:ns:sa", "iss": "https://oidc.example", "aud": ["sts.aliyuncs.com"], "exp": 2000, "iat": 1000})),
            1500,
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(info["Subject"], "system:serviceaccount:ns:sa");
        assert_eq!(info["ClientIds"], "sts.aliyuncs.com");
        assert_eq!(info["ExpirationTime"], "1970-01-01T00:33:20Z");
        let e = oidc_claims(&jwt(&json!({"exp": 1000})), 1000).unwrap_err();
        assert_eq!(e.code, "AuthenticationFail.OIDCToken.Expired");
        let e = oidc_claims("not-a-jwt", 0).unwrap_err();
        assert_eq!(e.code, "AuthenticationFail.OIDCToken.Invalid");
        let e = oidc_claims("a.!!!.c", 0).unwrap_err();
        assert_eq!(e.code, "AuthenticationFail.OIDCToken.Invalid");
    }
}
