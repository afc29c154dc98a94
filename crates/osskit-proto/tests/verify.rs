//! Server-side verification: everything the signers produce verifies, and each kind of
//! tampering, expiry, skew, region or token problem is rejected with its own error.

use osskit_proto::encoding::{parse_query, presign_query};
use osskit_proto::error_code::ErrorCode;
use osskit_proto::sign::verify::{parse, verify, Authentication, VerifyError, MAX_SKEW_SECS};
use osskit_proto::sign::{
    presign, sign_headers, Credentials, SignableRequest, SigningContext, SigningVersion,
};

const NOW: i64 = 1_700_000_000;
const REGION: &str = "cn-hangzhou";

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A request as the server sees it: decoded params, all headers.
#[derive(Clone)]
struct Incoming {
    method: &'static str,
    bucket: Option<&'static str>,
    key: Option<&'static str>,
    params: Vec<(String, String)>,
    headers: Vec<(String, String)>,
}

impl Incoming {
    fn new(method: &'static str, bucket: Option<&'static str>, key: Option<&'static str>) -> Self {
        Incoming {
            method,
            bucket,
            key,
            params: Vec::new(),
            headers: Vec::new(),
        }
    }

    fn params(mut self, p: &[(&str, &str)]) -> Self {
        self.params = pairs(p);
        self
    }

    fn headers(mut self, h: &[(&str, &str)]) -> Self {
        self.headers = pairs(h);
        self
    }

    fn req(&self) -> SignableRequest<'_> {
        SignableRequest {
            method: self.method,
            bucket: self.bucket,
            key: self.key,
            params: &self.params,
            headers: &self.headers,
        }
    }

    fn set_header(&mut self, name: &str, value: &str) {
        self.headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
        self.headers.push((name.to_string(), value.to_string()));
    }

    fn set_param(&mut self, name: &str, value: &str) {
        match self.params.iter_mut().find(|(k, _)| k == name) {
            Some(p) => p.1 = value.to_string(),
            None => self.params.push((name.to_string(), value.to_string())),
        }
    }

    /// Signs with headers, the way the SDK sends it.
    fn sign(mut self, ctx: &SigningContext<'_>) -> Self {
        let added = sign_headers(&self.req(), ctx).unwrap();
        for (k, v) in added {
            self.set_header(&k, &v);
        }
        self
    }

    /// Presigns, then decodes the query from its wire form, the way the server reads it.
    fn presign(mut self, ctx: &SigningContext<'_>, expires_in: u64) -> Self {
        let added = presign(&self.req(), ctx, expires_in).unwrap();
        let mut all = self.params.clone();
        all.extend(added);
        self.params = parse_query(&presign_query(&all));
        self
    }

    fn check(
        &self,
        secret: &str,
        token: Option<&str>,
        now: i64,
        region: &str,
    ) -> Result<(), VerifyError> {
        let auth = parse(&self.req())?;
        verify(&self.req(), &auth, secret, token, now, region)
    }
}

fn requests() -> Vec<Incoming> {
    vec![
        Incoming::new("GET", Some("bucket"), Some("plain.txt")),
        Incoming::new("PUT", Some("bucket"), Some("中文/目录/a b+c%d~*.txt")).headers(&[
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-MD5", "XUFAKrxLKna5cZ2REBfFkg=="),
            ("X-OSS-Meta-Author", "Ålice"),
            ("x-oss-meta-empty", ""),
        ]),
        Incoming::new("GET", Some("bucket"), Some("")).params(&[
            ("acl", ""),
            ("prefix", "dir/sub dir/"),
            ("marker", ""),
            ("max-keys", "10"),
        ]),
        Incoming::new("POST", Some("bucket"), Some("dir/?weird=key&x")).params(&[
            ("uploadId", "abc+/="),
            ("partNumber", "2"),
            (
                "response-content-disposition",
                "attachment; filename=\"é.txt\"",
            ),
        ]),
        Incoming::new("GET", None, None).params(&[("prefix", ""), ("max-keys", "100")]),
    ]
}

fn creds_sets() -> Vec<Credentials> {
    vec![
        Credentials::new("ak", "sk"),
        Credentials::with_token("STS.ak", "sk", "tok+/=en"),
    ]
}

fn contexts(creds: &Credentials) -> Vec<SigningContext<'_>> {
    vec![
        SigningContext::v1(creds, NOW),
        SigningContext::v2(creds, NOW),
        SigningContext::v4(creds, NOW, REGION),
    ]
}

