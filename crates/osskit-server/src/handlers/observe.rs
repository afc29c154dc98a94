//! What happens around an operation for the families that follow other operations: upload
//! callbacks (checked before an upload, made after it), access tracking (reads record the
//! access and answer the last access time), metadata indexes (object changes update them),
//! and the caches of a bucket (forgotten when it is created or deleted).

use super::{access_monitor, callback, meta_query};
use crate::dispatch::{AppState, RequestCtx};
use crate::error::OssError;
use crate::http::response::Reply;
use osskit_proto::ops::OpId;

/// Runs before the handler of `op`: an upload whose callback cannot be made is refused.
pub async fn before(state: &AppState, ctx: &RequestCtx, op: OpId) -> Result<(), OssError> {
    match op {
        OpId::PutObject | OpId::CompleteMultipartUpload => callback::check_upload(state, ctx).await,
        _ => Ok(()),
    }
}

/// Runs after the handler of `op`; failures pass through untouched.
pub async fn after(
    state: &AppState,
    ctx: &RequestCtx,
    op: OpId,
    result: Result<Reply, OssError>,
) -> Result<Reply, OssError> {
    let reply = result?;
    let bucket = ctx.bucket_name();
    match op {
        OpId::PutBucket | OpId::DeleteBucket => {
            state.account.forget_bucket(bucket);
            Ok(reply)
        }
        OpId::GetObject | OpId::HeadObject | OpId::GetObjectMeta => {
            access_monitor::after_access(state, ctx, op, reply).await
        }
        OpId::PutObjectAcl => {
            let reply = access_monitor::after_access(state, ctx, op, reply).await?;
            meta_query::changed(state, bucket, Some(&ctx.key)).await;
            Ok(reply)
        }
        OpId::PutObject | OpId::CompleteMultipartUpload => {
            meta_query::changed(state, bucket, Some(&ctx.key)).await;
            callback::after_upload(state, ctx, op.name(), reply).await
        }
        OpId::CopyObject
        | OpId::AppendObject
        | OpId::DeleteObject
        | OpId::PutSymlink
        | OpId::RestoreObject
        | OpId::PutObjectTagging
        | OpId::DeleteObjectTagging => {
            meta_query::changed(state, bucket, Some(&ctx.key)).await;
            Ok(reply)
        }
        OpId::DeleteMultipleObjects => {
            meta_query::changed(state, bucket, None).await;
            Ok(reply)
        }
        _ => Ok(reply),
    }
}
