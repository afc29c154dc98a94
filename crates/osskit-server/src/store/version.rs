//! Object versions, as OSS keeps them in a bucket whose versioning is `Enabled` or
//! `Suspended`: the ids, the rules of every write and delete, and the listing of versions.
//! Both stores follow these rules through [`VersionedKeys`] and [`VersionScan`], so they
//! behave the same.
//!
//! Every key has at most one *current* version (the object a plain GET reads) and any number
//! of *noncurrent* ones: older versions and delete markers. A store keeps the current
//! version where objects always were (so plain reads and listings cost what they did) and
//! the noncurrent ones apart, ordered by key and then newest first. Whatever a change does,
//! it keeps these invariants:
//!
//! - the current version, when there is one, is the newest version of its key and never a
//!   delete marker; when a key has no current version, its newest version (if any) is a
//!   delete marker;
//! - a key has at most one *null* version (written while the bucket was unversioned or
//!   suspended, or before versions existed);
//! - every version that is not a delete marker counts one reference to each of its blobs,
//!   so the bytes shared by versions (and copies, and parts) stay until the last goes.
//!
//! Versions are ordered by a sequence number the store hands out in the transaction that
//! writes them (see [`VersionInfo::seq`]); the version id encodes it ([`VersionId`]).
//! Objects written before the bucket was versioned have number 0 and become the null
//! version, the oldest of their key.

use std::ops::Bound;

use base64::Engine;

use super::list::{fold, successor};
use super::{Extents, ObjectCheck, ObjectMeta, ObjectType, StoreError};

/// The name of the bucket configuration that holds the versioning state (a
/// `<VersioningConfiguration>` document).
pub const CONFIG_NAME: &str = "versioning";

/// A bucket's versioning state as the store applies it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Versioning {
    /// Never versioned: a write replaces the object, a delete removes it.
    Unversioned,
    /// Every write makes a new version; a delete writes a delete marker.
    Enabled,
    /// Writes and deletes replace the null version; other versions stay.
    Suspended,
}

impl Versioning {
    /// The state a stored `<VersioningConfiguration>` document sets (unversioned without one).
    pub fn from_config(doc: Option<&[u8]>) -> Versioning {
        use osskit_proto::xml::versioning::{VersioningConfiguration, ENABLED, SUSPENDED};
        use osskit_proto::xml::Document;
        let status = doc
            .and_then(|d| VersioningConfiguration::from_document(d).ok())
            .and_then(|c| c.status);
        match status.as_deref() {
            Some(ENABLED) => Versioning::Enabled,
            Some(SUSPENDED) => Versioning::Suspended,
            _ => Versioning::Unversioned,
        }
    }
}

/// A version id: `null`, or an opaque string like OSS's (`CAEQ…`) that encodes the
/// version's sequence number.
///
/// ```
/// use osskit_server::store::VersionId;
/// let id = VersionId::Seq(42);
/// let text = id.to_string();
/// assert!(text.starts_with("CAEQ"));
/// assert_eq!(VersionId::parse(&text).unwrap(), id);
/// assert_eq!(VersionId::parse("null").unwrap(), VersionId::Null);
/// assert!(VersionId::parse("").is_err());
/// assert!(VersionId::parse("234").is_err());
/// // Ids of later versions are other strings.
/// assert_ne!(VersionId::Seq(43).to_string(), text);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VersionId {
    /// The null version.
    Null,
    /// A version with an id of its own: its sequence number (at least 1).
    Seq(u64),
}

/// The fixed start of the encoded form (`CAEQ` once in base64).
const ID_HEAD: [u8; 5] = [0x08, 0x01, 0x10, 0x01, 0x18];

impl VersionId {
    /// Parses an id as a client sends it; `InvalidArgument` when it is not one this store
    /// could have made (empty, malformed).
    pub fn parse(text: &str) -> Result<VersionId, StoreError> {
        let bad = || StoreError::InvalidArgument(format!("Invalid version id specified: {text:?}"));
        if text == "null" {
            return Ok(VersionId::Null);
        }
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(text)
            .map_err(|_| bad())?;
        let rest = bytes.strip_prefix(&ID_HEAD[..]).ok_or_else(bad)?;
        let mut seq: u64 = 0;
        let mut shift = 0u32;
        for &b in rest.iter().take(10) {
            seq |= u64::from(b & 0x7f).checked_shl(shift).ok_or_else(bad)?;
            shift += 7;
            if b & 0x80 == 0 {
                break;
            }
        }
        let id = VersionId::Seq(seq);
        if seq == 0 || id.to_string() != text {
            return Err(bad());
        }
        Ok(id)
    }

