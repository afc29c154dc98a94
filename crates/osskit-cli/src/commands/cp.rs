//! `cp` and `mv`: local→OSS, OSS→local and OSS→OSS, one object or a whole directory /
//! prefix, `-` for stdin and stdout; and the machinery `sync` shares: listing both sides,
//! deciding what to copy, running the copies in parallel with one progress bar.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use futures_util::StreamExt;
use osskit::Bucket;
use serde_json::json;

use super::Ctx;
use crate::args::{CompareArgs, CpArgs, MvArgs, TransferArgs};
use crate::client::Clients;
use crate::error::CliError;
use crate::filter::{read_list, Filter};
use crate::format::{count, human_size};
use crate::journal::Journal;
use crate::listing::{list_local, list_local_named, list_oss, mtime_of, Entry};
use crate::location::{Location, OssUrl};
use crate::progress::Bar;
use crate::transfer::{self, Moved, ObjectHeaders, TransferOptions};

/// One side of a recursive transfer.
#[derive(Debug, Clone)]
pub enum Side {
    /// A local directory.
    Local(PathBuf),
    /// A prefix of a bucket (as a directory: empty or ending with `/`).
    Oss {
        /// The bucket's client.
        bucket: Bucket,
        /// The bucket and the prefix.
        url: OssUrl,
    },
}

impl Side {
    /// A side from a location; OSS prefixes are taken as directories.
    pub fn of(clients: &Clients, loc: &Location) -> Result<Side, CliError> {
        Ok(match loc {
            Location::Local(p) => Side::Local(p.clone()),
            Location::Oss(url) => Side::Oss {
                bucket: clients.bucket(&url.bucket)?,
                url: url.with_key(url.dir_prefix()),
            },
        })
    }

    /// Shown in messages.
    pub fn display(&self) -> String {
        match self {
            Side::Local(p) => p.display().to_string(),
            Side::Oss { url, .. } => url.to_string(),
        }
    }

    /// Where `rel` is on this side, for messages.
    fn display_of(&self, rel: &str) -> String {
        match self {
            Side::Local(p) => p.join(rel).display().to_string(),
            Side::Oss { url, .. } => url.with_key(format!("{}{rel}", url.key)).to_string(),
        }
    }

    /// What is on this side, filtered; `names` restricts it to a `--files-from` list.
    pub async fn list(
        &self,
        filter: &Filter,
        names: Option<&[String]>,
        missing_ok: bool,
    ) -> Result<Vec<Entry>, CliError> {
        match self {
            Side::Local(dir) => {
                if missing_ok && !dir.exists() {
                    return Ok(Vec::new());
                }
                match names {
                    Some(n) => list_local_named(dir, n, filter),
                    None => list_local(dir, filter).await,
                }
            }
            Side::Oss { bucket, url } => {
                let mut all = list_oss(bucket, url, &url.key, filter, None).await?;
                if let Some(n) = names {
                    let wanted: std::collections::HashSet<&str> = n
                        .iter()
                        .map(|s| s.trim().trim_start_matches("./").trim_start_matches('/'))
                        .collect();
                    all.retain(|e| wanted.contains(e.rel.as_str()));
                }
                Ok(all)
            }
        }
    }
}

/// When an existing destination is left alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compare {
    /// Never: every source entry is copied (existing destinations are overwrites).
    Always,
    /// When the size is the same and the source is not newer (sync's default).
    SizeAndTime,
    /// When the source is not newer.
    Update,
    /// When the size is the same.
    SizeOnly,
    /// When the CRC-64 is the same.
    Checksum,
    /// Whenever the destination exists.
    IgnoreExisting,
}

impl Compare {
    /// The rule the options choose; `default` without any.
    pub fn of(args: &CompareArgs, default: Compare) -> Compare {
        if args.update {
            Compare::Update
        } else if args.size_only {
            Compare::SizeOnly
        } else if args.checksum {
            Compare::Checksum
        } else if args.ignore_existing {
            Compare::IgnoreExisting
        } else {
            default
        }
    }
}

/// Why an entry is copied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// The destination lacks it.
    New,
    /// The destination differs.
    Changed,
    /// The destination exists and is overwritten as asked.
    Overwrite,
}

impl Reason {
    fn as_str(self) -> &'static str {
        match self {
            Reason::New => "new",
            Reason::Changed => "changed",
            Reason::Overwrite => "overwrite",
        }
    }
}

/// Whether `src` is copied over `dst`; `None` = skipped. Checksums are compared by the
/// caller (`Compare::Checksum` of same-sized entries answers `Changed` here).
pub fn decide(cmp: Compare, src: &Entry, dst: Option<&Entry>) -> Option<Reason> {
    let Some(dst) = dst else {
        return Some(Reason::New);
    };
    let newer = match (src.mtime, dst.mtime) {
        (Some(s), Some(d)) => s > d,
        _ => true,
    };
    match cmp {
        Compare::Always => Some(Reason::Overwrite),
        Compare::SizeAndTime => (src.size != dst.size || newer).then_some(Reason::Changed),
        Compare::Update => newer.then_some(Reason::Changed),
        Compare::SizeOnly => (src.size != dst.size).then_some(Reason::Changed),
        Compare::Checksum => Some(Reason::Changed),
        Compare::IgnoreExisting => None,
    }
}

