//! Who is behind an access key: the server's users.
//!
//! Every access key belongs to an Alibaba Cloud account (a numeric uid). The key is the
//! account's own (the account acts with every right over its resources), a RAM user's of
//! that account, or an assumed-role session's (temporary keys issued for a RAM role). What
//! RAM users and role sessions may do is what their RAM policies allow (none: nothing) plus
//! what bucket policies and ACLs grant; see [`crate::access`].
//!
//! The keys given with `--access-key-id` and `--sts` are the server's own account
//! ([`crate::ServerConfig::account_id`]); others are registered with
//! [`crate::ServerConfig::users`] (`--user`) or at run time with [`Users::register`] (the
//! way temporary credentials issued by the server are attached to a role session).
//!
//! ```
//! use osskit_server::users::{Identity, Users};
//! let users = Users::new("1000000000000000");
//! users.register("AK-OTHER", Identity::account("2000000000000000"));
//! users.register("AK-ALICE", Identity::ram_user("1000000000000000", "203000000000000", "alice"));
//! assert_eq!(users.identity("AK-OTHER").account_id, "2000000000000000");
//! assert_eq!(users.identity("AK-ALICE").principal_names()[0], "203000000000000");
//! // Keys registered nowhere are the server's own account.
//! assert!(users.identity("AK-MAIN").is_root());
//! let session = Identity::assumed_role("1000000000000000", "reader", "s-1");
//! assert_eq!(session.principal_names()[0], "arn:sts::1000000000000000:assumed-role/reader/s-1");
//! ```

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use osskit_proto::policy::Policy;

/// The uid of the server's own account unless configured otherwise.
pub const DEFAULT_ACCOUNT_ID: &str = "1000000000000000";

/// What kind of identity holds a key.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum IdentityKind {
    /// The account itself.
    Root,
    /// A RAM user of the account.
    RamUser {
        /// The RAM user's id (a numeric uid, what bucket policies name).
        user_id: String,
        /// The user's name.
        name: String,
    },
    /// A session of a RAM role of the account (temporary keys).
    AssumedRole {
        /// The role's name.
        role_name: String,
        /// The session's name.
        session_name: String,
    },
}

/// The requester behind an access key.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Identity {
    /// The uid of the account the key belongs to.
    pub account_id: String,
    /// Root, RAM user or role session.
    pub kind: IdentityKind,
    /// The identity's RAM policies (for RAM users and role sessions; several policies act
    /// as one). `None` for the account itself, which may do anything with its resources.
    pub policies: Option<Arc<Vec<Policy>>>,
}

impl Identity {
    /// The account `account_id` itself.
    pub fn account(account_id: impl Into<String>) -> Self {
        Identity {
            account_id: account_id.into(),
            kind: IdentityKind::Root,
            policies: None,
        }
    }

    /// A RAM user of `account_id`, with no RAM policy (add some with
    /// [`Identity::with_policies`]).
    pub fn ram_user(
        account_id: impl Into<String>,
        user_id: impl Into<String>,
        name: impl Into<String>,
    ) -> Self {
        Identity {
            account_id: account_id.into(),
            kind: IdentityKind::RamUser {
                user_id: user_id.into(),
                name: name.into(),
            },
            policies: Some(Arc::new(Vec::new())),
        }
    }

    /// A session `session_name` of the RAM role `role_name` of `account_id`, with no policy
    /// (add the role's and the session's with [`Identity::with_policies`]).
    pub fn assumed_role(
        account_id: impl Into<String>,
        role_name: impl Into<String>,
        session_name: impl Into<String>,
    ) -> Self {
        Identity {
            account_id: account_id.into(),
            kind: IdentityKind::AssumedRole {
                role_name: role_name.into(),
                session_name: session_name.into(),
            },
            policies: Some(Arc::new(Vec::new())),
        }
    }

    /// Sets the RAM policies (for a root identity, this restricts it like a RAM user).
    pub fn with_policies(mut self, policies: Vec<Policy>) -> Self {
        self.policies = Some(Arc::new(policies));
        self
    }

    /// Whether this is an account acting as itself.
    pub fn is_root(&self) -> bool {
        self.kind == IdentityKind::Root
    }