    /// Whether `version` is the version this id names.
    pub fn names(&self, version: &VersionInfo) -> bool {
        version.id() == *self
    }
}

impl std::fmt::Display for VersionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            VersionId::Null => f.write_str("null"),
            VersionId::Seq(seq) => {
                let mut bytes = ID_HEAD.to_vec();
                let mut n = seq;
                loop {
                    let low = (n & 0x7f) as u8;
                    n >>= 7;
                    if n == 0 {
                        bytes.push(low);
                        break;
                    }
                    bytes.push(low | 0x80);
                }
                bytes.extend_from_slice(&[0x22, 0x20]);
                let tail = format!("{seq:016x}{:016x}", seq.wrapping_mul(0x9E37_79B9_7F4A_7C15));
                bytes.extend_from_slice(tail.as_bytes());
                f.write_str(&base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
            }
        }
    }
}

/// Which version an [`ObjectMeta`] is. Absent from the stored form of an object written
/// in a bucket that was never versioned, so metadata written before versions existed reads
/// as the null version.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct VersionInfo {
    /// The store's sequence number of the write that made the version (higher is newer; 0
    /// for an object written while its bucket was unversioned).
    #[serde(default)]
    pub seq: u64,
    /// Whether the version has an id of its own (false: it is the null version).
    #[serde(default)]
    pub versioned: bool,
    /// Whether it is a delete marker (no bytes; hides the older versions from plain reads).
    #[serde(default)]
    pub delete_marker: bool,
}

impl VersionInfo {
    /// Whether this is the version of an object written in an unversioned bucket.
    pub fn is_plain(&self) -> bool {
        *self == VersionInfo::default()
    }

    /// The version's id.
    pub fn id(&self) -> VersionId {
        if self.versioned {
            VersionId::Seq(self.seq)
        } else {
            VersionId::Null
        }
    }

    /// The `x-oss-version-id` answered for this version: none for an object written while
    /// its bucket was unversioned.
    pub fn header(&self) -> Option<String> {
        (!self.is_plain()).then(|| self.id().to_string())
    }
}

/// What a delete did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Deleted {
    /// The version removed for good (a delete by version id, of an object in an unversioned
    /// bucket, or of the null version in a suspended one).
    pub removed: Option<ObjectMeta>,
    /// The delete marker written (a delete without a version id in a versioned bucket).
    pub marker: Option<VersionInfo>,
    /// Whether the key had a current object that plain reads no longer find.
    pub was_current: bool,
}

impl Deleted {
    /// The `x-oss-version-id` of the answer: the delete marker written, or the version
    /// removed when the bucket is versioned.
    pub fn version_header(&self) -> Option<String> {
        match (&self.marker, &self.removed) {
            (Some(m), _) => Some(m.id().to_string()),
            (None, Some(r)) => r.version.header(),
            (None, None) => None,
        }
    }

    /// Whether the answer says `x-oss-delete-marker: true`: a marker was written, or the
    /// version removed was one.
    pub fn is_delete_marker(&self) -> bool {
        self.marker.is_some()
            || self
                .removed
                .as_ref()
                .is_some_and(|r| r.version.delete_marker)
    }
}

/// One entry of a page of versions.
// Pages are short-lived and mostly made of versions: boxing would only add allocations.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionEntry {
    /// A version (possibly a delete marker: see [`VersionInfo::delete_marker`]).
    Version {
        /// The version.
        meta: ObjectMeta,
        /// Whether it is the newest version of its key.
        is_latest: bool,
    },
    /// A common prefix (ends with the delimiter).
    Prefix(String),
}

/// A page of ListObjectVersions.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VersionPage {
    /// Versions (by key bytes, newest first per key) and common prefixes.
    pub entries: Vec<VersionEntry>,
    /// More entries follow.
    pub truncated: bool,
    /// When truncated: the key (or common prefix) of the last entry.
    pub next_key_marker: Option<String>,
    /// When truncated: the version id of the last entry (empty for a prefix).
    pub next_version_id_marker: Option<String>,
}

