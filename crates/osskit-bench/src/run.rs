//! `oss-bench run`: limits, then a server per store, then one process per client and
//! workload; prints the tables and writes every figure as JSON.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};

use crate::cli::{ClientKind, RunArgs, ServerMode, Workload, BUCKET};
use crate::clients::{task_phase, LIST_PREFIX};
use crate::measure::Measurement;
use crate::pattern::PatternReader;
use crate::report::{Limits, Record, Results};
use crate::serve::READY_PREFIX;

/// The oss2 version the Python client must have.
pub const OSS2_VERSION: &str = "2.19.1";
/// The object the download workloads read.
const FIXTURE_KEY: &str = "fixture/large";

/// Runs the whole benchmark.
pub fn run(args: RunArgs) -> Result<(), String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find oss-bench itself: {e}"))?;
    std::fs::create_dir_all(&args.scratch_dir)
        .map_err(|e| format!("cannot create {}: {e}", args.scratch_dir.display()))?;

    eprintln!("== physical limits");
    let (small_request_v4_us, small_request_v1_us) = crate::limits::sign_build_parse()?;
    let limits = Limits {
        loopback_mb_s: {
            let mut runs = Vec::new();
            for _ in 0..args.rounds {
                runs.push(crate::limits::loopback(&exe, args.loopback_size)?);
            }
            median(&mut runs)
        },
        disk_fsync_mb_s: crate::limits::disk(&args.data_dir, args.disk_size)?,
        memcpy_gb_s: crate::limits::memcpy(),
        small_request_v4_us,
        small_request_v1_us,
    };
    eprintln!("{}", crate::report::limits_table(&limits));

    let mut clients = args.clients.clone();
    if clients.contains(&ClientKind::Oss2) {
        if let Err(e) = check_oss2(&args.python, &args.oss2_script) {
            eprintln!("oss2 is left out: {e}");
            clients.retain(|c| *c != ClientKind::Oss2);
        }
    }
    let source = args.scratch_dir.join("multipart-source.bin");
    if args.workloads.contains(&Workload::MultipartUpload) {
        write_source(&source, args.large_size)?;
    }

    let mut records = Vec::new();
    for (n, &mode) in args.servers.iter().enumerate() {
        eprintln!("== {} server", mode.name());
        let server = ServerProcess::start(&exe, mode, &args.data_dir)?;
        let outcome = bench_server(&args, &exe, &clients, mode, n == 0, &server, &source);
        server.stop();
        records.extend(outcome?);
    }
    let _ = std::fs::remove_file(&source);

    let servers: Vec<&'static str> = args.servers.iter().map(|s| s.name()).collect();
    let results = Results {
        records: &records,
        clients: &clients,
    };
    let large = human_size(args.large_size);
    let mut out = String::new();
    out.push_str("\nratio = client ÷ sdk-async (↑ higher is better, ↓ lower is better)\n\n");
    for (n, mode) in args.servers.iter().enumerate() {
        let workloads: Vec<Workload> = args
            .workloads
            .iter()
            .copied()
            .filter(|w| !matches!(w, Workload::Crc | Workload::Cipher) || n == 0)
            .collect();
        out.push_str(&crate::report::table(
            &results,
            mode.name(),
            &workloads,
            &args.concurrency,
            &large,
        ));
        out.push('\n');
    }
    out.push_str(&crate::report::limits_table(&limits));
    out.push('\n');
    let verdicts = crate::targets::check(&results, &limits, &servers);
    out.push_str(&crate::targets::render(&verdicts));
    let errors: Vec<&Record> = records.iter().filter(|r| r.outcome.is_err()).collect();
    if !errors.is_empty() {
        out.push_str("\nerrors:\n");
        for r in errors {
            if let Err(e) = &r.outcome {
                out.push_str(&format!(
                    "- {} {} c={} on the {} server: {e}\n",
                    r.client, r.workload, r.concurrency, r.server
                ));
            }
        }
    }
    println!("{out}");

    if let Some(dir) = args.json_out.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let json = serde_json::json!({
        "limits": limits,
        "records": records,
        "targets": verdicts.iter().map(|v| serde_json::json!({
            "target": v.target, "measured": v.measured, "met": v.met, "tie": v.tie,
        })).collect::<Vec<_>>(),
    });
    std::fs::write(&args.json_out, format!("{json:#}\n"))
        .map_err(|e| format!("cannot write {}: {e}", args.json_out.display()))?;
    eprintln!("results written to {}", args.json_out.display());
    Ok(())
}

