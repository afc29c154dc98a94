//! The lifecycle runner: a background task that applies every bucket's lifecycle rules —
//! expirations, storage-class transitions (by last modification or last access) and the
//! abortion of unfinished multipart uploads — with the rules' prefix, tag, size and `Not`
//! filters, on the server's [`Clock`](crate::clock::Clock).
//!
//! A pass goes through the buckets that have rules, and for each enabled rule through the
//! objects and uploads under its prefix, in pages. Objects protected by a retention policy
//! are not expired (their transitions still happen, as OSS does). The task runs every
//! [`ServerConfig::lifecycle_interval`](crate::ServerConfig::lifecycle_interval); tests call
//! [`RunningServer::run_lifecycle`](crate::RunningServer::run_lifecycle) after moving the
//! clock instead of waiting.
//!
//! Rules that count from the last access read it from the bucket's access tracking
//! ([`access_monitor::last_access_ms`], which OSS requires to be on for such rules): the
//! latest recorded read, the object's last modification, or when tracking was turned on. A
//! read of an object such a rule moved, when the rule says `ReturnToStdWhenVisit`, brings
//! it back to `Standard`.
//!
//! In a versioned bucket an expiration writes a delete marker, dated now on the clock: the
//! object becomes a noncurrent version. The actions on versions (`NoncurrentVersionExpiration`,
//! `NoncurrentVersionTransition`, `ExpiredObjectDeleteMarker`) go through the bucket's
//! versions in pages ([`versions::apply`]): a version is noncurrent from the time the next
//! newer version or delete marker of its key was written, and its days count from then.

use std::sync::Arc;
use std::time::Duration;

use osskit_proto::xml::lifecycle::{LifecycleConfiguration, LifecycleRule};
use osskit_proto::xml::Document;
use tokio::sync::watch;

use crate::dispatch::AppState;
use crate::handlers::{access_monitor, lifecycle as family, worm};
use crate::store::{ListEntry, ObjectMeta, Store, StoreError, UploadEntry};

/// Objects or uploads read from the store at a time.
const PAGE: usize = 1000;

/// What a pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct LifecycleReport {
    /// Buckets with lifecycle rules.
    pub buckets: u64,
    /// Objects deleted by expirations.
    pub expired: u64,
    /// Objects moved to a colder storage class.
    pub transitioned: u64,
    /// Multipart uploads aborted.
    pub aborted: u64,
    /// Expirations not applied because a retention policy protects the object.
    pub retained: u64,
}

fn each_configured_bucket(
    store: &dyn Store,
    mut f: impl FnMut(&str, &LifecycleConfiguration) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let mut marker = String::new();
    loop {
        let (buckets, more) = store.list_buckets("", &marker, PAGE)?;
        for b in &buckets {
            let doc = match store.bucket_config(&b.name, family::FAMILY.name) {
                Ok(Some(doc)) => doc,
                // Deleted meanwhile, or without rules.
                Ok(None) | Err(StoreError::NoSuchBucket) => continue,
                Err(e) => return Err(e),
            };
            if let Ok(config) = LifecycleConfiguration::from_document(&doc) {
                match f(&b.name, &config) {
                    Ok(()) | Err(StoreError::NoSuchBucket) => {}
                    Err(e) => return Err(e),
                }
            }
        }
        match buckets.last() {
            Some(last) if more => marker.clone_from(&last.name),
            _ => return Ok(()),
        }
    }
}

/// One pass over every bucket at `now` (Unix seconds). Blocking.
pub fn apply(store: &dyn Store, now: i64) -> Result<LifecycleReport, StoreError> {
    let mut report = LifecycleReport::default();
    each_configured_bucket(store, |bucket, config| {
        report.buckets += 1;
        let retention = worm::retention_secs(store, bucket, now)?;
        for rule in config.rules.iter().filter(|r| r.is_enabled()) {
            apply_rule(store, bucket, rule, retention, now, &mut report)?;
            versions::apply(store, bucket, rule, retention, now, &mut report)?;
        }
        Ok(())
    })?;
    Ok(report)
}

/// The tags of an object (or version), as lifecycle filters see them: those of
/// `x-oss-tagging` and PutObjectTagging, kept in its extras.
pub fn object_tags(meta: &ObjectMeta) -> Vec<(String, String)> {
    meta.extras.tags.clone()
}

