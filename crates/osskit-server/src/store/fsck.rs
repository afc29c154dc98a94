//! Checking a persistent store's files against its metadata (`oss-server fsck`).
//!
//! [`fsck`] opens a store directory that no server is using and compares:
//!
//! - every extent of every object, noncurrent version and uploaded part with the blob files: a missing file or
//!   one shorter than an extent is **damage** (that object cannot be read in full), as is an
//!   object whose recorded size differs from its extents;
//! - the versions of every key (see [`super::version`]): a current object older than one of
//!   its noncurrent versions, or a key whose newest version is noncurrent and not a delete
//!   marker, is **damage** (plain reads would not find the newest version);
//! - the recorded reference count of every blob with the number of extents naming it
//!   (**damage** when they differ: a blob could be removed while in use, or never);
//! - the blob files with the metadata: files no extent names (**leftovers** of a crash
//!   between writing a blob and committing it), files whose removal was recorded but not
//!   done (**leftovers** of a crash just after a commit), and files in `tmp/`;
//! - encrypted blobs (see [`super::cipher`]): a blob named as encrypted by some extents and
//!   as plain by others, an object that reports server-side encryption over plain bytes, and
//!   encrypted blobs without a readable store key (`sse.key`) are **damage**;
//! - with [`FsckOptions::verify_data`], the CRC-64 of every object's bytes (decrypted where
//!   they are encrypted) with the one recorded for it (**damage** when they differ).
//!
//! Leftovers are harmless (the server removes them when it starts). With
//! [`FsckOptions::repair`], leftovers are removed and reference counts corrected; damaged
//! objects are reported, never changed.
//!
//! ```
//! use osskit_server::store::fsck::{fsck, FsckOptions};
//! use osskit_server::store::FsStore;
//! # let dir = tempfile::tempdir().unwrap();
//! drop(FsStore::open(dir.path()).unwrap());
//! let report = fsck(dir.path(), &FsckOptions::default()).unwrap();
//! assert!(report.is_clean(), "{report}");
//! ```

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Read;
use std::path::Path;
use std::time::Duration;

use super::data::{is_blob_id, BlobDir, Durability, ObjectData};
use super::meta::MetaDb;
use super::{Extents, StoreError};

/// What [`fsck`] does besides checking.
#[derive(Debug, Clone, Default)]
pub struct FsckOptions {
    /// Remove leftovers and correct reference counts.
    pub repair: bool,
    /// Read every object and compare its CRC-64 with the recorded one.
    pub verify_data: bool,
}

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Harmless: removed when the server starts (or by a repair).
    Leftover,
    /// Objects may not read back, or blobs may be removed while in use.
    Damage,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// How serious it is.
    pub severity: Severity,
    /// What was found, in words.
    pub what: String,
    /// Whether a repair fixed it.
    pub repaired: bool,
}

/// The outcome of [`fsck`].
#[derive(Debug, Clone, Default)]
pub struct FsckReport {
    /// Objects checked.
    pub objects: u64,
    /// Parts of open uploads checked.
    pub parts: u64,
    /// Blob files found.
    pub blob_files: u64,
    /// Blobs the metadata names as encrypted at rest.
    pub encrypted_blobs: u64,
    /// Bytes of the objects read (with [`FsckOptions::verify_data`]).
    pub verified_bytes: u64,
    /// What was found.
    pub findings: Vec<Finding>,
}

impl FsckReport {
    /// Whether nothing at all was found.
    pub fn is_clean(&self) -> bool {
        self.findings.is_empty()
    }

    /// Findings of damage.
    pub fn damage(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Damage)
    }

    /// Whether something is still wrong (found and not repaired).
    pub fn has_unrepaired(&self) -> bool {
        self.findings.iter().any(|f| !f.repaired)
    }

    fn add(&mut self, severity: Severity, what: String) -> usize {
        self.findings.push(Finding {
            severity,
            what,
            repaired: false,
        });
        self.findings.len() - 1
    }
}

impl std::fmt::Display for FsckReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for finding in &self.findings {
            let kind = match finding.severity {
                Severity::Leftover => "leftover",
                Severity::Damage => "DAMAGE",
            };
            let fixed = if finding.repaired { " (repaired)" } else { "" };
            writeln!(f, "{kind}: {}{fixed}", finding.what)?;
        }
        write!(
            f,
            "{} objects, {} parts, {} blob files ({} encrypted) checked",
            self.objects, self.parts, self.blob_files, self.encrypted_blobs
        )?;
        if self.verified_bytes > 0 {
            write!(f, ", {} bytes verified", self.verified_bytes)?;
        }
        let damage = self.damage().count();
        let leftovers = self.findings.len() - damage;
        write!(f, ": {damage} damaged, {leftovers} leftovers")
    }
}

/// An extent's owner, for messages.
struct Owner {
    what: String,
    data: Extents,
}

