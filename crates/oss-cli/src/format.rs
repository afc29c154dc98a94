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
            let iso = oss::proto::date::unixtime_to_iso8601(t);
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
    fn times_and_counts() {
        assert_eq!(time(Some(0)), "1970-01-01 00:00:00");
        assert_eq!(time(Some(1_700_000_000)), "2023-11-14 22:13:20");
        assert_eq!(time(None), "-");
        assert_eq!(count(1, "object"), "1 object");
        assert_eq!(count(0, "object"), "0 objects");
        assert_eq!(count(2, "prefix"), "2 prefixes");
    }
}
