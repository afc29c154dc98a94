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

use crate::args::{ApiArgs, ConnectionArgs};
use crate::error::CliError;

/// How the answer is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Output {
    /// The body as OSS sent it.
    Raw,
    /// XML converted to JSON (JSON bodies are printed as they are).
    Json,
}

/// What the command line of one call says.
#[derive(Debug, Default)]
struct Parsed {
    bucket: Option<String>,
    key: Option<String>,
    body: Option<String>,
    output: Option<Output>,
    include_headers: bool,
    params: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    conn: ConnectionArgs,
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

fn parse(op: &Operation, args: &[String], conn: &ConnectionArgs) -> Result<Parsed, CliError> {
    let mut parsed = Parsed {
        conn: conn.clone(),
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
            "--output-format" => {
                parsed.output = Some(match take(&mut it)?.as_str() {
                    "json" => Output::Json,
                    "xml" | "raw" => Output::Raw,
                    other => {
                        return Err(CliError::usage(format!(
                            "--output-format takes xml, json or raw, not {other:?}"
                        )))
                    }
                })
            }
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
            "--endpoint" => parsed.conn.endpoint = Some(take(&mut it)?),
            "--access-key-id" => parsed.conn.access_key_id = Some(take(&mut it)?),
            "--access-key-secret" => parsed.conn.access_key_secret = Some(take(&mut it)?),
            "--sts-token" => parsed.conn.sts_token = Some(take(&mut it)?),
            "--region" => parsed.conn.region = Some(take(&mut it)?),
            "--signature-version" => parsed.conn.signature_version = Some(take(&mut it)?),
            "--config" => parsed.conn.config = Some(take(&mut it)?.into()),
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
pub async fn api(args: ApiArgs) -> Result<(), CliError> {
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
    let parsed = parse(op, &args.args, &args.conn)?;
    let clients = super::clients(&parsed.conn)?;
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
    let is_xml = out
        .meta
        .header("content-type")
        .is_some_and(|t| t.contains("xml"));
    let text = match parsed.output {
        Some(Output::Json) if is_xml => {
            let json = xml_to_json(&out.body).map_err(|e| {
                CliError::failed(format!("{}: the answer is not XML: {e}", op.name))
            })?;
            let mut s = serde_json::to_string_pretty(&json).unwrap_or_default();
            s.push('\n');
            s.into_bytes()
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
         --output-format xml|json|raw   how to print the answer (XML as sent, or as JSON)\n  \
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

/// An XML document as JSON: `{"Root": {...}}`, an element of text as a string, repeated
/// elements as an array, empty elements as "".
fn xml_to_json(doc: &[u8]) -> Result<serde_json::Value, String> {
    use quick_xml::events::Event;
    use serde_json::{Map, Value};

    let text = std::str::from_utf8(doc).map_err(|e| e.to_string())?;
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().trim_text(true);
    // Open elements: name, children, text.
    let mut stack: Vec<(String, Map<String, Value>, String)> = Vec::new();
    let mut root: Option<Value> = None;
    let insert = |map: &mut Map<String, Value>, name: String, v: Value| match map.get_mut(&name) {
        Some(Value::Array(a)) => a.push(v),
        Some(existing) => {
            let first = existing.take();
            *existing = Value::Array(vec![first, v]);
        }
        None => {
            map.insert(name, v);
        }
    };
    loop {
        match reader.read_event().map_err(|e| e.to_string())? {
            Event::Start(e) => stack.push((
                String::from_utf8_lossy(e.name().as_ref()).into_owned(),
                Map::new(),
                String::new(),
            )),
            Event::Empty(e) => {
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                match stack.last_mut() {
                    Some((_, children, _)) => insert(children, name, Value::String(String::new())),
                    None => root = Some(Value::Object(Map::from_iter([(name, "".into())]))),
                }
            }
            Event::Text(t) => {
                if let Some((_, _, s)) = stack.last_mut() {
                    s.push_str(&t.unescape().map_err(|e| e.to_string())?);
                }
            }
            Event::CData(t) => {
                if let Some((_, _, s)) = stack.last_mut() {
                    s.push_str(&String::from_utf8_lossy(&t));
                }
            }
            Event::End(_) => {
                let Some((name, children, text)) = stack.pop() else {
                    return Err("unbalanced document".into());
                };
                let value = if children.is_empty() {
                    Value::String(text)
                } else {
                    Value::Object(children)
                };
                match stack.last_mut() {
                    Some((_, parent, _)) => insert(parent, name, value),
                    None => root = Some(Value::Object(Map::from_iter([(name, value)]))),
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    root.ok_or_else(|| "the document has no root element".to_string())
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
            &ConnectionArgs::default(),
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
        let err = parse(
            op,
            &["--bogus".into(), "1".into()],
            &ConnectionArgs::default(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("takes no \"--bogus\""), "{err}");
        assert!(help(op).contains("--upload-id"));
        assert!(list().contains("put-bucket-cors"));
    }

    #[test]
    fn xml_becomes_json() {
        let json = xml_to_json(
            b"<?xml version=\"1.0\"?><CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin>\
              <AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod></CORSRule>\
              <ResponseVary>false</ResponseVary><Empty/></CORSConfiguration>",
        )
        .unwrap();
        assert_eq!(
            json,
            serde_json::json!({"CORSConfiguration": {
                "CORSRule": {"AllowedOrigin": "*", "AllowedMethod": ["GET", "PUT"]},
                "ResponseVary": "false",
                "Empty": ""
            }})
        );
    }
}