    /// The names bucket policies may give this identity in `Principal`: the uid of the
    /// account or RAM user first, then ARN forms (`acs:ram::UID:root`,
    /// `acs:ram::UID:user/NAME`, `arn:sts::UID:assumed-role/ROLE/SESSION`,
    /// `acs:ram::UID:role/ROLE`).
    pub fn principal_names(&self) -> Vec<String> {
        let uid = &self.account_id;
        match &self.kind {
            IdentityKind::Root => vec![uid.clone(), format!("acs:ram::{uid}:root")],
            IdentityKind::RamUser { user_id, name } => {
                vec![user_id.clone(), format!("acs:ram::{uid}:user/{name}")]
            }
            IdentityKind::AssumedRole {
                role_name,
                session_name,
            } => vec![
                format!("arn:sts::{uid}:assumed-role/{role_name}/{session_name}"),
                format!("acs:ram::{uid}:role/{role_name}"),
            ],
        }
    }
}

/// A user as configured: a key and who it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UserConfig {
    /// The access key id.
    pub access_key_id: String,
    /// Its secret.
    pub access_key_secret: String,
    /// The identity behind it.
    pub identity: Identity,
}

impl UserConfig {
    /// A key of `identity`.
    pub fn new(
        access_key_id: impl Into<String>,
        access_key_secret: impl Into<String>,
        identity: Identity,
    ) -> Self {
        UserConfig {
            access_key_id: access_key_id.into(),
            access_key_secret: access_key_secret.into(),
            identity,
        }
    }

    /// Parses `ID:SECRET:ACCOUNT` (the account's own key) or `ID:SECRET:ACCOUNT:USER_ID`
    /// (a RAM user of the account, named after its id), as `--user` takes it.
    ///
    /// ```
    /// use osskit_server::users::UserConfig;
    /// let u = UserConfig::parse("AK2:SK2:2000000000000000").unwrap();
    /// assert!(u.identity.is_root());
    /// let r = UserConfig::parse("AK3:SK3:1000000000000000:203000000000000").unwrap();
    /// assert!(!r.identity.is_root());
    /// assert!(UserConfig::parse("AK:SK").is_err());
    /// assert!(UserConfig::parse("AK:SK:not-a-uid").is_err());
    /// ```
    pub fn parse(spec: &str) -> Result<UserConfig, String> {
        let parts: Vec<&str> = spec.split(':').collect();
        let uid = |s: &str, what: &str| -> Result<String, String> {
            if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
                Ok(s.to_string())
            } else {
                Err(format!("{what} must be a numeric uid, not {s:?}"))
            }
        };
        match parts.as_slice() {
            [id, secret, account] | [id, secret, account, _]
                if id.is_empty() || secret.is_empty() || account.is_empty() =>
            {
                Err(format!(
                    "expected ID:SECRET:ACCOUNT[:RAM_USER_ID], got {spec:?}"
                ))
            }
            [id, secret, account] => Ok(UserConfig::new(
                *id,
                *secret,
                Identity::account(uid(account, "the account")?),
            )),
            [id, secret, account, user] => {
                let user = uid(user, "the RAM user id")?;
                Ok(UserConfig::new(
                    *id,
                    *secret,
                    Identity::ram_user(uid(account, "the account")?, user.clone(), user),
                ))
            }
            _ => Err(format!(
                "expected ID:SECRET:ACCOUNT[:RAM_USER_ID], got {spec:?}"
            )),
        }
    }
}

/// Access key → identity, for every key the server accepts.
#[derive(Debug)]
pub struct Users {
    account_id: String,
    by_key: RwLock<HashMap<String, Identity>>,
}

impl Users {
    /// No registered keys; unregistered keys belong to `account_id`.
    pub fn new(account_id: impl Into<String>) -> Self {
        Users {
            account_id: account_id.into(),
            by_key: RwLock::new(HashMap::new()),
        }
    }

    /// The server's own account.
    pub fn account_id(&self) -> &str {
        &self.account_id
    }

    /// Attaches `identity` to `access_key_id` (replacing what it had).
    pub fn register(&self, access_key_id: impl Into<String>, identity: Identity) {
        let mut map = self.by_key.write().unwrap_or_else(|e| e.into_inner());
        map.insert(access_key_id.into(), identity);
    }

    /// Forgets `access_key_id` (an expired session).
    pub fn unregister(&self, access_key_id: &str) {
        let mut map = self.by_key.write().unwrap_or_else(|e| e.into_inner());
        map.remove(access_key_id);
    }

    /// The identity of a verified key: the registered one, or the server's own account.
    pub fn identity(&self, access_key_id: &str) -> Identity {
        let map = self.by_key.read().unwrap_or_else(|e| e.into_inner());
        map.get(access_key_id)
            .cloned()
            .unwrap_or_else(|| Identity::account(self.account_id.clone()))
    }
}
