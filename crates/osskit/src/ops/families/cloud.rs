//! Calls that need an Alibaba Cloud service besides storage: image and document processing
//! (`process_object`, `async_process_object`), OSS Select (`select_object`,
//! `create_select_object_meta`), RTMP live channels (`create_live_channel` and the rest,
//! `sign_rtmp_url`) and Function Compute (`write_get_object_response`).
//!
//! They build the requests OSS expects and return the raw answer ([`Call`]); against OSS
//! they work as in oss2. A server without the service (the local one) answers
//! `NotImplemented` with a message naming the service, so the error says what is missing.
//! Listing live channels needs no service (a bucket without channels lists none).

use std::time::Duration;

use osskit_proto::ops::OpId;
use osskit_proto::xml::live_channel::{ListLiveChannelResult, LiveChannelConfiguration};

use crate::auth::AuthConfig;
use crate::body::Body;
use crate::bucket::BucketClient;
use crate::error::Result;
use crate::mode::Mode;
use crate::ops::config::{Call, GetConfig};
use crate::service::ServiceClient;
use crate::transport::now_unix;

impl<M: Mode> BucketClient<M> {
    /// The signed RTMP URL at `unix` (see `sign_rtmp_url`).
    async fn rtmp_url(
        &self,
        channel: &str,
        playlist: &str,
        expires: Duration,
        unix: i64,
    ) -> Result<String> {
        let config = &self.config;
        let addressing = config.addressing(&self.name);
        let http_url = config
            .endpoint
            .object_url(addressing, &self.name, "live", false);
        let rest = http_url
            .split_once("://")
            .map(|(_, rest)| rest)
            .unwrap_or(&http_url);
        let url = format!("rtmp://{rest}/{channel}");
        let mut params: Vec<(String, String)> = Vec::new();
        if !playlist.is_empty() {
            params.push(("playlistName".into(), playlist.into()));
        }
        if let AuthConfig::Signed { provider, .. } = &config.auth {
            let credentials = provider.credentials().await?;
            if let Some(token) = credentials.security_token.as_deref() {
                params.push(("security-token".into(), token.to_string()));
            }
            let expiration = unix + i64::try_from(expires.as_secs()).unwrap_or(i64::MAX / 2);
            let mut canonical = params.clone();
            canonical.sort();
            let mut to_sign = format!("{expiration}\n");
            for (k, v) in &canonical {
                to_sign.push_str(&format!("{k}:{v}\n"));
            }
            to_sign.push_str(&format!("/{}/{channel}", self.name));
            let signature =
                osskit_proto::sign::v1::signature(&credentials.access_key_secret, &to_sign);
            params.push(("OSSAccessKeyId".into(), credentials.access_key_id.clone()));
            params.push(("Expires".into(), expiration.to_string()));
            params.push(("Signature".into(), signature));
        }
        if params.is_empty() {
            return Ok(url);
        }
        let query: Vec<String> = params
            .iter()
            .map(|(k, v)| {
                let k = osskit_proto::encoding::quote(k, "");
                if v.is_empty() {
                    k
                } else {
                    format!("{k}={}", osskit_proto::encoding::quote(v, ""))
                }
            })
            .collect();
        Ok(format!("{url}?{}", query.join("&")))
    }

    /// `ProcessObject` (image and document processing): applies `process`
    /// (`image/resize,w_100|sys/saveas,o_…,b_…`) to `key` and saves the result; the answer
    /// is JSON.
    pub fn process_object(&self, key: impl Into<String>, process: &str) -> Call<M> {
        self.call(OpId::ProcessObject)
            .key(key)
            .body(format!("x-oss-process={process}"))
    }

    /// `AsyncProcessObject` (image and document processing): starts processing `key`
    /// (video conversion, …) in the background; the answer is JSON naming the task.
    pub fn async_process_object(&self, key: impl Into<String>, process: &str) -> Call<M> {
        self.call(OpId::AsyncProcessObject)
            .key(key)
            .body(format!("x-oss-async-process={process}"))
    }

    /// `SelectObject` (OSS Select): runs the `<SelectRequest>` document over the CSV object
    /// `key` (`.param("x-oss-process", "json/select")` for JSON objects); the answer is the
    /// selected data.
    pub fn select_object(&self, key: impl Into<String>, request: impl Into<Body>) -> Call<M> {
        self.call(OpId::SelectObject)
            .key(key)
            .param("x-oss-process", "csv/select")
            .body(request)
    }

    /// `CreateSelectObjectMeta` (OSS Select): indexes the CSV object `key` with the
    /// `<CsvMetaRequest>` document (`.param("x-oss-process", "json/meta")` for JSON).
    pub fn create_select_object_meta(
        &self,
        key: impl Into<String>,
        request: impl Into<Body>,
    ) -> Call<M> {
        self.call(OpId::CreateSelectObjectMeta)
            .key(key)
            .param("x-oss-process", "csv/meta")
            .body(request)
    }

    /// `PutLiveChannel` (RTMP live streaming): creates channel `name`; the answer lists
    /// its publish and play URLs.
    pub fn create_live_channel(
        &self,
        name: impl Into<String>,
        config: LiveChannelConfiguration,
    ) -> Call<M> {
        self.call(OpId::PutLiveChannel)
            .key(name)
            .body(osskit_proto::xml::to_xml(&config))
    }

    /// `DeleteLiveChannel` (RTMP live streaming).
    pub fn delete_live_channel(&self, name: impl Into<String>) -> Call<M> {
        self.call(OpId::DeleteLiveChannel).key(name)
    }

