//! Access control: what the sender of a request may do, decided as OSS does from RAM
//! policies, the bucket policy, ACLs, public access blocks and request payment.
//!
//! [`authorize`] runs for every request, once it is authenticated and routed. The order
//! follows OSS's evaluation:
//!
//! 1. Requester pays: on a bucket whose payer is `Requester`, requests from other accounts
//!    must carry `x-oss-request-payer: requester` (header, or query parameter of a presigned
//!    URL); anonymous requests are refused.
//! 2. RAM policies of the requester (RAM users and role sessions): an explicit `Deny` refuses.
//! 3. The bucket policy: an explicit `Deny` refuses (statements with principal `*` and no
//!    condition do not apply to the bucket owner; with a condition they do). Public
//!    statements are skipped when public access is blocked.
//! 4. The bucket owner's account acting as itself is allowed. Otherwise an `Allow` of the
//!    bucket policy, of the requester's RAM policies (same account only), or of the ACL
//!    (object ACL, else bucket ACL: `public-read` reads and lists, `public-read-write` also writes;
//!    ignored when public access is blocked) allows; nothing else does.
//!
//! Public access blocks (account of the bucket owner, bucket) also refuse setting a public
//! ACL. Copies check `oss:GetObject` on their source as well.
//!
//! A bucket's owner is the account whose key created it; buckets without a recorded owner
//! belong to the server's own account ([`crate::users::Users::account_id`]).

use std::net::IpAddr;
use std::sync::Arc;

use crate::auth::Principal;
use crate::dispatch::{AppState, RequestCtx};
use crate::error::OssError;
use crate::handlers::quick;
use crate::http::response::now_secs;
use crate::store::{BucketMeta, Store, StoreError};
use crate::users::Identity;
use osskit_proto::error_code::ErrorCode;
use osskit_proto::ops::{Access, Level, OpId};
use osskit_proto::policy::{self, Decision, Policy};
use osskit_proto::xml::public_access_block::PublicAccessBlockConfiguration;
use osskit_proto::xml::request_payment::{Payer, RequestPaymentConfiguration};
use osskit_proto::xml::Document;

/// Stored document holding the uid of a bucket's owner (absent: the server's account).
pub const OWNER_DOC: &str = "osskit.owner";
/// Stored document of the bucket policy (the JSON text as put).
pub const POLICY_DOC: &str = "policy";
/// Stored document of a public access block (bucket and account level).
pub const PUBLIC_ACCESS_BLOCK_DOC: &str = "publicAccessBlock";
/// Stored document of the request payment configuration.
pub const REQUEST_PAYMENT_DOC: &str = "requestPayment";

/// EC of a request refused by an explicit `Deny` of a bucket policy.
const EC_POLICY_DENY: &str = "0003-00000101";
/// EC of a request no RAM policy allows, by a RAM user or role session.
const EC_RAM: &str = "0003-00000202";
/// EC of an anonymous request to a requester-pays bucket.
const EC_PAYER_ANONYMOUS: &str = "0003-00000701";
/// EC of a presigned request to a requester-pays bucket without `x-oss-request-payer`.
const EC_PAYER_QUERY: &str = "0003-00000702";
/// EC of a signed request to a requester-pays bucket without `x-oss-request-payer`.
const EC_PAYER_HEADER: &str = "0003-00000703";

/// What access control needs to know about a bucket, read in one store call.
#[derive(Debug, Clone)]
pub struct BucketAccess {
    /// Its metadata (its ACL).
    pub meta: BucketMeta,
    /// The uid of its owner.
    pub owner: String,
    /// Its bucket policy, if any.
    pub policy: Option<Policy>,
    /// Whether public access is blocked for it (by its own block or its owner's account's).
    pub blocks_public: bool,
    /// Whether requesters pay.
    pub requester_pays: bool,
}

