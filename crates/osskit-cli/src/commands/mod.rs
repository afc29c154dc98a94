//! The subcommands, one module per family, and what they share.

mod api;
mod append;
mod bucket;
mod config_cmd;
mod cp;
mod hash;
mod list;
mod object;
mod presign;
mod probe;
mod props;
mod sync;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

use futures_util::TryStreamExt;
use osskit::Bucket;

use crate::args::{Command, GlobalArgs, OutputFormat};
use crate::client::Clients;
use crate::error::CliError;
use crate::location::OssUrl;
use crate::output::Output;
use crate::settings::{self, ConfigContext, Settings};

/// What every command gets: the global options, the output and the environment.
pub struct Ctx {
    /// The global options.
    pub global: GlobalArgs,
    /// Where results go.
    pub out: Output,
    warned: AtomicBool,
}

impl Ctx {
    /// The context of `global`.
    pub fn new(global: GlobalArgs) -> Ctx {
        let format = global.output_format.unwrap_or_else(|| {
            // The profile may choose a format; a broken file is reported by the command.
            load_context(&global, false)
                .ok()
                .and_then(|c| settings::resolve(&global, &env, &c).ok())
                .and_then(|s| s.output_format)
                .unwrap_or(OutputFormat::Text)
        });
        let out = Output {
            format,
            quiet: global.quiet,
        };
        Ctx {
            global,
            out,
            warned: AtomicBool::new(false),
        }
    }

    /// Prints a warning on stderr (unless `--quiet`).
    pub fn warn(&self, text: &str) {
        if !self.global.quiet {
            eprintln!("oss: warning: {text}");
        }
    }

    /// The configuration file and profile.
    pub fn config_context(&self, for_writing: bool) -> Result<ConfigContext, CliError> {
        load_context(&self.global, for_writing)
    }

    /// The resolved settings (warnings are printed once).
    pub fn settings(&self) -> Result<Settings, CliError> {
        let ctx = self.config_context(false)?;
        let s = settings::resolve(&self.global, &env, &ctx)?;
        if !self.warned.swap(true, Ordering::Relaxed) {
            for w in &s.warnings {
                self.warn(w);
            }
        }
        Ok(s)
    }

    /// Clients of the resolved settings.
    pub fn clients(&self) -> Result<Clients, CliError> {
        Clients::new(self.settings()?, None)
    }

    /// Clients whose transfers together stay under `limit` bytes per second.
    pub fn clients_limited(&self, limit: Option<u64>) -> Result<Clients, CliError> {
        Clients::new(self.settings()?, limit)
    }

    /// Whether to change nothing.
    pub fn dry_run(&self) -> bool {
        self.global.dry_run
    }

    /// Asks before destructive work (see [`crate::confirm`]); `--dry-run` needs no answer.
    pub fn confirm(&self, question: &str) -> Result<(), CliError> {
        if self.dry_run() {
            return Ok(());
        }
        crate::confirm::confirm(self.global.force, question)
    }
}

/// A process environment lookup.
pub fn env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

fn load_context(global: &GlobalArgs, for_writing: bool) -> Result<ConfigContext, CliError> {
    settings::load_context(global, &env, for_writing)
}

/// Runs a client command (everything but `serve`).
pub async fn run(global: GlobalArgs, command: Command) -> Result<(), CliError> {
    let ctx = Ctx::new(global);
    match command {
        Command::Serve(_) => Err(CliError::usage("`serve` is not a client command")),
        Command::Mb(a) => bucket::mb(&ctx, a).await,
        Command::Rb(a) => bucket::rb(&ctx, a).await,
        Command::Ls(a) => list::ls(&ctx, a).await,
        Command::Du(a) => list::du(&ctx, a).await,
        Command::Cp(a) => cp::cp(&ctx, a).await,
        Command::Mv(a) => cp::mv(&ctx, a).await,
        Command::Sync(a) => sync::sync(&ctx, a).await,
        Command::Cat(a) => object::cat(&ctx, a).await,
        Command::Stat(a) => object::stat(&ctx, a).await,
        Command::Rm(a) => object::rm(&ctx, a).await,
        Command::Mkdir(a) => object::mkdir(&ctx, a).await,
        Command::SetProps(a) => props::set_props(&ctx, a).await,
        Command::Restore(a) => props::restore(&ctx, a).await,
        Command::CreateSymlink(a) => props::create_symlink(&ctx, a).await,
        Command::ReadSymlink(a) => props::read_symlink(&ctx, a).await,
        Command::Revert(a) => props::revert(&ctx, a).await,
        Command::Append(a) => append::append(&ctx, a).await,
        Command::Hash(a) => hash::hash(&ctx, a).await,
        Command::Presign(a) => presign::presign(&ctx, a).await,
        Command::Probe(a) => probe::probe(&ctx, a).await,
        Command::Config(a) => config_cmd::config(&ctx, a).await,
        Command::Api(a) => api::api(&ctx, a).await,
    }
}

/// `~/.oss/checkpoints`.
pub fn default_checkpoint_dir() -> PathBuf {
    crate::config::state_dir()
        .map(|d| d.join("checkpoints"))
        .unwrap_or_else(osskit::transfer::default_checkpoint_dir)
}

/// Deletes `keys` in batches of 1000; returns how many were deleted. Keys that could not
/// be deleted make it fail, naming one.
async fn delete_keys(bucket: &Bucket, url: &OssUrl, keys: Vec<String>) -> Result<u64, CliError> {
    let mut deleted = 0u64;
    for chunk in keys.chunks(1000) {
        let out = bucket
            .batch_delete_objects(chunk.to_vec())
            .await
            .map_err(|e| CliError::oss(format!("cannot delete under {url}"), e))?;
        if let Some(key) = out.not_deleted.first() {
            return Err(CliError::failed(format!(
                "{} under {url} could not be deleted, among them {}",
                crate::format::count(out.not_deleted.len() as u64, "object"),
                url.with_key(key.as_str())
            )));
        }
        deleted += out.deleted.len() as u64;
    }
    Ok(deleted)
}

/// Aborts every unfinished multipart upload under `prefix`; returns how many were aborted
/// (with `dry_run`, how many would be).
async fn abort_uploads_under(
    bucket: &Bucket,
    url: &OssUrl,
    prefix: &str,
    dry_run: bool,
) -> Result<u64, CliError> {
    let mut uploads = bucket.list_multipart_uploads().prefix(prefix).into_items();
    let mut aborted = 0u64;
    while let Some(item) = uploads.try_next().await.map_err(|e| {
        CliError::oss(
            format!(
                "cannot list the multipart uploads of {}",
                url.with_key(prefix)
            ),
            e,
        )
    })? {
        if let osskit::UploadItem::Upload(u) = item {
            if !dry_run {
                bucket
                    .abort_multipart_upload(&u.key, &u.upload_id)
                    .await
                    .map_err(|e| {
                        CliError::oss(
                            format!(
                                "cannot abort upload {} of {}",
                                u.upload_id,
                                url.with_key(u.key.as_str())
                            ),
                            e,
                        )
                    })?;
            }
            aborted += 1;
        }
    }
    Ok(aborted)
}

/// Unix seconds as RFC 3339 (`2024-05-01T08:00:00Z`) for structured output.
pub fn iso(t: Option<i64>) -> Option<serde_json::Value> {
    t.map(|t| osskit::proto::date::unixtime_to_rfc3339(t).into())
}
