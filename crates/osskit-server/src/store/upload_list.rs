//! The listing of open multipart uploads, shared by every store over a sorted scan of one
//! bucket's uploads.
//!
//! Uploads are ordered by key bytes, then by upload id. A page holds the uploads (and, with
//! a delimiter, the common prefixes their keys fold into) that come after the position
//! named by the markers:
//!
//! - no key marker: from the start of `prefix`;
//! - a key marker inside the run of a common prefix `P` (in particular `P` itself): after
//!   every key starting with `P`, so `P` is not emitted again;
//! - a key marker `K` and an upload-id marker `U`: the uploads of `K` with an id after `U`,
//!   then the keys after `K`;
//! - a key marker `K` alone: the keys after `K`.
//!
//! As with objects, a folded prefix is skipped with one seek, so a page costs O(page).

use super::list::{fold, successor};
use super::{StoreError, UploadEntry, UploadMeta, UploadPage};

/// Lazily decodes the upload being visited.
pub type UploadFn<'a> = &'a dyn Fn() -> Result<UploadMeta, StoreError>;

/// Visitor of [`UploadScan::scan`]: gets a key and its upload; returns whether to go on.
pub type UploadVisit<'a> = &'a mut dyn FnMut(&str, UploadFn<'_>) -> Result<bool, StoreError>;

/// A position in the order of uploads: key bytes, then upload id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadPos {
    /// Key bytes.
    pub key: Vec<u8>,
    /// Upload id; the empty string sorts before every id of the key.
    pub upload_id: String,
    /// Whether the position itself is included.
    pub inclusive: bool,
}

impl UploadPos {
    /// The first upload whose key is `key` or later.
    fn at_key(key: Vec<u8>) -> UploadPos {
        UploadPos {
            key,
            upload_id: String::new(),
            inclusive: true,
        }
    }
}

/// A sorted view of one bucket's open uploads.
pub trait UploadScan {
    /// Visits the uploads from `from` on (unbounded above), in order, until `visit` returns
    /// `false` or the uploads run out.
    fn scan(&self, from: &UploadPos, visit: UploadVisit<'_>) -> Result<(), StoreError>;
}

/// Where a page starts (see the module docs); `None` when nothing can follow.
fn start(
    prefix: &str,
    delimiter: &str,
    key_marker: &str,
    upload_id_marker: &str,
) -> Option<UploadPos> {
    let from_marker = if key_marker.is_empty() {
        None
    } else if let Some(p) =
        fold(key_marker, prefix, delimiter).filter(|_| key_marker.starts_with(prefix))
    {
        Some(UploadPos::at_key(successor(p.as_bytes())?))
    } else if !upload_id_marker.is_empty() {
        Some(UploadPos {
            key: key_marker.as_bytes().to_vec(),
            upload_id: upload_id_marker.to_owned(),
            inclusive: false,
        })
    } else {
        // The smallest key after `key_marker` is `key_marker` followed by a 0x00 byte.
        let mut next = key_marker.as_bytes().to_vec();
        next.push(0);
        Some(UploadPos::at_key(next))
    };
    let from_prefix = UploadPos::at_key(prefix.as_bytes().to_vec());
    Some(match from_marker {
        Some(m) if (&m.key, &m.upload_id) >= (&from_prefix.key, &from_prefix.upload_id) => m,
        _ => from_prefix,
    })
}

/// One page of the uploads of `source` (see the module docs). `max == 0` gives an empty,
/// untruncated page.
pub fn upload_page(
    source: &dyn UploadScan,
    prefix: &str,
    delimiter: &str,
    key_marker: &str,
    upload_id_marker: &str,
    max: usize,
) -> Result<UploadPage, StoreError> {
    let mut page = UploadPage::default();
    if max == 0 {
        return Ok(page);
    }
    let Some(mut from) = start(prefix, delimiter, key_marker, upload_id_marker) else {
        return Ok(page);
    };
    loop {
        let mut seek: Option<Option<Vec<u8>>> = None;
        source.scan(&from, &mut |key, upload| {
            if !key.starts_with(prefix) {
                return Ok(false);
            }
            if page.entries.len() == max {
                page.truncated = true;
                return Ok(false);
            }
            match fold(key, prefix, delimiter) {
                Some(p) => {
                    page.entries.push(UploadEntry::Prefix(p.to_owned()));
                    seek = Some(successor(p.as_bytes()));
                    Ok(false)
                }
                None => {
                    page.entries.push(UploadEntry::Upload(upload()?));
                    Ok(true)
                }
            }
        })?;
        match seek {
            Some(Some(next)) => from = UploadPos::at_key(next),
            _ => break,
        }
    }
    if page.truncated {
        let (key, id) = match page.entries.last() {
            Some(UploadEntry::Upload(u)) => (u.key.clone(), u.upload_id.clone()),
            Some(UploadEntry::Prefix(p)) => (p.clone(), String::new()),
            None => (String::new(), String::new()),
        };
        page.next_key_marker = Some(key);
        page.next_upload_id_marker = Some(id);
    }
    Ok(page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_positions() {
        let at = |k: &[u8]| Some(UploadPos::at_key(k.to_vec()));
        assert_eq!(start("", "", "", "ID"), at(b""));
        assert_eq!(start("b", "", "a", ""), at(b"b"));
        assert_eq!(start("", "", "a", ""), at(b"a\0"));
        assert_eq!(
            start("", "", "a", "ID"),
            Some(UploadPos {
                key: b"a".to_vec(),
                upload_id: "ID".into(),
                inclusive: false
            })
        );
        assert_eq!(start("", "/", "a/", "ID"), at(b"a0"));
        assert_eq!(start("", "/", "a/x", ""), at(b"a0"));
        // The prefix itself as a marker with an upload id: uploads of that key after it.
        assert_eq!(
            start("a/", "/", "a/", "ID").map(|p| p.inclusive),
            Some(false)
        );
    }
}
