//! Golden vectors produced by oss2 2.19.1 with the clock frozen at 1700000000
//! (`Tue, 14 Nov 2023 22:13:20 GMT`, `20231114T221320Z`), plus the Alibaba documentation V1
//! example and the Android SDK V4 vector.
//!
//! Each vector checks the canonical form (string to sign / canonical request) through the
//! low-level functions and the final signature or URL through `sign_headers` / `presign`.

use osskit_proto::encoding::presign_query;
use osskit_proto::sign::{
    presign, sign_headers, v1, v4, Credentials, SignableRequest, SigningContext,
};

const NOW: i64 = 1_700_000_000;
const HTTP_NOW: &str = "Tue, 14 Nov 2023 22:13:20 GMT";
const V4_NOW: &str = "20231114T221320Z";
const BUCKET: &str = "examplebucket";
const REGION: &str = "cn-hangzhou";
const V4_SCOPE: &str = "20231114/cn-hangzhou/oss/aliyun_v4_request";

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn get<'a>(added: &'a [(String, String)], name: &str) -> &'a str {
    added
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no {name} in {added:?}"))
}

/// Headers of `req` as they are after V1 signing (date set), for the low-level checks.
fn with_date(headers: &[(String, String)]) -> Vec<(String, String)> {
    let mut h = headers.to_vec();
    h.push(("date".into(), HTTP_NOW.into()));
    h
}

struct V1Case {
    method: &'static str,
    bucket: Option<&'static str>,
    key: Option<&'static str>,
    params: &'static [(&'static str, &'static str)],
    headers: &'static [(&'static str, &'static str)],
    string_to_sign: &'static str,
    authorization: &'static str,
}

const V1_CASES: &[V1Case] = &[
    V1Case {
        method: "GET",
        bucket: Some(BUCKET),
        key: Some("exampleobject.txt"),
        params: &[],
        headers: &[],
        string_to_sign: "GET\n\n\nTue, 14 Nov 2023 22:13:20 GMT\n/examplebucket/exampleobject.txt",
        authorization: "OSS ak:MLxrEyUYVm9hT1I6uQ4WsdzIRlY=",
    },
    V1Case {
        method: "PUT",
        bucket: Some(BUCKET),
        key: Some("dir/exampleobject.txt"),
        params: &[],
        headers: &[
            ("Content-MD5", "XUFAKrxLKna5cZ2REBfFkg=="),
            ("x-oss-meta-Author", "alice"),
            ("X-OSS-Object-Acl", "private"),
            ("Content-Type", "text/plain"),
        ],
        string_to_sign: "PUT\nXUFAKrxLKna5cZ2REBfFkg==\ntext/plain\nTue, 14 Nov 2023 22:13:20 GMT\nx-oss-meta-author:alice\nx-oss-object-acl:private\n/examplebucket/dir/exampleobject.txt",
        authorization: "OSS ak:TFqS9ux5SeA3wJoD2DSGSPpl3a4=",
    },
    V1Case {
        method: "GET",
        bucket: Some(BUCKET),
        key: None,
        params: &[
            ("prefix", "dir/"),
            ("delimiter", "/"),
            ("marker", ""),
            ("max-keys", "10"),
            ("encoding-type", "url"),
        ],
        headers: &[],
        string_to_sign: "GET\n\n\nTue, 14 Nov 2023 22:13:20 GMT\n/examplebucket/",
        authorization: "OSS ak:jXtaoo0GRGcQxN5UvghGb5yQVZ8=",
    },
    V1Case {
        method: "GET",
        bucket: Some(BUCKET),
        key: Some(""),
        params: &[("acl", "")],
        headers: &[],
        string_to_sign: "GET\n\n\nTue, 14 Nov 2023 22:13:20 GMT\n/examplebucket/?acl",
        authorization: "OSS ak:XAtl9xiHMBAMla4H0wcYUipR9zg=",
    },
    V1Case {
        method: "PUT",
        bucket: Some(BUCKET),
        key: Some("big.bin"),
        params: &[("uploadId", "0004B9894A22E5B1888A1E29F823****"), ("partNumber", "1")],
        headers: &[],
        string_to_sign: "PUT\n\n\nTue, 14 Nov 2023 22:13:20 GMT\n/examplebucket/big.bin?partNumber=1&uploadId=0004B9894A22E5B1888A1E29F823****",
        authorization: "OSS ak:6tLVS0xDt0LG80VJ56+QGPsmc/4=",
    },
    V1Case {
        method: "GET",
        bucket: Some(BUCKET),
        key: Some("a.txt"),
        params: &[("response-content-type", "text/plain"), ("versionId", "CAEQ")],
        headers: &[("Range", "bytes=0-99")],
        string_to_sign: "GET\n\n\nTue, 14 Nov 2023 22:13:20 GMT\n/examplebucket/a.txt?response-content-type=text/plain&versionId=CAEQ",
        authorization: "OSS ak:NPjHK+TizzOnLbudqVU6EpU8b5c=",
    },
    V1Case {
        method: "GET",
        bucket: Some(BUCKET),
        key: Some("中文/a b+c~*.txt"),
        params: &[],
        headers: &[],
        string_to_sign: "GET\n\n\nTue, 14 Nov 2023 22:13:20 GMT\n/examplebucket/中文/a b+c~*.txt",
        authorization: "OSS ak:DIetsQbwUmnijsV70s71q7D6R70=",
    },
    V1Case {
        method: "GET",
        bucket: None,
        key: None,
        params: &[("prefix", ""), ("marker", ""), ("max-keys", "100")],
        headers: &[],
        string_to_sign: "GET\n\n\nTue, 14 Nov 2023 22:13:20 GMT\n/",
        authorization: "OSS ak:A8jBZPoYOS9Ez3bWxWb46dOZaeI=",
    },
    // IP endpoint and CNAME: the resource still names the bucket and the raw key.
    V1Case {
        method: "GET",
        bucket: Some(BUCKET),
        key: Some("dir/exampleobject.txt"),
        params: &[],
        headers: &[],
        string_to_sign: "GET\n\n\nTue, 14 Nov 2023 22:13:20 GMT\n/examplebucket/dir/exampleobject.txt",
        authorization: "OSS ak:Rvtw+Ya4KKT/7nraB4g+c8KORKI=",
    },
];