fn bucket_access_in(
    s: &dyn Store,
    bucket: &str,
    default_owner: &str,
) -> Result<BucketAccess, StoreError> {
    let meta = s.bucket(bucket)?;
    let owner = s
        .bucket_config(bucket, OWNER_DOC)?
        .and_then(|v| String::from_utf8(v).ok())
        .unwrap_or_else(|| default_owner.to_string());
    // A stored policy was validated when put; one that no longer parses grants nothing.
    let policy = s
        .bucket_config(bucket, POLICY_DOC)?
        .and_then(|doc| Policy::parse(&doc).ok());
    let blocked = |doc: Option<Vec<u8>>| {
        doc.and_then(|d| PublicAccessBlockConfiguration::from_document(&d).ok())
            .is_some_and(|c| c.block_public_access)
    };
    let blocks_public = blocked(s.bucket_config(bucket, PUBLIC_ACCESS_BLOCK_DOC)?)
        || blocked(s.account_config(&owner, PUBLIC_ACCESS_BLOCK_DOC)?);
    let requester_pays = s
        .bucket_config(bucket, REQUEST_PAYMENT_DOC)?
        .and_then(|d| RequestPaymentConfiguration::from_document(&d).ok())
        .is_some_and(|c| c.parsed_payer() == Some(Payer::Requester));
    Ok(BucketAccess {
        meta,
        owner,
        policy,
        blocks_public,
        requester_pays,
    })
}

/// What access control read about buckets, so that a request does not read it again.
///
/// Entries are dropped when a request changes a bucket or the account settings (see
/// [`Cache::after`]); an entry read while such a change was under way is not kept (the
/// generation counter tells).
#[derive(Debug, Default)]
pub struct Cache {
    entries: std::sync::RwLock<std::collections::HashMap<String, Arc<BucketAccess>>>,
    generation: std::sync::atomic::AtomicU64,
}

/// Buckets whose access data is kept at most.
const CACHE_LIMIT: usize = 4096;

impl Cache {
    fn get(&self, bucket: &str) -> Option<Arc<BucketAccess>> {
        let map = self.entries.read().unwrap_or_else(|e| e.into_inner());
        map.get(bucket).cloned()
    }

    fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::Acquire)
    }

    fn insert(&self, bucket: &str, access: Arc<BucketAccess>, read_at: u64) {
        let mut map = self.entries.write().unwrap_or_else(|e| e.into_inner());
        // A change since the read began may have been missed: keep nothing.
        if self.generation() != read_at {
            return;
        }
        if map.len() >= CACHE_LIMIT {
            map.clear();
        }
        map.insert(bucket.to_string(), access);
    }

    /// Forgets `bucket` (every bucket when `None`).
    pub fn invalidate(&self, bucket: Option<&str>) {
        let mut map = self.entries.write().unwrap_or_else(|e| e.into_inner());
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        match bucket {
            Some(b) => {
                map.remove(b);
            }
            None => map.clear(),
        }
    }

    /// Called once a request was handled (whatever its outcome): a request that may have
    /// changed a bucket's metadata or configuration forgets that bucket; one that may have
    /// changed account settings forgets every bucket.
    pub fn after(&self, ctx: &RequestCtx, op: OpId) {
        use osskit_proto::ops::HttpMethod;
        let spec = op.spec();
        if matches!(spec.method, HttpMethod::Get | HttpMethod::Head) {
            return;
        }
        match (spec.level, ctx.bucket.as_deref()) {
            // Account settings (the account's public access block) concern every bucket.
            (Level::Service, _) => self.invalidate(None),
            // Bucket metadata and configuration; object ACLs are never kept.
            (Level::Bucket, Some(b)) if spec.access == Access::BucketConfig => {
                self.invalidate(Some(b))
            }
            _ => {}
        }
    }
}

/// Reads what access control needs about `bucket` (NoSuchBucket when it does not exist).
pub async fn bucket_access(state: &AppState, bucket: &str) -> Result<Arc<BucketAccess>, OssError> {
    if let Some(hit) = state.access_cache.get(bucket) {
        return Ok(hit);
    }
    let read_at = state.access_cache.generation();
    let (b, default_owner) = (bucket.to_string(), state.users.account_id().to_string());
    let access = quick(state, move |s| bucket_access_in(s, &b, &default_owner))
        .await
        .map_err(|e| OssError::from_store(e, bucket, None))?;
    let access = Arc::new(access);
    state.access_cache.insert(bucket, access.clone(), read_at);
    Ok(access)
}

