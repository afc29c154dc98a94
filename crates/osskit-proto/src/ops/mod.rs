//! The operation declarations: every OSS operation declared once, with what selects it on the
//! wire, what it takes and returns, whether it may be retried, and its limits.
//!
//! The SDK builds its requests from these declarations and the server routes by them, so the
//! two cannot disagree on a method, a sub-resource or a parameter. [`OpId`] names each
//! operation (OSS's API name); [`OpId::spec`] gives its [`Operation`]; [`route`] finds the
//! operation a request is for.
//!
//! ```
//! use osskit_proto::ops::{route, HttpMethod, Level, OpId, RouteRequest};
//!
//! let cors = OpId::PutBucketCors.spec();
//! assert_eq!(cors.method, HttpMethod::Put);
//! assert_eq!(cors.oss2, Some("put_bucket_cors"));
//! assert!(cors.idempotent);
//! assert!(!OpId::AppendObject.spec().idempotent);
//!
//! // Routing uses the set of selecting parameters, in any order.
//! let params = [("position".to_string(), "0".to_string()), ("append".to_string(), String::new())];
//! let req = RouteRequest { method: HttpMethod::Post, level: Level::Object, params: &params, headers: &[] };
//! assert_eq!(route(&req), Ok(OpId::AppendObject));
//! ```

mod table;

use std::collections::BTreeSet;
use std::sync::OnceLock;

pub use table::OpId;

/// HTTP methods OSS operations use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HttpMethod {
    /// `GET`.
    Get,
    /// `PUT`.
    Put,
    /// `POST`.
    Post,
    /// `DELETE`.
    Delete,
    /// `HEAD`.
    Head,
    /// `OPTIONS`.
    Options,
}

impl HttpMethod {
    /// The method's name, upper case.
    pub const fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Put => "PUT",
            HttpMethod::Post => "POST",
            HttpMethod::Delete => "DELETE",
            HttpMethod::Head => "HEAD",
            HttpMethod::Options => "OPTIONS",
        }
    }

    /// Parses an upper-case method name.
    pub fn parse(name: &str) -> Option<HttpMethod> {
        Some(match name {
            "GET" => HttpMethod::Get,
            "PUT" => HttpMethod::Put,
            "POST" => HttpMethod::Post,
            "DELETE" => HttpMethod::Delete,
            "HEAD" => HttpMethod::Head,
            "OPTIONS" => HttpMethod::Options,
            _ => return None,
        })
    }
}

impl std::fmt::Display for HttpMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an operation addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Level {
    /// The account: `/` without a bucket.
    Service,
    /// A bucket: `/bucket/` (or the bucket's host) without a key.
    Bucket,
    /// An object: `/bucket/key`.
    Object,
    /// A bucket or an object (CORS preflight).
    BucketOrObject,
}

impl Level {
    /// Whether a request addressing `actual` (never `BucketOrObject`) fits this level.
    pub fn accepts(self, actual: Level) -> bool {
        self == actual
            || (self == Level::BucketOrObject && matches!(actual, Level::Bucket | Level::Object))
    }
}

/// A query parameter that selects an operation (a sub-resource).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selector {
    /// Present with any value; requests send it bare (`?cors`).
    Flag(&'static str),
    /// Present with exactly this value (`comp=add`, `list-type=2`).
    Value(&'static str, &'static str),
    /// Present with one of these values (`x-oss-process=csv/select|json/select`); requests
    /// send the value the caller gives.
    OneOf(&'static str, &'static [&'static str]),
    /// Present with a value the caller gives (`uploadId=…`, `inventoryId=…`).
    Param(&'static str),
}

impl Selector {
    /// The parameter's name.
    pub const fn name(&self) -> &'static str {
        match self {
            Selector::Flag(n)
            | Selector::Value(n, _)
            | Selector::OneOf(n, _)
            | Selector::Param(n) => n,
        }
    }

    /// Whether `value` satisfies the selector.
    pub fn accepts(&self, value: &str) -> bool {
        match self {
            Selector::Flag(_) | Selector::Param(_) => true,
            Selector::Value(_, v) => *v == value,
            Selector::OneOf(_, vs) => vs.contains(&value),
        }
    }

    /// Whether the selector constrains the value (and so is more specific than a flag).
    const fn constrains_value(&self) -> bool {
        matches!(self, Selector::Value(..) | Selector::OneOf(..))
    }
}

/// A query parameter an operation takes besides its selectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParamSpec {
    /// Name.
    pub name: &'static str,
    /// Whether the operation fails without it.
    pub required: bool,
    /// Inclusive bounds of an integer parameter.
    pub range: Option<(u64, u64)>,
}

/// A request header an operation takes (beside the common ones every request may carry).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeaderSpec {
    /// Lower-case name.
    pub name: &'static str,
    /// Whether the operation fails without it.
    pub required: bool,
}