#[test]
fn v1_header_string_to_sign_and_signature() {
    for case in V1_CASES {
        let params = pairs(case.params);
        let headers = with_date(&pairs(case.headers));
        let req = SignableRequest {
            method: case.method,
            bucket: case.bucket,
            key: case.key,
            params: &params,
            headers: &headers,
        };
        let sts = v1::string_to_sign(&req, HTTP_NOW);
        assert_eq!(sts, case.string_to_sign, "string to sign of {:?}", case.key);
        let sig = v1::signature("sk", &sts);
        assert_eq!(
            format!("OSS ak:{sig}"),
            case.authorization,
            "signature of {:?}",
            case.key
        );
    }
}

#[test]
fn v1_sign_headers() {
    let creds = Credentials::new("ak", "sk");
    for case in V1_CASES {
        let params = pairs(case.params);
        let headers = pairs(case.headers);
        let req = SignableRequest {
            method: case.method,
            bucket: case.bucket,
            key: case.key,
            params: &params,
            headers: &headers,
        };
        let added = sign_headers(&req, &SigningContext::v1(&creds, NOW)).unwrap();
        let names: Vec<&str> = added.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["date", "authorization"]);
        assert_eq!(get(&added, "date"), HTTP_NOW);
        assert_eq!(
            get(&added, "authorization"),
            case.authorization,
            "key {:?}",
            case.key
        );
    }
}

