//! Lifecycle rules (`PutBucketLifecycle`, `GetBucketLifecycle`): which objects and parts a
//! rule selects (prefix, tags, object size, `Not` exclusions), what it does to them
//! (expiration, storage-class transitions, aborting multipart uploads, and the actions on
//! noncurrent versions), OSS's validation of a configuration, and when an action is due.
//!
//! ```
//! use osskit_proto::xml::lifecycle::{
//!     LifecycleConfiguration, LifecycleExpiration, LifecycleRule, LifecycleTransition,
//! };
//! use osskit_proto::xml::Document;
//!
//! let rule = LifecycleRule::new("logs", "logs/")
//!     .expiration(LifecycleExpiration::days(30))
//!     .transition(LifecycleTransition::days(7, "IA"));
//! let config = LifecycleConfiguration::new(vec![rule]);
//! osskit_proto::xml::lifecycle::validate(&config, false).unwrap();
//! let doc = config.to_document().unwrap();
//! assert!(doc.contains("<Expiration><Days>30</Days></Expiration>"));
//! let back = LifecycleConfiguration::from_document(doc.as_bytes()).unwrap();
//! assert_eq!(back, config);
//! assert!(back.rules[0].selects("logs/2024/a.log", 10, &[]));
//! assert!(!back.rules[0].selects("data/a.log", 10, &[]));
//! ```

use serde::{Deserialize, Deserializer, Serialize};

use crate::error_code::ErrorCode;
use crate::xml::tagging::Tag;

/// Most rules a configuration may hold.
pub const MAX_RULES: usize = 1000;
/// Longest rule id, in bytes.
pub const MAX_ID_LEN: usize = 255;
/// Longest prefix, in bytes.
pub const MAX_PREFIX_LEN: usize = 1024;
/// `Enabled`.
pub const ENABLED: &str = "Enabled";
/// `Disabled`.
pub const DISABLED: &str = "Disabled";
/// Seconds in a day.
pub const DAY_SECS: i64 = 86_400;

/// The storage classes a transition may go to, from warm to cold.
pub const TRANSITION_CLASSES: &[&str] = &["IA", "Archive", "ColdArchive", "DeepColdArchive"];

/// How cold a storage class is: `Standard` 0, `IA` 1, `Archive` 2, `ColdArchive` 3,
/// `DeepColdArchive` 4 (`None` for an unknown class). Classes compare ignoring case.
pub fn class_rank(class: &str) -> Option<usize> {
    [
        "Standard",
        "IA",
        "Archive",
        "ColdArchive",
        "DeepColdArchive",
    ]
    .iter()
    .position(|c| c.eq_ignore_ascii_case(class))
}

/// `<LifecycleConfiguration>`: the rules.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "LifecycleConfiguration")]
#[non_exhaustive]
pub struct LifecycleConfiguration {
    /// The rules.
    #[serde(rename = "Rule", default)]
    pub rules: Vec<LifecycleRule>,
}

crate::xml_document!(LifecycleConfiguration => "LifecycleConfiguration");

/// `<Rule>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LifecycleRule {
    /// Rule id (up to 255 bytes, unique; OSS makes one up when it is missing).
    #[serde(rename = "ID", default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Key prefix the rule applies to (empty: the whole bucket).
    #[serde(rename = "Prefix", default)]
    pub prefix: String,
    /// `Enabled` or `Disabled`.
    #[serde(rename = "Status", default)]
    pub status: String,
    /// When objects expire.
    #[serde(
        rename = "Expiration",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub expiration: Option<LifecycleExpiration>,
    /// Storage-class transitions of objects.
    #[serde(rename = "Transition", default, skip_serializing_if = "Vec::is_empty")]
    pub transitions: Vec<LifecycleTransition>,
    /// When unfinished multipart uploads are aborted.
    #[serde(
        rename = "AbortMultipartUpload",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub abort_multipart_upload: Option<AbortMultipartUpload>,
    /// Tags an object must carry (all of them) for the rule to apply.
    #[serde(rename = "Tag", default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
    /// When noncurrent versions expire.
    #[serde(
        rename = "NoncurrentVersionExpiration",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub noncurrent_version_expiration: Option<NoncurrentVersionExpiration>,
    /// Storage-class transitions of noncurrent versions.
    #[serde(
        rename = "NoncurrentVersionTransition",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub noncurrent_version_transitions: Vec<NoncurrentVersionTransition>,
    /// Object-size bounds and exclusions.
    #[serde(rename = "Filter", default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<LifecycleFilter>,
    /// Time (Unix seconds) from which access times are tracked (answered by OSS for rules
    /// based on the last access time).
    #[serde(rename = "AtimeBase", default, skip_serializing_if = "Option::is_none")]
    pub atime_base: Option<i64>,
}

