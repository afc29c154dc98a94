//! Group commit of metadata changes.
//!
//! Every change of [`FsStore`](super::FsStore) metadata is a *job*: a closure run inside a
//! redb write transaction, plus the blob directories whose new entries it names. One
//! committer thread takes a job from its queue, then everything queued behind it (up to
//! [`MAX_BATCH`]), and makes the whole batch durable at once:
//!
//! 1. each distinct blob directory named by the batch is fsynced once (the renames that put
//!    the batch's blobs in place become durable before any metadata naming them);
//! 2. the jobs run one after another in **one** write transaction, each seeing the changes
//!    of the jobs before it (so checks such as "forbid overwrite" stay exact);
//! 3. the transaction commits with `redb::Durability::Immediate` (one fsync of the database
//!    file for the whole batch);
//! 4. only then is each caller answered.
//!
//! So a caller is answered only once its change is durable, and a batch of N concurrent
//! writes costs one metadata commit instead of N. A job that fails before changing
//! anything (e.g. NoSuchBucket) fails alone. A job that fails *after* changing something
//! (or with an internal error) cannot be undone inside the shared transaction: the
//! transaction is aborted, that job gets its error, and the other jobs of the batch run
//! again in a fresh transaction — which is why jobs are `FnMut` and must not depend on
//! having run before.
//!
//! Blobs whose last reference a batch dropped are removed (through [`BlobGc`]) after the
//! commit and before the callers are answered; their garbage records are dropped by the
//! next batch. When a batch fails because the database hit an I/O error (a full disk), the
//! committer lets that database instance go: the next batch (and every reader) gets a
//! freshly opened one, so the server keeps working once space is free again.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;
use std::time::Duration;

use redb::Database;

use super::gc::BlobGc;
use super::meta::{db_err, DbCell, Tx};
use super::StoreError;

/// Most jobs committed by one transaction.
pub const MAX_BATCH: usize = 512;

/// Counters of a committer: how many transactions made how many jobs durable.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CommitStats {
    /// Metadata transactions committed (each one fsync of the database file).
    pub batches: u64,
    /// Jobs that succeeded and were committed by those transactions.
    pub writes: u64,
    /// Blob directories fsynced before the commits.
    pub dir_syncs: u64,
}

#[derive(Debug, Default)]
struct Counters {
    batches: AtomicU64,
    writes: AtomicU64,
    dir_syncs: AtomicU64,
}

/// How a job's change went.
enum Ran {
    /// It succeeded.
    Ok,
    /// It failed with a rule error (NoSuchKey, …); harmless unless it changed something.
    Refused,
    /// It failed with an internal error: the transaction may be unusable.
    Broken,
}

/// What the committer does with one job.
trait Job: Send {
    /// Directories to fsync before the transaction commits.
    fn dirs(&self) -> &[PathBuf];
    /// Runs the change.
    fn run(&mut self, tx: &mut Tx<'_>) -> Ran;
    /// Answers the caller: `committed` is the outcome of the batch's commit.
    fn finish(self: Box<Self>, committed: Result<(), StoreError>);
}

struct TypedJob<F, T> {
    dirs: Vec<PathBuf>,
    change: F,
    output: Option<Result<T, StoreError>>,
    reply: mpsc::SyncSender<Result<T, StoreError>>,
}

impl<F, T> Job for TypedJob<F, T>
where
    F: FnMut(&mut Tx<'_>) -> Result<T, StoreError> + Send,
    T: Send,
{
    fn dirs(&self) -> &[PathBuf] {
        &self.dirs
    }

    fn run(&mut self, tx: &mut Tx<'_>) -> Ran {
        let result = (self.change)(tx);
        let ran = match &result {
            Ok(_) => Ran::Ok,
            Err(StoreError::Internal(_) | StoreError::Unavailable(_)) => Ran::Broken,
            Err(_) => Ran::Refused,
        };
        self.output = Some(result);
        ran
    }

    fn finish(self: Box<Self>, committed: Result<(), StoreError>) {
        let result = match (self.output, committed) {
            (Some(Err(e)), _) => Err(e),
            (Some(Ok(v)), Ok(())) => Ok(v),
            (_, Err(e)) => Err(e),
            (None, Ok(())) => Err(StoreError::Internal("metadata change was never run".into())),
        };
        // The caller may have gone away (it cannot, it blocks; but never panic here).
        let _ = self.reply.send(result);
    }
}

/// The committer thread and its queue. Dropping it lets the thread finish the jobs already
/// queued, then joins it.
#[derive(Debug)]
pub struct Committer {
    queue: Option<mpsc::Sender<Box<dyn Job>>>,
    thread: Option<JoinHandle<()>>,
    counters: Arc<Counters>,
}

impl std::fmt::Debug for dyn Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job").field("dirs", &self.dirs()).finish()
    }
}

