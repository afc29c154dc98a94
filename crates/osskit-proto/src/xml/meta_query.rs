//! Metadata indexing and queries (`OpenMetaQuery`, `GetMetaQueryStatus`, `DoMetaQuery`,
//! `CloseMetaQuery`): the request and answer documents, and the evaluation of a query over
//! object records ([`MetaRecord`]), shared by the SDK (to build queries) and the local
//! server (to answer them).
//!
//! A query is JSON: a simple condition `{"Field": "Size", "Value": "1048576", "Operation":
//! "lt"}` (operations `eq`, `gt`, `gte`, `lt`, `lte`, `match`, `prefix`, `exist`), or a
//! compound one `{"Operation": "and", "SubQueries": [...]}` (`and`, `or`, `not`). Fields:
//! `Filename`, `Size`, `FileModifiedTime`, `ETag`, `OSSCRC64`, `OSSObjectType`,
//! `OSSStorageClass`, `ObjectACL`, `ContentType`, `ServerSideEncryption`,
//! `OSSTaggingCount`, `OSSTagging.<key>` and `OSSUserMeta.<key>`. Aggregations: `min`,
//! `max`, `average`, `sum` (numeric fields), `count`, `distinct`, `group` (any field).
//!
//! ```
//! use osskit_proto::xml::meta_query::{Aggregation, MetaQuery, MetaQueryCondition, MetaRecord, run};
//! let q = MetaQuery::new(MetaQueryCondition::simple("Size", "lt", "10").to_json())
//!     .sort("Size", "desc")
//!     .aggregation(Aggregation::new("Size", "sum"));
//! let records = vec![
//!     MetaRecord::new("a.txt", 3, 0),
//!     MetaRecord::new("b.txt", 7, 0),
//!     MetaRecord::new("big.bin", 100, 0),
//! ];
//! let answer = run(&q, &records).unwrap();
//! let names: Vec<_> = answer.files.files.iter().map(|f| f.filename.as_str()).collect();
//! assert_eq!(names, ["b.txt", "a.txt"]);
//! let sum = &answer.aggregations.unwrap().aggregations[0];
//! assert_eq!(sum.value, Some(10.0));
//! ```

use std::cmp::Ordering;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Default and largest number of files in one answer.
pub const MAX_RESULTS: usize = 100;

/// The index is being built.
pub const STATE_READY: &str = "Ready";
/// The index is up to date and answers queries.
pub const STATE_RUNNING: &str = "Running";
/// The first scan of the bucket.
pub const PHASE_FULL: &str = "FullScanning";
/// Following changes.
pub const PHASE_INCREMENTAL: &str = "IncrementalScanning";

/// `<MetaQueryStatus>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "MetaQueryStatus")]
#[non_exhaustive]
pub struct MetaQueryStatus {
    /// `Ready`, `Stop`, `Running`, `Retrying`, `Failed` or `Deleted`.
    #[serde(rename = "State", default)]
    pub state: String,
    /// `FullScanning` or `IncrementalScanning`.
    #[serde(rename = "Phase", default)]
    pub phase: String,
    /// When indexing was turned on (RFC 3339).
    #[serde(rename = "CreateTime", default)]
    pub create_time: String,
    /// When the index last changed (RFC 3339).
    #[serde(rename = "UpdateTime", default)]
    pub update_time: String,
}

impl MetaQueryStatus {
    /// A status.
    pub fn new(state: &str, phase: &str, create_time: String, update_time: String) -> Self {
        MetaQueryStatus {
            state: state.to_string(),
            phase: phase.to_string(),
            create_time,
            update_time,
        }
    }
}

/// `<MetaQuery>` as `DoMetaQuery` sends it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "MetaQuery")]
#[non_exhaustive]
pub struct MetaQuery {
    /// The token of the page to return (from the previous answer).
    #[serde(rename = "NextToken", default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    /// Files per page, 0 to 100 (0 or absent: 100).
    #[serde(
        rename = "MaxResults",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub max_results: Option<String>,
    /// The condition, JSON (see [`MetaQueryCondition`]).
    #[serde(rename = "Query", default)]
    pub query: String,
    /// The field to sort by.
    #[serde(rename = "Sort", default, skip_serializing_if = "Option::is_none")]
    pub sort: Option<String>,
    /// `asc` (the default) or `desc`.
    #[serde(rename = "Order", default, skip_serializing_if = "Option::is_none")]
    pub order: Option<String>,
    /// Statistics over every matching object.
    #[serde(
        rename = "Aggregations",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub aggregations: Option<AggregationsRequest>,
}

