//! The `oss` commands one by one against the local server: safety (refusals without -f and
//! a terminal, dry runs), stdin and stdout, mv, set-props, append, hash, presign, probe,
//! mkdir, structured output, global options anywhere, the bandwidth limit; and the commands
//! over versions, symlinks, restores and tags.

mod common;

use std::time::{Duration, Instant};

use common::{pattern, write, Env};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recursive_deletes_and_overwrites_need_force_without_a_terminal() {
    let env = Env::start().await;
    env.ok(&["mb", "oss://safe-bucket"]).await;
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("f.txt");
    write(&f, b"first");
    let f = f.to_str().unwrap();
    for k in ["d/a", "d/b", "d/c"] {
        env.ok(&["cp", f, &format!("oss://safe-bucket/{k}")]).await;
    }

    // rm -r: refused, shown by a dry run, done with -f.
    let err = env.run(&["rm", "-r", "oss://safe-bucket/d"]).await.fails(2);
    assert!(
        err.contains("Remove 3 objects under oss://safe-bucket/d/?") && err.contains("-f/--force"),
        "{err}"
    );
    let out = env
        .ok(&["rm", "-r", "oss://safe-bucket/d", "--dry-run"])
        .await;
    assert!(out.contains("would remove oss://safe-bucket/d/a"), "{out}");
    assert!(
        out.trim_end()
            .ends_with("would remove 3 objects under oss://safe-bucket/d/"),
        "{out}"
    );
    assert_eq!(env.keys("safe-bucket", "d/").await.len(), 3);

    // An overwrite by cp: refused without -f, done with it.
    write(dir.path().join("f.txt").as_path(), b"second");
    let err = env.run(&["cp", f, "oss://safe-bucket/d/a"]).await.fails(2);
    assert!(err.contains("Overwrite oss://safe-bucket/d/a?"), "{err}");
    let cat = env.ok(&["cat", "oss://safe-bucket/d/a"]).await;
    assert_eq!(cat, "first");
    env.ok(&["cp", f, "oss://safe-bucket/d/a", "-f"]).await;
    assert_eq!(env.ok(&["cat", "oss://safe-bucket/d/a"]).await, "second");
    // Rules decide instead: unchanged sizes are skipped, existing ones ignored.
    let out = env
        .ok(&["cp", f, "oss://safe-bucket/d/a", "--size-only"])
        .await;
    assert!(out.contains("skipped"), "{out}");
    let out = env
        .ok(&["cp", f, "oss://safe-bucket/d/b", "--ignore-existing"])
        .await;
    assert!(out.contains("skipped"), "{out}");
    let out = env
        .ok(&["cp", f, "oss://safe-bucket/d/a", "--checksum"])
        .await;
    assert!(out.contains("same CRC-64"), "{out}");
    let out = env
        .ok(&["cp", f, "oss://safe-bucket/d/b", "--checksum"])
        .await;
    assert!(out.contains("copied"), "{out}");
    // Downloads over an existing file too.
    let local = dir.path().join("down.txt");
    write(&local, b"local");
    let err = env
        .run(&["cp", "oss://safe-bucket/d/a", local.to_str().unwrap()])
        .await
        .fails(2);
    assert!(err.contains("Overwrite"), "{err}");
    assert_eq!(std::fs::read(&local).unwrap(), b"local");
    // The file is older than the object: --update takes the object.
    std::fs::File::options()
        .write(true)
        .open(&local)
        .unwrap()
        .set_modified(std::time::SystemTime::now() - Duration::from_secs(3600))
        .unwrap();
    env.ok(&["cp", "oss://safe-bucket/d/a", local.to_str().unwrap(), "-u"])
        .await;
    assert_eq!(std::fs::read(&local).unwrap(), b"second");

    env.ok(&["rm", "-r", "-f", "oss://safe-bucket/d"]).await;
    assert!(env.keys("safe-bucket", "").await.is_empty());

    // rb -r empties after asking; rb -f (as before) without asking.
    env.ok(&["cp", f, "oss://safe-bucket/x"]).await;
    let err = env.run(&["rb", "-r", "oss://safe-bucket"]).await.fails(2);
    assert!(err.contains("with its 1 object"), "{err}");
    let out = env
        .ok(&["rb", "-r", "oss://safe-bucket", "--dry-run"])
        .await;
    assert!(out.contains("would remove bucket safe-bucket"), "{out}");
    assert_eq!(env.keys("safe-bucket", "").await, ["x"]);
    env.ok(&["rb", "-f", "oss://safe-bucket"]).await;
    let err = env.run(&["ls", "oss://safe-bucket"]).await.fails(1);
    assert!(err.contains("NoSuchBucket"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_runs_change_nothing() {
    let env = Env::start().await;
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("f.txt");
    write(&f, b"data");
    let f = f.to_str().unwrap();

    let out = env.ok(&["mb", "oss://dry-bucket", "-n"]).await;
    assert!(out.contains("would make bucket dry-bucket"), "{out}");
    assert!(env.run(&["ls", "oss://dry-bucket"]).await.status == Some(1));
    env.ok(&["mb", "oss://dry-bucket"]).await;
    env.ok(&["cp", f, "oss://dry-bucket/kept"]).await;

    let before = env.keys("dry-bucket", "").await;
    for args in [
        vec!["cp", f, "oss://dry-bucket/new", "--dry-run"],
        vec![
            "cp",
            "-r",
            dir.path().to_str().unwrap(),
            "oss://dry-bucket/tree/",
            "-n",
        ],
        vec![
            "sync",
            dir.path().to_str().unwrap(),
            "oss://dry-bucket/s/",
            "-n",
        ],
        vec!["mv", f, "oss://dry-bucket/moved", "-n"],
        vec!["rm", "oss://dry-bucket/kept", "-n"],
        vec!["mkdir", "oss://dry-bucket/dir", "-n"],
        vec!["append", f, "oss://dry-bucket/app", "-n"],
        vec![
            "set-props",
            "oss://dry-bucket/kept",
            "--metadata",
            "a=1",
            "-n",
        ],
        vec!["create-symlink", "oss://dry-bucket/link", "kept", "-n"],
        vec![
            "api",
            "put-object",
            "--bucket",
            "dry-bucket",
            "--key",
            "api",
            "--body",
            "x",
            "-n",
        ],
        vec!["rb", "oss://dry-bucket", "-n"],
    ] {
        let out = env.ok(&args).await;
        assert!(out.contains("would"), "{args:?}: {out}");
    }
    assert_eq!(env.keys("dry-bucket", "").await, before);
    assert!(std::path::Path::new(f).exists());
    let head = env.sdk("dry-bucket").head_object("kept").await.unwrap();
    assert!(head.metadata.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stdin_and_stdout_stream_objects() {
    let env = Env::start().await;
    env.ok(&["mb", "oss://pipe-bucket"]).await;
    let data = pattern(700_000, 3);
    let out = env
        .run_with_input(
            &[
                "cp",
                "-",
                "oss://pipe-bucket/piped.bin",
                "--part-size",
                "256K",
            ],
            data.clone(),
        )
        .await
        .ok();
    assert!(
        out.contains("copied stdin -> oss://pipe-bucket/piped.bin"),
        "{out}"
    );
    let stat = env.ok(&["stat", "oss://pipe-bucket/piped.bin"]).await;
    assert!(stat.contains("Multipart"), "{stat}");
    let run = env.run(&["cp", "oss://pipe-bucket/piped.bin", "-"]).await;
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    assert_eq!(run.raw_stdout, data);
    // Small input goes whole.
    env.run_with_input(&["cp", "-", "oss://pipe-bucket/small"], b"tiny".to_vec())
        .await
        .ok();
    assert_eq!(env.ok(&["cat", "oss://pipe-bucket/small"]).await, "tiny");
    // An existing object is not replaced from stdin without -f.
    let err = env
        .run_with_input(&["cp", "-", "oss://pipe-bucket/small"], b"other".to_vec())
        .await
        .fails(2);
    assert!(err.contains("Overwrite"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mv_copies_then_removes_the_source() {
    let env = Env::start().await;
    env.ok(&["mb", "oss://mv-bucket"]).await;
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("one.txt");
    write(&f, b"one");
    env.ok(&["mv", f.to_str().unwrap(), "oss://mv-bucket/a/"])
        .await;
    assert!(!f.exists());
    env.ok(&[
        "mv",
        "oss://mv-bucket/a/one.txt",
        "oss://mv-bucket/b/one.txt",
    ])
    .await;
    assert_eq!(env.keys("mv-bucket", "").await, ["b/one.txt"]);
    let down = dir.path().join("back.txt");
    env.ok(&["mv", "oss://mv-bucket/b/one.txt", down.to_str().unwrap()])
        .await;
    assert_eq!(std::fs::read(&down).unwrap(), b"one");
    assert!(env.keys("mv-bucket", "").await.is_empty());

    // A tree: asked about, then moved.
    let src = dir.path().join("tree");
    for i in 0..5 {
        write(&src.join(format!("t/{i}.txt")), format!("{i}").as_bytes());
    }
    let s = src.to_str().unwrap();
    let err = env
        .run(&["mv", "-r", s, "oss://mv-bucket/tree/"])
        .await
        .fails(2);
    assert!(err.contains("Move 5 files"), "{err}");
    let out = env
        .ok(&["mv", "-r", s, "oss://mv-bucket/tree/", "-f"])
        .await;
    assert!(out.contains("moved 5 files"), "{out}");
    assert_eq!(env.keys("mv-bucket", "tree/").await.len(), 5);
    assert!(common::tree(&src).is_empty());
    env.ok(&[
        "mv",
        "-r",
        "-f",
        "oss://mv-bucket/tree/",
        "oss://mv-bucket/moved/",
    ])
    .await;
    assert!(env.keys("mv-bucket", "tree/").await.is_empty());
    assert_eq!(env.keys("mv-bucket", "moved/").await.len(), 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_props_changes_metadata_acl_and_storage_class() {
    let env = Env::start().await;
    env.ok(&["mb", "oss://props-bucket"]).await;
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("page.html");
    write(&f, b"<p>hi</p>");
    env.ok(&[
        "cp",
        f.to_str().unwrap(),
        "oss://props-bucket/page.html",
        "--metadata",
        "owner=alice",
        "--cache-control",
        "no-cache",
        "--acl",
        "public-read",
    ])
    .await;
    let sdk = env.sdk("props-bucket");
    let head = sdk.head_object("page.html").await.unwrap();
    assert_eq!(head.content_type.as_deref(), Some("text/html"));
    assert_eq!(
        head.metadata.get("owner").map(String::as_str),
        Some("alice")
    );

    // Metadata merges; the other headers and the ACL stay.
    env.ok(&[
        "set-props",
        "oss://props-bucket/page.html",
        "--metadata",
        "team=web,stage=prod",
        "--storage-class",
        "IA",
    ])
    .await;
    let head = sdk.head_object("page.html").await.unwrap();
    assert_eq!(head.metadata.len(), 3, "{:?}", head.metadata);
    assert_eq!(head.storage_class.as_deref(), Some("IA"));
    assert_eq!(head.meta.header("cache-control"), Some("no-cache"));
    assert_eq!(head.content_type.as_deref(), Some("text/html"));
    let anonymous = reqwest::get(format!("{}/props-bucket/page.html", env.server.endpoint()))
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 200, "the public-read ACL was kept");

    // Removal, replacement, a new type, and the ACL alone.
    env.ok(&[
        "set-props",
        "oss://props-bucket/page.html",
        "--delete-metadata",
        "stage",
        "--content-type",
        "text/plain",
    ])
    .await;
    let head = sdk.head_object("page.html").await.unwrap();
    assert!(!head.metadata.contains_key("stage"));
    assert_eq!(head.content_type.as_deref(), Some("text/plain"));
    env.ok(&[
        "set-props",
        "oss://props-bucket/page.html",
        "--replace-metadata",
        "--metadata",
        "only=this",
        "--acl",
        "private",
    ])
    .await;
    let head = sdk.head_object("page.html").await.unwrap();
    assert_eq!(head.metadata.keys().collect::<Vec<_>>(), ["only"]);
    let anonymous = reqwest::get(format!("{}/props-bucket/page.html", env.server.endpoint()))
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 403);

    // -r asks first.
    env.ok(&["cp", f.to_str().unwrap(), "oss://props-bucket/more/x.html"])
        .await;
    let err = env
        .run(&[
            "set-props",
            "-r",
            "oss://props-bucket/",
            "--metadata",
            "a=b",
        ])
        .await
        .fails(2);
    assert!(err.contains("Change the properties of 2 objects"), "{err}");
    let out = env
        .ok(&[
            "set-props",
            "-r",
            "-f",
            "oss://props-bucket/",
            "--metadata",
            "a=b",
        ])
        .await;
    assert!(out.contains("of 2 objects"), "{out}");
    let err = env
        .run(&["set-props", "oss://props-bucket/page.html"])
        .await
        .fails(2);
    assert!(err.contains("nothing to set"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn append_hash_mkdir_and_listings() {
    let env = Env::start().await;
    env.ok(&["mb", "oss://misc-bucket"]).await;
    let dir = tempfile::tempdir().unwrap();
    let part1 = dir.path().join("p1");
    write(&part1, b"hello ");
    env.ok(&[
        "append",
        part1.to_str().unwrap(),
        "oss://misc-bucket/log.txt",
    ])
    .await;
    let out = env
        .run_with_input(
            &["append", "-", "oss://misc-bucket/log.txt"],
            b"world".to_vec(),
        )
        .await
        .ok();
    assert!(out.contains("at 6"), "{out}");
    assert_eq!(
        env.ok(&["cat", "oss://misc-bucket/log.txt"]).await,
        "hello world"
    );
    env.ok(&["cp", part1.to_str().unwrap(), "oss://misc-bucket/normal"])
        .await;
    let err = env
        .run(&[
            "append",
            part1.to_str().unwrap(),
            "oss://misc-bucket/normal",
        ])
        .await
        .fails(2);
    assert!(err.contains("appendable"), "{err}");

    // hash: a file and the object made from it agree.
    let data = dir.path().join("data.bin");
    write(&data, &pattern(300_000, 8));
    env.ok(&["cp", data.to_str().unwrap(), "oss://misc-bucket/data.bin"])
        .await;
    let local: serde_json::Value = serde_json::from_str(
        &env.ok(&[
            "hash",
            data.to_str().unwrap(),
            "--type",
            "all",
            "--output-format",
            "json",
        ])
        .await,
    )
    .unwrap();
    let remote: serde_json::Value = serde_json::from_str(
        &env.ok(&[
            "hash",
            "oss://misc-bucket/data.bin",
            "--type",
            "all",
            "--output-format",
            "json",
        ])
        .await,
    )
    .unwrap();
    assert_eq!(local["CRC64ECMA"], remote["CRC64ECMA"]);
    assert_eq!(local["MD5"], remote["MD5"]);
    assert_eq!(
        local["CRC64ECMA"].as_str().unwrap(),
        osskit::utils::crc64(&pattern(300_000, 8)).to_string()
    );
    let text = env.ok(&["hash", "oss://misc-bucket/data.bin"]).await;
    assert!(text.starts_with("CRC64-ECMA:"), "{text}");

    // mkdir, and listings in every format.
    env.ok(&["mkdir", "oss://misc-bucket/folder"]).await;
    let out = env.ok(&["ls", "-d", "oss://misc-bucket/"]).await;
    assert!(
        out.contains("DIR") && out.contains("oss://misc-bucket/folder/"),
        "{out}"
    );
    let out = env
        .ok(&["ls", "oss://misc-bucket", "--output-format", "json"])
        .await;
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["Items"].as_array().unwrap().len(), 4, "{v}");
    assert_eq!(v["Summary"]["Objects"], 4);
    let out = env
        .ok(&["--output-format", "yaml", "ls", "oss://misc-bucket"])
        .await;
    assert!(out.starts_with("Items:\n  - ETag: "), "{out}");
    assert!(out.contains("\n    Key: data.bin\n"), "{out}");
    assert!(out.contains("Summary:\n  Objects: 4\n"), "{out}");
    let out = env
        .ok(&["ls", "oss://misc-bucket", "--output-format", "xml"])
        .await;
    assert!(
        out.contains("<ListBucketResult>") && out.contains("<Key>log.txt</Key>"),
        "{out}"
    );
    let out = env
        .ok(&["ls", "-s", "oss://misc-bucket", "--limited-num", "2"])
        .await;
    assert_eq!(out.lines().count(), 2, "{out}");
    let out = env
        .ok(&[
            "stat",
            "oss://misc-bucket/log.txt",
            "--output-format",
            "json",
        ])
        .await;
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["ObjectType"], "Appendable");
    assert_eq!(v["ContentLength"], 11);
    let out = env
        .ok(&["du", "oss://misc-bucket", "--output-format", "json"])
        .await;
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["Objects"], 4);
    assert_eq!(v["TotalSize"], 300_000 + 11 + 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presigned_urls_of_every_method_work() {
    let env = Env::start().await;
    env.ok(&["mb", "oss://presign-bucket"]).await;
    let http = reqwest::Client::new();
    let url = |method: &'static str| {
        let env = &env;
        async move {
            env.ok(&[
                "presign",
                "oss://presign-bucket/p.txt",
                "--method",
                method,
                "--expires",
                "5m",
            ])
            .await
            .trim()
            .to_string()
        }
    };
    let put = http
        .put(url("PUT").await)
        .body("presigned")
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 200);
    let get = http.get(url("get").await).send().await.unwrap();
    assert_eq!(get.text().await.unwrap(), "presigned");
    let head = http.head(url("HEAD").await).send().await.unwrap();
    assert_eq!(head.headers()["content-length"], "9");
    let del = http.delete(url("DELETE").await).send().await.unwrap();
    assert_eq!(del.status(), 204);
    assert!(env.keys("presign-bucket", "").await.is_empty());
    let err = env
        .run(&["presign", "oss://presign-bucket/p.txt", "--expires", "8d"])
        .await
        .fails(2);
    assert!(err.contains("7 days"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probe_checks_the_connection_and_speed() {
    let env = Env::start().await;
    env.ok(&["mb", "oss://probe-bucket"]).await;
    let out = env.ok(&["probe"]).await;
    assert!(
        out.contains("connected to 127.0.0.1") && out.contains("ListBuckets"),
        "{out}"
    );
    let out = env
        .ok(&[
            "probe",
            "oss://probe-bucket",
            "--size",
            "1M",
            "--output-format",
            "json",
        ])
        .await;
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["Upload"]["Bytes"], 1 << 20);
    assert!(v["Download"]["MBps"].as_f64().unwrap() > 0.0);
    assert!(
        env.keys("probe-bucket", "").await.is_empty(),
        "the probe object stays"
    );
    let out = env.ok(&["probe", "oss://probe-bucket", "-n"]).await;
    assert!(out.contains("left out"), "{out}");
    let mut env = env;
    env.set("OSS_ENDPOINT", "http://127.0.0.1:9");
    let err = env.run(&["probe"]).await.fails(1);
    assert!(err.contains("cannot connect"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn global_options_go_anywhere_and_the_bandwidth_limit_holds() {
    let env = Env::start().await;
    env.ok(&["mb", "oss://global-bucket"]).await;
    let a = env
        .ok(&["--output-format", "json", "ls", "oss://global-bucket"])
        .await;
    let b = env
        .ok(&["ls", "oss://global-bucket", "--output-format", "json"])
        .await;
    assert_eq!(a, b);
    serde_json::from_str::<serde_json::Value>(&a).unwrap();
    // Connection options before the command too.
    let err = env
        .run(&["--access-key-secret", "wrong", "ls", "oss://global-bucket"])
        .await
        .fails(1);
    assert!(err.contains("SignatureDoesNotMatch"), "{err}");

    // 1 MiB at 512 KiB/s takes more than a second and a half (a quarter second's worth
    // may go at once).
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("slow.bin");
    write(&f, &pattern(1 << 20, 4));
    let start = Instant::now();
    env.ok(&[
        "cp",
        f.to_str().unwrap(),
        "oss://global-bucket/slow.bin",
        "--bandwidth-limit",
        "512K",
    ])
    .await;
    assert!(
        start.elapsed() >= Duration::from_millis(1500),
        "{:?}",
        start.elapsed()
    );
}

// Versions, symlinks, restores and tags: the CLI calls these operations as OSS documents
// them.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn versions_are_listed_copied_reverted_and_removed() {
    let env = Env::start().await;
    env.ok(&["mb", "oss://ver-bucket"]).await;
    env.ok(&[
        "api",
        "put-bucket-versioning",
        "--bucket",
        "ver-bucket",
        "--body",
        "<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>",
    ])
    .await;
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("v");
    write(&f, b"one");
    env.ok(&["cp", f.to_str().unwrap(), "oss://ver-bucket/k"])
        .await;
    write(&f, b"two");
    env.ok(&["cp", "-f", f.to_str().unwrap(), "oss://ver-bucket/k"])
        .await;
    let out = env
        .ok(&[
            "ls",
            "--all-versions",
            "oss://ver-bucket",
            "--output-format",
            "json",
        ])
        .await;
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let versions = v["Items"].as_array().unwrap();
    assert_eq!(versions.len(), 2);
    let old = versions.iter().find(|v| v["IsLatest"] == false).unwrap()["VersionId"]
        .as_str()
        .unwrap()
        .to_string();
    let run = env
        .run(&["cp", "oss://ver-bucket/k", "-", "--version-id", &old])
        .await;
    assert_eq!(run.raw_stdout, b"one");
    // Deleted, then brought back.
    env.ok(&["rm", "oss://ver-bucket/k"]).await;
    assert!(env.run(&["cat", "oss://ver-bucket/k"]).await.status == Some(1));
    env.ok(&["revert", "oss://ver-bucket/k"]).await;
    assert_eq!(env.ok(&["cat", "oss://ver-bucket/k"]).await, "two");
    env.ok(&["revert", "oss://ver-bucket/k", "--version-id", &old])
        .await;
    assert_eq!(env.ok(&["cat", "oss://ver-bucket/k"]).await, "one");
    env.ok(&["rm", "-f", "oss://ver-bucket/k", "--all-versions"])
        .await;
    let out = env
        .ok(&["ls", "--all-versions", "-s", "oss://ver-bucket"])
        .await;
    assert!(out.trim().is_empty(), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn version_commands_name_versions_and_act_under_prefixes() {
    let env = Env::start().await;
    env.ok(&["mb", "oss://ver-more"]).await;
    let sdk = env.sdk("ver-more");
    sdk.put_bucket_versioning(osskit::proto::xml::versioning::VersioningConfiguration::enabled())
        .await
        .unwrap();
    let v1 = sdk
        .put_object("d/a", "first")
        .await
        .unwrap()
        .version_id
        .unwrap();
    let v2 = sdk
        .put_object("d/a", "second!")
        .await
        .unwrap()
        .version_id
        .unwrap();
    sdk.put_object("d/b", "b").await.unwrap();
    sdk.put_object("keep/c", "c").await.unwrap();

    // stat names a version: its size and id.
    let out = env
        .ok(&["stat", "oss://ver-more/d/a", "--version-id", &v1])
        .await;
    assert!(out.contains("Content-Length:       5"), "{out}");
    assert!(
        out.contains(&format!("Version-Id:           {v1}")),
        "{out}"
    );
    let out = env
        .ok(&["stat", "oss://ver-more/d/a", "--output-format", "json"])
        .await;
    let head: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(head["VersionId"], v2.as_str(), "{out}");
    let missing = osskit_server::store::VersionId::Seq(999_999).to_string();
    env.run(&["stat", "oss://ver-more/d/a", "--version-id", &missing])
        .await
        .fails(1);

    // ls marks the current versions; cp reads the version named into a file.
    let out = env.ok(&["ls", "--all-versions", "oss://ver-more/d/"]).await;
    let current: Vec<&str> = out.lines().filter(|l| l.contains(" * ")).collect();
    assert_eq!(current.len(), 2, "{out}");
    assert!(out.contains(&v1) && out.contains(&v2), "{out}");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a.old");
    env.ok(&[
        "cp",
        "oss://ver-more/d/a",
        file.to_str().unwrap(),
        "--version-id",
        &v1,
    ])
    .await;
    assert_eq!(std::fs::read(&file).unwrap(), b"first");

    // rm of one version removes it alone; the current one stays.
    env.ok(&["rm", "oss://ver-more/d/a", "--version-id", &v1])
        .await;
    let e = sdk.get_object("d/a").version_id(&v1).await.unwrap_err();
    assert_eq!(e.code(), Some("NoSuchVersion"));
    assert_eq!(env.ok(&["cat", "oss://ver-more/d/a"]).await, "second!");

    // A recursive delete writes delete markers; revert -r brings every object back.
    env.ok(&["rm", "-r", "-f", "oss://ver-more/d/"]).await;
    assert!(env.keys("ver-more", "d/").await.is_empty());
    let out = env
        .ok(&["revert", "-r", "-f", "oss://ver-more/d/", "--dry-run"])
        .await;
    assert!(out.contains("would bring back"), "{out}");
    assert!(env.keys("ver-more", "d/").await.is_empty());
    env.ok(&["revert", "-r", "-f", "oss://ver-more/d/"]).await;
    assert_eq!(env.keys("ver-more", "d/").await, ["d/a", "d/b"]);
    assert_eq!(env.ok(&["cat", "oss://ver-more/d/a"]).await, "second!");
    // Nothing to bring back: refused, with the way to an older version.
    let err = env.run(&["revert", "oss://ver-more/d/a"]).await.fails(1);
    assert!(err.contains("--version-id"), "{err}");

    // rm --all-versions under a prefix empties it and leaves the rest.
    env.ok(&["rm", "-r", "-f", "--all-versions", "oss://ver-more/d/"])
        .await;
    let out = env
        .ok(&["ls", "--all-versions", "-s", "oss://ver-more/d/"])
        .await;
    assert!(out.trim().is_empty(), "{out}");
    assert_eq!(env.keys("ver-more", "").await, ["keep/c"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn symlinks_are_created_and_read() {
    let env = Env::start().await;
    env.ok(&["mb", "oss://link-bucket"]).await;
    env.run_with_input(&["cp", "-", "oss://link-bucket/target"], b"t".to_vec())
        .await
        .ok();
    env.ok(&["create-symlink", "oss://link-bucket/link", "target"])
        .await;
    let out = env.ok(&["read-symlink", "oss://link-bucket/link"]).await;
    assert!(out.contains("oss://link-bucket/target"), "{out}");
    assert_eq!(env.ok(&["cat", "oss://link-bucket/link"]).await, "t");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn archived_objects_are_restored() {
    let env = Env::start().await;
    env.ok(&["mb", "oss://cold-bucket"]).await;
    env.run_with_input(
        &[
            "cp",
            "-",
            "oss://cold-bucket/a",
            "--storage-class",
            "Archive",
        ],
        b"cold".to_vec(),
    )
    .await
    .ok();
    let out = env
        .ok(&["restore", "oss://cold-bucket/a", "--days", "2"])
        .await;
    assert!(out.contains("restoring 1 object"), "{out}");
    let stat = env.ok(&["stat", "oss://cold-bucket/a"]).await;
    assert!(stat.contains("Restore:"), "{stat}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tags_are_set_and_removed() {
    let env = Env::start().await;
    env.ok(&["mb", "oss://tag-bucket"]).await;
    env.run_with_input(&["cp", "-", "oss://tag-bucket/a"], b"x".to_vec())
        .await
        .ok();
    env.ok(&[
        "set-props",
        "oss://tag-bucket/a",
        "--tagging",
        "team=web&stage=prod",
    ])
    .await;
    let xml = env
        .ok(&[
            "api",
            "get-object-tagging",
            "--bucket",
            "tag-bucket",
            "--key",
            "a",
        ])
        .await;
    assert!(
        xml.contains("<Key>team</Key>") && xml.contains("<Value>prod</Value>"),
        "{xml}"
    );
    env.ok(&["set-props", "oss://tag-bucket/a", "--delete-tagging"])
        .await;
    let xml = env
        .ok(&[
            "api",
            "get-object-tagging",
            "--bucket",
            "tag-bucket",
            "--key",
            "a",
        ])
        .await;
    assert!(!xml.contains("<Tag>"), "{xml}");
}
