//! The configuration families: for each, its models accepted as input and its put/get/delete
//! methods, generated from the operation declarations (see [`crate::ops::config`]).

mod cors;
mod public_access_block;

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
