//! Access policies: bucket policies and access point policies (`PutBucketPolicy`,
//! `PutAccessPointPolicy`), and the RAM policies of users, as OSS reads them — JSON with a
//! `Version` of `"1"` and statements of `Effect`, `Action`, `Principal`, `Resource` and
//! `Condition` — with OSS's validation and the evaluation a request goes through.
//!
//! ```
//! use osskit_proto::policy::{Decision, Policy, Request};
//!
//! let policy = Policy::parse(br#"{
//!   "Version": "1",
//!   "Statement": [{
//!     "Effect": "Allow",
//!     "Action": ["oss:GetObject"],
//!     "Principal": ["*"],
//!     "Resource": ["acs:oss:*:*:photos/public/*"],
//!     "Condition": {"IpAddress": {"acs:SourceIp": ["10.0.0.0/8"]}}
//!   }]
//! }"#).unwrap();
//!
//! let mut req = Request::new("oss:GetObject", "acs:oss:cn-hangzhou:1000:photos/public/cat.jpg");
//! req.context("acs:SourceIp", "10.1.2.3");
//! assert_eq!(policy.evaluate(&req), Decision::Allow);
//! req.context("acs:SourceIp", "192.168.0.1");
//! assert_eq!(policy.evaluate(&req), Decision::NotApplicable);
//! // Restricted to one network range, the statement does not make the bucket public.
//! assert!(!policy.is_public());
//! ```
//!
//! Supported, as OSS does: `Allow`/`Deny` (an explicit deny wins), `Principal` (`*`, account
//! and RAM user ids, `arn:sts::UID:assumed-role/ROLE/SESSION` and `acs:ram::UID:…` names,
//! with `*` and `?` wildcards; an empty list means everyone), `Action`/`NotAction` with
//! wildcards (compared ignoring case), `Resource`/`NotResource` patterns
//! (`acs:oss:REGION:UID:bucket/key*`), and `Condition` operators `String*`, `Numeric*`,
//! `Date*`, `Bool`, `IpAddress`/`NotIpAddress` (IPv4 and IPv6 CIDRs), each with the
//! `…IfExists` form. Keys are compared ignoring case; a key the request does not have
//! makes positive operators false and negated ones true.

use std::collections::BTreeMap;
use std::net::IpAddr;

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use serde_json::Value;

/// Largest bucket policy OSS accepts, in bytes.
pub const MAX_POLICY_SIZE: usize = 16 * 1024;
/// Largest single value (a statement, an action, a resource…) in a policy, in bytes.
pub const MAX_ITEM_SIZE: usize = 4095;

/// Why a policy document was refused: OSS's EC and a message naming the problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct PolicyError {
    /// OSS's EC for this kind of problem (`0030-00000005` …).
    pub ec: &'static str,
    /// What is wrong.
    pub message: String,
}

/// EC of a document larger than [`MAX_POLICY_SIZE`].
pub const EC_TOO_LARGE: &str = "0030-00000001";
/// EC of a `Version` other than `"1"`.
pub const EC_VERSION: &str = "0030-00000002";
/// EC of a value larger than [`MAX_ITEM_SIZE`].
pub const EC_ITEM_TOO_LARGE: &str = "0030-00000003";
/// EC of a document that breaks the policy syntax.
pub const EC_SYNTAX: &str = "0030-00000005";
/// EC of consecutive `*` wildcards.
pub const EC_WILDCARDS: &str = "0030-00000007";

fn syntax(message: impl Into<String>) -> PolicyError {
    PolicyError {
        ec: EC_SYNTAX,
        message: message.into(),
    }
}

/// `Allow` or `Deny`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Effect {
    /// The statement grants.
    Allow,
    /// The statement denies (and wins over any grant).
    Deny,
}

/// What the statements of a policy say about one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// A `Deny` statement applies.
    Deny,
    /// An `Allow` statement applies and no `Deny` does.
    Allow,
    /// No statement applies (an implicit deny, unless something else grants).
    NotApplicable,
}

/// A policy document.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Policy {
    /// `Version` (always `"1"`).
    pub version: String,
    /// The statements.
    pub statements: Vec<Statement>,
}

/// One statement of a policy.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Statement {
    /// `Sid`, when given.
    pub sid: Option<String>,
    /// `Effect`.
    pub effect: Effect,
    /// `Action` patterns (`oss:GetObject`, `oss:Get*`, `oss:*`).
    pub actions: Vec<String>,
    /// `NotAction` patterns: the statement covers every other action.
    pub not_actions: Vec<String>,
    /// `Principal`: `None` when absent (as in RAM policies); `Some([])` means everyone.
    pub principals: Option<Vec<String>>,
    /// `Resource` patterns.
    pub resources: Vec<String>,
    /// `NotResource` patterns: the statement covers every other resource.
    pub not_resources: Vec<String>,
    /// `Condition`: operator → key → values (several values of one key: any may match;
    /// several keys or operators: all must match).
    pub conditions: Vec<Condition>,
}

