//! oss2's date helpers, plus the timestamp formats the signers use.
//!
//! All functions work in UTC and on whole seconds since the Unix epoch.
//!
//! ```
//! use osskit_proto::date::*;
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
    /// `"HTTP date"`, `"ISO8601"`, `"RFC 3339"` or `"V4 timestamp"`.
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

/// Day names, indexed from Monday.
const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// Month names, indexed from January.
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

const SECONDS_PER_DAY: i64 = 86_400;

impl Date {
    /// A date, if `month` and `day` exist in `year` (years 1..=9999, as Python's `date`).
    pub fn new(year: i32, month: u32, day: u32) -> Option<Date> {
        if !(1..=9999).contains(&year) || !(1..=12).contains(&month) {
            return None;
        }
        if day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Date { year, month, day })
    }

    /// Days since 1970-01-01 (negative before).
    pub fn days_since_epoch(self) -> i64 {
        days_from_civil(i64::from(self.year), self.month, self.day)
    }

    /// The date `days` days after 1970-01-01.
    pub fn from_days_since_epoch(days: i64) -> Date {
        let (year, month, day) = civil_from_days(days);
        Date {
            // Any i64 day count divided by 365 fits in an i32 year only for sane inputs;
            // saturate instead of wrapping for absurd ones.
            year: i32::try_from(year).unwrap_or(if year < 0 { i32::MIN } else { i32::MAX }),
            month,
            day,
        }
    }
}

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days from 1970-01-01 to a proleptic Gregorian date, using 400-year eras that start on
/// March 1st so that the leap day is the last day of an era-year.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let m = i64::from(month);
    let d = i64::from(day);
    let y = if m <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y.rem_euclid(400); // 0..=399
    let month_from_march = (m + 9) % 12; // March = 0 .. February = 11
    let day_of_year = (153 * month_from_march + 2) / 5 + d - 1; // 0..=365
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// Inverse of [`days_from_civil`].
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097); // 0..=146096
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153; // 0..=11
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    // month is 1..=12 and day 1..=31 by construction.
    (year, month as u32, day as u32)
}

/// Broken-down UTC time of a Unix timestamp.
struct Civil {
    year: i64,
    month: u32,
    day: u32,
    hour: i64,
    minute: i64,
    second: i64,
    /// 0 = Monday.
    weekday: usize,
}

fn civil(unix: i64) -> Civil {
    let days = unix.div_euclid(SECONDS_PER_DAY);
    let secs = unix.rem_euclid(SECONDS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    Civil {
        year,
        month,
        day,
        hour: secs / 3600,
        minute: secs % 3600 / 60,
        second: secs % 60,
        // 1970-01-01 was a Thursday (index 3).
        weekday: (days + 3).rem_euclid(7) as usize,
    }
}

fn to_unix(date: Date, hour: u32, minute: u32, second: u32) -> i64 {
    date.days_since_epoch() * SECONDS_PER_DAY
        + i64::from(hour) * 3600
        + i64::from(minute) * 60
        + i64::from(second)
}

/// A strict left-to-right reader over an ASCII format.
struct Cursor<'a> {
    rest: &'a [u8],
}

impl<'a> Cursor<'a> {
    fn new(s: &'a str) -> Self {
        Cursor { rest: s.as_bytes() }
    }

    fn literal(&mut self, lit: &str) -> Option<()> {
        self.rest = self.rest.strip_prefix(lit.as_bytes())?;
        Some(())
    }

    /// Exactly `n` ASCII digits.
    fn digits(&mut self, n: usize) -> Option<u32> {
        if self.rest.len() < n || !self.rest[..n].iter().all(u8::is_ascii_digit) {
            return None;
        }
        let v = self.rest[..n]
            .iter()
            .fold(0u32, |acc, b| acc * 10 + u32::from(b - b'0'));
        self.rest = &self.rest[n..];
        Some(v)
    }

