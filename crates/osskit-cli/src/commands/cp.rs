//! `cp`: local→OSS, OSS→local and OSS→OSS, one object or a whole directory / prefix.

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use futures_util::{StreamExt, TryStreamExt};
use osskit::Bucket;

use crate::args::CpArgs;
use crate::client::Clients;
use crate::error::CliError;
use crate::format::{count, human_size};
use crate::location::{Location, OssUrl};
use crate::progress::Bar;
use crate::transfer::{self, Moved, TransferOptions};

/// One object or file to move.
#[derive(Debug, Clone)]
struct Job {
    /// Shown in messages.
    from: String,
    to: String,
    size: u64,
    kind: JobKind,
}

#[derive(Debug, Clone)]
enum JobKind {
    Upload {
        path: PathBuf,
        key: String,
    },
    Download {
        key: String,
        path: PathBuf,
    },
    Copy {
        src_bucket: String,
        src_key: String,
        key: String,
    },
}

/// Copies `SRC` to `DST`.
pub async fn cp(clients: &Clients, args: CpArgs) -> Result<(), CliError> {
    let src = Location::parse(&args.src)?;
    let dst = Location::parse(&args.dst)?;
    let dst_is_dir = args.dst.ends_with('/') || args.dst.ends_with(std::path::MAIN_SEPARATOR);
    let (bucket, jobs) = match (&src, &dst) {
        (Location::Local(_), Location::Local(_)) => {
            return Err(CliError::usage(
                "both SRC and DST are local paths: one of them must be an oss:// URL",
            ))
        }
        (Location::Local(path), Location::Oss(url)) => {
            let jobs = if args.recursive {
                upload_dir_jobs(path, url)?
            } else {
                vec![upload_file_job(path, url)?]
            };
            (clients.bucket(&url.bucket)?, jobs)
        }
        (Location::Oss(url), Location::Local(path)) => {
            let bucket = clients.bucket(&url.bucket)?;
            let jobs = if args.recursive {
                download_prefix_jobs(&bucket, url, path).await?
            } else {
                vec![download_object_job(&bucket, url, path, dst_is_dir).await?]
            };
            (bucket, jobs)
        }
        (Location::Oss(from), Location::Oss(to)) => {
            let src_bucket = clients.bucket(&from.bucket)?;
            let jobs = if args.recursive {
                copy_prefix_jobs(&src_bucket, from, to).await?
            } else {
                vec![copy_object_job(&src_bucket, from, to).await?]
            };
            (clients.bucket(&to.bucket)?, jobs)
        }
    };
    let options = transfer_options(&args);
    if args.recursive {
        run_many(
            &bucket,
            jobs,
            &options,
            usize::from(args.jobs),
            &args.src,
            &args.dst,
        )
        .await
    } else {
        for job in jobs {
            let bar = Bar::new(&job.to, Some(job.size));
            let result = run(&bucket, &job, &options, Arc::new(bar.callback())).await;
            bar.finish();
            let moved = result?;
            let resumed = if moved.resumed > 0 {
                format!(", {} resumed", human_size(moved.resumed))
            } else {
                String::new()
            };
            println!(
                "copied {} -> {} ({}{resumed})",
                job.from,
                job.to,
                human_size(moved.size)
            );
        }
        Ok(())
    }
}

/// The transfer settings of `cp`'s flags.
fn transfer_options(args: &CpArgs) -> TransferOptions {
    TransferOptions {
        threshold: args.threshold,
        part_size: args.part_size,
        parallelism: usize::from(args.parallel),
        checkpoint_dir: if args.no_checkpoint {
            None
        } else {
            Some(
                args.checkpoint_dir
                    .clone()
                    .or_else(default_checkpoint_dir)
                    .unwrap_or_else(osskit::transfer::default_checkpoint_dir),
            )
        },
    }
}

/// `~/.oss/checkpoints`, beside the configuration file.
fn default_checkpoint_dir() -> Option<PathBuf> {
    crate::config::default_config_path().and_then(|p| p.parent().map(|dir| dir.join("checkpoints")))
}