/// The uid of the owner of `bucket`.
pub async fn bucket_owner(state: &AppState, bucket: &str) -> Result<String, OssError> {
    let (b, default_owner) = (bucket.to_string(), state.users.account_id().to_string());
    quick(state, move |s| {
        s.bucket(&b)?;
        Ok(s.bucket_config(&b, OWNER_DOC)?
            .and_then(|v| String::from_utf8(v).ok())
            .unwrap_or(default_owner))
    })
    .await
    .map_err(|e| OssError::from_store(e, bucket, None))
}

/// Whether `bucket` belongs to `account` (buckets without a recorded owner belong to
/// `default_owner`, the server's own account): ListBuckets shows the requester's own only.
pub fn owned_by(
    s: &dyn Store,
    bucket: &str,
    account: &str,
    default_owner: &str,
) -> Result<bool, StoreError> {
    let owner = s
        .bucket_config(bucket, OWNER_DOC)?
        .and_then(|v| String::from_utf8(v).ok());
    Ok(owner.as_deref().unwrap_or(default_owner) == account)
}

/// Records `account` as the owner of a bucket just created (nothing is recorded for the
/// server's own account, the owner of buckets without a record).
pub async fn set_bucket_owner(
    state: &AppState,
    bucket: &str,
    account: &str,
) -> Result<(), OssError> {
    if account == state.users.account_id() {
        return Ok(());
    }
    let (b, doc) = (bucket.to_string(), account.as_bytes().to_vec());
    crate::handlers::blocking(state, move |s| {
        s.set_bucket_config(&b, OWNER_DOC, Some(doc))
    })
    .await
    .map_err(|e| OssError::from_store(e, bucket, None))
}

/// Whether the account-level public access block of `account` is on.
pub async fn account_blocks_public(state: &AppState, account: &str) -> Result<bool, OssError> {
    let a = account.to_string();
    let doc = quick(state, move |s| {
        s.account_config(&a, PUBLIC_ACCESS_BLOCK_DOC)
    })
    .await
    .map_err(|e| OssError::from_store(e, "", None))?;
    Ok(doc
        .and_then(|d| PublicAccessBlockConfiguration::from_document(&d).ok())
        .is_some_and(|c| c.block_public_access))
}

/// Whether a canned ACL grants public access.
pub fn is_public_acl(acl: &str) -> bool {
    acl == "public-read" || acl == "public-read-write"
}

/// The ARN of `bucket` (and `key`) of `owner`, as policies name it.
pub fn resource_arn(state: &AppState, owner: &str, bucket: &str, key: &str) -> String {
    policy::resource(&state.region, owner, bucket, key)
}

/// The condition keys of a request: `acs:SourceIp`, `acs:Referer`, `acs:UserAgent`,
/// `acs:SecureTransport` (always `false`: the server speaks plain HTTP), `acs:CurrentTime`,
/// `acs:AccessId`, and for listings `oss:Prefix` and `oss:Delimiter`.
pub fn policy_request(ctx: &RequestCtx, action: &str, resource: String) -> policy::Request {
    let mut req = policy::Request::new(action, resource);
    if let Some(identity) = ctx.principal.identity() {
        req.principals = identity.principal_names();
    }
    if let Some(ip) = ctx.client_ip {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        req.context("acs:SourceIp", ip.to_string());
    }
    if let Some(r) = ctx.header("referer") {
        req.context("acs:Referer", r);
    }
    if let Some(ua) = ctx.header("user-agent") {
        req.context("acs:UserAgent", ua);
    }
    req.context("acs:SecureTransport", "false");
    let now = osskit_proto::date::unixtime_to_iso8601(now_secs());
    req.context("acs:CurrentTime", now.replace(".000Z", "Z"));
    if let Principal::Signed { access_key_id, .. } = &ctx.principal {
        req.context("acs:AccessId", access_key_id.clone());
    }
    for (param, key) in [("prefix", "oss:Prefix"), ("delimiter", "oss:Delimiter")] {
        if let Some(v) = ctx.param(param) {
            req.context(key, v);
        }
    }
    req
}