/// `<Aggregations>` of a query.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AggregationsRequest {
    /// The aggregations.
    #[serde(rename = "Aggregation", default)]
    pub aggregations: Vec<Aggregation>,
}

/// `<Aggregation>` of a query.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Aggregation {
    /// The field.
    #[serde(rename = "Field", default)]
    pub field: String,
    /// `min`, `max`, `average`, `sum`, `count`, `distinct` or `group`.
    #[serde(rename = "Operation", default)]
    pub operation: String,
}

impl Aggregation {
    /// `operation` over `field`.
    pub fn new(field: impl Into<String>, operation: impl Into<String>) -> Self {
        Aggregation {
            field: field.into(),
            operation: operation.into(),
        }
    }
}

impl MetaQuery {
    /// A query with condition `query` (JSON).
    pub fn new(query: impl Into<String>) -> Self {
        MetaQuery {
            query: query.into(),
            ..MetaQuery::default()
        }
    }

    /// Sets the page token.
    pub fn next_token(mut self, token: impl Into<String>) -> Self {
        self.next_token = Some(token.into());
        self
    }

    /// Sets the page size (0 to 100).
    pub fn max_results(mut self, n: u32) -> Self {
        self.max_results = Some(n.to_string());
        self
    }

    /// Sorts by `field`, `asc` or `desc`.
    pub fn sort(mut self, field: impl Into<String>, order: impl Into<String>) -> Self {
        self.sort = Some(field.into());
        self.order = Some(order.into());
        self
    }

    /// Adds an aggregation.
    pub fn aggregation(mut self, aggregation: Aggregation) -> Self {
        self.aggregations
            .get_or_insert_with(AggregationsRequest::default)
            .aggregations
            .push(aggregation);
        self
    }
}

/// `<MetaQuery>` as `DoMetaQuery` answers it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename = "MetaQuery")]
#[non_exhaustive]
pub struct MetaQueryResult {
    /// The token of the next page (empty on the last one).
    #[serde(rename = "NextToken", default)]
    pub next_token: String,
    /// The files of this page.
    #[serde(rename = "Files", default)]
    pub files: MetaQueryFiles,
    /// The aggregations, over every matching file.
    #[serde(
        rename = "Aggregations",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub aggregations: Option<AggregationsResult>,
}

/// `<Files>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MetaQueryFiles {
    /// The files.
    #[serde(rename = "File", default)]
    pub files: Vec<MetaQueryFile>,
}

/// `<File>`: one matching object.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MetaQueryFile {
    /// The object key.
    #[serde(rename = "Filename", default)]
    pub filename: String,
    /// Size in bytes.
    #[serde(rename = "Size", default)]
    pub size: u64,
    /// Last modification (RFC 3339).
    #[serde(rename = "FileModifiedTime", default)]
    pub file_modified_time: String,
    /// `Normal`, `Appendable` or `Multipart`.
    #[serde(rename = "OSSObjectType", default)]
    pub oss_object_type: String,
    /// Storage class.
    #[serde(rename = "OSSStorageClass", default)]
    pub oss_storage_class: String,
    /// Object ACL.
    #[serde(rename = "ObjectACL", default)]
    pub object_acl: String,
    /// ETag (quoted).
    #[serde(rename = "ETag", default)]
    pub etag: String,
    /// CRC-64 (decimal).
    #[serde(rename = "OSSCRC64", default)]
    pub oss_crc64: String,
    /// `Content-Type`.
    #[serde(
        rename = "ContentType",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub content_type: Option<String>,
    /// Server-side encryption.
    #[serde(
        rename = "ServerSideEncryption",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub server_side_encryption: Option<String>,
    /// Number of tags.
    #[serde(rename = "OSSTaggingCount", default)]
    pub oss_tagging_count: u64,
    /// The tags.
    #[serde(
        rename = "OSSTagging",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub oss_tagging: Option<OssTagging>,
    /// The user metadata.
    #[serde(
        rename = "OSSUserMeta",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub oss_user_meta: Option<OssUserMeta>,
}

