//! The comparison table: every client's figure and its ratio to this SDK's async client.

use std::fmt::Write as _;

use serde::Serialize;

use crate::cli::{ClientKind, Workload};
use crate::measure::Measurement;

/// One client process's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct Record {
    /// `disk` or `memory`.
    pub server: &'static str,
    /// The workload.
    pub workload: &'static str,
    /// Requests in flight (small workload; 1 otherwise).
    pub concurrency: usize,
    /// The client.
    pub client: &'static str,
    /// The measurement, or why there is none.
    pub outcome: Result<Measurement, String>,
}

/// The physical limits measured in the run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Limits {
    /// Loopback TCP socket copy between two processes, MB/s.
    pub loopback_mb_s: f64,
    /// Disk writes of 8 MiB blocks then fsync, MB/s.
    pub disk_fsync_mb_s: f64,
    /// Memory copy, GB/s.
    pub memcpy_gb_s: f64,
    /// Build URL + sign V4 + parse a small response, µs per request.
    pub small_request_v4_us: f64,
    /// The same with V1 signing, µs.
    pub small_request_v1_us: f64,
}

/// All records of a run.
pub struct Results<'a> {
    /// Every client process.
    pub records: &'a [Record],
    /// Clients in column order.
    pub clients: &'a [ClientKind],
}

impl Results<'_> {
    /// The figure `metric` of `client` for `workload` at `concurrency` on `server`.
    pub fn get(
        &self,
        server: &str,
        workload: Workload,
        concurrency: usize,
        client: ClientKind,
        metric: &str,
    ) -> Option<f64> {
        self.find(server, workload, concurrency, client)
            .and_then(|r| r.outcome.as_ref().ok())
            .and_then(|m| {
                if metric == PEAK_MIB {
                    Some(m.peak_rss_bytes as f64 / (1024.0 * 1024.0))
                } else {
                    m.metrics.get(metric).copied()
                }
            })
    }

    fn find(
        &self,
        server: &str,
        workload: Workload,
        concurrency: usize,
        client: ClientKind,
    ) -> Option<&Record> {
        self.records.iter().find(|r| {
            r.server == server
                && r.workload == workload.name()
                && r.concurrency == concurrency
                && r.client == client.name()
        })
    }
}

/// Pseudo-metric: the client's peak memory in MiB.
pub const PEAK_MIB: &str = "peak_rss_mib";

/// A row of the table.
struct Row {
    label: String,
    workload: Workload,
    concurrency: usize,
    metric: &'static str,
}

fn rows(workloads: &[Workload], concurrency: &[usize], large: &str) -> Vec<Row> {
    let mut rows = Vec::new();
    let mut push = |label: String, workload, c, metric| {
        rows.push(Row {
            label,
            workload,
            concurrency: c,
            metric,
        })
    };
    for &w in workloads {
        match w {
            Workload::Small => {
                for &c in concurrency {
                    for (op, prefix) in [("PUT", "put"), ("GET", "get")] {
                        let (ops, p50, p99, cpu) = match prefix {
                            "put" => ("put_ops", "put_p50_us", "put_p99_us", "put_cpu_us"),
                            _ => ("get_ops", "get_p50_us", "get_p99_us", "get_cpu_us"),
                        };
                        push(format!("4 KiB {op} c={c} ops/s ↑"), w, c, ops);
                        push(format!("4 KiB {op} c={c} p50 µs ↓"), w, c, p50);
                        push(format!("4 KiB {op} c={c} p99 µs ↓"), w, c, p99);
                        push(format!("4 KiB {op} c={c} client CPU µs/req ↓"), w, c, cpu);
                    }
                    push(format!("4 KiB c={c} peak MiB ↓"), w, c, PEAK_MIB);
                }
            }
            Workload::Upload | Workload::Download => {
                let what = if w == Workload::Upload {
                    "upload"
                } else {
                    "download"
                };
                push(
                    format!("{large} single-stream {what} MB/s ↑"),
                    w,
                    1,
                    "mb_per_s",
                );
                push(
                    format!("{large} single-stream {what} peak MiB ↓"),
                    w,
                    1,
                    PEAK_MIB,
                );
            }
            Workload::MultipartUpload | Workload::MultipartDownload => {
                let what = if w == Workload::MultipartUpload {
                    "multipart upload"
                } else {
                    "ranged parallel download"
                };
                push(format!("{large} {what} MB/s ↑"), w, 1, "mb_per_s");
                push(format!("{large} {what} peak MiB ↓"), w, 1, PEAK_MIB);
            }
            Workload::List => {
                push(
                    "list keys/s (pages of 1000) ↑".to_string(),
                    w,
                    1,
                    "keys_per_s",
                );
                push(
                    "list ms per full listing ↓".to_string(),
                    w,
                    1,
                    "ms_per_listing",
                );
                push("list peak MiB ↓".to_string(), w, 1, PEAK_MIB);
            }
            Workload::EncryptedUpload | Workload::EncryptedDownload => {
                let what = if w == Workload::EncryptedUpload {
                    "encrypted upload"
                } else {
                    "encrypted download"
                };
                push(
                    format!("{large} single-stream {what} MB/s ↑"),
                    w,
                    1,
                    "mb_per_s",
                );
                push(
                    format!("{large} single-stream {what} peak MiB ↓"),
                    w,
                    1,
                    PEAK_MIB,
                );
            }
            Workload::Cipher => {
                push(
                    format!("AES-256-CTR of {large} in memory GB/s ↑"),
                    w,
                    1,
                    "gb_per_s",
                );
                push("AES-NI present (1 = yes)".to_string(), w, 1, "aes_ni");
            }
            Workload::Crc => {
                push(
                    format!("CRC-64 of {large} in memory GB/s ↑"),
                    w,
                    1,
                    "gb_per_s",
                );
                push("CRC-64 peak MiB ↓".to_string(), w, 1, PEAK_MIB);
            }
        }
    }
    rows
}