/// `<Expiration>`: one of `Days`, `Date`, `CreatedBeforeDate`, `ExpiredObjectDeleteMarker`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LifecycleExpiration {
    /// Days after the last modification.
    #[serde(rename = "Days", default, skip_serializing_if = "Option::is_none")]
    pub days: Option<u32>,
    /// Objects last modified before this date (`YYYY-MM-DDT00:00:00.000Z`) expire (the
    /// older form of `CreatedBeforeDate`).
    #[serde(rename = "Date", default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// Objects last modified before this date (`YYYY-MM-DDT00:00:00.000Z`) expire.
    #[serde(
        rename = "CreatedBeforeDate",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub created_before_date: Option<String>,
    /// Whether delete markers without versions behind them are removed (versioned buckets).
    #[serde(
        rename = "ExpiredObjectDeleteMarker",
        default,
        deserialize_with = "loose_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub expired_object_delete_marker: Option<bool>,
}

/// `<Transition>`: a storage-class change after `Days` or for objects last modified before
/// `CreatedBeforeDate`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LifecycleTransition {
    /// Days after the last modification (or the last access, with `IsAccessTime`).
    #[serde(rename = "Days", default, skip_serializing_if = "Option::is_none")]
    pub days: Option<u32>,
    /// Objects last modified before this date move.
    #[serde(
        rename = "CreatedBeforeDate",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub created_before_date: Option<String>,
    /// The class objects move to: `IA`, `Archive`, `ColdArchive`, `DeepColdArchive`.
    #[serde(rename = "StorageClass", default)]
    pub storage_class: String,
    /// Whether `Days` count from the last access instead of the last modification.
    #[serde(
        rename = "IsAccessTime",
        default,
        deserialize_with = "loose_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub is_access_time: Option<bool>,
    /// Whether an object moved by access time returns to `Standard` when it is read.
    #[serde(
        rename = "ReturnToStdWhenVisit",
        default,
        deserialize_with = "loose_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub return_to_std_when_visit: Option<bool>,
    /// Whether objects under 64 KiB move too (access-time rules).
    #[serde(
        rename = "AllowSmallFile",
        default,
        deserialize_with = "loose_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub allow_small_file: Option<bool>,
}

/// `<AbortMultipartUpload>`: one of `Days`, `CreatedBeforeDate`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AbortMultipartUpload {
    /// Days after the upload was initiated.
    #[serde(rename = "Days", default, skip_serializing_if = "Option::is_none")]
    pub days: Option<u32>,
    /// Uploads initiated before this date are aborted.
    #[serde(
        rename = "CreatedBeforeDate",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub created_before_date: Option<String>,
}

/// `<NoncurrentVersionExpiration>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NoncurrentVersionExpiration {
    /// Days after a version became noncurrent.
    #[serde(rename = "NoncurrentDays", default)]
    pub noncurrent_days: u32,
}

/// `<NoncurrentVersionTransition>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NoncurrentVersionTransition {
    /// Days after a version became noncurrent.
    #[serde(rename = "NoncurrentDays", default)]
    pub noncurrent_days: u32,
    /// The class the version moves to.
    #[serde(rename = "StorageClass", default)]
    pub storage_class: String,
    /// As [`LifecycleTransition::is_access_time`].
    #[serde(
        rename = "IsAccessTime",
        default,
        deserialize_with = "loose_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub is_access_time: Option<bool>,
    /// As [`LifecycleTransition::return_to_std_when_visit`].
    #[serde(
        rename = "ReturnToStdWhenVisit",
        default,
        deserialize_with = "loose_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub return_to_std_when_visit: Option<bool>,
    /// As [`LifecycleTransition::allow_small_file`].
    #[serde(
        rename = "AllowSmallFile",
        default,
        deserialize_with = "loose_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub allow_small_file: Option<bool>,
}

/// `<Filter>`: object-size bounds (exclusive) and `Not` exclusions.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LifecycleFilter {
    /// Only objects larger than this many bytes.
    #[serde(
        rename = "ObjectSizeGreaterThan",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub object_size_greater_than: Option<u64>,
    /// Only objects smaller than this many bytes.
    #[serde(
        rename = "ObjectSizeLessThan",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub object_size_less_than: Option<u64>,
    /// Objects excluded from the rule.
    #[serde(rename = "Not", default, skip_serializing_if = "Vec::is_empty")]
    pub not: Vec<LifecycleNot>,
}

/// `<Not>`: excludes the objects under `Prefix` (that also carry `Tag`, when given).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LifecycleNot {
    /// Excluded key prefix (it starts with the rule's prefix).
    #[serde(rename = "Prefix", default)]
    pub prefix: String,
    /// Only objects with this tag are excluded.
    #[serde(rename = "Tag", default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<Tag>,
}

/// Reads `true`/`false` in any letter case (oss2 writes `True` for
/// `ExpiredObjectDeleteMarker`).
fn loose_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    let text: Option<String> = Option::deserialize(d)?;
    match text.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) if t.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(t) if t.eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(t) => Err(serde::de::Error::custom(format!(
            "expected true or false, found {t:?}"
        ))),
    }
}

impl LifecycleConfiguration {
    /// A configuration of `rules`.
    pub fn new(rules: Vec<LifecycleRule>) -> Self {
        LifecycleConfiguration { rules }
    }
}

