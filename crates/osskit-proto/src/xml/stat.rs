//! `<BucketStat>` (`GetBucketStat`): a bucket's storage, per storage class, and its
//! multipart uploads; and `<BucketUserQos>`, the storage capacity of a bucket
//! (`PutBucketStorageCapacity`, `GetBucketStorageCapacity`).
//!
//! ```
//! use osskit_proto::xml::stat::{BucketStat, BucketUserQos};
//! use osskit_proto::xml::Document;
//!
//! let stat = BucketStat::from_document(
//!     b"<BucketStat><Storage>7</Storage><ObjectCount>1</ObjectCount>\
//!       <MultipartUploadCount>0</MultipartUploadCount></BucketStat>",
//! )
//! .unwrap();
//! assert_eq!((stat.storage, stat.object_count), (7, 1));
//! let qos = BucketUserQos::new(100).to_document().unwrap();
//! assert!(qos.contains("<StorageCapacity>100</StorageCapacity>"));
//! ```

use serde::{Deserialize, Serialize};

/// The smallest size an object is billed for in the IA and archive classes (64 KiB).
pub const MIN_BILLED_SIZE: u64 = 64 * 1024;

/// `<BucketStat>`. Counts are objects, sizes are bytes; the `*Storage` fields of the IA
/// and archive classes are billed sizes (at least 64 KiB per object), the `*RealStorage`
/// fields actual sizes.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "BucketStat", default)]
#[non_exhaustive]
pub struct BucketStat {
    /// Bytes stored: objects and uploaded parts.
    #[serde(rename = "Storage")]
    pub storage: u64,
    /// Objects.
    #[serde(rename = "ObjectCount")]
    pub object_count: u64,
    /// Multipart uploads initiated and neither completed nor aborted.
    #[serde(rename = "MultipartUploadCount")]
    pub multipart_upload_count: u64,
    /// Live channels.
    #[serde(rename = "LiveChannelCount")]
    pub live_channel_count: u64,
    /// Parts of the unfinished multipart uploads.
    #[serde(rename = "MultipartPartCount")]
    pub multipart_part_count: u64,
    /// Bytes of those parts.
    #[serde(rename = "MultipartPartStorage")]
    pub multipart_part_storage: u64,
    /// Delete markers.
    #[serde(rename = "DeleteMarkerCount")]
    pub delete_marker_count: u64,
    /// When the statistics were taken, Unix seconds.
    #[serde(rename = "LastModifiedTime")]
    pub last_modified_time: i64,
    /// Bytes of `Standard` objects.
    #[serde(rename = "StandardStorage")]
    pub standard_storage: u64,
    /// `Standard` objects.
    #[serde(rename = "StandardObjectCount")]
    pub standard_object_count: u64,
    /// Billed bytes of `IA` objects.
    #[serde(rename = "InfrequentAccessStorage")]
    pub infrequent_access_storage: u64,
    /// Bytes of `IA` objects.
    #[serde(rename = "InfrequentAccessRealStorage")]
    pub infrequent_access_real_storage: u64,
    /// `IA` objects.
    #[serde(rename = "InfrequentAccessObjectCount")]
    pub infrequent_access_object_count: u64,
    /// Billed bytes of `Archive` objects.
    #[serde(rename = "ArchiveStorage")]
    pub archive_storage: u64,
    /// Bytes of `Archive` objects.
    #[serde(rename = "ArchiveRealStorage")]
    pub archive_real_storage: u64,
    /// `Archive` objects.
    #[serde(rename = "ArchiveObjectCount")]
    pub archive_object_count: u64,
    /// Billed bytes of `ColdArchive` objects.
    #[serde(rename = "ColdArchiveStorage")]
    pub cold_archive_storage: u64,
    /// Bytes of `ColdArchive` objects.
    #[serde(rename = "ColdArchiveRealStorage")]
    pub cold_archive_real_storage: u64,
    /// `ColdArchive` objects.
    #[serde(rename = "ColdArchiveObjectCount")]
    pub cold_archive_object_count: u64,
    /// Billed bytes of `DeepColdArchive` objects.
    #[serde(rename = "DeepColdArchiveStorage")]
    pub deep_cold_archive_storage: u64,
    /// Bytes of `DeepColdArchive` objects.
    #[serde(rename = "DeepColdArchiveRealStorage")]
    pub deep_cold_archive_real_storage: u64,
    /// `DeepColdArchive` objects.
    #[serde(rename = "DeepColdArchiveObjectCount")]
    pub deep_cold_archive_object_count: u64,
}