#[test]
fn header_signatures_round_trip() {
    for creds in creds_sets() {
        let token = creds.security_token.as_deref();
        for ctx in contexts(&creds) {
            for r in requests() {
                let signed = r.sign(&ctx);
                let auth = parse(&signed.req()).unwrap();
                assert_eq!(auth.access_key_id(), Some(creds.access_key_id.as_str()));
                match ctx.version {
                    SigningVersion::V1 => assert!(matches!(auth, Authentication::V1Header { .. })),
                    SigningVersion::V2 => assert!(matches!(auth, Authentication::V2Header { .. })),
                    SigningVersion::V4 => assert!(matches!(auth, Authentication::V4Header { .. })),
                }
                assert_eq!(
                    signed.check("sk", token, NOW + 60, REGION),
                    Ok(()),
                    "{:?}",
                    signed.key
                );
                assert_eq!(signed.check("sk", token, NOW - 60, REGION), Ok(()));
            }
        }
    }
}

#[test]
fn presigned_urls_round_trip() {
    for creds in creds_sets() {
        let token = creds.security_token.as_deref();
        for ctx in contexts(&creds) {
            for r in requests() {
                let signed = r.presign(&ctx, 600);
                let auth = parse(&signed.req()).unwrap();
                assert_eq!(auth.access_key_id(), Some(creds.access_key_id.as_str()));
                match ctx.version {
                    SigningVersion::V1 => assert!(matches!(
                        auth,
                        Authentication::V1Query {
                            expires: 1_700_000_600,
                            ..
                        }
                    )),
                    SigningVersion::V2 => assert!(matches!(
                        auth,
                        Authentication::V2Query {
                            expires: 1_700_000_600,
                            ..
                        }
                    )),
                    SigningVersion::V4 => {
                        assert!(matches!(
                            auth,
                            Authentication::V4Query {
                                time: NOW,
                                expires_in: 600,
                                ..
                            }
                        ))
                    }
                }
                // Presigned URLs have no skew limit, only their expiry; a V4 URL also must
                // not be dated more than 15 minutes ahead of the server (as OSS).
                assert_eq!(
                    signed.check("sk", token, NOW + 600, REGION),
                    Ok(()),
                    "{:?}",
                    signed.key
                );
                assert_eq!(signed.check("sk", token, NOW - 900, REGION), Ok(()));
                match ctx.version {
                    SigningVersion::V1 | SigningVersion::V2 => {
                        assert_eq!(signed.check("sk", token, NOW - 3600, REGION), Ok(()))
                    }
                    SigningVersion::V4 => assert_eq!(
                        signed.check("sk", token, NOW - 901, REGION),
                        Err(VerifyError::NotYetValid)
                    ),
                }
                assert_eq!(
                    signed.check("sk", token, NOW + 601, REGION),
                    Err(VerifyError::Expired)
                );
            }
        }
    }
}

#[test]
fn v4_presign_with_additional_headers_round_trips_and_binds_them() {
    let creds = Credentials::new("ak", "sk");
    let mut ctx = SigningContext::v4(&creds, NOW, REGION);
    ctx.additional_headers = &["x-custom", "host"];
    let r = Incoming::new("PUT", Some("bucket"), Some("k")).headers(&[
        ("Host", "bucket.oss-cn-hangzhou.aliyuncs.com"),
        ("X-Custom", "1"),
        ("Content-Type", "image/png"),
    ]);
    let signed = r.presign(&ctx, 60);
    let auth = parse(&signed.req()).unwrap();
    match &auth {
        Authentication::V4Query {
            additional_headers, ..
        } => assert_eq!(additional_headers, &["host", "x-custom"]),
        other => panic!("{other:?}"),
    }
    assert_eq!(signed.check("sk", None, NOW, REGION), Ok(()));
    for (name, value) in [
        ("X-Custom", "2"),
        ("Content-Type", "text/plain"),
        ("Host", "evil.example.com"),
    ] {
        let mut tampered = signed.clone();
        tampered.set_header(name, value);
        assert!(
            matches!(
                tampered.check("sk", None, NOW, REGION),
                Err(VerifyError::SignatureMismatch { .. })
            ),
            "{name}"
        );
    }
}

