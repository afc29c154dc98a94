//! `hash`: CRC-64/ECMA (as OSS computes it) and MD5 of a local file or an object.

use base64::Engine;
use futures_util::TryStreamExt;
use md5::{Digest, Md5};
use serde_json::json;

use super::Ctx;
use crate::args::{HashArgs, HashType};
use crate::error::CliError;
use crate::location::{Location, OssUrl};

/// Prints the digests of a file or an object.
pub async fn hash(ctx: &Ctx, args: HashArgs) -> Result<(), CliError> {
    let want_crc = matches!(args.hash_type, HashType::Crc64 | HashType::All);
    let want_md5 = matches!(args.hash_type, HashType::Md5 | HashType::All);
    let (name, size, crc, md5) = match Location::parse(&args.target)? {
        Location::Local(path) => {
            if args.version_id.is_some() {
                return Err(CliError::usage("--version-id is for objects"));
            }
            let p = path.clone();
            let (size, crc, md5) = tokio::task::spawn_blocking(move || {
                use std::io::Read;
                let mut f = std::fs::File::open(&p)
                    .map_err(|e| CliError::io(format!("cannot read {}", p.display()), e))?;
                let mut crc = osskit::utils::Crc64::new();
                let mut md5 = Md5::new();
                let mut buf = vec![0u8; 1 << 20];
                let mut size = 0u64;
                loop {
                    let n = f
                        .read(&mut buf)
                        .map_err(|e| CliError::io(format!("cannot read {}", p.display()), e))?;
                    if n == 0 {
                        break;
                    }
                    size += n as u64;
                    if want_crc {
                        crc.update(&buf[..n]);
                    }
                    if want_md5 {
                        md5.update(&buf[..n]);
                    }
                }
                Ok::<_, CliError>((
                    size,
                    want_crc.then(|| crc.finish()),
                    want_md5.then(|| md5.finalize().to_vec()),
                ))
            })
            .await
            .map_err(|e| CliError::failed(format!("hashing failed: {e}")))??;
            (path.display().to_string(), size, crc, md5)
        }
        Location::Oss(url) => {
            let url = OssUrl::parse_object(&url.to_string())?;
            let bucket = ctx.clients()?.bucket(&url.bucket)?;
            let what = format!("cannot read {url}");
            if want_md5 {
                // MD5 needs the bytes: read the object once, checking its CRC-64 too.
                let mut req = bucket.get_object(&url.key);
                if let Some(v) = &args.version_id {
                    req = req.param("versionId", v);
                }
                let mut out = req.await.map_err(|e| CliError::oss(&what, e))?;
                let mut body =
                    std::mem::replace(&mut out.body, osskit::ByteStream::from_bytes(Vec::new()));
                let mut md5 = Md5::new();
                let mut size = 0u64;
                while let Some(chunk) =
                    body.try_next().await.map_err(|e| CliError::oss(&what, e))?
                {
                    size += chunk.len() as u64;
                    md5.update(&chunk);
                }
                let client = out.client_crc();
                if let (Some(c), Some(s)) = (client, out.server_crc) {
                    if c != s {
                        return Err(CliError::failed(format!(
                            "{url}: the bytes read have CRC-64 {c} but OSS announced {s}"
                        )));
                    }
                }
                (
                    url.to_string(),
                    size,
                    if want_crc {
                        client.or(out.server_crc)
                    } else {
                        None
                    },
                    Some(md5.finalize().to_vec()),
                )
            } else {
                let mut req = bucket.head_object(&url.key);
                if let Some(v) = &args.version_id {
                    req = req.param("versionId", v);
                }
                let head = req.await.map_err(|e| CliError::oss(&what, e))?;
                let crc = head.crc64.ok_or_else(|| {
                    CliError::failed(format!(
                        "{url}: OSS gives no CRC-64 for it (x-oss-hash-crc64ecma); --type md5 \
                         reads the object instead"
                    ))
                })?;
                (
                    url.to_string(),
                    head.content_length.unwrap_or(0),
                    Some(crc),
                    None,
                )
            }
        }
    };
    let md5_hex = md5.as_deref().map(hex_lower);
    let md5_b64 = md5
        .as_ref()
        .map(|d| base64::engine::general_purpose::STANDARD.encode(d));
    ctx.out.record(
        "Hash",
        json!({"Name": name, "Size": size, "CRC64ECMA": crc.map(|c| c.to_string()),
               "MD5": md5_hex, "ContentMD5": md5_b64}),
        || {
            let mut rows = Vec::new();
            if let Some(c) = crc {
                rows.push(format!("{:<22}{c}", "CRC64-ECMA:"));
            }
            if let Some(h) = &md5_hex {
                rows.push(format!("{:<22}{h}", "MD5:"));
            }
            if let Some(b) = &md5_b64 {
                rows.push(format!("{:<22}{b}", "Content-MD5:"));
            }
            rows.join("\n")
        },
    )
}

fn hex_lower(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
