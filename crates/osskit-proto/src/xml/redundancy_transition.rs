//! Data redundancy transitions: tasks that convert a bucket from locally redundant (LRS) to
//! zone-redundant storage (ZRS) (`CreateBucketDataRedundancyTransition`,
//! `GetBucketDataRedundancyTransition`, `DeleteBucketDataRedundancyTransition`,
//! `ListBucketDataRedundancyTransition`, `ListUserDataRedundancyTransition`).
//!
//! ```
//! use osskit_proto::xml::{redundancy_transition::BucketDataRedundancyTransition, Document};
//! let doc = b"<BucketDataRedundancyTransition><TaskId>4be5beb0</TaskId></BucketDataRedundancyTransition>";
//! let t = BucketDataRedundancyTransition::from_document(doc).unwrap();
//! assert_eq!(t.task_id, "4be5beb0");
//! assert_eq!(t.status, None);
//! ```

use serde::{Deserialize, Serialize};

/// Waiting to start.
pub const QUEUEING: &str = "Queueing";
/// Converting.
pub const PROCESSING: &str = "Processing";
/// Done: the bucket has its new redundancy type.
pub const FINISHED: &str = "Finished";

/// `<BucketDataRedundancyTransition>`: a task (only `TaskId` in the answer of a create).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "BucketDataRedundancyTransition")]
#[non_exhaustive]
pub struct BucketDataRedundancyTransition {
    /// The bucket (in gets and listings).
    #[serde(rename = "Bucket", default, skip_serializing_if = "Option::is_none")]
    pub bucket: Option<String>,
    /// Task id.
    #[serde(rename = "TaskId", default)]
    pub task_id: String,
    /// `Queueing`, `Processing` or `Finished`.
    #[serde(rename = "Status", default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// When the task was created (ISO 8601).
    #[serde(
        rename = "CreateTime",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub create_time: Option<String>,
    /// When it started (once `Processing`).
    #[serde(rename = "StartTime", default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    /// When it finished (once `Finished`).
    #[serde(rename = "EndTime", default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    /// Percent done (once `Processing`).
    #[serde(
        rename = "ProcessPercentage",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub process_percentage: Option<u32>,
    /// Estimated hours left (once `Processing`).
    #[serde(
        rename = "EstimatedRemainingTime",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub estimated_remaining_time: Option<u64>,
}

/// `<ListBucketDataRedundancyTransition>`: the tasks of a bucket, or of the account (with
/// paging).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "ListBucketDataRedundancyTransition")]
#[non_exhaustive]
pub struct ListBucketDataRedundancyTransition {
    /// More tasks follow (account listings).
    #[serde(
        rename = "IsTruncated",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub is_truncated: Option<bool>,
    /// Where the next page starts (account listings).
    #[serde(
        rename = "NextContinuationToken",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub next_continuation_token: Option<String>,
    /// The tasks.
    #[serde(rename = "BucketDataRedundancyTransition", default)]
    pub transitions: Vec<BucketDataRedundancyTransition>,
}

impl BucketDataRedundancyTransition {
    /// Task `task_id` (the answer of a create); set the other fields for gets and lists.
    pub fn new(task_id: impl Into<String>) -> Self {
        BucketDataRedundancyTransition {
            task_id: task_id.into(),
            ..Self::default()
        }
    }
}

impl ListBucketDataRedundancyTransition {
    /// A listing of `transitions` (set the paging fields for account listings).
    pub fn new(transitions: Vec<BucketDataRedundancyTransition>) -> Self {
        ListBucketDataRedundancyTransition {
            transitions,
            ..Self::default()
        }
    }
}

crate::xml_document!(
    BucketDataRedundancyTransition => "BucketDataRedundancyTransition",
    ListBucketDataRedundancyTransition => "ListBucketDataRedundancyTransition",
);
