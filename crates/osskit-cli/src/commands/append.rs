//! `append`: a file or stdin appended to an appendable object (created when missing), with
//! the object's CRC-64 checked after the append.

use serde_json::json;

use super::Ctx;
use crate::args::AppendArgs;
use crate::error::CliError;
use crate::format::human_size;
use crate::location::OssUrl;
use crate::transfer::ObjectHeaders;

/// Appends `SRC` to `DST`.
pub async fn append(ctx: &Ctx, args: AppendArgs) -> Result<(), CliError> {
    let url = OssUrl::parse_object(&args.dst)?;
    let headers = ObjectHeaders::from_args(&args.headers)?;
    let bucket = ctx.clients()?.bucket(&url.bucket)?;
    // Where the object ends now, and its CRC-64 (to check the result against).
    let (position, crc) = match bucket.head_object(&url.key).await {
        Ok(h) => {
            if h.object_type.as_deref() != Some("Appendable") {
                return Err(CliError::usage(format!(
                    "{url} is a {} object: only appendable objects (made by append) grow",
                    h.object_type.as_deref().unwrap_or("non-appendable")
                )));
            }
            (h.next_position.or(h.content_length).unwrap_or(0), h.crc64)
        }
        Err(e) if e.is_not_found() => (0, Some(0)),
        Err(e) => return Err(CliError::oss(format!("cannot stat {url}"), e)),
    };
    let (body, size, from) = if args.src == "-" {
        (
            osskit::Body::from_reader(tokio::io::stdin(), None),
            None,
            "stdin".to_string(),
        )
    } else {
        let path = std::path::Path::new(&args.src);
        let meta = std::fs::metadata(path)
            .map_err(|e| CliError::io(format!("cannot read {}", path.display()), e))?;
        if !meta.is_file() {
            return Err(CliError::usage(format!("{} is not a file", path.display())));
        }
        let body = osskit::Body::from_file(path)
            .await
            .map_err(|e| CliError::oss(format!("cannot read {}", path.display()), e))?;
        (body, Some(meta.len()), path.display().to_string())
    };
    if ctx.dry_run() {
        return ctx.out.record(
            "DryRun",
            json!({"Action": "append", "From": from, "To": url.to_string(), "Position": position,
                   "Size": size}),
            || format!("would append {from} to {url} at position {position}"),
        );
    }
    let mut req = bucket.append_object(&url.key, position, body);
    if let Some(c) = crc {
        req = req.init_crc(c);
    }
    if position == 0 {
        if let Some(t) = &headers.content_type {
            req = req.content_type(t.clone());
        }
        for (k, v) in &headers.metadata {
            req = req.metadata(k.clone(), v.clone());
        }
        for (k, v) in &headers.headers {
            req = req.header(k.clone(), v.clone());
        }
    }
    let out = req
        .await
        .map_err(|e| CliError::oss(format!("cannot append {from} to {url}"), e))?;
    let added = out.next_position - position;
    ctx.out.done(
        "Append",
        json!({"Key": url.key, "Position": position, "NextPosition": out.next_position,
               "Appended": added, "CRC64": out.crc64.map(|c| c.to_string())}),
        || {
            format!(
                "appended {from} to {url} ({} at {position}, now {})",
                human_size(added),
                human_size(out.next_position)
            )
        },
    )
}
