//! Upload callbacks: after an object is stored, OSS POSTs a description of it to the
//! application's server (`x-oss-callback`, the `Callback` of an async fetch task, or a
//! bucket callback policy named with `{"callbackPolicy":"NAME"}`).
//!
//! The callback is Base64-encoded JSON: `callbackUrl` (one or more URLs separated by `;`,
//! tried in order; `http://` is assumed without a scheme), `callbackHost`, `callbackBody`
//! with `${bucket}`, `${object}`, `${etag}`, `${size}`, `${mimeType}`, `${crc64}`,
//! `${contentMd5}`, `${operation}` and custom `${x:name}` variables (from
//! `x-oss-callback-var`), and `callbackBodyType` (`application/x-www-form-urlencoded`, the
//! default, or `application/json`). The application must answer 200 with a JSON body,
//! which becomes the answer of the upload.

use std::collections::HashMap;

use bytes::Bytes;
use serde::Deserialize;

use crate::dispatch::{AppState, RequestCtx};
use crate::error::OssError;
use crate::http::body::ResponseBody;
use crate::http::response::Reply;
use osskit_proto::error_code::ErrorCode;

/// What an upload knows about the object for the callback's variables.
#[derive(Debug, Clone, Default)]
pub struct CallbackValues {
    /// Bucket.
    pub bucket: String,
    /// Object key.
    pub object: String,
    /// ETag without quotes.
    pub etag: String,
    /// Size in bytes.
    pub size: u64,
    /// Content type.
    pub mime_type: String,
    /// CRC-64.
    pub crc64: u64,
    /// Base64 MD5 of the data.
    pub content_md5: String,
    /// The operation (`PutObject`, `AsyncFetch`, …).
    pub operation: String,
}

#[derive(Debug, Deserialize)]
struct CallbackSpec {
    #[serde(rename = "callbackUrl", default)]
    url: String,
    #[serde(rename = "callbackHost", default)]
    host: Option<String>,
    #[serde(rename = "callbackBody", default)]
    body: String,
    #[serde(rename = "callbackBodyType", default)]
    body_type: Option<String>,
    #[serde(rename = "callbackPolicy", default)]
    policy: Option<String>,
}

/// A parsed callback.
#[derive(Debug, Clone)]
pub struct Callback {
    urls: Vec<String>,
    host: Option<String>,
    body: String,
    json_body: bool,
    vars: HashMap<String, String>,
}

fn decode_json(b64: &str, what: &str) -> Result<serde_json::Value, String> {
    let raw = crate::http::base64::decode(b64.trim())
        .ok_or_else(|| format!("The {what} is not valid Base64."))?;
    serde_json::from_slice(&raw).map_err(|e| format!("The {what} is not valid JSON: {e}"))
}

/// The name of the bucket callback policy a callback refers to
/// (`{"callbackPolicy":"NAME"}`), if it does.
pub fn policy_name(callback_b64: &str) -> Option<String> {
    let spec: CallbackSpec =
        serde_json::from_value(decode_json(callback_b64, "callback").ok()?).ok()?;
    spec.policy.filter(|p| !p.is_empty())
}

