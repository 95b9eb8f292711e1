//! The versioned index template (SS4O-compatible mapping; numeric `attributes.aws.lambda.*`;
//! `attributes.fields` as `flat_object`, so type conflicts in user JSON cannot reject documents).
//! The sink installs it once per container: `GET _index_template/<name>`, then `PUT` only when it
//! is missing or its `version` is lower than ours (a newer template is never downgraded).
//!
//! The template is named after the index prefix and matches `<prefix>-*`.

use crate::shipped_template::ShippedTemplate;
use serde_json::Value;

/// The template as shipped (`infra/opensearch/index-template.json`), for the default prefix.
pub const INDEX_TEMPLATE_JSON: &str = include_str!("../../../infra/opensearch/index-template.json");

/// Cap on the body excerpt kept in a template error.
const MAX_ERROR_EXCERPT: usize = 300;

/// Errors around the index template.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// The shipped template is not a JSON object (a build problem, caught by tests).
    #[error("the shipped index template is not a JSON object: {0}")]
    Invalid(String),
    /// OpenSearch answered the GET or PUT with an unexpected status.
    #[error("{operation} _index_template/{name} answered {status}: {excerpt}")]
    Status {
        /// `GET` or `PUT`.
        operation: &'static str,
        /// Template name.
        name: String,
        /// HTTP status.
        status: u16,
        /// Start of the body.
        excerpt: String,
    },
    /// The GET answer could not be read.
    #[error("GET _index_template/{name}: unreadable answer: {detail}")]
    Unreadable {
        /// Template name.
        name: String,
        /// What was wrong.
        detail: String,
    },
    /// The request did not complete (connection, timeout, signing).
    #[error("{operation} _index_template/{name}: {detail}")]
    Transport {
        /// `GET` or `PUT`.
        operation: &'static str,
        /// Template name.
        name: String,
        /// What went wrong.
        detail: String,
    },
}

/// The template name for `index_prefix`.
pub fn template_name(index_prefix: &str) -> String {
    index_prefix.to_owned()
}

/// The shipped logs template.
const SHIPPED: ShippedTemplate = ShippedTemplate(INDEX_TEMPLATE_JSON);

/// Our template's `version` (0 when it has none).
pub fn template_version() -> Result<u64, TemplateError> {
    SHIPPED.version().map_err(TemplateError::Invalid)
}

/// The `PUT _index_template/<name>` body for `index_prefix`: the shipped template with
/// `index_patterns` = `["<prefix>-*"]`.
pub fn render_template(index_prefix: &str) -> Result<Vec<u8>, TemplateError> {
    SHIPPED
        .render(format!("{index_prefix}-*"))
        .map_err(TemplateError::Invalid)
}

/// What the cluster has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Installed {
    /// No template of that name.
    Missing,
    /// A template with this `version` (0 when it has none).
    Version(u64),
}

/// Reads the answer to `GET _index_template/<name>`.
pub fn read_installed(name: &str, status: u16, body: &[u8]) -> Result<Installed, TemplateError> {
    match status {
        404 => return Ok(Installed::Missing),
        200 => {}
        _ => return Err(status_error("GET", name, status, body)),
    }
    let v: Value = serde_json::from_slice(body).map_err(|e| TemplateError::Unreadable {
        name: name.to_owned(),
        detail: e.to_string(),
    })?;
    let Some(list) = v.get("index_templates").and_then(Value::as_array) else {
        return Err(TemplateError::Unreadable {
            name: name.to_owned(),
            detail: "no index_templates array".to_owned(),
        });
    };
    let found = list
        .iter()
        .find(|t| t.get("name").and_then(Value::as_str) == Some(name));
    Ok(match found {
        None => Installed::Missing,
        Some(t) => Installed::Version(
            t.pointer("/index_template/version")
                .and_then(Value::as_u64)
                .unwrap_or(0),
        ),
    })
}

/// Install (PUT) when the template is missing or older than `ours`; a newer one is left alone.
pub fn needs_install(installed: Installed, ours: u64) -> bool {
    match installed {
        Installed::Missing => true,
        Installed::Version(v) => v < ours,
    }
}

/// Reads the answer to `PUT _index_template/<name>`.
pub fn read_put(name: &str, status: u16, body: &[u8]) -> Result<(), TemplateError> {
    if (200..300).contains(&status) {
        Ok(())
    } else {
        Err(status_error("PUT", name, status, body))
    }
}

