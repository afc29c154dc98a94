//! Static website hosting: storage (`PutBucketWebsite` and friends) and serving.
//!
//! When a bucket has a website configuration, GET and HEAD requests for its objects are
//! served as OSS serves them:
//!
//! 1. Routing rules without an error-code condition whose key prefix/suffix and headers
//!    match redirect at once (`External`/`AliCDN`: a 3xx with `Location`; `Internal`: the
//!    rewritten key is served).
//! 2. A key ending in `/` (and an anonymous `GET /` of the bucket) serves the index
//!    document: `<key><Suffix>` with `SupportSubDir`, the root's `<Suffix>` without. Signed
//!    requests get the index only when the `/` object itself does not exist, and a signed
//!    `GET /` stays ListObjects.
//! 3. When serving fails (404, 403), rules whose `HttpErrorCodeReturnedEquals` is that
//!    status apply; then, with `SupportSubDir`, a missing `dir` redirects to `dir/` (Type
//!    0) or serves `dir/<Suffix>` (Type 2) when that exists; then anonymous requests get the
//!    error document with its `HttpStatus` (404 by default).
//!
//! `Mirror` rules (back-to-origin) fetch a missing object from `MirrorURL` + key (then from
//! `MirrorURLSlave` when the first origin fails), with the query string when
//! `MirrorPassQueryString` says so, following 3xx answers unless `MirrorFollowRedirect` is
//! false (a 3xx is then passed on), passing headers as `MirrorHeaders` says, and checking the
//! origin's `Content-MD5` with `MirrorCheckMd5`. The object is stored in the bucket, with
//! the origin's content headers, and served. What cannot be done here: origins on the
//! Internet (this server reaches what its machine reaches, and tests use origins on
//! 127.0.0.1), `MirrorURLProbe` health probing (the standby is tried only when the first
//! origin fails), SNI choices and CDN behaviour (`AliCDN` redirects are answered as
//! `External` ones). When no origin has the object, the request goes on as a 404.

use super::config::{self, malformed, Family};
use super::object;
use crate::dispatch::{AppState, RequestCtx};
use crate::error::OssError;
use crate::http::response::Reply;
use hyper::body::Incoming;
use osskit_proto::encoding::quote;
use osskit_proto::error_code::ErrorCode;
use osskit_proto::ops::OpId;
use osskit_proto::xml::website::{self as model, RoutingRule, WebsiteConfiguration};
use osskit_proto::xml::Document;

/// The website family.
pub static FAMILY: Family = Family {
    name: "website",
    not_found: ErrorCode::NoSuchWebsiteConfiguration,
    content_type: "application/xml",
    accept,
};

fn accept(_ctx: &RequestCtx, doc: &[u8]) -> Result<Vec<u8>, OssError> {
    let mut site = WebsiteConfiguration::from_document(doc).map_err(malformed)?;
    model::validate(&site).map_err(|(why, argument)| {
        OssError::with_message(ErrorCode::InvalidArgument, why)
            .with_detail("ArgumentName", argument)
    })?;
    site.normalize();
    site.to_document()
        .map(String::into_bytes)
        .map_err(OssError::internal)
}

/// `PutBucketWebsite`.
pub async fn put(
    state: &AppState,
    ctx: &RequestCtx,
    op: OpId,
    body: Incoming,
) -> Result<Reply, OssError> {
    let reply = config::put(state, ctx, op, body, &FAMILY).await;
    state.web.forget(ctx.bucket_name());
    reply
}

/// `DeleteBucketWebsite`.
pub async fn delete(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let reply = config::delete(state, ctx, &FAMILY).await;
    state.web.forget(ctx.bucket_name());
    reply
}

/// Serves `op` as a website request when the bucket has a website configuration and the
/// request is one a website answers (GET/HEAD of an object, anonymous `GET /` of the
/// bucket with an index document); `None` lets the request go its usual way.
pub async fn serve(
    state: &AppState,
    ctx: &RequestCtx,
    op: OpId,
    anonymous: bool,
) -> Option<Result<Reply, OssError>> {
    let root = op == OpId::ListObjects && anonymous && ctx.params.is_empty();
    if !matches!(op, OpId::GetObject | OpId::HeadObject) && !root {
        return None;
    }
    let web = state.web.bucket(state, ctx.bucket_name()).await?;
    let site = web.website.as_ref()?;
    if root && site.index_document.is_none() {
        return None;
    }
    let site = Site {
        state,
        ctx,
        config: site,
        anonymous,
        head: op == OpId::HeadObject,
    };
    Some(site.serve().await)
}

