//! Part planning: how an object of a given size is cut into numbered parts.

use crate::error::{Error, Result};

/// The most parts one multipart upload may have.
pub const MAX_PARTS: u64 = 10_000;

/// The smallest size OSS accepts for a part that is not the last one (100 KiB).
pub const MIN_PART_SIZE: u64 = 100 * 1024;

/// The largest part OSS accepts (5 GiB).
pub const MAX_PART_SIZE: u64 = 5 * 1024 * 1024 * 1024;

/// The part size used for `total` bytes when `preferred` is asked for: `preferred` raised to
/// at least [`MIN_PART_SIZE`], then grown so that the object fits in [`MAX_PARTS`] parts.
///
/// ```
/// use osskit::transfer::determine_part_size;
/// assert_eq!(determine_part_size(100 << 20, 8 << 20).unwrap(), 8 << 20);
/// assert_eq!(determine_part_size(1 << 20, 1024).unwrap(), 100 * 1024);
/// // 100 GiB in 8 MiB parts would take 12,800 parts: the size grows to stay under 10,000.
/// let size = determine_part_size(100 << 30, 8 << 20).unwrap();
/// assert!(size * 10_000 >= 100 << 30);
/// ```
pub fn determine_part_size(total: u64, preferred: u64) -> Result<u64> {
    let mut size = preferred.max(MIN_PART_SIZE);
    if total.div_ceil(size) > MAX_PARTS {
        size = total.div_ceil(MAX_PARTS);
    }
    if size > MAX_PART_SIZE {
        return Err(Error::client(format!(
            "{total} bytes do not fit in {MAX_PARTS} parts of at most {MAX_PART_SIZE} bytes"
        )));
    }
    Ok(size)
}

/// One part of a plan: number (from 1), first byte and length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PlannedPart {
    pub number: u32,
    pub offset: u64,
    pub len: u64,
}

impl PlannedPart {
    /// The last byte (inclusive); only meaningful for a non-empty part.
    pub fn last(&self) -> u64 {
        self.offset + self.len.saturating_sub(1)
    }
}

/// `total` bytes cut into parts of `part_size` (the last one shorter). No parts for 0 bytes.
pub(crate) fn split(total: u64, part_size: u64) -> Vec<PlannedPart> {
    let part_size = part_size.max(1);
    let count = total.div_ceil(part_size);
    (0..count)
        .map(|i| {
            let offset = i * part_size;
            PlannedPart {
                number: (i + 1) as u32,
                offset,
                len: part_size.min(total - offset),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn part_size_rules() {
        assert_eq!(determine_part_size(0, 8 << 20).unwrap(), 8 << 20);
        assert_eq!(determine_part_size(10, 0).unwrap(), MIN_PART_SIZE);
        assert_eq!(
            determine_part_size(MAX_PARTS * (8 << 20), 8 << 20).unwrap(),
            8 << 20
        );
        let grown = determine_part_size(MAX_PARTS * (8 << 20) + 1, 8 << 20).unwrap();
        assert_eq!(grown, (8 << 20) + 1);
        assert!(split(MAX_PARTS * (8 << 20) + 1, grown).len() as u64 <= MAX_PARTS);
        let err = determine_part_size(MAX_PARTS * MAX_PART_SIZE + 1, 8 << 20).unwrap_err();
        assert!(
            err.to_string().contains("do not fit in 10000 parts"),
            "{err}"
        );
    }

    #[test]
    fn split_covers_every_byte_once() {
        assert!(split(0, 100).is_empty());
        let parts = split(250, 100);
        assert_eq!(
            parts,
            vec![
                PlannedPart {
                    number: 1,
                    offset: 0,
                    len: 100
                },
                PlannedPart {
                    number: 2,
                    offset: 100,
                    len: 100
                },
                PlannedPart {
                    number: 3,
                    offset: 200,
                    len: 50
                },
            ]
        );
        assert_eq!(parts[2].last(), 249);
        assert_eq!(split(200, 100).len(), 2);
        assert_eq!(
            split(1, 100),
            vec![PlannedPart {
                number: 1,
                offset: 0,
                len: 1
            }]
        );
    }
}
