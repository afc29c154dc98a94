//! The command line: global options (accepted anywhere on the line), subcommands and their
//! options.

use std::path::PathBuf;

use clap::{ArgMatches, Args, Parser, Subcommand, ValueEnum};

use crate::filter::{Rule, RuleKind};
use crate::format::{parse_duration_arg, parse_size};

/// A command-line tool for Alibaba Cloud OSS (and any server speaking its protocol).
#[derive(Debug, Parser)]
#[command(name = "oss", version, about, propagate_version = true)]
pub struct Cli {
    /// Options every command takes, anywhere on the line.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// How structured results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum OutputFormat {
    /// Lines for people (the default).
    #[default]
    #[value(alias = "raw")]
    Text,
    /// JSON.
    Json,
    /// YAML.
    Yaml,
    /// XML.
    Xml,
}

/// Options of every command, accepted before or after the subcommand. Connection settings
/// fall back to the environment, then to the profile of the configuration file.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// Configuration file [env: OSSUTIL_CONFIG_FILE] [default: ~/.ossutilconfig].
    #[arg(
        long,
        short = 'c',
        global = true,
        value_name = "PATH",
        alias = "config"
    )]
    pub config_file: Option<PathBuf>,
    /// Profile of the configuration file [env: OSSUTIL_PROFILE] [default: default].
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,
    /// Endpoint, e.g. `https://oss-cn-hangzhou.aliyuncs.com` or `http://127.0.0.1:9000`
    /// [env: OSS_ENDPOINT] (default: the public endpoint of the region).
    #[arg(long, short = 'e', global = true, value_name = "URL")]
    pub endpoint: Option<String>,
    /// Region, e.g. `cn-hangzhou` [env: OSS_REGION] (default: the endpoint's).
    #[arg(long, global = true, value_name = "REGION")]
    pub region: Option<String>,
    /// Access key id [env: OSS_ACCESS_KEY_ID] (prefer the environment or the profile:
    /// command lines end up in shell histories and process lists).
    #[arg(long, global = true, value_name = "ID")]
    pub access_key_id: Option<String>,
    /// Access key secret [env: OSS_ACCESS_KEY_SECRET].
    #[arg(long, global = true, value_name = "SECRET")]
    pub access_key_secret: Option<String>,
    /// STS security token [env: OSS_SESSION_TOKEN].
    #[arg(long, short = 't', global = true, value_name = "TOKEN")]
    pub sts_token: Option<String>,
    /// Credential mode: AK, StsToken, RamRoleArn, EcsRamRole, OidcRoleArn, Process,
    /// CredentialsUri, Environment, CliProfile, CredentialsFile, DefaultChain, Anonymous.
    #[arg(long, global = true, value_name = "MODE")]
    pub mode: Option<String>,
    /// Signature version: v4 (the default) or v1 (only for endpoints that still accept it).
    #[arg(long, global = true, value_name = "v1|v4", alias = "signature-version")]
    pub sign_version: Option<String>,
    /// How buckets are addressed: virtual (bucket.endpoint), path (endpoint/bucket) or cname
    /// (the endpoint is the bucket's own domain).
    #[arg(long, global = true, value_name = "virtual|path|cname")]
    pub addressing_style: Option<String>,
    /// Seconds allowed to connect (default 60).
    #[arg(long, global = true, value_name = "SECONDS")]
    pub connect_timeout: Option<u64>,
    /// Seconds allowed between two reads (default 60).
    #[arg(long, global = true, value_name = "SECONDS")]
    pub read_timeout: Option<u64>,
    /// Attempts of a failed request that can be retried (default 3).
    #[arg(long, global = true, value_name = "N")]
    pub retry_times: Option<u32>,
    /// HTTP proxy for every request (`http://[user:password@]host:port`); by default the
    /// proxy variables (`HTTPS_PROXY`, `NO_PROXY`, …) are honoured.
    #[arg(long, global = true, value_name = "URL")]
    pub proxy: Option<String>,
    /// Ignore the `OSS_*` environment variables.
    #[arg(long, global = true)]
    pub ignore_env_var: bool,
    /// How results are printed.
    #[arg(long, global = true, value_enum, value_name = "FORMAT")]
    pub output_format: Option<OutputFormat>,
    /// Show what would be done; change nothing.
    #[arg(long, short = 'n', global = true)]
    pub dry_run: bool,
    /// Do without asking: recursive deletes, overwrites, recursive changes (without it they
    /// are asked about on a terminal and refused otherwise).
    #[arg(long, short = 'f', global = true)]
    pub force: bool,
    /// Print no progress, summaries or warnings (results and errors still).
    #[arg(long, short = 'q', global = true)]
    pub quiet: bool,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a local OSS server (the options of `oss-server`).
    Serve(ServeArgs),
    /// Make a bucket.
    Mb(MbArgs),
    /// Remove a bucket (with -r, its objects and unfinished uploads first).
    Rb(RbArgs),
    /// List buckets, or the objects under a prefix (all levels; -d for one).
    Ls(LsArgs),
    /// Copy files and objects: local→OSS, OSS→local, OSS→OSS, `-` for stdin/stdout.
    Cp(CpArgs),
    /// Make the destination like the source: copy what is new or changed, optionally
    /// delete what the source lacks.
    Sync(SyncArgs),
    /// Move files and objects (copy, then remove the source).
    Mv(MvArgs),
    /// Remove an object, or every object under a prefix with -r.
    Rm(RmArgs),
    /// Write an object to stdout.
    Cat(CatArgs),
    /// Show a bucket's information or an object's attributes.
    Stat(StatArgs),
    /// Count the objects under a prefix and add up their sizes.
    Du(DuArgs),
    /// Make a "directory" (an empty object whose key ends with `/`).
    Mkdir(MkdirArgs),
    /// Change objects' metadata, ACL, storage class or tags.
    SetProps(SetPropsArgs),
    /// Restore archived objects so they can be read.
    Restore(RestoreArgs),
    /// Create a symbolic link to an object.
    CreateSymlink(CreateSymlinkArgs),
    /// Show the target of a symbolic link.
    ReadSymlink(ReadSymlinkArgs),
    /// Append a file or stdin to an appendable object (created when missing).
    Append(AppendArgs),
    /// CRC-64 and MD5 of a local file or an object.
    Hash(HashArgs),
    /// Print a presigned URL of an object (any method).
    #[command(alias = "sign")]
    Presign(PresignArgs),
    /// Bring a deleted object of a versioned bucket back, or an older version.
    Revert(RevertArgs),
    /// Check the connection to the endpoint and measure its speed.
    Probe(ProbeArgs),
    /// Create or change the configuration file.
    Config(ConfigArgs),
    /// Call any OSS operation by name, with flags from its declaration
    /// (`oss api list`, `oss api help OPERATION`).
    Api(ApiArgs),
}