#[test]
fn v4_header_additional_headers_round_trip() {
    let creds = Credentials::new("ak", "sk");
    let mut ctx = SigningContext::v4(&creds, NOW, REGION);
    ctx.additional_headers = &["range", "host"];
    let r = Incoming::new("GET", Some("bucket"), Some("k"))
        .headers(&[("Range", "bytes=0-9"), ("Host", "h")]);
    let signed = r.sign(&ctx);
    assert_eq!(signed.check("sk", None, NOW, REGION), Ok(()));
    let mut tampered = signed.clone();
    tampered.set_header("Range", "bytes=0-99");
    assert!(matches!(
        tampered.check("sk", None, NOW, REGION),
        Err(VerifyError::SignatureMismatch { .. })
    ));
}

#[test]
fn wrong_secret_is_a_signature_mismatch_with_the_string_to_sign() {
    let creds = Credentials::new("ak", "sk");
    for ctx in contexts(&creds) {
        let signed = requests()[1].clone().sign(&ctx);
        match signed.check("other", None, NOW, REGION) {
            Err(e @ VerifyError::SignatureMismatch { .. }) => {
                assert_eq!(e.code(), ErrorCode::SignatureDoesNotMatch);
                let VerifyError::SignatureMismatch { string_to_sign } = e else {
                    unreachable!()
                };
                match ctx.version {
                    SigningVersion::V1 | SigningVersion::V2 => {
                        assert!(string_to_sign.starts_with("PUT\nXUFAKrxLKna5cZ2REBfFkg==\n"))
                    }
                    SigningVersion::V4 => {
                        assert!(string_to_sign.starts_with("OSS4-HMAC-SHA256\n20231114T221320Z\n"))
                    }
                }
            }
            other => panic!("{other:?}"),
        }
        let presigned = requests()[1].clone().presign(&ctx, 60);
        assert!(matches!(
            presigned.check("other", None, NOW, REGION),
            Err(VerifyError::SignatureMismatch { .. })
        ));
    }
}

#[test]
fn tampering_is_detected() {
    let creds = Credentials::new("ak", "sk");
    for ctx in contexts(&creds) {
        let base = requests()[1].clone().params(&[("acl", "")]);
        let signed = base.clone().sign(&ctx);
        let mismatch = |r: &Incoming| {
            matches!(
                r.check("sk", None, NOW, REGION),
                Err(VerifyError::SignatureMismatch { .. })
            )
        };

        let mut t = signed.clone();
        t.set_header("x-oss-meta-author", "mallory");
        assert!(mismatch(&t), "tampered x-oss header");
        let mut t = signed.clone();
        t.set_header("x-oss-meta-new", "added");
        assert!(mismatch(&t), "added x-oss header");
        let mut t = signed.clone();
        t.set_header("Content-Type", "text/html");
        assert!(mismatch(&t), "tampered content-type");
        let mut t = signed.clone();
        t.set_param("acl", "x");
        assert!(mismatch(&t), "tampered sub-resource");
        let mut t = signed.clone();
        t.key = Some("other.txt");
        assert!(mismatch(&t), "other key");
        let mut t = signed.clone();
        t.method = "DELETE";
        assert!(mismatch(&t), "other method");

        let presigned = base.clone().presign(&ctx, 60);
        let mut t = presigned.clone();
        t.set_param("acl", "x");
        assert!(mismatch(&t), "tampered presigned param");
        let mut t = presigned.clone();
        t.key = Some("other.txt");
        assert!(mismatch(&t), "presigned other key");
        match ctx.version {
            SigningVersion::V1 => {
                // Extending the expiry invalidates the signature.
                let mut t = presigned.clone();
                t.set_param("Expires", "1700009999");
                assert!(mismatch(&t), "extended V1 expiry");
            }
            SigningVersion::V2 => {
                let mut t = presigned.clone();
                t.set_param("x-oss-expires", "1700009999");
                assert!(mismatch(&t), "extended V2 expiry");
                // V2 signs every parameter, not only sub-resources.
                let mut t = presigned.clone();
                t.set_param("prefix", "x");
                assert!(mismatch(&t), "added V2 parameter");
            }
            SigningVersion::V4 => {
                let mut t = presigned.clone();
                t.set_param("x-oss-expires", "9999");
                assert!(mismatch(&t), "extended V4 expiry");
                // V4 signs every parameter, not only sub-resources.
                let mut t = presigned.clone();
                t.set_param("prefix", "x");
                assert!(mismatch(&t), "added V4 param");
            }
        }
    }
}

