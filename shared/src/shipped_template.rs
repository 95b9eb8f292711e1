//! An OpenSearch index template compiled into the binary (`infra/opensearch/*.json`), read and
//! rendered for one index pattern. The logs template (`delivery::index_template`) and the span
//! template (`span::template`) are both installed this way; each wraps the error in its own type.

use serde_json::{Map, Value};

/// A template's JSON text, as shipped.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ShippedTemplate(pub(crate) &'static str);

impl ShippedTemplate {
    /// The template parsed; an error says why it is not a JSON object.
    fn parse(self) -> Result<Map<String, Value>, String> {
        match serde_json::from_str::<Value>(self.0) {
            Ok(Value::Object(m)) => Ok(m),
            Ok(_) => Err("not an object".to_owned()),
            Err(e) => Err(e.to_string()),
        }
    }

    /// The template's `version` (0 when it has none).
    pub(crate) fn version(self) -> Result<u64, String> {
        Ok(self
            .parse()?
            .get("version")
            .and_then(Value::as_u64)
            .unwrap_or(0))
    }

    /// The `PUT _index_template/<name>` body: the template with `index_patterns` = `[pattern]`.
    pub(crate) fn render(self, pattern: String) -> Result<Vec<u8>, String> {
        let mut t = self.parse()?;
        t.insert(
            "index_patterns".to_owned(),
            Value::Array(vec![Value::String(pattern)]),
        );
        serde_json::to_vec(&Value::Object(t)).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_the_pattern_and_reads_the_version() {
        let t = ShippedTemplate(r#"{"version": 7, "index_patterns": ["old-*"], "priority": 1}"#);
        assert_eq!(t.version(), Ok(7));
        let body: Value = serde_json::from_slice(&t.render("new-*".to_owned()).unwrap()).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"version": 7, "index_patterns": ["new-*"], "priority": 1})
        );
        assert_eq!(ShippedTemplate(r#"{"priority": 1}"#).version(), Ok(0));
        assert_eq!(
            ShippedTemplate("[1]").version(),
            Err("not an object".to_owned())
        );
        assert!(ShippedTemplate("{").render("x-*".to_owned()).is_err());
    }
}
