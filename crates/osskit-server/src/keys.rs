//! The access keys the server accepts: long-term keys and fixed STS keys from the
//! configuration, and the temporary credentials it issues itself (STS `AssumeRole`,
//! `AssumeRoleWithOIDC`, the instance metadata service), which expire.
//!
//! ```
//! use osskit_server::keys::{Keys, Lookup};
//! let keys = Keys::new(&[("id".into(), "secret".into())], &[]);
//! assert!(matches!(keys.get("id", 0), Lookup::Valid(k) if k.secret == "secret"));
//! let issued = keys.issue(100, 60, "acs:ram::1:role/r/s");
//! assert!(matches!(keys.get(&issued.access_key_id, 159), Lookup::Valid(_)));
//! assert!(matches!(keys.get(&issued.access_key_id, 160), Lookup::Expired(_)));
//! assert!(matches!(keys.get("nobody", 0), Lookup::Unknown));
//! ```

use std::collections::HashMap;
use std::sync::RwLock;

use rand::distributions::{Alphanumeric, DistString};

/// How long an expired temporary key is still recognised (and answered with "expired"
/// rather than "unknown"): one day.
const EXPIRED_MEMORY_SECS: i64 = 24 * 3600;

/// An accepted access key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    /// Its secret.
    pub secret: String,
    /// The security token it must be sent with (STS keys).
    pub token: Option<String>,
    /// Unix seconds after which it is refused; `None` for configured keys.
    pub expires_at: Option<i64>,
    /// For issued keys, the ARN of the assumed role session (or instance role).
    pub principal: Option<String>,
}

/// The result of looking a key up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// Known and usable.
    Valid(Key),
    /// Issued by this server but expired.
    Expired(Key),
    /// Not known.
    Unknown,
}

/// Temporary credentials just issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issued {
    /// `STS.` followed by random characters.
    pub access_key_id: String,
    /// Random secret.
    pub access_key_secret: String,
    /// Random security token.
    pub security_token: String,
    /// Unix seconds at which they expire.
    pub expires_at: i64,
}

/// Every key the server accepts (shared by all requests).
#[derive(Debug, Default)]
pub struct Keys {
    configured: HashMap<String, Key>,
    issued: RwLock<HashMap<String, Key>>,
}

impl Keys {
    /// The configured keys: long-term `(id, secret)` and fixed STS `(id, secret, token)`,
    /// which never expire. Ids and secrets are trimmed.
    pub fn new(long_term: &[(String, String)], sts: &[(String, String, String)]) -> Keys {
        let mut configured = HashMap::new();
        for (id, secret) in long_term {
            configured.insert(
                id.trim().to_string(),
                Key {
                    secret: secret.trim().to_string(),
                    token: None,
                    expires_at: None,
                    principal: None,
                },
            );
        }
        for (id, secret, token) in sts {
            configured.insert(
                id.trim().to_string(),
                Key {
                    secret: secret.trim().to_string(),
                    token: Some(token.clone()),
                    expires_at: None,
                    principal: None,
                },
            );
        }
        Keys {
            configured,
            issued: RwLock::new(HashMap::new()),
        }
    }

    /// Looks `id` up at Unix time `now`.
    pub fn get(&self, id: &str, now: i64) -> Lookup {
        if let Some(key) = self.configured.get(id) {
            return Lookup::Valid(key.clone());
        }
        let issued = self.issued.read().unwrap_or_else(|e| e.into_inner());
        match issued.get(id) {
            Some(key) if key.expires_at.is_some_and(|t| now >= t) => Lookup::Expired(key.clone()),
            Some(key) => Lookup::Valid(key.clone()),
            None => Lookup::Unknown,
        }
    }

    /// Issues temporary credentials valid for `duration_secs` from `now`, for `principal`
    /// (the assumed role session). Keys expired for more than a day are forgotten.
    pub fn issue(&self, now: i64, duration_secs: i64, principal: &str) -> Issued {
        let mut rng = rand::thread_rng();
        let issued = Issued {
            access_key_id: format!("STS.{}", Alphanumeric.sample_string(&mut rng, 28)),
            access_key_secret: Alphanumeric.sample_string(&mut rng, 44),
            security_token: format!("CAIS{}", Alphanumeric.sample_string(&mut rng, 300)),
            expires_at: now + duration_secs,
        };
        let mut keys = self.issued.write().unwrap_or_else(|e| e.into_inner());
        keys.retain(|_, k| k.expires_at.is_none_or(|t| t + EXPIRED_MEMORY_SECS > now));
        keys.insert(
            issued.access_key_id.clone(),
            Key {
                secret: issued.access_key_secret.clone(),
                token: Some(issued.security_token.clone()),
                expires_at: Some(issued.expires_at),
                principal: Some(principal.to_string()),
            },
        );
        issued
    }

    /// The ids of the configured keys (for logs).
    pub fn configured_ids(&self) -> Vec<&str> {
        self.configured.keys().map(String::as_str).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configured_keys_never_expire_and_issued_ones_do() {
        let keys = Keys::new(
            &[(" id ".into(), " secret ".into())],
            &[("sts".into(), "s".into(), "t".into())],
        );
        assert_eq!(
            keys.get("id", i64::MAX),
            Lookup::Valid(Key {
                secret: "secret".into(),
                token: None,
                expires_at: None,
                principal: None
            })
        );
        assert!(matches!(keys.get("sts", 0), Lookup::Valid(k) if k.token.as_deref() == Some("t")));
        let a = keys.issue(1000, 10, "acs:ram::1:role/r/a");
        let b = keys.issue(1000, 20, "acs:ram::1:role/r/b");
        assert_ne!(a.access_key_id, b.access_key_id);
        assert_ne!(a.security_token, b.security_token);
        assert!(a.access_key_id.starts_with("STS."));
        assert!(
            matches!(keys.get(&a.access_key_id, 1009), Lookup::Valid(k) if k.token.as_deref() == Some(a.security_token.as_str()))
        );
        assert!(matches!(
            keys.get(&a.access_key_id, 1010),
            Lookup::Expired(_)
        ));
        assert!(matches!(keys.get(&b.access_key_id, 1010), Lookup::Valid(_)));
    }

    #[test]
    fn long_expired_keys_are_forgotten() {
        let keys = Keys::new(&[], &[]);
        let old = keys.issue(0, 10, "p");
        keys.issue(10 + EXPIRED_MEMORY_SECS, 10, "p");
        assert_eq!(
            keys.get(&old.access_key_id, 10 + EXPIRED_MEMORY_SECS),
            Lookup::Unknown
        );
    }
}