/// `<OSSTagging>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OssTagging {
    /// The tags.
    #[serde(rename = "Tagging", default)]
    pub tags: Vec<KeyValue>,
}

/// `<OSSUserMeta>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OssUserMeta {
    /// The metadata (`x-oss-meta-*` keys).
    #[serde(rename = "UserMeta", default)]
    pub user_meta: Vec<KeyValue>,
}

/// A key and its value.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct KeyValue {
    /// Key.
    #[serde(rename = "Key", default)]
    pub key: String,
    /// Value.
    #[serde(rename = "Value", default)]
    pub value: String,
}

/// `<Aggregations>` of an answer.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AggregationsResult {
    /// One per aggregation asked for.
    #[serde(rename = "Aggregation", default)]
    pub aggregations: Vec<AggregationResult>,
}

/// `<Aggregation>` of an answer.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AggregationResult {
    /// The field.
    #[serde(rename = "Field", default)]
    pub field: String,
    /// The operation.
    #[serde(rename = "Operation", default)]
    pub operation: String,
    /// The value (every operation but `group`).
    #[serde(rename = "Value", default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// The groups (`group`).
    #[serde(rename = "Groups", default, skip_serializing_if = "Option::is_none")]
    pub groups: Option<AggregationGroups>,
}

/// `<Groups>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AggregationGroups {
    /// The groups, largest first.
    #[serde(rename = "Group", default)]
    pub groups: Vec<AggregationGroup>,
}

/// `<Group>`: a value and how many files have it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AggregationGroup {
    /// The value.
    #[serde(rename = "Value", default)]
    pub value: String,
    /// Files with it.
    #[serde(rename = "Count", default)]
    pub count: u64,
}

crate::xml_document!(
    MetaQueryStatus => "MetaQueryStatus",
    MetaQuery => "MetaQuery",
    MetaQueryResult => "MetaQuery",
);

/// The JSON condition of a query.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MetaQueryCondition {
    /// The field (simple conditions).
    #[serde(rename = "Field", default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The value compared with (simple conditions); JSON numbers are read as their text.
    #[serde(
        rename = "Value",
        default,
        deserialize_with = "value_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub value: Option<String>,
    /// The operation.
    #[serde(rename = "Operation", default)]
    pub operation: String,
    /// The conditions combined (`and`, `or`, `not`).
    #[serde(rename = "SubQueries", default, skip_serializing_if = "Vec::is_empty")]
    pub sub_queries: Vec<MetaQueryCondition>,
}

fn value_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    Ok(match v {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s),
        other => Some(other.to_string()),
    })
}

impl MetaQueryCondition {
    /// `field operation value`, e.g. `("Size", "gt", "1024")`.
    pub fn simple(
        field: impl Into<String>,
        operation: impl Into<String>,
        value: impl Into<String>,
    ) -> Self {
        MetaQueryCondition {
            field: Some(field.into()),
            value: Some(value.into()),
            operation: operation.into(),
            sub_queries: Vec::new(),
        }
    }

    /// `and`, `or` or `not` over `conditions`.
    pub fn compound(operation: impl Into<String>, conditions: Vec<MetaQueryCondition>) -> Self {
        MetaQueryCondition {
            field: None,
            value: None,
            operation: operation.into(),
            sub_queries: conditions,
        }
    }

    /// The condition as the JSON text of `<Query>`.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Parses the JSON text of `<Query>`.
    pub fn parse(json: &str) -> Result<Self, String> {
        serde_json::from_str(json).map_err(|e| format!("The query is not valid JSON: {e}"))
    }
}

/// An object as the index knows it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct MetaRecord {
    /// Key.
    pub filename: String,
    /// Size in bytes.
    pub size: u64,
    /// Last modification, Unix milliseconds.
    pub modified_ms: i64,
    /// ETag (quoted).
    pub etag: String,
    /// CRC-64.
    pub crc64: u64,
    /// `Normal`, `Appendable`, `Multipart`.
    pub object_type: String,
    /// Storage class.
    pub storage_class: String,
    /// Object ACL.
    pub acl: String,
    /// `Content-Type`, if known.
    pub content_type: Option<String>,
    /// Server-side encryption, if any.
    pub server_side_encryption: Option<String>,
    /// Tags.
    pub tags: Vec<(String, String)>,
    /// User metadata (`x-oss-meta-*`, lower case).
    pub user_meta: Vec<(String, String)>,
}

