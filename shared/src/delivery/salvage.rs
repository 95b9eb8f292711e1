//! Salvage: a document the index mapping refused gets a second chance with its user fields
//! (`attributes.fields`) as one JSON string, so the line stays searchable.

/// Field (under `attributes`) that receives the user fields as one JSON string when a document is
/// salvaged.
pub const SALVAGED_FIELDS_KEY: &str = "fields_text";

/// Field (under `attributes.shiplog`) that records why a document was salvaged; the boolean
/// `attributes.shiplog.salvaged` marks it.
pub const SALVAGE_REASON_KEY: &str = "salvage_reason";

/// Cap on the salvage reason stored in `attributes.shiplog.salvage_reason`.
pub const MAX_SALVAGE_REASON_BYTES: usize = 512;

/// Rewrites a rejected document so that it can be indexed: `attributes.fields` (user JSON whose
/// types may conflict with the index mapping) is serialised into the single string field
/// `attributes.fields_text`; `attributes.shiplog.salvaged` = `true` and
/// `attributes.shiplog.salvage_reason` = `reason` mark it. Everything else (body, timestamps,
/// resource, …) is kept, so the line stays searchable. `None` when the source has no user fields
/// (there is nothing to salvage) or is not a JSON object.
pub fn salvage_source(source: &[u8], reason: &str) -> Option<Vec<u8>> {
    use serde_json::{Map, Value};
    let mut doc: Value = serde_json::from_slice(source).ok()?;
    let attributes = doc.get_mut("attributes")?.as_object_mut()?;
    let fields = attributes.remove("fields")?;
    let text = serde_json::to_string(&fields).ok()?;
    attributes.insert(SALVAGED_FIELDS_KEY.to_owned(), Value::String(text));
    let shiplog = attributes
        .entry("shiplog")
        .or_insert_with(|| Value::Object(Map::new()));
    if !shiplog.is_object() {
        *shiplog = Value::Object(Map::new());
    }
    if let Some(obj) = shiplog.as_object_mut() {
        obj.insert("salvaged".to_owned(), Value::Bool(true));
        obj.insert(
            SALVAGE_REASON_KEY.to_owned(),
            Value::String(truncate_str(reason, MAX_SALVAGE_REASON_BYTES).to_owned()),
        );
    }
    serde_json::to_vec(&doc).ok()
}

fn truncate_str(s: &str, max: usize) -> &str {
    s.get(..s.floor_char_boundary(max)).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    #[test]
    fn salvage_moves_user_fields_into_one_string_and_records_the_reason() {
        let src = br#"{"body":"paid","attributes":{"fields":{"amount":"12.5","user":{"id":7}},"log":{"format":"json"}}}"#;
        let out = salvage_source(
            src,
            "mapper_parsing_exception: failed to parse field [attributes.fields.amount]",
        )
        .unwrap();
        let v: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["body"], json!("paid"));
        assert!(v["attributes"].get("fields").is_none());
        let text = v["attributes"][SALVAGED_FIELDS_KEY].as_str().unwrap();
        assert_eq!(
            serde_json::from_str::<Value>(text).unwrap(),
            json!({"amount":"12.5","user":{"id":7}})
        );
        assert_eq!(v["attributes"]["shiplog"]["salvaged"], json!(true));
        assert!(v["attributes"]["shiplog"][SALVAGE_REASON_KEY]
            .as_str()
            .unwrap()
            .starts_with("mapper_parsing_exception"));
        assert_eq!(v["attributes"]["log"]["format"], json!("json"));
    }

    #[test]
    fn salvage_keeps_existing_shiplog_attributes_and_caps_the_reason() {
        let src = br#"{"attributes":{"fields":{"a":1},"shiplog":{"truncated":9}}}"#;
        let reason = "é".repeat(1000);
        let v: Value = serde_json::from_slice(&salvage_source(src, &reason).unwrap()).unwrap();
        assert_eq!(v["attributes"]["shiplog"]["truncated"], json!(9));
        assert!(
            v["attributes"]["shiplog"][SALVAGE_REASON_KEY]
                .as_str()
                .unwrap()
                .len()
                <= MAX_SALVAGE_REASON_BYTES
        );
    }

    #[test]
    fn salvage_without_user_fields_or_on_garbage_gives_none() {
        assert_eq!(
            salvage_source(br#"{"body":"x","attributes":{"log":{}}}"#, "r"),
            None
        );
        assert_eq!(salvage_source(b"not json", "r"), None);
        assert_eq!(salvage_source(br#"{"body":"x"}"#, "r"), None);
    }
}