/// What the RAM policies of `identity` say (`None`: an account acting as itself).
fn ram_decision(identity: &Identity, req: &policy::Request) -> Option<Decision> {
    let policies = identity.policies.as_ref()?;
    let mut req = req.clone();
    req.is_owner = false;
    req.ignore_public = false;
    let mut allowed = false;
    for p in policies.iter() {
        match p.evaluate(&req) {
            Decision::Deny => return Some(Decision::Deny),
            Decision::Allow => allowed = true,
            Decision::NotApplicable => {}
        }
    }
    Some(if allowed {
        Decision::Allow
    } else {
        Decision::NotApplicable
    })
}

fn denied_by_policy() -> OssError {
    OssError::with_message(
        ErrorCode::AccessDenied,
        "You have no right to access this resource because of the bucket policy.",
    )
    .with_ec(EC_POLICY_DENY)
}

fn denied_by_ram(action: &str) -> OssError {
    OssError::with_message(
        ErrorCode::AccessDenied,
        format!(
            "You are not authorized to do this action ({action}). You should be authorized by RAM."
        ),
    )
    .with_ec(EC_RAM)
}

fn denied_not_owner() -> OssError {
    OssError::with_message(
        ErrorCode::AccessDenied,
        "The bucket you access does not belong to you.",
    )
}

fn denied_by_acl() -> OssError {
    OssError::new(ErrorCode::AccessDenied)
}

/// Whether an ACL grants `access` (object ACL first, then the bucket's).
fn acl_grants(access: Access, bucket_acl: &str, object_acl: Option<&str>) -> bool {
    match access {
        Access::ObjectRead => {
            let acl = match object_acl {
                Some(a) if a != "default" && !a.is_empty() => a,
                _ => bucket_acl,
            };
            is_public_acl(acl)
        }
        Access::ObjectWrite => bucket_acl == "public-read-write",
        // OSS lists a public-read (or public-read-write) bucket for anyone.
        Access::List => is_public_acl(bucket_acl),
        _ => false,
    }
}

/// The requester-pays check: requests of other accounts must say they pay.
fn check_payer(ctx: &RequestCtx, access: &BucketAccess) -> Result<(), OssError> {
    if !access.requester_pays {
        return Ok(());
    }
    let Some(account) = ctx.principal.account_id() else {
        return Err(OssError::with_message(
            ErrorCode::AccessDenied,
            "Anonymous access is forbidden for this requester pays bucket.",
        )
        .with_ec(EC_PAYER_ANONYMOUS));
    };
    if account == access.owner {
        return Ok(());
    }
    let says = |v: Option<&str>| v.is_some_and(|v| v.trim().eq_ignore_ascii_case("requester"));
    if says(ctx.header(osskit_proto::headers::REQUEST_PAYER))
        || says(ctx.param(osskit_proto::headers::REQUEST_PAYER))
    {
        return Ok(());
    }
    let presigned =
        ctx.param("OSSAccessKeyId").is_some() || ctx.param("x-oss-credential").is_some();
    Err(OssError::with_message(
        ErrorCode::AccessDenied,
        "Access denied for requester pay bucket: the request must carry x-oss-request-payer: requester.",
    )
    .with_ec(if presigned { EC_PAYER_QUERY } else { EC_PAYER_HEADER }))
}

