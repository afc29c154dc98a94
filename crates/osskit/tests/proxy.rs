//! Proxies, TLS roots and one's own HTTP client, with a forward proxy started by the test on
//! 127.0.0.1 in front of the local server: the traffic goes through the proxy (plain HTTP
//! in absolute form, HTTPS with `CONNECT`), Basic authentication is sent, exclusions are
//! honoured, and a private CA can be trusted.

#[path = "support/net.rs"]
mod net;

mod common;

use std::time::Duration;

use common::{bucket_name, Signer, REGION};
use net::{start_proxy, start_tls_front, CA_PEM};
use osskit::{Bucket, ErrorKind, Session};
use osskit_server::testing::TestServer;

/// A bucket client over `session` at `endpoint`, after creating the bucket.
async fn use_bucket(session: &Session, endpoint: &str) -> osskit::Result<Bucket> {
    let b = Bucket::builder(Signer::V4.auth(), endpoint, &bucket_name("proxy"))
        .region(REGION)
        .session(session.clone())
        .retry(osskit::RetryPolicy::none())
        .build()?;
    b.create_bucket().await?;
    b.put_object("k", "through").await?;
    let got = b.get_object("k").await?;
    assert_eq!(got.body.collect_bytes().await?, "through");
    Ok(b)
}

#[tokio::test]
async fn an_explicit_proxy_carries_every_request() {
    let server = TestServer::start().await;
    let proxy = start_proxy(None).await;
    let session = Session::builder().proxy(proxy.url()).build().unwrap();
    let b = use_bucket(&session, &server.endpoint()).await.unwrap();
    let seen = proxy.seen();
    let expected = format!("PUT {}/{}", server.endpoint(), b.name());
    assert!(
        seen.iter().any(|l| l.starts_with(&expected)),
        "{expected:?} not in {seen:?}"
    );
    assert!(
        seen.iter().all(|l| l.contains(&server.endpoint())),
        "{seen:?}"
    );
}

#[tokio::test]
async fn proxy_basic_authentication() {
    let server = TestServer::start().await;
    let proxy = start_proxy(Some(("alice", "pa:ss"))).await;
    // Without credentials the proxy refuses.
    let session = Session::builder().proxy(proxy.url()).build().unwrap();
    let e = use_bucket(&session, &server.endpoint()).await.unwrap_err();
    assert_eq!(e.status(), Some(407), "{e}");
    // With them, in the builder or in the URL, it relays.
    let session = Session::builder()
        .proxy(proxy.url())
        .proxy_auth("alice", "pa:ss")
        .build()
        .unwrap();
    use_bucket(&session, &server.endpoint()).await.unwrap();
    let in_url = format!("http://alice:pa%3Ass@{}", proxy.addr);
    let session = Session::builder().proxy(in_url).build().unwrap();
    use_bucket(&session, &server.endpoint()).await.unwrap();
    // The password stays out of debug output.
    let shown = format!(
        "{:?}",
        Session::builder().proxy("http://alice:secret@proxy:1")
    );
    assert!(!shown.contains("secret"), "{shown}");
}

#[tokio::test]
async fn excluded_hosts_bypass_the_proxy() {
    let server = TestServer::start().await;
    let proxy = start_proxy(None).await;
    let session = Session::builder()
        .proxy(proxy.url())
        .no_proxy("example.com, 127.0.0.1")
        .build()
        .unwrap();
    use_bucket(&session, &server.endpoint()).await.unwrap();
    assert!(proxy.seen().is_empty(), "{:?}", proxy.seen());
}

#[tokio::test]
async fn https_through_a_tunnel_to_an_endpoint_with_a_private_ca() {
    let server = TestServer::start().await;
    let (front, _front_task) = start_tls_front(server.server.local_addr()).await;
    let endpoint = format!("https://localhost:{}", front.port());

    // The private CA is not trusted by default.
    let session = Session::builder().build().unwrap();
    let e = use_bucket(&session, &endpoint).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Network, "{e}");
    assert!(
        format!("{e:?}")
            .to_ascii_lowercase()
            .contains("certificate"),
        "{e:?}"
    );

    // Trusted once added, with or without the built-in roots.
    let session = Session::builder()
        .add_root_certificate(CA_PEM)
        .build()
        .unwrap();
    use_bucket(&session, &endpoint).await.unwrap();
    let session = Session::builder()
        .add_root_certificate(CA_PEM.to_vec())
        .built_in_roots(false)
        .build()
        .unwrap();
    use_bucket(&session, &endpoint).await.unwrap();

    // And through a proxy: a CONNECT tunnel.
    let proxy = start_proxy(Some(("u", "p"))).await;
    let session = Session::builder()
        .add_root_certificate(CA_PEM)
        .proxy(proxy.url())
        .proxy_auth("u", "p")
        .build()
        .unwrap();
    use_bucket(&session, &endpoint).await.unwrap();
    let seen = proxy.seen();
    let connect = format!("CONNECT localhost:{} ", front.port());
    assert!(
        seen.iter().all(|l| l.starts_with(&connect)) && !seen.is_empty(),
        "{seen:?}"
    );

    // A malformed certificate is refused when the session is built.
    let e = Session::builder()
        .add_root_certificate(
            b"-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n".to_vec(),
        )
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("root certificate 1"), "{e}");
}