/// A figure with 3–4 significant digits.
pub fn fmt_value(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// Renders one server's table.
pub fn table(
    results: &Results<'_>,
    server: &'static str,
    workloads: &[Workload],
    concurrency: &[usize],
    large: &str,
) -> String {
    let ours = ClientKind::Async;
    let mut lines: Vec<Vec<String>> = Vec::new();
    let mut header = vec![format!("[{server} server]")];
    header.extend(results.clients.iter().map(|c| c.name().to_string()));
    lines.push(header);
    for row in rows(workloads, concurrency, large) {
        let base = results.get(server, row.workload, row.concurrency, ours, row.metric);
        let mut cells = vec![row.label.clone()];
        let mut any = false;
        for &client in results.clients {
            let cell = match results.find(server, row.workload, row.concurrency, client) {
                None => "–".to_string(),
                Some(Record {
                    outcome: Err(_), ..
                }) => "error".to_string(),
                Some(_) => {
                    match results.get(server, row.workload, row.concurrency, client, row.metric) {
                        None => "–".to_string(),
                        Some(v) => {
                            any = true;
                            match base {
                                Some(b) if client != ours && b > 0.0 => {
                                    format!("{} ({:.2}×)", fmt_value(v), v / b)
                                }
                                _ => fmt_value(v),
                            }
                        }
                    }
                }
            };
            cells.push(cell);
        }
        if any {
            lines.push(cells);
        }
    }
    render(&lines)
}

fn render(lines: &[Vec<String>]) -> String {
    let cols = lines.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..cols)
        .map(|i| {
            lines
                .iter()
                .filter_map(|l| l.get(i))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for (n, line) in lines.iter().enumerate() {
        let cells: Vec<String> = line
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let pad = widths[i].saturating_sub(s.chars().count());
                if i == 0 {
                    format!("{s}{}", " ".repeat(pad))
                } else {
                    format!("{}{s}", " ".repeat(pad))
                }
            })
            .collect();
        let _ = writeln!(out, "| {} |", cells.join(" | "));
        if n == 0 {
            let rule: Vec<String> = widths
                .iter()
                .enumerate()
                .map(|(i, w)| {
                    if i == 0 {
                        "-".repeat(*w)
                    } else {
                        format!("{}:", "-".repeat(w.saturating_sub(1)))
                    }
                })
                .collect();
            let _ = writeln!(out, "| {} |", rule.join(" | "));
        }
    }
    out
}

/// Renders the physical limits.
pub fn limits_table(l: &Limits) -> String {
    render(&[
        vec![
            "physical limit (same run)".to_string(),
            "figure".to_string(),
        ],
        vec![
            "loopback TCP socket copy, two processes".to_string(),
            format!("{} MB/s", fmt_value(l.loopback_mb_s)),
        ],
        vec![
            "disk write, 8 MiB blocks + fsync".to_string(),
            format!("{} MB/s", fmt_value(l.disk_fsync_mb_s)),
        ],
        vec![
            "memory copy (256 MiB buffers)".to_string(),
            format!("{} GB/s", fmt_value(l.memcpy_gb_s)),
        ],
        vec![
            "URL + sign V4 + parse, one small request".to_string(),
            format!("{} µs", fmt_value(l.small_request_v4_us)),
        ],
        vec![
            "URL + sign V1 + parse, one small request".to_string(),
            format!("{} µs", fmt_value(l.small_request_v1_us)),
        ],
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn record(client: ClientKind, ops: f64) -> Record {
        Record {
            server: "memory",
            workload: "small",
            concurrency: 1,
            client: client.name(),
            outcome: Ok(Measurement {
                client: client.name().to_string(),
                workload: "small".to_string(),
                metrics: BTreeMap::from([("put_ops".to_string(), ops)]),
                peak_rss_bytes: 8 << 20,
            }),
        }
    }

    #[test]
    fn table_shows_ratios_to_the_async_sdk() {
        let records = vec![
            record(ClientKind::Async, 1000.0),
            record(ClientKind::Oss2, 250.0),
            Record {
                outcome: Err("boom".to_string()),
                ..record(ClientKind::Opendal, 0.0)
            },
        ];
        let clients = [ClientKind::Async, ClientKind::Opendal, ClientKind::Oss2];
        let results = Results {
            records: &records,
            clients: &clients,
        };
        let t = table(&results, "memory", &[Workload::Small], &[1], "1 GiB");
        let put = t.lines().find(|l| l.contains("PUT c=1 ops/s")).unwrap();
        assert!(put.contains("1000"), "{t}");
        assert!(put.contains("250 (0.25×)"), "{t}");
        assert!(put.contains("error"), "{t}");
        let peak = t.lines().find(|l| l.contains("peak MiB")).unwrap();
        assert!(peak.contains("8.00"), "{t}");
        // Rows nobody measured are left out.
        assert!(!t.contains("p50"), "{t}");
    }

    #[test]
    fn values_keep_three_significant_digits() {
        assert_eq!(fmt_value(1234.56), "1235");
        assert_eq!(fmt_value(12.345), "12.3");
        assert_eq!(fmt_value(1.2345), "1.23");
    }
}