fn status_error(operation: &'static str, name: &str, status: u16, body: &[u8]) -> TemplateError {
    let end = body.len().min(MAX_ERROR_EXCERPT);
    TemplateError::Status {
        operation,
        name: name.to_owned(),
        status,
        excerpt: String::from_utf8_lossy(body.get(..end).unwrap_or(b"")).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn shipped_template_is_versioned_and_maps_the_spec_fields() {
        assert!(template_version().unwrap() >= 1);
        let t: Value = serde_json::from_slice(&render_template("shiplog").unwrap()).unwrap();
        let props = &t["template"]["mappings"]["properties"];
        assert_eq!(props["@timestamp"]["type"], json!("date"));
        assert_eq!(
            props["attributes"]["properties"]["fields"]["type"],
            json!("flat_object")
        );
        let lambda =
            &props["attributes"]["properties"]["aws"]["properties"]["lambda"]["properties"];
        for k in [
            "duration_ms",
            "billed_duration_ms",
            "memory_size_mb",
            "max_memory_used_mb",
            "init_duration_ms",
        ] {
            let ty = lambda[k]["type"].as_str().unwrap_or("missing");
            assert!(
                ["double", "float", "long", "integer", "scaled_float"].contains(&ty),
                "{k}: {ty}"
            );
        }
    }

    /// Version 4's storage settings (measured by scripts/storage-bench.sh, BENCHMARKS.md): each
    /// one carries its reason in `_meta.storage`, and a later edit that drops one shows here.
    #[test]
    fn shipped_template_keeps_the_measured_storage_settings() {
        assert!(template_version().unwrap() >= 4);
        let t: Value = serde_json::from_slice(&render_template("shiplog").unwrap()).unwrap();
        assert_eq!(
            t["template"]["settings"]["index"]["codec"],
            json!("best_compression")
        );
        let reasons = t["_meta"]["storage"].as_object().unwrap();
        for key in [
            "index.codec",
            "match_only_text",
            "doc_values false",
            "refresh_interval",
        ] {
            assert!(
                reasons
                    .get(key)
                    .and_then(Value::as_str)
                    .is_some_and(|r| r.len() > 40),
                "_meta.storage.{key} states the reason"
            );
        }
        assert!(t["template"]["settings"]["index"]
            .get("refresh_interval")
            .is_none());
        let props = &t["template"]["mappings"]["properties"];
        for path in [
            "/body",
            "/event/properties/exception/properties/message",
            "/event/properties/exception/properties/stacktrace",
            "/attributes/properties/fields_text",
        ] {
            let field = props.pointer(path).unwrap();
            assert_eq!(field["type"], json!("match_only_text"), "{path}");
        }
        for path in [
            "/observedTimestamp",
            "/resource/properties/aws/properties/log/properties/stream/properties/names",
            "/traceId",
            "/spanId",
            "/attributes/properties/faas/properties/invocation_id",
            "/attributes/properties/aws/properties/xray/properties/trace_id",
            "/attributes/properties/aws/properties/xray/properties/segment_id",
            "/attributes/properties/correlation_id",
        ] {
            let field = props.pointer(path).unwrap();
            assert_eq!(field["doc_values"], json!(false), "{path}");
            assert_ne!(field["index"], json!(false), "{path} stays searchable");
        }
        // What the dashboards aggregate keeps its doc values.
        for path in [
            "/@timestamp",
            "/resource/properties/faas/properties/name",
            "/attributes/properties/aws/properties/lambda/properties/duration_ms",
        ] {
            assert!(
                props.pointer(path).unwrap().get("doc_values").is_none(),
                "{path}"
            );
        }
    }

    #[test]
    fn rendered_template_matches_the_prefix() {
        let t: Value = serde_json::from_slice(&render_template("acme-logs").unwrap()).unwrap();
        assert_eq!(t["index_patterns"], json!(["acme-logs-*"]));
        assert_eq!(template_name("acme-logs"), "acme-logs");
    }

    #[test]
    fn get_answers_are_read() {
        assert_eq!(
            read_installed(
                "shiplog",
                404,
                br#"{"error":{"type":"resource_not_found_exception"}}"#
            ),
            Ok(Installed::Missing)
        );
        let body = json!({"index_templates": [{"name": "shiplog", "index_template": {"index_patterns": ["shiplog-*"], "version": 3}}]});
        assert_eq!(
            read_installed("shiplog", 200, body.to_string().as_bytes()),
            Ok(Installed::Version(3))
        );
        let other =
            json!({"index_templates": [{"name": "else", "index_template": {"version": 3}}]});
        assert_eq!(
            read_installed("shiplog", 200, other.to_string().as_bytes()),
            Ok(Installed::Missing)
        );
        let unversioned = json!({"index_templates": [{"name": "shiplog", "index_template": {}}]});
        assert_eq!(
            read_installed("shiplog", 200, unversioned.to_string().as_bytes()),
            Ok(Installed::Version(0))
        );
        assert!(matches!(
            read_installed("shiplog", 403, b"denied"),
            Err(TemplateError::Status { status: 403, .. })
        ));
        assert!(matches!(
            read_installed("shiplog", 200, b"<html>"),
            Err(TemplateError::Unreadable { .. })
        ));
    }

    #[test]
    fn install_only_when_missing_or_older() {
        assert!(needs_install(Installed::Missing, 2));
        assert!(needs_install(Installed::Version(1), 2));
        assert!(!needs_install(Installed::Version(2), 2));
        assert!(!needs_install(Installed::Version(5), 2));
    }

    #[test]
    fn put_answers_are_read() {
        assert_eq!(read_put("t", 200, br#"{"acknowledged":true}"#), Ok(()));
        let err = read_put("t", 400, br#"{"error":"bad"}"#).unwrap_err();
        assert!(err
            .to_string()
            .contains("PUT _index_template/t answered 400"));
    }
}