/// One `operator: {key: [values]}` test of a statement's `Condition`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Condition {
    /// The operator as written (`StringLike`, `IpAddress`, `BoolIfExists`, …).
    pub operator: String,
    /// The key as written (`acs:SourceIp`).
    pub key: String,
    /// The values (booleans and numbers are kept as their text).
    pub values: Vec<String>,
}

/// A request as policies see it: who, what action on which resource, and the condition
/// keys it carries.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Request {
    /// The names the requester is known by (account id, RAM user id, role session ARN…);
    /// empty for an anonymous request.
    pub principals: Vec<String>,
    /// The RAM action, e.g. `oss:GetObject`.
    pub action: String,
    /// The resource ARN, e.g. `acs:oss:cn-hangzhou:1000:bucket/key`.
    pub resource: String,
    /// Condition keys, lower case → values.
    pub keys: BTreeMap<String, Vec<String>>,
    /// Whether the requester is the resource owner: statements whose principal is `*`
    /// (or empty) and that carry no condition do not apply to the owner.
    pub is_owner: bool,
    /// Skip the statements that make a resource public ([`Statement::is_public`]), as a
    /// public access block requires.
    pub ignore_public: bool,
}

impl Request {
    /// A request for `action` on `resource` by nobody in particular.
    pub fn new(action: impl Into<String>, resource: impl Into<String>) -> Self {
        Request {
            action: action.into(),
            resource: resource.into(),
            ..Request::default()
        }
    }

    /// Sets the condition key `key` (replacing its values) to one value.
    pub fn context(&mut self, key: &str, value: impl Into<String>) -> &mut Self {
        self.keys
            .insert(key.to_ascii_lowercase(), vec![value.into()]);
        self
    }
}

impl Policy {
    /// A policy of `statements`, version `"1"`.
    pub fn new(statements: Vec<Statement>) -> Self {
        Policy {
            version: "1".to_string(),
            statements,
        }
    }

    /// Parses and validates a document as OSS does when it is put: JSON, at most
    /// [`MAX_POLICY_SIZE`] bytes, `Version` `"1"`, at least one statement, each with an
    /// `Effect`, an `Action` (or `NotAction`), a `Resource` (or `NotResource`), known
    /// condition operators, no value over [`MAX_ITEM_SIZE`] bytes and no `**`.
    pub fn parse(doc: &[u8]) -> Result<Policy, PolicyError> {
        if doc.len() > MAX_POLICY_SIZE {
            return Err(PolicyError {
                ec: EC_TOO_LARGE,
                message: format!(
                    "The policy is {} bytes; it must be smaller than 16 KB.",
                    doc.len()
                ),
            });
        }
        let text = std::str::from_utf8(doc).map_err(|_| syntax("The policy is not UTF-8."))?;
        let value: Value = serde_json::from_str(text)
            .map_err(|e| syntax(format!("The policy is not valid JSON: {e}")))?;
        let Value::Object(root) = value else {
            return Err(syntax("The policy must be a JSON object."));
        };
        let version = match root.get("Version") {
            Some(Value::String(v)) if v == "1" => v.clone(),
            Some(Value::String(v)) => {
                return Err(PolicyError {
                    ec: EC_VERSION,
                    message: format!("The policy Version must be \"1\", not {v:?}."),
                })
            }
            Some(other) => {
                return Err(syntax(format!(
                    "The policy Version must be the string \"1\", not {other}."
                )))
            }
            None => return Err(syntax("The policy has no Version.")),
        };
        for key in root.keys() {
            if key != "Version" && key != "Statement" {
                return Err(syntax(format!("Unknown policy element {key:?}.")));
            }
        }
        let statements = match root.get("Statement") {
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, s)| statement(i, s))
                .collect::<Result<Vec<_>, _>>()?,
            Some(single @ Value::Object(_)) => vec![statement(0, single)?],
            _ => return Err(syntax("The policy has no Statement list.")),
        };
        if statements.is_empty() {
            return Err(syntax("The policy Statement list is empty."));
        }
        Ok(Policy {
            version,
            statements,
        })
    }

    /// What the policy says about `req`: [`Decision::Deny`] if any applicable statement
    /// denies, else [`Decision::Allow`] if one allows, else [`Decision::NotApplicable`].
    pub fn evaluate(&self, req: &Request) -> Decision {
        let mut allowed = false;
        for s in &self.statements {
            if !s.applies(req) {
                continue;
            }
            match s.effect {
                Effect::Deny => return Decision::Deny,
                Effect::Allow => allowed = true,
            }
        }
        if allowed {
            Decision::Allow
        } else {
            Decision::NotApplicable
        }
    }

    /// Whether a statement grants public access ([`Statement::is_public`]).
    pub fn is_public(&self) -> bool {
        self.statements.iter().any(Statement::is_public)
    }

    /// The document as JSON text (statements' lists written as arrays).
    pub fn to_json(&self) -> String {
        // Serialising maps of strings cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

impl Serialize for Policy {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("Version", &self.version)?;
        m.serialize_entry("Statement", &self.statements)?;
        m.end()
    }
}

