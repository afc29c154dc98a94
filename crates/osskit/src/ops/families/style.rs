//! Image styles: named image-processing parameters (`put_bucket_style`, …). Applying them
//! needs OSS's image processing.

use crate::bucket::BucketClient;
use crate::mode::Mode;
use crate::ops::config::{DeleteConfig, GetConfig, PutConfig};
use osskit_proto::ops::OpId;
use osskit_proto::xml::style::{Style, StyleInfo, StyleList};

crate::ops::config::config_models!(Style);

const NAME: &str = "styleName";

impl<M: Mode> BucketClient<M> {
    /// `PutStyle`: creates or replaces style `name` doing `content`
    /// (`image/resize,w_200`).
    pub fn put_bucket_style(
        &self,
        name: impl Into<String>,
        content: impl Into<String>,
    ) -> PutConfig<M, Style> {
        PutConfig::bucket(self, OpId::PutStyle, Style::new(content).into()).param(NAME, name)
    }

    /// `GetStyle`: style `name`.
    pub fn get_bucket_style(&self, name: impl Into<String>) -> GetConfig<M, StyleInfo> {
        GetConfig::bucket(self, OpId::GetStyle).param(NAME, name)
    }

    /// `ListStyle`: every style, by name.
    pub fn list_bucket_style(&self) -> GetConfig<M, StyleList> {
        GetConfig::bucket(self, OpId::ListStyle)
    }

    /// `DeleteStyle`: removes style `name`.
    pub fn delete_bucket_style(&self, name: impl Into<String>) -> DeleteConfig<M> {
        DeleteConfig::bucket(self, OpId::DeleteStyle).param(NAME, name)
    }
}

impl<M: Mode> PutConfig<M, Style> {
    /// The style's category: `image` (the default), `document` or `video`.
    pub fn category(self, category: impl Into<String>) -> Self {
        self.param("category", category)
    }
}
