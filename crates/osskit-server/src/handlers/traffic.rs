//! `x-oss-traffic-limit`: the speed of one upload or download, in bits per second
//! (245760, 30 KB/s, to 838860800, 100 MB/s), given as a header or, in a presigned URL, as
//! a query parameter. Uploads are read no faster (the body is read at that pace, so the
//! client's sending slows down); downloads are sent no faster.

use crate::dispatch::RequestCtx;
use crate::error::OssError;
use osskit_proto::ops::OpId;

/// The header (and query parameter) name.
pub const TRAFFIC_LIMIT: &str = "x-oss-traffic-limit";
/// Slowest limit, bits per second.
pub const MIN_LIMIT: u64 = 245_760;
/// Fastest limit, bits per second.
pub const MAX_LIMIT: u64 = 838_860_800;

tokio::task_local! {
    /// The traffic limit of the request being handled (bits per second), read by the
    /// request body reader.
    pub static UPLOAD_LIMIT: u64;
}

/// Whether `op` takes a traffic limit: its declaration lists `x-oss-traffic-limit`
/// (PutObject, AppendObject, UploadPart, GetObject).
pub fn applies(op: OpId) -> bool {
    op.spec().headers.iter().any(|h| h.name == TRAFFIC_LIMIT)
}

/// The request's traffic limit (header, else query parameter), checked against OSS's
/// range; `None` when it has none or `op` does not take one.
pub fn limit(ctx: &RequestCtx, op: OpId) -> Result<Option<u64>, OssError> {
    if !applies(op) {
        return Ok(None);
    }
    let Some(raw) = ctx
        .header(TRAFFIC_LIMIT)
        .or_else(|| ctx.param(TRAFFIC_LIMIT))
    else {
        return Ok(None);
    };
    match raw.trim().parse::<u64>() {
        Ok(v) if (MIN_LIMIT..=MAX_LIMIT).contains(&v) => Ok(Some(v)),
        _ => Err(OssError::invalid_argument(
            format!(
                "x-oss-traffic-limit must be an integer from {MIN_LIMIT} to {MAX_LIMIT} (bits per second)."
            ),
            TRAFFIC_LIMIT,
            raw,
        )),
    }
}

/// The traffic limit that applies to the body being read, if any.
pub fn upload_limit() -> Option<u64> {
    UPLOAD_LIMIT.try_with(|l| *l).ok()
}
