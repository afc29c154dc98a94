//! What the browser-facing families share: a per-bucket cache of their documents (Referer
//! lists, website configuration, logging target, and whether versioning was ever set), read
//! on hot paths (every anonymous or presigned request, every object GET, every request of a
//! logged bucket), and the access log buffer.
//!
//! The cache is loaded from the store on a bucket's first use and dropped for a bucket
//! whenever one of its documents is written, or the bucket is created or deleted. A load
//! that raced with such a change is not kept (a generation counter tells), so the cache
//! never holds a document older than the store's.

use super::logging::AccessLog;
use super::{config, logging, referer, versioning, website};
use crate::dispatch::AppState;
use osskit_proto::xml::logging::{BucketLoggingStatus, LoggingEnabled};
use osskit_proto::xml::referer::RefererConfiguration;
use osskit_proto::xml::website::WebsiteConfiguration;
use osskit_proto::xml::Document;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// The documents of one bucket, parsed.
#[derive(Debug, Default)]
pub struct BucketWeb {
    /// Referer lists.
    pub referer: Option<RefererConfiguration>,
    /// Static website configuration.
    pub website: Option<WebsiteConfiguration>,
    /// Where access logs go.
    pub logging: Option<LoggingEnabled>,
    /// Whether the bucket's versioning was ever set (`Enabled` or `Suspended`): reads of
    /// its null versions then answer `x-oss-version-id: null`.
    pub versioned: bool,
}

#[derive(Debug, Default)]
struct Cache {
    generation: u64,
    buckets: HashMap<String, Arc<BucketWeb>>,
}

/// State of the browser-facing families (one per server).
#[derive(Debug)]
pub struct WebState {
    cache: Mutex<Cache>,
    /// Access log lines waiting for the flusher.
    pub access_log: AccessLog,
}

impl WebState {
    /// State whose access logs are written every `log_interval`.
    pub fn new(log_interval: Duration) -> Self {
        WebState {
            cache: Mutex::new(Cache::default()),
            access_log: AccessLog::new(log_interval),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Cache> {
        // A panic while holding the lock leaves a consistent map behind.
        self.cache.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The bucket's documents (from the cache, or loaded); `None` when the bucket does not
    /// exist or cannot be read.
    pub async fn bucket(&self, state: &AppState, bucket: &str) -> Option<Arc<BucketWeb>> {
        let generation = {
            let cache = self.lock();
            if let Some(web) = cache.buckets.get(bucket) {
                return Some(web.clone());
            }
            cache.generation
        };
        let load = |family| config::load(state, bucket, family);
        let referer = load(&referer::FAMILY).await.ok()?;
        let website = load(&website::FAMILY).await.ok()?;
        let logging = load(&logging::FAMILY).await.ok()?;
        let versioning = load(&versioning::FAMILY).await.ok()?;
        let web = Arc::new(BucketWeb {
            referer: referer.and_then(|d| RefererConfiguration::from_document(&d).ok()),
            website: website.and_then(|d| WebsiteConfiguration::from_document(&d).ok()),
            logging: logging
                .and_then(|d| BucketLoggingStatus::from_document(&d).ok())
                .and_then(|s| s.logging_enabled),
            versioned: crate::store::Versioning::from_config(versioning.as_deref())
                != crate::store::Versioning::Unversioned,
        });
        let mut cache = self.lock();
        if cache.generation == generation {
            cache.buckets.insert(bucket.to_string(), web.clone());
        }
        Some(web)
    }

    /// Drops what is cached for `bucket` (call after changing its documents or the bucket).
    pub fn forget(&self, bucket: &str) {
        let mut cache = self.lock();
        cache.generation += 1;
        cache.buckets.remove(bucket);
    }
}
