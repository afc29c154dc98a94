//! Custom domains and image styles through the SDK against the local server: CNAME tokens,
//! attaching domains (ownership from the server's verified domains), certificates with their
//! fingerprint and validity, listing and detaching; styles stored, listed, replaced, deleted.

mod common;

use common::{bucket, bucket_name, new_bucket, server, Signer};
use osskit::proto::xml::cname::{BucketCnameConfiguration, CertificateConfiguration};
use osskit_server::testing::TestServer;
use osskit_server::{Server, ServerConfig};

async fn server_with(configure: impl FnOnce(&mut ServerConfig)) -> TestServer {
    let dir = tempfile::tempdir().unwrap();
    let mut config = TestServer::config(dir.path());
    configure(&mut config);
    let server = Server::start(config).await.unwrap();
    TestServer { server, dir }
}

// A self-signed certificate (valid 2018-09-29 to 2028-09-26) and its key, as in oss2's
// CNAME test.
const CERT: &str = "-----BEGIN CERTIFICATE-----
MIIDWzCCAkOgAwIBAgIUV4spou0CenmvKqa7Hml/MC+JKiAwDQYJKoZIhvcNAQEL
BQAwPTELMAkGA1UEBhMCVVMxEzARBgNVBAgMCkNhbGlmb3JuaWExGTAXBgNVBAoM
EFRvcm5hZG8gV2ViIFRlc3QwHhcNMTgwOTI5MTM1NjQ1WhcNMjgwOTI2MTM1NjQ1
WjA9MQswCQYDVQQGEwJVUzETMBEGA1UECAwKQ2FsaWZvcm5pYTEZMBcGA1UECgwQ
VG9ybmFkbyBXZWIgVGVzdDCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEB
AKT0LdyI8tW5uwP3ahE8BFSz+j3SsKBDv/0cKvqxVVE6sLEST2s3HjArZvIIG5sb
iBkWDrqnZ6UKDvB4jlobLGAkepxDbrxHWxK53n0C28XXGLqJQ01TlTZ5rpjttMeg
5SKNjHbxpOvpUwwQS4br4WjZKKyTGiXpFkFUty+tYVU35/U2yyvreWHmzpHx/25t
H7O2RBARVwJYKOGPtlH62lQjpIWfVfklY4Ip8Hjl3B6rBxPyBULmVQw0qgoZn648
oa4oLjs0wnYBz01gVjNMDHej52SsB/ieH7W1TxFMzqOlcvHh41uFbQJPgcXsruSS
9Z4twzSWkUp2vk/C//4Sz38CAwEAAaNTMFEwHQYDVR0OBBYEFLf8fQ5+u8sDWAd3
r5ZjZ5MmDWJeMB8GA1UdIwQYMBaAFLf8fQ5+u8sDWAd3r5ZjZ5MmDWJeMA8GA1Ud
EwEB/wQFMAMBAf8wDQYJKoZIhvcNAQELBQADggEBADkkm3pIb9IeqVNmQ2uhQOgw
UwyToTYUHNTb/Nm5lzBTBqC8gbXAS24RQ30AB/7G115Uxeo+YMKfITxm/CgR+vhF
F59/YrzwXj+G8bdbuVl/UbB6f9RSp+Zo93rUZAtPWr77gxLUrcwSRzzDwxFjC2nC
6eigbkvt1OQY775RwnFAt7HKPclE0Out+cGJIboJuO1f3r57ZdyFH0GzbZEff/7K
atGXohijWJjYvU4mk0KFHORZrcBpsv9cfkFbmgVmiRwxRJ1tLauHM3Ne+VfqYE5M
4rTStSyz3ASqVKJ2iFMQueNR/tUOuDlfRt+0nhJMuYSSkW+KTgnwyOGU9cv+mxA=
-----END CERTIFICATE-----";
const KEY: &str =
    "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----";