/// A request or response body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payload {
    /// No body.
    None,
    /// An XML document with this root element.
    Xml(&'static str),
    /// A JSON document.
    Json,
    /// Object data (any bytes, streamed).
    Data,
    /// Form fields (`application/x-www-form-urlencoded` text).
    Text,
}

/// Whether an operation carries `Content-MD5`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Md5Rule {
    /// Not used.
    No,
    /// Checked when sent.
    Optional,
    /// Required (`InvalidDigest`/`MissingContentMD5` without it); the SDK always sends it.
    Required,
}

/// Which kind of access an operation needs, for ACL checks of anonymous requests and for
/// bucket policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Access {
    /// Account-level calls.
    Service,
    /// Creating, deleting and configuring a bucket, and object configuration (ACL, tags).
    BucketConfig,
    /// Listing objects.
    List,
    /// Reading object data or metadata.
    ObjectRead,
    /// Writing or deleting objects.
    ObjectWrite,
    /// Anyone, signed or not (CORS preflights, answered by the bucket's rules alone).
    Anyone,
}

/// Where an operation can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Support {
    /// Served by the local server.
    Local,
    /// Needs an Alibaba Cloud service that cannot exist locally; the local server answers
    /// `NotImplemented` naming it.
    Cloud(&'static str),
}

/// The declaration of one OSS operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Operation {
    /// Its identifier.
    pub id: OpId,
    /// OSS's API name, e.g. `PutBucketCors`.
    pub name: &'static str,
    /// oss2's method name, when oss2 has one.
    pub oss2: Option<&'static str>,
    /// One-line description.
    pub doc: &'static str,
    /// HTTP method.
    pub method: HttpMethod,
    /// What the request addresses.
    pub level: Level,
    /// The parameters that select it.
    pub select: &'static [Selector],
    /// A header whose presence selects it (`x-oss-copy-source` turns a PUT into a copy).
    pub select_header: Option<&'static str>,
    /// The other query parameters it takes.
    pub params: &'static [ParamSpec],
    /// The headers it takes.
    pub headers: &'static [HeaderSpec],
    /// Its request body.
    pub request: Payload,
    /// Its response body.
    pub response: Payload,
    /// Content-MD5 rule.
    pub md5: Md5Rule,
    /// Whether sending it twice has the effect of sending it once, so that a failed attempt
    /// may be retried blindly. Appends, multipart completes and calls that create something
    /// new each time are not.
    pub idempotent: bool,
    /// The access it needs.
    pub access: Access,
    /// RAM action checked by bucket policies, e.g. `oss:PutBucketCors`.
    pub action: &'static str,
    /// Largest request body accepted (XML and JSON documents).
    pub max_body: Option<u64>,
    /// Where it can run.
    pub support: Support,
}

/// Largest part number of a multipart upload.
pub const MAX_PART_NUMBER: u64 = 10_000;
/// Smallest size of a part other than the last, in bytes.
pub const MIN_PART_SIZE: u64 = 100 * 1024;
/// Largest size of a part, in bytes.
pub const MAX_PART_SIZE: u64 = 5 * 1024 * 1024 * 1024;
/// Largest object written by one PutObject, or grown by AppendObject, in bytes.
pub const MAX_PUT_SIZE: u64 = 5 * 1024 * 1024 * 1024;
/// Largest `max-keys` of a listing, and most keys of one batch delete.
pub const MAX_KEYS: u64 = 1000;
/// Largest configuration document accepted by the configuration calls (64 KiB).
pub const MAX_CONFIG_BODY: u64 = 64 * 1024;

