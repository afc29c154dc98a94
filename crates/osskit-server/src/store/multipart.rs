//! Multipart rules shared by every [`Store`](super::Store) implementation: upload ids, part
//! numbers, which parts a complete request selects, and the ETag, CRC and extents of the
//! result (the parts' extents in order: completing reads and writes no byte).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use md5::{Digest, Md5};

use super::rules::md5_etag;
use super::{Extents, ObjectMeta, ObjectType, PartMeta, PendingBlob, StoreError, UploadMeta};

/// The smallest part number.
pub const MIN_PART_NUMBER: u32 = 1;
/// The largest part number.
pub const MAX_PART_NUMBER: u32 = 10_000;
/// The smallest size of a part that is not the last one of a completed upload.
pub const MIN_PART_SIZE: u64 = osskit_proto::ops::MIN_PART_SIZE;

/// The current time, Unix milliseconds (0 if the clock is before 1970).
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Makes upload ids: 32 upper-case hex characters, 16 of a per-store increasing sequence
/// (seeded with the time in microseconds, so ids keep increasing across restarts while the
/// clock does) followed by 16 random ones. Ids of one store therefore sort in initiation
/// order, and cannot be guessed.
#[derive(Debug, Default)]
pub struct UploadIds {
    last: AtomicU64,
}

impl UploadIds {
    /// A new generator.
    pub fn new() -> UploadIds {
        UploadIds::default()
    }

    /// The next id.
    pub fn next_id(&self) -> String {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
            .unwrap_or(0);
        let mut prev = self.last.load(Ordering::Relaxed);
        let seq = loop {
            let next = now.max(prev.saturating_add(1));
            match self
                .last
                .compare_exchange_weak(prev, next, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => break next,
                Err(seen) => prev = seen,
            }
        };
        let random: u64 = rand::random();
        format!("{seq:016X}{random:016X}")
    }
}

/// The upload record of a new upload of `key`.
pub fn new_upload(ids: &UploadIds, key: &str, template: ObjectMeta) -> UploadMeta {
    UploadMeta {
        key: key.to_owned(),
        upload_id: ids.next_id(),
        initiated_ms: template.last_modified_ms,
        template,
    }
}

/// Checks that a part number is in 1..=10000.
pub fn check_part_number(part_number: u32) -> Result<(), StoreError> {
    if (MIN_PART_NUMBER..=MAX_PART_NUMBER).contains(&part_number) {
        Ok(())
    } else {
        Err(StoreError::InvalidArgument(format!(
            "part number {part_number} is not between {MIN_PART_NUMBER} and {MAX_PART_NUMBER}"
        )))
    }
}

/// The record of part `part_number` made of `blob`, uploaded at `now_ms`.
pub fn new_part(part_number: u32, blob: &PendingBlob, now_ms: i64) -> PartMeta {
    PartMeta {
        part_number,
        size: blob.size,
        etag: md5_etag(&blob.md5),
        crc64: blob.crc64,
        last_modified_ms: now_ms,
        data: Extents::whole_keyed(blob.id.clone(), blob.size, blob.is_encrypted()),
    }
}

/// Checks that the bytes `data` of a part may go into `upload`: encrypted at rest when the
/// upload's object will report server-side encryption (its parts become its extents).
pub fn check_part_keys(upload: &UploadMeta, data: &Extents) -> Result<(), StoreError> {
    if upload.template.encryption.is_some() && !data.all_encrypted() {
        return Err(StoreError::Internal(format!(
            "upload {} is encrypted but a part's bytes are not",
            upload.upload_id
        )));
    }
    Ok(())
}

/// The record of part `part_number` made of existing bytes `data` (a part copy) whose MD5
/// and CRC-64 are given.
pub fn copied_part(
    part_number: u32,
    data: Extents,
    md5: &[u8; 16],
    crc64: u64,
    now_ms: i64,
) -> PartMeta {
    PartMeta {
        part_number,
        size: data.len(),
        etag: md5_etag(md5),
        crc64,
        last_modified_ms: now_ms,
        data,
    }
}