    /// One or more ASCII digits, as a year in 1..=9999.
    fn year(&mut self) -> Option<i32> {
        let n = self.rest.iter().take_while(|b| b.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        let digits = &self.rest[..n];
        self.rest = &self.rest[n..];
        // Leading zeros are allowed (`\d+`), so skip them before bounding the length.
        let significant: &[u8] = match digits.iter().position(|&b| b != b'0') {
            Some(i) => &digits[i..],
            None => &[],
        };
        if significant.len() > 4 {
            return None;
        }
        let v = significant
            .iter()
            .fold(0i32, |acc, b| acc * 10 + i32::from(b - b'0'));
        Some(v)
    }

    /// One of `names`, returning its index.
    fn name(&mut self, names: &[&str]) -> Option<usize> {
        let i = names
            .iter()
            .position(|n| self.rest.starts_with(n.as_bytes()))?;
        self.rest = &self.rest[names[i].len()..];
        Some(i)
    }

    fn time(&mut self) -> Option<(u32, u32, u32)> {
        let hour = self.digits(2).filter(|h| *h <= 23)?;
        self.literal(":")?;
        let minute = self.digits(2).filter(|m| *m <= 59)?;
        self.literal(":")?;
        let second = self.digits(2).filter(|s| *s <= 59)?;
        Some((hour, minute, second))
    }

    fn end(&self) -> Option<()> {
        self.rest.is_empty().then_some(())
    }
}

/// RFC 1123 GMT date, e.g. `Sat, 05 Dec 2015 11:10:29 GMT` (locale independent).
pub fn http_date(unix: i64) -> String {
    let c = civil(unix);
    format!(
        "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
        WEEKDAYS[c.weekday],
        c.day,
        MONTHS[(c.month - 1) as usize],
        c.year,
        c.hour,
        c.minute,
        c.second
    )
}

/// Parses exactly `Www, DD Mon YYYY HH:MM:SS GMT` (oss2's strict format).
///
/// As in oss2, the weekday must be one of the seven English abbreviations but is not
/// checked against the date; the day must exist in its month.
pub fn http_to_unixtime(s: &str) -> Result<i64, DateError> {
    let parse = || -> Option<i64> {
        let mut c = Cursor::new(s);
        c.name(&WEEKDAYS)?;
        c.literal(", ")?;
        let day = c.digits(2)?;
        c.literal(" ")?;
        let month = c.name(&MONTHS)? as u32 + 1;
        c.literal(" ")?;
        let year = c.year()?;
        c.literal(" ")?;
        let (hour, minute, second) = c.time()?;
        c.literal(" GMT")?;
        c.end()?;
        Some(to_unix(Date::new(year, month, day)?, hour, minute, second))
    };
    parse().ok_or_else(|| DateError {
        input: s.to_owned(),
        format: "HTTP date",
    })
}

/// Parses exactly `YYYY-MM-DDTHH:MM:SS.000Z` (oss2 accepts only `.000Z`).
pub fn iso8601_to_unixtime(s: &str) -> Result<i64, DateError> {
    let parse = || -> Option<i64> {
        let mut c = Cursor::new(s);
        let year = c.year()?;
        c.literal("-")?;
        let month = c.digits(2)?;
        c.literal("-")?;
        let day = c.digits(2)?;
        c.literal("T")?;
        let (hour, minute, second) = c.time()?;
        c.literal(".000Z")?;
        c.end()?;
        Some(to_unix(Date::new(year, month, day)?, hour, minute, second))
    };
    parse().ok_or_else(|| DateError {
        input: s.to_owned(),
        format: "ISO8601",
    })
}

/// Formats `YYYY-MM-DDTHH:MM:SS.000Z`, the format of dates inside OSS XML.
pub fn unixtime_to_iso8601(unix: i64) -> String {
    let c = civil(unix);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.000Z",
        c.year, c.month, c.day, c.hour, c.minute, c.second
    )
}

/// Parses an RFC 3339 UTC timestamp as Alibaba Cloud's services write expirations:
/// `YYYY-MM-DDTHH:MM:SS`, optional fraction of a second (ignored), then `Z` or a
/// `+HH:MM`/`-HH:MM` offset. Used for the `Expiration` of STS, instance metadata, credentials
/// URIs and credential processes.
///
/// ```
/// use osskit_proto::date::{rfc3339_to_unixtime, unixtime_to_rfc3339};
/// assert_eq!(rfc3339_to_unixtime("2015-04-09T11:52:19Z").unwrap(), 1428580339);
/// assert_eq!(rfc3339_to_unixtime("2015-04-09T11:52:19.123Z").unwrap(), 1428580339);
/// assert_eq!(rfc3339_to_unixtime("2015-04-09T19:52:19+08:00").unwrap(), 1428580339);
/// assert_eq!(unixtime_to_rfc3339(1428580339), "2015-04-09T11:52:19Z");
/// assert!(rfc3339_to_unixtime("2015-04-09 11:52:19").is_err());
/// ```
pub fn rfc3339_to_unixtime(s: &str) -> Result<i64, DateError> {
    let parse = || -> Option<i64> {
        let mut c = Cursor::new(s);
        let year = c.year()?;
        c.literal("-")?;
        let month = c.digits(2)?;
        c.literal("-")?;
        let day = c.digits(2)?;
        c.literal("T").or_else(|| c.literal("t"))?;
        let (hour, minute, second) = c.time()?;
        if c.literal(".").is_some() {
            let n = c.rest.iter().take_while(|b| b.is_ascii_digit()).count();
            if n == 0 {
                return None;
            }
            c.rest = &c.rest[n..];
        }
        let offset = if c.literal("Z").is_some() || c.literal("z").is_some() {
            0
        } else {
            let sign = if c.literal("+").is_some() {
                1
            } else {
                c.literal("-")?;
                -1
            };
            let h = c.digits(2).filter(|h| *h <= 23)?;
            c.literal(":")?;
            let m = c.digits(2).filter(|m| *m <= 59)?;
            sign * (i64::from(h) * 3600 + i64::from(m) * 60)
        };
        c.end()?;
        Some(to_unix(Date::new(year, month, day)?, hour, minute, second) - offset)
    };
    parse().ok_or_else(|| DateError {
        input: s.to_owned(),
        format: "RFC 3339",
    })
}