struct Site<'a> {
    state: &'a AppState,
    ctx: &'a RequestCtx,
    config: &'a WebsiteConfiguration,
    anonymous: bool,
    head: bool,
}

impl Site<'_> {
    async fn serve(&self) -> Result<Reply, OssError> {
        let key = self.ctx.key.as_str();
        let mut rules: Vec<&RoutingRule> = self.config.rules().iter().collect();
        rules.sort_by_key(|r| r.rule_number);
        if let Some(rule) = rules.iter().find(|r| {
            r.condition.http_error_code_returned_equals.is_none()
                && r.matches(key, &self.ctx.headers)
        }) {
            if let Some(reply) = self.redirect(rule, key).await {
                return reply;
            }
        }
        let failure = match self.serve_requested(key).await {
            Ok(reply) => return Ok(reply),
            Err(e) => e,
        };
        let status = failure.status();
        if let Some(rule) = rules.iter().find(|r| {
            r.condition.http_error_code_returned_equals == Some(status)
                && r.matches(key, &self.ctx.headers)
        }) {
            if let Some(reply) = self.redirect(rule, key).await {
                return reply;
            }
        }
        if status == 404 && !key.is_empty() && !key.ends_with('/') {
            if let Some(reply) = self.sub_dir(key).await {
                return reply;
            }
        }
        if status == 404 && self.anonymous {
            if let Some(reply) = self.error_document().await {
                return Ok(reply);
            }
        }
        Err(failure)
    }

    /// The object of `key`, or the index document for `/` keys.
    async fn serve_requested(&self, key: &str) -> Result<Reply, OssError> {
        let index = self.config.index_document.as_ref();
        if !key.is_empty() && !key.ends_with('/') {
            return self.object(key).await;
        }
        let Some(index) = index else {
            return self.object(key).await;
        };
        if !key.is_empty() && !self.anonymous {
            // A signed request for an existing "directory" object gets that object.
            if object::find_object(self.state, self.ctx.bucket_name(), key)
                .await?
                .is_some()
            {
                return self.object(key).await;
            }
        }
        let target = if index.support_sub_dir == Some(true) {
            format!("{key}{}", index.suffix)
        } else {
            index.suffix.clone()
        };
        self.object(&target).await.map_err(|e| {
            if e.code == ErrorCode::NoSuchKey {
                OssError::new(ErrorCode::NoSuchKey).with_detail("Key", key)
            } else {
                e
            }
        })
    }

    /// Serves the object `key` as GetObject/HeadObject would, checking anonymous access.
    async fn object(&self, key: &str) -> Result<Reply, OssError> {
        let mut ctx = self.ctx.clone();
        ctx.key = key.to_string();
        let op = if self.head {
            OpId::HeadObject
        } else {
            OpId::GetObject
        };
        if self.anonymous {
            crate::access::authorize(self.state, &ctx, op).await?;
        }
        object::get_object(self.state, &ctx, self.head).await
    }

    /// Runs a rule's redirect; `None` when it cannot run here (mirroring).
    async fn redirect(&self, rule: &RoutingRule, key: &str) -> Option<Result<Reply, OssError>> {
        let r = &rule.redirect;
        let target = rule.target_key(key);
        match r.redirect_type.as_str() {
            "Internal" => Some(self.object(&target).await),
            "External" | "AliCDN" => {
                let mut location = match &r.host_name {
                    Some(host) => format!(
                        "{}://{host}/{}",
                        r.protocol.as_deref().unwrap_or("http"),
                        quote(&target, "/")
                    ),
                    None => format!(
                        "{}://{}{}",
                        r.protocol.as_deref().unwrap_or("http"),
                        self.ctx.host,
                        self.path_of(&target)
                    ),
                };
                if r.pass_query_string == Some(true) && !self.ctx.params.is_empty() {
                    location.push('?');
                    location.push_str(&query_string(&self.ctx.params));
                }
                Some(Ok(Reply::new(r.http_redirect_code.unwrap_or(302))
                    .header("location", location)
                    .header("content-length", "0")))
            }
            _ => self.mirror(rule, key).await,
        }
    }

    /// Back-to-origin: fetches `key` from the rule's origins, stores and serves it; `None`
    /// when no origin has it.
    async fn mirror(&self, rule: &RoutingRule, key: &str) -> Option<Result<Reply, OssError>> {
        let r = &rule.redirect;
        let follow = r.mirror_follow_redirect.unwrap_or(true);
        let client = mirror_client(follow)?;
        let pass_query = r
            .mirror_pass_query_string
            .or(r.pass_query_string)
            .unwrap_or(false);
        let headers = mirror_headers(r.mirror_headers.as_ref(), &self.ctx.headers);
        for origin in [&r.mirror_url, &r.mirror_url_slave].into_iter().flatten() {
            let mut url = format!("{origin}{}", quote(key, "/"));
            if pass_query && !self.ctx.params.is_empty() {
                url.push('?');
                url.push_str(&query_string(&self.ctx.params));
            }
            let mut req = client.get(&url);
            for (name, value) in &headers {
                req = req.header(name.as_str(), value.as_str());
            }
            let resp = match req.send().await {
                Ok(resp) => resp,
                Err(e) => {
                    tracing::debug!(%url, error = %e, "mirror origin unreachable");
                    continue;
                }
            };
            let status = resp.status().as_u16();
            if (300..400).contains(&status) && !follow {
                let location = resp
                    .headers()
                    .get("location")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_string();
                return Some(Ok(Reply::new(status)
                    .header("location", location)
                    .header("content-length", "0")));
            }
            if !(200..300).contains(&status) {
                tracing::debug!(%url, status, "mirror origin answered no object");
                if status >= 500 {
                    continue;
                }
                return None;
            }
            match self
                .store_fetched(key, resp, r.mirror_check_md5 == Some(true))
                .await
            {
                Ok(true) => return Some(self.object(key).await),
                Ok(false) => return None,
                Err(e) => return Some(Err(e)),
            }
        }
        None
    }

    /// Streams an origin's answer into a new object `key`; `Ok(false)` when its
    /// `Content-MD5` did not match (nothing is stored then).
    async fn store_fetched(
        &self,
        key: &str,
        resp: reqwest::Response,
        check_md5: bool,
    ) -> Result<bool, OssError> {
        use futures_util::StreamExt;
        let expected_md5 = resp
            .headers()
            .get("content-md5")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let mut headers = Vec::new();
        for name in super::KEPT_HEADERS {
            if let Some(v) = resp.headers().get(*name).and_then(|v| v.to_str().ok()) {
                headers.push((name.to_string(), v.to_string()));
            }
        }
        if !headers.iter().any(|(k, _)| k == "content-type") {
            headers.push(("content-type".into(), "application/octet-stream".into()));
        }
        let store_err = |e| OssError::from_store(e, self.ctx.bucket_name(), Some(key));
        // The mirrored object is encrypted as the bucket's rule says.
        let (bucket, region) = (
            self.ctx.bucket_name().to_string(),
            self.state.region.clone(),
        );
        let (mut writer, encryption) = super::quick(self.state, move |s| {
            let encryption = super::encryption::bucket_default_in(s, &bucket, &region)?;
            let mut writer = s.new_blob()?;
            if encryption.is_some() {
                writer.encrypt(None)?;
            }
            Ok((writer, encryption))
        })
        .await
        .map_err(store_err)?;
        let mut stream = resp.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| {
                OssError::internal(format!("reading the mirror origin's answer: {e}"))
            })?;
            writer = tokio::task::spawn_blocking(move || writer.write(&chunk).map(|_| writer))
                .await
                .map_err(OssError::internal)?
                .map_err(|e| OssError::internal(format!("writing mirrored data: {e}")))?;
        }
        let blob = tokio::task::spawn_blocking(move || writer.finish())
            .await
            .map_err(OssError::internal)?
            .map_err(store_err)?;
        if check_md5 {
            if let Some(expected) = expected_md5 {
                if crate::http::base64::encode(&blob.md5) != expected.trim() {
                    tracing::debug!(key, "mirrored data does not match the origin's Content-MD5");
                    return Ok(false);
                }
            }
        }
        let meta = crate::store::ObjectMeta {
            key: key.to_string(),
            size: blob.size,
            etag: osskit_proto::digest::etag_from_md5(&blob.md5),
            crc64: blob.crc64,
            last_modified_ms: crate::http::response::now_millis(),
            object_type: crate::store::ObjectType::Normal,
            storage_class: "Standard".to_string(),
            acl: "default".to_string(),
            headers,
            user_meta: Vec::new(),
            data: crate::store::Extents::new(),
            encryption,
            extras: Default::default(),
            version: Default::default(),
        };
        let bucket = self.ctx.bucket_name().to_string();
        super::blocking(self.state, move |s| {
            s.put_object(&bucket, meta, blob, false)
        })
        .await
        .map_err(store_err)?;
        Ok(true)
    }

    /// `SupportSubDir` with Type 0 (redirect to `key/`) or 2 (serve `key/<Suffix>`) when
    /// `key/<Suffix>` exists.
    async fn sub_dir(&self, key: &str) -> Option<Result<Reply, OssError>> {
        let index = self.config.index_document.as_ref()?;
        if index.support_sub_dir != Some(true) {
            return None;
        }
        let kind = index.index_type.unwrap_or(0);
        if kind == 1 {
            return None;
        }
        let page = format!("{key}/{}", index.suffix);
        let exists = object::find_object(self.state, self.ctx.bucket_name(), &page)
            .await
            .ok()
            .flatten()
            .is_some();
        if !exists {
            return None;
        }
        if kind == 2 {
            return Some(self.object(&page).await);
        }
        Some(Ok(Reply::new(302)
            .header("location", self.path_of(&format!("{key}/")))
            .header("content-length", "0")))
    }

    /// The error document with its status, if it can be served.
    async fn error_document(&self) -> Option<Reply> {
        let doc = self.config.error_document.as_ref()?;
        let mut reply = self.object(&doc.key).await.ok()?;
        reply.status = doc.http_status.unwrap_or(404);
        Some(reply)
    }

    /// The path of `key` as the request addressed the bucket: `/key` on a virtual host,
    /// `/bucket/key` in path style.
    fn path_of(&self, key: &str) -> String {
        let virtual_host =
            crate::dispatch::virtual_host_bucket(&self.ctx.host, &self.state.base_domains)
                .is_some();
        if virtual_host {
            format!("/{}", quote(key, "/"))
        } else {
            format!("/{}/{}", quote(self.ctx.bucket_name(), ""), quote(key, "/"))
        }
    }
}