impl MetaRecord {
    /// A `Normal`, `Standard`, `default`-ACL object of `size` bytes modified at
    /// `modified_ms`.
    pub fn new(filename: impl Into<String>, size: u64, modified_ms: i64) -> Self {
        MetaRecord {
            filename: filename.into(),
            size,
            modified_ms,
            object_type: "Normal".into(),
            storage_class: "Standard".into(),
            acl: "default".into(),
            ..MetaRecord::default()
        }
    }

    fn file(&self) -> MetaQueryFile {
        let kv = |pairs: &[(String, String)]| -> Vec<KeyValue> {
            pairs
                .iter()
                .map(|(k, v)| KeyValue {
                    key: k.clone(),
                    value: v.clone(),
                })
                .collect()
        };
        MetaQueryFile {
            filename: self.filename.clone(),
            size: self.size,
            file_modified_time: rfc3339(self.modified_ms),
            oss_object_type: self.object_type.clone(),
            oss_storage_class: self.storage_class.clone(),
            object_acl: self.acl.clone(),
            etag: self.etag.clone(),
            oss_crc64: self.crc64.to_string(),
            content_type: self.content_type.clone(),
            server_side_encryption: self.server_side_encryption.clone(),
            oss_tagging_count: self.tags.len() as u64,
            oss_tagging: (!self.tags.is_empty()).then(|| OssTagging {
                tags: kv(&self.tags),
            }),
            oss_user_meta: (!self.user_meta.is_empty()).then(|| OssUserMeta {
                user_meta: kv(&self.user_meta),
            }),
        }
    }

    /// The value of `field` for this object; `None` when the object has none (a tag or
    /// metadata key it lacks). Unknown fields are an error.
    fn field(&self, field: &str) -> Result<Option<Value>, String> {
        if let Some(key) = field.strip_prefix("OSSTagging.") {
            return Ok(self
                .tags
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| Value::Text(v.clone())));
        }
        if let Some(key) = field.strip_prefix("OSSUserMeta.") {
            let key = key.to_ascii_lowercase();
            let full = if key.starts_with(crate::headers::META_PREFIX) {
                key
            } else {
                format!("{}{key}", crate::headers::META_PREFIX)
            };
            return Ok(self
                .user_meta
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(&full))
                .map(|(_, v)| Value::Text(v.clone())));
        }
        Ok(Some(match field {
            "Filename" => Value::Text(self.filename.clone()),
            "Size" => Value::Number(self.size as f64),
            "FileModifiedTime" => Value::Time(self.modified_ms),
            "ETag" => Value::Text(self.etag.trim_matches('"').to_string()),
            "OSSCRC64" => Value::Text(self.crc64.to_string()),
            "OSSObjectType" => Value::Text(self.object_type.clone()),
            "OSSStorageClass" => Value::Text(self.storage_class.clone()),
            "ObjectACL" => Value::Text(self.acl.clone()),
            "OSSTaggingCount" => Value::Number(self.tags.len() as f64),
            "ContentType" => match &self.content_type {
                Some(c) => Value::Text(c.clone()),
                None => return Ok(None),
            },
            "ServerSideEncryption" => match &self.server_side_encryption {
                Some(c) => Value::Text(c.clone()),
                None => return Ok(None),
            },
            other => return Err(format!("The field {other:?} cannot be queried.")),
        }))
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Value {
    Text(String),
    Number(f64),
    Time(i64),
}

impl Value {
    /// The query's value text read as the same kind as `self`.
    fn parse_like(&self, text: &str) -> Result<Value, String> {
        Ok(match self {
            Value::Text(_) => Value::Text(text.trim_matches('"').to_string()),
            Value::Number(_) => Value::Number(
                text.trim()
                    .parse::<f64>()
                    .map_err(|_| format!("The value {text:?} is not a number."))?,
            ),
            Value::Time(_) => Value::Time(
                parse_rfc3339(text.trim())
                    .ok_or_else(|| format!("The value {text:?} is not an RFC 3339 time."))?,
            ),
        })
    }

    fn compare(&self, other: &Value) -> Ordering {
        match (self, other) {
            (Value::Text(a), Value::Text(b)) => a.cmp(b),
            (Value::Number(a), Value::Number(b)) => a.partial_cmp(b).unwrap_or(Ordering::Equal),
            (Value::Time(a), Value::Time(b)) => a.cmp(b),
            _ => Ordering::Equal,
        }
    }

