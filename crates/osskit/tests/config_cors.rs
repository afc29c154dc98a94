//! CORS rules through the SDK against the local server: the round trip with the model and
//! with raw XML, OSS's errors, preflight answers and the headers of actual requests.

mod common;

use common::{new_bucket, server, server_on_own_runtime, Signer};
use osskit::proto::xml::cors::{CorsConfiguration, CorsRule};
use osskit::Body;

fn rules() -> CorsConfiguration {
    CorsConfiguration::new(vec![
        CorsRule::new(["https://app.example.com"], ["GET", "PUT"])
            .allowed_headers(["x-oss-meta-*", "content-type"])
            .expose_headers(["ETag", "x-oss-request-id"])
            .max_age_seconds(600),
        CorsRule::new(["*"], ["HEAD"]),
    ])
}

#[tokio::test]
async fn round_trip_with_the_model_and_with_xml() {
    let server = server().await;
    for signer in [Signer::V1, Signer::V4] {
        let bucket = new_bucket(&server, signer, "cors").await;
        let missing = bucket.get_bucket_cors().await.unwrap_err();
        assert_eq!(missing.code(), Some("NoSuchCORSConfiguration"));
        assert_eq!(missing.status(), Some(404));

        bucket.put_bucket_cors(rules()).await.unwrap();
        let got = bucket.get_bucket_cors().await.unwrap();
        assert_eq!(got.config.rules, rules().rules);
        // OSS answers ResponseVary even when it was not sent.
        assert_eq!(got.config.response_vary, Some(false));
        let raw = String::from_utf8(got.raw.to_vec()).unwrap();
        assert!(raw.contains("<ResponseVary>false</ResponseVary>"), "{raw}");

        // The document as text, as bytes, and as a stream of unknown length (chunked).
        let doc = "<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin>\
                   <AllowedMethod>GET</AllowedMethod></CORSRule>\
                   <ResponseVary>true</ResponseVary></CORSConfiguration>";
        bucket.put_bucket_cors(doc).await.unwrap();
        assert_eq!(
            bucket.get_bucket_cors().await.unwrap().config.response_vary,
            Some(true)
        );
        bucket
            .put_bucket_cors(doc.as_bytes().to_vec())
            .await
            .unwrap();
        let chunks = vec![
            Ok::<_, std::io::Error>(bytes::Bytes::from(&doc[..40])),
            Ok(bytes::Bytes::from(&doc[40..])),
        ];
        bucket
            .put_bucket_cors(Body::from_stream(futures_util::stream::iter(chunks)))
            .await
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cors.xml");
        std::fs::write(&path, doc).unwrap();
        bucket
            .put_bucket_cors(Body::from_file(&path).await.unwrap())
            .await
            .unwrap();
        assert_eq!(
            bucket.get_bucket_cors().await.unwrap().config.rules.len(),
            1
        );

        bucket.delete_bucket_cors().await.unwrap();
        bucket.delete_bucket_cors().await.unwrap();
        assert_eq!(
            bucket.get_bucket_cors().await.unwrap_err().code(),
            Some("NoSuchCORSConfiguration")
        );
    }
}

