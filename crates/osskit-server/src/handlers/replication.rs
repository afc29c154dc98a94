//! Replication rules (`PutBucketReplication`, `GetBucketReplication`,
//! `DeleteBucketReplication`, `GetBucketReplicationLocation`,
//! `GetBucketReplicationProgress`); the copying itself is [`crate::replicator`]'s.

use super::blocking;
use super::config::{document, malformed, read_document};
use crate::dispatch::{AppState, RequestCtx};
use crate::error::OssError;
use crate::http::response::{now_millis, Reply};
use crate::replicator::{hold, load_rules, load_state, store_rules, store_state, RuleState};
use hyper::body::Incoming;
use osskit_proto::error_code::ErrorCode;
use osskit_proto::ops::OpId;
use osskit_proto::xml::replication::{
    LocationTransferType, LocationTransferTypeConstraint, Progress, ProgressRule,
    ReplicationConfiguration, ReplicationLocation, ReplicationProgress, ReplicationRule,
    ReplicationRules, ACTION_ABORT, ACTION_ALL, ACTION_DELETE, ACTION_PUT, STATUS_CLOSING,
    STATUS_STARTING,
};
use osskit_proto::xml::Document;

/// The regions replicas can go to (every one is this server: the target bucket must exist
/// here).
pub const LOCATIONS: &[&str] = &[
    "oss-cn-hangzhou",
    "oss-cn-shanghai",
    "oss-cn-nanjing",
    "oss-cn-fuzhou",
    "oss-cn-wuhan-lr",
    "oss-cn-qingdao",
    "oss-cn-beijing",
    "oss-cn-zhangjiakou",
    "oss-cn-huhehaote",
    "oss-cn-wulanchabu",
    "oss-cn-shenzhen",
    "oss-cn-heyuan",
    "oss-cn-guangzhou",
    "oss-cn-chengdu",
    "oss-cn-hongkong",
    "oss-us-west-1",
    "oss-us-east-1",
    "oss-ap-northeast-1",
    "oss-ap-northeast-2",
    "oss-ap-southeast-1",
    "oss-ap-southeast-3",
    "oss-ap-southeast-5",
    "oss-ap-southeast-6",
    "oss-ap-southeast-7",
    "oss-ap-south-1",
    "oss-eu-central-1",
    "oss-eu-west-1",
    "oss-me-east-1",
];

/// Regions reached through transfer acceleration (`oss_acc`).
const ACCELERATED: &[&str] = &[
    "oss-cn-hongkong",
    "oss-us-west-1",
    "oss-us-east-1",
    "oss-ap-northeast-1",
    "oss-ap-southeast-1",
    "oss-ap-south-1",
    "oss-eu-central-1",
    "oss-eu-west-1",
    "oss-me-east-1",
];

/// Most rules a bucket can have.
const MAX_RULES: usize = 100;
/// Most prefixes of a rule.
const MAX_PREFIXES: usize = 10;

fn invalid(message: impl Into<String>) -> OssError {
    OssError::with_message(ErrorCode::InvalidArgument, message)
}

fn new_rule_id() -> String {
    use rand::Rng;
    let mut rng = rand::thread_rng();
    let hex = |n: usize, rng: &mut rand::rngs::ThreadRng| -> String {
        (0..n)
            .map(|_| format!("{:x}", rng.gen::<u8>() & 0xf))
            .collect()
    };
    format!(
        "{}-{}-{}-{}-{}",
        hex(8, &mut rng),
        hex(4, &mut rng),
        hex(4, &mut rng),
        hex(4, &mut rng),
        hex(12, &mut rng)
    )
}