impl Serialize for Statement {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        if let Some(sid) = &self.sid {
            m.serialize_entry("Sid", sid)?;
        }
        m.serialize_entry("Effect", &self.effect)?;
        if !self.actions.is_empty() {
            m.serialize_entry("Action", &self.actions)?;
        }
        if !self.not_actions.is_empty() {
            m.serialize_entry("NotAction", &self.not_actions)?;
        }
        if let Some(p) = &self.principals {
            m.serialize_entry("Principal", p)?;
        }
        if !self.resources.is_empty() {
            m.serialize_entry("Resource", &self.resources)?;
        }
        if !self.not_resources.is_empty() {
            m.serialize_entry("NotResource", &self.not_resources)?;
        }
        if !self.conditions.is_empty() {
            let mut by_op: BTreeMap<&str, BTreeMap<&str, &Vec<String>>> = BTreeMap::new();
            for c in &self.conditions {
                by_op
                    .entry(c.operator.as_str())
                    .or_default()
                    .insert(c.key.as_str(), &c.values);
            }
            m.serialize_entry("Condition", &by_op)?;
        }
        m.end()
    }
}

impl crate::xml::Document for Policy {
    const CONTENT_TYPE: &'static str = "application/json";
    const ROOT: &'static str = "";

    fn to_document(&self) -> Result<String, crate::xml::XmlError> {
        Ok(self.to_json())
    }

    fn from_document(body: &[u8]) -> Result<Self, crate::xml::XmlError> {
        Policy::parse(body).map_err(|e| crate::xml::XmlError(e.message))
    }
}

/// Checks the size and wildcards of one value.
fn check_item(what: &str, v: &str) -> Result<(), PolicyError> {
    if v.len() > MAX_ITEM_SIZE {
        return Err(PolicyError {
            ec: EC_ITEM_TOO_LARGE,
            message: format!("A {what} of the policy is longer than 4095 bytes."),
        });
    }
    if v.contains("**") {
        return Err(PolicyError {
            ec: EC_WILDCARDS,
            message: format!("The {what} {v:?} has consecutive wildcards (**)."),
        });
    }
    Ok(())
}

/// A string or a list of strings.
fn strings(i: usize, what: &str, v: &Value) -> Result<Vec<String>, PolicyError> {
    let items: Vec<&Value> = match v {
        Value::Array(a) => a.iter().collect(),
        other => vec![other],
    };
    items
        .into_iter()
        .map(|item| match item {
            Value::String(s) => {
                check_item(what, s)?;
                Ok(s.clone())
            }
            other => Err(syntax(format!(
                "Statement {i}: {what} must be a string or a list of strings, not {other}."
            ))),
        })
        .collect()
}