/// Runs `jobs` with up to `parallel` at a time; every failure is reported, the first
/// one is returned after the others have run.
async fn run_many(
    bucket: &Bucket,
    jobs: Vec<Job>,
    options: &TransferOptions,
    parallel: usize,
    src: &str,
    dst: &str,
) -> Result<(), CliError> {
    let total: u64 = jobs.iter().map(|j| j.size).sum();
    let n = jobs.len() as u64;
    let bar = Bar::new(&count(n, "file"), Some(total));
    let results: Vec<Result<Moved, CliError>> = futures_util::stream::iter(jobs)
        .map(|job| {
            let progress: transfer::Progress = Arc::new(bar.part_callback());
            async move { run(bucket, &job, options, progress).await }
        })
        .buffer_unordered(parallel)
        .collect()
        .await;
    bar.finish();
    let mut failures = Vec::new();
    let (mut done, mut bytes, mut resumed) = (0u64, 0u64, 0u64);
    for r in results {
        match r {
            Ok(moved) => {
                done += 1;
                bytes += moved.size;
                resumed += moved.resumed;
            }
            Err(e) => {
                eprintln!("oss: {e}");
                failures.push(e);
            }
        }
    }
    let resumed = if resumed > 0 {
        format!(", {} resumed", human_size(resumed))
    } else {
        String::new()
    };
    println!(
        "copied {} ({}{resumed}) from {src} to {dst}",
        count(done, "file"),
        human_size(bytes)
    );
    match failures.into_iter().next() {
        None => Ok(()),
        Some(first) if n == 1 => Err(first),
        Some(_) => Err(CliError::failed(format!(
            "{} of {} failed",
            n - done,
            count(n, "file")
        ))),
    }
}

/// Moves the bytes of one job.
async fn run(
    bucket: &Bucket,
    job: &Job,
    options: &TransferOptions,
    progress: transfer::Progress,
) -> Result<Moved, CliError> {
    let what = || format!("cannot copy {} to {}", job.from, job.to);
    match &job.kind {
        JobKind::Upload { path, key } => {
            transfer::upload(bucket, path, key, options, progress).await
        }
        JobKind::Download { key, path } => {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                tokio::fs::create_dir_all(parent)
                    .await
                    .map_err(|e| CliError::io(format!("cannot create {}", parent.display()), e))?;
            }
            transfer::download(bucket, key, path, options, progress).await
        }
        JobKind::Copy {
            src_bucket,
            src_key,
            key,
        } => transfer::copy(bucket, src_bucket, src_key, key, options, progress).await,
    }
    .map_err(|e| CliError::oss(what(), e))
}

fn upload_file_job(path: &Path, url: &OssUrl) -> Result<Job, CliError> {
    let meta = std::fs::metadata(path)
        .map_err(|e| CliError::io(format!("cannot read {}", path.display()), e))?;
    if meta.is_dir() {
        return Err(CliError::usage(format!(
            "{} is a directory: use -r to copy it",
            path.display()
        )));
    }
    let key = if url.key.is_empty() || url.key.ends_with('/') {
        let name = path.file_name().and_then(|n| n.to_str()).ok_or_else(|| {
            CliError::usage(format!("{} has no usable file name", path.display()))
        })?;
        format!("{}{name}", url.key)
    } else {
        url.key.clone()
    };
    let to = url.with_key(key.clone());
    Ok(Job {
        from: path.display().to_string(),
        to: to.to_string(),
        size: meta.len(),
        kind: JobKind::Upload {
            path: path.to_path_buf(),
            key,
        },
    })
}

/// Every file under `dir`, as `(path, '/'-joined relative name, size)`, sorted by name.
/// Symbolic links to files are followed; links to directories are not (no cycles).
fn walk(dir: &Path) -> Result<Vec<(PathBuf, String, u64)>, CliError> {
    let mut out = Vec::new();
    let mut pending = vec![(dir.to_path_buf(), String::new())];
    while let Some((current, rel)) = pending.pop() {
        let entries = std::fs::read_dir(&current)
            .map_err(|e| CliError::io(format!("cannot read {}", current.display()), e))?;
        for entry in entries {
            let entry =
                entry.map_err(|e| CliError::io(format!("cannot read {}", current.display()), e))?;
            let path = entry.path();
            let name = entry.file_name();
            let name = name.to_str().ok_or_else(|| {
                CliError::usage(format!("{} is not a UTF-8 name", path.display()))
            })?;
            let rel_name = format!("{rel}{name}");
            let file_type = entry
                .file_type()
                .map_err(|e| CliError::io(format!("cannot read {}", path.display()), e))?;
            if file_type.is_dir() {
                pending.push((path, format!("{rel_name}/")));
            } else {
                let meta = std::fs::metadata(&path)
                    .map_err(|e| CliError::io(format!("cannot read {}", path.display()), e))?;
                if meta.is_file() {
                    out.push((path, rel_name, meta.len()));
                }
            }
        }
    }
    out.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(out)
}

