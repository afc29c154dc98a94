//! Referer lists through the SDK against the local server: the round trip with the model and
//! with raw XML, OSS's errors, and the lists judging anonymous and presigned requests (never
//! header-signed ones).

mod common;

use common::{new_bucket, server, server_on_own_runtime, Signer};
use osskit::proto::xml::referer::RefererConfiguration;
use osskit::{BucketAcl, Method};
use std::time::Duration;

fn lists() -> RefererConfiguration {
    RefererConfiguration::new(
        false,
        ["http://*.example.com", "https://app.?.org", "中文+referer"],
    )
    .black_referers(["http://evil.example.com"])
}

#[tokio::test]
async fn round_trip_with_the_model_and_with_xml() {
    let server = server().await;
    for signer in [Signer::V1, Signer::V4] {
        let bucket = new_bucket(&server, signer, "referer").await;
        // Never set: OSS answers the default lists (everything allowed).
        let default = bucket.get_bucket_referer().await.unwrap();
        assert!(default.config.allow_empty_referer);
        assert!(default.config.referers().is_empty());
        assert_eq!(default.config.allow_truncate_query_string, Some(true));
        assert_eq!(default.config.truncate_path, Some(false));

        bucket.put_bucket_referer(lists()).await.unwrap();
        let got = bucket.get_bucket_referer().await.unwrap();
        assert_eq!(got.config.referers(), lists().referers());
        assert_eq!(got.config.black_list(), ["http://evil.example.com"]);
        assert!(!got.config.allow_empty_referer);
        // Both switches are answered whether or not they were sent.
        let raw = String::from_utf8(got.raw.to_vec()).unwrap();
        assert!(
            raw.contains("<AllowTruncateQueryString>true</AllowTruncateQueryString>"),
            "{raw}"
        );
        assert!(raw.contains("<TruncatePath>false</TruncatePath>"), "{raw}");

        // Raw XML as oss2 writes it, capitalised booleans as some tools do.
        bucket
            .put_bucket_referer(
                "<RefererConfiguration><AllowEmptyReferer>True</AllowEmptyReferer>\
                 <RefererList><Referer>http://a.com</Referer></RefererList>\
                 <AllowTruncateQueryString>false</AllowTruncateQueryString></RefererConfiguration>",
            )
            .await
            .unwrap();
        let got = bucket.get_bucket_referer().await.unwrap().config;
        assert!(got.allow_empty_referer);
        assert_eq!(got.allow_truncate_query_string, Some(false));
        assert_eq!(got.black_list(), Vec::<String>::new());
    }
}

#[tokio::test]
async fn invalid_lists_are_refused_and_nothing_is_stored() {
    let server = server().await;
    let bucket = new_bucket(&server, Signer::V4, "refbad").await;
    bucket.put_bucket_referer(lists()).await.unwrap();
    let too_many = RefererConfiguration::new(true, (0..101).map(|i| format!("http://{i}.com")));
    let cases: Vec<(osskit::ops::config::ConfigInput<RefererConfiguration>, &str)> = vec![
        ("<RefererConfiguration>".into(), "MalformedXML"),
        ("<CORSConfiguration/>".into(), "MalformedXML"),
        (
            "<RefererConfiguration><AllowEmptyReferer>maybe</AllowEmptyReferer></RefererConfiguration>"
                .into(),
            "MalformedXML",
        ),
        (too_many.into(), "InvalidArgument"),
        (
            RefererConfiguration::new(true, ["a"])
                .allow_truncate_query_string(false)
                .truncate_path(true)
                .into(),
            "InvalidArgument",
        ),
        (
            format!(
                "<RefererConfiguration>{}</RefererConfiguration>",
                " ".repeat(70 * 1024)
            )
            .into(),
            "EntityTooLarge",
        ),
    ];
    for (input, code) in cases {
        let err = bucket.put_bucket_referer(input).await.unwrap_err();
        assert_eq!(err.code(), Some(code), "{err}");
    }
    let err = bucket
        .put_bucket_referer(lists())
        .header("Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg==")
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidDigest"));
    assert_eq!(
        bucket.get_bucket_referer().await.unwrap().config.referers(),
        lists().referers()
    );
}

