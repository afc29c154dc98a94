//! Request log lines. Keys and messages come from clients: they are escaped (control
//! characters such as CR, LF and ESC written as `\r`, `\n`, `\u{1b}`) so that a request
//! cannot forge log lines or drive a terminal. Internal errors are logged with what really
//! happened, which clients never see (see [`OssError::detail`]).

use crate::dispatch::RequestCtx;
use crate::error::OssError;

/// `s` with control characters escaped (as Rust's `escape_debug`, without quotes).
///
/// ```
/// assert_eq!(osskit_server::http::log::escaped("a\r\nb\u{1b}[2J"), "a\\r\\nb\\u{1b}[2J");
/// assert_eq!(osskit_server::http::log::escaped("café/ok"), "café/ok");
/// ```
pub fn escaped(s: &str) -> String {
    if !s.chars().any(char::is_control) {
        return s.to_string();
    }
    s.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_debug().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Logs a failed request: server errors at `error` level with their detail, others at
/// `debug`.
pub fn request_failed(ctx: &RequestCtx, err: &OssError) {
    let key = escaped(&ctx.key);
    let message = escaped(&err.message);
    if err.status() >= 500 {
        tracing::error!(request_id = %ctx.request_id, method = %ctx.method, bucket = ?ctx.bucket, key = %key, code = %err.code, message = %message, detail = err.detail().unwrap_or(""), "request failed");
    } else {
        tracing::debug!(request_id = %ctx.request_id, method = %ctx.method, bucket = ?ctx.bucket, key = %key, code = %err.code, message = %message, "request failed");
    }
}

/// Logs a served request.
pub fn request_done(ctx: &RequestCtx, status: u16) {
    tracing::info!(request_id = %ctx.request_id, method = %ctx.method, bucket = ?ctx.bucket, key = %escaped(&ctx.key), status, "request");
}