fn statement(i: usize, v: &Value) -> Result<Statement, PolicyError> {
    let Value::Object(map) = v else {
        return Err(syntax(format!("Statement {i} is not a JSON object.")));
    };
    if let Ok(text) = serde_json::to_string(v) {
        if text.len() > MAX_ITEM_SIZE {
            return Err(PolicyError {
                ec: EC_ITEM_TOO_LARGE,
                message: format!("Statement {i} is longer than 4095 bytes."),
            });
        }
    }
    for key in map.keys() {
        if !matches!(
            key.as_str(),
            "Sid"
                | "Effect"
                | "Action"
                | "NotAction"
                | "Principal"
                | "Resource"
                | "NotResource"
                | "Condition"
        ) {
            return Err(syntax(format!("Statement {i}: unknown element {key:?}.")));
        }
    }
    let sid = match map.get("Sid") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => {
            return Err(syntax(format!(
                "Statement {i}: Sid must be a string, not {other}."
            )))
        }
    };
    let effect = match map.get("Effect") {
        Some(Value::String(e)) if e.trim().eq_ignore_ascii_case("allow") => Effect::Allow,
        Some(Value::String(e)) if e.trim().eq_ignore_ascii_case("deny") => Effect::Deny,
        Some(other) => {
            return Err(syntax(format!(
                "Statement {i}: Effect must be \"Allow\" or \"Deny\", not {other}."
            )))
        }
        None => return Err(syntax(format!("Statement {i} has no Effect."))),
    };
    let list = |name: &str| -> Result<Vec<String>, PolicyError> {
        match map.get(name) {
            Some(v) => strings(i, name, v),
            None => Ok(Vec::new()),
        }
    };
    let actions = list("Action")?;
    let not_actions = list("NotAction")?;
    if actions.is_empty() && not_actions.is_empty() {
        return Err(syntax(format!("Statement {i} has no Action.")));
    }
    for a in actions.iter().chain(&not_actions) {
        let valid = a == "*"
            || a.split_once(':')
                .is_some_and(|(service, name)| !service.is_empty() && !name.is_empty());
        if !valid {
            return Err(syntax(format!(
                "Statement {i}: the action {a:?} is not of the form oss:ActionName."
            )));
        }
    }
    let principals = match map.get("Principal") {
        None => None,
        Some(Value::Object(o)) => {
            // {"RAM": [...]} / {"*": ...}: read the values of every entry.
            let mut all = Vec::new();
            for v in o.values() {
                all.extend(strings(i, "Principal", v)?);
            }
            Some(all)
        }
        Some(v) => Some(strings(i, "Principal", v)?),
    };
    let resources = list("Resource")?;
    let not_resources = list("NotResource")?;
    if resources.is_empty() && not_resources.is_empty() {
        return Err(syntax(format!("Statement {i} has no Resource.")));
    }
    for r in resources.iter().chain(&not_resources) {
        if r != "*" && !r.starts_with("acs:") {
            return Err(syntax(format!(
                "Statement {i}: the resource {r:?} is not of the form acs:oss:*:*:bucket/key."
            )));
        }
    }
    let mut conditions = Vec::new();
    match map.get("Condition") {
        None => {}
        Some(Value::Object(ops)) => {
            for (op, keys) in ops {
                if Operator::parse(op).is_none() {
                    return Err(syntax(format!(
                        "Statement {i}: unknown condition operator {op:?}."
                    )));
                }
                let Value::Object(keys) = keys else {
                    return Err(syntax(format!(
                        "Statement {i}: the condition {op:?} must map keys to values."
                    )));
                };
                for (key, values) in keys {
                    let items: Vec<&Value> = match values {
                        Value::Array(a) => a.iter().collect(),
                        other => vec![other],
                    };
                    let mut out = Vec::new();
                    for item in items {
                        let text = match item {
                            Value::String(s) => s.clone(),
                            Value::Bool(b) => b.to_string(),
                            Value::Number(n) => n.to_string(),
                            other => {
                                return Err(syntax(format!(
                                    "Statement {i}: the value {other} of condition key {key:?} is not a string, number or boolean."
                                )))
                            }
                        };
                        check_item("condition value", &text)?;
                        out.push(text);
                    }
                    conditions.push(Condition {
                        operator: op.clone(),
                        key: key.clone(),
                        values: out,
                    });
                }
            }
        }
        Some(other) => {
            return Err(syntax(format!(
                "Statement {i}: Condition must be an object, not {other}."
            )))
        }
    }
    Ok(Statement {
        sid,
        effect,
        actions,
        not_actions,
        principals,
        resources,
        not_resources,
        conditions,
    })
}

impl Statement {
    /// A statement with `effect` on `actions` and `resources` (no principal, no condition).
    pub fn new<A, R>(effect: Effect, actions: A, resources: R) -> Self
    where
        A: IntoIterator,
        A::Item: Into<String>,
        R: IntoIterator,
        R::Item: Into<String>,
    {
        Statement {
            sid: None,
            effect,
            actions: actions.into_iter().map(Into::into).collect(),
            not_actions: Vec::new(),
            principals: None,
            resources: resources.into_iter().map(Into::into).collect(),
            not_resources: Vec::new(),
            conditions: Vec::new(),
        }
    }

    /// Sets the principals.
    pub fn principals<P: IntoIterator>(mut self, principals: P) -> Self
    where
        P::Item: Into<String>,
    {
        self.principals = Some(principals.into_iter().map(Into::into).collect());
        self
    }

    /// Adds a condition `operator: {key: values}`.
    pub fn condition<V: IntoIterator>(mut self, operator: &str, key: &str, values: V) -> Self
    where
        V::Item: Into<String>,
    {
        self.conditions.push(Condition {
            operator: operator.to_string(),
            key: key.to_string(),
            values: values.into_iter().map(Into::into).collect(),
        });
        self
    }

    /// Whether the principal is everyone: `*`, an empty list, or absent.
    fn everyone(&self) -> bool {
        match &self.principals {
            None => true,
            Some(p) => p.is_empty() || p.iter().any(|p| p == "*"),
        }
    }