fn apply_rule(
    store: &dyn Store,
    bucket: &str,
    rule: &LifecycleRule,
    retention: Option<i64>,
    now: i64,
    report: &mut LifecycleReport,
) -> Result<(), StoreError> {
    let expires_objects = rule
        .expiration
        .as_ref()
        .is_some_and(|e| e.expired_object_delete_marker.is_none());
    if expires_objects || !rule.transitions.is_empty() {
        let mut after = String::new();
        loop {
            let page = store.list_objects(bucket, &rule.prefix, "", &after, PAGE)?;
            for entry in &page.entries {
                let ListEntry::Object(object) = entry else {
                    continue;
                };
                after.clone_from(&object.key);
                apply_to_object(store, bucket, rule, object, retention, now, report)?;
            }
            if !page.truncated {
                break;
            }
        }
    }
    if rule.abort_multipart_upload.is_some() {
        let (mut key_marker, mut id_marker) = (String::new(), String::new());
        loop {
            let page =
                store.list_uploads(bucket, &rule.prefix, "", &key_marker, &id_marker, PAGE)?;
            for entry in &page.entries {
                let UploadEntry::Upload(upload) = entry else {
                    continue;
                };
                key_marker.clone_from(&upload.key);
                id_marker.clone_from(&upload.upload_id);
                if rule.selects_upload(&upload.key)
                    && rule.aborts_upload(upload.initiated_ms.div_euclid(1000), now)
                {
                    match store.abort_upload(bucket, &upload.key, &upload.upload_id) {
                        Ok(()) => report.aborted += 1,
                        Err(StoreError::NoSuchUpload) => {}
                        Err(e) => return Err(e),
                    }
                }
            }
            if !page.truncated {
                break;
            }
        }
    }
    Ok(())
}

fn apply_to_object(
    store: &dyn Store,
    bucket: &str,
    rule: &LifecycleRule,
    object: &ObjectMeta,
    retention: Option<i64>,
    now: i64,
    report: &mut LifecycleReport,
) -> Result<(), StoreError> {
    if !rule.selects(&object.key, object.size, &object_tags(object)) {
        return Ok(());
    }
    let modified = object.last_modified_ms.div_euclid(1000);
    if rule.expires(modified, now) {
        if worm::protects(retention, object, now) {
            report.retained += 1;
            return Ok(());
        }
        // Only the object that was listed, and only while no retention protects it, checked
        // in the transaction that deletes it (its blobs go once nothing else names them): an
        // object written meanwhile is left alone.
        let listed = (object.data.clone(), object.last_modified_ms);
        let check: crate::store::ObjectCheck = Box::new(move |current: &ObjectMeta| {
            if (&current.data, current.last_modified_ms) != (&listed.0, listed.1) {
                return Err(StoreError::Changed);
            }
            if worm::protects(retention, current, now) {
                return Err(StoreError::Immutable(current.key.clone()));
            }
            Ok(())
        });
        // In a versioned bucket this writes a delete marker (the object becomes a
        // noncurrent version), dated now on the lifecycle's clock: the days of the
        // noncurrent-version rules count from then.
        match store.delete_version_at(bucket, &object.key, None, check, now.saturating_mul(1000)) {
            Ok(done) if done.was_current => report.expired += 1,
            Ok(_) | Err(StoreError::Changed) | Err(StoreError::NoSuchKey) => {}
            Err(StoreError::Immutable(_)) => report.retained += 1,
            Err(e) => return Err(e),
        }
        return Ok(());
    }
    // Without access tracking (turned off with no such rule left), the last modification.
    let accessed = if rule.uses_access_time() {
        access_monitor::last_access_ms(store, bucket, object)?
            .map_or(modified, |ms| ms.div_euclid(1000))
    } else {
        modified
    };
    let Some(class) = rule.transition_target(&object.storage_class, modified, accessed, now) else {
        return Ok(());
    };
    let (class, data) = (class.to_string(), object.data.clone());
    // A metadata update: the bytes (and the blobs other objects share) stay as they are.
    let moved = store.update_object_meta(
        bucket,
        &object.key,
        Box::new(move |m| {
            if m.data != data {
                return Err(StoreError::Changed);
            }
            m.storage_class.clone_from(&class);
            Ok(())
        }),
    );
    match moved {
        Ok(_) => report.transitioned += 1,
        Err(StoreError::NoSuchKey) | Err(StoreError::Changed) => {}
        Err(e) => return Err(e),
    }
    Ok(())
}

