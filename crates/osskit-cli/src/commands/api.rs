//! `oss api OPERATION`: any declared operation, with its flags generated from the
//! operation's declaration (`osskit_proto::ops`), as ossutil's `api` command does.
//!
//! ```text
//! oss api list
//! oss api help put-bucket-cors
//! oss api put-bucket-cors --bucket b --body file://cors.xml
//! oss api get-bucket-lifecycle --bucket b --output-format json
//! oss api list-parts --bucket b --key big.bin --upload-id 0004B9... --max-parts 10
//! ```

use std::fmt::Write as _;
use std::io::{Read, Write};

use osskit::proto::ops::{self, Level, Operation, Payload, Selector};
use osskit::Body;

use super::Ctx;
use crate::args::{ApiArgs, GlobalArgs, OutputFormat};
use crate::error::CliError;
use crate::xml::xml_to_json;

/// What the command line of one call says.
#[derive(Debug, Default)]
struct Parsed {
    bucket: Option<String>,
    key: Option<String>,
    body: Option<String>,
    include_headers: bool,
    params: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    global: GlobalArgs,
}

/// `inventoryId` → `inventory-id`; `x-oss-acl` stays.
fn flag_name(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The parameters an operation lets its caller set by name: valued selectors, parameters.
fn param_flags(op: &Operation) -> Vec<(String, &'static str, bool)> {
    let mut out = Vec::new();
    for s in op.select {
        match s {
            Selector::Param(n) | Selector::OneOf(n, _) => out.push((flag_name(n), *n, true)),
            Selector::Flag(_) | Selector::Value(..) => {}
        }
    }
    for p in op.params {
        out.push((flag_name(p.name), p.name, p.required));
    }
    out
}

fn parse(op: &Operation, args: &[String], global: &GlobalArgs) -> Result<Parsed, CliError> {
    let mut parsed = Parsed {
        global: global.clone(),
        ..Parsed::default()
    };
    let params = param_flags(op);
    let mut it = args.iter();
    let value = |it: &mut std::slice::Iter<'_, String>, flag: &str| {
        it.next()
            .cloned()
            .ok_or_else(|| CliError::usage(format!("{flag} needs a value")))
    };
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let take = |it: &mut std::slice::Iter<'_, String>| match &inline {
            Some(v) => Ok(v.clone()),
            None => value(it, &flag),
        };
        match flag.as_str() {
            "--bucket" => parsed.bucket = Some(take(&mut it)?),
            "--key" => parsed.key = Some(take(&mut it)?),
            "--body" => parsed.body = Some(take(&mut it)?),
            "-i" | "--include-headers" => parsed.include_headers = true,
            "--param" => {
                let p = take(&mut it)?;
                let (k, v) = p.split_once('=').unwrap_or((p.as_str(), ""));
                parsed.params.push((k.to_string(), v.to_string()));
            }
            "--header" => {
                let h = take(&mut it)?;
                let Some((k, v)) = h.split_once(':') else {
                    return Err(CliError::usage(format!(
                        "--header takes 'Name: value', not {h:?}"
                    )));
                };
                parsed
                    .headers
                    .push((k.trim().to_string(), v.trim().to_string()));
            }
            "--output-format" => {
                let v = take(&mut it)?;
                parsed.global.output_format = Some(
                    <OutputFormat as clap::ValueEnum>::from_str(&v, true).map_err(|_| {
                        CliError::usage(format!(
                            "--output-format takes text, json, yaml or xml, not {v:?}"
                        ))
                    })?,
                )
            }
            "--endpoint" | "-e" => parsed.global.endpoint = Some(take(&mut it)?),
            "--access-key-id" => parsed.global.access_key_id = Some(take(&mut it)?),
            "--access-key-secret" => parsed.global.access_key_secret = Some(take(&mut it)?),
            "--sts-token" | "-t" => parsed.global.sts_token = Some(take(&mut it)?),
            "--region" => parsed.global.region = Some(take(&mut it)?),
            "--mode" => parsed.global.mode = Some(take(&mut it)?),
            "--sign-version" | "--signature-version" => {
                parsed.global.sign_version = Some(take(&mut it)?)
            }
            "--addressing-style" => parsed.global.addressing_style = Some(take(&mut it)?),
            "--config-file" | "--config" | "-c" => {
                parsed.global.config_file = Some(take(&mut it)?.into())
            }
            "--profile" => parsed.global.profile = Some(take(&mut it)?),
            "--proxy" => parsed.global.proxy = Some(take(&mut it)?),
            "--connect-timeout" | "--read-timeout" | "--retry-times" => {
                let v = take(&mut it)?;
                let n: u64 = v
                    .parse()
                    .map_err(|_| CliError::usage(format!("{flag} takes a number, not {v:?}")))?;
                match flag.as_str() {
                    "--connect-timeout" => parsed.global.connect_timeout = Some(n),
                    "--read-timeout" => parsed.global.read_timeout = Some(n),
                    _ => parsed.global.retry_times = Some(n.min(u64::from(u32::MAX)) as u32),
                }
            }
            "--dry-run" | "-n" => parsed.global.dry_run = true,
            "--force" | "-f" => parsed.global.force = true,
            "--quiet" | "-q" => parsed.global.quiet = true,
            "--ignore-env-var" => parsed.global.ignore_env_var = true,
            other => {
                let name = other.strip_prefix("--").unwrap_or("");
                if let Some((_, real, _)) = params.iter().find(|(f, _, _)| f == name) {
                    let v = take(&mut it)?;
                    parsed.params.push((real.to_string(), v));
                } else if let Some(h) = op.headers.iter().find(|h| h.name == name) {
                    let v = take(&mut it)?;
                    parsed.headers.push((h.name.to_string(), v));
                } else {
                    return Err(CliError::usage(format!(
                        "{} takes no {other:?} (see `oss api help {}`)",
                        op.name,
                        op.kebab_name()
                    )));
                }
            }
        }
    }
    Ok(parsed)
}

