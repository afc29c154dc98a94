//! CORS: the rules (`PutBucketCors` and friends), preflight requests (`OPTIONS`) and the
//! `Access-Control-*` headers of requests that carry an `Origin`.

use super::config::{self, malformed, Family};
use crate::dispatch::{AppState, RequestCtx};
use crate::error::OssError;
use crate::http::response::Reply;
use osskit_proto::error_code::ErrorCode;
use osskit_proto::xml::cors::{self as model, CorsConfiguration, CorsRule};
use osskit_proto::xml::Document;

/// The CORS family.
pub static FAMILY: Family = Family {
    name: "cors",
    not_found: ErrorCode::NoSuchCORSConfiguration,
    content_type: "application/xml",
    accept,
};

fn accept(_ctx: &RequestCtx, doc: &[u8]) -> Result<Vec<u8>, OssError> {
    let mut cors = CorsConfiguration::from_document(doc).map_err(|e| {
        // OSS names a MaxAgeSeconds that is not a non-negative integer (oss2's tests send -1).
        match bad_max_age(doc) {
            Some(value) => OssError::invalid_argument(
                "MaxAgeSeconds must be a non-negative integer.",
                "MaxAgeSeconds",
                &value,
            ),
            None => malformed(e),
        }
    })?;
    model::validate(&cors)
        .map_err(|why| OssError::with_message(ErrorCode::InvalidArgument, why))?;
    // OSS answers `ResponseVary` whether or not it was sent.
    cors.response_vary.get_or_insert(false);
    cors.to_document()
        .map(String::into_bytes)
        .map_err(OssError::internal)
}

/// The first `MaxAgeSeconds` value of `doc` that is not a non-negative integer.
fn bad_max_age(doc: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(doc).ok()?;
    text.split("<MaxAgeSeconds>").skip(1).find_map(|rest| {
        let value = rest.split("</MaxAgeSeconds>").next()?.trim();
        value.parse::<u64>().is_err().then(|| value.to_string())
    })
}

/// The bucket's rules, if any (a stored document that no longer parses counts as none).
async fn rules(state: &AppState, bucket: &str) -> Result<Option<CorsConfiguration>, OssError> {
    Ok(config::load(state, bucket, &FAMILY)
        .await?
        .and_then(|doc| CorsConfiguration::from_document(&doc).ok()))
}

fn forbidden(message: &str) -> OssError {
    OssError::with_message(ErrorCode::AccessForbidden, message)
}

/// The header names of `Access-Control-Request-Headers`, lower case.
fn requested_headers(ctx: &RequestCtx) -> Vec<String> {
    ctx.header("access-control-request-headers")
        .unwrap_or("")
        .split(',')
        .map(|h| h.trim().to_ascii_lowercase())
        .filter(|h| !h.is_empty())
        .collect()
}

/// `OPTIONS`: 200 with the `Access-Control-Allow-*` headers of the first matching rule,
/// 403 `AccessForbidden` without one.
pub async fn preflight(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let (Some(origin), Some(method)) = (
        ctx.header("origin"),
        ctx.header("access-control-request-method"),
    ) else {
        return Err(forbidden(
            "CORSResponse: Insufficient information. Origin or Access-Control-Request-Method is missing.",
        ));
    };
    let Some(cors) = rules(state, ctx.bucket_name()).await? else {
        return Err(forbidden(
            "CORSResponse: CORS is not enabled for this bucket.",
        ));
    };
    let headers = requested_headers(ctx);
    let names: Vec<&str> = headers.iter().map(String::as_str).collect();
    let Some(rule) = cors.matching(origin, method, &names) else {
        let mut err = forbidden(
            "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Requet-Headers are not whitelisted by the resource's CORS spec.",
        );
        if cors.response_vary == Some(true) {
            err = err.with_header("vary", "Origin");
        }
        return Err(err);
    };
    let mut reply = allow(Reply::new(200), rule, origin, method);
    if !headers.is_empty() {
        reply = reply.header("access-control-allow-headers", headers.join(", "));
    }
    if cors.response_vary == Some(true) {
        reply = reply.header("vary", "Origin");
    }
    Ok(reply)
}

fn allow(mut reply: Reply, rule: &CorsRule, origin: &str, method: &str) -> Reply {
    reply = reply
        .header("access-control-allow-origin", origin)
        .header("access-control-allow-methods", method);
    if !rule.expose_headers.is_empty() {
        reply = reply.header(
            "access-control-expose-headers",
            rule.expose_headers.join(", "),
        );
    }
    if let Some(age) = rule.max_age_seconds {
        reply = reply.header("access-control-max-age", age.to_string());
    }
    reply
}

/// Adds the CORS headers to the answer of a request that carries `Origin`: those of the
/// first rule matching its origin and method, and `Vary: Origin` when the rules ask for it.
pub async fn decorate(state: &AppState, ctx: &RequestCtx, reply: Reply) -> Reply {
    let (Some(origin), Some(bucket)) = (ctx.header("origin"), ctx.bucket.as_deref()) else {
        return reply;
    };
    let Ok(Some(cors)) = rules(state, bucket).await else {
        return reply;
    };
    let mut reply = reply;
    if cors.response_vary == Some(true) {
        reply = reply.header("vary", "Origin");
    }
    match cors.matching(origin, ctx.method.as_str(), &[]) {
        Some(rule) => allow(reply, rule, origin, ctx.method.as_str()),
        None => reply,
    }
}
