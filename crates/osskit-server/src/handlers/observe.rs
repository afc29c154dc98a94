//! What happens after an operation succeeded, for the families that follow other
//! operations: access tracking (reads record the access and answer the last access time),
//! metadata indexes (object changes update them), and the caches of a bucket (forgotten
//! when it is created or deleted).

use super::{access_monitor, meta_query};
use crate::dispatch::{AppState, RequestCtx};
use crate::error::OssError;
use crate::http::response::Reply;
use osskit_proto::ops::OpId;

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
        OpId::PutObject
        | OpId::CopyObject
        | OpId::AppendObject
        | OpId::DeleteObject
        | OpId::CompleteMultipartUpload
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