    /// Whether the statement grants public access: an `Allow` whose principal is everyone
    /// and whose conditions do not restrict the requester to fixed networks or identities
    /// (`acs:SourceIp` ranges other than `0.0.0.0/0`, `acs:SourceVpc`, `acs:AccessId`,
    /// `acs:SourceVpce`).
    pub fn is_public(&self) -> bool {
        if self.effect != Effect::Allow || !self.everyone() {
            return false;
        }
        !self.conditions.iter().any(|c| {
            let key = c.key.to_ascii_lowercase();
            let positive = Operator::parse(&c.operator).is_some_and(|o| !o.negated);
            positive
                && match key.as_str() {
                    "acs:sourceip" => !c
                        .values
                        .iter()
                        .any(|v| v.trim() == "0.0.0.0/0" || v.trim() == "::/0"),
                    "acs:sourcevpc" | "acs:accessid" | "acs:sourcevpce" => {
                        !c.values.iter().any(|v| v.contains('*'))
                    }
                    _ => false,
                }
        })
    }

    /// Whether the statement applies to `req`: principal, action, resource and every
    /// condition match.
    pub fn applies(&self, req: &Request) -> bool {
        if req.ignore_public && self.is_public() {
            return false;
        }
        if req.is_owner && self.everyone() && self.conditions.is_empty() {
            return false;
        }
        let principal_ok = match &self.principals {
            // RAM policies name no principal: they belong to the requester.
            None => true,
            Some(list) if list.is_empty() => true,
            Some(list) => list.iter().any(|p| {
                p == "*"
                    || req
                        .principals
                        .iter()
                        .any(|who| wildcard_match(p, who, false))
            }),
        };
        if !principal_ok {
            return false;
        }
        let action_ok = if self.actions.is_empty() {
            !self
                .not_actions
                .iter()
                .any(|a| wildcard_match(a, &req.action, true))
        } else {
            self.actions
                .iter()
                .any(|a| wildcard_match(a, &req.action, true))
        };
        if !action_ok {
            return false;
        }
        let resource_ok = if self.resources.is_empty() {
            !self
                .not_resources
                .iter()
                .any(|r| wildcard_match(r, &req.resource, false))
        } else {
            self.resources
                .iter()
                .any(|r| wildcard_match(r, &req.resource, false))
        };
        resource_ok
            && self
                .conditions
                .iter()
                .all(|c| c.holds(req.keys.get(&c.key.to_ascii_lowercase())))
    }
}

/// A condition operator, split into its family and its modifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Operator {
    kind: Kind,
    negated: bool,
    if_exists: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    StringEquals,
    StringEqualsIgnoreCase,
    StringLike,
    NumericEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    IpAddress,
}

impl Operator {
    fn parse(name: &str) -> Option<Operator> {
        let (base, if_exists) = match name.strip_suffix("IfExists") {
            Some(b) => (b, true),
            None => (name, false),
        };
        let (kind, negated) = match base {
            "StringEquals" => (Kind::StringEquals, false),
            "StringNotEquals" => (Kind::StringEquals, true),
            "StringEqualsIgnoreCase" => (Kind::StringEqualsIgnoreCase, false),
            "StringNotEqualsIgnoreCase" => (Kind::StringEqualsIgnoreCase, true),
            "StringLike" => (Kind::StringLike, false),
            "StringNotLike" => (Kind::StringLike, true),
            "NumericEquals" => (Kind::NumericEquals, false),
            "NumericNotEquals" => (Kind::NumericEquals, true),
            "NumericLessThan" => (Kind::NumericLessThan, false),
            "NumericLessThanEquals" => (Kind::NumericLessThanEquals, false),
            "NumericGreaterThan" => (Kind::NumericGreaterThan, false),
            "NumericGreaterThanEquals" => (Kind::NumericGreaterThanEquals, false),
            "DateEquals" => (Kind::DateEquals, false),
            "DateNotEquals" => (Kind::DateEquals, true),
            "DateLessThan" => (Kind::DateLessThan, false),
            "DateLessThanEquals" => (Kind::DateLessThanEquals, false),
            "DateGreaterThan" => (Kind::DateGreaterThan, false),
            "DateGreaterThanEquals" => (Kind::DateGreaterThanEquals, false),
            "Bool" => (Kind::Bool, false),
            "IpAddress" => (Kind::IpAddress, false),
            "NotIpAddress" => (Kind::IpAddress, true),
            _ => return None,
        };
        Some(Operator {
            kind,
            negated,
            if_exists,
        })
    }
}

impl Condition {
    /// Whether the condition holds for the request's values of its key (`None` when the
    /// request does not have the key).
    pub fn holds(&self, actual: Option<&Vec<String>>) -> bool {
        let Some(op) = Operator::parse(&self.operator) else {
            return false;
        };
        let Some(actual) = actual.filter(|a| !a.is_empty()) else {
            return op.if_exists || op.negated;
        };
        let any = actual
            .iter()
            .any(|a| self.values.iter().any(|want| op.kind.matches(want, a)));
        any != op.negated
    }
}