impl Operation {
    pub(crate) const fn new(method: HttpMethod, level: Level) -> Operation {
        Operation {
            id: OpId::ListBuckets,
            name: "",
            oss2: None,
            doc: "",
            method,
            level,
            select: &[],
            select_header: None,
            params: &[],
            headers: &[],
            request: Payload::None,
            response: Payload::None,
            md5: Md5Rule::No,
            idempotent: true,
            access: Access::BucketConfig,
            action: "",
            max_body: None,
            support: Support::Local,
        }
    }

    pub(crate) const fn named(
        mut self,
        id: OpId,
        name: &'static str,
        action: &'static str,
    ) -> Self {
        self.id = id;
        self.name = name;
        if self.action.is_empty() {
            self.action = action;
        }
        self
    }

    /// The parameter spec named `name`, if the operation takes it.
    pub fn param(&self, name: &str) -> Option<&'static ParamSpec> {
        self.params.iter().find(|p| p.name == name)
    }

    /// The selector named `name`, if it is one.
    pub fn selector(&self, name: &str) -> Option<&'static Selector> {
        self.select.iter().find(|s| s.name() == name)
    }

    /// oss2's name when it has one, otherwise OSS's name in snake case.
    pub fn method_name(&self) -> String {
        match self.oss2 {
            Some(n) => n.to_string(),
            None => snake_case(self.name),
        }
    }

    /// The name in kebab case, as the `oss api` command takes it (`put-bucket-cors`).
    pub fn kebab_name(&self) -> String {
        snake_case(self.name).replace('_', "-")
    }

    /// Checks a request's query parameters against the declaration: every selector and
    /// required parameter present, integer parameters within their bounds. Returns a message
    /// naming the first problem.
    pub fn check_params(&self, params: &[(String, String)]) -> Result<(), String> {
        let get = |name: &str| {
            params
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        for s in self.select {
            match get(s.name()) {
                None => return Err(format!("{} needs the parameter {}", self.name, s.name())),
                Some(v) if !s.accepts(v) => {
                    return Err(format!(
                        "{} needs {}={}",
                        self.name,
                        s.name(),
                        match s {
                            Selector::Value(_, want) => want.to_string(),
                            Selector::OneOf(_, want) => want.join("|"),
                            _ => String::new(),
                        }
                    ))
                }
                Some("") if matches!(s, Selector::Param(_)) => {
                    return Err(format!("{} needs a value for {}", self.name, s.name()))
                }
                _ => {}
            }
        }
        for p in self.params {
            match get(p.name) {
                None if p.required => {
                    return Err(format!("{} needs the parameter {}", self.name, p.name))
                }
                Some(v) => {
                    if let Some((lo, hi)) = p.range {
                        match v.parse::<u64>() {
                            Ok(n) if (lo..=hi).contains(&n) => {}
                            _ => {
                                return Err(format!(
                                    "{} must be an integer between {lo} and {hi}, not {v:?}",
                                    p.name
                                ))
                            }
                        }
                    }
                }
                None => {}
            }
        }
        Ok(())
    }
}

fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 8);
    let chars: Vec<char> = name.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            let prev_lower = i > 0 && chars[i - 1].is_ascii_lowercase();
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            let prev_upper = i > 0 && chars[i - 1].is_ascii_uppercase();
            if i > 0 && (prev_lower || (prev_upper && next_lower)) {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Every declared operation.
pub fn all() -> impl Iterator<Item = &'static Operation> {
    OpId::ALL.iter().map(|id| id.spec())
}

/// The operation named `name`: OSS's name (`PutBucketCors`), oss2's (`put_bucket_cors`) or the
/// kebab-case form (`put-bucket-cors`), compared ignoring case.
pub fn find(name: &str) -> Option<&'static Operation> {
    let wanted = name.trim().to_ascii_lowercase().replace('-', "_");
    all().find(|op| {
        op.name.eq_ignore_ascii_case(name.trim())
            || op.oss2.is_some_and(|o| o == wanted)
            || snake_case(op.name) == wanted
    })
}

/// The query names that select some operation: only these take part in routing, every other
/// parameter is an argument.
pub fn routing_names() -> &'static BTreeSet<&'static str> {
    static NAMES: OnceLock<BTreeSet<&'static str>> = OnceLock::new();
    NAMES.get_or_init(|| {
        all()
            .flat_map(|op| op.select.iter().map(|s| s.name()))
            .collect()
    })
}

