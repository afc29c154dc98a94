//! `oss sync` and recursive `cp` against the local server, seen through a request-counting
//! proxy: what moves the first time, that nothing moves the second, that only changes move,
//! `--delete`, filters, `--dry-run`, and interrupted runs that finish what is missing.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use common::{pattern, tree, write, CountingProxy, Env, Seen};

/// Large files go in parts of 256 KiB from 1 MiB.
const PARTS: [&str; 4] = ["--bigfile-threshold", "1M", "--part-size", "256K"];

/// 1,000 small files in ten directories and two large ones.
fn thousand_files(dir: &Path) -> PathBuf {
    let src = dir.join("src");
    for i in 0..1000u64 {
        let len = 100 + (i as usize * 37) % 400;
        write(
            &src.join(format!("d{}/f{i:04}.txt", i / 100)),
            &pattern(len, i),
        );
    }
    write(&src.join("big/a.bin"), &pattern(3 << 20, 5000));
    write(&src.join("big/b.bin"), &pattern((5 << 20) / 2, 5001));
    src
}

fn ops<'a>(seen: &'a [Seen], operation: &str) -> Vec<&'a Seen> {
    seen.iter().filter(|s| s.operation == operation).collect()
}

fn args<'a>(base: &[&'a str], extra: &[&'a str]) -> Vec<&'a str> {
    let mut v = base.to_vec();
    v.extend_from_slice(extra);
    v
}

fn set_mtime(path: &Path, t: SystemTime) {
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(t)
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_sync_sends_nothing_and_later_ones_only_changes() {
    let mut env = Env::start().await;
    env.ok(&["mb", "oss://sync-bucket"]).await;
    let proxy = CountingProxy::start(env.server.endpoint()).await;
    env.set("OSS_ENDPOINT", proxy.endpoint.clone());
    let dir = tempfile::tempdir().unwrap();
    let src = thousand_files(dir.path());
    let src_s = src.to_str().unwrap();
    let sync = args(&["sync", src_s, "oss://sync-bucket/tree/"], &PARTS);

    // The first sync uploads everything: small files whole, large ones in parts.
    let out = env.ok(&sync).await;
    assert!(out.contains("synced 1002 files"), "{out}");
    let seen = proxy.take();
    assert_eq!(ops(&seen, "PutObject").len(), 1000);
    assert_eq!(ops(&seen, "UploadPart").len(), 12 + 10);
    assert_eq!(ops(&seen, "CompleteMultipartUpload").len(), 2);
    // Signature V4 by default.
    assert!(
        seen.iter()
            .all(|s| s.authorization.starts_with("OSS4-HMAC-SHA256 ")),
        "{:?}",
        seen.iter().find(|s| !s.authorization.starts_with("OSS4"))
    );
    assert_eq!(env.keys("sync-bucket", "tree/").await.len(), 1002);

    // Nothing changed: listings only, no object data.
    let out = env.ok(&sync).await;
    assert!(
        out.contains("synced 0 files") && out.contains("1002 unchanged"),
        "{out}"
    );
    let seen = proxy.take();
    assert!(seen.iter().all(|s| !s.writes()), "{seen:?}");
    assert!(seen.len() <= 3, "one listing of 1,002 keys: {seen:?}");

    // A file of another size, and one of the same size but newer: only they go. (Times
    // compare in whole seconds: the change comes a second after the upload.)
    tokio::time::sleep(Duration::from_millis(1100)).await;
    write(&src.join("d3/f0300.txt"), b"a different length");
    let same_len = std::fs::metadata(src.join("d4/f0400.txt")).unwrap().len() as usize;
    write(&src.join("d4/f0400.txt"), &pattern(same_len, 99_999));
    set_mtime(&src.join("d4/f0400.txt"), SystemTime::now());
    let out = env.ok(&sync).await;
    assert!(out.contains("synced 2 files"), "{out}");
    let seen = proxy.take();
    let mut sent: Vec<String> = seen
        .iter()
        .filter(|s| s.sends_data())
        .map(|s| s.path())
        .collect();
    sent.sort();
    assert_eq!(
        sent,
        [
            "/sync-bucket/tree/d3/f0300.txt",
            "/sync-bucket/tree/d4/f0400.txt"
        ]
    );
    let got = env
        .sdk("sync-bucket")
        .get_object("tree/d3/f0300.txt")
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(&got[..], b"a different length");

    // --delete: a dry run shows, changes nothing.
    std::fs::remove_file(src.join("d0/f0000.txt")).unwrap();
    std::fs::remove_file(src.join("d0/f0001.txt")).unwrap();
    write(&src.join("new.txt"), b"new file");
    let delete = args(&sync, &["--delete"]);
    let out = env.ok(&args(&delete, &["--dry-run"])).await;
    assert!(
        out.contains("would copy") && out.contains("new.txt"),
        "{out}"
    );
    assert!(
        out.contains("would delete oss://sync-bucket/tree/d0/f0000.txt"),
        "{out}"
    );
    assert!(proxy.take().iter().all(|s| !s.writes()));
    assert_eq!(env.keys("sync-bucket", "tree/").await.len(), 1002);

    // Without -f and without a terminal, deleting is refused before anything is sent.
    let err = env.run(&delete).await.fails(2);
    assert!(err.contains("-f/--force"), "{err}");
    assert!(proxy.take().iter().all(|s| !s.writes()));
    assert_eq!(env.keys("sync-bucket", "tree/").await.len(), 1002);

    // With -f: the new file goes up, the two removed ones go.
    let out = env.ok(&args(&delete, &["-f"])).await;
    assert!(
        out.contains("synced 1 file") && out.contains("2 deleted"),
        "{out}"
    );
    let seen = proxy.take();
    assert_eq!(ops(&seen, "PutObject").len(), 1);
    assert_eq!(ops(&seen, "DeleteMultipleObjects").len(), 1);
    let keys = env.keys("sync-bucket", "tree/").await;
    assert_eq!(keys.len(), 1001);
    assert!(!keys.contains(&"tree/d0/f0000.txt".to_string()));
    assert!(keys.contains(&"tree/new.txt".to_string()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_down_and_across_buckets_then_nothing_moves() {
    let mut env = Env::start().await;
    env.ok(&["mb", "oss://down-bucket"]).await;
    env.ok(&["mb", "oss://across-bucket"]).await;
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    for i in 0..20u64 {
        write(
            &src.join(format!("s/{i}.dat")),
            &pattern(1000 + i as usize, i),
        );
    }
    write(&src.join("large.bin"), &pattern(2 << 20, 77));
    env.ok(&args(
        &["sync", src.to_str().unwrap(), "oss://down-bucket/t"],
        &PARTS,
    ))
    .await;
    let proxy = CountingProxy::start(env.server.endpoint()).await;
    env.set("OSS_ENDPOINT", proxy.endpoint.clone());

    // Down: the tree arrives; a second run reads no object.
    let down = dir.path().join("down");
    let sync_down = args(
        &["sync", "oss://down-bucket/t/", down.to_str().unwrap()],
        &PARTS,
    );
    let out = env.ok(&sync_down).await;
    assert!(out.contains("synced 21 files"), "{out}");
    assert_eq!(tree(&down), tree(&src));
    proxy.take();
    let out = env.ok(&sync_down).await;
    assert!(out.contains("21 unchanged"), "{out}");
    let seen = proxy.take();
    assert!(ops(&seen, "GetObject").is_empty(), "{seen:?}");
    assert!(seen.iter().all(|s| !s.writes()), "{seen:?}");

    // An object that changes comes down again, alone.
    env.sdk("down-bucket")
        .put_object("t/s/3.dat", "changed in OSS")
        .await
        .unwrap();
    env.ok(&sync_down).await;
    let seen = proxy.take();
    let gets: Vec<String> = ops(&seen, "GetObject").iter().map(|s| s.path()).collect();
    assert_eq!(gets, ["/down-bucket/t/s/3.dat"]);
    assert_eq!(
        std::fs::read(down.join("s/3.dat")).unwrap(),
        b"changed in OSS"
    );

    // Across buckets: server-side copies; then nothing.
    let across = ["sync", "oss://down-bucket/t/", "oss://across-bucket/copy/"];
    let out = env.ok(&across).await;
    assert!(out.contains("synced 21 files"), "{out}");
    let seen = proxy.take();
    assert_eq!(ops(&seen, "CopyObject").len(), 21);
    assert!(seen.iter().all(|s| !s.sends_data()), "{seen:?}");
    let out = env.ok(&across).await;
    assert!(out.contains("21 unchanged"), "{out}");
    assert!(proxy.take().iter().all(|s| !s.writes()));

    // What the source lost goes from both destinations with --delete -f.
    env.sdk("down-bucket")
        .delete_object("t/s/0.dat")
        .await
        .unwrap();
    let out = env.ok(&args(&across, &["--delete", "-f"])).await;
    assert!(out.contains("1 deleted"), "{out}");
    assert!(!env
        .keys("across-bucket", "copy/")
        .await
        .contains(&"copy/s/0.dat".to_string()));
    let out = env.ok(&args(&sync_down, &["--delete", "-f"])).await;
    assert!(out.contains("1 deleted"), "{out}");
    assert!(!down.join("s/0.dat").exists());
    assert!(down.join("s/1.dat").exists());

    // Overlapping prefixes of one bucket are refused.
    let err = env
        .run(&["sync", "oss://down-bucket/t/", "oss://down-bucket/t/sub/"])
        .await
        .fails(2);
    assert!(err.contains("overlap"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_choose_what_moves() {
    let env = Env::start().await;
    env.ok(&["mb", "oss://filter-bucket"]).await;
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    write(&src.join("a.txt"), b"a");
    write(&src.join("b.log"), b"b");
    write(&src.join("keep.log"), b"keep");
    write(&src.join("sub/c.txt"), b"c");
    write(&src.join("sub/d.jpg"), b"d");
    write(&src.join("cache/x.txt"), b"x");
    write(&src.join("big.bin"), &pattern(200_000, 1));
    let s = src.to_str().unwrap();
    let keys = |prefix: &'static str| {
        let env = &env;
        async move {
            env.keys("filter-bucket", prefix)
                .await
                .into_iter()
                .map(|k| k[prefix.len()..].to_string())
                .collect::<Vec<_>>()
        }
    };

    env.ok(&["sync", s, "oss://filter-bucket/inc/", "--include", "*.txt"])
        .await;
    assert_eq!(keys("inc/").await, ["a.txt", "cache/x.txt", "sub/c.txt"]);

    // The first rule that matches decides.
    env.ok(&[
        "cp",
        "-r",
        s,
        "oss://filter-bucket/ord/",
        "--include",
        "keep.log",
        "--exclude",
        "*.log",
        "--exclude",
        "cache/",
    ])
    .await;
    assert_eq!(
        keys("ord/").await,
        ["a.txt", "big.bin", "keep.log", "sub/c.txt", "sub/d.jpg"]
    );

    let list = dir.path().join("exclude.txt");
    write(&list, b"# no logs, no pictures\n*.log\n*.jpg\n");
    env.ok(&[
        "sync",
        s,
        "oss://filter-bucket/from/",
        "--exclude-from",
        list.to_str().unwrap(),
        "--max-size",
        "1K",
    ])
    .await;
    assert_eq!(keys("from/").await, ["a.txt", "cache/x.txt", "sub/c.txt"]);

    env.ok(&["sync", s, "oss://filter-bucket/big/", "--min-size", "100K"])
        .await;
    assert_eq!(keys("big/").await, ["big.bin"]);

    let names = dir.path().join("names.txt");
    write(&names, b"sub/d.jpg\nb.log\n");
    env.ok(&[
        "cp",
        "-r",
        s,
        "oss://filter-bucket/named/",
        "--files-from",
        names.to_str().unwrap(),
    ])
    .await;
    assert_eq!(keys("named/").await, ["b.log", "sub/d.jpg"]);

    // Time filters: nothing here is older than a day; everything is younger.
    env.ok(&["sync", s, "oss://filter-bucket/old/", "--min-age", "1d"])
        .await;
    assert!(keys("old/").await.is_empty());
    env.ok(&["sync", s, "oss://filter-bucket/young/", "--max-age", "1d"])
        .await;
    assert_eq!(keys("young/").await.len(), 7);

    // Listing and removal take the same filters.
    let out = env
        .ok(&["ls", "-s", "oss://filter-bucket/ord/", "--include", "*.jpg"])
        .await;
    assert_eq!(out.trim(), "oss://filter-bucket/ord/sub/d.jpg");
    env.ok(&[
        "rm",
        "-r",
        "-f",
        "oss://filter-bucket/ord/",
        "--exclude",
        "*.txt",
    ])
    .await;
    assert_eq!(keys("ord/").await, ["a.txt", "sub/c.txt"]);

    // Downloads too.
    let down = dir.path().join("down");
    env.ok(&[
        "sync",
        "oss://filter-bucket/inc/",
        down.to_str().unwrap(),
        "--exclude",
        "sub/",
    ])
    .await;
    let names: Vec<String> = tree(&down).into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["a.txt", "cache/x.txt"]);

    // A bad pattern is named.
    let err = env
        .run(&["sync", s, "oss://filter-bucket/x/", "--include", "[abc"])
        .await
        .fails(2);
    assert!(err.contains("[abc"), "{err}");
}

/// Starts `oss ARGS`, interrupts it (SIGINT) once `bucket` holds at least `n` keys under
/// `prefix`, and returns how many it holds then.
#[cfg(unix)]
async fn interrupt_after(env: &Env, args: &[&str], bucket: &str, prefix: &str, n: usize) -> usize {
    use std::process::Stdio;
    let mut cmd = env.command(args);
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let started = std::time::Instant::now();
    loop {
        assert!(
            child.try_wait().unwrap().is_none(),
            "it ended before it could be interrupted"
        );
        assert!(started.elapsed() < Duration::from_secs(120), "no progress");
        if env.keys(bucket, prefix).await.len() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    let run = common::Run::from(out);
    assert_eq!(run.status, Some(130), "{}", run.stderr);
    env.keys(bucket, prefix).await.len()
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interrupted_runs_transfer_only_what_is_missing() {
    let mut env = Env::start().await;
    env.ok(&["mb", "oss://resume-tree"]).await;
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    for i in 0..150u64 {
        write(&src.join(format!("f{i:03}.bin")), &pattern(2048, i));
    }
    let s = src.to_str().unwrap();
    let slow = ["--jobs", "1", "--bandwidth-limit", "40K"];

    // sync: stopped part way, then run again through the proxy.
    let present = interrupt_after(
        &env,
        &args(&["sync", s, "oss://resume-tree/sync/"], &slow),
        "resume-tree",
        "sync/",
        15,
    )
    .await;
    assert!(present < 150, "{present}");
    let proxy = CountingProxy::start(env.server.endpoint()).await;
    let direct = env.server.endpoint();
    env.set("OSS_ENDPOINT", proxy.endpoint.clone());
    let out = env.ok(&["sync", s, "oss://resume-tree/sync/"]).await;
    assert!(
        out.contains(&format!("synced {} files", 150 - present)),
        "{out}"
    );
    assert_eq!(proxy.count("PutObject"), 150 - present);
    proxy.take();
    env.set("OSS_ENDPOINT", direct.clone());

    // cp -r keeps a record of what it copied: the same command started again copies the
    // rest, without asking about the objects it wrote itself.
    let cp = ["cp", "-r", s, "oss://resume-tree/cp/"];
    let present = interrupt_after(&env, &args(&cp, &slow), "resume-tree", "cp/", 15).await;
    assert!(present < 150, "{present}");
    env.set("OSS_ENDPOINT", proxy.endpoint.clone());
    env.ok(&cp).await;
    let puts = proxy.count("PutObject");
    // At most the one in flight when it stopped is sent again.
    assert!(
        (150 - present..=151 - present).contains(&puts),
        "{puts} uploads for {} missing",
        150 - present
    );
    assert_eq!(env.keys("resume-tree", "cp/").await.len(), 150);
    let journals: Vec<_> = common::files_in(&env.home.path().join(".oss/checkpoints"))
        .into_iter()
        .filter(|p| p.to_string_lossy().ends_with(".journal"))
        .collect();
    assert!(journals.is_empty(), "{journals:?}");

    // Run once more, complete: every object exists, so overwriting them is asked about.
    let err = env.run(&cp).await.fails(2);
    assert!(err.contains("Overwrite 150 existing files"), "{err}");
    // --update leaves them alone; -f overwrites.
    let out = env.ok(&args(&cp, &["--update"])).await;
    assert!(
        out.contains("copied 0 files") && out.contains("150 unchanged"),
        "{out}"
    );
    proxy.take();
    env.ok(&args(&cp, &["-f"])).await;
    assert_eq!(proxy.count("PutObject"), 150);
}
