//! Command-line interface of `oss-bench`.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Access key accepted by the benchmark server and used by every client.
pub const ACCESS_KEY_ID: &str = "bench-access-key-id";
/// Secret of [`ACCESS_KEY_ID`].
pub const ACCESS_KEY_SECRET: &str = "bench-access-key-secret";
/// Bucket every workload runs in.
pub const BUCKET: &str = "oss-bench";

/// Benchmarks the SDK against its peers on the local OSS server.
#[derive(Debug, Parser)]
#[command(name = "oss-bench", version)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Runs every client and workload and prints the comparison table.
    Run(RunArgs),
    /// Runs the local OSS server until standard input closes (used by `run`).
    Serve(ServeArgs),
    /// Runs one workload with one Rust client and prints one JSON line (used by `run`).
    Client(ClientArgs),
    /// Sends bytes over one TCP connection (the loopback limit; used by `run`).
    #[command(hide = true)]
    LoopbackSend(LoopbackSendArgs),
}

/// A server store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ServerMode {
    /// Data on the local disk (redb metadata, fsynced blob files).
    Disk,
    /// Everything in memory: takes the disk out.
    Memory,
}

impl ServerMode {
    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            ServerMode::Disk => "disk",
            ServerMode::Memory => "memory",
        }
    }
}

/// A client under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ClientKind {
    /// This SDK, async API.
    Async,
    /// This SDK, blocking facade.
    Blocking,
    /// OpenDAL's OSS service.
    Opendal,
    /// The Python SDK oss2.
    Oss2,
}

impl ClientKind {
    /// Name used in results and tables.
    pub fn name(self) -> &'static str {
        match self {
            ClientKind::Async => "sdk-async",
            ClientKind::Blocking => "sdk-blocking",
            ClientKind::Opendal => "opendal",
            ClientKind::Oss2 => "oss2",
        }
    }
}

/// A workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, ValueEnum)]
pub enum Workload {
    /// 4 KiB PUTs then GETs of the same keys, with keep-alive.
    Small,
    /// One object of `--large-size` in a single PUT.
    Upload,
    /// One object of `--large-size` in a single GET.
    Download,
    /// A file of `--large-size` as a parallel multipart upload.
    MultipartUpload,
    /// An object of `--large-size` with parallel ranged GETs into a file.
    MultipartDownload,
    /// Listing `--list-keys` keys in pages of 1000.
    List,
    /// CRC-64 of `--large-size` bytes in memory.
    Crc,
    /// One object of `--large-size` in a single PUT through a `CryptoBucket` (encrypted
    /// as it is sent).
    EncryptedUpload,
    /// One encrypted object of `--large-size` in a single GET through a `CryptoBucket`
    /// (decrypted as it is read).
    EncryptedDownload,
    /// AES-256-CTR (the data cipher of client-side encryption) of `--large-size` bytes in
    /// memory.
    Cipher,
}

impl Workload {
    /// The name shared with the Python script.
    pub fn name(self) -> &'static str {
        match self {
            Workload::Small => "small",
            Workload::Upload => "upload",
            Workload::Download => "download",
            Workload::MultipartUpload => "multipart-upload",
            Workload::MultipartDownload => "multipart-download",
            Workload::List => "list",
            Workload::Crc => "crc",
            Workload::EncryptedUpload => "encrypted-upload",
            Workload::EncryptedDownload => "encrypted-download",
            Workload::Cipher => "cipher",
        }
    }

    /// Whether only this SDK runs it (client-side encryption: OpenDAL has none, and oss2's
    /// is measured by no script yet).
    pub fn sdk_only(self) -> bool {
        matches!(
            self,
            Workload::EncryptedUpload | Workload::EncryptedDownload | Workload::Cipher
        )
    }
}