impl BucketStat {
    /// Counts one object of `size` bytes in `class` (unknown classes count as `Standard`).
    pub fn add_object(&mut self, class: &str, size: u64) {
        self.storage += size;
        self.object_count += 1;
        let billed = size.max(MIN_BILLED_SIZE);
        let (billed_total, real, count) = match crate::xml::lifecycle::class_rank(class) {
            Some(1) => (
                &mut self.infrequent_access_storage,
                Some(&mut self.infrequent_access_real_storage),
                &mut self.infrequent_access_object_count,
            ),
            Some(2) => (
                &mut self.archive_storage,
                Some(&mut self.archive_real_storage),
                &mut self.archive_object_count,
            ),
            Some(3) => (
                &mut self.cold_archive_storage,
                Some(&mut self.cold_archive_real_storage),
                &mut self.cold_archive_object_count,
            ),
            Some(4) => (
                &mut self.deep_cold_archive_storage,
                Some(&mut self.deep_cold_archive_real_storage),
                &mut self.deep_cold_archive_object_count,
            ),
            _ => (
                &mut self.standard_storage,
                None,
                &mut self.standard_object_count,
            ),
        };
        match real {
            Some(real) => {
                *billed_total += billed;
                *real += size;
            }
            None => *billed_total += size,
        }
        *count += 1;
    }

    /// Counts one part of an unfinished upload.
    pub fn add_part(&mut self, size: u64) {
        self.storage += size;
        self.multipart_part_count += 1;
        self.multipart_part_storage += size;
    }
}

/// `<BucketUserQos>`: the storage capacity of a bucket, in GB (`-1`: unlimited).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename = "BucketUserQos")]
#[non_exhaustive]
pub struct BucketUserQos {
    /// Capacity in GB; `-1` for no limit.
    #[serde(rename = "StorageCapacity")]
    pub storage_capacity: i64,
}

impl Default for BucketUserQos {
    fn default() -> Self {
        BucketUserQos {
            storage_capacity: -1,
        }
    }
}

impl BucketUserQos {
    /// A capacity of `gb` GB (`-1`: unlimited).
    pub fn new(gb: i64) -> Self {
        BucketUserQos {
            storage_capacity: gb,
        }
    }

    /// The capacity in bytes, `None` when unlimited.
    pub fn limit_bytes(&self) -> Option<u64> {
        u64::try_from(self.storage_capacity)
            .ok()
            .map(|gb| gb.saturating_mul(1 << 30))
    }
}

crate::xml_document!(BucketStat => "BucketStat", BucketUserQos => "BucketUserQos");

/// Checks a capacity: `-1` or a non-negative number of GB.
pub fn validate_capacity(qos: &BucketUserQos) -> Result<(), String> {
    if qos.storage_capacity < -1 {
        return Err(format!(
            "StorageCapacity must be -1 (unlimited) or a non-negative number of GB, got {}.",
            qos.storage_capacity
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_are_counted_apart() {
        let mut s = BucketStat::default();
        s.add_object("Standard", 7);
        s.add_object("IA", 10);
        s.add_object("DeepColdArchive", 100_000);
        s.add_part(5);
        assert_eq!(s.storage, 7 + 10 + 100_000 + 5);
        assert_eq!(s.object_count, 3);
        assert_eq!((s.standard_storage, s.standard_object_count), (7, 1));
        assert_eq!(s.infrequent_access_storage, MIN_BILLED_SIZE);
        assert_eq!(s.infrequent_access_real_storage, 10);
        assert_eq!(s.deep_cold_archive_storage, 100_000);
        assert_eq!((s.multipart_part_count, s.multipart_part_storage), (1, 5));
        assert!(validate_capacity(&BucketUserQos::new(-2)).is_err());
        assert_eq!(BucketUserQos::new(2).limit_bytes(), Some(2 << 30));
        assert_eq!(BucketUserQos::new(-1).limit_bytes(), None);
    }
}
