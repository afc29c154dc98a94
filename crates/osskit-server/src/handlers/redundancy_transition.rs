//! Data redundancy transitions (`CreateBucketDataRedundancyTransition`, `Get…`, `Delete…`,
//! `ListBucketDataRedundancyTransition`, `ListUserDataRedundancyTransition`): tasks that
//! convert a bucket from LRS to ZRS.
//!
//! A task waits in `Queueing` for
//! [`AccountSettings::redundancy_transition_queue`](crate::account::AccountSettings), is
//! `Processing` for `redundancy_transition_run` (with its percentage and remaining time
//! following the clock), then `Finished`, and the bucket's redundancy type becomes ZRS. Its
//! state is computed from its creation time, so it is right whenever asked; a background job
//! changes the bucket when the task finishes (and any read of the bucket's tasks does, if
//! the server was restarted in between). Tasks in `Processing` cannot be deleted
//! (`BucketDataRedundancyTransitionTaskStatusConflict`), as OSS.

use std::sync::Arc;
use std::time::Duration;

use super::blocking;
use crate::dispatch::{AppState, RequestCtx};
use crate::error::OssError;
use crate::http::response::{now_millis, Reply};
use crate::store::{Store, StoreError};
use osskit_proto::date::unixtime_to_iso8601;
use osskit_proto::error_code::ErrorCode;
use osskit_proto::xml;
use osskit_proto::xml::redundancy_transition::{
    BucketDataRedundancyTransition, ListBucketDataRedundancyTransition, FINISHED, PROCESSING,
    QUEUEING,
};
use serde::{Deserialize, Serialize};

/// Name of the stored document (internal JSON: the bucket's tasks).
const DOC: &str = "redundancytransition";

/// The parameter naming a task.
const TASK_ID: &str = "x-oss-redundancy-transition-taskid";

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Task {
    id: String,
    target: String,
    created_ms: i64,
    queue_ms: i64,
    run_ms: i64,
}

impl Task {
    fn start_ms(&self) -> i64 {
        self.created_ms.saturating_add(self.queue_ms)
    }

    fn end_ms(&self) -> i64 {
        self.start_ms().saturating_add(self.run_ms)
    }

    fn status(&self, now: i64) -> &'static str {
        if now < self.start_ms() {
            QUEUEING
        } else if now < self.end_ms() {
            PROCESSING
        } else {
            FINISHED
        }
    }

    fn describe(&self, bucket: &str, now: i64) -> BucketDataRedundancyTransition {
        let iso = |ms: i64| unixtime_to_iso8601(ms.div_euclid(1000));
        let status = self.status(now);
        let mut t = BucketDataRedundancyTransition::new(self.id.clone());
        t.bucket = Some(bucket.to_string());
        t.status = Some(status.to_string());
        t.create_time = Some(iso(self.created_ms));
        if status != QUEUEING {
            t.start_time = Some(iso(self.start_ms()));
            let (percent, remaining_ms) = if status == FINISHED {
                (100, 0)
            } else {
                let done = now - self.start_ms();
                (
                    u32::try_from(done.saturating_mul(100) / self.run_ms.max(1))
                        .unwrap_or(99)
                        .min(99),
                    self.end_ms() - now,
                )
            };
            t.process_percentage = Some(percent);
            // Hours, rounded up.
            t.estimated_remaining_time =
                Some(u64::try_from(remaining_ms).unwrap_or(0).div_ceil(3_600_000));
        }
        if status == FINISHED {
            t.end_time = Some(iso(self.end_ms()));
        }
        t
    }
}

fn load_in(store: &dyn Store, bucket: &str) -> Result<Vec<Task>, StoreError> {
    Ok(store
        .bucket_config(bucket, DOC)?
        .and_then(|d| serde_json::from_slice(&d).ok())
        .unwrap_or_default())
}

fn save_in(store: &dyn Store, bucket: &str, tasks: &[Task]) -> Result<(), StoreError> {
    let doc = if tasks.is_empty() {
        None
    } else {
        Some(serde_json::to_vec(tasks).map_err(|e| StoreError::Internal(e.to_string()))?)
    };
    store.set_bucket_config(bucket, DOC, doc)
}

