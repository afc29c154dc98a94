//! Formatting of sizes and times for listings.

/// `1536` → `1.5 KiB`; bytes below 1 KiB are shown as `N B`.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// Parses a size: bytes, or a number with a binary unit `K`, `M`, `G`, `T` (also `KB`,
/// `KiB`, …; case-insensitive), e.g. `512`, `100K`, `1.5M`.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        "t" | "tb" | "tib" => 40,
        _ => return Err(format!("{s:?} is not a size (e.g. 512, 100K, 8M, 1G)")),
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("{s:?} is not a size (e.g. 512, 100K, 8M, 1G)"))?;
    let bytes = value * (1u64 << shift) as f64;
    if !bytes.is_finite() || bytes < 0.0 || bytes >= u64::MAX as f64 {
        return Err(format!("{s:?} is out of range"));
    }
    Ok(bytes.round() as u64)
}

/// Parses a duration: seconds, or a number with a unit `ms`, `s`, `m`, `h`, `d`, `w`, `M`
/// (30 days) or `y` (365 days), e.g. `90`, `1.5d`, `15m`.
pub fn parse_duration_arg(s: &str) -> Result<std::time::Duration, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let bad = || format!("{s:?} is not a duration (e.g. 90, 90s, 15m, 2h, 1.5d, 1w)");
    let scale = match unit.trim() {
        "" | "s" => 1.0,
        "ms" => 0.001,
        "m" => 60.0,
        "h" => 3600.0,
        "d" => 86_400.0,
        "w" => 7.0 * 86_400.0,
        "M" => 30.0 * 86_400.0,
        "y" => 365.0 * 86_400.0,
        _ => return Err(bad()),
    };
    let value: f64 = number.parse().map_err(|_| bad())?;
    let secs = value * scale;
    if !secs.is_finite() || !(0.0..=1e12).contains(&secs) {
        return Err(format!("{s:?} is out of range"));
    }
    Ok(std::time::Duration::from_secs_f64(secs))
}

/// Parses a point in time: Unix seconds, `YYYY-MM-DD` (midnight UTC),
/// `YYYY-MM-DDTHH:MM:SS` (UTC unless it ends with `Z` or an offset), or an HTTP date.
pub fn parse_time(s: &str) -> Result<i64, String> {
    let t = s.trim();
    if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        return t.parse().map_err(|_| format!("{s:?} is out of range"));
    }
    let date_only = t.len() == 10 && t.as_bytes().get(4) == Some(&b'-');
    let candidate = if date_only {
        format!("{t}T00:00:00Z")
    } else if t.contains('T') && !t.ends_with('Z') && !has_offset(t) {
        format!("{t}Z")
    } else {
        t.replace(' ', "T")
    };
    osskit::proto::date::rfc3339_to_unixtime(&candidate)
        .or_else(|_| osskit::utils::http_to_unixtime(t))
        .map_err(|_| {
            format!("{s:?} is not a time (e.g. 2024-05-01, 2024-05-01T08:00:00Z, 1714550400)")
        })
}

/// Whether an ISO 8601 time ends with a `+HH:MM` / `-HH:MM` offset.
fn has_offset(t: &str) -> bool {
    let b = t.as_bytes();
    b.len() > 6 && matches!(b[b.len() - 6], b'+' | b'-') && b[b.len() - 3] == b':'
}

/// A size as bytes (`raw`) or human-readable.
pub fn size(bytes: u64, raw: bool) -> String {
    if raw {
        bytes.to_string()
    } else {
        human_size(bytes)
    }
}

/// Unix seconds as `YYYY-MM-DD HH:MM:SS` (UTC); `-` when unknown.
pub fn time(unix: Option<i64>) -> String {
    match unix {
        Some(t) => {
            let iso = osskit::proto::date::unixtime_to_iso8601(t);
            iso.get(..19).map(|s| s.replace('T', " ")).unwrap_or(iso)
        }
        None => "-".to_string(),
    }
}

/// `n` followed by `word`, in the plural (`s`, or `es` after `x`/`s`) unless `n` is 1.
pub fn count(n: u64, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else if word.ends_with('x') || word.ends_with('s') {
        format!("{n} {word}es")
    } else {
        format!("{n} {word}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(human_size(0), "0 B");
        assert_eq!(human_size(1023), "1023 B");
        assert_eq!(human_size(1536), "1.5 KiB");
        assert_eq!(human_size(5 << 20), "5.0 MiB");
        assert_eq!(human_size(u64::MAX), "16.0 EiB");
        assert_eq!(size(1536, true), "1536");
    }

    #[test]
    fn parses_sizes() {
        assert_eq!(parse_size("512"), Ok(512));
        assert_eq!(parse_size("100K"), Ok(100 * 1024));
        assert_eq!(parse_size("8mib"), Ok(8 << 20));
        assert_eq!(parse_size("1.5M"), Ok(3 << 19));
        assert_eq!(parse_size("2 GB"), Ok(2 << 30));
        assert!(parse_size("12X").unwrap_err().contains("not a size"));
        assert!(parse_size("").is_err());
        assert!(parse_size("K").is_err());
    }

    #[test]
    fn times_and_counts() {
        assert_eq!(time(Some(0)), "1970-01-01 00:00:00");
        assert_eq!(time(Some(1_700_000_000)), "2023-11-14 22:13:20");
        assert_eq!(time(None), "-");
        assert_eq!(count(1, "object"), "1 object");
        assert_eq!(count(0, "object"), "0 objects");
        assert_eq!(count(2, "prefix"), "2 prefixes");
    }

    #[test]
    fn durations_and_times() {
        use std::time::Duration;
        assert_eq!(parse_duration_arg("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration_arg("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_duration_arg("1.5d"), Ok(Duration::from_secs(129_600)));
        assert_eq!(parse_duration_arg("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(
            parse_duration_arg("1M"),
            Ok(Duration::from_secs(30 * 86_400))
        );
        assert!(parse_duration_arg("5 parsecs").is_err());
        assert_eq!(parse_time("1714550400"), Ok(1_714_550_400));
        assert_eq!(parse_time("2024-05-01"), Ok(1_714_521_600));
        assert_eq!(parse_time("2024-05-01T08:00:00"), Ok(1_714_550_400));
        assert_eq!(parse_time("2024-05-01T08:00:00Z"), Ok(1_714_550_400));
        assert_eq!(parse_time("2024-05-01T10:00:00+02:00"), Ok(1_714_550_400));
        assert!(parse_time("yesterday").is_err());
    }
}
