//! The record of a recursive copy in progress, so that running the same command again after
//! an interruption copies only what is missing.
//!
//! A file in the checkpoint directory, named by a hash of the source and destination,
//! starts with a header line and gets one line per file or object copied (its name, size
//! and modification time). A later run of the same copy skips the entries recorded with
//! the same size and time; the large ones in progress resume from their own checkpoints.
//! The record is removed when a run completes.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::error::CliError;
use crate::listing::Entry;

/// 64-bit FNV-1a (stable across versions and machines).
fn fnv1a(data: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in data {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The record of one recursive copy.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    /// Entries an earlier run finished: name → (size, mtime).
    done: HashMap<String, (u64, Option<i64>)>,
    /// When the first run started (Unix seconds).
    started: i64,
    file: Mutex<Option<std::fs::File>>,
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

impl Journal {
    /// Opens the record of copying `src` to `dst` in `dir` (reading what an interrupted run
    /// left), or starts one.
    pub fn open(dir: &Path, kind: &str, src: &str, dst: &str) -> Result<Journal, CliError> {
        let header = format!("oss {kind} v1\t{src}\t{dst}");
        let path = dir.join(format!("{kind}-{:016x}.journal", fnv1a(header.as_bytes())));
        let mut done = HashMap::new();
        let mut started = now();
        if let Ok(text) = std::fs::read_to_string(&path) {
            let mut lines = text.lines();
            let first = lines.next().unwrap_or_default();
            if let Some(rest) = first.strip_prefix(&format!("{header}\t")) {
                started = rest.trim().parse().unwrap_or(started);
                for line in lines {
                    let mut parts = line.rsplitn(3, '\t');
                    let (Some(mtime), Some(size), Some(name)) =
                        (parts.next(), parts.next(), parts.next())
                    else {
                        continue; // a torn last line
                    };
                    let Ok(size) = size.parse::<u64>() else {
                        continue;
                    };
                    let mtime = mtime.parse::<i64>().ok();
                    done.insert(unescape(name), (size, mtime));
                }
            }
        }
        let fail = |e: std::io::Error| CliError::io(format!("cannot write {}", path.display()), e);
        std::fs::create_dir_all(dir).map_err(fail)?;
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(fail)?;
        if done.is_empty() {
            file.set_len(0).map_err(fail)?;
            writeln!(file, "{header}\t{started}").map_err(fail)?;
        }
        Ok(Journal {
            path,
            done,
            started,
            file: Mutex::new(Some(file)),
        })
    }

    /// Whether an earlier run of this copy was interrupted.
    pub fn resumed(&self) -> bool {
        !self.done.is_empty()
    }

    /// When the copy first started (Unix seconds): destinations written since are its own.
    pub fn started(&self) -> i64 {
        self.started
    }

    /// Whether an earlier run copied this source entry as it is now.
    pub fn is_done(&self, e: &Entry) -> bool {
        self.done
            .get(&e.rel)
            .is_some_and(|(size, mtime)| *size == e.size && *mtime == e.mtime)
    }

    /// Records that `e` was copied.
    pub fn record(&self, e: &Entry) {
        let mut guard = self.file.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(f) = guard.as_mut() {
            let mtime = e.mtime.map(|t| t.to_string()).unwrap_or_default();
            let _ = writeln!(f, "{}\t{}\t{mtime}", escape(&e.rel), e.size);
        }
    }

    /// The copy completed: the record goes.
    pub fn finish(self) {
        if let Ok(mut g) = self.file.lock() {
            g.take();
        }
        let _ = std::fs::remove_file(&self.path);
    }
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('\n', "\\n")
        .replace('\t', "\\t")
}

fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(o) => out.push(o),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(rel: &str, size: u64, mtime: i64) -> Entry {
        Entry {
            rel: rel.into(),
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
    fn an_interrupted_copy_is_remembered() {
        let dir = tempfile::tempdir().unwrap();
        let j = Journal::open(dir.path(), "cp", "src", "oss://b/x/").unwrap();
        assert!(!j.resumed());
        j.record(&entry("a\tb.txt", 3, 100));
        j.record(&entry("c.txt", 4, 200));
        drop(j);
        let j = Journal::open(dir.path(), "cp", "src", "oss://b/x/").unwrap();
        assert!(j.resumed());
        assert!(j.is_done(&entry("a\tb.txt", 3, 100)));
        assert!(!j.is_done(&entry("c.txt", 5, 200)), "changed since");
        assert!(!j.is_done(&entry("d.txt", 1, 1)));
        // Another destination is another record.
        let other = Journal::open(dir.path(), "cp", "src", "oss://b/y/").unwrap();
        assert!(!other.resumed());
        j.finish();
        let j = Journal::open(dir.path(), "cp", "src", "oss://b/x/").unwrap();
        assert!(!j.resumed());
    }
}