#[tokio::test]
async fn lists_judge_anonymous_and_presigned_requests_only() {
    let server = server().await;
    let bucket = new_bucket(&server, Signer::V4, "refuse").await;
    bucket.put_object("pic.png", "picture").await.unwrap();
    bucket.put_bucket_acl(BucketAcl::PublicRead).await.unwrap();
    bucket.put_bucket_referer(lists()).await.unwrap();
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let url = format!("{}/{}/pic.png", server.endpoint(), bucket.name());
    let get = |url: String, referer: Option<&'static str>| {
        let mut req = http.get(url);
        if let Some(r) = referer {
            req = req.header("Referer", r);
        }
        req.send()
    };
    let refused = |body: &str, ec: &str| {
        assert!(body.contains("<Code>AccessDenied</Code>"), "{body}");
        assert!(
            body.contains("<Message>You are denied by bucket referer policy.</Message>"),
            "{body}"
        );
        assert!(body.contains(&format!("<EC>{ec}</EC>")), "{body}");
    };

    // Anonymous: allowed Referers (wildcards, a longer URL, a query string, any case).
    for referer in [
        "http://www.example.com/index.html",
        "HTTP://WWW.EXAMPLE.COM",
        "https://app.x.org/?from=mail",
        "中文+referer/page",
    ] {
        let resp = get(url.clone(), Some(referer)).await.unwrap();
        assert_eq!(resp.status(), 200, "{referer}");
        assert_eq!(resp.text().await.unwrap(), "picture");
    }
    // Refused: no Referer, the block list, an unlisted one ('?' is exactly one character).
    for (referer, ec) in [
        (None, "0003-00000501"),
        (Some("http://evil.example.com/page"), "0003-00000502"),
        (Some("https://other.org"), "0003-00000503"),
        (Some("https://app.xy.org/"), "0003-00000503"),
    ] {
        let resp = get(url.clone(), referer).await.unwrap();
        assert_eq!(resp.status(), 403, "{referer:?}");
        refused(&resp.text().await.unwrap(), ec);
    }

    // A presigned URL is judged the same way.
    let signed = bucket
        .sign_url(Method::GET, "pic.png", Duration::from_secs(300))
        .build()
        .await
        .unwrap();
    let resp = get(signed.clone(), None).await.unwrap();
    assert_eq!(resp.status(), 403);
    refused(&resp.text().await.unwrap(), "0003-00000501");
    let resp = get(signed, Some("http://img.example.com/")).await.unwrap();
    assert_eq!(resp.status(), 200);

    // A header-signed request is never judged.
    let got = bucket
        .get_object("pic.png")
        .header("Referer", "http://evil.example.com/")
        .await
        .unwrap();
    assert_eq!(got.body.collect_bytes().await.unwrap(), "picture");

    // Empty Referers allowed; query strings kept for matching when not cut off.
    bucket
        .put_bucket_referer(
            RefererConfiguration::new(true, ["*.com"]).allow_truncate_query_string(false),
        )
        .await
        .unwrap();
    assert_eq!(get(url.clone(), None).await.unwrap().status(), 200);
    assert_eq!(
        get(url.clone(), Some("http://a.org/?next=b.com"))
            .await
            .unwrap()
            .status(),
        200
    );
    bucket
        .put_bucket_referer(RefererConfiguration::new(true, ["*.com"]))
        .await
        .unwrap();
    assert_eq!(
        get(url.clone(), Some("http://a.org/?next=b.com"))
            .await
            .unwrap()
            .status(),
        403
    );
    // An empty allow list checks nothing.
    bucket
        .put_bucket_referer(RefererConfiguration::new(false, Vec::<String>::new()))
        .await
        .unwrap();
    assert_eq!(get(url, None).await.unwrap().status(), 200);
}

#[test]
fn the_blocking_facade_has_the_same_calls() {
    let (_rt, server) = server_on_own_runtime();
    let bucket = osskit::blocking::Bucket::builder(
        Signer::V1.auth(),
        &server.endpoint(),
        &common::bucket_name("refb"),
    )
    .region(common::REGION)
    .build()
    .unwrap();
    bucket.create_bucket().send().unwrap();
    bucket.put_bucket_referer(lists()).send().unwrap();
    let got = bucket.get_bucket_referer().send().unwrap().config;
    assert_eq!(got.referers(), lists().referers());
}