/// `oss serve`: parsed by the server's own options (see `main`).
#[derive(Debug, Args)]
#[command(disable_help_flag = true)]
pub struct ServeArgs {
    /// The options of `oss-server` (`oss serve --help` lists them).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, num_args = 0..)]
    pub args: Vec<String>,
}

/// `oss api`.
#[derive(Debug, Args)]
pub struct ApiArgs {
    /// The operation: `put-bucket-cors`, `PutBucketCors` or `put_bucket_cors`; `list` lists
    /// them all, `help OPERATION` describes one.
    pub operation: String,
    /// `--bucket`, `--key`, `--body file://PATH|-|TEXT`, `--param NAME=VALUE`,
    /// `--header 'NAME: VALUE'`, `-i`, and one flag per parameter and header the operation
    /// declares (see `oss api help OPERATION`); global options too.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, num_args = 0..)]
    pub args: Vec<String>,
}

/// Which objects of a listing a batch command takes.
#[derive(Debug, Clone, Default, Args)]
pub struct FilterArgs {
    /// Take names matching PATTERN (`*`, `?`, `[a-z]`, `**` across `/`; a pattern without
    /// `/` matches the last segment). Repeatable; the first rule that matches decides, and
    /// with includes only, what none matches is left out.
    #[arg(long, value_name = "PATTERN")]
    pub include: Vec<String>,
    /// Leave out names matching PATTERN. Repeatable.
    #[arg(long, value_name = "PATTERN")]
    pub exclude: Vec<String>,
    /// Include patterns read from FILE, one a line (`#` comments).
    #[arg(long, value_name = "FILE")]
    pub include_from: Vec<PathBuf>,
    /// Exclude patterns read from FILE, one a line (`#` comments).
    #[arg(long, value_name = "FILE")]
    pub exclude_from: Vec<PathBuf>,
    /// Only files and objects of at least this size (`100K`, `1M`).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub min_size: Option<u64>,
    /// Only files and objects of at most this size.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_size: Option<u64>,
    /// Only those modified at or after TIME (`2024-05-01`, `2024-05-01T08:00:00Z`, or Unix
    /// seconds).
    #[arg(long, value_name = "TIME")]
    pub min_mtime: Option<String>,
    /// Only those modified before TIME.
    #[arg(long, value_name = "TIME")]
    pub max_mtime: Option<String>,
    /// Only those older than DURATION (`90s`, `10m`, `2h`, `1.5d`, `1w`, `1M`, `1y`).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration_arg)]
    pub min_age: Option<std::time::Duration>,
    /// Only those younger than DURATION.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration_arg)]
    pub max_age: Option<std::time::Duration>,
    /// The include and exclude rules in command-line order (filled after parsing).
    #[arg(skip)]
    pub rules: Vec<Rule>,
}

