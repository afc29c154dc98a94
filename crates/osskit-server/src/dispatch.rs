//! From an HTTP request to an operation: addressing (path style or virtual-hosted), the
//! decoded key and query, the choice of operation by its declaration (method, level, *set*
//! of sub-resources), then authentication, authorisation and the handler.

use crate::auth::{self, Principal};
use crate::error::OssError;
use crate::handlers;
use crate::http::body::ResponseBody;
use crate::http::response::{error_reply, finish, new_request_id, Reply};
use crate::store::Store;
use crate::users::Users;
use http::{Method, Request, Response};
use hyper::body::Incoming;
use osskit_proto::encoding::{parse_query, unquote};
use osskit_proto::error_code::ErrorCode;
use osskit_proto::ops::{self, HttpMethod, Level, OpId, RouteError, RouteRequest, Support};
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
    /// Name each answer's operation in an `x-osskit-operation` header (for tests).
    pub echo_operation: bool,
    /// The customer master keys of the local KMS.
    pub kms: Arc<crate::rpc::kms::KmsKeys>,
    /// State of the browser-facing families (Referer lists, websites, access logs).
    pub web: crate::handlers::web::WebState,
    /// Size and time limits granted to clients.
    pub limits: crate::config::Limits,
    /// Who is behind each access key (accounts, RAM users, role sessions).
    pub users: Users,
    /// The background replicator of replication rules.
    pub replicator: crate::replicator::Replicator,
    /// What access control read about buckets (owner, policy, blocks, payer).
    pub access_cache: crate::access::Cache,
    /// The account's settings and the runtime state of its background families.
    pub account: crate::account::Account,
    /// The clock of lifecycle rules, retention periods, access times and statistics (see
    /// [`crate::clock`]); signatures and credentials follow [`AppState::now`].
    pub clock: crate::clock::Clock,
    /// How long a restore of an archived object takes (see
    /// [`ServerConfig::restore_delay`](crate::ServerConfig::restore_delay)).
    pub restore_delay: std::time::Duration,
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
    /// The client's address, when the connection told it (see [`PeerAddr`]).
    pub peer: Option<std::net::SocketAddr>,
    /// The `x-oss-meta-*` headers with their values' bytes as sent (stored exactly).
    pub user_meta: Vec<(String, Vec<u8>)>,
    /// Who sent the request: [`Principal::Anonymous`] until it is authenticated.
    pub principal: Principal,
    /// The address of the client, when known (the `acs:SourceIp` of policies).
    pub client_ip: Option<IpAddr>,
}

/// The client address of a connection, carried in each request's extensions by the HTTP
/// layer and read into [`RequestCtx::peer`] and [`RequestCtx::client_ip`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerAddr(pub std::net::SocketAddr);

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