fn bench_server(
    args: &RunArgs,
    exe: &Path,
    clients: &[ClientKind],
    mode: ServerMode,
    first: bool,
    server: &ServerProcess,
    source: &Path,
) -> Result<Vec<Record>, String> {
    prepare(&server.endpoint, args)?;
    let mut records = Vec::new();
    for &workload in &args.workloads {
        // CRC-64 and the cipher do not touch the server: measured once.
        if matches!(workload, Workload::Crc | Workload::Cipher) && !first {
            continue;
        }
        let levels = if workload == Workload::Small {
            args.concurrency.clone()
        } else {
            vec![1]
        };
        // The contested comparisons (small objects, every upload and download) run in
        // rounds, clients taking turns, so that a slow moment of the machine does not land
        // on one client only; each figure is the median of the rounds.
        let rounds = match workload {
            Workload::List | Workload::Crc | Workload::Cipher => 1,
            _ => args.rounds,
        };
        let mut runs: Vec<RoundRuns> = Vec::new();
        for round in 1..=rounds {
            for &client in clients {
                if workload == Workload::Crc
                    && matches!(client, ClientKind::Opendal | ClientKind::Blocking)
                {
                    continue; // OpenDAL has no CRC-64; the blocking facade runs the same function.
                }
                if workload.sdk_only()
                    && (matches!(client, ClientKind::Opendal | ClientKind::Oss2)
                        || (workload == Workload::Cipher && client == ClientKind::Blocking))
                {
                    continue;
                }
                for &concurrency in &levels {
                    let job = Job {
                        args,
                        exe,
                        endpoint: &server.endpoint,
                        workload,
                        concurrency,
                        source,
                    };
                    let of = if rounds > 1 {
                        format!(" (round {round}/{rounds})")
                    } else {
                        String::new()
                    };
                    eprint!(
                        "{} {} c={concurrency}{of} ... ",
                        client.name(),
                        workload.name()
                    );
                    let _ = std::io::stderr().flush();
                    let outcome = job.run(client);
                    match &outcome {
                        Ok(m) => eprintln!("{}", summary(m)),
                        Err(e) => eprintln!("failed: {e}"),
                    }
                    match runs
                        .iter_mut()
                        .find(|(k, c, _)| *k == client && *c == concurrency)
                    {
                        Some((_, _, outcomes)) => outcomes.push(outcome),
                        None => runs.push((client, concurrency, vec![outcome])),
                    }
                }
            }
        }
        for (client, concurrency, outcomes) in runs {
            records.push(Record {
                server: mode.name(),
                workload: workload.name(),
                concurrency,
                client: client.name(),
                outcome: merge_rounds(outcomes),
            });
        }
    }
    Ok(records)
}

/// A client's outcomes at one concurrency, one per round.
type RoundRuns = (ClientKind, usize, Vec<Result<Measurement, String>>);

/// The median of `values` (the mean of the two middle ones for an even count); 0 if empty.
fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => 0.0,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

/// One measurement from the rounds of a client: every figure is the median of the rounds,
/// the peak memory the highest. Any failed round fails the whole.
fn merge_rounds(outcomes: Vec<Result<Measurement, String>>) -> Result<Measurement, String> {
    let mut done = Vec::new();
    for outcome in outcomes {
        done.push(outcome?);
    }
    let mut merged = done.first().cloned().ok_or("no round ran")?;
    if done.len() == 1 {
        return Ok(merged);
    }
    let names: Vec<String> = merged.metrics.keys().cloned().collect();
    for name in names {
        let mut values: Vec<f64> = done
            .iter()
            .filter_map(|m| m.metrics.get(&name).copied())
            .collect();
        let m = median(&mut values);
        // `values` is sorted now: its ends are the spread of the rounds.
        let (lo, hi) = (values.first().copied(), values.last().copied());
        merged.metrics.insert(name.clone(), m);
        if let (Some(lo), Some(hi)) = (lo, hi) {
            merged.metrics.insert(format!("{name}_min"), lo);
            merged.metrics.insert(format!("{name}_max"), hi);
        }
    }
    merged.peak_rss_bytes = done.iter().map(|m| m.peak_rss_bytes).max().unwrap_or(0);
    Ok(merged)
}

fn summary(m: &Measurement) -> String {
    let figures: Vec<String> = m
        .metrics
        .iter()
        .map(|(k, v)| format!("{k}={}", crate::report::fmt_value(*v)))
        .collect();
    format!(
        "{} peak={} MiB",
        figures.join(" "),
        m.peak_rss_bytes / (1024 * 1024)
    )
}