    fn number(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            Value::Time(ms) => Some(*ms as f64),
            Value::Text(_) => None,
        }
    }

    fn text(&self) -> String {
        match self {
            Value::Text(s) => s.clone(),
            Value::Number(n) => format_number(*n),
            Value::Time(ms) => rfc3339(*ms),
        }
    }
}

fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

/// Checks a condition's shape (operations, fields, values) without evaluating it.
pub fn validate_condition(c: &MetaQueryCondition) -> Result<(), String> {
    match c.operation.as_str() {
        "and" | "or" => {
            if c.sub_queries.is_empty() {
                return Err(format!("The {} query needs SubQueries.", c.operation));
            }
            c.sub_queries.iter().try_for_each(validate_condition)
        }
        "not" => {
            if c.sub_queries.len() != 1 {
                return Err("The not query needs exactly one SubQuery.".into());
            }
            validate_condition(&c.sub_queries[0])
        }
        "eq" | "gt" | "gte" | "lt" | "lte" | "match" | "prefix" | "exist" => {
            let field = c
                .field
                .as_deref()
                .ok_or_else(|| format!("The {} query needs a Field.", c.operation))?;
            let probe = MetaRecord::new("", 0, 0);
            let kind = probe.field(field)?;
            if c.operation != "exist" {
                let value = c
                    .value
                    .as_deref()
                    .ok_or_else(|| format!("The {} query needs a Value.", c.operation))?;
                if let Some(kind) = kind {
                    if matches!(c.operation.as_str(), "match" | "prefix")
                        && !matches!(kind, Value::Text(_))
                    {
                        return Err(format!(
                            "The operation {} does not apply to the field {field}.",
                            c.operation
                        ));
                    }
                    kind.parse_like(value)?;
                }
            }
            Ok(())
        }
        other => Err(format!("The query operation {other:?} is not supported.")),
    }
}