#[test]
fn alibaba_documentation_v1_example() {
    let headers = pairs(&[
        (
            "Content-MD5",
            "ODBGOERFMDMzQTczRUY3NUE3NzA5QzdFNUYzMDQxNEM=",
        ),
        ("Content-Type", "text/html"),
        ("Date", "Thu, 17 Nov 2005 18:49:58 GMT"),
        ("X-OSS-Meta-Author", "foo@bar.com"),
        ("X-OSS-Magic", "abracadabra"),
    ]);
    let req = SignableRequest {
        method: "PUT",
        bucket: Some("oss-example"),
        key: Some("nelson"),
        params: &[],
        headers: &headers,
    };
    let sts = v1::string_to_sign(&req, "Thu, 17 Nov 2005 18:49:58 GMT");
    assert_eq!(
        sts,
        "PUT\nODBGOERFMDMzQTczRUY3NUE3NzA5QzdFNUYzMDQxNEM=\ntext/html\nThu, 17 Nov 2005 18:49:58 GMT\nx-oss-magic:abracadabra\nx-oss-meta-author:foo@bar.com\n/oss-example/nelson"
    );
    assert_eq!(
        v1::signature("OtxrzxIsfpFjA7SwPzILwy8Bw21TLhquhboDYROV", &sts),
        "26NBxoKdsyly4EDv6inkoDft/yA="
    );
}

#[test]
fn v1_x_oss_date_replaces_date() {
    let headers = pairs(&[
        ("x-oss-date", "Wed, 15 Nov 2023 00:00:00 GMT"),
        ("Date", HTTP_NOW),
    ]);
    let req = SignableRequest {
        method: "GET",
        bucket: Some("b"),
        key: Some("k"),
        params: &[],
        headers: &headers,
    };
    assert_eq!(
        v1::string_to_sign(&req, HTTP_NOW),
        "GET\n\n\nWed, 15 Nov 2023 00:00:00 GMT\nx-oss-date:Wed, 15 Nov 2023 00:00:00 GMT\n/b/k"
    );
}

#[test]
fn v1_sts_header_signing() {
    let creds = Credentials::with_token("STS.ak", "sk", "token-xyz");
    let req = SignableRequest {
        method: "GET",
        bucket: Some(BUCKET),
        key: Some("exampleobject.txt"),
        params: &[],
        headers: &[],
    };
    let headers = with_date(&pairs(&[("x-oss-security-token", "token-xyz")]));
    let sts = v1::string_to_sign(
        &SignableRequest {
            headers: &headers,
            ..req
        },
        HTTP_NOW,
    );
    assert_eq!(
        sts,
        "GET\n\n\nTue, 14 Nov 2023 22:13:20 GMT\nx-oss-security-token:token-xyz\n/examplebucket/exampleobject.txt"
    );
    assert_eq!(v1::signature("sk", &sts), "+ujUiMkDDQQwmJT1KX8cUoSGTAc=");

    let added = sign_headers(&req, &SigningContext::v1(&creds, NOW)).unwrap();
    let names: Vec<&str> = added.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(names, ["x-oss-security-token", "date", "authorization"]);
    assert_eq!(get(&added, "x-oss-security-token"), "token-xyz");
    assert_eq!(
        get(&added, "authorization"),
        "OSS STS.ak:+ujUiMkDDQQwmJT1KX8cUoSGTAc="
    );
}

struct PresignCase {
    method: &'static str,
    key: &'static str,
    quoted_key: &'static str,
    expires_in: u64,
    params: &'static [(&'static str, &'static str)],
    headers: &'static [(&'static str, &'static str)],
    string_to_sign: &'static str,
    url: &'static str,
}