/// One client process.
struct Job<'a> {
    args: &'a RunArgs,
    exe: &'a Path,
    endpoint: &'a str,
    workload: Workload,
    concurrency: usize,
    source: &'a Path,
}

impl Job<'_> {
    fn run(&self, client: ClientKind) -> Result<Measurement, String> {
        let mut cmd = match client {
            ClientKind::Oss2 => {
                let mut c = Command::new(&self.args.python);
                c.arg(&self.args.oss2_script);
                c
            }
            rust => {
                let mut c = Command::new(self.exe);
                let sdk = match rust {
                    ClientKind::Async => "async",
                    ClientKind::Blocking => "blocking",
                    _ => "opendal",
                };
                c.args(["client", "--sdk", sdk]);
                c
            }
        };
        cmd.args([
            "--workload",
            self.workload.name(),
            "--endpoint",
            self.endpoint,
        ])
        .args(["--bucket", BUCKET])
        .args(["--size", &self.args.large_size.to_string()])
        .args([
            "--count",
            &match client {
                ClientKind::Oss2 => self.args.oss2_small_count,
                _ => self.args.small_count,
            }
            .to_string(),
        ])
        .args(["--concurrency", &self.concurrency.to_string()])
        .args(["--key", FIXTURE_KEY])
        .arg("--source")
        .arg(self.source)
        .arg("--scratch")
        .arg(&self.args.scratch_dir)
        .args(["--list-keys", &self.args.list_keys.to_string()])
        .args(["--repeat", &self.args.list_repeat.to_string()]);
        if client != ClientKind::Oss2 {
            cmd.args(["--runtime", self.args.runtime.name()]);
            if self.args.no_crc {
                cmd.arg("--no-crc");
            }
        }
        if client == ClientKind::Oss2 {
            cmd.args(["--access-key-id", crate::cli::ACCESS_KEY_ID])
                .args(["--access-key-secret", crate::cli::ACCESS_KEY_SECRET]);
        }
        let output = cmd
            .stdin(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .map_err(|e| format!("cannot start the {} client: {e}", client.name()))?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let last = stderr.trim().lines().last().unwrap_or("").to_string();
            return Err(format!("{} ({last})", output.status));
        }
        let stdout = String::from_utf8_lossy(&output.stdout);
        let line = stdout
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .ok_or("the client printed no measurement")?;
        serde_json::from_str(line).map_err(|e| format!("unreadable measurement {line:?}: {e}"))
    }
}

/// A server in its own process (`oss-bench serve`).
struct ServerProcess {
    child: Child,
    stdin: Option<ChildStdin>,
    endpoint: String,
}

impl ServerProcess {
    fn start(exe: &Path, mode: ServerMode, data_dir: &Path) -> Result<ServerProcess, String> {
        let mut cmd = Command::new(exe);
        cmd.arg("serve");
        match mode {
            ServerMode::Memory => {
                cmd.arg("--memory");
            }
            ServerMode::Disk => {
                let store = data_dir.join("store");
                let _ = std::fs::remove_dir_all(&store);
                std::fs::create_dir_all(&store)
                    .map_err(|e| format!("cannot create {}: {e}", store.display()))?;
                cmd.arg("--data-dir").arg(store);
            }
        }
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .env("RUST_LOG", "warn")
            .spawn()
            .map_err(|e| format!("cannot start the server: {e}"))?;
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().ok_or("the server has no stdout")?;
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .map_err(|e| format!("cannot read the server's first line: {e}"))?;
        let endpoint = line
            .trim()
            .strip_prefix(READY_PREFIX)
            .ok_or_else(|| format!("the server did not start (it said {line:?})"))?
            .to_string();
        eprintln!("server at {endpoint}");
        Ok(ServerProcess {
            child,
            stdin,
            endpoint,
        })
    }