impl LifecycleRule {
    /// An enabled rule `id` for the keys under `prefix`, without actions yet.
    pub fn new(id: impl Into<String>, prefix: impl Into<String>) -> Self {
        LifecycleRule {
            id: Some(id.into()),
            prefix: prefix.into(),
            status: ENABLED.to_string(),
            ..LifecycleRule::default()
        }
    }

    /// Sets `Status` (`true`: `Enabled`).
    pub fn enabled(mut self, yes: bool) -> Self {
        self.status = if yes { ENABLED } else { DISABLED }.to_string();
        self
    }

    /// Sets the expiration.
    pub fn expiration(mut self, e: LifecycleExpiration) -> Self {
        self.expiration = Some(e);
        self
    }

    /// Adds a storage-class transition.
    pub fn transition(mut self, t: LifecycleTransition) -> Self {
        self.transitions.push(t);
        self
    }

    /// Sets when unfinished multipart uploads are aborted.
    pub fn abort_multipart_upload(mut self, a: AbortMultipartUpload) -> Self {
        self.abort_multipart_upload = Some(a);
        self
    }

    /// Adds a tag objects must carry.
    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.tags.push(Tag::new(key, value));
        self
    }

    /// Sets when noncurrent versions expire.
    pub fn noncurrent_version_expiration(mut self, days: u32) -> Self {
        self.noncurrent_version_expiration = Some(NoncurrentVersionExpiration {
            noncurrent_days: days,
        });
        self
    }

    /// Adds a storage-class transition of noncurrent versions.
    pub fn noncurrent_version_transition(mut self, t: NoncurrentVersionTransition) -> Self {
        self.noncurrent_version_transitions.push(t);
        self
    }

    /// Sets the filter.
    pub fn filter(mut self, f: LifecycleFilter) -> Self {
        self.filter = Some(f);
        self
    }

    /// Whether `Status` is `Enabled`.
    pub fn is_enabled(&self) -> bool {
        self.status == ENABLED
    }

    /// Whether the rule selects an object: its key is under the prefix, it carries every
    /// tag of the rule, its size is inside the filter's bounds, and no `Not` excludes it.
    /// `tags` are the object's tags.
    pub fn selects(&self, key: &str, size: u64, tags: &[(String, String)]) -> bool {
        if !key.starts_with(&self.prefix) || !self.has_tags(tags) {
            return false;
        }
        let Some(filter) = &self.filter else {
            return true;
        };
        if filter.object_size_greater_than.is_some_and(|n| size <= n)
            || filter.object_size_less_than.is_some_and(|n| size >= n)
        {
            return false;
        }
        !filter.not.iter().any(|not| {
            key.starts_with(&not.prefix)
                && not
                    .tag
                    .as_ref()
                    .is_none_or(|t| tags.iter().any(|(k, v)| *k == t.key && *v == t.value))
        })
    }

    /// Whether the rule selects an unfinished upload of `key` (by prefix only: uploads
    /// carry no tags yet and have no final size).
    pub fn selects_upload(&self, key: &str) -> bool {
        key.starts_with(&self.prefix)
    }

    fn has_tags(&self, tags: &[(String, String)]) -> bool {
        self.tags
            .iter()
            .all(|t| tags.iter().any(|(k, v)| *k == t.key && *v == t.value))
    }

    /// The action types the rule has, as named in OSS's overlap errors.
    pub fn action_types(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.expiration.is_some() {
            out.push("Expiration");
        }
        if !self.transitions.is_empty() {
            out.push("Transition");
        }
        if self.abort_multipart_upload.is_some() {
            out.push("AbortMultipartUpload");
        }
        if self.noncurrent_version_expiration.is_some() {
            out.push("NoncurrentVersionExpiration");
        }
        if !self.noncurrent_version_transitions.is_empty() {
            out.push("NoncurrentVersionTransition");
        }
        out
    }

    /// Whether an object last modified at `modified` (Unix seconds) has expired at `now`.
    pub fn expires(&self, modified: i64, now: i64) -> bool {
        self.expiration.as_ref().is_some_and(|e| {
            due(
                e.days,
                e.date.as_deref().or(e.created_before_date.as_deref()),
                modified,
                now,
            )
        })
    }

    /// The coldest storage class the transitions move an object of class `current` to at
    /// `now`, if colder than `current`. `modified` is its last modification and `accessed`
    /// its last access (Unix seconds; transitions with `IsAccessTime` count from it).
    pub fn transition_target(
        &self,
        current: &str,
        modified: i64,
        accessed: i64,
        now: i64,
    ) -> Option<&str> {
        let mut best: Option<(&str, usize)> = None;
        let current_rank = class_rank(current).unwrap_or(0);
        for t in &self.transitions {
            let from = if t.is_access_time == Some(true) {
                accessed
            } else {
                modified
            };
            if !due(t.days, t.created_before_date.as_deref(), from, now) {
                continue;
            }
            let Some(rank) = class_rank(&t.storage_class) else {
                continue;
            };
            if rank > current_rank && best.is_none_or(|(_, r)| rank > r) {
                best = Some((&t.storage_class, rank));
            }
        }
        best.map(|(c, _)| c)
    }

    /// Whether an upload initiated at `initiated` (Unix seconds) is to be aborted at `now`.
    pub fn aborts_upload(&self, initiated: i64, now: i64) -> bool {
        self.abort_multipart_upload
            .as_ref()
            .is_some_and(|a| due(a.days, a.created_before_date.as_deref(), initiated, now))
    }

    /// Whether a read of an object moved by this rule's access-time transitions brings it
    /// back to `Standard`.
    pub fn returns_to_standard_when_read(&self) -> bool {
        self.transitions
            .iter()
            .any(|t| t.is_access_time == Some(true) && t.return_to_std_when_visit == Some(true))
    }

    /// Whether any transition counts from the last access.
    pub fn uses_access_time(&self) -> bool {
        self.transitions
            .iter()
            .any(|t| t.is_access_time == Some(true))
            || self
                .noncurrent_version_transitions
                .iter()
                .any(|t| t.is_access_time == Some(true))
    }
}