const V1_PRESIGN_CASES: &[PresignCase] = &[
    PresignCase {
        method: "GET",
        key: "exampleobject.txt",
        quoted_key: "exampleobject.txt",
        expires_in: 3600,
        params: &[],
        headers: &[],
        string_to_sign: "GET\n\n\n1700003600\n/examplebucket/exampleobject.txt",
        url: "http://examplebucket.oss-cn-hangzhou.aliyuncs.com/exampleobject.txt?OSSAccessKeyId=ak&Expires=1700003600&Signature=t%2BSfdwazarWGz1G1v4R6UaeLd6E%3D",
    },
    PresignCase {
        method: "PUT",
        key: "dir/a b.txt",
        quoted_key: "dir/a%20b.txt",
        expires_in: 60,
        params: &[],
        headers: &[("Content-Type", "text/plain")],
        string_to_sign: "PUT\n\ntext/plain\n1700000060\n/examplebucket/dir/a b.txt",
        url: "http://examplebucket.oss-cn-hangzhou.aliyuncs.com/dir/a%20b.txt?OSSAccessKeyId=ak&Expires=1700000060&Signature=E56lMHdfoeQz%2Fh0%2BrYDCMbzrT4Y%3D",
    },
    PresignCase {
        method: "GET",
        key: "img.jpg",
        quoted_key: "img.jpg",
        expires_in: 60,
        params: &[("x-oss-process", "image/resize,w_100")],
        headers: &[],
        string_to_sign: "GET\n\n\n1700000060\n/examplebucket/img.jpg?x-oss-process=image/resize,w_100",
        url: "http://examplebucket.oss-cn-hangzhou.aliyuncs.com/img.jpg?x-oss-process=image%2Fresize%2Cw_100&OSSAccessKeyId=ak&Expires=1700000060&Signature=RYAYt1H9NvCXGPQp9sCuVFXblSA%3D",
    },
];

fn presigned_url(
    base: &str,
    quoted_key: &str,
    params: &[(String, String)],
    added: &[(String, String)],
) -> String {
    let mut all = params.to_vec();
    all.extend(added.iter().cloned());
    format!("{base}/{quoted_key}?{}", presign_query(&all))
}

#[test]
fn v1_presign() {
    let creds = Credentials::new("ak", "sk");
    for case in V1_PRESIGN_CASES {
        let params = pairs(case.params);
        let headers = pairs(case.headers);
        let req = SignableRequest {
            method: case.method,
            bucket: Some(BUCKET),
            key: Some(case.key),
            params: &params,
            headers: &headers,
        };
        let expires = (NOW + case.expires_in as i64).to_string();
        assert_eq!(v1::string_to_sign(&req, &expires), case.string_to_sign);
        let added = presign(&req, &SigningContext::v1(&creds, NOW), case.expires_in).unwrap();
        let names: Vec<&str> = added.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["OSSAccessKeyId", "Expires", "Signature"]);
        let url = presigned_url(
            "http://examplebucket.oss-cn-hangzhou.aliyuncs.com",
            case.quoted_key,
            &params,
            &added,
        );
        assert_eq!(url, case.url);
    }
}

#[test]
fn v1_sts_presign() {
    let creds = Credentials::with_token("STS.ak", "sk", "token-xyz");
    let req = SignableRequest {
        method: "GET",
        bucket: Some(BUCKET),
        key: Some("exampleobject.txt"),
        params: &[],
        headers: &[],
    };
    let params = pairs(&[("security-token", "token-xyz")]);
    assert_eq!(
        v1::string_to_sign(
            &SignableRequest {
                params: &params,
                ..req
            },
            "1700003600"
        ),
        "GET\n\n\n1700003600\n/examplebucket/exampleobject.txt?security-token=token-xyz"
    );
    let added = presign(&req, &SigningContext::v1(&creds, NOW), 3600).unwrap();
    assert_eq!(
        presigned_url("http://examplebucket.oss-cn-hangzhou.aliyuncs.com", "exampleobject.txt", &[], &added),
        "http://examplebucket.oss-cn-hangzhou.aliyuncs.com/exampleobject.txt?security-token=token-xyz&OSSAccessKeyId=STS.ak&Expires=1700003600&Signature=IBwltlEv5qYCmAzvVjBVDydkMtQ%3D"
    );
}

#[test]
fn anonymous_presign_query_is_empty() {
    // oss2's AnonymousAuth adds nothing: the URL is the base plus `?` and the user's params.
    assert_eq!(presign_query(&[]), "");
}

/// Headers of a request as V4 header signing leaves them (x-oss-date and the payload hash).
fn v4_signed_headers(headers: &[(String, String)]) -> Vec<(String, String)> {
    let mut h = headers.to_vec();
    h.push(("x-oss-date".into(), V4_NOW.into()));
    h.push(("x-oss-content-sha256".into(), "UNSIGNED-PAYLOAD".into()));
    h
}

