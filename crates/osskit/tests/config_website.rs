//! Static website hosting through the SDK against the local server: the round trip with the
//! model and with raw XML, OSS's errors, and the bucket served as a website (index documents,
//! sub-directories, the error document, routing rules).

mod common;

use common::{new_bucket, server, server_on_own_runtime, Signer};
use osskit::proto::xml::website::{
    Condition, MirrorHeaders, Redirect, RoutingRule, WebsiteConfiguration,
};
use osskit::{Bucket, BucketAcl};

fn site() -> WebsiteConfiguration {
    WebsiteConfiguration::new("index.html", "error.html")
        .rule(RoutingRule::new(
            1,
            Condition::default().key_prefix_equals("old/"),
            Redirect::external()
                .protocol("https")
                .host_name("docs.example.com")
                .replace_key_prefix_with("new/")
                .http_redirect_code(301)
                .pass_query_string(true),
        ))
        .rule(RoutingRule::new(
            2,
            Condition::default()
                .key_prefix_equals("mirror/")
                .http_error_code(404),
            Redirect::mirror("http://origin.example.com/")
                .mirror_pass_query_string(true)
                .mirror_follow_redirect(true)
                .mirror_check_md5(false)
                .mirror_headers(MirrorHeaders::default()),
        ))
}

#[tokio::test]
async fn round_trip_with_the_model_and_with_xml() {
    let server = server().await;
    for signer in [Signer::V1, Signer::V4] {
        let bucket = new_bucket(&server, signer, "web").await;
        let missing = bucket.get_bucket_website().await.unwrap_err();
        assert_eq!(missing.code(), Some("NoSuchWebsiteConfiguration"));
        assert_eq!(missing.status(), Some(404));

        bucket.put_bucket_website(site()).await.unwrap();
        let got = bucket.get_bucket_website().await.unwrap();
        assert_eq!(got.config.index_file(), Some("index.html"));
        assert_eq!(got.config.error_file(), Some("error.html"));
        assert_eq!(got.config.rules()[0], site().rules()[0]);
        // For mirroring, OSS answers PassQueryString as MirrorPassQueryString.
        assert_eq!(got.config.rules()[1].redirect.pass_query_string, Some(true));

        // Raw XML as oss2 writes it, with Python's True/False; answered in lower case.
        let doc = "<WebsiteConfiguration><IndexDocument><Suffix>index+中文.html</Suffix>\
            <SupportSubDir>True</SupportSubDir><Type>2</Type></IndexDocument>\
            <ErrorDocument><Key>error.中文</Key><HttpStatus>200</HttpStatus></ErrorDocument>\
            <RoutingRules><RoutingRule><RuleNumber>1</RuleNumber><Condition>\
            <KeyPrefixEquals>~!@#$%^&amp;*()-_=+|\\[]{}&lt;&gt;,./?`~</KeyPrefixEquals>\
            <HttpErrorCodeReturnedEquals>404</HttpErrorCodeReturnedEquals></Condition>\
            <Redirect><RedirectType>Internal</RedirectType><PassQueryString>False</PassQueryString>\
            <ReplaceKeyWith>${key}.suffix</ReplaceKeyWith></Redirect></RoutingRule></RoutingRules>\
            </WebsiteConfiguration>";
        bucket.put_bucket_website(doc).await.unwrap();
        let got = bucket.get_bucket_website().await.unwrap();
        let raw = String::from_utf8(got.raw.to_vec()).unwrap();
        assert!(raw.contains("<SupportSubDir>true</SupportSubDir>"), "{raw}");
        assert!(
            raw.contains("<PassQueryString>false</PassQueryString>"),
            "{raw}"
        );
        assert_eq!(got.config.index_file(), Some("index+中文.html"));
        let rule = &got.config.rules()[0];
        assert_eq!(
            rule.condition.key_prefix_equals.as_deref(),
            Some("~!@#$%^&*()-_=+|\\[]{}<>,./?`~")
        );
        assert_eq!(
            rule.redirect.replace_key_with.as_deref(),
            Some("${key}.suffix")
        );

        bucket.delete_bucket_website().await.unwrap();
        bucket.delete_bucket_website().await.unwrap();
        assert_eq!(
            bucket.get_bucket_website().await.unwrap_err().code(),
            Some("NoSuchWebsiteConfiguration")
        );
    }
}