/// Whether an action of `days` (counted from `since`) or `before` (a date: things dated
/// before it, once the date has come) is due at `now`. Unparsable dates are never due.
fn due(days: Option<u32>, before: Option<&str>, since: i64, now: i64) -> bool {
    if let Some(days) = days {
        return since.saturating_add(i64::from(days) * DAY_SECS) <= now;
    }
    match before.map(parse_date) {
        Some(Ok(date)) => since < date && date <= now,
        _ => false,
    }
}

impl LifecycleExpiration {
    /// Objects expire `n` days after their last modification.
    pub fn days(n: u32) -> Self {
        LifecycleExpiration {
            days: Some(n),
            ..Default::default()
        }
    }

    /// Objects last modified before `date` expire.
    pub fn created_before(date: crate::date::Date) -> Self {
        LifecycleExpiration {
            created_before_date: Some(crate::date::date_to_iso8601(date)),
            ..Default::default()
        }
    }

    /// Objects last modified before `date` expire (OSS's older `Date` element).
    pub fn date(date: crate::date::Date) -> Self {
        LifecycleExpiration {
            date: Some(crate::date::date_to_iso8601(date)),
            ..Default::default()
        }
    }

    /// Delete markers with no versions behind them are removed.
    pub fn expired_object_delete_marker() -> Self {
        LifecycleExpiration {
            expired_object_delete_marker: Some(true),
            ..Default::default()
        }
    }
}

impl LifecycleTransition {
    /// Objects move to `class` `n` days after their last modification.
    pub fn days(n: u32, class: impl Into<String>) -> Self {
        LifecycleTransition {
            days: Some(n),
            storage_class: class.into(),
            ..Default::default()
        }
    }

    /// Objects last modified before `date` move to `class`.
    pub fn created_before(date: crate::date::Date, class: impl Into<String>) -> Self {
        LifecycleTransition {
            created_before_date: Some(crate::date::date_to_iso8601(date)),
            storage_class: class.into(),
            ..Default::default()
        }
    }

    /// Counts `Days` from the last access; `return_to_standard`: a read brings the object
    /// back to `Standard`.
    pub fn access_time(mut self, return_to_standard: bool) -> Self {
        self.is_access_time = Some(true);
        self.return_to_std_when_visit = Some(return_to_standard);
        self
    }

    /// Sets `AllowSmallFile`.
    pub fn allow_small_file(mut self, yes: bool) -> Self {
        self.allow_small_file = Some(yes);
        self
    }
}

impl AbortMultipartUpload {
    /// Uploads are aborted `n` days after they were initiated.
    pub fn days(n: u32) -> Self {
        AbortMultipartUpload {
            days: Some(n),
            created_before_date: None,
        }
    }

    /// Uploads initiated before `date` are aborted.
    pub fn created_before(date: crate::date::Date) -> Self {
        AbortMultipartUpload {
            days: None,
            created_before_date: Some(crate::date::date_to_iso8601(date)),
        }
    }
}

impl NoncurrentVersionTransition {
    /// Noncurrent versions move to `class` `days` after they became noncurrent.
    pub fn new(days: u32, class: impl Into<String>) -> Self {
        NoncurrentVersionTransition {
            noncurrent_days: days,
            storage_class: class.into(),
            ..Default::default()
        }
    }
}

impl LifecycleFilter {
    /// A filter on object size (exclusive bounds; `None`: unbounded).
    pub fn size(greater_than: Option<u64>, less_than: Option<u64>) -> Self {
        LifecycleFilter {
            object_size_greater_than: greater_than,
            object_size_less_than: less_than,
            not: Vec::new(),
        }
    }

    /// Adds an exclusion of the keys under `prefix` (carrying `tag`, when given).
    pub fn not(mut self, prefix: impl Into<String>, tag: Option<Tag>) -> Self {
        self.not.push(LifecycleNot {
            prefix: prefix.into(),
            tag,
        });
        self
    }
}