/// The lookups of one store's keys that the rules of this module read.
pub trait VersionLookup {
    /// The bucket's versioning state, as of this transaction.
    fn mode(&self, bucket: &str) -> Result<Versioning, StoreError>;
    /// The current version of `key`.
    fn current(&self, bucket: &str, key: &str) -> Result<Option<ObjectMeta>, StoreError>;
    /// Up to `max` noncurrent versions of `key` older than sequence number `below` (all when
    /// `None`), newest first.
    fn noncurrent(
        &self,
        bucket: &str,
        key: &str,
        below: Option<u64>,
        max: usize,
    ) -> Result<Vec<ObjectMeta>, StoreError>;
    /// The noncurrent version of `key` with sequence number `seq`.
    fn noncurrent_at(
        &self,
        bucket: &str,
        key: &str,
        seq: u64,
    ) -> Result<Option<ObjectMeta>, StoreError>;
}

/// The primitive changes of one store's keys that the rules of this module are made of.
/// The `raw` operations move metadata and leave reference counts alone; callers pair them
/// with [`VersionedKeys::add_refs`] and [`VersionedKeys::drop_refs`].
pub trait VersionedKeys: VersionLookup {
    /// A new sequence number, greater than every one handed out before.
    fn next_seq(&mut self) -> Result<u64, StoreError>;
    /// Makes `meta` the current version of its key (raw).
    fn set_current_raw(&mut self, bucket: &str, meta: &ObjectMeta) -> Result<(), StoreError>;
    /// Removes the current version of `key` (raw).
    fn take_current_raw(&mut self, bucket: &str, key: &str) -> Result<(), StoreError>;
    /// Stores `meta` as a noncurrent version (insert or replace the one of its number; raw).
    fn put_noncurrent_raw(&mut self, bucket: &str, meta: &ObjectMeta) -> Result<(), StoreError>;
    /// Removes the noncurrent version `seq` of `key` (raw).
    fn take_noncurrent_raw(&mut self, bucket: &str, key: &str, seq: u64) -> Result<(), StoreError>;
    /// Counts one more reference to each extent's blob.
    fn add_refs(&mut self, data: &Extents) -> Result<(), StoreError>;
    /// Counts one reference less to each extent's blob (the last one makes it garbage).
    fn drop_refs(&mut self, data: &Extents) -> Result<(), StoreError>;
}

/// The metadata of a delete marker of `key`.
fn delete_marker(key: &str, version: VersionInfo, now_ms: i64) -> ObjectMeta {
    let mut meta = ObjectMeta::new(key, ObjectType::Normal);
    meta.last_modified_ms = now_ms;
    meta.version = version;
    meta
}

/// Removes the null version of `key` when it is noncurrent; returns it.
fn remove_noncurrent_null<K: VersionedKeys + ?Sized>(
    t: &mut K,
    bucket: &str,
    key: &str,
) -> Result<Option<ObjectMeta>, StoreError> {
    let null = t
        .noncurrent(bucket, key, None, usize::MAX)?
        .into_iter()
        .find(|v| !v.version.versioned);
    if let Some(v) = &null {
        t.take_noncurrent_raw(bucket, key, v.version.seq)?;
        t.drop_refs(&v.data)?;
    }
    Ok(null)
}

/// After the current version of `key` went: makes its newest noncurrent version current,
/// unless that is a delete marker.
fn promote<K: VersionedKeys + ?Sized>(
    t: &mut K,
    bucket: &str,
    key: &str,
) -> Result<(), StoreError> {
    if t.current(bucket, key)?.is_some() {
        return Ok(());
    }
    if let Some(newest) = t.noncurrent(bucket, key, None, 1)?.into_iter().next() {
        if !newest.version.delete_marker {
            t.take_noncurrent_raw(bucket, key, newest.version.seq)?;
            t.set_current_raw(bucket, &newest)?;
        }
    }
    Ok(())
}

/// Writes `meta` (whose data the caller made live) as the new current version of its key,
/// as the bucket's versioning state says: it replaces the current object (unversioned), it
/// is a new version (enabled), or it replaces the null version (suspended). Counts the
/// references of its data and drops those of what it replaced. Returns what was stored.
pub fn write_current<K: VersionedKeys + ?Sized>(
    t: &mut K,
    bucket: &str,
    mut meta: ObjectMeta,
) -> Result<ObjectMeta, StoreError> {
    let mode = t.mode(bucket)?;
    let old = t.current(bucket, &meta.key)?;
    meta.version = match mode {
        Versioning::Unversioned => VersionInfo::default(),
        Versioning::Enabled => VersionInfo {
            seq: t.next_seq()?,
            versioned: true,
            delete_marker: false,
        },
        Versioning::Suspended => VersionInfo {
            seq: t.next_seq()?,
            versioned: false,
            delete_marker: false,
        },
    };
    t.add_refs(&meta.data)?;
    if let Some(old) = old {
        let keep = match mode {
            Versioning::Unversioned => false,
            Versioning::Enabled => true,
            Versioning::Suspended => old.version.versioned,
        };
        if keep {
            t.put_noncurrent_raw(bucket, &old)?;
        } else {
            t.drop_refs(&old.data)?;
        }
    }
    if mode == Versioning::Suspended {
        remove_noncurrent_null(t, bucket, &meta.key)?;
    }
    t.set_current_raw(bucket, &meta)?;
    Ok(meta)
}

