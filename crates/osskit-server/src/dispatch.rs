//! From an HTTP request to an operation: addressing (path style or virtual-hosted), the
//! decoded key and query, the choice of operation by method and *set* of sub-resources,
//! then authentication, authorisation and the handler.

use crate::auth::{self, Principal};
use crate::error::OssError;
use crate::handlers;
use crate::http::body::ResponseBody;
use crate::http::response::{error_reply, finish, new_request_id, Reply};
use crate::store::Store;
use http::{Method, Request, Response};
use hyper::body::Incoming;
use osskit_proto::encoding::{parse_query, unquote};
use osskit_proto::error_code::ErrorCode;
use std::collections::BTreeSet;
use std::net::IpAddr;
use std::sync::Arc;

/// What every request handler shares.
pub struct AppState {
    /// The storage engine.
    pub store: Arc<dyn Store>,
    /// Region the server stands for.
    pub region: String,
    /// Base domains for addressing, lower case.
    pub base_domains: Vec<String>,
    /// The access keys accepted: configured ones and the temporary credentials issued.
    pub keys: crate::keys::Keys,
    /// Settings of the STS actions.
    pub sts: crate::rpc::sts::StsSettings,
    /// Seconds the server's clock is ahead of the machine's (see
    /// [`ServerConfig::clock_offset_secs`](crate::ServerConfig::clock_offset_secs)).
    pub clock_offset_secs: i64,
    /// `host:port` clients can reach the server at (used as the buckets' endpoints).
    pub authority: String,
}

impl AppState {
    /// The server's clock, Unix seconds: the machine's plus the configured offset. Signatures,
    /// presigned URLs and credentials' expiry are judged by it.
    pub fn now(&self) -> i64 {
        crate::http::response::now_secs() + self.clock_offset_secs
    }
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("region", &self.region)
            .field("base_domains", &self.base_domains)
            .field("keys", &self.keys.configured_ids())
            .field("authority", &self.authority)
            .finish()
    }
}

/// A parsed request: who it addresses and what it carries, minus the body.
#[derive(Debug, Clone)]
pub struct RequestCtx {
    /// Id of this request (`x-oss-request-id`).
    pub request_id: String,
    /// HTTP method.
    pub method: Method,
    /// The `Host` header as sent (the error documents' `HostId`).
    pub host: String,
    /// Bucket, if the request addresses one.
    pub bucket: Option<String>,
    /// Decoded object key; empty for bucket- and service-level requests.
    pub key: String,
    /// Decoded query parameters, in order.
    pub params: Vec<(String, String)>,
    /// Headers: lower-case names, values read as UTF-8 (or latin-1 when not UTF-8).
    pub headers: Vec<(String, String)>,
}

impl RequestCtx {
    /// The first value of header `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The value of query parameter `name`.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The bucket name ("" for service-level requests).
    pub fn bucket_name(&self) -> &str {
        self.bucket.as_deref().unwrap_or("")
    }
}

