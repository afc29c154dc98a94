//! ListObjects v1 and v2.

mod common;

use common::*;
use osskit_server::testing::TestServer;

async fn setup(keys: &[&str]) -> (TestServer, Client) {
    let server = TestServer::start().await;
    let c = Client::new(&server.endpoint());
    c.create_bucket("lists").await;
    for k in keys {
        c.put_ok("lists", k, k.as_bytes()).await;
    }
    (server, c)
}

async fn list(c: &Client, params: &[(&str, &str)]) -> String {
    let r = c
        .send("GET", Some("lists"), "", params, &[], Vec::new())
        .await;
    assert_eq!(r.status(), 200);
    r.text().await.unwrap()
}

const KEYS: &[&str] = &["a/1", "a/2", "a/b/3", "b", "c d+e%41", "é/x"];

#[tokio::test]
async fn v1_fields_delimiter_and_paging() {
    let (_s, c) = setup(KEYS).await;
    let doc = list(&c, &[]).await;
    assert!(!doc.contains("xmlns"));
    assert_eq!(tags(&doc, "Key"), KEYS);
    assert_eq!(tag(&doc, "Name"), Some("lists"));
    assert_eq!(tag(&doc, "MaxKeys"), Some("100"));
    assert_eq!(tag(&doc, "IsTruncated"), Some("false"));
    assert_eq!(tag(&doc, "Type"), Some("Normal"));
    assert_eq!(tag(&doc, "Size"), Some("3"));
    assert_eq!(tag(&doc, "StorageClass"), Some("Standard"));
    assert!(tag(&doc, "ETag").unwrap().starts_with('"'));
    assert!(tag(&doc, "LastModified").unwrap().ends_with(".000Z"));
    assert!(tag(&doc, "Owner").is_some());

    let doc = list(&c, &[("delimiter", "/")]).await;
    assert_eq!(tags(&doc, "Key"), ["b", "c d+e%41"]);
    assert_eq!(tags(&doc, "Prefix")[1..], ["a/", "é/"]);
    let doc = list(&c, &[("delimiter", "/"), ("prefix", "a/")]).await;
    assert_eq!(tags(&doc, "Key"), ["a/1", "a/2"]);
    assert_eq!(tags(&doc, "Prefix"), ["a/", "a/b/"]);

    // Paging with max-keys 2 visits every key once, in order.
    let mut seen = Vec::new();
    let mut marker = String::new();
    loop {
        let doc = list(&c, &[("max-keys", "2"), ("marker", &marker)]).await;
        seen.extend(tags(&doc, "Key"));
        if tag(&doc, "IsTruncated") == Some("false") {
            assert_eq!(tag(&doc, "NextMarker"), None);
            break;
        }
        marker = tag(&doc, "NextMarker")
            .expect("NextMarker when truncated")
            .to_string();
    }
    assert_eq!(seen, KEYS);
    // Folded prefixes count toward max-keys and can be the next marker.
    let doc = list(&c, &[("delimiter", "/"), ("max-keys", "1")]).await;
    assert_eq!(tag(&doc, "NextMarker"), Some("a/"));
    let doc = list(
        &c,
        &[("delimiter", "/"), ("max-keys", "1"), ("marker", "a/")],
    )
    .await;
    assert_eq!(tags(&doc, "Key"), ["b"]);

    for bad in ["0", "1001", "abc"] {
        let r = c
            .send(
                "GET",
                Some("lists"),
                "",
                &[("max-keys", bad)],
                &[],
                Vec::new(),
            )
            .await;
        expect_error(r, 400, "InvalidArgument").await;
    }
    let r = c
        .send("GET", Some("nobucket-lists"), "", &[], &[], Vec::new())
        .await;
    expect_error(r, 404, "NoSuchBucket").await;
}

#[tokio::test]
async fn url_encoding_type() {
    let (_s, c) = setup(KEYS).await;
    let doc = list(&c, &[("encoding-type", "url"), ("prefix", "c d")]).await;
    assert_eq!(tag(&doc, "EncodingType"), Some("url"));
    let key = tag(&doc, "Key").unwrap();
    assert_eq!(osskit_proto::encoding::unquote(key), "c d+e%41");
    assert!(!key.contains(' ') && !key.contains('+'), "{key}");
    assert_eq!(
        osskit_proto::encoding::unquote(tag(&doc, "Prefix").unwrap()),
        "c d"
    );
}

#[tokio::test]
async fn v2_tokens_start_after_and_owner() {
    let (_s, c) = setup(KEYS).await;
    let doc = list(&c, &[("list-type", "2")]).await;
    assert_eq!(tags(&doc, "Key"), KEYS);
    assert_eq!(tag(&doc, "KeyCount"), Some("6"));
    assert!(tag(&doc, "Owner").is_none());
    let doc = list(
        &c,
        &[
            ("list-type", "2"),
            ("fetch-owner", "true"),
            ("max-keys", "1"),
        ],
    )
    .await;
    assert!(tag(&doc, "Owner").is_some());

    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut params = vec![("list-type", "2"), ("max-keys", "2"), ("delimiter", "/")];
        if let Some(t) = &token {
            params.push(("continuation-token", t.as_str()));
        }
        let doc = list(&c, &params).await;
        if let Some(t) = &token {
            assert_eq!(tag(&doc, "ContinuationToken"), Some(t.as_str()));
        }
        let keys = tags(&doc, "Key");
        let prefixes: Vec<String> = tags(&doc, "Prefix")
            .into_iter()
            .filter(|p| !p.is_empty())
            .collect();
        assert_eq!(
            tag(&doc, "KeyCount").unwrap(),
            (keys.len() + prefixes.len()).to_string()
        );
        seen.extend(keys);
        seen.extend(prefixes);
        if tag(&doc, "IsTruncated") == Some("false") {
            assert_eq!(tag(&doc, "NextContinuationToken"), None);
            break;
        }
        token = Some(
            tag(&doc, "NextContinuationToken")
                .expect("token when truncated")
                .to_string(),
        );
    }
    seen.sort();
    assert_eq!(seen, ["a/", "b", "c d+e%41", "é/"]);

    let doc = list(&c, &[("list-type", "2"), ("start-after", "b")]).await;
    assert_eq!(tags(&doc, "Key"), ["c d+e%41", "é/x"]);
    assert_eq!(tag(&doc, "StartAfter"), Some("b"));
    let r = c
        .send(
            "GET",
            Some("lists"),
            "",
            &[("list-type", "2"), ("continuation-token", "not a token")],
            &[],
            Vec::new(),
        )
        .await;
    expect_error(r, 400, "InvalidArgument").await;
    let r = c
        .send(
            "GET",
            Some("lists"),
            "",
            &[("list-type", "2"), ("max-keys", "1001")],
            &[],
            Vec::new(),
        )
        .await;
    expect_error(r, 400, "InvalidArgument").await;
}
