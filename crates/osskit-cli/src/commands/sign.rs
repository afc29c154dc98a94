//! `sign`: presigned URLs.

use std::time::Duration;

use crate::args::{SignArgs, SignMethod};
use crate::client::Clients;
use crate::error::CliError;
use crate::location::OssUrl;

/// Prints a presigned URL for GET or PUT of an object.
pub async fn sign(clients: &Clients, args: SignArgs) -> Result<(), CliError> {
    let url = OssUrl::parse_object(&args.url)?;
    if args.expires == 0 {
        return Err(CliError::usage("--expires must be at least 1 second"));
    }
    let bucket = clients.bucket(&url.bucket)?;
    let method = match args.method {
        SignMethod::Get => osskit::Method::GET,
        SignMethod::Put => osskit::Method::PUT,
    };
    let signed = bucket
        .sign_url(method, &url.key, Duration::from_secs(args.expires))
        .build()
        .await
        .map_err(|e| CliError::oss(format!("cannot sign {url}"), e))?;
    println!("{signed}");
    Ok(())
}
