//! `oss-bench client`: one Rust client runs one workload and prints one JSON
//! [`crate::measure::Measurement`] line on stdout.

mod opendal_client;
mod sdk_async;
mod sdk_transfer;
pub use sdk_async::client as sdk_client;
mod sdk_blocking;

use std::collections::BTreeMap;
use std::future::Future;
use std::time::{Duration, Instant};

use crate::cli::{AsyncRuntime, ClientArgs, RustClient, Workload};
use crate::measure::Measurement;

/// Errors of a client run, already worded for the person running the benchmark.
pub type BenchResult<T> = Result<T, String>;

/// Size of a small object.
pub const SMALL_SIZE: usize = 4096;
/// Page size of the listing workload.
pub const LIST_PAGE: usize = 1000;
/// Prefix of the listed keys.
pub const LIST_PREFIX: &str = "list/";
/// Part size of the multipart workloads (the SDK's default).
pub const PART_SIZE: u64 = 8 * 1024 * 1024;
/// Parts in flight in the multipart workloads (the SDK's default).
pub const PARALLELISM: usize = 4;

/// Runs the workload `args` names and prints its measurement.
pub fn run_client(args: ClientArgs) -> Result<(), String> {
    let measurement = match args.sdk {
        RustClient::Async => {
            runtime(args.workload, args.runtime)?.block_on(sdk_async::run(&args))?
        }
        RustClient::Blocking => sdk_blocking::run(&args)?,
        RustClient::Opendal => {
            runtime(args.workload, args.runtime)?.block_on(opendal_client::run(&args))?
        }
    };
    let line = serde_json::to_string(&measurement)
        .map_err(|e| format!("cannot encode the measurement: {e}"))?;
    println!("{line}");
    Ok(())
}

/// The runtime of an async client. One stream (a single PUT or GET) runs on a
/// current-thread runtime: with a multi-thread runtime, the workload's future runs on the
/// main thread (`block_on`) while the connection's task runs on a worker, so every body
/// chunk crosses threads twice (futex and eventfd wake-ups) and the extra threads compete
/// with the server for the cores. The workloads with requests in flight in parallel keep
/// the multi-thread runtime. OpenDAL and the SDK get the same runtime for each workload.
/// `--runtime multi-thread` or `current-thread` gives every workload that runtime instead.
fn runtime(workload: Workload, choice: AsyncRuntime) -> BenchResult<tokio::runtime::Runtime> {
    let one_stream = matches!(
        workload,
        Workload::Upload
            | Workload::Download
            | Workload::EncryptedUpload
            | Workload::EncryptedDownload
    );
    let mut builder = match choice {
        AsyncRuntime::CurrentThread => tokio::runtime::Builder::new_current_thread(),
        AsyncRuntime::Auto if one_stream => tokio::runtime::Builder::new_current_thread(),
        _ => tokio::runtime::Builder::new_multi_thread(),
    };
    builder
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the tokio runtime: {e}"))
}

/// The body of every small object.
pub fn small_body() -> bytes::Bytes {
    crate::pattern::block().slice(..SMALL_SIZE)
}

/// Key `i` of a small-object run.
pub fn small_key(client: &str, concurrency: usize, i: usize) -> String {
    format!("small/{client}/c{concurrency}/{i:06}")
}

/// What a phase of requests measured.
#[derive(Debug)]
pub struct Phase {
    /// Wall time of the whole phase.
    pub elapsed: Duration,
    /// Each request's latency.
    pub latencies: Vec<Duration>,
    /// CPU time (user + system, every thread) the process spent during the phase.
    pub cpu: Duration,
}

/// CPU time (user + system) of this process so far, threads that ended included.
pub fn process_cpu() -> Duration {
    cpu_time(nix::sys::resource::UsageWho::RUSAGE_SELF)
}

/// CPU time (user + system) `who` has used so far; zero if it cannot be read.
fn cpu_time(who: nix::sys::resource::UsageWho) -> Duration {
    let Ok(u) = nix::sys::resource::getrusage(who) else {
        return Duration::ZERO;
    };
    let of = |t: nix::sys::time::TimeVal| {
        Duration::from_secs(t.tv_sec().max(0) as u64)
            + Duration::from_micros(t.tv_usec().max(0) as u64)
    };
    of(u.user_time()) + of(u.system_time())
}

