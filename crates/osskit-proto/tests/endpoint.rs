//! Endpoint normalisation (oss2's `_normalize_endpoint` + `is_valid_endpoint`), addressing
//! and URL building.

use osskit_proto::endpoint::{is_ip_or_localhost, region_from_host, Addressing, Endpoint};

fn normalized(s: &str) -> String {
    Endpoint::parse(s)
        .unwrap_or_else(|e| panic!("{s:?}: {e}"))
        .to_string()
}

#[test]
fn oss2_check_endpoint_cases() {
    assert_eq!(
        normalized("www.aliyuncs.com/?x=123#segemnt "),
        "http://www.aliyuncs.com"
    );
    assert_eq!(
        normalized("http://www.aliyuncs.com/?x=123#segemnt "),
        "http://www.aliyuncs.com"
    );
    assert_eq!(
        normalized("http://192.168.1.1:3182/?x=123#segemnt "),
        "http://192.168.1.1:3182"
    );
    assert_eq!(
        normalized("http://www.aliyuncs.com:80/?x=123#segemnt "),
        "http://www.aliyuncs.com:80"
    );
    assert_eq!(
        normalized("https://www.aliyuncs.com:443/?x=123#segemnt"),
        "https://www.aliyuncs.com:443"
    );
    assert_eq!(
        normalized("https://www.aliyuncs.com:443"),
        "https://www.aliyuncs.com:443"
    );
    assert_eq!(normalized("www.aliyuncs.com"), "http://www.aliyuncs.com");
}

#[test]
fn parse_details() {
    let ep = Endpoint::parse("  HTTPS://OSS-cn-Hangzhou.aliyuncs.com/path  ").unwrap();
    assert_eq!(ep.scheme, "https");
    assert_eq!(ep.host, "oss-cn-hangzhou.aliyuncs.com");
    assert_eq!(ep.port, None);
    assert_eq!(normalized("localhost:9000"), "http://localhost:9000");
    assert_eq!(normalized("my_host-1.example"), "http://my_host-1.example");
    assert_eq!(normalized("http://[::1]:9000/x"), "http://[::1]:9000");
    assert_eq!(normalized("[2001:db8::1]"), "http://[2001:db8::1]");
    assert_eq!(normalized("host:"), "http://host");
    let ep = Endpoint::parse("127.0.0.1:65535").unwrap();
    assert_eq!(ep.port, Some(65535));
    assert_eq!(ep.authority(), "127.0.0.1:65535");
}

#[test]
fn invalid_endpoints_are_rejected() {
    for bad in [
        "",
        "   ",
        "http://",
        "http:///path",
        "ftp://oss.example.com",
        "http://host:port",
        "http://host:99999",
        "http://host:-1",
        "http://ho st",
        "http://ho*st.com",
        "http://user:pw@host",
        "http://[::1",
        "http://[not-ip]:80",
        "http://[::1]x",
        "a:b:c",
    ] {
        let err = Endpoint::parse(bad).expect_err(bad);
        assert_eq!(err.0, bad);
        assert!(err.to_string().contains("is not valid"));
    }
}

#[test]
fn ip_and_localhost_detection() {
    for ip in [
        "127.0.0.1",
        "192.168.1.1",
        "localhost",
        "LOCALHOST",
        "[::1]",
        "::1",
        "127.1",
        "10",
        "0x7f.0.0.1",
    ] {
        assert!(is_ip_or_localhost(ip), "{ip}");
    }
    for host in [
        "oss-cn-hangzhou.aliyuncs.com",
        "localhost.example.com",
        "1.2.3.4.5",
        "256.1.1.1",
        "1.2.3.4a",
        "mylocalhost",
        "",
    ] {
        assert!(!is_ip_or_localhost(host), "{host}");
    }
    assert!(Endpoint::parse("http://[::1]:9000")
        .unwrap()
        .is_ip_or_localhost());
}

