//! What a client process reports: one [`Measurement`] as a JSON line, with latency
//! percentiles and the process's peak resident memory.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// One client's figures for one workload.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Measurement {
    /// Client name (`sdk-async`, `sdk-blocking`, `opendal`, `oss2`).
    pub client: String,
    /// Workload name.
    pub workload: String,
    /// Figures by name (`put_ops`, `mb_per_s`, ...).
    pub metrics: BTreeMap<String, f64>,
    /// Peak resident set size of the client process (VmHWM), bytes.
    pub peak_rss_bytes: u64,
}

impl Measurement {
    /// A measurement with the current process's peak memory.
    pub fn new(client: &str, workload: &str, metrics: BTreeMap<String, f64>) -> Self {
        Measurement {
            client: client.to_string(),
            workload: workload.to_string(),
            metrics,
            peak_rss_bytes: peak_rss_bytes().unwrap_or(0),
        }
    }
}

/// The peak resident set size of this process (`VmHWM` in `/proc/self/status`), bytes.
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// The `p`-th percentile (0–100) of `samples` by nearest rank; `None` when empty.
pub fn percentile(samples: &mut [Duration], p: f64) -> Option<Duration> {
    if samples.is_empty() {
        return None;
    }
    samples.sort_unstable();
    let rank = ((p / 100.0) * samples.len() as f64).ceil() as usize;
    let index = rank.clamp(1, samples.len()) - 1;
    Some(samples[index])
}

/// Adds `<prefix>_ops`, `<prefix>_p50_us` and `<prefix>_p99_us` for `count` requests that
/// took `elapsed` in all and `latencies` each.
pub fn add_latency_metrics(
    metrics: &mut BTreeMap<String, f64>,
    prefix: &str,
    phase: &mut crate::clients::Phase,
) {
    let latencies = &mut phase.latencies;
    let secs = phase.elapsed.as_secs_f64().max(1e-9);
    metrics.insert(format!("{prefix}_ops"), latencies.len() as f64 / secs);
    metrics.insert(
        format!("{prefix}_cpu_us"),
        phase.cpu.as_secs_f64() * 1e6 / latencies.len().max(1) as f64,
    );
    for (name, p) in [("p50", 50.0), ("p99", 99.0)] {
        if let Some(d) = percentile(latencies, p) {
            metrics.insert(format!("{prefix}_{name}_us"), d.as_secs_f64() * 1e6);
        }
    }
}

/// `mb_per_s` (10^6 bytes per second) and `seconds` for `bytes` moved in `elapsed`.
pub fn throughput_metrics(bytes: u64, elapsed: Duration) -> BTreeMap<String, f64> {
    let secs = elapsed.as_secs_f64().max(1e-9);
    BTreeMap::from([
        ("mb_per_s".to_string(), bytes as f64 / secs / 1e6),
        ("seconds".to_string(), secs),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(v: &[u64]) -> Vec<Duration> {
        v.iter().map(|&x| Duration::from_millis(x)).collect()
    }

    #[test]
    fn percentiles_use_nearest_rank() {
        let mut s = ms(&[5, 1, 4, 2, 3, 6, 7, 8, 9, 10]);
        assert_eq!(percentile(&mut s, 50.0), Some(Duration::from_millis(5)));
        assert_eq!(percentile(&mut s, 99.0), Some(Duration::from_millis(10)));
        assert_eq!(percentile(&mut s, 0.0), Some(Duration::from_millis(1)));
        assert_eq!(percentile(&mut [], 50.0), None);
    }

    #[test]
    fn latency_metrics_count_operations_per_second() {
        let mut m = BTreeMap::new();
        let mut phase = crate::clients::Phase {
            elapsed: Duration::from_secs(2),
            latencies: ms(&[1, 2, 3, 4]),
            cpu: Duration::from_millis(2),
        };
        add_latency_metrics(&mut m, "put", &mut phase);
        assert_eq!(m["put_ops"], 2.0);
        assert_eq!(m["put_cpu_us"], 500.0);
        assert_eq!(m["put_p50_us"], 2000.0);
        assert_eq!(m["put_p99_us"], 4000.0);
    }

    #[test]
    fn peak_memory_is_read_from_proc() {
        let peak = peak_rss_bytes().unwrap();
        assert!(peak > 1024 * 1024, "{peak}");
    }

    #[test]
    fn throughput_is_in_decimal_megabytes() {
        let m = throughput_metrics(500_000_000, Duration::from_millis(500));
        assert_eq!(m["mb_per_s"], 1000.0);
    }
}
