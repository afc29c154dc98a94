//! Request payment: [`osskit_proto::xml::request_payment`].

use crate::bucket::BucketClient;
use crate::ops::config::{config_family, config_models, ConfigInput};
use osskit_proto::xml::request_payment::{Payer, RequestPaymentConfiguration};

config_models!(RequestPaymentConfiguration);

impl From<Payer> for ConfigInput<RequestPaymentConfiguration> {
    fn from(payer: Payer) -> Self {
        ConfigInput::Model(RequestPaymentConfiguration::new(payer))
    }
}

config_family! {
    BucketClient, bucket;
    RequestPaymentConfiguration {
        put put_bucket_request_payment = PutBucketRequestPayment;
        get get_bucket_request_payment = GetBucketRequestPayment;
    }
}
