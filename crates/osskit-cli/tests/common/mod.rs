//! What the CLI tests share: a server with a clean environment for the real `oss` binary,
//! and a request-counting reverse proxy in front of the server.
#![allow(dead_code)]

use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use osskit_server::testing::{TestServer, TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET};

pub const OSS: &str = env!("CARGO_BIN_EXE_oss");
/// The local server's region.
pub const REGION: &str = "cn-hangzhou";

/// Variables the binary must not inherit from whoever runs the tests.
const CLEARED: &[&str] = &[
    "OSS_ENDPOINT",
    "OSS_ACCESS_KEY_ID",
    "OSS_ACCESS_KEY_SECRET",
    "OSS_SESSION_TOKEN",
    "OSS_REGION",
    "OSS_ROLE_ARN",
    "OSS_ROLE_SESSION_NAME",
    "OSSUTIL_CONFIG_FILE",
    "OSSUTIL_PROFILE",
    "ALIBABA_CLOUD_ACCESS_KEY_ID",
    "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
    "ALIBABA_CLOUD_SECURITY_TOKEN",
    "ALIBABA_CLOUD_PROFILE",
    "ALIBABA_CLOUD_CREDENTIALS_FILE",
    "ALIBABA_CLOUD_CONFIG_FILE",
    "ALIBABA_CLOUD_ROLE_ARN",
    "ALIBABA_CLOUD_OIDC_PROVIDER_ARN",
    "ALIBABA_CLOUD_OIDC_TOKEN_FILE",
    "ALIBABA_CLOUD_CREDENTIALS_URI",
    "ALIBABA_CLOUD_ECS_METADATA",
];

/// A server plus a clean environment for the binary (its own HOME, so no user
/// configuration file is read).
pub struct Env {
    pub server: TestServer,
    pub home: tempfile::TempDir,
    pub vars: Vec<(&'static str, String)>,
}

/// The result of one run.
#[derive(Debug)]
pub struct Run {
    pub status: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub raw_stdout: Vec<u8>,
}

impl Run {
    pub fn from(out: Output) -> Run {
        Run {
            status: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            raw_stdout: out.stdout,
        }
    }

    /// Panics unless the run succeeded; returns stdout.
    pub fn ok(self) -> String {
        assert_eq!(
            self.status,
            Some(0),
            "stdout: {}\nstderr: {}",
            self.stdout,
            self.stderr
        );
        self.stdout
    }

    /// Panics unless the run failed with `status`; returns stderr.
    pub fn fails(self, status: i32) -> String {
        assert_eq!(
            self.status,
            Some(status),
            "stdout: {}\nstderr: {}",
            self.stdout,
            self.stderr
        );
        assert_eq!(
            self.stderr.trim_end().lines().count(),
            1,
            "one line: {}",
            self.stderr
        );
        self.stderr
    }
}

impl Env {
    pub async fn start() -> Env {
        Env::with(TestServer::start().await)
    }

    /// An environment for `server`: its endpoint, the test keys and the region.
    pub fn with(server: TestServer) -> Env {
        let vars = vec![
            ("OSS_ENDPOINT", server.endpoint()),
            ("OSS_ACCESS_KEY_ID", TEST_ACCESS_KEY_ID.to_string()),
            ("OSS_ACCESS_KEY_SECRET", TEST_ACCESS_KEY_SECRET.to_string()),
            ("OSS_REGION", REGION.to_string()),
        ];
        Env {
            server,
            home: tempfile::tempdir().unwrap(),
            vars,
        }
    }

    /// Replaces (or adds) a variable.
    pub fn set(&mut self, name: &'static str, value: impl Into<String>) {
        self.vars.retain(|(k, _)| *k != name);
        self.vars.push((name, value.into()));
    }

    /// Removes a variable.
    pub fn unset(&mut self, name: &str) {
        self.vars.retain(|(k, _)| *k != name);
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(OSS);
        cmd.args(args)
            .env("HOME", self.home.path())
            .env("USERPROFILE", self.home.path())
            .stdin(Stdio::null());
        for v in CLEARED {
            cmd.env_remove(v);
        }
        for (k, v) in &self.vars {
            cmd.env(k, v);
        }
        cmd
    }

    /// Runs `oss ARGS` (off the async workers, which serve the requests).
    pub async fn run(&self, args: &[&str]) -> Run {
        let mut cmd = self.command(args);
        let out = tokio::task::spawn_blocking(move || cmd.output())
            .await
            .unwrap()
            .unwrap();
        Run::from(out)
    }

    /// Runs `oss ARGS` with `input` on stdin.
    pub async fn run_with_input(&self, args: &[&str], input: Vec<u8>) -> Run {
        let mut cmd = self.command(args);
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let out = tokio::task::spawn_blocking(move || {
            use std::io::Write;
            let mut child = cmd.spawn()?;
            let mut stdin = child.stdin.take().unwrap();
            let writer = std::thread::spawn(move || {
                let _ = stdin.write_all(&input);
            });
            let out = child.wait_with_output();
            let _ = writer.join();
            out
        })
        .await
        .unwrap()
        .unwrap();
        Run::from(out)
    }

    pub async fn ok(&self, args: &[&str]) -> String {
        self.run(args).await.ok()
    }