#[test]
fn v1_ignores_unsigned_params_but_v4_does_not() {
    let creds = Credentials::new("ak", "sk");
    let r = Incoming::new("GET", Some("bucket"), Some("")).params(&[("prefix", "a")]);
    let mut v1 = r.clone().sign(&SigningContext::v1(&creds, NOW));
    v1.set_param("prefix", "b");
    assert_eq!(v1.check("sk", None, NOW, REGION), Ok(()));
    let mut v4 = r.sign(&SigningContext::v4(&creds, NOW, REGION));
    v4.set_param("prefix", "b");
    assert!(matches!(
        v4.check("sk", None, NOW, REGION),
        Err(VerifyError::SignatureMismatch { .. })
    ));
}

#[test]
fn v4_presigned_urls_last_at_most_seven_days() {
    use osskit_proto::sign::verify::MAX_V4_EXPIRES_SECS;
    let creds = Credentials::new("ak", "sk");
    let req = SignableRequest {
        method: "GET",
        bucket: Some("b"),
        key: Some("k"),
        params: &[],
        headers: &[],
    };
    let ctx = SigningContext::v4(&creds, NOW, REGION);
    for (expires, ok) in [
        (1, true),
        (MAX_V4_EXPIRES_SECS, true),
        (MAX_V4_EXPIRES_SECS + 1, false),
    ] {
        let query = presign(&req, &ctx, expires as u64).unwrap();
        let signed = SignableRequest {
            params: &query,
            ..req
        };
        let auth = parse(&signed).unwrap();
        let got = verify(&signed, &auth, "sk", None, NOW, REGION);
        if ok {
            assert_eq!(got, Ok(()), "{expires}");
        } else {
            assert_eq!(got, Err(VerifyError::ExpiresOutOfRange), "{expires}");
        }
    }
}

#[test]
fn expired_presigned_urls_are_rejected() {
    let creds = Credentials::new("ak", "sk");
    for ctx in contexts(&creds) {
        let signed = requests()[0].clone().presign(&ctx, 60);
        assert_eq!(signed.check("sk", None, NOW + 60, REGION), Ok(()));
        let err = signed.check("sk", None, NOW + 61, REGION).unwrap_err();
        assert_eq!(err, VerifyError::Expired);
        assert_eq!(err.code(), ErrorCode::AccessDenied);
    }
}

#[test]
fn header_signatures_older_or_newer_than_15_minutes_are_skewed() {
    let creds = Credentials::new("ak", "sk");
    for ctx in contexts(&creds) {
        let signed = requests()[0].clone().sign(&ctx);
        assert_eq!(
            signed.check("sk", None, NOW + MAX_SKEW_SECS, REGION),
            Ok(())
        );
        assert_eq!(
            signed.check("sk", None, NOW - MAX_SKEW_SECS, REGION),
            Ok(())
        );
        for now in [
            NOW + MAX_SKEW_SECS + 1,
            NOW - MAX_SKEW_SECS - 1,
            NOW + 86_400,
        ] {
            let err = signed.check("sk", None, now, REGION).unwrap_err();
            assert_eq!(err, VerifyError::TimeTooSkewed);
            assert_eq!(err.code(), ErrorCode::RequestTimeTooSkewed);
        }
    }
}

#[test]
fn v1_x_oss_date_is_the_request_time() {
    let creds = Credentials::new("ak", "sk");
    // ali-oss style: x-oss-date carries the time, Date is far off (or whatever a proxy set).
    let r = Incoming::new("GET", Some("bucket"), Some("k"))
        .headers(&[("x-oss-date", "Tue, 14 Nov 2023 22:13:20 GMT")]);
    let mut signed = r.sign(&SigningContext::v1(&creds, NOW - 100_000));
    assert_eq!(signed.check("sk", None, NOW, REGION), Ok(()));
    signed.set_header("Date", "Mon, 01 Jan 2001 00:00:00 GMT");
    assert_eq!(signed.check("sk", None, NOW, REGION), Ok(()));
}