/// Validates a rule as OSS does and puts it in the form OSS returns.
fn normalise(source: &str, mut rule: ReplicationRule) -> Result<ReplicationRule, OssError> {
    let dest = &mut rule.destination;
    dest.bucket = dest.bucket.trim().to_string();
    dest.location = dest.location.trim().to_string();
    if dest.bucket.is_empty() {
        return Err(invalid("The rule has no destination bucket."));
    }
    if !osskit_proto::names::is_valid_bucket_name(&dest.bucket) {
        return Err(invalid(format!(
            "The destination bucket name {:?} is not valid.",
            dest.bucket
        )));
    }
    if dest.bucket == source {
        return Err(invalid(
            "The destination bucket must not be the source bucket.",
        ));
    }
    if !LOCATIONS.contains(&dest.location.as_str()) {
        return Err(invalid(format!(
            "The destination location {:?} is not valid.",
            dest.location
        )));
    }
    match dest.transfer_type.as_deref() {
        None | Some("internal") | Some("oss_acc") => {}
        Some(other) => {
            return Err(invalid(format!(
                "The transfer type {other:?} is not valid (internal or oss_acc)."
            )))
        }
    }
    let actions = rule.action_list();
    let known = [ACTION_ALL, ACTION_PUT, ACTION_DELETE, ACTION_ABORT];
    if actions.is_empty() || actions.iter().any(|a| !known.contains(&a.as_str())) {
        return Err(invalid(format!(
            "The action {:?} is not valid (ALL, or PUT, DELETE, ABORT).",
            rule.action.clone().unwrap_or_default()
        )));
    }
    if actions.len() > 1 && actions.iter().any(|a| a == ACTION_ALL) {
        return Err(invalid("ALL cannot be combined with other actions."));
    }
    rule.action = Some(actions.join(","));
    if rule.prefix_list().len() > MAX_PREFIXES {
        return Err(invalid(format!(
            "A rule has at most {MAX_PREFIXES} prefixes."
        )));
    }
    if rule
        .prefix_set
        .as_ref()
        .is_some_and(|p| p.prefixes.is_empty())
    {
        rule.prefix_set = None;
    }
    rule.historical_object_replication = match rule.historical_object_replication.as_deref() {
        None => Some("enabled".to_string()),
        Some(h) if h.eq_ignore_ascii_case("enabled") => Some("enabled".to_string()),
        Some(h) if h.eq_ignore_ascii_case("disabled") => Some("disabled".to_string()),
        Some(other) => {
            return Err(invalid(format!(
                "HistoricalObjectReplication must be enabled or disabled, not {other:?}."
            )))
        }
    };
    if let Some(c) = &rule.source_selection_criteria {
        let status = c.sse_kms_encrypted_objects.status.as_str();
        if status != "Enabled" && status != "Disabled" {
            return Err(invalid(format!(
                "SseKmsEncryptedObjects Status must be Enabled or Disabled, not {status:?}."
            )));
        }
    }
    // Replicating KMS-encrypted objects acts as the sync role: without one, the KMS settings
    // are dropped; and a replica key is kept only when such objects are replicated.
    if rule.sync_role.as_deref().is_none_or(str::is_empty) {
        rule.sync_role = None;
        rule.source_selection_criteria = None;
        rule.encryption_configuration = None;
    }
    let kms_enabled = rule
        .source_selection_criteria
        .as_ref()
        .is_some_and(|c| c.sse_kms_encrypted_objects.status == "Enabled");
    if !kms_enabled {
        rule.encryption_configuration = None;
    }
    if rule.id.as_deref().is_none_or(|i| i.trim().is_empty()) {
        rule.id = Some(new_rule_id());
    }
    rule.status = Some(STATUS_STARTING.to_string());
    Ok(rule)
}

/// `POST /bucket?replication&comp=add`: adds one rule (`starting` until the replicator's
/// next timed pass copies the historical data).
pub async fn put(
    state: &AppState,
    ctx: &RequestCtx,
    op: OpId,
    body: Incoming,
) -> Result<Reply, OssError> {
    let doc = read_document(ctx, op, body).await?;
    let config = ReplicationConfiguration::from_document(&doc).map_err(malformed)?;
    let mut rules = config.rules.into_iter();
    let (Some(rule), None) = (rules.next(), rules.next()) else {
        return Err(malformed("a put carries exactly one <Rule>"));
    };
    let bucket = ctx.bucket_name().to_string();
    let rule = normalise(&bucket, rule)?;
    let lock = state.replicator.lock();
    let b = bucket.clone();
    let refused = blocking(state, move |s| {
        let _g = hold(&lock);
        let target = rule.destination.bucket.clone();
        match s.bucket(&target) {
            Ok(_) => {}
            Err(crate::store::StoreError::NoSuchBucket) => {
                return Ok(Some(invalid(format!(
                    "The destination bucket {target} does not exist."
                ))))
            }
            Err(e) => return Err(e),
        }
        let mut config = load_rules(s, &b)?;
        if config
            .rules
            .iter()
            .any(|r| r.destination.bucket == target || r.id == rule.id)
        {
            return Ok(Some(OssError::new(
                ErrorCode::BucketReplicationAlreadyExist,
            )));
        }
        if config.rules.len() >= MAX_RULES {
            return Ok(Some(invalid(format!(
                "A bucket has at most {MAX_RULES} replication rules."
            ))));
        }
        let id = rule.id.clone().unwrap_or_default();
        config.rules.push(rule);
        let mut st = load_state(s, &b)?;
        st.rules.insert(
            id,
            RuleState {
                created_ms: now_millis(),
                ..RuleState::default()
            },
        );
        store_state(s, &b, &st)?;
        store_rules(s, &b, &config)?;
        Ok(None)
    })
    .await
    .map_err(|e| OssError::from_store(e, &bucket, None))?;
    if let Some(e) = refused {
        return Err(e);
    }
    state.replicator.activate();
    Ok(Reply::new(200))
}