/// The version `version` of `key`, or with `None` its newest version (the current object,
/// or the delete marker that hides the older ones). NoSuchKey when the key has no version,
/// NoSuchVersion when it has not the one named.
pub fn find<K: VersionLookup + ?Sized>(
    t: &K,
    bucket: &str,
    key: &str,
    version: Option<VersionId>,
) -> Result<ObjectMeta, StoreError> {
    let current = t.current(bucket, key)?;
    let Some(id) = version else {
        if let Some(c) = current {
            return Ok(c);
        }
        return t
            .noncurrent(bucket, key, None, 1)?
            .into_iter()
            .next()
            .ok_or(StoreError::NoSuchKey);
    };
    if let Some(c) = current.filter(|c| id.names(&c.version)) {
        return Ok(c);
    }
    find_noncurrent(t, bucket, key, id)?.ok_or(StoreError::NoSuchVersion)
}

fn find_noncurrent<K: VersionLookup + ?Sized>(
    t: &K,
    bucket: &str,
    key: &str,
    id: VersionId,
) -> Result<Option<ObjectMeta>, StoreError> {
    Ok(match id {
        VersionId::Seq(seq) => t
            .noncurrent_at(bucket, key, seq)?
            .filter(|v| id.names(&v.version)),
        VersionId::Null => t
            .noncurrent(bucket, key, None, usize::MAX)?
            .into_iter()
            .find(|v| !v.version.versioned),
    })
}

/// Deletes `key` (with `None`: as the bucket's versioning state says) or one of its versions
/// (removed for good; the version before it becomes current when it was the current one).
/// `check` runs on every version whose bytes would go for good (never on delete markers);
/// its error cancels the delete. A version that does not exist is not an error: nothing
/// changes.
pub fn delete<K: VersionedKeys + ?Sized>(
    t: &mut K,
    bucket: &str,
    key: &str,
    version: Option<VersionId>,
    check: &ObjectCheck,
    now_ms: i64,
) -> Result<Deleted, StoreError> {
    if let Some(id) = version {
        return delete_version(t, bucket, key, id, check);
    }
    let current = t.current(bucket, key)?;
    let mode = t.mode(bucket)?;
    let mut done = Deleted {
        was_current: current.is_some(),
        ..Deleted::default()
    };
    match mode {
        Versioning::Unversioned => {
            if let Some(c) = current {
                check(&c)?;
                t.take_current_raw(bucket, key)?;
                t.drop_refs(&c.data)?;
                done.removed = Some(c);
            }
        }
        Versioning::Enabled | Versioning::Suspended => {
            let suspended = mode == Versioning::Suspended;
            if let Some(c) = current {
                if c.version.versioned {
                    t.take_current_raw(bucket, key)?;
                    t.put_noncurrent_raw(bucket, &c)?;
                } else if suspended {
                    check(&c)?;
                    t.take_current_raw(bucket, key)?;
                    t.drop_refs(&c.data)?;
                    done.removed = Some(c);
                } else {
                    t.take_current_raw(bucket, key)?;
                    t.put_noncurrent_raw(bucket, &c)?;
                }
            }
            if suspended {
                if let Some(old) = remove_noncurrent_null(t, bucket, key)? {
                    done.removed.get_or_insert(old);
                }
            }
            let marker = VersionInfo {
                seq: t.next_seq()?,
                versioned: !suspended,
                delete_marker: true,
            };
            t.put_noncurrent_raw(bucket, &delete_marker(key, marker, now_ms))?;
            done.marker = Some(marker);
        }
    }
    Ok(done)
}