#[test]
fn missing_or_bad_dates() {
    let creds = Credentials::new("ak", "sk");
    for ctx in contexts(&creds) {
        let signed = requests()[0].clone().sign(&ctx);
        let date_header = match ctx.version {
            SigningVersion::V1 | SigningVersion::V2 => "date",
            SigningVersion::V4 => "x-oss-date",
        };
        let mut t = signed.clone();
        t.headers.retain(|(k, _)| k != date_header);
        assert_eq!(
            t.check("sk", None, NOW, REGION),
            Err(VerifyError::MissingDate)
        );
        let mut t = signed.clone();
        t.set_header(date_header, "yesterday");
        let err = t.check("sk", None, NOW, REGION).unwrap_err();
        assert_eq!(err, VerifyError::MissingDate);
        assert_eq!(err.code(), ErrorCode::AccessDenied);
    }
}

#[test]
fn v4_scope_must_name_the_server_region_and_the_request_day() {
    let creds = Credentials::new("ak", "sk");
    let ctx = SigningContext::v4(&creds, NOW, "cn-beijing");
    for signed in [
        requests()[0].clone().sign(&ctx),
        requests()[0].clone().presign(&ctx, 60),
    ] {
        let err = signed.check("sk", None, NOW, REGION).unwrap_err();
        assert_eq!(err, VerifyError::InvalidRegion);
        assert_eq!(err.code(), ErrorCode::InvalidArgument);
        assert_eq!(signed.check("sk", None, NOW, "cn-beijing"), Ok(()));
    }
    let mut signed = requests()[0]
        .clone()
        .sign(&SigningContext::v4(&creds, NOW, REGION));
    let auth = signed
        .headers
        .iter()
        .find(|(k, _)| k == "authorization")
        .unwrap()
        .1
        .replace("/20231114/", "/20231113/");
    signed.set_header("authorization", &auth);
    assert!(matches!(
        signed.check("sk", None, NOW, REGION),
        Err(VerifyError::Malformed(_))
    ));
}

#[test]
fn sts_tokens_are_required_and_compared() {
    let sts = Credentials::with_token("STS.ak", "sk", "token-1");
    let plain = Credentials::new("STS.ak", "sk");
    for (ctx, plain_ctx) in contexts(&sts).into_iter().zip(contexts(&plain)) {
        for presigned in [false, true] {
            let build = |c: &SigningContext<'_>| {
                let r = requests()[0].clone();
                if presigned {
                    r.presign(c, 60)
                } else {
                    r.sign(c)
                }
            };
            let with_token = build(&ctx);
            assert_eq!(with_token.check("sk", Some("token-1"), NOW, REGION), Ok(()));
            let err = with_token
                .check("sk", Some("token-2"), NOW, REGION)
                .unwrap_err();
            assert_eq!(err, VerifyError::InvalidSecurityToken);
            assert_eq!(err.code(), ErrorCode::InvalidSecurityToken);
            // Signed without the token at all.
            let without = build(&plain_ctx);
            assert_eq!(
                without.check("sk", Some("token-1"), NOW, REGION),
                Err(VerifyError::InvalidSecurityToken)
            );
        }
    }
}

#[test]
fn parse_recognises_each_scheme() {
    let anon = Incoming::new("GET", Some("b"), Some("k")).params(&[("acl", "")]);
    assert_eq!(parse(&anon.req()), Ok(Authentication::Anonymous));
    assert_eq!(anon.check("whatever", None, NOW, REGION), Ok(()));
    assert_eq!(parse(&anon.req()).unwrap().access_key_id(), None);

    let v1 =
        Incoming::new("GET", Some("b"), Some("k")).headers(&[("Authorization", "OSS ak:c2ln")]);
    assert_eq!(
        parse(&v1.req()),
        Ok(Authentication::V1Header {
            access_key_id: "ak".into(),
            signature: "c2ln".into()
        })
    );

    let v4 = Incoming::new("GET", Some("b"), Some("k")).headers(&[(
        "authorization",
        "OSS4-HMAC-SHA256 Credential=ak/20231114/cn-hangzhou/oss/aliyun_v4_request,AdditionalHeaders=host;range,Signature=abcd",
    )]);
    assert_eq!(
        parse(&v4.req()),
        Ok(Authentication::V4Header {
            access_key_id: "ak".into(),
            date: "20231114".into(),
            region: "cn-hangzhou".into(),
            product: "oss".into(),
            additional_headers: vec!["host".into(), "range".into()],
            signature: "abcd".into(),
        })
    );

    let q1 = Incoming::new("GET", Some("b"), Some("k")).params(&[
        ("OSSAccessKeyId", "ak"),
        ("Expires", "1700003600"),
        ("Signature", "c2ln"),
    ]);
    assert_eq!(
        parse(&q1.req()),
        Ok(Authentication::V1Query {
            access_key_id: "ak".into(),
            expires: 1_700_003_600,
            signature: "c2ln".into()
        })
    );

    let q4 = Incoming::new("GET", Some("b"), Some("k")).params(&[
        ("x-oss-signature-version", "OSS4-HMAC-SHA256"),
        (
            "x-oss-credential",
            "ak/20231114/cn-hangzhou/oss/aliyun_v4_request",
        ),
        ("x-oss-date", "20231114T221320Z"),
        ("x-oss-expires", "60"),
        ("x-oss-signature", "abcd"),
    ]);
    assert_eq!(
        parse(&q4.req()),
        Ok(Authentication::V4Query {
            access_key_id: "ak".into(),
            date: "20231114".into(),
            region: "cn-hangzhou".into(),
            product: "oss".into(),
            time: NOW,
            expires_in: 60,
            additional_headers: vec![],
            signature: "abcd".into(),
        })
    );
}

