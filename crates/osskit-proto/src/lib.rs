//! Sans-IO building blocks of the Alibaba Cloud OSS protocol.
//!
//! Nothing in this crate performs I/O, reads the clock or draws random numbers: times,
//! credentials and bytes are always passed in. The SDK (`oss`) and the local server
//! (`oss-server`) share this crate, so a request signed by one is verified by the other
//! with exactly the same canonicalisation code.
//!
//! | module | what it holds |
//! |---|---|
//! | [`sign`] | V1 and V4 header signing, presigned URLs, and server-side verification |
//! | [`endpoint`] | endpoint parsing, addressing (virtual-hosted, CNAME, path style) and URL building |
//! | [`encoding`] | the percent-encodings OSS uses (oss2's `quote`, `urlencode`, V4 URI encoding) |
//! | [`crc64`] | CRC-64/XZ (`x-oss-hash-crc64ecma`), SIMD accelerated, with `combine` |
//! | [`digest`] | Content-MD5 and ETag helpers |
//! | [`date`] | oss2's date helpers (`http_date`, `iso8601_to_unixtime`, ...) |
//! | [`range`] | oss2's `(start, last)` byte ranges and the server's Range parsing |
//! | [`policy`] | bucket, access point and RAM policies (JSON): OSS's validation and evaluation |
//! | [`ops`] | the declaration of every operation (method, level, sub-resources, parameters, bodies, idempotency, limits) and routing by them |
//! | [`names`] | bucket-name and object-key rules |
//! | [`rpc`] | the RPC-style signature of STS and KMS (signature version 1.0, HMAC-SHA1) |
//! | [`xml`] | XML request/response bodies (serde + quick-xml) and the `<Error>` body |
//! | [`error_code`] | OSS error codes with their HTTP status, message and EC |
//! | [`headers`] | header names |
#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod crc64;
pub mod date;
pub mod digest;
pub mod encoding;
pub mod endpoint;
pub mod error_code;
pub mod headers;
pub mod names;
pub mod ops;
pub mod policy;
pub mod range;
pub mod rpc;
pub mod sign;
pub mod xml;