#[tokio::test]
async fn ones_own_http_client_and_customized_clients() {
    let server = TestServer::start().await;
    let proxy = start_proxy(None).await;
    // A reqwest client configured elsewhere (here: with the proxy).
    let client = reqwest::Client::builder()
        .proxy(reqwest::Proxy::all(proxy.url()).unwrap())
        .build()
        .unwrap();
    let session = Session::builder().http_client(client).build().unwrap();
    use_bucket(&session, &server.endpoint()).await.unwrap();
    assert!(!proxy.seen().is_empty());

    // A change applied to every client the session makes: a name resolved to the server.
    let addr = server.server.local_addr();
    let session = Session::builder()
        .env_proxy(false)
        .customize_http(move |b| b.resolve("oss.test", addr))
        .connect_timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let endpoint = format!("http://oss.test:{}", addr.port());
    let b = Bucket::builder(Signer::V1.auth(), &endpoint, &bucket_name("custom"))
        .session(session.clone())
        .path_style(true)
        .build()
        .unwrap();
    b.create_bucket().await.unwrap();
    b.put_object("k", "resolved").await.unwrap();
}

#[test]
fn blocking_clients_use_the_sessions_proxy() {
    let (rt, server) = common::server_on_own_runtime();
    let proxy = rt.block_on(start_proxy(None));
    let session = Session::builder().proxy(proxy.url()).build().unwrap();
    let b = osskit::blocking::Bucket::builder(
        Signer::V1.auth(),
        &server.endpoint(),
        &bucket_name("bproxy"),
    )
    .session(session)
    .build()
    .unwrap();
    b.create_bucket().send().unwrap();
    b.put_object("k", "v").send().unwrap();
    assert!(
        proxy.seen().iter().any(|l| l.starts_with("PUT ")),
        "{:?}",
        proxy.seen()
    );
    drop(proxy);
    drop(rt);
}

/// A multipart completion whose answer is lost is not sent again (it is not idempotent);
/// the transfer manager finds out that it was carried out (the upload is gone, the object
/// has the parts' size and CRC-64) instead of failing.
#[tokio::test]
async fn a_completion_whose_answer_is_lost_is_found_carried_out() {
    fn completion(line: &str) -> bool {
        line.starts_with("POST ") && line.contains("uploadId=")
    }
    let server = TestServer::start().await;
    let proxy = net::start_proxy_with(None, Some(completion)).await;
    let session = Session::builder()
        .proxy(proxy.url())
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let b = Bucket::builder(Signer::V1.auth(), &server.endpoint(), &bucket_name("lost"))
        .session(session)
        .build()
        .unwrap();
    b.create_bucket().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.bin");
    let content: Vec<u8> = (0..350 * 1024u32).map(|i| (i % 253) as u8).collect();
    std::fs::write(&path, &content).unwrap();
    let out = b
        .resumable_upload("big.bin", &path)
        .multipart_threshold(100 * 1024)
        .part_size(100 * 1024)
        .checkpoint_dir(dir.path().join("cp"))
        .await
        .unwrap();
    let completions = proxy.seen().iter().filter(|l| completion(l)).count();
    assert_eq!(completions, 1, "{:?}", proxy.seen());
    assert!(out.crc64.is_some());
    let got = b.get_object("big.bin").await.unwrap();
    assert_eq!(got.body.collect_bytes().await.unwrap(), content);

    // A plain completion call reports the lost answer.
    let up = b.init_multipart_upload("raw.bin").await.unwrap();
    let part = b
        .upload_part("raw.bin", &up.upload_id, 1, "only part")
        .await
        .unwrap();
    let e = b
        .complete_multipart_upload(
            "raw.bin",
            &up.upload_id,
            vec![osskit::PartInfo::new(1, part.etag)],
        )
        .await
        .unwrap_err();
    assert!(matches!(e, osskit::Error::Request { .. }), "{e}");
}