    /// `GetLiveChannelInfo` (RTMP live streaming): the channel's configuration.
    pub fn get_live_channel(&self, name: impl Into<String>) -> Call<M> {
        self.call(OpId::GetLiveChannelInfo).key(name)
    }

    /// `GetLiveChannelStat` (RTMP live streaming): whether a stream is being pushed.
    pub fn get_live_channel_stat(&self, name: impl Into<String>) -> Call<M> {
        self.call(OpId::GetLiveChannelStat).key(name)
    }

    /// `PutLiveChannelStatus` (RTMP live streaming): `enabled` or `disabled`.
    pub fn put_live_channel_status(&self, name: impl Into<String>, status: &str) -> Call<M> {
        self.call(OpId::PutLiveChannelStatus)
            .key(name)
            .param("status", status)
    }

    /// `GetLiveChannelHistory` (RTMP live streaming): the last pushes.
    pub fn get_live_channel_history(&self, name: impl Into<String>) -> Call<M> {
        self.call(OpId::GetLiveChannelHistory).key(name)
    }

    /// `PostVodPlaylist` (RTMP live streaming): writes playlist `playlist` of the
    /// fragments pushed between `start` and `end` (Unix seconds).
    pub fn post_vod_playlist(
        &self,
        channel: &str,
        playlist: &str,
        start: i64,
        end: i64,
    ) -> Call<M> {
        self.call(OpId::PostVodPlaylist)
            .key(format!("{channel}/{playlist}"))
            .param("startTime", start.to_string())
            .param("endTime", end.to_string())
    }

    /// `GetVodPlaylist` (RTMP live streaming): the playlist of the fragments pushed between
    /// `start` and `end` (Unix seconds).
    pub fn get_vod_playlist(&self, channel: impl Into<String>, start: i64, end: i64) -> Call<M> {
        self.call(OpId::GetVodPlaylist)
            .key(channel)
            .param("startTime", start.to_string())
            .param("endTime", end.to_string())
    }

    /// `ListLiveChannel`: the bucket's live channels (with `.param("prefix", …)`,
    /// `"marker"`, `"max-keys"`).
    pub fn list_live_channel(&self) -> GetConfig<M, ListLiveChannelResult> {
        GetConfig::bucket(self, OpId::ListLiveChannel)
    }
}

impl BucketClient<crate::mode::Async> {
    /// The URL to push an RTMP stream to channel `channel`, signed (as oss2, with the
    /// version 1 signature) to be valid for `expires`; unsigned for anonymous clients.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use std::time::Duration;
    /// let bucket = osskit::Bucket::new(
    ///     osskit::Auth::new("id", "secret"),
    ///     "https://oss-cn-hangzhou.aliyuncs.com",
    ///     "live-bucket",
    /// ).unwrap();
    /// let url = bucket.sign_rtmp_url("cam1", "cam1.m3u8", Duration::from_secs(3600)).await.unwrap();
    /// assert!(url.starts_with("rtmp://live-bucket.oss-cn-hangzhou.aliyuncs.com/live/cam1?playlistName=cam1.m3u8&OSSAccessKeyId=id&Expires="));
    /// # }
    /// ```
    pub async fn sign_rtmp_url(
        &self,
        channel: &str,
        playlist: &str,
        expires: Duration,
    ) -> Result<String> {
        self.rtmp_url(channel, playlist, expires, now_unix()).await
    }

    /// [`sign_rtmp_url`](Self::sign_rtmp_url) as if the time were `unix` (Unix seconds).
    pub async fn sign_rtmp_url_at(
        &self,
        channel: &str,
        playlist: &str,
        expires: Duration,
        unix: i64,
    ) -> Result<String> {
        self.rtmp_url(channel, playlist, expires, unix).await
    }
}

impl BucketClient<crate::mode::Blocking> {
    /// The URL to push an RTMP stream to channel `channel`, signed (as oss2, with the
    /// version 1 signature) to be valid for `expires`; unsigned for anonymous clients.
    ///
    /// # Panics
    /// When called from inside an async runtime.
    pub fn sign_rtmp_url(
        &self,
        channel: &str,
        playlist: &str,
        expires: Duration,
    ) -> Result<String> {
        self.mode
            .block_on(self.rtmp_url(channel, playlist, expires, now_unix()))
    }

    /// [`sign_rtmp_url`](Self::sign_rtmp_url) as if the time were `unix` (Unix seconds).
    ///
    /// # Panics
    /// When called from inside an async runtime.
    pub fn sign_rtmp_url_at(
        &self,
        channel: &str,
        playlist: &str,
        expires: Duration,
        unix: i64,
    ) -> Result<String> {
        self.mode
            .block_on(self.rtmp_url(channel, playlist, expires, unix))
    }
}

impl<M: Mode> ServiceClient<M> {
    /// `WriteGetObjectResponse` (Function Compute): the answer of an Object FC Access Point
    /// to a GetObject, from the function that made it (`route` and `token` from the event,
    /// `status` the HTTP status to answer with).
    pub fn write_get_object_response(
        &self,
        route: &str,
        token: &str,
        status: u16,
        data: impl Into<Body>,
    ) -> Call<M> {
        self.call(OpId::WriteGetObjectResponse)
            .header("x-oss-request-route", route)
            .header("x-oss-request-token", token)
            .header("x-oss-fwd-status", status.to_string())
            .body(data)
    }
}