/// One file or object to move.
#[derive(Debug, Clone)]
pub struct Job {
    /// Shown in messages.
    pub from: String,
    /// Shown in messages.
    pub to: String,
    /// The source entry.
    pub entry: Entry,
    /// Why.
    pub reason: Reason,
    /// What moves.
    pub kind: JobKind,
}

/// The kind of move.
#[derive(Debug, Clone)]
pub enum JobKind {
    /// A local file up.
    Upload {
        /// The file.
        path: PathBuf,
        /// The key.
        key: String,
    },
    /// An object down.
    Download {
        /// The key.
        key: String,
        /// Its version.
        version: Option<String>,
        /// The file.
        path: PathBuf,
    },
    /// Inside OSS.
    Copy {
        /// Source bucket.
        src_bucket: String,
        /// Source key.
        src_key: String,
        /// Its version.
        version: Option<String>,
        /// Destination key.
        key: String,
    },
}

/// The local path of `rel` under `dir`; `None` when the key has empty, `.` or `..`
/// segments, which could not be stored at its place safely.
pub fn local_path(dir: &Path, rel: &str) -> Option<PathBuf> {
    let mut path = dir.to_path_buf();
    for segment in rel.split('/') {
        let mut parts = Path::new(segment).components();
        match (parts.next(), parts.next()) {
            (Some(Component::Normal(part)), None) if part == segment => path.push(part),
            _ => return None,
        }
    }
    Some(path)
}

/// The job of copying `e` from `src` to the same name under `dst`.
pub fn job_for(src: &Side, dst: &Side, e: &Entry, reason: Reason) -> Result<Job, CliError> {
    let from = src.display_of(&e.rel);
    let kind = match (src, dst) {
        (Side::Local(_), Side::Oss { url, .. }) => JobKind::Upload {
            path: e.path.clone().unwrap_or_default(),
            key: format!("{}{}", url.key, e.rel),
        },
        (Side::Oss { .. }, Side::Local(dir)) => {
            let path = local_path(dir, &e.rel).ok_or_else(|| {
                CliError::failed(format!(
                    "{from} cannot be copied under {}: its key has empty, '.' or '..' segments",
                    dir.display()
                ))
            })?;
            JobKind::Download {
                key: e.key.clone().unwrap_or_default(),
                version: None,
                path,
            }
        }
        (Side::Oss { url: s, .. }, Side::Oss { url: d, .. }) => JobKind::Copy {
            src_bucket: s.bucket.clone(),
            src_key: e.key.clone().unwrap_or_default(),
            version: None,
            key: format!("{}{}", d.key, e.rel),
        },
        (Side::Local(_), Side::Local(_)) => {
            return Err(CliError::usage(
                "both SRC and DST are local paths: one of them must be an oss:// URL",
            ))
        }
    };
    Ok(Job {
        from,
        to: dst.display_of(&e.rel),
        entry: e.clone(),
        reason,
        kind,
    })
}

/// The transfer settings of the options.
pub fn transfer_options(t: &TransferArgs, headers: ObjectHeaders) -> TransferOptions {
    TransferOptions {
        threshold: t.bigfile_threshold,
        part_size: t.part_size,
        parallelism: usize::from(t.parallel),
        checkpoint_dir: (!t.no_checkpoint).then(|| {
            t.checkpoint_dir
                .clone()
                .unwrap_or_else(super::default_checkpoint_dir)
        }),
        headers,
    }
}

/// CRC-64 of a local file, read in 1 MiB pieces off the async threads.
pub async fn file_crc64(path: &Path) -> Result<u64, CliError> {
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || {
        use std::io::Read;
        let mut f = std::fs::File::open(&path)
            .map_err(|e| CliError::io(format!("cannot read {}", path.display()), e))?;
        let mut crc = osskit::utils::Crc64::new();
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = f
                .read(&mut buf)
                .map_err(|e| CliError::io(format!("cannot read {}", path.display()), e))?;
            if n == 0 {
                break;
            }
            crc.update(&buf[..n]);
        }
        Ok(crc.finish())
    })
    .await
    .map_err(|e| CliError::failed(format!("hashing failed: {e}")))?
}

/// The CRC-64 of `rel` on `side` (an object's from OSS).
async fn crc_of(side: &Side, e: &Entry) -> Result<Option<u64>, CliError> {
    match side {
        Side::Local(_) => match &e.path {
            Some(p) => file_crc64(p).await.map(Some),
            None => Ok(None),
        },
        Side::Oss { bucket, url } => {
            let key = e.key.clone().unwrap_or_default();
            let head = bucket
                .head_object(&key)
                .await
                .map_err(|err| CliError::oss(format!("cannot stat {}", url.with_key(key)), err))?;
            Ok(head.crc64)
        }
    }
}

