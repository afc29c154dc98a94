//! A full disk: the write that hits it fails with a clear 507, nothing acknowledged is lost
//! or torn, deletes keep working, and once space is free the same process accepts writes
//! again. The store lives on a small tmpfs mounted by the test (skipped, with the reason
//! printed, where mounting is not permitted).

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};

use common::*;
use osskit_server::testing::TestServer;
use osskit_server::Server;

/// A tmpfs mounted on a temporary directory, unmounted when dropped.
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    fn mount(size_mib: u64) -> Option<Tmpfs> {
        let dir = tempfile::tempdir().ok()?;
        let out = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size_mib}m"), "tmpfs"])
            .arg(dir.path())
            .output();
        match out {
            Ok(o) if o.status.success() => Some(Tmpfs { dir }),
            Ok(o) => {
                eprintln!(
                    "skipped: cannot mount a tmpfs ({})",
                    String::from_utf8_lossy(&o.stderr).trim()
                );
                None
            }
            Err(e) => {
                eprintln!("skipped: cannot run mount: {e}");
                None
            }
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

/// Fills the file system holding `dir` with a file of its own, as another process would,
/// leaving `slack` bytes free.
fn fill(dir: &Path, slack: u64) -> PathBuf {
    let path = dir.join("filler");
    let mut f = std::fs::File::create(&path).unwrap();
    let block = vec![0xa5u8; 64 * 1024];
    while f.write_all(&block).is_ok() {}
    let _ = f.flush();
    let len = f.metadata().unwrap().len();
    f.set_len(len.saturating_sub(slack)).unwrap();
    path
}

async fn start(data: &Path, reserve: u64) -> osskit_server::RunningServer {
    let mut config = TestServer::config(data);
    config.limits.disk_reserve = reserve;
    Server::start(config).await.unwrap()
}

#[tokio::test]
async fn a_full_disk_fails_the_write_and_the_server_recovers_without_restart() {
    let Some(fs) = Tmpfs::mount(24) else { return };
    let data = fs.path().join("store");
    let server = start(&data, 2 * 1024 * 1024).await;
    let c = Client::new(&server.endpoint());
    c.create_bucket("full").await;

    // Fill the disk through the server: every write answered 200 is kept.
    let mut acked = Vec::new();
    let mut refused = None;
    for i in 0..100u32 {
        let body = pattern(i, 1024 * 1024);
        let r = c.put("full", &format!("k{i}"), body.clone()).await;
        if r.status() == 200 {
            acked.push((format!("k{i}"), body));
        } else {
            refused = Some(r);
            break;
        }
    }
    let refused = refused.expect("24 MiB never filled up");
    let e = expect_error(refused, 507, "InsufficientStorage").await;
    assert!(e.message.contains("free space"), "{}", e.message);
    assert!(
        !e.message.contains('/'),
        "no path in the message: {}",
        e.message
    );
    assert!(acked.len() >= 10, "only {} objects fitted", acked.len());
    for (key, body) in &acked {
        assert_eq!(&c.get_bytes("full", key).await, body, "{key}");
    }
    // Deletes work on the full disk, and free space for new writes (same process).
    for (key, _) in acked.drain(..3) {
        assert_eq!(
            c.send("DELETE", Some("full"), &key, &[], &[], Vec::new())
                .await
                .status(),
            204
        );
    }
    c.put_ok("full", "after", &pattern(9, 1024 * 1024)).await;

    // Another process takes every byte left, the reserve too.
    let filler = fill(fs.path(), 0);
    let r = c.put("full", "no-room", pattern(1, 300_000)).await;
    assert!(
        r.status() == 507 || r.status() == 503,
        "a write on a full disk gave {}",
        r.status()
    );
    // Reads still work; deletes that fail say so clearly and change nothing.
    for (key, body) in &acked {
        assert_eq!(&c.get_bytes("full", key).await, body, "{key}");
    }
    let (victim, _) = acked.remove(0);
    let r = c
        .send("DELETE", Some("full"), &victim, &[], &[], Vec::new())
        .await;
    let deleted_while_full = r.status() == 204;
    if !deleted_while_full {
        assert!([503, 507].contains(&r.status().as_u16()), "{}", r.status());
    }
    // Space comes back: the same process works again, nothing acknowledged is lost.
    std::fs::remove_file(&filler).unwrap();
    let mut recovered = false;
    for _ in 0..50 {
        if c.put("full", "again", pattern(2, 500_000)).await.status() == 200 {
            recovered = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(recovered, "writes still refused after space was freed");
    if !deleted_while_full {
        assert_eq!(
            c.send("DELETE", Some("full"), &victim, &[], &[], Vec::new())
                .await
                .status(),
            204
        );
    }
    assert_eq!(c.get("full", &victim).await.status(), 404);
    for (key, body) in &acked {
        assert_eq!(&c.get_bytes("full", key).await, body, "{key}");
    }
    assert_eq!(c.get_bytes("full", "again").await, pattern(2, 500_000));
    server.shutdown().await;
    let (code, out) = run_fsck(&data);
    assert_eq!(code, 0, "{out}");
}

#[tokio::test]
async fn metadata_commits_that_hit_a_full_disk_recover_without_restart() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter("warn")
        .with_test_writer()
        .try_init();
    let Some(fs) = Tmpfs::mount(16) else { return };
    let data = fs.path().join("store");
    // No reserve: the metadata database itself runs into the full disk.
    let server = start(&data, 0).await;
    let c = Client::new(&server.endpoint());
    c.create_bucket("meta").await;
    let mut acked = Vec::new();
    let filler = fill(fs.path(), 512 * 1024);
    // Writes with large metadata until the database or the blobs run out of room.
    let meta = "m".repeat(8000);
    let mut refusals = 0;
    for i in 0..2000u32 {
        let body = pattern(i, 100);
        let r = c
            .send(
                "PUT",
                Some("meta"),
                &format!("k{i}"),
                &[],
                &[("x-oss-meta-m", &meta)],
                body.clone(),
            )
            .await;
        if r.status() == 200 {
            acked.push((format!("k{i}"), body));
        } else {
            assert!([503, 507].contains(&r.status().as_u16()), "{}", r.status());
            refusals += 1;
            if refusals == 5 {
                break;
            }
        }
    }
    eprintln!(
        "{} writes acknowledged before the disk was full",
        acked.len()
    );
    assert!(!acked.is_empty());
    std::fs::remove_file(&filler).unwrap();
    let mut recovered = false;
    for _ in 0..50 {
        if c.put("meta", "again", b"after the full disk".to_vec())
            .await
            .status()
            == 200
        {
            recovered = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(recovered, "the metadata database never came back");
    for (key, body) in &acked {
        assert_eq!(&c.get_bytes("meta", key).await, body, "{key}");
    }
    server.shutdown().await;
    let (code, out) = run_fsck(&data);
    assert_eq!(code, 0, "{out}");
}
