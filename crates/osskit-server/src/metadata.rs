//! The ECS instance metadata service, for the part credential providers use: the RAM role
//! of the instance and its temporary credentials, with the IMDSv2 session token. It listens
//! on a port of its own (its paths, `/latest/...`, would be taken for a bucket named
//! `latest` on the OSS port).
//!
//! * `PUT /latest/api/token` with `X-aliyun-ecs-metadata-token-ttl-seconds: N` (1 to
//!   21600) → a token valid for N seconds.
//! * `GET /latest/meta-data/ram/security-credentials/` → the role name.
//! * `GET /latest/meta-data/ram/security-credentials/<role>` → `{"AccessKeyId", "AccessKeySecret",
//!   "SecurityToken", "Expiration", "LastUpdated", "Code": "Success"}`.
//!
//! A `GET` carrying `X-aliyun-ecs-metadata-token` must carry a valid, unexpired token (401
//! otherwise); without one it is served unless the service is in hardened mode
//! ([`MetadataConfig::require_token`]). The credentials are issued by the server like STS
//! ones (so OSS accepts them) and replaced by new ones once half their lifetime has passed.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use http::{Method, Request, Response};
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use rand::distributions::{Alphanumeric, DistString};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::dispatch::AppState;
use crate::keys::Issued;

/// The header asking for a token, with its lifetime in seconds.
pub const TOKEN_TTL_HEADER: &str = "x-aliyun-ecs-metadata-token-ttl-seconds";
/// The header carrying a token.
pub const TOKEN_HEADER: &str = "x-aliyun-ecs-metadata-token";
/// Longest token lifetime (6 hours).
pub const MAX_TOKEN_TTL_SECS: i64 = 21_600;

const CREDENTIALS_PATH: &str = "/latest/meta-data/ram/security-credentials/";

/// Settings of the metadata service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetadataConfig {
    /// Where it listens (port 0 picks a free port).
    pub listen: SocketAddr,
    /// The name of the instance's RAM role.
    pub role_name: String,
    /// Lifetime of the credentials it hands out (ECS: 6 hours).
    pub credentials_duration_secs: i64,
    /// Hardened mode: requests without a token are refused.
    pub require_token: bool,
    /// Whether tokens are handed out at all; `false` stands for a service that only knows
    /// IMDSv1 (`PUT /latest/api/token` is 404), to test clients' fallback.
    pub tokens: bool,
}

impl MetadataConfig {
    /// On `listen`, role `OssInstanceRole`, credentials valid 6 hours, tokens handed out but
    /// optional.
    pub fn new(listen: SocketAddr) -> Self {
        MetadataConfig {
            listen,
            role_name: "OssInstanceRole".to_string(),
            credentials_duration_secs: 6 * 3600,
            require_token: false,
            tokens: true,
        }
    }
}

struct Service {
    app: Arc<AppState>,
    config: MetadataConfig,
    /// Token → expiry (Unix seconds).
    tokens: Mutex<HashMap<String, i64>>,
    /// The credentials handed out now, and when they were issued.
    current: Mutex<Option<(Issued, i64)>>,
}

/// Binds the metadata listener and serves it in the background until `stopped` turns true.
pub(crate) async fn start(
    app: Arc<AppState>,
    config: MetadataConfig,
    stopped: watch::Receiver<bool>,
) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let listener = TcpListener::bind(config.listen).await?;
    let addr = listener.local_addr()?;
    let service = Arc::new(Service {
        app,
        config,
        tokens: Mutex::new(HashMap::new()),
        current: Mutex::new(None),
    });
    tracing::info!(%addr, "instance metadata service listening");
    Ok((addr, tokio::spawn(accept_loop(listener, service, stopped))))
}