/// Whether `record` satisfies `c` (checked with [`validate_condition`] first).
pub fn matches(c: &MetaQueryCondition, record: &MetaRecord) -> Result<bool, String> {
    match c.operation.as_str() {
        "and" => {
            for s in &c.sub_queries {
                if !matches(s, record)? {
                    return Ok(false);
                }
            }
            Ok(true)
        }
        "or" => {
            for s in &c.sub_queries {
                if matches(s, record)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        "not" => Ok(!matches(&c.sub_queries[0], record)?),
        op => {
            let field = c.field.as_deref().unwrap_or_default();
            let Some(actual) = record.field(field)? else {
                return Ok(false);
            };
            if op == "exist" {
                return Ok(true);
            }
            let text = c.value.as_deref().unwrap_or_default();
            let wanted = actual.parse_like(text)?;
            Ok(match op {
                "eq" => actual.compare(&wanted) == Ordering::Equal,
                "gt" => actual.compare(&wanted) == Ordering::Greater,
                "gte" => actual.compare(&wanted) != Ordering::Less,
                "lt" => actual.compare(&wanted) == Ordering::Less,
                "lte" => actual.compare(&wanted) != Ordering::Greater,
                "match" => actual.text().contains(&wanted.text()),
                "prefix" => actual.text().starts_with(&wanted.text()),
                _ => false,
            })
        }
    }
}

/// Runs a query over `records`: filter, sort (by `Sort` and `Order`, ties by key), page
/// (`MaxResults`, `NextToken`), and the aggregations over every match.
pub fn run(query: &MetaQuery, records: &[MetaRecord]) -> Result<MetaQueryResult, String> {
    let condition = MetaQueryCondition::parse(&query.query)?;
    validate_condition(&condition)?;
    let max = match query.max_results.as_deref().map(str::trim) {
        None | Some("") => MAX_RESULTS,
        Some(n) => match n.parse::<usize>() {
            Ok(0) => MAX_RESULTS,
            Ok(n) if n <= MAX_RESULTS => n,
            _ => {
                return Err(format!(
                    "MaxResults must be an integer from 0 to {MAX_RESULTS}, not {n:?}."
                ))
            }
        },
    };
    let descending = match query.order.as_deref().map(str::trim) {
        None | Some("") | Some("asc") => false,
        Some("desc") => true,
        Some(other) => return Err(format!("Order must be asc or desc, not {other:?}.")),
    };
    let sort = query
        .sort
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .unwrap_or("Filename");
    MetaRecord::new("", 0, 0).field(sort)?;
    let start = match query.next_token.as_deref().map(str::trim) {
        None | Some("") => 0,
        Some(token) => {
            parse_token(token).ok_or_else(|| format!("The NextToken {token:?} is not valid."))?
        }
    };

    let mut hits: Vec<(Option<Value>, &MetaRecord)> = Vec::new();
    for r in records {
        if matches(&condition, r)? {
            hits.push((r.field(sort)?, r));
        }
    }
    hits.sort_by(|(va, ra), (vb, rb)| {
        let by_value = match (va, vb) {
            (Some(a), Some(b)) => a.compare(b),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        };
        let by_value = if descending {
            by_value.reverse()
        } else {
            by_value
        };
        by_value.then_with(|| ra.filename.cmp(&rb.filename))
    });

    let mut aggregations = Vec::new();
    for a in query
        .aggregations
        .iter()
        .flat_map(|a| a.aggregations.iter())
    {
        aggregations.push(aggregate(a, hits.iter().map(|(_, r)| *r))?);
    }

    let end = (start + max).min(hits.len());
    let files = hits
        .get(start..end)
        .unwrap_or_default()
        .iter()
        .map(|(_, r)| r.file())
        .collect();
    let next_token = if end < hits.len() {
        make_token(end)
    } else {
        String::new()
    };
    Ok(MetaQueryResult {
        next_token,
        files: MetaQueryFiles { files },
        aggregations: (!aggregations.is_empty()).then_some(AggregationsResult { aggregations }),
    })
}

fn aggregate<'a>(
    a: &Aggregation,
    records: impl Iterator<Item = &'a MetaRecord>,
) -> Result<AggregationResult, String> {
    let probe = MetaRecord::new("", 0, 0).field(&a.field)?;
    let values: Vec<Value> = records
        .map(|r| r.field(&a.field))
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .flatten()
        .collect();
    let numeric = |op: &str| -> Result<Vec<f64>, String> {
        if matches!(probe, Some(Value::Text(_))) {
            return Err(format!(
                "The aggregation {op} does not apply to the field {}.",
                a.field
            ));
        }
        Ok(values.iter().filter_map(Value::number).collect())
    };
    let mut result = AggregationResult {
        field: a.field.clone(),
        operation: a.operation.clone(),
        value: None,
        groups: None,
    };
    match a.operation.as_str() {
        "min" => result.value = Some(numeric("min")?.into_iter().fold(f64::NAN, f64::min)),
        "max" => result.value = Some(numeric("max")?.into_iter().fold(f64::NAN, f64::max)),
        "sum" => result.value = Some(numeric("sum")?.into_iter().sum()),
        "average" => {
            let n = numeric("average")?;
            result.value = Some(if n.is_empty() {
                0.0
            } else {
                n.iter().sum::<f64>() / n.len() as f64
            });
        }
        "count" => result.value = Some(values.len() as f64),
        "distinct" => {
            let mut seen: Vec<String> = values.iter().map(Value::text).collect();
            seen.sort();
            seen.dedup();
            result.value = Some(seen.len() as f64);
        }
        "group" => {
            let mut counts: BTreeMap<String, u64> = BTreeMap::new();
            for v in &values {
                *counts.entry(v.text()).or_default() += 1;
            }
            let mut groups: Vec<AggregationGroup> = counts
                .into_iter()
                .map(|(value, count)| AggregationGroup { value, count })
                .collect();
            groups.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
            result.groups = Some(AggregationGroups { groups });
        }
        other => return Err(format!("The aggregation {other:?} is not supported.")),
    }
    // min and max of nothing: 0, as OSS answers for an empty bucket.
    if result.value.is_some_and(f64::is_nan) {
        result.value = Some(0.0);
    }
    Ok(result)
}

const TOKEN_PREFIX: &str = "osskit-offset:";

fn make_token(offset: usize) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(format!("{TOKEN_PREFIX}{offset}"))
}

fn parse_token(token: &str) -> Option<usize> {
    use base64::Engine as _;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(token)
        .ok()?;
    let text = String::from_utf8(raw).ok()?;
    text.strip_prefix(TOKEN_PREFIX)?.parse().ok()
}

