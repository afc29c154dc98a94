//! Data replication between buckets (`PutBucketReplication`, `GetBucketReplication`,
//! `DeleteBucketReplication`, `GetBucketReplicationLocation`,
//! `GetBucketReplicationProgress`).
//!
//! ```
//! use osskit_proto::xml::{replication::{ReplicationConfiguration, ReplicationRule}, Document};
//! let rule = ReplicationRule::new("dest-bucket", "oss-cn-beijing")
//!     .id("rule-1")
//!     .prefixes(["logs/", "images/"])
//!     .actions(["PUT"])
//!     .historical(false);
//! let doc = ReplicationConfiguration::new(rule).to_document().unwrap();
//! assert!(doc.contains("<Prefix>logs/</Prefix>"));
//! assert!(doc.contains("<HistoricalObjectReplication>disabled</HistoricalObjectReplication>"));
//! let back = ReplicationConfiguration::from_document(doc.as_bytes()).unwrap();
//! assert_eq!(back.rules[0].destination.bucket, "dest-bucket");
//! assert!(!back.rules[0].replicates_deletes());
//! ```

use serde::{Deserialize, Serialize};

/// `ALL`: writes, deletes and multipart aborts are replicated.
pub const ACTION_ALL: &str = "ALL";
/// `PUT`: only writes are replicated.
pub const ACTION_PUT: &str = "PUT";
/// `DELETE`: deletes are replicated.
pub const ACTION_DELETE: &str = "DELETE";
/// `ABORT`: aborted multipart uploads are replicated.
pub const ACTION_ABORT: &str = "ABORT";

/// Rule status while historical data is being copied.
pub const STATUS_STARTING: &str = "starting";
/// Rule status while new writes are being copied.
pub const STATUS_DOING: &str = "doing";
/// Rule status after it was deleted, until it stops.
pub const STATUS_CLOSING: &str = "closing";

/// `<PrefixSet>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PrefixSet {
    /// The prefixes (at most 10).
    #[serde(rename = "Prefix", default)]
    pub prefixes: Vec<String>,
}

/// `<Destination>` of a rule.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ReplicationDestination {
    /// Target bucket.
    #[serde(rename = "Bucket", default)]
    pub bucket: String,
    /// Its region, `oss-cn-beijing`.
    #[serde(rename = "Location", default)]
    pub location: String,
    /// `internal` or `oss_acc`.
    #[serde(
        rename = "TransferType",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub transfer_type: Option<String>,
}

/// `<SseKmsEncryptedObjects>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SseKmsEncryptedObjects {
    /// `Enabled` or `Disabled`.
    #[serde(rename = "Status", default)]
    pub status: String,
}

/// `<SourceSelectionCriteria>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SourceSelectionCriteria {
    /// Whether objects encrypted with SSE-KMS are replicated.
    #[serde(rename = "SseKmsEncryptedObjects", default)]
    pub sse_kms_encrypted_objects: SseKmsEncryptedObjects,
}

/// `<EncryptionConfiguration>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ReplicaEncryption {
    /// KMS key of the replicas.
    #[serde(rename = "ReplicaKmsKeyID", default)]
    pub replica_kms_key_id: String,
}

/// `<RTC>`: replication time control.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Rtc {
    /// `enabled` or `disabled`.
    #[serde(rename = "Status", default)]
    pub status: String,
}

/// `<Rule>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ReplicationRule {
    /// Rule id (OSS makes one up when absent).
    #[serde(rename = "ID", default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Only keys with one of these prefixes are replicated (all keys when absent).
    #[serde(rename = "PrefixSet", default, skip_serializing_if = "Option::is_none")]
    pub prefix_set: Option<PrefixSet>,
    /// `ALL`, or a comma-separated list of `PUT`, `DELETE`, `ABORT`.
    #[serde(rename = "Action", default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// Where replicas go.
    #[serde(rename = "Destination", default)]
    pub destination: ReplicationDestination,
    /// `starting`, `doing` or `closing` (set by OSS).
    #[serde(rename = "Status", default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// `enabled` (the default) or `disabled`: whether objects written before the rule are
    /// replicated too.
    #[serde(
        rename = "HistoricalObjectReplication",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub historical_object_replication: Option<String>,
    /// The RAM role replication acts as.
    #[serde(rename = "SyncRole", default, skip_serializing_if = "Option::is_none")]
    pub sync_role: Option<String>,
    /// Which source objects are replicated.
    #[serde(
        rename = "SourceSelectionCriteria",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub source_selection_criteria: Option<SourceSelectionCriteria>,
    /// How replicas are encrypted.
    #[serde(
        rename = "EncryptionConfiguration",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub encryption_configuration: Option<ReplicaEncryption>,
    /// Replication time control.
    #[serde(rename = "RTC", default, skip_serializing_if = "Option::is_none")]
    pub rtc: Option<Rtc>,
}