async fn accept_loop(
    listener: TcpListener,
    service: Arc<Service>,
    mut stopped: watch::Receiver<bool>,
) {
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            _ = stopped.changed() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let service = service.clone();
                    conns.spawn(async move {
                        let svc = service_fn(move |req| {
                            let service = service.clone();
                            async move { Ok::<_, Infallible>(service.answer(&req)) }
                        });
                        let _ = http1::Builder::new()
                            .serve_connection(TokioIo::new(stream), svc)
                            .await;
                    });
                }
                Err(e) => {
                    tracing::warn!(error = %e, "metadata accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                }
            },
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
    conns.abort_all();
}

fn text(status: u16, body: impl Into<String>) -> Response<Full<Bytes>> {
    let mut resp = Response::new(Full::new(Bytes::from(body.into())));
    *resp.status_mut() = http::StatusCode::from_u16(status).unwrap_or_default();
    resp.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/plain"),
    );
    resp
}

impl Service {
    fn answer(&self, req: &Request<Incoming>) -> Response<Full<Bytes>> {
        let header = |name: &str| {
            req.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
        };
        let now = self.app.now();
        let path = req.uri().path();
        let resp = match (req.method(), path) {
            (&Method::PUT, "/latest/api/token") if !self.config.tokens => text(404, "Not Found"),
            (&Method::PUT, "/latest/api/token") => match header(TOKEN_TTL_HEADER)
                .and_then(|v| v.parse::<i64>().ok())
                .filter(|ttl| (1..=MAX_TOKEN_TTL_SECS).contains(ttl))
            {
                Some(ttl) => {
                    let token = Alphanumeric.sample_string(&mut rand::thread_rng(), 48);
                    let mut tokens = self.tokens.lock().unwrap_or_else(|e| e.into_inner());
                    tokens.retain(|_, expiry| *expiry > now);
                    tokens.insert(token.clone(), now + ttl);
                    text(200, token)
                }
                None => text(
                    400,
                    format!(
                        "{TOKEN_TTL_HEADER} must be an integer between 1 and {MAX_TOKEN_TTL_SECS}"
                    ),
                ),
            },
            (&Method::GET, _) => {
                let token_ok = match header(TOKEN_HEADER) {
                    Some(token) => self
                        .tokens
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .get(token)
                        .is_some_and(|expiry| *expiry > now),
                    None => !self.config.require_token,
                };
                if !token_ok {
                    text(401, "Unauthorized")
                } else if path == CREDENTIALS_PATH || path == CREDENTIALS_PATH.trim_end_matches('/')
                {
                    text(200, self.config.role_name.clone())
                } else if path.strip_prefix(CREDENTIALS_PATH)
                    == Some(self.config.role_name.as_str())
                {
                    self.credentials(now)
                } else {
                    text(404, "Not Found")
                }
            }
            _ => text(405, "Method Not Allowed"),
        };
        tracing::info!(method = %req.method(), path, status = resp.status().as_u16(), "metadata request");
        resp
    }

    fn credentials(&self, now: i64) -> Response<Full<Bytes>> {
        let duration = self.config.credentials_duration_secs.max(1);
        let mut current = self.current.lock().unwrap_or_else(|e| e.into_inner());
        let fresh = current
            .as_ref()
            .is_some_and(|(issued, _)| issued.expires_at - now > duration / 2);
        if !fresh {
            let principal = format!("acs:ram::1:role/{}/ecs", self.config.role_name);
            *current = Some((self.app.keys.issue(now, duration, &principal), now));
        }
        let Some((issued, updated)) = current.as_ref() else {
            return text(500, "no credentials");
        };
        let doc = serde_json::json!({
            "AccessKeyId": issued.access_key_id,
            "AccessKeySecret": issued.access_key_secret,
            "SecurityToken": issued.security_token,
            "Expiration": osskit_proto::date::unixtime_to_rfc3339(issued.expires_at),
            "LastUpdated": osskit_proto::date::unixtime_to_rfc3339(*updated),
            "Code": "Success",
        });
        let mut resp = text(200, doc.to_string());
        resp.headers_mut().insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/json"),
        );
        resp
    }
}
