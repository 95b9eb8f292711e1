//! Dotted field paths of documents and of OpenSearch mappings, for the tests that hold the two
//! against `infra/opensearch/fields.txt`.

// Test support: a missing fixture or a malformed mapping fails the test that asked, with the
// reason.
#![allow(clippy::panic)]

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Adds the dotted path of every leaf of `v` (scalars, arrays and empty objects are leaves)
/// under `prefix` to `out`.
pub fn leaf_paths(v: &Value, prefix: &str, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(members) if !members.is_empty() => {
            for (key, child) in members {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                leaf_paths(child, &path, out);
            }
        }
        _ => {
            out.insert(prefix.to_owned());
        }
    }
}

/// Adds (dotted name, mapping type) of every leaf of an OpenSearch `properties` tree under
/// `prefix` (`""` or ending in `.`) to `out`; a leaf without a type fails the test.
pub fn mapped_leaves(properties: &Value, prefix: &str, out: &mut BTreeMap<String, String>) {
    for (name, spec) in properties.as_object().into_iter().flatten() {
        let dotted = format!("{prefix}{name}");
        if let Some(children) = spec.get("properties") {
            mapped_leaves(children, &format!("{dotted}."), out);
        } else {
            let kind = spec["type"]
                .as_str()
                .unwrap_or_else(|| panic!("{dotted}: no type in {spec}"));
            out.insert(dotted, kind.to_owned());
        }
    }
}
