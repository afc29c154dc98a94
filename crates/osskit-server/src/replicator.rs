//! The replicator: copies what replication rules cover from their source bucket to their
//! target bucket on the same server.
//!
//! Each bucket's rules are one document (`replication`, the `ReplicationConfiguration` OSS
//! returns, with each rule's status); the replicator's own record per bucket
//! (`osskit.replication-state`) holds, per rule, when it was created, its historical
//! progress, when it last caught up, and a journal of the replicated keys with their ETags.
//!
//! A pass over a rule copies every covered object that changed since it was last copied —
//! objects written after the rule was created, and with historical replication also the
//! ones before — and, for keys of the journal that are gone from the source, deletes the
//! replica when the rule replicates deletes (`ALL` or `DELETE`). Passes are idempotent:
//! after a crash the next pass finishes the work.
//!
//! Passes run when a request changes objects of a bucket with rules (new writes are
//! replicated at once) and every [`crate::ServerConfig::replication_interval`]. Only the
//! timed passes move rules on: a `starting` rule copies the historical data and becomes
//! `doing`, a `closing` rule (deleted) is removed.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use osskit_proto::ops::{Access, OpId};
use osskit_proto::xml::replication::{
    ReplicationConfiguration, ReplicationRule, STATUS_CLOSING, STATUS_DOING, STATUS_STARTING,
};
use osskit_proto::xml::Document;
use serde::{Deserialize, Serialize};
use tokio::sync::{watch, Notify};

use crate::dispatch::{AppState, RequestCtx};
use crate::http::response::now_millis;
use crate::store::{ListEntry, Store, StoreError};

/// Stored document of the rules.
pub const RULES_DOC: &str = "replication";
/// Stored document of the replicator's record.
pub const STATE_DOC: &str = "osskit.replication-state";

/// Objects listed per store call during a pass.
const PAGE: usize = 1000;

/// The replicator's handle in [`AppState`].
#[derive(Debug)]
pub struct Replicator {
    wake: Notify,
    lock: Arc<Mutex<()>>,
    active: AtomicBool,
    interval: Duration,
}

/// The replicator's record of one rule.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RuleState {
    /// When the rule was created, Unix milliseconds: objects written since are new data.
    pub created_ms: i64,
    /// Historical objects to copy (set by the historical pass).
    pub historical_total: u64,
    /// Historical objects copied.
    pub historical_done: u64,
    /// Whether the historical pass has run.
    pub historical_finished: bool,
    /// Start of the last complete pass: everything written before it is replicated.
    pub synced_ms: Option<i64>,
    /// Replicated keys and the ETag each was copied with.
    pub journal: BTreeMap<String, String>,
}

/// The replicator's record of a bucket: rule id → state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BucketState {
    /// The rules.
    pub rules: BTreeMap<String, RuleState>,
}

impl Replicator {
    /// A replicator whose timed passes run every `interval`.
    pub fn new(interval: Duration) -> Self {
        Replicator {
            wake: Notify::new(),
            lock: Arc::new(Mutex::new(())),
            // Rules may exist from an earlier run: the first pass looks.
            active: AtomicBool::new(true),
            interval,
        }
    }

    /// The lock serialising changes of replication documents (handlers and passes).
    pub fn lock(&self) -> Arc<Mutex<()>> {
        self.lock.clone()
    }

    /// Notes a handled request: one that changed objects wakes the replicator when some
    /// bucket may have rules.
    pub fn observe(&self, ctx: &RequestCtx, op: OpId) {
        if !self.active.load(Ordering::Relaxed) || ctx.bucket.is_none() {
            return;
        }
        let changes = op.spec().access == Access::ObjectWrite
            || matches!(op, OpId::PutObjectAcl | OpId::PutSymlink);
        if changes {
            self.wake.notify_one();
        }
    }

    /// Notes that a bucket has rules now.
    pub fn activate(&self) {
        self.active.store(true, Ordering::Relaxed);
    }
}

/// Takes the lock (a poisoned lock still guards consistent documents: each change is one
/// store write).
pub fn hold(lock: &Mutex<()>) -> MutexGuard<'_, ()> {
    lock.lock().unwrap_or_else(|e| e.into_inner())
}

/// The rules of `bucket` (none: an empty configuration).
pub fn load_rules(s: &dyn Store, bucket: &str) -> Result<ReplicationConfiguration, StoreError> {
    Ok(s.bucket_config(bucket, RULES_DOC)?
        .and_then(|d| ReplicationConfiguration::from_document(&d).ok())
        .unwrap_or_default())
}