impl Kind {
    fn matches(self, want: &str, actual: &str) -> bool {
        let num = |s: &str| s.trim().parse::<f64>().ok();
        let date = |s: &str| {
            // `2030-01-01T00:00:00Z`, with or without fractional seconds.
            let s = s.trim();
            let base = s.strip_suffix('Z')?;
            let base = base.split_once('.').map_or(base, |(b, _)| b);
            crate::date::iso8601_to_unixtime(&format!("{base}.000Z")).ok()
        };
        match self {
            Kind::StringEquals => want == actual,
            Kind::StringEqualsIgnoreCase => want.eq_ignore_ascii_case(actual),
            Kind::StringLike => wildcard_match(want, actual, false),
            Kind::Bool => want.trim().eq_ignore_ascii_case(actual.trim()),
            Kind::IpAddress => ip_in(want, actual),
            Kind::NumericEquals
            | Kind::NumericLessThan
            | Kind::NumericLessThanEquals
            | Kind::NumericGreaterThan
            | Kind::NumericGreaterThanEquals => match (num(actual), num(want)) {
                (Some(a), Some(w)) => compare(self, a, w),
                _ => false,
            },
            Kind::DateEquals
            | Kind::DateLessThan
            | Kind::DateLessThanEquals
            | Kind::DateGreaterThan
            | Kind::DateGreaterThanEquals => match (date(actual), date(want)) {
                (Some(a), Some(w)) => compare(self, a as f64, w as f64),
                _ => false,
            },
        }
    }
}

fn compare(kind: Kind, a: f64, w: f64) -> bool {
    match kind {
        Kind::NumericEquals | Kind::DateEquals => a == w,
        Kind::NumericLessThan | Kind::DateLessThan => a < w,
        Kind::NumericLessThanEquals | Kind::DateLessThanEquals => a <= w,
        Kind::NumericGreaterThan | Kind::DateGreaterThan => a > w,
        _ => a >= w,
    }
}

/// Whether `ip` lies in `cidr` (`10.0.0.0/8`, `2001:db8::/32`, or one address).
pub fn ip_in(cidr: &str, ip: &str) -> bool {
    let Ok(ip) = ip.trim().parse::<IpAddr>() else {
        return false;
    };
    let (net, bits) = match cidr.trim().split_once('/') {
        Some((n, b)) => match b.parse::<u32>() {
            Ok(b) => (n, Some(b)),
            Err(_) => return false,
        },
        None => (cidr.trim(), None),
    };
    let Ok(net) = net.parse::<IpAddr>() else {
        return false;
    };
    let ip = match (ip, net) {
        // An IPv4 client seen through an IPv6 socket.
        (IpAddr::V6(v6), IpAddr::V4(_)) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => return false,
        },
        (ip, _) => ip,
    };
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let bits = bits.unwrap_or(32).min(32);
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits)
            };
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let bits = bits.unwrap_or(128).min(128);
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - bits)
            };
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

