//! Endpoints, addressing styles and URL building, as oss2 does them.
//!
//! ```
//! use oss_proto::endpoint::{Endpoint, Addressing};
//! let ep = Endpoint::parse("oss-cn-hangzhou.aliyuncs.com").unwrap();
//! assert_eq!(ep.to_string(), "http://oss-cn-hangzhou.aliyuncs.com");
//! assert_eq!(ep.addressing(false, false, "examplebucket"), Addressing::VirtualHosted);
//! assert_eq!(
//!     ep.object_url(Addressing::VirtualHosted, "examplebucket", "dir/a.txt", false),
//!     "http://examplebucket.oss-cn-hangzhou.aliyuncs.com/dir%2Fa.txt"
//! );
//! let local = Endpoint::parse("http://127.0.0.1:9000/?x=1#frag ").unwrap();
//! assert_eq!(local.to_string(), "http://127.0.0.1:9000");
//! assert_eq!(local.addressing(false, false, "b"), Addressing::Path);
//! assert_eq!(local.object_url(Addressing::Path, "b", "k", false), "http://127.0.0.1:9000/b/k");
//! assert_eq!(local.bucket_url(Addressing::Path, "b"), "http://127.0.0.1:9000/b/");
//! assert_eq!(local.service_url(), "http://127.0.0.1:9000/");
//! ```

/// An endpoint that is not `[scheme://]host[:port]`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the endpoint {0:?} is not valid (expected [http[s]://]host[:port])")]
pub struct EndpointError(pub String);

/// A parsed endpoint: scheme, host and optional port (path, query and fragment dropped).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Endpoint {
    /// `http` or `https`.
    pub scheme: String,
    /// Host name or IP literal (IPv6 kept in brackets).
    pub host: String,
    /// Explicit port, if any.
    pub port: Option<u16>,
}

/// How the bucket appears in request URLs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Addressing {
    /// `scheme://bucket.host/key`.
    VirtualHosted,
    /// `scheme://host/bucket/key` (IP and `localhost` endpoints, or on request).
    Path,
    /// `scheme://host/key`: the endpoint is the bucket's own domain.
    Cname,
}

impl Endpoint {
    /// oss2's `_normalize_endpoint` + `is_valid_endpoint`: trims, adds `http://` when no
    /// scheme is given, keeps only `scheme://host[:port]`.
    pub fn parse(s: &str) -> Result<Endpoint, EndpointError> {
        let _ = s;
        todo!()
    }

    /// `host[:port]`.
    pub fn authority(&self) -> String {
        match self.port {
            Some(p) => format!("{}:{}", self.host, p),
            None => self.host.clone(),
        }
    }

    /// True for IPv4/IPv6 literals and `localhost`.
    pub fn is_ip_or_localhost(&self) -> bool {
        todo!()
    }

    /// oss2's `_determine_endpoint_type`: IP/localhost → Path; else `is_cname` → Cname; else
    /// `path_style` → Path; else a valid bucket name → VirtualHosted; else Path.
    pub fn addressing(&self, is_cname: bool, path_style: bool, bucket: &str) -> Addressing {
        let _ = (is_cname, path_style, bucket);
        todo!()
    }

    /// URL of an object, without query. The key is quoted with oss2's `quote(key, safe)`
    /// where `safe` is `"/"` when `slash_safe` and `""` otherwise.
    pub fn object_url(&self, addressing: Addressing, bucket: &str, key: &str, slash_safe: bool) -> String {
        let _ = (addressing, bucket, key, slash_safe);
        todo!()
    }

    /// URL of a bucket-level request (trailing `/`).
    pub fn bucket_url(&self, addressing: Addressing, bucket: &str) -> String {
        self.object_url(addressing, bucket, "", false)
    }

    /// URL of a service-level request: `scheme://host[:port]/`.
    pub fn service_url(&self) -> String {
        format!("{}://{}/", self.scheme, self.authority())
    }
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}://{}", self.scheme, self.authority())
    }
}

/// The OSS region of a public endpoint host: `oss-cn-hangzhou.aliyuncs.com` and
/// `oss-cn-hangzhou-internal.aliyuncs.com` give `cn-hangzhou`; anything else gives `None`.
pub fn region_from_host(host: &str) -> Option<String> {
    let _ = host;
    todo!()
}