impl ReplicationRule {
    /// A rule replicating everything to `bucket` in `location` (`oss-cn-beijing`).
    pub fn new(bucket: impl Into<String>, location: impl Into<String>) -> Self {
        ReplicationRule {
            destination: ReplicationDestination {
                bucket: bucket.into(),
                location: location.into(),
                transfer_type: None,
            },
            ..ReplicationRule::default()
        }
    }

    /// Sets the rule id.
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// Replicates only keys with one of `prefixes`.
    pub fn prefixes<P: IntoIterator>(mut self, prefixes: P) -> Self
    where
        P::Item: Into<String>,
    {
        self.prefix_set = Some(PrefixSet {
            prefixes: prefixes.into_iter().map(Into::into).collect(),
        });
        self
    }

    /// Sets the replicated actions (`ALL`, `PUT`, `DELETE`, `ABORT`).
    pub fn actions<A: IntoIterator>(mut self, actions: A) -> Self
    where
        A::Item: Into<String>,
    {
        let list: Vec<String> = actions.into_iter().map(Into::into).collect();
        self.action = Some(list.join(","));
        self
    }

    /// Whether objects written before the rule are replicated.
    pub fn historical(mut self, enabled: bool) -> Self {
        self.historical_object_replication =
            Some(if enabled { "enabled" } else { "disabled" }.to_string());
        self
    }

    /// Sets the transfer type (`internal`, `oss_acc`).
    pub fn transfer_type(mut self, t: impl Into<String>) -> Self {
        self.destination.transfer_type = Some(t.into());
        self
    }

    /// Sets the RAM role replication acts as.
    pub fn sync_role(mut self, role: impl Into<String>) -> Self {
        self.sync_role = Some(role.into());
        self
    }

    /// The replicated actions, upper case (`ALL` when not set).
    pub fn action_list(&self) -> Vec<String> {
        match &self.action {
            None => vec![ACTION_ALL.to_string()],
            Some(a) => a
                .split(',')
                .map(|s| s.trim().to_ascii_uppercase())
                .filter(|s| !s.is_empty())
                .collect(),
        }
    }

    /// The prefixes (empty: every key).
    pub fn prefix_list(&self) -> &[String] {
        self.prefix_set.as_ref().map_or(&[], |p| &p.prefixes)
    }

    /// Whether `key` is replicated by this rule.
    pub fn covers(&self, key: &str) -> bool {
        let prefixes = self.prefix_list();
        prefixes.is_empty() || prefixes.iter().any(|p| key.starts_with(p.as_str()))
    }

    /// Whether deletes are replicated (`ALL` or `DELETE`).
    pub fn replicates_deletes(&self) -> bool {
        self.action_list()
            .iter()
            .any(|a| a == ACTION_ALL || a == ACTION_DELETE)
    }

    /// Whether writes are replicated (`ALL` or `PUT`).
    pub fn replicates_writes(&self) -> bool {
        self.action_list()
            .iter()
            .any(|a| a == ACTION_ALL || a == ACTION_PUT)
    }

    /// Whether objects written before the rule are replicated (`enabled` when not set).
    pub fn replicates_history(&self) -> bool {
        !self
            .historical_object_replication
            .as_deref()
            .is_some_and(|h| h.eq_ignore_ascii_case("disabled"))
    }
}