fn upload_dir_jobs(dir: &Path, url: &OssUrl) -> Result<Vec<Job>, CliError> {
    if !dir.is_dir() {
        return Err(CliError::usage(format!(
            "{} is not a directory",
            dir.display()
        )));
    }
    let prefix = url.dir_prefix();
    Ok(walk(dir)?
        .into_iter()
        .map(|(path, rel, size)| {
            let key = format!("{prefix}{rel}");
            Job {
                from: path.display().to_string(),
                to: url.with_key(key.clone()).to_string(),
                size,
                kind: JobKind::Upload { path, key },
            }
        })
        .collect())
}

async fn object_size(bucket: &Bucket, url: &OssUrl) -> Result<u64, CliError> {
    let head = bucket
        .head_object(&url.key)
        .await
        .map_err(|e| CliError::oss(format!("cannot read {url}"), e))?;
    Ok(head.content_length.unwrap_or(0))
}

async fn download_object_job(
    bucket: &Bucket,
    url: &OssUrl,
    path: &Path,
    dst_is_dir: bool,
) -> Result<Job, CliError> {
    let url = OssUrl::parse_object(&url.to_string())?;
    let size = object_size(bucket, &url).await?;
    let path = if dst_is_dir || path.is_dir() {
        path.join(url.file_name())
    } else {
        path.to_path_buf()
    };
    Ok(Job {
        from: url.to_string(),
        to: path.display().to_string(),
        size,
        kind: JobKind::Download { key: url.key, path },
    })
}

/// The local path of `rel` (a key relative to the prefix) under `dir`; `None` when the
/// key has empty, `.` or `..` segments, which could not be stored at its place safely.
fn local_path(dir: &Path, rel: &str) -> Option<PathBuf> {
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

async fn download_prefix_jobs(
    bucket: &Bucket,
    url: &OssUrl,
    dir: &Path,
) -> Result<Vec<Job>, CliError> {
    let prefix = url.dir_prefix();
    let objects: Vec<_> = super::objects_under(bucket, url, &prefix)
        .try_collect()
        .await?;
    let mut jobs = Vec::new();
    for o in objects {
        let rel = &o.key[prefix.len()..];
        if rel.is_empty() || rel.ends_with('/') {
            continue; // a directory marker
        }
        let Some(path) = local_path(dir, rel) else {
            return Err(CliError::failed(format!(
                "{} cannot be copied under {}: its key has empty, '.' or '..' segments",
                url.with_key(o.key.as_str()),
                dir.display()
            )));
        };
        jobs.push(Job {
            from: url.with_key(o.key.as_str()).to_string(),
            to: path.display().to_string(),
            size: o.size,
            kind: JobKind::Download { key: o.key, path },
        });
    }
    Ok(jobs)
}

async fn copy_object_job(bucket: &Bucket, from: &OssUrl, to: &OssUrl) -> Result<Job, CliError> {
    let from = OssUrl::parse_object(&from.to_string())?;
    let size = object_size(bucket, &from).await?;
    let key = if to.key.is_empty() || to.key.ends_with('/') {
        format!("{}{}", to.key, from.file_name())
    } else {
        to.key.clone()
    };
    Ok(Job {
        from: from.to_string(),
        to: to.with_key(key.clone()).to_string(),
        size,
        kind: JobKind::Copy {
            src_bucket: from.bucket.clone(),
            src_key: from.key.clone(),
            key,
        },
    })
}

async fn copy_prefix_jobs(
    bucket: &Bucket,
    from: &OssUrl,
    to: &OssUrl,
) -> Result<Vec<Job>, CliError> {
    let prefix = from.dir_prefix();
    let dst_prefix = to.dir_prefix();
    let objects: Vec<_> = super::objects_under(bucket, from, &prefix)
        .try_collect()
        .await?;
    Ok(objects
        .into_iter()
        .map(|o| {
            let key = format!("{dst_prefix}{}", &o.key[prefix.len()..]);
            Job {
                from: from.with_key(o.key.as_str()).to_string(),
                to: to.with_key(key.clone()).to_string(),
                size: o.size,
                kind: JobKind::Copy {
                    src_bucket: from.bucket.clone(),
                    src_key: o.key,
                    key,
                },
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn walk_lists_files_with_relative_names() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("sub/deeper")).unwrap();
        std::fs::write(dir.path().join("a.txt"), "a").unwrap();
        std::fs::write(dir.path().join("sub/b.txt"), "bb").unwrap();
        std::fs::write(dir.path().join("sub/deeper/c.txt"), "ccc").unwrap();
        let names: Vec<(String, u64)> = walk(dir.path())
            .unwrap()
            .into_iter()
            .map(|(_, rel, size)| (rel, size))
            .collect();
        assert_eq!(
            names,
            [
                ("a.txt".to_string(), 1),
                ("sub/b.txt".to_string(), 2),
                ("sub/deeper/c.txt".to_string(), 3)
            ]
        );
    }
}