impl FilterArgs {
    /// Fills [`FilterArgs::rules`] in the order the options appear on the command line.
    pub fn order_rules(&mut self, matches: &ArgMatches) {
        let mut rules: Vec<(usize, Rule)> = Vec::new();
        for (id, kind) in [
            ("include", RuleKind::Include),
            ("exclude", RuleKind::Exclude),
            ("include_from", RuleKind::IncludeFrom),
            ("exclude_from", RuleKind::ExcludeFrom),
        ] {
            let (Ok(Some(values)), Some(indices)) =
                (matches.try_get_raw(id), matches.indices_of(id))
            else {
                continue;
            };
            for (value, index) in values.zip(indices) {
                rules.push((
                    index,
                    Rule {
                        kind,
                        value: value.to_string_lossy().into_owned(),
                    },
                ));
            }
        }
        rules.sort_by_key(|(i, _)| *i);
        self.rules = rules.into_iter().map(|(_, r)| r).collect();
    }
}

/// How objects move.
#[derive(Debug, Clone, Args)]
pub struct TransferArgs {
    /// Files and objects moved at the same time.
    #[arg(long, short = 'j', alias = "job", default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub jobs: u16,
    /// Parts of one large object moved at the same time.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub parallel: u16,
    /// Objects of at least this size move in parts, resumably (default 10M for uploads and
    /// downloads, 200M for copies inside OSS).
    #[arg(long, value_name = "SIZE", value_parser = parse_size, alias = "threshold")]
    pub bigfile_threshold: Option<u64>,
    /// Size of each part (default 8M; 64M for copies inside OSS).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub part_size: Option<u64>,
    /// Directory of the checkpoints that let an interrupted transfer resume
    /// (default `~/.oss/checkpoints`).
    #[arg(long, value_name = "DIR", conflicts_with = "no_checkpoint")]
    pub checkpoint_dir: Option<PathBuf>,
    /// Keep no checkpoint: an interrupted transfer starts over.
    #[arg(long)]
    pub no_checkpoint: bool,
    /// Bytes per second, all transfers together (`512K`, `10M`).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub bandwidth_limit: Option<u64>,
}

/// Headers of the objects a command writes.
#[derive(Debug, Clone, Default, Args)]
pub struct ObjectHeaderArgs {
    /// Content-Type (default: guessed from the name).
    #[arg(long, value_name = "TYPE")]
    pub content_type: Option<String>,
    /// Cache-Control.
    #[arg(long, value_name = "VALUE")]
    pub cache_control: Option<String>,
    /// Content-Disposition.
    #[arg(long, value_name = "VALUE")]
    pub content_disposition: Option<String>,
    /// Content-Encoding.
    #[arg(long, value_name = "VALUE")]
    pub content_encoding: Option<String>,
    /// Content-Language.
    #[arg(long, value_name = "VALUE")]
    pub content_language: Option<String>,
    /// Expires (an HTTP date).
    #[arg(long, value_name = "DATE")]
    pub expires: Option<String>,
    /// User metadata `NAME=VALUE` (repeatable, or comma-separated).
    #[arg(long, value_name = "NAME=VALUE", value_delimiter = ',')]
    pub metadata: Vec<String>,
    /// Object ACL: private, public-read, public-read-write, default.
    #[arg(long, value_name = "ACL")]
    pub acl: Option<String>,
    /// Storage class: Standard, IA, Archive, ColdArchive, DeepColdArchive.
    #[arg(long, value_name = "CLASS")]
    pub storage_class: Option<String>,
    /// Tags `KEY=VALUE` (repeatable, or `&`-separated).
    #[arg(long, value_name = "KEY=VALUE")]
    pub tagging: Vec<String>,
}