/// Parses a lifecycle date, which must be midnight UTC (`YYYY-MM-DDT00:00:00.000Z`), into
/// Unix seconds.
pub fn parse_date(s: &str) -> Result<i64, String> {
    let unix = crate::date::iso8601_to_unixtime(s.trim()).map_err(|_| {
        format!("The date {s:?} is not in ISO8601 format (YYYY-MM-DDT00:00:00.000Z).")
    })?;
    if unix.rem_euclid(DAY_SECS) != 0 {
        return Err(format!(
            "The date {s:?} must be midnight UTC (YYYY-MM-DDT00:00:00.000Z)."
        ));
    }
    Ok(unix)
}

/// Why a configuration is refused: the OSS error code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Invalid {
    /// `InvalidArgument`, `InvalidRequest` or `MalformedXML`.
    pub code: ErrorCode,
    /// What is wrong.
    pub message: String,
}

fn invalid(message: impl Into<String>) -> Invalid {
    Invalid {
        code: ErrorCode::InvalidArgument,
        message: message.into(),
    }
}

fn invalid_request(message: impl Into<String>) -> Invalid {
    Invalid {
        code: ErrorCode::InvalidRequest,
        message: message.into(),
    }
}

fn malformed(message: impl Into<String>) -> Invalid {
    Invalid {
        code: ErrorCode::MalformedXML,
        message: message.into(),
    }
}

/// Characters allowed in the tags of lifecycle rules besides letters and digits.
const TAG_PUNCTUATION: &str = " +-=._:/";

fn check_tag_text(what: &str, text: &str) -> Result<(), Invalid> {
    match text
        .chars()
        .find(|c| !(c.is_alphanumeric() || TAG_PUNCTUATION.contains(*c)))
    {
        Some(c) => Err(invalid(format!(
            "The tag {what} {text:?} contains the character {c:?}; tags may hold letters, digits, spaces and + - = . _ : /."
        ))),
        None => Ok(()),
    }
}

/// Checks a configuration as OSS does. `allow_overlap` is the
/// `x-oss-allow-same-action-overlap: true` header: without it, two rules whose prefixes
/// overlap may not have an action of the same type.
pub fn validate(config: &LifecycleConfiguration, allow_overlap: bool) -> Result<(), Invalid> {
    if config.rules.is_empty() {
        return Err(malformed(
            "The lifecycle configuration must contain at least one Rule.",
        ));
    }
    if config.rules.len() > MAX_RULES {
        return Err(invalid(format!(
            "The lifecycle configuration has {} rules; at most {MAX_RULES} are allowed.",
            config.rules.len()
        )));
    }
    let mut ids = std::collections::HashSet::new();
    for rule in &config.rules {
        if let Some(id) = &rule.id {
            if id.len() > MAX_ID_LEN {
                return Err(invalid(format!(
                    "The rule ID is {} bytes long; at most {MAX_ID_LEN} are allowed.",
                    id.len()
                )));
            }
            if !id.is_empty() && !ids.insert(id.as_str()) {
                return Err(invalid(format!(
                    "Rule ID must be unique: {id:?} is repeated."
                )));
            }
        }
        validate_rule(rule)?;
    }
    if !allow_overlap {
        check_overlap(&config.rules)?;
    }
    Ok(())
}

fn check_date(what: &str, s: &str) -> Result<i64, Invalid> {
    parse_date(s).map_err(|why| invalid(format!("{what}: {why}")))
}

fn check_days(what: &str, days: u32) -> Result<(), Invalid> {
    if days == 0 {
        return Err(invalid(format!("{what} must be a positive integer.")));
    }
    Ok(())
}

/// A point in time an action refers to: days after an event, or a date.
#[derive(Clone, Copy, PartialEq, Eq)]
enum When {
    Days(u32),
    Before(i64),
}