#[test]
fn addressing_follows_oss2_order() {
    let public = Endpoint::parse("oss-cn-hangzhou.aliyuncs.com").unwrap();
    assert_eq!(
        public.addressing(false, false, "examplebucket"),
        Addressing::VirtualHosted
    );
    assert_eq!(
        public.addressing(true, false, "examplebucket"),
        Addressing::Cname
    );
    assert_eq!(
        public.addressing(true, true, "examplebucket"),
        Addressing::Cname
    );
    assert_eq!(
        public.addressing(false, true, "examplebucket"),
        Addressing::Path
    );
    assert_eq!(
        public.addressing(false, false, "Invalid_Bucket"),
        Addressing::Path
    );

    let ip = Endpoint::parse("http://192.168.1.1:3182").unwrap();
    assert_eq!(
        ip.addressing(true, false, "examplebucket"),
        Addressing::Path
    );
    assert_eq!(
        ip.addressing(false, false, "examplebucket"),
        Addressing::Path
    );
    let local = Endpoint::parse("localhost:9000").unwrap();
    assert_eq!(local.addressing(true, false, "b-1"), Addressing::Path);
}

#[test]
fn virtual_hosted_urls() {
    let ep = Endpoint::parse("https://oss-cn-hangzhou.aliyuncs.com").unwrap();
    let a = Addressing::VirtualHosted;
    assert_eq!(
        ep.object_url(a, "examplebucket", "dir/a b+c.txt", false),
        "https://examplebucket.oss-cn-hangzhou.aliyuncs.com/dir%2Fa%20b%2Bc.txt"
    );
    assert_eq!(
        ep.object_url(a, "examplebucket", "dir/a b+c.txt", true),
        "https://examplebucket.oss-cn-hangzhou.aliyuncs.com/dir/a%20b%2Bc.txt"
    );
    assert_eq!(
        ep.object_url(a, "examplebucket", "中文~_.-", false),
        "https://examplebucket.oss-cn-hangzhou.aliyuncs.com/%E4%B8%AD%E6%96%87~_.-"
    );
    assert_eq!(
        ep.bucket_url(a, "examplebucket"),
        "https://examplebucket.oss-cn-hangzhou.aliyuncs.com/"
    );
    assert_eq!(ep.service_url(), "https://oss-cn-hangzhou.aliyuncs.com/");
    assert_eq!(
        ep.host_header(a, "examplebucket"),
        "examplebucket.oss-cn-hangzhou.aliyuncs.com"
    );
}

#[test]
fn cname_and_path_urls() {
    let cname = Endpoint::parse("http://static.example.com:8080/ignored").unwrap();
    assert_eq!(
        cname.object_url(Addressing::Cname, "examplebucket", "a/b.txt", false),
        "http://static.example.com:8080/a%2Fb.txt"
    );
    assert_eq!(
        cname.bucket_url(Addressing::Cname, "examplebucket"),
        "http://static.example.com:8080/"
    );
    assert_eq!(
        cname.host_header(Addressing::Cname, "examplebucket"),
        "static.example.com:8080"
    );

    let ip = Endpoint::parse("http://192.168.1.1:3182/?x=123#segemnt ").unwrap();
    assert_eq!(
        ip.object_url(Addressing::Path, "b", "x/y z", false),
        "http://192.168.1.1:3182/b/x%2Fy%20z"
    );
    assert_eq!(
        ip.bucket_url(Addressing::Path, "b"),
        "http://192.168.1.1:3182/b/"
    );
    assert_eq!(ip.service_url(), "http://192.168.1.1:3182/");
    assert_eq!(ip.host_header(Addressing::Path, "b"), "192.168.1.1:3182");
}

#[test]
fn regions() {
    let cases = [
        ("oss-cn-hangzhou.aliyuncs.com", Some("cn-hangzhou")),
        ("oss-cn-hangzhou-internal.aliyuncs.com", Some("cn-hangzhou")),
        ("OSS-US-West-1.aliyuncs.com", Some("us-west-1")),
        (
            "examplebucket.oss-ap-southeast-1.aliyuncs.com",
            Some("ap-southeast-1"),
        ),
        ("oss-accelerate.aliyuncs.com", None),
        ("oss-accelerate-overseas.aliyuncs.com", None),
        ("oss-.aliyuncs.com", None),
        ("cn-hangzhou.aliyuncs.com", None),
        ("oss-cn-hangzhou.example.com", None),
        ("127.0.0.1", None),
        ("localhost", None),
        ("", None),
    ];
    for (host, region) in cases {
        assert_eq!(region_from_host(host).as_deref(), region, "{host}");
    }
}
