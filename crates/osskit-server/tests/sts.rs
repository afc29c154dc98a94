//! The STS actions over real HTTP: temporary credentials issued by `AssumeRole` and
//! `AssumeRoleWithOIDC` are accepted for OSS requests until they expire, then refused with
//! `SecurityTokenExpired`; the instance metadata service hands out credentials with the
//! IMDSv2 token flow.

mod common;

use base64::Engine as _;
use common::{error_of, expect_error, Client};
use osskit_proto::encoding::form_query;
use osskit_proto::rpc::{sign_params, RpcContext};
use osskit_proto::sign::Credentials;
use osskit_server::metadata::MetadataConfig;
use osskit_server::testing::*;
use std::time::Duration;

const ROLE: &str = "acs:ram::1234567890123456:role/oss-reader";
const OIDC_PROVIDER: &str = "acs:ram::1234567890123456:oidc-provider/ack-rrsa";

fn http() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

async fn post_form(
    endpoint: &str,
    query: &[(String, String)],
    form: &[(String, String)],
) -> (u16, serde_json::Value) {
    let mut url = format!("{endpoint}/");
    if !query.is_empty() {
        url.push('?');
        url.push_str(&form_query(query));
    }
    let resp = http()
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form_query(form))
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}")),
    )
}

fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    common::owned(p)
}