/// Matches `text` against `pattern`, where `*` stands for any run of characters and `?` for
/// one character; `ignore_case` compares ASCII letters ignoring case.
pub fn wildcard_match(pattern: &str, text: &str, ignore_case: bool) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let eq = |a: char, b: char| {
        if ignore_case {
            a.eq_ignore_ascii_case(&b)
        } else {
            a == b
        }
    };
    // Iterative matching with backtracking to the last `*`: O(len(p) × len(t)) at worst.
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || (p[pi] != '*' && eq(p[pi], t[ti]))) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// The resource name of a bucket (`key` empty) or of an object, as policies name them.
///
/// ```
/// use osskit_proto::policy::resource;
/// assert_eq!(resource("cn-hangzhou", "1000", "b", ""), "acs:oss:cn-hangzhou:1000:b");
/// assert_eq!(resource("cn-hangzhou", "1000", "b", "k/1"), "acs:oss:cn-hangzhou:1000:b/k/1");
/// ```
pub fn resource(region: &str, account: &str, bucket: &str, key: &str) -> String {
    if key.is_empty() {
        format!("acs:oss:{region}:{account}:{bucket}")
    } else {
        format!("acs:oss:{region}:{account}:{bucket}/{key}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allow_get(extra: &str) -> Policy {
        Policy::parse(
            format!(
                r#"{{"Version":"1","Statement":[{{"Effect":"Allow","Action":["oss:GetObject"],
                "Principal":["*"],"Resource":["acs:oss:*:*:b/*"]{extra}}}]}}"#
            )
            .as_bytes(),
        )
        .unwrap()
    }

    fn get(key: &str) -> Request {
        Request::new("oss:GetObject", format!("acs:oss:cn-hangzhou:1000:b/{key}"))
    }

    #[test]
    fn wildcards() {
        assert!(wildcard_match(
            "acs:oss:*:*:b/*",
            "acs:oss:r:1:b/x/y",
            false
        ));
        assert!(!wildcard_match("acs:oss:*:*:b/*", "acs:oss:r:1:c/x", false));
        assert!(wildcard_match("oss:Get*", "oss:getobject", true));
        assert!(!wildcard_match("oss:Get*", "oss:getobject", false));
        assert!(wildcard_match("a?c", "abc", false));
        assert!(!wildcard_match("a?c", "ac", false));
        assert!(wildcard_match("*", "", false));
        assert!(wildcard_match("*a*b", "xxaxxb", false));
        assert!(!wildcard_match("*a*b", "xxaxxbc", false));
    }

    #[test]
    fn cidrs() {
        assert!(ip_in("10.0.0.0/8", "10.255.1.2"));
        assert!(!ip_in("10.0.0.0/8", "11.0.0.1"));
        assert!(ip_in("127.0.0.1", "127.0.0.1"));
        assert!(ip_in("0.0.0.0/0", "8.8.8.8"));
        assert!(ip_in("2001:db8::/32", "2001:db8::1"));
        assert!(ip_in("127.0.0.0/8", "::ffff:127.0.0.1"));
        assert!(!ip_in("10.0.0.0/x", "10.0.0.1"));
        assert!(!ip_in("10.0.0.0/8", "not an ip"));
    }

    #[test]
    fn validation_follows_oss() {
        let err = |doc: &str| Policy::parse(doc.as_bytes()).unwrap_err();
        assert_eq!(err("not json").ec, EC_SYNTAX);
        assert_eq!(err(r#"{"Version":"2","Statement":[]}"#).ec, EC_VERSION);
        assert_eq!(err(r#"{"Version":1,"Statement":[]}"#).ec, EC_SYNTAX);
        assert_eq!(err(r#"{"Version":"1","Statement":[]}"#).ec, EC_SYNTAX);
        assert_eq!(
            err(r#"{"Version":"1","Statement":[{"Effect":"Maybe","Action":["oss:*"],"Resource":["*"]}]}"#).ec,
            EC_SYNTAX
        );
        assert_eq!(
            err(r#"{"Version":"1","Statement":[{"Effect":"Allow","Resource":["*"]}]}"#).ec,
            EC_SYNTAX
        );
        assert_eq!(
            err(r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:*"}]}"#).ec,
            EC_SYNTAX
        );
        assert_eq!(
            err(r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:*","Resource":"acs:oss:*:**:b/*"}]}"#).ec,
            EC_WILDCARDS
        );
        assert_eq!(
            err(r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:*","Resource":"*","Condition":{"Sometimes":{"acs:SourceIp":"1.2.3.4"}}}]}"#).ec,
            EC_SYNTAX
        );
        let big = format!(
            r#"{{"Version":"1","Statement":[{{"Effect":"Allow","Action":"oss:*","Resource":"acs:oss:*:*:{}"}}]}}"#,
            "a".repeat(5000)
        );
        assert_eq!(err(&big).ec, EC_ITEM_TOO_LARGE);
        let huge = format!(
            "{{\"Version\":\"1\",\"x\":\"{}\"}}",
            "a".repeat(MAX_POLICY_SIZE)
        );
        assert_eq!(err(&huge).ec, EC_TOO_LARGE);
        // Strings where lists are expected, and no principal (as oss2's tests send), are fine.
        let p = Policy::parse(
            br#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:PutObject","Resource":"acs:oss:*:*:*/*"}]}"#,
        )
        .unwrap();
        assert_eq!(p.statements[0].actions, ["oss:PutObject"]);
        assert_eq!(p.statements[0].principals, None);
    }

    #[test]
    fn deny_wins_and_nothing_is_implicit() {
        let p = Policy::new(vec![
            Statement::new(Effect::Allow, ["oss:*"], ["acs:oss:*:*:b/*"]).principals(["2000"]),
            Statement::new(Effect::Deny, ["oss:DeleteObject"], ["acs:oss:*:*:b/keep/*"])
                .principals(["2000"]),
        ]);
        let mut req = get("x");
        req.principals = vec!["2000".into()];
        assert_eq!(p.evaluate(&req), Decision::Allow);
        req.action = "oss:DeleteObject".into();
        assert_eq!(p.evaluate(&req), Decision::Allow);
        req.resource = "acs:oss:cn-hangzhou:1000:b/keep/1".into();
        assert_eq!(p.evaluate(&req), Decision::Deny);
        req.principals = vec!["3000".into()];
        assert_eq!(p.evaluate(&req), Decision::NotApplicable);
        // Anonymous requests match only `*`.
        req.principals.clear();
        assert_eq!(p.evaluate(&req), Decision::NotApplicable);
    }

    #[test]
    fn everyone_without_condition_spares_the_owner() {
        let p = Policy::new(vec![Statement::new(
            Effect::Deny,
            ["oss:*"],
            ["acs:oss:*:*:b/*"],
        )
        .principals(["*"])]);
        let mut req = get("k");
        req.principals = vec!["1000".into()];
        assert_eq!(p.evaluate(&req), Decision::Deny);
        req.is_owner = true;
        assert_eq!(p.evaluate(&req), Decision::NotApplicable);
        // With a condition, the statement applies to the owner too.
        let p = Policy::new(vec![Statement::new(
            Effect::Deny,
            ["oss:*"],
            ["acs:oss:*:*:b/*"],
        )
        .principals(["*"])
        .condition("Bool", "acs:SecureTransport", ["false"])]);
        req.context("acs:SecureTransport", "false");
        assert_eq!(p.evaluate(&req), Decision::Deny);
    }

    #[test]
    fn conditions() {
        let p =
            allow_get(r#","Condition":{"StringLike":{"acs:Referer":["https://*.example.com/*"]}}"#);
        let mut req = get("k");
        assert_eq!(p.evaluate(&req), Decision::NotApplicable);
        req.context("acs:Referer", "https://www.example.com/page");
        assert_eq!(p.evaluate(&req), Decision::Allow);
        req.context("acs:Referer", "https://evil.test/");
        assert_eq!(p.evaluate(&req), Decision::NotApplicable);

        let p = allow_get(
            r#","Condition":{"NotIpAddress":{"acs:SourceIp":["10.0.0.0/8","192.168.0.0/16"]}}"#,
        );
        req.context("acs:SourceIp", "10.0.0.1");
        assert_eq!(p.evaluate(&req), Decision::NotApplicable);
        req.context("acs:SourceIp", "127.0.0.1");
        assert_eq!(p.evaluate(&req), Decision::Allow);

        let p = allow_get(r#","Condition":{"Bool":{"acs:SecureTransport":true}}"#);
        req.context("acs:SecureTransport", "false");
        assert_eq!(p.evaluate(&req), Decision::NotApplicable);
        req.context("acs:SecureTransport", "true");
        assert_eq!(p.evaluate(&req), Decision::Allow);

        let p = allow_get(
            r#","Condition":{"DateLessThan":{"acs:CurrentTime":"2030-01-01T00:00:00Z"},"StringEquals":{"oss:Prefix":["a/"]}}"#,
        );
        req.context("acs:CurrentTime", "2029-12-31T00:00:00Z");
        assert_eq!(
            p.evaluate(&req),
            Decision::NotApplicable,
            "oss:Prefix missing"
        );
        req.context("oss:Prefix", "a/");
        assert_eq!(p.evaluate(&req), Decision::Allow);
        req.context("acs:CurrentTime", "2031-01-01T00:00:00Z");
        assert_eq!(p.evaluate(&req), Decision::NotApplicable);
    }

    #[test]
    fn public_statements() {
        assert!(allow_get("").is_public());
        assert!(
            !allow_get(r#","Condition":{"IpAddress":{"acs:SourceIp":["10.0.0.0/8"]}}"#).is_public()
        );
        assert!(
            allow_get(r#","Condition":{"IpAddress":{"acs:SourceIp":["0.0.0.0/0"]}}"#).is_public()
        );
        assert!(allow_get(r#","Condition":{"StringLike":{"acs:Referer":["*"]}}"#).is_public());
        let p = Policy::new(vec![
            Statement::new(Effect::Allow, ["oss:*"], ["*"]).principals(["2000"])
        ]);
        assert!(!p.is_public());
        let mut req = get("k");
        req.ignore_public = true;
        assert_eq!(allow_get("").evaluate(&req), Decision::NotApplicable);
    }

    #[test]
    fn principal_patterns() {
        let p = Policy::new(vec![Statement::new(Effect::Allow, ["oss:*"], ["*"])
            .principals(["arn:sts::1000:assumed-role/reader/*"])]);
        let mut req = get("k");
        req.principals = vec!["arn:sts::1000:assumed-role/reader/session-1".into()];
        assert_eq!(p.evaluate(&req), Decision::Allow);
        req.principals = vec!["arn:sts::1000:assumed-role/writer/session-1".into()];
        assert_eq!(p.evaluate(&req), Decision::NotApplicable);
    }

    #[test]
    fn json_round_trip() {
        let p = Policy::new(vec![Statement::new(
            Effect::Deny,
            ["oss:PutObject"],
            ["acs:oss:*:*:b/*"],
        )
        .principals(["*"])
        .condition("IpAddress", "acs:SourceIp", ["10.0.0.0/8"])]);
        let text = p.to_json();
        assert!(text.starts_with(r#"{"Version":"1","Statement":[{"Effect":"Deny""#));
        assert_eq!(Policy::parse(text.as_bytes()).unwrap(), p);
    }
}
