//! Object rules shared by every [`Store`](super::Store) implementation, so that they behave
//! the same: what a put records, when an append is allowed and what it produces, what a
//! copy records, and which bytes must be encrypted at rest (an object that reports
//! server-side encryption is made of encrypted extents only).

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
/// blob, encrypted at rest when the blob is), size, CRC-64, and the MD5 ETag when the caller
/// left `etag` empty.
pub fn describe_put(meta: &mut ObjectMeta, blob: &PendingBlob) {
    meta.data = Extents::whole_keyed(blob.id.clone(), blob.size, blob.is_encrypted());
    meta.size = blob.size;
    meta.crc64 = blob.crc64;
    if meta.etag.is_empty() {
        meta.etag = md5_etag(&blob.md5);
    }
}

/// Checks that `blob` may become the bytes of a new object described by `meta`: encrypted
/// under its own key stream when `meta` reports server-side encryption, and never bytes
/// encrypted for appending to another blob.
pub fn check_put_keys(meta: &ObjectMeta, blob: &PendingBlob) -> Result<(), StoreError> {
    if blob.keyed_for.is_some() && !blob.is_encrypted() {
        return Err(StoreError::Internal(
            "bytes encrypted for an append cannot make a new object".into(),
        ));
    }
    if meta.encryption.is_some() && !blob.is_encrypted() {
        return Err(StoreError::Internal(format!(
            "object {:?} reports server-side encryption but its bytes are not encrypted",
            meta.key
        )));
    }
    Ok(())
}

/// Whether a copy of `source` described by `meta` cannot share the source's bytes: it
/// reports server-side encryption and some of the source's bytes are plain, so the copy
/// needs bytes of its own, encrypted.
pub fn copy_needs_new_bytes(meta: &ObjectMeta, source: &ObjectMeta) -> bool {
    meta.encryption.is_some() && !source.data.all_encrypted()
}

/// Whether the bytes of appendable object `current` are encrypted at rest (its one blob's
/// extent says so, even while it is empty).
pub fn appendable_is_encrypted(current: &ObjectMeta) -> bool {
    current.data.iter().next().is_some_and(|e| e.encrypted)
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

/// Checks that the bytes of an append are encrypted as the object they go into: under that
/// object's key stream at its end when it is encrypted (or, for a new object that reports
/// server-side encryption, under the new blob's own), plain otherwise. A mismatch means the
/// object changed since the bytes were prepared: the append fails without a change.
pub fn check_append_keys(
    plan: &AppendPlan,
    blob: &PendingBlob,
    meta_for_new: &ObjectMeta,
) -> Result<(), StoreError> {
    let expected = match plan {
        AppendPlan::Create => meta_for_new
            .encryption
            .is_some()
            .then_some(blob.id.as_str()),
        AppendPlan::Extend(current) => {
            if appendable_is_encrypted(current) {
                Some(append_target_ref(current)?)
            } else {
                None
            }
        }
    };
    if blob.keyed_for.as_deref() == expected {
        Ok(())
    } else {
        Err(StoreError::Internal(
            "the object changed while the appended bytes were being encrypted; retry the append"
                .into(),
        ))
    }
}

fn append_target_ref(current: &ObjectMeta) -> Result<&str, StoreError> {
    current.data.sole_blob().ok_or_else(|| {
        StoreError::Internal(format!(
            "appendable object {:?} is not made of one blob",
            current.key
        ))
    })
}

/// The metadata of a new appendable object made of `blob`.
pub fn appended_new(mut meta_for_new: ObjectMeta, key: &str, blob: &PendingBlob) -> ObjectMeta {
    meta_for_new.key = key.to_owned();
    meta_for_new.object_type = ObjectType::Appendable;
    meta_for_new.data = Extents::whole_keyed(blob.id.clone(), blob.size, blob.is_encrypted());
    meta_for_new.size = blob.size;
    meta_for_new.crc64 = blob.crc64;
    meta_for_new.etag = appendable_etag(blob.crc64, blob.size);
    meta_for_new
}

/// The blob an appendable object appends into: the one blob its data starts at offset 0 of.
pub fn append_target(current: &ObjectMeta) -> Result<String, StoreError> {
    append_target_ref(current).map(str::to_owned)
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
    let encrypted = appendable_is_encrypted(&current);
    current.crc64 = osskit_proto::crc64::combine(current.crc64, blob.crc64, blob.size);
    current.size += blob.size;
    current.data = Extents::whole_keyed(target.to_owned(), current.size, encrypted);
    current.etag = appendable_etag(current.crc64, current.size);
    current.last_modified_ms = now_ms;
    current
}

/// The metadata of a copy of `source`: `meta` supplies key, headers, ACL, storage class,
/// time and encryption; the bytes are the source's extents (shared, not copied), with its
/// size, CRC-64 and ETag; the copy is a `Normal` object. (A copy that reports encryption of
/// plain bytes gets bytes of its own instead, see [`copy_needs_new_bytes`].)
pub fn describe_copy(mut meta: ObjectMeta, source: &ObjectMeta) -> ObjectMeta {
    meta.data = source.data.clone();
    meta.size = source.size;
    meta.crc64 = source.crc64;
    meta.etag.clone_from(&source.etag);
    meta.object_type = ObjectType::Normal;
    meta
}

/// The metadata of an object copied onto itself: only the descriptive fields (encryption
/// included, as `meta` says) change; the bytes, their description and the object type stay.
pub fn describe_self_copy(mut meta: ObjectMeta, source: &ObjectMeta) -> ObjectMeta {
    meta.key.clone_from(&source.key);
    meta.data = source.data.clone();
    meta.size = source.size;
    meta.crc64 = source.crc64;
    meta.etag.clone_from(&source.etag);
    meta.object_type = source.object_type;
    meta.version = source.version;
    meta
}

/// Runs `update` on a copy of `current` and returns the result with the fields that
/// describe the bytes (key, data, size, CRC-64, ETag, object type) put back as they were:
/// an update changes descriptive metadata only, of the same version. The reported
/// encryption may change only to something the bytes allow: an object of plain bytes keeps
/// reporting none.
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
    meta.version = current.version;
    if meta.encryption.is_some() && !current.data.all_encrypted() {
        meta.encryption.clone_from(&current.encryption);
    }
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