/// `GET /bucket?replication`: every rule with its status.
pub async fn get(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let bucket = ctx.bucket_name().to_string();
    let b = bucket.clone();
    let config = super::quick(state, move |s| load_rules(s, &b))
        .await
        .map_err(|e| OssError::from_store(e, &bucket, None))?;
    if config.rules.is_empty() {
        return Err(OssError::new(ErrorCode::NoSuchReplicationConfiguration)
            .with_detail("BucketName", &bucket));
    }
    let doc = config.to_document().map_err(OssError::internal)?;
    Ok(document("application/xml", doc.into_bytes()))
}

/// `POST /bucket?replication&comp=delete`: the rule turns `closing` until the next timed
/// pass removes it (204 when it is closing already, 200 when the bucket has no rules).
pub async fn delete(
    state: &AppState,
    ctx: &RequestCtx,
    op: OpId,
    body: Incoming,
) -> Result<Reply, OssError> {
    let doc = read_document(ctx, op, body).await?;
    let which = ReplicationRules::from_document(&doc).map_err(malformed)?;
    let id = which.id.trim().to_string();
    if id.is_empty() {
        return Err(malformed("<ReplicationRules> names no <ID>"));
    }
    let bucket = ctx.bucket_name().to_string();
    let lock = state.replicator.lock();
    let b = bucket.clone();
    let status = blocking(state, move |s| {
        let _g = hold(&lock);
        let mut config = load_rules(s, &b)?;
        if config.rules.is_empty() {
            return Ok(200);
        }
        let Some(rule) = config
            .rules
            .iter_mut()
            .find(|r| r.id.as_deref() == Some(&id))
        else {
            return Ok(404);
        };
        if rule.status.as_deref() == Some(STATUS_CLOSING) {
            return Ok(204);
        }
        rule.status = Some(STATUS_CLOSING.to_string());
        store_rules(s, &b, &config)?;
        Ok(200)
    })
    .await
    .map_err(|e| OssError::from_store(e, &bucket, None))?;
    if status == 404 {
        return Err(
            OssError::new(ErrorCode::NoSuchReplicationRule).with_detail("BucketName", &bucket)
        );
    }
    Ok(Reply::new(status))
}

/// `GET /bucket?replicationLocation`.
pub async fn location(_state: &AppState, _ctx: &RequestCtx) -> Result<Reply, OssError> {
    let mut constraint = LocationTransferTypeConstraint::default();
    constraint.items = ACCELERATED
        .iter()
        .map(|l| {
            let mut t = LocationTransferType::default();
            t.location = l.to_string();
            t.transfer_types.types = vec!["oss_acc".to_string()];
            t
        })
        .collect();
    let mut answer = ReplicationLocation::default();
    answer.locations = LOCATIONS.iter().map(|l| l.to_string()).collect();
    answer.location_transfer_type_constraint = Some(constraint);
    Ok(Reply::xml(
        answer.to_document().map_err(OssError::internal)?,
    ))
}

/// `GET /bucket?replicationProgress&rule-id=ID`.
pub async fn progress(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let bucket = ctx.bucket_name().to_string();
    let id = ctx.param("rule-id").unwrap_or_default().to_string();
    let b = bucket.clone();
    let (config, st) = super::quick(state, move |s| Ok((load_rules(s, &b)?, load_state(s, &b)?)))
        .await
        .map_err(|e| OssError::from_store(e, &bucket, None))?;
    let Some(rule) = config
        .rules
        .into_iter()
        .find(|r| r.id.as_deref() == Some(id.as_str()))
    else {
        return Err(
            OssError::new(ErrorCode::NoSuchReplicationRule).with_detail("BucketName", &bucket)
        );
    };
    let rs = st.rules.get(&id).cloned().unwrap_or_default();
    let historical = rule.replicates_history().then(|| {
        let fraction = if rs.historical_finished {
            if rs.historical_total == 0 {
                1.0
            } else {
                rs.historical_done as f64 / rs.historical_total as f64
            }
        } else {
            0.0
        };
        format!("{fraction:.2}")
    });
    let new_object = rs
        .synced_ms
        .filter(|_| rule.status.as_deref() != Some(STATUS_STARTING))
        .map(|ms| osskit_proto::date::unixtime_to_iso8601(ms.div_euclid(1000)));
    let mut p = ProgressRule::default();
    p.id = id.clone();
    p.action = rule
        .action
        .clone()
        .unwrap_or_else(|| ACTION_ALL.to_string());
    p.historical_object_replication = rule
        .historical_object_replication
        .clone()
        .unwrap_or_else(|| "enabled".to_string());
    p.status = rule.status.clone().unwrap_or_default();
    p.prefix_set = rule.prefix_set.clone();
    p.destination = rule.destination.clone();
    if historical.is_some() || new_object.is_some() {
        let mut progress = Progress::default();
        progress.historical_object = historical;
        progress.new_object = new_object;
        p.progress = Some(progress);
    }
    let mut answer = ReplicationProgress::default();
    answer.rule = p;
    Ok(Reply::xml(
        answer.to_document().map_err(OssError::internal)?,
    ))
}
