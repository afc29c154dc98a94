//! The command line: subcommands and their options.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use osskit_server::cli::ServerArgs;

/// A command-line tool for Alibaba Cloud OSS (and any server speaking its protocol).
#[derive(Debug, Parser)]
#[command(name = "oss", version, about, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a local OSS server (the options of `oss-server`).
    Serve(Box<ServerArgs>),
    /// Make a bucket.
    Mb(MbArgs),
    /// Remove a bucket.
    Rb(RbArgs),
    /// List buckets, or the objects of a bucket.
    Ls(LsArgs),
    /// Copy files and objects: local→OSS, OSS→local, OSS→OSS.
    Cp(CpArgs),
    /// Write an object to stdout.
    Cat(UrlArgs),
    /// Show a bucket's information or an object's headers.
    Stat(UrlArgs),
    /// Remove an object, or every object under a prefix with -r.
    Rm(RmArgs),
    /// Print a presigned URL of an object.
    Sign(SignArgs),
    /// Count the objects under a prefix and add up their sizes.
    Du(DuArgs),
    /// Call any OSS operation by name, with flags from its declaration
    /// (`oss api list`, `oss api help OPERATION`).
    Api(ApiArgs),
}

/// `oss api`.
#[derive(Debug, Args)]
pub struct ApiArgs {
    /// The operation: `put-bucket-cors`, `PutBucketCors` or `put_bucket_cors`; `list` lists
    /// them all, `help OPERATION` describes one.
    pub operation: String,
    /// `--bucket`, `--key`, `--body file://PATH|-|TEXT`, `--output-format xml|json`,
    /// `--param NAME=VALUE`, `--header 'NAME: VALUE'`, `-i`, and one flag per parameter and
    /// header the operation declares (see `oss api help OPERATION`).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, num_args = 0..)]
    pub args: Vec<String>,
    /// Connection options.
    #[command(flatten)]
    pub conn: ConnectionArgs,
}

/// How to reach OSS. Each option falls back to its environment variable, then to the
/// configuration file.
#[derive(Debug, Clone, Default, Args)]
pub struct ConnectionArgs {
    /// Endpoint, e.g. `https://oss-cn-hangzhou.aliyuncs.com` or `http://127.0.0.1:9000`
    /// [env: OSS_ENDPOINT].
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,
    /// Access key id [env: OSS_ACCESS_KEY_ID].
    #[arg(long, value_name = "ID")]
    pub access_key_id: Option<String>,
    /// Access key secret [env: OSS_ACCESS_KEY_SECRET].
    #[arg(long, value_name = "SECRET")]
    pub access_key_secret: Option<String>,
    /// STS security token [env: OSS_SESSION_TOKEN].
    #[arg(long, value_name = "TOKEN")]
    pub sts_token: Option<String>,
    /// Region, e.g. `cn-hangzhou` (needed by signature version 4) [env: OSS_REGION].
    #[arg(long)]
    pub region: Option<String>,
    /// Signature version: 1 or 4 (default 1; 4 needs a region).
    #[arg(long, value_name = "1|4", value_parser = ["1", "4"])]
    pub signature_version: Option<String>,
    /// Configuration file (default `~/.oss/config.toml`).
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
}

/// A command taking one `oss://` URL.
#[derive(Debug, Args)]
pub struct UrlArgs {
    /// `oss://bucket[/key]`.
    pub url: String,
    /// Connection options.
    #[command(flatten)]
    pub conn: ConnectionArgs,
}

/// `oss du`.
#[derive(Debug, Args)]
pub struct DuArgs {
    /// `oss://bucket[/prefix]`.
    pub url: String,
    /// Print the size in bytes only.
    #[arg(long)]
    pub bytes: bool,
    /// Connection options.
    #[command(flatten)]
    pub conn: ConnectionArgs,
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
    /// Connection options.
    #[command(flatten)]
    pub conn: ConnectionArgs,
}