/// The HTTP client of mirroring (one following redirects, one not), built once.
fn mirror_client(follow: bool) -> Option<&'static reqwest::Client> {
    static FOLLOWING: std::sync::OnceLock<Option<reqwest::Client>> = std::sync::OnceLock::new();
    static NOT_FOLLOWING: std::sync::OnceLock<Option<reqwest::Client>> = std::sync::OnceLock::new();
    let (cell, policy) = if follow {
        (&FOLLOWING, reqwest::redirect::Policy::limited(10))
    } else {
        (&NOT_FOLLOWING, reqwest::redirect::Policy::none())
    };
    cell.get_or_init(|| {
        reqwest::Client::builder()
            .redirect(policy)
            .no_proxy()
            .connect_timeout(std::time::Duration::from_secs(5))
            .timeout(std::time::Duration::from_secs(60))
            .build()
            .ok()
    })
    .as_ref()
}

/// Headers never passed to an origin.
fn reserved_header(name: &str) -> bool {
    matches!(
        name,
        "host"
            | "authorization"
            | "authorization2"
            | "content-length"
            | "range"
            | "date"
            | "connection"
            | "transfer-encoding"
    ) || name.starts_with("x-oss-")
        || name.starts_with("oss-")
        || name.starts_with("x-drs-")
}

/// The headers of an origin request, by `MirrorHeaders`.
fn mirror_headers(
    rules: Option<&model::MirrorHeaders>,
    request: &[(String, String)],
) -> Vec<(String, String)> {
    let Some(rules) = rules else {
        return Vec::new();
    };
    let lower = |v: &[String]| v.iter().map(|s| s.to_ascii_lowercase()).collect::<Vec<_>>();
    let (pass, remove) = (lower(&rules.pass), lower(&rules.remove));
    let mut out: Vec<(String, String)> = request
        .iter()
        .filter(|(k, _)| !reserved_header(k) && !remove.contains(k))
        .filter(|(k, _)| rules.pass_all == Some(true) || pass.contains(k))
        .cloned()
        .collect();
    for set in &rules.set {
        let name = set.key.to_ascii_lowercase();
        out.retain(|(k, _)| *k != name);
        out.push((name, set.value.clone()));
    }
    out
}

/// Query parameters written back as a query string.
pub(crate) fn query_string(params: &[(String, String)]) -> String {
    params
        .iter()
        .map(|(k, v)| {
            if v.is_empty() {
                quote(k, "")
            } else {
                format!("{}={}", quote(k, ""), quote(v, ""))
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}
