//! Retention policies (WORM): `InitiateBucketWorm`, `ExtendBucketWorm` bodies and the
//! `<WormConfiguration>` of `GetBucketWorm`.
//!
//! ```
//! use osskit_proto::xml::worm::{InitiateWormConfiguration, WormConfiguration};
//! use osskit_proto::xml::Document;
//!
//! let doc = InitiateWormConfiguration::new(30).to_document().unwrap();
//! assert!(doc.contains("<RetentionPeriodInDays>30</RetentionPeriodInDays>"));
//! let got = WormConfiguration::from_document(
//!     b"<WormConfiguration><WormId>1666E2CFB2B3418</WormId><State>Locked</State>\
//!       <RetentionPeriodInDays>1</RetentionPeriodInDays>\
//!       <CreationDate>2020-10-15T15:50:32</CreationDate></WormConfiguration>",
//! )
//! .unwrap();
//! assert!(got.is_locked());
//! ```

use serde::{Deserialize, Serialize};

/// Shortest retention period, in days.
pub const MIN_RETENTION_DAYS: u32 = 1;
/// Longest retention period, in days (70 years).
pub const MAX_RETENTION_DAYS: u32 = 25_550;
/// `InProgress`: created, not yet locked (it lapses 24 hours after creation).
pub const IN_PROGRESS: &str = "InProgress";
/// `Locked`.
pub const LOCKED: &str = "Locked";

/// `<InitiateWormConfiguration>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "InitiateWormConfiguration")]
#[non_exhaustive]
pub struct InitiateWormConfiguration {
    /// Days objects are retained after their last modification.
    #[serde(rename = "RetentionPeriodInDays", default)]
    pub retention_period_in_days: u32,
}

/// `<ExtendWormConfiguration>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "ExtendWormConfiguration")]
#[non_exhaustive]
pub struct ExtendWormConfiguration {
    /// The new (longer) retention period, in days.
    #[serde(rename = "RetentionPeriodInDays", default)]
    pub retention_period_in_days: u32,
}

/// `<WormConfiguration>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "WormConfiguration")]
#[non_exhaustive]
pub struct WormConfiguration {
    /// The policy id.
    #[serde(rename = "WormId", default)]
    pub worm_id: String,
    /// `InProgress` or `Locked`.
    #[serde(rename = "State", default)]
    pub state: String,
    /// Days objects are retained.
    #[serde(rename = "RetentionPeriodInDays", default)]
    pub retention_period_in_days: u32,
    /// When the policy was created (`YYYY-MM-DDTHH:MM:SS.000Z`).
    #[serde(rename = "CreationDate", default)]
    pub creation_date: String,
    /// When an unlocked policy lapses (`YYYY-MM-DDTHH:MM:SS.000Z`).
    #[serde(
        rename = "ExpirationDate",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub expiration_date: Option<String>,
}

crate::xml_document!(
    InitiateWormConfiguration => "InitiateWormConfiguration",
    ExtendWormConfiguration => "ExtendWormConfiguration",
    WormConfiguration => "WormConfiguration",
);

impl InitiateWormConfiguration {
    /// A policy retaining objects `days` days.
    pub fn new(days: u32) -> Self {
        InitiateWormConfiguration {
            retention_period_in_days: days,
        }
    }
}

impl ExtendWormConfiguration {
    /// Extends the retention to `days` days.
    pub fn new(days: u32) -> Self {
        ExtendWormConfiguration {
            retention_period_in_days: days,
        }
    }
}

impl WormConfiguration {
    /// A policy: id, state (`InProgress`, `Locked`), retention days, creation date.
    pub fn new(
        worm_id: impl Into<String>,
        state: impl Into<String>,
        retention_period_in_days: u32,
        creation_date: impl Into<String>,
    ) -> Self {
        WormConfiguration {
            worm_id: worm_id.into(),
            state: state.into(),
            retention_period_in_days,
            creation_date: creation_date.into(),
            expiration_date: None,
        }
    }

    /// Whether the policy is locked.
    pub fn is_locked(&self) -> bool {
        self.state == LOCKED
    }
}

/// Checks a retention period: 1 to 25,550 days.
pub fn check_days(days: u32) -> Result<(), String> {
    if (MIN_RETENTION_DAYS..=MAX_RETENTION_DAYS).contains(&days) {
        Ok(())
    } else {
        Err(format!(
            "RetentionPeriodInDays must be between {MIN_RETENTION_DAYS} and {MAX_RETENTION_DAYS}, got {days}."
        ))
    }
}