/// The operations the server knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// `GET /`.
    ListBuckets,
    /// `PUT /bucket`.
    PutBucket,
    /// `DELETE /bucket`.
    DeleteBucket,
    /// `HEAD /bucket`.
    HeadBucket,
    /// `GET /bucket?bucketInfo`.
    GetBucketInfo,
    /// `GET /bucket?location`.
    GetBucketLocation,
    /// `GET /bucket?acl`.
    GetBucketAcl,
    /// `PUT /bucket?acl`.
    PutBucketAcl,
    /// `GET /bucket`.
    ListObjects,
    /// `GET /bucket?list-type=2`.
    ListObjectsV2,
    /// `GET /bucket?live` (no channels are ever served).
    ListLiveChannels,
    /// `POST /bucket?delete`.
    DeleteMultipleObjects,
    /// `PUT /bucket/key`.
    PutObject,
    /// `PUT /bucket/key` with `x-oss-copy-source`.
    CopyObject,
    /// `POST /bucket/key?append&position=N`.
    AppendObject,
    /// `GET /bucket/key`.
    GetObject,
    /// `HEAD /bucket/key`.
    HeadObject,
    /// `HEAD /bucket/key?objectMeta`.
    GetObjectMeta,
    /// `DELETE /bucket/key`.
    DeleteObject,
    /// `GET /bucket/key?acl`.
    GetObjectAcl,
    /// `PUT /bucket/key?acl`.
    PutObjectAcl,
    /// `POST /bucket/key?uploads`.
    InitiateMultipartUpload,
    /// `PUT /bucket/key?partNumber=N&uploadId=ID`.
    UploadPart,
    /// `PUT /bucket/key?partNumber=N&uploadId=ID` with `x-oss-copy-source`.
    UploadPartCopy,
    /// `POST /bucket/key?uploadId=ID`.
    CompleteMultipartUpload,
    /// `DELETE /bucket/key?uploadId=ID`.
    AbortMultipartUpload,
    /// `GET /bucket/key?uploadId=ID`.
    ListParts,
    /// `GET /bucket?uploads`.
    ListMultipartUploads,
    /// A known sub-resource this server does not implement (501).
    NotImplemented(String),
    /// A method that makes no sense on this resource (405).
    MethodNotAllowed,
}

/// What kind of access an operation needs (anonymous requests are checked against it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Account-level.
    Service,
    /// Bucket creation, deletion and configuration.
    BucketConfig,
    /// Listing a bucket.
    List,
    /// Reading an object.
    ObjectRead,
    /// Writing or deleting objects.
    ObjectWrite,
}

impl Op {
    /// The access this operation needs.
    pub fn access(&self) -> Access {
        match self {
            Op::ListBuckets => Access::Service,
            Op::ListObjects | Op::ListObjectsV2 | Op::ListLiveChannels => Access::List,
            Op::GetObject | Op::HeadObject | Op::GetObjectMeta => Access::ObjectRead,
            Op::PutObject
            | Op::CopyObject
            | Op::AppendObject
            | Op::DeleteObject
            | Op::DeleteMultipleObjects
            | Op::InitiateMultipartUpload
            | Op::UploadPart
            | Op::UploadPartCopy
            | Op::CompleteMultipartUpload
            | Op::AbortMultipartUpload
            | Op::ListParts
            | Op::ListMultipartUploads => Access::ObjectWrite,
            _ => Access::BucketConfig,
        }
    }
}

/// Signed sub-resources (oss2's V1 list) that are arguments or options of the operations
/// served here rather than names of a resource, so they never select an operation.
const NOT_ROUTING: &[&str] = &[
    "continuation-token",
    "position",
    "response-cache-control",
    "response-content-disposition",
    "response-content-encoding",
    "response-content-language",
    "response-content-type",
    "response-expires",
    "security-token",
    "x-oss-ac-forward-allow",
    "x-oss-ac-source-ip",
    "x-oss-ac-subnet-mask",
    "x-oss-ac-vpc-id",
    "x-oss-access-point-name",
    "x-oss-redundancy-transition-taskid",
    "x-oss-request-payer",
    "x-oss-target-redundancy-type",
    "x-oss-traffic-limit",
];

/// Whether a query parameter names a sub-resource (and so takes part in routing).
fn is_routing_sub_resource(name: &str) -> bool {
    osskit_proto::sign::v1::is_subresource(name) && !NOT_ROUTING.contains(&name)
}

/// The sub-resources present in `params`, as a set (order never matters).
pub fn sub_resources(params: &[(String, String)]) -> BTreeSet<&str> {
    params
        .iter()
        .map(|(k, _)| k.as_str())
        .filter(|k| is_routing_sub_resource(k))
        .collect()
}