#[test]
fn malformed_authentication_is_rejected() {
    let headers = [
        "OSS ak",
        "OSS :sig",
        "OSS ak:",
        "OSS2 AccessKeyId:ak",
        "OSS2 Signature:x",
        "OSS2 AccessKeyId:ak,Bogus:1,Signature:x",
        "Bearer abc",
        "OSS4-HMAC-SHA256 Signature=abcd",
        "OSS4-HMAC-SHA256 Credential=ak/20231114/cn-hangzhou/oss/aliyun_v4_request",
        "OSS4-HMAC-SHA256 Credential=ak/20231114/cn-hangzhou/oss/other, Signature=abcd",
        "OSS4-HMAC-SHA256 Credential=ak/2023111/cn-hangzhou/oss/aliyun_v4_request, Signature=abcd",
        "OSS4-HMAC-SHA256 Credential=20231114/cn-hangzhou/oss/aliyun_v4_request, Signature=abcd",
        "OSS4-HMAC-SHA256 Credential=ak/20231114/cn-hangzhou/oss/aliyun_v4_request, Signature",
        "OSS4-HMAC-SHA256 Credential=ak/20231114/cn-hangzhou/oss/aliyun_v4_request, Bogus=1, Signature=abcd",
    ];
    for h in headers {
        let r = Incoming::new("GET", Some("b"), Some("k")).headers(&[("Authorization", h)]);
        let err = parse(&r.req()).unwrap_err();
        assert!(
            matches!(
                err,
                VerifyError::Malformed(_) | VerifyError::InvalidCredential(_)
            ),
            "{h}: {err:?}"
        );
        assert_eq!(err.code(), ErrorCode::InvalidArgument);
    }
    let queries: &[&[(&str, &str)]] = &[
        &[("OSSAccessKeyId", "ak"), ("Expires", "1700003600")],
        &[
            ("OSSAccessKeyId", "ak"),
            ("Expires", "soon"),
            ("Signature", "x"),
        ],
        &[("Signature", "x")],
        &[
            ("x-oss-signature-version", "OSS2"),
            ("x-oss-signature", "x"),
        ],
        &[
            ("x-oss-signature-version", "OSS4-HMAC-SHA256"),
            (
                "x-oss-credential",
                "ak/20231114/cn-hangzhou/oss/aliyun_v4_request",
            ),
            ("x-oss-date", "20231114T221320Z"),
            ("x-oss-expires", "60"),
        ],
        &[
            ("x-oss-signature-version", "OSS4-HMAC-SHA256"),
            (
                "x-oss-credential",
                "ak/20231114/cn-hangzhou/oss/aliyun_v4_request",
            ),
            ("x-oss-date", "2023-11-14"),
            ("x-oss-expires", "60"),
            ("x-oss-signature", "x"),
        ],
        &[
            ("x-oss-signature-version", "OSS4-HMAC-SHA256"),
            (
                "x-oss-credential",
                "ak/20231114/cn-hangzhou/oss/aliyun_v4_request",
            ),
            ("x-oss-date", "20231114T221320Z"),
            ("x-oss-expires", "-5"),
            ("x-oss-signature", "x"),
        ],
    ];
    for q in queries {
        let r = Incoming::new("GET", Some("b"), Some("k")).params(q);
        let err = parse(&r.req()).unwrap_err();
        assert!(matches!(err, VerifyError::Malformed(_)), "{q:?}: {err:?}");
    }
}

