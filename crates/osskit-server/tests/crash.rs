//! `kill -9` of the real binary while multipart uploads complete (objects made of the parts'
//! extents), copies share extents, overwrites and deletes release blobs (garbage
//! collection) and batch deletes run. Right after the kill, fsck finds no damage (only
//! leftovers the next start removes); after a restart every acknowledged change is there,
//! byte for byte, every unacknowledged one is all or nothing, and after a clean stop fsck
//! finds nothing at all. Part of every kind of write is under server-side encryption (blobs
//! encrypted at rest, copies of plain bytes into encryption getting bytes of their own), and
//! fsck reads them with the store's key.

mod common;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::*;

const PART: usize = 102_400;

fn part_body(upload: usize, n: u32) -> Vec<u8> {
    let len = if n < 3 { PART } else { 5000 + upload };
    pattern(upload as u32 * 7 + n, len)
}

/// The headers that ask for server-side encryption when `yes`.
fn sse(yes: bool) -> &'static [(&'static str, &'static str)] {
    if yes {
        &[("x-oss-server-side-encryption", "AES256")]
    } else {
        &[]
    }
}

/// The status of a request that may fail because the server is killed (0 then).
fn status(r: &Option<reqwest::Response>) -> u16 {
    r.as_ref().map_or(0, |r| r.status().as_u16())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_completes_copies_deletes_and_batch_deletes() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = ServerProcess::start(dir.path(), &[]);
    let c = Client::new(&server.endpoint);
    c.create_bucket("crash").await;

    // Uploads with three parts each, ready to complete.
    const UPLOADS: usize = 24;
    let mut uploads = Vec::new();
    for u in 0..UPLOADS {
        let key = format!("mp/{u}");
        let r = c
            .send(
                "POST",
                Some("crash"),
                &key,
                &[("uploads", "")],
                sse(u % 2 == 0),
                Vec::new(),
            )
            .await;
        let doc = r.text().await.unwrap();
        let id = tag(&doc, "UploadId").unwrap().to_string();
        let mut etags = Vec::new();
        for n in 1..=3u32 {
            let num = n.to_string();
            let r = c
                .send(
                    "PUT",
                    Some("crash"),
                    &key,
                    &[("partNumber", &num), ("uploadId", &id)],
                    &[],
                    part_body(u, n),
                )
                .await;
            assert_eq!(r.status(), 200);
            etags.push(header(&r, "etag").to_string());
        }
        uploads.push((key, id, etags));
    }
    // Sources for copies and objects to overwrite or delete.
    const OBJECTS: usize = 40;
    for i in 0..OBJECTS {
        let r = c
            .send(
                "PUT",
                Some("crash"),
                &format!("src/{i}"),
                &[],
                sse(i % 3 == 0),
                pattern(1000 + i as u32, 50_000 + i),
            )
            .await;
        assert_eq!(r.status(), 200);
    }
    // Groups of small objects for batch deletes.
    const GROUPS: usize = 8;
    const PER_GROUP: usize = 60;
    for g in 0..GROUPS {
        for k in 0..PER_GROUP {
            c.put_ok("crash", &format!("batch/{g}/{k}"), b"small").await;
        }
    }

    let stop = Arc::new(AtomicBool::new(false));
    let completes = {
        let (c, stop, uploads) = (c.clone(), stop.clone(), uploads.clone());
        tokio::spawn(async move {
            let mut acked = Vec::new();
            for (key, id, etags) in uploads {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let mut doc = String::from("<CompleteMultipartUpload>");
                for (n, e) in etags.iter().enumerate() {
                    doc.push_str(&format!(
                        "<Part><PartNumber>{}</PartNumber><ETag>{e}</ETag></Part>",
                        n + 1
                    ));
                }
                doc.push_str("</CompleteMultipartUpload>");
                let r = c
                    .try_send(
                        "POST",
                        Some("crash"),
                        &key,
                        &[("uploadId", &id)],
                        &[],
                        doc.into_bytes(),
                    )
                    .await;
                if status(&r) == 200 {
                    acked.push(key);
                }
            }
            acked
        })
    };
    let copies = {
        let (c, stop) = (c.clone(), stop.clone());
        tokio::spawn(async move {
            let mut acked = Vec::new();
            for round in 0..1000 {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let i = round % OBJECTS;
                let src = format!("/crash/src%2F{i}");
                let dst = format!("copy/{round}");
                // Some copies ask for encryption: of a plain source they get bytes of
                // their own, of an encrypted one they share its blob.
                let mut headers = vec![("x-oss-copy-source", src.as_str())];
                headers.extend_from_slice(sse(round % 4 == 1));
                let r = c
                    .try_send("PUT", Some("crash"), &dst, &[], &headers, Vec::new())
                    .await;
                if status(&r) == 200 {
                    acked.push((dst, i));
                }
            }
            acked
        })
    };
    let churn = {
        let (c, stop) = (c.clone(), stop.clone());
        tokio::spawn(async move {
            // Overwrites and deletes of copies' sources' siblings release blobs.
            // Per key: the last acknowledged state, and whether a request sent after it got
            // no answer (it may have landed before the kill, or before its answer was lost).
            let mut acked: HashMap<String, (Option<Vec<u8>>, bool)> = HashMap::new();
            for round in 0..100_000u32 {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let key = format!("churn/{}", round % 16);
                if round % 3 == 2 {
                    let r = c
                        .try_send("DELETE", Some("crash"), &key, &[], &[], Vec::new())
                        .await;
                    if status(&r) == 204 {
                        acked.insert(key, (None, false));
                    } else if let Some(entry) = acked.get_mut(&key) {
                        entry.1 = true;
                    }
                } else {
                    let body = pattern(round, 4000 + (round % 7) as usize * 1000);
                    let r = c
                        .try_send(
                            "PUT",
                            Some("crash"),
                            &key,
                            &[],
                            sse(round % 2 == 1),
                            body.clone(),
                        )
                        .await;
                    if status(&r) == 200 {
                        acked.insert(key, (Some(body), false));
                    } else if let Some(entry) = acked.get_mut(&key) {
                        entry.1 = true;
                    }
                }
            }
            acked
        })
    };
    let batches = {
        let (c, stop) = (c.clone(), stop.clone());
        tokio::spawn(async move {
            let mut acked = Vec::new();
            for g in 0..GROUPS {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let mut doc = String::from("<Delete><Quiet>true</Quiet>");
                for k in 0..PER_GROUP {
                    doc.push_str(&format!("<Object><Key>batch/{g}/{k}</Key></Object>"));
                }
                doc.push_str("</Delete>");
                let md5 = osskit_proto::digest::content_md5(doc.as_bytes());
                let r = c
                    .try_send(
                        "POST",
                        Some("crash"),
                        "",
                        &[("delete", "")],
                        &[("content-md5", &md5)],
                        doc.into_bytes(),
                    )
                    .await;
                if status(&r) == 200 {
                    acked.push(g);
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            acked
        })
    };
    tokio::time::sleep(Duration::from_millis(600)).await;
    server.kill9();
    stop.store(true, Ordering::Relaxed);
    let acked_completes = completes.await.unwrap();
    let acked_copies = copies.await.unwrap();
    let acked_churn = churn.await.unwrap();
    let acked_batches = batches.await.unwrap();
    eprintln!(
        "acknowledged before the kill: {} completes, {} copies, {} churn keys, {} batches",
        acked_completes.len(),
        acked_copies.len(),
        acked_churn.len(),
        acked_batches.len()
    );

    // Straight after the crash: leftovers at most, never damage.
    let (code, report) = run_fsck(dir.path());
    assert!(code == 0 || code == 1, "{report}");
    assert!(!report.contains("DAMAGE"), "{report}");

    let mut server = ServerProcess::start(dir.path(), &[]);
    let c = Client::new(&server.endpoint);
    for (u, (key, id, _)) in uploads.iter().enumerate() {
        let whole: Vec<u8> = (1..=3).flat_map(|n| part_body(u, n)).collect();
        let r = c.get("crash", key).await;
        if acked_completes.contains(key) {
            assert_eq!(r.status(), 200, "acknowledged {key} is gone");
        }
        if r.status() == 200 {
            assert_eq!(r.bytes().await.unwrap().as_ref(), whole.as_slice(), "{key}");
        } else {
            // Not completed: the upload and its parts are still there, intact.
            let r = c
                .send(
                    "POST",
                    Some("crash"),
                    key,
                    &[("uploadId", id)],
                    &[("x-oss-complete-all", "yes")],
                    Vec::new(),
                )
                .await;
            assert_eq!(r.status(), 200, "upload {key} lost its parts");
            assert_eq!(c.get_bytes("crash", key).await, whole, "{key}");
        }
    }
    for (dst, i) in &acked_copies {
        let want = pattern(1000 + *i as u32, 50_000 + i);
        let r = c.get("crash", dst).await;
        assert_eq!(r.status(), 200, "acknowledged {dst} is gone");
        let round: usize = dst["copy/".len()..].parse().unwrap();
        let reported = r
            .headers()
            .get("x-oss-server-side-encryption")
            .map(|v| v.to_str().unwrap().to_string());
        assert_eq!(
            reported.is_some(),
            round % 4 == 1,
            "{dst} reports {reported:?}"
        );
        assert_eq!(r.bytes().await.unwrap().as_ref(), want.as_slice(), "{dst}");
    }
    for i in 0..OBJECTS {
        let want = pattern(1000 + i as u32, 50_000 + i);
        assert_eq!(c.get_bytes("crash", &format!("src/{i}")).await, want);
    }
    for (key, (state, uncertain)) in &acked_churn {
        let r = c.get("crash", key).await;
        match state {
            // A later unacknowledged write may have landed.
            None => assert!(r.status() == 404 || r.status() == 200, "{key}"),
            // So may a later unacknowledged delete; without one the object must be there.
            Some(_) if *uncertain => assert!(r.status() == 404 || r.status() == 200, "{key}"),
            Some(_) => assert_eq!(r.status(), 200, "acknowledged {key} is gone"),
        }
    }
    for g in 0..GROUPS {
        let mut present = 0;
        for k in 0..PER_GROUP {
            if c.get("crash", &format!("batch/{g}/{k}")).await.status() == 200 {
                present += 1;
            }
        }
        if acked_batches.contains(&g) {
            assert_eq!(present, 0, "acknowledged batch {g} left {present} keys");
        } else {
            assert!(
                present == 0 || present == PER_GROUP,
                "batch {g} was torn: {present} of {PER_GROUP} keys left"
            );
        }
    }
    server.stop();
    let (code, report) = run_fsck(dir.path());
    assert_eq!(code, 0, "{report}");
    assert!(report.contains(": 0 damaged, 0 leftovers"), "{report}");
    assert!(
        !report.contains("(0 encrypted)"),
        "encrypted blobs were checked: {report}"
    );
}