/// Gives the bucket the redundancy type of its finished tasks; returns its tasks.
fn settle(store: &dyn Store, bucket: &str, now: i64) -> Result<Vec<Task>, StoreError> {
    let tasks = load_in(store, bucket)?;
    if let Some(done) = tasks
        .iter()
        .filter(|t| t.status(now) == FINISHED)
        .max_by_key(|t| t.end_ms())
    {
        let mut meta = store.bucket(bucket)?;
        if meta.data_redundancy_type != done.target {
            meta.data_redundancy_type = done.target.clone();
            store.update_bucket(meta)?;
        }
    }
    Ok(tasks)
}

async fn tasks_of(state: &AppState, bucket: &str) -> Result<Vec<Task>, OssError> {
    let b = bucket.to_string();
    let now = now_millis();
    blocking(state, move |s| settle(s, &b, now))
        .await
        .map_err(|e| OssError::from_store(e, bucket, None))
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// CreateBucketDataRedundancyTransition: only LRS → ZRS, one unfinished task at a time.
pub async fn create(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let bucket = ctx.bucket_name().to_string();
    let target = ctx
        .param("x-oss-target-redundancy-type")
        .unwrap_or_default()
        .trim()
        .to_string();
    if target != "ZRS" {
        return Err(OssError::invalid_argument(
            "Only conversions to ZRS are supported: x-oss-target-redundancy-type must be ZRS.",
            "x-oss-target-redundancy-type",
            &target,
        ));
    }
    let settings = &state.account.settings;
    let task = Task {
        id: format!("{:032x}", rand::random::<u128>()),
        target,
        created_ms: now_millis(),
        queue_ms: millis(settings.redundancy_transition_queue),
        run_ms: millis(settings.redundancy_transition_run),
    };
    let _guard = state.account.edit_lock.lock().await;
    let (b, t) = (bucket.clone(), task.clone());
    blocking(state, move |s| {
        let now = t.created_ms;
        let mut tasks = settle(s, &b, now)?;
        let meta = s.bucket(&b)?;
        if meta.data_redundancy_type == t.target {
            return Err(StoreError::InvalidArgument(format!(
                "The bucket is already {}.",
                t.target
            )));
        }
        if matches!(
            meta.storage_class.as_str(),
            "ColdArchive" | "DeepColdArchive"
        ) {
            return Err(StoreError::InvalidArgument(format!(
                "A {} bucket cannot change its redundancy type.",
                meta.storage_class
            )));
        }
        if tasks.iter().any(|x| x.status(now) != FINISHED) {
            return Err(StoreError::InvalidArgument(String::new()));
        }
        tasks.push(t);
        save_in(s, &b, &tasks)
    })
    .await
    .map_err(|e| match e {
        StoreError::InvalidArgument(why) if why.is_empty() => {
            OssError::new(ErrorCode::BucketDataRedundancyTransitionTaskStatusConflict)
                .with_detail("BucketName", &bucket)
        }
        other => OssError::from_store(other, &bucket, None),
    })?;
    // Finish the conversion in the background when the task's time is up.
    let store: Arc<dyn Store> = state.store.clone();
    let (b, wait) = (bucket.clone(), task.end_ms() - task.created_ms);
    state.account.spawn(async move {
        tokio::time::sleep(Duration::from_millis(u64::try_from(wait).unwrap_or(0))).await;
        let now = now_millis();
        let outcome = tokio::task::spawn_blocking(move || settle(store.as_ref(), &b, now)).await;
        if let Ok(Err(e)) = outcome {
            tracing::debug!(error = %e, "a redundancy transition could not be applied");
        }
    });
    let answer = BucketDataRedundancyTransition::new(task.id);
    Ok(Reply::xml(xml::to_xml(&answer)))
}

fn task_id(ctx: &RequestCtx) -> String {
    ctx.param(TASK_ID).unwrap_or_default().trim().to_string()
}

fn not_found(id: &str) -> OssError {
    OssError::new(ErrorCode::BucketDataRedundancyTransitionTaskNotExist).with_detail("TaskId", id)
}

/// GetBucketDataRedundancyTransition.
pub async fn get(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let bucket = ctx.bucket_name();
    let id = task_id(ctx);
    let tasks = tasks_of(state, bucket).await?;
    let now = now_millis();
    match tasks.iter().find(|t| t.id == id) {
        Some(t) => Ok(Reply::xml(xml::to_xml(&t.describe(bucket, now)))),
        None => Err(not_found(&id)),
    }
}

/// DeleteBucketDataRedundancyTransition: not while `Processing`.
pub async fn delete(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let bucket = ctx.bucket_name().to_string();
    let id = task_id(ctx);
    let _guard = state.account.edit_lock.lock().await;
    let mut tasks = tasks_of(state, &bucket).await?;
    let now = now_millis();
    let Some(i) = tasks.iter().position(|t| t.id == id) else {
        return Err(not_found(&id));
    };
    if tasks[i].status(now) == PROCESSING {
        return Err(
            OssError::new(ErrorCode::BucketDataRedundancyTransitionTaskStatusConflict)
                .with_detail("TaskId", &id),
        );
    }
    tasks.remove(i);
    let b = bucket.clone();
    blocking(state, move |s| save_in(s, &b, &tasks))
        .await
        .map_err(|e| OssError::from_store(e, &bucket, None))?;
    Ok(Reply::new(204))
}

/// ListBucketDataRedundancyTransition: the bucket's tasks, oldest first.
pub async fn list_bucket(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let bucket = ctx.bucket_name();
    let tasks = tasks_of(state, bucket).await?;
    let now = now_millis();
    let list = ListBucketDataRedundancyTransition::new(
        tasks.iter().map(|t| t.describe(bucket, now)).collect(),
    );
    Ok(Reply::xml(xml::to_xml(&list)))
}

/// ListUserDataRedundancyTransition: every task of the account, by bucket then age, paged
/// with `max-keys` and `continuation-token`.
pub async fn list_user(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let max = super::max_keys(ctx)?;
    let from = ctx
        .param("continuation-token")
        .unwrap_or_default()
        .to_string();
    let now = now_millis();
    let all = blocking(state, move |s| {
        let mut all = Vec::new();
        let mut marker = String::new();
        loop {
            let (page, more) = s.list_buckets("", &marker, 1000)?;
            for b in &page {
                for t in settle(s, &b.name, now)? {
                    all.push((b.name.clone(), t));
                }
            }
            match page.last() {
                Some(last) if more => marker = last.name.clone(),
                _ => return Ok(all),
            }
        }
    })
    .await
    .map_err(|e| OssError::from_store(e, "", None))?;
    let token = |bucket: &str, t: &Task| format!("{bucket}/{}", t.id);
    let start = if from.is_empty() {
        0
    } else {
        all.iter()
            .position(|(b, t)| token(b, t) == from)
            .ok_or_else(|| {
                OssError::invalid_argument(
                    "The continuation-token is not valid.",
                    "continuation-token",
                    &from,
                )
            })?
    };
    let page: Vec<_> = all.iter().skip(start).take(max).collect();
    let next = all.get(start + max).map(|(b, t)| token(b, t));
    let mut list = ListBucketDataRedundancyTransition::new(
        page.iter().map(|(b, t)| t.describe(b, now)).collect(),
    );
    list.is_truncated = Some(next.is_some());
    list.next_continuation_token = Some(next.unwrap_or_default());
    Ok(Reply::xml(xml::to_xml(&list)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_follow_the_clock() {
        let t = Task {
            id: "t".into(),
            target: "ZRS".into(),
            created_ms: 0,
            queue_ms: 1_000,
            run_ms: 7_200_000,
        };
        let q = t.describe("b", 500);
        assert_eq!(q.status.as_deref(), Some(QUEUEING));
        assert!(q.start_time.is_none() && q.process_percentage.is_none());
        let p = t.describe("b", 1_000 + 3_600_000);
        assert_eq!(p.status.as_deref(), Some(PROCESSING));
        assert_eq!(p.process_percentage, Some(50));
        assert_eq!(p.estimated_remaining_time, Some(1));
        assert!(p.end_time.is_none());
        let f = t.describe("b", 10_000_000);
        assert_eq!(f.status.as_deref(), Some(FINISHED));
        assert_eq!(
            (f.process_percentage, f.estimated_remaining_time),
            (Some(100), Some(0))
        );
        assert!(f.end_time.is_some());
    }
}