/// Checks (and with `options.repair`, repairs) the store in `dir`. Fails when the store
/// cannot be opened, for instance while a server uses it.
pub fn fsck(dir: &Path, options: &FsckOptions) -> Result<FsckReport, StoreError> {
    let db_path = dir.join("meta.redb");
    if !db_path.is_file() {
        return Err(StoreError::Internal(format!(
            "{} holds no store (no meta.redb)",
            dir.display()
        )));
    }
    let meta = MetaDb::open(&db_path, Duration::ZERO, None)?;
    let blobs = BlobDir::open(dir, Durability::Fsync)?;
    let mut report = FsckReport::default();

    // What the metadata names.
    let mut owners: Vec<Owner> = Vec::new();
    let mut expected: HashMap<String, u64> = HashMap::new();
    let mut bad_sizes = Vec::new();
    let mut crcs = Vec::new();
    meta.read(|tx| {
        // Newest noncurrent version of each key: (sequence number, is a delete marker).
        let mut newest: HashMap<(String, String), (u64, bool)> = HashMap::new();
        let mut currents: Vec<(String, String, u64)> = Vec::new();
        tx.for_each_noncurrent(|bucket, version| {
            let slot = newest
                .entry((bucket.to_owned(), version.key.clone()))
                .or_insert((0, true));
            if version.version.seq >= slot.0 {
                *slot = (version.version.seq, version.version.delete_marker);
            }
            Ok(())
        })?;
        let mut visit = |bucket: &str, object: super::ObjectMeta| {
            report.objects += 1;
            let what = format!("object {bucket}/{:?}", object.key);
            if object.data.len() != object.size {
                bad_sizes.push(format!(
                    "{what} records {} bytes but its extents hold {}",
                    object.size,
                    object.data.len()
                ));
            }
            if object.encryption.is_some() && !object.data.all_encrypted() {
                bad_sizes.push(format!(
                    "{what} reports server-side encryption but some of its bytes are plain"
                ));
            }
            crcs.push((what.clone(), object.crc64));
            owners.push(Owner {
                what,
                data: object.data,
            });
            Ok(())
        };
        tx.for_each_object(|bucket, object| {
            currents.push((bucket.to_owned(), object.key.clone(), object.version.seq));
            visit(bucket, object)
        })?;
        tx.for_each_noncurrent(&mut visit)?;
        for (bucket, key, seq) in currents {
            if let Some((newer, _)) = newest.remove(&(bucket.clone(), key.clone())) {
                if newer >= seq {
                    bad_sizes.push(format!(
                        "object {bucket}/{key:?} is older than its noncurrent version {newer}"
                    ));
                }
            }
        }
        for ((bucket, key), (seq, marker)) in newest {
            if !marker {
                bad_sizes.push(format!(
                    "object {bucket}/{key:?} has no current version but its newest version {seq} is not a delete marker"
                ));
            }
        }
        tx.for_each_part(|bucket, key, upload, part| {
            report.parts += 1;
            let what = format!(
                "part {} of upload {upload} of {bucket}/{key:?}",
                part.part_number
            );
            if part.data.len() != part.size {
                bad_sizes.push(format!(
                    "{what} records {} bytes but its extents hold {}",
                    part.size,
                    part.data.len()
                ));
            }
            owners.push(Owner {
                what,
                data: part.data,
            });
            Ok(())
        })
    })?;
    // Whether each blob is encrypted, as its extents say (they must agree): (named as
    // plain, named as encrypted).
    let mut keyed: HashMap<&str, (bool, bool)> = HashMap::new();
    for owner in &owners {
        for e in &owner.data {
            *expected.entry(e.blob.clone()).or_insert(0) += 1;
            let seen = keyed.entry(&e.blob).or_default();
            if e.encrypted {
                seen.1 = true;
            } else {
                seen.0 = true;
            }
        }
    }
    let mut disagreeing: Vec<&str> = keyed
        .iter()
        .filter(|(_, &(plain, encrypted))| plain && encrypted)
        .map(|(id, _)| *id)
        .collect();
    disagreeing.sort_unstable();
    for blob in disagreeing {
        report.add(
            Severity::Damage,
            format!("blob {blob} is named as encrypted by some extents and as plain by others"),
        );
    }
    report.encrypted_blobs = keyed.values().filter(|(_, encrypted)| *encrypted).count() as u64;
    if report.encrypted_blobs > 0 {
        if let Err(e) = blobs.key().for_reading() {
            report.add(
                Severity::Damage,
                format!(
                    "{} encrypted blobs cannot be read: {e}",
                    report.encrypted_blobs
                ),
            );
        }
    }
    for what in bad_sizes {
        report.add(Severity::Damage, what);
    }
    let recorded = meta.read(|tx| tx.all_blob_refs())?;
    let garbage: HashSet<String> = meta.read(|tx| tx.garbage())?.into_iter().collect();
    let files: BTreeMap<String, u64> = blobs.installed()?.into_iter().collect();
    report.blob_files = files.len() as u64;

    // Every extent's file must hold its bytes.
    for owner in &owners {
        for e in &owner.data {
            match files.get(&e.blob) {
                None => {
                    report.add(
                        Severity::Damage,
                        format!("{}: blob {} is missing", owner.what, e.blob),
                    );
                }
                Some(&len) if len < e.end() => {
                    report.add(
                        Severity::Damage,
                        format!(
                            "{}: blob {} holds {len} bytes, the extent ends at {}",
                            owner.what,
                            e.blob,
                            e.end()
                        ),
                    );
                }
                Some(_) => {}
            }
        }
    }

    // Reference counts.
    let mut fix_refs: Vec<(String, u64)> = Vec::new();
    let mut wrong_refs = Vec::new();
    for (id, &want) in &expected {
        let have = recorded.get(id).copied().unwrap_or(0);
        if have != want {
            let i = report.add(
                Severity::Damage,
                format!("blob {id} is named by {want} extents but its count is {have}"),
            );
            fix_refs.push((id.clone(), want));
            wrong_refs.push(i);
        }
    }
    for (id, &have) in &recorded {
        if !expected.contains_key(id) {
            let i = report.add(
                Severity::Damage,
                format!("blob {id} is named by no extent but its count is {have}"),
            );
            fix_refs.push((id.clone(), 0));
            wrong_refs.push(i);
        }
    }

    // Files nothing names.
    let mut remove_files = Vec::new();
    let mut removal_findings = Vec::new();
    for name in files.keys() {
        if expected.contains_key(name) {
            continue;
        }
        let what = if garbage.contains(name) {
            format!("blob {name} was released but its file is still there")
        } else if is_blob_id(name) {
            format!("blob {name} is named by no object or part")
        } else {
            format!("unexpected file {name:?} among the blobs")
        };
        removal_findings.push(report.add(Severity::Leftover, what));
        remove_files.push(name.clone());
    }
    let mut temp_findings = Vec::new();
    let temps = blobs.temp_files()?;
    for path in &temps {
        temp_findings.push(report.add(
            Severity::Leftover,
            format!("temporary file {} of an interrupted write", path.display()),
        ));
    }

    if options.verify_data {
        verify_crcs(&owners, &crcs, &blobs, &files, &mut report);
    }

    if options.repair {
        if !fix_refs.is_empty() {
            meta.write(move |tx| {
                for (id, n) in &fix_refs {
                    tx.set_refs(id, *n)?;
                }
                Ok(())
            })?;
            for i in wrong_refs {
                report.findings[i].repaired = true;
            }
        }
        for (name, i) in remove_files.iter().zip(removal_findings) {
            let path = blobs.path_of(name).unwrap_or_else(|_| {
                dir.join("blobs")
                    .join(name.get(..2).unwrap_or_default())
                    .join(name)
            });
            if std::fs::remove_file(&path).is_ok() {
                report.findings[i].repaired = true;
            }
        }
        for (path, i) in temps.iter().zip(temp_findings) {
            let removed = if path.is_dir() {
                std::fs::remove_dir_all(path)
            } else {
                std::fs::remove_file(path)
            };
            if removed.is_ok() {
                report.findings[i].repaired = true;
            }
        }
        let forget: Vec<String> = garbage.into_iter().collect();
        if !forget.is_empty() {
            meta.write(move |tx| tx.forget_garbage(&forget))?;
        }
    }
    Ok(report)
}

