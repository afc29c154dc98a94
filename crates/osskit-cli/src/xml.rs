//! XML answers as JSON values (for `--output-format json|yaml` and for reading OSS's
//! documents the SDK has no model of yet).

use serde_json::Value;

/// An XML document as JSON: `{"Root": {...}}`, an element of text as a string, repeated
/// elements as an array, empty elements as "".
pub fn xml_to_json(doc: &[u8]) -> Result<serde_json::Value, String> {
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

/// The elements named `name` of `parent`: none, one or several.
pub fn children<'a>(parent: &'a Value, name: &str) -> Vec<&'a Value> {
    match parent.get(name) {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(v) => vec![v],
        None => Vec::new(),
    }
}

/// The text of element `name` of `parent`.
pub fn text<'a>(parent: &'a Value, name: &str) -> Option<&'a str> {
    parent.get(name).and_then(Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

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