struct V4Case {
    method: &'static str,
    bucket: Option<&'static str>,
    key: Option<&'static str>,
    params: &'static [(&'static str, &'static str)],
    headers: &'static [(&'static str, &'static str)],
    canonical_request: &'static str,
    string_to_sign: Option<&'static str>,
    signature: &'static str,
}

const V4_CASES: &[V4Case] = &[
    V4Case {
        method: "PUT",
        bucket: Some(BUCKET),
        key: Some("exampleobject.txt"),
        params: &[],
        headers: &[("Content-Type", "text/plain"), ("x-oss-meta-a", "b"), ("Content-Length", "5")],
        canonical_request: "PUT\n/examplebucket/exampleobject.txt\n\ncontent-type:text/plain\nx-oss-content-sha256:UNSIGNED-PAYLOAD\nx-oss-date:20231114T221320Z\nx-oss-meta-a:b\n\n\nUNSIGNED-PAYLOAD",
        string_to_sign: Some("OSS4-HMAC-SHA256\n20231114T221320Z\n20231114/cn-hangzhou/oss/aliyun_v4_request\n6f3e4f3c5006cf9c1d20e478d08c2e5f0205f91bc000fec30b6cec4dc95a1941"),
        signature: "78c45f38de3413e307b431474374bdc41d7e7672421a13630e2e0266271deae3",
    },
    V4Case {
        method: "GET",
        bucket: Some(BUCKET),
        key: None,
        params: &[("acl", "")],
        headers: &[],
        canonical_request: "GET\n/examplebucket/\nacl\nx-oss-content-sha256:UNSIGNED-PAYLOAD\nx-oss-date:20231114T221320Z\n\n\nUNSIGNED-PAYLOAD",
        string_to_sign: None,
        signature: "b52d3ad1f150e044a8b8480cdb5eb3255661f6cb0a1276877901865b36fbcf85",
    },
    V4Case {
        method: "GET",
        bucket: Some(BUCKET),
        key: Some(""),
        params: &[("prefix", "a"), ("delimiter", ""), ("marker", ""), ("max-keys", "10"), ("encoding-type", "url")],
        headers: &[],
        canonical_request: "GET\n/examplebucket/\ndelimiter&encoding-type=url&marker&max-keys=10&prefix=a\nx-oss-content-sha256:UNSIGNED-PAYLOAD\nx-oss-date:20231114T221320Z\n\n\nUNSIGNED-PAYLOAD",
        string_to_sign: None,
        signature: "a6b38fcd630a4f5e815f3ed237811e0333fdf30c85a0e8a367c88ea98ba88467",
    },
    V4Case {
        method: "GET",
        bucket: None,
        key: None,
        params: &[("prefix", ""), ("marker", ""), ("max-keys", "100")],
        headers: &[],
        canonical_request: "GET\n/\nmarker&max-keys=100&prefix\nx-oss-content-sha256:UNSIGNED-PAYLOAD\nx-oss-date:20231114T221320Z\n\n\nUNSIGNED-PAYLOAD",
        string_to_sign: None,
        signature: "7efd246b15e75c895e2cc723e7dbbfa596a9ffff15697927bc77d4bf939f17a2",
    },
];

#[test]
fn v4_header_canonical_request_and_signature() {
    for case in V4_CASES {
        let params = pairs(case.params);
        let headers = v4_signed_headers(&pairs(case.headers));
        let req = SignableRequest {
            method: case.method,
            bucket: case.bucket,
            key: case.key,
            params: &params,
            headers: &headers,
        };
        let cr = v4::canonical_request(&req, &[]);
        assert_eq!(cr, case.canonical_request);
        let sts = v4::string_to_sign(&cr, V4_NOW, V4_SCOPE);
        if let Some(expected) = case.string_to_sign {
            assert_eq!(sts, expected);
        }
        assert_eq!(
            v4::signature("sk", "20231114", REGION, "oss", &sts),
            case.signature
        );
    }
}