/// Chooses the operation from the method, the addressed resource, the sub-resources and
/// (for PUT on an object) the copy-source header.
pub fn route(
    method: &Method,
    bucket: Option<&str>,
    key: &str,
    params: &[(String, String)],
    is_copy: bool,
) -> Op {
    let subs = sub_resources(params);
    let only = |names: &[&str]| subs.len() == names.len() && names.iter().all(|n| subs.contains(n));
    let unimplemented = || match subs.iter().next() {
        Some(s) => Op::NotImplemented((*s).to_string()),
        None => Op::MethodNotAllowed,
    };
    match (bucket, key.is_empty()) {
        (None, _) => {
            if *method == Method::GET && subs.is_empty() {
                Op::ListBuckets
            } else {
                unimplemented()
            }
        }
        (Some(_), true) => match *method {
            Method::PUT if subs.is_empty() => Op::PutBucket,
            Method::PUT if only(&["acl"]) => Op::PutBucketAcl,
            Method::GET if subs.is_empty() => {
                if params.iter().any(|(k, v)| k == "list-type" && v == "2") {
                    Op::ListObjectsV2
                } else {
                    Op::ListObjects
                }
            }
            Method::GET if only(&["acl"]) => Op::GetBucketAcl,
            Method::GET if only(&["location"]) => Op::GetBucketLocation,
            Method::GET if only(&["bucketInfo"]) => Op::GetBucketInfo,
            Method::GET if only(&["live"]) => Op::ListLiveChannels,
            Method::GET if only(&["uploads"]) => Op::ListMultipartUploads,
            Method::HEAD if subs.is_empty() => Op::HeadBucket,
            Method::DELETE if subs.is_empty() => Op::DeleteBucket,
            Method::POST if only(&["delete"]) => Op::DeleteMultipleObjects,
            _ => unimplemented(),
        },
        (Some(_), false) => match *method {
            Method::PUT if subs.is_empty() => {
                if is_copy {
                    Op::CopyObject
                } else {
                    Op::PutObject
                }
            }
            Method::GET if subs.is_empty() => Op::GetObject,
            Method::HEAD if subs.is_empty() => Op::HeadObject,
            Method::HEAD if only(&["objectMeta"]) => Op::GetObjectMeta,
            Method::DELETE if subs.is_empty() => Op::DeleteObject,
            Method::POST if only(&["append"]) => Op::AppendObject,
            Method::GET if only(&["acl"]) => Op::GetObjectAcl,
            Method::PUT if only(&["acl"]) => Op::PutObjectAcl,
            Method::POST if only(&["uploads"]) || only(&["uploads", "sequential"]) => {
                Op::InitiateMultipartUpload
            }
            Method::PUT if only(&["partNumber", "uploadId"]) && !is_copy => Op::UploadPart,
            Method::PUT
                if is_copy
                    && (only(&["partNumber", "uploadId"])
                        || only(&["partNumber", "uploadId", "versionId"])) =>
            {
                Op::UploadPartCopy
            }
            Method::POST if only(&["uploadId"]) => Op::CompleteMultipartUpload,
            Method::DELETE if only(&["uploadId"]) => Op::AbortMultipartUpload,
            Method::GET if only(&["uploadId"]) => Op::ListParts,
            _ => unimplemented(),
        },
    }
}

/// Host without port, lower case (`[::1]:80` → `::1`).
pub fn host_name(host: &str) -> String {
    let host = host.trim();
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or(rest)
    } else {
        match host.rsplit_once(':') {
            Some((name, port))
                if !name.contains(':') && port.chars().all(|c| c.is_ascii_digit()) =>
            {
                name
            }
            _ => host,
        }
    };
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// The bucket named by a virtual-hosted `host`, or `None` for path-style hosts (IP
/// literals, `localhost`, a base domain, or any host that is not `<bucket>.<base domain>`).
pub fn virtual_host_bucket(host: &str, base_domains: &[String]) -> Option<String> {
    let name = host_name(host);
    if name == "localhost" || name.parse::<IpAddr>().is_ok() || base_domains.contains(&name) {
        return None;
    }
    base_domains.iter().find_map(|d| {
        let label = name.strip_suffix(d.as_str())?.strip_suffix('.')?;
        (!label.is_empty() && !label.contains('.')).then(|| label.to_string())
    })
}

