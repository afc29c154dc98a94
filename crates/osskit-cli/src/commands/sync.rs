//! `sync`: makes the destination like the source. Entries the destination lacks, or has
//! with another size or an older time, are copied; with `--delete`, what the source lacks
//! goes. Both sides are listed once (no request per unchanged entry), so a second run over
//! an unchanged tree sends no data, and an interrupted run started again copies only what
//! is missing (large files resume from their checkpoints).

use serde_json::json;

use super::cp::{plan, print_dry_run, run_jobs, summary, transfer_options, Compare, Side};
use super::Ctx;
use crate::args::SyncArgs;
use crate::error::CliError;
use crate::filter::{read_list, Filter};
use crate::format::count;
use crate::location::Location;
use crate::transfer::ObjectHeaders;

/// Syncs `SRC` to `DST`.
pub async fn sync(ctx: &Ctx, args: SyncArgs) -> Result<(), CliError> {
    let headers = ObjectHeaders::from_args(&args.headers)?;
    let options = transfer_options(&args.transfer, headers);
    let clients = ctx.clients_limited(args.transfer.bandwidth_limit)?;
    let src = Location::parse(&args.src)?;
    let dst = Location::parse(&args.dst)?;
    if let (Location::Local(_), Location::Local(_)) = (&src, &dst) {
        return Err(CliError::usage(
            "both SRC and DST are local paths: one of them must be an oss:// URL",
        ));
    }
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
    if let (Side::Oss { url: s, .. }, Side::Oss { url: d, .. }) = (&src_side, &dst_side) {
        if s.bucket == d.bucket && (s.key.starts_with(&d.key) || d.key.starts_with(&s.key)) {
            return Err(CliError::usage(format!(
                "{s} and {d} overlap: a sync between them would feed on itself"
            )));
        }
    }
    let filter = Filter::from_args(&args.filter)?;
    let names = args.files_from.as_deref().map(read_list).transpose()?;
    let jobs = usize::from(args.transfer.jobs);
    let (sources, dst_entries) = tokio::try_join!(
        src_side.list(&filter, names.as_deref(), false),
        dst_side.list(&filter, None, true)
    )?;
    let cmp = Compare::of(&args.compare, Compare::SizeAndTime);
    let mut plan = plan(
        &src_side,
        &dst_side,
        sources,
        Some(dst_entries),
        cmp,
        None,
        jobs,
    )
    .await?;
    // With --files-from only the listed names are in the source: nothing else is deleted.
    let extra = if args.delete && names.is_none() {
        std::mem::take(&mut plan.extra)
    } else {
        Vec::new()
    };
    if args.delete && names.is_some() {
        ctx.warn("--delete is left out with --files-from (only the listed names are compared)");
    }
    let delete_names: Vec<String> = extra
        .iter()
        .map(|e| match &dst_side {
            Side::Local(dir) => dir.join(&e.rel).display().to_string(),
            Side::Oss { url, .. } => url.with_key(e.key.clone().unwrap_or_default()).to_string(),
        })
        .collect();
    if !extra.is_empty() {
        ctx.confirm(&format!(
            "Delete {} from {} that {} lacks, among them {}?",
            count(extra.len() as u64, "file"),
            dst_side.display(),
            src_side.display(),
            delete_names[0]
        ))?;
    }
    if ctx.dry_run() {
        return print_dry_run(ctx, &plan, &delete_names, "copy");
    }
    let bucket = match (&src_side, &dst_side) {
        (_, Side::Oss { bucket, .. }) => bucket.clone(),
        (Side::Oss { bucket, .. }, _) => bucket.clone(),
        _ => unreachable!("checked above"),
    };
    let skipped = plan.skipped;
    let n = plan.jobs.len() as u64;
    let done = run_jobs(ctx, Some(&bucket), plan.jobs, &options, jobs, &|_| Ok(())).await;
    if done.failed > 0 {
        summary(ctx, "synced", &done, skipped, 0, &args.src, &args.dst)?;
        let mut e = CliError::partial(done.failed, n, "file");
        if !extra.is_empty() {
            e = CliError::failed(format!("{e}; nothing was deleted"));
        }
        return Err(e);
    }
    // Deletions come after every copy succeeded.
    let mut deleted = 0u64;
    match &dst_side {
        Side::Local(_) => {
            for e in &extra {
                if let Some(p) = &e.path {
                    tokio::fs::remove_file(p).await.map_err(|err| {
                        CliError::io(format!("cannot delete {}", p.display()), err)
                    })?;
                    deleted += 1;
                }
            }
        }
        Side::Oss { bucket, url } => {
            let keys: Vec<String> = extra.iter().filter_map(|e| e.key.clone()).collect();
            if !keys.is_empty() {
                deleted = super::delete_keys(bucket, url, keys).await?;
            }
        }
    }
    if !ctx.out.is_text() {
        return ctx.out.record(
            "Summary",
            json!({
                "Source": args.src, "Destination": args.dst, "Files": done.copied,
                "Bytes": done.bytes, "ResumedBytes": done.resumed, "Skipped": skipped,
                "Deleted": deleted, "Failed": 0,
            }),
            String::new,
        );
    }
    summary(ctx, "synced", &done, skipped, deleted, &args.src, &args.dst)
}
