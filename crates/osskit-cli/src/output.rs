//! Printing results: lines for people, or JSON, YAML or XML (`--output-format`).
//!
//! Structured results are documents with OSS's element names (`Key`, `Size`,
//! `LastModified`, …). Lists are streamed: each entry is printed when it is known, so that a
//! listing of millions of objects does not collect them first.

use std::io::Write;

use serde_json::{Map, Value};

use crate::args::OutputFormat;
use crate::error::CliError;

/// Where results go and in which format.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    /// The format.
    pub format: OutputFormat,
    /// `--quiet`: no summaries or progress.
    pub quiet: bool,
}

fn write_out(text: &str) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|_| out.flush())
        .map_err(|e| CliError::io("cannot write to stdout", e))
}

impl Output {
    /// Whether results are lines for people.
    pub fn is_text(&self) -> bool {
        self.format == OutputFormat::Text
    }

    /// Prints a summary line (text format, not quiet).
    pub fn note(&self, text: impl AsRef<str>) -> Result<(), CliError> {
        if self.is_text() && !self.quiet {
            write_out(&format!("{}\n", text.as_ref()))?;
        }
        Ok(())
    }

    /// Prints one result: `text` in the text format, else `doc` under `root`.
    pub fn record(
        &self,
        root: &str,
        doc: Value,
        text: impl FnOnce() -> String,
    ) -> Result<(), CliError> {
        match self.format {
            OutputFormat::Text => {
                let t = text();
                if t.is_empty() {
                    Ok(())
                } else if t.ends_with('\n') {
                    write_out(&t)
                } else {
                    write_out(&format!("{t}\n"))
                }
            }
            f => write_out(&render(f, root, &doc)),
        }
    }

    /// Reports what a command did: like [`Output::record`], but `--quiet` leaves the text
    /// out.
    pub fn done(
        &self,
        root: &str,
        doc: Value,
        text: impl FnOnce() -> String,
    ) -> Result<(), CliError> {
        if self.quiet && self.is_text() {
            return Ok(());
        }
        self.record(root, doc, text)
    }

    /// Starts a streamed list of `item` elements under `root`.
    pub fn list(&self, root: &str, item: &str) -> Result<ListPrinter, CliError> {
        let p = ListPrinter {
            format: self.format,
            root: root.to_string(),
            item: item.to_string(),
            count: 0,
        };
        match self.format {
            OutputFormat::Text => {}
            OutputFormat::Json => write_out("{\n  \"Items\": [")?,
            OutputFormat::Yaml => write_out("Items:\n")?,
            OutputFormat::Xml => write_out(&format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<{}>\n",
                xml_name(root)
            ))?,
        }
        Ok(p)
    }
}

/// A list being printed.
#[derive(Debug)]
pub struct ListPrinter {
    format: OutputFormat,
    root: String,
    item: String,
    count: u64,
}

impl ListPrinter {
    /// Prints one entry: `text` in the text format, else `doc`.
    pub fn item(&mut self, doc: Value, text: impl FnOnce() -> String) -> Result<(), CliError> {
        self.count += 1;
        match self.format {
            OutputFormat::Text => write_out(&format!("{}\n", text())),
            OutputFormat::Json => {
                let body = serde_json::to_string_pretty(&doc).unwrap_or_default();
                let sep = if self.count == 1 { "\n" } else { ",\n" };
                write_out(&format!("{sep}{}", indent(&body, 4)))
            }
            OutputFormat::Yaml => {
                let mut body = String::new();
                yaml_value(&doc, 0, &mut body);
                write_out(&yaml_list_item(&body, 2))
            }
            OutputFormat::Xml => {
                let mut body = String::new();
                xml_element(&self.item, &doc, 1, &mut body);
                write_out(&body)
            }
        }
    }