impl Callback {
    /// Parses `x-oss-callback` (and `x-oss-callback-var`), both Base64 JSON.
    pub fn parse(callback_b64: &str, vars_b64: Option<&str>) -> Result<Callback, String> {
        let spec: CallbackSpec = serde_json::from_value(decode_json(callback_b64, "callback")?)
            .map_err(|e| format!("The callback is not valid: {e}"))?;
        let urls: Vec<String> = spec
            .url
            .split(';')
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(|u| {
                if u.starts_with("http://") || u.starts_with("https://") {
                    u.to_string()
                } else {
                    format!("http://{u}")
                }
            })
            .collect();
        if urls.is_empty() {
            return Err("The callback has no callbackUrl.".into());
        }
        if spec.body.is_empty() {
            return Err("The callback has no callbackBody.".into());
        }
        let json_body = match spec.body_type.as_deref().map(str::trim) {
            None | Some("") | Some("application/x-www-form-urlencoded") => false,
            Some("application/json") => true,
            Some(other) => return Err(format!("The callbackBodyType {other:?} is not supported.")),
        };
        let mut vars = HashMap::new();
        if let Some(v) = vars_b64.filter(|v| !v.trim().is_empty()) {
            let value = decode_json(v, "callback variables")?;
            let obj = value
                .as_object()
                .ok_or("The callback variables are not a JSON object.")?;
            // Only `x:` variables can be used in the body; OSS ignores the others.
            for (k, v) in obj.iter().filter(|(k, _)| k.starts_with("x:")) {
                let text = v
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| v.to_string());
                vars.insert(k.clone(), text);
            }
        }
        Ok(Callback {
            urls,
            host: spec.host.filter(|h| !h.is_empty()),
            body: spec.body,
            json_body,
            vars,
        })
    }

    /// The body sent for `values`.
    pub fn render(&self, values: &CallbackValues) -> String {
        let mut out = String::with_capacity(self.body.len() + 64);
        let mut rest = self.body.as_str();
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else {
                out.push_str(&rest[start..]);
                return out;
            };
            let name = &after[..end];
            let value = match name {
                "bucket" => Some(values.bucket.clone()),
                "object" => Some(values.object.clone()),
                "etag" => Some(values.etag.clone()),
                "size" => Some(values.size.to_string()),
                "mimeType" => Some(values.mime_type.clone()),
                "crc64" => Some(values.crc64.to_string()),
                "contentMd5" => Some(values.content_md5.clone()),
                "operation" => Some(values.operation.clone()),
                _ => self.vars.get(name).cloned(),
            };
            out.push_str(&value.unwrap_or_default());
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        out
    }

    /// POSTs the callback, trying each URL in turn. The answer body of the first URL that
    /// answers 200 with JSON; otherwise why none did.
    pub async fn call(
        &self,
        client: &reqwest::Client,
        values: &CallbackValues,
    ) -> Result<Bytes, String> {
        let body = self.render(values);
        let content_type = if self.json_body {
            "application/json"
        } else {
            "application/x-www-form-urlencoded"
        };
        let mut last = String::from("no callback URL was tried");
        for url in &self.urls {
            let mut req = client
                .post(url)
                .header("content-type", content_type)
                .body(body.clone());
            if let Some(h) = &self.host {
                req = req.header("host", h.clone());
            }
            match req.send().await {
                Err(e) => last = format!("The callback to {url} failed: {e}"),
                Ok(resp) if resp.status().as_u16() != 200 => {
                    last = format!(
                        "The callback to {url} answered HTTP {}.",
                        resp.status().as_u16()
                    )
                }
                Ok(resp) => match resp.bytes().await {
                    Err(e) => last = format!("Reading the answer of {url} failed: {e}"),
                    Ok(bytes) if serde_json::from_slice::<serde_json::Value>(&bytes).is_err() => {
                        last = format!("The answer of the callback to {url} is not valid JSON.")
                    }
                    Ok(bytes) => return Ok(bytes),
                },
            }
        }
        Err(last)
    }
}

// ---------------------------------------------------------------------------------------
// Upload callbacks of PutObject and CompleteMultipartUpload.

/// The callback (and its variables) of a request: `x-oss-callback`/`x-oss-callback-var`,
/// or the `callback`/`callback-var` parameters of a presigned URL.
fn requested(ctx: &RequestCtx) -> Option<(String, Option<String>)> {
    let callback = ctx
        .header("x-oss-callback")
        .or_else(|| ctx.param("callback"))?
        .trim()
        .to_string();
    if callback.is_empty() {
        return None;
    }
    let vars = ctx
        .header("x-oss-callback-var")
        .or_else(|| ctx.param("callback-var"))
        .map(str::to_string);
    Some((callback, vars))
}

/// The callback a request asks for, with a bucket callback policy resolved:
/// `InvalidArgument` when it cannot be used.
async fn resolve(state: &AppState, ctx: &RequestCtx) -> Result<Option<Callback>, OssError> {
    let Some((callback, vars)) = requested(ctx) else {
        return Ok(None);
    };
    let invalid = |why: String| OssError::invalid_argument(why, "x-oss-callback", "");
    if let Some(name) = policy_name(&callback) {
        let policies = super::settings::callback_policies(state, ctx.bucket_name()).await?;
        let Some(item) = policies.as_ref().and_then(|p| p.find(&name)) else {
            return Err(invalid(format!(
                "The bucket has no callback policy named {name:?}."
            )));
        };
        let vars = (!item.callback_var.is_empty()).then(|| item.callback_var.clone());
        return Callback::parse(&item.callback, vars.as_deref())
            .map(Some)
            .map_err(invalid);
    }
    Callback::parse(&callback, vars.as_deref())
        .map(Some)
        .map_err(invalid)
}

