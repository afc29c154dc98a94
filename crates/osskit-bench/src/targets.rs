//! The performance targets, checked against the figures of the same run.

use crate::cli::{ClientKind, Workload};
use crate::report::{fmt_value, Limits, Results, PEAK_MIB};

/// One target and how the run did.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// What is asked.
    pub target: String,
    /// What was measured.
    pub measured: String,
    /// `Some(true)` met, `Some(false)` missed, `None` not measured in this run (or a tie).
    pub met: Option<bool>,
    /// Missed by the medians, but within the spread of the rounds: the run cannot tell the
    /// two figures apart.
    pub tie: bool,
}

impl Verdict {
    fn new(target: String, measured: Option<(String, bool)>) -> Verdict {
        match measured {
            Some((measured, met)) => Verdict {
                target,
                measured,
                met: Some(met),
                tie: false,
            },
            None => Verdict {
                target,
                measured: "not measured".to_string(),
                met: None,
                tie: false,
            },
        }
    }
}

/// Streaming transfers of a large object must stay under this peak, MiB.
pub const STREAMING_PEAK_MIB: f64 = 64.0;
/// Multipart: parallelism × part size + 32 MiB.
pub const MULTIPART_PEAK_MIB: f64 = 4.0 * 8.0 + 32.0;

/// Every target, in the order of the issue.
pub fn check(r: &Results<'_>, limits: &Limits, servers: &[&'static str]) -> Vec<Verdict> {
    let ours = [ClientKind::Async, ClientKind::Blocking];
    // Small objects and downloads are judged on the in-memory server when there is one.
    let quiet = if servers.contains(&"memory") {
        "memory"
    } else {
        servers.first().copied().unwrap_or("disk")
    };
    let first = servers.first().copied().unwrap_or("disk");
    let mut out = Vec::new();

    let crc = r.get(first, Workload::Crc, 1, ClientKind::Async, "gb_per_s");
    let crc_oss2 = r.get(first, Workload::Crc, 1, ClientKind::Oss2, "gb_per_s");
    out.push(Verdict::new(
        "CRC-64 ≥ 20 GB/s".to_string(),
        crc.map(|v| (format!("{} GB/s", fmt_value(v)), v >= 20.0)),
    ));
    out.push(Verdict::new(
        "CRC-64 ≥ 40× oss2".to_string(),
        crc.zip(crc_oss2)
            .map(|(a, b)| (format!("{}×", fmt_value(a / b)), a >= 40.0 * b)),
    ));
    for client in ours {
        let dl = r.get(quiet, Workload::Download, 1, client, "mb_per_s");
        out.push(Verdict::new(
            format!(
                "{} single-stream download ≥ 60% of loopback ({quiet} server)",
                client.name()
            ),
            dl.filter(|_| limits.loopback_mb_s > 0.0).map(|v| {
                let share = v / limits.loopback_mb_s;
                (format!("{:.0}%", share * 100.0), share >= 0.6)
            }),
        ));
    }
    for client in ours {
        let up = r.get("disk", Workload::Upload, 1, client, "mb_per_s");
        out.push(Verdict::new(
            format!(
                "{} upload to the disk server ≥ 80% of fsync write speed",
                client.name()
            ),
            up.filter(|_| limits.disk_fsync_mb_s > 0.0).map(|v| {
                let share = v / limits.disk_fsync_mb_s;
                (format!("{:.0}%", share * 100.0), share >= 0.8)
            }),
        ));
    }
    let concurrencies: Vec<usize> = {
        let mut c: Vec<usize> = r
            .records
            .iter()
            .filter(|x| x.workload == Workload::Small.name())
            .map(|x| x.concurrency)
            .collect();
        c.sort_unstable();
        c.dedup();
        c
    };
    for client in ours {
        for &c in &concurrencies {
            for op in ["put", "get"] {
                let metric = format!("{op}_ops");
                let mine = r.get(quiet, Workload::Small, c, client, &metric);
                let oss2 = r.get(quiet, Workload::Small, c, ClientKind::Oss2, &metric);
                let dal = r.get(quiet, Workload::Small, c, ClientKind::Opendal, &metric);
                out.push(Verdict::new(
                    format!("{} 4 KiB {op} c={c} ≥ 5× oss2 ops/s", client.name()),
                    mine.zip(oss2)
                        .map(|(a, b)| (format!("{}×", fmt_value(a / b)), a >= 5.0 * b)),
                ));
                let mut v = Verdict::new(
                    format!("{} 4 KiB {op} c={c} ≥ OpenDAL ops/s", client.name()),
                    mine.zip(dal)
                        .map(|(a, b)| (format!("{}×", fmt_value(a / b)), a >= b)),
                );
                // Behind by the medians but not in every round: say so rather than missed.
                let spread = |who: ClientKind| {
                    let end =
                        |e: &str| r.get(quiet, Workload::Small, c, who, &format!("{metric}_{e}"));
                    end("min").zip(end("max"))
                };
                if let (Some(false), Some((lo, hi)), Some((dal_lo, dal_hi))) =
                    (v.met, spread(client), spread(ClientKind::Opendal))
                {
                    if hi >= dal_lo {
                        v.met = None;
                        v.tie = true;
                        v.measured = format!(
                            "{} (rounds {}–{} vs {}–{})",
                            v.measured,
                            fmt_value(lo),
                            fmt_value(hi),
                            fmt_value(dal_lo),
                            fmt_value(dal_hi),
                        );
                    }
                }
                out.push(v);
            }
        }
    }
    // Client-side encryption: encrypted single-stream transfers within 80% of the plain ones
    // on the same server.
    for server in servers {
        for client in ours {
            for (enc, plain, what) in [
                (Workload::EncryptedUpload, Workload::Upload, "upload"),
                (Workload::EncryptedDownload, Workload::Download, "download"),
            ] {
                let e = r.get(server, enc, 1, client, "mb_per_s");
                let p = r.get(server, plain, 1, client, "mb_per_s");
                out.push(Verdict::new(
                    format!(
                        "{} encrypted {what} ≥ 80% of plain ({server} server)",
                        client.name()
                    ),
                    e.zip(p).map(|(e, p)| {
                        let share = e / p;
                        (format!("{:.0}%", share * 100.0), share >= 0.8)
                    }),
                ));
            }
        }
    }
    out.push(Verdict::new(
        "sign + build + parse < 20 µs per small request (V4)".to_string(),
        (limits.small_request_v4_us > 0.0).then(|| {
            (
                format!("{} µs", fmt_value(limits.small_request_v4_us)),
                limits.small_request_v4_us < 20.0,
            )
        }),
    ));
    for client in ours {
        for (w, limit, what) in [
            (Workload::Upload, STREAMING_PEAK_MIB, "streaming upload"),
            (Workload::Download, STREAMING_PEAK_MIB, "streaming download"),
            (
                Workload::EncryptedUpload,
                STREAMING_PEAK_MIB,
                "encrypted streaming upload",
            ),
            (
                Workload::EncryptedDownload,
                STREAMING_PEAK_MIB,
                "encrypted streaming download",
            ),
            (
                Workload::MultipartUpload,
                MULTIPART_PEAK_MIB,
                "multipart upload",
            ),
            (
                Workload::MultipartDownload,
                MULTIPART_PEAK_MIB,
                "ranged download",
            ),
        ] {
            let peaks: Vec<f64> = servers
                .iter()
                .filter_map(|s| r.get(s, w, 1, client, PEAK_MIB))
                .collect();
            let worst = peaks
                .iter()
                .copied()
                .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))));
            out.push(Verdict::new(
                format!("{} {what} peak memory < {limit:.0} MiB", client.name()),
                worst.map(|v| (format!("{} MiB", fmt_value(v)), v < limit)),
            ));
        }
    }
    out
}