/// When an existing destination is left alone.
#[derive(Debug, Clone, Default, Args)]
pub struct CompareArgs {
    /// Copy only when the source is newer than the destination (or the destination is
    /// missing).
    #[arg(long, short = 'u')]
    pub update: bool,
    /// Skip destinations of the same size.
    #[arg(long, conflicts_with_all = ["update", "checksum"])]
    pub size_only: bool,
    /// Skip destinations with the same CRC-64 (reads local files and asks OSS for each
    /// object's CRC-64).
    #[arg(long, conflicts_with = "update")]
    pub checksum: bool,
    /// Skip every destination that exists.
    #[arg(long, conflicts_with_all = ["update", "size_only", "checksum"])]
    pub ignore_existing: bool,
}

/// `oss cp`.
#[derive(Debug, Args)]
pub struct CpArgs {
    /// Source: a local path, `oss://bucket/key`, or `-` for stdin.
    pub src: String,
    /// Destination: a local path, `oss://bucket/key` (a trailing `/` makes it a
    /// directory), or `-` for stdout.
    pub dst: String,
    /// Copy directories / prefixes recursively.
    #[arg(long, short)]
    pub recursive: bool,
    /// Version of the source object.
    #[arg(long, value_name = "ID")]
    pub version_id: Option<String>,
    /// Copy only the names listed in FILE (relative to the source), one a line.
    #[arg(long, value_name = "FILE")]
    pub files_from: Option<PathBuf>,
    /// When existing destinations are skipped.
    #[command(flatten)]
    pub compare: CompareArgs,
    /// Which files or objects.
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Transfer settings.
    #[command(flatten)]
    pub transfer: TransferArgs,
    /// Headers of the objects written.
    #[command(flatten)]
    pub headers: ObjectHeaderArgs,
}

/// `oss sync`.
#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Source: a local directory or `oss://bucket/prefix`.
    pub src: String,
    /// Destination: a local directory or `oss://bucket/prefix`.
    pub dst: String,
    /// Also delete destination files and objects the source lacks (asked about unless
    /// -f).
    #[arg(long)]
    pub delete: bool,
    /// Sync only the names listed in FILE (relative to the source), one a line.
    #[arg(long, value_name = "FILE")]
    pub files_from: Option<PathBuf>,
    /// When existing destinations are skipped (default: same size and not older than the
    /// source).
    #[command(flatten)]
    pub compare: CompareArgs,
    /// Which files or objects.
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Transfer settings.
    #[command(flatten)]
    pub transfer: TransferArgs,
    /// Headers of the objects written.
    #[command(flatten)]
    pub headers: ObjectHeaderArgs,
}

/// `oss mv`.
#[derive(Debug, Args)]
pub struct MvArgs {
    /// Source: a local path or `oss://bucket/key`.
    pub src: String,
    /// Destination: a local path or `oss://bucket/key`.
    pub dst: String,
    /// Move directories / prefixes recursively (asked about unless -f).
    #[arg(long, short)]
    pub recursive: bool,
    /// Which files or objects.
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Transfer settings.
    #[command(flatten)]
    pub transfer: TransferArgs,
}

/// `oss rm`.
#[derive(Debug, Args)]
pub struct RmArgs {
    /// `oss://bucket/key`, or `oss://bucket[/prefix]` with -r.
    pub url: String,
    /// Every object under the prefix (asked about unless -f).
    #[arg(long, short)]
    pub recursive: bool,
    /// Remove this version of the object.
    #[arg(long, value_name = "ID", conflicts_with = "all_versions")]
    pub version_id: Option<String>,
    /// Remove every version and delete marker (versioned buckets).
    #[arg(long)]
    pub all_versions: bool,
    /// Also abort the unfinished multipart uploads under the prefix.
    #[arg(long)]
    pub uploads: bool,
    /// Stop after this many objects.
    #[arg(long, value_name = "N")]
    pub limited_num: Option<u64>,
    /// Which objects.
    #[command(flatten)]
    pub filter: FilterArgs,
}