fn validate_rule(rule: &LifecycleRule) -> Result<(), Invalid> {
    if rule.status != ENABLED && rule.status != DISABLED {
        return Err(malformed(format!(
            "The rule Status must be Enabled or Disabled, not {:?}.",
            rule.status
        )));
    }
    if rule.prefix.len() > MAX_PREFIX_LEN {
        return Err(invalid(format!(
            "The rule Prefix is {} bytes long; at most {MAX_PREFIX_LEN} are allowed.",
            rule.prefix.len()
        )));
    }
    if rule.action_types().is_empty() {
        return Err(invalid(
            "A rule must contain at least one of Expiration, Transition, AbortMultipartUpload, NoncurrentVersionExpiration and NoncurrentVersionTransition.",
        ));
    }
    for t in &rule.tags {
        check_tag_text("key", &t.key)?;
        check_tag_text("value", &t.value)?;
    }
    let expiration = match &rule.expiration {
        None => None,
        Some(e) => {
            let set = [
                e.days.is_some(),
                e.date.is_some(),
                e.created_before_date.is_some(),
                e.expired_object_delete_marker.is_some(),
            ]
            .iter()
            .filter(|b| **b)
            .count();
            if set != 1 {
                return Err(malformed(
                    "Expiration must contain exactly one of Days, Date, CreatedBeforeDate and ExpiredObjectDeleteMarker.",
                ));
            }
            if let Some(d) = e.days {
                check_days("Expiration Days", d)?;
                Some(When::Days(d))
            } else if let Some(s) = e.date.as_deref().or(e.created_before_date.as_deref()) {
                Some(When::Before(check_date("Expiration", s)?))
            } else {
                if !rule.tags.is_empty() {
                    return Err(invalid(
                        "ExpiredObjectDeleteMarker cannot be used in a rule with tags.",
                    ));
                }
                None
            }
        }
    };
    let mut transitions: Vec<(usize, When)> = Vec::new();
    for t in &rule.transitions {
        let rank = match class_rank(&t.storage_class) {
            Some(r) if r > 0 => r,
            _ => {
                return Err(invalid(format!(
                    "The transition StorageClass {:?} is not valid: use IA, Archive, ColdArchive or DeepColdArchive.",
                    t.storage_class
                )))
            }
        };
        let when = match (t.days, &t.created_before_date) {
            (Some(d), None) => {
                check_days("Transition Days", d)?;
                When::Days(d)
            }
            (None, Some(s)) => When::Before(check_date("Transition", s)?),
            _ => {
                return Err(malformed(
                    "Transition must contain exactly one of Days and CreatedBeforeDate.",
                ))
            }
        };
        if t.is_access_time == Some(true) && !matches!(when, When::Days(_)) {
            return Err(invalid(
                "A transition based on the last access time must use Days.",
            ));
        }
        if t.return_to_std_when_visit.is_some() && t.is_access_time != Some(true) {
            return Err(invalid(
                "ReturnToStdWhenVisit is allowed only when IsAccessTime is true.",
            ));
        }
        if t.allow_small_file.is_some()
            && rule.filter.as_ref().is_some_and(|f| {
                f.object_size_greater_than.is_some() || f.object_size_less_than.is_some()
            })
        {
            return Err(invalid(
                "AllowSmallFile cannot be used together with Filter/ObjectSizeGreaterThan or Filter/ObjectSizeLessThan.",
            ));
        }
        if transitions.iter().any(|(r, _)| *r == rank) {
            return Err(invalid(format!(
                "The rule has more than one transition to {}.",
                t.storage_class
            )));
        }
        transitions.push((rank, when));
    }
    // Days and dates do not mix within a rule's object actions.
    let kinds: Vec<When> = expiration
        .iter()
        .copied()
        .chain(transitions.iter().map(|(_, w)| *w))
        .collect();
    if kinds.iter().any(|w| matches!(w, When::Days(_)))
        && kinds.iter().any(|w| matches!(w, When::Before(_)))
    {
        return Err(invalid_request(
            "Days and CreatedBeforeDate cannot be mixed in the Expiration and Transition of one rule.",
        ));
    }
    // Colder classes come later; expiration comes after every transition.
    transitions.sort_by_key(|(rank, _)| *rank);
    for pair in transitions.windows(2) {
        if !later(pair[1].1, pair[0].1) {
            return Err(invalid(
                "The transition to a colder storage class must happen later than the transition to a warmer one.",
            ));
        }
    }
    if let (Some(exp), Some((_, last))) = (expiration, transitions.last()) {
        if !later(exp, *last) {
            return Err(invalid(
                "The expiration must happen later than every transition of the rule.",
            ));
        }
    }
    if let Some(a) = &rule.abort_multipart_upload {
        match (a.days, &a.created_before_date) {
            (Some(d), None) => check_days("AbortMultipartUpload Days", d)?,
            (None, Some(s)) => {
                check_date("AbortMultipartUpload", s)?;
            }
            _ => {
                return Err(malformed(
                    "AbortMultipartUpload must contain exactly one of Days and CreatedBeforeDate.",
                ))
            }
        }
        if !rule.tags.is_empty() {
            return Err(invalid(
                "AbortMultipartUpload cannot be used in a rule with tags.",
            ));
        }
    }
    let mut noncurrent: Vec<(usize, u32)> = Vec::new();
    for t in &rule.noncurrent_version_transitions {
        let rank = match class_rank(&t.storage_class) {
            Some(r) if r > 0 => r,
            _ => {
                return Err(invalid(format!(
                    "The noncurrent version transition StorageClass {:?} is not valid.",
                    t.storage_class
                )))
            }
        };
        check_days(
            "NoncurrentVersionTransition NoncurrentDays",
            t.noncurrent_days,
        )?;
        if noncurrent.iter().any(|(r, _)| *r == rank) {
            return Err(invalid(format!(
                "The rule has more than one noncurrent version transition to {}.",
                t.storage_class
            )));
        }
        noncurrent.push((rank, t.noncurrent_days));
    }
    noncurrent.sort_by_key(|(rank, _)| *rank);
    for pair in noncurrent.windows(2) {
        if pair[1].1 <= pair[0].1 {
            return Err(invalid(
                "The noncurrent version transition to a colder storage class must happen later than the transition to a warmer one.",
            ));
        }
    }
    if let Some(e) = &rule.noncurrent_version_expiration {
        check_days(
            "NoncurrentVersionExpiration NoncurrentDays",
            e.noncurrent_days,
        )?;
        if noncurrent
            .last()
            .is_some_and(|(_, days)| e.noncurrent_days <= *days)
        {
            return Err(invalid(
                "The noncurrent version expiration must happen later than every noncurrent version transition.",
            ));
        }
    }
    if let Some(f) = &rule.filter {
        if let (Some(gt), Some(lt)) = (f.object_size_greater_than, f.object_size_less_than) {
            if gt >= lt {
                return Err(invalid(
                    "Filter/ObjectSizeGreaterThan must be less than Filter/ObjectSizeLessThan.",
                ));
            }
        }
        if f.not.len() > 1 {
            return Err(invalid("A Filter may contain at most one Not."));
        }
        for not in &f.not {
            if !not.prefix.starts_with(&rule.prefix)
                || not.prefix == rule.prefix && not.tag.is_none()
            {
                return Err(invalid(format!(
                    "The Not prefix {:?} must start with the rule prefix {:?} and be longer, or come with a Tag.",
                    not.prefix, rule.prefix
                )));
            }
            if let Some(t) = &not.tag {
                check_tag_text("key", &t.key)?;
                check_tag_text("value", &t.value)?;
            }
        }
    }
    Ok(())
}

