//! Removing blob files that no extent names any more, without pulling them from under
//! readers.
//!
//! The metadata store counts, for every blob, the extents of objects and parts that name
//! it. A change that drops the last one records the blob as *garbage* in the same
//! transaction; once that transaction is durable, [`BlobGc::collect`] removes the file. A
//! crash in between leaves the garbage record, and the store removes the file when it next
//! opens, so no file is ever lost track of.
//!
//! Readers open blob files lazily (a GET of a many-part object opens one file at a time), so
//! a file must stay in place while a reader may still open it: a reader takes a [`Lease`] on
//! the blobs it is about to read before it checks that they are still referenced; the
//! collector defers the removal of leased blobs until their last lease is dropped. A blob
//! that is being removed cannot be leased (the reader then looks its object up again).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};

use super::data::BlobDir;

/// The collector of one store's blob directory. See the module documentation.
#[derive(Debug)]
pub struct BlobGc {
    dir: BlobDir,
    state: Mutex<GcState>,
    /// Whether removed ids are kept for [`BlobGc::take_removed`] (stores that record
    /// garbage durably).
    track_removed: bool,
}

#[derive(Debug, Default)]
struct GcState {
    /// Blob id → number of live leases.
    leases: HashMap<String, usize>,
    /// Garbage whose removal waits for its leases to go.
    deferred: HashSet<String>,
    /// Garbage being removed right now (cannot be leased).
    dying: HashSet<String>,
    /// Removed garbage not yet handed to [`BlobGc::take_removed`].
    removed: Vec<String>,
}

/// Keeps the files of some blobs in place while it lives.
#[derive(Debug)]
pub struct Lease {
    gc: Arc<BlobGc>,
    ids: Vec<String>,
}

impl BlobGc {
    /// A collector of `dir`. With `track_removed`, the ids of removed files are kept until
    /// [`BlobGc::take_removed`] takes them (so that their garbage records can be dropped).
    pub fn new(dir: BlobDir, track_removed: bool) -> Arc<BlobGc> {
        Arc::new(BlobGc {
            dir,
            state: Mutex::new(GcState::default()),
            track_removed,
        })
    }

    fn lock(&self) -> MutexGuard<'_, GcState> {
        // Every update below leaves the sets consistent at each step.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Leases `ids`; `None` when one of them is being removed (it is no longer referenced:
    /// look the object up again).
    pub fn lease<'a>(self: &Arc<Self>, ids: impl IntoIterator<Item = &'a str>) -> Option<Lease> {
        let ids: Vec<String> = ids.into_iter().map(str::to_owned).collect();
        let mut state = self.lock();
        if ids.iter().any(|id| state.dying.contains(id)) {
            return None;
        }
        for id in &ids {
            *state.leases.entry(id.clone()).or_insert(0) += 1;
        }
        drop(state);
        Some(Lease {
            gc: self.clone(),
            ids,
        })
    }

    /// Removes the files of blobs that no extent names any more (call it once the change
    /// that dropped their last reference is durable). Leased blobs are removed when their
    /// last lease goes.
    pub fn collect(&self, ids: Vec<String>) {
        if ids.is_empty() {
            return;
        }
        let mut now = Vec::with_capacity(ids.len());
        {
            let mut state = self.lock();
            for id in ids {
                if state.leases.contains_key(&id) {
                    state.deferred.insert(id);
                } else {
                    state.dying.insert(id.clone());
                    now.push(id);
                }
            }
        }
        self.remove(now);
    }

    fn remove(&self, ids: Vec<String>) {
        if ids.is_empty() {
            return;
        }
        for id in &ids {
            self.dir.remove(id);
        }
        let mut state = self.lock();
        for id in &ids {
            state.dying.remove(id);
        }
        if self.track_removed {
            state.removed.extend(ids);
        }
    }

    /// The ids removed since the last call.
    pub fn take_removed(&self) -> Vec<String> {
        std::mem::take(&mut self.lock().removed)
    }

    /// How many blobs are leased right now, and how many garbage blobs wait for leases.
    pub fn counts(&self) -> (usize, usize) {
        let state = self.lock();
        (state.leases.len(), state.deferred.len())
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        let mut now = Vec::new();
        {
            let mut state = self.gc.lock();
            for id in &self.ids {
                let last = match state.leases.get_mut(id) {
                    Some(n) if *n > 1 => {
                        *n -= 1;
                        false
                    }
                    Some(_) => true,
                    None => false,
                };
                if last {
                    state.leases.remove(id);
                    if state.deferred.remove(id) {
                        state.dying.insert(id.clone());
                        now.push(id.clone());
                    }
                }
            }
        }
        self.gc.remove(now);
    }
}

#[cfg(test)]
mod tests {
    use super::super::data::{BlobDir, Durability};
    use super::*;

    fn installed(dir: &BlobDir) -> String {
        let mut w = dir.writer().unwrap();
        w.write(b"bytes").unwrap();
        dir.install(w.finish().unwrap()).unwrap()
    }

    #[test]
    fn leased_garbage_is_removed_with_its_last_lease() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = BlobDir::open(tmp.path(), Durability::Volatile).unwrap();
        let gc = BlobGc::new(dir.clone(), true);
        let (a, b) = (installed(&dir), installed(&dir));
        let first = gc.lease([a.as_str()]).unwrap();
        let second = gc.lease([a.as_str(), b.as_str()]).unwrap();
        gc.collect(vec![a.clone(), b.clone()]);
        assert!(dir.path_of(&a).unwrap().exists(), "leased: kept");
        assert!(dir.path_of(&b).unwrap().exists(), "leased: kept");
        assert_eq!(gc.counts(), (2, 2));
        drop(first);
        assert!(dir.path_of(&a).unwrap().exists(), "still leased once");
        drop(second);
        assert!(!dir.path_of(&a).unwrap().exists());
        assert!(!dir.path_of(&b).unwrap().exists());
        let mut removed = gc.take_removed();
        removed.sort();
        let mut want = vec![a, b];
        want.sort();
        assert_eq!(removed, want);
        assert_eq!(gc.counts(), (0, 0));
        assert!(gc.take_removed().is_empty());
    }

    #[test]
    fn unleased_garbage_goes_at_once() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = BlobDir::open(tmp.path(), Durability::Volatile).unwrap();
        let gc = BlobGc::new(dir.clone(), false);
        let a = installed(&dir);
        gc.collect(vec![a.clone()]);
        assert!(!dir.path_of(&a).unwrap().exists());
        assert!(gc.take_removed().is_empty(), "not tracked");
        assert!(gc.lease([a.as_str()]).is_some(), "a gone blob is not dying");
    }
}
