//! Every credentials provider over real HTTP against the local server acting as OSS, as STS
//! (`AssumeRole`, `AssumeRoleWithOIDC`) and as the ECS instance metadata service: the
//! credentials they get are accepted by OSS, expiring ones are refreshed before they expire
//! under concurrent requests (one refresh at a time), and failures say what was tried.

mod common;

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use osskit::credentials::{
    AssumeRoleProvider, CliProfileProvider, Credentials, CredentialsFuture, CredentialsProvider,
    CredentialsUriProvider, DefaultCredentialsChain, EcsRamRoleProvider, Environment,
    EnvironmentCredentialsProvider, IniProfileProvider, OidcRoleProvider,
    ProcessCredentialsProvider, StaticCredentialsProvider,
};
use osskit::{Bucket, Error, ErrorKind, ProviderAuth, ProviderAuthV4};
use osskit_server::metadata::MetadataConfig;
use osskit_server::testing::{TestServer, TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET};

const ROLE: &str = "acs:ram::1234567890123456:role/oss-writer";
const OIDC_PROVIDER: &str = "acs:ram::1234567890123456:oidc-provider/ack-rrsa";

fn owner() -> StaticCredentialsProvider {
    StaticCredentialsProvider::new(TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET)
}

fn no_env() -> Environment {
    Environment::from_vars(Vec::<(String, String)>::new())
}

/// A server with the metadata service (role `EcsRole`) and a bucket created by the owner.
async fn server_with_metadata(adjust: impl FnOnce(&mut MetadataConfig)) -> (TestServer, String) {
    let server = TestServer::start_with(|c| {
        let mut m = MetadataConfig::new("127.0.0.1:0".parse().unwrap());
        m.role_name = "EcsRole".into();
        adjust(&mut m);
        c.metadata = Some(m);
    })
    .await;
    let bucket = common::bucket_name("creds");
    Bucket::new(ProviderAuth::new(owner()), &server.endpoint(), &bucket)
        .unwrap()
        .create_bucket()
        .await
        .unwrap();
    (server, bucket)
}

/// Writes and reads an object with `auth`; returns the key id used.
async fn round_trip(server: &TestServer, bucket: &str, auth: impl Into<osskit::AuthConfig>) {
    let b = Bucket::builder(auth, &server.endpoint(), bucket)
        .region(common::REGION)
        .build()
        .unwrap();
    b.put_object("probe", "hello").await.unwrap();
    let got = b.get_object("probe").await.unwrap();
    assert_eq!(got.body.collect_bytes().await.unwrap(), "hello");
}

/// Counts the calls of a provider and the distinct key ids it gave.
#[derive(Debug)]
struct Counting<P> {
    inner: P,
    calls: AtomicUsize,
    ids: Mutex<Vec<String>>,
}

impl<P: CredentialsProvider> Counting<P> {
    fn new(inner: P) -> Arc<Self> {
        Arc::new(Counting {
            inner,
            calls: AtomicUsize::new(0),
            ids: Mutex::new(Vec::new()),
        })
    }

    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    fn distinct_ids(&self) -> usize {
        let mut ids = self.ids.lock().unwrap().clone();
        ids.sort();
        ids.dedup();
        ids.len()
    }
}

impl<P: CredentialsProvider> CredentialsProvider for Counting<P> {
    fn credentials(&self) -> CredentialsFuture<'_> {
        Box::pin(async move {
            self.calls.fetch_add(1, Ordering::SeqCst);
            let c = self.inner.credentials().await?;
            self.ids.lock().unwrap().push(c.access_key_id.clone());
            Ok(c)
        })
    }
}

/// Fails once told to.
#[derive(Debug)]
struct Switchable<P> {
    inner: P,
    fail: AtomicBool,
    failures: AtomicUsize,
}

impl<P: CredentialsProvider> CredentialsProvider for Switchable<P> {
    fn credentials(&self) -> CredentialsFuture<'_> {
        Box::pin(async move {
            if self.fail.load(Ordering::SeqCst) {
                self.failures.fetch_add(1, Ordering::SeqCst);
                return Err(Error::credentials("the source keys were revoked"));
            }
            self.inner.credentials().await
        })
    }
}