/// The actions on object versions.
pub mod versions {
    use super::*;
    use crate::store::{VersionEntry, VersionId};
    use osskit_proto::xml::lifecycle::DAY_SECS;

    /// How cold a storage class is (transitions only go colder).
    fn coldness(class: &str) -> u8 {
        match class {
            "Standard" => 0,
            "IA" => 1,
            "Archive" => 2,
            "ColdArchive" => 3,
            "DeepColdArchive" => 4,
            _ => 0,
        }
    }

    /// Applies `rule`'s `NoncurrentVersionExpiration`, `NoncurrentVersionTransition` and
    /// `ExpiredObjectDeleteMarker` to the versions of `bucket`'s objects under its prefix.
    /// Noncurrent versions protected by a retention policy are not removed.
    pub fn apply(
        store: &dyn Store,
        bucket: &str,
        rule: &LifecycleRule,
        retention: Option<i64>,
        now: i64,
        report: &mut LifecycleReport,
    ) -> Result<(), StoreError> {
        let markers = rule
            .expiration
            .as_ref()
            .is_some_and(|e| e.expired_object_delete_marker == Some(true));
        if rule.noncurrent_version_expiration.is_none()
            && rule.noncurrent_version_transitions.is_empty()
            && !markers
        {
            return Ok(());
        }
        // The versions of one key, newest first, as they are listed.
        let mut group: Vec<(ObjectMeta, bool)> = Vec::new();
        let (mut key_marker, mut version_marker): (String, Option<VersionId>) =
            (String::new(), None);
        loop {
            let page =
                store.list_versions(bucket, &rule.prefix, "", &key_marker, version_marker, PAGE)?;
            for entry in page.entries {
                let VersionEntry::Version { meta, is_latest } = entry else {
                    continue;
                };
                key_marker.clone_from(&meta.key);
                version_marker = Some(meta.version.id());
                if group
                    .first()
                    .is_some_and(|(first, _)| first.key != meta.key)
                {
                    apply_to_key(store, bucket, rule, markers, retention, now, &group, report)?;
                    group.clear();
                }
                group.push((meta, is_latest));
            }
            if !page.truncated {
                break;
            }
        }
        apply_to_key(store, bucket, rule, markers, retention, now, &group, report)
    }

    /// Whether `rule` selects the delete marker of `key`: markers have no tags and no size,
    /// so only rules without tags select them, by prefix and `Not` prefixes.
    fn selects_marker(rule: &LifecycleRule, key: &str) -> bool {
        key.starts_with(&rule.prefix)
            && rule.tags.is_empty()
            && rule.filter.as_ref().is_none_or(|f| {
                !f.not
                    .iter()
                    .any(|n| n.tag.is_none() && key.starts_with(&n.prefix))
            })
    }