/// Whether `a` happens later than `b` for the same object (both days, or both dates: an
/// earlier created-before date selects older objects, so it acts later in their lives).
fn later(a: When, b: When) -> bool {
    match (a, b) {
        (When::Days(a), When::Days(b)) => a > b,
        (When::Before(a), When::Before(b)) => a < b,
        _ => true,
    }
}

fn check_overlap(rules: &[LifecycleRule]) -> Result<(), Invalid> {
    for (i, a) in rules.iter().enumerate() {
        for b in &rules[i + 1..] {
            let prefixes_overlap =
                a.prefix.starts_with(&b.prefix) || b.prefix.starts_with(&a.prefix);
            // Rules whose tag sets cannot both hold on one object do not overlap.
            let tags_conflict = a
                .tags
                .iter()
                .any(|t| b.tags.iter().any(|u| u.key == t.key && u.value != t.value));
            if !prefixes_overlap || tags_conflict {
                continue;
            }
            let theirs = b.action_types();
            if let Some(action) = a.action_types().into_iter().find(|t| theirs.contains(t)) {
                return Err(invalid(format!("Overlap for same action type {action}")));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::Date;
    use crate::xml::Document;

    fn date(y: i32, m: u32, d: u32) -> Date {
        Date::new(y, m, d).unwrap()
    }

    #[test]
    fn oss2_documents_parse() {
        let doc = "<LifecycleConfiguration><Rule><ID>r</ID><Prefix>中文前缀/</Prefix>\
            <Status>Enabled</Status><Expiration><ExpiredObjectDeleteMarker>True</ExpiredObjectDeleteMarker></Expiration>\
            <NoncurrentVersionExpiration><NoncurrentDays>30</NoncurrentDays></NoncurrentVersionExpiration>\
            <NoncurrentVersionTransition><NoncurrentDays>12</NoncurrentDays><StorageClass>IA</StorageClass></NoncurrentVersionTransition>\
            <NoncurrentVersionTransition><NoncurrentDays>20</NoncurrentDays><StorageClass>Archive</StorageClass></NoncurrentVersionTransition>\
            <Filter><ObjectSizeGreaterThan>203</ObjectSizeGreaterThan><ObjectSizeLessThan>311</ObjectSizeLessThan>\
            <Not><Prefix>中文前缀/not</Prefix><Tag><Key>k</Key><Value>v</Value></Tag></Not></Filter></Rule>\
            </LifecycleConfiguration>";
        let c = LifecycleConfiguration::from_document(doc.as_bytes()).unwrap();
        let r = &c.rules[0];
        assert_eq!(
            r.expiration.as_ref().unwrap().expired_object_delete_marker,
            Some(true)
        );
        assert_eq!(r.noncurrent_version_transitions.len(), 2);
        let f = r.filter.as_ref().unwrap();
        assert_eq!(f.object_size_greater_than, Some(203));
        assert_eq!(f.not[0].tag.as_ref().unwrap().value, "v");
        validate(&c, false).unwrap();
        let out = c.to_document().unwrap();
        assert!(out.contains("<ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker>"));
    }

    #[test]
    fn oss_checks_and_messages() {
        let base = LifecycleRule::new("a", "前缀/")
            .expiration(LifecycleExpiration::created_before(date(2016, 12, 25)));
        let overlap = LifecycleConfiguration::new(vec![
            base.clone(),
            LifecycleRule::new("b", "前缀/2")
                .expiration(LifecycleExpiration::created_before(date(2016, 12, 25))),
        ]);
        let err = validate(&overlap, false).unwrap_err();
        assert_eq!(err.message, "Overlap for same action type Expiration");
        validate(&overlap, true).unwrap();

        let mixed = base
            .clone()
            .transition(LifecycleTransition::days(356, "IA"));
        let err = validate(&LifecycleConfiguration::new(vec![mixed]), false).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidRequest);

        let early = LifecycleRule::new("a", "p/")
            .expiration(LifecycleExpiration::days(3))
            .transition(LifecycleTransition::days(4, "IA"));
        assert_eq!(
            validate(&LifecycleConfiguration::new(vec![early]), false)
                .unwrap_err()
                .code,
            ErrorCode::InvalidArgument
        );

        let order = LifecycleRule::new("a", "p/")
            .expiration(LifecycleExpiration::days(6))
            .transition(LifecycleTransition::days(5, "IA"))
            .transition(LifecycleTransition::days(2, "Archive"));
        assert!(validate(&LifecycleConfiguration::new(vec![order]), false).is_err());

        let standard =
            LifecycleRule::new("a", "p/").transition(LifecycleTransition::days(5, "Standard"));
        assert!(validate(&LifecycleConfiguration::new(vec![standard]), false).is_err());

        let dates = LifecycleRule::new("a", "p/")
            .expiration(LifecycleExpiration::created_before(date(2016, 12, 20)))
            .transition(LifecycleTransition::created_before(
                date(2016, 12, 25),
                "IA",
            ));
        validate(&LifecycleConfiguration::new(vec![dates]), false).unwrap();

        let mut bad_date = LifecycleRule::new("a", "p/").expiration(LifecycleExpiration::days(1));
        bad_date.expiration.as_mut().unwrap().days = None;
        bad_date.expiration.as_mut().unwrap().date = Some("2016-12-25T10:00:00.000Z".into());
        assert!(
            validate(&LifecycleConfiguration::new(vec![bad_date]), false)
                .unwrap_err()
                .message
                .contains("midnight")
        );

        let tag = LifecycleRule::new("a", "p/")
            .expiration(LifecycleExpiration::days(1))
            .tag("%&", "x");
        assert!(validate(&LifecycleConfiguration::new(vec![tag]), false).is_err());
        let long_tag = LifecycleRule::new("a", "p/")
            .expiration(LifecycleExpiration::days(1))
            .tag("a".repeat(129), "b".repeat(257));
        validate(&LifecycleConfiguration::new(vec![long_tag]), false).unwrap();

        let noncurrent = LifecycleRule::new("a", "p")
            .noncurrent_version_transition(NoncurrentVersionTransition::new(20, "IA"))
            .noncurrent_version_transition(NoncurrentVersionTransition::new(12, "Archive"));
        assert!(validate(&LifecycleConfiguration::new(vec![noncurrent]), false).is_err());

        let none = LifecycleRule::new("a", "p");
        assert!(validate(&LifecycleConfiguration::new(vec![none]), false).is_err());
        assert_eq!(
            validate(&LifecycleConfiguration::new(vec![]), false)
                .unwrap_err()
                .code,
            ErrorCode::MalformedXML
        );
        let many = LifecycleConfiguration::new(
            (0..1001)
                .map(|i| {
                    LifecycleRule::new(format!("r{i}"), format!("p{i}/"))
                        .expiration(LifecycleExpiration::days(1))
                })
                .collect(),
        );
        assert!(validate(&many, true)
            .unwrap_err()
            .message
            .contains("at most 1000"));
    }

    #[test]
    fn selection_and_due_actions() {
        let rule = LifecycleRule::new("a", "logs/")
            .expiration(LifecycleExpiration::days(10))
            .transition(LifecycleTransition::days(2, "IA"))
            .transition(LifecycleTransition::days(5, "Archive"))
            .abort_multipart_upload(AbortMultipartUpload::days(1))
            .filter(LifecycleFilter::size(Some(10), Some(100)).not("logs/keep/", None));
        assert!(rule.selects("logs/a", 50, &[]));
        assert!(!rule.selects("logs/a", 10, &[]));
        assert!(!rule.selects("logs/a", 100, &[]));
        assert!(!rule.selects("logs/keep/a", 50, &[]));
        let day = DAY_SECS;
        assert!(!rule.expires(0, 9 * day));
        assert!(rule.expires(0, 10 * day));
        assert_eq!(rule.transition_target("Standard", 0, 0, day), None);
        assert_eq!(
            rule.transition_target("Standard", 0, 0, 3 * day),
            Some("IA")
        );
        assert_eq!(
            rule.transition_target("Standard", 0, 0, 6 * day),
            Some("Archive")
        );
        assert_eq!(rule.transition_target("Archive", 0, 0, 6 * day), None);
        assert!(rule.aborts_upload(0, day));
        let tagged = LifecycleRule::new("t", "")
            .tag("k", "v")
            .expiration(LifecycleExpiration::days(1));
        assert!(!tagged.selects("x", 1, &[]));
        assert!(tagged.selects("x", 1, &[("k".into(), "v".into())]));
        let dated = LifecycleRule::new("d", "")
            .expiration(LifecycleExpiration::created_before(date(2020, 1, 2)));
        let jan2 = parse_date("2020-01-02T00:00:00.000Z").unwrap();
        assert!(dated.expires(jan2 - 1, jan2 + 10));
        assert!(!dated.expires(jan2, jan2 + 10));
    }
}