/// Splits the raw (still percent-encoded) path into bucket and decoded key.
pub fn split_path(raw_path: &str, virtual_bucket: Option<String>) -> (Option<String>, String) {
    let path = raw_path.strip_prefix('/').unwrap_or(raw_path);
    match virtual_bucket {
        Some(bucket) => (Some(bucket), unquote(path)),
        None => {
            if path.is_empty() {
                return (None, String::new());
            }
            match path.split_once('/') {
                Some((bucket, key)) => (Some(unquote(bucket)), unquote(key)),
                None => (Some(unquote(path)), String::new()),
            }
        }
    }
}

/// A header value as text: UTF-8 when valid, otherwise each byte read as latin-1.
pub fn header_text(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => bytes.iter().map(|&b| b as char).collect(),
    }
}

/// Parses the request head into a [`RequestCtx`].
pub fn parse_request<B>(
    req: &Request<B>,
    base_domains: &[String],
    request_id: String,
) -> RequestCtx {
    let headers: Vec<(String, String)> = req
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_string(), header_text(v.as_bytes())))
        .collect();
    let host = headers
        .iter()
        .find(|(k, _)| k == "host")
        .map(|(_, v)| v.clone())
        .or_else(|| req.uri().authority().map(|a| a.to_string()))
        .unwrap_or_default();
    let (bucket, key) = split_path(req.uri().path(), virtual_host_bucket(&host, base_domains));
    let params = parse_query(req.uri().query().unwrap_or(""));
    RequestCtx {
        request_id,
        method: req.method().clone(),
        host,
        bucket,
        key,
        params,
        headers,
    }
}

/// Serves one request: never fails, every error becomes an OSS error response.
pub async fn serve(state: Arc<AppState>, req: Request<Incoming>) -> Response<ResponseBody> {
    let request_id = new_request_id();
    let ctx = parse_request(&req, &state.base_domains, request_id.clone());
    let is_head = ctx.method == Method::HEAD;
    let has_body = req.headers().contains_key(http::header::TRANSFER_ENCODING)
        || req
            .headers()
            .get(http::header::CONTENT_LENGTH)
            .is_some_and(|v| v.as_bytes() != b"0");
    let body = req.into_body();
    if crate::rpc::is_rpc_request(&ctx) {
        let reply = crate::rpc::serve(&state, &ctx, body).await;
        tracing::info!(request_id = %ctx.request_id, method = %ctx.method, action = ?ctx.param("Action"), status = reply.status, "RPC request");
        return finish(reply, &request_id);
    }
    let reply = match run(&state, &ctx, body).await {
        Ok(reply) => reply,
        Err(err) => {
            tracing::debug!(request_id = %ctx.request_id, method = %ctx.method, bucket = ?ctx.bucket, key = %ctx.key, error = %err, "request failed");
            let reply = error_reply(&err, &ctx.request_id, &ctx.host, is_head);
            if has_body {
                // The request body may be left unread; the connection then cannot carry another
                // request, so say so instead of letting the client reuse it and hit the close.
                reply.header("connection", "close")
            } else {
                reply
            }
        }
    };
    tracing::info!(request_id = %ctx.request_id, method = %ctx.method, bucket = ?ctx.bucket, key = %ctx.key, status = reply.status, "request");
    finish(reply, &request_id)
}

