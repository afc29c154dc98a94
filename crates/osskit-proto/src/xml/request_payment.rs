//! `<RequestPaymentConfiguration>`: who pays for the requests to a bucket
//! (`PutBucketRequestPayment`, `GetBucketRequestPayment`).
//!
//! ```
//! use osskit_proto::xml::{request_payment::{Payer, RequestPaymentConfiguration}, Document};
//! let doc = RequestPaymentConfiguration::new(Payer::Requester).to_document().unwrap();
//! assert!(doc.contains("<Payer>Requester</Payer>"));
//! let back = RequestPaymentConfiguration::from_document(doc.as_bytes()).unwrap();
//! assert_eq!(back.payer, "Requester");
//! assert_eq!(back.parsed_payer(), Some(Payer::Requester));
//! ```

use serde::{Deserialize, Serialize};

/// Who pays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payer {
    /// The bucket owner (the default).
    BucketOwner,
    /// The requester: other users must send `x-oss-request-payer: requester`.
    Requester,
}

impl Payer {
    /// The value as OSS writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Payer::BucketOwner => "BucketOwner",
            Payer::Requester => "Requester",
        }
    }

    /// Parses `BucketOwner` or `Requester` (as OSS, ignoring case).
    pub fn parse(value: &str) -> Option<Payer> {
        if value.eq_ignore_ascii_case("BucketOwner") {
            Some(Payer::BucketOwner)
        } else if value.eq_ignore_ascii_case("Requester") {
            Some(Payer::Requester)
        } else {
            None
        }
    }
}

/// `<RequestPaymentConfiguration>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "RequestPaymentConfiguration")]
#[non_exhaustive]
pub struct RequestPaymentConfiguration {
    /// `BucketOwner` or `Requester` (kept as sent; see [`RequestPaymentConfiguration::parsed_payer`]).
    #[serde(rename = "Payer", default)]
    pub payer: String,
}

impl RequestPaymentConfiguration {
    /// A configuration naming `payer`.
    pub fn new(payer: Payer) -> Self {
        RequestPaymentConfiguration {
            payer: payer.as_str().to_string(),
        }
    }

    /// The payer, when it is one OSS knows.
    pub fn parsed_payer(&self) -> Option<Payer> {
        Payer::parse(self.payer.trim())
    }
}

impl From<Payer> for RequestPaymentConfiguration {
    fn from(payer: Payer) -> Self {
        RequestPaymentConfiguration::new(payer)
    }
}

crate::xml_document!(RequestPaymentConfiguration => "RequestPaymentConfiguration");