/// `oss rb`.
#[derive(Debug, Args)]
pub struct RbArgs {
    /// `oss://bucket`.
    pub url: String,
    /// Delete every object and abort every unfinished multipart upload first.
    #[arg(long, short)]
    pub force: bool,
    /// Connection options.
    #[command(flatten)]
    pub conn: ConnectionArgs,
}

/// `oss ls`.
#[derive(Debug, Args)]
pub struct LsArgs {
    /// `oss://bucket[/prefix]`; without it, the buckets are listed.
    pub url: Option<String>,
    /// Every object under the prefix, not one level.
    #[arg(long, short)]
    pub recursive: bool,
    /// Print sizes in bytes.
    #[arg(long)]
    pub bytes: bool,
    /// Connection options.
    #[command(flatten)]
    pub conn: ConnectionArgs,
}

/// `oss cp`.
#[derive(Debug, Args)]
pub struct CpArgs {
    /// Source: a local path or `oss://bucket/key`.
    pub src: String,
    /// Destination: a local path or `oss://bucket/key`; a trailing `/` makes it a directory.
    pub dst: String,
    /// Copy directories / prefixes recursively.
    #[arg(long, short)]
    pub recursive: bool,
    /// Transfers run at the same time with -r.
    #[arg(long, short = 'j', default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub jobs: u16,
    /// Objects of at least this size move in parts, resumably (e.g. `64M`; default 10M for
    /// uploads and downloads, 200M for copies inside OSS).
    #[arg(long, value_name = "SIZE", value_parser = crate::format::parse_size)]
    pub threshold: Option<u64>,
    /// Size of each part (e.g. `8M`; default 8M, 64M for copies inside OSS).
    #[arg(long, value_name = "SIZE", value_parser = crate::format::parse_size)]
    pub part_size: Option<u64>,
    /// Parts of one object moved at the same time.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub parallel: u16,
    /// Directory of the checkpoints that let an interrupted copy resume
    /// (default `~/.oss/checkpoints`).
    #[arg(long, value_name = "DIR", conflicts_with = "no_checkpoint")]
    pub checkpoint_dir: Option<PathBuf>,
    /// Keep no checkpoint: an interrupted copy starts over.
    #[arg(long)]
    pub no_checkpoint: bool,
    /// Connection options.
    #[command(flatten)]
    pub conn: ConnectionArgs,
}

/// `oss rm`.
#[derive(Debug, Args)]
pub struct RmArgs {
    /// `oss://bucket/key`, or `oss://bucket[/prefix]` with -r.
    pub url: String,
    /// Every object under the prefix.
    #[arg(long, short)]
    pub recursive: bool,
    /// Connection options.
    #[command(flatten)]
    pub conn: ConnectionArgs,
}

/// HTTP method of a presigned URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "UPPER")]
pub enum SignMethod {
    /// Download.
    Get,
    /// Upload.
    Put,
}

/// `oss sign`.
#[derive(Debug, Args)]
pub struct SignArgs {
    /// `oss://bucket/key`.
    pub url: String,
    /// Validity in seconds.
    #[arg(long, default_value_t = 3600)]
    pub expires: u64,
    /// Method the URL allows.
    #[arg(long, value_enum, default_value = "GET", ignore_case = true)]
    pub method: SignMethod,
    /// Connection options.
    #[command(flatten)]
    pub conn: ConnectionArgs,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

    #[test]
    fn sign_method_is_case_insensitive() {
        let cli = Cli::try_parse_from(["oss", "sign", "oss://b/k", "--method", "put"]).unwrap();
        match cli.command {
            Command::Sign(a) => {
                assert_eq!(a.method, SignMethod::Put);
                assert_eq!(a.expires, 3600);
            }
            other => panic!("parsed as {other:?}"),
        }
    }

    #[test]
    fn bad_signature_version_is_rejected() {
        let err = Cli::try_parse_from(["oss", "ls", "--signature-version", "2"]).unwrap_err();
        assert!(err.to_string().contains("signature-version"), "{err}");
    }
}
