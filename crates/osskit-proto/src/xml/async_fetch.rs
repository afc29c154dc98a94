//! Async fetch tasks: OSS downloads a URL into an object in the background
//! (`PutAsyncFetchTask`, `GetAsyncFetchTask`).
//!
//! ```
//! use osskit_proto::xml::{async_fetch::AsyncFetchTaskConfiguration, Document};
//! let task = AsyncFetchTaskConfiguration::new("http://example.com/a.txt", "copies/a.txt")
//!     .ignore_same_key(false);
//! let doc = task.to_document().unwrap();
//! assert!(doc.contains("<Url>http://example.com/a.txt</Url><Object>copies/a.txt</Object>"));
//! assert!(doc.contains("<IgnoreSameKey>false</IgnoreSameKey>"));
//! ```

use serde::{Deserialize, Serialize};

/// The task is running.
pub const RUNNING: &str = "Running";
/// The task failed once and is being retried.
pub const RETRY: &str = "Retry";
/// The object was stored but the callback failed.
pub const FETCH_SUCCESS_CALLBACK_FAILED: &str = "FetchSuccessCallbackFailed";
/// The task failed.
pub const FAILED: &str = "Failed";
/// The object was stored (and the callback, if any, succeeded).
pub const SUCCESS: &str = "Success";

/// `<AsyncFetchTaskConfiguration>`: what to fetch and where to store it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "AsyncFetchTaskConfiguration")]
#[non_exhaustive]
pub struct AsyncFetchTaskConfiguration {
    /// The source URL (`http` or `https`).
    #[serde(rename = "Url", default)]
    pub url: String,
    /// The object to create.
    #[serde(rename = "Object", default)]
    pub object: String,
    /// The `Host` to send to the source (taken from the URL when absent).
    #[serde(rename = "Host", default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// The Base64 MD5 the fetched data must have.
    #[serde(
        rename = "ContentMD5",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub content_md5: Option<String>,
    /// An upload callback (Base64 JSON, as `x-oss-callback`) made once the object is stored.
    #[serde(rename = "Callback", default, skip_serializing_if = "Option::is_none")]
    pub callback: Option<String>,
    /// Refuse the task when the object exists (the default) instead of overwriting it.
    #[serde(
        rename = "IgnoreSameKey",
        default,
        deserialize_with = "crate::xml::flex::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub ignore_same_key: Option<bool>,
    /// Also call back when the fetch fails.
    #[serde(
        rename = "CallbackWhenFailed",
        default,
        deserialize_with = "crate::xml::flex::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub callback_when_failed: Option<bool>,
}

impl AsyncFetchTaskConfiguration {
    /// Fetch `url` into `object`.
    pub fn new(url: impl Into<String>, object: impl Into<String>) -> Self {
        AsyncFetchTaskConfiguration {
            url: url.into(),
            object: object.into(),
            ..AsyncFetchTaskConfiguration::default()
        }
    }

    /// Sets the `Host` sent to the source.
    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.host = Some(host.into());
        self
    }

    /// Sets the Base64 MD5 the data must have.
    pub fn content_md5(mut self, md5: impl Into<String>) -> Self {
        self.content_md5 = Some(md5.into());
        self
    }

    /// Sets the callback (Base64 JSON).
    pub fn callback(mut self, callback: impl Into<String>) -> Self {
        self.callback = Some(callback.into());
        self
    }

    /// Sets `IgnoreSameKey`.
    pub fn ignore_same_key(mut self, ignore: bool) -> Self {
        self.ignore_same_key = Some(ignore);
        self
    }

    /// Sets `CallbackWhenFailed`.
    pub fn callback_when_failed(mut self, yes: bool) -> Self {
        self.callback_when_failed = Some(yes);
        self
    }
}

/// `<AsyncFetchTaskResult>`: the id of a new task.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "AsyncFetchTaskResult")]
#[non_exhaustive]
pub struct AsyncFetchTaskResult {
    /// Task id.
    #[serde(rename = "TaskId", default)]
    pub task_id: String,
}

/// `<AsyncFetchTaskInfo>`: a task's state.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "AsyncFetchTaskInfo")]
#[non_exhaustive]
pub struct AsyncFetchTaskInfo {
    /// Task id.
    #[serde(rename = "TaskId", default)]
    pub task_id: String,
    /// `Running`, `Retry`, `Success`, `Failed` or `FetchSuccessCallbackFailed`.
    #[serde(rename = "State", default)]
    pub state: String,
    /// Why it failed (empty unless it did).
    #[serde(rename = "ErrorMsg", default)]
    pub error_msg: String,
    /// The task as submitted.
    #[serde(rename = "TaskInfo", default)]
    pub task_info: AsyncFetchTaskDetails,
}

/// `<TaskInfo>` of [`AsyncFetchTaskInfo`]: every field present, empty when not given.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AsyncFetchTaskDetails {
    /// The source URL.
    #[serde(rename = "Url", default)]
    pub url: String,
    /// The object.
    #[serde(rename = "Object", default)]
    pub object: String,
    /// The `Host` given.
    #[serde(rename = "Host", default)]
    pub host: String,
    /// The MD5 given.
    #[serde(rename = "ContentMD5", default)]
    pub content_md5: String,
    /// The callback given.
    #[serde(rename = "Callback", default)]
    pub callback: String,
    /// Whether an existing object made the task fail.
    #[serde(
        rename = "IgnoreSameKey",
        default,
        deserialize_with = "crate::xml::flex::bool"
    )]
    pub ignore_same_key: bool,
}

impl AsyncFetchTaskResult {
    /// The answer naming task `task_id`.
    pub fn new(task_id: impl Into<String>) -> Self {
        AsyncFetchTaskResult {
            task_id: task_id.into(),
        }
    }
}

impl AsyncFetchTaskInfo {
    /// The state of task `task_id`.
    pub fn new(
        task_id: impl Into<String>,
        state: impl Into<String>,
        error_msg: impl Into<String>,
        task_info: AsyncFetchTaskDetails,
    ) -> Self {
        AsyncFetchTaskInfo {
            task_id: task_id.into(),
            state: state.into(),
            error_msg: error_msg.into(),
            task_info,
        }
    }
}

impl From<&AsyncFetchTaskConfiguration> for AsyncFetchTaskDetails {
    fn from(c: &AsyncFetchTaskConfiguration) -> Self {
        AsyncFetchTaskDetails {
            url: c.url.clone(),
            object: c.object.clone(),
            host: c.host.clone().unwrap_or_default(),
            content_md5: c.content_md5.clone().unwrap_or_default(),
            callback: c.callback.clone().unwrap_or_default(),
            ignore_same_key: c.ignore_same_key.unwrap_or(true),
        }
    }
}

crate::xml_document!(
    AsyncFetchTaskConfiguration => "AsyncFetchTaskConfiguration",
    AsyncFetchTaskResult => "AsyncFetchTaskResult",
    AsyncFetchTaskInfo => "AsyncFetchTaskInfo",
);

/// Checks a task as OSS does: an `http`/`https` URL with a host, an object name.
pub fn validate(task: &AsyncFetchTaskConfiguration) -> Result<(), String> {
    let url = task.url.trim();
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .ok_or_else(|| format!("The Url {url:?} must start with http:// or https://."))?;
    if rest.is_empty() || rest.starts_with('/') {
        return Err(format!("The Url {url:?} has no host."));
    }
    if task.object.is_empty() {
        return Err("The Object of the task is empty.".into());
    }
    Ok(())
}
