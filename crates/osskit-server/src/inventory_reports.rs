//! Inventory reports: for each enabled inventory configuration, a listing of the source
//! bucket's objects written into the destination bucket as OSS writes it:
//!
//! ```text
//! PREFIX/SOURCE/ID/data/UUID.csv.gz                     the listing (gzip-compressed CSV)
//! PREFIX/SOURCE/ID/YYYY-MM-DDTHH-MMZ/manifest.json      what was written, and its schema
//! PREFIX/SOURCE/ID/YYYY-MM-DDTHH-MMZ/manifest.checksum  MD5 (hex) of manifest.json
//! ```
//!
//! Each CSV row is `"Bucket","Key"` (the key URL-encoded) and the optional fields in the
//! configured order. A report is due once its `Daily` or `Weekly` period has passed since
//! the last one (or [`crate::ServerConfig::inventory_period`] when set); a new
//! configuration gets its first report at the next check
//! ([`crate::ServerConfig::inventory_check_interval`]). The time of each inventory's last
//! report is kept in the source bucket (`osskit.inventory-state`), so a restart does not
//! repeat reports.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use osskit_proto::digest::{etag_from_md5, md5_hex};
use osskit_proto::xml::inventory::{
    InventoryConfiguration, FIELD_ENCRYPTION_STATUS, FIELD_ETAG, FIELD_IS_MULTIPART_UPLOADED,
    FIELD_LAST_MODIFIED_DATE, FIELD_SIZE, FIELD_STORAGE_CLASS, FREQUENCY_WEEKLY,
};
use osskit_proto::xml::Document;
use tokio::sync::watch;

use crate::dispatch::AppState;
use crate::http::response::now_millis;
use crate::store::{ListEntry, ObjectMeta, ObjectType, Store, StoreError};

/// Stored document: inventory id → Unix milliseconds of its last report.
pub const STATE_DOC: &str = "osskit.inventory-state";

const DAY_MS: i64 = 24 * 3600 * 1000;

/// When reports are due.
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    /// Every report this often instead of its frequency.
    pub period: Option<Duration>,
}

impl Schedule {
    fn period_ms(&self, config: &InventoryConfiguration) -> i64 {
        match self.period {
            Some(p) => p.as_millis().min(i64::MAX as u128) as i64,
            None if config.schedule.frequency == FREQUENCY_WEEKLY => 7 * DAY_MS,
            None => DAY_MS,
        }
    }
}

/// Runs the report writer until `stopped` turns true.
pub async fn run(
    state: Arc<AppState>,
    check: Duration,
    schedule: Schedule,
    mut stopped: watch::Receiver<bool>,
) {
    let mut ticks = tokio::time::interval(check);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticks.tick().await;
    loop {
        tokio::select! {
            _ = stopped.changed() => break,
            _ = ticks.tick() => {}
        }
        if *stopped.borrow() {
            break;
        }
        let store = state.store.clone();
        let now = now_millis();
        let done =
            tokio::task::spawn_blocking(move || run_due(store.as_ref(), schedule, now)).await;
        match done {
            Ok(Ok(n)) if n > 0 => tracing::info!(reports = n, "inventory reports written"),
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "inventory reports failed"),
            Err(e) => tracing::warn!(error = %e, "inventory task panicked"),
        }
    }
}

/// Writes every report due at `now_ms` (Unix milliseconds); returns how many.
pub fn run_due(s: &dyn Store, schedule: Schedule, now_ms: i64) -> Result<usize, StoreError> {
    let mut written = 0;
    let mut marker = String::new();
    loop {
        let (buckets, more) = s.list_buckets("", &marker, 1000)?;
        for b in &buckets {
            match run_bucket(s, &b.name, schedule, now_ms) {
                Ok(n) => written += n,
                Err(StoreError::NoSuchBucket) => {}
                Err(e) => tracing::warn!(bucket = %b.name, error = %e, "inventory report failed"),
            }
        }
        match (more, buckets.last()) {
            (true, Some(last)) => marker = last.name.clone(),
            _ => break,
        }
    }
    Ok(written)
}

