//! `presign` (also `sign`): presigned URLs for any method, V4 by default.

use serde_json::json;

use super::Ctx;
use crate::args::{method_name, PresignArgs};
use crate::error::CliError;
use crate::location::OssUrl;
use crate::settings::SignVersion;
use crate::transfer::parse_pairs;

/// Longest validity of a V4 presigned URL.
const V4_MAX_SECS: u64 = 7 * 24 * 3600;

/// Prints a presigned URL of an object.
pub async fn presign(ctx: &Ctx, args: PresignArgs) -> Result<(), CliError> {
    let url = OssUrl::parse_object(&args.url)?;
    let secs = args.expires.as_secs();
    if secs == 0 {
        return Err(CliError::usage("--expires must be at least 1 second"));
    }
    let clients = ctx.clients()?;
    if clients.settings().sign_version == SignVersion::V4 && secs > V4_MAX_SECS {
        return Err(CliError::usage(format!(
            "--expires {secs}s: V4 presigned URLs last at most 7 days (604800 s)"
        )));
    }
    let bucket = clients.bucket(&url.bucket)?;
    let method_text = method_name(&args.method);
    let method: osskit::Method = method_text
        .parse()
        .map_err(|_| CliError::usage(format!("--method {method_text:?} is not an HTTP method")))?;
    let mut req = bucket.sign_url(method, &url.key, args.expires);
    if let Some(v) = &args.version_id {
        req = req.param("versionId", v);
    }
    if let Some(t) = &args.content_type {
        req = req.header("Content-Type", t);
    }
    for (k, v) in parse_pairs(&args.query_param, "--query-param")? {
        req = req.param(k, v);
    }
    let signed = req
        .build()
        .await
        .map_err(|e| CliError::oss(format!("cannot sign {url}"), e))?;
    let expires = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64 + secs as i64)
        .ok();
    ctx.out.record(
        "PresignedURL",
        json!({"URL": signed, "Method": method_text, "Expires": super::iso(expires)}),
        || signed.clone(),
    )
}