#[tokio::test]
async fn tokens_are_created_and_read_back() {
    let server = server().await;
    for signer in [Signer::V1, Signer::V4] {
        let b = new_bucket(&server, signer, "token").await;
        let e = b
            .get_bucket_cname_token("www.example.com")
            .await
            .unwrap_err();
        assert_eq!(e.code(), Some("NoSuchCnameToken"));
        let created = b
            .create_bucket_cname_token("www.example.com")
            .await
            .unwrap();
        assert_eq!(created.config.bucket, b.name());
        assert_eq!(created.config.cname, "www.example.com");
        assert_eq!(created.config.token.len(), 32);
        let expires = osskit::utils::http_to_unixtime(&created.config.expire_time).unwrap();
        let now = osskit::utils::http_to_unixtime(
            created.meta.headers.get("date").unwrap().to_str().unwrap(),
        )
        .unwrap();
        assert!((expires - now - 72 * 3600).abs() <= 2);
        let got = b.get_bucket_cname_token("WWW.example.com").await.unwrap();
        assert_eq!(got.config, created.config);

        let e = b
            .create_bucket_cname_token("not a domain")
            .await
            .unwrap_err();
        assert_eq!(e.code(), Some("InvalidArgument"));
        let gone = bucket(&server, signer, &bucket_name("none"));
        let e = gone
            .create_bucket_cname_token("www.example.com")
            .await
            .unwrap_err();
        assert_eq!(e.code(), Some("NoSuchBucket"));
    }
}

#[tokio::test]
async fn only_verified_domains_attach_and_certificates_are_described() {
    let server = server_with(|c| {
        c.account.verified_domains = vec!["static.example.com".into(), "cdn.example.com".into()]
    })
    .await;
    let b = new_bucket(&server, Signer::V4, "cname").await;
    assert!(b
        .list_bucket_cname()
        .await
        .unwrap()
        .config
        .cnames
        .is_empty());

    let e = b
        .put_bucket_cname(BucketCnameConfiguration::new("www.example.com"))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("NeedVerifyDomainOwnership"));
    assert_eq!(e.status(), Some(403));
    assert_eq!(e.ec(), Some("0018-00000115"));

    // A verified domain with an uploaded certificate.
    b.put_bucket_cname(
        BucketCnameConfiguration::new("static.example.com").certificate(
            CertificateConfiguration::new()
                .cert_id("493-cn-hangzhou")
                .certificate(CERT, KEY)
                .force(true),
        ),
    )
    .await
    .unwrap();
    // One with a certificate from the certificate service (id only).
    b.put_bucket_cname(
        "<BucketCnameConfiguration><Cname><Domain>cdn.example.com</Domain><CertificateConfiguration>\
         <CertId>777-cn-hangzhou</CertId><Force>True</Force></CertificateConfiguration></Cname>\
         </BucketCnameConfiguration>",
    )
    .await
    .unwrap();
    let list = b.list_bucket_cname().await.unwrap().config;
    assert_eq!(list.bucket, b.name());
    assert_eq!(list.cnames.len(), 2);
    let stat = &list.cnames[0];
    assert_eq!(stat.domain, "static.example.com");
    assert_eq!(stat.status, "Enabled");
    let cert = stat.certificate.as_ref().unwrap();
    assert_eq!(cert.cert_type, "Upload");
    assert_eq!(cert.cert_id, "493-cn-hangzhou");
    assert_eq!(cert.valid_start_date, "Sat, 29 Sep 2018 13:56:45 GMT");
    assert_eq!(cert.valid_end_date, "Tue, 26 Sep 2028 13:56:45 GMT");
    assert_eq!(cert.fingerprint.split(':').count(), 20);
    assert_eq!(
        list.cnames[1].certificate.as_ref().unwrap().cert_type,
        "CAS"
    );

    // Replacing a certificate names the one it replaces, unless forced.
    let e = b
        .put_bucket_cname(
            BucketCnameConfiguration::new("static.example.com").certificate(
                CertificateConfiguration::new()
                    .cert_id("494-cn-hangzhou")
                    .certificate(CERT, KEY)
                    .previous_cert_id("not-the-current-one"),
            ),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("InvalidArgument"));
    // A certificate that is not one.
    let e = b
        .put_bucket_cname(
            BucketCnameConfiguration::new("static.example.com").certificate(
                CertificateConfiguration::new().certificate(
                    "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----",
                    KEY,
                ),
            ),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("InvalidArgument"));
    // Removing it.
    b.put_bucket_cname(
        BucketCnameConfiguration::new("static.example.com")
            .certificate(CertificateConfiguration::new().delete_certificate(true)),
    )
    .await
    .unwrap();
    let list = b.list_bucket_cname().await.unwrap().config;
    assert!(list.cnames[0].certificate.is_none());
    assert_eq!(
        list.cnames[1].certificate.as_ref().unwrap().cert_id,
        "777-cn-hangzhou"
    );

    // A domain belongs to one bucket.
    let other = new_bucket(&server, Signer::V4, "cname2").await;
    let e = other
        .put_bucket_cname(BucketCnameConfiguration::new("static.example.com"))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("InvalidArgument"));

    b.delete_bucket_cname("static.example.com").await.unwrap();
    b.delete_bucket_cname("never-attached.example.com")
        .await
        .unwrap();
    let list = b.list_bucket_cname().await.unwrap().config;
    assert_eq!(list.cnames.len(), 1);
    // Now the other bucket may have it.
    other
        .put_bucket_cname(BucketCnameConfiguration::new("static.example.com"))
        .await
        .unwrap();
}

