//! Helpers shared by the integration tests: a client that signs requests by hand with
//! `osskit_proto::sign`, and parsers for the answers.
#![allow(dead_code)]

use osskit_proto::encoding::{form_query, presign_query, quote};
use osskit_proto::sign::{presign, sign_headers, Credentials, SignableRequest, SigningContext};
use osskit_proto::xml::error::ErrorBody;
use osskit_server::testing::*;
use std::time::{SystemTime, UNIX_EPOCH};

pub const REGION: &str = "cn-hangzhou";

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    V1,
    V4,
    Anonymous,
}

/// A hand-rolled OSS client over reqwest.
#[derive(Clone)]
pub struct Client {
    pub http: reqwest::Client,
    pub endpoint: String,
    pub creds: Credentials,
    pub auth: Auth,
    /// Signing time offset (seconds) for skew tests.
    pub skew: i64,
    /// Region signed into V4 scopes.
    pub region: String,
}

pub fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

pub fn object_path(bucket: Option<&str>, key: &str) -> String {
    match bucket {
        None => "/".to_string(),
        Some(b) => format!("/{b}/{}", quote(key, "")),
    }
}

impl Client {
    pub fn new(endpoint: &str) -> Client {
        Client {
            http: reqwest::Client::builder().no_proxy().build().unwrap(),
            endpoint: endpoint.to_string(),
            creds: Credentials::new(TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET),
            auth: Auth::V1,
            skew: 0,
            region: REGION.to_string(),
        }
    }

    pub fn with_auth(mut self, auth: Auth) -> Client {
        self.auth = auth;
        self
    }

    pub fn with_creds(mut self, creds: Credentials) -> Client {
        self.creds = creds;
        self
    }

    pub fn sts(endpoint: &str) -> Client {
        Client::new(endpoint).with_creds(Credentials::with_token(
            TEST_STS_ACCESS_KEY_ID,
            TEST_STS_ACCESS_KEY_SECRET,
            TEST_STS_TOKEN,
        ))
    }

    /// Headers to send (input plus signature headers).
    pub fn sign(
        &self,
        method: &str,
        bucket: Option<&str>,
        key: &str,
        params: &[(String, String)],
        headers: &[(String, String)],
    ) -> Vec<(String, String)> {
        let mut all = headers.to_vec();
        if self.auth == Auth::Anonymous {
            return all;
        }
        let req = SignableRequest {
            method,
            bucket,
            key: bucket.map(|_| key),
            params,
            headers,
        };
        let time = now() + self.skew;
        let ctx = match self.auth {
            Auth::V1 => SigningContext::v1(&self.creds, time),
            _ => SigningContext::v4(&self.creds, time, &self.region),
        };
        let added = sign_headers(&req, &ctx).unwrap();
        all.retain(|(k, _)| !added.iter().any(|(a, _)| a.eq_ignore_ascii_case(k)));
        all.extend(added);
        all
    }

    pub fn url(&self, bucket: Option<&str>, key: &str, params: &[(String, String)]) -> String {
        let mut url = format!("{}{}", self.endpoint, object_path(bucket, key));
        if !params.is_empty() {
            url.push('?');
            url.push_str(&form_query(params));
        }
        url
    }

    /// Sends a signed request.
    pub async fn send(
        &self,
        method: &str,
        bucket: Option<&str>,
        key: &str,
        params: &[(&str, &str)],
        headers: &[(&str, &str)],
        body: impl Into<reqwest::Body>,
    ) -> reqwest::Response {
        let params = owned(params);
        let headers = self.sign(method, bucket, key, &params, &owned(headers));
        let mut rb = self
            .http
            .request(method.parse().unwrap(), self.url(bucket, key, &params));
        for (k, v) in headers {
            rb = rb.header(k, v);
        }
        rb.body(body).send().await.unwrap()
    }

    /// Like [`Client::send`], `None` when the request fails at the transport level (for
    /// instance because the server was killed).
    pub async fn try_send(
        &self,
        method: &str,
        bucket: Option<&str>,
        key: &str,
        params: &[(&str, &str)],
        headers: &[(&str, &str)],
        body: impl Into<reqwest::Body>,
    ) -> Option<reqwest::Response> {
        let params = owned(params);
        let headers = self.sign(method, bucket, key, &params, &owned(headers));
        let mut rb = self
            .http
            .request(method.parse().unwrap(), self.url(bucket, key, &params));
        for (k, v) in headers {
            rb = rb.header(k, v);
        }
        rb.body(body).send().await.ok()
    }

    pub async fn get(&self, bucket: &str, key: &str) -> reqwest::Response {
        self.send("GET", Some(bucket), key, &[], &[], Vec::new())
            .await
    }

    pub async fn put(
        &self,
        bucket: &str,
        key: &str,
        body: impl Into<reqwest::Body>,
    ) -> reqwest::Response {
        self.send("PUT", Some(bucket), key, &[], &[], body).await
    }

    pub async fn head(&self, bucket: &str, key: &str) -> reqwest::Response {
        self.send("HEAD", Some(bucket), key, &[], &[], Vec::new())
            .await
    }

    pub async fn create_bucket(&self, bucket: &str) {
        let r = self
            .send("PUT", Some(bucket), "", &[], &[], Vec::new())
            .await;
        assert_eq!(
            r.status(),
            200,
            "create bucket {bucket}: {}",
            r.text().await.unwrap()
        );
    }

    pub async fn put_ok(&self, bucket: &str, key: &str, body: &[u8]) {
        let r = self.put(bucket, key, body.to_vec()).await;
        assert_eq!(r.status(), 200, "put {key}: {}", r.text().await.unwrap());
    }

