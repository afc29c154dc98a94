//! Byte ranges: oss2's `(start, last)` tuples on the client side, and the server's
//! interpretation of a `Range` header (OSS's lenient default and `x-oss-range-behavior:
//! standard`).
//!
//! ```
//! use osskit_proto::range::{ByteRange, RangeOutcome, resolve};
//! assert_eq!(ByteRange::new(Some(0), Some(99)).header_value().as_deref(), Some("bytes=0-99"));
//! assert_eq!(ByteRange::new(None, Some(99)).header_value().as_deref(), Some("bytes=-99"));
//! assert_eq!(ByteRange::new(Some(100), None).header_value().as_deref(), Some("bytes=100-"));
//! assert_eq!(ByteRange::new(None, None).header_value(), None);
//! // Lenient (default) OSS behaviour: an unsatisfiable range gives the whole object.
//! assert_eq!(resolve("bytes=1000-2000", 1000, false), RangeOutcome::Full);
//! assert_eq!(resolve("bytes=1000-2000", 1000, true), RangeOutcome::Unsatisfiable);
//! assert_eq!(resolve("bytes=500-2000", 1000, true), RangeOutcome::Partial { start: 500, end: 999 });
//! assert_eq!(resolve("bytes=-3", 10, false), RangeOutcome::Partial { start: 7, end: 9 });
//! ```

/// oss2's `byte_range=(start, last)`: both ends inclusive; `(None, n)` means the last `n`
/// bytes; `(n, None)` means from `n` to the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ByteRange {
    /// First byte (inclusive).
    pub start: Option<u64>,
    /// Last byte (inclusive), or the suffix length when `start` is `None`.
    pub last: Option<u64>,
}

impl ByteRange {
    /// A range from its two ends.
    pub fn new(start: Option<u64>, last: Option<u64>) -> Self {
        ByteRange { start, last }
    }

    /// The `Range` (or `x-oss-copy-source-range`) header value, `None` for `(None, None)`.
    pub fn header_value(&self) -> Option<String> {
        match (self.start, self.last) {
            (None, None) => None,
            (Some(s), Some(l)) => Some(format!("bytes={s}-{l}")),
            (None, Some(l)) => Some(format!("bytes=-{l}")),
            (Some(s), None) => Some(format!("bytes={s}-")),
        }
    }
}

impl From<(u64, u64)> for ByteRange {
    fn from((s, l): (u64, u64)) -> Self {
        ByteRange::new(Some(s), Some(l))
    }
}

impl From<(Option<u64>, Option<u64>)> for ByteRange {
    fn from((s, l): (Option<u64>, Option<u64>)) -> Self {
        ByteRange::new(s, l)
    }
}

impl From<std::ops::Range<u64>> for ByteRange {
    fn from(r: std::ops::Range<u64>) -> Self {
        ByteRange::new(Some(r.start), Some(r.end.saturating_sub(1)))
    }
}

impl From<std::ops::RangeFrom<u64>> for ByteRange {
    fn from(r: std::ops::RangeFrom<u64>) -> Self {
        ByteRange::new(Some(r.start), None)
    }
}

/// What a server does with a `Range` header for an object of a given size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeOutcome {
    /// Send the whole object with 200.
    Full,
    /// Send bytes `start..=end` with 206.
    Partial {
        /// First byte.
        start: u64,
        /// Last byte, inclusive.
        end: u64,
    },
    /// 416 `InvalidRange` (only in standard mode).
    Unsatisfiable,
}

/// Interprets `header` for an object of `size` bytes. Only the first range of a multi-range
/// header is used. Lenient mode (`standard == false`, OSS's default): anything malformed or
/// out of range gives `Full`. Standard mode: an end beyond the size is clamped, a start at or
/// beyond the size (or a malformed header) is `Unsatisfiable`.
///
/// | header (1000-byte object) | lenient | standard |
/// |---|---|---|
/// | `bytes=0-499` | 206 0–499 | 206 0–499 |
/// | `bytes=0-0` | 206 0–0 | 206 0–0 |
/// | `bytes=0-1000` | 200 | 206 0–999 |
/// | `bytes=1000-` | 200 | 416 |
/// | `bytes=-2000` | 200 | 206 0–999 |
/// | `bytes=-0` | 200 | 416 |
/// | `byte=0-499`, `bytes=5-1` | 200 | 416 |
/// | `bytes=0-499,500-999` | 206 0–499 | 206 0–499 |
///
/// An empty object has no satisfiable range: `Full` in lenient mode, `Unsatisfiable` in
/// standard mode.
pub fn resolve(header: &str, size: u64, standard: bool) -> RangeOutcome {
    let refused = if standard {
        RangeOutcome::Unsatisfiable
    } else {
        RangeOutcome::Full
    };
    let Some(spec) = parse_first_spec(header) else {
        return refused;
    };
    if size == 0 {
        return refused;
    }
    let last = size - 1;
    match spec {
        Spec::FromTo(start, end) => {
            if start >= size {
                refused
            } else if end <= last {
                RangeOutcome::Partial { start, end }
            } else if standard {
                RangeOutcome::Partial { start, end: last }
            } else {
                RangeOutcome::Full
            }
        }
        Spec::From(start) => {
            if start < size {
                RangeOutcome::Partial { start, end: last }
            } else {
                refused
            }
        }
        Spec::Suffix(0) => refused,
        Spec::Suffix(n) => {
            if n <= size {
                RangeOutcome::Partial {
                    start: size - n,
                    end: last,
                }
            } else if standard {
                RangeOutcome::Partial {
                    start: 0,
                    end: last,
                }
            } else {
                RangeOutcome::Full
            }
        }
    }
}

/// One syntactically valid byte-range spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Spec {
    /// `a-b` with `a <= b`.
    FromTo(u64, u64),
    /// `a-`.
    From(u64),
    /// `-n`.
    Suffix(u64),
}

/// The first spec of a `bytes=` header, or `None` if the unit or that spec is malformed.
fn parse_first_spec(header: &str) -> Option<Spec> {
    let header = header.trim();
    let (unit, set) = header.split_once('=')?;
    if !unit.trim().eq_ignore_ascii_case("bytes") {
        return None;
    }
    let first = set.split(',').next()?.trim();
    let (a, b) = first.split_once('-')?;
    let (a, b) = (a.trim(), b.trim());
    match (a.is_empty(), b.is_empty()) {
        (true, true) => None,
        (true, false) => Some(Spec::Suffix(number(b)?)),
        (false, true) => Some(Spec::From(number(a)?)),
        (false, false) => {
            let (start, end) = (number(a)?, number(b)?);
            (start <= end).then_some(Spec::FromTo(start, end))
        }
    }
}

/// A non-empty run of ASCII digits that fits in a `u64`.
fn number(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}
