//! RTMP live channels (`PutLiveChannel`, `ListLiveChannel`, …): the channel configuration
//! and the listing. Streaming itself needs OSS's live service; the listing works anywhere
//! (the local server has no channels).
//!
//! ```
//! use osskit_proto::xml::{live_channel::LiveChannelConfiguration, Document};
//! let doc = LiveChannelConfiguration::new("playlist.m3u8").to_document().unwrap();
//! assert!(doc.contains("<Type>HLS</Type><FragDuration>5</FragDuration><FragCount>3</FragCount>"));
//! ```

use serde::{Deserialize, Serialize};

/// `<LiveChannelConfiguration>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "LiveChannelConfiguration")]
#[non_exhaustive]
pub struct LiveChannelConfiguration {
    /// Description.
    #[serde(rename = "Description", default)]
    pub description: String,
    /// `enabled` or `disabled`.
    #[serde(rename = "Status", default)]
    pub status: String,
    /// Where the stream is written.
    #[serde(rename = "Target", default)]
    pub target: LiveChannelTarget,
}

/// `<Target>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LiveChannelTarget {
    /// `HLS`.
    #[serde(rename = "Type", default)]
    pub target_type: String,
    /// Seconds per fragment.
    #[serde(rename = "FragDuration", default)]
    pub frag_duration: u32,
    /// Fragments in the playlist.
    #[serde(rename = "FragCount", default)]
    pub frag_count: u32,
    /// Name of the playlist object.
    #[serde(rename = "PlaylistName", default)]
    pub playlist_name: String,
}

impl LiveChannelConfiguration {
    /// An enabled HLS channel (5-second fragments, 3 in the playlist) writing `playlist`, as
    /// oss2's defaults.
    pub fn new(playlist: impl Into<String>) -> Self {
        LiveChannelConfiguration {
            description: String::new(),
            status: "enabled".into(),
            target: LiveChannelTarget {
                target_type: "HLS".into(),
                frag_duration: 5,
                frag_count: 3,
                playlist_name: playlist.into(),
            },
        }
    }

    /// Sets the description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = description.into();
        self
    }
}

/// `<ListLiveChannelResult>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "ListLiveChannelResult")]
#[non_exhaustive]
pub struct ListLiveChannelResult {
    /// The prefix asked for.
    #[serde(rename = "Prefix", default)]
    pub prefix: String,
    /// The marker asked for.
    #[serde(rename = "Marker", default)]
    pub marker: String,
    /// Page size.
    #[serde(rename = "MaxKeys", default)]
    pub max_keys: Option<u32>,
    /// More channels follow.
    #[serde(rename = "IsTruncated", default)]
    pub is_truncated: bool,
    /// Where the next page starts.
    #[serde(rename = "NextMarker", default)]
    pub next_marker: String,
    /// The channels.
    #[serde(rename = "LiveChannel", default)]
    pub live_channels: Vec<LiveChannelSummary>,
}

/// `<LiveChannel>` of a listing.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LiveChannelSummary {
    /// Name.
    #[serde(rename = "Name", default)]
    pub name: String,
    /// Description.
    #[serde(rename = "Description", default)]
    pub description: String,
    /// `enabled` or `disabled`.
    #[serde(rename = "Status", default)]
    pub status: String,
    /// Last change (ISO 8601).
    #[serde(rename = "LastModified", default)]
    pub last_modified: String,
    /// Where to push the stream.
    #[serde(rename = "PublishUrls", default)]
    pub publish_urls: Urls,
    /// Where to play it.
    #[serde(rename = "PlayUrls", default)]
    pub play_urls: Urls,
}

/// A list of `<Url>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Urls {
    /// The URLs.
    #[serde(rename = "Url", default)]
    pub urls: Vec<String>,
}

crate::xml_document!(
    LiveChannelConfiguration => "LiveChannelConfiguration",
    ListLiveChannelResult => "ListLiveChannelResult",
);
