//! Access control through the SDK against the local server: bucket policies (round trip,
//! OSS's validation, enforcement for other accounts, RAM users and anonymous users), request
//! payment, public access blocks (account and bucket) and access points.

mod common;

use common::{
    bucket, bucket_name, new_bucket, server, server_on_own_runtime, service, Signer, REGION,
};
use osskit::proto::policy::{Effect, Policy, Statement};
use osskit::proto::xml::access_point::CreateAccessPointConfiguration;
use osskit::{AnonymousAuth, Auth, Bucket, Payer, PublicAccessBlockConfiguration, Service};
use osskit_server::testing::{
    TestServer, TEST_OTHER_ACCESS_KEY_ID, TEST_OTHER_ACCESS_KEY_SECRET, TEST_OTHER_ACCOUNT_ID,
    TEST_RAM_ACCESS_KEY_ID, TEST_RAM_ACCESS_KEY_SECRET, TEST_RAM_USER_ID,
};

const OWNER: &str = "1000000000000000";

fn as_other(server: &TestServer, name: &str) -> Bucket {
    Bucket::builder(
        Auth::new(TEST_OTHER_ACCESS_KEY_ID, TEST_OTHER_ACCESS_KEY_SECRET),
        &server.endpoint(),
        name,
    )
    .region(REGION)
    .build()
    .unwrap()
}

fn as_ram_user(server: &TestServer, name: &str) -> Bucket {
    Bucket::builder(
        Auth::new(TEST_RAM_ACCESS_KEY_ID, TEST_RAM_ACCESS_KEY_SECRET),
        &server.endpoint(),
        name,
    )
    .region(REGION)
    .build()
    .unwrap()
}

fn anonymous(server: &TestServer, name: &str) -> Bucket {
    Bucket::new(AnonymousAuth, &server.endpoint(), name).unwrap()
}

fn message(e: &osskit::Error) -> Option<&str> {
    e.as_server().map(|s| s.message.as_str())
}

fn object_acl(b: &Bucket, key: &str, acl: &str) -> osskit::ops::config::Call {
    b.call(osskit::proto::ops::OpId::PutObjectAcl)
        .key(key)
        .header("x-oss-object-acl", acl)
}

fn denied<T: std::fmt::Debug>(r: Result<T, osskit::Error>) -> osskit::Error {
    let e = r.unwrap_err();
    assert_eq!(e.code(), Some("AccessDenied"), "{e:?}");
    assert_eq!(e.status(), Some(403));
    e
}

fn grant(principal: &str, actions: &[&str], resources: &[String]) -> Statement {
    Statement::new(
        Effect::Allow,
        actions.iter().copied(),
        resources.iter().cloned(),
    )
    .principals([principal])
}

#[tokio::test]
async fn policy_round_trip_with_the_model_and_with_json() {
    let server = server().await;
    for signer in [Signer::V1, Signer::V4] {
        let b = new_bucket(&server, signer, "pol").await;
        let missing = b.get_bucket_policy().await.unwrap_err();
        assert_eq!(missing.code(), Some("NoSuchBucketPolicy"));
        assert_eq!(missing.status(), Some(404));

        let resource = format!("acs:oss:*:*:{}/*", b.name());
        let policy = Policy::new(vec![grant(
            TEST_OTHER_ACCOUNT_ID,
            &["oss:GetObject"],
            std::slice::from_ref(&resource),
        )]);
        b.put_bucket_policy(policy.clone()).await.unwrap();
        let got = b.get_bucket_policy().await.unwrap();
        assert_eq!(got.config, policy);
        assert_eq!(got.raw_body(), policy.to_json().as_bytes());

        // The text as sent comes back as sent.
        let text = format!(
            "{{\n  \"Version\": \"1\",\n  \"Statement\": [{{\"Effect\": \"Deny\", \"Action\": \"oss:*\", \"Principal\": [\"*\"], \"Resource\": \"{resource}\", \"Condition\": {{\"Bool\": {{\"acs:SecureTransport\": true}}}}}}]\n}}"
        );
        b.put_bucket_policy(text.clone()).await.unwrap();
        let got = b.get_bucket_policy().await.unwrap();
        assert_eq!(got.raw_body(), text.as_bytes());
        assert_eq!(got.config.statements[0].effect, Effect::Deny);
        assert!(got
            .meta
            .headers
            .get("content-type")
            .is_some_and(|v| v.to_str().unwrap_or("").starts_with("application/json")));

        b.delete_bucket_policy().await.unwrap();
        b.delete_bucket_policy().await.unwrap();
        assert_eq!(
            b.get_bucket_policy().await.unwrap_err().code(),
            Some("NoSuchBucketPolicy")
        );
    }
}