#[tokio::test]
async fn invalid_configurations_are_refused_and_nothing_is_stored() {
    let server = server().await;
    let bucket = new_bucket(&server, Signer::V4, "webbad").await;
    bucket.put_bucket_website(site()).await.unwrap();
    let base = || WebsiteConfiguration::new("index.html", "");
    let cases: Vec<(
        osskit::ops::config::ConfigInput<WebsiteConfiguration>,
        &str,
        &str,
    )> =
        vec![
        ("<WebsiteConfiguration>".into(), "MalformedXML", ""),
        ("<RefererConfiguration/>".into(), "MalformedXML", ""),
        (
            "<WebsiteConfiguration><ErrorDocument><Key>e.html</Key><HttpStatus>test</HttpStatus>\
             </ErrorDocument></WebsiteConfiguration>"
                .into(),
            "MalformedXML",
            "",
        ),
        (
            WebsiteConfiguration::new("", "e.html").error_status(500).into(),
            "InvalidArgument",
            "HttpStatus",
        ),
        (
            "<WebsiteConfiguration></WebsiteConfiguration>".into(),
            "InvalidArgument",
            "WebsiteConfiguration",
        ),
        (base().index_type(3).into(), "InvalidArgument", "Type"),
        (
            base()
                .rule(RoutingRule::new(
                    1,
                    Condition::default().http_error_code(403),
                    Redirect::mirror("http://origin/"),
                ))
                .into(),
            "InvalidArgument",
            "HttpErrorCodeReturnedEquals",
        ),
        (
            base()
                .rule(RoutingRule::new(
                    1,
                    Condition::default(),
                    Redirect::external().http_redirect_code(200),
                ))
                .into(),
            "InvalidArgument",
            "HttpRedirectCode",
        ),
        (
            (1..=21)
                .fold(base(), |c, n| {
                    c.rule(RoutingRule::new(n, Condition::default(), Redirect::internal()))
                })
                .into(),
            "InvalidArgument",
            "RoutingRule",
        ),
        (
            format!(
                "<WebsiteConfiguration>{}</WebsiteConfiguration>",
                " ".repeat(70 * 1024)
            )
            .into(),
            "EntityTooLarge",
            "",
        ),
    ];
    for (input, code, argument) in cases {
        let err = bucket.put_bucket_website(input).await.unwrap_err();
        assert_eq!(err.code(), Some(code), "{err}");
        if !argument.is_empty() {
            let server_error = match &err {
                osskit::Error::Server(s) => s,
                other => panic!("not a server error: {other}"),
            };
            assert_eq!(server_error.detail("ArgumentName"), Some(argument), "{err}");
        }
    }
    assert_eq!(
        bucket
            .get_bucket_website()
            .await
            .unwrap()
            .config
            .rules()
            .len(),
        2
    );
}

