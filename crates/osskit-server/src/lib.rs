//! A local Alibaba Cloud OSS server: the real wire protocol (path-style and virtual-hosted
//! addressing, V1/V4 signatures and presigned URLs, STS, OSS error documents) over a
//! crash-safe store.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! use osskit_server::{Server, ServerConfig};
//! let mut config = ServerConfig::new(None); // in memory
//! config.credentials.push(("my-id".into(), "my-secret".into()));
//! let server = Server::start(config).await.unwrap();
//! println!("serving on {}", server.endpoint());
//! server.shutdown().await;
//! # }
//! ```
#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod access;
pub mod account;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
pub mod dispatch;
pub mod error;
pub mod handlers;
pub mod http;
pub mod inventory_reports;
pub mod keys;
pub mod lifecycle;
pub mod metadata;
pub mod replicator;
pub mod rpc;
pub mod store;
pub mod testing;
pub mod users;

pub use config::ServerConfig;
pub use error::{OssError, ServerStartError};
pub use http::{RunningServer, Server};