#[test]
fn v2_headers_and_presigned_urls_verify_and_detect_tampering() {
    let creds = Credentials::new("ak", "sk");
    let params = vec![
        ("prefix".to_string(), "a b/".to_string()),
        ("acl".to_string(), String::new()),
    ];
    let headers = vec![
        ("Range".to_string(), "bytes=0-9".to_string()),
        ("x-oss-meta-a".to_string(), "1".to_string()),
    ];
    let req = SignableRequest {
        method: "GET",
        bucket: Some("b"),
        key: Some("dir/中文 k"),
        params: &params,
        headers: &headers,
    };
    let ctx = SigningContext::v2(&creds, NOW);
    let added = sign_headers(&req, &ctx).unwrap();
    let mut all = headers.clone();
    all.extend(added);
    let signed = SignableRequest {
        headers: &all,
        ..req
    };
    let auth = parse(&signed).unwrap();
    assert!(matches!(
        &auth,
        Authentication::V2Header { additional_headers, .. } if additional_headers == &["range".to_string()]
    ));
    assert_eq!(verify(&signed, &auth, "sk", None, NOW, REGION), Ok(()));
    assert!(matches!(
        verify(&signed, &auth, "other", None, NOW, REGION),
        Err(VerifyError::SignatureMismatch { .. })
    ));
    // The range is signed: changing it breaks the signature.
    let mut tampered = all.clone();
    tampered[0].1 = "bytes=0-99".to_string();
    let t = SignableRequest {
        headers: &tampered,
        ..req
    };
    assert!(matches!(
        verify(&t, &parse(&t).unwrap(), "sk", None, NOW, REGION),
        Err(VerifyError::SignatureMismatch { .. })
    ));
    // Every parameter is signed, not only sub-resources.
    let other_params = vec![("prefix".to_string(), "c".to_string()), params[1].clone()];
    let t = SignableRequest {
        params: &other_params,
        headers: &all,
        ..req
    };
    assert!(verify(&t, &parse(&t).unwrap(), "sk", None, NOW, REGION).is_err());
    assert_eq!(
        verify(&signed, &auth, "sk", None, NOW + 3600, REGION),
        Err(VerifyError::TimeTooSkewed)
    );

    // Presigned, with an additional header.
    let mut ctx = SigningContext::v2(&creds, NOW);
    ctx.additional_headers = &["x-custom"];
    let get_headers = vec![("x-custom".to_string(), "v".to_string())];
    let get = SignableRequest {
        method: "GET",
        bucket: Some("b"),
        key: Some("k"),
        params: &[],
        headers: &get_headers,
    };
    let query = presign(&get, &ctx, 60).unwrap();
    assert!(query
        .iter()
        .any(|(k, v)| k == "x-oss-additional-headers" && v == "x-custom"));
    let signed = SignableRequest {
        params: &query,
        ..get
    };
    let auth = parse(&signed).unwrap();
    assert!(matches!(auth, Authentication::V2Query { expires, .. } if expires == NOW + 60));
    assert_eq!(verify(&signed, &auth, "sk", None, NOW + 30, REGION), Ok(()));
    assert_eq!(
        verify(&signed, &auth, "sk", None, NOW + 61, REGION),
        Err(VerifyError::Expired)
    );
    let wrong_header = vec![("x-custom".to_string(), "w".to_string())];
    let t = SignableRequest {
        headers: &wrong_header,
        params: &query,
        ..get
    };
    assert!(matches!(
        verify(&t, &auth, "sk", None, NOW + 30, REGION),
        Err(VerifyError::SignatureMismatch { .. })
    ));
}

#[test]
fn v4_credentials_with_an_empty_region_are_an_invalid_region() {
    let r = Incoming::new("GET", Some("b"), Some("k")).params(&[
        ("x-oss-signature-version", "OSS4-HMAC-SHA256"),
        ("x-oss-credential", "ak/20231114//oss/aliyun_v4_request"),
        ("x-oss-date", "20231114T221320Z"),
        ("x-oss-expires", "60"),
        ("x-oss-signature", "x"),
    ]);
    let auth = parse(&r.req()).unwrap();
    assert_eq!(
        verify(&r.req(), &auth, "sk", None, NOW, REGION),
        Err(VerifyError::InvalidRegion)
    );
}
