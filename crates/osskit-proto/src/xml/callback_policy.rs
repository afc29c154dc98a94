//! `<BucketCallbackPolicy>`: named upload callbacks that uploads can refer to with
//! `{"callbackPolicy":"NAME"}` in `x-oss-callback` (`PutBucketCallbackPolicy`,
//! `GetBucketCallbackPolicy`, `DeleteBucketCallbackPolicy`).
//!
//! ```
//! use osskit_proto::xml::{callback_policy::{BucketCallbackPolicy, CallbackPolicyItem}, Document};
//! let policy = BucketCallbackPolicy::new(vec![
//!     CallbackPolicyItem::new("first", "eyJjYWxsYmFja1VybCI6Ind3dy5hYmMuY29tIn0="),
//! ]);
//! let doc = policy.to_document().unwrap();
//! assert!(doc.contains("<PolicyName>first</PolicyName>"));
//! assert_eq!(BucketCallbackPolicy::from_document(doc.as_bytes()).unwrap(), policy);
//! assert!(policy.find("first").is_some());
//! ```

use serde::{Deserialize, Serialize};

/// `<BucketCallbackPolicy>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "BucketCallbackPolicy")]
#[non_exhaustive]
pub struct BucketCallbackPolicy {
    /// The named callbacks.
    #[serde(rename = "PolicyItem", default)]
    pub policy_items: Vec<CallbackPolicyItem>,
}

/// `<PolicyItem>`: one named callback.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CallbackPolicyItem {
    /// The name uploads refer to.
    #[serde(rename = "PolicyName", default)]
    pub policy_name: String,
    /// The callback, Base64-encoded JSON as in `x-oss-callback`.
    #[serde(rename = "Callback", default)]
    pub callback: String,
    /// Custom variables, Base64-encoded JSON as in `x-oss-callback-var` (may be empty).
    #[serde(rename = "CallbackVar", default)]
    pub callback_var: String,
}

impl BucketCallbackPolicy {
    /// A policy of `items`.
    pub fn new(items: Vec<CallbackPolicyItem>) -> Self {
        BucketCallbackPolicy {
            policy_items: items,
        }
    }

    /// The callback named `name`.
    pub fn find(&self, name: &str) -> Option<&CallbackPolicyItem> {
        self.policy_items.iter().find(|p| p.policy_name == name)
    }
}

impl CallbackPolicyItem {
    /// A callback named `name` (`callback` is the Base64 of its JSON).
    pub fn new(name: impl Into<String>, callback: impl Into<String>) -> Self {
        CallbackPolicyItem {
            policy_name: name.into(),
            callback: callback.into(),
            callback_var: String::new(),
        }
    }

    /// Sets the custom variables (Base64 of their JSON).
    pub fn callback_var(mut self, var: impl Into<String>) -> Self {
        self.callback_var = var.into();
        self
    }
}

crate::xml_document!(BucketCallbackPolicy => "BucketCallbackPolicy");

/// Checks a policy: every item is named, names are unique, and the callback and its
/// variables are Base64.
pub fn validate(policy: &BucketCallbackPolicy) -> Result<(), String> {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    for (i, item) in policy.policy_items.iter().enumerate() {
        if item.policy_name.is_empty() {
            return Err("Each PolicyItem must have a PolicyName.".into());
        }
        if policy.policy_items[..i]
            .iter()
            .any(|p| p.policy_name == item.policy_name)
        {
            return Err(format!(
                "The PolicyName {:?} is used more than once.",
                item.policy_name
            ));
        }
        if item.callback.is_empty() || b64.decode(item.callback.trim()).is_err() {
            return Err(format!(
                "The Callback of policy {:?} must be Base64-encoded JSON.",
                item.policy_name
            ));
        }
        if !item.callback_var.is_empty() && b64.decode(item.callback_var.trim()).is_err() {
            return Err(format!(
                "The CallbackVar of policy {:?} must be Base64-encoded JSON.",
                item.policy_name
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::Document;

    #[test]
    fn oss2_documents_parse_and_validate() {
        let empty = BucketCallbackPolicy::from_document(b"<BucketCallbackPolicy />").unwrap();
        assert!(empty.policy_items.is_empty());
        assert!(validate(&empty).is_ok());
        let doc = b"<BucketCallbackPolicy><PolicyItem><PolicyName>a</PolicyName>\
            <Callback>e30=</Callback><CallbackVar /></PolicyItem></BucketCallbackPolicy>";
        let p = BucketCallbackPolicy::from_document(doc).unwrap();
        assert_eq!(p.policy_items[0].callback_var, "");
        assert!(validate(&p).is_ok());
        let twice = BucketCallbackPolicy::new(vec![
            CallbackPolicyItem::new("a", "e30="),
            CallbackPolicyItem::new("a", "e30="),
        ]);
        assert!(validate(&twice).unwrap_err().contains("more than once"));
        let bad = BucketCallbackPolicy::new(vec![CallbackPolicyItem::new("a", "not base64!")]);
        assert!(validate(&bad).unwrap_err().contains("Base64"));
    }
}