/// `oss cat`.
#[derive(Debug, Args)]
pub struct CatArgs {
    /// `oss://bucket/key`.
    pub url: String,
    /// Version of the object.
    #[arg(long, value_name = "ID")]
    pub version_id: Option<String>,
}

/// `oss stat`.
#[derive(Debug, Args)]
pub struct StatArgs {
    /// `oss://bucket` or `oss://bucket/key`.
    pub url: String,
    /// Version of the object.
    #[arg(long, value_name = "ID")]
    pub version_id: Option<String>,
}

/// `oss du`.
#[derive(Debug, Args)]
pub struct DuArgs {
    /// `oss://bucket[/prefix]`.
    pub url: String,
    /// Print the size in bytes.
    #[arg(long)]
    pub bytes: bool,
    /// Which objects.
    #[command(flatten)]
    pub filter: FilterArgs,
}

/// `oss mkdir`.
#[derive(Debug, Args)]
pub struct MkdirArgs {
    /// `oss://bucket/dir` (a `/` is added).
    pub url: String,
}

/// `oss mb`.
#[derive(Debug, Args)]
pub struct MbArgs {
    /// `oss://bucket`.
    pub url: String,
    /// Canned ACL: private, public-read, public-read-write.
    #[arg(long)]
    pub acl: Option<String>,
    /// Default storage class: Standard, IA, Archive, ColdArchive, DeepColdArchive.
    #[arg(long)]
    pub storage_class: Option<String>,
}

/// `oss rb`.
#[derive(Debug, Args)]
pub struct RbArgs {
    /// `oss://bucket`.
    pub url: String,
    /// Delete every object and abort every unfinished multipart upload first (asked
    /// about unless -f; `rb --force` alone also does it, as before).
    #[arg(long, short)]
    pub recursive: bool,
}

/// `oss ls`.
#[derive(Debug, Args)]
pub struct LsArgs {
    /// `oss://bucket[/prefix]`; without it, the buckets are listed.
    pub url: Option<String>,
    /// One level: objects and sub-"directories" directly under the prefix.
    #[arg(long, short = 'd', alias = "dirs")]
    pub directories: bool,
    /// Every level (the default; kept for scripts that say it).
    #[arg(long, short, conflicts_with = "directories")]
    pub recursive: bool,
    /// Every version and delete marker (versioned buckets).
    #[arg(long)]
    pub all_versions: bool,
    /// Stop after this many entries.
    #[arg(long, value_name = "N")]
    pub limited_num: Option<u64>,
    /// Start after this key.
    #[arg(long, value_name = "KEY")]
    pub start_after: Option<String>,
    /// Print only the URLs.
    #[arg(long, short = 's')]
    pub short_format: bool,
    /// Print sizes in bytes.
    #[arg(long)]
    pub bytes: bool,
    /// Which objects.
    #[command(flatten)]
    pub filter: FilterArgs,
}

/// `oss set-props`.
#[derive(Debug, Args)]
pub struct SetPropsArgs {
    /// `oss://bucket/key`, or `oss://bucket[/prefix]` with -r.
    pub url: String,
    /// Every object under the prefix (asked about unless -f).
    #[arg(long, short)]
    pub recursive: bool,
    /// Replace all user metadata with --metadata (default: merge into it).
    #[arg(long)]
    pub replace_metadata: bool,
    /// Remove these user metadata names (repeatable, or comma-separated).
    #[arg(long, value_name = "NAME", value_delimiter = ',')]
    pub delete_metadata: Vec<String>,
    /// Remove the object's tags.
    #[arg(long, conflicts_with = "tagging")]
    pub delete_tagging: bool,
    /// Version of the object (tags and ACL).
    #[arg(long, value_name = "ID")]
    pub version_id: Option<String>,
    /// What to set.
    #[command(flatten)]
    pub headers: ObjectHeaderArgs,
    /// Which objects.
    #[command(flatten)]
    pub filter: FilterArgs,
}

/// `oss restore`.
#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// `oss://bucket/key`, or `oss://bucket[/prefix]` with -r.
    pub url: String,
    /// Every archived object under the prefix.
    #[arg(long, short)]
    pub recursive: bool,
    /// Days the restored copy stays readable.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=365))]
    pub days: u32,
    /// Restore priority of Cold Archive objects: Expedited, Standard or Bulk.
    #[arg(long, value_name = "TIER")]
    pub tier: Option<String>,
    /// Version of the object.
    #[arg(long, value_name = "ID")]
    pub version_id: Option<String>,
    /// Which objects.
    #[command(flatten)]
    pub filter: FilterArgs,
}