    /// Ends the list with a summary: `text` in the text format, else `summary`.
    pub fn finish(self, summary: Value, text: impl FnOnce() -> String) -> Result<(), CliError> {
        match self.format {
            OutputFormat::Text => {
                let t = text();
                if t.is_empty() {
                    Ok(())
                } else {
                    write_out(&format!("{t}\n"))
                }
            }
            OutputFormat::Json => {
                let body = serde_json::to_string_pretty(&summary).unwrap_or_default();
                let close = if self.count == 0 { "]" } else { "\n  ]" };
                write_out(&format!(
                    "{close},\n  \"Summary\": {}\n}}\n",
                    indent(&body, 2).trim_start()
                ))
            }
            OutputFormat::Yaml => {
                let mut out = String::new();
                if self.count == 0 {
                    out.push_str("  []\n");
                }
                out.push_str("Summary:");
                let mut body = String::new();
                yaml_value(&summary, 1, &mut body);
                if !body.starts_with('\n') {
                    out.push(' ');
                }
                out.push_str(&body);
                out.push('\n');
                write_out(&out)
            }
            OutputFormat::Xml => {
                let mut body = String::new();
                xml_element("Summary", &summary, 1, &mut body);
                body.push_str(&format!("</{}>\n", xml_name(&self.root)));
                write_out(&body)
            }
        }
    }
}

fn indent(text: &str, n: usize) -> String {
    let pad = " ".repeat(n);
    text.lines()
        .map(|l| format!("{pad}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A document in `format` (JSON pretty-printed, YAML block style, XML with `root`).
pub fn render(format: OutputFormat, root: &str, doc: &Value) -> String {
    match format {
        OutputFormat::Json | OutputFormat::Text => {
            let mut s = serde_json::to_string_pretty(doc).unwrap_or_default();
            s.push('\n');
            s
        }
        OutputFormat::Yaml => {
            let mut s = String::new();
            yaml_value(doc, 0, &mut s);
            let s = s.trim_start_matches('\n').to_string();
            if s.ends_with('\n') {
                s
            } else {
                format!("{s}\n")
            }
        }
        OutputFormat::Xml => {
            let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
            match doc {
                // A document that already has one root element keeps it.
                Value::Object(m) if m.len() == 1 && root.is_empty() => {
                    if let Some((k, v)) = m.iter().next() {
                        xml_element(k, v, 0, &mut s);
                    }
                }
                _ => xml_element(root, doc, 0, &mut s),
            }
            s
        }
    }
}

// ----------------------------------------------------------------------------------------
// YAML

/// Whether a string can be written unquoted.
fn yaml_plain(s: &str) -> bool {
    if s.is_empty() || s.trim() != s {
        return false;
    }
    let lower = s.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "~" | "y" | "n"
    ) {
        return false;
    }
    if s.parse::<f64>().is_ok() || s.starts_with(|c: char| "-?:,[]{}#&*!|>'\"%@`".contains(c)) {
        return false;
    }
    !s.contains(": ")
        && !s.contains(" #")
        && !s.ends_with(':')
        && s.chars().all(|c| !c.is_control())
}

fn yaml_scalar(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) if yaml_plain(s) => s.clone(),
        // JSON strings are valid YAML double-quoted scalars.
        Value::String(s) => serde_json::to_string(s).unwrap_or_default(),
        Value::Array(a) if a.is_empty() => "[]".into(),
        Value::Object(m) if m.is_empty() => "{}".into(),
        _ => String::new(),
    }
}

fn yaml_key(k: &str) -> String {
    if yaml_plain(k) {
        k.to_string()
    } else {
        serde_json::to_string(k).unwrap_or_default()
    }
}

/// Writes `v` at `level` of indentation: scalars inline (after a space); mappings and
/// sequences on the next lines.
fn yaml_value(v: &Value, level: usize, out: &mut String) {
    let pad = "  ".repeat(level);
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, child) in m {
                out.push('\n');
                out.push_str(&pad);
                out.push_str(&yaml_key(k));
                out.push(':');
                let mut body = String::new();
                yaml_value(child, level + 1, &mut body);
                if !body.starts_with('\n') {
                    out.push(' ');
                }
                out.push_str(&body);
            }
        }
        Value::Array(a) if !a.is_empty() => {
            for child in a {
                let mut body = String::new();
                yaml_value(child, 0, &mut body);
                out.push('\n');
                out.push_str(yaml_list_item(&body, level * 2).trim_end_matches('\n'));
            }
        }
        scalar => out.push_str(&yaml_scalar(scalar)),
    }
}

/// `body` (a value rendered at level 0) as an item `- …` indented by `pad` spaces.
fn yaml_list_item(body: &str, pad: usize) -> String {
    let prefix = " ".repeat(pad);
    let trimmed = body.trim_start_matches('\n');
    let mut out = String::new();
    for (i, line) in trimmed.lines().enumerate() {
        if i == 0 {
            out.push_str(&format!("{prefix}- {line}\n"));
        } else {
            out.push_str(&format!("{prefix}  {line}\n"));
        }
    }
    if trimmed.is_empty() {
        out.push_str(&format!("{prefix}- \"\"\n"));
    }
    out
}