/// The plan of a recursive transfer.
#[derive(Debug, Default)]
pub struct Plan {
    /// What moves.
    pub jobs: Vec<Job>,
    /// Source entries left alone.
    pub skipped: u64,
    /// Destination entries that would be overwritten without a rule that allows it.
    pub overwrites: Vec<String>,
    /// Destination entries the source lacks (for `sync --delete`).
    pub extra: Vec<Entry>,
}

/// Decides what moves from `src` to `dst`.
#[allow(clippy::too_many_arguments)]
pub async fn plan(
    src: &Side,
    dst: &Side,
    sources: Vec<Entry>,
    dst_entries: Option<Vec<Entry>>,
    cmp: Compare,
    journal: Option<&Journal>,
    jobs: usize,
) -> Result<Plan, CliError> {
    let mut plan = Plan::default();
    let mut existing: HashMap<String, Entry> = dst_entries
        .unwrap_or_default()
        .into_iter()
        .map(|e| (e.rel.clone(), e))
        .collect();
    let mut checks = Vec::new();
    for e in sources {
        // Directory markers are not files.
        if e.is_dir_marker() && matches!(dst, Side::Local(_)) {
            existing.remove(&e.rel);
            continue;
        }
        if journal.is_some_and(|j| j.is_done(&e)) {
            existing.remove(&e.rel);
            plan.skipped += 1;
            continue;
        }
        let other = existing.remove(&e.rel);
        let mut reason = decide(cmp, &e, other.as_ref());
        if cmp == Compare::Checksum {
            if let (Some(Reason::Changed), Some(d)) = (reason, &other) {
                if d.size == e.size {
                    checks.push((e, d.clone()));
                    continue;
                }
            }
        }
        if reason == Some(Reason::Overwrite) {
            // Destinations an interrupted run of this copy wrote are its own.
            let ours = journal.is_some_and(|j| {
                j.resumed()
                    && other
                        .as_ref()
                        .and_then(|o| o.mtime)
                        .is_some_and(|t| t >= j.started())
            });
            if ours {
                reason = Some(Reason::New);
            } else {
                plan.overwrites.push(dst.display_of(&e.rel));
            }
        }
        match reason {
            Some(r) => plan.jobs.push(job_for(src, dst, &e, r)?),
            None => plan.skipped += 1,
        }
    }
    // Same-sized pairs under --checksum: compare CRC-64s, several at a time.
    let results: Vec<Result<(Entry, bool), CliError>> = futures_util::stream::iter(checks)
        .map(|(s, d)| async move {
            let (a, b) = tokio::try_join!(crc_of(src, &s), crc_of(dst, &d))?;
            Ok((s, a.is_some() && a == b))
        })
        .buffer_unordered(jobs.max(1))
        .collect()
        .await;
    for r in results {
        let (e, same) = r?;
        if same {
            plan.skipped += 1;
        } else {
            plan.jobs.push(job_for(src, dst, &e, Reason::Changed)?);
        }
    }
    plan.jobs.sort_by(|a, b| a.entry.rel.cmp(&b.entry.rel));
    let mut extra: Vec<Entry> = existing.into_values().collect();
    extra.sort_by(|a, b| a.rel.cmp(&b.rel));
    plan.extra = extra;
    Ok(plan)
}

/// What a batch of jobs did.
#[derive(Debug, Default, Clone, Copy)]
pub struct Done {
    /// Jobs that completed.
    pub copied: u64,
    /// Their bytes.
    pub bytes: u64,
    /// Bytes an interrupted run had moved already.
    pub resumed: u64,
    /// Jobs that failed (each reported on stderr).
    pub failed: u64,
}

/// Runs one job. `bucket` is the one the job talks to: the destination of uploads and
/// copies, the source of downloads.
pub async fn run_job(
    bucket: Option<&Bucket>,
    job: &Job,
    options: &TransferOptions,
    progress: transfer::Progress,
) -> Result<Moved, CliError> {
    let what = || format!("cannot copy {} to {}", job.from, job.to);
    let bucket = bucket.ok_or_else(|| CliError::failed("no bucket to copy with"))?;
    match &job.kind {
        JobKind::Upload { path, key } => {
            transfer::upload(bucket, path, key, options, progress).await
        }
        JobKind::Download { key, version, path } => {
            transfer::download(
                bucket,
                key,
                version.as_deref(),
                path,
                job.entry.mtime,
                options,
                progress,
            )
            .await
        }
        JobKind::Copy {
            src_bucket,
            src_key,
            version,
            key,
        } => {
            transfer::copy(
                bucket,
                src_bucket,
                src_key,
                version.as_deref(),
                key,
                options,
                progress,
            )
            .await
        }
    }
    .map_err(|e| CliError::oss(what(), e))
}

