//! The configuration families: for each, its models accepted as input and its put/get/delete
//! methods, generated from the operation declarations (see [`crate::ops::config`]).

mod cors;
mod public_access_block;
// Lifecycle, versioning, retention, encryption, tagging, statistics.
mod encryption;
mod lifecycle;
mod stat;
mod tagging;
mod versioning;
pub(crate) mod worm;
// Browser-facing families: hotlink protection, static websites, access logs.
mod logging;
mod referer;
mod website;

// Access control and data movement between buckets.
mod access_point;
mod inventory;
pub(crate) mod model_call;
mod policy;
mod replication;
mod request_payment;

// Account and bucket settings, tasks and indexes.
mod async_fetch;
mod bucket_settings;
mod cloud;
mod cname;
mod meta_query;
mod qos;
mod redundancy_transition;
mod regions;
mod style;
