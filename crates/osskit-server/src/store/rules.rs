//! Object rules shared by every [`Store`](super::Store) implementation, so that they behave
//! the same: what a put records, when an append is allowed and what it produces, what a
//! copy records.

use super::{Extents, MetaUpdate, ObjectMeta, ObjectType, PendingBlob, StoreError};

/// The quoted upper-case hex ETag of an MD5 digest, e.g. `"5B3C1A2E053D763E1B002CC607C5A0FE"`.
pub fn md5_etag(md5: &[u8; 16]) -> String {
    let mut s = String::with_capacity(34);
    s.push('"');
    for b in md5 {
        s.push_str(&format!("{b:02X}"));
    }
    s.push('"');
    s
}

/// The ETag of an appendable object: quoted upper-case hex of its CRC-64 and its size, so it
/// is stable for given content and changes whenever an append changes it.
pub fn appendable_etag(crc64: u64, size: u64) -> String {
    format!("\"{crc64:016X}{size:016X}\"")
}

/// Fills the fields of `meta` that describe the bytes from the pending blob: data (the whole
/// blob), size, CRC-64, and the MD5 ETag when the caller left `etag` empty.
pub fn describe_put(meta: &mut ObjectMeta, blob: &PendingBlob) {
    meta.data = Extents::whole(blob.id.clone(), blob.size);
    meta.size = blob.size;
    meta.crc64 = blob.crc64;
    if meta.etag.is_empty() {
        meta.etag = md5_etag(&blob.md5);
    }
}

/// What an append does, decided from the object as it is now.
// Short-lived, and mostly the large variant: boxing would only add an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum AppendPlan {
    /// No object: the pending blob becomes a new appendable object.
    Create,
    /// Extend this appendable object, whose current size is `position`.
    Extend(ObjectMeta),
}

/// Checks an append at `position` against the current object (if any).
pub fn plan_append(current: Option<ObjectMeta>, position: u64) -> Result<AppendPlan, StoreError> {
    match current {
        None if position == 0 => Ok(AppendPlan::Create),
        None => Err(StoreError::PositionNotEqualToLength(0)),
        Some(meta) if meta.object_type != ObjectType::Appendable => {
            Err(StoreError::ObjectNotAppendable)
        }
        Some(meta) if meta.size != position => Err(StoreError::PositionNotEqualToLength(meta.size)),
        Some(meta) => Ok(AppendPlan::Extend(meta)),
    }
}

/// The metadata of a new appendable object made of `blob`.
pub fn appended_new(mut meta_for_new: ObjectMeta, key: &str, blob: &PendingBlob) -> ObjectMeta {
    meta_for_new.key = key.to_owned();
    meta_for_new.object_type = ObjectType::Appendable;
    meta_for_new.data = Extents::whole(blob.id.clone(), blob.size);
    meta_for_new.size = blob.size;
    meta_for_new.crc64 = blob.crc64;
    meta_for_new.etag = appendable_etag(blob.crc64, blob.size);
    meta_for_new
}

/// The blob an appendable object appends into: the one blob its data starts at offset 0 of.
pub fn append_target(current: &ObjectMeta) -> Result<String, StoreError> {
    current.data.sole_blob().map(str::to_owned).ok_or_else(|| {
        StoreError::Internal(format!(
            "appendable object {:?} is not made of one blob",
            current.key
        ))
    })
}

/// The metadata of appendable object `current` after `blob` is appended to it (into
/// `target`, its blob). Headers and user metadata stay those of the object; the modification
/// time is `now_ms`.
pub fn appended_extend(
    mut current: ObjectMeta,
    target: &str,
    blob: &PendingBlob,
    now_ms: i64,
) -> ObjectMeta {
    current.crc64 = osskit_proto::crc64::combine(current.crc64, blob.crc64, blob.size);
    current.size += blob.size;
    current.data = Extents::whole(target.to_owned(), current.size);
    current.etag = appendable_etag(current.crc64, current.size);
    current.last_modified_ms = now_ms;
    current
}

/// The metadata of a copy of `source`: `meta` supplies key, headers, ACL, storage class and
/// time; the bytes are the source's extents (shared, not copied), with its size, CRC-64 and
/// ETag; the copy is a `Normal` object.
pub fn describe_copy(mut meta: ObjectMeta, source: &ObjectMeta) -> ObjectMeta {
    meta.data = source.data.clone();
    meta.size = source.size;
    meta.crc64 = source.crc64;
    meta.etag.clone_from(&source.etag);
    meta.object_type = ObjectType::Normal;
    meta
}

/// The metadata of an object copied onto itself: only the descriptive fields change; the
/// bytes, their description and the object type stay.
pub fn describe_self_copy(mut meta: ObjectMeta, source: &ObjectMeta) -> ObjectMeta {
    meta.key.clone_from(&source.key);
    meta.data = source.data.clone();
    meta.size = source.size;
    meta.crc64 = source.crc64;
    meta.etag.clone_from(&source.etag);
    meta.object_type = source.object_type;
    meta
}

/// Runs `update` on a copy of `current` and returns the result with the fields that
/// describe the bytes (key, data, size, CRC-64, ETag, object type) put back as they were:
/// an update changes descriptive metadata only.
pub fn apply_meta_update(
    current: &ObjectMeta,
    update: &mut MetaUpdate,
) -> Result<ObjectMeta, StoreError> {
    let mut meta = current.clone();
    update(&mut meta)?;
    meta.key.clone_from(&current.key);
    meta.data = current.data.clone();
    meta.size = current.size;
    meta.crc64 = current.crc64;
    meta.etag.clone_from(&current.etag);
    meta.object_type = current.object_type;
    Ok(meta)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_are_quoted_upper_hex() {
        let md5 = [0xab; 16];
        assert_eq!(md5_etag(&md5), format!("\"{}\"", "AB".repeat(16)));
        let e = appendable_etag(0xdead_beef, 3);
        assert_eq!(e, "\"00000000DEADBEEF0000000000000003\"");
        assert_ne!(appendable_etag(1, 3), appendable_etag(1, 4));
    }
}
