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
            Redirect::mirror("http://127.0.0.1:1/")
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
}

/// An origin on 127.0.0.1 for mirroring: `/m/pic.png` (with a right Content-MD5),
/// `/m/moved` (302 to pic.png), `/m/bad-md5` (a wrong Content-MD5), 404 otherwise. Returns
/// its port and the request heads it saw.
async fn origin() -> (u16, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let log = log.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&head).to_string();
                let path = head.split(' ').nth(1).unwrap_or("").to_string();
                log.lock().unwrap().push(head);
                let body = "from origin";
                let md5 = osskit::utils::content_md5(body.as_bytes());
                let len = body.len();
                let answer = match path.split('?').next().unwrap_or("") {
                    "/m/pic.png" => format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-MD5: {md5}\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n{body}"
                    ),
                    "/m/moved" => "HTTP/1.1 302 Found\r\nLocation: /m/pic.png\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_string(),
                    "/m/bad-md5" => format!(
                        "HTTP/1.1 200 OK\r\nContent-MD5: 1B2M2Y8AsgTpgAmY7PhCfg==\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n{body}"
                    ),
                    _ => "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_string(),
                };
                let _ = stream.write_all(answer.as_bytes()).await;
            });
        }
    });
    (port, seen)
}

#[tokio::test]
async fn mirroring_fetches_missing_objects_from_the_origin() {
    let server = server().await;
    let bucket = new_bucket(&server, Signer::V4, "mirror").await;
    bucket.put_bucket_acl(BucketAcl::PublicRead).await.unwrap();
    let (port, seen) = origin().await;
    let mut headers = MirrorHeaders::default();
    headers.pass = vec!["x-pass".into()];
    headers.set = vec![{
        let mut set = osskit::proto::xml::website::MirrorHeaderSet::default();
        set.key = "x-set".into();
        set.value = "from-rule".into();
        set
    }];
    // The first origin refuses connections (nothing listens on port 1): the standby answers.
    let mut rule = Redirect::mirror("http://127.0.0.1:1/")
        .mirror_pass_query_string(true)
        .mirror_check_md5(true)
        .mirror_headers(headers);
    rule.mirror_url_slave = Some(format!("http://127.0.0.1:{port}/"));
    rule.mirror_url_probe = Some(format!("http://127.0.0.1:{port}/probe"));
    bucket
        .put_bucket_website(
            WebsiteConfiguration::new("index.html", "").rule(RoutingRule::new(
                1,
                Condition::default()
                    .key_prefix_equals("m/")
                    .http_error_code(404),
                rule,
            )),
        )
        .await
        .unwrap();
    let http = browser();
    let base = format!("{}/{}", server.endpoint(), bucket.name());

    let resp = http
        .get(format!("{base}/m/pic.png?v=1"))
        .header("x-pass", "passed")
        .header("x-other", "kept back")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "image/png");
    assert_eq!(resp.text().await.unwrap(), "from origin");
    let head = seen.lock().unwrap()[0].to_ascii_lowercase();
    assert!(head.starts_with("get /m/pic.png?v=1 http/1.1"), "{head}");
    assert!(head.contains("x-pass: passed"), "{head}");
    assert!(head.contains("x-set: from-rule"), "{head}");
    assert!(!head.contains("x-other"), "{head}");
    // Stored: the SDK reads it without the origin.
    let stored = bucket.get_object("m/pic.png").await.unwrap();
    assert_eq!(stored.body.collect_bytes().await.unwrap(), "from origin");

    // Redirects of the origin are followed (MirrorFollowRedirect defaults to true).
    let resp = http.get(format!("{base}/m/moved")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.text().await.unwrap(), "from origin");
    // A wrong Content-MD5 is not stored (a signed GetObject asks the origin too, as OSS
    // mirrors for every GetObject); an object the origin lacks stays missing; keys the rule
    // does not cover never reach the origin.
    let before = seen.lock().unwrap().len();
    let status = |path: &'static str| {
        let http = http.clone();
        let url = format!("{base}/{path}");
        async move { http.get(url).send().await.unwrap().status() }
    };
    assert_eq!(status("m/bad-md5").await, 404);
    let err = bucket.get_object("m/bad-md5").await.unwrap_err();
    assert_eq!(err.code(), Some("NoSuchKey"));
    assert_eq!(status("m/none").await, 404);
    assert_eq!(status("other").await, 404);
    assert_eq!(seen.lock().unwrap().len(), before + 3);
}

#[tokio::test]
async fn a_recreated_bucket_has_none_of_the_old_configuration() {
    let server = server().await;
    let bucket = new_bucket(&server, Signer::V4, "again").await;
    bucket.put_object("index.html", "old site").await.unwrap();
    bucket.put_bucket_acl(BucketAcl::PublicRead).await.unwrap();
    bucket
        .put_bucket_website(WebsiteConfiguration::new("index.html", ""))
        .await
        .unwrap();
    bucket
        .put_bucket_referer(osskit::RefererConfiguration::new(false, ["http://a.com"]))
        .await
        .unwrap();
    let http = browser();
    let url = format!("{}/{}/dir/", server.endpoint(), bucket.name());
    let resp = http
        .get(&url)
        .header("Referer", "http://a.com/")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.text().await.unwrap(), "old site");

    bucket.delete_object("index.html").await.unwrap();
    bucket.delete_bucket().await.unwrap();
    bucket.create_bucket().await.unwrap();
    bucket.put_object("index.html", "new").await.unwrap();
    bucket.put_bucket_acl(BucketAcl::PublicRead).await.unwrap();
    // Neither the website nor the Referer lists survive: no index, and no Referer needed.
    let resp = http.get(&url).send().await.unwrap();
    assert_eq!(resp.status(), 404);
    assert!(resp
        .text()
        .await
        .unwrap()
        .contains("<Code>NoSuchKey</Code>"));
    assert_eq!(
        bucket.get_bucket_website().await.unwrap_err().code(),
        Some("NoSuchWebsiteConfiguration")
    );
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