fn delete_version<K: VersionedKeys + ?Sized>(
    t: &mut K,
    bucket: &str,
    key: &str,
    id: VersionId,
    check: &ObjectCheck,
) -> Result<Deleted, StoreError> {
    if let Some(c) = t.current(bucket, key)?.filter(|c| id.names(&c.version)) {
        check(&c)?;
        t.take_current_raw(bucket, key)?;
        t.drop_refs(&c.data)?;
        promote(t, bucket, key)?;
        return Ok(Deleted {
            removed: Some(c),
            marker: None,
            was_current: true,
        });
    }
    let Some(v) = find_noncurrent(t, bucket, key, id)? else {
        return Ok(Deleted::default());
    };
    if !v.version.delete_marker {
        check(&v)?;
    }
    t.take_noncurrent_raw(bucket, key, v.version.seq)?;
    t.drop_refs(&v.data)?;
    // Removing the newest delete marker shows the version under it again.
    promote(t, bucket, key)?;
    Ok(Deleted {
        removed: Some(v),
        marker: None,
        was_current: false,
    })
}

/// [`delete`] of several keys or versions of one bucket, all or none: `check` runs on
/// every version whose bytes would go for good before anything changes.
pub fn delete_all<K: VersionedKeys + ?Sized>(
    t: &mut K,
    bucket: &str,
    entries: &[(String, Option<VersionId>)],
    check: &ObjectCheck,
    now_ms: i64,
) -> Result<Vec<Deleted>, StoreError> {
    let mode = t.mode(bucket)?;
    for (key, version) in entries {
        let doomed = match version {
            Some(id) => match find(t, bucket, key, Some(*id)) {
                Ok(m) => Some(m),
                Err(StoreError::NoSuchVersion) | Err(StoreError::NoSuchKey) => None,
                Err(e) => return Err(e),
            },
            None => t.current(bucket, key)?.filter(|c| {
                mode == Versioning::Unversioned
                    || (mode == Versioning::Suspended && !c.version.versioned)
            }),
        };
        if let Some(m) = doomed.filter(|m| !m.version.delete_marker) {
            check(&m)?;
        }
    }
    entries
        .iter()
        .map(|(key, version)| delete(t, bucket, key, *version, check, now_ms))
        .collect()
}

/// Changes the descriptive metadata of a version of `key` in place (the current object with
/// `None`) through `update` (see [`super::rules::apply_meta_update`]); a delete marker
/// cannot change (MethodNotAllowed).
pub fn update<K: VersionedKeys + ?Sized>(
    t: &mut K,
    bucket: &str,
    key: &str,
    version: Option<VersionId>,
    update: &mut super::MetaUpdate,
) -> Result<ObjectMeta, StoreError> {
    let target = match version {
        None => t.current(bucket, key)?.ok_or(StoreError::NoSuchKey)?,
        Some(id) => find(t, bucket, key, Some(id))?,
    };
    if target.version.delete_marker {
        return Err(StoreError::DeleteMarker(target.version));
    }
    let updated = super::rules::apply_meta_update(&target, update)?;
    let is_current = t
        .current(bucket, key)?
        .is_some_and(|c| c.version == target.version);
    if is_current {
        t.set_current_raw(bucket, &updated)?;
    } else {
        t.put_noncurrent_raw(bucket, &updated)?;
    }
    Ok(updated)
}

/// A sorted view of one bucket's versions, for [`version_page`].
pub trait VersionScan {
    /// The smallest key within `from` (unbounded above) that has a version.
    fn next_key(&self, from: Bound<&[u8]>) -> Result<Option<String>, StoreError>;
    /// The current version of `key`.
    fn current(&self, key: &str) -> Result<Option<ObjectMeta>, StoreError>;
    /// Up to `max` noncurrent versions of `key` older than `below`, newest first.
    fn noncurrent(
        &self,
        key: &str,
        below: Option<u64>,
        max: usize,
    ) -> Result<Vec<ObjectMeta>, StoreError>;
}

/// Adds the versions of `key` older than `below` (all with `None`) to `page`, until it holds
/// `max` entries (then marks it truncated when one more exists). Returns whether the page
/// has room left.
fn add_versions(
    source: &dyn VersionScan,
    page: &mut VersionPage,
    key: &str,
    below: Option<u64>,
    max: usize,
) -> Result<bool, StoreError> {
    let mut first = below.is_none();
    let current = source
        .current(key)?
        .filter(|c| below.is_none_or(|b| c.version.seq < b));
    let room = max - page.entries.len();
    let older = source.noncurrent(key, below, room + 1)?;
    for meta in current.into_iter().chain(older) {
        if page.entries.len() == max {
            page.truncated = true;
            return Ok(false);
        }
        page.entries.push(VersionEntry::Version {
            meta,
            is_latest: first,
        });
        first = false;
    }
    Ok(true)
}