#[tokio::test]
async fn invalid_policies_are_refused_with_oss_codes_and_nothing_is_stored() {
    let server = server().await;
    let b = new_bucket(&server, Signer::V4, "polbad").await;
    let kept = r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:GetObject","Principal":["2000000000000000"],"Resource":"acs:oss:*:*:x/*"}]}"#;
    b.put_bucket_policy(kept).await.unwrap();
    let big_value = "a".repeat(5000);
    let huge = format!(
        r#"{{"Version":"1","Statement":[{}]}}"#,
        vec![r#"{"Effect":"Allow","Action":"oss:GetObject","Principal":["*"],"Resource":"acs:oss:*:*:x/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}"#; 300].join(",")
    );
    let cases: Vec<(String, &str)> = vec![
        ("not json".into(), "0030-00000005"),
        (r#"{"Version":"2","Statement":[{"Effect":"Allow","Action":"oss:*","Resource":"*"}]}"#.into(), "0030-00000002"),
        (r#"{"Version":1,"Statement":[{"Effect":"Allow","Action":"oss:*","Resource":"*"}]}"#.into(), "0030-00000005"),
        (r#"{"Version":"1","Statement":[]}"#.into(), "0030-00000005"),
        (r#"{"Version":"1","Statement":[{"Effect":"Perhaps","Action":"oss:*","Resource":"*"}]}"#.into(), "0030-00000005"),
        (r#"{"Version":"1","Statement":[{"Effect":"Allow","Resource":"*"}]}"#.into(), "0030-00000005"),
        (r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:*","Resource":"acs:oss:*:**:x"}]}"#.into(), "0030-00000007"),
        (format!(r#"{{"Version":"1","Statement":[{{"Effect":"Allow","Action":"oss:*","Resource":"acs:oss:*:*:{big_value}"}}]}}"#), "0030-00000003"),
        (huge, "0030-00000001"),
    ];
    for (doc, ec) in cases {
        let e = b.put_bucket_policy(doc.clone()).await.unwrap_err();
        assert_eq!(e.code(), Some("InvalidPolicyDocument"), "{doc:.80}: {e:?}");
        assert_eq!(e.status(), Some(400));
        assert_eq!(e.ec(), Some(ec), "{doc:.80}");
    }
    assert_eq!(
        b.get_bucket_policy().await.unwrap().raw_body(),
        kept.as_bytes()
    );
}

#[tokio::test]
async fn policies_decide_what_other_accounts_may_do() {
    let server = server().await;
    let owner = new_bucket(&server, Signer::V4, "grant").await;
    let name = owner.name().to_string();
    owner.put_object("shared/a.txt", "shared").await.unwrap();
    owner.put_object("private/b.txt", "private").await.unwrap();
    let other = as_other(&server, &name);

    // Nothing is granted: the bucket belongs to another account.
    denied(other.get_object("shared/a.txt").await);
    denied(other.put_object("shared/new.txt", "x").await);
    let e = denied(other.list_objects().await);
    assert_eq!(
        message(&e),
        Some("The bucket you access does not belong to you.")
    );
    denied(other.get_bucket_acl().await);

    let shared = format!("acs:oss:*:*:{name}/shared/*");
    let policy = Policy::new(vec![
        grant(
            TEST_OTHER_ACCOUNT_ID,
            &["oss:Get*", "oss:PutObject"],
            std::slice::from_ref(&shared),
        ),
        grant(
            TEST_OTHER_ACCOUNT_ID,
            &["oss:ListObjects"],
            &[format!("acs:oss:*:*:{name}")],
        )
        .condition("StringLike", "oss:Prefix", ["shared/*"]),
        Statement::new(
            Effect::Deny,
            ["oss:PutObject"],
            [format!("acs:oss:*:*:{name}/shared/locked/*")],
        )
        .principals([TEST_OTHER_ACCOUNT_ID]),
    ]);
    owner.put_bucket_policy(policy).await.unwrap();

    let got = other.get_object("shared/a.txt").await.unwrap();
    assert_eq!(got.body.collect_bytes().await.unwrap(), "shared");
    other
        .put_object("shared/new.txt", "from the other account")
        .await
        .unwrap();
    denied(other.get_object("private/b.txt").await);
    // An explicit Deny wins over the Allow.
    let e = denied(other.put_object("shared/locked/x", "x").await);
    assert_eq!(e.ec(), Some("0003-00000101"));
    // The listing is granted for the prefix the condition names only.
    let listed = other.list_objects().prefix("shared/").await.unwrap();
    assert_eq!(listed.objects.len(), 2);
    denied(other.list_objects().await);
    // Bucket configuration is not granted.
    denied(other.put_bucket_policy(r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:*","Resource":"*"}]}"#).await);
    // A copy needs the right to read its source.
    other
        .copy_object(&name, "shared/a.txt", "shared/copy.txt")
        .await
        .unwrap();
    denied(
        other
            .copy_object(&name, "private/b.txt", "shared/copy2.txt")
            .await,
    );
    // The owner is not bound by statements naming other principals.
    owner.put_object("shared/locked/y", "owner").await.unwrap();
}

#[tokio::test]
async fn everyone_statements_spare_the_owner_unless_they_have_a_condition() {
    let server = server().await;
    let owner = new_bucket(&server, Signer::V1, "star").await;
    let name = owner.name().to_string();
    owner.put_object("k", "v").await.unwrap();
    let all = format!("acs:oss:*:*:{name}/*");
    let deny_all = Policy::new(vec![Statement::new(
        Effect::Deny,
        ["oss:GetObject"],
        [all.clone()],
    )
    .principals(["*"])]);
    owner.put_bucket_policy(deny_all).await.unwrap();
    owner.get_object("k").await.unwrap();
    denied(as_other(&server, &name).get_object("k").await);

    // With a condition, the statement applies to the owner too: requests from outside
    // 10.0.0.0/8 (this test runs on 127.0.0.1) are refused.
    let deny_outside = Policy::new(vec![Statement::new(
        Effect::Deny,
        ["oss:GetObject"],
        [all.clone()],
    )
    .principals(["*"])
    .condition("NotIpAddress", "acs:SourceIp", ["10.0.0.0/8"])]);
    owner.put_bucket_policy(deny_outside).await.unwrap();
    let e = denied(owner.get_object("k").await);
    assert_eq!(e.ec(), Some("0003-00000101"));
    let deny_inside = Policy::new(vec![Statement::new(Effect::Deny, ["oss:GetObject"], [all])
        .principals(["*"])
        .condition("IpAddress", "acs:SourceIp", ["10.0.0.0/8"])]);
    owner.put_bucket_policy(deny_inside).await.unwrap();
    owner.get_object("k").await.unwrap();
}

#[tokio::test]
async fn anonymous_access_by_policy_and_conditions() {
    let server = server().await;
    let owner = new_bucket(&server, Signer::V4, "anon").await;
    let name = owner.name().to_string();
    owner.put_object("pub/a", "public").await.unwrap();
    let anon = anonymous(&server, &name);
    denied(anon.get_object("pub/a").await);

    let res = format!("acs:oss:*:*:{name}/pub/*");
    owner
        .put_bucket_policy(Policy::new(vec![grant(
            "*",
            &["oss:GetObject"],
            std::slice::from_ref(&res),
        )
        .condition("StringLike", "acs:Referer", ["https://*.example.com/*"])]))
        .await
        .unwrap();
    denied(anon.get_object("pub/a").await);
    let got = anon
        .get_object("pub/a")
        .header("Referer", "https://www.example.com/page")
        .await
        .unwrap();
    assert_eq!(got.body.collect_bytes().await.unwrap(), "public");

    owner
        .put_bucket_policy(Policy::new(vec![grant("*", &["oss:GetObject"], &[res])
            .condition("IpAddress", "acs:SourceIp", ["127.0.0.0/8"])]))
        .await
        .unwrap();
    anon.get_object("pub/a").await.unwrap();
    denied(anon.get_object("other").await);
    denied(anon.put_object("pub/new", "x").await);
}

#[tokio::test]
async fn ram_users_need_a_grant_and_buckets_belong_to_their_creators() {
    let server = server().await;
    let owner = new_bucket(&server, Signer::V1, "ram").await;
    let name = owner.name().to_string();
    owner.put_object("k", "v").await.unwrap();
    // A RAM user of the owner's account without RAM policy has no rights of its own.
    let ram = as_ram_user(&server, &name);
    let e = denied(ram.get_object("k").await);
    assert_eq!(e.ec(), Some("0003-00000202"));
    owner
        .put_bucket_policy(Policy::new(vec![grant(
            TEST_RAM_USER_ID,
            &["oss:GetObject"],
            &[format!("acs:oss:*:*:{name}/*")],
        )]))
        .await
        .unwrap();
    ram.get_object("k").await.unwrap();
    denied(ram.put_object("k", "x").await);

    // A bucket created by another account is theirs.
    let theirs = as_other(&server, &bucket_name("theirs"));
    theirs.create_bucket().await.unwrap();
    let info = theirs.get_bucket_info().await.unwrap();
    assert_eq!(info.bucket.owner.id, TEST_OTHER_ACCOUNT_ID);
    denied(
        bucket(&server, Signer::V1, theirs.name())
            .get_object("x")
            .await,
    );
    // Each account lists its own buckets only.
    let other_service = Service::builder(
        Auth::new(TEST_OTHER_ACCESS_KEY_ID, TEST_OTHER_ACCESS_KEY_SECRET),
        &server.endpoint(),
    )
    .build()
    .unwrap();
    let mine: Vec<String> = other_service
        .list_buckets()
        .await
        .unwrap()
        .buckets
        .into_iter()
        .map(|b| b.name)
        .collect();
    assert_eq!(mine, [theirs.name().to_string()]);
    let owners: Vec<String> = service(&server, Signer::V1)
        .list_buckets()
        .await
        .unwrap()
        .buckets
        .into_iter()
        .map(|b| b.name)
        .collect();
    assert!(owners.contains(&name) && !owners.contains(&theirs.name().to_string()));
    // The name is taken whoever asks.
    let again = bucket(&server, Signer::V1, theirs.name())
        .create_bucket()
        .await
        .unwrap_err();
    assert_eq!(again.code(), Some("BucketAlreadyExists"));
}

#[tokio::test]
async fn requester_pays_buckets_refuse_requests_that_do_not_say_so() {
    let server = server().await;
    let owner = new_bucket(&server, Signer::V4, "pay").await;
    let name = owner.name().to_string();
    assert_eq!(
        owner
            .get_bucket_request_payment()
            .await
            .unwrap()
            .config
            .payer,
        "BucketOwner"
    );
    owner.put_object("k", "v").await.unwrap();
    owner
        .put_bucket_policy(Policy::new(vec![grant(
            "*",
            &["oss:*"],
            &[
                format!("acs:oss:*:*:{name}"),
                format!("acs:oss:*:*:{name}/*"),
            ],
        )]))
        .await
        .unwrap();
    owner
        .put_bucket_request_payment(Payer::Requester)
        .await
        .unwrap();
    let got = owner.get_bucket_request_payment().await.unwrap();
    assert_eq!(got.config.parsed_payer(), Some(Payer::Requester));
    assert!(String::from_utf8_lossy(got.raw_body()).contains("<Payer>Requester</Payer>"));

    // The owner does not need to say anything.
    owner.get_object("k").await.unwrap();
    let other = as_other(&server, &name);
    let e = denied(other.get_object("k").await);
    assert_eq!(e.ec(), Some("0003-00000703"));
    other
        .get_object("k")
        .header("x-oss-request-payer", "requester")
        .await
        .unwrap();
    other
        .put_object("new", "paid")
        .header("x-oss-request-payer", "requester")
        .await
        .unwrap();
    let e = denied(anonymous(&server, &name).get_object("k").await);
    assert_eq!(e.ec(), Some("0003-00000701"));

    // Presigned URLs carry the payer as a parameter.
    let http = reqwest::Client::new();
    let minute = std::time::Duration::from_secs(60);
    let url = other
        .sign_url(osskit::Method::GET, "k", minute)
        .build()
        .await
        .unwrap();
    let r = http.get(url).send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("0003-00000702"));
    let url = other
        .sign_url(osskit::Method::GET, "k", minute)
        .param("x-oss-request-payer", "requester")
        .build()
        .await
        .unwrap();
    assert_eq!(http.get(url).send().await.unwrap().status(), 200);

    let e = owner
        .put_bucket_request_payment(
            "<RequestPaymentConfiguration><Payer>Nobody</Payer></RequestPaymentConfiguration>",
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("MalformedXML"));
    assert_eq!(
        owner
            .get_bucket_request_payment()
            .await
            .unwrap()
            .config
            .parsed_payer(),
        Some(Payer::Requester)
    );
    owner
        .put_bucket_request_payment(Payer::BucketOwner)
        .await
        .unwrap();
    other.get_object("k").await.unwrap();
}

#[tokio::test]
async fn public_access_blocks_ignore_and_refuse_public_grants() {
    let server = server().await;
    let owner = new_bucket(&server, Signer::V1, "pab").await;
    let name = owner.name().to_string();
    owner.put_object("k", "v").await.unwrap();
    object_acl(&owner, "k", "public-read").await.unwrap();
    let anon = anonymous(&server, &name);
    anon.get_object("k").await.unwrap();

    let got = owner.get_bucket_public_access_block().await.unwrap();
    assert!(!got.config.block_public_access);
    owner
        .put_bucket_public_access_block(PublicAccessBlockConfiguration::new(true))
        .await
        .unwrap();
    assert!(
        owner
            .get_bucket_public_access_block()
            .await
            .unwrap()
            .config
            .block_public_access
    );
    // The public ACL no longer grants, and no public grant can be made.
    denied(anon.get_object("k").await);
    denied(owner.put_bucket_acl(osskit::BucketAcl::PublicRead).await);
    denied(object_acl(&owner, "k", "public-read-write").await);
    denied(
        owner
            .put_object("k2", "v")
            .header("x-oss-object-acl", "public-read")
            .await,
    );
    let public = Policy::new(vec![grant(
        "*",
        &["oss:GetObject"],
        &[format!("acs:oss:*:*:{name}/*")],
    )]);
    denied(owner.put_bucket_policy(public.clone()).await);
    // Non-public grants are still possible.
    owner
        .put_bucket_acl(osskit::BucketAcl::Private)
        .await
        .unwrap();
    owner
        .put_bucket_policy(Policy::new(vec![grant(
            TEST_OTHER_ACCOUNT_ID,
            &["oss:GetObject"],
            &[format!("acs:oss:*:*:{name}/*")],
        )]))
        .await
        .unwrap();
    as_other(&server, &name).get_object("k").await.unwrap();

    owner.delete_bucket_public_access_block().await.unwrap();
    anon.get_object("k").await.unwrap();
    owner.put_bucket_policy(public).await.unwrap();

    // The account-level block covers every bucket of the account.
    let svc = service(&server, Signer::V1);
    assert!(
        !svc.get_public_access_block()
            .await
            .unwrap()
            .config
            .block_public_access
    );
    svc.put_public_access_block(PublicAccessBlockConfiguration::new(true))
        .await
        .unwrap();
    assert!(
        svc.get_public_access_block()
            .await
            .unwrap()
            .config
            .block_public_access
    );
    denied(anon.get_object("k").await);
    let e = bucket(&server, Signer::V1, &bucket_name("pabnew"))
        .create_bucket()
        .acl(osskit::BucketAcl::PublicRead)
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("AccessDenied"));
    // Another account's block does not concern this one.
    let other_svc = Service::new(
        Auth::new(TEST_OTHER_ACCESS_KEY_ID, TEST_OTHER_ACCESS_KEY_SECRET),
        &server.endpoint(),
    )
    .unwrap();
    assert!(
        !other_svc
            .get_public_access_block()
            .await
            .unwrap()
            .config
            .block_public_access
    );
    svc.delete_public_access_block().await.unwrap();
    assert!(
        !svc.get_public_access_block()
            .await
            .unwrap()
            .config
            .block_public_access
    );
    anon.get_object("k").await.unwrap();
}

#[tokio::test]
async fn access_points_are_stored_and_returned_as_oss_does() {
    let server = server().await;
    let b = new_bucket(&server, Signer::V4, "ap").await;
    let created = b
        .create_access_point(CreateAccessPointConfiguration::internet("ap-one"))
        .await
        .unwrap();
    assert_eq!(
        created.config.access_point_arn,
        format!("acs:oss:{REGION}:{OWNER}:accesspoint/ap-one")
    );
    assert!(
        created.config.alias.starts_with("ap-one-") && created.config.alias.ends_with("-ossalias")
    );
    b.create_access_point(CreateAccessPointConfiguration::vpc("ap-two", "vpc-123"))
        .await
        .unwrap();
    b.create_access_point(
        "<CreateAccessPointConfiguration><AccessPointName>ap-three</AccessPointName><NetworkOrigin>internet</NetworkOrigin></CreateAccessPointConfiguration>",
    )
    .await
    .unwrap();

    let got = b.get_access_point("ap-two").await.unwrap();
    assert_eq!(got.config.bucket, b.name());
    assert_eq!(got.config.account_id, OWNER);
    assert_eq!(got.config.network_origin, "vpc");
    assert_eq!(
        got.config.vpc_configuration.as_ref().unwrap().vpc_id,
        "vpc-123"
    );
    assert_eq!(got.config.status, "enable");
    assert!(got
        .config
        .endpoints
        .public_endpoint
        .ends_with(".oss-accesspoint.aliyuncs.com"));

    let page = b
        .list_bucket_access_points()
        .param("max-keys", "2")
        .await
        .unwrap();
    let names: Vec<&str> = page
        .config
        .access_points
        .items
        .iter()
        .map(|a| a.access_point_name.as_str())
        .collect();
    assert_eq!(names, ["ap-one", "ap-three"]);
    assert!(page.config.is_truncated);
    let token = page.config.next_continuation_token.clone().unwrap();
    let page2 = b
        .list_bucket_access_points()
        .param("max-keys", "2")
        .param("continuation-token", token)
        .await
        .unwrap();
    assert_eq!(
        page2.config.access_points.items[0].access_point_name,
        "ap-two"
    );
    assert!(!page2.config.is_truncated);
    let all = service(&server, Signer::V4)
        .list_access_points()
        .await
        .unwrap();
    assert_eq!(all.config.access_points.items.len(), 3);
    assert_eq!(all.config.account_id, OWNER);

    // Errors.
    let e = b.get_access_point("ap-none").await.unwrap_err();
    assert_eq!(
        (e.status(), e.code(), message(&e)),
        (
            Some(404),
            Some("NoSuchAccessPoint"),
            Some("Accesspoint not found")
        )
    );
    let e = b
        .create_access_point(CreateAccessPointConfiguration::internet("ap-one"))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("AccessPointAlreadyExists"));
    let e = b
        .create_access_point(CreateAccessPointConfiguration::internet("-bad"))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("InvalidArgument"));

    // The policy comes back as put; the block is the access point's own.
    let policy = format!(
        r#"{{"Version":"1","Statement":[{{"Action":["oss:GetObject"],"Effect":"Deny","Principal":["{OWNER}"],"Resource":["acs:oss:{REGION}:{OWNER}:accesspoint/ap-one/object/*"]}}]}}"#
    );
    b.put_access_point_policy("ap-one", policy.clone())
        .await
        .unwrap();
    assert_eq!(
        b.get_access_point_policy("ap-one")
            .await
            .unwrap()
            .raw_body(),
        policy.as_bytes()
    );
    b.delete_access_point_policy("ap-one").await.unwrap();
    assert_eq!(
        b.get_access_point_policy("ap-one")
            .await
            .unwrap_err()
            .code(),
        Some("NoSuchAccessPointPolicy")
    );
    b.put_access_point_public_access_block("ap-one", PublicAccessBlockConfiguration::new(true))
        .await
        .unwrap();
    assert!(
        b.get_access_point_public_access_block("ap-one")
            .await
            .unwrap()
            .config
            .block_public_access
    );
    assert!(
        b.get_access_point("ap-one")
            .await
            .unwrap()
            .config
            .public_access_block_configuration
            .unwrap()
            .block_public_access
    );
    assert!(
        !b.get_bucket_public_access_block()
            .await
            .unwrap()
            .config
            .block_public_access
    );
    let e = b
        .get_access_point_public_access_block("ap-none")
        .await
        .unwrap_err();
    assert_eq!(message(&e), Some("Accesspoint not found"));
    b.delete_access_point_public_access_block("ap-one")
        .await
        .unwrap();
    assert!(
        !b.get_access_point_public_access_block("ap-one")
            .await
            .unwrap()
            .config
            .block_public_access
    );

    for name in ["ap-one", "ap-two", "ap-three"] {
        b.delete_access_point(name).await.unwrap();
    }
    assert_eq!(
        b.delete_access_point("ap-one").await.unwrap_err().code(),
        Some("NoSuchAccessPoint")
    );
    assert!(b
        .list_bucket_access_points()
        .await
        .unwrap()
        .config
        .access_points
        .items
        .is_empty());
}

#[test]
fn the_blocking_facade_has_the_same_calls() {
    let (_rt, server) = server_on_own_runtime();
    let name = bucket_name("blk");
    let b = osskit::blocking::Bucket::builder(
        Auth::new(
            osskit_server::testing::TEST_ACCESS_KEY_ID,
            osskit_server::testing::TEST_ACCESS_KEY_SECRET,
        ),
        &server.endpoint(),
        &name,
    )
    .build()
    .unwrap();
    b.create_bucket().send().unwrap();
    let policy = Policy::new(vec![grant(
        "*",
        &["oss:GetObject"],
        &[format!("acs:oss:*:*:{name}/*")],
    )]);
    b.put_bucket_policy(policy.clone()).send().unwrap();
    assert_eq!(b.get_bucket_policy().send().unwrap().config, policy);
    b.put_bucket_request_payment(Payer::Requester)
        .send()
        .unwrap();
    assert_eq!(
        b.get_bucket_request_payment()
            .send()
            .unwrap()
            .config
            .parsed_payer(),
        Some(Payer::Requester)
    );
    b.create_access_point(CreateAccessPointConfiguration::internet("ap-blk"))
        .send()
        .unwrap();
    assert_eq!(
        b.get_access_point("ap-blk").send().unwrap().config.bucket,
        name
    );
    b.delete_access_point("ap-blk").send().unwrap();
    b.delete_bucket_policy().send().unwrap();
}

#[tokio::test]
async fn ram_policies_grant_within_the_account_and_their_denies_win() {
    let ram_policy = Policy::parse(
        br#"{"Version":"1","Statement":[
            {"Effect":"Allow","Action":["oss:GetObject","oss:PutObject","oss:ListObjects"],"Resource":["acs:oss:*:*:*"]},
            {"Effect":"Deny","Action":["oss:PutObject"],"Resource":["acs:oss:*:*:*/readonly/*"]}]}"#,
    )
    .unwrap();
    let server = TestServer::start_with(|c| {
        c.users.push(osskit_server::users::UserConfig::new(
            "LTAI-ram-writer",
            "ram-writer-secret",
            osskit_server::users::Identity::ram_user(OWNER, "2030000000000002", "writer")
                .with_policies(vec![ram_policy]),
        ));
    })
    .await;
    let owner = new_bucket(&server, Signer::V1, "rampol").await;
    let name = owner.name().to_string();
    owner.put_object("readonly/k", "v").await.unwrap();
    let writer = Bucket::new(
        Auth::new("LTAI-ram-writer", "ram-writer-secret"),
        &server.endpoint(),
        &name,
    )
    .unwrap();
    writer
        .put_object("notes/a", "written by a RAM user")
        .await
        .unwrap();
    writer.get_object("readonly/k").await.unwrap();
    writer.list_objects().await.unwrap();
    let e = denied(writer.put_object("readonly/k", "x").await);
    assert_eq!(e.ec(), Some("0003-00000202"));
    denied(writer.delete_object("notes/a").await);
    denied(writer.get_bucket_acl().await);
    // A bucket policy Deny binds the RAM user too.
    owner
        .put_bucket_policy(Policy::new(vec![Statement::new(
            Effect::Deny,
            ["oss:GetObject"],
            [format!("acs:oss:*:*:{name}/*")],
        )
        .principals(["2030000000000002"])]))
        .await
        .unwrap();
    denied(writer.get_object("readonly/k").await);
    // RAM policies do not reach into other accounts' buckets.
    let foreign = as_other(&server, &bucket_name("foreign"));
    foreign.create_bucket().await.unwrap();
    foreign.put_object("k", "v").await.unwrap();
    let e = denied(
        Bucket::new(
            Auth::new("LTAI-ram-writer", "ram-writer-secret"),
            &server.endpoint(),
            foreign.name(),
        )
        .unwrap()
        .get_object("k")
        .await,
    );
    assert_eq!(e.code(), Some("AccessDenied"));
}

#[tokio::test]
async fn a_bucket_has_at_most_100_access_points() {
    let server = server().await;
    let b = new_bucket(&server, Signer::V1, "apmax").await;
    for i in 0..100 {
        b.create_access_point(CreateAccessPointConfiguration::internet(format!(
            "ap-{i:03}"
        )))
        .await
        .unwrap();
    }
    let e = b
        .create_access_point(CreateAccessPointConfiguration::internet("ap-100"))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("TooManyAccessPoints"));
    let page = b
        .list_bucket_access_points()
        .param("max-keys", "1000")
        .await
        .unwrap();
    assert_eq!(page.config.access_points.items.len(), 100);
    let e = b
        .put_bucket_public_access_block(format!(
            "<PublicAccessBlockConfiguration><!--{}--><BlockPublicAccess>true</BlockPublicAccess></PublicAccessBlockConfiguration>",
            "x".repeat(70 * 1024)
        ))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("EntityTooLarge"));
    assert!(
        !b.get_bucket_public_access_block()
            .await
            .unwrap()
            .config
            .block_public_access
    );
}