// ----------------------------------------------------------------------------------------
// XML

/// An element name from a key: characters XML names cannot hold become `_`.
fn xml_name(k: &str) -> String {
    let mut out: String = k
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '_' | '-' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '.') {
        out.insert(0, '_');
    }
    out
}

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {
                out.push_str(&format!("&#x{:x};", c as u32))
            }
            c => out.push(c),
        }
    }
    out
}

/// Writes `<name>…</name>`: arrays as repeated elements of the same name.
fn xml_element(name: &str, v: &Value, level: usize, out: &mut String) {
    let pad = "  ".repeat(level);
    let tag = xml_name(name);
    match v {
        Value::Array(items) => {
            for item in items {
                xml_element(name, item, level, out);
            }
        }
        Value::Object(m) => {
            if m.is_empty() {
                out.push_str(&format!("{pad}<{tag}/>\n"));
                return;
            }
            out.push_str(&format!("{pad}<{tag}>\n"));
            for (k, child) in m {
                xml_element(k, child, level + 1, out);
            }
            out.push_str(&format!("{pad}</{tag}>\n"));
        }
        Value::Null => out.push_str(&format!("{pad}<{tag}/>\n")),
        Value::String(s) => out.push_str(&format!("{pad}<{tag}>{}</{tag}>\n", xml_escape(s))),
        other => out.push_str(&format!("{pad}<{tag}>{other}</{tag}>\n")),
    }
}

/// An object from pairs, leaving out `None`s.
pub fn doc<I, K>(pairs: I) -> Value
where
    I: IntoIterator<Item = (K, Option<Value>)>,
    K: Into<String>,
{
    let mut m = Map::new();
    for (k, v) in pairs {
        if let Some(v) = v {
            m.insert(k.into(), v);
        }
    }
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn yaml_documents() {
        let v = json!({
            "Name": "b", "Size": 10, "Plain": "a/b.txt", "Colon": "a: b", "Yes": "yes",
            "Num": "123", "Empty": "", "List": ["x", {"K": 1}], "Nested": {"A": true},
            "None": [], "Unicode": "é"
        });
        let y = render(OutputFormat::Yaml, "R", &v);
        assert!(y.contains("Name: b\n"), "{y}");
        assert!(y.contains("Size: 10\n"), "{y}");
        assert!(y.contains("Plain: a/b.txt\n"), "{y}");
        assert!(y.contains("Colon: \"a: b\"\n"), "{y}");
        assert!(y.contains("\"Yes\": \"yes\"\n"), "{y}");
        assert!(y.contains("Num: \"123\"\n"), "{y}");
        assert!(y.contains("Empty: \"\"\n"), "{y}");
        assert!(y.contains("List:\n  - x\n  - K: 1\n"), "{y}");
        assert!(y.contains("Nested:\n  A: true\n"), "{y}");
        assert!(y.contains("None: []\n"), "{y}");
        assert!(y.contains("Unicode: é\n"), "{y}");
    }

    #[test]
    fn xml_documents() {
        let v = json!({"Key": "a<b&c", "Tags": ["x", "y"], "Meta": {"k 1": "v"}, "N": 3});
        let x = render(OutputFormat::Xml, "Object", &v);
        assert!(x.starts_with("<?xml"), "{x}");
        assert!(x.contains("<Object>\n  <Key>a&lt;b&amp;c</Key>"), "{x}");
        assert!(x.contains("<Tags>x</Tags>\n  <Tags>y</Tags>"), "{x}");
        assert!(x.contains("<k_1>v</k_1>"), "{x}");
        assert!(x.contains("<N>3</N>"), "{x}");
        assert!(x.trim_end().ends_with("</Object>"), "{x}");
        // A document of one root keeps its root when none is given.
        let x = render(OutputFormat::Xml, "", &json!({"Root": {"A": "1"}}));
        assert!(x.contains("<Root>\n  <A>1</A>\n</Root>"), "{x}");
    }

    #[test]
    fn yaml_list_items() {
        let mut body = String::new();
        yaml_value(&json!({"Key": "a", "Size": 1}), 0, &mut body);
        assert_eq!(yaml_list_item(&body, 2), "  - Key: a\n    Size: 1\n");
    }
}