/// Parts numbered above `marker`, at most `max`, from `parts` (sorted by number); whether
/// more follow.
pub fn page_of_parts(
    parts: impl IntoIterator<Item = PartMeta>,
    marker: u32,
    max: usize,
) -> (Vec<PartMeta>, bool) {
    let mut out = Vec::new();
    for part in parts.into_iter().filter(|p| p.part_number > marker) {
        if out.len() == max {
            return (out, true);
        }
        out.push(part);
    }
    (out, false)
}

/// Whether two ETags are equal ignoring surrounding quotes and letter case.
fn etag_matches(uploaded: &str, given: &str) -> bool {
    uploaded
        .trim_matches('"')
        .eq_ignore_ascii_case(given.trim().trim_matches('"'))
}

/// The parts a complete request assembles, in order, from `uploaded` (every part of the
/// upload, sorted by number). `requested` is the client's list (see
/// [`Store::complete_upload`](super::Store::complete_upload)); `None` takes every part.
pub fn select_parts(
    uploaded: &[PartMeta],
    requested: Option<&[(u32, String)]>,
) -> Result<Vec<PartMeta>, StoreError> {
    let chosen = match requested {
        None => uploaded.to_vec(),
        Some(list) => {
            let mut chosen = Vec::with_capacity(list.len());
            let mut previous = 0u32;
            for (number, etag) in list {
                if *number <= previous {
                    return Err(StoreError::InvalidPartOrder);
                }
                previous = *number;
                let part = uploaded
                    .binary_search_by_key(number, |p| p.part_number)
                    .ok()
                    .and_then(|i| uploaded.get(i))
                    .filter(|p| etag_matches(&p.etag, etag))
                    .ok_or(StoreError::InvalidPart)?;
                chosen.push(part.clone());
            }
            chosen
        }
    };
    if chosen.is_empty() {
        return Err(StoreError::InvalidArgument(
            "a multipart upload needs at least one part to complete".into(),
        ));
    }
    let last = chosen.len() - 1;
    if chosen[..last].iter().any(|p| p.size < MIN_PART_SIZE) {
        return Err(StoreError::EntityTooSmall);
    }
    Ok(chosen)
}

/// Decodes a part's quoted hex MD5 ETag into its 16 bytes.
fn part_md5(part: &PartMeta) -> Result<[u8; 16], StoreError> {
    let hex = part.etag.trim_matches('"');
    let bad = || {
        StoreError::Internal(format!(
            "part {} has a malformed ETag {:?}",
            part.part_number, part.etag
        ))
    };
    if hex.len() != 32 || !hex.is_ascii() {
        return Err(bad());
    }
    let mut out = [0u8; 16];
    for (i, byte) in out.iter_mut().enumerate() {
        let pair = hex.get(2 * i..2 * i + 2).ok_or_else(bad)?;
        *byte = u8::from_str_radix(pair, 16).map_err(|_| bad())?;
    }
    Ok(out)
}

/// The ETag of an object assembled from `parts`: quoted upper-case hex MD5 of the
/// concatenated binary MD5s of the parts, `-`, the number of parts.
pub fn multipart_etag(parts: &[PartMeta]) -> Result<String, StoreError> {
    let mut md5 = Md5::new();
    for part in parts {
        md5.update(part_md5(part)?);
    }
    let digest: [u8; 16] = md5.finalize().into();
    let single = md5_etag(&digest);
    let hex = single.trim_matches('"');
    Ok(format!("\"{hex}-{}\"", parts.len()))
}

/// The CRC-64 of the object assembled from `parts`, from the parts' CRCs.
pub fn combined_crc(parts: &[PartMeta]) -> u64 {
    osskit_proto::crc64::combine_parts(parts.iter().map(|p| (p.crc64, p.size)))
}