    /// An SDK client of `bucket` on the server (not through any proxy).
    pub fn sdk(&self, bucket: &str) -> osskit::Bucket {
        osskit::Bucket::builder(
            osskit::AuthV4::new(TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET),
            &self.server.endpoint(),
            bucket,
        )
        .region(REGION)
        .build()
        .unwrap()
    }

    /// Every key of `bucket` under `prefix`, sorted.
    pub async fn keys(&self, bucket: &str, prefix: &str) -> Vec<String> {
        use futures_util::TryStreamExt;
        let mut keys: Vec<String> = self
            .sdk(bucket)
            .list_objects_v2()
            .prefix(prefix)
            .into_items()
            .try_filter_map(|i| async move {
                Ok(match i {
                    osskit::ListItem::Object(o) => Some(o.key),
                    _ => None,
                })
            })
            .try_collect()
            .await
            .unwrap();
        keys.sort();
        keys
    }
}

pub fn write(path: &Path, content: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, content).unwrap();
}

/// Every file under `dir` as (relative name, content), sorted.
pub fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).unwrap();
                let rel: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                out.push((rel.join("/"), std::fs::read(&path).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// Deterministic, non-repeating bytes.
pub fn pattern(len: usize, seed: u64) -> Vec<u8> {
    let mut x = 0x9E37_79B9_7F4A_7C15u64 ^ seed.wrapping_mul(0x2545_F491_4F6C_DD1D);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// Files under `dir` (none when it does not exist).
pub fn files_in(dir: &Path) -> Vec<PathBuf> {
    match std::fs::read_dir(dir) {
        Ok(entries) => entries.map(|e| e.unwrap().path()).collect(),
        Err(_) => Vec::new(),
    }
}

/// One request seen by the [`CountingProxy`].
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    /// Path and query as sent.
    pub target: String,
    /// The `Authorization` header.
    pub authorization: String,
    /// Bytes of the request body.
    pub body_len: usize,
    /// The operation the server answered (its `x-osskit-operation` header).
    pub operation: String,
}

impl Seen {
    /// The query parameters' names.
    pub fn params(&self) -> Vec<String> {
        match self.target.split_once('?') {
            Some((_, q)) => q
                .split('&')
                .map(|p| p.split('=').next().unwrap_or_default().to_string())
                .collect(),
            None => Vec::new(),
        }
    }

    /// The path (`/bucket/key`), decoded.
    pub fn path(&self) -> String {
        let p = self.target.split('?').next().unwrap_or_default();
        osskit::proto::encoding::unquote(p)
    }

    /// Whether the request sends object data (PutObject, UploadPart, AppendObject).
    pub fn sends_data(&self) -> bool {
        matches!(
            self.operation.as_str(),
            "PutObject" | "UploadPart" | "AppendObject"
        )
    }

    /// Whether the request changes something (any PUT, POST or DELETE).
    pub fn writes(&self) -> bool {
        matches!(self.method.as_str(), "PUT" | "POST" | "DELETE")
    }
}

/// A reverse proxy in front of the server that records every request: the `oss` binary
/// talks to it, so the tests see what went over the wire.
pub struct CountingProxy {
    pub endpoint: String,
    pub seen: Arc<Mutex<Vec<Seen>>>,
}

impl CountingProxy {
    pub async fn start(upstream: String) -> CountingProxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let log = seen.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let (client, log, upstream) = (client.clone(), log.clone(), upstream.clone());
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| {
                        forward(req, client.clone(), log.clone(), upstream.clone())
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        CountingProxy { endpoint, seen }
    }

    /// Forgets what was seen; returns it.
    pub fn take(&self) -> Vec<Seen> {
        std::mem::take(&mut *self.seen.lock().unwrap())
    }

    /// How many requests of `operation` were seen (without forgetting them).
    pub fn count(&self, operation: &str) -> usize {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|s| s.operation == operation)
            .count()
    }
}

const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "transfer-encoding",
    "te",
    "upgrade",
];

async fn forward(
    req: Request<Incoming>,
    client: reqwest::Client,
    log: Arc<Mutex<Vec<Seen>>>,
    upstream: String,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let target = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    let mut seen = Seen {
        method: parts.method.to_string(),
        target: target.clone(),
        authorization: parts
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string(),
        body_len: body.len(),
        operation: String::new(),
    };
    let mut out = client.request(parts.method.clone(), format!("{upstream}{target}"));
    for (k, v) in parts.headers.iter() {
        if !HOP_BY_HOP.contains(&k.as_str()) && k != "content-length" {
            out = out.header(k, v);
        }
    }
    let answer = match out.body(body).send().await {
        Ok(a) => a,
        Err(e) => {
            log.lock().unwrap().push(seen);
            let mut r = Response::new(Full::new(Bytes::from(e.to_string())));
            *r.status_mut() = http::StatusCode::BAD_GATEWAY;
            return Ok(r);
        }
    };
    let status = answer.status();
    let headers = answer.headers().clone();
    seen.operation = headers
        .get("x-osskit-operation")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    log.lock().unwrap().push(seen);
    let bytes = answer.bytes().await.unwrap_or_default();
    let mut r = Response::new(Full::new(bytes));
    *r.status_mut() = status;
    for (k, v) in headers.iter() {
        if !HOP_BY_HOP.contains(&k.as_str()) {
            r.headers_mut().append(k, v.clone());
        }
    }
    Ok(r)
}