/// Options of `oss-bench run`.
#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    /// Size of the large objects and of the CRC-64 buffer (bytes; K, M, G suffixes are
    /// powers of 1024).
    #[arg(long, default_value = "1G", value_parser = parse_size)]
    pub large_size: u64,
    /// Requests per phase of the small-object workload (PUT, then GET) for the Rust
    /// clients: at tens of thousands of requests per second, fewer would make phases of a
    /// few tens of milliseconds, at the mercy of the scheduler.
    #[arg(long, default_value_t = 10_000)]
    pub small_count: usize,
    /// Requests per phase of the small-object workload for oss2 (about 1000 per second, so
    /// its phases last seconds with fewer).
    #[arg(long, default_value_t = 2000)]
    pub oss2_small_count: usize,
    /// Keys listed by the listing workload.
    #[arg(long, default_value_t = 10_000)]
    pub list_keys: usize,
    /// Full listings per client (the figure is their mean).
    #[arg(long, default_value_t = 3)]
    pub list_repeat: usize,
    /// Rounds of the small-object and transfer workloads (uploads and downloads, single-stream,
    /// multipart, ranged and encrypted): every client runs once per round, clients taking
    /// turns, and each figure is the median of the rounds (peak memory: the highest). The
    /// loopback limit is also the median of this many runs.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..))]
    pub rounds: u32,
    /// Server stores to run against.
    #[arg(long, value_delimiter = ',', default_values = ["disk", "memory"])]
    pub servers: Vec<ServerMode>,
    /// Clients to measure.
    #[arg(long, value_delimiter = ',', default_values = ["async", "blocking", "opendal", "oss2"])]
    pub clients: Vec<ClientKind>,
    /// Workloads to run.
    #[arg(long, value_delimiter = ',', default_values = [
        "small", "upload", "download", "multipart-upload", "multipart-download", "list", "crc",
        "encrypted-upload", "encrypted-download", "cipher"
    ])]
    pub workloads: Vec<Workload>,
    /// Concurrency levels of the small-object workload.
    #[arg(long, value_delimiter = ',', default_values = ["1", "16"])]
    pub concurrency: Vec<usize>,
    /// Directory of the disk server's data and of the disk-speed probe (on the disk measured).
    #[arg(long, default_value = "target/oss-bench/data")]
    pub data_dir: PathBuf,
    /// Directory of the multipart source file and download targets (tmpfs keeps the disk out).
    #[arg(long, default_value = "/dev/shm/oss-bench")]
    pub scratch_dir: PathBuf,
    /// Python interpreter that has oss2 2.19.1 (the venv `scripts/test.sh` creates).
    #[arg(long, default_value = "target/oss2-venv/bin/python")]
    pub python: PathBuf,
    /// The oss2 benchmark script.
    #[arg(long, default_value = "crates/osskit-bench/python/oss2_bench.py")]
    pub oss2_script: PathBuf,
    /// Bytes sent by the loopback socket-copy probe.
    #[arg(long, default_value = "4G", value_parser = parse_size)]
    pub loopback_size: u64,
    /// Bytes written (in 8 MiB blocks, then fsync) by the disk probe.
    #[arg(long, default_value = "1G", value_parser = parse_size)]
    pub disk_size: u64,
    /// Where to write every measurement as JSON.
    #[arg(long, default_value = "target/oss-bench/results.json")]
    pub json_out: PathBuf,
    /// The tokio runtime of the async clients (this SDK's and OpenDAL's alike).
    #[arg(long, value_enum, default_value_t = AsyncRuntime::Auto)]
    pub runtime: AsyncRuntime,
    /// Turn this SDK's CRC-64 checks off (OpenDAL checks nothing; oss2 keeps its default),
    /// to measure what the checks cost.
    #[arg(long)]
    pub no_crc: bool,
}

/// The tokio runtime an async client runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AsyncRuntime {
    /// A current-thread runtime for one stream (single-stream and encrypted transfers), the
    /// multi-thread one for requests in flight in parallel.
    Auto,
    /// `#[tokio::main]`'s default: a multi-thread runtime, one worker per core.
    MultiThread,
    /// `#[tokio::main(flavor = "current_thread")]`.
    CurrentThread,
}

