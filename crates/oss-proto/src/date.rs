//! oss2's date helpers, plus the timestamp formats the signers use.
//!
//! All functions work in UTC and on whole seconds since the Unix epoch.
//!
//! ```
//! use oss_proto::date::*;
//! assert_eq!(http_date(1449313829), "Sat, 05 Dec 2015 11:10:29 GMT");
//! assert_eq!(http_to_unixtime("Sat, 05 Dec 2015 11:10:29 GMT").unwrap(), 1449313829);
//! assert_eq!(iso8601_to_unixtime("2015-12-05T00:00:00.000Z").unwrap(), 1449273600);
//! let d = iso8601_to_date("2015-12-05T00:00:00.000Z").unwrap();
//! assert_eq!(date_to_iso8601(d), "2015-12-05T00:00:00.000Z");
//! assert!(http_to_unixtime("Sat, 5 Dec 2015 11:10:29 GMT").is_err());
//! ```

/// A string that is not in the expected date format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{input:?} is not in valid {format} format")]
pub struct DateError {
    /// The rejected input.
    pub input: String,
    /// `"HTTP date"`, `"ISO8601"` or `"V4 timestamp"`.
    pub format: &'static str,
}

/// A calendar date (UTC), the Rust counterpart of Python's `datetime.date`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Year, e.g. 2015.
    pub year: i32,
    /// Month 1..=12.
    pub month: u32,
    /// Day 1..=31.
    pub day: u32,
}

/// RFC 1123 GMT date, e.g. `Sat, 05 Dec 2015 11:10:29 GMT` (locale independent).
pub fn http_date(unix: i64) -> String {
    let _ = unix;
    todo!()
}

/// Parses exactly `Www, DD Mon YYYY HH:MM:SS GMT` (oss2's strict format).
pub fn http_to_unixtime(s: &str) -> Result<i64, DateError> {
    let _ = s;
    todo!()
}

/// Parses exactly `YYYY-MM-DDTHH:MM:SS.000Z` (oss2 accepts only `.000Z`).
pub fn iso8601_to_unixtime(s: &str) -> Result<i64, DateError> {
    let _ = s;
    todo!()
}

/// Formats `YYYY-MM-DDTHH:MM:SS.000Z`, the format of dates inside OSS XML.
pub fn unixtime_to_iso8601(unix: i64) -> String {
    let _ = unix;
    todo!()
}

/// `YYYY-MM-DDT00:00:00.000Z` for a date (oss2's `date_to_iso8601`).
pub fn date_to_iso8601(d: Date) -> String {
    let _ = d;
    todo!()
}

/// The UTC calendar date of an ISO8601 string (oss2's `iso8601_to_date`, which uses local
/// time; this one deliberately uses UTC so results do not depend on the machine).
pub fn iso8601_to_date(s: &str) -> Result<Date, DateError> {
    let _ = s;
    todo!()
}

/// The V4 timestamp `YYYYMMDDTHHMMSSZ` (used in `x-oss-date`).
pub fn v4_timestamp(unix: i64) -> String {
    let _ = unix;
    todo!()
}

/// Parses a V4 timestamp `YYYYMMDDTHHMMSSZ`.
pub fn parse_v4_timestamp(s: &str) -> Result<i64, DateError> {
    let _ = s;
    todo!()
}