impl Committer {
    /// Starts the committer thread of the database in `cell`. `delay` is how long it waits
    /// after the first job of a batch for others to join (zero: take only what is already
    /// queued); `gc` removes the blobs whose last reference a batch dropped.
    pub(crate) fn start(
        cell: Arc<DbCell>,
        delay: Duration,
        gc: Option<Arc<BlobGc>>,
    ) -> Result<Committer, StoreError> {
        let (queue, jobs) = mpsc::channel::<Box<dyn Job>>();
        let counters = Arc::new(Counters::default());
        let c = counters.clone();
        let thread = std::thread::Builder::new()
            .name("oss-store-commit".into())
            .spawn(move || run_committer(&cell, &jobs, delay, &c, gc.as_deref()))
            .map_err(|e| StoreError::Internal(format!("start the metadata committer: {e}")))?;
        Ok(Committer {
            queue: Some(queue),
            thread: Some(thread),
            counters,
        })
    }

    /// Queues `change` and blocks until the batch holding it is durable (or failed).
    /// `dirs` are blob directories holding renamed blobs that `change` names.
    pub fn commit<T, F>(&self, dirs: Vec<PathBuf>, change: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnMut(&mut Tx<'_>) -> Result<T, StoreError> + Send + 'static,
    {
        let (reply, answer) = mpsc::sync_channel(1);
        let job = Box::new(TypedJob {
            dirs,
            change,
            output: None,
            reply,
        });
        let queue = self
            .queue
            .as_ref()
            .ok_or_else(|| StoreError::Internal("metadata committer stopped".into()))?;
        queue
            .send(job)
            .map_err(|_| StoreError::Internal("metadata committer stopped".into()))?;
        answer
            .recv()
            .map_err(|_| StoreError::Internal("metadata committer stopped".into()))?
    }

    /// Counters so far.
    pub fn stats(&self) -> CommitStats {
        CommitStats {
            batches: self.counters.batches.load(Ordering::Relaxed),
            writes: self.counters.writes.load(Ordering::Relaxed),
            dir_syncs: self.counters.dir_syncs.load(Ordering::Relaxed),
        }
    }
}

impl Drop for Committer {
    fn drop(&mut self) {
        drop(self.queue.take());
        if let Some(t) = self.thread.take() {
            if t.join().is_err() {
                tracing::error!("metadata committer thread panicked");
            }
        }
    }
}

fn run_committer(
    cell: &DbCell,
    jobs: &mpsc::Receiver<Box<dyn Job>>,
    delay: Duration,
    counters: &Counters,
    gc: Option<&BlobGc>,
) {
    // Garbage records whose files are gone, dropped by the next committed batch.
    let mut forget: Vec<String> = Vec::new();
    while let Ok(first) = jobs.recv() {
        if !delay.is_zero() {
            std::thread::sleep(delay);
        }
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let db = match cell.get() {
            Ok(db) => db,
            Err(e) => {
                tracing::error!(error = %e, "metadata database unavailable");
                fail_all(batch, &e);
                continue;
            }
        };
        // A panic in a job must not stop the committer (every later write would fail):
        // the batch's callers get an error (their reply channels close) and work goes on.
        let ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            commit_batch(&db, batch, counters, gc, &mut forget)
        }))
        .unwrap_or_else(|_| {
            tracing::error!("a metadata change panicked; its batch failed");
            false
        });
        if !ok && DbCell::is_broken(&db) {
            cell.discard(&db);
        }
    }
}

/// Fsyncs a directory so that renames into it are durable.
fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| StoreError::Internal(format!("fsync directory {}: {e}", dir.display())))
}

fn fail_all(batch: Vec<Box<dyn Job>>, why: &StoreError) {
    for job in batch {
        job.finish(Err(clone_error(why)));
    }
}

/// The error each job of a failed batch gets.
fn clone_error(e: &StoreError) -> StoreError {
    match e {
        StoreError::DiskFull => StoreError::DiskFull,
        StoreError::Unavailable(why) => StoreError::Unavailable(why.clone()),
        other => StoreError::Internal(other.to_string()),
    }
}