/// Before an upload: a callback that cannot be made refuses the upload (nothing is
/// stored).
pub async fn check_upload(state: &AppState, ctx: &RequestCtx) -> Result<(), OssError> {
    resolve(state, ctx).await.map(|_| ())
}

/// After a successful upload with a callback: makes it. The answer becomes the callback
/// server's (200, its JSON), or `203 CallbackFailed` when the callback failed (the object
/// stays stored), as OSS answers.
pub async fn after_upload(
    state: &AppState,
    ctx: &RequestCtx,
    operation: &str,
    mut reply: Reply,
) -> Result<Reply, OssError> {
    let Ok(Some(callback)) = resolve(state, ctx).await else {
        return Ok(reply);
    };
    let (b, k) = (ctx.bucket_name().to_string(), ctx.key.clone());
    let meta = super::quick(state, move |s| s.object(&b, &k))
        .await
        .map_err(|e| OssError::from_store(e, ctx.bucket_name(), Some(&ctx.key)))?;
    let content_type = meta
        .headers
        .iter()
        .find(|(k, _)| k == "content-type")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let values = CallbackValues {
        bucket: ctx.bucket_name().to_string(),
        object: ctx.key.clone(),
        etag: meta.etag.trim_matches('"').to_string(),
        size: meta.size,
        mime_type: content_type,
        crc64: meta.crc64,
        content_md5: reply.get("content-md5").unwrap_or_default().to_string(),
        operation: operation.to_string(),
    };
    let client = state.account.http().map_err(OssError::internal)?;
    reply
        .headers
        .retain(|(k, _)| k != "content-length" && k != "content-type");
    match callback.call(&client, &values).await {
        Ok(body) => {
            reply.status = 200;
            let len = body.len();
            Ok(reply
                .header("content-type", "application/json")
                .header("content-length", len.to_string())
                .with_body(ResponseBody::full(body)))
        }
        Err(why) => {
            tracing::info!(bucket = %values.bucket, object = %values.object, error = %why, "upload callback failed");
            let err = OssError::with_message(ErrorCode::CallbackFailed, why);
            let doc = osskit_proto::xml::error::ErrorBody::new(
                err.code.as_str(),
                &err.message,
                &ctx.request_id,
                &ctx.host,
            )
            .with_ec(err.ec())
            .to_xml();
            reply.status = 203;
            let len = doc.len();
            Ok(reply
                .header("content-type", "application/xml")
                .header("content-length", len.to_string())
                .header(osskit_proto::headers::EC, err.ec().to_string())
                .with_body(ResponseBody::full(doc)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(s: &str) -> String {
        crate::http::base64::encode(s.as_bytes())
    }

    #[test]
    fn callbacks_parse_and_render() {
        let cb = Callback::parse(
            &b64(r#"{"callbackUrl":"www.abc.com/callback;http://b.example/cb","callbackBody":"etag=${etag}&size=${size}&v=${x:var1}&none=${nope}"}"#),
            Some(&b64(r#"{"x:var1":"value1"}"#)),
        )
        .unwrap();
        assert_eq!(
            cb.urls,
            ["http://www.abc.com/callback", "http://b.example/cb"]
        );
        let values = CallbackValues {
            etag: "ABC".into(),
            size: 3,
            ..CallbackValues::default()
        };
        assert_eq!(cb.render(&values), "etag=ABC&size=3&v=value1&none=");
        assert!(Callback::parse("%%%", None).unwrap_err().contains("Base64"));
        assert!(Callback::parse(&b64(r#"{"callbackBody":"x"}"#), None)
            .unwrap_err()
            .contains("callbackUrl"));
        // Variables other than x: ones are ignored, as OSS does.
        let ignored = Callback::parse(
            &b64(r#"{"callbackUrl":"a.example","callbackBody":"${var}"}"#),
            Some(&b64(r#"{"var":"v"}"#)),
        )
        .unwrap();
        assert_eq!(ignored.render(&values), "");
        assert!(Callback::parse(
            &b64(r#"{"callbackUrl":"a.example","callbackBody":"x"}"#),
            Some(&b64("[1]"))
        )
        .unwrap_err()
        .contains("JSON object"));
        assert_eq!(
            policy_name(&b64(r#"{"callbackPolicy":"test_2"}"#)).as_deref(),
            Some("test_2")
        );
        assert_eq!(policy_name(&b64(r#"{"callbackUrl":"a"}"#)), None);
    }
}
