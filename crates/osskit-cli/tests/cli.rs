//! The `oss` binary against an in-process local server: buckets, copies, listings,
//! errors, configuration basics, `serve`, resumed transfers and `oss api`.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{files_in, tree, write, Env, Run};
use osskit_server::testing::{
    TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET, TEST_STS_ACCESS_KEY_ID, TEST_STS_ACCESS_KEY_SECRET,
    TEST_STS_TOKEN,
};

fn sample_tree(dir: &Path) -> PathBuf {
    let src = dir.join("src");
    write(&src.join("top.txt"), b"top level\n");
    write(&src.join("docs/readme.md"), b"# readme\n");
    write(&src.join("docs/deep/data.bin"), &vec![7u8; 300_000]);
    write(&src.join("empty.txt"), b"");
    src
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn buckets_are_made_listed_described_and_removed() {
    let env = Env::start().await;
    let out = env
        .ok(&[
            "mb",
            "oss://cli-bucket",
            "--acl",
            "public-read",
            "--storage-class",
            "IA",
        ])
        .await;
    assert!(out.contains("made bucket cli-bucket"), "{out}");
    env.ok(&["mb", "oss://cli-other"]).await;

    let out = env.ok(&["ls"]).await;
    assert!(out.contains("oss://cli-bucket"), "{out}");
    assert!(out.contains("oss://cli-other"), "{out}");
    assert!(out.trim_end().ends_with("2 buckets"), "{out}");

    let out = env.ok(&["stat", "oss://cli-bucket"]).await;
    assert!(out.contains("Name:") && out.contains("cli-bucket"), "{out}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("ACL:") && l.ends_with("public-read")),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("StorageClass:") && l.ends_with("IA")),
        "{out}"
    );

    let err = env
        .run(&["mb", "oss://cli-bucket", "--acl", "everyone"])
        .await
        .fails(2);
    assert!(err.contains("--acl \"everyone\""), "{err}");

    env.ok(&["rb", "oss://cli-other"]).await;
    let out = env.ok(&["ls"]).await;
    assert!(!out.contains("oss://cli-other"), "{out}");
    assert!(out.trim_end().ends_with("1 bucket"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_go_up_come_back_and_copy_inside_oss() {
    let env = Env::start().await;
    let dir = tempfile::tempdir().unwrap();
    env.ok(&["mb", "oss://cp-bucket"]).await;
    let local = dir.path().join("hello.txt");
    let content: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    write(&local, &content);

    // Into a "directory" key: the file name is appended.
    let out = env
        .ok(&["cp", local.to_str().unwrap(), "oss://cp-bucket/in/"])
        .await;
    assert!(out.contains("-> oss://cp-bucket/in/hello.txt"), "{out}");
    // To an explicit key.
    env.ok(&["cp", local.to_str().unwrap(), "oss://cp-bucket/named.bin"])
        .await;

    let out = Run::from(
        env.command(&["cat", "oss://cp-bucket/in/hello.txt"])
            .output()
            .unwrap(),
    );
    assert_eq!(out.status, Some(0), "{}", out.stderr);
    let cat = env
        .command(&["cat", "oss://cp-bucket/named.bin"])
        .output()
        .unwrap();
    assert_eq!(cat.stdout, content);

    // Back to a file, and into an existing directory.
    let back = dir.path().join("back.bin");
    env.ok(&["cp", "oss://cp-bucket/named.bin", back.to_str().unwrap()])
        .await;
    assert_eq!(std::fs::read(&back).unwrap(), content);
    let into = dir.path().join("into");
    std::fs::create_dir(&into).unwrap();
    env.ok(&["cp", "oss://cp-bucket/in/hello.txt", into.to_str().unwrap()])
        .await;
    assert_eq!(std::fs::read(into.join("hello.txt")).unwrap(), content);
    // A destination ending in '/' is a directory, created when missing.
    let fresh = format!("{}/fresh/", dir.path().display());
    env.ok(&["cp", "oss://cp-bucket/named.bin", &fresh]).await;
    assert_eq!(
        std::fs::read(dir.path().join("fresh/named.bin")).unwrap(),
        content
    );

    // OSS to OSS, across buckets.
    env.ok(&["mb", "oss://cp-target"]).await;
    let out = env
        .ok(&["cp", "oss://cp-bucket/named.bin", "oss://cp-target/copies/"])
        .await;
    assert!(out.contains("oss://cp-target/copies/named.bin"), "{out}");
    let cat = env
        .command(&["cat", "oss://cp-target/copies/named.bin"])
        .output()
        .unwrap();
    assert_eq!(cat.stdout, content);

    let out = env.ok(&["stat", "oss://cp-target/copies/named.bin"]).await;
    assert!(
        out.lines()
            .any(|l| l.starts_with("Content-Length:") && l.ends_with("200000")),
        "{out}"
    );
    assert!(out.lines().any(|l| l.starts_with("CRC64:")), "{out}");

    // A directory without -r is refused; local to local is refused.
    let err = env
        .run(&["cp", dir.path().to_str().unwrap(), "oss://cp-bucket/"])
        .await
        .fails(2);
    assert!(err.contains("use -r"), "{err}");
    let err = env.run(&["cp", "a", "b"]).await.fails(2);
    assert!(err.contains("oss:// URL"), "{err}");

    env.ok(&["rm", "oss://cp-bucket/named.bin"]).await;
    let err = env
        .run(&["stat", "oss://cp-bucket/named.bin"])
        .await
        .fails(1);
    assert!(err.contains("NoSuchKey"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn directories_copy_recursively_and_prefixes_are_listed_counted_removed() {
    let env = Env::start().await;
    let dir = tempfile::tempdir().unwrap();
    let src = sample_tree(dir.path());
    env.ok(&["mb", "oss://tree-bucket"]).await;
    let out = env
        .ok(&["cp", "-r", src.to_str().unwrap(), "oss://tree-bucket/up"])
        .await;
    assert!(out.contains("copied 4 files"), "{out}");

    // One level (-d), with directories as prefixes and a total line.
    let out = env.ok(&["ls", "-d", "oss://tree-bucket/up/"]).await;
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    assert!(
        lines[0].contains("DIR") && lines[0].ends_with("oss://tree-bucket/up/docs/"),
        "{out}"
    );
    assert!(
        lines[1].ends_with("oss://tree-bucket/up/empty.txt"),
        "{out}"
    );
    assert!(
        lines[2].contains("10 B") && lines[2].ends_with("oss://tree-bucket/up/top.txt"),
        "{out}"
    );
    assert_eq!(lines[3], "2 objects, 1 prefix, total 10 B");

    // Recursive, raw sizes.
    let out = env.ok(&["ls", "-r", "--bytes", "oss://tree-bucket"]).await;
    assert!(
        out.contains("300000") && out.contains("oss://tree-bucket/up/docs/deep/data.bin"),
        "{out}"
    );
    assert_eq!(out.lines().last().unwrap(), "4 objects, total 300019");

    let out = env.ok(&["du", "oss://tree-bucket/up"]).await;
    assert_eq!(
        out.trim_end(),
        "293.0 KiB\t4 objects\toss://tree-bucket/up/"
    );
    let out = env
        .ok(&["du", "--bytes", "oss://tree-bucket/up/docs"])
        .await;
    assert_eq!(
        out.trim_end(),
        "300009\t2 objects\toss://tree-bucket/up/docs/"
    );

    // Back down, and inside OSS.
    let down = dir.path().join("down");
    env.ok(&["cp", "-r", "oss://tree-bucket/up/", down.to_str().unwrap()])
        .await;
    assert_eq!(tree(&down), tree(&src));
    env.ok(&[
        "cp",
        "-r",
        "--jobs",
        "2",
        "oss://tree-bucket/up",
        "oss://tree-bucket/copy/",
    ])
    .await;
    let down2 = dir.path().join("down2");
    env.ok(&[
        "cp",
        "-r",
        "oss://tree-bucket/copy",
        down2.to_str().unwrap(),
    ])
    .await;
    assert_eq!(tree(&down2), tree(&src));

    // rm -r removes the prefix as a directory only ("up/", not "up-more").
    write(&dir.path().join("x"), b"x");
    env.ok(&[
        "cp",
        dir.path().join("x").to_str().unwrap(),
        "oss://tree-bucket/up-more",
    ])
    .await;
    let out = env.ok(&["rm", "-r", "-f", "oss://tree-bucket/up"]).await;
    assert!(
        out.contains("removed 4 objects under oss://tree-bucket/up/"),
        "{out}"
    );
    let out = env.ok(&["ls", "-r", "oss://tree-bucket"]).await;
    assert!(
        out.trim_end().ends_with("5 objects, total 293.0 KiB"),
        "{out}"
    );
    assert!(out.contains("oss://tree-bucket/up-more"), "{out}");

    // A bucket with objects is removed only with --force.
    let err = env.run(&["rb", "oss://tree-bucket"]).await.fails(1);
    assert!(
        err.contains("BucketNotEmpty") && err.contains("request id"),
        "{err}"
    );
    // --force also aborts unfinished multipart uploads.
    let sdk = env.sdk("tree-bucket");
    sdk.init_multipart_upload("unfinished.bin").await.unwrap();
    let out = env.ok(&["rb", "--force", "oss://tree-bucket"]).await;
    assert!(
        out.contains("removed 5 objects") && out.contains("removed bucket"),
        "{out}"
    );
    assert!(out.contains("aborted 1 multipart upload"), "{out}");
    let err = env.run(&["ls", "oss://tree-bucket"]).await.fails(1);
    assert!(err.contains("NoSuchBucket"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_urls_can_be_fetched_and_uploaded_to() {
    let env = Env::start().await;
    env.ok(&["mb", "oss://sign-bucket"]).await;
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("s.txt"), b"signed content");
    env.ok(&[
        "cp",
        dir.path().join("s.txt").to_str().unwrap(),
        "oss://sign-bucket/dir/s.txt",
    ])
    .await;

    let url = env
        .ok(&["sign", "oss://sign-bucket/dir/s.txt", "--expires", "600"])
        .await;
    let url = url.trim();
    assert!(url.starts_with(&env.server.endpoint()), "{url}");
    let http = reqwest::Client::new();
    let got = http.get(url).send().await.unwrap();
    assert_eq!(got.status(), 200);
    assert_eq!(got.text().await.unwrap(), "signed content");

    let put_url = env
        .ok(&["sign", "--method", "PUT", "oss://sign-bucket/uploaded.txt"])
        .await;
    let put = http
        .put(put_url.trim())
        .body("via a signed PUT")
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 200, "{}", put.text().await.unwrap());
    let cat = env
        .command(&["cat", "oss://sign-bucket/uploaded.txt"])
        .output()
        .unwrap();
    assert_eq!(cat.stdout, b"via a signed PUT");

    // A GET URL does not allow a PUT.
    let denied = http.put(url).body("x").send().await.unwrap();
    assert_eq!(denied.status(), 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_exit_non_zero_with_the_oss_code() {
    let env = Env::start().await;
    env.ok(&["mb", "oss://err-bucket"]).await;

    let err = env.run(&["cat", "oss://err-bucket/missing"]).await.fails(1);
    assert!(
        err.starts_with("oss: cannot read oss://err-bucket/missing: NoSuchKey (HTTP 404)"),
        "{err}"
    );
    assert!(
        err.contains("[request id ") && !err.contains("[request id -]"),
        "{err}"
    );

    // Flags override the environment: a wrong secret is refused by the server.
    let err = env
        .run(&["ls", "oss://err-bucket", "--access-key-secret", "wrong"])
        .await
        .fails(1);
    assert!(err.contains("SignatureDoesNotMatch"), "{err}");

    let err = env.run(&["rb", "oss://no-such-err-bucket"]).await.fails(1);
    assert!(
        err.contains("NoSuchBucket") && err.contains("(HTTP 404)"),
        "{err}"
    );

    let err = env.run(&["cat", "s3://x/y"]).await.fails(2);
    assert!(err.contains("not an OSS URL"), "{err}");

    // Missing credentials are a clear configuration error.
    let mut cmd = env.command(&["ls"]);
    cmd.env_remove("OSS_ACCESS_KEY_SECRET");
    let run = Run::from(cmd.output().unwrap());
    let err = run.fails(2);
    assert!(
        err.contains("missing credentials") && err.contains("OSS_ACCESS_KEY_SECRET"),
        "{err}"
    );

    // Nothing listens there: a transport error, still one line and status 1.
    let err = env
        .run(&["ls", "oss://err-bucket", "--endpoint", "http://127.0.0.1:9"])
        .await
        .fails(1);
    assert!(
        err.starts_with("oss: cannot list oss://err-bucket/"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_earlier_config_file_keeps_working_and_migrates() {
    let mut env = Env::start().await;
    let endpoint = env.server.endpoint();
    env.vars.clear();
    let err = env.run(&["ls"]).await.fails(2);
    assert!(err.contains("no endpoint"), "{err}");

    // The earlier default file, ~/.oss/config.toml: read (signing V1 as it did), with a
    // message on how to move to ~/.ossutilconfig.
    write(
        &env.home.path().join(".oss/config.toml"),
        format!(
            "# local server\nendpoint = \"{endpoint}\"\naccess_key_id = \"{TEST_ACCESS_KEY_ID}\"\n\
             access_key_secret = \"{TEST_ACCESS_KEY_SECRET}\"\n"
        )
        .as_bytes(),
    );
    let run = env.run(&["mb", "oss://conf-bucket"]).await;
    assert!(run.stderr.contains("oss config migrate"), "{}", run.stderr);
    assert!(run.stderr.contains("V1"), "{}", run.stderr);
    run.ok();

    // An explicit file in that format, signing with V4.
    let explicit = env.home.path().join("v4.toml");
    write(
        &explicit,
        format!(
            "endpoint = {endpoint}\naccess_key_id = {TEST_ACCESS_KEY_ID}\n\
             access_key_secret = {TEST_ACCESS_KEY_SECRET}\nregion = cn-hangzhou\n\
             signature_version = 4        # 1 or 4\n"
        )
        .as_bytes(),
    );
    // Keys readable by others are pointed out; an owner-only file reads silently.
    let run = env
        .run(&["ls", "--config", explicit.to_str().unwrap()])
        .await;
    assert!(
        run.stderr.contains("can be read by other users"),
        "{}",
        run.stderr
    );
    run.ok();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&explicit, std::fs::Permissions::from_mode(0o600)).unwrap();
        let run = env
            .run(&["ls", "--config", explicit.to_str().unwrap()])
            .await;
        assert!(run.stderr.is_empty(), "{}", run.stderr);
        assert!(run.ok().contains("oss://conf-bucket"));
    }
    let err = env
        .run(&[
            "ls",
            "--config",
            env.home.path().join("nope.toml").to_str().unwrap(),
        ])
        .await
        .fails(2);
    assert!(err.contains("nope.toml"), "{err}");

    // STS credentials from the environment, over the file's keys.
    env.vars = vec![
        ("OSS_ACCESS_KEY_ID", TEST_STS_ACCESS_KEY_ID.to_string()),
        (
            "OSS_ACCESS_KEY_SECRET",
            TEST_STS_ACCESS_KEY_SECRET.to_string(),
        ),
        ("OSS_SESSION_TOKEN", TEST_STS_TOKEN.to_string()),
    ];
    let out = env.ok(&["ls"]).await;
    assert!(out.contains("oss://conf-bucket"), "{out}");
    env.vars.push(("OSS_REGION", "cn-hangzhou".to_string()));
    env.ok(&["ls", "--signature-version", "4"]).await;
    env.vars[2].1 = "bad-token".to_string();
    let err = env.run(&["-q", "ls"]).await.fails(1);
    assert!(err.contains("InvalidSecurityToken"), "{err}");
    env.vars.clear();

    // `oss config migrate` writes the profile (still V1, as the old file signed).
    let out = env.ok(&["config", "migrate"]).await;
    assert!(out.contains(".ossutilconfig"), "{out}");
    let text = std::fs::read_to_string(env.home.path().join(".ossutilconfig")).unwrap();
    assert!(text.starts_with("[default]\n"), "{text}");
    assert!(text.contains("sign-version = v1"), "{text}");
    let run = env.run(&["ls"]).await;
    assert!(!run.stderr.contains("migrate"), "{}", run.stderr);
    assert!(run.ok().contains("oss://conf-bucket"));
}

/// Stops a child process when dropped.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_prints_its_url_and_answers() {
    let mut env = Env::start().await;
    let mut cmd = env.command(&[
        "serve",
        "--memory",
        "--access-key-id",
        "serve-id",
        "--access-key-secret",
        "serve-secret",
    ]);
    cmd.env_remove("OSS_ACCESS_KEY_ID")
        .env_remove("OSS_ACCESS_KEY_SECRET")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = Child(cmd.spawn().unwrap());
    let stdout = child.0.stdout.take().unwrap();
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        line
    })
    .await
    .unwrap();
    let url = line
        .trim()
        .strip_prefix("oss-server listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");

    env.vars = vec![
        ("OSS_ENDPOINT", url.clone()),
        ("OSS_ACCESS_KEY_ID", "serve-id".to_string()),
        ("OSS_ACCESS_KEY_SECRET", "serve-secret".to_string()),
        ("OSS_REGION", common::REGION.to_string()),
    ];
    env.ok(&["mb", "oss://served-bucket"]).await;
    let out = env.ok(&["ls"]).await;
    assert!(out.contains("oss://served-bucket"), "{out}");
    let anonymous = reqwest::get(format!("{url}/served-bucket")).await.unwrap();
    assert_eq!(anonymous.status(), 403);

    // Without a key the server refuses to start.
    let mut cmd = env.command(&["serve", "--memory"]);
    cmd.env_remove("OSS_ACCESS_KEY_ID");
    let run = Run::from(cmd.output().unwrap());
    let err = run.fails(2);
    assert!(err.contains("an access key is required"), "{err}");
}

fn pattern(len: usize) -> Vec<u8> {
    common::pattern(len, 0)
}

const SMALL_PARTS: [&str; 4] = ["--threshold", "100K", "--part-size", "100K"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_objects_move_in_parts() {
    let env = Env::start().await;
    let dir = tempfile::tempdir().unwrap();
    env.ok(&["mb", "oss://parts-bucket"]).await;
    let content = pattern(1_000_000);
    let local = dir.path().join("big.bin");
    write(&local, &content);

    let mut args = vec!["cp", local.to_str().unwrap(), "oss://parts-bucket/big.bin"];
    args.extend(SMALL_PARTS);
    env.ok(&args).await;
    let out = env.ok(&["stat", "oss://parts-bucket/big.bin"]).await;
    assert!(
        out.lines()
            .any(|l| l.starts_with("Object-Type:") && l.ends_with("Multipart")),
        "{out}"
    );

    let back = dir.path().join("back.bin");
    let mut args = vec!["cp", "oss://parts-bucket/big.bin", back.to_str().unwrap()];
    args.extend(SMALL_PARTS);
    args.extend(["--parallel", "3"]);
    env.ok(&args).await;
    assert_eq!(std::fs::read(&back).unwrap(), content);

    let mut args = vec![
        "cp",
        "oss://parts-bucket/big.bin",
        "oss://parts-bucket/copy.bin",
    ];
    args.extend(SMALL_PARTS);
    env.ok(&args).await;
    let cat = env
        .command(&["cat", "oss://parts-bucket/copy.bin"])
        .output()
        .unwrap();
    assert_eq!(cat.stdout, content);
    let out = env.ok(&["stat", "oss://parts-bucket/copy.bin"]).await;
    assert!(out.contains("Multipart"), "{out}");

    // Usage errors are clap's (several lines), with status 2.
    let run = env
        .run(&["cp", "--threshold", "lots", "x", "oss://parts-bucket/"])
        .await;
    assert_eq!(run.status, Some(2));
    assert!(run.stderr.contains("not a size"), "{}", run.stderr);
}

/// Starts `oss ARGS`, sends it SIGINT once a checkpoint exists, checks that it stops with
/// status 130 and leaves the checkpoint, then runs the same command again and returns
/// its stdout.
#[cfg(unix)]
async fn interrupt_then_resume(env: &Env, args: &[&str]) -> String {
    let checkpoints = env.home.path().join(".oss/checkpoints");
    let mut cmd = env.command(args);
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let started = std::time::Instant::now();
    while files_in(&checkpoints).is_empty() {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the copy ended before it could be interrupted"
        );
        assert!(started.elapsed().as_secs() < 60, "no checkpoint appeared");
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    let run = Run::from(out);
    let err = run.fails(130);
    assert!(err.contains("interrupted"), "{err}");
    assert!(
        !files_in(&checkpoints).is_empty(),
        "the checkpoint was removed"
    );

    let out = env.ok(args).await;
    assert!(out.contains("resumed"), "{out}");
    assert!(files_in(&checkpoints).is_empty(), "the checkpoint was kept");
    out
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interrupted_copies_resume_from_their_checkpoint() {
    let env = Env::start().await;
    let dir = tempfile::tempdir().unwrap();
    env.ok(&["mb", "oss://resume-bucket"]).await;
    let content = pattern(40 << 20);
    let local = dir.path().join("large.bin");
    write(&local, &content);

    let mut args = vec![
        "cp",
        local.to_str().unwrap(),
        "oss://resume-bucket/large.bin",
    ];
    args.extend(SMALL_PARTS);
    args.extend(["--parallel", "1"]);
    interrupt_then_resume(&env, &args).await;

    let back = dir.path().join("back.bin");
    let mut args = vec![
        "cp",
        "oss://resume-bucket/large.bin",
        back.to_str().unwrap(),
    ];
    args.extend(SMALL_PARTS);
    args.extend(["--parallel", "1"]);
    interrupt_then_resume(&env, &args).await;
    assert!(std::fs::read(&back).unwrap() == content);
    // No temporary file is left beside the target.
    assert_eq!(files_in(dir.path()).len(), 2, "{:?}", files_in(dir.path()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn any_operation_is_called_with_flags_from_its_declaration() {
    let env = Env::start().await;
    let dir = tempfile::tempdir().unwrap();
    env.run(&["mb", "oss://api-bucket"]).await.ok();

    let listing = env.run(&["api", "list"]).await.ok();
    assert!(listing.lines().count() > 150, "{listing}");
    assert!(listing.contains("put-bucket-cors"));
    let help = env.run(&["api", "help", "list-parts"]).await.ok();
    assert!(
        help.contains("--upload-id") && help.contains("--max-parts"),
        "{help}"
    );

    let cors = dir.path().join("cors.xml");
    write(
        &cors,
        b"<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin>\
          <AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>",
    );
    let body = format!("file://{}", cors.display());
    env.run(&[
        "api",
        "put-bucket-cors",
        "--bucket",
        "api-bucket",
        "--body",
        &body,
    ])
    .await
    .ok();
    let xml = env
        .run(&["api", "get-bucket-cors", "--bucket", "api-bucket"])
        .await
        .ok();
    assert!(xml.contains("<AllowedOrigin>*</AllowedOrigin>"), "{xml}");
    let json = env
        .run(&[
            "api",
            "GetBucketCors",
            "--bucket",
            "api-bucket",
            "--output-format",
            "json",
        ])
        .await
        .ok();
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["CORSConfiguration"]["CORSRule"]["AllowedMethod"], "GET");

    // Object-level, with a declared parameter given as a flag.
    env.run(&[
        "api",
        "put-object",
        "--bucket",
        "api-bucket",
        "--key",
        "k",
        "--body",
        "hi",
    ])
    .await
    .ok();
    let init = env
        .run(&[
            "api",
            "initiate-multipart-upload",
            "--bucket",
            "api-bucket",
            "--key",
            "big",
        ])
        .await
        .ok();
    let upload_id = init
        .split("<UploadId>")
        .nth(1)
        .and_then(|s| s.split("</UploadId>").next())
        .unwrap()
        .to_string();
    let parts = env
        .run(&[
            "api",
            "list-parts",
            "--bucket",
            "api-bucket",
            "--key",
            "big",
            "--upload-id",
            &upload_id,
            "--max-parts",
            "5",
        ])
        .await
        .ok();
    assert!(parts.contains("<MaxParts>5</MaxParts>"), "{parts}");

    // Mistakes are named before anything is sent; OSS errors show their code.
    let err = env.run(&["api", "no-such-op"]).await.fails(2);
    assert!(err.contains("oss api list"), "{err}");
    let err = env
        .run(&[
            "api",
            "get-bucket-cors",
            "--bucket",
            "api-bucket",
            "--bogus",
            "1",
        ])
        .await
        .fails(2);
    assert!(err.contains("--bogus"), "{err}");
    let err = env
        .run(&["api", "put-bucket-cors", "--bucket", "api-bucket"])
        .await
        .fails(2);
    assert!(err.contains("needs --body"), "{err}");
    env.run(&["api", "delete-bucket-cors", "--bucket", "api-bucket"])
        .await
        .ok();
    let err = env
        .run(&["api", "get-bucket-cors", "--bucket", "api-bucket"])
        .await
        .fails(1);
    assert!(err.contains("NoSuchCORSConfiguration"), "{err}");
}
