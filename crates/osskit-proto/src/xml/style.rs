//! Image styles: named image-processing parameter strings (`PutStyle`, `GetStyle`,
//! `ListStyle`, `DeleteStyle`). OSS stores them; applying them (`x-oss-process=style/NAME`)
//! needs OSS's image processing service.
//!
//! ```
//! use osskit_proto::xml::{style::{self, Style}, Document};
//! let doc = Style::new("image/resize,w_200").to_document().unwrap();
//! assert!(doc.contains("<Content>image/resize,w_200</Content>"));
//! assert!(style::validate_name("thumbnail_1").is_ok());
//! assert!(style::validate_name("@%$^").is_err());
//! ```

use serde::{Deserialize, Serialize};

/// Most styles a bucket can have.
pub const MAX_STYLES: usize = 50;
/// Longest style name.
pub const MAX_NAME_LEN: usize = 64;
/// Longest style content.
pub const MAX_CONTENT_LEN: usize = 4096;

/// `<Style>` as a put sends it: the processing parameters.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "Style")]
#[non_exhaustive]
pub struct Style {
    /// The processing parameters, e.g. `image/resize,w_200`.
    #[serde(rename = "Content", default)]
    pub content: String,
}

impl Style {
    /// A style doing `content`.
    pub fn new(content: impl Into<String>) -> Self {
        Style {
            content: content.into(),
        }
    }
}

/// `<Style>` as a get or a list returns it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "Style")]
#[non_exhaustive]
pub struct StyleInfo {
    /// Name.
    #[serde(rename = "Name", default)]
    pub name: String,
    /// The processing parameters.
    #[serde(rename = "Content", default)]
    pub content: String,
    /// `image`, `document` or `video`.
    #[serde(rename = "Category", default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// When it was created (HTTP date).
    #[serde(rename = "CreateTime", default)]
    pub create_time: String,
    /// When it was last changed (HTTP date).
    #[serde(rename = "LastModifyTime", default)]
    pub last_modify_time: String,
}

impl StyleInfo {
    /// A style as OSS lists it (times are HTTP dates).
    pub fn new(
        name: impl Into<String>,
        content: impl Into<String>,
        category: Option<String>,
        create_time: impl Into<String>,
        last_modify_time: impl Into<String>,
    ) -> Self {
        StyleInfo {
            name: name.into(),
            content: content.into(),
            category,
            create_time: create_time.into(),
            last_modify_time: last_modify_time.into(),
        }
    }
}

/// `<StyleList>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "StyleList")]
#[non_exhaustive]
pub struct StyleList {
    /// The styles, by name.
    #[serde(rename = "Style", default)]
    pub styles: Vec<StyleInfo>,
}

crate::xml_document!(Style => "Style", StyleInfo => "Style", StyleList => "StyleList");

/// Checks a style name: 1 to 64 letters, digits, `_`, `-` and `.`.
pub fn validate_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > MAX_NAME_LEN {
        return Err(format!(
            "The style name must be 1 to {MAX_NAME_LEN} characters long."
        ));
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b))
    {
        return Err(format!(
            "The style name {name:?} may contain only letters, digits, '_', '-' and '.'."
        ));
    }
    Ok(())
}

/// The categories a style can have.
pub const CATEGORIES: &[&str] = &["image", "document", "video"];

/// Checks style content: not empty, at most 4096 characters (OSS's message when it fails
/// is `Style content is invalid.`).
pub fn validate_content(content: &str) -> Result<(), String> {
    if content.trim().is_empty() || content.len() > MAX_CONTENT_LEN {
        return Err("Style content is invalid.".into());
    }
    Ok(())
}