/// Decides a request for `action` on `key` of a bucket (key empty: the bucket itself).
async fn check_bucket(
    state: &AppState,
    ctx: &RequestCtx,
    access: &BucketAccess,
    kind: Access,
    action: &str,
    key: &str,
) -> Result<(), OssError> {
    check_payer(ctx, access)?;
    let identity = ctx.principal.identity();
    let same_account = identity.is_some_and(|i| i.account_id == access.owner);
    // The owner's account acting as itself, and no bucket policy: nothing to evaluate.
    if same_account && access.policy.is_none() && identity.is_some_and(|i| i.policies.is_none()) {
        return Ok(());
    }
    let bucket = access.meta.name.as_str();
    let resource = if kind == Access::List || key.is_empty() {
        resource_arn(state, &access.owner, bucket, "")
    } else {
        resource_arn(state, &access.owner, bucket, key)
    };
    let mut req = policy_request(ctx, action, resource);
    let ram = identity.and_then(|i| ram_decision(i, &req));
    if ram == Some(Decision::Deny) {
        return Err(denied_by_ram(action));
    }
    req.is_owner = same_account && identity.is_some_and(Identity::is_root);
    req.ignore_public = access.blocks_public;
    let by_policy = access
        .policy
        .as_ref()
        .map_or(Decision::NotApplicable, |p| p.evaluate(&req));
    if by_policy == Decision::Deny {
        return Err(denied_by_policy());
    }
    // The owner's account acting as itself may do anything a Deny does not refuse.
    if same_account && ram.is_none() {
        return Ok(());
    }
    if by_policy == Decision::Allow || (same_account && ram == Some(Decision::Allow)) {
        return Ok(());
    }
    if !access.blocks_public
        && matches!(
            kind,
            Access::ObjectRead | Access::ObjectWrite | Access::List
        )
    {
        let object_acl = if kind == Access::ObjectRead && !key.is_empty() {
            let (b, k) = (bucket.to_string(), key.to_string());
            quick(state, move |s| s.object(&b, &k))
                .await
                .ok()
                .map(|m| m.acl)
        } else {
            None
        };
        if acl_grants(kind, &access.meta.acl, object_acl.as_deref()) {
            return Ok(());
        }
    }
    Err(match identity {
        None => denied_by_acl(),
        Some(i) if i.account_id == access.owner => denied_by_ram(action),
        Some(_) if matches!(kind, Access::ObjectRead | Access::ObjectWrite) => denied_by_acl(),
        Some(_) => denied_not_owner(),
    })
}

/// A request that would make something public while public access is blocked.
fn public_acl_refused(what: &str) -> OssError {
    OssError::with_message(
        ErrorCode::AccessDenied,
        format!("Setting a public {what} is not allowed while public access is blocked."),
    )
}

/// The ACL a request asks to set, for the operations that set one.
fn requested_acl(ctx: &RequestCtx, op: OpId) -> Option<(&str, &'static str)> {
    match op {
        OpId::PutBucket | OpId::PutBucketAcl => ctx
            .header(osskit_proto::headers::ACL)
            .map(|a| (a, "bucket ACL")),
        OpId::PutObjectAcl
        | OpId::PutObject
        | OpId::CopyObject
        | OpId::AppendObject
        | OpId::InitiateMultipartUpload
        | OpId::PutSymlink => ctx
            .header(osskit_proto::headers::OBJECT_ACL)
            .map(|a| (a, "object ACL")),
        _ => None,
    }
}