/// Runs `jobs` with up to `parallel` at a time under one progress bar; every failure is
/// reported on stderr and counted. `after` runs after each success (the journal, `mv`'s
/// removal of the source).
pub async fn run_jobs(
    ctx: &Ctx,
    bucket: Option<&Bucket>,
    jobs: Vec<Job>,
    options: &TransferOptions,
    parallel: usize,
    after: &(dyn Fn(&Job) -> Result<(), CliError> + Sync),
) -> Done {
    let total: u64 = jobs.iter().map(|j| j.entry.size).sum();
    let n = jobs.len() as u64;
    let bar = if ctx.global.quiet || !ctx.out.is_text() {
        Bar::hidden()
    } else {
        Bar::new(&count(n, "file"), Some(total))
    };
    let copied = AtomicU64::new(0);
    let bytes = AtomicU64::new(0);
    let resumed = AtomicU64::new(0);
    let failed = AtomicU64::new(0);
    let bar_ref = &bar;
    futures_util::stream::iter(jobs)
        .map(|job| {
            let bar = bar_ref;
            let progress: transfer::Progress = Arc::new(bar.part_callback());
            let (copied, bytes, resumed, failed) = (&copied, &bytes, &resumed, &failed);
            async move {
                let result = match run_job(bucket, &job, options, progress).await {
                    Ok(m) => after(&job).map(|_| m),
                    Err(e) => Err(e),
                };
                match result {
                    Ok(m) => {
                        copied.fetch_add(1, Ordering::Relaxed);
                        bytes.fetch_add(m.size, Ordering::Relaxed);
                        resumed.fetch_add(m.resumed, Ordering::Relaxed);
                    }
                    Err(e) => {
                        bar.suspend(|| eprintln!("oss: {e}"));
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        })
        .buffer_unordered(parallel.max(1))
        .collect::<Vec<()>>()
        .await;
    bar.finish();
    Done {
        copied: copied.into_inner(),
        bytes: bytes.into_inner(),
        resumed: resumed.into_inner(),
        failed: failed.into_inner(),
    }
}

/// Prints the jobs a dry run would do, and a summary.
pub fn print_dry_run(
    ctx: &Ctx,
    plan: &Plan,
    deletes: &[String],
    verb: &str,
) -> Result<(), CliError> {
    let mut printer = ctx.out.list("DryRun", "Action")?;
    for j in &plan.jobs {
        printer.item(
            json!({"Action": verb, "From": j.from, "To": j.to, "Size": j.entry.size,
                   "Reason": j.reason.as_str()}),
            || {
                format!(
                    "would {verb} {} -> {} ({}, {})",
                    j.from,
                    j.to,
                    human_size(j.entry.size),
                    j.reason.as_str()
                )
            },
        )?;
    }
    for d in deletes {
        printer.item(json!({"Action": "delete", "Target": d}), || {
            format!("would delete {d}")
        })?;
    }
    let bytes: u64 = plan.jobs.iter().map(|j| j.entry.size).sum();
    let n = plan.jobs.len() as u64;
    printer.finish(
        json!({"Files": n, "Bytes": bytes, "Skipped": plan.skipped,
               "Deleted": deletes.len(), "DryRun": true}),
        || {
            let mut t = format!(
                "would {verb} {} ({}), {} unchanged",
                count(n, "file"),
                human_size(bytes),
                plan.skipped
            );
            if !deletes.is_empty() {
                t.push_str(&format!(", would delete {}", deletes.len()));
            }
            t
        },
    )
}

/// Copies `SRC` to `DST`.
pub async fn cp(ctx: &Ctx, args: CpArgs) -> Result<(), CliError> {
    let headers = ObjectHeaders::from_args(&args.headers)?;
    let options = transfer_options(&args.transfer, headers);
    let clients = ctx.clients_limited(args.transfer.bandwidth_limit)?;
    let cmp = Compare::of(&args.compare, Compare::Always);
    if args.src == "-" || args.dst == "-" {
        return cp_stream(ctx, &clients, &args, &options).await;
    }
    let src = Location::parse(&args.src)?;
    let dst = Location::parse(&args.dst)?;
    if let (Location::Local(_), Location::Local(_)) = (&src, &dst) {
        return Err(CliError::usage(
            "both SRC and DST are local paths: one of them must be an oss:// URL",
        ));
    }
    if !args.recursive {
        if args.files_from.is_some() {
            return Err(CliError::usage(
                "--files-from lists names under a directory: add -r",
            ));
        }
        return cp_one(ctx, &clients, &args, &src, &dst, cmp, &options, false).await;
    }
    if args.version_id.is_some() {
        return Err(CliError::usage(
            "--version-id names one object's version: leave out -r",
        ));
    }
    let filter = Filter::from_args(&args.filter)?;
    let names = args.files_from.as_deref().map(read_list).transpose()?;
    let src_side = Side::of(&clients, &src)?;
    let dst_side = Side::of(&clients, &dst)?;
    if let Side::Local(dir) = &src_side {
        if !dir.is_dir() {
            return Err(CliError::usage(format!(
                "{} is not a directory",
                dir.display()
            )));
        }
    }
    let sources = src_side.list(&filter, names.as_deref(), false).await?;
    let journal = match &options.checkpoint_dir {
        Some(dir) if !ctx.dry_run() => Some(Journal::open(
            dir,
            "cp",
            &src_side.display(),
            &dst_side.display(),
        )?),
        _ => None,
    };
    // The destination is listed to find overwrites (unless -f) and for the rules.
    let need_dst = cmp != Compare::Always || !ctx.global.force;
    let dst_entries = if need_dst {
        Some(dst_side.list(&filter, None, true).await?)
    } else {
        None
    };
    let plan = plan(
        &src_side,
        &dst_side,
        sources,
        dst_entries,
        cmp,
        journal.as_ref(),
        usize::from(args.transfer.jobs),
    )
    .await?;
    if !plan.overwrites.is_empty() {
        ctx.confirm(&format!(
            "Overwrite {} under {}, among them {}?",
            count(plan.overwrites.len() as u64, "existing file"),
            dst_side.display(),
            plan.overwrites[0]
        ))?;
    }
    if ctx.dry_run() {
        return print_dry_run(ctx, &plan, &[], "copy");
    }
    let bucket = match (&src_side, &dst_side) {
        (_, Side::Oss { bucket, .. }) => bucket.clone(),
        (Side::Oss { bucket, .. }, _) => bucket.clone(),
        _ => unreachable_local()?,
    };
    let skipped = plan.skipped;
    let n = plan.jobs.len() as u64;
    let record = |job: &Job| {
        if let Some(j) = &journal {
            j.record(&job.entry);
        }
        Ok(())
    };
    let done = run_jobs(
        ctx,
        Some(&bucket),
        plan.jobs,
        &options,
        usize::from(args.transfer.jobs),
        &record,
    )
    .await;
    if done.failed == 0 {
        if let Some(j) = journal {
            j.finish();
        }
    }
    summary(ctx, "copied", &done, skipped, 0, &args.src, &args.dst)?;
    if done.failed > 0 {
        return Err(CliError::partial(done.failed, n, "file"));
    }
    Ok(())
}

fn unreachable_local() -> Result<Bucket, CliError> {
    Err(CliError::usage(
        "both SRC and DST are local paths: one of them must be an oss:// URL",
    ))
}

/// Prints what a batch did.
pub fn summary(
    ctx: &Ctx,
    verb: &str,
    done: &Done,
    skipped: u64,
    deleted: u64,
    src: &str,
    dst: &str,
) -> Result<(), CliError> {
    let resumed = if done.resumed > 0 {
        format!(", {} resumed", human_size(done.resumed))
    } else {
        String::new()
    };
    let mut text = format!(
        "{verb} {} ({}{resumed}) from {src} to {dst}",
        count(done.copied, "file"),
        human_size(done.bytes)
    );
    if skipped > 0 {
        text.push_str(&format!(", {skipped} unchanged"));
    }
    if deleted > 0 {
        text.push_str(&format!(", {deleted} deleted"));
    }
    if done.failed > 0 {
        text.push_str(&format!(", {} failed", done.failed));
    }
    let doc = json!({
        "Source": src, "Destination": dst, "Files": done.copied, "Bytes": done.bytes,
        "ResumedBytes": done.resumed, "Skipped": skipped, "Deleted": deleted,
        "Failed": done.failed,
    });
    if ctx.out.is_text() {
        ctx.out.note(text)
    } else {
        ctx.out.record("Summary", doc, String::new)
    }
}

/// The entry of a single local file, if it exists.
fn local_entry(path: &Path) -> Result<Option<Entry>, CliError> {
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() => Ok(Some(Entry {
            rel: String::new(),
            size: m.len(),
            mtime: mtime_of(&m),
            etag: None,
            storage_class: None,
            path: Some(path.to_path_buf()),
            key: None,
            crc64: None,
        })),
        Ok(_) => Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(CliError::io(format!("cannot read {}", path.display()), e)),
    }
}

/// The entry of a single object (or version), if it exists.
async fn object_entry(
    bucket: &Bucket,
    url: &OssUrl,
    version: Option<&str>,
) -> Result<Option<Entry>, CliError> {
    let mut req = bucket.head_object(&url.key);
    if let Some(v) = version {
        req = req.param("versionId", v);
    }
    match req.await {
        Ok(h) => Ok(Some(Entry {
            rel: String::new(),
            size: h.content_length.unwrap_or(0),
            mtime: h.last_modified,
            etag: Some(h.etag),
            storage_class: h.storage_class,
            path: None,
            key: Some(url.key.clone()),
            crc64: h.crc64,
        })),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(CliError::oss(format!("cannot stat {url}"), e)),
    }
}

/// One file or object. `mv` removes the source afterwards.
#[allow(clippy::too_many_arguments)]
async fn cp_one(
    ctx: &Ctx,
    clients: &Clients,
    args: &CpArgs,
    src: &Location,
    dst: &Location,
    cmp: Compare,
    options: &TransferOptions,
    remove_source: bool,
) -> Result<(), CliError> {
    let dst_is_dir = args.dst.ends_with('/') || args.dst.ends_with(std::path::MAIN_SEPARATOR);
    // The source entry and the destination.
    let (entry, kind, bucket, to_side): (Entry, JobKind, Bucket, Option<Entry>) = match (src, dst) {
        (Location::Local(path), Location::Oss(url)) => {
            if args.version_id.is_some() {
                return Err(CliError::usage("--version-id is for an object source"));
            }
            let e = local_entry(path)?.ok_or_else(|| {
                if path.is_dir() {
                    CliError::usage(format!(
                        "{} is a directory: use -r to copy it",
                        path.display()
                    ))
                } else {
                    CliError::usage(format!("{} does not exist", path.display()))
                }
            })?;
            let key = if url.key.is_empty() || url.key.ends_with('/') {
                let name = path.file_name().and_then(|n| n.to_str()).ok_or_else(|| {
                    CliError::usage(format!("{} has no usable file name", path.display()))
                })?;
                format!("{}{name}", url.key)
            } else {
                url.key.clone()
            };
            let bucket = clients.bucket(&url.bucket)?;
            let target = url.with_key(key.clone());
            let existing = object_entry(&bucket, &target, None).await?;
            (
                e,
                JobKind::Upload {
                    path: path.clone(),
                    key,
                },
                bucket,
                existing,
            )
        }
        (Location::Oss(url), Location::Local(path)) => {
            let url = OssUrl::parse_object(&url.to_string())?;
            let bucket = clients.bucket(&url.bucket)?;
            let e = object_entry(&bucket, &url, args.version_id.as_deref())
                .await?
                .ok_or_else(|| {
                    CliError::failed(format!(
                        "cannot read {url}: NoSuchKey (HTTP 404): the object does not exist"
                    ))
                })?;
            let path = if dst_is_dir || path.is_dir() {
                path.join(url.file_name())
            } else {
                path.clone()
            };
            let existing = local_entry(&path)?;
            (
                e,
                JobKind::Download {
                    key: url.key.clone(),
                    version: args.version_id.clone(),
                    path,
                },
                bucket,
                existing,
            )
        }
        (Location::Oss(from), Location::Oss(to)) => {
            let from = OssUrl::parse_object(&from.to_string())?;
            let src_bucket = clients.bucket(&from.bucket)?;
            let e = object_entry(&src_bucket, &from, args.version_id.as_deref())
                .await?
                .ok_or_else(|| {
                    CliError::failed(format!(
                        "cannot read {from}: NoSuchKey (HTTP 404): the object does not exist"
                    ))
                })?;
            let key = if to.key.is_empty() || to.key.ends_with('/') {
                format!("{}{}", to.key, from.file_name())
            } else {
                to.key.clone()
            };
            if from.bucket == to.bucket && from.key == key && args.version_id.is_none() {
                return Err(CliError::usage(format!(
                    "{from} would be copied onto itself (set-props changes its metadata)"
                )));
            }
            let bucket = clients.bucket(&to.bucket)?;
            let existing = object_entry(&bucket, &to.with_key(key.clone()), None).await?;
            (
                e,
                JobKind::Copy {
                    src_bucket: from.bucket.clone(),
                    src_key: from.key.clone(),
                    version: args.version_id.clone(),
                    key,
                },
                bucket,
                existing,
            )
        }
        (Location::Local(_), Location::Local(_)) => return Err(unreachable_local().unwrap_err()),
    };
    let (from, to) = match &kind {
        JobKind::Upload { path, key } => (
            path.display().to_string(),
            format!("oss://{}/{key}", bucket.name()),
        ),
        JobKind::Download { key, path, .. } => (
            format!("oss://{}/{key}", bucket.name()),
            path.display().to_string(),
        ),
        JobKind::Copy {
            src_bucket,
            src_key,
            key,
            ..
        } => (
            format!("oss://{src_bucket}/{src_key}"),
            format!("oss://{}/{key}", bucket.name()),
        ),
    };
    let Some(reason) = decide(cmp, &entry, to_side.as_ref()) else {
        return ctx.out.done(
            "Skipped",
            json!({"From": from, "To": to, "Skipped": true}),
            || format!("skipped {from}: {to} is up to date"),
        );
    };
    if cmp == Compare::Checksum {
        if let Some(d) = to_side.as_ref().filter(|d| d.size == entry.size) {
            let src_crc = match &kind {
                JobKind::Upload { path, .. } => Some(file_crc64(path).await?),
                _ => entry.crc64,
            };
            let dst_crc = match &kind {
                JobKind::Download { path, .. } => Some(file_crc64(path).await?),
                _ => d.crc64,
            };
            if src_crc.is_some() && src_crc == dst_crc {
                return ctx.out.record(
                    "Skipped",
                    json!({"From": from, "To": to, "Skipped": true}),
                    || format!("skipped {from}: {to} has the same CRC-64"),
                );
            }
        }
    }
    if reason == Reason::Overwrite {
        ctx.confirm(&format!("Overwrite {to}?"))?;
    }
    let job = Job {
        from: from.clone(),
        to: to.clone(),
        entry,
        reason,
        kind,
    };
    if ctx.dry_run() {
        let plan = Plan {
            jobs: vec![job],
            ..Default::default()
        };
        return print_dry_run(ctx, &plan, &[], if remove_source { "move" } else { "copy" });
    }
    let bar = if ctx.global.quiet || !ctx.out.is_text() {
        Bar::hidden()
    } else {
        Bar::new(&job.to, Some(job.entry.size))
    };
    let result = run_job(Some(&bucket), &job, options, Arc::new(bar.callback())).await;
    bar.finish();
    let moved = result?;
    if remove_source {
        remove_source_of(clients, &job).await?;
    }
    let resumed = if moved.resumed > 0 {
        format!(", {} resumed", human_size(moved.resumed))
    } else {
        String::new()
    };
    let verb = if remove_source { "moved" } else { "copied" };
    ctx.out.done(
        "Copied",
        json!({"From": from, "To": to, "Size": moved.size, "ResumedBytes": moved.resumed}),
        || {
            format!(
                "{verb} {from} -> {to} ({}{resumed})",
                human_size(moved.size)
            )
        },
    )
}

/// `cp - oss://…` (stdin up) and `cp oss://… -` (an object to stdout).
async fn cp_stream(
    ctx: &Ctx,
    clients: &Clients,
    args: &CpArgs,
    options: &TransferOptions,
) -> Result<(), CliError> {
    if args.recursive {
        return Err(CliError::usage(
            "`-` (stdin/stdout) takes one object: leave out -r",
        ));
    }
    match (args.src.as_str(), args.dst.as_str()) {
        ("-", "-") => Err(CliError::usage("stdin to stdout needs no OSS")),
        ("-", dst) => {
            let url = match Location::parse(dst)? {
                Location::Oss(u) => OssUrl::parse_object(&u.to_string())?,
                Location::Local(_) => {
                    return Err(CliError::usage(
                        "stdin goes to an object (oss://bucket/key)",
                    ))
                }
            };
            let bucket = clients.bucket(&url.bucket)?;
            if !ctx.global.force || Compare::of(&args.compare, Compare::Always) != Compare::Always {
                if let Some(existing) = object_entry(&bucket, &url, None).await? {
                    if args.compare.ignore_existing {
                        return ctx.out.record(
                            "Skipped",
                            json!({"To": url.to_string(), "Skipped": true}),
                            || format!("skipped: {url} exists ({})", human_size(existing.size)),
                        );
                    }
                    ctx.confirm(&format!("Overwrite {url}?"))?;
                }
            }
            if ctx.dry_run() {
                return ctx.out.record(
                    "DryRun",
                    json!({"Action": "upload", "From": "-", "To": url.to_string()}),
                    || format!("would upload stdin -> {url}"),
                );
            }
            let moved = transfer::upload_stdin(&bucket, &url.key, options, Arc::new(|_, _| {}))
                .await
                .map_err(|e| CliError::oss(format!("cannot upload stdin to {url}"), e))?;
            ctx.out.done(
                "Copied",
                json!({"From": "-", "To": url.to_string(), "Size": moved.size}),
                || format!("copied stdin -> {url} ({})", human_size(moved.size)),
            )
        }
        (src, _) => {
            let url = match Location::parse(src)? {
                Location::Oss(u) => OssUrl::parse_object(&u.to_string())?,
                Location::Local(_) => {
                    return Err(CliError::usage("stdout takes an object (oss://bucket/key)"))
                }
            };
            let bucket = clients.bucket(&url.bucket)?;
            transfer::download_stdout(&bucket, &url.key, args.version_id.as_deref()).await?;
            Ok(())
        }
    }
}

/// Removes the source of a job that completed (`mv`).
async fn remove_source_of(clients: &Clients, job: &Job) -> Result<(), CliError> {
    match &job.kind {
        JobKind::Upload { path, .. } => tokio::fs::remove_file(path)
            .await
            .map_err(|e| CliError::io(format!("copied, but cannot remove {}", path.display()), e)),
        JobKind::Download { key, version, .. } => {
            let bucket_name = job
                .from
                .strip_prefix("oss://")
                .and_then(|r| r.split('/').next())
                .unwrap_or_default();
            let bucket = clients.bucket(bucket_name)?;
            let mut req = bucket.delete_object(key);
            if let Some(v) = version {
                req = req.param("versionId", v);
            }
            req.await
                .map(|_| ())
                .map_err(|e| CliError::oss(format!("copied, but cannot remove {}", job.from), e))
        }
        JobKind::Copy {
            src_bucket,
            src_key,
            version,
            ..
        } => {
            let bucket = clients.bucket(src_bucket)?;
            let mut req = bucket.delete_object(src_key);
            if let Some(v) = version {
                req = req.param("versionId", v);
            }
            req.await
                .map(|_| ())
                .map_err(|e| CliError::oss(format!("copied, but cannot remove {}", job.from), e))
        }
    }
}

/// Moves `SRC` to `DST`: each file or object is copied, then its source removed.
pub async fn mv(ctx: &Ctx, args: MvArgs) -> Result<(), CliError> {
    let options = transfer_options(&args.transfer, ObjectHeaders::default());
    let clients = ctx.clients_limited(args.transfer.bandwidth_limit)?;
    let src = Location::parse(&args.src)?;
    let dst = Location::parse(&args.dst)?;
    if let (Location::Local(_), Location::Local(_)) = (&src, &dst) {
        return Err(CliError::usage(
            "both SRC and DST are local paths: one of them must be an oss:// URL",
        ));
    }
    if !args.recursive {
        let cp_args = CpArgs {
            src: args.src.clone(),
            dst: args.dst.clone(),
            recursive: false,
            version_id: None,
            files_from: None,
            compare: CompareArgs::default(),
            filter: args.filter.clone(),
            transfer: args.transfer.clone(),
            headers: Default::default(),
        };
        return cp_one(
            ctx,
            &clients,
            &cp_args,
            &src,
            &dst,
            Compare::Always,
            &options,
            true,
        )
        .await;
    }
    let filter = Filter::from_args(&args.filter)?;
    let src_side = Side::of(&clients, &src)?;
    let dst_side = Side::of(&clients, &dst)?;
    let sources = src_side.list(&filter, None, false).await?;
    let dst_entries = dst_side.list(&filter, None, true).await?;
    let plan = plan(
        &src_side,
        &dst_side,
        sources,
        Some(dst_entries),
        Compare::Always,
        None,
        usize::from(args.transfer.jobs),
    )
    .await?;
    if !plan.jobs.is_empty() {
        let mut q = format!(
            "Move {} from {} to {} (removing them from {})",
            count(plan.jobs.len() as u64, "file"),
            src_side.display(),
            dst_side.display(),
            src_side.display()
        );
        if !plan.overwrites.is_empty() {
            q.push_str(&format!(
                ", overwriting {}",
                count(plan.overwrites.len() as u64, "existing file")
            ));
        }
        q.push('?');
        ctx.confirm(&q)?;
    }
    if ctx.dry_run() {
        return print_dry_run(ctx, &plan, &[], "move");
    }
    let bucket = match (&src_side, &dst_side) {
        (_, Side::Oss { bucket, .. }) => bucket.clone(),
        (Side::Oss { bucket, .. }, _) => bucket.clone(),
        _ => unreachable_local()?,
    };
    let n = plan.jobs.len() as u64;
    // Sources are removed after each copy, local files at once, objects in batches.
    let local_src = matches!(src_side, Side::Local(_));
    let to_delete = std::sync::Mutex::new(Vec::new());
    let after = |job: &Job| {
        if local_src {
            if let JobKind::Upload { path, .. } = &job.kind {
                std::fs::remove_file(path).map_err(|e| {
                    CliError::io(format!("copied, but cannot remove {}", path.display()), e)
                })?;
            }
        } else if let Some(k) = &job.entry.key {
            to_delete
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(k.clone());
        }
        Ok(())
    };
    let done = run_jobs(
        ctx,
        Some(&bucket),
        plan.jobs,
        &options,
        usize::from(args.transfer.jobs),
        &after,
    )
    .await;
    let keys = to_delete.into_inner().unwrap_or_else(|p| p.into_inner());
    if let (Side::Oss { bucket, url }, false) = (&src_side, keys.is_empty()) {
        super::delete_keys(bucket, url, keys).await?;
    }
    summary(ctx, "moved", &done, plan.skipped, 0, &args.src, &args.dst)?;
    if done.failed > 0 {
        return Err(CliError::partial(done.failed, n, "file"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(size: u64, mtime: i64) -> Entry {
        Entry {
            rel: "x".into(),
            size,
            mtime: Some(mtime),
            etag: None,
            storage_class: None,
            path: None,
            key: None,
            crc64: None,
        }
    }

    #[test]
    fn keys_become_paths_under_the_directory() {
        let dir = Path::new("out");
        assert_eq!(
            local_path(dir, "a/b.txt"),
            Some(dir.join("a").join("b.txt"))
        );
        assert_eq!(local_path(dir, "../x"), None);
        assert_eq!(local_path(dir, "a/../../x"), None);
        assert_eq!(local_path(dir, "a//b"), None);
        assert_eq!(local_path(dir, "./b"), None);
        assert_eq!(local_path(dir, "/etc/passwd"), None);
    }

    #[test]
    fn decisions() {
        use Compare::*;
        assert_eq!(decide(SizeAndTime, &e(1, 10), None), Some(Reason::New));
        assert_eq!(decide(SizeAndTime, &e(1, 10), Some(&e(1, 10))), None);
        assert_eq!(decide(SizeAndTime, &e(1, 9), Some(&e(1, 10))), None);
        assert_eq!(
            decide(SizeAndTime, &e(2, 9), Some(&e(1, 10))),
            Some(Reason::Changed)
        );
        assert_eq!(
            decide(SizeAndTime, &e(1, 11), Some(&e(1, 10))),
            Some(Reason::Changed)
        );
        assert_eq!(decide(Update, &e(2, 9), Some(&e(1, 10))), None);
        assert_eq!(
            decide(Update, &e(1, 11), Some(&e(1, 10))),
            Some(Reason::Changed)
        );
        assert_eq!(decide(SizeOnly, &e(1, 11), Some(&e(1, 10))), None);
        assert_eq!(decide(IgnoreExisting, &e(2, 11), Some(&e(1, 10))), None);
        assert_eq!(
            decide(Always, &e(1, 1), Some(&e(1, 10))),
            Some(Reason::Overwrite)
        );
        assert_eq!(
            decide(Checksum, &e(1, 1), Some(&e(1, 10))),
            Some(Reason::Changed)
        );
    }
}
