//! Where the bytes of an object (or of an uploaded part) live: a list of *extents*, byte
//! ranges of blob files read one after another.
//!
//! Blob files are immutable below the sizes their extents name, so several objects (a copy
//! and its source, a completed multipart object and its parts, later several versions of one
//! key) can share them: the metadata store counts the extents naming each blob and removes a
//! blob only when no extent names it any more (see [`super::gc`]).
//!
//! An extent also says whether its blob is encrypted at rest (see [`super::cipher`]): each
//! blob has its own key stream, positioned by the byte offset, so an extent of an encrypted
//! blob reads on its own wherever it starts, whichever object names it.
//!
//! ```
//! use osskit_server::store::{Extent, Extents};
//!
//! let mut data = Extents::whole("a".repeat(32), 10);
//! data.push(Extent::new("b".repeat(32), 0, 5));
//! assert_eq!(data.len(), 15);
//! // A range across both extents.
//! let middle = data.slice(8, 4);
//! assert_eq!(middle.as_slice(), &[
//!     Extent::new("a".repeat(32), 8, 2),
//!     Extent::new("b".repeat(32), 0, 2),
//! ]);
//! ```

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

/// A byte range of one blob file.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Extent {
    /// Id of the blob file (32 lower-case hex characters).
    pub blob: String,
    /// Offset of the first byte in the blob.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub offset: u64,
    /// Number of bytes.
    pub len: u64,
    /// Whether the blob's bytes are encrypted at rest (under the blob's own key stream).
    #[serde(default, skip_serializing_if = "is_false")]
    pub encrypted: bool,
}

fn is_zero(v: &u64) -> bool {
    *v == 0
}

fn is_false(v: &bool) -> bool {
    !*v
}

impl Extent {
    /// The `len` bytes of `blob` starting at `offset` (plain bytes).
    pub fn new(blob: impl Into<String>, offset: u64, len: u64) -> Extent {
        Extent {
            blob: blob.into(),
            offset,
            len,
            encrypted: false,
        }
    }

    /// The same range, of a blob encrypted at rest when `encrypted`.
    pub fn encrypted(mut self, encrypted: bool) -> Extent {
        self.encrypted = encrypted;
        self
    }

    /// The offset just past the last byte.
    pub fn end(&self) -> u64 {
        self.offset.saturating_add(self.len)
    }
}

/// The bytes of an object or part: extents read in order. Adjacent ranges of the same blob
/// are merged and empty ranges dropped as extents are pushed, except that an object may be
/// described by one empty extent (an appendable object keeps its blob from the start).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Extents(Vec<Extent>);

impl Extents {
    /// No bytes.
    pub fn new() -> Extents {
        Extents(Vec::new())
    }

    /// The first `len` bytes of `blob` (kept even when `len` is 0).
    pub fn whole(blob: impl Into<String>, len: u64) -> Extents {
        Extents(vec![Extent::new(blob, 0, len)])
    }

    /// The first `len` bytes of `blob`, encrypted at rest when `encrypted`.
    pub fn whole_keyed(blob: impl Into<String>, len: u64, encrypted: bool) -> Extents {
        Extents(vec![Extent::new(blob, 0, len).encrypted(encrypted)])
    }

    /// Extents in order (merged and without empty ones, see [`Extents::push`]).
    pub fn from_extents(extents: impl IntoIterator<Item = Extent>) -> Extents {
        let mut out = Extents::new();
        for e in extents {
            out.push(e);
        }
        out
    }

    /// Appends an extent: merged into the last one when it continues it in the same blob,
    /// dropped when empty (an empty extent already there is replaced).
    pub fn push(&mut self, extent: Extent) {
        if extent.len == 0 {
            return;
        }
        if let Some(last) = self.0.last_mut() {
            if last.len == 0 {
                *last = extent;
                return;
            }
            if last.blob == extent.blob
                && last.end() == extent.offset
                && last.encrypted == extent.encrypted
            {
                last.len += extent.len;
                return;
            }
        }
        self.0.push(extent);
    }

    /// Appends every extent of `other`.
    pub fn extend_from(&mut self, other: &Extents) {
        for e in &other.0 {
            self.push(e.clone());
        }
    }

    /// Total number of bytes.
    pub fn len(&self) -> u64 {
        self.0.iter().map(|e| e.len).sum()
    }

    /// Whether there are no bytes.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The extents.
    pub fn as_slice(&self) -> &[Extent] {
        &self.0
    }