/// The parts of a request that select its operation.
#[derive(Debug, Clone, Copy)]
pub struct RouteRequest<'a> {
    /// Method.
    pub method: HttpMethod,
    /// `Service`, `Bucket` or `Object` (never `BucketOrObject`).
    pub level: Level,
    /// Decoded query parameters.
    pub params: &'a [(String, String)],
    /// Headers, lower-case names.
    pub headers: &'a [(String, String)],
}

/// Why no operation fits a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteError {
    /// Some operation has these selecting parameters, but not with this method and level.
    MethodNotAllowed,
    /// No operation is selected by this combination of sub-resources (their names).
    UnknownSubResource(Vec<String>),
}

/// The operation `req` is for: the one of its method and level whose selectors are exactly
/// the routing parameters present (in any order), preferring one whose value constraints or
/// selecting header also match.
pub fn route(req: &RouteRequest<'_>) -> Result<OpId, RouteError> {
    let names = routing_names();
    let present: BTreeSet<&str> = req
        .params
        .iter()
        .map(|(k, _)| k.as_str())
        .filter(|k| names.contains(k))
        .collect();
    let value = |name: &str| {
        req.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    let has_header = |name: &str| {
        req.headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case(name))
    };
    let mut best: Option<(usize, OpId)> = None;
    let mut same_selectors_elsewhere = false;
    for op in all() {
        let selects: BTreeSet<&str> = op.select.iter().map(|s| s.name()).collect();
        if selects != present {
            continue;
        }
        if op.method != req.method || !op.level.accepts(req.level) {
            same_selectors_elsewhere = true;
            continue;
        }
        if !op.select.iter().all(|s| s.accepts(value(s.name()))) {
            continue;
        }
        let mut score = op.select.iter().filter(|s| s.constrains_value()).count() * 2;
        match op.select_header {
            Some(h) if has_header(h) => score += 1,
            Some(_) => continue,
            None => {}
        }
        if best.is_none_or(|(s, _)| score > s) {
            best = Some((score, op.id));
        }
    }
    match best {
        Some((_, id)) => Ok(id),
        None if same_selectors_elsewhere || present.is_empty() => Err(RouteError::MethodNotAllowed),
        None => Err(RouteError::UnknownSubResource(
            present.into_iter().map(str::to_string).collect(),
        )),
    }
}

/// `x-oss-copy-source`: `/bucket/` + the percent-encoded key, with `?versionId=` when a
/// version is named.
pub mod copy_source {
    /// The header value for `key` of `bucket` (and `version_id`).
    ///
    /// ```
    /// use osskit_proto::ops::copy_source::{format, parse};
    /// let v = format("b", "dir/a b.txt", Some("CAEQ"));
    /// assert_eq!(v, "/b/dir%2Fa%20b.txt?versionId=CAEQ");
    /// assert_eq!(parse(&v).unwrap(), ("b".into(), "dir/a b.txt".into(), Some("CAEQ".into())));
    /// assert!(parse("nobucket").is_err());
    /// ```
    pub fn format(bucket: &str, key: &str, version_id: Option<&str>) -> String {
        let mut out = format!("/{bucket}/{}", crate::encoding::quote(key, ""));
        if let Some(v) = version_id {
            out.push_str("?versionId=");
            out.push_str(&crate::encoding::quote(v, ""));
        }
        out
    }

    /// Splits a header value into bucket, decoded key and version id.
    pub fn parse(value: &str) -> Result<(String, String, Option<String>), String> {
        let value = value.trim();
        let (path, query) = match value.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (value, None),
        };
        let path = path.strip_prefix('/').unwrap_or(path);
        let invalid =
            || format!("x-oss-copy-source must be /<bucket>/<url-encoded key>, not {value:?}");
        let (bucket, key) = path.split_once('/').ok_or_else(invalid)?;
        let bucket = crate::encoding::unquote(bucket);
        // A key that does not decode to UTF-8 names no object.
        let key = crate::encoding::unquote_utf8(key).ok_or_else(invalid)?;
        if bucket.is_empty() || key.is_empty() {
            return Err(invalid());
        }
        let version = query.and_then(|q| {
            crate::encoding::parse_query(q)
                .into_iter()
                .find(|(k, _)| k == "versionId")
                .map(|(_, v)| v)
        });
        Ok((bucket, key, version))
    }
}

#[cfg(test)]
mod tests;