async fn run(state: &AppState, ctx: &RequestCtx, body: Incoming) -> Result<Reply, OssError> {
    let op = route(
        &ctx.method,
        ctx.bucket.as_deref(),
        &ctx.key,
        &ctx.params,
        ctx.header(osskit_proto::headers::COPY_SOURCE).is_some(),
    );
    let principal = auth::authenticate(state, ctx)?;
    if let Some(bucket) = &ctx.bucket {
        if !osskit_proto::names::is_valid_bucket_name(bucket) && op != Op::PutBucket {
            return Err(
                OssError::new(ErrorCode::InvalidBucketName).with_detail("BucketName", bucket)
            );
        }
    }
    match &op {
        Op::NotImplemented(what) => {
            return Err(OssError::with_message(
                ErrorCode::NotImplemented,
                format!("The sub-resource '{what}' is not implemented by this server."),
            ))
        }
        Op::MethodNotAllowed => return Err(OssError::new(ErrorCode::MethodNotAllowed)),
        _ => {}
    }
    if principal == Principal::Anonymous {
        // A part copy reads its source like CopyObject does: the same check applies.
        let as_op = if op == Op::UploadPartCopy {
            &Op::CopyObject
        } else {
            &op
        };
        auth::authorize_anonymous(state, ctx, as_op).await?;
    }
    handlers::handle(state, ctx, op, body).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn routing_ignores_query_order_and_plain_arguments() {
        let a = route(
            &Method::POST,
            Some("b"),
            "k",
            &q(&[("append", ""), ("position", "0")]),
            false,
        );
        let b = route(
            &Method::POST,
            Some("b"),
            "k",
            &q(&[("position", "0"), ("append", "")]),
            false,
        );
        assert_eq!(a, Op::AppendObject);
        assert_eq!(b, Op::AppendObject);
        assert_eq!(
            route(
                &Method::GET,
                Some("b"),
                "",
                &q(&[("prefix", "a"), ("max-keys", "3")]),
                false
            ),
            Op::ListObjects
        );
        assert_eq!(
            route(
                &Method::GET,
                Some("b"),
                "",
                &q(&[("list-type", "2")]),
                false
            ),
            Op::ListObjectsV2
        );
        assert_eq!(
            route(
                &Method::GET,
                Some("b"),
                "k",
                &q(&[("response-content-type", "x")]),
                false
            ),
            Op::GetObject
        );
        assert_eq!(
            route(
                &Method::HEAD,
                Some("b"),
                "k",
                &q(&[("objectMeta", "")]),
                false
            ),
            Op::GetObjectMeta
        );
        assert_eq!(
            route(&Method::PUT, Some("b"), "k", &[], true),
            Op::CopyObject
        );
        assert_eq!(
            route(&Method::PUT, Some("b"), "", &q(&[("acl", "")]), false),
            Op::PutBucketAcl
        );
        assert_eq!(
            route(&Method::POST, Some("b"), "", &q(&[("delete", "")]), false),
            Op::DeleteMultipleObjects
        );
        assert_eq!(
            route(&Method::GET, None, "", &q(&[("prefix", "x")]), false),
            Op::ListBuckets
        );
    }

    #[test]
    fn unknown_sub_resources_are_not_implemented() {
        assert_eq!(
            route(
                &Method::GET,
                Some("b"),
                "k",
                &q(&[("partNumber", "1")]),
                false
            ),
            Op::NotImplemented("partNumber".into())
        );
        assert_eq!(
            route(&Method::GET, Some("b"), "", &q(&[("cors", "")]), false),
            Op::NotImplemented("cors".into())
        );
        assert_eq!(
            route(&Method::POST, Some("b"), "k", &[], false),
            Op::MethodNotAllowed
        );
        assert_eq!(
            route(&Method::PUT, None, "", &[], false),
            Op::MethodNotAllowed
        );
    }

    #[test]
    fn multipart_operations_route_in_any_parameter_order() {
        let put = |params: &[(&str, &str)], copy: bool| {
            route(&Method::PUT, Some("b"), "k", &q(params), copy)
        };
        assert_eq!(
            put(&[("partNumber", "1"), ("uploadId", "U")], false),
            Op::UploadPart
        );
        assert_eq!(
            put(&[("uploadId", "U"), ("partNumber", "1")], false),
            Op::UploadPart
        );
        assert_eq!(
            put(&[("uploadId", "U"), ("partNumber", "1")], true),
            Op::UploadPartCopy
        );
        assert_eq!(
            put(
                &[("uploadId", "U"), ("partNumber", "1"), ("versionId", "v")],
                true
            ),
            Op::UploadPartCopy
        );
        assert_eq!(
            put(&[("uploadId", "U")], false),
            Op::NotImplemented("uploadId".into())
        );
        let one = |m: Method, key: &str, params: &[(&str, &str)]| {
            route(&m, Some("b"), key, &q(params), false)
        };
        assert_eq!(
            one(Method::POST, "k", &[("uploads", "")]),
            Op::InitiateMultipartUpload
        );
        assert_eq!(
            one(Method::POST, "k", &[("sequential", ""), ("uploads", "")]),
            Op::InitiateMultipartUpload
        );
        assert_eq!(
            one(Method::POST, "k", &[("uploadId", "U")]),
            Op::CompleteMultipartUpload
        );
        assert_eq!(
            one(Method::DELETE, "k", &[("uploadId", "U")]),
            Op::AbortMultipartUpload
        );
        assert_eq!(
            one(
                Method::GET,
                "k",
                &[
                    ("uploadId", "U"),
                    ("max-parts", "3"),
                    ("part-number-marker", "1")
                ]
            ),
            Op::ListParts
        );
        assert_eq!(
            one(Method::GET, "", &[("uploads", ""), ("prefix", "a")]),
            Op::ListMultipartUploads
        );
        assert_eq!(Op::UploadPart.access(), Access::ObjectWrite);
        assert_eq!(Op::ListMultipartUploads.access(), Access::ObjectWrite);
    }

    #[test]
    fn host_names_lose_their_port() {
        assert_eq!(host_name("Example.COM:8080"), "example.com");
        assert_eq!(host_name("[::1]:9000"), "::1");
        assert_eq!(host_name("127.0.0.1"), "127.0.0.1");
        assert_eq!(host_name("::1"), "::1");
    }

    #[test]
    fn virtual_hosts_name_their_bucket() {
        let bases = vec![
            "localhost".to_string(),
            "127.0.0.1".to_string(),
            "oss-cn-hangzhou.aliyuncs.com".to_string(),
        ];
        assert_eq!(
            virtual_host_bucket("b1.oss-cn-hangzhou.aliyuncs.com:1234", &bases).as_deref(),
            Some("b1")
        );
        assert_eq!(
            virtual_host_bucket("b1.localhost", &bases).as_deref(),
            Some("b1")
        );
        assert_eq!(
            virtual_host_bucket("oss-cn-hangzhou.aliyuncs.com", &bases),
            None
        );
        assert_eq!(virtual_host_bucket("127.0.0.1:80", &bases), None);
        assert_eq!(virtual_host_bucket("[::1]:80", &bases), None);
        assert_eq!(virtual_host_bucket("a.b.localhost", &bases), None);
        assert_eq!(virtual_host_bucket("elsewhere.example", &bases), None);
    }

    #[test]
    fn paths_split_into_bucket_and_decoded_key() {
        assert_eq!(split_path("/", None), (None, String::new()));
        assert_eq!(split_path("/b", None), (Some("b".into()), String::new()));
        assert_eq!(split_path("/b/", None), (Some("b".into()), String::new()));
        assert_eq!(
            split_path("/b/dir%2Fa%20b.txt", None),
            (Some("b".into()), "dir/a b.txt".into())
        );
        assert_eq!(
            split_path("/b/dir/", None),
            (Some("b".into()), "dir/".into())
        );
        assert_eq!(
            split_path("/a+b%2Bc", Some("v".into())),
            (Some("v".into()), "a+b+c".into())
        );
        assert_eq!(
            split_path("/", Some("v".into())),
            (Some("v".into()), String::new())
        );
    }

    #[test]
    fn header_text_falls_back_to_latin1() {
        assert_eq!(header_text("café".as_bytes()), "café");
        assert_eq!(header_text(b"caf\xe9"), "café");
    }
}