/// AssumeRole signed with `creds`; the action's parameters go in the form body, the common
/// ones in the query, as the official credentials SDKs send them.
async fn assume_role(
    endpoint: &str,
    creds: &Credentials,
    action_params: &[(&str, &str)],
) -> (u16, serde_json::Value) {
    let action = pairs(action_params);
    let nonce = format!("n-{}", rand_suffix());
    let signed = sign_params(
        "POST",
        "AssumeRole",
        &action,
        &RpcContext {
            access_key_id: &creds.access_key_id,
            access_key_secret: &creds.access_key_secret,
            security_token: creds.security_token.as_deref(),
            version: "2015-04-01",
            time: common::now(),
            nonce: &nonce,
        },
    );
    let (form, query): (Vec<_>, Vec<_>) = signed
        .into_iter()
        .partition(|(k, _)| action.iter().any(|(a, _)| a == k));
    post_form(endpoint, &query, &form).await
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

fn issued(doc: &serde_json::Value) -> Credentials {
    let c = &doc["Credentials"];
    Credentials::with_token(
        c["AccessKeyId"].as_str().unwrap(),
        c["AccessKeySecret"].as_str().unwrap(),
        c["SecurityToken"].as_str().unwrap(),
    )
}

fn expiration(doc: &serde_json::Value) -> i64 {
    osskit_proto::date::rfc3339_to_unixtime(doc["Credentials"]["Expiration"].as_str().unwrap())
        .unwrap()
}

fn jwt(claims: serde_json::Value) -> String {
    let b64 = |v: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
    format!(
        "{}.{}.{}",
        b64(br#"{"alg":"RS256","kid":"k"}"#),
        b64(claims.to_string().as_bytes()),
        b64(b"not-checked")
    )
}

#[tokio::test]
async fn assume_role_issues_credentials_that_oss_accepts_until_they_expire() {
    let server = TestServer::start().await;
    let owner = Credentials::new(TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET);
    Client::new(&server.endpoint())
        .create_bucket("sts-bucket")
        .await;

    let (status, doc) = assume_role(
        &server.endpoint(),
        &owner,
        &[
            ("RoleArn", ROLE),
            ("RoleSessionName", "alice"),
            ("DurationSeconds", "2"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{doc}");
    assert_eq!(doc["RequestId"].as_str().unwrap().len(), 24);
    assert_eq!(
        doc["AssumedRoleUser"]["Arn"],
        "acs:ram::1234567890123456:role/oss-reader/alice"
    );
    assert!(doc["AssumedRoleUser"]["AssumedRoleId"]
        .as_str()
        .unwrap()
        .ends_with(":alice"));
    let temp = issued(&doc);
    assert!(temp.access_key_id.starts_with("STS."));
    let expires = expiration(&doc);
    assert!((expires - common::now() - 2).abs() <= 1, "{expires}");

    // V1 and V4 requests with the new credentials work.
    for auth in [common::Auth::V1, common::Auth::V4] {
        let c = Client::new(&server.endpoint())
            .with_creds(temp.clone())
            .with_auth(auth);
        c.put_ok("sts-bucket", "k", b"v").await;
        assert_eq!(c.get_bytes("sts-bucket", "k").await, b"v");
    }
    // A wrong token is refused as invalid.
    let wrong = Client::new(&server.endpoint()).with_creds(Credentials::with_token(
        &temp.access_key_id,
        &temp.access_key_secret,
        "not-the-token",
    ));
    expect_error(
        wrong.get("sts-bucket", "k").await,
        403,
        "InvalidSecurityToken",
    )
    .await;

    // Once expired, OSS refuses them with SecurityTokenExpired.
    let wait = expires - common::now() + 1;
    tokio::time::sleep(Duration::from_secs(wait.max(0) as u64)).await;
    let c = Client::new(&server.endpoint()).with_creds(temp.clone());
    let body = expect_error(c.get("sts-bucket", "k").await, 403, "SecurityTokenExpired").await;
    assert_eq!(body.message, "The security token you provided has expired.");
    let (_, body, headers) = error_of(
        Client::new(&server.endpoint())
            .with_creds(temp.clone())
            .with_auth(common::Auth::V4)
            .head("sts-bucket", "k")
            .await,
    )
    .await;
    assert_eq!(body.code, "SecurityTokenExpired");
    assert_eq!(headers["x-oss-ec"], "0002-00000007");
    // And STS refuses them too.
    let (status, doc) = assume_role(
        &server.endpoint(),
        &temp,
        &[("RoleArn", ROLE), ("RoleSessionName", "again")],
    )
    .await;
    assert_eq!(status, 400, "{doc}");
    assert_eq!(doc["Code"], "InvalidSecurityToken.Expired");
}

#[tokio::test]
async fn assume_role_chains_and_rejects_bad_parameters() {
    let server = TestServer::start().await;
    let owner = Credentials::new(TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET);
    let (status, doc) = assume_role(
        &server.endpoint(),
        &owner,
        &[("RoleArn", ROLE), ("RoleSessionName", "first")],
    )
    .await;
    assert_eq!(status, 200, "{doc}");
    // The default duration is an hour.
    assert!((expiration(&doc) - common::now() - 3600).abs() <= 2);
    // Temporary credentials may assume a role in turn.
    let (status, chained) = assume_role(
        &server.endpoint(),
        &issued(&doc),
        &[
            ("RoleArn", "acs:ram::1234567890123456:role/next"),
            ("RoleSessionName", "second"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{chained}");
    assert_ne!(issued(&chained).access_key_id, issued(&doc).access_key_id);

    for (params, code) in [
        (
            vec![
                ("RoleArn", "arn:aws:iam::1:role/x"),
                ("RoleSessionName", "s1"),
            ],
            "InvalidParameter.RoleArn",
        ),
        (vec![("RoleSessionName", "s1")], "MissingRoleArn"),
        (vec![("RoleArn", ROLE)], "MissingRoleSessionName"),
        (
            vec![("RoleArn", ROLE), ("RoleSessionName", "bad name")],
            "InvalidParameter.RoleSessionName",
        ),
        (
            vec![
                ("RoleArn", ROLE),
                ("RoleSessionName", "s1"),
                ("DurationSeconds", "50000"),
            ],
            "InvalidParameter.DurationSeconds",
        ),
        (
            vec![
                ("RoleArn", ROLE),
                ("RoleSessionName", "s1"),
                ("Policy", "{not json"),
            ],
            "InvalidParameter.PolicyGrammar",
        ),
    ] {
        let (status, doc) = assume_role(&server.endpoint(), &owner, &params).await;
        assert_eq!(status, 400, "{params:?}: {doc}");
        assert_eq!(doc["Code"], code, "{params:?}: {doc}");
    }
}

#[tokio::test]
async fn sts_refuses_short_durations_unless_configured() {
    let server = TestServer::start_with(|c| c.sts_min_duration_secs = 900).await;
    let owner = Credentials::new(TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET);
    let (status, doc) = assume_role(
        &server.endpoint(),
        &owner,
        &[
            ("RoleArn", ROLE),
            ("RoleSessionName", "s1"),
            ("DurationSeconds", "899"),
        ],
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(doc["Code"], "InvalidParameter.DurationSeconds");
    assert!(doc["Message"].as_str().unwrap().contains("900"), "{doc}");
}

#[tokio::test]
async fn assume_role_with_oidc_needs_no_signature_but_a_live_token() {
    let server = TestServer::start().await;
    Client::new(&server.endpoint())
        .create_bucket("oidc-bucket")
        .await;
    let query = pairs(&[
        ("Action", "AssumeRoleWithOIDC"),
        ("Version", "2015-04-01"),
        ("Format", "JSON"),
        ("Timestamp", "2024-01-01T00:00:00Z"),
    ]);
    let token = jwt(serde_json::json!({
        "iss": "https://oidc-ack.example",
        "sub": "system:serviceaccount:default:app",
        "aud": "sts.aliyuncs.com",
        "iat": common::now(),
        "exp": common::now() + 600,
    }));
    let (status, doc) = post_form(
        &server.endpoint(),
        &query,
        &pairs(&[
            ("RoleArn", ROLE),
            ("OIDCProviderArn", OIDC_PROVIDER),
            ("OIDCToken", &token),
            ("RoleSessionName", "pod-1"),
            ("DurationSeconds", "900"),
        ]),
    )
    .await;
    assert_eq!(status, 200, "{doc}");
    assert_eq!(
        doc["OIDCTokenInfo"]["Subject"],
        "system:serviceaccount:default:app"
    );
    assert_eq!(doc["OIDCTokenInfo"]["ClientIds"], "sts.aliyuncs.com");
    let c = Client::new(&server.endpoint()).with_creds(issued(&doc));
    c.put_ok("oidc-bucket", "k", b"from a pod").await;

    let expired = jwt(serde_json::json!({"sub": "x", "exp": common::now() - 1}));
    for (form, code) in [
        (
            pairs(&[
                ("RoleArn", ROLE),
                ("OIDCProviderArn", OIDC_PROVIDER),
                ("OIDCToken", &expired),
            ]),
            "AuthenticationFail.OIDCToken.Expired",
        ),
        (
            pairs(&[
                ("RoleArn", ROLE),
                ("OIDCProviderArn", OIDC_PROVIDER),
                ("OIDCToken", "garbage"),
            ]),
            "AuthenticationFail.OIDCToken.Invalid",
        ),
        (
            pairs(&[
                ("RoleArn", ROLE),
                ("OIDCProviderArn", ROLE),
                ("OIDCToken", &token),
            ]),
            "InvalidParameter.OIDCProviderArn",
        ),
        (
            pairs(&[("RoleArn", ROLE), ("OIDCProviderArn", OIDC_PROVIDER)]),
            "MissingOIDCToken",
        ),
    ] {
        let (status, doc) = post_form(&server.endpoint(), &query, &form).await;
        assert_eq!(status, 400, "{doc}");
        assert_eq!(doc["Code"], code, "{doc}");
    }
}

async fn metadata_get(endpoint: &str, path: &str, token: Option<&str>) -> (u16, String) {
    let mut req = http().get(format!("{endpoint}{path}"));
    if let Some(token) = token {
        req = req.header("x-aliyun-ecs-metadata-token", token);
    }
    let resp = req.send().await.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

async fn metadata_token(endpoint: &str, ttl: &str) -> (u16, String) {
    let resp = http()
        .put(format!("{endpoint}/latest/api/token"))
        .header("x-aliyun-ecs-metadata-token-ttl-seconds", ttl)
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

#[tokio::test]
async fn metadata_service_hands_out_role_credentials_with_imdsv2_tokens() {
    let server = TestServer::start_with(|c| {
        let mut m = MetadataConfig::new("127.0.0.1:0".parse().unwrap());
        m.role_name = "EcsRole".into();
        m.credentials_duration_secs = 4;
        m.require_token = true;
        c.metadata = Some(m);
    })
    .await;
    let md = server.metadata_endpoint().unwrap();
    assert_ne!(md, server.endpoint());
    Client::new(&server.endpoint())
        .create_bucket("ecs-bucket")
        .await;

    // Hardened mode: no token, no answer.
    let (status, _) = metadata_get(&md, "/latest/meta-data/ram/security-credentials/", None).await;
    assert_eq!(status, 401);
    assert_eq!(metadata_token(&md, "0").await.0, 400);
    assert_eq!(metadata_token(&md, "21601").await.0, 400);
    let (status, token) = metadata_token(&md, "1").await;
    assert_eq!(status, 200);
    assert_eq!(token.len(), 48);
    let (status, role) = metadata_get(
        &md,
        "/latest/meta-data/ram/security-credentials/",
        Some(&token),
    )
    .await;
    assert_eq!((status, role.as_str()), (200, "EcsRole"));
    let (status, text) = metadata_get(
        &md,
        "/latest/meta-data/ram/security-credentials/EcsRole",
        Some(&token),
    )
    .await;
    assert_eq!(status, 200, "{text}");
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["Code"], "Success");
    let first = issued(&serde_json::json!({ "Credentials": doc }));
    let c = Client::new(&server.endpoint()).with_creds(first.clone());
    c.put_ok("ecs-bucket", "k", b"v").await;
    assert_eq!(
        metadata_get(
            &md,
            "/latest/meta-data/ram/security-credentials/OtherRole",
            Some(&token)
        )
        .await
        .0,
        404
    );
    assert_eq!(
        metadata_get(
            &md,
            "/latest/meta-data/ram/security-credentials/",
            Some("forged")
        )
        .await
        .0,
        401
    );

    // The token expires after its TTL; the credentials are replaced once half their
    // lifetime has passed.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(
        metadata_get(
            &md,
            "/latest/meta-data/ram/security-credentials/",
            Some(&token)
        )
        .await
        .0,
        401
    );
    let (_, token) = metadata_token(&md, "60").await;
    let (_, text) = metadata_get(
        &md,
        "/latest/meta-data/ram/security-credentials/EcsRole",
        Some(&token),
    )
    .await;
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let second = issued(&serde_json::json!({ "Credentials": doc }));
    assert_ne!(second.access_key_id, first.access_key_id);
    Client::new(&server.endpoint())
        .with_creds(second)
        .put_ok("ecs-bucket", "k2", b"v")
        .await;
}

#[tokio::test]
async fn metadata_service_serves_imdsv1_unless_hardened() {
    let server = TestServer::start_with(|c| {
        c.metadata = Some(MetadataConfig::new("127.0.0.1:0".parse().unwrap()));
    })
    .await;
    let md = server.metadata_endpoint().unwrap();
    let (status, role) =
        metadata_get(&md, "/latest/meta-data/ram/security-credentials/", None).await;
    assert_eq!((status, role.as_str()), (200, "OssInstanceRole"));
    // The OSS port does not answer metadata paths: they are a bucket named "latest" there.
    let resp = http()
        .get(format!(
            "{}/latest/meta-data/ram/security-credentials/",
            server.endpoint()
        ))
        .send()
        .await
        .unwrap();
    expect_error(resp, 404, "NoSuchBucket").await;
}