/// The operation a request is for, by the declarations of [`osskit_proto::ops`]: method,
/// addressed level, the *set* of selecting sub-resources (order never matters), and the
/// selecting header (`x-oss-copy-source`).
pub fn route(ctx: &RequestCtx) -> Result<OpId, OssError> {
    let Some(method) = HttpMethod::parse(ctx.method.as_str()) else {
        return Err(OssError::new(ErrorCode::MethodNotAllowed));
    };
    let level = match (&ctx.bucket, ctx.key.is_empty()) {
        (None, _) => Level::Service,
        (Some(_), true) => Level::Bucket,
        (Some(_), false) => Level::Object,
    };
    let routed = ops::route(&RouteRequest {
        method,
        level,
        params: &ctx.params,
        headers: &ctx.headers,
    });
    // OSS deletes the object (or the version named) when a DELETE names the `symlink`
    // sub-resource, which has no DELETE of its own: oss2's `get_symlink` leaves it in a
    // params dict its callers reuse.
    let only_symlink = || {
        ctx.params
            .iter()
            .all(|(k, _)| k == "symlink" || k == "versionId")
    };
    let routed = match routed {
        Err(RouteError::MethodNotAllowed)
            if method == HttpMethod::Delete && level == Level::Object && only_symlink() =>
        {
            Ok(OpId::DeleteObject)
        }
        other => other,
    };
    routed.map_err(|e| match e {
        RouteError::MethodNotAllowed => OssError::new(ErrorCode::MethodNotAllowed),
        RouteError::UnknownSubResource(names) => OssError::with_message(
            ErrorCode::InvalidArgument,
            format!(
                "No operation is selected by the sub-resources {}.",
                names.join(", ")
            ),
        ),
    })
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

/// The region a request's host stands for: `REGION` of a configured base domain
/// `oss-REGION.aliyuncs.com` (or `oss-REGION-internal.aliyuncs.com`) the host is or ends
/// with; `default` for every other host. V4 signatures are checked against this region, and
/// buckets created through such a host are in it.
pub fn host_region(host: &str, base_domains: &[String], default: &str) -> String {
    let name = host_name(host);
    base_domains
        .iter()
        .filter(|d| name == **d || name.ends_with(&format!(".{d}")))
        .find_map(|d| {
            let r = d.strip_prefix("oss-")?.strip_suffix(".aliyuncs.com")?;
            let r = r.strip_suffix("-internal").unwrap_or(r);
            (!r.is_empty() && !r.contains('.')).then(|| r.to_string())
        })
        .unwrap_or_else(|| default.to_string())
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
    let user_meta = crate::http::guard::user_meta(req.headers());
    let host = headers
        .iter()
        .find(|(k, _)| k == "host")
        .map(|(_, v)| v.clone())
        .or_else(|| req.uri().authority().map(|a| a.to_string()))
        .unwrap_or_default();
    let (bucket, key) = split_path(req.uri().path(), virtual_host_bucket(&host, base_domains));
    let params = parse_query(req.uri().query().unwrap_or(""));
    let client_ip = req.extensions().get::<PeerAddr>().map(|a| a.0.ip());
    RequestCtx {
        request_id,
        method: req.method().clone(),
        host,
        bucket,
        key,
        params,
        headers,
        peer: req.extensions().get::<PeerAddr>().map(|p| p.0),
        user_meta,
        principal: Principal::Anonymous,
        client_ip,
    }
}

/// Serves one request: never fails, every error becomes an OSS error response.
pub async fn serve(state: Arc<AppState>, req: Request<Incoming>) -> Response<ResponseBody> {
    let started = std::time::Instant::now();
    let request_id = new_request_id();
    let mut ctx = parse_request(&req, &state.base_domains, request_id.clone());
    crate::handlers::cname::readdress(&state, &mut ctx, req.uri().path()).await;
    let is_head = ctx.method == Method::HEAD;
    let has_body = req.headers().contains_key(http::header::TRANSFER_ENCODING)
        || req
            .headers()
            .get(http::header::CONTENT_LENGTH)
            .is_some_and(|v| v.as_bytes() != b"0");
    let path_check = crate::http::guard::check_path(req.uri().path());
    let body = req.into_body();
    if crate::rpc::is_rpc_request(&ctx) {
        let reply = crate::rpc::serve(&state, &ctx, body).await;
        tracing::info!(request_id = %ctx.request_id, method = %ctx.method, action = ?ctx.param("Action"), status = reply.status, "RPC request");
        return finish(reply, &request_id);
    }
    let mut error_code = None;
    let outcome = match path_check {
        Err(err) => Err(err),
        Ok(()) => run(&state, &mut ctx, body).await,
    };
    let reply = match outcome {
        Ok(reply) => reply,
        Err(err) => {
            error_code = Some(err.code.as_str());
            crate::http::log::request_failed(&ctx, &err);
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
    // A GET or HEAD that announces a body (oss2 sends `Content-Length` with presigned GETs
    // when told to) has it left unread: the connection cannot carry another request, so
    // say so rather than let the client's next request be read as this one's body.
    let reply = if has_body && (is_head || ctx.method == Method::GET) && reply.status < 400 {
        reply.header("connection", "close")
    } else {
        reply
    };
    let reply = if ctx.header("origin").is_some() && ctx.method != Method::OPTIONS {
        crate::handlers::cors::decorate(&state, &ctx, reply).await
    } else {
        reply
    };
    // Browser-facing families: the access log of logged buckets (handlers/logging.rs).
    crate::handlers::logging::record(&state, &ctx, &reply, error_code, started).await;
    crate::http::log::request_done(&ctx, reply.status);
    finish(reply, &request_id)
}

async fn run(state: &AppState, ctx: &mut RequestCtx, body: Incoming) -> Result<Reply, OssError> {
    let op = route(ctx);
    ctx.principal = auth::authenticate(state, ctx)?;
    let op = op?;
    let result = run_op(state, ctx, op, body).await;
    if !state.echo_operation {
        return result;
    }
    match result {
        Ok(reply) => Ok(reply.header(ECHO_OPERATION, op.name())),
        Err(e) => Err(e.with_header(ECHO_OPERATION, op.name())),
    }
}

/// The response header naming the operation a request was routed to, when
/// [`AppState::echo_operation`] is on.
pub const ECHO_OPERATION: &str = "x-osskit-operation";

async fn run_op(
    state: &AppState,
    ctx: &RequestCtx,
    op: OpId,
    body: Incoming,
) -> Result<Reply, OssError> {
    if let Some(bucket) = &ctx.bucket {
        if !osskit_proto::names::is_valid_bucket_name(bucket) && op != OpId::PutBucket {
            return Err(
                OssError::new(ErrorCode::InvalidBucketName).with_detail("BucketName", bucket)
            );
        }
    }
    // Browser-facing families: Referer lists judge anonymous and presigned requests
    // (handlers/referer.rs); buckets with a website configuration serve their objects as a
    // website (handlers/website.rs, which authorises its reads itself).
    handlers::referer::check(state, ctx, op).await?;
    let anonymous = ctx.principal == Principal::Anonymous;
    if let Some(reply) = handlers::website::serve(state, ctx, op, anonymous).await {
        return reply;
    }
    // ---- Access control: every request, signed or not, is authorised here (bucket and
    // RAM policies, ACLs, public access blocks, requester pays); see `crate::access`.
    crate::access::authorize(state, ctx, op).await?;
    // Operations that need another Alibaba Cloud service: refused once the requester is
    // known to be allowed.
    if let Support::Cloud(service) = op.spec().support {
        return Err(OssError::with_message(
            ErrorCode::NotImplemented,
            format!(
                "{} needs {service}, which this local server does not provide.",
                op.name()
            ),
        ));
    }
    // Families that follow others (callbacks, access tracking, metadata indexes): see
    // `handlers::observe`.
    handlers::observe::before(state, ctx, op).await?;
    let result = handlers::handle(state, ctx, op, body).await;
    state.access_cache.after(ctx, op);
    if result.is_ok() {
        // Replication rules copy what this request changed.
        state.replicator.observe(ctx, op);
    }
    handlers::observe::after(state, ctx, op, result).await
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn hosts_of_other_regions_name_their_region() {
        let bases = vec![
            "localhost".to_string(),
            "oss-cn-hangzhou.aliyuncs.com".to_string(),
            "oss-ap-south-1.aliyuncs.com".to_string(),
            "oss-ap-south-1-internal.aliyuncs.com".to_string(),
        ];
        let r = |h: &str| host_region(h, &bases, "cn-hangzhou");
        assert_eq!(r("b.oss-ap-south-1.aliyuncs.com"), "ap-south-1");
        assert_eq!(r("b.oss-ap-south-1-internal.aliyuncs.com:80"), "ap-south-1");
        assert_eq!(r("oss-ap-south-1.aliyuncs.com"), "ap-south-1");
        assert_eq!(r("127.0.0.1:9000"), "cn-hangzhou");
        assert_eq!(r("b.localhost"), "cn-hangzhou");
        // Not configured: the server's region.
        assert_eq!(r("b.oss-us-west-1.aliyuncs.com"), "cn-hangzhou");
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
