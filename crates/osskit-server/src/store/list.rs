//! The listing algorithm, shared by every store over a sorted scan of one bucket's keys.
//!
//! A page is the run of entries (objects, and common prefixes when a delimiter is given)
//! whose names sort strictly after `after`, in UTF-8 byte order. Keys that fold into a
//! common prefix `P` form one contiguous run (every key starting with `P`), so after emitting
//! `P` the scan seeks straight to the first key past that run, [`successor`]`(P)`. The cost
//! of a page is therefore proportional to the page, not to the bucket.
//!
//! When `after` lies inside the run of a common prefix `P` (in particular when it is `P`
//! itself, the marker of a previous page that ended on `P`), `P` is not emitted again: every
//! key starting with `P` is skipped.

use std::ops::Bound;

use super::{ListEntry, ListPage, ObjectMeta, StoreError};

/// Lazily decodes the metadata of the key being visited.
pub type MetaFn<'a> = &'a dyn Fn() -> Result<ObjectMeta, StoreError>;

/// Visitor of [`ObjectScan::scan`]: gets a key and its metadata; returns whether to go on.
pub type Visit<'a> = &'a mut dyn FnMut(&str, MetaFn<'_>) -> Result<bool, StoreError>;

/// A sorted view of one bucket's objects.
pub trait ObjectScan {
    /// Visits the objects whose key bytes are within `from` (and unbounded above), in byte
    /// order, until `visit` returns `false` or the keys run out.
    fn scan(&self, from: Bound<&[u8]>, visit: Visit<'_>) -> Result<(), StoreError>;
}

/// The smallest byte string greater than every string that starts with `prefix`; `None`
/// when there is none (empty prefix or all `0xFF`).
pub fn successor(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut s = prefix.to_vec();
    while let Some(&last) = s.last() {
        if last == 0xFF {
            s.pop();
        } else {
            let i = s.len() - 1;
            s[i] = last + 1;
            return Some(s);
        }
    }
    None
}

/// The common prefix `key` folds into: `prefix` + everything up to and including the first
/// `delimiter` after it. `None` when it does not fold (no delimiter, or none in the rest).
pub fn fold<'k>(key: &'k str, prefix: &str, delimiter: &str) -> Option<&'k str> {
    if delimiter.is_empty() {
        return None;
    }
    let rest = key.get(prefix.len()..)?;
    let i = rest.find(delimiter)?;
    key.get(..prefix.len() + i + delimiter.len())
}

/// Where the scan starts: after `after` (past the whole run of the common prefix it lies in,
/// if any), and no earlier than `prefix`. `None` when nothing can follow.
pub(crate) fn start(prefix: &str, delimiter: &str, after: &str) -> Option<(Vec<u8>, bool)> {
    // (bytes, inclusive)
    let from_after = if after.starts_with(prefix) {
        match fold(after, prefix, delimiter) {
            Some(p) => (successor(p.as_bytes())?, true),
            None => (after.as_bytes().to_vec(), false),
        }
    } else {
        (after.as_bytes().to_vec(), false)
    };
    let from_prefix = (prefix.as_bytes().to_vec(), true);
    Some(match from_after.0.cmp(&from_prefix.0) {
        std::cmp::Ordering::Greater => from_after,
        std::cmp::Ordering::Equal if !from_after.1 => from_after,
        _ => from_prefix,
    })
}

/// One page of the listing of `source` (see the module docs). `max == 0` gives an empty,
/// untruncated page.
pub fn list_page(
    source: &dyn ObjectScan,
    prefix: &str,
    delimiter: &str,
    after: &str,
    max: usize,
) -> Result<ListPage, StoreError> {
    let mut page = ListPage::default();
    if max == 0 {
        return Ok(page);
    }
    let Some((mut from, mut inclusive)) = start(prefix, delimiter, after) else {
        return Ok(page);
    };
    loop {
        let mut seek: Option<Option<Vec<u8>>> = None;
        let bound = if inclusive {
            Bound::Included(from.as_slice())
        } else {
            Bound::Excluded(from.as_slice())
        };
        source.scan(bound, &mut |key, meta| {
            if !key.starts_with(prefix) {
                return Ok(false);
            }
            if page.entries.len() == max {
                page.truncated = true;
                return Ok(false);
            }
            match fold(key, prefix, delimiter) {
                Some(p) => {
                    page.entries.push(ListEntry::Prefix(p.to_owned()));
                    seek = Some(successor(p.as_bytes()));
                    Ok(false)
                }
                None => {
                    page.entries.push(ListEntry::Object(meta()?));
                    Ok(true)
                }
            }
        })?;
        match seek {
            Some(Some(next)) => {
                from = next;
                inclusive = true;
            }
            _ => break,
        }
    }
    if page.truncated {
        page.next_marker = page.entries.last().map(|e| match e {
            ListEntry::Object(o) => o.key.clone(),
            ListEntry::Prefix(p) => p.clone(),
        });
    }
    Ok(page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn successor_skips_the_whole_prefix_run() {
        assert_eq!(successor(b"a/"), Some(b"a0".to_vec()));
        assert_eq!(successor(b"a\xff\xff"), Some(b"b".to_vec()));
        assert_eq!(successor(b""), None);
        assert_eq!(successor(b"\xff"), None);
        let p = "é/".as_bytes();
        let s = successor(p).unwrap();
        assert!("é/zzz".as_bytes() < s.as_slice());
        assert!("é0".as_bytes() >= s.as_slice());
    }

    #[test]
    fn fold_uses_the_first_delimiter_after_the_prefix() {
        assert_eq!(fold("a/b/c", "", "/"), Some("a/"));
        assert_eq!(fold("a/b/c", "a/", "/"), Some("a/b/"));
        assert_eq!(fold("a/b", "a/", "/"), None);
        assert_eq!(fold("a/", "", "/"), Some("a/"));
        assert_eq!(fold("x--y--z", "x", "--"), Some("x--"));
        assert_eq!(fold("a/b", "a/", ""), None);
    }

    #[test]
    fn start_is_the_later_of_prefix_and_after() {
        assert_eq!(start("b", "", "a"), Some((b"b".to_vec(), true)));
        assert_eq!(start("b", "", "bz"), Some((b"bz".to_vec(), false)));
        assert_eq!(start("b", "", "b"), Some((b"b".to_vec(), false)));
        assert_eq!(start("", "/", "a/"), Some((b"a0".to_vec(), true)));
        assert_eq!(start("", "/", "a/x"), Some((b"a0".to_vec(), true)));
        assert_eq!(start("a/", "/", "a/"), Some((b"a/".to_vec(), false)));
    }
}
