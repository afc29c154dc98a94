//! Access points (`CreateAccessPoint`, `GetAccessPoint`, `DeleteAccessPoint`,
//! `ListBucketAccessPoints`, `ListAccessPoints`), their policies and public access blocks.
//!
//! A bucket's access points are one stored document (`osskit.access-points`, JSON). They
//! are stored, validated and returned as OSS does (ARN, alias, endpoints, status `enable`
//! at once); requests *through* an access point — its `…oss-accesspoint.aliyuncs.com`
//! endpoints and its alias used as a bucket name — are not served by this server.

use serde::{Deserialize, Serialize};

use super::config::{document, malformed, read_document};
use super::{blocking, quick};
use crate::dispatch::{AppState, RequestCtx};
use crate::error::OssError;
use crate::http::response::{now_secs, Reply};
use crate::store::{Store, StoreError};
use hyper::body::Incoming;
use osskit_proto::error_code::ErrorCode;
use osskit_proto::headers::ACCESS_POINT_NAME;
use osskit_proto::ops::OpId;
use osskit_proto::policy::Policy;
use osskit_proto::xml::access_point::{
    is_valid_name, AccessPointEndpoints, AccessPointSummary, CreateAccessPointConfiguration,
    CreateAccessPointResult, GetAccessPointResult, ListAccessPointsResult, VpcConfiguration,
    NETWORK_INTERNET, NETWORK_VPC,
};
use osskit_proto::xml::public_access_block::PublicAccessBlockConfiguration;
use osskit_proto::xml::Document;

/// Stored document of a bucket's access points.
pub const DOC: &str = "osskit.access-points";
/// Most access points of a bucket.
const MAX_PER_BUCKET: usize = 100;
/// Most access points of an account.
const MAX_PER_ACCOUNT: usize = 1000;

/// One access point as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// Name.
    pub name: String,
    /// `internet` or `vpc`.
    pub network_origin: String,
    /// VPC id of `vpc` access points.
    pub vpc_id: Option<String>,
    /// Creation time, Unix seconds.
    pub created: i64,
    /// Alias.
    pub alias: String,
    /// Its policy, as put.
    pub policy: Option<String>,
    /// Its public access block.
    pub block_public_access: Option<bool>,
}

fn load(s: &dyn Store, bucket: &str) -> Result<Vec<Record>, StoreError> {
    Ok(s.bucket_config(bucket, DOC)?
        .and_then(|d| serde_json::from_slice(&d).ok())
        .unwrap_or_default())
}

fn save(s: &dyn Store, bucket: &str, records: &[Record]) -> Result<(), StoreError> {
    if records.is_empty() {
        return s.set_bucket_config(bucket, DOC, None);
    }
    let doc = serde_json::to_vec(records)
        .map_err(|e| StoreError::Internal(format!("writing access points: {e}")))?;
    s.set_bucket_config(bucket, DOC, Some(doc))
}

fn vpc(vpc_id: String) -> VpcConfiguration {
    let mut v = VpcConfiguration::default();
    v.vpc_id = vpc_id;
    v
}

fn not_found() -> OssError {
    OssError::new(ErrorCode::NoSuchAccessPoint)
}

fn arn(state: &AppState, account: &str, name: &str) -> String {
    format!("acs:oss:{}:{account}:accesspoint/{name}", state.region)
}

fn new_alias(name: &str) -> String {
    use rand::Rng;
    let mut rng = rand::thread_rng();
    let hex: String = (0..30)
        .map(|_| format!("{:x}", rng.gen::<u8>() & 0xf))
        .collect();
    format!("{name}-{hex}-ossalias")
}

/// The access point name of a request (header, or the parameter of the PAB calls).
fn requested_name(ctx: &RequestCtx) -> Result<String, OssError> {
    ctx.header(ACCESS_POINT_NAME)
        .or_else(|| ctx.param(ACCESS_POINT_NAME))
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty())
        .ok_or_else(|| {
            OssError::invalid_argument(
                "The access point name (x-oss-access-point-name) is required.",
                ACCESS_POINT_NAME,
                "",
            )
        })
}