/// Stores the rules of `bucket` (none left: the document is removed).
pub fn store_rules(
    s: &dyn Store,
    bucket: &str,
    config: &ReplicationConfiguration,
) -> Result<(), StoreError> {
    if config.rules.is_empty() {
        return s.set_bucket_config(bucket, RULES_DOC, None);
    }
    let doc = config
        .to_document()
        .map_err(|e| StoreError::Internal(format!("writing replication rules: {e}")))?;
    s.set_bucket_config(bucket, RULES_DOC, Some(doc.into_bytes()))
}

/// The replicator's record of `bucket`.
pub fn load_state(s: &dyn Store, bucket: &str) -> Result<BucketState, StoreError> {
    Ok(s.bucket_config(bucket, STATE_DOC)?
        .and_then(|d| serde_json::from_slice(&d).ok())
        .unwrap_or_default())
}

/// Stores the replicator's record of `bucket`.
pub fn store_state(s: &dyn Store, bucket: &str, state: &BucketState) -> Result<(), StoreError> {
    if state.rules.is_empty() {
        return s.set_bucket_config(bucket, STATE_DOC, None);
    }
    let doc = serde_json::to_vec(state)
        .map_err(|e| StoreError::Internal(format!("writing replication state: {e}")))?;
    s.set_bucket_config(bucket, STATE_DOC, Some(doc))
}