/// Runs `count` requests `op(i)`, `concurrency` at a time on tokio tasks (request `i` on
/// task `i % concurrency`). Returns the wall time, each request's latency and the CPU time.
pub async fn task_phase<F, Fut>(concurrency: usize, count: usize, op: F) -> BenchResult<Phase>
where
    F: Fn(usize) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = BenchResult<()>> + Send,
{
    let concurrency = concurrency.max(1);
    let cpu = process_cpu();
    let start = Instant::now();
    let mut tasks = Vec::with_capacity(concurrency);
    for worker in 0..concurrency {
        let op = op.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(count / concurrency + 1);
            for i in (worker..count).step_by(concurrency) {
                let t = Instant::now();
                op(i).await?;
                latencies.push(t.elapsed());
            }
            Ok::<_, String>(latencies)
        }));
    }
    let mut all = Vec::with_capacity(count);
    for task in tasks {
        let latencies = task
            .await
            .map_err(|e| format!("a request task failed: {e}"))??;
        all.extend(latencies);
    }
    Ok(Phase {
        elapsed: start.elapsed(),
        latencies: all,
        cpu: process_cpu().saturating_sub(cpu),
    })
}

/// Like [`task_phase`] on `concurrency` OS threads.
pub fn thread_phase<F>(concurrency: usize, count: usize, op: F) -> BenchResult<Phase>
where
    F: Fn(usize) -> BenchResult<()> + Sync,
{
    let concurrency = concurrency.max(1);
    let cpu = process_cpu();
    let start = Instant::now();
    let op = &op;
    let results: Vec<BenchResult<Vec<Duration>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..concurrency)
            .map(|worker| {
                scope.spawn(move || {
                    let mut latencies = Vec::with_capacity(count / concurrency + 1);
                    for i in (worker..count).step_by(concurrency) {
                        let t = Instant::now();
                        op(i)?;
                        latencies.push(t.elapsed());
                    }
                    Ok(latencies)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err("a request thread panicked".to_string()))
            })
            .collect()
    });
    let elapsed = start.elapsed();
    let cpu = process_cpu().saturating_sub(cpu);
    let mut all = Vec::with_capacity(count);
    for r in results {
        all.extend(r?);
    }
    Ok(Phase {
        elapsed,
        latencies: all,
        cpu,
    })
}

/// CRC-64 of `size` bytes in memory with this SDK: `gb_per_s` (10^9 bytes per second).
/// Key of the encrypted download fixture.
pub const ENCRYPTED_FIXTURE_KEY: &str = "fixture/encrypted";
/// Name of the key files (in `<scratch>/crypto-keys`) of the encrypted workloads.
pub const CRYPTO_KEY_NAME: &str = "bench";

/// The key provider of the encrypted workloads: a local RSA pair in the scratch directory,
/// made by the first caller (the run's preparation).
pub fn crypto_provider(scratch: &std::path::Path) -> BenchResult<osskit::crypto::LocalRsaProvider> {
    let dir = scratch.join("crypto-keys");
    osskit::crypto::LocalRsaProvider::new(&dir, CRYPTO_KEY_NAME)
        .map_err(|e| format!("cannot load the RSA keys in {}: {e}", dir.display()))
}

/// AES-256-CTR, as the SDK's client-side encryption runs it (RustCrypto `aes` + `ctr`, the
/// 128-bit big-endian counter), over `size` bytes in memory; reports whether the processor
/// has AES-NI (which `aes` uses when present).
pub fn cipher_metrics(size: u64) -> BenchResult<BTreeMap<String, f64>> {
    use aes::cipher::{KeyIvInit, StreamCipher};
    let size = usize::try_from(size).map_err(|_| format!("{size} bytes do not fit in memory"))?;
    let mut data = vec![7u8; size];
    let key = [1u8; 32];
    let iv = [2u8; 16];
    let mut secs = f64::MAX;
    for _ in 0..3 {
        let mut c = ctr::Ctr128BE::<aes::Aes256>::new(&key.into(), &iv.into());
        let start = Instant::now();
        // In 64 KiB chunks, as bodies are encrypted.
        for chunk in data.chunks_mut(64 * 1024) {
            c.apply_keystream(std::hint::black_box(chunk));
        }
        secs = secs.min(start.elapsed().as_secs_f64().max(1e-9));
        std::hint::black_box(&data);
    }
    #[cfg(target_arch = "x86_64")]
    let aes_ni = std::arch::is_x86_feature_detected!("aes");
    #[cfg(not(target_arch = "x86_64"))]
    let aes_ni = false;
    Ok(BTreeMap::from([
        ("gb_per_s".to_string(), size as f64 / secs / 1e9),
        ("seconds".to_string(), secs),
        ("aes_ni".to_string(), if aes_ni { 1.0 } else { 0.0 }),
    ]))
}

