//! Lenient field readers for event JSON that real AWS producers (and the tools that replay their
//! events) fill inconsistently: `null` or the string `"null"` for absent values, booleans as
//! strings, numbers where strings are documented. None of these ever fails: an unusable value
//! reads as absent.

use serde::{Deserialize, Deserializer};
use serde_json::Value;
use std::collections::BTreeMap;

/// A string field: strings as they are (`""` and `"null"` read as absent), numbers and booleans
/// as their JSON text, anything else absent.
pub(crate) fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(string_of(Option::<Value>::deserialize(d)?.as_ref()))
}

/// A boolean field: `true`/`false` or the strings `"true"`/`"false"` (any case), else absent.
pub(crate) fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    Ok(bool_of(Option::<Value>::deserialize(d)?.as_ref()))
}

/// An object field read as `T` when it is an object `T` accepts; `null`, `"null"` and every other
/// shape read as absent.
pub(crate) fn opt_object<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: for<'a> Deserialize<'a>,
{
    Ok(object_of(Option::<Value>::deserialize(d)?))
}

/// A string-to-string map (tags): scalar values kept as text, other entries dropped; any other
/// shape reads as empty.
pub(crate) fn string_map<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, String>, D::Error> {
    let mut map = BTreeMap::new();
    if let Some(Value::Object(entries)) = Option::<Value>::deserialize(d)? {
        for (key, value) in &entries {
            if let Some(text) = scalar_text(value) {
                map.insert(key.clone(), text);
            }
        }
    }
    Ok(map)
}

/// [`opt_string`] over an already parsed value.
pub(crate) fn string_of(value: Option<&Value>) -> Option<String> {
    let text = scalar_text(value?)?;
    if text.is_empty() || text == "null" {
        None
    } else {
        Some(text)
    }
}

/// [`opt_bool`] over an already parsed value.
pub(crate) fn bool_of(value: Option<&Value>) -> Option<bool> {
    match value? {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// [`opt_object`] over an already parsed value.
pub(crate) fn object_of<T: for<'a> Deserialize<'a>>(value: Option<Value>) -> Option<T> {
    match value? {
        object @ Value::Object(_) => serde_json::from_value(object).ok(),
        _ => None,
    }
}

fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn null_and_null_string_and_empty_read_as_absent() {
        assert_eq!(string_of(Some(&Value::Null)), None);
        assert_eq!(string_of(Some(&json!("null"))), None);
        assert_eq!(string_of(Some(&json!(""))), None);
        assert_eq!(string_of(Some(&json!({"a": 1}))), None);
        assert_eq!(string_of(Some(&json!(12))), Some("12".to_owned()));
        assert_eq!(string_of(Some(&json!("x"))), Some("x".to_owned()));
    }

    #[test]
    fn booleans_are_read_from_bools_and_strings() {
        assert_eq!(bool_of(Some(&json!(true))), Some(true));
        assert_eq!(bool_of(Some(&json!("FALSE"))), Some(false));
        assert_eq!(bool_of(Some(&json!("yes"))), None);
        assert_eq!(bool_of(None), None);
    }
}
