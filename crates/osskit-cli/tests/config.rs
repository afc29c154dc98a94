//! Configuration of the `oss` binary: ossutil 2.0's file with profiles, inheritance and
//! inline comments, its environment variables, `oss config`, every credential mode against
//! the local server (as OSS, STS and instance metadata service), and V4 signing.

mod common;

use common::{write, CountingProxy, Env, REGION};
use osskit_server::metadata::MetadataConfig;
use osskit_server::testing::{
    TestServer, TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET, TEST_STS_ACCESS_KEY_ID,
    TEST_STS_ACCESS_KEY_SECRET, TEST_STS_TOKEN,
};

const ROLE: &str = "acs:ram::1234567890123456:role/oss-cli";
const OIDC_PROVIDER: &str = "acs:ram::1234567890123456:oidc-provider/cli";

/// An environment without any setting: everything comes from the file.
async fn bare(server: TestServer) -> Env {
    let mut env = Env::with(server);
    env.vars.clear();
    env
}

fn config_path(env: &Env) -> std::path::PathBuf {
    env.home.path().join(".ossutilconfig")
}

fn write_private(path: &std::path::Path, text: &str) {
    write(path, text.as_bytes());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profiles_inherit_and_inline_comments_are_comments() {
    let mut env = bare(TestServer::start().await).await;
    let endpoint = env.server.endpoint();
    // [default] holds a wrong secret; [profile good] inherits the rest and fixes it;
    // [profile child] inherits from good.
    write_private(
        &config_path(&env),
        &format!(
            "# The local server\n\
             [default]\n\
             endpoint = {endpoint}        # no region in an IP endpoint\n\
             accessKeyID = {TEST_ACCESS_KEY_ID}   ; a comment after a value\n\
             access_key_secret = \"wrong-secret\"\n\
             region = {REGION}\n\
             \n\
             [profile good]\n\
             source-profile = default\n\
             Access-Key-Secret = '{TEST_ACCESS_KEY_SECRET}'  # quoted, then a comment\n\
             sign-version = v4                # v4 (the default) or v1\n\
             \n\
             [profile child]\n\
             source_profile = good\n\
             \n\
             [profile looping]\n\
             source-profile = looping\n"
        ),
    );
    let err = env.run(&["ls"]).await.fails(1);
    assert!(err.contains("SignatureDoesNotMatch"), "{err}");
    env.ok(&["--profile", "good", "mb", "oss://profile-bucket"])
        .await;
    let out = env.ok(&["ls", "--profile", "child"]).await;
    assert!(out.contains("oss://profile-bucket"), "{out}");
    // The profile from the environment.
    env.set("OSSUTIL_PROFILE", "child");
    env.ok(&["ls"]).await;
    // A flag beats the environment, which beats the file.
    let err = env
        .run(&["ls", "--access-key-secret", "flag-secret"])
        .await
        .fails(1);
    assert!(err.contains("SignatureDoesNotMatch"), "{err}");
    env.set("OSS_ACCESS_KEY_SECRET", "env-secret");
    let err = env.run(&["ls"]).await.fails(1);
    assert!(err.contains("SignatureDoesNotMatch"), "{err}");
    env.ok(&["ls", "--access-key-secret", TEST_ACCESS_KEY_SECRET])
        .await;
    // --ignore-env-var leaves OSS_* out.
    env.ok(&["ls", "--ignore-env-var"]).await;
    env.unset("OSS_ACCESS_KEY_SECRET");

    // Mistakes are named.
    let err = env.run(&["ls", "--profile", "nobody"]).await.fails(2);
    assert!(
        err.contains("\"nobody\"") && err.contains("default, good, child, looping"),
        "{err}"
    );
    let err = env.run(&["ls", "--profile", "looping"]).await.fails(2);
    assert!(err.contains("cycle"), "{err}");

    // Another file, from the environment or the option.
    let other = env.home.path().join("other.ini");
    write_private(
        &other,
        &format!(
            "[profile x]\nendpoint = {endpoint}\nregion = {REGION}\n\
             access-key-id = {TEST_ACCESS_KEY_ID}\naccess-key-secret = {TEST_ACCESS_KEY_SECRET}\n"
        ),
    );
    env.set("OSSUTIL_CONFIG_FILE", other.to_str().unwrap());
    env.set("OSSUTIL_PROFILE", "x");
    env.ok(&["ls"]).await;
    env.unset("OSSUTIL_CONFIG_FILE");
    env.unset("OSSUTIL_PROFILE");
    env.ok(&["-c", other.to_str().unwrap(), "ls", "--profile", "x"])
        .await;

    // V1 only on request, with a warning.
    let run = env
        .run(&["ls", "--profile", "good", "--sign-version", "v1"])
        .await;
    assert!(
        run.stderr.contains("warning: signing with V1"),
        "{}",
        run.stderr
    );
    run.ok();
    let run = env
        .run(&["ls", "--profile", "good", "--sign-version", "v1", "-q"])
        .await;
    assert!(run.stderr.is_empty(), "{}", run.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_are_signed_v4_by_default_and_v1_on_request() {
    let mut env = Env::start().await;
    let proxy = CountingProxy::start(env.server.endpoint()).await;
    env.set("OSS_ENDPOINT", proxy.endpoint.clone());
    env.ok(&["mb", "oss://v4-bucket"]).await;
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("f"), b"x");
    env.ok(&[
        "cp",
        dir.path().join("f").to_str().unwrap(),
        "oss://v4-bucket/f",
    ])
    .await;
    let seen = proxy.take();
    assert!(seen.len() >= 3);
    for s in &seen {
        assert!(
            s.authorization.starts_with("OSS4-HMAC-SHA256 Credential="),
            "{s:?}"
        );
        assert!(
            s.authorization
                .contains(&format!("/{REGION}/oss/aliyun_v4_request")),
            "{s:?}"
        );
    }
    // Presigned URLs are V4 too.
    let url = env.ok(&["presign", "oss://v4-bucket/f"]).await;
    assert!(
        url.contains("x-oss-signature-version=OSS4-HMAC-SHA256"),
        "{url}"
    );
    env.ok(&["ls", "--sign-version", "v1"]).await;
    let seen = proxy.take();
    assert!(
        seen.iter().all(|s| s.authorization.starts_with("OSS ")),
        "{seen:?}"
    );
    let url = env
        .ok(&["presign", "--sign-version", "v1", "oss://v4-bucket/f"])
        .await;
    assert!(url.contains("Signature=") && !url.contains("OSS4"), "{url}");

    // Without a region, V4 asks for one; the region of an aliyuncs.com endpoint is its own.
    env.unset("OSS_REGION");
    let err = env.run(&["ls"]).await.fails(2);
    assert!(err.contains("needs a region"), "{err}");
    env.set("OSS_ENDPOINT", "https://oss-cn-shanghai.aliyuncs.com");
    let out = env
        .ok(&[
            "presign",
            "oss://bkt/k",
            "--expires",
            "10m",
            "--output-format",
            "json",
        ])
        .await;
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let url = v["URL"].as_str().unwrap();
    assert!(
        url.starts_with("https://bkt.oss-cn-shanghai.aliyuncs.com/k?"),
        "{url}"
    );
    assert!(
        url.contains("cn-shanghai%2Foss%2Faliyun_v4_request"),
        "{url}"
    );
    // And a region alone names the endpoint.
    env.unset("OSS_ENDPOINT");
    env.set("OSS_REGION", "us-west-1");
    let url = env.ok(&["presign", "oss://bkt/k"]).await;
    assert!(
        url.starts_with("https://bkt.oss-us-west-1.aliyuncs.com/k?"),
        "{url}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_commands_write_owner_only_files() {
    let env = bare(TestServer::start().await).await;
    let endpoint = env.server.endpoint();
    let path = config_path(&env);

    // Interactive: answers on stdin (file, key id, secret, region, endpoint).
    let answers =
        format!("\n{TEST_ACCESS_KEY_ID}\n{TEST_ACCESS_KEY_SECRET}\n{REGION}\n{endpoint}\n");
    let run = env.run_with_input(&["config"], answers.into_bytes()).await;
    let out = run.ok();
    assert!(out.contains("wrote"), "{out}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    }
    env.ok(&["mb", "oss://config-bucket"]).await;

    // set / get / list-profiles, in another profile that inherits.
    env.ok(&[
        "config",
        "set",
        "source-profile",
        "default",
        "--profile",
        "dev",
    ])
    .await;
    env.ok(&["config", "set", "output-format", "json", "--profile", "dev"])
        .await;
    // (The option beats the profile's output format.)
    let out = env
        .ok(&[
            "config",
            "get",
            "region",
            "--profile",
            "dev",
            "--output-format",
            "text",
        ])
        .await;
    assert_eq!(out.trim(), REGION);
    let out = env
        .ok(&[
            "--profile",
            "dev",
            "config",
            "list-profiles",
            "--output-format",
            "raw",
        ])
        .await;
    assert_eq!(out, "  default\n* dev (from default)\n");
    // The profile's output format applies.
    let out = env.ok(&["--profile", "dev", "ls"]).await;
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["Items"][0]["Name"], "config-bucket");
    let err = env.run(&["config", "set", "colour", "blue"]).await.fails(2);
    assert!(err.contains("unknown key \"colour\""), "{err}");
    let err = env
        .run(&["config", "set", "sign-version", "v2"])
        .await
        .fails(2);
    assert!(err.contains("sign-version"), "{err}");
    // --dry-run writes nothing.
    let before = std::fs::read_to_string(&path).unwrap();
    let out = env
        .ok(&["config", "set", "region", "cn-beijing", "--dry-run"])
        .await;
    assert!(out.contains("would write"), "{out}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), before);
    // An empty value removes the key.
    env.ok(&["config", "set", "output-format", "", "--profile", "dev"])
        .await;
    let err = env
        .run(&["config", "get", "output-format", "--profile", "dev"])
        .await
        .fails(1);
    assert!(err.contains("not set"), "{err}");

    // credential: STS keys of a profile of their own, from options.
    env.ok(&[
        "config",
        "credential",
        "--profile",
        "sts",
        "--mode",
        "StsToken",
        "--access-key-id",
        TEST_STS_ACCESS_KEY_ID,
        "--access-key-secret",
        TEST_STS_ACCESS_KEY_SECRET,
        "--sts-token",
        TEST_STS_TOKEN,
    ])
    .await;
    env.ok(&[
        "config",
        "set",
        "source-profile",
        "default",
        "--profile",
        "sts",
    ])
    .await;
    let out = env.ok(&["ls", "--profile", "sts"]).await;
    assert!(out.contains("oss://config-bucket"), "{out}");
    let err = env
        .run(&[
            "config",
            "credential",
            "--profile",
            "p",
            "--mode",
            "RamRoleArn",
        ])
        .await
        .fails(2);
    assert!(err.contains("role-arn"), "{err}");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("[profile sts]\nmode = StsToken\n"), "{text}");
}

/// Writes `[default]` with the endpoint and region and `extra`, then runs a round trip.
async fn works_with(env: &Env, extra: &str, bucket: &str) {
    let endpoint = env.server.endpoint();
    write_private(
        &config_path(env),
        &format!("[default]\nendpoint = {endpoint}\nregion = {REGION}\n{extra}"),
    );
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("f.txt");
    write(&f, extra.as_bytes());
    let key = format!("oss://{bucket}/mode.txt");
    let run = env.run(&["cp", "-f", f.to_str().unwrap(), &key]).await;
    assert_eq!(run.status, Some(0), "{extra}: {}", run.stderr);
    let cat = env.run(&["cat", &key]).await.ok();
    assert_eq!(cat, extra, "{extra}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_credential_mode_reaches_the_server() {
    let server = TestServer::start_with(|c| {
        let mut m = MetadataConfig::new("127.0.0.1:0".parse().unwrap());
        m.role_name = "EcsRole".into();
        c.metadata = Some(m);
    })
    .await;
    let imds = server.metadata_endpoint().unwrap();
    let sts = server.endpoint();
    let mut env = bare(server).await;
    env.sdk("modes-bucket").create_bucket().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let b = "modes-bucket";

    works_with(
        &env,
        &format!(
            "access-key-id = {TEST_ACCESS_KEY_ID}\naccess-key-secret = {TEST_ACCESS_KEY_SECRET}\n"
        ),
        b,
    )
    .await;
    works_with(
        &env,
        &format!(
            "mode = StsToken\naccess-key-id = {TEST_STS_ACCESS_KEY_ID}\n\
             access-key-secret = {TEST_STS_ACCESS_KEY_SECRET}\nsts-token = {TEST_STS_TOKEN}\n"
        ),
        b,
    )
    .await;
    works_with(
        &env,
        &format!(
            "mode = RamRoleArn\naccess-key-id = {TEST_ACCESS_KEY_ID}\n\
             access-key-secret = {TEST_ACCESS_KEY_SECRET}\nrole-arn = {ROLE}\n\
             role-session-name = cli\nsts-endpoint = {sts}\n"
        ),
        b,
    )
    .await;
    works_with(
        &env,
        &format!("mode = EcsRamRole\necs-role-name = EcsRole\nimds-endpoint = {imds}\n"),
        b,
    )
    .await;
    // The instance's role is found when not named.
    works_with(
        &env,
        &format!("mode = EcsRamRole\nimds-endpoint = {imds}\n"),
        b,
    )
    .await;
    works_with(
        &env,
        &format!(
            "mode = CredentialsUri\ncredential-uri = \
             {imds}/latest/meta-data/ram/security-credentials/EcsRole\n"
        ),
        b,
    )
    .await;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let script = dir.path().join("creds.sh");
        write(
            &script,
            format!(
                "#!/bin/sh\necho '{{\"AccessKeyId\": \"{TEST_ACCESS_KEY_ID}\", \
                 \"AccessKeySecret\": \"{TEST_ACCESS_KEY_SECRET}\"}}'\n"
            )
            .as_bytes(),
        );
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        works_with(
            &env,
            &format!("credential-process = {}\n", script.display()),
            b,
        )
        .await;
    }
    let token = dir.path().join("oidc-token");
    write(&token, jwt().as_bytes());
    works_with(
        &env,
        &format!(
            "mode = OidcRoleArn\nrole-arn = {ROLE}\noidc-provider-arn = {OIDC_PROVIDER}\n\
             oidc-token-file-path = {}\nsts-endpoint = {sts}\n",
            token.display()
        ),
        b,
    )
    .await;
    // The Alibaba Cloud CLI's profiles and the shared credentials file.
    write(
        &env.home.path().join(".aliyun/config.json"),
        format!(
            "{{\"current\": \"main\", \"profiles\": [{{\"name\": \"main\", \"mode\": \"AK\", \
             \"access_key_id\": \"{TEST_ACCESS_KEY_ID}\", \"access_key_secret\": \
             \"{TEST_ACCESS_KEY_SECRET}\"}}]}}"
        )
        .as_bytes(),
    );
    works_with(&env, "mode = CliProfile\ncli-profile = main\n", b).await;
    let shared = dir.path().join("credentials");
    write(
        &shared,
        format!(
            "[work]\ntype = access_key\naccess_key_id = {TEST_ACCESS_KEY_ID}\n\
             access_key_secret = {TEST_ACCESS_KEY_SECRET}\n"
        )
        .as_bytes(),
    );
    works_with(
        &env,
        &format!(
            "mode = CredentialsFile\ncredentials-file = {}\ncredentials-profile = work\n",
            shared.display()
        ),
        b,
    )
    .await;
    // The SDK's variables, directly and through its default chain.
    env.set("ALIBABA_CLOUD_ACCESS_KEY_ID", TEST_ACCESS_KEY_ID);
    env.set("ALIBABA_CLOUD_ACCESS_KEY_SECRET", TEST_ACCESS_KEY_SECRET);
    works_with(&env, "mode = Environment\n", b).await;
    works_with(&env, "mode = DefaultChain\n", b).await;
    env.unset("ALIBABA_CLOUD_ACCESS_KEY_ID");
    env.unset("ALIBABA_CLOUD_ACCESS_KEY_SECRET");

    // Anonymous: a public-read object reads, a private one does not.
    env.sdk(b)
        .put_bucket_acl(osskit::BucketAcl::PublicRead)
        .await
        .unwrap();
    let out = env
        .ok(&["cat", "oss://modes-bucket/mode.txt", "--mode", "anonymous"])
        .await;
    assert_eq!(out, "mode = DefaultChain\n");
    env.sdk(b)
        .put_bucket_acl(osskit::BucketAcl::Private)
        .await
        .unwrap();
    let err = env
        .run(&["cat", "oss://modes-bucket/mode.txt", "--mode", "Anonymous"])
        .await
        .fails(1);
    assert!(err.contains("AccessDenied"), "{err}");

    // A mode missing what it needs is named before anything is sent.
    write_private(
        &config_path(&env),
        &format!("[default]\nendpoint = {sts}\nregion = {REGION}\nmode = OidcRoleArn\nrole-arn = {ROLE}\n"),
    );
    let err = env.run(&["ls"]).await.fails(2);
    assert!(err.contains("oidc provider arn"), "{err}");
}

/// An unsigned JWT valid for an hour (the local STS checks its claims, not its signature).
fn jwt() -> String {
    use base64::Engine;
    let b64 = |v: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let claims = serde_json::json!({
        "iss": "https://oidc.example", "sub": "system:serviceaccount:default:cli",
        "aud": "sts.aliyuncs.com", "iat": now, "exp": now + 3600,
    });
    format!(
        "{}.{}.{}",
        b64(br#"{"alg":"RS256"}"#),
        b64(claims.to_string().as_bytes()),
        b64(b"sig")
    )
}
