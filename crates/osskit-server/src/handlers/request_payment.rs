//! Request payment (`PutBucketRequestPayment`, `GetBucketRequestPayment`); enforced by
//! [`crate::access`].

use super::config::{self, document, malformed, Family};
use crate::access::REQUEST_PAYMENT_DOC;
use crate::dispatch::{AppState, RequestCtx};
use crate::error::OssError;
use crate::http::response::Reply;
use osskit_proto::error_code::ErrorCode;
use osskit_proto::xml::request_payment::{Payer, RequestPaymentConfiguration};
use osskit_proto::xml::Document;

/// The request payment family.
pub static FAMILY: Family = Family {
    name: REQUEST_PAYMENT_DOC,
    not_found: ErrorCode::NoSuchBucket,
    content_type: "application/xml",
    accept,
};

fn accept(_ctx: &RequestCtx, doc: &[u8]) -> Result<Vec<u8>, OssError> {
    let config = RequestPaymentConfiguration::from_document(doc).map_err(malformed)?;
    let Some(payer) = config.parsed_payer() else {
        return Err(OssError::with_message(
            ErrorCode::MalformedXML,
            format!(
                "The payer {:?} is not valid (BucketOwner or Requester).",
                config.payer
            ),
        ));
    };
    RequestPaymentConfiguration::new(payer)
        .to_document()
        .map(String::into_bytes)
        .map_err(OssError::internal)
}

/// `GET /bucket?requestPayment`: `BucketOwner` unless set otherwise.
pub async fn get(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let doc = match config::load(state, ctx.bucket_name(), &FAMILY).await? {
        Some(doc) => doc,
        None => RequestPaymentConfiguration::new(Payer::BucketOwner)
            .to_document()
            .map_err(OssError::internal)?
            .into_bytes(),
    };
    Ok(document(FAMILY.content_type, doc))
}