/// Authorises `op` for the sender of `ctx` (see the module documentation).
pub async fn authorize(state: &AppState, ctx: &RequestCtx, op: OpId) -> Result<(), OssError> {
    let spec = op.spec();
    if spec.access == Access::Anyone {
        return Ok(());
    }
    let identity = ctx.principal.identity();
    // Account-level calls, and creating a bucket: the requester's own account.
    if spec.level == Level::Service || op == OpId::PutBucket {
        let Some(identity) = identity else {
            return Err(denied_by_acl());
        };
        let resource = match ctx.bucket.as_deref() {
            Some(b) => resource_arn(state, &identity.account_id, b, ""),
            None => policy::resource(&state.region, &identity.account_id, "*", ""),
        };
        let req = policy_request(ctx, spec.action, resource);
        match ram_decision(identity, &req) {
            None | Some(Decision::Allow) => {}
            Some(_) => return Err(denied_by_ram(spec.action)),
        }
        if op == OpId::PutBucket {
            if let Some((acl, what)) = requested_acl(ctx, op) {
                if is_public_acl(acl) && account_blocks_public(state, &identity.account_id).await? {
                    return Err(public_acl_refused(what));
                }
            }
        }
        return Ok(());
    }
    let Some(bucket) = ctx.bucket.as_deref() else {
        return Err(denied_by_acl());
    };
    let access = bucket_access(state, bucket).await?;
    // A batch delete names its keys in the body: it is checked on the bucket's objects.
    let key = if op == OpId::DeleteMultipleObjects {
        "*"
    } else {
        ctx.key.as_str()
    };
    check_bucket(state, ctx, &access, spec.access, spec.action, key).await?;
    if let Some((acl, what)) = requested_acl(ctx, op) {
        if is_public_acl(acl) && access.blocks_public {
            return Err(public_acl_refused(what));
        }
    }
    // A copy reads its source: the source is checked like a GetObject.
    if matches!(op, OpId::CopyObject | OpId::UploadPartCopy) {
        let source = ctx
            .header(osskit_proto::headers::COPY_SOURCE)
            .unwrap_or_default();
        let (sb, sk, _) = crate::handlers::object::parse_copy_source(source)?;
        let src = if sb == bucket {
            access
        } else {
            bucket_access(state, &sb).await?
        };
        check_bucket(state, ctx, &src, Access::ObjectRead, "oss:GetObject", &sk).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(owner: &str) -> Arc<BucketAccess> {
        Arc::new(BucketAccess {
            meta: BucketMeta {
                name: "b".into(),
                created_ms: 0,
                acl: "private".into(),
                storage_class: "Standard".into(),
                data_redundancy_type: "LRS".into(),
                region: "cn-hangzhou".into(),
            },
            owner: owner.into(),
            policy: None,
            blocks_public: false,
            requester_pays: false,
        })
    }

    fn ctx(method: &str, uri: &str) -> RequestCtx {
        let req = http::Request::builder()
            .method(method)
            .uri(uri)
            .header("host", "127.0.0.1")
            .body(())
            .unwrap();
        crate::dispatch::parse_request(&req, &[], "id".into())
    }

    #[test]
    fn the_cache_forgets_what_requests_change() {
        let cache = Cache::default();
        let at = cache.generation();
        cache.insert("b", sample("1"), at);
        assert_eq!(cache.get("b").unwrap().owner, "1");
        // Reads and object writes keep it.
        cache.after(&ctx("GET", "/b/?policy"), OpId::GetBucketPolicy);
        cache.after(&ctx("PUT", "/b/k"), OpId::PutObject);
        assert!(cache.get("b").is_some());
        // A bucket configuration write drops that bucket; an account setting drops all.
        cache.after(&ctx("PUT", "/b/?policy"), OpId::PutBucketPolicy);
        assert!(cache.get("b").is_none());
        cache.insert("b", sample("1"), cache.generation());
        cache.insert("c", sample("1"), cache.generation());
        cache.after(
            &ctx("PUT", "/?publicAccessBlock"),
            OpId::PutPublicAccessBlock,
        );
        assert!(cache.get("b").is_none() && cache.get("c").is_none());
        // What was read before a change is not kept.
        let stale = cache.generation();
        cache.invalidate(Some("x"));
        cache.insert("b", sample("old"), stale);
        assert!(cache.get("b").is_none());
    }

    #[test]
    fn acls_grant_reads_and_writes() {
        assert!(acl_grants(Access::ObjectRead, "public-read", None));
        assert!(acl_grants(
            Access::ObjectRead,
            "private",
            Some("public-read")
        ));
        assert!(!acl_grants(
            Access::ObjectRead,
            "public-read",
            Some("private")
        ));
        assert!(acl_grants(
            Access::ObjectRead,
            "public-read",
            Some("default")
        ));
        assert!(!acl_grants(Access::ObjectWrite, "public-read", None));
        assert!(acl_grants(Access::ObjectWrite, "public-read-write", None));
        assert!(acl_grants(Access::List, "public-read-write", None));
        assert!(acl_grants(Access::List, "public-read", None));
        assert!(!acl_grants(Access::List, "private", None));
        assert!(!acl_grants(Access::BucketConfig, "public-read-write", None));
    }
}