/// Commits one batch; false when it failed as a whole.
fn commit_batch(
    db: &Database,
    mut batch: Vec<Box<dyn Job>>,
    counters: &Counters,
    gc: Option<&BlobGc>,
    forget: &mut Vec<String>,
) -> bool {
    let dirs: BTreeSet<PathBuf> = batch
        .iter()
        .flat_map(|j| j.dirs().iter().cloned())
        .collect();
    for dir in &dirs {
        if let Err(why) = sync_dir(dir) {
            tracing::error!(error = %why, "group commit failed");
            fail_all(batch, &why);
            return false;
        }
    }
    counters
        .dir_syncs
        .fetch_add(dirs.len() as u64, Ordering::Relaxed);
    while !batch.is_empty() {
        match run_batch(db, &mut batch, forget) {
            Ok(Attempt::Committed(succeeded, collected)) => {
                counters.batches.fetch_add(1, Ordering::Relaxed);
                counters.writes.fetch_add(succeeded, Ordering::Relaxed);
                forget.clear();
                if let Some(gc) = gc {
                    gc.collect(collected);
                    forget.extend(gc.take_removed());
                }
                for job in batch {
                    job.finish(Ok(()));
                }
                return true;
            }
            Ok(Attempt::Poisoned(i)) => {
                // Its error stands; the others run again without it.
                let bad = batch.remove(i);
                bad.finish(Ok(()));
            }
            Err(e) => {
                tracing::error!(error = %e, "group commit failed");
                fail_all(batch, &e);
                return false;
            }
        }
    }
    true
}

enum Attempt {
    /// Committed; how many jobs succeeded, and the blobs whose last reference went.
    Committed(u64, Vec<String>),
    /// Job `i` failed after changing something: the transaction was aborted.
    Poisoned(usize),
}

fn run_batch(
    db: &Database,
    batch: &mut [Box<dyn Job>],
    forget: &[String],
) -> Result<Attempt, StoreError> {
    let txn = db.begin_write().map_err(db_err)?;
    let mut poisoned = None;
    let mut succeeded = 0u64;
    let collected;
    {
        let mut tx = Tx::open(&txn)?;
        tx.forget_garbage(forget)?;
        for (i, job) in batch.iter_mut().enumerate() {
            tx.changed = false;
            match job.run(&mut tx) {
                Ran::Ok => succeeded += 1,
                Ran::Refused if !tx.changed => {}
                Ran::Refused | Ran::Broken => {
                    poisoned = Some(i);
                    break;
                }
            }
        }
        collected = std::mem::take(&mut tx.collected);
    }
    match poisoned {
        Some(i) => {
            txn.abort().map_err(db_err)?;
            Ok(Attempt::Poisoned(i))
        }
        None => {
            txn.commit().map_err(db_err)?;
            Ok(Attempt::Committed(succeeded, collected))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::meta::MetaDb;
    use super::*;
    use crate::store::BucketMeta;

    fn bucket(name: &str) -> BucketMeta {
        BucketMeta {
            name: name.into(),
            created_ms: 0,
            acl: "private".into(),
            storage_class: "Standard".into(),
            data_redundancy_type: "LRS".into(),
            region: "cn-hangzhou".into(),
        }
    }

    #[test]
    fn a_job_failing_after_a_change_is_undone_and_the_others_commit() {
        let dir = tempfile::tempdir().unwrap();
        let db = Arc::new(
            MetaDb::open(&dir.path().join("m.redb"), Duration::from_millis(100), None).unwrap(),
        );
        let bad = {
            let db = db.clone();
            std::thread::spawn(move || {
                db.write(|tx| {
                    tx.put_bucket(&bucket("half"))?;
                    Err::<(), _>(StoreError::NoSuchKey)
                })
            })
        };
        let good: Vec<_> = ["a", "b", "c"]
            .into_iter()
            .map(|name| {
                let db = db.clone();
                std::thread::spawn(move || db.write(move |tx| tx.put_bucket(&bucket(name))))
            })
            .collect();
        assert!(matches!(bad.join().unwrap(), Err(StoreError::NoSuchKey)));
        for g in good {
            g.join().unwrap().unwrap();
        }
        db.read(|tx| {
            assert!(tx.bucket("half")?.is_none());
            for name in ["a", "b", "c"] {
                assert!(tx.bucket(name)?.is_some(), "{name}");
            }
            Ok(())
        })
        .unwrap();
        let stats = db.commit_stats();
        assert_eq!(stats.writes, 3);
    }
}