/// Formats `YYYY-MM-DDTHH:MM:SSZ`, as STS and the instance metadata service write
/// expirations.
pub fn unixtime_to_rfc3339(unix: i64) -> String {
    let c = civil(unix);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        c.year, c.month, c.day, c.hour, c.minute, c.second
    )
}

/// `YYYY-MM-DDT00:00:00.000Z` for a date (oss2's `date_to_iso8601`).
pub fn date_to_iso8601(d: Date) -> String {
    format!("{:04}-{:02}-{:02}T00:00:00.000Z", d.year, d.month, d.day)
}

/// The UTC calendar date of an ISO8601 string (oss2's `iso8601_to_date`, which uses local
/// time; this one deliberately uses UTC so results do not depend on the machine).
pub fn iso8601_to_date(s: &str) -> Result<Date, DateError> {
    let unix = iso8601_to_unixtime(s)?;
    Ok(Date::from_days_since_epoch(
        unix.div_euclid(SECONDS_PER_DAY),
    ))
}

/// Year, month, day, hour, minute and second (UTC) of a Unix timestamp.
///
/// ```
/// assert_eq!(osskit_proto::date::civil_from_unix(1347249600), (2012, 9, 10, 4, 0, 0));
/// ```
pub fn civil_from_unix(unix: i64) -> (i64, u32, u32, i64, i64, i64) {
    let c = civil(unix);
    (c.year, c.month, c.day, c.hour, c.minute, c.second)
}

/// The Common Log Format time of access logs, `02/May/2012:00:00:04 +0000` (UTC).
///
/// ```
/// assert_eq!(osskit_proto::date::unixtime_to_clf(1335916804), "02/May/2012:00:00:04 +0000");
/// ```
pub fn unixtime_to_clf(unix: i64) -> String {
    let c = civil(unix);
    format!(
        "{:02}/{}/{:04}:{:02}:{:02}:{:02} +0000",
        c.day,
        MONTHS[(c.month - 1) as usize],
        c.year,
        c.hour,
        c.minute,
        c.second
    )
}

/// The V4 timestamp `YYYYMMDDTHHMMSSZ` (used in `x-oss-date`).
pub fn v4_timestamp(unix: i64) -> String {
    let c = civil(unix);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        c.year, c.month, c.day, c.hour, c.minute, c.second
    )
}

/// Parses a V4 timestamp `YYYYMMDDTHHMMSSZ`.
pub fn parse_v4_timestamp(s: &str) -> Result<i64, DateError> {
    let parse = || -> Option<i64> {
        let mut c = Cursor::new(s);
        let year = c.digits(4)? as i32;
        let month = c.digits(2)?;
        let day = c.digits(2)?;
        c.literal("T")?;
        let hour = c.digits(2).filter(|h| *h <= 23)?;
        let minute = c.digits(2).filter(|m| *m <= 59)?;
        let second = c.digits(2).filter(|s| *s <= 59)?;
        c.literal("Z")?;
        c.end()?;
        Some(to_unix(Date::new(year, month, day)?, hour, minute, second))
    };
    parse().ok_or_else(|| DateError {
        input: s.to_owned(),
        format: "V4 timestamp",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trips_over_a_wide_span() {
        // Every 7th day over ~1100 years, across leap centuries.
        let mut days = days_from_civil(1500, 1, 1);
        let stop = days_from_civil(2600, 12, 31);
        while days <= stop {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
            days += 7;
        }
    }

    #[test]
    fn known_day_numbers() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }
}