pub fn crc_metrics(size: u64) -> BenchResult<BTreeMap<String, f64>> {
    let size = usize::try_from(size).map_err(|_| format!("{size} bytes do not fit in memory"))?;
    let block = crate::pattern::block();
    let mut data = Vec::with_capacity(size);
    while data.len() < size {
        let n = (size - data.len()).min(block.len());
        data.extend_from_slice(&block[..n]);
    }
    // Best of three passes: one pass over 1 GiB is short enough for a neighbour's burst of
    // CPU to show.
    let mut secs = f64::MAX;
    for _ in 0..3 {
        let start = Instant::now();
        let crc = osskit::utils::crc64(std::hint::black_box(&data));
        secs = secs.min(start.elapsed().as_secs_f64().max(1e-9));
        std::hint::black_box(crc);
    }
    Ok(BTreeMap::from([
        ("gb_per_s".to_string(), size as f64 / secs / 1e9),
        ("seconds".to_string(), secs),
    ]))
}

/// `keys_per_s` and `ms_per_listing` for `repeat` listings of `keys` keys in `elapsed`.
pub fn list_metrics(keys: usize, repeat: usize, elapsed: Duration) -> BTreeMap<String, f64> {
    let secs = elapsed.as_secs_f64().max(1e-9);
    BTreeMap::from([
        ("keys_per_s".to_string(), (keys * repeat) as f64 / secs),
        (
            "ms_per_listing".to_string(),
            secs * 1e3 / repeat.max(1) as f64,
        ),
    ])
}

/// Fails unless a listing saw the expected number of keys.
pub fn check_listed(seen: usize, expected: usize) -> BenchResult<()> {
    if seen == expected {
        Ok(())
    } else {
        Err(format!(
            "the listing of {LIST_PREFIX} returned {seen} keys, expected {expected}"
        ))
    }
}

/// Fails unless `got` bytes were read of an object of `expected` bytes.
pub fn check_len(what: &str, got: u64, expected: u64) -> BenchResult<()> {
    if got == expected {
        Ok(())
    } else {
        Err(format!("{what}: read {got} bytes, expected {expected}"))
    }
}

/// A measurement of `workload` by `client` with the process's peak memory.
pub fn measurement(client: &str, args: &ClientArgs, metrics: BTreeMap<String, f64>) -> Measurement {
    Measurement::new(client, args.workload.name(), metrics)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn task_phase_runs_every_request_once() {
        let seen = std::sync::Arc::new(AtomicUsize::new(0));
        let s = seen.clone();
        let phase = task_phase(4, 10, move |i| {
            let s = s.clone();
            async move {
                s.fetch_add(i, Ordering::SeqCst);
                Ok(())
            }
        })
        .await
        .unwrap();
        assert_eq!(phase.latencies.len(), 10);
        assert_eq!(seen.load(Ordering::SeqCst), 45);
    }

    #[test]
    fn thread_phase_counts_the_cpu_of_its_threads() {
        let thread_cpu =
            || cpu_time(nix::sys::resource::UsageWho::RUSAGE_THREAD).as_micros() as u64;
        let spent = std::sync::atomic::AtomicU64::new(0);
        let phase = thread_phase(2, 4, |_| {
            let before = thread_cpu();
            let mut x = 0u64;
            for i in 0..20_000_000u64 {
                x = std::hint::black_box(x.wrapping_add(i));
            }
            spent.fetch_add(thread_cpu() - before, Ordering::SeqCst);
            Ok(())
        })
        .unwrap();
        assert_eq!(phase.latencies.len(), 4);
        // What the request threads measured on themselves (threads that ended before the
        // phase did) is part of what the phase counted for the process (give or take the
        // microsecond rounding of each reading).
        let spent = Duration::from_micros(spent.load(Ordering::SeqCst));
        assert!(spent > Duration::from_millis(1), "{spent:?}");
        assert!(
            phase.cpu + Duration::from_micros(50) >= spent,
            "{:?} < {spent:?}",
            phase.cpu
        );
    }

    #[test]
    fn thread_phase_reports_the_first_error() {
        let err = thread_phase(3, 9, |i| {
            if i == 5 {
                Err(format!("boom {i}"))
            } else {
                Ok(())
            }
        })
        .unwrap_err();
        assert_eq!(err, "boom 5");
    }

    #[test]
    fn crc_metrics_are_positive() {
        let m = crc_metrics(3 << 20).unwrap();
        assert!(m["gb_per_s"] > 0.0);
    }

    #[test]
    fn cipher_metrics_are_positive() {
        let m = cipher_metrics(1 << 20).unwrap();
        assert!(m["gb_per_s"] > 0.0);
        assert!(m.contains_key("aes_ni"));
    }
}