/// `<ReplicationConfiguration>`: the body of `PutBucketReplication` (one rule) and the
/// answer of `GetBucketReplication` (every rule).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "ReplicationConfiguration")]
#[non_exhaustive]
pub struct ReplicationConfiguration {
    /// The rules.
    #[serde(rename = "Rule", default)]
    pub rules: Vec<ReplicationRule>,
}

impl ReplicationConfiguration {
    /// A configuration of one rule (what a put sends).
    pub fn new(rule: ReplicationRule) -> Self {
        ReplicationConfiguration { rules: vec![rule] }
    }
}

impl From<ReplicationRule> for ReplicationConfiguration {
    fn from(rule: ReplicationRule) -> Self {
        ReplicationConfiguration::new(rule)
    }
}

/// `<ReplicationRules>`: the body of `DeleteBucketReplication`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "ReplicationRules")]
#[non_exhaustive]
pub struct ReplicationRules {
    /// The id of the rule to stop.
    #[serde(rename = "ID", default)]
    pub id: String,
}

impl ReplicationRules {
    /// Names the rule `id`.
    pub fn new(id: impl Into<String>) -> Self {
        ReplicationRules { id: id.into() }
    }
}

/// `<TransferTypes>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TransferTypes {
    /// The types (`oss_acc`).
    #[serde(rename = "Type", default)]
    pub types: Vec<String>,
}

/// `<LocationTransferType>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LocationTransferType {
    /// A region.
    #[serde(rename = "Location", default)]
    pub location: String,
    /// The transfer types it accepts.
    #[serde(rename = "TransferTypes", default)]
    pub transfer_types: TransferTypes,
}

/// `<LocationTransferTypeConstraint>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LocationTransferTypeConstraint {
    /// Regions with their transfer types.
    #[serde(rename = "LocationTransferType", default)]
    pub items: Vec<LocationTransferType>,
}

/// `<ReplicationLocation>`: the answer of `GetBucketReplicationLocation`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "ReplicationLocation")]
#[non_exhaustive]
pub struct ReplicationLocation {
    /// The regions replicas can go to.
    #[serde(rename = "Location", default)]
    pub locations: Vec<String>,
    /// The regions that need a transfer type.
    #[serde(
        rename = "LocationTransferTypeConstraint",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub location_transfer_type_constraint: Option<LocationTransferTypeConstraint>,
}

/// `<Progress>` of a rule.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Progress {
    /// Fraction of the historical data replicated (`0.85`), when historical replication
    /// is enabled.
    #[serde(
        rename = "HistoricalObject",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub historical_object: Option<String>,
    /// Data written before this time (ISO8601) has been replicated.
    #[serde(rename = "NewObject", default, skip_serializing_if = "Option::is_none")]
    pub new_object: Option<String>,
}

/// The `<Rule>` of a progress answer.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ProgressRule {
    /// Rule id.
    #[serde(rename = "ID", default)]
    pub id: String,
    /// Its prefixes.
    #[serde(rename = "PrefixSet", default, skip_serializing_if = "Option::is_none")]
    pub prefix_set: Option<PrefixSet>,
    /// Its actions.
    #[serde(rename = "Action", default)]
    pub action: String,
    /// Its destination.
    #[serde(rename = "Destination", default)]
    pub destination: ReplicationDestination,
    /// `starting`, `doing` or `closing`.
    #[serde(rename = "Status", default)]
    pub status: String,
    /// `enabled` or `disabled`.
    #[serde(rename = "HistoricalObjectReplication", default)]
    pub historical_object_replication: String,
    /// How far it got.
    #[serde(rename = "Progress", default, skip_serializing_if = "Option::is_none")]
    pub progress: Option<Progress>,
}

/// `<ReplicationProgress>`: the answer of `GetBucketReplicationProgress`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "ReplicationProgress")]
#[non_exhaustive]
pub struct ReplicationProgress {
    /// The rule and its progress.
    #[serde(rename = "Rule", default)]
    pub rule: ProgressRule,
}

crate::xml_document!(
    ReplicationConfiguration => "ReplicationConfiguration",
    ReplicationRules => "ReplicationRules",
    ReplicationLocation => "ReplicationLocation",
    ReplicationProgress => "ReplicationProgress",
);