#[test]
fn v4_sign_headers() {
    let creds = Credentials::new("ak", "sk");
    for case in V4_CASES {
        let params = pairs(case.params);
        let headers = pairs(case.headers);
        let req = SignableRequest {
            method: case.method,
            bucket: case.bucket,
            key: case.key,
            params: &params,
            headers: &headers,
        };
        let added = sign_headers(&req, &SigningContext::v4(&creds, NOW, REGION)).unwrap();
        let names: Vec<&str> = added.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            names,
            ["x-oss-date", "x-oss-content-sha256", "authorization"]
        );
        assert_eq!(get(&added, "x-oss-date"), V4_NOW);
        assert_eq!(get(&added, "x-oss-content-sha256"), "UNSIGNED-PAYLOAD");
        assert_eq!(
            get(&added, "authorization"),
            format!(
                "OSS4-HMAC-SHA256 Credential=ak/{V4_SCOPE}, Signature={}",
                case.signature
            )
        );
    }
}

#[test]
fn v4_sts_header_signing() {
    let creds = Credentials::with_token("STS.ak", "sk", "token-xyz");
    let req = SignableRequest {
        method: "GET",
        bucket: Some(BUCKET),
        key: Some("exampleobject.txt"),
        params: &[],
        headers: &[],
    };
    let headers = v4_signed_headers(&pairs(&[("x-oss-security-token", "token-xyz")]));
    let cr = v4::canonical_request(
        &SignableRequest {
            headers: &headers,
            ..req
        },
        &[],
    );
    assert_eq!(
        cr,
        "GET\n/examplebucket/exampleobject.txt\n\nx-oss-content-sha256:UNSIGNED-PAYLOAD\nx-oss-date:20231114T221320Z\nx-oss-security-token:token-xyz\n\n\nUNSIGNED-PAYLOAD"
    );
    let added = sign_headers(&req, &SigningContext::v4(&creds, NOW, REGION)).unwrap();
    let names: Vec<&str> = added.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        [
            "x-oss-security-token",
            "x-oss-date",
            "x-oss-content-sha256",
            "authorization"
        ]
    );
    assert_eq!(
        get(&added, "authorization"),
        "OSS4-HMAC-SHA256 Credential=STS.ak/20231114/cn-hangzhou/oss/aliyun_v4_request, Signature=08f5041cb9cf6877b25559505ea40498b40ece761582b405cfc46ad176fa4133"
    );
}

#[test]
fn v4_presign() {
    let creds = Credentials::new("ak", "sk");
    let req = SignableRequest {
        method: "GET",
        bucket: Some(BUCKET),
        key: Some("exampleobject.txt"),
        params: &[],
        headers: &[],
    };
    let params = pairs(&[
        ("x-oss-date", V4_NOW),
        ("x-oss-expires", "3600"),
        ("x-oss-signature-version", "OSS4-HMAC-SHA256"),
        (
            "x-oss-credential",
            "ak/20231114/cn-hangzhou/oss/aliyun_v4_request",
        ),
    ]);
    assert_eq!(
        v4::canonical_request(&SignableRequest { params: &params, ..req }, &[]),
        "GET\n/examplebucket/exampleobject.txt\nx-oss-credential=ak%2F20231114%2Fcn-hangzhou%2Foss%2Faliyun_v4_request&x-oss-date=20231114T221320Z&x-oss-expires=3600&x-oss-signature-version=OSS4-HMAC-SHA256\n\n\nUNSIGNED-PAYLOAD"
    );
    let added = presign(&req, &SigningContext::v4(&creds, NOW, REGION), 3600).unwrap();
    assert_eq!(
        presigned_url("https://examplebucket.oss-cn-hangzhou.aliyuncs.com", "exampleobject.txt", &[], &added),
        "https://examplebucket.oss-cn-hangzhou.aliyuncs.com/exampleobject.txt?x-oss-date=20231114T221320Z&x-oss-expires=3600&x-oss-signature-version=OSS4-HMAC-SHA256&x-oss-credential=ak%2F20231114%2Fcn-hangzhou%2Foss%2Faliyun_v4_request&x-oss-signature=780ccffcf9f1d732ee9fe88cba1ae915422cea45898eae25a0fdd20d02d1f49c"
    );
}

