//! ListObjects (v1 and v2), ListObjectVersions, and the empty live-channel listing.

use super::{blocking, max_keys, owner};
use crate::dispatch::{AppState, RequestCtx};
use crate::error::OssError;
use crate::http::response::Reply;
use crate::store::{ListEntry, ListPage, ObjectMeta, VersionEntry};
use osskit_proto::date::unixtime_to_iso8601;
use osskit_proto::xml::{self, list as model};

/// Continuation tokens are the hex of the key (or prefix) the next page starts after.
pub fn encode_token(after: &str) -> String {
    after.bytes().map(|b| format!("{b:02x}")).collect()
}

/// Reads a token made by [`encode_token`].
pub fn decode_token(token: &str) -> Option<String> {
    if !token.len().is_multiple_of(2) {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..token.len())
        .step_by(2)
        .map(|i| {
            token
                .get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect();
    String::from_utf8(bytes?).ok()
}

pub(super) fn url_encoding(ctx: &RequestCtx) -> Result<bool, OssError> {
    match ctx.param("encoding-type") {
        None | Some("") => Ok(false),
        Some(v) if v.eq_ignore_ascii_case("url") => Ok(true),
        Some(v) => Err(OssError::invalid_argument(
            "The encoding-type must be 'url'.",
            "encoding-type",
            v,
        )),
    }
}

fn summary(m: ObjectMeta, with_owner: bool) -> model::ObjectSummary {
    let restore_info = if m.is_archived() {
        super::restore::restore_header(&m, crate::http::response::now_millis())
    } else {
        None
    };
    model::ObjectSummary {
        key: m.key,
        last_modified: unixtime_to_iso8601(m.last_modified_ms.div_euclid(1000)),
        etag: m.etag,
        object_type: m.object_type.as_str().to_string(),
        size: m.size,
        storage_class: m.storage_class,
        owner: with_owner.then(owner),
        restore_info,
    }
}

fn split(
    page: ListPage,
    with_owner: bool,
) -> (Vec<model::ObjectSummary>, Vec<model::CommonPrefix>) {
    let mut contents = Vec::new();
    let mut prefixes = Vec::new();
    for e in page.entries {
        match e {
            ListEntry::Object(m) => contents.push(summary(m, with_owner)),
            ListEntry::Prefix(p) => prefixes.push(model::CommonPrefix { prefix: p }),
        }
    }
    (contents, prefixes)
}

async fn page(
    state: &AppState,
    ctx: &RequestCtx,
    prefix: &str,
    delimiter: &str,
    after: &str,
    max: usize,
) -> Result<ListPage, OssError> {
    let bucket = ctx.bucket_name().to_string();
    let (b, p, d, a) = (
        bucket.clone(),
        prefix.to_string(),
        delimiter.to_string(),
        after.to_string(),
    );
    blocking(state, move |s| s.list_objects(&b, &p, &d, &a, max))
        .await
        .map_err(|e| OssError::from_store(e, &bucket, None))
}

/// `GET /bucket`: ListObjects v1 (`prefix`, `delimiter`, `marker`, `max-keys`, `encoding-type`).
pub async fn list_objects(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let prefix = ctx.param("prefix").unwrap_or_default().to_string();
    let delimiter = ctx.param("delimiter").unwrap_or_default().to_string();
    let marker = ctx.param("marker").unwrap_or_default().to_string();
    let max = max_keys(ctx)?;
    let encode = url_encoding(ctx)?;
    let page = page(state, ctx, &prefix, &delimiter, &marker, max).await?;
    let truncated = page.truncated;
    let next_marker = if truncated {
        page.next_marker.clone()
    } else {
        None
    };
    let (contents, common_prefixes) = split(page, true);
    let mut result = model::ListBucketResult {
        name: ctx.bucket_name().to_string(),
        prefix,
        marker,
        max_keys: max as u32,
        delimiter,
        is_truncated: truncated,
        next_marker,
        encoding_type: None,
        contents,
        common_prefixes,
    };
    if encode {
        result.encode_url();
    }
    Ok(Reply::xml(xml::to_xml(&result)))
}

/// `GET /bucket?list-type=2`: ListObjectsV2 (`continuation-token`, `start-after`, `fetch-owner`).
pub async fn list_objects_v2(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let prefix = ctx.param("prefix").unwrap_or_default().to_string();
    let delimiter = ctx.param("delimiter").unwrap_or_default().to_string();
    let start_after = ctx.param("start-after").map(str::to_string);
    let token = ctx.param("continuation-token").map(str::to_string);
    let max = max_keys(ctx)?;
    let encode = url_encoding(ctx)?;
    let fetch_owner = match ctx.param("fetch-owner") {
        None | Some("") => false,
        Some(v) if v.eq_ignore_ascii_case("true") => true,
        Some(v) if v.eq_ignore_ascii_case("false") => false,
        Some(v) => {
            return Err(OssError::invalid_argument(
                "fetch-owner must be true or false.",
                "fetch-owner",
                v,
            ))
        }
    };
    if let Some(sa) = &start_after {
        if sa.len() >= 1024 {
            return Err(OssError::invalid_argument(
                "start-after must be shorter than 1024 bytes.",
                "start-after",
                sa,
            ));
        }
    }
    let after = match &token {
        Some(t) if !t.is_empty() => decode_token(t).ok_or_else(|| {
            OssError::invalid_argument(
                "The continuation-token is not valid.",
                "continuation-token",
                t,
            )
        })?,
        _ => start_after.clone().unwrap_or_default(),
    };
    let page = page(state, ctx, &prefix, &delimiter, &after, max).await?;
    let truncated = page.truncated;
    let next_token = if truncated {
        page.next_marker.as_deref().map(encode_token)
    } else {
        None
    };
    let (contents, common_prefixes) = split(page, fetch_owner);
    let mut result = model::ListBucketV2Result {
        name: ctx.bucket_name().to_string(),
        prefix,
        max_keys: max as u32,
        delimiter,
        start_after,
        continuation_token: token,
        key_count: (contents.len() + common_prefixes.len()) as u32,
        is_truncated: truncated,
        next_continuation_token: next_token,
        encoding_type: None,
        contents,
        common_prefixes,
    };
    if encode {
        result.encode_url();
    }
    Ok(Reply::xml(xml::to_xml(&result)))
}

/// A listing parameter, refused (InvalidArgument) above 1024 bytes.
fn bounded_param(ctx: &RequestCtx, name: &str) -> Result<String, OssError> {
    let v = ctx.param(name).unwrap_or_default();
    if v.len() > 1024 {
        return Err(OssError::invalid_argument(
            format!("{name} must be at most 1024 bytes long."),
            name,
            v,
        ));
    }
    Ok(v.to_string())
}

/// `GET /bucket?versions`: ListObjectVersions (`prefix`, `delimiter`, `key-marker`,
/// `version-id-marker`, `max-keys`, `encoding-type`). One page costs O(page).
pub async fn list_object_versions(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let prefix = bounded_param(ctx, "prefix")?;
    let delimiter = bounded_param(ctx, "delimiter")?;
    let key_marker = bounded_param(ctx, "key-marker")?;
    let version_id_marker = bounded_param(ctx, "version-id-marker")?;
    let marker = if version_id_marker.is_empty() {
        None
    } else {
        Some(super::object::parse_version(
            &version_id_marker,
            "version-id-marker",
        )?)
    };
    let max = max_keys(ctx)?;
    let encode = url_encoding(ctx)?;
    let bucket = ctx.bucket_name().to_string();
    let (b, p, d, k) = (
        bucket.clone(),
        prefix.clone(),
        delimiter.clone(),
        key_marker.clone(),
    );
    let page = blocking(state, move |s| s.list_versions(&b, &p, &d, &k, marker, max))
        .await
        .map_err(|e| OssError::from_store(e, &bucket, None))?;
    let now_ms = crate::http::response::now_millis();
    let mut result = model::ListVersionsResult {
        name: bucket.clone(),
        prefix,
        key_marker,
        version_id_marker,
        max_keys: max as u32,
        delimiter,
        is_truncated: page.truncated,
        next_key_marker: page.next_key_marker,
        next_version_id_marker: page.next_version_id_marker,
        ..Default::default()
    };
    for entry in page.entries {
        match entry {
            VersionEntry::Version { meta, is_latest } if meta.version.delete_marker => {
                result.delete_markers.push(model::DeleteMarkerEntry {
                    key: meta.key,
                    version_id: meta.version.id().to_string(),
                    is_latest,
                    last_modified: unixtime_to_iso8601(meta.last_modified_ms.div_euclid(1000)),
                    owner: Some(owner()),
                })
            }
            VersionEntry::Version { meta, is_latest } => {
                let restore_info = if meta.is_archived() {
                    super::restore::restore_header(&meta, now_ms)
                } else {
                    None
                };
                result.versions.push(model::ObjectVersion {
                    version_id: meta.version.id().to_string(),
                    is_latest,
                    last_modified: unixtime_to_iso8601(meta.last_modified_ms.div_euclid(1000)),
                    etag: meta.etag,
                    object_type: meta.object_type.as_str().to_string(),
                    size: meta.size,
                    storage_class: meta.storage_class,
                    owner: Some(owner()),
                    restore_info,
                    key: meta.key,
                })
            }
            VersionEntry::Prefix(p) => result
                .common_prefixes
                .push(model::CommonPrefix { prefix: p }),
        }
    }
    if encode {
        result.encode_url();
    }
    Ok(Reply::xml(xml::to_xml(&result)))
}

/// `GET /bucket?live`: an empty ListLiveChannelResult (live channels are not served).
pub async fn list_live_channels(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let bucket = ctx.bucket_name().to_string();
    let b = bucket.clone();
    blocking(state, move |s| s.bucket(&b))
        .await
        .map_err(|e| OssError::from_store(e, &bucket, None))?;
    let max = max_keys(ctx)?;
    let doc = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListLiveChannelResult><Prefix>{}</Prefix><Marker>{}</Marker><MaxKeys>{max}</MaxKeys><IsTruncated>false</IsTruncated><NextMarker></NextMarker></ListLiveChannelResult>",
        xml::escape(ctx.param("prefix").unwrap_or_default()),
        xml::escape(ctx.param("marker").unwrap_or_default()),
    );
    Ok(Reply::xml(doc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_reject_garbage() {
        for k in ["", "a", "dir/é 中+%", "x\u{1}"] {
            assert_eq!(decode_token(&encode_token(k)).as_deref(), Some(k));
        }
        assert_eq!(decode_token("abc"), None);
        assert_eq!(decode_token("zz"), None);
        assert_eq!(decode_token("ff"), None);
    }
}
