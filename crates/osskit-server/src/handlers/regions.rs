//! DescribeRegions: OSS's regions and their endpoints, with the server's own region
//! answering with the server's address.

use crate::dispatch::{AppState, RequestCtx};
use crate::error::OssError;
use crate::http::response::Reply;
use osskit_proto::error_code::ErrorCode;
use osskit_proto::xml::regions::{oss_regions, RegionInfo, RegionInfoList};
use osskit_proto::xml::{self};

/// Every region the server lists: OSS's, where the server's own region (added when OSS
/// has no region of that name) has the server's address as its endpoints.
pub fn regions(state: &AppState) -> Vec<RegionInfo> {
    let own = format!("oss-{}", state.region);
    let local = RegionInfo::new(
        own.clone(),
        state.authority.clone(),
        state.authority.clone(),
        state.authority.clone(),
    );
    let mut all: Vec<RegionInfo> = oss_regions()
        .map(|r| if r.region == own { local.clone() } else { r })
        .collect();
    if !all.iter().any(|r| r.region == own) {
        all.push(local);
    }
    all
}

/// `GET /?regions[=REGION]`: every region, or the one named (with or without `oss-`).
pub async fn describe_regions(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let wanted = ctx.param("regions").unwrap_or_default().trim();
    let all = regions(state);
    let list = if wanted.is_empty() {
        all
    } else {
        let id = if wanted.starts_with("oss-") {
            wanted.to_string()
        } else {
            format!("oss-{wanted}")
        };
        let found: Vec<RegionInfo> = all.into_iter().filter(|r| r.region == id).collect();
        if found.is_empty() {
            return Err(OssError::new(ErrorCode::NoSuchRegion).with_detail("Regions", wanted));
        }
        found
    };
    Ok(Reply::xml(xml::to_xml(&RegionInfoList::new(list))))
}
