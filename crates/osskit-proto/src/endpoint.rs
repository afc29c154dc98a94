//! Endpoints, addressing styles and URL building, as oss2 does them.
//!
//! ```
//! use osskit_proto::endpoint::{Endpoint, Addressing};
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
    ///
    /// The scheme may be `http` or `https` (any case); the host is lower-cased (as Python's
    /// `urlparse(...).hostname`) and must match oss2's `[\w.-]+`, or be a bracketed IPv6
    /// literal. User information (`user@host`) is rejected.
    pub fn parse(s: &str) -> Result<Endpoint, EndpointError> {
        let invalid = || EndpointError(s.to_owned());
        let trimmed = s.trim();
        let (scheme, rest) = match trimmed.split_once("://") {
            Some((scheme, rest)) => {
                let scheme = scheme.to_ascii_lowercase();
                if scheme != "http" && scheme != "https" {
                    return Err(invalid());
                }
                (scheme, rest)
            }
            None => ("http".to_owned(), trimmed),
        };
        // The authority ends at the first path, query or fragment delimiter.
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let authority = &rest[..end];
        if authority.is_empty() || authority.contains('@') {
            return Err(invalid());
        }
        let (host, port) = split_host_port(authority).ok_or_else(invalid)?;
        Ok(Endpoint {
            scheme,
            host: host.to_ascii_lowercase(),
            port,
        })
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
        is_ip_or_localhost(&self.host)
    }

    /// oss2's `_determine_endpoint_type`: IP/localhost → Path; else `is_cname` → Cname; else
    /// `path_style` → Path; else a valid bucket name → VirtualHosted; else Path.
    pub fn addressing(&self, is_cname: bool, path_style: bool, bucket: &str) -> Addressing {
        if self.is_ip_or_localhost() {
            Addressing::Path
        } else if is_cname {
            Addressing::Cname
        } else if path_style {
            Addressing::Path
        } else if crate::names::is_valid_bucket_name(bucket) {
            Addressing::VirtualHosted
        } else {
            Addressing::Path
        }
    }

    /// The `Host` header value a request to `bucket` carries under `addressing`.
    pub fn host_header(&self, addressing: Addressing, bucket: &str) -> String {
        match addressing {
            Addressing::VirtualHosted if !bucket.is_empty() => {
                format!("{}.{}", bucket, self.authority())
            }
            _ => self.authority(),
        }
    }

    /// URL of an object, without query. The key is quoted with oss2's `quote(key, safe)`
    /// where `safe` is `"/"` when `slash_safe` and `""` otherwise.
    pub fn object_url(
        &self,
        addressing: Addressing,
        bucket: &str,
        key: &str,
        slash_safe: bool,
    ) -> String {
        let key = crate::encoding::quote(key, if slash_safe { "/" } else { "" });
        let authority = self.authority();
        match addressing {
            Addressing::VirtualHosted => {
                format!("{}://{}.{}/{}", self.scheme, bucket, authority, key)
            }
            Addressing::Cname => format!("{}://{}/{}", self.scheme, authority, key),
            Addressing::Path => format!("{}://{}/{}/{}", self.scheme, authority, bucket, key),
        }
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
///
/// A bucket's virtual-hosted host (`bucket.oss-cn-hangzhou.aliyuncs.com`) gives the region of
/// its endpoint too. The global acceleration endpoints (`oss-accelerate…`) have no region.
///
/// ```
/// use osskit_proto::endpoint::region_from_host;
/// assert_eq!(region_from_host("oss-cn-hangzhou.aliyuncs.com").as_deref(), Some("cn-hangzhou"));
/// assert_eq!(region_from_host("oss-us-west-1-internal.aliyuncs.com").as_deref(), Some("us-west-1"));
/// assert_eq!(region_from_host("127.0.0.1"), None);
/// ```
pub fn region_from_host(host: &str) -> Option<String> {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let rest = host.strip_suffix(".aliyuncs.com")?;
    let label = rest.rsplit('.').next()?;
    let region = label.strip_prefix("oss-")?;
    let region = region.strip_suffix("-internal").unwrap_or(region);
    let valid = !region.is_empty()
        && !region.starts_with("accelerate")
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    valid.then(|| region.to_owned())
}

/// True for IPv4 literals (including the short forms `inet_aton` accepts, such as
/// `127.1`), bracketed or bare IPv6 literals, and `localhost`.
pub fn is_ip_or_localhost(host: &str) -> bool {
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    if bare.parse::<std::net::Ipv6Addr>().is_ok() {
        return true;
    }
    is_inet_aton_address(host)
}

/// `inet_aton` accepts one to four dot-separated numbers (decimal, `0x` hex or `0` octal),
/// the last one filling the remaining bytes.
fn is_inet_aton_address(host: &str) -> bool {
    let parts: Vec<&str> = host.split('.').collect();
    if parts.is_empty() || parts.len() > 4 {
        return false;
    }
    let mut values = Vec::with_capacity(parts.len());
    for part in &parts {
        match parse_c_number(part) {
            Some(v) => values.push(v),
            None => return false,
        }
    }
    let (last, leading) = match values.split_last() {
        Some(split) => split,
        None => return false,
    };
    if leading.iter().any(|v| *v > 0xff) {
        return false;
    }
    let remaining_bytes = 4 - leading.len() as u32;
    u64::from(*last) < 1u64 << (8 * remaining_bytes)
}

/// A C integer literal: `0x1f`, `017` (octal) or `15`.
fn parse_c_number(s: &str) -> Option<u32> {
    if s.is_empty() {
        return None;
    }
    let (digits, radix) = if let Some(hex) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        (hex, 16)
    } else if s.len() > 1 && s.starts_with('0') {
        (&s[1..], 8)
    } else {
        (s, 10)
    };
    if digits.is_empty() && radix == 16 {
        return Some(0);
    }
    if !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u32::from_str_radix(digits, radix).ok()
}

/// Splits `host[:port]` (or `[v6]:port`), checking the host against oss2's `[\w.-]+`.
fn split_host_port(authority: &str) -> Option<(&str, Option<u16>)> {
    let (host, port) = if authority.starts_with('[') {
        let close = authority.find(']')?;
        let host = &authority[..=close];
        host[1..close].parse::<std::net::Ipv6Addr>().ok()?;
        let after = &authority[close + 1..];
        let port = if after.is_empty() {
            None
        } else {
            Some(after.strip_prefix(':')?)
        };
        (host, port)
    } else {
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        };
        let word = |c: char| c.is_alphanumeric() || c == '_' || c == '.' || c == '-';
        if host.is_empty() || !host.chars().all(word) {
            return None;
        }
        (host, port)
    };
    let port = match port {
        // `host:` has no port, as Python's urlparse sees it.
        None | Some("") => None,
        Some(p) if p.bytes().all(|b| b.is_ascii_digit()) => Some(p.parse::<u16>().ok()?),
        Some(_) => return None,
    };
    Some((host, port))
}