#[test]
fn v4_presign_with_additional_headers() {
    let creds = Credentials::new("ak", "sk");
    let headers = pairs(&[("Content-Type", "text/plain"), ("Custom-Header", "x")]);
    let req = SignableRequest {
        method: "PUT",
        bucket: Some(BUCKET),
        key: Some("exampleobject.txt"),
        params: &[],
        headers: &headers,
    };
    let params = pairs(&[
        ("x-oss-date", V4_NOW),
        ("x-oss-expires", "3600"),
        ("x-oss-signature-version", "OSS4-HMAC-SHA256"),
        (
            "x-oss-credential",
            "ak/20231114/cn-hangzhou/oss/aliyun_v4_request",
        ),
        ("x-oss-additional-headers", "custom-header"),
    ]);
    assert_eq!(
        v4::canonical_request(&SignableRequest { params: &params, ..req }, &["custom-header"]),
        "PUT\n/examplebucket/exampleobject.txt\nx-oss-additional-headers=custom-header&x-oss-credential=ak%2F20231114%2Fcn-hangzhou%2Foss%2Faliyun_v4_request&x-oss-date=20231114T221320Z&x-oss-expires=3600&x-oss-signature-version=OSS4-HMAC-SHA256\ncontent-type:text/plain\ncustom-header:x\n\ncustom-header\nUNSIGNED-PAYLOAD"
    );
    let mut ctx = SigningContext::v4(&creds, NOW, REGION);
    // `Absent-Header` is not in the request, so it is not signed (oss2 intersects).
    ctx.additional_headers = &["Custom-Header", "absent-header"];
    let added = presign(&req, &ctx, 3600).unwrap();
    assert_eq!(
        presigned_url("https://examplebucket.oss-cn-hangzhou.aliyuncs.com", "exampleobject.txt", &[], &added),
        "https://examplebucket.oss-cn-hangzhou.aliyuncs.com/exampleobject.txt?x-oss-date=20231114T221320Z&x-oss-expires=3600&x-oss-signature-version=OSS4-HMAC-SHA256&x-oss-credential=ak%2F20231114%2Fcn-hangzhou%2Foss%2Faliyun_v4_request&x-oss-additional-headers=custom-header&x-oss-signature=a2bf8dacc934573d3e01277f5c6206361207d97fc69291d853a22a31ac96cfe0"
    );
}

#[test]
fn v4_sts_presign() {
    let creds = Credentials::with_token("STS.ak", "sk", "token-xyz");
    let req = SignableRequest {
        method: "GET",
        bucket: Some(BUCKET),
        key: Some("exampleobject.txt"),
        params: &[],
        headers: &[],
    };
    let added = presign(&req, &SigningContext::v4(&creds, NOW, REGION), 3600).unwrap();
    assert_eq!(
        presigned_url("https://examplebucket.oss-cn-hangzhou.aliyuncs.com", "exampleobject.txt", &[], &added),
        "https://examplebucket.oss-cn-hangzhou.aliyuncs.com/exampleobject.txt?x-oss-security-token=token-xyz&x-oss-date=20231114T221320Z&x-oss-expires=3600&x-oss-signature-version=OSS4-HMAC-SHA256&x-oss-credential=STS.ak%2F20231114%2Fcn-hangzhou%2Foss%2Faliyun_v4_request&x-oss-signature=4e9d203c1a3a3c0fecc9ead2e001a1da12bb4e411309fddb7cc87cd405d5ccee"
    );
}