fn run_bucket(
    s: &dyn Store,
    bucket: &str,
    schedule: Schedule,
    now_ms: i64,
) -> Result<usize, StoreError> {
    let configs = crate::handlers::inventory::load(s, bucket)?;
    if configs.is_empty() {
        return Ok(0);
    }
    let mut last: BTreeMap<String, i64> = s
        .bucket_config(bucket, STATE_DOC)?
        .and_then(|d| serde_json::from_slice(&d).ok())
        .unwrap_or_default();
    let mut written = 0;
    for (id, doc) in &configs {
        let Ok(config) = InventoryConfiguration::from_document(doc.as_bytes()) else {
            continue;
        };
        if !config.is_enabled {
            continue;
        }
        if last
            .get(id)
            .is_some_and(|t| now_ms - t < schedule.period_ms(&config))
        {
            continue;
        }
        match write_report(s, bucket, &config, now_ms) {
            Ok(()) => {
                last.insert(id.clone(), now_ms);
                written += 1;
            }
            // The destination is gone: nothing to write into.
            Err(StoreError::NoSuchBucket) => {}
            Err(e) => return Err(e),
        }
    }
    last.retain(|id, _| configs.contains_key(id));
    let doc = serde_json::to_vec(&last)
        .map_err(|e| StoreError::Internal(format!("writing inventory state: {e}")))?;
    s.set_bucket_config(bucket, STATE_DOC, Some(doc))?;
    Ok(written)
}

/// Whether `meta` passes the configuration's filter.
fn selected(config: &InventoryConfiguration, meta: &ObjectMeta) -> bool {
    let Some(f) = &config.filter else {
        return true;
    };
    let num = |v: &Option<String>| v.as_ref().and_then(|t| t.trim().parse::<i64>().ok());
    let secs = meta.last_modified_ms.div_euclid(1000);
    let size = meta.size as i64;
    if num(&f.last_modify_begin_time_stamp).is_some_and(|b| secs < b)
        || num(&f.last_modify_end_time_stamp).is_some_and(|e| secs > e)
        || num(&f.lower_size_bound).is_some_and(|l| size < l)
        || num(&f.upper_size_bound).is_some_and(|u| size > u)
    {
        return false;
    }
    match &f.storage_class {
        Some(classes) => classes
            .split(',')
            .any(|c| c.trim().eq_ignore_ascii_case(&meta.storage_class)),
        None => true,
    }
}

fn field(meta: &ObjectMeta, name: &str) -> String {
    match name {
        FIELD_SIZE => meta.size.to_string(),
        FIELD_LAST_MODIFIED_DATE => {
            osskit_proto::date::unixtime_to_iso8601(meta.last_modified_ms.div_euclid(1000))
                .replace(".000Z", "Z")
        }
        FIELD_ETAG => osskit_proto::digest::strip_etag_quotes(&meta.etag).to_string(),
        FIELD_STORAGE_CLASS => meta.storage_class.clone(),
        FIELD_IS_MULTIPART_UPLOADED => (meta.object_type == ObjectType::Multipart).to_string(),
        FIELD_ENCRYPTION_STATUS => meta
            .headers
            .iter()
            .find(|(k, _)| k == osskit_proto::headers::SERVER_SIDE_ENCRYPTION)
            .map_or_else(|| "false".to_string(), |(_, v)| v.clone()),
        "ObjectType" => meta.object_type.as_str().to_string(),
        "ObjectAcl" => meta.acl.clone(),
        "Crc64" => meta.crc64.to_string(),
        _ => String::new(),
    }
}

fn csv_row(out: &mut Vec<u8>, cells: &[String]) {
    let quoted: Vec<String> = cells
        .iter()
        .map(|c| format!("\"{}\"", c.replace('"', "\"\"")))
        .collect();
    out.extend_from_slice(quoted.join(",").as_bytes());
    out.push(b'\n');
}