/// Runs `oss api`.
pub async fn api(ctx: &Ctx, args: ApiArgs) -> Result<(), CliError> {
    match args.operation.as_str() {
        "list" => {
            print!("{}", list());
            return Ok(());
        }
        "help" => {
            let name = args.args.first().ok_or_else(|| {
                CliError::usage("`oss api help OPERATION` names the operation to describe")
            })?;
            print!("{}", help(find(name)?));
            return Ok(());
        }
        _ => {}
    }
    let op = find(&args.operation)?;
    if args.args.iter().any(|a| a == "--help" || a == "-h") {
        print!("{}", help(op));
        return Ok(());
    }
    let parsed = parse(op, &args.args, &ctx.global)?;
    let ctx = Ctx::new(parsed.global.clone());
    let clients = ctx.clients()?;
    let mut call = match op.level {
        Level::Service => clients.service()?.call(op.id),
        _ => {
            let bucket = parsed
                .bucket
                .as_deref()
                .ok_or_else(|| CliError::usage(format!("{} needs --bucket", op.name)))?;
            clients.bucket(bucket)?.call(op.id)
        }
    };
    match (op.level, &parsed.key) {
        (Level::Object, None) => return Err(CliError::usage(format!("{} needs --key", op.name))),
        (_, Some(key)) => call = call.key(key.clone()),
        _ => {}
    }
    for (k, v) in parsed.params {
        call = call.param(k, v);
    }
    for (k, v) in parsed.headers {
        call = call.header(k, v);
    }
    if let Some(spec) = &parsed.body {
        call = call.body(body(spec).await?);
    } else if matches!(op.request, Payload::Xml(_) | Payload::Json) {
        return Err(CliError::usage(format!(
            "{} needs --body (the document: file://PATH, - for stdin, or the text itself)",
            op.name
        )));
    }
    if ctx.dry_run() && !matches!(op.method, ops::HttpMethod::Get | ops::HttpMethod::Head) {
        let target = match (&parsed.bucket, &parsed.key) {
            (Some(b), Some(k)) => format!("oss://{b}/{k}"),
            (Some(b), None) => format!("oss://{b}"),
            _ => "the account".to_string(),
        };
        return ctx.out.record(
            "DryRun",
            serde_json::json!({"Operation": op.name, "Method": op.method.as_str(),
                               "Target": target}),
            || format!("would call {} ({} {target})", op.name, op.method),
        );
    }
    let out = call.send().await.map_err(|e| CliError::oss(op.name, e))?;
    let mut stdout = std::io::stdout().lock();
    if parsed.include_headers {
        let mut head = format!("HTTP {}\n", out.meta.status);
        for (k, v) in out.meta.headers.iter() {
            let _ = writeln!(head, "{k}: {}", String::from_utf8_lossy(v.as_bytes()));
        }
        head.push('\n');
        let _ = stdout.write_all(head.as_bytes());
    }
    let content_type = out.meta.header("content-type").unwrap_or_default();
    let is_xml = content_type.contains("xml");
    let is_json = content_type.contains("json");
    // As a document: XML converted, JSON read.
    let document = || -> Result<serde_json::Value, CliError> {
        if is_xml {
            xml_to_json(&out.body)
                .map_err(|e| CliError::failed(format!("{}: the answer is not XML: {e}", op.name)))
        } else {
            serde_json::from_slice(&out.body)
                .map_err(|e| CliError::failed(format!("{}: the answer is not JSON: {e}", op.name)))
        }
    };
    let structured = is_xml || is_json;
    let text = match ctx.out.format {
        OutputFormat::Json if is_xml => {
            let mut s = serde_json::to_string_pretty(&document()?).unwrap_or_default();
            s.push('\n');
            s.into_bytes()
        }
        OutputFormat::Yaml if structured => {
            crate::output::render(OutputFormat::Yaml, "", &document()?).into_bytes()
        }
        OutputFormat::Xml if is_json => {
            crate::output::render(OutputFormat::Xml, "root", &document()?).into_bytes()
        }
        _ => out.body.to_vec(),
    };
    stdout
        .write_all(&text)
        .and_then(|_| stdout.flush())
        .map_err(|e| CliError::failed(format!("cannot write the answer: {e}")))
}