    /// The extents, in order.
    pub fn iter(&self) -> std::slice::Iter<'_, Extent> {
        self.0.iter()
    }

    /// Number of extents.
    pub fn count(&self) -> usize {
        self.0.len()
    }

    /// The distinct blob ids named.
    pub fn blobs(&self) -> BTreeSet<&str> {
        self.0.iter().map(|e| e.blob.as_str()).collect()
    }

    /// Whether every byte is encrypted at rest (true when there are no bytes).
    pub fn all_encrypted(&self) -> bool {
        self.0.iter().all(|e| e.encrypted || e.len == 0)
    }

    /// Whether some bytes are encrypted at rest.
    pub fn any_encrypted(&self) -> bool {
        self.0.iter().any(|e| e.encrypted && e.len > 0)
    }

    /// The blob of a single extent starting at offset 0 (an appendable object's data).
    pub fn sole_blob(&self) -> Option<&str> {
        match self.0.as_slice() {
            [only] if only.offset == 0 => Some(&only.blob),
            _ => None,
        }
    }

    /// The extents of the `len` bytes starting at byte `start` (cut to what exists).
    pub fn slice(&self, start: u64, len: u64) -> Extents {
        let mut out = Extents::new();
        let end = start.saturating_add(len);
        let mut at = 0u64;
        for e in &self.0 {
            let (from, to) = (at, at + e.len);
            at = to;
            if to <= start || e.len == 0 {
                continue;
            }
            if from >= end {
                break;
            }
            let skip = start.saturating_sub(from);
            let take = to.min(end) - from.max(start);
            out.push(Extent::new(e.blob.clone(), e.offset + skip, take).encrypted(e.encrypted));
        }
        out
    }
}

impl<'a> IntoIterator for &'a Extents {
    type Item = &'a Extent;
    type IntoIter = std::slice::Iter<'a, Extent>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(c: char) -> String {
        c.to_string().repeat(32)
    }

    #[test]
    fn pushing_merges_adjacent_ranges_and_drops_empty_ones() {
        let mut e = Extents::whole(id('a'), 0);
        assert_eq!(e.count(), 1, "an empty whole blob is kept");
        e.push(Extent::new(id('a'), 0, 4));
        e.push(Extent::new(id('a'), 4, 6));
        e.push(Extent::new(id('b'), 0, 0));
        e.push(Extent::new(id('b'), 3, 2));
        e.push(Extent::new(id('a'), 10, 1));
        assert_eq!(
            e.as_slice(),
            &[
                Extent::new(id('a'), 0, 10),
                Extent::new(id('b'), 3, 2),
                Extent::new(id('a'), 10, 1)
            ]
        );
        assert_eq!(e.len(), 13);
        assert_eq!(e.blobs().len(), 2);
        assert_eq!(e.sole_blob(), None);
        assert_eq!(
            Extents::whole(id('c'), 7).sole_blob(),
            Some(id('c').as_str())
        );
    }

    #[test]
    fn slices_cut_across_extents() {
        let e = Extents::from_extents([
            Extent::new(id('a'), 100, 10),
            Extent::new(id('b'), 0, 10),
            Extent::new(id('c'), 5, 10),
        ]);
        assert_eq!(e.slice(0, 30), e);
        assert_eq!(e.slice(0, 100), e);
        assert_eq!(
            e.slice(5, 20).as_slice(),
            &[
                Extent::new(id('a'), 105, 5),
                Extent::new(id('b'), 0, 10),
                Extent::new(id('c'), 5, 5)
            ]
        );
        assert_eq!(e.slice(10, 10).as_slice(), &[Extent::new(id('b'), 0, 10)]);
        assert!(e.slice(30, 5).is_empty());
        assert!(e.slice(3, 0).is_empty());
    }

    #[test]
    fn encryption_is_kept_by_slices_and_never_merged_with_plain_bytes() {
        let e = Extents::from_extents([
            Extent::new(id('a'), 0, 10).encrypted(true),
            Extent::new(id('b'), 0, 10),
        ]);
        assert!(e.any_encrypted() && !e.all_encrypted());
        let head = e.slice(2, 5);
        assert_eq!(
            head.as_slice(),
            &[Extent::new(id('a'), 2, 5).encrypted(true)]
        );
        assert!(head.all_encrypted());
        let mut odd = Extents::whole_keyed(id('c'), 4, true);
        odd.push(Extent::new(id('c'), 4, 4));
        assert_eq!(odd.count(), 2, "a plain range never joins an encrypted one");
        let json = serde_json::to_string(&head).unwrap();
        assert!(json.contains("\"encrypted\":true"), "{json}");
        assert_eq!(serde_json::from_str::<Extents>(&json).unwrap(), head);
    }

    #[test]
    fn serialised_form_is_small_and_round_trips() {
        let e = Extents::from_extents([Extent::new(id('a'), 0, 10), Extent::new(id('b'), 7, 3)]);
        let json = serde_json::to_string(&e).unwrap();
        assert_eq!(
            json,
            format!(
                "[{{\"blob\":\"{}\",\"len\":10}},{{\"blob\":\"{}\",\"offset\":7,\"len\":3}}]",
                id('a'),
                id('b')
            )
        );
        assert_eq!(serde_json::from_str::<Extents>(&json).unwrap(), e);
    }
}