/// One page of ListObjectVersions over `source`: the versions of keys starting with
/// `prefix` (folded by `delimiter` like a listing of objects), by key bytes and newest first
/// per key, after `key_marker` (with `version_marker`: after that version of `key_marker`,
/// then the following keys), at most `max` entries. Costs O(page).
pub fn version_page(
    source: &dyn VersionScan,
    prefix: &str,
    delimiter: &str,
    key_marker: &str,
    version_marker: Option<VersionId>,
    max: usize,
) -> Result<VersionPage, StoreError> {
    let mut page = VersionPage::default();
    if max == 0 {
        return Ok(page);
    }
    let (mut from, mut inclusive) = match version_marker {
        Some(marker) if key_marker.starts_with(prefix) && !key_marker.is_empty() => {
            let below = match marker {
                VersionId::Seq(seq) => Some(seq),
                VersionId::Null => {
                    let current = source.current(key_marker)?.filter(|c| !c.version.versioned);
                    match current {
                        Some(c) => Some(c.version.seq),
                        None => source
                            .noncurrent(key_marker, None, usize::MAX)?
                            .into_iter()
                            .find(|v| !v.version.versioned)
                            .map(|v| v.version.seq),
                    }
                }
            };
            if let Some(below) = below {
                if !add_versions(source, &mut page, key_marker, Some(below), max)? {
                    return Ok(finish(page));
                }
            }
            (key_marker.as_bytes().to_vec(), false)
        }
        _ => match super::list::start(prefix, delimiter, key_marker) {
            Some(s) => s,
            None => return Ok(page),
        },
    };
    loop {
        let bound = if inclusive {
            Bound::Included(from.as_slice())
        } else {
            Bound::Excluded(from.as_slice())
        };
        let Some(key) = source.next_key(bound)? else {
            break;
        };
        if !key.starts_with(prefix) {
            break;
        }
        match fold(&key, prefix, delimiter) {
            Some(p) => {
                if page.entries.len() == max {
                    page.truncated = true;
                    break;
                }
                page.entries.push(VersionEntry::Prefix(p.to_owned()));
                match successor(p.as_bytes()) {
                    Some(next) => {
                        from = next;
                        inclusive = true;
                    }
                    None => break,
                }
            }
            None => {
                if !add_versions(source, &mut page, &key, None, max)? {
                    break;
                }
                from = key.into_bytes();
                inclusive = false;
            }
        }
    }
    Ok(finish(page))
}

fn finish(mut page: VersionPage) -> VersionPage {
    if page.truncated {
        match page.entries.last() {
            Some(VersionEntry::Version { meta, .. }) => {
                page.next_key_marker = Some(meta.key.clone());
                page.next_version_id_marker = Some(meta.version.id().to_string());
            }
            Some(VersionEntry::Prefix(p)) => {
                page.next_key_marker = Some(p.clone());
                page.next_version_id_marker = Some(String::new());
            }
            None => {}
        }
    }
    page
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_reject_other_strings() {
        for seq in [1u64, 127, 128, 300, 1 << 40, u64::MAX] {
            let id = VersionId::Seq(seq);
            let text = id.to_string();
            assert!(text.starts_with("CAEQ"), "{text}");
            assert!(
                text.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
                "{text}"
            );
            assert_eq!(VersionId::parse(&text).unwrap(), id);
        }
        for bad in ["", "234", "IllegalVersion", "CAEQ", "NotExistVersionID"] {
            assert!(
                matches!(VersionId::parse(bad), Err(StoreError::InvalidArgument(_))),
                "{bad}"
            );
        }
        let mut tampered = VersionId::Seq(5).to_string();
        tampered.pop();
        tampered.push('A');
        assert!(VersionId::parse(&tampered).is_err());
    }

    #[test]
    fn old_metadata_reads_as_the_null_version() {
        let meta = ObjectMeta::new("k", ObjectType::Normal);
        let json = serde_json::to_string(&meta).unwrap();
        assert!(!json.contains("version"), "{json}");
        let back: ObjectMeta = serde_json::from_str(&json).unwrap();
        assert!(back.version.is_plain());
        assert_eq!(back.version.id(), VersionId::Null);
        assert_eq!(back.version.header(), None);
    }
}