/// Every (bucket, access point) of the buckets owned by `account`, sorted by name.
fn of_account(
    s: &dyn Store,
    account: &str,
    default_owner: &str,
) -> Result<Vec<(String, Record)>, StoreError> {
    let mut all = Vec::new();
    let mut marker = String::new();
    loop {
        let (buckets, more) = s.list_buckets("", &marker, 1000)?;
        for b in &buckets {
            let owner = s
                .bucket_config(&b.name, crate::access::OWNER_DOC)?
                .and_then(|v| String::from_utf8(v).ok())
                .unwrap_or_else(|| default_owner.to_string());
            if owner != account {
                continue;
            }
            for r in load(s, &b.name)? {
                all.push((b.name.clone(), r));
            }
        }
        match (more, buckets.last()) {
            (true, Some(last)) => marker = last.name.clone(),
            _ => break,
        }
    }
    all.sort_by(|a, b| a.1.name.cmp(&b.1.name));
    Ok(all)
}

/// `PUT /bucket?accessPoint`.
pub async fn create(
    state: &AppState,
    ctx: &RequestCtx,
    op: OpId,
    body: Incoming,
) -> Result<Reply, OssError> {
    let doc = read_document(ctx, op, body).await?;
    let config = CreateAccessPointConfiguration::from_document(&doc).map_err(malformed)?;
    let name = config.access_point_name.trim().to_string();
    if !is_valid_name(&name) {
        return Err(OssError::invalid_argument(
            "The access point name must be 3 to 19 lower-case letters, digits or hyphens, not starting or ending with a hyphen.",
            "AccessPointName",
            &name,
        ));
    }
    let vpc_id = match config.network_origin.as_str() {
        NETWORK_INTERNET => None,
        NETWORK_VPC => match config.vpc_configuration.map(|v| v.vpc_id) {
            Some(id) if !id.trim().is_empty() => Some(id.trim().to_string()),
            _ => {
                return Err(OssError::invalid_argument(
                    "A vpc access point needs a VpcConfiguration with a VpcId.",
                    "VpcId",
                    "",
                ))
            }
        },
        other => {
            return Err(OssError::invalid_argument(
                "NetworkOrigin must be internet or vpc.",
                "NetworkOrigin",
                other,
            ))
        }
    };
    let bucket = ctx.bucket_name().to_string();
    let owner = crate::access::bucket_owner(state, &bucket).await?;
    let record = Record {
        name: name.clone(),
        network_origin: config.network_origin.clone(),
        vpc_id,
        created: now_secs(),
        alias: new_alias(&name),
        policy: None,
        block_public_access: None,
    };
    let alias = record.alias.clone();
    let (b, o, default_owner) = (
        bucket.clone(),
        owner.clone(),
        state.users.account_id().to_string(),
    );
    let refused = blocking(state, move |s| {
        let all = of_account(s, &o, &default_owner)?;
        if all.iter().any(|(_, r)| r.name == record.name) {
            return Ok(Some(OssError::new(ErrorCode::AccessPointAlreadyExists)));
        }
        let mut mine = load(s, &b)?;
        if mine.len() >= MAX_PER_BUCKET || all.len() >= MAX_PER_ACCOUNT {
            return Ok(Some(OssError::new(ErrorCode::TooManyAccessPoints)));
        }
        mine.push(record);
        save(s, &b, &mine)?;
        Ok(None)
    })
    .await
    .map_err(|e| OssError::from_store(e, &bucket, None))?;
    if let Some(e) = refused {
        return Err(e);
    }
    let mut answer = CreateAccessPointResult::default();
    answer.access_point_arn = arn(state, &owner, &name);
    answer.alias = alias;
    Ok(Reply::xml(
        answer.to_document().map_err(OssError::internal)?,
    ))
}

/// The access point `name` of the request's bucket.
async fn find(state: &AppState, ctx: &RequestCtx, name: &str) -> Result<Record, OssError> {
    let bucket = ctx.bucket_name().to_string();
    let b = bucket.clone();
    let records = quick(state, move |s| load(s, &b))
        .await
        .map_err(|e| OssError::from_store(e, &bucket, None))?;
    records
        .into_iter()
        .find(|r| r.name == name)
        .ok_or_else(not_found)
}