    pub async fn get_bytes(&self, bucket: &str, key: &str) -> Vec<u8> {
        let r = self.get(bucket, key).await;
        assert_eq!(r.status(), 200, "get {key}");
        r.bytes().await.unwrap().to_vec()
    }

    /// A presigned URL valid for `expires` seconds, signed at `now + skew`.
    pub fn presign_url(
        &self,
        method: &str,
        bucket: &str,
        key: &str,
        params: &[(&str, &str)],
        headers: &[(&str, &str)],
        expires: u64,
    ) -> String {
        let mut params = owned(params);
        let headers = owned(headers);
        let req = SignableRequest {
            method,
            bucket: Some(bucket),
            key: Some(key),
            params: &params,
            headers: &headers,
        };
        let time = now() + self.skew;
        let ctx = match self.auth {
            Auth::V4 => SigningContext::v4(&self.creds, time, &self.region),
            _ => SigningContext::v1(&self.creds, time),
        };
        let added = presign(&req, &ctx, expires).unwrap();
        params.extend(added);
        format!(
            "{}{}?{}",
            self.endpoint,
            object_path(Some(bucket), key),
            presign_query(&params)
        )
    }
}

/// Reads an error document from a response (body, or `x-oss-err` for HEAD).
pub async fn error_of(resp: reqwest::Response) -> (u16, ErrorBody, reqwest::header::HeaderMap) {
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp.bytes().await.unwrap();
    let doc = if body.is_empty() {
        let b64 = headers
            .get("x-oss-err")
            .expect("x-oss-err on a bodiless error")
            .to_str()
            .unwrap();
        decode_b64(b64)
    } else {
        body.to_vec()
    };
    let parsed = ErrorBody::parse(&doc)
        .unwrap_or_else(|| panic!("not an error document: {}", String::from_utf8_lossy(&doc)));
    (status, parsed, headers)
}

/// Asserts an OSS error with `status` and `code`; returns the body.
pub async fn expect_error(resp: reqwest::Response, status: u16, code: &str) -> ErrorBody {
    let (got, body, headers) = error_of(resp).await;
    assert_eq!(
        (got, body.code.as_str()),
        (status, code),
        "unexpected error: {body:?}"
    );
    assert_eq!(headers.get("content-type").unwrap(), "application/xml");
    assert_eq!(
        headers.get("x-oss-ec").unwrap().to_str().unwrap(),
        body.ec.as_deref().unwrap()
    );
    assert_eq!(
        headers.get("x-oss-request-id").unwrap().to_str().unwrap(),
        body.request_id
    );
    body
}

pub fn decode_b64(s: &str) -> Vec<u8> {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let mut acc = 0u32;
    let mut bits = 0;
    for c in s.bytes().filter(|&c| c != b'=') {
        acc = (acc << 6) | A.iter().position(|&a| a == c).unwrap() as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

pub fn header<'a>(resp: &'a reqwest::Response, name: &str) -> &'a str {
    resp.headers()
        .get(name)
        .unwrap_or_else(|| panic!("missing header {name}"))
        .to_str()
        .unwrap()
}

/// Deterministic test bytes.
pub fn pattern(seed: u32, size: usize) -> Vec<u8> {
    (0..size)
        .map(|i| ((i as u32 * 31 + seed) % 251) as u8)
        .collect()
}

/// Text of the first `<tag>` element.
pub fn tag<'a>(doc: &'a str, tag: &str) -> Option<&'a str> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let start = doc.find(&open)? + open.len();
    let end = doc[start..].find(&close)? + start;
    Some(&doc[start..end])
}

/// Texts of every `<tag>` element.
pub fn tags(doc: &str, tag: &str) -> Vec<String> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let mut out = Vec::new();
    let mut rest = doc;
    while let Some(s) = rest.find(&open) {
        let after = &rest[s + open.len()..];
        let Some(e) = after.find(&close) else { break };
        out.push(after[..e].to_string());
        rest = &after[e + close.len()..];
    }
    out
}

/// A server process killed (and reaped) when dropped.
pub struct ServerProcess {
    pub child: std::process::Child,
    pub endpoint: String,
}

impl ServerProcess {
    /// Starts the `oss-server` binary on `dir` with the test keys and `extra` arguments, and
    /// waits for its endpoint line.
    pub fn start(dir: &std::path::Path, extra: &[&str]) -> ServerProcess {
        use std::io::BufRead;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_oss-server"))
            .args(["--listen", "127.0.0.1:0", "--data-dir"])
            .arg(dir)
            .args([
                "--access-key-id",
                TEST_ACCESS_KEY_ID,
                "--access-key-secret",
                TEST_ACCESS_KEY_SECRET,
            ])
            .args(extra)
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let start = line.find("http://").expect("endpoint line");
        let endpoint = line[start..].trim().to_string();
        ServerProcess { child, endpoint }
    }

    /// `host:port`.
    pub fn addr(&self) -> String {
        self.endpoint.trim_start_matches("http://").to_string()
    }

    /// A field of `/proc/PID/status` (e.g. `Threads`, `VmRSS` in kB).
    pub fn status(&self, field: &str) -> u64 {
        let text = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{field}:")))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    }

    /// Kills the process at once (`kill -9`).
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Stops the process with SIGTERM (a graceful shutdown) and waits for it.
    pub fn stop(&mut self) {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// Runs `oss-server fsck` on `dir`: its exit code and output.
pub fn run_fsck(dir: &std::path::Path) -> (i32, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_oss-server"))
        .args(["fsck", "--verify-data", "--data-dir"])
        .arg(dir)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}