fn put(
    s: &dyn Store,
    bucket: &str,
    key: &str,
    bytes: &[u8],
    content_type: &str,
) -> Result<(), StoreError> {
    // Reports are encrypted as the destination bucket's rule says.
    let region = s.bucket(bucket)?.region;
    let encryption = crate::handlers::encryption::bucket_default_in(s, bucket, &region)?;
    let mut w = s.new_blob()?;
    if encryption.is_some() {
        w.encrypt(None)?;
    }
    w.write(bytes)?;
    let blob = w.finish()?;
    let meta = ObjectMeta {
        key: key.to_string(),
        size: blob.size,
        etag: etag_from_md5(&blob.md5),
        crc64: blob.crc64,
        last_modified_ms: now_millis(),
        object_type: ObjectType::Normal,
        storage_class: "Standard".to_string(),
        acl: "default".to_string(),
        headers: vec![("content-type".to_string(), content_type.to_string())],
        user_meta: Vec::new(),
        data: crate::store::Extents::new(),
        encryption,
        extras: Default::default(),
        version: Default::default(),
    };
    s.put_object(bucket, meta, blob, false).map(|_| ())
}

/// Writes one report of `config` of `bucket`.
pub fn write_report(
    s: &dyn Store,
    bucket: &str,
    config: &InventoryConfiguration,
    now_ms: i64,
) -> Result<(), StoreError> {
    let dest = &config.destination.bucket_destination;
    let target = dest.bucket_name();
    s.bucket(target)?;
    let prefix = config
        .filter
        .as_ref()
        .and_then(|f| f.prefix.clone())
        .unwrap_or_default();
    let fields = &config.optional_fields.fields;
    // Rows are compressed as they are produced: memory holds one page of the listing.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut after = String::new();
    loop {
        let page = s.list_objects(bucket, &prefix, "", &after, 1000)?;
        let mut rows = Vec::new();
        for entry in &page.entries {
            let ListEntry::Object(meta) = entry else {
                continue;
            };
            if !selected(config, meta) {
                continue;
            }
            let mut cells = vec![
                bucket.to_string(),
                osskit_proto::encoding::quote(&meta.key, ""),
            ];
            cells.extend(fields.iter().map(|f| field(meta, f)));
            csv_row(&mut rows, &cells);
        }
        gz.write_all(&rows)
            .map_err(|e| StoreError::Internal(format!("compressing an inventory: {e}")))?;
        match (page.truncated, page.next_marker) {
            (true, Some(next)) => after = next,
            _ => break,
        }
    }
    let data = gz
        .finish()
        .map_err(|e| StoreError::Internal(format!("compressing an inventory: {e}")))?;
    let base = match dest.prefix.as_deref().map(|p| p.trim_end_matches('/')) {
        Some(p) if !p.is_empty() => format!("{p}/{bucket}/{}", config.id),
        _ => format!("{bucket}/{}", config.id),
    };
    let data_key = format!("{base}/data/{}.csv.gz", crate::store::data::new_blob_id());
    put(s, target, &data_key, &data, "application/x-gzip")?;
    let mut schema = vec!["Bucket".to_string(), "Key".to_string()];
    schema.extend(fields.iter().cloned());
    let secs = now_ms.div_euclid(1000);
    let manifest = serde_json::json!({
        "creationTimestamp": secs.to_string(),
        "destinationBucket": target,
        "fileFormat": "CSV",
        "fileSchema": schema.join(", "),
        "files": [{
            "MD5checksum": md5_hex(&data).to_ascii_uppercase(),
            "key": data_key,
            "size": data.len(),
        }],
        "sourceBucket": bucket,
        "version": "2019-09-01",
    });
    let manifest = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| StoreError::Internal(format!("writing an inventory manifest: {e}")))?;
    let stamp = osskit_proto::date::unixtime_to_iso8601(secs);
    // 2024-01-02T03:04:05.000Z → 2024-01-02T03-04Z
    let folder = format!("{}-{}Z", &stamp[..13], &stamp[14..16]);
    put(
        s,
        target,
        &format!("{base}/{folder}/manifest.json"),
        &manifest,
        "application/json",
    )?;
    put(
        s,
        target,
        &format!("{base}/{folder}/manifest.checksum"),
        md5_hex(&manifest).as_bytes(),
        "text/plain",
    )?;
    Ok(())
}