/// Changes the access point `name` of the request's bucket.
async fn update(
    state: &AppState,
    ctx: &RequestCtx,
    name: String,
    change: impl FnOnce(&mut Record) + Send + 'static,
) -> Result<(), OssError> {
    let bucket = ctx.bucket_name().to_string();
    let b = bucket.clone();
    let found = blocking(state, move |s| {
        let mut records = load(s, &b)?;
        let Some(r) = records.iter_mut().find(|r| r.name == name) else {
            return Ok(false);
        };
        change(r);
        save(s, &b, &records)?;
        Ok(true)
    })
    .await
    .map_err(|e| OssError::from_store(e, &bucket, None))?;
    if found {
        Ok(())
    } else {
        Err(not_found())
    }
}

/// `GET /bucket?accessPoint` with `x-oss-access-point-name`.
pub async fn get(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let name = requested_name(ctx)?;
    let r = find(state, ctx, &name).await?;
    let bucket = ctx.bucket_name();
    let owner = crate::access::bucket_owner(state, bucket).await?;
    let region = &state.region;
    let mut endpoints = AccessPointEndpoints::default();
    endpoints.public_endpoint = format!("{}.oss-{region}.oss-accesspoint.aliyuncs.com", r.name);
    endpoints.internal_endpoint = format!(
        "{}.oss-{region}-internal.oss-accesspoint.aliyuncs.com",
        r.name
    );
    let mut answer = GetAccessPointResult::default();
    answer.access_point_name = r.name.clone();
    answer.bucket = bucket.to_string();
    answer.account_id = owner.clone();
    answer.network_origin = r.network_origin.clone();
    answer.vpc_configuration = r.vpc_id.clone().map(vpc);
    answer.access_point_arn = arn(state, &owner, &r.name);
    answer.creation_date = r.created.to_string();
    answer.alias = r.alias.clone();
    answer.status = "enable".to_string();
    answer.endpoints = endpoints;
    answer.public_access_block_configuration = Some(PublicAccessBlockConfiguration::new(
        r.block_public_access.unwrap_or(false),
    ));
    Ok(Reply::xml(
        answer.to_document().map_err(OssError::internal)?,
    ))
}

/// `DELETE /bucket?accessPoint` with `x-oss-access-point-name`.
pub async fn delete(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let name = requested_name(ctx)?;
    let bucket = ctx.bucket_name().to_string();
    let b = bucket.clone();
    let found = blocking(state, move |s| {
        let mut records = load(s, &b)?;
        let before = records.len();
        records.retain(|r| r.name != name);
        if records.len() == before {
            return Ok(false);
        }
        save(s, &b, &records)?;
        Ok(true)
    })
    .await
    .map_err(|e| OssError::from_store(e, &bucket, None))?;
    if found {
        Ok(Reply::new(204))
    } else {
        Err(not_found())
    }
}

/// `max-keys` (1 to 1000, 100 by default) and `continuation-token` of a listing.
fn page_params(ctx: &RequestCtx) -> Result<(usize, String), OssError> {
    let max = match ctx.param("max-keys") {
        None | Some("") => 100,
        Some(v) => match v.parse::<usize>() {
            Ok(n) if (1..=1000).contains(&n) => n,
            _ => {
                return Err(OssError::invalid_argument(
                    "max-keys must be an integer between 1 and 1000.",
                    "max-keys",
                    v,
                ))
            }
        },
    };
    Ok((
        max,
        ctx.param("continuation-token").unwrap_or("").to_string(),
    ))
}

fn page(
    account: String,
    all: Vec<(String, Record)>,
    max: usize,
    token: &str,
) -> ListAccessPointsResult {
    let rest: Vec<(String, Record)> = all
        .into_iter()
        .filter(|(_, r)| token.is_empty() || r.name.as_str() > token)
        .collect();
    let truncated = rest.len() > max;
    let items: Vec<AccessPointSummary> = rest
        .into_iter()
        .take(max)
        .map(|(bucket, r)| {
            let mut a = AccessPointSummary::default();
            a.bucket = bucket;
            a.access_point_name = r.name;
            a.alias = r.alias;
            a.network_origin = r.network_origin;
            a.vpc_configuration = r.vpc_id.map(vpc);
            a.status = "enable".to_string();
            a
        })
        .collect();
    let mut answer = ListAccessPointsResult::default();
    answer.is_truncated = truncated;
    answer.next_continuation_token = if truncated {
        items.last().map(|a| a.access_point_name.clone())
    } else {
        None
    };
    answer.account_id = account;
    answer.max_keys = max as u32;
    answer.access_points.items = items;
    answer
}

