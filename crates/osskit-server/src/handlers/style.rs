//! Image styles (`PutStyle`, `GetStyle`, `ListStyle`, `DeleteStyle`): stored and listed as
//! OSS does, sorted by name; applying a style (`x-oss-process=style/NAME`) needs OSS's image
//! processing and is answered `NotImplemented`.

use super::blocking;
use super::config::{self, malformed};
use crate::dispatch::{AppState, RequestCtx};
use crate::error::OssError;
use crate::http::response::{now_millis, Reply};
use hyper::body::Incoming;
use osskit_proto::date::http_date;
use osskit_proto::error_code::ErrorCode;
use osskit_proto::ops::OpId;
use osskit_proto::xml::style::{self as model, Style, StyleInfo, StyleList};
use osskit_proto::xml::{self, Document};

/// Name of the stored document (a `<StyleList>`).
const DOC: &str = "style";

async fn load(state: &AppState, bucket: &str) -> Result<StyleList, OssError> {
    let b = bucket.to_string();
    let doc = blocking(state, move |s| s.bucket_config(&b, DOC))
        .await
        .map_err(|e| OssError::from_store(e, bucket, None))?;
    Ok(doc
        .and_then(|d| StyleList::from_document(&d).ok())
        .unwrap_or_default())
}

async fn save(state: &AppState, bucket: &str, list: &StyleList) -> Result<(), OssError> {
    let doc = if list.styles.is_empty() {
        None
    } else {
        Some(xml::to_xml(list).into_bytes())
    };
    let b = bucket.to_string();
    blocking(state, move |s| s.set_bucket_config(&b, DOC, doc))
        .await
        .map_err(|e| OssError::from_store(e, bucket, None))
}

fn style_name(ctx: &RequestCtx) -> Result<String, OssError> {
    let name = ctx.param("styleName").unwrap_or_default();
    model::validate_name(name).map_err(|why| OssError::invalid_argument(why, "styleName", name))?;
    Ok(name.to_string())
}

/// PutStyle: creates or replaces a style (its creation time is kept on replace).
pub async fn put(
    state: &AppState,
    ctx: &RequestCtx,
    op: OpId,
    body: Incoming,
) -> Result<Reply, OssError> {
    let bucket = ctx.bucket_name();
    let name = style_name(ctx)?;
    let category = match ctx.param("category").map(str::trim) {
        None | Some("") => "image".to_string(),
        Some(c) if model::CATEGORIES.contains(&c) => c.to_string(),
        Some(c) => {
            return Err(OssError::invalid_argument(
                format!(
                    "The category must be one of {}.",
                    model::CATEGORIES.join(", ")
                ),
                "category",
                c,
            ))
        }
    };
    let doc = config::read_document(ctx, op, body).await?;
    let style = Style::from_document(&doc).map_err(malformed)?;
    model::validate_content(&style.content)
        .map_err(|why| OssError::with_message(ErrorCode::InvalidArgument, why))?;
    let _guard = state.account.edit_lock.lock().await;
    let mut list = load(state, bucket).await?;
    let now = http_date(now_millis() / 1000);
    match list.styles.iter_mut().find(|s| s.name == name) {
        Some(existing) => {
            existing.content = style.content;
            existing.category = Some(category);
            existing.last_modify_time = now;
        }
        None => {
            if list.styles.len() >= model::MAX_STYLES {
                return Err(OssError::with_message(
                    ErrorCode::InvalidArgument,
                    format!("A bucket can have at most {} styles.", model::MAX_STYLES),
                ));
            }
            list.styles.push(StyleInfo::new(
                name,
                style.content,
                Some(category),
                now.clone(),
                now,
            ));
            list.styles.sort_by(|a, b| a.name.cmp(&b.name));
        }
    }
    save(state, bucket, &list).await?;
    Ok(Reply::new(200))
}

/// GetStyle.
pub async fn get(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let name = style_name(ctx)?;
    let list = load(state, ctx.bucket_name()).await?;
    match list.styles.iter().find(|s| s.name == name) {
        Some(style) => Ok(Reply::xml(xml::to_xml(style))),
        None => Err(OssError::new(ErrorCode::NoSuchStyle).with_detail("StyleName", &name)),
    }
}

/// ListStyle.
pub async fn list(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let list = load(state, ctx.bucket_name()).await?;
    Ok(Reply::xml(xml::to_xml(&list)))
}

/// DeleteStyle: 204 whether or not the style existed.
pub async fn delete(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let bucket = ctx.bucket_name();
    let name = style_name(ctx)?;
    let _guard = state.account.edit_lock.lock().await;
    let mut list = load(state, bucket).await?;
    let before = list.styles.len();
    list.styles.retain(|s| s.name != name);
    if list.styles.len() != before {
        save(state, bucket, &list).await?;
    }
    Ok(Reply::new(204))
}