/// Runs the replicator until `stopped` turns true.
pub async fn run(state: Arc<AppState>, mut stopped: watch::Receiver<bool>) {
    let mut ticks = tokio::time::interval(state.replicator.interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // The first tick is immediate; rules of a fresh start wait one interval like new ones.
    ticks.tick().await;
    loop {
        let timed = tokio::select! {
            _ = stopped.changed() => break,
            _ = ticks.tick() => true,
            _ = state.replicator.wake.notified() => false,
        };
        if *stopped.borrow() {
            break;
        }
        // No bucket had rules at the last pass, and none was given one since.
        if !state.replicator.active.load(Ordering::Relaxed) {
            continue;
        }
        let store = state.store.clone();
        let lock = state.replicator.lock();
        let now = state.clock.now_secs();
        let result =
            tokio::task::spawn_blocking(move || pass(store.as_ref(), &lock, timed, now)).await;
        match result {
            Ok(Ok(any)) => {
                if !any {
                    state.replicator.active.store(false, Ordering::Relaxed);
                }
            }
            Ok(Err(e)) => tracing::warn!(error = %e, "replication pass failed"),
            Err(e) => tracing::warn!(error = %e, "replication pass panicked"),
        }
    }
}

/// One pass over every bucket with rules at `now` (Unix seconds of the server's clock, for
/// the retention policies of target buckets); returns whether any bucket has rules.
pub fn pass(s: &dyn Store, lock: &Mutex<()>, timed: bool, now: i64) -> Result<bool, StoreError> {
    let mut any = false;
    let mut marker = String::new();
    loop {
        let (buckets, more) = s.list_buckets("", &marker, PAGE)?;
        for b in &buckets {
            match pass_bucket(s, lock, &b.name, timed, now) {
                Ok(has) => any |= has,
                Err(StoreError::NoSuchBucket) => {}
                Err(e) => tracing::warn!(bucket = %b.name, error = %e, "replication failed"),
            }
        }
        match (more, buckets.last()) {
            (true, Some(last)) => marker = last.name.clone(),
            _ => break,
        }
    }
    Ok(any)
}

/// One pass over the rules of `bucket` at `now`; returns whether it has rules.
pub fn pass_bucket(
    s: &dyn Store,
    lock: &Mutex<()>,
    bucket: &str,
    timed: bool,
    now: i64,
) -> Result<bool, StoreError> {
    let started = now_millis();
    let rules = {
        let _g = hold(lock);
        let mut config = load_rules(s, bucket)?;
        if config.rules.is_empty() {
            return Ok(false);
        }
        let mut state = load_state(s, bucket)?;
        if timed {
            // Deleted rules stop now.
            let before = config.rules.len();
            config
                .rules
                .retain(|r| r.status.as_deref() != Some(STATUS_CLOSING));
            if config.rules.len() != before {
                let ids: Vec<String> = config.rules.iter().filter_map(|r| r.id.clone()).collect();
                state.rules.retain(|id, _| ids.contains(id));
                store_rules(s, bucket, &config)?;
                store_state(s, bucket, &state)?;
            }
        }
        config.rules
    };
    for rule in rules {
        let Some(id) = rule.id.clone() else { continue };
        let status = rule.status.clone().unwrap_or_default();
        if status == STATUS_CLOSING {
            continue;
        }
        let historical = timed && status == STATUS_STARTING && rule.replicates_history();
        let mut rs = {
            let _g = hold(lock);
            load_state(s, bucket)?
                .rules
                .get(&id)
                .cloned()
                .unwrap_or_default()
        };
        replicate_rule(s, bucket, &rule, &mut rs, historical, now)?;
        rs.synced_ms = Some(started);
        let _g = hold(lock);
        // The rule may have been deleted meanwhile: record only what still exists.
        let mut config = load_rules(s, bucket)?;
        let Some(current) = config
            .rules
            .iter_mut()
            .find(|r| r.id.as_deref() == Some(&id))
        else {
            continue;
        };
        if timed && current.status.as_deref() == Some(STATUS_STARTING) {
            current.status = Some(STATUS_DOING.to_string());
            rs.historical_finished = true;
            store_rules(s, bucket, &config)?;
        }
        let mut state = load_state(s, bucket)?;
        state.rules.insert(id, rs);
        store_state(s, bucket, &state)?;
    }
    Ok(true)
}

/// Copies what `rule` covers and has changed, and replicates deletes; `historical` also
/// copies the objects written before the rule. Objects of the target that its retention
/// policy protects at `now` are neither replaced nor deleted (tried again on later passes).
fn replicate_rule(
    s: &dyn Store,
    bucket: &str,
    rule: &ReplicationRule,
    rs: &mut RuleState,
    historical: bool,
    now: i64,
) -> Result<(), StoreError> {
    let target = rule.destination.bucket.as_str();
    let retention = crate::handlers::worm::retention_secs(s, target, now)?;
    let protected = |key: &str| -> Result<bool, StoreError> {
        Ok(match (retention, s.object(target, key)) {
            (Some(r), Ok(o)) => crate::handlers::worm::protects(Some(r), &o, now),
            (_, Ok(_)) | (_, Err(StoreError::NoSuchKey)) => false,
            (_, Err(e)) => return Err(e),
        })
    };
    let include_old = historical || (rs.historical_finished && rule.replicates_history());
    let prefixes: Vec<String> = if rule.prefix_list().is_empty() {
        vec![String::new()]
    } else {
        rule.prefix_list().to_vec()
    };
    let mut seen: BTreeMap<String, ()> = BTreeMap::new();
    let mut historical_total = 0u64;
    let mut historical_done = 0u64;
    for prefix in &prefixes {
        let mut after = String::new();
        loop {
            let page = s.list_objects(bucket, prefix, "", &after, PAGE)?;
            for entry in &page.entries {
                let ListEntry::Object(meta) = entry else {
                    continue;
                };
                seen.insert(meta.key.clone(), ());
                let old = meta.last_modified_ms < rs.created_ms;
                let journaled = rs.journal.get(&meta.key);
                if old && journaled.is_none() && !include_old {
                    continue;
                }
                if old && historical {
                    historical_total += 1;
                }
                if journaled == Some(&meta.etag) || !rule.replicates_writes() {
                    if old && historical {
                        historical_done += 1;
                    }
                    continue;
                }
                if protected(&meta.key)? {
                    continue;
                }
                match s.copy_object(bucket, &meta.key, None, target, meta.clone(), false) {
                    Ok(_) => {
                        rs.journal.insert(meta.key.clone(), meta.etag.clone());
                        if old && historical {
                            historical_done += 1;
                        }
                    }
                    // Gone since it was listed: the next pass sees the delete.
                    Err(StoreError::NoSuchKey) => {}
                    Err(e) => return Err(e),
                }
            }
            match (page.truncated, page.next_marker) {
                (true, Some(next)) => after = next,
                _ => break,
            }
        }
    }
    // Keys replicated before and gone from the source now.
    let gone: Vec<String> = rs
        .journal
        .keys()
        .filter(|k| !seen.contains_key(*k))
        .cloned()
        .collect();
    for key in gone {
        if rule.replicates_deletes() {
            let deleted = match crate::handlers::worm::guard(retention, now) {
                Some(guard) => s.delete_object_checked(target, &key, guard),
                None => s.delete_object(target, &key),
            };
            match deleted {
                Ok(_) | Err(StoreError::NoSuchKey) => {}
                // Protected in the target: the delete waits for a later pass.
                Err(StoreError::Immutable(_)) => continue,
                Err(e) => return Err(e),
            }
        }
        rs.journal.remove(&key);
    }
    if historical {
        rs.historical_total = historical_total;
        rs.historical_done = historical_done;
    }
    Ok(())
}