/// `GET /bucket?accessPoint`: the bucket's access points.
pub async fn list_bucket(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let (max, token) = page_params(ctx)?;
    let bucket = ctx.bucket_name().to_string();
    let owner = crate::access::bucket_owner(state, &bucket).await?;
    let b = bucket.clone();
    let mut records = quick(state, move |s| load(s, &b))
        .await
        .map_err(|e| OssError::from_store(e, &bucket, None))?;
    records.sort_by(|a, b| a.name.cmp(&b.name));
    let all = records.into_iter().map(|r| (bucket.clone(), r)).collect();
    let answer = page(owner, all, max, &token);
    Ok(Reply::xml(
        answer.to_document().map_err(OssError::internal)?,
    ))
}

/// `GET /?accessPoint`: the access points of the requester's account.
pub async fn list_account(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let (max, token) = page_params(ctx)?;
    let account = ctx
        .principal
        .account_id()
        .ok_or_else(|| OssError::new(ErrorCode::AccessDenied))?
        .to_string();
    let (a, default_owner) = (account.clone(), state.users.account_id().to_string());
    let all = blocking(state, move |s| of_account(s, &a, &default_owner))
        .await
        .map_err(|e| OssError::from_store(e, "", None))?;
    let answer = page(account, all, max, &token);
    Ok(Reply::xml(
        answer.to_document().map_err(OssError::internal)?,
    ))
}

/// `PUT /bucket?accessPointPolicy`.
pub async fn put_policy(
    state: &AppState,
    ctx: &RequestCtx,
    op: OpId,
    body: Incoming,
) -> Result<Reply, OssError> {
    let name = requested_name(ctx)?;
    let doc = super::policy::read_policy(ctx, op, body).await?;
    let policy = Policy::parse(&doc).map_err(super::policy::invalid)?;
    let record = find(state, ctx, &name).await?;
    if policy.is_public() {
        let access = crate::access::bucket_access(state, ctx.bucket_name()).await?;
        if access.blocks_public || record.block_public_access == Some(true) {
            return Err(super::policy::public_policy_refused());
        }
    }
    let text = String::from_utf8(doc).map_err(|_| {
        super::policy::invalid(osskit_proto::policy::PolicyError {
            ec: osskit_proto::policy::EC_SYNTAX,
            message: "The policy is not UTF-8.".into(),
        })
    })?;
    update(state, ctx, name, move |r| r.policy = Some(text)).await?;
    Ok(Reply::new(200))
}

/// `GET /bucket?accessPointPolicy`: the policy as put.
pub async fn get_policy(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let name = requested_name(ctx)?;
    let record = find(state, ctx, &name).await?;
    match record.policy {
        Some(p) => Ok(document("application/json", p.into_bytes())),
        None => Err(OssError::new(ErrorCode::NoSuchAccessPointPolicy)),
    }
}

/// `DELETE /bucket?accessPointPolicy`.
pub async fn delete_policy(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let name = requested_name(ctx)?;
    update(state, ctx, name, |r| r.policy = None).await?;
    Ok(Reply::new(204))
}

/// `PUT /bucket?publicAccessBlock&x-oss-access-point-name=NAME`.
pub async fn put_block(
    state: &AppState,
    ctx: &RequestCtx,
    op: OpId,
    body: Incoming,
) -> Result<Reply, OssError> {
    let name = requested_name(ctx)?;
    let doc = read_document(ctx, op, body).await?;
    let config = PublicAccessBlockConfiguration::from_document(&doc).map_err(malformed)?;
    let block = config.block_public_access;
    update(state, ctx, name, move |r| {
        r.block_public_access = Some(block)
    })
    .await?;
    Ok(Reply::new(200))
}

/// `GET /bucket?publicAccessBlock&x-oss-access-point-name=NAME`.
pub async fn get_block(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let name = requested_name(ctx)?;
    let record = find(state, ctx, &name).await?;
    let config = PublicAccessBlockConfiguration::new(record.block_public_access.unwrap_or(false));
    let doc = config.to_document().map_err(OssError::internal)?;
    Ok(document("application/xml", doc.into_bytes()))
}

/// `DELETE /bucket?publicAccessBlock&x-oss-access-point-name=NAME`.
pub async fn delete_block(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let name = requested_name(ctx)?;
    update(state, ctx, name, |r| r.block_public_access = None).await?;
    Ok(Reply::new(204))
}