/// Renders the verdicts as a table.
pub fn render(verdicts: &[Verdict]) -> String {
    let mut out = String::from("| target | measured | verdict |\n| --- | ---: | --- |\n");
    for v in verdicts {
        let verdict = match v.met {
            Some(true) => "met",
            Some(false) => "MISSED",
            None if v.tie => "tie (within the rounds' spread)",
            None => "–",
        };
        out.push_str(&format!(
            "| {} | {} | {} |\n",
            v.target, v.measured, verdict
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measure::Measurement;
    use crate::report::Record;
    use std::collections::BTreeMap;

    fn rec(server: &'static str, w: Workload, client: ClientKind, k: &str, v: f64) -> Record {
        Record {
            server,
            workload: w.name(),
            concurrency: 1,
            client: client.name(),
            outcome: Ok(Measurement {
                client: client.name().to_string(),
                workload: w.name().to_string(),
                metrics: BTreeMap::from([(k.to_string(), v)]),
                peak_rss_bytes: 100 << 20,
            }),
        }
    }

    #[test]
    fn targets_compare_against_peers_and_limits() {
        let records = vec![
            rec("disk", Workload::Crc, ClientKind::Async, "gb_per_s", 25.0),
            rec("disk", Workload::Crc, ClientKind::Oss2, "gb_per_s", 0.5),
            rec(
                "memory",
                Workload::Download,
                ClientKind::Async,
                "mb_per_s",
                500.0,
            ),
            rec(
                "memory",
                Workload::Small,
                ClientKind::Async,
                "put_ops",
                1000.0,
            ),
            rec(
                "memory",
                Workload::Small,
                ClientKind::Oss2,
                "put_ops",
                300.0,
            ),
        ];
        let clients = [ClientKind::Async, ClientKind::Oss2];
        let results = Results {
            records: &records,
            clients: &clients,
        };
        let limits = Limits {
            loopback_mb_s: 1000.0,
            small_request_v4_us: 5.0,
            ..Limits::default()
        };
        let v = check(&results, &limits, &["disk", "memory"]);
        let find = |t: &str| v.iter().find(|x| x.target == t).unwrap().clone();
        assert_eq!(find("CRC-64 ≥ 20 GB/s").met, Some(true));
        assert_eq!(find("CRC-64 ≥ 40× oss2").met, Some(true));
        let dl = find("sdk-async single-stream download ≥ 60% of loopback (memory server)");
        assert_eq!((dl.measured.as_str(), dl.met), ("50%", Some(false)));
        assert_eq!(
            find("sdk-async 4 KiB put c=1 ≥ 5× oss2 ops/s").met,
            Some(false)
        );
        assert_eq!(find("sdk-async 4 KiB put c=1 ≥ OpenDAL ops/s").met, None);
        assert_eq!(
            find("sign + build + parse < 20 µs per small request (V4)").met,
            Some(true)
        );
        assert_eq!(
            find("sdk-async streaming download peak memory < 64 MiB").met,
            Some(false)
        );
        assert!(render(&v).contains("| MISSED |"));
    }

    fn small(client: ClientKind, med: f64, lo: f64, hi: f64) -> Record {
        Record {
            server: "memory",
            workload: Workload::Small.name(),
            concurrency: 16,
            client: client.name(),
            outcome: Ok(Measurement {
                client: client.name().to_string(),
                workload: Workload::Small.name().to_string(),
                metrics: BTreeMap::from([
                    ("get_ops".to_string(), med),
                    ("get_ops_min".to_string(), lo),
                    ("get_ops_max".to_string(), hi),
                ]),
                peak_rss_bytes: 1 << 20,
            }),
        }
    }

    #[test]
    fn behind_by_the_medians_but_within_the_rounds_is_a_tie() {
        let verdict = |ours: Record, dal: Record| {
            let records = vec![ours, dal];
            let clients = [ClientKind::Async, ClientKind::Opendal];
            let results = Results {
                records: &records,
                clients: &clients,
            };
            let v = check(&results, &Limits::default(), &["memory"]);
            v.into_iter()
                .find(|x| x.target == "sdk-async 4 KiB get c=16 ≥ OpenDAL ops/s")
                .unwrap()
        };
        let met = verdict(
            small(ClientKind::Async, 110.0, 100.0, 120.0),
            small(ClientKind::Opendal, 100.0, 90.0, 130.0),
        );
        assert_eq!((met.met, met.tie), (Some(true), false));
        let tie = verdict(
            small(ClientKind::Async, 95.0, 80.0, 105.0),
            small(ClientKind::Opendal, 100.0, 98.0, 103.0),
        );
        assert_eq!((tie.met, tie.tie), (None, true));
        let table = render(std::slice::from_ref(&tie));
        assert!(table.contains("tie"), "{table}");
        let missed = verdict(
            small(ClientKind::Async, 80.0, 75.0, 85.0),
            small(ClientKind::Opendal, 100.0, 90.0, 110.0),
        );
        assert_eq!((missed.met, missed.tie), (Some(false), false));
    }
}