    fn stop(mut self) {
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
}

/// Creates the bucket, the download fixture and the keys to list.
fn prepare(endpoint: &str, args: &RunArgs) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the tokio runtime: {e}"))?;
    runtime.block_on(async {
        let bucket = crate::clients::sdk_client(endpoint, BUCKET)?;
        bucket
            .create_bucket()
            .await
            .map_err(|e| format!("cannot create the bucket {BUCKET}: {e}"))?;
        let wants = |w| args.workloads.contains(&w);
        if wants(Workload::Download) || wants(Workload::MultipartDownload) {
            eprintln!(
                "uploading the {} download fixture",
                human_size(args.large_size)
            );
            let size = args.large_size;
            bucket
                .put_object(
                    FIXTURE_KEY,
                    osskit::Body::from_reader(PatternReader::new(size), Some(size)),
                )
                .await
                .map_err(|e| format!("cannot upload {FIXTURE_KEY}: {e}"))?;
        }
        if wants(Workload::EncryptedDownload) || wants(Workload::EncryptedUpload) {
            // Also makes the key files the clients read.
            let provider = crate::clients::crypto_provider(&args.scratch_dir)?;
            if wants(Workload::EncryptedDownload) {
                eprintln!(
                    "uploading the {} encrypted download fixture",
                    human_size(args.large_size)
                );
                let size = args.large_size;
                osskit::CryptoBucket::new(bucket.clone(), provider)
                    .put_object(
                        crate::clients::ENCRYPTED_FIXTURE_KEY,
                        osskit::Body::from_reader(PatternReader::new(size), Some(size)),
                    )
                    .await
                    .map_err(|e| format!("cannot upload the encrypted fixture: {e}"))?;
            }
        }
        if wants(Workload::List) {
            eprintln!("creating {} keys to list", args.list_keys);
            let b = bucket.clone();
            task_phase(32, args.list_keys, move |i| {
                let bucket = b.clone();
                async move {
                    let key = format!("{LIST_PREFIX}{i:06}");
                    bucket
                        .put_object(&key, "x")
                        .await
                        .map_err(|e| format!("cannot create {key}: {e}"))?;
                    Ok(())
                }
            })
            .await?;
        }
        Ok(())
    })
}

/// Writes the multipart source file (`size` bytes of the pattern).
fn write_source(path: &PathBuf, size: u64) -> Result<(), String> {
    let block = crate::pattern::block();
    let mut file = std::io::BufWriter::new(
        std::fs::File::create(path)
            .map_err(|e| format!("cannot create {}: {e}", path.display()))?,
    );
    let mut left = size;
    while left > 0 {
        let n = left.min(block.len() as u64) as usize;
        file.write_all(&block[..n])
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        left -= n as u64;
    }
    file.flush()
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Checks that `python` has oss2 at [`OSS2_VERSION`] and that the script exists.
fn check_oss2(python: &Path, script: &Path) -> Result<(), String> {
    if !script.is_file() {
        return Err(format!("{} does not exist", script.display()));
    }
    let out = Command::new(python)
        .args(["-c", "import oss2; print(oss2.__version__)"])
        .output()
        .map_err(|e| {
            format!(
                "cannot run {}: {e} (scripts/bench.sh creates it)",
                python.display()
            )
        })?;
    let version = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if version != OSS2_VERSION {
        return Err(format!(
            "{} has oss2 {version:?}, expected {OSS2_VERSION}",
            python.display()
        ));
    }
    Ok(())
}

/// `1 GiB`, `64 MiB`, or bytes.
pub fn human_size(n: u64) -> String {
    if n >= 1 << 30 && n.is_multiple_of(1 << 30) {
        format!("{} GiB", n >> 30)
    } else if n >= 1 << 20 && n.is_multiple_of(1 << 20) {
        format!("{} MiB", n >> 20)
    } else {
        format!("{n} B")
    }
}

#[cfg(test)]
mod tests {
    use super::{human_size, median, merge_rounds};
    use crate::measure::Measurement;

    fn measured(ops: f64, peak: u64) -> Measurement {
        Measurement {
            client: "sdk-async".into(),
            workload: "small".into(),
            metrics: [("get_ops".to_string(), ops)].into_iter().collect(),
            peak_rss_bytes: peak,
        }
    }

    #[test]
    fn rounds_merge_to_medians_and_the_highest_peak() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&mut [4.0, 1.0, 2.0, 3.0]), 2.5);
        let m = merge_rounds(vec![
            Ok(measured(10.0, 5)),
            Ok(measured(30.0, 9)),
            Ok(measured(20.0, 7)),
        ])
        .unwrap();
        assert_eq!(m.metrics["get_ops"], 20.0);
        assert_eq!(m.metrics["get_ops_min"], 10.0);
        assert_eq!(m.metrics["get_ops_max"], 30.0);
        assert_eq!(m.peak_rss_bytes, 9);
        let failed = merge_rounds(vec![Ok(measured(1.0, 1)), Err("boom".into())]);
        assert_eq!(failed.unwrap_err(), "boom");
    }

    #[test]
    fn sizes_read_as_binary_units() {
        assert_eq!(human_size(1 << 30), "1 GiB");
        assert_eq!(human_size(64 << 20), "64 MiB");
        assert_eq!(human_size(1000), "1000 B");
    }
}