/// `oss create-symlink`.
#[derive(Debug, Args)]
pub struct CreateSymlinkArgs {
    /// The link: `oss://bucket/key`.
    pub url: String,
    /// The target: a key of the same bucket, or `oss://bucket/key` of it.
    pub target: String,
    /// Headers of the link.
    #[command(flatten)]
    pub headers: ObjectHeaderArgs,
}

/// `oss read-symlink`.
#[derive(Debug, Args)]
pub struct ReadSymlinkArgs {
    /// The link: `oss://bucket/key`.
    pub url: String,
    /// Version of the link.
    #[arg(long, value_name = "ID")]
    pub version_id: Option<String>,
}

/// `oss append`.
#[derive(Debug, Args)]
pub struct AppendArgs {
    /// A local file, or `-` for stdin.
    pub src: String,
    /// `oss://bucket/key` of an appendable object.
    pub dst: String,
    /// Headers of the object when the append creates it.
    #[command(flatten)]
    pub headers: ObjectHeaderArgs,
}

/// Digests `oss hash` computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HashType {
    /// CRC-64/ECMA as OSS computes it (an object's comes from its headers).
    Crc64,
    /// MD5 (an object is read whole).
    Md5,
    /// Both.
    All,
}

/// `oss hash`.
#[derive(Debug, Args)]
pub struct HashArgs {
    /// A local file or `oss://bucket/key`.
    pub target: String,
    /// Which digest.
    #[arg(long = "type", value_enum, default_value = "crc64", ignore_case = true)]
    pub hash_type: HashType,
    /// Version of the object.
    #[arg(long, value_name = "ID")]
    pub version_id: Option<String>,
}

/// `oss presign`.
#[derive(Debug, Args)]
pub struct PresignArgs {
    /// `oss://bucket/key`.
    pub url: String,
    /// HTTP method the URL allows: GET, PUT, HEAD, POST or DELETE.
    #[arg(long, default_value = "GET", value_parser = ["GET", "PUT", "HEAD", "POST", "DELETE"], ignore_case = true)]
    pub method: String,
    /// How long the URL works (`900`, `15m`, `12h`, `7d`; V4 URLs at most 7 days).
    #[arg(long, alias = "expires-duration", default_value = "1h", value_parser = parse_duration_arg)]
    pub expires: std::time::Duration,
    /// Version of the object.
    #[arg(long, value_name = "ID")]
    pub version_id: Option<String>,
    /// Content-Type the uploader must send (PUT).
    #[arg(long, value_name = "TYPE")]
    pub content_type: Option<String>,
    /// Other query parameters to sign, `NAME=VALUE` (repeatable).
    #[arg(long, value_name = "NAME=VALUE")]
    pub query_param: Vec<String>,
}

/// `oss revert`.
#[derive(Debug, Args)]
pub struct RevertArgs {
    /// `oss://bucket/key`, or `oss://bucket[/prefix]` with -r.
    pub url: String,
    /// Every deleted object under the prefix (asked about unless -f).
    #[arg(long, short)]
    pub recursive: bool,
    /// Make this version the current one (default: remove the delete marker that hides
    /// the last version).
    #[arg(long, value_name = "ID", conflicts_with = "recursive")]
    pub version_id: Option<String>,
    /// Which objects.
    #[command(flatten)]
    pub filter: FilterArgs,
}

/// `oss probe`.
#[derive(Debug, Args)]
pub struct ProbeArgs {
    /// A bucket to measure uploads and downloads with (a temporary object is written and
    /// removed); without it only the connection and a signed request are checked.
    pub url: Option<String>,
    /// Size of the object moved for the speed measurement.
    #[arg(long, default_value = "8M", value_parser = parse_size)]
    pub size: u64,
}

/// `oss config`.
#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// What to do; without a subcommand, asks for the basic settings.
    #[command(subcommand)]
    pub action: Option<ConfigAction>,
}

