//! The Alibaba Cloud RPC-style APIs the server answers besides OSS, so that what OSS clients
//! get from those services works locally: the actions are named by an `Action` parameter,
//! signed with [`osskit_proto::rpc`] (signature version 1.0), and answered in JSON.
//!
//! A request is an RPC call when it addresses the root (`/`, no bucket) and carries an
//! `Action` parameter, in the query or in a form body (`POST`,
//! `Content-Type: application/x-www-form-urlencoded`). OSS itself never uses `Action`, so
//! nothing an OSS client sends is taken for one. Errors are Alibaba Cloud's JSON error
//! document (`RequestId`, `HostId`, `Code`, `Message`) with its status.

pub mod kms;
pub mod sts;

use crate::dispatch::{AppState, RequestCtx};
use crate::handlers::read_small_body;
use crate::http::response::Reply;
use crate::keys::Lookup;
use hyper::body::Incoming;
use osskit_proto::rpc::{verify_params, RpcVerifyError};

/// Largest accepted form body of an RPC call.
const FORM_LIMIT: usize = 256 * 1024;

/// Whether `ctx` is an RPC call (see the module documentation).
pub fn is_rpc_request(ctx: &RequestCtx) -> bool {
    if ctx.bucket.is_some()
        || !(ctx.method == http::Method::GET || ctx.method == http::Method::POST)
    {
        return false;
    }
    ctx.param("Action").is_some() || (ctx.method == http::Method::POST && is_form(ctx))
}

fn is_form(ctx: &RequestCtx) -> bool {
    ctx.header("content-type").is_some_and(|t| {
        t.to_ascii_lowercase()
            .starts_with("application/x-www-form-urlencoded")
    })
}

/// The parameters of a call (query, then form body) and who signed it.
#[derive(Debug, Clone)]
pub struct RpcCall {
    /// `Action`.
    pub action: String,
    /// Every parameter, decoded, query first.
    pub params: Vec<(String, String)>,
    /// The `AccessKeyId` that signed the call.
    pub access_key_id: String,
    /// The `SecurityToken` of the call, when signed with temporary credentials.
    pub security_token: Option<String>,
}

impl RpcCall {
    /// The value of parameter `name`.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The value of a required parameter, or `MissingParameter` naming it.
    pub fn required(&self, name: &str) -> Result<&str, RpcError> {
        match self.param(name) {
            Some(v) if !v.is_empty() => Ok(v),
            _ => Err(RpcError::new(
                400,
                format!("Missing{name}"),
                format!("{name} is mandatory for this action."),
            )),
        }
    }
}

/// A failed call: status, code and message of Alibaba Cloud's JSON error document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpcError {
    /// HTTP status.
    pub status: u16,
    /// `Code`, e.g. `InvalidParameter`.
    pub code: String,
    /// `Message`.
    pub message: String,
}

impl RpcError {
    /// An error with `status`, `code` and `message`.
    pub fn new(status: u16, code: impl Into<String>, message: impl Into<String>) -> Self {
        RpcError {
            status,
            code: code.into(),
            message: message.into(),
        }
    }

    /// `400 InvalidParameter` naming the parameter.
    pub fn invalid_parameter(name: &str, why: &str) -> Self {
        RpcError::new(
            400,
            "InvalidParameter",
            format!("The parameter {name} is invalid: {why}"),
        )
    }
}

/// Answers an RPC call: never fails, errors become the JSON error document.
pub async fn serve(state: &AppState, ctx: &RequestCtx, body: Incoming) -> Reply {
    let host = ctx.host.clone();
    match run(state, ctx, body).await {
        Ok(value) => json_reply(200, &with_request_id(value, &ctx.request_id)),
        Err(e) => {
            tracing::debug!(request_id = %ctx.request_id, code = %e.code, message = %e.message, "RPC call failed");
            json_reply(
                e.status,
                &serde_json::json!({
                    "RequestId": ctx.request_id,
                    "HostId": host,
                    "Code": e.code,
                    "Message": e.message,
                }),
            )
        }
    }
}

fn with_request_id(mut value: serde_json::Value, request_id: &str) -> serde_json::Value {
    if let Some(map) = value.as_object_mut() {
        map.insert("RequestId".into(), request_id.into());
    }
    value
}