impl AsyncRuntime {
    /// The value of `--runtime`.
    pub fn name(self) -> &'static str {
        match self {
            AsyncRuntime::Auto => "auto",
            AsyncRuntime::MultiThread => "multi-thread",
            AsyncRuntime::CurrentThread => "current-thread",
        }
    }
}

/// Options of `oss-bench serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
    /// Keep everything in memory.
    #[arg(long, conflicts_with = "data_dir")]
    pub memory: bool,
    /// Directory of the persistent store.
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
}

/// Options of `oss-bench client`.
#[derive(Debug, Clone, Args)]
pub struct ClientArgs {
    /// Which Rust client.
    #[arg(long, value_enum)]
    pub sdk: RustClient,
    /// Which workload.
    #[arg(long, value_enum)]
    pub workload: Workload,
    /// Server endpoint, `http://127.0.0.1:PORT`.
    #[arg(long)]
    pub endpoint: String,
    /// Bucket.
    #[arg(long, default_value = BUCKET)]
    pub bucket: String,
    /// Object size of the large workloads, buffer size of the CRC workload.
    #[arg(long, default_value = "1G", value_parser = parse_size)]
    pub size: u64,
    /// Requests per phase of the small workload.
    #[arg(long, default_value_t = 2000)]
    pub count: usize,
    /// Requests in flight in the small workload.
    #[arg(long, default_value_t = 1)]
    pub concurrency: usize,
    /// Object read by the download workloads.
    #[arg(long, default_value = "fixture/large")]
    pub key: String,
    /// Source file of the multipart upload.
    #[arg(long)]
    pub source: Option<PathBuf>,
    /// Directory for download targets.
    #[arg(long, default_value = "/tmp")]
    pub scratch: PathBuf,
    /// Keys expected by the listing workload (under `list/`).
    #[arg(long, default_value_t = 10_000)]
    pub list_keys: usize,
    /// Full listings.
    #[arg(long, default_value_t = 3)]
    pub repeat: usize,
    /// The tokio runtime of the async clients.
    #[arg(long, value_enum, default_value_t = AsyncRuntime::Auto)]
    pub runtime: AsyncRuntime,
    /// Turn this SDK's CRC-64 checks off.
    #[arg(long)]
    pub no_crc: bool,
}

/// The Rust clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RustClient {
    /// This SDK, async API.
    Async,
    /// This SDK, blocking facade.
    Blocking,
    /// OpenDAL's OSS service.
    Opendal,
}

/// Options of the loopback sender.
#[derive(Debug, Clone, Args)]
pub struct LoopbackSendArgs {
    /// Address of the receiver.
    #[arg(long)]
    pub addr: SocketAddr,
    /// Bytes to send.
    #[arg(long, value_parser = parse_size)]
    pub bytes: u64,
}

/// Parses `1073741824`, `64K`, `8M`, `1G` (powers of 1024; `KiB`/`MiB`/`GiB` also accepted).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let upper = t.to_ascii_uppercase();
    let (digits, unit) = match upper.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => (&upper[..i], upper[i..].trim()),
        None => (upper.as_str(), ""),
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("invalid size {s:?}: expected a number with an optional K, M or G"))?;
    let mult: u64 = match unit {
        "" | "B" => 1,
        "K" | "KB" | "KIB" => 1 << 10,
        "M" | "MB" | "MIB" => 1 << 20,
        "G" | "GB" | "GIB" => 1 << 30,
        _ => return Err(format!("invalid size unit in {s:?}: use K, M or G")),
    };
    n.checked_mul(mult)
        .ok_or_else(|| format!("size {s:?} is too large"))
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes_parse_with_binary_units() {
        assert_eq!(parse_size("4096"), Ok(4096));
        assert_eq!(parse_size("64K"), Ok(64 << 10));
        assert_eq!(parse_size("8MiB"), Ok(8 << 20));
        assert_eq!(parse_size("1g"), Ok(1 << 30));
        assert!(parse_size("1T").unwrap_err().contains("unit"));
        assert!(parse_size("x").unwrap_err().contains("invalid size"));
    }
}