fn assume_role(server: &TestServer, duration: Duration) -> AssumeRoleProvider {
    AssumeRoleProvider::builder(owner(), ROLE)
        .role_session_name("tests")
        .duration(duration)
        .sts_endpoint(server.endpoint())
        .environment(no_env())
        .build()
        .unwrap()
}

fn jwt(exp_in: i64) -> String {
    let b64 = |v: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let claims = serde_json::json!({
        "iss": "https://oidc.example", "sub": "system:serviceaccount:default:app",
        "aud": "sts.aliyuncs.com", "iat": now, "exp": now + exp_in,
    });
    format!(
        "{}.{}.{}",
        b64(br#"{"alg":"RS256"}"#),
        b64(claims.to_string().as_bytes()),
        b64(b"sig")
    )
}

#[tokio::test]
async fn environment_variables_of_both_families() {
    let (server, bucket) = server_with_metadata(|_| {}).await;
    for vars in [
        [
            ("OSS_ACCESS_KEY_ID", TEST_ACCESS_KEY_ID),
            ("OSS_ACCESS_KEY_SECRET", TEST_ACCESS_KEY_SECRET),
        ],
        [
            ("ALIBABA_CLOUD_ACCESS_KEY_ID", TEST_ACCESS_KEY_ID),
            ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", TEST_ACCESS_KEY_SECRET),
        ],
    ] {
        let p = EnvironmentCredentialsProvider::with_environment(Environment::from_vars(vars));
        round_trip(&server, &bucket, ProviderAuthV4::new(p)).await;
    }
}

#[tokio::test]
async fn assume_role_credentials_work_for_oss_and_name_sts_failures() {
    let (server, bucket) = server_with_metadata(|_| {}).await;
    let provider = assume_role(&server, Duration::from_secs(900));
    let c = provider.credentials().await.unwrap();
    assert!(c.access_key_id.starts_with("STS."));
    assert!(c.security_token.is_some());
    let left = c
        .expiration
        .unwrap()
        .duration_since(std::time::SystemTime::now())
        .unwrap();
    assert!(
        left > Duration::from_secs(890) && left <= Duration::from_secs(901),
        "{left:?}"
    );
    round_trip(&server, &bucket, ProviderAuth::new(provider)).await;

    // Role chaining: temporary credentials assume another role.
    let chained = AssumeRoleProvider::builder(
        assume_role(&server, Duration::from_secs(900)),
        "acs:ram::1234567890123456:role/next",
    )
    .sts_endpoint(server.endpoint())
    .build()
    .unwrap();
    round_trip(&server, &bucket, ProviderAuthV4::new(chained)).await;

    // STS's refusal reaches the caller with its code.
    let bad = AssumeRoleProvider::builder(owner(), "not-an-arn")
        .sts_endpoint(server.endpoint())
        .build()
        .unwrap();
    let e = bad.credentials().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Credentials);
    assert!(e.to_string().contains("InvalidParameter.RoleArn"), "{e}");
    let wrong_keys = AssumeRoleProvider::builder(
        StaticCredentialsProvider::new(TEST_ACCESS_KEY_ID, "wrong"),
        ROLE,
    )
    .sts_endpoint(server.endpoint())
    .build()
    .unwrap();
    let e = wrong_keys.credentials().await.unwrap_err();
    assert!(e.to_string().contains("SignatureDoesNotMatch"), "{e}");
}

