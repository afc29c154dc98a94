//! The bucket rules a write obeys — default encryption, retention, storage capacity — read
//! together with the bucket in one store call, so that a PutObject pays one lookup for all
//! of them.

use super::{encryption, quick, stat, worm};
use crate::dispatch::{AppState, RequestCtx};
use crate::error::OssError;
use crate::store::{BucketMeta, ObjectEncryption};
use osskit_proto::xml::encryption::ServerSideEncryptionRule;
use osskit_proto::xml::stat::BucketUserQos;
use osskit_proto::xml::Document;

/// What a write into a bucket must respect.
#[derive(Debug, Clone)]
pub struct WriteRules {
    /// The bucket.
    pub bucket: BucketMeta,
    /// Its default encryption rule.
    pub encryption: Option<ServerSideEncryptionRule>,
    /// The retention period of its active retention policy, in seconds.
    pub retention: Option<i64>,
    /// Its storage capacity in bytes.
    pub capacity: Option<u64>,
}

impl WriteRules {
    /// Reads the bucket and its rules (NoSuchBucket when it does not exist).
    pub async fn load(state: &AppState, bucket: &str) -> Result<WriteRules, OssError> {
        let b = bucket.to_string();
        let now = state.clock.now_secs();
        quick(state, move |s| {
            let meta = s.bucket(&b)?;
            let encryption = s
                .bucket_config(&b, encryption::FAMILY.name)?
                .and_then(|doc| ServerSideEncryptionRule::from_document(&doc).ok());
            let retention = worm::retention_secs(s, &b, now)?;
            let capacity = s
                .bucket_config(&b, stat::CAPACITY.name)?
                .and_then(|doc| BucketUserQos::from_document(&doc).ok())
                .and_then(|q| q.limit_bytes());
            Ok(WriteRules {
                bucket: meta,
                encryption,
                retention,
                capacity,
            })
        })
        .await
        .map_err(|e| OssError::from_store(e, bucket, None))
    }

    /// The encryption of a new object written by `ctx`: its headers, else the rule.
    pub fn encryption_for(
        &self,
        state: &AppState,
        ctx: &RequestCtx,
    ) -> Result<Option<Box<ObjectEncryption>>, OssError> {
        encryption::choose(state, ctx, self.encryption.as_ref())
    }

    /// Fails with `FileImmutable` when `key` exists and is protected.
    pub async fn check_replaceable(&self, state: &AppState, key: &str) -> Result<(), OssError> {
        worm::check_replaceable_under(state, &self.bucket.name, key, self.retention).await
    }

    /// Fails with `InsufficientStorageSpace` when `adding` bytes do not fit.
    pub async fn check_capacity(
        &self,
        state: &AppState,
        adding: u64,
        replacing: Option<&str>,
    ) -> Result<(), OssError> {
        stat::check_capacity_under(state, &self.bucket.name, self.capacity, adding, replacing).await
    }
}