/// An anonymous HTTP client that does not follow redirects.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn fill(bucket: &Bucket) {
    for (key, body) in [
        ("index.html", "root index"),
        ("error.html", "not here"),
        ("docs/index.html", "docs index"),
        ("docs/page.html", "a page"),
        ("new/a.html", "moved page"),
    ] {
        bucket
            .put_object(key, body)
            .content_type("text/html")
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn a_bucket_is_served_as_a_website() {
    let server = server().await;
    let bucket = new_bucket(&server, Signer::V4, "site").await;
    fill(&bucket).await;
    bucket.put_bucket_acl(BucketAcl::PublicRead).await.unwrap();
    let http = browser();
    let base = format!("{}/{}", server.endpoint(), bucket.name());
    let get = |path: &str| http.get(format!("{base}/{path}")).send();

    // Without a website configuration: no index for the root, missing keys are NoSuchKey.
    let root = get("").await.unwrap().text().await.unwrap();
    assert!(!root.contains("root index"), "{root}");
    assert_eq!(get("docs/").await.unwrap().status(), 404);

    bucket
        .put_bucket_website(WebsiteConfiguration::new("index.html", "error.html"))
        .await
        .unwrap();
    // The root and any "directory" serve the root index (no SupportSubDir).
    for path in ["", "docs/", "nothing/here/"] {
        let resp = get(path).await.unwrap();
        assert_eq!(resp.status(), 200, "{path}");
        assert_eq!(resp.text().await.unwrap(), "root index", "{path}");
    }
    // Objects are served as usual; a missing one gets the error document with 404.
    assert_eq!(
        get("docs/page.html").await.unwrap().text().await.unwrap(),
        "a page"
    );
    let resp = get("missing.html").await.unwrap();
    assert_eq!(resp.status(), 404);
    assert_eq!(resp.headers()["content-type"], "text/html");
    assert_eq!(resp.text().await.unwrap(), "not here");
    // HEAD too.
    let head = http.head(format!("{base}/docs/")).send().await.unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(head.headers()["content-length"], "10");

    // Signed requests: GET / stays ListObjects, a missing "directory" gets the index, a
    // missing object gets OSS's NoSuchKey (no error document), an existing "directory"
    // object is itself.
    assert!(bucket.list_objects().await.unwrap().objects.len() >= 5);
    let got = bucket.get_object("empty-dir/").await.unwrap();
    assert_eq!(got.body.collect_bytes().await.unwrap(), "root index");
    let err = bucket.get_object("missing.html").await.unwrap_err();
    assert_eq!(err.code(), Some("NoSuchKey"));
    bucket.put_object("marker/", "").await.unwrap();
    let got = bucket.get_object("marker/").await.unwrap();
    assert_eq!(got.body.collect_bytes().await.unwrap(), "");

    // Sub-directories and the error document's status.
    bucket
        .put_bucket_website(
            WebsiteConfiguration::new("index.html", "error.html")
                .support_sub_dir(true)
                .error_status(200),
        )
        .await
        .unwrap();
    assert_eq!(
        get("docs/").await.unwrap().text().await.unwrap(),
        "docs index"
    );
    let resp = get("nodir/").await.unwrap();
    assert_eq!(resp.status(), 200, "the error document with HttpStatus 200");
    assert_eq!(resp.text().await.unwrap(), "not here");
    // Type 0 (default): a missing "docs" redirects to "docs/" when docs/index.html exists.
    let resp = get("docs").await.unwrap();
    assert_eq!(resp.status(), 302);
    assert_eq!(
        resp.headers()["location"],
        format!("/{}/docs/", bucket.name()).as_str()
    );
    // Type 2 serves docs/index.html directly; Type 1 answers the error.
    for (kind, status, body) in [(2, 200, "docs index"), (1, 404, "not here")] {
        bucket
            .put_bucket_website(
                WebsiteConfiguration::new("index.html", "error.html")
                    .support_sub_dir(true)
                    .index_type(kind),
            )
            .await
            .unwrap();
        let resp = get("docs").await.unwrap();
        assert_eq!(resp.status(), status, "Type {kind}");
        assert_eq!(resp.text().await.unwrap(), body, "Type {kind}");
    }

    // A private bucket: anonymous visitors are refused, also for the index.
    bucket.put_bucket_acl(BucketAcl::Private).await.unwrap();
    let resp = get("").await.unwrap();
    assert_eq!(resp.status(), 403);
    assert!(resp
        .text()
        .await
        .unwrap()
        .contains("<Code>AccessDenied</Code>"));
}

#[tokio::test]
async fn routing_rules_redirect_and_rewrite() {
    let server = server().await;
    let bucket = new_bucket(&server, Signer::V1, "rules").await;
    fill(&bucket).await;
    bucket.put_bucket_acl(BucketAcl::PublicRead).await.unwrap();
    let config = site()
        .rule(RoutingRule::new(
            3,
            Condition::default()
                .key_prefix_equals("app/")
                .include_header("x-app", "beta"),
            Redirect::internal().replace_key_with("new/a.html"),
        ))
        .rule(RoutingRule::new(
            4,
            Condition::default()
                .key_suffix_equals(".htm")
                .http_error_code(404),
            Redirect::external().replace_key_with("${key}l"),
        ));
    bucket.put_bucket_website(config).await.unwrap();
    let http = browser();
    let host = server.endpoint().trim_start_matches("http://").to_string();
    let base = format!("{}/{}", server.endpoint(), bucket.name());

    // External: status, protocol, host, the prefix replaced, the query string passed.
    let resp = http
        .get(format!("{base}/old/a.html?x=1&y"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 301);
    assert_eq!(
        resp.headers()["location"],
        "https://docs.example.com/new/a.html?x=1&y"
    );
    // Internal, only with the header.
    let resp = http
        .get(format!("{base}/app/anything"))
        .header("x-app", "beta")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.text().await.unwrap(), "moved page");
    let resp = http
        .get(format!("{base}/app/anything"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    // On 404 only: docs/page.htm redirects to docs/page.html on this host (302 default);
    // an existing .htm object is served.
    let resp = http
        .get(format!("{base}/docs/page.htm"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 302);
    assert_eq!(
        resp.headers()["location"],
        format!("http://{host}/{}/docs/page.html", bucket.name()).as_str()
    );
    bucket.put_object("real.htm", "real").await.unwrap();
    let resp = http.get(format!("{base}/real.htm")).send().await.unwrap();
    assert_eq!(resp.text().await.unwrap(), "real");
    // A mirroring rule cannot reach its origin here: the missing object stays a 404 with the
    // error document.
    let resp = http
        .get(format!("{base}/mirror/pic.png"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    assert_eq!(resp.text().await.unwrap(), "not here");
}

#[test]
fn the_blocking_facade_has_the_same_calls() {
    let (_rt, server) = server_on_own_runtime();
    let bucket = osskit::blocking::Bucket::builder(
        Signer::V4.auth(),
        &server.endpoint(),
        &common::bucket_name("webb"),
    )
    .region(common::REGION)
    .build()
    .unwrap();
    bucket.create_bucket().send().unwrap();
    bucket.put_bucket_website(site()).send().unwrap();
    assert_eq!(
        bucket
            .get_bucket_website()
            .send()
            .unwrap()
            .config
            .index_file(),
        Some("index.html")
    );
    bucket.delete_bucket_website().send().unwrap();
    assert!(bucket
        .get_bucket_website()
        .send()
        .unwrap_err()
        .is_not_found());
}