/// Many tasks keep sending requests while credentials valid for 4 seconds come and go:
/// every request succeeds (expired credentials are never used), STS is asked again before
/// they expire, and far fewer times than there are requests (one refresh at a time).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expiring_credentials_are_refreshed_once_under_concurrent_requests() {
    let (server, bucket) = server_with_metadata(|_| {}).await;
    let sts = Counting::new(assume_role(&server, Duration::from_secs(4)));
    let b = Bucket::builder(
        ProviderAuthV4::new(sts.clone()),
        &server.endpoint(),
        &bucket,
    )
    .region(common::REGION)
    .build()
    .unwrap();
    let started = Instant::now();
    let deadline = started + Duration::from_secs(40);
    let requests = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for t in 0..12 {
        let (b, sts, requests) = (b.clone(), sts.clone(), requests.clone());
        tasks.push(tokio::spawn(async move {
            // Until three credentials have been used (two refreshes), bounded in time and
            // count.
            for i in 0..2000 {
                if sts.distinct_ids() >= 3 || Instant::now() > deadline {
                    break;
                }
                let key = format!("t{t}/{}", i % 4);
                b.put_object(key.as_str(), "v").await.unwrap();
                b.head_object(key.as_str()).await.unwrap();
                requests.fetch_add(2, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let elapsed = started.elapsed();
    let calls = sts.calls();
    let requests = requests.load(Ordering::SeqCst);
    assert!(
        sts.distinct_ids() >= 3,
        "no refresh within {elapsed:?}: {calls} STS calls"
    );
    // A refresh starts no earlier than a quarter of the lifetime (1 s) after the last, and
    // only one runs at a time.
    assert!(
        calls as f64 <= elapsed.as_secs_f64() + 2.0,
        "{calls} STS calls in {elapsed:?}"
    );
    assert!(
        requests > calls * 10,
        "{requests} requests, {calls} STS calls"
    );
}

/// While refreshes fail, the credentials in hand keep being used until shortly before they
/// expire; then the failure reaches the caller (never a server-side expiry).
#[tokio::test]
async fn valid_credentials_are_served_while_refreshes_fail() {
    let (server, bucket) = server_with_metadata(|_| {}).await;
    let source = Arc::new(Switchable {
        inner: owner(),
        fail: AtomicBool::new(false),
        failures: AtomicUsize::new(0),
    });
    let provider = AssumeRoleProvider::builder(source.clone(), ROLE)
        .duration(Duration::from_secs(8))
        .sts_endpoint(server.endpoint())
        .build()
        .unwrap();
    let b = Bucket::new(ProviderAuth::new(provider), &server.endpoint(), &bucket).unwrap();
    b.put_object("k", "v").await.unwrap();
    source.fail.store(true, Ordering::SeqCst);
    let deadline = Instant::now() + Duration::from_secs(40);
    let mut after_a_failed_refresh = 0;
    let failure = loop {
        assert!(Instant::now() < deadline, "the credentials never ran out");
        let failures_before = source.failures.load(Ordering::SeqCst);
        match b.head_object("k").await {
            Ok(_) if failures_before > 0 => after_a_failed_refresh += 1,
            Ok(_) => {}
            Err(e) => break e,
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(
        after_a_failed_refresh > 0,
        "no request after the first failed refresh"
    );
    assert!(matches!(failure, Error::Credentials { .. }), "{failure}");
    assert!(failure.to_string().contains("revoked"), "{failure}");
    // Refreshes were retried, but not for every request.
    let failures = source.failures.load(Ordering::SeqCst);
    assert!(
        failures >= 2 && failures < after_a_failed_refresh + 2,
        "{failures} failed refreshes, {after_a_failed_refresh} requests"
    );
}

#[tokio::test]
async fn oidc_role_reads_the_token_file_and_reports_sts_refusals() {
    let (server, bucket) = server_with_metadata(|_| {}).await;
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, jwt(600)).unwrap();
    let env = Environment::from_vars([
        ("ALIBABA_CLOUD_ROLE_ARN", ROLE),
        ("ALIBABA_CLOUD_OIDC_PROVIDER_ARN", OIDC_PROVIDER),
        (
            "ALIBABA_CLOUD_OIDC_TOKEN_FILE",
            token_file.to_str().unwrap(),
        ),
        ("ALIBABA_CLOUD_ROLE_SESSION_NAME", "pod-7"),
    ]);
    let provider = OidcRoleProvider::from_environment(&env)
        .unwrap()
        .sts_endpoint(server.endpoint())
        .duration(Duration::from_secs(900))
        .build()
        .unwrap();
    let c = provider.credentials().await.unwrap();
    assert!(c.expiration.is_some());
    round_trip(&server, &bucket, ProviderAuthV4::new(provider)).await;

    // The file is read at each call: an expired token is refused by STS.
    std::fs::write(&token_file, jwt(-10)).unwrap();
    let provider = OidcRoleProvider::builder(ROLE, OIDC_PROVIDER, &token_file)
        .sts_endpoint(server.endpoint())
        .build()
        .unwrap();
    let e = provider.credentials().await.unwrap_err();
    assert!(
        e.to_string()
            .contains("AuthenticationFail.OIDCToken.Expired"),
        "{e}"
    );
    let missing = OidcRoleProvider::builder(ROLE, OIDC_PROVIDER, dir.path().join("absent"))
        .sts_endpoint(server.endpoint())
        .build()
        .unwrap();
    let e = missing.credentials().await.unwrap_err();
    assert!(
        e.to_string().contains("cannot read the OIDC token file"),
        "{e}"
    );
}

#[tokio::test]
async fn ecs_ram_role_with_imdsv2_tokens() {
    let (server, bucket) = server_with_metadata(|m| {
        m.require_token = true;
        m.credentials_duration_secs = 3600;
    })
    .await;
    let md = server.metadata_endpoint().unwrap();
    // The role name is asked for, then its credentials, with a session token.
    let provider = EcsRamRoleProvider::builder()
        .endpoint(md.clone())
        .environment(no_env())
        .build()
        .unwrap();
    let c = provider.credentials().await.unwrap();
    assert!(c.security_token.is_some() && c.expiration.is_some());
    round_trip(&server, &bucket, ProviderAuthV4::new(provider)).await;

    // A named role saves a request; an unknown one is a clear error.
    let named = EcsRamRoleProvider::builder()
        .endpoint(md.clone())
        .role_name("EcsRole")
        .build()
        .unwrap();
    round_trip(&server, &bucket, ProviderAuth::new(named)).await;
    let unknown = EcsRamRoleProvider::builder()
        .endpoint(md.clone())
        .role_name("Other")
        .build()
        .unwrap();
    let e = unknown.credentials().await.unwrap_err();
    assert!(
        e.to_string().contains("RAM role Other") && e.to_string().contains("404"),
        "{e}"
    );

    // Nothing listening: the error says where it looked.
    let nowhere = EcsRamRoleProvider::builder()
        .endpoint("http://127.0.0.1:1")
        .build()
        .unwrap();
    let e = nowhere.credentials().await.unwrap_err();
    assert!(e.to_string().contains("http://127.0.0.1:1"), "{e}");
}

#[tokio::test]
async fn ecs_ram_role_falls_back_to_imdsv1_unless_disabled() {
    let (server, bucket) = server_with_metadata(|m| m.tokens = false).await;
    let md = server.metadata_endpoint().unwrap();
    let v1 = EcsRamRoleProvider::builder()
        .endpoint(md.clone())
        .environment(no_env())
        .build()
        .unwrap();
    round_trip(&server, &bucket, ProviderAuthV4::new(v1)).await;
    let hardened = EcsRamRoleProvider::builder()
        .endpoint(md.clone())
        .environment(Environment::from_vars([(
            "ALIBABA_CLOUD_IMDSV1_DISABLED",
            "true",
        )]))
        .build()
        .unwrap();
    let e = hardened.credentials().await.unwrap_err();
    assert!(e.to_string().contains("IMDSv1 is disabled"), "{e}");
}

#[tokio::test]
async fn credentials_uri() {
    let (server, bucket) = server_with_metadata(|_| {}).await;
    // The metadata service's credentials document is the format the URI must serve.
    let uri = format!(
        "{}/latest/meta-data/ram/security-credentials/EcsRole",
        server.metadata_endpoint().unwrap()
    );
    let provider = CredentialsUriProvider::from_environment(&Environment::from_vars([(
        "ALIBABA_CLOUD_CREDENTIALS_URI",
        uri.as_str(),
    )]))
    .unwrap();
    assert!(provider.credentials().await.unwrap().expiration.is_some());
    round_trip(&server, &bucket, ProviderAuthV4::new(provider)).await;

    let not_found = CredentialsUriProvider::new(format!(
        "{}/latest/meta-data/ram/security-credentials/Nobody",
        server.metadata_endpoint().unwrap()
    ))
    .unwrap();
    let e = not_found.credentials().await.unwrap_err();
    assert!(e.to_string().contains("HTTP 404"), "{e}");
    assert!(CredentialsUriProvider::new("ftp://x").is_err());
}

#[cfg(unix)]
#[tokio::test]
async fn external_process_in_both_output_forms() {
    let (server, bucket) = server_with_metadata(|_| {}).await;
    let dir = tempfile::tempdir().unwrap();
    let temp = assume_role(&server, Duration::from_secs(900))
        .credentials()
        .await
        .unwrap();
    let cli_form = dir.path().join("cli.json");
    std::fs::write(
        &cli_form,
        serde_json::json!({
            "mode": "StsToken",
            "access_key_id": temp.access_key_id,
            "access_key_secret": temp.access_key_secret,
            "sts_token": temp.security_token,
            "expiration": "2099-01-01T00:00:00Z",
        })
        .to_string(),
    )
    .unwrap();
    let go_form = dir.path().join("go form.json");
    std::fs::write(
        &go_form,
        serde_json::json!({"AccessKeyId": TEST_ACCESS_KEY_ID, "AccessKeySecret": TEST_ACCESS_KEY_SECRET})
            .to_string(),
    )
    .unwrap();
    for file in [&cli_form, &go_form] {
        let command = format!("cat '{}'", file.display());
        let provider = ProcessCredentialsProvider::new(&command).unwrap();
        round_trip(&server, &bucket, ProviderAuthV4::new(provider)).await;
    }
    let failing = ProcessCredentialsProvider::new("sh -c 'exit 3'").unwrap();
    let e = failing.credentials().await.unwrap_err();
    assert!(e.to_string().contains("exit status: 3"), "{e}");
    let slow = ProcessCredentialsProvider::new("sleep 5")
        .unwrap()
        .timeout(Duration::from_millis(200));
    let e = slow.credentials().await.unwrap_err();
    assert!(e.to_string().contains("did not finish"), "{e}");
    let garbage = ProcessCredentialsProvider::new("echo not json").unwrap();
    let e = garbage.credentials().await.unwrap_err();
    assert!(e.to_string().contains("did not print JSON"), "{e}");
}

/// A home directory holding `.aliyun/config.json` with one profile of each mode.
fn cli_home(server: &TestServer, dir: &Path, token_file: &Path) -> std::path::PathBuf {
    let home = dir.join("home");
    std::fs::create_dir_all(home.join(".aliyun")).unwrap();
    let sts = server.endpoint();
    let md = server.metadata_endpoint().unwrap();
    let doc = serde_json::json!({
        "current": "ak",
        "profiles": [
            {"name": "ak", "mode": "AK", "access_key_id": TEST_ACCESS_KEY_ID,
             "access_key_secret": TEST_ACCESS_KEY_SECRET, "region_id": "cn-hangzhou"},
            {"name": "role", "mode": "RamRoleArn", "access_key_id": TEST_ACCESS_KEY_ID,
             "access_key_secret": TEST_ACCESS_KEY_SECRET, "ram_role_arn": ROLE,
             "ram_session_name": "cli", "expired_seconds": 900, "sts_endpoint": sts},
            {"name": "chained", "mode": "ChainableRamRoleArn", "source_profile": "role",
             "ram_role_arn": "acs:ram::1234567890123456:role/second"},
            {"name": "ecs", "mode": "EcsRamRole", "ram_role_name": "EcsRole"},
            {"name": "ecs-then-role", "mode": "RamRoleArnWithRoleName", "ram_role_name": "EcsRole",
             "ram_role_arn": ROLE},
            {"name": "rrsa", "mode": "OIDC", "ram_role_arn": ROLE,
             "oidc_provider_arn": OIDC_PROVIDER, "oidc_token_file": token_file},
            {"name": "uri", "mode": "CredentialsURI",
             "credentials_uri": format!("{md}/latest/meta-data/ram/security-credentials/EcsRole")},
            {"name": "external", "mode": "External",
             "process_command": format!("echo '{{\"mode\":\"AK\",\"access_key_id\":\"{TEST_ACCESS_KEY_ID}\",\"access_key_secret\":\"{TEST_ACCESS_KEY_SECRET}\"}}'")},
            {"name": "loop-a", "mode": "ChainableRamRoleArn", "source_profile": "loop-b", "ram_role_arn": ROLE},
            {"name": "loop-b", "mode": "ChainableRamRoleArn", "source_profile": "loop-a", "ram_role_arn": ROLE},
            {"name": "sso", "mode": "CloudSSO"},
        ]
    });
    std::fs::write(home.join(".aliyun/config.json"), doc.to_string()).unwrap();
    home
}

#[tokio::test]
async fn cli_profiles_of_every_mode() {
    let (server, bucket) = server_with_metadata(|_| {}).await;
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, jwt(600)).unwrap();
    let home = cli_home(&server, dir.path(), &token_file);
    let env = no_env().with_home_dir(&home);
    let provider = |name: Option<&str>, env: Environment| {
        let mut p = CliProfileProvider::new()
            .environment(env)
            .sts_endpoint(server.endpoint())
            .imds_endpoint(server.metadata_endpoint().unwrap());
        if let Some(name) = name {
            p = p.profile(name);
        }
        p
    };
    // `current`, then each profile by name.
    round_trip(
        &server,
        &bucket,
        ProviderAuthV4::new(provider(None, env.clone())),
    )
    .await;
    let mut names = vec!["role", "chained", "ecs", "ecs-then-role", "rrsa", "uri"];
    if cfg!(unix) {
        names.push("external");
    }
    for name in names {
        let p = provider(Some(name), env.clone());
        let c = p
            .credentials()
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        if name != "external" {
            assert!(c.expiration.is_some(), "{name}");
        }
        round_trip(&server, &bucket, ProviderAuthV4::new(p)).await;
    }
    // ALIBABA_CLOUD_PROFILE picks the profile.
    let by_env = provider(
        None,
        Environment::from_vars([("ALIBABA_CLOUD_PROFILE", "role")]).with_home_dir(&home),
    );
    let c = by_env.credentials().await.unwrap();
    assert!(c.access_key_id.starts_with("STS."), "{c:?}");

    for (name, expected) in [
        ("loop-a", "loops"),
        ("sso", "\"CloudSSO\" is not supported"),
        ("missing", "no such profile"),
    ] {
        let e = provider(Some(name), env.clone())
            .credentials()
            .await
            .unwrap_err();
        assert!(e.to_string().contains(expected), "{name}: {e}");
        assert!(e.to_string().contains("config.json"), "{name}: {e}");
    }
}

#[tokio::test]
async fn cli_profile_file_locations() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir_all(home.join(".alibabacloud")).unwrap();
    let doc = serde_json::json!({"current": "p", "profiles": [
        {"name": "p", "mode": "StsToken", "access_key_id": "STS.a", "access_key_secret": "s", "sts_token": "t"}]});
    // Without ~/.aliyun/config.json, ~/.alibabacloud/config.json is read.
    let env = no_env().with_home_dir(&home);
    let e = CliProfileProvider::new()
        .environment(env.clone())
        .credentials()
        .await
        .unwrap_err();
    assert!(
        e.to_string().contains(".aliyun/config.json")
            && e.to_string().contains(".alibabacloud/config.json"),
        "{e}"
    );
    std::fs::write(home.join(".alibabacloud/config.json"), doc.to_string()).unwrap();
    let c = CliProfileProvider::new()
        .environment(env)
        .credentials()
        .await
        .unwrap();
    assert_eq!(c.security_token.as_deref(), Some("t"));
    // ALIBABA_CLOUD_CONFIG_FILE names another file; the CLI profile can be switched off.
    let other = dir.path().join("other.json");
    std::fs::write(&other, doc.to_string().replace("STS.a", "STS.b")).unwrap();
    let env = Environment::from_vars([("ALIBABA_CLOUD_CONFIG_FILE", other.to_str().unwrap())])
        .with_home_dir(&home);
    let c = CliProfileProvider::new()
        .environment(env)
        .credentials()
        .await
        .unwrap();
    assert_eq!(c.access_key_id, "STS.b");
    let env = Environment::from_vars([("ALIBABA_CLOUD_CLI_PROFILE_DISABLED", "true")])
        .with_home_dir(&home);
    let e = CliProfileProvider::new()
        .environment(env)
        .credentials()
        .await
        .unwrap_err();
    assert!(e.to_string().contains("disabled"), "{e}");
}

#[tokio::test]
async fn shared_credentials_file_sections() {
    let (server, bucket) = server_with_metadata(|_| {}).await;
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, jwt(600)).unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir_all(home.join(".alibabacloud")).unwrap();
    std::fs::write(
        home.join(".alibabacloud/credentials"),
        format!(
            "[default]\ntype = access_key            # long-term keys\naccess_key_id = {TEST_ACCESS_KEY_ID}\naccess_key_secret = {TEST_ACCESS_KEY_SECRET}\n\n\
             [role]\ntype = ram_role_arn\naccess_key_id = {TEST_ACCESS_KEY_ID}\naccess_key_secret = {TEST_ACCESS_KEY_SECRET}\nrole_arn = {ROLE}\nrole_session_name = ini\n\n\
             [ecs]\ntype = ecs_ram_role\nrole_name = EcsRole\n\n\
             [rrsa]\ntype = oidc_role_arn\nrole_arn = {ROLE}\noidc_provider_arn = {OIDC_PROVIDER}\noidc_token_file_path = {}\nrole_session_name = ini\n\n\
             [odd]\ntype = rsa_key_pair\n",
            token_file.display()
        ),
    )
    .unwrap();
    for section in [None, Some("role"), Some("ecs"), Some("rrsa")] {
        let mut p = IniProfileProvider::new()
            .environment(no_env().with_home_dir(&home))
            .sts_endpoint(server.endpoint())
            .imds_endpoint(server.metadata_endpoint().unwrap());
        if let Some(s) = section {
            p = p.profile(s);
        }
        round_trip(&server, &bucket, ProviderAuthV4::new(p)).await;
    }
    let e = IniProfileProvider::new()
        .environment(no_env().with_home_dir(&home))
        .profile("odd")
        .credentials()
        .await
        .unwrap_err();
    assert!(
        e.to_string().contains("\"rsa_key_pair\" is not supported"),
        "{e}"
    );
}

#[tokio::test]
async fn default_chain_order_and_error() {
    let (server, bucket) = server_with_metadata(|_| {}).await;
    let dir = tempfile::tempdir().unwrap();
    let empty_home = dir.path().join("empty");
    std::fs::create_dir_all(&empty_home).unwrap();
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, jwt(600)).unwrap();
    let md = server.metadata_endpoint().unwrap();
    let chain = |vars: Vec<(&str, String)>, home: &Path, imds: &str| {
        DefaultCredentialsChain::builder()
            .environment(Environment::from_vars(vars).with_home_dir(home))
            .sts_endpoint(server.endpoint())
            .imds_endpoint(imds)
            .build()
    };

    // Nothing anywhere: the error lists every step, in order, with its reason.
    let none = chain(vec![], &empty_home, "http://127.0.0.1:1");
    assert_eq!(
        none.names(),
        [
            "environment",
            "CLI profile",
            "credentials file",
            "ECS RAM role"
        ]
    );
    let e = none.credentials().await.unwrap_err();
    let text = e.to_string();
    let order = [
        "environment: neither OSS_ACCESS_KEY_ID nor ALIBABA_CLOUD_ACCESS_KEY_ID is set",
        "CLI profile: neither",
        "credentials file: neither",
        "ECS RAM role: getting an instance metadata token from http://127.0.0.1:1 failed",
        "OIDC role: not configured (ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN, ALIBABA_CLOUD_OIDC_TOKEN_FILE not set)",
        "credentials URI: not configured (ALIBABA_CLOUD_CREDENTIALS_URI not set)",
    ];
    let mut at = 0;
    for step in order {
        let found = text[at..]
            .find(step)
            .unwrap_or_else(|| panic!("{step:?} missing or out of order in {text}"));
        at += found + step.len();
    }
    assert_eq!(none.chosen(), None);

    // Each source, with the ones before it empty.
    let keys = vec![
        (
            "ALIBABA_CLOUD_ACCESS_KEY_ID",
            TEST_ACCESS_KEY_ID.to_string(),
        ),
        (
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
            TEST_ACCESS_KEY_SECRET.to_string(),
        ),
    ];
    let oidc = vec![
        ("ALIBABA_CLOUD_ROLE_ARN", ROLE.to_string()),
        ("ALIBABA_CLOUD_OIDC_PROVIDER_ARN", OIDC_PROVIDER.to_string()),
        (
            "ALIBABA_CLOUD_OIDC_TOKEN_FILE",
            token_file.display().to_string(),
        ),
    ];
    let cli_home = cli_home(&server, dir.path(), &token_file);
    let ini_home = dir.path().join("ini");
    std::fs::create_dir_all(ini_home.join(".alibabacloud")).unwrap();
    std::fs::write(
        ini_home.join(".alibabacloud/credentials.ini"),
        format!("[default]\ntype = access_key\naccess_key_id = {TEST_ACCESS_KEY_ID}\naccess_key_secret = {TEST_ACCESS_KEY_SECRET}\n"),
    )
    .unwrap();
    let uri = vec![
        (
            "ALIBABA_CLOUD_CREDENTIALS_URI",
            format!("{md}/latest/meta-data/ram/security-credentials/EcsRole"),
        ),
        ("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true".to_string()),
    ];
    let cases = [
        (chain(keys.clone(), &cli_home, &md), "environment"),
        (chain(oidc.clone(), &cli_home, &md), "OIDC role"),
        (chain(vec![], &cli_home, &md), "CLI profile"),
        (chain(vec![], &ini_home, &md), "credentials file"),
        (chain(vec![], &empty_home, &md), "ECS RAM role"),
        (chain(uri, &empty_home, &md), "credentials URI"),
    ];
    for (chain, expected) in cases {
        let chain = Arc::new(chain);
        round_trip(&server, &bucket, ProviderAuthV4::new(chain.clone())).await;
        assert_eq!(chain.chosen(), Some(expected));
    }
}

/// A blocking client with a provider that fetches over HTTP: the provider's requests run on
/// the calling thread's runtime like the client's own.
#[test]
fn blocking_clients_use_refreshing_providers() {
    let (rt, server) = common::server_on_own_runtime();
    let bucket = common::bucket_name("blocking-creds");
    let b = osskit::blocking::Bucket::builder(
        ProviderAuthV4::new(assume_role(&server, Duration::from_secs(900))),
        &server.endpoint(),
        &bucket,
    )
    .region(common::REGION)
    .build()
    .unwrap();
    b.create_bucket().send().unwrap();
    b.put_object("k", "blocking").send().unwrap();
    let url = b
        .sign_url(http::Method::GET, "k", Duration::from_secs(60))
        .build()
        .unwrap();
    assert!(url.contains("security-token"), "{url}");
    drop(rt);
}

#[test]
fn credentials_are_not_printed() {
    let c = Credentials::with_token("STS.id", "very-secret-value", "very-secret-token");
    let shown = format!("{c:?}");
    assert!(!shown.contains("very-secret"), "{shown}");
}