fn json_reply(status: u16, value: &serde_json::Value) -> Reply {
    let text = value.to_string();
    let len = text.len();
    Reply::new(status)
        .header("content-type", "application/json;charset=utf-8")
        .header("content-length", len.to_string())
        .with_body(crate::http::body::ResponseBody::full(text))
}

async fn run(
    state: &AppState,
    ctx: &RequestCtx,
    body: Incoming,
) -> Result<serde_json::Value, RpcError> {
    let mut params = ctx.params.clone();
    if ctx.method == http::Method::POST && is_form(ctx) {
        let form = read_small_body(body, FORM_LIMIT)
            .await
            .map_err(|e| RpcError::new(400, "InvalidParameter", e.message))?;
        let text = String::from_utf8(form.to_vec())
            .map_err(|_| RpcError::new(400, "InvalidParameter", "The form body is not UTF-8."))?;
        params.extend(osskit_proto::encoding::parse_query(&text));
    }
    // Actions that are called without credentials (they bring their own proof).
    if let Some(result) = sts::unsigned_action(state, &params) {
        return result;
    }
    let call = authenticate(state, ctx, params)?;
    dispatch(state, &call).await
}

/// Checks the signature and the security token of a call.
fn authenticate(
    state: &AppState,
    ctx: &RequestCtx,
    params: Vec<(String, String)>,
) -> Result<RpcCall, RpcError> {
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let action = get("Action").unwrap_or_default();
    let Some(id) = get("AccessKeyId") else {
        return Err(RpcError::new(
            400,
            "MissingAccessKeyId",
            "AccessKeyId is mandatory for this action.",
        ));
    };
    let key = match state.keys.get(&id, state.now()) {
        Lookup::Valid(key) => key,
        Lookup::Expired(_) => {
            return Err(RpcError::new(
                400,
                "InvalidSecurityToken.Expired",
                "Specified SecurityToken is expired.",
            ))
        }
        Lookup::Unknown => {
            return Err(RpcError::new(
                404,
                "InvalidAccessKeyId.NotFound",
                "Specified access key is not found.",
            ))
        }
    };
    verify_params(ctx.method.as_str(), &params, &key.secret, state.now()).map_err(|e| match e {
        RpcVerifyError::Missing(name) => RpcError::new(
            400,
            format!("Missing{name}"),
            format!("{name} is mandatory for this action."),
        ),
        RpcVerifyError::UnsupportedMethod => RpcError::new(
            400,
            "InvalidSignatureMethod",
            "Specified signature method is not supported (HMAC-SHA1, version 1.0).",
        ),
        RpcVerifyError::InvalidTimestamp => RpcError::new(
            400,
            "InvalidTimeStamp.Expired",
            "Specified time stamp or date value is expired.",
        ),
        RpcVerifyError::SignatureMismatch { string_to_sign } => RpcError::new(
            400,
            "SignatureDoesNotMatch",
            format!(
                "Specified signature is not matched with our calculation. server string to sign is:{string_to_sign}"
            ),
        ),
    })?;
    let security_token = get("SecurityToken");
    if let Some(expected) = &key.token {
        if security_token.as_deref() != Some(expected.as_str()) {
            return Err(RpcError::new(
                400,
                "InvalidSecurityToken.Mismatch",
                "Specified SecurityToken mismatch with the AccessKey.",
            ));
        }
    }
    Ok(RpcCall {
        action,
        params,
        access_key_id: id,
        security_token,
    })
}

/// Runs the action of an authenticated call.
async fn dispatch(state: &AppState, call: &RpcCall) -> Result<serde_json::Value, RpcError> {
    match call.action.as_str() {
        "CreateKey" => kms::create_key(&state.kms, &state.region, call),
        "DescribeKey" => kms::describe_key(&state.kms, &state.region, call),
        "GenerateDataKey" => kms::generate_data_key(&state.kms, call),
        "Encrypt" => kms::encrypt(&state.kms, call),
        "Decrypt" => kms::decrypt(&state.kms, call),
        "AssumeRole" => sts::assume_role(state, call),
        // The actions of each service are added here, one arm per action.
        other => Err(RpcError::new(
            404,
            "InvalidAction.NotFound",
            format!("Specified api {other:?} is not found, please check your url and method."),
        )),
    }
}