#[tokio::test]
async fn styles_are_stored_listed_and_deleted() {
    let server = server().await;
    let b = new_bucket(&server, Signer::V4, "style").await;
    assert_eq!(
        b.get_bucket_style("imagestyle").await.unwrap_err().code(),
        Some("NoSuchStyle")
    );
    b.put_bucket_style("imagestyle1", "image/resize,w_300")
        .await
        .unwrap();
    b.put_bucket_style("imagestyle", "image/resize,w_200")
        .await
        .unwrap();
    let got = b.get_bucket_style("imagestyle").await.unwrap().config;
    assert_eq!(
        (got.name.as_str(), got.content.as_str()),
        ("imagestyle", "image/resize,w_200")
    );
    assert_eq!(got.category.as_deref(), Some("image"));
    assert!(osskit::utils::http_to_unixtime(&got.create_time).is_ok());

    let list = b.list_bucket_style().await.unwrap().config;
    let names: Vec<_> = list.styles.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["imagestyle", "imagestyle1"]);

    // Replacing keeps the creation time.
    b.put_bucket_style("imagestyle", "image/resize,w_250")
        .category("document")
        .await
        .unwrap();
    let again = b.get_bucket_style("imagestyle").await.unwrap().config;
    assert_eq!(again.content, "image/resize,w_250");
    assert_eq!(again.category.as_deref(), Some("document"));
    assert_eq!(again.create_time, got.create_time);

    let e = b.put_bucket_style("imagestyle", "").await.unwrap_err();
    assert_eq!(e.code(), Some("InvalidArgument"));
    assert_eq!(e.as_server().unwrap().message, "Style content is invalid.");
    let e = b
        .put_bucket_style("@%$^&%(&(*(*", "image/resize,w_200")
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("InvalidArgument"));
    let e = b
        .put_bucket_style("x", "image/resize,w_1")
        .category("sound")
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("InvalidArgument"));
    assert_eq!(b.list_bucket_style().await.unwrap().config.styles.len(), 2);

    assert_eq!(
        b.delete_bucket_style("imagestyle").await.unwrap().status(),
        204
    );
    assert_eq!(
        b.delete_bucket_style("imagestyle").await.unwrap().status(),
        204
    );
    let list = b.list_bucket_style().await.unwrap().config;
    assert_eq!(list.styles.len(), 1);
    // Applying a style needs image processing.
    b.put_object("pic.jpg", "not a picture").await.unwrap();
    let e = b
        .get_object("pic.jpg")
        .param("x-oss-process", "style/imagestyle1")
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("NotImplemented"));
}

#[tokio::test]
async fn requests_to_an_attached_domain_reach_its_bucket() {
    let server =
        server_with(|c| c.account.verified_domains = vec!["files.example.com".into()]).await;
    let b = new_bucket(&server, Signer::V4, "host").await;
    b.put_bucket_acl(osskit::BucketAcl::PublicRead)
        .await
        .unwrap();
    b.put_object("dir/a b.txt", "served under the domain")
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let get = |host: &'static str, path: &'static str| {
        http.get(format!("{}{path}", server.endpoint()))
            .header("host", host)
            .send()
    };
    // Before the domain is attached, the path names the bucket.
    let before = get("files.example.com", "/dir/a%20b.txt").await.unwrap();
    assert_eq!(before.status(), 404);

    b.put_bucket_cname(BucketCnameConfiguration::new("files.example.com"))
        .await
        .unwrap();
    let served = get("Files.Example.com:80", "/dir/a%20b.txt").await.unwrap();
    assert_eq!(served.status(), 200);
    assert_eq!(served.text().await.unwrap(), "served under the domain");

    // Detached: no longer.
    b.delete_bucket_cname("files.example.com").await.unwrap();
    let after = get("files.example.com", "/dir/a%20b.txt").await.unwrap();
    assert_eq!(after.status(), 404);
}