#[tokio::test]
async fn invalid_rules_are_refused_and_nothing_is_stored() {
    let server = server().await;
    let bucket = new_bucket(&server, Signer::V4, "corsbad").await;
    bucket.put_bucket_cors(rules()).await.unwrap();
    let cases: [(&str, &str); 4] = [
        ("<CORSConfiguration><CORSRule>", "MalformedXML"),
        ("<Lifecycle/>", "MalformedXML"),
        (
            "<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin>\
             <AllowedMethod>PATCH</AllowedMethod></CORSRule></CORSConfiguration>",
            "InvalidArgument",
        ),
        ("<CORSConfiguration></CORSConfiguration>", "InvalidArgument"),
    ];
    for (doc, code) in cases {
        let err = bucket.put_bucket_cors(doc).await.unwrap_err();
        assert_eq!(err.code(), Some(code), "{doc}: {err}");
    }
    // A negative MaxAgeSeconds is named, as OSS does.
    let err = bucket
        .put_bucket_cors(
            "<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin>\
             <AllowedMethod>GET</AllowedMethod><MaxAgeSeconds>-1</MaxAgeSeconds></CORSRule>\
             </CORSConfiguration>",
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidArgument"));
    match &err {
        osskit::Error::Server(s) => {
            assert_eq!(s.detail("ArgumentName"), Some("MaxAgeSeconds"));
            assert_eq!(s.detail("ArgumentValue"), Some("-1"));
        }
        other => panic!("{other}"),
    }
    let eleven = CorsConfiguration::new(vec![CorsRule::new(["*"], ["GET"]); 11]);
    let err = bucket.put_bucket_cors(eleven).await.unwrap_err();
    assert_eq!(err.code(), Some("InvalidArgument"));
    // A body past the declared limit.
    let huge = format!(
        "<CORSConfiguration>{}</CORSConfiguration>",
        " ".repeat(70 * 1024)
    );
    let err = bucket.put_bucket_cors(huge).await.unwrap_err();
    assert_eq!(err.code(), Some("EntityTooLarge"));
    // A wrong Content-MD5.
    let err = bucket
        .put_bucket_cors(rules())
        .header("Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg==")
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidDigest"));
    assert_eq!(
        bucket.get_bucket_cors().await.unwrap().config.rules,
        rules().rules
    );
}

#[tokio::test]
async fn preflights_and_actual_requests_follow_the_rules() {
    let server = server().await;
    let bucket = new_bucket(&server, Signer::V4, "corsreq").await;
    bucket.put_object("page.txt", "hello").await.unwrap();
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let url = format!("{}/{}/page.txt", server.endpoint(), bucket.name());
    let preflight = |origin: &'static str, method: &'static str, headers: Option<&'static str>| {
        let mut req = http
            .request(reqwest::Method::OPTIONS, &url)
            .header("Origin", origin)
            .header("Access-Control-Request-Method", method);
        if let Some(h) = headers {
            req = req.header("Access-Control-Request-Headers", h);
        }
        req.send()
    };

    // No rules: every preflight is refused.
    let resp = preflight("https://app.example.com", "GET", None)
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    assert!(resp
        .text()
        .await
        .unwrap()
        .contains("<Code>AccessForbidden</Code>"));

    bucket.put_bucket_cors(rules()).await.unwrap();
    let resp = preflight(
        "https://app.example.com",
        "PUT",
        Some("Content-Type, X-OSS-Meta-Owner"),
    )
    .await
    .unwrap();
    assert_eq!(resp.status(), 200);
    let h = resp.headers();
    assert_eq!(h["access-control-allow-origin"], "https://app.example.com");
    assert_eq!(h["access-control-allow-methods"], "PUT");
    assert_eq!(
        h["access-control-allow-headers"],
        "content-type, x-oss-meta-owner"
    );
    assert_eq!(h["access-control-expose-headers"], "ETag, x-oss-request-id");
    assert_eq!(h["access-control-max-age"], "600");
    assert!(h.get("vary").is_none());

    // A header no rule allows, a method no rule allows, an origin no rule allows.
    for (origin, method, headers) in [
        ("https://app.example.com", "PUT", Some("x-forbidden")),
        ("https://app.example.com", "DELETE", None),
        ("https://other.example", "GET", None),
    ] {
        let resp = preflight(origin, method, headers).await.unwrap();
        assert_eq!(resp.status(), 403, "{origin} {method} {headers:?}");
        assert!(resp.headers().get("access-control-allow-origin").is_none());
    }
    // The second rule allows HEAD from anywhere.
    let resp = preflight("https://other.example", "HEAD", None)
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);

    // An actual (signed) request with an Origin gets the headers of the matching rule.
    let got = bucket
        .get_object("page.txt")
        .header("Origin", "https://app.example.com")
        .await
        .unwrap();
    assert_eq!(
        got.meta.header("access-control-allow-origin"),
        Some("https://app.example.com")
    );
    assert_eq!(
        got.meta.header("access-control-expose-headers"),
        Some("ETag, x-oss-request-id")
    );
    let other = bucket
        .get_object("page.txt")
        .header("Origin", "https://other.example")
        .await
        .unwrap();
    assert_eq!(other.meta.header("access-control-allow-origin"), None);

    // ResponseVary adds Vary: Origin.
    bucket
        .put_bucket_cors(rules().response_vary(true))
        .await
        .unwrap();
    let resp = preflight("https://app.example.com", "GET", None)
        .await
        .unwrap();
    assert_eq!(resp.headers()["vary"], "Origin");
    let got = bucket
        .get_object("page.txt")
        .header("Origin", "https://other.example")
        .await
        .unwrap();
    assert_eq!(got.meta.header("vary"), Some("Origin"));
}

#[test]
fn the_blocking_facade_has_the_same_calls() {
    let (_rt, server) = server_on_own_runtime();
    let bucket = osskit::blocking::Bucket::builder(
        Signer::V4.auth(),
        &server.endpoint(),
        &common::bucket_name("corsb"),
    )
    .region(common::REGION)
    .build()
    .unwrap();
    bucket.create_bucket().send().unwrap();
    bucket.put_bucket_cors(rules()).send().unwrap();
    assert_eq!(bucket.get_bucket_cors().send().unwrap().config, {
        let mut c = rules();
        c.response_vary = Some(false);
        c
    });
    bucket.delete_bucket_cors().send().unwrap();
    assert!(bucket.get_bucket_cors().send().unwrap_err().is_not_found());
}