fn find(name: &str) -> Result<&'static Operation, CliError> {
    ops::find(name).ok_or_else(|| {
        CliError::usage(format!(
            "no operation is called {name:?} (`oss api list` lists them)"
        ))
    })
}

async fn body(spec: &str) -> Result<Body, CliError> {
    if let Some(path) = spec.strip_prefix("file://") {
        return Body::from_file(path)
            .await
            .map_err(|e| CliError::oss(format!("cannot read {path}"), e));
    }
    if spec == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .map_err(|e| CliError::failed(format!("cannot read stdin: {e}")))?;
        return Ok(Body::from(buf));
    }
    Ok(Body::from(spec.to_string()))
}

/// One line per operation: kebab name, method and what it addresses, description.
fn list() -> String {
    let mut out = String::new();
    for op in ops::all() {
        let cloud = match op.support {
            ops::Support::Cloud(_) => " (cloud only)",
            ops::Support::Local => "",
        };
        let _ = writeln!(
            out,
            "{:<44} {:<7} {:<7} {}{cloud}",
            op.kebab_name(),
            op.method,
            level(op.level),
            op.doc
        );
    }
    out
}

fn level(l: Level) -> &'static str {
    match l {
        Level::Service => "account",
        Level::Bucket => "bucket",
        Level::Object => "object",
        Level::BucketOrObject => "any",
    }
}

/// The flags of one operation, from its declaration.
fn help(op: &Operation) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} ({}): {}", op.kebab_name(), op.name, op.doc);
    let sub: Vec<String> = op
        .select
        .iter()
        .map(|s| match s {
            Selector::Flag(n) => n.to_string(),
            Selector::Value(n, v) => format!("{n}={v}"),
            Selector::OneOf(n, vs) => format!("{n}={}", vs.join("|")),
            Selector::Param(n) => format!("{n}=…"),
        })
        .collect();
    let _ = writeln!(
        out,
        "  {} {}{}{}",
        op.method,
        match op.level {
            Level::Service => "/",
            Level::Bucket => "/BUCKET",
            _ => "/BUCKET/KEY",
        },
        if sub.is_empty() { "" } else { "?" },
        sub.join("&")
    );
    if let Some(name) = op.oss2 {
        let _ = writeln!(out, "  oss2: Bucket.{name} / Service.{name}");
    }
    let _ = writeln!(out, "\nFlags:");
    match op.level {
        Level::Service => {}
        Level::Bucket => {
            let _ = writeln!(out, "  --bucket NAME                  (required)");
        }
        _ => {
            let _ = writeln!(out, "  --bucket NAME                  (required)");
            let _ = writeln!(out, "  --key KEY                      (required)");
        }
    }
    for (flag, real, required) in param_flags(op) {
        let req = if required { " (required)" } else { "" };
        let _ = writeln!(out, "  --{flag:<28} query parameter {real}{req}");
    }
    for h in op.headers {
        let req = if h.required { " (required)" } else { "" };
        let _ = writeln!(out, "  --{:<28} header {}{req}", h.name, h.name);
    }
    match op.request {
        Payload::Xml(root) => {
            let _ = writeln!(
                out,
                "  --body file://PATH|-|TEXT      the <{root}> document (required)"
            );
        }
        Payload::Json => {
            let _ = writeln!(
                out,
                "  --body file://PATH|-|TEXT      the JSON document (required)"
            );
        }
        Payload::Data | Payload::Text => {
            let _ = writeln!(out, "  --body file://PATH|-|TEXT      the request body");
        }
        Payload::None => {}
    }
    let _ = writeln!(
        out,
        "  --param NAME=VALUE             any other query parameter\n  \
         --header 'NAME: VALUE'         any other header\n  \
         --output-format text|json|yaml|xml  how to print the answer (as sent, or converted)\n  \
         -i, --include-headers          print the status and headers first"
    );
    if let ops::Support::Cloud(service) = op.support {
        let _ = writeln!(
            out,
            "\nNeeds {service}: the local server answers NotImplemented."
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_come_from_the_declarations() {
        let op = ops::find("list-parts").unwrap();
        let flags: Vec<String> = param_flags(op).into_iter().map(|(f, _, _)| f).collect();
        assert!(flags.contains(&"upload-id".to_string()), "{flags:?}");
        assert!(flags.contains(&"max-parts".to_string()), "{flags:?}");
        let parsed = parse(
            op,
            &[
                "--bucket".into(),
                "b".into(),
                "--key=k".into(),
                "--upload-id".into(),
                "U1".into(),
                "--max-parts".into(),
                "5".into(),
            ],
            &GlobalArgs::default(),
        )
        .unwrap();
        assert_eq!(parsed.key.as_deref(), Some("k"));
        assert_eq!(
            parsed.params,
            [
                ("uploadId".to_string(), "U1".to_string()),
                ("max-parts".into(), "5".into())
            ]
        );
        let err = parse(op, &["--bogus".into(), "1".into()], &GlobalArgs::default()).unwrap_err();
        assert!(err.to_string().contains("takes no \"--bogus\""), "{err}");
        assert!(help(op).contains("--upload-id"));
        assert!(list().contains("put-bucket-cors"));
    }
}