    /// Removes the delete marker `marker` for good (it no longer hides anything).
    fn remove_marker(
        store: &dyn Store,
        bucket: &str,
        marker: &ObjectMeta,
        report: &mut LifecycleReport,
    ) -> Result<(), StoreError> {
        let done = store.delete_version(
            bucket,
            &marker.key,
            Some(marker.version.id()),
            Box::new(|_| Ok(())),
        )?;
        if done.removed.is_some() {
            report.expired += 1;
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn apply_to_key(
        store: &dyn Store,
        bucket: &str,
        rule: &LifecycleRule,
        markers: bool,
        retention: Option<i64>,
        now: i64,
        group: &[(ObjectMeta, bool)],
        report: &mut LifecycleReport,
    ) -> Result<(), StoreError> {
        let Some((latest, is_latest)) = group.first() else {
            return Ok(());
        };
        let lone_marker = markers
            && *is_latest
            && latest.version.delete_marker
            && selects_marker(rule, &latest.key);
        // Older versions still there after this pass.
        let mut left = group.len() - 1;
        // Each version became noncurrent when the one before it in the list was written.
        for pair in group.windows(2) {
            let (newer, (version, _)) = (&pair[0].0, &pair[1]);
            let since = newer.last_modified_ms.div_euclid(1000);
            let selected = if version.version.delete_marker {
                selects_marker(rule, &version.key)
            } else {
                rule.selects(&version.key, version.size, &object_tags(version))
            };
            if !selected {
                continue;
            }
            let expires = rule
                .noncurrent_version_expiration
                .as_ref()
                .is_some_and(|e| since + i64::from(e.noncurrent_days) * DAY_SECS <= now);
            if expires {
                if !version.version.delete_marker && worm::protects(retention, version, now) {
                    report.retained += 1;
                    continue;
                }
                let check = worm::guard(retention, now).unwrap_or_else(|| Box::new(|_| Ok(())));
                match store.delete_version(bucket, &version.key, Some(version.version.id()), check)
                {
                    Ok(done) if done.removed.is_some() => {
                        report.expired += 1;
                        left -= 1;
                    }
                    Ok(_) => {}
                    Err(StoreError::Immutable(_)) => report.retained += 1,
                    Err(e) => return Err(e),
                }
                continue;
            }
            if version.version.delete_marker {
                continue;
            }
            let target = rule
                .noncurrent_version_transitions
                .iter()
                .filter(|t| since + i64::from(t.noncurrent_days) * DAY_SECS <= now)
                .map(|t| t.storage_class.as_str())
                .max_by_key(|c| coldness(c));
            let Some(class) = target else {
                continue;
            };
            if coldness(class) <= coldness(&version.storage_class) {
                continue;
            }
            let (class, data) = (class.to_string(), version.data.clone());
            let moved = store.update_version_meta(
                bucket,
                &version.key,
                Some(version.version.id()),
                Box::new(move |m| {
                    if m.data != data {
                        return Err(StoreError::Changed);
                    }
                    m.storage_class.clone_from(&class);
                    Ok(())
                }),
            );
            match moved {
                Ok(_) => report.transitioned += 1,
                Err(StoreError::NoSuchKey | StoreError::NoSuchVersion | StoreError::Changed) => {}
                Err(e) => return Err(e),
            }
        }
        // A delete marker with no version left under it (from before, or since the
        // expirations above) goes too.
        if lone_marker && left == 0 {
            remove_marker(store, bucket, latest, report)?;
        }
        Ok(())
    }
}

/// Runs one pass now, on the blocking pool; failures are logged and end the pass early.
pub async fn run(state: &AppState) -> LifecycleReport {
    let store = state.store.clone();
    let now = state.clock.now_secs();
    match tokio::task::spawn_blocking(move || apply(store.as_ref(), now)).await {
        Ok(Ok(report)) => {
            if report != LifecycleReport::default() {
                tracing::info!(?report, "lifecycle pass");
            }
            report
        }
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "lifecycle pass failed");
            LifecycleReport::default()
        }
        Err(e) => {
            tracing::warn!(error = %e, "lifecycle task failed");
            LifecycleReport::default()
        }
    }
}

/// Runs a pass every `interval` until `stop` turns true.
pub fn spawn(
    state: Arc<AppState>,
    interval: Duration,
    mut stop: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = stop.changed() => return,
            }
            if *stop.borrow() {
                return;
            }
            run(&state).await;
        }
    })
}

/// After a read of `object` (the access itself is recorded by the access tracking): when a
/// rule that moved the object by access time says so, brings it back to `Standard`.
pub async fn note_read(state: &AppState, bucket: &str, object: &ObjectMeta) {
    if object.storage_class == "Standard" {
        return;
    }
    if !matches!(
        access_monitor::tracking_since(state, bucket).await,
        Ok(Some(_))
    ) {
        return;
    }
    let Ok(Some(config)) = family::rules(state, bucket).await else {
        return;
    };
    let tags = object_tags(object);
    let back = config.rules.iter().any(|r| {
        r.is_enabled()
            && r.returns_to_standard_when_read()
            && r.selects(&object.key, object.size, &tags)
    });
    if !back {
        return;
    }
    let (b, k, data) = (bucket.to_string(), object.key.clone(), object.data.clone());
    let _ = crate::handlers::blocking(state, move |s| {
        s.update_object_meta(
            &b,
            &k,
            Box::new(move |m| {
                if m.data != data {
                    return Err(StoreError::Changed);
                }
                m.storage_class = "Standard".to_string();
                Ok(())
            }),
        )
    })
    .await;
}