/// Formats Unix milliseconds as RFC 3339 in UTC with nanoseconds, as OSS writes
/// `FileModifiedTime` (`2021-06-29T14:50:13.011000000Z`).
pub fn rfc3339(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let millis = ms.rem_euclid(1000);
    let base = crate::date::unixtime_to_iso8601(secs);
    // `YYYY-MM-DDTHH:MM:SS.000Z` → keep the seconds, write the fraction.
    let head = base.strip_suffix(".000Z").unwrap_or(&base);
    format!("{head}.{millis:03}000000Z")
}

/// Parses an RFC 3339 time (`2021-06-29T14:50:13.011643661+08:00`, `…Z`, fraction
/// optional) into Unix milliseconds.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20 {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = s.get(r)?;
        t.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| t.parse().ok())?
    };
    if b[4] != b'-'
        || b[7] != b'-'
        || !(b[10] == b'T' || b[10] == b't')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let date = crate::date::Date::new(i32::try_from(year).ok()?, month as u32, day as u32)?;
    let mut rest = &s[19..];
    let mut millis = 0i64;
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return None;
        }
        let digits = &frac[..n];
        let first3: String = digits.chars().chain("000".chars()).take(3).collect();
        millis = first3.parse().ok()?;
        rest = &frac[n..];
    }
    let offset_secs = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let t = &rest[1..];
            if t.len() != 5 || t.as_bytes()[2] != b':' {
                return None;
            }
            let h: i64 = t[..2].parse().ok()?;
            let m: i64 = t[3..].parse().ok()?;
            sign * (h * 3600 + m * 60)
        }
    };
    let secs = date.days_since_epoch() * 86_400 + hour * 3600 + minute * 60 + second - offset_secs;
    Some(secs * 1000 + millis)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::Document;

    fn records() -> Vec<MetaRecord> {
        let mut a = MetaRecord::new("a.txt", 7, 1_000);
        a.tags = vec![("owner".into(), "John".into())];
        a.user_meta = vec![("x-oss-meta-location".into(), "hangzhou".into())];
        a.content_type = Some("text/plain".into());
        let mut b = MetaRecord::new("b.txt", 15, 2_000);
        b.storage_class = "IA".into();
        let c = MetaRecord::new("dir/c.bin", 2_000_000, 3_000);
        vec![a, b, c]
    }

    fn run_json(json: &str) -> Vec<String> {
        let q = MetaQuery::new(json);
        run(&q, &records())
            .unwrap()
            .files
            .files
            .into_iter()
            .map(|f| f.filename)
            .collect()
    }

    #[test]
    fn simple_and_compound_conditions() {
        assert_eq!(
            run_json(r#"{"Field": "Size","Value": "1048576","Operation": "lt"}"#),
            ["a.txt", "b.txt"]
        );
        assert_eq!(
            run_json(r#"{"Field":"Size","Value":15,"Operation":"gte"}"#),
            ["b.txt", "dir/c.bin"]
        );
        assert_eq!(
            run_json(r#"{"Field":"Filename","Value":"dir/","Operation":"prefix"}"#),
            ["dir/c.bin"]
        );
        assert_eq!(
            run_json(r#"{"Field":"Filename","Value":".txt","Operation":"match"}"#),
            ["a.txt", "b.txt"]
        );
        assert_eq!(
            run_json(r#"{"Field":"OSSTagging.owner","Value":"John","Operation":"eq"}"#),
            ["a.txt"]
        );
        assert_eq!(
            run_json(
                r#"{"Field":"OSSUserMeta.x-oss-meta-location","Value":"hangzhou","Operation":"eq"}"#
            ),
            ["a.txt"]
        );
        assert_eq!(
            run_json(r#"{"Field":"OSSTagging.owner","Operation":"exist"}"#),
            ["a.txt"]
        );
        assert_eq!(
            run_json(
                r#"{"Operation":"and","SubQueries":[{"Field":"Size","Value":"10","Operation":"gt"},
                   {"Operation":"not","SubQueries":[{"Field":"OSSStorageClass","Value":"IA","Operation":"eq"}]}]}"#
            ),
            ["dir/c.bin"]
        );
        assert_eq!(
            run_json(
                r#"{"Operation":"or","SubQueries":[{"Field":"Filename","Value":"a.txt","Operation":"eq"},
                   {"Field":"FileModifiedTime","Value":"1970-01-01T00:00:02.500Z","Operation":"gt"}]}"#
            ),
            ["a.txt", "dir/c.bin"]
        );
    }

    #[test]
    fn bad_queries_name_the_problem() {
        let bad = |json: &str| run(&MetaQuery::new(json), &records()).unwrap_err();
        assert!(bad("not json").contains("JSON"));
        assert!(bad(r#"{"Field":"Colour","Value":"red","Operation":"eq"}"#).contains("Colour"));
        assert!(bad(r#"{"Field":"Size","Value":"big","Operation":"lt"}"#).contains("not a number"));
        assert!(bad(r#"{"Field":"Size","Value":"1","Operation":"near"}"#).contains("near"));
        assert!(bad(r#"{"Operation":"and"}"#).contains("SubQueries"));
        let q = MetaQuery::new(r#"{"Field":"Size","Value":"1","Operation":"gt"}"#).max_results(101);
        assert!(run(&q, &records()).unwrap_err().contains("MaxResults"));
    }

    #[test]
    fn sorting_paging_and_aggregations() {
        let q = MetaQuery::new(r#"{"Field":"Size","Value":"0","Operation":"gt"}"#)
            .sort("Size", "desc")
            .max_results(2)
            .aggregation(Aggregation::new("Size", "sum"))
            .aggregation(Aggregation::new("Size", "max"))
            .aggregation(Aggregation::new("OSSStorageClass", "group"))
            .aggregation(Aggregation::new("OSSStorageClass", "distinct"));
        let first = run(&q, &records()).unwrap();
        let names: Vec<_> = first
            .files
            .files
            .iter()
            .map(|f| f.filename.clone())
            .collect();
        assert_eq!(names, ["dir/c.bin", "b.txt"]);
        assert!(!first.next_token.is_empty());
        let aggs = first.aggregations.clone().unwrap().aggregations;
        assert_eq!(aggs[0].value, Some(2_000_022.0));
        assert_eq!(aggs[1].value, Some(2_000_000.0));
        let groups = aggs[2].groups.clone().unwrap().groups;
        assert_eq!((groups[0].value.as_str(), groups[0].count), ("Standard", 2));
        assert_eq!(aggs[3].value, Some(2.0));
        let second = run(&q.clone().next_token(first.next_token.clone()), &records()).unwrap();
        assert_eq!(second.files.files[0].filename, "a.txt");
        assert!(second.next_token.is_empty());
        // The answer document parses back.
        let doc = crate::xml::to_xml(&first);
        assert!(doc.contains("<Filename>dir/c.bin</Filename>"));
        let back = MetaQueryResult::from_document(doc.as_bytes()).unwrap();
        assert_eq!(back, first);
        // Aggregations of nothing are 0.
        let none = MetaQuery::new(r#"{"Field":"Size","Value":"0","Operation":"lt"}"#)
            .aggregation(Aggregation::new("Size", "max"));
        let empty = run(&none, &records()).unwrap();
        assert!(empty.files.files.is_empty());
        assert_eq!(empty.aggregations.unwrap().aggregations[0].value, Some(0.0));
    }

    #[test]
    fn oss2_request_documents_parse() {
        let doc = br#"<MetaQuery><NextToken></NextToken><MaxResults>2</MaxResults><Query>{"Field": "Size","Value": "1048576","Operation": "lt"}</Query><Sort>Size</Sort><Order>asc</Order><Aggregations><Aggregation><Field>Size</Field><Operation>sum</Operation></Aggregation></Aggregations></MetaQuery>"#;
        let q = MetaQuery::from_document(doc).unwrap();
        assert_eq!(q.max_results.as_deref(), Some("2"));
        assert_eq!(q.aggregations.unwrap().aggregations[0].operation, "sum");
    }

    #[test]
    fn rfc3339_times() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:01Z"), Some(1000));
        assert_eq!(
            parse_rfc3339("2021-06-29T14:50:13.011643661+08:00"),
            Some(1_624_949_413_011)
        );
        assert_eq!(rfc3339(1_624_949_413_011), "2021-06-29T06:50:13.011000000Z");
        assert_eq!(
            parse_rfc3339(&rfc3339(1_624_949_413_011)),
            Some(1_624_949_413_011)
        );
        assert_eq!(parse_rfc3339("yesterday"), None);
    }
}