/// Reads every object whose files are all there and compares its CRC-64.
fn verify_crcs(
    owners: &[Owner],
    crcs: &[(String, u64)],
    blobs: &BlobDir,
    files: &BTreeMap<String, u64>,
    report: &mut FsckReport,
) {
    for (owner, (what, crc)) in owners.iter().zip(crcs) {
        let complete = owner
            .data
            .iter()
            .all(|e| files.get(&e.blob).is_some_and(|&len| len >= e.end()));
        if !complete {
            continue;
        }
        let data = ObjectData::new(owner.data.clone(), blobs.clone(), None);
        let mut reader = data.reader(0, data.len());
        let mut digest = osskit_proto::crc64::Crc64::new();
        let mut buf = vec![0u8; 1 << 20];
        let mut read = 0u64;
        let outcome = loop {
            match reader.read(&mut buf) {
                Ok(0) => break Ok(()),
                Ok(n) => {
                    digest.update(&buf[..n]);
                    read += n as u64;
                }
                Err(e) => break Err(e),
            }
        };
        report.verified_bytes += read;
        match outcome {
            Err(e) => {
                report.add(Severity::Damage, format!("{what}: cannot be read: {e}"));
            }
            Ok(()) if digest.finish() != *crc => {
                report.add(
                    Severity::Damage,
                    format!("{what}: its bytes do not match the recorded CRC-64"),
                );
            }
            Ok(()) => {}
        }
    }
}