#[test]
fn android_v4_canonical_request() {
    let headers = pairs(&[
        ("x-oss-head1", "value"),
        ("abc", "value"),
        ("ZAbc", "value"),
        ("XYZ", "value"),
        ("content-type", "text/plain"),
        ("x-oss-content-sha256", "UNSIGNED-PAYLOAD"),
        ("x-oss-security-token", "token"),
    ]);
    let params = pairs(&[
        ("param1", "value1"),
        ("|param1", "value4"),
        ("+param1", "value3"),
        ("+param2", ""),
        ("|param2", ""),
        ("param2", ""),
    ]);
    let req = SignableRequest {
        method: "PUT",
        bucket: Some("bucket"),
        key: Some("1234+-/123/1.txt"),
        params: &params,
        headers: &headers,
    };
    let cr = v4::canonical_request(&req, &[]);
    assert_eq!(
        cr,
        "PUT\n/bucket/1234%2B-/123/1.txt\n%2Bparam1=value3&%2Bparam2&%7Cparam1=value4&%7Cparam2&param1=value1&param2\ncontent-type:text/plain\nx-oss-content-sha256:UNSIGNED-PAYLOAD\nx-oss-head1:value\nx-oss-security-token:token\n\n\nUNSIGNED-PAYLOAD"
    );
    let sts = v4::string_to_sign(
        &cr,
        "20231217T034736Z",
        &v4::scope("20231217", "cn-hangzhou", "oss"),
    );
    assert_eq!(
        v4::signature("sk", "20231217", "cn-hangzhou", "oss", &sts),
        "0436fec1623c737d5827c11d200afd3df51d067b80196080438f57c94d99b9b0"
    );
}

#[test]
fn v4_requires_a_region() {
    let creds = Credentials::new("ak", "sk");
    let req = SignableRequest {
        method: "GET",
        bucket: Some("b"),
        key: Some("k"),
        params: &[],
        headers: &[],
    };
    let mut ctx = SigningContext::v4(&creds, NOW, REGION);
    ctx.region = None;
    assert_eq!(
        sign_headers(&req, &ctx),
        Err(osskit_proto::sign::SignError::MissingRegion)
    );
    assert_eq!(
        presign(&req, &ctx, 60),
        Err(osskit_proto::sign::SignError::MissingRegion)
    );
}

#[test]
fn v4_header_additional_headers() {
    let creds = Credentials::new("ak", "sk");
    let headers = pairs(&[
        ("Range", "bytes=0-9"),
        ("Host", "examplebucket.oss-cn-hangzhou.aliyuncs.com"),
    ]);
    let req = SignableRequest {
        method: "GET",
        bucket: Some(BUCKET),
        key: Some("exampleobject.txt"),
        params: &[],
        headers: &headers,
    };
    let mut ctx = SigningContext::v4(&creds, NOW, REGION);
    ctx.additional_headers = &["range", "host", "x-oss-meta-a", "content-type"];
    let added = sign_headers(&req, &ctx).unwrap();
    let auth = get(&added, "authorization");
    // Default-signed names are dropped; the list is in oss2's first-character order.
    assert!(auth.ends_with(", AdditionalHeaders=host;range"), "{auth}");
    assert_eq!(
        v4::additional_signed_headers(&["rz", "Host", "ra", "x-oss-a", "Content-MD5"]),
        ["host", "rz", "ra"]
    );
    let mut all = headers.clone();
    all.extend(added.iter().filter(|(k, _)| k != "authorization").cloned());
    let cr = v4::canonical_request(
        &SignableRequest {
            headers: &all,
            ..req
        },
        &["range", "host"],
    );
    assert_eq!(
        cr,
        "GET\n/examplebucket/exampleobject.txt\n\nhost:examplebucket.oss-cn-hangzhou.aliyuncs.com\nrange:bytes=0-9\nx-oss-content-sha256:UNSIGNED-PAYLOAD\nx-oss-date:20231114T221320Z\n\nhost;range\nUNSIGNED-PAYLOAD"
    );
    let sts = v4::string_to_sign(&cr, V4_NOW, V4_SCOPE);
    let sig = v4::signature("sk", "20231114", REGION, "oss", &sts);
    assert!(auth.contains(&format!("Signature={sig},")), "{auth}");
}