/// `oss config` subcommands.
#[derive(Debug, Subcommand)]
pub enum ConfigAction {
    /// Set KEY of the profile to VALUE (an empty VALUE removes it).
    Set {
        /// A key: region, endpoint, access-key-id, mode, sign-version, source-profile, …
        key: String,
        /// The value.
        value: String,
    },
    /// Print the value of KEY in the profile (with what it inherits).
    Get {
        /// The key.
        key: String,
    },
    /// List the profiles of the file.
    ListProfiles,
    /// Set the credentials of the profile: from --mode and the credential options given,
    /// else asked for.
    Credential {
        /// Other credential settings, `KEY=VALUE` (role-arn, role-session-name,
        /// ecs-role-name, credential-process, credential-uri, oidc-provider-arn,
        /// oidc-token-file-path, sts-endpoint, …).
        #[arg(value_name = "KEY=VALUE")]
        settings: Vec<String>,
    },
    /// Copy the settings of the old `~/.oss/config.toml` into the configuration file.
    Migrate,
}

/// HTTP method names are upper case.
pub fn method_name(m: &str) -> String {
    m.to_ascii_uppercase()
}

/// Fills what parsing cannot: the order of include/exclude rules.
pub fn complete(cli: &mut Cli, matches: &ArgMatches) {
    let Some((_, sub)) = matches.subcommand() else {
        return;
    };
    let filter = match &mut cli.command {
        Command::Cp(a) => &mut a.filter,
        Command::Sync(a) => &mut a.filter,
        Command::Mv(a) => &mut a.filter,
        Command::Rm(a) => &mut a.filter,
        Command::Du(a) => &mut a.filter,
        Command::Ls(a) => &mut a.filter,
        Command::SetProps(a) => &mut a.filter,
        Command::Restore(a) => &mut a.filter,
        Command::Revert(a) => &mut a.filter,
        _ => return,
    };
    filter.order_rules(sub);
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{CommandFactory, FromArgMatches};

    fn parse(args: &[&str]) -> Cli {
        let matches = Cli::command().try_get_matches_from(args).unwrap();
        let mut cli = Cli::from_arg_matches(&matches).unwrap();
        complete(&mut cli, &matches);
        cli
    }

    #[test]
    fn definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn global_options_go_anywhere() {
        let before = parse(&["oss", "--sign-version", "v1", "--profile", "p", "ls"]);
        let after = parse(&["oss", "ls", "--sign-version", "v1", "--profile", "p"]);
        for cli in [before, after] {
            assert_eq!(cli.global.sign_version.as_deref(), Some("v1"));
            assert_eq!(cli.global.profile.as_deref(), Some("p"));
        }
        let cli = parse(&[
            "oss",
            "-n",
            "rm",
            "-r",
            "oss://b/p",
            "-f",
            "--output-format",
            "json",
        ]);
        assert!(cli.global.dry_run && cli.global.force);
        assert_eq!(cli.global.output_format, Some(OutputFormat::Json));
        let cli = parse(&["oss", "ls", "--signature-version", "4", "--config", "x.ini"]);
        assert_eq!(cli.global.sign_version.as_deref(), Some("4"));
        assert_eq!(cli.global.config_file, Some(PathBuf::from("x.ini")));
    }

    #[test]
    fn rules_keep_their_order() {
        let cli = parse(&[
            "oss",
            "sync",
            "a",
            "oss://b/",
            "--exclude",
            "*.tmp",
            "--include",
            "keep.tmp",
            "--exclude",
            "*.log",
        ]);
        let Command::Sync(a) = cli.command else {
            panic!("not sync")
        };
        let rules: Vec<(RuleKind, &str)> = a
            .filter
            .rules
            .iter()
            .map(|r| (r.kind, r.value.as_str()))
            .collect();
        assert_eq!(
            rules,
            [
                (RuleKind::Exclude, "*.tmp"),
                (RuleKind::Include, "keep.tmp"),
                (RuleKind::Exclude, "*.log")
            ]
        );
    }

    #[test]
    fn presign_takes_any_method_and_durations() {
        let cli = parse(&[
            "oss",
            "sign",
            "oss://b/k",
            "--method",
            "delete",
            "--expires",
            "2h",
        ]);
        let Command::Presign(a) = cli.command else {
            panic!("not presign")
        };
        assert_eq!(method_name(&a.method), "DELETE");
        assert_eq!(a.expires, std::time::Duration::from_secs(7200));
    }
}