/// The metadata of the object completed from `upload` with `parts`: the parts' extents in
/// order, their combined size and CRC-64, and the multipart ETag.
pub fn completed_object(
    upload: &UploadMeta,
    parts: &[PartMeta],
    now_ms: i64,
) -> Result<ObjectMeta, StoreError> {
    let mut meta = upload.template.clone();
    meta.key.clone_from(&upload.key);
    let mut data = Extents::new();
    for part in parts {
        data.extend_from(&part.data);
    }
    meta.size = parts.iter().map(|p| p.size).sum();
    if data.len() != meta.size {
        return Err(StoreError::Internal(format!(
            "the parts describe {} bytes but their extents hold {}",
            meta.size,
            data.len()
        )));
    }
    check_part_keys(upload, &data)?;
    meta.data = data;
    meta.crc64 = combined_crc(parts);
    meta.etag = multipart_etag(parts)?;
    meta.object_type = ObjectType::Multipart;
    meta.last_modified_ms = now_ms;
    Ok(meta)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(n: u32, size: u64, md5: u8) -> PartMeta {
        PartMeta {
            part_number: n,
            size,
            etag: md5_etag(&[md5; 16]),
            crc64: 0,
            last_modified_ms: 0,
            data: Extents::whole(format!("{n:032x}"), size),
        }
    }

    #[test]
    fn upload_ids_are_upper_hex_and_increase() {
        let ids = UploadIds::new();
        let a = ids.next_id();
        let b = ids.next_id();
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| matches!(c, b'0'..=b'9' | b'A'..=b'F')));
        assert!(a < b);
    }

    #[test]
    fn part_numbers_are_checked() {
        assert!(check_part_number(1).is_ok());
        assert!(check_part_number(10_000).is_ok());
        for bad in [0, 10_001, u32::MAX] {
            match check_part_number(bad) {
                Err(StoreError::InvalidArgument(m)) => assert!(m.contains(&bad.to_string())),
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn selection_rules() {
        let big = MIN_PART_SIZE;
        let up = [part(1, big, 1), part(3, big, 3), part(4, 5, 4)];
        let q = |n: u32, m: u8| (n, md5_etag(&[m; 16]).to_lowercase());
        let sel = select_parts(&up, Some(&[q(1, 1), q(4, 4)])).unwrap();
        assert_eq!(sel.len(), 2);
        let unquoted = (3, md5_etag(&[3; 16]).trim_matches('"').to_owned());
        assert_eq!(select_parts(&up, Some(&[unquoted])).unwrap().len(), 1);
        assert!(matches!(
            select_parts(&up, Some(&[q(3, 3), q(1, 1)])),
            Err(StoreError::InvalidPartOrder)
        ));
        assert!(matches!(
            select_parts(&up, Some(&[q(1, 1), q(1, 1)])),
            Err(StoreError::InvalidPartOrder)
        ));
        assert!(matches!(
            select_parts(&up, Some(&[q(2, 1)])),
            Err(StoreError::InvalidPart)
        ));
        assert!(matches!(
            select_parts(&up, Some(&[q(1, 9)])),
            Err(StoreError::InvalidPart)
        ));
        assert!(matches!(
            select_parts(&up, Some(&[q(4, 4), q(5, 5)])),
            Err(StoreError::InvalidPart)
        ));
        assert!(matches!(
            select_parts(&[part(1, big - 1, 1), part(2, 1, 2)], None),
            Err(StoreError::EntityTooSmall)
        ));
        assert_eq!(select_parts(&up, None).unwrap().len(), 3);
        assert!(matches!(
            select_parts(&[], None),
            Err(StoreError::InvalidArgument(_))
        ));
    }

    #[test]
    fn etag_is_md5_of_part_md5s() {
        let parts = [part(1, 1, 0xab), part(2, 1, 0xcd)];
        let mut concat = vec![0xab; 16];
        concat.extend_from_slice(&[0xcd; 16]);
        let d: [u8; 16] = Md5::digest(&concat).into();
        let hex: String = d.iter().map(|b| format!("{b:02X}")).collect();
        assert_eq!(multipart_etag(&parts).unwrap(), format!("\"{hex}-2\""));
        let mut bad = part(1, 1, 0);
        bad.etag = "\"xyz\"".into();
        assert!(matches!(
            multipart_etag(&[bad]),
            Err(StoreError::Internal(_))
        ));
    }
}
